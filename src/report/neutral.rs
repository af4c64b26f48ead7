//! The outcome as reports may show it: every text that came from the
//! workspace (file names, messages that quote code, ADR titles and links,
//! saga names, source texts) passed once through [`crate::text`], before any
//! format sees it. Renderers take a [`Neutral`], not an [`Outcome`], so a
//! new format cannot forget this step; each struct below is destructured
//! field by field, so a new field of `Outcome`, `Finding` and the rest does
//! not compile until it is decided here whether it needs neutralising.
//!
//! One-line texts get [`neutralise`], texts with meant line breaks (help,
//! a rule's `message`) [`neutralise_lines`], source texts
//! [`neutralise_source`], which keeps every span pointing at the same bytes.
//! Names are neutralised the same way wherever they occur (a finding's file
//! and the key of its source, a finding's rule and the rule's id), so
//! lookups between them still match. Fingerprints are hashes of the raw
//! texts and stay as they are, so baselines keep matching.

use std::ops::Deref;
use std::sync::Arc;

use crate::checks::quanta::{JoinSummary, QuantumSummary};
use crate::checks::saga_compensation::SagaSummary;
use crate::text::{neutralise, neutralise_lines, neutralise_source};
use crate::workspace::repository::Repository;
use crate::{
    AdrRef, Diagnostic, Dismissal, Dismissed, Finding, Location, Outcome, Related, RuleSummary,
    Sources,
};

/// An [`Outcome`] whose workspace texts are safe to show.
pub(super) struct Neutral(Outcome);

impl Neutral {
    pub(super) fn new(outcome: &Outcome) -> Neutral {
        let Outcome {
            // Never shown: reports carry no absolute path.
            root,
            findings,
            diagnostics,
            rules,
            sources,
            stats,
            sagas,
            quanta,
            baselined,
            suppressed,
            stale_baseline_entries,
            baseline,
            dismissed,
            repository,
            new_since,
        } = outcome;
        Neutral(Outcome {
            root: root.clone(),
            findings: findings.iter().map(finding).collect(),
            diagnostics: diagnostics.iter().map(diagnostic).collect(),
            rules: rules.iter().map(rule).collect(),
            sources: source_texts(sources),
            stats: *stats,
            sagas: sagas.iter().map(saga).collect(),
            quanta: quanta.iter().map(quantum).collect(),
            baselined: *baselined,
            suppressed: *suppressed,
            stale_baseline_entries: *stale_baseline_entries,
            baseline: match baseline {
                crate::BaselineUse::File(file) => {
                    crate::BaselineUse::File(neutralise(file).into_owned())
                }
                other => other.clone(),
            },
            dismissed: dismissed.iter().map(dismissed_finding).collect(),
            // The prefix holds folder names from the file system; the web
            // address was checked to hold plain URI characters only.
            repository: Repository {
                prefix: line(&repository.prefix),
                web: repository.web.clone(),
            },
            // The ref is typed on the command line, but may end up in a
            // CI log: neutralised like any text.
            new_since: new_since.as_ref().map(|n| crate::new_since::Summary {
                reference: line(&n.reference),
                ..n.clone()
            }),
        })
    }
}

impl Deref for Neutral {
    type Target = Outcome;

    fn deref(&self) -> &Outcome {
        &self.0
    }
}

fn line(text: &str) -> String {
    neutralise(text).into_owned()
}

fn opt_line(text: &Option<String>) -> Option<String> {
    text.as_deref().map(line)
}

fn lines(text: &Option<String>) -> Option<String> {
    text.as_deref().map(|t| neutralise_lines(t).into_owned())
}

fn finding(finding: &Finding) -> Finding {
    let Finding {
        rule,
        check,
        severity,
        message,
        help,
        suggestion,
        label,
        location: place,
        related,
        service,
        krate,
        adr: decision,
        fingerprint,
    } = finding;
    Finding {
        rule: line(rule),
        check: line(check),
        severity: *severity,
        message: line(message),
        help: lines(help),
        suggestion: opt_line(suggestion),
        label: opt_line(label),
        location: place.as_ref().map(location),
        related: related
            .iter()
            .map(
                |Related {
                     location: at,
                     label,
                 }| Related {
                    location: location(at),
                    label: line(label),
                },
            )
            .collect(),
        service: opt_line(service),
        krate: opt_line(krate),
        adr: decision.as_ref().map(adr),
        fingerprint: fingerprint.clone(),
    }
}

