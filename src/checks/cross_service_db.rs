#![doc = include_str!("../../docs/checks/cross-service-db.md")]

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::Range;

use schemars::JsonSchema;
use serde::Deserialize;

use super::{Context, Needs, Reporter, Starter, Violation};
use crate::facts::{self, Arg, FileFacts, Span};
use crate::finding::{Diagnostic, Finding, LineIndex, Location, Related};
use crate::pattern::{any_call, CallName, GlobPattern};
use crate::sql::memo::SqlMemo;
use crate::sql::{self, FoundBy, TableRef};
use crate::workspace::Role;
use crate::Severity;

/// Name used in `check = "…"`.
pub const NAME: &str = "cross-service-db";
/// User documentation, printed by `explain`.
pub const DOC: &str = include_str!("../../docs/checks/cross-service-db.md");
/// One line for listings.
pub const SUMMARY: &str = "code of one service uses a table owned by another";

/// Parameter names, for error messages.
pub const PARAMETERS: &[&str] = &["allow_tables", "sources", "db_methods"];

/// Parameters of a `cross-service-db` rule.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Table-name globs never reported (`schema_migrations`, `outbox_*`).
    #[serde(default)]
    pub allow_tables: Vec<GlobPattern>,
    /// Which kinds of table reference count. Default: all of them.
    #[serde(default)]
    pub sources: Option<Vec<Source>>,
    /// Method names or `Type::function` paths whose literal arguments are
    /// SQL. Default: the calls of sqlx, diesel, tokio-postgres and similar.
    #[serde(default)]
    pub db_methods: Option<Vec<String>>,
}

/// Where table references come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    Sql,
    Sqlx,
    Diesel,
    SeaOrm,
    Env,
}

impl Params {
    fn enabled(&self, source: Source) -> bool {
        self.sources.as_ref().is_none_or(|s| s.contains(&source))
    }

    fn allowed(&self, table: &str) -> bool {
        self.allow_tables.iter().any(|p| p.is_match(table))
    }

    /// The database call names, split once per crate.
    fn db_methods(&self) -> Vec<CallName> {
        match &self.db_methods {
            Some(names) => names.iter().map(|n| CallName::new(n)).collect(),
            None => DB_METHODS.iter().map(|n| CallName::new(n)).collect(),
        }
    }
}

/// Calls whose string arguments are SQL (sqlx, tokio-postgres, diesel, sea-orm).
pub(crate) const DB_METHODS: &[&str] = &[
    "query",
    "query_as",
    "query_scalar",
    "query_with",
    "query_as_with",
    "query_scalar_with",
    "raw_sql",
    "execute",
    "execute_many",
    "fetch",
    "fetch_one",
    "fetch_all",
    "fetch_optional",
    "prepare",
    "prepare_cached",
    "prepare_typed",
    "batch_execute",
    "simple_query",
    "query_one",
    "query_opt",
    "query_raw",
    "query_typed",
    "sql_query",
    "execute_unprepared",
    "from_string",
    "from_sql_and_values",
];

/// sqlx macros whose string literal is a query.
pub(crate) const SQLX_MACROS: &[&str] = &[
    "query",
    "query_as",
    "query_scalar",
    "query_unchecked",
    "query_as_unchecked",
    "query_scalar_unchecked",
];

/// A service's claim on a table.
#[derive(Clone)]
struct Owner {
    service: usize,
    schema: Option<String>,
    location: Option<Location>,
    source: Claimed,
}

/// Where a claim on a table comes from, strongest first: the configuration
/// says who owns a table, then migrations, then ORM declarations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Claimed {
    Config,
    Migration,
    Orm,
}

impl Claimed {
    /// "creates `orders` here", for the label at a claim.
    fn does(self, table: &str) -> String {
        match self {
            Claimed::Config => format!("lists `{table}` in its `tables` here"),
            Claimed::Migration => format!("creates `{table}` here"),
            Claimed::Orm => format!("maps `{table}` here"),
        }
    }
}

/// One place where a service touches a table.
#[derive(Clone)]
struct Access {
    table: String,
    schema: Option<String>,
    /// `Some(true)` write, `Some(false)` read, `None` unknown (ORM use).
    write: Option<bool>,
    location: Location,
    how: &'static str,
    /// Set when the access names its owner directly (a database URL).
    owner: Option<usize>,
    /// Read by the token scan of SQL no dialect parses: less certain.
    scanned: bool,
    /// Only test code makes it (the rule includes tests).
    test_only: bool,
    /// How to narrow `location` (the whole literal) to the table's name,
    /// done only for accesses that are reported: it reads the file's text.
    narrow: Option<std::sync::Arc<Narrowing>>,
}

/// A table named inside a string literal: where, in the literal's value.
#[derive(Debug)]
struct Narrowing {
    member: usize,
    file: usize,
    literal: Span,
    value: std::sync::Arc<str>,
    /// Byte offset of the table's name in `value`.
    at: usize,
}

impl Access {
    /// The access with its location narrowed to the table's name when its
    /// literal sits in the source as written.
    fn settled(mut self, all: Option<&facts::Facts>) -> Access {
        let narrowed = self.narrow.take().and_then(|n| {
            let file = all?.crates.get(n.member)?.files.get(n.file)?;
            let text = file.text.get();
            let prefix = literal_prefix(text, n.literal, &n.value)?;
            let name = name_span(text, n.literal.start as usize + prefix + n.at);
            (!name.is_empty()).then(|| {
                let span = Span {
                    start: name.start as u32,
                    end: name.end as u32,
                };
                facts::location(file, span)
            })
        });
        if let Some(location) = narrowed {
            self.location = location;
        }
        self
    }
}

/// Said with every access the token scan found.
const SCANNED: &str = "found by a token scan: the SQL parser could not parse this statement";

impl Access {
    /// "table `orders`", or "the database of orders" for a URL variable.
    fn what(&self) -> String {
        match self.owner {
            Some(_) => format!("the {}", self.table),
            None => format!("table `{}`", self.table),
        }
    }

    /// " (found by a token scan: …)" when the scan found it, else "".
    fn scan_note(&self) -> String {
        if self.scanned {
            format!(" ({SCANNED})")
        } else {
            String::new()
        }
    }

    /// How it was found, for a label: "SQL string" or "SQL string, token scan".
    fn how(&self) -> String {
        if self.scanned {
            format!("{}, token scan", self.how)
        } else {
            self.how.to_string()
        }
    }
}

/// A crate's files, to locate byte ranges in them through
/// [`facts::location`] (which keeps each file's line index).
struct FileLines<'f> {
    files: &'f [FileFacts],
}

