#![doc = include_str!("../../docs/checks/layers.md")]

use std::collections::{BTreeSet, HashMap};

use schemars::JsonSchema;
use serde::Deserialize;

use super::{Context, Needs, Reporter, Starter, Violation};
use crate::facts::{location, Name};
use crate::finding::Finding;
use crate::graph::modules::{display, ModuleGraph};
use crate::pattern::{any_or_all, GlobPattern};

/// Name used in `check = "…"`.
pub const NAME: &str = "layers";
/// User documentation, printed by `explain`.
pub const DOC: &str = include_str!("../../docs/checks/layers.md");
/// One line for listings.
pub const SUMMARY: &str = "a module depends on a layer above it or on a forbidden crate";

/// Parameter names, for error messages.
pub const PARAMETERS: &[&str] = &["services", "layers"];

/// Parameters of a `layers` rule.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Service-name globs the rule applies to. Default: every service.
    #[serde(default)]
    pub services: Vec<GlobPattern>,
    /// The layers, outermost first: a module may use its own layer and
    /// those below it.
    pub layers: Vec<Layer>,
}

/// One layer: the modules in it and the crates it must not use.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Layer {
    /// The layer's name, as findings show it.
    pub name: String,
    /// Module-path globs of its modules (`domain`, `domain::*`).
    pub modules: Vec<GlobPattern>,
    /// Crates its modules must not use.
    #[serde(default)]
    pub forbidden_crates: Vec<String>,
}

impl Params {
    /// Index of the layer holding `module` (`a::b`), if any.
    fn layer_of(&self, module: &str) -> Option<usize> {
        self.layers
            .iter()
            .position(|l| l.modules.iter().any(|p| p.is_match(module)))
    }
}

/// What `init` writes for this check: the decision's ADR template and the
/// starter rules (`{adr}` stands for the ADR's file name).
pub const STARTER: Starter = Starter {
    adr_slug: "layers-inside-services",
    adr_template: include_str!("../../rules/adr-templates/layers-inside-services.md"),
    rules: r#"# Modules inside a service depend only on inner layers. Layer names and
# module paths are specific to each project, so this rule starts "off":
# adapt the layers below to your services, then raise its severity.
[[rule]]
id = "layers-inside-services"
check = "layers"
severity = "off"
adr = {adr}
# Service-name globs the rule applies to (default: every service).
# services = ["orders"]
# Outermost first: a layer may use the layers after it, never those before.
# `modules` are module-path globs relative to the crate root;
# `forbidden_crates` are external crates the layer must not use.
layers = [
  { name = "adapters", modules = ["http", "http::*", "db", "db::*"] },
  { name = "application", modules = ["app", "app::*"] },
  { name = "domain", modules = ["domain", "domain::*"], forbidden_crates = ["sqlx", "axum", "reqwest"] },
]
# A classic layered service instead:
# layers = [
#   { name = "api", modules = ["api", "api::*"] },
#   { name = "service", modules = ["service", "service::*"] },
#   { name = "repository", modules = ["repository", "repository::*"] },
#   { name = "model", modules = ["model", "model::*"], forbidden_crates = ["sqlx", "axum"] },
# ]
"#,
};

/// What the rule reads, so the engine extracts only that.
pub fn needs(_params: &Params) -> Needs {
    Needs {
        sources: true,
        modules: true,
        migrations: false,
    }
}

/// Every glob of the parameters, so invalid ones are reported at their span.
pub fn patterns(params: &Params) -> Vec<&GlobPattern> {
    params
        .services
        .iter()
        .chain(params.layers.iter().flat_map(|l| &l.modules))
        .collect()
}

/// Service-name globs the rule is limited to; each must name a service.
pub fn service_filters(params: &Params) -> &[GlobPattern] {
    &params.services
}

/// Reports uses of outer layers and of forbidden crates.
pub fn run(params: &Params, context: &Context<'_>, reporter: &Reporter<'_>) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut examined = Vec::new();
    // Each module path's layer once: crates share their module names
    // (`handlers`, `db::queries`), and a crate has thousands of edges.
    let mut layers = HashMap::new();
    for graph in context.modules {
        let Some(service) = context.architecture.service_of(graph.member) else {
            continue;
        };
        if !any_or_all(&params.services, &service.name) {
            continue;
        }
        examined.push(graph);
        findings.extend(check_graph(
            params,
            graph,
            &service.name,
            context,
            reporter,
            &mut layers,
        ));
    }
    warn_on_empty_layers(params, &examined, reporter);
    findings
}

