#![doc = include_str!("../../docs/checks/saga-compensation.md")]

use std::collections::{BTreeMap, BTreeSet};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Context, Needs, Reporter, Starter, Violation};
use crate::config::SagaDecl;
use crate::facts::Span;
use crate::facts::{self, Body, ChainRoot, FileFacts, FnFact, Link, Name, StepArg};
use crate::finding::{Diagnostic, Finding, Location, Related};
use crate::graph::services::{self, EdgeKind, MessagingMethods, ServiceEdge};
use crate::pattern::{CallName, GlobPattern};
use crate::workspace::Role;
use crate::Severity;

/// Name used in `check = "…"`.
pub const NAME: &str = "saga-compensation";
/// User documentation, printed by `explain`.
pub const DOC: &str = include_str!("../../docs/checks/saga-compensation.md");
/// One line for listings.
pub const SUMMARY: &str = "a compensable saga step has no working compensation";

/// Parameter names, for error messages.
pub const PARAMETERS: &[&str] = &[
    "saga_constructors",
    "step_methods",
    "compensation_methods",
    "pivot_methods",
    "retriable_methods",
    "traits",
    "non_compensable",
];

fn list(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| s.to_string()).collect()
}

/// Parameters of a `saga-compensation` rule.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Calls that start a builder saga (`Saga::builder`, `*Saga::builder`).
    #[serde(default = "default_constructors")]
    pub saga_constructors: Vec<GlobPattern>,
    /// Builder methods that add a step.
    #[serde(default = "default_steps")]
    pub step_methods: Vec<String>,
    /// Builder methods that give the step before its compensation.
    #[serde(default = "default_compensations")]
    pub compensation_methods: Vec<String>,
    /// Builder methods that mark (or add) the pivot.
    #[serde(default = "default_pivots")]
    pub pivot_methods: Vec<String>,
    /// Builder methods that mark the step before retriable.
    #[serde(default = "default_retriable")]
    pub retriable_methods: Vec<String>,
    /// Traits whose implementations are saga steps.
    #[serde(default = "default_traits")]
    pub traits: Vec<StepTrait>,
    /// Globs of actions that cannot be undone (`send_*`, `charge_*`).
    #[serde(default = "default_non_compensable")]
    pub non_compensable: Vec<GlobPattern>,
}

/// A trait whose implementations are saga steps.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StepTrait {
    /// The trait's name.
    pub name: String,
    /// The method that does the step's work.
    pub action: String,
    /// The method that undoes it.
    pub compensation: String,
    /// A method saying whether the step can be undone at all
    /// (`rollback_supported`): a step whose method returns `false` is
    /// recovered forward (retried), not compensated, and needs no
    /// compensation. Without an implementation the trait's default,
    /// `compensable_default`, applies.
    #[serde(default)]
    pub compensable: Option<String>,
    /// Whether a step is compensable when it does not implement
    /// `compensable`.
    #[serde(default)]
    pub compensable_default: bool,
}

fn default_constructors() -> Vec<GlobPattern> {
    [
        "Saga::builder",
        "SagaBuilder::new",
        "SagaDefinition::new",
        "Saga::new",
    ]
    .iter()
    .map(|p| GlobPattern::new(p, 0..0))
    .collect()
}
fn default_steps() -> Vec<String> {
    list(&["step", "add_step", "local_step"])
}
fn default_compensations() -> Vec<String> {
    list(&[
        "compensate",
        "compensate_with",
        "with_compensation",
        "on_rollback",
    ])
}
fn default_pivots() -> Vec<String> {
    list(&["pivot", "pivot_step"])
}
fn default_retriable() -> Vec<String> {
    list(&["retriable", "retryable", "with_retry", "idempotent"])
}
fn default_traits() -> Vec<StepTrait> {
    vec![StepTrait {
        name: "SagaStep".into(),
        action: "execute".into(),
        compensation: "compensate".into(),
        compensable: None,
        compensable_default: false,
    }]
}
fn default_non_compensable() -> Vec<GlobPattern> {
    ["send_*", "notify_*", "charge_*", "email_*"]
        .iter()
        .map(|p| GlobPattern::new(p, 0..0))
        .collect()
}

impl Params {
    /// Whether a call of `path` starts a saga: a plain name matches the end
    /// of the path (`Saga::builder` matches `saga::Saga::builder`), a glob
    /// (`*Saga::builder`) the whole path or its last two segments.
    fn is_constructor(&self, path: &[Name]) -> bool {
        let whole = path.join("::");
        let last_two = path[path.len().saturating_sub(2)..].join("::");
        self.saga_constructors.iter().any(|c| {
            CallName::new(&c.text).matches(path, false)
                || c.is_match(&whole)
                || c.is_match(&last_two)
        })
    }

    fn is_step(&self, method: &str) -> bool {
        self.step_methods.iter().any(|m| m == method)
    }

    fn is_compensation(&self, method: &str) -> bool {
        self.compensation_methods.iter().any(|m| m == method)
    }

    fn is_pivot(&self, method: &str) -> bool {
        self.pivot_methods.iter().any(|m| m == method)
    }

    fn is_retriable(&self, method: &str) -> bool {
        self.retriable_methods.iter().any(|m| m == method)
    }

    /// Whether the links of a chain whose constructor is unknown build a
    /// saga all the same: a step that takes something, and a compensation,
    /// a pivot or a retry marker (`.retriable()`, no argument: a
    /// `.retryable(true)` is some client's setting). A lone `.step(..)` is
    /// an iterator, a range or another builder's increment
    /// (`Backoff::builder().step(d)`).
    fn links_build_a_saga<'l>(&self, links: impl Iterator<Item = &'l Link> + Clone) -> bool {
        links
            .clone()
            .any(|l| self.is_step(&l.method) && !l.args.is_empty())
            && links.into_iter().any(|l| {
                (self.is_compensation(&l.method) && !l.args.is_empty())
                    || self.is_pivot(&l.method)
                    || (self.is_retriable(&l.method) && l.args.is_empty())
            })
    }

    fn non_compensable(&self, action: &str) -> bool {
        self.non_compensable.iter().any(|p| p.is_match(action))
    }
}

/// How the steps of a saga talk: by synchronous calls or by messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Communication {
    Sync,
    Async,
}

/// Whether a saga promises all-or-nothing (every step compensated) or only
/// an eventual outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Consistency {
    Atomic,
    Eventual,
}

/// Whether one service drives the saga or the services react to each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Coordination {
    Orchestration,
    Choreography,
}

macro_rules! axis_display {
    ($($axis:ty => { $($value:ident => $text:literal),* }),*) => {$(
        impl std::fmt::Display for $axis {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(match self { $(Self::$value => $text),* })
            }
        }
    )*};
}

axis_display! {
    Communication => { Sync => "sync", Async => "async" },
    Consistency => { Atomic => "atomic", Eventual => "eventual" },
    Coordination => { Orchestration => "orchestration", Choreography => "choreography" }
}

