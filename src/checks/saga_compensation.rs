#![doc = include_str!("../../docs/checks/saga-compensation.md")]

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Context, Needs, Reporter, Starter, Violation};
use crate::config::SagaDecl;
use crate::facts::Span;
use crate::facts::{self, Body, ChainRoot, FileFacts, FnFact, StepArg};
use crate::finding::{Diagnostic, Finding, Location, Related};
use crate::graph::services::MessagingMethods;
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
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    #[serde(default = "default_constructors")]
    pub saga_constructors: Vec<String>,
    #[serde(default = "default_steps")]
    pub step_methods: Vec<String>,
    #[serde(default = "default_compensations")]
    pub compensation_methods: Vec<String>,
    #[serde(default = "default_pivots")]
    pub pivot_methods: Vec<String>,
    #[serde(default = "default_retriable")]
    pub retriable_methods: Vec<String>,
    #[serde(default = "default_traits")]
    pub traits: Vec<StepTrait>,
    #[serde(default = "default_non_compensable")]
    pub non_compensable: Vec<GlobPattern>,
}

/// A trait whose implementations are saga steps.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepTrait {
    pub name: String,
    pub action: String,
    pub compensation: String,
    /// A method saying whether the step can be undone at all
    /// (`rollback_supported`): a step whose method returns `false` is
    /// recovered forward (retried), not compensated, and needs no
    /// compensation. Without an implementation the trait's default,
    /// `compensable_default`, applies.
    #[serde(default)]
    pub compensable: Option<String>,
    #[serde(default)]
    pub compensable_default: bool,
}

fn default_constructors() -> Vec<String> {
    list(&[
        "Saga::builder",
        "SagaBuilder::new",
        "SagaDefinition::new",
        "Saga::new",
    ])
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
    fn is_constructor(&self, path: &[String]) -> bool {
        self.saga_constructors
            .iter()
            .any(|c| CallName::new(c).matches(path, false))
    }

    fn non_compensable(&self, action: &str) -> bool {
        self.non_compensable.iter().any(|p| p.is_match(action))
    }
}

/// How the steps of a saga talk: by synchronous calls or by messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Communication {
    Sync,
    Async,
}

/// Whether a saga promises all-or-nothing (every step compensated) or only
/// an eventual outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Consistency {
    Atomic,
    Eventual,
}