impl<'f> FileLines<'f> {
    fn new(files: &'f [FileFacts]) -> FileLines<'f> {
        FileLines { files }
    }

    fn location(&self, file: usize, span: Range<usize>) -> Location {
        // Ranges here are inside a file, which is at most `u32::MAX` bytes.
        let span = Span {
            start: span.start as u32,
            end: span.end as u32,
        };
        facts::location(&self.files[file], span)
    }
}

/// What `init` writes for this check: the decision's ADR template and the
/// starter rules (`{adr}` stands for the ADR's file name).
pub const STARTER: Starter = Starter {
    adr_slug: "each-service-owns-its-tables",
    adr_template: include_str!("../../rules/adr-templates/each-service-owns-its-tables.md"),
    rules: r#"# Code of one service does not read or write another service's tables.
[[rule]]
id = "services-own-their-tables"
check = "cross-service-db"
severity = "error"
adr = {adr}
# Table-name globs never reported: the bookkeeping tables of migration tools.
allow_tables = ["_sqlx_migrations", "__diesel_schema_migrations", "seaql_migrations", "refinery_schema_history", "schema_migrations"]
# Where table references come from (default: all of them).
# sources = ["sql", "sqlx", "diesel", "sea-orm", "env"]
# Method names or `Type::function` paths whose literal arguments are SQL
# (default: the calls of sqlx, tokio-postgres, diesel and sea-orm).
# db_methods = ["query", "execute", "fetch_one", "sql_query"]
"#,
};

/// What the rule reads, so the engine extracts only that.
pub fn needs(_params: &Params) -> Needs {
    Needs {
        sources: true,
        modules: false,
        migrations: true,
    }
}

/// Every glob of the parameters, so invalid ones are reported at their span.
pub fn patterns(params: &Params) -> Vec<&GlobPattern> {
    params.allow_tables.iter().collect()
}

/// Service-name globs the rule is limited to; each must name a service.
pub fn service_filters(_params: &Params) -> &[GlobPattern] {
    &[]
}

/// Reports cross-service table use, shared persistence and double owners.
pub fn run(params: &Params, context: &Context<'_>, reporter: &Reporter<'_>) -> Vec<Finding> {
    let names = service_names(context);
    let analysis = analyse(params, context, reporter);
    if analysis.no_owner {
        reporter.rule_warning(
            "no table has an owner, so no use of a table can be another service's: no service \
             lists `tables`, no migration folder creates a table, and no ORM entity or diesel \
             `table!` declares one; list each service's `tables` or `migrations`"
                .into(),
            None,
        );
    }
    let mut findings: Vec<Finding> = analysis
        .collisions
        .into_iter()
        .map(|v| reporter.finding(v))
        .collect();
    for foreign in &analysis.foreign {
        findings.push(reporter.finding(foreign_access(
            &foreign.access,
            foreign.service,
            foreign.owner,
            &analysis.owners,
            &names,
            foreign.member,
            context,
        )));
    }
    for (table, by_service) in &analysis.unowned {
        if by_service.len() < 2 {
            continue;
        }
        findings.push(reporter.finding(shared_table(table, by_service, &names)));
    }
    findings
}

fn service_names<'c>(context: &Context<'c>) -> Vec<&'c str> {
    context
        .architecture
        .services
        .iter()
        .map(|s| s.name.as_str())
        .collect()
}

/// A use of another service's table: `service` (in `member`) reaches
/// `owner`'s data.
struct Foreign {
    access: Access,
    service: usize,
    owner: usize,
    member: usize,
}

/// What the check finds before it becomes findings: shared with `quanta`,
/// for which a use of another service's data joins the two services.
struct Analysis {
    /// No table has any owner: the check could examine nothing.
    no_owner: bool,
    collisions: Vec<Violation>,
    owners: BTreeMap<String, Vec<Owner>>,
    foreign: Vec<Foreign>,
    /// table → service → first access, for tables nobody owns.
    unowned: BTreeMap<String, BTreeMap<usize, Access>>,
}

/// The expensive part of the analysis (migrations replayed, every SQL
/// text parsed), which `allow_tables` does not change: computed once per
/// run for each `sources`/`db_methods`/`include_tests`, so a `quanta` rule
/// costs no second parse of what a `cross-service-db` rule already read.
pub struct TableUses {
    claims: BTreeMap<String, Vec<Owner>>,
    /// (service, member, access) in service and member order.
    accesses: Vec<(usize, usize, Access)>,
}

fn table_uses(
    params: &Params,
    context: &Context<'_>,
    reporter: &Reporter<'_>,
) -> std::sync::Arc<TableUses> {
    let key = format!(
        "{:?} {:?} {}",
        params.sources, params.db_methods, context.include_tests
    );
    context.memo.table_uses_of(key, || {
        let names = service_names(context);
        let databases: Vec<&str> = context
            .architecture
            .services
            .iter()
            .map(|s| s.database.as_str())
            .collect();
        let claims = ownership(context, reporter);
        // Who owns what does not depend on `allow_tables` (it only
        // silences collisions).
        let (owners, _) = settle(params, &claims, &names, &databases);
        // Built once: per crate it cost four strings per service.
        let variables = database_variables(context);
        let mut all = Vec::new();
        if let Some(facts) = context.facts {
            for (service, declared) in context.architecture.services.iter().enumerate() {
                for &member in &declared.crates {
                    for access in accesses(
                        params, context, facts, member, service, &owners, &variables, reporter,
                    ) {
                        all.push((service, member, access));
                    }
                }
            }
        }
        TableUses {
            claims,
            accesses: all,
        }
    })
}

fn analyse(params: &Params, context: &Context<'_>, reporter: &Reporter<'_>) -> Analysis {
    let names = service_names(context);
    let databases: Vec<&str> = context
        .architecture
        .services
        .iter()
        .map(|s| s.database.as_str())
        .collect();
    let uses = table_uses(params, context, reporter);
    let claims = &uses.claims;
    let (owners, collisions) = settle(params, claims, &names, &databases);
    let mut analysis = Analysis {
        no_owner: claims.is_empty(),
        collisions,
        owners,
        foreign: Vec::new(),
        unowned: BTreeMap::new(),
    };
    let owners = &analysis.owners;
    for (service, member, access) in &uses.accesses {
        let (service, member, access) = (*service, *member, access.clone());
        if params.allowed(&access.table) {
            continue;
        }
        if let Some(owner) = access.owner {
            analysis.foreign.push(Foreign {
                access: access.settled(context.facts),
                service,
                owner,
                member,
            });
            continue;
        }
        let owning: BTreeSet<usize> = owners
            .get(&access.table)
            .into_iter()
            .flatten()
            .filter(|o| schemas_agree(&o.schema, &access.schema))
            .map(|o| o.service)
            .collect();
        if owning.is_empty() {
            analysis
                .unowned
                .entry(access.table.clone())
                .or_default()
                .entry(service)
                .or_insert_with(|| access.settled(context.facts));
            continue;
        }
        // Its own table, even when other services keep a table of
        // that name in their databases.
        if owning.contains(&service) {
            continue;
        }
        // The owner in its own database when there is one: that is
        // the table the query reaches.
        let owner = owning
            .iter()
            .copied()
            .find(|&o| databases[o] == databases[service])
            .or_else(|| owning.iter().next().copied())
            .unwrap_or(service);
        analysis.foreign.push(Foreign {
            access: access.settled(context.facts),
            service,
            owner,
            member,
        });
    }
    analysis
}