/// A saga's class along the three axes, for reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct SagaSummary {
    /// The saga's name.
    pub name: String,
    /// How it is written: `builder`, `trait` or `toml`.
    #[schemars(extend("enum" = ["builder", "trait", "toml"]))]
    pub dialect: &'static str,
    /// The service running it; null when it spans several.
    pub service: Option<String>,
    #[serde(skip)]
    pub location: Option<Location>,
    /// Number of steps.
    pub steps: usize,
    pub communication: Communication,
    pub consistency: Consistency,
    pub coordination: Coordination,
    /// The pattern's usual name ("Fairy Tale Saga").
    pub class: &'static str,
}

/// How a step or compensation was resolved.
#[derive(Debug, Clone)]
enum Target<'a> {
    Function(&'a FileFacts, &'a FnFact),
    Closure {
        body: Body,
        location: Location,
    },
    /// Found nowhere we can see; the text says why.
    Opaque(String),
}

#[derive(Debug, Clone)]
struct Step<'a> {
    action: String,
    location: Location,
    target: Target<'a>,
    compensation: Option<(String, Location, Target<'a>)>,
    /// What `non_compensable` patterns see (a type's snake_case form).
    pattern: String,
    /// Declared recovered forward (`rollback_supported()` false).
    exempt: bool,
    /// A step given as a value: its type, and the method that would
    /// compensate it.
    value_type: Option<(String, String)>,
    pivot: bool,
    retriable: bool,
}

#[derive(Debug, Clone)]
struct Saga<'a> {
    name: String,
    dialect: &'static str,
    service: Option<usize>,
    /// Where the saga starts; `None` for a trait saga until its first step.
    location: Option<Location>,
    steps: Vec<Step<'a>>,
    /// Services whose functions are steps (TOML sagas; empty otherwise).
    participants: Vec<usize>,
}

/// What `init` writes for this check: the decision's ADR template and the
/// starter rules (`{adr}` stands for the ADR's file name).
pub const STARTER: Starter = Starter {
    adr_slug: "every-saga-step-can-be-undone",
    adr_template: include_str!("../../rules/adr-templates/every-saga-step-can-be-undone.md"),
    rules: r#"# Every compensable saga step has a real compensation; steps after the pivot
# are retriable; actions that cannot be undone come after the pivot.
[[rule]]
id = "every-saga-step-can-be-undone"
check = "saga-compensation"
severity = "error"
adr = {adr}
# Actions that cannot be undone (function-name globs).
non_compensable = ["send_*", "notify_*", "charge_*", "email_*"]
# Calls that start a builder saga, matched at the end of the path; globs
# (`*Saga::builder`) match the path or its last two segments.
# saga_constructors = ["Saga::builder", "SagaBuilder::new", "SagaDefinition::new", "Saga::new"]
# Builder methods that add a step, compensate the step before, mark the
# pivot, and mark the step before retriable.
# step_methods = ["step", "add_step", "local_step"]
# compensation_methods = ["compensate", "compensate_with", "with_compensation", "on_rollback"]
# pivot_methods = ["pivot", "pivot_step"]
# retriable_methods = ["retriable", "retryable", "with_retry", "idempotent"]
# Traits whose implementations are saga steps.
# traits = [{ name = "SagaStep", action = "execute", compensation = "compensate" }]
"#,
};

/// What the rule reads, so the engine extracts only that.
pub fn needs(_params: &Params) -> Needs {
    Needs {
        sources: true,
        modules: false,
        migrations: false,
    }
}

/// Every glob of the parameters, so invalid ones are reported at their span.
pub fn patterns(params: &Params) -> Vec<&GlobPattern> {
    params
        .saga_constructors
        .iter()
        .chain(&params.non_compensable)
        .collect()
}

/// Service-name globs the rule is limited to; each must name a service.
pub fn service_filters(_params: &Params) -> &[GlobPattern] {
    &[]
}

/// Finds every saga, checks each step, and classifies each saga.
pub fn run(params: &Params, context: &Context<'_>, reporter: &Reporter<'_>) -> Vec<Finding> {
    let Some(facts) = context.facts else {
        return Vec::new();
    };
    let mut sagas = Vec::new();
    let mut findings = Vec::new();
    // Every member that is not excluded: sagas often live in shared crates
    // (a procedure framework, a workflow library), owned by no service.
    let members: Vec<(usize, Option<usize>)> = context
        .architecture
        .roles
        .iter()
        .enumerate()
        .filter_map(|(member, role)| match role {
            Role::Excluded => None,
            Role::Service(service) => Some((member, Some(*service))),
            Role::Shared | Role::Platform | Role::Unclassified => Some((member, None)),
        })
        .collect();
    for &(member, service) in &members {
        sagas.extend(builder_sagas(
            params, context, facts, member, service, reporter,
        ));
    }
    let builder_steps: BTreeSet<&str> = sagas
        .iter()
        .flat_map(|s| &s.steps)
        .filter_map(|step| step.value_type.as_ref().map(|(ty, _)| ty.as_str()))
        .collect();
    let mut trait_found = Vec::new();
    for &(member, service) in &members {
        let (trait_sagas, trait_findings) = trait_sagas(
            params,
            context,
            facts,
            member,
            service,
            &builder_steps,
            reporter,
        );
        trait_found.extend(trait_sagas);
        findings.extend(trait_findings);
    }
    sagas.extend(trait_found);
    for decl in context.sagas {
        let (saga, missing) = toml_saga(context, facts, decl, reporter);
        findings.extend(missing);
        sagas.extend(saga);
    }
    if sagas.is_empty() {
        let traits: Vec<&str> = params.traits.iter().map(|t| t.name.as_str()).collect();
        reporter.rule_warning(
            format!(
                "found no saga, so nothing was checked: no builder chain starts with {} or adds steps ({}) \
                 with compensations ({}), no type implements {}, and archfit.toml declares no [[saga]]; set \
                 `saga_constructors`, the builder's method names or `traits` to the names your saga library uses",
                params.saga_constructors.iter().map(|c| c.text.as_str()).collect::<Vec<_>>().join(", "),
                params.step_methods.join(", "),
                params.compensation_methods.join(", "),
                if traits.is_empty() { "a step trait".to_string() } else { traits.join(", ") }
            ),
            None,
        );
    }
    // The service graph tells who drives a saga spread over services; it is
    // built only when there is such a saga.
    let graph = if sagas.iter().any(|s| s.participants.len() > 1) {
        services::build(
            context.workspace,
            context.architecture,
            context.crates,
            context.facts,
            &MessagingMethods::default(),
        )
    } else {
        Vec::new()
    };
    for saga in &sagas {
        let (summary, fire_and_forget) = classify(context, facts, &graph, saga);
        findings.extend(check(
            params,
            context,
            saga,
            &summary,
            fire_and_forget,
            reporter,
        ));
        reporter.saga(summary);
    }
    findings
}

fn names(context: &Context<'_>, service: Option<usize>) -> Option<String> {
    service.map(|s| context.architecture.services[s].name.clone())
}

