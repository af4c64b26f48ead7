//! Text from the analysed workspace, made safe to show. The workspace is
//! attacker-controlled (file names, `#[path]` strings, ADR titles, string
//! literals, cargo's own error output), and every report ends up on a
//! terminal, in a CI log, or in a file that another tool parses. Three
//! dangers, three answers:
//!
//! - Control characters (terminal escape sequences, a CR that rewrites the
//!   line, a newline that starts a fake line) and Unicode bidi controls
//!   ("Trojan Source": text displayed in another order than it is read)
//!   become visible escapes such as `\u{1b}` or `\n`: [`neutralise`] for
//!   one-line texts, [`neutralise_lines`] for texts whose line breaks are
//!   meant, [`neutralise_source`] for source snippets, whose byte offsets
//!   must not move.
//! - CI systems read commands from any line of a log: GitHub Actions a line
//!   whose trimmed start is `::` (`::error file=…::`, `::add-mask::`,
//!   `::stop-commands::`) and, for the legacy syntax, `##[` anywhere in a
//!   line; Azure Pipelines `##vso[` anywhere. [`neutralise`] breaks the
//!   latter two inside a text; [`defuse_workflow_commands`] is the last pass
//!   over a whole rendered report, whatever put the text there.
//! - Format syntax (Markdown, XML, workflow-command properties) is each
//!   renderer's own escaping, on top of this.
//!
//! The escapes are for people: a literal backslash is left as it is, so a
//! file really named `a\u{1b}` and one holding an ESC look the same. Nothing
//! is dropped, so the data stays recognisable.

use std::borrow::Cow;

/// Marks a workflow command that [`defuse_workflow_commands`] broke: a
/// visible character that is not whitespace (runners trim whitespace before
/// looking for `::`) and needs no escaping in JSON, XML, Markdown, DOT or
/// Mermaid, so it can be put into an already rendered document.
pub const COMMAND_BREAK: char = '\u{b7}';

/// Whether `c` must never reach an output raw: C0 controls, DEL, C1
/// controls, the Unicode line and paragraph separators, and the bidi
/// controls of CVE-2021-42574 (embeddings, overrides, isolates, marks).
pub fn is_hazard(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{1f}'
        | '\u{7f}'..='\u{9f}'
        | '\u{61c}'
        | '\u{200e}' | '\u{200f}'
        | '\u{2028}' | '\u{2029}'
        | '\u{202a}'..='\u{202e}'
        | '\u{2066}'..='\u{2069}')
}

/// A one-line text: every hazard (newlines and tabs included) becomes a
/// visible escape (`\n`, `\r`, `\t`, `\u{1b}`), and the `#` that would open
/// a legacy workflow command (`##[`, `##vso[`) becomes `\u{23}`.
pub fn neutralise(text: &str) -> Cow<'_, str> {
    if !needs_escape(text) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    push_neutralised(text, &mut out);
    Cow::Owned(out)
}

/// A text whose line breaks are meant (help with several paragraphs,
/// cargo's error output): each line is neutralised as by [`neutralise`]
/// and the `\n` between them are kept; a `\r\n` counts as one line break.
pub fn neutralise_lines(text: &str) -> Cow<'_, str> {
    let hazard = text.chars().any(|c| c != '\n' && is_hazard(c));
    if !hazard && legacy_command_at(text).is_none() {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    let mut lines = text.split('\n').peekable();
    while let Some(line) = lines.next() {
        let last = lines.peek().is_none();
        let line = match line.strip_suffix('\r') {
            Some(line) if !last => line,
            _ => line,
        };
        push_neutralised(line, &mut out);
        if !last {
            out.push('\n');
        }
    }
    Cow::Owned(out)
}

/// A source text for snippets, whose spans are byte offsets into it: line
/// breaks (`\n`, `\r\n`) and tabs stay, every other hazard is replaced by as
/// many `?` as it has bytes, so every offset and every line keeps its place.
pub fn neutralise_source(text: &str) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    let mut out: Option<String> = None;
    for (i, c) in text.char_indices() {
        let keep = match c {
            '\n' | '\t' => true,
            '\r' => bytes.get(i + 1) == Some(&b'\n'),
            c => !is_hazard(c),
        };
        if keep {
            if let Some(out) = &mut out {
                out.push(c);
            }
            continue;
        }
        let out = out.get_or_insert_with(|| {
            let mut out = String::with_capacity(text.len());
            out.push_str(&text[..i]);
            out
        });
        for _ in 0..c.len_utf8() {
            out.push('?');
        }
    }
    match out {
        Some(out) => Cow::Owned(out),
        None => Cow::Borrowed(text),
    }
}

