//! `archfit.toml`: read with serde + toml keeping every span, then checked as
//! a whole so that one run shows every mistake, each pointing into the file.
//!
//! The pipeline: find the file (explicit `--config`, `archfit.toml` at the
//! root, or `[workspace.metadata.archfit]`) → parse to a spanned tree → split
//! each `[[rule]]` into its common keys and its check's parameters → typed
//! [`Config`]. Workspace-dependent validation (globs that match nothing, ADR
//! files) happens where the workspace is known: `model` and `lib.rs`.

mod packs;

use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::path::{Path, PathBuf};

use schemars::JsonSchema;
use serde::Deserialize;
use toml::de::{DeTable, DeValue, ValueDeserializer};
use toml::Spanned;

use crate::error::{ConfigError, SourceFile};
use crate::finding::LineIndex;
use crate::{Error, Severity};

/// A configuration with the mistakes found in it (`Ok`), or only mistakes
/// when there is nothing to go on (`Err`: the file does not parse as TOML,
/// or its top level does not have the expected shape).
pub type Partial<R> = Result<(Config<R>, Vec<ConfigError>), Vec<ConfigError>>;

/// File name looked for at the workspace root.
pub const FILE_NAME: &str = "archfit.toml";

/// A configuration as written. Generic over the rule type `R`: this module
/// reads the keys every rule has ([`RuleHead`]) and leaves each check's own
/// keys to the compiler the caller passes in, so configuration knows no check.
#[derive(Debug, Clone)]
pub struct Config<R> {
    /// The file the configuration was read from (archfit.toml or Cargo.toml).
    pub file: SourceFile,
    pub adr_dir: String,
    pub exclude: Vec<Spanned<String>>,
    pub services: Vec<ServiceDecl>,
    pub shared: Vec<Spanned<String>>,
    pub platform: Vec<Spanned<String>>,
    pub rules: Vec<R>,
    /// Sagas declared in TOML (`[[saga]]`).
    pub sagas: Vec<SagaDecl>,
    /// `baseline = "…"`: baseline file, relative to the workspace root.
    pub baseline: Option<String>,
}

/// A `[[saga]]` table: a saga whose steps are named by service and function.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SagaDecl {
    /// The saga's name, as findings show it.
    #[schemars(with = "String")]
    pub name: Spanned<String>,
    /// Its local transactions, in order.
    pub steps: Vec<SagaStepDecl>,
}

/// One step of a `[[saga]]`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SagaStepDecl {
    /// The service that runs the step.
    #[schemars(with = "String")]
    pub service: Spanned<String>,
    /// The function that does the step's work, in that service's crates.
    #[schemars(with = "String")]
    pub action: Spanned<String>,
    /// The function that undoes it; a step before the pivot needs one.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub compensation: Option<Spanned<String>>,
    /// The step that decides the saga's outcome.
    #[serde(default)]
    pub pivot: bool,
    /// Safe to retry (idempotent): steps after the pivot must be.
    #[serde(default)]
    pub retriable: bool,
}

/// A `[[service]]` table.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceDecl {
    /// The service's name, as rules and findings name it.
    #[schemars(with = "String")]
    pub name: Spanned<String>,
    /// Its crates: member paths (a folder takes the members below it), path
    /// globs or package names.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub crates: Vec<Spanned<String>>,
    /// Tables it owns (globs); also inferred from its migrations.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub tables: Vec<Spanned<String>>,
    /// Its migration folders. Default: `<crate dir>/migrations`.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub migrations: Vec<Spanned<String>>,
    /// Channels it publishes (globs, `orders.*`).
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub topics: Vec<Spanned<String>>,
    /// Names other code uses to call it in URLs and addresses (globs).
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub hosts: Vec<Spanned<String>>,
    /// gRPC services it serves, as the proto names them
    /// (`package.Service` or `Service`): another service's code using their
    /// generated `{Service}Client` is an edge to this one.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub grpc: Vec<Spanned<String>>,
    /// The database its tables live in; services that name the same one
    /// share it. Default: the service's own name (a database of its own).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub database: Option<Spanned<String>>,
    /// Its `service.name`s in OpenTelemetry traces (`--traces`), when they
    /// differ from `name`.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub otel_names: Vec<Spanned<String>>,
}

