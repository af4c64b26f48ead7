//! `cargo archfit init`: a starter `archfit.toml` and ADR templates, guessed
//! from the workspace layout.
//!
//! Each member is classified by the first of these that applies:
//! 1. `[package.metadata.archfit] service = "…"` in its manifest;
//! 2. it lives in a service folder (`services/<name>/…`, `apps/`, `svc/`, …):
//!    service `<name>`, together with its client, proto and api crates;
//! 3. developer tooling by name or folder (`xtask`, `tools/`, benches,
//!    examples, fuzz targets, tests) that no shipped crate depends on: excluded;
//! 4. it has a binary target: a service named after the member;
//! 5. it is named `<service>-client` (or `-proto`, `-api`, …): that service;
//! 6. it is named like operational code (telemetry, tracing, logging,
//!    config, metrics, health, …) or only platform crates use it: platform;
//! 7. some service reaches it through its dependencies: shared;
//! 8. anything else is used by no service: excluded.
//!
//! Every glob written names exactly the members of its list, so the
//! configuration loads as written. [`plan`] only reads (migration folders,
//! existing ADRs); [`write()`] is the one function that writes.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

use crate::checks;
use crate::config::FILE_NAME;
use crate::error::{ConfigError, SourceFile};
use crate::pattern::GlobPattern;
use crate::workspace::{names_member, Architecture, DepKind, Role as LoadedRole, Workspace};
use crate::Error;

/// What `init` would write: paths relative to the workspace root, and their contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub files: Vec<PlannedFile>,
}

/// One file of a [`Plan`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedFile {
    /// Relative to the workspace root, `/`-separated.
    pub path: String,
    pub contents: String,
}

/// Where the ADR templates go; also the `adr_dir` of the written configuration.
pub const ADR_DIR: &str = "docs/adr";

/// Inspects the workspace and returns the starter configuration and the ADR
/// templates it refers to. ADRs already in `docs/adr` (same name after the
/// number) are referred to and never planned again; new ones are numbered
/// after the highest existing number.
///
/// The configuration is loaded through the model stage `check` runs, with
/// the planned ADRs, before it is returned: an error means a bug in `init`
/// (see [`loading_config`]), and nothing is to be written.
pub fn plan(workspace: &Workspace) -> Result<Plan, Error> {
    let guesses = guess(workspace);
    let (adr_names, adr_files) = adrs(&workspace.root);
    let config = loading_config(workspace, &guesses, &adr_names, &adr_files)?;
    let mut files = vec![PlannedFile {
        path: FILE_NAME.to_string(),
        contents: config,
    }];
    files.extend(adr_files);
    Ok(Plan { files })
}

/// The configuration text for `guesses` that `check` loads and that
/// classifies every member as guessed. When the written patterns do not (a
/// folder pattern that names other members, or none), every member is
/// listed by itself instead, as specific as a pattern gets; when that fails
/// too, the error names each problem.
fn loading_config(
    workspace: &Workspace,
    guesses: &[Guess],
    adr_names: &[String],
    adr_files: &[PlannedFile],
) -> Result<String, Error> {
    let text = render_config(workspace, guesses, adr_names);
    if load_problems(workspace, guesses, &text, adr_files).is_empty() {
        return Ok(text);
    }
    let one_by_one: Vec<Guess> = guesses
        .iter()
        .map(|g| Guess {
            folder: None,
            ..g.clone()
        })
        .collect();
    let text = render_config(workspace, &one_by_one, adr_names);
    let problems = load_problems(workspace, guesses, &text, adr_files);
    if problems.is_empty() {
        return Ok(text);
    }
    Err(Error::Config(vec![ConfigError::general(format!(
        "internal error: the archfit.toml `init` planned does not load, so nothing was written: {}",
        problems.join("; ")
    ))
    .help(
        "this is a bug in cargo-archfit; please report it with the workspace's members \
         (`cargo metadata --no-deps --format-version 1`). Meanwhile write archfit.toml by hand: \
         `cargo archfit explain <check>` describes every rule",
    )]))
}

/// What keeps `text` from being the configuration `init` means: every
/// mistake the model stage finds (as `check` would report it), then every
/// member it classifies otherwise than guessed (whose comment would lie).
fn load_problems(
    workspace: &Workspace,
    guesses: &[Guess],
    text: &str,
    adr_files: &[PlannedFile],
) -> Vec<String> {
    let file = SourceFile::new(FILE_NAME, text);
    let planned: Vec<(&str, &str)> = adr_files
        .iter()
        .map(|f| (f.path.as_str(), f.contents.as_str()))
        .collect();
    let loaded = match crate::model::build_text(workspace.clone(), &file, &planned) {
        Ok(loaded) => loaded,
        Err(Error::Config(errors)) => return errors.iter().map(ToString::to_string).collect(),
        Err(other) => return vec![other.to_string()],
    };
    let architecture = &loaded.architecture;
    workspace
        .members
        .iter()
        .zip(guesses)
        .zip(&architecture.roles)
        .filter(|((_, guess), role)| !loads_as(&guess.role, **role, architecture))
        .map(|((member, guess), role)| {
            format!(
                "`{}` loads as {} but was guessed {}",
                member.name,
                loaded_role(*role, architecture),
                guessed_role(&guess.role)
            )
        })
        .collect()
}

/// Whether a member guessed `guess` loaded as `role`.
fn loads_as(guess: &Role, role: LoadedRole, architecture: &Architecture) -> bool {
    match (guess, role) {
        (Role::Service(name), LoadedRole::Service(index)) => {
            architecture.services.get(index).map(|s| &s.name) == Some(name)
        }
        (Role::Shared, LoadedRole::Shared)
        | (Role::Platform, LoadedRole::Platform)
        | (Role::Excluded, LoadedRole::Excluded) => true,
        _ => false,
    }
}

fn guessed_role(role: &Role) -> String {
    match role {
        Role::Service(name) => format!("a crate of service `{name}`"),
        Role::Shared => "shared".into(),
        Role::Platform => "platform".into(),
        Role::Excluded => "excluded".into(),
    }
}

fn loaded_role(role: LoadedRole, architecture: &Architecture) -> String {
    match role {
        LoadedRole::Service(index) => match architecture.services.get(index) {
            Some(service) => format!("a crate of service `{}`", service.name),
            None => "a crate of an unknown service".into(),
        },
        LoadedRole::Shared => "shared".into(),
        LoadedRole::Platform => "platform".into(),
        LoadedRole::Excluded => "excluded".into(),
        LoadedRole::Unclassified => "unclassified".into(),
    }
}

