#![doc = include_str!("../../docs/checks/cycles.md")]

use schemars::JsonSchema;
use serde::Deserialize;

use super::{Context, Needs, Reporter, Starter, Violation};
use crate::facts::location;
use crate::finding::{Finding, Location, Related};
use crate::graph::modules::{display, ModPath, ModuleGraph};
use crate::graph::services::{EdgeFamily, MessagingMethods, ServiceEdge};
use crate::graph::{cycle_components, Component, Cut};
use crate::pattern::{any_or_all, GlobPattern};
use crate::workspace::dependency_location;
use crate::workspace::{DepKind, Role};

/// Name used in `check = "…"`.
pub const NAME: &str = "cycles";
/// User documentation, printed by `explain`.
pub const DOC: &str = include_str!("../../docs/checks/cycles.md");
/// One line for listings.
pub const SUMMARY: &str = "cycles between modules, crates or services";

/// Parameter names, for error messages.
pub const PARAMETERS: &[&str] = &[
    "level",
    "crates",
    "kinds",
    "edges",
    "publish_methods",
    "subscribe_methods",
];

/// Parameters of a `cycles` rule.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// The graph: of services, of workspace crates, or of the modules of
    /// each crate.
    pub level: Level,
    /// Module level: package-name globs of the crates to analyse. Default:
    /// every member.
    #[serde(default)]
    pub crates: Vec<GlobPattern>,
    /// Crate level: dependency kinds that make edges. Default: all three.
    #[serde(default = "all_kinds")]
    pub kinds: Vec<DepKind>,
    /// Service level: which kinds of edge count. Default: all of them.
    #[serde(default)]
    pub edges: Option<Vec<EdgeFamily>>,
    /// Service level: calls whose literal argument is a topic being
    /// published. Default: the methods of rdkafka, lapin, async-nats and
    /// similar clients.
    #[serde(default)]
    pub publish_methods: Option<Vec<String>>,
    /// Service level: calls whose literal argument is a topic being
    /// consumed.
    #[serde(default)]
    pub subscribe_methods: Option<Vec<String>>,
}

pub use crate::graph::Level;

fn all_kinds() -> Vec<DepKind> {
    vec![DepKind::Normal, DepKind::Build, DepKind::Dev]
}

impl Params {
    /// Whether the rule needs source facts (module and service levels).
    pub fn needs_sources(&self) -> bool {
        self.level != Level::Crate
    }

    /// Publish/subscribe method names, defaults overridden by the rule.
    pub fn messaging(&self) -> MessagingMethods {
        let defaults = MessagingMethods::default();
        MessagingMethods {
            publish: self.publish_methods.clone().unwrap_or(defaults.publish),
            subscribe: self.subscribe_methods.clone().unwrap_or(defaults.subscribe),
        }
    }
}

/// What `init` writes for this check: the decision's ADR template and the
/// starter rules (`{adr}` stands for the ADR's file name).
pub const STARTER: Starter = Starter {
    adr_slug: "no-cycles-between-services",
    adr_template: include_str!("../../rules/adr-templates/no-cycles-between-services.md"),
    rules: r#"# No cycle between services, through crates, HTTP, gRPC or messages.
[[rule]]
id = "no-cycles-between-services"
check = "cycles"
severity = "error"
adr = {adr}
# The graph: "service", "crate" or "module" (the modules of each crate).
level = "service"
# Which edges count (default: all of them).
# edges = ["crate", "http", "grpc", "client-crate", "event"]
# Calls whose literal argument is a topic being published or consumed
# (defaults fit rdkafka, lapin, async-nats and similar clients).
# publish_methods = ["publish", "send", "produce", "basic_publish", "FutureRecord::to", "xadd"]
# subscribe_methods = ["subscribe", "queue_subscribe", "basic_consume", "consume", "xread"]

# No cycle between workspace crates, dev-dependencies included.
[[rule]]
id = "no-crate-cycles"
check = "cycles"
severity = "error"
adr = {adr}
level = "crate"
# Dependency kinds that make edges (cargo allows a dev-dependency cycle).
kinds = ["normal", "build", "dev"]

# No cycle between the modules of one crate (`use crate::…`, `super::…`):
# two modules that need each other are one module in two files. Limit it
# with `crates = ["orders", "billing-*"]` if only some crates should hold it.
[[rule]]
id = "no-module-cycles"
check = "cycles"
severity = "error"
adr = {adr}
level = "module"
"#,
};

