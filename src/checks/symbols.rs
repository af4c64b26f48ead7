#![doc = include_str!("../../docs/checks/symbols.md")]

use std::cell::{Cell, RefCell};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::rc::Rc;

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer};
use toml::Spanned;

use super::{Context, Needs, Reporter, Starter, Violation};
use crate::facts::{location, Facts, FileFacts, Name, Span, UseFact};
use crate::finding::Finding;
use crate::graph::modules::display;
use crate::pattern::{any_or_all, GlobPattern};
use crate::workspace::Workspace;

/// Name used in `check = "…"`.
pub const NAME: &str = "symbols";
/// User documentation, printed by `explain`.
pub const DOC: &str = include_str!("../../docs/checks/symbols.md");
/// One line for listings.
pub const SUMMARY: &str =
    "a path, macro or method is used in a module where the rule does not allow it";

/// Parameter names, for error messages.
pub const PARAMETERS: &[&str] = &["services", "paths", "allowed_in", "forbidden_in"];

/// Parameters of a `symbols` rule.
#[derive(Debug, Clone)]
pub struct Params {
    /// Service-name globs the rule applies to. Default: every service.
    pub services: Vec<GlobPattern>,
    /// What the rule is about: paths, macros and methods.
    pub paths: Vec<Symbol>,
    /// Where they may (or may not) appear.
    pub scope: ModuleScope,
}

/// The keys as written, for the JSON Schema; [`Params`] reads them itself
/// so that a rule giving both `allowed_in` and `forbidden_in` is refused at
/// the second one.
#[derive(Debug, Clone, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawParams {
    /// Service-name globs the rule applies to. Default: every service.
    #[serde(default)]
    pub services: Vec<GlobPattern>,
    /// Paths (`std::env::var`, globs such as `reqwest::*`), macros
    /// (`println!`, `tracing::info!`) and methods (`.unwrap`).
    pub paths: Vec<Symbol>,
    /// Module-path globs relative to the crate root (`crate` is the root
    /// module) where the paths may be used; everywhere else they may not.
    /// Give this or `forbidden_in`, not both.
    #[serde(default)]
    pub allowed_in: Option<Vec<GlobPattern>>,
    /// Module-path globs where the paths may not be used; everywhere else
    /// they may. Give this or `allowed_in`, not both.
    #[serde(default)]
    pub forbidden_in: Option<Vec<GlobPattern>>,
}

impl<'de> Deserialize<'de> for Params {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_struct("Params", PARAMETERS, ParamsVisitor)
    }
}

struct ParamsVisitor;

impl<'de> serde::de::Visitor<'de> for ParamsVisitor {
    type Value = Params;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the keys of a `symbols` rule")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Params, A::Error> {
        use serde::de::Error;
        let mut services = Vec::new();
        let mut paths: Option<Paths> = None;
        let mut scope: Option<ModuleScope> = None;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "services" => services = map.next_value()?,
                "paths" => paths = Some(map.next_value()?),
                "allowed_in" | "forbidden_in" if scope.is_some() => {
                    // Refused at the second list, so the error points at it.
                    map.next_value_seed(Refuse(
                        "a `symbols` rule takes `allowed_in` or `forbidden_in`, not both: keep the one that states the decision",
                    ))?;
                }
                "allowed_in" => scope = Some(ModuleScope::Allowed(map.next_value()?)),
                "forbidden_in" => scope = Some(ModuleScope::Forbidden(map.next_value()?)),
                other => return Err(A::Error::unknown_field(other, PARAMETERS)),
            }
        }
        let Some(Paths(paths)) = paths else {
            return Err(A::Error::missing_field("paths"));
        };
        let Some(scope) = scope else {
            return Err(A::Error::custom(
                "a `symbols` rule needs `allowed_in` (the modules where the paths may be used) or `forbidden_in` (those where they may not)",
            ));
        };
        Ok(Params {
            services,
            paths,
            scope,
        })
    }
}

/// `paths`, refused when empty (a rule about nothing).
struct Paths(Vec<Symbol>);

impl<'de> Deserialize<'de> for Paths {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let paths = Vec::<Symbol>::deserialize(deserializer)?;
        if paths.is_empty() {
            return Err(serde::de::Error::custom(
                "`paths` is empty: name at least one path (`std::env::var`, `reqwest::*`), macro (`println!`) or method (`.unwrap`)",
            ));
        }
        Ok(Paths(paths))
    }
}

/// A value that is an error wherever it is, with this message.
struct Refuse(&'static str);

impl<'de> serde::de::DeserializeSeed<'de> for Refuse {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        serde::de::IgnoredAny::deserialize(deserializer)?;
        Err(serde::de::Error::custom(self.0))
    }
}

impl JsonSchema for Params {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        RawParams::schema_name()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        RawParams::json_schema(generator)
    }
}

/// The modules a rule names, and what it says about them.
#[derive(Debug, Clone)]
pub enum ModuleScope {
    Allowed(Vec<GlobPattern>),
    Forbidden(Vec<GlobPattern>),
}

impl ModuleScope {
    fn globs(&self) -> &[GlobPattern] {
        match self {
            ModuleScope::Allowed(globs) | ModuleScope::Forbidden(globs) => globs,
        }
    }

    /// Whether the paths may not be used in `module` (`crate`, `a::b`).
    fn forbids(&self, module: &str) -> bool {
        let named = self.globs().iter().any(|g| g.is_match(module));
        match self {
            ModuleScope::Allowed(_) => !named,
            ModuleScope::Forbidden(_) => named,
        }
    }

    fn listed(&self) -> String {
        let globs: Vec<String> = self
            .globs()
            .iter()
            .map(|g| format!("`{}`", g.text))
            .collect();
        if globs.is_empty() {
            "no module".into()
        } else {
            globs.join(", ")
        }
    }
}

/// What a `paths` entry names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SymbolKind {
    /// `std::env::var`, `reqwest::*`: an item, matched on its full path
    /// (or a prefix of it: `reqwest::Client` covers `reqwest::Client::new`).
    Path,
    /// `println!`: a macro; one segment matches the macro's name, more
    /// match its resolved path.
    Macro,
    /// `.unwrap`: a method, by name only.
    Method,
}

/// One `paths` entry, compiled.
#[derive(Debug, Clone)]
pub struct Symbol {
    pub kind: SymbolKind,
    /// The entry as written.
    pub text: String,
    /// The glob without `.`/`!`/a leading `::`.
    pub glob: GlobPattern,
    /// Its first segment, when that has no wildcard (`std`, `reqwest`): a
    /// path starting otherwise cannot match.
    pub head: Option<String>,
}

impl Symbol {
    /// Reads `text` (written at `span`): `.name` is a method, `path!` a macro,
    /// anything else a path.
    pub fn new(text: &str, span: std::ops::Range<usize>) -> Symbol {
        let (kind, bare) = if let Some(name) = text.strip_prefix('.') {
            (SymbolKind::Method, name.trim_end_matches("()"))
        } else if let Some(path) = text.strip_suffix('!') {
            (SymbolKind::Macro, path)
        } else {
            (SymbolKind::Path, text)
        };
        let bare = bare.strip_prefix("::").unwrap_or(bare);
        let first = bare.split("::").next().unwrap_or_default();
        Symbol {
            kind,
            text: text.to_string(),
            glob: GlobPattern::new(bare, span),
            head: (!first.contains(['*', '?', '[', '{'])).then(|| first.to_string()),
        }
    }

