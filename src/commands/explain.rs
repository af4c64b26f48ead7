//! `explain` and `adr`: what a rule or check enforces, and which decisions
//! are enforced by which rules.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::adr::AdrStatus;
use crate::checks::Rule;
use crate::{adr, checks, load, AdrRef, Error, Options};

/// What `cargo archfit explain <target>` prints, as Markdown: a check's
/// documentation, or a rule with its check, severity, decision and
/// definition, then its check's documentation. (`report::explain` renders
/// it as plain text for a terminal.)
pub fn explain(options: &Options, target: &str) -> Result<String, Error> {
    if let Some(check) = checks::by_name(target) {
        return Ok(with_newline(check.doc));
    }
    let loaded = match load(options) {
        Ok(loaded) => loaded,
        // Without a configuration only checks can be explained: a name
        // close to one is a misspelt check, not a reason to run `init`.
        Err(error) => {
            return Err(
                match crate::suggest::did_you_mean(target, checks::names()) {
                    Some(check) => Error::Usage(format!(
                        "no check named `{target}`; did you mean `{check}`?"
                    )),
                    None => error,
                },
            )
        }
    };
    let Some(index) = loaded.config.rules.iter().position(|r| r.id == target) else {
        let rules: Vec<&str> = loaded.config.rules.iter().map(|r| r.id.as_str()).collect();
        let suggestion = crate::suggest::did_you_mean(
            target,
            checks::names().into_iter().chain(rules.iter().copied()),
        )
        .map(|name| format!("; did you mean `{name}`?"))
        .unwrap_or_default();
        return Err(Error::Usage(format!(
            "no check or rule named `{target}`{suggestion} (checks: {}; rules: {})",
            checks::names().join(", "),
            rules.join(", ")
        )));
    };
    let rule = &loaded.config.rules[index];
    let mut out = String::new();
    let severity = rule.severity.map_or("off", |s| s.as_str());
    out.push_str(&format!("# Rule `{}`\n\n", rule.id));
    out.push_str(&format!("- check: `{}`\n", rule.check));
    out.push_str(&format!("- severity: {severity}\n"));
    if let Some(Some(adr)) = loaded.adrs.get(index) {
        out.push_str(&format!("- decision: {} — {}\n", adr.display(), adr.link));
    } else {
        out.push_str("- decision: none recorded (add `adr = \"…\"` to the rule)\n");
    }
    if let Some(message) = &rule.message {
        out.push_str(&format!("- message: {message}\n"));
    }
    out.push_str(&format!("\nDefined in {}:\n\n", rule.file.name));
    // A `[[rule]]` table's span covers its header; its keys run to the next header.
    let rest = rule.file.text.get(rule.span.start..).unwrap_or_default();
    let end = rest
        .match_indices('\n')
        .map(|(i, _)| i + 1)
        .find(|&i| rest[i..].trim_start().starts_with('['))
        .unwrap_or(rest.len());
    let text = &rest[..end.max(rule.span.end - rule.span.start).min(rest.len())];
    // A fence longer than any run of backticks in the text, so none closes it.
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest.max(2) + 1);
    out.push_str(&format!("{fence}toml\n{}\n{fence}\n\n", text.trim_end()));
    out.push_str(&with_newline(
        checks::by_name(rule.check).map_or("", |c| c.doc),
    ));
    Ok(out)
}

fn with_newline(text: &str) -> String {
    let mut text = text.trim_end().to_string();
    text.push('\n');
    text
}

/// Rules ↔ decisions.
#[derive(Debug, Clone, Serialize)]
pub struct AdrMatrix {
    pub decisions: Vec<Decision>,
    /// Enabled rules with no `adr`.
    pub rules_without_decision: Vec<String>,
}

/// One ADR file and the rules that enforce it.
#[derive(Debug, Clone, Serialize)]
pub struct Decision {
    #[serde(flatten)]
    pub adr: AdrRef,
    pub rules: Vec<String>,
    /// Superseded or Deprecated while a rule still enforces it.
    pub retired_but_enforced: bool,
}

