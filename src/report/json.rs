//! `--format json`: a stable, versioned document. See docs/json-format.md.
//!
//! The document is written straight from borrowed structs, so a large report copies nothing.
//! Keys are in alphabetical order in every object (the order the format has always had).

use super::Report;
use crate::finding::{Fix, Severity};
use crate::syntax::LockMode;
use serde::Serialize;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::{self, Write};

pub const VERSION: u32 = 1;

#[derive(Serialize)]
struct Document<'a> {
    findings: Vec<JsonFinding<'a>>,
    pg_version: u32,
    summary: Summary<'a>,
    tool: Tool,
    version: u32,
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    category: &'a str,
    column: usize,
    end_column: usize,
    end_line: usize,
    file: Cow<'a, str>,
    fix: &'a Option<Fix>,
    help: &'a Option<String>,
    line: usize,
    lock: &'a Option<LockMode>,
    message: &'a str,
    migration: &'a Option<String>,
    notes: &'a [String],
    rule: &'a str,
    severity: Severity,
}

#[derive(Serialize)]
struct Summary<'a> {
    files: usize,
    findings: Counts,
    migrations: usize,
    /// Application queries checked (`--queries`), after de-duplication.
    queries: usize,
    statements: usize,
    unmodelled_kinds: &'a BTreeMap<String, usize>,
    unmodelled_statements: usize,
}

#[derive(Serialize)]
struct Counts {
    error: usize,
    info: usize,
    warning: usize,
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

pub fn write(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    let stats = report.stats;
    let doc = Document {
        findings: report
            .findings
            .iter()
            .map(|f| JsonFinding {
                category: &f.category,
                column: f.start.column,
                end_column: f.end.column,
                end_line: f.end.line,
                file: f.file.to_string_lossy(),
                fix: &f.fix,
                help: &f.help,
                line: f.start.line,
                lock: &f.lock,
                message: &f.message,
                migration: &f.migration,
                notes: &f.notes,
                rule: &f.rule,
                severity: f.severity,
            })
            .collect(),
        pg_version: report.pg_version,
        summary: Summary {
            files: stats.files,
            findings: Counts {
                error: report.count(Severity::Error),
                info: report.count(Severity::Info),
                warning: report.count(Severity::Warning),
            },
            migrations: stats.migrations,
            queries: stats.queries,
            statements: stats.statements,
            unmodelled_kinds: &stats.unmodelled_kinds,
            unmodelled_statements: stats.unmodelled_statements,
        },
        tool: Tool {
            name: "pgproof",
            version: env!("CARGO_PKG_VERSION"),
        },
        version: VERSION,
    };
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}
