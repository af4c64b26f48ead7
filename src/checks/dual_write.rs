#![doc = include_str!("../../docs/checks/dual-write.md")]

use std::collections::{HashMap, HashSet};

use schemars::JsonSchema;
use serde::Deserialize;

use super::cross_service_db::{DB_METHODS, SQLX_MACROS};
use super::{Context, Needs, Reporter, Starter, Violation};
use crate::facts::{self, Arg, CallFact, FileFacts, FnFact, Span};
use crate::finding::{Finding, Related};
use crate::graph::services::MessagingMethods;
use crate::pattern::{any_call, CallName, GlobPattern};
use crate::sql::{self, memo::SqlMemo};

/// Name used in `check = "…"`.
pub const NAME: &str = "dual-write";
/// User documentation, printed by `explain`.
pub const DOC: &str = include_str!("../../docs/checks/dual-write.md");
/// One line for listings.
pub const SUMMARY: &str =
    "a function writes to the database and publishes a message without an outbox";

/// Parameter names, for error messages.
pub const PARAMETERS: &[&str] = &["outbox_tables", "publish_methods", "db_methods"];

/// Parameters of a `dual-write` rule.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Table-name globs of transactional outboxes: a write into one is the
    /// message going through the database. Default: `outbox`, `*_outbox`,
    /// `outbox_*`.
    #[serde(default)]
    pub outbox_tables: Option<Vec<GlobPattern>>,
    /// Calls that publish a message. Default: the methods of rdkafka,
    /// lapin, async-nats and similar clients (as for `cycles`).
    #[serde(default)]
    pub publish_methods: Option<Vec<String>>,
    /// Method names or `Type::function` paths whose literal arguments are
    /// SQL. Default: the calls of sqlx, diesel, tokio-postgres and similar
    /// (as for `cross-service-db`).
    #[serde(default)]
    pub db_methods: Option<Vec<String>>,
}

const DEFAULT_OUTBOX: &[&str] = &["outbox", "*_outbox", "outbox_*"];

/// What `init` writes for this check: the decision's ADR template and the
/// starter rules (`{adr}` stands for the ADR's file name).
pub const STARTER: Starter = Starter {
    adr_slug: "events-go-through-an-outbox",
    adr_template: include_str!("../../rules/adr-templates/events-go-through-an-outbox.md"),
    rules: r#"# A unit of work that changes the database and publishes a message writes
# the message into an outbox table in the same transaction; a relay
# publishes it. Writing and publishing separately loses one of the two when
# the process dies in between (the dual-write problem).
[[rule]]
id = "events-go-through-an-outbox"
check = "dual-write"
severity = "error"
adr = {adr}
# Table-name globs of your outbox tables (default: outbox, *_outbox, outbox_*).
# outbox_tables = ["outbox", "*_outbox", "outbox_*"]
# Calls that publish a message (defaults fit rdkafka, lapin, async-nats and
# similar clients).
# publish_methods = ["publish", "send", "produce", "basic_publish", "FutureRecord::to", "xadd"]
"#,
};

/// What the rule reads, so the engine extracts only that.
pub fn needs(_params: &Params) -> Needs {
    Needs {
        sources: true,
        modules: false,
        migrations: false,
    }
}

/// Every glob of the parameters, so invalid ones are reported at their span.
pub fn patterns(params: &Params) -> Vec<&GlobPattern> {
    params.outbox_tables.iter().flatten().collect()
}

/// Service-name globs the rule is limited to; each must name a service.
pub fn service_filters(_params: &Params) -> &[GlobPattern] {
    &[]
}

/// Compiled parameters, built once per run, and the run's SQL memo.
struct Recognisers<'m> {
    publish: Vec<CallName>,
    db: Vec<CallName>,
    outbox: Vec<GlobPattern>,
    sql: &'m SqlMemo,
}

