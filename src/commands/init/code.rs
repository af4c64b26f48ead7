//! What a member's own production code says about its role, read from the
//! facts `check` extracts (each file parsed once): whether it starts a
//! server or a consumer loop, runs until a shutdown signal, parses a command
//! line, is generated contract code; which topics it publishes to and
//! subscribes from; which URLs it calls; which gRPC servers it names.

use std::collections::{BTreeSet, HashMap};

use crate::facts::{Arg, FileFacts};
use crate::graph::services::{url_host, MessagingMethods};
use crate::pattern::{any_call, CallName};
use crate::workspace::{DepKind, Member, Workspace};

/// A value found in code and where (`services/orders/src/events.rs:12`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Found {
    pub value: String,
    pub at: String,
}

/// The evidence one member's code gives.
#[derive(Debug, Clone, Default)]
pub struct CodeEvidence {
    /// Starts a server: what and where (`axum::serve at src/main.rs:40`).
    pub serves: Option<String>,
    /// Runs a consumer loop on a broker.
    pub consumes: Option<String>,
    /// Waits for a shutdown signal (a long-running process).
    pub daemon: Option<String>,
    /// The argument parser it depends on (`clap`).
    pub cli: Option<String>,
    /// Why its code is generated contract code (`build.rs runs tonic_build`).
    pub generated: Option<String>,
    /// Topics it publishes to, each once, in file order.
    pub publishes: Vec<Found>,
    /// Topics it subscribes to.
    pub subscribes: Vec<Found>,
    /// Hosts of the URLs in its code.
    pub url_hosts: Vec<Found>,
    /// Type names ending in `Server` that it names (tonic's generated
    /// `OrderServiceServer` wraps an implementation of `OrderService`).
    pub server_types: BTreeSet<String>,
}

impl CodeEvidence {
    /// Starts a server or a consumer loop.
    pub fn runs_service(&self) -> Option<&str> {
        self.serves.as_deref().or(self.consumes.as_deref())
    }
}

/// Paths (as segment runs, matched anywhere in a `use`, a path or a call)
/// that start a server.
const SERVER_PATHS: &[&[&str]] = &[
    &["axum", "serve"],
    &["axum", "Server"],
    &["axum_server"],
    &["actix_web", "HttpServer"],
    &["actix_web", "main"],
    &["HttpServer", "new"],
    &["warp", "serve"],
    &["tonic", "transport", "Server"],
    &["Server", "builder"],
    &["hyper", "Server"],
    &["hyper", "server"],
    &["hyper_util", "server"],
    &["poem", "Server"],
    &["salvo", "Server"],
    &["rocket", "build"],
    &["rocket", "launch"],
    &["rocket", "main"],
    &["tide", "new"],
];

/// Binding a listener serves only in a binary's own code: a library binds
/// free ports for test clusters and local proxies too.
const BIND_PATHS: &[&[&str]] = &[&["TcpListener", "bind"], &["UnixListener", "bind"]];

/// Methods that serve a bound listener (axum 0.6 and tonic's `.serve`).
const SERVE_METHODS: &[&str] = &[
    "serve",
    "serve_with_shutdown",
    "serve_with_incoming",
    "serve_with_incoming_shutdown",
    "serve_connection",
    "serve_connection_with_upgrades",
];

/// Paths of broker consumers.
const CONSUMER_PATHS: &[&[&str]] = &[&["rdkafka", "consumer"], &["StreamConsumer"]];

/// Consumer methods; `subscribe` only with an argument (tokio's broadcast
/// `subscribe()` takes none).
const CONSUMER_METHODS: &[&str] = &["basic_consume", "queue_subscribe", "xreadgroup"];

/// Paths of shutdown signals: a process that waits for one runs until stopped.
const DAEMON_PATHS: &[&[&str]] = &[
    &["signal", "ctrl_c"],
    &["SignalKind", "terminate"],
    &["signal", "unix", "signal"],
    &["triggered", "Listener"],
    &["triggered", "trigger"],
    &["CancellationToken"],
];

/// Names of the command a daemon's command line runs it with.
const SERVER_COMMANDS: &[&str] = &["Server", "Serve", "Daemon"];

/// Command-line argument parsers, by package name.
const ARG_PARSERS: &[&str] = &[
    "clap",
    "structopt",
    "argh",
    "pico-args",
    "lexopt",
    "bpaf",
    "gumdrop",
    "docopt",
    "xflags",
];

