//! The evidence `init` guesses from, gathered once: each member's code
//! (parsed as `check` parses it), the repository's Dockerfiles, compose files
//! and Kubernetes manifests matched to the members they build or run, and
//! the gRPC services of its `.proto` files. Nothing here runs a program.

use std::collections::BTreeMap;
use std::path::Path;

use super::code::{self, CodeEvidence, Found};
use super::manifests::{self, Container, Source};
use crate::workspace::{Architecture, Role, Workspace};

/// Largest build script read.
const MAX_BUILD_SCRIPT_BYTES: u64 = 256 * 1024;

/// Everything `init` knows about the members beyond their manifests.
#[derive(Debug, Default)]
pub struct Discovery {
    /// Indexed like `Workspace::members`.
    pub code: Vec<CodeEvidence>,
    /// Why a member looks deployed (a Dockerfile, compose service or
    /// Kubernetes workload builds or runs it).
    pub deployed: Vec<Option<String>>,
    /// Names deployment files give each member: value is the host, `at`
    /// says where it comes from.
    pub hosts: Vec<Vec<Found>>,
    /// Hosts in deployment files that no container match attributes: URLs
    /// in environments, Kubernetes Services that select nothing found here.
    pub loose_hosts: Vec<Found>,
    /// gRPC services by full name, with the `.proto` file declaring each.
    pub grpc: BTreeMap<String, String>,
}

/// Gathers the evidence. Members marked in `skip` (developer tooling) are
/// not parsed.
pub fn discover(workspace: &Workspace, skip: &[bool]) -> Discovery {
    let members = &workspace.members;
    let architecture = Architecture {
        services: Vec::new(),
        roles: (0..members.len())
            .map(|i| {
                if skip.get(i).copied().unwrap_or(false) {
                    Role::Excluded
                } else {
                    Role::Unclassified
                }
            })
            .collect(),
    };
    let facts = crate::facts::extract(workspace, &architecture, crate::facts::Limits::default());
    let brokers = code::reaches_broker(workspace);
    let root = crate::fs::Root::new(&workspace.root);
    let code: Vec<CodeEvidence> = members
        .iter()
        .enumerate()
        .map(|(index, member)| {
            let script = member
                .targets
                .iter()
                .find(|t| t.kind == "custom-build")
                .and_then(|t| {
                    crate::fs::read_workspace_text(
                        &root,
                        Path::new(&t.src_path),
                        MAX_BUILD_SCRIPT_BYTES,
                    )
                    .ok()
                });
            let files = facts.crates.get(index).map(|c| &c.files[..]).unwrap_or(&[]);
            code::evidence(workspace, index, files, script.as_deref(), brokers[index])
        })
        .collect();

    let repository = manifests::read(&workspace.root);
    let mut deployed: Vec<Option<String>> = vec![None; members.len()];
    let mut hosts: Vec<Vec<Found>> = vec![Vec::new(); members.len()];
    let mut loose_hosts = Vec::new();
    for container in &repository.containers {
        let matched = deployed_members(workspace, container, &repository.containers);
        for (index, why) in &matched {
            deployed[*index].get_or_insert_with(|| why.clone());
        }
        // Names belong to a member only when the container is that member alone.
        if let [(index, _)] = matched[..] {
            for (host, key) in &container.hosts {
                push_once(
                    &mut hosts[index],
                    host.to_ascii_lowercase(),
                    format!("{key} in {}", container.file),
                );
            }
        }
        for (host, variable) in &container.env_urls {
            push_once(
                &mut loose_hosts,
                host.clone(),
                format!("{variable} in {}", container.file),
            );
        }
    }
    for service in &repository.kube_services {
        push_once(
            &mut loose_hosts,
            service.name.to_ascii_lowercase(),
            format!("Kubernetes Service in {}", service.file),
        );
    }
    Discovery {
        code,
        deployed,
        hosts,
        loose_hosts,
        grpc: repository.grpc,
    }
}

fn push_once(list: &mut Vec<Found>, value: String, at: String) {
    if !list.iter().any(|f| f.value == value) {
        list.push(Found { value, at });
    }
}

