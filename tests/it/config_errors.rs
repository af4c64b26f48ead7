//! Every configuration mistake stops the tool with exit code 2 and a message
//! that names the file and shows the span. Each `fixtures/config/<case>`
//! holds `expected.txt`: a text the error must contain, or `ok`. Every case
//! is found by walking `fixtures/config/`, and its whole standard error is a
//! reviewed insta snapshot named after its path (`it__fixtures__config__<case>`).

use crate::fixtures::{layout, normalise, parallel, report_problems, snapshot_matches};
use crate::{archfit, fixture, stderr, stdout};

fn expectation(case: &str) -> String {
    let path = fixture(&format!("config/{case}")).join("expected.txt");
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .find(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .unwrap_or_default()
        .trim()
        .to_string()
}

/// Runs `check` on the case; returns (exit code, stderr).
fn run(case: &str) -> (Option<i32>, String) {
    let output = archfit(&format!("config/{case}"), &["check", "--color", "never"]);
    let err = stderr(&output);
    assert!(
        !err.contains("panicked"),
        "{case}: the tool panicked:\n{err}"
    );
    (output.status.code(), err)
}

/// The case must fail with exit 2, its expected text, and a snippet of
/// `file` (miette draws `╭─[file:line:column]`).
fn assert_error_with_span(case: &str, file: &str) {
    let (code, err) = run(case);
    let want = expectation(case);
    assert_eq!(code, Some(2), "{case}: exit code\n{err}");
    assert!(err.contains(&want), "{case}: stderr lacks `{want}`:\n{err}");
    assert!(
        err.contains(&format!("[{file}:")),
        "{case}: no span into {file}:\n{err}"
    );
}

#[test]
fn every_case_gives_its_expected_text_and_its_snapshot() {
    let cases = layout().config_cases;
    assert!(!cases.is_empty(), "no case under fixtures/config/");
    let runs = parallel(&cases, |path| run(path.trim_start_matches("config/")));
    let mut problems = Vec::new();
    for (path, (code, err)) in cases.iter().zip(&runs) {
        let case = path.trim_start_matches("config/");
        let want = expectation(case);
        let mut wrong = Vec::new();
        if want == "ok" {
            if *code == Some(2) {
                wrong.push(format!("exit code 2 on a valid configuration:\n{err}"));
            }
        } else {
            if *code != Some(2) {
                wrong.push(format!("exit code {code:?}, expected 2:\n{err}"));
            }
            if !err.contains(&want) {
                wrong.push(format!("stderr lacks `{want}`:\n{err}"));
            }
        }
        let description = format!("stderr of cargo archfit check --color never, fixtures/{path}");
        if !snapshot_matches(path, &description, &normalise(err)) {
            wrong.push("stderr differs from its snapshot (diff above)".into());
        }
        if !wrong.is_empty() {
            problems.push(format!("fixtures/{path}: {}", wrong.join("\n")));
        }
    }
    report_problems("configuration cases", &problems);
}

/// The model stage collects the mistakes of every stage before giving up.
#[test]
fn mistakes_of_every_stage_are_reported_together_in_one_run() {
    let (code, err) = run("many-mistakes-at-once");
    assert_eq!(code, Some(2), "exit code\n{err}");
    for (mistake, text) in [
        ("the unknown check", "`service-dependencies`"),
        ("the glob matching no member", "`services/orders/*`"),
        ("the missing ADR", "0005-no-cycles-between-services.md"),
        ("the topics glob that does not compile", "orders.["),
    ] {
        assert!(
            err.contains(text),
            "{mistake} ({text}) is not reported:\n{err}"
        );
    }
    assert!(
        err.matches("[archfit.toml:").count() >= 4,
        "each mistake shows its span in archfit.toml:\n{err}"
    );
}

#[test]
fn unknown_key() {
    assert_error_with_span("unknown-key", "archfit.toml");
}

#[test]
fn unknown_check() {
    assert_error_with_span("unknown-check", "archfit.toml");
}

#[test]
fn bad_severity() {
    assert_error_with_span("bad-severity", "archfit.toml");
}

#[test]
fn glob_that_matches_nothing() {
    assert_error_with_span("glob-matches-nothing", "archfit.toml");
}

#[test]
fn duplicate_rule_id() {
    assert_error_with_span("duplicate-rule-id", "archfit.toml");
}

#[test]
fn missing_adr_file() {
    assert_error_with_span("missing-adr", "archfit.toml");
}

#[test]
fn service_without_crates() {
    assert_error_with_span("service-without-crates", "archfit.toml");
}

#[test]
fn member_in_two_services() {
    assert_error_with_span("member-in-two-services", "archfit.toml");
}

#[test]
fn parameter_of_another_check() {
    assert_error_with_span("unknown-parameter", "archfit.toml");
}

#[test]
fn toml_syntax_error() {
    assert_error_with_span("toml-syntax-error", "archfit.toml");
}

#[test]
fn no_config_says_how_to_start_one() {
    let (code, err) = run("no-config");
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("no archfit configuration found"), "{err}");
    assert!(err.contains("run `cargo archfit init`"), "{err}");
    // The workspace's own README is no place to learn the tool.
    assert!(!err.contains("README"), "{err}");
}

