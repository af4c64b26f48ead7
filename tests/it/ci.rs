//! What CI reads: files named from the repository root for a workspace in a
//! subfolder, absolute links once the repository's address is known, SARIF
//! and JUnit files written even when the run fails (exit 2), and baselined
//! or suppressed findings shown as dismissed SARIF results.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

use crate::formats::sarif_schema_errors;
use crate::{stderr, stdout};

const SHA: &str = "4f1c2a9e0b7d3c5a8e6f1b2d4c7a9e0f3b5d8c1a";

/// A repository (a `.git` folder is all that marks it) holding the shop
/// workspace in `platform/backend/`; returns (repository, workspace).
fn shop_in_a_subfolder(tag: &str) -> (PathBuf, PathBuf) {
    let repository = std::env::temp_dir().join(format!("archfit-ci-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&repository);
    std::fs::create_dir_all(repository.join(".git")).expect("mkdir .git");
    let workspace = repository.join("platform").join("backend");
    crate::copy_dir(&crate::fixture("shop"), &workspace);
    (repository, workspace)
}

/// Runs the binary in `dir` with exactly the GitHub variables in `env`.
fn run(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cargo-archfit"));
    command
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("GITHUB_SERVER_URL")
        .env_remove("GITHUB_REPOSITORY")
        .env_remove("GITHUB_SHA");
    command.envs(env.iter().copied());
    command.output().expect("cargo-archfit runs")
}

fn check(workspace: &Path, format: &str, env: &[(&str, &str)]) -> String {
    let manifest = workspace.join("Cargo.toml");
    let output = run(
        workspace,
        &[
            "check",
            "--format",
            format,
            "--manifest-path",
            manifest.to_str().expect("UTF-8 temp path"),
        ],
        env,
    );
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    stdout(&output)
}

/// Destinations of the Markdown links of `text`.
fn link_destinations(text: &str) -> Vec<&str> {
    text.split("](")
        .skip(1)
        .map(|rest| &rest[..rest.find(')').expect("a link ends")])
        .collect()
}

const GITHUB_RUN: &[(&str, &str)] = &[
    ("GITHUB_SERVER_URL", "https://github.com"),
    ("GITHUB_REPOSITORY", "acme/shop"),
    ("GITHUB_SHA", SHA),
];

#[test]
fn a_workspace_in_a_subfolder_is_annotated_from_the_repository_root() {
    let (repository, workspace) = shop_in_a_subfolder("subfolder");
    let json: Value = serde_json::from_str(&check(&workspace, "json", &[])).expect("JSON");
    let files: Vec<&str> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["location"]["file"].as_str())
        .collect();
    assert!(!files.is_empty());
    // The JSON report stays relative to the workspace, as documented.
    assert!(
        files.iter().all(|f| !f.starts_with("platform/")),
        "{files:?}"
    );

    let log: Value = serde_json::from_str(&check(&workspace, "sarif", &[])).expect("SARIF");
    let errors = sarif_schema_errors(&log);
    assert!(errors.is_empty(), "{errors:#?}");
    let uris: Vec<&str> = log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str())
        .collect();
    let expected: Vec<String> = files
        .iter()
        .map(|f| format!("platform/backend/{f}"))
        .collect();
    assert_eq!(uris, expected);

    let github = check(&workspace, "github", &[]);
    for command in github.lines().filter(|l| l.starts_with("::")) {
        if let Some(file) = command.split("file=").nth(1) {
            assert!(file.starts_with("platform/backend/"), "{command}");
        }
    }
    assert!(github.contains("file=platform/backend/services/"));

    let markdown = check(&workspace, "markdown", &[]);
    let links = link_destinations(&markdown);
    assert!(!links.is_empty());
    for link in links {
        assert!(link.starts_with("platform/backend/"), "{link}");
    }
    assert!(!markdown.contains(repository.to_str().unwrap()));
    std::fs::remove_dir_all(&repository).ok();
}

