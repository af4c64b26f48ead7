//! `cargo archfit metrics` as a table or JSON.

use std::fmt::Write as _;

use serde::Serialize;

use crate::commands::metrics::{Metrics, QuantumRow, Row};

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
            // Undefined for a crate nothing depends on and that depends on
            // nothing: a number there would claim it is stable.
            let instability = r
                .instability
                .map_or_else(|| "–".to_owned(), |i| format!("{i:.2}"));
            let _ = writeln!(
                out,
                "{:<width$}  {:<role_width$}  {:>4}  {:>4}  {instability:>5}",
                r.name, r.role, r.ca, r.ce
            );
        }
        out.push('\n');
    }
    if !metrics.quanta.is_empty() {
        let _ = writeln!(out, "quantum  size  services");
        for (n, q) in metrics.quanta.iter().enumerate() {
            let _ = writeln!(
                out,
                "{:<7}  {:>4}  {}",
                n + 1,
                q.size,
                q.services.join(", ")
            );
        }
        out.push_str(
            "\nquantum: services deployed together, joined by HTTP, gRPC, client or service crates, \
             or shared tables (not by events)\n",
        );
    }
    out.push_str("Ca: dependents, Ce: dependencies (workspace crates, normal and build), I = Ce / (Ca + Ce), – when Ca = Ce = 0\n");
    out
}

/// JSON with the same schema number convention as the check report.
pub fn render_json(metrics: &Metrics) -> String {
    #[derive(Serialize)]
    struct Doc<'a> {
        schema: u32,
        crates: &'a [Row],
        services: &'a [Row],
        quanta: &'a [QuantumRow],
    }
    let doc = Doc {
        schema: 1,
        crates: &metrics.crates,
        services: &metrics.services,
        quanta: &metrics.quanta,
    };
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(name: &str, ca: usize, ce: usize, instability: Option<f64>) -> Row {
        Row {
            name: name.into(),
            role: "shared".into(),
            ca,
            ce,
            instability,
        }
    }

    fn metrics() -> Metrics {
        Metrics {
            crates: vec![
                row("ledger", 3, 1, Some(0.25)),
                row("orders-client", 0, 0, None),
            ],
            services: Vec::new(),
            quanta: Vec::new(),
        }
    }

    #[test]
    fn quanta_are_listed_with_their_sizes() {
        let mut metrics = metrics();
        metrics.quanta = vec![
            QuantumRow {
                size: 2,
                services: vec!["orders".into(), "payments".into()],
            },
            QuantumRow {
                size: 1,
                services: vec!["search".into()],
            },
        ];
        let table = render_table(&metrics);
        assert!(
            table.contains(
                "quantum  size  services\n\
                 1           2  orders, payments\n\
                 2           1  search\n"
            ),
            "{table}"
        );
        let json: serde_json::Value = serde_json::from_str(&render_json(&metrics)).expect("JSON");
        assert_eq!(json["quanta"][0]["size"], 2);
        assert_eq!(json["quanta"][0]["services"][1], "payments");
    }

    #[test]
    fn undefined_instability_is_a_dash_in_the_table() {
        let table = render_table(&metrics());
        assert!(
            table.starts_with(
                "crate          role      Ca    Ce      I\n\
                 ledger         shared     3     1   0.25\n\
                 orders-client  shared     0     0      –\n"
            ),
            "{table}"
        );
    }

    #[test]
    fn undefined_instability_is_null_in_json() {
        let json: serde_json::Value = serde_json::from_str(&render_json(&metrics())).expect("JSON");
        assert_eq!(json["crates"][0]["instability"], 0.25);
        assert!(json["crates"][1]["instability"].is_null(), "{json:#}");
    }
}
