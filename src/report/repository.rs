//! Paths and links from the repository root, for the formats a forge reads:
//! SARIF (code scanning resolves `%SRCROOT%` to the checkout), GitHub
//! workflow commands (`file=` is relative to the checkout) and Markdown (a
//! pull-request comment). The other formats keep workspace-relative paths,
//! as the JSON schema documents.

use std::borrow::Cow;
use std::path::Path;

use super::uri_path;
use crate::{AdrRef, Location, Outcome};

/// The outcome with every workspace-relative path (locations, diagnostics'
/// files, ADR files, source keys) prefixed with the workspace's folder in
/// its repository. Borrowed when the workspace is the repository root.
pub(super) fn rebase(outcome: &Outcome) -> Cow<'_, Outcome> {
    let prefix = outcome.repository.prefix.as_str();
    if prefix.is_empty() {
        return Cow::Borrowed(outcome);
    }
    let path = |file: &mut String| {
        // A path the user typed outside the workspace (`--baseline
        // /ci/trusted/…`) stays as it is.
        if !Path::new(file.as_str()).is_absolute() && !file.starts_with('/') {
            file.insert_str(0, prefix);
        }
    };
    let location = |location: &mut Location| path(&mut location.file);
    let adr = |adr: &mut AdrRef| {
        if !super::is_url(&adr.link) {
            path(&mut adr.link);
        }
    };
    let mut outcome = outcome.clone();
    let findings = outcome
        .findings
        .iter_mut()
        .chain(outcome.dismissed.iter_mut().map(|d| &mut d.finding));
    for finding in findings {
        finding.location.iter_mut().for_each(location);
        for related in &mut finding.related {
            location(&mut related.location);
        }
        finding.adr.iter_mut().for_each(adr);
    }
    for dismissed in &mut outcome.dismissed {
        if let crate::Dismissal::Inline { location: at, .. } = &mut dismissed.by {
            location(at);
        }
    }
    for diagnostic in &mut outcome.diagnostics {
        diagnostic.file.iter_mut().for_each(path);
        diagnostic.location.iter_mut().for_each(location);
    }
    for rule in &mut outcome.rules {
        rule.adr.iter_mut().for_each(adr);
    }
    for saga in &mut outcome.sagas {
        saga.location.iter_mut().for_each(location);
    }
    outcome.sources = std::mem::take(&mut outcome.sources)
        .into_iter()
        .map(|(mut file, text)| {
            path(&mut file);
            (file, text)
        })
        .collect();
    Cow::Owned(outcome)
}

/// How a report links to a file of the repository: absolute when the
/// repository's web address is known, else relative to its root.
#[derive(Debug, Clone, Copy)]
pub(super) struct Links<'a> {
    files: Option<&'a str>,
}

impl<'a> Links<'a> {
    pub(super) fn of(outcome: &'a Outcome) -> Links<'a> {
        Links {
            files: outcome.repository.web.as_ref().map(|w| w.files.as_str()),
        }
    }

    /// A link destination for a repository-relative path.
    pub(super) fn file(self, path: &str) -> String {
        match self.absolute(path) {
            Some(url) => url,
            None => uri_path(path),
        }
    }

    /// The web address of a repository-relative path, when known.
    pub(super) fn absolute(self, path: &str) -> Option<String> {
        self.files.map(|base| format!("{base}{}", uri_path(path)))
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixture;
    use super::*;
    use crate::workspace::repository::{Repository, Web};
    use crate::{Dismissal, Dismissed};

    fn in_backend() -> Outcome {
        let mut outcome = fixture::outcome();
        outcome.repository = Repository {
            prefix: "backend/".into(),
            web: None,
        };
        outcome
    }

    #[test]
    fn every_workspace_path_gets_the_prefix() {
        let mut outcome = in_backend();
        outcome.diagnostics[0].file = Some("/ci/trusted/archfit-baseline.json".into());
        let held = outcome.findings[1].clone();
        outcome.dismissed.push(Dismissed {
            by: Dismissal::Inline {
                reason: "generated".into(),
                location: held.location.clone().unwrap(),
            },
            finding: held,
        });
        outcome.rules[0].adr = Some(fixture::adr());
        let rebased = rebase(&outcome);
        let finding = &rebased.findings[0];
        assert_eq!(
            finding.location.as_ref().unwrap().file,
            "backend/services/orders/Cargo.toml"
        );
        assert_eq!(
            finding.related[1].location.file,
            "backend/libs/payments-core/Cargo.toml"
        );
        assert_eq!(
            finding.adr.as_ref().unwrap().link,
            "backend/docs/adr/0003-prefer-duplication-over-coupling.md"
        );
        assert_eq!(
            rebased.rules[0].adr.as_ref().unwrap().link,
            "backend/docs/adr/0003-prefer-duplication-over-coupling.md"
        );
        let Dismissal::Inline { location, .. } = &rebased.dismissed[0].by else {
            unreachable!()
        };
        assert_eq!(location.file, "backend/services/orders/Cargo.toml");
        assert_eq!(
            rebased.dismissed[0].finding.location.as_ref().unwrap().file,
            location.file
        );
        // An absolute path the user typed stays as typed.
        assert_eq!(
            rebased.diagnostics[0].file.as_deref(),
            Some("/ci/trusted/archfit-baseline.json")
        );
        assert_eq!(
            rebased.diagnostics[1].location.as_ref().unwrap().file,
            "backend/services/orders/src/broken.rs"
        );
        assert_eq!(
            rebased.sagas[0].location.as_ref().unwrap().file,
            "backend/services/orders/src/checkout.rs"
        );
        let keys: Vec<&str> = rebased.sources.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "backend/libs/payments-core/Cargo.toml",
                "backend/services/orders/Cargo.toml"
            ]
        );
    }

    #[test]
    fn an_adr_given_as_a_url_is_left_alone() {
        let mut outcome = in_backend();
        outcome.findings[0].adr.as_mut().unwrap().link = "https://adr.example.com/0003".into();
        let rebased = rebase(&outcome);
        assert_eq!(
            rebased.findings[0].adr.as_ref().unwrap().link,
            "https://adr.example.com/0003"
        );
    }

    #[test]
    fn workspace_at_the_repository_root_is_not_copied() {
        let outcome = fixture::outcome();
        assert!(matches!(rebase(&outcome), Cow::Borrowed(_)));
    }

    #[test]
    fn links_are_absolute_once_the_web_address_is_known() {
        let mut outcome = in_backend();
        assert_eq!(
            Links::of(&outcome).file("backend/my dir/a.rs"),
            "backend/my%20dir/a.rs"
        );
        outcome.repository.web = Some(Web {
            url: "https://github.com/acme/shop".into(),
            revision: None,
            files: "https://github.com/acme/shop/blob/HEAD/".into(),
        });
        let links = Links::of(&outcome);
        assert_eq!(
            links.file("backend/my dir/a.rs"),
            "https://github.com/acme/shop/blob/HEAD/backend/my%20dir/a.rs"
        );
        assert_eq!(
            links.absolute("//evil.example/x").as_deref(),
            Some("https://github.com/acme/shop/blob/HEAD/%2F/evil.example/x")
        );
    }
}