/// One service using another's data, as `quanta` joins them: `from` reads
/// or writes a table `to` owns.
#[derive(Debug, Clone)]
pub struct DataCoupling {
    pub from: usize,
    pub to: usize,
    /// "reads table `orders`", "uses the database of payments".
    pub detail: String,
    pub location: Location,
    pub test_only: bool,
}

/// Every use of one service's tables by another, found the way this check
/// finds them with its default parameters (test code as the rule's
/// `include_tests` says); used by `quanta`.
pub fn data_couplings(context: &Context<'_>, reporter: &Reporter<'_>) -> Vec<DataCoupling> {
    let params = Params {
        allow_tables: Vec::new(),
        sources: None,
        db_methods: None,
    };
    let analysis = analyse(&params, context, reporter);
    // A table nobody owns is no evidence of whose data it is (and
    // same-named bookkeeping tables live in every database): only owned
    // tables join services.
    analysis
        .foreign
        .iter()
        .map(|f| DataCoupling {
            from: f.service,
            to: f.owner,
            detail: format!("{} {}", verb(f.access.write), f.access.what()),
            location: f.access.location.clone(),
            test_only: f.access.test_only,
        })
        .collect()
}

fn schemas_agree(owner: &Option<String>, used: &Option<String>) -> bool {
    match (owner, used) {
        (Some(a), Some(b)) => a == b,
        _ => true,
    }
}

fn verb(write: Option<bool>) -> &'static str {
    match write {
        Some(true) => "writes",
        Some(false) => "reads",
        None => "uses",
    }
}

fn foreign_access(
    access: &Access,
    service: usize,
    owner: usize,
    owners: &BTreeMap<String, Vec<Owner>>,
    names: &[&str],
    member: usize,
    context: &Context<'_>,
) -> Violation {
    let (user, owner_name) = (names[service], names[owner]);
    let related = owners
        .get(&access.table)
        .into_iter()
        .flatten()
        .filter(|o| o.service == owner)
        .filter_map(|o| o.location.clone())
        .take(1)
        .map(|location| Related {
            location,
            label: format!("table `{}` is owned by {owner_name} here", access.table),
        })
        .collect();
    Violation {
        message: format!(
            "service {user} {} {}, owned by service {owner_name}{}{}",
            verb(access.write),
            access.what(),
            access.scan_note(),
            super::test_only(access.test_only)
        ),
        label: format!("{} {} of service {owner_name} ({})", verb(access.write), access.what(), access.how()),
        help: format!(
            "get the data from {owner_name} through its API or the events it publishes, or keep a copy \
             {user} owns; if the table really is shared, record that decision and list it in `allow_tables`"
        ),
        location: Some(access.location.clone()),
        related,
        service: Some(user.to_string()),
        krate: Some(context.workspace.members[member].name.clone()),
        identity: vec![
            user.to_string(),
            access.table.clone(),
            access.location.file.clone(),
            verb(access.write).to_string(),
        ],
    }
}

fn shared_table(table: &str, by_service: &BTreeMap<usize, Access>, names: &[&str]) -> Violation {
    let mut entries = by_service.iter();
    let (first_service, first) = entries.next().expect("two or more services");
    let users: Vec<&str> = by_service.keys().map(|&s| names[s]).collect();
    let related = entries
        .map(|(service, access)| Related {
            location: access.location.clone(),
            label: format!(
                "service {} {} `{table}` here ({})",
                names[*service],
                verb(access.write),
                access.how()
            ),
        })
        .collect();
    Violation {
        message: format!(
            "table `{table}` is owned by no service but used by {} ({}){}{}",
            users.len(),
            users.join(", "),
            first.scan_note(),
            super::test_only(by_service.values().all(|a| a.test_only))
        ),
        label: format!(
            "service {} {} `{table}` here ({})",
            names[*first_service],
            verb(first.write),
            first.how()
        ),
        help: format!(
            "shared persistence couples deployments: give `{table}` to one service (create it in that \
             service's migrations) and let the others go through it"
        ),
        location: Some(first.location.clone()),
        related,
        service: None,
        krate: None,
        identity: vec!["shared".into(), table.to_string()],
    }
}

/// The owners of each table after precedence, and the findings about
/// tables with several owners.
///
/// Claims on one name are compared within a database: services in separate
/// databases each own their own `outbox`. Within a database (and a schema,
/// when claims name one) the strongest kind of claim decides: `tables` in
/// archfit.toml, then migrations, then ORM declarations. ORM declarations
/// claim nothing when a configuration or migration owner exists anywhere:
/// they are uses then (see [`orm_declarations`]). Two or more services
/// claiming one table of one database is a finding listing all of them; a
/// migration creating a table the configuration gives to another service of
/// the same database is one too, at that migration, and that service's own
/// queries of it are uses of the configured owner's table.
fn settle(
    params: &Params,
    claims: &BTreeMap<String, Vec<Owner>>,
    names: &[&str],
    databases: &[&str],
) -> (BTreeMap<String, Vec<Owner>>, Vec<Violation>) {
    let mut owners: BTreeMap<String, Vec<Owner>> = BTreeMap::new();
    let mut collisions = Vec::new();
    let mut reported = BTreeSet::new();
    for (table, all) in claims {
        let declared = all.iter().any(|c| c.source != Claimed::Orm);
        let counted: Vec<&Owner> = all
            .iter()
            .filter(|c| !declared || c.source != Claimed::Orm)
            .collect();
        let mut by_database: BTreeMap<&str, Vec<&Owner>> = BTreeMap::new();
        for claim in &counted {
            by_database
                .entry(databases[claim.service])
                .or_default()
                .push(claim);
        }
        let mut effective: Vec<&Owner> = Vec::new();
        for (database, claims) in by_database {
            for group in schema_groups(&claims) {
                let Some(best) = group.iter().map(|c| c.source).min() else {
                    continue;
                };
                // Every claim of the winning services, so that a table both
                // listed in `tables` and created by a migration is shown at
                // its CREATE TABLE.
                let winners: BTreeSet<usize> = group
                    .iter()
                    .filter(|c| c.source == best)
                    .map(|c| c.service)
                    .collect();
                for claim in &group {
                    if winners.contains(&claim.service)
                        && !effective.iter().any(|e| std::ptr::eq(*e, *claim))
                    {
                        effective.push(claim);
                    }
                }
                if params.allowed(table) {
                    continue;
                }
                if let Some(violation) = collision(table, database, &group, best, names) {
                    if reported.insert(violation.identity.clone()) {
                        collisions.push(violation);
                    }
                }
            }
        }
        if !effective.is_empty() {
            owners.insert(table.clone(), effective.into_iter().cloned().collect());
        }
    }
    (owners, collisions)
}

