//! The JSON report, schema 1, documented field by field in
//! `docs/json-report.md`. The shape is fixed by the structs below: keys come
//! out in declaration order and optional values are `null`, never omitted,
//! so consumers can rely on every key being present.
//!
//! serde escapes C0 controls but writes DEL, C1 and bidi controls raw, and
//! a consumer may print a value straight to a terminal (`jq -r`); so the
//! values are the neutralised texts of `report::neutral`: a file whose name
//! holds a line break is `"a\\nb"` (backslash, `n`), not `"a\nb"`.

use schemars::JsonSchema;
use serde::Serialize;

use super::{diagnostic_file, neutral::Neutral, rule_rows, sorted_diagnostics, sorted_findings};
use crate::adr::AdrStatus;
use crate::{AdrRef, Diagnostic, Finding, Location, Outcome, Related, Severity};

/// Bumped on every breaking change to the document (a key removed or
/// renamed, a type or meaning changed). Adding a key is not breaking.
const SCHEMA: u32 = 1;

/// The JSON Schema of the document, from the structs that write it.
pub(super) fn schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
    Document::json_schema(generator)
}

pub(super) fn render(outcome: &Neutral) -> String {
    let document = Document::new(outcome);
    let mut text = serde_json::to_string_pretty(&document)
        .expect("the report has string keys only, so serialising it cannot fail");
    text.push('\n');
    text
}

/// The JSON report of `cargo archfit check --format json`
/// (docs/json-report.md). New keys may appear within one `schema` number.
#[derive(Serialize, JsonSchema)]
#[schemars(title = "cargo-archfit report")]
struct Document<'a> {
    /// Version of this document's shape, bumped on every breaking change.
    #[schemars(extend("enum" = [SCHEMA]))]
    schema: u32,
    /// The program that wrote the document.
    tool: Tool,
    /// Counts of the run.
    summary: Summary<'a>,
    /// Every rule of the run.
    rules: Vec<RuleEntry<'a>>,
    /// The violations, after baseline and suppressions.
    findings: Vec<FindingEntry<'a>>,
    /// Problems of the tool itself (files it could not read or parse).
    diagnostics: Vec<DiagnosticEntry<'a>>,
    /// Sagas found by saga-compensation rules, and their class.
    sagas: Vec<SagaEntry<'a>>,
    /// Architecture quanta found by quanta rules: every service, in groups
    /// bound by synchronous calls or shared data (empty when no quanta
    /// rule ran).
    quanta: Vec<QuantumEntry<'a>>,
}

/// An architecture quantum: services deployed, scaled and failed together.
#[derive(Serialize, JsonSchema)]
struct QuantumEntry<'a> {
    /// Its services, sorted by name.
    services: &'a [String],
    /// Number of services.
    size: usize,
    /// What joins them, sorted by place; one per pair of services and kind.
    joins: Vec<JoinEntry<'a>>,
}

/// A synchronous call or data coupling that joins two services.
#[derive(Serialize, JsonSchema)]
struct JoinEntry<'a> {
    /// The service that calls, depends or reads.
    from: &'a str,
    /// The service called, depended on, or whose data is read.
    to: &'a str,
    /// "http" | "grpc" | "client-crate" | "crate" | "table" | "database".
    #[schemars(extend("enum" = ["http", "grpc", "client-crate", "crate", "table", "database"]))]
    kind: &'static str,
    /// What makes the join: the URL, the client, the crate, the table.
    detail: &'a str,
    /// Where it is.
    location: Option<LocationEntry<'a>>,
}

/// A saga and its class (saga-compensation rules only).
#[derive(Serialize, JsonSchema)]
struct SagaEntry<'a> {
    #[serde(flatten)]
    saga: &'a crate::checks::saga_compensation::SagaSummary,
    /// Where the saga starts.
    location: Option<LocationEntry<'a>>,
}