/// The keys every `[[rule]]` has, from the user's file or from a built-in
/// pack; the check's own keys are compiled by the caller (see [`Compile`]).
#[derive(Debug, Clone)]
pub struct RuleHead {
    pub id: String,
    /// The check's name as written.
    pub check: Spanned<String>,
    /// `None` when the rule is `off`.
    pub severity: Option<Severity>,
    pub adr: Option<Spanned<String>>,
    pub message: Option<String>,
    /// `include_tests = true`: test code counts too (see DESIGN, "The checks").
    pub include_tests: bool,
    /// Where the rule is written (the user's file or the pack's text).
    pub file: SourceFile,
    /// Span of the rule's `id` value.
    pub id_span: Range<usize>,
    /// Span of the whole `[[rule]]` table, for `explain`.
    pub span: Range<usize>,
}

/// Keys every rule has; the others belong to its check.
pub const COMMON_RULE_KEYS: &[&str] =
    &["id", "check", "severity", "adr", "message", "include_tests"];

/// Turns a rule's common keys and the spanned table of its other keys into
/// the caller's rule type, or the mistakes in them (at their spans).
pub type Compile<'c, R> =
    dyn for<'i> Fn(RuleHead, Spanned<DeValue<'i>>) -> Result<R, Vec<ConfigError>> + 'c;

/// What a compiled rule must say about itself for the file-level checks
/// (duplicate ids, a user rule replacing a pack's).
pub trait HasId {
    fn id(&self) -> &str;
    /// Span of the `id` value in the rule's file.
    fn id_span(&self) -> Range<usize>;
}

/// The configuration of cargo-archfit (`archfit.toml`): the services of the
/// workspace, its shared crates, and the rules that enforce its
/// architecture decisions.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "archfit.toml")]
struct RawConfig {
    /// The version of this file's format: 1.
    #[schemars(with = "Option<u32>", extend("enum" = [1]))]
    version: Option<Spanned<i64>>,
    /// Built-in rule packs whose rules apply too (`builtin:microservices`);
    /// a rule of this file with the same id replaces the pack's.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    extends: Vec<Spanned<String>>,
    /// Folder of the architecture decision records, relative to the
    /// workspace root. Default: `docs/adr`.
    adr_dir: Option<String>,
    /// Members ignored entirely (member paths, globs or package names).
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    exclude: Vec<Spanned<String>>,
    /// The deployable services and what each owns.
    #[serde(default, rename = "service")]
    services: Vec<ServiceDecl>,
    /// Crates shared between services.
    #[serde(default)]
    shared: RawShared,
    /// Sagas declared here rather than found in code.
    #[serde(default, rename = "saga")]
    sagas: Vec<SagaDecl>,
    /// The baseline file, relative to the workspace root. Default:
    /// `archfit-baseline.json`.
    baseline: Option<String>,
}

/// The `[shared]` table.
#[derive(Deserialize, Default, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Shared")]
struct RawShared {
    /// Shared libraries, owned by no one service (paths, globs or names).
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    crates: Vec<Spanned<String>>,
    /// Operational crates (logging, tracing, configuration, metrics):
    /// sharing them is allowed.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    platform: Vec<Spanned<String>>,
}

/// The keys every `[[rule]]` has.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct RawRuleCommon {
    /// The rule's id, unique in the file: `--rule`, `explain` and
    /// suppressions name it.
    #[schemars(with = "String")]
    id: Spanned<String>,
    /// The check that runs the rule (`cargo archfit explain <check>`).
    #[schemars(with = "String")]
    check: Spanned<String>,
    /// The severity of its findings, or `off`. Default: `error`.
    #[serde(default)]
    severity: ConfiguredSeverity,
    /// The decision it enforces: an ADR file under `adr_dir`, or a URL.
    #[schemars(with = "Option<String>")]
    adr: Option<Spanned<String>>,
    /// Text shown with each finding instead of the check's own.
    message: Option<String>,
    /// Whether test code counts too (`#[cfg(test)]`, tests/, benches/,
    /// examples/). Default: `false`.
    #[serde(default)]
    include_tests: bool,
}

/// `severity = "…"` of a rule: a finding severity, or `off`. Deserialised
/// by serde, so a wrong word is an error at its span.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum ConfiguredSeverity {
    #[default]
    Error,
    Warn,
    Info,
    Off,
}

