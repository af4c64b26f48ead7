//! Facts extracted by earlier runs, so that a re-run parses only the files
//! that changed. Entries live under the cargo target directory
//! (`target/archfit/facts/`, or `CARGO_TARGET_DIR`/`--target-dir`), one
//! shard file per member, written atomically and never through a symlink.
//!
//! The target directory belongs to the untrusted workspace: a pull request
//! can commit a cache whose entries say a file holds nothing. So an entry's
//! key is a keyed hash (blake3) of the tool version, the file's module path,
//! its `cfg` and its text, under a secret of this machine's user (in the
//! user's cache folder, never in the workspace), and every shard file ends
//! with a tag under the same secret. An entry nobody here wrote never
//! matches; a shard that fails its tag or does not decode is ignored.
//!
//! A shard also remembers each file's stamp (device, inode, size, times;
//! see [`crate::fs::Stamp`]) with the hash of the text it had: a re-run
//! whose file still has that stamp takes its facts without reading it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use super::visit::Extracted;
use crate::fs::{Root, Stamp, WritePolicy};

/// Where the cache lives, as the command line and environment chose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Setting {
    /// `--no-cache`, and library callers that did not ask for one.
    Off,
    /// `<workspace root>/target`, unless `CARGO_TARGET_DIR` says otherwise.
    WorkspaceTarget,
    /// `--target-dir DIR`.
    TargetDir(PathBuf),
}

static SETTING: OnceLock<(Setting, bool)> = OnceLock::new();

/// Turns the cache on for this process (the binary does, unless
/// `--no-cache`); the library alone never writes one. With `verbose`, why
/// a shard was ignored or not written goes to standard error: it is not a
/// finding about the workspace, so no report shows it.
pub fn enable(setting: Setting, verbose: bool) {
    let _ = SETTING.set((setting, verbose));
}

pub(crate) fn setting() -> &'static Setting {
    SETTING.get().map_or(&Setting::Off, |(setting, _)| setting)
}

pub(crate) fn note(message: &str) {
    if SETTING.get().is_some_and(|(_, verbose)| *verbose) {
        eprintln!("archfit: {}", crate::text::neutralise(message));
    }
}

/// Shard file layout version; bump when the bytes change meaning.
const FORMAT: u32 = 4;
const MAGIC: &[u8; 8] = b"ARCHFIT\x01";
/// Largest shard read back: a member's facts are a few MiB at most.
const MAX_SHARD_BYTES: u64 = 512 * 1024 * 1024;

/// Names one file's facts: a keyed hash of everything they depend on.
pub type Key = [u8; 32];

/// A shard's entries: each file's key and its encoded facts.
pub type Entries = Vec<(Key, Vec<u8>)>;

/// What a run used of one member: each file's key, and its encoded facts
/// when they are new (`None`: the cache already holds them); and the
/// stamps of its files worth remembering.
#[derive(Debug, Default)]
pub struct Used {
    pub entries: Vec<(Key, Option<Vec<u8>>)>,
    pub stamps: Vec<Stamped>,
}

/// A file's stamp and the hash of the text it had then.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamped {
    /// Workspace-relative, `/`-separated.
    pub path: String,
    pub stamp: Stamp,
    /// blake3 of the text.
    pub hash: [u8; 32],
}

/// A shard's contents.
#[derive(Debug, Default)]
struct Shard {
    entries: Entries,
    stamps: Vec<Stamped>,
}

/// The cache of one run: shards read at the start, written at the end.
pub struct FactCache {
    /// Writes stay inside this root (the workspace root, or the target
    /// directory named from outside it).
    root: Root,
    /// Shard folder, relative to `root`.
    dir: PathBuf,
    secret: [u8; 32],
    /// Entry bytes by key, from the shards read.
    entries: HashMap<Key, Vec<u8>>,
    /// Stamp and text hash by file path, from the shards read.
    stamps: HashMap<String, (Stamp, [u8; 32])>,
    /// The keys and stamps each shard file held, to skip rewriting
    /// unchanged shards.
    loaded: HashMap<String, (Vec<Key>, Vec<Stamped>)>,
}

