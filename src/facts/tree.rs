//! Finds each member's source files by following its module tree from every
//! target root, and parses each file once, level by level, in parallel.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use super::cache::{FactCache, Key, Stamped, Used};
use super::visit::{self, SyntaxError};
use super::{unanalysed, CrateFacts, Facts, FileFacts, Limits, SharedFile, SourceText};
use crate::fs::{Budget, Root};
use crate::workspace::{Architecture, Role, Workspace};
use crate::{Diagnostic, Location, Severity};

/// Target kinds whose module trees are analysed by default.
const SHIPPED_TARGETS: &[&str] = &[
    "lib",
    "rlib",
    "dylib",
    "cdylib",
    "staticlib",
    "proc-macro",
    "bin",
];
const OTHER_TARGETS: &[&str] = &["example", "test", "bench"];

/// Deepest module tree followed: real crates stay under a dozen levels; a
/// chain of thousands of `#[path]` files would cost quadratic memory.
const MAX_MODULE_DEPTH: usize = 64;

/// A file to read: where it is and which module it is.
struct Job {
    member: usize,
    target: usize,
    /// The target is a test, bench or example: all of its code is test code.
    test_target: bool,
    path: PathBuf,
    /// `path` canonicalised, when it could be (symlinks resolved).
    canonical: Option<PathBuf>,
    rel: String,
    module: Vec<super::Name>,
    cfg: Option<String>,
    /// Crate roots and `mod.rs` files own the directory they are in.
    owns_dir: bool,
}

enum Read {
    Parsed {
        file: Box<FileFacts>,
        /// Bytes read; `None` when the file was not read.
        bytes: Option<usize>,
        /// Its cache key, and its encoded facts when they are new; `None`
        /// when the cache is off.
        entry: Option<(Key, Option<Vec<u8>>)>,
        /// Taken from the cache, not parsed.
        cached: bool,
        /// The file's stamp, worth remembering for the next run.
        stamp: Option<Stamped>,
    },
    Failed(Diagnostic),
}

/// Reads and parses every source file of every non-excluded member.
pub fn extract(workspace: &Workspace, architecture: &Architecture, limits: Limits) -> Facts {
    let mut facts = Facts {
        crates: (0..workspace.members.len())
            .map(|_| CrateFacts::default())
            .collect(),
        ..Facts::default()
    };
    let mut claims = Claims::default();
    let mut jobs = Vec::new();
    for (member_index, member) in workspace.members.iter().enumerate() {
        if architecture.roles.get(member_index) == Some(&Role::Excluded) {
            continue;
        }
        for (target_index, target) in member.targets.iter().enumerate() {
            let wanted = SHIPPED_TARGETS.contains(&target.kind.as_str())
                || (limits.all_targets && OTHER_TARGETS.contains(&target.kind.as_str()));
            if !wanted {
                continue;
            }
            let path = workspace.root.join(&target.src_path);
            let rel = normalised_relative(&workspace.root, &path);
            let Some(declared_at) = crate::workspace::member_location(workspace, member_index)
            else {
                continue;
            };
            if let Some(canonical) = claims.claim(&path, &rel, member_index, declared_at) {
                jobs.push(Job {
                    member: member_index,
                    target: target_index,
                    test_target: OTHER_TARGETS.contains(&target.kind.as_str()),
                    rel,
                    path,
                    canonical,
                    module: Vec::new(),
                    cfg: None,
                    owns_dir: true,
                });
            }
        }
    }

    let root = Arc::new(Root::new(&workspace.root));
    let now = crate::fs::now_nanos();
    let budget = Budget::default();
    let member_names: Vec<&str> = workspace
        .members
        .iter()
        .enumerate()
        .filter(|(i, _)| architecture.roles.get(*i) != Some(&Role::Excluded))
        .map(|(_, m)| m.name.as_str())
        .collect();
    let cache = FactCache::open(&workspace.root, &member_names);
    let mut entries: HashMap<usize, Used> = HashMap::new();
    // Deep expressions recurse deeply in syn: give workers room (the nesting
    // scan keeps every file well inside it).
    let pool = rayon::ThreadPoolBuilder::new()
        .stack_size(64 * 1024 * 1024)
        .build()
        .ok();
    while !jobs.is_empty() {
        let read_all = || {
            jobs.par_iter()
                .map(|job| read(job, limits, &root, &budget, cache.as_ref(), now))
                .collect::<Vec<_>>()
        };
        let results = match &pool {
            Some(pool) => pool.install(read_all),
            None => read_all(),
        };
        let mut next = Vec::new();
        for (job, result) in jobs.iter().zip(results) {
            match result {
                Read::Parsed {
                    file,
                    bytes,
                    entry,
                    cached,
                    stamp,
                } => {
                    if cached {
                        facts.cached_files += 1;
                    } else {
                        facts.parsed_files += 1;
                    }
                    if bytes.is_some() {
                        facts.read_files += 1;
                    }
                    facts.bytes += bytes.unwrap_or(0);
                    let used = entries.entry(job.member).or_default();
                    used.entries.extend(entry);
                    used.stamps.extend(stamp);
                    children(
                        workspace,
                        job,
                        &file,
                        &mut claims,
                        &mut next,
                        &mut facts.diagnostics,
                    );
                    facts.crates[job.member].files.push(*file);
                }
                Read::Failed(diagnostic) => facts.diagnostics.push(diagnostic),
            }
        }
        jobs = next;
    }
    if let Some(cache) = &cache {
        let shards = entries
            .into_iter()
            .map(|(member, entries)| (workspace.members[member].name.clone(), entries))
            .collect();
        cache.store(shards);
    }
    facts.shared_files = claims.shared();
    for krate in &mut facts.crates {
        krate
            .files
            .sort_by(|a, b| (a.target, &a.path).cmp(&(b.target, &b.path)));
    }
    facts.diagnostics.sort();
    facts
}

