//! `check --new-since <ref>`: the same rules, with the same configuration,
//! run on the tree of an earlier commit; only findings whose fingerprint
//! occurs more often now than there are reported, the way the baseline
//! compares (the findings at the ref are a baseline, [`Baseline::hold`]).
//!
//! The workspace is untrusted, so getting the commit's tree runs nothing
//! it could choose: no `git worktree add` (hooks), no checkout or
//! `git archive` (`.gitattributes` filter drivers). `git ls-tree` lists the
//! tree and `git cat-file --batch` hands over the raw blobs, which this
//! module writes itself into a fresh folder of the system's temporary
//! directory, outside the workspace, at the workspace's place in the
//! repository (so workspace-relative paths, and fingerprints, compare).
//! Only the workspace's subtree is written, unless cargo cannot load it
//! alone (a member or path dependency outside it): then the whole tree. Symlinks (mode 120000) and submodules
//! (160000) are not written; a path that is absolute, has `..`, `.` or a
//! `.git` component is refused. The folder is removed when the snapshot is
//! dropped, on every error path, and on Ctrl-C or SIGTERM (a handler that
//! removes the folders still alive, then exits 130).
//!
//! Git is `git` from `PATH` (the environment is trusted, as for cargo),
//! with hooks pointed at `/dev/null`, no fsmonitor, no pager, no terminal
//! prompt and no lazy fetch of missing objects (a partial clone would
//! otherwise reach the network).

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;

use crate::baseline::Baseline;
use crate::{fs, model, workspace, Error, Loaded, Options, Outcome};

/// What the summary of a `--new-since` run says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// The ref as typed.
    pub reference: String,
    /// The commit it names (full hash).
    pub commit: String,
    /// Findings of the rules on the ref's tree (after inline suppressions
    /// and the baseline, as on the current tree).
    pub at_ref: usize,
    /// Findings of the current tree the ref's findings account for, left
    /// out of `findings`.
    pub unchanged: usize,
}

/// Compares `outcome` (the current tree's findings, the baseline already
/// applied) with the findings of the same rules on `reference`'s tree, and
/// leaves in it only the new ones.
pub fn apply(
    options: &Options,
    loaded: &Loaded,
    baseline: Option<&Baseline>,
    reference: &str,
    outcome: &mut Outcome,
) -> Result<(), Error> {
    let repository = Repository::around(&loaded.workspace.root)?;
    let commit = repository.resolve(reference)?;
    let at_ref = |e: Error| at_ref_error(e, reference, &commit);
    let snapshot = repository.extract(&commit, reference, false)?;
    let manifest = snapshot.root.join("Cargo.toml");
    if !manifest.is_file() {
        return Err(Error::Workspace {
            message: format!(
                "the tree at `{}` ({}) has no Cargo.toml at {}",
                crate::text::neutralise(reference),
                short(&commit),
                if repository.prefix.is_empty() {
                    "the repository root".to_string()
                } else {
                    crate::text::neutralise(&repository.prefix).into_owned()
                }
            ),
            help: "--new-since needs a commit at which the workspace already existed".into(),
        });
    }
    // The workspace's subtree is enough unless a member or a path
    // dependency lies outside it: then cargo needs the whole tree.
    let (then, snapshot) = match workspace::load(Some(&manifest)) {
        Ok(then) => (then, snapshot),
        Err(_) if !repository.prefix.is_empty() => {
            drop(snapshot);
            let whole = repository.extract(&commit, reference, true)?;
            let then = workspace::load(Some(&whole.root.join("Cargo.toml"))).map_err(at_ref)?;
            (then, whole)
        }
        Err(e) => return Err(at_ref(e)),
    };
    let adrs = current_adrs(loaded);
    let planned: Vec<(&str, &str)> = adrs
        .iter()
        .map(|(link, text)| (link.as_str(), text.as_str()))
        .collect();
    let mut then = model::build_with_config_of(
        then,
        &loaded.workspace.root,
        &loaded.workspace.root_manifest,
        options.config.as_deref(),
        &planned,
    )
    .map_err(at_ref)?;
    // The same production traces judge both trees: a runtime-coupling
    // finding the ref's tree already had is not new.
    then.runtime = loaded.runtime.clone();
    let mut before = crate::run(&then, &options.rules).map_err(at_ref)?;
    if options.allow_incomplete {
        crate::accept_incomplete(&mut before);
    }
    // A file of the old tree that could not be analysed would make the
    // comparison report its findings as new: the run is incomplete.
    if let Some(problem) = before
        .diagnostics
        .iter()
        .find(|d| d.severity == crate::Severity::Error)
    {
        return Err(Error::Workspace {
            message: format!(
                "the tree at `{}` ({}) could not be fully analysed: {}",
                crate::text::neutralise(reference),
                short(&commit),
                crate::text::neutralise(&problem.message)
            ),
            help: "findings there cannot be compared; fix the ref's tree, pick another ref, or pass --allow-incomplete".into(),
        });
    }
    drop(snapshot);
    // The same baseline on both sides: a finding is reported only when it
    // is beyond the baseline and new since the ref.
    if let Some(baseline) = baseline {
        baseline.apply(&mut before, "");
    }
    let (held, _) = Baseline::of(&before).hold(&mut outcome.findings);
    outcome.new_since = Some(Summary {
        reference: reference.to_string(),
        commit,
        at_ref: before.findings.len(),
        unchanged: held.len(),
    });
    Ok(())
}

