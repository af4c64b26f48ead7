//! Reports: the only code that knows how findings look on a terminal or in a
//! file. Every format is a pure function of an [`Outcome`]: the same outcome
//! gives byte-identical output (fixed width, no terminal probing, no
//! timestamps, no absolute paths).

pub mod adr;
pub mod explain;
mod failure;
mod fatal;
mod github;
pub mod graph;
pub mod html;
mod human;
mod json;
mod junit;
mod markdown;
pub mod metrics;
mod neutral;
mod repository;
mod sarif;
pub mod schema;
mod short;
pub mod svg;

use std::fmt;
use std::str::FromStr;

use crate::text::defuse_workflow_commands;
use crate::{AdrRef, Diagnostic, Finding, Location, Outcome, Severity};

pub use fatal::render_error;
use neutral::Neutral;

/// The baseline file's text: pretty JSON with a trailing newline.
pub fn baseline_file(baseline: &crate::baseline::Baseline) -> String {
    let mut text = serde_json::to_string_pretty(baseline).unwrap_or_default();
    text.push('\n');
    text
}

/// An output format of `check` (also its `--format` values).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum Format {
    /// Graphical diagnostics with source snippets, then a summary.
    Human,
    /// One line per finding, `file:line:col: error[rule-id]: message`, then the summary.
    Short,
    /// The versioned JSON document described in `docs/json-report.md`.
    Json,
    /// SARIF 2.1.0 for code scanning (GitHub, GitLab, IDE viewers).
    Sarif,
    /// JUnit XML for test dashboards: a test case per rule.
    Junit,
    /// GitHub Actions workflow commands: an annotation per finding.
    Github,
    /// Markdown grouped by decision, for PR comments and the docs site.
    Markdown,
}

impl Format {
    /// Every format, in the order `--help` and error messages list them.
    pub const ALL: &'static [Format] = &[
        Format::Human,
        Format::Short,
        Format::Json,
        Format::Sarif,
        Format::Junit,
        Format::Github,
        Format::Markdown,
    ];

    /// The name used on the command line (`--format <name>`).
    pub fn name(self) -> &'static str {
        match self {
            Format::Human => "human",
            Format::Short => "short",
            Format::Json => "json",
            Format::Sarif => "sarif",
            Format::Junit => "junit",
            Format::Github => "github",
            Format::Markdown => "markdown",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Format {
    type Err = UnknownFormat;

    fn from_str(name: &str) -> Result<Format, UnknownFormat> {
        Format::ALL
            .iter()
            .copied()
            .find(|format| format.name() == name)
            .ok_or_else(|| UnknownFormat(name.to_owned()))
    }
}

/// A `--format` value that names no format; its message lists the valid ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownFormat(pub String);

impl fmt::Display for UnknownFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown report format `{}`; expected one of: ", self.0)?;
        for (i, format) in Format::ALL.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            f.write_str(format.name())?;
        }
        Ok(())
    }
}

impl std::error::Error for UnknownFormat {}

/// How the human report is drawn. Machine formats ignore these options so
/// that their shape never depends on the terminal or the verbosity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RenderOptions {
    /// ANSI colours in the human report (decided by the caller from `--color`).
    pub color: bool,
    /// Only error and warning findings, warning diagnostics and the total line.
    pub quiet: bool,
    /// Also info diagnostics and rules without findings in the summary.
    pub verbose: bool,
}

/// Renders `outcome` in `format`. The text ends with a newline.
///
/// Every format shows the outcome's workspace texts neutralised (see
/// `report/neutral.rs`); every format but `github`, whose lines are workflow
/// commands on purpose, then has any line that a CI runner would read as a
/// command broken ([`defuse_workflow_commands`]), whatever put it there.
pub fn render(outcome: &Outcome, format: Format, options: &RenderOptions) -> String {
    // What a forge reads names files from the repository root.
    let outcome = match format {
        Format::Sarif | Format::Github | Format::Markdown => {
            Neutral::new(&repository::rebase(outcome))
        }
        _ => Neutral::new(outcome),
    };
    let text = match format {
        Format::Human => human::render(&outcome, options),
        Format::Short => short::render(&outcome, options),
        Format::Json => json::render(&outcome),
        Format::Sarif => sarif::render(&outcome),
        Format::Junit => junit::render(&outcome),
        Format::Github => return github::render(&outcome),
        Format::Markdown => markdown::render(&outcome),
    };
    defuse_workflow_commands(&text).into_owned()
}

