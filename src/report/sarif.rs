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

/// A SARIF `fix` for a finding whose rule's recipe replaces the flagged statement, when the fix is
/// safe and the statement's bytes are exactly known (the grammar split the file): the statement,
/// from its first token through its `;` when the replacement ends with one, replaced by the
/// recipe; only for a statement of one change (see [`one_change`]). Other fixes (a `lock_timeout` to set before, an index for a query, a key to add to a
/// table) add to the file rather than replace, and are left to the result's `properties.fix`.
fn statement_fix<'r>(
    report: &Report<'r>,
    f: &'r crate::finding::Finding,
    uri: &str,
    statements: &mut Option<(&'r std::path::Path, Vec<crate::span::Span>, bool)>,
) -> Option<Value> {
    use crate::finding::Applicability;
    let fix = f.fix.as_ref()?;
    let replaces = crate::rules::find(&f.rule)
        .and_then(|r| r.meta().fix.recipe())
        .is_some_and(|r| r.replaces_statement());
    if fix.applicability != Applicability::Safe
        || !replaces
        || f.object.is_some()
        || f.worktree_path.is_some()
    {
        return None;
    }
    let text = report.sources.get(&f.file)?;
    // The file's statements, split once for its findings (which come grouped by file).
    if statements
        .as_ref()
        .is_none_or(|(file, ..)| *file != f.file.as_path())
    {
        let (bounds, exact) = crate::fingerprint::statement_bounds(text);
        *statements = Some((f.file.as_path(), bounds, exact));
    }
    let (_, bounds, exact) = statements.as_ref()?;
    if !exact {
        return None;
    }
    let statement = crate::fingerprint::statement_around(bounds, text, f.span);
    if !one_change(&text[statement.start..statement.end]) {
        return None;
    }
    let start =
        statement.start + crate::fingerprint::leading_trivia(&text[statement.start..statement.end]);
    let mut end = statement.end;
    if fix.sql.trim_end().ends_with(';') && text[end..].starts_with(';') {
        end += 1;
    }
    (start < end).then(|| {
        json!({
            "description": {"text": format!("apply the {} fix", fix.applicability.name())},
            "artifactChanges": [{
                "artifactLocation": {"uri": uri},
                "replacements": [{
                    "deletedRegion": {"byteOffset": start, "byteLength": end - start},
                    "insertedContent": {"text": fix.sql.trim_end()},
                }],
            }],
        })
    })
}

/// Whether `sql` is one statement that changes one thing: not an `ALTER TABLE` of several
/// commands, nor a `DROP` of several objects, whose other parts a recipe for one of them would
/// lose if it replaced the whole statement.
fn one_change(sql: &str) -> bool {
    use pg_query::NodeEnum;
    let Some(tree) = crate::parse::parse_tree_only(sql) else {
        return false;
    };
    let [statement] = tree.stmts.as_slice() else {
        return false;
    };
    match statement.stmt.as_ref().and_then(|s| s.node.as_ref()) {
        Some(NodeEnum::AlterTableStmt(alter)) => alter.cmds.len() == 1,
        Some(NodeEnum::DropStmt(drop)) => drop.objects.len() == 1,
        Some(_) => true,
        None => false,
    }
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