/// Writes the planned files under `root`, creating folders as needed.
/// Existing files are left alone unless `force`; an existing `archfit.toml`
/// without `force` is a usage error and nothing at all is written. The
/// configuration is written last, so a failure part-way leaves no
/// configuration pointing at ADRs that were not written. Returns the paths
/// written, in plan order.
pub fn write(root: &Path, plan: &Plan, force: bool) -> Result<Vec<String>, Error> {
    if !force && root.join(FILE_NAME).exists() {
        return Err(Error::Usage(
            "archfit.toml already exists; pass --force to overwrite it".into(),
        ));
    }
    let (config, others): (Vec<&PlannedFile>, Vec<&PlannedFile>) =
        plan.files.iter().partition(|f| f.path == FILE_NAME);
    let mut written = BTreeSet::new();
    let workspace = crate::fs::Root::new(root);
    for file in others.into_iter().chain(config) {
        let path = root.join(&file.path);
        // A symlink (even a dangling one) is not "existing": writing refuses
        // it loudly below rather than following it out of the workspace.
        let existing = std::fs::symlink_metadata(&path).is_ok_and(|m| !m.file_type().is_symlink());
        if !force && existing {
            continue;
        }
        crate::fs::write_file(
            std::path::Path::new(&file.path),
            file.contents.as_bytes(),
            crate::fs::WritePolicy::Workspace(&workspace),
        )
        .map_err(|e| Error::Io {
            path: path.display().to_string(),
            message: format!("cannot write: {e}"),
        })?;
        written.insert(file.path.as_str());
    }
    Ok(plan
        .files
        .iter()
        .filter(|f| written.contains(f.path.as_str()))
        .map(|f| f.path.clone())
        .collect())
}

/// Folders whose subfolders are services: `services/<name>/…`.
const SERVICE_FOLDERS: &[&str] = &[
    "apps",
    "app",
    "microservices",
    "servers",
    "service",
    "services",
    "svc",
    "svcs",
];

/// Name parts and folder names of developer tooling, never deployed.
const TOOLING: &[&str] = &[
    "bench",
    "benches",
    "benchmark",
    "benchmarks",
    "codegen",
    "devtools",
    "e2e",
    "example",
    "examples",
    "fuzz",
    "fuzzing",
    "script",
    "scripts",
    "test",
    "testing",
    "testkit",
    "tests",
    "tool",
    "tooling",
    "tools",
    "xtask",
    "xtasks",
];

/// Name parts of operational ("sidecar") crates, which services may share.
const PLATFORM: &[&str] = &[
    "buildinfo",
    "config",
    "configuration",
    "health",
    "healthcheck",
    "instrumentation",
    "log",
    "logger",
    "logging",
    "logs",
    "metrics",
    "monitoring",
    "observability",
    "opentelemetry",
    "otel",
    "settings",
    "shutdown",
    "telemetry",
    "tracing",
];

/// Name suffixes of the crates through which a service is called.
const INTERFACE_SUFFIXES: &[&str] = &["api", "client", "clients", "grpc", "proto", "protos", "sdk"];

/// What a member is guessed to be.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Role {
    Service(String),
    Shared,
    Platform,
    Excluded,
}

/// A member's role and the reason, written as a comment beside its pattern.
#[derive(Debug, Clone)]
struct Guess {
    role: Role,
    note: String,
    /// The service folder the member lives in (`services/orders`).
    folder: Option<String>,
}

impl Guess {
    fn new(role: Role, note: impl Into<String>) -> Guess {
        Guess {
            role,
            note: note.into(),
            folder: None,
        }
    }
}

/// Classifies every member (see the module documentation for the order).
fn guess(workspace: &Workspace) -> Vec<Guess> {
    let members = &workspace.members;
    let mut guesses: Vec<Option<Guess>> = vec![None; members.len()];

    for (index, member) in members.iter().enumerate() {
        let folder = service_folder(&member.dir);
        if let Some((service, _)) = &member.declared_service {
            guesses[index] = Some(Guess {
                role: Role::Service(service.clone()),
                note: format!("declares service \"{service}\" in its Cargo.toml"),
                // Its service's folder pattern may take it with the others.
                folder: folder
                    .filter(|(_, name)| name == service)
                    .map(|(folder, _)| folder),
            });
        } else if let Some((folder, service)) = folder {
            guesses[index] = Some(Guess {
                role: Role::Service(service),
                note: format!("in {folder}/"),
                folder: Some(folder),
            });
        }
    }

    let tooling: Vec<bool> = members
        .iter()
        .map(|m| is_tooling(&m.name, &m.dir))
        .collect();
    let shipped_with = dependents(workspace, &[DepKind::Normal, DepKind::Build]);
    for index in 0..members.len() {
        let shipped = shipped_with[index]
            .iter()
            .any(|&j| !tooling[j] || matches!(&guesses[j], Some(g) if g.role != Role::Excluded));
        if guesses[index].is_none() && tooling[index] && !shipped {
            guesses[index] = Some(Guess::new(Role::Excluded, "developer tooling"));
        }
    }

    for (index, member) in members.iter().enumerate() {
        if guesses[index].is_none() && member.targets.iter().any(|t| t.kind == "bin") {
            guesses[index] = Some(Guess::new(
                Role::Service(member.name.clone()),
                "has a binary target",
            ));
        }
    }

    let services: BTreeSet<String> = guesses
        .iter()
        .flatten()
        .filter_map(|g| match &g.role {
            Role::Service(name) => Some(name.clone()),
            _ => None,
        })
        .collect();
    for (index, member) in members.iter().enumerate() {
        if guesses[index].is_some() {
            continue;
        }
        if let Some(service) = interface_of(&member.name, &services) {
            guesses[index] = Some(Guess::new(
                Role::Service(service.clone()),
                format!("named like an interface of {service}"),
            ));
        } else if is_platform_name(&member.name, &member.dir) {
            guesses[index] = Some(Guess::new(Role::Platform, "named like operational code"));
        }
    }

    // Helpers of platform crates are platform code too: when only platform
    // crates use a library, services reach it only through them.
    let used_by = dependents(workspace, &[DepKind::Normal, DepKind::Build, DepKind::Dev]);
    loop {
        let mut changed = false;
        for index in 0..members.len() {
            if guesses[index].is_some() {
                continue;
            }
            let users: Vec<usize> = used_by[index]
                .iter()
                .copied()
                .filter(|&j| !matches!(&guesses[j], Some(g) if g.role == Role::Excluded))
                .collect();
            let all_platform = users
                .iter()
                .all(|&j| matches!(&guesses[j], Some(g) if g.role == Role::Platform));
            if !users.is_empty() && all_platform {
                guesses[index] = Some(Guess::new(Role::Platform, "used only by platform crates"));
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }

    let reached = reached_by_services(workspace, &guesses);
    guesses
        .into_iter()
        .zip(reached)
        .map(|(guess, users)| match guess {
            Some(guess) => guess,
            None if users.is_empty() => Guess::new(Role::Excluded, "used by no service"),
            None => Guess::new(
                Role::Shared,
                format!(
                    "used by {}",
                    users.into_iter().collect::<Vec<_>>().join(", ")
                ),
            ),
        })
        .collect()
}

/// `services/orders/client` → (`services/orders`, `orders`).
fn service_folder(dir: &str) -> Option<(String, String)> {
    let parts: Vec<&str> = dir.split('/').collect();
    let at = parts
        .iter()
        .position(|p| SERVICE_FOLDERS.contains(&p.to_ascii_lowercase().as_str()))?;
    let name = parts.get(at + 1)?;
    Some((parts[..=at + 1].join("/"), name.to_string()))
}

/// The parts of a package name: `shop-config` → `shop`, `config`.
fn name_parts(name: &str) -> Vec<String> {
    name.split(['-', '_', '.'])
        .filter(|p| !p.is_empty())
        .map(str::to_ascii_lowercase)
        .collect()
}

fn is_tooling(name: &str, dir: &str) -> bool {
    name_parts(name)
        .iter()
        .any(|p| TOOLING.contains(&p.as_str()))
        || dir
            .split('/')
            .any(|p| TOOLING.contains(&p.to_ascii_lowercase().as_str()))
}

/// Named like operational code: a part of the package name or of its folder
/// name, or two adjacent parts (`build-info`, `health-check`), is one of
/// [`PLATFORM`].
fn is_platform_name(name: &str, dir: &str) -> bool {
    let folder = dir.rsplit('/').next().unwrap_or_default();
    [name, folder].iter().any(|text| {
        let parts = name_parts(text);
        let pairs = parts.windows(2).map(|w| format!("{}{}", w[0], w[1]));
        parts
            .iter()
            .cloned()
            .chain(pairs)
            .any(|p| PLATFORM.contains(&p.as_str()))
    })
}

/// The service a crate named `<service>-client` (or `-proto`, `-api`, …)
/// belongs to; `orders-client` also fits a service named `orders-service`.
fn interface_of<'a>(name: &str, services: &'a BTreeSet<String>) -> Option<&'a String> {
    let (prefix, suffix) = name.rsplit_once(['-', '_'])?;
    if !INTERFACE_SUFFIXES.contains(&suffix.to_ascii_lowercase().as_str()) {
        return None;
    }
    services.get(prefix).or_else(|| {
        ["service", "svc", "server"]
            .iter()
            .flat_map(|s| [format!("{prefix}-{s}"), format!("{prefix}_{s}")])
            .find_map(|candidate| services.get(&candidate))
    })
}

