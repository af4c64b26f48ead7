//! Architecture decision records: the title and status of a Nygard, MADR or
//! RFC-style Markdown file, so each finding can say which decision it breaks.

/// What the tool reads from an ADR file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdrInfo {
    pub title: String,
    /// From the status's first word.
    pub status: Option<AdrStatus>,
    /// The whole status text ("Superseded by ADR-0007"), for messages.
    pub status_text: Option<String>,
}

/// The status of a decision: the statuses Nygard and MADR name, and any
/// other word a team uses, kept as written (capitalised).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AdrStatus {
    Proposed,
    Accepted,
    Rejected,
    Deprecated,
    Superseded,
    Other(String),
}

impl AdrStatus {
    /// From a status word in any case ("accepted", "SUPERSEDED").
    pub fn from_word(word: &str) -> AdrStatus {
        match word.to_ascii_lowercase().as_str() {
            "proposed" => AdrStatus::Proposed,
            "accepted" => AdrStatus::Accepted,
            "rejected" => AdrStatus::Rejected,
            "deprecated" => AdrStatus::Deprecated,
            "superseded" => AdrStatus::Superseded,
            _ => {
                let mut chars = word.chars();
                let capitalised = chars
                    .next()
                    .map(|first| {
                        first
                            .to_uppercase()
                            .chain(chars.flat_map(char::to_lowercase))
                            .collect()
                    })
                    .unwrap_or_default();
                AdrStatus::Other(capitalised)
            }
        }
    }

    /// The status as shown: "Accepted", "Superseded".
    pub fn as_str(&self) -> &str {
        match self {
            AdrStatus::Proposed => "Proposed",
            AdrStatus::Accepted => "Accepted",
            AdrStatus::Rejected => "Rejected",
            AdrStatus::Deprecated => "Deprecated",
            AdrStatus::Superseded => "Superseded",
            AdrStatus::Other(word) => word,
        }
    }

    /// Superseded or deprecated: the decision should no longer be enforced.
    pub fn is_retired(&self) -> bool {
        matches!(self, AdrStatus::Superseded | AdrStatus::Deprecated)
    }

    /// Retired or rejected: a rule enforcing it enforces no decision.
    pub fn is_inactive(&self) -> bool {
        self.is_retired() || *self == AdrStatus::Rejected
    }
}

