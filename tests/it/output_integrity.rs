//! Issue 12, item 9: the analysed workspace chooses file names, `#[path]`
//! strings, ADR titles and links, table names, topics, service names and the
//! text of its manifests. None of it may reach a terminal or a CI log as a
//! control sequence, a fake line, or a GitHub/Azure workflow command, in any
//! format, and machine formats must still parse. The workspace is written at
//! run time (file names with a newline and an ESC cannot be checked in).

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

use crate::{archfit_in, stderr, stdout};

/// The `#[path]` of the invoice reader: a new line that is a workflow
/// command, a legacy command, and a colour.
const READER_FILE: &str = "invoice_reader\n::error file=services/orders/src/main.rs,line=1::pwned by path ##[warning]legacy\u{1b}[31m.rs";

/// A quoted table name that clears the screen.
const TABLE: &str = "invoices\u{1b}[2J";

/// Writes `files` into a fresh directory under the system temp dir.
fn workspace(tag: &str, files: &[(String, String)]) -> PathBuf {
    crate::write_workspace(&format!("output-integrity-{tag}"), files)
}

/// Two services: orders depends on billing's crate, reads billing's table
/// from a module whose file name the attacker chose, and subscribes to a
/// billing topic; the configuration and the ADR carry hostile text too.
fn hostile_shop(tag: &str) -> PathBuf {
    let files: Vec<(String, String)> = vec![
        (
            "Cargo.toml".into(),
            "[workspace]\nresolver = \"2\"\nmembers = [\"services/orders\", \"services/billing\"]\n"
                .into(),
        ),
        (
            "archfit.toml".into(),
            r#"version = 1
adr_dir = "docs/adr"

[[service]]
name = "orders"
crates = ["services/orders"]
topics = ["orders.*"]

[[service]]
name = "billing\u001B]2;pwned\u0007"
crates = ["services/billing"]
migrations = ["services/billing/migrations"]
topics = ["billing.*"]

[[rule]]
id = "services-do-not-depend-on-services"
check = "service-dependency"
severity = "error"
adr = "https://example.com/adr\n::warning::injected by the ADR link"

[[rule]]
id = "services-own-their-tables"
check = "cross-service-db"
severity = "error"
adr = "0001-each-service-owns-its-tables.md"
message = "Ask the billing team first.\r::error::from the message\n##[warning]second line"
"#
            .into(),
        ),
        (
            "docs/adr/0001-each-service-owns-its-tables.md".into(),
            "# 1. Each service owns \u{1b}[2J its tables\r::error::from the title\n\n\
             ## Status\n\nAccepted\n\n## Context\n\nOrders read invoices straight from \
             billing's schema; every billing migration broke the order page.\n"
                .into(),
        ),
        (
            "services/orders/Cargo.toml".into(),
            "[package]\nname = \"orders\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
             [dependencies]\nbilling = { path = \"../billing\" }\n"
                .into(),
        ),
        (
            "services/orders/src/main.rs".into(),
            format!(
                "//! Order service: HTTP handlers and the invoice summary.\n\n\
                 mod handlers;\n#[path = {READER_FILE:?}]\nmod invoice_reader;\n\n\
                 fn main() {{\n    handlers::serve();\n}}\n"
            ),
        ),
        (
            "services/orders/src/handlers.rs".into(),
            "use crate::invoice_reader;\n\n\
             pub fn serve() {\n    let consumer = bus::Consumer::connect(\"nats://bus:4222\");\n    \
             consumer.subscribe(\"billing.invoice-paid\u{1b}]0;pwned\u{7}\\n::error::topic\");\n    \
             let _ = invoice_reader::invoice_total;\n}\n"
                .into(),
        ),
        (
            format!("services/orders/src/{READER_FILE}"),
            format!(
                "//! Reads invoices for the order summary page.\n\n\
                 // \u{202e} }} \u{2066}admin only\u{2069} \u{2066} (Trojan Source)\n\
                 pub async fn invoice_total(pool: &sqlx::PgPool, order_id: i64) -> Result<i64, sqlx::Error> {{\n    \
                 let row: (i64,) = sqlx::query_as(\"SELECT total FROM \\\"{TABLE}\\\" WHERE order_id = $1\")\n        \
                 .bind(order_id)\n        .fetch_one(pool)\n        .await?;\n    Ok(row.0)\n}}\n"
            ),
        ),
        (
            "services/billing/Cargo.toml".into(),
            "[package]\nname = \"billing\"\nversion = \"0.1.0\"\nedition = \"2021\"\n".into(),
        ),
        (
            "services/billing/src/lib.rs".into(),
            "//! Billing: invoices and payments.\n\npub fn invoice_paid(bus: &bus::Producer, id: i64) {\n    \
             bus.publish(\"billing.invoice-paid\", id);\n}\n"
                .into(),
        ),
        (
            "services/billing/migrations/0001_invoices.sql".into(),
            format!(
                "-- Invoices belong to billing.\r::error::from the migration\r\n\
                 CREATE TABLE \"{TABLE}\" (\r\n    id BIGSERIAL PRIMARY KEY,\r\n    \
                 order_id BIGINT NOT NULL,\r\n    total BIGINT NOT NULL\r\n);\r\n"
            ),
        ),
    ];
    workspace(tag, &files)
}

fn run(dir: &Path, args: &[&str]) -> Output {
    let output = archfit_in(dir, args);
    assert!(
        !stderr(&output).contains("panicked"),
        "panic:\n{}",
        stderr(&output)
    );
    output
}

/// No ESC, CR, C1 or bidi control, no line a CI runner reads as a command.
/// `commands`: the github format, whose own lines are commands; each must
/// then be exactly one well-formed annotation.
fn assert_inert(what: &str, text: &str, commands: bool) {
    for (i, c) in text.char_indices() {
        let hazard = matches!(c, '\u{0}'..='\u{8}' | '\u{b}'..='\u{1f}' | '\u{7f}'..='\u{9f}'
            | '\u{61c}' | '\u{200e}' | '\u{200f}' | '\u{2028}' | '\u{2029}'
            | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
        assert!(
            !hazard,
            "{what}: {c:?} at byte {i}: {:?}",
            &text[i.saturating_sub(40)..]
        );
    }
    for line in text.lines() {
        assert!(
            !line.contains("##[") && !line.to_ascii_lowercase().contains("##vso["),
            "{what}: legacy workflow command in {line:?}"
        );
        if line.trim_start().starts_with("::") {
            assert!(commands, "{what}: workflow command in {line:?}");
            assert_annotation(what, line);
        }
    }
}

/// `::error|warning|notice key=value,…::data`, keys known, values free of
/// the `:` and `,` that would end them early.
fn assert_annotation(what: &str, line: &str) {
    let rest = line.strip_prefix("::").expect("starts with ::");
    let (head, _data) = rest
        .split_once("::")
        .unwrap_or_else(|| panic!("{what}: no data in {line:?}"));
    let (name, properties) = head.split_once(' ').unwrap_or((head, ""));
    assert!(
        ["error", "warning", "notice"].contains(&name),
        "{what}: command {name:?} in {line:?}"
    );
    for property in properties.split(',').filter(|p| !p.is_empty()) {
        let (key, value) = property
            .split_once('=')
            .unwrap_or_else(|| panic!("{what}: property {property:?} in {line:?}"));
        assert!(
            ["file", "line", "col", "endLine", "endColumn", "title"].contains(&key),
            "{what}: key {key:?} in {line:?}"
        );
        assert!(!value.contains([':', ',']), "{what}: {value:?} in {line:?}");
    }
}

/// What each report must still show, escaped: the file (SARIF holds it as a
/// URI), the table and the ADR's title.
fn assert_recognisable(what: &str, text: &str) {
    let file = if what == "sarif" {
        "invoice_reader%5Cn%3A%3Aerror%20file=services/orders/src/main.rs,line=1%3A%3Apwned%20by%20path"
    } else {
        "pwned by path"
    };
    for needle in [file, "invoice_reader", "invoices", "its tables"] {
        assert!(text.contains(needle), "{what}: {needle:?} missing:\n{text}");
    }
}

#[test]
fn every_report_format_neutralises_workspace_text() {
    let dir = hostile_shop("formats");
    for format in ["human", "json", "sarif", "junit", "github", "markdown"] {
        let output = run(&dir, &["check", "--format", format]);
        assert_eq!(
            output.status.code(),
            Some(1),
            "{format}: {}",
            stderr(&output)
        );
        let text = stdout(&output);
        assert_inert(format, &text, format == "github");
        assert_inert(&format!("{format} stderr"), &stderr(&output), false);
        assert_recognisable(format, &text);
    }
}

#[test]
fn human_report_shows_escapes_and_keeps_snippets_aligned() {
    let dir = hostile_shop("human");
    let text = stdout(&run(&dir, &["check", "--format", "human"]));
    assert!(
        text.contains(
            "services/orders/src/invoice_reader\\n::error file=services/orders/src/main.rs,line=1::pwned by path #\\u{23}[warning]legacy\\u{1b}[31m.rs"
        ),
        "{text}"
    );
    // The snippet masks the ESC byte for byte, so the label still points
    // at the literal.
    let line = text
        .lines()
        .find(|l| l.contains("sqlx::query_as("))
        .expect("snippet line");
    assert!(line.contains("FROM \\\"invoices?[2J\\\""), "{line}");
    // A lone CR ends the heading (CommonMark), so the title stops before it.
    assert!(
        text.contains("Each service owns \\u{1b}[2J its tables (Accepted)"),
        "{text}"
    );
    assert!(!text.contains("from the title"), "{text}");
    assert!(text.contains("https://example.com/adr\\n::warning::injected by the ADR link"));
    // The rule's message keeps its own line break; its CR is shown.
    assert!(text.contains("Ask the billing team first.\\r::error::from the message\n"));
    assert!(text.contains("#\\u{23}[warning]second line"));
}

#[test]
fn machine_formats_parse_and_hold_the_escaped_names() {
    let dir = hostile_shop("machine");
    let json: Value =
        serde_json::from_str(&stdout(&run(&dir, &["check", "--format", "json"]))).expect("JSON");
    let files: Vec<&str> = json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["location"]["file"].as_str())
        .collect();
    assert!(
        files.contains(
            &"services/orders/src/invoice_reader\\n::error file=services/orders/src/main.rs,line=1::pwned by path #\\u{23}[warning]legacy\\u{1b}[31m.rs"
        ),
        "{files:?}"
    );
    let messages = json["findings"].to_string();
    // (The table name is lowercased by the SQL reader, as PostgreSQL would not.)
    assert!(messages.contains("`invoices\\\\u{1b}[2j`"), "{messages}");

    let sarif: Value =
        serde_json::from_str(&stdout(&run(&dir, &["check", "--format", "sarif"]))).expect("SARIF");
    let rules = &sarif["runs"][0]["tool"]["driver"]["rules"];
    let dependency = rules
        .as_array()
        .expect("rules")
        .iter()
        .find(|r| r["id"] == "services-do-not-depend-on-services")
        .expect("descriptor");
    // A link with a line break is no URI: shown, never the helpUri.
    assert!(dependency.get("helpUri").is_none(), "{dependency}");
    assert!(dependency["help"]["text"]
        .as_str()
        .unwrap()
        .contains("https://example.com/adr\\n::warning::injected by the ADR link"));

    let junit = stdout(&run(&dir, &["check", "--format", "junit"]));
    let doc = roxmltree::Document::parse(&junit).expect("JUnit is well-formed XML");
    let failures: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("failure"))
        .filter_map(|n| n.attribute("message"))
        .collect();
    assert!(
        failures.iter().any(|m| m.contains("`invoices\\u{1b}[2j`")),
        "{failures:?}"
    );
}

