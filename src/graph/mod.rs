//! Graphs the checks share, built once per run.

pub mod modules;

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
/// member `i`; excluded members have no edges.
#[derive(Debug, Clone)]
pub struct CrateGraph {
    pub graph: DiGraph<usize, CrateEdge>,
}

impl CrateGraph {
    /// Builds the graph from every member's dependency declarations.
    pub fn build(workspace: &Workspace, architecture: &Architecture) -> CrateGraph {
        let mut graph = DiGraph::with_capacity(workspace.members.len(), 0);
        for index in 0..workspace.members.len() {
            graph.add_node(index);
        }
        let excluded = |i: usize| architecture.roles.get(i) == Some(&Role::Excluded);
        for (from, member) in workspace.members.iter().enumerate() {
            if excluded(from) {
                continue;
            }
            for (dependency, dep) in member.dependencies.iter().enumerate() {
                let Some(to) = dep.member else { continue };
                if excluded(to) {
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
        CrateGraph { graph }
    }

    /// Dependencies of member `from` whose kind is in `kinds`, in manifest order.
    pub fn dependencies<'a>(
        &'a self,
        from: usize,
        kinds: &'a [DepKind],
    ) -> impl Iterator<Item = CrateEdge> + 'a {
        let mut edges: Vec<CrateEdge> = self
            .graph
            .edges_directed(NodeIndex::new(from), Direction::Outgoing)
            .map(|e| *e.weight())
            .filter(|e| kinds.contains(&e.kind))
            .collect();
        edges.sort_by_key(|e| e.dependency);
        edges.into_iter()
    }

    /// Members that depend on member `to` through an edge of `kinds`.
    pub fn dependents(&self, to: usize, kinds: &[DepKind]) -> Vec<usize> {
        let mut out: Vec<usize> = self
            .graph
            .edges_directed(NodeIndex::new(to), Direction::Incoming)
            .filter(|e| kinds.contains(&e.weight().kind))
            .map(|e| e.weight().from)
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
    /// of `kinds` that also ship (dev-dependencies are not inherited).
    /// Returns each reached member with the shortest chain of edges to it,
    /// in the order reached; ties go to the earlier edge, so the result is
    /// deterministic.
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
                for edge in self.dependencies(member, &onward) {
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
