//! A layered drawing of a directed graph, left to right (Sugiyama's method),
//! for the SVG graphs and the architecture report: no Graphviz at run time.
//!
//! 1. Cycles are broken by turning the back edges of a depth-first search
//!    around (they are drawn in their real direction at the end).
//! 2. Layers: longest path from the sources, then each source moved right
//!    next to its nearest successor, so that long edges are rarer.
//! 3. Edges that span several layers get a chain of dummy points, one per
//!    layer they cross, so that crossings can be counted and avoided.
//! 4. Crossing reduction: barycenter sweeps down and up the layers; the
//!    ordering with the fewest crossings seen is kept.
//! 5. Coordinates: columns as wide as their widest node; each cluster
//!    (a quantum, a service's crates, a crate's modules) gets its own
//!    horizontal band, so cluster boxes never overlap; within a band, nodes
//!    move towards their neighbours' mean while keeping order and spacing.
//!
//! Everything is a pure function of the input: the same graph gives the
//! same coordinates, bit for bit (no hashing, no randomness).

use std::collections::BTreeMap;

/// Width and height of a node, in pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Size {
    pub width: f64,
    pub height: f64,
}

/// What to lay out: node sizes, edges by node index, and the cluster each
/// node is drawn in (if any).
#[derive(Debug, Clone, Default)]
pub struct Graph {
    pub sizes: Vec<Size>,
    pub edges: Vec<(usize, usize)>,
    pub clusters: Vec<Option<usize>>,
}

/// A rectangle; `x`, `y` is its top left corner.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
}

impl Rect {
    /// Whether the two rectangles share any interior point.
    pub fn overlaps(&self, other: &Rect) -> bool {
        self.x < other.x + other.width
            && other.x < self.x + self.width
            && self.y < other.y + other.height
            && other.y < self.y + self.height
    }
}

/// A point of an edge's route.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub x: f64,
    pub y: f64,
}

/// Where everything goes.
#[derive(Debug, Clone)]
pub struct Layout {
    /// Indexed like the input's nodes.
    pub nodes: Vec<Rect>,
    /// Each input edge's route from its source to its target; empty for a
    /// self loop or an edge naming no node.
    pub edges: Vec<Vec<Point>>,
    /// The box of each cluster that has nodes, by cluster id.
    pub clusters: Vec<(usize, Rect)>,
    pub width: f64,
    pub height: f64,
    /// Crossings between adjacent layers in the node order of the input,
    /// and after crossing reduction.
    pub crossings_before: usize,
    pub crossings: usize,
}

const MARGIN: f64 = 12.0;
/// Room between columns for the edges' curves.
const COLUMN_GAP: f64 = 90.0;
const NODE_GAP: f64 = 16.0;
/// A dummy point still keeps parallel edges apart.
const DUMMY_HEIGHT: f64 = 6.0;
const CLUSTER_PAD: f64 = 10.0;
/// Room for a cluster's name above its nodes.
const CLUSTER_LABEL: f64 = 18.0;
const BAND_GAP: f64 = 20.0;
/// Rounds of (down, up) barycenter sweeps; more rarely helps.
const SWEEPS: usize = 16;
/// Rounds of coordinate balancing.
const BALANCE: usize = 8;

/// A node of the layered graph: a real one (the first `n`) or a dummy.
struct Virtual {
    layer: usize,
    size: Size,
    cluster: Option<usize>,
}