/// The text of every ADR file the current configuration's rules name, by
/// link, so the ref's tree is judged by the same decisions even where it
/// lacks or has older copies of their files.
fn current_adrs(loaded: &Loaded) -> Vec<(String, String)> {
    let root = fs::Root::new(&loaded.workspace.root);
    let mut out: BTreeMap<String, String> = BTreeMap::new();
    for adr in loaded.adrs.iter().flatten() {
        if adr.link.contains("://") || out.contains_key(&adr.link) {
            continue;
        }
        if let Ok(bytes) =
            fs::read_workspace_bytes(&root, Path::new(&adr.link), crate::adr::MAX_BYTES)
        {
            out.insert(
                adr.link.clone(),
                String::from_utf8_lossy(&bytes).into_owned(),
            );
        }
    }
    out.into_iter().collect()
}

/// An error of the ref's side, said to be so.
fn at_ref_error(error: Error, reference: &str, commit: &str) -> Error {
    let side = format!(
        "at `{}` ({})",
        crate::text::neutralise(reference),
        short(commit)
    );
    match error {
        Error::Config(mistakes) => Error::Workspace {
            message: format!(
                "the tree {side} does not load with the current configuration: {}",
                mistakes
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
            help: "the current archfit.toml is applied to both trees; a ref older than a service or folder it names cannot be compared".into(),
        },
        Error::Workspace { message, help } => Error::Workspace {
            message: format!("the tree {side}: {message}"),
            help,
        },
        Error::Cargo {
            message,
            help,
            output,
        } => Error::Cargo {
            message: format!("the tree {side}: {message}"),
            help,
            output,
        },
        Error::Io { path, message } => Error::Io {
            path,
            message: format!("{message} (the tree {side})"),
        },
        other => other,
    }
}

fn short(commit: &str) -> &str {
    commit.get(..12).unwrap_or(commit)
}

/// The git repository around the workspace.
struct Repository {
    /// The repository's work tree root.
    top: PathBuf,
    /// The workspace root relative to it, `/`-separated, ending in `/`
    /// (empty at the root).
    prefix: String,
    shallow: bool,
}

impl Repository {
    fn around(root: &Path) -> Result<Repository, Error> {
        let output = git_output(
            root,
            &[
                "rev-parse",
                "--show-toplevel",
                "--show-prefix",
                "--is-shallow-repository",
            ],
        )?;
        if !output.status.success() {
            let said = first_line(&output.stderr);
            let message = if said.contains("not a git repository") {
                format!(
                    "--new-since: the workspace at {} is not in a git repository",
                    crate::text::neutralise(&root.display().to_string())
                )
            } else {
                format!("--new-since: git cannot read the repository: {said}")
            };
            return Err(Error::Workspace {
                message,
                help: "--new-since compares with a commit of the workspace's git repository".into(),
            });
        }
        let text = String::from_utf8_lossy(&output.stdout);
        let mut lines = text.lines();
        let (Some(top), Some(prefix), Some(shallow)) = (lines.next(), lines.next(), lines.next())
        else {
            return Err(Error::Workspace {
                message: "--new-since: `git rev-parse` printed an unexpected answer".into(),
                help: "check that git works in this folder: `git rev-parse --show-toplevel`".into(),
            });
        };
        Ok(Repository {
            top: PathBuf::from(top),
            prefix: prefix.to_string(),
            shallow: shallow == "true",
        })
    }

    /// The full hash of the commit `reference` names.
    fn resolve(&self, reference: &str) -> Result<String, Error> {
        let typed = crate::text::neutralise(reference);
        if reference.is_empty() || reference.starts_with('-') {
            return Err(Error::Usage(format!(
                "--new-since `{typed}`: not a git ref"
            )));
        }
        let spec = format!("{reference}^{{commit}}");
        let output = git_output(
            &self.top,
            &[
                "rev-parse",
                "--verify",
                "--quiet",
                "--end-of-options",
                &spec,
            ],
        )?;
        let commit = String::from_utf8_lossy(&output.stdout).trim().to_string();
        let hash = matches!(commit.len(), 40 | 64) && commit.bytes().all(|b| b.is_ascii_hexdigit());
        if output.status.success() && hash {
            return Ok(commit);
        }
        if self.shallow {
            return Err(Error::Workspace {
                message: format!(
                    "--new-since `{typed}`: this is a shallow clone and it does not have that commit"
                ),
                help: format!(
                    "fetch it: `git fetch --deepen=<n>` or `git fetch --unshallow`, or fetch the ref itself (`git fetch origin {typed}`); in GitHub Actions, `fetch-depth: 0` on actions/checkout"
                ),
            });
        }
        Err(Error::Workspace {
            message: format!("--new-since `{typed}`: no commit of the repository has this name"),
            help: "name a branch, tag or commit (`main`, `origin/main`, `HEAD~1`); a remote branch must be fetched first".into(),
        })
    }

    /// Writes the workspace's subtree of `commit` (or, with `whole`, the
    /// commit's whole tree) into a new temporary folder, at the same
    /// relative place.
    fn extract(&self, commit: &str, reference: &str, whole: bool) -> Result<Snapshot, Error> {
        let folder = TempFolder::create()?;
        let root = folder.path.join(&self.prefix);
        let io = |what: &str, e: std::io::Error| Error::Io {
            path: folder.path.display().to_string(),
            message: format!(
                "--new-since `{}`: {what}: {e}",
                crate::text::neutralise(reference)
            ),
        };
        std::fs::create_dir_all(&root).map_err(|e| io("cannot create the folder", e))?;
        let mut args = vec!["ls-tree", "-r", "-z", "--full-tree", commit];
        if !whole && !self.prefix.is_empty() {
            args.extend(["--", &self.prefix]);
        }
        let listing = git_output(&self.top, &args)?;
        if !listing.status.success() {
            return Err(Error::Workspace {
                message: format!(
                    "--new-since `{}`: git cannot list the commit's tree: {}",
                    crate::text::neutralise(reference),
                    first_line(&listing.stderr)
                ),
                help: "check that the commit is complete: `git fsck`".into(),
            });
        }
        let mut blobs = Vec::new();
        for record in listing.stdout.split(|&b| b == 0).filter(|r| !r.is_empty()) {
            let Some(entry) = Entry::parse(record) else {
                return Err(Error::Workspace {
                    message: "--new-since: `git ls-tree` printed an entry it should not".into(),
                    help: "check that git works: `git ls-tree -r HEAD`".into(),
                });
            };
            match entry.mode {
                // Regular and executable files.
                b"100644" | b"100755" => {}
                // Symlinks could point anywhere; submodules are other
                // repositories. Neither is written.
                _ => continue,
            }
            if !whole && !entry.path.starts_with(self.prefix.as_bytes()) {
                continue;
            }
            let Some(path) = safe_path(entry.path) else {
                return Err(Error::Workspace {
                    message: format!(
                        "--new-since `{}`: the commit's tree holds a path that cannot be written safely: {}",
                        crate::text::neutralise(reference),
                        crate::text::neutralise(&String::from_utf8_lossy(entry.path))
                    ),
                    help: "pick a commit whose tree has no absolute, `..` or `.git` paths".into(),
                });
            };
            blobs.push((entry.object.to_vec(), path));
        }
        write_blobs(&self.top, &folder.path, &blobs)
            .map_err(|e| io("cannot write the commit's files", e))?;
        Ok(Snapshot {
            root,
            _folder: folder,
        })
    }
}

/// One line of `git ls-tree -z`: `<mode> SP <type> SP <object> TAB <path>`.
struct Entry<'a> {
    mode: &'a [u8],
    object: &'a [u8],
    path: &'a [u8],
}

