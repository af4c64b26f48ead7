//! The registry of checks. A check is one module: its parameters (serde,
//! `deny_unknown_fields`), its documentation (docs/checks/<name>.md, shown by
//! `explain`) and a `run` function from facts to findings. Checks never read
//! files, print or exit.

use std::cell::RefCell;

use serde::Deserialize;
use toml::de::{DeValue, ValueDeserializer};
use toml::Spanned;

use crate::config::{self, HasId, RuleHead, COMMON_RULE_KEYS};
use crate::error::{ConfigError, SourceFile};
use crate::facts::Facts;
use crate::finding::{AdrRef, Diagnostic, Finding, Fingerprint, Location, Related};
use crate::graph::modules::ModuleGraph;
use crate::graph::CrateGraph;
use crate::pattern::GlobPattern;
use crate::workspace::{Architecture, Workspace};

/// What a check may look at.
#[derive(Clone, Copy)]
pub struct Context<'a> {
    pub workspace: &'a Workspace,
    pub architecture: &'a Architecture,
    /// The configuration's text, for locations of what it declares.
    pub config_file: &'a SourceFile,
    /// `[[saga]]` declarations.
    pub sagas: &'a [config::SagaDecl],
    pub crates: &'a CrateGraph,
    /// Source facts; `None` when no enabled rule needs sources.
    pub facts: Option<&'a Facts>,
    /// Module graph of every target of every analysed member.
    pub modules: &'a [ModuleGraph],
    /// Migration files of every service (read when a rule needs them).
    pub migrations: &'a [crate::facts::MigrationFile],
    /// The running rule's `include_tests`: whether test code counts.
    pub include_tests: bool,
    /// What several rules of one run derive alike, computed once.
    pub memo: &'a Memo,
    /// Calls seen in trace exports; `None` when no `--traces` was given.
    pub runtime: Option<&'a crate::graph::services::Runtime>,
}

/// Results several rules of one run share (the service graph, the table
/// uses), keyed by the parameters they depend on: `quanta` reads what
/// `cycles` and `cross-service-db` computed instead of walking the facts
/// and parsing the SQL again.
#[derive(Default)]
pub struct Memo {
    services: std::sync::Mutex<MemoMap<Vec<crate::graph::services::ServiceEdge>>>,
    tables: std::sync::Mutex<MemoMap<cross_service_db::TableUses>>,
    /// SQL analysed once per distinct text (and kept across runs when the
    /// run opened a persistent memo).
    pub sql: crate::sql::memo::SqlMemo,
}

type MemoMap<T> = std::collections::HashMap<String, std::sync::Arc<T>>;

fn remember<T>(
    map: &std::sync::Mutex<MemoMap<T>>,
    key: String,
    compute: impl FnOnce() -> T,
) -> std::sync::Arc<T> {
    if let Some(found) = map.lock().ok().and_then(|m| m.get(&key).cloned()) {
        return found;
    }
    let value = std::sync::Arc::new(compute());
    if let Ok(mut m) = map.lock() {
        m.insert(key, value.clone());
    }
    value
}

impl Memo {
    /// A memo whose SQL analyses come from, and go to, `sql`.
    pub fn with_sql(sql: crate::sql::memo::SqlMemo) -> Memo {
        Memo {
            sql,
            ..Memo::default()
        }
    }

    /// The service graph for these messaging methods.
    pub fn service_edges(
        &self,
        context: &Context<'_>,
        methods: &crate::graph::services::MessagingMethods,
    ) -> std::sync::Arc<Vec<crate::graph::services::ServiceEdge>> {
        let key = format!("{:?} {:?}", methods.publish, methods.subscribe);
        remember(&self.services, key, || {
            let mut edges = crate::graph::services::build(
                context.workspace,
                context.architecture,
                context.crates,
                context.facts,
                methods,
            );
            // Calls seen at run time that the code does not show join the
            // graph `cycles` and `quanta` see.
            if let Some(runtime) = context.runtime {
                let added = crate::graph::services::runtime_additions(&edges, runtime);
                edges.extend(added);
            }
            edges
        })
    }

