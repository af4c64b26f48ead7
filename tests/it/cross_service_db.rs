//! cross-service-db on input it cannot fully read: SQL that does not parse
//! and migrations with a broken statement.

use std::path::Path;

use crate::{archfit_in, copy_dir, fixture, stdout};

fn json_of(dir: &Path) -> serde_json::Value {
    let output = archfit_in(dir, &["check", "--format", "json"]);
    serde_json::from_str(&stdout(&output)).expect("JSON report")
}

#[test]
fn unparseable_sql_is_an_info_diagnostic_and_never_a_finding() {
    let dir = std::env::temp_dir().join(format!("archfit-bad-sql-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    copy_dir(&fixture("cross-service-db/fail-sqlx-macro"), &dir);
    let picking = dir.join("services/inventory/src/picking.rs");
    let text = std::fs::read_to_string(&picking).expect("picking.rs");
    let broken = format!(
        "{text}\n/// Half-written report query.\npub async fn report(pool: &PgPool) {{\n    sqlx::query(\"SELECT FROM orders WHERE (\").execute(pool).await.ok();\n}}\n"
    );
    std::fs::write(&picking, &broken).expect("write");
    let line = broken
        .lines()
        .position(|l| l.contains("SELECT FROM orders WHERE ("))
        .expect("line")
        + 1;

    let json = json_of(&dir);
    let diagnostics = json["diagnostics"].as_array().expect("diagnostics");
    let sql = diagnostics
        .iter()
        .find(|d| {
            d["message"]
                .as_str()
                .is_some_and(|m| m.contains("SQL could not be parsed"))
        })
        .unwrap_or_else(|| panic!("{diagnostics:#?}"));
    assert_eq!(sql["severity"], "info");
    assert_eq!(sql["file"], "services/inventory/src/picking.rs");
    assert_eq!(sql["line"], line);
    // The two planted accesses are still found, and the broken one is not one.
    let lines: Vec<u64> = json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["location"]["line"].as_u64())
        .collect();
    assert_eq!(lines, [17, 27], "{json:#}");
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
        format!("CREATE TABLE ledger_sync (id uuid primary key,);\nTHIS IS NOT SQL;\n{text}"),
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
