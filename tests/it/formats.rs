//! The machine formats on the shop workspace, parsed back and held against
//! the JSON report of the same run: SARIF (and the SARIF 2.1.0 schema),
//! JUnit XML, GitHub workflow commands, Markdown.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::{archfit, stderr, stdout};

/// `cargo-archfit check --format <format>` on the shop; it has error
/// findings, so every format exits 1.
fn report(format: &str) -> String {
    let output = archfit("shop", &["check", "--format", format]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    stdout(&output)
}

/// The shop's folder relative to the git work tree that holds it
/// (`fixtures/shop/` in a checkout of this repository, empty outside one):
/// SARIF, GitHub and Markdown name files from there, the JSON report from
/// the workspace root.
fn repository_prefix() -> String {
    let shop = crate::fixture("shop");
    let top = shop.ancestors().find(|dir| dir.join(".git").exists());
    top.map(|top| {
        shop.strip_prefix(top)
            .unwrap()
            .components()
            .map(|c| format!("{}/", c.as_os_str().to_str().unwrap()))
            .collect()
    })
    .unwrap_or_default()
}

fn json_report() -> Value {
    serde_json::from_str(&report("json")).expect("the JSON report parses")
}

fn findings(json: &Value) -> &Vec<Value> {
    json["findings"].as_array().expect("findings")
}

/// Findings per rule at error or warn severity (the ones that fail).
fn failing_per_rule(json: &Value) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for finding in findings(json) {
        if finding["severity"] != "info" {
            *counts
                .entry(finding["rule"].as_str().unwrap().to_owned())
                .or_insert(0) += 1;
        }
    }
    counts
}

/// The schema in tests/data, with the stray `]` of its `language` pattern
/// corrected so that it passes its own meta-schema check (see the SARIF
/// unit tests); we never write `language`.
fn sarif_schema() -> Value {
    fn fix(value: &mut Value) {
        match value {
            Value::Object(map) => {
                for (key, value) in map.iter_mut() {
                    if key == "pattern" && value == "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$" {
                        *value = "^[a-zA-Z]{2}(-[a-zA-Z]{2})?$".into();
                    } else {
                        fix(value);
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(fix),
            _ => {}
        }
    }
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/sarif-schema-2.1.0.json"
    );
    let mut schema = serde_json::from_str(&std::fs::read_to_string(path).expect("schema file"))
        .expect("the schema is JSON");
    fix(&mut schema);
    schema
}

#[test]
fn every_format_is_byte_identical_across_runs() {
    for format in ["human", "json", "sarif", "junit", "github", "markdown"] {
        assert_eq!(
            report(format).as_bytes(),
            report(format).as_bytes(),
            "--format {format}"
        );
    }
}

/// Where `log` breaks the SARIF 2.1.0 schema, string formats included.
pub(crate) fn sarif_schema_errors(log: &Value) -> Vec<String> {
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&sarif_schema())
        .expect("the schema compiles");
    validator
        .iter_errors(log)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

#[test]
fn sarif_validates_against_the_sarif_2_1_0_schema() {
    let log: Value = serde_json::from_str(&report("sarif")).expect("SARIF is JSON");
    let errors = sarif_schema_errors(&log);
    assert!(errors.is_empty(), "{errors:#?}");
}

#[test]
fn sarif_has_a_result_per_finding_and_a_descriptor_per_rule() {
    let json = json_report();
    let log: Value = serde_json::from_str(&report("sarif")).expect("SARIF is JSON");
    let run = &log["runs"][0];
    let results = run["results"].as_array().expect("results");
    assert_eq!(results.len(), findings(&json).len());

    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    for rule in json["rules"].as_array().unwrap() {
        assert!(ids.contains(&rule["id"].as_str().unwrap()), "{rule}");
    }
    for (result, finding) in results.iter().zip(findings(&json)) {
        assert_eq!(result["ruleId"], finding["rule"]);
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], result["ruleId"]);
        assert_eq!(
            result["partialFingerprints"]["archfit/v1"],
            finding["fingerprint"]
        );
    }
}

