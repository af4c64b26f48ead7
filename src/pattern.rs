//! Glob patterns written in archfit.toml, compiled while deserialising so a
//! bad glob is reported at its span like any other type error.

use std::fmt;
use std::ops::Range;

use globset::{Glob, GlobMatcher};
use serde::{Deserialize, Deserializer};
use toml::Spanned;

/// A glob over names or paths (`acme-*`, `libs/*`, `*-client`). An invalid
/// glob still deserialises, so that the configuration pass can report it at
/// its own span (serde errors raised here would point at the enclosing
/// value) together with every other mistake; it then matches nothing.
#[derive(Clone)]
pub struct GlobPattern {
    pub text: String,
    pub span: Range<usize>,
    matcher: Result<GlobMatcher, String>,
}

impl GlobPattern {
    /// Compiles `text`; `span` is where it is written.
    pub fn new(text: &str, span: Range<usize>) -> GlobPattern {
        GlobPattern {
            text: text.to_string(),
            span,
            matcher: Glob::new(text)
                .map(|g| g.compile_matcher())
                .map_err(|e| e.kind().to_string()),
        }
    }

    /// Why the glob is invalid, if it is.
    pub fn error(&self) -> Option<&str> {
        self.matcher.as_ref().err().map(String::as_str)
    }

    /// Whether `candidate` matches the whole pattern.
    pub fn is_match(&self, candidate: &str) -> bool {
        self.matcher.as_ref().is_ok_and(|m| m.is_match(candidate))
    }
}

impl fmt::Debug for GlobPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.text)
    }
}

impl<'de> Deserialize<'de> for GlobPattern {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = Spanned::<String>::deserialize(deserializer)?;
        Ok(GlobPattern::new(text.get_ref(), text.span()))
    }
}

/// Whether any of `patterns` matches `candidate`; an empty list matches all.
pub fn any_or_all(patterns: &[GlobPattern], candidate: &str) -> bool {
    patterns.is_empty() || patterns.iter().any(|p| p.is_match(candidate))
}
