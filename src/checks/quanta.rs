#![doc = include_str!("../../docs/checks/quanta.md")]

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use schemars::JsonSchema;
use serde::Deserialize;

use super::{Context, Needs, Reporter, Starter, Violation};
use crate::finding::{Finding, Location, Related};
use crate::graph::services::{EdgeKind, MessagingMethods};
use crate::pattern::GlobPattern;

/// Name used in `check = "…"`.
pub const NAME: &str = "quanta";
/// User documentation, printed by `explain`.
pub const DOC: &str = include_str!("../../docs/checks/quanta.md");
/// One line for listings.
pub const SUMMARY: &str = "services bound by synchronous calls or shared data into one quantum";

/// Parameter names, for error messages.
pub const PARAMETERS: &[&str] = &["max_size", "independent"];

/// Parameters of a `quanta` rule.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// The most services one quantum may hold. Default 1 (every service
    /// its own quantum), unless the rule gives only `independent`.
    #[serde(default)]
    pub max_size: Option<usize>,
    /// Groups of services that must end up in different quanta:
    /// `[["orders", "payments"]]`.
    #[serde(default)]
    pub independent: Vec<Vec<String>>,
}

impl Params {
    /// The size limit the rule checks, if any.
    fn limit(&self) -> Option<usize> {
        match (self.max_size, self.independent.is_empty()) {
            (Some(max), _) => Some(max),
            (None, true) => Some(1),
            (None, false) => None,
        }
    }
}

/// What `init` writes for this check: the decision's ADR template and the
/// starter rule (`{adr}` stands for the ADR's file name).
pub const STARTER: Starter = Starter {
    adr_slug: "services-are-independent-quanta",
    adr_template: include_str!("../../rules/adr-templates/services-are-independent-quanta.md"),
    rules: r#"# Services bound by synchronous calls (HTTP, gRPC, client or service crates)
# or by a shared database are deployed, scaled and failed together: one
# architecture quantum. Events do not bind them. Informational to start
# with: raise it to "error" once the quanta it lists are the ones you want.
[[rule]]
id = "services-are-independent-quanta"
check = "quanta"
severity = "info"
adr = {adr}
# The most services one quantum may hold (default 1: every service its own).
max_size = 1
# Services that must stay independently deployable, whatever max_size says.
# independent = [["orders", "payments"]]
"#,
};

/// What the rule reads: the service graph's sources and, for shared
/// tables, the migrations.
pub fn needs(_params: &Params) -> Needs {
    Needs {
        sources: true,
        modules: false,
        migrations: true,
    }
}

/// Every glob of the parameters (none).
pub fn patterns(_params: &Params) -> Vec<&GlobPattern> {
    Vec::new()
}

/// Service-name globs the rule is limited to (none: quanta span services).
pub fn service_filters(_params: &Params) -> &[GlobPattern] {
    &[]
}

/// What binds two services into one quantum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum JoinKind {
    Http,
    Grpc,
    ClientCrate,
    Crate,
    /// A table of one service read or written by the other.
    Table,
    /// Both services name the same `database`.
    Database,
    /// A synchronous call seen at run time in trace exports (`--traces`).
    Runtime,
}

impl JoinKind {
    /// The name shown in messages, graphs and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            JoinKind::Http => "http",
            JoinKind::Grpc => "grpc",
            JoinKind::ClientCrate => "client-crate",
            JoinKind::Crate => "crate",
            JoinKind::Table => "table",
            JoinKind::Database => "database",
            JoinKind::Runtime => "runtime",
        }
    }
}

/// One piece of evidence that two services are one quantum.
#[derive(Debug, Clone)]
pub struct Join {
    pub from: usize,
    pub to: usize,
    pub kind: JoinKind,
    pub location: Option<Location>,
    pub detail: String,
    pub test_only: bool,
}

