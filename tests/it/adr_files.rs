//! ADR files as teams write them outside the Nygard template: RFC-style
//! records with front matter, setext headings and date-prefixed names. The
//! report names the decision by its title and date id, and a rule enforcing
//! a superseded one is flagged.

use crate::{archfit_in, stdout};
use std::path::{Path, PathBuf};

const KAFKA_ADR: &str = "---
title: Use Kafka for integration events
status: superseded
superseded-by: 2024-06-12-use-nats-jetstream.md
---

Kafka for integration events
============================

Context
-------

Orders and billing exchange events. An example record, as the template shows:

```markdown
Status: accepted
```

<!-- Status: accepted -->

Decision
--------

Services do not call each other; they publish to Kafka.
";

const NATS_ADR: &str = "NATS JetStream for integration events
=====================================

Status
------

Accepted

Context
-------

```
Status: superseded
```

Kafka costs more to run than the events need.
";

/// Two services, a rule pointing at `adr`, both ADRs on disk.
fn workspace(tag: &str, adr: &str) -> PathBuf {
    let package = |name: &str| {
        format!("[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n")
    };
    let config = format!(
        "version = 1\nadr_dir = \"docs/adr\"\n\n[[service]]\nname = \"orders\"\ncrates = [\"services/orders\"]\n\n[[service]]\nname = \"billing\"\ncrates = [\"services/billing\"]\n\n[[rule]]\nid = \"services-talk-through-events\"\ncheck = \"service-dependency\"\nseverity = \"error\"\nadr = \"{adr}\"\n"
    );
    crate::write_workspace(
        &format!("adr-files-{tag}"),
        &[
            (
                "Cargo.toml",
                "[workspace]\nresolver = \"2\"\nmembers = [\"services/orders\", \"services/billing\"]\n".to_string(),
            ),
            ("archfit.toml", config),
            ("services/orders/Cargo.toml", package("orders")),
            (
                "services/orders/src/main.rs",
                "fn main() {\n    println!(\"order placed\");\n}\n".into(),
            ),
            ("services/billing/Cargo.toml", package("billing")),
            (
                "services/billing/src/main.rs",
                "fn main() {\n    println!(\"invoice sent\");\n}\n".into(),
            ),
            ("docs/adr/2023-03-08-use-kafka.md", KAFKA_ADR.into()),
            ("docs/adr/2024-06-12-use-nats-jetstream.md", NATS_ADR.into()),
        ],
    )
}

fn check(dir: &Path, format: &str) -> String {
    let output = archfit_in(dir, &["check", "--color", "never", "--format", format]);
    let text = stdout(&output);
    assert!(
        output.status.code() != Some(2),
        "exit 2:\n{text}\n{}",
        crate::stderr(&output)
    );
    text
}

#[test]
fn a_superseded_rfc_style_adr_is_named_by_its_title_and_date_and_flagged() {
    let dir = workspace("superseded", "2023-03-08-use-kafka.md");
    let human = check(&dir, "human");
    let json = check(&dir, "json");
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        human.contains("ADR-2023-03-08 Use Kafka for integration events (Superseded)"),
        "{human}"
    );
    assert!(
        human.contains("enforces ADR-2023-03-08 Use Kafka for integration events (Superseded), which is superseded"),
        "{human}"
    );
    let report: serde_json::Value = serde_json::from_str(&json).expect("JSON report");
    assert_eq!(report["findings"][0]["check"], "adr-status", "{json}");
    let adr = &report["findings"][0]["adr"];
    assert_eq!(adr["id"], "2023-03-08", "{json}");
    assert_eq!(adr["title"], "Use Kafka for integration events", "{json}");
    assert_eq!(adr["status"], "Superseded", "{json}");
}

#[test]
fn an_accepted_setext_adr_gives_no_retired_warning() {
    let dir = workspace("accepted", "2024-06-12-use-nats-jetstream.md");
    let human = check(&dir, "human");
    let json = check(&dir, "json");
    let _ = std::fs::remove_dir_all(&dir);
    // The fenced `Status: superseded` in its context is an example, not its status.
    assert!(!human.contains("superseded"), "{human}");
    let report: serde_json::Value = serde_json::from_str(&json).expect("JSON report");
    assert_eq!(
        report["findings"].as_array().map(Vec::len),
        Some(0),
        "{json}"
    );
    let adr = &report["rules"][0]["adr"];
    assert_eq!(adr["id"], "2024-06-12", "{json}");
    assert_eq!(
        adr["title"], "NATS JetStream for integration events",
        "{json}"
    );
    assert_eq!(adr["status"], "Accepted", "{json}");
}