    /// Whether an item at `path` (`std::env::var`), or one inside it
    /// (`reqwest::Client::new` for `reqwest::Client`), is this entry.
    fn matches_path(&self, path: &[Name]) -> bool {
        if self
            .head
            .as_ref()
            .is_some_and(|head| path.first().map(Name::as_str) != Some(head.as_str()))
        {
            return false;
        }
        let mut text = String::new();
        for (index, segment) in path.iter().enumerate() {
            if index > 0 {
                text.push_str("::");
            }
            text.push_str(segment);
            if self.glob.is_match(&text) {
                return true;
            }
        }
        false
    }

    /// Whether a macro invoked as `written` and resolved to `resolved` is this entry.
    fn matches_macro(&self, name: &str, resolved: Option<&[Name]>) -> bool {
        if !self.glob.text.contains("::") {
            return self.glob.is_match(name);
        }
        resolved.is_some_and(|path| self.glob.is_match(&path.join("::")))
    }

    /// Whether a glob import of `prefix` (`use reqwest::*`) may bring in
    /// what this path entry names.
    fn may_be_inside(&self, prefix: &[Name]) -> bool {
        let joined = prefix.join("::");
        let literal: &str = self
            .glob
            .text
            .split(['*', '?', '[', '{'])
            .next()
            .unwrap_or_default();
        self.matches_path(prefix)
            || literal.starts_with(&format!("{joined}::"))
            || self.glob.is_match(&format!("{joined}::_"))
    }
}

impl<'de> Deserialize<'de> for Symbol {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = Spanned::<String>::deserialize(deserializer)?;
        let written = text.get_ref().trim();
        let bare = written
            .trim_start_matches('.')
            .trim_end_matches('!')
            .trim_start_matches("::");
        if bare.is_empty() || bare.starts_with('.') || bare.ends_with(':') {
            return Err(serde::de::Error::custom(format!(
                "`{written}` names nothing: write a path (`std::env::var`, `reqwest::*`), a macro (`println!`) or a method (`.unwrap`)"
            )));
        }
        Ok(Symbol::new(written, text.span()))
    }
}

impl JsonSchema for Symbol {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Symbol".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "description": "A path (`std::env::var`; globs such as `reqwest::*`), a macro (`println!`, `tracing::info!`) or a method (`.unwrap`)."
        })
    }
}

/// What `init` writes for this check: the decision's ADR template and a
/// starter rule, off until the modules are the project's own.
pub const STARTER: Starter = Starter {
    adr_slug: "config-read-at-startup",
    adr_template: include_str!("../../rules/adr-templates/config-read-at-startup.md"),
    rules: r#"# Some items belong in one place: configuration is read from the
# environment at start-up only, HTTP clients live in adapters. Module paths
# are specific to each project, so this rule starts "off": adapt `allowed_in`
# to your services, then raise its severity.
[[rule]]
id = "config-read-at-startup"
check = "symbols"
severity = "off"
adr = {adr}
# Paths (globs: `reqwest::*`), macros (`println!`) and methods (`.unwrap`).
paths = ["std::env::var", "std::env::var_os", "std::env::vars"]
# Module-path globs relative to the crate root; `crate` is the root module.
allowed_in = ["crate", "config", "config::*"]
# Or the other way round: where the paths may not be used.
# forbidden_in = ["handlers", "handlers::*"]
# Service-name globs the rule applies to (default: every service).
# services = ["orders"]
"#,
};

/// What the rule reads: the source facts.
pub fn needs(_params: &Params) -> Needs {
    Needs {
        sources: true,
        modules: false,
        migrations: false,
    }
}

/// Every glob of the parameters, so invalid ones are reported at their span.
pub fn patterns(params: &Params) -> Vec<&GlobPattern> {
    params
        .services
        .iter()
        .chain(params.paths.iter().map(|s| &s.glob))
        .chain(params.scope.globs())
        .collect()
}

/// Service-name globs the rule is limited to; each must name a service.
pub fn service_filters(params: &Params) -> &[GlobPattern] {
    &params.services
}

/// Names the standard prelude brings into every module. A glob import of
/// another crate (`use reqwest::*`) does not hold them, so they are never
/// taken to come from it.
const PRELUDE: &[&str] = &[
    "Option",
    "Some",
    "None",
    "Result",
    "Ok",
    "Err",
    "Vec",
    "String",
    "Box",
    "ToString",
    "ToOwned",
    "Clone",
    "Copy",
    "Default",
    "Iterator",
    "IntoIterator",
    "Extend",
    "Drop",
    "Fn",
    "FnMut",
    "FnOnce",
    "Send",
    "Sync",
    "Sized",
    "Unpin",
    "From",
    "Into",
    "TryFrom",
    "TryInto",
    "AsRef",
    "AsMut",
    "PartialEq",
    "Eq",
    "PartialOrd",
    "Ord",
    "FromIterator",
    "DoubleEndedIterator",
    "ExactSizeIterator",
    "drop",
    "Self",
    "self",
    "bool",
    "char",
    "str",
    "u8",
    "u16",
    "u32",
    "u64",
    "u128",
    "usize",
    "i8",
    "i16",
    "i32",
    "i64",
    "i128",
    "isize",
    "f32",
    "f64",
];

/// Reports every use of a listed path, macro or method in a module where
/// the rule does not allow it.
pub fn run(params: &Params, context: &Context<'_>, reporter: &Reporter<'_>) -> Vec<Finding> {
    let Some(facts) = context.facts else {
        return Vec::new();
    };
    let resolver = Resolver::new(context.workspace, facts);
    let reach = Reach::new(params, &resolver, facts);
    let mut findings = Vec::new();
    let mut modules_seen: BTreeSet<String> = BTreeSet::new();
    let mut examined = false;
    for (member, crate_facts) in facts.crates.iter().enumerate() {
        let Some(service) = context.architecture.service_of(member) else {
            continue;
        };
        if !any_or_all(&params.services, &service.name) {
            continue;
        }
        examined |= !crate_facts.files.is_empty();
        let resolve = reach.may_name_listed(member);
        for file in &crate_facts.files {
            let checker = FileCheck {
                params,
                resolver: &resolver,
                member,
                file,
                resolve,
            };
            let place = Place {
                params,
                reporter,
                file,
                service: &service.name,
                krate: &context.workspace.members[member].name,
            };
            modules_seen.extend(file.modules.iter().map(|m| display(&m.path)));
            findings.extend(
                checker
                    .uses()
                    .into_iter()
                    .filter(|u| !context.skips(file, u.module, u.span))
                    .map(|u| place.finding(u)),
            );
        }
        resolver.forget(member);
    }
    if !examined {
        reporter.rule_warning(
            "no module was examined: no crate of the selected services has source files".into(),
            None,
        );
    } else {
        warn_on_unmatched_modules(params, &modules_seen, reporter);
    }
    findings
}

/// Whether any path of a crate's code may name a listed path or macro path:
/// every `use` chain to `std::env::var` writes `std`, `env` and `var`
/// somewhere, in the crate (a rename, a glob, a re-export of our own) or in
/// the `pub use`s of the workspace crates it names. Most crates write none
/// of them, and need no resolving.
struct Reach<'a> {
    resolver: &'a Resolver<'a>,
    facts: &'a Facts,
    /// The literal segments of each listed path (and qualified macro).
    needles: Vec<Vec<&'a str>>,
    /// Per member, the needles its `pub use`s (and those of the workspace
    /// crates they name) write; empty while being worked out (a cycle).
    exported: RefCell<HashMap<usize, Rc<BTreeSet<&'a str>>>>,
}

