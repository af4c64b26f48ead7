//! The JUnit XML report, for CI test dashboards (GitLab, Jenkins, Azure
//! DevOps, test-report actions): a `<testsuite>` per check, a `<testcase>`
//! per rule (`classname` = check, `name` = rule id), a `<failure>` per
//! finding at error or warn severity, info findings as the test case's
//! `<system-out>`, rules that are off as `<skipped>`. Tool diagnostics go
//! to the `<system-err>` of a last suite named `tool-diagnostics`; when one
//! of them is an error (a file not analysed, a rule that crashed: exit 2),
//! that suite also holds an `analysis-complete` test case with an `<error>`
//! per such diagnostic, so a dashboard shows the run as broken, not green.
//! A run that an error stopped before any rule ran ([`render_failure`])
//! writes that suite alone, with an `<error>` per problem.
//!
//! Suite counts follow JUnit's meaning: `tests` counts test cases (rules),
//! `failures` the test cases with at least one failure, `skipped` the rules
//! that are off. No `time`, `timestamp` or `hostname` attribute is written,
//! so the document depends on the outcome only.
//!
//! Written here rather than with `quick-junit`: its test case holds a single
//! status, so a rule with three findings could carry only one `<failure>`,
//! and it would bring chrono and uuid for fields we leave out. The XML is
//! four elements deep; `escape` below is the part that needs care.

use super::failure::problems;
use super::{
    decision, diagnostic_file, neutral::Neutral, place, rule_rows, sorted_diagnostics,
    sorted_findings, RuleRow,
};
use crate::{Diagnostic, Finding, Severity};

/// Name of the suite that carries the tool's own diagnostics.
const DIAGNOSTICS_SUITE: &str = "tool-diagnostics";

/// Name of the test case that errs when the run could not do its job.
const COMPLETE_CASE: &str = "analysis-complete";

/// The report of a run that an error stopped (exit 2): the diagnostics
/// suite alone, whose one test case errs once per problem. `error` arrives
/// neutralised.
pub(super) fn render_failure(error: &crate::Error) -> String {
    let errors: Vec<(String, &str, String)> = problems(error)
        .into_iter()
        .map(|p| (p.message.clone(), p.kind, p.details()))
        .collect();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str("<testsuites name=\"cargo-archfit\" tests=\"1\" failures=\"0\" errors=\"1\" skipped=\"0\">\n");
    out.push_str(&format!(
        "  <testsuite name=\"{DIAGNOSTICS_SUITE}\" tests=\"1\" failures=\"0\" errors=\"1\" skipped=\"0\">\n"
    ));
    write_complete_case(&mut out, &errors);
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

/// The `analysis-complete` case with one `<error>` per (message, type, details).
fn write_complete_case(out: &mut String, errors: &[(String, &str, String)]) {
    out.push_str(&format!(
        "    <testcase name=\"{COMPLETE_CASE}\" classname=\"{DIAGNOSTICS_SUITE}\">\n"
    ));
    for (message, kind, details) in errors {
        out.push_str(&format!(
            "      <error message=\"{}\" type=\"{}\">{}</error>\n",
            escape(message, Context::Attribute),
            escape(kind, Context::Attribute),
            escape(details, Context::Text)
        ));
    }
    out.push_str("    </testcase>\n");
}

pub(super) fn render(outcome: &Neutral) -> String {
    let rows = rule_rows(outcome);
    let findings = sorted_findings(outcome);
    let mut checks: Vec<&str> = rows.iter().map(|row| row.check).collect();
    checks.sort_unstable();
    checks.dedup();

    let mut suites = Vec::new();
    for check in checks {
        let cases: Vec<Case<'_>> = rows
            .iter()
            .filter(|row| row.check == check)
            .map(|row| Case {
                row,
                findings: findings
                    .iter()
                    .copied()
                    .filter(|f| f.rule == row.id)
                    .collect(),
            })
            .collect();
        suites.push((check, cases));
    }

    let diagnostics = sorted_diagnostics(outcome);
    let broken: Vec<(String, &str, String)> = diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| (d.message.clone(), "incomplete", diagnostic_line(d)))
        .collect();
    let errored = usize::from(!broken.is_empty());

    let all = || suites.iter().flat_map(|(_, cases)| cases);
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!(
        "<testsuites name=\"cargo-archfit\" tests=\"{}\" failures=\"{}\" errors=\"{errored}\" skipped=\"{}\">\n",
        all().count() + errored,
        all().filter(|case| case.failed()).count(),
        all().filter(|case| case.skipped()).count(),
    ));
    for (check, cases) in &suites {
        out.push_str(&format!(
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"{}\">\n",
            escape(check, Context::Attribute),
            cases.len(),
            cases.iter().filter(|case| case.failed()).count(),
            cases.iter().filter(|case| case.skipped()).count(),
        ));
        for case in cases {
            case.write(&mut out);
        }
        out.push_str("  </testsuite>\n");
    }
    if !diagnostics.is_empty() {
        out.push_str(&format!(
            "  <testsuite name=\"{DIAGNOSTICS_SUITE}\" tests=\"{errored}\" failures=\"0\" errors=\"{errored}\" skipped=\"0\">\n"
        ));
        if !broken.is_empty() {
            write_complete_case(&mut out, &broken);
        }
        let lines: Vec<String> = diagnostics.into_iter().map(diagnostic_line).collect();
        out.push_str(&format!(
            "    <system-err>{}</system-err>\n",
            escape(&lines.join("\n"), Context::Text)
        ));
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

/// A rule and its findings.
struct Case<'a> {
    row: &'a RuleRow<'a>,
    findings: Vec<&'a Finding>,
}