#[test]
fn sarif_rules_lead_to_their_decision() {
    let log: Value = serde_json::from_str(&report("sarif")).expect("SARIF is JSON");
    let json = json_report();
    let rules = log["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    let mut with_adr = 0;
    for rule in json["rules"].as_array().unwrap() {
        let Some(link) = rule["adr"]["link"].as_str() else {
            continue;
        };
        with_adr += 1;
        let descriptor = rules.iter().find(|d| d["id"] == rule["id"]).unwrap();
        let link = if link.contains("://") {
            link.to_owned()
        } else {
            format!("{}{link}", repository_prefix())
        };
        let link = link.as_str();
        assert_eq!(descriptor["properties"]["adr"]["link"], link);
        assert_eq!(
            descriptor["properties"]["adr"]["title"],
            rule["adr"]["title"]
        );
        assert_eq!(
            descriptor["properties"]["adr"]["status"],
            rule["adr"]["status"]
        );
        if link.contains("://") {
            assert_eq!(descriptor["helpUri"], link);
        } else {
            // helpUri must be absolute; a workspace ADR is linked from help.
            assert!(descriptor.get("helpUri").is_none(), "{descriptor}");
            assert!(
                descriptor["help"]["markdown"]
                    .as_str()
                    .unwrap()
                    .contains(&format!("]({link})")),
                "{descriptor}"
            );
        }
    }
    assert!(with_adr > 0, "the shop's rules have ADRs");
}

#[test]
fn sarif_locations_are_relative_to_the_repository() {
    let json = json_report();
    let log: Value = serde_json::from_str(&report("sarif")).expect("SARIF is JSON");
    let results = log["runs"][0]["results"].as_array().unwrap();
    for (result, finding) in results.iter().zip(findings(&json)) {
        let physical = &result["locations"][0]["physicalLocation"];
        let artifact = &physical["artifactLocation"];
        assert_eq!(artifact["uriBaseId"], "%SRCROOT%");
        let uri = artifact["uri"].as_str().unwrap();
        assert!(!uri.starts_with('/') && !uri.contains("://"), "{uri}");
        assert_eq!(
            uri,
            format!(
                "{}{}",
                repository_prefix(),
                finding["location"]["file"].as_str().unwrap()
            )
        );
        assert_eq!(physical["region"]["startLine"], finding["location"]["line"]);
        assert_eq!(
            physical["region"]["endColumn"],
            finding["location"]["end_column"]
        );
    }
    let root = crate::fixture("shop");
    assert!(!report("sarif").contains(root.to_str().unwrap()));
}

#[test]
fn junit_counts_match_the_json_report() {
    let json = json_report();
    let text = report("junit");
    let doc = roxmltree::Document::parse(&text).expect("JUnit is well-formed XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");

    let rules = json["rules"].as_array().unwrap();
    let mut checks: Vec<&str> = rules.iter().map(|r| r["check"].as_str().unwrap()).collect();
    checks.sort_unstable();
    checks.dedup();
    let suites: Vec<&str> = root
        .children()
        .filter(|n| n.has_tag_name("testsuite"))
        .map(|n| n.attribute("name").unwrap())
        .filter(|name| *name != "tool-diagnostics")
        .collect();
    assert_eq!(suites, checks);

    let cases: Vec<roxmltree::Node> = doc
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    assert_eq!(cases.len(), rules.len());
    assert_eq!(
        root.attribute("tests"),
        Some(rules.len().to_string().as_str())
    );

    let failing = failing_per_rule(&json);
    for case in &cases {
        let name = case.attribute("name").unwrap();
        let failures = case
            .children()
            .filter(|n| n.has_tag_name("failure"))
            .count();
        assert_eq!(failures, failing.get(name).copied().unwrap_or(0), "{name}");
    }
    let all_failures = doc
        .descendants()
        .filter(|n| n.has_tag_name("failure"))
        .count();
    let summary = &json["summary"];
    assert_eq!(
        all_failures as u64,
        summary["errors"].as_u64().unwrap() + summary["warnings"].as_u64().unwrap()
    );
    assert_eq!(
        root.attribute("failures"),
        Some(failing.len().to_string().as_str())
    );
}

#[test]
fn github_prints_an_escaped_command_per_finding_and_the_total() {
    let json = json_report();
    let text = report("github");
    let lines: Vec<&str> = text.lines().collect();
    let commands: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| l.starts_with("::"))
        .collect();
    let diagnostics = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["severity"] != "info")
        .count();
    assert_eq!(commands.len(), findings(&json).len() + diagnostics);

    let mut with_decision = 0;
    for command in &commands[..findings(&json).len()] {
        let (head, message) = command[2..]
            .split_once("::")
            .expect("::name props::message");
        assert!(!message.contains('\r'));
        let (name, properties) = head.split_once(' ').expect("properties");
        assert!(matches!(name, "error" | "warning" | "notice"), "{name}");
        let keys: Vec<&str> = properties
            .split(',')
            .map(|p| p.split_once('=').expect("key=value").0)
            .collect();
        assert_eq!(
            keys,
            ["file", "line", "col", "endLine", "endColumn", "title"]
        );
        assert!(
            properties.split(',').all(|p| !p.contains(':')),
            "{properties}"
        );
        with_decision += usize::from(message.contains("%0Adecision: ADR-"));
    }
    // Every finding whose rule cites a decision says so (pack rules the
    // shop does not override cite none).
    let cited = findings(&json)
        .iter()
        .filter(|f| !f["adr"].is_null())
        .count();
    assert_eq!(with_decision, cited);
    for finding in findings(&json) {
        let location = &finding["location"];
        let expected = format!(
            "file={}{},line={},col={},",
            repository_prefix(),
            location["file"].as_str().unwrap(),
            location["line"],
            location["column"]
        );
        assert!(commands.iter().any(|c| c.contains(&expected)), "{expected}");
    }

    // The last line is the human report's total line (which a hint may follow).
    let human = report("human");
    let total = human.lines().rfind(|l| l.starts_with("archfit: "));
    assert_eq!(lines.last(), total.as_ref());
}

