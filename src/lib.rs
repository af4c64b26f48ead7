//! cargo-archfit: architecture fitness functions for multi-service Rust
//! workspaces. The pipeline runs one way: load the workspace, read the
//! configuration, build graphs, run checks, then hand an [`Outcome`] to a
//! report. `main.rs` only parses arguments, calls [`check`] and renders.

pub mod adr;
pub mod baseline;
pub mod checks;
pub mod cli;
pub mod config;
pub mod error;
pub mod explain;
pub mod facts;
pub mod finding;
pub mod fs;
pub mod graph;
pub mod init;
pub mod metrics;
pub mod pattern;
pub mod report;
pub mod sql;
pub mod suppress;
pub mod text;
pub mod workspace;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use error::Error;
pub use finding::{AdrRef, Diagnostic, Finding, Fingerprint, Location, Related, Severity};

/// Version written into every machine-readable report.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// What the caller asks `check` (and `metrics`) to work on.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Path to the workspace's root `Cargo.toml` (or any member's).
    pub manifest_path: Option<PathBuf>,
    /// Explicit configuration file instead of `archfit.toml` at the root.
    pub config: Option<PathBuf>,
    /// Run only these rule ids (empty: every enabled rule).
    pub rules: Vec<String>,
    /// Baseline file (else `baseline` in archfit.toml, else none).
    pub baseline: Option<PathBuf>,
    /// Accept a run in which some files could not be analysed: their
    /// diagnostics become warnings instead of failing the run (exit 2).
    pub allow_incomplete: bool,
}

/// Texts of the files findings point into, keyed by their workspace-relative
/// path, so reports can draw snippets without reading files again.
pub type Sources = BTreeMap<String, Arc<str>>;

/// A rule as it ran, for summaries and rule descriptors in reports.
#[derive(Debug, Clone)]
pub struct RuleSummary {
    pub id: String,
    pub check: String,
    /// `None` when the rule is configured `off`.
    pub severity: Option<Severity>,
    pub adr: Option<AdrRef>,
    pub message: Option<String>,
    /// Number of findings this rule produced.
    pub findings: usize,
}

/// Everything a report needs: sorted findings, tool diagnostics, rules.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub root: PathBuf,
    pub findings: Vec<Finding>,
    pub diagnostics: Vec<Diagnostic>,
    pub rules: Vec<RuleSummary>,
    pub sources: Sources,
    pub stats: Stats,
    /// Sagas found by saga-compensation rules, with their class.
    pub sagas: Vec<checks::saga_compensation::SagaSummary>,
    /// Findings left out because the baseline holds them.
    pub baselined: usize,
    /// Findings left out by `// archfit: allow(rule) reason` comments.
    pub suppressed: usize,
}

/// What the run read, for `-v` and the benchmark.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Source files parsed (each once, whatever the number of rules).
    pub files_parsed: usize,
    pub bytes_read: usize,
}

impl Outcome {
    /// Number of findings at `severity`.
    pub fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == severity)
            .count()
    }
}

use crate::checks::{Config, Rule};
use crate::error::ConfigError;
use crate::graph::CrateGraph;
use crate::workspace::{Architecture, Role, Workspace};

/// A workspace with its configuration, classification, crate graph and
/// resolved decisions: what every command starts from. Everything in it was
/// validated together; nothing after this stage reads configuration again.
pub struct Loaded {
    pub workspace: Workspace,
    pub config: Config,
    pub architecture: Architecture,
    pub crates: CrateGraph,
    /// The ADR of each rule of `config.rules`, in the same order.
    pub adrs: Vec<Option<AdrRef>>,
    /// Migration folders per service (index into `architecture.services`,
    /// workspace-relative folder), each checked to exist inside the root.
    pub migration_dirs: Vec<(usize, String)>,
    /// Warnings of this stage (an ADR without a heading).
    pub diagnostics: Vec<Diagnostic>,
}

/// Loads workspace and configuration; every configuration mistake is
/// collected into one [`Error::Config`].
pub fn load(options: &Options) -> Result<Loaded, Error> {
    let workspace = workspace::load(options.manifest_path.as_deref())?;
    model(workspace, options.config.as_deref())
}

