//! The human report: one miette graphical diagnostic per finding (source
//! snippet, labels, help and the ADR), then the tool's own diagnostics, then
//! a summary line per rule and a total line.
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
    count, diagnostic_file, neutral::Neutral, rule_rows, sorted_diagnostics, sorted_findings,
    RenderOptions,
};
use crate::{Diagnostic, Finding, Location, Outcome, Severity, Sources};

/// Fixed so that the drawing never depends on the terminal the report runs in.
const WIDTH: usize = 100;

pub(super) fn render(outcome: &Neutral, options: &RenderOptions) -> String {
    let theme = if options.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(WIDTH)
        .with_links(false)
        // miette wraps with hyphen splitting, which cuts ADR paths and file
        // names like `docs/adr/0003-prefer-duplication-over-coupling.md` in
        // two; long lines are left to the terminal, as rustc does.
        .with_wrap_lines(false);
    let paint = Paint(options.color);

    let mut out = String::new();
    for finding in sorted_findings(outcome) {
        if options.quiet && finding.severity == Severity::Info {
            continue;
        }
        out.push_str(&render_finding(&handler, finding, &outcome.sources));
        out.push('\n');
    }

    let mut wrote_diagnostic = false;
    for diagnostic in sorted_diagnostics(outcome) {
        let shown = match diagnostic.severity {
            Severity::Error | Severity::Warn => true,
            Severity::Info => options.verbose && !options.quiet,
        };
        if shown {
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

/// Under a failing summary with no baseline yet (the first `check` after
/// `init`, typically): the one command that freezes today's findings, so the
/// gate stops only new ones. Nothing is written to know it is the first run:
/// the hint shows while no baseline is in use.
fn baseline_hint(outcome: &Outcome) -> String {
    if outcome.baseline != crate::BaselineUse::NoneYet || outcome.count(Severity::Error) == 0 {
        return String::new();
    }
    format!(
        "help: `cargo archfit baseline` records today's findings in {}; `cargo archfit` then fails only on new ones\n",
        crate::baseline::FILE_NAME
    )
}

/// One finding through miette; a plain fallback if miette refuses (it only
/// does so for spans outside the source, which `FindingReport` already
/// avoids), so a report is never lost.
fn render_finding(
    handler: &GraphicalReportHandler,
    finding: &Finding,
    sources: &Sources,
) -> String {
    let report = FindingReport::new(finding, sources);
    let mut text = String::new();
    if handler.render_report(&mut text, &report).is_ok() {
        // miette leaves a space after "Advice:" headers; snapshots and
        // editors are happier without trailing whitespace.
        let mut trimmed = String::with_capacity(text.len());
        for line in text.lines() {
            trimmed.push_str(line.trim_end());
            trimmed.push('\n');
        }
        return trimmed;
    }
    let mut text = format!(
        "{}[{}]: {}\n",
        finding.severity, finding.rule, finding.message
    );
    if let Some(location) = &finding.location {
        text.push_str(&format!("  at {}\n", position(location)));
    }
    text
}

/// A finding as a miette diagnostic. Everything is prepared up front so the
/// trait methods only hand out references.
#[derive(Debug)]
struct FindingReport<'a> {
    finding: &'a Finding,
    /// The message, plus the position when no snippet can show it.
    message: String,
    help: Option<String>,
    source: Option<NamedSource<Arc<str>>>,
    labels: Vec<LabeledSpan>,
    related: Vec<RelatedReport>,
}

impl<'a> FindingReport<'a> {
    fn new(finding: &'a Finding, sources: &Sources) -> FindingReport<'a> {
        let primary = finding
            .location
            .as_ref()
            .and_then(|location| Some((location, snippet_text(sources, location)?)));

        let mut message = finding.message.clone();
        let mut source = None;
        let mut labels = Vec::new();
        match (&primary, &finding.location) {
            (Some((location, text)), _) => {
                let text = Arc::clone(text);
                let label = finding.label.as_deref().unwrap_or(&finding.message);
                labels.push(LabeledSpan::new_primary_with_span(
                    Some(label.to_owned()),
                    location.span.clone(),
                ));
                source = Some(NamedSource::new(&location.file, text));
            }
            (None, Some(location)) => {
                message.push_str(&format!("\nat {}", position(location)));
            }
            (None, None) => {}
        }

        let mut related = Vec::new();
        for item in &finding.related {
            let same_file = primary
                .as_ref()
                .is_some_and(|(p, _)| p.file == item.location.file);
            if same_file && snippet_text(sources, &item.location).is_some() {
                labels.push(LabeledSpan::new_with_span(
                    non_empty(&item.label),
                    item.location.span.clone(),
                ));
            } else {
                related.push(RelatedReport::new(
                    item.location.clone(),
                    &item.label,
                    sources,
                ));
            }
        }

        let mut help = finding.help.clone();
        if let Some(adr) = &finding.adr {
            let decision = format!("decision: {} — {}", adr.display(), adr.link);
            help = Some(match help {
                Some(help) => format!("{help}\n{decision}"),
                None => decision,
            });
        }

        FindingReport {
            finding,
            message,
            help,
            source,
            labels,
            related,
        }
    }
}

impl fmt::Display for FindingReport<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for FindingReport<'_> {}

impl miette::Diagnostic for FindingReport<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(&self.finding.rule))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(miette_severity(self.finding.severity))
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.help
            .as_ref()
            .map(|help| Box::new(help) as Box<dyn fmt::Display>)
    }

    /// The ADR is the diagnostic's URL: printed after the rule id.
    fn url<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.finding
            .adr
            .as_ref()
            .map(|adr| Box::new(&adr.link) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.as_ref().map(|s| s as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if self.labels.is_empty() {
            return None;
        }
        Some(Box::new(self.labels.iter().cloned()))
    }

    fn related<'b>(&'b self) -> Option<Box<dyn Iterator<Item = &'b dyn miette::Diagnostic> + 'b>> {
        if self.related.is_empty() {
            return None;
        }
        Some(Box::new(
            self.related.iter().map(|r| r as &dyn miette::Diagnostic),
        ))
    }
}