/// Finds `name` (a path as written) among the crate's functions: methods of
/// `Self`/a type when the path says so, free functions otherwise.
fn resolve<'a>(
    facts: &'a facts::Facts,
    member: usize,
    path: &[Name],
    self_type: Option<&str>,
) -> Option<(&'a FileFacts, &'a FnFact)> {
    let name = path.last()?;
    let owner = match path.len() {
        0 | 1 => None,
        _ => {
            let qualifier = &path[path.len() - 2];
            if qualifier == "Self" {
                self_type.map(str::to_string)
            } else if qualifier.chars().next().is_some_and(char::is_uppercase) {
                Some(qualifier.to_string())
            } else {
                None
            }
        }
    };
    let files = &facts.crates[member].files;
    let candidates = files
        .iter()
        .flat_map(|f| f.functions.iter().map(move |func| (f, func)));
    let mut fallback = None;
    for (file, func) in candidates {
        if &func.name != name {
            continue;
        }
        match (&owner, &func.owner) {
            (Some(wanted), Some(have)) if wanted == have => return Some((file, func)),
            (None, None) => return Some((file, func)),
            _ => {
                fallback.get_or_insert((file, func));
            }
        }
    }
    fallback
}

/// A step argument followed to what runs.
struct Resolved<'a> {
    name: String,
    /// What `non_compensable` patterns see: a function's name, or a type's
    /// snake_case form (`SendSms` → `send_sms`).
    pattern: String,
    target: Target<'a>,
    /// For a step given as a value of a type: what its impls say.
    typed: Option<TypeStep<'a>>,
}

/// What the impls of a step's type say about undoing it.
struct TypeStep<'a> {
    ty: String,
    compensation: Option<(String, Location, Target<'a>)>,
    /// The method a compensation would be, for the help text.
    wanted: String,
    /// Declared recovered forward (`rollback_supported()` false).
    exempt: bool,
}

/// `text` under `span`, as a diagnostic may quote it: on one line, at most
/// 60 characters, and with control and bidi characters made visible.
fn quote(file: &FileFacts, span: Span) -> String {
    let flat = span
        .text(file.text.get())
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let short = if flat.chars().count() > 60 {
        format!("{}…", flat.chars().take(59).collect::<String>())
    } else {
        flat
    };
    crate::text::neutralise(&short).into_owned()
}

fn target<'a>(
    params: &Params,
    context: &Context<'_>,
    facts: &'a facts::Facts,
    member: usize,
    file: &'a FileFacts,
    arg: &StepArg,
    self_type: Option<&str>,
) -> Resolved<'a> {
    let plain = |name: String, target: Target<'a>| Resolved {
        pattern: name.rsplit("::").next().unwrap_or_default().to_string(),
        name,
        target,
        typed: None,
    };
    let typed = |ty: &str, quoted: String| match type_step(params, context, facts, member, ty) {
        Ok((target, typed)) => Resolved {
            name: ty.to_string(),
            pattern: snake_case(ty),
            target,
            typed: Some(typed),
        },
        Err(why) => Resolved {
            name: ty.to_string(),
            pattern: snake_case(ty),
            target: Target::Opaque(format!("`{quoted}`: {why}")),
            typed: None,
        },
    };
    match arg {
        StepArg::Path(path, span) => {
            let name = path.join("::");
            match resolve(facts, member, path, self_type) {
                Some((f, func)) => plain(name, Target::Function(f, func)),
                // A unit struct (`.add_step(SendReceipt)`) is a value of its type.
                None if path
                    .last()
                    .is_some_and(|last| last.starts_with(char::is_uppercase)) =>
                {
                    typed(path.last().map_or("", Name::as_str), quote(file, *span))
                }
                None => {
                    let why = if path.len() == 1 {
                        format!("`{name}` is a variable or an imported function, not a function of this crate")
                    } else {
                        format!("`{name}` is not a function of this crate")
                    };
                    plain(name, Target::Opaque(why))
                }
            }
        }
        StepArg::Value(ty, span) => typed(ty.last().map_or("", Name::as_str), quote(file, *span)),
        StepArg::Closure { body, span, .. } => plain(
            "closure".into(),
            Target::Closure {
                body: body.clone(),
                location: facts::location(file, *span),
            },
        ),
        StepArg::Literal(text) => {
            let why = format!(
                "`{}` is a string, not a function",
                crate::text::neutralise(text)
            );
            plain(text.clone(), Target::Opaque(why))
        }
        StepArg::Other(span) => plain(
            quote(file, *span),
            Target::Opaque("an expression the check cannot follow".into()),
        ),
    }
}

/// The action and compensation of a step given as a value of `ty`: the
/// methods of a configured trait the type implements, or else its methods
/// named like a step or a compensation (`step_methods`,
/// `compensation_methods`, the traits' method names). The step's own crate
/// is searched first, then every other member that is not excluded.
fn type_step<'a>(
    params: &Params,
    context: &Context<'_>,
    facts: &'a facts::Facts,
    member: usize,
    ty: &str,
) -> Result<(Target<'a>, TypeStep<'a>), String> {
    let others = (0..facts.crates.len()).filter(|&m| {
        m != member
            && !matches!(
                context.architecture.roles.get(m),
                Some(Role::Excluded) | None
            )
    });
    for m in std::iter::once(member).chain(others) {
        let Some(krate) = facts.crates.get(m) else {
            continue;
        };
        let methods: Vec<(&'a FileFacts, &'a FnFact)> = krate
            .files
            .iter()
            .flat_map(|f| {
                f.functions
                    .iter()
                    .filter(|func| func.owner.as_deref() == Some(ty))
                    .map(move |func| (f, func))
            })
            .collect();
        if methods.is_empty() {
            continue;
        }
        let find = |name: &str, via: Option<&str>| {
            methods
                .iter()
                .find(|(_, f)| f.name == name && (via.is_none() || f.trait_name.as_deref() == via))
                .copied()
        };
        let compensation_of = |found: Option<(&'a FileFacts, &'a FnFact)>| {
            found.map(|(file, f)| {
                (
                    format!("{ty}::{}", f.name),
                    facts::location(file, f.span),
                    Target::Function(file, f),
                )
            })
        };
        let implemented = params.traits.iter().find(|t| {
            krate.files.iter().any(|f| {
                f.impls
                    .iter()
                    .any(|i| i.self_type == ty && i.trait_name.as_deref() == Some(t.name.as_str()))
            })
        });
        if let Some(step_trait) = implemented {
            let via = Some(step_trait.name.as_str());
            let action = match find(&step_trait.action, via) {
                Some((file, f)) => Target::Function(file, f),
                None => Target::Opaque(format!(
                    "`{ty}` uses the trait's default `{}`",
                    step_trait.action
                )),
            };
            let declared = step_trait.compensable.as_deref().is_none_or(|name| {
                find(name, via).map_or(step_trait.compensable_default, |(_, f)| {
                    f.constant != Some(false)
                })
            });
            return Ok((
                action,
                TypeStep {
                    ty: ty.to_string(),
                    compensation: compensation_of(find(&step_trait.compensation, via)),
                    wanted: step_trait.compensation.clone(),
                    exempt: !declared,
                },
            ));
        }
        let named = |f: &FnFact, is: &dyn Fn(&StepTrait) -> &str, configured: bool| {
            configured || params.traits.iter().any(|t| is(t) == f.name)
        };
        let action = methods
            .iter()
            .find(|(_, f)| named(f, &|t| t.action.as_str(), params.is_step(&f.name)))
            .copied();
        let compensation = methods
            .iter()
            .find(|(_, f)| {
                named(
                    f,
                    &|t| t.compensation.as_str(),
                    params.is_compensation(&f.name),
                )
            })
            .copied();
        if action.is_none() && compensation.is_none() {
            return Err(format!(
                "`{ty}` has no method named like a step or a compensation"
            ));
        }
        let wanted = params
            .traits
            .first()
            .map(|t| t.compensation.clone())
            .or_else(|| params.compensation_methods.first().cloned())
            .unwrap_or_else(|| "compensate".into());
        return Ok((
            match action {
                Some((file, f)) => Target::Function(file, f),
                None => Target::Opaque(format!("`{ty}` has no method named like a step")),
            },
            TypeStep {
                ty: ty.to_string(),
                compensation: compensation_of(compensation),
                wanted,
                exempt: false,
            },
        ));
    }
    Err(format!("`{ty}` has no impl in the workspace"))
}

