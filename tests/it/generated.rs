//! What the tool generates from its own definitions: JSON Schemas (from
//! the types that read archfit.toml and write the JSON report), shell
//! completions and man pages (from the clap definitions).

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::{archfit, archfit_in, fixture, scratch_copy, stderr, stdout};

fn repository() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `cargo-archfit <args>` run outside any workspace: these commands need none.
fn generate(args: &[&str]) -> String {
    let output = archfit_in(&std::env::temp_dir(), args);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{args:?}: {}",
        stderr(&output)
    );
    stdout(&output)
}

fn validator(schema: &str) -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(schema).expect("the schema is JSON");
    jsonschema::validator_for(&schema).expect("the schema compiles")
}

fn errors(validator: &jsonschema::Validator, instance: &Value) -> Vec<String> {
    validator
        .iter_errors(instance)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

/// A TOML file as the JSON value a schema validator reads.
fn toml_as_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).expect("read the TOML file");
    toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn committed_schemas_are_the_ones_the_types_give() {
    for (kind, file) in [
        ("config", "schemas/archfit.schema.json"),
        ("report", "schemas/report.schema.json"),
    ] {
        let committed = std::fs::read_to_string(repository().join(file)).unwrap_or_default();
        assert!(
            committed == generate(&["schema", kind]),
            "{file} is not what the types give: run \
             `cargo run -- schema {kind} > {file}` and review the diff"
        );
    }
}

/// Every archfit.toml the tool loads without a mistake: the fixtures, the
/// corpus, our own, the built-in pack.
fn working_configurations() -> Vec<PathBuf> {
    fn walk(dir: &Path, found: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("read dir").flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, found);
            } else if path.file_name().is_some_and(|n| n == "archfit.toml") {
                found.push(path);
            }
        }
    }
    let mut found = Vec::new();
    for dir in ["fixtures", "corpus"] {
        walk(&repository().join(dir), &mut found);
    }
    let broken = repository().join("fixtures/config");
    found.retain(|path| !path.starts_with(&broken));
    for loads in ["superseded-adr", "nested-folders-most-specific-wins"] {
        found.push(broken.join(loads).join("archfit.toml"));
    }
    found.push(repository().join("archfit.toml"));
    found.push(repository().join("rules/microservices.toml"));
    found.sort();
    found
}

