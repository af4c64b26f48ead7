//! Bad input is normal input: each case gets a clear message naming the file,
//! the documented exit code, no panic, and every other finding still found.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::{archfit_in, stderr, stdout};

/// Writes a workspace from (path, contents) pairs into a fresh temp dir.
pub(crate) fn workspace(tag: &str, files: &[(&str, &[u8])]) -> PathBuf {
    crate::write_workspace(&format!("robust-{tag}"), files)
}

pub(crate) const ROOT: &[u8] =
    b"[workspace]\nresolver = \"2\"\nmembers = [\"services/orders\", \"services/billing\"]\n";
pub(crate) const ORDERS: &[u8] = b"[package]\nname = \"orders\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\nbilling = { path = \"../billing\" }\n";
pub(crate) const BILLING: &[u8] =
    b"[package]\nname = \"billing\"\nversion = \"0.1.0\"\nedition = \"2021\"\n";
pub(crate) const CONFIG: &[u8] = b"version = 1\n[[service]]\nname = \"orders\"\ncrates = [\"services/orders\"]\n[[service]]\nname = \"billing\"\ncrates = [\"services/billing\"]\n\n[[rule]]\nid = \"no-service-deps\"\ncheck = \"service-dependency\"\n\n[[rule]]\nid = \"no-module-cycles\"\ncheck = \"cycles\"\nlevel = \"module\"\n\n[[rule]]\nid = \"own-tables\"\ncheck = \"cross-service-db\"\n";

/// A two-service workspace where orders depends on billing (one finding),
/// plus extra files.
pub(crate) fn two_services(tag: &str, extra: &[(&str, &[u8])]) -> PathBuf {
    let mut files: Vec<(&str, &[u8])> = vec![
        ("Cargo.toml", ROOT),
        ("archfit.toml", CONFIG),
        ("services/orders/Cargo.toml", ORDERS),
        (
            "services/orders/src/main.rs",
            b"mod handlers;\nfn main() {}\n",
        ),
        ("services/orders/src/handlers.rs", b"pub fn list() {}\n"),
        ("services/billing/Cargo.toml", BILLING),
        ("services/billing/src/lib.rs", b"pub fn invoice() {}\n"),
    ];
    for (path, contents) in extra {
        files.retain(|(p, _)| p != path);
        files.push((path, contents));
    }
    workspace(tag, &files)
}

fn check(dir: &Path) -> (Option<i32>, Value, String) {
    check_with(dir, &[])
}

pub(crate) fn check_with(dir: &Path, extra: &[&str]) -> (Option<i32>, Value, String) {
    let mut args = vec!["check", "--format", "json"];
    args.extend_from_slice(extra);
    let output = archfit_in(dir, &args);
    let err = stderr(&output);
    assert!(!err.contains("panicked"), "panic:\n{err}");
    let json = serde_json::from_str(&stdout(&output)).unwrap_or(Value::Null);
    (output.status.code(), json, err)
}

