//! Each fixture workspace lists the findings it must produce in
//! `expected.txt` (`<check> <rule> <file>:<line>`); the report must contain
//! exactly those for the checks this version runs, and nothing else.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::{archfit, fixture, stdout};

/// Checks whose expectations are enforced; lines of later checks are kept
/// in the fixtures as the plan for them.
const CHECKED: &[&str] = &[
    "service-dependency",
    "shared-coupling",
    "adr-status",
    "cycles",
    "layers",
    "cross-service-db",
    "saga-compensation",
];

fn expected(name: &str) -> BTreeSet<String> {
    let path = fixture(name).join("expected.txt");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter(|l| {
            CHECKED
                .iter()
                .any(|c| l.split_whitespace().next() == Some(c))
        })
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect()
}

fn reported(name: &str) -> (BTreeSet<String>, Value, i32) {
    let output = archfit(name, &["check", "--format", "json"]);
    let code = output.status.code().unwrap_or(-1);
    let json: Value = serde_json::from_str(&stdout(&output)).unwrap_or_else(|e| {
        panic!(
            "{name}: JSON report does not parse: {e}\nstderr: {}",
            crate::stderr(&output)
        )
    });
    let found = json["findings"]
        .as_array()
        .expect("findings array")
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
        .collect();
    (found, json, code)
}

fn assert_fixture(name: &str) {
    let (found, json, code) = reported(name);
    let want = expected(name);
    assert_eq!(
        found, want,
        "{name}: findings differ from expected.txt\n{json:#}"
    );
    let errors = json["summary"]["errors"].as_u64().unwrap_or_default();
    assert_eq!(code, if errors > 0 { 1 } else { 0 }, "{name}: exit code");
}

macro_rules! fixture_tests {
    ($($test:ident => $path:literal,)*) => {
        $(
            #[test]
            fn $test() {
                assert_fixture($path);
            }
        )*
    };
}

