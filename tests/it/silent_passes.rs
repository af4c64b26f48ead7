//! What a check cannot see is never a silent pass: code behind macros, rules
//! whose patterns match nothing, dependencies through excluded crates,
//! sagas under another name. Each gives a finding or a warn diagnostic.

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

use crate::{archfit, archfit_in, scratch_copy, stderr, stdout};

fn check_json(dir: &Path) -> (Value, i32) {
    let output = archfit_in(dir, &["check", "--format", "json"]);
    let json = serde_json::from_str(&stdout(&output)).unwrap_or_else(|e| {
        panic!(
            "JSON report does not parse: {e}\nstderr: {}",
            stderr(&output)
        )
    });
    (json, output.status.code().unwrap_or(-1))
}

/// The diagnostics whose message contains `needle`.
fn diagnostics<'a>(json: &'a Value, needle: &str) -> Vec<&'a Value> {
    json["diagnostics"]
        .as_array()
        .expect("diagnostics array")
        .iter()
        .filter(|d| d["message"].as_str().is_some_and(|m| m.contains(needle)))
        .collect()
}

fn append(path: &Path, text: &str) {
    let mut current = std::fs::read_to_string(path).expect("readable");
    current.push_str(text);
    std::fs::write(path, current).expect("writable");
}

fn replace(path: &Path, from: &str, to: &str) {
    let current = std::fs::read_to_string(path).expect("readable");
    assert!(current.contains(from), "{} lacks {from:?}", path.display());
    std::fs::write(path, current.replace(from, to)).expect("writable");
}

