//! The human report, the rustc way: each finding is headed
//! `error[rule-id]: message` (`warning[…]`, `info[…]`) over miette's drawing
//! of its source snippet, followed by `= help:` lines and the decision it
//! enforces, then a `note:` with its own snippet per related location in
//! another file. Then the tool's own diagnostics, a summary line per rule
//! and the total.
//!
//! miette draws only the snippets: its own header (the diagnostic code, a
//! `×` icon) and its `Advice: ☞` for related diagnostics are not the habit
//! of Rust users, so each snippet is drawn from a diagnostic with no code
//! and an empty message, and the lines around it are written here.
//!
//! Without colour the drawing stays unicode (`GraphicalTheme::unicode_nocolor`)
//! rather than miette's ASCII theme: the report is UTF-8 anyway (ADR titles,
//! messages, the `—` of the decision line), so ASCII art would buy no
//! portability, and reviewed snapshots then show exactly what a developer
//! sees in a terminal, minus the colours.

use std::fmt;
use std::sync::Arc;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceCode};

use super::{
    count, decision, diagnostic_file, neutral::Neutral, place, rule_rows, sorted_diagnostics,
    sorted_findings, RenderOptions,
};
use crate::{Diagnostic, Finding, Location, Outcome, Severity, Sources};

/// Fixed so that the drawing never depends on the terminal the report runs in.
const WIDTH: usize = 100;

pub(super) fn render(outcome: &Neutral, options: &RenderOptions) -> String {
    let handler = snippet_handler(options.color);
    let paint = Paint(options.color);

    let mut out = String::new();
    for finding in sorted_findings(outcome) {
        if options.quiet && finding.severity == Severity::Info {
            continue;
        }
        out.push_str(&render_finding(&handler, finding, &outcome.sources, paint));
        out.push('\n');
    }

    let mut wrote_diagnostic = false;
    for diagnostic in sorted_diagnostics(outcome) {
        if shows_diagnostic(diagnostic.severity, options) {
            out.push_str(&diagnostic_line(diagnostic, paint));
            out.push('\n');
            wrote_diagnostic = true;
        }
    }
    if wrote_diagnostic {
        out.push('\n');
    }

    if !options.quiet {
        out.push_str(&rule_table(outcome, options.verbose));
        out.push_str(&saga_lines(outcome));
    }
    out.push_str(&total_line(outcome, paint));
    out.push('\n');
    if !options.quiet {
        out.push_str(&baseline_hint(outcome));
    }
    out
}

/// The miette handler that draws snippets, for this report and for errors.
pub(super) fn snippet_handler(color: bool) -> GraphicalReportHandler {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    GraphicalReportHandler::new_themed(theme)
        .with_width(WIDTH)
        .with_links(false)
        // miette wraps with hyphen splitting, which cuts ADR paths and file
        // names like `docs/adr/0003-prefer-duplication-over-coupling.md` in
        // two; long lines are left to the terminal, as rustc does.
        .with_wrap_lines(false)
}

/// Tool diagnostics shown: errors and warnings always, infos with `-v`
/// (and never with `-q`).
pub(super) fn shows_diagnostic(severity: Severity, options: &RenderOptions) -> bool {
    match severity {
        Severity::Error | Severity::Warn => true,
        Severity::Info => options.verbose && !options.quiet,
    }
}

/// `error[rule-id]: message`, or `warning: message` without a rule, in
/// rustc's colours: the severity and rule bold in the severity's colour,
/// the message bold.
pub(super) fn header(
    severity: Severity,
    rule: Option<&str>,
    message: &str,
    paint: Paint,
) -> String {
    let (word, colour) = severity_style(severity);
    let head = match rule {
        Some(rule) => format!("{word}[{rule}]"),
        None => word.to_owned(),
    };
    format!(
        "{}{}",
        paint.apply(&head, colour),
        paint.apply(&format!(": {message}"), BOLD)
    )
}

fn severity_style(severity: Severity) -> (&'static str, &'static str) {
    match severity {
        Severity::Error => ("error", BOLD_RED),
        Severity::Warn => ("warning", BOLD_YELLOW),
        Severity::Info => ("info", BOLD_CYAN),
    }
}

