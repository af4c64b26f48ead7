//! The service graph: which service depends on which, and how — a crate
//! dependency, an HTTP call to another service's host, a gRPC client of a
//! service another one serves, a client type from another service's crate,
//! or a message published to or consumed from a topic another service owns.

use std::collections::HashMap;
use std::fmt;

mod client_crates;
mod client_types;

use super::{CrateGraph, SHIPPED};
use crate::facts::{self, Arg, Facts};
use crate::pattern::{any_call, CallName, GlobPattern};
use crate::workspace::dependency_location;
use crate::workspace::{Architecture, Role, Workspace};
use crate::Location;

/// How one service depends on another.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
/// Ordered by how well each shows the coupling when several link the same
/// pair: a call in code first, the crate dependency (often a client crate
/// that exists for those calls) last.
pub enum EdgeKind {
    Http,
    /// The generated client of a gRPC service the target declares in `grpc`.
    Grpc,
    /// A `…Client` type from the target's crate that is none of its declared
    /// gRPC services (an HTTP client library, a hand-written wrapper).
    ClientCrate,
    /// Publishing to, or subscribing from, a topic the target owns.
    Event {
        topic: String,
        subscribe: bool,
    },
    Crate,
    /// Seen at run time in trace exports (`--traces`): the caller's span is
    /// the parent of the callee's. Producer→consumer when `asynchronous`.
    Runtime {
        asynchronous: bool,
    },
}

/// Kinds of service edges without their details, as named in a cycles
/// rule's `edges = [...]` and in graph legends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum EdgeFamily {
    Crate,
    Http,
    Grpc,
    ClientCrate,
    Event,
    Runtime,
}

impl EdgeFamily {
    /// The name used in `edges = [...]`.
    pub fn as_str(self) -> &'static str {
        match self {
            EdgeFamily::Crate => "crate",
            EdgeFamily::Http => "http",
            EdgeFamily::Grpc => "grpc",
            EdgeFamily::ClientCrate => "client-crate",
            EdgeFamily::Event => "event",
            EdgeFamily::Runtime => "runtime",
        }
    }
}

impl EdgeKind {
    /// The kind without its details.
    pub fn family(&self) -> EdgeFamily {
        match self {
            EdgeKind::Crate => EdgeFamily::Crate,
            EdgeKind::Http => EdgeFamily::Http,
            EdgeKind::Grpc => EdgeFamily::Grpc,
            EdgeKind::ClientCrate => EdgeFamily::ClientCrate,
            EdgeKind::Event { .. } => EdgeFamily::Event,
            EdgeKind::Runtime { .. } => EdgeFamily::Runtime,
        }
    }
}

impl fmt::Display for EdgeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EdgeKind::Event { topic, .. } => write!(f, "event: {topic}"),
            other => f.write_str(other.family().as_str()),
        }
    }
}

/// One piece of evidence that service `from` depends on service `to`.
#[derive(Debug, Clone)]
pub struct ServiceEdge {
    pub from: usize,
    pub to: usize,
    pub kind: EdgeKind,
    pub location: Option<Location>,
    /// What makes the edge: the crate, the URL, the client type, the call.
    pub detail: String,
    /// Only test code makes it (a `#[cfg(test)]` smoke test against a
    /// staging stack); only rules with `include_tests` see it.
    pub test_only: bool,
}

/// Calls between services seen in trace exports (`--traces`).
#[derive(Debug, Clone, Default)]
pub struct Runtime {
    /// The traces files read, as shown.
    pub files: Vec<String>,
    /// Sorted by (from, to, asynchronous).
    pub edges: Vec<RuntimeEdge>,
    /// Where each service is declared (its `name` in archfit.toml), for
    /// findings no place in code explains.
    pub declared: Vec<Option<Location>>,
    /// Each service's `otel_names`.
    pub otel_names: Vec<Vec<String>>,
}

/// Calls from one service to another seen at run time.
#[derive(Debug, Clone)]
pub struct RuntimeEdge {
    pub from: usize,
    pub to: usize,
    /// Producer→consumer: a message, not a request the caller waits on.
    pub asynchronous: bool,
    /// Parent→child span pairs seen.
    pub calls: u64,
    /// The first pair: where it is in the traces file, and its ids.
    pub location: Location,
    pub example: crate::traces::Example,
}

impl RuntimeEdge {
    /// Whether a static edge accounts for this one: an edge from the caller
    /// to the callee, or, for a message, the consumer subscribing to a
    /// topic the producer owns.
    pub fn explained_by(&self, edge: &ServiceEdge) -> bool {
        (edge.from, edge.to) == (self.from, self.to)
            || (self.asynchronous
                && (edge.from, edge.to) == (self.to, self.from)
                && matches!(
                    edge.kind,
                    EdgeKind::Event {
                        subscribe: true,
                        ..
                    }
                ))
    }

    /// The edge as the service graph holds it. A message points from the
    /// consumer to the producer, as a subscription to a topic the producer
    /// owns does (`topics` are what a service publishes), so it closes no
    /// cycle with that subscription.
    pub fn service_edge(&self) -> ServiceEdge {
        let (from, to) = if self.asynchronous {
            (self.to, self.from)
        } else {
            (self.from, self.to)
        };
        ServiceEdge {
            from,
            to,
            kind: EdgeKind::Runtime {
                asynchronous: self.asynchronous,
            },
            location: Some(self.location.clone()),
            detail: format!(
                "{} {}{} seen in traces (e.g. span {} → span {})",
                self.calls,
                if self.asynchronous { "message" } else { "call" },
                if self.calls == 1 { "" } else { "s" },
                self.example.parent_span_id,
                self.example.child_span_id,
            ),
            test_only: false,
        }
    }
}

/// The runtime edges no production static edge of `statics` explains, as
/// service edges: what the traces add to the graph the code shows (an
/// explained call would only double an edge; an explained message would
/// point back at its own subscription).
pub fn runtime_additions(statics: &[ServiceEdge], runtime: &Runtime) -> Vec<ServiceEdge> {
    runtime
        .edges
        .iter()
        .filter(|r| {
            !statics
                .iter()
                .filter(|s| !s.test_only && !matches!(s.kind, EdgeKind::Runtime { .. }))
                .any(|s| r.explained_by(s))
        })
        .map(RuntimeEdge::service_edge)
        .collect()
}

/// [`runtime`] with each service's `otel_names` and the place of its
/// `[[service]]` entry taken from the configuration that declares it.
pub fn runtime_of_config(
    architecture: &Architecture,
    decls: &[crate::config::ServiceDecl],
    file: &crate::error::SourceFile,
    traces: &crate::traces::Traces,
) -> (Runtime, Vec<String>) {
    let decl = |s: &crate::workspace::Service| decls.get(s.decl);
    let names: Vec<Vec<String>> = architecture
        .services
        .iter()
        .map(|s| {
            decl(s)
                .map(|d| d.otel_names.iter().map(|n| n.get_ref().clone()).collect())
                .unwrap_or_default()
        })
        .collect();
    let (mut runtime, unknown) = runtime(architecture, &names, traces);
    runtime.declared = architecture
        .services
        .iter()
        .map(|s| {
            Some(Location::from_span(
                &file.name,
                &file.text,
                decl(s)?.name.span(),
            ))
        })
        .collect();
    (runtime, unknown)
}