/// The last pass over a rendered report that is not itself a list of
/// workflow commands: a line whose trimmed start is `::` gets
/// [`COMMAND_BREAK`] before the `::`, a `##[` or `##vso[` anywhere gets it
/// between its two `#`, and a raw carriage return (which a runner reads as
/// a line break) becomes `␍`. Everything else, colours included, is kept.
pub fn defuse_workflow_commands(text: &str) -> Cow<'_, str> {
    let risky = text.contains('\r')
        || legacy_command_at(text).is_some()
        || text.split('\n').any(|line| starts_command(line).is_some());
    if !risky {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        for (j, part) in line.split('\r').enumerate() {
            if j > 0 {
                out.push('\u{240d}');
            }
            defuse_line(part, &mut out);
        }
    }
    Cow::Owned(out)
}

/// A whole plain-text output without colours that quotes the workspace
/// (an `explain` text, a table of names): every line neutralised, then
/// defused. Not for JSON, whose escapes would be broken by `\u{…}`.
pub fn plain_output(text: &str) -> String {
    defuse_workflow_commands(&neutralise_lines(text)).into_owned()
}

/// A whole rendered JSON document that holds workspace text: every hazard
/// becomes a `\uXXXX` escape and the second `#` of a legacy workflow command
/// becomes `\u0023`. Both are JSON escapes of the same character, so every
/// value stays exactly what it was; only the bytes a terminal or a CI log
/// sees change. (Hazards can only stand inside JSON strings.)
pub fn json_output(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = legacy_command_at(rest) {
        escape_json_hazards(&rest[..=at], &mut out);
        out.push_str("\\u0023");
        rest = &rest[at + 2..];
    }
    escape_json_hazards(rest, &mut out);
    out
}

fn escape_json_hazards(text: &str, out: &mut String) {
    for c in text.chars() {
        // Line breaks between JSON tokens are layout, not data.
        if is_hazard(c) && c != '\n' {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        } else {
            out.push(c);
        }
    }
}

fn defuse_line(line: &str, out: &mut String) {
    let mut rest = line;
    if let Some(at) = starts_command(rest) {
        out.push_str(&rest[..at]);
        out.push(COMMAND_BREAK);
        rest = &rest[at..];
    }
    while let Some(at) = legacy_command_at(rest) {
        out.push_str(&rest[..=at]);
        out.push(COMMAND_BREAK);
        rest = &rest[at + 1..];
    }
    out.push_str(rest);
}

/// Byte offset of the `::` when the line's trimmed start is one.
fn starts_command(line: &str) -> Option<usize> {
    let trimmed = line.trim_start();
    trimmed
        .starts_with("::")
        .then(|| line.len() - trimmed.len())
}

