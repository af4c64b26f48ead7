//! The module graph of each crate target: which module uses which, resolved
//! from `use` trees and qualified paths. An edge points at the module that
//! defines the item, following `pub use` re-exports.
//!
//! Edges are lifted to siblings: when `billing::invoice` uses
//! `pricing::rate`, the architectural dependency is `billing → pricing` (the
//! children of their closest common ancestor), with the concrete use kept as
//! evidence. A path from a module into its own descendants is containment,
//! not a dependency, so a `#[cfg(test)] mod tests { use super::*; }` can never
//! close a cycle with its parent; and uses inside test-only modules make no
//! edge at all (a test of `config` may build a `checks` rule).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::facts::{CrateFacts, FileFacts, Span};
use crate::workspace::Member;

/// A module path from the crate root (`[]` is the root).
pub type ModPath = Vec<String>;

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
}

/// A use of another crate from a module (`sqlx::query`, `use axum::Router`).
#[derive(Debug, Clone)]
pub struct ExternalUse {
    pub module: ModPath,
    /// Crate name as written in code (`-` already `_`).
    pub krate: String,
    pub evidence: Evidence,
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
    Local(Vec<String>),
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

/// Per-module scope: the names `use` brings in, and which are re-exported.
#[derive(Default)]
struct Scope {
    /// binding → (segments as written, public)
    bindings: HashMap<String, (Vec<String>, bool)>,
    /// `pub use x::*` sources (segments as written).
    public_globs: Vec<Vec<String>>,
}

struct Resolver<'a> {
    modules: &'a BTreeSet<ModPath>,
    scopes: &'a HashMap<ModPath, Scope>,
    externals: &'a BTreeSet<String>,
    /// Crate names that are not dependencies of this member but are used
    /// with a leading `::` or as `extern crate`.
    own_name: &'a str,
}

impl Resolver<'_> {
    /// Resolves `segments` written in module `module`.
    fn resolve(&self, module: &[String], segments: &[String], depth: usize) -> Option<Resolved> {
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
                while rest.first().map(String::as_str) == Some("super") {
                    base.pop()?;
                    rest = &rest[1..];
                }
                Some(Resolved::Local(
                    base.into_iter().chain(rest.iter().cloned()).collect(),
                ))
            }
            "" => rest.first().map(|name| Resolved::External(name.clone())),
            "Self" => None,
            name => {
                let mut child = module.to_vec();
                child.push(name.to_string());
                if self.modules.contains(&child) {
                    return Some(Resolved::Local(
                        child.into_iter().chain(rest.iter().cloned()).collect(),
                    ));
                }
                if let Some((target, _)) =
                    self.scopes.get(module).and_then(|s| s.bindings.get(name))
                {
                    let resolved = self.resolve(module, target, depth + 1)?;
                    return Some(match resolved {
                        Resolved::Local(mut path) => {
                            path.extend(rest.iter().cloned());
                            Resolved::Local(path)
                        }
                        external => external,
                    });
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

    /// The module defining the item at absolute `path`, following `pub use`.
    fn defining_module(&self, path: &[String], depth: usize) -> ModPath {
        let mut len = path.len();
        while len > 0 && !self.modules.contains(&path[..len]) {
            len -= 1;
        }
        let module = path[..len].to_vec();
        if depth > 8 || len == path.len() {
            return module;
        }
        let item = &path[len];
        if let Some((target, true)) = self.scopes.get(&module).and_then(|s| s.bindings.get(item)) {
            if let Some(Resolved::Local(mut resolved)) = self.resolve(&module, target, depth + 1) {
                resolved.extend(path[len + 1..].iter().cloned());
                return self.defining_module(&resolved, depth + 1);
            }
        }
        module
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
        for u in &file.uses {
            let module = &file.modules[u.module].path;
            let scope = scopes.entry(module.clone()).or_default();
            if u.glob {
                if u.public {
                    scope.public_globs.push(u.segments.clone());
                }
            } else if let Some(binding) = u.binding() {
                scope
                    .bindings
                    .insert(binding.to_string(), (u.segments.clone(), u.public));
            }
        }
    }
    let resolver = Resolver {
        modules: &modules,
        scopes: &scopes,
        externals,
        own_name: "",
    };

    let mut graph = ModuleGraph {
        member,
        target,
        modules: modules.clone(),
        ..ModuleGraph::default()
    };
    for &f in files {
        let file = &all_files[f];
        let uses = file.uses.iter().map(|u| (u.module, &u.segments, &u.span));
        let paths = file.paths.iter().map(|p| (p.module, &p.segments, &p.span));
        for (module_index, segments, span) in uses.chain(paths) {
            // Test code (`#[cfg(test)] mod tests`, `cfg(feature = "test-util")`)
            // makes no architectural dependency.
            if file.modules[module_index].is_test() {
                continue;
            }
            let module = &file.modules[module_index].path;
            let evidence = || Evidence {
                file: f,
                span: *span,
            };
            match resolver.resolve(module, segments, 0) {
                Some(Resolved::Local(path)) => {
                    let used = resolver.defining_module(&path, 0);
                    if let Some((from, to)) = lift(module, &used) {
                        graph.edges.push(ModuleEdge {
                            user: module.clone(),
                            used,
                            from,
                            to,
                            evidence: evidence(),
                        });
                    }
                }
                Some(Resolved::External(krate)) => graph.external.push(ExternalUse {
                    module: module.clone(),
                    krate,
                    evidence: evidence(),
                }),
                None => {}
            }
        }
    }
    graph
        .edges
        .sort_by(|a, b| (&a.from, &a.to, &a.evidence).cmp(&(&b.from, &b.to, &b.evidence)));
    graph.external.sort_by(|a, b| {
        (&a.module, &a.krate, &a.evidence).cmp(&(&b.module, &b.krate, &b.evidence))
    });
    graph
}

/// Lifts `user → used` to the children of their closest common ancestor.
/// `None` when `used` is `user` itself or one of its descendants.
fn lift(user: &[String], used: &[String]) -> Option<(ModPath, ModPath)> {
    if used.starts_with(user) {
        return None;
    }
    let common = user.iter().zip(used).take_while(|(a, b)| a == b).count();
    let from = user[..(common + 1).min(user.len())].to_vec();
    let to = used[..(common + 1).min(used.len())].to_vec();
    Some((from, to))
}

/// `crate::a::b` style display of a module path.
pub fn display(path: &[String]) -> String {
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
            s.split("::").map(str::to_string).collect()
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

    #[test]
    fn a_path_to_an_ancestor_stays_an_upward_edge() {
        assert_eq!(
            lift(&p("billing::tests"), &p("billing")),
            Some((p("billing::tests"), p("billing")))
        );
        assert_eq!(lift(&p("billing"), &p("")), Some((p("billing"), p(""))));
    }
}
