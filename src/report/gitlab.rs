//! `--format gitlab`: GitLab Code Quality (a JSON array of issues with stable fingerprints: the
//! findings' own, `crate::fingerprint`, which survive line moves, reformatting and renamed files).

use super::Report;
use crate::finding::Severity;
use serde_json::{json, Value};
use std::io::{self, Write};

pub fn write(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    let issues: Vec<Value> = report
        .findings
        .iter()
        .map(|f| {
            let severity = match f.severity {
                Severity::Error => "major",
                Severity::Warning => "minor",
                Severity::Info => "info",
            };
            let path = f.file.display().to_string();
            // A report whose findings were not fingerprinted (made in memory) still gets one
            // stable across runs, from what the finding says.
            let fingerprint = f.fingerprint.clone().unwrap_or_else(|| {
                let hash = crate::fingerprint::fnv1a(&[&f.rule, &path, &f.message]);
                format!("{hash:016x}")
            });
            json!({
                "description": f.message,
                "check_name": f.rule,
                "fingerprint": fingerprint,
                "severity": severity,
                "location": {"path": path, "lines": {"begin": f.start.line, "end": f.end.line}},
            })
        })
        .collect();
    serde_json::to_writer_pretty(&mut *out, &issues)?;
    writeln!(out)
}
