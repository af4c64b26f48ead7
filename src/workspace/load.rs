//! Loading a workspace: from its manifests (`manifests.rs`), else through
//! `cargo metadata --no-deps --offline`.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use cargo_metadata::{DependencyKind, Metadata, MetadataCommand};

use super::{
    manifest, DepKind, Dependency, Member, Package, RawDependency, RawTarget, Target, Workspace,
};
use crate::Error;

/// Which reader loads the workspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Loader {
    /// The manifests, and cargo when they hold something the reader is not
    /// sure to read as cargo does.
    Auto,
    /// `cargo metadata` only (the reference).
    Cargo,
    /// The manifests only: an unsupported layout is an error.
    Manifests,
}

impl Loader {
    /// `ARCHFIT_WORKSPACE_LOADER=cargo|manifests` (trusted environment),
    /// else [`Loader::Auto`].
    pub fn from_env() -> Loader {
        match std::env::var("ARCHFIT_WORKSPACE_LOADER").as_deref() {
            Ok("cargo") => Loader::Cargo,
            Ok("manifests") => Loader::Manifests,
            _ => Loader::Auto,
        }
    }
}

/// Loads the workspace containing `manifest_path` (or the current directory).
pub fn load(manifest_path: Option<&Path>) -> Result<Workspace, Error> {
    load_with(manifest_path, Loader::from_env())
}

/// Like [`load`], with the reader chosen.
pub fn load_with(manifest_path: Option<&Path>, loader: Loader) -> Result<Workspace, Error> {
    let manifest_path = match manifest_path {
        Some(path) if path.exists() => absolute(path),
        Some(path) => {
            return Err(Error::Workspace {
                message: format!("manifest {} does not exist", path.display()),
                help: "pass --manifest-path with the path of the workspace's Cargo.toml".into(),
            })
        }
        None => find_manifest()?,
    };
    if loader != Loader::Cargo {
        match super::manifests::read(&manifest_path) {
            Ok((root, packages)) => return from_packages(root, packages),
            Err(why) if loader == Loader::Manifests => {
                return Err(Error::Workspace {
                    message: format!("the manifests alone do not load: {}", why.0),
                    help: "unset ARCHFIT_WORKSPACE_LOADER to let cargo load the workspace".into(),
                })
            }
            Err(_) => {}
        }
    }
    let metadata = run_cargo_metadata(&manifest_path)?;
    from_metadata(&metadata)
}

/// The nearest `Cargo.toml` at or above the current directory; cargo then
/// finds the workspace root from it.
fn find_manifest() -> Result<PathBuf, Error> {
    let cwd = std::env::current_dir().map_err(|e| Error::Workspace {
        message: format!("cannot read the current directory: {e}"),
        help: "pass --manifest-path".into(),
    })?;
    cwd.ancestors()
        .map(|dir| dir.join("Cargo.toml"))
        .find(|path| path.is_file())
        .ok_or_else(|| Error::Workspace {
            message: format!("no Cargo.toml in {} or any parent directory", cwd.display()),
            help: "run cargo archfit inside a cargo workspace, or pass --manifest-path".into(),
        })
}

/// How long `cargo metadata` may take before it is stopped: a workspace can
/// make cargo wait (a FIFO as a manifest, a lock held forever).
/// `ARCHFIT_CARGO_TIMEOUT_SECS` (from the trusted environment) changes it.
const CARGO_TIMEOUT: Duration = Duration::from_secs(300);

fn cargo_timeout() -> Duration {
    std::env::var("ARCHFIT_CARGO_TIMEOUT_SECS")
        .ok()
        .and_then(|secs| secs.parse().ok())
        .map_or(CARGO_TIMEOUT, Duration::from_secs)
}

