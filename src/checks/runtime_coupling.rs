#![doc = include_str!("../../docs/checks/runtime-coupling.md")]

use std::collections::BTreeSet;

use schemars::JsonSchema;
use serde::Deserialize;

use super::{Context, Needs, Reporter, Starter, Violation};
use crate::finding::{Finding, Related, Severity};
use crate::graph::services::{self, EdgeKind, MessagingMethods, RuntimeEdge, ServiceEdge};
use crate::pattern::GlobPattern;

/// Name used in `check = "…"`.
pub const NAME: &str = "runtime-coupling";
/// User documentation, printed by `explain`.
pub const DOC: &str = include_str!("../../docs/checks/runtime-coupling.md");
/// One line for listings.
pub const SUMMARY: &str = "calls seen in OpenTelemetry traces (--traces) that no code shows";

/// Parameter names, for error messages.
pub const PARAMETERS: &[&str] = &["report_unseen"];

/// Parameters of a `runtime-coupling` rule.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Also list, as info findings, the edges between services the code
    /// shows but the traces never do (dead or untested coupling).
    #[serde(default)]
    pub report_unseen: bool,
}

/// What `init` writes for this check: the decision's ADR template and the
/// starter rule (`{adr}` stands for the ADR's file name).
pub const STARTER: Starter = Starter {
    adr_slug: "runtime-calls-are-visible-in-code",
    adr_template: include_str!("../../rules/adr-templates/runtime-calls-are-visible-in-code.md"),
    rules: r#"# Calls between services seen in production traces must be visible in code
# (a URL naming a service's `hosts`, a gRPC client, a topic). Runs only with
# `cargo archfit check --traces <OTLP JSON export>`; without it the rule is
# skipped with an info note.
[[rule]]
id = "runtime-calls-are-visible-in-code"
check = "runtime-coupling"
severity = "warn"
adr = {adr}
# Also list the edges the code shows that the traces never do.
report_unseen = false
"#,
};

/// The service graph, from the sources.
pub fn needs(_params: &Params) -> Needs {
    Needs {
        sources: true,
        modules: false,
        migrations: false,
    }
}

/// Every glob of the parameters (none).
pub fn patterns(_params: &Params) -> Vec<&GlobPattern> {
    Vec::new()
}

/// Service-name globs the rule is limited to (none).
pub fn service_filters(_params: &Params) -> &[GlobPattern] {
    &[]
}

/// Compares the runtime edges with the static ones.
pub fn run(params: &Params, context: &Context<'_>, reporter: &Reporter<'_>) -> Vec<Finding> {
    // The engine does not run this rule without `--traces`.
    let Some(runtime) = context.runtime else {
        return Vec::new();
    };
    if runtime.edges.is_empty() {
        reporter.rule_warning(
            format!(
                "the traces ({}) show no call between two declared services, so nothing was \
                 compared: check that their `service.name`s are the services' names or \
                 their `otel_names`, and that they hold CLIENT/SERVER or PRODUCER/CONSUMER spans",
                runtime.files.join(", ")
            ),
            None,
        );
        return Vec::new();
    }
    let all = context
        .memo
        .service_edges(context, &MessagingMethods::default());
    let statics: Vec<&ServiceEdge> = all
        .iter()
        .filter(|e| !matches!(e.kind, EdgeKind::Runtime { .. }))
        .filter(|e| context.include_tests || !e.test_only)
        .collect();
    let mut findings: Vec<Finding> = runtime
        .edges
        .iter()
        .filter(|edge| !explained(edge, &statics))
        .map(|edge| unexplained(edge, runtime, context, reporter))
        .collect();
    if params.report_unseen {
        findings.extend(unseen(&statics, runtime, context, reporter));
    }
    findings
}

/// Whether a static edge accounts for a runtime one.
fn explained(edge: &RuntimeEdge, statics: &[&ServiceEdge]) -> bool {
    statics.iter().any(|s| edge.explained_by(s))
}

