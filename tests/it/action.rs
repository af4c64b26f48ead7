//! The GitHub Action (`action.yml`) run here the way a runner would: its
//! `run:` steps are taken from the file and executed with bash (as
//! `shell: bash` does on GitHub), with the GitHub variables set, a temporary
//! `GITHUB_STEP_SUMMARY` and `GITHUB_OUTPUT`, and the binary this test
//! built. The `uses:` steps are stood in for: the cache restores that
//! binary (or misses, and a stand-in `cargo install` records its arguments
//! and puts the binary in place), the upload records which file it would
//! send. `${{ }}` expressions and `if:` conditions are evaluated for the
//! forms the file uses; any other form fails the test, so a change to the
//! Action that this runner does not understand is noticed.
#![cfg(unix)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use yaml_rust2::{Yaml, YamlLoader};

const SHA: &str = "9c0d2e4f6a8b1c3d5e7f9a0b2c4d6e8f1a3b5c7d";

fn action() -> Yaml {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("action.yml");
    let text = std::fs::read_to_string(path).expect("action.yml");
    YamlLoader::load_from_str(&text)
        .expect("action.yml is YAML")
        .pop()
        .expect("one document")
}

fn text(yaml: &Yaml) -> Option<String> {
    match yaml {
        Yaml::String(s) => Some(s.clone()),
        Yaml::Boolean(b) => Some(b.to_string()),
        Yaml::Integer(i) => Some(i.to_string()),
        _ => None,
    }
}

/// One run of the Action.
struct Runner {
    inputs: BTreeMap<String, String>,
    outputs: BTreeMap<String, BTreeMap<String, String>>,
    env: Vec<(String, String)>,
    runner_temp: PathBuf,
    workspace: PathBuf,
    /// Whether the cache stand-in restores the binary.
    cache_hit: bool,
    /// What happened, per step name: `ran <code>`, `skipped`, `uses`.
    log: Vec<(String, String)>,
    /// The file the upload stand-in was given.
    uploaded: Option<PathBuf>,
    failed: bool,
}

