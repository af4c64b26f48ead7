//! The module graph of each crate target: which module uses which, resolved
//! from `use` trees and qualified paths. An edge points at the module that
//! defines the item, following re-exports (`pub use a::Item as Other`,
//! `pub use crate::internal::api::*`, chains of them) the way rustc resolves
//! names: an item defined in the module first, then a named import, then
//! globs. An item re-exported from another crate makes no edge, so a `proto`
//! module that does `pub use prost_types::*` is not a dependency of the code
//! that names `crate::proto::Timestamp`.
//!
//! Edges are lifted to siblings: when `billing::invoice` uses
//! `pricing::rate`, the architectural dependency is `billing → pricing` (the
//! children of their closest common ancestor), with the concrete use kept as
//! evidence. A path from a module into its own descendants is containment,
//! not a dependency, so a `#[cfg(test)] mod tests { use super::*; }` can never
//! close a cycle with its parent; and uses inside test-only modules make no
//! edge at all (a test of `config` may build a `checks` rule).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use crate::facts::{CrateFacts, FileFacts, Name, Span};
use crate::workspace::Member;

/// A module path from the crate root (`[]` is the root).
pub type ModPath = Vec<Name>;

/// Where an edge comes from in the source.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Evidence {
    /// Index into the crate's `files`.
    pub file: usize,
    pub span: Span,
}

/// A dependency between two modules of one crate target.
#[derive(Debug, Clone)]
pub struct ModuleEdge {
    /// Concrete modules: where the use is and the module defining the item.
    pub user: ModPath,
    pub used: ModPath,
    /// The same edge lifted to siblings (see the module documentation).
    pub from: ModPath,
    pub to: ModPath,
    pub evidence: Evidence,
    /// The use is in test code; only rules with `include_tests` see it.
    pub test_only: bool,
}

/// A use of another crate from a module (`sqlx::query`, `use axum::Router`).
#[derive(Debug, Clone)]
pub struct ExternalUse {
    pub module: ModPath,
    /// Crate name as written in code (`-` already `_`).
    pub krate: String,
    pub evidence: Evidence,
    /// The use is in test code; only rules with `include_tests` see it.
    pub test_only: bool,
}

/// Modules and their dependencies for one target of one member.
#[derive(Debug, Clone, Default)]
pub struct ModuleGraph {
    pub member: usize,
    pub target: usize,
    pub modules: BTreeSet<ModPath>,
    pub edges: Vec<ModuleEdge>,
    pub external: Vec<ExternalUse>,
}

/// What a path resolves to.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Resolved {
    /// Absolute path inside the crate (without `crate`).
    Local(Vec<Name>),
    /// A path into another crate, by its code name.
    External(String),
}

/// Names always in scope as crates.
const BUILTIN_CRATES: &[&str] = &["std", "core", "alloc", "proc_macro", "test"];

/// Builds one graph per target that has files.
pub fn build(member_index: usize, member: &Member, facts: &CrateFacts) -> Vec<ModuleGraph> {
    let externals: BTreeSet<String> = member
        .dependencies
        .iter()
        .map(|d| d.key.replace('-', "_"))
        .chain(BUILTIN_CRATES.iter().map(|s| s.to_string()))
        .collect();
    let mut targets: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (index, file) in facts.files.iter().enumerate() {
        targets.entry(file.target).or_default().push(index);
    }
    targets
        .into_iter()
        .map(|(target, files)| build_target(member_index, target, &facts.files, &files, &externals))
        .collect()
}

/// Per-module scope: the names `use` brings in.
#[derive(Default)]
struct Scope {
    /// binding → segments as written, of every `use` in the module, those
    /// in function bodies included: what a path written there starts from.
    bindings: HashMap<Name, Vec<Name>>,
    /// binding → segments, of the module-level `use`s only: the names the
    /// module itself holds, which other modules can reach through it.
    imports: HashMap<Name, Vec<Name>>,
    /// Module-level `use x::*` sources (segments as written). Private ones
    /// count too: a child reaches them with `super::Item`.
    globs: Vec<Vec<Name>>,
    /// Items defined in the module.
    items: HashSet<Name>,
}

