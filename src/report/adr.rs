//! `cargo archfit adr`: the rules ↔ decisions matrix as text or JSON.

use crate::adr::AdrStatus;
use crate::commands::explain::{AdrMatrix, Decision};

/// The matrix as text: the table, then what is missing or retired.
pub fn render_matrix(matrix: &AdrMatrix) -> String {
    let mut out = String::from("Decisions and the rules that enforce them:\n");
    for decision in &matrix.decisions {
        let rules = if decision.rules.is_empty() {
            "(no rule)".to_string()
        } else {
            decision.rules.join(", ")
        };
        out.push_str(&format!(
            "  {}\n      {} — {rules}\n",
            decision.adr.display(),
            decision.adr.link
        ));
    }
    let unenforced: Vec<&Decision> = matrix
        .decisions
        .iter()
        .filter(|d| {
            d.rules.is_empty() && !d.adr.status.as_ref().is_some_and(AdrStatus::is_inactive)
        })
        .collect();
    out.push_str("\nDecisions with no enforcing rule:\n");
    if unenforced.is_empty() {
        out.push_str("  none\n");
    }
    for decision in unenforced {
        out.push_str(&format!("  {}\n", decision.adr.display()));
    }
    out.push_str("\nRules with no decision:\n");
    if matrix.rules_without_decision.is_empty() {
        out.push_str("  none\n");
    }
    for rule in &matrix.rules_without_decision {
        out.push_str(&format!("  {rule}\n"));
    }
    out.push_str("\nSuperseded or deprecated decisions still enforced:\n");
    let retired: Vec<&Decision> = matrix
        .decisions
        .iter()
        .filter(|d| d.retired_but_enforced)
        .collect();
    if retired.is_empty() {
        out.push_str("  none\n");
    }
    for decision in retired {
        out.push_str(&format!(
            "  {} by {}\n",
            decision.adr.display(),
            decision.rules.join(", ")
        ));
    }
    out
}

/// The matrix as JSON.
pub fn render_matrix_json(matrix: &AdrMatrix) -> String {
    let mut text = serde_json::to_string_pretty(&serde_json::json!({ "schema": 1, "decisions": matrix.decisions, "rules_without_decision": matrix.rules_without_decision })).unwrap_or_default();
    text.push('\n');
    text
}
