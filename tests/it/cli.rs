//! Command-line behaviour: both invocation forms, options, exit codes.

use std::path::Path;

use crate::{archfit, archfit_in, fixture, stderr, stdout};

#[test]
fn works_as_cargo_subcommand_and_directly() {
    let dir = fixture("shop");
    let direct = archfit_in(&dir, &["check", "--format", "json"]);
    let as_cargo = archfit_in(&dir, &["archfit", "check", "--format", "json"]);
    assert_eq!(direct.status.code(), Some(1), "{}", stderr(&direct));
    assert_eq!(direct.stdout, as_cargo.stdout);
}

#[test]
fn check_is_the_default_command() {
    let explicit = archfit("shop", &["check", "--format", "json"]);
    let default = archfit("shop", &["--format", "json"]);
    assert_eq!(explicit.stdout, default.stdout);
}

#[test]
fn rule_option_runs_only_that_rule() {
    let output = archfit(
        "shop",
        &[
            "check",
            "--format",
            "json",
            "--rule",
            "services-share-no-domain-code",
        ],
    );
    let json: serde_json::Value = serde_json::from_str(&stdout(&output)).expect("JSON");
    let rules: Vec<_> = json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["rule"].clone())
        .collect();
    assert!(!rules.is_empty());
    assert!(
        rules.iter().all(|r| r == "services-share-no-domain-code"),
        "{rules:?}"
    );
}