impl Case<'_> {
    fn failures(&self) -> impl Iterator<Item = &&Finding> {
        self.findings
            .iter()
            .filter(|f| matches!(f.severity, Severity::Error | Severity::Warn))
    }

    fn failed(&self) -> bool {
        self.failures().next().is_some()
    }

    fn skipped(&self) -> bool {
        self.row.severity.is_none()
    }

    fn write(&self, out: &mut String) {
        let open = format!(
            "    <testcase name=\"{}\" classname=\"{}\"",
            escape(self.row.id, Context::Attribute),
            escape(self.row.check, Context::Attribute)
        );
        let infos: Vec<&Finding> = self
            .findings
            .iter()
            .copied()
            .filter(|f| f.severity == Severity::Info)
            .collect();
        if !self.skipped() && !self.failed() && infos.is_empty() {
            out.push_str(&open);
            out.push_str("/>\n");
            return;
        }
        out.push_str(&open);
        out.push_str(">\n");
        if self.skipped() {
            out.push_str("      <skipped message=\"rule is off\"/>\n");
        }
        for finding in self.failures() {
            let kind = match finding.severity {
                Severity::Error => "error",
                _ => "warning",
            };
            out.push_str(&format!(
                "      <failure message=\"{}\" type=\"{kind}\">{}</failure>\n",
                escape(&finding.message, Context::Attribute),
                escape(&details(finding), Context::Text)
            ));
        }
        if !infos.is_empty() {
            let text: Vec<String> = infos
                .iter()
                .map(|f| format!("info: {}\n{}", f.message, details(f)))
                .collect();
            out.push_str(&format!(
                "      <system-out>{}</system-out>\n",
                escape(&text.join("\n\n"), Context::Text)
            ));
        }
        out.push_str("    </testcase>\n");
    }
}

/// Where, why and which decision: the body of a failure.
fn details(finding: &Finding) -> String {
    let mut lines = Vec::new();
    if let Some(location) = &finding.location {
        lines.push(place(location));
    }
    for related in &finding.related {
        lines.push(format!(
            "related: {} {}",
            place(&related.location),
            related.label
        ));
    }
    if let Some(help) = &finding.help {
        lines.push(format!("help: {help}"));
    }
    if let Some(adr) = &finding.adr {
        lines.push(decision(adr));
    }
    lines.join("\n")
}