/// A related location in another file than the primary one (or one that
/// cannot be drawn there): an advice with its own snippet, or with its
/// position in the text when its file has no source.
#[derive(Debug)]
struct RelatedReport {
    message: String,
    source: Option<NamedSource<Arc<str>>>,
    label: Option<LabeledSpan>,
}

impl RelatedReport {
    fn new(location: Location, label: &str, sources: &Sources) -> RelatedReport {
        let label = non_empty(label).unwrap_or_else(|| "related location".to_owned());
        match snippet_text(sources, &location) {
            Some(text) => RelatedReport {
                source: Some(NamedSource::new(&location.file, text)),
                label: Some(LabeledSpan::new_with_span(
                    Some(label.clone()),
                    location.span.clone(),
                )),
                message: label,
            },
            None => RelatedReport {
                message: format!("{label}\nat {}", position(&location)),
                source: None,
                label: None,
            },
        }
    }
}

impl fmt::Display for RelatedReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for RelatedReport {}

impl miette::Diagnostic for RelatedReport {
    fn severity(&self) -> Option<miette::Severity> {
        Some(miette::Severity::Advice)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.as_ref().map(|s| s as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let label = self.label.clone()?;
        Some(Box::new(std::iter::once(label)))
    }
}

fn miette_severity(severity: Severity) -> miette::Severity {
    match severity {
        Severity::Error => miette::Severity::Error,
        Severity::Warn => miette::Severity::Warning,
        Severity::Info => miette::Severity::Advice,
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

/// "services/orders/Cargo.toml:6:1".
fn position(location: &Location) -> String {
    format!("{}:{}:{}", location.file, location.line, location.column)
}

fn non_empty(text: &str) -> Option<String> {
    (!text.trim().is_empty()).then(|| text.to_owned())
}

/// `warning: could not parse: expected `;` (services/orders/src/broken.rs:3:9)`.
fn diagnostic_line(diagnostic: &Diagnostic, paint: Paint) -> String {
    let (word, colour) = match diagnostic.severity {
        Severity::Error => ("error", RED),
        Severity::Warn => ("warning", YELLOW),
        Severity::Info => ("info", CYAN),
    };
    let mut line = format!("{}: {}", paint.apply(word, colour), diagnostic.message);
    let place = match &diagnostic.location {
        Some(location) => Some(position(location)),
        None => diagnostic_file(diagnostic).map(str::to_owned),
    };
    if let Some(place) = place {
        line.push_str(&format!(" ({place})"));
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

const RED: &str = "31";
const YELLOW: &str = "33";
const CYAN: &str = "36";
const BOLD: &str = "1";

/// ANSI styling for the lines miette does not draw, when colour is on.
#[derive(Debug, Clone, Copy)]
struct Paint(bool);

impl Paint {
    fn apply(self, text: &str, sgr: &str) -> String {
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
    fn finding_shows_rule_position_snippet_help_and_decision() {
        let text = plain(&fixture::outcome());
        assert!(text.contains(
            "services-own-their-dependencies (docs/adr/0003-prefer-duplication-over-coupling.md)"
        ));
        assert!(text.contains("× crate `orders` of service `orders` depends on `payments-core`"));
        assert!(text.contains("[services/orders/Cargo.toml:6:1]"));
        assert!(text.contains(" 6 │ payments-core = { path = \"../../libs/payments-core\" }"));
        assert!(text.contains("╰── dependency on another service's crate"));
        assert!(text.contains("help: call the payments API instead"));
        assert!(text.contains(
            "decision: ADR-0003 Prefer duplication over coupling (Accepted) — docs/adr/0003-prefer-duplication-over-coupling.md"
        ));
        assert!(text.ends_with("archfit: 1 error, 0 warnings, 1 info in 2 rules; 1 tool warning about what was not examined\n"));
    }

    #[test]
    fn related_location_in_the_same_file_is_labelled_in_the_snippet() {
        let text = plain(&fixture::outcome());
        assert!(text.contains(" 2 │ name = \"orders\""));
        assert!(text.contains("╰── this crate belongs to service `orders`"));
    }

    #[test]
    fn related_location_in_another_file_is_an_advice_with_its_own_snippet() {
        let text = plain(&fixture::outcome());
        let advice = &text[text
            .find("Advice:\n  ☞ owned by service `payments`")
            .unwrap()..];
        assert!(advice.contains("[libs/payments-core/Cargo.toml:2:1]"));
        assert!(advice.contains(" 2 │ name = \"payments-core\""));
    }

    #[test]
    fn related_location_without_source_shows_its_position() {
        let text = plain(&fixture::outcome());
        assert!(text.contains("☞ declared here\n  │ at libs/telemetry/Cargo.toml:2:1\n"));
    }

    #[test]
    fn finding_whose_file_has_no_source_still_shows_its_position() {
        let mut outcome = fixture::outcome();
        outcome.sources.clear();
        let text = plain(&outcome);
        assert!(text.contains("│ at services/orders/Cargo.toml:6:1\n"));
        assert!(!text.contains("╭─["));
        assert!(text.contains("decision: ADR-0003"));
    }

    #[test]
    fn span_outside_the_source_falls_back_to_the_position() {
        let mut outcome = fixture::outcome();
        let location = outcome.findings[0].location.as_mut().unwrap();
        location.span = 10_000..10_010;
        let text = plain(&outcome);
        assert!(text.contains("│ at services/orders/Cargo.toml:6:1\n"));
        assert!(!text.contains("Failed to read contents"));
    }

    #[test]
    fn finding_without_location_renders_its_message() {
        let mut outcome = fixture::outcome();
        outcome.findings[0].location = None;
        outcome.findings[0].related.clear();
        let text = plain(&outcome);
        assert!(text.contains("× crate `orders` of service `orders` depends on `payments-core`, owned by service `payments`\n  help:"));
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
        assert!(text.contains("× crate `orders` of service `orders` depends on `payments-core`"));
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
        assert!(coloured.contains("\u{1b}[31m"));
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
        services-own-their-dependencies (docs/adr/0003-prefer-duplication-over-coupling.md)

          × crate `orders` of service `orders` depends on `payments-core`, owned by service `payments`
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
          help: call the payments API instead, or move the shared code into a platform crate
                decision: ADR-0003 Prefer duplication over coupling (Accepted) — docs/adr/0003-prefer-duplication-over-coupling.md

        Advice:
          ☞ owned by service `payments`
           ╭─[libs/payments-core/Cargo.toml:2:1]
         1 │ [package]
         2 │ name = "payments-core"
           · ───────────┬──────────
           ·            ╰── owned by service `payments`
         3 │ version = "0.1.0"
           ╰────

        unclassified-members

          ☞ crate `telemetry` belongs to no service and is not listed as shared
           ╭─[services/orders/Cargo.toml:7:1]
         6 │ payments-core = { path = "../../libs/payments-core" }
         7 │ telemetry = { path = "../../libs/telemetry" }
           · ──────────────────────┬──────────────────────
           ·                       ╰── crate `telemetry` belongs to no service and is not listed as shared
           ╰────
          help: add it to `[shared] platform` or to a service's `crates`

        Advice:
          ☞ declared here
          │ at libs/telemetry/Cargo.toml:2:1

        warning: could not parse: expected `;` (services/orders/src/broken.rs:3:9)

          services-own-their-dependencies  service-dependency  1 error  ADR-0003 Prefer duplication over coupling (Accepted)
          unclassified-members             workspace           1 info

          saga `create-order` in orders: Fairy Tale Saga — sync, eventual, orchestration; 5 steps, builder dialect (services/orders/src/checkout.rs:2)

        archfit: 1 error, 0 warnings, 1 info in 2 rules; 1 tool warning about what was not examined
        "#);
    }
}
