//! The SQL memo: a warm run parses no SQL, reports what a cold run and a
//! run without the cache report, and never trusts or writes through a memo
//! file it did not write.

use std::path::Path;
use std::process::Output;

use crate::cache::{check, fresh, verbose_numbers};

/// Where the memo of a workspace without `--target-dir` lives.
const MEMO: &str = "target/archfit/sql/memo";

/// `(texts analysed, parser calls, from the memo)` as `-v` reports them.
fn counts(output: &Output) -> (usize, usize, usize) {
    let numbers = verbose_numbers(output, "SQL text(s) analysed");
    (numbers[0], numbers[1], numbers[2])
}

/// The entry count in a memo file's header (magic, format, count).
fn entries(memo: &Path) -> u64 {
    let bytes = std::fs::read(memo).expect("memo written");
    u64::from_le_bytes(bytes[12..20].try_into().expect("header"))
}

#[test]
fn a_warm_run_parses_no_sql_and_reports_what_a_cold_run_does() {
    let (dir, home) = fresh("sqlmemo-warm");
    let cold = check(&dir, &home, &[]);
    let (analysed, calls, remembered) = counts(&cold);
    assert!(analysed > 10, "cold run analysed {analysed} texts");
    assert!(calls >= analysed);
    assert_eq!(remembered, 0);
    let memo = dir.join(MEMO);
    assert_eq!(entries(&memo), analysed as u64);
    let written = std::fs::metadata(&memo)
        .and_then(|m| m.modified())
        .expect("mtime");

    let warm = check(&dir, &home, &[]);
    assert_eq!(counts(&warm), (0, 0, analysed));
    assert_eq!(
        crate::stdout(&warm),
        crate::stdout(&cold),
        "warm output differs"
    );
    assert_eq!(warm.status.code(), cold.status.code());
    // Nothing changed, so the memo was not rewritten.
    let after = std::fs::metadata(&memo)
        .and_then(|m| m.modified())
        .expect("mtime");
    assert_eq!(after, written, "an unchanged memo was rewritten");

    let uncached = check(&dir, &home, &["--no-cache"]);
    assert_eq!(counts(&uncached), (analysed, calls, 0));
    assert_eq!(
        crate::stdout(&uncached),
        crate::stdout(&cold),
        "--no-cache output differs"
    );
}

#[test]
fn an_edited_query_is_parsed_again_and_the_one_it_replaced_is_dropped() {
    let (dir, home) = fresh("sqlmemo-edit");
    let (analysed, _, _) = counts(&check(&dir, &home, &[]));
    let memo = dir.join(MEMO);
    assert_eq!(entries(&memo), analysed as u64);

    // Confirming an order now also stamps who confirmed it.
    let repository = dir.join("services/orders/src/repository.rs");
    let text = std::fs::read_to_string(&repository).expect("read");
    let old = "UPDATE orders SET status = 'confirmed', confirmed_at = now() WHERE";
    assert!(text.contains(old), "the fixture changed: update this test");
    let new =
        "UPDATE orders SET status = 'confirmed', confirmed_at = now(), confirmed_by = 'api' WHERE";
    std::fs::write(&repository, text.replace(old, new)).expect("write");

    let edited = check(&dir, &home, &[]);
    assert_eq!(counts(&edited), (1, 1, analysed - 1));
    let uncached = check(&dir, &home, &["--no-cache"]);
    assert_eq!(crate::stdout(&edited), crate::stdout(&uncached));
    // Bounded: the memo holds what the last run used, not the old text too.
    assert_eq!(entries(&memo), analysed as u64);
    assert_eq!(counts(&check(&dir, &home, &[])), (0, 0, analysed));
}

#[test]
fn dual_write_reads_the_analyses_cross_service_db_made() {
    let (dir, home) = fresh("sqlmemo-dual-write");
    let alone = counts(&check(&dir, &home, &["--no-cache"]));
    let config = dir.join("archfit.toml");
    let mut text = std::fs::read_to_string(&config).expect("read");
    text.push_str("\n[[rule]]\nid = \"publish-through-the-outbox\"\ncheck = \"dual-write\"\n");
    std::fs::write(&config, text).expect("write");
    // By itself the rule parses what the orders service writes.
    let dual_write = counts(&check(
        &dir,
        &home,
        &["--no-cache", "--rule", "publish-through-the-outbox"],
    ));
    assert!(dual_write.1 > 0, "dual-write parsed no SQL: {dual_write:?}");
    // Beside cross-service-db it parses nothing more: every row-changing
    // text it asks about was analysed in this run already.
    let both = check(&dir, &home, &["--no-cache"]);
    assert!(
        crate::stdout(&both).contains("publish-through-the-outbox"),
        "the dual-write rule did not run"
    );
    assert_eq!(counts(&both), alone);
}