/// Claims of one database split by schema: claims naming different schemas
/// are different tables; a claim naming none may be either, so it joins
/// every group.
fn schema_groups<'o>(claims: &[&'o Owner]) -> Vec<Vec<&'o Owner>> {
    let schemas: BTreeSet<&str> = claims.iter().filter_map(|c| c.schema.as_deref()).collect();
    if schemas.len() < 2 {
        return vec![claims.to_vec()];
    }
    schemas
        .into_iter()
        .map(|schema| {
            claims
                .iter()
                .copied()
                .filter(|c| c.schema.as_deref().is_none_or(|s| s == schema))
                .collect()
        })
        .collect()
}

/// The finding about one table of one database claimed by several services.
fn collision(
    table: &str,
    database: &str,
    group: &[&Owner],
    best: Claimed,
    names: &[&str],
) -> Option<Violation> {
    // Each service's strongest, then first, claim; services by name.
    let mut by_service: BTreeMap<&str, &Owner> = BTreeMap::new();
    for claim in group {
        let entry = by_service.entry(names[claim.service]).or_insert(claim);
        if claim.source < entry.source {
            *entry = claim;
        }
    }
    if by_service.len() < 2 {
        return None;
    }
    let all: Vec<&str> = by_service.keys().copied().collect();
    let configured: Vec<&str> = by_service
        .iter()
        .filter(|(_, c)| c.source == Claimed::Config)
        .map(|(n, _)| *n)
        .collect();
    let intruders: Vec<&str> = by_service
        .iter()
        .filter(|(_, c)| c.source != best)
        .map(|(n, _)| *n)
        .collect();
    // Anchored where the fix goes: a migration creating a table the
    // configuration gives to another service, else the second claimer.
    let anchor = match (configured.as_slice(), intruders.first()) {
        ([_], Some(intruder)) => Some((*intruder, by_service[intruder])),
        _ => {
            let located: Vec<(&str, &Owner)> = by_service
                .iter()
                .filter(|(_, c)| c.location.is_some())
                .map(|(n, c)| (*n, *c))
                .collect();
            located.get(1).or(located.first()).copied()
        }
    };
    let (anchor_name, anchor) = anchor?;
    let location = anchor.location.clone()?;
    let related = by_service
        .iter()
        .filter(|(name, _)| **name != anchor_name)
        .filter_map(|(name, claim)| {
            Some(Related {
                location: claim.location.clone()?,
                label: format!("{name} {}", claim.source.does(table)),
            })
        })
        .collect();
    let (message, help) = match configured.as_slice() {
        [owner] if !intruders.is_empty() => (
            format!(
                "table `{table}` is given to service {owner} in archfit.toml, but {} {} {} it too in \
                 their shared database `{database}`",
                if intruders.len() == 1 { "service" } else { "services" },
                list(&intruders),
                if intruders.len() == 1 { "creates" } else { "create" },
            ),
            format!(
                "a table of a database has one owner: drop `{table}` from the migrations of {} \
                 and go through the API of {owner}; if {} keeps a table of its own by that name, \
                 give it another name or schema, or a database of its own (`database` in \
                 archfit.toml)",
                list(&intruders),
                list(&intruders),
            ),
        ),
        _ => {
            let verb = if by_service.values().all(|c| c.source == Claimed::Migration) {
                "created"
            } else {
                "claimed"
            };
            (
                format!(
                    "table `{table}` is {verb} by services {}, which share database `{database}`",
                    list(&all)
                ),
                format!(
                    "services in one database share its tables, so these {} services share one \
                     `{table}`: if each means a table of its own, give each its own name (a \
                     service prefix) or schema, or a database of its own (`database` in \
                     archfit.toml); if it is one table, list it in `tables` of the service that \
                     owns it",
                    all.len()
                ),
            )
        }
    };
    Some(Violation {
        message,
        label: format!("{anchor_name} {}", anchor.source.does(table)),
        help,
        location: Some(location),
        related,
        service: Some(anchor_name.to_string()),
        krate: None,
        identity: vec!["owners".into(), table.to_string(), database.to_string()],
    })
}

/// "a", "a and b", "a, b and c".
fn list(names: &[&str]) -> String {
    match names {
        [] => String::new(),
        [one] => (*one).to_string(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// Every table claim, of every kind: migrations, `tables` in archfit.toml,
/// diesel `table!`, sea-orm entities ([`settle`] weighs them).
fn ownership(context: &Context<'_>, reporter: &Reporter<'_>) -> BTreeMap<String, Vec<Owner>> {
    let mut owners: BTreeMap<String, Vec<Owner>> = BTreeMap::new();
    let claim = |owners: &mut BTreeMap<String, Vec<Owner>>, name: String, owner: Owner| {
        owners.entry(name).or_default().push(owner)
    };
    // Migrations replayed in version order: a table dropped later is no
    // longer owned, a renamed one is owned under its new name.
    for migration in context.migrations {
        let lines = LineIndex::new(&*migration.text);
        let locate = |table: &TableRef, start: usize| {
            // The parser counts from the start of the statement's text.
            let (start_line, start_column) = lines.line_column(start);
            let column = if table.line == 1 {
                start_column + table.column - 1
            } else {
                table.column
            };
            let offset = lines.offset(start_line + table.line - 1, column);
            Location::from_index(&migration.path, &lines, name_span(&migration.text, offset))
        };
        let script = parse_script(&lines, &migration.path, reporter, &context.memo.sql);
        for (change, start) in &script.changes {
            let start = *start;
            match change {
                sql::TableChange::Defined(table) => claim(
                    &mut owners,
                    table.name.clone(),
                    Owner {
                        service: migration.service,
                        schema: table.schema.clone(),
                        location: Some(locate(table, start)),
                        source: Claimed::Migration,
                    },
                ),
                sql::TableChange::Dropped(table) => {
                    forget(&mut owners, &table.name, migration.service)
                }
                sql::TableChange::Renamed { from, to } => {
                    forget(&mut owners, &from.name, migration.service);
                    claim(
                        &mut owners,
                        to.name.clone(),
                        Owner {
                            service: migration.service,
                            schema: to.schema.clone(),
                            location: Some(locate(to, start)),
                            source: Claimed::Migration,
                        },
                    );
                }
            }
        }
    }
    let config_lines = LineIndex::new(&*context.config_file.text);
    for (service, declared) in context.architecture.services.iter().enumerate() {
        for table in &declared.tables {
            let (schema, name) = split_schema(table.get_ref());
            claim(
                &mut owners,
                name,
                Owner {
                    service,
                    schema,
                    location: Some(Location::from_index(
                        &context.config_file.name,
                        &config_lines,
                        table.span(),
                    )),
                    source: Claimed::Config,
                },
            );
        }
        let Some(facts) = context.facts else { continue };
        for &member in &declared.crates {
            let files = &facts.crates[member].files;
            let lines = FileLines::new(files);
            for (index, file) in files.iter().enumerate() {
                for table in diesel_tables(context, file) {
                    claim(
                        &mut owners,
                        table.name.to_lowercase(),
                        Owner {
                            service,
                            schema: table.schema.as_ref().map(|s| s.to_lowercase()),
                            location: Some(lines.location(index, table.span.range())),
                            source: Claimed::Orm,
                        },
                    );
                }
                for attribute in sea_orm_tables(context, file) {
                    let (schema, name) = split_schema(&attribute.value);
                    claim(
                        &mut owners,
                        name,
                        Owner {
                            service,
                            schema,
                            location: Some(lines.location(index, attribute.span.range())),
                            source: Claimed::Orm,
                        },
                    );
                }
            }
        }
    }
    owners
}

/// Drops `service`'s claims on `table` (a `DROP TABLE` or the old name of a
/// rename in its migrations).
fn forget(owners: &mut BTreeMap<String, Vec<Owner>>, table: &str, service: usize) {
    if let Some(claims) = owners.get_mut(table) {
        claims.retain(|o| o.service != service);
        if claims.is_empty() {
            owners.remove(table);
        }
    }
}

/// `#[sea_orm(table_name = …)]` of production code (or of any code when the
/// rule includes tests).
fn sea_orm_tables<'f>(
    context: &Context<'_>,
    file: &'f FileFacts,
) -> impl Iterator<Item = &'f facts::AttributeFact> {
    let include_tests = context.include_tests;
    file.attributes.iter().filter(move |a| {
        a.attribute == "sea_orm"
            && a.key == "table_name"
            && (include_tests || !file.is_test_code(a.module))
    })
}

/// diesel `table!` definitions, likewise.
fn diesel_tables<'f>(
    context: &Context<'_>,
    file: &'f FileFacts,
) -> impl Iterator<Item = &'f facts::TableMacroFact> {
    let include_tests = context.include_tests;
    file.tables
        .iter()
        .filter(move |t| include_tests || !file.is_test_code(t.module))
}

