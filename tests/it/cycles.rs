//! Cycle findings name their whole component and the edges to cut.

use serde_json::Value;

use crate::{archfit, archfit_in, stderr, stdout, write_workspace};

fn findings(output: &std::process::Output) -> Vec<Value> {
    let report: Value =
        serde_json::from_str(&stdout(output)).unwrap_or_else(|e| panic!("{e}: {}", stderr(output)));
    report["findings"].as_array().cloned().unwrap_or_default()
}

#[test]
fn a_component_finding_gives_its_members_and_the_cut_as_suggestion() {
    let output = archfit(
        "cycles/fail-module-component-of-four",
        &["check", "--format", "json"],
    );
    let findings = findings(&output);
    assert_eq!(findings.len(), 1, "{findings:#?}");
    let finding = &findings[0];
    assert_eq!(
        finding["message"],
        "module cycle in `subscriptions` among 4 modules (billing, invoicing, plans, pricing); \
         one of its cycles: billing → pricing → plans → billing"
    );
    assert_eq!(finding["suggestion"], "cut `pricing → plans` (3 uses)");
    let help = finding["help"].as_str().unwrap_or_default();
    assert!(help.starts_with("cut `pricing → plans` (3 uses)"), "{help}");
}

#[test]
fn findings_of_other_checks_have_a_null_suggestion() {
    let output = archfit("shop", &["check", "--format", "json"]);
    let findings = findings(&output);
    assert!(!findings.is_empty());
    for finding in findings.iter().filter(|f| f["check"] != "cycles") {
        assert!(finding["suggestion"].is_null(), "{finding:#}");
    }
}

/// Twelve stages of an import pipeline, each handing over to the next and
/// the last back to the first; stage05 also sends rejects back to stage00.
/// One component too big to list whole, whose shortest cycle is the
/// rejects loop.
#[test]
fn a_large_component_lists_ten_members_and_counts_the_rest() {
    let stages: Vec<String> = (0..12).map(|i| format!("stage{i:02}")).collect();
    let mut files: Vec<(String, String)> = vec![
        (
            "Cargo.toml".into(),
            "[package]\nname = \"importer\"\nversion = \"0.1.0\"\nedition = \"2021\"\n".into(),
        ),
        (
            "archfit.toml".into(),
            "version = 1\n\n[[service]]\nname = \"importer\"\ncrates = [\"importer\"]\n\n\
             [[rule]]\nid = \"no-module-cycles\"\ncheck = \"cycles\"\nseverity = \"error\"\nlevel = \"module\"\n"
                .into(),
        ),
    ];
    let mut lib = String::from("//! Imports partner catalogues stage by stage.\n");
    for (i, stage) in stages.iter().enumerate() {
        lib.push_str(&format!("pub mod {stage};\n"));
        let next = &stages[(i + 1) % stages.len()];
        let mut text = format!(
            "pub struct Batch(pub Vec<String>);\n\n\
             pub fn hand_over(batch: Batch) -> crate::{next}::Batch {{\n    crate::{next}::Batch(batch.0)\n}}\n"
        );
        if i == 5 {
            text.push_str(
                "\npub fn reject(rows: Vec<String>) -> crate::stage00::Batch {\n    crate::stage00::Batch(rows)\n}\n",
            );
        }
        files.push((format!("src/{stage}.rs"), text));
    }
    files.push(("src/lib.rs".into(), lib));
    let dir = write_workspace("cycles-large-component", &files);
    let output = archfit_in(&dir, &["check", "--format", "json"]);
    let findings = findings(&output);
    assert_eq!(findings.len(), 1, "{findings:#?}");
    let message = findings[0]["message"].as_str().unwrap_or_default();
    assert!(
        message.ends_with(
            "among 12 modules (stage00, stage01, stage02, stage03, stage04, stage05, stage06, \
             stage07, stage08, stage09 and 2 more); one of its cycles: \
             stage00 → stage01 → stage02 → stage03 → stage04 → stage05 → stage00"
        ),
        "{message}"
    );
    // Both loops share stage00 → … → stage05: one cut there is enough.
    let suggestion = findings[0]["suggestion"].as_str().unwrap_or_default();
    assert_eq!(suggestion.matches('→').count(), 1, "{suggestion}");
}

/// The service edges of a fixture, as (from, to, kind), sorted and deduplicated.
fn service_edges(fixture: &str) -> Vec<(String, String, String)> {
    let output = archfit(
        fixture,
        &["graph", "--level", "service", "--format", "json"],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let graph: Value = serde_json::from_str(&stdout(&output)).expect("graph JSON parses");
    let mut edges: Vec<(String, String, String)> = graph["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| {
            let s = |k: &str| e[k].as_str().unwrap_or_default().to_string();
            (s("from"), s("to"), s("kind"))
        })
        .collect();
    edges.sort();
    edges.dedup();
    edges
}

fn edge(from: &str, to: &str, kind: &str) -> (String, String, String) {
    (from.into(), to.into(), kind.into())
}

#[test]
fn client_layers_make_the_planted_edges_and_billings_traps_none() {
    // billing names the pool's own Context, reqwest::Client, a recorder of a
    // trait named for no service, and a routing requester only as an unused
    // `_routing` parameter: none of them is a call.
    assert_eq!(
        service_edges("cycles/fail-service-layered-client-wrappers"),
        [
            edge("dispatch", "routing", "grpc"),
            edge("routing", "dispatch", "grpc")
        ]
    );
}

#[test]
fn client_types_named_for_a_service_make_edges_and_own_apis_none() {
    // InventoryApi and ShippingApi are each service's own; CarrierLabelApi
    // names no service of ours.
    assert_eq!(
        service_edges("cycles/fail-service-named-client-types"),
        [
            edge("inventory", "pricing", "http"),
            edge("pricing", "inventory", "http")
        ]
    );
}