impl Runner {
    fn new(tag: &str, workspace: &Path, inputs: &[(&str, &str)], cache_hit: bool) -> Runner {
        let runner_temp =
            std::env::temp_dir().join(format!("archfit-action-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&runner_temp);
        std::fs::create_dir_all(&runner_temp).expect("RUNNER_TEMP");
        let mut defaults = BTreeMap::new();
        let declared = action()["inputs"].as_hash().expect("inputs").clone();
        for (name, spec) in &declared {
            let name = text(name).expect("input name");
            defaults.insert(name, text(&spec["default"]).unwrap_or_default());
        }
        for (name, value) in inputs {
            assert!(defaults.contains_key(*name), "no input `{name}`");
            defaults.insert((*name).to_owned(), (*value).to_owned());
        }
        let summary = runner_temp.join("step-summary.md");
        std::fs::write(&summary, "").expect("summary");
        let env = [
            ("GITHUB_ACTIONS", "true".to_owned()),
            ("GITHUB_SERVER_URL", "https://github.com".to_owned()),
            ("GITHUB_REPOSITORY", "acme/shop".to_owned()),
            ("GITHUB_SHA", SHA.to_owned()),
            ("GITHUB_WORKSPACE", workspace.display().to_string()),
            ("GITHUB_ACTION_PATH", env!("CARGO_MANIFEST_DIR").to_owned()),
            ("GITHUB_STEP_SUMMARY", summary.display().to_string()),
            ("RUNNER_TEMP", runner_temp.display().to_string()),
            ("RUNNER_OS", "Linux".to_owned()),
            ("RUNNER_ARCH", "X64".to_owned()),
            ("NO_COLOR", "1".to_owned()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        Runner {
            inputs: defaults,
            outputs: BTreeMap::new(),
            env,
            runner_temp,
            workspace: workspace.to_path_buf(),
            cache_hit,
            log: Vec::new(),
            uploaded: None,
            failed: false,
        }
    }

    /// The value of an expression path such as `inputs.args`.
    fn value(&self, path: &str) -> String {
        let parts: Vec<&str> = path.split('.').collect();
        match parts.as_slice() {
            ["inputs", name] => self.inputs[*name].clone(),
            ["steps", id, "outputs", name] => self
                .outputs
                .get(*id)
                .and_then(|o| o.get(*name))
                .cloned()
                .unwrap_or_default(),
            ["runner", "temp"] => self.runner_temp.display().to_string(),
            _ => panic!("expression `{path}` is not understood by this runner"),
        }
    }

    /// `text` with every `${{ path }}` replaced.
    fn expand(&self, text: &str) -> String {
        let mut out = String::new();
        let mut rest = text;
        while let Some(start) = rest.find("${{") {
            out.push_str(&rest[..start]);
            let end = rest[start..].find("}}").expect("closed expression") + start;
            out.push_str(&self.value(rest[start + 3..end].trim()));
            rest = &rest[end + 2..];
        }
        out.push_str(rest);
        out
    }

    /// An `if:` condition: `always()` and `&&` of `path == 'literal'` or
    /// `path != 'literal'`; without one, the step runs while no step failed.
    fn condition(&self, condition: Option<&str>) -> bool {
        let Some(condition) = condition else {
            return !self.failed;
        };
        let mut always = false;
        let holds = condition.split(" && ").all(|term| {
            let term = term.trim();
            if term == "always()" {
                always = true;
                return true;
            }
            let (path, literal, equal) = match (term.split_once(" == "), term.split_once(" != ")) {
                (Some((p, l)), _) => (p, l, true),
                (None, Some((p, l))) => (p, l, false),
                _ => panic!("condition `{term}` is not understood by this runner"),
            };
            let literal = literal
                .trim()
                .strip_prefix('\'')
                .and_then(|l| l.strip_suffix('\''))
                .expect("a quoted literal");
            (self.value(path.trim()) == literal) == equal
        });
        holds && (always || !self.failed)
    }

    fn run(mut self) -> Outcome {
        let action = action();
        assert_eq!(action["runs"]["using"].as_str(), Some("composite"));
        for step in action["runs"]["steps"].as_vec().expect("steps") {
            let name = step["name"]
                .as_str()
                .expect("every step is named")
                .to_owned();
            let id = step["id"].as_str().map(str::to_owned);
            if !self.condition(step["if"].as_str()) {
                self.log.push((name, "skipped".into()));
                continue;
            }
            if let Some(uses) = step["uses"].as_str() {
                self.uses(uses, step, id.as_deref());
                self.log.push((name, "uses".into()));
                continue;
            }
            let script = step["run"].as_str().expect("a step runs or uses");
            let code = self.script(&name, script, step, id.as_deref());
            self.failed |= code != 0;
            self.log.push((name, format!("ran {code}")));
        }
        let summary =
            std::fs::read_to_string(self.runner_temp.join("step-summary.md")).expect("summary");
        Outcome {
            log: self.log,
            summary,
            outputs: self.outputs,
            uploaded: self.uploaded,
            runner_temp: self.runner_temp,
        }
    }

    fn uses(&mut self, uses: &str, step: &Yaml, id: Option<&str>) {
        let with = |key: &str| self.expand(step["with"][key].as_str().unwrap_or_default());
        if uses.starts_with("actions/cache@") {
            let root = PathBuf::from(with("path"));
            assert!(!with("key").is_empty(), "a cache key");
            if self.cache_hit {
                install_binary(&root);
            }
            let hit = if self.cache_hit { "true" } else { "" };
            self.set_output(id, "cache-hit", hit);
        } else if uses.starts_with("github/codeql-action/upload-sarif@") {
            assert_eq!(with("category"), self.inputs["category"]);
            self.uploaded = Some(PathBuf::from(with("sarif_file")));
        } else {
            panic!("`uses: {uses}` is not stood in for by this runner");
        }
    }

    fn set_output(&mut self, id: Option<&str>, key: &str, value: &str) {
        if let Some(id) = id {
            self.outputs
                .entry(id.to_owned())
                .or_default()
                .insert(key.to_owned(), value.to_owned());
        }
    }

    fn script(&mut self, name: &str, script: &str, step: &Yaml, id: Option<&str>) -> i32 {
        // GitHub expands `${{ }}` in a script before bash sees it: text
        // from an input or the workspace would become code.
        assert!(
            !script.contains("${{"),
            "step `{name}` expands an expression in its script"
        );
        assert_eq!(step["shell"].as_str(), Some("bash"), "step `{name}`");
        let file = self.runner_temp.join("step.sh");
        std::fs::write(&file, script).expect("script");
        let output_file = self.runner_temp.join("step-output");
        std::fs::write(&output_file, "").expect("GITHUB_OUTPUT");
        let dir = match step["working-directory"].as_str() {
            Some(dir) => PathBuf::from(self.expand(dir)),
            None => self.workspace.clone(),
        };
        let mut command = Command::new("bash");
        command
            .args(["--noprofile", "--norc", "-eo", "pipefail"])
            .arg(&file)
            .current_dir(dir)
            .env("PATH", self.path())
            .env("GITHUB_OUTPUT", &output_file);
        for (key, value) in &self.env {
            command.env(key, value);
        }
        if let Some(env) = step["env"].as_hash() {
            for (key, value) in env {
                let value = self.expand(&text(value).expect("env value"));
                command.env(text(key).expect("env key"), value);
            }
        }
        let output = command.output().expect("bash runs");
        let log = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        std::fs::write(self.runner_temp.join(format!("{name}.log")), &log).expect("log");
        let written = std::fs::read_to_string(&output_file).expect("GITHUB_OUTPUT");
        for line in written.lines() {
            let (key, value) = line.split_once('=').expect("key=value");
            self.set_output(id, key, value);
        }
        output.status.code().expect("not killed")
    }

    /// PATH with a stand-in `cargo` first: `cargo install` puts this test's
    /// binary where asked and records its arguments; anything else (the
    /// tool's own `cargo metadata`) goes to the real cargo.
    fn path(&self) -> String {
        let bin = self.runner_temp.join("fake-bin");
        std::fs::create_dir_all(&bin).expect("fake bin");
        let cargo = bin.join("cargo");
        std::fs::write(
            &cargo,
            format!(
                "#!/bin/sh\nif [ \"$1\" = install ]; then\n  printf '%s\\n' \"$PWD\" \"$@\" > '{record}'\n  while [ \"$1\" != --root ]; do shift; done\n  mkdir -p \"$2/bin\" && cp '{binary}' \"$2/bin/cargo-archfit\"\n  exit 0\nfi\nexec '{real}' \"$@\"\n",
                record = self.runner_temp.join("cargo-install-args").display(),
                binary = env!("CARGO_BIN_EXE_cargo-archfit"),
                real = env!("CARGO"),
            ),
        )
        .expect("fake cargo");
        make_executable(&cargo);
        format!(
            "{}:{}",
            bin.display(),
            std::env::var("PATH").unwrap_or_default()
        )
    }
}

fn make_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

/// What the cache restores: the binary under `<root>/bin`.
fn install_binary(root: &Path) {
    std::fs::create_dir_all(root.join("bin")).expect("cache root");
    std::fs::copy(
        env!("CARGO_BIN_EXE_cargo-archfit"),
        root.join("bin").join("cargo-archfit"),
    )
    .expect("restore the binary");
}

struct Outcome {
    log: Vec<(String, String)>,
    summary: String,
    outputs: BTreeMap<String, BTreeMap<String, String>>,
    uploaded: Option<PathBuf>,
    runner_temp: PathBuf,
}

impl Outcome {
    fn step(&self, name: &str) -> &str {
        &self
            .log
            .iter()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("no step `{name}`"))
            .1
    }

    fn check_log(&self) -> String {
        std::fs::read_to_string(self.runner_temp.join("Check the architecture.log"))
            .unwrap_or_default()
    }

    fn sarif(&self, file: &Path) -> Value {
        serde_json::from_str(&std::fs::read_to_string(file).expect("SARIF file")).expect("JSON")
    }
}

/// A checkout ($GITHUB_WORKSPACE, a `.git` folder marks it) with the shop
/// workspace in `platform/backend/`.
fn checkout_with_the_shop(tag: &str) -> PathBuf {
    let checkout = std::env::temp_dir().join(format!(
        "archfit-action-checkout-{tag}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&checkout);
    std::fs::create_dir_all(checkout.join(".git")).expect(".git");
    crate::copy_dir(
        &crate::fixture("shop"),
        &checkout.join("platform").join("backend"),
    );
    checkout
}

#[test]
fn findings_are_uploaded_summarised_and_fail_the_job() {
    let checkout = checkout_with_the_shop("findings");
    let run = Runner::new(
        "findings",
        &checkout,
        &[("manifest-path", "platform/backend/Cargo.toml")],
        false,
    )
    .run();

    // A cache miss builds the tool from the Action's own folder, locked,
    // from outside the checkout.
    assert_eq!(run.step("Install cargo-archfit"), "ran 0");
    let install = std::fs::read_to_string(run.runner_temp.join("cargo-install-args"))
        .expect("cargo install ran");
    let install: Vec<&str> = install.lines().collect();
    assert_eq!(install[0], run.runner_temp.display().to_string());
    assert_eq!(
        install[1..],
        [
            "install",
            "--locked",
            "--path",
            env!("CARGO_MANIFEST_DIR"),
            "--root",
            &run.runner_temp.join("cargo-archfit").display().to_string(),
        ]
    );

    assert_eq!(run.step("Check the architecture"), "ran 0");
    assert_eq!(run.outputs["check"]["exit-code"], "1");
    // The summary is the Markdown report, linked at the commit.
    assert!(
        run.summary.starts_with("## cargo-archfit\n"),
        "{}",
        run.summary
    );
    assert!(run.summary.contains(&format!(
        "](https://github.com/acme/shop/blob/{SHA}/platform/backend/services/"
    )));
    // Code scanning gets the findings, named from the repository root.
    assert_eq!(run.step("Upload SARIF to code scanning"), "uses");
    let uploaded = run.sarif(run.uploaded.as_ref().expect("an upload"));
    let results = uploaded["runs"][0]["results"].as_array().unwrap();
    assert!(!results.is_empty());
    for result in results {
        let uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap();
        assert!(uri.starts_with("platform/backend/"), "{uri}");
    }
    assert_eq!(run.step("Verdict"), "ran 1");
    std::fs::remove_dir_all(&checkout).ok();
    std::fs::remove_dir_all(&run.runner_temp).ok();
}

#[test]
fn a_run_that_could_not_check_fails_without_uploading() {
    let checkout = checkout_with_the_shop("exit2");
    std::fs::write(
        checkout.join("platform/backend/archfit.toml"),
        "version = 1\n[[rule]]\nid = \"no-cycles\"\ncheck = \"cycels\"\n",
    )
    .expect("broken config");
    let run = Runner::new(
        "exit2",
        &checkout,
        &[("manifest-path", "platform/backend/Cargo.toml")],
        true,
    )
    .run();
    assert_eq!(run.step("Install cargo-archfit"), "skipped");
    assert_eq!(run.outputs["check"]["exit-code"], "2");
    assert!(
        run.check_log().contains("unknown check `cycels`"),
        "{}",
        run.check_log()
    );
    // The SARIF file exists and says why; it is not uploaded, since a run
    // with no result would close every open alert.
    let written = run.sarif(Path::new(&run.outputs["check"]["sarif"]));
    assert_eq!(
        written["runs"][0]["invocations"][0]["executionSuccessful"],
        false
    );
    assert_eq!(run.step("Upload SARIF to code scanning"), "skipped");
    assert!(run.uploaded.is_none());
    assert!(
        run.summary
            .contains("could not check the workspace (exit 2)"),
        "{}",
        run.summary
    );
    assert_eq!(run.step("Verdict"), "ran 2");
    std::fs::remove_dir_all(&checkout).ok();
    std::fs::remove_dir_all(&run.runner_temp).ok();
}

#[test]
fn dismissed_findings_stay_out_of_the_upload_and_inputs_reach_the_tool() {
    // orders depends on billing (suppressed in place) and on shipping
    // (accepted in a baseline kept outside the workspace).
    let root: &[u8] = b"[workspace]\nresolver = \"2\"\nmembers = [\"services/orders\", \"services/billing\", \"services/shipping\"]\n";
    let orders: &[u8] = b"[package]\nname = \"orders\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\n# archfit: allow(no-service-deps) invoices move behind billing's API with ADR-0009\nbilling = { path = \"../billing\" }\nshipping = { path = \"../shipping\" }\n";
    let config = [
        crate::robustness::CONFIG,
        b"[[service]]\nname = \"shipping\"\ncrates = [\"services/shipping\"]\n",
    ]
    .concat();
    let checkout = crate::robustness::two_services(
        "action-dismissed",
        &[
            ("Cargo.toml", root),
            ("archfit.toml", &config),
            ("services/orders/Cargo.toml", orders),
            (
                "services/shipping/Cargo.toml",
                b"[package]\nname = \"shipping\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
            ),
            ("services/shipping/src/lib.rs", b"pub fn ship() {}\n"),
        ],
    );
    std::fs::create_dir_all(checkout.join(".git")).expect(".git");
    std::fs::create_dir_all(checkout.join("ci")).expect("ci folder");
    let written = crate::archfit_in(
        &checkout,
        &["baseline", "--output", "ci/archfit-baseline.json"],
    );
    assert_eq!(
        written.status.code(),
        Some(0),
        "{}",
        crate::stderr(&written)
    );

    let run = Runner::new(
        "dismissed",
        &checkout,
        &[
            ("baseline", "ci/archfit-baseline.json"),
            ("args", "--rule no-service-deps --deny-warnings"),
            ("category", "architecture-orders"),
        ],
        true,
    )
    .run();
    assert_eq!(
        run.outputs["check"]["exit-code"],
        "0",
        "{}",
        run.check_log()
    );
    // The tool's SARIF shows both findings as dismissed ...
    let written = run.sarif(Path::new(&run.outputs["check"]["sarif"]));
    let kinds: Vec<&str> = written["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["suppressions"][0]["kind"].as_str())
        .collect();
    assert_eq!(kinds.len(), 2, "{written:#}");
    assert!(kinds.contains(&"inSource") && kinds.contains(&"external"));
    // ... which code scanning would open as alerts: the upload has none,
    // and only the rule `--rule` selected.
    let uploaded = run.sarif(run.uploaded.as_ref().expect("an upload"));
    assert_eq!(uploaded["runs"][0]["results"], serde_json::json!([]));
    let rules: Vec<&str> = uploaded["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(rules, ["no-service-deps"]);
    assert!(
        run.summary.contains("| 0 | 0 | 0 | 1 | 1 |"),
        "{}",
        run.summary
    );
    assert_eq!(run.step("Verdict"), "ran 0");
    std::fs::remove_dir_all(&checkout).ok();
    std::fs::remove_dir_all(&run.runner_temp).ok();
}

#[test]
fn no_script_takes_an_input_or_runs_cargo_archfit_in_the_checkout() {
    let action = action();
    for step in action["runs"]["steps"].as_vec().expect("steps") {
        let Some(script) = step["run"].as_str() else {
            continue;
        };
        assert!(!script.contains("${{"), "{script}");
        assert!(!script.contains("cargo archfit"), "{script}");
        assert_eq!(
            step["working-directory"].as_str(),
            Some("${{ runner.temp }}"),
            "a step that runs cargo or the tool runs outside the checkout: {script}"
        );
    }
}

#[test]
fn pre_commit_hooks_run_the_short_check_on_the_whole_workspace() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(".pre-commit-hooks.yaml");
    let text = std::fs::read_to_string(path).expect(".pre-commit-hooks.yaml");
    let hooks = YamlLoader::load_from_str(&text)
        .expect("YAML")
        .pop()
        .expect("a document");
    let hooks = hooks.as_vec().expect("a list of hooks");
    let ids: Vec<&str> = hooks.iter().filter_map(|h| h["id"].as_str()).collect();
    assert_eq!(ids, ["cargo-archfit", "cargo-archfit-system"]);
    let languages: Vec<&str> = hooks
        .iter()
        .filter_map(|h| h["language"].as_str())
        .collect();
    assert_eq!(languages, ["rust", "system"]);
    for hook in hooks {
        assert!(hook["name"].as_str().is_some());
        assert_eq!(
            hook["entry"].as_str(),
            Some("cargo archfit check --format short")
        );
        // The check reads the workspace, never a list of staged files.
        assert_eq!(hook["pass_filenames"].as_bool(), Some(false));
        let types: Vec<&str> = hook["types_or"]
            .as_vec()
            .expect("types_or")
            .iter()
            .filter_map(Yaml::as_str)
            .collect();
        assert_eq!(types, ["rust", "toml", "markdown", "sql"]);
    }
}

#[test]
fn readme_workflow_uses_the_action_with_trusted_inputs_and_the_permissions_it_needs() {
    let workflow = crate::readme_yaml_block("/cargo-archfit@")
        .expect("README has a workflow that uses the Action");
    let workflow = workflow.as_str();
    let parsed = YamlLoader::load_from_str(workflow)
        .expect("the workflow is YAML")
        .pop()
        .expect("a document");
    let job = &parsed["jobs"]["archfit"];
    let permissions = job["permissions"].as_hash().expect("permissions");
    let granted: BTreeMap<String, String> = permissions
        .iter()
        .map(|(k, v)| (text(k).unwrap(), text(v).unwrap()))
        .collect();
    assert_eq!(
        granted,
        BTreeMap::from([
            ("actions".to_owned(), "read".to_owned()),
            ("contents".to_owned(), "read".to_owned()),
            ("security-events".to_owned(), "write".to_owned()),
        ])
    );
    let steps = job["steps"].as_vec().expect("steps");
    let action = steps
        .iter()
        .find(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.contains("/cargo-archfit@"))
        })
        .expect("the Action step");
    // Every input it passes is one the Action declares.
    let declared = action_inputs();
    for (key, _) in action["with"].as_hash().expect("with") {
        let key = text(key).unwrap();
        assert!(declared.contains(&key), "no input `{key}`");
    }
    assert_eq!(
        action["with"]["config"].as_str(),
        Some("${{ runner.temp }}/trusted/archfit.toml")
    );
    assert_eq!(
        action["with"]["baseline"].as_str(),
        Some("${{ runner.temp }}/trusted/archfit-baseline.json")
    );
    // The trusted files come from the base commit, before the Action runs.
    assert!(workflow.contains("git cat-file blob \"$BASE:archfit.toml\""));
    assert!(workflow.contains("github.event.pull_request.base.sha"));
    assert!(!workflow.contains("cargo archfit"));
}

fn action_inputs() -> Vec<String> {
    action()["inputs"]
        .as_hash()
        .expect("inputs")
        .keys()
        .filter_map(text)
        .collect()
}