impl<'a> Entry<'a> {
    fn parse(record: &'a [u8]) -> Option<Entry<'a>> {
        let tab = record.iter().position(|&b| b == b'\t')?;
        let (head, path) = (&record[..tab], &record[tab + 1..]);
        let mut fields = head.split(|&b| b == b' ');
        let mode = fields.next()?;
        let _kind = fields.next()?;
        let object = fields.next()?;
        let hex = matches!(object.len(), 40 | 64) && object.iter().all(u8::is_ascii_hexdigit);
        (hex && fields.next().is_none()).then_some(Entry { mode, object, path })
    }
}

/// `relative` as a path below the snapshot root, when every component is
/// a plain name (not empty, `.`, `..` or `.git` in any case).
fn safe_path(relative: &[u8]) -> Option<PathBuf> {
    if relative.is_empty() || relative.starts_with(b"/") {
        return None;
    }
    let mut path = PathBuf::new();
    for component in relative.split(|&b| b == b'/') {
        let plain = !component.is_empty()
            && component != b"."
            && component != b".."
            && !component.eq_ignore_ascii_case(b".git")
            && !component.contains(&b'\\');
        if !plain {
            return None;
        }
        path.push(os_name(component)?);
    }
    Some(path)
}

#[cfg(unix)]
fn os_name(bytes: &[u8]) -> Option<OsString> {
    use std::os::unix::ffi::OsStrExt as _;
    Some(std::ffi::OsStr::from_bytes(bytes).to_os_string())
}

#[cfg(not(unix))]
fn os_name(bytes: &[u8]) -> Option<OsString> {
    let name = std::str::from_utf8(bytes).ok()?;
    (!name.contains(':')).then(|| OsString::from(name))
}

/// Reads the blobs with one `git cat-file --batch` and writes each to its
/// path under `root`. The object names are fed on a thread so that neither
/// side waits on a full pipe.
fn write_blobs(top: &Path, root: &Path, blobs: &[(Vec<u8>, PathBuf)]) -> std::io::Result<()> {
    if blobs.is_empty() {
        return Ok(());
    }
    let mut child = git(top)
        .args(["cat-file", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    let mut input = child
        .stdin
        .take()
        .ok_or_else(|| std::io::Error::other("no stdin"))?;
    let names: Vec<u8> = blobs
        .iter()
        .flat_map(|(object, _)| object.iter().copied().chain([b'\n']))
        .collect();
    let feeder = std::thread::spawn(move || input.write_all(&names));
    let result = (|| {
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| std::io::Error::other("no stdout"))?;
        let mut reader = BufReader::new(stdout);
        let mut header = Vec::new();
        // Folders made so far: one mkdir per folder, not one per file and
        // ancestor (metadata operations dominate on a slow disk).
        let mut made: std::collections::HashSet<PathBuf> = std::collections::HashSet::new();
        for (object, path) in blobs {
            header.clear();
            reader.read_until(b'\n', &mut header)?;
            let text = String::from_utf8_lossy(&header);
            let mut fields = text.split_whitespace();
            let (Some(name), Some(kind), Some(size)) =
                (fields.next(), fields.next(), fields.next())
            else {
                return Err(std::io::Error::other(format!(
                    "git has no object {}",
                    String::from_utf8_lossy(object)
                )));
            };
            let size: u64 = size
                .parse()
                .map_err(|_| std::io::Error::other("git printed an unreadable object size"))?;
            if name.as_bytes() != object.as_slice() || kind != "blob" {
                return Err(std::io::Error::other("git answered with another object"));
            }
            let target = root.join(path);
            if let Some(parent) = target.parent() {
                if !made.contains(parent) {
                    // Only folders this module created lie below `root`,
                    // and no symlink is ever written, so none is followed.
                    std::fs::create_dir_all(parent)?;
                    made.extend(parent.ancestors().map(Path::to_path_buf));
                }
            }
            write_new(&target, &mut (&mut reader).take(size), size)?;
            let mut newline = [0u8; 1];
            reader.read_exact(&mut newline)?;
        }
        Ok(())
    })();
    let _ = child.kill();
    let _ = child.wait();
    let fed = feeder.join();
    result?;
    match fed {
        Ok(written) => written,
        Err(_) => Err(std::io::Error::other("feeding git failed")),
    }
}

/// Creates `path` (which must not exist) with exactly `size` bytes from
/// `from`.
#[allow(clippy::disallowed_methods)] // a new file in the snapshot folder this module created
fn write_new(path: &Path, from: &mut impl std::io::Read, size: u64) -> std::io::Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)?;
    let copied = std::io::copy(from, &mut file)?;
    if copied != size {
        return Err(std::io::Error::other("git's output ended early"));
    }
    Ok(())
}

