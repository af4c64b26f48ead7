#![doc = include_str!("../../docs/checks/shared-coupling.md")]

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;

use super::{Context, Needs, Reporter, Starter, Violation};
use crate::checks::service_dependency::default_kinds;
use crate::finding::{Finding, Location, Related};
use crate::graph::coupling::Coupling;
use crate::graph::CrateEdge;
use crate::pattern::GlobPattern;
use crate::workspace::dependency_location;
use crate::workspace::{DepKind, Role};

/// Name used in `check = "…"`.
pub const NAME: &str = "shared-coupling";
/// User documentation, printed by `explain`.
pub const DOC: &str = include_str!("../../docs/checks/shared-coupling.md");
/// One line for listings.
pub const SUMMARY: &str =
    "a non-platform shared crate is used by more than `max_services` services";

/// Parameter names, for error messages.
pub const PARAMETERS: &[&str] = &["max_services", "external", "kinds"];

/// Parameters of a `shared-coupling` rule.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// How many services may use one shared crate. Default: 1.
    #[serde(default = "one")]
    pub max_services: usize,
    /// Name globs of registry crates to treat as shared domain code
    /// (`acme-*`).
    #[serde(default)]
    pub external: Vec<GlobPattern>,
    /// Dependency kinds considered. Default: normal and build; add `dev`
    /// to count test-only use.
    #[serde(default = "default_kinds")]
    pub kinds: Vec<DepKind>,
}

fn one() -> usize {
    1
}

/// How one service reaches a shared crate: the chain of workspace edges, and
/// for registry crates the final manifest entry.
struct Reach {
    chain: Vec<CrateEdge>,
    /// (member, dependency index) of the entry naming a registry crate.
    external_entry: Option<(usize, usize)>,
}

/// What `init` writes for this check: the decision's ADR template and the
/// starter rules (`{adr}` stands for the ADR's file name).
pub const STARTER: Starter = Starter {
    adr_slug: "prefer-duplication-over-coupling",
    adr_template: include_str!("../../rules/adr-templates/prefer-duplication-over-coupling.md"),
    rules: r#"# A shared crate that is not platform code serves at most `max_services` services.
[[rule]]
id = "services-share-no-domain-code"
check = "shared-coupling"
severity = "error"
adr = {adr}
# How many services may use one shared, non-platform crate.
max_services = 1
# Registry crates of your organisation to count as shared code, e.g. ["acme-*"].
external = []
# Dependency kinds considered; add "dev" to count test-only use.
kinds = ["normal", "build"]
"#,
};

/// What the rule reads, so the engine extracts only that.
pub fn needs(_params: &Params) -> Needs {
    Needs {
        sources: false,
        modules: false,
        migrations: false,
    }
}

/// Every glob of the parameters, so invalid ones are reported at their span.
pub fn patterns(params: &Params) -> Vec<&GlobPattern> {
    params.external.iter().collect()
}

/// Service-name globs the rule is limited to; each must name a service.
pub fn service_filters(_params: &Params) -> &[GlobPattern] {
    &[]
}

/// Reports shared crates used by more services than allowed.
pub fn run(params: &Params, context: &Context<'_>, reporter: &Reporter<'_>) -> Vec<Finding> {
    let Context {
        workspace,
        architecture,
        crates,
        ..
    } = context;
    // shared crate (member name or registry crate) → service → how it is reached
    let mut users: BTreeMap<(bool, String), BTreeMap<String, Reach>> = BTreeMap::new();
    for service in &architecture.services {
        // Through excluded crates too: excluding a crate stops it from being
        // checked, not from linking what it depends on into the service.
        let first = service
            .crates
            .iter()
            .flat_map(|&c| crates.reaching(c, &params.kinds));
        let reached = crates.walk(first, &params.kinds, |m| {
            matches!(
                architecture.roles[m],
                Role::Shared | Role::Platform | Role::Unclassified | Role::Excluded
            )
        });
        for (member, chain) in &reached {
            if architecture.roles[*member] == Role::Shared {
                users
                    .entry((false, workspace.members[*member].name.clone()))
                    .or_default()
                    .entry(service.name.clone())
                    .or_insert(Reach {
                        chain: chain.clone(),
                        external_entry: None,
                    });
            }
        }
        if params.external.is_empty() {
            continue;
        }
        // Registry crates named directly by the service's crates or by a
        // non-service crate it reaches.
        let direct = service.crates.iter().map(|&c| (c, Vec::new()));
        let via = reached
            .iter()
            .filter(|(m, _)| !matches!(architecture.roles[*m], Role::Service(_)))
            .map(|(m, chain)| (*m, chain.clone()));
        for (member, chain) in direct.chain(via) {
            let kinds: &[DepKind] = if chain.is_empty() {
                &params.kinds
            } else {
                crate::graph::SHIPPED
            };
            for (index, dep) in workspace.members[member].dependencies.iter().enumerate() {
                if dep.member.is_some() || !kinds.contains(&dep.kind) {
                    continue;
                }
                if params.external.iter().any(|p| p.is_match(&dep.package)) {
                    users
                        .entry((true, dep.package.clone()))
                        .or_default()
                        .entry(service.name.clone())
                        .or_insert(Reach {
                            chain: chain.clone(),
                            external_entry: Some((member, index)),
                        });
                }
            }
        }
    }

    let mut findings = Vec::new();
    for ((external, name), by_service) in &users {
        if by_service.len() <= params.max_services {
            continue;
        }
        findings.push(reporter.finding(violation(context, params, *external, name, by_service)));
    }
    findings
}

