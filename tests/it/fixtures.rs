//! Every fixture workspace is found by walking `fixtures/`, never listed by
//! hand, so a new fixture cannot be forgotten:
//! - `fixtures/<check>/{fail,pass}-*/` and the top-level workspaces (a folder
//!   with a `Cargo.toml`) list the findings they must produce in `expected.txt`
//!   (`<check> <rule> <file>:<line>`); the JSON report must contain exactly
//!   those and nothing else, and exit 1 exactly when one of them is an error;
//! - the human report of every `fail-*` fixture and of every top-level
//!   workspace is a reviewed insta snapshot named after the fixture path;
//! - `fixtures/config/<case>/` are run by `config_errors`.
//!
//! Each test runs all its fixtures and then fails once, naming every
//! fixture that went wrong with its diff. `meta` checks that the walk
//! leaves no folder out. After an intended change of output, rewrite the
//! snapshots with `INSTA_UPDATE=always cargo test --test it` and review the
//! diff before committing it (CI sets `INSTA_UPDATE=no`).

use std::collections::BTreeSet;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use serde_json::Value;

use crate::{archfit, stderr, stdout};

/// Every folder under `fixtures/`, sorted by what runs it. Names are paths
/// relative to `fixtures/`, with `/` separators.
#[derive(Debug, Default)]
pub struct Layout {
    /// `<check>/fail-*` and `<check>/pass-*`.
    pub check_fixtures: Vec<String>,
    /// Top-level folders holding a workspace (`shop`, `clean`, …).
    pub workspaces: Vec<String>,
    /// Top-level folders holding check fixtures; each must name a check.
    pub check_dirs: Vec<String>,
    /// `config/<case>`, run by `config_errors`.
    pub config_cases: Vec<String>,
    /// Children of a check folder that are neither `fail-*` nor `pass-*`:
    /// nothing runs them.
    pub unrun: Vec<String>,
}

/// The folder every fixture lives in.
pub fn fixtures_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// Sorted names of the sub-folders of `dir`.
pub fn subdirs(dir: &Path) -> Vec<String> {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let mut names: Vec<String> = entries
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Walks `fixtures/`.
pub fn layout() -> Layout {
    layout_of(&fixtures_root())
}

/// Walks a fixtures folder at `root`.
pub fn layout_of(root: &Path) -> Layout {
    let mut layout = Layout::default();
    for top in subdirs(root) {
        let dir = root.join(&top);
        if top == "config" {
            for case in subdirs(&dir) {
                layout.config_cases.push(format!("config/{case}"));
            }
        } else if dir.join("Cargo.toml").is_file() {
            layout.workspaces.push(top);
        } else {
            for child in subdirs(&dir) {
                let name = format!("{top}/{child}");
                if child.starts_with("fail-") || child.starts_with("pass-") {
                    layout.check_fixtures.push(name);
                } else {
                    layout.unrun.push(name);
                }
            }
            layout.check_dirs.push(top);
        }
    }
    layout
}

/// Runs `job` on every item on one thread per core; the results come back
/// in the order of `items`. A fixture run mostly waits on its child
/// processes (`cargo-archfit`, then `cargo metadata`), so the cores stay
/// busy even while libtest runs other tests.
pub fn parallel<T: Sync, R: Send>(items: &[T], job: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let workers = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(1, items.len().max(1));
    let next = AtomicUsize::new(0);
    let results: Vec<Mutex<Option<R>>> = items.iter().map(|_| Mutex::new(None)).collect();
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| loop {
                let index = next.fetch_add(1, Ordering::Relaxed);
                let Some(item) = items.get(index) else { break };
                let result = job(item);
                *results[index].lock().expect("one writer per slot") = Some(result);
            });
        }
    });
    results
        .into_iter()
        .map(|slot| {
            slot.into_inner()
                .expect("no worker panicked")
                .expect("every item ran")
        })
        .collect()
}

