//! The text a person reads: the rustc-style human report and its summary
//! counts, `--format short`, the exit codes `--deny-warnings` gives, and
//! the text of `metrics` and `explain`.

use crate::{archfit, stderr, stdout};

#[test]
fn short_format_is_one_line_per_finding_then_the_summary() {
    let output = archfit("shop", &["check", "--format", "short"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let text = stdout(&output);
    let (findings, summary) = text.trim_end().rsplit_once('\n').expect("lines");
    for line in findings.lines() {
        let (position, rest) = line.split_once(": ").expect("position first");
        let mut parts = position.rsplitn(3, ':');
        let (column, line_number) = (parts.next(), parts.next());
        assert!(
            column.is_some_and(|c| c.parse::<u32>().is_ok())
                && line_number.is_some_and(|l| l.parse::<u32>().is_ok()),
            "{line}"
        );
        assert!(rest.starts_with("error["), "{line}");
    }
    assert_eq!(summary, "archfit: 12 errors, 0 warnings, 0 infos in 8 rules");
    insta::assert_snapshot!("shop_short", text);
}
