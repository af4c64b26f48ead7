//! Architecture decision records: the title and status of a Nygard or MADR
//! Markdown file, so each finding can say which decision it breaks.

/// What the tool reads from an ADR file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdrInfo {
    pub title: String,
    /// Normalised first word, capitalised: "Accepted", "Superseded", ...
    pub status: Option<String>,
    /// The whole status text ("Superseded by ADR-0007"), for messages.
    pub status_text: Option<String>,
}

impl AdrInfo {
    /// Superseded or deprecated decisions should no longer be enforced.
    pub fn is_retired(&self) -> bool {
        matches!(self.status.as_deref(), Some("Superseded" | "Deprecated"))
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

/// "accepted" → "Accepted", "Superseded by ADR-0007" → "Superseded".
fn normalise_status(text: &str) -> Option<String> {
    let word: String = text
        .trim_start_matches(['*', '_', '`'])
        .chars()
        .take_while(|c| c.is_alphabetic())
        .collect();
    let mut chars = word.chars();
    let first = chars.next()?;
    Some(
        first
            .to_uppercase()
            .chain(chars.flat_map(char::to_lowercase))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nygard_status_section() {
        let adr = parse("# 3. Prefer duplication over coupling\n\nDate: 2024-01-02\n\n## Status\n\nAccepted\n\n## Context\n").unwrap();
        assert_eq!(adr.title, "Prefer duplication over coupling");
        assert_eq!(adr.status.as_deref(), Some("Accepted"));
    }

    #[test]
    fn madr_bullet_status() {
        let adr =
            parse("# Use Postgres per service\n\n* Status: accepted\n* Deciders: platform team\n")
                .unwrap();
        assert_eq!(adr.title, "Use Postgres per service");
        assert_eq!(adr.status.as_deref(), Some("Accepted"));
    }

    #[test]
    fn madr_front_matter_status() {
        let adr = parse(
            "---\nstatus: \"superseded by ADR-0007\"\ndate: 2023-05-01\n---\n# Shared kernel\n",
        )
        .unwrap();
        assert_eq!(adr.title, "Shared kernel");
        assert_eq!(adr.status.as_deref(), Some("Superseded"));
        assert!(adr.is_retired());
        assert_eq!(adr.status_text.as_deref(), Some("superseded by ADR-0007"));
    }

    #[test]
    fn plain_status_line_and_adr_prefix_in_title() {
        let adr = parse("# ADR-0005: No cycles between services\n\nStatus: Deprecated\n").unwrap();
        assert_eq!(adr.title, "No cycles between services");
        assert_eq!(adr.status.as_deref(), Some("Deprecated"));
    }

    #[test]
    fn bold_status_key() {
        let adr = parse("# Title\n\n**Status:** Proposed\n").unwrap();
        assert_eq!(adr.status.as_deref(), Some("Proposed"));
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
}
