//! The workspace read from its manifests, without running cargo: the
//! members, targets and dependency declarations `cargo metadata --no-deps`
//! would list. At 1000 members `cargo metadata` takes longer than reading
//! and parsing every manifest several times over, and running no program is
//! safer still. Anything this reader is not sure to read as cargo does (an
//! unusual layout, a manifest that does not parse, a symlink, edition 2015
//! target rules) is [`Unsupported`]: the caller then asks cargo, which
//! remains the reference (`tests/it/loader.rs` compares the two).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use toml::{Table, Value};

use super::{lexical, DepKind, Package, RawDependency, RawTarget};
use crate::fs::Root;

/// Why the manifests alone were not enough; cargo is asked instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsupported(pub String);

type Read<T> = Result<T, Unsupported>;

fn unsupported<T>(why: impl Into<String>) -> Read<T> {
    Err(Unsupported(why.into()))
}

/// Largest manifest read: real ones are a few KiB.
const MAX_MANIFEST_BYTES: u64 = 4 * 1024 * 1024;

/// A manifest read and parsed.
struct Manifest {
    path: PathBuf,
    text: Arc<str>,
    table: Table,
}

impl Manifest {
    fn read(root: &Root, path: &Path) -> Read<Manifest> {
        if is_link(path) {
            return unsupported(format!("{} is a symlink", path.display()));
        }
        let text = crate::fs::read_workspace_text(root, path, MAX_MANIFEST_BYTES)
            .map_err(|e| Unsupported(format!("{}: {e}", path.display())))?;
        let table: Table = text
            .parse()
            .map_err(|_| Unsupported(format!("{} does not parse", path.display())))?;
        Ok(Manifest {
            path: path.to_path_buf(),
            text: text.into(),
            table,
        })
    }

    fn dir(&self) -> &Path {
        self.path.parent().unwrap_or(Path::new("/"))
    }

    fn package(&self) -> Option<&Table> {
        self.table.get("package").and_then(Value::as_table)
    }

    fn workspace(&self) -> Option<&Table> {
        self.table.get("workspace").and_then(Value::as_table)
    }
}

/// The workspace root and its members, as `cargo metadata --no-deps` would
/// give them, from the manifest at `manifest_path` (the root's or a member's).
pub fn read(manifest_path: &Path) -> Read<(PathBuf, Vec<Package>)> {
    let manifest_path = &lexical(manifest_path);
    let start_dir = manifest_path.parent().unwrap_or(Path::new("/"));
    let start = Manifest::read(&Root::new(start_dir), manifest_path)?;
    if start.table.contains_key("project") {
        return unsupported("a `[project]` table");
    }
    if start.package().is_some_and(|p| p.contains_key("workspace")) {
        return unsupported("`package.workspace` names the root");
    }
    let root_manifest = if start.workspace().is_some() {
        start
    } else {
        match find_root_above(start_dir)? {
            Some(found) => found,
            // A package on its own is its own workspace.
            None => {
                let root = start.dir().to_path_buf();
                let members = Members::alone(&root, start);
                return Ok((root, members.into_packages()?));
            }
        }
    };
    let root = root_manifest.dir().to_path_buf();
    let starts_at_member = lexical(manifest_path) != lexical(&root_manifest.path);
    let members = Members::collect(&root, root_manifest)?;
    if starts_at_member
        && !members
            .packages
            .iter()
            .any(|m| m.path == lexical(manifest_path))
    {
        return unsupported("the manifest is not a member of the workspace above it");
    }
    Ok((root, members.into_packages()?))
}

/// The nearest manifest above `dir` with a `[workspace]` table, as cargo
/// looks for it.
fn find_root_above(dir: &Path) -> Read<Option<Manifest>> {
    for ancestor in dir.ancestors().skip(1) {
        let candidate = ancestor.join("Cargo.toml");
        if std::fs::symlink_metadata(&candidate).is_err() {
            continue;
        }
        let manifest = Manifest::read(&Root::new(ancestor), &candidate)?;
        if manifest.workspace().is_some() {
            return Ok(Some(manifest));
        }
    }
    Ok(None)
}

/// Members found so far, each with its parsed manifest.
struct Members {
    root: PathBuf,
    fs_root: Root,
    packages: Vec<Manifest>,
    seen: BTreeSet<PathBuf>,
    /// `[workspace.dependencies]` of the root manifest.
    inherited: Table,
    /// `[workspace.package]` of the root manifest.
    inherited_package: Table,
    explicit: Vec<PathBuf>,
    exclude: Vec<PathBuf>,
}

