//! Source facts: every Rust file of every member, read once and parsed once
//! with syn (in parallel), boiled down to plain data the checks read. Syn
//! trees never leave the worker that parsed them: they are 30–70× the size of
//! the source and not `Send`.
//!
//! A fact knows the module it appears in (an index into
//! [`FileFacts::modules`], since one file can hold inline modules) and the
//! byte span it covers in its file.

pub mod cache;
pub mod lexer;
mod name;
mod nesting;
mod sqlfiles;
mod tree;
mod visit;

use std::ops::Range;
use std::sync::Arc;

pub use name::{names, Name, NameMap, NameSet};
pub use sqlfiles::{read_migrations, MigrationFile};
pub use visit::parse_count;

use crate::workspace::{Architecture, Workspace};
use crate::{Diagnostic, Location, Severity};

/// Bounds on what is read.
#[derive(Debug, Clone, Copy, serde::Serialize, serde::Deserialize)]
pub struct Limits {
    /// Files larger than this are skipped with a diagnostic (generated code).
    pub max_file_bytes: u64,
    /// Also follow example, test and bench targets.
    pub all_targets: bool,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_file_bytes: crate::fs::DEFAULT_MAX_FILE_BYTES,
            all_targets: false,
        }
    }
}

/// A diagnostic for a file of a checked crate that could not be analysed:
/// an error, because what it hides could be a violation (the run exits 2
/// unless the user passes `--allow-incomplete`).
pub(crate) fn unanalysed(message: String, file: Option<String>) -> Diagnostic {
    Diagnostic {
        severity: Severity::Error,
        message,
        file,
        location: None,
    }
}

/// Reads and parses every source file of every non-excluded member and
/// the files their `query_file!` macros name, then says what the facts
/// cannot show (code behind macros).
pub fn extract(workspace: &Workspace, architecture: &Architecture, limits: Limits) -> Facts {
    let mut facts = tree::extract(workspace, architecture, limits);
    sqlfiles::read_query_files(workspace, &mut facts, limits);
    facts.diagnostics.extend(unanalysed_code(&facts));
    facts.diagnostics.sort();
    facts
}

/// A warn diagnostic for each piece of code the facts miss because macros
/// are not expanded: `include!(…)` and `mod x;` inside macro tokens. Once
/// per file and macro text, in file order.
pub fn unanalysed_code(facts: &Facts) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for file in facts.crates.iter().flat_map(|c| &c.files) {
        let mut seen = std::collections::HashSet::new();
        for mac in &file.macros {
            for hidden in &mac.hides {
                let message = match hidden {
                    Hidden::Include => format!(
                        "`{}` in {} is not analysed: macros are not expanded, so no check sees the included code",
                        shown(mac.span.text(file.text.get())),
                        file.path
                    ),
                    Hidden::Module { name, in_macro } => format!(
                        "module `{}` declared inside macro `{}!` in {} is not followed: macros are not expanded, so its file is not analysed",
                        shown(name),
                        shown(in_macro),
                        file.path
                    ),
                };
                if seen.insert(message.clone()) {
                    out.push(Diagnostic {
                        severity: Severity::Warn,
                        message,
                        file: Some(file.path.clone()),
                        location: Some(location(file, mac.span)),
                    });
                }
            }
        }
    }
    out
}

/// Source text for a one-line message: whitespace and control characters
/// collapse to one space, and long text is cut.
fn shown(text: &str) -> String {
    const MAX: usize = 100;
    let mut out = String::new();
    for word in text
        .split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty())
    {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    match out.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &out[..cut]),
        None => out,
    }
}

/// Extracts the facts of one source text as the crate root module, for
/// fuzzing and benchmarks; `Err` carries the syntax error's message.
pub fn extract_text(text: &str) -> Result<usize, String> {
    visit::extract(text, Vec::new(), None)
        .map(|facts| {
            facts.uses.len() + facts.paths.len() + facts.strings.len() + facts.chains.len()
        })
        .map_err(|e| e.message)
}

/// Byte range in a file. `u32` keeps facts small; larger files are refused.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Default,
    serde::Serialize,
    serde::Deserialize,
)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    /// Offsets as a `usize` range, for slicing the file's text.
    pub fn range(self) -> Range<usize> {
        self.start as usize..self.end as usize
    }

    /// The text under the span ("" if it does not fall on the text).
    pub fn text(self, text: &str) -> &str {
        text.get(self.range()).unwrap_or_default()
    }
}

