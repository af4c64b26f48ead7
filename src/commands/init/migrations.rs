//! Migration folders of a service and the tables their scripts leave
//! behind, for the `migrations` list and the comment beside each folder.

use std::collections::BTreeSet;
use std::path::Path;

use walkdir::WalkDir;

use crate::workspace::Workspace;

/// How deep below a crate folder a migrations folder is looked for
/// (`db/migration/postgres`).
const MAX_DEPTH: usize = 3;
/// Folders of code and build output, where no migration folder of the
/// crate's own lives (`src/migrations` holds Rust data migrations).
const SKIPPED: &[&str] = &[
    "src",
    "tests",
    "benches",
    "examples",
    "target",
    "node_modules",
    "docs",
];
/// Subfolders that keep one database's scripts; Postgres is the one a
/// service runs in production when several are kept.
const POSTGRES: &[&str] = &["postgres", "postgresql", "pg"];
const DIALECTS: &[&str] = &["postgres", "postgresql", "pg", "sqlite", "mysql", "mariadb"];

/// Migration folders under `dir` (workspace-relative, "" for the root):
/// `<dir>/migrations` when it exists (even empty: migrations to come), and
/// any `migrations` or `migration` folder up to three levels below that
/// holds SQL scripts. A folder that keeps one subfolder per database gives
/// its Postgres subfolders instead.
pub fn folders(workspace: &Workspace, dir: &str) -> Vec<String> {
    let join = |rest: &str| {
        if dir.is_empty() {
            rest.to_string()
        } else {
            format!("{dir}/{rest}")
        }
    };
    let root = crate::fs::Root::new(&workspace.root);
    let Ok(base) = root.resolve(Path::new(if dir.is_empty() { "." } else { dir })) else {
        return Vec::new();
    };
    let mut found: Vec<String> = Vec::new();
    let walker = WalkDir::new(&base)
        .follow_links(false)
        .min_depth(1)
        .max_depth(MAX_DEPTH)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            let name = e.file_name().to_string_lossy();
            e.file_type().is_dir() && !name.starts_with('.') && !SKIPPED.contains(&name.as_ref())
        });
    for entry in walker.filter_map(Result::ok) {
        let name = entry.file_name().to_string_lossy().to_ascii_lowercase();
        if name != "migrations" && name != "migration" {
            continue;
        }
        let Some(relative) = entry
            .path()
            .strip_prefix(&base)
            .ok()
            .and_then(|p| p.to_str())
            .map(|p| p.replace('\\', "/"))
        else {
            continue;
        };
        if found
            .iter()
            .any(|f| join(&relative).starts_with(&format!("{f}/")))
        {
            continue;
        }
        let direct = entry.depth() == 1 && name == "migrations";
        if !direct && !holds_sql(entry.path()) {
            continue;
        }
        let per_database = dialect_folders(entry.path());
        if per_database.is_empty() {
            found.push(join(&relative));
        } else {
            found.extend(
                per_database
                    .iter()
                    .map(|d| join(&format!("{relative}/{d}"))),
            );
        }
    }
    found
}

/// Whether `dir` holds a `.sql` file within a few levels (links not followed).
fn holds_sql(dir: &Path) -> bool {
    WalkDir::new(dir)
        .follow_links(false)
        .max_depth(4)
        .into_iter()
        .take(10_000)
        .filter_map(Result::ok)
        .any(|e| e.file_type().is_file() && e.file_name().to_string_lossy().ends_with(".sql"))
}

/// The Postgres subfolders (up to two levels: `keyvalue/postgres`) of a
/// migrations folder that keeps one subfolder per database, relative to it.
fn dialect_folders(dir: &Path) -> Vec<String> {
    let mut dialects = 0;
    let mut postgres = Vec::new();
    for entry in WalkDir::new(dir)
        .follow_links(false)
        .min_depth(1)
        .max_depth(2)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_dir())
    {
        let name = entry.file_name().to_string_lossy().to_ascii_lowercase();
        if !DIALECTS.contains(&name.as_str()) {
            continue;
        }
        dialects += 1;
        if POSTGRES.contains(&name.as_str()) && holds_sql(entry.path()) {
            if let Some(relative) = entry.path().strip_prefix(dir).ok().and_then(|p| p.to_str()) {
                postgres.push(relative.replace('\\', "/"));
            }
        }
    }
    if dialects > 1 {
        postgres
    } else {
        Vec::new()
    }
}

/// What a folder's scripts do, for the comment beside it: how many there
/// are and the tables that exist after the last one.
pub fn summary(workspace: &Workspace, folder: &str) -> String {
    let (files, _) = crate::facts::read_migrations(
        workspace,
        &[(0, folder.to_string())],
        crate::facts::Limits::default(),
    );
    if files.is_empty() {
        return "no migration yet: tables its scripts create will be its own".to_string();
    }
    let mut tables: Vec<String> = Vec::new();
    for file in &files {
        for change in changes(&file.text) {
            match change {
                crate::sql::TableChange::Defined(table) => {
                    if !tables.contains(&table.name) {
                        tables.push(table.name);
                    }
                }
                crate::sql::TableChange::Dropped(table) => tables.retain(|t| *t != table.name),
                crate::sql::TableChange::Renamed { from, to } => {
                    for t in tables.iter_mut().filter(|t| **t == from.name) {
                        t.clone_from(&to.name);
                    }
                }
            }
        }
    }
    let unique: BTreeSet<&String> = tables.iter().collect();
    let count = files.len();
    let scripts = if count == 1 { "script" } else { "scripts" };
    if unique.is_empty() {
        return format!("{count} {scripts}; no table found in them");
    }
    const SHOWN: usize = 6;
    let mut names: Vec<&str> = tables.iter().map(String::as_str).take(SHOWN).collect();
    let more = tables.len().saturating_sub(SHOWN);
    let more = if more > 0 {
        format!(" and {more} more")
    } else {
        String::new()
    };
    names.dedup();
    format!("{count} {scripts}; owns {}{more}", names.join(", "))
}

/// The table changes of one script, statement by statement (one bad
/// statement does not hide the others).
fn changes(text: &str) -> Vec<crate::sql::TableChange> {
    if let Ok(statements) = crate::sql::parse(text) {
        return crate::sql::table_changes(&statements);
    }
    let Some(ranges) = crate::sql::statement_ranges(text) else {
        return Vec::new();
    };
    ranges
        .into_iter()
        .filter_map(|range| text.get(range))
        .filter_map(|chunk| crate::sql::parse(chunk).ok())
        .flat_map(|statements| crate::sql::table_changes(&statements))
        .collect()
}