/// Maps the `service.name`s of `traces` to services: a service's `name`,
/// else one of its `names` (its `otel_names`). Gives the runtime edges and
/// the names that take part in a call but name no service, sorted.
pub fn runtime(
    architecture: &Architecture,
    names: &[Vec<String>],
    traces: &crate::traces::Traces,
) -> (Runtime, Vec<String>) {
    let service_of = |name: &str| {
        architecture
            .services
            .iter()
            .position(|s| s.name == name)
            .or_else(|| names.iter().position(|list| list.iter().any(|n| n == name)))
    };
    let mut unknown = std::collections::BTreeSet::new();
    let mut edges: Vec<RuntimeEdge> = Vec::new();
    for call in &traces.calls {
        let (from, to) = match (service_of(&call.from), service_of(&call.to)) {
            (Some(from), Some(to)) => (from, to),
            (from, to) => {
                if from.is_none() {
                    unknown.insert(call.from.clone());
                }
                if to.is_none() {
                    unknown.insert(call.to.clone());
                }
                continue;
            }
        };
        // Two names of one service (`otel_names`) call each other: within it.
        if from == to {
            continue;
        }
        let file = traces
            .files
            .get(call.example.file)
            .cloned()
            .unwrap_or_default();
        let location = Location {
            file,
            line: call.example.line,
            column: 1,
            end_line: call.example.line,
            end_column: 1,
            span: 0..0,
        };
        match edges
            .iter_mut()
            .find(|e| (e.from, e.to, e.asynchronous) == (from, to, call.asynchronous))
        {
            Some(edge) => edge.calls += call.count,
            None => edges.push(RuntimeEdge {
                from,
                to,
                asynchronous: call.asynchronous,
                calls: call.count,
                location,
                example: call.example.clone(),
            }),
        }
    }
    edges.sort_by_key(|e| (e.from, e.to, e.asynchronous));
    let runtime = Runtime {
        files: traces.files.clone(),
        edges,
        declared: Vec::new(),
        otel_names: names.to_vec(),
    };
    (runtime, unknown.into_iter().collect())
}

/// Address names that point at infrastructure, not at a service: a
/// database, a broker, the telemetry collector.
const INFRASTRUCTURE: &[&str] = &[
    "database",
    "db",
    "postgres",
    "pg",
    "mysql",
    "mongo",
    "mongodb",
    "redis",
    "cache",
    "kafka",
    "broker",
    "brokers",
    "bootstrap",
    "nats",
    "amqp",
    "rabbitmq",
    "rabbit",
    "sqs",
    "otel",
    "otlp",
    "jaeger",
    "zipkin",
    "collector",
    "telemetry",
    "tracing",
    "metrics",
    "sentry",
    "s3",
    "bind",
    "listen",
    "public",
    "base",
    "self",
];

/// A place where a service takes an address from outside its code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenAddress {
    pub location: Location,
    /// `$PRICING_URL` for an environment variable, else the field's name.
    pub text: String,
    /// An environment variable (read where deployment sets it), not a field.
    pub variable: bool,
}

/// Places in `service`'s code that take an address from deployment — an
/// environment variable or a configuration field named like one
/// (`RATES_URL`, `rates_endpoint`) — that names no declared service and no
/// infrastructure (a database, a broker, the collector): where a call the
/// code cannot show is most likely configured. Sorted by place.
pub fn open_addresses(
    architecture: &Architecture,
    facts: &Facts,
    service: usize,
    include_tests: bool,
) -> Vec<OpenAddress> {
    let names = AddressNames::new(architecture);
    let open = |name: &str| {
        let normal = normalise_name(name);
        let Some(stem) = facts::address_stem(&normal) else {
            return false;
        };
        names.owner(name).is_none() && !stem.split('_').any(|part| INFRASTRUCTURE.contains(&part))
    };
    let mut out = Vec::new();
    let Some(service) = architecture.services.get(service) else {
        return out;
    };
    for &member in &service.crates {
        let Some(krate) = facts.crates.get(member) else {
            continue;
        };
        for file in &krate.files {
            let kept = |module: usize, span: facts::Span| {
                include_tests || !file.is_test_code_at(module, span)
            };
            // Literals outside macros (a log line naming a variable is no
            // read of it), and attribute values (`#[arg(env = "…")]`).
            let strings = file
                .strings
                .iter()
                .filter(|s| s.in_macro.as_deref().is_none_or(|m| m.ends_with("env")))
                .map(|s| (&s.value, s.span, s.module));
            let attributes = file.attributes.iter().map(|a| (&a.value, a.span, a.module));
            for (value, span, module) in strings.chain(attributes) {
                if is_variable_name(value) && open(value) && kept(module, span) {
                    out.push(OpenAddress {
                        location: facts::location(file, span),
                        text: format!("${value}"),
                        variable: true,
                    });
                }
            }
            for name in file.address_names.iter().filter(|n| n.declares_field) {
                if open(&name.name) && kept(name.module, name.span) {
                    out.push(OpenAddress {
                        location: facts::location(file, name.span),
                        text: name.name.to_string(),
                        variable: false,
                    });
                }
            }
        }
    }
    out.sort_by(|a, b| a.location.cmp(&b.location));
    out.dedup();
    out
}

/// Method names (or `Type::function` paths) that publish or subscribe.
#[derive(Debug, Clone)]
pub struct MessagingMethods {
    pub publish: Vec<String>,
    pub subscribe: Vec<String>,
}

impl Default for MessagingMethods {
    /// Fits rdkafka, lapin, async-nats, redis streams and similar clients.
    fn default() -> MessagingMethods {
        let list = |names: &[&str]| names.iter().map(|s| s.to_string()).collect();
        MessagingMethods {
            publish: list(&[
                "publish",
                "publish_with_headers",
                "send",
                "send_to",
                "produce",
                "basic_publish",
                "FutureRecord::to",
                "BaseRecord::to",
                "xadd",
            ]),
            subscribe: list(&[
                "subscribe",
                "queue_subscribe",
                "basic_consume",
                "consume",
                "xread",
                "xreadgroup",
            ]),
        }
    }
}

