//! Service edges through client crates. Teams put a service's client
//! library in a crate of its own that every caller shares
//! (`pageserver/client`, `meta-client`): code in a shared crate makes no
//! service edge, yet a service that ships with another service's client
//! crate calls that service.

use std::collections::{BTreeMap, HashMap};

use super::{EdgeKind, ServiceEdge};
use crate::facts::{self, Facts};
use crate::graph::SHIPPED;
use crate::workspace::{dependency_location, Architecture, Member, Role, Workspace};
use crate::Location;

/// A caller's dependency on a client crate: its member, the index of the
/// entry in that member's dependencies, and the crate's name in its code.
struct Link {
    member: usize,
    dependency: usize,
    code_name: String,
}

/// An edge from every service that ships with another service's client
/// crate (a normal or build dependency of one of its crates) to that
/// service, located at the first use of the crate in the caller's
/// production code, else at the dependency in its `Cargo.toml`.
pub fn edges(
    workspace: &Workspace,
    architecture: &Architecture,
    facts: Option<&Facts>,
) -> Vec<ServiceEdge> {
    let clients = client_crates(workspace, architecture);
    // (caller, client crate) → the caller's dependencies on it, in member order.
    let mut callers: BTreeMap<(usize, usize), Vec<Link>> = BTreeMap::new();
    for (t, service) in architecture.services.iter().enumerate() {
        for &member in &service.crates {
            let Some(declared) = workspace.members.get(member) else {
                continue;
            };
            for (index, dependency) in declared.dependencies.iter().enumerate() {
                let Some(client) = dependency.member else {
                    continue;
                };
                let serves = clients.get(&client);
                if SHIPPED.contains(&dependency.kind) && serves.is_some_and(|&s| s != t) {
                    callers.entry((t, client)).or_default().push(Link {
                        member,
                        dependency: index,
                        code_name: dependency.key.replace('-', "_"),
                    });
                }
            }
        }
    }
    callers
        .into_iter()
        .filter_map(|((t, client), links)| {
            let &to = clients.get(&client)?;
            let first = links.first()?;
            let location = facts
                .and_then(|facts| first_use(facts, &links))
                .or_else(|| dependency_location(workspace, first.member, first.dependency));
            let client_member = workspace.members.get(client)?;
            Some(ServiceEdge {
                from: t,
                to,
                kind: speaks(client_member),
                location,
                detail: format!(
                    "uses {}, the client crate of {}",
                    client_member.name,
                    architecture.services.get(to)?.name
                ),
                test_only: false,
            })
        })
        .collect()
}

/// Each shared (neither service nor excluded) member that is a service's
/// client crate → that service. Its folder inside a service crate's folder
/// says so (the deepest wins), and so does its name: `<stem>_client` or
/// `<stem>_client_<anything>`, where the stem is the service's name or one
/// of its hosts. When the two name different services the crate is
/// nobody's for sure, and gives no edge.
///
/// `<stem>_api` is no client crate: such crates hold the models both ends
/// share, and others' too (neon's `pageserver_api` holds the storage
/// controller's API, which the safekeeper uses to register with it).
fn client_crates(workspace: &Workspace, architecture: &Architecture) -> HashMap<usize, usize> {
    let stems = stems(architecture);
    workspace
        .members
        .iter()
        .enumerate()
        .filter(|(member, _)| {
            !matches!(
                architecture.roles.get(*member),
                Some(Role::Service(_) | Role::Excluded) | None
            )
        })
        .filter_map(|(member, declared)| {
            let by_folder = owner_by_folder(workspace, architecture, &declared.dir);
            let by_name = owner_by_name(&declared.name, &stems);
            match (by_folder, by_name) {
                (Some(a), Some(b)) if a != b => None,
                (found, None) | (None, found) => Some((member, found?)),
                (Some(a), Some(_)) => Some((member, a)),
            }
        })
        .collect()
}

/// The service whose crate's folder holds `dir` most closely. A crate at
/// the workspace root holds every folder, and so says nothing.
fn owner_by_folder(workspace: &Workspace, architecture: &Architecture, dir: &str) -> Option<usize> {
    architecture
        .services
        .iter()
        .enumerate()
        .flat_map(|(s, service)| service.crates.iter().map(move |&m| (s, m)))
        .filter_map(|(s, member)| {
            let folder = workspace.members.get(member)?.dir.as_str();
            let inside = !folder.is_empty()
                && dir
                    .strip_prefix(folder)
                    .is_some_and(|rest| rest.starts_with('/'));
            inside.then_some((folder.len(), s))
        })
        .max()
        .map(|(_, s)| s)
}

