//! Which service, shared list or platform list each member belongs to, from
//! the globs of archfit.toml and `[package.metadata.archfit] service = "…"`.

use std::collections::HashMap;
use std::ops::Range;

use toml::Spanned;

use super::Workspace;
use crate::config::Config;
use crate::error::{ConfigError, SourceFile};
use crate::pattern::GlobPattern;

/// What a member is, architecturally.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Owned by the service at this index of [`Architecture::services`].
    Service(usize),
    /// A shared library: coupling through it is what shared-coupling checks.
    Shared,
    /// An operational (sidecar) crate: sharing it is allowed.
    Platform,
    /// Ignored entirely (`exclude`).
    Excluded,
    /// In no list: reported once as info.
    Unclassified,
}

/// A deployable unit and the members it owns.
#[derive(Debug, Clone)]
pub struct Service {
    pub name: String,
    /// Member indices, sorted.
    pub crates: Vec<usize>,
    /// Names other code calls it by (URL hosts, gRPC names), lower-cased.
    pub hosts: Vec<String>,
    /// Channels it publishes, compiled (a bad glob is a configuration error).
    pub topics: Vec<GlobPattern>,
    /// gRPC services it serves, as declared (`routing.v1.Routing`, `Routing`).
    pub grpc: Vec<String>,
    /// Tables it declares it owns, with their place in the configuration.
    pub tables: Vec<Spanned<String>>,
    /// The database its tables live in (`database`, by default its name):
    /// same-named tables of services in different databases are different
    /// tables.
    pub database: String,
    /// Index into `Config::services`, for the model stage's own validation.
    pub decl: usize,
}

#[cfg(test)]
impl Service {
    /// A service with only a name (and its own database), for tests to
    /// complete with struct update syntax.
    pub fn named(name: &str) -> Service {
        Service {
            name: name.into(),
            crates: Vec::new(),
            hosts: Vec::new(),
            topics: Vec::new(),
            grpc: Vec::new(),
            tables: Vec::new(),
            database: name.into(),
            decl: 0,
        }
    }
}

/// The classification of every member.
#[derive(Debug, Clone)]
pub struct Architecture {
    pub services: Vec<Service>,
    /// Indexed like `Workspace::members`.
    pub roles: Vec<Role>,
}

impl Architecture {
    /// The service owning member `index`, if any.
    pub fn service_of(&self, index: usize) -> Option<&Service> {
        match self.roles.get(index) {
            Some(Role::Service(s)) => self.services.get(*s),
            _ => None,
        }
    }

    /// Index of the service named `name`.
    pub fn service_index(&self, name: &str) -> Option<usize> {
        self.services.iter().position(|s| s.name == name)
    }
}

/// Whether a member pattern names this member: a package name (glob), or a
/// path glob matching the member's directory or a directory above it (a
/// path names a folder: the member there and the members below it).
pub fn names_member(pattern: &GlobPattern, name: &str, dir: &str) -> bool {
    if pattern.is_match(name) {
        return true;
    }
    let mut prefix = dir;
    loop {
        if !prefix.is_empty() && pattern.is_match(prefix) {
            return true;
        }
        match prefix.rfind('/') {
            Some(i) => prefix = &prefix[..i],
            None => return false,
        }
    }
}