/// Runs `cargo metadata` with a cargo this tool chooses, never one the
/// analysed workspace chooses: the workspace's `rust-toolchain.toml` (whose
/// `path` may name any program), `.cargo/config.toml` (aliases, `build.rustc`)
/// and a toolchain file in a temp folder are all out of reach because
///
/// - under `cargo archfit`, `CARGO` is the real cargo binary cargo ran us with;
/// - otherwise the `cargo` on PATH runs with `RUSTUP_TOOLCHAIN` set (from the
///   environment, else rustup's default toolchain), which overrides every
///   toolchain file, and
/// - cargo runs in `/`, so no configuration of the workspace is read.
fn run_cargo_metadata(manifest_path: &Path) -> Result<Metadata, Error> {
    let cargo = Cargo::choose()?;
    let mut cmd = MetadataCommand::new();
    cmd.cargo_path(&cargo.program)
        .no_deps()
        .manifest_path(manifest_path)
        .current_dir(neutral_dir())
        .other_options(vec!["--offline".to_string()])
        // Never let rustup download a toolchain just to read metadata.
        .env("RUSTUP_AUTO_INSTALL", "0");
    if let Some(toolchain) = &cargo.toolchain {
        cmd.env("RUSTUP_TOOLCHAIN", toolchain);
    }
    let mut command = cmd.cargo_command();
    let output = run_with_timeout(&mut command, cargo_timeout())?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let dir = manifest_path.parent().unwrap_or(Path::new("/"));
        let stderr = as_seen_from(&stderr, dir);
        return Err(cargo_error(cargo_metadata::Error::CargoMetadata { stderr }));
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let json = stdout
        .lines()
        .find(|line| line.starts_with('{'))
        .ok_or_else(|| Error::Workspace {
            message: "`cargo metadata` printed no JSON".into(),
            help: "check that cargo works: `cargo metadata --no-deps --offline`".into(),
        })?;
    MetadataCommand::parse(json).map_err(cargo_error)
}

/// The cargo program to run, and the toolchain to pin it to.
struct Cargo {
    program: PathBuf,
    toolchain: Option<String>,
}

impl Cargo {
    fn choose() -> Result<Cargo, Error> {
        // Set by cargo for `cargo archfit`: the toolchain's own binary, not
        // the rustup proxy.
        if let Some(cargo) = std::env::var_os("CARGO").map(PathBuf::from) {
            if cargo.is_absolute() && cargo.is_file() {
                return Ok(Cargo {
                    program: cargo,
                    toolchain: None,
                });
            }
        }
        let toolchain = match std::env::var("RUSTUP_TOOLCHAIN") {
            Ok(toolchain) if !toolchain.is_empty() => Some(toolchain),
            _ => rustup_default_toolchain(),
        };
        Ok(Cargo {
            program: PathBuf::from("cargo"),
            toolchain,
        })
    }
}

/// A folder no pull request can write to, so no toolchain file or cargo
/// configuration can be planted above it (a temp folder can be).
fn neutral_dir() -> PathBuf {
    if cfg!(windows) {
        std::env::var_os("SystemRoot").map_or_else(|| PathBuf::from("C:\\"), PathBuf::from)
    } else {
        PathBuf::from("/")
    }
}

/// rustup's default toolchain (`rustup default` prints
/// `stable-x86_64-unknown-linux-gnu (default)`), or `None` without rustup;
/// then `cargo` is a real binary and reads no toolchain file anyway.
fn rustup_default_toolchain() -> Option<String> {
    let mut command = Command::new("rustup");
    command
        .arg("default")
        .current_dir(neutral_dir())
        .env_remove("RUSTUP_TOOLCHAIN")
        .env("RUSTUP_AUTO_INSTALL", "0");
    let output = run_with_timeout(&mut command, Duration::from_secs(60)).ok()?;
    if !output.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&output.stdout);
    let name = text.split_whitespace().next()?;
    // Only a plain toolchain name: it is passed on in the environment.
    let plain = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    (plain && name != "no").then(|| name.to_string())
}

