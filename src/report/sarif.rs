//! `--format sarif`: SARIF 2.1.0, one run, every rule with its help text.

use super::Report;
use crate::finding::Severity;
use crate::rules::RULES;
use serde_json::{json, Value};
use std::io::{self, Write};

pub(crate) fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// A result's message: the finding, then its help on a line of its own.
pub(crate) fn message_text(message: &str, help: Option<&str>) -> String {
    match help {
        Some(help) => format!("{message}\nhelp: {help}"),
        None => message.to_string(),
    }
}

/// Every rule as a SARIF `reportingDescriptor`, in registry order (results refer to them by index).
pub(crate) fn rule_descriptors() -> Vec<Value> {
    RULES
        .iter()
        .map(|r| {
            let meta = r.meta();
            json!({
                "id": meta.id,
                "name": meta.id,
                "shortDescription": {"text": meta.summary()},
                "fullDescription": {"text": meta.summary()},
                "help": {"text": meta.doc, "markdown": meta.doc},
                "defaultConfiguration": {"level": level(meta.severity)},
                "properties": {"category": meta.category.name(), "tags": [meta.category.name()]},
            })
        })
        .collect()
}

pub fn to_value(report: &Report<'_>) -> Value {
    let rules = rule_descriptors();
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|f| {
            let rule_index = RULES.iter().position(|r| r.meta().id == f.rule).unwrap_or(0);
            let text = message_text(&f.message, f.help.as_deref());
            let mut properties = json!({"category": f.category});
            if let Some(fix) = &f.fix {
                properties["fix"] = json!(fix);
            }
            if let Some(lock) = &f.lock {
                properties["lock"] = json!(lock);
            }
            json!({
                "ruleId": f.rule,
                "ruleIndex": rule_index,
                "level": level(f.severity),
                "message": {"text": text},
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": {"uri": super::annotation_path(f).display().to_string().replace('\\', "/")},
                        "region": {
                            "startLine": f.start.line,
                            "startColumn": f.start.column,
                            "endLine": f.end.line,
                            "endColumn": f.end.column.max(1),
                        }
                    }
                }],
                "properties": properties,
            })
        })
        .collect();
    let mut doc = document(rules, results);
    doc["runs"][0]["columnKind"] = json!("unicodeCodePoints");
    if !report.errors.is_empty() {
        // Files that could not be read: the run did not complete, and says which and why.
        let notifications: Vec<Value> = report
            .errors
            .iter()
            .map(|e| {
                json!({
                    "level": "error",
                    "message": {"text": e.to_string()},
                    "locations": [{"physicalLocation": {"artifactLocation": {
                        "uri": e.path.display().to_string().replace('\\', "/")
                    }}}],
                })
            })
            .collect();
        doc["runs"][0]["invocations"] = json!([{
            "executionSuccessful": false,
            "toolExecutionNotifications": notifications,
        }]);
    }
    doc
}

/// A SARIF 2.1.0 log with one run of pgproof: its rules and results.
pub(crate) fn document(rules: Vec<Value>, results: Vec<Value>) -> Value {
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "pgproof",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/pgproof/pgproof",
                "rules": rules,
            }},
            "results": results,
        }]
    })
}

pub fn write(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &to_value(report))?;
    writeln!(out)
}