fixture_tests! {
    shop_reports_every_planted_dependency_violation => "shop",
    clean_workspace_has_no_findings => "clean",
    service_dependency_fail_direct => "service-dependency/fail-direct",
    service_dependency_fail_build_dependency => "service-dependency/fail-build-dependency",
    service_dependency_fail_transitive => "service-dependency/fail-transitive",
    service_dependency_fail_dev_when_enabled => "service-dependency/fail-dev-when-enabled",
    service_dependency_pass_allowed => "service-dependency/pass-allowed",
    service_dependency_pass_dev_only => "service-dependency/pass-dev-only",
    service_dependency_pass_transitive_disabled => "service-dependency/pass-transitive-disabled",
    service_dependency_fail_transitive_through_excluded => "service-dependency/fail-transitive-through-excluded",
    service_dependency_pass_transitive_excluded_dev_tool => "service-dependency/pass-transitive-excluded-dev-tool",
    service_dependency_fail_path_attr_shared_file => "service-dependency/fail-path-attr-shared-file",
    service_dependency_pass_path_attr_same_service => "service-dependency/pass-path-attr-same-service",
    shared_coupling_fail_domain_shared => "shared-coupling/fail-domain-shared",
    shared_coupling_fail_external => "shared-coupling/fail-external",
    shared_coupling_fail_through_shared => "shared-coupling/fail-through-shared",
    shared_coupling_pass_platform => "shared-coupling/pass-platform",
    shared_coupling_pass_max_services => "shared-coupling/pass-max-services",
    cycles_fail_module_cycle => "cycles/fail-module-cycle",
    cycles_fail_module_cycle_three => "cycles/fail-module-cycle-three",
    cycles_fail_crate_dev_cycle => "cycles/fail-crate-dev-cycle",
    cycles_fail_service_http_event => "cycles/fail-service-http-event",
    cycles_fail_service_grpc => "cycles/fail-service-grpc",
    cycles_pass_parent_child => "cycles/pass-parent-child",
    cycles_pass_super_sibling => "cycles/pass-super-sibling",
    cycles_pass_glob_imports => "cycles/pass-glob-imports",
    cycles_pass_pub_use_facade => "cycles/pass-pub-use-facade",
    cycles_pass_cfg_test => "cycles/pass-cfg-test",
    cycles_pass_macros => "cycles/pass-macros",
    cycles_pass_external_url => "cycles/pass-external-url",
    cycles_pass_own_topic => "cycles/pass-own-topic",
    cycles_pass_dev_only_crates_services => "cycles/pass-dev-only-crates-services",
    layers_fail_domain_uses_adapter => "layers/fail-domain-uses-adapter",
    layers_fail_domain_forbidden_crate => "layers/fail-domain-forbidden-crate",
    layers_fail_application_uses_adapter => "layers/fail-application-uses-adapter",
    layers_pass_downward_only => "layers/pass-downward-only",
    layers_pass_unlayered_module => "layers/pass-unlayered-module",
    layers_pass_other_service => "layers/pass-other-service",
    layers_pass_domain_uses_std_and_serde => "layers/pass-domain-uses-std-and-serde",
    cross_service_db_fail_const_binding => "cross-service-db/fail-const-binding",
    cross_service_db_fail_diesel_dsl => "cross-service-db/fail-diesel-dsl",
    cross_service_db_fail_env_var => "cross-service-db/fail-env-var",
    cross_service_db_fail_query_file => "cross-service-db/fail-query-file",
    cross_service_db_fail_raw_string => "cross-service-db/fail-raw-string",
    cross_service_db_fail_sea_orm => "cross-service-db/fail-sea-orm",
    cross_service_db_fail_shared_table => "cross-service-db/fail-shared-table",
    cross_service_db_fail_sqlx_macro => "cross-service-db/fail-sqlx-macro",
    cross_service_db_fail_two_owners => "cross-service-db/fail-two-owners",
    cross_service_db_pass_cte_and_aliases => "cross-service-db/pass-cte-and-aliases",
    cross_service_db_pass_log_messages => "cross-service-db/pass-log-messages",
    cross_service_db_pass_names_not_strings => "cross-service-db/pass-names-not-strings",
    cross_service_db_pass_own_tables => "cross-service-db/pass-own-tables",
    cross_service_db_pass_schema_qualified_own => "cross-service-db/pass-schema-qualified-own",
    cross_service_db_pass_test_temp_table => "cross-service-db/pass-test-temp-table",
    cross_service_db_fail_unparsed_sql => "cross-service-db/fail-unparsed-sql",
    cross_service_db_pass_unparsed_sql_own_table => "cross-service-db/pass-unparsed-sql-own-table",
    saga_compensation_fail_builder_missing_compensation => "saga-compensation/fail-builder-missing-compensation",
    saga_compensation_fail_builder_missing_retriable => "saga-compensation/fail-builder-missing-retriable",
    saga_compensation_fail_builder_non_compensable_before_pivot => "saga-compensation/fail-builder-non-compensable-before-pivot",
    saga_compensation_fail_builder_split_over_lets => "saga-compensation/fail-builder-split-over-lets",
    saga_compensation_fail_builder_stub_compensation => "saga-compensation/fail-builder-stub-compensation",
    saga_compensation_fail_no_pivot_non_compensable => "saga-compensation/fail-no-pivot-non-compensable",
    saga_compensation_fail_toml_missing_function => "saga-compensation/fail-toml-missing-function",
    saga_compensation_fail_trait_missing_compensation => "saga-compensation/fail-trait-missing-compensation",
    saga_compensation_fail_aliased_builder => "saga-compensation/fail-aliased-builder",
    saga_compensation_fail_builder_from_helper => "saga-compensation/fail-builder-from-helper",
    saga_compensation_pass_aliased_builder => "saga-compensation/pass-aliased-builder",
    saga_compensation_pass_compensation_in_other_module => "saga-compensation/pass-compensation-in-other-module",
    saga_compensation_pass_correct_saga => "saga-compensation/pass-correct-saga",
    saga_compensation_pass_delegating_compensation => "saga-compensation/pass-delegating-compensation",
    saga_compensation_pass_opaque_step => "saga-compensation/pass-opaque-step",
    saga_compensation_pass_step_by_and_other_builders => "saga-compensation/pass-step-by-and-other-builders",
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
fn shop_human_report_snapshot() {
    let output = archfit("shop", &["check", "--color", "never"]);
    assert_eq!(output.status.code(), Some(1));
    insta::assert_snapshot!("shop_human", stdout(&output));
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
    assert_eq!(sagas[0]["class"], "Fairy Tale Saga");
    assert_eq!(sagas[0]["consistency"], "eventual");
}