/// Facts of the whole workspace, indexed like `Workspace::members`.
#[derive(Debug, Default)]
pub struct Facts {
    pub crates: Vec<CrateFacts>,
    /// Files that could not be read or parsed, modules whose file is missing.
    pub diagnostics: Vec<crate::Diagnostic>,
    /// How many files were parsed: once each, whatever the number of checks.
    pub parsed_files: usize,
    /// How many files' facts came from the fact cache instead.
    pub cached_files: usize,
    /// How many source files were read (a cached file whose stamp did not
    /// change is not).
    pub read_files: usize,
    /// Total bytes read.
    pub bytes: usize,
    /// Files named by `query_file!` macros, by workspace-relative path.
    pub sql_files: std::collections::BTreeMap<String, Arc<str>>,
    /// Files that the module trees of more than one member reach (a
    /// `#[path]` or a target `path` pointing into another crate), sorted by
    /// path. Such a file is parsed once and its facts belong to the first
    /// claimant only.
    pub shared_files: Vec<SharedFile>,
}

/// A source file compiled by more than one member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedFile {
    /// Workspace-relative, `/`-separated.
    pub path: String,
    /// Members whose module tree reaches the file, sorted, each once.
    pub claimed_by: Vec<usize>,
    /// Parallel to `claimed_by`: where that member reaches the file — the
    /// `mod` declaration (with its `#[path]`) that names it, or for a crate
    /// root the member's `Cargo.toml`.
    pub declared_at: Vec<Location>,
}

impl Facts {
    /// The file at workspace-relative `path`, if it was parsed.
    pub fn file(&self, path: &str) -> Option<&FileFacts> {
        self.crates
            .iter()
            .flat_map(|c| &c.files)
            .find(|f| f.path == path)
    }
}

/// The files of one member, in module-tree order, per target.
#[derive(Debug, Default)]
pub struct CrateFacts {
    pub files: Vec<FileFacts>,
    /// SQL files a build script turns into code (cornucopia's and clorinde's
    /// `queries/`), workspace-relative; their texts are in `sql_files`.
    pub query_files: Vec<String>,
}

/// What one source file says.
#[derive(Debug)]
pub struct FileFacts {
    /// Workspace-relative, `/`-separated.
    pub path: String,
    /// Index into the member's `targets` whose module tree holds this file.
    pub target: usize,
    /// It belongs to a test, bench or example target: all of it is test code.
    pub test_target: bool,
    /// The file's text, for snippets in reports: read again when first
    /// asked for (see [`SourceText`]).
    pub text: SourceText,
    /// Line starts of `text`, built on the first location asked for, so a
    /// file with many findings costs one pass, not one scan per location.
    pub lines: std::sync::OnceLock<crate::finding::LineIndex<Arc<str>>>,
    /// The text holds [`SUPPRESSION_MARKER`]: suppression comments are
    /// looked for only in such files, so the others need not be read.
    pub marks_suppression: bool,
    /// Line starts, for locations without the text.
    pub positions: Positions,
    /// Module 0 is the file's own module; inline `mod x { … }` add more.
    pub modules: Vec<ModuleFact>,
    pub mods: Vec<ModDecl>,
    pub uses: Vec<UseFact>,
    pub paths: Vec<PathFact>,
    pub strings: Vec<StringFact>,
    pub calls: Vec<CallFact>,
    pub macros: Vec<MacroFact>,
    pub bindings: Vec<BindingFact>,
    pub attributes: Vec<AttributeFact>,
    /// Struct fields with a CLI default (`#[arg(default_value = "…")]`).
    pub field_defaults: Vec<FieldDefaultFact>,
    /// Fields, field accesses and bindings named for an address (`auth_uri`).
    pub address_names: Vec<AddressNameFact>,
    pub template_bindings: Vec<TemplateBindingFact>,
    /// Items (a fn, an impl, a method, a `use`) compiled only for tests
    /// (`#[cfg(test)] pub fn mock()`), outside any test module.
    pub test_items: Vec<Span>,
    /// Types of parameters named to be unused (`_client: Arc<dyn Routing>`):
    /// a value received only to be dropped.
    pub unused_parameter_types: Vec<Span>,
    pub tables: Vec<TableMacroFact>,
    pub functions: Vec<FnFact>,
    pub impls: Vec<ImplFact>,
    pub chains: Vec<ChainFact>,
    pub aliases: Vec<AliasFact>,
}

/// What starts an inline suppression comment (`// archfit: allow(rule) why`).
pub const SUPPRESSION_MARKER: &str = "archfit: allow(";

