//! The registry of checks. A check is one module: its parameters (serde,
//! `deny_unknown_fields`), its documentation (docs/checks/<name>.md, shown by
//! `explain`) and a `run` function from facts to findings. Checks never read
//! files, print or exit.

pub mod cross_service_db;
pub mod cycles;
pub mod layers;
pub mod saga_compensation;
pub mod service_dependency;
pub mod shared_coupling;

use std::cell::RefCell;

use serde::Deserialize;
use toml::de::{DeValue, ValueDeserializer};
use toml::Spanned;

use crate::config::{Config, Rule};
use crate::facts::Facts;
use crate::finding::{AdrRef, Diagnostic, Finding, Fingerprint, Location, Related};
use crate::graph::modules::ModuleGraph;
use crate::graph::CrateGraph;
use crate::pattern::GlobPattern;
use crate::workspace::{Architecture, Workspace};

/// What a check may look at.
pub struct Context<'a> {
    pub workspace: &'a Workspace,
    pub architecture: &'a Architecture,
    pub config: &'a Config,
    pub crates: &'a CrateGraph,
    /// Source facts; `None` when no enabled rule needs sources.
    pub facts: Option<&'a Facts>,
    /// Module graph of every target of every analysed member.
    pub modules: &'a [ModuleGraph],
    /// Migration files of every service (read when a rule needs them).
    pub migrations: &'a [crate::facts::MigrationFile],
}

/// Parsed parameters of a rule, one variant per check.
#[derive(Debug, Clone)]
pub enum Params {
    ServiceDependency(service_dependency::Params),
    SharedCoupling(shared_coupling::Params),
    Cycles(cycles::Params),
    Layers(layers::Params),
    CrossServiceDb(cross_service_db::Params),
    SagaCompensation(saga_compensation::Params),
}

impl Params {
    /// Every glob of the parameters, so invalid ones can be reported.
    pub fn patterns(&self) -> Vec<&GlobPattern> {
        match self {
            Params::ServiceDependency(p) => p
                .allow
                .iter()
                .flat_map(|a| [&a.from, &a.to].into_iter().chain(&a.crates))
                .collect(),
            Params::SharedCoupling(p) => p.external.iter().collect(),
            Params::Cycles(p) => p.crates.iter().collect(),
            Params::CrossServiceDb(p) => p.allow_tables.iter().collect(),
            Params::SagaCompensation(p) => p.non_compensable.iter().collect(),
            Params::Layers(p) => p
                .services
                .iter()
                .chain(p.layers.iter().flat_map(|l| &l.modules))
                .collect(),
        }
    }

    /// Service-name globs the rule is limited to (`services = […]`); each
    /// must name a declared service.
    pub fn service_filters(&self) -> &[GlobPattern] {
        match self {
            Params::Layers(p) => &p.services,
            _ => &[],
        }
    }

    /// Whether the rule reads source files (so facts must be extracted).
    pub fn needs_sources(&self) -> bool {
        match self {
            // service-dependency also reads module trees: a `#[path]` can
            // compile another service's file without any manifest entry.
            Params::ServiceDependency(_) => true,
            Params::SharedCoupling(_) => false,
            Params::Cycles(p) => p.needs_sources(),
            Params::Layers(_) | Params::CrossServiceDb(_) | Params::SagaCompensation(_) => true,
        }
    }

    /// Whether the rule reads migration files.
    pub fn needs_migrations(&self) -> bool {
        matches!(self, Params::CrossServiceDb(_))
    }

    /// Whether the rule reads module graphs.
    pub fn needs_modules(&self) -> bool {
        match self {
            Params::Cycles(p) => p.level == cycles::Level::Module,
            Params::Layers(_) => true,
            _ => false,
        }
    }
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
    /// Parameter names, for "unknown field" help.
    pub parameters: &'static [&'static str],
    /// Deserialises the rule's check-specific keys.
    pub parse: ParseParams,
}

fn parse_with<'de, P: Deserialize<'de>>(
    value: Spanned<DeValue<'de>>,
    wrap: fn(P) -> Params,
) -> Result<Params, toml::de::Error> {
    P::deserialize(ValueDeserializer::from(value)).map(wrap)
}

