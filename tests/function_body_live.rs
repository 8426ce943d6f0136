//! The `change-breaks-function-body` fixtures on a real PostgreSQL: every statement is accepted
//! (PostgreSQL does not check function bodies against a drop or rename), and each `-- probe:`
//! statement works before the change annotated after it and fails once the change has run, so
//! the rule's findings are breakages the server really shows at run time.

// Tests may unwrap: a panic here is a failing test (clippy.toml only exempts `#[test]` fns).
#![allow(clippy::unwrap_used)]

use pgproof::prove::exec::Conn;
use pgproof::sandbox::local::LocalCluster;
use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

/// The probe for each statement annotated `-- probe: <sql>`, by the statement's 1-based line
/// (the next non-comment line).
fn probes(text: &str) -> BTreeMap<usize, String> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = BTreeMap::new();
    for (i, line) in lines.iter().enumerate() {
        if let Some(probe) = line.trim().strip_prefix("-- probe:") {
            if let Some(offset) = lines[i + 1..].iter().position(|l| {
                let l = l.trim_start();
                !l.is_empty() && !l.starts_with("--")
            }) {
                out.insert(i + 2 + offset, probe.trim().to_string());
            }
        }
    }
    out
}

/// Runs `probe` in a transaction that is rolled back whatever happens.
fn run_probe(conn: &Conn, probe: &str) -> Result<(), String> {
    let result = conn.execute_batch(&format!("BEGIN; {probe}; ROLLBACK"));
    if result.is_err() {
        conn.execute_batch("ROLLBACK").expect("rolls back");
    }
    result.map_err(|e| format!("{e:?}"))
}

#[test]
fn every_function_body_change_breaks_the_function_on_postgresql() {
    let dir = Path::new("sql-fixtures/rules/change-breaks-function-body");
    let mut files: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "sql"))
        .collect();
    files.sort();
    let cluster = LocalCluster::start(None).expect("a throwaway PostgreSQL starts");
    let conn = Conn::connect(&cluster.url("postgres")).expect("connects");
    let mut failures = vec![];
    let mut broken = 0;
    let mut expected = 0;
    for file in &files {
        let text = fs::read_to_string(file).unwrap();
        let probes = probes(&text);
        expected += probes.len();
        let parsed = pgproof::syntax::parse_sql(&text);
        assert!(parsed.errors.is_empty(), "{}", file.display());
        for statement in &parsed.statements {
            let sql = &text[statement.span.start..statement.span.end];
            let line = text[..statement.span.start].matches('\n').count() + 1;
            let probe = probes.get(&line);
            if let Some(probe) = probe {
                if let Err(e) = run_probe(&conn, probe) {
                    failures.push(format!(
                        "{}:{line}: `{probe}` fails before the change: {e}",
                        file.display()
                    ));
                }
            }
            if let Err(e) = conn.execute_batch(sql) {
                failures.push(format!(
                    "{}:{line}: PostgreSQL refused `{sql}`: {e:?}",
                    file.display()
                ));
                continue;
            }
            if let Some(probe) = probe {
                match run_probe(&conn, probe) {
                    Err(_) => broken += 1,
                    Ok(()) => failures.push(format!(
                        "{}:{line}: `{probe}` still works after `{sql}`",
                        file.display()
                    )),
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(expected >= 4, "probes: {expected}");
    assert_eq!(broken, expected);
}
