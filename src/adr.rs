//! Architecture decision records: the title and status of a Nygard or MADR
//! Markdown file, so each finding can say which decision it breaks.

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

/// The number in an ADR file name: `0003-prefer-duplication.md` → `0003`.
pub fn id_from_file_name(name: &str) -> Option<String> {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let base = base
        .strip_prefix("ADR-")
        .or_else(|| base.strip_prefix("adr-"))
        .unwrap_or(base);
    let digits: String = base.chars().take_while(char::is_ascii_digit).collect();
    (!digits.is_empty()).then_some(digits)
}

/// Largest ADR read: decisions are pages, not books.
pub const MAX_BYTES: u64 = 1024 * 1024;

/// Reads title and status from Markdown. Knows Nygard (`## Status` section),
/// MADR 2 (`* Status: accepted`), MADR 3+ (YAML front matter `status:`) and
/// plain `Status: Accepted` lines. Returns `None` when there is no heading.
pub fn parse(text: &str) -> Option<AdrInfo> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text.lines().peekable();
    let mut status_text = None;

    // MADR 3 front matter.
    if lines.peek().map(|l| l.trim()) == Some("---") {
        lines.next();
        for line in lines.by_ref() {
            let line = line.trim();
            if line == "---" {
                break;
            }
            if let Some(value) = strip_key(line, "status") {
                status_text = Some(value.trim_matches(['"', '\'']).to_string());
            }
        }
    }

    let mut title = None;
    let mut in_status_section = false;
    for line in lines {
        let trimmed = line.trim();
        if let Some(heading) = heading_text(trimmed) {
            let level = trimmed.chars().take_while(|&c| c == '#').count();
            if title.is_none() && level <= 2 {
                title = Some(clean_title(heading));
                continue;
            }
            in_status_section = heading.eq_ignore_ascii_case("status");
            continue;
        }
        if status_text.is_some() {
            continue;
        }
        let bullet = trimmed.trim_start_matches(['*', '-', '+']).trim();
        let bullet = bullet.trim_start_matches("**").trim();
        if let Some(value) = strip_key(bullet, "status") {
            let value = value.trim_start_matches("**").trim();
            if !value.is_empty() {
                status_text = Some(value.to_string());
            }
        } else if in_status_section && !bullet.is_empty() {
            status_text = Some(bullet.to_string());
            in_status_section = false;
        }
    }

    let title = title?;
    let status_text = status_text.map(|s| s.trim().to_string());
    let status = status_text.as_deref().and_then(normalise_status);
    Some(AdrInfo {
        title,
        status,
        status_text,
    })
}

fn heading_text(line: &str) -> Option<&str> {
    let rest = line.trim_start_matches('#');
    (rest.len() < line.len() && (rest.is_empty() || rest.starts_with(' ')))
        .then(|| rest.trim().trim_end_matches('#').trim())
}

/// `key: value` with the key matched case-insensitively, also `**Status**:`.
fn strip_key<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    let (head, value) = line.split_once(':')?;
    let head = head.trim().trim_matches('*').trim();
    head.eq_ignore_ascii_case(key).then(|| value.trim())
}

/// Drops numbering the title repeats from the file name: "3. Use X",
/// "ADR-0003: Use X", "ADR 3 - Use X", "ADR-0003 Use X".
fn clean_title(heading: &str) -> String {
    let heading = heading.trim();
    let (had_prefix, rest) = ["ADR-", "ADR ", "adr-", "adr "]
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
    fn statuses_are_a_closed_set_with_room_for_a_team_s_own_words() {
        assert_eq!(AdrStatus::from_word("SUPERSEDED"), AdrStatus::Superseded);
        assert_eq!(AdrStatus::from_word("amended").as_str(), "Amended");
        assert!(AdrStatus::Deprecated.is_retired());
        assert!(!AdrStatus::Rejected.is_retired() && AdrStatus::Rejected.is_inactive());
        assert!(!AdrStatus::from_word("draft").is_inactive());
    }
}
