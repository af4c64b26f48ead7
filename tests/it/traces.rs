//! `--traces`: OpenTelemetry trace exports read as runtime edges, on the
//! shop demo and on copies of the runtime-coupling fixtures with broken
//! exports.

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

use crate::fixtures::normalise;
use crate::{archfit, fixture, scratch_copy, stderr, stdout};

const SHOP_TRACES: &str = "traces/staging-checkout.jsonl";
const PASS: &str = "runtime-coupling/pass-every-call-in-code";

fn shop_traces() -> String {
    fixture("shop")
        .join(SHOP_TRACES)
        .to_string_lossy()
        .into_owned()
}

fn json(output: &Output) -> Value {
    serde_json::from_str(&stdout(output)).unwrap_or_else(|e| panic!("{e}: {}", stderr(output)))
}

fn messages<'a>(json: &'a Value, key: &str) -> Vec<&'a str> {
    json[key]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .filter_map(|d| d["message"].as_str())
        .collect()
}

/// Runs `check` on a scratch copy of the passing fixture whose export is
/// replaced by `text`.
fn check_copy_with_traces(tag: &str, text: &str, extra: &[&str]) -> (Output, PathBuf) {
    let dir = scratch_copy(PASS, tag);
    let traces = dir.join("traces/payments.jsonl");
    std::fs::write(&traces, text).expect("write traces");
    let manifest = dir.join("Cargo.toml");
    let mut args = vec![
        "check",
        "--manifest-path",
        manifest.to_str().expect("UTF-8"),
        "--traces",
        traces.to_str().expect("UTF-8"),
    ];
    args.extend(extra);
    (crate::archfit_in(&dir, &args), dir)
}

fn passing_traces() -> String {
    std::fs::read_to_string(fixture(PASS).join("traces/payments.jsonl")).expect("fixture traces")
}

#[test]
fn shop_human_report_with_traces_snapshot() {
    let output = archfit(
        "shop",
        &["check", "--color", "never", "--traces", &shop_traces()],
    );
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    insta::assert_snapshot!("shop_with_traces", normalise(&stdout(&output)));
}

#[test]
fn shop_with_traces_finds_the_hidden_call_the_unseen_edge_and_the_larger_cycle() {
    let output = archfit(
        "shop",
        &["check", "--format", "json", "--traces", &shop_traces()],
    );
    let report = json(&output);
    let runtime: Vec<&Value> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["check"] == "runtime-coupling")
        .collect();
    let summary: Vec<(String, String, String)> = runtime
        .iter()
        .map(|f| {
            (
                f["severity"].as_str().unwrap_or_default().to_string(),
                f["message"].as_str().unwrap_or_default().to_string(),
                format!(
                    "{}:{}",
                    f["location"]["file"].as_str().unwrap_or_default(),
                    f["location"]["line"]
                ),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (
                "warn".to_string(),
                "service orders calls notifications at run time (1 call seen in traces), but no code of orders shows it".to_string(),
                "archfit.toml:10".to_string()
            ),
            (
                "info".to_string(),
                "payments → orders (event: orders.refund-requested) is in the code but never seen in the traces".to_string(),
                "services/payments/src/refunds.rs:39".to_string()
            ),
        ]
    );
    let related = &runtime[0]["related"][0];
    assert_eq!(related["file"], SHOP_TRACES);
    assert_eq!(related["line"], 8);
    let cycle = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["rule"] == "no-cycles-between-services")
        .expect("the service cycle");
    let message = cycle["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("among 3 services (notifications, orders, payments)"),
        "{message}"
    );
    assert!(
        messages(&report, "diagnostics")
            .iter()
            .any(|m| m.contains("`storefront-web`")),
        "{report:#}"
    );
}

