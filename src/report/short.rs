//! The short report: one line per finding, `file:line:col: error[rule-id]:
//! message`, the way `rustc --error-format=short` and compilers before it
//! print, so editors, `grep` and pre-commit hooks can read it; then the
//! tool's own errors and warnings in the same shape, then the summary line.

use super::human::{self, Paint};
use super::{neutral::Neutral, place, sorted_diagnostics, sorted_findings, RenderOptions};
use crate::Severity;

pub(super) fn render(outcome: &Neutral, options: &RenderOptions) -> String {
    let paint = Paint(options.color);
    let mut out = String::new();
    for finding in sorted_findings(outcome) {
        if options.quiet && finding.severity == Severity::Info {
            continue;
        }
        if let Some(location) = &finding.location {
            out.push_str(&place(location));
            out.push_str(": ");
        }
        // Messages are single lines here: `Neutral` shows a line break
        // in one as `\n`, so it cannot start what reads as another finding.
        out.push_str(&human::header(
            finding.severity,
            Some(&finding.rule),
            &finding.message,
            paint,
        ));
        out.push('\n');
    }
    for diagnostic in sorted_diagnostics(outcome) {
        if !human::shows_diagnostic(diagnostic.severity, options) {
            continue;
        }
        let position = match &diagnostic.location {
            Some(location) => Some(place(location)),
            None => super::diagnostic_file(diagnostic).map(str::to_owned),
        };
        if let Some(position) = position {
            out.push_str(&position);
            out.push_str(": ");
        }
        out.push_str(&human::header(
            diagnostic.severity,
            None,
            &diagnostic.message,
            paint,
        ));
        out.push('\n');
    }
    out.push_str(&paint.apply(&super::summary_line(outcome), human::BOLD));
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::super::fixture;
    use crate::report::{render, Format, RenderOptions};

    fn short(outcome: &crate::Outcome, options: RenderOptions) -> String {
        render(outcome, Format::Short, &options)
    }

    #[test]
    fn one_line_per_finding_then_tool_warnings_then_the_summary() {
        insta::assert_snapshot!(short(&fixture::outcome(), RenderOptions::default()), @r"
        services/orders/Cargo.toml:6:1: error[services-own-their-dependencies]: crate `orders` of service `orders` depends on `payments-core`, owned by service `payments`
        services/orders/Cargo.toml:7:1: info[unclassified-members]: crate `telemetry` belongs to no service and is not listed as shared
        services/orders/src/broken.rs:3:9: warning: could not parse: expected `;`
        archfit: 1 error, 0 warnings, 1 info in 2 rules; 1 tool warning about what was not examined
        ");
    }

    #[test]
    fn quiet_drops_infos_and_verbose_adds_info_diagnostics() {
        let quiet = RenderOptions {
            quiet: true,
            ..RenderOptions::default()
        };
        let text = short(&fixture::outcome(), quiet);
        assert!(!text.contains("unclassified-members"), "{text}");
        assert!(
            text.contains("error[services-own-their-dependencies]"),
            "{text}"
        );
        let verbose = RenderOptions {
            verbose: true,
            ..RenderOptions::default()
        };
        let text = short(&fixture::outcome(), verbose);
        assert!(
            text.contains("services/orders/src/generated.rs: info: skipped generated file\n"),
            "{text}"
        );
    }

    #[test]
    fn a_finding_without_location_or_with_a_multi_line_message_stays_on_one_line() {
        let mut outcome = fixture::outcome();
        outcome.findings[0].location = None;
        outcome.findings[0].message = "first part\n  second part".into();
        let text = short(&outcome, RenderOptions::default());
        assert!(
            text.starts_with(
                "error[services-own-their-dependencies]: first part\\n  second part\n"
            ),
            "{text}"
        );
    }

    #[test]
    fn colour_paints_the_severity_and_rule_only_when_asked() {
        let coloured = short(
            &fixture::outcome(),
            RenderOptions {
                color: true,
                ..RenderOptions::default()
            },
        );
        assert!(
            coloured.contains("\u{1b}[1;31merror[services-own-their-dependencies]\u{1b}[0m"),
            "{coloured}"
        );
        assert!(!short(&fixture::outcome(), RenderOptions::default()).contains('\u{1b}'));
    }
}
