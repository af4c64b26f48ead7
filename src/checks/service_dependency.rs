#![doc = include_str!("../../docs/checks/service-dependency.md")]

use schemars::JsonSchema;
use serde::Deserialize;

use super::{Context, Needs, Reporter, Starter, Violation};
use crate::facts::SharedFile;
use crate::finding::{Finding, Location, Related};
use crate::graph::CrateEdge;
use crate::pattern::{any_or_all, GlobPattern};
use crate::workspace::dependency_location;
use crate::workspace::{DepKind, Role};

/// Name used in `check = "…"`.
pub const NAME: &str = "service-dependency";
/// User documentation, printed by `explain`.
pub const DOC: &str = include_str!("../../docs/checks/service-dependency.md");
/// One line for listings.
pub const SUMMARY: &str = "a service's crate depends on a crate owned by another service";

/// Parameter names, for error messages.
pub const PARAMETERS: &[&str] = &["transitive", "kinds", "allow"];

/// Parameters of a `service-dependency` rule.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Also report services reached through crates of no service.
    #[serde(default)]
    pub transitive: bool,
    /// Dependency kinds considered. Default: normal and build; add `dev`
    /// to include dev-dependencies.
    #[serde(default = "default_kinds")]
    pub kinds: Vec<DepKind>,
    /// Dependencies between services that are intended.
    #[serde(default)]
    pub allow: Vec<Allow>,
}

/// A dependency between services that the team intends.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Allow {
    /// Service-name glob of the depending service.
    pub from: GlobPattern,
    /// Service-name glob of the service depended on.
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

/// What `init` writes for this check: the decision's ADR template and the
/// starter rules (`{adr}` stands for the ADR's file name).
pub const STARTER: Starter = Starter {
    adr_slug: "services-do-not-depend-on-each-others-crates",
    adr_template: include_str!(
        "../../rules/adr-templates/services-do-not-depend-on-each-others-crates.md"
    ),
    rules: r#"# A service's crates do not depend on another service's crates.
[[rule]]
id = "services-do-not-depend-on-services"
check = "service-dependency"
severity = "error"
adr = {adr}
# Also report services reached through shared, platform or unclassified crates.
transitive = false
# Dependency kinds considered: "normal", "build", "dev".
kinds = ["normal", "build"]
# Intended dependencies: `from` and `to` are service-name globs, `crates`
# (optional) limits the allowance to these crate-name globs of `to`.
{allow}
"#,
};

/// What the rule reads, so the engine extracts only that: manifests. Files
/// shared through `#[path]` are checked from the module trees when another
/// rule has the sources read; parsing every file for them alone would make
/// a manifest-only run ten times slower.
pub fn needs(_params: &Params) -> Needs {
    Needs {
        sources: false,
        modules: false,
        migrations: false,
    }
}

/// Every glob of the parameters, so invalid ones are reported at their span.
pub fn patterns(params: &Params) -> Vec<&GlobPattern> {
    params
        .allow
        .iter()
        .flat_map(|a| [&a.from, &a.to].into_iter().chain(&a.crates))
        .collect()
}

/// Service-name globs the rule is limited to; each must name a service.
pub fn service_filters(_params: &Params) -> &[GlobPattern] {
    &[]
}

/// Reports dependency entries that reach another service's crates, and
/// files of one service compiled by another through `#[path]`.
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
    if let Some(facts) = context.facts {
        for shared in &facts.shared_files {
            findings.extend(
                shared_file_violations(params, context, shared)
                    .into_iter()
                    .map(|v| reporter.finding(v)),
            );
        }
    } else {
        reporter.diagnostic(crate::Diagnostic {
            severity: crate::Severity::Info,
            message: format!(
                "rule `{}`: no rule reads sources, so files that crates of two services share through #[path] were not looked for",
                reporter.rule_id()
            ),
            file: None,
            location: None,
        });
    }
    findings
}