#[test]
fn markdown_groups_findings_under_their_decision() {
    let json = json_report();
    let text = report("markdown");
    assert!(text.starts_with(
        "## cargo-archfit\n\n| errors | warnings | infos | baselined | suppressed |\n"
    ));

    let mut per_adr: BTreeMap<String, usize> = BTreeMap::new();
    for finding in findings(&json) {
        let heading = match finding["adr"].as_object() {
            Some(adr) => format!(
                "### ADR-{} {} ({})",
                adr["id"].as_str().unwrap(),
                adr["title"].as_str().unwrap(),
                adr["status"].as_str().unwrap()
            ),
            None => "### No decision recorded".to_owned(),
        };
        *per_adr.entry(heading).or_insert(0) += 1;
    }
    let headings: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("### ADR-") || *l == "### No decision recorded")
        .collect();
    // Sorted by ADR number, which is the key order of `per_adr` here.
    assert_eq!(
        headings,
        per_adr.keys().map(String::as_str).collect::<Vec<_>>()
    );
    for (heading, n) in &per_adr {
        let group = &text[text.find(heading.as_str()).unwrap()..];
        let noun = if *n == 1 { "finding" } else { "findings" };
        assert!(group.contains(&format!("\n\n{n} {noun}")), "{heading}");
    }
    for finding in findings(&json) {
        let file = finding["location"]["file"].as_str().unwrap();
        let line = &finding["location"]["line"];
        let prefix = repository_prefix();
        assert!(
            text.contains(&format!("]({prefix}{file}#L{line})")),
            "{file}:{line}"
        );
    }
}
