//! Graphs the checks share, built once per run.

pub mod coupling;

/// Which graph: of services, of workspace crates, or of the modules of each
/// crate (and, for `graph --level` only, of architecture quanta). One type
/// for a cycles rule's `level`, `graph --level` and the graph view.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, clap::ValueEnum, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
#[schemars(
    description = "Which graph: of services, of workspace crates, or of the modules of each crate."
)]
pub enum Level {
    Service,
    Crate,
    Module,
    /// Services clustered by architecture quantum (`graph` only: no
    /// configuration may name it, so no check's schema lists it).
    #[serde(skip_deserializing)]
    #[schemars(skip)]
    Quantum,
}

pub mod layout;
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

/// A strongly connected set of nodes: one cycle finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Component {
    /// Its nodes, in name order.
    pub members: Vec<usize>,
    /// The shortest cycle through its first member, as indices into the
    /// edges.
    pub cycle: Vec<usize>,
    /// Few node pairs whose edges, once removed, leave the set acyclic.
    pub cut: Vec<Cut>,
}

/// A pair of nodes whose edges a [`Component`] suggests removing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cut {
    pub from: usize,
    pub to: usize,
    /// How many edges join the pair (uses, dependency entries, calls).
    pub uses: usize,
}

/// For every strongly connected set of `edges` over `names.len()` nodes, the
/// shortest cycle through its alphabetically-first node, as indices into
/// `edges`. Each set is reported once; between two nodes the earliest edge
/// in `edges` is used, so callers order edges by preference. A self-edge is
/// never a cycle: it neither joins a set nor shortens the path quoted.
pub fn shortest_cycles(names: &[String], edges: &[(usize, usize)]) -> Vec<Vec<usize>> {
    cycle_components(names, edges, |_| 1)
        .into_iter()
        .map(|c| c.cycle)
        .collect()
}

/// The strongly connected sets of `edges` (see [`shortest_cycles`]), each
/// with its members and the pairs to cut: `cost(edge)` is what removing
/// edge `edge` costs, summed over the edges between a pair. Sets come in
/// the order of their first member's name.
pub fn cycle_components(
    names: &[String],
    edges: &[(usize, usize)],
    cost: impl Fn(usize) -> u64,
) -> Vec<Component> {
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
        let mut members: Vec<usize> = component.iter().map(|n| n.index()).collect();
        members.sort_by(|a, b| names[*a].cmp(&names[*b]).then(a.cmp(b)));
        let set: std::collections::BTreeSet<usize> = members.iter().copied().collect();
        let Some(cycle) = shortest_cycle_from(members[0], &set, edges) else {
            continue;
        };
        out.push(Component {
            cut: component_cut(&members, edges, &cost),
            members,
            cycle,
        });
    }
    out.sort_by(|a, b| names[a.members[0]].cmp(&names[b.members[0]]));
    out
}

/// The pairs to cut inside one strongly connected set `members` (in name
/// order), their edges merged and weighted by `cost`.
fn component_cut(
    members: &[usize],
    edges: &[(usize, usize)],
    cost: impl Fn(usize) -> u64,
) -> Vec<Cut> {
    let positions: std::collections::BTreeMap<usize, usize> =
        members.iter().enumerate().map(|(p, &m)| (m, p)).collect();
    let position = |node: usize| positions.get(&node).copied();
    // (from, to) positions → (cost, uses)
    let mut pairs: std::collections::BTreeMap<(usize, usize), (u64, usize)> =
        std::collections::BTreeMap::new();
    for (index, &(from, to)) in edges.iter().enumerate() {
        if from == to {
            continue;
        }
        if let (Some(f), Some(t)) = (position(from), position(to)) {
            let entry = pairs.entry((f, t)).or_default();
            entry.0 += cost(index);
            entry.1 += 1;
        }
    }
    let weighted: Vec<(usize, usize, u64)> =
        pairs.iter().map(|(&(f, t), &(c, _))| (f, t, c)).collect();
    feedback_arc_set(members.len(), &weighted)
        .into_iter()
        .map(|i| {
            let (f, t, _) = weighted[i];
            Cut {
                from: members[f],
                to: members[t],
                uses: pairs[&(f, t)].1,
            }
        })
        .collect()
}

