//! Deployment files of the repository: Dockerfiles, docker-compose files and
//! Kubernetes manifests, read for what they build, run and call each
//! container, and `.proto` files for the gRPC services they declare.
//!
//! The workspace is untrusted: the walk never follows a symlink, stays below
//! the workspace root, skips build output and hidden folders, and stops after
//! a bounded number of entries; every file is read through `crate::fs`
//! (inside the root, regular files only, size-capped, one byte budget).

use std::collections::BTreeMap;
use std::path::Path;

use walkdir::WalkDir;

use super::yaml::{self, Yaml};
use crate::fs::{Budget, Root};

/// Largest deployment or proto file read.
const MAX_FILE_BYTES: u64 = 1024 * 1024;
/// Bytes read for all of them together.
const MAX_TOTAL_BYTES: u64 = 64 * 1024 * 1024;
/// Directory entries visited before the walk gives up.
const MAX_ENTRIES: usize = 200_000;
/// Deepest folder looked into.
const MAX_DEPTH: usize = 12;
/// Folders never looked into: build output and vendored dependencies.
const SKIPPED_DIRS: &[&str] = &[
    "target",
    "node_modules",
    "vendor",
    "third_party",
    "third-party",
];

/// What kind of file defined a container.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Source {
    Dockerfile,
    Compose,
    Kubernetes,
}

/// A container image or workload that a deployment file builds or runs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Container {
    /// Workspace-relative path of the file that defines it.
    pub file: String,
    pub source: Option<Source>,
    /// Compose service or Kubernetes workload name.
    pub name: Option<String>,
    /// Folders it is built from (compose `build` context, a Dockerfile's folder).
    pub build_dirs: Vec<String>,
    /// The Dockerfile a compose service builds with, workspace-relative.
    pub dockerfile: Option<String>,
    /// Package and binary names it builds (`cargo build -p x --bin y`,
    /// build arguments).
    pub builds: Vec<String>,
    /// Programs it runs (ENTRYPOINT/CMD, `command`), as file names.
    pub runs: Vec<String>,
    /// Image names without registry, path and tag (`shop/orders:1.2` → `orders`).
    pub images: Vec<String>,
    /// Names it is reached by, with the key that gives each
    /// (`compose service`, `container_name`, `Kubernetes Service`).
    pub hosts: Vec<(String, &'static str)>,
    /// Hosts of URLs in its environment, with the variable's name.
    pub env_urls: Vec<(String, String)>,
    /// Kubernetes pod labels, to join Services by their selector.
    pub labels: BTreeMap<String, String>,
}

/// A Kubernetes Service: a name for the pods its selector picks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KubeService {
    pub file: String,
    pub name: String,
    pub selector: BTreeMap<String, String>,
}

/// Everything the deployment and proto files of the repository say.
#[derive(Debug, Default)]
pub struct Repository {
    pub containers: Vec<Container>,
    /// Kubernetes Services whose selector picks no workload found here.
    pub kube_services: Vec<KubeService>,
    /// gRPC services by full name, with the `.proto` file declaring each
    /// (the first in path order).
    pub grpc: BTreeMap<String, String>,
    /// Workspace-relative paths of the `.proto` files.
    pub proto_files: Vec<String>,
}

/// Files of interest, workspace-relative, sorted.
#[derive(Debug, Default)]
struct Found {
    dockerfiles: Vec<String>,
    compose: Vec<String>,
    yaml: Vec<String>,
    protos: Vec<String>,
}

