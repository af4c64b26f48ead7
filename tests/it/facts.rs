//! The source-facts layer: each file parsed once, bad files reported as
//! diagnostics while everything else is still checked.

use std::path::{Path, PathBuf};

use archfit::{Options, Severity};

use crate::{fixture, scratch_copy, stdout};

fn options(manifest: PathBuf, rules: &[&str]) -> Options {
    Options {
        manifest_path: Some(manifest),
        config: None,
        rules: rules.iter().map(|r| r.to_string()).collect(),
        ..Options::default()
    }
}

fn rust_files(dir: &Path) -> usize {
    let mut count = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("readable").flatten() {
            let path = entry.path();
            if path.is_dir() {
                if !path.ends_with("xtask") {
                    stack.push(path);
                }
            } else if path.extension().is_some_and(|e| e == "rs") {
                count += 1;
            }
        }
    }
    count
}

/// Tests that run the library in-process take this lock, so the
/// process-wide parse counter is not shared with another run.
static IN_PROCESS: std::sync::Mutex<()> = std::sync::Mutex::new(());

#[test]
fn each_source_file_is_parsed_once_whatever_the_number_of_rules() {
    let _alone = IN_PROCESS.lock().unwrap_or_else(|e| e.into_inner());
    let manifest = fixture("shop").join("Cargo.toml");
    let before = archfit::facts::parse_count();
    let all = archfit::check(&options(manifest.clone(), &[])).expect("shop checks");
    let with_all_rules = archfit::facts::parse_count() - before;

    let before = archfit::facts::parse_count();
    let one = archfit::check(&options(manifest, &["no-module-cycles"])).expect("shop checks");
    let with_one_rule = archfit::facts::parse_count() - before;

    let on_disk = rust_files(&fixture("shop"));
    assert_eq!(
        with_all_rules, on_disk,
        "every .rs file of the members, once"
    );
    assert_eq!(with_one_rule, on_disk);
    assert_eq!(all.stats.files_parsed, on_disk);
    assert_eq!(one.stats.files_parsed, on_disk);
    assert!(
        all.diagnostics.iter().all(|d| d.severity != Severity::Warn),
        "{:?}",
        all.diagnostics
    );
}

#[test]
fn graph_and_metrics_parse_each_file_at_most_once() {
    use archfit::graph::view::{self, Level};
    let _alone = IN_PROCESS.lock().unwrap_or_else(|e| e.into_inner());
    let manifest = fixture("shop").join("Cargo.toml");
    let on_disk = rust_files(&fixture("shop"));
    for level in [Level::Service, Level::Crate, Level::Module] {
        let before = archfit::facts::parse_count();
        // What `cargo archfit graph` does: the rules and the drawing share
        // one extraction.
        let loaded = archfit::load(&options(manifest.clone(), &[])).expect("loads");
        let (outcome, facts) =
            archfit::run_keeping_facts(&loaded, &[], level != Level::Crate).expect("runs");
        view::build(
            &loaded.view_subject(),
            level,
            None,
            Some(&outcome),
            facts.as_ref(),
        )
        .expect("draws");
        let parsed = archfit::facts::parse_count() - before;
        assert_eq!(parsed, on_disk, "graph --level {level:?}");
    }
    let before = archfit::facts::parse_count();
    archfit::metrics(&options(manifest, &[])).expect("metrics");
    // Ca/Ce come from manifests; the quanta need the sources, once.
    assert_eq!(
        archfit::facts::parse_count() - before,
        on_disk,
        "metrics parses each file once, for the quanta"
    );
}

#[test]
fn bad_source_files_become_diagnostics_and_the_other_checks_still_run() {
    let _alone = IN_PROCESS.lock().unwrap_or_else(|e| e.into_inner());
    let dir = scratch_copy("shop", "bad-sources");
    let orders = dir.join("services/orders/src");
    // A syntax error, a file that is not UTF-8, and a module without a file.
    std::fs::write(orders.join("checkout.rs"), "pub fn broken( {\n").expect("write");
    std::fs::write(
        orders.join("events.rs"),
        b"pub const A: &str = \"\xff\xfe\";\n",
    )
    .expect("write");
    let main = std::fs::read_to_string(orders.join("main.rs")).expect("main.rs");
    std::fs::write(orders.join("main.rs"), format!("{main}\nmod ghost;\n")).expect("write");

    let manifest = dir.join("Cargo.toml");
    let output = archfit::check(&options(manifest, &[])).expect("still checks");
    let messages: Vec<String> = output
        .diagnostics
        .iter()
        .map(|d| d.message.clone())
        .collect();
    let has = |needle: &str| messages.iter().any(|m| m.contains(needle));
    assert!(
        has("services/orders/src/checkout.rs does not parse"),
        "{messages:#?}"
    );
    assert!(
        has("services/orders/src/events.rs not analysed: it is not UTF-8"),
        "{messages:#?}"
    );
    // Files that could not be analysed fail the run (exit 2) unless accepted;
    // a module with no file may be cfg'd out, so it stays a warning.
    let severity_of = |needle: &str| {
        output
            .diagnostics
            .iter()
            .find(|d| d.message.contains(needle))
            .map(|d| d.severity)
    };
    assert_eq!(
        severity_of("checkout.rs does not parse"),
        Some(Severity::Error)
    );
    assert_eq!(severity_of("events.rs not analysed"), Some(Severity::Error));
    assert_eq!(severity_of("module `ghost`"), Some(Severity::Warn));
    let accepted = archfit::check(&Options {
        allow_incomplete: true,
        ..options(dir.join("Cargo.toml"), &[])
    })
    .expect("still checks");
    assert!(
        accepted
            .diagnostics
            .iter()
            .all(|d| d.severity != Severity::Error),
        "{:?}",
        accepted.diagnostics
    );
    assert!(
        has("module `ghost` is declared in services/orders/src/main.rs but has no file"),
        "{messages:#?}"
    );
    // The module cycle and the layer violation elsewhere are still found.
    let rules: Vec<&str> = output.findings.iter().map(|f| f.rule.as_str()).collect();
    assert!(rules.contains(&"no-module-cycles"), "{rules:?}");
    assert!(rules.contains(&"hexagonal-layers"), "{rules:?}");
    assert!(
        rules.contains(&"services-do-not-depend-on-services"),
        "{rules:?}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn diagnostics_appear_in_the_json_report() {
    let dir = scratch_copy("shop", "diag-json");
    std::fs::write(dir.join("services/payments/src/refunds.rs"), "fn (\n").expect("write");
    let output = crate::archfit_in(&dir, &["check", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&stdout(&output)).expect("JSON");
    let diagnostics = json["diagnostics"].as_array().expect("diagnostics");
    assert!(
        diagnostics
            .iter()
            .any(|d| d["file"] == "services/payments/src/refunds.rs" && d["line"] == 1),
        "{diagnostics:#?}"
    );
    std::fs::remove_dir_all(&dir).ok();
}