impl Members {
    /// A package with no workspace above it: its own only member (its
    /// path dependencies are not members then).
    fn alone(root: &Path, manifest: Manifest) -> Members {
        let mut members = Members::empty(root);
        members.seen.insert(lexical(&manifest.path));
        members.packages.push(manifest);
        members
    }

    fn empty(root: &Path) -> Members {
        Members {
            root: root.to_path_buf(),
            fs_root: Root::new(root),
            packages: Vec::new(),
            seen: BTreeSet::new(),
            inherited: Table::new(),
            inherited_package: Table::new(),
            explicit: Vec::new(),
            exclude: Vec::new(),
        }
    }

    fn collect(root: &Path, root_manifest: Manifest) -> Read<Members> {
        let workspace = root_manifest.workspace().cloned().unwrap_or_default();
        let strings = |key: &str| -> Read<Vec<String>> {
            match workspace.get(key) {
                None => Ok(Vec::new()),
                Some(Value::Array(items)) => items
                    .iter()
                    .map(|v| {
                        v.as_str().map(str::to_owned).ok_or_else(|| {
                            Unsupported(format!("`workspace.{key}` holds a non-string"))
                        })
                    })
                    .collect(),
                Some(_) => unsupported(format!("`workspace.{key}` is not a list")),
            }
        };
        let mut explicit = Vec::new();
        for pattern in strings("members")? {
            explicit.extend(expand_member(root, &pattern)?);
        }
        let exclude = strings("exclude")?
            .iter()
            .map(|p| lexical(&root.join(p)))
            .collect();
        let table = |key: &str| {
            workspace
                .get(key)
                .and_then(Value::as_table)
                .cloned()
                .unwrap_or_default()
        };
        let mut members = Members {
            inherited: table("dependencies"),
            inherited_package: table("package"),
            explicit: explicit.clone(),
            exclude,
            ..Members::empty(root)
        };
        if root_manifest.package().is_some() {
            members.seen.insert(lexical(&root_manifest.path));
            members.take(root_manifest)?;
        }
        for dir in explicit {
            members.add(dir.join("Cargo.toml"), false)?;
        }
        Ok(members)
    }

    /// Adds the package at `manifest_path` and, as cargo does, every path
    /// dependency of it inside the root that is not excluded.
    fn add(&mut self, manifest_path: PathBuf, is_path_dependency: bool) -> Read<()> {
        let manifest_path = lexical(&manifest_path);
        if self.seen.contains(&manifest_path) {
            return Ok(());
        }
        let dir = manifest_path
            .parent()
            .unwrap_or(Path::new("/"))
            .to_path_buf();
        if is_path_dependency {
            if !dir.starts_with(&self.root) {
                return Ok(());
            }
            if self.excluded(&manifest_path) {
                return Ok(());
            }
        } else if !dir.starts_with(&self.root) {
            return unsupported(format!("member {} is outside the root", dir.display()));
        }
        self.seen.insert(manifest_path.clone());
        if std::fs::symlink_metadata(&manifest_path).is_err() {
            // cargo says what is missing; let it.
            return unsupported(format!("{} is missing", manifest_path.display()));
        }
        let manifest = Manifest::read(&self.fs_root, &manifest_path)?;
        if manifest.workspace().is_some() {
            return unsupported(format!("{} is a workspace of its own", dir.display()));
        }
        if manifest.package().is_none() {
            return unsupported(format!("{} has no [package]", manifest_path.display()));
        }
        self.take(manifest)
    }

    /// Keeps a member and follows its path dependencies.
    fn take(&mut self, manifest: Manifest) -> Read<()> {
        let dir = manifest.dir().to_path_buf();
        let path_deps = dependency_tables(&manifest.table)?
            .into_iter()
            .flat_map(|(_, _, table)| sorted(table))
            .map(|(k, v)| (k.clone(), v.clone()))
            .filter_map(|(key, spec)| self.dependency_path(&dir, &key, &spec).transpose())
            .collect::<Read<Vec<PathBuf>>>()?;
        self.packages.push(manifest);
        for path in path_deps {
            self.add(path.join("Cargo.toml"), true)?;
        }
        Ok(())
    }

    /// cargo's rule: excluded unless an explicit member path holds it.
    fn excluded(&self, manifest_path: &Path) -> bool {
        let explicit = self.explicit.iter().any(|m| manifest_path.starts_with(m));
        !explicit && self.exclude.iter().any(|ex| manifest_path.starts_with(ex))
    }