/// The model stage: configuration, classification, ADRs and migration
/// folders of a loaded workspace. Each step runs even when an earlier one
/// found mistakes, as far as it has something to work on, so one run shows
/// every mistake (an unknown check, a glob matching nothing, a missing ADR
/// and a bad `topics` glob together), then gives up with all of them.
pub fn model(workspace: Workspace, explicit_config: Option<&Path>) -> Result<Loaded, Error> {
    let (config, mut errors) = config::load_partial(
        &workspace.root,
        &workspace.root_manifest,
        explicit_config,
        &checks::compile,
    )?;
    errors.extend(unknown_service_filters(&config));
    let architecture = match workspace::classify(&workspace, &config) {
        Ok(architecture) => Some(architecture),
        Err(mut mistakes) => {
            errors.append(&mut mistakes);
            None
        }
    };
    let mut diagnostics = Vec::new();
    let all_rules: Vec<&Rule> = config.rules.iter().collect();
    let adrs = match resolve_adrs(&workspace, &config, &all_rules, &mut diagnostics) {
        Ok(adrs) => adrs,
        Err(mut mistakes) => {
            errors.append(&mut mistakes);
            Vec::new()
        }
    };
    let migration_dirs = match &architecture {
        Some(architecture) => match migration_dirs(&workspace, &config, architecture) {
            Ok(dirs) => dirs,
            Err(mut mistakes) => {
                errors.append(&mut mistakes);
                Vec::new()
            }
        },
        None => Vec::new(),
    };
    let Some(architecture) = architecture.filter(|_| errors.is_empty()) else {
        return Err(Error::Config(errors));
    };
    let crates = CrateGraph::build(&workspace, &architecture);
    Ok(Loaded {
        workspace,
        config,
        architecture,
        crates,
        adrs,
        migration_dirs,
        diagnostics,
    })
}

/// `services = ["paymnets"]` would make a rule check nothing: each service
/// filter of a rule must match a declared service.
fn unknown_service_filters(config: &Config) -> Vec<ConfigError> {
    let names: Vec<&str> = config
        .services
        .iter()
        .map(|s| s.name.get_ref().as_str())
        .collect();
    let mut errors = Vec::new();
    for rule in &config.rules {
        for pattern in rule.params.service_filters() {
            if pattern.error().is_some() || names.iter().any(|name| pattern.is_match(name)) {
                continue;
            }
            errors.push(
                ConfigError::at(
                    &rule.file,
                    pattern.span.clone(),
                    format!("rule `{}`: `{}` matches no service", rule.id, pattern.text),
                )
                .label("no [[service]] has this name")
                .help(format!("services: {}", names.join(", "))),
            );
        }
    }
    errors
}

/// Runs every enabled rule (or those in `options.rules`) and returns the
/// sorted findings.
pub fn check(options: &Options) -> Result<Outcome, Error> {
    let loaded = load(options)?;
    let mut outcome = run(&loaded, &options.rules)?;
    if options.allow_incomplete {
        accept_incomplete(&mut outcome);
    }
    // `--baseline` is the user's own path; `baseline = "…"` comes from the
    // workspace and must stay inside it.
    let root = fs::Root::new(&loaded.workspace.root);
    let chosen = match (&options.baseline, &loaded.config.baseline) {
        (Some(path), _) => Some((path.clone(), None)),
        (None, Some(configured)) => Some((loaded.workspace.root.join(configured), Some(&root))),
        (None, None) => None,
    };
    if let Some((path, inside)) = chosen {
        let baseline = baseline::Baseline::read(&path, inside)?;
        let shown = workspace::relative(&loaded.workspace.root, &path);
        baseline.apply(&mut outcome, &shown);
    }
    Ok(outcome)
}

/// Turns the error diagnostics of files that could not be analysed into
/// warnings, for `--allow-incomplete`. Other errors (a crashed rule) stay.
pub fn accept_incomplete(outcome: &mut Outcome) {
    for diagnostic in &mut outcome.diagnostics {
        if diagnostic.severity == Severity::Error && diagnostic.file.is_some() {
            diagnostic.severity = Severity::Warn;
        }
    }
}

/// Number of files the run could not analyse (error diagnostics naming a file).
pub fn unanalysed_files(outcome: &Outcome) -> usize {
    let files: std::collections::BTreeSet<&str> = outcome
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .filter_map(|d| d.file.as_deref())
        .collect();
    files.len()
}

