//! SQL analysed once per distinct text: texts repeat a lot across services
//! (one query in many handlers, one migration in many services), and four
//! dialects in turn make parsing the dearest part of `cross-service-db`.
//! Within a run each text is analysed once, whichever check asks first;
//! across runs the analyses persist next to the fact cache
//! (`target/archfit/sql/memo`, or under `CARGO_TARGET_DIR`/`--target-dir`;
//! `--no-cache` keeps them in memory only).
//!
//! The target directory belongs to the untrusted workspace, so the file is
//! trusted exactly like the fact shards: each entry's key is a keyed hash
//! (blake3) of the tool version and the text under the user's secret, and
//! the file ends with a tag under the same secret. A file nobody here wrote
//! matches nothing; a damaged one is ignored (with a note under `-v`). It is
//! written atomically, never through a symlink, only when this run used
//! entries it does not hold or left some unused (those are dropped, so the
//! file stays as large as one run's SQL).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::{Analysis, ScriptAnalysis};
use crate::facts::cache::{self, Setting};
use crate::fs::{Root, WritePolicy};

/// Names one analysis: a hash of what it depends on.
type Key = [u8; 32];

/// File layout version; bump when the bytes change meaning.
const FORMAT: u32 = 1;
const MAGIC: &[u8; 8] = b"ARCHFSQL";
/// Largest memo read back: a run's SQL analyses are a few MiB.
const MAX_BYTES: u64 = 256 * 1024 * 1024;
/// Where the memo lives inside a target directory.
const FILE: &str = "archfit/sql/memo";

/// What an entry's key tells apart besides the text.
#[derive(Clone, Copy)]
enum Kind {
    Text = 1,
    Script = 2,
}

/// One analysis of this run, and its encoded bytes when the memo file does
/// not hold them yet.
struct Slot<T> {
    value: Arc<T>,
    bytes: Option<Vec<u8>>,
}

type Slots<T> = Mutex<HashMap<Key, Slot<T>>>;

/// The memo file as read at first use.
struct MemoFile {
    /// Writes stay inside this root (the workspace root, or the target
    /// directory named from outside it).
    root: Root,
    /// The file, relative to `root`.
    path: PathBuf,
    secret: [u8; 32],
    entries: HashMap<Key, Vec<u8>>,
}

/// The SQL analyses of one run. [`SqlMemo::default`] keeps them in memory;
/// [`SqlMemo::open`] also reads and writes the memo file of a workspace.
#[derive(Default)]
pub struct SqlMemo {
    /// The workspace whose target directory holds the memo file; `None`:
    /// in memory only.
    workspace_root: Option<PathBuf>,
    /// Read at first use, so a run that analyses no SQL neither reads nor
    /// rewrites it. `None` inside: no file (off, or no secret).
    file: OnceLock<Option<MemoFile>>,
    texts: Slots<Analysis>,
    scripts: Slots<ScriptAnalysis>,
    analysed: AtomicUsize,
    remembered: AtomicUsize,
}

impl SqlMemo {
    /// The memo of `workspace_root`, persisted where the fact cache is when
    /// the binary enabled it (see [`cache::enable`]).
    pub fn open(workspace_root: &Path) -> SqlMemo {
        SqlMemo {
            workspace_root: Some(workspace_root.to_path_buf()),
            ..SqlMemo::default()
        }
    }

    /// [`super::analyse`] of `sql`, once per distinct text.
    pub fn analyse(&self, sql: &str) -> Arc<Analysis> {
        self.get(&self.texts, Kind::Text, sql, super::analyse)
    }

    /// [`super::analyse_script`] of a migration script, once per distinct text.
    pub fn analyse_script(&self, script: &str) -> Arc<ScriptAnalysis> {
        self.get(&self.scripts, Kind::Script, script, super::analyse_script)
    }

    /// Texts (and scripts) analysed by this run.
    pub fn analysed(&self) -> usize {
        self.analysed.load(Ordering::Relaxed)
    }

    /// Analyses this run took from the memo file.
    pub fn remembered(&self) -> usize {
        self.remembered.load(Ordering::Relaxed)
    }

    fn file(&self) -> Option<&MemoFile> {
        self.file
            .get_or_init(|| MemoFile::open(self.workspace_root.as_deref()?))
            .as_ref()
    }