/// A source file's text, kept only until the facts are extracted: checks
/// work from the facts, and a report quotes only the files it has findings
/// in, so the text is read again when first asked for. A run whose facts
/// came from the cache reads no file it does not quote.
///
/// The text read again must be the one the facts came from: its hash is
/// compared, and a file that changed meanwhile gives an empty text and
/// says so ([`SourceText::changed`]), never snippets of other code.
#[derive(Debug)]
pub struct SourceText {
    text: std::sync::OnceLock<Arc<str>>,
    origin: Option<Origin>,
    changed: std::sync::atomic::AtomicBool,
}

/// Where a released text is read again from.
#[derive(Debug)]
struct Origin {
    root: Arc<crate::fs::Root>,
    canonical: std::path::PathBuf,
    hash: [u8; 32],
    limit: u64,
}

impl SourceText {
    /// A text held in memory.
    pub fn loaded(text: Arc<str>) -> SourceText {
        SourceText {
            text: std::sync::OnceLock::from(text),
            origin: None,
            changed: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// A text read from `canonical` (inside `root`) when first asked for;
    /// `hash` is the blake3 hash of the text the facts came from.
    pub(crate) fn released(
        root: Arc<crate::fs::Root>,
        canonical: std::path::PathBuf,
        hash: [u8; 32],
        limit: u64,
    ) -> SourceText {
        SourceText {
            text: std::sync::OnceLock::new(),
            origin: Some(Origin {
                root,
                canonical,
                hash,
                limit,
            }),
            changed: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// The text, read now if it was released.
    pub fn get(&self) -> &Arc<str> {
        self.text.get_or_init(|| {
            let Some(origin) = &self.origin else {
                return Arc::from("");
            };
            let read = crate::fs::read_canonical_text_budgeted(
                &origin.root,
                &origin.canonical,
                origin.limit,
                &crate::fs::Budget::new(origin.limit),
            );
            READS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            match read {
                Ok(text) if *blake3::hash(text.as_bytes()).as_bytes() == origin.hash => {
                    Arc::from(text)
                }
                _ => {
                    self.changed
                        .store(true, std::sync::atomic::Ordering::Relaxed);
                    Arc::from("")
                }
            }
        })
    }

    /// Whether the text was asked for and the file no longer held the text
    /// the facts came from (edited or removed during the run).
    pub fn changed(&self) -> bool {
        self.changed.load(std::sync::atomic::Ordering::Relaxed)
    }
}

/// Released texts read again, for `-v` and tests.
static READS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// How many released texts were read again by this process.
pub fn reread_count() -> usize {
    READS.load(std::sync::atomic::Ordering::Relaxed)
}

/// A module: its path from the crate root (`[]` is the root).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ModuleFact {
    pub path: Vec<Name>,
    /// `cfg(…)` predicate this module sits behind, if any (`cfg(test)`).
    pub cfg: Option<String>,
    /// Names of the items defined directly in the module (types, functions,
    /// traits, constants, statics, `macro_rules!`), not those it imports:
    /// what tells a definition from a re-export. Items a macro expands to
    /// are not known.
    pub items: Vec<Name>,
}

impl ModuleFact {
    /// Whether the module is compiled only for tests (see [`is_test_cfg`]).
    pub fn is_test(&self) -> bool {
        self.cfg.as_deref().is_some_and(is_test_cfg)
    }
}

impl FileFacts {
    /// Whether code in `module` of this file is test code: its target is a
    /// test, bench or example, or the module is compiled only for tests.
    pub fn is_test_code(&self, module: usize) -> bool {
        self.test_target || self.modules.get(module).is_some_and(ModuleFact::is_test)
    }

    /// Whether the code at `span` of `module` is test code: a test module,
    /// or an item of it compiled only for tests.
    pub fn is_test_code_at(&self, module: usize, span: Span) -> bool {
        self.is_test_code(module)
            || self
                .test_items
                .iter()
                .any(|item| item.start <= span.start && span.end <= item.end)
    }
}

/// Whether a `cfg(…)` predicate (as text) holds only when testing: `test`,
/// a feature whose name contains `test` (`test-util`, `testing`), `all(…)`
/// with such a part, `any(…)` whose every part is such. `not(…)` and
/// anything else is production code.
pub fn is_test_cfg(cfg: &str) -> bool {
    let tokens = cfg_tokens(cfg);
    let mut at = 0;
    // The outer `cfg ( … )`.
    if tokens.first().map(String::as_str) == Some("cfg")
        && tokens.get(1).map(String::as_str) == Some("(")
    {
        at = 2;
    }
    predicate_is_test(&tokens, &mut at)
}

/// Identifiers, string literals (with quotes), and single punctuation.
fn cfg_tokens(cfg: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    let mut chars = cfg.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_whitespace() {
            continue;
        }
        if c == '"' {
            let mut text = String::from('"');
            for c in chars.by_ref() {
                text.push(c);
                if c == '"' {
                    break;
                }
            }
            tokens.push(text);
        } else if c.is_alphanumeric() || c == '_' {
            let mut text = String::from(c);
            while let Some(&next) = chars.peek() {
                if next.is_alphanumeric() || next == '_' {
                    text.push(next);
                    chars.next();
                } else {
                    break;
                }
            }
            tokens.push(text);
        } else {
            tokens.push(c.to_string());
        }
    }
    tokens
}

/// Reads one predicate at `at` (advancing past it).
fn predicate_is_test(tokens: &[String], at: &mut usize) -> bool {
    let Some(head) = tokens.get(*at).cloned() else {
        return false;
    };
    *at += 1;
    match head.as_str() {
        "any" | "all" | "not" if tokens.get(*at).map(String::as_str) == Some("(") => {
            *at += 1;
            let mut parts = Vec::new();
            while *at < tokens.len() && tokens[*at] != ")" {
                parts.push(predicate_is_test(tokens, at));
                if tokens.get(*at).map(String::as_str) == Some(",") {
                    *at += 1;
                }
            }
            *at += 1;
            match head.as_str() {
                "any" => !parts.is_empty() && parts.iter().all(|p| *p),
                "all" => parts.iter().any(|p| *p),
                _ => false,
            }
        }
        "test" => true,
        "feature" if tokens.get(*at).map(String::as_str) == Some("=") => {
            *at += 2;
            tokens
                .get(*at - 1)
                .is_some_and(|name| name.starts_with('"') && name.contains("test"))
        }
        _ => {
            // `key = "value"` of another kind.
            if tokens.get(*at).map(String::as_str) == Some("=") {
                *at += 2;
            }
            false
        }
    }
}

/// `mod name;` or `mod name { … }`.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct ModDecl {
    /// Module the declaration is in.
    pub module: usize,
    pub name: Name,
    /// For inline modules, the index of the module it opens.
    pub inline: Option<usize>,
    /// `#[path = "…"]`.
    pub path_attr: Option<String>,
    pub cfg: Option<String>,
    /// From the `#[path]` attribute (when there is one) to the name.
    pub span: Span,
}

/// One leaf of a `use` tree, flattened: `use a::{b, c::*}` gives `a::b` and `a::c` (glob).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct UseFact {
    pub module: usize,
    /// Segments as written, starting with `crate`, `self`, `super` or a
    /// name; a leading `::` is kept as an empty first segment.
    pub segments: Vec<Name>,
    /// `as name` (`_` included), when renamed.
    pub alias: Option<Name>,
    pub glob: bool,
    /// Visible outside its module (`pub`, `pub(crate)`, …): a re-export.
    pub public: bool,
    /// Written inside a function body or another block: it names things
    /// there, but brings nothing into the module's scope.
    pub local: bool,
    pub span: Span,
}