#[test]
fn without_traces_the_pack_rule_does_not_run_and_only_says_so_as_info() {
    let report = json(&archfit("shop", &["check", "--format", "json"]));
    let rules: Vec<&str> = report["rules"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .filter_map(|r| r["id"].as_str())
        .collect();
    assert!(
        !rules.contains(&"runtime-calls-are-visible-in-code"),
        "{rules:?}"
    );
    let note = report["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .find(|d| {
            d["message"]
                .as_str()
                .is_some_and(|m| m.contains("did not run") && m.contains("--traces"))
        })
        .expect("a note says the rule did not run");
    assert_eq!(note["severity"], "info");
    // Asked for by name, it is a warning: the user expected it to run.
    let asked = json(&archfit(
        "shop",
        &[
            "check",
            "--format",
            "json",
            "--rule",
            "runtime-calls-are-visible-in-code",
        ],
    ));
    let warned = asked["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .any(|d| {
            d["severity"] == "warn"
                && d["message"]
                    .as_str()
                    .is_some_and(|m| m.contains("did not run"))
        });
    assert!(warned, "{asked:#}");
}

#[test]
fn a_truncated_export_is_a_warning_naming_where_it_broke_and_the_rest_still_counts() {
    let text = passing_traces();
    let cut = &text[..text.len() - 200];
    let (output, _) = check_copy_with_traces("traces-truncated", cut, &["--format", "json"]);
    let report = json(&output);
    let diagnostic = report["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .find(|d| {
            d["message"]
                .as_str()
                .is_some_and(|m| m.contains("truncated"))
        })
        .unwrap_or_else(|| panic!("{report:#}"));
    assert_eq!(diagnostic["severity"], "warn");
    let message = diagnostic["message"].as_str().unwrap_or_default();
    assert!(
        message.starts_with(
            "traces file traces/payments.jsonl is malformed or truncated at line 3, column"
        ),
        "{message}"
    );
    assert!(message.contains("read before it still count"), "{message}");
    // The first two lines still count and explain what they show: pass.
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let (denied, _) = check_copy_with_traces("traces-truncated-deny", cut, &["--deny-warnings"]);
    assert_eq!(denied.status.code(), Some(1));
}

#[test]
fn a_malformed_line_is_skipped_and_the_lines_after_it_count() {
    let text = passing_traces();
    let mut lines: Vec<&str> = text.lines().collect();
    // The request that holds payments' CLIENT span to ledger's parent is
    // broken; ledger's SERVER span (line 3) then has no parent to join.
    lines.insert(
        1,
        r#"{"resourceSpans": [{"scopeSpans": [{"spans": [{"traceId": 17}]}]}]}"#,
    );
    let (output, _) =
        check_copy_with_traces("traces-malformed", &lines.join("\n"), &["--format", "json"]);
    let report = json(&output);
    let message = messages(&report, "diagnostics")
        .into_iter()
        .find(|m| m.contains("malformed"))
        .unwrap_or_else(|| panic!("{report:#}"))
        .to_string();
    assert!(message.contains("at line 2, column"), "{message}");
    assert!(
        message.contains("reading went on at the next line"),
        "{message}"
    );
    // payments-api's spans after the broken line were read: the call to
    // ledger and the message to notifications are explained, no finding.
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
}

#[test]
fn an_export_that_is_not_json_at_all_fails_the_run_unless_incomplete_runs_are_allowed() {
    let (output, _) =
        check_copy_with_traces("traces-garbage", "<html>502 Bad Gateway</html>\n", &[]);
    assert_eq!(output.status.code(), Some(2), "{}", stdout(&output));
    assert!(
        stdout(&output).contains(
            "traces file traces/payments.jsonl is malformed or truncated at line 1, column 1"
        ),
        "{}",
        stdout(&output)
    );
    let (allowed, _) = check_copy_with_traces(
        "traces-garbage-allowed",
        "<html>502 Bad Gateway</html>\n",
        &["--allow-incomplete"],
    );
    // Then the rule warns it compared nothing.
    assert_eq!(allowed.status.code(), Some(0), "{}", stdout(&allowed));
    assert!(stdout(&allowed).contains("show no call between two declared services"));
}

#[test]
fn a_missing_export_is_an_error_naming_it() {
    let output = archfit(PASS, &["check", "--traces", "/nonexistent/staging.jsonl"]);
    assert_eq!(output.status.code(), Some(2));
    let err = stderr(&output);
    assert!(err.contains("/nonexistent/staging.jsonl"), "{err}");
    assert!(err.contains("cannot read the traces file"), "{err}");
}