/// Under a failing summary with no baseline yet (the first `check` after
/// `init`, typically): the one command that freezes today's findings, so the
/// gate stops only new ones. Nothing is written to know it is the first run:
/// the hint shows while no baseline is in use.
fn baseline_hint(outcome: &Outcome) -> String {
    // With `--new-since` the errors are already only the new ones.
    if outcome.baseline != crate::BaselineUse::NoneYet
        || outcome.count(Severity::Error) == 0
        || outcome.new_since.is_some()
    {
        return String::new();
    }
    format!(
        "help: `cargo archfit baseline` records today's findings in {}; `cargo archfit` then fails only on new ones\n",
        crate::baseline::FILE_NAME
    )
}

/// One finding: its header, its snippet (the primary span and the related
/// locations of the same file), `= help:` lines and the decision, then a
/// `note:` per related location elsewhere. A location whose snippet cannot
/// be drawn is shown by position, ` --> file:line:col`, as rustc does.
fn render_finding(
    handler: &GraphicalReportHandler,
    finding: &Finding,
    sources: &Sources,
    paint: Paint,
) -> String {
    let mut out = header(
        finding.severity,
        Some(&finding.rule),
        &finding.message,
        paint,
    );
    out.push('\n');

    let primary = finding
        .location
        .as_ref()
        .and_then(|location| Some((location, snippet_text(sources, location)?)));
    let mut notes = Vec::new();
    let mut gutter = 2;
    match (&primary, &finding.location) {
        (Some((location, text)), _) => {
            let mut labels = vec![LabeledSpan::new_primary_with_span(
                finding.label.as_deref().and_then(non_empty),
                location.span.clone(),
            )];
            for item in &finding.related {
                if item.location.file == location.file
                    && snippet_text(sources, &item.location).is_some()
                {
                    labels.push(LabeledSpan::new_with_span(
                        non_empty(&item.label),
                        item.location.span.clone(),
                    ));
                } else {
                    notes.push(item);
                }
            }
            match snippet(handler, &location.file, text, labels) {
                Some(drawn) => {
                    gutter = gutter_of(&drawn);
                    out.push_str(&drawn);
                }
                None => out.push_str(&arrow(location, paint)),
            }
        }
        (None, Some(location)) => {
            out.push_str(&arrow(location, paint));
            notes.extend(&finding.related);
        }
        (None, None) => notes.extend(&finding.related),
    }

    let indent = " ".repeat(gutter);
    let equals = paint.apply("=", BOLD_BLUE);
    for line in finding.help.iter().flat_map(|help| help.lines()) {
        if let Some(line) = non_empty(line) {
            let label = paint.apply("help", BOLD);
            out.push_str(&format!("{indent}{equals} {label}: {line}\n"));
        }
    }
    if let Some(adr) = &finding.adr {
        // `decision: ADR-0003 Title (Accepted) — path`
        let text = decision(adr);
        let text = text.strip_prefix("decision: ").unwrap_or(&text);
        let label = paint.apply("decision", BOLD);
        out.push_str(&format!("{indent}{equals} {label}: {text}\n"));
    }

    for item in notes {
        let label = non_empty(&item.label).unwrap_or_else(|| "related location".to_owned());
        out.push_str(&paint.apply("note", BOLD_GREEN));
        out.push_str(&paint.apply(&format!(": {label}"), BOLD));
        out.push('\n');
        let drawn = snippet_text(sources, &item.location).and_then(|text| {
            // The note's text heads it; the span is underlined unlabelled.
            let span = LabeledSpan::new_with_span(None, item.location.span.clone());
            snippet(handler, &item.location.file, &text, vec![span])
        });
        match drawn {
            Some(drawn) => out.push_str(&drawn),
            None => out.push_str(&arrow(&item.location, paint)),
        }
    }
    out
}

/// ` --> services/orders/Cargo.toml:6:1`: a location shown without snippet.
pub(super) fn arrow(location: &Location, paint: Paint) -> String {
    format!(" {} {}\n", paint.apply("-->", BOLD_BLUE), place(location))
}