/// Runs `command` to completion, stopping it after `timeout`. Output is read
/// on threads so a chatty child cannot block on a full pipe.
fn run_with_timeout(command: &mut Command, timeout: Duration) -> Result<Output, Error> {
    let spawn_error = |e: std::io::Error| cargo_error(cargo_metadata::Error::Io(e));
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(spawn_error)?;
    let stdout = child.stdout.take().map(read_in_background);
    let stderr = child.stderr.take().map(read_in_background);
    let started = Instant::now();
    let status = loop {
        match child.try_wait().map_err(spawn_error)? {
            Some(status) => break status,
            None if started.elapsed() > timeout => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(Error::Workspace {
                    message: format!(
                        "`cargo metadata` did not finish within {} s and was stopped",
                        timeout.as_secs()
                    ),
                    help: "check that no manifest is a FIFO or device and that no other cargo holds a lock".into(),
                });
            }
            None => std::thread::sleep(Duration::from_millis(20)),
        }
    };
    let collect = |reader: Option<std::thread::JoinHandle<Vec<u8>>>| {
        reader.and_then(|r| r.join().ok()).unwrap_or_default()
    };
    Ok(Output {
        status,
        stdout: collect(stdout),
        stderr: collect(stderr),
    })
}

fn read_in_background(mut pipe: impl Read + Send + 'static) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        bytes
    })
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

fn cargo_error(error: cargo_metadata::Error) -> Error {
    match error {
        cargo_metadata::Error::CargoMetadata { stderr } if missing_toolchain(&stderr).is_some() => {
            let toolchain = missing_toolchain(&stderr).unwrap_or_default();
            Error::Workspace {
                message: format!("cargo could not run: toolchain `{toolchain}` is not installed"),
                help: format!(
                    "cargo-archfit runs cargo with the toolchain of `RUSTUP_TOOLCHAIN`, else \
                     rustup's default, never the one the workspace's rust-toolchain.toml pins; \
                     run it with an installed toolchain: `cargo +stable archfit …`, or install \
                     this one: `rustup toolchain install {toolchain}`"
                ),
            }
        }
        cargo_metadata::Error::CargoMetadata { stderr } => Error::Cargo {
            message: format!(
                "cargo could not load the workspace: {}",
                first_error_line(&stderr)
            ),
            help: "fix the manifest cargo names (run `cargo metadata --no-deps --offline` to see \
                   the same error)"
                .into(),
            output: stderr.trim_end().to_owned(),
        },
        cargo_metadata::Error::Io(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Error::Workspace {
                message: "could not run `cargo`: it is not on PATH".into(),
                help: "install Rust with rustup (https://rustup.rs), or set CARGO to the path \
                       of a cargo binary"
                    .into(),
            }
        }
        other => Error::Workspace {
            message: format!("could not run `cargo metadata`: {other}"),
            help: "check that cargo works in this directory: `cargo metadata --no-deps --offline`"
                .into(),
        },
    }
}

/// The toolchain rustup refused because it is not installed, from its
/// message `error: toolchain '1.60.0-x86_64-unknown-linux-gnu' is not installed`.
fn missing_toolchain(stderr: &str) -> Option<&str> {
    stderr.lines().find_map(|line| {
        let rest = line
            .trim()
            .strip_prefix("error:")?
            .trim_start()
            .strip_prefix("toolchain '")?;
        let (name, tail) = rest.split_once('\'')?;
        tail.trim_start()
            .starts_with("is not installed")
            .then_some(name)
    })
}