impl<'a> Document<'a> {
    fn new(outcome: &'a Outcome) -> Document<'a> {
        let rules = rule_rows(outcome)
            .into_iter()
            .map(|row| RuleEntry {
                id: row.id,
                check: row.check,
                severity: row.severity.map_or("off", Severity::as_str),
                findings: row.total(),
                adr: row.adr.map(AdrEntry::new),
            })
            .collect();
        Document {
            schema: SCHEMA,
            tool: Tool {
                name: "cargo-archfit",
                version: crate::VERSION,
            },
            summary: Summary {
                errors: outcome.count(Severity::Error),
                warnings: outcome.count(Severity::Warn),
                infos: outcome.count(Severity::Info),
                baselined: outcome.baselined,
                suppressed: outcome.suppressed,
                new_since: outcome.new_since.as_ref().map(|since| NewSinceEntry {
                    reference: &since.reference,
                    commit: &since.commit,
                    at_ref: since.at_ref,
                    unchanged: since.unchanged,
                    new: outcome.findings.len(),
                }),
            },
            rules,
            findings: sorted_findings(outcome)
                .into_iter()
                .map(FindingEntry::new)
                .collect(),
            diagnostics: sorted_diagnostics(outcome)
                .into_iter()
                .map(DiagnosticEntry::new)
                .collect(),
            sagas: outcome
                .sagas
                .iter()
                .map(|saga| SagaEntry {
                    saga,
                    location: saga.location.as_ref().map(LocationEntry::new),
                })
                .collect(),
            quanta: outcome
                .quanta
                .iter()
                .map(|quantum| QuantumEntry {
                    services: &quantum.services,
                    size: quantum.services.len(),
                    joins: quantum
                        .joins
                        .iter()
                        .map(|join| JoinEntry {
                            from: &join.from,
                            to: &join.to,
                            kind: join.kind,
                            detail: &join.detail,
                            location: join.location.as_ref().map(LocationEntry::new),
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

#[derive(Serialize, JsonSchema)]
struct Tool {
    /// Always `cargo-archfit`.
    #[schemars(extend("enum" = ["cargo-archfit"]))]
    name: &'static str,
    /// The cargo-archfit version.
    version: &'static str,
}

#[derive(Serialize, JsonSchema)]
struct Summary<'a> {
    /// Findings at severity `error`: the run fails when this is not 0.
    errors: usize,
    /// Findings at severity `warn`.
    warnings: usize,
    /// Findings at severity `info`.
    infos: usize,
    /// Findings matched by the baseline, left out of `findings`.
    baselined: usize,
    /// Findings silenced by an `archfit: allow` comment, left out of `findings`.
    suppressed: usize,
    /// With `check --new-since`: the ref compared with. Absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    new_since: Option<NewSinceEntry<'a>>,
}

/// What `check --new-since` compared with.
#[derive(Serialize, JsonSchema)]
struct NewSinceEntry<'a> {
    /// The git ref as given.
    #[serde(rename = "ref")]
    reference: &'a str,
    /// The commit it named.
    commit: &'a str,
    /// Findings of the same rules, configuration and baseline on that commit's tree.
    at_ref: usize,
    /// Findings of this tree accounted for by those, left out of `findings`.
    unchanged: usize,
    /// Findings not accounted for: every entry of `findings`.
    new: usize,
}

#[derive(Serialize, JsonSchema)]
struct RuleEntry<'a> {
    /// The rule's id in archfit.toml.
    id: &'a str,
    /// The check the rule configures.
    check: &'a str,
    /// "error" | "warn" | "info" | "off".
    #[schemars(extend("enum" = ["error", "warn", "info", "off"]))]
    severity: &'static str,
    /// How many entries of `findings` carry this rule id.
    findings: usize,
    /// The decision the rule enforces.
    adr: Option<AdrEntry<'a>>,
}

/// An architecture decision record.
#[derive(Serialize, JsonSchema)]
struct AdrEntry<'a> {
    /// The number or date prefix of the file name (`0003`).
    id: Option<&'a str>,
    /// The decision's title.
    title: &'a str,
    /// The status as written (`Accepted`, `Superseded`, …).
    status: Option<&'a str>,
    /// The ADR file relative to the workspace root, or its URL.
    link: &'a str,
}

impl<'a> AdrEntry<'a> {
    fn new(adr: &'a AdrRef) -> AdrEntry<'a> {
        AdrEntry {
            id: adr.id.as_deref(),
            title: &adr.title,
            status: adr.status.as_ref().map(AdrStatus::as_str),
            link: &adr.link,
        }
    }
}

#[derive(Serialize, JsonSchema)]
struct FindingEntry<'a> {
    /// Id of the rule that produced it.
    rule: &'a str,
    /// The check that found it.
    check: &'a str,
    /// The rule's severity.
    #[schemars(extend("enum" = ["error", "warn", "info"]))]
    severity: &'static str,
    /// What is wrong, in one sentence.
    message: &'a str,
    /// What to do about it.
    help: Option<&'a str>,
    /// The concrete change that would fix it, when the check can name one.
    suggestion: Option<&'a str>,
    /// The primary location; null for a finding about the whole workspace.
    location: Option<LocationEntry<'a>>,
    /// Secondary locations that explain the finding.
    related: Vec<RelatedEntry<'a>>,
    /// The service whose code breaks the rule.
    service: Option<&'a str>,
    /// The workspace crate the finding is in.
    #[serde(rename = "crate")]
    krate: Option<&'a str>,
    /// The decision the finding breaks.
    adr: Option<AdrEntry<'a>>,
    /// Identity of the finding across runs (baselines compare it).
    fingerprint: &'a str,
}

impl<'a> FindingEntry<'a> {
    fn new(finding: &'a Finding) -> FindingEntry<'a> {
        FindingEntry {
            rule: &finding.rule,
            check: &finding.check,
            severity: finding.severity.as_str(),
            message: &finding.message,
            help: finding.help.as_deref(),
            suggestion: finding.suggestion.as_deref(),
            location: finding.location.as_ref().map(LocationEntry::new),
            related: finding.related.iter().map(RelatedEntry::new).collect(),
            service: finding.service.as_deref(),
            krate: finding.krate.as_deref(),
            adr: finding.adr.as_ref().map(AdrEntry::new),
            fingerprint: &finding.fingerprint.0,
        }
    }
}

/// A location without its byte span: offsets are an implementation detail
/// of snippet drawing, lines and columns are what tools consume.
#[derive(Serialize, JsonSchema)]
#[schemars(description = "A region of a file.")]
struct LocationEntry<'a> {
    /// Path relative to the workspace root, `/`-separated.
    file: &'a str,
    /// First line, 1-based.
    line: usize,
    /// First column, 1-based, in characters.
    column: usize,
    /// Line of the exclusive end.
    end_line: usize,
    /// Column of the exclusive end, in characters.
    end_column: usize,
}

impl<'a> LocationEntry<'a> {
    fn new(location: &'a Location) -> LocationEntry<'a> {
        LocationEntry {
            file: &location.file,
            line: location.line,
            column: location.column,
            end_line: location.end_line,
            end_column: location.end_column,
        }
    }
}

/// A location with what it has to do with the finding.
#[derive(Serialize, JsonSchema)]
struct RelatedEntry<'a> {
    /// Path relative to the workspace root, `/`-separated.
    file: &'a str,
    /// First line, 1-based.
    line: usize,
    /// First column, 1-based, in characters.
    column: usize,
    /// Line of the exclusive end.
    end_line: usize,
    /// Column of the exclusive end, in characters.
    end_column: usize,
    /// What this place has to do with the finding ("table created here").
    label: &'a str,
}

impl<'a> RelatedEntry<'a> {
    fn new(related: &'a Related) -> RelatedEntry<'a> {
        let location = &related.location;
        RelatedEntry {
            file: &location.file,
            line: location.line,
            column: location.column,
            end_line: location.end_line,
            end_column: location.end_column,
            label: &related.label,
        }
    }
}

#[derive(Serialize, JsonSchema)]
struct DiagnosticEntry<'a> {
    /// How much the problem limits the analysis.
    #[schemars(extend("enum" = ["error", "warn", "info"]))]
    severity: &'static str,
    /// What happened.
    message: &'a str,
    /// The workspace-relative file concerned.
    file: Option<&'a str>,
    /// 1-based line, when known.
    line: Option<usize>,
    /// 1-based column in characters, when known.
    column: Option<usize>,
}

impl<'a> DiagnosticEntry<'a> {
    fn new(diagnostic: &'a Diagnostic) -> DiagnosticEntry<'a> {
        DiagnosticEntry {
            severity: diagnostic.severity.as_str(),
            message: &diagnostic.message,
            file: diagnostic_file(diagnostic),
            line: diagnostic.location.as_ref().map(|l| l.line),
            column: diagnostic.location.as_ref().map(|l| l.column),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::super::fixture;
    use crate::report::{render, Format, RenderOptions};
    use crate::Outcome;

    fn json(outcome: &Outcome) -> String {
        render(outcome, Format::Json, &RenderOptions::default())
    }

    fn parsed(outcome: &Outcome) -> Value {
        serde_json::from_str(&json(outcome)).expect("the report is valid JSON")
    }

    /// Keys of the pretty-printed object lines indented by `indent` spaces,
    /// in the order they appear.
    fn keys_at_indent(text: &str, indent: usize) -> Vec<&str> {
        text.lines()
            .filter_map(|line| {
                let rest = line.strip_prefix(&" ".repeat(indent))?;
                let key = rest.strip_prefix('"')?;
                Some(&key[..key.find("\":")?])
            })
            .collect()
    }

    #[test]
    fn document_parses_back_with_the_fixture_values() {
        let report = parsed(&fixture::outcome());
        assert_eq!(report["schema"], 1);
        assert_eq!(report["tool"]["name"], "cargo-archfit");
        assert_eq!(report["tool"]["version"], crate::VERSION);
        assert_eq!(report["summary"]["errors"], 1);
        assert_eq!(report["summary"]["warnings"], 0);
        assert_eq!(report["summary"]["infos"], 1);
        let finding = &report["findings"][0];
        assert_eq!(finding["rule"], "services-own-their-dependencies");
        assert_eq!(finding["severity"], "error");
        assert_eq!(finding["location"]["file"], "services/orders/Cargo.toml");
        assert_eq!(finding["location"]["line"], 6);
        assert_eq!(
            finding["related"][1]["file"],
            "libs/payments-core/Cargo.toml"
        );
        assert_eq!(
            finding["related"][1]["label"],
            "owned by service `payments`"
        );
        assert_eq!(finding["crate"], "orders");
        assert_eq!(finding["adr"]["id"], "0003");
        assert_eq!(finding["adr"]["status"], "Accepted");
        assert_eq!(
            finding["fingerprint"],
            fixture::outcome().findings[0].fingerprint.0.as_str()
        );
        assert_eq!(report["findings"][1]["severity"], "info");
        assert_eq!(report["diagnostics"][0]["severity"], "warn");
        assert_eq!(report["diagnostics"][0]["line"], 3);
    }

    #[test]
    fn absent_values_are_null_not_omitted() {
        let report = parsed(&fixture::outcome());
        let info = &report["findings"][1];
        assert!(info.as_object().unwrap().contains_key("service"));
        assert!(info["service"].is_null());
        assert!(info["adr"].is_null());
        let diagnostic = &report["diagnostics"][1];
        assert!(diagnostic.as_object().unwrap().contains_key("line"));
        assert!(diagnostic["line"].is_null());
        assert!(diagnostic["column"].is_null());

        let mut outcome = fixture::outcome();
        outcome.findings[0].location = None;
        outcome.findings[0].help = None;
        let report = parsed(&outcome);
        let finding = &report["findings"][0];
        assert!(finding["location"].is_null());
        assert!(finding["help"].is_null());
    }

    #[test]
    fn keys_come_in_the_documented_order() {
        let text = json(&fixture::outcome());
        assert_eq!(
            keys_at_indent(&text, 2),
            [
                "schema",
                "tool",
                "summary",
                "rules",
                "findings",
                "diagnostics",
                "sagas",
                "quanta"
            ]
        );
        assert_eq!(
            keys_at_indent(&text, 4)[2..],
            ["errors", "warnings", "infos", "baselined", "suppressed"]
        );
        let findings =
            &text[text.find("\"findings\": [").unwrap()..text.find("\"diagnostics\"").unwrap()];
        let first = &findings[..findings.find("\n    }").unwrap()];
        assert_eq!(
            keys_at_indent(first, 6),
            [
                "rule",
                "check",
                "severity",
                "message",
                "help",
                "suggestion",
                "location",
                "related",
                "service",
                "crate",
                "adr",
                "fingerprint"
            ]
        );
        assert_eq!(
            keys_at_indent(first, 8)[..5],
            ["file", "line", "column", "end_line", "end_column"]
        );
        assert_eq!(
            keys_at_indent(first, 10)[..6],
            ["file", "line", "column", "end_line", "end_column", "label"]
        );
    }

    #[test]
    fn rendering_twice_gives_identical_bytes() {
        let outcome = fixture::outcome();
        assert_eq!(json(&outcome).as_bytes(), json(&outcome).as_bytes());
    }

    #[test]
    fn document_is_pretty_printed_with_a_trailing_newline() {
        let text = json(&fixture::outcome());
        assert!(text.starts_with("{\n  \"schema\": 1,\n"));
        assert!(text.ends_with("}\n"));
        assert!(
            !text.contains("/home/dev/shop"),
            "no absolute root in the report"
        );
    }

    #[test]
    fn rule_counts_add_up_to_the_summary() {
        let report = parsed(&fixture::outcome());
        let total: u64 = report["rules"]
            .as_array()
            .unwrap()
            .iter()
            .map(|rule| rule["findings"].as_u64().unwrap())
            .sum();
        assert_eq!(total, 2);
        assert_eq!(report["rules"][0]["severity"], "off");
    }

    #[test]
    fn example_in_the_documentation_is_the_real_output() {
        let doc = include_str!("../../docs/json-report.md");
        let example = doc.split("```json\n").nth(1).expect("a json example");
        let example = &example[..example.find("```").expect("closing fence")];
        let actual = json(&fixture::outcome()).replace(crate::VERSION, "0.1.0");
        assert_eq!(example, actual);
    }

    #[test]
    fn document_has_the_documented_shape() {
        insta::assert_snapshot!(json(&fixture::outcome()).replace(crate::VERSION, "<version>"), @r#"
        {
          "schema": 1,
          "tool": {
            "name": "cargo-archfit",
            "version": "<version>"
          },
          "summary": {
            "errors": 1,
            "warnings": 0,
            "infos": 1,
            "baselined": 0,
            "suppressed": 0
          },
          "rules": [
            {
              "id": "layers-in-accounts",
              "check": "layers",
              "severity": "off",
              "findings": 0,
              "adr": null
            },
            {
              "id": "no-service-cycles",
              "check": "cycles",
              "severity": "error",
              "findings": 0,
              "adr": null
            },
            {
              "id": "services-own-their-dependencies",
              "check": "service-dependency",
              "severity": "error",
              "findings": 1,
              "adr": {
                "id": "0003",
                "title": "Prefer duplication over coupling",
                "status": "Accepted",
                "link": "docs/adr/0003-prefer-duplication-over-coupling.md"
              }
            },
            {
              "id": "unclassified-members",
              "check": "workspace",
              "severity": "info",
              "findings": 1,
              "adr": null
            }
          ],
          "findings": [
            {
              "rule": "services-own-their-dependencies",
              "check": "service-dependency",
              "severity": "error",
              "message": "crate `orders` of service `orders` depends on `payments-core`, owned by service `payments`",
              "help": "call the payments API instead, or move the shared code into a platform crate",
              "suggestion": null,
              "location": {
                "file": "services/orders/Cargo.toml",
                "line": 6,
                "column": 1,
                "end_line": 6,
                "end_column": 54
              },
              "related": [
                {
                  "file": "services/orders/Cargo.toml",
                  "line": 2,
                  "column": 1,
                  "end_line": 2,
                  "end_column": 16,
                  "label": "this crate belongs to service `orders`"
                },
                {
                  "file": "libs/payments-core/Cargo.toml",
                  "line": 2,
                  "column": 1,
                  "end_line": 2,
                  "end_column": 23,
                  "label": "owned by service `payments`"
                }
              ],
              "service": "orders",
              "crate": "orders",
              "adr": {
                "id": "0003",
                "title": "Prefer duplication over coupling",
                "status": "Accepted",
                "link": "docs/adr/0003-prefer-duplication-over-coupling.md"
              },
              "fingerprint": "87d2c8da81dc120e"
            },
            {
              "rule": "unclassified-members",
              "check": "workspace",
              "severity": "info",
              "message": "crate `telemetry` belongs to no service and is not listed as shared",
              "help": "add it to `[shared] platform` or to a service's `crates`",
              "suggestion": null,
              "location": {
                "file": "services/orders/Cargo.toml",
                "line": 7,
                "column": 1,
                "end_line": 7,
                "end_column": 46
              },
              "related": [
                {
                  "file": "libs/telemetry/Cargo.toml",
                  "line": 2,
                  "column": 1,
                  "end_line": 2,
                  "end_column": 19,
                  "label": "declared here"
                }
              ],
              "service": null,
              "crate": "telemetry",
              "adr": null,
              "fingerprint": "18f15eea5e934e44"
            }
          ],
          "diagnostics": [
            {
              "severity": "warn",
              "message": "could not parse: expected `;`",
              "file": "services/orders/src/broken.rs",
              "line": 3,
              "column": 9
            },
            {
              "severity": "info",
              "message": "skipped generated file",
              "file": "services/orders/src/generated.rs",
              "line": null,
              "column": null
            }
          ],
          "sagas": [
            {
              "name": "create-order",
              "dialect": "builder",
              "service": "orders",
              "steps": 5,
              "communication": "sync",
              "consistency": "eventual",
              "coordination": "orchestration",
              "class": "Fairy Tale Saga",
              "location": {
                "file": "services/orders/src/checkout.rs",
                "line": 2,
                "column": 5,
                "end_line": 2,
                "end_column": 18
              }
            }
          ],
          "quanta": [
            {
              "services": [
                "orders",
                "payments"
              ],
              "size": 2,
              "joins": [
                {
                  "from": "orders",
                  "to": "payments",
                  "kind": "http",
                  "detail": "http://payments:8080/v1/captures",
                  "location": {
                    "file": "services/orders/src/checkout.rs",
                    "line": 1,
                    "column": 27,
                    "end_line": 1,
                    "end_column": 61
                  }
                }
              ]
            }
          ]
        }
        "#);
    }
}
