#![doc = include_str!("../../docs/checks/service-dependency.md")]

use serde::Deserialize;

use super::{dependency_location, Context, Reporter, Violation};
use crate::finding::{Finding, Related};
use crate::graph::CrateEdge;
use crate::pattern::{any_or_all, GlobPattern};
use crate::workspace::{DepKind, Role};

/// Name used in `check = "…"`.
pub const NAME: &str = "service-dependency";
/// User documentation, printed by `explain`.
pub const DOC: &str = include_str!("../../docs/checks/service-dependency.md");
/// Parameter names, for error messages.
pub const PARAMETERS: &[&str] = &["transitive", "kinds", "allow"];

/// Parameters of a `service-dependency` rule.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    #[serde(default)]
    pub transitive: bool,
    #[serde(default = "default_kinds")]
    pub kinds: Vec<DepKind>,
    #[serde(default)]
    pub allow: Vec<Allow>,
}

/// A dependency between services that the team intends.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Allow {
    pub from: GlobPattern,
    pub to: GlobPattern,
    /// Target crate names the allowance is limited to; empty: any crate.
    #[serde(default)]
    pub crates: Vec<GlobPattern>,
}

/// Normal and build dependencies: what ships with the service.
pub fn default_kinds() -> Vec<DepKind> {
    vec![DepKind::Normal, DepKind::Build]
}

impl Params {
    fn allows(&self, from: &str, to: &str, krate: &str) -> bool {
        self.allow
            .iter()
            .any(|a| a.from.is_match(from) && a.to.is_match(to) && any_or_all(&a.crates, krate))
    }
}

/// Reports dependency entries that reach another service's crates.
pub fn run(params: &Params, context: &Context<'_>, reporter: &Reporter<'_>) -> Vec<Finding> {
    let Context {
        workspace,
        architecture,
        crates,
        ..
    } = context;
    let mut findings = Vec::new();
    for service in &architecture.services {
        for &from in &service.crates {
            // A transitive walk also goes through excluded crates: `exclude`
            // stops a crate from being checked, not from linking what it
            // depends on into its dependents.
            let first = if params.transitive {
                crates.reaching(from, &params.kinds)
            } else {
                crates.dependencies(from, &params.kinds).collect()
            };
            for edge in first {
                let chains = if params.transitive {
                    crates.walk([edge], &params.kinds, |m| {
                        matches!(
                            architecture.roles[m],
                            Role::Shared | Role::Platform | Role::Unclassified | Role::Excluded
                        )
                    })
                } else {
                    vec![(edge.to, vec![edge])]
                };
                for (target, chain) in chains {
                    let Some(owner) = architecture.service_of(target) else {
                        continue;
                    };
                    let target_name = &workspace.members[target].name;
                    if owner.name == service.name
                        || params.allows(&service.name, &owner.name, target_name)
                    {
                        continue;
                    }
                    findings.push(reporter.finding(violation(
                        context,
                        &service.name,
                        &owner.name,
                        &chain,
                    )));
                }
            }
        }
    }
    findings
}

fn violation(
    context: &Context<'_>,
    from_service: &str,
    to_service: &str,
    chain: &[CrateEdge],
) -> Violation {
    let workspace = context.workspace;
    let first = chain[0];
    let last = chain[chain.len() - 1];
    let from = &workspace.members[first.from];
    let dep = &from.dependencies[first.dependency];
    let target = &workspace.members[last.to].name;
    let entry = match (dep.kind, &dep.target) {
        (DepKind::Normal, None) => "depends on".to_string(),
        (DepKind::Normal, Some(cfg)) => format!("depends (on {cfg}) on"),
        (kind, None) => format!("has a {kind}-dependency on"),
        (kind, Some(cfg)) => format!("has a {kind}-dependency (on {cfg}) on"),
    };
    let renamed = if dep.key != dep.package {
        format!(" (as `{}`)", dep.key)
    } else {
        String::new()
    };
    let message = if chain.len() == 1 {
        format!(
            "`{}` (service {from_service}) {entry} `{target}`{renamed}, a crate of service {to_service}",
            from.name
        )
    } else {
        let through: Vec<String> = chain[..chain.len() - 1]
            .iter()
            .map(|e| {
                let name = &workspace.members[e.to].name;
                if context.crates.is_excluded(e.to) {
                    format!("`{name}` (excluded)")
                } else {
                    format!("`{name}`")
                }
            })
            .collect();
        format!(
            "`{}` (service {from_service}) reaches `{target}`, a crate of service {to_service}, through {}",
            from.name,
            through.join(" → ")
        )
    };
    let related = chain[1..]
        .iter()
        .filter_map(|edge| {
            let location = dependency_location(workspace, edge.from, edge.dependency)?;
            Some(Related {
                location,
                label: format!(
                    "`{}` depends on `{}`",
                    workspace.members[edge.from].name, workspace.members[edge.to].name
                ),
            })
        })
        .collect();
    let mut identity = vec![from.name.clone(), target.clone()];
    identity.extend(
        chain
            .iter()
            .skip(1)
            .map(|e| workspace.members[e.from].name.clone()),
    );
    identity.push(dep.kind.as_str().to_string());
    Violation {
        message,
        label: format!("depends on service {to_service}"),
        help: format!(
            "call {to_service} through its API or its published client crate; if this dependency is \
             intended, add `allow = [{{ from = \"{from_service}\", to = \"{to_service}\", crates = [\"{target}\"] }}]` \
             to the rule"
        ),
        location: dependency_location(workspace, first.from, first.dependency),
        related,
        service: Some(from_service.to_string()),
        krate: Some(from.name.clone()),
        identity,
    }
}