/// Where the item a path names is defined.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Definition {
    /// The absolute path of the definition inside the crate; when the item
    /// cannot be found (a macro expanded to it), the path as written.
    Local(Vec<Name>),
    /// Another crate, re-exported.
    Outside,
}

/// What looking a name up in one module's scope gives.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Found {
    /// The path the name stands for: the item itself when it is defined
    /// there, else the import's target, to be followed further.
    At(Vec<Name>),
    /// Imported by name from another crate.
    Outside,
    /// Not found; `external_glob` when a glob from another crate may hold it.
    Unknown { external_glob: bool },
    /// Not found, but a glob of this crate leads to the module in this
    /// path, which probably defines it through a macro (`newtype!`).
    Behind(Vec<Name>),
}

/// Bounds one lookup: re-exports may form cycles (legal for globs).
#[derive(Default)]
struct Guard {
    visited: HashSet<(ModPath, Name)>,
}

/// Lookups per path, beyond which a chain of re-exports is not followed.
const MAX_LOOKUPS: usize = 64;

struct Resolver<'a> {
    modules: &'a BTreeSet<ModPath>,
    scopes: &'a HashMap<ModPath, Scope>,
    externals: &'a BTreeSet<String>,
    /// Crate names that are not dependencies of this member but are used
    /// with a leading `::` or as `extern crate`.
    own_name: &'a str,
    /// How many glob lookups for a path's first name are under way: a glob
    /// whose own path needs a glob lookup could otherwise recurse forever.
    first_name_lookups: std::cell::Cell<usize>,
}

