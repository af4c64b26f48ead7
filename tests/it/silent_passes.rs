//! What a check cannot see is never a silent pass: code behind macros, rules
//! whose patterns match nothing, dependencies through excluded crates,
//! sagas under another name. Each gives a finding or a warn diagnostic.

use std::path::Path;

use serde_json::Value;

use crate::{archfit_in, scratch_copy, stderr, stdout};

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
