//! `cargo archfit init`: a starter `archfit.toml` and ADR templates, guessed
//! from the workspace layout, its code and its deployment files.
//!
//! Each member is classified by the first of these that applies:
//! 1. `[package.metadata.archfit] service = "…"` in its manifest;
//! 2. it lives in a service folder (`services/<name>/…`, `apps/`, `svc/`, …):
//!    service `<name>`, together with its client, proto and api crates;
//! 3. developer tooling by name or folder (`xtask`, `tools/`, mocks, benches,
//!    examples, fuzz targets, tests) that no shipped crate depends on: excluded;
//! 4. it has a binary target and looks deployable: a Dockerfile, compose
//!    service or Kubernetes workload builds or runs it, its code starts a
//!    server or a consumer loop, or (unless it is named like a command-line
//!    tool) it runs until a shutdown signal: a service named after the
//!    member. A binary that only parses a command line is a command-line
//!    tool (excluded); a library's helper binary leaves it a library;
//! 5. it is named `<service>-client` (or `-proto`, `-api`, …) and no other
//!    service uses it: that service;
//! 6. it is a contract crate (generated from `.proto` files, or named
//!    `-proto`, `-api`, `-schema`, `-client`, … without a server of its own):
//!    platform, since sharing a contract is allowed;
//! 7. it is named like operational code (telemetry, tracing, logging,
//!    config, metrics, health, …) or only platform crates use it: platform;
//! 8. some service reaches it through its dependencies: shared;
//! 9. anything else is used by no service: excluded.
//!
//! Each service also gets the topics its code publishes to (literal and
//! constant names passed to publish calls), the hosts deployment files and
//! other services' URLs call it by, the gRPC services of the repository's
//! `.proto` files whose generated server it names, and its migration folders.
//! Every guess is written with a comment that says what it rests on.
//!
//! Every glob written names exactly the members of its list, so the
//! configuration loads as written. [`plan`] only reads (sources, deployment
//! files, migration folders, existing ADRs); [`write()`] is the one function
//! that writes.

