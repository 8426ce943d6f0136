//! Output formats of `pgproof audit`: findings about database objects rather than file lines.
//! Human, JSON, SARIF (logical locations), Markdown, and one self-contained HTML page with the
//! foreign-key graph drawn as inline SVG.

use crate::catalog::Catalog;
use crate::finding::{Category, Fix, RuleId, Severity};
use crate::syntax::{ConstraintKind, QualName};
use crate::text::human_bytes;
use comfy_table::Table as TextTable;
use petgraph::graph::{DiGraph, NodeIndex};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::io::{self, Write};

/// A finding about a database object: named by the object, not by a file and line.
#[derive(Debug, Clone, Serialize)]
pub struct ObjectFinding {
    pub rule: RuleId,
    pub severity: Severity,
    pub category: Category,
    /// `schema.table`, `schema.table.column`, `schema.table.constraint`, `schema.index` or
    /// `schema.function`.
    pub object: String,
    /// The table the finding belongs to (`schema.table`), for grouping.
    pub table: String,
    pub message: String,
    /// Facts from the database behind the finding: row estimates, sizes, scan counts.
    pub evidence: Vec<String>,
    pub help: Option<String>,
    pub fix: Option<Fix>,
}

/// Everything an audit format may need.
pub struct AuditReport<'a> {
    /// The database, as `user@host:port/db` (never with a password).
    pub database: &'a str,
    pub server_version: u32,
    pub catalog: &'a Catalog,
    /// Sorted: severity (worst first), then object, then rule.
    pub findings: &'a [ObjectFinding],
    /// Findings left out by `[[ignore]]` entries in the config.
    pub ignored: usize,
}

/// The formats of an audit report. The command line's own enum (`cli::AuditFormat`, with its help
/// text) maps onto this one in `commands/audit.rs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditFormat {
    /// Findings by severity, with evidence and fixes, and an overview table.
    Human,
    /// Stable JSON (`"version": 1`): findings carry `object` instead of file and line.
    Json,
    /// SARIF 2.1.0 with logical locations (the database objects).
    Sarif,
    /// A Markdown report, for an issue or a wiki page.
    Markdown,
    /// One self-contained HTML file (no external assets) with the foreign-key graph.
    Html,
}

pub fn write(format: AuditFormat, report: &AuditReport<'_>, out: &mut dyn Write) -> io::Result<()> {
    match format {
        AuditFormat::Human => write_human(report, out),
        AuditFormat::Json => write_json(report, out),
        AuditFormat::Sarif => write_sarif(report, out),
        AuditFormat::Markdown => write_markdown(report, out),
        AuditFormat::Html => write_html(report, out),
    }
}

fn counts(findings: &[ObjectFinding]) -> BTreeMap<&'static str, usize> {
    let mut counts = BTreeMap::new();
    for f in findings {
        *counts.entry(f.severity.name()).or_insert(0) += 1;
    }
    counts
}

/// One overview row per table: rows, size, findings.
struct Overview {
    table: String,
    rows: Option<f64>,
    size: Option<i64>,
    findings: usize,
    worst: Option<Severity>,
}

fn overview(report: &AuditReport<'_>) -> Vec<Overview> {
    let mut rows: BTreeMap<String, Overview> = report
        .catalog
        .logical_tables()
        .map(|t| {
            let name = qualified(&t.name);
            (
                name.clone(),
                Overview {
                    table: name,
                    rows: t.row_estimate,
                    size: t.size_bytes,
                    findings: 0,
                    worst: None,
                },
            )
        })
        .collect();
    for f in report.findings {
        if let Some(row) = rows.get_mut(&f.table) {
            row.findings += 1;
            row.worst = row.worst.max(Some(f.severity));
        }
    }
    rows.into_values().collect()
}

fn overview_table(report: &AuditReport<'_>) -> TextTable {
    let mut table = TextTable::new();
    table.load_preset(comfy_table::presets::ASCII_MARKDOWN);
    table.set_header(vec!["table", "rows (estimate)", "size", "findings"]);
    for row in overview(report) {
        table.add_row(vec![
            row.table,
            rows_text(row.rows),
            row.size.map_or("?".into(), human_bytes),
            row.findings.to_string(),
        ]);
    }
    table
}