/// A builder saga being assembled: where it starts and every link added
/// to it, through `let` rebindings and statements on the builder variable.
struct Candidate<'a> {
    name: String,
    location: Location,
    /// Rooted at a configured constructor; otherwise its links must show
    /// it is a saga.
    known: bool,
    self_type: Option<&'a str>,
    links: Vec<&'a Link>,
}

fn builder_sagas<'a>(
    params: &Params,
    context: &Context<'_>,
    facts: &'a facts::Facts,
    member: usize,
    service: Option<usize>,
    reporter: &Reporter<'_>,
) -> Vec<Saga<'a>> {
    let mut sagas = Vec::new();
    for file in &facts.crates[member].files {
        let mut candidates: Vec<Candidate<'a>> = Vec::new();
        // Sagas being built, by the variable holding the builder, per function.
        let mut open: BTreeMap<(Option<&str>, &str), usize> = BTreeMap::new();
        // Test code is no saga: a builder in `#[cfg(test)] mod tests` is a
        // mock of one (DESIGN: test code is excluded by default).
        for chain in file
            .chains
            .iter()
            .filter(|c| !context.skips(file, c.module, c.span()))
        {
            let function = chain.function.as_deref();
            let index = match &chain.root {
                ChainRoot::Call(path, span) => {
                    let start =
                        builder_start(params, facts, member, file, chain.module, path, *span);
                    let self_type = file
                        .functions
                        .iter()
                        .find(|f| Some(f.name.as_str()) == function)
                        .and_then(|f| f.owner.as_deref());
                    candidates.push(Candidate {
                        known: start.is_some(),
                        name: start.unwrap_or_else(|| {
                            saga_name(file, *span)
                                .unwrap_or_else(|| format!("{} saga", path.join("::")))
                        }),
                        location: facts::location(file, *span),
                        self_type,
                        links: Vec::new(),
                    });
                    candidates.len() - 1
                }
                ChainRoot::Var(var) => match open.get(&(function, var.as_str())) {
                    Some(&index) => index,
                    None => continue,
                },
                _ => continue,
            };
            if let Some(var) = &chain.bound_to {
                open.insert((function, var.as_str()), index);
            }
            candidates[index].links.extend(&chain.links);
        }
        for candidate in candidates {
            if !candidate.known && !params.links_build_a_saga(candidate.links.iter().copied()) {
                continue;
            }
            let steps = steps(params, context, facts, member, file, &candidate);
            sagas.push(Saga {
                name: candidate.name,
                dialect: "builder",
                service,
                location: Some(candidate.location),
                steps,
                participants: Vec::new(),
            });
        }
    }
    for saga in &sagas {
        if saga.steps.is_empty() {
            if let Some(location) = &saga.location {
                reporter.diagnostic(Diagnostic {
                    severity: Severity::Info,
                    message: format!(
                        "saga `{}`: found no step (no call of {} with an argument on the builder), so nothing in it is checked",
                        saga.name,
                        params.step_methods.iter().map(|m| format!("`.{m}(…)`")).collect::<Vec<_>>().join(", ")
                    ),
                    file: Some(location.file.clone()),
                    location: Some(location.clone()),
                });
            }
        }
        for step in &saga.steps {
            let opaque = std::iter::once((&step.action, &step.target, &step.location))
                .chain(step.compensation.iter().map(|(n, l, t)| (n, t, l)));
            for (name, target, location) in opaque {
                if let Target::Opaque(why) = target {
                    reporter.diagnostic(Diagnostic {
                        severity: Severity::Info,
                        message: format!(
                            "saga `{}`: cannot resolve `{name}` ({why}); whether it is a stub is not checked",
                            saga.name
                        ),
                        file: Some(location.file.clone()),
                        location: Some(location.clone()),
                    });
                }
            }
        }
    }
    sagas
}

/// The steps a builder's links add, in order.
fn steps<'a>(
    params: &Params,
    context: &Context<'_>,
    facts: &'a facts::Facts,
    member: usize,
    file: &'a FileFacts,
    candidate: &Candidate<'a>,
) -> Vec<Step<'a>> {
    let mut steps: Vec<Step<'a>> = Vec::new();
    let resolve_arg = |arg: &StepArg| {
        target(
            params,
            context,
            facts,
            member,
            file,
            arg,
            candidate.self_type,
        )
    };
    for link in &candidate.links {
        let method = link.method.as_str();
        let location = facts::location(file, link.span);
        let new_step = |arg: &StepArg| {
            let resolved = resolve_arg(arg);
            let (compensation, exempt, value_type) = match resolved.typed {
                Some(typed) => (
                    typed.compensation,
                    typed.exempt,
                    Some((typed.ty, typed.wanted)),
                ),
                None => (None, false, None),
            };
            Step {
                action: resolved.name,
                pattern: resolved.pattern,
                location: location.clone(),
                target: resolved.target,
                compensation,
                exempt,
                value_type,
                pivot: false,
                retriable: false,
            }
        };
        if params.is_step(method) {
            let Some(arg) = link.args.first() else {
                continue;
            };
            let mut step = new_step(arg);
            if let Some(second) = link.args.get(1) {
                let resolved = resolve_arg(second);
                step.compensation = Some((resolved.name, location.clone(), resolved.target));
            }
            steps.push(step);
        } else if params.is_compensation(method) {
            if let (Some(step), Some(arg)) = (steps.last_mut(), link.args.first()) {
                let resolved = resolve_arg(arg);
                step.compensation = Some((resolved.name, location, resolved.target));
            }
        } else if params.is_pivot(method) {
            match link.args.first() {
                Some(arg) => {
                    let mut step = new_step(arg);
                    step.pivot = true;
                    steps.push(step);
                }
                None => {
                    if let Some(step) = steps.last_mut() {
                        step.pivot = true;
                    }
                }
            }
        } else if params.is_retriable(method) {
            if let Some(step) = steps.last_mut() {
                step.retriable = true;
            }
        }
    }
    steps
}

