//! A cheap scan, before syn sees a file, that refuses text nested deeper than
//! any hand-written code: syn parses, visits and drops expression trees
//! recursively, so 50,000 nested parentheses, a 200,000-link method chain or
//! a 100,000-arm `else if` would overflow the stack and abort the whole run.
//! The scan skips comments, strings and char literals, and counts
//!
//! - bracket depth (`(`, `[`, `{`), and
//! - per bracket level, the operators and `else`s chained since the last `,`,
//!   `;` or closing `}` — a long chain is a deep tree.
//!
//! The limits are far above real code (rustc's own sources stay under a few
//! dozen levels) and far below what overflows the parser's stack.

/// Deepest bracket nesting analysed.
pub const MAX_DEPTH: usize = 256;
/// Longest chain of operators (`.`, `?`, `+`, `&&`, …) or `else`s at one level.
pub const MAX_CHAIN: usize = 4096;

/// Where and why a text is too deep to parse safely.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TooDeep {
    pub message: String,
    /// Byte offset of the token that went over the limit.
    pub offset: usize,
}

/// `Ok` when `text` is within both limits.
pub fn check(text: &str) -> Result<(), TooDeep> {
    let bytes = text.as_bytes();
    // Per open bracket, plus the file level: operators since the last
    // separator, and `else`s since the last `;` or `,` (an `else if` chain
    // crosses the `}` of every branch).
    let mut chains: Vec<Chain> = vec![Chain::default()];
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                i = skip_line(bytes, i);
                continue;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i = skip_block_comment(bytes, i);
                continue;
            }
            b'"' => {
                i = skip_string(bytes, i + 1);
                continue;
            }
            b'r' if !ident_before(bytes, i) && raw_string_start(bytes, i + 1).is_some() => {
                i = skip_raw_string(bytes, i + 1);
                continue;
            }
            b'\'' => {
                i = skip_char_or_lifetime(bytes, i);
                continue;
            }
            b'(' | b'[' | b'{' => {
                chains.push(Chain::default());
                if chains.len() - 1 > MAX_DEPTH {
                    return Err(TooDeep {
                        message: format!("brackets nested more than {MAX_DEPTH} levels deep"),
                        offset: i,
                    });
                }
            }
            b')' | b']' | b'}' => {
                if chains.len() > 1 {
                    chains.pop();
                }
                if b == b'}' {
                    // A block usually ends a statement or a match arm.
                    if let Some(last) = chains.last_mut() {
                        last.operators = 0;
                    }
                }
            }
            b',' | b';' => {
                if let Some(last) = chains.last_mut() {
                    *last = Chain::default();
                }
            }
            b'.' | b'?' | b'+' | b'-' | b'*' | b'/' | b'%' | b'^' | b'!' | b'&' | b'|' | b'<'
            | b'>' | b'=' => bump(&mut chains, i, |c| &mut c.operators)?,
            b'e' if !ident_before(bytes, i) && is_word(bytes, i, b"else") => {
                bump(&mut chains, i, |c| &mut c.elses)?;
                i += 4;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    Ok(())
}

use super::lexer::{
    ident_before, is_word, raw_string_start, skip_block_comment, skip_char_or_lifetime, skip_line,
    skip_raw_string, skip_string,
};

#[derive(Debug, Default, Clone, Copy)]
struct Chain {
    operators: usize,
    elses: usize,
}

fn bump(
    chains: &mut [Chain],
    offset: usize,
    counter: impl Fn(&mut Chain) -> &mut usize,
) -> Result<(), TooDeep> {
    if let Some(last) = chains.last_mut() {
        let count = counter(last);
        *count += 1;
        if *count > MAX_CHAIN {
            return Err(TooDeep {
                message: format!("an expression chains more than {MAX_CHAIN} operators"),
                offset,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_code_passes() {
        let code = r##"
            // A comment with ((((( and else else else
            /* nested /* block */ ((( */
            pub fn total(items: &[Item]) -> Result<u64, Error> {
                let s = "(((((\"((((";
                let r = r#"((((" ))))"#;
                let c = '(';
                let q = '\'';
                fn f<'a>(x: &'a str) -> &'a str { x }
                Ok(items.iter().map(|i| i.price * i.qty).sum::<u64>())
            }
        "##;
        assert_eq!(check(code), Ok(()));
    }

    #[test]
    fn deep_parentheses_are_refused_at_the_first_bracket_over_the_limit() {
        let code = format!("fn f() {{ {}1{} }}", "(".repeat(300), ")".repeat(300));
        let err = check(&code).unwrap_err();
        assert!(err.message.contains("nested"), "{err:?}");
        // `fn f() { ` then 255 parentheses fit (the body brace is level 1).
        assert_eq!(err.offset, "fn f() { ".len() + MAX_DEPTH - 1);
    }

    #[test]
    fn brackets_inside_strings_and_comments_do_not_count() {
        let code = format!(
            "// {}\nconst S: &str = \"{}\";\nconst R: &str = r#\"{}\"#;",
            "(".repeat(1000),
            "[".repeat(1000),
            "{".repeat(1000)
        );
        assert_eq!(check(&code), Ok(()));
    }

    #[test]
    fn long_method_chain_is_refused() {
        let code = format!("fn f() {{ x{} }}", ".a()".repeat(MAX_CHAIN + 1));
        assert!(check(&code).unwrap_err().message.contains("chains"));
    }

    #[test]
    fn long_else_if_chain_is_refused() {
        let code = format!(
            "fn f(x: u32) {{ if x == 0 {{}} {} }}",
            "else if x == 1 {} ".repeat(MAX_CHAIN + 1)
        );
        assert!(check(&code).is_err());
    }

    #[test]
    fn huge_flat_tables_and_matches_pass() {
        // Generated lookup tables and big matches are wide, not deep.
        let table = format!("static T: [u32; 100000] = [{}];", "1, ".repeat(100_000));
        assert_eq!(check(&table), Ok(()));
        let arms: String = (0..20_000).map(|n| format!("{n} => {{ a() }}\n")).collect();
        let matcher = format!("fn f(x: u32) {{ match x {{ {arms} _ => {{}} }} }}");
        assert_eq!(check(&matcher), Ok(()));
    }

    #[test]
    fn lifetimes_are_not_char_literals() {
        let code = "impl<'a> Foo<'a> { fn f(&'a self) -> &'a str { \"(\" } }";
        assert_eq!(check(code), Ok(()));
    }
}