/// What the rule reads, so the engine extracts only that.
pub fn needs(params: &Params) -> Needs {
    Needs {
        sources: params.needs_sources(),
        modules: params.level == Level::Module,
        migrations: false,
    }
}

/// Every glob of the parameters, so invalid ones are reported at their span.
pub fn patterns(params: &Params) -> Vec<&GlobPattern> {
    params.crates.iter().collect()
}

/// Service-name globs the rule is limited to; each must name a service.
pub fn service_filters(_params: &Params) -> &[GlobPattern] {
    &[]
}

/// Reports one finding per strongly connected set at the rule's level.
pub fn run(params: &Params, context: &Context<'_>, reporter: &Reporter<'_>) -> Vec<Finding> {
    match params.level {
        Level::Module => module_cycles(params, context, reporter),
        Level::Crate => crate_cycles(params, context, reporter),
        Level::Service => service_cycles(params, context, reporter),
        // Not deserialisable: no rule has it.
        Level::Quantum => Vec::new(),
    }
}

const HELP: &str = "break the cycle: move what both sides need into a part both may use, or invert one \
                    dependency (an interface owned by the lower part, implemented by the upper one)";

/// Members named in a message before "and N more".
const MAX_LISTED: usize = 10;

/// What a message says about a component beside its quoted cycle `path`:
/// "among 2 crates: a → b → a" when the cycle goes through every member,
/// else "among 4 modules (a, b, c, d); one of its cycles: a → b → a".
fn component_text(component: &Component, names: &[String], noun: &str, path: &str) -> String {
    let count = component.members.len();
    if component.cycle.len() == count {
        return format!("among {count} {noun}s: {path}");
    }
    let mut listed: Vec<&str> = component
        .members
        .iter()
        .take(MAX_LISTED)
        .map(|&m| names[m].as_str())
        .collect();
    let more = count.saturating_sub(MAX_LISTED);
    let more = if more > 0 {
        format!(" and {more} more")
    } else {
        String::new()
    };
    let last = listed.pop().unwrap_or_default();
    let list = if listed.is_empty() {
        last.to_string()
    } else {
        format!("{}, {last}", listed.join(", "))
    };
    format!("among {count} {noun}s ({list}{more}); one of its cycles: {path}")
}

/// "cut `a → b` (2 uses) and `c → d` (1 use)": the suggestion of a
/// component, `weight` saying what joins each pair.
fn suggestion(cut: &[Cut], names: &[String], weight: impl Fn(&Cut) -> String) -> String {
    let mut parts: Vec<String> = cut
        .iter()
        .take(MAX_LISTED)
        .map(|c| format!("`{} → {}` ({})", names[c.from], names[c.to], weight(c)))
        .collect();
    // A tangle that needs dozens of cuts is better named in part than
    // recited in full.
    if cut.len() > MAX_LISTED {
        parts.push(format!("{} more edges", cut.len() - MAX_LISTED));
    }
    match parts.split_last() {
        Some((last, [])) => format!("cut {last}"),
        Some((last, rest)) => format!("cut {} and {last}", rest.join(", ")),
        None => String::new(),
    }
}

fn uses(cut: &Cut) -> String {
    match cut.uses {
        1 => "1 use".to_string(),
        n => format!("{n} uses"),
    }
}

/// Help that starts with the component's suggestion.
fn help_with(suggestion: &str, component: &Component, noun: &str, rest: &str) -> String {
    if suggestion.is_empty() {
        return rest.to_string();
    }
    let count = component.members.len();
    format!("{suggestion} to leave no cycle among these {count} {noun}s; {rest}")
}

fn module_cycles(params: &Params, context: &Context<'_>, reporter: &Reporter<'_>) -> Vec<Finding> {
    let mut findings = Vec::new();
    for graph in context.modules {
        let member = &context.workspace.members[graph.member];
        if !any_or_all(&params.crates, &member.name) {
            continue;
        }
        findings.extend(module_graph_cycles(graph, context, reporter));
    }
    findings
}