impl<'a> Reach<'a> {
    fn new(params: &'a Params, resolver: &'a Resolver<'a>, facts: &'a Facts) -> Reach<'a> {
        let needles = params
            .paths
            .iter()
            .filter(|s| match s.kind {
                SymbolKind::Path => true,
                SymbolKind::Macro => s.glob.text.contains("::"),
                SymbolKind::Method => false,
            })
            .map(|s| {
                s.glob
                    .text
                    .split("::")
                    .filter(|segment| !segment.contains(['*', '?', '[', '{']))
                    .collect()
            })
            .collect();
        Reach {
            resolver,
            facts,
            needles,
            exported: RefCell::new(HashMap::new()),
        }
    }

    fn may_name_listed(&self, member: usize) -> bool {
        if self.needles.is_empty() {
            return false;
        }
        if self.needles.iter().any(Vec::is_empty) {
            return true;
        }
        let seen = self.written(member, false);
        self.needles
            .iter()
            .any(|n| n.iter().all(|s| seen.contains(s)))
    }

    /// What `member` exports by `pub use`, through other crates too.
    fn exported(&self, member: usize) -> Rc<BTreeSet<&'a str>> {
        if let Some(known) = self.exported.borrow().get(&member) {
            return known.clone();
        }
        self.exported
            .borrow_mut()
            .insert(member, Rc::new(BTreeSet::new()));
        let found = Rc::new(self.written(member, true));
        self.exported.borrow_mut().insert(member, found.clone());
        found
    }

    /// The needles `member` writes (only in `pub use`s with `exports`),
    /// and those exported by the workspace crates it names.
    fn written(&self, member: usize, exports: bool) -> BTreeSet<&'a str> {
        let mut seen = BTreeSet::new();
        let Some(facts) = self.facts.crates.get(member) else {
            return seen;
        };
        let externs = self.resolver.externs(member);
        let wanted: BTreeSet<&str> = self.needles.iter().flatten().copied().collect();
        let mut named: BTreeSet<usize> = BTreeSet::new();
        for file in &facts.files {
            // A glob of a listed path's parent (`use std::env::*`) brings
            // in names the code then writes alone, or not at all (a value).
            for glob in file
                .uses
                .iter()
                .filter(|u| u.glob && (!exports || u.public))
            {
                for needle in &self.needles {
                    let inside = needle.len() > glob.segments.len()
                        && glob.segments.iter().zip(needle).all(|(g, n)| g == n);
                    if inside {
                        seen.extend(needle.iter().copied());
                    }
                }
            }
            let uses = file
                .uses
                .iter()
                .filter(|u| !exports || u.public)
                .map(|u| u.segments.as_slice());
            let code = file
                .paths
                .iter()
                .map(|p| p.segments.as_slice())
                .chain(file.macros.iter().map(|m| m.path.as_slice()))
                .chain(
                    file.calls
                        .iter()
                        .filter(|c| !c.method)
                        .map(|c| c.callee.as_slice()),
                )
                .filter(|_| !exports);
            for segments in uses.chain(code) {
                for segment in segments {
                    if let Some(found) = wanted.get(segment.as_str()) {
                        seen.insert(*found);
                    }
                }
                let first = segments.iter().find(|s| !s.is_empty());
                if let Some((_, &(other, _))) =
                    first.and_then(|f| externs.iter().find(|(name, _)| *name == f))
                {
                    if other != member {
                        named.insert(other);
                    }
                }
            }
        }
        for other in named {
            seen.extend(self.exported(other).iter().copied());
        }
        seen
    }
}

/// Module globs that match no module constrain nothing: a plain name that
/// matches nothing is likely a typo (`confg`), and a list that matches
/// nothing at all allows (or forbids) nothing. A wildcard that only covers
/// submodules to come (`config::*`) is no mistake.
fn warn_on_unmatched_modules(params: &Params, modules: &BTreeSet<String>, reporter: &Reporter<'_>) {
    let verdict = match params.scope {
        ModuleScope::Allowed(_) => "allows nothing",
        ModuleScope::Forbidden(_) => "forbids nothing",
    };
    let globs = params.scope.globs();
    let matches = |glob: &GlobPattern| modules.iter().any(|m| glob.is_match(m));
    if !globs.iter().any(matches) {
        reporter.rule_warning(
            format!(
                "no module of the selected services matches {}, so the rule {verdict}",
                params.scope.listed()
            ),
            globs.first().map(|g| g.span.clone()),
        );
        return;
    }
    for glob in globs {
        let wildcard = glob.text.contains(['*', '?', '[', '{']);
        if !wildcard && !matches(glob) {
            reporter.rule_warning(
                format!(
                    "module `{}` is not a module of the selected services, so it {verdict}",
                    glob.text
                ),
                Some(glob.span.clone()),
            );
        }
    }
}

/// One use found: where, of what, as written.
struct Use {
    module: usize,
    span: Span,
    /// What is used, for the message (`std::env::var`, `println!`, `.unwrap()`).
    item: String,
    /// How the code wrote it, when it differs (`getenv`).
    written: Option<String>,
    /// The `paths` entry it matched.
    symbol: usize,
}

/// The check of one file.
struct FileCheck<'a> {
    params: &'a Params,
    resolver: &'a Resolver<'a>,
    member: usize,
    file: &'a FileFacts,
    /// Whether a path of the crate may resolve to a listed one at all (see
    /// [`Reach`]); when not, only names are matched.
    resolve: bool,
}

impl<'a> FileCheck<'a> {
    /// Every use in the file of a listed item where the rule forbids it,
    /// test code included, in source order.
    fn uses(&self) -> Vec<Use> {
        let file = self.file;
        let forbidden: Vec<bool> = file
            .modules
            .iter()
            .map(|m| self.params.scope.forbids(&display(&m.path)))
            .collect();
        if !forbidden.contains(&true) {
            return Vec::new();
        }
        let key = (self.member, file.target);
        let wants = |kind: SymbolKind| self.params.paths.iter().any(|s| s.kind == kind);
        let (paths, macros, methods) = (
            wants(SymbolKind::Path) && self.resolve,
            wants(SymbolKind::Macro),
            wants(SymbolKind::Method),
        );
        let mut uses: Vec<Use> = Vec::new();
        // Names each module's code refers to (first segments), and what
        // they resolved to: an import nothing refers to is a use of its own.
        let mut referenced: HashSet<(usize, &str)> = HashSet::new();
        let mut resolved_in: Vec<(usize, Vec<Name>)> = Vec::new();
        let module_path = |m: usize| file.modules[m].path.as_slice();
        // Only a module with a glob import that may bring in a listed item
        // needs to know what its paths resolved to (whether the glob
        // brought in anything); `use super::*` and the like do not.
        let mut globbed = vec![false; file.modules.len()];
        for u in file
            .uses
            .iter()
            .filter(|u| self.resolve && u.glob && forbidden[u.module])
        {
            let module = file.modules[u.module].path.as_slice();
            let Some(source) = self.resolver.resolve_use(key, module, u) else {
                continue;
            };
            let source = self.resolver.render(key, &source);
            let relevant = self
                .params
                .paths
                .iter()
                .any(|s| s.kind != SymbolKind::Method && s.may_be_inside(&source));
            if relevant {
                globbed[u.module] = true;
            }
        }
        let heads = self.heads();
        let wanted = |head: &str| heads.as_ref().is_none_or(|h| h.contains(&head));
        let externs = self.resolver.externs(self.member);
        // What the first name of a path means in a module, looked up once
        // per file: most paths start with a name seen many times (`sqlx`, a
        // type of the module).
        let mut firsts: HashMap<(usize, &str), Option<Resolved>> = HashMap::new();
        // Whether the path's first name alone shows it cannot be listed.
        let ruled_out = |firsts: &mut HashMap<(usize, &'a str), Option<Resolved>>,
                         module: usize,
                         first: &'a str| {
            let found = firsts
                .entry((module, first))
                .or_insert_with(|| self.resolver.first(key, module_path(module), first));
            self.resolver
                .head_of_first(key, &externs, first, found.as_ref())
                .is_some_and(|h| !wanted(&h))
        };

        // Imports that may bring in a listed item: whether their module
        // refers to the name they bind decides if the import is a use.
        let mut candidates: Vec<&UseFact> = Vec::new();
        if self.resolve && (paths || macros) {
            for u in &file.uses {
                if !forbidden[u.module] || (u.glob && !globbed[u.module]) {
                    continue;
                }
                let first = u
                    .segments
                    .first()
                    .filter(|f| !u.glob && !matches!(f.as_str(), "" | "crate" | "self" | "super"));
                if let Some(first) = first {
                    // `use reqwest;` names the crate, not itself.
                    let out = if u.binding() == Some(first.as_str()) {
                        !externs.contains_key(first.as_str()) && !wanted(first)
                    } else {
                        ruled_out(&mut firsts, u.module, first)
                    };
                    if out {
                        continue;
                    }
                }
                candidates.push(u);
            }
        }
        // Modules where a name may be bound to a listed item: those with
        // such an import, or with a glob (it may bring one in). Elsewhere a
        // path's first name is a crate, the prelude or an item of ours.
        let mut binds = vec![false; file.modules.len()];
        for u in file
            .uses
            .iter()
            .filter(|u| u.glob)
            .chain(candidates.iter().copied())
        {
            if let Some(b) = binds.get_mut(u.module) {
                *b = true;
            }
        }
        let ours_wanted = wanted("crate");
        let plainly_out = |module: usize, first: &str| {
            !ours_wanted && !binds[module] && !wanted(first) && !externs.contains_key(first)
        };
        let watched: Vec<(usize, &str)> = candidates
            .iter()
            .filter_map(|u| Some((u.module, u.binding()?)))
            .collect();
        let mut note = |module: usize, name: &'a str| {
            if watched.contains(&(module, name)) {
                referenced.insert((module, name));
            }
        };