impl ConfiguredSeverity {
    /// The severity of the rule's findings; `None` when the rule is off.
    fn severity(self) -> Option<Severity> {
        match self {
            ConfiguredSeverity::Error => Some(Severity::Error),
            ConfiguredSeverity::Warn => Some(Severity::Warn),
            ConfiguredSeverity::Info => Some(Severity::Info),
            ConfiguredSeverity::Off => None,
        }
    }
}

impl JsonSchema for ConfiguredSeverity {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Severity".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        // `warning` is read as `warn`, so an editor must accept it too.
        schemars::json_schema!({
            "type": "string",
            "enum": ["error", "warn", "warning", "info", "off"]
        })
    }
}

impl<'de> Deserialize<'de> for ConfiguredSeverity {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let word = String::deserialize(deserializer)?;
        match word.as_str() {
            "error" => Ok(ConfiguredSeverity::Error),
            "warn" | "warning" => Ok(ConfiguredSeverity::Warn),
            "info" => Ok(ConfiguredSeverity::Info),
            "off" => Ok(ConfiguredSeverity::Off),
            other => Err(serde::de::Error::custom(format!(
                "unknown severity `{other}`: expected error, warn, info or off"
            ))),
        }
    }
}

/// The JSON Schema of an archfit.toml whose `[[rule]]` array is `rules`:
/// the caller knows the checks and their parameters, configuration does
/// not.
pub fn document_schema(
    generator: &mut schemars::SchemaGenerator,
    rules: schemars::Schema,
) -> schemars::Schema {
    let mut document = RawConfig::json_schema(generator);
    if let Some(properties) = document
        .get_mut("properties")
        .and_then(|p| p.as_object_mut())
    {
        properties.insert("rule".into(), rules.to_value());
    }
    document
}

/// The JSON Schema of the keys every `[[rule]]` has.
pub fn rule_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
    RawRuleCommon::json_schema(generator)
}

/// Finds and reads the configuration of the workspace at `root`.
pub fn load<R: HasId>(
    root: &Path,
    root_manifest: &str,
    explicit: Option<&Path>,
    compile: &Compile<'_, R>,
) -> Result<Config<R>, Error> {
    match load_partial(root, root_manifest, explicit, compile)? {
        (config, errors) if errors.is_empty() => Ok(config),
        (_, errors) => Err(Error::Config(errors)),
    }
}

/// Like [`load`], but a configuration whose rules or patterns have mistakes
/// still comes back (without the rules that could not be read), with the
/// mistakes, so that later stages can add theirs and the user sees every
/// mistake in one run. `Err` only when there is no configuration to go on.
pub fn load_partial<R: HasId>(
    root: &Path,
    root_manifest: &str,
    explicit: Option<&Path>,
    compile: &Compile<'_, R>,
) -> Result<(Config<R>, Vec<ConfigError>), Error> {
    if let Some(path) = explicit {
        let text = read(path, None)?;
        let file = SourceFile::new(display_name(root, path), text);
        return parse_document_partial(&file, compile).map_err(Error::Config);
    }
    let path = root.join(FILE_NAME);
    // `symlink_metadata`: a dangling or hostile link is still "there" and
    // must be refused loudly, not treated as no configuration.
    if std::fs::symlink_metadata(&path).is_ok() {
        let file = SourceFile::new(FILE_NAME, read(&path, Some(root))?);
        return parse_document_partial(&file, compile).map_err(Error::Config);
    }
    let manifest = SourceFile::new("Cargo.toml", root_manifest);
    match workspace_metadata(&manifest, compile) {
        Some(result) => result.map_err(Error::Config),
        None => Err(Error::NoConfig {
            root: root.display().to_string(),
        }),
    }
}

/// Largest configuration file read: far above any real archfit.toml (a
/// generated one with 100,000 rules is 5 MiB).
const MAX_CONFIG_BYTES: u64 = 16 * 1024 * 1024;

/// Reads `--config` (the user's own path) or `archfit.toml` inside the root.
fn read(path: &Path, root: Option<&Path>) -> Result<String, Error> {
    let result = match root {
        Some(root) => {
            crate::fs::read_workspace_text(&crate::fs::Root::new(root), path, MAX_CONFIG_BYTES)
        }
        None => crate::fs::read_user_text(path, MAX_CONFIG_BYTES),
    };
    result.map_err(|e| Error::Io {
        path: path.display().to_string(),
        message: format!("cannot read configuration: {e}"),
    })
}

fn display_name(root: &Path, path: &Path) -> String {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| PathBuf::from(path));
    match absolute.strip_prefix(root) {
        Ok(rel) => rel.to_string_lossy().replace('\\', "/"),
        Err(_) => path.display().to_string(),
    }
}