fn module_graph_cycles(
    graph: &ModuleGraph,
    context: &Context<'_>,
    reporter: &Reporter<'_>,
) -> Vec<Finding> {
    let Some(facts) = context.facts else {
        return Vec::new();
    };
    let member = &context.workspace.members[graph.member];
    let files = &facts.crates[graph.member].files;
    let nodes: Vec<ModPath> = graph.modules.iter().cloned().collect();
    let names: Vec<String> = nodes.iter().map(|m| display(m)).collect();
    let index = |m: &ModPath| nodes.binary_search(m).ok();
    // Edges already sorted by (from, to, production first, evidence): the
    // first per pair is the earliest production use in the earliest file.
    let kept: Vec<&crate::graph::modules::ModuleEdge> = graph
        .edges
        .iter()
        .filter(|e| context.include_tests || !e.test_only)
        .filter(|e| index(&e.from).is_some() && index(&e.to).is_some())
        .collect();
    let pairs: Vec<(usize, usize)> = kept
        .iter()
        .filter_map(|e| Some((index(&e.from)?, index(&e.to)?)))
        .collect();
    let target = &member.targets[graph.target];
    let where_ = if member
        .targets
        .iter()
        .filter(|t| t.kind != "custom-build")
        .count()
        > 1
    {
        format!("`{}` ({} `{}`)", member.name, target.kind, target.name)
    } else {
        format!("`{}`", member.name)
    };
    let mut findings = Vec::new();
    for component in cycle_components(&names, &pairs, |_| 1) {
        let cycle = &component.cycle;
        let edges: Vec<_> = cycle.iter().map(|&i| kept[i]).collect();
        let tests = super::test_only(edges.iter().any(|e| e.test_only));
        let mut path: Vec<&str> = edges
            .iter()
            .map(|e| names[pairs_index(&nodes, &e.from)].as_str())
            .collect();
        path.push(path[0]);
        let located = |i: usize| {
            let edge = edges[i];
            let file = &files[edge.evidence.file];
            (location(file, edge.evidence.span), edge)
        };
        let (primary, first) = located(0);
        let related = (1..edges.len())
            .map(|i| {
                let (loc, edge) = located(i);
                Related {
                    location: loc,
                    label: format!("{} uses {} here", display(&edge.from), display(&edge.to)),
                }
            })
            .collect();
        let mut identity: Vec<String> = vec![member.name.clone(), target.name.clone()];
        let mut sorted = path[..path.len() - 1].to_vec();
        sorted.sort_unstable();
        identity.extend(sorted.iter().map(|s| s.to_string()));
        let suggestion = suggestion(&component.cut, &names, uses);
        let mut finding = reporter.finding(Violation {
            message: format!(
                "module cycle in {where_} {}{tests}",
                component_text(&component, &names, "module", &path.join(" → "))
            ),
            label: format!("{} uses {} here", display(&first.from), display(&first.to)),
            help: help_with(&suggestion, &component, "module", HELP),
            location: Some(primary),
            related,
            service: context
                .architecture
                .service_of(graph.member)
                .map(|s| s.name.clone()),
            krate: Some(member.name.clone()),
            identity,
        });
        finding.suggestion = Some(suggestion).filter(|s| !s.is_empty());
        findings.push(finding);
    }
    findings
}

fn pairs_index(nodes: &[ModPath], module: &ModPath) -> usize {
    nodes.binary_search(module).unwrap_or(0)
}