/// Whether one service drives the saga or the services react to each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SagaSummary {
    pub name: String,
    pub dialect: &'static str,
    pub service: Option<String>,
    #[serde(skip)]
    pub location: Option<Location>,
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
    /// Cannot be undone by design (a trait step named like `send_*`).
    exempt: bool,
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
    services_involved: usize,
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
# Calls that start a builder saga, matched at the end of the path.
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
    params.non_compensable.iter().collect()
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
    for (member, role) in context.architecture.roles.iter().enumerate() {
        let service = match role {
            Role::Excluded => continue,
            Role::Service(service) => Some(*service),
            Role::Shared | Role::Platform | Role::Unclassified => None,
        };
        sagas.extend(builder_sagas(
            params, context, facts, member, service, reporter,
        ));
        let (trait_sagas, trait_findings) =
            trait_sagas(params, context, facts, member, service, reporter);
        sagas.extend(trait_sagas);
        findings.extend(trait_findings);
    }
    for decl in context.sagas {
        let (saga, missing) = toml_saga(context, facts, decl, reporter);
        findings.extend(missing);
        sagas.extend(saga);
    }
    if sagas.is_empty() {
        let traits: Vec<&str> = params.traits.iter().map(|t| t.name.as_str()).collect();
        reporter.rule_warning(
            format!(
                "found no saga, so nothing was checked: no builder chain starts with {}, no type implements {}, \
                 and archfit.toml declares no [[saga]]; set `saga_constructors` or `traits` to the names your \
                 saga library uses",
                params.saga_constructors.join(", "),
                if traits.is_empty() { "a step trait".to_string() } else { traits.join(", ") }
            ),
            None,
        );
    }
    for saga in &sagas {
        findings.extend(check(params, context, saga, reporter));
        reporter.saga(classify(context, saga));
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
    path: &[String],
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
                Some(qualifier.clone())
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

fn target<'a>(
    facts: &'a facts::Facts,
    member: usize,
    file: &'a FileFacts,
    arg: &StepArg,
    self_type: Option<&str>,
) -> (String, Target<'a>) {
    match arg {
        StepArg::Path(path, _) => {
            let name = path.join("::");
            match resolve(facts, member, path, self_type) {
                Some((f, func)) => (name, Target::Function(f, func)),
                None => {
                    let why = if path.len() == 1 {
                        format!("`{name}` is a variable or an imported function, not a function of this crate")
                    } else {
                        format!("`{name}` is not a function of this crate")
                    };
                    (name, Target::Opaque(why))
                }
            }
        }
        StepArg::Closure { body, span, .. } => (
            "closure".into(),
            Target::Closure {
                body: body.clone(),
                location: facts::location(file, *span),
            },
        ),
        StepArg::Literal(text) => (
            text.clone(),
            Target::Opaque(format!("`{text}` is a string, not a function")),
        ),
        StepArg::Other(_) => (
            "expression".into(),
            Target::Opaque("the step is an expression the check cannot follow".into()),
        ),
    }
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
        // Sagas being built, by the variable holding the builder, per function.
        let mut open: BTreeMap<(Option<&str>, &str), usize> = BTreeMap::new();
        // Test code is no saga: a builder in `#[cfg(test)] mod tests` is a
        // mock of one (DESIGN: test code is excluded by default).
        for chain in file
            .chains
            .iter()
            .filter(|c| !context.skips(file, c.module))
        {
            let function = chain.function.as_deref();
            let index = match &chain.root {
                ChainRoot::Call(path, span) => {
                    let Some(name) =
                        builder_start(params, facts, member, file, chain.module, path, *span)
                    else {
                        continue;
                    };
                    sagas.push(Saga {
                        name,
                        dialect: "builder",
                        service,
                        location: Some(facts::location(file, *span)),
                        steps: Vec::new(),
                        services_involved: 1,
                    });
                    sagas.len() - 1
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
            let self_type = file
                .functions
                .iter()
                .find(|f| Some(f.name.as_str()) == function)
                .and_then(|f| f.owner.as_deref());
            let saga = &mut sagas[index];
            for link in &chain.links {
                let method = link.method.as_str();
                let location = facts::location(file, link.span);
                let new_step = |arg: &StepArg| {
                    let (action, target) = target(facts, member, file, arg, self_type);
                    Step {
                        action,
                        location: location.clone(),
                        target,
                        compensation: None,
                        exempt: false,
                        pivot: false,
                        retriable: false,
                    }
                };
                if params.step_methods.iter().any(|m| m == method) {
                    let Some(arg) = link.args.first() else {
                        continue;
                    };
                    let mut step = new_step(arg);
                    if let Some(second) = link.args.get(1) {
                        let (name, target) = target(facts, member, file, second, self_type);
                        step.compensation = Some((name, location.clone(), target));
                    }
                    saga.steps.push(step);
                } else if params.compensation_methods.iter().any(|m| m == method) {
                    if let (Some(step), Some(arg)) = (saga.steps.last_mut(), link.args.first()) {
                        let (name, target) = target(facts, member, file, arg, self_type);
                        step.compensation = Some((name, location, target));
                    }
                } else if params.pivot_methods.iter().any(|m| m == method) {
                    match link.args.first() {
                        Some(arg) => {
                            let mut step = new_step(arg);
                            step.pivot = true;
                            saga.steps.push(step);
                        }
                        None => {
                            if let Some(step) = saga.steps.last_mut() {
                                step.pivot = true;
                            }
                        }
                    }
                } else if params.retriable_methods.iter().any(|m| m == method) {
                    if let Some(step) = saga.steps.last_mut() {
                        step.retriable = true;
                    }
                }
            }
        }
    }
    for saga in &sagas {
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
    path: &[String],
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
fn through_uses(file: &FileFacts, module: usize, path: &[String]) -> Vec<String> {
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
    path: &[String],
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

fn trait_sagas<'a>(
    params: &Params,
    context: &Context<'_>,
    facts: &'a facts::Facts,
    member: usize,
    service: Option<usize>,
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
            services_involved: 1,
        };
        for file in &facts.crates[member].files {
            for implementation in file
                .impls
                .iter()
                .filter(|i| i.trait_name.as_deref() == Some(step_trait.name.as_str()))
                .filter(|i| !context.skips(file, i.module))
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
                        identity: vec![implementation.self_type.clone(), "missing compensation".into()],
                    }));
                }
                saga.steps.push(Step {
                    action: implementation.self_type.clone(),
                    location,
                    target: action,
                    compensation,
                    exempt: !undoable,
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
            .find_map(|&member| resolve(facts, member, &[name.to_string()], None))
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
            location: at(step.action.span()),
            target,
            compensation,
            exempt: false,
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
        services_involved: services.len(),
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
        let undoable = !params.non_compensable(&step.action);
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
                    format!(
                        "add a compensation that undoes `{}` (`.compensate(…)` after the step), or move the step after the pivot and make it retriable",
                        step.action
                    ),
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
            .find(|s| params.non_compensable(&s.action))
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
    let summary = classify(context, saga);
    if summary.communication == Communication::Async && summary.consistency == Consistency::Atomic {
        findings.push(reporter.advisory(Violation {
            message: format!(
                "saga `{}` is a {} ({}, {}, {}): it promises all-or-nothing over messages",
                saga.name, summary.class, summary.communication, summary.consistency, summary.coordination
            ),
            label: format!("{} saga", summary.class),
            help: "asynchronous steps complete in any order and at any time, so an atomic outcome needs \
                   distributed locking and timeouts; accept eventual consistency (Parallel/Anthology) or make \
                   the steps synchronous"
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

/// The saga's class along the three axes of the literature.
fn classify(context: &Context<'_>, saga: &Saga<'_>) -> SagaSummary {
    // `send` also sends HTTP requests and channel messages: only names that
    // can only mean publishing a message count.
    let publish: Vec<String> = MessagingMethods::default()
        .publish
        .into_iter()
        .filter(|p| p != "send" && p != "send_to")
        .collect();
    let publishes = |target: &Target<'_>| match target {
        Target::Function(_, func) => func.calls.iter().any(|c| publish.contains(c)),
        _ => false,
    };
    let asynchronous = saga.steps.iter().any(|s| publishes(&s.target));
    let pivot = saga
        .steps
        .iter()
        .position(|s| s.pivot)
        .unwrap_or(saga.steps.len());
    let atomic = saga.steps[..pivot]
        .iter()
        .all(|s| s.compensation.is_some() || s.exempt);
    let choreography = saga.services_involved > 1;
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
    SagaSummary {
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

    fn path(p: &str) -> Vec<String> {
        p.split("::").map(str::to_string).collect()
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
        let name = |p: &str| helper(&facts, 0, &path(p)).map(|(_, f)| f.name.clone());
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
}