/// `[workspace.metadata.archfit]` of the root manifest, when present.
fn workspace_metadata<R: HasId>(
    manifest: &SourceFile,
    compile: &Compile<'_, R>,
) -> Option<Partial<R>> {
    let root = DeTable::parse(&manifest.text).ok()?;
    let mut root = root.into_inner();
    let workspace = take(&mut root, "workspace")?;
    let DeValue::Table(mut workspace) = workspace.into_inner() else {
        return None;
    };
    let metadata = take(&mut workspace, "metadata")?;
    let DeValue::Table(mut metadata) = metadata.into_inner() else {
        return None;
    };
    let archfit = take(&mut metadata, "archfit")?;
    Some(parse_value(manifest, archfit, compile))
}

/// Parses a whole archfit.toml text; every mistake, or the configuration.
pub fn parse_document<R: HasId>(
    file: &SourceFile,
    compile: &Compile<'_, R>,
) -> Result<Config<R>, Vec<ConfigError>> {
    match parse_document_partial(file, compile)? {
        (config, errors) if errors.is_empty() => Ok(config),
        (_, errors) => Err(errors),
    }
}

/// Parses a whole archfit.toml text, keeping what could be read alongside
/// the mistakes (see [`load_partial`]).
pub fn parse_document_partial<R: HasId>(file: &SourceFile, compile: &Compile<'_, R>) -> Partial<R> {
    let text = file.text.clone();
    let root = DeTable::parse(&text).map_err(|e| vec![ConfigError::from_toml(file, &e)])?;
    let span = root.span();
    let value = Spanned::new(span, DeValue::Table(root.into_inner()));
    parse_value(file, value, compile)
}

fn parse_value<R: HasId>(
    file: &SourceFile,
    value: Spanned<DeValue<'_>>,
    compile: &Compile<'_, R>,
) -> Partial<R> {
    let mut errors = Vec::new();
    let span = value.span();
    let DeValue::Table(mut table) = value.into_inner() else {
        return Err(vec![ConfigError::at(
            file,
            span,
            "the archfit configuration must be a table",
        )]);
    };
    let raw_rules = take(&mut table, "rule");
    // Unknown keys are taken out first, each an error at its span, so that
    // one misspelt key does not hide the next (serde stops at the first).
    strip_unknown_keys(file, &mut table, &mut errors);
    let raw: Option<RawConfig> = RawConfig::deserialize(ValueDeserializer::from(Spanned::new(
        span.clone(),
        DeValue::Table(table),
    )))
    .map_err(|e| errors.push(ConfigError::from_toml(file, &e)))
    .ok();

    let mut rules = Vec::new();
    if let Some(raw_rules) = raw_rules {
        let rules_span = raw_rules.span();
        match raw_rules.into_inner() {
            DeValue::Array(items) => {
                for item in items {
                    match parse_rule(file, item, compile) {
                        Ok(rule) => rules.push(rule),
                        Err(mut e) => errors.append(&mut e),
                    }
                }
            }
            _ => errors.push(
                ConfigError::at(file, rules_span, "`rule` must be an array of tables")
                    .help("write each rule as a [[rule]] table"),
            ),
        }
    }

    let Some(raw) = raw else {
        return Err(errors);
    };
    if let Some(version) = &raw.version {
        if *version.get_ref() != 1 {
            errors.push(
                ConfigError::at(file, version.span(), "unsupported configuration version")
                    .label("this version of cargo-archfit reads version 1")
                    .help("set `version = 1`"),
            );
        }
    }

    // Packs first, so that a user rule with the same id replaces the pack's.
    let mut all_rules: Vec<R> = Vec::new();
    for pack in &raw.extends {
        match packs::load(pack.get_ref(), compile) {
            Some(Ok(pack_rules)) => all_rules.extend(pack_rules),
            Some(Err(mut e)) => errors.append(&mut e),
            None => errors.push(
                ConfigError::at(
                    file,
                    pack.span(),
                    format!("unknown rule pack `{}`", pack.get_ref()),
                )
                .label("not a built-in pack")
                .help(format!("built-in packs: {}", packs::names().join(", "))),
            ),
        }
    }
    check_duplicate_ids(file, &rules, &mut errors);
    // A set, not a search per rule: a config with 100k rules must stay linear.
    let user_ids: HashSet<&str> = rules.iter().map(|r| r.id()).collect();
    all_rules.retain(|r| !user_ids.contains(r.id()));
    all_rules.extend(rules);

    for service in &raw.services {
        check_service_patterns(file, service, &mut errors);
        check_database(file, service, &mut errors);
    }
    check_grpc_names(file, &raw.services, &mut errors);
    Ok((
        Config {
            file: file.clone(),
            adr_dir: raw.adr_dir.unwrap_or_else(|| "docs/adr".into()),
            exclude: raw.exclude,
            services: raw.services,
            shared: raw.shared.crates,
            platform: raw.shared.platform,
            rules: all_rules,
            sagas: raw.sagas,
            baseline: raw.baseline,
        },
        errors,
    ))
}