/// `git` from `PATH`, run in `dir`, configured to run nothing else.
fn git(dir: &Path) -> Command {
    let mut command = Command::new("git");
    command
        .args([
            "--no-pager",
            "--literal-pathspecs",
            "-c",
            "core.hooksPath=/dev/null",
            "-c",
            "core.fsmonitor=false",
        ])
        .current_dir(dir)
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_NO_LAZY_FETCH", "1")
        .env("GIT_OPTIONAL_LOCKS", "0")
        .stdin(Stdio::null());
    command
}

fn git_output(dir: &Path, args: &[&str]) -> Result<std::process::Output, Error> {
    git(dir).args(args).output().map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            Error::Workspace {
                message: "--new-since: could not run `git`: it is not on PATH".into(),
                help: "install git, or put it on PATH".into(),
            }
        } else {
            Error::Workspace {
                message: format!("--new-since: could not run `git`: {e}"),
                help: "check that git works: `git --version`".into(),
            }
        }
    })
}

fn first_line(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    crate::text::neutralise(text.lines().find(|l| !l.trim().is_empty()).unwrap_or("")).into_owned()
}

/// The ref's tree on disk, removed when dropped.
struct Snapshot {
    /// The workspace root inside it.
    root: PathBuf,
    _folder: TempFolder,
}

