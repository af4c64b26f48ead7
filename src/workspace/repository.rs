//! Where the workspace sits in its repository, and where the repository's
//! files can be read on the web. Code scanning, workflow annotations and a
//! pull-request comment name files from the repository root, so a workspace
//! in a subfolder (`backend/Cargo.toml`) must prefix its paths; and a link
//! in a comment or an alert page only works when it is absolute.
//!
//! The repository root is the nearest folder, from the workspace root up,
//! that holds a `.git` entry (a folder, or the file of a worktree or a
//! submodule). Only the existence of that entry is asked for; nothing is
//! read, git is not run, and the walk stops at the first one found.
//!
//! The web address comes from the CI run (`GITHUB_SERVER_URL`,
//! `GITHUB_REPOSITORY`, `GITHUB_SHA`: links at the commit being checked),
//! else from the root manifest's `repository` (`[package]` or
//! `[workspace.package]`: links at `HEAD`). The manifest is workspace text:
//! its URL is used only when it is a plain `http(s)` address on a forge
//! whose file links we know (GitHub, GitLab) and is made of characters that
//! need no escaping anywhere (letters, digits, `.`, `-`, `_`, `~`).

use std::path::Path;

/// The workspace's place in its repository.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Repository {
    /// The workspace root relative to the repository root, `/`-separated,
    /// with a trailing `/`; empty when they are the same folder or no
    /// repository was found.
    pub prefix: String,
    /// Where the files can be read on the web, when known.
    pub web: Option<Web>,
}

/// A repository's web address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Web {
    /// `https://github.com/acme/shop`: no trailing `/`, no `.git`.
    pub url: String,
    /// The commit links point at, when the CI run names it.
    pub revision: Option<String>,
    /// The address of the repository's files at that commit (or `HEAD`),
    /// ending in `/`: a percent-encoded repository path completes a link.
    pub files: String,
}