fn category_table(report: &AuditReport<'_>) -> TextTable {
    let mut per: BTreeMap<&str, [usize; 3]> = BTreeMap::new();
    for f in report.findings {
        let slot = match f.severity {
            Severity::Error => 0,
            Severity::Warning => 1,
            Severity::Info => 2,
        };
        per.entry(f.category.name()).or_default()[slot] += 1;
    }
    let mut table = TextTable::new();
    table.load_preset(comfy_table::presets::ASCII_MARKDOWN);
    table.set_header(vec!["category", "error", "warning", "info"]);
    for (category, [e, w, i]) in per {
        table.add_row(vec![
            category.to_string(),
            e.to_string(),
            w.to_string(),
            i.to_string(),
        ]);
    }
    table
}

fn summary_line(report: &AuditReport<'_>) -> String {
    let c = counts(report.findings);
    let mut line = format!(
        "{} tables, {} indexes: {} findings ({} error, {} warning, {} info)",
        report.catalog.tables.len(),
        report.catalog.indexes.len(),
        report.findings.len(),
        c.get("error").unwrap_or(&0),
        c.get("warning").unwrap_or(&0),
        c.get("info").unwrap_or(&0),
    );
    if report.ignored > 0 {
        let _ = write!(line, ", {} ignored by config", report.ignored);
    }
    line
}

fn write_human(report: &AuditReport<'_>, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "pgproof audit of {} (PostgreSQL {})\n",
        report.database, report.server_version
    )?;
    for f in report.findings {
        writeln!(
            out,
            "{} [{}] {}: {}",
            f.severity.name(),
            f.rule,
            f.object,
            f.message
        )?;
        if !f.evidence.is_empty() {
            writeln!(out, "  evidence: {}", f.evidence.join("; "))?;
        }
        if let Some(help) = &f.help {
            writeln!(out, "  help: {help}")?;
        }
        if let Some(fix) = &f.fix {
            writeln!(out, "  fix ({}):", fix.applicability.name())?;
            for line in fix.sql.lines() {
                writeln!(out, "    {line}")?;
            }
        }
    }
    writeln!(out, "\n{}", overview_table(report))?;
    if !report.findings.is_empty() {
        writeln!(out, "\n{}", category_table(report))?;
    }
    writeln!(out, "{}", summary_line(report))
}

#[derive(Serialize)]
struct JsonDocument<'a> {
    version: u32,
    database: &'a str,
    server_version: u32,
    findings: &'a [ObjectFinding],
    summary: JsonSummary,
}

#[derive(Serialize)]
struct JsonSummary {
    tables: usize,
    indexes: usize,
    findings: BTreeMap<&'static str, usize>,
    ignored: usize,
}

fn write_json(report: &AuditReport<'_>, out: &mut dyn Write) -> io::Result<()> {
    let doc = JsonDocument {
        version: 1,
        database: report.database,
        server_version: report.server_version,
        findings: report.findings,
        summary: JsonSummary {
            tables: report.catalog.tables.len(),
            indexes: report.catalog.indexes.len(),
            findings: counts(report.findings),
            ignored: report.ignored,
        },
    };
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}

fn write_sarif(report: &AuditReport<'_>, out: &mut dyn Write) -> io::Result<()> {
    use super::sarif::level;
    use serde_json::json;
    let rules = super::sarif::rule_descriptors();
    let results: Vec<serde_json::Value> = report
        .findings
        .iter()
        .map(|f| {
            let rule_index = crate::rules::RULES
                .iter()
                .position(|r| r.meta().id == f.rule)
                .unwrap_or(0);
            let text = super::sarif::message_text(&f.message, f.help.as_deref());
            let kind = if f.object == f.table {
                "table"
            } else {
                "member"
            };
            json!({
                "ruleId": f.rule,
                "ruleIndex": rule_index,
                "level": level(f.severity),
                "message": {"text": text},
                "locations": [{
                    "logicalLocations": [{"fullyQualifiedName": f.object, "kind": kind}],
                }],
                "properties": {"category": f.category, "evidence": f.evidence, "fix": f.fix},
            })
        })
        .collect();
    let mut doc = super::sarif::document(rules, results);
    doc["runs"][0]["properties"] =
        json!({"database": report.database, "serverVersion": report.server_version});
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}

