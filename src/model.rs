//! The model stage, between configuration and checks: the workspace's
//! configuration with every rule compiled for its check, members classified
//! into services, every pattern compiled, each rule's ADR read, migration
//! folders resolved. Every mistake of every step is collected into one list
//! before giving up; after this stage nothing is parsed or validated again.

use std::path::Path;

use crate::checks::{self, Config, Rule};
use crate::error::{ConfigError, SourceFile};
use crate::finding::{AdrRef, Diagnostic, Severity};
use crate::graph::CrateGraph;
use crate::workspace::{self, Architecture, Workspace};
use crate::{adr, config, fs, Error};

/// A workspace with its configuration, classification, crate graph and
/// resolved decisions: what every command starts from. Everything in it was
/// validated together; nothing after this stage reads configuration again.
pub struct Loaded {
    pub workspace: Workspace,
    pub config: Config,
    pub architecture: Architecture,
    pub crates: CrateGraph,
    /// The ADR of each rule of `config.rules`, in the same order.
    pub adrs: Vec<Option<AdrRef>>,
    /// Migration folders per service (index into `architecture.services`,
    /// workspace-relative folder), each checked to exist inside the root.
    pub migration_dirs: Vec<(usize, String)>,
    /// Warnings of this stage (an ADR without a heading).
    pub diagnostics: Vec<Diagnostic>,
    /// Calls seen in trace exports; `None` when no `--traces` was given.
    pub runtime: Option<crate::graph::services::Runtime>,
    /// Keep the texts of the files findings point into, for snippets.
    pub quote_sources: bool,
}

impl Loaded {
    /// The parts a graph view is drawn from.
    pub fn view_subject(&self) -> crate::graph::view::Subject<'_> {
        crate::graph::view::Subject {
            workspace: &self.workspace,
            architecture: &self.architecture,
            crates: &self.crates,
            runtime: self.runtime.as_ref(),
        }
    }
}

/// The model stage: configuration, classification, ADRs and migration
/// folders of a loaded workspace. Each step runs even when an earlier one
/// found mistakes, as far as it has something to work on, so one run shows
/// every mistake (an unknown check, a glob matching nothing, a missing ADR
/// and a bad `topics` glob together), then gives up with all of them.
pub fn build(workspace: Workspace, explicit_config: Option<&Path>) -> Result<Loaded, Error> {
    let (config, errors) = config::load_partial(
        &workspace.root,
        &workspace.root_manifest,
        explicit_config,
        &checks::compile,
    )?;
    build_from(workspace, config, errors, &[])
}

/// The same stage on configuration text that is no file at the root:
/// `init` validates what it is about to write, reading the ADRs it will
/// write beside it from `planned` (workspace-relative path, text) before
/// the disk; the commands that need no configuration pass an empty text.
pub fn build_text(
    workspace: Workspace,
    file: &SourceFile,
    planned: &[(&str, &str)],
) -> Result<Loaded, Error> {
    let (config, errors) =
        config::parse_document_partial(file, &checks::compile).map_err(Error::Config)?;
    build_from(workspace, config, errors, planned)
}

/// The model stage for another tree of the same workspace (`check
/// --new-since`) with this tree's configuration: it is read as [`build`]
/// reads it from `config_root` and `config_manifest` (the current
/// workspace's root and root manifest), never from `workspace`, and the
/// ADRs come from `planned` before `workspace`'s disk.
pub fn build_with_config_of(
    workspace: Workspace,
    config_root: &Path,
    config_manifest: &str,
    explicit_config: Option<&Path>,
    planned: &[(&str, &str)],
) -> Result<Loaded, Error> {
    let (config, errors) = config::load_partial(
        config_root,
        config_manifest,
        explicit_config,
        &checks::compile,
    )?;
    build_from(workspace, config, errors, planned)
}

fn build_from(
    workspace: Workspace,
    config: Config,
    mut errors: Vec<ConfigError>,
    planned: &[(&str, &str)],
) -> Result<Loaded, Error> {
    errors.extend(unknown_service_filters(&config));
    let architecture = match workspace::classify(&workspace, &config) {
        Ok(architecture) => Some(architecture),
        Err(mut mistakes) => {
            errors.append(&mut mistakes);
            None
        }
    };
    let mut diagnostics = Vec::new();
    let all_rules: Vec<&Rule> = config.rules.iter().collect();
    let adrs = match resolve_adrs(&workspace, &config, &all_rules, planned, &mut diagnostics) {
        Ok(adrs) => adrs,
        Err(mut mistakes) => {
            errors.append(&mut mistakes);
            Vec::new()
        }
    };
    let migration_dirs = match &architecture {
        Some(architecture) => match migration_dirs(&workspace, &config, architecture) {
            Ok(dirs) => dirs,
            Err(mut mistakes) => {
                errors.append(&mut mistakes);
                Vec::new()
            }
        },
        None => Vec::new(),
    };
    let Some(architecture) = architecture.filter(|_| errors.is_empty()) else {
        return Err(Error::Config(errors));
    };
    let crates = CrateGraph::build(&workspace, &architecture);
    Ok(Loaded {
        workspace,
        config,
        architecture,
        crates,
        adrs,
        migration_dirs,
        diagnostics,
        runtime: None,
        quote_sources: true,
    })
}

