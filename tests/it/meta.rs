//! The suite checks its own completeness (clippy's habit): every registered
//! check has a docs page, a fixture it must fail and one it must pass; every
//! folder under `fixtures/` is run by a test; every check folder and docs
//! page names a registered check. Adding a check without them fails here.

use std::path::Path;

use crate::fixtures::{fixtures_root, layout_of};

/// What is missing or left unrun, for fixtures at `root`, docs pages in
/// `docs` and the registered `checks`.
fn problems(root: &Path, docs: &Path, checks: &[&str]) -> Vec<String> {
    let layout = layout_of(root);
    let mut problems = Vec::new();
    for check in checks {
        if !docs.join(format!("{check}.md")).is_file() {
            problems.push(format!(
                "check `{check}` has no docs page docs/checks/{check}.md"
            ));
        }
        for kind in ["fail", "pass"] {
            let prefix = format!("{check}/{kind}-");
            if !layout.check_fixtures.iter().any(|f| f.starts_with(&prefix)) {
                problems.push(format!(
                    "check `{check}` has no fixture fixtures/{prefix}*/"
                ));
            }
        }
    }
    for dir in &layout.check_dirs {
        if !checks.contains(&dir.as_str()) {
            problems.push(format!(
                "fixtures/{dir}/ is not a registered check, and holds no workspace (Cargo.toml)"
            ));
        }
    }
    for dir in &layout.unrun {
        problems.push(format!(
            "fixtures/{dir}/ is neither fail-* nor pass-*: no test runs it"
        ));
    }
    let pages = std::fs::read_dir(docs).unwrap_or_else(|e| panic!("{}: {e}", docs.display()));
    let mut pages: Vec<String> = pages
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.strip_suffix(".md").map(str::to_string)
        })
        .collect();
    pages.sort();
    for page in pages {
        if !checks.contains(&page.as_str()) {
            problems.push(format!(
                "docs/checks/{page}.md documents no registered check"
            ));
        }
    }
    problems
}

#[test]
fn every_check_is_documented_and_has_failing_and_passing_fixtures_and_every_fixture_runs() {
    let checks = archfit::checks::names();
    assert!(!checks.is_empty(), "no check registered");
    let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/checks");
    let problems = problems(&fixtures_root(), &docs, &checks);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Writes an empty file, creating its folders.
fn touch(path: &Path) {
    std::fs::create_dir_all(path.parent().expect("a parent")).expect("create dir");
    std::fs::write(path, "").expect("write");
}

#[test]
fn the_meta_test_names_each_gap_it_guards_against() {
    let dir = std::env::temp_dir().join(format!("archfit-meta-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let (root, docs) = (dir.join("fixtures"), dir.join("docs"));
    // `cycles` is complete; `layers` has no docs page and only failing
    // fixtures; `shop` is a workspace, `config/x` a configuration case.
    touch(&docs.join("cycles.md"));
    touch(&docs.join("deleted-check.md"));
    touch(&root.join("cycles/fail-module-cycle/expected.txt"));
    touch(&root.join("cycles/pass-parent-child/expected.txt"));
    touch(&root.join("cycles/common/Cargo.toml"));
    touch(&root.join("layers/fail-domain-uses-adapter/expected.txt"));
    touch(&root.join("sagas/pass-correct-saga/expected.txt"));
    touch(&root.join("shop/Cargo.toml"));
    touch(&root.join("config/unknown-key/archfit.toml"));

    let found = problems(&root, &docs, &["cycles", "layers"]);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(
        found,
        [
            "check `layers` has no docs page docs/checks/layers.md",
            "check `layers` has no fixture fixtures/layers/pass-*/",
            "fixtures/sagas/ is not a registered check, and holds no workspace (Cargo.toml)",
            "fixtures/cycles/common/ is neither fail-* nor pass-*: no test runs it",
            "docs/checks/deleted-check.md documents no registered check",
        ]
    );
}

/// Only `src/report/` turns data into JSON: every other module hands plain
/// data over (test code aside).
#[test]
fn only_report_serialises() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut offenders = Vec::new();
    let mut stack = vec![src.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("src").flatten() {
            let path = entry.path();
            if path.is_dir() {
                if !path.ends_with("report") {
                    stack.push(path);
                }
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("source");
            let production = text.split("#[cfg(test)]").next().unwrap_or_default();
            if ["serde_json::to_", "serde_json::json!"]
                .iter()
                .any(|call| production.contains(call))
            {
                offenders.push(
                    path.strip_prefix(&src)
                        .expect("in src")
                        .display()
                        .to_string(),
                );
            }
        }
    }
    offenders.sort();
    assert!(
        offenders.is_empty(),
        "JSON written outside src/report/: {offenders:?}"
    );
}