#[test]
fn include_macro_content_is_a_warning_naming_file_and_macro() {
    let dir = scratch_copy("layers/pass-unlayered-module", "include");
    append(
        &dir.join("services/payments/src/acquirer.rs"),
        "\n// Client generated from the acquirer's OpenAPI spec by `make acquirer-client`.\ninclude!(\"acquirer_api.rs\");\n",
    );
    std::fs::write(
        dir.join("services/payments/src/acquirer_api.rs"),
        "pub fn capture_url(id: &str) -> String { format!(\"https://acquirer.example.com/captures/{id}\") }\n",
    )
    .expect("write");
    let (json, code) = check_json(&dir);
    let found = diagnostics(&json, "include!");
    assert_eq!(found.len(), 1, "{json:#}");
    assert_eq!(found[0]["severity"], "warn");
    assert!(
        found[0]["message"].as_str().is_some_and(|m| m.starts_with(
            "`include!(\"acquirer_api.rs\")` in services/payments/src/acquirer.rs is not analysed"
        )),
        "{:#}",
        found[0]
    );
    assert_eq!(found[0]["file"], "services/payments/src/acquirer.rs");
    assert_eq!(found[0]["line"], 44);
    assert_eq!(code, 0, "a warning alone does not fail the run");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn module_declared_inside_macro_rules_is_a_warning_naming_module_and_macro() {
    let dir = scratch_copy("layers/pass-unlayered-module", "macro-mod");
    append(
        &dir.join("services/payments/src/main.rs"),
        "\n/// Admin endpoints are only compiled into internal builds.\nmacro_rules! admin_routes {\n    () => {\n        mod admin;\n    };\n}\nadmin_routes!();\n",
    );
    let (json, _) = check_json(&dir);
    let found = diagnostics(&json, "declared inside macro");
    assert_eq!(found.len(), 1, "{json:#}");
    assert_eq!(
        found[0]["message"].as_str().unwrap_or_default().split(':').next(),
        Some("module `admin` declared inside macro `admin_routes!` in services/payments/src/main.rs is not followed")
    );
    assert_eq!(found[0]["severity"], "warn");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn layer_whose_modules_match_nothing_is_a_warning_at_the_pattern() {
    let dir = scratch_copy("layers/pass-unlayered-module", "layer-typo");
    replace(
        &dir.join("archfit.toml"),
        "modules = [\"domain\"]",
        "modules = [\"domian\"]",
    );
    let (json, _) = check_json(&dir);
    let found = diagnostics(&json, "matches no module");
    assert_eq!(found.len(), 1, "{json:#}");
    let message = found[0]["message"].as_str().unwrap_or_default();
    assert!(
        message.starts_with("rule `hexagonal-layers`: layer `domain` (domian) matches no module"),
        "{message}"
    );
    assert!(
        message.contains("domain"),
        "known modules are listed: {message}"
    );
    assert_eq!(found[0]["severity"], "warn");
    assert_eq!(found[0]["file"], "archfit.toml");
    assert_eq!(found[0]["line"], 24);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn layers_rule_whose_modules_all_match_gives_no_warning() {
    let output = archfit(
        "layers/pass-unlayered-module",
        &["check", "--format", "json"],
    );
    let json: Value = serde_json::from_str(&stdout(&output)).expect("JSON");
    assert!(
        diagnostics(&json, "matches no module").is_empty(),
        "{json:#}"
    );
}

#[test]
fn rule_limited_to_a_misspelt_service_is_a_config_error_at_the_name() {
    let dir = scratch_copy("layers/pass-unlayered-module", "service-typo");
    replace(
        &dir.join("archfit.toml"),
        "services = [\"payments\"]",
        "services = [\"paymnets\"]",
    );
    let output: Output = archfit_in(&dir, &["check"]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let err = stderr(&output);
    assert!(
        err.contains("rule `hexagonal-layers`: `paymnets` matches no service"),
        "{err}"
    );
    assert!(err.contains("archfit.toml:19:13"), "{err}");
    assert!(err.contains("services: payments"), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn cross_service_db_rule_with_no_owned_table_is_a_warning_and_with_one_is_not() {
    let dir = scratch_copy(
        "service-dependency/pass-path-attr-same-service",
        "no-tables",
    );
    append(
        &dir.join("archfit.toml"),
        "\n[[rule]]\nid = \"services-own-their-tables\"\ncheck = \"cross-service-db\"\nseverity = \"error\"\n",
    );
    let (json, code) = check_json(&dir);
    let found = diagnostics(&json, "no table has an owner");
    assert_eq!(found.len(), 1, "{json:#}");
    assert_eq!(found[0]["severity"], "warn");
    assert_eq!(code, 0);
    std::fs::remove_dir_all(&dir).ok();

    let dir = scratch_copy("cross-service-db/pass-own-tables", "owned-tables");
    let (json, _) = check_json(&dir);
    assert!(
        diagnostics(&json, "no table has an owner").is_empty(),
        "{json:#}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn saga_rule_that_finds_no_saga_is_a_warning() {
    let dir = scratch_copy("service-dependency/pass-path-attr-same-service", "no-saga");
    append(
        &dir.join("archfit.toml"),
        "\n[[rule]]\nid = \"every-saga-step-can-be-undone\"\ncheck = \"saga-compensation\"\nseverity = \"error\"\n",
    );
    let (json, code) = check_json(&dir);
    let found = diagnostics(&json, "found no saga");
    assert_eq!(found.len(), 1, "{json:#}");
    assert!(
        found[0]["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("rule `every-saga-step-can-be-undone`: found no saga")),
        "{:#}",
        found[0]
    );
    assert_eq!(code, 0);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn sagas_under_an_alias_or_from_a_helper_are_found_and_an_unrelated_workflow_is_not() {
    let output = archfit(
        "saga-compensation/pass-aliased-builder",
        &["check", "--format", "json"],
    );
    let json: Value = serde_json::from_str(&stdout(&output)).expect("JSON");
    let names: Vec<&str> = json["sagas"]
        .as_array()
        .expect("sagas")
        .iter()
        .filter_map(|s| s["name"].as_str())
        .collect();
    assert_eq!(names, ["cancel-order", "create-order"], "{json:#}");
    assert!(diagnostics(&json, "found no saga").is_empty());
}

/// A workspace written from `(path, text)` pairs into a fresh temp dir.
fn workspace(tag: &str, files: &[(&str, &str)]) -> PathBuf {
    crate::write_workspace(&format!("silent-{tag}"), files)
}

fn package(name: &str, dependencies: &str) -> String {
    format!("[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\n{dependencies}")
}

#[test]
fn shared_crate_reached_through_an_excluded_crate_still_counts_as_used() {
    // billing ships tools/invoice-render (excluded from the checks), which
    // compiles libs/pricing-rules; orders uses pricing-rules directly. Two
    // services use the shared domain crate.
    let billing = package(
        "billing",
        "invoice-render = { path = \"../../tools/invoice-render\" }\n",
    );
    let orders = package(
        "orders",
        "pricing-rules = { path = \"../../libs/pricing-rules\" }\n",
    );
    let render = package(
        "invoice-render",
        "pricing-rules = { path = \"../../libs/pricing-rules\" }\n",
    );
    let rules = package("pricing-rules", "");
    let dir = workspace(
        "shared-through-excluded",
        &[
            (
                "Cargo.toml",
                "[workspace]\nresolver = \"2\"\nmembers = [\"services/billing\", \"services/orders\", \"tools/invoice-render\", \"libs/pricing-rules\"]\n",
            ),
            (
                "archfit.toml",
                "version = 1\nexclude = [\"tools/*\"]\n\n[[service]]\nname = \"billing\"\ncrates = [\"services/billing\"]\n\n[[service]]\nname = \"orders\"\ncrates = [\"services/orders\"]\n\n[shared]\ncrates = [\"libs/*\"]\n\n[[rule]]\nid = \"services-share-no-domain-code\"\ncheck = \"shared-coupling\"\nseverity = \"error\"\n",
            ),
            ("services/billing/Cargo.toml", &billing),
            ("services/billing/src/main.rs", "fn main() { println!(\"{}\", invoice_render::render(1999)); }\n"),
            ("services/orders/Cargo.toml", &orders),
            ("services/orders/src/main.rs", "fn main() { println!(\"{}\", pricing_rules::with_vat(1999)); }\n"),
            ("tools/invoice-render/Cargo.toml", &render),
            ("tools/invoice-render/src/lib.rs", "pub fn render(cents: i64) -> String { format!(\"total {}\", pricing_rules::with_vat(cents)) }\n"),
            ("libs/pricing-rules/Cargo.toml", &rules),
            ("libs/pricing-rules/src/lib.rs", "pub fn with_vat(cents: i64) -> i64 { cents + cents / 5 }\n"),
        ],
    );
    let (json, code) = check_json(&dir);
    let findings = json["findings"].as_array().expect("findings");
    assert_eq!(findings.len(), 1, "{json:#}");
    let message = findings[0]["message"].as_str().unwrap_or_default();
    assert!(
        message.starts_with(
            "shared crate `pricing-rules` is used by 2 services (orders directly; billing through other crates)"
        ),
        "{message}"
    );
    assert_eq!(code, 1);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn service_cycles_rule_with_an_empty_graph_despite_declared_hosts_warns() {
    // Both services call each other through a client wrapper whose method
    // names the check does not know: no edge, so no cycle could be found.
    let service = |name: &str, other: &str| {
        format!(
            "//! {name}: keeps {other} in sync.\n\nmod peer;\n\nfn main() {{ peer::notify(\"{other}\"); }}\n"
        )
    };
    let peer = "pub fn notify(host: &str) { let _ = rpc::Channel::dial(host); }\n";
    let orders = service("orders", "payments");
    let payments = service("payments", "orders");
    let dir = workspace(
        "empty-service-graph",
        &[
            (
                "Cargo.toml",
                "[workspace]\nresolver = \"2\"\nmembers = [\"services/orders\", \"services/payments\"]\n",
            ),
            (
                "archfit.toml",
                "version = 1\n\n[[service]]\nname = \"orders\"\ncrates = [\"services/orders\"]\nhosts = [\"orders\"]\n\n[[service]]\nname = \"payments\"\ncrates = [\"services/payments\"]\nhosts = [\"payments\"]\n\n[[rule]]\nid = \"no-service-cycles\"\ncheck = \"cycles\"\nseverity = \"error\"\nlevel = \"service\"\n",
            ),
            ("services/orders/Cargo.toml", &package("orders", "")),
            ("services/orders/src/main.rs", &orders),
            ("services/orders/src/peer.rs", peer),
            ("services/payments/Cargo.toml", &package("payments", "")),
            ("services/payments/src/main.rs", &payments),
            ("services/payments/src/peer.rs", peer),
        ],
    );
    let (json, code) = check_json(&dir);
    let found = diagnostics(&json, "the service graph has no edge");
    assert_eq!(found.len(), 1, "{json:#}");
    assert!(
        found[0]["message"].as_str().is_some_and(|m| m.starts_with(
            "rule `no-service-cycles`: the service graph has no edge although services orders, payments declare hosts, topics or gRPC services"
        )),
        "{:#}",
        found[0]
    );
    assert_eq!(found[0]["file"], "archfit.toml");
    assert_eq!(code, 0);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn service_cycles_rule_with_edges_gives_no_empty_graph_warning() {
    let output = archfit(
        "cycles/fail-service-http-event",
        &["check", "--format", "json"],
    );
    let json: Value = serde_json::from_str(&stdout(&output)).expect("JSON");
    assert!(
        diagnostics(&json, "the service graph has no edge").is_empty(),
        "{json:#}"
    );
}

/// With manifest rules only, no source is read, so files shared through
/// `#[path]` are not looked for: the run says so instead of passing quietly.
#[test]
fn path_sharing_unchecked_without_sources_is_said() {
    let output = archfit(
        "service-dependency/fail-path-attr-shared-file",
        &[
            "check",
            "--format",
            "json",
            "--rule",
            "services-do-not-depend-on-services",
        ],
    );
    let json: Value = serde_json::from_slice(&output.stdout).expect("json");
    let said = json["diagnostics"].as_array().is_some_and(|all| {
        all.iter().any(|d| {
            d["severity"] == "info"
                && d["message"]
                    .as_str()
                    .is_some_and(|m| m.contains("#[path] were not looked for"))
        })
    });
    assert!(said, "{json:#}");
}