/// Every check of the product, in documentation order.
pub const CHECKS: &[CheckDef] = &[
    CheckDef {
        name: service_dependency::NAME,
        summary: "a service's crate depends on a crate owned by another service",
        doc: service_dependency::DOC,
        parameters: service_dependency::PARAMETERS,
        parse: |v| parse_with(v, Params::ServiceDependency),
    },
    CheckDef {
        name: shared_coupling::NAME,
        summary: "a non-platform shared crate is used by more than `max_services` services",
        doc: shared_coupling::DOC,
        parameters: shared_coupling::PARAMETERS,
        parse: |v| parse_with(v, Params::SharedCoupling),
    },
    CheckDef {
        name: cross_service_db::NAME,
        summary: "code of one service uses a table owned by another",
        doc: cross_service_db::DOC,
        parameters: cross_service_db::PARAMETERS,
        parse: |v| parse_with(v, Params::CrossServiceDb),
    },
    CheckDef {
        name: cycles::NAME,
        summary: "cycles between modules, crates or services",
        doc: cycles::DOC,
        parameters: cycles::PARAMETERS,
        parse: |v| parse_with(v, Params::Cycles),
    },
    CheckDef {
        name: saga_compensation::NAME,
        summary: "a compensable saga step has no working compensation",
        doc: saga_compensation::DOC,
        parameters: saga_compensation::PARAMETERS,
        parse: |v| parse_with(v, Params::SagaCompensation),
    },
    CheckDef {
        name: layers::NAME,
        summary: "a module depends on a layer above it or on a forbidden crate",
        doc: layers::DOC,
        parameters: layers::PARAMETERS,
        parse: |v| parse_with(v, Params::Layers),
    },
];

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
}

/// Runs one rule.
pub fn run(rule: &Rule, adr: Option<&AdrRef>, context: &Context<'_>) -> RuleOutput {
    let reporter = Reporter {
        rule,
        adr,
        diagnostics: RefCell::new(Vec::new()),
        sagas: RefCell::new(Vec::new()),
    };
    let findings = match &rule.params {
        Params::ServiceDependency(params) => service_dependency::run(params, context, &reporter),
        Params::SharedCoupling(params) => shared_coupling::run(params, context, &reporter),
        Params::Cycles(params) => cycles::run(params, context, &reporter),
        Params::Layers(params) => layers::run(params, context, &reporter),
        Params::CrossServiceDb(params) => cross_service_db::run(params, context, &reporter),
        Params::SagaCompensation(params) => saga_compensation::run(params, context, &reporter),
    };
    RuleOutput {
        findings,
        diagnostics: reporter.diagnostics.into_inner(),
        sagas: reporter.sagas.into_inner(),
    }
}

/// Turns what a check found into findings carrying the rule's id, severity,
/// custom message and ADR.
pub struct Reporter<'a> {
    rule: &'a Rule,
    adr: Option<&'a AdrRef>,
    diagnostics: RefCell<Vec<Diagnostic>>,
    sagas: RefCell<Vec<saga_compensation::SagaSummary>>,
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

/// Location of dependency `dependency` of member `member` in its Cargo.toml.
pub fn dependency_location(
    workspace: &Workspace,
    member: usize,
    dependency: usize,
) -> Option<Location> {
    let member = workspace.members.get(member)?;
    let dep = member.dependencies.get(dependency)?;
    let span = dep.span.clone()?;
    Some(Location::from_span(
        &member.manifest_path,
        &member.manifest_text,
        span,
    ))
}

/// Location of a member's `[package] name`, for findings about a whole crate.
pub fn member_location(workspace: &Workspace, member: usize) -> Option<Location> {
    let member = workspace.members.get(member)?;
    let span = member.name_span.clone().unwrap_or(0..0);
    Some(Location::from_span(
        &member.manifest_path,
        &member.manifest_text,
        span,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::SourceFile;
    use crate::Severity;

    fn rule(severity: &str) -> Rule {
        let text = format!(
            "[[rule]]\nid = \"sagas\"\ncheck = \"saga-compensation\"\nseverity = \"{severity}\"\n"
        );
        let file = SourceFile::new("archfit.toml", text);
        crate::config::parse_document(&file)
            .expect("valid rule")
            .rules
            .remove(0)
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
}
