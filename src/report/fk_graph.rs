//! The audit's foreign-key graph: tables as nodes, declared foreign keys and suggested ones
//! (missing-foreign-key fixes) as edges, drawn as inline SVG for the HTML page.
//!
//! Two drawings: [`dot_source`] is Graphviz input (the command renders it with `dot` when it is on
//! the PATH: this module does no IO), and [`svg`] is pgproof's own layered layout for when it is
//! not. The layered layout puts each schema in a box of its own, referenced tables above the
//! tables that reference them, wraps every layer into rows so a schema of a hundred tables is a
//! block rather than one tall column, and sizes the drawing's `viewBox` from everything it draws
//! (boxes, labels, and every curve's control points, which bound the curve), so nothing is
//! clipped.

use super::audit::{anchor, esc, qualified, ObjectFinding};
use crate::catalog::Catalog;
use crate::finding::Severity;
use crate::syntax::ConstraintKind;
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

/// The foreign-key graph: tables as nodes, declared foreign keys and missing-foreign-key
/// suggestions as edges (from the referencing table to the referenced one).
pub struct FkGraph {
    pub graph: DiGraph<String, FkEdge>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FkEdge {
    Declared(String),
    Suggested(String),
}

impl std::fmt::Display for FkEdge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FkEdge::Declared(name) => write!(f, "{name}"),
            FkEdge::Suggested(column) => write!(f, "{column} (missing FK)"),
        }
    }
}

pub fn fk_graph(catalog: &Catalog, findings: &[ObjectFinding]) -> FkGraph {
    let mut graph = DiGraph::new();
    let mut nodes: HashMap<String, NodeIndex> = HashMap::new();
    for table in catalog.logical_tables() {
        let name = qualified(&table.name);
        nodes.insert(name.clone(), graph.add_node(name));
    }
    for table in catalog.tables.values() {
        let Some(&from) = nodes.get(&qualified(&table.name)) else {
            continue;
        };
        for fk in table.foreign_keys() {
            if let ConstraintKind::ForeignKey { ref_table, .. } = &fk.kind {
                if let Some(&to) = nodes.get(&qualified(ref_table)) {
                    graph.add_edge(from, to, FkEdge::Declared(fk.name.clone()));
                }
            }
        }
    }
    // Suggested foreign keys: fixes that add one carry the table it references.
    for f in findings {
        let Some(target) = f.fix.as_ref().and_then(|fix| fix.references.as_ref()) else {
            continue;
        };
        let Some(&from) = nodes.get(&f.table) else {
            continue;
        };
        if let Some(&to) = nodes.get(&qualified(target)) {
            let column = f.object.rsplit('.').next().unwrap_or_default().to_string();
            graph.add_edge(from, to, FkEdge::Suggested(column));
        }
    }
    FkGraph { graph }
}

/// A node's severity class: `error`, `warning`, `info` or `clean`.
fn class_of(worst: &HashMap<&str, Option<Severity>>, name: &str) -> &'static str {
    worst
        .get(name)
        .copied()
        .flatten()
        .map_or("clean", |s| s.name())
}

fn colors(class: &str) -> (&'static str, &'static str) {
    match class {
        "error" => ("#ffebee", "#c62828"),
        "warning" => ("#fff3e0", "#ef6c00"),
        "info" => ("#e3f2fd", "#1565c0"),
        _ => ("#e8f5e9", "#2e7d32"),
    }
}

fn schema_of(name: &str) -> &str {
    name.split_once('.').map_or("", |(s, _)| s)
}

fn short_label(name: &str) -> String {
    let short = name.split_once('.').map_or(name, |(_, t)| t);
    if short.chars().count() > 26 {
        format!("{}…", short.chars().take(25).collect::<String>())
    } else {
        short.to_string()
    }
}

