//! The graph a level's checks see, as plain nodes and edges for
//! `cargo archfit graph`. Rendering lives in `report::graph`.

use std::collections::BTreeSet;

use serde::Serialize;

use super::modules::{self, display};
use super::services::{self, MessagingMethods};
use super::{shortest_cycles, CrateGraph};
use crate::facts::{self, Facts};
use crate::workspace::dependency_location;
use crate::workspace::{Architecture, Workspace};
use crate::workspace::{DepKind, Role};
use crate::{Error, Location, Outcome};

pub use super::Level;

/// A node: a service, a crate or a module.
#[derive(Debug, Clone, Serialize)]
pub struct Node {
    pub id: String,
    pub label: String,
    /// Service (or `shared`, `platform`, …) the node belongs to.
    pub group: Option<String>,
}

/// A dependency between two nodes.
#[derive(Debug, Clone, Serialize)]
pub struct Edge {
    pub from: String,
    pub to: String,
    /// `normal`/`build`/`dev`, `crate`/`http`/`grpc`/`client-crate`/`event`,
    /// or `use`.
    pub kind: String,
    pub label: String,
    #[serde(skip)]
    pub location: Option<Location>,
    /// Part of a cycle, or the place of a finding.
    pub highlighted: bool,
}

/// Nodes and edges of one level.
#[derive(Debug, Clone, Serialize)]
pub struct GraphView {
    pub level: &'static str,
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
}

/// What a graph view is drawn from: the loaded workspace's parts (the
/// model stage hands them over; the graph layer knows no model).
pub struct Subject<'a> {
    pub workspace: &'a Workspace,
    pub architecture: &'a Architecture,
    pub crates: &'a CrateGraph,
    /// Calls seen in trace exports (`--traces`), drawn dashed.
    pub runtime: Option<&'a services::Runtime>,
}

/// Builds the graph at `level` (for modules, of crate `only` or of every
/// crate) and highlights cycle edges and edges where `outcome` has findings.
pub fn build(
    loaded: &Subject<'_>,
    level: Level,
    only: Option<&str>,
    outcome: Option<&Outcome>,
    facts: Option<&facts::Facts>,
) -> Result<GraphView, Error> {
    let workspace = loaded.workspace;
    let architecture = loaded.architecture;
    // The run's facts when it kept them (each file parsed once per
    // command); extracted here only for callers that ran no rules.
    let extracted: std::sync::OnceLock<facts::Facts> = std::sync::OnceLock::new();
    let facts = || -> &facts::Facts {
        match facts {
            Some(facts) => facts,
            None => extracted
                .get_or_init(|| facts::extract(workspace, architecture, facts::Limits::default())),
        }
    };
    let group = |member: usize| -> Option<String> {
        match architecture.roles[member] {
            Role::Service(s) => Some(architecture.services[s].name.clone()),
            Role::Shared => Some("shared".into()),
            Role::Platform => Some("platform".into()),
            Role::Unclassified => Some("unclassified".into()),
            Role::Excluded => None,
        }
    };
    let mut view =
        match level {
            Level::Crate => crate_view(loaded, &group),
            Level::Service => service_view(loaded, facts()),
            Level::Quantum => quantum_view(loaded, outcome),
            Level::Module => {
                let member =
                    match only {
                        Some(name) => Some(workspace.member_by_name(name).ok_or_else(|| {
                            Error::Workspace {
                                message: format!(
                                    "--crate {name}: no workspace member has this name"
                                ),
                                help: format!(
                                    "members: {}",
                                    workspace
                                        .members
                                        .iter()
                                        .map(|m| m.name.as_str())
                                        .collect::<Vec<_>>()
                                        .join(", ")
                                ),
                            }
                        })?),
                        None => None,
                    };
                module_view(loaded, facts(), member, &group)
            }
        };
    highlight_cycles(&mut view);
    if let Some(outcome) = outcome {
        let places: BTreeSet<(&str, usize)> = outcome
            .findings
            .iter()
            .flat_map(|f| {
                f.location
                    .iter()
                    .chain(f.related.iter().map(|r| &r.location))
            })
            .map(|l| (l.file.as_str(), l.line))
            .collect();
        for edge in &mut view.edges {
            if let Some(l) = &edge.location {
                if places.contains(&(l.file.as_str(), l.line)) {
                    edge.highlighted = true;
                }
            }
        }
    }
    Ok(view)
}

fn crate_view(loaded: &Subject<'_>, group: &dyn Fn(usize) -> Option<String>) -> GraphView {
    let workspace = loaded.workspace;
    let crates: &CrateGraph = loaded.crates;
    let mut nodes = Vec::new();
    let mut edges = Vec::new();
    for (index, member) in workspace.members.iter().enumerate() {
        if group(index).is_none() {
            continue;
        }
        nodes.push(Node {
            id: member.name.clone(),
            label: member.name.clone(),
            group: group(index),
        });
        for edge in crates.dependencies(index, &[DepKind::Normal, DepKind::Build, DepKind::Dev]) {
            edges.push(Edge {
                from: member.name.clone(),
                to: workspace.members[edge.to].name.clone(),
                kind: edge.kind.as_str().into(),
                label: match edge.kind {
                    DepKind::Normal => String::new(),
                    other => other.as_str().into(),
                },
                location: dependency_location(workspace, index, edge.dependency),
                highlighted: false,
            });
        }
    }
    GraphView {
        level: "crate",
        nodes,
        edges,
    }
}