impl UseFact {
    /// The name this `use` brings into scope (`None` for globs and `_`).
    pub fn binding(&self) -> Option<&str> {
        if self.glob {
            return None;
        }
        match self.alias.as_deref() {
            Some("_") => None,
            Some(alias) => Some(alias),
            None => self
                .segments
                .last()
                .map(Name::as_str)
                .filter(|s| *s != "self"),
        }
    }
}

/// A path of two or more segments in an expression, type, pattern, impl
/// header, attribute or macro name: `crate::billing::charge`, `sqlx::query`.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct PathFact {
    pub module: usize,
    pub segments: Vec<Name>,
    pub span: Span,
}

/// A string literal (normal or raw) anywhere in code.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct StringFact {
    pub module: usize,
    pub value: String,
    pub span: Span,
    /// Innermost macro the literal is written in (`format`, `warn`, `query`).
    pub in_macro: Option<Name>,
}

/// A call: `recv.method(args)` or `path::to::function(args)`.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct CallFact {
    pub module: usize,
    /// Method name for method calls; the path's segments for path calls.
    pub callee: Vec<Name>,
    pub method: bool,
    pub args: Vec<Arg>,
    pub span: Span,
}

/// An argument of a call, as far as the checks care.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Arg {
    /// A string literal; `&["a", "b"]` slices count as their first literal.
    Str(String, Span),
    /// A name: a local binding, a constant or a path's last segment (`FIND`, `queries::FIND`).
    Name(Name),
    /// A field of a value (`&self.reply_topic`, `args.orders_url`): its name.
    Field(Name),
    /// `format!("{}-commands", service)`: text built around values known
    /// only at run time (see [`Template`]); boxed, as most arguments are not.
    Template(Box<Template>, Span),
    Other,
}