    /// The path a dependency entry points at (its own `path`, or the one
    /// `[workspace.dependencies]` gives it), made absolute.
    fn dependency_path(&self, dir: &Path, key: &str, spec: &Value) -> Read<Option<PathBuf>> {
        let Some(table) = spec.as_table() else {
            return Ok(None);
        };
        if table.get("workspace").and_then(Value::as_bool) == Some(true) {
            let inherited = self
                .inherited
                .get(key)
                .ok_or_else(|| Unsupported(format!("`{key}.workspace = true` with no entry")))?;
            return Ok(inherited
                .as_table()
                .and_then(|t| t.get("path"))
                .and_then(Value::as_str)
                .map(|p| lexical(&self.root.join(p))));
        }
        Ok(table
            .get("path")
            .and_then(Value::as_str)
            .map(|p| lexical(&dir.join(p))))
    }

    fn into_packages(self) -> Read<Vec<Package>> {
        self.packages
            .iter()
            .map(|manifest| self.package(manifest))
            .collect()
    }

    fn package(&self, manifest: &Manifest) -> Read<Package> {
        let package = manifest
            .package()
            .ok_or_else(|| Unsupported("no [package]".into()))?;
        let name = package
            .get("name")
            .and_then(Value::as_str)
            .ok_or_else(|| Unsupported(format!("{}: no package name", manifest.path.display())))?
            .to_string();
        let edition = match package.get("edition") {
            None => "2015".to_string(),
            Some(Value::String(edition)) => edition.clone(),
            Some(Value::Table(t)) if t.get("workspace").and_then(Value::as_bool) == Some(true) => {
                self.inherited_package
                    .get("edition")
                    .and_then(Value::as_str)
                    .unwrap_or("2015")
                    .to_string()
            }
            Some(_) => return unsupported("an unreadable edition"),
        };
        let targets = targets(&self.fs_root, manifest, &name, &edition)?;
        let mut dependencies = Vec::new();
        for (kind, platform, table) in dependency_tables(&manifest.table)? {
            for (key, spec) in sorted(table) {
                dependencies.push(self.dependency(manifest.dir(), kind, &platform, key, spec)?);
            }
        }
        Ok(Package {
            name,
            manifest_path: manifest.path.clone(),
            manifest_text: Some(manifest.text.clone()),
            targets,
            dependencies,
        })
    }

    fn dependency(
        &self,
        dir: &Path,
        kind: DepKind,
        platform: &Option<String>,
        key: &str,
        spec: &Value,
    ) -> Read<RawDependency> {
        let own = spec.as_table();
        let inherits = own
            .and_then(|t| t.get("workspace"))
            .and_then(Value::as_bool)
            == Some(true);
        let inherited = inherits.then(|| self.inherited.get(key)).flatten();
        let package_of = |t: Option<&Table>| {
            t.and_then(|t| t.get("package"))
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        let package = package_of(own)
            .or_else(|| package_of(inherited.and_then(Value::as_table)))
            .unwrap_or_else(|| key.to_string());
        let rename = (package != key).then(|| key.to_string());
        Ok(RawDependency {
            name: package,
            rename,
            kind,
            target: platform.clone(),
            path: self.dependency_path(dir, key, spec)?,
        })
    }
}

/// The dependency tables of a manifest in the order cargo lists their
/// entries: normal, dev, build, then the same per `[target.…]` in key order;
/// entries in key order within each.
fn dependency_tables(table: &Table) -> Read<Vec<DependencyTable<'_>>> {
    let mut out = Vec::new();
    push_dependency_tables(&mut out, table, None)?;
    if let Some(targets) = table.get("target").and_then(Value::as_table) {
        let mut platforms: Vec<(String, &Table)> = Vec::new();
        for (key, value) in targets {
            let platform: cargo_metadata::cargo_platform::Platform = key
                .parse()
                .map_err(|_| Unsupported(format!("target `{key}` does not parse")))?;
            if let Some(inner) = value.as_table() {
                platforms.push((platform.to_string(), inner));
            }
        }
        platforms.sort_by(|a, b| a.0.cmp(&b.0));
        for (platform, inner) in platforms {
            push_dependency_tables(&mut out, inner, Some(platform))?;
        }
    }
    Ok(out)
}

/// A table's entries in key order, as cargo's `BTreeMap`s hold them
/// (toml's own order depends on a feature another crate may turn on).
fn sorted(table: &Table) -> Vec<(&String, &Value)> {
    let mut entries: Vec<_> = table.iter().collect();
    entries.sort_by(|a, b| a.0.cmp(b.0));
    entries
}

/// A dependency table: its kind, its `[target.…]` platform, its entries.
type DependencyTable<'a> = (DepKind, Option<String>, &'a Table);