/// The saga's name when a chain rooted at the call of `path` (written in
/// `module` of `file`, at `span`) builds a saga: the call is a constructor
/// once `use` renames are undone (`use saga::Saga as Workflow;
/// Workflow::builder(…)`), or a function of the crate whose body only
/// returns such a call (`fn order_saga() -> SagaBuilder { Saga::builder(…) }`).
fn builder_start(
    params: &Params,
    facts: &facts::Facts,
    member: usize,
    file: &FileFacts,
    module: usize,
    path: &[Name],
    span: Span,
) -> Option<String> {
    let written = through_uses(file, module, path);
    if params.is_constructor(&written) {
        return Some(saga_name(file, span).unwrap_or_else(|| format!("{} saga", path.join("::"))));
    }
    let (helper_file, helper) = helper(facts, member, path)?;
    let Body::Delegates(inner) = &helper.body else {
        return None;
    };
    if !params.is_constructor(&through_uses(helper_file, helper.module, inner)) {
        return None;
    }
    // The constructor call is the first call of that path after the name.
    let call = helper_file
        .calls
        .iter()
        .filter(|c| !c.method && c.callee == *inner && c.span.start >= helper.span.end)
        .min_by_key(|c| c.span.start);
    let name = call.and_then(|c| saga_name(helper_file, c.span));
    Some(name.unwrap_or_else(|| format!("{} saga", path.join("::"))))
}

/// `path` with its first segment replaced by what a `use` of `module` binds
/// that name to: `Workflow::builder` after `use saga::Saga as Workflow;` is
/// `saga::Saga::builder`.
fn through_uses(file: &FileFacts, module: usize, path: &[Name]) -> Vec<Name> {
    let Some(first) = path.first() else {
        return Vec::new();
    };
    match file
        .uses
        .iter()
        .find(|u| u.module == module && u.binding() == Some(first.as_str()))
    {
        Some(used) => used.segments.iter().chain(&path[1..]).cloned().collect(),
        None => path.to_vec(),
    }
}

/// The function of the crate that a call of `path` calls: a free function
/// (`order_saga`, `sagas::order_saga`), or a method of the named type
/// (`OrderSagas::create`, `Self::create`).
fn helper<'a>(
    facts: &'a facts::Facts,
    member: usize,
    path: &[Name],
) -> Option<(&'a FileFacts, &'a FnFact)> {
    let name = path.last()?;
    let qualifier = path.len().checked_sub(2).map(|i| path[i].as_str());
    let owner_matches = |owner: Option<&str>| match qualifier {
        Some("Self") => owner.is_some(),
        Some(q) if q.starts_with(char::is_uppercase) => owner == Some(q),
        _ => owner.is_none(),
    };
    facts.crates.get(member)?.files.iter().find_map(|file| {
        file.functions
            .iter()
            .find(|f| &f.name == name && owner_matches(f.owner.as_deref()))
            .map(|f| (file, f))
    })
}

/// The first string argument of the constructor call at `span`.
fn saga_name(file: &FileFacts, span: Span) -> Option<String> {
    file.calls
        .iter()
        .find(|c| !c.method && c.span.start == span.start)
        .and_then(|c| {
            c.args
                .iter()
                .find_map(|a| a.literal().map(|(v, _)| v.to_string()))
        })
}

/// `SendWelcomeEmail` → `send_welcome_email`.
fn snake_case(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// Trait sagas: every implementation of a step trait in `member`, except
/// the types a builder saga already uses as steps (`builder_steps`), which
/// are checked there, where the pivot is known.
fn trait_sagas<'a>(
    params: &Params,
    context: &Context<'_>,
    facts: &'a facts::Facts,
    member: usize,
    service: Option<usize>,
    builder_steps: &BTreeSet<&str>,
    reporter: &Reporter<'_>,
) -> (Vec<Saga<'a>>, Vec<Finding>) {
    let mut sagas = Vec::new();
    let mut findings = Vec::new();
    for step_trait in &params.traits {
        let mut saga = Saga {
            name: format!(
                "{} steps of {}",
                step_trait.name, context.workspace.members[member].name
            ),
            dialect: "trait",
            service,
            location: None,
            steps: Vec::new(),
            participants: Vec::new(),
        };
        for file in &facts.crates[member].files {
            for implementation in file
                .impls
                .iter()
                .filter(|i| i.trait_name.as_deref() == Some(step_trait.name.as_str()))
                .filter(|i| !context.skips(file, i.module, i.span))
                .filter(|i| !builder_steps.contains(i.self_type.as_str()))
                // `impl<T: Procedure> Procedure for Box<T>` forwards to
                // whatever step it holds: no step of its own.
                .filter(|i| !matches!(i.self_type.as_str(), "" | "Box" | "Arc" | "Rc"))
            {
                let location = facts::location(file, implementation.span);
                if saga.location.is_none() {
                    saga.location = Some(location.clone());
                }
                let method = |name: &str| {
                    file.functions.iter().find(|f| {
                        f.name == name
                            && f.owner.as_deref() == Some(implementation.self_type.as_str())
                    })
                };
                let action = match method(&step_trait.action) {
                    Some(f) => Target::Function(file, f),
                    None => Target::Opaque(format!(
                        "`{}` uses the trait's default `{}`",
                        implementation.self_type, step_trait.action
                    )),
                };
                let compensation = method(&step_trait.compensation).map(|f| {
                    (
                        format!("{}::{}", implementation.self_type, step_trait.compensation),
                        facts::location(file, f.span),
                        Target::Function(file, f),
                    )
                });
                // Declared forward-recovering (`rollback_supported()` is
                // false, by default or by its body): retried, not undone.
                let declared_compensable = step_trait.compensable.as_deref().is_none_or(|name| {
                    method(name).map_or(step_trait.compensable_default, |f| {
                        f.constant != Some(false)
                    })
                });
                let undoable = declared_compensable
                    && !params.non_compensable(&snake_case(&implementation.self_type));
                if compensation.is_none() && undoable {
                    findings.push(reporter.finding(Violation {
                        message: format!(
                            "saga step `{}` implements `{}` without `{}`: the trait's default runs, so nothing is undone",
                            implementation.self_type, step_trait.name, step_trait.compensation
                        ),
                        label: format!("no `{}` here", step_trait.compensation),
                        help: format!(
                            "implement `{}` for `{}` so that it undoes `{}`; if the step cannot be undone, run it after the pivot",
                            step_trait.compensation, implementation.self_type, step_trait.action
                        ),
                        location: Some(location.clone()),
                        related: Vec::new(),
                        service: names(context, service),
                        krate: Some(context.workspace.members[member].name.clone()),
                        identity: vec![implementation.self_type.to_string(), "missing compensation".into()],
                    }));
                }
                saga.steps.push(Step {
                    action: implementation.self_type.to_string(),
                    pattern: snake_case(&implementation.self_type),
                    location,
                    target: action,
                    compensation,
                    exempt: !undoable,
                    value_type: None,
                    pivot: false,
                    retriable: false,
                });
            }
        }
        if !saga.steps.is_empty() {
            sagas.push(saga);
        }
    }
    (sagas, findings)
}

