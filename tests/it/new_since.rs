//! `check --new-since <ref>`: git repositories built here, with a commit
//! before and after a change, and the gate judging only the change.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

use crate::{copy_dir, fixture, stderr, stdout};

/// A git repository in a fresh folder, with its own temporary directory
/// for the tool (so a test can see that nothing is left in it).
struct Repo {
    dir: PathBuf,
    top: PathBuf,
    tmp: PathBuf,
}

impl Repo {
    fn new(tag: &str) -> Repo {
        let dir = std::env::temp_dir().join(format!("archfit-ns-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let top = dir.join("repo");
        let tmp = dir.join("tmp");
        std::fs::create_dir_all(&top).expect("mkdir");
        std::fs::create_dir_all(&tmp).expect("mkdir");
        let repo = Repo { dir, top, tmp };
        repo.git(&["init", "-q", "-b", "main"]);
        repo
    }

    /// Runs git in the repository with no user or system configuration,
    /// fixed identities and dates (so commits hash the same every run).
    fn git(&self, args: &[&str]) -> Output {
        let output = git_command(&self.top)
            .args(args)
            .output()
            .expect("git runs");
        assert!(output.status.success(), "git {args:?}: {}", stderr(&output));
        output
    }

    fn commit(&self, message: &str) {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "-m", message]);
    }

    /// Copies `fixtures/<name>` to `at` inside the repository.
    fn copy_fixture(&self, name: &str, at: &str) {
        copy_dir(&fixture(name), &self.top.join(at));
    }

    fn path(&self, relative: &str) -> PathBuf {
        self.top.join(relative)
    }

    /// `cargo-archfit <args>` in `folder` of the repository.
    fn archfit(&self, folder: &str, args: &[&str]) -> Output {
        archfit_command(&self.top.join(folder), &self.tmp)
            .args(args)
            .output()
            .expect("cargo-archfit runs")
    }

    /// What the tool left in its temporary directory.
    fn leftovers(&self) -> Vec<String> {
        std::fs::read_dir(&self.tmp)
            .expect("tmp")
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect()
    }
}