/// For each member, the members that depend on it with one of `kinds`.
fn dependents(workspace: &Workspace, kinds: &[DepKind]) -> Vec<BTreeSet<usize>> {
    let mut out = vec![BTreeSet::new(); workspace.members.len()];
    for (index, member) in workspace.members.iter().enumerate() {
        for dependency in &member.dependencies {
            if let Some(target) = dependency.member {
                if kinds.contains(&dependency.kind) && target != index {
                    out[target].insert(index);
                }
            }
        }
    }
    out
}

/// For each member, the services that reach it through their dependencies
/// (of any kind), never through another service's or an excluded crate.
fn reached_by_services(workspace: &Workspace, guesses: &[Option<Guess>]) -> Vec<BTreeSet<String>> {
    let members = &workspace.members;
    let mut reached = vec![BTreeSet::new(); members.len()];
    let stops = |index: usize| matches!(&guesses[index], Some(g) if matches!(g.role, Role::Service(_) | Role::Excluded));
    for (start, guess) in guesses.iter().enumerate() {
        let Some(Guess {
            role: Role::Service(service),
            ..
        }) = guess
        else {
            continue;
        };
        let mut stack = vec![start];
        let mut seen = BTreeSet::from([start]);
        while let Some(index) = stack.pop() {
            for dependency in &members[index].dependencies {
                let Some(target) = dependency.member else {
                    continue;
                };
                if stops(target) || !seen.insert(target) {
                    continue;
                }
                reached[target].insert(service.clone());
                stack.push(target);
            }
        }
    }
    reached
}

/// A pattern in a list of archfit.toml, with the comment written beside it.
#[derive(Debug, Clone)]
struct Entry {
    pattern: String,
    note: String,
}

/// A `[[service]]` table to write.
#[derive(Debug, Default)]
struct ServicePlan {
    crates: Vec<Entry>,
    migrations: BTreeSet<String>,
}

/// Every list of the configuration, with patterns that name exactly the
/// members of their list.
#[derive(Debug, Default)]
struct Lists {
    exclude: Vec<Entry>,
    services: BTreeMap<String, ServicePlan>,
    shared: Vec<Entry>,
    platform: Vec<Entry>,
}

fn lists(workspace: &Workspace, guesses: &[Guess]) -> Lists {
    let roles: Vec<&Role> = guesses.iter().map(|g| &g.role).collect();
    let mut lists = Lists::default();
    // Members covered by a folder pattern of their service.
    let mut covered = vec![false; guesses.len()];
    let mut folders: BTreeMap<(&str, &str), Vec<usize>> = BTreeMap::new();
    for (index, guess) in guesses.iter().enumerate() {
        if let (Role::Service(service), Some(folder)) = (&guess.role, &guess.folder) {
            folders
                .entry((service.as_str(), folder.as_str()))
                .or_default()
                .push(index);
        }
    }
    for ((service, folder), indices) in folders {
        let role = Role::Service(service.to_string());
        if !fits(workspace, &roles, folder, &role) {
            continue;
        }
        let names: Vec<&str> = indices
            .iter()
            .map(|&i| workspace.members[i].name.as_str())
            .collect();
        lists
            .services
            .entry(service.to_string())
            .or_default()
            .crates
            .push(Entry {
                pattern: folder.to_string(),
                note: format!("service folder: {}", names.join(", ")),
            });
        for index in indices {
            covered[index] = true;
        }
    }
    for (index, guess) in guesses.iter().enumerate() {
        if let Role::Service(service) = &guess.role {
            let plan = lists.services.entry(service.clone()).or_default();
            plan.migrations
                .extend(migrations(workspace, &workspace.members[index].dir));
            if let Some(folder) = &guess.folder {
                plan.migrations.extend(migrations(workspace, folder));
            }
        }
        if covered[index] {
            continue;
        }
        let entry = Entry {
            pattern: member_pattern(workspace, &roles, index),
            note: guess.note.clone(),
        };
        match &guess.role {
            Role::Service(service) => lists
                .services
                .entry(service.clone())
                .or_default()
                .crates
                .push(entry),
            Role::Shared => lists.shared.push(entry),
            Role::Platform => lists.platform.push(entry),
            Role::Excluded => lists.exclude.push(entry),
        }
    }
    for list in [&mut lists.exclude, &mut lists.shared, &mut lists.platform]
        .into_iter()
        .chain(lists.services.values_mut().map(|s| &mut s.crates))
    {
        list.sort_by(|a, b| a.pattern.cmp(&b.pattern));
    }
    lists
}