/// Broker clients, by package name: a `send`/`publish` with a topic-shaped
/// literal is a message only in code that can reach a broker.
pub const BROKER_CLIENTS: &[&str] = &[
    "rdkafka",
    "kafka",
    "rskafka",
    "samsa",
    "lapin",
    "amqprs",
    "deadpool-lapin",
    "async-nats",
    "nats",
    "pulsar",
    "fluvio",
    "rumqttc",
    "paho-mqtt",
    "redis",
    "zmq",
    "iggy",
    "aws-sdk-sqs",
    "aws-sdk-sns",
    "aws-sdk-kinesis",
    "google-cloud-pubsub",
];

/// Code generators a build script runs for contract crates.
const CODEGEN: &[&str] = &[
    "tonic_build",
    "tonic_prost_build",
    "prost_build",
    "pbjson_build",
    "prost_reflect_build",
    "protobuf_codegen",
    "protoc_rust",
    "grpcio_compiler",
    "capnpc",
    "flatc_rust",
    "progenitor",
    "typify",
];

/// Macros whose text is logged or shown, never a URL the code calls.
const DISPLAY_MACROS: &[&str] = &[
    "println",
    "eprintln",
    "print",
    "eprint",
    "trace",
    "debug",
    "info",
    "warn",
    "error",
    "panic",
    "assert",
    "assert_eq",
    "assert_ne",
    "bail",
    "anyhow",
    "ensure",
    "context",
    "doc",
];

