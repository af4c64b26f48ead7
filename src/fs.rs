//! The one place that opens files. The analysed workspace is untrusted (a
//! pull request from a fork controls every file in it), so every read and
//! write goes through here:
//!
//! - reads of workspace files resolve (symlinks followed, canonicalised)
//!   inside the workspace root, open only regular files (never a FIFO, a
//!   device or a `/proc` file, whose reported size means nothing) and read
//!   through a bounded reader;
//! - writes never go through a symlink, stay inside the root when the path
//!   came from the workspace, and are atomic (a temporary file beside the
//!   target, then a rename), so an interrupted write never leaves half a file.
//!
//! Paths the user typed on the command line (`--config`, `--baseline`,
//! `--output`) are trusted to be where the user wants them, but are still
//! opened as regular files only and read with a bound.

// The one module allowed to open files (clippy.toml bans std::fs elsewhere).
#![allow(clippy::disallowed_methods)]

use std::fmt;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Largest file read by default: larger ones are generated code or an attack.
pub const DEFAULT_MAX_FILE_BYTES: u64 = 8 * 1024 * 1024;

/// The workspace root, as given and canonicalised, that reads must stay in.
#[derive(Debug, Clone)]
pub struct Root {
    lexical: PathBuf,
    canonical: PathBuf,
}

impl Root {
    /// The root at `path` (canonicalised when it exists).
    pub fn new(path: &Path) -> Root {
        Root {
            lexical: path.to_path_buf(),
            canonical: path.canonicalize().unwrap_or_else(|_| path.to_path_buf()),
        }
    }

    /// The root as given.
    pub fn path(&self) -> &Path {
        &self.lexical
    }

    /// Whether `canonical` (an already canonicalised path) is the root or below it.
    fn contains(&self, canonical: &Path) -> bool {
        canonical.starts_with(&self.canonical)
    }

    /// `path` resolved inside the root, or why not. Relative paths are
    /// relative to the root.
    pub fn resolve(&self, path: &Path) -> Result<PathBuf, FsError> {
        let joined = self.lexical.join(path);
        let canonical = joined.canonicalize().map_err(FsError::Io)?;
        if self.contains(&canonical) {
            Ok(canonical)
        } else {
            Err(FsError::Outside(canonical))
        }
    }

    /// `canonical` (already canonicalised by the caller) if it is inside the
    /// root: saves resolving a path twice when the caller needed its
    /// canonical form anyway.
    pub fn check_canonical(&self, canonical: &Path) -> Result<(), FsError> {
        if self.contains(canonical) {
            Ok(())
        } else {
            Err(FsError::Outside(canonical.to_path_buf()))
        }
    }

    /// Whether `path` (relative to the root or absolute) is inside the root
    /// once resolved; a missing path is not.
    pub fn holds(&self, path: &Path) -> bool {
        self.resolve(path).is_ok()
    }
}

/// Why a file was not read or written.
#[derive(Debug)]
pub enum FsError {
    /// The path resolves (through `..` or a symlink) outside the root.
    Outside(PathBuf),
    /// Not a regular file: a directory, FIFO, socket or device.
    NotRegular(&'static str),
    /// Larger than the limit, in bytes.
    TooLarge {
        size: u64,
        limit: u64,
    },
    /// The run's budget for file contents is spent.
    BudgetSpent {
        limit: u64,
    },
    /// Not UTF-8; the offset of the first invalid byte.
    NotUtf8(usize),
    /// The path (or a folder on the way to it) is a symlink; writes refuse it.
    Symlink(PathBuf),
    Io(std::io::Error),
}

impl fmt::Display for FsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FsError::Outside(target) => write!(
                f,
                "it resolves to {}, outside the workspace; refused",
                target.display()
            ),
            FsError::NotRegular(kind) => write!(f, "it is a {kind}, not a regular file; refused"),
            FsError::TooLarge { size, limit } => {
                write!(f, "it is {size} bytes or more, over the {limit} byte limit")
            }
            FsError::BudgetSpent { limit } => write!(
                f,
                "the run has already read {limit} bytes of files, its limit; skipped"
            ),
            FsError::NotUtf8(offset) => {
                write!(f, "it is not UTF-8 (invalid byte at offset {offset})")
            }
            FsError::Symlink(path) => write!(
                f,
                "{} is a symbolic link; refusing to write through it",
                path.display()
            ),
            FsError::Io(e) => write!(f, "{e}"),
        }
    }
}