/// A file that crates of two services both compile (`#[path]` into another
/// crate's folder) is domain code shared across services, like a
/// dependency on that crate. The file belongs to the claimant whose folder
/// holds it; every claimant of another service is reported at its
/// declaration. A file in no claimant's folder (nor a platform crate's)
/// belongs to no service: every service claimant is reported when more than
/// one service compiles it.
fn shared_file_violations(
    params: &Params,
    context: &Context<'_>,
    shared: &SharedFile,
) -> Vec<Violation> {
    let Context {
        workspace,
        architecture,
        ..
    } = context;
    let claims: Vec<(usize, &Location)> = shared
        .claimed_by
        .iter()
        .copied()
        .zip(&shared.declared_at)
        .collect();
    let services: std::collections::BTreeSet<&str> = claims
        .iter()
        .filter_map(|(m, _)| architecture.service_of(*m).map(|s| s.name.as_str()))
        .collect();
    if services.len() < 2 {
        return Vec::new();
    }
    let inside = |dir: &str| dir.is_empty() || shared.path.starts_with(&format!("{dir}/"));
    let home = claims
        .iter()
        .filter(|(m, _)| inside(&workspace.members[*m].dir))
        .max_by_key(|(m, _)| workspace.members[*m].dir.len())
        .copied();
    if home.is_some_and(|(m, _)| architecture.roles[m] == Role::Platform) {
        // Operational code (logging, config) may be shared.
        return Vec::new();
    }
    let owner = home.and_then(|(m, _)| architecture.service_of(m));
    let mut out = Vec::new();
    for &(member, declared) in &claims {
        let Some(service) = architecture.service_of(member) else {
            continue;
        };
        let from = &workspace.members[member];
        // A crate root shared through `[lib] path = "…"` is declared in Cargo.toml.
        let how = if declared.file.ends_with("Cargo.toml") {
            "through a target `path` in its Cargo.toml"
        } else {
            "through #[path]"
        };
        let (message, label, help, others) = match owner {
            Some(owner) if owner.name == service.name => continue,
            Some(owner) => (
                format!(
                    "`{}` (service {}) compiles {}, a file of service {}, {how}",
                    from.name, service.name, shared.path, owner.name
                ),
                format!("compiles a file of service {}", owner.name),
                format!(
                    "a file belongs to one crate: call {} through its API or published client instead of \
                     compiling its code, or move the code into a shared crate (where shared-coupling checks it)",
                    owner.name
                ),
                vec![owner.name.clone()],
            ),
            None => {
                let others: Vec<String> = services
                    .iter()
                    .filter(|s| **s != service.name)
                    .map(|s| s.to_string())
                    .collect();
                (
                    format!(
                        "`{}` (service {}) compiles {} {how}, and so does service {}: domain code shared between services",
                        from.name,
                        service.name,
                        shared.path,
                        others.join(" and service ")
                    ),
                    "compiles a file other services compile too".to_string(),
                    "give the code one owner: duplicate it, or move it into a shared crate that the services \
                     depend on (where shared-coupling checks it)"
                        .to_string(),
                    others,
                )
            }
        };
        let home_crate = home.map_or("", |(m, _)| workspace.members[m].name.as_str());
        if others
            .iter()
            .all(|other| params.allows(&service.name, other, home_crate))
        {
            continue;
        }
        let related = claims
            .iter()
            .filter(|(m, _)| *m != member)
            .map(|(m, location)| Related {
                location: (*location).clone(),
                label: format!("also compiled by `{}`", workspace.members[*m].name),
            })
            .collect();
        out.push(Violation {
            message,
            label,
            help,
            location: Some(declared.clone()),
            related,
            service: Some(service.name.clone()),
            krate: Some(from.name.clone()),
            identity: vec![from.name.clone(), shared.path.clone(), "#[path]".into()],
        });
    }
    out
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

#[cfg(test)]
mod tests {
    use crate::checks::Config;
    use crate::checks::{self, Context};
    use crate::config::FILE_NAME;
    use crate::error::SourceFile;
    use crate::facts::{Facts, SharedFile};
    use crate::graph::CrateGraph;
    use crate::workspace::{classify, Workspace};
    use crate::{Finding, Location};

    const MEMBERS: &[(&str, &str)] = &[
        ("orders", "services/orders"),
        ("orders-api", "services/orders/api"),
        ("payments", "services/payments"),
        ("pricing-legacy", "libs/pricing-legacy"),
        ("telemetry", "libs/telemetry"),
    ];

    const CONFIG: &str = r#"
[[service]]
name = "orders"
crates = ["services/orders"]

[[service]]
name = "payments"
crates = ["services/payments"]

[shared]
crates = ["libs/pricing-legacy"]
platform = ["libs/telemetry"]

[[rule]]
id = "services-do-not-depend-on-services"
check = "service-dependency"
severity = "error"
"#;

    fn workspace() -> Workspace {
        crate::workspace::test_workspace(MEMBERS)
    }

    /// `mod repo;` with a `#[path]` on line 3 of `file`.
    fn declared(file: &str) -> Location {
        let text = "//! Crate root.\n\n#[path = \"../../x.rs\"]\nmod repo;\n";
        Location::from_span(file, text, 22..44)
    }

    fn shared(path: &str, claims: &[(&str, &str)]) -> SharedFile {
        let ws = workspace();
        SharedFile {
            path: path.into(),
            claimed_by: claims
                .iter()
                .map(|(m, _)| ws.member_by_name(m).expect("member"))
                .collect(),
            declared_at: claims.iter().map(|(_, file)| declared(file)).collect(),
        }
    }

    fn run(config: &str, shared_files: Vec<SharedFile>) -> Vec<Finding> {
        let ws = workspace();
        let config: Config =
            crate::checks::parse_config(&SourceFile::new(FILE_NAME, config)).expect("config");
        let architecture = classify(&ws, &config).expect("classifies");
        let crates = CrateGraph::build(&ws, &architecture);
        let facts = Facts {
            shared_files,
            ..Facts::default()
        };
        let context = Context {
            workspace: &ws,
            architecture: &architecture,
            config_file: &config.file,
            sagas: &config.sagas,
            crates: &crates,
            facts: Some(&facts),
            modules: &[],
            migrations: &[],
            include_tests: false,
            memo: &checks::Memo::default(),
            runtime: None,
        };
        checks::run(&config.rules[0], None, &context).findings
    }

    #[test]
    fn a_file_of_another_service_compiled_through_path_is_a_finding_at_the_declaration() {
        let found = run(
            CONFIG,
            vec![shared(
                "services/payments/src/repo.rs",
                &[
                    ("orders", "services/orders/src/lib.rs"),
                    ("payments", "services/payments/src/lib.rs"),
                ],
            )],
        );
        assert_eq!(found.len(), 1, "{found:#?}");
        let finding = &found[0];
        assert_eq!(
            finding.message,
            "`orders` (service orders) compiles services/payments/src/repo.rs, a file of service payments, through #[path]"
        );
        assert_eq!(finding.severity, crate::Severity::Error);
        assert_eq!(finding.service.as_deref(), Some("orders"));
        let at = finding.location.as_ref().expect("location");
        assert_eq!(
            (at.file.as_str(), at.line),
            ("services/orders/src/lib.rs", 3)
        );
        assert_eq!(
            finding.related[0].location.file,
            "services/payments/src/lib.rs"
        );
    }

    #[test]
    fn a_file_shared_by_crates_of_one_service_is_no_finding() {
        let found = run(
            CONFIG
                .replace(
                    "[\"services/orders\"]",
                    "[\"services/orders\", \"services/orders/api\"]",
                )
                .as_str(),
            vec![shared(
                "services/orders/src/money.rs",
                &[
                    ("orders", "services/orders/src/lib.rs"),
                    ("orders-api", "services/orders/api/src/lib.rs"),
                ],
            )],
        );
        assert!(found.is_empty(), "{found:#?}");
    }

    #[test]
    fn a_file_of_no_service_compiled_by_two_services_is_reported_for_each() {
        let found = run(
            CONFIG,
            vec![shared(
                "vendor/pricing/rules.rs",
                &[
                    ("orders", "services/orders/src/lib.rs"),
                    ("payments", "services/payments/src/lib.rs"),
                ],
            )],
        );
        let messages: Vec<&str> = found.iter().map(|f| f.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "`orders` (service orders) compiles vendor/pricing/rules.rs through #[path], and so does service payments: domain code shared between services",
                "`payments` (service payments) compiles vendor/pricing/rules.rs through #[path], and so does service orders: domain code shared between services",
            ]
        );
    }

    #[test]
    fn a_shared_crate_file_compiled_by_two_services_is_reported_but_a_platform_file_is_not() {
        let services = [
            ("orders", "services/orders/src/lib.rs"),
            ("payments", "services/payments/src/lib.rs"),
        ];
        let domain = [("pricing-legacy", "libs/pricing-legacy/src/lib.rs")];
        let found = run(
            CONFIG,
            vec![shared(
                "libs/pricing-legacy/src/discounts.rs",
                &[&domain[..], &services[..]].concat(),
            )],
        );
        assert_eq!(found.len(), 2, "{found:#?}");
        let platform = [("telemetry", "libs/telemetry/src/lib.rs")];
        let found = run(
            CONFIG,
            vec![shared(
                "libs/telemetry/src/fields.rs",
                &[&platform[..], &services[..]].concat(),
            )],
        );
        assert!(found.is_empty(), "{found:#?}");
    }

    #[test]
    fn an_allowed_pair_of_services_is_no_finding() {
        let config = format!("{CONFIG}allow = [{{ from = \"orders\", to = \"payments\" }}]\n");
        let found = run(
            &config,
            vec![shared(
                "services/payments/src/repo.rs",
                &[
                    ("orders", "services/orders/src/lib.rs"),
                    ("payments", "services/payments/src/lib.rs"),
                ],
            )],
        );
        assert!(found.is_empty(), "{found:#?}");
    }

    #[test]
    fn a_crate_root_shared_through_a_target_path_says_so() {
        let found = run(
            CONFIG,
            vec![shared(
                "services/payments/src/lib.rs",
                &[
                    ("orders", "services/orders/Cargo.toml"),
                    ("payments", "services/payments/Cargo.toml"),
                ],
            )],
        );
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(
            found[0]
                .message
                .ends_with("through a target `path` in its Cargo.toml"),
            "{}",
            found[0].message
        );
    }
}