/// Finds the repository around the workspace at `root` (absolute) and its
/// web address from `env` (the process environment in production) or the
/// root manifest's text.
pub fn discover(
    root: &Path,
    root_manifest: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Repository {
    let prefix = work_tree(root)
        .and_then(|top| root.strip_prefix(top).ok())
        .map(|inner| {
            inner
                .components()
                .map(|c| format!("{}/", c.as_os_str().to_string_lossy()))
                .collect()
        })
        .unwrap_or_default();
    let web = from_github_env(env).or_else(|| from_manifest(root_manifest, env));
    Repository { prefix, web }
}

/// The nearest folder from `root` up that holds a `.git` entry.
fn work_tree(root: &Path) -> Option<&Path> {
    root.ancestors()
        .find(|dir| std::fs::symlink_metadata(dir.join(".git")).is_ok())
}

/// The repository a GitHub Actions run checks out, at its commit.
fn from_github_env(env: &dyn Fn(&str) -> Option<String>) -> Option<Web> {
    let server = web_origin(env("GITHUB_SERVER_URL")?.trim_end_matches('/'))?;
    let repository = env("GITHUB_REPOSITORY")?;
    let sha = env("GITHUB_SHA")?;
    let segments: Vec<&str> = repository.split('/').collect();
    let commit = matches!(sha.len(), 40 | 64) && sha.bytes().all(|b| b.is_ascii_hexdigit());
    if segments.len() != 2 || !segments.iter().all(|s| plain_segment(s)) || !commit {
        return None;
    }
    let url = format!("{server}/{repository}");
    Some(Web {
        files: format!("{url}/blob/{sha}/"),
        url,
        revision: Some(sha),
    })
}

/// The manifest's `repository`, when it names a GitHub or GitLab project.
fn from_manifest(text: &str, env: &dyn Fn(&str) -> Option<String>) -> Option<Web> {
    let manifest: toml::Table = toml::from_str(text).ok()?;
    let in_table = |table: Option<&toml::Value>| {
        table
            .and_then(|t| t.get("repository"))
            .and_then(toml::Value::as_str)
            .map(str::to_owned)
    };
    let workspace_package = manifest.get("workspace").and_then(|w| w.get("package"));
    let url = in_table(manifest.get("package")).or_else(|| in_table(workspace_package))?;
    let url = url.trim_end_matches('/');
    let url = url.strip_suffix(".git").unwrap_or(url);
    let (origin, path) = split_origin(url)?;
    let origin = web_origin(origin)?;
    let segments: Vec<&str> = path.split('/').collect();
    if !segments.iter().all(|s| plain_segment(s)) {
        return None;
    }
    let host = host_of(&origin).to_ascii_lowercase();
    let own_github = env("GITHUB_SERVER_URL")
        .and_then(|s| web_origin(s.trim_end_matches('/')))
        .is_some_and(|s| host_of(&s).eq_ignore_ascii_case(&host));
    let files = if host == "github.com" || own_github {
        // `github.com/acme/shop/tree/main/backend` is a folder, not a
        // repository: only `owner/name` is.
        (segments.len() == 2).then_some("blob")?
    } else if host == "gitlab.com" || host.starts_with("gitlab.") {
        (segments.len() >= 2).then_some("-/blob")?
    } else {
        return None;
    };
    let url = format!("{origin}/{path}");
    Some(Web {
        files: format!("{url}/{files}/HEAD/"),
        url,
        revision: None,
    })
}

/// `https://host[:port]` and the path after it (without its leading `/`).
fn split_origin(url: &str) -> Option<(&str, &str)> {
    let after_scheme = url.find("://")? + 3;
    let slash = after_scheme + url[after_scheme..].find('/')?;
    Some((&url[..slash], &url[slash + 1..]))
}

/// `scheme://host[:port]` when the scheme is `http(s)` and the host a plain
/// DNS name; lower-cased scheme.
fn web_origin(origin: &str) -> Option<String> {
    let (scheme, authority) = origin.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "https" && scheme != "http" {
        return None;
    }
    let (host, port) = match authority.split_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (authority, None),
    };
    let host_ok = !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
        && !host.starts_with(['.', '-']);
    let port_ok = port.is_none_or(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    (host_ok && port_ok).then(|| format!("{scheme}://{authority}"))
}

fn host_of(origin: &str) -> &str {
    let authority = origin.split_once("://").map_or(origin, |(_, a)| a);
    authority.split(':').next().unwrap_or(authority)
}

/// A path segment of an owner, group or project name: unreserved URI
/// characters only, and not `.` or `..`.
fn plain_segment(segment: &str) -> bool {
    !segment.is_empty()
        && !segment.bytes().all(|b| b == b'.')
        && segment
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
}

#[cfg(test)]
#[allow(clippy::disallowed_methods)] // tests build their folders directly
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    fn github_env(name: &str) -> Option<String> {
        match name {
            "GITHUB_SERVER_URL" => Some("https://github.com".into()),
            "GITHUB_REPOSITORY" => Some("acme/shop".into()),
            "GITHUB_SHA" => Some("0123456789abcdef0123456789abcdef01234567".into()),
            _ => None,
        }
    }

    fn temp(tag: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("archfit-repo-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn workspace_in_a_subfolder_gets_its_folder_as_prefix() {
        let top = temp("subfolder");
        std::fs::create_dir_all(top.join(".git")).unwrap();
        let root = top.join("platform").join("backend");
        std::fs::create_dir_all(&root).unwrap();
        assert_eq!(discover(&root, "", &no_env).prefix, "platform/backend/");
        assert_eq!(discover(&top, "", &no_env).prefix, "");
        std::fs::remove_dir_all(&top).ok();
    }

    #[test]
    fn a_git_file_marks_a_worktree_and_the_nearest_one_wins() {
        let top = temp("worktree");
        std::fs::create_dir_all(top.join(".git")).unwrap();
        let inner = top.join("vendor").join("shop");
        std::fs::create_dir_all(inner.join("services")).unwrap();
        std::fs::write(inner.join(".git"), "gitdir: ../../.git/modules/shop\n").unwrap();
        assert_eq!(
            discover(&inner.join("services"), "", &no_env).prefix,
            "services/"
        );
        std::fs::remove_dir_all(&top).ok();
    }

    #[test]
    fn github_run_links_at_its_commit() {
        let web = discover(Path::new("/nowhere"), "", &github_env)
            .web
            .unwrap();
        assert_eq!(web.url, "https://github.com/acme/shop");
        assert_eq!(
            web.files,
            "https://github.com/acme/shop/blob/0123456789abcdef0123456789abcdef01234567/"
        );
        // The run's repository wins over what the manifest says.
        let manifest = "[package]\nrepository = \"https://github.com/upstream/shop\"\n";
        let web = discover(Path::new("/nowhere"), manifest, &github_env)
            .web
            .unwrap();
        assert_eq!(web.url, "https://github.com/acme/shop");
    }

    #[test]
    fn incomplete_or_odd_github_variables_give_no_link() {
        for (name, value) in [
            ("GITHUB_SHA", "main"),
            ("GITHUB_REPOSITORY", "acme/shop/../x"),
            ("GITHUB_REPOSITORY", "acme"),
            ("GITHUB_SERVER_URL", "javascript://x"),
            ("GITHUB_SERVER_URL", "https://evil.example/\"><script>"),
        ] {
            let env = |n: &str| {
                if n == name {
                    Some(value.to_owned())
                } else {
                    github_env(n)
                }
            };
            assert_eq!(
                discover(Path::new("/nowhere"), "", &env).web,
                None,
                "{name}={value}"
            );
        }
    }

    #[test]
    fn manifest_repository_links_at_head() {
        let cases = [
            (
                "[package]\nname = \"shop\"\nrepository = \"https://github.com/acme/shop.git\"\n",
                Some("https://github.com/acme/shop/blob/HEAD/"),
            ),
            (
                "[workspace.package]\nrepository = \"https://gitlab.com/acme/platform/shop/\"\n",
                Some("https://gitlab.com/acme/platform/shop/-/blob/HEAD/"),
            ),
            (
                "[package]\nrepository.workspace = true\n[workspace.package]\nrepository = \"https://github.com/acme/shop\"\n",
                Some("https://github.com/acme/shop/blob/HEAD/"),
            ),
            // A folder of a repository, an unknown forge, hostile text.
            ("[package]\nrepository = \"https://github.com/acme/shop/tree/main/backend\"\n", None),
            ("[package]\nrepository = \"https://git.example.com/acme/shop\"\n", None),
            ("[package]\nrepository = \"https://github.com/acme/shop)<x>\"\n", None),
            ("[package]\nrepository = \"https://github.com/acme/..\"\n", None),
            ("[package]\nrepository = \"ssh://github.com/acme/shop\"\n", None),
            ("[package]\nrepository = \"https://github.com:x/acme/shop\"\n", None),
            ("[package]\nrepository = \"https://github.com/acme/shop\n::error::x\"\n", None),
            ("not toml [", None),
            ("", None),
        ];
        for (manifest, files) in cases {
            let web = discover(Path::new("/nowhere"), manifest, &no_env).web;
            assert_eq!(web.as_ref().map(|w| w.files.as_str()), files, "{manifest}");
            assert!(web.is_none_or(|w| w.revision.is_none()));
        }
    }

    #[test]
    fn enterprise_server_of_the_run_counts_as_github() {
        let env = |name: &str| (name == "GITHUB_SERVER_URL").then(|| "https://ghe.acme.io".into());
        let manifest = "[package]\nrepository = \"https://ghe.acme.io/platform/shop\"\n";
        let web = discover(Path::new("/nowhere"), manifest, &env).web.unwrap();
        assert_eq!(web.files, "https://ghe.acme.io/platform/shop/blob/HEAD/");
    }
}