/// Byte offset of the first `#` of the first `##[` or `##vso[` (any case).
fn legacy_command_at(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some(found) = text[from..].find("##") {
        let at = from + found;
        if opens_legacy_command(&bytes[at + 2..]) {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// Whether the bytes after `##` make it a legacy command prefix.
fn opens_legacy_command(after: &[u8]) -> bool {
    after.first() == Some(&b'[') || (after.len() >= 4 && after[..4].eq_ignore_ascii_case(b"vso["))
}

fn needs_escape(text: &str) -> bool {
    text.chars().any(is_hazard) || legacy_command_at(text).is_some()
}

fn push_neutralised(text: &str, out: &mut String) {
    let bytes = text.as_bytes();
    for (i, c) in text.char_indices() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '#' if i > 0 && bytes[i - 1] == b'#' && opens_legacy_command(&bytes[i + 1..]) => {
                out.push_str("\\u{23}");
            }
            c if is_hazard(c) => {
                out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
            }
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_borrowed_unchanged() {
        let text = "crate `orders` depends on `billing` (services/orders/Cargo.toml)";
        assert!(matches!(neutralise(text), Cow::Borrowed(t) if t == text));
        assert!(matches!(neutralise_lines("a\nb"), Cow::Borrowed("a\nb")));
        assert!(matches!(neutralise_source("fn f() {}\n"), Cow::Borrowed(_)));
        assert!(matches!(
            defuse_workflow_commands("x ::error:: y\n"),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn escape_sequences_and_line_breaks_become_visible() {
        assert_eq!(
            neutralise("Title \u{1b}[2J\u{1b}]0;pwned\u{7}\r\n::error::x\tend"),
            "Title \\u{1b}[2J\\u{1b}]0;pwned\\u{7}\\r\\n::error::x\\tend"
        );
        assert_eq!(neutralise("nul\0del\u{7f}"), "nul\\u{0}del\\u{7f}");
    }

    #[test]
    fn c1_controls_are_escaped() {
        // U+009B is the one-character CSI that some terminals honour.
        assert_eq!(neutralise("a\u{9b}31mb\u{85}c"), "a\\u{9b}31mb\\u{85}c");
        assert_eq!(neutralise("\u{80}\u{9f}"), "\\u{80}\\u{9f}");
    }

    #[test]
    fn bidi_controls_are_escaped() {
        // The Trojan Source example: an override that reverses a comment.
        let text = "access_level != \"user\u{202e} \u{2066}// Check if admin\u{2069} \u{2066}\"";
        assert_eq!(
            neutralise(text),
            "access_level != \"user\\u{202e} \\u{2066}// Check if admin\\u{2069} \\u{2066}\""
        );
        for c in [
            '\u{61c}', '\u{200e}', '\u{200f}', '\u{202a}', '\u{202b}', '\u{202c}', '\u{202d}',
            '\u{2067}', '\u{2068}', '\u{2028}', '\u{2029}',
        ] {
            assert!(!neutralise(&format!("a{c}b")).contains(c), "{c:?}");
        }
        // Ordinary right-to-left text is not a control.
        assert_eq!(neutralise("طلبات"), "طلبات");
    }

    #[test]
    fn legacy_workflow_commands_are_broken_inside_a_text() {
        assert_eq!(neutralise("x ##[warning]pwned"), "x #\\u{23}[warning]pwned");
        assert_eq!(
            neutralise("##vso[task.setvariable variable=x]1 ##VSO[x]"),
            "#\\u{23}vso[task.setvariable variable=x]1 #\\u{23}VSO[x]"
        );
        assert_eq!(
            neutralise("# heading ## two #[attr]"),
            "# heading ## two #[attr]"
        );
    }

    #[test]
    fn lines_keep_their_breaks_and_lose_carriage_returns() {
        assert_eq!(
            neutralise_lines("error: bad\r\n  \u{1b}[31mred\u{1b}[0m\nlast\rover"),
            "error: bad\n  \\u{1b}[31mred\\u{1b}[0m\nlast\\rover"
        );
    }

    #[test]
    fn source_keeps_every_byte_offset() {
        let text = "let a = \"\u{1b}[2J\";\r\nlet b = \"\u{202e}x\u{9b}\";\tok\rend\n";
        let safe = neutralise_source(text);
        assert_eq!(safe.len(), text.len());
        assert_eq!(safe, "let a = \"?[2J\";\r\nlet b = \"???x??\";\tok?end\n");
        // Every character boundary of the original is one in the result.
        for (i, _) in text.char_indices() {
            assert!(safe.is_char_boundary(i), "{i}");
        }
        assert_eq!(safe.matches('\n').count(), text.matches('\n').count());
    }

    #[test]
    fn defuse_breaks_commands_at_a_trimmed_line_start() {
        assert_eq!(
            defuse_workflow_commands("ok\n  ::error file=x::pwned\n::add-mask::y"),
            "ok\n  \u{b7}::error file=x::pwned\n\u{b7}::add-mask::y"
        );
        // A runner trims Unicode spaces too.
        assert_eq!(
            defuse_workflow_commands("\u{a0}\u{3000}::warning::x"),
            "\u{a0}\u{3000}\u{b7}::warning::x"
        );
    }

    #[test]
    fn defuse_breaks_legacy_commands_anywhere_in_a_line() {
        assert_eq!(
            defuse_workflow_commands("  \"message\": \"a ##[error]b ##vso[task.x]\","),
            "  \"message\": \"a #\u{b7}#[error]b #\u{b7}#vso[task.x]\","
        );
        assert_eq!(defuse_workflow_commands("###[x]"), "##\u{b7}#[x]");
    }

    #[test]
    fn defuse_turns_a_raw_carriage_return_into_a_symbol() {
        assert_eq!(
            defuse_workflow_commands("safe\r::error::x"),
            "safe\u{240d}\u{b7}::error::x"
        );
    }

    #[test]
    fn plain_output_keeps_lines_and_neutralises_the_rest() {
        assert_eq!(
            plain_output("rule x\n  ADR-1 Own\u{1b}[2J tables ##[warning]\n::error::y\r\n"),
            "rule x\n  ADR-1 Own\\u{1b}[2J tables #\\u{23}[warning]\n\u{b7}::error::y\n"
        );
    }

    #[test]
    fn defuse_keeps_colours() {
        let coloured = "\u{1b}[1marchfit: 1 error\u{1b}[0m\n";
        assert_eq!(defuse_workflow_commands(coloured), coloured);
    }

    #[test]
    fn json_output_keeps_every_value_and_shows_no_hazard() {
        let value = serde_json::json!({
            "name": "pay\u{202e}ments",
            "title": "x ##[warning]y \u{1b}[2J \u{85}",
        });
        let raw = serde_json::to_string_pretty(&value).expect("json");
        let shown = json_output(&raw);
        assert!(!shown.chars().any(|c| is_hazard(c) && c != '\n'), "{shown}");
        assert!(!shown.contains("##["), "{shown}");
        let back: serde_json::Value = serde_json::from_str(&shown).expect("still JSON");
        assert_eq!(back, value);
    }
}
