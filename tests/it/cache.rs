//! The fact cache: a warm run parses only what changed, and output is the
//! same byte for byte with the cache, without it, and with one that is
//! corrupt or written by someone else.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::scratch_copy;

/// Runs `check --format json -v` on `dir` with the user cache folder
/// `secret_home` (where the cache's secret lives) and `extra` arguments.
pub(crate) fn check(dir: &Path, secret_home: &Path, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cargo-archfit"))
        .args(["check", "--format", "json", "-v"])
        .args(extra)
        .current_dir(dir)
        .env("XDG_CACHE_HOME", secret_home)
        .env_remove("CARGO_TARGET_DIR")
        .env("NO_COLOR", "1")
        .output()
        .expect("cargo-archfit runs")
}

/// The numbers on the line of `-v` output that says `marker`.
pub(crate) fn verbose_numbers(output: &Output, marker: &str) -> Vec<usize> {
    let err = crate::stderr(output);
    let line = err
        .lines()
        .find(|l| l.contains(marker))
        .unwrap_or_else(|| panic!("no `{marker}` in:\n{err}"));
    line.split(|c: char| !c.is_ascii_digit())
        .filter_map(|n| n.parse().ok())
        .collect()
}

/// `(files read, files read again for the report)` as `-v` reports them.
fn reads(output: &Output) -> (usize, usize) {
    let numbers = verbose_numbers(output, "file(s) read,");
    (numbers[3], numbers[4])
}

/// The source files a JSON report points at (findings and their related
/// locations): the ones it may quote.
fn quoted_sources(output: &Output) -> std::collections::BTreeSet<String> {
    let report: serde_json::Value =
        serde_json::from_str(&crate::stdout(output)).expect("JSON report");
    let mut files = std::collections::BTreeSet::new();
    for finding in report["findings"].as_array().expect("findings") {
        let related = finding["related"].as_array().into_iter().flatten();
        for file in std::iter::once(&finding["location"]["file"])
            .chain(related.map(|r| &r["file"]))
            .filter_map(|f| f.as_str())
        {
            if file.ends_with(".rs") {
                files.insert(file.to_string());
            }
        }
    }
    files
}

/// Workspace-relative `.rs` files under `dir` (not `target/`) whose text
/// holds one of `needles`.
fn sources_containing(dir: &Path, needles: &[&str]) -> std::collections::BTreeSet<String> {
    let mut found = std::collections::BTreeSet::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        for entry in std::fs::read_dir(&folder).expect("list").flatten() {
            let path = entry.path();
            if path.is_dir() && entry.file_name() != "target" {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                if needles.iter().any(|n| text.contains(n)) {
                    let rel = path.strip_prefix(dir).expect("inside");
                    found.insert(rel.to_string_lossy().replace('\\', "/"));
                }
            }
        }
    }
    found
}

/// `(parsed, from the cache)` as `-v` reports them.
fn counts(output: &Output) -> (usize, usize) {
    let numbers = verbose_numbers(output, "source file(s) parsed");
    (numbers[0], numbers[1])
}

/// A scratch copy of the shop and an empty user cache folder beside it.
pub(crate) fn fresh(tag: &str) -> (PathBuf, PathBuf) {
    let dir = scratch_copy("shop", tag);
    let home = dir.with_extension("home");
    let _ = std::fs::remove_dir_all(&home);
    std::fs::create_dir_all(&home).expect("mkdir");
    (dir, home)
}

