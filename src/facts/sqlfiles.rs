//! SQL files: migrations (which define table ownership) and the files named
//! by `sqlx::query_file!`. Migration folders are the only directories
//! `check` walks (`init` also walks the repository for deployment and
//! `.proto` files, in `commands/init/discover.rs`); symlinks are not
//! followed, so a symlink loop cannot trap either.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use rayon::prelude::*;
use walkdir::WalkDir;

use super::{Facts, Limits};
use crate::fs::Root;
use crate::workspace::{relative, Workspace};
use crate::Diagnostic;

/// One `.sql` file of a service's migrations.
#[derive(Debug, Clone)]
pub struct MigrationFile {
    /// Index of the service in `Architecture::services`.
    pub service: usize,
    /// Workspace-relative path.
    pub path: String,
    pub text: Arc<str>,
}

/// Reads every up-migration under `dirs` (service index, workspace-relative
/// folder): sqlx (`*.sql`, `*.up.sql`), diesel (`<version>_<name>/up.sql`)
/// and refinery (`V1__name.sql`) layouts. Down-migrations are skipped.
pub fn read_migrations(
    workspace: &Workspace,
    dirs: &[(usize, String)],
    limits: Limits,
) -> (Vec<MigrationFile>, Vec<Diagnostic>) {
    // (service, version of the migration, its path): applied in version order.
    let mut found: Vec<(usize, Version, std::path::PathBuf)> = Vec::new();
    let mut diagnostics = Vec::new();
    let workspace_root = Root::new(&workspace.root);
    for (service, dir) in dirs {
        // A migrations folder that is a link out of the workspace (to `/`)
        // is not walked at all.
        let root = match workspace_root.resolve(Path::new(dir)) {
            Ok(root) => root,
            Err(e) => {
                diagnostics.push(super::unanalysed(
                    format!("migrations folder {dir} not read: {e}"),
                    Some(dir.clone()),
                ));
                continue;
            }
        };
        for entry in WalkDir::new(&root).follow_links(false).sort_by_file_name() {
            let entry = match entry {
                Ok(entry) => entry,
                Err(e) => {
                    diagnostics.push(super::unanalysed(
                        format!("cannot read migrations in {dir}: {e}"),
                        Some(dir.clone()),
                    ));
                    continue;
                }
            };
            let name = entry.file_name().to_string_lossy();
            let is_sql = name.ends_with(".sql") && !name.ends_with("down.sql");
            if is_sql && !entry.file_type().is_dir() {
                // Paths below the canonical folder, shown relative to the root.
                let below = entry.path().strip_prefix(&root).ok();
                let version = below.map(version_of).unwrap_or_default();
                let shown = below
                    .map(|rest| workspace.root.join(dir).join(rest))
                    .unwrap_or_else(|| entry.path().to_path_buf());
                found.push((*service, version, shown));
            }
        }
    }
    found.sort();
    let read: Vec<Result<MigrationFile, (String, String)>> = found
        .par_iter()
        .map(|(service, _, path)| {
            let rel = relative(&workspace.root, path);
            match read_text(&workspace_root, path, &rel, limits) {
                Ok(text) => Ok(MigrationFile {
                    service: *service,
                    path: rel,
                    text,
                }),
                Err(message) => Err((message, rel)),
            }
        })
        .collect();
    let mut files = Vec::new();
    for result in read {
        match result {
            Ok(file) => files.push(file),
            Err((message, rel)) => diagnostics.push(super::unanalysed(message, Some(rel))),
        }
    }
    (files, diagnostics)
}

/// The version numbers a migration tool orders by, from the first part of
/// its path below the migrations folder: `20240101000000_init.sql`,
/// `V13__add_index.sql`, `V1.2__x.sql`, diesel's
/// `2024-01-01-000000_create/up.sql`. Compared as numbers, so `V6` runs
/// before `V13` (file names sort the other way).
type Version = Vec<u128>;

fn version_of(below: &Path) -> Version {
    let first = below
        .components()
        .next()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .unwrap_or_default();
    let digits = first.strip_prefix(['V', 'v']).unwrap_or(&first);
    let head: String = digits
        .chars()
        .take_while(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '_'))
        .collect();
    // `V1__x`: the version ends at the double underscore.
    let head = head.split("__").next().unwrap_or_default();
    let numbers: Vec<u128> = head
        .split(['.', '-', '_'])
        .filter(|part| !part.is_empty())
        .filter_map(|part| part.parse().ok())
        .collect();
    // sqlx/diesel timestamps are one number however they are punctuated.
    if first.starts_with(['V', 'v']) {
        numbers
    } else {
        head.chars()
            .filter(char::is_ascii_digit)
            .collect::<String>()
            .parse()
            .map(|n| vec![n])
            .unwrap_or_default()
    }
}