/// The column of the snippet's left border (`╰────`), under which rustc
/// lines up its `=` lines; it grows with the line numbers drawn.
pub(super) fn gutter_of(drawn: &str) -> usize {
    drawn
        .lines()
        .rev()
        .find_map(|line| {
            let trimmed = line.trim_start();
            trimmed
                .starts_with('╰')
                .then(|| line.chars().count() - trimmed.chars().count())
        })
        .unwrap_or(2)
}

/// miette's drawing of `labels` in `text`, every line trimmed at its end,
/// or `None` if miette refuses (it only does so for spans outside the
/// source, which [`snippet_text`] already rules out), so a finding is never
/// lost.
pub(super) fn snippet(
    handler: &GraphicalReportHandler,
    file: &str,
    text: &Arc<str>,
    labels: Vec<LabeledSpan>,
) -> Option<String> {
    let snippet = Snippet {
        source: NamedSource::new(file, Arc::clone(text)),
        labels,
    };
    let mut drawn = String::new();
    handler.render_report(&mut drawn, &snippet).ok()?;
    let mut out = String::with_capacity(drawn.len());
    // The first line is the diagnostic's message, empty here.
    for line in drawn.lines().skip_while(|line| line.trim().is_empty()) {
        out.push_str(line.trim_end());
        out.push('\n');
    }
    (!out.is_empty()).then_some(out)
}

/// Labelled spans in one source, as a miette diagnostic with no code and
/// no message, so that miette draws nothing but the snippet.
#[derive(Debug)]
struct Snippet {
    source: NamedSource<Arc<str>>,
    labels: Vec<LabeledSpan>,
}

impl fmt::Display for Snippet {
    fn fmt(&self, _: &mut fmt::Formatter<'_>) -> fmt::Result {
        Ok(())
    }
}

impl std::error::Error for Snippet {}

impl miette::Diagnostic for Snippet {
    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
    }
}

/// The text of `location`'s file when its span can be drawn in it. A span
/// past the end or inside a character would make miette fail, so such a
/// location is shown by position only.
fn snippet_text(sources: &Sources, location: &Location) -> Option<Arc<str>> {
    let text = sources.get(&location.file)?;
    let span = &location.span;
    let drawable = span.start <= span.end
        && span.end <= text.len()
        && text.is_char_boundary(span.start)
        && text.is_char_boundary(span.end);
    drawable.then(|| Arc::clone(text))
}

fn non_empty(text: &str) -> Option<String> {
    (!text.trim().is_empty()).then(|| text.to_owned())
}

/// `warning: could not parse: expected `;` (services/orders/src/broken.rs:3:9)`.
fn diagnostic_line(diagnostic: &Diagnostic, paint: Paint) -> String {
    let mut line = header(diagnostic.severity, None, &diagnostic.message, paint);
    let position = match &diagnostic.location {
        Some(location) => Some(place(location)),
        None => diagnostic_file(diagnostic).map(str::to_owned),
    };
    if let Some(position) = position {
        line.push_str(&format!(" ({position})"));
    }
    line
}