/// The text of a `format!` with placeholders: fixed parts, and between them
/// the name each placeholder prints when it is a plain name
/// (`{service_name}`, `format!("{}", SERVICE)`), else `None`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Template {
    pub fixed: Vec<String>,
    pub holes: Vec<Option<String>>,
}

impl Template {
    /// The text with each hole filled by `fill` (`None`: any text), as a
    /// pattern `*` stands in for; `None` when too little of it is fixed to
    /// say what it names (fewer than three fixed characters).
    pub fn pattern(&self, fill: impl Fn(&str) -> Option<String>) -> Option<String> {
        let mut pattern = String::new();
        let mut fixed = 0;
        for (index, part) in self.fixed.iter().enumerate() {
            // Glob syntax in the fixed text would be read as such.
            if part.contains(['*', '?', '[', ']', '{', '}']) {
                return None;
            }
            fixed += part.chars().count();
            pattern.push_str(part);
            if let Some(hole) = self.holes.get(index) {
                match hole.as_deref().and_then(&fill) {
                    Some(value) => {
                        fixed += value.chars().count();
                        pattern.push_str(&value);
                    }
                    None => pattern.push('*'),
                }
            }
        }
        (fixed >= 3).then_some(pattern)
    }
}

impl Arg {
    /// The literal's text and span, for `Arg::Str`.
    pub fn literal(&self) -> Option<(&str, Span)> {
        match self {
            Arg::Str(value, span) => Some((value, *span)),
            _ => None,
        }
    }
}

/// `let topic = format!("{}-commands", service_name);`: a name bound to a
/// [`Template`].
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct TemplateBindingFact {
    pub module: usize,
    pub name: Name,
    pub template: Template,
    /// Span of the format string.
    pub span: Span,
}

/// `let name = "…";`, `const NAME: &str = "…";` or `static NAME: &str = "…";`.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct BindingFact {
    pub module: usize,
    pub name: Name,
    pub value: String,
    /// Span of the literal.
    pub span: Span,
    /// `const`/`static` (visible crate-wide by name) rather than `let`.
    pub constant: bool,
}

/// `key = "value"` inside an attribute: `#[sea_orm(table_name = "orders")]`.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct AttributeFact {
    pub module: usize,
    /// Last segment of the attribute path (`sea_orm`).
    pub attribute: Name,
    pub key: Name,
    pub value: String,
    pub span: Span,
}

/// A struct field whose attribute gives it a default value (clap's
/// `#[arg(default_value = "order-replies")] reply_topic: String`).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct FieldDefaultFact {
    pub module: usize,
    pub field: Name,
    pub value: String,
    pub span: Span,
}

/// A struct field, field access or binding whose name says it holds an
/// address (`auth_uri`, `config.registry_url`, `let ledger_addr`): how code
/// names the service it calls when the address itself comes from deployment.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct AddressNameFact {
    pub module: usize,
    /// Lower case, as written.
    pub name: Name,
    pub span: Span,
    /// The declaration of a struct field (configuration the program is
    /// given), not a use or a local binding.
    pub declares_field: bool,
}

/// Name endings that say an identifier holds an address.
pub const ADDRESS_SUFFIXES: &[&str] = &[
    "_url",
    "_urls",
    "_uri",
    "_uris",
    "_addr",
    "_addrs",
    "_address",
    "_addresses",
    "_endpoint",
    "_endpoints",
    "_host",
];

/// The name without its address ending (`auth_uri` gives `auth`), for a
/// name that has one and something before it.
pub fn address_stem(name: &str) -> Option<&str> {
    ADDRESS_SUFFIXES.iter().find_map(|suffix| {
        let stem = name.strip_suffix(suffix)?;
        (!stem.is_empty()).then_some(stem)
    })
}

/// A table declared by diesel's `table! { orders (id) { … } }`.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct TableMacroFact {
    pub module: usize,
    pub name: String,
    pub schema: Option<String>,
    pub span: Span,
}

/// A macro invocation `path!(…)` (also `macro_rules! name { … }`).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct MacroFact {
    pub module: usize,
    pub path: Vec<Name>,
    /// From the macro's path to its closing delimiter.
    pub span: Span,
    /// Code this macro keeps from the facts (macros are not expanded).
    pub hides: Vec<Hidden>,
}

