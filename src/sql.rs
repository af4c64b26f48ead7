//! Tables named by SQL text, found with a real SQL parser (sqlparser): a CTE
//! name, a table or subquery alias and a column are not tables, however much
//! they look like one. Several dialects are tried in turn, so Postgres `$1`,
//! MySQL/SQLite `?` and backticks all parse. SQL that PostgreSQL accepts but
//! no dialect here parses (`GROUP BY DISTINCT`, `SEARCH DEPTH FIRST`, nesting
//! past the parser's recursion limit) falls back to [`scan_tables`], a
//! conservative reading of the tokens after FROM, JOIN, INTO, UPDATE, TABLE,
//! COPY and TRUNCATE.

pub mod memo;

use std::collections::BTreeSet;
use std::ops::{ControlFlow, Range};
use std::sync::atomic::{AtomicUsize, Ordering};

use serde::{Deserialize, Serialize};

use sqlparser::ast::{
    CopySource, FromTable, ObjectName, ObjectNamePart, Query, Statement, TableFactor, TableObject,
    Visit, Visitor,
};
use sqlparser::dialect::{Dialect, GenericDialect, MySqlDialect, PostgreSqlDialect, SQLiteDialect};
use sqlparser::keywords::Keyword;
use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::{Token, TokenWithSpan, Tokenizer, Word};

use crate::finding::LineIndex;

/// A table named by a statement.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct TableRef {
    /// Last part of the name, unquoted and lower-cased.
    pub name: String,
    /// Schema (the part before the name), when written.
    pub schema: Option<String>,
    /// Written (INSERT/UPDATE/DELETE target, DDL) rather than only read.
    pub write: bool,
    /// 1-based line and column of the name inside the SQL text.
    pub line: usize,
    pub column: usize,
    pub found_by: FoundBy,
}

/// How a table reference was found, so that a finding can say how sure it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum FoundBy {
    /// The SQL parser read the statement.
    Parser,
    /// No dialect parses the statement; [`scan_tables`] read its tokens.
    TokenScan,
}

/// Why a text is not SQL that can be analysed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SqlError {
    /// What the parser expected, never quoting the input: the text may be
    /// any file a migration path leads to, and a report must not carry it.
    pub message: String,
    /// 1-based line of the problem inside the SQL text, when known.
    pub line: Option<usize>,
}

fn dialects() -> [&'static dyn Dialect; 4] {
    [
        &PostgreSqlDialect {},
        &MySqlDialect {},
        &SQLiteDialect {},
        &GenericDialect {},
    ]
}

static PARSES: AtomicUsize = AtomicUsize::new(0);

/// How many texts [`parse`] was given in this process: a run that takes
/// every analysis from the SQL memo gives it none.
pub fn parse_count() -> usize {
    PARSES.load(Ordering::Relaxed)
}

/// Parses `sql` with the first dialect that accepts it.
pub fn parse(sql: &str) -> Result<Vec<Statement>, SqlError> {
    PARSES.fetch_add(1, Ordering::Relaxed);
    let mut first_error = None;
    for dialect in dialects() {
        match Parser::parse_sql(dialect, sql) {
            Ok(statements) => return Ok(statements),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    Err(first_error.map_or_else(
        || SqlError {
            message: "not valid SQL".into(),
            line: None,
        },
        |e| sql_error(&e),
    ))
}

/// The parser's error without the input's text. sqlparser quotes what it
/// found (`Expected: X, found: <token>`, `Could not parse '<text>'`), so
/// only what it expected is kept, cut at the first quote or `found`/`got`;
/// messages of another shape become a plain "not valid SQL".
fn sql_error(error: &ParserError) -> SqlError {
    let full = match error {
        ParserError::TokenizerError(text) | ParserError::ParserError(text) => text.as_str(),
        ParserError::RecursionLimitExceeded => {
            return SqlError {
                message: "nested too deeply for the SQL parser".into(),
                line: None,
            }
        }
    };
    // The location is the last thing sqlparser appends; a quoted token
    // before it may itself contain "Line: ".
    let line = full
        .rsplit_once(" at Line: ")
        .and_then(|(_, rest)| rest.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|n| n.parse().ok());
    let message = if let Some(rest) = full.strip_prefix("Expected: ") {
        // The expectation is the parser's grammar (`',' or ')'` included).
        let end = [", found", " found", " at Line: "]
            .iter()
            .filter_map(|marker| rest.find(marker))
            .min()
            .unwrap_or(rest.len());
        format!("expected {}", rest[..end].trim_end())
    } else if full.starts_with("Expected") || full.starts_with("Unterminated") {
        let end = [" at Line: ", "found", "got ", "'", "\"", "`"]
            .iter()
            .filter_map(|marker| full.find(marker))
            .min()
            .unwrap_or(full.len());
        let kept = full[..end]
            .trim_end_matches(|c: char| c.is_whitespace() || c == ',' || c == ':')
            .trim_end_matches(" but")
            .trim_end_matches(" after")
            .trim_end_matches(" before");
        let mut chars = kept.chars();
        chars
            .next()
            .map(|c| c.to_ascii_lowercase().to_string() + chars.as_str())
            .unwrap_or_default()
    } else {
        "not valid SQL".into()
    };
    let message = match message.char_indices().nth(160) {
        Some((end, _)) => format!("{}…", &message[..end]),
        None => message,
    };
    SqlError { message, line }
}

/// What the checks need from one SQL text, as plain data: it is computed
/// once per distinct text and kept in the [`memo`] across runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Analysis {
    /// A dialect parsed it.
    Parsed {
        /// [`tables`] of its statements.
        tables: Vec<TableRef>,
        /// [`temporary_tables`] of its statements.
        temporary: BTreeSet<String>,
    },
    /// No dialect parses it.
    Unparsed {
        error: SqlError,
        /// [`scan_tables`] of the text: whether it counts as SQL is the
        /// caller's to say.
        scanned: Vec<TableRef>,
    },
}

impl Analysis {
    /// The tables the parser found, else those of the token scan.
    pub fn tables(&self) -> &[TableRef] {
        match self {
            Analysis::Parsed { tables, .. } => tables,
            Analysis::Unparsed { scanned, .. } => scanned,
        }
    }
}

/// Parses `sql` (or scans it when no dialect parses it) for [`Analysis`].
/// Callers go through [`memo::SqlMemo::analyse`], which does this once
/// per distinct text.
pub fn analyse(sql: &str) -> Analysis {
    match parse(sql) {
        Ok(statements) => Analysis::Parsed {
            tables: tables(&statements),
            temporary: temporary_tables(&statements),
        },
        Err(error) => Analysis::Unparsed {
            scanned: scan_tables(sql),
            error,
        },
    }
}

/// A migration script split and parsed: its table changes, each with the
/// byte offset where its statement's text starts (the parser's positions
/// count from there), and the statements no dialect parses.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScriptAnalysis {
    pub changes: Vec<(TableChange, usize)>,
    /// Byte range of each statement that does not parse, and why.
    pub failed: Vec<(Range<usize>, SqlError)>,
}