    fn get<T: Serialize + DeserializeOwned>(
        &self,
        slots: &Slots<T>,
        kind: Kind,
        text: &str,
        compute: fn(&str) -> T,
    ) -> Arc<T> {
        let file = self.file();
        let key = key(file.map(|f| &f.secret), kind, text);
        if let Some(slot) = lock(slots).get(&key) {
            return slot.value.clone();
        }
        if let Some(bytes) = file.and_then(|f| f.entries.get(&key)) {
            match postcard::from_bytes::<T>(bytes) {
                Ok(value) => {
                    self.remembered.fetch_add(1, Ordering::Relaxed);
                    let value = Arc::new(value);
                    let slot = Slot {
                        value: value.clone(),
                        bytes: None,
                    };
                    lock(slots).entry(key).or_insert(slot);
                    return value;
                }
                Err(_) => note("SQL memo entry ignored: it does not decode"),
            }
        }
        // Parsed outside the lock: another thread may parse the same text
        // meanwhile, which costs time but changes nothing.
        let value = Arc::new(compute(text));
        self.analysed.fetch_add(1, Ordering::Relaxed);
        let bytes = file.and_then(|_| postcard::to_allocvec(&*value).ok());
        lock(slots)
            .entry(key)
            .or_insert(Slot { value, bytes })
            .value
            .clone()
    }

    /// Writes the memo file with the entries this run used, unless it
    /// already holds exactly those; a file that cannot be written (a
    /// symlink in its place) is noted and skipped.
    pub fn store(&self) {
        let Some(Some(file)) = self.file.get() else {
            return;
        };
        let mut used: Vec<(Key, Option<Vec<u8>>)> = Vec::new();
        let mut fresh = false;
        collect(&self.texts, &mut used, &mut fresh);
        collect(&self.scripts, &mut used, &mut fresh);
        if !fresh && used.len() == file.entries.len() {
            return;
        }
        used.sort_by_key(|entry| entry.0);
        let entries: Vec<(Key, &[u8])> = used
            .iter()
            .filter_map(|(key, bytes)| {
                let bytes = bytes
                    .as_deref()
                    .or_else(|| file.entries.get(key).map(Vec::as_slice))?;
                Some((*key, bytes))
            })
            .collect();
        let bytes = encode(&file.secret, &entries);
        if let Err(e) = crate::fs::write_file(&file.path, &bytes, WritePolicy::Cache(&file.root)) {
            note(&format!("SQL memo not written: {e}"));
        }
    }
}

/// Each used key, with its bytes when the file lacks them; `fresh` when
/// any does.
fn collect<T>(slots: &Slots<T>, out: &mut Vec<(Key, Option<Vec<u8>>)>, fresh: &mut bool) {
    for (key, slot) in lock(slots).iter() {
        *fresh |= slot.bytes.is_some();
        out.push((*key, slot.bytes.clone()));
    }
}

/// The map, even after a panic elsewhere poisoned its lock: entries are
/// inserted whole, so none is half written.
fn lock<T>(slots: &Slots<T>) -> MutexGuard<'_, HashMap<Key, Slot<T>>> {
    slots
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The key of an analysis: keyed by the user's secret when it goes to the
/// memo file, a plain hash when it stays in memory.
fn key(secret: Option<&[u8; 32]>, kind: Kind, text: &str) -> Key {
    let mut hasher = match secret {
        Some(secret) => blake3::Hasher::new_keyed(secret),
        None => blake3::Hasher::new(),
    };
    hasher.update(&(crate::VERSION.len() as u64).to_le_bytes());
    hasher.update(crate::VERSION.as_bytes());
    hasher.update(&FORMAT.to_le_bytes());
    hasher.update(&[kind as u8]);
    hasher.update(text.as_bytes());
    *hasher.finalize().as_bytes()
}

fn note(message: &str) {
    cache::note(message);
}

impl MemoFile {
    /// The memo file of `workspace_root` with the entries it holds; `None`
    /// when the cache is off or no secret can be had.
    fn open(workspace_root: &Path) -> Option<MemoFile> {
        let (root, path) = match cache::setting() {
            Setting::Off => return None,
            Setting::WorkspaceTarget => match std::env::var_os("CARGO_TARGET_DIR") {
                Some(dir) if !dir.is_empty() => (cache::user_dir(Path::new(&dir))?, FILE.into()),
                _ => (Root::new(workspace_root), Path::new("target").join(FILE)),
            },
            Setting::TargetDir(dir) => (cache::user_dir(dir)?, FILE.into()),
        };
        let secret = cache::secret()?;
        let mut file = MemoFile {
            root,
            path,
            secret,
            entries: HashMap::new(),
        };
        match file.read() {
            Ok(entries) => file.entries = entries,
            Err(why) if why.is_empty() => {}
            Err(why) => note(&format!("SQL memo ignored: {why}")),
        }
        Some(file)
    }