fn push_dependency_tables<'a>(
    out: &mut Vec<DependencyTable<'a>>,
    owner: &'a Table,
    platform: Option<String>,
) -> Read<()> {
    for (kind, keys) in [
        (DepKind::Normal, &["dependencies"][..]),
        (DepKind::Dev, &["dev-dependencies", "dev_dependencies"][..]),
        (
            DepKind::Build,
            &["build-dependencies", "build_dependencies"][..],
        ),
    ] {
        let present: Vec<&Table> = keys
            .iter()
            .filter_map(|k| owner.get(*k))
            .filter_map(Value::as_table)
            .collect();
        match present.as_slice() {
            [] => {}
            [one] => out.push((kind, platform.clone(), *one)),
            _ => return unsupported("both spellings of a dependency table"),
        }
    }
    Ok(())
}

/// Compilation targets in cargo's order: lib, bins, examples, tests,
/// benches, build script.
fn targets(root: &Root, manifest: &Manifest, package: &str, edition: &str) -> Read<Vec<RawTarget>> {
    let dir = manifest.dir();
    let settings = manifest.package().cloned().unwrap_or_default();
    let auto = |key: &str| settings.get(key).and_then(Value::as_bool) != Some(false);
    let mut out = Vec::new();

    // The library.
    let lib = manifest.table.get("lib").and_then(Value::as_table);
    let lib_path = lib
        .and_then(|l| l.get("path"))
        .and_then(Value::as_str)
        .map(|p| dir.join(p));
    let default_lib = dir.join("src/lib.rs");
    let lib_src = match (lib, lib_path) {
        (_, Some(path)) => Some(path),
        (Some(_), None) => Some(default_lib),
        (None, None) if auto("autolib") && is_file(&default_lib)? => Some(default_lib),
        (None, None) => None,
    };
    if let Some(src) = lib_src {
        let name = lib
            .and_then(|l| l.get("name"))
            .and_then(Value::as_str)
            .map(str::to_owned)
            .unwrap_or_else(|| package.replace('-', "_"));
        let proc_macro = lib
            .and_then(|l| l.get("proc-macro").or_else(|| l.get("proc_macro")))
            .and_then(Value::as_bool)
            == Some(true);
        let crate_types: Vec<String> = lib
            .and_then(|l| l.get("crate-type").or_else(|| l.get("crate_type")))
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        let kind = match (proc_macro, crate_types.first()) {
            (true, _) => "proc-macro".to_string(),
            (false, Some(first)) => first.clone(),
            (false, None) => "lib".to_string(),
        };
        out.push(RawTarget {
            name,
            kind,
            src_path: lexical(&src),
        });
    }

    // Binaries: src/main.rs is named after the package.
    let mut inferred_bins = Vec::new();
    let main = dir.join("src/main.rs");
    if is_file(&main)? {
        inferred_bins.push((package.to_string(), main));
    }
    inferred_bins.extend(infer_dir(root, &dir.join("src/bin"))?);
    for (kind, key, folder, inferred) in [
        ("bin", "bin", "src/bin", Some(inferred_bins)),
        ("example", "example", "examples", None),
        ("test", "test", "tests", None),
        ("bench", "bench", "benches", None),
    ] {
        let inferred = match inferred {
            Some(found) => found,
            None => infer_dir(root, &dir.join(folder))?,
        };
        let autokey = match key {
            "bin" => "autobins",
            "example" => "autoexamples",
            "test" => "autotests",
            _ => "autobenches",
        };
        let explicit = match manifest.table.get(key) {
            None => Vec::new(),
            Some(Value::Array(items)) => items
                .iter()
                .map(|item| explicit_target(item, &inferred, dir, folder))
                .collect::<Read<Vec<_>>>()?,
            Some(_) => return unsupported(format!("`[{key}]` is not an array of tables")),
        };
        if edition == "2015" && !explicit.is_empty() {
            return unsupported("edition 2015 with explicit targets");
        }
        let mut chosen = explicit.clone();
        if auto(autokey) {
            for (name, path) in inferred {
                let taken = explicit.iter().any(|(n, p)| *n == name || *p == path);
                if !taken {
                    chosen.push((name, path));
                }
            }
        }
        // cargo lists binaries by name, and the other kinds too when
        // discovery is on; else in the manifest's order.
        if kind == "bin" || auto(autokey) {
            chosen.sort();
        }
        for (name, path) in chosen {
            out.push(RawTarget {
                name,
                kind: kind.to_string(),
                src_path: lexical(&path),
            });
        }
    }

    // The build script.
    let build = match settings.get("build") {
        None | Some(Value::Boolean(true)) => {
            let path = dir.join("build.rs");
            is_file(&path)?.then_some(path)
        }
        Some(Value::Boolean(false)) => None,
        Some(Value::String(path)) => Some(dir.join(path)),
        Some(_) => return unsupported("an unreadable `build`"),
    };
    if let Some(path) = build {
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("build")
            .to_string();
        out.push(RawTarget {
            name: format!("build-script-{stem}"),
            kind: "custom-build".into(),
            src_path: lexical(&path),
        });
    }
    Ok(out)
}