/// Names and hosts (not globs), normalised, → the one service they name;
/// a stem two services share is left out.
fn stems(architecture: &Architecture) -> HashMap<String, usize> {
    let mut found: HashMap<String, Option<usize>> = HashMap::new();
    for (s, service) in architecture.services.iter().enumerate() {
        let names = std::iter::once(&service.name).chain(&service.hosts);
        for name in names.filter(|n| !n.contains(['*', '?', '['])) {
            found
                .entry(normalise(name))
                .and_modify(|known| {
                    if *known != Some(s) {
                        *known = None;
                    }
                })
                .or_insert(Some(s));
        }
    }
    found
        .into_iter()
        .filter_map(|(stem, s)| Some((stem, s?)))
        .collect()
}

/// The service a package name says it is the client of; none when it
/// names no service or two.
fn owner_by_name(package: &str, stems: &HashMap<String, usize>) -> Option<usize> {
    let name = normalise(package);
    let mut candidates: Vec<&str> = Vec::new();
    // Every `_client` followed by nothing or by `_…`: `storage_controller_client`,
    // `pageserver_client_grpc`.
    for (at, _) in name.match_indices("_client") {
        let rest = &name[at + "_client".len()..];
        if rest.is_empty() || rest.starts_with('_') {
            candidates.push(&name[..at]);
        }
    }
    let mut services: Vec<usize> = candidates
        .into_iter()
        .filter_map(|stem| stems.get(stem).copied())
        .collect();
    services.sort_unstable();
    services.dedup();
    match services[..] {
        [s] => Some(s),
        _ => None,
    }
}

/// `Storage-Controller` and `storage_controller` alike.
fn normalise(name: &str) -> String {
    name.to_lowercase().replace('-', "_")
}

/// What a client crate speaks, from the crates it ships with: gRPC (tonic,
/// grpcio), HTTP (a client library), or something of its own.
fn speaks(client: &Member) -> EdgeKind {
    let shipped = || {
        client
            .dependencies
            .iter()
            .filter(|d| SHIPPED.contains(&d.kind))
            .map(|d| d.package.as_str())
    };
    let grpc = |package: &str| {
        package == "tonic"
            || package.starts_with("tonic-")
            || matches!(package, "grpcio" | "volo-grpc")
    };
    let http = |package: &str| {
        matches!(
            package,
            "reqwest" | "hyper" | "ureq" | "surf" | "isahc" | "awc" | "attohttpc"
        )
    };
    if shipped().any(grpc) {
        EdgeKind::Grpc
    } else if shipped().any(http) {
        EdgeKind::Http
    } else {
        EdgeKind::ClientCrate
    }
}