impl Drop for Repo {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn git_command(dir: &Path) -> Command {
    let mut command = Command::new("git");
    command
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Dana Reviewer")
        .env("GIT_AUTHOR_EMAIL", "dana@example.com")
        .env("GIT_COMMITTER_NAME", "Dana Reviewer")
        .env("GIT_COMMITTER_EMAIL", "dana@example.com")
        .env("GIT_AUTHOR_DATE", "2026-01-05T10:00:00Z")
        .env("GIT_COMMITTER_DATE", "2026-01-05T10:00:00Z")
        .env("GIT_CEILING_DIRECTORIES", std::env::temp_dir());
    command
}

fn archfit_command(dir: &Path, tmp: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cargo-archfit"));
    command
        .current_dir(dir)
        .env("TMPDIR", tmp)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CEILING_DIRECTORIES", std::env::temp_dir())
        .env_remove("GITHUB_SERVER_URL")
        .env_remove("GITHUB_REPOSITORY")
        .env_remove("GITHUB_SHA")
        .env("NO_COLOR", "1");
    command
}

fn insert_line(file: &Path, after: &str, line: &str) {
    let text = std::fs::read_to_string(file).expect("read");
    let at = text.find(after).expect("anchor") + after.len();
    std::fs::write(file, format!("{}{line}{}", &text[..at], &text[at..])).expect("write");
}

/// The change every test reviews: payments starts to use inventory's
/// internal stock crate instead of its client.
fn add_stock_dependency(repo: &Repo, at: &str) {
    insert_line(
        &repo.path(&format!("{at}services/payments/Cargo.toml")),
        "[dependencies]\n",
        "inventory-stock = { path = \"../inventory/stock\" }\n",
    );
}

fn json(output: &Output) -> Value {
    serde_json::from_str(&stdout(output)).unwrap_or_else(|e| panic!("{e}: {}", stderr(output)))
}

#[test]
fn only_the_finding_the_change_adds_is_reported_in_a_subfolder_workspace() {
    let repo = Repo::new("subfolder");
    repo.copy_fixture("shop", "backend");
    std::fs::write(
        repo.path("README.md"),
        "# Shop\n\nThe backend lives in backend/.\n",
    )
    .expect("write");
    repo.commit("Shop backend");
    add_stock_dependency(&repo, "backend/");
    repo.commit("Payments reserves stock directly");

    // Everything: the 14 findings the shop had, and the new one.
    let all = repo.archfit("backend", &["check", "--format", "json"]);
    assert_eq!(all.status.code(), Some(1));
    assert_eq!(json(&all)["findings"].as_array().map(Vec::len), Some(15));

    let output = repo.archfit(
        "backend",
        &["check", "--new-since", "HEAD~1", "--format", "json"],
    );
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let report = json(&output);
    let findings = report["findings"].as_array().expect("findings");
    assert_eq!(findings.len(), 1, "{report:#}");
    assert_eq!(
        findings[0]["location"]["file"],
        "services/payments/Cargo.toml"
    );
    assert!(findings[0]["message"]
        .as_str()
        .is_some_and(|m| m.contains("inventory-stock")));
    let since = &report["summary"]["new_since"];
    assert_eq!(since["ref"], "HEAD~1");
    assert_eq!(since["at_ref"], 14);
    assert_eq!(since["unchanged"], 14);
    assert_eq!(since["new"], 1);
    let head_1 = stdout(&repo.git(&["rev-parse", "HEAD~1"]));
    assert_eq!(since["commit"], head_1.trim());
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/report.schema.json"),
        )
        .expect("schema"),
    )
    .expect("JSON");
    let validator = jsonschema::validator_for(&schema).expect("compiles");
    let wrong: Vec<String> = validator
        .iter_errors(&report)
        .map(|e| e.to_string())
        .collect();
    assert!(wrong.is_empty(), "{wrong:?}");

    let human = repo.archfit("backend", &["check", "--new-since", "HEAD~1"]);
    assert_eq!(human.status.code(), Some(1));
    let text = stdout(&human).replace(&head_1.trim()[..12], "[commit]");
    insta::assert_snapshot!("new_since_human", text);
    assert!(repo.leftovers().is_empty(), "{:?}", repo.leftovers());
}

#[test]
fn a_path_dependency_outside_the_workspace_folder_is_written_too() {
    let repo = Repo::new("outside-dep");
    repo.copy_fixture("shop", "backend");
    // The acquirer's SDK is vendored beside the backend, not in it.
    let sdk = repo.path("vendor/acquirer-sdk");
    std::fs::create_dir_all(sdk.join("src")).expect("mkdir");
    std::fs::write(
        sdk.join("Cargo.toml"),
        "[package]\nname = \"acquirer-sdk\"\nversion = \"3.2.0\"\nedition = \"2021\"\n",
    )
    .expect("write");
    std::fs::write(
        sdk.join("src/lib.rs"),
        "//! Card authorisation against the acquirer.\npub fn authorise() {}\n",
    )
    .expect("write");
    insert_line(
        &repo.path("backend/services/payments/Cargo.toml"),
        "[dependencies]\n",
        "acquirer-sdk = { path = \"../../../vendor/acquirer-sdk\" }\n",
    );
    repo.commit("Shop backend with the vendored acquirer SDK");
    add_stock_dependency(&repo, "backend/");
    repo.commit("Payments reserves stock directly");

    let output = repo.archfit(
        "backend",
        &["check", "--new-since", "HEAD~1", "--format", "json"],
    );
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let report = json(&output);
    assert_eq!(
        report["findings"].as_array().map(Vec::len),
        Some(1),
        "{report:#}"
    );
    assert_eq!(report["summary"]["new_since"]["at_ref"], 14);
    assert!(repo.leftovers().is_empty(), "{:?}", repo.leftovers());
}