impl Join {
    /// Sorted by place (file, line, column), edges without a place last;
    /// calls seen in traces after those in code, whose place (a line of
    /// an export, wherever its file is) a reader cannot open in the code.
    fn order(&self) -> impl Ord + '_ {
        (
            self.location.is_none(),
            self.kind == JoinKind::Runtime,
            self.location
                .as_ref()
                .map(|l| (l.file.as_str(), l.line, l.column)),
            self.kind,
            self.from,
            self.to,
        )
    }
}

/// A connected set of services, with what joins them.
#[derive(Debug, Clone)]
pub struct Quantum {
    /// Service indices, sorted by name.
    pub members: Vec<usize>,
    /// One join per (from, to, kind), the first by place; sorted by place.
    pub joins: Vec<Join>,
}

/// A quantum as reports show it (`quanta` in the JSON report, `metrics`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct QuantumSummary {
    /// Its services, sorted by name.
    pub services: Vec<String>,
    /// What joins them, sorted by place.
    pub joins: Vec<JoinSummary>,
}

/// One join of a quantum as reports show it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct JoinSummary {
    pub from: String,
    pub to: String,
    /// `http`, `grpc`, `client-crate`, `crate`, `table` or `database`.
    pub kind: &'static str,
    /// What makes the join: the URL, the client, the crate, the table.
    pub detail: String,
    pub location: Option<Location>,
}

impl QuantumSummary {
    /// The summary of `quantum`, with services named from `names`.
    pub fn new(quantum: &Quantum, names: &[&str]) -> QuantumSummary {
        QuantumSummary {
            services: quantum
                .members
                .iter()
                .map(|&m| names[m].to_string())
                .collect(),
            joins: quantum
                .joins
                .iter()
                .map(|j| JoinSummary {
                    from: names[j.from].to_string(),
                    to: names[j.to].to_string(),
                    kind: j.kind.as_str(),
                    detail: j.detail.clone(),
                    location: j.location.clone(),
                })
                .collect(),
        }
    }
}

/// Every join between services: synchronous service edges (not events),
/// uses of another service's tables, and services that share a database.
/// Test-only evidence is kept only when `include_tests`.
pub fn joins(context: &Context<'_>, reporter: &Reporter<'_>) -> Vec<Join> {
    let mut joins: Vec<Join> = context
        .memo
        .service_edges(context, &MessagingMethods::default())
        .iter()
        .filter_map(|edge| {
            let kind = match edge.kind {
                EdgeKind::Http => JoinKind::Http,
                EdgeKind::Grpc => JoinKind::Grpc,
                EdgeKind::ClientCrate => JoinKind::ClientCrate,
                EdgeKind::Crate => JoinKind::Crate,
                // Messages do not bind quanta, seen in code or at run time.
                EdgeKind::Event { .. } | EdgeKind::Runtime { asynchronous: true } => return None,
                EdgeKind::Runtime {
                    asynchronous: false,
                } => JoinKind::Runtime,
            };
            Some(Join {
                from: edge.from,
                to: edge.to,
                kind,
                location: edge.location.clone(),
                detail: edge.detail.clone(),
                test_only: edge.test_only,
            })
        })
        .collect();
    if context.facts.is_some() {
        joins.extend(
            super::cross_service_db::data_couplings(context, reporter)
                .into_iter()
                .map(|c| Join {
                    from: c.from,
                    to: c.to,
                    kind: JoinKind::Table,
                    location: Some(c.location),
                    detail: c.detail,
                    test_only: c.test_only,
                }),
        );
    }
    joins.extend(shared_databases(context));
    joins.retain(|j| context.include_tests || !j.test_only);
    joins
}