/// `topics`, `hosts` and `tables` are globs: a bad one is a mistake at its
/// span, never a pattern that silently matches nothing.
fn check_service_patterns(file: &SourceFile, service: &ServiceDecl, errors: &mut Vec<ConfigError>) {
    let lists = [
        ("topics", &service.topics),
        ("hosts", &service.hosts),
        ("tables", &service.tables),
    ];
    for (key, patterns) in lists {
        for pattern in patterns {
            if let Err(e) = globset::Glob::new(pattern.get_ref()) {
                errors.push(
                    ConfigError::at(
                        file,
                        pattern.span(),
                        format!(
                            "invalid glob `{}` in `{key}` of service `{}`",
                            pattern.get_ref(),
                            service.name.get_ref()
                        ),
                    )
                    .label(e.kind().to_string()),
                );
            }
        }
    }
}

/// `database = ""` would put the service in a database no other can name,
/// which is what leaving the key out already says: a mistake, not a choice.
fn check_database(file: &SourceFile, service: &ServiceDecl, errors: &mut Vec<ConfigError>) {
    let Some(database) = &service.database else {
        return;
    };
    if database.get_ref().trim().is_empty() {
        errors.push(
            ConfigError::at(
                file,
                database.span(),
                format!("empty `database` of service `{}`", service.name.get_ref()),
            )
            .label("no database name")
            .help(
                "name the database its tables live in (services naming the same one share it), \
                 or leave `database` out: by default each service has a database of its own",
            ),
        );
    }
}

/// A `grpc` name is matched against generated client names, so one that no
/// proto could declare would silently match nothing, and one served by two
/// services would make every client of it ambiguous.
fn check_grpc_names(file: &SourceFile, services: &[ServiceDecl], errors: &mut Vec<ConfigError>) {
    let mut first_by_name: HashMap<&str, (&str, Range<usize>)> = HashMap::new();
    let mut lines = None;
    for service in services {
        let owner = service.name.get_ref().as_str();
        for name in &service.grpc {
            if !is_grpc_name(name.get_ref()) {
                errors.push(
                    ConfigError::at(
                        file,
                        name.span(),
                        format!(
                            "invalid gRPC service name `{}` in `grpc` of service `{owner}`",
                            name.get_ref()
                        ),
                    )
                    .label("not `Service` or `package.Service`")
                    .help(
                        "write the service as its .proto file declares it: the package, a dot, \
                         and the service name (`routing.v1.RoutingService`), or the service name alone",
                    ),
                );
                continue;
            }
            match first_by_name.get(name.get_ref().as_str()) {
                None => {
                    first_by_name.insert(name.get_ref(), (owner, name.span()));
                }
                Some((first, _)) if *first == owner => {}
                Some((first, span)) => {
                    let lines = lines.get_or_insert_with(|| LineIndex::new(&*file.text));
                    let (line, _) = lines.line_column(span.start);
                    errors.push(
                        ConfigError::at(
                            file,
                            name.span(),
                            format!(
                                "gRPC service `{}` is served by both `{first}` and `{owner}`",
                                name.get_ref()
                            ),
                        )
                        .label(format!("already served by `{first}` on line {line}"))
                        .help(
                            "list a gRPC service under the one service that serves it; \
                             its clients call that service",
                        ),
                    );
                }
            }
        }
    }
}

/// `Service` or `pkg.sub.Service`: dot-separated identifiers.
fn is_grpc_name(name: &str) -> bool {
    name.split('.').all(|part| {
        let mut chars = part.chars();
        chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
    })
}

