//! `cargo archfit metrics` as a table or JSON.

use std::fmt::Write as _;

use serde::Serialize;

use crate::commands::metrics::{Metrics, Row};

/// Plain-text tables, aligned.
pub fn render_table(metrics: &Metrics) -> String {
    let mut out = String::new();
    for (title, rows) in [("crate", &metrics.crates), ("service", &metrics.services)] {
        // A workspace without configuration has crates but no services.
        if rows.is_empty() {
            continue;
        }
        let width = rows
            .iter()
            .map(|r| r.name.len())
            .max()
            .unwrap_or(0)
            .max(title.len());
        let role_width = rows.iter().map(|r| r.role.len()).max().unwrap_or(0).max(4);
        let _ = writeln!(
            out,
            "{title:<width$}  {:<role_width$}  {:>4}  {:>4}  {:>5}",
            "role", "Ca", "Ce", "I"
        );
        for r in rows {
            let _ = writeln!(
                out,
                "{:<width$}  {:<role_width$}  {:>4}  {:>4}  {:>5.2}",
                r.name, r.role, r.ca, r.ce, r.instability
            );
        }
        out.push('\n');
    }
    out.push_str("Ca: dependents, Ce: dependencies (workspace crates, normal and build), I = Ce / (Ca + Ce)\n");
    out
}

/// JSON with the same schema number convention as the check report.
pub fn render_json(metrics: &Metrics) -> String {
    #[derive(Serialize)]
    struct Doc<'a> {
        schema: u32,
        crates: &'a [Row],
        services: &'a [Row],
    }
    let doc = Doc {
        schema: 1,
        crates: &metrics.crates,
        services: &metrics.services,
    };
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
}