/// Code behind a macro that no fact describes.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Hidden {
    /// `include!(…)`: the included file is never read.
    Include,
    /// `mod name;` in the macro's tokens (a `macro_rules!` body, `cfg_if!`):
    /// the module's file is never read.
    Module {
        name: String,
        /// The macro defined (`macro_rules! name`) or invoked.
        in_macro: String,
    },
}

/// Where a file's lines start, kept with its facts (and cached with them),
/// so that a location costs no read of the file: in a file that is all
/// ASCII a column is a byte count. For other files the text is read and
/// indexed when a location is first asked for.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Positions {
    /// Length of the text in bytes.
    pub len: u32,
    /// Byte offset where each line starts; the first is 0.
    pub line_starts: Vec<u32>,
    /// Every byte of the text is ASCII.
    pub ascii: bool,
}

impl Positions {
    /// The positions of `text` (at most `u32::MAX` bytes: larger files are
    /// refused before they are parsed).
    pub fn of(text: &str) -> Positions {
        let bytes = text.as_bytes();
        let mut line_starts = vec![0];
        line_starts.extend(memchr::memchr_iter(b'\n', bytes).map(|at| at as u32 + 1));
        Positions {
            len: bytes.len() as u32,
            line_starts,
            ascii: bytes.is_ascii(),
        }
    }

    /// The location of a byte range, as [`crate::Location::from_index`]
    /// gives it; `None` unless the text is ASCII.
    pub fn location(&self, file: &str, span: Range<usize>) -> Option<crate::Location> {
        if !self.ascii {
            return None;
        }
        let len = self.len as usize;
        let start = span.start.min(len);
        let end = span.end.clamp(start, len);
        let line_column = |offset: usize| {
            let line = self
                .line_starts
                .partition_point(|&s| s as usize <= offset)
                .max(1);
            let line_start = self.line_starts.get(line - 1).map_or(0, |&s| s as usize);
            (line, offset - line_start + 1)
        };
        let (line, column) = line_column(start);
        let (end_line, end_column) = line_column(end);
        Some(crate::Location {
            file: file.to_string(),
            line,
            column,
            end_line,
            end_column,
            span: start..end,
        })
    }
}

/// Converts a fact span into a report location.
pub fn location(file: &FileFacts, span: Span) -> crate::Location {
    if let Some(location) = file.positions.location(&file.path, span.range()) {
        return location;
    }
    let lines = file
        .lines
        .get_or_init(|| crate::finding::LineIndex::new(file.text.get().clone()));
    crate::Location::from_index(&file.path, lines, span.range())
}

/// What a function or closure body does, as far as "does it do anything?" goes.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Body {
    /// a `todo!`, `unimplemented!` or `panic!` macro, an empty body, or a body
    /// that only returns `Ok(())` / `()`; the text says which.
    Stub(String),
    /// A body that only calls this function (path as written), so whether
    /// it does anything depends on that function.
    Delegates(Vec<Name>),
    Real,
}

/// A function or method with a body.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct FnFact {
    pub module: usize,
    pub name: Name,
    /// Self type of the enclosing impl block (`ReserveCredit`).
    pub owner: Option<Name>,
    /// Trait the enclosing impl implements (`SagaStep`).
    pub trait_name: Option<Name>,
    pub body: Body,
    /// The body's value when it is only `true` or `false`.
    pub constant: Option<bool>,
    /// Type paths its return type mentions, as written (generic arguments
    /// included).
    pub returns: Vec<Name>,
    /// Whether the body awaits anything (a synchronous call to another party).
    pub awaits: bool,
    /// Methods (`.send`) and function paths (last two segments,
    /// `FutureRecord::to`; `connect`) called in the body.
    pub calls: Vec<Name>,
    /// Callable from outside its crate: `pub`, or a method of a trait
    /// implementation (`pub(crate)` is not).
    pub public: bool,
    /// Span of the function's name.
    pub span: Span,
    /// Span of the body's braces: the calls, strings and closures inside
    /// belong to the function (for checks that reason per unit of work).
    pub block: Span,
}

impl FnFact {
    /// Names of what the body calls, methods without their `.`
    /// (`send`, `FutureRecord::to`, `connect`).
    pub fn called(&self) -> impl Iterator<Item = &str> + '_ {
        self.calls
            .iter()
            .map(|c| c.as_str().trim_start_matches('.'))
    }
}

