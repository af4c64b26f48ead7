//! Loading a workspace through `cargo metadata --no-deps --offline`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use cargo_metadata::{DependencyKind, Metadata, MetadataCommand};

use super::{manifest, DepKind, Dependency, Member, Target, Workspace};
use crate::Error;

/// Loads the workspace containing `manifest_path` (or the current directory).
pub fn load(manifest_path: Option<&Path>) -> Result<Workspace, Error> {
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

/// Runs cargo with the toolchain active for this tool. `CARGO` (set by cargo
/// for `cargo archfit`) is the real binary and ignores the workspace's
/// `rust-toolchain.toml`; when we were started directly, the rustup proxy
/// may pick a pinned toolchain that is not installed, so on that error we
/// run again from a neutral directory where the default toolchain applies.
fn run_cargo_metadata(manifest_path: &Path) -> Result<Metadata, Error> {
    let command = |neutral_dir: bool| {
        let mut cmd = MetadataCommand::new();
        cmd.no_deps()
            .other_options(vec!["--offline".to_string()])
            // Never let rustup download a toolchain just to read metadata.
            .env("RUSTUP_AUTO_INSTALL", "0");
        cmd.manifest_path(manifest_path);
        if neutral_dir {
            cmd.current_dir(std::env::temp_dir());
        }
        cmd
    };
    match command(false).exec() {
        Ok(metadata) => Ok(metadata),
        Err(cargo_metadata::Error::CargoMetadata { stderr }) if is_missing_toolchain(&stderr) => {
            command(true).exec().map_err(|e| cargo_error(e, true))
        }
        Err(e) => Err(cargo_error(e, false)),
    }
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

fn is_missing_toolchain(stderr: &str) -> bool {
    stderr.contains("toolchain") && (stderr.contains("not installed") || stderr.contains("install"))
}

fn cargo_error(error: cargo_metadata::Error, retried: bool) -> Error {
    match error {
        cargo_metadata::Error::CargoMetadata { stderr } => {
            Error::Workspace {
                message: format!(
                    "cargo could not load the workspace: {}",
                    first_error_line(&stderr)
                ),
                help: format!(
                "fix the manifest cargo names (run `cargo metadata --no-deps --offline` to see \
                 the same error){}\n\ncargo said:\n{}",
                if retried { " (retried with the default toolchain)" } else { "" },
                stderr.trim_end()
            ),
            }
        }
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

/// Builds the model from cargo's answer, reading each member manifest once
/// for spans.
pub fn from_metadata(metadata: &Metadata) -> Result<Workspace, Error> {
    let root = metadata.workspace_root.as_std_path().to_path_buf();
    let members: Vec<_> = metadata.workspace_packages();
    let mut by_dir: HashMap<PathBuf, usize> = HashMap::new();
    let mut sorted = members.clone();
    sorted.sort_by(|a, b| a.name.as_str().cmp(b.name.as_str()));
    for (index, package) in sorted.iter().enumerate() {
        if let Some(dir) = package.manifest_path.parent() {
            by_dir.insert(normalise(dir.as_std_path()), index);
        }
    }

    let mut out = Vec::with_capacity(sorted.len());
    for package in &sorted {
        let manifest_path = package.manifest_path.as_std_path();
        let text: Arc<str> = read_manifest(manifest_path)?.into();
        let spans = manifest::spans(&text);
        let dir = package
            .manifest_path
            .parent()
            .map(|d| relative(&root, d.as_std_path()))
            .unwrap_or_default();
        let dependencies = package
            .dependencies
            .iter()
            .map(|dep| {
                let kind = match dep.kind {
                    DependencyKind::Build => DepKind::Build,
                    DependencyKind::Development => DepKind::Dev,
                    _ => DepKind::Normal,
                };
                let key = dep.rename.clone().unwrap_or_else(|| dep.name.clone());
                let target = dep.target.as_ref().map(|t| t.to_string());
                let member = dep
                    .path
                    .as_ref()
                    .and_then(|p| by_dir.get(&normalise(p.as_std_path())).copied());
                let span = spans.dependency(kind, target.as_deref(), &key);
                Dependency {
                    package: dep.name.clone(),
                    key,
                    kind,
                    target,
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
                kind: t.kind.first().map(|k| k.to_string()).unwrap_or_default(),
                src_path: relative(&root, t.src_path.as_std_path()),
            })
            .collect();
        out.push(Member {
            name: package.name.to_string(),
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
        None => read_manifest(&root.join("Cargo.toml"))?.into(),
    };
    Ok(Workspace {
        root,
        root_manifest,
        members: out,
    })
}

fn read_manifest(path: &Path) -> Result<String, Error> {
    std::fs::read_to_string(path).map_err(|e| Error::Io {
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