    pub(crate) fn table_uses_of(
        &self,
        key: String,
        compute: impl FnOnce() -> cross_service_db::TableUses,
    ) -> std::sync::Arc<cross_service_db::TableUses> {
        remember(&self.tables, key, compute)
    }
}

impl Context<'_> {
    /// Whether the code at `span` in `module` of `file` is left out because
    /// it is test code (a `#[cfg(test)]` module or item, a test-only
    /// feature, tests/, benches/, examples/) and the rule does not include
    /// tests.
    pub fn skips(
        &self,
        file: &crate::facts::FileFacts,
        module: usize,
        span: crate::facts::Span,
    ) -> bool {
        !self.include_tests && file.is_test_code_at(module, span)
    }
}

/// What a finding about test code adds to its message.
pub fn test_only(test_only: bool) -> &'static str {
    if test_only {
        " (test only)"
    } else {
        ""
    }
}

/// What a rule reads; each check says so explicitly for its parameters, so
/// no check can silently get empty data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Needs {
    /// Source facts (every file read and parsed once).
    pub sources: bool,
    /// Module graphs built from the facts.
    pub modules: bool,
    /// Migration files of every service.
    pub migrations: bool,
}

// Declared here, not by the macro: modules declared inside a macro are
// invisible to readers and to tools (cargo-archfit itself would not follow
// them into their files).
pub mod cross_service_db;
pub mod cycles;
pub mod dual_write;
pub mod layers;
pub mod quanta;
pub mod runtime_coupling;
pub mod saga_compensation;
pub mod service_dependency;
pub mod shared_coupling;
pub mod symbols;

/// The registry: one line per check, `Variant => module`. The module
/// provides `NAME`, `SUMMARY`, `DOC`, `PARAMETERS`, `Params` (serde) and
/// `needs`, `patterns`, `service_filters`, `run`; from this line come the
/// [`Params`] enum, parameter parsing, dispatch, data needs and `explain`.
/// Forgetting one of them is a compile error, not a silent default.
macro_rules! registry {
    ($($variant:ident => $module:ident,)*) => {
        /// Parsed parameters of a rule, one variant per check.
        #[derive(Debug, Clone)]
        pub enum Params {
            $($variant($module::Params),)*
        }

        impl Params {
            /// What the rule reads.
            pub fn needs(&self) -> Needs {
                match self {
                    $(Params::$variant(p) => $module::needs(p),)*
                }
            }

            /// Every glob of the parameters, so invalid ones can be reported.
            pub fn patterns(&self) -> Vec<&GlobPattern> {
                match self {
                    $(Params::$variant(p) => $module::patterns(p),)*
                }
            }

            /// Service-name globs the rule is limited to (`services = […]`);
            /// each must name a declared service.
            pub fn service_filters(&self) -> &[GlobPattern] {
                match self {
                    $(Params::$variant(p) => $module::service_filters(p),)*
                }
            }

            fn run(&self, context: &Context<'_>, reporter: &Reporter<'_>) -> Vec<Finding> {
                match self {
                    $(Params::$variant(p) => $module::run(p, context, reporter),)*
                }
            }
        }

        /// Every check of the product, in documentation order.
        pub const CHECKS: &[CheckDef] = &[
            $(CheckDef {
                name: $module::NAME,
                summary: $module::SUMMARY,
                doc: $module::DOC,
                parameters: $module::PARAMETERS,
                parse: |v| parse_with(v, Params::$variant),
                params_schema: <$module::Params as schemars::JsonSchema>::json_schema,
                starter: $module::STARTER,
            },)*
        ];
    };
}

registry! {
    ServiceDependency => service_dependency,
    SharedCoupling => shared_coupling,
    CrossServiceDb => cross_service_db,
    Cycles => cycles,
    SagaCompensation => saga_compensation,
    Layers => layers,
    Quanta => quanta,
    DualWrite => dual_write,
    RuntimeCoupling => runtime_coupling,
    Symbols => symbols,
}

