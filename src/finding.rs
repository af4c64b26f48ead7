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

impl Location {
    /// Like [`Location::from_span`], with positions looked up in a prebuilt
    /// index: linear work for a file that yields many locations.
    pub fn from_index<T: AsRef<str>>(
        file: impl Into<String>,
        index: &LineIndex<T>,
        span: Range<usize>,
    ) -> Location {
        let len = index.text().len();
        let start = span.start.min(len);
        let end = span.end.clamp(start, len);
        let (line, column) = index.line_column(start);
        let (end_line, end_column) = index.line_column(end);
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

/// Bytes per entry of [`LineIndex`]'s character counts: a column costs at
/// most this much counting, however long its line.
const CHARS_EVERY: usize = 256;

/// Line starts and character counts of a text, built in one pass, so that
/// each position costs a binary search instead of a scan from the start of
/// the file (a migration with 100k tables asks for 100k positions; a
/// minified one has them all on one line).
#[derive(Debug, Clone)]
pub struct LineIndex<T> {
    text: T,
    /// Byte offset where each line starts; the first is 0.
    line_starts: Vec<usize>,
    /// `chars_before[k]`: characters in the first `k * CHARS_EVERY` bytes.
    chars_before: Vec<usize>,
}

impl<T: AsRef<str>> LineIndex<T> {
    /// Indexes `text` (borrowed as `&str` or owned, e.g. an `Arc<str>`).
    pub fn new(text: T) -> LineIndex<T> {
        let bytes = text.as_ref().as_bytes();
        let mut line_starts = vec![0];
        line_starts.extend(
            bytes
                .iter()
                .enumerate()
                .filter(|(_, b)| **b == b'\n')
                .map(|(i, _)| i + 1),
        );
        let mut chars_before = Vec::with_capacity(bytes.len() / CHARS_EVERY + 1);
        let mut count = 0;
        for chunk in bytes.chunks(CHARS_EVERY) {
            chars_before.push(count);
            count += chunk.iter().filter(|b| !is_continuation(**b)).count();
        }
        if bytes.len() % CHARS_EVERY == 0 {
            chars_before.push(count);
        }
        LineIndex {
            text,
            line_starts,
            chars_before,
        }
    }

    /// The indexed text.
    pub fn text(&self) -> &str {
        self.text.as_ref()
    }

    /// 1-based line and column (in characters) of a byte offset; the same
    /// answer as [`line_column`].
    pub fn line_column(&self, offset: usize) -> (usize, usize) {
        let offset = self.floor_boundary(offset);
        let line = self.line_starts.partition_point(|&s| s <= offset);
        let line_start = self.line_starts[line - 1];
        let column = self.chars_to(offset) - self.chars_to(line_start) + 1;
        (line, column)
    }

    /// Byte offset of a 1-based line and column (in characters), as a SQL
    /// parser reports them; past the end of its line gives the line's end,
    /// past the last line the end of the text.
    pub fn offset(&self, line: usize, column: usize) -> usize {
        let text = self.text();
        let line = line.max(1);
        let Some(&line_start) = self.line_starts.get(line - 1) else {
            return text.len();
        };
        let line_end = self
            .line_starts
            .get(line)
            .map_or(text.len(), |next| next - 1);
        let target = self.chars_to(line_start) + column.max(1) - 1;
        // Count from the last checkpoint before the target, not from the
        // start of a possibly very long line.
        let block = self
            .chars_before
            .partition_point(|&c| c <= target)
            .saturating_sub(1);
        let at = self.floor_boundary((block * CHARS_EVERY).clamp(line_start, line_end));
        let skip = target.saturating_sub(self.chars_to(at));
        text[at..line_end]
            .char_indices()
            .nth(skip)
            .map_or(line_end, |(i, _)| at + i)
    }

    /// Characters before a byte offset that is a character boundary.
    fn chars_to(&self, offset: usize) -> usize {
        let block = offset / CHARS_EVERY;
        let from = block * CHARS_EVERY;
        self.chars_before[block]
            + self.text().as_bytes()[from..offset]
                .iter()
                .filter(|b| !is_continuation(**b))
                .count()
    }

    fn floor_boundary(&self, offset: usize) -> usize {
        let text = self.text();
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        offset
    }
}

/// A byte that continues a UTF-8 character rather than starting one.
fn is_continuation(byte: u8) -> bool {
    byte & 0b1100_0000 == 0b1000_0000
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
    pub status: Option<crate::adr::AdrStatus>,
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
            out.push_str(status.as_str());
            out.push(')');
        }
        out
    }
}