impl FsError {
    /// Whether the file is simply not there (a normal, expected case for
    /// optional files).
    pub fn is_not_found(&self) -> bool {
        matches!(self, FsError::Io(e) if e.kind() == std::io::ErrorKind::NotFound)
    }
}

/// A shared allowance of bytes for one run, so that many files just under
/// the per-file limit cannot exhaust memory either.
#[derive(Debug)]
pub struct Budget {
    limit: u64,
    used: AtomicU64,
}

impl Budget {
    /// A budget of `limit` bytes.
    pub fn new(limit: u64) -> Budget {
        Budget {
            limit,
            used: AtomicU64::new(0),
        }
    }

    /// Takes `bytes` from the budget, or says it is spent.
    fn take(&self, bytes: u64) -> Result<(), FsError> {
        let before = self.used.fetch_add(bytes, Ordering::Relaxed);
        if before.saturating_add(bytes) > self.limit {
            self.used.fetch_sub(bytes, Ordering::Relaxed);
            Err(FsError::BudgetSpent { limit: self.limit })
        } else {
            Ok(())
        }
    }
}

impl Default for Budget {
    /// 2 GiB of file contents per run: far more than any real workspace's
    /// sources, far less than the machine.
    fn default() -> Budget {
        Budget::new(2 * 1024 * 1024 * 1024)
    }
}

/// Reads a workspace file as UTF-8: inside `root`, regular, at most `limit` bytes.
pub fn read_workspace_text(root: &Root, path: &Path, limit: u64) -> Result<String, FsError> {
    let resolved = root.resolve(path)?;
    into_text(read_regular(&resolved, limit, None)?)
}

/// Like [`read_workspace_text`], charging the bytes to `budget`.
pub fn read_workspace_text_budgeted(
    root: &Root,
    path: &Path,
    limit: u64,
    budget: &Budget,
) -> Result<String, FsError> {
    let resolved = root.resolve(path)?;
    into_text(read_regular(&resolved, limit, Some(budget))?)
}

/// Like [`read_workspace_text_budgeted`] for a path the caller already
/// canonicalised (see [`Root::check_canonical`]).
pub fn read_canonical_text_budgeted(
    root: &Root,
    canonical: &Path,
    limit: u64,
    budget: &Budget,
) -> Result<String, FsError> {
    root.check_canonical(canonical)?;
    into_text(read_regular(canonical, limit, Some(budget))?)
}

/// Like [`read_canonical_text_budgeted`], also giving the stamp of the
/// file that was read (taken from the open handle, so it describes these
/// bytes and not a file swapped in afterwards).
pub fn read_canonical_text_stamped(
    root: &Root,
    canonical: &Path,
    limit: u64,
    budget: &Budget,
) -> Result<(String, Option<Stamp>), FsError> {
    root.check_canonical(canonical)?;
    let (bytes, meta) = read_regular_with_meta(canonical, limit, Some(budget))?;
    Ok((into_text(bytes)?, Stamp::of(&meta)))
}

/// The stamp of a workspace file given by its canonical path, without
/// opening it; `None` outside the root, for anything but a regular file, or
/// on a platform without inode numbers.
pub fn stamp_canonical(root: &Root, canonical: &Path) -> Option<Stamp> {
    root.check_canonical(canonical).ok()?;
    let meta = std::fs::symlink_metadata(canonical).ok()?;
    meta.is_file().then(|| Stamp::of(&meta)).flatten()
}

/// What tells whether a file changed without reading it: device, inode,
/// size, and modification and status-change times to the nanosecond, as
/// git's index and cargo's fingerprints use them. The change time cannot be
/// set back by a user program, so a file rewritten with its old size and
/// modification time still gets a new stamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Stamp {
    pub device: u64,
    pub inode: u64,
    pub size: u64,
    /// Nanoseconds since the Unix epoch.
    pub modified: i128,
    /// Nanoseconds since the Unix epoch.
    pub changed: i128,
}

impl Stamp {
    #[cfg(unix)]
    fn of(meta: &std::fs::Metadata) -> Option<Stamp> {
        use std::os::unix::fs::MetadataExt;
        let nanos = |secs: i64, nsec: i64| i128::from(secs) * 1_000_000_000 + i128::from(nsec);
        Some(Stamp {
            device: meta.dev(),
            inode: meta.ino(),
            size: meta.size(),
            modified: nanos(meta.mtime(), meta.mtime_nsec()),
            changed: nanos(meta.ctime(), meta.ctime_nsec()),
        })
    }