fn write_markdown(report: &AuditReport<'_>, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "# Schema audit of `{}`\n", report.database)?;
    writeln!(
        out,
        "PostgreSQL {}, audited by pgproof {}. {}.\n",
        report.server_version,
        env!("CARGO_PKG_VERSION"),
        summary_line(report)
    )?;
    writeln!(out, "## Tables\n\n{}\n", overview_table(report))?;
    if !report.findings.is_empty() {
        writeln!(
            out,
            "## Findings by category\n\n{}\n",
            category_table(report)
        )?;
    }
    for severity in [Severity::Error, Severity::Warning, Severity::Info] {
        let group: Vec<&ObjectFinding> = report
            .findings
            .iter()
            .filter(|f| f.severity == severity)
            .collect();
        if group.is_empty() {
            continue;
        }
        writeln!(out, "## {} ({})\n", title(severity), group.len())?;
        let mut current_table = "";
        for f in group {
            if f.table != current_table {
                writeln!(out, "### `{}`\n", f.table)?;
                current_table = &f.table;
            }
            writeln!(out, "- **{}** `{}`: {}", f.rule, f.object, f.message)?;
            if !f.evidence.is_empty() {
                writeln!(out, "  - evidence: {}", f.evidence.join("; "))?;
            }
            if let Some(help) = &f.help {
                writeln!(out, "  - help: {help}")?;
            }
            if let Some(fix) = &f.fix {
                writeln!(out, "  - fix ({}):\n\n    ```sql", fix.applicability.name())?;
                for line in fix.sql.lines() {
                    writeln!(out, "    {line}")?;
                }
                writeln!(out, "    ```")?;
            }
        }
        writeln!(out)?;
    }
    Ok(())
}

fn title(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "Errors",
        Severity::Warning => "Warnings",
        Severity::Info => "Notes",
    }
}

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