/// A script of more statements is not retried as a whole when one of them
/// does not parse: sqlparser holds every statement of a text at once, about
/// 9 KB per `CREATE TABLE`.
const WHOLE_SCRIPT_RETRY: usize = 1_000;

/// The table changes of a migration script. Statements are parsed one at a
/// time (split at `;` tokens, so dollar-quoted bodies and `DO $$ … $$`
/// blocks stay whole) so that memory does not grow with the script and one
/// bad statement does not hide the others. When some do not parse, the
/// whole script is tried once more (a body the split cut in two may still
/// parse as part of the whole); if it parses, nothing failed.
pub fn analyse_script(text: &str) -> ScriptAnalysis {
    let ranges = statement_ranges(text).unwrap_or_else(|| {
        // Does not even tokenize (an unterminated string): plain `;`.
        let mut start = 0;
        text.split_inclusive(';')
            .map(|chunk| {
                start += chunk.len();
                start - chunk.len()..start
            })
            .collect()
    });
    let mut out = ScriptAnalysis::default();
    for range in &ranges {
        let chunk = &text[range.clone()];
        if chunk.trim().trim_end_matches(';').trim().is_empty() || only_comments(chunk) {
            continue;
        }
        match parse(chunk) {
            Ok(statements) => out.changes.extend(
                table_changes(&statements)
                    .into_iter()
                    .map(|change| (change, range.start)),
            ),
            Err(error) => out.failed.push((range.clone(), error)),
        }
    }
    if !out.failed.is_empty() && ranges.len() <= WHOLE_SCRIPT_RETRY {
        if let Ok(statements) = parse(text) {
            return ScriptAnalysis {
                changes: table_changes(&statements)
                    .into_iter()
                    .map(|change| (change, 0))
                    .collect(),
                failed: Vec::new(),
            };
        }
    }
    out
}

fn only_comments(chunk: &str) -> bool {
    chunk
        .lines()
        .map(str::trim)
        .all(|l| l.is_empty() || l.starts_with("--") || l == ";")
}

/// Whether a text starts the way SQL statements do, to tell "looks like SQL
/// but does not parse" (worth a diagnostic, and a token scan) from prose.
pub fn looks_like_sql(text: &str) -> bool {
    let mut text = skip_comments(text);
    // `(SELECT …)` is a query too.
    while let Some(rest) = text.strip_prefix('(') {
        text = skip_comments(rest);
    }
    let first: String = text
        .chars()
        .take(9)
        .take_while(|c| c.is_ascii_alphabetic())
        .collect::<String>()
        .to_ascii_uppercase();
    let rest = &text[first.len()..];
    // `SELECT/**/sku`, `SELECT(1)`, `SELECT*FROM` separate words too.
    let separated = rest.starts_with(char::is_whitespace)
        || rest.starts_with("/*")
        || rest.starts_with("--")
        || rest.starts_with('(')
        || (first == "SELECT" && rest.starts_with('*'));
    matches!(
        first.as_str(),
        "SELECT"
            | "INSERT"
            | "UPDATE"
            | "DELETE"
            | "WITH"
            | "CREATE"
            | "ALTER"
            | "DROP"
            | "TRUNCATE"
            | "MERGE"
            | "UPSERT"
            | "REPLACE"
            | "TABLE"
            | "EXPLAIN"
            | "COPY"
    ) && separated
}

/// The text after leading whitespace, `-- …` lines and `/* … */` blocks.
fn skip_comments(mut text: &str) -> &str {
    loop {
        text = text.trim_start();
        if let Some(rest) = text.strip_prefix("--") {
            text = rest.split_once('\n').map_or("", |(_, after)| after);
        } else if let Some(rest) = text.strip_prefix("/*") {
            text = rest.split_once("*/").map_or("", |(_, after)| after);
        } else {
            return text;
        }
    }
}

/// Every table the statements read or write, CTE names excluded.
pub fn tables(statements: &[Statement]) -> Vec<TableRef> {
    let mut out = BTreeSet::new();
    for statement in statements {
        let mut collector = Collector::default();
        let _ = statement.visit(&mut collector);
        let written = written_tables(statement);
        let ddl = is_ddl(statement);
        for relation in collector.relations {
            let Some(table) = table_ref(&relation, false) else {
                continue;
            };
            if table.schema.is_none() && collector.ctes.contains(&table.name) {
                continue;
            }
            let write = ddl
                || written
                    .iter()
                    .any(|w| w.name == table.name && w.schema == table.schema);
            out.insert(TableRef { write, ..table });
        }
        // The visitor does not treat COPY's table as a relation.
        if let Some(table) = copied_table(statement) {
            out.insert(table);
        }
    }
    out.into_iter().collect()
}

/// The table of `COPY t FROM …` (written) or `COPY t TO …` (read).
fn copied_table(statement: &Statement) -> Option<TableRef> {
    match statement {
        Statement::Copy {
            source: CopySource::Table { table_name, .. },
            to,
            ..
        } => table_ref(table_name, !to),
        Statement::Explain { statement, .. } => copied_table(statement),
        _ => None,
    }
}

/// Tables a migration defines: `CREATE TABLE`, `ALTER TABLE`, `CREATE INDEX … ON`.
pub fn defined_tables(statements: &[Statement]) -> Vec<TableRef> {
    let mut out = Vec::new();
    for statement in statements {
        let name = match statement {
            Statement::CreateTable(create) if !create.temporary => Some(&create.name),
            Statement::AlterTable(alter) => Some(&alter.name),
            Statement::CreateIndex(index) => Some(&index.table_name),
            _ => None,
        };
        if let Some(table) = name.and_then(|n| table_ref(n, true)) {
            out.push(table);
        }
    }
    out
}

/// What a migration statement does to a table's existence, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum TableChange {
    /// Created or altered (an ALTER or an index claims the table too).
    Defined(TableRef),
    /// `DROP TABLE`: gone from then on.
    Dropped(TableRef),
    /// `ALTER TABLE a RENAME TO b`, `RENAME TABLE a TO b`.
    Renamed { from: TableRef, to: TableRef },
}