/// A layer whose patterns match no module of any examined crate constrains
/// nothing (a typo such as `domian`, or a module renamed since): say so
/// rather than pass.
fn warn_on_empty_layers(params: &Params, examined: &[&ModuleGraph], reporter: &Reporter<'_>) {
    let first_pattern = |layer: &Layer| layer.modules.first().map(|p| p.span.clone());
    if examined.is_empty() {
        reporter.rule_warning(
            "no module was examined: no crate of the selected services has source files".into(),
            None,
        );
        return;
    }
    // Crates share module names: spell out each distinct path once.
    let distinct: std::collections::HashSet<&[Name]> = examined
        .iter()
        .flat_map(|graph| graph.modules.iter().map(Vec::as_slice))
        .collect();
    let modules: BTreeSet<String> = distinct.into_iter().map(display).collect();
    for layer in &params.layers {
        let matched = modules
            .iter()
            .any(|m| layer.modules.iter().any(|p| p.is_match(m)));
        if matched {
            continue;
        }
        let patterns: Vec<&str> = layer.modules.iter().map(|p| p.text.as_str()).collect();
        let mut known: Vec<&str> = modules
            .iter()
            .map(String::as_str)
            .filter(|m| *m != "crate" && !m.contains("::"))
            .collect();
        known.dedup();
        let shown = if known.len() > 12 {
            format!("{}, …", known[..12].join(", "))
        } else {
            known.join(", ")
        };
        reporter.rule_warning(
            format!(
                "layer `{}` ({}) matches no module, so nothing is checked against it; top-level modules: {}",
                layer.name,
                patterns.join(", "),
                if shown.is_empty() { "none" } else { &shown }
            ),
            first_pattern(layer),
        );
    }
}

fn check_graph(
    params: &Params,
    graph: &ModuleGraph,
    service: &str,
    context: &Context<'_>,
    reporter: &Reporter<'_>,
    layers: &mut HashMap<Vec<Name>, Option<usize>>,
) -> Vec<Finding> {
    let Some(facts) = context.facts else {
        return Vec::new();
    };
    let member = &context.workspace.members[graph.member];
    let files = &facts.crates[graph.member].files;
    let mut seen = BTreeSet::new();
    let mut findings = Vec::new();
    // Edges are sorted by (module pair, evidence): the first seen per pair is
    // the first use.
    let mut edges: Vec<_> = graph
        .edges
        .iter()
        .filter(|e| context.include_tests || !e.test_only)
        .collect();
    edges.sort_by(|a, b| {
        (&a.user, &a.used, a.test_only, &a.evidence).cmp(&(
            &b.user,
            &b.used,
            b.test_only,
            &b.evidence,
        ))
    });
    let mut layer_of = |path: &[Name]| -> Option<usize> {
        if let Some(&layer) = layers.get(path) {
            return layer;
        }
        let layer = params.layer_of(&display(path));
        layers.insert(path.to_vec(), layer);
        layer
    };
    for edge in edges {
        let (Some(from), Some(to)) = (layer_of(&edge.user), layer_of(&edge.used)) else {
            continue;
        };
        if to >= from {
            continue;
        }
        let (user, used) = (display(&edge.user), display(&edge.used));
        if !seen.insert((user.clone(), used.clone())) {
            continue;
        }
        let (inner, outer) = (&params.layers[from].name, &params.layers[to].name);
        findings.push(reporter.finding(Violation {
            message: format!(
                "`{user}` (layer {inner}) uses `{used}` (layer {outer}): a layer may only use the layers below it{}",
                super::test_only(edge.test_only)
            ),
            label: format!(
                "{inner} uses {outer} here: {}",
                edge.evidence.span.text(files[edge.evidence.file].text.get())
            ),
            help: format!(
                "invert the dependency: let {inner} own an interface (a trait) that {outer} implements, or move \
                 the code into the layer that needs it"
            ),
            location: Some(location(&files[edge.evidence.file], edge.evidence.span)),
            related: Vec::new(),
            service: Some(service.to_string()),
            krate: Some(member.name.clone()),
            identity: vec![member.name.clone(), user, used],
        }));
    }
    for external in graph
        .external
        .iter()
        .filter(|e| context.include_tests || !e.test_only)
    {
        let module = display(&external.module);
        let Some(layer) = params.layer_of(&module).map(|i| &params.layers[i]) else {
            continue;
        };
        let forbidden = layer
            .forbidden_crates
            .iter()
            .any(|c| c.replace('-', "_") == external.krate);
        if !forbidden || !seen.insert((module.clone(), format!("crate {}", external.krate))) {
            continue;
        }
        findings.push(reporter.finding(Violation {
            message: format!(
                "`{module}` (layer {}) uses crate `{}`, which layer {} may not use",
                layer.name, external.krate, layer.name
            ),
            label: format!("uses {} here", external.krate),
            help: format!(
                "keep {} in an outer layer (an adapter) and give layer {} a plain type or a trait to depend on",
                external.krate, layer.name
            ),
            location: Some(location(&files[external.evidence.file], external.evidence.span)),
            related: Vec::new(),
            service: Some(service.to_string()),
            krate: Some(member.name.clone()),
            identity: vec![member.name.clone(), module, external.krate.clone()],
        }));
    }
    findings
}