#[test]
fn a_change_that_adds_no_finding_passes_though_old_ones_remain() {
    let repo = Repo::new("clean-change");
    repo.copy_fixture("shop", "");
    repo.commit("Shop");
    insert_line(
        &repo.path("services/payments/Cargo.toml"),
        "[dependencies]\n",
        "# Card payments go through the acquirer's SDK.\n",
    );
    repo.commit("Note on the acquirer");

    assert_eq!(repo.archfit("", &["check"]).status.code(), Some(1));
    let output = repo.archfit("", &["check", "--new-since", "HEAD~1"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(
        text.contains("archfit: no findings from") && text.contains("; 0 new since HEAD~1 ("),
        "{text}"
    );
    assert!(text.contains("), 14 findings there"), "{text}");
    // The same commit: nothing can be new.
    let same = repo.archfit("", &["check", "--new-since", "main", "--format", "json"]);
    assert_eq!(same.status.code(), Some(0));
    assert_eq!(json(&same)["summary"]["new_since"]["at_ref"], 14);
    assert!(repo.leftovers().is_empty());
}

#[test]
fn a_ref_without_archfit_toml_is_judged_by_the_current_configuration() {
    let repo = Repo::new("no-config");
    repo.copy_fixture("shop", "");
    // The team adopts archfit in the same change that adds the violation:
    // every rule and ADR is new, and still only the new code is judged.
    std::fs::remove_file(repo.path("archfit.toml")).expect("rm");
    std::fs::remove_dir_all(repo.path("docs/adr")).expect("rm");
    repo.commit("Shop before archfit");
    copy_dir(&fixture("shop/docs/adr"), &repo.path("docs/adr"));
    std::fs::copy(fixture("shop/archfit.toml"), repo.path("archfit.toml")).expect("copy");
    add_stock_dependency(&repo, "");
    repo.commit("Adopt archfit; payments reserves stock directly");

    let output = repo.archfit("", &["check", "--new-since", "HEAD~1", "--format", "json"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let report = json(&output);
    let findings = report["findings"].as_array().expect("findings");
    assert_eq!(findings.len(), 1, "{report:#}");
    assert_eq!(findings[0]["rule"], "services-do-not-depend-on-services");
    assert_eq!(report["summary"]["new_since"]["at_ref"], 14);
}

#[test]
fn the_baseline_applies_to_both_trees() {
    let repo = Repo::new("baseline");
    repo.copy_fixture("shop", "");
    repo.commit("Shop");
    let baseline = repo.dir.join("trusted-baseline.json");
    let written = repo.archfit(
        "",
        &["baseline", "--output", baseline.to_str().expect("utf-8")],
    );
    assert_eq!(written.status.code(), Some(0), "{}", stderr(&written));
    add_stock_dependency(&repo, "");
    repo.commit("Payments reserves stock directly");

    let args = [
        "check",
        "--new-since",
        "HEAD~1",
        "--baseline",
        baseline.to_str().expect("utf-8"),
        "--format",
        "json",
    ];
    let report = json(&repo.archfit("", &args));
    assert_eq!(report["findings"].as_array().map(Vec::len), Some(1));
    assert_eq!(report["summary"]["baselined"], 14);
    // What the baseline holds is not counted at the ref either.
    assert_eq!(report["summary"]["new_since"]["at_ref"], 0);
}

#[test]
fn a_shallow_clone_without_the_ref_says_how_to_fetch_it() {
    let repo = Repo::new("shallow");
    repo.copy_fixture("shop", "");
    repo.commit("Shop");
    add_stock_dependency(&repo, "");
    repo.commit("Payments reserves stock directly");
    let clone = repo.dir.join("clone");
    let url = format!("file://{}", repo.top.display());
    let cloned = git_command(&repo.dir)
        .args(["clone", "-q", "--depth", "1", &url])
        .arg(&clone)
        .output()
        .expect("git clone");
    assert!(cloned.status.success(), "{}", stderr(&cloned));

    let output = archfit_command(&clone, &repo.tmp)
        .args(["check", "--new-since", "HEAD~1"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    let said = stderr(&output);
    assert!(said.contains("shallow clone"), "{said}");
    assert!(said.contains("git fetch --deepen"), "{said}");
    assert!(said.contains("--unshallow"), "{said}");
    assert!(repo.leftovers().is_empty());
}

#[test]
fn an_unknown_ref_or_no_repository_is_a_clear_error() {
    let repo = Repo::new("errors");
    repo.copy_fixture("shop", "");
    repo.commit("Shop");
    let unknown = repo.archfit("", &["check", "--new-since", "release/2025-12"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(
        stderr(&unknown).contains("`release/2025-12`: no commit of the repository has this name"),
        "{}",
        stderr(&unknown)
    );
    let option = repo.archfit("", &["check", "--new-since=--output=x"]);
    assert_eq!(option.status.code(), Some(2));
    assert!(
        stderr(&option).contains("not a git ref"),
        "{}",
        stderr(&option)
    );

    std::fs::remove_dir_all(repo.path(".git")).expect("rm .git");
    let none = repo.archfit("", &["check", "--new-since", "main"]);
    assert_eq!(none.status.code(), Some(2));
    assert!(
        stderr(&none).contains("is not in a git repository"),
        "{}",
        stderr(&none)
    );
    assert!(repo.leftovers().is_empty());
}

#[test]
fn a_ref_whose_tree_does_not_load_is_an_error_that_names_it_and_leaves_nothing() {
    let repo = Repo::new("broken-ref");
    repo.copy_fixture("shop", "");
    let manifest = repo.path("services/payments/Cargo.toml");
    let good = std::fs::read_to_string(&manifest).expect("read");
    std::fs::write(&manifest, good.replace("[package]", "[package\n")).expect("write");
    repo.commit("Half-finished edit");
    std::fs::write(&manifest, &good).expect("write");
    repo.commit("Fix the manifest");

    let output = repo.archfit("", &["check", "--new-since", "HEAD~1"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("the tree at `HEAD~1` ("),
        "{}",
        stderr(&output)
    );
    assert!(repo.leftovers().is_empty(), "{:?}", repo.leftovers());
}

/// A known limit: the current configuration must load on the ref's tree,
/// so a change that adds a service cannot be compared with a ref before
/// it; the error says which side and why, and leaves nothing behind.
#[test]
fn a_service_the_change_adds_makes_the_ref_fail_to_load_with_a_clear_error() {
    let repo = Repo::new("new-service");
    repo.copy_fixture("shop", "");
    repo.commit("Shop");
    let loyalty = repo.path("services/loyalty");
    std::fs::create_dir_all(loyalty.join("src")).expect("mkdir");
    std::fs::write(
        loyalty.join("Cargo.toml"),
        "[package]\nname = \"loyalty\"\nversion = \"0.1.0\"\nedition.workspace = true\n",
    )
    .expect("write");
    std::fs::write(
        loyalty.join("src/main.rs"),
        "//! Points for every paid order.\nfn main() {}\n",
    )
    .expect("write");
    insert_line(
        &repo.path("Cargo.toml"),
        "    \"xtask\",\n",
        "    \"services/loyalty\",\n",
    );
    insert_line(
        &repo.path("archfit.toml"),
        "exclude = [\"xtask\"]\n",
        "\n[[service]]\nname = \"loyalty\"\ncrates = [\"services/loyalty\"]\n",
    );
    repo.commit("Loyalty service");
    assert_eq!(repo.archfit("", &["check"]).status.code(), Some(1));

    let output = repo.archfit("", &["check", "--new-since", "HEAD~1"]);
    assert_eq!(output.status.code(), Some(2));
    let said = stderr(&output);
    assert!(
        said.contains("the tree at `HEAD~1` (")
            && said.contains("does not load with the current configuration")
            && said.contains("`services/loyalty` matches no workspace member"),
        "{said}"
    );
    assert!(repo.leftovers().is_empty(), "{:?}", repo.leftovers());
}

#[test]
fn hooks_filters_and_fsmonitor_of_the_repository_never_run() {
    let repo = Repo::new("hostile");
    repo.copy_fixture("shop", "");
    // Every file goes through a filter driver, configured only after the
    // commits (git runs `clean` on add).
    std::fs::write(repo.path(".gitattributes"), "* filter=stamp\n").expect("write");
    repo.commit("Shop");
    add_stock_dependency(&repo, "");
    repo.commit("Payments reserves stock directly");
    let marker = repo.dir.join("ran");
    let script = repo.dir.join("stamp.sh");
    std::fs::write(
        &script,
        format!("#!/bin/sh\ntouch '{}'\ncat\n", marker.display()),
    )
    .expect("write");
    let hooks = repo.path(".git/hooks");
    std::fs::create_dir_all(&hooks).expect("mkdir");
    for hook in [
        "post-checkout",
        "reference-transaction",
        "post-index-change",
    ] {
        std::fs::copy(&script, hooks.join(hook)).expect("copy");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        for file in std::fs::read_dir(&hooks).expect("hooks").flatten() {
            std::fs::set_permissions(file.path(), std::fs::Permissions::from_mode(0o755))
                .expect("chmod");
        }
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    let command = script.display().to_string();
    for (key, value) in [
        ("filter.stamp.smudge", command.as_str()),
        ("filter.stamp.clean", command.as_str()),
        ("filter.stamp.required", "true"),
        ("core.fsmonitor", command.as_str()),
    ] {
        repo.git(&["config", key, value]);
    }

    let output = repo.archfit("", &["check", "--new-since", "HEAD~1", "--format", "json"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert_eq!(json(&output)["findings"].as_array().map(Vec::len), Some(1));
    assert!(!marker.exists(), "a program of the repository ran");

    // The trap is armed: a checkout runs the filter.
    std::fs::remove_file(repo.path("services/payments/Cargo.toml")).expect("rm");
    repo.git(&["checkout", "--", "services/payments/Cargo.toml"]);
    assert!(marker.exists(), "the test's filter never runs at all");
}

#[test]
fn an_interrupt_removes_the_snapshot_folder() {
    let repo = Repo::new("interrupt");
    repo.copy_fixture("shop", "");
    repo.commit("Shop");
    // A git that stalls while the blobs are read, long enough to interrupt.
    let bin = repo.dir.join("bin");
    std::fs::create_dir_all(&bin).expect("mkdir");
    let real = stdout(
        &Command::new("sh")
            .args(["-c", "command -v git"])
            .output()
            .expect("sh"),
    );
    let wrapper = bin.join("git");
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\nfor a in \"$@\"; do [ \"$a\" = cat-file ] && sleep 5; done\nexec '{}' \"$@\"\n",
            real.trim()
        ),
    )
    .expect("write");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut child = archfit_command(&repo.top, &repo.tmp)
        .args(["check", "--new-since", "HEAD"])
        .env("PATH", path)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn");
    let started = std::time::Instant::now();
    while repo.leftovers().is_empty() && started.elapsed().as_secs() < 20 {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert_eq!(
        repo.leftovers().len(),
        1,
        "the snapshot folder never appeared"
    );
    let killed = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    let status = child.wait().expect("wait");
    assert_eq!(status.code(), Some(130));
    assert!(repo.leftovers().is_empty(), "{:?}", repo.leftovers());
}

#[test]
fn runtime_findings_the_ref_already_had_are_not_new() {
    // The production traces are the same for both trees: a call no code
    // shows at the ref and still unshown now is no news.
    let repo = Repo::new("traces");
    repo.copy_fixture("shop", "");
    repo.commit("Shop");
    insert_line(
        &repo.path("services/payments/Cargo.toml"),
        "[dependencies]\n",
        "# Card payments go through the acquirer's SDK.\n",
    );
    repo.commit("Note on the acquirer");
    let traces = repo.path("traces/staging-checkout.jsonl");
    let traces = traces.to_str().expect("UTF-8 path");
    let all = repo.archfit("", &["check", "--traces", traces, "--format", "json"]);
    let runtime = json(&all)["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["check"] == "runtime-coupling")
        .count();
    assert!(runtime > 0, "the traces show no runtime finding");
    let output = repo.archfit(
        "",
        &[
            "check",
            "--traces",
            traces,
            "--new-since",
            "HEAD~1",
            "--format",
            "json",
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(json(&output)["summary"]["new_since"]["new"], 0);
    assert!(repo.leftovers().is_empty());
}
