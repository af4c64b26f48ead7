//! The baseline: fingerprints of findings a team accepts for now, so a legacy
//! workspace can adopt the gate today and ratchet down. `check` fails only on
//! findings beyond the baseline, and says which entries no longer occur so the
//! file can shrink.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::finding::{Dismissal, Dismissed};
use crate::{Diagnostic, Error, Finding, Outcome, Severity};

/// Version of the file format; a newer one is refused rather than misread.
pub const SCHEMA: u32 = 1;

/// Default file name, at the workspace root.
pub const FILE_NAME: &str = "archfit-baseline.json";

/// Largest baseline read: ample for hundreds of thousands of entries.
const MAX_BYTES: u64 = 64 * 1024 * 1024;

/// The file's contents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Baseline {
    pub schema: u32,
    /// Tool that wrote it, for humans.
    #[serde(default)]
    pub tool: String,
    pub entries: Vec<Entry>,
}

/// Findings with one fingerprint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub fingerprint: String,
    pub rule: String,
    /// How many findings share the fingerprint.
    pub count: usize,
    /// Where and what, for the reader of a diff (never matched on).
    #[serde(default)]
    pub hint: String,
}

impl Baseline {
    /// The baseline of every finding in `outcome`, sorted.
    pub fn of(outcome: &Outcome) -> Baseline {
        let mut entries: BTreeMap<(&str, &str), Entry> = BTreeMap::new();
        for finding in &outcome.findings {
            let entry = entries
                .entry((finding.rule.as_str(), finding.fingerprint.0.as_str()))
                .or_insert_with(|| Entry {
                    fingerprint: finding.fingerprint.0.clone(),
                    rule: finding.rule.clone(),
                    count: 0,
                    hint: hint(finding),
                });
            entry.count += 1;
        }
        Baseline {
            schema: SCHEMA,
            tool: format!("cargo-archfit {}", crate::VERSION),
            entries: entries.into_values().collect(),
        }
    }

    /// Reads a baseline file; a missing, unreadable, malformed or newer file
    /// is an error (exit 2), never an empty baseline. `inside`: the root the
    /// file must resolve in, when its path came from the workspace's config.
    pub fn read(path: &Path, inside: Option<&crate::fs::Root>) -> Result<Baseline, Error> {
        let shown = path.display().to_string();
        let text = match inside {
            Some(root) => crate::fs::read_workspace_text(root, path, MAX_BYTES),
            None => crate::fs::read_user_text(path, MAX_BYTES),
        };
        let text = text.map_err(|e| Error::Io {
            path: shown.clone(),
            message: format!("cannot read the baseline: {e}"),
        })?;
        let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| Error::Io {
            path: shown.clone(),
            message: format!("the baseline is not valid JSON: {e}"),
        })?;
        let schema = value.get("schema").and_then(serde_json::Value::as_u64);
        match schema {
            Some(s) if s > u64::from(SCHEMA) => {
                return Err(Error::Io {
                    path: shown,
                    message: format!(
                        "the baseline was written by a newer cargo-archfit (schema {s}; this version reads {SCHEMA}); upgrade cargo-archfit"
                    ),
                })
            }
            None => {
                return Err(Error::Io {
                    path: shown,
                    message: "the baseline has no `schema` number; write it with `cargo archfit baseline`".into(),
                })
            }
            _ => {}
        }
        serde_json::from_value(value).map_err(|e| Error::Io {
            path: shown,
            message: format!("the baseline does not have the expected shape: {e}"),
        })
    }

    /// Removes from `outcome` the findings the baseline holds (up to each
    /// entry's count), counts them, and reports entries that occur less often
    /// than recorded.
    pub fn apply(&self, outcome: &mut Outcome, file: &str) {
        let (held, budget) = self.hold(&mut outcome.findings);
        // Held findings are kept aside, not dropped: SARIF shows them as
        // dismissed, so code scanning does not close their alerts as fixed.
        outcome.baselined += held.len();
        outcome
            .dismissed
            .extend(held.into_iter().map(|finding| Dismissed {
                finding,
                by: Dismissal::Baseline,
            }));
        for entry in &self.entries {
            let left = budget.get(entry.fingerprint.as_str()).copied().unwrap_or(0);
            if left > 0 {
                outcome.stale_baseline_entries += 1;
                outcome.diagnostics.push(Diagnostic {
                    severity: Severity::Warn,
                    message: format!(
                        "baseline entry {} ({}: {}) occurs {} time(s) less than recorded; run `cargo archfit baseline` to shrink {file}",
                        entry.fingerprint, entry.rule, entry.hint, left
                    ),
                    file: Some(file.to_string()),
                    location: None,
                });
            }
        }
        outcome.diagnostics.sort();
    }
}

