//! cargo-archfit: architecture fitness functions for multi-service Rust
//! workspaces. The pipeline runs one way: load the workspace, read the
//! configuration, build graphs, run checks, then hand an [`Outcome`] to a
//! report. `main.rs` only parses arguments, calls [`check`] and renders.

pub mod adr;
pub mod baseline;
pub mod checks;
pub mod cli;
pub mod commands;
pub mod config;
pub mod error;
pub mod facts;
pub mod finding;
pub mod fs;
pub mod graph;
pub mod model;
pub mod new_since;
pub mod pattern;
pub mod report;
pub mod sql;
pub mod suggest;
pub mod suppress;
pub mod text;
pub mod traces;
pub mod workspace;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

pub use commands::{explain, init, metrics};
pub use error::Error;
pub use finding::{
    AdrRef, Diagnostic, Dismissal, Dismissed, EngineCheck, Finding, Fingerprint, Location, Related,
    Severity,
};

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
    /// `check --new-since <ref>`: report only findings that are new
    /// relative to this git ref's tree.
    pub new_since: Option<String>,
    /// OpenTelemetry trace exports (OTLP JSON) to read runtime edges from.
    pub traces: Vec<PathBuf>,
    /// The report will draw no snippet (JSON, SARIF, …): leave
    /// `Outcome::sources` empty rather than read the quoted files again.
    pub without_snippets: bool,
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
    /// Quanta found by quanta rules (each rule's, merged).
    pub quanta: Vec<checks::quanta::QuantumSummary>,
    /// Findings left out because the baseline holds them.
    pub baselined: usize,
    /// Findings left out by `// archfit: allow(rule) reason` comments.
    pub suppressed: usize,
    /// Baseline entries that occur less often than recorded; each is also
    /// a warn diagnostic saying which, so `--deny-warnings` fails on it.
    pub stale_baseline_entries: usize,
    /// Which baseline the findings were compared with.
    pub baseline: BaselineUse,
    /// The findings the baseline and inline suppressions left out, for
    /// reports that show them as dismissed (SARIF).
    pub dismissed: Vec<Dismissed>,
    /// Where the workspace sits in its repository, for reports that name
    /// files from the repository root (SARIF, GitHub, Markdown).
    pub repository: workspace::repository::Repository,
    /// With `--new-since`: the ref compared with and what it accounts for.
    pub new_since: Option<new_since::Summary>,
}

/// The baseline a `check` compared its findings with.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum BaselineUse {
    /// This file (workspace-relative when inside the workspace).
    File(String),
    /// None yet: `cargo archfit baseline` would write the file the next
    /// `check` reads (the workspace's own configuration is in use).
    NoneYet,
    /// None, and none is read unless named (`--config` was given), or the
    /// command compares with none (`graph`, `baseline`).
    #[default]
    None,
}

/// What the run read, for `-v` and the benchmark.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Source files parsed (each once, whatever the number of rules).
    pub files_parsed: usize,
    /// Source files whose facts came from the fact cache (not parsed).
    pub files_cached: usize,
    /// Source files read to extract facts (a cached file whose stamp did
    /// not change is not read).
    pub files_read: usize,
    pub bytes_read: usize,
    /// SQL texts and migration scripts analysed (parsed) by this run.
    pub sql_analysed: usize,
    /// SQL analyses taken from the SQL memo of an earlier run instead.
    pub sql_remembered: usize,
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
pub use crate::model::Loaded;
use crate::workspace::{Architecture, Role, Workspace};

/// Loads workspace and configuration through the model stage; every
/// configuration mistake is collected into one [`Error::Config`].
pub fn load(options: &Options) -> Result<Loaded, Error> {
    let workspace = workspace::load(options.manifest_path.as_deref())?;
    let mut loaded = model::build(workspace, options.config.as_deref())?;
    loaded.quote_sources = !options.without_snippets;
    if !options.traces.is_empty() {
        read_traces(&mut loaded, &options.traces)?;
    }
    Ok(loaded)
}