/// `<dir>/migrations`, when that folder exists.
fn migrations(workspace: &Workspace, dir: &str) -> Option<String> {
    let path = if dir.is_empty() {
        "migrations".to_string()
    } else {
        format!("{dir}/migrations")
    };
    workspace.root.join(&path).is_dir().then_some(path)
}

/// The member's directory, or its package name when the directory would
/// also name members of another list (or holds glob characters).
fn member_pattern(workspace: &Workspace, roles: &[&Role], index: usize) -> String {
    let member = &workspace.members[index];
    let by_dir = (!member.dir.is_empty() && !member.dir.contains(['*', '?', '[', ']', '{', '}']))
        .then(|| member.dir.clone());
    by_dir
        .into_iter()
        .find(|dir| fits(workspace, roles, dir, roles[index]))
        .unwrap_or_else(|| member.name.clone())
}

/// Whether every member `pattern` names has `role`, as classification
/// will read the pattern.
fn fits(workspace: &Workspace, roles: &[&Role], pattern: &str, role: &Role) -> bool {
    let compiled = GlobPattern::new(pattern, 0..0);
    compiled.error().is_none()
        && workspace
            .members
            .iter()
            .zip(roles)
            .all(|(m, r)| !names_member(&compiled, &m.name, &m.dir) || *r == role)
}

/// The ADR file name of each template (an existing file with the same slug,
/// or a new number after the highest in the ADR folder) and the files to
/// write. The folder is listed only if it resolves inside the workspace: a
/// `docs/adr` linked elsewhere lends no file names.
fn adrs(root: &Path) -> (Vec<String>, Vec<PlannedFile>) {
    let mut existing: Vec<String> =
        crate::fs::list_workspace_dir(&crate::fs::Root::new(root), Path::new(ADR_DIR))
            .into_iter()
            .filter(|n| n.to_ascii_lowercase().ends_with(".md"))
            .collect();
    existing.sort();
    // Only numbered records count: a date id (`2023-03-08-…`) is no number
    // to continue from.
    let mut next = existing
        .iter()
        .filter_map(|n| crate::adr::id_from_file_name(n))
        .filter(|id| id.bytes().all(|b| b.is_ascii_digit()))
        .filter_map(|id| id.parse::<u32>().ok())
        .max()
        .unwrap_or(0)
        + 1;
    let mut names = Vec::new();
    let mut files = Vec::new();
    // One decision per check, in registry order; `{number}` in a template is
    // its ADR number.
    for starter in checks::CHECKS.iter().map(|c| &c.starter) {
        if let Some(name) = existing.iter().find(|n| slug(n) == starter.adr_slug) {
            names.push(name.clone());
            continue;
        }
        let name = format!("{next:04}-{}.md", starter.adr_slug);
        files.push(PlannedFile {
            path: format!("{ADR_DIR}/{name}"),
            contents: starter.adr_template.replace("{number}", &next.to_string()),
        });
        names.push(name);
        next += 1;
    }
    (names, files)
}

/// `0003-Prefer-Duplication.md` → `prefer-duplication`.
fn slug(file_name: &str) -> String {
    let base = &file_name[..file_name.len() - ".md".len().min(file_name.len())];
    let base = base
        .strip_prefix("ADR-")
        .or_else(|| base.strip_prefix("adr-"))
        .unwrap_or(base);
    base.trim_start_matches(|c: char| c.is_ascii_digit() || matches!(c, '-' | '_' | '.' | ' '))
        .to_ascii_lowercase()
}

/// A TOML basic string. Names come from the workspace (folder names,
/// `[package.metadata.archfit] service`, ADR file names), so every
/// character TOML forbids raw (controls) and every one an editor would
/// display out of order (bidi controls, line separators) is written as a
/// `\uXXXX` escape: the file stays valid and shows what it holds, and
/// loading it gives back the name exactly.
fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() || crate::text::is_hazard(c) => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `key = [...]`, one pattern a line with its comment.
fn write_list(out: &mut String, key: &str, entries: &[Entry]) {
    if entries.is_empty() {
        let _ = writeln!(out, "{key} = []");
        return;
    }
    let items: Vec<String> = entries
        .iter()
        .map(|e| format!("{},", quote(&e.pattern)))
        .collect();
    let width = items.iter().map(|i| i.chars().count()).max().unwrap_or(0);
    let _ = writeln!(out, "{key} = [");
    for (item, entry) in items.iter().zip(entries) {
        let _ = writeln!(out, "  {item:<width$} # {}", one_line(&entry.note));
    }
    let _ = writeln!(out, "]");
}

/// A note for a comment, which ends at a line break and may hold no
/// control character: workspace names in it are neutralised.
fn one_line(text: &str) -> String {
    crate::text::neutralise(text).into_owned()
}

/// `["a", "b"]`.
fn inline_array(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|i| quote(i)).collect();
    format!("[{}]", quoted.join(", "))
}

const HEADER: &str = "\
# Architecture rules for this workspace, checked by `cargo archfit`.
#
# Written by `cargo archfit init`: services were guessed from binary targets
# and service folders, shared and platform crates from their names and from
# which services use them. Review the guesses below, complete the decisions
# in docs/adr/ (each rule names the one it enforces), then run
# `cargo archfit`. `cargo archfit explain <check>` describes every parameter.
version = 1
# Folder of the ADRs named by each rule's `adr`.
adr_dir = \"docs/adr\"
";

const SERVICES_INTRO: &str = "\
# Services: deployable units and what they own.
#   crates      member folders (a folder takes every member below it) or package names
#   migrations  folders whose CREATE TABLE statements define the tables it owns
#               (add `tables = [\"…\"]` for tables created elsewhere)
#   topics      message topics it publishes (globs)
#   hosts       names other code uses to call it (URLs, gRPC endpoints)
";

const NO_SERVICES: &str = "\
# No service was recognised: no member has a binary target or lives in a
# service folder (services/<name>, apps/<name>, svc/<name>). Declare each
# deployable unit:
# [[service]]
# name = \"orders\"
# crates = [\"path/to/orders\"]
";

const SHARED_INTRO: &str = "\
# Libraries owned by no single service. Domain code shared between services
# couples their releases (rule services-share-no-domain-code); `platform`
# crates are operational code (logging, tracing, config, metrics, health)
# that every service may use.
[shared]
";