#[test]
fn a_memo_written_by_someone_else_or_damaged_is_never_trusted() {
    let (dir, home) = fresh("sqlmemo-foreign");
    let cold = check(&dir, &home, &[]);
    let (analysed, calls, _) = counts(&cold);

    // A pull request's (or another user's) memo: another secret.
    let other_home = dir.with_extension("other-home");
    let _ = std::fs::remove_dir_all(&other_home);
    std::fs::create_dir_all(&other_home).expect("mkdir");
    let foreign = check(&dir, &other_home, &[]);
    assert_eq!(
        counts(&foreign),
        (analysed, calls, 0),
        "a foreign memo was used"
    );
    assert_eq!(crate::stdout(&foreign), crate::stdout(&cold));
    assert!(
        crate::stderr(&foreign).contains("SQL memo ignored: written by another user"),
        "{}",
        crate::stderr(&foreign)
    );

    // One byte changed: ignored as a whole, everything parsed again.
    let memo = dir.join(MEMO);
    let mut bytes = std::fs::read(&memo).expect("read memo");
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x5a;
    std::fs::write(&memo, bytes).expect("write memo");
    let damaged = check(&dir, &other_home, &[]);
    assert_eq!(
        counts(&damaged),
        (analysed, calls, 0),
        "a damaged memo was used"
    );
    assert_eq!(crate::stdout(&damaged), crate::stdout(&cold));

    // Cut short: likewise.
    std::fs::write(&memo, b"ARCHFSQL").expect("write memo");
    let short = check(&dir, &home, &[]);
    assert_eq!(counts(&short).2, 0);
    assert_eq!(crate::stdout(&short), crate::stdout(&cold));
    assert!(crate::stderr(&short).contains("SQL memo ignored: too short"));
}

#[cfg(unix)]
#[test]
fn a_symlinked_memo_path_receives_nothing() {
    let (dir, home) = fresh("sqlmemo-symlink");
    let outside = dir.with_extension("outside");
    let _ = std::fs::remove_dir_all(&outside);
    std::fs::create_dir_all(&outside).expect("mkdir");
    let target = outside.join("victim");
    std::fs::write(&target, b"kept").expect("write");
    let memo = dir.join(MEMO);
    std::fs::create_dir_all(memo.parent().expect("parent")).expect("mkdir");
    std::os::unix::fs::symlink(&target, &memo).expect("symlink");

    let output = check(&dir, &home, &[]);
    let uncached = check(&dir, &home, &["--no-cache"]);
    assert_eq!(crate::stdout(&output), crate::stdout(&uncached));
    assert!(counts(&output).0 > 0);
    assert_eq!(std::fs::read(&target).expect("read"), b"kept");
    assert!(std::fs::symlink_metadata(&memo)
        .expect("still there")
        .file_type()
        .is_symlink());
    let err = crate::stderr(&output);
    assert!(err.contains("SQL memo ignored: it is a symlink"), "{err}");
    assert!(err.contains("SQL memo not written"), "{err}");
}

#[test]
fn the_memo_goes_to_the_target_dir_asked_for() {
    let (dir, home) = fresh("sqlmemo-target-dir");
    let elsewhere = dir.with_extension("target");
    let _ = std::fs::remove_dir_all(&elsewhere);
    let elsewhere_text = elsewhere.display().to_string();
    let cold = check(&dir, &home, &["--target-dir", &elsewhere_text]);
    assert!(counts(&cold).0 > 0);
    assert!(elsewhere.join("archfit/sql/memo").is_file());
    assert!(!dir.join("target").exists(), "wrote into the workspace");
    let warm = check(&dir, &home, &["--target-dir", &elsewhere_text]);
    assert_eq!(counts(&warm).0, 0);
    assert_eq!(crate::stdout(&warm), crate::stdout(&cold));
}