fn toml_saga<'a>(
    context: &Context<'_>,
    facts: &'a facts::Facts,
    decl: &SagaDecl,
    reporter: &Reporter<'_>,
) -> (Option<Saga<'a>>, Vec<Finding>) {
    let config = context.config_file;
    let at = |span: std::ops::Range<usize>| Location::from_span(&config.name, &config.text, span);
    let mut findings = Vec::new();
    let mut steps = Vec::new();
    let mut services = std::collections::BTreeSet::new();
    let find = |service: usize, name: &str| {
        context.architecture.services[service]
            .crates
            .iter()
            .find_map(|&member| resolve(facts, member, &[Name::new(name)], None))
    };
    let mut missing = |service: usize, name: &toml::Spanned<String>, role: &str| {
        let service_name = &context.architecture.services[service].name;
        findings.push(reporter.finding(Violation {
            message: format!(
                "saga `{}`: {role} `{}` is not a function of service {service_name}",
                decl.name.get_ref(),
                name.get_ref()
            ),
            label: format!("no function `{}` in {service_name}", name.get_ref()),
            help: "fix the name in archfit.toml, or write the function in that service".into(),
            location: Some(at(name.span())),
            related: Vec::new(),
            service: Some(service_name.clone()),
            krate: None,
            identity: vec![
                decl.name.get_ref().clone(),
                name.get_ref().clone(),
                role.into(),
            ],
        }));
    };
    for step in &decl.steps {
        let Some(service) = context.architecture.service_index(step.service.get_ref()) else {
            continue;
        };
        services.insert(service);
        let target = match find(service, step.action.get_ref()) {
            Some((file, func)) => Target::Function(file, func),
            None => {
                missing(service, &step.action, "action");
                Target::Opaque("missing".into())
            }
        };
        let compensation = step.compensation.as_ref().map(|name| {
            let target = match find(service, name.get_ref()) {
                Some((file, func)) => Target::Function(file, func),
                None => {
                    missing(service, name, "compensation");
                    Target::Opaque("missing".into())
                }
            };
            (name.get_ref().clone(), at(name.span()), target)
        });
        steps.push(Step {
            action: step.action.get_ref().clone(),
            pattern: step.action.get_ref().clone(),
            location: at(step.action.span()),
            target,
            compensation,
            exempt: false,
            value_type: None,
            pivot: step.pivot,
            retriable: step.retriable,
        });
    }
    let saga = Saga {
        name: decl.name.get_ref().clone(),
        dialect: "toml",
        service: (services.len() == 1)
            .then(|| services.iter().next().copied())
            .flatten(),
        location: Some(at(decl.name.span())),
        steps,
        participants: services.iter().copied().collect(),
    };
    (Some(saga), findings)
}

/// Why a compensation does nothing, following one level of delegation.
fn stub_reason(facts: &facts::Facts, target: &Target<'_>) -> Option<(String, Option<Location>)> {
    match target {
        Target::Function(file, func) => match &func.body {
            Body::Stub(why) => Some((why.clone(), Some(facts::location(file, func.span)))),
            Body::Delegates(path) => {
                let member = facts
                    .crates
                    .iter()
                    .position(|c| c.files.iter().any(|f| std::ptr::eq(f, *file)))?;
                let (inner_file, inner) = resolve(facts, member, path, func.owner.as_deref())?;
                match &inner.body {
                    Body::Stub(why) => Some((
                        format!("only calls `{}`, which has {why}", inner.name),
                        Some(facts::location(inner_file, inner.span)),
                    )),
                    _ => None,
                }
            }
            Body::Real => None,
        },
        Target::Closure {
            body: Body::Stub(why),
            location,
            ..
        } => Some((why.clone(), Some(location.clone()))),
        _ => None,
    }
}