fn violation(
    context: &Context<'_>,
    params: &Params,
    external: bool,
    name: &str,
    by_service: &BTreeMap<String, Reach>,
) -> Violation {
    let workspace = context.workspace;
    let services: Vec<&str> = by_service.keys().map(String::as_str).collect();
    // "orders: orders-api → shop-events → shop-domain"
    let describe = |service: &str, reach: &Reach| -> String {
        let first_member = reach
            .chain
            .first()
            .map(|e| e.from)
            .or(reach.external_entry.map(|(m, _)| m));
        let mut steps: Vec<&str> = first_member
            .map(|m| workspace.members[m].name.as_str())
            .into_iter()
            .collect();
        steps.extend(
            reach
                .chain
                .iter()
                .map(|e| workspace.members[e.to].name.as_str()),
        );
        if external {
            steps.push(name);
        }
        format!("{service}: {}", steps.join(" → "))
    };
    let location_of = |reach: &Reach| -> Option<Location> {
        match (reach.chain.first(), reach.external_entry) {
            (Some(edge), _) => dependency_location(workspace, edge.from, edge.dependency),
            (None, Some((member, dep))) => dependency_location(workspace, member, dep),
            (None, None) => None,
        }
    };
    // A direct user names the crate on its own dependency line: anchor
    // there when there is one, not at a hop that names another crate.
    let is_direct = |reach: &Reach| {
        if external {
            reach.chain.is_empty()
        } else {
            reach.chain.len() <= 1
        }
    };
    let (first_service, first_reach) = by_service
        .iter()
        .find(|(_, reach)| is_direct(reach))
        .or_else(|| by_service.iter().next())
        .expect("more than max_services users");
    let related = by_service
        .iter()
        .filter(|(service, _)| *service != first_service)
        .filter_map(|(service, reach)| {
            Some(Related {
                location: location_of(reach)?,
                label: format!("also used by service {}", describe(service, reach)),
            })
        })
        .collect();
    let paths: Vec<String> = by_service.iter().map(|(s, r)| describe(s, r)).collect();
    let (what, coupling) = if external {
        (format!("registry crate `{name}`"), String::new())
    } else {
        let member = workspace.member_by_name(name);
        let coupling = member
            .map(|m| Coupling::of_crate(context.crates, m))
            .map(|c| {
                // A crate used by services has Ca > 0, so I is defined.
                let instability = c.instability().unwrap_or_default();
                format!(
                    " It has Ca = {}, Ce = {}, I = {instability:.2}.",
                    c.afferent, c.efferent,
                )
            })
            .unwrap_or_default();
        (format!("shared crate `{name}`"), coupling)
    };
    let (direct, through): (Vec<&str>, Vec<&str>) =
        services.iter().partition(|s| is_direct(&by_service[**s]));
    let users = match (direct.is_empty(), through.is_empty()) {
        (false, true) => direct.join(", "),
        (true, false) => format!("{} through other crates", through.join(", ")),
        _ => format!(
            "{} directly; {} through other crates",
            direct.join(", "),
            through.join(", ")
        ),
    };
    // The anchor is the first dependency of the chain: name what it names.
    let label = match first_reach.chain.first() {
        Some(first) if !is_direct(first_reach) => format!(
            "service {first_service} reaches `{name}` through `{}` here",
            workspace.members[first.to].name
        ),
        _ => format!("service {first_service} uses `{name}` here"),
    };
    Violation {
        message: format!(
            "{what} is used by {} services ({users}); at most {} allowed",
            services.len(),
            params.max_services
        ),
        label,
        help: format!(
            "reached by {}.{coupling} Give each service its own copy of what it needs (prefer duplication \
             over coupling), or, if `{name}` is operational code (logging, config, metrics), list it \
             under [shared] platform",
            paths.join("; ")
        ),
        location: location_of(first_reach),
        related,
        service: None,
        krate: Some(name.to_string()),
        identity: vec![name.to_string(), if external { "external" } else { "workspace" }.to_string()],
    }
}