mod code;
mod discover;
mod manifests;
mod migrations;
mod proto;
mod yaml;

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
    let config = loading_config(workspace, guesses, &adr_names, &adr_files)?;
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
    mut guesses: Guesses,
    adr_names: &[String],
    adr_files: &[PlannedFile],
) -> Result<String, Error> {
    let text = render_config(workspace, &guesses, adr_names);
    if load_problems(workspace, &guesses.members, &text, adr_files).is_empty() {
        return Ok(text);
    }
    for guess in &mut guesses.members {
        guess.folder = None;
    }
    let text = render_config(workspace, &guesses, adr_names);
    let problems = load_problems(workspace, &guesses.members, &text, adr_files);
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
    "fake",
    "fakes",
    "fuzz",
    "fuzzing",
    "mock",
    "mocks",
    "playground",
    "sample",
    "samples",
    "sandbox",
    "script",
    "scripts",
    "stub",
    "stubs",
    "template",
    "templates",
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

/// Name parts of contract crates: what services exchange, shareable.
const CONTRACT_SUFFIXES: &[&str] = &[
    "api",
    "apis",
    "client",
    "clients",
    "contract",
    "contracts",
    "grpc",
    "idl",
    "openapi",
    "proto",
    "protos",
    "protobuf",
    "schema",
    "schemas",
    "sdk",
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
    "secrecy",
    "secrets",
    "settings",
    "shutdown",
    "telemetry",
    "tls",
    "tracing",
    "util",
    "utils",
    "workspacehack",
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

/// The guess for every member, and the evidence they rest on (which also
/// gives each service its topics, hosts and gRPC names).
#[derive(Debug)]
struct Guesses {
    /// Indexed like `Workspace::members`.
    members: Vec<Guess>,
    discovery: discover::Discovery,
}

/// Classifies every member (see the module documentation for the order).
fn guess(workspace: &Workspace) -> Guesses {
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

    let mut tooling: Vec<bool> = members
        .iter()
        .map(|m| is_tooling(&m.name, &m.dir))
        .collect();
    let shipped_with = dependents(workspace, &[DepKind::Normal, DepKind::Build]);
    // A crate the rest of the workspace uses only in its tests (a local
    // cluster runner, a fixture builder) is a test harness.
    let tested_with = dependents(workspace, &[DepKind::Dev]);
    let mut harness = vec![false; members.len()];
    for index in 0..members.len() {
        let shipped = shipped_with[index].iter().any(|&j| !tooling[j]);
        let tested = tested_with[index].iter().any(|&j| !tooling[j]);
        if !tooling[index] && tested && !shipped && guesses[index].is_none() {
            tooling[index] = true;
            harness[index] = true;
        }
    }
    let discovery = discover::discover(workspace, &tooling);
    for index in 0..members.len() {
        let shipped = shipped_with[index]
            .iter()
            .any(|&j| !tooling[j] || matches!(&guesses[j], Some(g) if g.role != Role::Excluded));
        if guesses[index].is_none() && tooling[index] && !shipped {
            let note = if harness[index] {
                "test harness: other members use it only in their tests"
            } else {
                "developer tooling"
            };
            guesses[index] = Some(Guess::new(Role::Excluded, note));
        }
    }

    // Members whose binary is a helper of their library: notes say so.
    let mut helper_binary = vec![false; members.len()];
    for (index, member) in members.iter().enumerate() {
        if guesses[index].is_some() || !member.targets.iter().any(|t| t.kind == "bin") {
            continue;
        }
        let used = shipped_with[index].iter().any(|&j| !tooling[j]);
        match binary_role(member, &discovery, index, used) {
            Some(guess) => guesses[index] = Some(guess),
            None => helper_binary[index] = true,
        }
    }

    // A binary that links the main crates of several services runs them
    // in one process (an all-in-one local server): a distribution of
    // those services, not one of its own.
    let bundles: Vec<(usize, Vec<String>)> = members
        .iter()
        .enumerate()
        .filter(|(index, member)| {
            member.declared_service.is_none()
                && matches!(&guesses[*index], Some(g) if g.folder.is_none() && matches!(g.role, Role::Service(_)))
        })
        .filter_map(|(index, member)| {
            let linked: BTreeSet<String> = member
                .dependencies
                .iter()
                .filter(|d| d.kind == DepKind::Normal)
                .filter_map(|d| d.member.filter(|&m| m != index))
                .filter(|&m| members[m].targets.iter().any(|t| t.kind == "bin"))
                .filter_map(|m| match &guesses[m] {
                    Some(Guess {
                        role: Role::Service(s),
                        ..
                    }) => Some(s.clone()),
                    _ => None,
                })
                .collect();
            (linked.len() >= 2).then(|| (index, linked.into_iter().collect()))
        })
        .collect();
    for (index, linked) in bundles {
        guesses[index] = Some(Guess::new(
            Role::Excluded,
            format!(
                "bundles services {} into one binary: a distribution of them, not a service",
                linked.join(", ")
            ),
        ));
    }

    // A binary in another service's folder (`pageserver/ctl`) is a tool
    // of that service: it joins it.
    for index in 0..members.len() {
        let Some(Guess {
            role: Role::Service(own),
            folder: None,
            ..
        }) = &guesses[index]
        else {
            continue;
        };
        if members[index].declared_service.is_some() || own != &members[index].name {
            continue;
        }
        let parent = members
            .iter()
            .enumerate()
            .filter(|(j, m)| {
                *j != index
                    && !m.dir.is_empty()
                    && members[index].dir.starts_with(&format!("{}/", m.dir))
            })
            .max_by_key(|(_, m)| m.dir.len())
            .and_then(|(j, m)| match &guesses[j] {
                Some(Guess {
                    role: Role::Service(s),
                    ..
                }) if s != own => Some((s.clone(), m.dir.clone())),
                _ => None,
            });
        if let Some((service, dir)) = parent {
            guesses[index] = Some(Guess::new(
                Role::Service(service.clone()),
                format!("in {dir}/, the folder of service {service}"),
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
    let reached_now = reached_by_services(workspace, &guesses);
    for (index, member) in members.iter().enumerate() {
        if guesses[index].is_some() {
            continue;
        }
        let code = &discovery.code[index];
        let serves = code.runs_service().is_some();
        // Services other than `owner` that use the member directly.
        let users_besides = |owner: &str| -> Vec<String> {
            shipped_with[index]
                .iter()
                .filter_map(|&j| match &guesses[j] {
                    Some(Guess {
                        role: Role::Service(s),
                        ..
                    }) if s != owner => Some(s.clone()),
                    _ => None,
                })
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect()
        };
        if let Some(service) = interface_of(&member.name, &services) {
            let others = users_besides(service);
            guesses[index] = Some(if others.is_empty() || serves {
                Guess::new(
                    Role::Service(service.clone()),
                    format!("named like an interface of {service}"),
                )
            } else {
                Guess::new(
                    Role::Platform,
                    format!(
                        "contract crate of {service}, used by {}: sharing a contract is allowed",
                        others.join(", ")
                    ),
                )
            });
        } else if let Some(why) = contract(member, code, reached_now[index].len()) {
            guesses[index] = Some(Guess::new(
                Role::Platform,
                format!("contract crate ({why}): sharing a contract is allowed"),
            ));
        } else if member.targets.iter().any(|t| t.kind == "proc-macro") {
            guesses[index] = Some(Guess::new(
                Role::Platform,
                "proc-macro crate: code generated at compile time, shareable",
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
    let members = guesses
        .into_iter()
        .zip(reached)
        .zip(helper_binary)
        .map(|((guess, users), helper)| match guess {
            Some(guess) => guess,
            None if users.is_empty() && helper => Guess::new(
                Role::Excluded,
                "a library with a helper binary (no server, consumer loop or deployment found), used by no service",
            ),
            None if users.is_empty() => Guess::new(Role::Excluded, "used by no service"),
            None => Guess::new(
                Role::Shared,
                format!(
                    "used by {}{}",
                    users.into_iter().collect::<Vec<_>>().join(", "),
                    if helper { " (its binary is a helper: no server or deployment found)" } else { "" }
                ),
            ),
        })
        .collect();
    Guesses { members, discovery }
}

/// What a member with a binary target is, from the evidence: a service
/// when it looks deployable, a command-line tool (excluded) when it only
/// parses arguments and nothing uses its library, `None` when it is a
/// library whose binary is a helper (classified as a library).
fn binary_role(
    member: &crate::workspace::Member,
    discovery: &discover::Discovery,
    index: usize,
    used_as_library: bool,
) -> Option<Guess> {
    let service = |note: String| Some(Guess::new(Role::Service(member.name.clone()), note));
    let code = &discovery.code[index];
    if let Some(why) = &discovery.deployed[index] {
        return service(format!("deployed: {why}"));
    }
    let has_library = member.targets.iter().any(|t| {
        matches!(
            t.kind.as_str(),
            "lib" | "rlib" | "dylib" | "cdylib" | "staticlib" | "proc-macro"
        )
    });
    // A library whose binaries are not named after it (`runtime-bin`,
    // `gen-schema`) ships them as helpers.
    let main_binary = member
        .targets
        .iter()
        .any(|t| t.kind == "bin" && discover::same_name(&t.name, &member.name));
    if has_library && !main_binary {
        return None;
    }
    if is_cli_name(&member.name) {
        // A command-line tool may start a local server (a development
        // proxy, an OAuth callback); only a deployment makes it a service.
        return (!used_as_library).then(|| {
            Guess::new(
                Role::Excluded,
                "command-line tool by its name (no deployment found)",
            )
        });
    }
    if let Some(what) = &code.serves {
        return service(format!("starts a server: {what}"));
    }
    if let Some(what) = &code.consumes {
        return service(format!("runs a consumer loop: {what}"));
    }
    if let Some(what) = &code.daemon {
        return service(format!("runs until a shutdown signal: {what}"));
    }
    if let Some(parser) = &code.cli {
        return (!used_as_library && !has_library).then(|| {
            Guess::new(
                Role::Excluded,
                format!("command-line tool: parses arguments with {parser}, starts no server or consumer loop, no deployment found"),
            )
        });
    }
    if has_library {
        return None;
    }
    if let Some(found) = code.publishes.first() {
        return service(format!(
            "publishes messages: \"{}\" at {}",
            found.value, found.at
        ));
    }
    service(
        "has a binary target (no server, consumer loop or deployment found: review)".to_string(),
    )
}

/// Named like a command-line tool: `restate-cli`, `restatectl`, `cargo-shuttle`.
fn is_cli_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    name_parts(name).iter().any(|p| p == "cli" || p == "ctl")
        || lower.ends_with("ctl")
        || lower.starts_with("cargo-")
}

/// Why a member that starts no server of its own is a contract crate: its
/// code is generated from `.proto` files or another schema (whatever its
/// name: `shop-types` is a contract only then), or its name says so
/// (`-proto`, `-api`, `-schema`, `-client`) and several services use it (a
/// `stripe-client` one service uses is only a library of that service).
fn contract(
    member: &crate::workspace::Member,
    code: &code::CodeEvidence,
    services_reaching: usize,
) -> Option<String> {
    if code.runs_service().is_some() {
        return None;
    }
    let parts = name_parts(&member.name);
    let last = parts.last().map(String::as_str).unwrap_or_default();
    match &code.generated {
        Some(why) => Some(why.clone()),
        None if parts.len() > 1 && CONTRACT_SUFFIXES.contains(&last) && services_reaching > 1 => {
            Some(format!("named *-{last}"))
        }
        None => None,
    }
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
        .any(|p| TOOLING.contains(&p.as_str()) || p.ends_with("bench"))
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

/// The migration folders of a member or service folder (see [`migrations::folders`]).
fn migrations(workspace: &Workspace, dir: &str) -> Vec<String> {
    migrations::folders(workspace, dir)
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
# Written by `cargo archfit init`: services were guessed from service folders,
# from what each binary starts (a server, a consumer loop) and from the
# Dockerfiles, compose files and Kubernetes manifests that build or run them;
# shared, contract and platform crates from their names, their code and which
# services use them; topics, hosts and gRPC names from the code, the deployment
# files and the .proto files. The comment beside each guess says what it rests
# on. Review them, complete the decisions in docs/adr/ (each rule names the one
# it enforces), then run `cargo archfit`. `cargo archfit explain <check>`
# describes every parameter.
version = 1
# Folder of the ADRs named by each rule's `adr`.
adr_dir = \"docs/adr\"
";

const SERVICES_INTRO: &str = "\
# Services: deployable units and what they own.
#   crates      member folders (a folder takes every member below it) or package names
#   migrations  folders whose CREATE TABLE statements define the tables it owns
#               (add `tables = [\"…\"]` for tables created elsewhere)
#   topics      message topics it owns (globs): those it publishes, or its inbox
#               that others publish to; found as written in publish/subscribe calls
#   hosts       names other code uses to call it (URLs, gRPC endpoints)
#   grpc        gRPC services it serves (proto `package.Service`)
";

const NO_SERVICES: &str = "\
# No service was recognised: no member looks deployable (a binary that starts
# a server or a consumer loop, or that a Dockerfile, compose file or Kubernetes
# manifest builds or runs) or lives in a service folder (services/<name>,
# apps/<name>, svc/<name>). Declare each deployable unit:
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

fn render_config(workspace: &Workspace, guesses: &Guesses, adr: &[String]) -> String {
    let lists = lists(workspace, &guesses.members);
    let mut out = String::from(HEADER);
    out.push_str("# Members ignored entirely: developer tooling and crates no service uses.\n");
    write_list(&mut out, "exclude", &lists.exclude);
    out.push('\n');

    if lists.services.is_empty() {
        out.push_str(NO_SERVICES);
    } else {
        out.push_str(SERVICES_INTRO);
    }
    let contents = service_contents(workspace, guesses);
    for (name, service) in &lists.services {
        out.push_str("[[service]]\n");
        let _ = writeln!(out, "name = {}", quote(name));
        write_list(&mut out, "crates", &service.crates);
        if !service.migrations.is_empty() {
            let folders: Vec<Entry> = service
                .migrations
                .iter()
                .map(|folder| Entry {
                    pattern: folder.clone(),
                    note: migrations::summary(workspace, folder),
                })
                .collect();
            write_list(&mut out, "migrations", &folders);
        }
        if let Some(content) = contents.get(name) {
            write_service_content(&mut out, content);
        }
        out.push('\n');
    }
    write_unserved_grpc(&mut out, guesses, &contents);
    out.push_str(SHARED_INTRO);
    write_list(&mut out, "crates", &lists.shared);
    write_list(&mut out, "platform", &lists.platform);

    let client_globs: Vec<String> = [("-client", "*-client"), ("_client", "*_client")]
        .iter()
        .filter(|(suffix, _)| {
            workspace
                .members
                .iter()
                .zip(&guesses.members)
                .any(|(m, g)| matches!(g.role, Role::Service(_)) && m.name.ends_with(suffix))
        })
        .map(|(_, glob)| glob.to_string())
        .collect();
    render_rules(&mut out, &client_globs, adr);
    out
}

/// What a `[[service]]` table says besides its crates and migrations,
/// each value with the evidence for it.
#[derive(Debug, Default)]
struct ServiceContent {
    topics: Vec<Entry>,
    /// Where it publishes to or subscribes from topics another service
    /// owns (or no one), for comments.
    consumes: Vec<String>,
    hosts: Vec<Entry>,
    grpc: Vec<Entry>,
}

/// Characters that would make a name a glob (or a broken one) in `topics`
/// and `hosts`: such names are left out rather than written wrong.
const GLOB_CHARACTERS: &[char] = &['*', '?', '[', ']', '{', '}', '!', '\\'];

/// Topics, hosts and gRPC names of every service, from the discovery.
fn service_contents(workspace: &Workspace, guesses: &Guesses) -> BTreeMap<String, ServiceContent> {
    let discovery = &guesses.discovery;
    let mut members_of: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (index, guess) in guesses.members.iter().enumerate() {
        if let Role::Service(name) = &guess.role {
            members_of.entry(name.as_str()).or_default().push(index);
        }
    }
    let mut contents: BTreeMap<String, ServiceContent> = BTreeMap::new();
    for (&name, members) in &members_of {
        let content = contents.entry(name.to_string()).or_default();
        for &member in members {
            for found in &discovery.hosts[member] {
                if !found.value.contains(GLOB_CHARACTERS) {
                    push_entry(&mut content.hosts, &found.value, found.at.clone());
                }
            }
        }
        if !name.contains(GLOB_CHARACTERS) {
            push_entry(
                &mut content.hosts,
                &name.to_lowercase(),
                "its name".to_string(),
            );
        }
    }

    // Hosts named elsewhere (URLs in deployment files and in other
    // services' code, Kubernetes Services) go to the one service they name.
    let names_of = |service: &str, content: &ServiceContent| -> Vec<String> {
        let mut names = vec![service.to_string()];
        names.extend(
            members_of[service]
                .iter()
                .map(|&m| workspace.members[m].name.clone()),
        );
        names.extend(content.hosts.iter().map(|h| h.pattern.clone()));
        names
    };
    let mut named: Vec<(String, String, Option<&str>)> = discovery
        .loose_hosts
        .iter()
        .map(|f| (f.value.clone(), format!("URL host, {}", f.at), None))
        .collect();
    for (&caller, members) in &members_of {
        for &member in members {
            for found in &discovery.code[member].url_hosts {
                named.push((
                    found.value.clone(),
                    format!("URL called by {caller} at {}", found.at),
                    Some(caller),
                ));
            }
        }
    }
    for (host, note, caller) in named {
        // A dotted name is a public domain unless it is a cluster-internal one.
        let internal = !host.contains('.')
            || [".svc", ".svc.cluster.local", ".cluster.local", ".internal"]
                .iter()
                .any(|suffix| host.ends_with(suffix));
        if host.contains(GLOB_CHARACTERS) || !internal {
            continue;
        }
        let label = host.split('.').next().unwrap_or(&host);
        let owners: Vec<&String> = contents
            .iter()
            .filter(|(service, content)| {
                names_of(service, content)
                    .iter()
                    .any(|n| discover::same_name(label, n) || n.eq_ignore_ascii_case(&host))
            })
            .map(|(service, _)| service)
            .collect();
        if let [owner] = owners[..] {
            if caller != Some(owner.as_str()) {
                let owner = owner.clone();
                if let Some(content) = contents.get_mut(&owner) {
                    push_entry(&mut content.hosts, &host, note);
                }
            }
        }
    }

    assign_topics(guesses, &members_of, &mut contents);

    // gRPC services go to the one service whose code names the generated
    // server (`OrderServiceServer`), else to the one service that alone
    // reaches a shared crate naming it.
    let optional: Vec<Option<Guess>> = guesses.members.iter().cloned().map(Some).collect();
    let reached = reached_by_services(workspace, &optional);
    for (full, file) in &discovery.grpc {
        let short = full.rsplit('.').next().unwrap_or(full);
        let server = format!("{short}Server");
        let naming: Vec<usize> = (0..workspace.members.len())
            .filter(|&m| discovery.code[m].server_types.contains(&server))
            .collect();
        let mut servers: BTreeMap<String, usize> = BTreeMap::new();
        for &m in &naming {
            if let Role::Service(service) = &guesses.members[m].role {
                servers.entry(service.clone()).or_insert(m);
            }
        }
        if servers.is_empty() {
            for &m in &naming {
                if let [only] = &reached[m].iter().collect::<Vec<_>>()[..] {
                    servers.entry((*only).clone()).or_insert(m);
                }
            }
        }
        if servers.len() != 1 {
            continue;
        }
        let Some((service, member)) = servers.into_iter().next() else {
            continue;
        };
        let crate_name = &workspace.members[member].name;
        if let Some(content) = contents.get_mut(&service) {
            push_entry(
                &mut content.grpc,
                full,
                format!("declared in {file}; {crate_name} names {server}"),
            );
        }
    }
    contents
}

/// Who publishes and who subscribes to one topic: service → first place.
#[derive(Debug, Default)]
struct TopicUse {
    publishers: BTreeMap<String, String>,
    subscribers: BTreeMap<String, String>,
}

/// Gives each topic found in code to the service that owns it: the one it
/// is named after (`payment-commands` is the payment service's inbox),
/// else its only publisher (domain events), else its only subscriber (a
/// reply channel several services publish to). The others are told in
/// comments where they publish or subscribe and who owns the topic.
fn assign_topics(
    guesses: &Guesses,
    members_of: &BTreeMap<&str, Vec<usize>>,
    contents: &mut BTreeMap<String, ServiceContent>,
) {
    let mut topics: BTreeMap<&str, TopicUse> = BTreeMap::new();
    for (&service, members) in members_of {
        for &member in members {
            let code = &guesses.discovery.code[member];
            for found in &code.publishes {
                let uses = topics.entry(found.value.as_str()).or_default();
                uses.publishers
                    .entry(service.to_string())
                    .or_insert_with(|| found.at.clone());
            }
            for found in &code.subscribes {
                let uses = topics.entry(found.value.as_str()).or_default();
                uses.subscribers
                    .entry(service.to_string())
                    .or_insert_with(|| found.at.clone());
            }
        }
    }
    for (topic, uses) in topics {
        if topic.contains(GLOB_CHARACTERS) {
            continue;
        }
        let involved: BTreeSet<&String> = uses
            .publishers
            .keys()
            .chain(uses.subscribers.keys())
            .collect();
        let named = named_owner(topic, &involved);
        let only = |map: &BTreeMap<String, String>| {
            (map.len() == 1)
                .then(|| map.keys().next().cloned())
                .flatten()
        };
        let owner = named
            .clone()
            .or_else(|| only(&uses.publishers))
            .or_else(|| only(&uses.subscribers).filter(|_| !uses.publishers.is_empty()));
        let list =
            |map: &BTreeMap<String, String>| map.keys().cloned().collect::<Vec<_>>().join(", ");
        if let Some(owner) = &owner {
            let note = match (uses.publishers.get(owner), uses.subscribers.get(owner)) {
                (Some(at), _) if uses.publishers.len() > 1 => {
                    let others: Vec<&str> = uses
                        .publishers
                        .keys()
                        .filter(|s| *s != owner)
                        .map(String::as_str)
                        .collect();
                    format!(
                        "named after it; published at {at}, also by {}",
                        others.join(", ")
                    )
                }
                (Some(at), _) => format!("published at {at}"),
                (None, Some(at)) if named.is_some() && uses.publishers.is_empty() => {
                    format!("named after it, consumed at {at}")
                }
                (None, Some(at)) if named.is_some() => format!(
                    "named after it, consumed at {at}; published by {}",
                    list(&uses.publishers)
                ),
                (None, Some(at)) => format!(
                    "consumed at {at}, its only subscriber; published by {}",
                    list(&uses.publishers)
                ),
                (None, None) => continue,
            };
            if let Some(content) = contents.get_mut(owner) {
                push_entry(&mut content.topics, topic, note);
            }
        }
        let whose = match &owner {
            Some(owner) => format!("owned by {owner}"),
            None if uses.publishers.is_empty() => "no publisher found".to_string(),
            None => format!(
                "published by {}: no owner guessed, add it to the owner's topics",
                list(&uses.publishers)
            ),
        };
        for (kind, map) in [
            ("publishes to", &uses.publishers),
            ("subscribes to", &uses.subscribers),
        ] {
            for (service, at) in map {
                if owner.as_ref() == Some(service) {
                    continue;
                }
                if let Some(content) = contents.get_mut(service) {
                    let line = format!("{kind} \"{topic}\" at {at} ({whose})");
                    if !content.consumes.contains(&line) {
                        content.consumes.push(line);
                    }
                }
            }
        }
    }
}

/// The service a topic is named after (`payment-service-commands`,
/// `orders.created`): its name's words, less a role ending, appear in the
/// topic's words in a row. The longest such name wins; a tie names none.
fn named_owner(topic: &str, services: &BTreeSet<&String>) -> Option<String> {
    let words = |text: &str| -> Vec<String> {
        text.split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_ascii_lowercase)
            .collect()
    };
    let topic_words = words(topic);
    let mut best: Vec<(&String, usize)> = Vec::new();
    for service in services {
        let name_words = words(&discover::base_name(service));
        let fits = !name_words.is_empty()
            && topic_words
                .windows(name_words.len())
                .any(|w| w == name_words.as_slice());
        if fits {
            best.push((service, name_words.len()));
        }
    }
    let longest = best.iter().map(|(_, n)| *n).max()?;
    let winners: Vec<&&String> = best
        .iter()
        .filter(|(_, n)| *n == longest)
        .map(|(s, _)| s)
        .collect();
    match winners[..] {
        [only] => Some((*only).clone()),
        _ => None,
    }
}

fn push_entry(list: &mut Vec<Entry>, pattern: &str, note: String) {
    if !list.iter().any(|e| e.pattern == pattern) {
        list.push(Entry {
            pattern: pattern.to_string(),
            note,
        });
    }
}

fn write_service_content(out: &mut String, content: &ServiceContent) {
    if !content.topics.is_empty() {
        write_list(out, "topics", &content.topics);
    }
    for line in &content.consumes {
        let _ = writeln!(out, "# {}", one_line(line));
    }
    if !content.hosts.is_empty() {
        write_list(out, "hosts", &content.hosts);
    }
    if !content.grpc.is_empty() {
        write_list(out, "grpc", &content.grpc);
    }
}

/// A comment listing the `.proto` services no service was found to serve,
/// so the reader can place them by hand.
fn write_unserved_grpc(
    out: &mut String,
    guesses: &Guesses,
    contents: &BTreeMap<String, ServiceContent>,
) {
    const SHOWN: usize = 20;
    let served: BTreeSet<&str> = contents
        .values()
        .flat_map(|c| &c.grpc)
        .map(|e| e.pattern.as_str())
        .collect();
    let unserved: Vec<(&String, &String)> = guesses
        .discovery
        .grpc
        .iter()
        .filter(|(name, _)| !served.contains(name.as_str()))
        .collect();
    if unserved.is_empty() {
        return;
    }
    out.push_str(
        "# gRPC services declared in .proto files that no one service was found to\n\
         # serve (its code names no `<Service>Server`): add each to the `grpc` of the\n\
         # service that serves it.\n",
    );
    for (name, file) in unserved.iter().take(SHOWN) {
        let _ = writeln!(out, "#   {} ({})", one_line(name), one_line(file));
    }
    if unserved.len() > SHOWN {
        let _ = writeln!(out, "#   … and {} more", unserved.len() - SHOWN);
    }
    out.push('\n');
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
        assert!(
            has_entry(
                &text,
                "crates/billing",
                "has a binary target (no server, consumer loop or deployment found: review)"
            ),
            "{text}"
        );
        assert!(
            text.contains("hosts = [\n  \"billing\", # its name\n]"),
            "{text}"
        );
        // Topics are written only as found in publish calls, never guessed.
        assert!(!text.contains("topics = "), "{text}");
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
        // Between services, between crates, and between the modules of a crate.
        assert_eq!(cycles.len(), 3);
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
            text.contains("name = \"orders\"\ncrates = [\n  \"services/orders\", # service folder: orders\n]\nmigrations = [\n  \"services/orders/migrations\", # no migration yet: tables its scripts create will be its own\n]\n"),
            "{text}"
        );
        assert_eq!(text.matches("migrations = [").count(), 1, "{text}");
    }

    /// Writes `files` (path, text) under `root`.
    fn write_files(root: &std::path::Path, files: &[(&str, &str)]) {
        for (path, text) in files {
            let path = root.join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
    }

    /// Adds a dependency on a crate from a registry to member `name`.
    fn uses_external(ws: &mut Workspace, name: &str, package: &str) {
        let index = ws.member_by_name(name).unwrap();
        ws.members[index].dependencies.push(Dependency {
            package: package.into(),
            key: package.into(),
            kind: DepKind::Normal,
            target: None,
            member: None,
            span: None,
        });
    }

    fn add_target(ws: &mut Workspace, name: &str, kind: &str, target: &str, src_path: &str) {
        let index = ws.member_by_name(name).unwrap();
        ws.members[index].targets.push(Target {
            name: target.into(),
            kind: kind.into(),
            src_path: src_path.into(),
        });
    }

    /// The line of the entry for `pattern` in `text`, comment included.
    fn entry_line<'a>(text: &'a str, pattern: &str) -> &'a str {
        text.lines()
            .find(|l| l.trim_start().starts_with(&format!("\"{pattern}\",")))
            .unwrap_or_else(|| panic!("no entry {pattern}\n{text}"))
    }

    #[test]
    fn servers_and_consumers_are_services_and_argument_parsers_are_tools() {
        let root = temp_dir("deployable");
        write_files(
            &root,
            &[
                (
                    "crates/orders/src/main.rs",
                    "#[tokio::main]\nasync fn main() {\n    let app = routes::router();\n    let listener = bind().await;\n    axum::serve(listener, app).await.unwrap();\n}\n",
                ),
                (
                    "crates/ledger/src/main.rs",
                    "async fn main() {\n    let channel = connect().await;\n    let mut entries = channel\n        .basic_consume(\"ledger-entries\", \"ledger\", options(), table())\n        .await\n        .unwrap();\n    while let Some(entry) = entries.next().await {\n        book(entry).await;\n    }\n}\n",
                ),
                (
                    "crates/reporter/src/main.rs",
                    "use clap::Parser;\n\n/// Prints the monthly revenue report.\n#[derive(Parser)]\nstruct Args {\n    #[arg(long)]\n    month: String,\n}\n\nfn main() {\n    let args = Args::parse();\n    println!(\"{}\", report::monthly(&args.month));\n}\n",
                ),
                (
                    "crates/opsctl/src/main.rs",
                    "fn main() {\n    // Serves the local dashboard while the operator looks at it.\n    let listener = std::net::TcpListener::bind(\"127.0.0.1:0\").unwrap();\n    dashboard::serve(listener);\n}\n",
                ),
            ],
        );
        let mut ws = workspace_at(
            &root,
            &[
                ("orders", "crates/orders", true, &[]),
                ("ledger", "crates/ledger", true, &[]),
                ("reporter", "crates/reporter", true, &[]),
                ("opsctl", "crates/opsctl", true, &[]),
            ],
        );
        uses_external(&mut ws, "orders", "axum");
        uses_external(&mut ws, "ledger", "lapin");
        uses_external(&mut ws, "reporter", "clap");
        let arch = architecture(&ws);
        let text = config_text(&ws);
        let _ = std::fs::remove_dir_all(&root);
        assert_eq!(role_of(&ws, &arch, "orders"), "service orders");
        assert_eq!(role_of(&ws, &arch, "ledger"), "service ledger");
        assert_eq!(role_of(&ws, &arch, "reporter"), "excluded");
        assert_eq!(role_of(&ws, &arch, "opsctl"), "excluded");
        assert!(
            has_entry(
                &text,
                "crates/orders",
                "starts a server: axum::serve at crates/orders/src/main.rs:5"
            ),
            "{text}"
        );
        assert!(
            has_entry(
                &text,
                "crates/ledger",
                "runs a consumer loop: .basic_consume(…) at crates/ledger/src/main.rs:4"
            ),
            "{text}"
        );
        assert!(
            has_entry(
                &text,
                "crates/reporter",
                "command-line tool: parses arguments with clap, starts no server or consumer loop, no deployment found"
            ),
            "{text}"
        );
        assert!(
            has_entry(
                &text,
                "crates/opsctl",
                "command-line tool by its name (no deployment found)"
            ),
            "{text}"
        );
    }

    #[test]
    fn mocks_test_harnesses_and_helper_binaries_are_no_services() {
        let root = temp_dir("not-deployable");
        write_files(
            &root,
            &[(
                "mocks/payment-gateway/src/main.rs",
                "#[tokio::main]\nasync fn main() {\n    axum::serve(bind().await, stub_routes()).await.unwrap();\n}\n",
            )],
        );
        let mut ws = workspace_at(
            &root,
            &[
                ("orders", "services/orders", true, &["search-index"]),
                ("payments", "services/payments", true, &["search-index"]),
                ("payment-gateway-stub", "mocks/payment-gateway", true, &[]),
                ("cluster-runner", "crates/cluster-runner", true, &[]),
                ("search-index", "crates/search-index", false, &[]),
            ],
        );
        add_target(
            &mut ws,
            "search-index",
            "bin",
            "reindex",
            "crates/search-index/src/bin/reindex.rs",
        );
        let runner = ws.member_by_name("cluster-runner").unwrap();
        let orders = ws.member_by_name("orders").unwrap();
        ws.members[orders].dependencies.push(Dependency {
            package: "cluster-runner".into(),
            key: "cluster-runner".into(),
            kind: DepKind::Dev,
            target: None,
            member: Some(runner),
            span: None,
        });
        let arch = architecture(&ws);
        let text = config_text(&ws);
        let _ = std::fs::remove_dir_all(&root);
        assert_eq!(role_of(&ws, &arch, "payment-gateway-stub"), "excluded");
        assert!(
            has_entry(&text, "mocks/payment-gateway", "developer tooling"),
            "{text}"
        );
        assert_eq!(role_of(&ws, &arch, "cluster-runner"), "excluded");
        assert!(
            has_entry(
                &text,
                "crates/cluster-runner",
                "test harness: other members use it only in their tests"
            ),
            "{text}"
        );
        assert_eq!(role_of(&ws, &arch, "search-index"), "shared");
        assert!(
            has_entry(
                &text,
                "crates/search-index",
                "used by orders, payments (its binary is a helper: no server or deployment found)"
            ),
            "{text}"
        );
    }

    #[test]
    fn generated_contract_crates_are_platform_and_grpc_goes_to_its_server() {
        let root = temp_dir("contracts");
        write_files(
            &root,
            &[
                (
                    "crates/shop-proto/build.rs",
                    "fn main() {\n    tonic_build::compile_protos(\"proto/billing.proto\").unwrap();\n}\n",
                ),
                (
                    "crates/shop-proto/proto/billing.proto",
                    "syntax = \"proto3\";\npackage shop.billing.v1;\n\n// Issues and voids invoices for placed orders.\nservice Invoices {\n  rpc Issue(IssueRequest) returns (Invoice);\n}\n",
                ),
                (
                    "services/billing/src/main.rs",
                    "use shop_proto::invoices_server::InvoicesServer;\nuse tonic::transport::Server;\n\n#[tokio::main]\nasync fn main() {\n    Server::builder()\n        .add_service(InvoicesServer::new(Billing::default()))\n        .serve(address())\n        .await\n        .unwrap();\n}\n",
                ),
            ],
        );
        let mut ws = workspace_at(
            &root,
            &[
                (
                    "orders",
                    "services/orders",
                    true,
                    &["shop-proto", "tax-api"],
                ),
                (
                    "billing",
                    "services/billing",
                    true,
                    &["shop-proto", "tax-api", "stripe-client"],
                ),
                ("shop-proto", "crates/shop-proto", false, &[]),
                ("tax-api", "crates/tax-api", false, &[]),
                ("stripe-client", "crates/stripe-client", false, &[]),
            ],
        );
        add_target(
            &mut ws,
            "shop-proto",
            "custom-build",
            "build-script-build",
            "crates/shop-proto/build.rs",
        );
        let arch = architecture(&ws);
        let text = config_text(&ws);
        let _ = std::fs::remove_dir_all(&root);
        assert_eq!(role_of(&ws, &arch, "shop-proto"), "platform");
        assert!(
            has_entry(
                &text,
                "crates/shop-proto",
                "contract crate (its build.rs runs tonic_build): sharing a contract is allowed"
            ),
            "{text}"
        );
        assert!(
            has_entry(
                &text,
                "crates/tax-api",
                "contract crate (named *-api): sharing a contract is allowed"
            ),
            "{text}"
        );
        // A client of an outside API that one service uses is its library.
        assert_eq!(role_of(&ws, &arch, "stripe-client"), "shared");
        assert!(
            has_entry(
                &text,
                "shop.billing.v1.Invoices",
                "declared in crates/shop-proto/proto/billing.proto; billing names InvoicesServer"
            ),
            "{text}"
        );
        let billing = &arch.services[arch.service_index("billing").unwrap()];
        assert_eq!(billing.grpc, ["shop.billing.v1.Invoices"]);
    }

    #[test]
    fn deployment_files_and_urls_give_hosts() {
        let root = temp_dir("hosts");
        write_files(
            &root,
            &[
                (
                    "deploy/docker-compose.yml",
                    "services:\n  kitchen-rpc:\n    build: ../crates/kitchen\n    container_name: kitchen-svc\n  orders:\n    image: ghcr.io/acme/orders:1.4\n    environment:\n      KITCHEN_URL: http://kitchen-rpc:9000\n  postgres:\n    image: postgres:16\n",
                ),
                (
                    "crates/orders/src/main.rs",
                    "const KITCHEN: &str = \"http://kitchen-grpc.shop.svc:50051\";\n\nfn main() {\n    let client = connect(KITCHEN);\n    let menu = reqwest::get(\"https://menu.acme-public.com/today\");\n}\n",
                ),
            ],
        );
        let ws = workspace_at(
            &root,
            &[
                ("kitchen", "crates/kitchen", true, &[]),
                ("orders", "crates/orders", true, &[]),
            ],
        );
        let arch = architecture(&ws);
        let text = config_text(&ws);
        let _ = std::fs::remove_dir_all(&root);
        let kitchen = &arch.services[arch.service_index("kitchen").unwrap()];
        assert_eq!(
            kitchen.hosts,
            [
                "kitchen-rpc",
                "kitchen-svc",
                "kitchen",
                "kitchen-grpc.shop.svc"
            ]
        );
        assert!(
            has_entry(
                &text,
                "kitchen-rpc",
                "compose service in deploy/docker-compose.yml"
            ),
            "{text}"
        );
        assert!(
            has_entry(
                &text,
                "kitchen-svc",
                "container_name in deploy/docker-compose.yml"
            ),
            "{text}"
        );
        assert!(
            has_entry(
                &text,
                "kitchen-grpc.shop.svc",
                "URL called by orders at crates/orders/src/main.rs:1"
            ),
            "{text}"
        );
        assert!(
            has_entry(
                &text,
                "crates/kitchen",
                "deployed: built from its folder by compose service kitchen-rpc in deploy/docker-compose.yml"
            ),
            "{text}"
        );
        assert!(
            entry_line(&text, "crates/orders").ends_with(
                "deployed: compose service orders in deploy/docker-compose.yml (image or name orders)"
            ),
            "{text}"
        );
        // A public domain names no service of the workspace.
        assert!(!text.contains("menu.acme-public.com"), "{text}");
    }

    #[test]
    fn topics_are_the_names_publish_and_subscribe_calls_use() {
        let root = temp_dir("topics");
        write_files(
            &root,
            &[
                (
                    "services/orders/src/main.rs",
                    "const ORDER_PLACED: &str = \"orders.placed\";\n\nasync fn place(producer: &FutureProducer, order: &Order) {\n    producer.send(FutureRecord::to(ORDER_PLACED).payload(&order.json()), timeout()).await;\n}\n",
                ),
                (
                    "services/billing/src/main.rs",
                    "async fn run(consumer: StreamConsumer) {\n    consumer.subscribe(&[\"orders.placed\", \"billing-commands\"]).unwrap();\n    consumer.subscribe(&[\"billing-commands\"]).unwrap();\n}\n",
                ),
                (
                    "services/payments/src/main.rs",
                    "async fn charge(nats: Client) {\n    nats.publish(\"billing-commands\", invoice_paid()).await.unwrap();\n}\n",
                ),
            ],
        );
        let mut ws = workspace_at(
            &root,
            &[
                ("orders", "services/orders", true, &[]),
                ("billing", "services/billing", true, &[]),
                ("payments", "services/payments", true, &[]),
            ],
        );
        uses_external(&mut ws, "orders", "rdkafka");
        uses_external(&mut ws, "billing", "rdkafka");
        uses_external(&mut ws, "payments", "async-nats");
        let arch = architecture(&ws);
        let text = config_text(&ws);
        let _ = std::fs::remove_dir_all(&root);
        assert!(
            has_entry(
                &text,
                "orders.placed",
                "published at services/orders/src/main.rs:4"
            ),
            "{text}"
        );
        assert!(
            has_entry(
                &text,
                "billing-commands",
                "named after it, consumed at services/billing/src/main.rs:3; published by payments"
            ),
            "{text}"
        );
        assert!(
            text.contains("# subscribes to \"orders.placed\" at services/billing/src/main.rs:2 (owned by orders)\n"),
            "{text}"
        );
        assert!(
            text.contains("# publishes to \"billing-commands\" at services/payments/src/main.rs:2 (owned by billing)\n"),
            "{text}"
        );
        let billing = &arch.services[arch.service_index("billing").unwrap()];
        assert!(billing
            .topics
            .iter()
            .any(|t| t.is_match("billing-commands")));
    }

    #[test]
    fn a_binary_linking_several_services_is_a_distribution() {
        let ws = workspace(&[
            ("orders", "crates/orders", true, &[]),
            ("billing", "crates/billing", true, &[]),
            (
                "shop-all-in-one",
                "crates/all-in-one",
                true,
                &["orders", "billing"],
            ),
        ]);
        let arch = architecture(&ws);
        assert_eq!(role_of(&ws, &arch, "shop-all-in-one"), "excluded");
        assert!(has_entry(
            &config_text(&ws),
            "crates/all-in-one",
            "bundles services billing, orders into one binary: a distribution of them, not a service"
        ));
    }

    #[test]
    fn a_binary_in_a_service_crate_folder_joins_that_service() {
        let ws = workspace(&[
            ("pageserver", "pageserver", true, &[]),
            (
                "page-compactor",
                "pageserver/compaction",
                true,
                &["pageserver"],
            ),
            ("safekeeper", "safekeeper", true, &[]),
        ]);
        let arch = architecture(&ws);
        assert_eq!(role_of(&ws, &arch, "page-compactor"), "service pageserver");
        assert_eq!(arch.services.len(), 2);
        let text = config_text(&ws);
        assert!(
            text.contains("name = \"pageserver\"\ncrates = [\n  \"pageserver\","),
            "{text}"
        );
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
                "docs/adr/0013-services-are-independent-quanta.md",
                "docs/adr/0014-events-go-through-an-outbox.md",
                "docs/adr/0015-runtime-calls-are-visible-in-code.md",
                "docs/adr/0016-config-read-at-startup.md",
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
        let guesses = Guesses {
            members: guesses,
            discovery: discover::discover(&ws, &vec![true; ws.members.len()]),
        };
        let error = loading_config(&ws, guesses, &names, &files).unwrap_err();
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
