//! cross-service-db on input it cannot fully read: SQL that does not parse
//! and migrations with a broken statement.

use std::path::Path;

use crate::{archfit_in, copy_dir, fixture, stdout};

fn json_of(dir: &Path) -> serde_json::Value {
    let output = archfit_in(dir, &["check", "--format", "json"]);
    serde_json::from_str(&stdout(&output)).expect("JSON report")
}

#[test]
fn sql_that_does_not_parse_is_read_by_a_token_scan_and_the_finding_says_so() {
    let dir = std::env::temp_dir().join(format!("archfit-bad-sql-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    copy_dir(&fixture("cross-service-db/fail-sqlx-macro"), &dir);
    let picking = dir.join("services/inventory/src/picking.rs");
    let text = std::fs::read_to_string(&picking).expect("picking.rs");
    let broken = format!(
        "{text}\n/// Half-written report queries.\npub async fn report(pool: &PgPool) {{\n    \
         sqlx::query(\"SELECT FROM orders WHERE (\").execute(pool).await.ok();\n    \
         sqlx::query(\"SELECT count(*) FROM WHERE (\").execute(pool).await.ok();\n    \
         sqlx::query(\"ALTER SYSTEM SET work_mem TO '64MB' (\").execute(pool).await.ok();\n}}\n"
    );
    std::fs::write(&picking, &broken).expect("write");
    let line_of = |needle: &str| {
        broken
            .lines()
            .position(|l| l.contains(needle))
            .expect("line")
            + 1
    };
    let (scanned_line, empty_line) = (
        line_of("SELECT FROM orders WHERE ("),
        line_of("SELECT count(*) FROM WHERE ("),
    );
    let no_table_line = line_of("ALTER SYSTEM");

    let json = json_of(&dir);
    let diagnostics = json["diagnostics"].as_array().expect("diagnostics");
    let about = |line: usize| {
        diagnostics
            .iter()
            .find(|d| {
                d["line"] == line
                    && d["message"]
                        .as_str()
                        .is_some_and(|m| m.contains("SQL could not be parsed"))
            })
            .unwrap_or_else(|| panic!("no diagnostic on line {line}: {diagnostics:#?}"))
    };
    let scanned = about(scanned_line);
    assert_eq!(scanned["severity"], "info");
    assert_eq!(scanned["file"], "services/inventory/src/picking.rs");
    assert!(scanned["message"]
        .as_str()
        .is_some_and(|m| m.ends_with("so its tables were found by a token scan")));
    // Nothing after FROM: nothing to scan, and the diagnostic says so.
    assert!(about(empty_line)["message"]
        .as_str()
        .is_some_and(|m| m.ends_with("so its tables are not checked")));
    // A statement that names no table at all has nothing to check: no
    // diagnostic (it would be noise, not a limitation).
    assert!(
        !diagnostics.iter().any(|d| d["line"] == no_table_line),
        "{diagnostics:#?}"
    );
    // The two planted accesses, and the broken query's read of `orders`,
    // which says how it was found.
    let findings = json["findings"].as_array().expect("findings");
    let lines: Vec<u64> = findings
        .iter()
        .filter_map(|f| f["location"]["line"].as_u64())
        .collect();
    assert_eq!(lines, [17, 27, scanned_line as u64], "{json:#}");
    assert_eq!(
        findings[2]["message"],
        "service inventory reads table `orders`, owned by service orders \
         (found by a token scan: the SQL parser could not parse this statement)"
    );
    assert!(findings[..2].iter().all(|f| !f["message"]
        .as_str()
        .unwrap_or_default()
        .contains("token scan")));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_broken_migration_statement_is_a_diagnostic_and_the_rest_still_counts() {
    let dir = std::env::temp_dir().join(format!("archfit-bad-migration-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    copy_dir(&fixture("cross-service-db/fail-sqlx-macro"), &dir);
    let migration = dir.join("services/orders/migrations/20240115093000_create_orders.sql");
    let text = std::fs::read_to_string(&migration).expect("migration");
    std::fs::write(
        &migration,
        // A cast no parser reads names no table: it is no diagnostic.
        format!(
            "CREATE TABLE ledger_sync (id uuid primary key,);\nTHIS IS NOT SQL;\n{text}\n\
             CREATE CAST (varchar AS ledger_code) WITH INOUT AS IMPLICIT;\n"
        ),
    )
    .expect("write");

    let json = json_of(&dir);
    let diagnostics = json["diagnostics"].as_array().expect("diagnostics");
    let bad: Vec<&serde_json::Value> = diagnostics
        .iter()
        .filter(|d| d["file"] == "services/orders/migrations/20240115093000_create_orders.sql")
        .collect();
    assert_eq!(bad.len(), 2, "{diagnostics:#?}");
    assert_eq!(bad[0]["line"], 1);
    assert_eq!(bad[1]["line"], 2);
    // `orders` is still owned by the orders service: inventory's reads are found.
    assert_eq!(json["summary"]["errors"], 2, "{json:#}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn parser_errors_carry_no_migration_content_into_any_report() {
    // What a migration linked to /proc/self/environ reads like.
    let dir = std::env::temp_dir().join(format!("archfit-environ-sql-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    copy_dir(&fixture("cross-service-db/fail-sqlx-macro"), &dir);
    std::fs::write(
        dir.join("services/orders/migrations/20240301000000_settings.sql"),
        "HOME=/root\nPGPASSWORD=hunter2-s3cret\nAWS_SECRET=\"quoted s3cret\"\n",
    )
    .expect("write");
    for format in ["human", "json", "sarif", "github", "markdown", "junit"] {
        let output = archfit_in(&dir, &["check", "--format", format]);
        let all = format!("{}{}", stdout(&output), crate::stderr(&output));
        assert!(
            all.contains("migration statement does not parse (expected an SQL statement)"),
            "{format}: {all}"
        );
        for secret in ["HOME", "hunter2", "s3cret", "found:"] {
            assert!(!all.contains(secret), "{format} quotes `{secret}`: {all}");
        }
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn tables_of_a_large_migration_are_placed_exactly() {
    let dir = std::env::temp_dir().join(format!("archfit-big-migration-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    copy_dir(&fixture("cross-service-db/fail-sqlx-macro"), &dir);
    // One broken statement first, so each statement is parsed alone and
    // placed relative to where it starts; CRLF line ends; a statement that
    // starts mid-line after a comment with multibyte characters; a function
    // body whose `;` must not split it.
    let mut script = String::from("CREATE TABLE ledger_draft (id BIGINT,,);\r\n");
    script.push_str(
        "CREATE FUNCTION touch() RETURNS trigger AS $$\r\nBEGIN NEW.updated_at := now(); RETURN NEW; END\r\n$$ LANGUAGE plpgsql;\r\n",
    );
    let tables = 3_000;
    for i in 0..tables {
        script.push_str(&format!(
            "-- Übersicht 📦 {i}\r\nCREATE TABLE ledger_{i} (\r\n    id BIGINT PRIMARY KEY\r\n);\r\n"
        ));
    }
    let last_line = script.matches('\n').count() + 1;
    script.push_str(
        "CREATE TABLE audit_a (id int); /* Prüfung 📦 */ CREATE TABLE audit_b (id int);\r\n",
    );
    std::fs::write(
        dir.join("services/orders/migrations/20240301000000_ledger.sql"),
        &script,
    )
    .expect("write");
    let picking = dir.join("services/inventory/src/picking.rs");
    let text = std::fs::read_to_string(&picking).expect("picking.rs");
    std::fs::write(
        &picking,
        format!(
            "{text}\n/// Reconciles picked goods with the ledger.\npub async fn reconcile(pool: &PgPool) -> sqlx::Result<()> {{\n    \
             sqlx::query!(\"SELECT id FROM ledger_{} LIMIT 1\").fetch_optional(pool).await?;\n    \
             sqlx::query!(\"SELECT id FROM audit_b LIMIT 1\").fetch_optional(pool).await?;\n    Ok(())\n}}\n",
            tables - 1
        ),
    )
    .expect("write");

    let json = json_of(&dir);
    let owned_here = |table: &str| {
        json["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .find(|f| {
                f["message"]
                    .as_str()
                    .is_some_and(|m| m.contains(&format!("`{table}`")))
            })
            .map(|f| {
                let at = &f["related"][0];
                (
                    at["line"].as_u64(),
                    at["column"].as_u64(),
                    at["end_column"].as_u64(),
                )
            })
            .unwrap_or_else(|| panic!("no finding on {table}: {json:#}"))
    };
    // ledger_i's name is on line 4 + 4i + 2 (after the broken statement and
    // the function), right after `CREATE TABLE `.
    let ledger_line = 4 + 4 * (tables - 1) as u64 + 2;
    assert_eq!(
        owned_here(&format!("ledger_{}", tables - 1)),
        (Some(ledger_line), Some(14), Some(14 + 11))
    );
    // Columns count characters: `CREATE TABLE audit_a (id int); /* Prüfung 📦 */ CREATE TABLE ` is 60 characters.
    assert_eq!(
        owned_here("audit_b"),
        (Some(last_line as u64), Some(61), Some(68))
    );
    // One diagnostic for the broken statement; the function body is whole.
    let warnings: Vec<&serde_json::Value> = json["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter(|d| d["file"] == "services/orders/migrations/20240301000000_ledger.sql")
        .collect();
    assert_eq!(warnings.len(), 1, "{warnings:#?}");
    assert_eq!(warnings[0]["line"], 1);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn findings_of_the_token_scan_say_so_and_parsed_ones_do_not() {
    let json = json_of(&fixture("cross-service-db/fail-unparsed-sql"));
    let scanned: Vec<(u64, bool)> = json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            let says = f["message"].as_str().is_some_and(|m| {
                m.ends_with(
                    "(found by a token scan: the SQL parser could not parse this statement)",
                )
            });
            (f["location"]["line"].as_u64().unwrap_or_default(), says)
        })
        .collect();
    // GROUP BY DISTINCT (11, 12) and TABLE (27) are scanned; the comment-glued
    // SELECT, EXPLAIN and COPY parse.
    assert_eq!(
        scanned,
        [
            (11, true),
            (12, true),
            (27, true),
            (33, false),
            (41, false),
            (50, false)
        ]
    );
    // The label under the snippet says it too.
    let human = stdout(&archfit_in(
        &fixture("cross-service-db/fail-unparsed-sql"),
        &["check"],
    ));
    assert_eq!(
        human.matches("(SQL string, token scan)").count(),
        3,
        "{human}"
    );
}

/// `DO $$ … $$` blocks are procedural code no SQL parser reads: one that
/// touches no table leaves nothing uncounted (no diagnostic), one that
/// creates a table is a warning, and the statements around them still count.
#[test]
fn do_blocks_are_a_warning_only_when_they_change_tables() {
    let migration = "CREATE TABLE invoices (id uuid primary key, status text not null);\n\n\
        DO $$\nBEGIN\n    CREATE TYPE invoice_status AS ENUM ('open', 'paid');\nEXCEPTION\n    WHEN duplicate_object THEN null;\nEND $$;\n\n\
        DO $$\nBEGIN\n    IF NOT EXISTS (SELECT 1 FROM pg_tables WHERE tablename = 'invoice_lines') THEN\n        CREATE TABLE invoice_lines (id uuid primary key);\n    END IF;\nEND $$;\n";
    let dir = crate::write_workspace(
        "do-blocks",
        &[
            ("Cargo.toml", "[workspace]\nresolver = \"2\"\nmembers = [\"services/orders\", \"services/billing\"]\n"),
            ("services/orders/Cargo.toml", "[package]\nname = \"orders\"\nversion = \"0.1.0\"\nedition = \"2021\"\n"),
            ("services/orders/src/main.rs", "/// Shows the customer's invoices on the order page.\npub async fn invoices(pool: &sqlx::PgPool) {\n    let _ = sqlx::query(\"SELECT id FROM invoices\").fetch_all(pool).await;\n}\nfn main() {}\n"),
            ("services/billing/Cargo.toml", "[package]\nname = \"billing\"\nversion = \"0.1.0\"\nedition = \"2021\"\n"),
            ("services/billing/src/lib.rs", "pub fn invoice() {}\n"),
            ("services/billing/migrations/20240101000000_init.sql", migration),
            ("archfit.toml", "version = 1\n[[service]]\nname = \"orders\"\ncrates = [\"services/orders\"]\n[[service]]\nname = \"billing\"\ncrates = [\"services/billing\"]\n[[rule]]\nid = \"own-tables\"\ncheck = \"cross-service-db\"\n"),
        ],
    );
    let output = crate::archfit_in(&dir, &["check", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    let diagnostics = json["diagnostics"].as_array().expect("diagnostics");
    let severity_at = |line: &str| {
        diagnostics
            .iter()
            .find(|d| d["message"].as_str().is_some_and(|m| m.contains(line)))
            .map(|d| d["severity"].as_str().unwrap_or_default().to_string())
    };
    assert_eq!(severity_at("init.sql:3:"), None, "{json:#}");
    assert_eq!(
        severity_at("init.sql:10:").as_deref(),
        Some("warn"),
        "{json:#}"
    );
    // The table of the plain statement is still billing's, and orders reads it.
    assert_eq!(output.status.code(), Some(1), "{json:#}");
    assert!(json["findings"][0]["message"]
        .as_str()
        .is_some_and(|m| m.contains("invoices")));
}

/// Ownership follows the migrations as the database applies them: in
/// version order (V9 before V10), a dropped table is owned by nobody, a
/// renamed one under its new name.
#[test]
fn migrations_replay_drops_and_renames_in_version_order() {
    let dir = crate::write_workspace(
        "drop-rename",
        &[
            ("Cargo.toml", "[workspace]\nresolver = \"2\"\nmembers = [\"services/orders\", \"services/billing\"]\n"),
            ("services/orders/Cargo.toml", "[package]\nname = \"orders\"\nversion = \"0.1.0\"\nedition = \"2021\"\n"),
            ("services/orders/src/main.rs", "/// The order page shows the invoices and the old credit notes.\npub async fn page(pool: &sqlx::PgPool) {\n    let _ = sqlx::query(\"SELECT id FROM invoices\").fetch_all(pool).await;\n    let _ = sqlx::query(\"SELECT id FROM credit_notes\").fetch_all(pool).await;\n}\nfn main() {}\n"),
            ("services/billing/Cargo.toml", "[package]\nname = \"billing\"\nversion = \"0.1.0\"\nedition = \"2021\"\n"),
            ("services/billing/src/lib.rs", "pub fn invoice() {}\n"),
            ("services/billing/migrations/V9__create_billing.sql", "CREATE TABLE invoice (id uuid primary key);\nCREATE TABLE credit_notes (id uuid primary key);\n"),
            ("services/billing/migrations/V10__credit_notes_move_to_ledger.sql", "DROP TABLE credit_notes;\nALTER TABLE invoice RENAME TO invoices;\n"),
            ("archfit.toml", "version = 1\n[[service]]\nname = \"orders\"\ncrates = [\"services/orders\"]\n[[service]]\nname = \"billing\"\ncrates = [\"services/billing\"]\n[[rule]]\nid = \"own-tables\"\ncheck = \"cross-service-db\"\n"),
        ],
    );
    let output = crate::archfit_in(&dir, &["check", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    let messages: Vec<&str> = json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["message"].as_str())
        .collect();
    assert_eq!(
        messages,
        ["service orders reads table `invoices`, owned by service billing"],
        "{json:#}"
    );
}