fn dismissed_finding(dismissed: &Dismissed) -> Dismissed {
    let Dismissed { finding: held, by } = dismissed;
    Dismissed {
        finding: finding(held),
        by: match by {
            Dismissal::Baseline => Dismissal::Baseline,
            // The reason is the comment's text.
            Dismissal::Inline {
                reason,
                location: at,
            } => Dismissal::Inline {
                reason: line(reason),
                location: location(at),
            },
        },
    }
}

fn location(location: &Location) -> Location {
    let Location {
        file,
        line: at_line,
        column,
        end_line,
        end_column,
        span,
    } = location;
    Location {
        file: line(file),
        line: *at_line,
        column: *column,
        end_line: *end_line,
        end_column: *end_column,
        span: span.clone(),
    }
}

fn adr(adr: &AdrRef) -> AdrRef {
    let AdrRef {
        id,
        title,
        status,
        link,
    } = adr;
    AdrRef {
        id: opt_line(id),
        title: line(title),
        // A status word from the file (`Other`) is workspace text too.
        status: status.as_ref().map(|s| match s {
            crate::adr::AdrStatus::Other(word) => crate::adr::AdrStatus::Other(line(word)),
            known => known.clone(),
        }),
        link: line(link),
    }
}

fn diagnostic(diagnostic: &Diagnostic) -> Diagnostic {
    let Diagnostic {
        severity,
        message,
        file,
        location: place,
    } = diagnostic;
    Diagnostic {
        severity: *severity,
        message: line(message),
        file: opt_line(file),
        location: place.as_ref().map(location),
    }
}

fn rule(rule: &RuleSummary) -> RuleSummary {
    let RuleSummary {
        id,
        check,
        severity,
        adr: decision,
        message,
        findings,
    } = rule;
    RuleSummary {
        id: line(id),
        check: line(check),
        severity: *severity,
        adr: decision.as_ref().map(adr),
        message: lines(message),
        findings: *findings,
    }
}

fn quantum(quantum: &QuantumSummary) -> QuantumSummary {
    QuantumSummary {
        services: quantum.services.iter().map(|s| line(s)).collect(),
        joins: quantum
            .joins
            .iter()
            .map(|j| JoinSummary {
                from: line(&j.from),
                to: line(&j.to),
                kind: j.kind,
                detail: line(&j.detail),
                location: j.location.as_ref().map(location),
            })
            .collect(),
    }
}

fn saga(saga: &SagaSummary) -> SagaSummary {
    let SagaSummary {
        name,
        dialect,
        service,
        location: place,
        steps,
        communication,
        consistency,
        coordination,
        class,
    } = saga;
    SagaSummary {
        name: line(name),
        dialect,
        service: opt_line(service),
        location: place.as_ref().map(location),
        steps: *steps,
        communication: *communication,
        consistency: *consistency,
        coordination: *coordination,
        class,
    }
}