/// Reads every ADR in `adr_dir` and every rule's `adr`.
pub fn adr_matrix(options: &Options) -> Result<AdrMatrix, Error> {
    let loaded = load(options)?;
    let config = &loaded.config;
    let (enabled, refs): (Vec<&Rule>, Vec<Option<AdrRef>>) = config
        .rules
        .iter()
        .zip(&loaded.adrs)
        .filter(|(rule, _)| rule.severity.is_some())
        .map(|(rule, adr)| (rule, adr.clone()))
        .unzip();
    let mut by_link: BTreeMap<String, Decision> = BTreeMap::new();
    let root = crate::fs::Root::new(&loaded.workspace.root);
    let files: Vec<String> =
        crate::fs::list_workspace_dir(&root, std::path::Path::new(&config.adr_dir))
            .into_iter()
            .filter(|n| n.ends_with(".md") && !n.eq_ignore_ascii_case("README.md"))
            .collect();
    for name in files {
        let link = format!("{}/{name}", config.adr_dir.trim_end_matches('/'));
        // An ADR that resolves outside the workspace (a symlink to ~/.bashrc)
        // is read as empty: its text never reaches a report.
        let text =
            crate::fs::read_workspace_bytes(&root, std::path::Path::new(&link), adr::MAX_BYTES)
                .map(|b| String::from_utf8_lossy(&b).into_owned())
                .unwrap_or_default();
        let info = adr::parse(&text);
        by_link.insert(
            link.clone(),
            Decision {
                adr: AdrRef {
                    id: adr::id_from_file_name(&name),
                    title: info.as_ref().map_or_else(
                        || name.trim_end_matches(".md").to_string(),
                        |i| i.title.clone(),
                    ),
                    status: info.and_then(|i| i.status),
                    link,
                },
                rules: Vec::new(),
                retired_but_enforced: false,
            },
        );
    }
    let mut rules_without_decision = Vec::new();
    for (rule, adr) in enabled.iter().zip(refs) {
        match adr {
            Some(adr) => {
                let decision = by_link.entry(adr.link.clone()).or_insert_with(|| Decision {
                    adr: adr.clone(),
                    rules: Vec::new(),
                    retired_but_enforced: false,
                });
                decision.rules.push(rule.id.clone());
            }
            None => rules_without_decision.push(rule.id.clone()),
        }
    }
    for decision in by_link.values_mut() {
        decision.rules.sort();
        decision.retired_but_enforced = !decision.rules.is_empty()
            && decision
                .adr
                .status
                .as_ref()
                .is_some_and(AdrStatus::is_retired);
    }
    rules_without_decision.sort();
    Ok(AdrMatrix {
        decisions: by_link.into_values().collect(),
        rules_without_decision,
    })
}

#[cfg(test)]
mod tests {

    const NAMES: &[&str] = &[
        "service-dependency",
        "shared-coupling",
        "cross-service-db",
        "cycles",
        "saga-compensation",
        "layers",
        "no-crate-cycles",
        "no-module-cycles",
        "no-cycles-between-services",
        "services-share-no-domain-code",
        "services-own-their-tables",
    ];

    #[test]
    fn a_misspelt_name_gets_the_closest_one() {
        for (typed, meant) in [
            ("cycle", "cycles"),
            ("Cycles", "cycles"),
            ("layer", "layers"),
            ("service-dependencies", "service-dependency"),
            ("shared_coupling", "shared-coupling"),
            ("no-crate-cycle", "no-crate-cycles"),
            ("no-modul-cycles", "no-module-cycles"),
            ("services-own-their-table", "services-own-their-tables"),
        ] {
            assert_eq!(
                crate::suggest::did_you_mean(typed, NAMES.iter().copied()),
                Some(meant),
                "{typed}"
            );
        }
    }

    #[test]
    fn an_unrelated_name_gets_no_suggestion() {
        for typed in ["no-such-thing", "deny", "graph", "x", ""] {
            assert_eq!(
                crate::suggest::did_you_mean(typed, NAMES.iter().copied()),
                None,
                "{typed}"
            );
        }
    }
}