/// A DOT string literal.
fn dot_str(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

/// Graphviz input for the graph: one cluster per schema, referenced tables above the tables that
/// reference them, nodes linking to their findings, suggested keys dashed red.
pub fn dot_source(fk: &FkGraph, worst: &HashMap<&str, Option<Severity>>) -> String {
    let g = &fk.graph;
    let mut s = String::from(
        "digraph fk {\n  graph [rankdir=BT, fontname=\"sans-serif\", fontsize=12, nodesep=0.25, ranksep=0.45];\n  node [shape=box, style=\"rounded,filled\", fontname=\"sans-serif\", fontsize=11, height=0.35];\n  edge [color=\"#555555\", arrowsize=0.7];\n",
    );
    let mut by_schema: BTreeMap<&str, Vec<NodeIndex>> = BTreeMap::new();
    for n in g.node_indices() {
        by_schema.entry(schema_of(&g[n])).or_default().push(n);
    }
    for (i, (schema, nodes)) in by_schema.iter().enumerate() {
        let _ = writeln!(
            s,
            "  subgraph cluster_{i} {{\n    label={}; style=rounded; color=\"#bbbbbb\";",
            dot_str(schema)
        );
        for &n in nodes {
            let name = &g[n];
            let class = class_of(worst, name);
            let (fill, stroke) = colors(class);
            let _ = writeln!(
                s,
                "    {} [label={}, tooltip={}, URL={}, fillcolor=\"{fill}\", color=\"{stroke}\"];",
                dot_str(name),
                dot_str(&short_label(name)),
                dot_str(name),
                dot_str(&format!("#{}", anchor(name))),
            );
        }
        s.push_str("  }\n");
    }
    for e in g.edge_references() {
        let (a, b) = (&g[e.source()], &g[e.target()]);
        let style = match e.weight() {
            FkEdge::Declared(_) => ", class=\"fk\"".to_string(),
            FkEdge::Suggested(_) => {
                ", class=\"missing\", style=dashed, color=\"#c62828\"".to_string()
            }
        };
        let _ = writeln!(
            s,
            "  {} -> {} [tooltip={}{style}];",
            dot_str(a),
            dot_str(b),
            dot_str(&format!("{a} → {b}: {}", e.weight()))
        );
    }
    s.push_str("}\n");
    s
}

const W: f64 = 190.0;
const H: f64 = 30.0;
const GAP_X: f64 = 40.0;
const GAP_Y: f64 = 52.0;
/// Space around a schema's tables inside its box, and the height of its label.
const PAD: f64 = 14.0;
const LABEL: f64 = 22.0;
const CLUSTER_GAP: f64 = 36.0;
/// The widest a row of schema boxes may grow before the next box starts a new row (a single
/// schema's box may be wider: its own rows are wrapped to about a square).
const MAX_WIDTH: f64 = 1600.0;

/// The bounds of everything drawn.
#[derive(Debug, Clone, Copy)]
struct Bounds {
    min_x: f64,
    min_y: f64,
    max_x: f64,
    max_y: f64,
}

impl Bounds {
    fn new() -> Self {
        Bounds {
            min_x: f64::INFINITY,
            min_y: f64::INFINITY,
            max_x: f64::NEG_INFINITY,
            max_y: f64::NEG_INFINITY,
        }
    }

    fn add(&mut self, x: f64, y: f64) {
        self.min_x = self.min_x.min(x);
        self.min_y = self.min_y.min(y);
        self.max_x = self.max_x.max(x);
        self.max_y = self.max_y.max(y);
    }
}

/// Layer of each node within its schema: the longest chain of declared references to other
/// tables of the same schema below it (cycles cut), so referenced tables come first.
fn layers(g: &DiGraph<String, FkEdge>) -> HashMap<NodeIndex, usize> {
    fn depth(
        g: &DiGraph<String, FkEdge>,
        n: NodeIndex,
        layer: &mut HashMap<NodeIndex, usize>,
        stack: &mut Vec<NodeIndex>,
    ) -> usize {
        if let Some(&d) = layer.get(&n) {
            return d;
        }
        stack.push(n);
        let mut d = 0;
        for e in g.edges(n) {
            let t = e.target();
            if matches!(e.weight(), FkEdge::Declared(_))
                && t != n
                && schema_of(&g[t]) == schema_of(&g[n])
                && !stack.contains(&t)
            {
                d = d.max(depth(g, t, layer, stack) + 1);
            }
        }
        stack.pop();
        layer.insert(n, d);
        d
    }
    let mut layer = HashMap::new();
    for n in g.node_indices() {
        depth(g, n, &mut layer, &mut vec![]);
    }
    layer
}

/// Tables placed inside one schema's box, relative to the box's top left corner.
struct Cluster<'g> {
    schema: &'g str,
    width: f64,
    height: f64,
    places: Vec<(NodeIndex, f64, f64)>,
}