/// Cargo's message as the user should see it. Cargo ran in `/`, so its
/// `--> path` lines are relative to `/`: they are shown relative to the
/// workspace `dir` instead. A source line cargo quotes (`  9 | text`) is
/// kept only when the file it quotes really lies inside the workspace: a
/// manifest can be a link to any file (`/etc/shadow`), whose content must
/// not reach a CI log.
fn as_seen_from(stderr: &str, dir: &Path) -> String {
    let root = crate::fs::Root::new(dir);
    let mut out = String::new();
    // Whether the file of the latest `-->` line is inside the workspace.
    let mut quoting_inside = false;
    for line in stderr.lines() {
        if let Some((indent, rest)) = line.split_once("--> ") {
            let (path, position) = match rest.find(':') {
                Some(at) => rest.split_at(at),
                None => (rest, ""),
            };
            let absolute = neutral_dir().join(path);
            quoting_inside = root.holds(&absolute);
            let shown = absolute.strip_prefix(dir).unwrap_or(&absolute);
            out.push_str(&format!("{indent}--> {}{position}\n", shown.display()));
            continue;
        }
        let quoted = line
            .trim_start()
            .split_once('|')
            .is_some_and(|(gutter, text)| {
                let gutter = gutter.trim();
                !gutter.is_empty()
                    && gutter.chars().all(|c| c.is_ascii_digit())
                    && !text.trim().is_empty()
            });
        if quoted && !quoting_inside {
            let gutter = line.split('|').next().unwrap_or_default();
            out.push_str(gutter);
            out.push_str("| (not shown: the file is outside the workspace)\n");
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

fn first_error_line(stderr: &str) -> String {
    stderr
        .lines()
        .find(|l| l.trim_start().starts_with("error"))
        .or_else(|| stderr.lines().find(|l| !l.trim().is_empty()))
        .unwrap_or("no output")
        .trim()
        .trim_start_matches("error:")
        .trim()
        .to_string()
}

/// Builds the model from cargo's answer.
pub fn from_metadata(metadata: &Metadata) -> Result<Workspace, Error> {
    let root = metadata.workspace_root.as_std_path().to_path_buf();
    let packages = metadata
        .workspace_packages()
        .into_iter()
        .map(|package| Package {
            name: package.name.to_string(),
            manifest_path: package.manifest_path.as_std_path().to_path_buf(),
            manifest_text: None,
            targets: package
                .targets
                .iter()
                .map(|t| RawTarget {
                    name: t.name.clone(),
                    kind: t.kind.first().map(|k| k.to_string()).unwrap_or_default(),
                    src_path: t.src_path.as_std_path().to_path_buf(),
                })
                .collect(),
            dependencies: package
                .dependencies
                .iter()
                .map(|dep| RawDependency {
                    name: dep.name.clone(),
                    rename: dep.rename.clone(),
                    kind: match dep.kind {
                        DependencyKind::Build => DepKind::Build,
                        DependencyKind::Development => DepKind::Dev,
                        _ => DepKind::Normal,
                    },
                    target: dep.target.as_ref().map(|t| t.to_string()),
                    path: dep.path.as_ref().map(|p| p.as_std_path().to_path_buf()),
                })
                .collect(),
        })
        .collect();
    from_packages(root, packages)
}

/// Builds the model from the packages a loader found, reading each member
/// manifest once for spans (unless the loader already holds its text).
pub fn from_packages(root: PathBuf, mut packages: Vec<Package>) -> Result<Workspace, Error> {
    let fs_root = crate::fs::Root::new(&root);
    packages.sort_by(|a, b| a.name.cmp(&b.name));
    let mut by_dir: HashMap<PathBuf, usize> = HashMap::new();
    for (index, package) in packages.iter().enumerate() {
        if let Some(dir) = package.manifest_path.parent() {
            by_dir.insert(normalise(dir), index);
        }
    }

    let mut out = Vec::with_capacity(packages.len());
    for package in &packages {
        let manifest_path = package.manifest_path.as_path();
        let text: Arc<str> = match &package.manifest_text {
            Some(text) => text.clone(),
            None => read_manifest(&fs_root, manifest_path)?.into(),
        };
        let spans = manifest::spans(&text);
        let dir = manifest_path
            .parent()
            .map(|d| relative(&root, d))
            .unwrap_or_default();
        let dependencies = package
            .dependencies
            .iter()
            .map(|dep| {
                let key = dep.rename.clone().unwrap_or_else(|| dep.name.clone());
                let member = dep
                    .path
                    .as_ref()
                    .and_then(|p| by_dir.get(&normalise(p)).copied());
                let span = spans.dependency(dep.kind, dep.target.as_deref(), &key);
                Dependency {
                    package: dep.name.clone(),
                    key,
                    kind: dep.kind,
                    target: dep.target.clone(),
                    member,
                    span,
                }
            })
            .collect();
        let targets = package
            .targets
            .iter()
            .map(|t| Target {
                name: t.name.clone(),
                kind: t.kind.clone(),
                src_path: relative(&root, &t.src_path),
            })
            .collect();
        out.push(Member {
            name: package.name.clone(),
            dir,
            manifest_path: relative(&root, manifest_path),
            manifest_text: text,
            name_span: spans.package_name,
            targets,
            dependencies,
            declared_service: spans.declared_service,
        });
    }

    let root_manifest = match out.iter().find(|m| m.dir.is_empty()) {
        Some(member) => member.manifest_text.clone(),
        None => read_manifest(&fs_root, &root.join("Cargo.toml"))?.into(),
    };
    Ok(Workspace {
        root,
        root_manifest,
        members: out,
    })
}

/// Largest manifest read: real ones are a few KiB.
const MAX_MANIFEST_BYTES: u64 = 4 * 1024 * 1024;

/// Reads a member manifest, which must resolve inside the workspace root.
fn read_manifest(root: &crate::fs::Root, path: &Path) -> Result<String, Error> {
    crate::fs::read_workspace_text(root, path, MAX_MANIFEST_BYTES).map_err(|e| Error::Io {
        path: path.display().to_string(),
        message: format!("cannot read manifest: {e}"),
    })
}

/// Canonical form used to match path dependencies to members.
fn normalise(path: &Path) -> PathBuf {
    path.canonicalize().unwrap_or_else(|_| path.to_path_buf())
}

/// `path` relative to `root`, `/`-separated; absolute when outside the root.
pub fn relative(root: &Path, path: &Path) -> String {
    let rel = path
        .strip_prefix(root)
        .map(Path::to_path_buf)
        .or_else(|_| {
            normalise(path)
                .strip_prefix(normalise(root))
                .map(Path::to_path_buf)
        })
        .unwrap_or_else(|_| path.to_path_buf());
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(error: Error) -> (String, String) {
        match error {
            Error::Workspace { message, help } | Error::Cargo { message, help, .. } => {
                (message, help)
            }
            other => panic!("expected a workspace error, got {other:?}"),
        }
    }

    #[test]
    fn a_toolchain_rustup_has_not_installed_says_how_to_run_with_another() {
        let stderr = "error: toolchain '1.60.0-x86_64-unknown-linux-gnu' is not installed\n\
                      help: run `rustup toolchain install` to install it\n";
        let (message, help) = shown(cargo_error(cargo_metadata::Error::CargoMetadata {
            stderr: stderr.into(),
        }));
        assert_eq!(
            message,
            "cargo could not run: toolchain `1.60.0-x86_64-unknown-linux-gnu` is not installed"
        );
        assert!(help.contains("`cargo +stable archfit …`"), "{help}");
        assert!(
            help.contains("`rustup toolchain install 1.60.0-x86_64-unknown-linux-gnu`"),
            "{help}"
        );
    }

    #[test]
    fn a_manifest_error_is_not_taken_for_a_missing_toolchain() {
        let stderr = "error: failed to parse manifest at `/ws/Cargo.toml`\n\n\
                      Caused by:\n  the toolchain 'x' is not installed in this text\n";
        let (message, help) = shown(cargo_error(cargo_metadata::Error::CargoMetadata {
            stderr: stderr.into(),
        }));
        assert!(
            message.starts_with("cargo could not load the workspace: failed to parse manifest"),
            "{message}"
        );
        assert!(!help.contains("+stable"), "{help}");
    }

    #[test]
    fn what_cargo_said_is_kept_apart_as_the_cause() {
        let stderr = "error: failed to parse manifest at `/ws/Cargo.toml`\n\nCaused by:\n  bad\n";
        match cargo_error(cargo_metadata::Error::CargoMetadata {
            stderr: stderr.into(),
        }) {
            Error::Cargo { help, output, .. } => {
                assert_eq!(output, stderr.trim_end());
                assert!(!help.contains("failed to parse"), "{help}");
            }
            other => panic!("expected cargo's refusal, got {other:?}"),
        }
    }
}