/// A rule compiled for its check: the common keys and the check's typed,
/// validated parameters.
#[derive(Debug, Clone)]
pub struct Rule {
    pub id: String,
    pub check: &'static str,
    /// `None` when the rule is `off`.
    pub severity: Option<crate::Severity>,
    pub adr: Option<Spanned<String>>,
    pub message: Option<String>,
    /// Whether test code counts for this rule (`include_tests = true`).
    pub include_tests: bool,
    pub params: Params,
    /// Where the rule is written (the user's file or the pack's text).
    pub file: SourceFile,
    /// Span of the rule's `id` value.
    pub id_span: std::ops::Range<usize>,
    /// Span of the whole `[[rule]]` table, for `explain`.
    pub span: std::ops::Range<usize>,
}

impl HasId for Rule {
    fn id(&self) -> &str {
        &self.id
    }

    fn id_span(&self) -> std::ops::Range<usize> {
        self.id_span.clone()
    }
}

/// The configuration with every rule compiled for its check.
pub type Config = config::Config<Rule>;

/// Compiles a rule's own keys with its check's parameter type: an unknown
/// check, an unknown parameter and an invalid glob are mistakes at their
/// spans. This is what configuration parsing is handed (see
/// [`config::Compile`]), so that `config` itself knows no check.
pub fn compile(head: RuleHead, value: Spanned<DeValue<'_>>) -> Result<Rule, Vec<ConfigError>> {
    let file = &head.file;
    let Some(check) = by_name(head.check.get_ref()) else {
        return Err(vec![ConfigError::at(
            file,
            head.check.span(),
            format!("unknown check `{}`", head.check.get_ref()),
        )
        .label("not a check of cargo-archfit")
        .help(format!(
            "{}known checks: {}",
            crate::suggest::hint(head.check.get_ref(), names()),
            names().join(", ")
        ))]);
    };
    // Keys the check does not take are found here, by name, so each gets
    // an error at its span that lists what the check takes.
    if let DeValue::Table(table) = value.get_ref() {
        let unknown: Vec<ConfigError> = table
            .keys()
            .filter(|key| !check.parameters.contains(&key.get_ref().as_ref()))
            .map(|key| {
                ConfigError::at(
                    file,
                    key.span(),
                    format!(
                        "unknown parameter `{}` of check `{}`",
                        key.get_ref(),
                        check.name
                    ),
                )
                .label("not a parameter of this check")
                .help(format!(
                    "{}`{}` takes: {}; every rule takes: {}",
                    crate::suggest::hint(
                        key.get_ref(),
                        check
                            .parameters
                            .iter()
                            .copied()
                            .chain(COMMON_RULE_KEYS.iter().copied())
                    ),
                    check.name,
                    check.parameters.join(", "),
                    COMMON_RULE_KEYS.join(", ")
                ))
            })
            .collect();
        if !unknown.is_empty() {
            return Err(unknown);
        }
    }
    let params = (check.parse)(value).map_err(|e| vec![ConfigError::from_toml(file, &e)])?;
    let errors: Vec<ConfigError> = params
        .patterns()
        .into_iter()
        .filter_map(|pattern| {
            let problem = pattern.error()?;
            Some(
                ConfigError::at(
                    file,
                    pattern.span.clone(),
                    format!("invalid glob `{}`", pattern.text),
                )
                .label(problem.to_string()),
            )
        })
        .collect();
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Rule {
        id: head.id,
        check: check.name,
        severity: head.severity,
        adr: head.adr,
        message: head.message,
        include_tests: head.include_tests,
        params,
        file: head.file,
        id_span: head.id_span,
        span: head.span,
    })
}

/// Parses and compiles a whole archfit.toml text: the configuration, or
/// every mistake in it.
pub fn parse_config(file: &SourceFile) -> Result<Config, Vec<ConfigError>> {
    config::parse_document(file, &compile)
}

/// Deserialises a rule's check-specific keys (a spanned table).
pub type ParseParams = fn(Spanned<DeValue<'_>>) -> Result<Params, toml::de::Error>;

/// A check as the registry knows it.
pub struct CheckDef {
    pub name: &'static str,
    /// One line for listings.
    pub summary: &'static str,
    /// Full user documentation (Markdown).
    pub doc: &'static str,
    /// Parameter names: any other key of a rule is an unknown parameter.
    pub parameters: &'static [&'static str],
    /// Deserialises the rule's check-specific keys.
    pub parse: ParseParams,
    /// The JSON Schema of those keys, from the type `parse` reads them into.
    pub params_schema: fn(&mut schemars::SchemaGenerator) -> schemars::Schema,
    /// What `init` writes for it.
    pub starter: Starter,
}