fn render_config(workspace: &Workspace, guesses: &[Guess], adr: &[String]) -> String {
    let lists = lists(workspace, guesses);
    let mut out = String::from(HEADER);
    out.push_str("# Members ignored entirely: developer tooling and crates no service uses.\n");
    write_list(&mut out, "exclude", &lists.exclude);
    out.push('\n');

    if lists.services.is_empty() {
        out.push_str(NO_SERVICES);
    } else {
        out.push_str(SERVICES_INTRO);
    }
    for (name, service) in &lists.services {
        out.push_str("[[service]]\n");
        let _ = writeln!(out, "name = {}", quote(name));
        write_list(&mut out, "crates", &service.crates);
        if !service.migrations.is_empty() {
            let dirs: Vec<String> = service.migrations.iter().cloned().collect();
            let _ = writeln!(out, "migrations = {}", inline_array(&dirs));
        }
        if !name.contains(['*', '?', '[', ']', '{', '}']) {
            let _ = writeln!(out, "topics = {}", inline_array(&[format!("{name}.*")]));
            let _ = writeln!(out, "hosts = {}", inline_array(std::slice::from_ref(name)));
        }
        out.push('\n');
    }

    out.push_str(SHARED_INTRO);
    write_list(&mut out, "crates", &lists.shared);
    write_list(&mut out, "platform", &lists.platform);

    let client_globs: Vec<String> = [("-client", "*-client"), ("_client", "*_client")]
        .iter()
        .filter(|(suffix, _)| {
            workspace
                .members
                .iter()
                .zip(guesses)
                .any(|(m, g)| matches!(g.role, Role::Service(_)) && m.name.ends_with(suffix))
        })
        .map(|(_, glob)| glob.to_string())
        .collect();
    render_rules(&mut out, &client_globs, adr);
    out
}

fn render_rules(out: &mut String, client_globs: &[String], adr: &[String]) {
    let allow = if client_globs.is_empty() {
        "# e.g. [{ from = \"gateway\", to = \"*\" }] or [{ from = \"*\", to = \"*\", crates = [\"*-client\"] }]\n\
         allow = []"
            .to_string()
    } else {
        format!(
            "# Published client crates are how services are meant to call each other.\n\
             allow = [{{ from = \"*\", to = \"*\", crates = {} }}]",
            inline_array(client_globs)
        )
    };
    out.push_str(RULES_INTRO);
    // Each check owns its starter rules and its decision's template.
    for (check, adr) in checks::CHECKS.iter().zip(adr) {
        out.push('\n');
        out.push_str(
            &check
                .starter
                .rules
                .replace("{adr}", &quote(adr))
                .replace("{allow}", &allow),
        );
    }
}

const RULES_INTRO: &str = "
# Rules: one [[rule]] per decision. Every rule takes `id`, `check`,
# `severity` (\"error\", \"warn\", \"info\" or \"off\"), `adr` (a file in adr_dir, or
# a URL) and an optional `message` shown with each finding.
";

#[cfg(test)]
#[allow(clippy::disallowed_methods)] // tests build their workspaces directly
mod tests {
    use super::*;
    use crate::error::SourceFile;
    use crate::workspace::{classify, Architecture, Dependency, Member, Target};

