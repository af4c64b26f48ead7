//! GitHub Actions workflow commands: one annotation per finding, shown on
//! the pull request's diff and in the run summary, then the plain total
//! line of the human report.
//!
//! ```text
//! ::error file=services/orders/Cargo.toml,line=6,col=1,endLine=6,endColumn=54,title=services-own-their-dependencies (ADR-0003 Prefer duplication over coupling)::crate `orders` …%0Ahelp: …%0Adecision: …
//! ```
//!
//! Severities map to `::error`, `::warning` and `::notice`. Errors come
//! first, then warnings, then notices (each in report order): GitHub keeps
//! only a limited number of annotations per step and per job, so the ones
//! that fail the build must not be crowded out. Tool diagnostics at error or
//! warn severity are annotated too (titled `cargo-archfit`); info
//! diagnostics are left out, as in the human report without `-v`.
//!
//! Escaping follows `@actions/core` (`escapeData`, `escapeProperty`): the
//! message encodes `%`, CR and LF; property values also `:` and `,`. So a
//! line break meant by the tool is `%0A` inside one command, and the runner
//! shows it as a new line of the annotation, never as a new command. The
//! texts arrive neutralised (`report::neutral`), so a line break, ESC or
//! bidi control that came from the workspace is shown as `\n`, `\u{1b}`…
//! before this escaping; each line of this format is one command.

use super::{
    decision, diagnostic_file, neutral::Neutral, sorted_diagnostics, sorted_findings, summary_line,
};
use crate::{Diagnostic, Finding, Location, Severity};

pub(super) fn render(outcome: &Neutral) -> String {
    let mut findings = sorted_findings(outcome);
    // Stable: report order within each severity.
    findings.sort_by_key(|finding| finding.severity);
    let mut out = String::new();
    for finding in findings {
        out.push_str(&finding_command(finding));
        out.push('\n');
    }
    let mut diagnostics = sorted_diagnostics(outcome);
    diagnostics.retain(|d| d.severity != Severity::Info);
    diagnostics.sort_by_key(|d| d.severity);
    for diagnostic in diagnostics {
        out.push_str(&diagnostic_command(diagnostic));
        out.push('\n');
    }
    out.push_str(&summary_line(outcome));
    out.push('\n');
    out
}

fn finding_command(finding: &Finding) -> String {
    let mut properties = Vec::new();
    if let Some(location) = &finding.location {
        properties.extend(position(location));
    }
    let title = match &finding.adr {
        Some(adr) => {
            let mut title = format!("{} (", finding.rule);
            if let Some(id) = &adr.id {
                title.push_str(&format!("ADR-{id} "));
            }
            title.push_str(&adr.title);
            title.push(')');
            title
        }
        None => finding.rule.clone(),
    };
    properties.push(("title", title));

    let mut message = finding.message.clone();
    if let Some(help) = &finding.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    if let Some(adr) = &finding.adr {
        message.push('\n');
        message.push_str(&decision(adr));
    }
    command(command_name(finding.severity), &properties, &message)
}

fn diagnostic_command(diagnostic: &Diagnostic) -> String {
    let mut properties = Vec::new();
    match (&diagnostic.location, diagnostic_file(diagnostic)) {
        (Some(location), _) => properties.extend(position(location)),
        (None, Some(file)) => properties.push(("file", file.to_owned())),
        (None, None) => {}
    }
    properties.push(("title", "cargo-archfit".to_owned()));
    command(
        command_name(diagnostic.severity),
        &properties,
        &diagnostic.message,
    )
}

fn command_name(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warn => "warning",
        Severity::Info => "notice",
    }
}