/// Classifies every member; collects every mistake (bad globs, globs that
/// match nothing, members claimed twice, services with no crates).
pub fn classify<R>(
    workspace: &Workspace,
    config: &Config<R>,
) -> Result<Architecture, Vec<ConfigError>> {
    let file = &config.file;
    let mut errors = Vec::new();
    let members = &workspace.members;
    let by_literal = literal_index(members);
    let matched = |patterns: &[Spanned<String>],
                   errors: &mut Vec<ConfigError>|
     -> Vec<(usize, Range<usize>, Specificity)> {
        let mut out = Vec::new();
        for pattern in patterns {
            let compiled =
                GlobPattern::new(pattern.get_ref().trim_end_matches('/'), pattern.span());
            if let Some(problem) = compiled.error() {
                errors.push(
                    ConfigError::at(
                        file,
                        pattern.span(),
                        format!("invalid glob `{}`", pattern.get_ref()),
                    )
                    .label(problem.to_string()),
                );
                continue;
            }
            let before = out.len();
            // A pattern without glob syntax names a member by its name or
            // a folder on its path: look those up instead of trying every
            // member (1000 services × 2000 members was a tenth of a run).
            let text = compiled.text.as_str();
            let candidates: Box<dyn Iterator<Item = usize>> =
                if text.contains(['*', '?', '[', ']', '{', '}', '\\']) {
                    Box::new(0..members.len())
                } else {
                    Box::new(by_literal.get(text).into_iter().flatten().copied())
                };
            for index in candidates {
                let member = &members[index];
                if let Some(score) = specificity(&compiled, &member.name, &member.dir) {
                    out.push((index, pattern.span(), score));
                }
            }
            if out.len() == before {
                errors.push(no_match(file, pattern, workspace));
            }
        }
        out
    };

    let mut roles = vec![Role::Unclassified; members.len()];
    // How specifically [shared] or platform names each member, so that a
    // more specific service pattern can take a member out of it.
    let mut shared_by: Vec<Option<Specificity>> = vec![None; members.len()];
    for (index, _, _) in matched(&config.exclude, &mut errors) {
        roles[index] = Role::Excluded;
    }
    for (index, _, score) in matched(&config.shared, &mut errors) {
        if roles[index] == Role::Unclassified {
            roles[index] = Role::Shared;
            shared_by[index] = shared_by[index].max(Some(score));
        }
    }
    for (index, _, score) in matched(&config.platform, &mut errors) {
        if roles[index] != Role::Excluded {
            roles[index] = Role::Platform;
            shared_by[index] = shared_by[index].max(Some(score));
        }
    }

    let mut services: Vec<Service> = Vec::new();
    let mut claimed_by: Vec<Option<Claim>> = vec![None; members.len()];
    for (decl_index, decl) in config.services.iter().enumerate() {
        let name = decl.name.get_ref();
        if let Some(first) = services.iter().find(|s| &s.name == name) {
            let first_span = config.services[first.decl].name.span();
            let (line, _) = crate::finding::line_column(&file.text, first_span.start);
            errors.push(
                ConfigError::at(
                    file,
                    decl.name.span(),
                    format!("service `{name}` is declared twice"),
                )
                .label(format!("already declared on line {line}")),
            );
            continue;
        }
        let service_index = services.len();
        services.push(Service {
            name: name.clone(),
            crates: Vec::new(),
            hosts: decl
                .hosts
                .iter()
                .map(|h| h.get_ref().to_lowercase())
                .collect(),
            topics: decl
                .topics
                .iter()
                .map(|t| GlobPattern::new(t.get_ref(), t.span()))
                .collect(),
            grpc: decl.grpc.iter().map(|g| g.get_ref().clone()).collect(),
            tables: decl.tables.clone(),
            database: decl
                .database
                .as_ref()
                .map_or_else(|| name.clone(), |d| d.get_ref().trim().to_string()),
            decl: decl_index,
        });
        for (member, span, score) in matched(&decl.crates, &mut errors) {
            claim(
                file,
                workspace,
                &services,
                &mut claimed_by,
                &mut errors,
                member,
                Claim {
                    service: service_index,
                    span,
                    score,
                },
            );
        }
    }
    // `[package.metadata.archfit] service = "…"` in member manifests.
    for (index, member) in members.iter().enumerate() {
        let Some((name, span)) = &member.declared_service else {
            continue;
        };
        match services.iter().position(|s| &s.name == name) {
            Some(service) => {
                if claimed_by[index].as_ref().map(|c| c.service) != Some(service) {
                    let manifest =
                        SourceFile::new(&member.manifest_path, member.manifest_text.clone());
                    if let Some(Claim { service: other, .. }) = &claimed_by[index] {
                        errors.push(
                            ConfigError::at(
                                &manifest,
                                span.clone(),
                                format!(
                                    "`{}` declares service `{name}` but {} assigns it to `{}`",
                                    member.name, file.name, services[*other].name
                                ),
                            )
                            .label("declared here")
                            .help("keep one of the two assignments"),
                        );
                    } else {
                        // A member's own declaration is as specific as it gets.
                        claimed_by[index] = Some(Claim {
                            service,
                            span: span.clone(),
                            score: Specificity::EXACT,
                        });
                    }
                }
            }
            None => {
                let manifest = SourceFile::new(&member.manifest_path, member.manifest_text.clone());
                errors.push(
                    ConfigError::at(&manifest, span.clone(), format!("unknown service `{name}`"))
                        .label("no [[service]] has this name")
                        .help(format!(
                            "declare it in {} or use one of: {}",
                            file.name,
                            service_names(&services)
                        )),
                );
            }
        }
    }
    for (index, claim) in claimed_by.iter().enumerate() {
        if let Some(Claim { service, score, .. }) = claim {
            let shared_score = shared_by[index];
            match roles[index] {
                Role::Excluded => {}
                // The more specific pattern wins: `libs/*` in [shared] and
                // `libs/orders-core` for orders make it orders'.
                Role::Shared | Role::Platform if shared_score < Some(*score) => {
                    roles[index] = Role::Service(*service);
                    services[*service].crates.push(index);
                }
                Role::Shared | Role::Platform if shared_score > Some(*score) => {}
                Role::Shared | Role::Platform => errors.push(
                    ConfigError::general(format!(
                        "`{}` is listed both as a crate of service `{}` and in [shared]",
                        members[index].name, services[*service].name
                    ))
                    .help("a crate is owned by one service or shared, not both"),
                ),
                _ => {
                    roles[index] = Role::Service(*service);
                    services[*service].crates.push(index);
                }
            }
        }
    }
    for saga in &config.sagas {
        for step in &saga.steps {
            if !services.iter().any(|s| &s.name == step.service.get_ref()) {
                errors.push(
                    ConfigError::at(
                        file,
                        step.service.span(),
                        format!(
                            "saga `{}` names unknown service `{}`",
                            saga.name.get_ref(),
                            step.service.get_ref()
                        ),
                    )
                    .label("no [[service]] has this name")
                    .help(format!("services: {}", service_names(&services))),
                );
            }
        }
    }
    for service in &services {
        if service.crates.is_empty() {
            let decl = &config.services[service.decl];
            if decl.crates.is_empty() {
                errors.push(
                    ConfigError::at(file, decl.name.span(), format!("service `{}` has no crates", service.name))
                        .label("this service owns no workspace member")
                        .help("add `crates = [\"path/to/crate\"]`, or `[package.metadata.archfit] service = \"…\"` in a member"),
                );
            }
        }
    }
    if errors.is_empty() {
        Ok(Architecture { services, roles })
    } else {
        Err(errors)
    }
}