/// The evidence of member `index`, from its parsed files and its build script.
pub fn evidence(
    workspace: &Workspace,
    index: usize,
    files: &[FileFacts],
    build_script: Option<&str>,
    reaches_broker: bool,
) -> CodeEvidence {
    let member = &workspace.members[index];
    let mut out = CodeEvidence {
        cli: member
            .dependencies
            .iter()
            .filter(|d| d.kind == DepKind::Normal)
            .find(|d| ARG_PARSERS.contains(&d.package.as_str()))
            .map(|d| d.package.clone()),
        ..CodeEvidence::default()
    };
    if let Some(script) = build_script {
        let words: BTreeSet<&str> = script
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .collect();
        if let Some(tool) = CODEGEN.iter().find(|t| words.contains(**t)) {
            out.generated = Some(format!("its build.rs runs {tool}"));
        }
    }
    let methods = MessagingMethods::default();
    let split = |names: &[String]| names.iter().map(|n| CallName::new(n)).collect::<Vec<_>>();
    let (publish, subscribe) = (split(&methods.publish), split(&methods.subscribe));
    let constants = unique_constants(files);
    let field_defaults = unique(
        files
            .iter()
            .flat_map(|f| &f.field_defaults)
            .map(|d| (d.field.as_str(), d.value.as_str())),
    );
    for file in files {
        let binary = member
            .targets
            .get(file.target)
            .is_some_and(|t| t.kind == "bin");
        let at = |span| {
            let location = crate::facts::location(file, span);
            format!("{}:{}", location.file, location.line)
        };
        let production = |module: usize| !file.is_test_code(module);
        let segments = file
            .uses
            .iter()
            .filter(|u| production(u.module))
            .map(|u| (&u.segments, u.span))
            .chain(
                file.paths
                    .iter()
                    .filter(|p| production(p.module))
                    .map(|p| (&p.segments, p.span)),
            )
            .chain(
                file.calls
                    .iter()
                    .filter(|c| production(c.module) && !c.method)
                    .map(|c| (&c.callee, c.span)),
            );
        for (path, span) in segments {
            if out.serves.is_none() {
                let markers = SERVER_PATHS
                    .iter()
                    .chain(BIND_PATHS.iter().filter(|_| binary));
                if let Some(marker) = markers.into_iter().find(|m| contains_run(path, m)) {
                    out.serves = Some(format!("{} at {}", marker.join("::"), at(span)));
                }
            }
            if out.consumes.is_none() && reaches_broker {
                if let Some(marker) = CONSUMER_PATHS.iter().find(|m| contains_run(path, m)) {
                    out.consumes = Some(format!("{} at {}", marker.join("::"), at(span)));
                }
            }
            if out.daemon.is_none() {
                if let Some(marker) = DAEMON_PATHS.iter().find(|m| contains_run(path, m)) {
                    out.daemon = Some(format!("{} at {}", marker.join("::"), at(span)));
                }
            }
            for segment in path.iter() {
                if segment.len() > "Server".len() && segment.ends_with("Server") {
                    out.server_types.insert(segment.to_string());
                }
            }
        }
        // `impl Server { fn run(..) }` in a binary: the command that serves
        // (`price server`), even when the serving happens in a library.
        if binary && out.daemon.is_none() {
            if let Some(found) = file.impls.iter().find(|i| {
                i.trait_name.is_none()
                    && SERVER_COMMANDS.contains(&i.self_type.as_str())
                    && production(i.module)
            }) {
                out.daemon = Some(format!(
                    "its command line has a `{}` command at {}",
                    found.self_type,
                    at(found.span)
                ));
            }
        }
        for mac in &file.macros {
            let Some(name) = mac.path.last() else {
                continue;
            };
            let generated = matches!(
                name.as_str(),
                "include_proto" | "include_file_descriptor_set"
            );
            if generated && out.generated.is_none() && production(mac.module) {
                out.generated = Some(format!("{name}! at {}", at(mac.span)));
            }
        }
        for call in file.calls.iter().filter(|c| production(c.module)) {
            let name = call
                .callee
                .last()
                .map(crate::facts::Name::as_str)
                .unwrap_or_default();
            if call.method && out.serves.is_none() && SERVE_METHODS.contains(&name) {
                out.serves = Some(format!(".{name}(…) at {}", at(call.span)));
            }
            if !reaches_broker {
                continue;
            }
            let consumer_call = call.method
                && (CONSUMER_METHODS.contains(&name)
                    || name == "subscribe" && !call.args.is_empty());
            if consumer_call && out.consumes.is_none() {
                out.consumes = Some(format!(".{name}(…) at {}", at(call.span)));
            }
            let publishes = any_call(&publish, &call.callee, call.method);
            let subscribes = !publishes && any_call(&subscribe, &call.callee, call.method);
            if !publishes && !subscribes {
                continue;
            }
            let topic = call.args.iter().find_map(|arg| {
                let value = match arg {
                    Arg::Str(value, _) => value.as_str(),
                    Arg::Name(name) => file
                        .bindings
                        .iter()
                        .filter(|b| !b.constant && &b.name == name)
                        .map(|b| b.value.as_str())
                        .find(|v| is_topic(v))
                        .or_else(|| constants.get(name.as_str()).copied())?,
                    Arg::Field(name) => field_defaults.get(name.as_str()).copied()?,
                    Arg::Template(..) | Arg::Other => return None,
                };
                is_topic(value).then_some(value)
            });
            if let Some(topic) = topic {
                let list = if publishes {
                    &mut out.publishes
                } else {
                    &mut out.subscribes
                };
                if !list.iter().any(|f| f.value == topic) {
                    list.push(Found {
                        value: topic.to_string(),
                        at: at(call.span),
                    });
                }
            }
        }
        let literals = file
            .strings
            .iter()
            .filter(|s| production(s.module))
            .filter(|s| {
                s.in_macro
                    .as_deref()
                    .is_none_or(|m| !DISPLAY_MACROS.contains(&m))
            })
            .map(|s| (s.value.as_str(), s.span))
            .chain(
                file.field_defaults
                    .iter()
                    .filter(|d| production(d.module))
                    .map(|d| (d.value.as_str(), d.span)),
            );
        for (value, span) in literals {
            if let Some(host) = url_host(value).filter(|h| is_service_host(h)) {
                if !out.url_hosts.iter().any(|f| f.value == host) {
                    out.url_hosts.push(Found {
                        value: host,
                        at: at(span),
                    });
                }
            }
        }
    }
    out
}

/// Whether `path` holds the segments of `marker` one after another.
fn contains_run(path: &[crate::facts::Name], marker: &[&str]) -> bool {
    marker.len() <= path.len()
        && path
            .windows(marker.len())
            .any(|w| w.iter().zip(marker).all(|(a, b)| a == b))
}

/// A topic name as brokers take them: one word of letters, digits and
/// `. _ - : / * > #`, no URL.
fn is_topic(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 249
        && !text.contains("://")
        && text.chars().any(|c| c.is_ascii_alphanumeric())
        && text.chars().all(|c| {
            c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | ':' | '/' | '*' | '>' | '#')
        })
}

