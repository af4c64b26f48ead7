//! The CI gate over time: baseline, suppressions, explain and adr.

use std::path::Path;

use serde_json::Value;

use crate::{archfit_in, scratch_copy, stderr, stdout};

fn json(dir: &Path, args: &[&str]) -> (Value, Option<i32>) {
    let mut all = vec!["check", "--format", "json"];
    all.extend_from_slice(args);
    let output = archfit_in(dir, &all);
    let value = serde_json::from_str(&stdout(&output))
        .unwrap_or_else(|e| panic!("{e}: {}", stderr(&output)));
    (value, output.status.code())
}

fn insert_line(file: &Path, after: &str, line: &str) {
    let text = std::fs::read_to_string(file).expect("read");
    let at = text.find(after).expect("anchor") + after.len();
    std::fs::write(file, format!("{}{line}{}", &text[..at], &text[at..])).expect("write");
}

#[test]
fn baseline_then_check_passes_and_a_new_violation_fails_alone() {
    let dir = scratch_copy("shop", "baseline");
    let written = archfit_in(&dir, &["baseline"]);
    assert_eq!(written.status.code(), Some(0), "{}", stderr(&written));
    let file = dir.join("archfit-baseline.json");
    let baseline: Value =
        serde_json::from_str(&std::fs::read_to_string(&file).expect("baseline written"))
            .expect("JSON");
    assert_eq!(baseline["schema"], 1);
    assert!(baseline["entries"]
        .as_array()
        .is_some_and(|e| !e.is_empty()));

    let (report, code) = json(&dir, &["--baseline", file.to_str().expect("utf-8")]);
    assert_eq!(code, Some(0), "{report:#}");
    assert_eq!(report["findings"].as_array().map(Vec::len), Some(0));
    assert_eq!(report["summary"]["baselined"], 14);

    // A new dependency of payments on inventory's internal crate.
    insert_line(
        &dir.join("services/payments/Cargo.toml"),
        "[dependencies]\n",
        "inventory-stock = { path = \"../inventory/stock\" }\n",
    );
    let (report, code) = json(&dir, &["--baseline", file.to_str().expect("utf-8")]);
    assert_eq!(code, Some(1));
    let findings = report["findings"].as_array().expect("findings");
    assert_eq!(findings.len(), 1, "{report:#}");
    assert_eq!(
        findings[0]["location"]["file"],
        "services/payments/Cargo.toml"
    );
    assert!(findings[0]["message"]
        .as_str()
        .is_some_and(|m| m.contains("inventory-stock")));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn fingerprints_survive_moved_code_and_unrelated_edits() {
    let dir = scratch_copy("shop", "fingerprints");
    assert_eq!(archfit_in(&dir, &["baseline"]).status.code(), Some(0));
    // Unrelated edits above every finding: comments, blank lines, a new function.
    insert_line(
        &dir.join("services/orders/Cargo.toml"),
        "[dependencies]\n",
        "# Pinned until the 2.x migration.\n\n",
    );
    insert_line(
        &dir.join("services/notifications/Cargo.toml"),
        "[package]\n",
        "# Owned by the messaging team.\n",
    );
    for file in [
        "services/orders/src/billing.rs",
        "services/orders/src/checkout.rs",
        "services/inventory/src/expiry.rs",
    ] {
        let path = dir.join(file);
        let text = std::fs::read_to_string(&path).expect("read");
        std::fs::write(&path, format!("// Reviewed in the Q3 architecture pass.\n\n{text}\nfn helper_added_later() {{}}\n")).expect("write");
    }
    let (report, code) = json(
        &dir,
        &[
            "--baseline",
            dir.join("archfit-baseline.json").to_str().expect("utf-8"),
        ],
    );
    assert_eq!(code, Some(0), "{report:#}");
    assert_eq!(report["summary"]["baselined"], 14);
    assert!(report["diagnostics"]
        .as_array()
        .is_some_and(|d| d.iter().all(|x| !x["message"]
            .as_str()
            .unwrap_or("")
            .contains("baseline entry"))));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn fixed_findings_are_reported_so_the_baseline_can_shrink() {
    let dir = scratch_copy("shop", "shrink");
    assert_eq!(archfit_in(&dir, &["baseline"]).status.code(), Some(0));
    let manifest = dir.join("services/orders/Cargo.toml");
    let text = std::fs::read_to_string(&manifest).expect("read");
    std::fs::write(&manifest, text.replace("acme-ledger = \"2.1\"\n", "")).expect("write");
    let (report, code) = json(
        &dir,
        &[
            "--baseline",
            dir.join("archfit-baseline.json").to_str().expect("utf-8"),
        ],
    );
    assert_eq!(code, Some(0));
    let stale: Vec<&Value> = report["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter(|d| {
            d["message"]
                .as_str()
                .is_some_and(|m| m.contains("less than recorded"))
        })
        .collect();
    assert_eq!(stale.len(), 1, "{report:#}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn baseline_errors_exit_2() {
    let dir = scratch_copy("shop", "baseline-errors");
    let missing = archfit_in(&dir, &["check", "--baseline", "nope.json"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        stderr(&missing).contains("cannot read the baseline"),
        "{}",
        stderr(&missing)
    );
    std::fs::write(dir.join("newer.json"), r#"{"schema": 7, "entries": []}"#).expect("write");
    let newer = archfit_in(&dir, &["check", "--baseline", "newer.json"]);
    assert_eq!(newer.status.code(), Some(2));
    assert!(
        stderr(&newer).contains("newer cargo-archfit"),
        "{}",
        stderr(&newer)
    );
    std::fs::write(dir.join("broken.json"), "{ entries").expect("write");
    let broken = archfit_in(&dir, &["check", "--baseline", "broken.json"]);
    assert_eq!(broken.status.code(), Some(2));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn suppression_with_reason_removes_the_finding_and_is_counted() {
    let dir = scratch_copy("shop", "suppress");
    let manifest = dir.join("services/orders/Cargo.toml");
    let text = std::fs::read_to_string(&manifest).expect("read");
    let text = text.replace(
        "stock = { package",
        "# archfit: allow(services-do-not-depend-on-services) reservations move to inventory's API in ADR-0009\nstock = { package",
    );
    std::fs::write(&manifest, text).expect("write");
    let (report, _) = json(&dir, &[]);
    assert_eq!(report["summary"]["suppressed"], 1, "{report:#}");
    let rules: Vec<&str> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["rule"].as_str())
        .collect();
    assert_eq!(
        rules
            .iter()
            .filter(|r| **r == "services-do-not-depend-on-services")
            .count(),
        1
    );
    assert!(!rules.contains(&"unused-suppression"));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn suppression_without_reason_or_target_is_reported() {
    let dir = scratch_copy("shop", "suppress-bad");
    let billing = dir.join("services/orders/src/billing.rs");
    let text = std::fs::read_to_string(&billing).expect("read");
    let text = text.replace(
        "use crate::pricing::{self, PriceBreakdown};",
        "// archfit: allow(no-module-cycles)\nuse crate::pricing::{self, PriceBreakdown};",
    );
    std::fs::write(
        &billing,
        format!("// archfit: allow(hexagonal-layers) nothing to see here\n{text}"),
    )
    .expect("write");
    let (report, _) = json(&dir, &[]);
    let rules: Vec<&str> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["rule"].as_str())
        .collect();
    assert!(rules.contains(&"suppression-needs-reason"), "{rules:?}");
    assert!(rules.contains(&"unused-suppression"), "{rules:?}");
    assert!(
        rules.contains(&"no-module-cycles"),
        "a reasonless suppression suppresses nothing: {rules:?}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn explain_a_check_documents_its_dialects_parameters_and_classes() {
    let output = archfit_in(
        Path::new(env!("CARGO_MANIFEST_DIR")),
        &["explain", "saga-compensation"],
    );
    assert_eq!(output.status.code(), Some(0));
    let text = stdout(&output);
    for needle in [
        "Builder chains",
        "Traits",
        "TOML",
        "saga_constructors",
        "non_compensable",
        "Fairy Tale Saga",
        "Anthology Saga",
    ] {
        assert!(text.contains(needle), "{needle} missing:\n{text}");
    }
}

#[test]
fn explain_a_rule_shows_its_table_and_decision() {
    let output = crate::archfit("shop", &["explain", "services-share-no-domain-code"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.contains("check: `shared-coupling`"), "{text}");
    assert!(
        text.contains("ADR-0003 Prefer duplication over coupling (Accepted)"),
        "{text}"
    );
    assert!(text.contains("external = [\"acme-*\"]"), "{text}");
    let unknown = crate::archfit("shop", &["explain", "no-such-thing"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(
        stderr(&unknown).contains("no check or rule named"),
        "{}",
        stderr(&unknown)
    );
}

#[test]
fn adr_matrix_lists_unenforced_decisions() {
    let output = crate::archfit("shop", &["adr", "--format", "json"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let matrix: Value = serde_json::from_str(&stdout(&output)).expect("JSON");
    let decisions = matrix["decisions"].as_array().expect("decisions");
    let first = decisions
        .iter()
        .find(|d| d["id"] == "0001")
        .expect("ADR-0001");
    assert_eq!(first["rules"].as_array().map(Vec::len), Some(0));
    let cycles = decisions
        .iter()
        .find(|d| d["id"] == "0005")
        .expect("ADR-0005");
    assert_eq!(cycles["rules"].as_array().map(Vec::len), Some(3));
    let text = stdout(&crate::archfit("shop", &["adr"]));
    assert!(text.contains("Decisions with no enforcing rule:\n  ADR-0001 Record architecture decisions (Accepted)"), "{text}");
}

#[test]
fn a_quantums_fingerprint_survives_another_quantum_losing_a_service() {
    let dir = scratch_copy(
        "quanta/fail-independent-through-billing",
        "quanta-fingerprint",
    );
    // Check sizes too, so the catalog/search quantum is a finding of its own.
    let config = dir.join("archfit.toml");
    insert_line(
        &config,
        "independent = [[\"orders\", \"payments\"]]",
        "\nmax_size = 1",
    );
    let fingerprints = |report: &Value| -> Vec<(String, String)> {
        let mut all: Vec<(String, String)> = report["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .map(|f| {
                (
                    f["message"].as_str().unwrap_or_default().to_string(),
                    f["fingerprint"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect();
        all.sort();
        all
    };
    let (before, _) = json(&dir, &[]);
    let before = fingerprints(&before);
    assert_eq!(before.len(), 2, "{before:?}");
    // search gets a database of its own: the catalog/search quantum falls
    // apart, the orders/billing/payments quantum is untouched.
    let text = std::fs::read_to_string(&config).expect("read");
    let text = text.replacen(
        "crates = [\"services/search\"]\ndatabase = \"catalog\"",
        "crates = [\"services/search\"]\ndatabase = \"search\"",
        1,
    );
    std::fs::write(&config, text).expect("write");
    let (after, _) = json(&dir, &[]);
    let after = fingerprints(&after);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(after.len(), 1, "{after:?}");
    let kept = before
        .iter()
        .find(|(message, _)| message.contains("orders and payments"))
        .expect("the orders/payments quantum");
    assert_eq!(&after[0], kept);
}
