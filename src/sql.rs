//! Tables named by SQL text, found with a real SQL parser (sqlparser): a CTE
//! name, a table or subquery alias and a column are not tables, however much
//! they look like one. Several dialects are tried in turn, so Postgres `$1`,
//! MySQL/SQLite `?` and backticks all parse.

use std::collections::BTreeSet;
use std::ops::ControlFlow;

use sqlparser::ast::{
    FromTable, ObjectName, ObjectNamePart, Query, Statement, TableFactor, TableObject, Visit,
    Visitor,
};
use sqlparser::dialect::{Dialect, GenericDialect, MySqlDialect, PostgreSqlDialect, SQLiteDialect};
use sqlparser::parser::Parser;

/// A table named by a statement.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
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
}

/// Why a text is not SQL that can be analysed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqlError {
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

/// Parses `sql` with the first dialect that accepts it.
pub fn parse(sql: &str) -> Result<Vec<Statement>, SqlError> {
    let mut first_error = None;
    for dialect in dialects() {
        match Parser::parse_sql(dialect, sql) {
            Ok(statements) => return Ok(statements),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    let message = first_error.map(|e| e.to_string()).unwrap_or_default();
    let line = message
        .split("Line: ")
        .nth(1)
        .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|n| n.parse().ok());
    Err(SqlError { message, line })
}

/// Whether a text starts the way SQL statements do, to tell "looks like SQL
/// but does not parse" (worth a diagnostic) from prose.
pub fn looks_like_sql(text: &str) -> bool {
    let text = skip_comments(text);
    let first: String = text
        .trim_start()
        .chars()
        .take_while(|c| c.is_ascii_alphabetic())
        .collect::<String>()
        .to_ascii_uppercase();
    let rest = text.trim_start()[first.len()..].chars().next();
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
    ) && rest.is_some_and(char::is_whitespace)
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
    }
    out.into_iter().collect()
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
    })
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