#[test]
fn a_github_run_links_every_file_at_its_commit() {
    let (repository, workspace) = shop_in_a_subfolder("github-run");
    let base = format!("https://github.com/acme/shop/blob/{SHA}/platform/backend/");

    let markdown = check(&workspace, "markdown", GITHUB_RUN);
    let links = link_destinations(&markdown);
    assert!(links.len() > 10, "{markdown}");
    for link in &links {
        assert!(link.starts_with(&base), "{link}");
    }
    assert!(links
        .iter()
        .any(|l| l.ends_with("docs/adr/0003-prefer-duplication-over-coupling.md")));

    let log: Value = serde_json::from_str(&check(&workspace, "sarif", GITHUB_RUN)).expect("SARIF");
    let errors = sarif_schema_errors(&log);
    assert!(errors.is_empty(), "{errors:#?}");
    let run = &log["runs"][0];
    assert_eq!(
        run["versionControlProvenance"][0]["repositoryUri"],
        "https://github.com/acme/shop"
    );
    assert_eq!(run["versionControlProvenance"][0]["revisionId"], SHA);
    // Each rule whose decision is a file of the repository links its page.
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let with_adr: Vec<&Value> = rules
        .iter()
        .filter(|r| r["properties"]["adr"]["link"].is_string())
        .collect();
    assert!(!with_adr.is_empty());
    for rule in with_adr {
        let link = rule["properties"]["adr"]["link"].as_str().unwrap();
        assert_eq!(
            rule["helpUri"],
            format!("https://github.com/acme/shop/blob/{SHA}/{link}"),
            "{rule}"
        );
        assert!(link.starts_with("platform/backend/docs/adr/"), "{link}");
    }
    std::fs::remove_dir_all(&repository).ok();
}

#[test]
fn the_manifests_repository_gives_links_at_head() {
    let (repository, workspace) = shop_in_a_subfolder("manifest-url");
    let manifest = workspace.join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest).expect("manifest");
    let text = text.replace(
        "[workspace.package]\n",
        "[workspace.package]\nrepository = \"https://github.com/acme/shop\"\n",
    );
    std::fs::write(&manifest, text).expect("write manifest");
    let markdown = check(&workspace, "markdown", &[]);
    for link in link_destinations(&markdown) {
        assert!(
            link.starts_with("https://github.com/acme/shop/blob/HEAD/platform/backend/"),
            "{link}"
        );
    }
    std::fs::remove_dir_all(&repository).ok();
}

/// The two-service workspace with `config` as archfit.toml, and a folder
/// beside it for the reports.
fn two_services_with(tag: &str, extra: &[(&str, &[u8])]) -> (PathBuf, PathBuf) {
    let dir = crate::robustness::two_services(tag, extra);
    let reports = dir.with_extension("reports");
    let _ = std::fs::remove_dir_all(&reports);
    std::fs::create_dir_all(&reports).expect("mkdir reports");
    (dir, reports)
}

fn write_report(dir: &Path, format: &str, output: &Path) -> Output {
    run(
        dir,
        &[
            "check",
            "--format",
            format,
            "--output",
            output.to_str().expect("UTF-8 temp path"),
        ],
        &[],
    )
}

#[test]
fn a_broken_configuration_still_writes_sarif_and_junit() {
    let config: &[u8] = b"version = 1\n[[rule]]\nid = \"no-cycles\"\ncheck = \"cycels\"\n";
    let (dir, reports) = two_services_with("exit2-config", &[("archfit.toml", config)]);

    let sarif = reports.join("archfit.sarif");
    let output = write_report(&dir, "sarif", &sarif);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("unknown check `cycels`"));
    let log: Value =
        serde_json::from_str(&std::fs::read_to_string(&sarif).expect("SARIF written")).unwrap();
    let errors = sarif_schema_errors(&log);
    assert!(errors.is_empty(), "{errors:#?}");
    let run = &log["runs"][0];
    assert_eq!(run["results"], serde_json::json!([]));
    let invocation = &run["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    let text = invocation["toolExecutionNotifications"][0]["message"]["text"]
        .as_str()
        .unwrap();
    assert!(
        text.starts_with("unknown check `cycels`\n--> archfit.toml:4:9"),
        "{text}"
    );

    let junit = reports.join("archfit.xml");
    let output = write_report(&dir, "junit", &junit);
    assert_eq!(output.status.code(), Some(2));
    let text = std::fs::read_to_string(&junit).expect("JUnit written");
    let doc = roxmltree::Document::parse(&text).expect("well-formed XML");
    assert_eq!(doc.root_element().attribute("errors"), Some("1"));
    let error = doc
        .descendants()
        .find(|n| n.has_tag_name("error"))
        .expect("an errored test case");
    assert_eq!(error.attribute("type"), Some("config"));
    assert_eq!(
        error.parent().and_then(|case| case.attribute("name")),
        Some("analysis-complete")
    );

    // Formats nobody uploads unconditionally write nothing on failure.
    let json = reports.join("archfit.json");
    assert_eq!(write_report(&dir, "json", &json).status.code(), Some(2));
    assert!(!json.exists());
    std::fs::remove_dir_all(&dir).ok();
    std::fs::remove_dir_all(&reports).ok();
}