/// The table changes of migration statements, in statement order: what
/// [`defined_tables`] names, plus drops and renames, so that ownership can
/// be replayed as the database would see it.
pub fn table_changes(statements: &[Statement]) -> Vec<TableChange> {
    use sqlparser::ast::{AlterTableOperation, ObjectType, RenameTableNameKind};
    let mut out = Vec::new();
    for statement in statements {
        match statement {
            Statement::Drop {
                object_type: ObjectType::Table,
                names,
                temporary: false,
                ..
            } => out.extend(
                names
                    .iter()
                    .filter_map(|n| table_ref(n, true))
                    .map(TableChange::Dropped),
            ),
            Statement::RenameTable(renames) => out.extend(renames.iter().filter_map(|r| {
                Some(TableChange::Renamed {
                    from: table_ref(&r.old_name, true)?,
                    to: table_ref(&r.new_name, true)?,
                })
            })),
            Statement::AlterTable(alter) => {
                let Some(from) = table_ref(&alter.name, true) else {
                    continue;
                };
                out.push(TableChange::Defined(from.clone()));
                for operation in &alter.operations {
                    if let AlterTableOperation::RenameTable { table_name } = operation {
                        let (RenameTableNameKind::As(name) | RenameTableNameKind::To(name)) =
                            table_name;
                        if let Some(to) = table_ref(name, true) {
                            out.push(TableChange::Renamed {
                                from: from.clone(),
                                to,
                            });
                        }
                    }
                }
            }
            other => out.extend(
                defined_tables(std::slice::from_ref(other))
                    .into_iter()
                    .map(TableChange::Defined),
            ),
        }
    }
    out
}

/// `CREATE TEMPORARY TABLE x` names, which belong to the session only.
pub fn temporary_tables(statements: &[Statement]) -> BTreeSet<String> {
    statements
        .iter()
        .filter_map(|s| match s {
            Statement::CreateTable(create) if create.temporary => {
                table_ref(&create.name, true).map(|t| t.name)
            }
            _ => None,
        })
        .collect()
}

#[derive(Default)]
struct Collector {
    relations: Vec<ObjectName>,
    ctes: BTreeSet<String>,
}

impl Visitor for Collector {
    type Break = ();