/// Where `cargo archfit baseline` writes: `--output`, else `baseline` in
/// archfit.toml, else `archfit-baseline.json` at the workspace root.
pub fn baseline_path(loaded: &Loaded, output: Option<&std::path::Path>) -> PathBuf {
    match (output, &loaded.config.baseline) {
        (Some(path), _) => path.to_path_buf(),
        (None, Some(configured)) => loaded.workspace.root.join(configured),
        (None, None) => loaded.workspace.root.join(baseline::FILE_NAME),
    }
}

/// Runs the rules of an already loaded workspace.
pub fn run(loaded: &Loaded, only: &[String]) -> Result<Outcome, Error> {
    run_keeping_facts(loaded, only, false).map(|(outcome, _)| outcome)
}

/// Like [`run`], and hands back the source facts it extracted (extracting
/// them even when no rule needs them if `with_sources`), so a command that
/// also draws a graph (`graph`) reads and parses each file once.
pub fn run_keeping_facts(
    loaded: &Loaded,
    only: &[String],
    with_sources: bool,
) -> Result<(Outcome, Option<facts::Facts>), Error> {
    let Loaded {
        workspace,
        config,
        architecture,
        crates,
        adrs: all_adrs,
        migration_dirs,
        diagnostics: model_diagnostics,
    } = loaded;
    let selected = select_rules(config, only)?;
    let mut diagnostics = model_diagnostics.clone();
    // The decisions of the selected rules, in their order.
    let adrs: Vec<Option<AdrRef>> = config
        .rules
        .iter()
        .zip(all_adrs)
        .filter(|(rule, _)| only.is_empty() || only.contains(&rule.id))
        .map(|(_, adr)| adr.clone())
        .collect();

    let enabled = || selected.iter().filter(|r| r.severity.is_some());
    let facts = (with_sources || enabled().any(|r| r.params.needs().sources))
        .then(|| facts::extract(workspace, architecture, facts::Limits::default()));
    let modules = match &facts {
        Some(facts) if enabled().any(|r| r.params.needs().modules) => {
            module_graphs(workspace, facts)
        }
        _ => Vec::new(),
    };
    if let Some(facts) = &facts {
        diagnostics.extend(facts.diagnostics.iter().cloned());
    }
    let migrations = if enabled().any(|r| r.params.needs().migrations) {
        let (files, problems) =
            facts::read_migrations(workspace, migration_dirs, facts::Limits::default());
        diagnostics.extend(problems);
        files
    } else {
        Vec::new()
    };
    let context = checks::Context {
        workspace,
        architecture,
        config,
        crates,
        facts: facts.as_ref(),
        modules: &modules,
        migrations: &migrations,
    };
    let mut findings = Vec::new();
    let mut rules = Vec::new();
    let mut sagas = Vec::new();
    for (rule, adr) in selected.iter().zip(&adrs) {
        let produced = match rule.severity {
            Some(_) => {
                let output = match run_guarded(rule, adr.as_ref(), &context) {
                    Ok(output) => output,
                    Err(diagnostic) => {
                        diagnostics.push(*diagnostic);
                        continue;
                    }
                };
                diagnostics.extend(output.diagnostics);
                sagas.extend(output.sagas);
                output.findings
            }
            None => Vec::new(),
        };
        if let (Some(adr), Some(_), Some(adr_key)) = (adr, rule.severity, &rule.adr) {
            if matches!(adr.status.as_deref(), Some("Superseded" | "Deprecated")) {
                findings.push(retired_adr_finding(rule, adr, adr_key));
            }
        }
        rules.push(RuleSummary {
            id: rule.id.clone(),
            check: rule.check.to_string(),
            severity: rule.severity,
            adr: adr.clone(),
            message: rule.message.clone(),
            findings: produced.len(),
        });
        findings.extend(produced);
    }
    if only.is_empty() {
        findings.extend(unclassified_findings(workspace, architecture));
    }
    // Every text this run read, for suppression comments.
    let texts = workspace
        .members
        .iter()
        .map(|m| (m.manifest_path.as_str(), &*m.manifest_text))
        .chain(
            facts
                .iter()
                .flat_map(|f| f.crates.iter().flat_map(|c| &c.files))
                .map(|f| (f.path.as_str(), &*f.text)),
        )
        .chain(migrations.iter().map(|m| (m.path.as_str(), &*m.text)));
    let ran = |rule: &str| only.is_empty() || only.iter().any(|o| o == rule);
    let (suppressed, problems) = suppress::apply(&mut findings, texts, &ran);
    findings.extend(problems);
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    diagnostics.sort();
    diagnostics.dedup();
    sagas.sort_by(|a, b| (&a.name, &a.service).cmp(&(&b.name, &b.service)));
    sagas.dedup();
    let sources = collect_sources(workspace, config, facts.as_ref(), &migrations, &findings);
    let stats = Stats {
        files_parsed: facts.as_ref().map_or(0, |f| f.parsed_files),
        bytes_read: facts.as_ref().map_or(0, |f| f.bytes),
    };
    let outcome = Outcome {
        root: workspace.root.clone(),
        findings,
        diagnostics,
        rules,
        sources,
        stats,
        sagas,
        baselined: 0,
        suppressed,
    };
    Ok((outcome, facts))
}

