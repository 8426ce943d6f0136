//! `pgproof prove --format sarif`: the proofs that failed (and the migrations that did not run)
//! as SARIF 2.1.0 results at their file and line.

use crate::prove::verdict::{IndexVerdict, LockVerdict};
use crate::prove::Proof;
use serde_json::{json, Value};

/// The proofs that failed as SARIF results: statements that failed or took an unpredicted lock,
/// confirmed error-level hazards, down parts that do not reverse, fixes not proven, queries that
/// fail. Results name the pgproof rule when one applies, otherwise a `prove/...` id.
pub(super) fn sarif(proof: &Proof) -> Value {
    let mut rules: Vec<Value> = vec![];
    let mut results: Vec<Value> = vec![];
    let mut push = |rule: &str, level: &str, file: &std::path::Path, line: usize, text: String| {
        let index = match rules.iter().position(|r| r["id"] == rule) {
            Some(i) => i,
            None => {
                let description = match crate::rules::find(rule) {
                    Some(r) => r.meta().summary(),
                    None => match rule {
                        "prove/migration-fails" => {
                            "A migration fails on a throwaway PostgreSQL.".into()
                        }
                        "prove/unpredicted-hazard" => {
                            "The server took a lock or rewrote a table that no rule predicted."
                                .into()
                        }
                        "prove/not-reversible" => {
                            "Up, down and up again does not give the same schema or data back."
                                .into()
                        }
                        "prove/not-run" => {
                            "A migration was not run: an earlier one failed to apply.".into()
                        }
                        "prove/query-fails" => {
                            "A query cannot be prepared against the migrated schema.".into()
                        }
                        _ => rule.to_string(),
                    },
                };
                rules.push(json!({"id": rule, "shortDescription": {"text": description}}));
                rules.len() - 1
            }
        };
        results.push(json!({
            "ruleId": rule,
            "ruleIndex": index,
            "level": level,
            "message": {"text": text},
            "locations": [{"physicalLocation": {
                "artifactLocation": {"uri": file.display().to_string().replace('\\', "/")},
                "region": {"startLine": line.max(1)}
            }}],
        }));
    };
    for set in &proof.sets {
        for m in &set.migrations {
            if let (Some(why), Some(file)) = (&m.not_run, &m.file) {
                push(
                    "prove/not-run",
                    "error",
                    file,
                    1,
                    format!("migration `{}` was not run: {why}", m.id),
                );
            }
            for st in &m.statements {
                if let Some(e) = &st.error {
                    push(
                        "prove/migration-fails",
                        "error",
                        &st.file,
                        st.line,
                        format!("fails on PostgreSQL {}: {e}", proof.server_version),
                    );
                }
                if let Some(u) = &st.unpredicted {
                    push(
                        "prove/unpredicted-hazard",
                        "warning",
                        &st.file,
                        st.line,
                        format!("observed on the server, predicted by no rule: {u}"),
                    );
                }
                for v in st.verdicts.iter().filter(|v| {
                    v.verdict == LockVerdict::Confirmed
                        && v.severity == crate::finding::Severity::Error
                }) {
                    push(
                        v.rule.as_str(),
                        "error",
                        &st.file,
                        st.line,
                        format!(
                            "confirmed on the server: the statement took {}",
                            v.claimed_lock.sql()
                        ),
                    );
                }
            }
            if let (Some(r), Some(file)) = (&m.reversibility, &m.file) {
                let mut problems: Vec<String> = r
                    .down_differences
                    .iter()
                    .chain(&r.redo_differences)
                    .map(|d| d.path.clone())
                    .collect();
                problems.extend(
                    r.data_differences
                        .iter()
                        .map(|d| format!("data of {}", d.table)),
                );
                problems.extend(r.error.clone());
                if !problems.is_empty() {
                    push(
                        "prove/not-reversible",
                        "error",
                        file,
                        1,
                        format!(
                            "migration `{}` does not reverse: {}",
                            m.id,
                            problems.join("; ")
                        ),
                    );
                }
            }
        }
        for f in set.fixes.iter().filter(|f| f.failed()) {
            let mut text = format!("the fix recipe is {}", f.verdict);
            for d in &f.differences {
                text.push_str(&format!("; differs: {}", d.path));
            }
            for d in &f.data_differences {
                text.push_str(&format!(
                    "; data differs: {}: {}",
                    super::prove::data_place(d),
                    d.what
                ));
            }
            if let Some(n) = &f.note {
                text.push_str(&format!("; {n}"));
            }
            push(&f.rule, "error", &f.file, f.line, text);
        }
    }
    for q in proof.queries.iter().filter(|q| q.failed()) {
        if let Some(e) = &q.error {
            push(
                "prove/query-fails",
                "error",
                &q.file,
                q.line,
                format!("{} fails on the migrated schema: {e}", q.query),
            );
        }
        for i in q
            .indexes
            .iter()
            .filter(|i| i.verdict != IndexVerdict::Proven)
        {
            push(
                &i.rule,
                "warning",
                &q.file,
                q.line,
                format!(
                    "the suggested index is {}{}: {}",
                    i.verdict,
                    match (i.cost_before, i.cost_after) {
                        (Some(b), Some(a)) => format!(" (estimated cost {b:.2} -> {a:.2})"),
                        _ => String::new(),
                    },
                    i.sql
                ),
            );
        }
    }
    let mut doc = super::sarif::document(rules, results);
    // The server the proof ran on, whatever the results: a proof holds for that version.
    doc["runs"][0]["properties"] = json!({
        "serverVersion": proof.server_version,
        "backend": proof.backend,
        "baseSchema": proof.base_schema,
    });
    doc
}