/// Lays `graph` out.
pub fn layout(graph: &Graph) -> Layout {
    let n = graph.sizes.len();
    let cluster = |i: usize| graph.clusters.get(i).copied().flatten();
    // 1. Acyclic: each edge as drawn in the layered graph.
    let back = back_edges(n, &graph.edges);
    let dag: Vec<Option<(usize, usize, bool)>> = graph
        .edges
        .iter()
        .map(|&(u, v)| {
            if u >= n || v >= n || u == v {
                None
            } else if back.contains(&(u, v)) {
                Some((v, u, true))
            } else {
                Some((u, v, false))
            }
        })
        .collect();
    // 2. Layers.
    let layer = layers(n, &dag);
    // 3. Dummy chains, shared by parallel edges.
    let mut nodes: Vec<Virtual> = (0..n)
        .map(|i| Virtual {
            layer: layer[i],
            size: graph.sizes[i],
            cluster: cluster(i),
        })
        .collect();
    let mut chains: BTreeMap<(usize, usize), Vec<usize>> = BTreeMap::new();
    for &(u, v, _) in dag.iter().flatten() {
        chains.entry((u, v)).or_insert_with(|| {
            let mut chain = vec![u];
            let span = layer[v] - layer[u];
            for step in 1..span {
                // The first half of a chain runs in its source's cluster,
                // the rest in its target's.
                let owner = if step * 2 < span { u } else { v };
                nodes.push(Virtual {
                    layer: layer[u] + step,
                    size: Size {
                        width: 0.0,
                        height: DUMMY_HEIGHT,
                    },
                    cluster: cluster(owner),
                });
                chain.push(nodes.len() - 1);
            }
            chain.push(v);
            chain
        });
    }
    let mut links: Vec<(usize, usize)> = chains
        .values()
        .flat_map(|chain| chain.windows(2).map(|w| (w[0], w[1])))
        .collect();
    links.sort_unstable();
    links.dedup();
    let mut up: Vec<Vec<usize>> = vec![Vec::new(); nodes.len()];
    let mut down: Vec<Vec<usize>> = vec![Vec::new(); nodes.len()];
    for &(a, b) in &links {
        down[a].push(b);
        up[b].push(a);
    }
    let depth = nodes.iter().map(|v| v.layer + 1).max().unwrap_or(0);
    let mut order: Vec<Vec<usize>> = vec![Vec::new(); depth];
    for (id, v) in nodes.iter().enumerate() {
        order[v.layer].push(id);
    }
    // 4. Crossing reduction.
    let crossings_before = crossings(&order, &nodes, &links);
    let order = reduce_crossings(order, &nodes, &up, &down, &links);
    let crossing_count = crossings(&order, &nodes, &links);
    // 5. Coordinates.
    let (rects, frame) = coordinates(&order, &nodes, &up, &down);
    let mut routes = Vec::with_capacity(graph.edges.len());
    for entry in &dag {
        let Some((u, v, reversed)) = *entry else {
            routes.push(Vec::new());
            continue;
        };
        let chain = chains.get(&(u, v)).map_or(&[][..], Vec::as_slice);
        let mut points = Vec::with_capacity(chain.len() * 2);
        for (k, &id) in chain.iter().enumerate() {
            let r = rects[id];
            let mid = r.y + r.height / 2.0;
            if k == 0 {
                points.push(Point {
                    x: r.x + r.width,
                    y: mid,
                });
            } else if k == chain.len() - 1 {
                points.push(Point { x: r.x, y: mid });
            } else {
                // Straight through the dummy's column, never across a node.
                let column = &frame.columns[nodes[id].layer];
                points.push(Point {
                    x: column.0,
                    y: mid,
                });
                points.push(Point {
                    x: column.0 + column.1,
                    y: mid,
                });
            }
        }
        if reversed {
            points.reverse();
        }
        routes.push(points);
    }
    let mut clusters: BTreeMap<usize, Rect> = BTreeMap::new();
    for (i, rect) in rects.iter().enumerate().take(n) {
        let Some(c) = cluster(i) else { continue };
        let bounds = clusters.entry(c).or_insert(*rect);
        let right = (bounds.x + bounds.width).max(rect.x + rect.width);
        let bottom = (bounds.y + bounds.height).max(rect.y + rect.height);
        bounds.x = bounds.x.min(rect.x);
        bounds.y = bounds.y.min(rect.y);
        bounds.width = right - bounds.x;
        bounds.height = bottom - bounds.y;
    }
    let clusters = clusters
        .into_iter()
        .map(|(c, r)| {
            (
                c,
                Rect {
                    x: r.x - CLUSTER_PAD,
                    y: r.y - CLUSTER_PAD - CLUSTER_LABEL,
                    width: r.width + 2.0 * CLUSTER_PAD,
                    height: r.height + 2.0 * CLUSTER_PAD + CLUSTER_LABEL,
                },
            )
        })
        .collect();
    Layout {
        nodes: rects.into_iter().take(n).collect(),
        edges: routes,
        clusters,
        width: frame.width,
        height: frame.height,
        crossings_before,
        crossings: crossing_count,
    }
}

