//! `cargo archfit graph` output: Graphviz dot, Mermaid, or JSON.
//!
//! Node names and edge labels come from the workspace (crate and module
//! names, topics and hosts written in code), so each is neutralised
//! (`crate::text`) before any format sees it, then quoted the way its
//! format needs; the dot and Mermaid texts get the same last pass against
//! CI workflow commands as the reports.

use std::fmt::Write as _;

use serde::Serialize;

use crate::graph::view::{Edge, GraphView, Node};
use crate::text::{defuse_workflow_commands, neutralise};

/// Graph output formats (also `graph --format` values).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum GraphFormat {
    Dot,
    Mermaid,
    Json,
}

/// Renders the graph; highlighted edges are red and bold.
pub fn render(view: &GraphView, format: GraphFormat) -> String {
    let view = &neutral(view);
    let text = match format {
        GraphFormat::Dot => dot(view),
        GraphFormat::Mermaid => mermaid(view),
        GraphFormat::Json => json(view),
    };
    defuse_workflow_commands(&text).into_owned()
}

/// The view with every name and label neutralised; destructured field by
/// field so that a new field must be decided on here.
fn neutral(view: &GraphView) -> GraphView {
    let line = |text: &str| neutralise(text).into_owned();
    let GraphView {
        level,
        nodes,
        edges,
    } = view;
    GraphView {
        level,
        nodes: nodes
            .iter()
            .map(|Node { id, label, group }| Node {
                id: line(id),
                label: line(label),
                group: group.as_deref().map(line),
            })
            .collect(),
        edges: edges
            .iter()
            .map(
                |Edge {
                     from,
                     to,
                     kind,
                     label,
                     location,
                     highlighted,
                 }| Edge {
                    from: line(from),
                    to: line(to),
                    kind: line(kind),
                    label: line(label),
                    location: location.as_ref().map(|l| crate::Location {
                        file: line(&l.file),
                        ..l.clone()
                    }),
                    highlighted: *highlighted,
                },
            )
            .collect(),
    }
}