#[test]
fn github_format_keeps_each_finding_on_its_own_command() {
    let dir = hostile_shop("github");
    let text = stdout(&run(&dir, &["check", "--format", "github"]));
    let commands: Vec<&str> = text.lines().filter(|l| l.starts_with("::")).collect();
    assert_eq!(commands.len(), 2, "{text}");
    assert_eq!(text.lines().count(), commands.len() + 1, "{text}");
    let reader = commands
        .iter()
        .find(|c| c.contains("invoice_reader"))
        .expect("finding in the reader");
    assert!(
        reader.starts_with(
            "::error file=services/orders/src/invoice_reader\\n%3A%3Aerror file=services/orders/src/main.rs%2Cline=1%3A%3Apwned by path #\\u{23}[warning]legacy\\u{1b}[31m.rs,line="
        ),
        "{reader}"
    );
}

#[test]
fn markdown_cannot_be_broken_by_an_adr_link() {
    let dir = hostile_shop("markdown");
    let text = stdout(&run(&dir, &["check", "--format", "markdown"]));
    assert!(
        text.contains(
            "decision record: https://example.com/adr\\\\n::warning::injected by the ADR link\n"
        ),
        "{text}"
    );
    assert!(!text.contains("](https://example.com/adr"), "{text}");
}

#[test]
fn every_graph_format_neutralises_names_and_topics() {
    let dir = hostile_shop("graph");
    for format in ["dot", "mermaid", "json"] {
        let output = run(&dir, &["graph", "--format", format]);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{format}: {}",
            stderr(&output)
        );
        let text = stdout(&output);
        assert_inert(format, &text, false);
        assert!(
            text.contains("billing\\\\u{1b}]2;pwned\\\\u{7}")
                || text.contains("billing\\u{1b}]2;pwned\\u{7}"),
            "{format}: {text}"
        );
        assert!(text.contains("billing.invoice-paid"), "{format}: {text}");
        if format == "json" {
            serde_json::from_str::<Value>(&text).expect("graph JSON");
        }
    }
}

#[test]
fn cargo_error_output_is_neutralised() {
    // cargo names the member's folder and quotes its manifest.
    let member = "services/orders\n::error file=Cargo.toml::from the folder";
    let dir = workspace(
        "cargo-error",
        &[
            (
                "Cargo.toml".into(),
                format!("[workspace]\nresolver = \"2\"\nmembers = [{member:?}]\n"),
            ),
            (
                format!("{member}/Cargo.toml"),
                "[package]\nname = \"orders\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\
                 description = \"Orders \u{1b}]0;pwned\u{7}\u{202e} ##[warning]legacy\n::error file=Cargo.toml::from the manifest\n"
                    .into(),
            ),
            (format!("{member}/src/main.rs"), "fn main() {}\n".into()),
            ("archfit.toml".into(), "version = 1\n".into()),
        ],
    );
    for format in ["human", "json", "github"] {
        let output = run(&dir, &["check", "--format", format]);
        assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
        let err = stderr(&output);
        assert_inert(&format!("{format} error"), &err, false);
        assert!(err.contains("\nCaused by:\n"), "{err}");
        assert!(err.contains("from the folder"), "{err}");
        assert_inert(&format!("{format} stdout"), &stdout(&output), false);
    }
}