#[allow(clippy::too_many_arguments)]
fn claim(
    file: &SourceFile,
    workspace: &Workspace,
    services: &[Service],
    claimed_by: &mut [Option<Claim>],
    errors: &mut Vec<ConfigError>,
    member: usize,
    new: Claim,
) {
    let Claim { service, span, .. } = new.clone();
    match &claimed_by[member] {
        Some(old) if old.service == service => {
            if new.score > old.score {
                claimed_by[member] = Some(new);
            }
        }
        // Most specific wins: `platform` for one service and `platform/ctl`
        // for another give `platform/ctl` to the second.
        Some(old) if new.score > old.score => claimed_by[member] = Some(new),
        Some(old) if new.score < old.score => {}
        Some(Claim {
            service: other,
            span: other_span,
            ..
        }) => {
            let (line, _) = crate::finding::line_column(&file.text, other_span.start);
            errors.push(
                ConfigError::at(
                    file,
                    span,
                    format!(
                        "`{}` belongs to two services: `{}` and `{}`",
                        workspace.members[member].name,
                        services[*other].name,
                        services[service].name
                    ),
                )
                .label(format!(
                    "also claimed by `{}` on line {line}",
                    services[*other].name
                ))
                .help("a crate is owned by exactly one service; narrow one of the patterns"),
            );
        }
        None => claimed_by[member] = Some(new),
    }
}

