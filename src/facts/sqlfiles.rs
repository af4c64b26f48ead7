//! SQL files: migrations (which define table ownership) and the files named
//! by `sqlx::query_file!`. Migration folders are the only directories this
//! tool walks; symlinks are not followed, so a symlink loop cannot trap it.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use rayon::prelude::*;
use walkdir::WalkDir;

use super::{Facts, Limits};
use crate::workspace::{relative, Workspace};
use crate::{Diagnostic, Severity};

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
    let mut found: Vec<(usize, std::path::PathBuf)> = Vec::new();
    let mut diagnostics = Vec::new();
    for (service, dir) in dirs {
        let root = workspace.root.join(dir);
        for entry in WalkDir::new(&root).follow_links(false).sort_by_file_name() {
            let entry = match entry {
                Ok(entry) => entry,
                Err(e) => {
                    diagnostics.push(warn(
                        format!("cannot read migrations in {dir}: {e}"),
                        Some(dir.clone()),
                    ));
                    continue;
                }
            };
            let name = entry.file_name().to_string_lossy();
            let is_sql = name.ends_with(".sql") && !name.ends_with("down.sql");
            if is_sql && !entry.file_type().is_dir() {
                found.push((*service, entry.into_path()));
            }
        }
    }
    let read: Vec<Result<MigrationFile, (String, String)>> = found
        .par_iter()
        .map(|(service, path)| {
            let rel = relative(&workspace.root, path);
            match read_text(path, &rel, limits) {
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
            Err((message, rel)) => diagnostics.push(warn(message, Some(rel))),
        }
    }
    (files, diagnostics)
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
    for (rel, path) in wanted {
        match read_text(&path, &rel, limits) {
            Ok(text) => {
                facts.sql_files.insert(rel, text);
            }
            Err(message) => facts.diagnostics.push(warn(message, Some(rel))),
        }
    }
}

fn warn(message: String, file: Option<String>) -> Diagnostic {
    Diagnostic {
        severity: Severity::Warn,
        message,
        file,
        location: None,
    }
}

fn read_text(path: &Path, rel: &str, limits: Limits) -> Result<Arc<str>, String> {
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot read {rel}: {e}"))?;
    if meta.len() > limits.max_file_bytes {
        return Err(format!(
            "{rel} is {} bytes, over the {} byte limit; skipped",
            meta.len(),
            limits.max_file_bytes
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {rel}: {e}"))?;
    String::from_utf8(bytes)
        .map(Arc::from)
        .map_err(|_| format!("{rel} is not UTF-8; skipped"))
}