        let macro_starts: HashSet<u32> = file.macros.iter().map(|m| m.span.start).collect();
        if paths || macros {
            for mac in &file.macros {
                if !forbidden[mac.module] || mac.path.first().is_none_or(|s| s == "macro_rules") {
                    continue;
                }
                note(mac.module, mac.path[0].as_str());
                // A qualified macro (`sqlx::query!`) whose first name says it
                // cannot be a listed path is matched by name only.
                let skip = !self.resolve
                    || mac.path.len() > 1
                        && !globbed[mac.module]
                        && (plainly_out(mac.module, &mac.path[0])
                            || ruled_out(&mut firsts, mac.module, &mac.path[0]));
                let resolved = if skip {
                    None
                } else {
                    self.resolver
                        .resolve_macro(key, module_path(mac.module), &mac.path)
                };
                let name = resolved
                    .as_ref()
                    .and_then(|r| r.segments.last())
                    .or(mac.path.last())
                    .map(Name::as_str)
                    .unwrap_or_default();
                let rendered = resolved.as_ref().map(|r| self.resolver.render(key, r));
                if let (Some(path), true) = (&rendered, globbed[mac.module]) {
                    resolved_in.push((mac.module, path.clone()));
                }
                let found = self.params.paths.iter().position(|s| match s.kind {
                    SymbolKind::Macro => s.matches_macro(name, rendered.as_deref()),
                    SymbolKind::Path => rendered.as_deref().is_some_and(|p| s.matches_path(p)),
                    SymbolKind::Method => false,
                });
                if let Some(symbol) = found {
                    let text = mac.span.text(file.text.get());
                    let end = text.find('!').unwrap_or(text.len());
                    let written = text[..end].trim().to_string();
                    let item = format!(
                        "{}!",
                        rendered
                            .as_ref()
                            .map(|p| p.join("::"))
                            .unwrap_or_else(|| written.clone())
                    );
                    uses.push(Use {
                        module: mac.module,
                        span: Span {
                            start: mac.span.start,
                            end: mac.span.start + end as u32,
                        },
                        written: (format!("{written}!") != item).then(|| format!("{written}!")),
                        item,
                        symbol,
                    });
                }
            }
        }
        if paths {
            let calls = file
                .calls
                .iter()
                .filter(|c| !c.method && c.callee.len() == 1)
                .map(|c| {
                    (
                        c.module,
                        &c.callee,
                        Span {
                            start: c.span.start,
                            end: c.span.start + c.callee[0].len() as u32,
                        },
                    )
                });
            let multi = file
                .paths
                .iter()
                .filter(|p| !macro_starts.contains(&p.span.start))
                .map(|p| (p.module, &p.segments, p.span));
            for (module, segments, span) in multi.chain(calls) {
                if !forbidden[module] {
                    continue;
                }
                let Some(first) = segments.first() else {
                    continue;
                };
                note(module, first.as_str());
                let resolved = if matches!(first.as_str(), "" | "crate" | "self" | "super") {
                    self.resolver.resolve(key, module_path(module), segments)
                } else {
                    // When the first name alone says which crate the path is
                    // in, spell it out only if a listed path may start there.
                    if !globbed[module]
                        && (plainly_out(module, first) || ruled_out(&mut firsts, module, first))
                    {
                        continue;
                    }
                    let found = firsts
                        .get(&(module, first.as_str()))
                        .cloned()
                        .unwrap_or_else(|| self.resolver.first(key, module_path(module), first));
                    self.resolver.rest(key, found, segments)
                };
                let Some(resolved) = resolved else {
                    continue;
                };
                if !wanted(&self.resolver.head(key, &resolved)) && !globbed[module] {
                    continue;
                }
                let rendered = self.resolver.render(key, &resolved);
                let found = self
                    .params
                    .paths
                    .iter()
                    .position(|s| s.kind == SymbolKind::Path && s.matches_path(&rendered));
                if let Some(symbol) = found {
                    let item = rendered.join("::");
                    let written = written_path(segments);
                    uses.push(Use {
                        module,
                        span,
                        written: (written != item).then_some(written),
                        item,
                        symbol,
                    });
                }
                if globbed[module] {
                    resolved_in.push((module, rendered));
                }
            }
        }
        if methods {
            for call in file.calls.iter().filter(|c| c.method) {
                let Some(name) = call.callee.first() else {
                    continue;
                };
                if !forbidden[call.module] {
                    continue;
                }
                let found = self
                    .params
                    .paths
                    .iter()
                    .position(|s| s.kind == SymbolKind::Method && s.glob.is_match(name));
                if let Some(symbol) = found {
                    uses.push(Use {
                        module: call.module,
                        span: Span {
                            start: call.span.start,
                            end: call.span.start + name.len() as u32,
                        },
                        item: format!(".{name}()"),
                        written: None,
                        symbol,
                    });
                }
            }
        }
        for u in candidates {
            if let Some(found) = self.unreferenced_import(key, u, &referenced, &resolved_in) {
                uses.push(found);
            }
        }
        uses.sort_by_key(|u| (u.span, u.symbol));
        uses.dedup_by_key(|u| u.span);
        uses
    }

    /// The first segments a listed path or macro path can start with
    /// (`None`: one starts with a wildcard): other paths need not be spelt
    /// out. Methods and macros listed by name are matched by name alone.
    fn heads(&self) -> Option<Vec<&str>> {
        self.params
            .paths
            .iter()
            .filter(|s| match s.kind {
                SymbolKind::Path => true,
                SymbolKind::Macro => s.glob.text.contains("::"),
                SymbolKind::Method => false,
            })
            .map(|s| s.head.as_deref())
            .collect()
    }

    /// An import of a listed item that no code of its module refers to in a
    /// way the facts record (a single name in a type, a function passed as a
    /// value, a re-export): the import itself is the use.
    fn unreferenced_import(
        &self,
        key: Key,
        import: &UseFact,
        referenced: &HashSet<(usize, &str)>,
        resolved_in: &[(usize, Vec<Name>)],
    ) -> Option<Use> {
        let module = self.file.modules[import.module].path.as_slice();
        let resolved = self.resolver.resolve_use(key, module, import)?;
        let rendered = self.resolver.render(key, &resolved);
        if import.glob {
            let brought_in = resolved_in.iter().any(|(m, path)| {
                *m == import.module && path.len() > rendered.len() && path.starts_with(&rendered)
            });
            if brought_in {
                return None;
            }
            let symbol = self
                .params
                .paths
                .iter()
                .position(|s| s.kind != SymbolKind::Method && s.may_be_inside(&rendered))?;
            return Some(Use {
                module: import.module,
                span: import.span,
                item: format!("{}::*", rendered.join("::")),
                written: None,
                symbol,
            });
        }
        if let Some(binding) = import.binding() {
            if referenced.contains(&(import.module, binding)) {
                return None;
            }
        }
        let name = rendered.last().map(Name::as_str).unwrap_or_default();
        let symbol = self.params.paths.iter().position(|s| match s.kind {
            SymbolKind::Path => s.matches_path(&rendered),
            SymbolKind::Macro => {
                s.glob.text.contains("::") && s.matches_macro(name, Some(&rendered))
            }
            SymbolKind::Method => false,
        })?;
        let item = rendered.join("::");
        let written = written_path(&import.segments);
        Some(Use {
            module: import.module,
            span: import.span,
            written: (written != item).then_some(written),
            item,
            symbol,
        })
    }
}

