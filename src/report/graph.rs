//! `cargo archfit graph` output: Graphviz dot, Mermaid, or JSON.

use std::fmt::Write as _;

use serde::Serialize;

use crate::graph::view::GraphView;

/// Graph output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GraphFormat {
    Dot,
    Mermaid,
    Json,
}

/// Renders the graph; highlighted edges are red and bold.
pub fn render(view: &GraphView, format: GraphFormat) -> String {
    match format {
        GraphFormat::Dot => dot(view),
        GraphFormat::Mermaid => mermaid(view),
        GraphFormat::Json => json(view),
    }
}

fn quote(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
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
        let _ = writeln!(out, "  n{i}[\"{}\"]", node.label.replace('"', "#quot;"));
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
                edge.label.replace('"', "#quot;")
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
