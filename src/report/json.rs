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

pub fn write(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &to_value(report))?;
    writeln!(out)
}