/// What `cargo archfit init` writes for a check, owned by the check's module.
#[derive(Debug, Clone, Copy)]
pub struct Starter {
    /// The decision's ADR file name without its number (`0003-<slug>.md`).
    pub adr_slug: &'static str,
    /// The ADR template (Nygard); `{number}` is its ADR number.
    pub adr_template: &'static str,
    /// Commented `[[rule]]` tables; `{adr}` is replaced by the ADR's file
    /// name, `{allow}` by the `allow` line `init` derives from client crates.
    pub rules: &'static str,
}

fn parse_with<'de, P: Deserialize<'de>>(
    value: Spanned<DeValue<'de>>,
    wrap: fn(P) -> Params,
) -> Result<Params, toml::de::Error> {
    P::deserialize(ValueDeserializer::from(value)).map(wrap)
}

/// The check named `name`.
pub fn by_name(name: &str) -> Option<&'static CheckDef> {
    CHECKS.iter().find(|c| c.name == name)
}

/// Names of every check.
pub fn names() -> Vec<&'static str> {
    CHECKS.iter().map(|c| c.name).collect()
}

/// What running one rule gives.
pub struct RuleOutput {
    pub findings: Vec<Finding>,
    /// What the rule could not analyse.
    pub diagnostics: Vec<Diagnostic>,
    /// Sagas found and classified (saga-compensation only).
    pub sagas: Vec<saga_compensation::SagaSummary>,
    /// Every quantum of the workspace (quanta only).
    pub quanta: Vec<quanta::QuantumSummary>,
}

/// Runs one rule.
pub fn run(rule: &Rule, adr: Option<&AdrRef>, context: &Context<'_>) -> RuleOutput {
    let reporter = Reporter {
        rule,
        adr,
        diagnostics: RefCell::new(Vec::new()),
        sagas: RefCell::new(Vec::new()),
        quanta: RefCell::new(Vec::new()),
    };
    let context = Context {
        include_tests: rule.include_tests,
        ..*context
    };
    let findings = rule.params.run(&context, &reporter);
    RuleOutput {
        findings,
        diagnostics: reporter.diagnostics.into_inner(),
        sagas: reporter.sagas.into_inner(),
        quanta: reporter.quanta.into_inner(),
    }
}

/// Turns what a check found into findings carrying the rule's id, severity,
/// custom message and ADR.
pub struct Reporter<'a> {
    rule: &'a Rule,
    adr: Option<&'a AdrRef>,
    diagnostics: RefCell<Vec<Diagnostic>>,
    sagas: RefCell<Vec<saga_compensation::SagaSummary>>,
    quanta: RefCell<Vec<quanta::QuantumSummary>>,
}

/// What a check says about one violation.
pub struct Violation {
    pub message: String,
    pub label: String,
    pub help: String,
    pub location: Option<Location>,
    pub related: Vec<Related>,
    pub service: Option<String>,
    pub krate: Option<String>,
    /// What the finding is about, without positions: crate names, services.
    pub identity: Vec<String>,
}