/// Where a finding is reported, and by whom.
struct Place<'a> {
    params: &'a Params,
    reporter: &'a Reporter<'a>,
    file: &'a FileFacts,
    service: &'a str,
    krate: &'a str,
}

impl Place<'_> {
    fn finding(&self, found: Use) -> Finding {
        let module = display(&self.file.modules[found.module].path);
        let symbol = &self.params.paths[found.symbol];
        let test_only = self.file.is_test_code_at(found.module, found.span);
        let item = &found.item;
        let written = found
            .written
            .as_ref()
            .map(|w| format!(" (written `{w}`)"))
            .unwrap_or_default();
        let (message, help) = match &self.params.scope {
            ModuleScope::Allowed(_) => (
                format!(
                    "`{item}`{written} is used in module `{module}`, but rule `{}` allows `{}` only in {}{}",
                    self.reporter.rule_id(),
                    symbol.text,
                    self.params.scope.listed(),
                    super::test_only(test_only)
                ),
                format!(
                    "`{}` may be used in: {}; move this code there, or pass in what it needs from there",
                    symbol.text,
                    self.params.scope.listed()
                ),
            ),
            ModuleScope::Forbidden(_) => (
                format!(
                    "`{item}`{written} is used in module `{module}`, where rule `{}` forbids `{}`{}",
                    self.reporter.rule_id(),
                    symbol.text,
                    super::test_only(test_only)
                ),
                format!(
                    "`{}` may be used in every module but {}; move this code out of them, or pass in what it needs",
                    symbol.text,
                    self.params.scope.listed()
                ),
            ),
        };
        self.reporter.finding(Violation {
            message,
            label: format!("`{item}` used here"),
            help,
            location: Some(location(self.file, found.span)),
            related: Vec::new(),
            service: Some(self.service.to_string()),
            krate: Some(self.krate.to_string()),
            identity: vec![
                self.krate.to_string(),
                module,
                item.clone(),
                symbol.text.clone(),
            ],
        })
    }
}

/// A target of a member: `(member, target)`.
type Key = (usize, usize);

/// What a path stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Resolved {
    /// `Some`: an item of that workspace target, `segments` from its root;
    /// `None`: another crate's item, `segments` starting with its name.
    krate: Option<Key>,
    segments: Vec<Name>,
}

/// The names each module of one target holds. Names borrow the facts:
/// scopes of every crate of a large workspace would otherwise copy them.
#[derive(Default)]
struct TargetScopes<'a> {
    modules: HashMap<&'a [Name], ModScope<'a>>,
}

#[derive(Default)]
struct ModScope<'a> {
    /// Module-level `use`s by the name they bind: (file, index into its uses).
    named: HashMap<&'a str, (usize, usize)>,
    /// `use`s inside function bodies: they bind names for the code there.
    local: HashMap<&'a str, (usize, usize)>,
    /// Module-level glob imports.
    globs: Vec<(usize, usize)>,
    /// Items and child modules defined here.
    items: HashSet<&'a str>,
}

/// Steps one resolution may take: re-exports can form cycles (globs may).
const BUDGET: usize = 64;

/// Resolves paths as written in a module to what they name, through
/// `use` (renames, groups, globs, `self`/`super`/`crate`) and through the
/// re-exports of other workspace crates.
struct Resolver<'a> {
    workspace: &'a Workspace,
    facts: &'a Facts,
    scopes: RefCell<HashMap<Key, Rc<TargetScopes<'a>>>>,
    /// Per member: crate names its code may write → the workspace target.
    externs: RefCell<HashMap<usize, Rc<HashMap<String, Key>>>>,
    /// Per member: every crate name its code may write (dependencies,
    /// `std`, `core`, `alloc`), which no glob of another crate brings in.
    crate_names: RefCell<HashMap<usize, Rc<HashSet<String>>>>,
    steps: Cell<usize>,
}