/// Walks the workspace and reads its deployment and proto files.
pub fn read(root: &Path) -> Repository {
    let found = walk(root);
    let workspace = Root::new(root);
    let budget = Budget::new(MAX_TOTAL_BYTES);
    let text = |path: &str| {
        crate::fs::read_workspace_text_budgeted(
            &workspace,
            Path::new(path),
            MAX_FILE_BYTES,
            &budget,
        )
        .ok()
    };
    let mut repository = Repository::default();
    for path in &found.dockerfiles {
        if let Some(text) = text(path) {
            repository.containers.push(dockerfile(path, &text));
        }
    }
    for path in &found.compose {
        if let Some(text) = text(path) {
            for document in yaml::parse_documents(&text) {
                repository.containers.extend(compose(path, &document));
            }
        }
    }
    let mut services = Vec::new();
    for path in &found.yaml {
        let Some(text) = text(path) else { continue };
        // Only Kubernetes objects; a quick look saves parsing CI files.
        if !text.contains("apiVersion") || !text.contains("kind") {
            continue;
        }
        for document in yaml::parse_documents(&text) {
            kubernetes(path, &document, &mut repository.containers, &mut services);
        }
    }
    for service in services {
        let picked: Vec<&mut Container> = repository
            .containers
            .iter_mut()
            .filter(|c| {
                c.source == Some(Source::Kubernetes)
                    && !service.selector.is_empty()
                    && service
                        .selector
                        .iter()
                        .all(|(k, v)| c.labels.get(k) == Some(v))
            })
            .collect();
        if picked.is_empty() {
            repository.kube_services.push(service);
            continue;
        }
        for container in picked {
            container
                .hosts
                .push((service.name.clone(), "Kubernetes Service"));
        }
    }
    for path in &found.protos {
        if let Some(text) = text(path) {
            for name in super::proto::services(&text) {
                repository.grpc.entry(name).or_insert_with(|| path.clone());
            }
        }
    }
    repository.proto_files = found.protos;
    repository
}

fn walk(root: &Path) -> Found {
    let mut found = Found::default();
    let walker = WalkDir::new(root)
        .follow_links(false)
        .max_depth(MAX_DEPTH)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            e.depth() == 0
                || !e.file_type().is_dir()
                || !{
                    let name = e.file_name().to_string_lossy();
                    name.starts_with('.') || SKIPPED_DIRS.contains(&name.as_ref())
                }
        });
    for entry in walker.take(MAX_ENTRIES).filter_map(Result::ok) {
        // Symlinks are entries of their own here and never followed.
        if !entry.file_type().is_file() {
            continue;
        }
        let Ok(relative) = entry.path().strip_prefix(root) else {
            continue;
        };
        let Some(path) = relative.to_str().map(|p| p.replace('\\', "/")) else {
            continue;
        };
        let name = entry.file_name().to_string_lossy().to_ascii_lowercase();
        if is_dockerfile(&name) {
            found.dockerfiles.push(path);
        } else if name.ends_with(".proto") {
            found.protos.push(path);
        } else if name.ends_with(".yml") || name.ends_with(".yaml") {
            if is_compose(&name) {
                found.compose.push(path);
            } else {
                found.yaml.push(path);
            }
        }
    }
    found
}

fn is_dockerfile(name: &str) -> bool {
    ["dockerfile", "containerfile"]
        .iter()
        .any(|base| name == *base || name.starts_with(&format!("{base}.")))
        || name.ends_with(".dockerfile")
        || name.ends_with(".containerfile")
}

fn is_compose(name: &str) -> bool {
    let stem = name.trim_end_matches(".yaml").trim_end_matches(".yml");
    stem.starts_with("docker-compose")
        || stem == "compose"
        || stem.starts_with("compose.")
        || stem.starts_with("compose-")
        || stem.ends_with(".compose")
        || stem.ends_with("-compose")
}

/// The folder of a workspace-relative file ("" at the root).
fn folder_of(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(dir, _)| dir)
}

/// `base` joined with a relative `path`, `.` and `..` resolved; `None`
/// when it leaves the workspace or is absolute.
pub fn join(base: &str, path: &str) -> Option<String> {
    if path.starts_with('/') || path.contains("://") || path.contains('$') {
        return None;
    }
    let mut parts: Vec<&str> = base.split('/').filter(|p| !p.is_empty()).collect();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            part => parts.push(part),
        }
    }
    Some(parts.join("/"))
}

/// `registry.example.com:5000/shop/orders:1.2@sha256:…` → `orders`.
pub fn image_name(image: &str) -> Option<String> {
    let image = image.split('@').next().unwrap_or(image);
    let last = image.rsplit('/').next()?;
    let name = last.split(':').next()?;
    (!name.is_empty() && !name.contains(['$', '{'])).then(|| name.to_ascii_lowercase())
}