/// `text` with the machine-specific paths replaced: the repository (where
/// the fixtures are) by `[repo]`, the temp dir by `[tmp]`. A path relative
/// to `/` (how cargo, run in `/`, names files) would become
/// `[repo relative to /]`, so a snapshot shows such a leak rather than hiding it.
pub fn normalise(text: &str) -> String {
    let mut out = text.to_string();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let temp = std::env::temp_dir();
    let mut roots = vec![(repo.to_path_buf(), "[repo]"), (temp.clone(), "[tmp]")];
    for (path, name) in [(repo.to_path_buf(), "[repo]"), (temp, "[tmp]")] {
        if let Ok(real) = path.canonicalize() {
            roots.push((real, name));
        }
    }
    // Longest first, so a temp dir inside the repository is not half replaced.
    roots.sort_by_key(|(path, _)| std::cmp::Reverse(path.as_os_str().len()));
    for (path, name) in roots {
        let path = path.to_string_lossy();
        let path = path.trim_end_matches('/');
        if !path.is_empty() {
            out = out.replace(path, name);
        }
    }
    let relative = repo.to_string_lossy();
    let relative = relative.trim_start_matches('/');
    if relative.contains('/') {
        out = out.replace(relative, "[repo relative to /]");
    }
    out
}

/// Asserts the insta snapshot `name` (its file is named after it, `/` made
/// `__`) without stopping at a difference: insta prints the diff, and the
/// caller gets `false` to name the snapshot in its own failure.
pub fn snapshot_matches(name: &str, description: &str, text: &str) -> bool {
    let mut settings = insta::Settings::clone_current();
    settings.set_description(description);
    settings.set_omit_expression(true);
    settings.set_prepend_module_to_snapshot(true);
    catch_unwind(AssertUnwindSafe(|| {
        settings.bind(|| insta::assert_snapshot!(name, text));
    }))
    .is_ok()
}

/// Fails once with every problem found, one paragraph per fixture.
pub fn report_problems(what: &str, problems: &[String]) {
    assert!(
        problems.is_empty(),
        "{} {what} went wrong:\n\n{}",
        problems.len(),
        problems.join("\n\n")
    );
}

/// The findings `expected.txt` of `name` lists, normalised to single spaces.
fn expected(name: &str) -> Result<BTreeSet<String>, String> {
    let path = fixtures_root().join(name).join("expected.txt");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect())
}