/// Source texts with hazards masked byte for byte; a text that needs no
/// change is shared, not copied.
fn source_texts(sources: &Sources) -> Sources {
    sources
        .iter()
        .map(|(file, text)| {
            let text = match neutralise_source(text) {
                std::borrow::Cow::Borrowed(_) => Arc::clone(text),
                std::borrow::Cow::Owned(safe) => Arc::from(safe),
            };
            (line(file), text)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::fixture;
    use super::*;

    #[test]
    fn clean_outcome_is_unchanged() {
        let outcome = fixture::outcome();
        let neutral = Neutral::new(&outcome);
        assert_eq!(
            format!("{:?}", neutral.findings),
            format!("{:?}", outcome.findings)
        );
        assert_eq!(neutral.diagnostics, outcome.diagnostics);
        let shared = |o: &Outcome| o.sources.values().map(Arc::as_ptr).collect::<Vec<_>>();
        assert_eq!(shared(&neutral), shared(&outcome));
    }

    #[test]
    fn dismissed_findings_and_the_repository_folder_are_neutralised() {
        let mut outcome = fixture::outcome();
        let mut held = outcome.findings[0].clone();
        held.message.push_str("\u{1b}[2J");
        let mut at = held.location.clone().unwrap();
        at.file = "services/\u{202e}orders/Cargo.toml".into();
        outcome.dismissed.push(crate::Dismissed {
            finding: held,
            by: Dismissal::Inline {
                reason: "legacy\r\n::error::x".into(),
                location: at,
            },
        });
        outcome.repository.prefix = "mono\nrepo/".into();
        let neutral = Neutral::new(&outcome);
        let dismissed = &neutral.dismissed[0];
        assert_eq!(dismissed.finding.message.matches("\\u{1b}").count(), 1);
        let Dismissal::Inline { reason, location } = &dismissed.by else {
            unreachable!()
        };
        assert_eq!(reason, "legacy\\r\\n::error::x");
        assert_eq!(location.file, "services/\\u{202e}orders/Cargo.toml");
        assert_eq!(neutral.repository.prefix, "mono\\nrepo/");
    }

    #[test]
    fn every_workspace_text_is_neutralised_and_spans_still_fit() {
        let mut outcome = fixture::outcome();
        let esc = "\u{1b}[31m";
        let finding = &mut outcome.findings[0];
        finding.message.push_str(esc);
        finding.label = Some(format!("label{esc}"));
        finding.help = Some(format!("first{esc}\nsecond\r\nthird"));
        finding.related[0].label.push('\r');
        finding.krate = Some("orders\u{202e}".into());
        let adr = finding.adr.as_mut().unwrap();
        adr.title.push_str(esc);
        adr.link = "https://example.com/adr\n::warning::x".into();
        let file = "services/orders/\u{1b}]0;x\u{7}Cargo.toml".to_string();
        let text = outcome
            .sources
            .remove("services/orders/Cargo.toml")
            .unwrap();
        let text: Arc<str> = Arc::from(text.replace("orders", "ord\u{1b}rs"));
        outcome.sources.insert(file.clone(), Arc::clone(&text));
        outcome.findings[0].location.as_mut().unwrap().file = file.clone();
        outcome.diagnostics[1].message.push_str("\n::error::x");
        outcome.sagas[0].name.push('\u{9b}');
        outcome.rules[0].id.push('\u{2066}');

        let neutral = Neutral::new(&outcome);
        let finding = &neutral.findings[0];
        let shown = [
            finding.message.as_str(),
            finding.label.as_deref().unwrap(),
            finding.related[0].label.as_str(),
            finding.krate.as_deref().unwrap(),
            finding.adr.as_ref().unwrap().title.as_str(),
            neutral.diagnostics[1].message.as_str(),
            neutral.sagas[0].name.as_str(),
            neutral.rules[0].id.as_str(),
        ];
        for text in shown {
            assert!(!text.chars().any(crate::text::is_hazard), "{text:?}");
        }
        let finding = &neutral.findings[0];
        assert_eq!(
            finding.help.as_deref(),
            Some("first\\u{1b}[31m\nsecond\nthird")
        );
        assert_eq!(
            finding.adr.as_ref().unwrap().link,
            "https://example.com/adr\\n::warning::x"
        );
        assert_eq!(neutral.diagnostics[1].message.lines().count(), 1);
        let safe_file = &finding.location.as_ref().unwrap().file;
        assert_eq!(safe_file, "services/orders/\\u{1b}]0;x\\u{7}Cargo.toml");
        let safe_text = &neutral.sources[safe_file];
        assert_eq!(safe_text.len(), text.len());
        assert!(!safe_text.contains('\u{1b}'));
        assert_eq!(finding.fingerprint, outcome.findings[0].fingerprint);
    }
}