/// `type WorkerClient = WorkerGrpcClient<…>;`, a struct or an enum by the
/// types its fields hold, or a trait by its supertraits: a name for what a
/// type is made of.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct AliasFact {
    pub module: usize,
    pub name: Name,
    /// Type paths the aliased type (the fields, the supertraits) mention,
    /// as written.
    pub targets: Vec<Name>,
}

/// An `impl [Trait for] Type` block.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct ImplFact {
    pub module: usize,
    /// Last segment of the trait path.
    pub trait_name: Option<Name>,
    /// Last segment of the self type's path.
    pub self_type: Name,
    /// Names of the methods it defines.
    pub methods: Vec<Name>,
    /// Span from `impl` to the self type.
    pub span: Span,
}

/// A method-call chain `root.a(…).b(…)`, recorded whole (the inner calls of
/// a chain are not recorded again as chains).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct ChainFact {
    pub module: usize,
    /// Name of the enclosing function, to join chains split over `let`s.
    pub function: Option<Name>,
    pub root: ChainRoot,
    pub links: Vec<Link>,
    /// `let name = <chain>` binds the result to `name`.
    pub bound_to: Option<Name>,
}

impl ChainFact {
    /// Where the chain is written: its constructor, else its first link.
    pub fn span(&self) -> Span {
        match (&self.root, self.links.first()) {
            (ChainRoot::Call(_, span), _) => *span,
            (_, Some(link)) => link.span,
            _ => Span::default(),
        }
    }
}

/// What a chain starts from.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ChainRoot {
    /// `Type::constructor(args)`: the path and its span.
    Call(Vec<Name>, Span),
    /// A local variable.
    Var(Name),
    Other,
}

/// One `.method(args)` of a chain.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Link {
    pub method: Name,
    pub args: Vec<StepArg>,
    /// Span of the method name.
    pub span: Span,
}

/// An argument of a chain link.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub enum StepArg {
    /// A function or method path (`reserve_credit`, `Self::reserve`).
    Path(Vec<Name>, Span),
    /// A closure, with what its body does.
    Closure {
        body: Body,
        awaits: bool,
        span: Span,
    },
    /// A string literal.
    Literal(String),
    /// A value of a named type: a struct literal (`ReserveStock { .. }`) or a
    /// call of one of its associated functions (`ReserveStock::new(..)`,
    /// `ReserveStock::default()`), also inside `Box::new`/`Arc::new`. The
    /// path names the type; the span covers the whole expression.
    Value(Vec<Name>, Span),
    /// Anything else (a variable holding a closure is a `Path` of one segment).
    Other(Span),
}