impl Resolver<'_> {
    /// Resolves `segments` written in module `module`.
    fn resolve(&self, module: &[Name], segments: &[Name], depth: usize) -> Option<Resolved> {
        if depth > 8 || segments.is_empty() {
            return None;
        }
        let first = segments[0].as_str();
        let rest = &segments[1..];
        match first {
            "crate" => Some(Resolved::Local(rest.to_vec())),
            "self" => Some(Resolved::Local(
                module.iter().cloned().chain(rest.iter().cloned()).collect(),
            )),
            "super" => {
                let mut base = module.to_vec();
                let mut rest = segments;
                while rest.first().map(Name::as_str) == Some("super") {
                    base.pop()?;
                    rest = &rest[1..];
                }
                Some(Resolved::Local(
                    base.into_iter().chain(rest.iter().cloned()).collect(),
                ))
            }
            "" => rest
                .first()
                .map(|name| Resolved::External(name.to_string())),
            "Self" => None,
            _ => {
                let name = first;
                let mut child = module.to_vec();
                child.push(segments[0]);
                if self.modules.contains(&child) {
                    return Some(Resolved::Local(
                        child.into_iter().chain(rest.iter().cloned()).collect(),
                    ));
                }
                if let Some(target) = self.scopes.get(module).and_then(|s| s.bindings.get(name)) {
                    let resolved = self.resolve(module, target, depth + 1)?;
                    return Some(match resolved {
                        Resolved::Local(mut path) => {
                            path.extend(rest.iter().cloned());
                            Resolved::Local(path)
                        }
                        external => external,
                    });
                }
                // A name brought in by a glob (`use super::*;` in a child,
                // then `service::call()`), before the extern prelude, as in
                // rustc.
                if let Some(mut path) = self.through_globs(module, name) {
                    path.extend(rest.iter().cloned());
                    return Some(Resolved::Local(path));
                }
                if name == self.own_name {
                    return Some(Resolved::Local(rest.to_vec()));
                }
                self.externals
                    .contains(name)
                    .then(|| Resolved::External(name.to_string()))
            }
        }
    }

    /// Where `name`, the first segment of a path written in `module`, comes
    /// from when only a glob import of this crate can bring it.
    fn through_globs(&self, module: &[Name], name: &str) -> Option<Vec<Name>> {
        let scope = self.scopes.get(module)?;
        if scope.globs.is_empty() || self.first_name_lookups.get() >= 4 {
            return None;
        }
        self.first_name_lookups
            .set(self.first_name_lookups.get() + 1);
        let found = self.lookup(module, name, &mut Guard::default());
        self.first_name_lookups
            .set(self.first_name_lookups.get() - 1);
        match found {
            Found::At(path) => Some(path),
            _ => None,
        }
    }

    /// The module defining the item at absolute `path` (`None`: another
    /// crate defines it).
    fn defining_module(&self, path: &[Name]) -> Option<ModPath> {
        match self.definition(path, &mut Guard::default()) {
            Definition::Local(path) => Some(self.module_prefix(&path).to_vec()),
            Definition::Outside => None,
        }
    }

    /// The longest prefix of `path` that is a module.
    fn module_prefix<'p>(&self, path: &'p [Name]) -> &'p [Name] {
        let mut len = path.len();
        while len > 0 && !self.modules.contains(&path[..len]) {
            len -= 1;
        }
        &path[..len]
    }

    /// Follows the re-exports on the way to the item at absolute `path`.
    fn definition(&self, path: &[Name], guard: &mut Guard) -> Definition {
        let module = self.module_prefix(path);
        let Some(item) = path.get(module.len()) else {
            return Definition::Local(path.to_vec());
        };
        let scope = self.scopes.get(module);
        // Most paths name an item where it is defined: no lookup.
        if scope.is_some_and(|s| s.items.contains(item)) {
            return Definition::Local(path.to_vec());
        }
        let rest = &path[module.len() + 1..];
        match self.lookup(module, item, guard) {
            Found::At(target) if target[..] == path[..=module.len()] => {
                Definition::Local(path.to_vec())
            }
            Found::At(mut target) => {
                target.extend(rest.iter().cloned());
                self.definition(&target, guard)
            }
            Found::Outside => Definition::Outside,
            Found::Behind(mut target) => {
                target.extend(rest.iter().cloned());
                Definition::Local(target)
            }
            // Not defined here, not imported by name, not in a glob of this
            // crate, but a glob of another crate is there: that crate is the
            // likelier home (an item a local macro expands to is the other
            // possibility, and the rarer one beside a foreign glob).
            Found::Unknown {
                external_glob: true,
            } => Definition::Outside,
            // Probably expanded from a macro here (`include_proto!`): the
            // module as written.
            Found::Unknown {
                external_glob: false,
            } => Definition::Local(path.to_vec()),
        }
    }

    /// Looks `item` up in the scope of `module`, as rustc does: an item
    /// defined there or a child module, then a named import, then globs.
    fn lookup(&self, module: &[Name], item: &str, guard: &mut Guard) -> Found {
        let unknown = Found::Unknown {
            external_glob: false,
        };
        if guard.visited.len() >= MAX_LOOKUPS
            || !guard.visited.insert((module.to_vec(), Name::new(item)))
        {
            return unknown;
        }
        let here = || -> Vec<Name> { module.iter().cloned().chain([Name::new(item)]).collect() };
        let Some(scope) = self.scopes.get(module) else {
            return if self.modules.contains(&here()) {
                Found::At(here())
            } else {
                unknown
            };
        };
        if scope.items.contains(item) || self.modules.contains(&here()) {
            return Found::At(here());
        }
        if let Some(target) = scope.imports.get(item) {
            return match self.resolve(module, target, 0) {
                Some(Resolved::Local(path)) => Found::At(path),
                Some(Resolved::External(_)) => Found::Outside,
                None => unknown,
            };
        }
        let mut external_glob = false;
        let mut behind = None;
        for glob in &scope.globs {
            let source = match self.resolve(module, glob, 0) {
                Some(Resolved::Local(path)) => self.definition(&path, guard),
                Some(Resolved::External(_)) => Definition::Outside,
                None => continue,
            };
            match source {
                // Only a module's items can be named through its glob here;
                // a glob of an enum's variants names no module.
                Definition::Local(source) if self.modules.contains(&source) => {
                    match self.lookup(&source, item, guard) {
                        Found::Unknown {
                            external_glob: false,
                        } => {
                            if behind.is_none() {
                                behind =
                                    Some(source.iter().cloned().chain([Name::new(item)]).collect());
                            }
                        }
                        Found::Unknown {
                            external_glob: true,
                        } => external_glob = true,
                        Found::Behind(path) => {
                            if behind.is_none() {
                                behind = Some(path);
                            }
                        }
                        found => return found,
                    }
                }
                Definition::Local(_) => {}
                Definition::Outside => external_glob = true,
            }
        }
        match behind {
            // The glob's module is the likelier home than this one: a module
            // re-exporting another rarely also makes items with a macro.
            Some(path) if !external_glob => Found::Behind(path),
            _ => Found::Unknown { external_glob },
        }
    }
}