/// `file`, `line`, `col`, `endLine`, `endColumn` of a location (GitHub uses
/// the columns only when the annotation stays on one line).
fn position(location: &Location) -> [(&'static str, String); 5] {
    [
        ("file", location.file.clone()),
        ("line", location.line.to_string()),
        ("col", location.column.to_string()),
        ("endLine", location.end_line.to_string()),
        ("endColumn", location.end_column.to_string()),
    ]
}

/// `::name key=value,key=value::message`, escaped as `@actions/core` does.
fn command(name: &str, properties: &[(&str, String)], message: &str) -> String {
    let mut out = format!("::{name}");
    for (i, (key, value)) in properties.iter().enumerate() {
        out.push(if i == 0 { ' ' } else { ',' });
        out.push_str(key);
        out.push('=');
        out.push_str(&escape_property(value));
    }
    out.push_str("::");
    out.push_str(&escape_data(message));
    out
}

/// The message of a command: `%`, CR and LF are encoded, so a multi-line
/// message stays one command line.
fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A property value: as the message, plus `:` and `,`, which would end the
/// value early.
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::super::fixture;
    use super::{escape_data, escape_property};
    use crate::report::{render, Format, RenderOptions};
    use crate::{Outcome, Severity};

    fn github(outcome: &Outcome) -> String {
        render(outcome, Format::Github, &RenderOptions::default())
    }

    #[test]
    fn one_command_per_finding_then_the_total_line() {
        let text = github(&fixture::outcome());
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 4, "{text}");
        assert!(lines[0].starts_with("::error file=services/orders/Cargo.toml,line=6,col=1,endLine=6,endColumn=54,title=services-own-their-dependencies (ADR-0003 Prefer duplication over coupling)::"));
        assert!(lines[1].starts_with("::notice file=services/orders/Cargo.toml,line=7,col=1,endLine=7,endColumn=46,title=unclassified-members::"));
        assert!(lines[2].starts_with("::warning file=services/orders/src/broken.rs,line=3,col=9,"));
        assert_eq!(lines[3], "archfit: 1 error, 0 warnings, 1 info in 2 rules; 1 tool warning about what was not examined");
        assert!(text.ends_with('\n'));
    }

    #[test]
    fn files_are_relative_to_the_repository_root() {
        let mut outcome = fixture::outcome();
        outcome.repository.prefix = "backend/".into();
        let text = github(&outcome);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("::error file=backend/services/orders/Cargo.toml,line=6,"));
        assert!(lines[0].ends_with("— backend/docs/adr/0003-prefer-duplication-over-coupling.md"));
        assert!(
            lines[2].starts_with("::warning file=backend/services/orders/src/broken.rs,line=3,")
        );
    }

    #[test]
    fn message_joins_message_help_and_decision_escaped() {
        let text = github(&fixture::outcome());
        let message = text.lines().next().unwrap().split_once("::").unwrap().1;
        let message = message.split_once("::").unwrap().1;
        assert_eq!(
            message,
            "crate `orders` of service `orders` depends on `payments-core`, owned by service `payments`\
             %0Ahelp: call the payments API instead, or move the shared code into a platform crate\
             %0Adecision: ADR-0003 Prefer duplication over coupling (Accepted) — docs/adr/0003-prefer-duplication-over-coupling.md"
        );
    }

    #[test]
    fn errors_come_before_warnings_and_notices() {
        let mut outcome = fixture::outcome();
        // An info first in report order, a warning last.
        outcome.findings[0].severity = Severity::Info;
        let mut warning = outcome.findings[1].clone();
        warning.severity = Severity::Warn;
        warning.location.as_mut().unwrap().file = "zzz/last.rs".into();
        let mut error = outcome.findings[1].clone();
        error.severity = Severity::Error;
        error.location.as_mut().unwrap().file = "zzz/later.rs".into();
        outcome.findings.extend([warning, error]);
        let text = github(&outcome);
        let commands: Vec<&str> = text
            .lines()
            .filter_map(|l| l.strip_prefix("::"))
            .map(|l| l.split(' ').next().unwrap())
            .collect();
        assert_eq!(
            commands,
            ["error", "warning", "notice", "notice", "warning"]
        );
    }

    #[test]
    fn data_escapes_percent_and_line_breaks() {
        assert_eq!(escape_data("100% done\r\nnext"), "100%25 done%0D%0Anext");
        assert_eq!(escape_data("a: b, c"), "a: b, c");
    }

    #[test]
    fn properties_also_escape_colon_and_comma() {
        assert_eq!(
            escape_property("ADR-1 Title: a, b 50%\n"),
            "ADR-1 Title%3A a%2C b 50%25%0A"
        );
    }

    #[test]
    fn hostile_file_name_and_title_stay_inside_their_property() {
        let mut outcome = fixture::outcome();
        outcome.findings.truncate(1);
        outcome.diagnostics.clear();
        let finding = &mut outcome.findings[0];
        finding.location.as_mut().unwrap().file = "odd,dir/a:b.rs".into();
        finding.adr.as_mut().unwrap().title = "Coupling: no, thanks".into();
        finding.message = "50% coupled:\r\nsee ::error::".into();
        finding.help = None;
        finding.adr.as_mut().unwrap().id = None;
        let line = github(&outcome).lines().next().unwrap().to_owned();
        assert_eq!(
            line,
            "::error file=odd%2Cdir/a%3Ab.rs,line=6,col=1,endLine=6,endColumn=54,\
             title=services-own-their-dependencies (Coupling%3A no%2C thanks)\
             ::50%25 coupled:\\r\\nsee ::error::%0Adecision: Coupling: no, thanks (Accepted) — \
             docs/adr/0003-prefer-duplication-over-coupling.md"
        );
    }

    #[test]
    fn workspace_text_cannot_start_a_command_or_a_line() {
        let mut outcome = fixture::outcome();
        outcome.findings.truncate(1);
        outcome.diagnostics.clear();
        let finding = &mut outcome.findings[0];
        finding.message = "reads `t\u{1b}[2J`\n::error::fake".into();
        finding.help = Some("ask first\r\n::warning::fake".into());
        finding.adr.as_mut().unwrap().title = "Owns\u{202e} tables\n::notice::fake".into();
        let text = github(&outcome);
        assert_eq!(text.lines().count(), 2, "{text}");
        let line = text.lines().next().unwrap();
        assert!(
            line.contains("title=services-own-their-dependencies (ADR-0003 Owns\\u{202e} tables\\n%3A%3Anotice%3A%3Afake)::"),
            "{line}"
        );
        assert!(
            line.contains(
                "::reads `t\\u{1b}[2J`\\n::error::fake%0Ahelp: ask first%0A::warning::fake%0A"
            ),
            "{line}"
        );
    }

    #[test]
    fn finding_without_location_has_only_a_title() {
        let mut outcome = fixture::outcome();
        outcome.findings[1].location = None;
        let text = github(&outcome);
        assert!(text.contains("\n::notice title=unclassified-members::crate `telemetry`"));
    }

    #[test]
    fn info_diagnostics_are_left_out() {
        let text = github(&fixture::outcome());
        assert!(text.contains("::warning file=services/orders/src/broken.rs,line=3,col=9,endLine=3,endColumn=10,title=cargo-archfit::could not parse: expected `;`\n"));
        assert!(!text.contains("skipped generated file"));
    }

    #[test]
    fn no_findings_prints_only_the_total_line() {
        let mut outcome = fixture::outcome();
        outcome.findings.clear();
        outcome.diagnostics.clear();
        assert_eq!(github(&outcome), "archfit: no findings from 3 rules\n");
    }

    #[test]
    fn rendering_twice_gives_identical_bytes() {
        let outcome = fixture::outcome();
        assert_eq!(github(&outcome).as_bytes(), github(&outcome).as_bytes());
    }

    #[test]
    fn whole_report() {
        insta::assert_snapshot!(github(&fixture::outcome()), @r#"
        ::error file=services/orders/Cargo.toml,line=6,col=1,endLine=6,endColumn=54,title=services-own-their-dependencies (ADR-0003 Prefer duplication over coupling)::crate `orders` of service `orders` depends on `payments-core`, owned by service `payments`%0Ahelp: call the payments API instead, or move the shared code into a platform crate%0Adecision: ADR-0003 Prefer duplication over coupling (Accepted) — docs/adr/0003-prefer-duplication-over-coupling.md
        ::notice file=services/orders/Cargo.toml,line=7,col=1,endLine=7,endColumn=46,title=unclassified-members::crate `telemetry` belongs to no service and is not listed as shared%0Ahelp: add it to `[shared] platform` or to a service's `crates`
        ::warning file=services/orders/src/broken.rs,line=3,col=9,endLine=3,endColumn=10,title=cargo-archfit::could not parse: expected `;`
        archfit: 1 error, 0 warnings, 1 info in 2 rules; 1 tool warning about what was not examined
        "#);
    }
}
