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

impl schemars::JsonSchema for GlobPattern {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Glob".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "description": "A glob: `*` and `?` within a name, `**` across path segments, `{a,b}`, `[a-z]`."
        })
    }
}

/// Whether any of `patterns` matches `candidate`; an empty list matches all.
pub fn any_or_all(patterns: &[GlobPattern], candidate: &str) -> bool {
    patterns.is_empty() || patterns.iter().any(|p| p.is_match(candidate))
}

/// A call named in configuration: a plain name (`send`) matches a method
/// call or the last segment of a function path; `Type::function`
/// (`FutureRecord::to`) matches the end of a path. Split once, matched
/// against every call of the workspace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallName(Vec<String>);

impl CallName {
    /// Splits `name` at `::`.
    pub fn new(name: &str) -> CallName {
        CallName(name.split("::").map(str::to_string).collect())
    }

    /// Whether a call (`callee` is the method name, or the path's segments)
    /// is this one.
    pub fn matches<S: AsRef<str>>(&self, callee: &[S], method: bool) -> bool {
        let wanted = &self.0;
        if method {
            wanted.len() == 1
                && callee.last().map(AsRef::as_ref) == wanted.first().map(String::as_str)
        } else {
            callee.len() >= wanted.len()
                && callee[callee.len() - wanted.len()..]
                    .iter()
                    .zip(wanted)
                    .all(|(have, want)| have.as_ref() == want)
        }
    }
}

/// Whether any of `names` is the call.
pub fn any_call<S: AsRef<str>>(names: &[CallName], callee: &[S], method: bool) -> bool {
    names.iter().any(|n| n.matches(callee, method))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(p: &str) -> Vec<String> {
        p.split("::").map(str::to_string).collect()
    }

    #[test]
    fn plain_names_match_methods_and_path_ends() {
        let send = CallName::new("send");
        assert!(send.matches(&path("send"), true));
        assert!(send.matches(&path("producer::send"), false));
        assert!(!send.matches(&path("resend"), true));
    }

    #[test]
    fn type_qualified_names_match_only_path_ends() {
        let to = CallName::new("FutureRecord::to");
        assert!(to.matches(&path("rdkafka::producer::FutureRecord::to"), false));
        assert!(!to.matches(&path("to"), true));
        assert!(!to.matches(&path("BaseRecord::to"), false));
    }
}