fn crate_cycles(params: &Params, context: &Context<'_>, reporter: &Reporter<'_>) -> Vec<Finding> {
    let workspace = context.workspace;
    let names: Vec<String> = workspace.members.iter().map(|m| m.name.clone()).collect();
    let mut edges = Vec::new();
    for (from, _) in workspace.members.iter().enumerate() {
        if context.architecture.roles[from] == Role::Excluded {
            continue;
        }
        edges.extend(context.crates.dependencies(from, &params.kinds));
    }
    let pairs: Vec<(usize, usize)> = edges.iter().map(|e| (e.from, e.to)).collect();
    // A dev-dependency is far cheaper to cut (move the tests that need it)
    // than a normal dependency (restructure the code), and is usually what
    // closes a crate cycle.
    let cost = |i: usize| if edges[i].kind == DepKind::Dev { 1 } else { 10 };
    let mut findings = Vec::new();
    for component in cycle_components(&names, &pairs, cost) {
        let chain: Vec<_> = component.cycle.iter().map(|&i| edges[i]).collect();
        let mut text = names[chain[0].from].clone();
        for edge in &chain {
            let kind = match edge.kind {
                DepKind::Normal => String::new(),
                other => format!(" ({other}-dependency)"),
            };
            text.push_str(&format!(" → {}{kind}", names[edge.to]));
        }
        let label = |e: &crate::graph::CrateEdge| {
            format!("`{}` depends on `{}`", names[e.from], names[e.to])
        };
        let related = chain[1..]
            .iter()
            .filter_map(|e| {
                Some(Related {
                    location: dependency_location(workspace, e.from, e.dependency)?,
                    label: label(e),
                })
            })
            .collect();
        let mut identity: Vec<String> = chain.iter().map(|e| names[e.from].clone()).collect();
        identity.sort_unstable();
        let kinds = |cut: &Cut| {
            let mut kinds: Vec<String> = edges
                .iter()
                .filter(|e| e.from == cut.from && e.to == cut.to)
                .map(|e| match e.kind {
                    DepKind::Normal => "dependency".to_string(),
                    other => format!("{other}-dependency"),
                })
                .collect();
            kinds.sort();
            kinds.dedup();
            kinds.join(", ")
        };
        let suggestion = suggestion(&component.cut, &names, kinds);
        let mut finding = reporter.finding(Violation {
            message: format!("crate cycle {}", component_text(&component, &names, "crate", &text)),
            label: label(&chain[0]),
            help: help_with(&suggestion, &component, "crate", &format!(
                "{HELP}; a dev-dependency cycle makes cargo build the crate twice in tests, so types from the two copies do not match"
            )),
            location: dependency_location(workspace, chain[0].from, chain[0].dependency),
            related,
            service: context.architecture.service_of(chain[0].from).map(|s| s.name.clone()),
            krate: Some(names[chain[0].from].clone()),
            identity,
        });
        finding.suggestion = Some(suggestion).filter(|s| !s.is_empty());
        findings.push(finding);
    }
    findings
}

/// What to do about a service cycle: turning a call into an event is no
/// advice when every edge already is one.
fn service_advice(chain: &[&ServiceEdge]) -> String {
    if chain.iter().all(|e| e.kind.family() == EdgeFamily::Event) {
        "every edge of this cycle is an event, so the services react to each other in a loop: \
         let one service own the conversation (an orchestrator that sends commands and \
         receives replies on its own topics), or move the steps that close the loop into one \
         service"
            .to_string()
    } else {
        format!(
            "{HELP}; between services, replace one direction by an event the other side \
             subscribes to, or move the shared step into one service"
        )
    }
}

/// Services that say how they are reached (hosts, topics, gRPC) but
/// between which no edge was recognised: the rule could find no cycle, which
/// says more about the recognition than about the architecture.
fn warn_on_empty_service_graph(context: &Context<'_>, reporter: &Reporter<'_>) {
    let declared: Vec<&str> = context
        .architecture
        .services
        .iter()
        .filter(|s| !(s.hosts.is_empty() && s.topics.is_empty() && s.grpc.is_empty()))
        .map(|s| s.name.as_str())
        .collect();
    if declared.is_empty() {
        return;
    }
    let who = match declared.as_slice() {
        [one] => format!("service {one} declares"),
        many => format!("services {} declare", many.join(", ")),
    };
    reporter.rule_warning(
        format!(
            "the service graph has no edge although {who} hosts, topics or gRPC services: no call, \
             client, publish or subscribe between services was recognised, so no cycle could be found. \
             Edges come from URL literals and CLI-argument defaults naming a service's `hosts`, generated clients \
             (`…Client`) of a service's `grpc` names and the types, functions and traits of any \
             crate that hold, return or use them, `…Client` types of another service's \
             crates, another service's client crates (`<service>_client`), fields and environment \
             variables named for a service's address (`auth_uri`, `ACCOUNTS_URL`), client types named \
             for a service (`PricingClient`), and publish or subscribe calls (`publish_methods`, \
             `subscribe_methods`) naming a topic another service declares; URLs and topics that \
             are only known at run time (configuration, environment) cannot be seen"
        ),
        None,
    );
}

