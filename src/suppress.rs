//! Inline suppressions: `// archfit: allow(<rule-id>) <reason>` on the line
//! of a finding or the line above it (`#` in Cargo.toml, `--` in SQL). A
//! reason is required, and a suppression that suppresses nothing is itself
//! reported, so suppressions cannot rot silently.

use std::ops::Range;

use crate::finding::{Dismissal, Dismissed, Finding, Fingerprint, Location, Severity};

const MARKER: &str = crate::facts::SUPPRESSION_MARKER;

/// One suppression comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suppression {
    pub file: String,
    /// 1-based line of the comment.
    pub line: usize,
    pub rules: Vec<String>,
    pub reason: Option<String>,
    /// Byte range of the comment's marker and arguments.
    pub span: Range<usize>,
}

/// Suppression comments in a file's text.
pub fn scan(file: &str, text: &str) -> Vec<Suppression> {
    if !text.contains(MARKER) {
        return Vec::new();
    }
    // In Rust, only ordinary comments count: the same text in a string
    // literal or a doc comment is data or documentation, not a decision.
    let rust_comments = file
        .ends_with(".rs")
        .then(|| crate::facts::lexer::comments(text));
    let in_real_comment = |at: usize| match &rust_comments {
        Some(comments) => comments
            .iter()
            .any(|c| !c.doc && c.range.start < at && at < c.range.end),
        None => true,
    };
    let mut out = Vec::new();
    let mut offset = 0;
    for (index, line) in text.split_inclusive('\n').enumerate() {
        if let Some(at) = line.find(MARKER) {
            let before = line[..at].trim_end();
            let is_comment = ["//", "#", "--", "/*", "*"]
                .iter()
                .any(|c| before.ends_with(c))
                && in_real_comment(offset + at);
            let rest = &line[at + MARKER.len()..];
            if let (true, Some(close)) = (is_comment, rest.find(')')) {
                let rules = rest[..close]
                    .split(',')
                    .map(|r| r.trim().to_string())
                    .filter(|r| !r.is_empty())
                    .collect();
                let reason = rest[close + 1..].trim().trim_end_matches("*/").trim();
                let end = offset + at + MARKER.len() + close + 1;
                out.push(Suppression {
                    file: file.to_string(),
                    line: index + 1,
                    rules,
                    reason: (!reason.is_empty()).then(|| reason.to_string()),
                    span: offset + at..end,
                });
            }
        }
        offset += line.len();
    }
    out
}

/// Removes the findings that a suppression with a reason covers; returns
/// them, each with the comment that dismissed it, and the findings about
/// suppressions themselves (missing reason, suppressing nothing). `texts`
/// are the scanned files. Suppressions naming only rules that did not run
/// (`--rule`) are ignored.
pub fn apply<'a>(
    findings: &mut Vec<Finding>,
    texts: impl IntoIterator<Item = (&'a str, &'a str)>,
    ran: &dyn Fn(&str) -> bool,
) -> (Vec<Dismissed>, Vec<Finding>) {
    let mut problems = Vec::new();
    let mut removed = Vec::new();
    for (file, text) in texts {
        for suppression in scan(file, text) {
            if !suppression.rules.iter().any(|r| ran(r)) {
                continue;
            }
            let covers = |f: &Finding| {
                f.location.as_ref().is_some_and(|l| {
                    l.file == suppression.file
                        && (l.line == suppression.line || l.line == suppression.line + 1)
                }) && suppression.rules.contains(&f.rule)
            };
            let location = Location::from_span(file, text, suppression.span.clone());
            let used = findings.iter().any(&covers);
            match (&suppression.reason, used) {
                (Some(reason), true) => {
                    let (covered, kept) = std::mem::take(findings).into_iter().partition(covers);
                    *findings = kept;
                    removed.extend(covered.into_iter().map(|finding: Finding| Dismissed {
                        finding,
                        by: Dismissal::Inline {
                            reason: reason.clone(),
                            location: location.clone(),
                        },
                    }));
                }
                (None, _) => problems.push(problem(
                    "suppression-needs-reason",
                    &suppression,
                    location,
                    "suppression without a reason: it suppresses nothing".into(),
                    "say why after the parentheses: `// archfit: allow(rule-id) payments reads this view until ADR-0009 lands`",
                )),
                (Some(_), false) => problems.push(problem(
                    "unused-suppression",
                    &suppression,
                    location,
                    format!(
                        "suppression of {} matches no finding on this line or the next",
                        suppression.rules.join(", ")
                    ),
                    "remove it, or move it to the line of the finding or the line above",
                )),
            }
        }
    }
    (removed, problems)
}

