//! The `object-already-exists` and `object-does-not-exist` fixtures on a real PostgreSQL: every
//! statement annotated `-- expect` is refused by the server with a "already exists" or "does not
//! exist" error, and every other statement (the cases pgproof stays silent on included) succeeds,
//! so the rules' findings are the server's own refusals.

// Tests may unwrap: a panic here is a failing test (clippy.toml only exempts `#[test]` fns).
#![allow(clippy::unwrap_used)]

use pgproof::prove::exec::Conn;
use pgproof::sandbox::local::LocalCluster;
use std::collections::BTreeSet;
use std::fs;
use std::path::Path;
use tokio_postgres::error::SqlState;

/// The 1-based lines of the statements annotated `-- expect` (the next non-comment line).
fn expected_lines(text: &str) -> BTreeSet<usize> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = BTreeSet::new();
    for (i, line) in lines.iter().enumerate() {
        if line.trim() == "-- expect" {
            if let Some(offset) = lines[i + 1..].iter().position(|l| {
                let l = l.trim_start();
                !l.is_empty() && !l.starts_with("--")
            }) {
                out.insert(i + 2 + offset);
            }
        }
    }
    out
}

/// Runs the fixtures of `rule` in order in a database of their own; returns the failures and the
/// number of statements refused as expected.
fn run_fixtures(
    cluster: &LocalCluster,
    admin: &Conn,
    rule: &str,
    refusals: &[SqlState],
) -> (Vec<String>, usize) {
    let dir = Path::new("sql-fixtures/rules").join(rule);
    let mut files: Vec<_> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "sql"))
        .collect();
    files.sort();
    assert!(files.len() >= 3, "fixtures of {rule}: {files:?}");
    let database = rule.replace('-', "_");
    admin
        .execute_batch(&format!("CREATE DATABASE {database}"))
        .unwrap();
    let conn = Conn::connect(&cluster.url(&database)).expect("connects");
    let mut failures = vec![];
    let mut refused = 0;
    let mut expected_total = 0;
    for file in &files {
        let text = fs::read_to_string(file).unwrap();
        let expected = expected_lines(&text);
        expected_total += expected.len();
        let parsed = pgproof::syntax::parse_sql(&text);
        assert!(
            parsed.errors.is_empty(),
            "{}: {:?}",
            file.display(),
            parsed.errors
        );
        for statement in &parsed.statements {
            let sql = &text[statement.span.start..statement.span.end];
            let line = text[..statement.span.start].matches('\n').count() + 1;
            let result = conn.execute_batch(sql);
            match (&result, expected.contains(&line)) {
                (Err(e), true) if e.code().is_some_and(|c| refusals.contains(c)) => refused += 1,
                (Err(e), true) => failures.push(format!(
                    "{}:{line}: PostgreSQL refused `{sql}` for another reason: {e:?}",
                    file.display()
                )),
                (Ok(()), false) => {}
                (Ok(()), true) => failures.push(format!(
                    "{}:{line}: PostgreSQL accepted `{sql}`",
                    file.display()
                )),
                (Err(e), false) => failures.push(format!(
                    "{}:{line}: PostgreSQL refused `{sql}`: {e:?}",
                    file.display()
                )),
            }
        }
    }
    if refused + failures.len() < expected_total {
        failures.push(format!(
            "{rule}: {expected_total} statements annotated, {refused} refused"
        ));
    }
    (failures, refused)
}

#[test]
fn every_will_fail_fixture_is_refused_by_postgresql_and_nothing_else_is() {
    let cluster = LocalCluster::start(None).expect("a throwaway PostgreSQL starts");
    let admin = Conn::connect(&cluster.url("postgres")).expect("connects");
    let (mut failures, exists) = run_fixtures(
        &cluster,
        &admin,
        "object-already-exists",
        &[
            SqlState::DUPLICATE_TABLE,
            SqlState::DUPLICATE_OBJECT,
            SqlState::DUPLICATE_COLUMN,
            SqlState::DUPLICATE_SCHEMA,
            // "multiple primary keys for table ... are not allowed"
            SqlState::INVALID_TABLE_DEFINITION,
        ],
    );
    let (more, missing) = run_fixtures(
        &cluster,
        &admin,
        "object-does-not-exist",
        &[
            SqlState::UNDEFINED_TABLE,
            SqlState::UNDEFINED_COLUMN,
            SqlState::UNDEFINED_OBJECT,
            SqlState::UNDEFINED_FUNCTION,
            SqlState::INVALID_SCHEMA_NAME,
        ],
    );
    failures.extend(more);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(
        exists >= 10 && missing >= 10,
        "{exists} and {missing} refused"
    );
}