fn check(
    params: &Params,
    context: &Context<'_>,
    saga: &Saga<'_>,
    summary: &SagaSummary,
    fire_and_forget: bool,
    reporter: &Reporter<'_>,
) -> Vec<Finding> {
    let Some(facts) = context.facts else {
        return Vec::new();
    };
    let mut findings = Vec::new();
    let pivot = saga.steps.iter().position(|s| s.pivot);
    let pivot_related: Vec<Related> = pivot
        .map(|p| Related {
            location: saga.steps[p].location.clone(),
            label: format!("pivot: `{}`", saga.steps[p].action),
        })
        .into_iter()
        .collect();
    let service = names(context, saga.service);
    let violation = |step: &Step<'_>,
                     kind: &str,
                     message: String,
                     label: String,
                     help: String,
                     related: Vec<Related>| Violation {
        message,
        label,
        help,
        location: Some(step.location.clone()),
        related,
        service: service.clone(),
        krate: None,
        identity: vec![saga.name.clone(), step.action.clone(), kind.into()],
    };
    for (index, step) in saga.steps.iter().enumerate() {
        let before_pivot = pivot.is_none_or(|p| index < p);
        let after_pivot = pivot.is_some_and(|p| index > p);
        let undoable = !params.non_compensable(&step.pattern);
        if before_pivot && !undoable {
            if pivot.is_some() {
                findings.push(reporter.finding(violation(
                    step,
                    "non-compensable before pivot",
                    format!("saga `{}`: step `{}` cannot be undone but runs before the pivot", saga.name, step.action),
                    "cannot be undone".into(),
                    format!("move `{}` after the pivot and mark it retriable: if a later step fails, it cannot be taken back", step.action),
                    pivot_related.clone(),
                )));
            }
            continue;
        }
        // A step that declares it is recovered forward (trait dialect:
        // `rollback_supported()` false) needs no working compensation.
        if step.exempt {
            continue;
        }
        if before_pivot && saga.dialect != "trait" {
            match &step.compensation {
                None => findings.push(reporter.finding(violation(
                    step,
                    "missing compensation",
                    format!("saga `{}`: step `{}` comes before the pivot but has no compensation", saga.name, step.action),
                    "no compensation".into(),
                    match &step.value_type {
                        Some((ty, wanted)) => format!(
                            "implement `{wanted}` for `{ty}` so that it undoes the step (or add `.compensate(…)` after it), or move the step after the pivot and make it retriable"
                        ),
                        None => format!(
                            "add a compensation that undoes `{}` (`.compensate(…)` after the step), or move the step after the pivot and make it retriable",
                            step.action
                        ),
                    },
                    pivot_related.clone(),
                ))),
                Some((name, location, target)) => {
                    if let Some((why, defined)) = stub_reason(facts, target) {
                        let mut related = vec![Related {
                            location: defined.unwrap_or_else(|| location.clone()),
                            label: format!("`{name}` has {why}"),
                        }];
                        related.extend(pivot_related.clone());
                        findings.push(reporter.finding(violation(
                            step,
                            "stub compensation",
                            format!("saga `{}`: the compensation `{name}` of step `{}` does nothing ({why})", saga.name, step.action),
                            format!("compensated by `{name}`, which does nothing"),
                            format!("make `{name}` undo what `{}` did; a stub leaves the data inconsistent when a later step fails", step.action),
                            related,
                        )));
                    }
                }
            }
        }
        if saga.dialect == "trait" {
            if let Some((name, _, target)) = &step.compensation {
                if let Some((why, defined)) = stub_reason(facts, target) {
                    findings.push(
                        reporter.finding(violation(
                            step,
                            "stub compensation",
                            format!(
                                "saga step `{}`: its compensation `{name}` does nothing ({why})",
                                step.action
                            ),
                            format!("`{name}` does nothing"),
                            format!("make `{name}` undo what `{}` did", step.action),
                            defined
                                .map(|location| Related {
                                    location,
                                    label: format!("`{name}` has {why}"),
                                })
                                .into_iter()
                                .collect(),
                        )),
                    );
                }
            }
        }
        if after_pivot && !step.retriable {
            findings.push(reporter.finding(violation(
                step,
                "not retriable",
                format!("saga `{}`: step `{}` runs after the pivot but is not marked retriable", saga.name, step.action),
                "not retriable".into(),
                format!(
                    "steps after the pivot cannot be undone and must succeed eventually: make `{}` idempotent and mark it retriable",
                    step.action
                ),
                pivot_related.clone(),
            )));
        }
    }
    if pivot.is_none() && saga.dialect != "trait" {
        if let Some(step) = saga
            .steps
            .iter()
            .find(|s| params.non_compensable(&s.pattern))
        {
            findings.push(reporter.finding(Violation {
                message: format!(
                    "saga `{}` has no pivot but its step `{}` cannot be undone",
                    saga.name, step.action
                ),
                label: "no pivot in this saga".into(),
                help: format!(
                    "mark the step that decides the outcome as the pivot and put `{}` after it, retriable",
                    step.action
                ),
                location: saga.location.clone(),
                related: vec![Related {
                    location: step.location.clone(),
                    label: format!("`{}` cannot be undone", step.action),
                }],
                service: service.clone(),
                krate: None,
                identity: vec![saga.name.clone(), "no pivot".into()],
            }));
        }
    }
    // Async + atomic is a risk where the saga cannot know when a step has
    // taken effect: steps that react to each other's events
    // (choreography), or a step that only publishes a message and returns.
    // An orchestrator that sends a command and waits for the reply knows.
    let risky = summary.coordination == Coordination::Choreography || fire_and_forget;
    if summary.communication == Communication::Async
        && summary.consistency == Consistency::Atomic
        && risky
    {
        let why = if fire_and_forget {
            "a step publishes a message and returns before its effect happens"
        } else {
            "its steps react to each other's messages"
        };
        findings.push(reporter.advisory(Violation {
            message: format!(
                "saga `{}` is a {} ({}, {}, {}): it promises all-or-nothing, but {why}",
                saga.name, summary.class, summary.communication, summary.consistency, summary.coordination
            ),
            label: format!("{} saga", summary.class),
            help: "asynchronous steps complete in any order and at any time, so an atomic outcome needs \
                   distributed locking and timeouts; accept eventual consistency (Parallel/Anthology), wait \
                   for each step's reply before the next, or make the steps synchronous"
                .into(),
            location: saga.location.clone(),
            related: Vec::new(),
            service,
            krate: None,
            identity: vec![saga.name.clone(), "async atomic".into()],
        }));
    }
    findings
}

/// Publishing calls: `send` also sends HTTP requests and channel
/// messages, so only names that can only mean publishing a message count.
fn publish_calls() -> Vec<String> {
    MessagingMethods::default()
        .publish
        .into_iter()
        .filter(|p| p != "send" && p != "send_to")
        .collect()
}

/// The functions of the crate that holds `file`.
fn crate_functions<'a>(
    facts: &'a facts::Facts,
    file: &FileFacts,
) -> impl Iterator<Item = &'a FnFact> + Clone {
    facts
        .crates
        .iter()
        .find(|c| c.files.iter().any(|f| std::ptr::eq(f, file)))
        .into_iter()
        .flat_map(|c| c.files.iter().flat_map(|f| &f.functions))
}

/// Whether `func` publishes a message, itself or through a function of its
/// crate that it calls.
fn publishes<'a>(
    publish: &[String],
    functions: impl Iterator<Item = &'a FnFact> + Clone,
    func: &FnFact,
) -> bool {
    let direct = |f: &FnFact| f.called().any(|c| publish.iter().any(|p| p == c));
    direct(func)
        || functions
            .filter(|f| func.called().any(|c| c == f.name.as_str()))
            .any(direct)
}

/// The saga's class along the three axes of the literature, and whether a
/// step publishes and returns (fire and forget).
fn classify(
    context: &Context<'_>,
    facts: &facts::Facts,
    graph: &[ServiceEdge],
    saga: &Saga<'_>,
) -> (SagaSummary, bool) {
    let publish = publish_calls();
    let mut fire_and_forget = false;
    let mut asynchronous = false;
    for step in &saga.steps {
        let Target::Function(file, func) = &step.target else {
            continue;
        };
        let functions = crate_functions(facts, file);
        if publishes(&publish, functions.clone(), func) {
            fire_and_forget = true;
            asynchronous = true;
        } else if saga.dialect == "toml" {
            // A declared step is often a handler whose dispatcher replies
            // or publishes after calling it (`handle_command` calls
            // `handle_process_payment`, then `send_reply`).
            asynchronous |= functions
                .clone()
                .filter(|f| f.called().any(|c| c == func.name.as_str()))
                .any(|caller| publishes(&publish, functions.clone(), caller));
        }
    }
    let pivot = saga
        .steps
        .iter()
        .position(|s| s.pivot)
        .unwrap_or(saga.steps.len());
    let atomic = saga.steps[..pivot]
        .iter()
        .all(|s| s.compensation.is_some() || s.exempt);
    let choreography = coordination(context, facts, graph, saga) == Coordination::Choreography;
    let class = match (asynchronous, atomic, choreography) {
        (false, true, false) => "Epic Saga",
        (false, true, true) => "Phone Tag Saga",
        (false, false, false) => "Fairy Tale Saga",
        (false, false, true) => "Time Travel Saga",
        (true, true, false) => "Fantasy Fiction Saga",
        (true, true, true) => "Horror Story",
        (true, false, false) => "Parallel Saga",
        (true, false, true) => "Anthology Saga",
    };
    let summary = SagaSummary {
        name: saga.name.clone(),
        dialect: saga.dialect,
        service: names(context, saga.service),
        location: saga.location.clone(),
        steps: saga.steps.len(),
        communication: if asynchronous {
            Communication::Async
        } else {
            Communication::Sync
        },
        consistency: if atomic {
            Consistency::Atomic
        } else {
            Consistency::Eventual
        },
        coordination: if choreography {
            Coordination::Choreography
        } else {
            Coordination::Orchestration
        },
        class,
    };
    (summary, fire_and_forget)
}