/// The findings of a JSON report above `info`, in `expected.txt`'s format.
fn findings_of(json: &Value) -> BTreeSet<String> {
    json["findings"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .filter(|f| f["severity"] != "info")
        .map(|f| {
            format!(
                "{} {} {}:{}",
                f["check"].as_str().unwrap_or_default(),
                f["rule"].as_str().unwrap_or_default(),
                f["location"]["file"].as_str().unwrap_or_default(),
                f["location"]["line"]
            )
        })
        .collect()
}

fn parse_report(output: &Output) -> Result<Value, String> {
    serde_json::from_str(&stdout(output)).map_err(|e| {
        format!(
            "JSON report does not parse: {e}\nstderr:\n{}",
            stderr(output)
        )
    })
}

/// `--traces` for every file of a check fixture's `traces/` folder, sorted:
/// the trace exports it is checked with (`runtime-coupling`). Top-level
/// workspaces are checked as they are by default; `traces.rs` runs the
/// shop with its export.
pub fn traces_args(name: &str) -> Vec<String> {
    if !name.contains('/') {
        return Vec::new();
    }
    let dir = fixtures_root().join(name).join("traces");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
        .iter()
        .flat_map(|f| ["--traces".to_string(), f.to_string_lossy().into_owned()])
        .collect()
}

/// `cargo archfit check <args>` on fixture `name`, with its traces.
fn check_fixture(name: &str, args: &[&str]) -> Output {
    let traces = traces_args(name);
    let mut all: Vec<&str> = vec!["check"];
    all.extend(args);
    all.extend(traces.iter().map(String::as_str));
    archfit(name, &all)
}

fn reported(name: &str) -> (BTreeSet<String>, Value, i32) {
    let output = check_fixture(name, &["--format", "json"]);
    let json = parse_report(&output).unwrap_or_else(|e| panic!("{name}: {e}"));
    (findings_of(&json), json, output.status.code().unwrap_or(-1))
}

/// What is wrong with the JSON report of `name` against its `expected.txt`,
/// as a diff (`-` expected but not reported, `+` reported but not expected).
fn json_problem(name: &str, output: &Output) -> Option<String> {
    let json = match parse_report(output) {
        Ok(json) => json,
        Err(e) => return Some(e),
    };
    let want = match expected(name) {
        Ok(want) => want,
        Err(e) => return Some(e),
    };
    let found = findings_of(&json);
    let mut lines = Vec::new();
    for missing in want.difference(&found) {
        lines.push(format!("  - {missing}"));
    }
    for extra in found.difference(&want) {
        lines.push(format!("  + {extra}"));
    }
    let errors = json["summary"]["errors"].as_u64().unwrap_or_default();
    let code = output.status.code();
    let want_code = if errors > 0 { 1 } else { 0 };
    if code != Some(want_code) {
        lines.push(format!(
            "  exit code {code:?}, expected {want_code} ({errors} errors)\n  stderr:\n{}",
            stderr(output)
        ));
    }
    (!lines.is_empty()).then(|| {
        format!(
            "findings differ from expected.txt (- expected, + reported):\n{}",
            lines.join("\n")
        )
    })
}

/// One fixture's two runs: the JSON report and, for a snapshot, the human one.
struct Run {
    name: String,
    json: Output,
    human: Option<Output>,
}

/// Whether the human report of `name` is kept as a snapshot: the failing
/// fixtures (what a finding looks like) and the top-level workspaces.
fn snapshotted(name: &str) -> bool {
    name.rsplit('/')
        .next()
        .is_some_and(|leaf| !leaf.starts_with("pass-"))
}

/// Runs every fixture of `names`, compares each with its `expected.txt`
/// and its snapshot, and fails naming every fixture that differs.
fn assert_fixtures(names: &[String]) {
    assert!(!names.is_empty(), "no fixture found under fixtures/");
    let runs = parallel(names, |name| Run {
        name: name.clone(),
        json: check_fixture(name, &["--format", "json"]),
        human: snapshotted(name).then(|| check_fixture(name, &["--color", "never"])),
    });
    let mut problems = Vec::new();
    for run in &runs {
        let name = &run.name;
        let mut wrong = Vec::new();
        for output in std::iter::once(&run.json).chain(&run.human) {
            if stderr(output).contains("panicked") {
                wrong.push(format!("the tool panicked:\n{}", stderr(output)));
            }
        }
        wrong.extend(json_problem(name, &run.json));
        if let Some(human) = &run.human {
            let mut text = stdout(human);
            let err = stderr(human);
            if !err.is_empty() {
                text.push_str("\n--- stderr ---\n");
                text.push_str(&err);
            }
            let traces = if traces_args(name).is_empty() {
                ""
            } else {
                " --traces traces/*"
            };
            let description = format!("cargo archfit check --color never{traces}, fixtures/{name}");
            if !snapshot_matches(name, &description, &normalise(&text)) {
                wrong.push("the human report differs from its snapshot (diff above)".into());
            }
        }
        if !wrong.is_empty() {
            problems.push(format!("fixtures/{name}: {}", wrong.join("\n")));
        }
    }
    report_problems("fixtures", &problems);
}

#[test]
fn every_check_fixture_reports_what_its_expected_txt_lists() {
    assert_fixtures(&layout().check_fixtures);
}

#[test]
fn every_workspace_fixture_reports_what_its_expected_txt_lists() {
    assert_fixtures(&layout().workspaces);
}

#[test]
fn clean_workspace_exits_zero_with_no_finding_at_all() {
    let (_, json, code) = reported("clean");
    assert_eq!(code, 0);
    assert_eq!(
        json["findings"].as_array().map(Vec::len),
        Some(0),
        "{json:#}"
    );
}

#[test]
fn shop_json_report_snapshot() {
    let output = archfit("shop", &["check", "--format", "json"]);
    insta::assert_snapshot!("shop_json", stdout(&output));
}

#[test]
fn json_report_is_byte_identical_across_runs() {
    let first = archfit("shop", &["check", "--format", "json"]);
    let second = archfit("shop", &["check", "--format", "json"]);
    assert_eq!(first.stdout, second.stdout);
    let human_first = archfit("shop", &["check", "--color", "always"]);
    let human_second = archfit("shop", &["check", "--color", "always"]);
    assert_eq!(human_first.stdout, human_second.stdout);
}

#[test]
fn shop_findings_point_at_manifest_entries_and_name_their_adr() {
    let (_, json, _) = reported("shop");
    for finding in json["findings"].as_array().expect("findings") {
        if finding["check"] == "service-dependency" || finding["check"] == "shared-coupling" {
            let file = finding["location"]["file"].as_str().unwrap_or_default();
            assert!(file.ends_with("Cargo.toml"), "{finding:#}");
            assert!(finding["adr"]["title"].is_string(), "{finding:#}");
            assert_eq!(finding["fingerprint"].as_str().map(str::len), Some(16));
        }
    }
}

#[test]
fn metrics_table_and_json() {
    let table = archfit("shop", &["metrics"]);
    assert_eq!(table.status.code(), Some(0));
    insta::assert_snapshot!("shop_metrics", stdout(&table));
    let json = archfit("shop", &["metrics", "--format", "json"]);
    let value: Value = serde_json::from_str(&stdout(&json)).expect("metrics JSON parses");
    let domain = value["crates"]
        .as_array()
        .and_then(|rows| rows.iter().find(|r| r["name"] == "shop-domain"))
        .expect("shop-domain row");
    assert!(domain["ca"].as_u64().unwrap_or_default() >= 3, "{domain:#}");
}

#[test]
fn an_unresolvable_saga_step_is_an_info_diagnostic_not_a_pass_or_an_error() {
    let (_, json, code) = reported("saga-compensation/pass-opaque-step");
    assert_eq!(code, 0);
    let unresolved: Vec<&Value> = json["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter(|d| {
            d["message"]
                .as_str()
                .is_some_and(|m| m.contains("cannot resolve"))
        })
        .collect();
    assert_eq!(unresolved.len(), 2, "{json:#}");
    assert!(unresolved
        .iter()
        .all(|d| d["severity"] == "info" && d["line"].is_u64()));
}

