//! The Markdown report, for pull-request comments and the docs site: a
//! table of totals, then the findings grouped by the decision (ADR) they
//! break — each group headed by the ADR's title and status, with its link
//! and count — the tool's diagnostics, the sagas found, and last the rules
//! that found nothing.
//!
//! Files are named from the repository root (`report/repository.rs`), and
//! linked at their line: absolutely once the repository's web address is
//! known (`https://github.com/acme/shop/blob/<commit>/backend/…#L12`), which
//! a pull-request comment or a step summary needs; else relatively
//! (`[file:line](file#Lline)`), which resolves when the report is published
//! from the root of the repository. Text that comes from the
//! analysed code (messages, labels, help) is escaped: Markdown and HTML
//! syntax in it is shown, never interpreted, except `code spans`, which
//! the messages use on purpose. It arrives neutralised (`report::neutral`),
//! so it holds no line break that could end a list item or a table row. An
//! ADR given as a URL is linked only when it is a plain `http(s)` address
//! (`web_url`); any other (`javascript://…`, one with a space or a line
//! break) is shown as text.

use std::collections::BTreeMap;

use super::repository::Links;
use super::{
    count, diagnostic_file, is_url, neutral::Neutral, place, rule_rows, sorted_diagnostics,
    sorted_findings, web_url,
};
use crate::{AdrRef, Finding, Location, Severity};

pub(super) fn render(outcome: &Neutral) -> String {
    let links = Links::of(outcome);
    let mut out = String::from("## cargo-archfit\n\n");
    out.push_str("| errors | warnings | infos | baselined | suppressed |\n");
    out.push_str("| ---: | ---: | ---: | ---: | ---: |\n");
    out.push_str(&format!(
        "| {} | {} | {} | {} | {} |\n",
        outcome.count(Severity::Error),
        outcome.count(Severity::Warn),
        outcome.count(Severity::Info),
        outcome.baselined,
        outcome.suppressed
    ));

    let findings = sorted_findings(outcome);
    if findings.is_empty() {
        out.push_str("\nNo findings.\n");
    }
    for (adr, group) in groups(&findings) {
        out.push('\n');
        match adr {
            Some(adr) => {
                out.push_str(&format!("### {}\n\n", inline(&adr.display(), false)));
                out.push_str(&format!(
                    "{} · decision record: {}\n\n",
                    count(group.len(), "finding", "findings"),
                    adr_link(links, &inline(&adr.link, false), &adr.link)
                ));
            }
            None => {
                out.push_str("### No decision recorded\n\n");
                out.push_str(&format!(
                    "{}\n\n",
                    count(group.len(), "finding", "findings")
                ));
            }
        }
        for finding in group {
            write_finding(&mut out, links, finding);
        }
    }

    let diagnostics = sorted_diagnostics(outcome);
    if !diagnostics.is_empty() {
        out.push_str("\n### Tool diagnostics\n\n");
        for diagnostic in diagnostics {
            let position = match &diagnostic.location {
                Some(location) => Some(place(location)),
                None => diagnostic_file(diagnostic).map(str::to_owned),
            };
            out.push_str(&format!(
                "- **{}** {}",
                word(diagnostic.severity),
                inline(&diagnostic.message, false)
            ));
            if let Some(position) = position {
                out.push_str(&format!(" — {}", code(&position, false)));
            }
            out.push('\n');
        }
    }

    if !outcome.sagas.is_empty() {
        out.push_str("\n### Sagas\n\n");
        out.push_str(
            "| saga | service | class | communication | consistency | coordination | steps |\n",
        );
        out.push_str("| --- | --- | --- | --- | --- | --- | ---: |\n");
        for saga in &outcome.sagas {
            let name = match &saga.location {
                Some(location) => link(links, location, &saga.name),
                None => inline(&saga.name, true),
            };
            out.push_str(&format!(
                "| {name} | {} | {} | {} | {} | {} | {} |\n",
                inline(saga.service.as_deref().unwrap_or(""), true),
                inline(saga.class, true),
                saga.communication,
                saga.consistency,
                saga.coordination,
                saga.steps
            ));
        }
    }

    let quiet: Vec<_> = rule_rows(outcome)
        .into_iter()
        .filter(|row| row.total() == 0)
        .collect();
    if !quiet.is_empty() {
        out.push_str("\n### Rules without findings\n\n");
        out.push_str("| rule | check | severity | decision |\n");
        out.push_str("| --- | --- | --- | --- |\n");
        for row in quiet {
            let decision = row
                .adr
                .map(|adr| adr_link(links, &inline(&adr.display(), true), &adr.link))
                .unwrap_or_default();
            out.push_str(&format!(
                "| {} | {} | {} | {decision} |\n",
                code(row.id, true),
                inline(row.check, true),
                row.severity.map_or("off", Severity::as_str),
            ));
        }
    }
    out
}