/// Snapshot folders still on disk, for the Ctrl-C handler.
static LIVE: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// A fresh folder in the system's temporary directory, removed on drop and
/// on Ctrl-C.
struct TempFolder {
    path: PathBuf,
}

impl TempFolder {
    fn create() -> Result<TempFolder, Error> {
        install_interrupt_handler();
        let base = std::env::temp_dir();
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let mut last = None;
        for attempt in 0..16u32 {
            let path = base.join(format!(
                "archfit-new-since-{}-{stamp:x}-{attempt}",
                std::process::id()
            ));
            // Made before it is registered: a name that was taken must
            // never be removed, by drop or by the handler.
            match private_dir(&path) {
                Ok(()) => {
                    if let Ok(mut live) = LIVE.lock() {
                        live.push(path.clone());
                    }
                    return Ok(TempFolder { path });
                }
                Err(e) => last = Some(e),
            }
        }
        Err(Error::Io {
            path: base.display().to_string(),
            message: format!(
                "--new-since: cannot create a temporary folder: {}",
                last.map_or_else(String::new, |e| e.to_string())
            ),
        })
    }
}

impl Drop for TempFolder {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
        if let Ok(mut live) = LIVE.lock() {
            live.retain(|p| p != &self.path);
        }
    }
}

/// Creates a folder only this user can enter; fails when it exists.
fn private_dir(path: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(path)
}