/// Reads `--traces` files into `loaded.runtime`: the calls between its
/// services, and diagnostics for what could not be read or mapped.
fn read_traces(loaded: &mut Loaded, paths: &[PathBuf]) -> Result<(), Error> {
    let sources: Vec<traces::Source> = paths
        .iter()
        .map(|path| {
            // Inside the workspace, named from its root like every file;
            // elsewhere, as the user wrote it.
            let root = &loaded.workspace.root;
            let inside = std::path::absolute(path)
                .ok()
                .filter(|p| p.starts_with(root))
                .or_else(|| path.canonicalize().ok().filter(|p| p.starts_with(root)));
            traces::Source {
                path: path.clone(),
                shown: match inside {
                    Some(absolute) => workspace::relative(&loaded.workspace.root, &absolute),
                    None => path.display().to_string(),
                },
            }
        })
        .collect();
    let read = traces::read(&sources).map_err(|(path, message)| Error::Io { path, message })?;
    let (runtime, unknown) = graph::services::runtime_of_config(
        &loaded.architecture,
        &loaded.config.services,
        &loaded.config.file,
        &read,
    );
    loaded.diagnostics.extend(read.diagnostics);
    loaded
        .diagnostics
        .extend(traces::unknown_services_diagnostic(&unknown));
    loaded.runtime = Some(runtime);
    Ok(())
}

/// Like [`load`], for the commands that need no configuration (`metrics`,
/// `graph --level crate|module`): a workspace with none loads with an empty
/// one (no rule, no service, every member unclassified).
pub fn load_unconfigured(options: &Options) -> Result<Loaded, Error> {
    let workspace = workspace::load(options.manifest_path.as_deref())?;
    match model::build(workspace.clone(), options.config.as_deref()) {
        Err(Error::NoConfig { .. }) => model::build_text(
            workspace,
            &error::SourceFile::new("(no configuration)", ""),
            &[],
        ),
        loaded => loaded,
    }
}

/// Runs every enabled rule (or those in `options.rules`) and returns the
/// sorted findings.
pub fn check(options: &Options) -> Result<Outcome, Error> {
    let loaded = load(options)?;
    let mut outcome = run(&loaded, &options.rules)?;
    if options.allow_incomplete {
        accept_incomplete(&mut outcome);
    }
    compare_with_baseline(&loaded, options, &mut outcome)?;
    Ok(outcome)
}

/// The baseline step of `check` (and `report`), then where the workspace
/// sits in its repository; returns the number of findings the baseline
/// recorded, when one was read.
fn compare_with_baseline(
    loaded: &Loaded,
    options: &Options,
    outcome: &mut Outcome,
) -> Result<Option<usize>, Error> {
    // `--baseline` is the user's own path; `baseline = "…"` and the default
    // file come from the workspace and must stay inside it. The default
    // file is read only with the workspace's own configuration, which could
    // name it anyway: a gate that takes `--config` from a trusted branch
    // never reads the checkout's baseline unless told to.
    let root = fs::Root::new(&loaded.workspace.root);
    let default = loaded.workspace.root.join(baseline::FILE_NAME);
    let chosen = match (&options.baseline, &loaded.config.baseline) {
        (Some(path), _) => Some((path.clone(), None)),
        (None, Some(configured)) => Some((loaded.workspace.root.join(configured), Some(&root))),
        (None, None) if options.config.is_none() => {
            outcome.baseline = BaselineUse::NoneYet;
            std::fs::symlink_metadata(&default)
                .is_ok()
                .then_some((default, Some(&root)))
        }
        (None, None) => None,
    };
    let mut applied = None;
    let mut recorded = None;
    if let Some((path, inside)) = chosen {
        let baseline = baseline::Baseline::read(&path, inside)?;
        let shown = workspace::relative(&loaded.workspace.root, &path);
        baseline.apply(outcome, &shown);
        outcome.baseline = BaselineUse::File(shown);
        recorded = Some(baseline.entries.iter().map(|e| e.count).sum());
        applied = Some(baseline);
    }
    if let Some(reference) = &options.new_since {
        new_since::apply(options, loaded, applied.as_ref(), reference, outcome)?;
    }
    outcome.repository = workspace::repository::discover(
        &loaded.workspace.root,
        &loaded.workspace.root_manifest,
        &|name| std::env::var(name).ok(),
    );
    Ok(recorded)
}