/// One line per rule with findings (every rule when `verbose`), columns
/// aligned: id, check, counts or `off`, ADR. Followed by a blank line.
fn rule_table(outcome: &Outcome, verbose: bool) -> String {
    let rows: Vec<[String; 4]> = rule_rows(outcome)
        .into_iter()
        .filter(|row| verbose || row.total() > 0)
        .map(|row| {
            let counts = if row.total() > 0 {
                let mut parts = Vec::new();
                for (n, singular, plural) in [
                    (row.errors, "error", "errors"),
                    (row.warnings, "warning", "warnings"),
                    (row.infos, "info", "infos"),
                ] {
                    if n > 0 {
                        parts.push(count(n, singular, plural));
                    }
                }
                parts.join(", ")
            } else if row.severity.is_none() {
                "off".to_owned()
            } else {
                "no findings".to_owned()
            };
            let adr = row.adr.map(|adr| adr.display()).unwrap_or_default();
            [row.id.to_owned(), row.check.to_owned(), counts, adr]
        })
        .collect();
    if rows.is_empty() {
        return String::new();
    }
    let width = |column: usize| {
        rows.iter()
            .map(|row| row[column].chars().count())
            .max()
            .unwrap_or(0)
    };
    let widths = [width(0), width(1), width(2)];
    let mut out = String::new();
    for row in &rows {
        let mut line = String::from(" ");
        for (column, cell) in row.iter().enumerate() {
            line.push(' ');
            line.push_str(cell);
            if let Some(width) = widths.get(column) {
                let pad = width - cell.chars().count();
                line.push_str(&" ".repeat(pad + 1));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out.push('\n');
    out
}

/// `archfit: 2 errors, 1 warning, 3 infos in 5 rules`, counting every
/// finding (also the infos that `quiet` does not draw).
/// One line per saga: its class by name and along the three axes.
fn saga_lines(outcome: &Outcome) -> String {
    let mut out = String::new();
    for saga in &outcome.sagas {
        let service = saga
            .service
            .as_deref()
            .map(|s| format!(" in {s}"))
            .unwrap_or_default();
        let place = saga
            .location
            .as_ref()
            .map(|l| format!(" ({}:{})", l.file, l.line))
            .unwrap_or_default();
        out.push_str(&format!(
            "  saga `{}`{service}: {} — {}, {}, {}; {} steps, {} dialect{place}\n",
            saga.name,
            saga.class,
            saga.communication,
            saga.consistency,
            saga.coordination,
            saga.steps,
            saga.dialect
        ));
    }
    if !out.is_empty() {
        out.push('\n');
    }
    out
}

fn total_line(outcome: &Outcome, paint: Paint) -> String {
    let text = super::summary_line(outcome);
    paint.apply(&text, BOLD)
}

pub(super) const BOLD: &str = "1";
const BOLD_RED: &str = "1;31";
const BOLD_YELLOW: &str = "1;33";
const BOLD_CYAN: &str = "1;36";
const BOLD_GREEN: &str = "1;32";
pub(super) const BOLD_BLUE: &str = "1;34";

/// ANSI styling for the lines miette does not draw, when colour is on.
#[derive(Debug, Clone, Copy)]
pub(super) struct Paint(pub(super) bool);

impl Paint {
    pub(super) fn apply(self, text: &str, sgr: &str) -> String {
        if self.0 {
            format!("\u{1b}[{sgr}m{text}\u{1b}[0m")
        } else {
            text.to_owned()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixture;
    use crate::report::{render, Format, RenderOptions};
    use crate::{Location, Outcome};

    fn human(outcome: &Outcome, options: RenderOptions) -> String {
        render(outcome, Format::Human, &options)
    }

    fn plain(outcome: &Outcome) -> String {
        human(outcome, RenderOptions::default())
    }

    const QUIET: RenderOptions = RenderOptions {
        color: false,
        quiet: true,
        verbose: false,
    };

    const VERBOSE: RenderOptions = RenderOptions {
        color: false,
        quiet: false,
        verbose: true,
    };

    #[test]
    fn a_failing_run_with_no_baseline_yet_ends_with_the_command_that_freezes_it() {
        let hint = "help: `cargo archfit baseline` records today's findings in archfit-baseline.json; `cargo archfit` then fails only on new ones\n";
        let mut outcome = fixture::outcome();
        outcome.baseline = crate::BaselineUse::NoneYet;
        let text = plain(&outcome);
        assert!(
            text.ends_with(&format!(
                "in 2 rules; 1 tool warning about what was not examined\n{hint}"
            )),
            "{text}"
        );
        assert!(!human(&outcome, QUIET).contains(hint));
        // A baseline in use, or none that would be read: no hint.
        for baseline in [
            crate::BaselineUse::File("archfit-baseline.json".into()),
            crate::BaselineUse::None,
        ] {
            outcome.baseline = baseline;
            assert!(!plain(&outcome).contains(hint));
        }
        // Nothing fails: nothing to freeze.
        outcome.baseline = crate::BaselineUse::NoneYet;
        outcome
            .findings
            .retain(|f| f.severity != crate::Severity::Error);
        assert!(!plain(&outcome).contains(hint));
    }

    #[test]
    fn each_finding_is_headed_the_rustc_way() {
        let mut outcome = fixture::outcome();
        let mut warning = outcome.findings[1].clone();
        warning.severity = crate::Severity::Warn;
        warning.rule = "unused-suppression".into();
        outcome.findings.push(warning);
        let text = plain(&outcome);
        let headers: Vec<&str> = text
            .lines()
            .filter(|l| l.starts_with("error") || l.starts_with("warning") || l.starts_with("info"))
            .collect();
        assert_eq!(
            headers,
            [
                "error[services-own-their-dependencies]: crate `orders` of service `orders` depends on `payments-core`, owned by service `payments`",
                "info[unclassified-members]: crate `telemetry` belongs to no service and is not listed as shared",
                "warning[unused-suppression]: crate `telemetry` belongs to no service and is not listed as shared",
                "warning: could not parse: expected `;` (services/orders/src/broken.rs:3:9)",
            ]
        );
        for gone in ["×", "☞", "⚠", "Advice", "  help: "] {
            assert!(!text.contains(gone), "{gone}:\n{text}");
        }
    }

    #[test]
    fn finding_shows_snippet_help_and_decision_under_its_header() {
        let text = plain(&fixture::outcome());
        assert!(text.contains("[services/orders/Cargo.toml:6:1]"));
        assert!(text.contains(" 6 │ payments-core = { path = \"../../libs/payments-core\" }"));
        assert!(text.contains("╰── dependency on another service's crate"));
        assert!(text.contains(
            "\n   ╰────\n   = help: call the payments API instead, or move the shared code into a platform crate\n"
        ));
        assert!(text.contains(
            "\n   = decision: ADR-0003 Prefer duplication over coupling (Accepted) — docs/adr/0003-prefer-duplication-over-coupling.md\n"
        ));
        assert!(text.ends_with("archfit: 1 error, 0 warnings, 1 info in 2 rules; 1 tool warning about what was not examined\n"));
    }

    #[test]
    fn each_line_of_help_is_its_own_help_line() {
        let mut outcome = fixture::outcome();
        outcome.findings[0].help = Some("the team's note\ncall the payments API".into());
        let text = plain(&outcome);
        assert!(
            text.contains("   = help: the team's note\n   = help: call the payments API\n"),
            "{text}"
        );
    }

    #[test]
    fn equals_lines_line_up_with_the_snippet_border() {
        let mut outcome = fixture::outcome();
        // Line numbers of two digits widen the gutter by one column.
        let padded = format!("{}{}", "\n".repeat(10), fixture::ORDERS_MANIFEST);
        let manifest = "services/orders/Cargo.toml";
        outcome
            .sources
            .insert(manifest.into(), std::sync::Arc::from(padded.as_str()));
        let start = padded.find("payments-core =").unwrap();
        outcome.findings[0].location =
            Some(Location::from_span(manifest, &padded, start..start + 13));
        outcome.findings[0].related.clear();
        let text = plain(&outcome);
        assert!(text.contains("\n    ╰────\n    = help: call"), "{text}");
    }

    #[test]
    fn related_location_in_the_same_file_is_labelled_in_the_snippet() {
        let text = plain(&fixture::outcome());
        assert!(text.contains(" 2 │ name = \"orders\""));
        assert!(text.contains("╰── this crate belongs to service `orders`"));
    }

    #[test]
    fn related_location_in_another_file_is_a_note_with_its_own_snippet() {
        let text = plain(&fixture::outcome());
        let note = &text[text.find("note: owned by service `payments`\n").unwrap()..];
        assert!(note.contains("[libs/payments-core/Cargo.toml:2:1]"));
        assert!(note.contains(" 2 │ name = \"payments-core\""));
        // The note's text heads it; the snippet underlines the span unlabelled.
        assert_eq!(
            note.matches("owned by service `payments`").count(),
            1,
            "{note}"
        );
    }

    #[test]
    fn related_location_without_source_shows_its_position() {
        let text = plain(&fixture::outcome());
        assert!(text.contains("note: declared here\n --> libs/telemetry/Cargo.toml:2:1\n"));
    }

    #[test]
    fn finding_whose_file_has_no_source_still_shows_its_position() {
        let mut outcome = fixture::outcome();
        outcome.sources.clear();
        let text = plain(&outcome);
        assert!(text.contains(
            "error[services-own-their-dependencies]: crate `orders` of service `orders` depends on `payments-core`, owned by service `payments`\n --> services/orders/Cargo.toml:6:1\n  = help: call"
        ), "{text}");
        assert!(!text.contains("╭─["));
        assert!(text.contains("  = decision: ADR-0003"));
        // Related locations become notes with their position.
        assert!(text.contains(
            "note: this crate belongs to service `orders`\n --> services/orders/Cargo.toml:2:1\n"
        ));
    }

    #[test]
    fn span_outside_the_source_falls_back_to_the_position() {
        let mut outcome = fixture::outcome();
        let location = outcome.findings[0].location.as_mut().unwrap();
        location.span = 10_000..10_010;
        let text = plain(&outcome);
        assert!(text.contains(" --> services/orders/Cargo.toml:6:1\n"));
        assert!(!text.contains("Failed to read contents"));
    }

    #[test]
    fn finding_without_location_renders_its_message() {
        let mut outcome = fixture::outcome();
        outcome.findings[0].location = None;
        outcome.findings[0].related.clear();
        let text = plain(&outcome);
        assert!(text.contains("error[services-own-their-dependencies]: crate `orders` of service `orders` depends on `payments-core`, owned by service `payments`\n  = help:"), "{text}");
    }

    #[test]
    fn empty_span_is_drawn_as_a_point() {
        let mut outcome = fixture::outcome();
        let text = fixture::ORDERS_MANIFEST;
        let start = text.find("payments-core").unwrap();
        outcome.findings[0].location = Some(Location::from_span(
            "services/orders/Cargo.toml",
            text,
            start..start,
        ));
        let text = plain(&outcome);
        assert!(text.contains("[services/orders/Cargo.toml:6:1]"));
        assert!(text.contains("dependency on another service's crate"));
    }

    #[test]
    fn summary_lists_rules_with_findings_and_their_decision() {
        let text = plain(&fixture::outcome());
        assert!(text.contains(
            "  services-own-their-dependencies  service-dependency  1 error  ADR-0003 Prefer duplication over coupling (Accepted)\n"
        ));
        assert!(text.contains("  unclassified-members             workspace           1 info\n"));
        assert!(!text.contains("no-service-cycles"));
    }

    #[test]
    fn verbose_lists_every_rule_and_info_diagnostics() {
        let text = human(&fixture::outcome(), VERBOSE);
        assert!(text.contains("  layers-in-accounts               layers              off\n"));
        assert!(
            text.contains("  no-service-cycles                cycles              no findings\n")
        );
        assert!(text.contains("info: skipped generated file (services/orders/src/generated.rs)\n"));
    }

    #[test]
    fn info_diagnostics_need_verbose() {
        let text = plain(&fixture::outcome());
        assert!(text.contains(
            "warning: could not parse: expected `;` (services/orders/src/broken.rs:3:9)\n"
        ));
        assert!(!text.contains("skipped generated file"));
    }

    #[test]
    fn quiet_drops_infos_and_rule_lines_but_keeps_errors_warnings_and_total() {
        let text = human(&fixture::outcome(), QUIET);
        assert!(!text.contains("unclassified-members"));
        assert!(!text.contains("crate `telemetry` belongs to no service"));
        assert!(!text.contains("  services-own-their-dependencies  service-dependency"));
        assert!(text.contains("error[services-own-their-dependencies]: crate `orders`"));
        assert!(text.contains("warning: could not parse"));
        assert!(text.ends_with("archfit: 1 error, 0 warnings, 1 info in 2 rules; 1 tool warning about what was not examined\n"));
    }

    #[test]
    fn quiet_wins_over_verbose() {
        let options = RenderOptions {
            quiet: true,
            ..VERBOSE
        };
        let text = human(&fixture::outcome(), options);
        assert!(!text.contains("skipped generated file"));
        assert!(!text.contains("layers-in-accounts"));
    }

    #[test]
    fn total_line_uses_singular_and_plural() {
        let mut outcome = fixture::outcome();
        let error = outcome.findings[0].clone();
        outcome.findings.push(error);
        outcome.findings[1].severity = crate::Severity::Warn;
        let text = plain(&outcome);
        assert!(text.ends_with(
            "archfit: 2 errors, 1 warning, 0 infos in 2 rules; 1 tool warning about what was not examined\n"
        ));
    }

    #[test]
    fn no_findings_says_how_many_rules_ran() {
        let mut outcome = fixture::outcome();
        outcome.findings.clear();
        outcome.diagnostics.clear();
        outcome.sagas.clear();
        assert_eq!(plain(&outcome), "archfit: no findings from 3 rules\n");
    }

    #[test]
    fn colour_only_when_asked() {
        let outcome = fixture::outcome();
        assert!(!plain(&outcome).contains('\u{1b}'));
        let coloured = human(
            &outcome,
            RenderOptions {
                color: true,
                ..RenderOptions::default()
            },
        );
        assert!(coloured.contains(
            "\u{1b}[1;31merror[services-own-their-dependencies]\u{1b}[0m\u{1b}[1m: crate `orders`"
        ));
        assert!(coloured.contains("\u{1b}[1;32mnote\u{1b}[0m"));
        assert!(coloured.contains("\u{1b}[1;34m=\u{1b}[0m \u{1b}[1mhelp\u{1b}[0m: call"));
        assert!(coloured.contains("\u{1b}[1marchfit: 1 error"));
    }

    #[test]
    fn rendering_twice_gives_identical_bytes() {
        for options in [RenderOptions::default(), QUIET, VERBOSE] {
            let outcome = fixture::outcome();
            assert_eq!(
                human(&outcome, options).as_bytes(),
                human(&outcome, options).as_bytes()
            );
        }
    }

    #[test]
    fn no_line_ends_in_whitespace() {
        let text = human(&fixture::outcome(), VERBOSE);
        for line in text.lines() {
            assert_eq!(line, line.trim_end());
        }
    }

    #[test]
    fn whole_report() {
        insta::assert_snapshot!(plain(&fixture::outcome()), @r#"
        error[services-own-their-dependencies]: crate `orders` of service `orders` depends on `payments-core`, owned by service `payments`
           ╭─[services/orders/Cargo.toml:2:1]
         1 │ [package]
         2 │ name = "orders"
           · ───────┬───────
           ·        ╰── this crate belongs to service `orders`
         3 │ version = "0.1.0"
           ╰────
           ╭─[services/orders/Cargo.toml:6:1]
         5 │ [dependencies]
         6 │ payments-core = { path = "../../libs/payments-core" }
           · ──────────────────────────┬──────────────────────────
           ·                           ╰── dependency on another service's crate
         7 │ telemetry = { path = "../../libs/telemetry" }
           ╰────
           = help: call the payments API instead, or move the shared code into a platform crate
           = decision: ADR-0003 Prefer duplication over coupling (Accepted) — docs/adr/0003-prefer-duplication-over-coupling.md
        note: owned by service `payments`
           ╭─[libs/payments-core/Cargo.toml:2:1]
         1 │ [package]
         2 │ name = "payments-core"
           · ──────────────────────
         3 │ version = "0.1.0"
           ╰────

        info[unclassified-members]: crate `telemetry` belongs to no service and is not listed as shared
           ╭─[services/orders/Cargo.toml:7:1]
         6 │ payments-core = { path = "../../libs/payments-core" }
         7 │ telemetry = { path = "../../libs/telemetry" }
           · ─────────────────────────────────────────────
           ╰────
           = help: add it to `[shared] platform` or to a service's `crates`
        note: declared here
         --> libs/telemetry/Cargo.toml:2:1

        warning: could not parse: expected `;` (services/orders/src/broken.rs:3:9)

          services-own-their-dependencies  service-dependency  1 error  ADR-0003 Prefer duplication over coupling (Accepted)
          unclassified-members             workspace           1 info

          saga `create-order` in orders: Fairy Tale Saga — sync, eventual, orchestration; 5 steps, builder dialect (services/orders/src/checkout.rs:2)

        archfit: 1 error, 0 warnings, 1 info in 2 rules; 1 tool warning about what was not examined
        "#);
    }
}