/// Edges that close a cycle in a depth-first search from each node in
/// index order (children in edge order): turning them around leaves no
/// cycle.
fn back_edges(n: usize, edges: &[(usize, usize)]) -> std::collections::BTreeSet<(usize, usize)> {
    let mut out: Vec<Vec<usize>> = vec![Vec::new(); n];
    for &(u, v) in edges {
        if u < n && v < n && u != v && !out[u].contains(&v) {
            out[u].push(v);
        }
    }
    // 0: not seen, 1: on the stack, 2: done.
    let mut state = vec![0u8; n];
    let mut back = std::collections::BTreeSet::new();
    for start in 0..n {
        if state[start] != 0 {
            continue;
        }
        let mut stack = vec![(start, 0usize)];
        state[start] = 1;
        while let Some(top) = stack.last_mut() {
            let (u, next) = *top;
            if next < out[u].len() {
                top.1 += 1;
                let v = out[u][next];
                match state[v] {
                    0 => {
                        state[v] = 1;
                        stack.push((v, 0));
                    }
                    1 => {
                        back.insert((u, v));
                    }
                    _ => {}
                }
            } else {
                state[u] = 2;
                stack.pop();
            }
        }
    }
    back
}

/// The layer of each node: longest path from the sources, then sources
/// pulled right to just before their nearest successor.
fn layers(n: usize, dag: &[Option<(usize, usize, bool)>]) -> Vec<usize> {
    let mut succ: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut indegree = vec![0usize; n];
    for &(u, v, _) in dag.iter().flatten() {
        succ[u].push(v);
        indegree[v] += 1;
    }
    let mut layer = vec![0usize; n];
    let mut left = indegree.clone();
    let mut queue: std::collections::VecDeque<usize> = (0..n).filter(|&i| left[i] == 0).collect();
    while let Some(u) = queue.pop_front() {
        for &v in &succ[u] {
            layer[v] = layer[v].max(layer[u] + 1);
            left[v] -= 1;
            if left[v] == 0 {
                queue.push_back(v);
            }
        }
    }
    for u in 0..n {
        if indegree[u] == 0 {
            if let Some(nearest) = succ[u].iter().map(|&v| layer[v]).min() {
                layer[u] = nearest.saturating_sub(1);
            }
        }
    }
    layer
}

/// Edge crossings between adjacent layers: for the links between two
/// layers sorted by their upper end, the inversions among their lower ends
/// (counted with a Fenwick tree).
fn crossings(order: &[Vec<usize>], nodes: &[Virtual], links: &[(usize, usize)]) -> usize {
    let mut position = vec![0usize; nodes.len()];
    for layer in order {
        for (p, &id) in layer.iter().enumerate() {
            position[id] = p;
        }
    }
    let mut by_layer: Vec<Vec<(usize, usize)>> = vec![Vec::new(); order.len()];
    for &(a, b) in links {
        by_layer[nodes[a].layer].push((position[a], position[b]));
    }
    let mut total = 0;
    for (l, pairs) in by_layer.iter_mut().enumerate() {
        pairs.sort_unstable();
        let size = order.get(l + 1).map_or(0, Vec::len);
        let mut tree = vec![0usize; size + 1];
        for (seen, &(_, b)) in pairs.iter().enumerate() {
            // Earlier links whose lower end is right of this one's cross it.
            let mut at_most = 0;
            let mut i = b + 1;
            while i > 0 {
                at_most += tree[i];
                i &= i - 1;
            }
            total += seen - at_most;
            let mut i = b + 1;
            while i <= size {
                tree[i] += 1;
                i += i & i.wrapping_neg();
            }
        }
    }
    total
}

/// Barycenter sweeps, clusters kept together in each layer; returns the
/// ordering with the fewest crossings seen (the input's if none is better).
fn reduce_crossings(
    mut order: Vec<Vec<usize>>,
    nodes: &[Virtual],
    up: &[Vec<usize>],
    down: &[Vec<usize>],
    links: &[(usize, usize)],
) -> Vec<Vec<usize>> {
    let mut best = order.clone();
    let mut fewest = crossings(&order, nodes, links);
    let mut rank = band_ranks(&order, nodes);
    for _ in 0..SWEEPS {
        if fewest == 0 {
            break;
        }
        for l in 1..order.len() {
            sort_layer(&mut order, l, l - 1, up, nodes, &rank);
        }
        rank = band_ranks(&order, nodes);
        for l in (0..order.len().saturating_sub(1)).rev() {
            sort_layer(&mut order, l, l + 1, down, nodes, &rank);
        }
        rank = band_ranks(&order, nodes);
        let count = crossings(&order, nodes, links);
        if count < fewest {
            fewest = count;
            best = order.clone();
        }
    }
    best
}