/// Words that start a command without being its program.
const LAUNCHERS: &[&str] = &["sh", "bash", "exec", "tini", "dumb-init", "env", "--"];

/// The program a command runs, as a file name: the first word that is
/// not a shell, an init wrapper or an option (`sh -c "/app/orders …"` runs
/// `orders`); nothing when that word is a variable.
fn program_of(words: &[String]) -> Option<String> {
    let word = words.iter().find(|w| {
        let base = w.rsplit('/').next().unwrap_or(w);
        !LAUNCHERS.contains(&base) && !w.starts_with('-')
    })?;
    let name = word.rsplit('/').next()?;
    let ok = !name.is_empty() && !name.contains(['$', '{', '=']);
    ok.then(|| name.to_string())
}

/// Words of a shell or exec-form (`["a", "b"]`) instruction.
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| c.is_whitespace() || matches!(c, '[' | ']' | ',' | '"' | '\'' | ';'))
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// A Dockerfile: what `cargo build`/`cargo install` builds and what
/// ENTRYPOINT/CMD runs.
fn dockerfile(path: &str, text: &str) -> Container {
    let mut container = Container {
        file: path.to_string(),
        source: Some(Source::Dockerfile),
        ..Container::default()
    };
    // Instructions, continuation lines joined.
    let mut instructions = Vec::new();
    let mut current = String::new();
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('#') {
            continue;
        }
        if let Some(head) = line.strip_suffix('\\') {
            current.push_str(head);
            current.push(' ');
            continue;
        }
        current.push_str(line);
        instructions.push(std::mem::take(&mut current));
    }
    instructions.push(current);
    for instruction in instructions {
        let (keyword, rest) = instruction
            .split_once(char::is_whitespace)
            .unwrap_or((&instruction, ""));
        match keyword.to_ascii_uppercase().as_str() {
            "RUN" => container.builds.extend(cargo_targets(rest)),
            "ENTRYPOINT" | "CMD" => container.runs.extend(program_of(&words(rest))),
            _ => {}
        }
    }
    let stem = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    // `orders.Dockerfile`, `Dockerfile.orders` name what they build.
    for named in [
        stem.strip_suffix(".dockerfile"),
        stem.strip_prefix("dockerfile."),
    ]
    .into_iter()
    .flatten()
    {
        container.images.push(named.to_string());
    }
    container.build_dirs.push(folder_of(path).to_string());
    container
}

/// Packages and binaries named by `cargo build|install|run` in a RUN line:
/// `-p x`, `--package x`, `--bin x`, `--package=x`.
fn cargo_targets(run: &str) -> Vec<String> {
    let mut out = Vec::new();
    for command in run.split(['&', '|', ';']) {
        let words = words(command);
        let Some(cargo) = words
            .iter()
            .position(|w| w == "cargo" || w.ends_with("/cargo"))
        else {
            continue;
        };
        let Some(sub) = words.get(cargo + 1) else {
            continue;
        };
        let building = matches!(sub.as_str(), "build" | "install" | "run" | "auditable")
            || sub.starts_with('+') && words.get(cargo + 2).is_some_and(|w| w == "build");
        if !building {
            continue;
        }
        let mut iter = words[cargo + 1..].iter();
        while let Some(word) = iter.next() {
            let value = match word.as_str() {
                "-p" | "--package" | "--bin" => iter.next().cloned(),
                w => ["--package=", "--bin=", "-p="]
                    .iter()
                    .find_map(|p| w.strip_prefix(p))
                    .map(str::to_string),
            };
            if let Some(value) = value.filter(|v| !v.starts_with('-') && !v.contains('$')) {
                out.push(value);
            }
        }
    }
    out
}