fn check_duplicate_ids<R: HasId>(file: &SourceFile, rules: &[R], errors: &mut Vec<ConfigError>) {
    let mut first_by_id: HashMap<&str, &R> = HashMap::with_capacity(rules.len());
    let mut lines = None;
    for rule in rules {
        let Some(first) = first_by_id.get(rule.id()) else {
            first_by_id.insert(rule.id(), rule);
            continue;
        };
        let lines = lines.get_or_insert_with(|| LineIndex::new(&*file.text));
        let (line, _) = lines.line_column(first.id_span().start);
        errors.push(
            ConfigError::at(
                file,
                rule.id_span(),
                format!("duplicate rule id `{}`", rule.id()),
            )
            .label(format!("already defined on line {line}"))
            .help("give each [[rule]] its own id"),
        );
    }
}

/// Splits a `[[rule]]` table into its common keys, read here, and its
/// check's keys, handed to `compile`.
pub(crate) fn parse_rule<R>(
    file: &SourceFile,
    item: Spanned<DeValue<'_>>,
    compile: &Compile<'_, R>,
) -> Result<R, Vec<ConfigError>> {
    let span = item.span();
    let DeValue::Table(table) = item.into_inner() else {
        return Err(vec![ConfigError::at(file, span, "a rule must be a table")]);
    };
    let (common, rest): (DeTable<'_>, DeTable<'_>) = table
        .into_iter()
        .partition(|(k, _)| COMMON_RULE_KEYS.contains(&k.get_ref().as_ref()));
    let common = RawRuleCommon::deserialize(ValueDeserializer::from(Spanned::new(
        span.clone(),
        DeValue::Table(common),
    )))
    .map_err(|e| vec![ConfigError::from_toml(file, &e)])?;

    let severity = common.severity.severity();
    let rest_span = rest
        .iter()
        .map(|(k, v)| k.span().start..v.span().end)
        .reduce(|a, b| a.start.min(b.start)..a.end.max(b.end))
        .unwrap_or(span.clone());
    let head = RuleHead {
        id: common.id.get_ref().clone(),
        id_span: common.id.span(),
        span: span.clone(),
        check: common.check,
        severity,
        adr: common.adr,
        message: common.message,
        include_tests: common.include_tests,
        file: file.clone(),
    };
    compile(head, Spanned::new(rest_span, DeValue::Table(rest)))
}

/// Keys of the tables of archfit.toml, in the order serde would list them.
const TOP_KEYS: &[&str] = &[
    "version", "extends", "adr_dir", "exclude", "service", "shared", "saga", "baseline",
];
const SERVICE_KEYS: &[&str] = &[
    "name",
    "crates",
    "tables",
    "migrations",
    "topics",
    "hosts",
    "grpc",
    "database",
    "otel_names",
];
const SHARED_KEYS: &[&str] = &["crates", "platform"];
const SAGA_KEYS: &[&str] = &["name", "steps"];
const SAGA_STEP_KEYS: &[&str] = &["service", "action", "compensation", "pivot", "retriable"];