/// Runs one rule, turning a panic into an error diagnostic (exit code 2) so
/// that a bug in a check can never look like a clean pass.
fn run_guarded(
    rule: &Rule,
    adr: Option<&AdrRef>,
    context: &checks::Context<'_>,
) -> Result<checks::RuleOutput, Box<Diagnostic>> {
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        // Fault injection for the test of this very guard (debug builds only).
        if cfg!(debug_assertions)
            && std::env::var("ARCHFIT_INJECT_PANIC").is_ok_and(|id| id == rule.id)
        {
            panic!("injected panic in rule {}", rule.id);
        }
        checks::run(rule, adr, context)
    }));
    outcome.map_err(|payload| {
        let reason = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into());
        Box::new(Diagnostic {
            severity: Severity::Error,
            message: format!(
                "internal error: rule `{}` ({}) crashed and was not checked: {reason}; please report this bug",
                rule.id, rule.check
            ),
            file: None,
            location: None,
        })
    })
}

fn select_rules<'a>(config: &'a Config, only: &[String]) -> Result<Vec<&'a Rule>, Error> {
    let mut errors = Vec::new();
    for id in only {
        if !config.rules.iter().any(|r| &r.id == id) {
            let known: Vec<&str> = config.rules.iter().map(|r| r.id.as_str()).collect();
            errors.push(
                ConfigError::general(format!("--rule {id}: no rule has this id")).help(format!(
                    "rules in {}: {}",
                    config.file.name,
                    known.join(", ")
                )),
            );
        }
    }
    if !errors.is_empty() {
        return Err(Error::Config(errors));
    }
    Ok(config
        .rules
        .iter()
        .filter(|r| only.is_empty() || only.contains(&r.id))
        .collect())
}