/// Every compose service of a compose document.
fn compose(path: &str, document: &Yaml) -> Vec<Container> {
    let dir = folder_of(path);
    let mut out = Vec::new();
    let Some(services) = document.get("services") else {
        return out;
    };
    for (name, service) in services.entries() {
        let mut container = Container {
            file: path.to_string(),
            source: Some(Source::Compose),
            name: Some(name.clone()),
            ..Container::default()
        };
        container.hosts.push((name.clone(), "compose service"));
        for key in ["container_name", "hostname"] {
            if let Some(value) = service.get(key).and_then(Yaml::as_str) {
                if !value.contains('$') {
                    container.hosts.push((value.to_string(), key_label(key)));
                }
            }
        }
        for (_, network) in service.get("networks").map(Yaml::entries).unwrap_or(&[]) {
            for alias in network.get("aliases").map(Yaml::items).unwrap_or(&[]) {
                if let Some(alias) = alias.as_str() {
                    container.hosts.push((alias.to_string(), "network alias"));
                }
            }
        }
        match service.get("build") {
            Some(Yaml::Str(context)) => container.build_dirs.extend(join(dir, context)),
            Some(build) => {
                let context = build
                    .get("context")
                    .and_then(Yaml::as_str)
                    .and_then(|c| join(dir, c));
                if let Some(file) = build.get("dockerfile").and_then(Yaml::as_str) {
                    container.dockerfile = join(context.as_deref().unwrap_or(dir), file);
                }
                container.build_dirs.extend(context);
                container.builds.extend(
                    build
                        .get("args")
                        .map(build_args)
                        .unwrap_or_default()
                        .into_iter()
                        .filter(|v| !v.contains(['$', '/', ' '])),
                );
            }
            None => {}
        }
        if let Some(image) = service.get("image").and_then(Yaml::as_str) {
            container.images.extend(image_name(image));
        }
        for key in ["entrypoint", "command"] {
            container
                .runs
                .extend(service.get(key).and_then(command_program));
        }
        container.env_urls = environment_urls(service.get("environment"));
        out.push(container);
    }
    out
}

fn key_label(key: &str) -> &'static str {
    match key {
        "container_name" => "container_name",
        _ => "hostname",
    }
}

/// Build arguments as a map (`PACKAGE: orders`) or a list (`PACKAGE=orders`): their values.
fn build_args(args: &Yaml) -> Vec<String> {
    match args {
        Yaml::Map(entries) => entries
            .iter()
            .filter_map(|(_, v)| v.as_str().map(str::to_string))
            .collect(),
        Yaml::Seq(items) => items
            .iter()
            .filter_map(|i| i.as_str()?.split_once('=').map(|(_, v)| v.to_string()))
            .collect(),
        _ => Vec::new(),
    }
}

/// The program of a command given as a string or a list.
fn command_program(command: &Yaml) -> Option<String> {
    let words: Vec<String> = match command {
        Yaml::Str(text) => words(text),
        Yaml::Seq(items) => items
            .iter()
            .filter_map(Yaml::as_str)
            .flat_map(words)
            .collect(),
        _ => return None,
    };
    program_of(&words)
}

/// Hosts of URL values of a compose `environment` (map or `K=V` list) or
/// a Kubernetes `env` list, with the variable's name.
fn environment_urls(environment: Option<&Yaml>) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = Vec::new();
    match environment {
        Some(Yaml::Map(entries)) => {
            for (key, value) in entries {
                if let Some(value) = value.as_str() {
                    pairs.push((key.clone(), value.to_string()));
                }
            }
        }
        Some(Yaml::Seq(items)) => {
            for item in items {
                if let Some((key, value)) = item.as_str().and_then(|i| i.split_once('=')) {
                    pairs.push((key.to_string(), value.to_string()));
                } else if let (Some(key), Some(value)) = (
                    item.get("name").and_then(Yaml::as_str),
                    item.get("value").and_then(Yaml::as_str),
                ) {
                    pairs.push((key.to_string(), value.to_string()));
                }
            }
        }
        _ => {}
    }
    pairs
        .into_iter()
        .filter_map(|(key, value)| {
            // Only URLs with a scheme: `host:port` values are too often
            // something else (`redis:6379` is a URL, `1:2` is not).
            value.contains("://").then_some(())?;
            let host = crate::graph::services::url_host(&value)?;
            Some((host, key))
        })
        .collect()
}