fn lay_out_cluster<'g>(
    g: &'g DiGraph<String, FkEdge>,
    schema: &'g str,
    nodes: &[NodeIndex],
    layer: &HashMap<NodeIndex, usize>,
) -> Cluster<'g> {
    // About as wide as tall: a grid of c columns of (W + GAP_X) by rows of (H + GAP_Y).
    let n = nodes.len() as f64;
    let columns = ((n * (H + GAP_Y) / (W + GAP_X)).sqrt().round() as usize).clamp(2, 10);
    let mut by_layer: BTreeMap<usize, Vec<NodeIndex>> = BTreeMap::new();
    for &v in nodes {
        by_layer.entry(layer[&v]).or_default().push(v);
    }
    // Column (fractional) of each placed node, to order the next layer by the mean column of the
    // tables each node references (barycenter), which shortens and uncrosses edges.
    let mut column_of: HashMap<NodeIndex, f64> = HashMap::new();
    let mut rows: Vec<Vec<NodeIndex>> = vec![];
    for (_, mut members) in by_layer {
        let key = |v: &NodeIndex| -> f64 {
            let targets: Vec<f64> = g
                .edges(*v)
                .filter_map(|e| column_of.get(&e.target()).copied())
                .collect();
            if targets.is_empty() {
                f64::MAX
            } else {
                targets.iter().sum::<f64>() / targets.len() as f64
            }
        };
        let mut keyed: Vec<(f64, NodeIndex)> = members.drain(..).map(|v| (key(&v), v)).collect();
        keyed.sort_by(|a, b| a.0.total_cmp(&b.0).then_with(|| g[a.1].cmp(&g[b.1])));
        for chunk in keyed.chunks(columns) {
            let offset = (columns - chunk.len()) as f64 / 2.0;
            for (i, (_, v)) in chunk.iter().enumerate() {
                column_of.insert(*v, offset + i as f64);
            }
            rows.push(chunk.iter().map(|(_, v)| *v).collect());
        }
    }
    let used = rows.iter().map(Vec::len).max().unwrap_or(1).min(columns);
    let width = used as f64 * (W + GAP_X) - GAP_X + 2.0 * PAD;
    let mut places = vec![];
    for (r, row) in rows.iter().enumerate() {
        // Centre each row in the box.
        let row_width = row.len() as f64 * (W + GAP_X) - GAP_X;
        let left = PAD + (width - 2.0 * PAD - row_width) / 2.0;
        for (i, &v) in row.iter().enumerate() {
            places.push((
                v,
                left + i as f64 * (W + GAP_X),
                LABEL + PAD + r as f64 * (H + GAP_Y),
            ));
        }
    }
    let height = LABEL + 2.0 * PAD + rows.len() as f64 * (H + GAP_Y) - GAP_Y;
    Cluster {
        schema,
        width,
        height,
        places,
    }
}