/// `1 call`, `12 messages`.
fn count(n: u64, asynchronous: bool) -> String {
    let noun = if asynchronous { "message" } else { "call" };
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

fn unexplained(
    edge: &RuntimeEdge,
    runtime: &services::Runtime,
    context: &Context<'_>,
    reporter: &Reporter<'_>,
) -> Finding {
    let services = &context.architecture.services;
    let (from, to) = (&services[edge.from].name, &services[edge.to].name);
    let how = if edge.asynchronous {
        "sends messages to"
    } else {
        "calls"
    };
    let place = best_place(edge, context);
    let (location, label, where_) = match &place {
        Some(open) => (
            Some(open.location.clone()),
            format!("{from} takes an address from deployment here (`{}`)", open.text),
            format!(
                "; the likeliest place is `{}`, an address {from} is given at deployment that names no declared service",
                open.text
            ),
        ),
        None => (
            runtime.declared.get(edge.from).cloned().flatten(),
            format!("service {from} is declared here"),
            String::new(),
        ),
    };
    let example = &edge.example;
    let via = if example.link {
        "linked from"
    } else {
        "child of"
    };
    let related = vec![Related {
        location: edge.location.clone(),
        label: format!(
            "e.g. span {} of {to}, {via} span {} of {from} in trace {}",
            example.child_span_id, example.parent_span_id, example.trace_id
        ),
    }];
    let visible = if edge.asynchronous {
        "name the topic in the code (a literal or constant the publish and subscribe calls \
         use) and declare it in the `topics` of the service that owns it"
            .to_string()
    } else {
        format!(
            "name the address of {to} in the code of {from} (a URL with one of its `hosts`, \
             its gRPC client), or add the name {from} calls it by to the `hosts` of {to} in \
             archfit.toml"
        )
    };
    reporter.finding(Violation {
        message: format!(
            "service {from} {how} {to} at run time ({} seen in traces), but no code of {from} shows it",
            count(edge.calls, edge.asynchronous)
        ),
        label,
        help: format!(
            "the call is configured outside the code (an address or topic from the environment, \
             a service registry){where_}. Make the coupling visible: {visible}, so the static \
             checks (cycles, quanta) see it; if {from} should not depend on {to}, remove the \
             configuration that points it there"
        ),
        location,
        related,
        service: Some(from.clone()),
        krate: None,
        identity: vec![
            from.clone(),
            to.clone(),
            if edge.asynchronous { "async" } else { "sync" }.into(),
        ],
    })
}

/// The static place in the caller that most likely configures an
/// unexplained call: among the addresses it takes from deployment that name
/// no service, one whose name holds the callee's name or one of its
/// `otel_names` first (an environment variable before a field), else the
/// first by place; for a message only a named one (a broker address says
/// nothing about the consumer).
fn best_place(edge: &RuntimeEdge, context: &Context<'_>) -> Option<services::OpenAddress> {
    let facts = context.facts?;
    let open = services::open_addresses(
        context.architecture,
        facts,
        edge.from,
        context.include_tests,
    );
    let runtime = context.runtime?;
    let callee: Vec<String> = std::iter::once(&context.architecture.services[edge.to].name)
        .chain(runtime.otel_names.get(edge.to).into_iter().flatten())
        .map(|n| normalise(n))
        .collect();
    // Environment variables first: where deployment sets the address.
    let named = open
        .iter()
        .filter(|o| {
            let text = normalise(&o.text);
            callee.iter().any(|c| text.contains(c.as_str()))
        })
        .min_by_key(|o| (!o.variable, &o.location))
        .cloned();
    match named {
        Some(found) => Some(found),
        None if edge.asynchronous => None,
        None => open.into_iter().next(),
    }
}

/// A name as code spells it (`$ORDERS_URL` and `orders-url` alike).
fn normalise(text: &str) -> String {
    crate::graph::services::normalise_name(text.trim_start_matches('$'))
}

/// Static edges between two services that the traces never show, one info
/// finding per pair at the pair's first edge. Crate dependencies are left
/// out: linking a crate makes no call to be seen.
fn unseen(
    statics: &[&ServiceEdge],
    runtime: &services::Runtime,
    context: &Context<'_>,
    reporter: &Reporter<'_>,
) -> Vec<Finding> {
    let seen = |s: &ServiceEdge| runtime.edges.iter().any(|r| r.explained_by(s));
    let names = &context.architecture.services;
    let mut done = BTreeSet::new();
    let mut findings = Vec::new();
    for edge in statics {
        if edge.kind == EdgeKind::Crate || seen(edge) || !done.insert((edge.from, edge.to)) {
            continue;
        }
        let (from, to) = (&names[edge.from].name, &names[edge.to].name);
        let mut finding = reporter.finding(Violation {
            message: format!(
                "{from} → {to} ({}) is in the code but never seen in the traces",
                edge.kind
            ),
            label: format!("{from} → {to} ({}): {}", edge.kind, edge.detail),
            help: format!(
                "no span of {from} has a child span of {to} in {}: the coupling is dead code, \
                 a path the traced traffic did not take, or not instrumented; remove it if it \
                 is dead, or trace a run that takes it",
                runtime.files.join(", ")
            ),
            location: edge.location.clone(),
            related: Vec::new(),
            service: Some(from.clone()),
            krate: None,
            identity: vec![from.clone(), to.clone(), "unseen".into()],
        });
        // Evidence of absence is weak: never more than info.
        finding.severity = Severity::Info;
        findings.push(finding);
    }
    findings
}