impl FactCache {
    /// The cache for `workspace_root`, with the shards of `members` read;
    /// `None` when the cache is off or no secret can be had.
    pub fn open(workspace_root: &Path, members: &[&str]) -> Option<FactCache> {
        let (root, dir) = match setting() {
            Setting::Off => return None,
            Setting::WorkspaceTarget => match std::env::var_os("CARGO_TARGET_DIR") {
                Some(dir) if !dir.is_empty() => {
                    (user_dir(&PathBuf::from(dir))?, "archfit/facts".into())
                }
                _ => (
                    Root::new(workspace_root),
                    PathBuf::from("target/archfit/facts"),
                ),
            },
            Setting::TargetDir(dir) => (user_dir(dir)?, "archfit/facts".into()),
        };
        let secret = secret()?;
        let mut cache = FactCache {
            root,
            dir,
            secret,
            entries: HashMap::new(),
            stamps: HashMap::new(),
            loaded: HashMap::new(),
        };
        use rayon::prelude::*;
        let read: Vec<(String, Result<Shard, String>)> = members
            .par_iter()
            .map(|member| {
                let shard = shard_name(member);
                let found = cache.read_shard(&shard);
                (shard, found)
            })
            .collect();
        for (shard, found) in read {
            match found {
                Ok(Shard { entries, stamps }) => {
                    let keys = entries.iter().map(|(k, _)| *k).collect();
                    cache.entries.extend(entries);
                    for stamped in &stamps {
                        cache
                            .stamps
                            .insert(stamped.path.clone(), (stamped.stamp, stamped.hash));
                    }
                    cache.loaded.insert(shard, (keys, stamps));
                }
                Err(why) if why.is_empty() => {}
                Err(why) => note(&format!("fact cache {shard} ignored: {why}")),
            }
        }
        Some(cache)
    }

    /// The hash of the text a file had when the cache last saw it with
    /// this very stamp: the file need not be read again.
    pub fn hash_for(&self, path: &str, stamp: &Stamp) -> Option<[u8; 32]> {
        let (known, hash) = self.stamps.get(path)?;
        (known == stamp).then_some(*hash)
    }

    /// The key of a file's facts, from the blake3 hash of its text.
    pub fn key(&self, module: &[super::Name], cfg: Option<&str>, text_hash: &[u8; 32]) -> Key {
        let mut hasher = blake3::Hasher::new_keyed(&self.secret);
        hasher.update(crate::VERSION.as_bytes());
        hasher.update(&FORMAT.to_le_bytes());
        for part in module {
            hasher.update(&(part.len() as u64).to_le_bytes());
            hasher.update(part.as_bytes());
        }
        hasher.update(&[0xff]);
        match cfg {
            Some(cfg) => {
                hasher.update(&[1]);
                hasher.update(&(cfg.len() as u64).to_le_bytes());
                hasher.update(cfg.as_bytes());
            }
            None => {
                hasher.update(&[0]);
            }
        }
        hasher.update(text_hash);
        *hasher.finalize().as_bytes()
    }

    /// The facts stored under `key`.
    pub(super) fn get(&self, key: &Key) -> Option<Extracted> {
        postcard::from_bytes(self.entries.get(key)?).ok()
    }

    /// The bytes to store for freshly extracted facts.
    pub(super) fn encode(facts: &Extracted) -> Option<Vec<u8>> {
        postcard::to_allocvec(facts).ok()
    }

