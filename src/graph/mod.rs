//! Graphs the checks share, built once per run.

pub mod coupling;

/// Which graph: of services, of workspace crates, or of the modules of each
/// crate. One type for a cycles rule's `level`, `graph --level` and the
/// graph view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Service,
    Crate,
    Module,
}

pub mod modules;
pub mod services;
pub mod view;

use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::Direction;

use crate::workspace::{Architecture, DepKind, Role, Workspace};

/// An edge of the crate graph: member `from` declares dependency
/// `dependency` (an index into its `dependencies`) on member `to`.
#[derive(Debug, Clone, Copy)]
pub struct CrateEdge {
    pub from: usize,
    pub to: usize,
    pub dependency: usize,
    pub kind: DepKind,
}

/// Workspace members and their path dependencies on each other. Node `i` is
/// member `i`. Edges of excluded members are kept, but only walks see them
/// (see [`CrateGraph::walk`]): an excluded crate is not checked, yet a
/// dependency through it still reaches what it depends on.
#[derive(Debug, Clone)]
pub struct CrateGraph {
    pub graph: DiGraph<usize, CrateEdge>,
    /// Indexed like the members: removed by `exclude`.
    excluded: Vec<bool>,
}

impl CrateGraph {
    /// Builds the graph from every member's dependency declarations.
    pub fn build(workspace: &Workspace, architecture: &Architecture) -> CrateGraph {
        let mut graph = DiGraph::with_capacity(workspace.members.len(), 0);
        for index in 0..workspace.members.len() {
            graph.add_node(index);
        }
        let excluded = (0..workspace.members.len())
            .map(|i| architecture.roles.get(i) == Some(&Role::Excluded))
            .collect();
        for (from, member) in workspace.members.iter().enumerate() {
            for (dependency, dep) in member.dependencies.iter().enumerate() {
                let Some(to) = dep.member else { continue };
                // A crate's dev-dependency on itself (`foo = { path = ".",
                // features = ["test-util"] }`) only turns features on for
                // its own tests: no coupling, and never a cycle.
                if to == from {
                    continue;
                }
                graph.add_edge(
                    NodeIndex::new(from),
                    NodeIndex::new(to),
                    CrateEdge {
                        from,
                        to,
                        dependency,
                        kind: dep.kind,
                    },
                );
            }
        }
        CrateGraph { graph, excluded }
    }

    /// Whether member `index` is removed by `exclude`.
    pub fn is_excluded(&self, index: usize) -> bool {
        self.excluded.get(index).copied().unwrap_or(false)
    }