/// Sorts layer `l` by the mean position of each node's neighbours in layer
/// `fixed`, clusters first by their rank; a node with no neighbour there
/// keeps its place.
fn sort_layer(
    order: &mut [Vec<usize>],
    l: usize,
    fixed: usize,
    neighbours: &[Vec<usize>],
    nodes: &[Virtual],
    rank: &BTreeMap<Option<usize>, f64>,
) {
    let mut position: BTreeMap<usize, usize> = BTreeMap::new();
    for (p, &id) in order[fixed].iter().enumerate() {
        position.insert(id, p);
    }
    let mut keyed: Vec<(f64, f64, usize, usize)> = order[l]
        .iter()
        .enumerate()
        .map(|(p, &id)| {
            let around: Vec<usize> = neighbours[id]
                .iter()
                .filter_map(|w| position.get(w).copied())
                .collect();
            let bary = if around.is_empty() {
                p as f64
            } else {
                around.iter().sum::<usize>() as f64 / around.len() as f64
            };
            let band = rank.get(&nodes[id].cluster).copied().unwrap_or(0.0);
            (band, bary, p, id)
        })
        .collect();
    keyed.sort_by(|a, b| {
        a.0.total_cmp(&b.0)
            .then(a.1.total_cmp(&b.1))
            .then(a.2.cmp(&b.2))
    });
    order[l] = keyed.into_iter().map(|k| k.3).collect();
}

/// Each cluster's rank: the mean relative position of its nodes over all
/// layers, ties broken by the cluster's id (no cluster sorts as its own).
fn band_ranks(order: &[Vec<usize>], nodes: &[Virtual]) -> BTreeMap<Option<usize>, f64> {
    let mut sums: BTreeMap<Option<usize>, (f64, usize)> = BTreeMap::new();
    for layer in order {
        let len = layer.len().max(1) as f64;
        for (p, &id) in layer.iter().enumerate() {
            let entry = sums.entry(nodes[id].cluster).or_insert((0.0, 0));
            entry.0 += (p as f64 + 0.5) / len;
            entry.1 += 1;
        }
    }
    let mut ranked: Vec<(f64, Option<usize>)> = sums
        .into_iter()
        .map(|(c, (sum, count))| (sum / count as f64, c))
        .collect();
    ranked.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    ranked
        .into_iter()
        .enumerate()
        .map(|(i, (_, c))| (c, i as f64))
        .collect()
}

/// The frame the nodes were placed in.
struct Frame {
    /// Each layer's column: left edge and width.
    columns: Vec<(f64, f64)>,
    width: f64,
    height: f64,
}