    fn pre_visit_query(&mut self, query: &Query) -> ControlFlow<()> {
        if let Some(with) = &query.with {
            for cte in &with.cte_tables {
                self.ctes.insert(cte.alias.name.value.to_lowercase());
            }
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_relation(&mut self, relation: &ObjectName) -> ControlFlow<()> {
        self.relations.push(relation.clone());
        ControlFlow::Continue(())
    }
}

fn is_ddl(statement: &Statement) -> bool {
    let text = statement.to_string();
    let first = text
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_ascii_uppercase();
    matches!(
        first.as_str(),
        "CREATE" | "ALTER" | "DROP" | "TRUNCATE" | "RENAME" | "MERGE"
    )
}

/// Targets of INSERT, UPDATE and DELETE.
fn written_tables(statement: &Statement) -> Vec<TableRef> {
    let mut names: Vec<&ObjectName> = Vec::new();
    match statement {
        Statement::Insert(insert) => {
            if let TableObject::TableName(name) = &insert.table {
                names.push(name);
            }
        }
        Statement::Update(update) => {
            if let TableFactor::Table { name, .. } = &update.table.relation {
                names.push(name);
            }
        }
        // `EXPLAIN ANALYZE UPDATE …` runs the update.
        Statement::Explain { statement, .. } => return written_tables(statement),
        Statement::Delete(delete) => {
            names.extend(&delete.tables);
            if delete.tables.is_empty() {
                let from = match &delete.from {
                    FromTable::WithFromKeyword(from) | FromTable::WithoutKeyword(from) => from,
                };
                for table in from {
                    if let TableFactor::Table { name, .. } = &table.relation {
                        names.push(name);
                    }
                }
            }
        }
        _ => {}
    }
    names
        .into_iter()
        .filter_map(|n| table_ref(n, true))
        .collect()
}

fn table_ref(name: &ObjectName, write: bool) -> Option<TableRef> {
    let parts: Vec<&sqlparser::ast::Ident> = name
        .0
        .iter()
        .filter_map(|p| match p {
            ObjectNamePart::Identifier(ident) => Some(ident),
            _ => None,
        })
        .collect();
    let last = parts.last()?;
    let schema = (parts.len() >= 2).then(|| parts[parts.len() - 2].value.to_lowercase());
    Some(TableRef {
        name: last.value.to_lowercase(),
        schema,
        write,
        line: last.span.start.line as usize,
        column: last.span.start.column as usize,
        found_by: FoundBy::Parser,
    })
}

/// Byte ranges of a script's statements, split at its `;` tokens: a `;`
/// inside a string, a comment, a dollar-quoted body or a `DO $$ … $$` block
/// does not split, nor one inside a `BEGIN … END` body (`BEGIN ATOMIC`, a
/// SQLite trigger); `BEGIN;` and `BEGIN TRANSACTION` open no body. `None`
/// when no dialect tokenizes the script.
pub fn statement_ranges(script: &str) -> Option<Vec<Range<usize>>> {
    let tokens = tokenize(
        script,
        [&PostgreSqlDialect {}, &GenericDialect {}, &MySqlDialect {}],
    )?;
    let keyword = |i: usize| match tokens.get(i).map(|t| &t.token) {
        Some(Token::Word(Word {
            keyword,
            quote_style: None,
            ..
        })) => Some(*keyword),
        _ => None,
    };
    let lines = LineIndex::new(script);
    let mut out = Vec::new();
    let mut start = 0;
    // Open `BEGIN` bodies and `CASE` expressions, each closed by an `END`.
    let mut depth = 0usize;
    for (i, token) in tokens.iter().enumerate() {
        match keyword(i) {
            Some(Keyword::BEGIN) => {
                let transaction = tokens
                    .get(i + 1)
                    .is_none_or(|t| t.token == Token::SemiColon)
                    || matches!(
                        keyword(i + 1),
                        Some(
                            Keyword::TRANSACTION
                                | Keyword::WORK
                                | Keyword::ISOLATION
                                | Keyword::READ
                                | Keyword::DEFERRED
                                | Keyword::IMMEDIATE
                                | Keyword::EXCLUSIVE
                                | Keyword::NOT
                                | Keyword::DEFERRABLE
                        )
                    );
                if !transaction {
                    depth += 1;
                }
            }
            Some(Keyword::CASE) => depth += 1,
            // `END IF` and `END LOOP` close what never opened a body here.
            Some(Keyword::END)
                if !matches!(
                    tokens.get(i + 1).map(|t| &t.token),
                    Some(Token::Word(Word { value, quote_style: None, .. }))
                        if ["IF", "LOOP", "WHILE", "REPEAT", "FOR"]
                            .iter()
                            .any(|w| value.eq_ignore_ascii_case(w))
                ) =>
            {
                depth = depth.saturating_sub(1);
            }
            _ => {}
        }
        // A body holds no DDL: a stray CASE or BEGIN costs one statement,
        // not the rest of the script.
        if token.token == Token::SemiColon
            && depth > 0
            && matches!(
                keyword(i + 1),
                Some(Keyword::CREATE | Keyword::ALTER | Keyword::DROP | Keyword::COMMIT)
            )
        {
            depth = 0;
        }
        if token.token == Token::SemiColon && depth == 0 {
            let at = lines.offset(
                token.span.start.line as usize,
                token.span.start.column as usize,
            );
            let end = (at + 1).min(script.len()).max(start);
            out.push(start..end);
            start = end;
        }
    }
    if start < script.len() {
        out.push(start..script.len());
    }
    Some(out)
}

/// The tokens of `sql` other than whitespace and comments, with the first
/// dialect whose tokenizer accepts it.
fn tokenize<const N: usize>(sql: &str, dialects: [&dyn Dialect; N]) -> Option<Vec<TokenWithSpan>> {
    dialects.into_iter().find_map(|dialect| {
        let tokens = Tokenizer::new(dialect, sql).tokenize_with_location().ok()?;
        Some(
            tokens
                .into_iter()
                .filter(|t| !matches!(t.token, Token::Whitespace(_)))
                .collect(),
        )
    })
}

/// Tables named by SQL that no dialect parses, read from its tokens: the
/// name after FROM, JOIN, INTO, UPDATE, TABLE, COPY and TRUNCATE (and the
/// further names of a `FROM a, b` list). Conservative: a `(` after FROM is a
/// subquery, not a name; FROM inside a function call (`EXTRACT(YEAR FROM
/// t)`), `IS DISTINCT FROM`, `FOR UPDATE` and `DO UPDATE` name nothing; names
/// declared by `WITH name AS (` and `CREATE TEMP TABLE` are left out.
/// Call it only on text that counts as SQL for another reason (it reaches a
/// database call): on prose it would find "tables" too. Comments, strings
/// and quoted identifiers are the tokenizer's, so `SELECT/**/sku` and
/// `"Order Items"` read right.
pub fn scan_tables(sql: &str) -> Vec<TableRef> {
    let Some(tokens) = tokenize(
        sql,
        [&GenericDialect {}, &PostgreSqlDialect {}, &MySqlDialect {}],
    ) else {
        return Vec::new();
    };
    Scan::new(&tokens).run()
}

/// Unquoted words that are never a table name: clause keywords, and the
/// words that may follow FROM, JOIN, INTO, UPDATE or TABLE instead of one.
const NOT_A_NAME: &[Keyword] = &[
    Keyword::ALL,
    Keyword::AND,
    Keyword::AS,
    Keyword::CASE,
    Keyword::CROSS,
    Keyword::DEFAULT,
    Keyword::DISTINCT,
    Keyword::EXCEPT,
    Keyword::EXISTS,
    Keyword::FALSE,
    Keyword::FETCH,
    Keyword::FOR,
    Keyword::FROM,
    Keyword::FULL,
    Keyword::GROUP,
    Keyword::HAVING,
    Keyword::IF,
    Keyword::INNER,
    Keyword::INTERSECT,
    Keyword::INTO,
    Keyword::JOIN,
    Keyword::LATERAL,
    Keyword::LEFT,
    Keyword::LIMIT,
    Keyword::NATURAL,
    Keyword::NOT,
    Keyword::NULL,
    Keyword::OFFSET,
    Keyword::ON,
    Keyword::ONLY,
    Keyword::OR,
    Keyword::ORDER,
    Keyword::OUTER,
    Keyword::PROGRAM,
    Keyword::RETURNING,
    Keyword::RIGHT,
    Keyword::SELECT,
    Keyword::SET,
    Keyword::STDIN,
    Keyword::STDOUT,
    Keyword::TABLE,
    Keyword::TRUE,
    Keyword::UNION,
    Keyword::USING,
    Keyword::VALUES,
    Keyword::WHEN,
    Keyword::WHERE,
    Keyword::WINDOW,
    Keyword::WITH,
];

/// Keywords after which a `,` no longer separates tables of a FROM list.
const ENDS_FROM_LIST: &[Keyword] = &[
    Keyword::CASCADE,
    Keyword::EXCEPT,
    Keyword::FETCH,
    Keyword::FOR,
    Keyword::GROUP,
    Keyword::HAVING,
    Keyword::INTERSECT,
    Keyword::INTO,
    Keyword::LIMIT,
    Keyword::OFFSET,
    Keyword::ON,
    Keyword::ORDER,
    Keyword::RESTRICT,
    Keyword::RETURNING,
    Keyword::SELECT,
    Keyword::SET,
    Keyword::UNION,
    Keyword::USING,
    Keyword::VALUES,
    Keyword::WHERE,
    Keyword::WINDOW,
    Keyword::WITH,
];

/// Keywords before a `(` that opens a query or a table list rather than
/// a function's arguments.
const OPENS_QUERY: &[Keyword] = &[
    Keyword::ALL,
    Keyword::AND,
    Keyword::ANY,
    Keyword::AS,
    Keyword::COPY,
    Keyword::EXCEPT,
    Keyword::EXISTS,
    Keyword::FROM,
    Keyword::IN,
    Keyword::INTERSECT,
    Keyword::JOIN,
    Keyword::LATERAL,
    Keyword::NOT,
    Keyword::ON,
    Keyword::OR,
    Keyword::SELECT,
    Keyword::SOME,
    Keyword::UNION,
    Keyword::WHERE,
];

/// Statements whose every table is written, as [`tables`] counts them.
const DDL: &[Keyword] = &[
    Keyword::CREATE,
    Keyword::ALTER,
    Keyword::DROP,
    Keyword::TRUNCATE,
    Keyword::RENAME,
    Keyword::MERGE,
];

/// What the scan knows about one level of parentheses.
#[derive(Default, Clone, Copy)]
struct Frame {
    /// A function's arguments: FROM there belongs to the function.
    arguments: bool,
    /// Inside a FROM (or TRUNCATE) list: a `,` starts another table, written
    /// when the flag says so.
    list: Option<bool>,
    /// After `WITH`: a `,` may declare another CTE.
    ctes: bool,
}

struct Scan<'t> {
    tokens: &'t [TokenWithSpan],
    found: BTreeSet<TableRef>,
    /// CTE and temporary table names, left out of the result.
    local: BTreeSet<String>,
}

impl<'t> Scan<'t> {
    fn new(tokens: &'t [TokenWithSpan]) -> Scan<'t> {
        Scan {
            tokens,
            found: BTreeSet::new(),
            local: BTreeSet::new(),
        }
    }

    /// The unquoted keyword at `i`, if any.
    fn keyword(&self, i: usize) -> Option<Keyword> {
        match self.tokens.get(i).map(|t| &t.token) {
            Some(Token::Word(Word {
                keyword,
                quote_style: None,
                ..
            })) if *keyword != Keyword::NoKeyword => Some(*keyword),
            _ => None,
        }
    }

    fn is(&self, i: usize, token: &Token) -> bool {
        self.tokens.get(i).is_some_and(|t| &t.token == token)
    }

    fn run(mut self) -> Vec<TableRef> {
        // Iterative, with an explicit stack: nesting depth costs memory, never
        // the call stack.
        let mut frames = vec![Frame::default()];
        let mut lead: Option<Keyword> = None;
        for i in 0..self.tokens.len() {
            let ddl = lead.is_some_and(|k| DDL.contains(&k));
            let top = frames.len() - 1;
            match &self.tokens[i].token {
                Token::SemiColon => {
                    frames.truncate(1);
                    frames[0] = Frame::default();
                    lead = None;
                }
                Token::LParen => {
                    let query_follows = matches!(
                        self.keyword(i + 1),
                        Some(Keyword::SELECT | Keyword::WITH | Keyword::VALUES | Keyword::TABLE)
                    ) || self.is(i + 1, &Token::LParen);
                    let after_word = i > 0 && matches!(self.tokens[i - 1].token, Token::Word(_));
                    let after_clause = self
                        .keyword(i.wrapping_sub(1))
                        .is_some_and(|k| OPENS_QUERY.contains(&k));
                    frames.push(Frame {
                        arguments: after_word && !after_clause && !query_follows,
                        ..Frame::default()
                    });
                }
                Token::RParen if frames.len() > 1 => {
                    frames.pop();
                }
                Token::Comma if !frames[top].arguments => {
                    if let Some(write) = frames[top].list {
                        self.table_item(i + 1, write || ddl);
                    } else if frames[top].ctes {
                        self.cte(i + 1);
                    }
                }
                Token::Word(word) => {
                    let starts_statement = lead.is_none();
                    lead.get_or_insert(word.keyword);
                    // `t.update` is a column, not a keyword.
                    let qualified = i > 0 && self.is(i - 1, &Token::Period);
                    if frames[top].arguments || word.quote_style.is_some() || qualified {
                        continue;
                    }
                    let before = self.keyword(i.wrapping_sub(1));
                    let frame = &mut frames[top];
                    match word.keyword {
                        // `a IS [NOT] DISTINCT FROM b` compares.
                        Keyword::FROM if before != Some(Keyword::DISTINCT) => {
                            let write = before == Some(Keyword::DELETE) || ddl;
                            frame.list = Some(write);
                            self.table_item(i + 1, write);
                        }
                        Keyword::JOIN => self.table_item(i + 1, ddl),
                        Keyword::INTO => {
                            frame.list = None;
                            self.insert_name(i + 1, true);
                        }
                        // Row locks (`FOR [NO KEY] UPDATE`), upserts (`DO
                        // UPDATE`) and foreign keys (`ON UPDATE`) name no table.
                        Keyword::UPDATE
                            if !matches!(
                                before,
                                Some(Keyword::FOR | Keyword::KEY | Keyword::DO | Keyword::ON)
                            ) =>
                        {
                            let at = if self.keyword(i + 1) == Some(Keyword::ONLY) {
                                i + 2
                            } else {
                                i + 1
                            };
                            self.insert_name(at, true);
                        }
                        Keyword::TABLE => {
                            // `DROP TABLE a, b`, `TRUNCATE TABLE a, b`.
                            if matches!(lead, Some(Keyword::DROP | Keyword::TRUNCATE)) {
                                frame.list = Some(true);
                            }
                            self.table_keyword(i, ddl);
                        }
                        Keyword::TRUNCATE if self.keyword(i + 1) != Some(Keyword::TABLE) => {
                            frame.list = Some(true);
                            let at = if self.keyword(i + 1) == Some(Keyword::ONLY) {
                                i + 2
                            } else {
                                i + 1
                            };
                            self.insert_name(at, true);
                        }
                        Keyword::COPY if starts_statement => {
                            let write = self.copies_in(i);
                            self.insert_name(i + 1, write);
                        }
                        Keyword::WITH => {
                            let at = if self.keyword(i + 1) == Some(Keyword::RECURSIVE) {
                                i + 2
                            } else {
                                i + 1
                            };
                            if self.cte(at) {
                                frame.ctes = true;
                            }
                        }
                        keyword if ENDS_FROM_LIST.contains(&keyword) => {
                            frame.list = None;
                            if keyword == Keyword::SELECT {
                                frame.ctes = false;
                            }
                        }
                        _ => {}
                    }
                }
                _ => {}
            }
        }
        let local = self.local;
        self.found
            .into_iter()
            .filter(|t| t.schema.is_some() || !local.contains(&t.name))
            .collect()
    }

    /// A possibly schema-qualified name starting at `j`, and the index after it.
    fn read_name(&self, j: usize, write: bool) -> Option<(TableRef, usize)> {
        let mut parts: Vec<&TokenWithSpan> = Vec::new();
        let mut k = j;
        while let Some(
            token @ TokenWithSpan {
                token: Token::Word(word),
                ..
            },
        ) = self.tokens.get(k)
        {
            if word.quote_style.is_none() && NOT_A_NAME.contains(&word.keyword) {
                break;
            }
            parts.push(token);
            k += 1;
            if !self.is(k, &Token::Period)
                || !matches!(
                    self.tokens.get(k + 1).map(|t| &t.token),
                    Some(Token::Word(_))
                )
            {
                break;
            }
            k += 1;
        }
        let value = |t: &TokenWithSpan| match &t.token {
            Token::Word(word) => word.value.to_lowercase(),
            _ => String::new(),
        };
        let last = parts.last()?;
        let schema = (parts.len() >= 2).then(|| value(parts[parts.len() - 2]));
        let table = TableRef {
            name: value(last),
            schema,
            write,
            line: last.span.start.line as usize,
            column: last.span.start.column as usize,
            found_by: FoundBy::TokenScan,
        };
        Some((table, k))
    }

    fn insert_name(&mut self, j: usize, write: bool) {
        if let Some((table, _)) = self.read_name(j, write) {
            self.found.insert(table);
        }
    }

    /// A table of a FROM or JOIN clause at `j`: not a subquery, not a
    /// function such as `generate_series(1, 3)`.
    fn table_item(&mut self, j: usize, write: bool) {
        let mut k = j;
        // `FROM (orders o JOIN payments p ON …)`.
        while self.is(k, &Token::LParen) {
            k += 1;
        }
        if self.keyword(k) == Some(Keyword::ONLY) {
            k += 1;
        }
        if let Some((table, end)) = self.read_name(k, write) {
            if !self.is(end, &Token::LParen) {
                self.found.insert(table);
            }
        }
    }

    /// `[CREATE [TEMP]|ALTER|DROP|TRUNCATE|LOCK] TABLE [IF [NOT] EXISTS] [ONLY] name`.
    fn table_keyword(&mut self, i: usize, ddl: bool) {
        let temporary = matches!(
            self.keyword(i.wrapping_sub(1)),
            Some(Keyword::TEMP | Keyword::TEMPORARY)
        );
        let mut at = i + 1;
        if self.keyword(at) == Some(Keyword::IF) {
            at += 1;
            if self.keyword(at) == Some(Keyword::NOT) {
                at += 1;
            }
            if self.keyword(at) == Some(Keyword::EXISTS) {
                at += 1;
            }
        }
        if self.keyword(at) == Some(Keyword::ONLY) {
            at += 1;
        }
        match self.read_name(at, ddl) {
            // A session's own table: not another service's.
            Some((table, _)) if temporary => {
                self.local.insert(table.name);
            }
            Some((table, _)) => {
                self.found.insert(table);
            }
            None => {}
        }
    }

    /// Whether the COPY at `i` copies into its table (`FROM`) rather than
    /// out of it (`TO`).
    fn copies_in(&self, i: usize) -> bool {
        let mut depth = 0usize;
        for (k, token) in self.tokens.iter().enumerate().skip(i + 1) {
            match token.token {
                Token::SemiColon => break,
                Token::LParen => depth += 1,
                Token::RParen => depth = depth.saturating_sub(1),
                _ if depth == 0 => match self.keyword(k) {
                    Some(Keyword::FROM) => return true,
                    Some(Keyword::TO) => return false,
                    _ => {}
                },
                _ => {}
            }
        }
        false
    }

    /// Records the CTE declared at `j` (`name [(columns)] AS [NOT]
    /// [MATERIALIZED] (`), and says whether there was one.
    fn cte(&mut self, j: usize) -> bool {
        let Some(Token::Word(word)) = self.tokens.get(j).map(|t| &t.token) else {
            return false;
        };
        if word.quote_style.is_none() && NOT_A_NAME.contains(&word.keyword) {
            return false;
        }
        let mut k = j + 1;
        if self.is(k, &Token::LParen) {
            k += 1;
            while matches!(
                self.tokens.get(k).map(|t| &t.token),
                Some(Token::Word(_) | Token::Comma)
            ) {
                k += 1;
            }
            if !self.is(k, &Token::RParen) {
                return false;
            }
            k += 1;
        }
        if self.keyword(k) != Some(Keyword::AS) {
            return false;
        }
        k += 1;
        if self.keyword(k) == Some(Keyword::NOT) {
            k += 1;
        }
        if self.keyword(k) == Some(Keyword::MATERIALIZED) {
            k += 1;
        }
        if !self.is(k, &Token::LParen) {
            return false;
        }
        self.local.insert(word.value.to_lowercase());
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(sql: &str) -> Vec<(String, bool)> {
        tables(&parse(sql).expect("parses"))
            .into_iter()
            .map(|t| {
                (
                    t.schema
                        .map_or(t.name.clone(), |s| format!("{s}.{}", t.name)),
                    t.write,
                )
            })
            .collect()
    }

    /// Tables as the check finds them: parsed, or scanned when no dialect parses.
    fn found(sql: &str) -> Vec<(String, bool, FoundBy)> {
        let tables = match parse(sql) {
            Ok(statements) => tables(&statements),
            Err(_) => scan_tables(sql),
        };
        tables
            .into_iter()
            .map(|t| {
                (
                    t.schema
                        .map_or(t.name.clone(), |s| format!("{s}.{}", t.name)),
                    t.write,
                    t.found_by,
                )
            })
            .collect()
    }

    fn read(name: &str, found_by: FoundBy) -> (String, bool, FoundBy) {
        (name.to_string(), false, found_by)
    }

    fn written(name: &str, found_by: FoundBy) -> (String, bool, FoundBy) {
        (name.to_string(), true, found_by)
    }

    use FoundBy::{Parser as Parsed, TokenScan as Scanned};

    #[test]
    fn sql_table_statement_names_its_table() {
        let sql = "TABLE order_items";
        assert!(looks_like_sql(sql));
        assert_eq!(found(sql), vec![read("order_items", Scanned)]);
    }

    #[test]
    fn sql_parenthesised_query_is_sql() {
        let sql = "(SELECT * FROM order_items WHERE order_id = $1)";
        assert!(looks_like_sql(sql));
        assert!(looks_like_sql("((\n  SELECT sku FROM order_items))"));
        assert_eq!(found(sql), vec![read("order_items", Parsed)]);
    }

    #[test]
    fn sql_comment_between_words_separates_them() {
        let sql = "SELECT/**/sku FROM order_items";
        assert!(looks_like_sql(sql));
        assert!(looks_like_sql("SELECT--sku\n FROM order_items"));
        assert!(looks_like_sql("SELECT*FROM order_items"));
        assert_eq!(found(sql), vec![read("order_items", Parsed)]);
    }

    #[test]
    fn sql_explain_names_the_tables_of_its_statement() {
        let sql = "EXPLAIN SELECT sku FROM order_items";
        assert!(looks_like_sql(sql));
        assert_eq!(found(sql), vec![read("order_items", Parsed)]);
        assert_eq!(
            found("EXPLAIN ANALYZE UPDATE order_items SET qty = 0"),
            vec![written("order_items", Parsed)]
        );
    }

    #[test]
    fn sql_copy_from_writes_and_copy_to_reads() {
        assert!(looks_like_sql("COPY order_items FROM STDIN"));
        assert_eq!(
            found("COPY order_items (sku, qty) FROM STDIN WITH (FORMAT csv)"),
            vec![written("order_items", Parsed)]
        );
        assert_eq!(
            found("COPY billing.invoices TO STDOUT"),
            vec![read("billing.invoices", Parsed)]
        );
        assert_eq!(
            found("COPY (SELECT * FROM order_items) TO STDOUT"),
            vec![read("order_items", Parsed)]
        );
    }

    #[test]
    fn sql_group_by_distinct_is_scanned() {
        let sql = "SELECT sku, count(*) FROM order_items GROUP BY DISTINCT sku";
        assert!(parse(sql).is_err(), "the parser learnt GROUP BY DISTINCT");
        assert_eq!(found(sql), vec![read("order_items", Scanned)]);
    }

    #[test]
    fn sql_recursive_cte_with_search_clause_is_scanned_without_its_cte_name() {
        let sql = "WITH RECURSIVE tree(id, parent_id) AS (
                SELECT id, parent_id FROM categories WHERE parent_id IS NULL
                UNION ALL
                SELECT c.id, c.parent_id FROM categories c JOIN tree t ON c.parent_id = t.id
            ) SEARCH DEPTH FIRST BY id SET ordercol
            SELECT * FROM tree ORDER BY ordercol";
        assert!(parse(sql).is_err(), "the parser learnt SEARCH DEPTH FIRST");
        let names: BTreeSet<String> = found(sql).into_iter().map(|t| t.0).collect();
        assert_eq!(names, BTreeSet::from(["categories".to_string()]));
    }

    #[test]
    fn sql_nested_past_the_parser_limit_is_scanned() {
        let depth = 5_000;
        let sql = format!(
            "SELECT sku FROM order_items WHERE qty > {}SELECT min(qty) FROM stock_levels{}",
            "(".repeat(depth),
            ")".repeat(depth)
        );
        let error = parse(&sql).unwrap_err();
        assert_eq!(error.message, "nested too deeply for the SQL parser");
        assert_eq!(
            found(&sql),
            vec![read("order_items", Scanned), read("stock_levels", Scanned)]
        );
    }

    #[test]
    fn scan_leaves_out_cte_names_aliases_and_columns() {
        let sql = "WITH recent AS (SELECT order_id FROM shipments), \
                   totals (order_id, total) AS MATERIALIZED (SELECT order_id, sum(qty) FROM order_items GROUP BY 1) \
                   SELECT orders.id, payments FROM recent r JOIN totals AS t ON t.order_id = r.order_id \
                   GROUP BY DISTINCT orders.id";
        let names: Vec<String> = scan_tables(sql).into_iter().map(|t| t.name).collect();
        assert_eq!(names, vec!["order_items", "shipments"]);
    }

    #[test]
    fn scan_reads_lists_joins_schemas_and_quotes() {
        let sql = "SELECT 1 FROM orders o, billing.\"Invoices\" i, `refunds` \
                   LEFT JOIN ONLY stock s ON s.sku = o.sku GROUP BY DISTINCT o.id";
        let names: Vec<String> = scan_tables(sql)
            .into_iter()
            .map(|t| {
                t.schema
                    .map_or(t.name.clone(), |s| format!("{s}.{}", t.name))
            })
            .collect();
        assert_eq!(
            names,
            vec!["billing.invoices", "orders", "refunds", "stock"]
        );
    }

    #[test]
    fn scan_tells_writes_from_reads() {
        let sql = "WITH moved AS (DELETE FROM cart_items WHERE cart_id = $1 RETURNING *) \
                   INSERT INTO order_items SELECT * FROM moved \
                   ON CONFLICT (id) DO UPDATE SET qty = EXCLUDED.qty GROUP BY DISTINCT 1; \
                   UPDATE ONLY stock SET qty = qty - 1 FROM reservations GROUP BY DISTINCT 1; \
                   TRUNCATE audit_log, outbox GROUP BY DISTINCT 1";
        let got: Vec<(String, bool)> = scan_tables(sql)
            .into_iter()
            .map(|t| (t.name, t.write))
            .collect();
        assert_eq!(
            got,
            vec![
                ("audit_log".into(), true),
                ("cart_items".into(), true),
                ("order_items".into(), true),
                ("outbox".into(), true),
                ("reservations".into(), false),
                ("stock".into(), true),
            ]
        );
    }

    #[test]
    fn scan_skips_subqueries_functions_and_keywords_that_look_like_clauses() {
        let sql = "SELECT EXTRACT(YEAR FROM placed_at), substring(sku FROM 2 FOR 3), \
                   trim(BOTH ' ' FROM note), a IS NOT DISTINCT FROM b \
                   FROM (SELECT * FROM order_items) AS recent, generate_series(1, 3) AS g, \
                   LATERAL (SELECT 1 FROM stock) AS l \
                   WHERE x = 'FROM payments' -- FROM refunds
                   /* JOIN invoices */ FOR UPDATE SKIP LOCKED GROUP BY DISTINCT 1";
        let names: Vec<String> = scan_tables(sql).into_iter().map(|t| t.name).collect();
        assert_eq!(names, vec!["order_items", "stock"]);
    }

    #[test]
    fn scan_leaves_out_temporary_tables_and_reports_positions() {
        let sql = "CREATE TEMP TABLE scratch (id int);\nINSERT INTO scratch SELECT id FROM\n  orders GROUP BY DISTINCT id";
        let got: Vec<(String, usize, usize)> = scan_tables(sql)
            .into_iter()
            .map(|t| (t.name, t.line, t.column))
            .collect();
        assert_eq!(got, vec![("orders".into(), 3, 3)]);
    }

    #[test]
    fn scan_finds_nothing_in_what_does_not_tokenize() {
        assert!(scan_tables("SELECT 'unterminated FROM orders").is_empty());
    }

    #[test]
    fn parser_errors_quote_none_of_the_input() {
        let leaked = "PGPASSWORD=hunter2\0HOME=/root\nSELECT 1";
        let error = parse(leaked).unwrap_err();
        assert_eq!(error.message, "expected an SQL statement");
        assert_eq!(error.line, Some(1));
        let error = parse("SELECT id FROM orders\nWHERE note = 'hunter2").unwrap_err();
        assert_eq!(error.message, "unterminated string literal");
        assert_eq!(error.line, Some(2));
        // Messages of other shapes quote the input anywhere: none of it is kept.
        let odd = ParserError::ParserError(
            "Could not parse 'hunter2' as an integer at Line: 3, Column: 9".into(),
        );
        assert_eq!(
            sql_error(&odd),
            SqlError {
                message: "not valid SQL".into(),
                line: Some(3)
            }
        );
        // A quoted token holding "Line: " does not move the line.
        let spoofed = ParserError::ParserError(
            "Expected: end of statement, found: 'at Line: 99' at Line: 4, Column: 2".into(),
        );
        assert_eq!(
            sql_error(&spoofed),
            SqlError {
                message: "expected end of statement".into(),
                line: Some(4)
            }
        );
    }

    #[test]
    fn a_script_keeps_the_changes_of_the_statements_that_parse_and_names_the_others() {
        let script = "CREATE TABLE orders (id int);\n\
                      CREATE TABLE broken (id int,,);\n\
                      -- retired: the audit table\n;\n\
                      DROP TABLE orders;";
        let analysis = analyse_script(script);
        let second = script.find("\nCREATE TABLE broken").expect("in the script");
        let third = script.find("\n-- retired").expect("in the script");
        let fourth = script.find("\nDROP").expect("in the script");
        let changes: Vec<(String, usize)> = analysis
            .changes
            .iter()
            .map(|(change, at)| match change {
                TableChange::Defined(t) => (format!("defined {}", t.name), *at),
                TableChange::Dropped(t) => (format!("dropped {}", t.name), *at),
                TableChange::Renamed { to, .. } => (format!("renamed {}", to.name), *at),
            })
            .collect();
        assert_eq!(
            changes,
            vec![
                ("defined orders".into(), 0),
                ("dropped orders".into(), fourth)
            ]
        );
        assert_eq!(analysis.failed.len(), 1);
        assert_eq!(analysis.failed[0].0, second..third);
    }

    #[test]
    fn statements_split_at_semicolons_outside_bodies_strings_and_comments() {
        let script = "CREATE TABLE a (note text DEFAULT ';');\n\
                      -- a comment; with a semicolon\n\
                      CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql;\n\
                      DO $$ BEGIN PERFORM 1; END $$;\n\
                      /* ; */ CREATE TABLE \"b;c\" (id int)";
        let parts: Vec<&str> = statement_ranges(script)
            .expect("tokenizes")
            .into_iter()
            .map(|r| script[r].trim())
            .collect();
        assert_eq!(parts.len(), 4, "{parts:#?}");
        assert!(parts[1].ends_with("LANGUAGE sql;"), "{}", parts[1]);
        assert_eq!(parts[2], "DO $$ BEGIN PERFORM 1; END $$;");
        assert!(parts[3].ends_with("(id int)"));
    }

    #[test]
    fn statements_keep_begin_end_bodies_but_not_transactions_whole() {
        let script = "BEGIN;\n\
                      CREATE TABLE a (id int);\n\
                      CREATE TRIGGER t AFTER INSERT ON a BEGIN UPDATE b SET n = n + 1; \
                      DELETE FROM c WHERE x = CASE WHEN 1 THEN 2 END; END;\n\
                      CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END;\n\
                      BEGIN TRANSACTION;\n\
                      COMMIT;\n\
                      SELECT CASE WHEN broken;\n\
                      CREATE TABLE d (id int);";
        let parts: Vec<&str> = statement_ranges(script)
            .expect("tokenizes")
            .into_iter()
            .map(|r| script[r].trim())
            .collect();
        assert_eq!(parts.len(), 8, "{parts:#?}");
        assert_eq!(parts[0], "BEGIN;");
        assert_eq!(parts[7], "CREATE TABLE d (id int);");
        assert!(parts[2].starts_with("CREATE TRIGGER") && parts[2].ends_with("END; END;"));
        assert!(parts[3].ends_with("SELECT 2; END;"));
        assert_eq!(parts[4], "BEGIN TRANSACTION;");
    }

    #[test]
    fn sql_select_reads_tables_of_from_and_joins() {
        assert_eq!(
            names("SELECT o.id, p.amount FROM orders o JOIN payments AS p ON p.order_id = o.id WHERE o.id = $1"),
            vec![("orders".into(), false), ("payments".into(), false)]
        );
    }

    #[test]
    fn sql_cte_name_is_not_a_table() {
        assert_eq!(
            names("WITH deliveries AS (SELECT order_id FROM shipments) SELECT * FROM deliveries"),
            vec![("shipments".into(), false)]
        );
    }

    #[test]
    fn sql_alias_and_subquery_alias_are_not_tables() {
        assert_eq!(
            names("SELECT orders.id FROM purchase_orders AS orders, (SELECT 1 AS x FROM stock) AS payments"),
            vec![("purchase_orders".into(), false), ("stock".into(), false)]
        );
    }

    #[test]
    fn sql_column_named_like_a_table_is_not_a_table() {
        assert_eq!(
            names("SELECT orders, payments FROM customer_stats"),
            vec![("customer_stats".into(), false)]
        );
    }

    #[test]
    fn sql_writes_are_told_from_reads() {
        assert_eq!(
            names("INSERT INTO audit_log (id, what) SELECT id, 'x' FROM orders"),
            vec![("audit_log".into(), true), ("orders".into(), false)]
        );
        assert_eq!(
            names("UPDATE orders SET status = ? WHERE id = ?"),
            vec![("orders".into(), true)]
        );
        assert_eq!(
            names("DELETE FROM `orders` WHERE id = ?"),
            vec![("orders".into(), true)]
        );
    }

    #[test]
    fn sql_schema_and_quotes() {
        assert_eq!(
            names("SELECT * FROM billing.\"Invoices\""),
            vec![("billing.invoices".into(), false)]
        );
    }

    #[test]
    fn migrations_define_tables() {
        let sql = "CREATE TABLE IF NOT EXISTS orders (id uuid primary key);\nCREATE INDEX orders_by_customer ON order_items (customer_id);\nALTER TABLE billing.invoices ADD COLUMN x int;\nCREATE TEMPORARY TABLE scratch (id int);";
        let defined: Vec<(Option<String>, String, usize)> =
            defined_tables(&parse(sql).expect("parses"))
                .into_iter()
                .map(|t| (t.schema, t.name, t.line))
                .collect();
        assert_eq!(
            defined,
            vec![
                (None, "orders".into(), 1),
                (None, "order_items".into(), 2),
                (Some("billing".into()), "invoices".into(), 3)
            ]
        );
        assert_eq!(
            temporary_tables(&parse(sql).expect("parses")),
            BTreeSet::from(["scratch".to_string()])
        );
    }

    #[test]
    fn prose_can_parse_so_context_decides_what_is_sql() {
        // `SELECT a AS seat FROM the AS list` is valid SQL: only where a
        // literal is used (a database call, not a log macro) makes it SQL.
        assert_eq!(
            names("select a seat from the list"),
            vec![("the".into(), false)]
        );
        assert!(parse("update the order").is_err());
        assert!(!looks_like_sql("selected items"));
        assert!(looks_like_sql("  SELECT broken FROM WHERE"));
        assert!(looks_like_sql(
            "-- stock per order\n/* hot path */ SELECT 1"
        ));
        let error = parse("SELECT id FROM orders\nWHERE id = ) 1").unwrap_err();
        assert_eq!(error.line, Some(2));
    }
}