impl<'a> Resolver<'a> {
    fn new(workspace: &'a Workspace, facts: &'a Facts) -> Resolver<'a> {
        Resolver {
            workspace,
            facts,
            scopes: RefCell::new(HashMap::new()),
            externs: RefCell::new(HashMap::new()),
            crate_names: RefCell::new(HashMap::new()),
            steps: Cell::new(0),
        }
    }

    /// The path as a reader says it: this target's items from `crate`,
    /// another workspace crate's by its name.
    fn render(&self, here: Key, resolved: &Resolved) -> Vec<Name> {
        let head = match resolved.krate {
            None => None,
            Some(key) if key == here => Some(Name::new("crate")),
            Some((member, _)) => Some(Name::new(&lib_name(self.workspace, member))),
        };
        head.into_iter()
            .chain(resolved.segments.iter().cloned())
            .collect()
    }

    fn scopes(&self, key: Key) -> Rc<TargetScopes<'a>> {
        if let Some(found) = self.scopes.borrow().get(&key) {
            return found.clone();
        }
        let built = Rc::new(self.build(key));
        self.scopes.borrow_mut().insert(key, built.clone());
        built
    }

    fn build(&self, (member, target): Key) -> TargetScopes<'a> {
        let mut scopes = TargetScopes::default();
        let Some(crate_facts) = self.facts.crates.get(member) else {
            return scopes;
        };
        for (f, file) in crate_facts.files.iter().enumerate() {
            if file.target != target {
                continue;
            }
            for module in &file.modules {
                let scope = scopes.modules.entry(&module.path).or_default();
                scope
                    .items
                    .extend(module.items.iter().map(|item| -> &'a str { item.as_str() }));
                if let Some((name, parent)) = module.path.split_last() {
                    scopes.modules.entry(parent).or_default().items.insert(name);
                }
            }
            for (u, import) in file.uses.iter().enumerate() {
                let Some(module) = file.modules.get(import.module) else {
                    continue;
                };
                let scope = scopes.modules.entry(&module.path).or_default();
                if import.glob {
                    if !import.local {
                        scope.globs.push((f, u));
                    }
                } else if let Some(binding) = import.binding() {
                    let map = if import.local {
                        &mut scope.local
                    } else {
                        &mut scope.named
                    };
                    map.entry(binding).or_insert((f, u));
                }
            }
        }
        scopes
    }

    /// Crate names the code of `member` may write that are workspace targets.
    fn externs(&self, member: usize) -> Rc<HashMap<String, Key>> {
        if let Some(found) = self.externs.borrow().get(&member) {
            return found.clone();
        }
        let mut map = HashMap::new();
        let members = &self.workspace.members;
        if let Some(lib) = lib_target(self.workspace, member) {
            map.insert(lib_name(self.workspace, member), (member, lib));
        }
        for dep in members
            .get(member)
            .map(|m| m.dependencies.as_slice())
            .unwrap_or_default()
        {
            let Some(other) = dep.member else { continue };
            let Some(lib) = lib_target(self.workspace, other) else {
                continue;
            };
            let name = if dep.key == dep.package {
                lib_name(self.workspace, other)
            } else {
                dep.key.replace('-', "_")
            };
            map.entry(name).or_insert((other, lib));
        }
        let map = Rc::new(map);
        self.externs.borrow_mut().insert(member, map.clone());
        map
    }

    fn crate_names(&self, member: usize) -> Rc<HashSet<String>> {
        if let Some(found) = self.crate_names.borrow().get(&member) {
            return found.clone();
        }
        let deps = self
            .workspace
            .members
            .get(member)
            .map(|m| m.dependencies.as_slice());
        let names: HashSet<String> = deps
            .unwrap_or_default()
            .iter()
            .map(|d| d.key.replace('-', "_"))
            .chain(["std", "core", "alloc"].map(String::from))
            .chain(self.externs(member).keys().cloned())
            .collect();
        let names = Rc::new(names);
        self.crate_names.borrow_mut().insert(member, names.clone());
        names
    }

    fn use_fact(&self, (member, _): Key, (file, index): (usize, usize)) -> Option<&'a UseFact> {
        self.facts
            .crates
            .get(member)?
            .files
            .get(file)?
            .uses
            .get(index)
    }

    /// What `segments`, written in `module` of `key`, name.
    fn resolve(&self, key: Key, module: &[Name], segments: &[Name]) -> Option<Resolved> {
        self.steps.set(0);
        self.path(key, module, segments, true)
    }

    /// What the first name of a path means in `module` (`None`: nothing
    /// there binds it: a crate, a prelude name or a local variable).
    fn first(&self, key: Key, module: &[Name], name: &str) -> Option<Resolved> {
        self.steps.set(0);
        self.lookup(key, module, name, true)
    }

    /// What `segments` name, given what their first name means (`first`).
    fn rest(&self, key: Key, first: Option<Resolved>, segments: &[Name]) -> Option<Resolved> {
        self.steps.set(0);
        self.continue_from(key, first, segments)
    }

    fn continue_from(
        &self,
        key: Key,
        first: Option<Resolved>,
        segments: &[Name],
    ) -> Option<Resolved> {
        let (name, rest) = segments.split_first()?;
        match first {
            Some(found) => self.extend(found, rest),
            None if segments.len() > 1 || self.externs(key.0).contains_key(name.as_str()) => {
                self.absolute(key, segments)
            }
            None => None,
        }
    }

    /// The first segment of the path `render` gives, without building it.
    fn head<'r>(&self, here: Key, resolved: &'r Resolved) -> std::borrow::Cow<'r, str> {
        match resolved.krate {
            None => resolved
                .segments
                .first()
                .map(Name::as_str)
                .unwrap_or_default()
                .into(),
            Some(key) if key == here => "crate".into(),
            Some((member, _)) => lib_name(self.workspace, member).into(),
        }
    }

    /// The first segment of what a path names, known from what its first
    /// name means (`found`) when no module of this workspace lies in
    /// between (a module's re-exports could lead anywhere): `None` when
    /// only resolving the whole path can tell.
    fn head_of_first<'r>(
        &self,
        here: Key,
        externs: &HashMap<String, Key>,
        first: &'r str,
        found: Option<&'r Resolved>,
    ) -> Option<std::borrow::Cow<'r, str>> {
        match found {
            None if externs.contains_key(first) => None,
            None => Some(first.into()),
            Some(found) => {
                let module = found.krate.is_some_and(|k| {
                    self.scopes(k)
                        .modules
                        .contains_key(found.segments.as_slice())
                });
                (!module).then(|| self.head(here, found))
            }
        }
    }

    /// Drops the scopes of `member`'s targets once no other crate can name
    /// them (a crate with no library).
    fn forget(&self, member: usize) {
        if lib_target(self.workspace, member).is_none() {
            self.scopes.borrow_mut().retain(|(m, _), _| *m != member);
        }
    }

    /// What a macro invocation names: a single name only through an
    /// import by name (`use tracing::info;`), never through a glob, since
    /// `println!` and the other standard macros would otherwise seem to
    /// come from any glob-imported crate.
    fn resolve_macro(&self, key: Key, module: &[Name], path: &[Name]) -> Option<Resolved> {
        if let [name] = path {
            let scopes = self.scopes(key);
            let scope = scopes.modules.get(module)?;
            if !scope.local.contains_key(name.as_str()) && !scope.named.contains_key(name.as_str())
            {
                return None;
            }
        }
        self.resolve(key, module, path)
    }

    /// What an import names.
    fn resolve_use(&self, key: Key, module: &[Name], import: &UseFact) -> Option<Resolved> {
        self.steps.set(0);
        self.import(key, module, import)
    }

    fn tick(&self) -> bool {
        let steps = self.steps.get() + 1;
        self.steps.set(steps);
        steps <= BUDGET
    }

    fn import(&self, key: Key, module: &[Name], import: &UseFact) -> Option<Resolved> {
        let first = import.segments.first()?;
        let keyword = matches!(first.as_str(), "" | "crate" | "self" | "super");
        // `use reqwest;` or `use serde_json::{self}` name the crate itself,
        // not the binding they create.
        if !keyword && import.binding() == Some(first.as_str()) {
            return self.absolute(key, &import.segments);
        }
        let found = self.path(key, module, &import.segments, import.local);
        if found.is_none() && !keyword && import.segments.len() == 1 {
            // `use reqwest::*;`: a crate, unless the module has the name.
            return self.absolute(key, &import.segments);
        }
        found
    }

    /// `inside`: the path is written in `module` (a function body's `use`
    /// counts), not reached through it from elsewhere.
    fn path(&self, key: Key, module: &[Name], segments: &[Name], inside: bool) -> Option<Resolved> {
        if !self.tick() {
            return None;
        }
        let (first, rest) = segments.split_first()?;
        match first.as_str() {
            "" => self.absolute(key, rest),
            "crate" => self.within(key, Vec::new(), rest),
            "self" => self.within(key, module.to_vec(), rest),
            "super" => {
                let mut base = module.to_vec();
                let mut rest = segments;
                while rest.first().map(Name::as_str) == Some("super") {
                    base.pop()?;
                    rest = &rest[1..];
                }
                self.within(key, base, rest)
            }
            "Self" => None,
            name => {
                let found = self.lookup(key, module, name, inside);
                self.continue_from(key, found, segments)
            }
        }
    }

    /// A path from a crate's name: a workspace crate is followed inside,
    /// any other is another crate's item.
    fn absolute(&self, key: Key, segments: &[Name]) -> Option<Resolved> {
        let (first, rest) = segments.split_first()?;
        if let Some(&other) = self.externs(key.0).get(first.as_str()) {
            return self.within(other, Vec::new(), rest);
        }
        Some(Resolved {
            krate: None,
            segments: segments.to_vec(),
        })
    }

    /// `rest` inside module `module` of `key`.
    fn within(&self, key: Key, module: Vec<Name>, rest: &[Name]) -> Option<Resolved> {
        let Some((name, tail)) = rest.split_first() else {
            return Some(Resolved {
                krate: Some(key),
                segments: module,
            });
        };
        match self.lookup(key, &module, name, false) {
            Some(found) => self.extend(found, tail),
            // Not known (an item a macro expands to): as written.
            None => Some(Resolved {
                krate: Some(key),
                segments: module.into_iter().chain(rest.iter().cloned()).collect(),
            }),
        }
    }

    /// `found` followed by `rest`: into a module of this workspace, the
    /// lookup goes on there (it may re-export).
    fn extend(&self, found: Resolved, rest: &[Name]) -> Option<Resolved> {
        if rest.is_empty() {
            return Some(found);
        }
        match found.krate {
            Some(key)
                if self
                    .scopes(key)
                    .modules
                    .contains_key(found.segments.as_slice()) =>
            {
                self.within(key, found.segments, rest)
            }
            _ => {
                let mut found = found;
                found.segments.extend(rest.iter().cloned());
                Some(found)
            }
        }
    }

    /// `name` in the scope of `module`, as rustc orders it: an import by
    /// name, an item or child module, then globs.
    fn lookup(&self, key: Key, module: &[Name], name: &str, inside: bool) -> Option<Resolved> {
        if !self.tick() {
            return None;
        }
        let scopes = self.scopes(key);
        let scope = scopes.modules.get(module)?;
        let named = inside
            .then(|| scope.local.get(name))
            .flatten()
            .or_else(|| scope.named.get(name));
        if let Some(&at) = named {
            let import = self.use_fact(key, at)?;
            return self.import(key, module, import);
        }
        if scope.items.contains(name) {
            let mut segments = module.to_vec();
            segments.push(Name::new(name));
            return Some(Resolved {
                krate: Some(key),
                segments,
            });
        }
        let mut outside = None;
        for &at in &scope.globs {
            let Some(import) = self.use_fact(key, at) else {
                continue;
            };
            let Some(source) = self.import(key, module, import) else {
                continue;
            };
            match source.krate {
                Some(other)
                    if self
                        .scopes(other)
                        .modules
                        .contains_key(source.segments.as_slice()) =>
                {
                    if let Some(found) = self.lookup(other, &source.segments, name, false) {
                        return Some(found);
                    }
                }
                _ => {
                    let foreign = outside.is_none()
                        && !PRELUDE.contains(&name)
                        && !self.crate_names(key.0).contains(name)
                        && source.segments.first().is_none_or(|s| s != name);
                    if foreign {
                        let mut segments = source.segments;
                        segments.push(Name::new(name));
                        outside = Some(Resolved {
                            krate: source.krate,
                            segments,
                        });
                    }
                }
            }
        }
        outside
    }
}