/// Reads one file and extracts its facts, or takes them from the cache:
/// without reading the file when the cache knows its stamp, else by the
/// hash of its text. `now` (nanoseconds since the epoch) tells stamps
/// worth remembering from those of files written too recently.
fn read(
    job: &Job,
    limits: Limits,
    root: &Arc<Root>,
    budget: &Budget,
    cache: Option<&FactCache>,
    now: i128,
) -> Read {
    let failed = |message: String| Read::Failed(unanalysed(message, Some(job.rel.clone())));
    let limit = limits.max_file_bytes.min(u64::from(u32::MAX));
    // A file whose stamp the cache remembers is not read at all.
    if let (Some(cache), Some(canonical)) = (cache, &job.canonical) {
        let known = crate::fs::stamp_canonical(root, canonical)
            .and_then(|stamp| Some((stamp, cache.hash_for(&job.rel, &stamp)?)));
        if let Some((stamp, hash)) = known {
            let key = cache.key(&job.module, job.cfg.as_deref(), &hash);
            if let Some(extracted) = cache.get(&key) {
                let text = SourceText::released(Arc::clone(root), canonical.clone(), hash, limit);
                return Read::Parsed {
                    file: Box::new(file_facts(job, text, extracted)),
                    bytes: None,
                    entry: Some((key, None)),
                    cached: true,
                    stamp: Some(Stamped {
                        path: job.rel.clone(),
                        stamp,
                        hash,
                    }),
                };
            }
        }
    }
    let text = match &job.canonical {
        Some(canonical) => crate::fs::read_canonical_text_stamped(root, canonical, limit, budget),
        None => crate::fs::read_workspace_text_budgeted(root, &job.path, limit, budget)
            .map(|text| (text, None)),
    };
    let (text, stamp) = match text {
        Ok(read) => read,
        Err(e @ crate::fs::FsError::TooLarge { .. }) => {
            return failed(format!("{} not analysed: {e} (generated code?)", job.rel))
        }
        Err(e) => return failed(format!("{} not analysed: {e}", job.rel)),
    };
    let size = text.len();
    let hash = *blake3::hash(text.as_bytes()).as_bytes();
    let key = cache.map(|c| c.key(&job.module, job.cfg.as_deref(), &hash));
    // Only a stamp that surely describes this text is remembered.
    let stamp = stamp
        .filter(|s| cache.is_some() && s.settled(now) && s.size == size as u64)
        .map(|stamp| Stamped {
            path: job.rel.clone(),
            stamp,
            hash,
        });
    let hit = cache.zip(key.as_ref()).and_then(|(c, key)| c.get(key));
    let cached = hit.is_some();
    let (extracted, entry) = match hit {
        Some(extracted) => (Ok(extracted), key.map(|k| (k, None))),
        None => {
            // Only text about to be parsed needs the depth check: cached
            // facts come from text that passed it.
            if let Err(too_deep) = super::nesting::check(&text) {
                let at = too_deep.offset..too_deep.offset + 1;
                return Read::Failed(Diagnostic {
                    location: Some(Location::from_span(&job.rel, &text, at)),
                    ..unanalysed(
                        format!("{} not analysed: {}", job.rel, too_deep.message),
                        Some(job.rel.clone()),
                    )
                });
            }
            let extracted =
                visit::extract(&text, job.module.clone(), job.cfg.clone()).map(|mut facts| {
                    facts.marks_suppression = text.contains(super::SUPPRESSION_MARKER);
                    facts.positions = super::Positions::of(&text);
                    facts
                });
            let entry = match (&extracted, key) {
                (Ok(facts), Some(key)) => FactCache::encode(facts).map(|bytes| (key, Some(bytes))),
                _ => None,
            };
            (extracted, entry)
        }
    };
    match extracted {
        Ok(extracted) => {
            // The text is released: a report reads again the few files it
            // quotes. A file not known by its canonical path keeps it.
            let text = match &job.canonical {
                Some(canonical) => {
                    SourceText::released(Arc::clone(root), canonical.clone(), hash, limit)
                }
                None => SourceText::loaded(Arc::from(text)),
            };
            Read::Parsed {
                file: Box::new(file_facts(job, text, extracted)),
                bytes: Some(size),
                entry,
                cached,
                stamp,
            }
        }
        Err(SyntaxError { message, span }) => Read::Failed(Diagnostic {
            location: Some(Location::from_span(&job.rel, &text, span.range())),
            ..unanalysed(
                format!(
                    "{} does not parse: {message}; its facts are missing",
                    job.rel
                ),
                Some(job.rel.clone()),
            )
        }),
    }
}

