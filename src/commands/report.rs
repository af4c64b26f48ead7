//! `cargo archfit report --html <dir>`: what the architecture report shows,
//! computed from one run (`archfit::architecture_report`); `report::html`
//! renders it.

use crate::commands::metrics::{self, QuantumRow, Row};
use crate::graph::view::{self, GraphView, Level};
use crate::{facts, Error, Loaded, Outcome};

/// Everything the site is drawn from.
#[derive(Debug, Clone)]
pub struct Report {
    /// The workspace folder's name, for titles.
    pub name: String,
    /// The run, after the baseline and inline suppressions.
    pub outcome: Outcome,
    /// The service graph, each service of a quantum of two or more in its
    /// quantum's group; edges where findings point are highlighted.
    pub graph: GraphView,
    /// Services by name.
    pub services: Vec<ServiceInfo>,
    /// Quanta, largest first (`quantum 1` is the first).
    pub quanta: Vec<QuantumRow>,
    /// Against the baseline, when one was read.
    pub trend: Option<Trend>,
}

/// A service as configured and measured.
#[derive(Debug, Clone)]
pub struct ServiceInfo {
    pub name: String,
    /// Its crates: name and folder.
    pub crates: Vec<(String, String)>,
    /// Tables it declares.
    pub tables: Vec<String>,
    /// Its migration folders.
    pub migrations: Vec<String>,
    pub database: String,
    /// Topic patterns it publishes.
    pub topics: Vec<String>,
    pub hosts: Vec<String>,
    pub grpc: Vec<String>,
    /// Ca, Ce and I of the service.
    pub coupling: Option<Row>,
}

/// Findings against the baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Trend {
    /// Findings the baseline does not hold.
    pub new: usize,
    /// Findings the baseline holds.
    pub remaining: usize,
    /// Findings the baseline recorded that no longer occur.
    pub fixed: usize,
}

/// Gathers the report of a run; `recorded` is the number of findings the
/// baseline held, when one was read.
pub fn compute(
    loaded: &Loaded,
    outcome: Outcome,
    facts: Option<&facts::Facts>,
    recorded: Option<usize>,
) -> Result<Report, Error> {
    let mut graph = view::build(
        &loaded.view_subject(),
        Level::Service,
        None,
        Some(&outcome),
        facts,
    )?;
    let quanta = QuantumRow::rows(&outcome.quanta);
    for node in &mut graph.nodes {
        node.group = quantum_name(&quanta, &node.id);
    }
    let measured = metrics::compute(&loaded.workspace, &loaded.architecture, &loaded.crates);
    let mut services: Vec<ServiceInfo> = loaded
        .architecture
        .services
        .iter()
        .enumerate()
        .map(|(index, service)| ServiceInfo {
            name: service.name.clone(),
            crates: service
                .crates
                .iter()
                .map(|&c| {
                    let member = &loaded.workspace.members[c];
                    (member.name.clone(), member.dir.clone())
                })
                .collect(),
            tables: service.tables.iter().map(|t| t.get_ref().clone()).collect(),
            migrations: loaded
                .migration_dirs
                .iter()
                .filter(|(s, _)| *s == index)
                .map(|(_, dir)| dir.clone())
                .collect(),
            database: service.database.clone(),
            topics: service.topics.iter().map(|t| t.text.clone()).collect(),
            hosts: service.hosts.clone(),
            grpc: service.grpc.clone(),
            coupling: measured
                .services
                .iter()
                .find(|row| row.name == service.name)
                .cloned(),
        })
        .collect();
    services.sort_by(|a, b| a.name.cmp(&b.name));
    let trend = recorded.map(|recorded| Trend {
        new: outcome.findings.len(),
        remaining: outcome.baselined,
        fixed: recorded.saturating_sub(outcome.baselined),
    });
    let name = loaded
        .workspace
        .root
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "workspace".into());
    Ok(Report {
        name,
        quanta,
        outcome,
        graph,
        services,
        trend,
    })
}

/// "quantum 2 (3 services)" for a service in a quantum of two or more,
/// numbered largest first, as `metrics` lists them.
pub fn quantum_name(quanta: &[QuantumRow], service: &str) -> Option<String> {
    let index = quanta
        .iter()
        .position(|q| q.services.iter().any(|s| s == service))?;
    let size = quanta[index].services.len();
    (size > 1).then(|| format!("quantum {} ({size} services)", index + 1))
}