/// The report `check --output` still writes when the run failed (exit 2),
/// for the formats a CI step uploads whatever happened: SARIF (the error as
/// a tool execution notification of an unsuccessful invocation) and JUnit
/// (an errored test case). `None` for the other formats.
pub fn render_failure(error: &crate::Error, format: Format) -> Option<String> {
    let error = fatal::neutral(error);
    let text = match format {
        Format::Sarif => sarif::render_failure(&error),
        Format::Junit => junit::render_failure(&error),
        _ => return None,
    };
    Some(defuse_workflow_commands(&text).into_owned())
}

/// Findings in report order. The engine sorts them already; sorting again
/// keeps every format deterministic even if it did not. The fingerprint
/// breaks ties that the sort key leaves.
fn sorted_findings(outcome: &Outcome) -> Vec<&Finding> {
    let mut findings: Vec<&Finding> = outcome.findings.iter().collect();
    findings.sort_by(|a, b| {
        a.sort_key()
            .cmp(&b.sort_key())
            .then_with(|| a.severity.cmp(&b.severity))
            .then_with(|| a.fingerprint.cmp(&b.fingerprint))
    });
    findings
}

/// Tool diagnostics in report order: by file and position, then severity
/// and message.
fn sorted_diagnostics(outcome: &Outcome) -> Vec<&Diagnostic> {
    let mut diagnostics: Vec<&Diagnostic> = outcome.diagnostics.iter().collect();
    diagnostics.sort_by(|a, b| diagnostic_key(a).cmp(&diagnostic_key(b)));
    diagnostics
}

fn diagnostic_key(d: &Diagnostic) -> impl Ord + '_ {
    let position = d.location.as_ref().map(|l| (l.line, l.column));
    (diagnostic_file(d), position, d.severity, d.message.as_str())
}

/// The file a diagnostic is about: its own, else its location's.
fn diagnostic_file(diagnostic: &Diagnostic) -> Option<&str> {
    diagnostic
        .file
        .as_deref()
        .or(diagnostic.location.as_ref().map(|l| l.file.as_str()))
}

/// One rule as reports list it, with its findings counted from the findings
/// being reported (so the counts always add up to the summary).
#[derive(Debug, Clone, PartialEq, Eq)]
struct RuleRow<'a> {
    id: &'a str,
    check: &'a str,
    /// `None` when the rule is `off`.
    severity: Option<Severity>,
    adr: Option<&'a AdrRef>,
    errors: usize,
    warnings: usize,
    infos: usize,
}

impl RuleRow<'_> {
    fn total(&self) -> usize {
        self.errors + self.warnings + self.infos
    }
}

/// The configured rules plus any rule that only appears in findings (the
/// engine's own rules, such as unclassified members), sorted by id so the
/// order does not depend on the configuration file's layout.
fn rule_rows(outcome: &Outcome) -> Vec<RuleRow<'_>> {
    let mut rows: Vec<RuleRow<'_>> = Vec::new();
    // Index by id: a configuration can hold tens of thousands of rules.
    let mut known: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for rule in &outcome.rules {
        if !known.contains_key(rule.id.as_str()) {
            known.insert(&rule.id, rows.len());
            rows.push(RuleRow {
                id: &rule.id,
                check: &rule.check,
                severity: rule.severity,
                adr: rule.adr.as_ref(),
                errors: 0,
                warnings: 0,
                infos: 0,
            });
        }
    }
    for finding in sorted_findings(outcome) {
        let index = match known.get(finding.rule.as_str()) {
            Some(&index) => index,
            None => {
                known.insert(&finding.rule, rows.len());
                rows.push(RuleRow {
                    id: &finding.rule,
                    check: &finding.check,
                    severity: Some(finding.severity),
                    adr: finding.adr.as_ref(),
                    errors: 0,
                    warnings: 0,
                    infos: 0,
                });
                rows.len() - 1
            }
        };
        let row = &mut rows[index];
        match finding.severity {
            Severity::Error => row.errors += 1,
            Severity::Warn => row.warnings += 1,
            Severity::Info => row.infos += 1,
        }
    }
    rows.sort_by(|a, b| a.id.cmp(b.id));
    rows
}