#[test]
fn a_file_that_could_not_be_analysed_fails_the_sarif_run_and_errs_the_junit_case() {
    let (dir, reports) = two_services_with(
        "exit2-unparsed",
        &[("services/orders/src/handlers.rs", b"pub fn list( {\n")],
    );
    let sarif = reports.join("archfit.sarif");
    assert_eq!(write_report(&dir, "sarif", &sarif).status.code(), Some(2));
    let log: Value = serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap();
    assert!(sarif_schema_errors(&log).is_empty());
    let invocation = &log["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    assert!(invocation["toolExecutionNotifications"]
        .as_array()
        .unwrap()
        .iter()
        .any(|n| n["level"] == "error"));
    // The findings of the files that were analysed are still there.
    assert!(!log["runs"][0]["results"].as_array().unwrap().is_empty());

    let junit = reports.join("archfit.xml");
    assert_eq!(write_report(&dir, "junit", &junit).status.code(), Some(2));
    let text = std::fs::read_to_string(&junit).unwrap();
    let doc = roxmltree::Document::parse(&text).expect("well-formed XML");
    let case = doc
        .descendants()
        .find(|n| n.attribute("name") == Some("analysis-complete"))
        .expect("the analysis-complete case");
    let error = case.children().find(|n| n.has_tag_name("error")).unwrap();
    assert!(error
        .text()
        .unwrap()
        .contains("services/orders/src/handlers.rs"));
    std::fs::remove_dir_all(&dir).ok();
    std::fs::remove_dir_all(&reports).ok();
}

#[test]
fn baselined_and_suppressed_findings_are_dismissed_sarif_results() {
    // orders calls billing's crate (suppressed where it is declared) and
    // shipping's (accepted in the baseline).
    let root: &[u8] = b"[workspace]\nresolver = \"2\"\nmembers = [\"services/orders\", \"services/billing\", \"services/shipping\"]\n";
    let orders: &[u8] = b"[package]\nname = \"orders\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\n# archfit: allow(no-service-deps) invoices move behind billing's API with ADR-0009\nbilling = { path = \"../billing\" }\nshipping = { path = \"../shipping\" }\n";
    let shipping: &[u8] =
        b"[package]\nname = \"shipping\"\nversion = \"0.1.0\"\nedition = \"2021\"\n";
    let config = [
        crate::robustness::CONFIG,
        b"[[service]]\nname = \"shipping\"\ncrates = [\"services/shipping\"]\n",
    ]
    .concat();
    let (dir, reports) = two_services_with(
        "dismissed",
        &[
            ("Cargo.toml", root),
            ("archfit.toml", &config),
            ("services/orders/Cargo.toml", orders),
            ("services/shipping/Cargo.toml", shipping),
            ("services/shipping/src/lib.rs", b"pub fn ship() {}\n"),
        ],
    );
    let baseline = run(&dir, &["baseline"], &[]);
    assert_eq!(baseline.status.code(), Some(0), "{}", stderr(&baseline));

    let sarif = reports.join("archfit.sarif");
    let output = write_report(&dir, "sarif", &sarif);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let log: Value = serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap();
    let errors = sarif_schema_errors(&log);
    assert!(errors.is_empty(), "{errors:#?}");
    let results = log["runs"][0]["results"].as_array().unwrap();
    let dismissed: Vec<(&str, &Value)> = results
        .iter()
        .map(|r| (r["ruleId"].as_str().unwrap(), &r["suppressions"][0]))
        .collect();
    assert_eq!(dismissed.len(), 2, "{results:#?}");
    let in_source = dismissed
        .iter()
        .find(|(_, s)| s["kind"] == "inSource")
        .expect("the commented dependency");
    assert_eq!(in_source.0, "no-service-deps");
    assert_eq!(
        in_source.1["justification"],
        "invoices move behind billing's API with ADR-0009"
    );
    assert_eq!(
        in_source.1["location"]["physicalLocation"]["region"]["startLine"],
        7
    );
    let external = dismissed
        .iter()
        .find(|(_, s)| s["kind"] == "external")
        .expect("the baselined dependency");
    assert_eq!(external.0, "no-service-deps");
    assert_eq!(
        log["runs"][0]["properties"],
        serde_json::json!({"baselined": 1, "suppressed": 1})
    );
    std::fs::remove_dir_all(&dir).ok();
    std::fs::remove_dir_all(&reports).ok();
}