impl<'m> Recognisers<'m> {
    fn new(params: &Params, sql: &'m SqlMemo) -> Recognisers<'m> {
        let names = |list: &[String]| list.iter().map(|n| CallName::new(n)).collect();
        let publish = params
            .publish_methods
            .clone()
            .unwrap_or_else(|| MessagingMethods::default().publish);
        let db: Vec<String> = match &params.db_methods {
            Some(list) => list.clone(),
            None => DB_METHODS.iter().map(|s| s.to_string()).collect(),
        };
        let outbox = match &params.outbox_tables {
            Some(list) => list.clone(),
            None => DEFAULT_OUTBOX
                .iter()
                .map(|p| GlobPattern::new(p, 0..0))
                .collect(),
        };
        Recognisers {
            publish: names(&publish),
            db: names(&db),
            outbox,
            sql,
        }
    }

    fn is_outbox(&self, table: &str) -> bool {
        self.outbox.iter().any(|p| p.is_match(table))
    }
}

/// A database write in a function.
#[derive(Clone)]
struct Write {
    file: usize,
    span: Span,
    /// The tables written, lower-cased; empty when the code does not say
    /// (an ORM call on a value).
    tables: Vec<String>,
    how: &'static str,
}

impl Write {
    fn outbox(&self, r: &Recognisers) -> bool {
        !self.tables.is_empty() && self.tables.iter().all(|t| r.is_outbox(t))
    }
}

/// A publish call in a function.
#[derive(Clone)]
struct Publish {
    file: usize,
    span: Span,
    callee: String,
}

/// What one function does by itself.
#[derive(Default)]
struct Unit {
    writes: Vec<Write>,
    publishes: Vec<Publish>,
    /// The other functions it calls: name (method or path end) and span.
    calls: Vec<(crate::facts::Name, Span)>,
    /// Calls and sqlx strings that may write, read only for functions a
    /// publish is near (SQL is parsed for those alone).
    maybe_writes: Vec<usize>,
    sqlx_strings: Vec<usize>,
}

/// Reports each function that writes to the database and publishes a
/// message, itself or through one function of its crate, without an outbox.
pub fn run(params: &Params, context: &Context<'_>, reporter: &Reporter<'_>) -> Vec<Finding> {
    let Some(facts) = context.facts else {
        return Vec::new();
    };
    let recognisers = Recognisers::new(params, &context.memo.sql);
    let mut findings = Vec::new();
    for declared in &context.architecture.services {
        for &member in &declared.crates {
            let files = &facts.crates[member].files;
            findings.extend(crate_findings(
                &recognisers,
                context,
                files,
                &declared.name,
                &context.workspace.members[member].name,
                reporter,
            ));
        }
    }
    findings
}

/// Where a function is: (file index, function index).
type FnId = (usize, usize);

fn crate_findings(
    r: &Recognisers,
    context: &Context<'_>,
    files: &[FileFacts],
    service: &str,
    krate: &str,
    reporter: &Reporter<'_>,
) -> Vec<Finding> {
    // A crate that publishes nothing has no dual write: skip its SQL.
    let publishes_at_all = files.iter().any(|f| {
        f.calls
            .iter()
            .any(|c| any_call(&r.publish, &c.callee, c.method))
    });
    if !publishes_at_all {
        return Vec::new();
    }
    let constants: HashMap<&str, &str> = files
        .iter()
        .flat_map(|f| {
            f.bindings
                .iter()
                .filter(|b| b.constant)
                .map(|b| (b.name.as_str(), b.value.as_str()))
        })
        .collect();
    let mut units: HashMap<FnId, Unit> = HashMap::new();
    // Production functions of the crate by name, for delegation.
    let mut by_name: HashMap<&str, Vec<FnId>> = HashMap::new();
    for (fi, file) in files.iter().enumerate() {
        let owners = innermost_functions(file);
        for (index, func) in file.functions.iter().enumerate() {
            if context.skips(file, func.module, func.span) {
                continue;
            }
            by_name
                .entry(func.name.as_str())
                .or_default()
                .push((fi, index));
            units.insert((fi, index), Unit::default());
        }
        for ((index, call), owner) in file.calls.iter().enumerate().zip(&owners.calls) {
            let Some(owner) = owner else { continue };
            let Some(unit) = units.get_mut(&(fi, *owner)) else {
                continue;
            };
            if is_publish(r, file, call) {
                unit.publishes.push(Publish {
                    file: fi,
                    span: call.span,
                    callee: call.callee.join("::"),
                });
                continue;
            }
            unit.maybe_writes.push(index);
            if !any_call(&r.db, &call.callee, call.method) {
                if let Some(name) = call.callee.last() {
                    unit.calls.push((*name, call.span));
                }
            }
        }
        for ((index, string), owner) in file.strings.iter().enumerate().zip(&owners.strings) {
            let Some(owner) = owner else { continue };
            if string
                .in_macro
                .as_deref()
                .is_some_and(|m| SQLX_MACROS.contains(&m))
            {
                if let Some(unit) = units.get_mut(&(fi, *owner)) {
                    unit.sqlx_strings.push(index);
                }
            }
        }
    }
    let resolve = |name: &str| match by_name.get(name).map(Vec::as_slice) {
        Some([one]) => Some(*one),
        _ => None,
    };
    // Functions that publish, their callers, and what either calls: only
    // these can be part of a dual write.
    let publishing: HashSet<FnId> = units
        .iter()
        .filter(|(_, u)| !u.publishes.is_empty())
        .map(|(id, _)| *id)
        .collect();
    let mut near: HashSet<FnId> = publishing.clone();
    for (id, unit) in &units {
        if unit
            .calls
            .iter()
            .any(|(name, _)| resolve(name).is_some_and(|c| publishing.contains(&c)))
        {
            near.insert(*id);
        }
    }
    let mut relevant = near.clone();
    for id in &near {
        relevant.extend(units[id].calls.iter().filter_map(|(name, _)| resolve(name)));
    }
    let mut parsed: HashMap<&str, Option<Vec<String>>> = HashMap::new();
    for id in &relevant {
        let (fi, _) = *id;
        let file = &files[fi];
        let uses = |krate: &str| {
            file.uses
                .iter()
                .any(|u| u.segments.first().is_some_and(|s| s == krate))
        };
        let (uses_sea_orm, uses_diesel) = (uses("sea_orm"), uses("diesel"));
        let Some(unit) = units.get_mut(id) else {
            continue;
        };
        for index in std::mem::take(&mut unit.maybe_writes) {
            let call = &file.calls[index];
            if let Some(write) = db_write(r, file, fi, call, &constants, uses_sea_orm, uses_diesel)
            {
                unit.writes.push(write);
            }
        }
        for index in std::mem::take(&mut unit.sqlx_strings) {
            let string = &file.strings[index];
            let tables = parsed
                .entry(string.value.as_str())
                .or_insert_with(|| written_tables(r.sql, &string.value));
            if let Some(tables) = tables {
                unit.writes.push(Write {
                    file: fi,
                    span: string.span,
                    tables: tables.clone(),
                    how: "sqlx macro",
                });
            }
        }
    }
    let mut ids: Vec<FnId> = units.keys().copied().collect();
    ids.sort_unstable();
    let mut out = Vec::new();
    for id in ids {
        let unit = &units[&id];
        // The unit of work: the function and, one level down, the
        // functions of its crate it calls (a name that means one function).
        let mut writes: Vec<(Option<FnId>, &Write)> =
            unit.writes.iter().map(|w| (None, w)).collect();
        let mut publishes: Vec<(Option<FnId>, &Publish)> =
            unit.publishes.iter().map(|p| (None, p)).collect();
        let mut seen = Vec::new();
        // Where the function calls each callee, for a delegated publish.
        let mut call_sites: HashMap<FnId, Span> = HashMap::new();
        for (name, site) in &unit.calls {
            let Some([callee]) = by_name.get(name.as_str()).map(Vec::as_slice) else {
                continue;
            };
            if *callee == id || seen.contains(callee) {
                continue;
            }
            seen.push(*callee);
            call_sites.insert(*callee, *site);
            let delegated = &units[callee];
            writes.extend(delegated.writes.iter().map(|w| (Some(*callee), w)));
            publishes.extend(delegated.publishes.iter().map(|p| (Some(*callee), p)));
        }
        publishes.sort_by_key(|(from, p)| (from.is_some(), p.file, p.span));
        writes.sort_by_key(|(from, w)| (from.is_some(), w.file, w.span));
        if publishes.is_empty() || writes.is_empty() {
            continue;
        }
        // The message goes through the outbox, or this is the relay.
        if writes.iter().any(|(_, w)| w.outbox(r)) {
            continue;
        }
        // A pair found inside one callee is that callee's finding.
        let pair = publishes.iter().find_map(|&(pf, p)| {
            writes
                .iter()
                .find(|&&(wf, _)| pf.is_none() || wf.is_none() || pf != wf)
                .map(|&(_, w)| (pf, p, w))
        });
        let Some((from, publish, write)) = pair else {
            continue;
        };
        let func = &files[id.0].functions[id.1];
        // A publish one level down is reported where this function calls
        // the publishing function: that is the unit of work to fix.
        let through = from.and_then(|callee| {
            let site = call_sites.get(&callee)?;
            let f = &files[callee.0].functions[callee.1];
            Some((*site, qualified(f)))
        });
        out.push(finding(
            files, id.0, func, publish, through, write, &writes, service, krate, reporter,
        ));
    }
    out
}

#[allow(clippy::too_many_arguments)]
fn finding(
    files: &[FileFacts],
    file: usize,
    func: &FnFact,
    publish: &Publish,
    through: Option<(Span, String)>,
    write: &Write,
    writes: &[(Option<FnId>, &Write)],
    service: &str,
    krate: &str,
    reporter: &Reporter<'_>,
) -> Finding {
    let name = qualified(func);
    let what = |w: &Write| match w.tables.as_slice() {
        [] => "to the database".to_string(),
        tables => tables
            .iter()
            .map(|t| format!("`{t}`"))
            .collect::<Vec<_>>()
            .join(", "),
    };
    let mut related = vec![Related {
        location: facts::location(&files[write.file], write.span),
        label: format!("writes {} here ({})", what(write), write.how),
    }];
    let (location, label) = match &through {
        Some((site, callee)) => {
            related.insert(
                0,
                Related {
                    location: facts::location(&files[publish.file], publish.span),
                    label: format!("`{callee}` publishes here (`{}`)", publish.callee),
                },
            );
            (
                facts::location(&files[file], *site),
                format!("publishes through `{callee}` here"),
            )
        }
        None => (
            facts::location(&files[publish.file], publish.span),
            format!("publishes here (`{}`)", publish.callee),
        ),
    };
    for (_, other) in writes {
        if std::ptr::eq(*other, write) || related.len() >= 5 {
            continue;
        }
        related.push(Related {
            location: facts::location(&files[other.file], other.span),
            label: format!("also writes {} here ({})", what(other), other.how),
        });
    }
    let mut tables: Vec<&str> = writes
        .iter()
        .flat_map(|(_, w)| w.tables.iter().map(String::as_str))
        .collect();
    tables.sort_unstable();
    tables.dedup();
    let written = match tables.as_slice() {
        [] => "to the database".to_string(),
        [one] => format!("`{one}`"),
        more => format!(
            "{} and `{}`",
            more[..more.len() - 1]
                .iter()
                .map(|t| format!("`{t}`"))
                .collect::<Vec<_>>()
                .join(", "),
            more[more.len() - 1]
        ),
    };
    let violation = Violation {
        message: format!(
            "`{name}` in {service} writes {written} and publishes a message outside one transaction (a dual write)"
        ),
        label,
        help: "if the process dies between the commit and the publish, or the broker refuses the \
               message, one of the two is lost; write the message into an outbox table in the same \
               transaction as the change and let a relay publish it (the transactional outbox)"
            .to_string(),
        location: Some(location),
        related,
        service: Some(service.to_string()),
        krate: Some(krate.to_string()),
        identity: vec![service.to_string(), name, publish.callee.clone()],
    };
    reporter.finding(violation)
}

/// `Owner::name`, or `name` for a free function.
fn qualified(func: &FnFact) -> String {
    match &func.owner {
        Some(owner) => format!("{owner}::{}", func.name),
        None => func.name.to_string(),
    }
}

/// For each call and string of a file, the innermost function whose body
/// holds it.
struct Owners {
    calls: Vec<Option<usize>>,
    strings: Vec<Option<usize>>,
}

fn innermost_functions(file: &FileFacts) -> Owners {
    // Functions by start, outer before inner; a sweep keeps the open ones.
    let mut order: Vec<usize> = (0..file.functions.len()).collect();
    order.sort_by_key(|&i| {
        let b = file.functions[i].block;
        (b.start, std::cmp::Reverse(b.end))
    });
    let assign = |spans: Vec<Span>| -> Vec<Option<usize>> {
        let mut by_start: Vec<usize> = (0..spans.len()).collect();
        by_start.sort_by_key(|&i| spans[i].start);
        let mut out = vec![None; spans.len()];
        let mut open: Vec<usize> = Vec::new();
        let mut next = 0;
        for i in by_start {
            let at = spans[i].start;
            while next < order.len() && file.functions[order[next]].block.start <= at {
                let f = order[next];
                while open
                    .last()
                    .is_some_and(|&o| file.functions[o].block.end <= file.functions[f].block.start)
                {
                    open.pop();
                }
                open.push(f);
                next += 1;
            }
            while open
                .last()
                .is_some_and(|&o| file.functions[o].block.end <= at)
            {
                open.pop();
            }
            out[i] = open.last().copied();
        }
        out
    };
    Owners {
        calls: assign(file.calls.iter().map(|c| c.span).collect()),
        strings: assign(file.strings.iter().map(|s| s.span).collect()),
    }
}

/// Identifier parts that name a message broker or its client.
const BROKER_WORDS: &[&str] = &[
    "producer",
    "publisher",
    "kafka",
    "broker",
    "nats",
    "jetstream",
    "pulsar",
    "rabbit",
    "amqp",
    "kinesis",
    "sns",
    "sqs",
    "bus",
    "mq",
    "eventbus",
    "redpanda",
    "fluvio",
];

/// Whether the call publishes a message: a publish method with an argument;
/// `send` only on a broker client or with a broker record, since reqwest
/// requests and channels send too.
fn is_publish(r: &Recognisers, file: &FileFacts, call: &CallFact) -> bool {
    if call.args.is_empty() || !any_call(&r.publish, &call.callee, call.method) {
        return false;
    }
    let name = call
        .callee
        .last()
        .map(crate::facts::Name::as_str)
        .unwrap_or_default();
    if name != "send" && name != "send_to" {
        return true;
    }
    let text = file.text.get();
    let args = call.span.text(text);
    if args.contains("Record") {
        return true;
    }
    if !call.method {
        return call.callee.iter().rev().skip(1).any(|s| names_broker(s));
    }
    receiver(text, call.span.start as usize)
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .any(names_broker)
}

fn names_broker(ident: &str) -> bool {
    let lower = ident.to_ascii_lowercase();
    lower.split('_').any(|part| BROKER_WORDS.contains(&part))
        || [
            "producer",
            "publisher",
            "kafka",
            "rabbit",
            "pulsar",
            "broker",
        ]
        .iter()
        .any(|w| lower.contains(w))
}

/// The text of the receiver before `.method(`: back over identifiers,
/// paths, field and method accesses and whole bracketed groups
/// (`Entity { .. }.insert`, `db.collection("outbox").insert_one`) to the
/// start of the expression, at most 400 bytes.
fn receiver(text: &str, method_start: usize) -> &str {
    let bytes = text.as_bytes();
    let floor = method_start.saturating_sub(400);
    let mut at = method_start.min(bytes.len());
    let mut depth = 0usize;
    // Outside brackets, whitespace and a closing bracket belong to the
    // receiver only when a `.` or `::` continues the chain after them.
    let continues = |from: usize| {
        text.get(from..)
            .and_then(|rest| rest.trim_start().chars().next())
            .is_some_and(|c| matches!(c, '.' | ':' | '?' | '{'))
    };
    while at > floor {
        let c = bytes[at - 1];
        match c {
            b')' | b'}' | b']' if depth == 0 && !continues(at) => break,
            b' ' | b'\n' | b'\t' | b'\r' if depth == 0 && !continues(at) => break,
            b')' | b'}' | b']' => depth += 1,
            b'(' | b'{' | b'[' => {
                if depth == 0 {
                    break;
                }
                depth -= 1;
            }
            _ if depth > 0 => {}
            b'.' | b':' | b'_' | b'&' | b'*' | b'?' | b' ' | b'\n' | b'\t' | b'\r' => {}
            _ if c.is_ascii_alphanumeric() => {}
            _ => break,
        }
        at -= 1;
    }
    while at < method_start && !text.is_char_boundary(at) {
        at += 1;
    }
    text.get(at..method_start).unwrap_or_default()
}

/// Statements that change rows, by their first keyword.
fn changes_rows(sql: &str) -> bool {
    let first = sql
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .find(|w| !w.is_empty())
        .unwrap_or_default()
        .to_ascii_uppercase();
    matches!(
        first.as_str(),
        "INSERT" | "UPDATE" | "DELETE" | "WITH" | "MERGE" | "REPLACE" | "UPSERT"
    )
}

/// The tables an INSERT/UPDATE/DELETE writes (`None`: it writes none).
fn written_tables(memo: &SqlMemo, text: &str) -> Option<Vec<String>> {
    if !changes_rows(text) || !sql::looks_like_sql(text) {
        return None;
    }
    let mut written: Vec<String> = memo
        .analyse(text)
        .tables()
        .iter()
        .filter(|t| t.write)
        .map(|t| t.name.clone())
        .collect();
    written.sort();
    written.dedup();
    (!written.is_empty()).then_some(written)
}

/// A database write made by `call`: SQL that changes rows reaching a
/// database call, diesel's `insert_into`/`update`/`delete`, sea-orm's
/// `insert`/`update`/`save`/`delete` on entities and active models.
fn db_write(
    r: &Recognisers,
    file: &FileFacts,
    fi: usize,
    call: &CallFact,
    constants: &HashMap<&str, &str>,
    uses_sea_orm: bool,
    uses_diesel: bool,
) -> Option<Write> {
    if any_call(&r.db, &call.callee, call.method) {
        for arg in &call.args {
            let (text, span, how) = match arg {
                Arg::Str(value, span) => (value.as_str(), *span, "SQL string"),
                Arg::Name(name) => {
                    let local = file.bindings.iter().rfind(|b| {
                        !b.constant && &b.name == name && b.span.start < call.span.start
                    });
                    match local {
                        Some(b) => (b.value.as_str(), call.span, "SQL in a `let`"),
                        None => match constants.get(name.as_str()) {
                            Some(value) => (*value, call.span, "SQL in a `const`"),
                            None => continue,
                        },
                    }
                }
                _ => continue,
            };
            if let Some(tables) = written_tables(r.sql, text) {
                return Some(Write {
                    file: fi,
                    span,
                    tables,
                    how,
                });
            }
        }
        return None;
    }
    let name = call.callee.last()?.as_str();
    if !call.method {
        // diesel::insert_into(orders::table), diesel::update(..), diesel::delete(..)
        let diesel = call.callee.first().is_some_and(|s| s == "diesel")
            || (uses_diesel && call.callee.len() == 1);
        if diesel && matches!(name, "insert_into" | "update" | "delete" | "replace_into") {
            return Some(Write {
                file: fi,
                span: call.span,
                tables: diesel_table(call.span.text(file.text.get())),
                how: "diesel",
            });
        }
        // order::Entity::insert(model), Entity::delete_many()
        let entity =
            call.callee.len() >= 2 && call.callee[call.callee.len() - 2].ends_with("Entity");
        if uses_sea_orm && entity && is_sea_orm_write(name) {
            let table = call
                .callee
                .len()
                .checked_sub(3)
                .map(|i| vec![call.callee[i].to_ascii_lowercase()])
                .unwrap_or_default();
            return Some(Write {
                file: fi,
                span: call.span,
                tables: table,
                how: "sea-orm",
            });
        }
        return None;
    }
    // collection.insert_one(doc, None): MongoDB's writes have names of
    // their own, so the name is enough.
    if MONGO_WRITES.contains(&name) {
        let collection = receiver(file.text.get(), call.span.start as usize);
        return Some(Write {
            file: fi,
            span: call.span,
            tables: outbox_word(r, collection),
            how: "MongoDB",
        });
    }
    // active_model.insert(&txn): sea-orm writes take the connection as
    // their one argument; collections' `insert` takes the item.
    if uses_sea_orm
        && matches!(name, "insert" | "update" | "save" | "delete")
        && call.args.len() == 1
    {
        let conn = match &call.args[0] {
            Arg::Name(n) | Arg::Field(n) => n.as_str(),
            _ => "",
        };
        if is_connection(conn) {
            let before = receiver(file.text.get(), call.span.start as usize);
            return Some(Write {
                file: fi,
                span: call.span,
                tables: outbox_word(r, before),
                how: "sea-orm",
            });
        }
    }
    None
}

/// MongoDB driver calls that change documents.
const MONGO_WRITES: &[&str] = &[
    "insert_one",
    "insert_many",
    "update_one",
    "update_many",
    "replace_one",
    "delete_one",
    "delete_many",
    "find_one_and_update",
    "find_one_and_replace",
    "find_one_and_delete",
];

/// The outbox a receiver names (`outbox::ActiveModel { .. }`,
/// `db.collection("outbox")`), as the one table written; else none known.
fn outbox_word(r: &Recognisers, receiver: &str) -> Vec<String> {
    receiver
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .map(str::to_ascii_lowercase)
        .filter(|w| r.is_outbox(w))
        .take(1)
        .collect()
}

fn is_sea_orm_write(name: &str) -> bool {
    matches!(
        name,
        "insert"
            | "insert_many"
            | "update"
            | "update_many"
            | "delete"
            | "delete_many"
            | "delete_by_id"
    )
}

/// A name that holds a database connection or transaction.
fn is_connection(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.split('_').any(|p| {
        matches!(
            p,
            "db" | "conn" | "connection" | "txn" | "tx" | "transaction" | "pool"
        )
    })
}

/// `insert_into(outbox::table)` gives `["outbox"]`; unknown gives `[]`.
fn diesel_table(call_text: &str) -> Vec<String> {
    let Some(open) = call_text.find('(') else {
        return Vec::new();
    };
    let arg = call_text[open + 1..].trim_start();
    let name: String = arg
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    if name.is_empty() || !arg[name.len()..].starts_with("::") {
        return Vec::new();
    }
    vec![name.to_ascii_lowercase()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recognisers() -> Recognisers<'static> {
        static MEMO: std::sync::LazyLock<SqlMemo> = std::sync::LazyLock::new(SqlMemo::default);
        Recognisers::new(
            &Params {
                outbox_tables: None,
                publish_methods: None,
                db_methods: None,
            },
            &MEMO,
        )
    }

    /// Per function of `text`: (name, publishes, tables written).
    fn units(text: &str) -> Vec<(String, usize, Vec<Vec<String>>)> {
        let r = recognisers();
        let file = facts::test_file("src/lib.rs", text);
        let owners = innermost_functions(&file);
        let constants = HashMap::new();
        let mut out: Vec<(String, usize, Vec<Vec<String>>)> = file
            .functions
            .iter()
            .map(|f| (f.name.to_string(), 0, Vec::new()))
            .collect();
        for (call, owner) in file.calls.iter().zip(&owners.calls) {
            let Some(owner) = owner else { continue };
            if is_publish(&r, &file, call) {
                out[*owner].1 += 1;
            } else if let Some(w) = db_write(&r, &file, 0, call, &constants, true, false) {
                out[*owner].2.push(w.tables);
            }
        }
        out
    }

    #[test]
    fn send_is_a_publish_only_on_a_broker_client_or_with_a_record() {
        let found = units(
            "async fn a(producer: &FutureProducer, tx: &Sender<String>, http: &Client) {
                producer.send(record, timeout).await;
                tx.send(body).await;
                http.post(url).body(b).send().await;
                self.kafka_client.send(&msg).await;
                channel.send(FutureRecord::to(\"t\").payload(&p), t).await;
             }",
        );
        // producer.send, kafka_client.send, and the record (FutureRecord::to
        // and the send that carries it); not the channel nor reqwest.
        assert_eq!(found[0].1, 4, "{found:?}");
    }

    #[test]
    fn a_publish_without_arguments_is_a_domain_method() {
        let found = units("fn a(post: &mut Post) { post.publish(); bus.publish(event); }");
        assert_eq!(found[0].1, 1, "{found:?}");
    }

    #[test]
    fn only_statements_that_change_rows_are_writes() {
        let found = units(
            "async fn a(pool: &PgPool) {
                sqlx::query(\"SELECT id FROM orders\").fetch_all(pool).await;
                sqlx::query(\"CREATE TABLE IF NOT EXISTS orders (id int)\").execute(pool).await;
                sqlx::query(\"UPDATE orders SET paid = true WHERE id = $1\").execute(pool).await;
                client.execute(\"DELETE FROM outbox WHERE id = $1\", &[&id]).await;
             }",
        );
        assert_eq!(found[0].2, [vec!["orders"], vec!["outbox"]], "{found:?}");
    }

    #[test]
    fn orm_and_document_writes_are_told_from_collections() {
        let found = units(
            "async fn a(db: &DatabaseConnection, seen: &mut HashSet<Uuid>) {
                seen.insert(id);
                cache.insert(key, value);
                model.insert(&db).await;
                outbox_message::ActiveModel { id: Set(id) }.insert(&txn).await;
                order::Entity::delete_by_id(id).exec(db).await;
                accounts.insert_one(doc, None).await;
             }",
        );
        assert_eq!(
            found[0].2,
            [vec![], vec!["outbox_message"], vec!["order"], vec![]],
            "{found:?}"
        );
    }

    #[test]
    fn calls_in_closures_belong_to_their_function_and_nested_functions_to_themselves() {
        let found = units(
            "async fn outer(pool: &PgPool, producer: &FutureProducer) {
                fn inner(bus: &Bus) { bus.publish(e); }
                pool.transaction(|tx| async move {
                    sqlx::query(\"INSERT INTO orders (id) VALUES ($1)\").execute(tx).await;
                });
                tokio::spawn(async move { producer.send(record, t).await });
             }",
        );
        assert_eq!(found[0].0, "outer");
        assert_eq!((found[0].1, found[0].2.len()), (1, 1), "{found:?}");
        assert_eq!((found[1].0.as_str(), found[1].1), ("inner", 1));
    }

    #[test]
    fn diesel_names_the_table_it_writes() {
        assert_eq!(diesel_table("insert_into(outbox::table)"), ["outbox"]);
        assert_eq!(diesel_table("update(orders::table.find(id))"), ["orders"]);
        assert!(diesel_table("update(target)").is_empty());
    }
}