fn write_html(report: &AuditReport<'_>, out: &mut dyn Write) -> io::Result<()> {
    let fk = fk_graph(report.catalog, report.findings);
    let rows = overview(report);
    let worst: HashMap<&str, Option<Severity>> =
        rows.iter().map(|r| (r.table.as_str(), r.worst)).collect();
    let mut html = String::new();
    let _ = write!(
        html,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Schema audit of {db}</title>\n<style>{css}</style>\n</head>\n<body>\n<h1>Schema audit of <code>{db}</code></h1>\n<p>PostgreSQL {v}, audited by pgproof {pv}. {summary}.</p>\n",
        db = esc(report.database),
        css = CSS,
        v = report.server_version,
        pv = env!("CARGO_PKG_VERSION"),
        summary = esc(&summary_line(report)),
    );
    html.push_str("<h2>Foreign-key graph</h2>\n<p class=\"legend\"><span class=\"sw error\"></span>error <span class=\"sw warning\"></span>warning <span class=\"sw info\"></span>info <span class=\"sw clean\"></span>no finding &nbsp; solid arrow: foreign key; dashed red arrow: missing foreign key (suggested)</p>\n");
    html.push_str(&svg(&fk, &worst));
    let dot = petgraph::dot::Dot::with_attr_getters(
        &fk.graph,
        &[],
        &|_, e| match e.weight() {
            FkEdge::Declared(_) => String::new(),
            FkEdge::Suggested(_) => "style=dashed color=red".into(),
        },
        &|_, _| "shape=box".into(),
    );
    let _ = writeln!(
        html,
        "<details><summary>Graphviz source (render with <code>dot -Tsvg</code>)</summary><pre>{}</pre></details>",
        esc(&format!("{dot}"))
    );
    html.push_str("<h2>Tables</h2>\n<table><tr><th>table</th><th>rows (estimate)</th><th>size</th><th>findings</th></tr>\n");
    for row in &rows {
        let _ = writeln!(
            html,
            "<tr><td><a href=\"#{id}\">{t}</a></td><td class=\"n\">{r}</td><td class=\"n\">{s}</td><td class=\"n {w}\">{f}</td></tr>",
            id = anchor(&row.table),
            t = esc(&row.table),
            r = rows_text(row.rows),
            s = row.size.map_or("?".into(), human_bytes),
            w = row.worst.map_or("clean", |s| s.name()),
            f = row.findings,
        );
    }
    html.push_str("</table>\n<h2>Findings</h2>\n");
    let mut by_table: BTreeMap<&str, Vec<&ObjectFinding>> = BTreeMap::new();
    for f in report.findings {
        by_table.entry(f.table.as_str()).or_default().push(f);
    }
    // Tables with the worst findings first, then by name.
    let mut tables: Vec<(&str, Vec<&ObjectFinding>)> = by_table.into_iter().collect();
    tables.sort_by_key(|(name, fs)| {
        (
            std::cmp::Reverse(fs.iter().map(|f| f.severity).max()),
            *name,
        )
    });
    if tables.is_empty() {
        html.push_str("<p>No findings.</p>\n");
    }
    for (table, findings) in tables {
        let _ = writeln!(
            html,
            "<h3 id=\"{}\"><code>{}</code></h3>",
            anchor(table),
            esc(table)
        );
        for f in findings {
            let _ = write!(
                html,
                "<div class=\"finding {sev}\"><p><span class=\"badge {sev}\">{sev}</span> <b>{rule}</b> <code>{object}</code></p><p>{msg}</p>",
                sev = f.severity.name(),
                rule = esc(&f.rule),
                object = esc(&f.object),
                msg = esc(&f.message),
            );
            if !f.evidence.is_empty() {
                let _ = write!(
                    html,
                    "<p class=\"evidence\">evidence: {}</p>",
                    esc(&f.evidence.join("; "))
                );
            }
            if let Some(help) = &f.help {
                let _ = write!(html, "<p class=\"help\">{}</p>", esc(help));
            }
            if let Some(fix) = &f.fix {
                let _ = write!(
                    html,
                    "<p class=\"fixlabel\">fix ({})</p><pre>{}</pre>",
                    fix.applicability.name(),
                    esc(&fix.sql)
                );
            }
            html.push_str("</div>\n");
        }
    }
    html.push_str("</body>\n</html>\n");
    out.write_all(html.as_bytes())
}