fn split_schema(name: &str) -> (Option<String>, String) {
    let name = name.trim().trim_matches('"').to_lowercase();
    match name.rsplit_once('.') {
        Some((schema, table)) => (
            Some(schema.trim_matches('"').to_string()),
            table.trim_matches('"').to_string(),
        ),
        None => (None, name),
    }
}

/// Tables a migration script defines, each with the byte offset where its
/// statement's text starts (the parser's positions count from there), from
/// [`sql::analyse_script`] through the SQL memo; a statement that does not
/// parse becomes a diagnostic with its line.
fn parse_script(
    lines: &LineIndex<&str>,
    path: &str,
    reporter: &Reporter<'_>,
    memo: &SqlMemo,
) -> std::sync::Arc<sql::ScriptAnalysis> {
    let text = lines.text();
    let analysis = memo.analyse_script(text);
    for (range, error) in &analysis.failed {
        let chunk = &text[range.clone()];
        let leading = chunk.len() - chunk.trim_start().len();
        let (chunk_line, _) = lines.line_column(range.start);
        let (first_line, _) = lines.line_column(range.start + leading);
        let at = (chunk_line + error.line.unwrap_or(1).max(1) - 1).max(first_line);
        let start = lines.offset(at, 1);
        // `DO $$ … $$` runs procedural code (creating a type only if it is
        // missing, say), which no SQL parser reads. It is a limitation worth
        // a warning only when the block changes tables.
        let code = chunk.trim_start();
        let is_do_block = code.get(..3).is_some_and(|head| {
            head.eq_ignore_ascii_case("do ") || head.eq_ignore_ascii_case("do\n")
        });
        let upper = code.to_ascii_uppercase();
        let changes_tables = ["CREATE TABLE", "ALTER TABLE", "DROP TABLE"]
            .iter()
            .any(|ddl| upper.contains(ddl));
        // A DDL statement that names no table (`CREATE CAST`, `ALTER
        // SYSTEM`, `CREATE ROLE`) cannot change who owns one: not parsing it
        // costs nothing, so it is no diagnostic. Text that is no SQL at all
        // still is one.
        let names_a_table = sql_words(code)
            .any(|w| w.eq_ignore_ascii_case("TABLE") || w.eq_ignore_ascii_case("TABLES"));
        if !is_do_block && !names_a_table && sql::looks_like_sql(code) {
            continue;
        }
        // A DO block that creates, changes and drops no table (a type
        // created only if missing, say) leaves nothing uncounted either.
        if is_do_block && !changes_tables {
            continue;
        }
        let message = if is_do_block {
            format!("{path}:{at}: a DO block creates, changes or drops tables in procedural code, which is not analysed; those tables are not counted")
        } else {
            format!(
                "{path}:{at}: migration statement does not parse ({}); its tables are not counted",
                error.message
            )
        };
        reporter.diagnostic(Diagnostic {
            severity: Severity::Warn,
            message,
            file: Some(path.to_string()),
            location: Some(Location::from_index(path, lines, start..start)),
        });
    }
    analysis
}

/// The span of the table name that starts at `start`: a quoted identifier
/// up to its closing quote, or identifier characters (empty when none start
/// there). A name at the end of a Rust literal (`"… FROM orders"`) stops
/// before the literal's closing quote.
fn name_span(text: &str, start: usize) -> Range<usize> {
    let Some(rest) = text.get(start..) else {
        return start..start;
    };
    let is_ident = |c: char| c.is_alphanumeric() || c == '_';
    let len = match rest.chars().next() {
        Some(quote @ ('"' | '`')) => match rest[1..].find(quote) {
            Some(close) => close + 2,
            None => {
                1 + rest[1..]
                    .find(|c: char| !is_ident(c))
                    .unwrap_or(rest.len() - 1)
            }
        },
        _ => rest.find(|c: char| !is_ident(c)).unwrap_or(rest.len()),
    };
    start..start + len
}

/// A piece of SQL in a file and where its text sits.
struct Candidate {
    file: usize,
    /// Span of the string literal in the `.rs` file.
    span: Span,
    /// The SQL; for `query_file!` the file's text.
    text: std::sync::Arc<str>,
    /// Whether `text` is the literal's own value (so positions can be narrowed).
    inline: bool,
    how: &'static str,
    /// Only report tables some service owns (a `const` nobody passes to a call).
    owned_only: bool,
    /// Written in test code (seen only when the rule includes tests).
    test_only: bool,
}