#[test]
fn config_schema_accepts_every_configuration_the_tool_loads() {
    let validator = validator(&generate(&["schema", "config"]));
    let configurations = working_configurations();
    assert!(configurations.len() > 100, "{configurations:?}");
    let mut wrong = Vec::new();
    for path in &configurations {
        for error in errors(&validator, &toml_as_json(path)) {
            wrong.push(format!("{}: {error}", path.display()));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn config_schema_accepts_what_init_writes() {
    let dir = scratch_copy("shop", "schema-init");
    let output = archfit_in(&dir, &["init", "--force", "-q"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let validator = validator(&generate(&["schema", "config"]));
    let written = toml_as_json(&dir.join("archfit.toml"));
    let _ = std::fs::remove_dir_all(&dir);
    assert!(written["rule"].as_array().is_some_and(|r| r.len() > 3));
    let wrong = errors(&validator, &written);
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn config_schema_rejects_the_mistakes_it_can_see() {
    let validator = validator(&generate(&["schema", "config"]));
    for (case, mistake) in [
        ("unknown-key", "'tabels' was unexpected"),
        ("several-unknown-keys", "'exlude' was unexpected"),
        ("unknown-check", "/rule/0"),
        ("unknown-parameter", "/rule/0"),
        ("bad-severity", "/rule/0"),
    ] {
        let path = fixture("config").join(case).join("archfit.toml");
        let config = toml_as_json(&path);
        let found = errors(&validator, &config);
        assert!(!found.is_empty(), "{case}: the schema accepts it");
        assert!(
            found.iter().any(|e| e.contains(mistake)),
            "{case}: {found:#?}"
        );
    }
    // The parameters of one check are not those of another: `level`
    // belongs to `cycles`, not to `shared-coupling`.
    let crossed: Value = toml::from_str(
        r#"
        [[rule]]
        id = "shared"
        check = "shared-coupling"
        level = "crate"
        "#,
    )
    .expect("TOML");
    assert!(!errors(&validator, &crossed).is_empty());
    let typed: Value = toml::from_str(
        r#"
        [[rule]]
        id = "no-cycles"
        check = "cycles"
        level = "galaxy"
        "#,
    )
    .expect("TOML");
    assert!(!errors(&validator, &typed).is_empty());
}

#[test]
fn report_schema_accepts_the_reports_the_tool_writes() {
    let validator = validator(&generate(&["schema", "report"]));
    // Findings with ADRs and related places; sagas; a clean run.
    for case in [
        "shop",
        "saga-compensation/fail-choreography-events",
        "clean",
    ] {
        let output = archfit(case, &["check", "--format", "json"]);
        let report: Value = serde_json::from_str(&stdout(&output)).expect("JSON report");
        let wrong = errors(&validator, &report);
        assert!(wrong.is_empty(), "{case}: {wrong:#?}");
        if case == "shop" {
            assert!(report["findings"].as_array().is_some_and(|f| !f.is_empty()));
        }
    }
    // A key the schema does not know is not breaking (docs/json-report.md).
    let mut report: Value =
        serde_json::from_str(&stdout(&archfit("shop", &["check", "--format", "json"])))
            .expect("JSON report");
    report["summary"]["stale"] = Value::from(0);
    assert!(errors(&validator, &report).is_empty());
    report["summary"]["errors"] = Value::from("two");
    assert!(!errors(&validator, &report).is_empty());
}

#[test]
fn completions_name_every_command_in_each_shell() {
    let commands = [
        "check",
        "metrics",
        "graph",
        "baseline",
        "explain",
        "adr",
        "init",
        "schema",
        "completions",
        "man",
    ];
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let script = generate(&["completions", shell]);
        assert!(script.contains("cargo-archfit"), "{shell}");
        for command in commands {
            assert!(script.contains(command), "{shell}: no `{command}`");
        }
        assert!(script.contains("deny-warnings"), "{shell}");
    }
    let unknown = archfit_in(&std::env::temp_dir(), &["completions", "tcsh"]);
    assert_eq!(unknown.status.code(), Some(2));
}

/// What bash offers for the words typed so far (the last one being
/// completed), with the generated script loaded.
fn bash_offers(script: &Path, words: &[&str]) -> Vec<String> {
    let words: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let current = words.len() - 1;
    let previous = words
        .get(current.wrapping_sub(1))
        .cloned()
        .unwrap_or_default();
    let line = format!(
        "source '{}' && COMP_WORDS=({}) && COMP_CWORD={current} && \
         _cargo_archfit cargo-archfit {} {previous} && printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        script.display(),
        words.join(" "),
        words[current],
    );
    let output = Command::new("bash")
        .args(["--norc", "-c", &line])
        .output()
        .expect("bash runs");
    assert!(output.status.success(), "{}", stderr(&output));
    stdout(&output).lines().map(str::to_string).collect()
}

#[test]
fn bash_completes_commands_their_options_and_values() {
    let script = std::env::temp_dir().join(format!("archfit-{}.bash", std::process::id()));
    std::fs::write(&script, generate(&["completions", "bash"])).expect("write");
    let registered = Command::new("bash")
        .args(["--norc", "-c"])
        .arg(format!(
            "source '{}' && complete -p cargo-archfit",
            script.display()
        ))
        .output()
        .expect("bash runs");
    assert!(
        stdout(&registered).contains("cargo-archfit"),
        "{registered:?}"
    );
    assert_eq!(bash_offers(&script, &["cargo-archfit", "gr"]), ["graph"]);
    // Past the command: its own options, and the values of one.
    assert_eq!(
        bash_offers(&script, &["cargo-archfit", "graph", "--f"]),
        ["--format"]
    );
    assert_eq!(
        bash_offers(&script, &["cargo-archfit", "graph", "--level", ""]),
        ["service", "crate", "module", "quantum"]
    );
    assert_eq!(
        bash_offers(&script, &["cargo-archfit", "check", "--deny"]),
        ["--deny-warnings"]
    );
    let _ = std::fs::remove_file(&script);
}

#[test]
fn man_pages_of_the_tool_and_of_each_command() {
    let page = generate(&["man"]);
    assert!(page.contains(".TH cargo-archfit 1"), "{page}");
    for command in ["check", "graph", "explain", "schema", "completions"] {
        assert!(
            page.contains(&format!("cargo\\-archfit\\-{command}(1)")),
            "{command}"
        );
    }
    let check = generate(&["man", "check"]);
    assert!(check.contains(".TH cargo-archfit-check 1"), "{check}");
    assert!(check.contains("\\-\\-deny\\-warnings"), "{check}");
    assert!(check.contains("cargo-archfit 0."), "version: {check}");

    let unknown = archfit_in(&std::env::temp_dir(), &["man", "chek"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(
        stderr(&unknown).contains("check, metrics"),
        "{}",
        stderr(&unknown)
    );
}
