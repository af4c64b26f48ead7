//! Afferent coupling (Ca: who depends on me), efferent coupling (Ce: whom I
//! depend on) and instability I = Ce / (Ca + Ce), per crate and per service.
//! Counted over workspace members and the dependencies that ship (normal and
//! build; dev-dependencies do not couple releases).

use std::collections::BTreeSet;

use serde::Serialize;

use crate::graph::coupling::Coupling;
use crate::graph::{CrateGraph, SHIPPED};
use crate::workspace::{Architecture, Role, Workspace};

/// One row of the metrics report.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub name: String,
    /// Service name, "shared", "platform" or "unclassified" for crates.
    pub role: String,
    pub ca: usize,
    pub ce: usize,
    /// I = Ce / (Ca + Ce), rounded to two decimals; `None` (JSON `null`)
    /// when Ca = Ce = 0, where it is undefined.
    pub instability: Option<f64>,
}

/// Metrics of a whole workspace.
#[derive(Debug, Clone, Serialize)]
pub struct Metrics {
    pub crates: Vec<Row>,
    /// For a service, Ca counts crates outside it that depend on its crates,
    /// Ce crates outside it that its crates depend on.
    pub services: Vec<Row>,
    /// Architecture quanta of a configured workspace (see the `quanta`
    /// check), largest first; empty without services.
    pub quanta: Vec<QuantumRow>,
}

/// One architecture quantum: services bound by synchronous calls or shared
/// data.
#[derive(Debug, Clone, Serialize)]
pub struct QuantumRow {
    /// Number of services.
    pub size: usize,
    /// Its services, sorted by name.
    pub services: Vec<String>,
}

impl QuantumRow {
    /// Rows of `quanta`, largest first, then by their first service.
    pub fn rows(quanta: &[crate::checks::quanta::QuantumSummary]) -> Vec<QuantumRow> {
        let mut rows: Vec<QuantumRow> = quanta
            .iter()
            .map(|q| QuantumRow {
                size: q.services.len(),
                services: q.services.clone(),
            })
            .collect();
        rows.sort_by(|a, b| {
            b.size
                .cmp(&a.size)
                .then_with(|| a.services.cmp(&b.services))
        });
        rows
    }
}

/// Computes every row, sorted by name.
pub fn compute(workspace: &Workspace, architecture: &Architecture, graph: &CrateGraph) -> Metrics {
    let row = |name: String, role: String, c: Coupling| Row {
        name,
        role,
        ca: c.afferent,
        ce: c.efferent,
        instability: c.instability().map(|i| (i * 100.0).round() / 100.0),
    };
    let mut crates = Vec::new();
    for (index, member) in workspace.members.iter().enumerate() {
        let role = match architecture.roles[index] {
            Role::Excluded => continue,
            Role::Service(s) => architecture.services[s].name.clone(),
            Role::Shared => "shared".into(),
            Role::Platform => "platform".into(),
            Role::Unclassified => "unclassified".into(),
        };
        crates.push(row(
            member.name.clone(),
            role,
            Coupling::of_crate(graph, index),
        ));
    }
    let mut services = Vec::new();
    for service in &architecture.services {
        let inside: BTreeSet<usize> = service.crates.iter().copied().collect();
        let outside = |list: Vec<usize>| list.into_iter().filter(|m| !inside.contains(m));
        let afferent: BTreeSet<usize> = service
            .crates
            .iter()
            .flat_map(|&c| outside(graph.dependents(c, SHIPPED)))
            .collect();
        let efferent: BTreeSet<usize> = service
            .crates
            .iter()
            .flat_map(|&c| outside(graph.dependees(c, SHIPPED)))
            .collect();
        let coupling = Coupling {
            afferent: afferent.len(),
            efferent: efferent.len(),
        };
        services.push(row(service.name.clone(), "service".into(), coupling));
    }
    crates.sort_by(|a, b| a.name.cmp(&b.name));
    services.sort_by(|a, b| a.name.cmp(&b.name));
    Metrics {
        crates,
        services,
        quanta: Vec::new(),
    }
}