#[allow(clippy::too_many_arguments)]
fn accesses(
    params: &Params,
    context: &Context<'_>,
    facts: &facts::Facts,
    member: usize,
    service: usize,
    owners: &BTreeMap<String, Vec<Owner>>,
    variables: &HashMap<String, usize>,
    reporter: &Reporter<'_>,
) -> Vec<Access> {
    let files = &facts.crates[member].files;
    let lines = FileLines::new(files);
    let db_methods = params.db_methods();
    let mut candidates: Vec<Candidate> = Vec::new();
    let constants: HashMap<&str, (usize, &facts::BindingFact)> = files
        .iter()
        .enumerate()
        .flat_map(|(i, f)| {
            f.bindings
                .iter()
                .filter(move |b| b.constant && !context.skips(f, b.module, b.span))
                .map(move |b| (b.name.as_str(), (i, b)))
        })
        .collect();
    for (index, file) in files.iter().enumerate() {
        let inline = |module: usize, span: Span, value: &str, how, owned_only| Candidate {
            file: index,
            span,
            text: value.into(),
            inline: true,
            how,
            owned_only,
            test_only: file.is_test_code(module),
        };
        if params.enabled(Source::Sqlx) {
            for string in file
                .strings
                .iter()
                .filter(|s| !context.skips(file, s.module, s.span))
            {
                match string.in_macro.as_deref() {
                    Some(m) if SQLX_MACROS.contains(&m) => candidates.push(inline(
                        string.module,
                        string.span,
                        &string.value,
                        "sqlx macro",
                        false,
                    )),
                    Some(m) if m.starts_with("query_file") => {
                        let root = &context.workspace.root;
                        let dir = root.join(&context.workspace.members[member].dir);
                        let path = crate::workspace::relative(root, &dir.join(&string.value));
                        if let Some(text) = facts.sql_files.get(&path) {
                            candidates.push(Candidate {
                                file: index,
                                span: string.span,
                                text: text.clone(),
                                inline: false,
                                how: "query_file!",
                                owned_only: false,
                                test_only: file.is_test_code(string.module),
                            });
                        }
                    }
                    _ => {}
                }
            }
        }
        if params.enabled(Source::Sql) {
            for call in file
                .calls
                .iter()
                .filter(|c| !context.skips(file, c.module, c.span))
            {
                if !any_call(&db_methods, &call.callee, call.method) {
                    continue;
                }
                for arg in &call.args {
                    match arg {
                        Arg::Str(value, span) => {
                            candidates.push(inline(call.module, *span, value, "SQL string", false))
                        }
                        Arg::Name(name) => {
                            let local = file
                                .bindings
                                .iter()
                                .rev()
                                .find(|b| !b.constant && &b.name == name);
                            if let Some(binding) = local {
                                candidates.push(inline(
                                    call.module,
                                    binding.span,
                                    &binding.value,
                                    "SQL in a `let`",
                                    false,
                                ));
                            } else if let Some((at, binding)) = constants.get(name.as_str()) {
                                candidates.push(Candidate {
                                    file: *at,
                                    test_only: files[*at].is_test_code(binding.module)
                                        || file.is_test_code(call.module),
                                    ..inline(
                                        call.module,
                                        binding.span,
                                        &binding.value,
                                        "SQL in a `const`",
                                        false,
                                    )
                                });
                            }
                        }
                        Arg::Field(_) | Arg::Template(..) | Arg::Other => {}
                    }
                }
            }
            for binding in file
                .bindings
                .iter()
                .filter(|b| b.constant && !context.skips(file, b.module, b.span))
            {
                candidates.push(inline(
                    binding.module,
                    binding.span,
                    &binding.value,
                    "SQL in a `const`",
                    true,
                ));
            }
        }
    }
    // One candidate per literal: the most specific reason wins.
    candidates.sort_by_key(|c| (c.file, c.span, c.owned_only));
    candidates.dedup_by_key(|c| (c.file, c.span));

    let mut parsed = Vec::new();
    let mut temporary = BTreeSet::new();
    for candidate in &candidates {
        // Most constants are not SQL: do not ask four parsers to confirm it.
        if !sql::looks_like_sql(&candidate.text) {
            continue;
        }
        let analysis = context.memo.sql.analyse(&candidate.text);
        match &*analysis {
            sql::Analysis::Parsed {
                tables,
                temporary: temporary_here,
            } => {
                temporary.extend(temporary_here.iter().cloned());
                parsed.push((candidate, tables.clone()));
            }
            // Text that reaches a database call is SQL even when no dialect
            // parses it (PostgreSQL accepts more): read its tokens instead.
            // A `const` counts as SQL only when it parses, so it gets no scan.
            sql::Analysis::Unparsed { error, scanned } if !candidate.owned_only => {
                let scanned = scanned.clone();
                // `ALTER SYSTEM SET …`, `CREATE USER …`: nothing to check.
                if scanned.is_empty() && !names_a_relation(&candidate.text) {
                    continue;
                }
                let file = &files[candidate.file];
                let outcome = if scanned.is_empty() {
                    "so its tables are not checked"
                } else {
                    "so its tables were found by a token scan"
                };
                reporter.diagnostic(Diagnostic {
                    severity: Severity::Info,
                    message: format!(
                        "{}: SQL could not be parsed ({}), {outcome}",
                        file.path, error.message
                    ),
                    file: Some(file.path.clone()),
                    location: Some(lines.location(candidate.file, candidate.span.range())),
                });
                parsed.push((candidate, scanned));
            }
            sql::Analysis::Unparsed { .. } => {}
        }
    }
    let owned = owners;
    let mut out = Vec::new();
    for (candidate, tables) in parsed {
        if tables.is_empty() {
            continue;
        }
        let value_lines = LineIndex::new(&*candidate.text);
        for table in tables {
            if temporary.contains(&table.name)
                || (candidate.owned_only && !owned.contains_key(&table.name))
            {
                continue;
            }
            let narrow = (candidate.inline && !candidate.text.is_empty()).then(|| {
                std::sync::Arc::new(Narrowing {
                    member,
                    file: candidate.file,
                    literal: candidate.span,
                    value: candidate.text.clone(),
                    at: value_lines.offset(table.line, table.column),
                })
            });
            out.push(Access {
                location: lines.location(candidate.file, candidate.span.range()),
                narrow,
                table: table.name,
                schema: table.schema,
                write: Some(table.write),
                how: candidate.how,
                owner: None,
                scanned: table.found_by == FoundBy::TokenScan,
                test_only: candidate.test_only,
            });
        }
    }
    if params.enabled(Source::Sql) {
        out.extend(generated_query_accesses(
            facts,
            member,
            reporter,
            &context.memo.sql,
        ));
    }
    if params.enabled(Source::Env) {
        out.extend(env_accesses(context, files, service, variables));
    }
    if params.enabled(Source::Diesel) || params.enabled(Source::SeaOrm) {
        out.extend(orm_declarations(params, context, files, &lines, owners));
        out.extend(orm_accesses(params, context, facts, member, service));
    }
    out
}

/// The words of SQL text (identifiers and keywords), in order.
fn sql_words(sql: &str) -> impl Iterator<Item = &str> {
    sql.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
}

