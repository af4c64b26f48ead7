//! The one integration-test binary: runs `cargo-archfit` on the fixture
//! workspaces and compares what it reports with what each fixture plants.
#![allow(clippy::disallowed_methods)] // tests build and read their workspaces directly

mod action;
mod adr_files;
mod baseline;
mod cache;
mod ci;
mod cli;
mod color;
mod config_errors;
mod cross_service_db;
mod cycles;
mod facts;
mod fixtures;
mod formats;
mod generated;
mod html;
mod init;
mod loader;
mod meta;
mod new_since;
mod output_integrity;
mod package;
mod robustness;
mod security;
mod silent_passes;
mod sql_memo;
mod text_output;
mod traces;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Absolute path of a fixture workspace.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
}

/// Runs the installed-style binary with `args` in `dir`.
pub fn archfit_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cargo-archfit"))
        .args(args)
        .current_dir(dir)
        .env_remove("RUST_LOG")
        // Reports link to the CI run's repository when these are set.
        .env_remove("GITHUB_SERVER_URL")
        .env_remove("GITHUB_REPOSITORY")
        .env_remove("GITHUB_SHA")
        .env("NO_COLOR", "1")
        .output()
        .expect("cargo-archfit runs")
}

/// Runs `cargo-archfit <args> --manifest-path <fixture>/Cargo.toml`.
pub fn archfit(fixture_name: &str, args: &[&str]) -> Output {
    let manifest = fixture(fixture_name).join("Cargo.toml");
    let mut all: Vec<&str> = args.to_vec();
    let manifest = manifest
        .to_str()
        .expect("fixture paths are UTF-8")
        .to_string();
    all.extend(["--manifest-path", &manifest]);
    archfit_in(Path::new(env!("CARGO_MANIFEST_DIR")), &all)
}

/// Standard output as text.
pub fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("stdout is UTF-8")
}

/// Standard error as text.
pub fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).expect("stderr is UTF-8")
}

/// Copies a directory tree (fixtures hold no symlinks), leaving out `target/`.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create dir");
    for entry in std::fs::read_dir(from).expect("read dir").flatten() {
        let path = entry.path();
        let dest = to.join(entry.file_name());
        if path.is_dir() {
            if entry.file_name() != "target" {
                copy_dir(&path, &dest);
            }
        } else {
            std::fs::copy(&path, &dest).expect("copy file");
        }
    }
}

/// Writes a workspace from `(path, contents)` pairs into a fresh directory
/// `archfit-<name>-<pid>` under the system temp dir.
pub fn write_workspace<P: AsRef<str>, C: AsRef<[u8]>>(name: &str, files: &[(P, C)]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("archfit-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for (path, contents) in files {
        let path = dir.join(path.as_ref());
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, contents).expect("write");
    }
    dir
}

/// A fresh copy of `fixtures/<name>` in the temp dir, for a test to change.
pub fn scratch_copy(name: &str, tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("archfit-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    copy_dir(&fixture(name), &dir);
    dir
}

/// The first ```yaml block of README.md that contains `needle`.
fn readme_yaml_block(needle: &str) -> Option<String> {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README");
    readme
        .split("```yaml")
        .skip(1)
        .filter_map(|rest| rest.split("```").next())
        .find(|block| block.contains(needle))
        .map(str::to_string)
}
