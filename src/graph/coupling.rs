//! Afferent coupling Ca (who depends on me), efferent coupling Ce (whom I
//! depend on) and instability I = Ce / (Ca + Ce): a property of the crate
//! graph, used by the `metrics` command and by `shared-coupling` findings.

use serde::Serialize;

use super::{CrateGraph, SHIPPED};

/// Coupling figures of one crate or service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Coupling {
    pub afferent: usize,
    pub efferent: usize,
}

impl Coupling {
    /// Ca and Ce of member `member` among workspace members.
    pub fn of_crate(graph: &CrateGraph, member: usize) -> Coupling {
        Coupling {
            afferent: graph.dependents(member, SHIPPED).len(),
            efferent: graph.dependees(member, SHIPPED).len(),
        }
    }

    /// I = Ce / (Ca + Ce); 0 for an isolated crate.
    pub fn instability(&self) -> f64 {
        let total = self.afferent + self.efferent;
        if total == 0 {
            0.0
        } else {
            self.efferent as f64 / total as f64
        }
    }
}