/// Whether SQL text has a word that introduces a table (`FROM`, `JOIN`,
/// `INTO`, `TABLE`, `USING`, or `UPDATE` leading a statement): text without
/// one reads and writes none (`ALTER EXTENSION neon UPDATE` updates no table).
fn names_a_relation(sql: &str) -> bool {
    let mut words = sql_words(sql);
    let first = words.next().unwrap_or_default();
    let leads = |k: &str| first.eq_ignore_ascii_case(k);
    leads("UPDATE")
        || (leads("WITH") && sql.to_ascii_uppercase().contains("UPDATE"))
        || std::iter::once(first).chain(words).any(|word| {
            ["FROM", "JOIN", "INTO", "TABLE", "USING"]
                .iter()
                .any(|k| word.eq_ignore_ascii_case(k))
        })
}

/// The queries of a crate whose build script generates code from
/// `queries/*.sql` (cornucopia, clorinde): each `--! name` block is one
/// statement, with `:param` placeholders.
fn generated_query_accesses(
    facts: &facts::Facts,
    member: usize,
    reporter: &Reporter<'_>,
    memo: &SqlMemo,
) -> Vec<Access> {
    let mut out = Vec::new();
    for path in &facts.crates[member].query_files {
        let Some(text) = facts.sql_files.get(path) else {
            continue;
        };
        let lines = LineIndex::new(&**text);
        for block in query_blocks(text) {
            let query = &text[block.clone()];
            let sql = positional_placeholders(query);
            let analysis = memo.analyse(&sql);
            let (tables, scanned) = match &*analysis {
                sql::Analysis::Parsed { tables, .. } => (tables.clone(), false),
                sql::Analysis::Unparsed { error, scanned } => {
                    let scanned = scanned.clone();
                    if !scanned.is_empty() {
                        reporter.diagnostic(Diagnostic {
                            severity: Severity::Info,
                            message: format!(
                                "{path}: query could not be parsed ({}), so its tables were found by a token scan",
                                error.message
                            ),
                            file: Some(path.clone()),
                            location: Some(Location::from_index(path, &lines, block.start..block.start)),
                        });
                    }
                    (scanned, true)
                }
            };
            for table in tables {
                let at = block.start + name_offset(query, &table);
                out.push(Access {
                    narrow: None,
                    location: Location::from_index(path, &lines, at..at + table.name.len()),
                    table: table.name,
                    schema: table.schema,
                    write: Some(table.write),
                    how: "generated query",
                    owner: None,
                    scanned,
                    test_only: false,
                });
            }
        }
    }
    out
}

/// Byte ranges of the queries in a cornucopia/clorinde file: the text after
/// each `--!` annotation up to the next one (the whole file when it has none).
fn query_blocks(text: &str) -> Vec<Range<usize>> {
    let mut starts = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if line.trim_start().starts_with("--!") {
            starts.push((offset, offset + line.len()));
        }
        offset += line.len();
    }
    if starts.is_empty() {
        let whole = 0..text.len();
        return vec![whole];
    }
    let mut blocks = Vec::new();
    for (i, &(_, body)) in starts.iter().enumerate() {
        let end = starts.get(i + 1).map_or(text.len(), |&(next, _)| next);
        blocks.push(body..end);
    }
    blocks
}

/// `:name` placeholders as `$1`, which every dialect parses; `::` casts and
/// text in quotes are kept. Lines stay where they were.
fn positional_placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    let mut quoted = false;
    let mut previous = ' ';
    while let Some(c) = chars.next() {
        if c == '\'' {
            quoted = !quoted;
        }
        let starts_name = chars.peek().is_some_and(|n| n.is_alphabetic() || *n == '_');
        if c == ':' && !quoted && previous != ':' && starts_name {
            out.push_str("$1");
            while chars
                .peek()
                .is_some_and(|n| n.is_alphanumeric() || *n == '_')
            {
                chars.next();
            }
            previous = '1';
            continue;
        }
        out.push(c);
        previous = c;
    }
    out
}

/// Offset in `query` of the name of `table` on the line the parser gave
/// (columns moved where placeholders were rewritten); the line's start when
/// the name is written differently (quoted, schema-qualified).
fn name_offset(query: &str, table: &TableRef) -> usize {
    let mut line_start = 0;
    for (index, line) in query.split_inclusive('\n').enumerate() {
        if index + 1 == table.line {
            let lower = line.to_lowercase();
            let found = lower.match_indices(&table.name).find(|(at, _)| {
                let before = lower[..*at].chars().next_back();
                let after = lower[at + table.name.len()..].chars().next();
                let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
                !word(before) && !word(after)
            });
            return line_start + found.map_or(0, |(at, _)| at);
        }
        line_start += line.len();
    }
    0
}

/// Diesel `table!` and sea-orm entities of tables whose owner the
/// configuration or a migration names: mapping a table is using it. The
/// owner's own declarations are dropped by the caller like any own use.
fn orm_declarations(
    params: &Params,
    context: &Context<'_>,
    files: &[FileFacts],
    lines: &FileLines<'_>,
    owners: &BTreeMap<String, Vec<Owner>>,
) -> Vec<Access> {
    let declared = |name: &str| {
        owners
            .get(name)
            .is_some_and(|claims| claims.iter().any(|c| c.source != Claimed::Orm))
    };
    let mut out = Vec::new();
    for (index, file) in files.iter().enumerate() {
        let diesel = diesel_tables(context, file)
            .filter(|_| params.enabled(Source::Diesel))
            .map(|t| {
                let schema = t.schema.as_ref().map(|s| s.to_lowercase());
                (
                    schema,
                    t.name.to_lowercase(),
                    t.span.range(),
                    "diesel table!",
                )
            });
        let sea_orm = sea_orm_tables(context, file)
            .filter(|_| params.enabled(Source::SeaOrm))
            .map(|a| {
                let (schema, name) = split_schema(&a.value);
                (schema, name, a.span.range(), "sea-orm entity")
            });
        for (schema, table, span, how) in diesel.chain(sea_orm) {
            if !declared(&table) {
                continue;
            }
            out.push(Access {
                narrow: None,
                table,
                schema,
                write: None,
                location: lines.location(index, span),
                how,
                owner: None,
                scanned: false,
                test_only: false,
            });
        }
    }
    out
}

/// Where the value starts inside the literal's source text, when that text
/// holds the value as written (no escapes), so positions can be narrowed.
fn literal_prefix(text: &str, literal: Span, value: &str) -> Option<usize> {
    literal.text(text).find(value)
}

/// Each service's database URL variables (`ORDERS_DATABASE_URL`, …), to
/// the service.
fn database_variables(context: &Context<'_>) -> HashMap<String, usize> {
    let mut variables: HashMap<String, usize> = HashMap::new();
    for (other, declared) in context.architecture.services.iter().enumerate() {
        let stem = declared.name.to_uppercase().replace('-', "_");
        for suffix in ["DATABASE_URL", "DB_URL", "DATABASE_DSN", "DB_DSN"] {
            variables.insert(format!("{stem}_{suffix}"), other);
        }
    }
    variables
}

