//! `--format sarif`: SARIF 2.1.0, one run, every rule with its help text and the address of its
//! doc; results carry their stable fingerprint (`partialFingerprints`, `crate::fingerprint`) and,
//! for a safe fix that replaces the flagged statement, the replacement (`fixes`).

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

/// Where the rule docs (`lints/<rule-id>.md`) are published: the repository of `informationUri`.
const RULE_DOCS: &str = "https://github.com/pgproof/pgproof/blob/main/lints/";

/// The address of `rule`'s doc, for SARIF's `helpUri`.
pub(crate) fn help_uri(rule: &str) -> String {
    format!("{RULE_DOCS}{rule}.md")
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
                "helpUri": help_uri(&meta.id),
                "defaultConfiguration": {"level": level(meta.severity)},
                "properties": {"category": meta.category.name(), "tags": [meta.category.name()]},
            })
        })
        .collect()
}

pub fn to_value(report: &Report<'_>) -> Value {
    let rules = rule_descriptors();
    let mut statements = None;
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|f| {
            let rule_index = RULES
                .iter()
                .position(|r| r.meta().id == f.rule)
                .unwrap_or(0);
            let text = message_text(&f.message, f.help.as_deref());
            let mut properties = json!({"category": f.category});
            if let Some(fix) = &f.fix {
                properties["fix"] = json!(fix);
            }
            if let Some(lock) = &f.lock {
                properties["lock"] = json!(lock);
            }
            let uri = super::annotation_path(f)
                .display()
                .to_string()
                .replace('\\', "/");
            let mut result = json!({
                "ruleId": f.rule,
                "ruleIndex": rule_index,
                "level": level(f.severity),
                "message": {"text": text},
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": {"uri": uri},
                        "region": {
                            "startLine": f.start.line,
                            "startColumn": f.start.column,
                            "endLine": f.end.line,
                            "endColumn": f.end.column.max(1),
                        }
                    }
                }],
                "properties": properties,
            });
            if let Some(fingerprint) = &f.fingerprint {
                result["partialFingerprints"] = json!({ crate::fingerprint::SCHEME: fingerprint });
            }
            if let Some(fix) = statement_fix(report, f, &uri, &mut statements) {
                result["fixes"] = json!([fix]);
            }
            result
        })
        .collect();
    let mut doc = document(rules, results);
    doc["runs"][0]["columnKind"] = json!("unicodeCodePoints");
    // Files that could not be read: the run did not complete, and says which and why.
    let mut notifications: Vec<Value> = report
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
    if let Some(baseline) = report.baseline {
        let file = baseline.file.display().to_string().replace('\\', "/");
        doc["runs"][0]["properties"] = json!({
            "baseline": {"file": file, "baselined": baseline.baselined, "stale": baseline.stale},
        });
        if baseline.stale.is_some_and(|n| n > 0) {
            notifications.push(json!({
                "level": "note",
                "message": {"text": baseline.describe()},
                "locations": [{"physicalLocation": {"artifactLocation": {"uri": file}}}],
            }));
        }
    }
    if !notifications.is_empty() {
        doc["runs"][0]["invocations"] = json!([{
            "executionSuccessful": report.errors.is_empty(),
            "toolExecutionNotifications": notifications,
        }]);
    }
    doc
}

/// A SARIF `fix` for a finding whose safe fix replaces the flagged statement
/// ([`crate::fix::replacement`]): the statement's bytes replaced by the recipe. Other fixes (a
/// `lock_timeout` to set before, an index for a query, a key to add to a table) add to the file
/// rather than replace, and are left to the result's `properties.fix`.
fn statement_fix<'r>(
    report: &Report<'r>,
    f: &'r crate::finding::Finding,
    uri: &str,
    statements: &mut Option<(&'r std::path::Path, crate::fix::Statements)>,
) -> Option<Value> {
    use crate::finding::Applicability;
    let fix = f.fix.as_ref()?;
    if fix.applicability != Applicability::Safe
        || !crate::fix::recipe(f).is_some_and(|r| r.replaces_statement())
    {
        return None;
    }
    let text = report.sources.get(&f.file)?;
    // The file's statements, split once for its findings (which come grouped by file).
    if statements
        .as_ref()
        .is_none_or(|(file, ..)| *file != f.file.as_path())
    {
        *statements = Some((f.file.as_path(), crate::fix::Statements::of(text)));
    }
    let (_, split) = statements.as_ref()?;
    let edit = crate::fix::replacement(text, split, f)?;
    Some(json!({
        "description": {"text": format!("apply the {} fix", fix.applicability.name())},
        "artifactChanges": [{
            "artifactLocation": {"uri": uri},
            "replacements": [{
                "deletedRegion": {"byteOffset": edit.start, "byteLength": edit.end - edit.start},
                "insertedContent": {"text": edit.text},
            }],
        }],
    }))
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