/// Findings by decision: ADRs by number, then title and link; findings
/// without a decision last. Each group keeps report order.
fn groups<'a>(findings: &[&'a Finding]) -> Vec<(Option<&'a AdrRef>, Vec<&'a Finding>)> {
    type Key<'k> = (bool, Option<&'k str>, &'k str, &'k str);
    let mut by_adr: BTreeMap<Key<'a>, (Option<&'a AdrRef>, Vec<&'a Finding>)> = BTreeMap::new();
    for &finding in findings {
        let key = match &finding.adr {
            Some(adr) => (
                false,
                adr.id.as_deref(),
                adr.title.as_str(),
                adr.link.as_str(),
            ),
            None => (true, None, "", ""),
        };
        by_adr
            .entry(key)
            .or_insert_with(|| (finding.adr.as_ref(), Vec::new()))
            .1
            .push(finding);
    }
    by_adr.into_values().collect()
}

/// `- **error** `rule`: message — [file:line](file#Lline)`, the help as a
/// quote, then the related locations.
fn write_finding(out: &mut String, links: Links<'_>, finding: &Finding) {
    out.push_str(&format!(
        "- **{}** {}: {}",
        word(finding.severity),
        code(&finding.rule, false),
        inline(&finding.message, false)
    ));
    if let Some(location) = &finding.location {
        out.push_str(" — ");
        out.push_str(&link(
            links,
            location,
            &format!("{}:{}", location.file, location.line),
        ));
    }
    out.push('\n');
    if let Some(help) = &finding.help {
        let lines: Vec<String> = help
            .lines()
            .filter(|line| !line.trim().is_empty())
            .map(|line| format!("  > {}\n", inline(line, false)))
            .collect();
        out.push_str(&lines.join("  >\n"));
    }
    for related in &finding.related {
        let location = &related.location;
        out.push_str(&format!(
            "  - {} {}\n",
            link(
                links,
                location,
                &format!("{}:{}", location.file, location.line)
            ),
            inline(&related.label, false)
        ));
    }
}

fn word(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warn => "warning",
        Severity::Info => "info",
    }
}

/// `[text](file#Lline)`.
fn link(links: Links<'_>, location: &Location, text: &str) -> String {
    format!(
        "[{}]({}#L{})",
        inline(text, false),
        links.file(&location.file),
        location.line
    )
}

/// `[text](destination)` for an ADR, or `text` alone when its link is a
/// URL that reports do not link to (see `web_url`).
pub(super) fn adr_link(links: Links<'_>, text: &str, link: &str) -> String {
    match adr_destination(links, link) {
        Some(destination) => format!("[{text}]({destination})"),
        None => text.to_owned(),
    }
}

/// Where an ADR link points: an `http(s)` URL as written (with the
/// characters that would end a Markdown destination encoded), else the
/// file's link; `None` for any other URL (`javascript://`, a link with a
/// line break).
fn adr_destination(links: Links<'_>, link: &str) -> Option<String> {
    if !is_url(link) {
        return Some(links.file(link));
    }
    let url = web_url(link)?;
    let mut out = String::with_capacity(url.len());
    for c in url.chars() {
        match c {
            '(' => out.push_str("%28"),
            ')' => out.push_str("%29"),
            c => out.push(c),
        }
    }
    Some(out)
}

/// `text` as a code span: a fence longer than any backtick run inside it.
/// In a table cell `|` is escaped, which GitHub applies inside code spans too.
pub(super) fn code(text: &str, table: bool) -> String {
    let text = text.replace(['\n', '\r'], " ");
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    let body = if table {
        text.replace('|', "\\|")
    } else {
        text
    };
    format!("{fence}{pad}{body}{pad}{fence}")
}

/// Text from a finding on one line, shown as written: Markdown and HTML
/// punctuation is backslash-escaped, except inside the message's own code
/// spans (a backtick run closed by a run of the same length), which stay
/// code. `table` also escapes `|` inside those spans.
pub(super) fn inline(text: &str, table: bool) -> String {
    let text = text.replace("\r\n", " ").replace(['\n', '\r'], " ");
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(start) = rest.find('`') {
        escape_plain(&rest[..start], &mut out);
        let after = &rest[start..];
        let run = after.len() - after.trim_start_matches('`').len();
        let fence = &after[..run];
        let body = &after[run..];
        match find_closing(body, run) {
            Some(end) => {
                out.push_str(fence);
                let span = &body[..end];
                if table {
                    out.push_str(&span.replace('|', "\\|"));
                } else {
                    out.push_str(span);
                }
                out.push_str(fence);
                rest = &body[end + run..];
            }
            None => {
                for _ in 0..run {
                    out.push_str("\\`");
                }
                rest = body;
            }
        }
    }
    escape_plain(rest, &mut out);
    out
}