/// Orchestration when one service's code drives the steps, choreography
/// when the steps react to each other's messages. A builder or trait saga
/// is run by the code that builds it. A TOML saga over several services is
/// orchestrated when the calls and messages between its services all go
/// through one of them (a star: commands out, replies back), and
/// choreographed when two other services talk to each other (events
/// passed along). When the graph shows nothing between them, a saga
/// coordinator type (`SagaManager`, `OrderOrchestrator`) in exactly one
/// of them says that one drives it; otherwise the steps can only be
/// reacting to each other.
fn coordination(
    context: &Context<'_>,
    facts: &facts::Facts,
    graph: &[ServiceEdge],
    saga: &Saga<'_>,
) -> Coordination {
    let participants = &saga.participants;
    if saga.dialect != "toml" || participants.len() < 2 {
        return Coordination::Orchestration;
    }
    let between: Vec<&ServiceEdge> = graph
        .iter()
        .filter(|e| {
            !e.test_only
                && e.kind != EdgeKind::Crate
                && participants.contains(&e.from)
                && participants.contains(&e.to)
        })
        .collect();
    if !between.is_empty() {
        let hub = participants
            .iter()
            .any(|&h| between.iter().all(|e| e.from == h || e.to == h));
        return if hub {
            Coordination::Orchestration
        } else {
            Coordination::Choreography
        };
    }
    let coordinates = |service: usize| {
        context.architecture.services[service]
            .crates
            .iter()
            .filter_map(|&member| facts.crates.get(member))
            .flat_map(|c| &c.files)
            .any(|file| {
                file.impls.iter().any(|i| {
                    let ty = i.self_type.to_lowercase();
                    !context.skips(file, i.module, i.span)
                        && (ty.contains("saga") || ty.contains("orchestrat"))
                })
            })
    };
    if participants.iter().filter(|&&s| coordinates(s)).count() == 1 {
        Coordination::Orchestration
    } else {
        Coordination::Choreography
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_names_become_snake_case_actions() {
        assert_eq!(snake_case("SendWelcomeEmail"), "send_welcome_email");
        assert_eq!(snake_case("ReserveCredit"), "reserve_credit");
    }

    fn path(p: &str) -> Vec<Name> {
        p.split("::").map(Name::new).collect()
    }

    #[test]
    fn a_renamed_import_is_undone_only_in_its_own_module() {
        let file = facts::test_file(
            "src/lib.rs",
            "mod checkout { use saga::Saga as Workflow; }
mod reports { use crate::jobs::Workflow; }
mod plain {}",
        );
        let module = |name: &str| {
            file.modules
                .iter()
                .position(|m| m.path == [name])
                .expect("module")
        };
        let written = path("Workflow::builder");
        assert_eq!(
            through_uses(&file, module("checkout"), &written),
            path("saga::Saga::builder")
        );
        assert_eq!(
            through_uses(&file, module("reports"), &written),
            path("crate::jobs::Workflow::builder")
        );
        assert_eq!(through_uses(&file, module("plain"), &written), written);
        let params: Params = toml::from_str("").expect("defaults");
        assert!(params.is_constructor(&through_uses(&file, module("checkout"), &written)));
        assert!(!params.is_constructor(&through_uses(&file, module("reports"), &written)));
    }

    #[test]
    fn a_helper_is_a_function_of_the_crate_by_name_and_owner() {
        let file = facts::test_file(
            "src/sagas.rs",
            "fn order_saga() -> B { Saga::builder(\"create-order\") }
impl OrderSagas { fn cancel() -> B { Saga::builder(\"cancel-order\") } }",
        );
        let facts = facts::Facts {
            crates: vec![facts::CrateFacts {
                files: vec![file],
                query_files: Vec::new(),
            }],
            ..facts::Facts::default()
        };
        let name = |p: &str| helper(&facts, 0, &path(p)).map(|(_, f)| f.name);
        assert_eq!(name("order_saga").as_deref(), Some("order_saga"));
        assert_eq!(name("sagas::order_saga").as_deref(), Some("order_saga"));
        assert_eq!(name("OrderSagas::cancel").as_deref(), Some("cancel"));
        assert_eq!(name("Self::cancel").as_deref(), Some("cancel"));
        assert_eq!(name("cancel"), None, "a method is not a free function");
        assert_eq!(name("Other::order_saga"), None);
    }

    #[test]
    fn constructors_match_the_end_of_a_path() {
        let params: Params = toml::from_str("").expect("defaults");
        assert!(params.is_constructor(&["shop_saga".into(), "Saga".into(), "builder".into()]));
        assert!(!params.is_constructor(&["WorkflowBuilder".into(), "new".into()]));
        assert!(params.non_compensable("send_confirmation_email"));
        assert!(!params.non_compensable("reserve_stock"));
    }

    #[test]
    fn constructor_globs_match_the_path_as_written_or_its_last_two_segments() {
        let params: Params =
            toml::from_str("saga_constructors = [\"*Saga::builder\", \"Workflow::start*\"]")
                .expect("params");
        assert!(params.is_constructor(&path("TransactionSaga::builder")));
        assert!(params.is_constructor(&path("procedures::TransactionSaga::builder")));
        assert!(params.is_constructor(&path("engine::Workflow::start_saga")));
        assert!(!params.is_constructor(&path("SagaRunner::builder")));
        assert!(!params.is_constructor(&path("TransactionSaga::new")));
    }

    #[test]
    fn unknown_builders_are_sagas_only_with_a_step_and_a_compensation_or_pivot() {
        let params: Params = toml::from_str("").expect("defaults");
        let chain = |text: &str| {
            let file = facts::test_file("src/lib.rs", text);
            let links = file.chains[0].links.clone();
            params.links_build_a_saga(links.iter())
        };
        assert!(chain(
            "fn f() { SagaRunner::start(\"x\").add_step(reserve).compensate(release); }"
        ));
        assert!(chain(
            "fn f() { Flow::new().step(reserve).step(approve).pivot(); }"
        ));
        assert!(!chain(
            "fn f() { Backoff::builder().step(d).max(m).build(); }"
        ));
        assert!(!chain("fn f() { Range::new(0, 9).step(2).compensate(); }"));
        assert!(!chain("fn f() { Policy::new().compensate(release); }"));
        assert!(!chain(
            "fn f() { RetryPolicy::builder().step(d).retryable(true); }"
        ));
        assert!(chain(
            "fn f() { Flow::new().step(a).compensate_with(b).step(c).retriable(); }"
        ));
    }
}
