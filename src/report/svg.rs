//! SVG drawings of a graph view (`graph --format svg`, and the service graph
//! of the architecture report), laid out by [`crate::graph::layout`]: nodes
//! as boxes, clusters (quanta, a service's crates, a crate's modules) as
//! boxes around them, each kind of edge in its own colour and line, red for
//! what a finding or a cycle marks, and a legend of what is drawn.
//!
//! Every name comes from the workspace: it goes through [`escape`], the one
//! function that makes workspace text safe in SVG and HTML alike.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::graph::layout::{self, Point, Size};
use crate::graph::view::GraphView;
use crate::text::neutralise;

/// Workspace text as SVG or HTML character data or a quoted attribute
/// value: neutralised (no control, line break or bidi character survives),
/// then `&`, `<`, `>`, `"` and `'` as entities.
pub fn escape(text: &str) -> String {
    markup(&neutralise(text))
}

/// Only the markup characters; for text that is already neutralised in a
/// way that must stay (a source snippet keeps its tabs).
pub(super) fn markup(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// How one kind of edge is drawn. A new kind is one more line in
/// [`STYLES`]; a kind not listed is drawn grey and solid, named as it is.
struct Style {
    kind: &'static str,
    colour: &'static str,
    /// `stroke-dasharray`, for lines that are not solid.
    dash: Option<&'static str>,
    legend: &'static str,
}

const STYLES: &[Style] = &[
    Style {
        kind: "crate",
        colour: "#475569",
        dash: None,
        legend: "crate: depends on its crates",
    },
    Style {
        kind: "client-crate",
        colour: "#7c3aed",
        dash: None,
        legend: "client-crate: ships with its client crate",
    },
    Style {
        kind: "http",
        colour: "#2563eb",
        dash: None,
        legend: "http: calls it over HTTP",
    },
    Style {
        kind: "grpc",
        colour: "#0891b2",
        dash: None,
        legend: "grpc: calls it over gRPC",
    },
    Style {
        kind: "event",
        colour: "#b45309",
        dash: Some("7 4"),
        legend: "event: publishes to or consumes its topic",
    },
    Style {
        kind: "runtime",
        colour: "#64748b",
        dash: Some("2 4"),
        legend: "runtime: seen in traces",
    },
    Style {
        kind: "normal",
        colour: "#475569",
        dash: None,
        legend: "dependency",
    },
    Style {
        kind: "build",
        colour: "#475569",
        dash: Some("2 3"),
        legend: "build-dependency",
    },
    Style {
        kind: "dev",
        colour: "#94a3b8",
        dash: Some("7 4"),
        legend: "dev-dependency (tests, benches, examples)",
    },
    Style {
        kind: "use",
        colour: "#475569",
        dash: None,
        legend: "uses it (a use declaration or a path)",
    },
    Style {
        kind: "table",
        colour: "#15803d",
        dash: Some("2 3"),
        legend: "table: reads or writes a table it owns",
    },
    Style {
        kind: "database",
        colour: "#15803d",
        dash: Some("2 3"),
        legend: "database: shares its database",
    },
];

const UNKNOWN: Style = Style {
    kind: "",
    colour: "#64748b",
    dash: None,
    legend: "",
};

const RED: &str = "#dc2626";
/// The halo under an edge where a finding points or a cycle runs.
const HALO: &str = "#fca5a5";
const FONT: &str = "ui-monospace,SFMono-Regular,Menlo,Consolas,monospace";
/// Width of one character at the node font size (12px monospace).
const CHAR_WIDTH: f64 = 7.3;
const NODE_HEIGHT: f64 = 30.0;
/// Longer names are cut in the box; the full name is in its tooltip.
const MAX_LABEL: usize = 36;
const LEGEND_ROW: f64 = 20.0;

fn style(kind: &str) -> &'static Style {
    STYLES.iter().find(|s| s.kind == kind).unwrap_or(&UNKNOWN)
}

/// What the report adds to the plain drawing, per node in view order.
#[derive(Debug, Clone, Default)]
pub struct Decor {
    /// Where clicking the node goes (a page of the site).
    pub links: Vec<Option<String>>,
    /// More hover text than the name (a service's crates).
    pub notes: Vec<String>,
    /// Findings about the node: drawn red, with their count.
    pub findings: Vec<usize>,
    /// What a cluster is, for the legend ("quantum: …").
    pub cluster_legend: Option<String>,
    /// Drawn this many times its natural size (0: natural).
    pub scale: f64,
}

