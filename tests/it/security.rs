//! The workspace is untrusted: a pull request from a fork controls every file
//! in it. Each test plants one attack of the threat model (SECURITY.md) in a
//! workspace built at run time and checks that the tool ran no program of
//! the workspace's choosing, read and wrote nothing outside the root, did not
//! hang or crash, and did not pass silently.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::robustness::{check_with, diagnostic, rules, two_services};

/// Text that lives only outside the workspace: it must never reach a report.
const SECRET: &str = "SECRET-7f3a91-do-not-leak";

/// A folder beside the workspace `dir`, holding files the PR points at.
fn outside(dir: &Path) -> PathBuf {
    let out = dir.with_extension("outside");
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out).expect("mkdir outside");
    std::fs::write(
        out.join("secret.rs"),
        format!("pub const KEY: &str = \"{SECRET}\";\n"),
    )
    .expect("write secret");
    std::fs::write(
        out.join("secret.sql"),
        format!("CREATE TABLE {SECRET_TABLE} (id int);\n-- {SECRET}\n"),
    )
    .expect("write secret sql");
    std::fs::write(
        out.join("secret.md"),
        format!("# {SECRET}\n\nStatus: Accepted\n"),
    )
    .expect("write secret adr");
    out
}

const SECRET_TABLE: &str = "leaked_table_7f3a91";

fn write(dir: &Path, path: &str, contents: impl AsRef<[u8]>) {
    let path = dir.join(path);
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, contents).expect("write");
}

#[cfg(unix)]
fn symlink(target: impl AsRef<Path>, link: impl AsRef<Path>) {
    let link = link.as_ref();
    let _ = std::fs::remove_file(link);
    std::fs::create_dir_all(link.parent().expect("parent")).expect("mkdir");
    std::os::unix::fs::symlink(target, link).expect("symlink");
}