/// One service's claim on a member.
#[derive(Debug, Clone)]
struct Claim {
    service: usize,
    span: Range<usize>,
    score: Specificity,
}

/// How specifically a pattern names a member, compared field by field: an
/// exact package name or member path beats any glob or parent folder; then
/// a deeper folder beats a shallower one; then a literal beats a glob.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Specificity {
    exact: bool,
    depth: usize,
    literal: bool,
}

impl Specificity {
    const EXACT: Specificity = Specificity {
        exact: true,
        depth: usize::MAX,
        literal: true,
    };
}

/// Members by their name and by every folder on their path (`services`,
/// `services/orders`), each list in member order, once per member: the
/// only members a pattern without glob syntax can name.
fn literal_index(members: &[crate::workspace::Member]) -> HashMap<&str, Vec<usize>> {
    let mut index: HashMap<&str, Vec<usize>> = HashMap::new();
    for (at, member) in members.iter().enumerate() {
        let mut keys = vec![member.name.as_str()];
        let mut prefix = member.dir.as_str();
        while !prefix.is_empty() {
            keys.push(prefix);
            prefix = prefix.rfind('/').map_or("", |i| &prefix[..i]);
        }
        keys.sort_unstable();
        keys.dedup();
        for key in keys {
            index.entry(key).or_default().push(at);
        }
    }
    index
}

/// How specifically `pattern` names the member `name` in `dir`, if at all
/// (see [`names_member`] for what naming means).
fn specificity(pattern: &GlobPattern, name: &str, dir: &str) -> Option<Specificity> {
    let text = pattern.text.trim_end_matches('/');
    let literal = !text.contains(['*', '?', '[', '{']);
    if pattern.is_match(name) {
        return Some(Specificity {
            exact: literal,
            depth: usize::MAX,
            literal,
        });
    }
    let mut prefix = dir;
    loop {
        if !prefix.is_empty() && pattern.is_match(prefix) {
            return Some(Specificity {
                exact: literal && prefix == dir,
                depth: prefix.split('/').count(),
                literal,
            });
        }
        match prefix.rfind('/') {
            Some(i) => prefix = &prefix[..i],
            None => return None,
        }
    }
}

fn no_match(file: &SourceFile, pattern: &Spanned<String>, workspace: &Workspace) -> ConfigError {
    let mut known: Vec<String> = workspace
        .members
        .iter()
        .map(|m| {
            if m.dir.is_empty() {
                m.name.clone()
            } else {
                m.dir.clone()
            }
        })
        .collect();
    known.sort();
    let shown = known
        .iter()
        .take(12)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    let more = if known.len() > 12 { ", …" } else { "" };
    ConfigError::at(file, pattern.span(), format!("`{}` matches no workspace member", pattern.get_ref()))
        .label("matches nothing")
        .help(format!("patterns are member paths relative to the workspace root, or package names; members: {shown}{more}"))
}