/// The first `use` or path in production code of the given members whose
/// first segment is the client crate's code name there, by file path and
/// then place in the file; one that names a `…Client` comes before the
/// others (`use meta_client::client::MetaClient`, not
/// `meta_client::MetaClientOptions`): it shows the call.
fn first_use(facts: &Facts, links: &[Link]) -> Option<Location> {
    type Key<'a> = (bool, &'a str, u32);
    let mut first: Option<(Key<'_>, &facts::FileFacts, facts::Span)> = None;
    for link in links {
        let Some(krate) = facts.crates.get(link.member) else {
            continue;
        };
        for file in &krate.files {
            let uses = file.uses.iter().map(|u| (&u.segments, u.span, u.module));
            let paths = file.paths.iter().map(|p| (&p.segments, p.span, p.module));
            for (segments, span, module) in uses.chain(paths) {
                // `::pageserver_client::…` as well.
                let name = segments.iter().find(|s| !s.is_empty());
                if name.map(|n| n.as_str()) != Some(link.code_name.as_str())
                    || file.is_test_code(module)
                {
                    continue;
                }
                let names_client = segments.iter().any(|s| s.ends_with("Client"));
                let key = (!names_client, file.path.as_str(), span.start);
                if first.is_none_or(|(known, ..)| key < known) {
                    first = Some((key, file, span));
                }
            }
        }
    }
    first.map(|(_, file, span)| facts::location(file, span))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::{test_file, CrateFacts};
    use crate::workspace::{test_workspace, DepKind, Dependency, Service};

    fn service(name: &str, crates: &[usize], hosts: &[&str]) -> Service {
        Service {
            crates: crates.to_vec(),
            hosts: hosts.iter().map(|h| h.to_string()).collect(),
            ..Service::named(name)
        }
    }

    fn depend(workspace: &mut Workspace, from: usize, key: &str, to: Option<usize>, kind: DepKind) {
        let member = &mut workspace.members[from];
        let mut text = member.manifest_text.to_string();
        text.push_str(&format!("[{}]\n", kind.table()));
        let start = text.len();
        text.push_str(&format!("{key} = \"1\"\n"));
        let span = start..text.len() - 1;
        member.manifest_text = text.into();
        member.dependencies.push(Dependency {
            package: key.into(),
            key: key.into(),
            kind,
            target: None,
            member: to,
            span: Some(span),
        });
    }

    /// billing (0), billing/client (1), ledger (2), ledger-client (3),
    /// orders (4), posthog_client_lite (5), billing/fixtures (6).
    fn workspace() -> (Workspace, Architecture) {
        let mut workspace = test_workspace(&[
            ("billing", "billing"),
            ("billing-client", "billing/client"),
            ("ledger", "ledger"),
            ("ledger-client", "libs/ledger-client"),
            ("orders", "orders"),
            ("posthog_client_lite", "libs/posthog_client_lite"),
            ("billing-fixtures", "billing/fixtures"),
        ]);
        depend(&mut workspace, 1, "reqwest", None, DepKind::Normal);
        depend(&mut workspace, 3, "tonic", None, DepKind::Normal);
        depend(&mut workspace, 3, "reqwest", None, DepKind::Normal);
        let architecture = Architecture {
            services: vec![
                service("billing", &[0], &["billing", "billing-svc"]),
                service("ledger", &[2], &["ledger*"]),
                service("orders", &[4], &["orders"]),
            ],
            roles: vec![
                Role::Service(0),
                Role::Shared,
                Role::Service(1),
                Role::Platform,
                Role::Service(2),
                Role::Platform,
                Role::Shared,
            ],
        };
        (workspace, architecture)
    }

    fn pairs(edges: &[ServiceEdge]) -> Vec<(usize, usize, String)> {
        edges
            .iter()
            .map(|e| (e.from, e.to, e.kind.to_string()))
            .collect()
    }

    #[test]
    fn a_client_crate_is_known_by_its_folder_or_its_name() {
        let (workspace, architecture) = workspace();
        let mut found: Vec<(usize, usize)> = client_crates(&workspace, &architecture)
            .into_iter()
            .collect();
        found.sort();
        // posthog_client_lite names no service; billing/fixtures is in
        // billing's folder, so it is billing's (an edge needs a caller).
        assert_eq!(found, [(1, 0), (3, 1), (6, 0)]);
    }

    #[test]
    fn names_give_the_stem_of_one_service() {
        let (_, architecture) = workspace();
        let stems = stems(&architecture);
        assert_eq!(owner_by_name("billing_client", &stems), Some(0));
        assert_eq!(owner_by_name("Billing-Svc-Client-Http", &stems), Some(0));
        // Models both ends share name no client.
        assert_eq!(owner_by_name("billing_api", &stems), None);
        assert_eq!(owner_by_name("ledger_client", &stems), Some(1));
        // A glob host is no stem; `clients` is not `client`.
        assert_eq!(owner_by_name("ledger_eu_client", &stems), None);
        assert_eq!(owner_by_name("billing_clients", &stems), None);
        assert_eq!(owner_by_name("posthog_client_lite", &stems), None);
        assert_eq!(owner_by_name("billing", &stems), None);
        // A stem two services claim gives nothing.
        let mut architecture = architecture;
        architecture.services[2].hosts.push("billing".into());
        assert_eq!(
            owner_by_name("billing_client", &super::stems(&architecture)),
            None
        );
    }

    #[test]
    fn the_deepest_service_folder_wins_and_the_root_holds_nothing() {
        let workspace = test_workspace(&[
            ("platform", ""),
            ("storage", "storage"),
            ("broker", "storage/broker"),
            ("broker-client", "storage/broker/client"),
        ]);
        let architecture = Architecture {
            services: vec![
                service("platform", &[0], &[]),
                service("storage", &[1], &[]),
                service("broker", &[2], &[]),
            ],
            roles: vec![
                Role::Service(0),
                Role::Service(1),
                Role::Service(2),
                Role::Shared,
            ],
        };
        let owner = |dir: &str| owner_by_folder(&workspace, &architecture, dir);
        assert_eq!(owner("storage/broker/client"), Some(2));
        assert_eq!(owner("storage/client"), Some(1));
        assert_eq!(owner("storage-tools/client"), None);
        assert_eq!(owner("libs/utils"), None);
    }

    #[test]
    fn folder_and_name_that_disagree_give_nothing() {
        let mut workspace =
            test_workspace(&[("billing", "billing"), ("ledger_client", "billing/ledger")]);
        workspace.members[1].name = "ledger_client".into();
        let architecture = Architecture {
            services: vec![service("billing", &[0], &[]), service("ledger", &[], &[])],
            roles: vec![Role::Service(0), Role::Shared],
        };
        assert!(client_crates(&workspace, &architecture).is_empty());
    }

    #[test]
    fn callers_of_another_services_client_crate_get_an_edge_of_its_protocol() {
        let (mut workspace, architecture) = workspace();
        // orders ships with billing's client (HTTP); billing with ledger's
        // (gRPC); billing uses its own client, and orders billing's
        // fixtures only in tests and the lite client of an outside product.
        depend(
            &mut workspace,
            4,
            "billing-client",
            Some(1),
            DepKind::Normal,
        );
        depend(&mut workspace, 0, "ledger-client", Some(3), DepKind::Normal);
        depend(
            &mut workspace,
            0,
            "billing-client",
            Some(1),
            DepKind::Normal,
        );
        depend(&mut workspace, 4, "billing-fixtures", Some(6), DepKind::Dev);
        depend(
            &mut workspace,
            2,
            "posthog_client_lite",
            Some(5),
            DepKind::Normal,
        );
        let edges = edges(&workspace, &architecture, None);
        assert_eq!(
            pairs(&edges),
            [(0, 1, "grpc".to_string()), (2, 0, "http".to_string())]
        );
        assert_eq!(
            edges[1].detail,
            "uses billing-client, the client crate of billing"
        );
        // No code facts: the dependency line.
        assert_eq!(
            edges[1].location.as_ref().map(|l| l.file.as_str()),
            Some("orders/Cargo.toml")
        );
    }

    #[test]
    fn a_client_crate_of_no_protocol_is_a_client_crate_edge() {
        let (mut workspace, architecture) = workspace();
        workspace.members[1].dependencies.clear();
        depend(&mut workspace, 1, "reqwest", None, DepKind::Dev);
        depend(&mut workspace, 4, "billing-client", Some(1), DepKind::Build);
        assert_eq!(
            pairs(&edges(&workspace, &architecture, None)),
            [(2, 0, "client-crate".to_string())]
        );
    }

    #[test]
    fn the_edge_points_at_the_first_use_in_production_code() {
        let (mut workspace, architecture) = workspace();
        depend(
            &mut workspace,
            4,
            "billing-client",
            Some(1),
            DepKind::Normal,
        );
        let located = |files: Vec<crate::facts::FileFacts>| {
            let mut crates: Vec<CrateFacts> = workspace
                .members
                .iter()
                .map(|_| CrateFacts::default())
                .collect();
            crates[4].files = files;
            let facts = Facts {
                crates,
                ..Facts::default()
            };
            let edges = edges(&workspace, &architecture, Some(&facts));
            let location = edges[0].location.clone();
            location.map(|l| (l.file, l.line))
        };
        let api = || {
            test_file(
                "orders/src/api.rs",
                "#[cfg(test)]\nmod tests { use billing_client::mock::BillingClient; }\n\
                 pub fn charge(r: ::billing_client::InvoiceRequest) {}\n",
            )
        };
        let checkout = || {
            test_file(
                "orders/src/checkout.rs",
                "use std::sync::Arc;\nuse billing_client::BillingClient;\n",
            )
        };
        // Test code is skipped; a `…Client` comes before an earlier model type.
        assert_eq!(located(vec![api()]), Some(("orders/src/api.rs".into(), 3)));
        assert_eq!(
            located(vec![api(), checkout()]),
            Some(("orders/src/checkout.rs".into(), 2))
        );
    }
}
