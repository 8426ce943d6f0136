//! `--format gitlab`: GitLab Code Quality (a JSON array of issues with stable fingerprints).

use super::Report;
use crate::finding::Severity;
use serde_json::{json, Value};
use std::io::{self, Write};

/// 64-bit FNV-1a: a stable fingerprint across runs and platforms.
fn fingerprint(parts: &[&str]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for byte in part.bytes().chain(std::iter::once(0)) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{hash:016x}")
}

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
            json!({
                "description": f.message,
                "check_name": f.rule,
                "fingerprint": fingerprint(&[&f.rule, &path, &f.message]),
                "severity": severity,
                "location": {"path": path, "lines": {"begin": f.start.line, "end": f.end.line}},
            })
        })
        .collect();
    serde_json::to_writer_pretty(&mut *out, &issues)?;
    writeln!(out)
}