/// Every edge between distinct services, sorted by (from, to, kind, place).
pub fn build(
    workspace: &Workspace,
    architecture: &Architecture,
    crates: &CrateGraph,
    facts: Option<&Facts>,
    methods: &MessagingMethods,
) -> Vec<ServiceEdge> {
    let mut edges = Vec::new();
    // (a) crate dependencies that ship.
    for (s, service) in architecture.services.iter().enumerate() {
        for &member in &service.crates {
            for edge in crates.dependencies(member, SHIPPED) {
                let Role::Service(to) = architecture.roles[edge.to] else {
                    continue;
                };
                if to != s {
                    edges.push(ServiceEdge {
                        from: s,
                        to,
                        kind: EdgeKind::Crate,
                        location: dependency_location(workspace, member, edge.dependency),
                        detail: format!(
                            "{} depends on {}",
                            workspace.members[member].name, workspace.members[edge.to].name
                        ),
                        test_only: false,
                    });
                }
            }
        }
    }
    // (a') another service's client crate that ships with this one.
    edges.extend(client_crates::edges(workspace, architecture, facts));
    // Addresses read from the environment or held in a field named for a
    // service: weaker evidence than a call, used only between services that
    // no other edge joins.
    let mut from_environment = Vec::new();
    if let Some(facts) = facts {
        let hosts: Vec<&[String]> = architecture.services.iter().map(|s| &s.hosts[..]).collect();
        let topics: Vec<&[GlobPattern]> = architecture
            .services
            .iter()
            .map(|s| &s.topics[..])
            .collect();
        let grpc = GrpcClients::of(architecture);
        let split = |names: &[String]| names.iter().map(|n| CallName::new(n)).collect::<Vec<_>>();
        let (publish_calls, subscribe_calls) = (split(&methods.publish), split(&methods.subscribe));
        // Each distinct topic text once: every service's patterns are tried
        // in turn, and the same topics are published to from many places.
        let topic_owners: std::cell::RefCell<HashMap<String, Option<usize>>> = Default::default();
        let owner_of_topic = |topic: &str| {
            if let Some(&owner) = topic_owners.borrow().get(topic) {
                return owner;
            }
            let owner = topics
                .iter()
                .position(|patterns| patterns.iter().any(|p| p.is_match(topic)));
            topic_owners.borrow_mut().insert(topic.to_string(), owner);
            owner
        };
        let host_owners: std::cell::RefCell<HashMap<String, Option<usize>>> = Default::default();
        let owner_of_host = |host: String| {
            if let Some(&owner) = host_owners.borrow().get(&host) {
                return owner;
            }
            let owner = hosts
                .iter()
                .position(|list| list.iter().any(|h| host_matches(&host, h)));
            host_owners.borrow_mut().insert(host, owner);
            owner
        };
        // Dependency code names of each member → the member they name.
        let member_dependencies: Vec<HashMap<String, usize>> = workspace
            .members
            .iter()
            .map(|m| {
                m.dependencies
                    .iter()
                    .filter_map(|d| Some((d.key.replace('-', "_"), d.member?)))
                    .collect()
            })
            .collect();
        let address_names = AddressNames::new(architecture);
        let helpers = client_types::ClientTypes::find(
            architecture,
            facts,
            &grpc,
            &member_dependencies,
            |name| address_names.type_owner(name),
        );
        // Names of struct fields that hold an address: configuration a
        // program is given. A parameter or local of that shape alone (an
        // address advertised to clients in an OpenAPI document) is no call.
        let address_fields: std::collections::HashSet<&str> = facts
            .crates
            .iter()
            .flat_map(|krate| &krate.files)
            .flat_map(|file| &file.address_names)
            .filter(|n| n.declares_field)
            .map(|n| n.name.as_str())
            .collect();
        let spawners = spawning_functions(facts);
        let all_constants: Vec<HashMap<&str, Vec<&str>>> = facts
            .crates
            .iter()
            .map(|krate| every_string_constant(&krate.files))
            .collect();
        for (s, service) in architecture.services.iter().enumerate() {
            for &member in &service.crates {
                let constants = string_constants(&facts.crates[member].files);
                let sink_only_names = names_only_handed_on(
                    &facts.crates[member].files,
                    &spawners,
                    member,
                    &workspace.members[member].dependencies,
                );
                let field_defaults = unique_by_name(
                    facts.crates[member]
                        .files
                        .iter()
                        .flat_map(|f| &f.field_defaults)
                        .map(|d| (d.field.as_str(), d.value.as_str())),
                );
                let dependencies = &member_dependencies[member];
                // Dependency code names of this member that belong to other services.
                let foreign: HashMap<String, usize> = workspace.members[member]
                    .dependencies
                    .iter()
                    .filter_map(|d| match architecture.roles[d.member?] {
                        Role::Service(owner) => Some((d.key.replace('-', "_"), owner)),
                        _ => None,
                    })
                    .collect();
                // Types this member defines, each named client type once.
                let member_types: std::collections::HashSet<&str> = facts.crates[member]
                    .files
                    .iter()
                    .flat_map(|f| &f.aliases)
                    .map(|a| a.name.as_str())
                    .collect();
                let mut named_clients_seen = std::collections::HashSet::new();
                for file in &facts.crates[member].files {
                    let test_only =
                        |module: usize, span: facts::Span| file.is_test_code_at(module, span);
                    // (b) HTTP calls: URL literals, and the defaults of CLI
                    // arguments (where the service is called unless
                    // deployment says otherwise). A URL only handed to a
                    // child process or its environment configures another
                    // program.
                    let handed_on = handed_to_other_programs(file, &sink_only_names);
                    let literals = file
                        .strings
                        .iter()
                        .filter(|s| !handed_on.contains(&s.span))
                        .map(|s| (&s.value, s.span, s.module));
                    let cli_defaults = file
                        .attributes
                        .iter()
                        .filter(|a| is_cli_default(a) && !handed_on.contains(&a.span))
                        .map(|a| (&a.value, a.span, a.module));
                    // A string constant of another workspace crate named here
                    // (`use shuttle_common::API_URL_DEFAULT`): every value it may
                    // have, as `#[cfg]` variants give it several.
                    let dependency_constants = file
                        .uses
                        .iter()
                        .map(|u| (&u.segments, u.span, u.module))
                        .chain(file.paths.iter().map(|p| (&p.segments, p.span, p.module)))
                        .filter(|(segments, _, _)| segments.len() >= 2)
                        .filter_map(|(segments, span, module)| {
                            let krate = *dependencies.get(segments[0].as_str())?;
                            let values = all_constants[krate].get(segments.last()?.as_str())?;
                            Some(values.iter().map(move |&value| (value, span, module)))
                        })
                        .flatten()
                        .filter(|(_, span, _)| !handed_on.contains(span));
                    let owned = literals
                        .chain(cli_defaults)
                        .map(|(value, span, module)| (value.as_str(), span, module));
                    for (value, span, module) in owned.chain(dependency_constants) {
                        let Some(host) = url_host(value) else {
                            continue;
                        };
                        let to = owner_of_host(host);
                        if let Some(to) = to.filter(|&to| to != s) {
                            edges.push(ServiceEdge {
                                from: s,
                                to,
                                kind: EdgeKind::Http,
                                location: Some(facts::location(file, span)),
                                detail: value.to_string(),
                                test_only: test_only(module, span),
                            });
                        }
                    }
                    // (b') the name of an environment variable holding another
                    // service's address (`ACCOUNT_VIEW_URL` read by env::var,
                    // `#[arg(env = …)]`, `#[envconfig(from = …)]`), as
                    // cross-service-db reads `PAYMENTS_DATABASE_URL`.
                    let strings = file
                        .strings
                        .iter()
                        .map(|s| (s.value.as_str(), s.span, s.module));
                    let attributes = file
                        .attributes
                        .iter()
                        .map(|a| (a.value.as_str(), a.span, a.module));
                    let variables = strings
                        .chain(attributes)
                        .filter(|(value, _, _)| is_variable_name(value))
                        .map(|(value, span, module)| (value, span, module, true));
                    // (b'') and a field or binding named for one (`args.auth_uri`,
                    // `config.registry_url`): the address comes from deployment,
                    // the name says whose it is.
                    let names = file
                        .address_names
                        .iter()
                        .filter(|n| {
                            address_fields.contains(n.name.as_str())
                                && !sink_only_names.contains(n.name.as_str())
                        })
                        .map(|n| (n.name.as_str(), n.span, n.module, false));
                    for (value, span, module, variable) in variables.chain(names) {
                        let Some(to) = address_names.owner(value) else {
                            continue;
                        };
                        if to != s && !handed_on.contains(&span) {
                            from_environment.push(ServiceEdge {
                                from: s,
                                to,
                                kind: address_kind(&architecture.services[to]),
                                location: Some(facts::location(file, span)),
                                detail: if variable {
                                    format!("${value}")
                                } else {
                                    value.to_string()
                                },
                                test_only: test_only(module, span),
                            });
                        }
                    }
                    // (b''') a client type of this crate named for another
                    // service (`StorageControllerUpcallClient`, `ComputeCtlApi`):
                    // the name says whose API its methods call.
                    for block in &file.impls {
                        let name = block.self_type.as_str();
                        if block.trait_name.is_some()
                            || !member_types.contains(name)
                            || !named_clients_seen.insert(name)
                        {
                            continue;
                        }
                        let Some(to) =
                            client_type_stem(name).and_then(|stem| address_names.type_owner(stem))
                        else {
                            continue;
                        };
                        if to != s {
                            from_environment.push(ServiceEdge {
                                from: s,
                                to,
                                kind: address_kind(&architecture.services[to]),
                                location: Some(facts::location(file, block.span)),
                                detail: format!(
                                    "{name}, a client named for {}",
                                    architecture.services[to].name
                                ),
                                test_only: test_only(block.module, block.span),
                            });
                        }
                    }
                    // (c) gRPC clients of a service another one serves, and
                    // client types from another service's crate.
                    let uses = file.uses.iter().map(|u| (&u.segments, u.span, u.module));
                    let paths = file.paths.iter().map(|p| (&p.segments, p.span, p.module));
                    for (segments, span, module) in uses.chain(paths) {
                        let (Some(first), Some(last)) = (segments.first(), segments.last()) else {
                            continue;
                        };
                        // A client received only to be dropped calls nobody.
                        let unused = |u: &facts::Span| u.start <= span.start && span.end <= u.end;
                        if file.unused_parameter_types.iter().any(unused) {
                            continue;
                        }
                        // An item of another workspace crate that is a
                        // declared service's client, however many layers
                        // deep (`arroyo_rpc::controller_client`,
                        // `operator::insert::Inserter`; see client_types),
                        // named anywhere along the path:
                        // `krate::clients::GrpcShardManager::new`.
                        let helper = dependencies
                            .get(first.as_str())
                            .map(|&krate| {
                                let mut services = helpers.in_path(krate, &segments[1..]);
                                // Another service's crate is a client library of
                                // that service only: the clients of third services
                                // its types hold are its own calls (golem's
                                // debugging service runs the executor's `All` with
                                // a local shard manager).
                                if let Role::Service(owner) = architecture.roles[krate] {
                                    if owner != s {
                                        services.retain(|&to| to == owner);
                                    }
                                }
                                services
                            })
                            .unwrap_or_default();
                        let (kind, targets) = match grpc.named(segments, s) {
                            ClientOf::Nothing if !helper.is_empty() => {
                                (EdgeKind::Grpc, helper.into_iter().collect())
                            }
                            ClientOf::Service(to) => (EdgeKind::Grpc, vec![to]),
                            // Its own client (an admin CLI), or a name two
                            // services' protos share: no edge rather than
                            // one to a wrong service.
                            ClientOf::NoEdge => continue,
                            ClientOf::Nothing => match foreign.get(first.as_str()) {
                                Some(&to) if last.ends_with("Client") => {
                                    (EdgeKind::ClientCrate, vec![to])
                                }
                                _ => continue,
                            },
                        };
                        for to in targets {
                            if to != s {
                                edges.push(ServiceEdge {
                                    from: s,
                                    to,
                                    kind: kind.clone(),
                                    location: Some(facts::location(file, span)),
                                    detail: segments.join("::"),
                                    test_only: test_only(module, span),
                                });
                            }
                        }
                    }
                    // (d) messaging.
                    for call in &file.calls {
                        let publish = any_call(&publish_calls, &call.callee, call.method);
                        let subscribe =
                            !publish && any_call(&subscribe_calls, &call.callee, call.method);
                        if !publish && !subscribe {
                            continue;
                        }
                        // A literal, a `const`/`static` of this crate
                        // (`FutureRecord::to(REFUND_REQUESTS)`), or a field
                        // whose CLI default names the topic
                        // (`FutureRecord::to(&self.reply_topic)`), at the call.
                        let topic = call.args.iter().find_map(|arg| {
                            let (value, span) = match arg {
                                Arg::Str(value, span) => (value.as_str(), *span),
                                // A `let` (or assignment) of this file that
                                // names an owned topic, else a constant.
                                Arg::Name(name) => file
                                    .bindings
                                    .iter()
                                    .filter(|b| !b.constant && &b.name == name)
                                    .find(|b| owner_of_topic(&b.value).is_some())
                                    .map(|b| (b.value.as_str(), call.span))
                                    .or_else(|| {
                                        Some((*constants.get(name.as_str())?, call.span))
                                    })?,
                                Arg::Field(name) => {
                                    (*field_defaults.get(name.as_str())?, call.span)
                                }
                                Arg::Template(..) | Arg::Other => return None,
                            };
                            Some((value, span, owner_of_topic(value)?))
                        });
                        // Else a topic built with `format!` around data
                        // (`format!("{}-commands", step.service)`): every
                        // service owning a topic of that family may be sent to.
                        let owners = match topic {
                            Some((value, span, to)) => vec![(value.to_string(), span, to)],
                            None => call
                                .args
                                .iter()
                                .find_map(|arg| {
                                    let (template, span) = match arg {
                                        Arg::Template(template, span) => (&**template, *span),
                                        Arg::Name(name) => file
                                            .template_bindings
                                            .iter()
                                            .find(|b| &b.name == name)
                                            .map(|b| (&b.template, b.span))?,
                                        _ => return None,
                                    };
                                    let fill =
                                        |hole: &str| constants.get(hole).map(|v| v.to_string());
                                    Some((template.pattern(fill)?, span))
                                })
                                .map(|(pattern, span)| {
                                    owners_of_topic_family(&pattern, &topics)
                                        .into_iter()
                                        .map(|to| (pattern.clone(), span, to))
                                        .collect()
                                })
                                .unwrap_or_default(),
                        };
                        for (value, span, to) in owners {
                            if to != s {
                                edges.push(ServiceEdge {
                                    from: s,
                                    to,
                                    kind: EdgeKind::Event {
                                        topic: value.clone(),
                                        subscribe,
                                    },
                                    location: Some(facts::location(file, span)),
                                    detail: format!("{}(\"{value}\")", call.callee.join("::")),
                                    test_only: test_only(call.module, call.span),
                                });
                            }
                        }
                    }
                }
            }
        }
    }
    let joined: std::collections::HashSet<(usize, usize)> =
        edges.iter().map(|e| (e.from, e.to)).collect();
    edges.extend(
        from_environment
            .into_iter()
            .filter(|e| !joined.contains(&(e.from, e.to))),
    );
    // Production edges first between two services: they are the ones quoted.
    edges.sort_by(|a, b| {
        (a.from, a.to, a.test_only, &a.kind, &a.location).cmp(&(
            b.from,
            b.to,
            b.test_only,
            &b.kind,
            &b.location,
        ))
    });
    edges
}