/// The checks the engine runs itself, beside the registered ones: their
/// findings carry these names in `check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EngineCheck {
    /// A member in no service and no shared list.
    Classification,
    /// A rule enforcing a superseded or deprecated decision.
    AdrStatus,
    /// A malformed suppression comment, or one that suppresses nothing.
    Suppression,
}

impl EngineCheck {
    pub const ALL: [EngineCheck; 3] = [
        EngineCheck::Classification,
        EngineCheck::AdrStatus,
        EngineCheck::Suppression,
    ];

    /// The name in a finding's `check`.
    pub fn name(self) -> &'static str {
        match self {
            EngineCheck::Classification => "classification",
            EngineCheck::AdrStatus => "adr-status",
            EngineCheck::Suppression => "suppression",
        }
    }

    /// The engine check called `name`, if it is one.
    pub fn from_name(name: &str) -> Option<EngineCheck> {
        EngineCheck::ALL.into_iter().find(|c| c.name() == name)
    }

    /// One line saying what it detects.
    pub fn summary(self) -> &'static str {
        match self {
            EngineCheck::Classification => {
                "a workspace member belongs to no service and is not listed under [shared]"
            }
            EngineCheck::AdrStatus => "a rule enforces a decision that is superseded or deprecated",
            EngineCheck::Suppression => {
                "an `archfit: allow(…)` comment is malformed or suppresses nothing"
            }
        }
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
    /// The concrete change that would fix it, when the check can name one
    /// (the edges to cut from a cycle); also part of `help`.
    pub suggestion: Option<String>,
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

/// A finding left out of the failures because the team accepted it: kept so
/// that code scanning can show it as dismissed rather than fixed.
#[derive(Debug, Clone)]
pub struct Dismissed {
    pub finding: Finding,
    pub by: Dismissal,
}

/// Who accepted a dismissed finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dismissal {
    /// An entry of the baseline file.
    Baseline,
    /// A `// archfit: allow(rule) reason` comment at `location`.
    Inline { reason: String, location: Location },
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

    /// Texts that exercise every branch of the index: CRLF, multibyte
    /// characters straddling its checkpoints, lines longer than a
    /// checkpoint interval, no trailing newline, empty lines, empty text.
    fn tricky_texts() -> Vec<String> {
        let long_line: String = (0..700)
            .map(|i| match i % 7 {
                0 => 'é',
                1 => '😀',
                2 => '字',
                _ => 'a',
            })
            .collect();
        vec![
            String::new(),
            "\n".into(),
            "one line, no newline".into(),
            "CREATE TABLE a (id int);\r\nCREATE TABLE b (id int);\r\n".into(),
            format!("{long_line}\n\n{long_line}\r\nshort\n{long_line}"),
            "ß\n\n\u{10FFFF}x\r\n\r\n".repeat(90),
        ]
    }

    #[test]
    fn line_index_agrees_with_counting_from_the_start() {
        for text in tricky_texts() {
            let index = LineIndex::new(text.as_str());
            for offset in 0..=text.len() + 2 {
                assert_eq!(
                    index.line_column(offset),
                    line_column(&text, offset),
                    "offset {offset} of {text:?}"
                );
            }
        }
    }

    #[test]
    fn line_index_turns_line_and_column_back_into_the_offset() {
        for text in tricky_texts() {
            let index = LineIndex::new(std::sync::Arc::<str>::from(text.as_str()));
            for (offset, _) in text.char_indices().chain([(text.len(), ' ')]) {
                let (line, column) = line_column(&text, offset);
                assert_eq!(
                    index.offset(line, column),
                    offset,
                    "{line}:{column} of {text:?}"
                );
            }
            // Past the end of a line: the line's end; past the last line: the text's end.
            let first_line_end = text.find('\n').unwrap_or(text.len());
            assert_eq!(index.offset(1, 1_000_000), first_line_end);
            assert_eq!(index.offset(1_000_000, 1), text.len());
        }
    }

    #[test]
    fn location_from_index_matches_location_from_span() {
        for text in tricky_texts() {
            let index = LineIndex::new(text.as_str());
            let boundaries: Vec<usize> = text.char_indices().map(|(i, _)| i).step_by(13).collect();
            for pair in boundaries.windows(2) {
                let span = pair[0]..pair[1] + 1;
                assert_eq!(
                    Location::from_index("f.sql", &index, span.clone()),
                    Location::from_span("f.sql", &text, span)
                );
            }
        }
    }
}