/// Workloads (their pod template's containers and labels) and Services of
/// one Kubernetes document.
fn kubernetes(
    path: &str,
    document: &Yaml,
    containers: &mut Vec<Container>,
    services: &mut Vec<KubeService>,
) {
    let kind = document.get("kind").and_then(Yaml::as_str).unwrap_or("");
    let name = document
        .at(&["metadata", "name"])
        .and_then(Yaml::as_str)
        .filter(|n| !n.contains(['{', '$']));
    // A `List` of objects, as `kubectl get -o yaml` writes.
    if kind == "List" {
        for item in document.get("items").map(Yaml::items).unwrap_or(&[]) {
            kubernetes(path, item, containers, services);
        }
        return;
    }
    if kind == "Service" {
        let selector: BTreeMap<String, String> = document
            .at(&["spec", "selector"])
            .map(string_map)
            .unwrap_or_default();
        if let Some(name) = name {
            services.push(KubeService {
                file: path.to_string(),
                name: name.to_string(),
                selector,
            });
        }
        return;
    }
    let template = match kind {
        "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" | "Job" => {
            document.at(&["spec", "template"])
        }
        "CronJob" => document.at(&["spec", "jobTemplate", "spec", "template"]),
        "Pod" => Some(document),
        _ => None,
    };
    let Some(template) = template else {
        return;
    };
    let mut container = Container {
        file: path.to_string(),
        source: Some(Source::Kubernetes),
        name: name.map(str::to_string),
        labels: template
            .at(&["metadata", "labels"])
            .map(string_map)
            .unwrap_or_default(),
        ..Container::default()
    };
    for pod_container in template
        .at(&["spec", "containers"])
        .map(Yaml::items)
        .unwrap_or(&[])
    {
        if let Some(image) = pod_container.get("image").and_then(Yaml::as_str) {
            container.images.extend(image_name(image));
        }
        if let Some(program) = pod_container.get("command").and_then(command_program) {
            container.runs.push(program);
        }
        container
            .env_urls
            .extend(environment_urls(pod_container.get("env")));
    }
    containers.push(container);
}

fn string_map(node: &Yaml) -> BTreeMap<String, String> {
    node.entries()
        .iter()
        .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
        .filter(|(_, v)| !v.contains('{'))
        .collect()
}

#[cfg(test)]
#[allow(clippy::disallowed_methods)] // tests build their workspaces directly
mod tests {
    use super::*;