fn service_names(services: &[Service]) -> String {
    services
        .iter()
        .map(|s| s.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::FILE_NAME;

    fn workspace(members: &[(&str, &str)]) -> Workspace {
        crate::workspace::test_workspace(members)
    }

    fn classify_text(ws: &Workspace, text: &str) -> Result<Architecture, Vec<ConfigError>> {
        let config =
            crate::checks::parse_config(&SourceFile::new(FILE_NAME, text)).expect("config parses");
        classify(ws, &config)
    }

    const MEMBERS: &[(&str, &str)] = &[
        ("orders", "services/orders"),
        ("orders-client", "services/orders/client"),
        ("payments", "services/payments"),
        ("shop-domain", "libs/shop-domain"),
        ("telemetry", "libs/telemetry"),
        ("xtask", "xtask"),
    ];

    #[test]
    fn folder_pattern_takes_members_below_it() {
        let ws = workspace(MEMBERS);
        let arch = classify_text(
            &ws,
            "exclude = [\"xtask\"]\n[[service]]\nname = \"orders\"\ncrates = [\"services/orders\"]\n[[service]]\nname = \"payments\"\ncrates = [\"payments\"]\n[shared]\ncrates = [\"libs/*\"]\nplatform = [\"telemetry\"]\n",
        )
        .unwrap();
        assert_eq!(
            arch.roles,
            vec![
                Role::Service(0),
                Role::Service(0),
                Role::Service(1),
                Role::Shared,
                Role::Platform,
                Role::Excluded
            ]
        );
        assert_eq!(arch.services[0].crates, vec![0, 1]);
    }

    #[test]
    fn a_plain_pattern_names_the_members_its_glob_spelling_names() {
        // Plain patterns are looked up by name and folder; spelt as globs
        // they are matched against every member: the same members.
        let ws = workspace(MEMBERS);
        let config = |orders: &str, payments: &str, libs: &str| {
            format!(
                "[[service]]\nname = \"orders\"\ncrates = [\"{orders}\"]\n[[service]]\nname = \"payments\"\ncrates = [\"{payments}\"]\n[shared]\ncrates = [\"{libs}\"]\n"
            )
        };
        let plain = classify_text(&ws, &config("services/orders/", "payments", "libs")).unwrap();
        let globs =
            classify_text(&ws, &config("services/order[s]", "payment[s]", "lib[s]")).unwrap();
        assert_eq!(plain.roles, globs.roles);
        assert_eq!(
            plain.roles[..4],
            [
                Role::Service(0),
                Role::Service(0),
                Role::Service(1),
                Role::Shared
            ]
        );
    }

    #[test]
    fn a_service_has_a_database_of_its_own_unless_it_names_one() {
        let ws = workspace(MEMBERS);
        let arch = classify_text(
            &ws,
            "[[service]]\nname = \"orders\"\ncrates = [\"orders\"]\n[[service]]\nname = \"payments\"\ncrates = [\"payments\"]\ndatabase = \"orders\"\n",
        )
        .unwrap();
        let databases: Vec<&str> = arch.services.iter().map(|s| s.database.as_str()).collect();
        assert_eq!(databases, ["orders", "orders"]);
        let arch = classify_text(
            &ws,
            "[[service]]\nname = \"orders\"\ncrates = [\"orders\"]\n[[service]]\nname = \"payments\"\ncrates = [\"payments\"]\n",
        )
        .unwrap();
        let databases: Vec<&str> = arch.services.iter().map(|s| s.database.as_str()).collect();
        assert_eq!(databases, ["orders", "payments"]);
    }

    #[test]
    fn member_in_no_list_is_unclassified() {
        let ws = workspace(MEMBERS);
        let arch = classify_text(
            &ws,
            "[[service]]\nname = \"orders\"\ncrates = [\"orders\"]\n",
        )
        .unwrap();
        assert_eq!(arch.roles[0], Role::Service(0));
        assert_eq!(arch.roles[1], Role::Unclassified);
    }

    #[test]
    fn a_package_name_glob_is_more_specific_than_a_parent_folder() {
        // `services/orders` names orders-client only as a folder above it;
        // `*-client` names it by its package name.
        let ws = workspace(MEMBERS);
        let text = "[[service]]\nname = \"orders\"\ncrates = [\"services/orders\"]\n[[service]]\nname = \"clients\"\ncrates = [\"*-client\"]\n";
        let arch = classify_text(&ws, text).expect("valid");
        assert_eq!(
            service_of_member(&arch, &ws, "orders-client").as_deref(),
            Some("clients")
        );
        assert_eq!(
            service_of_member(&arch, &ws, "orders").as_deref(),
            Some("orders")
        );
    }

    #[test]
    fn member_in_two_services_is_an_error_at_the_second_pattern() {
        let ws = workspace(MEMBERS);
        let text = "[[service]]\nname = \"orders\"\ncrates = [\"services/orders\", \"libs/shop-domain\"]\n[[service]]\nname = \"payments\"\ncrates = [\"services/payments\", \"libs/shop-domain\"]\n";
        let errors = classify_text(&ws, text).unwrap_err();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].message.contains("belongs to two services"));
        let span = errors[0].span.clone().expect("span");
        assert_eq!(&text[span.clone()], "\"libs/shop-domain\"");
        assert!(span.start > text.find("payments").expect("second service"));
    }

    #[test]
    fn pattern_matching_nothing_is_an_error() {
        let ws = workspace(MEMBERS);
        let text = "[[service]]\nname = \"orders\"\ncrates = [\"services/order\"]\n";
        let errors = classify_text(&ws, text).unwrap_err();
        assert!(errors[0].message.contains("matches no workspace member"));
        assert_eq!(&text[errors[0].span.clone().unwrap()], "\"services/order\"");
    }

    #[test]
    fn service_without_crates_is_an_error() {
        let ws = workspace(MEMBERS);
        let text = "[[service]]\nname = \"orders\"\n";
        let errors = classify_text(&ws, text).unwrap_err();
        assert!(errors[0].message.contains("has no crates"));
        assert_eq!(&text[errors[0].span.clone().unwrap()], "\"orders\"");
    }

    #[test]
    fn manifest_metadata_assigns_a_service() {
        let mut ws = workspace(MEMBERS);
        ws.members[2].declared_service = Some(("payments".into(), 0..0));
        let arch = classify_text(&ws, "[[service]]\nname = \"payments\"\n").unwrap();
        assert_eq!(arch.roles[2], Role::Service(0));
    }

    #[test]
    fn manifest_metadata_naming_an_unknown_service_is_an_error() {
        let mut ws = workspace(MEMBERS);
        ws.members[2].declared_service = Some(("billing".into(), 0..0));
        let errors = classify_text(
            &ws,
            "[[service]]\nname = \"orders\"\ncrates = [\"orders\"]\n",
        )
        .unwrap_err();
        assert!(errors[0].message.contains("unknown service `billing`"));
    }

    #[test]
    fn invalid_member_glob_is_an_error() {
        let ws = workspace(MEMBERS);
        let errors = classify_text(&ws, "[shared]\ncrates = [\"libs/[\"]\n").unwrap_err();
        assert!(errors[0].message.contains("invalid glob"));
    }

    fn service_of_member(arch: &Architecture, ws: &Workspace, member: &str) -> Option<String> {
        let index = ws.members.iter().position(|m| m.name == member)?;
        arch.service_of(index).map(|s| s.name.clone())
    }

    #[test]
    fn the_deeper_folder_wins_over_its_parent() {
        // One team owns the platform folder, another its `ctl` tool.
        let ws = workspace(&[("platform", "platform"), ("ctl", "platform/ctl")]);
        let text = "[[service]]\nname = \"core\"\ncrates = [\"platform\"]\n[[service]]\nname = \"ops\"\ncrates = [\"platform/ctl\"]\n";
        let arch = classify_text(&ws, text).expect("valid: most specific wins");
        assert_eq!(
            service_of_member(&arch, &ws, "platform").as_deref(),
            Some("core")
        );
        assert_eq!(service_of_member(&arch, &ws, "ctl").as_deref(), Some("ops"));
    }

    #[test]
    fn an_exact_service_entry_takes_a_member_out_of_a_shared_glob() {
        let ws = workspace(MEMBERS);
        let text = "[[service]]\nname = \"orders\"\ncrates = [\"services/orders\", \"libs/shop-domain\"]\n[[service]]\nname = \"payments\"\ncrates = [\"services/payments\"]\n[shared]\ncrates = [\"libs/*\"]\nplatform = [\"libs/telemetry\"]\n";
        let arch = classify_text(&ws, text).expect("valid");
        assert_eq!(
            service_of_member(&arch, &ws, "shop-domain").as_deref(),
            Some("orders")
        );
        let telemetry = ws
            .members
            .iter()
            .position(|m| m.name == "telemetry")
            .expect("member");
        assert_eq!(arch.roles[telemetry], Role::Platform);
    }

    #[test]
    fn equally_specific_claims_by_two_services_are_an_error() {
        let ws = workspace(MEMBERS);
        let text = "[[service]]\nname = \"orders\"\ncrates = [\"services/*\"]\n[[service]]\nname = \"payments\"\ncrates = [\"services/*\"]\n";
        let errors = classify_text(&ws, text).unwrap_err();
        assert!(
            errors
                .iter()
                .any(|e| e.message.contains("belongs to two services")),
            "{errors:?}"
        );
    }
}