/// `report --html`: every enabled rule run as `check` runs them (baseline
/// included), the sources parsed once for the rules and the service graph,
/// and the quanta found even when no rule asks for them.
pub fn architecture_report(options: &Options) -> Result<commands::report::Report, Error> {
    let mut loaded = load(options)?;
    let configured = loaded
        .config
        .rules
        .iter()
        .any(|r| r.check == checks::quanta::NAME && r.severity.is_some());
    let quanta_id = quanta_rule(&mut loaded);
    let mut rules = options.rules.clone();
    if !rules.is_empty() && !rules.contains(&quanta_id) {
        rules.push(quanta_id.clone());
    }
    let (mut outcome, facts) = run_keeping_facts(&loaded, &rules, true)?;
    // A quanta rule the report added for its picture reports nothing.
    if !configured || !options.rules.is_empty() && !options.rules.contains(&quanta_id) {
        outcome.findings.retain(|f| f.rule != quanta_id);
        outcome.rules.retain(|r| r.id != quanta_id);
    }
    if options.allow_incomplete {
        accept_incomplete(&mut outcome);
    }
    let recorded = compare_with_baseline(&loaded, options, &mut outcome)?;
    commands::report::compute(&loaded, outcome, facts.as_ref(), recorded)
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
        runtime,
        quote_sources,
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

    // A rule that compares with trace exports has nothing to compare
    // without them: it does not run, and says so (see `not_run_without_traces`).
    let needs_traces =
        |rule: &Rule| rule.check == checks::runtime_coupling::NAME && runtime.is_none();
    let enabled = || {
        selected
            .iter()
            .filter(|r| r.severity.is_some() && !needs_traces(r))
    };
    // tests/, benches/ and examples/ are read only when a rule asks for them.
    let limits = facts::Limits {
        all_targets: enabled().any(|r| r.include_tests),
        ..facts::Limits::default()
    };
    let facts = (with_sources || enabled().any(|r| r.params.needs().sources))
        .then(|| facts::extract(workspace, architecture, limits));
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
    let memo = checks::Memo::with_sql(sql::memo::SqlMemo::open(&workspace.root));
    let context = checks::Context {
        workspace,
        architecture,
        config_file: &config.file,
        sagas: &config.sagas,
        crates,
        facts: facts.as_ref(),
        modules: &modules,
        migrations: &migrations,
        include_tests: false,
        memo: &memo,
        runtime: runtime.as_ref(),
    };
    let mut findings = Vec::new();
    let mut rules = Vec::new();
    let mut sagas = Vec::new();
    let mut quanta = Vec::new();
    for (rule, adr) in selected.iter().zip(&adrs) {
        if rule.severity.is_some() && needs_traces(rule) {
            diagnostics.push(not_run_without_traces(rule, only));
            continue;
        }
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
                quanta.extend(output.quanta);
                output.findings
            }
            None => Vec::new(),
        };
        if let (Some(adr), Some(_), Some(adr_key)) = (adr, rule.severity, &rule.adr) {
            if adr.status.as_ref().is_some_and(adr::AdrStatus::is_retired) {
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
    memo.sql.store();
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
                // Only files with the marker are read again for it.
                .filter(|f| f.marks_suppression)
                .map(|f| (f.path.as_str(), &**f.text.get())),
        )
        .chain(migrations.iter().map(|m| (m.path.as_str(), &*m.text)));
    let ran = |rule: &str| only.is_empty() || only.iter().any(|o| o == rule);
    let (dismissed, problems) = suppress::apply(&mut findings, texts, &ran);
    findings.extend(problems);
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    diagnostics.sort();
    diagnostics.dedup();
    sagas.sort_by(|a, b| (&a.name, &a.service).cmp(&(&b.name, &b.service)));
    sagas.dedup();
    quanta.sort();
    quanta.dedup();
    let sources = if *quote_sources {
        collect_sources(workspace, config, facts.as_ref(), &migrations, &findings)
    } else {
        Sources::new()
    };
    diagnostics.extend(changed_during_run(facts.as_ref()));
    diagnostics.sort();
    let stats = Stats {
        files_parsed: facts.as_ref().map_or(0, |f| f.parsed_files),
        files_cached: facts.as_ref().map_or(0, |f| f.cached_files),
        files_read: facts.as_ref().map_or(0, |f| f.read_files),
        bytes_read: facts.as_ref().map_or(0, |f| f.bytes),
        sql_analysed: memo.sql.analysed(),
        sql_remembered: memo.sql.remembered(),
    };
    let outcome = Outcome {
        root: workspace.root.clone(),
        findings,
        diagnostics,
        rules,
        sources,
        stats,
        sagas,
        quanta,
        baselined: 0,
        suppressed: dismissed.len(),
        stale_baseline_entries: 0,
        baseline: BaselineUse::None,
        dismissed,
        repository: workspace::repository::Repository::default(),
        new_since: None,
    };
    Ok((outcome, facts))
}