#[test]
fn a_warm_run_parses_only_the_file_that_changed_and_reports_the_same() {
    let (dir, home) = fresh("cache-warm");
    let cold = check(&dir, &home, &[]);
    let (parsed, cached) = counts(&cold);
    assert!(parsed > 20, "cold run parsed {parsed}");
    assert_eq!(cached, 0);
    assert!(dir.join("target/archfit/facts").is_dir());

    let warm = check(&dir, &home, &[]);
    assert_eq!(counts(&warm), (0, parsed));
    assert_eq!(
        crate::stdout(&warm),
        crate::stdout(&cold),
        "warm output differs"
    );
    assert_eq!(warm.status.code(), cold.status.code());
    let uncached = check(&dir, &home, &["--no-cache"]);
    assert_eq!(counts(&uncached), (parsed, 0));
    assert_eq!(
        crate::stdout(&uncached),
        crate::stdout(&cold),
        "--no-cache output differs"
    );

    // One edited file: only it is parsed again, and the report is the
    // one a run without the cache gives.
    let edited = dir.join("services/payments/src/main.rs");
    let mut text = std::fs::read_to_string(&edited).expect("read");
    text.push_str("\n// Settlement runs nightly; see the runbook.\n");
    std::fs::write(&edited, text).expect("write");
    let after_edit = check(&dir, &home, &[]);
    assert_eq!(counts(&after_edit), (1, parsed - 1));
    let uncached = check(&dir, &home, &["--no-cache"]);
    assert_eq!(crate::stdout(&after_edit), crate::stdout(&uncached));
    // The member's shard was rewritten with the new entry and the ones it
    // kept: the next run parses nothing.
    let again = check(&dir, &home, &[]);
    assert_eq!(counts(&again), (0, parsed));
    assert_eq!(crate::stdout(&again), crate::stdout(&uncached));
}

#[test]
fn a_cache_written_by_someone_else_or_corrupted_is_never_trusted() {
    let (dir, home) = fresh("cache-foreign");
    let cold = check(&dir, &home, &[]);
    let (parsed, _) = counts(&cold);

    // Another user's (or a pull request's) cache: another secret.
    let other_home = dir.with_extension("other-home");
    let _ = std::fs::remove_dir_all(&other_home);
    std::fs::create_dir_all(&other_home).expect("mkdir");
    let foreign = check(&dir, &other_home, &[]);
    assert_eq!(counts(&foreign), (parsed, 0), "a foreign cache was used");
    assert_eq!(crate::stdout(&foreign), crate::stdout(&cold));

    // Every shard damaged: each is ignored, the files are parsed again.
    let shards = dir.join("target/archfit/facts");
    let mut damaged = 0;
    for entry in std::fs::read_dir(&shards).expect("shards").flatten() {
        let mut bytes = std::fs::read(entry.path()).expect("read shard");
        let middle = bytes.len() / 2;
        bytes[middle] ^= 0x5a;
        std::fs::write(entry.path(), bytes).expect("write shard");
        damaged += 1;
    }
    assert!(damaged > 0);
    let after = check(&dir, &other_home, &[]);
    assert_eq!(counts(&after), (parsed, 0), "a damaged shard was used");
    assert_eq!(crate::stdout(&after), crate::stdout(&cold));
    assert!(
        crate::stderr(&after).contains("ignored: written by another user"),
        "{}",
        crate::stderr(&after)
    );
}

#[test]
fn the_cache_goes_to_the_target_dir_asked_for() {
    let (dir, home) = fresh("cache-target-dir");
    let elsewhere = dir.with_extension("target");
    let _ = std::fs::remove_dir_all(&elsewhere);
    let elsewhere_text = elsewhere.display().to_string();
    let output = check(&dir, &home, &["--target-dir", &elsewhere_text]);
    assert!(counts(&output).0 > 0);
    assert!(elsewhere.join("archfit/facts").is_dir());
    assert!(!dir.join("target").exists(), "wrote into the workspace");
    let warm = check(&dir, &home, &["--target-dir", &elsewhere_text]);
    assert_eq!(counts(&warm).0, 0);
}

#[cfg(unix)]
#[test]
fn the_cache_is_never_written_through_a_symlinked_target() {
    let (dir, home) = fresh("cache-symlink");
    let outside = dir.with_extension("outside");
    let _ = std::fs::remove_dir_all(&outside);
    std::fs::create_dir_all(&outside).expect("mkdir");
    std::os::unix::fs::symlink(&outside, dir.join("target")).expect("symlink");
    let output = check(&dir, &home, &[]);
    let uncached = check(&dir, &home, &["--no-cache"]);
    assert_eq!(crate::stdout(&output), crate::stdout(&uncached));
    let written: Vec<_> = std::fs::read_dir(&outside)
        .expect("list")
        .flatten()
        .collect();
    assert!(written.is_empty(), "wrote through the link: {written:?}");
}