/// A host that can name a service: not a loopback, wildcard or IP address.
fn is_service_host(host: &str) -> bool {
    !matches!(host, "localhost" | "0.0.0.0" | "127.0.0.1" | "::1")
        && !host.chars().all(|c| c.is_ascii_digit() || c == '.')
        && !host.ends_with(".local")
        && !host.contains("example")
}

/// Production string constants by name, leaving out a name given two values.
fn unique_constants(files: &[FileFacts]) -> HashMap<&str, &str> {
    unique(files.iter().flat_map(|file| {
        file.bindings
            .iter()
            .filter(move |b| b.constant && !file.is_test_code(b.module))
            .map(|b| (b.name.as_str(), b.value.as_str()))
    }))
}

fn unique<'a>(pairs: impl Iterator<Item = (&'a str, &'a str)>) -> HashMap<&'a str, &'a str> {
    let mut found: HashMap<&str, Option<&str>> = HashMap::new();
    for (key, value) in pairs {
        found
            .entry(key)
            .and_modify(|known| {
                if *known != Some(value) {
                    *known = None;
                }
            })
            .or_insert(Some(value));
    }
    found
        .into_iter()
        .filter_map(|(k, v)| Some((k, v?)))
        .collect()
}

/// For each member, whether it reaches a broker client through its normal
/// dependencies (its own or those of the workspace crates it uses).
pub fn reaches_broker(workspace: &Workspace) -> Vec<bool> {
    let direct = |member: &Member| {
        member
            .dependencies
            .iter()
            .any(|d| d.member.is_none() && BROKER_CLIENTS.contains(&d.package.as_str()))
    };
    let mut reaches: Vec<bool> = workspace.members.iter().map(direct).collect();
    // A fixed point: at most one round per member.
    for _ in 0..workspace.members.len() {
        let mut changed = false;
        for (index, member) in workspace.members.iter().enumerate() {
            if reaches[index] {
                continue;
            }
            let through = member
                .dependencies
                .iter()
                .filter(|d| d.kind == DepKind::Normal)
                .any(|d| d.member.is_some_and(|m| reaches[m]));
            if through {
                reaches[index] = true;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    reaches
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workspace::{Dependency, Target};

    fn member(deps: &[&str]) -> Workspace {
        Workspace {
            root: "/nonexistent/archfit-init-code".into(),
            root_manifest: "".into(),
            members: vec![Member {
                name: "orders".into(),
                dir: "services/orders".into(),
                manifest_path: "services/orders/Cargo.toml".into(),
                manifest_text: "[package]\nname = \"orders\"\n".into(),
                name_span: None,
                targets: vec![Target {
                    name: "orders".into(),
                    kind: "bin".into(),
                    src_path: "services/orders/src/main.rs".into(),
                }],
                dependencies: deps
                    .iter()
                    .map(|d| Dependency {
                        package: d.to_string(),
                        key: d.to_string(),
                        kind: DepKind::Normal,
                        target: None,
                        member: None,
                        span: None,
                    })
                    .collect(),
                declared_service: None,
            }],
        }
    }

    fn of(deps: &[&str], code: &str) -> CodeEvidence {
        let ws = member(deps);
        let broker = reaches_broker(&ws)[0];
        let file = crate::facts::test_file("services/orders/src/main.rs", code);
        evidence(&ws, 0, std::slice::from_ref(&file), None, broker)
    }

    #[test]
    fn web_and_grpc_servers_are_recognised() {
        let axum = of(
            &["axum", "tokio"],
            "#[tokio::main]\nasync fn main() {\n    let listener = tokio::net::TcpListener::bind(\"0.0.0.0:8080\").await.unwrap();\n    axum::serve(listener, app()).await.unwrap();\n}\n",
        );
        assert_eq!(
            axum.serves.as_deref(),
            Some("TcpListener::bind at services/orders/src/main.rs:3")
        );
        let tonic = of(
            &["tonic"],
            "use tonic::transport::Server;\nuse proto::order_service_server::OrderServiceServer;\nasync fn run() {\n    Server::builder().add_service(OrderServiceServer::new(Orders)).serve(addr).await;\n}\n",
        );
        assert!(tonic
            .serves
            .as_deref()
            .unwrap()
            .starts_with("tonic::transport::Server at"));
        assert!(tonic.server_types.contains("OrderServiceServer"));
        let actix = of(
            &["actix-web"],
            "#[actix_web::main]\nasync fn main() { HttpServer::new(|| App::new()).bind((\"0.0.0.0\", 80)).unwrap().run().await.unwrap() }\n",
        );
        assert!(actix.serves.is_some());
    }

    #[test]
    fn a_clap_command_without_a_server_is_a_cli() {
        let cli = of(
            &["clap", "reqwest"],
            "use clap::Parser;\n#[derive(Parser)]\nstruct Args { #[arg(long, default_value = \"http://orders:8080\")] url: String }\nfn main() { let args = Args::parse(); let _ = reqwest::blocking::get(&args.url); }\n",
        );
        assert_eq!(cli.cli.as_deref(), Some("clap"));
        assert!(cli.runs_service().is_none());
        assert!(cli.daemon.is_none());
        assert_eq!(
            cli.url_hosts,
            [Found {
                value: "orders".into(),
                at: "services/orders/src/main.rs:3".into()
            }]
        );
    }

    #[test]
    fn topics_come_from_literals_constants_and_cli_defaults() {
        let code = "\
const PAID: &str = \"payments.paid\";
struct Config { #[arg(long, default_value = \"refund-requests\")] refunds_topic: String }
async fn consume(consumer: StreamConsumer, producer: FutureProducer, config: Config) {
    consumer.subscribe(&[\"orders.placed\"]).unwrap();
    producer.send(FutureRecord::to(PAID).payload(\"x\"), timeout).await;
    producer.send(FutureRecord::to(&config.refunds_topic), timeout).await;
    let subject = \"payments.failed\";
    nats.publish(subject, body).await;
    tx.send(\"not a topic, a message\").await;
}
#[cfg(test)]
mod tests { fn t() { nats.publish(\"test.only\", b).await; } }
";
        let found = of(&["rdkafka", "async-nats"], code);
        let published: Vec<&str> = found.publishes.iter().map(|f| f.value.as_str()).collect();
        assert_eq!(
            published,
            ["payments.paid", "refund-requests", "payments.failed"]
        );
        assert_eq!(found.subscribes[0].value, "orders.placed");
        assert_eq!(found.subscribes[0].at, "services/orders/src/main.rs:4");
        assert!(found.consumes.is_some());
        // Without a broker client the same calls are channels, not topics.
        let channels = of(&["tokio"], code);
        assert!(channels.publishes.is_empty() && channels.consumes.is_none());
    }

    #[test]
    fn shutdown_handling_marks_a_long_running_process() {
        let daemon = of(
            &["tokio", "clap"],
            "async fn main() {\n    spawn(run());\n    tokio::signal::ctrl_c().await.ok();\n}\n",
        );
        assert!(daemon.daemon.is_some());
        assert!(daemon.runs_service().is_none());
    }

    #[test]
    fn generated_contract_code_is_recognised() {
        let ws = member(&["tonic", "prost"]);
        let lib = crate::facts::test_file(
            "services/orders/src/lib.rs",
            "pub mod v1 { tonic::include_proto!(\"orders.v1\"); }\n",
        );
        let found = evidence(&ws, 0, std::slice::from_ref(&lib), None, false);
        assert_eq!(
            found.generated.as_deref(),
            Some("include_proto! at services/orders/src/lib.rs:1")
        );
        let plain = crate::facts::test_file("services/orders/src/lib.rs", "pub struct Order;\n");
        let script = "fn main() { tonic_build::compile_protos(\"proto/orders.proto\").unwrap(); }";
        let built = evidence(&ws, 0, std::slice::from_ref(&plain), Some(script), false);
        assert_eq!(
            built.generated.as_deref(),
            Some("its build.rs runs tonic_build")
        );
        let none = evidence(
            &ws,
            0,
            std::slice::from_ref(&plain),
            Some("fn main() {}"),
            false,
        );
        assert!(none.generated.is_none());
    }

    #[test]
    fn loopback_and_ip_hosts_name_no_service() {
        for host in ["localhost", "127.0.0.1", "10.0.0.2", "api.example.com"] {
            assert!(!is_service_host(host), "{host}");
        }
        assert!(is_service_host("payments"));
        assert!(is_topic("orders.v1.placed") && is_topic("events/>"));
        assert!(!is_topic("two words") && !is_topic("http://x") && !is_topic(""));
    }
}