/// Byte offset in `body` of a backtick run of exactly `run` backticks.
fn find_closing(body: &str, run: usize) -> Option<usize> {
    let bytes = body.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'`' {
            let start = i;
            while i < bytes.len() && bytes[i] == b'`' {
                i += 1;
            }
            if i - start == run {
                return Some(start);
            }
        } else {
            i += 1;
        }
    }
    None
}

/// Backslash-escapes what Markdown or GFM could read as syntax: emphasis,
/// links, HTML, entities, table cells, strikethrough, and a heading or
/// quote marker at the start. An underscore inside a word
/// (`payments_gateway.rs`) cannot open emphasis and is left as is, which
/// keeps file names readable in the raw text.
fn escape_plain(text: &str, out: &mut String) {
    let chars: Vec<char> = text.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let escaped = match c {
            '\\' | '*' | '[' | ']' | '<' | '&' | '|' | '~' | '`' => true,
            '#' | '>' => i == 0 && out.is_empty(),
            '_' => {
                let word = |j: Option<usize>| {
                    j.and_then(|j| chars.get(j))
                        .is_some_and(|c| c.is_alphanumeric())
                };
                !(word(i.checked_sub(1)) && word(Some(i + 1)))
            }
            _ => false,
        };
        if escaped {
            out.push('\\');
        }
        out.push(c);
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixture;
    use super::{code, inline};
    use crate::report::{render, Format, RenderOptions};
    use crate::{AdrRef, Outcome, Severity};

    fn markdown(outcome: &Outcome) -> String {
        render(outcome, Format::Markdown, &RenderOptions::default())
    }

    fn headings(text: &str) -> Vec<&str> {
        text.lines().filter(|l| l.starts_with('#')).collect()
    }

    fn in_backend_of(web: Option<&str>) -> Outcome {
        let mut outcome = fixture::outcome();
        outcome.repository = crate::workspace::repository::Repository {
            prefix: "backend/".into(),
            web: web.map(|files| crate::workspace::repository::Web {
                url: "https://github.com/acme/shop".into(),
                revision: None,
                files: files.into(),
            }),
        };
        outcome
    }

    #[test]
    fn files_are_named_and_linked_from_the_repository_root() {
        let text = markdown(&in_backend_of(None));
        assert!(text.contains(
            " — [backend/services/orders/Cargo.toml:6](backend/services/orders/Cargo.toml#L6)\n"
        ));
        assert!(text.contains(
            "decision record: [backend/docs/adr/0003-prefer-duplication-over-coupling.md]\
             (backend/docs/adr/0003-prefer-duplication-over-coupling.md)"
        ));
        assert!(!text.contains("](services/"), "{text}");
    }

    #[test]
    fn links_are_absolute_when_the_repository_address_is_known() {
        let base = "https://github.com/acme/shop/blob/0123456789abcdef0123456789abcdef01234567/";
        let text = markdown(&in_backend_of(Some(base)));
        assert!(text.contains(&format!(
            " — [backend/services/orders/Cargo.toml:6]({base}backend/services/orders/Cargo.toml#L6)\n"
        )));
        assert!(text.contains(&format!(
            "  - [backend/libs/payments-core/Cargo.toml:2]({base}backend/libs/payments-core/Cargo.toml#L2) owned by service `payments`\n"
        )));
        assert!(text.contains(&format!(
            "({base}backend/docs/adr/0003-prefer-duplication-over-coupling.md)"
        )));
        assert!(text.contains(&format!(
            "| [create-order]({base}backend/services/orders/src/checkout.rs#L2) |"
        )));
        // Every link of the report is absolute: it works in a PR comment.
        for destination in text.split("](").skip(1) {
            assert!(destination.starts_with(base), "{destination}");
        }
    }

    #[test]
    fn totals_table_comes_first() {
        let mut outcome = fixture::outcome();
        outcome.baselined = 4;
        outcome.suppressed = 2;
        let text = markdown(&outcome);
        assert!(text.starts_with(
            "## cargo-archfit\n\n\
             | errors | warnings | infos | baselined | suppressed |\n\
             | ---: | ---: | ---: | ---: | ---: |\n\
             | 1 | 0 | 1 | 4 | 2 |\n"
        ));
    }

    #[test]
    fn findings_are_grouped_by_decision_with_no_decision_last() {
        let mut outcome = fixture::outcome();
        let mut earlier = outcome.findings[0].clone();
        earlier.adr = Some(AdrRef {
            id: Some("0002".into()),
            title: "Services talk through published clients".into(),
            status: Some(crate::adr::AdrStatus::Superseded),
            link: "docs/adr/0002-services-talk-through-published-clients.md".into(),
        });
        earlier.severity = Severity::Warn;
        let mut second = outcome.findings[0].clone();
        second.location.as_mut().unwrap().line = 9;
        outcome.findings.extend([earlier, second]);
        let text = markdown(&outcome);
        assert_eq!(
            headings(&text),
            [
                "## cargo-archfit",
                "### ADR-0002 Services talk through published clients (Superseded)",
                "### ADR-0003 Prefer duplication over coupling (Accepted)",
                "### No decision recorded",
                "### Tool diagnostics",
                "### Sagas",
                "### Rules without findings",
            ]
        );
        assert!(text.contains(
            "### ADR-0003 Prefer duplication over coupling (Accepted)\n\n\
             2 findings · decision record: [docs/adr/0003-prefer-duplication-over-coupling.md](docs/adr/0003-prefer-duplication-over-coupling.md)\n\n"
        ));
        assert!(text.contains(
            "### No decision recorded\n\n1 finding\n\n- **info** `unclassified-members`"
        ));
    }

    #[test]
    fn finding_links_its_file_and_line_and_quotes_its_help() {
        let text = markdown(&fixture::outcome());
        assert!(text.contains(
            "- **error** `services-own-their-dependencies`: crate `orders` of service `orders` depends on `payments-core`, owned by service `payments` — [services/orders/Cargo.toml:6](services/orders/Cargo.toml#L6)\n\
             \x20 > call the payments API instead, or move the shared code into a platform crate\n\
             \x20 - [services/orders/Cargo.toml:2](services/orders/Cargo.toml#L2) this crate belongs to service `orders`\n\
             \x20 - [libs/payments-core/Cargo.toml:2](libs/payments-core/Cargo.toml#L2) owned by service `payments`\n"
        ));
    }

    #[test]
    fn links_percent_encode_odd_file_names() {
        let mut outcome = fixture::outcome();
        outcome.findings[0].location.as_mut().unwrap().file =
            "services/my crate (v2)/Cargo.toml".into();
        let text = markdown(&outcome);
        assert!(text.contains(
            "[services/my crate (v2)/Cargo.toml:6](services/my%20crate%20%28v2%29/Cargo.toml#L6)"
        ));
    }

    #[test]
    fn multi_line_help_keeps_its_paragraphs() {
        let mut outcome = fixture::outcome();
        outcome.findings[0].help = Some("first\nsecond".into());
        let text = markdown(&outcome);
        assert!(text.contains("\n  > first\n  >\n  > second\n"));
    }

    #[test]
    fn markup_in_messages_is_shown_not_interpreted() {
        assert_eq!(
            inline(
                "<script>alert(1)</script> *bold* [link](x) a|b ~~s~~ & \\",
                false
            ),
            "\\<script>alert(1)\\</script> \\*bold\\* \\[link\\](x) a\\|b \\~\\~s\\~\\~ \\& \\\\"
        );
        assert_eq!(inline("# not a heading", false), "\\# not a heading");
        assert_eq!(inline("> not a quote", false), "\\> not a quote");
        assert_eq!(inline("line\nbreak", false), "line break");
    }

    #[test]
    fn code_spans_in_messages_stay_code() {
        assert_eq!(
            inline("uses `Vec<T>` and `a|b` in <here>", false),
            "uses `Vec<T>` and `a|b` in \\<here>"
        );
        assert_eq!(inline("`a|b`", true), "`a\\|b`");
        assert_eq!(inline("``a ` b`` c", false), "``a ` b`` c");
        assert_eq!(inline("a lone ` tick", false), "a lone \\` tick");
    }

    #[test]
    fn underscores_inside_words_are_left_alone() {
        assert_eq!(inline("payments_gateway.rs", false), "payments_gateway.rs");
        assert_eq!(
            inline("_private_ and send_*", false),
            "\\_private\\_ and send\\_\\*"
        );
    }

    #[test]
    fn adr_url_is_linked_only_when_it_is_a_plain_web_address() {
        let with_link = |link: &str| {
            let mut outcome = fixture::outcome();
            outcome.findings[0].adr.as_mut().unwrap().link = link.into();
            markdown(&outcome)
        };
        let text = with_link("https://adr.example.com/0003_(coupling)");
        assert!(text.contains(
            "decision record: [https://adr.example.com/0003\\_(coupling)](https://adr.example.com/0003_%28coupling%29)\n"
        ), "{text}");
        // A line break (shown as `\n` once neutralised), a script scheme,
        // or a `)` that would end the destination: text, never a link.
        for (link, shown) in [
            (
                "https://example.com/adr\n::warning::x",
                "https://example.com/adr\\\\n::warning::x",
            ),
            ("javascript://%0Aalert(1)", "javascript://%0Aalert(1)"),
            (
                "https://example.com/a b)[x](javascript:alert(1)",
                "https://example.com/a b)\\[x\\](javascript:alert(1)",
            ),
        ] {
            let text = with_link(link);
            assert!(
                text.contains(&format!("decision record: {shown}\n")),
                "{link}: {text}"
            );
            // Only an escaped `\]` may precede `(javascript`.
            assert!(!text.replace("\\]", "").contains("](javascript"), "{text}");
            assert!(!text.contains("\n::warning"), "{text}");
        }
    }

    #[test]
    fn code_fence_outgrows_backticks_inside() {
        assert_eq!(code("a`b", false), "``a`b``");
        assert_eq!(code("`x`", false), "`` `x` ``");
        assert_eq!(code("a|b", true), "`a\\|b`");
    }

    #[test]
    fn rules_without_findings_close_the_report() {
        let text = markdown(&fixture::outcome());
        assert!(text.ends_with(
            "### Rules without findings\n\n\
             | rule | check | severity | decision |\n\
             | --- | --- | --- | --- |\n\
             | `layers-in-accounts` | layers | off |  |\n\
             | `no-service-cycles` | cycles | error |  |\n"
        ));
    }

    #[test]
    fn no_findings_says_so() {
        let mut outcome = fixture::outcome();
        outcome.findings.clear();
        outcome.diagnostics.clear();
        outcome.sagas.clear();
        let text = markdown(&outcome);
        assert!(text.contains("| 0 | 0 | 0 | 0 | 0 |\n\nNo findings.\n"));
        assert_eq!(
            headings(&text),
            ["## cargo-archfit", "### Rules without findings"]
        );
    }

    #[test]
    fn rendering_twice_gives_identical_bytes() {
        let outcome = fixture::outcome();
        assert_eq!(markdown(&outcome).as_bytes(), markdown(&outcome).as_bytes());
        assert!(!markdown(&outcome).contains("/home/dev/shop"));
    }

    #[test]
    fn whole_report() {
        insta::assert_snapshot!(markdown(&fixture::outcome()), @r#"
        ## cargo-archfit

        | errors | warnings | infos | baselined | suppressed |
        | ---: | ---: | ---: | ---: | ---: |
        | 1 | 0 | 1 | 0 | 0 |

        ### ADR-0003 Prefer duplication over coupling (Accepted)

        1 finding · decision record: [docs/adr/0003-prefer-duplication-over-coupling.md](docs/adr/0003-prefer-duplication-over-coupling.md)

        - **error** `services-own-their-dependencies`: crate `orders` of service `orders` depends on `payments-core`, owned by service `payments` — [services/orders/Cargo.toml:6](services/orders/Cargo.toml#L6)
          > call the payments API instead, or move the shared code into a platform crate
          - [services/orders/Cargo.toml:2](services/orders/Cargo.toml#L2) this crate belongs to service `orders`
          - [libs/payments-core/Cargo.toml:2](libs/payments-core/Cargo.toml#L2) owned by service `payments`

        ### No decision recorded

        1 finding

        - **info** `unclassified-members`: crate `telemetry` belongs to no service and is not listed as shared — [services/orders/Cargo.toml:7](services/orders/Cargo.toml#L7)
          > add it to `[shared] platform` or to a service's `crates`
          - [libs/telemetry/Cargo.toml:2](libs/telemetry/Cargo.toml#L2) declared here

        ### Tool diagnostics

        - **warning** could not parse: expected `;` — `services/orders/src/broken.rs:3:9`
        - **info** skipped generated file — `services/orders/src/generated.rs`

        ### Sagas

        | saga | service | class | communication | consistency | coordination | steps |
        | --- | --- | --- | --- | --- | --- | ---: |
        | [create-order](services/orders/src/checkout.rs#L2) | orders | Fairy Tale Saga | sync | eventual | orchestration | 5 |

        ### Rules without findings

        | rule | check | severity | decision |
        | --- | --- | --- | --- |
        | `layers-in-accounts` | layers | off |  |
        | `no-service-cycles` | cycles | error |  |
        "#);
    }
}
