//! `--format json`: a stable, versioned document. See docs/json-format.md.

use super::Report;
use crate::finding::Severity;
use serde_json::{json, Value};
use std::io::{self, Write};

pub const VERSION: u32 = 1;

pub fn to_value(report: &Report<'_>) -> Value {
    let findings: Vec<Value> = report
        .findings
        .iter()
        .map(|f| {
            json!({
                "rule": f.rule,
                "severity": f.severity,
                "category": f.category,
                "file": f.file.display().to_string(),
                "line": f.start.line,
                "column": f.start.column,
                "end_line": f.end.line,
                "end_column": f.end.column,
                "migration": f.migration,
                "message": f.message,
                "help": f.help,
                "fix": f.fix,
                "lock": f.lock,
                "notes": f.notes,
            })
        })
        .collect();
    json!({
        "version": VERSION,
        "tool": {"name": "pgproof", "version": env!("CARGO_PKG_VERSION")},
        "pg_version": report.pg_version,
        "findings": findings,
        "summary": {
            "files": report.stats.files,
            "migrations": report.stats.migrations,
            "statements": report.stats.statements,
            "unmodelled_statements": report.stats.unmodelled_statements,
            "unmodelled_kinds": report.stats.unmodelled_kinds,
            "findings": {
                "error": report.count(Severity::Error),
                "warning": report.count(Severity::Warning),
                "info": report.count(Severity::Info),
            },
        },
    })
}

/// One finding as written: borrowed, so writing a large report copies nothing.
#[derive(serde::Serialize)]
struct JsonFinding<'a> {
    // Alphabetical, like the keys of `to_value`'s maps.
    category: &'a str,
    column: usize,
    end_column: usize,
    end_line: usize,
    file: std::borrow::Cow<'a, str>,
    fix: &'a Option<crate::finding::Fix>,
    help: &'a Option<String>,
    line: usize,
    lock: &'a Option<crate::syntax::LockMode>,
    message: &'a str,
    migration: &'a Option<String>,
    notes: &'a [String],
    rule: &'a str,
    severity: Severity,
}

#[derive(serde::Serialize)]
struct JsonReport<'a> {
    findings: Vec<JsonFinding<'a>>,
    pg_version: u32,
    summary: Value,
    tool: Value,
    version: u32,
}

/// Writes the same document as [`to_value`], streaming the findings instead of building a tree.
pub fn write(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    let mut value = to_value(&Report {
        findings: &[],
        ..*report
    });
    let doc = JsonReport {
        version: VERSION,
        tool: value["tool"].take(),
        pg_version: report.pg_version,
        findings: report
            .findings
            .iter()
            .map(|f| JsonFinding {
                rule: &f.rule,
                severity: f.severity,
                category: &f.category,
                file: f.file.to_string_lossy(),
                line: f.start.line,
                column: f.start.column,
                end_line: f.end.line,
                end_column: f.end.column,
                migration: &f.migration,
                message: &f.message,
                help: &f.help,
                fix: &f.fix,
                lock: &f.lock,
                notes: &f.notes,
            })
            .collect(),
        summary: {
            let mut summary = value["summary"].take();
            summary["findings"] = json!({
                "error": report.count(Severity::Error),
                "warning": report.count(Severity::Warning),
                "info": report.count(Severity::Info),
            });
            summary
        },
    };
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}