/// "1 error", "2 errors".
fn count(n: usize, singular: &str, plural: &str) -> String {
    if n == 1 {
        format!("{n} {singular}")
    } else {
        format!("{n} {plural}")
    }
}

/// The closing line of the text formats: the findings per severity and the
/// rules they come from (`archfit: 2 errors, 1 warning, 3 infos in 5
/// rules`, or `archfit: no findings from 4 rules`), then what the baseline
/// and suppressions left out, the baseline entries that no longer occur,
/// and the tool's own errors and warnings. A count that is zero is left
/// out; one that is not is never, so "no findings" cannot hide 12
/// baselined ones.
fn summary_line(outcome: &Outcome) -> String {
    let errors = outcome.count(Severity::Error);
    let warnings = outcome.count(Severity::Warn);
    let infos = outcome.count(Severity::Info);
    let rows = rule_rows(outcome);
    let mut line = if errors + warnings + infos == 0 {
        let enabled = rows.iter().filter(|r| r.severity.is_some()).count();
        format!(
            "archfit: no findings from {}",
            count(enabled, "rule", "rules")
        )
    } else {
        let with_findings = rows.iter().filter(|r| r.total() > 0).count();
        format!(
            "archfit: {}, {}, {} in {}",
            count(errors, "error", "errors"),
            count(warnings, "warning", "warnings"),
            count(infos, "info", "infos"),
            count(with_findings, "rule", "rules"),
        )
    };

    let mut left_out = Vec::new();
    // Always said with `--new-since`, even "0 new": the reader must know
    // the findings above are only part of what the rules found.
    if let Some(since) = &outcome.new_since {
        left_out.push(format!(
            "{} new since {} ({}), {} there",
            outcome.findings.len(),
            since.reference,
            since.commit.get(..12).unwrap_or(&since.commit),
            count(since.at_ref, "finding", "findings"),
        ));
    }
    if outcome.baselined > 0 {
        left_out.push(format!("{} baselined", outcome.baselined));
    }
    if outcome.suppressed > 0 {
        left_out.push(format!("{} suppressed", outcome.suppressed));
    }
    let stale = outcome.stale_baseline_entries;
    if stale > 0 {
        left_out.push(count(
            stale,
            "stale baseline entry",
            "stale baseline entries",
        ));
    }
    if !left_out.is_empty() {
        line.push_str("; ");
        line.push_str(&left_out.join(", "));
    }

    // What could not be examined (a rule that saw nothing, a file not
    // analysed) is no finding, but a summary silent about it would read as
    // a clean pass. Each stale entry is one warn diagnostic, counted above.
    let tool = |severity| {
        outcome
            .diagnostics
            .iter()
            .filter(|d| d.severity == severity)
            .count()
    };
    let tool_errors = tool(Severity::Error);
    let tool_warnings = tool(Severity::Warn).saturating_sub(stale);
    let mut tool_counts = Vec::new();
    if tool_errors > 0 {
        tool_counts.push(count(tool_errors, "tool error", "tool errors"));
    }
    if tool_warnings > 0 {
        tool_counts.push(count(tool_warnings, "tool warning", "tool warnings"));
    }
    if !tool_counts.is_empty() {
        line.push_str(&format!(
            "; {} about what was not examined",
            tool_counts.join(" and ")
        ));
    }
    line
}