#[test]
fn a_warm_run_reads_only_the_files_that_changed_and_those_its_report_quotes() {
    let (dir, home) = fresh("cache-reads");
    // Stamps of files written within the last second are not remembered
    // (they could change again within the same clock tick): let them settle.
    std::thread::sleep(std::time::Duration::from_millis(1200));
    let cold = check(&dir, &home, &[]);
    let (parsed, _) = counts(&cold);
    assert_eq!(reads(&cold).0, parsed, "the cold run reads each file once");

    let warm = check(&dir, &home, &[]);
    assert_eq!(crate::stdout(&warm), crate::stdout(&cold));
    let (read, read_again) = reads(&warm);
    assert_eq!(read, 0, "an unchanged file was read");
    // A JSON report quotes no source line: files are read again only where
    // a check needs the text itself (dual-write reads the receiver and
    // arguments of a `.send(…)` to tell a broker from a mailer).
    let sends = sources_containing(&dir, &[".send(", "send_to("]);
    assert!(
        read_again <= sends.len(),
        "read {read_again} files again for a report without snippets"
    );
    // The human report quotes the lines of its findings: those files too.
    let human = Command::new(env!("CARGO_BIN_EXE_cargo-archfit"))
        .args(["check", "-v"])
        .current_dir(&dir)
        .env("XDG_CACHE_HOME", &home)
        .env_remove("CARGO_TARGET_DIR")
        .env("NO_COLOR", "1")
        .output()
        .expect("cargo-archfit runs");
    let (read, read_again) = reads(&human);
    assert_eq!(read, 0, "an unchanged file was read");
    let quoted = quoted_sources(&warm);
    assert!(!quoted.is_empty());
    let mut may_read = quoted.clone();
    may_read.extend(sends);
    assert!(
        quoted.len() <= read_again && read_again <= may_read.len() && may_read.len() < parsed,
        "read {read_again} of {parsed} files again; the report quotes {}, and {} may be read",
        quoted.len(),
        may_read.len()
    );

    // An edited file is read (and parsed) again; no other is.
    let edited = dir.join("services/payments/src/main.rs");
    let mut text = std::fs::read_to_string(&edited).expect("read");
    text.push_str("\n// Refunds settle with the nightly batch.\n");
    std::fs::write(&edited, text).expect("write");
    let after_edit = check(&dir, &home, &[]);
    assert_eq!(counts(&after_edit).0, 1);
    assert_eq!(reads(&after_edit).0, 1);
    let uncached = check(&dir, &home, &["--no-cache"]);
    assert_eq!(crate::stdout(&after_edit), crate::stdout(&uncached));
}

#[cfg(unix)]
#[test]
fn a_file_rewritten_with_its_old_size_and_time_is_read_again() {
    let (dir, home) = fresh("cache-same-stamp");
    std::thread::sleep(std::time::Duration::from_millis(1200));
    let cold = check(&dir, &home, &[]);
    let (parsed, _) = counts(&cold);
    // A tool that restores modification times (an archive, `touch -r`)
    // after changing a file to one of the same length: only the change
    // time, which no program can set back, tells.
    let path = dir.join("services/orders/src/main.rs");
    let before = std::fs::metadata(&path).expect("stat");
    let text = std::fs::read_to_string(&path).expect("read");
    let swapped = text.replacen("orders", "ORDERS", 1);
    assert_ne!(swapped, text);
    assert_eq!(swapped.len(), text.len());
    std::fs::write(&path, &swapped).expect("write");
    let file = std::fs::File::options()
        .write(true)
        .open(&path)
        .expect("open");
    file.set_modified(before.modified().expect("mtime"))
        .expect("set mtime");
    drop(file);
    let after = check(&dir, &home, &[]);
    assert_eq!(counts(&after), (1, parsed - 1));
    let uncached = check(&dir, &home, &["--no-cache"]);
    assert_eq!(crate::stdout(&after), crate::stdout(&uncached));
}
