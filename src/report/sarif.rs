//! The SARIF 2.1.0 report, for code scanning (GitHub, GitLab, Azure DevOps)
//! and SARIF viewers in editors.
//!
//! One run: the driver lists one reporting descriptor per rule (sorted by
//! id, so `ruleIndex` is stable), each result points at a file relative to
//! the repository root, `%SRCROOT%` (`report/repository.rs`), and the tool's
//! own diagnostics are the invocation's execution notifications. An error
//! diagnostic (a file not analysed, a rule that crashed: exit 2) makes the
//! invocation unsuccessful; so does an error that stopped the run before
//! any rule ran ([`render_failure`]), which still writes a log, with no
//! result, so that a CI step uploading it finds a file that says why.
//!
//! Findings the baseline holds and findings an `// archfit: allow(…)`
//! comment suppresses are results too, with a `suppressions` entry of kind
//! `external` or `inSource` (the comment's reason as justification), so a
//! SARIF viewer shows them as dismissed, not fixed. GitHub code scanning
//! ignores `suppressions` and would open alerts for them: the Action
//! (`action.yml`) leaves them out of what it uploads.
//!
//! The structs below cover only what we emit; serde writes their fields in
//! declaration order and leaves absent values out, as SARIF consumers expect.
//! `tests/data/sarif-schema-2.1.0.json` (the OASIS schema) checks them in the
//! tests, formats included, because GitHub rejects an upload whose URIs do
//! not match their declared format.
//!
//! `helpUri` must be an absolute URI (SARIF §3.49.12, `"format": "uri"` in
//! the schema): an ADR given as a URL becomes the rule's `helpUri`, and so
//! does an ADR file once the repository's web address is known (its page at
//! the analysed commit); otherwise the file is linked from the rule's
//! `help` (Markdown, as a relative link) and named in its `properties.adr`,
//! never as a relative `helpUri`, which would make GitHub refuse the whole
//! file.

use std::collections::BTreeMap;

use serde::Serialize;

use super::failure::{problems, Problem};
use super::repository::Links;
use super::{
    check_summary, decision, diagnostic_file, is_url, markdown, neutral::Neutral, rule_rows,
    sorted_diagnostics, sorted_findings, uri_path, web_url, RuleRow,
};
use crate::adr::AdrStatus;
use crate::{AdrRef, Diagnostic, Dismissal, Dismissed, Finding, Location, Outcome, Severity};

/// Where SARIF producers conventionally point `$schema`.
const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// The base every artifact URI is relative to: the repository root. Left
/// undefined in the file (no absolute path in a report); code scanning
/// resolves it to the repository checkout.
const SRCROOT: &str = "%SRCROOT%";

/// Key of the finding's fingerprint in `partialFingerprints`; the version
/// changes if `Fingerprint` ever hashes differently.
const FINGERPRINT_KEY: &str = "archfit/v1";

/// The crate's repository once Cargo.toml names one, else its crates.io page.
const INFORMATION_URI: &str = if env!("CARGO_PKG_REPOSITORY").is_empty() {
    "https://crates.io/crates/cargo-archfit"
} else {
    env!("CARGO_PKG_REPOSITORY")
};

pub(super) fn render(outcome: &Neutral) -> String {
    text(&Log::new(outcome))
}

/// The log of a run that an error stopped (exit 2): no rule ran, so no
/// descriptor and no result; each problem is an error notification of the
/// unsuccessful invocation. `error` arrives neutralised.
pub(super) fn render_failure(error: &crate::Error) -> String {
    let notifications = problems(error).iter().map(Notification::problem).collect();
    text(&Log {
        schema: SCHEMA_URI,
        version: "2.1.0",
        runs: [Run {
            tool: Tool {
                driver: Driver::new(Vec::new()),
            },
            invocations: [Invocation {
                execution_successful: false,
                tool_execution_notifications: notifications,
            }],
            version_control_provenance: Vec::new(),
            column_kind: "unicodeCodePoints",
            results: Vec::new(),
            properties: RunProperties {
                baselined: 0,
                suppressed: 0,
            },
        }],
    })
}

fn text(log: &Log<'_>) -> String {
    let mut text = serde_json::to_string_pretty(log)
        .expect("the log has string keys only, so serialising it cannot fail");
    text.push('\n');
    text
}

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool<'a>,
    invocations: [Invocation; 1],
    /// The repository and commit `%SRCROOT%` stands for, when known.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    version_control_provenance: Vec<Provenance>,
    /// Our columns count Unicode scalar values, not SARIF's default UTF-16
    /// code units.
    column_kind: &'static str,
    results: Vec<SarifResult<'a>>,
    properties: RunProperties,
}

impl<'a> Log<'a> {
    fn new(outcome: &'a Outcome) -> Log<'a> {
        let rows = rows(outcome);
        let links = Links::of(outcome);
        let mut results: Vec<SarifResult<'a>> = sorted_findings(outcome)
            .into_iter()
            .map(|finding| SarifResult::new(finding, &rows))
            .collect();
        results.extend(
            sorted_dismissed(outcome)
                .into_iter()
                .map(|dismissed| SarifResult::dismissed(dismissed, &rows)),
        );
        let rules = rows
            .iter()
            .map(|row| Descriptor::new(row, outcome, links))
            .collect();
        let notifications = sorted_diagnostics(outcome)
            .into_iter()
            .map(Notification::new)
            .collect();
        Log {
            schema: SCHEMA_URI,
            version: "2.1.0",
            runs: [Run {
                tool: Tool {
                    driver: Driver::new(rules),
                },
                invocations: [Invocation {
                    // Findings are what the run is for; a file that could
                    // not be analysed or a rule that crashed is not.
                    execution_successful: !outcome
                        .diagnostics
                        .iter()
                        .any(|d| d.severity == Severity::Error),
                    tool_execution_notifications: notifications,
                }],
                version_control_provenance: outcome
                    .repository
                    .web
                    .iter()
                    .map(|web| Provenance {
                        repository_uri: web.url.clone(),
                        revision_id: web.revision.clone(),
                        mapped_to: MappedTo {
                            uri_base_id: SRCROOT,
                        },
                    })
                    .collect(),
                column_kind: "unicodeCodePoints",
                results,
                properties: RunProperties {
                    baselined: outcome.baselined,
                    suppressed: outcome.suppressed,
                },
            }],
        }
    }
}

/// The rules of the report and the rules of findings it shows dismissed
/// (an engine rule, such as unclassified members, may only occur there),
/// sorted by id so that `ruleIndex` is stable.
fn rows(outcome: &Outcome) -> Vec<RuleRow<'_>> {
    let mut rows = rule_rows(outcome);
    for dismissed in &outcome.dismissed {
        let finding = &dismissed.finding;
        if !rows.iter().any(|row| row.id == finding.rule) {
            rows.push(RuleRow {
                id: &finding.rule,
                check: &finding.check,
                severity: Some(finding.severity),
                adr: finding.adr.as_ref(),
                errors: 0,
                warnings: 0,
                infos: 0,
            });
        }
    }
    rows.sort_by(|a, b| a.id.cmp(b.id));
    rows
}