/// The client names tonic generates for every declared gRPC service: the
/// type `{Service}Client` and its module `{service}_client`, wherever the
/// generated code is included (a shared proto crate, `include_proto!`).
struct GrpcClients<'a> {
    /// Client type name → (serving service, proto package parts).
    types: HashMap<String, Vec<(usize, Vec<&'a str>)>>,
    /// Client module name → the same.
    modules: HashMap<String, Vec<(usize, Vec<&'a str>)>>,
}

/// What a path says about gRPC clients.
#[derive(Debug, PartialEq, Eq)]
enum ClientOf {
    /// It names no declared service's client.
    Nothing,
    /// The client of a service the caller serves itself, or of a name that
    /// services in different proto packages share and the path does not
    /// tell apart.
    NoEdge,
    /// The client of this service.
    Service(usize),
}

impl<'a> GrpcClients<'a> {
    /// Whether no service declares a `grpc` name.
    fn is_empty(&self) -> bool {
        self.types.is_empty()
    }

    /// The clients of every service's declared `grpc` names.
    fn of(architecture: &'a Architecture) -> GrpcClients<'a> {
        GrpcClients::new(
            architecture
                .services
                .iter()
                .enumerate()
                .flat_map(|(s, service)| service.grpc.iter().map(move |g| (s, g.as_str()))),
        )
    }

    /// From (serving service, declared name) pairs.
    fn new(declared: impl Iterator<Item = (usize, &'a str)>) -> GrpcClients<'a> {
        let mut clients = GrpcClients {
            types: HashMap::new(),
            modules: HashMap::new(),
        };
        for (s, name) in declared {
            let mut parts: Vec<&str> = name.split('.').collect();
            let Some(service_name) = parts.pop().filter(|n| !n.is_empty()) else {
                continue;
            };
            clients
                .types
                .entry(format!("{service_name}Client"))
                .or_default()
                .push((s, parts.clone()));
            clients
                .modules
                .entry(format!("{}_client", tonic_snake_case(service_name)))
                .or_default()
                .push((s, parts));
        }
        clients
    }

    /// Whose client `segments` (a `use` or a path in service `from`) names:
    /// a segment that is a client type (`RoutingClient::connect`), or a
    /// last segment that is a client module (`use proto::routing_client`).
    fn named<S: AsRef<str>>(&self, segments: &[S], from: usize) -> ClientOf {
        let last = segments.len().saturating_sub(1);
        let candidates = segments.iter().enumerate().find_map(|(i, segment)| {
            self.types
                .get(segment.as_ref())
                .or_else(|| self.modules.get(segment.as_ref()).filter(|_| i == last))
        });
        let Some(candidates) = candidates else {
            return ClientOf::Nothing;
        };
        // Same-named services of different packages: the path's modules
        // (`fleet::v1::routing_client`) tell which one is meant.
        let in_path = |package: &[&str]| {
            package
                .iter()
                .all(|part| segments.iter().any(|s| s.as_ref() == *part))
        };
        let by_package: Vec<usize> = candidates
            .iter()
            .filter(|(_, package)| in_path(package))
            .map(|(s, _)| *s)
            .collect();
        let mut services = if by_package.is_empty() {
            candidates.iter().map(|(s, _)| *s).collect()
        } else {
            by_package
        };
        services.sort_unstable();
        services.dedup();
        match services.as_slice() {
            [to] if *to != from => ClientOf::Service(*to),
            _ => ClientOf::NoEdge,
        }
    }
}

/// The module name tonic derives from a service name: `RoutingService`
/// gives `routing_service`, `HTTPGateway` gives `h_t_t_p_gateway`.
fn tonic_snake_case(name: &str) -> String {
    let mut snake = String::with_capacity(name.len() + 4);
    let mut chars = name.chars().peekable();
    while let Some(c) = chars.next() {
        snake.push(c.to_ascii_lowercase());
        if chars.peek().is_some_and(|next| next.is_uppercase()) {
            snake.push('_');
        }
    }
    snake
}

/// Calls that hand a value to another program rather than call a service:
/// a child process's arguments and environment, the process environment.
fn configures_other_program(call: &facts::CallFact) -> bool {
    let last = call.callee.last().map(facts::Name::as_str);
    match (call.method, last) {
        (true, Some("env" | "envs" | "arg" | "args")) => true,
        (false, Some("set_var")) => true,
        (false, Some("new")) => call.callee.iter().any(|s| s == "Command"),
        _ => false,
    }
}

/// Names (bindings, constants, fields) passed to such calls, or to a
/// workspace function that starts a program, and to no other call. Handing
/// a value to a constructor of this crate's own type (which keeps it for
/// later) neither uses nor hands it on.
fn names_only_handed_on(
    files: &[facts::FileFacts],
    spawners: &HashMap<usize, std::collections::HashSet<String>>,
    member: usize,
    dependencies: &[crate::workspace::Dependency],
) -> std::collections::HashSet<String> {
    let own_types: std::collections::HashSet<&str> = files
        .iter()
        .flat_map(|f| &f.aliases)
        .map(|a| a.name.as_str())
        .collect();
    let starts_program = |call: &facts::CallFact| {
        if call.method {
            return false;
        }
        let own = spawners.get(&member);
        match call.callee.as_slice() {
            [name] => own.is_some_and(|set| set.contains(name.as_str())),
            [.., module, name] => {
                let key = format!("{module}::{name}");
                std::iter::once(member)
                    .chain(dependencies.iter().filter_map(|d| d.member))
                    .any(|m| spawners.get(&m).is_some_and(|set| set.contains(&key)))
            }
            [] => false,
        }
    };
    let keeps_for_later = |call: &facts::CallFact| {
        !call.method
            && call.callee.len() >= 2
            && own_types.contains(call.callee[call.callee.len() - 2].as_str())
    };
    let mut handed = std::collections::HashSet::new();
    let mut used = std::collections::HashSet::new();
    for call in files.iter().flat_map(|f| &f.calls) {
        for arg in &call.args {
            let (Arg::Name(name) | Arg::Field(name)) = arg else {
                continue;
            };
            if configures_other_program(call) || starts_program(call) {
                handed.insert(name.to_string());
            } else if !keeps_for_later(call) {
                used.insert(name.to_string());
            }
        }
    }
    handed.retain(|name| !used.contains(name));
    handed
}

/// Functions that start another program (`Command::new` in the body), by
/// member: `name` and `module::name`, as calls spell them.
fn spawning_functions(facts: &Facts) -> HashMap<usize, std::collections::HashSet<String>> {
    let mut found: HashMap<usize, std::collections::HashSet<String>> = HashMap::new();
    for (member, krate) in facts.crates.iter().enumerate() {
        for file in &krate.files {
            for function in &file.functions {
                if function.owner.is_some() || !function.calls.iter().any(|c| c == "Command::new") {
                    continue;
                }
                let set = found.entry(member).or_default();
                set.insert(function.name.to_string());
                if let Some(module) = file.modules[function.module].path.last() {
                    set.insert(format!("{module}::{}", function.name));
                }
            }
        }
    }
    found
}

/// Spans of the string literals of `file` that only configure another
/// program: arguments of such calls, and bindings only passed to them.
fn handed_to_other_programs(
    file: &facts::FileFacts,
    names: &std::collections::HashSet<String>,
) -> std::collections::HashSet<facts::Span> {
    let mut spans: std::collections::HashSet<facts::Span> = file
        .calls
        .iter()
        .filter(|call| configures_other_program(call))
        .flat_map(|call| &call.args)
        .filter_map(|arg| arg.literal().map(|(_, span)| span))
        .collect();
    spans.extend(
        file.bindings
            .iter()
            .filter(|b| names.contains(b.name.as_str()))
            .map(|b| b.span),
    );
    // `#[arg(default_value = "http://provisioner:3000")] provisioner_address`
    // only passed on to the program it configures.
    spans.extend(
        file.field_defaults
            .iter()
            .filter(|d| names.contains(d.field.as_str()))
            .map(|d| d.span),
    );
    spans
}

/// Every value each production string `const`/`static` of a crate may have
/// (`#[cfg]` variants give one name several).
fn every_string_constant(files: &[facts::FileFacts]) -> HashMap<&str, Vec<&str>> {
    let mut found: HashMap<&str, Vec<&str>> = HashMap::new();
    for file in files {
        for binding in file.bindings.iter().filter(|b| b.constant) {
            if !file.is_test_code(binding.module) {
                found.entry(&binding.name).or_default().push(&binding.value);
            }
        }
    }
    found
}

/// The string `const`s and `static`s of a crate by name; a name given two
/// different values (in two modules) is left out rather than guessed.
fn string_constants(files: &[facts::FileFacts]) -> HashMap<&str, &str> {
    unique_by_name(
        files
            .iter()
            .flat_map(|f| &f.bindings)
            .filter(|b| b.constant)
            .map(|b| (b.name.as_str(), b.value.as_str())),
    )
}

/// Values by key, leaving out a key given two different values: a name two
/// places define differently is not guessed.
fn unique_by_name<K: std::hash::Hash + Eq, V: PartialEq>(
    pairs: impl Iterator<Item = (K, V)>,
) -> HashMap<K, V> {
    let mut found: HashMap<K, Option<V>> = HashMap::new();
    for (key, value) in pairs {
        match found.entry(key) {
            std::collections::hash_map::Entry::Occupied(mut known) => {
                if known.get().as_ref() != Some(&value) {
                    known.insert(None);
                }
            }
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(Some(value));
            }
        }
    }
    found
        .into_iter()
        .filter_map(|(key, value)| Some((key, value?)))
        .collect()
}

/// The services owning a topic of the family `pattern` (`*-commands`): a
/// topic they declare by its full name that the pattern matches, or a
/// declared pattern written the same way. A pattern with no `*` is one
/// topic, owned as usual.
fn owners_of_topic_family(pattern: &str, topics: &[&[GlobPattern]]) -> Vec<usize> {
    let family = GlobPattern::new(pattern, 0..0);
    topics
        .iter()
        .enumerate()
        .filter(|(_, declared)| {
            declared.iter().any(|topic| {
                let literal = !topic.text.contains(['*', '?', '[', '{']);
                (literal && family.is_match(&topic.text))
                    || topic.text == pattern
                    || (!pattern.contains('*') && topic.is_match(pattern))
            })
        })
        .map(|(owner, _)| owner)
        .collect()
}

/// Which service a name holding an address names: an environment variable
/// (`ACCOUNT_VIEW_URL`, `CREATE_ACCOUNT_URL`) or a field or binding
/// (`auth_uri`, `registry_url`). The name, less its address ending
/// (`_url`, `_uri`, `_addr`, `_address`, `_endpoint`, `_host`), ends with a
/// service's name or host at a word boundary; the longest such ending
/// decides, and one that two services could claim names neither.
struct AddressNames {
    /// Normalised stem → its service, `None` when two claim it.
    stems: HashMap<String, Option<usize>>,
}

impl AddressNames {
    fn new(architecture: &Architecture) -> AddressNames {
        let mut stems: HashMap<String, Option<usize>> = HashMap::new();
        for (index, service) in architecture.services.iter().enumerate() {
            let names = std::iter::once(&service.name)
                .chain(&service.hosts)
                .filter(|name| !name.contains(['*', '?', '[']));
            for name in names {
                let stem = normalise_name(name);
                // `registry-service` is also called `registry` (`registry_url`).
                let short = ["_service", "_svc", "_server"]
                    .iter()
                    .find_map(|suffix| stem.strip_suffix(suffix).filter(|s| !s.is_empty()))
                    .map(str::to_string);
                for stem in std::iter::once(stem).chain(short) {
                    stems
                        .entry(stem)
                        .and_modify(|owner| {
                            if *owner != Some(index) {
                                *owner = None;
                            }
                        })
                        .or_insert(Some(index));
                }
            }
        }
        AddressNames { stems }
    }

    /// The service a type is named for: its name in snake case begins with
    /// a service's name or host at a word boundary (`DatanodeManager`,
    /// `StorageControllerUpcallClient`); the longest such beginning decides.
    fn type_owner(&self, type_name: &str) -> Option<usize> {
        let name = tonic_snake_case(type_name);
        let heads = std::iter::once(name.as_str())
            .chain(name.rmatch_indices('_').map(|(at, _)| &name[..at]))
            .filter(|head| !head.is_empty());
        for head in heads {
            if let Some(owner) = self.stems.get(head) {
                return *owner;
            }
        }
        None
    }

    /// The service `name` holds the address of.
    fn owner(&self, name: &str) -> Option<usize> {
        let name = normalise_name(name);
        let stem = facts::address_stem(&name)?;
        let tails = std::iter::once(stem).chain(
            stem.match_indices('_')
                .map(|(at, _)| &stem[at + 1..])
                .filter(|tail| !tail.is_empty()),
        );
        for tail in tails {
            if let Some(owner) = self.stems.get(tail) {
                return *owner;
            }
        }
        None
    }
}

/// The kind of a call whose address deployment gives: gRPC to a service
/// that serves only gRPC, else HTTP.
fn address_kind(served: &crate::workspace::Service) -> EdgeKind {
    if served.hosts.is_empty() && !served.grpc.is_empty() {
        EdgeKind::Grpc
    } else {
        EdgeKind::Http
    }
}

/// `StorageControllerUpcall` of `StorageControllerUpcallClient`: the name
/// of a client type less its ending (`Client`, `Api`), if it has one.
fn client_type_stem(name: &str) -> Option<&str> {
    ["ApiClient", "HttpClient", "Client", "Api"]
        .iter()
        .find_map(|ending| name.strip_suffix(ending))
        .filter(|stem| !stem.is_empty())
}

/// Lower case with `-` and `.` as `_`: how a service name appears in code.
pub fn normalise_name(name: &str) -> String {
    name.to_ascii_lowercase().replace(['-', '.'], "_")
}

/// `ACCOUNT_VIEW_URL`: the shape of an environment variable's name.
fn is_variable_name(text: &str) -> bool {
    text.contains('_')
        && text
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

/// `#[arg(default_value = "…")]` and its clap/structopt spellings.
fn is_cli_default(attribute: &facts::AttributeFact) -> bool {
    matches!(
        attribute.attribute.as_str(),
        "arg" | "clap" | "structopt" | "option"
    ) && matches!(
        attribute.key.as_str(),
        "default_value" | "default_missing_value" | "default_value_os"
    )
}

/// The host of a URL-looking literal: `http://payments:8080/x` and
/// `payments:8080/x` give `payments`; plain words give nothing.
pub fn url_host(text: &str) -> Option<String> {
    let text = text.trim();
    let (rest, had_scheme) = match text.split_once("://") {
        Some((scheme, rest))
            if !scheme.is_empty()
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '+') =>
        {
            (rest, true)
        }
        Some(_) => return None,
        None => (text, false),
    };
    let rest = rest.rsplit_once('@').map_or(rest, |(_, host)| host);
    let end = rest.find([':', '/', '?', '#']).unwrap_or(rest.len());
    let host = &rest[..end];
    let valid = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
    if !valid {
        return None;
    }
    if !had_scheme {
        // Without a scheme only `host:port` counts as an address.
        let after = &rest[end..];
        let port: String = after
            .strip_prefix(':')?
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        if port.is_empty() {
            return None;
        }
    }
    Some(host.to_lowercase())
}

/// `payments` matches host `payments` and `payments.prod.svc.cluster.local`.
pub fn host_matches(host: &str, service_host: &str) -> bool {
    host == service_host || host.split('.').next() == Some(service_host)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(from: &str, to: &str, asynchronous: bool, count: u64) -> crate::traces::Call {
        crate::traces::Call {
            from: from.into(),
            to: to.into(),
            asynchronous,
            count,
            example: crate::traces::Example {
                file: 0,
                line: 3,
                trace_id: "4bf92f3577b34da6a3ce929d0e0e4736".into(),
                parent_span_id: "00f067aa0ba902b7".into(),
                child_span_id: "00f067aa0ba902b8".into(),
                link: false,
            },
        }
    }

    fn three_services() -> Architecture {
        let named = crate::workspace::Service::named;
        Architecture {
            services: vec![named("orders"), named("payments"), named("shipping")],
            roles: Vec::new(),
        }
    }

    #[test]
    fn service_names_map_by_name_or_otel_names_and_unknown_ones_are_listed() {
        let traces = crate::traces::Traces {
            files: vec!["traces/staging.jsonl".into()],
            calls: vec![
                call("orders", "payments-api", false, 3),
                call("orders", "payments", false, 2),
                call("storefront", "orders", false, 9),
                // Two spellings of one service: a call within it.
                call("payments", "payments-api", false, 1),
            ],
            ..Default::default()
        };
        let names = vec![Vec::new(), vec!["payments-api".to_string()], Vec::new()];
        let (runtime, unknown) = runtime(&three_services(), &names, &traces);
        let edges: Vec<(usize, usize, u64)> = runtime
            .edges
            .iter()
            .map(|e| (e.from, e.to, e.calls))
            .collect();
        assert_eq!(edges, [(0, 1, 5)]);
        assert_eq!(unknown, ["storefront"]);
        assert_eq!(runtime.edges[0].location.file, "traces/staging.jsonl");
        assert_eq!(runtime.edges[0].location.line, 3);
    }

    #[test]
    fn only_runtime_edges_the_code_does_not_show_join_the_graph_and_messages_point_back() {
        let traces = crate::traces::Traces {
            files: vec!["t.jsonl".into()],
            calls: vec![
                call("orders", "payments", false, 4),
                call("orders", "shipping", true, 7),
                call("payments", "shipping", true, 1),
            ],
            ..Default::default()
        };
        let names = vec![Vec::new(); 3];
        let (runtime, _) = runtime(&three_services(), &names, &traces);
        let edge = |from, to, kind| ServiceEdge {
            from,
            to,
            kind,
            location: None,
            detail: String::new(),
            test_only: false,
        };
        let statics = vec![
            edge(0, 1, EdgeKind::Http),
            // shipping subscribes to a topic orders owns.
            edge(
                2,
                0,
                EdgeKind::Event {
                    topic: "orders.placed".into(),
                    subscribe: true,
                },
            ),
        ];
        let added: Vec<(usize, usize, EdgeKind)> = runtime_additions(&statics, &runtime)
            .into_iter()
            .map(|e| (e.from, e.to, e.kind))
            .collect();
        // payments -> shipping, a message no code shows, points from the
        // consumer to the producer, as a subscription would.
        assert_eq!(added, [(2, 1, EdgeKind::Runtime { asynchronous: true })]);
    }

    #[test]
    fn names_holding_an_address_name_the_service_they_end_with() {
        let service = |name: &str, hosts: &[&str]| crate::workspace::Service {
            hosts: hosts.iter().map(|h| h.to_string()).collect(),
            ..crate::workspace::Service::named(name)
        };
        let architecture = Architecture {
            services: vec![
                service("registry-service", &["golem-registry-service"]),
                service("account", &["account"]),
                service("account_view", &["account_view"]),
                service("auth", &["auth"]),
                service("billing", &["billing-api", "ledger"]),
                service("ledger", &["ledger"]),
                service("safekeeper", &["sk-*"]),
            ],
            roles: Vec::new(),
        };
        let names = AddressNames::new(&architecture);
        let owner = |name: &str| {
            names
                .owner(name)
                .map(|s| architecture.services[s].name.as_str())
        };
        assert_eq!(owner("registry_url"), Some("registry-service"));
        assert_eq!(
            owner("GOLEM_REGISTRY_SERVICE_HOST"),
            Some("registry-service")
        );
        assert_eq!(owner("auth_uri"), Some("auth"));
        // The longest ending decides: `account_view`, not `account`.
        assert_eq!(owner("ACCOUNT_VIEW_URL"), Some("account_view"));
        assert_eq!(owner("create_account_url"), Some("account"));
        assert_eq!(owner("billing_api_endpoints"), Some("billing"));
        // `ledger` is a host of two services: neither.
        assert_eq!(owner("ledger_addr"), None);
        // No address ending, no service ending, a glob host, the ending alone.
        assert_eq!(owner("auth_token"), None);
        assert_eq!(owner("database_url"), None);
        assert_eq!(owner("sk_url"), None);
        assert_eq!(owner("safekeeper_url"), Some("safekeeper"));
        assert_eq!(owner("_url"), None);
        assert_eq!(owner("url"), None);
    }

    #[test]
    fn url_hosts_with_and_without_scheme_and_port() {
        assert_eq!(
            url_host("http://payments:8080/v1/refunds").as_deref(),
            Some("payments")
        );
        assert_eq!(
            url_host("https://Payments.internal/x").as_deref(),
            Some("payments.internal")
        );
        assert_eq!(
            url_host("payments-svc:8080/v1").as_deref(),
            Some("payments-svc")
        );
        assert_eq!(
            url_host("grpc://user:pw@ledger:50051").as_deref(),
            Some("ledger")
        );
    }

    #[test]
    fn words_and_templates_are_not_urls() {
        assert_eq!(url_host("payments"), None);
        assert_eq!(url_host("select a seat from the list"), None);
        assert_eq!(url_host("http://{}/v1/orders"), None);
        assert_eq!(url_host("ratio: 3"), None);
        assert_eq!(url_host("orders.created"), None);
    }

    #[test]
    fn host_matches_exactly_or_by_first_label() {
        assert!(host_matches("payments", "payments"));
        assert!(host_matches("payments.prod.svc.cluster.local", "payments"));
        assert!(!host_matches("partner-payments.example.com", "payments"));
        assert!(!host_matches("api.stripe.com", "payments"));
    }

    fn path(text: &str) -> Vec<facts::Name> {
        text.split("::").map(facts::Name::new).collect()
    }

    #[test]
    fn generated_client_types_and_modules_name_the_serving_service() {
        let clients = GrpcClients::new(
            [
                (0, "fleet.routing.v1.Routing"),
                (1, "DispatchService"),
                (2, "provisioner.Provisioner"),
            ]
            .into_iter(),
        );
        let named = |text: &str, from: usize| clients.named(&path(text), from);
        assert_eq!(
            named("proto::routing_client::RoutingClient", 1),
            ClientOf::Service(0)
        );
        assert_eq!(named("RoutingClient::connect", 1), ClientOf::Service(0));
        assert_eq!(named("proto::routing_client", 1), ClientOf::Service(0));
        assert_eq!(
            named(
                "crate::pb::dispatch_service_client::DispatchServiceClient::new",
                0
            ),
            ClientOf::Service(1)
        );
        // Its own client: no edge, and not left to other rules either.
        assert_eq!(
            named("proto::routing_client::RoutingClient", 0),
            ClientOf::NoEdge
        );
        // Exact names only: a longer type, a module in the middle of a path.
        assert_eq!(named("proto::FastRoutingClient", 1), ClientOf::Nothing);
        assert_eq!(named("proto::RoutingClientConfig", 1), ClientOf::Nothing);
        assert_eq!(named("crate::routing_client::retry", 1), ClientOf::Nothing);
        assert_eq!(
            named("proto::routing_server::RoutingServer", 1),
            ClientOf::Nothing
        );
    }

    #[test]
    fn a_service_name_two_packages_share_is_told_apart_by_the_path() {
        let clients = GrpcClients::new([(0, "fleet.Routing"), (1, "parcels.Routing")].into_iter());
        let named = |text: &str| clients.named(&path(text), 2);
        assert_eq!(
            named("proto::parcels::routing_client::RoutingClient"),
            ClientOf::Service(1)
        );
        assert_eq!(
            named("fleet::routing_client::RoutingClient"),
            ClientOf::Service(0)
        );
        assert_eq!(named("pb::routing_client::RoutingClient"), ClientOf::NoEdge);
    }

    #[test]
    fn module_names_follow_tonic() {
        assert_eq!(tonic_snake_case("Routing"), "routing");
        assert_eq!(tonic_snake_case("ResourceRecorder"), "resource_recorder");
        assert_eq!(tonic_snake_case("HTTPGateway"), "h_t_t_p_gateway");
    }

    #[test]
    fn default_messaging_methods_fit_kafka_amqp_and_nats() {
        let m = MessagingMethods::default();
        let publish: Vec<CallName> = m.publish.iter().map(|n| CallName::new(n)).collect();
        let subscribe: Vec<CallName> = m.subscribe.iter().map(|n| CallName::new(n)).collect();
        let path = |p: &str| p.split("::").map(str::to_string).collect::<Vec<_>>();
        assert!(any_call(&publish, &path("send"), true));
        assert!(any_call(
            &publish,
            &path("rdkafka::producer::FutureRecord::to"),
            false
        ));
        assert!(any_call(&publish, &path("basic_publish"), true));
        assert!(!any_call(&publish, &path("to"), true));
        assert!(any_call(&subscribe, &path("queue_subscribe"), true));
    }
}