impl Reporter<'_> {
    /// Records a saga found and classified.
    pub fn saga(&self, saga: saga_compensation::SagaSummary) {
        self.sagas.borrow_mut().push(saga);
    }

    /// Records a quantum found.
    pub fn quantum(&self, quantum: quanta::QuantumSummary) {
        self.quanta.borrow_mut().push(quantum);
    }

    /// The id of the rule being run, for messages.
    pub fn rule_id(&self) -> &str {
        &self.rule.id
    }

    /// Records something the check could not analyse (a file, a statement).
    pub fn diagnostic(&self, diagnostic: Diagnostic) {
        self.diagnostics.borrow_mut().push(diagnostic);
    }

    /// Records that the rule examined less than it was written for (a
    /// pattern that matches nothing, no saga found): a warning at `span` of
    /// the rule's own text, never a silent pass.
    pub fn rule_warning(&self, message: String, span: Option<std::ops::Range<usize>>) {
        let file = &self.rule.file;
        let span = span.unwrap_or_else(|| self.rule.id_span.clone());
        self.diagnostic(Diagnostic {
            severity: crate::Severity::Warn,
            message: format!("rule `{}`: {message}", self.rule.id),
            file: Some(file.name.clone()),
            location: Some(Location::from_span(&file.name, &file.text, span)),
        });
    }

    /// Builds the finding at the rule's configured severity; the rule's
    /// `message` leads the help text.
    pub fn finding(&self, violation: Violation) -> Finding {
        let help = match &self.rule.message {
            Some(custom) => format!("{custom}\n{}", violation.help),
            None => violation.help,
        };
        let mut parts = vec![self.rule.id.clone(), self.rule.check.to_string()];
        parts.extend(violation.identity);
        Finding {
            rule: self.rule.id.clone(),
            check: self.rule.check.to_string(),
            severity: self.rule.severity.unwrap_or(crate::Severity::Info),
            message: violation.message,
            help: Some(help),
            suggestion: None,
            label: Some(violation.label),
            location: violation.location,
            related: violation.related,
            service: violation.service,
            krate: violation.krate,
            adr: self.adr.cloned(),
            fingerprint: Fingerprint::new(parts),
        }
    }

    /// A finding that advises rather than forbids (a saga shape that is
    /// risky, not wrong): at most a warning, and never more serious than the
    /// rule is configured (`Severity` orders error < warn < info).
    pub fn advisory(&self, violation: Violation) -> Finding {
        let mut finding = self.finding(violation);
        finding.severity = finding.severity.max(crate::Severity::Warn);
        finding
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Severity;

    fn rule(severity: &str) -> Rule {
        let text = format!(
            "[[rule]]\nid = \"sagas\"\ncheck = \"saga-compensation\"\nseverity = \"{severity}\"\n"
        );
        let file = SourceFile::new("archfit.toml", text);
        parse_config(&file).expect("valid rule").rules.remove(0)
    }

    fn violation() -> Violation {
        Violation {
            message: "m".into(),
            label: "l".into(),
            help: "h".into(),
            location: None,
            related: Vec::new(),
            service: None,
            krate: None,
            identity: Vec::new(),
        }
    }

    #[test]
    fn advisory_findings_are_never_more_serious_than_warn_or_the_rule() {
        let severity_of = |configured: &str| {
            let rule = rule(configured);
            let reporter = Reporter {
                rule: &rule,
                adr: None,
                diagnostics: RefCell::new(Vec::new()),
                sagas: RefCell::new(Vec::new()),
                quanta: RefCell::new(Vec::new()),
            };
            (
                reporter.finding(violation()).severity,
                reporter.advisory(violation()).severity,
            )
        };
        assert_eq!(severity_of("error"), (Severity::Error, Severity::Warn));
        assert_eq!(severity_of("warn"), (Severity::Warn, Severity::Warn));
        // An info rule emits info, never warnings.
        assert_eq!(severity_of("info"), (Severity::Info, Severity::Info));
    }

    #[test]
    fn every_check_lists_exactly_the_parameters_its_type_accepts() {
        // serde names the fields it accepts when it meets an unknown one;
        // PARAMETERS must say the same, or a valid key would be refused.
        for check in CHECKS {
            let value = toml::de::DeTable::parse("zzz_not_a_parameter = 1").expect("toml");
            let span = value.span();
            let value = Spanned::new(span, DeValue::Table(value.into_inner()));
            let message = (check.parse)(value)
                .expect_err("an unknown key is refused")
                .message()
                .to_string();
            let mut accepted: Vec<&str> = message.split('`').skip(3).step_by(2).collect();
            accepted.sort_unstable();
            let mut listed = check.parameters.to_vec();
            listed.sort_unstable();
            assert_eq!(accepted, listed, "{}: {message}", check.name);
        }
    }
}