impl serde::Serialize for AdrStatus {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl std::fmt::Display for AdrStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The id in an ADR file name: its leading number (`0003-prefer-duplication.md`
/// → `0003`, also after an `ADR-` prefix) or its date prefix
/// (`2023-03-08-use-kafka.md` → `2023-03-08`).
pub fn id_from_file_name(name: &str) -> Option<String> {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let base = base
        .strip_prefix("ADR-")
        .or_else(|| base.strip_prefix("adr-"))
        .unwrap_or(base);
    if let Some(date) = date_prefix(base) {
        return Some(date.to_string());
    }
    let digits: String = base.chars().take_while(char::is_ascii_digit).collect();
    (!digits.is_empty()).then_some(digits)
}

/// `YYYY-MM-DD` at the start of `name`, not followed by another digit.
fn date_prefix(name: &str) -> Option<&str> {
    let bytes = name.as_bytes();
    let shape = b"dddd-dd-dd";
    let matches = bytes.len() >= shape.len()
        && shape.iter().zip(bytes).all(|(want, got)| match want {
            b'd' => got.is_ascii_digit(),
            _ => got == want,
        })
        && !bytes.get(shape.len()).is_some_and(u8::is_ascii_digit);
    matches.then(|| &name[..shape.len()])
}

/// Largest ADR read: decisions are pages, not books.
pub const MAX_BYTES: u64 = 1024 * 1024;

/// Reads title and status from Markdown with a CommonMark parser, so code
/// blocks and HTML comments never count and setext headings do.
///
/// Title: front matter `title`, else the first heading of level 1 or 2 (ATX
/// or setext). Status: front matter `status`, else the first `Status: …` line
/// or bullet (MADR 2, also `**Status:**`), else the first text under a
/// `Status` heading (Nygard). Returns `None` when there is no title.
pub fn parse(text: &str) -> Option<AdrInfo> {
    use pulldown_cmark::{Event, MetadataBlockKind, Options, Parser, Tag, TagEnd};

    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut title = None;
    let mut status_text = None;
    // Text of the innermost block being read, and what that block is.
    let mut block = String::new();
    let mut reading = Reading::Skip;
    let mut in_status_section = false;
    let mut skip_depth = 0usize;

    let parser = Parser::new_ext(text, Options::ENABLE_YAML_STYLE_METADATA_BLOCKS);
    for event in parser {
        match event {
            Event::Start(Tag::MetadataBlock(MetadataBlockKind::YamlStyle)) => {
                reading = Reading::FrontMatter;
                block.clear();
            }
            Event::End(TagEnd::MetadataBlock(_)) => {
                for line in block.lines().filter(|l| !l.starts_with([' ', '\t'])) {
                    if let Some(value) = strip_key(line, "title").map(unquote) {
                        if title.is_none() && !value.is_empty() {
                            title = Some(value.to_string());
                        }
                    } else if let Some(value) = strip_key(line, "status").map(unquote) {
                        if status_text.is_none() && !value.is_empty() {
                            status_text = Some(value.to_string());
                        }
                    }
                }
                reading = Reading::Skip;
                block.clear();
            }
            Event::Start(Tag::CodeBlock(_)) => skip_depth += 1,
            Event::End(TagEnd::CodeBlock) => skip_depth = skip_depth.saturating_sub(1),
            Event::Start(Tag::Heading { level, .. }) => {
                finish_block(&block, reading, &mut status_text, &mut in_status_section);
                block.clear();
                reading = Reading::Heading(level as usize);
            }
            Event::End(TagEnd::Heading(_)) => {
                let heading = block.trim();
                let level = match reading {
                    Reading::Heading(level) => level,
                    _ => usize::MAX,
                };
                if title.is_none() && level <= 2 {
                    title = Some(clean_title(heading));
                    in_status_section = false;
                } else {
                    in_status_section = heading
                        .trim_end_matches(':')
                        .trim()
                        .eq_ignore_ascii_case("status");
                }
                block.clear();
                reading = Reading::Skip;
            }
            Event::Start(Tag::Paragraph | Tag::Item | Tag::TableCell)
            | Event::End(TagEnd::Paragraph | TagEnd::Item | TagEnd::TableCell)
                if !matches!(reading, Reading::Heading(_)) =>
            {
                finish_block(&block, reading, &mut status_text, &mut in_status_section);
                block.clear();
                reading = Reading::Body;
            }
            Event::Text(t) | Event::Code(t) if skip_depth == 0 => block.push_str(&t),
            Event::SoftBreak | Event::HardBreak if skip_depth == 0 => block.push('\n'),
            // HTML (comments included), footnotes, rules: never a title or status.
            _ => {}
        }
    }
    finish_block(&block, reading, &mut status_text, &mut in_status_section);

    let title = title?;
    let status_text = status_text.map(|s| s.trim().to_string());
    let status = status_text.as_deref().and_then(normalise_status);
    Some(AdrInfo {
        title,
        status,
        status_text,
    })
}

/// What the text being collected belongs to.
#[derive(Clone, Copy)]
enum Reading {
    Skip,
    FrontMatter,
    Heading(usize),
    Body,
}

/// Takes the status from a finished paragraph, list item or cell: a
/// `Status:` line, or the first text of a `Status` section.
fn finish_block(
    block: &str,
    reading: Reading,
    status_text: &mut Option<String>,
    in_status_section: &mut bool,
) {
    if !matches!(reading, Reading::Body) || status_text.is_some() {
        return;
    }
    for line in block.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if let Some(value) = strip_key(line, "status") {
            if !value.is_empty() {
                *status_text = Some(value.to_string());
                return;
            }
        } else if *in_status_section {
            *status_text = Some(line.to_string());
            *in_status_section = false;
            return;
        }
    }
}

fn unquote(value: &str) -> &str {
    value.trim().trim_matches(['"', '\'']).trim()
}

/// `key: value` with the key matched case-insensitively, also `**Status**:`.
fn strip_key<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    let (head, value) = line.split_once(':')?;
    let head = head.trim().trim_matches('*').trim();
    head.eq_ignore_ascii_case(key).then(|| value.trim())
}