/// Services that name the same `database`: each joined to the first of
/// them (by name), at its `database` entry in the configuration.
fn shared_databases(context: &Context<'_>) -> Vec<Join> {
    let services = &context.architecture.services;
    let mut by_database: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (index, service) in services.iter().enumerate() {
        by_database
            .entry(service.database.as_str())
            .or_default()
            .push(index);
    }
    let mut joins = Vec::new();
    for (database, mut members) in by_database {
        members.sort_by(|&a, &b| services[a].name.cmp(&services[b].name));
        let Some((&first, rest)) = members.split_first() else {
            continue;
        };
        for &other in rest {
            joins.push(Join {
                from: other,
                to: first,
                kind: JoinKind::Database,
                location: database_entry(context, &services[other].name, database),
                detail: format!(
                    "{} and {} share database `{database}`",
                    services[other].name, services[first].name
                ),
                test_only: false,
            });
        }
    }
    joins
}

/// The `database = "…"` entry of service `name` in the configuration's
/// text, when it is written there (not when the database defaults to the
/// service's name).
fn database_entry(context: &Context<'_>, name: &str, database: &str) -> Option<Location> {
    let file = context.config_file;
    let text = &*file.text;
    let quoted_name = format!("\"{name}\"");
    let mut from = 0;
    while let Some(found) = text[from..].find(&quoted_name) {
        let at = from + found;
        from = at + quoted_name.len();
        // The `[[service]]` table that holds this name, up to the next table.
        let table_start = text[..at].rfind("[[").unwrap_or(0);
        if !text[table_start..].starts_with("[[service]]") {
            continue;
        }
        let table_end = text[from..].find("\n[").map_or(text.len(), |e| from + e);
        let body = &text[table_start..table_end];
        let Some(key) = body
            .match_indices("database")
            .map(|(i, _)| table_start + i)
            .find(|&i| text[i..].contains(&format!("\"{database}\"")))
        else {
            continue;
        };
        let end = text[key..table_end]
            .find('\n')
            .map_or(table_end, |e| key + e);
        return Some(Location::from_span(&file.name, text, key..end));
    }
    None
}

