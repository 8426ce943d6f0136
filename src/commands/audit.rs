//! `pgproof audit`: read a live database's catalog (read-only) and run the schema rules on it.

use super::{emit, Outcome};
use crate::catalog::Catalog;
use crate::cli::{AuditArgs, AuditFormat};
use crate::config;
use crate::finding::{Fix, Severity};
use crate::live::introspect::{read_catalog, Scope};
use crate::live::{self, Session};
use crate::rules::{Member, SchemaContext, RULES};
use anyhow::{bail, Result};
use comfy_table::Table as TextTable;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;

/// A finding about a database object: named by the object, not by a file and line.
#[derive(Debug, Clone, Serialize)]
pub struct ObjectFinding {
    pub rule: &'static str,
    pub severity: Severity,
    pub category: &'static str,
    /// `schema.table`, `schema.table.column`, `schema.table.constraint`, `schema.index` or
    /// `schema.function`.
    pub object: String,
    pub message: String,
    pub help: Option<String>,
    pub fix: Option<Fix>,
}

/// Runs every enabled schema rule on `catalog`; findings sorted by severity (worst first), then object.
pub fn audit_catalog(
    catalog: &Catalog,
    pg_version: u32,
    settings: &config::Settings,
) -> Vec<ObjectFinding> {
    let cx = SchemaContext::new(catalog, pg_version);
    let mut out = vec![];
    for rule in RULES.iter().filter(|r| settings.is_enabled(r.meta().id)) {
        let meta = rule.meta();
        let Some(severity) = settings.severity_of(meta.id, meta.severity) else {
            continue;
        };
        let mut found = vec![];
        rule.check_schema(&cx, &mut found);
        for d in found {
            let object = match &d.member {
                None => format!("{}.{}", d.table.schema, d.table.name),
                Some(Member::Column(c) | Member::Constraint(c)) => {
                    format!("{}.{}.{c}", d.table.schema, d.table.name)
                }
                Some(Member::Index(i)) => format!("{}.{i}", d.table.schema),
            };
            out.push(ObjectFinding {
                rule: meta.id,
                severity,
                category: meta.category.name(),
                object,
                message: d.diagnostic.message,
                help: d.diagnostic.help,
                fix: d.diagnostic.fix,
            });
        }
    }
    out.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.object.cmp(&b.object))
            .then_with(|| a.rule.cmp(b.rule))
    });
    out
}

pub fn run(args: &AuditArgs) -> Result<Outcome> {
    let config_path = match &args.config {
        Some(p) if !p.is_file() => bail!("config file `{}` does not exist", p.display()),
        Some(p) => Some(p.clone()),
        None => config::find_config(Path::new(".")),
    };
    let mut settings = config::load(config_path.as_deref())?;
    if let Some(fail_on) = args.fail_on {
        settings.fail_on = fail_on;
    }
    let connection = live::config(args.database_url.as_deref())?;
    let session = Session::open(&connection)?;
    let server = session.server_major()?;
    let catalog = read_catalog(
        &session,
        &Scope {
            schemas: args.schemas.clone(),
        },
    )?;
    drop(session);
    let findings = audit_catalog(&catalog, server, &settings);
    let described = live::describe(&connection);
    emit(|out| match args.format {
        AuditFormat::Json => {
            let mut counts = BTreeMap::new();
            for f in &findings {
                *counts.entry(f.severity.name()).or_insert(0usize) += 1;
            }
            let doc = serde_json::json!({
                "version": 1,
                "database": described,
                "server_version": server,
                "findings": findings,
                "summary": {
                    "tables": catalog.tables.len(),
                    "indexes": catalog.indexes.len(),
                    "findings": counts,
                },
            });
            serde_json::to_writer_pretty(&mut *out, &doc)?;
            writeln!(out)
        }
        AuditFormat::Human => write_human(out, &described, server, &catalog, &findings),
    })?;
    Ok(
        if findings.iter().any(|f| settings.fail_on.fails(f.severity)) {
            Outcome::Findings
        } else {
            Outcome::Clean
        },
    )
}

fn write_human(
    out: &mut dyn std::io::Write,
    described: &str,
    server: u32,
    catalog: &Catalog,
    findings: &[ObjectFinding],
) -> std::io::Result<()> {
    writeln!(out, "pgproof audit of {described} (PostgreSQL {server})\n")?;
    for f in findings {
        writeln!(
            out,
            "{} [{}] {}: {}",
            f.severity.name(),
            f.rule,
            f.object,
            f.message
        )?;
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
    let mut per_table: BTreeMap<String, (Option<f64>, usize)> = catalog
        .tables
        .values()
        .map(|t| {
            (
                format!("{}.{}", t.name.schema, t.name.name),
                (t.row_estimate, 0),
            )
        })
        .collect();
    for f in findings {
        let table: String = f
            .object
            .splitn(3, '.')
            .take(2)
            .collect::<Vec<_>>()
            .join(".");
        if let Some(entry) = per_table.get_mut(&table) {
            entry.1 += 1;
        }
    }
    let mut table = TextTable::new();
    table.load_preset(comfy_table::presets::ASCII_MARKDOWN);
    table.set_header(vec!["table", "rows (estimate)", "findings"]);
    for (name, (rows, count)) in &per_table {
        table.add_row(vec![
            name.clone(),
            rows.map_or("?".into(), |r| format!("{}", r.max(0.0) as u64)),
            count.to_string(),
        ]);
    }
    writeln!(out, "\n{table}")?;
    writeln!(
        out,
        "{} tables, {} indexes, {} findings",
        catalog.tables.len(),
        catalog.indexes.len(),
        findings.len()
    )
}
