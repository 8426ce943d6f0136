//! Index advice on a real PostgreSQL, over every fixture app in `sql-fixtures/apps/`: the
//! migrations are applied with the runner's transaction semantics, every index a finding suggests
//! is created (all of them together, so two suggestions never share a name) inside a transaction
//! that is rolled back, and the error-level query findings are exactly the annotated ones. Then
//! `pgproof prove --queries` on `taskq`: migrations with `LOCK TABLE` in goose's transaction
//! apply, utility statements are not prepared, no suggested index fails, and a proven index
//! lowers the estimated cost by at least 10%.

// Tests may unwrap: a panic here is a failing test (clippy.toml only exempts `#[test]` fns).
#![allow(clippy::unwrap_used)]

use pgproof::config::Settings;
use pgproof::finding::{Finding, Severity};
use pgproof::prove::exec::Conn;
use pgproof::sandbox::local::LocalCluster;
use serde_json::Value;
use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

const INDEX_RULES: &[&str] = &[
    "unindexed-query",
    "function-on-indexed-column",
    "leading-wildcard-like",
];

fn apps() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("sql-fixtures/apps");
    let mut out: Vec<PathBuf> = fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    out.sort();
    out
}

fn lint(app: &Path) -> Vec<Finding> {
    let settings = Settings {
        queries: vec![app.join("queries")],
        ..Settings::default()
    };
    pgproof::commands::lint::lint_dir(&app.join("migrations"), &settings).expect("lint runs")
}

/// (file name, statement line, rule) of every `-- expect:` annotation whose rule is an error.
fn expected_errors(dir: &Path) -> BTreeSet<(String, usize, String)> {
    let mut out = BTreeSet::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let text = fs::read_to_string(&path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let mut previous_end = 0;
        for q in pgproof::source::query_files::split(0, &text) {
            let line = text[..q.span.start].matches('\n').count() + 1;
            for l in text[previous_end..q.span.start].lines() {
                let Some(rules) = l.trim().strip_prefix("-- expect:") else {
                    continue;
                };
                for rule in rules.split(',').map(str::trim) {
                    let meta = pgproof::rules::find(rule).expect("a rule").meta();
                    if meta.severity == Severity::Error {
                        out.insert((name.clone(), line, rule.to_string()));
                    }
                }
            }
            previous_end = q.span.end;
        }
    }
    out
}

fn statement_line(text: &str, offset: usize) -> usize {
    let queries = pgproof::source::query_files::split(0, text);
    let q = queries
        .iter()
        .find(|q| q.span.start <= offset && offset <= q.span.end)
        .expect("a finding inside a statement");
    text[..q.span.start].matches('\n').count() + 1
}

#[test]
fn every_suggested_index_applies_and_errors_are_exactly_the_annotated_ones() {
    let cluster = LocalCluster::start(None).expect("a throwaway PostgreSQL starts");
    let admin = Conn::connect(&cluster.url("postgres")).expect("connects");
    let mut applied = 0;
    let mut failures = vec![];
    for (n, app) in apps().iter().enumerate() {
        let findings = lint(app);
        let queries_dir = app.join("queries");
        // Error-level query findings: exactly the annotated ones.
        let actual: BTreeSet<(String, usize, String)> = findings
            .iter()
            .filter(|f| f.severity == Severity::Error && f.file.starts_with(&queries_dir))
            .map(|f| {
                let text = fs::read_to_string(&f.file).unwrap();
                (
                    f.file.file_name().unwrap().to_string_lossy().into_owned(),
                    statement_line(&text, f.span.start),
                    f.rule.to_string(),
                )
            })
            .collect();
        let expected = expected_errors(&queries_dir);
        if actual != expected {
            failures.push(format!(
                "{}: error-level findings {actual:#?}, annotated {expected:#?}",
                app.display()
            ));
        }
        // The schema, as the runner builds it.
        let sets = pgproof::source::layout::discover(&app.join("migrations"), &Default::default())
            .expect("the migrations load");
        assert_eq!(sets.len(), 1, "{}", app.display());
        let database = format!("app{n}");
        admin
            .execute_batch(&format!("CREATE DATABASE {database}"))
            .unwrap();
        let conn = Conn::connect(&cluster.url(&database)).expect("connects");
        let idle = Conn::connect(&cluster.url(&database)).expect("connects");
        pgproof::prove::apply_migrations(&conn, &idle, &sets[0])
            .unwrap_or_else(|e| panic!("{}: {e}", app.display()));
        let fixes: BTreeSet<String> = findings
            .iter()
            .filter(|f| INDEX_RULES.contains(&f.rule.as_str()))
            .filter_map(|f| f.fix.as_ref())
            // A display-only fix is advice in words (rewrite the condition), not an index.
            .filter(|x| x.applicability != pgproof::finding::Applicability::DisplayOnly)
            .map(|x| x.sql.replace(" CONCURRENTLY", ""))
            .collect();
        conn.execute_batch("BEGIN").unwrap();
        for sql in &fixes {
            match conn.execute_batch(sql) {
                Ok(()) => applied += 1,
                Err(e) => {
                    failures.push(format!("{}: `{sql}` is rejected: {e:?}", app.display()));
                    conn.execute_batch("ROLLBACK; BEGIN").unwrap();
                }
            }
        }
        conn.execute_batch("ROLLBACK").unwrap();
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(applied >= 10, "only {applied} suggested indexes applied");
}

#[test]
fn prove_queries_on_taskq_applies_goose_migrations_skips_utilities_and_proves_with_costs() {
    let app = Path::new(env!("CARGO_MANIFEST_DIR")).join("sql-fixtures/apps/taskq");
    let out = Command::new(env!("CARGO_BIN_EXE_pgproof"))
        .args([
            "prove",
            "--backend",
            "local",
            "--format",
            "json",
            "--rows",
            "20000",
        ])
        .arg("--queries")
        .arg(app.join("queries"))
        .arg(app.join("migrations"))
        .output()
        .expect("pgproof runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let json: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| panic!("JSON on stdout; stderr: {stderr}"));
    // 1: the query naming a missing column fails, as annotated; not 2 (an operational error).
    assert_eq!(out.status.code(), Some(1), "{stderr}\n{json:#}");
    let queries = json["proof"]["queries"].as_array().expect("query proofs");
    let failing: Vec<&str> = queries
        .iter()
        .filter(|q| !q["error"].is_null())
        .map(|q| q["query"].as_str().unwrap())
        .collect();
    assert_eq!(failing, ["`TasksByPriority`"], "{json:#}");
    assert!(
        queries
            .iter()
            .all(|q| !q["file"].as_str().unwrap().ends_with("maintenance.sql")),
        "utility statements are not queries: {json:#}"
    );
    let indexes: Vec<&Value> = queries
        .iter()
        .flat_map(|q| q["indexes"].as_array().unwrap())
        .collect();
    assert!(indexes.len() >= 5, "{indexes:#?}");
    let mut proven = 0;
    for i in &indexes {
        let (before, after) = (
            i["cost_before"].as_f64().expect("a cost before"),
            i["cost_after"].as_f64().expect("a cost after"),
        );
        match i["verdict"].as_str().unwrap() {
            "proven" => {
                assert!(after <= before * 0.9, "{i:#}");
                proven += 1;
            }
            "no gain" => assert!(after > before * 0.9, "{i:#}"),
            other => panic!("verdict {other}: {i:#}"),
        }
    }
    assert!(proven >= 4, "{indexes:#?}");
}