    /// Writes each member's shard whose entries changed; a shard that
    /// cannot be written (a symlink on the way) is noted and skipped.
    pub fn store(&self, shards: Vec<(String, Used)>) {
        use rayon::prelude::*;
        let failed: Vec<Option<String>> = shards
            .into_par_iter()
            .map(|(member, used)| {
                let Used {
                    entries: mut used,
                    mut stamps,
                } = used;
                used.sort_by_key(|entry| entry.0);
                used.dedup_by(|a, b| a.0 == b.0);
                stamps.sort_by(|a, b| a.path.cmp(&b.path));
                stamps.dedup_by(|a, b| a.path == b.path);
                let shard = shard_name(&member);
                let keys: Vec<Key> = used.iter().map(|(k, _)| *k).collect();
                if let Some((loaded_keys, loaded_stamps)) = self.loaded.get(&shard) {
                    let mut loaded_keys = loaded_keys.clone();
                    loaded_keys.sort();
                    if loaded_keys == keys && *loaded_stamps == stamps {
                        return None;
                    }
                }
                // Bytes are copied only for a shard that is rewritten.
                let entries: Entries = used
                    .into_iter()
                    .filter_map(|(key, bytes)| {
                        let bytes = bytes.or_else(|| self.entries.get(&key).cloned())?;
                        Some((key, bytes))
                    })
                    .collect();
                let bytes = self.encode_shard(&Shard { entries, stamps });
                let path = self.dir.join(&shard);
                crate::fs::write_file(&path, &bytes, WritePolicy::Cache(&self.root))
                    .err()
                    .map(|e| format!("fact cache {shard} not written: {e}"))
            })
            .collect();
        for message in failed.into_iter().flatten() {
            note(&message);
        }
    }

    fn read_shard(&self, shard: &str) -> Result<Shard, String> {
        let path = self.root.path().join(&self.dir).join(shard);
        if std::fs::symlink_metadata(&path).is_err() {
            return Err(String::new());
        }
        let bytes = crate::fs::read_workspace_bytes(&self.root, &path, MAX_SHARD_BYTES)
            .map_err(|e| e.to_string())?;
        self.decode_shard(&bytes)
    }

    fn encode_shard(&self, shard: &Shard) -> Vec<u8> {
        seal(&self.secret, MAGIC, FORMAT, |out| {
            write_entries(
                out,
                shard
                    .entries
                    .iter()
                    .map(|(key, bytes)| (key, bytes.as_slice())),
            );
            out.extend_from_slice(&(shard.stamps.len() as u64).to_le_bytes());
            for stamped in &shard.stamps {
                out.extend_from_slice(&(stamped.path.len() as u64).to_le_bytes());
                out.extend_from_slice(stamped.path.as_bytes());
                let stamp = &stamped.stamp;
                for field in [stamp.device, stamp.inode, stamp.size] {
                    out.extend_from_slice(&field.to_le_bytes());
                }
                for time in [stamp.modified, stamp.changed] {
                    out.extend_from_slice(&time.to_le_bytes());
                }
                out.extend_from_slice(&stamped.hash);
            }
        })
    }

    fn decode_shard(&self, bytes: &[u8]) -> Result<Shard, String> {
        let mut reader = unseal(&self.secret, MAGIC, FORMAT, bytes)?;
        let entries = reader.entries()?;
        let count = reader.u64()?;
        let mut stamps = Vec::new();
        for _ in 0..count {
            let len = usize::try_from(reader.u64()?).map_err(|_| "path too long".to_string())?;
            let path = std::str::from_utf8(reader.take(len)?)
                .map_err(|_| "path not UTF-8".to_string())?
                .to_string();
            let stamp = Stamp {
                device: reader.u64()?,
                inode: reader.u64()?,
                size: reader.u64()?,
                modified: reader.i128()?,
                changed: reader.i128()?,
            };
            let hash = reader
                .take(32)?
                .try_into()
                .map_err(|_| "truncated hash".to_string())?;
            stamps.push(Stamped { path, stamp, hash });
        }
        if !reader.0.is_empty() {
            return Err("trailing bytes".into());
        }
        Ok(Shard { entries, stamps })
    }
}

/// A cache file: `magic`, `format`, what `body` writes, then a tag (keyed
/// blake3) under the user's secret, so that a file nobody here wrote never
/// decodes.
pub(crate) fn seal(
    secret: &[u8; 32],
    magic: &[u8; 8],
    format: u32,
    body: impl FnOnce(&mut Vec<u8>),
) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(magic);
    out.extend_from_slice(&format.to_le_bytes());
    body(&mut out);
    let tag = blake3::keyed_hash(secret, &out);
    out.extend_from_slice(tag.as_bytes());
    out
}