fn problem(
    rule: &str,
    suppression: &Suppression,
    location: Location,
    message: String,
    help: &str,
) -> Finding {
    let mut identity = vec![rule.to_string(), suppression.file.clone()];
    identity.extend(suppression.rules.iter().cloned());
    Finding {
        rule: rule.into(),
        check: crate::finding::EngineCheck::Suppression.name().into(),
        severity: Severity::Warn,
        message,
        help: Some(help.into()),
        suggestion: None,
        label: Some("this suppression".into()),
        location: Some(location),
        related: Vec::new(),
        service: None,
        krate: None,
        adr: None,
        fingerprint: Fingerprint::new(identity),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(rule: &str, file: &str, line: usize) -> Finding {
        let text = "x\n".repeat(line + 1);
        let start = 2 * (line - 1);
        let mut f = problem(
            rule,
            &Suppression {
                file: file.into(),
                line,
                rules: vec![],
                reason: None,
                span: 0..0,
            },
            Location::from_span(file, &text, start..start + 1),
            "m".into(),
            "h",
        );
        f.rule = rule.into();
        f
    }

    #[test]
    fn comments_in_rust_toml_and_sql_are_found() {
        let rust = scan(
            "a.rs",
            "let x = 1; // archfit: allow(cycles) legacy module, split in Q3\n",
        );
        assert_eq!(rust[0].rules, ["cycles"]);
        assert_eq!(
            rust[0].reason.as_deref(),
            Some("legacy module, split in Q3")
        );
        let toml = scan(
            "Cargo.toml",
            "[dependencies]\n# archfit: allow(a, b) migrating\nx = 1\n",
        );
        assert_eq!((toml[0].line, toml[0].rules.len()), (2, 2));
        let sql = scan("x.sql", "-- archfit: allow(services-own-their-tables)\n");
        assert_eq!(sql[0].reason, None);
    }

    #[test]
    fn marker_outside_a_comment_is_not_a_suppression() {
        assert!(scan("a.rs", "let s = \"archfit: allow(x) y\";\n").is_empty());
    }

    #[test]
    fn string_literals_and_doc_comments_never_suppress() {
        // A test of the scanner, a message that quotes the syntax, docs.
        let text = concat!(
            "let example = \"// archfit: allow(cycles) legacy\";\n",
            "let raw = r#\"-- archfit: allow(cycles) legacy\"#;\n",
            "/// Write `// archfit: allow(rule) reason` above the finding.\n",
            "//! # archfit: allow(cycles) crate docs\n",
            "/** * archfit: allow(cycles) block docs */\n",
        );
        assert_eq!(scan("src/suppress_docs.rs", text), []);
        // The same text as an ordinary comment still counts.
        let real = scan("src/a.rs", "let x = 1; // archfit: allow(cycles) legacy\n");
        assert_eq!(real.len(), 1);
    }

    #[test]
    fn a_suppression_covers_its_line_and_the_next() {
        let text = "// archfit: allow(r) reason\nline2\nline3\n";
        let mut findings = vec![
            finding("r", "a.rs", 2),
            finding("r", "a.rs", 3),
            finding("other", "a.rs", 2),
        ];
        let (removed, problems) = apply(&mut findings, [("a.rs", text)], &|_| true);
        assert_eq!(removed.len(), 1);
        assert!(problems.is_empty());
        assert_eq!(findings.len(), 2);
        // Kept with the comment that dismissed it, for SARIF's suppressions.
        let Dismissal::Inline { reason, location } = &removed[0].by else {
            panic!("{:?}", removed[0].by);
        };
        assert_eq!(reason, "reason");
        assert_eq!((location.file.as_str(), location.line), ("a.rs", 1));
        assert_eq!(
            removed[0].finding.location.as_ref().map(|l| l.line),
            Some(2)
        );
    }

    #[test]
    fn missing_reason_keeps_the_finding_and_reports_the_suppression() {
        let text = "// archfit: allow(r)\nline2\n";
        let mut findings = vec![finding("r", "a.rs", 2)];
        let (removed, problems) = apply(&mut findings, [("a.rs", text)], &|_| true);
        assert_eq!((removed.len(), findings.len()), (0, 1));
        assert_eq!(problems[0].rule, "suppression-needs-reason");
    }

    #[test]
    fn unused_suppression_is_reported() {
        let mut findings = Vec::new();
        let (_, problems) = apply(
            &mut findings,
            [("a.rs", "// archfit: allow(r) old reason\n")],
            &|_| true,
        );
        assert_eq!(problems[0].rule, "unused-suppression");
        assert_eq!(problems[0].location.as_ref().map(|l| l.line), Some(1));
    }
}