/// Lower case with `_` as `-`: how one name is spelled in manifests and
/// package names alike.
pub fn normalise(name: &str) -> String {
    name.to_ascii_lowercase().replace('_', "-")
}

/// Endings that say what a name is rather than which one it is.
const ROLE_SUFFIXES: &[&str] = &[
    "-service", "-svc", "-server", "-srv", "-api", "-rpc", "-grpc", "-http", "-app", "-backend",
    "-daemon",
];

/// The name without a role ending (`kitchen-rpc` → `kitchen`).
pub fn base_name(name: &str) -> String {
    let name = normalise(name);
    ROLE_SUFFIXES
        .iter()
        .find_map(|suffix| name.strip_suffix(suffix).filter(|s| !s.is_empty()))
        .map_or(name.clone(), str::to_string)
}

/// Whether two names name the same thing: equal once normalised, or once
/// their role endings are dropped (`orders-service` and `orders`).
pub fn same_name(a: &str, b: &str) -> bool {
    normalise(a) == normalise(b) || base_name(a) == base_name(b)
}

/// The members (with a binary target) a container builds or runs, and why.
fn deployed_members(
    workspace: &Workspace,
    container: &Container,
    all: &[Container],
) -> Vec<(usize, String)> {
    let binaries: Vec<(usize, Vec<String>)> = workspace
        .members
        .iter()
        .enumerate()
        .filter(|(_, m)| m.targets.iter().any(|t| t.kind == "bin"))
        .map(|(i, m)| {
            let mut names = vec![normalise(&m.name)];
            // The folder's name is how compose files and images often call it.
            if let Some(folder) = m.dir.rsplit('/').next().filter(|f| !f.is_empty()) {
                names.push(normalise(folder));
            }
            names.extend(
                m.targets
                    .iter()
                    .filter(|t| t.kind == "bin")
                    .map(|t| normalise(&t.name)),
            );
            (i, names)
        })
        .collect();
    let named = |name: &str| {
        let name = normalise(name);
        binaries
            .iter()
            .filter(|(_, names)| names.contains(&name))
            .map(|(i, _)| *i)
            .collect::<Vec<_>>()
    };
    let what = match container.source {
        Some(Source::Compose) => format!(
            "compose service {} in {}",
            container.name.as_deref().unwrap_or_default(),
            container.file
        ),
        Some(Source::Kubernetes) => format!(
            "Kubernetes workload {} in {}",
            container.name.as_deref().unwrap_or_default(),
            container.file
        ),
        _ => container.file.clone(),
    };
    let mut out: Vec<(usize, String)> = Vec::new();
    fn add(out: &mut Vec<(usize, String)>, index: usize, why: String) {
        if !out.iter().any(|(i, _)| *i == index) {
            out.push((index, why));
        }
    }
    for name in &container.builds {
        for index in named(name) {
            add(&mut out, index, format!("built by {what} ({name})"));
        }
    }
    for program in &container.runs {
        for index in named(program) {
            add(&mut out, index, format!("run by {what} ({program})"));
        }
    }
    if out.is_empty() {
        if let Some(dockerfile) = &container.dockerfile {
            if let Some(built) = all.iter().find(|c| &c.file == dockerfile) {
                for name in built.builds.iter().chain(&built.runs) {
                    for index in named(name) {
                        add(
                            &mut out,
                            index,
                            format!("built by {what} with {dockerfile} ({name})"),
                        );
                    }
                }
            }
        }
    }
    if out.is_empty() {
        let mut dirs = container.build_dirs.clone();
        if let Some(dockerfile) = &container.dockerfile {
            dirs.push(
                dockerfile
                    .rsplit_once('/')
                    .map_or("", |(d, _)| d)
                    .to_string(),
            );
        }
        for dir in dirs.iter().filter(|d| !d.is_empty()) {
            for (index, _) in &binaries {
                if &workspace.members[*index].dir == dir {
                    add(&mut out, *index, format!("built from its folder by {what}"));
                }
            }
        }
    }
    if out.is_empty() {
        let names = container.images.iter().chain(container.name.as_slice());
        for name in names {
            for (index, names) in &binaries {
                if names.iter().any(|n| same_name(n, name)) {
                    add(&mut out, *index, format!("{what} (image or name {name})"));
                }
            }
        }
    }
    out
}