/// Lays the graph out in layers (referenced tables above the tables that reference them) and
/// draws it as inline SVG.
fn svg(fk: &FkGraph, worst: &HashMap<&str, Option<Severity>>) -> String {
    const W: f64 = 190.0;
    const H: f64 = 30.0;
    const GAP_X: f64 = 48.0;
    const GAP_Y: f64 = 56.0;
    const PER_ROW: usize = 8;
    let g = &fk.graph;
    // Layer = length of the longest chain of declared references below a table (cycles cut).
    let mut layer: HashMap<NodeIndex, usize> = HashMap::new();
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
            let t = petgraph::visit::EdgeRef::target(&e);
            if matches!(e.weight(), FkEdge::Declared(_)) && t != n && !stack.contains(&t) {
                d = d.max(depth(g, t, layer, stack) + 1);
            }
        }
        stack.pop();
        layer.insert(n, d);
        d
    }
    // One column per schema (schemas that others reference most come first), tables stacked by
    // layer inside it, columns wrapped into bands: edges within a product area stay short.
    let mut by_schema: BTreeMap<&str, Vec<NodeIndex>> = BTreeMap::new();
    for n in g.node_indices() {
        depth(g, n, &mut layer, &mut vec![]);
        let schema = g[n].split('.').next().unwrap_or_default();
        by_schema.entry(schema).or_default().push(n);
    }
    let mut inbound: HashMap<&str, usize> = HashMap::new();
    for e in g.edge_indices() {
        if let Some((a, b)) = g.edge_endpoints(e) {
            let (sa, sb) = (
                g[a].split('.').next().unwrap_or_default(),
                g[b].split('.').next().unwrap_or_default(),
            );
            if sa != sb {
                *inbound.entry(sb).or_default() += 1;
            }
        }
    }
    let mut schemas: Vec<(&str, Vec<NodeIndex>)> = by_schema.into_iter().collect();
    schemas.sort_by_key(|(name, _)| {
        (
            std::cmp::Reverse(inbound.get(name).copied().unwrap_or(0)),
            *name,
        )
    });
    let mut pos: HashMap<NodeIndex, (f64, f64)> = HashMap::new();
    let mut labels: Vec<(f64, f64, &str)> = vec![];
    let mut band_top = 10.0;
    let mut width: f64 = W + 20.0;
    let mut height_used: f64 = 0.0;
    for band in schemas.chunks_mut(PER_ROW) {
        let mut tallest = 0usize;
        for (i, (schema, nodes)) in band.iter_mut().enumerate() {
            nodes.sort_by(|a, b| layer[a].cmp(&layer[b]).then_with(|| g[*a].cmp(&g[*b])));
            let x = 10.0 + i as f64 * (W + GAP_X);
            labels.push((x, band_top + 12.0, schema));
            for (k, &n) in nodes.iter().enumerate() {
                pos.insert(n, (x, band_top + 20.0 + k as f64 * (H + GAP_Y)));
            }
            tallest = tallest.max(nodes.len());
            width = width.max(x + W + 10.0);
        }
        band_top += 20.0 + tallest as f64 * (H + GAP_Y) + GAP_Y / 2.0;
        height_used = band_top;
    }
    let height = height_used + 10.0;
    let mut s = String::new();
    let _ = write!(
        s,
        "<svg class=\"graph\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{width:.0}\" height=\"{height:.0}\" viewBox=\"0 0 {width:.0} {height:.0}\">\n<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M 0 0 L 10 5 L 0 10 z\" fill=\"#555\"/></marker><marker id=\"arrow-missing\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M 0 0 L 10 5 L 0 10 z\" fill=\"#c62828\"/></marker></defs>\n"
    );
    for e in g.edge_indices() {
        let Some((a, b)) = g.edge_endpoints(e) else {
            continue;
        };
        let (Some(&(ax, ay)), Some(&(bx, by))) = (pos.get(&a), pos.get(&b)) else {
            continue;
        };
        if a == b {
            continue;
        }
        // From the referencing box's top edge to the referenced box's bottom edge (or sideways
        // within a row).
        // Boxes in one column that are not neighbours: bow the edge out to the right so it does
        // not run through the boxes between them.
        let same_column = (ax - bx).abs() < 1.0;
        let far = (ay - by).abs() > H + GAP_Y + 1.0;
        let (x1, y1, x2, y2) = if same_column && far {
            (ax + W, ay + H / 2.0, bx + W, by + H / 2.0)
        } else if (ay - by).abs() < 1.0 {
            let (x1, x2) = if ax < bx { (ax + W, bx) } else { (ax, bx + W) };
            (x1, ay + H / 2.0, x2, by + H / 2.0)
        } else if ay > by {
            (ax + W / 2.0, ay, bx + W / 2.0, by + H)
        } else {
            (ax + W / 2.0, ay + H, bx + W / 2.0, by)
        };
        let bow = if same_column && far {
            18.0 + ((ay - by).abs() / (H + GAP_Y)) * 6.0
        } else {
            0.0
        };
        let (class, marker, label) = match &g[e] {
            FkEdge::Declared(name) => ("fk", "arrow", name.as_str()),
            FkEdge::Suggested(column) => ("missing", "arrow-missing", column.as_str()),
        };
        let stroke = if class == "fk" {
            "stroke=\"#555\" stroke-width=\"1.2\""
        } else {
            "stroke=\"#c62828\" stroke-width=\"1.4\" stroke-dasharray=\"5 4\""
        };
        let _ = writeln!(
            s,
            "<path class=\"{class}\" {stroke} fill=\"none\" d=\"M {x1:.1} {y1:.1} C {c1:.1} {y1:.1}, {c2:.1} {y2:.1}, {x2:.1} {y2:.1}\" marker-end=\"url(#{marker})\"><title>{} → {}: {}</title></path>",
            esc(&g[a]),
            esc(&g[b]),
            esc(label),
            c1 = x1 + bow,
            c2 = x2 + bow,
        );
    }
    for n in g.node_indices() {
        let Some(&(x, y)) = pos.get(&n) else { continue };
        let name = &g[n];
        let class = worst
            .get(name.as_str())
            .copied()
            .flatten()
            .map_or("clean", |s| s.name());
        let short = name.split_once('.').map_or(name.as_str(), |(_, t)| t);
        let label: String = if short.chars().count() > 26 {
            format!("{}…", short.chars().take(25).collect::<String>())
        } else {
            short.to_string()
        };
        let _ = writeln!(
            s,
            "<a href=\"#{id}\"><g class=\"node {class}\"><rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{W}\" height=\"{H}\" rx=\"4\" fill=\"{fill}\" stroke=\"{stroke}\"/><text x=\"{tx:.1}\" y=\"{ty:.1}\" font-size=\"12\" font-family=\"sans-serif\" text-anchor=\"middle\" fill=\"#222\">{label}</text><title>{name}</title></g></a>",
            fill = match class { "error" => "#ffebee", "warning" => "#fff3e0", "info" => "#e3f2fd", _ => "#e8f5e9" },
            stroke = match class { "error" => "#c62828", "warning" => "#ef6c00", "info" => "#1565c0", _ => "#2e7d32" },
            id = anchor(name),
            tx = x + W / 2.0,
            ty = y + H / 2.0 + 4.0,
            label = esc(&label),
            name = esc(name),
        );
    }
    for (x, y, schema) in labels {
        let _ = writeln!(
            s,
            "<text x=\"{x:.1}\" y=\"{y:.1}\" font-size=\"13\" font-weight=\"bold\" font-family=\"sans-serif\" fill=\"#444\">{}</text>",
            esc(schema)
        );
    }
    s.push_str("</svg>\n");
    format!("<div class=\"graphbox\">{s}</div>\n")
}