    #[cfg(not(unix))]
    fn of(_meta: &std::fs::Metadata) -> Option<Stamp> {
        None
    }

    /// Whether the file was last written at least a second before `now`
    /// (nanoseconds since the epoch). A file written in the same clock tick
    /// as it was read could change again without its stamp changing (git's
    /// "racy" entries); such a stamp is not worth remembering.
    pub fn settled(&self, now: i128) -> bool {
        const MARGIN: i128 = 1_000_000_000;
        self.modified.max(self.changed) + MARGIN <= now
    }
}

/// Nanoseconds since the Unix epoch, by the system clock.
pub fn now_nanos() -> i128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as i128)
}

/// Reads raw bytes of a workspace file (for files that may hold non-UTF-8).
pub fn read_workspace_bytes(root: &Root, path: &Path, limit: u64) -> Result<Vec<u8>, FsError> {
    let resolved = root.resolve(path)?;
    read_regular(&resolved, limit, None)
}

/// Reads a file the user named on the command line: anywhere, but still a
/// regular file and bounded.
pub fn read_user_text(path: &Path, limit: u64) -> Result<String, FsError> {
    into_text(read_regular(path, limit, None)?)
}

/// Reads a file of the tool's own (not the workspace's): anywhere, regular,
/// bounded.
pub fn read_user_bytes(path: &Path, limit: u64) -> Result<Vec<u8>, FsError> {
    read_regular(path, limit, None)
}

/// Creates a new file readable by its owner only (`create_new`: never an
/// existing file, never through a symlink). For the tool's own secrets.
pub fn create_private_file(path: &Path, contents: &[u8]) -> Result<(), FsError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(FsError::Io)?;
    file.write_all(contents)
        .and_then(|()| file.sync_all())
        .map_err(FsError::Io)
}

/// Fills `out` from the operating system's random source; `None` where
/// there is none this code knows.
pub fn random_bytes(out: &mut [u8]) -> Option<()> {
    if cfg!(unix) {
        std::fs::File::open("/dev/urandom")
            .ok()?
            .read_exact(out)
            .ok()
    } else {
        None
    }
}

/// Opens a file the user named on the command line for streaming (a
/// traces export of hundreds of MB): anywhere, but only a regular file,
/// checked before opening (a FIFO is never opened) and on the handle.
pub fn open_user_file(path: &Path) -> Result<std::fs::File, FsError> {
    open_regular(path, u64::MAX).map(|(file, _)| file)
}

/// Opens `path` only if it is a regular file of at most `limit` bytes:
/// checked before opening (so a FIFO is never opened and cannot block) and
/// again on the open handle, whose metadata is returned.
fn open_regular(path: &Path, limit: u64) -> Result<(std::fs::File, std::fs::Metadata), FsError> {
    let meta = std::fs::metadata(path).map_err(FsError::Io)?;
    if !meta.is_file() {
        return Err(FsError::NotRegular(kind_of(&meta.file_type())));
    }
    if meta.len() > limit {
        return Err(FsError::TooLarge {
            size: meta.len(),
            limit,
        });
    }
    let file = std::fs::File::open(path).map_err(FsError::Io)?;
    let handle_meta = file.metadata().map_err(FsError::Io)?;
    if !handle_meta.is_file() {
        return Err(FsError::NotRegular(kind_of(&handle_meta.file_type())));
    }
    Ok((file, handle_meta))
}

fn into_text(bytes: Vec<u8>) -> Result<String, FsError> {
    String::from_utf8(bytes).map_err(|e| FsError::NotUtf8(e.utf8_error().valid_up_to()))
}

/// Reads at most `limit` bytes of `path`, a regular file (see
/// [`open_regular`]).
fn read_regular(path: &Path, limit: u64, budget: Option<&Budget>) -> Result<Vec<u8>, FsError> {
    read_regular_with_meta(path, limit, budget).map(|(bytes, _)| bytes)
}