#[test]
fn unknown_rule_id_is_a_usage_error() {
    let output = archfit("shop", &["check", "--rule", "no-such-rule"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("no rule has this id"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn unknown_format_is_a_usage_error() {
    let output = archfit("shop", &["check", "--format", "yaml"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("yaml"), "{}", stderr(&output));
}

#[test]
fn output_option_writes_the_report_to_a_file() {
    let dir = std::env::temp_dir().join(format!("archfit-output-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("report.json");
    let output = archfit(
        "shop",
        &[
            "check",
            "--format",
            "json",
            "--output",
            file.to_str().expect("utf-8"),
        ],
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(stdout(&output).is_empty());
    let written = std::fs::read_to_string(&file).expect("report written");
    assert!(written.contains("\"schema\": 1"));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn deny_warnings_fails_on_warnings() {
    // The superseded ADR case has only a warning.
    let plain = archfit("config/superseded-adr", &["check"]);
    let denied = archfit("config/superseded-adr", &["check", "--deny-warnings"]);
    assert_eq!(plain.status.code(), Some(0), "{}", stderr(&plain));
    assert_eq!(denied.status.code(), Some(1));
}

#[test]
fn deny_warnings_fails_on_warning_diagnostics_too() {
    // A layer whose modules match nothing: the rule examined less than it
    // was written for, a warn diagnostic and no finding.
    let dir = crate::scratch_copy("layers/pass-downward-only", "deny-diagnostics");
    let config = std::fs::read_to_string(dir.join("archfit.toml")).expect("config");
    let config = config.replacen(
        "  { name = \"application\"",
        "  { name = \"reporting\", modules = [\"no_such_module\"] },\n  { name = \"application\"",
        1,
    );
    std::fs::write(dir.join("archfit.toml"), config).expect("write");
    let plain = archfit_in(&dir, &["check", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_slice(&plain.stdout).expect("json");
    assert_eq!(plain.status.code(), Some(0), "{}", stderr(&plain));
    assert!(json["diagnostics"][0]["message"]
        .as_str()
        .is_some_and(|m| m.contains("no_such_module")));
    let denied = archfit_in(&dir, &["check", "--deny-warnings"]);
    assert_eq!(denied.status.code(), Some(1), "{}", stderr(&denied));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn missing_manifest_path_is_a_clear_error() {
    let output = archfit_in(
        Path::new(env!("CARGO_MANIFEST_DIR")),
        &["check", "--manifest-path", "/nonexistent/Cargo.toml"],
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("does not exist"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn quiet_keeps_errors_and_total_only() {
    let full = stdout(&archfit("shop", &["check", "--color", "never"]));
    let quiet = stdout(&archfit("shop", &["check", "-q", "--color", "never"]));
    let summary_line = |text: &str| {
        text.lines().any(|l| {
            l.trim_start()
                .starts_with("services-share-no-domain-code  ")
        })
    };
    assert!(summary_line(&full), "{full}");
    assert!(!summary_line(&quiet), "{quiet}");
    assert!(
        quiet.contains("error[services-share-no-domain-code]: shared crate `shop-domain`"),
        "{quiet}"
    );
    let total = quiet.lines().last().unwrap_or_default();
    assert!(
        total.starts_with("archfit: ") && total.contains(" errors"),
        "{quiet}"
    );
}

#[test]
fn analysis_never_writes_into_the_workspace() {
    let dir = fixture("shop");
    let before = listing(&dir);
    archfit("shop", &["check"]);
    archfit("shop", &["metrics"]);
    assert_eq!(before, listing(&dir));
}

/// Every path under `dir` but its cargo target directory, where the fact
/// cache and the SQL memo belong (whichever test runs first creates them).
fn listing(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    let target = dir.join("target");
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("readable fixture").flatten() {
            let path = entry.path();
            if path == target {
                continue;
            }
            if path.is_dir() {
                stack.push(path.clone());
            }
            out.push(path.display().to_string());
        }
    }
    out.sort();
    out
}

#[test]
fn workspace_pinned_to_a_missing_toolchain_still_loads() {
    // Started directly (not through cargo), from inside the workspace, the
    // rustup proxy would pick the pinned toolchain that is not installed.
    let dir = fixture("pinned-toolchain");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_cargo-archfit"))
        .args(["check", "--format", "json"])
        .current_dir(&dir)
        .env_remove("CARGO")
        .env_remove("RUSTUP_TOOLCHAIN")
        // cargo itself must not be fooled (the manifest reader runs none).
        .env("ARCHFIT_WORKSPACE_LOADER", "cargo")
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
}

#[test]
fn a_toolchain_that_is_not_installed_is_named_with_the_way_around_it() {
    // Only rustup's proxy knows toolchains: without rustup, `cargo` is a
    // real binary that ignores RUSTUP_TOOLCHAIN, and there is nothing to
    // refuse (the message itself is unit-tested in workspace::load).
    let rustup = std::process::Command::new("rustup")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !rustup {
        return;
    }
    let manifest = fixture("pinned-toolchain").join("Cargo.toml");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_cargo-archfit"))
        .args(["check", "--color", "never", "--manifest-path"])
        .arg(&manifest)
        .env_remove("CARGO")
        .env("RUSTUP_TOOLCHAIN", "1.0.0")
        .env("ARCHFIT_WORKSPACE_LOADER", "cargo")
        .env("RUST_BACKTRACE", "0")
        .output()
        .expect("runs");
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{err}");
    assert!(err.contains("toolchain `1.0.0"), "{err}");
    assert!(err.contains("is not installed"), "{err}");
    assert!(err.contains("`cargo +stable archfit …`"), "{err}");
}

fn graph_json(args: &[&str]) -> serde_json::Value {
    let mut all = vec!["graph", "--format", "json"];
    all.extend_from_slice(args);
    let output = archfit("shop", &all);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    serde_json::from_str(&stdout(&output)).expect("graph JSON parses")
}

fn highlighted(graph: &serde_json::Value) -> Vec<(String, String, String)> {
    graph["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .filter(|e| e["highlighted"] == true)
        .map(|e| {
            let s = |k: &str| e[k].as_str().unwrap_or_default().to_string();
            (s("from"), s("to"), s("kind"))
        })
        .collect()
}

#[test]
fn service_graph_labels_edges_by_kind_and_highlights_the_cycle() {
    let graph = graph_json(&["--level", "service"]);
    assert_eq!(graph["level"], "service");
    let marked = highlighted(&graph);
    assert!(
        marked.contains(&("orders".into(), "payments".into(), "http".into())),
        "{marked:?}"
    );
    assert!(
        marked.contains(&("payments".into(), "orders".into(), "event".into())),
        "{marked:?}"
    );
    let labels: Vec<&str> = graph["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .filter_map(|e| e["label"].as_str())
        .collect();
    assert!(
        labels.contains(&"event: orders.refund-requested"),
        "{labels:?}"
    );
}

#[test]
fn crate_graph_marks_dev_dependencies_and_their_cycle() {
    let graph = graph_json(&["--level", "crate"]);
    let marked = highlighted(&graph);
    assert!(
        marked.contains(&(
            "orders-events".into(),
            "orders-testkit".into(),
            "dev".into()
        )),
        "{marked:?}"
    );
    assert!(
        marked.contains(&(
            "orders-testkit".into(),
            "orders-events".into(),
            "normal".into()
        )),
        "{marked:?}"
    );
}

#[test]
fn module_graph_of_one_crate_in_dot_and_mermaid() {
    let dot = stdout(&archfit(
        "shop",
        &[
            "graph", "--level", "module", "--crate", "orders", "--format", "dot",
        ],
    ));
    assert!(dot.starts_with("digraph archfit_module {"), "{dot}");
    assert!(
        dot.contains("\"orders::billing\" -> \"orders::pricing\" [color=red, penwidth=2];"),
        "{dot}"
    );
    assert!(!dot.contains("payments::"), "only the orders crate: {dot}");
    let mermaid = stdout(&archfit(
        "shop",
        &[
            "graph", "--level", "module", "--crate", "orders", "--format", "mermaid",
        ],
    ));
    assert!(mermaid.starts_with("flowchart LR"), "{mermaid}");
    assert!(mermaid.contains("linkStyle"), "{mermaid}");
}

#[test]
fn mermaid_module_graph_keeps_each_crates_modules_together() {
    let mermaid = stdout(&archfit(
        "shop",
        &["graph", "--level", "module", "--format", "mermaid"],
    ));
    // Each crate's modules in one subgraph named after the crate: the root
    // module of every crate is labelled `crate`, so without the grouping
    // the drawing could not tell them apart.
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    for line in mermaid.lines() {
        let line = line.trim();
        if let Some(rest) = line.strip_prefix("subgraph ") {
            let name = rest.split('"').nth(1).unwrap_or_default().to_string();
            groups.push((name, Vec::new()));
        } else if line == "end" || line.starts_with("direction") {
            continue;
        } else if let Some((_, members)) = groups.last_mut() {
            if !line.contains("-->") && !line.contains("-.->") && !line.starts_with("class") {
                members.push(line.to_string());
            }
        }
    }
    let crates: Vec<&str> = groups
        .iter()
        .map(|(name, _)| name.as_str())
        .filter(|name| *name != "legend")
        .collect();
    for expected in ["orders", "payments", "inventory", "notifications"] {
        assert!(crates.contains(&expected), "{crates:?}\n{mermaid}");
    }
    for (name, members) in groups.iter().filter(|(name, _)| name != "legend") {
        assert_eq!(
            members
                .iter()
                .filter(|m| m.ends_with("[\"crate\"]"))
                .count(),
            1,
            "{name}: {members:?}"
        );
    }
}

#[test]
fn every_graph_has_a_legend_of_the_edges_it_draws() {
    for format in ["dot", "mermaid"] {
        let service = stdout(&archfit("shop", &["graph", "--format", format]));
        for entry in [
            "http: calls it over HTTP",
            "event: publishes to or consumes its topic",
            "in a cycle, or where a finding points",
        ] {
            assert!(service.contains(entry), "{format}: {entry}\n{service}");
        }
        // The crate graph has no HTTP edges, so its legend does not say so.
        let crates = stdout(&archfit(
            "shop",
            &["graph", "--level", "crate", "--format", format],
        ));
        assert!(crates.contains("dev-dependency"), "{format}: {crates}");
        assert!(!crates.contains("over HTTP"), "{format}: {crates}");
    }
}

#[test]
fn graph_error_paths() {
    let unknown = archfit("shop", &["graph", "--level", "module", "--crate", "nope"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(
        stderr(&unknown).contains("--crate nope"),
        "{}",
        stderr(&unknown)
    );
    let bad_level = archfit("shop", &["graph", "--level", "galaxy"]);
    assert_eq!(bad_level.status.code(), Some(2));
    let dot_report = archfit("shop", &["check", "--format", "dot"]);
    assert_eq!(dot_report.status.code(), Some(2));
    assert!(
        stderr(&dot_report).contains("invalid value 'dot' for '--format <FORMAT>'"),
        "{}",
        stderr(&dot_report)
    );
}

/// Exit 2 with clap's message and nothing on standard output: an option a
/// command cannot honour is never silently ignored.
fn assert_usage_error(args: &[&str], message: &str) {
    let output = archfit("shop", args);
    assert_eq!(
        output.status.code(),
        Some(2),
        "{args:?}: {}",
        stderr(&output)
    );
    assert!(stdout(&output).is_empty(), "{args:?}: {}", stdout(&output));
    assert!(
        stderr(&output).contains(message),
        "{args:?}: {}",
        stderr(&output)
    );
}

#[test]
fn options_a_command_cannot_honour_are_rejected() {
    assert_usage_error(
        &["graph", "--format", "sarif"],
        "error: invalid value 'sarif' for '--format <FORMAT>'",
    );
    assert_usage_error(
        &["adr", "--format", "sarif"],
        "error: invalid value 'sarif' for '--format <FORMAT>'",
    );
    assert_usage_error(
        &["explain", "no-crate-cycles", "--format", "json"],
        "error: invalid value 'json' for '--format <FORMAT>'",
    );
    assert_usage_error(&["graph", "--crate", "orders"], "needs `--level module`");
    assert_usage_error(
        &["--format", "json", "graph"],
        "`--format` before `graph` is an option of `check`",
    );
}

#[test]
fn init_takes_no_output_and_writes_nothing() {
    let dir = crate::scratch_copy("shop", "init-output");
    let config = std::fs::read_to_string(dir.join("archfit.toml")).expect("fixture config");
    let output = archfit_in(&dir, &["init", "--output", "custom.toml"]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("unexpected argument '--output' found"),
        "{}",
        stderr(&output)
    );
    assert!(!dir.join("custom.toml").exists());
    assert_eq!(
        std::fs::read_to_string(dir.join("archfit.toml")).expect("config kept"),
        config
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_panic_in_a_check_is_an_internal_error_with_exit_2() {
    let manifest = fixture("shop").join("Cargo.toml");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_cargo-archfit"))
        .args([
            "check",
            "--format",
            "json",
            "--manifest-path",
            manifest.to_str().expect("utf-8"),
        ])
        .env("ARCHFIT_INJECT_PANIC", "no-module-cycles")
        .env("NO_COLOR", "1")
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    let json: serde_json::Value =
        serde_json::from_str(&stdout(&output)).expect("report still written");
    let internal = json["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .find(|d| d["severity"] == "error")
        .expect("internal error diagnostic");
    assert!(internal["message"]
        .as_str()
        .is_some_and(|m| m.contains("rule `no-module-cycles`")));
    // The other rules still ran.
    assert!(json["findings"]
        .as_array()
        .is_some_and(|f| f.iter().any(|x| x["rule"] == "no-crate-cycles")));
}

#[test]
fn graph_quantum_clusters_services_by_quantum_with_their_joins() {
    let fixture = "quanta/fail-independent-through-billing";
    let dot = stdout(&archfit(
        fixture,
        &["graph", "--level", "quantum", "--format", "dot"],
    ));
    assert!(
        dot.contains(
            "  subgraph cluster_0 {\n    label=\"quantum 1 (3 services)\";\n    \"orders\" [label=\"orders\"];\n    \"billing\" [label=\"billing\"];\n    \"payments\" [label=\"payments\"];\n  }"
        ),
        "{dot}"
    );
    assert!(dot.contains("label=\"quantum 2 (2 services)\""), "{dot}");
    // The joins of the path the finding quotes are red; the shared
    // database the rule allows is not.
    assert!(
        dot.contains("\"orders\" -> \"billing\" [label=\"grpc\", color=red, penwidth=2];"),
        "{dot}"
    );
    assert!(
        dot.contains("\"search\" -> \"catalog\" [label=\"database\", style=dotted];"),
        "{dot}"
    );
    let mermaid = stdout(&archfit(
        fixture,
        &["graph", "--level", "quantum", "--format", "mermaid"],
    ));
    assert!(
        mermaid.contains("subgraph g1[\"quantum 2 (2 services)\"]"),
        "{mermaid}"
    );
    assert!(mermaid.contains("-.->|\"database\"|"), "{mermaid}");
}

#[test]
fn graph_quantum_without_a_quanta_rule_uses_the_checks_defaults() {
    // This fixture's rules are cycles rules only.
    let dot = stdout(&archfit(
        "cycles/fail-service-http-event",
        &["graph", "--level", "quantum", "--format", "dot"],
    ));
    // orders calls payments over HTTP; payments' event back joins nothing.
    assert!(dot.contains("label=\"quantum 1 (2 services)\""), "{dot}");
    assert!(
        dot.contains("\"orders\" -> \"payments\" [label=\"http\""),
        "{dot}"
    );
    assert!(!dot.contains("event"), "{dot}");
}

#[test]
fn an_independent_name_that_is_no_service_is_a_warning_not_a_silent_pass() {
    let dir = crate::scratch_copy("quanta/pass-independent-apart", "quanta-unknown-service");
    let config = dir.join("archfit.toml");
    let text = std::fs::read_to_string(&config).expect("read");
    std::fs::write(&config, text.replace("\"payments\"]]", "\"paymnts\"]]")).expect("write");
    let output = crate::archfit_in(&dir, &["check", "--format", "json"]);
    let _ = std::fs::remove_dir_all(&dir);
    let report: serde_json::Value = serde_json::from_str(&stdout(&output)).expect("JSON");
    let warned = report["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .any(|d| {
            d["severity"] == "warn"
                && d["message"].as_str().is_some_and(|m| {
                    m.contains("`independent` names `paymnts`, which is no service")
                })
        });
    assert!(warned, "{report:#}");
}
