//! The service graph: which service depends on which, and how — a crate
//! dependency, an HTTP call to another service's host, a gRPC client of
//! another service's crate, or a message published to or consumed from a
//! topic another service owns.

use std::collections::HashMap;
use std::fmt;

use super::{CrateGraph, SHIPPED};
use crate::facts::{self, Facts};
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
    Grpc,
    /// Publishing to, or subscribing from, a topic the target owns.
    Event {
        topic: String,
        subscribe: bool,
    },
    Crate,
}

/// Kinds of service edges without their details, as named in a cycles
/// rule's `edges = [...]` and in graph legends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EdgeFamily {
    Crate,
    Http,
    Grpc,
    Event,
}

impl EdgeFamily {
    /// The name used in `edges = [...]`.
    pub fn as_str(self) -> &'static str {
        match self {
            EdgeFamily::Crate => "crate",
            EdgeFamily::Http => "http",
            EdgeFamily::Grpc => "grpc",
            EdgeFamily::Event => "event",
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
            EdgeKind::Event { .. } => EdgeFamily::Event,
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
                    });
                }
            }
        }
    }
    if let Some(facts) = facts {
        let hosts: Vec<&[String]> = architecture.services.iter().map(|s| &s.hosts[..]).collect();
        let topics: Vec<&[GlobPattern]> = architecture
            .services
            .iter()
            .map(|s| &s.topics[..])
            .collect();
        let split = |names: &[String]| names.iter().map(|n| CallName::new(n)).collect::<Vec<_>>();
        let (publish_calls, subscribe_calls) = (split(&methods.publish), split(&methods.subscribe));
        let owner_of_topic = |topic: &str| {
            topics
                .iter()
                .position(|patterns| patterns.iter().any(|p| p.is_match(topic)))
        };
        for (s, service) in architecture.services.iter().enumerate() {
            for &member in &service.crates {
                // Dependency code names of this member that belong to other services.
                let foreign: HashMap<String, usize> = workspace.members[member]
                    .dependencies
                    .iter()
                    .filter_map(|d| match architecture.roles[d.member?] {
                        Role::Service(owner) => Some((d.key.replace('-', "_"), owner)),
                        _ => None,
                    })
                    .collect();
                for file in &facts.crates[member].files {
                    // Test code (`#[cfg(test)]` smoke tests against a
                    // staging stack) makes no service edge.
                    let production = |module: usize| !file.modules[module].is_test();
                    // (b) HTTP calls.
                    for string in file.strings.iter().filter(|s| production(s.module)) {
                        let Some(host) = url_host(&string.value) else {
                            continue;
                        };
                        if let Some(to) = hosts
                            .iter()
                            .position(|list| list.iter().any(|h| host_matches(&host, h)))
                        {
                            if to != s {
                                edges.push(ServiceEdge {
                                    from: s,
                                    to,
                                    kind: EdgeKind::Http,
                                    location: Some(facts::location(file, string.span)),
                                    detail: string.value.clone(),
                                });
                            }
                        }
                    }
                    // (c) gRPC clients from another service's crate.
                    let uses = file
                        .uses
                        .iter()
                        .filter(|u| production(u.module))
                        .map(|u| (&u.segments, u.span));
                    let paths = file
                        .paths
                        .iter()
                        .filter(|p| production(p.module))
                        .map(|p| (&p.segments, p.span));
                    for (segments, span) in uses.chain(paths) {
                        let (Some(first), Some(last)) = (segments.first(), segments.last()) else {
                            continue;
                        };
                        if !last.ends_with("Client") {
                            continue;
                        }
                        if let Some(&to) = foreign.get(first) {
                            if to != s {
                                edges.push(ServiceEdge {
                                    from: s,
                                    to,
                                    kind: EdgeKind::Grpc,
                                    location: Some(facts::location(file, span)),
                                    detail: segments.join("::"),
                                });
                            }
                        }
                    }
                    // (d) messaging.
                    for call in file.calls.iter().filter(|c| production(c.module)) {
                        let publish = any_call(&publish_calls, &call.callee, call.method);
                        let subscribe =
                            !publish && any_call(&subscribe_calls, &call.callee, call.method);
                        if !publish && !subscribe {
                            continue;
                        }
                        let topic =
                            call.args.iter().filter_map(|a| a.literal()).find_map(
                                |(value, span)| Some((value, span, owner_of_topic(value)?)),
                            );
                        if let Some((value, span, to)) = topic {
                            if to != s {
                                edges.push(ServiceEdge {
                                    from: s,
                                    to,
                                    kind: EdgeKind::Event {
                                        topic: value.to_string(),
                                        subscribe,
                                    },
                                    location: Some(facts::location(file, span)),
                                    detail: format!("{}(\"{value}\")", call.callee.join("::")),
                                });
                            }
                        }
                    }
                }
            }
        }
    }
    edges.sort_by(|a, b| {
        (a.from, a.to, &a.kind, &a.location).cmp(&(b.from, b.to, &b.kind, &b.location))
    });
    edges
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
