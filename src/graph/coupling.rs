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

    /// I = Ce / (Ca + Ce); undefined (`None`) for an isolated crate, which
    /// is neither stable (0) nor unstable (1): nothing depends on it and it
    /// depends on nothing.
    pub fn instability(&self) -> Option<f64> {
        let total = self.afferent + self.efferent;
        (total > 0).then(|| self.efferent as f64 / total as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::Coupling;

    #[test]
    fn instability_is_undefined_without_any_coupling() {
        let isolated = Coupling {
            afferent: 0,
            efferent: 0,
        };
        assert_eq!(isolated.instability(), None);
        let leaf = Coupling {
            afferent: 0,
            efferent: 2,
        };
        assert_eq!(leaf.instability(), Some(1.0));
        let core = Coupling {
            afferent: 3,
            efferent: 0,
        };
        assert_eq!(core.instability(), Some(0.0));
    }
}
