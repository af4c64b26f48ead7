//! The workspace as cargo sees it: members, their targets and their
//! dependency declarations, each with the span of its entry in `Cargo.toml`.
//! The manifests are read directly (`manifests.rs`); `cargo metadata --no-deps
//! --offline` runs only for what that reader leaves to cargo. External crates
//! are known by name from the manifests.

mod classify;
mod load;
pub mod manifest;
mod manifests;
pub mod repository;

use std::fmt;
use std::ops::Range;
use std::path::PathBuf;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::finding::Location;

pub use classify::{classify, names_member, Architecture, Role, Service};
pub use load::{load, load_with, relative, Loader};

/// A package as a loader found it, before spans and member indices.
#[derive(Debug, Clone)]
pub struct Package {
    pub name: String,
    /// Absolute.
    pub manifest_path: PathBuf,
    /// The manifest's text when the loader already read it.
    pub manifest_text: Option<Arc<str>>,
    pub targets: Vec<RawTarget>,
    pub dependencies: Vec<RawDependency>,
}

/// A target as a loader found it.
#[derive(Debug, Clone)]
pub struct RawTarget {
    pub name: String,
    /// cargo's first kind: `lib`, `bin`, `proc-macro`, `custom-build`, …
    pub kind: String,
    /// Absolute.
    pub src_path: PathBuf,
}

/// A dependency declaration as a loader found it.
#[derive(Debug, Clone)]
pub struct RawDependency {
    /// The package's name.
    pub name: String,
    /// The key in the manifest when it is not the package's name.
    pub rename: Option<String>,
    pub kind: DepKind,
    /// `cfg(…)` or a target triple, as cargo prints it.
    pub target: Option<String>,
    /// Absolute, for path dependencies.
    pub path: Option<PathBuf>,
}

/// `path` with `.` and `..` folded away without touching the file system
/// (`services/orders/src/../../payments` is `services/payments`), as cargo
/// writes paths; symlinks are not resolved.
pub fn lexical(path: &std::path::Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// A loaded cargo workspace.
#[derive(Debug, Clone)]
pub struct Workspace {
    /// Absolute path of the workspace root directory.
    pub root: PathBuf,
    /// Text of the root `Cargo.toml`.
    pub root_manifest: Arc<str>,
    /// Members sorted by package name.
    pub members: Vec<Member>,
}

impl Workspace {
    /// Index of the member named `name`.
    pub fn member_by_name(&self, name: &str) -> Option<usize> {
        self.members.iter().position(|m| m.name == name)
    }
}

/// A workspace member crate.
#[derive(Debug, Clone)]
pub struct Member {
    pub name: String,
    /// Directory relative to the workspace root, `/`-separated ("" for the root).
    pub dir: String,
    /// `Cargo.toml` path relative to the workspace root.
    pub manifest_path: String,
    pub manifest_text: Arc<str>,
    /// Span of `name = "…"` in `[package]`, where member-level findings point.
    pub name_span: Option<Range<usize>>,
    pub targets: Vec<Target>,
    pub dependencies: Vec<Dependency>,
    /// `[package.metadata.archfit] service = "…"`, with its span.
    pub declared_service: Option<(String, Range<usize>)>,
}

/// A compilation target of a member (lib, bin, example, test, bench, build script).
#[derive(Debug, Clone)]
pub struct Target {
    pub name: String,
    pub kind: String,
    /// Root source file relative to the workspace root.
    pub src_path: String,
}

/// The section a dependency is declared in.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum DepKind {
    Normal,
    Build,
    Dev,
}

impl DepKind {
    /// Name used in configuration (`kinds = ["normal", "build", "dev"]`).
    pub fn as_str(self) -> &'static str {
        match self {
            DepKind::Normal => "normal",
            DepKind::Build => "build",
            DepKind::Dev => "dev",
        }
    }

    /// Manifest table holding dependencies of this kind.
    pub fn table(self) -> &'static str {
        match self {
            DepKind::Normal => "dependencies",
            DepKind::Build => "build-dependencies",
            DepKind::Dev => "dev-dependencies",
        }
    }
}

impl fmt::Display for DepKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One dependency entry of a member's manifest.
#[derive(Debug, Clone)]
pub struct Dependency {
    /// Package name of the dependency (after `package = "…"` renames).
    pub package: String,
    /// Name the manifest uses for it (the key of the entry).
    pub key: String,
    pub kind: DepKind,
    /// `cfg(…)` or target triple for `[target.….dependencies]` entries.
    pub target: Option<String>,
    /// Index of the workspace member it points at, for path dependencies.
    pub member: Option<usize>,
    /// Span of the whole entry (`key = …`) in the member's `Cargo.toml`.
    pub span: Option<Range<usize>>,
}

/// Location of dependency `dependency` of member `member` in its Cargo.toml.
pub fn dependency_location(
    workspace: &Workspace,
    member: usize,
    dependency: usize,
) -> Option<Location> {
    let member = workspace.members.get(member)?;
    let dep = member.dependencies.get(dependency)?;
    let span = dep.span.clone()?;
    Some(Location::from_span(
        &member.manifest_path,
        &member.manifest_text,
        span,
    ))
}

/// Location of a member's `[package] name`, for findings about a whole crate.
pub fn member_location(workspace: &Workspace, member: usize) -> Option<Location> {
    let member = workspace.members.get(member)?;
    let span = member.name_span.clone().unwrap_or(0..0);
    Some(Location::from_span(
        &member.manifest_path,
        &member.manifest_text,
        span,
    ))
}

/// A workspace of members `(package name, folder)` with no targets and no
/// dependencies, rooted at `/ws`, for unit tests of classification and checks.
#[cfg(test)]
pub(crate) fn test_workspace(members: &[(&str, &str)]) -> Workspace {
    Workspace {
        root: "/ws".into(),
        root_manifest: "".into(),
        members: members
            .iter()
            .map(|(name, dir)| Member {
                name: name.to_string(),
                dir: dir.to_string(),
                manifest_path: format!("{dir}/Cargo.toml"),
                manifest_text: format!("[package]\nname = \"{name}\"\n").into(),
                name_span: None,
                targets: Vec::new(),
                dependencies: Vec::new(),
                declared_service: None,
            })
            .collect(),
    }
}