/// A dot quoted string: only `"` and `\` are special inside one.
fn quote(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

/// A Mermaid label inside `"…"`: characters Mermaid would read as markup,
/// entity codes or the end of the label become its entity codes.
fn mermaid_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '#' | '<' | '>' | '&' | '`' | '|' => {
                let _ = write!(out, "#{};", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out
}

fn dot(view: &GraphView) -> String {
    let mut out = format!(
        "digraph archfit_{} {{\n  rankdir=LR;\n  node [shape=box, fontname=\"Helvetica\"];\n",
        view.level
    );
    let mut groups: Vec<&str> = view
        .nodes
        .iter()
        .filter_map(|n| n.group.as_deref())
        .collect();
    groups.sort_unstable();
    groups.dedup();
    for (i, group) in groups.iter().enumerate() {
        let _ = writeln!(
            out,
            "  subgraph cluster_{i} {{\n    label={};",
            quote(group)
        );
        for node in view
            .nodes
            .iter()
            .filter(|n| n.group.as_deref() == Some(group))
        {
            let _ = writeln!(
                out,
                "    {} [label={}];",
                quote(&node.id),
                quote(&node.label)
            );
        }
        out.push_str("  }\n");
    }
    for node in view.nodes.iter().filter(|n| n.group.is_none()) {
        let _ = writeln!(out, "  {} [label={}];", quote(&node.id), quote(&node.label));
    }
    for edge in &view.edges {
        let mut attrs = Vec::new();
        if !edge.label.is_empty() {
            attrs.push(format!("label={}", quote(&edge.label)));
        }
        if edge.kind == "dev" {
            attrs.push("style=dashed".into());
        }
        if edge.highlighted {
            attrs.push("color=red, penwidth=2".into());
        }
        let attrs = if attrs.is_empty() {
            String::new()
        } else {
            format!(" [{}]", attrs.join(", "))
        };
        let _ = writeln!(
            out,
            "  {} -> {}{attrs};",
            quote(&edge.from),
            quote(&edge.to)
        );
    }
    out.push_str("}\n");
    out
}

fn mermaid(view: &GraphView) -> String {
    let mut out = String::from("flowchart LR\n");
    let id = |node: &str| {
        view.nodes
            .iter()
            .position(|n| n.id == node)
            .map(|i| format!("n{i}"))
    };
    for (i, node) in view.nodes.iter().enumerate() {
        let _ = writeln!(out, "  n{i}[\"{}\"]", mermaid_text(&node.label));
    }
    let mut highlighted = Vec::new();
    let mut drawn = 0;
    for edge in &view.edges {
        let (Some(from), Some(to)) = (id(&edge.from), id(&edge.to)) else {
            continue;
        };
        let arrow = if edge.kind == "dev" { "-.->" } else { "-->" };
        if edge.label.is_empty() {
            let _ = writeln!(out, "  {from} {arrow} {to}");
        } else {
            let _ = writeln!(
                out,
                "  {from} {arrow}|\"{}\"| {to}",
                mermaid_text(&edge.label)
            );
        }
        if edge.highlighted {
            highlighted.push(drawn.to_string());
        }
        drawn += 1;
    }
    if !highlighted.is_empty() {
        let _ = writeln!(
            out,
            "  linkStyle {} stroke:red,stroke-width:2px",
            highlighted.join(",")
        );
    }
    out
}

fn json(view: &GraphView) -> String {
    #[derive(Serialize)]
    struct Location<'a> {
        file: &'a str,
        line: usize,
        column: usize,
    }
    #[derive(Serialize)]
    struct Edge<'a> {
        from: &'a str,
        to: &'a str,
        kind: &'a str,
        label: &'a str,
        highlighted: bool,
        location: Option<Location<'a>>,
    }
    #[derive(Serialize)]
    struct Doc<'a> {
        schema: u32,
        level: &'a str,
        nodes: &'a [crate::graph::view::Node],
        edges: Vec<Edge<'a>>,
    }
    let doc = Doc {
        schema: 1,
        level: view.level,
        nodes: &view.nodes,
        edges: view
            .edges
            .iter()
            .map(|e| Edge {
                from: &e.from,
                to: &e.to,
                kind: &e.kind,
                label: &e.label,
                highlighted: e.highlighted,
                location: e.location.as_ref().map(|l| Location {
                    file: &l.file,
                    line: l.line,
                    column: l.column,
                }),
            })
            .collect(),
    };
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two crates and an event edge whose names and topic the workspace
    /// chose: ESC sequences, line breaks, quotes and markup.
    fn hostile() -> GraphView {
        let node = |id: &str, group: &str| Node {
            id: id.into(),
            label: id.into(),
            group: Some(group.into()),
        };
        GraphView {
            level: "service",
            nodes: vec![
                node("orders\u{1b}[2J", "svc\n::error::x"),
                node("billing\"];evil[\"", "billing"),
            ],
            edges: vec![Edge {
                from: "orders\u{1b}[2J".into(),
                to: "billing\"];evil[\"".into(),
                kind: "event".into(),
                label: "orders.created\r\n::warning::x <b>#quot;</b> `md` |x| \u{202e}".into(),
                location: None,
                highlighted: true,
            }],
        }
    }

    fn assert_safe(text: &str) {
        let hazard = |c: char| c != '\n' && crate::text::is_hazard(c);
        assert!(!text.chars().any(hazard), "{text}");
        for line in text.lines() {
            assert!(!line.trim_start().starts_with("::"), "{line}");
        }
    }

    #[test]
    fn dot_labels_stay_inside_their_quotes() {
        let text = render(&hostile(), GraphFormat::Dot);
        assert_safe(&text);
        assert!(
            text.contains(r#""orders\\u{1b}[2J" -> "billing\"];evil[\"""#),
            "{text}"
        );
        assert!(text.contains(r#"label="svc\\n::error::x";"#), "{text}");
        assert!(text.contains(r"orders.created\\r\\n::warning::x"), "{text}");
    }

    #[test]
    fn mermaid_labels_cannot_close_the_label_or_open_markup() {
        let text = render(&hostile(), GraphFormat::Mermaid);
        assert_safe(&text);
        assert!(
            text.contains("n1[\"billing#quot;];evil[#quot;\"]"),
            "{text}"
        );
        assert!(text.contains(
            "n0 -->|\"orders.created\\r\\n::warning::x #60;b#62;#35;quot;#60;/b#62; #96;md#96; #124;x#124; \\u{202e}\"| n1"
        ), "{text}");
    }

    #[test]
    fn json_names_are_neutralised_and_parse_back() {
        let text = render(&hostile(), GraphFormat::Json);
        assert_safe(&text);
        let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(doc["nodes"][0]["id"], "orders\\u{1b}[2J");
        assert_eq!(doc["edges"][0]["from"], doc["nodes"][0]["id"]);
    }
}