/// Drops numbering the title repeats from the file name: "3. Use X",
/// "ADR-0003: Use X", "ADR 3 - Use X", "ADR-0003 Use X", "RFC 0042: Use X".
fn clean_title(heading: &str) -> String {
    let heading = heading.trim();
    let (had_prefix, rest) = [
        "ADR-", "ADR ", "adr-", "adr ", "RFC-", "RFC ", "rfc-", "rfc ",
    ]
    .iter()
    .find_map(|p| heading.strip_prefix(p).map(|r| (true, r)))
    .unwrap_or((false, heading));
    let digits = rest.chars().take_while(char::is_ascii_digit).count();
    if digits == 0 {
        return heading.to_string();
    }
    let after = rest[digits..].trim_start();
    let separated = after.strip_prefix([':', '.', '-', '—']);
    match (separated, had_prefix) {
        (Some(title), _) if !title.trim().is_empty() => title.trim().to_string(),
        (None, true) if !after.is_empty() => after.to_string(),
        _ => heading.to_string(),
    }
}

/// "accepted" → Accepted, "Superseded by ADR-0007" → Superseded.
fn normalise_status(text: &str) -> Option<AdrStatus> {
    let word: String = text
        .trim_start_matches(['*', '_', '`'])
        .chars()
        .take_while(|c| c.is_alphabetic())
        .collect();
    (!word.is_empty()).then(|| AdrStatus::from_word(&word))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nygard_status_section() {
        let adr = parse("# 3. Prefer duplication over coupling\n\nDate: 2024-01-02\n\n## Status\n\nAccepted\n\n## Context\n").unwrap();
        assert_eq!(adr.title, "Prefer duplication over coupling");
        assert_eq!(adr.status, Some(AdrStatus::Accepted));
    }

    #[test]
    fn madr_bullet_status() {
        let adr =
            parse("# Use Postgres per service\n\n* Status: accepted\n* Deciders: platform team\n")
                .unwrap();
        assert_eq!(adr.title, "Use Postgres per service");
        assert_eq!(adr.status, Some(AdrStatus::Accepted));
    }

    #[test]
    fn madr_front_matter_status() {
        let adr = parse(
            "---\nstatus: \"superseded by ADR-0007\"\ndate: 2023-05-01\n---\n# Shared kernel\n",
        )
        .unwrap();
        assert_eq!(adr.title, "Shared kernel");
        assert_eq!(adr.status, Some(AdrStatus::Superseded));
        assert!(adr.status.as_ref().is_some_and(AdrStatus::is_retired));
        assert_eq!(adr.status_text.as_deref(), Some("superseded by ADR-0007"));
    }

    #[test]
    fn plain_status_line_and_adr_prefix_in_title() {
        let adr = parse("# ADR-0005: No cycles between services\n\nStatus: Deprecated\n").unwrap();
        assert_eq!(adr.title, "No cycles between services");
        assert_eq!(adr.status, Some(AdrStatus::Deprecated));
    }

    #[test]
    fn bold_status_key() {
        let adr = parse("# Title\n\n**Status:** Proposed\n").unwrap();
        assert_eq!(adr.status, Some(AdrStatus::Proposed));
    }

    #[test]
    fn status_heading_after_title_is_not_the_title() {
        let adr = parse("## Status\n\nAccepted\n").unwrap();
        // The only heading is taken as the title; no status can be read.
        assert_eq!(adr.title, "Status");
    }

    #[test]
    fn missing_status_is_none_and_no_heading_is_none() {
        assert_eq!(parse("# Title only\n\nSome text.\n").unwrap().status, None);
        assert_eq!(parse("no heading at all"), None);
        assert_eq!(parse(""), None);
    }

    #[test]
    fn id_comes_from_file_name() {
        assert_eq!(
            id_from_file_name("0003-prefer-duplication.md").as_deref(),
            Some("0003")
        );
        assert_eq!(
            id_from_file_name("docs/adr/ADR-12-x.md").as_deref(),
            Some("12")
        );
        assert_eq!(id_from_file_name("decision.md"), None);
    }

    #[test]
    fn id_is_the_leading_number_or_the_date_prefix() {
        let id = |name| id_from_file_name(name);
        assert_eq!(id("2023-03-08-use-kafka.md").as_deref(), Some("2023-03-08"));
        assert_eq!(
            id("docs/adr/2023-03-08-use-kafka.md").as_deref(),
            Some("2023-03-08")
        );
        assert_eq!(id("0003-x.md").as_deref(), Some("0003"));
        assert_eq!(id("ADR-0012-x.md").as_deref(), Some("0012"));
        assert_eq!(id("adr-0012-x.md").as_deref(), Some("0012"));
        // Not a date: only the leading number.
        assert_eq!(id("2023-3-8-x.md").as_deref(), Some("2023"));
        assert_eq!(id("2023-03-081-x.md").as_deref(), Some("2023"));
        assert_eq!(id("use-kafka.md"), None);
        assert_eq!(id("ADR-use-kafka.md"), None);
        assert_eq!(id(""), None);
    }

    #[test]
    fn setext_title() {
        let adr = parse("Use Kafka for integration events\n================================\n\nStatus: accepted\n\nContext\n-------\n\nOrders publish.\n").unwrap();
        assert_eq!(adr.title, "Use Kafka for integration events");
        assert_eq!(adr.status, Some(AdrStatus::Accepted));
    }

    #[test]
    fn setext_title_before_an_atx_context_heading() {
        let adr = parse(
            "One database per service\n------------------------\n\n## Context\n\nShared schemas.\n",
        )
        .unwrap();
        assert_eq!(adr.title, "One database per service");
    }

    #[test]
    fn front_matter_title_wins_over_a_later_heading() {
        let adr = parse("---\ntitle: \"Use Kafka for integration events\"\nstatus: accepted\n---\n\n# Kafka\n\nWe publish.\n").unwrap();
        assert_eq!(adr.title, "Use Kafka for integration events");
        assert_eq!(adr.status, Some(AdrStatus::Accepted));
    }

    #[test]
    fn context_heading_after_front_matter_with_a_title_is_not_the_title() {
        let adr = parse("---\ntitle: Outbox for every publisher\ndate: 2023-03-08\n---\n\n## Context\n\nEvents were lost.\n\n## Status\n\nSuperseded by ADR-0009\n").unwrap();
        assert_eq!(adr.title, "Outbox for every publisher");
        assert_eq!(adr.status, Some(AdrStatus::Superseded));
        assert_eq!(adr.status_text.as_deref(), Some("Superseded by ADR-0009"));
    }

    #[test]
    fn rfc_style_heading_and_front_matter_status() {
        let adr = parse("---\nstatus: superseded\nauthors:\n  - status: accepted\n---\n\n# RFC 0042: Use Kafka for integration events\n\n## Summary\n\nOne broker.\n").unwrap();
        assert_eq!(adr.title, "Use Kafka for integration events");
        assert_eq!(adr.status, Some(AdrStatus::Superseded));
        assert!(adr.status.as_ref().is_some_and(AdrStatus::is_retired));
    }

    #[test]
    fn status_in_a_code_block_does_not_count() {
        let fenced = "# Template for new decisions\n\n```markdown\nStatus: superseded\n```\n\nStatus: accepted\n";
        assert_eq!(parse(fenced).unwrap().status, Some(AdrStatus::Accepted));
        let indented = "# Template\n\nWrite it so:\n\n    Status: deprecated\n";
        assert_eq!(parse(indented).unwrap().status, None);
        let under_heading = "# Template\n\n## Status\n\n```\nRejected\n```\n\nProposed\n";
        assert_eq!(
            parse(under_heading).unwrap().status,
            Some(AdrStatus::Proposed)
        );
    }

    #[test]
    fn html_comments_count_for_nothing() {
        let adr = parse("<!-- # Copy this template\n\nStatus: deprecated -->\n# Use Postgres per service\n\n## Status\n\n<!-- proposed | accepted | superseded -->\nAccepted\n").unwrap();
        assert_eq!(adr.title, "Use Postgres per service");
        assert_eq!(adr.status, Some(AdrStatus::Accepted));
    }

    #[test]
    fn a_lone_carriage_return_ends_the_heading_as_in_commonmark() {
        let adr = parse("# Use Kafka\r::error::injected\n\nStatus: accepted\r\n").unwrap();
        assert_eq!(adr.title, "Use Kafka");
        assert_eq!(adr.status_text.as_deref(), Some("accepted"));
    }

    #[test]
    fn status_link_text_is_kept() {
        let adr = parse("# Shared kernel\n\n* Status: superseded by [ADR-0007](0007-split.md)\n")
            .unwrap();
        assert_eq!(adr.status_text.as_deref(), Some("superseded by ADR-0007"));
    }

    #[test]
    fn statuses_are_a_closed_set_with_room_for_a_team_s_own_words() {
        assert_eq!(AdrStatus::from_word("SUPERSEDED"), AdrStatus::Superseded);
        assert_eq!(AdrStatus::from_word("amended").as_str(), "Amended");
        assert!(AdrStatus::Deprecated.is_retired());
        assert!(!AdrStatus::Rejected.is_retired() && AdrStatus::Rejected.is_inactive());
        assert!(!AdrStatus::from_word("draft").is_inactive());
    }
}