/// A small set of `edges` (from, to, weight) over nodes `0..nodes` whose
/// removal leaves the graph acyclic, light edges preferred, as indices in
/// `edges` order. Greedy (Eades, Lin and Smyth, weighted): order the nodes
/// by repeatedly taking sinks to the back, sources to the front, and
/// otherwise the node whose outgoing weight most exceeds its incoming
/// weight (ties to the lower index); the edges pointing backwards are the
/// set. Then each cut edge, heaviest first, is put back when it closes no
/// cycle, so no edge of the answer is superfluous. Finding the true minimum
/// is NP-hard; this is the usual approximation.
pub fn feedback_arc_set(nodes: usize, edges: &[(usize, usize, u64)]) -> Vec<usize> {
    let proper: Vec<usize> = (0..edges.len())
        .filter(|&i| edges[i].0 != edges[i].1)
        .collect();
    let mut outgoing = vec![Vec::new(); nodes];
    let mut incoming = vec![Vec::new(); nodes];
    // Live weight and edge count in and out of each node, kept up to date
    // as nodes are placed: linear work per placement.
    let mut weight_out = vec![0u64; nodes];
    let mut weight_in = vec![0u64; nodes];
    let mut count_out = vec![0usize; nodes];
    let mut count_in = vec![0usize; nodes];
    for &i in &proper {
        let (from, to, weight) = edges[i];
        outgoing[from].push(i);
        incoming[to].push(i);
        weight_out[from] += weight;
        weight_in[to] += weight;
        count_out[from] += 1;
        count_in[to] += 1;
    }
    let mut alive = vec![true; nodes];
    let mut front = Vec::new();
    let mut back = Vec::new();
    for _ in 0..nodes {
        let live = (0..nodes).filter(|&n| alive[n]);
        let pick = if let Some(sink) = live.clone().find(|&n| count_out[n] == 0) {
            back.push(sink);
            sink
        } else if let Some(source) = live.clone().find(|&n| count_in[n] == 0) {
            front.push(source);
            source
        } else {
            let delta = |n: usize| i128::from(weight_out[n]) - i128::from(weight_in[n]);
            let mut best = None;
            for n in live {
                if best.is_none_or(|b| delta(n) > delta(b)) {
                    best = Some(n);
                }
            }
            let Some(best) = best else { break };
            front.push(best);
            best
        };
        alive[pick] = false;
        for &i in &outgoing[pick] {
            let (_, to, weight) = edges[i];
            weight_in[to] -= weight;
            count_in[to] -= 1;
        }
        for &i in &incoming[pick] {
            let (from, _, weight) = edges[i];
            weight_out[from] -= weight;
            count_out[from] -= 1;
        }
    }
    back.reverse();
    front.extend(back);
    let greedy = cut_for_order(nodes, edges, &proper, &front);
    // The greedy order can cut a heavy edge where light ones would do (a
    // normal dependency where the dev-dependencies alone close every
    // cycle). When the heavy edges alone form no cycle, their topological
    // order cuts only light edges: take it when it costs less.
    let Some(order) = heavy_topological_order(nodes, edges, &proper) else {
        return greedy;
    };
    let light = cut_for_order(nodes, edges, &proper, &order);
    let cost = |cut: &[usize]| (cut.iter().map(|&i| edges[i].2).sum::<u64>(), cut.len());
    if cost(&light) < cost(&greedy) {
        light
    } else {
        greedy
    }
}

/// The edges pointing backwards in `order` (a permutation of the nodes),
/// then each put back, heaviest first, when it closes no cycle, so no edge
/// of the answer is superfluous.
fn cut_for_order(
    nodes: usize,
    edges: &[(usize, usize, u64)],
    proper: &[usize],
    order: &[usize],
) -> Vec<usize> {
    let mut rank = vec![0; nodes];
    for (position, &node) in order.iter().enumerate() {
        rank[node] = position;
    }
    let mut cut = vec![false; edges.len()];
    for &i in proper {
        cut[i] = rank[edges[i].0] > rank[edges[i].1];
    }
    let mut candidates: Vec<usize> = (0..edges.len()).filter(|&i| cut[i]).collect();
    candidates.sort_by(|a, b| edges[*b].2.cmp(&edges[*a].2).then(a.cmp(b)));
    for candidate in candidates {
        let kept: Vec<(usize, usize)> = proper
            .iter()
            .filter(|&&i| !cut[i])
            .map(|&i| (edges[i].0, edges[i].1))
            .collect();
        let (from, to, _) = edges[candidate];
        if !reaches(nodes, &kept, to, from) {
            cut[candidate] = false;
        }
    }
    (0..edges.len()).filter(|&i| cut[i]).collect()
}