/// A file's facts from what was extracted from it.
fn file_facts(job: &Job, text: SourceText, extracted: visit::Extracted) -> FileFacts {
    FileFacts {
        path: job.rel.clone(),
        target: job.target,
        test_target: job.test_target,
        text,
        lines: std::sync::OnceLock::new(),
        marks_suppression: extracted.marks_suppression,
        positions: extracted.positions,
        modules: extracted.modules,
        mods: extracted.mods,
        uses: extracted.uses,
        paths: extracted.paths,
        strings: extracted.strings,
        calls: extracted.calls,
        macros: extracted.macros,
        bindings: extracted.bindings,
        attributes: extracted.attributes,
        field_defaults: extracted.field_defaults,
        address_names: extracted.address_names,
        template_bindings: extracted.template_bindings,
        test_items: extracted.test_items,
        unused_parameter_types: extracted.unused_parameter_types,
        tables: extracted.tables,
        functions: extracted.functions,
        impls: extracted.impls,
        chains: extracted.chains,
        aliases: extracted.aliases,
    }
}

/// Queues the files of the `mod x;` declarations of `file`.
fn children(
    workspace: &Workspace,
    job: &Job,
    file: &FileFacts,
    claims: &mut Claims,
    next: &mut Vec<Job>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let file_dir = job.path.parent().unwrap_or(Path::new(""));
    let own_dir = if job.owns_dir {
        file_dir.to_path_buf()
    } else {
        let stem = job
            .path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        file_dir.join(stem)
    };
    for decl in &file.mods {
        if decl.inline.is_some() {
            continue;
        }
        let parent = &file.modules[decl.module];
        // Inline modules between the file's module and the declaration.
        let inline_dirs = &parent.path[job.module.len().min(parent.path.len())..];
        let base = inline_dirs
            .iter()
            .fold(own_dir.clone(), |dir, m| dir.join(m.as_str()));
        let candidates: Vec<(PathBuf, bool)> = match &decl.path_attr {
            Some(attr) if decl.module == 0 => vec![(file_dir.join(attr), attr.ends_with("mod.rs"))],
            Some(attr) => vec![(base.join(attr), attr.ends_with("mod.rs"))],
            None => vec![
                (base.join(format!("{}.rs", file_stem(&decl.name))), false),
                (base.join(file_stem(&decl.name)).join("mod.rs"), true),
            ],
        };
        let mut module = parent.path.clone();
        module.push(decl.name);
        if module.len() > MAX_MODULE_DEPTH {
            diagnostics.push(Diagnostic {
                location: Some(super::location(file, decl.span)),
                ..unanalysed(
                    format!(
                        "module `{}…` in {} is nested more than {MAX_MODULE_DEPTH} levels deep; not followed",
                        module[..3].join("::"),
                        file.path
                    ),
                    Some(file.path.clone()),
                )
            });
            continue;
        }
        match candidates.iter().find(|(path, _)| path.is_file()) {
            Some((path, owns_dir)) => {
                let rel = normalised_relative(&workspace.root, path);
                let declared_at = super::location(file, decl.span);
                if let Some(canonical) = claims.claim(path, &rel, job.member, declared_at) {
                    next.push(Job {
                        member: job.member,
                        target: job.target,
                        test_target: job.test_target,
                        rel,
                        path: path.clone(),
                        canonical,
                        module,
                        cfg: decl.cfg.clone(),
                        owns_dir: *owns_dir,
                    });
                }
            }
            None => {
                let looked: Vec<String> = candidates
                    .iter()
                    .map(|(p, _)| crate::workspace::relative(&workspace.root, p))
                    .collect();
                diagnostics.push(Diagnostic {
                    severity: Severity::Warn,
                    message: format!(
                        "module `{}` is declared in {} but has no file (looked for {})",
                        module.join("::"),
                        file.path,
                        looked.join(" and ")
                    ),
                    file: Some(file.path.clone()),
                    location: Some(super::location(file, decl.span)),
                });
            }
        }
    }
}

