//! Just enough of Rust's lexical structure to tell code from comments,
//! strings and char literals, without parsing: for the nesting scan that
//! runs before syn, and for suppression comments (which must be real
//! comments, never text in a string or a doc comment).

use std::ops::Range;

/// A comment in Rust source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    /// Byte range, opener (`//`, `/*`) included.
    pub range: Range<usize>,
    /// `///`, `//!`, `/**`, `/*!`: documentation, not a comment to the tool.
    pub doc: bool,
}

/// Every comment of `text`, in order; strings, raw strings and char
/// literals are skipped, so `"// not a comment"` is none.
pub fn comments(text: &str) -> Vec<Comment> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                let end = skip_line(bytes, i);
                let third = bytes.get(i + 2).copied();
                // `////…` is an ordinary comment again.
                let doc = matches!(third, Some(b'!'))
                    || (third == Some(b'/') && bytes.get(i + 3) != Some(&b'/'));
                out.push(Comment { range: i..end, doc });
                i = end;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                let end = skip_block_comment(bytes, i);
                let third = bytes.get(i + 2).copied();
                let doc = third == Some(b'!')
                    || (third == Some(b'*') && !matches!(bytes.get(i + 3), Some(b'*' | b'/')));
                out.push(Comment { range: i..end, doc });
                i = end;
            }
            b'"' => i = skip_string(bytes, i + 1),
            b'r' if !ident_before(bytes, i) && raw_string_start(bytes, i + 1).is_some() => {
                i = skip_raw_string(bytes, i + 1);
            }
            b'\'' => i = skip_char_or_lifetime(bytes, i),
            _ => i += 1,
        }
    }
    out
}

pub(super) fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

pub(super) fn ident_before(bytes: &[u8], i: usize) -> bool {
    i > 0 && is_ident_byte(bytes[i - 1])
}

pub(super) fn is_word(bytes: &[u8], i: usize, word: &[u8]) -> bool {
    bytes[i..].starts_with(word) && !bytes.get(i + word.len()).is_some_and(|&b| is_ident_byte(b))
}

pub(super) fn skip_line(bytes: &[u8], i: usize) -> usize {
    bytes[i..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(bytes.len(), |p| i + p + 1)
}

/// Block comments nest in Rust.
pub(super) fn skip_block_comment(bytes: &[u8], mut i: usize) -> usize {
    let mut depth = 0usize;
    while i < bytes.len() {
        if bytes[i] == b'/' && bytes.get(i + 1) == Some(&b'*') {
            depth += 1;
            i += 2;
        } else if bytes[i] == b'*' && bytes.get(i + 1) == Some(&b'/') {
            depth -= 1;
            i += 2;
            if depth == 0 {
                return i;
            }
        } else {
            i += 1;
        }
    }
    bytes.len()
}

/// From just after an opening `"` to just after the closing one.
pub(super) fn skip_string(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    bytes.len()
}

/// Number of `#`s when `r` at `i - 1` starts a raw string (`r#"`, `r"`).
pub(super) fn raw_string_start(bytes: &[u8], i: usize) -> Option<usize> {
    let hashes = bytes[i.min(bytes.len())..]
        .iter()
        .take_while(|&&b| b == b'#')
        .count();
    (bytes.get(i + hashes) == Some(&b'"')).then_some(hashes)
}

pub(super) fn skip_raw_string(bytes: &[u8], i: usize) -> usize {
    let Some(hashes) = raw_string_start(bytes, i) else {
        return i;
    };
    let mut j = i + hashes + 1;
    while j < bytes.len() {
        if bytes[j] == b'"'
            && bytes[j + 1..]
                .iter()
                .take(hashes)
                .filter(|&&b| b == b'#')
                .count()
                == hashes
        {
            return j + 1 + hashes;
        }
        j += 1;
    }
    bytes.len()
}

/// A char literal (`'a'`, `'\n'`, `'\u{1F600}'`, `'é'`) is skipped whole; a
/// lifetime or label (`'a`, `'static`) only its quote.
pub(super) fn skip_char_or_lifetime(bytes: &[u8], i: usize) -> usize {
    if bytes.get(i + 1) == Some(&b'\\') {
        // Escaped char: up to the closing quote.
        return bytes[i + 2..]
            .iter()
            .position(|&b| b == b'\'')
            .map_or(bytes.len(), |p| i + 2 + p + 1);
    }
    // One UTF-8 character, then a quote: a char literal.
    let width = match bytes.get(i + 1) {
        Some(&b) if b < 0x80 => 1,
        Some(&b) if b >= 0xF0 => 4,
        Some(&b) if b >= 0xE0 => 3,
        Some(_) => 2,
        None => return bytes.len(),
    };
    if bytes.get(i + 1 + width) == Some(&b'\'') {
        i + 2 + width
    } else {
        i + 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(source: &str) -> Vec<(&str, bool)> {
        comments(source)
            .into_iter()
            .map(|c| (source[c.range].trim_end(), c.doc))
            .collect()
    }

    #[test]
    fn comments_are_found_and_strings_are_not_comments() {
        let source = "let url = \"http://orders:8080\"; // the orders API\nlet s = r#\"// no\"#; /* block /* nested */ end */\n";
        assert_eq!(
            texts(source),
            [
                ("// the orders API", false),
                ("/* block /* nested */ end */", false)
            ]
        );
    }

    #[test]
    fn doc_comments_are_marked() {
        let source = "/// doc\n//! inner\n//// plain\n/** doc */\n/*! inner */\n/**/\n// plain\n";
        let docs: Vec<bool> = texts(source).into_iter().map(|(_, d)| d).collect();
        assert_eq!(docs, [true, true, false, true, true, false, false]);
    }

    #[test]
    fn a_quote_char_does_not_open_a_string() {
        let source = "let q = '\"'; // after\n";
        assert_eq!(texts(source), [("// after", false)]);
    }
}