/// "decision: ADR-0003 Prefer duplication over coupling (Accepted) —
/// docs/adr/0003-prefer-duplication-over-coupling.md", as the human report
/// words it.
fn decision(adr: &AdrRef) -> String {
    format!("decision: {} — {}", adr.display(), adr.link)
}

/// "services/orders/Cargo.toml:6:1".
fn place(location: &Location) -> String {
    format!("{}:{}:{}", location.file, location.line, location.column)
}

/// One line saying what a check detects: the registry's summary, or the
/// engine's own wording for the rules it adds itself.
fn check_summary(check: &str) -> Option<&'static str> {
    match crate::checks::by_name(check) {
        Some(def) => Some(def.summary),
        None => crate::finding::EngineCheck::from_name(check).map(|c| c.summary()),
    }
}

/// Whether an ADR link is a URL rather than a workspace-relative path.
fn is_url(link: &str) -> bool {
    link.contains("://")
}

/// The ADR link when reports may link to it as a web page: `http` or
/// `https`, made of URI characters only (no space, quote, angle bracket,
/// backslash or control). Any other URL (`javascript://…`, a link with a
/// line break) is shown as text and never linked.
fn web_url(link: &str) -> Option<&str> {
    let scheme = link.split_once("://")?.0;
    let web = scheme.eq_ignore_ascii_case("https") || scheme.eq_ignore_ascii_case("http");
    let uri_chars = link
        .bytes()
        .all(|b| b.is_ascii_graphic() && !b"\"<>\\^`{|}".contains(&b));
    (web && uri_chars && link.len() > scheme.len() + 3).then_some(link)
}