/// Which members reach each file (keyed by its canonical path), so a file
/// is parsed once and a file compiled by several members is known.
#[derive(Default)]
struct Claims {
    by_file: HashMap<PathBuf, SharedFile>,
}

impl Claims {
    /// Records that `member` reaches `path` from `declared_at`. The first time
    /// the file is reached at all (it is then to be read): `Some` of its
    /// canonical path, when it has one.
    fn claim(
        &mut self,
        path: &Path,
        rel: &str,
        member: usize,
        declared_at: Location,
    ) -> Option<Option<PathBuf>> {
        let canonical = path.canonicalize().ok();
        let key = canonical.clone().unwrap_or_else(|| path.to_path_buf());
        match self.by_file.get_mut(&key) {
            Some(shared) => {
                if !shared.claimed_by.contains(&member) {
                    shared.claimed_by.push(member);
                    shared.declared_at.push(declared_at);
                }
                None
            }
            None => {
                self.by_file.insert(
                    key,
                    SharedFile {
                        path: rel.to_string(),
                        claimed_by: vec![member],
                        declared_at: vec![declared_at],
                    },
                );
                Some(canonical)
            }
        }
    }

    /// Files reached by more than one member, sorted by path, claimants
    /// sorted by member index.
    fn shared(self) -> Vec<SharedFile> {
        let mut shared: Vec<SharedFile> = self
            .by_file
            .into_values()
            .filter(|s| s.claimed_by.len() > 1)
            .map(|s| {
                let mut pairs: Vec<(usize, Location)> =
                    s.claimed_by.into_iter().zip(s.declared_at).collect();
                pairs.sort_by_key(|pair| pair.0);
                let (claimed_by, declared_at) = pairs.into_iter().unzip();
                SharedFile {
                    path: s.path,
                    claimed_by,
                    declared_at,
                }
            })
            .collect();
        shared.sort_by(|a, b| a.path.cmp(&b.path));
        shared
    }
}

/// The file name a module is looked for under: `mod r#async;` lives in
/// `async.rs`, as rustc looks for it.
fn file_stem(module: &str) -> &str {
    module.strip_prefix("r#").unwrap_or(module)
}

/// `path` relative to `root` with `.` and `..` folded away lexically
/// (`services/orders/src/../../payments/src/repo.rs` is
/// `services/payments/src/repo.rs`); symlinks are not resolved.
fn normalised_relative(root: &Path, path: &Path) -> String {
    crate::workspace::relative(root, &crate::workspace::lexical(path))
}