fn service_cycles(params: &Params, context: &Context<'_>, reporter: &Reporter<'_>) -> Vec<Finding> {
    let architecture = context.architecture;
    let all = context.memo.service_edges(context, &params.messaging());
    let wanted = |edge: &ServiceEdge| {
        (context.include_tests || !edge.test_only)
            && match &params.edges {
                None => true,
                Some(families) => families.contains(&edge.kind.family()),
            }
    };
    let edges: Vec<&ServiceEdge> = all.iter().filter(|e| wanted(e)).collect();
    if edges.is_empty() {
        warn_on_empty_service_graph(context, reporter);
    }
    let names: Vec<String> = architecture
        .services
        .iter()
        .map(|s| s.name.clone())
        .collect();
    let pairs: Vec<(usize, usize)> = edges.iter().map(|e| (e.from, e.to)).collect();
    let mut findings = Vec::new();
    for component in cycle_components(&names, &pairs, |_| 1) {
        let chain: Vec<&ServiceEdge> = component.cycle.iter().map(|&i| edges[i]).collect();
        let mut text = names[chain[0].from].clone();
        for edge in &chain {
            text.push_str(&format!(" -[{}]-> {}", edge.kind, names[edge.to]));
        }
        let label = |e: &ServiceEdge| {
            format!(
                "{} → {} ({}): {}",
                names[e.from], names[e.to], e.kind, e.detail
            )
        };
        let related = chain[1..]
            .iter()
            .filter_map(|e| {
                Some(Related {
                    location: e.location.clone()?,
                    label: label(e),
                })
            })
            .collect();
        let mut identity: Vec<String> = chain.iter().map(|e| names[e.from].clone()).collect();
        identity.sort_unstable();
        let primary: Option<Location> = chain[0].location.clone();
        let suggestion = suggestion(&component.cut, &names, uses);
        let mut finding = reporter.finding(Violation {
            message: format!(
                "service cycle {}{}",
                component_text(&component, &names, "service", &text),
                super::test_only(chain.iter().any(|e| e.test_only))
            ),
            label: label(chain[0]),
            help: help_with(&suggestion, &component, "service", &service_advice(&chain)),
            location: primary,
            related,
            service: Some(names[chain[0].from].clone()),
            krate: None,
            identity,
        });
        finding.suggestion = Some(suggestion).filter(|s| !s.is_empty());
        findings.push(finding);
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_suggestion_joins_its_cuts_in_a_sentence() {
        let n = names(&["billing", "pricing", "plans", "invoicing"]);
        let cut = |from, to, uses| Cut { from, to, uses };
        assert_eq!(
            suggestion(&[cut(1, 0, 1)], &n, uses),
            "cut `pricing → billing` (1 use)"
        );
        assert_eq!(
            suggestion(&[cut(1, 0, 1), cut(2, 3, 4), cut(3, 0, 2)], &n, uses),
            "cut `pricing → billing` (1 use), `plans → invoicing` (4 uses) and `invoicing → billing` (2 uses)"
        );
        assert_eq!(suggestion(&[], &n, uses), "");
        let many: Vec<Cut> = (0..12).map(|_| cut(0, 1, 1)).collect();
        let text = suggestion(&many, &n, uses);
        assert_eq!(text.matches("`billing → pricing`").count(), 10, "{text}");
        assert!(text.ends_with(" and 2 more edges"), "{text}");
    }

    #[test]
    fn a_component_text_lists_members_only_when_the_cycle_misses_some() {
        let n = names(&["a", "b", "c"]);
        let whole = Component {
            members: vec![0, 1],
            cycle: vec![0, 1],
            cut: Vec::new(),
        };
        assert_eq!(
            component_text(&whole, &n, "crate", "a → b → a"),
            "among 2 crates: a → b → a"
        );
        let part = Component {
            members: vec![0, 1, 2],
            cycle: vec![0, 1],
            cut: Vec::new(),
        };
        assert_eq!(
            component_text(&part, &n, "service", "a → b → a"),
            "among 3 services (a, b, c); one of its cycles: a → b → a"
        );
    }
}