    /// Dependencies of member `from` whose kind is in `kinds`, in manifest
    /// order; none from or to an excluded member.
    pub fn dependencies<'a>(
        &'a self,
        from: usize,
        kinds: &'a [DepKind],
    ) -> impl Iterator<Item = CrateEdge> + 'a {
        let mut edges = self.reaching(from, kinds);
        edges.retain(|e| !self.is_excluded(e.from) && !self.is_excluded(e.to));
        edges.into_iter()
    }

    /// Dependencies of member `from` whose kind is in `kinds`, in manifest
    /// order, excluded members included: the edges a walk follows.
    pub fn reaching(&self, from: usize, kinds: &[DepKind]) -> Vec<CrateEdge> {
        let mut edges: Vec<CrateEdge> = self
            .graph
            .edges_directed(NodeIndex::new(from), Direction::Outgoing)
            .map(|e| *e.weight())
            .filter(|e| kinds.contains(&e.kind))
            .collect();
        edges.sort_by_key(|e| e.dependency);
        edges
    }

    /// Members that depend on member `to` through an edge of `kinds`
    /// (excluded members neither depend nor are depended on).
    pub fn dependents(&self, to: usize, kinds: &[DepKind]) -> Vec<usize> {
        if self.is_excluded(to) {
            return Vec::new();
        }
        let mut out: Vec<usize> = self
            .graph
            .edges_directed(NodeIndex::new(to), Direction::Incoming)
            .filter(|e| kinds.contains(&e.weight().kind))
            .map(|e| e.weight().from)
            .filter(|&from| !self.is_excluded(from))
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Members that member `from` depends on through an edge of `kinds`.
    pub fn dependees(&self, from: usize, kinds: &[DepKind]) -> Vec<usize> {
        let mut out: Vec<usize> = self.dependencies(from, kinds).map(|e| e.to).collect();
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// Kinds that make a dependency part of what ships: dev-dependencies are
/// never inherited by dependents, so chains only continue through these.
pub const SHIPPED: &[DepKind] = &[DepKind::Normal, DepKind::Build];

impl CrateGraph {
    /// Breadth-first walk that starts with the edges `first` and continues
    /// from a reached member only when `through(member)` holds, along edges
    /// of `kinds` that also ship (dev-dependencies are not inherited),
    /// edges of excluded members included. Returns each reached member with
    /// the shortest chain of edges to it, in the order reached; ties go to
    /// the earlier edge, so the result is deterministic.
    pub fn walk(
        &self,
        first: impl IntoIterator<Item = CrateEdge>,
        kinds: &[DepKind],
        through: impl Fn(usize) -> bool,
    ) -> Vec<(usize, Vec<CrateEdge>)> {
        let onward: Vec<DepKind> = kinds
            .iter()
            .copied()
            .filter(|k| SHIPPED.contains(k))
            .collect();
        let mut seen = vec![false; self.graph.node_count()];
        let mut reached: Vec<(usize, Vec<CrateEdge>)> = Vec::new();
        let mut queue = std::collections::VecDeque::new();
        for edge in first {
            if !seen[edge.to] {
                seen[edge.to] = true;
                queue.push_back((edge.to, vec![edge]));
            }
        }
        while let Some((member, path)) = queue.pop_front() {
            if through(member) {
                for edge in self.reaching(member, &onward) {
                    if !seen[edge.to] {
                        seen[edge.to] = true;
                        let mut next = path.clone();
                        next.push(edge);
                        queue.push_back((edge.to, next));
                    }
                }
            }
            reached.push((member, path));
        }
        reached
    }
}

/// For every strongly connected set of `edges` over `names.len()` nodes, the
/// shortest cycle through its alphabetically-first node, as indices into
/// `edges`. Each set is reported once; between two nodes the earliest edge
/// in `edges` is used, so callers order edges by preference. A self-edge is
/// never a cycle: it neither joins a set nor shortens the path quoted.
pub fn shortest_cycles(names: &[String], edges: &[(usize, usize)]) -> Vec<Vec<usize>> {
    let mut graph: DiGraph<usize, usize> = DiGraph::with_capacity(names.len(), edges.len());
    for index in 0..names.len() {
        graph.add_node(index);
    }
    for (index, &(from, to)) in edges.iter().enumerate() {
        if from != to {
            graph.add_edge(NodeIndex::new(from), NodeIndex::new(to), index);
        }
    }
    let mut out = Vec::new();
    for component in petgraph::algo::tarjan_scc(&graph) {
        if component.len() < 2 {
            continue;
        }
        let members: std::collections::BTreeSet<usize> =
            component.iter().map(|n| n.index()).collect();
        let Some(&start) = members.iter().min_by(|a, b| names[**a].cmp(&names[**b])) else {
            continue;
        };
        if let Some(cycle) = shortest_cycle_from(start, &members, edges) {
            out.push(cycle);
        }
    }
    out.sort_by(|a, b| {
        let key = |c: &Vec<usize>| names[edges[c[0]].0].clone();
        key(a).cmp(&key(b))
    });
    out
}

/// Breadth-first search from `start` back to `start` inside `members`.
fn shortest_cycle_from(
    start: usize,
    members: &std::collections::BTreeSet<usize>,
    edges: &[(usize, usize)],
) -> Option<Vec<usize>> {
    let mut outgoing: std::collections::BTreeMap<usize, Vec<usize>> =
        std::collections::BTreeMap::new();
    for (index, &(from, to)) in edges.iter().enumerate() {
        if from != to && members.contains(&from) && members.contains(&to) {
            outgoing.entry(from).or_default().push(index);
        }
    }
    // predecessor edge of each reached node
    let mut via: std::collections::BTreeMap<usize, usize> = std::collections::BTreeMap::new();
    let mut queue = std::collections::VecDeque::from([start]);
    while let Some(node) = queue.pop_front() {
        for &edge in outgoing.get(&node).map(Vec::as_slice).unwrap_or_default() {
            let next = edges[edge].1;
            if next == start {
                let mut cycle = vec![edge];
                let mut at = node;
                while at != start {
                    let back = via[&at];
                    cycle.push(back);
                    at = edges[back].0;
                }
                cycle.reverse();
                return Some(cycle);
            }
            if let std::collections::btree_map::Entry::Vacant(slot) = via.entry(next) {
                slot.insert(edge);
                queue.push_back(next);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn each_strongly_connected_set_gives_one_shortest_cycle_from_its_first_name() {
        // b → c → a → b and a long way round a → d → b; e alone.
        let n = names(&["b", "c", "a", "d", "e"]);
        let edges = [(0, 1), (1, 2), (2, 0), (2, 3), (3, 0), (4, 0)];
        let cycles = shortest_cycles(&n, &edges);
        assert_eq!(cycles.len(), 1);
        // starts at "a" (index 2): a → b → c → a
        assert_eq!(cycles[0], vec![2, 0, 1]);
    }

    #[test]
    fn acyclic_graph_has_no_cycle() {
        let n = names(&["a", "b", "c"]);
        assert!(shortest_cycles(&n, &[(0, 1), (1, 2), (0, 2)]).is_empty());
    }

    #[test]
    fn two_separate_cycles_are_both_reported() {
        let n = names(&["a", "b", "c", "d"]);
        let cycles = shortest_cycles(&n, &[(0, 1), (1, 0), (2, 3), (3, 2)]);
        assert_eq!(cycles, vec![vec![0, 1], vec![2, 3]]);
    }

    /// accounts → xtask (excluded) → ledger-testkit; accounts ⇢ (dev) audit-tool (excluded).
    fn through_excluded() -> CrateGraph {
        let architecture = Architecture {
            services: Vec::new(),
            roles: vec![
                Role::Service(0),
                Role::Excluded,
                Role::Service(1),
                Role::Excluded,
            ],
        };
        CrateGraph::build(&through_excluded_workspace(), &architecture)
    }

    fn through_excluded_workspace() -> Workspace {
        use crate::workspace::{Dependency, Member};
        let dep = |to: usize, kind: DepKind| Dependency {
            package: String::new(),
            key: String::new(),
            kind,
            target: None,
            member: Some(to),
            span: None,
        };
        let member = |name: &str, dependencies: Vec<Dependency>| Member {
            name: name.into(),
            dir: name.into(),
            manifest_path: format!("{name}/Cargo.toml"),
            manifest_text: "".into(),
            name_span: None,
            targets: Vec::new(),
            dependencies,
            declared_service: None,
        };
        Workspace {
            root: "/ws".into(),
            root_manifest: "".into(),
            members: vec![
                member(
                    "accounts",
                    vec![dep(1, DepKind::Normal), dep(3, DepKind::Dev)],
                ),
                member("xtask", vec![dep(2, DepKind::Normal)]),
                member("ledger-testkit", Vec::new()),
                member("audit-tool", vec![dep(2, DepKind::Normal)]),
            ],
        }
    }

    #[test]
    fn excluded_members_have_no_direct_edges_but_walks_go_through_them() {
        let graph = through_excluded();
        assert_eq!(graph.dependencies(0, SHIPPED).count(), 0);
        assert!(graph.dependents(2, SHIPPED).is_empty());
        let reached = graph.walk(graph.reaching(0, SHIPPED), SHIPPED, |m| {
            graph.is_excluded(m)
        });
        let members: Vec<usize> = reached.iter().map(|(m, _)| *m).collect();
        assert_eq!(members, [1, 2]);
        assert_eq!(reached[1].1.len(), 2, "accounts → xtask → ledger-testkit");
    }

    #[test]
    fn a_walk_starting_with_shipped_kinds_skips_a_dev_only_excluded_tool() {
        let graph = through_excluded();
        let reached = graph.walk(graph.reaching(0, SHIPPED), SHIPPED, |m| {
            graph.is_excluded(m)
        });
        assert!(reached.iter().all(|(m, _)| *m != 3), "{reached:?}");
    }

    #[test]
    fn a_self_edge_is_no_cycle_and_does_not_hide_the_real_one() {
        let n = names(&["ledger", "ledger-testkit"]);
        assert!(shortest_cycles(&n, &[(0, 0)]).is_empty());
        // The self-edge comes first, yet the cycle quoted is the real one.
        assert_eq!(
            shortest_cycles(&n, &[(0, 0), (0, 1), (1, 0)]),
            vec![vec![1, 2]]
        );
    }

    #[test]
    fn a_dev_dependency_on_itself_is_no_edge_of_the_crate_graph() {
        let mut workspace = through_excluded_workspace();
        workspace.members[0].dependencies[1].member = Some(0);
        let architecture = Architecture {
            services: Vec::new(),
            roles: vec![Role::Service(0); 4],
        };
        let graph = CrateGraph::build(&workspace, &architecture);
        let all = [DepKind::Normal, DepKind::Build, DepKind::Dev];
        assert_eq!(graph.dependees(0, &all), [1]);
        assert!(!graph.dependents(0, &all).contains(&0));
    }

    #[test]
    fn the_earliest_parallel_edge_is_used() {
        let n = names(&["a", "b"]);
        assert_eq!(
            shortest_cycles(&n, &[(0, 1), (0, 1), (1, 0)]),
            vec![vec![0, 2]]
        );
    }
}
