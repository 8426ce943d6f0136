//! Output formats of `pgproof audit`: findings about database objects rather than file lines.
//! Human, JSON, SARIF (logical locations), Markdown, and one self-contained HTML page with the
//! foreign-key graph drawn as inline SVG.

use super::fk_graph;
use crate::catalog::Catalog;
use crate::finding::{Category, Fix, RuleId, Severity};
use crate::syntax::QualName;
use crate::text::human_bytes;
use comfy_table::Table as TextTable;
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
    /// A place in a file for the finding: the statement that created the object (with
    /// `--migrations`), or the query a query finding is about. SARIF's physical location.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<SourceLocation>,
    /// The object as the schema rules name it (a table or function, and a member), for finding
    /// the migration that created it.
    #[serde(skip)]
    pub anchor: Option<(QualName, Option<crate::finding::Member>)>,
}

/// A place in a file: 1-based lines, columns in characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceLocation {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    /// The migration whose statement it is (None for a query file).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub migration: Option<String>,
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
    /// The foreign-key graph as Graphviz drew it (the command runs `dot` when it is on the PATH);
    /// None: pgproof's own layout ([`fk_graph::svg`]).
    pub graph_svg: Option<&'a str>,
    /// What a baseline file (`--baseline`) left out, when one was read.
    pub baseline: Option<&'a super::BaselineSummary>,
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
    if let Some(baseline) = report.baseline {
        let _ = write!(line, "; {}", baseline.describe());
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
        if let Some(place) = f.location.as_ref().filter(|l| l.migration.is_some()) {
            writeln!(out, "  created at: {}:{}", place.file, place.line)?;
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
    /// Findings left out by `--baseline`, and its entries that matched nothing.
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline: Option<serde_json::Value>,
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
            baseline: report.baseline.map(|b| {
                serde_json::json!({
                    "file": b.file.display().to_string(),
                    "baselined": b.baselined,
                    "stale": b.stale,
                })
            }),
        },
    };
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}

fn write_sarif(report: &AuditReport<'_>, out: &mut dyn Write) -> io::Result<()> {
    use super::sarif::level;
    use serde_json::json;
    let rules = super::sarif::rule_descriptors();
    let fingerprints = crate::fingerprint::of_objects(
        report
            .findings
            .iter()
            .map(|f| (f.rule.as_str(), f.object.as_str())),
    );
    let results: Vec<serde_json::Value> = report
        .findings
        .iter()
        .zip(fingerprints)
        .map(|(f, fingerprint)| {
            let rule_index = crate::rules::RULES
                .iter()
                .position(|r| r.meta().id == f.rule)
                .unwrap_or(0);
            let text = super::sarif::message_text(&f.message, f.help.as_deref());
            let kind = match &f.anchor {
                Some((name, None)) if report.catalog.functions.contains_key(name) => "function",
                Some((_, Some(_))) => "member",
                Some((_, None)) => "table",
                // Query findings and unused `[[ignore]]` entries are about no database object.
                None => "resource",
            };
            let mut location = json!({
                "logicalLocations": [{"fullyQualifiedName": f.object, "kind": kind}],
            });
            if let Some(place) = &f.location {
                location["physicalLocation"] = json!({
                    "artifactLocation": {"uri": place.file.replace('\\', "/")},
                    "region": {
                        "startLine": place.line,
                        "startColumn": place.column,
                        "endLine": place.end_line,
                        "endColumn": place.end_column.max(1),
                    }
                });
            }
            json!({
                "ruleId": f.rule,
                "ruleIndex": rule_index,
                "level": level(f.severity),
                "message": {"text": text},
                "locations": [location],
                "partialFingerprints": {crate::fingerprint::SCHEME: fingerprint},
                "properties": {"category": f.category, "evidence": f.evidence, "fix": f.fix},
            })
        })
        .collect();
    let mut doc = super::sarif::document(rules, results);
    doc["runs"][0]["columnKind"] = json!("unicodeCodePoints");
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

fn write_html(report: &AuditReport<'_>, out: &mut dyn Write) -> io::Result<()> {
    let fk = fk_graph::fk_graph(report.catalog, report.findings);
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
    let drawing = match report.graph_svg {
        Some(rendered) => rendered.to_string(),
        None => fk_graph::svg(&fk, &worst),
    };
    let _ = writeln!(html, "<div class=\"graphbox\">{drawing}</div>");
    let _ = writeln!(
        html,
        "<details><summary>Graphviz source (render with <code>dot -Tsvg</code>)</summary><pre>{}</pre></details>",
        esc(&fk_graph::dot_source(&fk, &worst))
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

pub(super) fn esc(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

pub(super) fn anchor(table: &str) -> String {
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