/// Places every node: columns left to right, clusters in bands top to
/// bottom, nodes balanced between their neighbours within their band.
fn coordinates(
    order: &[Vec<usize>],
    nodes: &[Virtual],
    up: &[Vec<usize>],
    down: &[Vec<usize>],
) -> (Vec<Rect>, Frame) {
    let mut columns = Vec::with_capacity(order.len());
    let mut x = MARGIN;
    for layer in order {
        let width = layer
            .iter()
            .map(|&id| nodes[id].size.width)
            .fold(0.0, f64::max);
        columns.push((x, width));
        x += width + COLUMN_GAP;
    }
    let width = if order.is_empty() {
        2.0 * MARGIN
    } else {
        x - COLUMN_GAP + MARGIN
    };
    // Bands in rank order; each layer's nodes of a band stay contiguous.
    let rank = band_ranks(order, nodes);
    let mut bands: Vec<(f64, Option<usize>)> = rank.iter().map(|(c, r)| (*r, *c)).collect();
    bands.sort_by(|a, b| a.0.total_cmp(&b.0));
    let labelled = |c: Option<usize>| c.is_some();
    let stack = |ids: &[usize]| -> f64 {
        let heights: f64 = ids.iter().map(|&id| nodes[id].size.height).sum();
        heights + NODE_GAP * ids.len().saturating_sub(1) as f64
    };
    let mut rects: Vec<Rect> = nodes
        .iter()
        .map(|v| Rect {
            x: columns[v.layer].0 + (columns[v.layer].1 - v.size.width) / 2.0,
            y: 0.0,
            width: v.size.width,
            height: v.size.height,
        })
        .collect();
    // Per band and layer: the contiguous run of node ids, and the band's
    // inner top and bottom.
    let mut runs: Vec<(f64, f64, Vec<Vec<usize>>)> = Vec::new();
    let mut y = MARGIN;
    for (_, band) in &bands {
        let per_layer: Vec<Vec<usize>> = order
            .iter()
            .map(|layer| {
                layer
                    .iter()
                    .copied()
                    .filter(|&id| nodes[id].cluster == *band)
                    .collect()
            })
            .collect();
        let inner = per_layer.iter().map(|ids| stack(ids)).fold(0.0, f64::max);
        let pad = if labelled(*band) {
            CLUSTER_PAD + CLUSTER_LABEL
        } else {
            0.0
        };
        let top = y + pad;
        let bottom = top + inner;
        for ids in &per_layer {
            let mut at = top + (inner - stack(ids)) / 2.0;
            for &id in ids {
                rects[id].y = at;
                at += nodes[id].size.height + NODE_GAP;
            }
        }
        y = bottom + if labelled(*band) { CLUSTER_PAD } else { 0.0 } + BAND_GAP;
        runs.push((top, bottom, per_layer));
    }
    let height = if bands.is_empty() {
        2.0 * MARGIN
    } else {
        y - BAND_GAP + MARGIN
    };
    // Balance: each node towards the mean centre of its neighbours.
    for round in 0..BALANCE {
        let layers: Vec<usize> = if round % 2 == 0 {
            (0..order.len()).collect()
        } else {
            (0..order.len()).rev().collect()
        };
        for l in layers {
            for (top, bottom, per_layer) in &runs {
                let ids = &per_layer[l];
                if ids.is_empty() {
                    continue;
                }
                let centre = |r: &Rect| r.y + r.height / 2.0;
                let mut wanted: Vec<f64> = ids
                    .iter()
                    .map(|&id| {
                        let around: Vec<f64> = up[id]
                            .iter()
                            .chain(&down[id])
                            .map(|&w| centre(&rects[w]))
                            .collect();
                        let c = if around.is_empty() {
                            centre(&rects[id])
                        } else {
                            around.iter().sum::<f64>() / around.len() as f64
                        };
                        c - nodes[id].size.height / 2.0
                    })
                    .collect();
                let h = |k: usize| nodes[ids[k]].size.height;
                let forward = |wanted: &mut Vec<f64>| {
                    for k in 0..wanted.len() {
                        let floor = if k == 0 {
                            *top
                        } else {
                            wanted[k - 1] + h(k - 1) + NODE_GAP
                        };
                        wanted[k] = wanted[k].max(floor);
                    }
                };
                forward(&mut wanted);
                for k in (0..wanted.len()).rev() {
                    let ceiling = if k + 1 == wanted.len() {
                        bottom - h(k)
                    } else {
                        wanted[k + 1] - h(k) - NODE_GAP
                    };
                    wanted[k] = wanted[k].min(ceiling);
                }
                forward(&mut wanted);
                for (k, &id) in ids.iter().enumerate() {
                    // Whole pixels keep the SVG text short and stable.
                    rects[id].y = wanted[k].round();
                }
            }
        }
    }
    (
        rects,
        Frame {
            columns,
            width,
            height,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(n: usize, edges: &[(usize, usize)], clusters: &[Option<usize>]) -> Graph {
        Graph {
            sizes: (0..n)
                .map(|i| Size {
                    width: 60.0 + 7.0 * (i % 5) as f64,
                    height: 28.0,
                })
                .collect(),
            edges: edges.to_vec(),
            clusters: if clusters.is_empty() {
                vec![None; n]
            } else {
                clusters.to_vec()
            },
        }
    }

    fn assert_no_overlap(layout: &Layout) {
        for (i, a) in layout.nodes.iter().enumerate() {
            for (j, b) in layout.nodes.iter().enumerate().skip(i + 1) {
                assert!(!a.overlaps(b), "nodes {i} {a:?} and {j} {b:?} overlap");
            }
            assert!(a.x >= 0.0 && a.y >= 0.0, "{a:?}");
            assert!(a.x + a.width <= layout.width && a.y + a.height <= layout.height);
        }
        for (i, (_, a)) in layout.clusters.iter().enumerate() {
            for (_, b) in layout.clusters.iter().skip(i + 1) {
                assert!(!a.overlaps(b), "clusters {a:?} and {b:?} overlap");
            }
        }
    }

    /// Two callers and two callees listed so that, in input order, every
    /// edge crosses another: 0 calls 3, 1 calls 2, and both call a shared
    /// back end 4 through a gateway in a long chain.
    fn tangled() -> Graph {
        graph(
            9,
            &[
                (0, 3),
                (1, 2),
                (0, 5),
                (1, 6),
                (3, 7),
                (2, 8),
                (6, 4),
                (5, 4),
                (7, 4),
            ],
            &[],
        )
    }

    #[test]
    fn crossing_reduction_beats_the_input_order() {
        let layout = layout(&tangled());
        assert!(layout.crossings_before > 0, "{}", layout.crossings_before);
        assert!(
            layout.crossings < layout.crossings_before,
            "{} !< {}",
            layout.crossings,
            layout.crossings_before
        );
        assert_no_overlap(&layout);
    }

    #[test]
    fn a_complete_bipartite_pair_crosses_once_per_pair_of_pairs() {
        // K2,2 cannot be drawn in two layers without one crossing.
        let layout = layout(&graph(4, &[(0, 2), (0, 3), (1, 2), (1, 3)], &[]));
        assert_eq!(layout.crossings, 1);
    }

    #[test]
    fn layout_is_deterministic() {
        let g = tangled();
        let a = layout(&g);
        let b = layout(&g);
        assert_eq!(a.nodes, b.nodes);
        assert_eq!(a.edges, b.edges);
        assert_eq!(format!("{:?}", a.clusters), format!("{:?}", b.clusters));
    }

    #[test]
    fn cycles_self_loops_and_bad_indices_are_drawn_without_panicking() {
        let layout = layout(&graph(3, &[(0, 1), (1, 2), (2, 0), (1, 1), (0, 9)], &[]));
        assert_no_overlap(&layout);
        // The edge that closes the cycle still runs from 2 to 0.
        let route = &layout.edges[2];
        let (from, to) = (layout.nodes[2], layout.nodes[0]);
        assert_eq!(route.first().map(|p| p.y), Some(from.y + from.height / 2.0));
        assert_eq!(route.last().map(|p| p.y), Some(to.y + to.height / 2.0));
        assert!(layout.edges[3].is_empty() && layout.edges[4].is_empty());
    }

    #[test]
    fn edges_run_left_to_right_and_long_ones_around_columns() {
        let layout = layout(&graph(4, &[(0, 1), (1, 2), (2, 3), (0, 3)], &[]));
        let xs: Vec<f64> = layout.nodes.iter().map(|r| r.x).collect();
        assert!(xs.windows(2).all(|w| w[0] < w[1]), "{xs:?}");
        // 0 → 3 crosses two columns: start, two points per column, end.
        assert_eq!(layout.edges[3].len(), 6, "{:?}", layout.edges[3]);
    }

    #[test]
    fn clusters_get_their_own_bands() {
        let clusters = [Some(0), Some(1), Some(0), Some(1), None, Some(0)];
        let layout = layout(&graph(
            6,
            &[(0, 3), (1, 2), (2, 5), (3, 4), (4, 5)],
            &clusters,
        ));
        assert_no_overlap(&layout);
        assert_eq!(layout.clusters.len(), 2);
        for (id, rect) in &layout.clusters {
            for (i, node) in layout.nodes.iter().enumerate() {
                let inside = rect.x <= node.x
                    && rect.y <= node.y
                    && node.x + node.width <= rect.x + rect.width
                    && node.y + node.height <= rect.y + rect.height;
                assert_eq!(inside, clusters[i] == Some(*id), "node {i} cluster {id}");
            }
        }
    }

    #[test]
    fn two_hundred_nodes_lay_out_without_overlap() {
        let edges: Vec<(usize, usize)> = (0..200)
            .flat_map(|i| [(i, (i * 7 + 3) % 200), (i, (i * 13 + 11) % 200)])
            .collect();
        let clusters: Vec<Option<usize>> =
            (0..200).map(|i| (i % 3 == 0).then_some(i % 9)).collect();
        let layout = layout(&graph(200, &edges, &clusters));
        assert_no_overlap(&layout);
        assert!(layout.crossings <= layout.crossings_before);
    }

    #[test]
    fn an_empty_graph_has_a_frame() {
        let layout = layout(&Graph::default());
        assert!(layout.nodes.is_empty() && layout.width > 0.0 && layout.height > 0.0);
    }
}