/// A path as written, without the leading `::` (it names the same item).
fn written_path(segments: &[Name]) -> String {
    let from = usize::from(segments.first().is_some_and(|s| s.is_empty()));
    segments[from..].join("::")
}

/// Index of the lib target of `member`, if it has one.
fn lib_target(workspace: &Workspace, member: usize) -> Option<usize> {
    workspace.members.get(member)?.targets.iter().position(|t| {
        matches!(
            t.kind.as_str(),
            "lib" | "rlib" | "dylib" | "cdylib" | "staticlib" | "proc-macro"
        )
    })
}

/// The name code writes for `member`'s library.
fn lib_name(workspace: &Workspace, member: usize) -> String {
    let Some(member) = workspace.members.get(member) else {
        return String::new();
    };
    member
        .targets
        .iter()
        .find(|t| t.kind == "lib")
        .map_or(&member.name, |t| &t.name)
        .replace('-', "_")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::{test_file, CrateFacts};
    use crate::workspace::{test_workspace, DepKind, Dependency, Target};

    fn params(keys: &str) -> Result<Params, String> {
        let text = format!("[[rule]]\nid = \"config-at-startup\"\ncheck = \"symbols\"\n{keys}\n");
        let file = crate::error::SourceFile::new("archfit.toml", text);
        let mut config = crate::checks::parse_config(&file).map_err(|e| {
            e.iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("; ")
        })?;
        match config.rules.remove(0).params {
            crate::checks::Params::Symbols(p) => Ok(p),
            other => Err(format!("{other:?}")),
        }
    }

    /// The uses the rule `keys` finds in `lib`, the root of crate `orders`
    /// that depends on `platform-http` (root `shared`): (module, item,
    /// text at the finding's span), test code included.
    fn found(keys: &str, lib: &str, shared: &str) -> Vec<(String, String, String)> {
        let mut workspace = test_workspace(&[
            ("orders", "services/orders"),
            ("platform-http", "libs/platform-http"),
        ]);
        for member in &mut workspace.members {
            member.targets.push(Target {
                name: member.name.clone(),
                kind: "lib".into(),
                src_path: format!("{}/src/lib.rs", member.dir),
            });
        }
        for (name, member) in [
            ("platform-http", Some(1)),
            ("reqwest", None),
            ("tracing", None),
        ] {
            workspace.members[0].dependencies.push(Dependency {
                package: name.into(),
                key: name.into(),
                kind: DepKind::Normal,
                target: None,
                member,
                span: None,
            });
        }
        let crate_of = |path: &str, text: &str| CrateFacts {
            files: vec![test_file(path, text)],
            query_files: Vec::new(),
        };
        let facts = Facts {
            crates: vec![
                crate_of("services/orders/src/lib.rs", lib),
                crate_of("libs/platform-http/src/lib.rs", shared),
            ],
            ..Facts::default()
        };
        let params = params(keys).expect("a valid rule");
        let resolver = Resolver::new(&workspace, &facts);
        let file = &facts.crates[0].files[0];
        let check = FileCheck {
            params: &params,
            resolver: &resolver,
            member: 0,
            file,
            resolve: Reach::new(&params, &resolver, &facts).may_name_listed(0),
        };
        check
            .uses()
            .into_iter()
            .map(|u| {
                (
                    display(&file.modules[u.module].path),
                    u.item,
                    u.span.text(file.text.get()).to_string(),
                )
            })
            .collect()
    }

    const ENV: &str = r#"paths = ["std::env::var"]
allowed_in = ["crate", "config", "config::*"]"#;

    fn one(module: &str, item: &str, text: &str) -> (String, String, String) {
        (module.into(), item.into(), text.into())
    }

    #[test]
    fn a_fully_qualified_call_is_a_use_where_it_is_not_allowed() {
        let lib = "pub mod config { pub fn port() -> String { std::env::var(\"PORT\").unwrap() } }
pub mod handlers { pub fn timeout() -> String { ::std::env::var(\"TIMEOUT\").unwrap_or_default() } }";
        assert_eq!(
            found(ENV, lib, ""),
            vec![one("handlers", "std::env::var", "std::env::var")]
        );
    }

    #[test]
    fn a_module_import_then_a_short_path_is_resolved() {
        let lib = "pub mod handlers { use std::env; pub fn region() -> Option<String> { env::var(\"REGION\").ok() } }";
        assert_eq!(
            found(ENV, lib, ""),
            vec![one("handlers", "std::env::var", "env::var")]
        );
    }

    #[test]
    fn a_renamed_import_is_followed_and_the_import_itself_is_not_reported_again() {
        let lib = "pub mod handlers {
    use std::env::{self as environment, var as getenv};
    pub fn region() -> String { getenv(\"REGION\").unwrap_or_default() }
    pub fn zone() -> String { environment::var(\"ZONE\").unwrap_or_default() }
}";
        assert_eq!(
            found(ENV, lib, ""),
            vec![
                one("handlers", "std::env::var", "getenv"),
                one("handlers", "std::env::var", "environment::var"),
            ]
        );
    }

    #[test]
    fn a_glob_import_is_followed_but_an_item_of_the_module_wins() {
        let lib = "pub mod handlers { use std::env::*; pub fn region() -> String { var(\"REGION\").unwrap_or_default() } }
pub mod settings { use std::env::*; fn var(name: &str) -> Option<String> { None } pub fn zone() { var(\"ZONE\"); args(); } }";
        assert_eq!(
            found(ENV, lib, ""),
            vec![one("handlers", "std::env::var", "var")]
        );
    }

    #[test]
    fn a_glob_import_nothing_is_seen_using_is_the_use() {
        let lib = "pub mod handlers { use std::env::*; pub fn reader() -> fn(&str) -> Result<String, VarError> { var } }";
        assert_eq!(
            found(ENV, lib, ""),
            vec![one("handlers", "std::env::*", "std::env::*")]
        );
    }

    #[test]
    fn an_import_used_only_as_a_value_is_the_use() {
        let lib = "pub mod handlers { use std::env::var; pub fn names(keys: &[&str]) -> Vec<String> { keys.iter().filter_map(|k| var(k).ok()).collect() }
    pub fn reader() -> impl Fn(&str) -> Result<String, std::env::VarError> { var } }";
        // `var(k)` is a call (found); the import is used, so not reported.
        assert_eq!(
            found(ENV, lib, ""),
            vec![one("handlers", "std::env::var", "var")]
        );
        let only_value = "pub mod handlers { use std::env::var as read; pub fn reader() -> impl Fn(&str) -> Result<String, std::env::VarError> { read } }";
        assert_eq!(
            found(ENV, only_value, ""),
            vec![one("handlers", "std::env::var", "std::env::var as read")]
        );
    }

    #[test]
    fn an_item_of_our_own_with_the_same_name_is_not_the_listed_one() {
        let lib = "pub mod env { pub fn var(key: &str) -> Option<&'static str> { None } }
pub mod handlers { use crate::env; pub fn region() { env::var(\"REGION\"); super::env::var(\"ZONE\"); crate::env::var(\"X\"); } }";
        assert!(found(ENV, lib, "").is_empty());
    }

    #[test]
    fn self_super_and_crate_prefixes_reach_a_re_export_of_the_listed_item() {
        let lib = "pub mod config { pub use std::env::var as setting; }
pub mod handlers { pub fn a() { crate::config::setting(\"A\"); super::config::setting(\"B\"); }
    pub mod nested { use super::super::config::setting; pub fn c() { setting(\"C\"); } } }";
        assert_eq!(
            found(ENV, lib, ""),
            vec![
                one("handlers", "std::env::var", "crate::config::setting"),
                one("handlers", "std::env::var", "super::config::setting"),
                one("handlers::nested", "std::env::var", "setting"),
            ]
        );
    }

    #[test]
    fn a_re_export_from_a_shared_crate_counts_as_the_item() {
        let keys = "paths = [\"reqwest::*\"]\nallowed_in = [\"adapters\", \"adapters::*\"]";
        let shared = "pub use reqwest::Client as HttpClient;\npub mod prelude { pub use reqwest::header::*; }";
        let lib = "pub mod adapters { pub fn client() -> platform_http::HttpClient { platform_http::HttpClient::new() } }
pub mod domain { use platform_http::HttpClient; pub struct Pricing { http: HttpClient }
    pub fn build() -> Pricing { Pricing { http: HttpClient::new() } } }";
        assert_eq!(
            found(keys, lib, shared),
            vec![one("domain", "reqwest::Client::new", "HttpClient::new")]
        );
    }

    #[test]
    fn macros_match_by_name_or_by_resolved_path() {
        let keys = "paths = [\"println!\", \"tracing::info!\"]\nforbidden_in = [\"handlers\"]";
        let lib = "pub mod handlers { use tracing::info as note;
    pub fn get() { println!(\"hit\"); std::println!(\"hit\"); note!(\"served\"); tracing::info!(\"served\"); tracing::warn!(\"slow\"); } }
pub fn main() { println!(\"up\"); }";
        assert_eq!(
            found(keys, lib, ""),
            vec![
                one("handlers", "println!", "println"),
                one("handlers", "std::println!", "std::println"),
                one("handlers", "tracing::info!", "note"),
                one("handlers", "tracing::info!", "tracing::info"),
            ]
        );
    }

    #[test]
    fn a_path_entry_covers_macros_imported_by_name_but_not_standard_ones_behind_a_glob() {
        let keys = "paths = [\"tracing::*\", \"reqwest::*\"]\nforbidden_in = [\"domain\"]";
        let lib = "pub mod domain { use tracing::info; use reqwest::*;
    pub fn f() { info!(\"priced\"); println!(\"priced\"); let _ = vec![1]; let _ = Url::parse(\"x\"); } }";
        assert_eq!(
            found(keys, lib, ""),
            vec![
                one("domain", "tracing::info!", "info"),
                one("domain", "reqwest::Url::parse", "Url::parse"),
            ]
        );
    }

    #[test]
    fn methods_match_by_name_only() {
        let keys = "paths = [\".unwrap\"]\nforbidden_in = [\"handlers\", \"handlers::*\"]";
        let lib = "pub mod handlers { pub fn get(id: Option<u32>) -> u32 { id.unwrap() + id.unwrap_or(0) } }
pub mod store { pub fn load(id: Option<u32>) -> u32 { id.unwrap() } }";
        assert_eq!(
            found(keys, lib, ""),
            vec![one("handlers", ".unwrap()", "unwrap")]
        );
    }

    #[test]
    fn a_path_entry_covers_what_is_inside_the_item() {
        let keys = "paths = [\"reqwest::Client\"]\nforbidden_in = [\"domain\"]";
        let lib = "pub mod domain { pub fn f() { let _ = reqwest::Client::builder(); let _ = reqwest::ClientBuilder::new(); } }";
        assert_eq!(
            found(keys, lib, ""),
            vec![one(
                "domain",
                "reqwest::Client::builder",
                "reqwest::Client::builder"
            )]
        );
    }

    #[test]
    fn prelude_names_do_not_come_from_a_foreign_glob() {
        let keys = "paths = [\"reqwest::*\"]\nforbidden_in = [\"domain\"]";
        let lib = "pub mod domain { use reqwest::*; pub fn f() -> Result<(), ()> { let c = Client::new(); drop(c); Ok(()) } }";
        assert_eq!(
            found(keys, lib, ""),
            vec![one("domain", "reqwest::Client::new", "Client::new")]
        );
    }

    #[test]
    fn test_code_is_found_here_and_left_to_the_context() {
        // `uses` keeps test code; `Context::skips` drops it for the rule.
        let lib = "pub mod handlers { #[cfg(test)] mod tests { #[test] fn t() { std::env::var(\"X\").ok(); } } }";
        let uses = found(ENV, lib, "");
        assert_eq!(
            uses,
            vec![one("handlers::tests", "std::env::var", "std::env::var")]
        );
        let file = test_file("src/lib.rs", lib);
        let tests = file
            .modules
            .iter()
            .position(|m| m.path == ["handlers", "tests"]);
        assert!(tests.is_some_and(|m| file.is_test_code(m)));
    }

    #[test]
    fn a_rule_takes_exactly_one_of_allowed_in_and_forbidden_in() {
        let both = params(
            "paths = [\"std::env::var\"]\nallowed_in = [\"crate\"]\nforbidden_in = [\"handlers\"]",
        );
        assert!(both.is_err_and(|e| e.contains("not both")));
        let neither = params("paths = [\"std::env::var\"]");
        assert!(neither.is_err_and(|e| e.contains("needs `allowed_in`")));
        let empty = params("paths = []\nallowed_in = [\"crate\"]");
        assert!(empty.is_err_and(|e| e.contains("`paths` is empty")));
        let nothing = params("paths = [\".\"]\nallowed_in = [\"crate\"]");
        assert!(nothing.is_err_and(|e| e.contains("names nothing")));
    }
}