/// Removes every unknown key of the configuration's tables, with an error
/// at each.
fn strip_unknown_keys(file: &SourceFile, table: &mut DeTable<'_>, errors: &mut Vec<ConfigError>) {
    strip(file, table, TOP_KEYS, errors);
    let each = |value: &mut DeValue<'_>, keys: &[&str], errors: &mut Vec<ConfigError>| {
        if let DeValue::Table(inner) = value {
            strip(file, inner, keys, errors);
        }
    };
    for (key, value) in table.iter_mut() {
        match (key.get_ref().as_ref(), value.get_mut()) {
            ("service", DeValue::Array(items)) => {
                for item in items.iter_mut() {
                    each(item.get_mut(), SERVICE_KEYS, errors);
                }
            }
            ("shared", shared) => each(shared, SHARED_KEYS, errors),
            ("saga", DeValue::Array(items)) => {
                for item in items.iter_mut() {
                    if let DeValue::Table(saga) = item.get_mut() {
                        strip(file, saga, SAGA_KEYS, errors);
                        for (key, steps) in saga.iter_mut() {
                            if key.get_ref() != "steps" {
                                continue;
                            }
                            if let DeValue::Array(steps) = steps.get_mut() {
                                for step in steps.iter_mut() {
                                    each(step.get_mut(), SAGA_STEP_KEYS, errors);
                                }
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }
}

fn strip(
    file: &SourceFile,
    table: &mut DeTable<'_>,
    known: &[&str],
    errors: &mut Vec<ConfigError>,
) {
    let unknown: Vec<_> = table
        .keys()
        .filter(|k| !known.contains(&k.get_ref().as_ref()))
        .cloned()
        .collect();
    for key in unknown {
        let expected: Vec<String> = known.iter().map(|k| format!("`{k}`")).collect();
        errors.push(
            ConfigError::at(
                file,
                key.span(),
                format!(
                    "unknown field `{}`, expected one of {}",
                    key.get_ref(),
                    expected.join(", ")
                ),
            )
            .label("here"),
        );
        table.remove(&key);
    }
}

/// Removes `key` from a spanned table.
fn take<'i>(table: &mut DeTable<'i>, key: &str) -> Option<Spanned<DeValue<'i>>> {
    let found = table.keys().find(|k| k.get_ref().as_ref() == key)?.clone();
    table.remove(&found)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<crate::checks::Config, Vec<ConfigError>> {
        crate::checks::parse_config(&SourceFile::new(FILE_NAME, text))
    }

    /// The text under the span of the only error.
    fn error_span(text: &'static str) -> (String, &'static str) {
        let errors = parse(text).unwrap_err();
        assert_eq!(errors.len(), 1, "{errors:?}");
        let span = errors[0].span.clone().expect("error has a span");
        (errors[0].message.clone(), &text[span])
    }

    #[test]
    fn unknown_service_key_points_at_the_key() {
        let (message, at) =
            error_span("version = 1\n[[service]]\nname = \"orders\"\ncrate = [\"x\"]\n");
        assert!(message.contains("unknown field `crate`"), "{message}");
        assert_eq!(at, "crate");
    }

    #[test]
    fn empty_database_is_an_error_at_its_value() {
        let (message, at) =
            error_span("[[service]]\nname = \"orders\"\ncrates = [\"x\"]\ndatabase = \" \"\n");
        assert!(
            message.contains("empty `database` of service `orders`"),
            "{message}"
        );
        assert_eq!(at, "\" \"");
    }

    #[test]
    fn malformed_grpc_names_are_errors_at_their_value() {
        for bad in [
            "\"\"",
            "\"routing.\"",
            "\"routing/Routing\"",
            "\"routing Routing\"",
            "\"1routing.Routing\"",
        ] {
            let text = format!("[[service]]\nname = \"routing\"\ncrates = [\"x\"]\ngrpc = [\"routing.v1.Routing\", {bad}]\n");
            let text: &'static str = Box::leak(text.into_boxed_str());
            let (message, at) = error_span(text);
            assert!(
                message.contains("invalid gRPC service name") && message.contains("`routing`"),
                "{message}"
            );
            assert_eq!(at, bad);
        }
    }

    #[test]
    fn a_grpc_name_served_by_two_services_is_an_error_at_the_second() {
        let (message, at) = error_span(
            "[[service]]\nname = \"routing\"\ncrates = [\"x\"]\ngrpc = [\"fleet.Routing\"]\n\
             [[service]]\nname = \"dispatch\"\ncrates = [\"y\"]\ngrpc = [\"Dispatch\", \"fleet.Routing\"]\n",
        );
        assert!(
            message.contains("`fleet.Routing` is served by both `routing` and `dispatch`"),
            "{message}"
        );
        assert_eq!(at, "\"fleet.Routing\"");
        assert!(parse("[[service]]\nname = \"routing\"\ncrates = [\"x\"]\ngrpc = [\"Routing\", \"fleet.v1.Routing\", \"_private.Admin2\"]\n").is_ok());
    }

    #[test]
    fn unknown_check_points_at_its_name() {
        let (message, at) = error_span("[[rule]]\nid = \"a\"\ncheck = \"service-dependencies\"\n");
        assert!(
            message.contains("unknown check `service-dependencies`"),
            "{message}"
        );
        assert_eq!(at, "\"service-dependencies\"");
    }

    #[test]
    fn bad_severity_points_at_the_value() {
        let (message, at) =
            error_span("[[rule]]\nid = \"a\"\ncheck = \"shared-coupling\"\nseverity = \"fatal\"\n");
        assert!(message.contains("unknown severity `fatal`"), "{message}");
        assert_eq!(at, "\"fatal\"");
    }

    #[test]
    fn parameter_of_another_check_is_rejected() {
        let (message, at) =
            error_span("[[rule]]\nid = \"a\"\ncheck = \"service-dependency\"\nmax_services = 2\n");
        assert!(
            message.contains("unknown parameter `max_services` of check `service-dependency`"),
            "{message}"
        );
        assert_eq!(at, "max_services");
    }

    #[test]
    fn invalid_glob_in_parameters_points_at_it() {
        let (message, at) = error_span(
            "[[rule]]\nid = \"a\"\ncheck = \"shared-coupling\"\nexternal = [\"acme-[\"]\n",
        );
        assert!(message.contains("invalid glob"), "{message}");
        assert_eq!(at, "\"acme-[\"");
    }

    #[test]
    fn bad_dependency_kind_is_rejected() {
        let (message, at) = error_span("[[rule]]\nid = \"a\"\ncheck = \"service-dependency\"\nkinds = [\"normal\", \"test\"]\n");
        assert!(message.contains("unknown variant `test`"), "{message}");
        assert_eq!(at, "\"test\"");
    }

    #[test]
    fn duplicate_rule_id_points_at_the_second() {
        let text = "[[rule]]\nid = \"a\"\ncheck = \"shared-coupling\"\n[[rule]]\nid = \"a\"\ncheck = \"service-dependency\"\n";
        let errors = parse(text).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert!(errors[0].message.contains("duplicate rule id `a`"));
        assert_eq!(
            errors[0].span.clone().unwrap().start,
            text.rfind("\"a\"").unwrap()
        );
        assert_eq!(
            errors[0].label.as_deref(),
            Some("already defined on line 2")
        );
    }

    #[test]
    fn every_repeat_of_a_rule_id_points_back_at_its_first_definition() {
        let rule = |id: &str| format!("[[rule]]\nid = \"{id}\"\ncheck = \"shared-coupling\"\n");
        let text = [rule("a"), rule("b"), rule("a"), rule("b"), rule("a")].concat();
        let errors = parse(&text).unwrap_err();
        let labels: Vec<(&str, Option<&str>)> = errors
            .iter()
            .map(|e| (e.message.as_str(), e.label.as_deref()))
            .collect();
        assert_eq!(
            labels,
            vec![
                ("duplicate rule id `a`", Some("already defined on line 2")),
                ("duplicate rule id `b`", Some("already defined on line 5")),
                ("duplicate rule id `a`", Some("already defined on line 2")),
            ]
        );
    }

    #[test]
    fn every_mistake_is_reported_not_just_the_first() {
        let text = "[[rule]]\nid = \"a\"\ncheck = \"nope\"\n[[rule]]\nid = \"b\"\ncheck = \"shared-coupling\"\nseverity = \"loud\"\n";
        assert_eq!(parse(text).unwrap_err().len(), 2);
    }

    #[test]
    fn toml_syntax_error_has_a_span() {
        let errors = parse("[[rule]\nid = 1").unwrap_err();
        assert!(errors[0].span.is_some());
    }

    #[test]
    fn user_rule_replaces_pack_rule_with_the_same_id() {
        let config = parse(
            "extends = [\"builtin:microservices\"]\n[[rule]]\nid = \"services-share-no-domain-code\"\ncheck = \"shared-coupling\"\nmax_services = 3\n",
        )
        .unwrap();
        let rules: Vec<_> = config
            .rules
            .iter()
            .filter(|r| r.id == "services-share-no-domain-code")
            .collect();
        assert_eq!(rules.len(), 1);
        assert_eq!(rules[0].file.name, FILE_NAME);
        assert!(
            matches!(&rules[0].params, crate::checks::Params::SharedCoupling(p) if p.max_services == 3)
        );
        assert!(config
            .rules
            .iter()
            .any(|r| r.id == "services-do-not-depend-on-services"));
    }

    #[test]
    fn unknown_pack_is_an_error() {
        let (message, at) = error_span("extends = [\"builtin:nope\"]\n");
        assert!(message.contains("unknown rule pack"), "{message}");
        assert_eq!(at, "\"builtin:nope\"");
    }

    #[test]
    fn unsupported_version() {
        let (message, at) = error_span("version = 2\n");
        assert!(message.contains("unsupported configuration version"));
        assert_eq!(at, "2");
    }

    #[test]
    fn off_rule_has_no_severity() {
        let config =
            parse("[[rule]]\nid = \"a\"\ncheck = \"shared-coupling\"\nseverity = \"off\"\n")
                .unwrap();
        assert_eq!(config.rules[0].severity, None);
    }
}