/// `services = ["paymnets"]` would make a rule check nothing: each service
/// filter of a rule must match a declared service.
fn unknown_service_filters(config: &Config) -> Vec<ConfigError> {
    let names: Vec<&str> = config
        .services
        .iter()
        .map(|s| s.name.get_ref().as_str())
        .collect();
    let mut errors = Vec::new();
    for rule in &config.rules {
        for pattern in rule.params.service_filters() {
            if pattern.error().is_some() || names.iter().any(|name| pattern.is_match(name)) {
                continue;
            }
            errors.push(
                ConfigError::at(
                    &rule.file,
                    pattern.span.clone(),
                    format!("rule `{}`: `{}` matches no service", rule.id, pattern.text),
                )
                .label("no [[service]] has this name")
                .help(format!("services: {}", names.join(", "))),
            );
        }
    }
    errors
}

/// Reads the ADR of each rule. A missing file is a configuration error; an
/// ADR without a heading still works, with a diagnostic.
fn resolve_adrs(
    workspace: &Workspace,
    config: &Config,
    rules: &[&Rule],
    planned: &[(&str, &str)],
    diagnostics: &mut Vec<Diagnostic>,
) -> Result<Vec<Option<AdrRef>>, Vec<ConfigError>> {
    let mut errors = Vec::new();
    let mut out = Vec::new();
    let root = fs::Root::new(&workspace.root);
    // Many rules share one ADR: read each file once, list the folder once.
    let mut read: std::collections::HashMap<String, Result<AdrRef, String>> =
        std::collections::HashMap::new();
    let mut listing: Option<Vec<String>> = None;
    for rule in rules {
        let Some(adr) = &rule.adr else {
            out.push(None);
            continue;
        };
        let value = adr.get_ref();
        let name = value.rsplit('/').next().unwrap_or(value);
        if value.contains("://") {
            out.push(Some(AdrRef {
                id: adr::id_from_file_name(name),
                title: value.clone(),
                status: None,
                link: value.clone(),
            }));
            continue;
        }
        let link = format!("{}/{}", config.adr_dir.trim_end_matches('/'), value);
        let resolved = read
            .entry(link.clone())
            .or_insert_with(|| read_adr(&root, &link, name, planned, diagnostics));
        match resolved {
            Ok(adr) => out.push(Some(adr.clone())),
            Err(what) => {
                let existing = listing.get_or_insert_with(|| {
                    fs::list_workspace_dir(&root, Path::new(&config.adr_dir))
                        .into_iter()
                        .filter(|n| n.ends_with(".md"))
                        .collect()
                });
                errors.push(missing_adr(config, rule, &link, what, existing));
                out.push(None);
            }
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// Title and status of the ADR at `link`, or what is wrong with the file.
fn read_adr(
    root: &fs::Root,
    link: &str,
    name: &str,
    planned: &[(&str, &str)],
    diagnostics: &mut Vec<Diagnostic>,
) -> Result<AdrRef, String> {
    let bytes = match planned.iter().find(|(path, _)| *path == link) {
        Some((_, text)) => text.as_bytes().to_vec(),
        None => fs::read_workspace_bytes(root, Path::new(link), adr::MAX_BYTES).map_err(|e| {
            if e.is_not_found() {
                "does not exist".to_string()
            } else {
                format!("cannot be read: {e}")
            }
        })?,
    };
    let text = String::from_utf8_lossy(&bytes);
    let info = if bytes.contains(&0) {
        None
    } else {
        adr::parse(&text)
    };
    let title = match &info {
        Some(info) => info.title.clone(),
        None => {
            diagnostics.push(Diagnostic {
                severity: Severity::Warn,
                message: format!("ADR {link} has no Markdown heading to take a title from"),
                file: Some(link.to_string()),
                location: None,
            });
            name.trim_end_matches(".md").to_string()
        }
    };
    Ok(AdrRef {
        id: adr::id_from_file_name(name),
        title,
        status: info.and_then(|i| i.status),
        link: link.to_string(),
    })
}

fn missing_adr(
    config: &Config,
    rule: &Rule,
    link: &str,
    what: &str,
    existing: &[String],
) -> ConfigError {
    let span = rule
        .adr
        .as_ref()
        .map(|a| a.span())
        .unwrap_or(rule.id_span.clone());
    let help = if existing.is_empty() {
        format!(
            "no ADR files in {}; set `adr_dir` or write the ADR",
            config.adr_dir
        )
    } else {
        format!("ADRs in {}: {}", config.adr_dir, existing.join(", "))
    };
    ConfigError::at(&rule.file, span, format!("ADR file {link} {what}"))
        .label("this ADR")
        .help(help)
}

/// Migration folders per service: those configured (each must exist), else
/// `migrations` beside each of the service's crates, where there is one.
fn migration_dirs(
    workspace: &Workspace,
    config: &Config,
    architecture: &Architecture,
) -> Result<Vec<(usize, String)>, Vec<ConfigError>> {
    let mut dirs = Vec::new();
    let mut errors = Vec::new();
    let root = fs::Root::new(&workspace.root);
    for (index, service) in architecture.services.iter().enumerate() {
        let declared = &config.services[service.decl].migrations;
        if declared.is_empty() {
            for &member in &service.crates {
                let dir = &workspace.members[member].dir;
                let path = if dir.is_empty() {
                    "migrations".to_string()
                } else {
                    format!("{dir}/migrations")
                };
                if workspace.root.join(&path).is_dir() {
                    dirs.push((index, path));
                }
            }
            continue;
        }
        for dir in declared {
            let path = dir.get_ref().trim_end_matches('/').to_string();
            if !workspace.root.join(&path).is_dir() {
                errors.push(
                    ConfigError::at(
                        &config.file,
                        dir.span(),
                        format!("migrations folder `{path}` does not exist"),
                    )
                    .label("no such folder")
                    .help("paths are relative to the workspace root"),
                );
            } else if !root.holds(Path::new(&path)) {
                errors.push(
                    ConfigError::at(
                        &config.file,
                        dir.span(),
                        format!("migrations folder `{path}` is outside the workspace"),
                    )
                    .label("outside the workspace root")
                    .help("the tool reads only files inside the workspace; name a folder below the root (symlinks are followed)"),
                );
            } else {
                dirs.push((index, path));
            }
        }
    }
    if errors.is_empty() {
        Ok(dirs)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::SourceFile;

    fn filters(text: &str) -> Vec<ConfigError> {
        let file = SourceFile::new("archfit.toml", text);
        unknown_service_filters(&checks::parse_config(&file).expect("parses"))
    }

    #[test]
    fn rule_limited_to_an_unknown_service_is_an_error_at_the_name() {
        let text = "[[service]]\nname = \"payments\"\ncrates = [\"payments\"]\n[[service]]\nname = \"orders\"\ncrates = [\"services/orders\"]\n[[rule]]\nid = \"hexagonal\"\ncheck = \"layers\"\nservices = [\"orders\", \"paymnets\"]\nlayers = [{ name = \"domain\", modules = [\"domain\"] }]\n";
        let errors = filters(text);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].message.contains("`paymnets` matches no service"));
        assert_eq!(&text[errors[0].span.clone().expect("span")], "\"paymnets\"");
    }

    #[test]
    fn configuration_text_loads_with_the_adrs_planned_beside_it() {
        let workspace = || crate::workspace::test_workspace(&[("orders", "services/orders")]);
        let text = "[[service]]\nname = \"orders\"\ncrates = [\"services/orders\"]\n[[rule]]\nid = \"no-crate-cycles\"\ncheck = \"cycles\"\nlevel = \"crate\"\nadr = \"0001-no-cycles.md\"\n";
        let file = SourceFile::new("archfit.toml", text);
        let planned = [(
            "docs/adr/0001-no-cycles.md",
            "# 1. No cycles\n\n## Status\n\nProposed\n",
        )];
        let loaded = build_text(workspace(), &file, &planned).unwrap_or_else(|e| panic!("{e}"));
        let adr = loaded.adrs[0].as_ref().expect("the planned ADR");
        assert_eq!(adr.title, "No cycles");
        match build_text(workspace(), &file, &[]) {
            Err(Error::Config(errors)) => assert!(
                errors[0]
                    .message
                    .contains("docs/adr/0001-no-cycles.md does not exist"),
                "{errors:?}"
            ),
            other => panic!("expected a missing ADR, got {:?}", other.err()),
        }
    }

    #[test]
    fn rule_service_globs_that_match_a_service_are_accepted() {
        let text = "[[service]]\nname = \"payments\"\ncrates = [\"payments\"]\n[[rule]]\nid = \"hexagonal\"\ncheck = \"layers\"\nservices = [\"pay*\"]\nlayers = [{ name = \"domain\", modules = [\"domain\"] }]\n";
        assert!(filters(text).is_empty());
    }
}