fn build_target(
    member: usize,
    target: usize,
    all_files: &[FileFacts],
    files: &[usize],
    externals: &BTreeSet<String>,
) -> ModuleGraph {
    let mut modules = BTreeSet::new();
    for &f in files {
        for m in &all_files[f].modules {
            modules.insert(m.path.clone());
        }
    }
    let mut scopes: HashMap<ModPath, Scope> = HashMap::new();
    for &f in files {
        let file = &all_files[f];
        for module in &file.modules {
            let scope = scopes.entry(module.path.clone()).or_default();
            scope.items.extend(module.items.iter().cloned());
        }
        for u in &file.uses {
            let module = &file.modules[u.module].path;
            let scope = scopes.entry(module.clone()).or_default();
            if u.glob {
                if !u.local {
                    scope.globs.push(u.segments.clone());
                }
            } else if let Some(binding) = u.binding() {
                scope
                    .bindings
                    .insert(Name::new(binding), u.segments.clone());
                if !u.local {
                    scope.imports.insert(Name::new(binding), u.segments.clone());
                }
            }
        }
    }
    let resolver = Resolver {
        modules: &modules,
        scopes: &scopes,
        externals,
        own_name: "",
        first_name_lookups: std::cell::Cell::new(0),
    };

    let mut graph = ModuleGraph {
        member,
        target,
        modules: modules.clone(),
        ..ModuleGraph::default()
    };
    for &f in files {
        let file = &all_files[f];
        // A glob re-export (`pub use crate::internal::api::*`) forwards names
        // for others to use and is no edge of its own: whoever names an item
        // through it gets the edge to the item's definition, and two modules
        // may re-export each other's items without depending on each other.
        // The price: code of the re-exporting module that uses an item only
        // through its own glob is not seen (single names are no facts).
        let uses = file
            .uses
            .iter()
            .filter(|u| !(u.glob && u.public && !u.local))
            .map(|u| (u.module, &u.segments, &u.span));
        let paths = file.paths.iter().map(|p| (p.module, &p.segments, &p.span));
        for (module_index, segments, span) in uses.chain(paths) {
            // Test code (`#[cfg(test)] mod tests`, `cfg(feature = "test-util")`,
            // tests/) makes no architectural dependency unless a rule asks.
            let test_only = file.is_test_code_at(module_index, *span);
            let module = &file.modules[module_index].path;
            let evidence = || Evidence {
                file: f,
                span: *span,
            };
            match resolver.resolve(module, segments, 0) {
                Some(Resolved::Local(path)) => {
                    let Some(used) = resolver.defining_module(&path) else {
                        continue;
                    };
                    if let Some((from, to)) = lift(module, &used) {
                        graph.edges.push(ModuleEdge {
                            user: module.clone(),
                            used,
                            from,
                            to,
                            evidence: evidence(),
                            test_only,
                        });
                    }
                }
                Some(Resolved::External(krate)) => graph.external.push(ExternalUse {
                    module: module.clone(),
                    krate,
                    evidence: evidence(),
                    test_only,
                }),
                None => {}
            }
        }
    }
    // Production edges first between two modules: they are the ones quoted.
    graph.edges.sort_by(|a, b| {
        (&a.from, &a.to, a.test_only, &a.evidence).cmp(&(&b.from, &b.to, b.test_only, &b.evidence))
    });
    graph.external.sort_by(|a, b| {
        (&a.module, &a.krate, a.test_only, &a.evidence).cmp(&(
            &b.module,
            &b.krate,
            b.test_only,
            &b.evidence,
        ))
    });
    graph
}