/// Dismissed findings in report order; at one place, baselined first.
fn sorted_dismissed(outcome: &Outcome) -> Vec<&Dismissed> {
    let mut dismissed: Vec<&Dismissed> = outcome.dismissed.iter().collect();
    fn comment(d: &Dismissed) -> Option<(usize, usize, &str)> {
        match &d.by {
            Dismissal::Baseline => None,
            Dismissal::Inline { reason, location } => {
                Some((location.line, location.column, reason.as_str()))
            }
        }
    }
    dismissed.sort_by(|a, b| {
        a.finding
            .sort_key()
            .cmp(&b.finding.sort_key())
            .then_with(|| a.finding.severity.cmp(&b.finding.severity))
            .then_with(|| a.finding.fingerprint.cmp(&b.finding.fingerprint))
            .then_with(|| comment(a).cmp(&comment(b)))
    });
    dismissed
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Provenance {
    repository_uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    revision_id: Option<String>,
    mapped_to: MappedTo,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct MappedTo {
    uri_base_id: &'static str,
}

#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

impl<'a> Driver<'a> {
    fn new(rules: Vec<Descriptor<'a>>) -> Driver<'a> {
        Driver {
            name: "cargo-archfit",
            version: crate::VERSION,
            semantic_version: crate::VERSION,
            information_uri: INFORMATION_URI,
            rules,
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver<'a> {
    name: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    information_uri: &'static str,
    rules: Vec<Descriptor<'a>>,
}

/// Findings the run left out, so a dashboard can show them as the JSON
/// report's summary does.
#[derive(Serialize)]
struct RunProperties {
    baselined: usize,
    suppressed: usize,
}

/// A rule as a SARIF `reportingDescriptor`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Descriptor<'a> {
    id: &'a str,
    name: &'a str,
    short_description: Text,
    full_description: Text,
    #[serde(skip_serializing_if = "Option::is_none")]
    help_uri: Option<String>,
    help: Help,
    default_configuration: Configuration,
    properties: DescriptorProperties<'a>,
}

impl<'a> Descriptor<'a> {
    fn new(row: &RuleRow<'a>, outcome: &'a Outcome, links: Links<'_>) -> Descriptor<'a> {
        let configured = outcome.rules.iter().find(|rule| rule.id == row.id);
        let message = configured.and_then(|rule| rule.message.as_deref());
        let summary = check_summary(row.check);
        let short = message.or(summary).map_or_else(
            || format!("findings of the `{}` check", row.check),
            str::to_owned,
        );

        let mut full: Vec<String> = Vec::new();
        full.extend(summary.map(str::to_owned));
        full.extend(message.map(str::to_owned));
        full.extend(row.adr.map(decision));
        if row.severity.is_none() {
            full.push("The rule is off in this configuration.".to_owned());
        }
        let full = if full.is_empty() {
            short.clone()
        } else {
            full.join("\n")
        };

        Descriptor {
            id: row.id,
            name: row.check,
            short_description: Text { text: short },
            full_description: Text { text: full },
            help_uri: row.adr.and_then(|adr| help_uri(adr, links)),
            help: Help::new(row, configured.is_some(), links),
            default_configuration: Configuration {
                enabled: row.severity.is_none().then_some(false),
                level: row.severity.map_or("none", level),
            },
            properties: DescriptorProperties {
                tags: ["architecture", row.check],
                adr: row.adr.map(AdrProperties::new),
            },
        }
    }
}

/// An ADR given as a web URL, or the web page of an ADR file when the
/// repository's address is known; never a relative reference.
fn help_uri(adr: &AdrRef, links: Links<'_>) -> Option<String> {
    if is_url(&adr.link) {
        web_url(&adr.link).map(str::to_owned)
    } else {
        links.absolute(&adr.link)
    }
}

#[derive(Serialize)]
struct Text {
    text: String,
}

/// A rule's documentation: its decision and how to read more.
#[derive(Serialize)]
struct Help {
    text: String,
    markdown: String,
}

impl Help {
    fn new(row: &RuleRow<'_>, configured: bool, links: Links<'_>) -> Help {
        let mut text = Vec::new();
        let mut markdown = Vec::new();
        match row.adr {
            Some(adr) => {
                text.push(decision(adr));
                // The path is shown as well as linked: a relative link does
                // not resolve everywhere (a code-scanning alert page).
                markdown.push(format!(
                    "**Decision:** {}, recorded in {}",
                    markdown::inline(&adr.display(), false),
                    markdown::adr_link(links, &markdown::code(&adr.link, false), &adr.link)
                ));
            }
            None => {
                let none = "No decision (ADR) is recorded for this rule.";
                text.push(none.to_owned());
                markdown.push(none.to_owned());
            }
        }
        if configured {
            let explain = format!(
                "`cargo archfit explain {}` tells what the rule checks and its parameters.",
                row.id
            );
            text.push(explain.clone());
            markdown.push(explain);
        }
        Help {
            text: text.join("\n"),
            markdown: markdown.join("\n\n"),
        }
    }
}

#[derive(Serialize)]
struct Configuration {
    /// Written only for rules that are off.
    #[serde(skip_serializing_if = "Option::is_none")]
    enabled: Option<bool>,
    level: &'static str,
}

#[derive(Serialize)]
struct DescriptorProperties<'a> {
    tags: [&'a str; 2],
    #[serde(skip_serializing_if = "Option::is_none")]
    adr: Option<AdrProperties<'a>>,
}

#[derive(Serialize)]
struct AdrProperties<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a str>,
    title: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<&'a str>,
    /// Workspace-relative path or URL, as in the JSON report.
    link: &'a str,
}

impl<'a> AdrProperties<'a> {
    fn new(adr: &'a AdrRef) -> AdrProperties<'a> {
        AdrProperties {
            id: adr.id.as_deref(),
            title: &adr.title,
            status: adr.status.as_ref().map(AdrStatus::as_str),
            link: &adr.link,
        }
    }
}

/// SARIF's level for a severity.
fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warn => "warning",
        Severity::Info => "note",
    }
}

/// A finding as a SARIF `result`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'a str,
    rule_index: usize,
    level: &'static str,
    message: Text,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    locations: Vec<SarifLocation>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<SarifLocation>,
    partial_fingerprints: BTreeMap<&'static str, &'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suppressions: Vec<Suppression>,
    properties: ResultProperties<'a>,
}

/// Why a result is dismissed (SARIF §3.35).
#[derive(Serialize)]
struct Suppression {
    /// `external` (the baseline file) or `inSource` (a comment).
    kind: &'static str,
    status: &'static str,
    justification: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    location: Option<SarifLocation>,
}

impl Suppression {
    fn new(by: &Dismissal) -> Suppression {
        match by {
            Dismissal::Baseline => Suppression {
                kind: "external",
                status: "accepted",
                justification: "recorded in the baseline; fix it, then `cargo archfit baseline` shrinks the file".into(),
                location: None,
            },
            Dismissal::Inline { reason, location } => Suppression {
                kind: "inSource",
                status: "accepted",
                justification: reason.clone(),
                location: Some(SarifLocation {
                    id: None,
                    physical_location: PhysicalLocation::at(location),
                    message: None,
                }),
            },
        }
    }
}

impl<'a> SarifResult<'a> {
    fn new(finding: &'a Finding, rows: &[RuleRow<'_>]) -> SarifResult<'a> {
        let rule_index = rows
            .iter()
            .position(|row| row.id == finding.rule)
            .expect("rule_rows lists the rule of every finding");
        let mut text = finding.message.clone();
        if let Some(help) = &finding.help {
            text.push_str("\nhelp: ");
            text.push_str(help);
        }
        if let Some(adr) = &finding.adr {
            text.push('\n');
            text.push_str(&decision(adr));
        }
        let related_locations = finding
            .related
            .iter()
            .enumerate()
            .map(|(index, related)| SarifLocation {
                id: Some(index),
                physical_location: PhysicalLocation::at(&related.location),
                message: Some(Text {
                    text: related.label.clone(),
                }),
            })
            .collect();
        SarifResult {
            rule_id: &finding.rule,
            rule_index,
            level: level(finding.severity),
            message: Text { text },
            locations: finding
                .location
                .iter()
                .map(|location| SarifLocation {
                    id: None,
                    physical_location: PhysicalLocation::at(location),
                    message: None,
                })
                .collect(),
            related_locations,
            partial_fingerprints: BTreeMap::from([(
                FINGERPRINT_KEY,
                finding.fingerprint.0.as_str(),
            )]),
            suppressions: Vec::new(),
            properties: ResultProperties {
                check: &finding.check,
                service: finding.service.as_deref(),
                krate: finding.krate.as_deref(),
            },
        }
    }
}