    #[test]
    fn dockerfile_names_what_it_builds_and_runs() {
        let text = "\
FROM rust:1.80 AS build
WORKDIR /src
COPY . .
# cargo build -p commented-out
RUN cargo build --release --locked \\
    -p orders-api --bin orders && strip target/release/orders
RUN cargo install --path tools/migrate
FROM debian:bookworm-slim
COPY --from=build /src/target/release/orders /usr/local/bin/orders
COPY --from=build /src/target/release/admin-cli /usr/local/bin/admin-cli
ENTRYPOINT [\"/usr/local/bin/orders\", \"--config\", \"/etc/orders.toml\"]
";
        let container = dockerfile("services/orders/Dockerfile", text);
        assert_eq!(container.builds, ["orders-api", "orders"]);
        assert_eq!(container.runs, ["orders"]);
        assert_eq!(container.build_dirs, ["services/orders"]);
        let generic = dockerfile(
            "Dockerfile",
            "ARG PACKAGE\nRUN cargo build --release -p ${PACKAGE}\nCMD [\"sh\", \"-c\", \"/opt/${PACKAGE}/bin/${PACKAGE}\"]\n",
        );
        assert!(generic.builds.is_empty(), "{generic:?}");
        assert!(generic.runs.is_empty(), "{generic:?}");
        assert_eq!(
            dockerfile("docker/kitchen.Dockerfile", "FROM scratch\n").images,
            ["kitchen"]
        );
    }

    #[test]
    fn compose_services_give_hosts_builds_and_urls() {
        let text = "\
services:
  kitchen-rpc:
    build:
      context: ../services/kitchen
      dockerfile: docker/Dockerfile
      args:
        - BIN=kitchen
    container_name: kitchen
    environment:
      ORDERS_URL: http://orders:8080/api
      DATABASE_URL: postgres://app:secret@db:5432/kitchen
      LOG: info
  orders:
    image: ghcr.io/acme/orders-service:latest
    command: [\"/app/orders\", \"--port\", \"8080\"]
    networks:
      default:
        aliases:
          - orders-api
  db:
    image: postgres:16
";
        let document = yaml::parse_documents(text).remove(0);
        let found = compose("deploy/docker-compose.yml", &document);
        assert_eq!(found.len(), 3);
        let kitchen = &found[0];
        assert_eq!(kitchen.build_dirs, ["services/kitchen"]);
        assert_eq!(
            kitchen.dockerfile.as_deref(),
            Some("services/kitchen/docker/Dockerfile")
        );
        assert_eq!(kitchen.builds, ["kitchen"]);
        assert_eq!(
            kitchen.hosts,
            [
                ("kitchen-rpc".to_string(), "compose service"),
                ("kitchen".to_string(), "container_name")
            ]
        );
        assert_eq!(
            kitchen.env_urls,
            [
                ("orders".to_string(), "ORDERS_URL".to_string()),
                ("db".to_string(), "DATABASE_URL".to_string())
            ]
        );
        let orders = &found[1];
        assert_eq!(orders.images, ["orders-service"]);
        assert_eq!(orders.runs, ["orders"]);
        assert!(orders
            .hosts
            .contains(&("orders-api".to_string(), "network alias")));
    }

    #[test]
    fn kubernetes_services_name_the_workloads_they_select() {
        let root = std::env::temp_dir().join(format!("archfit-init-k8s-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join("deploy/k8s")).unwrap();
        std::fs::create_dir_all(root.join("target/debug")).unwrap();
        std::fs::write(
            root.join("deploy/k8s/kitchen.yaml"),
            "apiVersion: v1\nkind: Service\nmetadata:\n  name: kitchen-rpc\nspec:\n  selector:\n    app: kitchen\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: kitchen\nspec:\n  template:\n    metadata:\n      labels:\n        app: kitchen\n    spec:\n      containers:\n        - name: main\n          image: acme/kitchen:1\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: billing\nspec:\n  selector:\n    app: billing\n",
        )
        .unwrap();
        std::fs::write(root.join("target/debug/Dockerfile"), "FROM scratch\n").unwrap();
        std::fs::write(
            root.join("deploy/kitchen.proto"),
            "package kitchen.v1;\nservice Kitchen {}\n",
        )
        .unwrap();
        let repository = read(&root);
        let _ = std::fs::remove_dir_all(&root);
        assert_eq!(repository.containers.len(), 1, "{repository:?}");
        let kitchen = &repository.containers[0];
        assert_eq!(kitchen.images, ["kitchen"]);
        assert_eq!(
            kitchen.hosts,
            [("kitchen-rpc".to_string(), "Kubernetes Service")]
        );
        assert_eq!(repository.kube_services.len(), 1);
        assert_eq!(repository.kube_services[0].name, "billing");
        assert_eq!(
            repository
                .grpc
                .get("kitchen.v1.Kitchen")
                .map(String::as_str),
            Some("deploy/kitchen.proto")
        );
    }

    #[test]
    fn paths_never_leave_the_workspace() {
        assert_eq!(
            join("deploy", "../services/a").as_deref(),
            Some("services/a")
        );
        assert_eq!(join("", ".").as_deref(), Some(""));
        assert_eq!(join("", "../outside"), None);
        assert_eq!(join("deploy", "/abs"), None);
        assert_eq!(
            image_name("reg:5000/a/b/orders:1.2").as_deref(),
            Some("orders")
        );
        assert_eq!(image_name("orders@sha256:abc").as_deref(), Some("orders"));
    }
}