/// Reads the files named by `query_file!`-style macros, relative to the
/// directory of the crate that names them.
pub fn read_query_files(workspace: &Workspace, facts: &mut Facts, limits: Limits) {
    let mut wanted: BTreeMap<String, std::path::PathBuf> = BTreeMap::new();
    for (member, krate) in facts.crates.iter().enumerate() {
        let dir = workspace.root.join(&workspace.members[member].dir);
        for file in &krate.files {
            for string in &file.strings {
                if string
                    .in_macro
                    .as_deref()
                    .is_some_and(|m| m.starts_with("query_file"))
                {
                    let path = dir.join(&string.value);
                    wanted.insert(relative(&workspace.root, &path), path);
                }
            }
        }
    }
    let root = Root::new(&workspace.root);
    let mut problems = Vec::new();
    for (member, krate) in facts.crates.iter_mut().enumerate() {
        if krate.files.is_empty() || !generates_from_queries(&workspace.members[member]) {
            continue;
        }
        let dir = workspace.root.join(&workspace.members[member].dir);
        let Ok(queries) = root.resolve(&dir.join(QUERIES_DIR)) else {
            continue;
        };
        for entry in WalkDir::new(&queries)
            .follow_links(false)
            .sort_by_file_name()
        {
            let entry = match entry {
                Ok(entry) => entry,
                Err(e) => {
                    let rel = relative(&workspace.root, &dir.join(QUERIES_DIR));
                    problems.push(super::unanalysed(
                        format!("cannot read queries in {rel}: {e}"),
                        Some(rel),
                    ));
                    continue;
                }
            };
            if entry.file_type().is_file() && entry.file_name().to_string_lossy().ends_with(".sql")
            {
                let below = entry.path().strip_prefix(&queries).unwrap_or(entry.path());
                let shown = dir.join(QUERIES_DIR).join(below);
                let rel = relative(&workspace.root, &shown);
                wanted.insert(rel.clone(), shown);
                krate.query_files.push(rel);
            }
        }
    }
    facts.diagnostics.extend(problems);
    for (rel, path) in wanted {
        match read_text(&root, &path, &rel, limits) {
            Ok(text) => {
                facts.sql_files.insert(rel, text);
            }
            Err(message) => facts
                .diagnostics
                .push(super::unanalysed(message, Some(rel))),
        }
    }
}

/// Where cornucopia and clorinde read queries from by default.
const QUERIES_DIR: &str = "queries";

/// Build-time generators of typed query code from `queries/*.sql`: the
/// crate's SQL lives in those files, not in Rust literals.
const QUERY_GENERATORS: &[&str] = &["cornucopia", "clorinde"];

/// Whether `member`'s build script generates code from SQL query files.
fn generates_from_queries(member: &crate::workspace::Member) -> bool {
    member.dependencies.iter().any(|d| {
        d.kind == crate::workspace::DepKind::Build && QUERY_GENERATORS.contains(&d.package.as_str())
    })
}

/// Reads one SQL file inside the workspace: regular, bounded, UTF-8.
fn read_text(root: &Root, path: &Path, rel: &str, limits: Limits) -> Result<Arc<str>, String> {
    crate::fs::read_workspace_text(root, path, limits.max_file_bytes)
        .map(Arc::from)
        .map_err(|e| format!("{rel} not read: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_ordered_by_version_not_by_name() {
        let mut names = vec![
            "V13__add_index.sql",
            "V6__create.sql",
            "V1.10__b.sql",
            "V1.2__a.sql",
        ];
        names.sort_by_key(|n| version_of(Path::new(n)));
        assert_eq!(
            names,
            [
                "V1.2__a.sql",
                "V1.10__b.sql",
                "V6__create.sql",
                "V13__add_index.sql"
            ]
        );
        assert_eq!(
            version_of(Path::new("20240101000000_init.sql")),
            vec![20240101000000]
        );
        assert_eq!(
            version_of(Path::new("2024-01-01-000000_create/up.sql")),
            vec![20240101000000]
        );
        assert!(version_of(Path::new("init.sql")).is_empty());
    }
}