/// `warning: could not parse: expected `;` (services/orders/src/broken.rs:3:9)`.
fn diagnostic_line(diagnostic: &Diagnostic) -> String {
    let word = match diagnostic.severity {
        Severity::Error => "error",
        Severity::Warn => "warning",
        Severity::Info => "info",
    };
    let mut line = format!("{word}: {}", diagnostic.message);
    let position = match &diagnostic.location {
        Some(location) => Some(place(location)),
        None => diagnostic_file(diagnostic).map(str::to_owned),
    };
    if let Some(position) = position {
        line.push_str(&format!(" ({position})"));
    }
    line
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Context {
    /// Inside `"…"`: line breaks and tabs become character references,
    /// since a parser would otherwise turn them into spaces.
    Attribute,
    Text,
}

/// Escapes `text` for XML 1.0. Characters XML cannot hold at all (control
/// characters other than tab and line breaks, U+FFFE, U+FFFF) become
/// U+FFFD, so an odd byte in a message never makes the document unreadable.
fn escape(text: &str, context: Context) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if context == Context::Attribute => out.push_str("&quot;"),
            '\n' if context == Context::Attribute => out.push_str("&#10;"),
            '\t' if context == Context::Attribute => out.push_str("&#9;"),
            // A bare carriage return is normalised away by XML parsers.
            '\r' => out.push_str("&#13;"),
            '\t' | '\n' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::fixture;
    use super::{escape, Context};
    use crate::report::{render, Format, RenderOptions};
    use crate::{Outcome, Severity};

    fn junit(outcome: &Outcome) -> String {
        render(outcome, Format::Junit, &RenderOptions::default())
    }

    /// The report with a warning added to the error rule, so that one test
    /// case carries two failures.
    fn two_failures() -> Outcome {
        let mut outcome = fixture::outcome();
        let mut warning = outcome.findings[0].clone();
        warning.severity = Severity::Warn;
        warning.message = "the same dependency, seen again".into();
        outcome.findings.push(warning);
        outcome
    }

    #[test]
    fn a_suite_per_check_and_a_case_per_rule() {
        let text = junit(&fixture::outcome());
        let doc = roxmltree::Document::parse(&text).expect("well-formed XML");
        let root = doc.root_element();
        assert_eq!(root.tag_name().name(), "testsuites");
        let suites: Vec<(&str, Vec<(&str, &str)>)> = root
            .children()
            .filter(|n| n.has_tag_name("testsuite"))
            .map(|suite| {
                let cases = suite
                    .children()
                    .filter(|n| n.has_tag_name("testcase"))
                    .map(|case| {
                        (
                            case.attribute("classname").unwrap(),
                            case.attribute("name").unwrap(),
                        )
                    })
                    .collect();
                (suite.attribute("name").unwrap(), cases)
            })
            .collect();
        assert_eq!(
            suites,
            [
                ("cycles", vec![("cycles", "no-service-cycles")]),
                ("layers", vec![("layers", "layers-in-accounts")]),
                (
                    "service-dependency",
                    vec![("service-dependency", "services-own-their-dependencies")]
                ),
                ("workspace", vec![("workspace", "unclassified-members")]),
                ("tool-diagnostics", vec![]),
            ]
        );
    }

    #[test]
    fn one_failure_per_error_or_warning_finding() {
        let text = junit(&two_failures());
        let doc = roxmltree::Document::parse(&text).unwrap();
        let case = doc
            .descendants()
            .find(|n| n.attribute("name") == Some("services-own-their-dependencies"))
            .unwrap();
        let failures: Vec<_> = case
            .children()
            .filter(|n| n.has_tag_name("failure"))
            .collect();
        assert_eq!(failures.len(), 2);
        assert_eq!(
            failures[0].attribute("message"),
            Some("crate `orders` of service `orders` depends on `payments-core`, owned by service `payments`")
        );
        assert_eq!(failures[0].attribute("type"), Some("error"));
        assert_eq!(failures[1].attribute("type"), Some("warning"));
        assert_eq!(
            failures[0].text(),
            Some(
                "services/orders/Cargo.toml:6:1\n\
                 related: services/orders/Cargo.toml:2:1 this crate belongs to service `orders`\n\
                 related: libs/payments-core/Cargo.toml:2:1 owned by service `payments`\n\
                 help: call the payments API instead, or move the shared code into a platform crate\n\
                 decision: ADR-0003 Prefer duplication over coupling (Accepted) — docs/adr/0003-prefer-duplication-over-coupling.md"
            )
        );
    }

    #[test]
    fn counts_are_test_cases_failed_and_skipped() {
        let text = junit(&two_failures());
        let doc = roxmltree::Document::parse(&text).unwrap();
        let root = doc.root_element();
        let counts = |node: roxmltree::Node| {
            ["tests", "failures", "errors", "skipped"]
                .map(|a| node.attribute(a).unwrap().to_owned())
        };
        assert_eq!(counts(root), ["4", "1", "0", "1"]);
        let suite = |name: &str| {
            root.children()
                .find(|n| n.attribute("name") == Some(name))
                .unwrap()
        };
        assert_eq!(counts(suite("service-dependency")), ["1", "1", "0", "0"]);
        assert_eq!(counts(suite("layers")), ["1", "0", "0", "1"]);
        assert_eq!(counts(suite("workspace")), ["1", "0", "0", "0"]);
    }

    #[test]
    fn off_rule_is_skipped_and_clean_rule_is_an_empty_case() {
        let text = junit(&fixture::outcome());
        assert!(text.contains(
            "    <testcase name=\"layers-in-accounts\" classname=\"layers\">\n      <skipped message=\"rule is off\"/>\n    </testcase>\n"
        ));
        assert!(text.contains("    <testcase name=\"no-service-cycles\" classname=\"cycles\"/>\n"));
    }

    #[test]
    fn infos_are_system_out_not_failures() {
        let text = junit(&fixture::outcome());
        let doc = roxmltree::Document::parse(&text).unwrap();
        let case = doc
            .descendants()
            .find(|n| n.attribute("name") == Some("unclassified-members"))
            .unwrap();
        assert!(!case.children().any(|n| n.has_tag_name("failure")));
        let out = case
            .children()
            .find(|n| n.has_tag_name("system-out"))
            .unwrap();
        assert_eq!(
            out.text(),
            Some(
                "info: crate `telemetry` belongs to no service and is not listed as shared\n\
                 services/orders/Cargo.toml:7:1\n\
                 related: libs/telemetry/Cargo.toml:2:1 declared here\n\
                 help: add it to `[shared] platform` or to a service's `crates`"
            )
        );
    }

    #[test]
    fn diagnostics_are_the_system_err_of_their_own_suite() {
        let text = junit(&fixture::outcome());
        assert!(text.contains(
            "  <testsuite name=\"tool-diagnostics\" tests=\"0\" failures=\"0\" errors=\"0\" skipped=\"0\">\n    <system-err>warning: could not parse: expected `;` (services/orders/src/broken.rs:3:9)\ninfo: skipped generated file (services/orders/src/generated.rs)</system-err>\n"
        ));
        let mut outcome = fixture::outcome();
        outcome.diagnostics.clear();
        assert!(!junit(&outcome).contains("tool-diagnostics"));
    }

    #[test]
    fn an_error_diagnostic_is_an_errored_case_of_the_diagnostics_suite() {
        let mut outcome = fixture::outcome();
        outcome.diagnostics[1].severity = Severity::Error;
        let text = junit(&outcome);
        let doc = roxmltree::Document::parse(&text).expect("well-formed XML");
        let root = doc.root_element();
        assert_eq!(root.attribute("errors"), Some("1"));
        assert_eq!(root.attribute("tests"), Some("5"));
        let suite = root
            .children()
            .find(|n| n.attribute("name") == Some("tool-diagnostics"))
            .unwrap();
        assert_eq!(
            (suite.attribute("tests"), suite.attribute("errors")),
            (Some("1"), Some("1"))
        );
        let case = suite
            .children()
            .find(|n| n.has_tag_name("testcase"))
            .unwrap();
        assert_eq!(case.attribute("name"), Some("analysis-complete"));
        let errors: Vec<_> = case
            .children()
            .filter(|n| n.has_tag_name("error"))
            .collect();
        assert_eq!(errors.len(), 1);
        assert_eq!(
            errors[0].attribute("message"),
            Some("could not parse: expected `;`")
        );
        assert_eq!(
            errors[0].text(),
            Some("error: could not parse: expected `;` (services/orders/src/broken.rs:3:9)")
        );
        // The whole list stays the suite's standard error.
        assert!(suite.children().any(|n| n.has_tag_name("system-err")));
    }

    #[test]
    fn failed_run_is_one_errored_case_per_problem() {
        use crate::error::{ConfigError, SourceFile};
        let file = SourceFile::new(
            "archfit.toml",
            "version = 1\n[[rule]]\ncheck = \"cycels\"\n",
        );
        let error = crate::Error::Config(vec![
            ConfigError::at(&file, 29..37, "unknown check <cycels>").help("did you mean `cycles`?"),
            ConfigError::general("--rule x: no rule has this id"),
        ]);
        let text = crate::report::render_failure(&error, Format::Junit).unwrap();
        let doc = roxmltree::Document::parse(&text).expect("well-formed XML");
        let root = doc.root_element();
        assert_eq!(
            ["tests", "failures", "errors", "skipped"].map(|a| root.attribute(a).unwrap()),
            ["1", "0", "1", "0"]
        );
        let errors: Vec<_> = doc
            .descendants()
            .filter(|n| n.has_tag_name("error"))
            .collect();
        assert_eq!(errors.len(), 2);
        assert_eq!(
            errors[0].attribute("message"),
            Some("unknown check <cycels>")
        );
        assert_eq!(errors[0].attribute("type"), Some("config"));
        assert_eq!(
            errors[0].text(),
            Some("unknown check <cycels>\n--> archfit.toml:3:9\nhelp: did you mean `cycles`?")
        );
        assert!(text.ends_with("</testsuites>\n"));
    }

    #[test]
    fn message_survives_markup_line_breaks_and_control_characters() {
        let mut outcome = fixture::outcome();
        outcome.findings[0].message = "a <b> & \"c\" 'd'\nline two\ttab \u{1b}[31m".into();
        let text = junit(&outcome);
        let doc = roxmltree::Document::parse(&text).expect("still well-formed");
        let failure = doc
            .descendants()
            .find(|n| n.has_tag_name("failure"))
            .unwrap();
        // A message is one line: its line break, tab and ESC are shown as
        // escapes (crate::text), the markup as text.
        assert_eq!(
            failure.attribute("message"),
            Some("a <b> & \"c\" 'd'\\nline two\\ttab \\u{1b}[31m")
        );
        // Help keeps its line breaks, in the element's text.
        outcome.findings[0].help = Some("first <p>\nsecond\u{1b}".into());
        let text = junit(&outcome);
        let doc = roxmltree::Document::parse(&text).expect("still well-formed");
        let failure = doc
            .descendants()
            .find(|n| n.has_tag_name("failure"))
            .unwrap();
        assert!(failure
            .text()
            .unwrap()
            .contains("help: first <p>\nsecond\\u{1b}\n"));
    }

    #[test]
    fn escape_handles_every_special_character() {
        assert_eq!(
            escape("<a href=\"x\">&</a>", Context::Attribute),
            "&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;"
        );
        assert_eq!(escape("\"quoted\"\n", Context::Text), "\"quoted\"\n");
        assert_eq!(escape("a\r\nb", Context::Attribute), "a&#13;&#10;b");
        assert_eq!(
            escape("\u{0}\u{7}\u{fffe}é", Context::Text),
            "\u{fffd}\u{fffd}\u{fffd}é"
        );
    }

    #[test]
    fn no_times_timestamps_or_hostnames() {
        let text = junit(&two_failures());
        for attribute in ["time=", "timestamp=", "hostname="] {
            assert!(!text.contains(attribute), "{attribute}");
        }
        assert_eq!(junit(&two_failures()).as_bytes(), text.as_bytes());
    }

    #[test]
    fn whole_report() {
        insta::assert_snapshot!(junit(&fixture::outcome()), @r#"
        <?xml version="1.0" encoding="UTF-8"?>
        <testsuites name="cargo-archfit" tests="4" failures="1" errors="0" skipped="1">
          <testsuite name="cycles" tests="1" failures="0" errors="0" skipped="0">
            <testcase name="no-service-cycles" classname="cycles"/>
          </testsuite>
          <testsuite name="layers" tests="1" failures="0" errors="0" skipped="1">
            <testcase name="layers-in-accounts" classname="layers">
              <skipped message="rule is off"/>
            </testcase>
          </testsuite>
          <testsuite name="service-dependency" tests="1" failures="1" errors="0" skipped="0">
            <testcase name="services-own-their-dependencies" classname="service-dependency">
              <failure message="crate `orders` of service `orders` depends on `payments-core`, owned by service `payments`" type="error">services/orders/Cargo.toml:6:1
        related: services/orders/Cargo.toml:2:1 this crate belongs to service `orders`
        related: libs/payments-core/Cargo.toml:2:1 owned by service `payments`
        help: call the payments API instead, or move the shared code into a platform crate
        decision: ADR-0003 Prefer duplication over coupling (Accepted) — docs/adr/0003-prefer-duplication-over-coupling.md</failure>
            </testcase>
          </testsuite>
          <testsuite name="workspace" tests="1" failures="0" errors="0" skipped="0">
            <testcase name="unclassified-members" classname="workspace">
              <system-out>info: crate `telemetry` belongs to no service and is not listed as shared
        services/orders/Cargo.toml:7:1
        related: libs/telemetry/Cargo.toml:2:1 declared here
        help: add it to `[shared] platform` or to a service's `crates`</system-out>
            </testcase>
          </testsuite>
          <testsuite name="tool-diagnostics" tests="0" failures="0" errors="0" skipped="0">
            <system-err>warning: could not parse: expected `;` (services/orders/src/broken.rs:3:9)
        info: skipped generated file (services/orders/src/generated.rs)</system-err>
          </testsuite>
        </testsuites>
        "#);
    }
}