/// A `[[bin]]`-like entry: its name, and its path (given, else the inferred
/// target of that name, else cargo's default place).
fn explicit_target(
    item: &Value,
    inferred: &[(String, PathBuf)],
    dir: &Path,
    folder: &str,
) -> Read<(String, PathBuf)> {
    let table = item
        .as_table()
        .ok_or_else(|| Unsupported("a target that is not a table".into()))?;
    let name = table
        .get("name")
        .and_then(Value::as_str)
        .ok_or_else(|| Unsupported("a target with no name".into()))?
        .to_string();
    if let Some(path) = table.get("path").and_then(Value::as_str) {
        return Ok((name, dir.join(path)));
    }
    if let Some((_, path)) = inferred.iter().find(|(n, _)| *n == name) {
        return Ok((name, path.clone()));
    }
    let file = dir.join(folder).join(format!("{name}.rs"));
    if is_file(&file)? {
        return Ok((name, file));
    }
    unsupported(format!("target `{name}` has no file cargo would infer"))
}

/// Targets inferred from a folder: `x.rs` and `x/main.rs`, by name.
fn infer_dir(root: &Root, folder: &Path) -> Read<Vec<(String, PathBuf)>> {
    let Ok(meta) = std::fs::symlink_metadata(folder) else {
        return Ok(Vec::new());
    };
    if meta.file_type().is_symlink() {
        return unsupported(format!("{} is a symlink", folder.display()));
    }
    if !meta.is_dir() {
        return Ok(Vec::new());
    }
    let mut found = BTreeMap::new();
    for name in crate::fs::list_workspace_dir(root, folder) {
        let path = folder.join(&name);
        let file_type = entry_type(&path)?;
        if file_type.is_file() {
            if let Some(stem) = name.strip_suffix(".rs") {
                found.insert(stem.to_string(), path);
            }
        } else if file_type.is_dir() {
            let main = path.join("main.rs");
            if is_file(&main)? {
                found.insert(name, main);
            }
        }
    }
    Ok(found.into_iter().collect())
}

/// The type of a folder entry; a symlink is not followed as cargo would.
fn entry_type(path: &Path) -> Read<std::fs::FileType> {
    let file_type = std::fs::symlink_metadata(path)
        .map_err(|e| Unsupported(format!("{}: {e}", path.display())))?
        .file_type();
    if file_type.is_symlink() {
        return unsupported(format!("{} is a symlink", path.display()));
    }
    Ok(file_type)
}

/// Member folders named by one `members` entry (a path or a glob over
/// folder names, as cargo's `glob` reads it).
fn expand_member(root: &Path, pattern: &str) -> Read<Vec<PathBuf>> {
    if pattern.contains("**") {
        return unsupported("a `**` member glob");
    }
    let fs_root = Root::new(root);
    let mut dirs = vec![root.to_path_buf()];
    for component in Path::new(pattern).components() {
        let part = match component {
            Component::Normal(part) => part
                .to_str()
                .ok_or_else(|| Unsupported("a member path that is not UTF-8".into()))?,
            Component::CurDir => continue,
            _ => return unsupported(format!("member `{pattern}` leaves the root")),
        };
        if !part.contains(['*', '?', '[']) {
            dirs = dirs.into_iter().map(|d| d.join(part)).collect();
            continue;
        }
        let matcher = globset::GlobBuilder::new(part)
            .literal_separator(true)
            .build()
            .map_err(|_| Unsupported(format!("member glob `{pattern}`")))?
            .compile_matcher();
        let mut next = Vec::new();
        for dir in dirs {
            for name in crate::fs::list_workspace_dir(&fs_root, &dir) {
                if !matcher.is_match(&name) {
                    continue;
                }
                // cargo skips files a glob matches (a README beside the crates).
                if entry_type(&dir.join(&name))?.is_dir() {
                    next.push(dir.join(&name));
                }
            }
        }
        dirs = next;
    }
    Ok(dirs)
}

fn is_link(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
}

/// Whether `path` is a regular file; a symlink is not read as cargo would.
fn is_file(path: &Path) -> Read<bool> {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => {
            unsupported(format!("{} is a symlink", path.display()))
        }
        Ok(meta) => Ok(meta.is_file()),
        Err(_) => Ok(false),
    }
}