pub(crate) fn rules(json: &Value) -> Vec<String> {
    json["findings"]
        .as_array()
        .map(|f| {
            f.iter()
                .filter_map(|x| x["rule"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

pub(crate) fn diagnostic<'a>(json: &'a Value, needle: &str) -> Option<&'a Value> {
    json["diagnostics"]
        .as_array()?
        .iter()
        .find(|d| d["message"].as_str().is_some_and(|m| m.contains(needle)))
}

#[test]
fn empty_workspace_checks_nothing_and_passes() {
    let dir = workspace(
        "empty",
        &[
            (
                "Cargo.toml",
                b"[workspace]\nresolver = \"2\"\nmembers = []\n",
            ),
            (
                "archfit.toml",
                b"version = 1\nextends = [\"builtin:microservices\"]\n",
            ),
        ],
    );
    let (code, json, err) = check(&dir);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(json["findings"].as_array().map(Vec::len), Some(0));
}

#[test]
fn single_crate_workspace_is_classified() {
    let dir = workspace(
        "single",
        &[
            ("Cargo.toml", b"[package]\nname = \"ledger\"\nversion = \"0.1.0\"\nedition = \"2021\"\n"),
            ("src/main.rs", b"fn main() {}\n"),
            ("archfit.toml", b"version = 1\nextends = [\"builtin:microservices\"]\n[[service]]\nname = \"ledger\"\ncrates = [\"ledger\"]\n"),
        ],
    );
    let (code, json, err) = check(&dir);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(
        json["findings"].as_array().map(Vec::len),
        Some(0),
        "{json:#}"
    );
}

#[test]
fn member_outside_the_root_is_a_clear_workspace_error() {
    let base = workspace(
        "outside",
        &[
            ("ws/Cargo.toml", b"[workspace]\nmembers = [\"../other\"]\n"),
            ("ws/archfit.toml", b"version = 1\n"),
            ("other/Cargo.toml", BILLING),
            ("other/src/lib.rs", b""),
        ],
    );
    let (code, _, err) = check(&base.join("ws"));
    assert_eq!(code, Some(2));
    assert!(
        err.contains("cargo could not load the workspace") && err.contains("hierarchically below"),
        "{err}"
    );
}

#[test]
fn member_manifest_that_is_not_utf8_is_a_clear_workspace_error() {
    let dir = two_services(
        "manifest-bytes",
        &[(
            "services/billing/Cargo.toml",
            b"[package]\nname = \"billing\xff\"\n",
        )],
    );
    let (code, _, err) = check(&dir);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("services/billing/Cargo.toml") || err.contains("billing"),
        "{err}"
    );
}

#[test]
fn source_with_bom_and_crlf_is_analysed_with_right_lines() {
    let dir = two_services(
        "bom-crlf",
        &[("services/orders/src/handlers.rs", b"\xef\xbb\xbfuse crate::billing_view::Total;\r\npub fn list() {}\r\n"), ("services/orders/src/main.rs", b"mod handlers;\r\nmod billing_view;\r\nfn main() {}\r\n"), ("services/orders/src/billing_view.rs", b"// Totals shown on the order page.\r\nuse crate::handlers::list;\r\npub struct Total;\r\n")],
    );
    let (code, json, err) = check(&dir);
    assert_eq!(code, Some(1), "{err}");
    let cycle = json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["rule"] == "no-module-cycles")
        .expect("cycle found");
    assert_eq!(
        cycle["location"]["file"],
        "services/orders/src/billing_view.rs"
    );
    assert_eq!(cycle["location"]["line"], 2, "{cycle:#}");
}

#[test]
fn huge_generated_file_is_skipped_with_a_diagnostic() {
    let mut big = b"// @generated by protoc\n".to_vec();
    while big.len() < 10 * 1024 * 1024 {
        big.extend_from_slice(
            b"pub const FIELD_DESCRIPTOR_0123456789: &str = \"abcdefghijklmnopqrstuvwxyz\";\n",
        );
    }
    let dir = two_services("huge", &[("services/orders/src/handlers.rs", &big)]);
    let (code, json, err) = check(&dir);
    // What the skipped file hides could be a violation: never a pass.
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("--allow-incomplete"), "{err}");
    let d = diagnostic(&json, "over the").expect("size diagnostic");
    assert_eq!(d["severity"], "error", "{d:#}");
    let (code, json, err) = check_with(&dir, &["--allow-incomplete"]);
    assert_eq!(code, Some(1), "{err}");
    let d = diagnostic(&json, "over the").expect("size diagnostic");
    assert_eq!(d["file"], "services/orders/src/handlers.rs");
    assert!(
        rules(&json).contains(&"no-service-deps".to_string()),
        "other checks still run"
    );
}

#[test]
fn deeply_nested_expression_does_not_overflow_the_stack() {
    let depth = 5_000;
    let source = format!(
        "pub fn deep() -> i32 {{ {}1{} }}\n",
        "(".repeat(depth),
        ")".repeat(depth)
    );
    let dir = two_services(
        "deep",
        &[("services/orders/src/handlers.rs", source.as_bytes())],
    );
    let (code, json, err) = check(&dir);
    assert_eq!(code, Some(2), "{err}");
    let d = diagnostic(&json, "nested more than").expect("nesting diagnostic");
    assert_eq!(d["file"], "services/orders/src/handlers.rs");
    let (code, json, err) = check_with(&dir, &["--allow-incomplete"]);
    assert_eq!(code, Some(1), "{err}");
    assert!(rules(&json).contains(&"no-service-deps".to_string()));
}

#[test]
fn unreadable_source_is_a_diagnostic() {
    // Root reads every file, so "unreadable" is a directory where a module file should be.
    let dir = two_services("unreadable", &[]);
    std::fs::remove_file(dir.join("services/orders/src/handlers.rs")).expect("rm");
    std::fs::create_dir_all(dir.join("services/orders/src/handlers.rs"))
        .expect("dir in place of file");
    let (code, json, err) = check(&dir);
    assert_eq!(code, Some(1), "{err}");
    assert!(diagnostic(&json, "handlers").is_some(), "{json:#}");
}