/// [`read_regular`], also giving the open handle's metadata.
fn read_regular_with_meta(
    path: &Path,
    limit: u64,
    budget: Option<&Budget>,
) -> Result<(Vec<u8>, std::fs::Metadata), FsError> {
    let (file, handle_meta) = open_regular(path, limit)?;
    if let Some(budget) = budget {
        budget.take(handle_meta.len())?;
    }
    let mut bytes = Vec::with_capacity(handle_meta.len().min(limit) as usize);
    // The size can grow between stat and read (or lie, for special files):
    // never read more than the limit, whatever the metadata said.
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(FsError::Io)?;
    if bytes.len() as u64 > limit {
        return Err(FsError::TooLarge {
            size: bytes.len() as u64,
            limit,
        });
    }
    Ok((bytes, handle_meta))
}

fn kind_of(file_type: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "FIFO";
        }
        if file_type.is_socket() {
            return "socket";
        }
        if file_type.is_block_device() || file_type.is_char_device() {
            return "device";
        }
    }
    if file_type.is_dir() {
        "directory"
    } else {
        "special file"
    }
}

/// Names of the entries of a workspace directory (inside the root, not
/// following the entries' links), sorted; empty when it cannot be read.
pub fn list_workspace_dir(root: &Root, dir: &Path) -> Vec<String> {
    let Ok(resolved) = root.resolve(dir) else {
        return Vec::new();
    };
    let mut names: Vec<String> = std::fs::read_dir(resolved)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// Where a write may go.
#[derive(Debug, Clone, Copy)]
pub enum WritePolicy<'a> {
    /// A path the user typed: anywhere, but never through a symlink, and
    /// when it names a place inside the workspace, it must really be inside.
    User { workspace: &'a Root },
    /// A path that came from the workspace (its config, or `init`'s own
    /// files): inside the root, no symlink on the way, folders created.
    Workspace(&'a Root),
    /// Like `Workspace`, for a cache that can be rebuilt: not synced to disk.
    Cache(&'a Root),
}

/// Writes `contents` to `path` atomically (temporary file, then rename),
/// refusing symlinks and, per `policy`, places outside the workspace.
pub fn write_file(path: &Path, contents: &[u8], policy: WritePolicy<'_>) -> Result<(), FsError> {
    let path = match policy {
        WritePolicy::Workspace(root) | WritePolicy::Cache(root) => {
            let path = root.path().join(path);
            create_dirs_inside(root, &path)?;
            path
        }
        WritePolicy::User { .. } => std::path::absolute(path).map_err(FsError::Io)?,
    };
    match std::fs::symlink_metadata(&path) {
        Ok(meta) if meta.file_type().is_symlink() => return Err(FsError::Symlink(path)),
        Ok(meta) if !meta.is_file() => return Err(FsError::NotRegular(kind_of(&meta.file_type()))),
        _ => {}
    }
    let parent = path
        .parent()
        .ok_or_else(|| FsError::Io(std::io::Error::other("no parent folder")))?;
    let canonical_parent = parent.canonicalize().map_err(FsError::Io)?;
    let root = match policy {
        WritePolicy::Workspace(root) | WritePolicy::Cache(root) => Some(root),
        // A user path that names the workspace must not be redirected out of it.
        WritePolicy::User { workspace } if parent.starts_with(workspace.path()) => Some(workspace),
        WritePolicy::User { .. } => None,
    };
    if let Some(root) = root {
        if !root.contains(&canonical_parent) {
            return Err(FsError::Outside(canonical_parent));
        }
    }
    let name = path
        .file_name()
        .ok_or_else(|| FsError::Io(std::io::Error::other("no file name")))?;
    let temp = unique_temp_path(&canonical_parent, name);
    // `create_new` is O_EXCL: it fails on any existing entry, a symlink
    // included, so the temporary file is really ours.
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&temp)
        .map_err(FsError::Io)?;
    let durable = !matches!(policy, WritePolicy::Cache(_));
    let written = file
        .write_all(contents)
        .and_then(|()| if durable { file.sync_all() } else { Ok(()) });
    drop(file);
    if let Err(e) = written {
        let _ = std::fs::remove_file(&temp);
        return Err(FsError::Io(e));
    }
    // rename replaces the final name itself, never what a link points at.
    std::fs::rename(&temp, canonical_parent.join(name)).map_err(|e| {
        let _ = std::fs::remove_file(&temp);
        FsError::Io(e)
    })
}

/// Creates the folder the user named for an output of several files
/// (`report --html <dir>`) unless it is there; refuses a symlink or any
/// other entry in its place, so the files written into it land there.
pub fn create_user_dir(path: &Path) -> Result<(), FsError> {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => Err(FsError::Symlink(path.to_path_buf())),
        Ok(meta) if meta.is_dir() => Ok(()),
        Ok(meta) => Err(FsError::NotRegular(kind_of(&meta.file_type()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir_all(path).map_err(FsError::Io)
        }
        Err(e) => Err(FsError::Io(e)),
    }
}

fn unique_temp_path(dir: &Path, name: &std::ffi::OsStr) -> PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let mut temp = std::ffi::OsString::from(".");
    temp.push(name);
    temp.push(format!(".archfit-{}-{n}.tmp", std::process::id()));
    dir.join(temp)
}

/// Creates the folders above `path` one by one below `root`, refusing any
/// that is a symlink (a PR could point `docs/adr` at a folder outside).
fn create_dirs_inside(root: &Root, path: &Path) -> Result<(), FsError> {
    let Some(parent) = path.parent() else {
        return Ok(());
    };
    let relative = parent
        .strip_prefix(root.path())
        .map_err(|_| FsError::Outside(parent.to_path_buf()))?;
    let mut current = root.path().to_path_buf();
    for component in relative.components() {
        match component {
            std::path::Component::Normal(part) => current.push(part),
            // `..` or an absolute part could leave the root.
            _ => return Err(FsError::Outside(parent.to_path_buf())),
        }
        match std::fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => {
                return Err(FsError::Symlink(current));
            }
            Ok(meta) if meta.is_dir() => {}
            Ok(meta) => return Err(FsError::NotRegular(kind_of(&meta.file_type()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                match std::fs::create_dir(&current) {
                    Ok(()) => {}
                    // Another writer made it meanwhile: fine if it is a
                    // real folder, refused if it is a link.
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                        let meta = std::fs::symlink_metadata(&current).map_err(FsError::Io)?;
                        if meta.file_type().is_symlink() {
                            return Err(FsError::Symlink(current));
                        }
                        if !meta.is_dir() {
                            return Err(FsError::NotRegular(kind_of(&meta.file_type())));
                        }
                    }
                    Err(e) => return Err(FsError::Io(e)),
                }
            }
            Err(e) => return Err(FsError::Io(e)),
        }
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::disallowed_methods)] // tests build their workspaces directly
mod tests {
    use super::*;

    fn scratch(tag: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("archfit-fs-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("mkdir");
        dir
    }

    #[test]
    fn reads_a_regular_file_inside_the_root() {
        let dir = scratch("inside");
        std::fs::write(dir.join("a.rs"), "fn a() {}").expect("write");
        let root = Root::new(&dir);
        let text = read_workspace_text(&root, Path::new("a.rs"), 100).expect("read");
        assert_eq!(text, "fn a() {}");
    }

    #[test]
    fn refuses_dot_dot_and_absolute_paths_outside() {
        let dir = scratch("dotdot");
        std::fs::create_dir_all(dir.join("ws")).expect("mkdir");
        std::fs::write(dir.join("secret.txt"), "token").expect("write");
        let root = Root::new(&dir.join("ws"));
        let err = read_workspace_text(&root, Path::new("../secret.txt"), 100).unwrap_err();
        assert!(matches!(err, FsError::Outside(_)), "{err}");
        let err = read_workspace_text(&root, &dir.join("secret.txt"), 100).unwrap_err();
        assert!(matches!(err, FsError::Outside(_)), "{err}");
    }

    #[cfg(unix)]
    #[test]
    fn refuses_symlinks_out_of_the_root_and_follows_those_inside() {
        let dir = scratch("links");
        std::fs::create_dir_all(dir.join("ws/src")).expect("mkdir");
        std::fs::write(dir.join("secret.txt"), "token").expect("write");
        std::fs::write(dir.join("ws/src/real.rs"), "fn r() {}").expect("write");
        std::os::unix::fs::symlink(dir.join("secret.txt"), dir.join("ws/src/out.rs"))
            .expect("link");
        std::os::unix::fs::symlink("real.rs", dir.join("ws/src/in.rs")).expect("link");
        let root = Root::new(&dir.join("ws"));
        assert!(matches!(
            read_workspace_text(&root, Path::new("src/out.rs"), 100),
            Err(FsError::Outside(_))
        ));
        assert_eq!(
            read_workspace_text(&root, Path::new("src/in.rs"), 100).expect("inside link"),
            "fn r() {}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn never_opens_a_fifo_or_a_device() {
        let dir = scratch("fifo");
        let fifo = dir.join("lib.rs");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .expect("mkfifo runs");
        assert!(made.success());
        let root = Root::new(&dir);
        let err = read_workspace_text(&root, Path::new("lib.rs"), 100).unwrap_err();
        assert!(matches!(err, FsError::NotRegular("FIFO")), "{err}");
        let err = read_user_text(Path::new("/dev/zero"), 100).unwrap_err();
        assert!(matches!(err, FsError::NotRegular("device")), "{err}");
    }

    #[test]
    fn reads_no_more_than_the_limit() {
        let dir = scratch("limit");
        std::fs::write(dir.join("big.rs"), vec![b'a'; 1000]).expect("write");
        let root = Root::new(&dir);
        let err = read_workspace_text(&root, Path::new("big.rs"), 999).unwrap_err();
        assert!(matches!(err, FsError::TooLarge { .. }), "{err}");
    }

    #[test]
    fn budget_refuses_once_spent() {
        let dir = scratch("budget");
        std::fs::write(dir.join("a.rs"), vec![b'a'; 600]).expect("write");
        std::fs::write(dir.join("b.rs"), vec![b'b'; 600]).expect("write");
        let root = Root::new(&dir);
        let budget = Budget::new(1000);
        read_workspace_text_budgeted(&root, Path::new("a.rs"), 1000, &budget).expect("first");
        let err =
            read_workspace_text_budgeted(&root, Path::new("b.rs"), 1000, &budget).unwrap_err();
        assert!(matches!(err, FsError::BudgetSpent { .. }), "{err}");
    }

    #[cfg(unix)]
    #[test]
    fn writes_refuse_a_symlinked_target_and_leave_its_target_alone() {
        let dir = scratch("write-link");
        std::fs::create_dir_all(dir.join("ws")).expect("mkdir");
        std::fs::write(dir.join("victim"), "precious").expect("write");
        std::os::unix::fs::symlink(dir.join("victim"), dir.join("ws/archfit.sarif")).expect("link");
        let root = Root::new(&dir.join("ws"));
        let user = write_file(
            &dir.join("ws/archfit.sarif"),
            b"{}",
            WritePolicy::User { workspace: &root },
        );
        assert!(matches!(user, Err(FsError::Symlink(_))), "{user:?}");
        let inside = write_file(
            Path::new("archfit.sarif"),
            b"{}",
            WritePolicy::Workspace(&root),
        );
        assert!(matches!(inside, Err(FsError::Symlink(_))), "{inside:?}");
        assert_eq!(
            std::fs::read_to_string(dir.join("victim")).expect("read"),
            "precious"
        );
    }

    #[cfg(unix)]
    #[test]
    fn workspace_writes_refuse_symlinked_folders_and_dot_dot() {
        let dir = scratch("write-dir");
        std::fs::create_dir_all(dir.join("ws/docs")).expect("mkdir");
        std::fs::create_dir_all(dir.join("elsewhere")).expect("mkdir");
        std::os::unix::fs::symlink(dir.join("elsewhere"), dir.join("ws/docs/adr")).expect("link");
        let root = Root::new(&dir.join("ws"));
        let err = write_file(
            Path::new("docs/adr/0001-x.md"),
            b"# X",
            WritePolicy::Workspace(&root),
        );
        assert!(matches!(err, Err(FsError::Symlink(_))), "{err:?}");
        let err = write_file(
            Path::new("../outside.json"),
            b"{}",
            WritePolicy::Workspace(&root),
        );
        assert!(matches!(err, Err(FsError::Outside(_))), "{err:?}");
        assert!(std::fs::read_dir(dir.join("elsewhere"))
            .expect("list")
            .next()
            .is_none());
        assert!(!dir.join("outside.json").exists());
    }

    #[test]
    fn writes_are_whole_and_leave_no_temporary_file() {
        let dir = scratch("atomic");
        let root = Root::new(&dir);
        write_file(
            Path::new("reports/out.json"),
            b"{\"a\":1}",
            WritePolicy::Workspace(&root),
        )
        .expect("write");
        write_file(
            &dir.join("reports/out.json"),
            b"{\"a\":2}",
            WritePolicy::User { workspace: &root },
        )
        .expect("overwrite");
        assert_eq!(
            std::fs::read_to_string(dir.join("reports/out.json")).expect("read"),
            "{\"a\":2}"
        );
        let names = list_workspace_dir(&root, Path::new("reports"));
        assert_eq!(names, vec!["out.json".to_string()]);
    }
}
