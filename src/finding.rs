//! Findings: what a check reports. Plain data; rendering lives in `report/`.

use std::fmt;
use std::ops::Range;

use serde::Serialize;

/// How serious a finding is. `Off` exists only in configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warn,
    Info,
}

impl Severity {
    /// The name used in archfit.toml and in every report.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warn => "warn",
            Severity::Info => "info",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A place in a workspace file. `file` is relative to the workspace root with
/// `/` separators; `span` is the byte range used to draw source snippets.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Location {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    pub span: Range<usize>,
}

impl Location {
    /// Builds a location from a byte range of `text` (1-based lines and
    /// columns, columns counted in characters).
    pub fn from_span(file: impl Into<String>, text: &str, span: Range<usize>) -> Location {
        let start = span.start.min(text.len());
        let end = span.end.clamp(start, text.len());
        let (line, column) = line_column(text, start);
        let (end_line, end_column) = line_column(text, end);
        Location {
            file: file.into(),
            line,
            column,
            end_line,
            end_column,
            span: start..end,
        }
    }
}

impl Ord for Location {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        let key = |l: &Location| {
            (
                l.file.clone(),
                l.line,
                l.column,
                l.end_line,
                l.end_column,
                l.span.start,
                l.span.end,
            )
        };
        key(self).cmp(&key(other))
    }
}

impl PartialOrd for Location {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// 1-based line and column of a byte offset; a column counts characters.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

/// A secondary place that explains a finding (an edge of a chain, where a
/// table is created, ...).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Related {
    pub location: Location,
    pub label: String,
}

/// The decision a rule enforces, as shown with each finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AdrRef {
    /// Number taken from the file name (`0003`), when there is one.
    pub id: Option<String>,
    pub title: String,
    pub status: Option<String>,
    /// Path relative to the workspace root, or the URL as written.
    pub link: String,
}

impl AdrRef {
    /// "ADR-0003 Prefer duplication over coupling (Accepted)".
    pub fn display(&self) -> String {
        let mut out = String::new();
        if let Some(id) = &self.id {
            out.push_str("ADR-");
            out.push_str(id);
            out.push(' ');
        }
        out.push_str(&self.title);
        if let Some(status) = &self.status {
            out.push_str(" (");
            out.push_str(status);
            out.push(')');
        }
        out
    }
}

/// One violation of one rule.
#[derive(Debug, Clone)]
pub struct Finding {
    pub rule: String,
    pub check: String,
    pub severity: Severity,
    pub message: String,
    pub help: Option<String>,
    /// Label drawn under the primary location.
    pub label: Option<String>,
    pub location: Option<Location>,
    pub related: Vec<Related>,
    pub service: Option<String>,
    pub krate: Option<String>,
    pub adr: Option<AdrRef>,
    pub fingerprint: Fingerprint,
}

impl Finding {
    /// Order used by every report: file, position, rule, message.
    pub fn sort_key(&self) -> impl Ord + '_ {
        let position = self
            .location
            .as_ref()
            .map(|l| (l.file.as_str(), l.line, l.column));
        (position, self.rule.as_str(), self.message.as_str())
    }
}

/// Identity of a finding across runs: a hash of the rule and of what the
/// finding is about (crate names, services, file path), never of line numbers,
/// so unrelated edits do not change it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Fingerprint(pub String);

impl Fingerprint {
    /// FNV-1a over the parts, separated so that ("ab","c") != ("a","bc").
    /// Written out by hand because the value must never change between
    /// releases (std's hashers make no such promise).
    pub fn new<I, S>(parts: I) -> Fingerprint
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for part in parts {
            for byte in part.as_ref().bytes().chain(std::iter::once(0x1f)) {
                hash ^= u64::from(byte);
                hash = hash.wrapping_mul(0x0100_0000_01b3);
            }
        }
        Fingerprint(format!("{hash:016x}"))
    }
}

/// A problem of the tool itself (a file it could not read, a rule it could not
/// evaluate fully) rather than of the analysed architecture.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Diagnostic {
    pub severity: Severity,
    pub message: String,
    pub file: Option<String>,
    pub location: Option<Location>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_depends_on_part_boundaries() {
        assert_ne!(Fingerprint::new(["ab", "c"]), Fingerprint::new(["a", "bc"]));
    }

    #[test]
    fn fingerprint_is_stable_across_releases() {
        // Baselines written by earlier versions must keep matching: this
        // value may never change.
        assert_eq!(Fingerprint::new(["rule", "orders"]).0, "f7cac5f6bb7a24e6");
    }

    #[test]
    fn location_counts_lines_and_character_columns() {
        let text = "[package]\nname = \"é\"\ndep = 1\n";
        let start = text.find("dep").unwrap();
        let loc = Location::from_span("Cargo.toml", text, start..start + 7);
        assert_eq!(
            (loc.line, loc.column, loc.end_line, loc.end_column),
            (3, 1, 3, 8)
        );
        let e = text.find('"').unwrap() + 2;
        assert_eq!(line_column(text, e + 1), (2, 10));
    }
}