/// The note for a `runtime-coupling` rule that did not run because no
/// `--traces` was given: info, so that a configuration holding the rule
/// stays quiet (and `--deny-warnings` green) on every run without traces;
/// a warning when the rule was asked for by `--rule`.
fn not_run_without_traces(rule: &Rule, only: &[String]) -> Diagnostic {
    Diagnostic {
        severity: if only.contains(&rule.id) {
            Severity::Warn
        } else {
            Severity::Info
        },
        message: format!(
            "rule `{}` ({}) did not run: it compares the service graph with trace exports, \
             and no --traces FILE was given",
            rule.id, rule.check
        ),
        file: None,
        location: None,
    }
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
                    "{}rules in {}: {}",
                    suggest::hint(id, known.iter().copied()),
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

fn retired_adr_finding(rule: &Rule, adr: &AdrRef, adr_key: &toml::Spanned<String>) -> Finding {
    let status = adr
        .status
        .as_ref()
        .map_or("retired", adr::AdrStatus::as_str);
    Finding {
        rule: rule.id.clone(),
        check: EngineCheck::AdrStatus.name().into(),
        severity: Severity::Warn,
        message: format!(
            "rule `{}` enforces {}, which is {}",
            rule.id,
            adr.display(),
            status.to_lowercase()
        ),
        help: Some("point the rule at the decision that replaced it, or turn the rule off".into()),
        suggestion: None,
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
        fingerprint: Fingerprint::new([
            rule.id.as_str(),
            EngineCheck::AdrStatus.name(),
            adr.link.as_str(),
        ]),
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
            check: EngineCheck::Classification.name().into(),
            severity: Severity::Info,
            message: format!("`{}` belongs to no service and is not listed under [shared]", member.name),
            help: Some(
                "add it to a [[service]]'s `crates`, to [shared] `crates` or `platform`, or to `exclude`, so the checks know what it is"
                    .into(),
            ),
            suggestion: None,
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
/// A warning for each source file that a report quoted but that no longer
/// held the text its facts came from: edited during the run, so the
/// locations of its findings may be off and its snippets are missing.
fn changed_during_run(facts: Option<&facts::Facts>) -> Vec<Diagnostic> {
    facts
        .iter()
        .flat_map(|f| f.crates.iter().flat_map(|c| &c.files))
        .filter(|file| file.text.changed())
        .map(|file| Diagnostic {
            severity: Severity::Warn,
            message: format!(
                "{} changed while it was being checked: the locations of its findings may be off and its snippets are missing; run again",
                file.path
            ),
            file: Some(file.path.clone()),
            location: None,
        })
        .collect()
}

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
                .or_else(|| {
                    facts
                        .and_then(|f| f.file(file))
                        .map(|f| f.text.get().clone())
                })
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

/// Coupling metrics of the workspace; per crate only when it has no
/// configuration.
pub fn metrics(options: &Options) -> Result<metrics::Metrics, Error> {
    let mut loaded = load_unconfigured(options)?;
    let mut metrics = metrics::compute(&loaded.workspace, &loaded.architecture, &loaded.crates);
    if !loaded.architecture.services.is_empty() {
        metrics.quanta = metrics::QuantumRow::rows(&quanta(&mut loaded)?);
    }
    Ok(metrics)
}

/// The architecture quanta as the configuration's first enabled `quanta`
/// rule sees them, else as the check sees them by default.
fn quanta(loaded: &mut Loaded) -> Result<Vec<checks::quanta::QuantumSummary>, Error> {
    let id = quanta_rule(loaded);
    Ok(run(loaded, &[id])?.quanta)
}

/// The id of the configuration's first enabled `quanta` rule; without one,
/// a rule with the check's defaults is added to `loaded` (for `metrics` and
/// `graph --level quantum`, which show the quanta whatever the rules say).
pub fn quanta_rule(loaded: &mut Loaded) -> String {
    let configured = loaded
        .config
        .rules
        .iter()
        .find(|r| r.check == checks::quanta::NAME && r.severity.is_some())
        .map(|r| r.id.clone());
    match configured {
        Some(id) => id,
        None => {
            let id = "archfit-metrics-quanta";
            let text =
                format!("[[rule]]\nid = \"{id}\"\ncheck = \"quanta\"\nseverity = \"info\"\n");
            let file = error::SourceFile::new("(metrics)", text);
            let Some(rule) = checks::parse_config(&file)
                .ok()
                .and_then(|mut c| (!c.rules.is_empty()).then(|| c.rules.remove(0)))
            else {
                return id.to_string();
            };
            loaded.config.rules.push(rule);
            loaded.adrs.push(None);
            id.to_string()
        }
    }
}