impl Baseline {
    /// Leaves in `findings` only those beyond the entries' counts (per
    /// fingerprint, in order), and returns the ones the entries hold with
    /// the count each fingerprint had left unused. `apply` and `check
    /// --new-since` (whose "baseline" is the findings at the ref) share it.
    pub fn hold(&self, findings: &mut Vec<Finding>) -> (Vec<Finding>, BTreeMap<&str, usize>) {
        let mut budget: BTreeMap<&str, usize> = self
            .entries
            .iter()
            .map(|e| (e.fingerprint.as_str(), e.count))
            .collect();
        let mut held = Vec::new();
        for finding in std::mem::take(findings) {
            match budget.get_mut(finding.fingerprint.0.as_str()) {
                Some(left) if *left > 0 => {
                    *left -= 1;
                    held.push(finding);
                }
                _ => findings.push(finding),
            }
        }
        (held, budget)
    }
}

fn hint(finding: &Finding) -> String {
    match &finding.location {
        Some(l) => format!("{}: {}", l.file, finding.message),
        None => finding.message.clone(),
    }
}

#[cfg(test)]
#[allow(clippy::disallowed_methods)] // tests build their workspaces directly
mod tests {
    use super::*;
    use crate::{Fingerprint, Outcome, Stats};

    fn finding(rule: &str, fingerprint: &str) -> Finding {
        Finding {
            rule: rule.into(),
            check: "cycles".into(),
            severity: Severity::Error,
            message: "m".into(),
            help: None,
            suggestion: None,
            label: None,
            location: None,
            related: Vec::new(),
            service: None,
            krate: None,
            adr: None,
            fingerprint: Fingerprint(fingerprint.into()),
        }
    }

    fn outcome(findings: Vec<Finding>) -> Outcome {
        Outcome {
            root: "/ws".into(),
            findings,
            diagnostics: Vec::new(),
            rules: Vec::new(),
            sources: Default::default(),
            stats: Stats::default(),
            sagas: Vec::new(),
            baselined: 0,
            suppressed: 0,
            quanta: Vec::new(),
            stale_baseline_entries: 0,
            baseline: Default::default(),
            dismissed: Vec::new(),
            repository: Default::default(),
            new_since: None,
        }
    }

    #[test]
    fn entries_count_findings_per_fingerprint_sorted() {
        let baseline = Baseline::of(&outcome(vec![
            finding("b", "2"),
            finding("a", "1"),
            finding("b", "2"),
        ]));
        let entries: Vec<(&str, &str, usize)> = baseline
            .entries
            .iter()
            .map(|e| (e.rule.as_str(), e.fingerprint.as_str(), e.count))
            .collect();
        assert_eq!(entries, [("a", "1", 1), ("b", "2", 2)]);
    }

    #[test]
    fn only_findings_beyond_the_baseline_remain() {
        let baseline = Baseline::of(&outcome(vec![finding("a", "1")]));
        let mut now = outcome(vec![
            finding("a", "1"),
            finding("a", "1"),
            finding("c", "3"),
        ]);
        baseline.apply(&mut now, FILE_NAME);
        let left: Vec<&str> = now
            .findings
            .iter()
            .map(|f| f.fingerprint.0.as_str())
            .collect();
        assert_eq!(left, ["1", "3"]);
        assert_eq!(now.baselined, 1);
        let held: Vec<(&str, &Dismissal)> = now
            .dismissed
            .iter()
            .map(|d| (d.finding.fingerprint.0.as_str(), &d.by))
            .collect();
        assert_eq!(held, [("1", &Dismissal::Baseline)]);
        assert!(now.diagnostics.is_empty());
    }

    #[test]
    fn entries_that_no_longer_occur_are_reported() {
        let baseline = Baseline::of(&outcome(vec![finding("a", "1"), finding("a", "1")]));
        let mut now = outcome(vec![finding("a", "1")]);
        baseline.apply(&mut now, FILE_NAME);
        assert_eq!(now.findings.len(), 0);
        assert_eq!(now.diagnostics.len(), 1);
        assert!(now.diagnostics[0].message.contains("1 time(s) less"));
        assert_eq!(now.diagnostics[0].severity, Severity::Warn);
        assert_eq!(now.stale_baseline_entries, 1);
    }

    #[test]
    fn newer_schema_is_refused() {
        let dir = std::env::temp_dir().join(format!("archfit-baseline-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(FILE_NAME);
        std::fs::write(&path, r#"{"schema": 2, "entries": []}"#).unwrap();
        let error = Baseline::read(&path, None).unwrap_err().to_string();
        assert!(error.contains("newer cargo-archfit"), "{error}");
        std::fs::write(&path, "not json").unwrap();
        assert!(Baseline::read(&path, None)
            .unwrap_err()
            .to_string()
            .contains("not valid JSON"));
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn baseline_round_trips_through_json() {
        let baseline = Baseline::of(&outcome(vec![finding("a", "1")]));
        let text = crate::report::baseline_file(&baseline);
        assert_eq!(serde_json::from_str::<Baseline>(&text).unwrap(), baseline);
    }
}