#[test]
fn a_service_name_that_is_hostile_text_is_neutralised() {
    let hostile = passing_traces().replace("stripe-webhooks", "stripe\\u001b[2J\\u0007-webhooks");
    let (output, _) = check_copy_with_traces("traces-hostile", &hostile, &["-v"]);
    let text = stdout(&output);
    assert!(text.contains("stripe"), "{text}");
    assert!(
        !text.contains('\u{1b}') && !text.contains('\u{7}'),
        "{text:?}"
    );
}

#[test]
fn graph_draws_runtime_edges_dashed_with_a_legend() {
    let dir = fixture("runtime-coupling/fail-call-configured-by-environment");
    let traces = dir.join("traces/staging-checkout.jsonl");
    let manifest = dir.join("Cargo.toml");
    let run = |format: &str| {
        let output = crate::archfit_in(
            Path::new(env!("CARGO_MANIFEST_DIR")),
            &[
                "graph",
                "--format",
                format,
                "--manifest-path",
                manifest.to_str().expect("UTF-8"),
                "--traces",
                traces.to_str().expect("UTF-8"),
            ],
        );
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        stdout(&output)
    };
    let dot = run("dot");
    assert!(
        // Red too: the runtime-coupling finding is about this edge.
        dot.contains(r#""checkout" -> "pricing" [label="runtime", style=dashed, color=red"#),
        "{dot}"
    );
    assert!(
        dot.contains("runtime: seen calling it in traces (--traces)"),
        "{dot}"
    );
    // The call catalog's URL explains is drawn once, as the code shows it.
    assert!(
        !dot.contains(r#""checkout" -> "catalog" [label="runtime""#),
        "{dot}"
    );
    let mermaid = run("mermaid");
    assert!(mermaid.contains(r#"n0 -.->|"runtime"| n1"#), "{mermaid}");
    let json: Value = serde_json::from_str(&run("json")).expect("graph JSON");
    let runtime: Vec<&Value> = json["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .filter(|e| e["kind"] == "runtime")
        .collect();
    assert_eq!(runtime.len(), 1, "{json:#}");
    assert_eq!(
        runtime[0]["location"]["file"],
        "traces/staging-checkout.jsonl"
    );
}

#[test]
fn quanta_joins_of_runtime_calls_are_named_runtime_in_json() {
    let name = "quanta/fail-runtime-call-joins-quanta";
    let traces = fixture(name).join("traces/staging.jsonl");
    let report = json(&archfit(
        name,
        &[
            "check",
            "--format",
            "json",
            "--traces",
            traces.to_str().expect("UTF-8"),
        ],
    ));
    let finding = &report["findings"][0];
    assert_eq!(finding["check"], "quanta", "{report:#}");
    let message = finding["message"].as_str().unwrap_or_default();
    assert!(message.contains("(accounts, billing)"), "{message}");
    assert!(!message.contains("audit"), "{message}");
}

#[test]
fn an_export_outside_the_workspace_is_named_as_given_and_code_stays_the_primary_place() {
    let outside =
        std::env::temp_dir().join(format!("archfit-outside-{}.jsonl", std::process::id()));
    std::fs::copy(shop_traces(), &outside).expect("copy the export");
    let output = archfit(
        "shop",
        &[
            "check",
            "--format",
            "json",
            "--traces",
            outside.to_str().expect("UTF-8"),
        ],
    );
    let _ = std::fs::remove_file(&outside);
    let report = json(&output);
    let findings = report["findings"].as_array().expect("findings");
    let runtime = findings
        .iter()
        .find(|f| f["check"] == "runtime-coupling" && f["severity"] == "warn")
        .expect("the hidden call");
    assert_eq!(
        runtime["related"][0]["file"],
        outside.to_str().expect("UTF-8")
    );
    // The quantum is shown at a join in code, not at a line of the export.
    let quantum = findings
        .iter()
        .find(|f| f["check"] == "quanta")
        .expect("the quantum");
    assert_eq!(
        quantum["location"]["file"],
        "services/inventory/src/expiry.rs"
    );
}

#[test]
fn graph_refuses_traces_where_there_are_no_services() {
    for level in ["crate", "module"] {
        let output = archfit(
            "shop",
            &["graph", "--level", level, "--traces", &shop_traces()],
        );
        assert_eq!(output.status.code(), Some(2));
        assert!(
            stderr(&output).contains("--level service or quantum"),
            "{}",
            stderr(&output)
        );
    }
}