impl<'a> SarifResult<'a> {
    fn dismissed(dismissed: &'a Dismissed, rows: &[RuleRow<'_>]) -> SarifResult<'a> {
        SarifResult {
            suppressions: vec![Suppression::new(&dismissed.by)],
            ..SarifResult::new(&dismissed.finding, rows)
        }
    }
}

#[derive(Serialize)]
struct ResultProperties<'a> {
    check: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    service: Option<&'a str>,
    #[serde(rename = "crate", skip_serializing_if = "Option::is_none")]
    krate: Option<&'a str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifLocation {
    /// Identifies a related location within its result.
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    physical_location: PhysicalLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Text>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<Region>,
}

impl PhysicalLocation {
    fn at(location: &Location) -> PhysicalLocation {
        PhysicalLocation {
            artifact_location: ArtifactLocation::new(&location.file),
            region: Some(Region::new(location)),
        }
    }

    /// A whole file, for a diagnostic that knows no position in it.
    fn file(file: &str) -> PhysicalLocation {
        PhysicalLocation {
            artifact_location: ArtifactLocation::new(file),
            region: None,
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    uri_base_id: &'static str,
}

impl ArtifactLocation {
    fn new(file: &str) -> ArtifactLocation {
        ArtifactLocation {
            uri: uri_path(file),
            uri_base_id: SRCROOT,
        }
    }
}

/// Lines and columns are 1-based; the end is exclusive, as in our
/// `Location`. Clamped so that a malformed location still gives a region
/// SARIF accepts (start ≥ 1, end not before start).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
    start_column: usize,
    end_line: usize,
    end_column: usize,
}

impl Region {
    fn new(location: &Location) -> Region {
        let start_line = location.line.max(1);
        let start_column = location.column.max(1);
        let end_line = location.end_line.max(start_line);
        let end_column = if end_line == start_line {
            location.end_column.max(start_column)
        } else {
            location.end_column.max(1)
        };
        Region {
            start_line,
            start_column,
            end_line,
            end_column,
        }
    }
}

#[derive(Serialize)]
struct Invocation {
    #[serde(rename = "executionSuccessful")]
    execution_successful: bool,
    #[serde(
        rename = "toolExecutionNotifications",
        skip_serializing_if = "Vec::is_empty"
    )]
    tool_execution_notifications: Vec<Notification>,
}

/// A tool diagnostic as a SARIF `notification`.
#[derive(Serialize)]
struct Notification {
    level: &'static str,
    message: Text,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    locations: Vec<SarifLocation>,
}

impl Notification {
    /// A problem that stopped the run; its place is in the text, since a
    /// file named by `--config` may lie outside the repository.
    fn problem(problem: &Problem) -> Notification {
        Notification {
            level: "error",
            message: Text {
                text: problem.details(),
            },
            locations: Vec::new(),
        }
    }