    /// A member: package name, directory, whether it has a binary target,
    /// and the names of the members it depends on.
    type Spec<'a> = (&'a str, &'a str, bool, &'a [&'a str]);

    fn workspace(specs: &[Spec<'_>]) -> Workspace {
        workspace_at("/nonexistent/archfit-init-test", specs)
    }

    fn workspace_at(root: impl Into<std::path::PathBuf>, specs: &[Spec<'_>]) -> Workspace {
        let mut sorted: Vec<&Spec<'_>> = specs.iter().collect();
        sorted.sort_by_key(|s| s.0);
        let index = |name: &str| sorted.iter().position(|s| s.0 == name);
        let members = sorted
            .iter()
            .map(|&&(name, dir, bin, deps)| Member {
                name: name.to_string(),
                dir: dir.to_string(),
                manifest_path: format!("{dir}/Cargo.toml"),
                manifest_text: format!("[package]\nname = \"{name}\"\n").into(),
                name_span: None,
                targets: vec![Target {
                    name: name.replace('-', "_"),
                    kind: if bin { "bin" } else { "lib" }.into(),
                    src_path: format!("{dir}/src/{}.rs", if bin { "main" } else { "lib" }),
                }],
                dependencies: deps
                    .iter()
                    .map(|dep| Dependency {
                        package: dep.to_string(),
                        key: dep.to_string(),
                        kind: DepKind::Normal,
                        target: None,
                        member: Some(index(dep).expect("dependency is a member")),
                        span: None,
                    })
                    .collect(),
                declared_service: None,
            })
            .collect();
        Workspace {
            root: root.into(),
            root_manifest: "".into(),
            members,
        }
    }

    /// The plan, which must load.
    fn planned(ws: &Workspace) -> Plan {
        plan(ws).unwrap_or_else(|e| panic!("init planned a configuration that does not load: {e}"))
    }

    fn config_text(ws: &Workspace) -> String {
        planned(ws).files[0].contents.clone()
    }

    /// Plans, then loads the written configuration as `check` would; every
    /// member must be classified.
    fn architecture(ws: &Workspace) -> Architecture {
        let text = config_text(ws);
        let config = crate::checks::parse_config(&SourceFile::new(FILE_NAME, text.as_str()))
            .unwrap_or_else(|e| panic!("{e:?}\n{text}"));
        let arch = classify(ws, &config).unwrap_or_else(|e| panic!("{e:?}\n{text}"));
        for (member, role) in ws.members.iter().zip(&arch.roles) {
            assert_ne!(
                *role,
                crate::workspace::Role::Unclassified,
                "{} is unclassified\n{text}",
                member.name
            );
        }
        arch
    }

    fn role_of(ws: &Workspace, arch: &Architecture, name: &str) -> String {
        let index = ws.member_by_name(name).expect("member exists");
        match arch.roles[index] {
            crate::workspace::Role::Service(s) => format!("service {}", arch.services[s].name),
            crate::workspace::Role::Shared => "shared".into(),
            crate::workspace::Role::Platform => "platform".into(),
            crate::workspace::Role::Excluded => "excluded".into(),
            crate::workspace::Role::Unclassified => "unclassified".into(),
        }
    }

    /// Whether a list of the configuration holds `pattern` with the comment `note`.
    fn has_entry(text: &str, pattern: &str, note: &str) -> bool {
        text.lines().any(|line| {
            line.trim_start().starts_with(&format!("\"{pattern}\","))
                && line.ends_with(&format!("# {note}"))
        })
    }

    #[test]
    fn members_of_a_service_folder_form_one_service_with_one_glob() {
        let ws = workspace(&[
            ("orders", "services/orders", true, &[]),
            ("orders-client", "services/orders/client", false, &[]),
            ("orders-events", "services/orders/events", false, &[]),
        ]);
        let arch = architecture(&ws);
        assert_eq!(arch.services.len(), 1);
        assert_eq!(arch.services[0].name, "orders");
        assert_eq!(arch.services[0].crates, vec![0, 1, 2]);
        let text = config_text(&ws);
        assert!(
            text.contains("crates = [\n  \"services/orders\", # service folder: orders, orders-client, orders-events\n]"),
            "{text}"
        );
    }

    #[test]
    fn other_service_folder_names_are_recognised() {
        let ws = workspace(&[
            ("web", "apps/web", false, &[]),
            ("worker", "svc/worker/core", false, &[]),
        ]);
        let arch = architecture(&ws);
        assert_eq!(role_of(&ws, &arch, "web"), "service web");
        assert_eq!(role_of(&ws, &arch, "worker"), "service worker");
    }

    #[test]
    fn binary_crates_outside_service_folders_are_services() {
        let ws = workspace(&[
            ("billing", "crates/billing", true, &[]),
            ("search", "crates/search", true, &[]),
        ]);
        let arch = architecture(&ws);
        let names: Vec<&str> = arch.services.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["billing", "search"]);
        let text = config_text(&ws);
        assert!(text.contains("hosts = [\"billing\"]"), "{text}");
        assert!(text.contains("topics = [\"billing.*\"]"), "{text}");
    }

    #[test]
    fn client_proto_and_api_crates_join_their_service() {
        let ws = workspace(&[
            ("billing", "crates/billing", true, &[]),
            ("billing-client", "crates/billing-client", false, &[]),
            ("billing-proto", "crates/billing-proto", false, &[]),
            ("search-service", "crates/search-service", true, &[]),
            ("search-api", "crates/search-api", false, &[]),
        ]);
        let arch = architecture(&ws);
        assert_eq!(role_of(&ws, &arch, "billing-client"), "service billing");
        assert_eq!(role_of(&ws, &arch, "billing-proto"), "service billing");
        assert_eq!(role_of(&ws, &arch, "search-api"), "service search-service");
    }

    #[test]
    fn library_used_by_several_services_is_shared_and_says_by_whom() {
        let ws = workspace(&[
            ("orders", "services/orders", true, &["shop-domain"]),
            ("payments", "services/payments", true, &["shop-domain"]),
            ("shop-domain", "libs/shop-domain", false, &["money"]),
            ("money", "libs/money", false, &[]),
        ]);
        let arch = architecture(&ws);
        assert_eq!(role_of(&ws, &arch, "shop-domain"), "shared");
        assert_eq!(role_of(&ws, &arch, "money"), "shared");
        let text = config_text(&ws);
        assert!(
            text.contains("\"libs/shop-domain\", # used by orders, payments"),
            "{text}"
        );
    }

    #[test]
    fn operational_crates_are_platform_by_name() {
        let ws = workspace(&[
            (
                "orders",
                "services/orders",
                true,
                &[
                    "telemetry",
                    "shop-config",
                    "build-info",
                    "otel-setup",
                    "health-check",
                    "app-settings",
                ],
            ),
            ("telemetry", "libs/telemetry", false, &[]),
            ("shop-config", "libs/config", false, &[]),
            ("build-info", "libs/build-info", false, &[]),
            ("otel-setup", "libs/otel-setup", false, &[]),
            ("health-check", "libs/health-check", false, &[]),
            ("app-settings", "libs/app-settings", false, &[]),
        ]);
        let arch = architecture(&ws);
        for name in [
            "telemetry",
            "shop-config",
            "build-info",
            "otel-setup",
            "health-check",
            "app-settings",
        ] {
            assert_eq!(role_of(&ws, &arch, name), "platform", "{name}");
        }
    }

    #[test]
    fn names_that_merely_contain_a_platform_word_are_not_platform() {
        let ws = workspace(&[
            ("orders", "services/orders", true, &["catalog", "blogpost"]),
            ("catalog", "libs/catalog", false, &[]),
            ("blogpost", "libs/blogpost", false, &[]),
        ]);
        let arch = architecture(&ws);
        assert_eq!(role_of(&ws, &arch, "catalog"), "shared");
        assert_eq!(role_of(&ws, &arch, "blogpost"), "shared");
    }

    #[test]
    fn helper_used_only_by_platform_crates_is_platform() {
        let ws = workspace(&[
            ("orders", "services/orders", true, &["telemetry"]),
            ("payments", "services/payments", true, &["telemetry"]),
            ("telemetry", "libs/telemetry", false, &["span-macros"]),
            ("span-macros", "libs/span-macros", false, &[]),
        ]);
        let arch = architecture(&ws);
        assert_eq!(role_of(&ws, &arch, "span-macros"), "platform");
    }

    #[test]
    fn tooling_and_unused_crates_are_excluded() {
        let ws = workspace(&[
            ("orders", "services/orders", true, &[]),
            ("xtask", "xtask", true, &["release-notes"]),
            ("load-bench", "benches/load", true, &[]),
            ("fixture-gen", "tools/fixture-gen", true, &[]),
            ("release-notes", "libs/release-notes", false, &[]),
            ("orphan", "libs/orphan", false, &[]),
        ]);
        let arch = architecture(&ws);
        for name in [
            "xtask",
            "load-bench",
            "fixture-gen",
            "release-notes",
            "orphan",
        ] {
            assert_eq!(role_of(&ws, &arch, name), "excluded", "{name}");
        }
        let text = config_text(&ws);
        assert!(has_entry(&text, "xtask", "developer tooling"), "{text}");
        assert!(text.contains("# used by no service"), "{text}");
    }

    #[test]
    fn tooling_named_crate_that_a_service_ships_with_is_kept() {
        let ws = workspace(&[
            ("orders", "services/orders", true, &["test-clock"]),
            ("test-clock", "libs/test-clock", false, &[]),
        ]);
        let arch = architecture(&ws);
        assert_eq!(role_of(&ws, &arch, "test-clock"), "shared");
    }

    #[test]
    fn declared_service_wins_over_the_folder() {
        let mut ws = workspace(&[
            ("orders", "services/orders", true, &[]),
            ("payments", "services/payments", true, &[]),
            (
                "payments-adapter",
                "services/orders/payments-adapter",
                false,
                &[],
            ),
        ]);
        let index = ws.member_by_name("payments-adapter").unwrap();
        ws.members[index].declared_service = Some(("payments".into(), 0..0));
        let arch = architecture(&ws);
        assert_eq!(role_of(&ws, &arch, "payments-adapter"), "service payments");
        assert_eq!(role_of(&ws, &arch, "orders"), "service orders");
    }

    #[test]
    fn nested_member_of_another_list_gets_a_pattern_that_names_only_itself() {
        let ws = workspace(&[
            ("orders", "services/orders", true, &["kit", "kit-logging"]),
            ("payments", "services/payments", true, &["kit"]),
            ("kit", "libs/kit", false, &[]),
            ("kit-logging", "libs/kit/logging", false, &[]),
        ]);
        let arch = architecture(&ws);
        assert_eq!(role_of(&ws, &arch, "kit"), "shared");
        assert_eq!(role_of(&ws, &arch, "kit-logging"), "platform");
        let text = config_text(&ws);
        assert!(
            text.contains("\"kit\", # used by orders, payments"),
            "{text}"
        );
    }

    #[test]
    fn root_package_is_named_by_its_package_name() {
        let ws = workspace(&[
            ("monolith", "", true, &["monolith-core"]),
            ("monolith-core", "core", false, &[]),
        ]);
        let arch = architecture(&ws);
        assert_eq!(role_of(&ws, &arch, "monolith"), "service monolith");
        assert_eq!(role_of(&ws, &arch, "monolith-core"), "shared");
    }

    #[test]
    fn workspace_without_services_still_loads() {
        let ws = workspace(&[("parser", "crates/parser", false, &[])]);
        architecture(&ws);
        assert!(config_text(&ws).contains("# No service was recognised"));
    }

    #[test]
    fn clients_are_allowed_only_when_client_crates_exist() {
        let with = workspace(&[
            ("orders", "services/orders", true, &[]),
            ("orders-client", "services/orders/client", false, &[]),
        ]);
        let without = workspace(&[("orders", "services/orders", true, &[])]);
        let allow = "allow = [{ from = \"*\", to = \"*\", crates = [\"*-client\"] }]";
        assert!(config_text(&with).contains(allow));
        assert!(!config_text(&without).contains(allow));
        assert!(config_text(&without).contains("allow = []"));
    }

    #[test]
    fn every_check_has_a_rule_with_an_adr() {
        let ws = workspace(&[("orders", "services/orders", true, &[])]);
        let text = config_text(&ws);
        let config =
            crate::checks::parse_config(&SourceFile::new(FILE_NAME, text.as_str())).unwrap();
        let checks: BTreeSet<&str> = config.rules.iter().map(|r| r.check).collect();
        assert_eq!(checks.len(), crate::checks::names().len(), "{checks:?}");
        let files: Vec<String> = planned(&ws).files.iter().map(|f| f.path.clone()).collect();
        for rule in &config.rules {
            let adr = rule.adr.as_ref().expect("every rule names an ADR");
            assert!(
                files.contains(&format!("{ADR_DIR}/{}", adr.get_ref())),
                "{} names {}, which init does not write",
                rule.id,
                adr.get_ref()
            );
        }
        let layers = config.rules.iter().find(|r| r.check == "layers").unwrap();
        assert_eq!(layers.severity, None);
        let cycles: Vec<_> = config
            .rules
            .iter()
            .filter(|r| r.check == "cycles")
            .collect();
        assert_eq!(cycles.len(), 2);
    }

    #[test]
    fn adr_templates_are_nygard_records() {
        let ws = workspace(&[("orders", "services/orders", true, &[])]);
        let plan = planned(&ws);
        let adrs: Vec<&PlannedFile> = plan.files.iter().skip(1).collect();
        assert_eq!(adrs.len(), checks::CHECKS.len());
        for (n, file) in adrs.iter().enumerate() {
            let number = n + 1;
            assert!(
                file.path.starts_with(&format!("docs/adr/{number:04}-")),
                "{}",
                file.path
            );
            assert!(file.contents.starts_with(&format!("# {number}. ")));
            for section in [
                "## Status\n\nProposed\n",
                "## Context",
                "## Decision",
                "## Consequences",
            ] {
                assert!(file.contents.contains(section), "{}: {section}", file.path);
            }
            let info = crate::adr::parse(&file.contents).unwrap();
            assert_eq!(info.status, Some(crate::adr::AdrStatus::Proposed));
        }
    }

    #[test]
    fn hostile_names_are_escaped_and_load_back_exactly() {
        let folder = "services/ord\u{1b}[2J\u{202e}ers\r\n# [[rule]]\"x\\";
        let shared = "libs/sh\u{9b}ared\u{2028}";
        let mut ws = workspace(&[
            ("orders", folder, true, &["shop-domain"]),
            ("payments", "services/payments", true, &["shop-domain"]),
            ("shop-domain", shared, false, &[]),
        ]);
        let index = ws.member_by_name("payments").unwrap();
        let service = "pay\u{1b}]0;x\u{7}ments\u{2066}";
        ws.members[index].declared_service = Some((service.into(), 0..0));
        let text = config_text(&ws);
        // Line breaks are the file's own; nothing else TOML or a terminal
        // would trip over is written raw, in strings or in comments.
        let hazard = |c: char| c != '\n' && (c.is_control() || crate::text::is_hazard(c));
        assert!(!text.chars().any(hazard), "{text}");
        assert!(
            text.contains(r#"name = "ord\u001B[2J\u202Eers\u000D\n# [[rule]]\"x\\""#),
            "{text}"
        );
        assert!(
            text.contains(r#"# in services/ord\u{1b}[2J\u{202e}ers\r\n# [[rule]]"x\"#),
            "{text}"
        );
        assert!(
            text.contains(r#"name = "pay\u001B]0;x\u0007ments\u2066""#),
            "{text}"
        );
        assert!(
            text.contains("# declares service \"pay\\u{1b}]0;x\\u{7}ments\\u{2066}\""),
            "{text}"
        );
        let arch = architecture(&ws);
        assert_eq!(
            role_of(&ws, &arch, "payments"),
            format!("service {service}")
        );
        assert_eq!(
            role_of(&ws, &arch, "orders"),
            "service ord\u{1b}[2J\u{202e}ers\r\n# [[rule]]\"x\\"
        );
        assert_eq!(role_of(&ws, &arch, "shop-domain"), "shared");
        let config =
            crate::checks::parse_config(&SourceFile::new(FILE_NAME, text.as_str())).unwrap();
        assert_eq!(config.rules.len(), text.matches("\n[[rule]]\n").count());
    }

    #[test]
    fn plan_is_deterministic() {
        let specs: &[Spec<'_>] = &[
            (
                "orders",
                "services/orders",
                true,
                &["shop-domain", "telemetry"],
            ),
            (
                "payments",
                "services/payments",
                true,
                &["shop-domain", "telemetry"],
            ),
            ("shop-domain", "libs/shop-domain", false, &[]),
            ("telemetry", "libs/telemetry", false, &[]),
            ("xtask", "xtask", true, &[]),
        ];
        assert_eq!(planned(&workspace(specs)), planned(&workspace(specs)));
    }

    /// A fresh empty directory under the system temp dir.
    fn temp_dir(name: &str) -> std::path::PathBuf {
        let dir =
            std::env::temp_dir().join(format!("archfit-init-unit-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn migrations_are_listed_only_where_the_folder_exists() {
        let root = temp_dir("migrations");
        std::fs::create_dir_all(root.join("services/orders/migrations")).unwrap();
        let ws = workspace_at(
            &root,
            &[
                ("orders", "services/orders", true, &[]),
                ("payments", "services/payments", true, &[]),
            ],
        );
        let text = config_text(&ws);
        let _ = std::fs::remove_dir_all(&root);
        assert!(
            text.contains("name = \"orders\"\ncrates = [\n  \"services/orders\", # service folder: orders\n]\nmigrations = [\"services/orders/migrations\"]\n"),
            "{text}"
        );
        assert_eq!(text.matches("migrations = [").count(), 1, "{text}");
    }

    #[test]
    fn existing_adrs_are_kept_and_new_ones_numbered_after_them() {
        let root = temp_dir("adrs");
        let adr_dir = root.join(ADR_DIR);
        std::fs::create_dir_all(&adr_dir).unwrap();
        std::fs::write(
            adr_dir.join("0001-record-architecture-decisions.md"),
            "# 1. Record\n",
        )
        .unwrap();
        std::fs::write(
            adr_dir.join("0007-prefer-duplication-over-coupling.md"),
            "# 7. Mine\n",
        )
        .unwrap();
        let ws = workspace_at(&root, &[("orders", "services/orders", true, &[])]);
        let plan = planned(&ws);
        let _ = std::fs::remove_dir_all(&root);
        let paths: Vec<&str> = plan.files.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "archfit.toml",
                "docs/adr/0008-services-do-not-depend-on-each-others-crates.md",
                "docs/adr/0009-each-service-owns-its-tables.md",
                "docs/adr/0010-no-cycles-between-services.md",
                "docs/adr/0011-every-saga-step-can-be-undone.md",
                "docs/adr/0012-layers-inside-services.md",
            ]
        );
        assert!(plan.files[0]
            .contents
            .contains("adr = \"0007-prefer-duplication-over-coupling.md\""));
        assert!(plan.files[1].contents.starts_with("# 8. "));
    }

    #[test]
    fn date_prefixed_adrs_do_not_change_the_numbering() {
        let root = temp_dir("dated-adrs");
        let adr_dir = root.join(ADR_DIR);
        std::fs::create_dir_all(&adr_dir).unwrap();
        for (name, text) in [
            ("0004-use-postgres-per-service.md", "# 4. Postgres\n"),
            ("2023-03-08-use-kafka.md", "Use Kafka\n=========\n"),
            ("2024-11-30-no-shared-schemas.md", "# No shared schemas\n"),
        ] {
            std::fs::write(adr_dir.join(name), text).unwrap();
        }
        let ws = workspace_at(&root, &[("orders", "services/orders", true, &[])]);
        let plan = planned(&ws);
        let _ = std::fs::remove_dir_all(&root);
        assert_eq!(
            plan.files[1].path,
            "docs/adr/0005-services-do-not-depend-on-each-others-crates.md"
        );
        assert!(plan.files[1].contents.starts_with("# 5. "));
    }

    #[test]
    fn a_folder_pattern_that_would_not_load_gives_way_to_one_entry_per_member() {
        // `[old]` in a folder name is a glob character class: the folder
        // pattern would name no member, so each member is listed by name.
        let ws = workspace(&[
            ("orders", "services/[old]orders", true, &["orders-events"]),
            ("orders-events", "services/[old]orders/events", false, &[]),
        ]);
        let arch = architecture(&ws);
        assert_eq!(role_of(&ws, &arch, "orders"), "service [old]orders");
        assert_eq!(role_of(&ws, &arch, "orders-events"), "service [old]orders");
        let text = config_text(&ws);
        assert!(
            has_entry(&text, "orders", "in services/[old]orders/"),
            "{text}"
        );
        assert!(
            has_entry(&text, "orders-events", "in services/[old]orders/"),
            "{text}"
        );
        assert!(!text.contains("\"services/[old]orders\","), "{text}");
    }

    #[test]
    fn a_configuration_that_cannot_say_what_init_guessed_is_an_internal_error() {
        // The platform crate `telemetry` is named by its package name (its
        // folder also holds a shared crate), and that name is also the
        // folder of the shared crate `kit`: whatever init writes, platform
        // would take `kit`.
        let ws = workspace(&[
            ("orders", "services/orders", true, &[]),
            ("telemetry", "libs/telemetry", false, &[]),
            ("span-derive", "libs/telemetry/derive", false, &[]),
            ("kit", "telemetry", false, &[]),
        ]);
        let guesses: Vec<Guess> = ["orders", "telemetry", "span-derive", "kit"]
            .iter()
            .map(|name| {
                let role = match *name {
                    "orders" => Role::Service("orders".into()),
                    "telemetry" => Role::Platform,
                    _ => Role::Shared,
                };
                (
                    ws.member_by_name(name).expect("member"),
                    Guess::new(role, "test"),
                )
            })
            .collect::<BTreeMap<usize, Guess>>()
            .into_values()
            .collect();
        let (names, files) = adrs(&ws.root);
        let error = loading_config(&ws, &guesses, &names, &files).unwrap_err();
        let message = error.to_string();
        assert!(message.starts_with("internal error: the archfit.toml `init` planned does not load, so nothing was written: "), "{message}");
        assert!(
            message.contains("`kit` loads as platform but was guessed shared"),
            "{message}"
        );
    }

    #[test]
    fn the_mistakes_of_the_model_stage_are_named_as_check_words_them() {
        let ws = workspace(&[("orders", "services/orders", true, &[])]);
        let files = adrs(&ws.root).1;
        let guesses = vec![Guess::new(Role::Service("orders".into()), "test")];
        let problems = load_problems(
            &ws,
            &guesses,
            "version = 1\n[[service]]\nname = \"orders\"\ncrates = [\"services/order\"]\n",
            &files,
        );
        assert_eq!(problems, ["`services/order` matches no workspace member"]);
    }

    #[test]
    fn write_refuses_to_replace_the_configuration_without_force() {
        let root = temp_dir("write");
        std::fs::write(root.join(FILE_NAME), "old").unwrap();
        let plan = Plan {
            files: vec![
                PlannedFile {
                    path: FILE_NAME.into(),
                    contents: "new".into(),
                },
                PlannedFile {
                    path: "docs/adr/0001-x.md".into(),
                    contents: "# 1. X\n".into(),
                },
            ],
        };
        let refused = write(&root, &plan, false);
        assert!(
            matches!(&refused, Err(Error::Usage(m)) if m == "archfit.toml already exists; pass --force to overwrite it"),
            "{refused:?}"
        );
        assert!(!root.join("docs").exists());
        let written = write(&root, &plan, true).unwrap();
        let config = std::fs::read_to_string(root.join(FILE_NAME)).unwrap();
        let _ = std::fs::remove_dir_all(&root);
        assert_eq!(written, [FILE_NAME, "docs/adr/0001-x.md"]);
        assert_eq!(config, "new");
    }
}