/// Literals naming another service's database URL variable.
fn env_accesses(
    context: &Context<'_>,
    files: &[FileFacts],
    service: usize,
    variables: &HashMap<String, usize>,
) -> Vec<Access> {
    let lines = FileLines::new(files);
    let mut out = Vec::new();
    for (index, file) in files.iter().enumerate() {
        for string in file
            .strings
            .iter()
            .filter(|s| !context.skips(file, s.module, s.span))
        {
            let Some(&owner) = variables.get(string.value.trim()) else {
                continue;
            };
            if owner == service {
                continue;
            }
            out.push(Access {
                narrow: None,
                table: format!("database URL `{}`", string.value.trim()),
                schema: None,
                write: None,
                location: lines.location(index, string.span.range()),
                how: "database URL",
                owner: Some(owner),
                scanned: false,
                test_only: file.is_test_code(string.module),
            });
        }
    }
    out
}

/// A table declared in another service's crate: the module path that names
/// it there (`orders` for a diesel table, `order` for a sea-orm entity).
struct ForeignTable {
    path: Vec<crate::facts::Name>,
    table: String,
    how: &'static str,
}

/// Uses of another service's diesel tables or sea-orm entities through a
/// dependency on the crate that declares them.
fn orm_accesses(
    params: &Params,
    context: &Context<'_>,
    facts: &facts::Facts,
    member: usize,
    service: usize,
) -> Vec<Access> {
    let workspace = context.workspace;
    // code name of a dependency owned by another service → its tables
    // (module path prefix → table name).
    let mut foreign: HashMap<String, Vec<ForeignTable>> = HashMap::new();
    for dep in &workspace.members[member].dependencies {
        let Some(target) = dep.member else { continue };
        let Role::Service(owner) = context.architecture.roles[target] else {
            continue;
        };
        if owner == service {
            continue;
        }
        let mut tables = Vec::new();
        for file in &facts.crates[target].files {
            if params.enabled(Source::Diesel) {
                for table in diesel_tables(context, file) {
                    let mut path = file.modules[table.module].path.clone();
                    path.push(crate::facts::Name::new(&table.name));
                    tables.push(ForeignTable {
                        path,
                        table: table.name.to_lowercase(),
                        how: "diesel table",
                    });
                }
            }
            if params.enabled(Source::SeaOrm) {
                for attribute in sea_orm_tables(context, file) {
                    let path = file.modules[attribute.module].path.clone();
                    tables.push(ForeignTable {
                        path,
                        table: split_schema(&attribute.value).1,
                        how: "sea-orm entity",
                    });
                }
            }
        }
        if !tables.is_empty() {
            foreign.insert(dep.key.replace('-', "_"), tables);
        }
    }
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    let files = &facts.crates[member].files;
    let lines = FileLines::new(files);
    for (index, file) in files.iter().enumerate() {
        let uses = file.uses.iter().map(|u| (&u.segments, u.span));
        let paths = file.paths.iter().map(|p| (&p.segments, p.span));
        for (segments, span) in uses.chain(paths) {
            let Some((first, rest)) = segments.split_first() else {
                continue;
            };
            let Some(tables) = foreign.get(first.as_str()) else {
                continue;
            };
            let Some(ForeignTable { table, how, .. }) = tables.iter().find(|t| {
                !t.path.is_empty()
                    && rest.len() >= t.path.len()
                    && rest[..t.path.len()] == t.path[..]
            }) else {
                continue;
            };
            // One access per line and table: `orders::table` and
            // `orders::dsl::id` in one expression are one use.
            let location = lines.location(index, span.range());
            if !seen.insert((file.path.clone(), location.line, table.clone())) {
                continue;
            }
            out.push(Access {
                narrow: None,
                table: table.clone(),
                schema: None,
                write: None,
                location,
                how,
                owner: None,
                scanned: false,
                test_only: false,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_words_that_introduce_a_table_make_sql_worth_a_diagnostic() {
        assert!(names_a_relation("UPDATE jobs SET x = 1 WHERE ("));
        assert!(names_a_relation("select * from jobs where ("));
        assert!(names_a_relation("WITH t AS (SELECT 1) UPDATE jobs SET ("));
        assert!(!names_a_relation("ALTER EXTENSION neon UPDATE"));
        assert!(!names_a_relation("ALTER SYSTEM SET work_mem TO '64MB'"));
        assert!(!names_a_relation("CREATE USER reader WITH PASSWORD 'x'"));
    }

    fn claim(service: usize, schema: Option<&str>) -> Owner {
        Owner {
            service,
            schema: schema.map(str::to_string),
            location: None,
            source: Claimed::Migration,
        }
    }

    #[test]
    fn claims_in_different_schemas_are_different_tables_and_an_unqualified_one_may_be_either() {
        let claims = [
            claim(0, None),
            claim(1, Some("billing")),
            claim(2, Some("identity")),
        ];
        let refs: Vec<&Owner> = claims.iter().collect();
        let groups: Vec<Vec<usize>> = schema_groups(&refs)
            .iter()
            .map(|g| g.iter().map(|c| c.service).collect())
            .collect();
        assert_eq!(groups, [vec![0, 1], vec![0, 2]]);
        let same = [claim(0, None), claim(1, Some("public"))];
        let refs: Vec<&Owner> = same.iter().collect();
        assert_eq!(schema_groups(&refs).len(), 1);
    }

    #[test]
    fn every_claimer_is_named() {
        assert_eq!(list(&["billing"]), "billing");
        assert_eq!(
            list(&["billing", "identity", "orders"]),
            "billing, identity and orders"
        );
    }

    #[test]
    fn generated_query_files_split_at_annotations_and_keep_casts() {
        let text = "-- jobs of the controller\n--! get_job (id)\nSELECT * FROM job_configs WHERE id = :id::text;\n\n--! set_state\nUPDATE job_statuses SET state = ':not_a_param' WHERE id = :id;\n";
        let blocks = query_blocks(text);
        assert_eq!(blocks.len(), 2);
        assert!(text[blocks[0].clone()].starts_with("SELECT"));
        assert!(text[blocks[1].clone()].starts_with("UPDATE"));
        assert_eq!(
            positional_placeholders(&text[blocks[0].clone()]),
            "SELECT * FROM job_configs WHERE id = $1::text;\n\n"
        );
        assert_eq!(
            positional_placeholders(&text[blocks[1].clone()]),
            "UPDATE job_statuses SET state = ':not_a_param' WHERE id = $1;\n"
        );
    }

    #[test]
    fn a_table_name_span_stops_at_the_end_of_the_name() {
        // `"` ends the Rust literal here: it is not part of the name.
        let text = "SELECT id FROM invoices\"";
        let start = text.find("invoices").expect("name");
        assert_eq!(&text[name_span(text, start)], "invoices");
        // A quoted identifier keeps both its quotes.
        let text = "SELECT id FROM \"Invoices\" WHERE";
        let start = text.find('"').expect("quote");
        assert_eq!(&text[name_span(text, start)], "\"Invoices\"");
        let text = "INSERT INTO `order_items`(id)";
        let start = text.find('`').expect("backtick");
        assert_eq!(&text[name_span(text, start)], "`order_items`");
    }
}