/// Services clustered by the quanta the run's `quanta` rule found, with
/// the joins between them; a service the run placed in no quantum stands
/// alone.
fn quantum_view(loaded: &Subject<'_>, outcome: Option<&Outcome>) -> GraphView {
    let quanta = outcome.map_or(&[][..], |o| &o.quanta[..]);
    let cluster = |name: &str| {
        quanta
            .iter()
            .position(|q| q.services.iter().any(|s| s == name))
            .map(|i| {
                let size = quanta[i].services.len();
                let noun = if size == 1 { "service" } else { "services" };
                format!("quantum {} ({size} {noun})", i + 1)
            })
    };
    let nodes = loaded
        .architecture
        .services
        .iter()
        .map(|s| Node {
            id: s.name.clone(),
            label: s.name.clone(),
            group: cluster(&s.name),
        })
        .collect();
    let edges = quanta
        .iter()
        .flat_map(|q| &q.joins)
        .map(|join| Edge {
            from: join.from.clone(),
            to: join.to.clone(),
            kind: join.kind.to_string(),
            label: join.kind.to_string(),
            location: join.location.clone(),
            highlighted: false,
        })
        .collect();
    GraphView {
        level: "quantum",
        nodes,
        edges,
    }
}

fn service_view(loaded: &Subject<'_>, facts: &Facts) -> GraphView {
    let architecture = loaded.architecture;
    let all = services::build(
        loaded.workspace,
        architecture,
        loaded.crates,
        Some(facts),
        &MessagingMethods::default(),
    );
    let nodes = architecture
        .services
        .iter()
        .map(|s| Node {
            id: s.name.clone(),
            label: s.name.clone(),
            group: None,
        })
        .collect();
    let mut seen = BTreeSet::new();
    let mut edges = Vec::new();
    // The graph the checks see: what the traces add to the code's edges.
    let runtime = loaded
        .runtime
        .map(|r| services::runtime_additions(&all, r))
        .unwrap_or_default();
    // The architecture as it ships: edges only test code makes are left out.
    for edge in all.into_iter().chain(runtime).filter(|e| !e.test_only) {
        // One edge per pair and kind; the first place stands for the rest.
        if !seen.insert((edge.from, edge.to, edge.kind.to_string())) {
            continue;
        }
        edges.push(Edge {
            from: architecture.services[edge.from].name.clone(),
            to: architecture.services[edge.to].name.clone(),
            kind: edge.kind.family().as_str().into(),
            label: edge.kind.to_string(),
            location: edge.location,
            highlighted: false,
        });
    }
    GraphView {
        level: "service",
        nodes,
        edges,
    }
}

fn module_view(
    loaded: &Subject<'_>,
    facts: &Facts,
    only: Option<usize>,
    group: &dyn Fn(usize) -> Option<String>,
) -> GraphView {
    let workspace = loaded.workspace;
    let mut nodes = Vec::new();
    let mut edges = Vec::new();
    for (index, member) in workspace.members.iter().enumerate() {
        if only.is_some_and(|o| o != index) || group(index).is_none() {
            continue;
        }
        for graph in modules::build(index, member, &facts.crates[index]) {
            let target = &member.targets[graph.target];
            let prefix = if target.kind == "bin" && member.targets.iter().any(|t| t.kind == "lib") {
                format!("{}[bin {}]", member.name, target.name)
            } else {
                member.name.clone()
            };
            let id = |m: &[facts::Name]| format!("{prefix}::{}", display(m));
            for module in &graph.modules {
                nodes.push(Node {
                    id: id(module),
                    label: display(module),
                    group: Some(prefix.clone()),
                });
            }
            let mut seen = BTreeSet::new();
            for edge in graph.edges.iter().filter(|e| !e.test_only) {
                if !seen.insert((&edge.from, &edge.to)) {
                    continue;
                }
                let file = &facts.crates[index].files[edge.evidence.file];
                edges.push(Edge {
                    from: id(&edge.from),
                    to: id(&edge.to),
                    kind: "use".into(),
                    label: String::new(),
                    location: Some(facts::location(file, edge.evidence.span)),
                    highlighted: false,
                });
            }
        }
    }
    GraphView {
        level: "module",
        nodes,
        edges,
    }
}

/// Marks the edges of the shortest cycle of every strongly connected set.
fn highlight_cycles(view: &mut GraphView) {
    let names: Vec<String> = view.nodes.iter().map(|n| n.id.clone()).collect();
    let index = |id: &str| names.iter().position(|n| n == id);
    let mut pairs = Vec::new();
    let mut kept = Vec::new();
    for (i, edge) in view.edges.iter().enumerate() {
        if let (Some(a), Some(b)) = (index(&edge.from), index(&edge.to)) {
            pairs.push((a, b));
            kept.push(i);
        }
    }
    for cycle in shortest_cycles(&names, &pairs) {
        for edge in cycle {
            view.edges[kept[edge]].highlighted = true;
        }
    }
}