/// Reads the ADR of each rule. A missing file is a configuration error; an
/// ADR without a heading still works, with a diagnostic.
pub(crate) fn resolve_adrs(
    workspace: &Workspace,
    config: &Config,
    rules: &[&Rule],
    diagnostics: &mut Vec<Diagnostic>,
) -> Result<Vec<Option<AdrRef>>, Vec<ConfigError>> {
    let mut errors = Vec::new();
    let mut out = Vec::new();
    let root = fs::Root::new(&workspace.root);
    // Many rules share one ADR: read each file once, list the folder once.
    let mut read: std::collections::HashMap<String, Result<AdrRef, String>> =
        std::collections::HashMap::new();
    let mut listing: Option<Vec<String>> = None;
    for rule in rules {
        let Some(adr) = &rule.adr else {
            out.push(None);
            continue;
        };
        let value = adr.get_ref();
        let name = value.rsplit('/').next().unwrap_or(value);
        if value.contains("://") {
            out.push(Some(AdrRef {
                id: adr::id_from_file_name(name),
                title: value.clone(),
                status: None,
                link: value.clone(),
            }));
            continue;
        }
        let link = format!("{}/{}", config.adr_dir.trim_end_matches('/'), value);
        let resolved = read
            .entry(link.clone())
            .or_insert_with(|| read_adr(&root, &link, name, diagnostics));
        match resolved {
            Ok(adr) => out.push(Some(adr.clone())),
            Err(what) => {
                let existing = listing.get_or_insert_with(|| {
                    fs::list_workspace_dir(&root, Path::new(&config.adr_dir))
                        .into_iter()
                        .filter(|n| n.ends_with(".md"))
                        .collect()
                });
                errors.push(missing_adr(config, rule, &link, what, existing));
                out.push(None);
            }
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// Title and status of the ADR at `link`, or what is wrong with the file.
fn read_adr(
    root: &fs::Root,
    link: &str,
    name: &str,
    diagnostics: &mut Vec<Diagnostic>,
) -> Result<AdrRef, String> {
    let bytes = fs::read_workspace_bytes(root, Path::new(link), adr::MAX_BYTES).map_err(|e| {
        if e.is_not_found() {
            "does not exist".to_string()
        } else {
            format!("cannot be read: {e}")
        }
    })?;
    let text = String::from_utf8_lossy(&bytes);
    let info = if bytes.contains(&0) {
        None
    } else {
        adr::parse(&text)
    };
    let title = match &info {
        Some(info) => info.title.clone(),
        None => {
            diagnostics.push(Diagnostic {
                severity: Severity::Warn,
                message: format!("ADR {link} has no Markdown heading to take a title from"),
                file: Some(link.to_string()),
                location: None,
            });
            name.trim_end_matches(".md").to_string()
        }
    };
    Ok(AdrRef {
        id: adr::id_from_file_name(name),
        title,
        status: info.and_then(|i| i.status),
        link: link.to_string(),
    })
}

fn missing_adr(
    config: &Config,
    rule: &Rule,
    link: &str,
    what: &str,
    existing: &[String],
) -> ConfigError {
    let span = rule
        .adr
        .as_ref()
        .map(|a| a.span())
        .unwrap_or(rule.id_span.clone());
    let help = if existing.is_empty() {
        format!(
            "no ADR files in {}; set `adr_dir` or write the ADR",
            config.adr_dir
        )
    } else {
        format!("ADRs in {}: {}", config.adr_dir, existing.join(", "))
    };
    ConfigError::at(&rule.file, span, format!("ADR file {link} {what}"))
        .label("this ADR")
        .help(help)
}

fn retired_adr_finding(rule: &Rule, adr: &AdrRef, adr_key: &toml::Spanned<String>) -> Finding {
    let status = adr.status.as_deref().unwrap_or("retired");
    Finding {
        rule: rule.id.clone(),
        check: "adr-status".into(),
        severity: Severity::Warn,
        message: format!(
            "rule `{}` enforces {}, which is {}",
            rule.id,
            adr.display(),
            status.to_lowercase()
        ),
        help: Some("point the rule at the decision that replaced it, or turn the rule off".into()),
        label: Some(format!("{status} decision")),
        location: Some(Location::from_span(
            &rule.file.name,
            &rule.file.text,
            adr_key.span(),
        )),
        related: Vec::new(),
        service: None,
        krate: None,
        adr: Some(adr.clone()),
        fingerprint: Fingerprint::new([rule.id.as_str(), "adr-status", adr.link.as_str()]),
    }
}

/// Members in no service and no shared list, reported once each.
fn unclassified_findings(workspace: &Workspace, architecture: &Architecture) -> Vec<Finding> {
    let mut out = Vec::new();
    for (index, member) in workspace.members.iter().enumerate() {
        if architecture.roles[index] != Role::Unclassified {
            continue;
        }
        out.push(Finding {
            rule: "unclassified-member".into(),
            check: "classification".into(),
            severity: Severity::Info,
            message: format!("`{}` belongs to no service and is not listed under [shared]", member.name),
            help: Some(
                "add it to a [[service]]'s `crates`, to [shared] `crates` or `platform`, or to `exclude`, so the checks know what it is"
                    .into(),
            ),
            label: Some("unclassified crate".into()),
            location: workspace::member_location(workspace, index),
            related: Vec::new(),
            service: None,
            krate: Some(member.name.clone()),
            adr: None,
            fingerprint: Fingerprint::new(["unclassified-member", member.name.as_str()]),
        });
    }
    out
}

/// Migration folders per service: those configured (each must exist), else
/// `migrations` beside each of the service's crates, where there is one.
fn migration_dirs(
    workspace: &Workspace,
    config: &Config,
    architecture: &Architecture,
) -> Result<Vec<(usize, String)>, Vec<ConfigError>> {
    let mut dirs = Vec::new();
    let mut errors = Vec::new();
    let root = fs::Root::new(&workspace.root);
    for (index, service) in architecture.services.iter().enumerate() {
        let declared = &config.services[service.decl].migrations;
        if declared.is_empty() {
            for &member in &service.crates {
                let dir = &workspace.members[member].dir;
                let path = if dir.is_empty() {
                    "migrations".to_string()
                } else {
                    format!("{dir}/migrations")
                };
                if workspace.root.join(&path).is_dir() {
                    dirs.push((index, path));
                }
            }
            continue;
        }
        for dir in declared {
            let path = dir.get_ref().trim_end_matches('/').to_string();
            if !workspace.root.join(&path).is_dir() {
                errors.push(
                    ConfigError::at(
                        &config.file,
                        dir.span(),
                        format!("migrations folder `{path}` does not exist"),
                    )
                    .label("no such folder")
                    .help("paths are relative to the workspace root"),
                );
            } else if !root.holds(Path::new(&path)) {
                errors.push(
                    ConfigError::at(
                        &config.file,
                        dir.span(),
                        format!("migrations folder `{path}` is outside the workspace"),
                    )
                    .label("outside the workspace root")
                    .help("the tool reads only files inside the workspace; name a folder below the root (symlinks are followed)"),
                );
            } else {
                dirs.push((index, path));
            }
        }
    }
    if errors.is_empty() {
        Ok(dirs)
    } else {
        Err(errors)
    }
}

/// Module graphs of every member target, built in parallel.
fn module_graphs(workspace: &Workspace, facts: &facts::Facts) -> Vec<graph::modules::ModuleGraph> {
    use rayon::prelude::*;
    workspace
        .members
        .par_iter()
        .enumerate()
        .flat_map_iter(|(index, member)| graph::modules::build(index, member, &facts.crates[index]))
        .collect()
}

/// Texts of the files the findings point into.
fn collect_sources(
    workspace: &Workspace,
    config: &Config,
    facts: Option<&facts::Facts>,
    migrations: &[facts::MigrationFile],
    findings: &[Finding],
) -> Sources {
    let mut sources = Sources::new();
    let files = findings
        .iter()
        .flat_map(|f| {
            f.location
                .iter()
                .chain(f.related.iter().map(|r| &r.location))
        })
        .map(|l| l.file.as_str());
    for file in files {
        if sources.contains_key(file) {
            continue;
        }
        let text = if file == config.file.name {
            Some(config.file.text.clone())
        } else {
            workspace
                .members
                .iter()
                .find(|m| m.manifest_path == file)
                .map(|m| m.manifest_text.clone())
                .or_else(|| facts.and_then(|f| f.file(file)).map(|f| f.text.clone()))
                .or_else(|| {
                    migrations
                        .iter()
                        .find(|m| m.path == file)
                        .map(|m| m.text.clone())
                })
                .or_else(|| facts.and_then(|f| f.sql_files.get(file)).cloned())
        };
        if let Some(text) = text {
            sources.insert(file.to_string(), text);
        }
    }
    sources
}

/// Coupling metrics of the workspace.
pub fn metrics(options: &Options) -> Result<metrics::Metrics, Error> {
    let loaded = load(options)?;
    Ok(metrics::compute(
        &loaded.workspace,
        &loaded.architecture,
        &loaded.crates,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::SourceFile;

    fn filters(text: &str) -> Vec<ConfigError> {
        let file = SourceFile::new("archfit.toml", text);
        unknown_service_filters(&checks::parse_config(&file).expect("parses"))
    }

    #[test]
    fn rule_limited_to_an_unknown_service_is_an_error_at_the_name() {
        let text = "[[service]]\nname = \"payments\"\ncrates = [\"payments\"]\n[[service]]\nname = \"orders\"\ncrates = [\"services/orders\"]\n[[rule]]\nid = \"hexagonal\"\ncheck = \"layers\"\nservices = [\"orders\", \"paymnets\"]\nlayers = [{ name = \"domain\", modules = [\"domain\"] }]\n";
        let errors = filters(text);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].message.contains("`paymnets` matches no service"));
        assert_eq!(&text[errors[0].span.clone().expect("span")], "\"paymnets\"");
    }

    #[test]
    fn rule_service_globs_that_match_a_service_are_accepted() {
        let text = "[[service]]\nname = \"payments\"\ncrates = [\"payments\"]\n[[rule]]\nid = \"hexagonal\"\ncheck = \"layers\"\nservices = [\"pay*\"]\nlayers = [{ name = \"domain\", modules = [\"domain\"] }]\n";
        assert!(filters(text).is_empty());
    }
}
