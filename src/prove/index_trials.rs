//! `pgproof prove --queries`: the application's queries on a throwaway copy of the migrated
//! schema with data. Every query is prepared (PostgreSQL itself says whether it can run); each
//! index a finding suggests is created inside a transaction that is rolled back, and the query's
//! generic plan before and after says whether the index is used and what it saves. Queries of the
//! running release (`--since`) are prepared against the new schema too.

use super::exec::Conn;
use super::verdict::IndexVerdict;
use crate::finding::Finding;
use crate::queries::Query;
use crate::rules::Recipe;
use crate::source::SourceFile;
use serde::Serialize;

/// What the server said about one query.
#[derive(Debug, Clone, Serialize)]
pub struct QueryProof {
    /// The query's name, or `file:line`.
    pub query: String,
    pub file: std::path::PathBuf,
    pub line: usize,
    /// The running release's query (`--since`).
    pub old_release: bool,
    /// The server's error when the query cannot be prepared against the migrated schema.
    pub error: Option<String>,
    /// Suggested indexes, each tried on the server.
    pub indexes: Vec<IndexProof>,
}

#[derive(Debug, Clone, Serialize)]
pub struct IndexProof {
    pub rule: String,
    /// The fix as a finding offered it.
    pub sql: String,
    /// `proven` (the plan uses the index and its estimated cost drops by at least
    /// [`MIN_GAIN`]), `no gain` (used, but the plan costs about the same), `not used`, `fix fails`
    /// (the server rejects the recipe), or `inconclusive` (no plan).
    pub verdict: IndexVerdict,
    pub cost_before: Option<f64>,
    pub cost_after: Option<f64>,
    /// The top plan node and index names before and after.
    pub plan_before: String,
    pub plan_after: String,
    pub note: Option<String>,
}

impl QueryProof {
    pub fn failed(&self) -> bool {
        self.error.is_some()
            || self.indexes.iter().any(|i| {
                matches!(
                    i.verdict,
                    IndexVerdict::NotUsed | IndexVerdict::NoGain | IndexVerdict::FixFails
                )
            })
    }
}

/// The share of the estimated cost an index must save to be called proven: a plan that already
/// used the primary key and moves from 25.00 to 25.01 gained nothing.
pub const MIN_GAIN: f64 = 0.10;

/// Proves `queries` (and `old` ones) on database `conn`, which holds the migrated schema.
pub fn prove_queries(
    conn: &Conn,
    files: &[SourceFile],
    queries: &[(Query, bool)],
    findings: &[Finding],
) -> Vec<QueryProof> {
    let mut out = vec![];
    for (i, (query, old_release)) in queries.iter().enumerate() {
        // `ANALYZE`, `VACUUM`, `SET`, DDL: not a query PostgreSQL can prepare or plan.
        if query.shape.kind == crate::queries::shape::QueryKind::Other {
            continue;
        }
        let sql = &query.sql;
        let file = &files[query.file];
        let line = file.text[..query.span.start.min(file.text.len())]
            .matches('\n')
            .count()
            + 1;
        let mut proof = QueryProof {
            query: query.label(files),
            file: file.path.clone(),
            line,
            old_release: *old_release,
            error: None,
            indexes: vec![],
        };
        let params = crate::source::query_files::max_dollar_param(sql);
        let name = format!("pgproof_q{i}");
        if let Err(e) = conn.execute_batch(&format!("PREPARE {name} AS {sql}")) {
            proof.error = Some(message(&e));
            out.push(proof);
            continue;
        }
        let _ = conn.execute_batch(&format!("DEALLOCATE {name}"));
        if !old_release {
            for f in findings.iter().filter(|f| {
                // Rules whose fix creates an index that a query plan should then use.
                crate::rules::find(&f.rule)
                    .is_some_and(|r| r.meta().fix.recipe() == Some(Recipe::IndexForQuery))
                    && f.file == file.path
                    && query.span.start <= f.span.start
                    && f.span.start <= query.span.end
            }) {
                let Some(fix) = &f.fix else { continue };
                if fix.applicability == crate::finding::Applicability::DisplayOnly {
                    continue;
                }
                proof
                    .indexes
                    .push(try_index(conn, &f.rule, &fix.sql, sql, params, i));
            }
        }
        out.push(proof);
    }
    out
}