#[test]
fn shop_saga_is_classified_in_the_json_report() {
    let (_, json, _) = reported("shop");
    let sagas = json["sagas"].as_array().expect("sagas");
    assert_eq!(sagas.len(), 1, "{json:#}");
    assert_eq!(sagas[0]["name"], "create-order");
    // confirm_order publishes `orders.confirmed` through the events helper
    // it calls: asynchronous, and redeem_gift_card has no compensation.
    assert_eq!(sagas[0]["class"], "Parallel Saga");
    assert_eq!(sagas[0]["communication"], "async");
    assert_eq!(sagas[0]["consistency"], "eventual");
}

#[test]
fn a_saga_with_no_step_and_a_step_it_cannot_follow_are_info_diagnostics_quoting_the_code() {
    let (_, json, code) = reported("saga-compensation/pass-saga-with-no-step");
    assert_eq!(code, 0);
    let messages: Vec<(&str, &str, u64)> = json["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| {
            (
                d["severity"].as_str().unwrap_or_default(),
                d["message"].as_str().unwrap_or_default(),
                d["line"].as_u64().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(messages.len(), 2, "{json:#}");
    assert!(messages.iter().all(|(severity, ..)| *severity == "info"));
    assert!(messages[0]
        .1
        .starts_with("saga `return-parcel`: found no step"));
    assert_eq!(messages[0].2, 13);
    // The call is quoted on one line and cut at 60 characters.
    assert!(messages[1].1.starts_with(
        "saga `restock-parcel`: cannot resolve `plan::step_from(&config.restock_steps[0], config.region.as_…`"
    ), "{}", messages[1].1);
    assert_eq!(messages[1].2, 16);
}

#[test]
fn a_saga_driven_by_one_service_is_orchestrated_and_one_of_reacting_handlers_choreographed() {
    let class = |name: &str| {
        let (_, json, _) = reported(name);
        let saga = &json["sagas"][0];
        (
            saga["communication"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
            saga["coordination"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
            saga["class"].as_str().unwrap_or_default().to_string(),
        )
    };
    assert_eq!(
        class("saga-compensation/pass-orchestrated-command-reply"),
        (
            "async".into(),
            "orchestration".into(),
            "Fantasy Fiction Saga".into()
        )
    );
    assert_eq!(
        class("saga-compensation/fail-choreography-events"),
        ("async".into(), "choreography".into(), "Horror Story".into())
    );
}