#[cfg(unix)]
#[test]
fn symlink_loop_in_migrations_is_not_followed() {
    let dir = two_services(
        "symlink",
        &[("services/billing/migrations/20240101000000_init.sql", b"CREATE TABLE invoices (id uuid primary key);\n"), ("services/orders/src/handlers.rs", b"pub async fn list(pool: &sqlx::PgPool) { sqlx::query(\"SELECT id FROM invoices\").execute(pool).await.ok(); }\n")],
    );
    std::os::unix::fs::symlink("..", dir.join("services/billing/migrations/loop"))
        .expect("symlink");
    let (code, json, err) = check(&dir);
    assert_eq!(code, Some(1), "{err}");
    assert!(rules(&json).contains(&"own-tables".to_string()), "{json:#}");
}

#[test]
fn migration_that_is_not_sql_is_a_diagnostic() {
    let dir = two_services(
        "not-sql",
        &[(
            "services/billing/migrations/20240101000000_init.sql",
            b"this is a text file about invoices\n",
        )],
    );
    let (code, json, err) = check(&dir);
    assert_eq!(code, Some(1), "{err}");
    let d = diagnostic(&json, "does not parse").expect("migration diagnostic");
    assert_eq!(
        d["file"],
        "services/billing/migrations/20240101000000_init.sql"
    );
    assert_eq!(d["line"], 1);
}

#[test]
fn empty_or_binary_adr_still_works_with_a_diagnostic() {
    let config = b"version = 1\n[[service]]\nname = \"orders\"\ncrates = [\"services/orders\"]\n[[service]]\nname = \"billing\"\ncrates = [\"services/billing\"]\n[[rule]]\nid = \"no-service-deps\"\ncheck = \"service-dependency\"\nadr = \"0001-empty.md\"\n[[rule]]\nid = \"no-crate-cycles\"\ncheck = \"cycles\"\nlevel = \"crate\"\nadr = \"0002-binary.md\"\n";
    let dir = two_services(
        "adr",
        &[
            ("archfit.toml", config),
            ("docs/adr/0001-empty.md", b""),
            ("docs/adr/0002-binary.md", b"\x89PNG\r\n\x1a\n\x00\x00\x00"),
        ],
    );
    let (code, json, err) = check(&dir);
    assert_eq!(code, Some(1), "{err}");
    assert!(
        diagnostic(&json, "docs/adr/0001-empty.md has no Markdown heading").is_some(),
        "{json:#}"
    );
    assert!(
        diagnostic(&json, "docs/adr/0002-binary.md has no Markdown heading").is_some(),
        "{json:#}"
    );
    let finding = &json["findings"][0];
    assert_eq!(finding["adr"]["title"], "0001-empty");
}

#[test]
fn invalid_glob_in_config_is_a_config_error_with_span() {
    let config = b"version = 1\n[[service]]\nname = \"orders\"\ncrates = [\"services/{orders\"]\n";
    let dir = two_services("glob", &[("archfit.toml", config)]);
    let (code, _, err) = check(&dir);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("invalid glob") && err.contains("[archfit.toml:4:"),
        "{err}"
    );
}

#[test]
fn raw_identifier_module_is_found_in_its_file() {
    // `mod r#async;` lives in `async.rs`; its module cycle must be seen.
    let dir = two_services(
        "raw-ident",
        &[
            (
                "services/orders/src/main.rs",
                b"mod handlers;\nmod r#async;\nfn main() {}\n",
            ),
            (
                "services/orders/src/async.rs",
                b"//! Background jobs the handlers enqueue.\nuse crate::handlers::list;\npub fn drain() { list(); }\n",
            ),
            (
                "services/orders/src/handlers.rs",
                b"use crate::r#async::drain;\npub fn list() {}\npub fn flush() { drain(); }\n",
            ),
        ],
    );
    let (code, json, err) = check_with(&dir, &[]);
    assert_eq!(code, Some(1), "{err}");
    assert!(diagnostic(&json, "has no file").is_none(), "{json:#}");
    assert!(
        rules(&json).contains(&"no-module-cycles".to_string()),
        "{json:#}"
    );
}