/// Lifts `user → used` to the children of their closest common ancestor.
/// `None` when `used` is `user` itself or one of its descendants.
fn lift(user: &[Name], used: &[Name]) -> Option<(ModPath, ModPath)> {
    if used.starts_with(user) {
        return None;
    }
    let common = user.iter().zip(used).take_while(|(a, b)| a == b).count();
    let from = user[..(common + 1).min(user.len())].to_vec();
    let to = used[..(common + 1).min(used.len())].to_vec();
    Some((from, to))
}

/// `crate::a::b` style display of a module path.
pub fn display(path: &[Name]) -> String {
    if path.is_empty() {
        "crate".to_string()
    } else {
        path.join("::")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> ModPath {
        if s.is_empty() {
            Vec::new()
        } else {
            s.split("::").map(Name::new).collect()
        }
    }

    #[test]
    fn lifting_goes_to_siblings_under_the_common_ancestor() {
        assert_eq!(
            lift(&p("billing::invoice"), &p("pricing::rate")),
            Some((p("billing"), p("pricing")))
        );
        assert_eq!(
            lift(&p("a::x"), &p("a::y::z")),
            Some((p("a::x"), p("a::y")))
        );
    }

    #[test]
    fn a_path_into_a_descendant_is_not_an_edge() {
        assert_eq!(lift(&p("billing"), &p("billing::invoice")), None);
        assert_eq!(lift(&p(""), &p("billing")), None);
        assert_eq!(lift(&p("billing"), &p("billing")), None);
    }

    /// The definition edges (`user → used`) of one crate written as a
    /// single root file with inline modules.
    fn edges(text: &str, externals: &[&str]) -> Vec<(String, String)> {
        let file = crate::facts::test_file("src/lib.rs", text);
        let externals = externals.iter().map(|s| s.to_string()).collect();
        let graph = build_target(0, 0, &[file], &[0], &externals);
        graph
            .edges
            .iter()
            .filter(|e| !e.test_only)
            .map(|e| (display(&e.user), display(&e.used)))
            .collect()
    }

    fn edge(user: &str, used: &str) -> (String, String) {
        (user.to_string(), used.to_string())
    }

    #[test]
    fn a_glob_facade_leads_to_the_module_defining_the_item() {
        let found = edges(
            "mod internal { pub mod api { pub struct Handler; } }
             pub mod api { pub use crate::internal::api::*; }
             mod web { use crate::api::Handler; }",
            &[],
        );
        assert_eq!(found, [edge("web", "internal::api")]);
    }

    #[test]
    fn chains_of_self_globs_renames_and_groups_are_followed() {
        let found = edges(
            "mod billing { pub struct Invoice; pub struct Refund; pub fn charge() {} }
             pub mod api {
                 pub use self::v1::*;
                 mod v1 { pub use crate::billing::{Invoice as Bill, Refund, charge}; }
             }
             mod checkout { use crate::api::Bill; fn f() { crate::api::charge(); let _ = crate::api::Refund; } }",
            &[],
        );
        // The named re-export is the facade's own dependency; the glob is none.
        let billing = |user| vec![edge(user, "billing"); 3];
        assert_eq!(found, [billing("api::v1"), billing("checkout")].concat());
    }

    #[test]
    fn an_item_re_exported_from_another_crate_is_no_edge() {
        let found = edges(
            "pub mod proto { pub use prost_types::*; pub use chrono::Utc as Clock; pub struct Envelope; }
             mod ledger { use crate::proto::Timestamp; use crate::proto::Clock; use crate::proto::Envelope; }",
            &["prost_types", "chrono"],
        );
        // Only `Envelope`, defined in `proto`, is an edge.
        assert_eq!(found, [edge("ledger", "proto")]);
    }

    #[test]
    fn an_unknown_item_stays_an_edge_unless_a_foreign_glob_may_hold_it() {
        // `include_proto!` defines items no fact knows: the module as written.
        let found = edges(
            "pub mod pb { tonic::include_proto!(\"billing.v1\"); fn decode() { use serde_json::*; } }
             mod client { use crate::pb::InvoiceRequest; }",
            &["tonic", "serde_json"],
        );
        assert_eq!(found, [edge("client", "pb")]);
        let found = edges(
            "pub mod pb { tonic::include_proto!(\"billing.v1\"); pub use prost_types::*; }
             mod client { use crate::pb::InvoiceRequest; }",
            &["tonic", "prost_types"],
        );
        assert_eq!(found, []);
    }

    #[test]
    fn cyclic_glob_re_exports_end_and_still_find_definitions() {
        let text = "pub mod orders { pub use crate::stock::*; pub struct Order; }
                    pub mod stock { pub use crate::orders::*; pub struct Sku; }
                    mod web { use crate::orders::Sku; use crate::stock::Order; use crate::orders::Missing; }";
        assert_eq!(
            edges(text, &[]),
            [
                edge("web", "orders"),
                edge("web", "orders"),
                edge("web", "stock")
            ]
        );
    }

    #[test]
    fn a_child_reaches_what_its_parent_imports() {
        let found = edges(
            "mod domain { pub struct Order; }
             mod handlers { use crate::domain::Order; pub mod create { use super::Order; } }",
            &[],
        );
        assert_eq!(
            found,
            [
                edge("handlers", "domain"),
                edge("handlers::create", "domain")
            ]
        );
    }

    #[test]
    fn a_module_named_through_a_glob_of_the_parent_is_an_edge() {
        // `use super::*;` brings the root's child modules into scope; the
        // schema and its resolvers then call each other by bare names.
        let found = edges(
            "mod schema { use super::*; pub struct Account; fn q() { service::load(); } }
             mod service { use super::*; pub fn load() -> schema::Account { schema::Account } }",
            &[],
        );
        // The private globs themselves are upward edges to the root.
        assert_eq!(
            found,
            [
                edge("schema", "crate"),
                edge("schema", "service"),
                edge("service", "crate"),
                edge("service", "schema"),
                edge("service", "schema")
            ]
        );
    }

    #[test]
    fn a_glob_that_names_itself_through_a_glob_ends() {
        let found = edges(
            "mod a { use b::*; use super::*; pub fn f() { c::g(); } }
             mod b { use a::*; pub use super::*; }
             mod c { pub fn g() {} }",
            &[],
        );
        assert_eq!(
            found,
            [
                edge("a", "crate"),
                edge("a", "b"),
                edge("a", "c"),
                edge("b", "a")
            ]
        );
    }

    #[test]
    fn an_item_a_macro_defines_behind_a_glob_facade_belongs_to_the_macro_module() {
        // `ids` makes its newtypes with a macro; `model::ids` re-exports
        // them (and adds a constant of its own). A use through the facade
        // depends on `ids`.
        let found = edges(
            "mod ids { newtype_uuid!(AccountId); pub struct Plain; }
             pub mod model { pub mod ids { pub use crate::ids::*; pub const V: u32 = 1; } }
             mod billing { use crate::model::ids::AccountId; use crate::model::ids::Plain; }",
            &[],
        );
        assert_eq!(found, [edge("billing", "ids"), edge("billing", "ids")]);
    }

    #[test]
    fn a_path_to_an_ancestor_stays_an_upward_edge() {
        assert_eq!(
            lift(&p("billing::tests"), &p("billing")),
            Some((p("billing::tests"), p("billing")))
        );
        assert_eq!(lift(&p("billing"), &p("")), Some((p("billing"), p(""))));
    }
}
