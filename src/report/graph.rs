//! `cargo archfit graph` output: Graphviz dot, Mermaid, JSON, or SVG
//! (drawn by `report::svg`). The drawings group nodes by service (crates) or by crate (modules), draw each
//! kind of edge in its own line style, and end with a legend of the kinds
//! they show and of the red highlight.
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
    /// A standalone SVG, laid out by the tool (`graph::layout`).
    Svg,
}

/// Renders the graph; highlighted edges are red and bold.
pub fn render(view: &GraphView, format: GraphFormat) -> String {
    let view = &neutral(view);
    let text = match format {
        GraphFormat::Dot => dot(view),
        GraphFormat::Mermaid => mermaid(view),
        GraphFormat::Json => json(view),
        GraphFormat::Svg => super::svg::document(view),
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

/// How an edge is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Line {
    Solid,
    /// Test-only dependencies and asynchronous messages.
    Dashed,
    /// Build-time dependencies.
    Dotted,
}

/// The edge kinds in legend order, with their line and legend text; a kind
/// not listed (none today) is drawn solid and named as it is.
const KINDS: &[(&str, Line, &str)] = &[
    ("normal", Line::Solid, "dependency"),
    ("build", Line::Dotted, "build-dependency"),
    (
        "dev",
        Line::Dashed,
        "dev-dependency (tests, benches, examples)",
    ),
    ("crate", Line::Solid, "crate: depends on its crates"),
    (
        "client-crate",
        Line::Solid,
        "client-crate: ships with its client crate",
    ),
    ("http", Line::Solid, "http: calls it over HTTP"),
    ("grpc", Line::Solid, "grpc: calls it over gRPC"),
    (
        "event",
        Line::Dashed,
        "event: publishes to or consumes its topic",
    ),
    ("use", Line::Solid, "uses it (a use declaration or a path)"),
    (
        "table",
        Line::Dotted,
        "table: reads or writes a table it owns",
    ),
    ("database", Line::Dotted, "database: shares its database"),
    (
        "runtime",
        Line::Dashed,
        "runtime: seen calling it in traces (--traces)",
    ),
];

/// What red edges mean, in every legend.
const HIGHLIGHT: &str = "in a cycle, or where a finding points";

fn line(kind: &str) -> Line {
    KINDS
        .iter()
        .find(|(name, _, _)| *name == kind)
        .map_or(Line::Solid, |(_, line, _)| *line)
}

/// The legend's entries: each kind the view draws, in `KINDS` order, then
/// unknown kinds by name.
fn legend(view: &GraphView) -> Vec<(Line, String)> {
    let mut drawn: Vec<&str> = view.edges.iter().map(|e| e.kind.as_str()).collect();
    drawn.sort_unstable();
    drawn.dedup();
    let mut entries: Vec<(Line, String)> = KINDS
        .iter()
        .filter(|(name, _, _)| drawn.contains(name))
        .map(|(_, line, text)| (*line, (*text).to_string()))
        .collect();
    entries.extend(
        drawn
            .iter()
            .filter(|kind| !KINDS.iter().any(|(name, _, _)| name == *kind))
            .map(|kind| (Line::Solid, (*kind).to_string())),
    );
    entries
}

/// Node groups in name order, each with its nodes in view order; then the
/// nodes of no group.
fn groups(view: &GraphView) -> (Vec<(&str, Vec<usize>)>, Vec<usize>) {
    let mut names: Vec<&str> = view
        .nodes
        .iter()
        .filter_map(|n| n.group.as_deref())
        .collect();
    names.sort_unstable();
    names.dedup();
    let grouped = names
        .into_iter()
        .map(|name| {
            let members = (0..view.nodes.len())
                .filter(|&i| view.nodes[i].group.as_deref() == Some(name))
                .collect();
            (name, members)
        })
        .collect();
    let loose = (0..view.nodes.len())
        .filter(|&i| view.nodes[i].group.is_none())
        .collect();
    (grouped, loose)
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

/// dot attributes of an edge: its label, its line, red when highlighted.
fn dot_attributes(label: &str, line: Line, highlighted: bool) -> String {
    let mut attrs = Vec::new();
    if !label.is_empty() {
        attrs.push(format!("label={}", quote(label)));
    }
    match line {
        Line::Solid => {}
        Line::Dashed => attrs.push("style=dashed".into()),
        Line::Dotted => attrs.push("style=dotted".into()),
    }
    if highlighted {
        attrs.push("color=red, penwidth=2".into());
    }
    if attrs.is_empty() {
        String::new()
    } else {
        format!(" [{}]", attrs.join(", "))
    }
}

fn dot(view: &GraphView) -> String {
    let mut out = format!(
        "digraph archfit_{} {{\n  rankdir=LR;\n  fontname=\"Helvetica\";\n  \
         node [shape=box, fontname=\"Helvetica\"];\n  edge [fontname=\"Helvetica\"];\n",
        view.level
    );
    let (grouped, loose) = groups(view);
    for (i, (group, members)) in grouped.iter().enumerate() {
        let _ = writeln!(
            out,
            "  subgraph cluster_{i} {{\n    label={};",
            quote(group)
        );
        for &member in members {
            let node = &view.nodes[member];
            let _ = writeln!(
                out,
                "    {} [label={}];",
                quote(&node.id),
                quote(&node.label)
            );
        }
        out.push_str("  }\n");
    }
    for &member in &loose {
        let node = &view.nodes[member];
        let _ = writeln!(out, "  {} [label={}];", quote(&node.id), quote(&node.label));
    }
    for edge in &view.edges {
        let _ = writeln!(
            out,
            "  {} -> {}{};",
            quote(&edge.from),
            quote(&edge.to),
            dot_attributes(&edge.label, line(&edge.kind), edge.highlighted)
        );
    }
    dot_legend(view, &mut out);
    out.push_str("}\n");
    out
}

/// A cluster of sample edges between unlabelled points, one per entry;
/// their node names start with a prefix no node of the view has.
fn dot_legend(view: &GraphView, out: &mut String) {
    let mut prefix = String::from("legend:");
    while view.nodes.iter().any(|n| n.id.starts_with(&prefix)) {
        prefix.insert(0, '_');
    }
    out.push_str(
        "  subgraph cluster_legend {\n    label=\"legend\";\n    \
         node [shape=point, width=0.05, label=\"\"];\n    edge [fontsize=10];\n",
    );
    let entries = legend(view)
        .into_iter()
        .map(|(line, text)| (line, text, false))
        .chain(std::iter::once((Line::Solid, HIGHLIGHT.to_string(), true)));
    for (i, (line, text, highlighted)) in entries.enumerate() {
        let _ = writeln!(
            out,
            "    {} -> {}{};",
            quote(&format!("{prefix}{i}a")),
            quote(&format!("{prefix}{i}b")),
            dot_attributes(&text, line, highlighted)
        );
    }
    out.push_str("  }\n");
}

/// A Mermaid arrow in `line`'s style (dashed and dotted look alike there).
fn mermaid_arrow(line: Line) -> &'static str {
    match line {
        Line::Solid => "-->",
        Line::Dashed | Line::Dotted => "-.->",
    }
}

fn mermaid(view: &GraphView) -> String {
    let mut out = String::from("flowchart LR\n");
    let id = |node: &str| {
        view.nodes
            .iter()
            .position(|n| n.id == node)
            .map(|i| format!("n{i}"))
    };
    let node = |out: &mut String, indent: &str, i: usize| {
        let label = mermaid_text(&view.nodes[i].label);
        let _ = writeln!(out, "{indent}n{i}[\"{label}\"]");
    };
    // Subgraphs keep each crate's (or service's) nodes together, as dot's
    // clusters do: module names repeat across crates (`crate`, `http`).
    let (grouped, loose) = groups(view);
    for (g, (group, members)) in grouped.iter().enumerate() {
        let _ = writeln!(out, "  subgraph g{g}[\"{}\"]", mermaid_text(group));
        for &member in members {
            node(&mut out, "    ", member);
        }
        out.push_str("  end\n");
    }
    for &member in &loose {
        node(&mut out, "  ", member);
    }
    let mut highlighted = Vec::new();
    let mut drawn = 0;
    for edge in &view.edges {
        let (Some(from), Some(to)) = (id(&edge.from), id(&edge.to)) else {
            continue;
        };
        let arrow = mermaid_arrow(line(&edge.kind));
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
    // The legend: sample links between blank, invisible nodes (ids `l…`,
    // which no node of the view has: those are `n…`).
    out.push_str("  subgraph legend[\"legend\"]\n    direction LR\n");
    let entries = legend(view)
        .into_iter()
        .map(|(line, text)| (line, text, false))
        .chain(std::iter::once((Line::Solid, HIGHLIGHT.to_string(), true)));
    let mut points = Vec::new();
    for (i, (line, text, red)) in entries.enumerate() {
        let _ = writeln!(
            out,
            "    l{i}a[\" \"] {}|\"{}\"| l{i}b[\" \"]",
            mermaid_arrow(line),
            mermaid_text(&text)
        );
        points.push(format!("l{i}a,l{i}b"));
        if red {
            highlighted.push(drawn.to_string());
        }
        drawn += 1;
    }
    out.push_str("  end\n");
    let _ = writeln!(
        out,
        "  classDef legendPoint fill:none,stroke:none\n  class {} legendPoint",
        points.join(",")
    );
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
            "n0 -.->|\"orders.created\\r\\n::warning::x #60;b#62;#35;quot;#60;/b#62; #96;md#96; #124;x#124; \\u{202e}\"| n1"
        ), "{text}");
        // Group names are labels too.
        assert!(text.contains("subgraph g1[\"svc\\n::error::x\"]"), "{text}");
    }

    fn node(id: &str, label: &str, group: Option<&str>) -> Node {
        Node {
            id: id.into(),
            label: label.into(),
            group: group.map(str::to_string),
        }
    }

    fn edge(from: &str, to: &str, kind: &str, highlighted: bool) -> Edge {
        Edge {
            from: from.into(),
            to: to.into(),
            kind: kind.into(),
            label: String::new(),
            location: None,
            highlighted,
        }
    }

    /// The modules of two crates, both with a root module and an `http`
    /// module, the way `graph --level module` draws a workspace.
    fn two_crates() -> GraphView {
        GraphView {
            level: "module",
            nodes: vec![
                node("orders::crate", "crate", Some("orders")),
                node("orders::http", "http", Some("orders")),
                node("billing::crate", "crate", Some("billing")),
                node("billing::http", "http", Some("billing")),
            ],
            edges: vec![
                edge("orders::crate", "orders::http", "use", false),
                edge("billing::http", "billing::crate", "use", true),
                edge("billing::crate", "billing::http", "use", true),
            ],
        }
    }

    /// The lines between `start` and the next `end` line.
    fn block<'t>(text: &'t str, start: &str) -> Vec<&'t str> {
        text.lines()
            .skip_while(|l| l.trim() != start)
            .skip(1)
            .take_while(|l| l.trim() != "end")
            .map(str::trim)
            .collect()
    }

    #[test]
    fn mermaid_keeps_each_crates_modules_in_its_subgraph() {
        let text = render(&two_crates(), GraphFormat::Mermaid);
        // Groups in name order, nodes keep their ids.
        assert_eq!(
            block(&text, "subgraph g0[\"billing\"]"),
            ["n2[\"crate\"]", "n3[\"http\"]"],
            "{text}"
        );
        assert_eq!(
            block(&text, "subgraph g1[\"orders\"]"),
            ["n0[\"crate\"]", "n1[\"http\"]"],
            "{text}"
        );
        assert!(text.contains("  n0 --> n1\n"), "{text}");
    }

    #[test]
    fn legends_name_the_kinds_drawn_once_each_and_the_highlight() {
        let mut view = two_crates();
        view.level = "crate";
        view.edges = vec![
            edge("orders::crate", "orders::http", "dev", false),
            edge("orders::http", "billing::http", "normal", false),
            edge("billing::http", "billing::crate", "build", false),
            edge("billing::crate", "orders::crate", "normal", true),
        ];
        let dot = render(&view, GraphFormat::Dot);
        let legend: Vec<&str> = dot
            .lines()
            .skip_while(|l| !l.contains("cluster_legend"))
            .filter(|l| l.contains(" -> "))
            .map(str::trim)
            .collect();
        assert_eq!(
            legend,
            [
                r#""legend:0a" -> "legend:0b" [label="dependency"];"#,
                r#""legend:1a" -> "legend:1b" [label="build-dependency", style=dotted];"#,
                r#""legend:2a" -> "legend:2b" [label="dev-dependency (tests, benches, examples)", style=dashed];"#,
                r#""legend:3a" -> "legend:3b" [label="in a cycle, or where a finding points", color=red, penwidth=2];"#,
            ],
            "{dot}"
        );
        // The drawing uses the styles its legend shows.
        assert!(
            dot.contains(r#""billing::http" -> "billing::crate" [style=dotted];"#),
            "{dot}"
        );
        let mermaid = render(&view, GraphFormat::Mermaid);
        assert_eq!(
            block(&mermaid, "subgraph legend[\"legend\"]"),
            [
                "direction LR",
                "l0a[\" \"] -->|\"dependency\"| l0b[\" \"]",
                "l1a[\" \"] -.->|\"build-dependency\"| l1b[\" \"]",
                "l2a[\" \"] -.->|\"dev-dependency (tests, benches, examples)\"| l2b[\" \"]",
                "l3a[\" \"] -->|\"in a cycle, or where a finding points\"| l3b[\" \"]",
            ],
            "{mermaid}"
        );
        // Links are numbered in order: the graph's four, then the legend's;
        // the highlighted one of each is red.
        assert!(
            mermaid.contains("linkStyle 3,7 stroke:red,stroke-width:2px"),
            "{mermaid}"
        );
    }

    #[test]
    fn legend_points_never_take_a_nodes_name() {
        let mut view = two_crates();
        view.nodes.push(node("legend:0a", "legend:0a", None));
        let dot = render(&view, GraphFormat::Dot);
        assert!(dot.contains(r#""_legend:0a" -> "_legend:0b""#), "{dot}");
        assert!(!dot.contains(r#""legend:0a" ->"#), "{dot}");
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