/// The facts of `text` as the root file of a crate, for unit tests of checks.
#[cfg(test)]
pub(crate) fn test_file(path: &str, text: &str) -> FileFacts {
    let x = visit::extract(text, Vec::new(), None).expect("parses");
    FileFacts {
        path: path.into(),
        target: 0,
        test_target: false,
        text: SourceText::loaded(Arc::from(text)),
        lines: std::sync::OnceLock::new(),
        marks_suppression: text.contains(SUPPRESSION_MARKER),
        positions: Positions::of(text),
        modules: x.modules,
        mods: x.mods,
        uses: x.uses,
        paths: x.paths,
        strings: x.strings,
        calls: x.calls,
        macros: x.macros,
        bindings: x.bindings,
        attributes: x.attributes,
        field_defaults: x.field_defaults,
        address_names: x.address_names,
        template_bindings: x.template_bindings,
        test_items: x.test_items,
        unused_parameter_types: x.unused_parameter_types,
        tables: x.tables,
        functions: x.functions,
        impls: x.impls,
        chains: x.chains,
        aliases: x.aliases,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, text: &str) -> FileFacts {
        test_file(path, text)
    }

    fn facts(files: Vec<FileFacts>) -> Facts {
        Facts {
            crates: vec![CrateFacts {
                files,
                query_files: Vec::new(),
            }],
            ..Facts::default()
        }
    }

    #[test]
    fn each_include_is_a_warning_once_per_file_at_the_macro() {
        let db = "//! Queries generated from the schema at build time.\n\ninclude!(\"generated.rs\");\n\nmod more {\n    include!(\"generated.rs\");\n}\n";
        let found = unanalysed_code(&facts(vec![file("services/orders/src/db.rs", db)]));
        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!(found[0].severity, Severity::Warn);
        assert!(
            found[0].message.starts_with(
                "`include!(\"generated.rs\")` in services/orders/src/db.rs is not analysed"
            ),
            "{}",
            found[0].message
        );
        let at = found[0].location.as_ref().expect("location");
        assert_eq!(
            (at.file.as_str(), at.line, at.column),
            ("services/orders/src/db.rs", 3, 1)
        );
    }

    #[test]
    fn a_module_declared_in_a_macro_is_a_warning_naming_both() {
        let lib = "macro_rules! endpoints {\n    () => {\n        pub mod refunds;\n    };\n}\nendpoints!();\n";
        let found = unanalysed_code(&facts(vec![file("services/payments/src/lib.rs", lib)]));
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(found[0].message.starts_with(
            "module `refunds` declared inside macro `endpoints!` in services/payments/src/lib.rs is not followed"
        ));
        assert_eq!(found[0].location.as_ref().map(|l| l.line), Some(1));
    }

    #[test]
    fn macro_text_in_a_message_is_one_line_and_bounded() {
        let long = format!("include!(\n    \"{}\\\n.rs\"\n);\n", "a".repeat(300));
        let found = unanalysed_code(&facts(vec![file("src/lib.rs", &long)]));
        let message = &found[0].message;
        assert!(!message.contains('\n'), "{message}");
        assert!(message.starts_with("`include!( \"aaa"), "{message}");
        assert!(message.contains("…`"), "{message}");
        assert!(message.chars().count() < 260, "{message}");
    }

    #[test]
    fn code_without_hidden_parts_gives_no_warning() {
        let lib = "const SCHEMA: &str = include_str!(\"schema.sql\");\nmod handlers;\nfn main() { println!(\"{SCHEMA}\"); }\n";
        assert!(unanalysed_code(&facts(vec![file("src/main.rs", lib)])).is_empty());
    }

    #[test]
    fn positions_give_the_locations_a_line_index_gives_for_ascii_text() {
        let text = "//! Orders.\n\nfn main() {\n    run();\n}\n\n\nlast line without end";
        let positions = Positions::of(text);
        let index = crate::finding::LineIndex::new(text);
        for start in 0..=text.len() + 2 {
            for end in [start, start + 1, start + 7, text.len() + 5] {
                let expected = Location::from_index("src/main.rs", &index, start..end);
                let found = positions.location("src/main.rs", start..end);
                assert_eq!(found.as_ref(), Some(&expected), "{start}..{end}");
            }
        }
        // Columns count characters: other text is located through its text.
        assert_eq!(Positions::of("let é = 1;").location("a.rs", 4..6), None);
        assert_eq!(
            Positions::of("").location("a.rs", 0..0).map(|l| l.line),
            Some(1)
        );
    }

    #[test]
    #[allow(clippy::disallowed_methods)] // the test writes and edits its own file
    fn a_released_text_is_read_again_only_while_it_is_the_text_the_facts_came_from() {
        let dir = std::env::temp_dir().join(format!("archfit-source-text-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("mkdir");
        let path = dir.join("lib.rs");
        let text = "pub fn charge() {}\n";
        std::fs::write(&path, text).expect("write");
        let canonical = path.canonicalize().expect("canonical");
        let root = Arc::new(crate::fs::Root::new(&dir));
        let hash = *blake3::hash(text.as_bytes()).as_bytes();

        let same = SourceText::released(Arc::clone(&root), canonical.clone(), hash, 1 << 20);
        assert_eq!(&**same.get(), text);
        assert!(!same.changed());

        std::fs::write(&path, "pub fn refund() {}\n").expect("rewrite");
        let edited = SourceText::released(Arc::clone(&root), canonical.clone(), hash, 1 << 20);
        assert_eq!(&**edited.get(), "", "another text was taken for this one");
        assert!(edited.changed());

        std::fs::remove_file(&path).expect("remove");
        let removed = SourceText::released(root, canonical, hash, 1 << 20);
        assert_eq!(&**removed.get(), "");
        assert!(removed.changed());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn test_cfgs_are_told_from_production_cfgs() {
        for cfg in [
            "cfg(test)",
            "cfg(any (test , feature = \"test-util\"))",
            "cfg(all(test, unix))",
            "cfg(feature = \"testing\")",
        ] {
            assert!(is_test_cfg(cfg), "{cfg}");
        }
        for cfg in [
            "cfg(not(test))",
            "cfg(unix)",
            "cfg(any(test, feature = \"serde\"))",
            "cfg(feature = \"postgres\")",
            "cfg(target_os = \"linux\")",
        ] {
            assert!(!is_test_cfg(cfg), "{cfg}");
        }
    }
}