#[test]
fn metrics_and_the_crate_and_module_graphs_need_no_configuration() {
    let metrics = archfit("config/no-config", &["metrics", "--format", "json"]);
    assert_eq!(metrics.status.code(), Some(0), "{}", stderr(&metrics));
    let metrics: serde_json::Value = serde_json::from_str(&stdout(&metrics)).expect("JSON");
    let crates: Vec<(&str, &str)> = metrics["crates"]
        .as_array()
        .expect("crates")
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap_or_default(),
                c["role"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        crates,
        [("orders", "unclassified"), ("payments", "unclassified")]
    );
    assert_eq!(metrics["services"].as_array().map(Vec::len), Some(0));
    let table = archfit("config/no-config", &["metrics"]);
    assert_eq!(table.status.code(), Some(0), "{}", stderr(&table));
    assert!(!stdout(&table).contains("service"), "{}", stdout(&table));

    for level in ["crate", "module"] {
        let graph = archfit(
            "config/no-config",
            &["graph", "--level", level, "--format", "json"],
        );
        assert_eq!(graph.status.code(), Some(0), "{level}: {}", stderr(&graph));
        let graph: serde_json::Value = serde_json::from_str(&stdout(&graph)).expect("JSON");
        assert_eq!(graph["level"], level);
        assert!(
            graph["nodes"].as_array().is_some_and(|n| n.len() >= 2),
            "{graph:#}"
        );
    }
    // Services are what the configuration declares: that graph still needs one.
    let services = archfit("config/no-config", &["graph", "--level", "service"]);
    assert_eq!(services.status.code(), Some(2));
    assert!(
        stderr(&services).contains("run `cargo archfit init`"),
        "{}",
        stderr(&services)
    );
}

#[test]
fn broken_member_manifest_is_a_clear_error() {
    let (code, err) = run("broken-member-manifest");
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("cargo could not load the workspace"), "{err}");
    assert!(
        err.contains(&expectation("broken-member-manifest")),
        "{err}"
    );
}

#[test]
fn config_in_workspace_metadata_is_used() {
    let output = archfit("config/workspace-metadata", &["check", "--format", "json"]);
    assert_ne!(output.status.code(), Some(2), "{}", stderr(&output));
    let json: serde_json::Value = serde_json::from_str(&stdout(&output)).expect("JSON report");
    assert!(
        !json["rules"].as_array().expect("rules").is_empty(),
        "{json:#}"
    );
}

#[test]
fn superseded_adr_gives_a_warning() {
    let output = archfit("config/superseded-adr", &["check", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&stdout(&output)).expect("JSON report");
    let warnings: Vec<_> = json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["check"] == "adr-status")
        .collect();
    assert_eq!(warnings.len(), 1, "{json:#}");
    assert_eq!(warnings[0]["severity"], "warn");
    assert_eq!(warnings[0]["location"]["file"], "archfit.toml");
}

#[test]
fn symbols_rule_with_both_allowed_in_and_forbidden_in() {
    assert_error_with_span("symbols-allowed-and-forbidden", "archfit.toml");
}