/// A standalone SVG file (`graph --format svg`).
pub fn document(view: &GraphView) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&render(view, &Decor::default()));
    out
}

/// The `<svg>` element of `view`.
pub fn render(view: &GraphView, decor: &Decor) -> String {
    let labels: Vec<String> = view.nodes.iter().map(|n| short(&n.label)).collect();
    let index: BTreeMap<&str, usize> = view
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.id.as_str(), i))
        .collect();
    // Clusters by name order, numbered.
    let mut groups: Vec<&str> = view
        .nodes
        .iter()
        .filter_map(|n| n.group.as_deref())
        .collect();
    groups.sort_unstable();
    groups.dedup();
    let graph = layout::Graph {
        sizes: labels
            .iter()
            .map(|l| Size {
                width: (l.chars().count() as f64 * CHAR_WIDTH + 24.0).round(),
                height: NODE_HEIGHT,
            })
            .collect(),
        edges: view
            .edges
            .iter()
            .map(|e| {
                let at = |id: &str| index.get(id).copied().unwrap_or(usize::MAX);
                (at(&e.from), at(&e.to))
            })
            .collect(),
        clusters: view
            .nodes
            .iter()
            .map(|n| {
                n.group
                    .as_deref()
                    .and_then(|g| groups.binary_search(&g).ok())
            })
            .collect(),
    };
    let placed = layout::layout(&graph);
    let legend = legend_entries(view, decor, !placed.clusters.is_empty());
    let legend_top = placed.height + 10.0;
    let longest = legend
        .iter()
        .map(|(_, text)| text.chars().count())
        .max()
        .unwrap_or(0);
    // Each cluster's box wide enough for its name: the band is the
    // cluster's alone, so growing to the right covers no other cluster.
    let boxes: Vec<(&str, layout::Rect)> = placed
        .clusters
        .iter()
        .map(|(cluster, rect)| {
            let name = groups.get(*cluster).copied().unwrap_or_default();
            let label = (name.chars().count() as f64 * CHAR_WIDTH + 16.0).round();
            let widened = layout::Rect {
                width: rect.width.max(label),
                ..*rect
            };
            (name, widened)
        })
        .collect();
    let right = boxes
        .iter()
        .map(|(_, r)| r.x + r.width + 12.0)
        .fold(0.0, f64::max);
    let width = placed
        .width
        .max(right)
        .max(62.0 + longest as f64 * CHAR_WIDTH + 12.0)
        .round();
    let scale = if decor.scale > 0.0 { decor.scale } else { 1.0 };
    let height = legend_top + LEGEND_ROW * (legend.len() as f64 + 1.0) + 10.0;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"graph\" width=\"{sw}\" height=\"{sh}\" \
         viewBox=\"0 0 {w} {h}\" font-family=\"{FONT}\" font-size=\"12\" role=\"img\" \
         aria-label=\"{level} graph\">",
        w = num(width),
        h = num(height),
        sw = num(width * scale),
        sh = num(height * scale),
        level = escape(view.level),
    );
    out.push_str("<defs>\n");
    let mut colours: Vec<&str> = STYLES.iter().map(|s| s.colour).collect();
    colours.push(UNKNOWN.colour);
    colours.sort_unstable();
    colours.dedup();
    for colour in &colours {
        let _ = writeln!(
            out,
            "<marker id=\"arrow-{id}\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" \
             markerUnits=\"userSpaceOnUse\" markerWidth=\"9\" markerHeight=\"9\" \
             orient=\"auto-start-reverse\">\
             <path d=\"M0,0L10,5L0,10z\" fill=\"{colour}\"/></marker>",
            id = &colour[1..]
        );
    }
    out.push_str("</defs>\n");
    for (name, rect) in &boxes {
        let _ = writeln!(
            out,
            "<g class=\"cluster\"><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"8\" \
             fill=\"#f1f5f9\" stroke=\"#cbd5e1\"/><text x=\"{}\" y=\"{}\" fill=\"#334155\">{}</text></g>",
            num(rect.x),
            num(rect.y),
            num(rect.width),
            num(rect.height),
            num(rect.x + 8.0),
            num(rect.y + 16.0),
            escape(name)
        );
    }
    // Parallel edges (one pair, several kinds, either way) side by side.
    let mut parallel: BTreeMap<(&str, &str), Vec<usize>> = BTreeMap::new();
    for (i, edge) in view.edges.iter().enumerate() {
        let (from, to) = (edge.from.as_str(), edge.to.as_str());
        parallel
            .entry((from.min(to), from.max(to)))
            .or_default()
            .push(i);
    }
    let mut shift = vec![0.0; view.edges.len()];
    for edges in parallel.values() {
        let middle = (edges.len() as f64 - 1.0) / 2.0;
        for (k, &i) in edges.iter().enumerate() {
            shift[i] = (k as f64 - middle) * 5.0;
        }
    }
    for (i, edge) in view.edges.iter().enumerate() {
        let route = &placed.edges[i];
        if route.is_empty() {
            continue;
        }
        let style = style(&edge.kind);
        let dash = style
            .dash
            .map(|d| format!(" stroke-dasharray=\"{d}\""))
            .unwrap_or_default();
        let title = if edge.label.is_empty() || edge.label == edge.kind {
            format!("{} → {} ({})", edge.from, edge.to, edge.kind)
        } else {
            format!(
                "{} → {} ({}: {})",
                edge.from, edge.to, edge.kind, edge.label
            )
        };
        let d = path(route, shift[i]);
        // A red halo under the line keeps the kind's colour and dashes
        // readable where a finding points.
        let halo = if edge.highlighted {
            format!(
                "<path d=\"{d}\" fill=\"none\" stroke=\"{HALO}\" stroke-width=\"6\" \
                 stroke-linecap=\"round\"/>"
            )
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "<g class=\"edge {kind}{red}\"><title>{title}</title>{halo}<path d=\"{d}\" fill=\"none\" \
             stroke=\"{colour}\" stroke-width=\"1.5\"{dash} marker-end=\"url(#arrow-{id})\"/></g>",
            kind = class_name(&edge.kind),
            red = if edge.highlighted { " highlighted" } else { "" },
            title = escape(&title),
            colour = style.colour,
            id = &style.colour[1..],
        );
    }
    for (i, node) in view.nodes.iter().enumerate() {
        let rect = placed.nodes[i];
        let findings = decor.findings.get(i).copied().unwrap_or(0);
        let link = decor.links.get(i).and_then(Option::as_deref);
        let mut title = node.id.clone();
        if let Some(note) = decor.notes.get(i).filter(|n| !n.is_empty()) {
            title.push_str(" — ");
            title.push_str(note);
        }
        if findings > 0 {
            let _ = write!(title, " — {}", count(findings));
        }
        if let Some(link) = link {
            let _ = write!(out, "<a href=\"{}\">", escape(link));
        }
        let (stroke, fill, stroke_width) = if findings > 0 {
            (RED, "#fef2f2", 2.0)
        } else {
            ("#334155", "#ffffff", 1.2)
        };
        let _ = write!(
            out,
            "<g class=\"node\" data-id=\"{id}\"><title>{title}</title>\
             <rect x=\"{x}\" y=\"{y}\" width=\"{w}\" height=\"{h}\" rx=\"5\" fill=\"{fill}\" \
             stroke=\"{stroke}\" stroke-width=\"{stroke_width}\"/>\
             <text x=\"{tx}\" y=\"{ty}\" text-anchor=\"middle\" fill=\"#0f172a\">{label}</text>",
            id = escape(&node.id),
            title = escape(&title),
            x = num(rect.x),
            y = num(rect.y),
            w = num(rect.width),
            h = num(rect.height),
            tx = num(rect.x + rect.width / 2.0),
            ty = num(rect.y + rect.height / 2.0 + 4.0),
            label = escape(&labels[i]),
        );
        if findings > 0 {
            let _ = write!(
                out,
                "<circle cx=\"{cx}\" cy=\"{cy}\" r=\"9\" fill=\"{RED}\"/>\
                 <text x=\"{cx}\" y=\"{ty}\" text-anchor=\"middle\" font-size=\"10\" \
                 fill=\"#ffffff\">{findings}</text>",
                cx = num(rect.x + rect.width),
                cy = num(rect.y),
                ty = num(rect.y + 3.5),
            );
        }
        out.push_str("</g>");
        if link.is_some() {
            out.push_str("</a>");
        }
        out.push('\n');
    }
    write_legend(&mut out, &legend, legend_top);
    out.push_str("</svg>\n");
    out
}