/// Runs the binary in `dir` with `args`, killed (and the test failed) if it
/// has not finished after a minute: a FIFO must never make it hang.
fn run(dir: &Path, args: &[&str], env: &[(&str, Option<&str>)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cargo-archfit"));
    command
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        // These tests hold cargo to its sandbox: make every load ask cargo,
        // which the manifest reader would otherwise spare.
        .env("ARCHFIT_WORKSPACE_LOADER", "cargo")
        .env_remove("GITHUB_SERVER_URL")
        .env_remove("GITHUB_REPOSITORY")
        .env_remove("GITHUB_SHA")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (key, value) in env {
        match value {
            Some(value) => command.env(key, value),
            None => command.env_remove(key),
        };
    }
    let mut child = command.spawn().expect("cargo-archfit runs");
    let started = Instant::now();
    while child.try_wait().expect("wait").is_none() {
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("cargo-archfit {args:?} hung in {}", dir.display());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let output = child.wait_with_output().expect("output");
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(!err.contains("panicked"), "panic:\n{err}");
    assert_ne!(output.status.code(), None, "killed by a signal:\n{err}");
    output
}

/// Every format's report of `dir`, concatenated, with stderr: for "the secret
/// never appears anywhere".
fn every_report(dir: &Path) -> String {
    let mut all = String::new();
    for format in ["human", "json", "sarif", "junit", "github", "markdown"] {
        let output = run(dir, &["check", "--format", format], &[]);
        all.push_str(&String::from_utf8_lossy(&output.stdout));
        all.push_str(&String::from_utf8_lossy(&output.stderr));
    }
    all
}

fn json_of(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or(Value::Null)
}

// 1. The documented recipe runs the binary, so a `.cargo/config.toml` alias
//    or a hostile build setting never takes over.

#[cfg(unix)]
#[test]
fn cargo_config_of_the_workspace_runs_nothing() {
    let dir = two_services("cargo-config", &[]);
    let marker = dir.with_extension("ran");
    let _ = std::fs::remove_file(&marker);
    let evil = dir.with_extension("evil.sh");
    std::fs::write(
        &evil,
        format!(
            "#!/bin/sh\necho ran \"$@\" >> {}\nexit 0\n",
            marker.display()
        ),
    )
    .expect("write evil");
    std::process::Command::new("chmod")
        .arg("+x")
        .arg(&evil)
        .status()
        .expect("chmod");
    let evil = evil.display();
    write(
        &dir,
        ".cargo/config.toml",
        format!(
            "[alias]\narchfit = [\"run\", \"--manifest-path\", \"tools/pwn/Cargo.toml\", \"--\"]\n\
             [build]\nrustc = \"{evil}\"\nrustc-wrapper = \"{evil}\"\n\
             [target.'cfg(all())']\nrunner = \"{evil}\"\n\
             [env]\nRUSTC = \"{evil}\"\n\
             [net]\noffline = false\n\
             [registries.evil]\nindex = \"sparse+http://127.0.0.1:9/\"\n"
        ),
    );
    write(
        &dir,
        "services/billing/build.rs",
        format!(
            "fn main() {{ std::fs::write(\"{}\", \"build.rs ran\").unwrap(); }}\n",
            marker.display()
        ),
    );
    let output = run(
        &dir,
        &["check", "--format", "json"],
        &[("CARGO", None), ("RUSTUP_TOOLCHAIN", None)],
    );
    assert_eq!(output.status.code(), Some(1), "{}", crate::stderr(&output));
    assert!(rules(&json_of(&output)).contains(&"no-service-deps".to_string()));
    assert!(
        !marker.exists(),
        "the workspace ran a program: {:?}",
        std::fs::read_to_string(&marker)
    );
}

#[test]
fn readme_ci_recipe_runs_the_binary_outside_the_checkout_with_trusted_inputs() {
    let workflow = crate::readme_yaml_block("\"$ARCHFIT\" check")
        .expect("README has a workflow that runs the binary");
    let workflow = workflow.as_str();
    assert!(
        !workflow.contains("cargo archfit"),
        "`cargo archfit` in a checkout obeys its .cargo/config.toml aliases:\n{workflow}"
    );
    let lines: Vec<&str> = workflow.lines().map(str::trim).collect();
    let runs: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| l.contains("\"$ARCHFIT\" check"))
        .collect();
    assert!(runs.len() >= 2, "{workflow}");
    for line in runs {
        for needle in [
            "--manifest-path \"$GITHUB_WORKSPACE/Cargo.toml\"",
            "--config \"$TRUSTED/archfit.toml\"",
            "--baseline \"$TRUSTED/archfit-baseline.json\"",
        ] {
            assert!(line.contains(needle), "{needle} missing in {line}");
        }
    }
    // Every step that runs cargo or the tool runs outside the checkout.
    for (index, line) in lines.iter().enumerate() {
        if line.contains("cargo install") || line.contains("\"$ARCHFIT\"") {
            assert_eq!(
                lines.get(index + 1).copied(),
                Some("working-directory: ${{ runner.temp }}"),
                "{line}"
            );
        }
    }
    // The trusted files come from the base commit, not the checkout.
    assert!(workflow.contains("git cat-file blob \"$BASE:archfit.toml\""));
    assert!(workflow.contains("github.event.pull_request.base.sha"));
}

/// The recipe's shape works: configuration and baseline from outside the
/// workspace, the tool started from another folder.
#[test]
fn config_and_baseline_from_outside_the_workspace_are_honoured() {
    let dir = two_services("trusted-inputs", &[]);
    let trusted = dir.with_extension("trusted");
    let _ = std::fs::remove_dir_all(&trusted);
    std::fs::create_dir_all(&trusted).expect("mkdir");
    std::fs::write(trusted.join("archfit.toml"), crate::robustness::CONFIG).expect("config");
    // The PR relaxes its own configuration: ignored, the trusted one applies.
    write(&dir, "archfit.toml", "version = 1\n");
    let manifest = dir.join("Cargo.toml").display().to_string();
    let config = trusted.join("archfit.toml").display().to_string();
    let baseline = trusted.join("archfit-baseline.json").display().to_string();
    let gate = |extra: &[&str]| {
        let mut args = vec!["check", "--manifest-path", &manifest, "--config", &config];
        args.extend_from_slice(extra);
        run(&trusted, &args, &[])
    };
    assert_eq!(gate(&[]).status.code(), Some(1));
    let written = run(
        &trusted,
        &[
            "baseline",
            "--manifest-path",
            &manifest,
            "--config",
            &config,
            "--output",
            &baseline,
        ],
        &[],
    );
    assert_eq!(
        written.status.code(),
        Some(0),
        "{}",
        crate::stderr(&written)
    );
    assert_eq!(gate(&["--baseline", &baseline]).status.code(), Some(0));
}

// 2. The cargo the tool runs is never chosen by the workspace.

#[cfg(unix)]
fn fake_toolchain(dir: &Path, marker: &Path) -> PathBuf {
    let toolchain = dir.with_extension("toolchain");
    let bin = toolchain.join("bin");
    std::fs::create_dir_all(&bin).expect("mkdir");
    for program in ["cargo", "rustc"] {
        let path = bin.join(program);
        std::fs::write(
            &path,
            format!(
                "#!/bin/sh\necho {program} >> {}\nexit 1\n",
                marker.display()
            ),
        )
        .expect("write fake");
        std::process::Command::new("chmod")
            .arg("+x")
            .arg(&path)
            .status()
            .expect("chmod");
    }
    toolchain
}

#[cfg(unix)]
#[test]
fn toolchain_file_naming_a_path_does_not_choose_cargo() {
    for (tag, file) in [
        ("toolchain-toml", "rust-toolchain.toml"),
        ("toolchain-legacy", "rust-toolchain"),
    ] {
        let dir = two_services(tag, &[]);
        let marker = dir.with_extension("ran");
        let _ = std::fs::remove_file(&marker);
        let toolchain = fake_toolchain(&dir, &marker);
        let text = if file.ends_with(".toml") {
            format!("[toolchain]\npath = \"{}\"\n", toolchain.display())
        } else {
            format!("{}\n", toolchain.display())
        };
        write(&dir, file, text);
        // Started directly (no CARGO) from inside the workspace: the worst case.
        let output = run(
            &dir,
            &["check", "--format", "json"],
            &[("CARGO", None), ("RUSTUP_TOOLCHAIN", None)],
        );
        assert!(!marker.exists(), "{file}: the workspace's cargo ran");
        assert_eq!(
            output.status.code(),
            Some(1),
            "{file}: {}",
            crate::stderr(&output)
        );
    }
}

#[cfg(unix)]
#[test]
fn toolchain_file_in_the_temp_dir_does_not_choose_cargo() {
    let dir = two_services("toolchain-tmp", &[]);
    let marker = dir.with_extension("ran");
    let _ = std::fs::remove_file(&marker);
    let toolchain = fake_toolchain(&dir, &marker);
    // A pinned toolchain that is not installed once made the tool retry
    // from the temp folder, where this file waits.
    write(
        &dir,
        "rust-toolchain.toml",
        "[toolchain]\nchannel = \"1.60.0\"\n",
    );
    let tmp = dir.with_extension("tmp");
    write(
        &tmp,
        "rust-toolchain.toml",
        format!("[toolchain]\npath = \"{}\"\n", toolchain.display()),
    );
    let tmp_text = tmp.display().to_string();
    let output = run(
        &dir,
        &["check", "--format", "json"],
        &[
            ("CARGO", None),
            ("RUSTUP_TOOLCHAIN", None),
            ("TMPDIR", Some(&tmp_text)),
        ],
    );
    assert!(!marker.exists(), "a toolchain file in TMPDIR chose cargo");
    assert_eq!(output.status.code(), Some(1), "{}", crate::stderr(&output));
}

// 3. Nothing outside the root is read, and its text never reaches a report.

#[cfg(unix)]
#[test]
fn paths_out_of_the_workspace_are_refused_and_never_reported() {
    let dir = two_services("outside-reads", &[]);
    let out = outside(&dir);
    let depth = dir.components().count();
    let dotdots = "../".repeat(depth + 2);
    write(
        &dir,
        "services/orders/src/main.rs",
        format!(
            "mod handlers;\n\
             #[path = \"{}\"]\nmod keys;\n\
             #[path = \"{dotdots}{}\"]\nmod relative_keys;\n\
             fn main() {{}}\n",
            out.join("secret.rs").display(),
            out.join("secret.rs")
                .display()
                .to_string()
                .trim_start_matches('/'),
        ),
    );
    write(
        &dir,
        "services/orders/src/handlers.rs",
        format!(
            "/// Loads the nightly report.\npub async fn report(pool: &sqlx::PgPool) {{\n    \
             let _ = sqlx::query_file!(\"{}\").fetch_all(pool).await;\n}}\n",
            out.join("secret.sql").display()
        ),
    );
    // A migration folder that is a link to `/`, and a migration that is a
    // link to the process environment.
    symlink("/", dir.join("services/orders/migrations"));
    symlink(
        "/proc/self/environ",
        dir.join("services/billing/migrations/20240101_init.sql"),
    );
    let output = run(
        &dir,
        &["check", "--format", "json"],
        &[("ARCHFIT_TEST_TOKEN", Some(SECRET))],
    );
    // Refused files are files the run could not analyse: never a pass.
    assert_eq!(output.status.code(), Some(2), "{}", crate::stderr(&output));
    let json = json_of(&output);
    for needle in [
        "secret.rs", // the #[path] modules are named, never read
        "outside the workspace",
        "migrations folder services/orders/migrations not read",
    ] {
        assert!(
            json.to_string().contains(needle),
            "missing {needle:?} in {json:#}"
        );
    }
    assert!(rules(&json).contains(&"no-service-deps".to_string()));
    let all = every_report(&dir);
    assert!(!all.contains(SECRET), "outside text leaked:\n{all}");
    assert!(!all.contains(SECRET_TABLE), "outside table leaked:\n{all}");
}

#[cfg(unix)]
#[test]
fn crate_root_outside_the_workspace_is_not_read() {
    let dir = two_services("outside-lib", &[]);
    let out = outside(&dir);
    write(
        &dir,
        "services/billing/Cargo.toml",
        format!(
            "[package]\nname = \"billing\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[lib]\npath = \"{}\"\n",
            out.join("secret.rs").display()
        ),
    );
    let output = run(&dir, &["check", "--format", "json"], &[]);
    assert_eq!(output.status.code(), Some(2), "{}", crate::stderr(&output));
    assert!(diagnostic(&json_of(&output), "outside the workspace").is_some());
    assert!(!every_report(&dir).contains(SECRET));
}

#[cfg(unix)]
#[test]
fn adrs_outside_the_workspace_are_configuration_errors_without_their_text() {
    let dir = two_services("outside-adr", &[]);
    let out = outside(&dir);
    symlink(out.join("secret.md"), dir.join("docs/adr/0001-linked.md"));
    let config = format!(
        "{}adr = \"0001-linked.md\"\n",
        String::from_utf8_lossy(crate::robustness::CONFIG)
    );
    write(&dir, "archfit.toml", &config);
    let output = run(&dir, &["check", "--format", "sarif"], &[]);
    assert_eq!(output.status.code(), Some(2));
    let err = crate::stderr(&output);
    assert!(err.contains("0001-linked.md"), "{err}");
    assert!(err.contains("outside the workspace"), "{err}");
    assert!(!every_report(&dir).contains(SECRET));

    // adr_dir naming a folder outside.
    let config = format!(
        "adr_dir = \"{}\"\n{}adr = \"secret.md\"\n",
        out.display(),
        String::from_utf8_lossy(crate::robustness::CONFIG)
    );
    write(&dir, "archfit.toml", &config);
    let output = run(&dir, &["check", "--format", "sarif"], &[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(!every_report(&dir).contains(SECRET));
}

#[cfg(unix)]
#[test]
fn configured_migrations_folder_outside_is_a_configuration_error() {
    let dir = two_services("outside-migrations", &[]);
    let out = outside(&dir);
    let config = String::from_utf8_lossy(crate::robustness::CONFIG).replace(
        "crates = [\"services/billing\"]\n",
        &format!(
            "crates = [\"services/billing\"]\nmigrations = [\"{}\"]\n",
            out.display()
        ),
    );
    write(&dir, "archfit.toml", &config);
    let output = run(&dir, &["check"], &[]);
    assert_eq!(output.status.code(), Some(2));
    let err = crate::stderr(&output);
    assert!(err.contains("is outside the workspace"), "{err}");
    assert!(!err.contains(SECRET_TABLE));
}

#[cfg(unix)]
#[test]
fn config_that_is_a_link_out_of_the_workspace_is_refused() {
    let dir = two_services("outside-config", &[]);
    let out = outside(&dir);
    symlink(out.join("secret.md"), dir.join("archfit.toml"));
    let output = run(&dir, &["check"], &[]);
    assert_eq!(output.status.code(), Some(2));
    let err = crate::stderr(&output);
    assert!(err.contains("outside the workspace"), "{err}");
    assert!(!err.contains(SECRET), "{err}");
}

// 4. Devices and FIFOs are never opened; nothing hangs.

#[cfg(unix)]
fn mkfifo(path: &Path) {
    let _ = std::fs::remove_file(path);
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    let made = Command::new("mkfifo").arg(path).status().expect("mkfifo");
    assert!(made.success());
}

#[cfg(unix)]
#[test]
fn fifos_and_devices_in_the_workspace_do_not_hang_the_run() {
    let dir = two_services("fifo", &[]);
    mkfifo(&dir.join("services/orders/src/handlers.rs"));
    mkfifo(&dir.join("services/billing/migrations/20240101_init.sql"));
    symlink("/dev/zero", dir.join("services/billing/src/lib.rs"));
    let output = run(&dir, &["check", "--format", "json"], &[]);
    assert_eq!(output.status.code(), Some(2), "{}", crate::stderr(&output));
    let json = json_of(&output);
    let d = diagnostic(&json, "FIFO").expect("FIFO diagnostic");
    assert_eq!(d["severity"], "error");
    assert!(
        diagnostic(&json, "services/billing/src/lib.rs").is_some(),
        "{json:#}"
    );
    assert!(rules(&json).contains(&"no-service-deps".to_string()));

    // A FIFO as ADR, as configured baseline and as --baseline.
    mkfifo(&dir.join("docs/adr/0001-fifo.md"));
    let config = format!(
        "{}adr = \"0001-fifo.md\"\n",
        String::from_utf8_lossy(crate::robustness::CONFIG)
    );
    write(&dir, "archfit.toml", &config);
    let output = run(&dir, &["check"], &[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(crate::stderr(&output).contains("FIFO"));

    write(
        &dir,
        "archfit.toml",
        format!(
            "baseline = \"archfit-baseline.json\"\n{}",
            String::from_utf8_lossy(crate::robustness::CONFIG)
        ),
    );
    mkfifo(&dir.join("archfit-baseline.json"));
    let output = run(&dir, &["check"], &[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(crate::stderr(&output).contains("FIFO"));
    let fifo = dir.join("archfit-baseline.json").display().to_string();
    write(&dir, "archfit.toml", crate::robustness::CONFIG);
    let output = run(&dir, &["check", "--baseline", &fifo], &[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(crate::stderr(&output).contains("FIFO"));
}

// 5. Writes never go through a symlink or out of the root.

#[cfg(unix)]
#[test]
fn output_through_a_symlink_is_refused_and_the_target_untouched() {
    let dir = two_services("write-output", &[]);
    let victim = dir.with_extension("victim");
    std::fs::write(&victim, "precious").expect("write victim");
    symlink(&victim, dir.join("archfit.sarif"));
    let output = run(
        &dir,
        &["check", "--format", "sarif", "--output", "archfit.sarif"],
        &[],
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(crate::stderr(&output).contains("symbolic link"));
    assert_eq!(
        std::fs::read_to_string(&victim).expect("victim"),
        "precious"
    );
}

#[cfg(unix)]
#[test]
fn baseline_writes_stay_inside_and_refuse_symlinks() {
    let dir = two_services("write-baseline", &[]);
    let victim = dir.with_extension("victim");
    std::fs::write(&victim, "precious").expect("write victim");
    symlink(&victim, dir.join("archfit-baseline.json"));
    let output = run(&dir, &["baseline"], &[]);
    assert_eq!(output.status.code(), Some(2), "{}", crate::stderr(&output));
    assert_eq!(
        std::fs::read_to_string(&victim).expect("victim"),
        "precious"
    );

    std::fs::remove_file(dir.join("archfit-baseline.json")).expect("rm");
    let escape = dir.with_extension("escaped.json");
    let _ = std::fs::remove_file(&escape);
    let name = escape.file_name().expect("name").to_string_lossy();
    write(
        &dir,
        "archfit.toml",
        format!(
            "baseline = \"../{name}\"\n{}",
            String::from_utf8_lossy(crate::robustness::CONFIG)
        ),
    );
    let output = run(&dir, &["baseline"], &[]);
    assert_eq!(output.status.code(), Some(2), "{}", crate::stderr(&output));
    assert!(
        !escape.exists(),
        "the baseline was written outside the root"
    );

    // The normal case still writes a whole file.
    write(&dir, "archfit.toml", crate::robustness::CONFIG);
    let output = run(&dir, &["baseline"], &[]);
    assert_eq!(output.status.code(), Some(0), "{}", crate::stderr(&output));
    let text = std::fs::read_to_string(dir.join("archfit-baseline.json")).expect("baseline");
    assert!(serde_json::from_str::<Value>(&text).is_ok());
}

#[cfg(unix)]
#[test]
fn init_refuses_a_dangling_config_link_and_a_linked_adr_folder() {
    let dir = two_services("write-init", &[]);
    std::fs::remove_file(dir.join("archfit.toml")).expect("rm config");
    let target = dir.with_extension("planted.toml");
    let _ = std::fs::remove_file(&target);
    symlink(&target, dir.join("archfit.toml"));
    let output = run(&dir, &["init"], &[]);
    assert_eq!(output.status.code(), Some(2), "{}", crate::stderr(&output));
    assert!(!target.exists(), "init wrote through a dangling link");

    std::fs::remove_file(dir.join("archfit.toml")).expect("rm link");
    let elsewhere = dir.with_extension("adrs");
    let _ = std::fs::remove_dir_all(&elsewhere);
    std::fs::create_dir_all(&elsewhere).expect("mkdir");
    let _ = std::fs::remove_dir_all(dir.join("docs"));
    symlink(&elsewhere, dir.join("docs/adr"));
    let output = run(&dir, &["init"], &[]);
    assert_eq!(output.status.code(), Some(2), "{}", crate::stderr(&output));
    assert!(
        std::fs::read_dir(&elsewhere)
            .expect("list")
            .next()
            .is_none(),
        "init wrote ADRs through a linked folder"
    );
}

// 6. Inputs built to crash or exhaust the tool become diagnostics.

#[test]
fn pathological_nesting_is_a_diagnostic_not_a_crash() {
    let parens = format!(
        "pub fn f() -> i32 {{ {}1{} }}\n",
        "(".repeat(50_000),
        ")".repeat(50_000)
    );
    let blocks = format!(
        "pub fn g() {{ {}{} }}\n",
        "{".repeat(100_000),
        "}".repeat(100_000)
    );
    let chain = format!(
        "pub fn h(v: Vec<u8>) {{ v{}; }}\n",
        ".clone()".repeat(200_000)
    );
    let mods = format!("{}{}", "mod m {\n".repeat(10_000), "}\n".repeat(10_000));
    let dir = two_services(
        "nesting",
        &[
            (
                "services/orders/src/main.rs",
                b"mod handlers;\nmod parens;\nmod blocks;\nmod chain;\nmod mods;\nfn main() {}\n",
            ),
            ("services/orders/src/parens.rs", parens.as_bytes()),
            ("services/orders/src/blocks.rs", blocks.as_bytes()),
            ("services/orders/src/chain.rs", chain.as_bytes()),
            ("services/orders/src/mods.rs", mods.as_bytes()),
        ],
    );
    let (code, json, err) = check_with(&dir, &[]);
    assert_eq!(code, Some(2), "{err}");
    for file in ["parens", "blocks", "chain", "mods"] {
        let path = format!("services/orders/src/{file}.rs");
        let d = json["diagnostics"]
            .as_array()
            .and_then(|all| all.iter().find(|d| d["file"] == path.as_str()))
            .unwrap_or_else(|| panic!("no diagnostic for {path}: {json:#}"));
        assert_eq!(d["severity"], "error");
    }
    assert!(rules(&json).contains(&"no-service-deps".to_string()));
}

#[test]
fn a_long_chain_of_path_modules_is_cut_off() {
    let mut files: Vec<(String, Vec<u8>)> = vec![(
        "services/orders/src/main.rs".into(),
        b"mod handlers;\n#[path = \"chain/m0.rs\"]\nmod m0;\nfn main() {}\n".to_vec(),
    )];
    for n in 0..6_000 {
        files.push((
            format!("services/orders/src/chain/m{n}.rs"),
            format!("#[path = \"m{}.rs\"]\npub mod next;\n", n + 1).into_bytes(),
        ));
    }
    let borrowed: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(p, c)| (p.as_str(), c.as_slice()))
        .collect();
    let dir = two_services("path-chain", &borrowed);
    let (code, json, err) = check_with(&dir, &[]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        diagnostic(&json, "nested more than 64 levels").is_some(),
        "{json:#}"
    );
}

// 7. A file that could not be analysed is never a silent pass.

#[test]
fn padding_a_file_past_the_size_limit_does_not_hide_its_violation() {
    // orders reaches billing's table; padding the repository with a 9 MiB
    // comment used to skip it with a warning and exit 0.
    let repo = format!(
        "/// Invoices shown on the order page.\npub async fn invoices(pool: &sqlx::PgPool) {{\n    \
         let _ = sqlx::query(\"SELECT id FROM invoices\").fetch_all(pool).await;\n}}\n// {}\n",
        "x".repeat(9 * 1024 * 1024)
    );
    let dir = two_services(
        "padding",
        &[
            (
                "services/orders/Cargo.toml",
                b"[package]\nname = \"orders\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
            ),
            ("services/orders/src/handlers.rs", repo.as_bytes()),
            (
                "services/billing/migrations/20240101_init.sql",
                b"CREATE TABLE invoices (id uuid primary key);\n",
            ),
        ],
    );
    let (code, _, err) = check_with(&dir, &[]);
    assert_eq!(code, Some(2), "{err}");
    let (code, _, err) = check_with(&dir, &["--deny-warnings"]);
    assert_eq!(code, Some(2), "{err}");
    // Accepting an incomplete run is the user's explicit choice.
    let (code, json, err) = check_with(&dir, &["--allow-incomplete"]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(
        diagnostic(&json, "handlers.rs not analysed").expect("diagnostic")["severity"],
        "warn"
    );
}

#[cfg(unix)]
#[test]
fn a_manifest_linked_out_of_the_workspace_is_not_quoted_in_cargo_errors() {
    let dir = two_services("outside-manifest", &[]);
    let out = outside(&dir);
    std::fs::write(
        out.join("shadow"),
        format!("root:{SECRET}:19000:0:99999:7:::\n"),
    )
    .expect("write");
    symlink(out.join("shadow"), dir.join("services/billing/Cargo.toml"));
    let output = run(&dir, &["check"], &[]);
    assert_eq!(output.status.code(), Some(2));
    let err = crate::stderr(&output);
    assert!(err.contains("cargo could not load the workspace"), "{err}");
    assert!(!err.contains(SECRET), "{err}");
}

#[test]
fn cargo_errors_name_files_relative_to_the_workspace_and_show_their_lines() {
    let dir = two_services(
        "cargo-error-paths",
        &[(
            "services/billing/Cargo.toml",
            b"[package]\nname = \"billing\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\nserde = { version = \"1\", feature = [\"derive\"] \n",
        )],
    );
    let output = run(&dir, &["check"], &[]);
    assert_eq!(output.status.code(), Some(2));
    let err = crate::stderr(&output);
    // Cargo runs in `/`: its paths are shown from the workspace, and a line
    // of a file inside the workspace is quoted as cargo quotes it.
    assert!(err.contains("--> services/billing/Cargo.toml:"), "{err}");
    assert!(err.contains("serde = { version"), "{err}");
}

#[cfg(unix)]
#[test]
fn a_cargo_that_hangs_is_stopped_and_the_run_fails() {
    // A member manifest that is a FIFO makes cargo wait for a writer forever.
    let dir = two_services("cargo-hangs", &[]);
    mkfifo(&dir.join("services/billing/Cargo.toml"));
    let output = run(
        &dir,
        &["check"],
        &[("ARCHFIT_CARGO_TIMEOUT_SECS", Some("3"))],
    );
    assert_eq!(output.status.code(), Some(2));
    let err = crate::stderr(&output);
    assert!(err.contains("did not finish within 3 s"), "{err}");
}

/// A `docs/adr` linked out of the workspace lends `init` no file names: with
/// every decision already "there" outside, init would otherwise write an
/// archfit.toml pointing at them and succeed.
#[cfg(unix)]
#[test]
fn init_takes_no_adr_names_from_a_linked_folder() {
    let dir = two_services("init-adr-names", &[]);
    std::fs::remove_file(dir.join("archfit.toml")).expect("rm config");
    let elsewhere = dir.with_extension("decisions");
    let _ = std::fs::remove_dir_all(&elsewhere);
    for slug in [
        "services-do-not-depend-on-each-others-crates",
        "prefer-duplication-over-coupling",
        "each-service-owns-its-tables",
        "no-cycles-between-services",
        "every-saga-step-can-be-undone",
        "layers-inside-services",
    ] {
        write(&elsewhere, &format!("0042-{slug}.md"), "# Outside\n");
    }
    let _ = std::fs::remove_dir_all(dir.join("docs"));
    symlink(&elsewhere, dir.join("docs/adr"));
    let output = run(&dir, &["init"], &[]);
    let config = std::fs::read_to_string(dir.join("archfit.toml")).unwrap_or_default();
    assert!(
        !config.contains("0042-"),
        "outside names in archfit.toml:\n{config}"
    );
    assert_eq!(output.status.code(), Some(2), "{}", crate::stderr(&output));
}