/// On Ctrl-C (and SIGTERM, SIGHUP: a CI job being cancelled) removes the
/// snapshot folders still on disk, then exits 130 as an interrupted
/// command does. Installed only when a snapshot is made, so every other
/// command keeps the default behaviour.
fn install_interrupt_handler() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // Without a handler the folder may outlive an interrupt, which is
        // no reason to refuse the run.
        let _ = ctrlc::set_handler(|| {
            if let Ok(live) = LIVE.lock() {
                for path in live.iter() {
                    let _ = std::fs::remove_dir_all(path);
                }
            }
            std::process::exit(130);
        });
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_relative_paths_are_written() {
        assert_eq!(
            safe_path(b"services/orders/src/lib.rs"),
            Some(PathBuf::from("services/orders/src/lib.rs"))
        );
        for bad in [
            &b""[..],
            b"/etc/passwd",
            b"../outside",
            b"services/../../x",
            b"./x",
            b"a//b",
            b".git/hooks/pre-commit",
            b"vendor/.GIT/config",
            b"a\\..\\b",
        ] {
            assert_eq!(safe_path(bad), None, "{}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn ls_tree_records_are_parsed_strictly() {
        let record = b"100644 blob 0123456789abcdef0123456789abcdef01234567\tsrc/lib.rs";
        let entry = Entry::parse(record).expect("parsed");
        assert_eq!(entry.mode, b"100644");
        assert_eq!(entry.path, b"src/lib.rs");
        assert!(Entry::parse(b"100644 blob nothex\tsrc/lib.rs").is_none());
        assert!(Entry::parse(b"100644 blob 0123").is_none());
    }

    /// Runs git for a test repository, away from the user's configuration.
    fn test_git(dir: &Path, args: &[&str]) -> Vec<u8> {
        let output = Command::new("git")
            .args(args)
            .current_dir(dir)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@example.com")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@example.com")
            .output()
            .expect("git runs");
        assert!(output.status.success(), "git {args:?}: {output:?}");
        output.stdout
    }

    #[cfg(unix)]
    #[test]
    #[allow(clippy::disallowed_methods)] // the test builds and reads its own folders
    fn the_subtree_is_written_raw_without_links_or_submodules() {
        let top = std::env::temp_dir().join(format!("archfit-ns-unit-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&top);
        let backend = top.join("backend");
        std::fs::create_dir_all(backend.join("src")).expect("mkdir");
        test_git(&top, &["init", "-q"]);
        // Checkout would turn these line ends into CRLF; the blob has LF.
        std::fs::write(top.join(".gitattributes"), "*.rs text eol=crlf\n").expect("write");
        std::fs::write(backend.join("src/lib.rs"), "pub fn ok() {}\n").expect("write");
        std::fs::write(top.join("outside.txt"), "not the workspace\n").expect("write");
        std::os::unix::fs::symlink("/etc/passwd", backend.join("src/leak.rs")).expect("symlink");
        test_git(&top, &["add", "-A"]);
        test_git(&top, &["commit", "-q", "-m", "first"]);
        let head = String::from_utf8(test_git(&top, &["rev-parse", "HEAD"])).expect("utf-8");
        test_git(
            &top,
            &[
                "update-index",
                "--add",
                "--cacheinfo",
                &format!("160000,{},backend/vendor/sdk", head.trim()),
            ],
        );
        test_git(&top, &["commit", "-q", "-m", "sdk as a submodule"]);

        let repository = Repository::around(&backend).expect("repository");
        assert_eq!(repository.prefix, "backend/");
        assert!(!repository.shallow);
        let commit = repository.resolve("HEAD").expect("resolved");
        let snapshot = repository
            .extract(&commit, "HEAD", false)
            .expect("extracted");
        let folder = snapshot._folder.path.clone();
        assert!(!folder.starts_with(&top));
        assert_eq!(snapshot.root, folder.join("backend"));
        let text = std::fs::read(snapshot.root.join("src/lib.rs")).expect("written");
        assert_eq!(text, b"pub fn ok() {}\n");
        assert!(std::fs::symlink_metadata(snapshot.root.join("src/leak.rs")).is_err());
        assert!(std::fs::symlink_metadata(snapshot.root.join("vendor/sdk")).is_err());
        assert!(!folder.join("outside.txt").exists());
        assert!(!folder.join(".gitattributes").exists());
        drop(snapshot);
        assert!(!folder.exists());
        let whole = repository
            .extract(&commit, "HEAD", true)
            .expect("extracted");
        let folder = whole._folder.path.clone();
        assert_eq!(whole.root, folder.join("backend"));
        assert!(folder.join("outside.txt").is_file());
        assert!(whole.root.join("src/lib.rs").is_file());
        drop(whole);
        assert!(!folder.exists());
        std::fs::remove_dir_all(&top).ok();
    }

    #[test]
    fn temporary_folder_is_private_and_removed_on_drop() {
        let folder = TempFolder::create().expect("created");
        let path = folder.path.clone();
        assert!(path.is_dir());
        assert!(path.starts_with(std::env::temp_dir()));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path)
                .expect("metadata")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o700);
        }
        assert!(LIVE.lock().expect("lock").contains(&path));
        drop(folder);
        assert!(!path.exists());
        assert!(!LIVE.lock().expect("lock").contains(&path));
    }
}