    /// The entries of the file; `Err("")` when there is none yet.
    fn read(&self) -> Result<HashMap<Key, Vec<u8>>, String> {
        let path = self.root.path().join(&self.path);
        match std::fs::symlink_metadata(&path) {
            Err(_) => return Err(String::new()),
            Ok(meta) if meta.file_type().is_symlink() => return Err("it is a symlink".into()),
            Ok(_) => {}
        }
        let bytes = crate::fs::read_workspace_bytes(&self.root, &path, MAX_BYTES)
            .map_err(|e| e.to_string())?;
        decode(&self.secret, &bytes)
    }
}

fn encode(secret: &[u8; 32], entries: &[(Key, &[u8])]) -> Vec<u8> {
    cache::seal(secret, MAGIC, FORMAT, |out| {
        cache::write_entries(out, entries.iter().map(|(key, bytes)| (key, *bytes)));
    })
}

fn decode(secret: &[u8; 32], bytes: &[u8]) -> Result<HashMap<Key, Vec<u8>>, String> {
    let mut reader = cache::unseal(secret, MAGIC, FORMAT, bytes)?;
    Ok(reader.entries()?.into_iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_is_analysed_once_per_memo() {
        let memo = SqlMemo::default();
        let sql = "SELECT sku FROM order_items WHERE order_id = $1";
        let first = memo.analyse(sql);
        let again = memo.analyse(sql);
        assert!(Arc::ptr_eq(&first, &again));
        assert_eq!(memo.analysed(), 1);
        assert_eq!(*first, super::super::analyse(sql));
        // A script of the same text is another analysis.
        memo.analyse_script(sql);
        assert_eq!(memo.analysed(), 2);
        // In memory only: nothing to store, nothing remembered.
        memo.store();
        assert_eq!(memo.remembered(), 0);
    }

    #[test]
    fn threads_sharing_a_memo_get_each_text_analysed_as_alone() {
        use rayon::prelude::*;
        let texts: Vec<String> = (0..12)
            .map(|i| format!("SELECT qty FROM stock_{i} WHERE sku = $1"))
            .chain(["SELECT sku FROM stock GROUP BY DISTINCT sku".to_string()])
            .collect();
        let memo = SqlMemo::default();
        let asked: Vec<&String> = texts.iter().cycle().take(texts.len() * 40).collect();
        let results: Vec<(&String, Arc<Analysis>)> = asked
            .par_iter()
            .map(|text| (*text, memo.analyse(text)))
            .collect();
        for (text, analysis) in &results {
            assert_eq!(**analysis, super::super::analyse(text));
        }
        // Two threads may both parse a text they ask for at once; every
        // later question is answered from the memo.
        let first = memo.analysed();
        assert!(first >= texts.len() && first < asked.len(), "{first}");
        for text in &texts {
            memo.analyse(text);
        }
        assert_eq!(memo.analysed(), first);
    }

    #[test]
    fn the_file_holds_what_was_encoded_and_nothing_else_decodes() {
        let secret = [7u8; 32];
        let key = key(Some(&secret), Kind::Text, "SELECT 1");
        let bytes = encode(&secret, &[(key, b"entry".as_slice())]);
        let entries = decode(&secret, &bytes).expect("decodes");
        assert_eq!(
            entries.get(&key).map(Vec::as_slice),
            Some(b"entry".as_slice())
        );
        // Another user's secret: the tag does not match.
        assert!(decode(&[8u8; 32], &bytes)
            .unwrap_err()
            .contains("tag does not match"));
        // Any byte changed, or cut short: never trusted.
        let mut damaged = bytes.clone();
        damaged[12] ^= 1;
        assert!(decode(&secret, &damaged).is_err());
        assert!(decode(&secret, &bytes[..bytes.len() - 1]).is_err());
        assert!(decode(&secret, &bytes[..10]).is_err());
        // Keys differ by secret and by kind.
        assert_ne!(key, super::key(Some(&[8u8; 32]), Kind::Text, "SELECT 1"));
        assert_ne!(key, super::key(Some(&secret), Kind::Script, "SELECT 1"));
    }
}
