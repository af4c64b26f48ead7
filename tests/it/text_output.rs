//! The text a person reads: the rustc-style human report and its summary
//! counts, `--format short`, the exit codes `--deny-warnings` gives, and
//! the text of `metrics` and `explain`.

use std::path::Path;

use crate::{archfit, archfit_in, scratch_copy, stderr, stdout};

/// `check` in `dir` with `args`: (exit code, standard output).
fn check(dir: &Path, args: &[&str]) -> (Option<i32>, String) {
    let mut all = vec!["check", "--color", "never"];
    all.extend_from_slice(args);
    let output = archfit_in(dir, &all);
    assert!(!stderr(&output).contains("panicked"), "{}", stderr(&output));
    (output.status.code(), stdout(&output))
}

/// The summary line (a hint may follow it).
fn summary(text: &str) -> &str {
    text.lines()
        .rfind(|l| l.starts_with("archfit: "))
        .unwrap_or_default()
}

fn edit(file: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(file).expect("read");
    assert!(text.contains(from), "{}: no `{from}`", file.display());
    std::fs::write(file, text.replacen(from, to, 1)).expect("write");
}

#[test]
fn short_format_is_one_line_per_finding_then_the_summary() {
    let output = archfit("shop", &["check", "--format", "short"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let text = stdout(&output);
    let (findings, total) = text.trim_end().rsplit_once('\n').expect("lines");
    for line in findings.lines() {
        let (position, rest) = line.split_once(": ").expect("position first");
        let mut parts = position.rsplitn(3, ':');
        let (column, line_number) = (parts.next(), parts.next());
        assert!(
            column.is_some_and(|c| c.parse::<u32>().is_ok())
                && line_number.is_some_and(|l| l.parse::<u32>().is_ok()),
            "{line}"
        );
        assert!(
            rest.starts_with("error[") || rest.starts_with("info["),
            "{line}"
        );
    }
    assert_eq!(total, "archfit: 13 errors, 0 warnings, 1 info in 10 rules");
    insta::assert_snapshot!("shop_short", text);
}

#[test]
fn human_report_heads_findings_and_notes_the_rustc_way() {
    // The lines a reader scans: headers, = lines, notes, tool diagnostics,
    // the summary (the snippets are in the fixture snapshots).
    let dir = scratch_copy("shop", "human-headers");
    // A warning: the layer rule's ADR is superseded.
    edit(
        &dir.join("docs/adr/0007-hexagonal-layers-in-services.md"),
        "* Status: accepted",
        "* Status: superseded by ADR-0009",
    );
    let (code, text) = check(&dir, &[]);
    assert_eq!(code, Some(1), "{text}");
    let scanned: Vec<&str> = text
        .lines()
        .filter(|l| {
            let trimmed = l.trim_start();
            !l.starts_with(' ') && !l.is_empty() || trimmed.starts_with("= ")
        })
        .collect();
    insta::assert_snapshot!("shop_human_headers", scanned.join("\n"));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn after_baseline_the_summary_says_how_many_findings_it_holds() {
    let dir = scratch_copy("shop", "summary-baselined");
    assert_eq!(archfit_in(&dir, &["baseline"]).status.code(), Some(0));
    for format in ["human", "short"] {
        let (code, text) = check(&dir, &["--format", format]);
        assert_eq!(code, Some(0), "{text}");
        assert_eq!(
            summary(&text),
            "archfit: no findings from 10 rules; 14 baselined",
            "{format}"
        );
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_stale_baseline_entry_is_counted_and_fails_only_with_deny_warnings() {
    let dir = scratch_copy("shop", "summary-stale");
    assert_eq!(archfit_in(&dir, &["baseline"]).status.code(), Some(0));
    // The registry crate shared by two services is gone from orders.
    edit(
        &dir.join("services/orders/Cargo.toml"),
        "acme-ledger = \"2.1\"\n",
        "",
    );
    let (code, text) = check(&dir, &[]);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("warning: baseline entry "), "{text}");
    assert_eq!(
        summary(&text),
        "archfit: no findings from 10 rules; 13 baselined, 1 stale baseline entry"
    );
    let (code, text) = check(&dir, &["--deny-warnings"]);
    assert_eq!(code, Some(1), "{text}");
    let (code, text) = check(&dir, &["--deny-warnings", "--format", "short"]);
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.starts_with("archfit-baseline.json: warning: baseline entry "),
        "{text}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn suppressed_findings_are_counted_in_the_summary() {
    let dir = scratch_copy("shop", "summary-suppressed");
    edit(
        &dir.join("services/orders/Cargo.toml"),
        "stock = { package",
        "# archfit: allow(services-do-not-depend-on-services) reservations move to inventory's API in ADR-0009\nstock = { package",
    );
    let (code, text) = check(&dir, &[]);
    assert_eq!(code, Some(1), "{text}");
    assert!(
        summary(&text)
            .starts_with("archfit: 12 errors, 0 warnings, 1 info in 10 rules; 1 suppressed"),
        "{text}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_file_that_does_not_parse_is_a_tool_error_or_with_allow_incomplete_a_warning() {
    let dir = scratch_copy("layers/pass-downward-only", "summary-unparsable");
    // A half-written function in a platform crate no layer covers.
    let file = dir.join("libs/telemetry/src/lib.rs");
    let text = std::fs::read_to_string(&file).expect("read");
    std::fs::write(&file, format!("{text}\nfn unfinished( {{\n")).expect("write");

    let (code, text) = check(&dir, &[]);
    assert_eq!(code, Some(2), "{text}");
    assert!(text.contains("error: "), "{text}");
    assert!(
        summary(&text).ends_with("; 1 tool error about what was not examined"),
        "{text}"
    );
    let (code, text) = check(&dir, &["--allow-incomplete"]);
    assert_eq!(code, Some(0), "{text}");
    assert!(
        summary(&text).ends_with("; 1 tool warning about what was not examined"),
        "{text}"
    );
    let (code, text) = check(&dir, &["--allow-incomplete", "--deny-warnings"]);
    assert_eq!(code, Some(1), "{text}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn metrics_leave_instability_undefined_for_an_uncoupled_crate() {
    // notifications-client: no workspace crate depends on it, it depends on none.
    let table = stdout(&archfit("shop", &["metrics"]));
    let row = table
        .lines()
        .find(|l| l.starts_with("notifications-client "))
        .expect("row");
    assert!(row.ends_with("     0     0      –"), "{row}");
    let json: serde_json::Value =
        serde_json::from_str(&stdout(&archfit("shop", &["metrics", "--format", "json"])))
            .expect("JSON");
    let row = json["crates"]
        .as_array()
        .and_then(|rows| rows.iter().find(|r| r["name"] == "notifications-client"))
        .expect("row");
    assert!(row["instability"].is_null(), "{row:#}");
}

#[test]
fn explain_prints_markdown_when_piped_and_plain_text_when_asked() {
    let piped = stdout(&archfit("shop", &["explain", "cycles"]));
    assert!(piped.starts_with("# cycles\n"), "{piped}");
    assert!(piped.contains("\n```toml\n"), "{piped}");
    let markdown = stdout(&archfit(
        "shop",
        &["explain", "cycles", "--format", "markdown"],
    ));
    assert_eq!(markdown, piped);

    let text = stdout(&archfit("shop", &["explain", "cycles", "--format", "text"]));
    assert!(text.starts_with("cycles\n======\n\n"), "{text}");
    assert!(text.contains("\n    [[rule]]\n"), "{text}");
    assert!(
        text.contains("\n  • `level = \"crate\"` — cycles among"),
        "{text}"
    );
    for markup in ["```", "**", "\n# ", "| --- |"] {
        assert!(!text.contains(markup), "{markup}:\n{text}");
    }

    let rule = stdout(&archfit(
        "shop",
        &[
            "explain",
            "services-share-no-domain-code",
            "--format",
            "text",
        ],
    ));
    assert!(
        rule.starts_with("Rule `services-share-no-domain-code`\n====="),
        "{rule}"
    );
    assert!(rule.contains("\n  • check: `shared-coupling`\n"), "{rule}");
    assert!(rule.contains("\n    external = [\"acme-*\"]\n"), "{rule}");
}

#[test]
fn explain_on_a_terminal_is_plain_text() {
    // `script` gives the command a terminal; without it (not every system
    // has util-linux) the choice is still covered by `--format`.
    let Ok(probe) = std::process::Command::new("script")
        .arg("--version")
        .output()
    else {
        eprintln!("skipped: no `script` to give explain a terminal");
        return;
    };
    if !probe.status.success() {
        eprintln!("skipped: `script` is not util-linux's");
        return;
    }
    let command = format!(
        "{} explain cycles --color never",
        env!("CARGO_BIN_EXE_cargo-archfit")
    );
    let output = std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .env("NO_COLOR", "1")
        .output()
        .expect("script runs");
    let text = String::from_utf8_lossy(&output.stdout).replace("\r\n", "\n");
    assert!(text.starts_with("cycles\n======\n"), "{text}");
    assert!(!text.contains("```"), "{text}");
}

#[test]
fn explain_suggests_the_check_or_rule_meant() {
    for (typed, meant) in [
        ("cycle", "cycles"),
        ("service-dependencies", "service-dependency"),
        ("no-crate-cycle", "no-crate-cycles"),
    ] {
        let output = archfit("shop", &["explain", typed]);
        assert_eq!(output.status.code(), Some(2), "{typed}");
        let err = stderr(&output);
        assert!(
            err.starts_with(&format!(
                "error: no check or rule named `{typed}`; did you mean `{meant}`?"
            )),
            "{err}"
        );
    }
    let unrelated = stderr(&archfit("shop", &["explain", "no-such-thing"]));
    assert!(!unrelated.contains("did you mean"), "{unrelated}");

    // Without a configuration only checks can be meant.
    let output = archfit("config/no-config", &["explain", "cycle"]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr(&output),
        "error: no check named `cycle`; did you mean `cycles`?\n"
    );
    let output = archfit("config/no-config", &["explain", "no-such-thing"]);
    assert!(
        stderr(&output).contains("run `cargo archfit init`"),
        "{}",
        stderr(&output)
    );
}