/// A workspace-relative path as a relative URI reference: every byte
/// outside the unreserved set and a few safe delimiters is percent-encoded,
/// so spaces, `%`, `#`, `?`, `:`, parentheses and non-ASCII names survive
/// both SARIF's `uri-reference` format and Markdown link destinations. A
/// leading `/` is encoded too: `//host/x` would otherwise name another host.
fn uri_path(path: &str) -> String {
    const KEPT: &[u8] = b"-._~/!$&'*+,;=@";
    let mut out = String::with_capacity(path.len());
    for (i, byte) in path.bytes().enumerate() {
        if byte.is_ascii_alphanumeric() || (KEPT.contains(&byte) && !(i == 0 && byte == b'/')) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// A small outcome shared by the tests of every format: a service manifest
/// with an error finding (ADR, related locations in the same and in another
/// file) and an info finding (no ADR, related location in a file without
/// source), two tool diagnostics and four rules, one of them off.
#[cfg(test)]
pub(crate) mod fixture {
    use std::sync::Arc;

    use crate::{
        AdrRef, Diagnostic, Finding, Fingerprint, Location, Outcome, Related, RuleSummary,
        Severity, Sources,
    };

    pub(crate) const ORDERS_MANIFEST: &str = "\
[package]
name = \"orders\"
version = \"0.1.0\"

[dependencies]
payments-core = { path = \"../../libs/payments-core\" }
telemetry = { path = \"../../libs/telemetry\" }
";

    pub(crate) const PAYMENTS_MANIFEST: &str = "\
[package]
name = \"payments-core\"
version = \"0.1.0\"
";

    fn at(file: &str, text: &str, needle: &str) -> Location {
        let start = text.find(needle).expect("needle in fixture text");
        Location::from_span(file, text, start..start + needle.len())
    }

    pub(crate) fn adr() -> AdrRef {
        AdrRef {
            id: Some("0003".into()),
            title: "Prefer duplication over coupling".into(),
            status: Some(crate::adr::AdrStatus::Accepted),
            link: "docs/adr/0003-prefer-duplication-over-coupling.md".into(),
        }
    }

    pub(crate) fn outcome() -> Outcome {
        let manifest = "services/orders/Cargo.toml";
        let payments = "libs/payments-core/Cargo.toml";
        let dependency = Finding {
            rule: "services-own-their-dependencies".into(),
            check: "service-dependency".into(),
            severity: Severity::Error,
            message: "crate `orders` of service `orders` depends on `payments-core`, owned by service `payments`".into(),
            help: Some("call the payments API instead, or move the shared code into a platform crate".into()),
            suggestion: None,
            label: Some("dependency on another service's crate".into()),
            location: Some(at(
                manifest,
                ORDERS_MANIFEST,
                "payments-core = { path = \"../../libs/payments-core\" }",
            )),
            related: vec![
                Related {
                    location: at(manifest, ORDERS_MANIFEST, "name = \"orders\""),
                    label: "this crate belongs to service `orders`".into(),
                },
                Related {
                    location: at(payments, PAYMENTS_MANIFEST, "name = \"payments-core\""),
                    label: "owned by service `payments`".into(),
                },
            ],
            service: Some("orders".into()),
            krate: Some("orders".into()),
            adr: Some(adr()),
            fingerprint: Fingerprint::new(["services-own-their-dependencies", "orders", "payments-core"]),
        };
        let unclassified = Finding {
            rule: "unclassified-members".into(),
            check: "workspace".into(),
            severity: Severity::Info,
            message: "crate `telemetry` belongs to no service and is not listed as shared".into(),
            help: Some("add it to `[shared] platform` or to a service's `crates`".into()),
            suggestion: None,
            label: None,
            location: Some(at(
                manifest,
                ORDERS_MANIFEST,
                "telemetry = { path = \"../../libs/telemetry\" }",
            )),
            related: vec![Related {
                location: Location {
                    file: "libs/telemetry/Cargo.toml".into(),
                    line: 2,
                    column: 1,
                    end_line: 2,
                    end_column: 19,
                    span: 10..28,
                },
                label: "declared here".into(),
            }],
            service: None,
            krate: Some("telemetry".into()),
            adr: None,
            fingerprint: Fingerprint::new(["unclassified-members", "telemetry"]),
        };
        let mut sources = Sources::new();
        sources.insert(manifest.into(), Arc::from(ORDERS_MANIFEST));
        sources.insert(payments.into(), Arc::from(PAYMENTS_MANIFEST));
        let rule = |id: &str, check: &str, severity, adr, findings| RuleSummary {
            id: id.into(),
            check: check.into(),
            severity,
            adr,
            message: None,
            findings,
        };
        Outcome {
            root: "/home/dev/shop".into(),
            stats: crate::Stats::default(),
            sagas: vec![crate::checks::saga_compensation::SagaSummary {
                name: "create-order".into(),
                dialect: "builder",
                service: Some("orders".into()),
                location: Some(Location::from_span(
                    "services/orders/src/checkout.rs",
                    "fn saga() {\n    Saga::builder(\"create-order\")\n}\n",
                    16..29,
                )),
                steps: 5,
                communication: crate::checks::saga_compensation::Communication::Sync,
                consistency: crate::checks::saga_compensation::Consistency::Eventual,
                coordination: crate::checks::saga_compensation::Coordination::Orchestration,
                class: "Fairy Tale Saga",
            }],
            baselined: 0,
            suppressed: 0,
            quanta: vec![crate::checks::quanta::QuantumSummary {
                services: vec!["orders".into(), "payments".into()],
                joins: vec![crate::checks::quanta::JoinSummary {
                    from: "orders".into(),
                    to: "payments".into(),
                    kind: "http",
                    detail: "http://payments:8080/v1/captures".into(),
                    location: Some(Location::from_span(
                        "services/orders/src/checkout.rs",
                        "const CAPTURE_URL: &str = \"http://payments:8080/v1/captures\";\n",
                        26..60,
                    )),
                }],
            }],
            stale_baseline_entries: 0,
            baseline: crate::BaselineUse::None,
            dismissed: Vec::new(),
            repository: Default::default(),
            new_since: None,
            findings: vec![dependency, unclassified],
            diagnostics: vec![
                Diagnostic {
                    severity: Severity::Info,
                    message: "skipped generated file".into(),
                    file: Some("services/orders/src/generated.rs".into()),
                    location: None,
                },
                Diagnostic {
                    severity: Severity::Warn,
                    message: "could not parse: expected `;`".into(),
                    file: Some("services/orders/src/broken.rs".into()),
                    location: Some(Location {
                        file: "services/orders/src/broken.rs".into(),
                        line: 3,
                        column: 9,
                        end_line: 3,
                        end_column: 10,
                        span: 30..31,
                    }),
                },
            ],
            rules: vec![
                rule(
                    "services-own-their-dependencies",
                    "service-dependency",
                    Some(Severity::Error),
                    Some(adr()),
                    1,
                ),
                rule(
                    "unclassified-members",
                    "workspace",
                    Some(Severity::Info),
                    None,
                    1,
                ),
                rule(
                    "no-service-cycles",
                    "cycles",
                    Some(Severity::Error),
                    None,
                    0,
                ),
                rule("layers-in-accounts", "layers", None, None, 0),
            ],
            sources,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_parses_every_listed_name() {
        for format in Format::ALL {
            assert_eq!(format.name().parse::<Format>(), Ok(*format));
        }
    }

    #[test]
    fn unknown_format_error_lists_valid_names() {
        let err = "xml".parse::<Format>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown report format `xml`; expected one of: human, short, json, sarif, junit, github, markdown"
        );
    }

    #[test]
    fn findings_are_sorted_whatever_the_engine_order() {
        let mut outcome = fixture::outcome();
        let expected: Vec<String> = sorted_findings(&outcome)
            .iter()
            .map(|f| f.fingerprint.0.clone())
            .collect();
        outcome.findings.reverse();
        let reversed: Vec<String> = sorted_findings(&outcome)
            .iter()
            .map(|f| f.fingerprint.0.clone())
            .collect();
        assert_eq!(expected, reversed);
        assert_eq!(
            render(&outcome, Format::Json, &RenderOptions::default()),
            render(&fixture::outcome(), Format::Json, &RenderOptions::default())
        );
    }

    #[test]
    fn rule_rows_count_findings_and_include_rules_only_seen_in_findings() {
        let mut outcome = fixture::outcome();
        outcome.rules.retain(|r| r.id != "unclassified-members");
        let rows = rule_rows(&outcome);
        let ids: Vec<&str> = rows.iter().map(|r| r.id).collect();
        assert_eq!(
            ids,
            [
                "layers-in-accounts",
                "no-service-cycles",
                "services-own-their-dependencies",
                "unclassified-members"
            ]
        );
        let unclassified = &rows[3];
        assert_eq!(unclassified.check, "workspace");
        assert_eq!(unclassified.severity, Some(Severity::Info));
        assert_eq!((unclassified.errors, unclassified.infos), (0, 1));
        assert_eq!(rows[2].errors, 1);
        assert_eq!(rows[0].severity, None);
    }

    #[test]
    fn uri_path_encodes_what_a_uri_reference_cannot_hold() {
        assert_eq!(
            uri_path("services/orders/src/repo_v2.rs"),
            "services/orders/src/repo_v2.rs"
        );
        assert_eq!(
            uri_path("my dir/a:b (1)/50%#?.rs"),
            "my%20dir/a%3Ab%20%281%29/50%25%23%3F.rs"
        );
        assert_eq!(uri_path("façade/[x].rs"), "fa%C3%A7ade/%5Bx%5D.rs");
        assert_eq!(uri_path("//evil.example/x.md"), "%2F/evil.example/x.md");
    }

    #[test]
    fn web_url_is_http_or_https_made_of_uri_characters() {
        assert_eq!(
            web_url("https://adr.example.com/0003?x=1#top"),
            Some("https://adr.example.com/0003?x=1#top")
        );
        assert!(web_url("HTTP://example.com").is_some());
        for link in [
            "javascript://%0Aalert(1)",
            "javascript:alert(1)",
            "data://text/html,x",
            "https://example.com/adr\n::warning::x",
            "https://example.com/a b",
            "https://example.com/\"onmouseover",
            "https://example.com/<x>",
            "https://",
            "docs/adr/0003.md",
        ] {
            assert_eq!(web_url(link), None, "{link}");
        }
    }

    #[test]
    fn summary_line_counts_findings_and_rules() {
        assert_eq!(
            summary_line(&fixture::outcome()),
            "archfit: 1 error, 0 warnings, 1 info in 2 rules; 1 tool warning about what was not examined"
        );
        let mut outcome = fixture::outcome();
        outcome.findings.clear();
        assert_eq!(
            summary_line(&outcome),
            "archfit: no findings from 3 rules; 1 tool warning about what was not examined"
        );
        outcome.diagnostics.clear();
        assert_eq!(summary_line(&outcome), "archfit: no findings from 3 rules");
    }

    #[test]
    fn no_findings_still_counts_what_the_baseline_and_suppressions_left_out() {
        let mut outcome = fixture::outcome();
        outcome.findings.clear();
        outcome.diagnostics.clear();
        outcome.baselined = 12;
        outcome.suppressed = 1;
        assert_eq!(
            summary_line(&outcome),
            "archfit: no findings from 3 rules; 12 baselined, 1 suppressed"
        );
    }

    #[test]
    fn stale_baseline_entries_are_counted_apart_from_tool_diagnostics() {
        let mut outcome = fixture::outcome();
        // Two stale entries: each is also a warn diagnostic.
        for entry in ["0a1b", "2c3d"] {
            outcome.diagnostics.push(Diagnostic {
                severity: Severity::Warn,
                message: format!("baseline entry {entry} occurs 1 time(s) less than recorded"),
                file: Some("archfit-baseline.json".into()),
                location: None,
            });
        }
        outcome.stale_baseline_entries = 2;
        outcome.baselined = 3;
        assert_eq!(
            summary_line(&outcome),
            "archfit: 1 error, 0 warnings, 1 info in 2 rules; 3 baselined, 2 stale baseline entries; 1 tool warning about what was not examined"
        );
        outcome
            .diagnostics
            .retain(|d| d.file.as_deref() == Some("archfit-baseline.json"));
        outcome.stale_baseline_entries = 1;
        outcome.diagnostics.pop();
        assert_eq!(
            summary_line(&outcome),
            "archfit: 1 error, 0 warnings, 1 info in 2 rules; 3 baselined, 1 stale baseline entry"
        );
    }

    #[test]
    fn tool_errors_and_warnings_are_counted_by_severity() {
        let mut outcome = fixture::outcome();
        outcome.diagnostics.push(Diagnostic {
            severity: Severity::Error,
            message: "services/orders/src/lib.rs does not parse".into(),
            file: Some("services/orders/src/lib.rs".into()),
            location: None,
        });
        assert!(summary_line(&outcome)
            .ends_with("; 1 tool error and 1 tool warning about what was not examined"));
        // Info diagnostics (shown with -v) are no warning.
        outcome.diagnostics.retain(|d| d.severity == Severity::Info);
        assert_eq!(
            summary_line(&outcome),
            "archfit: 1 error, 0 warnings, 1 info in 2 rules"
        );
    }

    #[test]
    fn check_summary_covers_registered_and_engine_checks() {
        assert_eq!(
            check_summary("cycles"),
            Some("cycles between modules, crates or services")
        );
        assert!(check_summary("classification").is_some());
        assert!(check_summary("adr-status").is_some());
        assert!(check_summary("suppression").is_some());
        assert_eq!(check_summary("no-such-check"), None);
    }

    #[test]
    fn every_format_ends_with_a_newline() {
        for format in Format::ALL {
            let text = render(&fixture::outcome(), *format, &RenderOptions::default());
            assert!(text.ends_with('\n'), "{format}");
        }
    }

    #[test]
    fn counts_use_singular_for_one() {
        assert_eq!(count(1, "error", "errors"), "1 error");
        assert_eq!(count(0, "error", "errors"), "0 errors");
        assert_eq!(count(3, "info", "infos"), "3 infos");
    }
}