    fn new(diagnostic: &Diagnostic) -> Notification {
        let physical = match (&diagnostic.location, diagnostic_file(diagnostic)) {
            (Some(location), _) => Some(PhysicalLocation::at(location)),
            (None, Some(file)) => Some(PhysicalLocation::file(file)),
            (None, None) => None,
        };
        Notification {
            level: level(diagnostic.severity),
            message: Text {
                text: diagnostic.message.clone(),
            },
            locations: physical
                .into_iter()
                .map(|physical_location| SarifLocation {
                    id: None,
                    physical_location,
                    message: None,
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::super::fixture;
    use crate::report::{render, Format, RenderOptions};
    use crate::{AdrRef, Dismissal, Dismissed, Location, Outcome, Severity};

    fn sarif(outcome: &Outcome) -> String {
        render(outcome, Format::Sarif, &RenderOptions::default())
    }

    fn parsed(outcome: &Outcome) -> Value {
        serde_json::from_str(&sarif(outcome)).expect("the report is valid JSON")
    }

    /// The SARIF schema of tests/data. Its pattern for `language` (of a run
    /// and of a tool component) has a stray `]` that a strict regex engine
    /// refuses, so the schema would fail its own meta-schema check; later
    /// OASIS editions correct it to the pattern used here. We never write
    /// `language`.
    fn schema() -> Value {
        fn fix(value: &mut Value) {
            match value {
                Value::Object(map) => {
                    for (key, value) in map.iter_mut() {
                        if key == "pattern" && value == "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$" {
                            *value = "^[a-zA-Z]{2}(-[a-zA-Z]{2})?$".into();
                        } else {
                            fix(value);
                        }
                    }
                }
                Value::Array(items) => items.iter_mut().for_each(fix),
                _ => {}
            }
        }
        let mut schema =
            serde_json::from_str(include_str!("../../tests/data/sarif-schema-2.1.0.json"))
                .expect("the schema is JSON");
        fix(&mut schema);
        schema
    }

    /// Schema violations of `log`, string formats included.
    fn schema_errors(log: &Value) -> Vec<String> {
        let validator = jsonschema::options()
            .should_validate_formats(true)
            .build(&schema())
            .expect("the SARIF schema compiles");
        validator
            .iter_errors(log)
            .map(|e| format!("{}: {e}", e.instance_path()))
            .collect()
    }

    /// The fixture plus what it lacks: a warning, an ADR given as a URL, a
    /// finding without location, a file name that needs percent-encoding.
    fn varied() -> Outcome {
        let mut outcome = fixture::outcome();
        let url = AdrRef {
            id: Some("0005".into()),
            title: "No cycles between services".into(),
            status: Some(crate::adr::AdrStatus::Accepted),
            link: "https://adr.example.com/0005-no-cycles.html".into(),
        };
        let rule = outcome
            .rules
            .iter_mut()
            .find(|r| r.id == "no-service-cycles")
            .unwrap();
        rule.adr = Some(url.clone());
        rule.findings = 1;
        let mut warning = outcome.findings[0].clone();
        warning.rule = "no-service-cycles".into();
        warning.check = "cycles".into();
        warning.severity = Severity::Warn;
        warning.adr = Some(url);
        let location = warning.location.as_mut().unwrap();
        location.file = "services/orders/src/my module (old)/façade.rs".into();
        let mut nowhere = outcome.findings[1].clone();
        nowhere.location = None;
        nowhere.related.clear();
        outcome.findings.extend([warning, nowhere]);
        outcome
    }

    #[test]
    fn log_validates_against_the_sarif_schema() {
        for outcome in [fixture::outcome(), varied()] {
            let errors = schema_errors(&parsed(&outcome));
            assert!(errors.is_empty(), "{errors:#?}");
        }
    }

    #[test]
    fn hostile_links_and_file_names_still_validate() {
        // An ADR link that only looks like a URL (a line break, a script
        // scheme, a leading `//`) must not become a `helpUri` or an
        // artifact URI that GitHub would refuse or follow.
        for link in [
            "https://example.com/adr\n::warning::x",
            "javascript://%0Aalert(1)",
            "//evil.example/adr.md",
        ] {
            let mut outcome = varied();
            let rule = outcome
                .rules
                .iter_mut()
                .find(|r| r.id == "no-service-cycles")
                .unwrap();
            rule.adr.as_mut().unwrap().link = link.into();
            for finding in &mut outcome.findings {
                if let Some(adr) = &mut finding.adr {
                    adr.link = link.into();
                }
            }
            outcome.findings[0].location.as_mut().unwrap().file =
                "//evil.example/\u{1b}[2J\r\n::error::x.rs".into();
            let log = parsed(&outcome);
            let errors = schema_errors(&log);
            assert!(errors.is_empty(), "{link}: {errors:#?}");
            let rules = log["runs"][0]["tool"]["driver"]["rules"]
                .as_array()
                .unwrap();
            assert!(rules.iter().all(|r| r.get("helpUri").is_none()), "{link}");
            let uris: Vec<&str> = log["runs"][0]["results"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|r| {
                    r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str()
                })
                .collect();
            assert!(
                uris.iter().any(|u| u.starts_with("%2F/evil.example/")),
                "{uris:?}"
            );
            assert!(uris.iter().all(|u| !u.starts_with("//")), "{uris:?}");
        }
    }

    #[test]
    fn schema_check_catches_a_relative_help_uri() {
        // Guards the test above: the format check is on, which is why a
        // workspace ADR is never written as `helpUri`.
        let mut log = parsed(&fixture::outcome());
        log["runs"][0]["tool"]["driver"]["rules"][2]["helpUri"] =
            "docs/adr/0003-prefer-duplication-over-coupling.md".into();
        let errors = schema_errors(&log);
        assert!(errors.iter().any(|e| e.contains("helpUri")), "{errors:#?}");
    }

    #[test]
    fn one_run_by_cargo_archfit() {
        let log = parsed(&fixture::outcome());
        assert_eq!(log["version"], "2.1.0");
        assert_eq!(log["runs"].as_array().unwrap().len(), 1);
        let driver = &log["runs"][0]["tool"]["driver"];
        assert_eq!(driver["name"], "cargo-archfit");
        assert_eq!(driver["version"], crate::VERSION);
        assert!(driver["informationUri"]
            .as_str()
            .unwrap()
            .starts_with("https://"));
        assert_eq!(log["runs"][0]["columnKind"], "unicodeCodePoints");
    }

    #[test]
    fn every_rule_has_a_descriptor_and_results_point_at_theirs() {
        let mut outcome = fixture::outcome();
        // A rule seen only in findings (the engine's own) still gets one.
        outcome.rules.retain(|r| r.id != "unclassified-members");
        let log = parsed(&outcome);
        let rules = log["runs"][0]["tool"]["driver"]["rules"]
            .as_array()
            .unwrap();
        let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
        assert_eq!(
            ids,
            [
                "layers-in-accounts",
                "no-service-cycles",
                "services-own-their-dependencies",
                "unclassified-members"
            ]
        );
        assert_eq!(rules[2]["name"], "service-dependency");
        for result in log["runs"][0]["results"].as_array().unwrap() {
            let index = result["ruleIndex"].as_u64().unwrap() as usize;
            assert_eq!(rules[index]["id"], result["ruleId"]);
        }
    }

    #[test]
    fn descriptor_describes_the_check_and_its_decision() {
        let log = parsed(&fixture::outcome());
        let rule = &log["runs"][0]["tool"]["driver"]["rules"][2];
        assert_eq!(
            rule["shortDescription"]["text"],
            "a service's crate depends on a crate owned by another service"
        );
        assert_eq!(
            rule["fullDescription"]["text"],
            "a service's crate depends on a crate owned by another service\n\
             decision: ADR-0003 Prefer duplication over coupling (Accepted) — \
             docs/adr/0003-prefer-duplication-over-coupling.md"
        );
        assert_eq!(
            rule["properties"]["adr"]["title"],
            "Prefer duplication over coupling"
        );
        assert_eq!(rule["properties"]["adr"]["status"], "Accepted");
        assert_eq!(
            rule["properties"]["tags"],
            serde_json::json!(["architecture", "service-dependency"])
        );
    }

    #[test]
    fn rule_message_is_the_short_description() {
        let mut outcome = fixture::outcome();
        outcome.rules[0].message = Some("call the payments API".into());
        let log = parsed(&outcome);
        let rule = &log["runs"][0]["tool"]["driver"]["rules"][2];
        assert_eq!(rule["shortDescription"]["text"], "call the payments API");
        assert!(rule["fullDescription"]["text"]
            .as_str()
            .unwrap()
            .contains("call the payments API"));
    }

    #[test]
    fn workspace_adr_is_linked_from_help_not_help_uri() {
        let log = parsed(&fixture::outcome());
        let rule = &log["runs"][0]["tool"]["driver"]["rules"][2];
        assert!(rule.get("helpUri").is_none());
        assert_eq!(
            rule["help"]["markdown"],
            "**Decision:** ADR-0003 Prefer duplication over coupling (Accepted), recorded in \
             [`docs/adr/0003-prefer-duplication-over-coupling.md`](docs/adr/0003-prefer-duplication-over-coupling.md)\n\n\
             `cargo archfit explain services-own-their-dependencies` tells what the rule checks and its parameters."
        );
    }

    #[test]
    fn adr_url_is_the_help_uri() {
        let log = parsed(&varied());
        let rule = &log["runs"][0]["tool"]["driver"]["rules"][1];
        assert_eq!(rule["id"], "no-service-cycles");
        assert_eq!(
            rule["helpUri"],
            "https://adr.example.com/0005-no-cycles.html"
        );
    }

    #[test]
    fn levels_follow_severities_and_off_rules_are_disabled() {
        let log = parsed(&varied());
        let run = &log["runs"][0];
        let levels: Vec<(&str, &str)> = run["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| (r["ruleId"].as_str().unwrap(), r["level"].as_str().unwrap()))
            .collect();
        assert!(levels.contains(&("services-own-their-dependencies", "error")));
        assert!(levels.contains(&("no-service-cycles", "warning")));
        assert!(levels.contains(&("unclassified-members", "note")));
        let rules = &run["tool"]["driver"]["rules"];
        assert_eq!(
            rules[0]["defaultConfiguration"],
            serde_json::json!({"enabled": false, "level": "none"})
        );
        assert_eq!(
            rules[1]["defaultConfiguration"],
            serde_json::json!({"level": "error"})
        );
        assert_eq!(rules[3]["defaultConfiguration"]["level"], "note");
    }

    #[test]
    fn result_locates_the_finding_relative_to_the_source_root() {
        let log = parsed(&fixture::outcome());
        let result = &log["runs"][0]["results"][0];
        assert_eq!(
            result["locations"][0]["physicalLocation"],
            serde_json::json!({
                "artifactLocation": {"uri": "services/orders/Cargo.toml", "uriBaseId": "%SRCROOT%"},
                "region": {"startLine": 6, "startColumn": 1, "endLine": 6, "endColumn": 54}
            })
        );
        assert!(!sarif(&fixture::outcome()).contains("/home/dev/shop"));
    }

    #[test]
    fn file_names_are_percent_encoded_uris() {
        let log = parsed(&varied());
        let uris: Vec<&str> = log["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|r| {
                r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str()
            })
            .collect();
        assert!(
            uris.contains(&"services/orders/src/my%20module%20%28old%29/fa%C3%A7ade.rs"),
            "{uris:?}"
        );
    }

    #[test]
    fn finding_without_location_has_no_locations() {
        let log = parsed(&varied());
        let results = log["runs"][0]["results"].as_array().unwrap();
        assert!(results.iter().any(|r| r.get("locations").is_none()));
    }

    #[test]
    fn message_carries_help_and_decision() {
        let log = parsed(&fixture::outcome());
        assert_eq!(
            log["runs"][0]["results"][0]["message"]["text"],
            "crate `orders` of service `orders` depends on `payments-core`, owned by service `payments`\n\
             help: call the payments API instead, or move the shared code into a platform crate\n\
             decision: ADR-0003 Prefer duplication over coupling (Accepted) — docs/adr/0003-prefer-duplication-over-coupling.md"
        );
    }

    #[test]
    fn related_locations_carry_their_labels() {
        let log = parsed(&fixture::outcome());
        let related = &log["runs"][0]["results"][0]["relatedLocations"];
        assert_eq!(related[0]["id"], 0);
        assert_eq!(related[1]["id"], 1);
        assert_eq!(related[1]["message"]["text"], "owned by service `payments`");
        assert_eq!(
            related[1]["physicalLocation"]["artifactLocation"]["uri"],
            "libs/payments-core/Cargo.toml"
        );
        assert_eq!(related[1]["physicalLocation"]["region"]["startLine"], 2);
    }

    #[test]
    fn fingerprint_is_a_partial_fingerprint() {
        let outcome = fixture::outcome();
        let log = parsed(&outcome);
        assert_eq!(
            log["runs"][0]["results"][0]["partialFingerprints"],
            serde_json::json!({"archfit/v1": outcome.findings[0].fingerprint.0})
        );
    }

    #[test]
    fn diagnostics_are_execution_notifications() {
        let log = parsed(&fixture::outcome());
        let invocation = &log["runs"][0]["invocations"][0];
        assert_eq!(invocation["executionSuccessful"], true);
        let notifications = invocation["toolExecutionNotifications"].as_array().unwrap();
        assert_eq!(notifications.len(), 2);
        assert_eq!(notifications[0]["level"], "warning");
        assert_eq!(
            notifications[0]["message"]["text"],
            "could not parse: expected `;`"
        );
        assert_eq!(
            notifications[0]["locations"][0]["physicalLocation"]["region"]["startColumn"],
            9
        );
        // A diagnostic that knows only its file points at the whole file.
        assert_eq!(notifications[1]["level"], "note");
        assert_eq!(
            notifications[1]["locations"][0]["physicalLocation"],
            serde_json::json!({"artifactLocation": {
                "uri": "services/orders/src/generated.rs", "uriBaseId": "%SRCROOT%"
            }})
        );
    }

    #[test]
    fn malformed_location_still_gives_a_valid_region() {
        let mut outcome = fixture::outcome();
        outcome.findings[0].location = Some(Location {
            file: "services/orders/Cargo.toml".into(),
            line: 0,
            column: 0,
            end_line: 0,
            end_column: 0,
            span: 0..0,
        });
        let log = parsed(&outcome);
        assert_eq!(
            log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"],
            serde_json::json!({"startLine": 1, "startColumn": 1, "endLine": 1, "endColumn": 1})
        );
        assert!(schema_errors(&log).is_empty());
    }

    /// The fixture with its info finding held by the baseline (an engine
    /// rule that no configured rule names) and a second finding of the
    /// dependency rule suppressed by a comment.
    fn with_dismissed() -> Outcome {
        let mut outcome = fixture::outcome();
        let held = outcome.findings.remove(1);
        outcome.rules.retain(|r| r.id != "unclassified-members");
        let mut suppressed = outcome.findings[0].clone();
        suppressed.message = "the same dependency, for the build script".into();
        let comment = Location {
            file: "services/orders/Cargo.toml".into(),
            line: 5,
            column: 3,
            end_line: 5,
            end_column: 50,
            span: 0..0,
        };
        outcome.dismissed = vec![
            Dismissed {
                finding: suppressed,
                by: Dismissal::Inline {
                    reason: "payments-core moves to libs/ in Q3 (ADR-0009)".into(),
                    location: comment,
                },
            },
            Dismissed {
                finding: held,
                by: Dismissal::Baseline,
            },
        ];
        outcome.baselined = 1;
        outcome.suppressed = 1;
        outcome
    }

    #[test]
    fn dismissed_findings_are_results_with_suppressions() {
        let log = parsed(&with_dismissed());
        let errors = schema_errors(&log);
        assert!(errors.is_empty(), "{errors:#?}");
        let run = &log["runs"][0];
        let results = run["results"].as_array().unwrap();
        assert_eq!(results.len(), 3);
        // The live finding first, with no suppression.
        assert!(results[0].get("suppressions").is_none());
        assert_eq!(
            results[1]["suppressions"],
            serde_json::json!([{
                "kind": "inSource",
                "status": "accepted",
                "justification": "payments-core moves to libs/ in Q3 (ADR-0009)",
                "location": {"physicalLocation": {
                    "artifactLocation": {"uri": "services/orders/Cargo.toml", "uriBaseId": "%SRCROOT%"},
                    "region": {"startLine": 5, "startColumn": 3, "endLine": 5, "endColumn": 50}
                }}
            }])
        );
        assert_eq!(results[2]["ruleId"], "unclassified-members");
        assert_eq!(results[2]["suppressions"][0]["kind"], "external");
        assert_eq!(results[2]["suppressions"][0]["status"], "accepted");
        // A rule seen only among dismissed findings still has a descriptor.
        let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
        for result in results {
            let index = result["ruleIndex"].as_u64().unwrap() as usize;
            assert_eq!(rules[index]["id"], result["ruleId"]);
        }
    }

    #[test]
    fn suppression_reason_is_neutralised() {
        let mut outcome = with_dismissed();
        if let Dismissal::Inline { reason, .. } = &mut outcome.dismissed[0].by {
            *reason = "legacy\n::error::forged \u{1b}[2J".into();
        }
        let text = sarif(&outcome);
        assert!(!text.contains('\u{1b}'));
        let log: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            log["runs"][0]["results"][1]["suppressions"][0]["justification"],
            "legacy\\n::error::forged \\u{1b}[2J"
        );
    }

    #[test]
    fn an_error_diagnostic_makes_the_invocation_unsuccessful() {
        let mut outcome = fixture::outcome();
        assert_eq!(
            parsed(&outcome)["runs"][0]["invocations"][0]["executionSuccessful"],
            true
        );
        outcome.diagnostics[1].severity = Severity::Error;
        let log = parsed(&outcome);
        let invocation = &log["runs"][0]["invocations"][0];
        assert_eq!(invocation["executionSuccessful"], false);
        assert_eq!(
            invocation["toolExecutionNotifications"][0]["level"],
            "error"
        );
        assert!(schema_errors(&log).is_empty());
    }

    #[test]
    fn failed_run_is_a_valid_log_with_its_error_as_notifications() {
        use crate::error::{ConfigError, SourceFile};
        let file = SourceFile::new(
            "archfit.toml",
            "version = 1\n[[rule]]\ncheck = \"cycels\"\n",
        );
        let error = crate::Error::Config(vec![
            ConfigError::at(&file, 29..37, "unknown check `cycels`\u{1b}[31m")
                .help("did you mean `cycles`?"),
            ConfigError::general("--rule x: no rule has this id"),
        ]);
        let text = crate::report::render_failure(&error, Format::Sarif).unwrap();
        assert!(!text.contains('\u{1b}'));
        let log: Value = serde_json::from_str(&text).unwrap();
        let errors = schema_errors(&log);
        assert!(errors.is_empty(), "{errors:#?}");
        let run = &log["runs"][0];
        // Code scanning's upload refuses a run without `results`.
        assert_eq!(run["results"], serde_json::json!([]));
        assert_eq!(run["tool"]["driver"]["name"], "cargo-archfit");
        let invocation = &run["invocations"][0];
        assert_eq!(invocation["executionSuccessful"], false);
        let notifications = invocation["toolExecutionNotifications"].as_array().unwrap();
        assert_eq!(notifications.len(), 2);
        assert_eq!(notifications[0]["level"], "error");
        assert_eq!(
            notifications[0]["message"]["text"],
            "unknown check `cycels`\\u{1b}[31m\n--> archfit.toml:3:9\nhelp: did you mean `cycles`?"
        );
        assert_eq!(
            crate::report::render_failure(&error, Format::Json),
            None,
            "only the formats CI uploads whatever happened"
        );
    }

    #[test]
    fn known_repository_links_adr_files_and_names_its_commit() {
        let mut outcome = fixture::outcome();
        outcome.repository = crate::workspace::repository::Repository {
            prefix: "backend/".into(),
            web: Some(crate::workspace::repository::Web {
                url: "https://github.com/acme/shop".into(),
                revision: Some("0123456789abcdef0123456789abcdef01234567".into()),
                files:
                    "https://github.com/acme/shop/blob/0123456789abcdef0123456789abcdef01234567/"
                        .into(),
            }),
        };
        let log = parsed(&outcome);
        let errors = schema_errors(&log);
        assert!(errors.is_empty(), "{errors:#?}");
        let run = &log["runs"][0];
        let rule = &run["tool"]["driver"]["rules"][2];
        let page = "https://github.com/acme/shop/blob/0123456789abcdef0123456789abcdef01234567/backend/docs/adr/0003-prefer-duplication-over-coupling.md";
        assert_eq!(rule["helpUri"], page);
        assert!(rule["help"]["markdown"]
            .as_str()
            .unwrap()
            .contains(&format!("]({page})")));
        assert_eq!(
            run["versionControlProvenance"],
            serde_json::json!([{
                "repositoryUri": "https://github.com/acme/shop",
                "revisionId": "0123456789abcdef0123456789abcdef01234567",
                "mappedTo": {"uriBaseId": "%SRCROOT%"}
            }])
        );
        // Every file is named from the repository root.
        assert_eq!(
            run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "backend/services/orders/Cargo.toml"
        );
        assert_eq!(
            run["invocations"][0]["toolExecutionNotifications"][0]["locations"][0]
                ["physicalLocation"]["artifactLocation"]["uri"],
            "backend/services/orders/src/broken.rs"
        );
    }

    #[test]
    fn baselined_and_suppressed_counts_are_run_properties() {
        let mut outcome = fixture::outcome();
        outcome.baselined = 3;
        outcome.suppressed = 1;
        let log = parsed(&outcome);
        assert_eq!(
            log["runs"][0]["properties"],
            serde_json::json!({"baselined": 3, "suppressed": 1})
        );
    }

    #[test]
    fn rendering_twice_gives_identical_bytes() {
        let outcome = varied();
        assert_eq!(sarif(&outcome).as_bytes(), sarif(&outcome).as_bytes());
        let text = sarif(&outcome);
        assert!(text.starts_with("{\n  \"$schema\": "));
        assert!(text.ends_with("}\n"));
    }

    #[test]
    fn whole_log() {
        insta::assert_snapshot!(sarif(&fixture::outcome()).replace(crate::VERSION, "<version>"), @r#"
        {
          "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
          "version": "2.1.0",
          "runs": [
            {
              "tool": {
                "driver": {
                  "name": "cargo-archfit",
                  "version": "<version>",
                  "semanticVersion": "<version>",
                  "informationUri": "https://crates.io/crates/cargo-archfit",
                  "rules": [
                    {
                      "id": "layers-in-accounts",
                      "name": "layers",
                      "shortDescription": {
                        "text": "a module depends on a layer above it or on a forbidden crate"
                      },
                      "fullDescription": {
                        "text": "a module depends on a layer above it or on a forbidden crate\nThe rule is off in this configuration."
                      },
                      "help": {
                        "text": "No decision (ADR) is recorded for this rule.\n`cargo archfit explain layers-in-accounts` tells what the rule checks and its parameters.",
                        "markdown": "No decision (ADR) is recorded for this rule.\n\n`cargo archfit explain layers-in-accounts` tells what the rule checks and its parameters."
                      },
                      "defaultConfiguration": {
                        "enabled": false,
                        "level": "none"
                      },
                      "properties": {
                        "tags": [
                          "architecture",
                          "layers"
                        ]
                      }
                    },
                    {
                      "id": "no-service-cycles",
                      "name": "cycles",
                      "shortDescription": {
                        "text": "cycles between modules, crates or services"
                      },
                      "fullDescription": {
                        "text": "cycles between modules, crates or services"
                      },
                      "help": {
                        "text": "No decision (ADR) is recorded for this rule.\n`cargo archfit explain no-service-cycles` tells what the rule checks and its parameters.",
                        "markdown": "No decision (ADR) is recorded for this rule.\n\n`cargo archfit explain no-service-cycles` tells what the rule checks and its parameters."
                      },
                      "defaultConfiguration": {
                        "level": "error"
                      },
                      "properties": {
                        "tags": [
                          "architecture",
                          "cycles"
                        ]
                      }
                    },
                    {
                      "id": "services-own-their-dependencies",
                      "name": "service-dependency",
                      "shortDescription": {
                        "text": "a service's crate depends on a crate owned by another service"
                      },
                      "fullDescription": {
                        "text": "a service's crate depends on a crate owned by another service\ndecision: ADR-0003 Prefer duplication over coupling (Accepted) — docs/adr/0003-prefer-duplication-over-coupling.md"
                      },
                      "help": {
                        "text": "decision: ADR-0003 Prefer duplication over coupling (Accepted) — docs/adr/0003-prefer-duplication-over-coupling.md\n`cargo archfit explain services-own-their-dependencies` tells what the rule checks and its parameters.",
                        "markdown": "**Decision:** ADR-0003 Prefer duplication over coupling (Accepted), recorded in [`docs/adr/0003-prefer-duplication-over-coupling.md`](docs/adr/0003-prefer-duplication-over-coupling.md)\n\n`cargo archfit explain services-own-their-dependencies` tells what the rule checks and its parameters."
                      },
                      "defaultConfiguration": {
                        "level": "error"
                      },
                      "properties": {
                        "tags": [
                          "architecture",
                          "service-dependency"
                        ],
                        "adr": {
                          "id": "0003",
                          "title": "Prefer duplication over coupling",
                          "status": "Accepted",
                          "link": "docs/adr/0003-prefer-duplication-over-coupling.md"
                        }
                      }
                    },
                    {
                      "id": "unclassified-members",
                      "name": "workspace",
                      "shortDescription": {
                        "text": "findings of the `workspace` check"
                      },
                      "fullDescription": {
                        "text": "findings of the `workspace` check"
                      },
                      "help": {
                        "text": "No decision (ADR) is recorded for this rule.\n`cargo archfit explain unclassified-members` tells what the rule checks and its parameters.",
                        "markdown": "No decision (ADR) is recorded for this rule.\n\n`cargo archfit explain unclassified-members` tells what the rule checks and its parameters."
                      },
                      "defaultConfiguration": {
                        "level": "note"
                      },
                      "properties": {
                        "tags": [
                          "architecture",
                          "workspace"
                        ]
                      }
                    }
                  ]
                }
              },
              "invocations": [
                {
                  "executionSuccessful": true,
                  "toolExecutionNotifications": [
                    {
                      "level": "warning",
                      "message": {
                        "text": "could not parse: expected `;`"
                      },
                      "locations": [
                        {
                          "physicalLocation": {
                            "artifactLocation": {
                              "uri": "services/orders/src/broken.rs",
                              "uriBaseId": "%SRCROOT%"
                            },
                            "region": {
                              "startLine": 3,
                              "startColumn": 9,
                              "endLine": 3,
                              "endColumn": 10
                            }
                          }
                        }
                      ]
                    },
                    {
                      "level": "note",
                      "message": {
                        "text": "skipped generated file"
                      },
                      "locations": [
                        {
                          "physicalLocation": {
                            "artifactLocation": {
                              "uri": "services/orders/src/generated.rs",
                              "uriBaseId": "%SRCROOT%"
                            }
                          }
                        }
                      ]
                    }
                  ]
                }
              ],
              "columnKind": "unicodeCodePoints",
              "results": [
                {
                  "ruleId": "services-own-their-dependencies",
                  "ruleIndex": 2,
                  "level": "error",
                  "message": {
                    "text": "crate `orders` of service `orders` depends on `payments-core`, owned by service `payments`\nhelp: call the payments API instead, or move the shared code into a platform crate\ndecision: ADR-0003 Prefer duplication over coupling (Accepted) — docs/adr/0003-prefer-duplication-over-coupling.md"
                  },
                  "locations": [
                    {
                      "physicalLocation": {
                        "artifactLocation": {
                          "uri": "services/orders/Cargo.toml",
                          "uriBaseId": "%SRCROOT%"
                        },
                        "region": {
                          "startLine": 6,
                          "startColumn": 1,
                          "endLine": 6,
                          "endColumn": 54
                        }
                      }
                    }
                  ],
                  "relatedLocations": [
                    {
                      "id": 0,
                      "physicalLocation": {
                        "artifactLocation": {
                          "uri": "services/orders/Cargo.toml",
                          "uriBaseId": "%SRCROOT%"
                        },
                        "region": {
                          "startLine": 2,
                          "startColumn": 1,
                          "endLine": 2,
                          "endColumn": 16
                        }
                      },
                      "message": {
                        "text": "this crate belongs to service `orders`"
                      }
                    },
                    {
                      "id": 1,
                      "physicalLocation": {
                        "artifactLocation": {
                          "uri": "libs/payments-core/Cargo.toml",
                          "uriBaseId": "%SRCROOT%"
                        },
                        "region": {
                          "startLine": 2,
                          "startColumn": 1,
                          "endLine": 2,
                          "endColumn": 23
                        }
                      },
                      "message": {
                        "text": "owned by service `payments`"
                      }
                    }
                  ],
                  "partialFingerprints": {
                    "archfit/v1": "87d2c8da81dc120e"
                  },
                  "properties": {
                    "check": "service-dependency",
                    "service": "orders",
                    "crate": "orders"
                  }
                },
                {
                  "ruleId": "unclassified-members",
                  "ruleIndex": 3,
                  "level": "note",
                  "message": {
                    "text": "crate `telemetry` belongs to no service and is not listed as shared\nhelp: add it to `[shared] platform` or to a service's `crates`"
                  },
                  "locations": [
                    {
                      "physicalLocation": {
                        "artifactLocation": {
                          "uri": "services/orders/Cargo.toml",
                          "uriBaseId": "%SRCROOT%"
                        },
                        "region": {
                          "startLine": 7,
                          "startColumn": 1,
                          "endLine": 7,
                          "endColumn": 46
                        }
                      }
                    }
                  ],
                  "relatedLocations": [
                    {
                      "id": 0,
                      "physicalLocation": {
                        "artifactLocation": {
                          "uri": "libs/telemetry/Cargo.toml",
                          "uriBaseId": "%SRCROOT%"
                        },
                        "region": {
                          "startLine": 2,
                          "startColumn": 1,
                          "endLine": 2,
                          "endColumn": 19
                        }
                      },
                      "message": {
                        "text": "declared here"
                      }
                    }
                  ],
                  "partialFingerprints": {
                    "archfit/v1": "18f15eea5e934e44"
                  },
                  "properties": {
                    "check": "workspace",
                    "crate": "telemetry"
                  }
                }
              ],
              "properties": {
                "baselined": 0,
                "suppressed": 0
              }
            }
          ]
        }
        "#);
    }
}