/// A topological order of the edges heavier than the lightest (Kahn's,
/// lowest node first), or `None` when they form a cycle or all weigh the same.
fn heavy_topological_order(
    nodes: usize,
    edges: &[(usize, usize, u64)],
    proper: &[usize],
) -> Option<Vec<usize>> {
    let lightest = proper.iter().map(|&i| edges[i].2).min()?;
    let heavy: Vec<usize> = proper
        .iter()
        .copied()
        .filter(|&i| edges[i].2 > lightest)
        .collect();
    if heavy.is_empty() {
        return None;
    }
    let mut incoming = vec![0usize; nodes];
    let mut outgoing = vec![Vec::new(); nodes];
    for &i in &heavy {
        incoming[edges[i].1] += 1;
        outgoing[edges[i].0].push(edges[i].1);
    }
    let mut ready: std::collections::BTreeSet<usize> =
        (0..nodes).filter(|&n| incoming[n] == 0).collect();
    let mut order = Vec::with_capacity(nodes);
    while let Some(node) = ready.pop_first() {
        order.push(node);
        for &to in &outgoing[node] {
            incoming[to] -= 1;
            if incoming[to] == 0 {
                ready.insert(to);
            }
        }
    }
    (order.len() == nodes).then_some(order)
}

/// Whether `target` can be reached from `start` along `edges`.
fn reaches(nodes: usize, edges: &[(usize, usize)], start: usize, target: usize) -> bool {
    let mut next = vec![Vec::new(); nodes];
    for &(from, to) in edges {
        next[from].push(to);
    }
    let mut seen = vec![false; nodes];
    let mut stack = vec![start];
    while let Some(node) = stack.pop() {
        if node == target {
            return true;
        }
        if !std::mem::replace(&mut seen[node], true) {
            stack.extend(next[node].iter().copied());
        }
    }
    false
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
    fn a_cut_prefers_light_edges_when_they_alone_close_every_cycle() {
        // Crates 0..4: normal dependencies (10) 1 → 3 → 0 and 3 → 2 form
        // no cycle; the dev-dependencies (1) 0 → 1, 0 → 2 and 2 → 1 close
        // them. The greedy order alone cuts the normal 1 → 3; cutting the
        // dev-dependencies 0 → 1 and 2 → 1 costs less.
        let edges = [
            (0, 1, 1),
            (0, 2, 1),
            (1, 3, 10),
            (2, 1, 1),
            (3, 0, 10),
            (3, 2, 10),
        ];
        assert_eq!(feedback_arc_set(4, &edges), vec![0, 3]);
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
    fn a_two_cycle_is_cut_at_one_edge() {
        assert_eq!(feedback_arc_set(2, &[(0, 1, 1), (1, 0, 1)]).len(), 1);
    }

    #[test]
    fn a_three_cycle_is_cut_at_one_edge() {
        let edges = [(0, 1, 1), (1, 2, 1), (2, 0, 1)];
        assert_eq!(feedback_arc_set(3, &edges).len(), 1);
    }

    #[test]
    fn two_cycles_sharing_an_edge_are_cut_at_that_edge() {
        // a → b → a and a → b → c → a share a → b.
        let edges = [(0, 1, 1), (1, 0, 1), (1, 2, 1), (2, 0, 1)];
        assert_eq!(feedback_arc_set(3, &edges), [0]);
    }

    #[test]
    fn the_lighter_edge_is_cut() {
        assert_eq!(feedback_arc_set(2, &[(0, 1, 5), (1, 0, 2)]), [1]);
        assert_eq!(feedback_arc_set(2, &[(0, 1, 2), (1, 0, 5)]), [0]);
        // A heavy edge shared by two cycles costs more than the two light
        // ones that break them separately.
        let edges = [(0, 1, 10), (1, 0, 1), (1, 2, 1), (2, 0, 1)];
        assert_eq!(feedback_arc_set(3, &edges), [1, 3]);
    }

    #[test]
    fn an_acyclic_graph_needs_no_cut() {
        assert!(feedback_arc_set(3, &[(0, 1, 1), (1, 2, 1), (0, 2, 1)]).is_empty());
    }

    #[test]
    fn a_component_lists_its_members_by_name_and_merges_parallel_uses() {
        // pricing ⇄ billing (billing → pricing used twice), plus audit alone.
        let n = names(&["pricing", "billing", "audit"]);
        let edges = [(1, 0), (1, 0), (0, 1), (2, 1)];
        let components = cycle_components(&n, &edges, |_| 1);
        assert_eq!(components.len(), 1);
        assert_eq!(components[0].members, [1, 0]);
        assert_eq!(components[0].cycle, [0, 2]);
        assert_eq!(
            components[0].cut,
            [Cut {
                from: 0,
                to: 1,
                uses: 1
            }]
        );
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