/// The body of a file [`seal`] wrote with this secret, magic and format.
pub(crate) fn unseal<'a>(
    secret: &[u8; 32],
    magic: &[u8; 8],
    format: u32,
    bytes: &'a [u8],
) -> Result<Reader<'a>, String> {
    let Some((body, tag)) = bytes.split_last_chunk::<32>() else {
        return Err("too short".into());
    };
    // Constant-time comparison through blake3's Hash equality.
    if blake3::keyed_hash(secret, body) != blake3::Hash::from_bytes(*tag) {
        return Err("written by another user, machine or tool (tag does not match)".into());
    }
    let mut reader = Reader(body);
    if reader.take(magic.len())? != magic || reader.u32()? != format {
        return Err("another format".into());
    }
    Ok(reader)
}

/// Entries as [`Reader::entries`] reads them: a count, then each key and
/// its length-prefixed bytes.
pub(crate) fn write_entries<'a>(
    out: &mut Vec<u8>,
    entries: impl ExactSizeIterator<Item = (&'a Key, &'a [u8])>,
) {
    out.extend_from_slice(&(entries.len() as u64).to_le_bytes());
    for (key, bytes) in entries {
        out.extend_from_slice(key);
        out.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
        out.extend_from_slice(bytes);
    }
}

/// Reads a cache file's fields, failing on truncation.
pub(crate) struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    /// What [`write_entries`] wrote.
    pub(crate) fn entries(&mut self) -> Result<Entries, String> {
        let count = self.u64()?;
        let mut entries = Vec::new();
        for _ in 0..count {
            let key: Key = self
                .take(32)?
                .try_into()
                .map_err(|_| "truncated key".to_string())?;
            let len = usize::try_from(self.u64()?).map_err(|_| "entry too long".to_string())?;
            entries.push((key, self.take(len)?.to_vec()));
        }
        Ok(entries)
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        if n > self.0.len() {
            return Err("truncated".into());
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }

    fn u32(&mut self) -> Result<u32, String> {
        let bytes = self.take(4)?;
        Ok(u32::from_le_bytes(
            bytes.try_into().map_err(|_| "truncated")?,
        ))
    }

    fn i128(&mut self) -> Result<i128, String> {
        let bytes = self.take(16)?;
        Ok(i128::from_le_bytes(
            bytes.try_into().map_err(|_| "truncated")?,
        ))
    }

    fn u64(&mut self) -> Result<u64, String> {
        let bytes = self.take(8)?;
        Ok(u64::from_le_bytes(
            bytes.try_into().map_err(|_| "truncated")?,
        ))
    }
}

/// A target directory the user named (not the workspace): created if
/// missing, as cargo would, then the root cache writes stay in.
pub(crate) fn user_dir(dir: &Path) -> Option<Root> {
    let dir = std::path::absolute(dir).ok()?;
    std::fs::create_dir_all(&dir).ok()?;
    Some(Root::new(&dir))
}

/// A member's shard file name: a hash of its name, so no workspace text
/// becomes a path.
fn shard_name(member: &str) -> String {
    let hash = blake3::hash(member.as_bytes());
    format!("{}.bin", &hash.to_hex()[..24])
}

/// This user's secret for cache keys, created on first use in the user's
/// cache folder (`$XDG_CACHE_HOME` or `~/.cache`, `cargo-archfit/secret`).
/// `None` (no cache) where there is none and none can be made.
pub(crate) fn secret() -> Option<[u8; 32]> {
    static SECRET: OnceLock<Option<[u8; 32]>> = OnceLock::new();
    *SECRET.get_or_init(|| {
        let base = std::env::var_os("XDG_CACHE_HOME")
            .filter(|d| !d.is_empty())
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
        let dir = base.join("cargo-archfit");
        let path = dir.join("secret");
        if let Some(secret) = read_secret(&path) {
            return Some(secret);
        }
        std::fs::create_dir_all(&dir).ok()?;
        let mut fresh = [0u8; 32];
        crate::fs::random_bytes(&mut fresh)?;
        // Refused if it exists: another process may have made one meanwhile.
        let _ = crate::fs::create_private_file(&path, &fresh);
        // Another process may have won the race: use what is on disk.
        read_secret(&path)
    })
}

fn read_secret(path: &Path) -> Option<[u8; 32]> {
    let meta = std::fs::symlink_metadata(path).ok()?;
    if !meta.is_file() || meta.len() != 32 {
        return None;
    }
    crate::fs::read_user_bytes(path, 32).ok()?.try_into().ok()
}