/// Lays the graph out (see the module comment) and draws it as inline SVG.
pub fn svg(fk: &FkGraph, worst: &HashMap<&str, Option<Severity>>) -> String {
    let g = &fk.graph;
    let layer = layers(g);
    let mut by_schema: BTreeMap<&str, Vec<NodeIndex>> = BTreeMap::new();
    for n in g.node_indices() {
        by_schema.entry(schema_of(&g[n])).or_default().push(n);
    }
    // Schemas that others reference most come first.
    let mut inbound: HashMap<&str, usize> = HashMap::new();
    for e in g.edge_references() {
        let (sa, sb) = (schema_of(&g[e.source()]), schema_of(&g[e.target()]));
        if sa != sb {
            *inbound.entry(sb).or_default() += 1;
        }
    }
    let mut clusters: Vec<Cluster<'_>> = by_schema
        .iter()
        .map(|(schema, nodes)| lay_out_cluster(g, schema, nodes, &layer))
        .collect();
    clusters.sort_by_key(|c| {
        (
            std::cmp::Reverse(inbound.get(c.schema).copied().unwrap_or(0)),
            c.schema,
        )
    });
    // Shelves: boxes left to right until the row would pass MAX_WIDTH.
    let mut pos: HashMap<NodeIndex, (f64, f64)> = HashMap::new();
    let mut boxes: Vec<(f64, f64, &Cluster<'_>)> = vec![];
    let (mut x, mut y, mut shelf_height) = (0.0f64, 0.0f64, 0.0f64);
    for c in &clusters {
        if x > 0.0 && x + c.width > MAX_WIDTH {
            x = 0.0;
            y += shelf_height + CLUSTER_GAP;
            shelf_height = 0.0;
        }
        boxes.push((x, y, c));
        for &(v, dx, dy) in &c.places {
            pos.insert(v, (x + dx, y + dy));
        }
        x += c.width + CLUSTER_GAP;
        shelf_height = shelf_height.max(c.height);
    }
    let mut bounds = Bounds::new();
    let mut body = String::new();
    for (bx, by, c) in &boxes {
        bounds.add(*bx, *by);
        bounds.add(bx + c.width, by + c.height);
        let _ = writeln!(
            body,
            "<g class=\"schema\"><rect x=\"{bx:.1}\" y=\"{by:.1}\" width=\"{w:.1}\" height=\"{h:.1}\" rx=\"6\" fill=\"#fafafa\" stroke=\"#bbb\"/><text x=\"{tx:.1}\" y=\"{ty:.1}\" font-size=\"13\" font-weight=\"bold\" font-family=\"sans-serif\" fill=\"#444\">{}</text></g>",
            esc(c.schema),
            w = c.width,
            h = c.height,
            tx = bx + PAD,
            ty = by + 16.0,
        );
    }
    // Edges between the same two tables are fanned out so each arrow stays visible.
    let mut seen: HashMap<(NodeIndex, NodeIndex), usize> = HashMap::new();
    for e in g.edge_references() {
        let (a, b) = (e.source(), e.target());
        let (Some(&(ax, ay)), Some(&(bx, by))) = (pos.get(&a), pos.get(&b)) else {
            continue;
        };
        if a == b {
            continue;
        }
        let k = seen.entry((a.min(b), a.max(b))).or_insert(0);
        let fan = *k as f64 * 10.0;
        *k += 1;
        let (x1, y1, x2, y2, c1y, c2y);
        if (ay - by).abs() < 1.0 {
            // Same row: over the top, between the two boxes' top edges.
            x1 = ax + W / 2.0 + fan;
            x2 = bx + W / 2.0 + fan;
            y1 = ay;
            y2 = by;
            c1y = ay - 26.0 - fan;
            c2y = by - 26.0 - fan;
        } else if by < ay {
            // The referenced table above: from the top edge up to its bottom edge.
            let bend = ((ay - by) / 2.0).min(70.0);
            x1 = ax + W / 2.0 + fan;
            x2 = bx + W / 2.0 + fan;
            y1 = ay;
            y2 = by + H;
            c1y = y1 - bend;
            c2y = y2 + bend;
        } else {
            // Below (a cycle, or another schema's box further down).
            let bend = ((by - ay) / 2.0).min(70.0);
            x1 = ax + W / 2.0 + fan;
            x2 = bx + W / 2.0 + fan;
            y1 = ay + H;
            y2 = by;
            c1y = y1 + bend;
            c2y = y2 - bend;
        }
        // A cubic curve lies inside the hull of its four points.
        for (px, py) in [(x1, y1), (x1, c1y), (x2, c2y), (x2, y2)] {
            bounds.add(px, py);
        }
        let (class, marker, label) = match e.weight() {
            FkEdge::Declared(name) => ("fk", "arrow", name.as_str()),
            FkEdge::Suggested(column) => ("missing", "arrow-missing", column.as_str()),
        };
        let stroke = if class == "fk" {
            "stroke=\"#555\" stroke-width=\"1.2\""
        } else {
            "stroke=\"#c62828\" stroke-width=\"1.4\" stroke-dasharray=\"5 4\""
        };
        let _ = writeln!(
            body,
            "<path class=\"{class}\" {stroke} fill=\"none\" d=\"M {x1:.1} {y1:.1} C {x1:.1} {c1y:.1}, {x2:.1} {c2y:.1}, {x2:.1} {y2:.1}\" marker-end=\"url(#{marker})\"><title>{} → {}: {}</title></path>",
            esc(&g[a]),
            esc(&g[b]),
            esc(label),
        );
    }
    for n in g.node_indices() {
        let Some(&(x, y)) = pos.get(&n) else { continue };
        let name = &g[n];
        let class = class_of(worst, name);
        let (fill, stroke) = colors(class);
        bounds.add(x, y);
        bounds.add(x + W, y + H);
        let _ = writeln!(
            body,
            "<a href=\"#{id}\"><g class=\"node {class}\"><rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{W}\" height=\"{H}\" rx=\"4\" fill=\"{fill}\" stroke=\"{stroke}\"/><text x=\"{tx:.1}\" y=\"{ty:.1}\" font-size=\"12\" font-family=\"sans-serif\" text-anchor=\"middle\" fill=\"#222\">{label}</text><title>{name}</title></g></a>",
            id = anchor(name),
            tx = x + W / 2.0,
            ty = y + H / 2.0 + 4.0,
            label = esc(&short_label(name)),
            name = esc(name),
        );
    }
    if bounds.min_x > bounds.max_x {
        bounds = Bounds {
            min_x: 0.0,
            min_y: 0.0,
            max_x: W,
            max_y: H,
        };
    }
    // Room for arrowheads and strokes around what was measured.
    let margin = 12.0;
    let (vx, vy) = (bounds.min_x - margin, bounds.min_y - margin);
    let (vw, vh) = (
        bounds.max_x - bounds.min_x + 2.0 * margin,
        bounds.max_y - bounds.min_y + 2.0 * margin,
    );
    let mut s = String::new();
    let _ = write!(
        s,
        "<svg class=\"graph\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{vw:.0}\" height=\"{vh:.0}\" viewBox=\"{vx:.1} {vy:.1} {vw:.1} {vh:.1}\">\n<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M 0 0 L 10 5 L 0 10 z\" fill=\"#555\"/></marker><marker id=\"arrow-missing\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M 0 0 L 10 5 L 0 10 z\" fill=\"#c62828\"/></marker></defs>\n"
    );
    s.push_str(&body);
    s.push_str("</svg>\n");
    s
}

/// Width over height of an SVG drawing's `viewBox`.
pub fn aspect(svg: &str) -> Option<f64> {
    let rest = svg.split("viewBox=\"").nth(1)?;
    let numbers: Vec<f64> = rest[..rest.find('"')?]
        .split([' ', ','])
        .filter_map(|t| t.parse().ok())
        .collect();
    match numbers[..] {
        [_, _, w, h] if h > 0.0 => Some(w / h),
        _ => None,
    }
}

/// Graphviz's SVG for the page: the XML prologue and doctype dropped, the root marked as the
/// graph, so it can sit inline in the HTML.
pub fn inline_graphviz_svg(svg: &str) -> Option<String> {
    let start = svg.find("<svg")?;
    let body = &svg[start..];
    Some(body.replacen("<svg", "<svg class=\"graph\"", 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(tables: usize) -> FkGraph {
        let mut graph = DiGraph::new();
        let hub = graph.add_node("public.users".to_string());
        let mut last = hub;
        for i in 0..tables {
            let n = graph.add_node(format!("public.t{i:03}"));
            graph.add_edge(n, hub, FkEdge::Declared(format!("t{i}_user_fkey")));
            if i % 3 == 0 {
                graph.add_edge(n, last, FkEdge::Declared(format!("t{i}_prev_fkey")));
            }
            last = n;
        }
        let other = graph.add_node("billing.invoices".to_string());
        graph.add_edge(other, hub, FkEdge::Suggested("user_id".into()));
        FkGraph { graph }
    }

    fn view_box(svg: &str) -> (f64, f64, f64, f64) {
        let v = svg.split("viewBox=\"").nth(1).unwrap();
        let v: Vec<f64> = v[..v.find('"').unwrap()]
            .split(' ')
            .map(|x| x.parse().unwrap())
            .collect();
        (v[0], v[1], v[2], v[3])
    }

    #[test]
    fn a_large_schema_is_a_block_not_a_column_and_fits_its_view_box() {
        let fk = chain(138);
        let s = svg(&fk, &HashMap::new());
        let (x, y, w, h) = view_box(&s);
        assert!(h < 3.0 * w, "about square, not one tall column: {w} x {h}");
        // Every box and every point of every curve lies inside the view box.
        for rect in s.split("<rect ").skip(1) {
            let attr = |name: &str| -> f64 {
                let v = rect.split(&format!("{name}=\"")).nth(1).unwrap();
                v[..v.find('"').unwrap()].parse().unwrap()
            };
            let (rx, ry, rw, rh) = (attr("x"), attr("y"), attr("width"), attr("height"));
            assert!(
                rx >= x && ry >= y && rx + rw <= x + w && ry + rh <= y + h,
                "rect {rx},{ry} {rw}x{rh} outside {x},{y} {w}x{h}"
            );
        }
        for path in s.split(" d=\"M ").skip(1) {
            let d = &path[..path.find('"').unwrap()];
            let numbers: Vec<f64> = d.split([' ', ',']).filter_map(|t| t.parse().ok()).collect();
            for p in numbers.chunks(2) {
                assert!(
                    p[0] >= x && p[0] <= x + w && p[1] >= y && p[1] <= y + h,
                    "{d} outside {x},{y} {w}x{h}"
                );
            }
        }
        assert!(s.contains("<title>public.t137</title>"));
        assert!(s.contains("class=\"missing\""));
    }

    #[test]
    fn graphviz_input_names_every_table_and_edge() {
        let fk = chain(4);
        let dot = dot_source(&fk, &HashMap::new());
        assert!(dot.starts_with("digraph fk {"));
        assert!(dot.contains("subgraph cluster_0 {\n    label=\"billing\""));
        assert!(dot.contains("\"public.t003\" -> \"public.users\""));
        assert!(dot.contains("style=dashed"));
        assert!(dot.contains("URL=\"#t-public-users\""));
    }
}