const CSS: &str = "body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2em auto;max-width:1200px;padding:0 1em;color:#222}\
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}\
pre{background:#f6f8fa;padding:.6em;overflow-x:auto;border-radius:4px}\
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ddd;padding:.25em .6em;text-align:left}td.n{text-align:right}\
.finding{border-left:4px solid #999;padding:.1em .8em;margin:.6em 0;background:#fcfcfc}\
.finding.error{border-color:#c62828}.finding.warning{border-color:#ef6c00}.finding.info{border-color:#1565c0}\
.badge{color:#fff;border-radius:3px;padding:0 .4em;font-size:12px}.badge.error{background:#c62828}.badge.warning{background:#ef6c00}.badge.info{background:#1565c0}\
td.error{color:#c62828;font-weight:bold}td.warning{color:#ef6c00;font-weight:bold}\
.evidence{color:#555}.help{color:#333}.fixlabel{margin-bottom:0;color:#555}\
.graphbox{overflow:auto;border:1px solid #ddd;max-height:80vh}\
.node rect{fill:#e8f5e9;stroke:#2e7d32}.node.error rect{fill:#ffebee;stroke:#c62828}.node.warning rect{fill:#fff3e0;stroke:#ef6c00}.node.info rect{fill:#e3f2fd;stroke:#1565c0}\
.node text{font-size:12px;text-anchor:middle;fill:#222}\
\
.legend .sw{display:inline-block;width:12px;height:12px;border:1px solid #999;margin:0 .2em 0 .8em;vertical-align:middle}\
.sw.error{background:#ffebee}.sw.warning{background:#fff3e0}.sw.info{background:#e3f2fd}.sw.clean{background:#e8f5e9}";

fn esc(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn anchor(table: &str) -> String {
    let mut id = String::from("t-");
    for c in table.chars() {
        id.push(if c.is_ascii_alphanumeric() { c } else { '-' });
    }
    id
}

/// `schema.table` without quoting, as findings name objects.
pub fn qualified(name: &QualName) -> String {
    format!("{}.{}", name.schema, name.name)
}

fn rows_text(rows: Option<f64>) -> String {
    rows.map_or("?".into(), |r| format!("{}", r.max(0.0) as u64))
}