/// A legend entry: a sample of the mark, and what it means.
enum Mark {
    Line(&'static Style, bool),
    Flagged,
    Cluster,
}

fn legend_entries(view: &GraphView, decor: &Decor, clusters: bool) -> Vec<(Mark, String)> {
    let mut kinds: Vec<&str> = view.edges.iter().map(|e| e.kind.as_str()).collect();
    kinds.sort_unstable();
    kinds.dedup();
    let mut entries: Vec<(Mark, String)> = STYLES
        .iter()
        .filter(|s| kinds.contains(&s.kind))
        .map(|s| (Mark::Line(s, false), s.legend.to_string()))
        .collect();
    entries.extend(
        kinds
            .iter()
            .filter(|k| !STYLES.iter().any(|s| s.kind == **k))
            .map(|k| (Mark::Line(&UNKNOWN, false), (*k).to_string())),
    );
    entries.push((
        Mark::Line(&UNKNOWN, true),
        "in a cycle, or where a finding points".into(),
    ));
    if decor.findings.iter().any(|&f| f > 0) {
        entries.push((Mark::Flagged, "has findings (their number)".into()));
    }
    if clusters {
        let text = decor.cluster_legend.clone().unwrap_or_else(|| {
            match view.level {
                "crate" => "service (or shared, platform) its crates belong to",
                "module" => "crate its modules belong to",
                _ => "group",
            }
            .to_string()
        });
        entries.push((Mark::Cluster, text));
    }
    entries
}

fn write_legend(out: &mut String, entries: &[(Mark, String)], top: f64) {
    let _ = writeln!(
        out,
        "<g class=\"legend\"><text x=\"12\" y=\"{}\" font-weight=\"bold\">legend</text>",
        num(top + 12.0)
    );
    for (row, (mark, text)) in entries.iter().enumerate() {
        let y = top + LEGEND_ROW * (row as f64 + 1.0) + 8.0;
        match mark {
            Mark::Line(style, red) => {
                let dash = style
                    .dash
                    .map(|d| format!(" stroke-dasharray=\"{d}\""))
                    .unwrap_or_default();
                let sample = format!("M12,{y}L52,{y}", y = num(y));
                if *red {
                    let _ = write!(
                        out,
                        "<path d=\"{sample}\" stroke=\"{HALO}\" stroke-width=\"6\" \
                         stroke-linecap=\"round\"/>"
                    );
                }
                let _ = write!(
                    out,
                    "<path d=\"{sample}\" stroke=\"{colour}\" stroke-width=\"1.5\"{dash} \
                     marker-end=\"url(#arrow-{id})\"/>",
                    colour = style.colour,
                    id = &style.colour[1..],
                );
            }
            Mark::Flagged => {
                let _ = write!(
                    out,
                    "<rect x=\"12\" y=\"{}\" width=\"40\" height=\"12\" rx=\"3\" fill=\"#fef2f2\" \
                     stroke=\"{RED}\" stroke-width=\"2\"/>",
                    num(y - 6.0)
                );
            }
            Mark::Cluster => {
                let _ = write!(
                    out,
                    "<rect x=\"12\" y=\"{}\" width=\"40\" height=\"12\" rx=\"3\" fill=\"#f1f5f9\" \
                     stroke=\"#cbd5e1\"/>",
                    num(y - 6.0)
                );
            }
        }
        let _ = writeln!(
            out,
            "<text x=\"62\" y=\"{}\">{}</text>",
            num(y + 4.0),
            escape(text)
        );
    }
    out.push_str("</g>\n");
}

/// An edge's route as a path: straight where it stays level, an S-curve
/// between columns.
fn path(points: &[Point], shift: f64) -> String {
    let mut d = String::new();
    for (k, p) in points.iter().enumerate() {
        let y = p.y + shift;
        if k == 0 {
            let _ = write!(d, "M{},{}", num(p.x), num(y));
            continue;
        }
        let a = points[k - 1];
        let ay = a.y + shift;
        if (a.y - p.y).abs() < 0.5 {
            let _ = write!(d, "L{},{}", num(p.x), num(y));
        } else {
            let mid = (a.x + p.x) / 2.0;
            let _ = write!(
                d,
                "C{},{} {},{} {},{}",
                num(mid),
                num(ay),
                num(mid),
                num(y),
                num(p.x),
                num(y)
            );
        }
    }
    d
}

/// A coordinate with at most one decimal, the same text on every machine.
fn num(value: f64) -> String {
    let rounded = (value * 10.0).round() / 10.0;
    if rounded.fract() == 0.0 {
        format!("{rounded:.0}")
    } else {
        format!("{rounded:.1}")
    }
}

/// A label that fits its box.
fn short(label: &str) -> String {
    if label.chars().count() <= MAX_LABEL {
        label.to_string()
    } else {
        let mut cut: String = label.chars().take(MAX_LABEL - 1).collect();
        cut.push('…');
        cut
    }
}

/// An edge kind as a CSS class: letters, digits and `-` only.
fn class_name(kind: &str) -> String {
    kind.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect()
}

fn count(n: usize) -> String {
    if n == 1 {
        "1 finding".into()
    } else {
        format!("{n} findings")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::view::{Edge, Node};

    const HOSTILE: &[&str] = &[
        "<script>alert(1)</script>",
        "\"><img src=x onerror=alert(1)>",
        "a'b&c",
        "orders\u{1b}[2J\r\n::error::x",
        "\u{202e}gnp.exe",
        "]]><!--",
    ];

    #[test]
    fn escape_leaves_no_markup_and_no_control_character() {
        for text in HOSTILE {
            let escaped = escape(text);
            for c in ['<', '>', '"', '\''] {
                assert!(!escaped.contains(c), "{escaped}");
            }
            // Every `&` starts one of our entities.
            for (i, _) in escaped.match_indices('&') {
                let rest = &escaped[i..];
                assert!(
                    ["&amp;", "&lt;", "&gt;", "&quot;", "&#39;"]
                        .iter()
                        .any(|e| rest.starts_with(e)),
                    "{escaped}"
                );
            }
            assert!(!escaped.chars().any(crate::text::is_hazard), "{escaped}");
        }
        assert_eq!(escape("a'b&c<d>\"e"), "a&#39;b&amp;c&lt;d&gt;&quot;e");
        assert_eq!(escape("line\nbreak"), "line\\nbreak");
    }

    fn hostile_view() -> GraphView {
        let node = |id: &str| Node {
            id: id.into(),
            label: id.into(),
            group: Some(HOSTILE[1].into()),
        };
        GraphView {
            level: "service",
            nodes: HOSTILE.iter().map(|h| node(h)).collect(),
            edges: vec![Edge {
                from: HOSTILE[0].into(),
                to: HOSTILE[1].into(),
                kind: "<b>".into(),
                label: HOSTILE[3].into(),
                location: None,
                highlighted: true,
            }],
        }
    }

    #[test]
    fn hostile_names_stay_text() {
        let svg = document(&hostile_view());
        assert!(!svg.contains("<script"), "{svg}");
        assert!(!svg.contains("<img"), "{svg}");
        assert!(!svg.contains("<b>"), "{svg}");
        assert!(!svg.contains("<!--"), "{svg}");
        assert!(
            !svg.contains('\u{1b}') && !svg.contains('\u{202e}'),
            "{svg}"
        );
        assert!(svg.contains("&lt;script&gt;"), "{svg}");
        // The unknown kind is named in the legend, escaped.
        assert!(svg.contains(">&lt;b&gt;</text>"), "{svg}");
    }

    #[test]
    fn drawing_is_deterministic_and_has_every_node_and_a_legend() {
        let view = GraphView {
            level: "service",
            nodes: ["orders", "billing", "shipping"]
                .iter()
                .map(|n| Node {
                    id: (*n).into(),
                    label: (*n).into(),
                    group: None,
                })
                .collect(),
            edges: vec![
                Edge {
                    from: "orders".into(),
                    to: "billing".into(),
                    kind: "http".into(),
                    label: "http".into(),
                    location: None,
                    highlighted: false,
                },
                Edge {
                    from: "orders".into(),
                    to: "shipping".into(),
                    kind: "event".into(),
                    label: "orders.placed".into(),
                    location: None,
                    highlighted: true,
                },
            ],
        };
        let decor = Decor {
            links: vec![Some("service-orders.html".into()), None, None],
            notes: vec!["crates: orders-api".into(), String::new(), String::new()],
            findings: vec![0, 2, 0],
            cluster_legend: None,
            scale: 0.0,
        };
        let a = render(&view, &decor);
        assert_eq!(a, render(&view, &decor));
        for name in ["orders", "billing", "shipping"] {
            assert!(a.contains(&format!("data-id=\"{name}\"")), "{a}");
        }
        assert!(a.contains("<a href=\"service-orders.html\">"), "{a}");
        assert!(
            a.contains("<title>orders — crates: orders-api</title>"),
            "{a}"
        );
        assert!(a.contains("billing — 2 findings"), "{a}");
        assert!(a.contains("http: calls it over HTTP"), "{a}");
        assert!(a.contains("stroke-dasharray=\"7 4\""), "{a}");
        assert!(a.contains("has findings"), "{a}");
    }
}