/// `proven` when the plan uses the index and its estimated cost drops by at least [`MIN_GAIN`],
/// `no gain` when it is used for about the same cost, `not used` otherwise.
fn verdict(used: bool, cost_before: f64, cost_after: f64) -> IndexVerdict {
    if !used {
        IndexVerdict::NotUsed
    } else if cost_after <= cost_before * (1.0 - MIN_GAIN) {
        IndexVerdict::Proven
    } else {
        IndexVerdict::NoGain
    }
}

/// Explains the query's generic plan, creates the index in a transaction, explains again, and
/// rolls back.
fn try_index(conn: &Conn, rule: &str, fix: &str, sql: &str, params: usize, i: usize) -> IndexProof {
    let mut proof = IndexProof {
        rule: rule.to_string(),
        sql: fix.to_string(),
        verdict: IndexVerdict::Inconclusive,
        cost_before: None,
        cost_after: None,
        plan_before: String::new(),
        plan_after: String::new(),
        note: None,
    };
    // CONCURRENTLY cannot run in a transaction block; the index is the same.
    let create = fix.replace(" CONCURRENTLY", "");
    let index_names: Vec<String> = create
        .lines()
        .filter_map(|l| {
            let rest = l.trim().strip_prefix("CREATE ")?;
            let rest = rest.strip_prefix("UNIQUE ").unwrap_or(rest);
            let rest = rest.strip_prefix("INDEX ")?;
            Some(
                rest.split_whitespace()
                    .next()?
                    .trim_matches('"')
                    .to_string(),
            )
        })
        .collect();
    let result = (|| -> Result<(), String> {
        conn.execute_batch("BEGIN; SET LOCAL plan_cache_mode = force_generic_plan")
            .map_err(|e| message(&e))?;
        let (cost, plan) = explain(conn, sql, params, &format!("pgproof_b{i}"))?;
        proof.cost_before = Some(cost);
        proof.plan_before = plan;
        if let Err(e) = conn.execute_batch(&create) {
            proof.verdict = IndexVerdict::FixFails;
            return Err(message(&e));
        }
        let (cost, plan) = explain(conn, sql, params, &format!("pgproof_a{i}"))?;
        proof.cost_after = Some(cost);
        proof.plan_after = plan.clone();
        let used = index_names.iter().any(|n| plan.contains(n.as_str()));
        proof.verdict = verdict(used, proof.cost_before.unwrap_or(0.0), cost);
        Ok(())
    })();
    let _ = conn.execute_batch("ROLLBACK");
    let _ = conn.execute_batch("DEALLOCATE ALL");
    if let Err(e) = result {
        proof.note = Some(e);
    }
    proof
}

/// The generic plan's total cost and a one-line summary (node types, index names).
fn explain(conn: &Conn, sql: &str, params: usize, name: &str) -> Result<(f64, String), String> {
    conn.execute_batch(&format!("PREPARE {name} AS {sql}"))
        .map_err(|e| message(&e))?;
    let args = if params == 0 {
        String::new()
    } else {
        format!("({})", vec!["NULL"; params].join(", "))
    };
    let text: String = conn
        .query_text(&format!("EXPLAIN (FORMAT JSON) EXECUTE {name}{args}"))
        .map_err(|e| message(&e))?
        .concat();
    let json: serde_json::Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    let plan = &json[0]["Plan"];
    let cost = plan["Total Cost"].as_f64().unwrap_or(0.0);
    let mut nodes = vec![];
    summarize(plan, &mut nodes);
    Ok((cost, nodes.join(" > ")))
}

fn summarize(plan: &serde_json::Value, out: &mut Vec<String>) {
    let node = plan["Node Type"].as_str().unwrap_or("?");
    match (plan["Index Name"].as_str(), plan["Relation Name"].as_str()) {
        (Some(index), _) => out.push(format!("{node} using {index}")),
        (None, Some(rel)) => out.push(format!("{node} on {rel}")),
        _ => out.push(node.to_string()),
    }
    if let Some(children) = plan["Plans"].as_array() {
        for c in children {
            summarize(c, out);
        }
    }
}

fn message(e: &tokio_postgres::Error) -> String {
    e.as_db_error()
        .map_or_else(|| e.to_string(), |d| d.message().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_index_is_proven_only_when_the_cost_drops_by_a_tenth() {
        assert_eq!(verdict(true, 234.0, 8.3), "proven");
        assert_eq!(verdict(true, 100.0, 90.0), "proven");
        // A plan that already used the primary key: the new index is used, nothing is saved.
        assert_eq!(verdict(true, 25.00, 25.01), "no gain");
        assert_eq!(verdict(true, 100.0, 91.0), "no gain");
        assert_eq!(verdict(false, 234.0, 234.0), "not used");
    }
}