/// The quanta that `joins` make among `count` services: every service is
/// in exactly one, a service no join touches alone in its own. Sorted by
/// their first member's name.
pub fn quanta(names: &[&str], joins: &[Join]) -> Vec<Quantum> {
    let count = names.len();
    let mut parent: Vec<usize> = (0..count).collect();
    fn root(parent: &mut [usize], mut x: usize) -> usize {
        while parent[x] != x {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        x
    }
    for join in joins {
        if join.from >= count || join.to >= count {
            continue;
        }
        let (a, b) = (root(&mut parent, join.from), root(&mut parent, join.to));
        if a != b {
            parent[a.max(b)] = a.min(b);
        }
    }
    let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for service in 0..count {
        let r = root(&mut parent, service);
        groups.entry(r).or_default().push(service);
    }
    let mut quanta: Vec<Quantum> = groups
        .into_values()
        .map(|mut members| {
            members.sort_by(|&a, &b| names[a].cmp(names[b]));
            let inside: BTreeSet<usize> = members.iter().copied().collect();
            let mut edges: Vec<&Join> = joins
                .iter()
                .filter(|j| inside.contains(&j.from) && inside.contains(&j.to))
                .collect();
            edges.sort_by(|a, b| a.order().cmp(&b.order()));
            let mut seen = BTreeSet::new();
            let joins = edges
                .into_iter()
                .filter(|j| seen.insert((j.from, j.to, j.kind)))
                .cloned()
                .collect();
            Quantum { members, joins }
        })
        .collect();
    quanta.sort_by(|a, b| {
        let first = |q: &Quantum| q.members.first().map(|&m| names[m]);
        first(a).cmp(&first(b))
    });
    quanta
}

/// Members named in a message before "and N more".
const MAX_LISTED: usize = 10;

fn listed(members: &[usize], names: &[&str]) -> String {
    let mut text: Vec<&str> = members.iter().take(MAX_LISTED).map(|&m| names[m]).collect();
    let more = members.len().saturating_sub(MAX_LISTED);
    let tail = if more > 0 {
        format!(" and {more} more")
    } else {
        String::new()
    };
    let last = text.pop().unwrap_or_default();
    if text.is_empty() {
        format!("{last}{tail}")
    } else {
        format!("{}, {last}{tail}", text.join(", "))
    }
}

/// The joins on a shortest path between `a` and `b` through `joins`
/// (taken in either direction), if one exists.
fn path(joins: &[Join], a: usize, b: usize) -> Option<Vec<&Join>> {
    let mut came: BTreeMap<usize, &Join> = BTreeMap::new();
    let mut seen = BTreeSet::from([a]);
    let mut queue = VecDeque::from([a]);
    while let Some(at) = queue.pop_front() {
        if at == b {
            let mut path = Vec::new();
            let mut here = b;
            while here != a {
                let join = came.get(&here)?;
                path.push(*join);
                here = if join.to == here { join.from } else { join.to };
            }
            path.reverse();
            return Some(path);
        }
        for join in joins {
            let next = match (join.from == at, join.to == at) {
                (true, _) => join.to,
                (_, true) => join.from,
                _ => continue,
            };
            if seen.insert(next) {
                came.insert(next, join);
                queue.push_back(next);
            }
        }
    }
    None
}

fn label(join: &Join, names: &[&str]) -> String {
    format!(
        "{} → {} ({}): {}",
        names[join.from],
        names[join.to],
        join.kind.as_str(),
        join.detail
    )
}

const HELP: &str = "services in one quantum are deployed, scaled and failed together: replace a \
                    synchronous call by an event the other side subscribes to, keep a copy of the \
                    data the service needs instead of reading another service's tables, or give \
                    each service its own database; if these services really are one deployable \
                    unit, merge them or raise `max_size`";

/// Reports each quantum larger than `max_size` or holding two services
/// that must be independent, once.
pub fn run(params: &Params, context: &Context<'_>, reporter: &Reporter<'_>) -> Vec<Finding> {
    let names: Vec<&str> = context
        .architecture
        .services
        .iter()
        .map(|s| s.name.as_str())
        .collect();
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for group in &params.independent {
        let mut indices = Vec::new();
        for name in group {
            match names.iter().position(|n| n == name) {
                Some(i) => indices.push(i),
                None => reporter.rule_warning(
                    format!(
                        "`independent` names `{name}`, which is no service; services: {}",
                        names.join(", ")
                    ),
                    None,
                ),
            }
        }
        groups.push(indices);
    }
    let joins = joins(context, reporter);
    let mut findings = Vec::new();
    for quantum in quanta(&names, &joins) {
        reporter.quantum(QuantumSummary::new(&quantum, &names));
        let size = quantum.members.len();
        let inside: BTreeSet<usize> = quantum.members.iter().copied().collect();
        let mut pairs: Vec<(usize, usize)> = Vec::new();
        for group in &groups {
            for (i, &a) in group.iter().enumerate() {
                for &b in &group[i + 1..] {
                    if a != b && inside.contains(&a) && inside.contains(&b) {
                        let pair = if names[a] <= names[b] { (a, b) } else { (b, a) };
                        if !pairs.contains(&pair) {
                            pairs.push(pair);
                        }
                    }
                }
            }
        }
        pairs.sort_by(|x, y| (names[x.0], names[x.1]).cmp(&(names[y.0], names[y.1])));
        let too_big = params.limit().is_some_and(|max| size > max);
        if pairs.is_empty() && !too_big {
            continue;
        }
        let members = listed(&quantum.members, &names);
        let mut shown: Vec<&Join> = Vec::new();
        let mut message = Vec::new();
        for &(a, b) in &pairs {
            let Some(chain) = path(&quantum.joins, a, b) else {
                continue;
            };
            let mut text = names[a].to_string();
            let mut here = a;
            for join in &chain {
                let next = if join.from == here {
                    join.to
                } else {
                    join.from
                };
                let arrow = if join.from == here {
                    format!(" -[{}]-> ", join.kind.as_str())
                } else {
                    format!(" <-[{}]- ", join.kind.as_str())
                };
                text.push_str(&arrow);
                text.push_str(names[next]);
                here = next;
            }
            message.push(format!(
                "services {} and {} must be independent but are one quantum: {text}",
                names[a], names[b]
            ));
            shown.extend(chain);
        }
        if too_big {
            let max = params.limit().unwrap_or(1);
            message.push(format!(
                "{size} services are one architecture quantum ({members}), more than max_size {max}"
            ));
        } else {
            message.push(format!("the quantum holds {size} services ({members})"));
        }
        // The joins a reader must see first: those on the paths between
        // services that must be independent, else every join.
        let mut located: Vec<&Join> = if shown.is_empty() {
            quantum.joins.iter().collect()
        } else {
            shown
        };
        located.sort_by(|a, b| a.order().cmp(&b.order()));
        located.dedup_by(|a, b| std::ptr::eq(*a, *b));
        let test_only = super::test_only(located.iter().all(|j| j.test_only));
        let Some(first) = located.first() else {
            continue;
        };
        let related = located[1..]
            .iter()
            .filter_map(|j| {
                Some(Related {
                    location: j.location.clone()?,
                    label: label(j, &names),
                })
            })
            .collect();
        let mut identity = vec![if pairs.is_empty() {
            "size"
        } else {
            "independent"
        }
        .to_string()];
        identity.extend(quantum.members.iter().map(|&m| names[m].to_string()));
        findings.push(reporter.finding(Violation {
            message: format!("{}{test_only}", message.join("; ")),
            label: label(first, &names),
            help: HELP.to_string(),
            location: first.location.clone(),
            related,
            service: Some(names[first.from].to_string()),
            krate: None,
            identity,
        }));
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;

    fn join(from: usize, to: usize, kind: JoinKind, line: usize) -> Join {
        Join {
            from,
            to,
            kind,
            location: Some(Location {
                file: "src/main.rs".into(),
                line,
                column: 1,
                end_line: line,
                end_column: 2,
                span: 0..1,
            }),
            detail: String::new(),
            test_only: false,
        }
    }

    #[test]
    fn unjoined_services_are_quanta_of_their_own() {
        let names = ["billing", "orders", "payments"];
        let quanta = quanta(&names, &[join(1, 2, JoinKind::Http, 3)]);
        let members: Vec<Vec<usize>> = quanta.iter().map(|q| q.members.clone()).collect();
        assert_eq!(members, vec![vec![0], vec![1, 2]]);
    }

    #[test]
    fn joins_of_a_quantum_are_sorted_by_place_one_per_pair_and_kind() {
        let names = ["a", "b", "c"];
        let joins = [
            join(1, 2, JoinKind::Http, 9),
            join(0, 1, JoinKind::Grpc, 4),
            join(1, 2, JoinKind::Http, 2),
        ];
        let quanta = quanta(&names, &joins);
        assert_eq!(quanta.len(), 1);
        let lines: Vec<usize> = quanta[0]
            .joins
            .iter()
            .filter_map(|j| j.location.as_ref().map(|l| l.line))
            .collect();
        assert_eq!(lines, vec![2, 4]);
    }

    #[test]
    fn a_path_between_two_members_may_follow_joins_backwards() {
        // a calls b, c calls b: a and c are one quantum through b.
        let joins = [join(0, 1, JoinKind::Http, 1), join(2, 1, JoinKind::Grpc, 2)];
        let chain = path(&joins, 0, 2).expect("joined");
        assert_eq!(chain.len(), 2);
        assert!(path(&joins[..1], 0, 2).is_none());
    }

    #[test]
    fn only_independent_checks_no_size() {
        let params = Params {
            max_size: None,
            independent: vec![vec!["a".into(), "b".into()]],
        };
        assert_eq!(params.limit(), None);
        let params = Params {
            max_size: None,
            independent: Vec::new(),
        };
        assert_eq!(params.limit(), Some(1));
    }
}
