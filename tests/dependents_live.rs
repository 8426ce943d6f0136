//! The `change-blocked-by-dependents` fixtures on a real PostgreSQL: every statement annotated
//! `-- expect` is refused by the server, and every other statement (the fixed variants included)
//! succeeds, so the rule's errors are the server's own.

// Tests may unwrap: a panic here is a failing test (clippy.toml only exempts `#[test]` fns).
#![allow(clippy::unwrap_used)]

use pgproof::prove::exec::Conn;
use pgproof::sandbox::local::LocalCluster;
use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

/// The 1-based lines of the statements annotated `-- expect` (the next non-comment line).
fn expected_lines(text: &str) -> BTreeSet<usize> {
    annotated_lines(text, "-- expect")
}

/// The 1-based lines of the statements annotated with `marker` (the next non-comment line):
/// `-- rejected` marks a statement PostgreSQL refuses on purpose, which pgproof must not replay.
fn annotated_lines(text: &str, marker: &str) -> BTreeSet<usize> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = BTreeSet::new();
    for (i, line) in lines.iter().enumerate() {
        if line.trim() == marker {
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

#[test]
fn every_blocked_change_fixture_is_refused_by_postgresql() {
    let dir = Path::new("sql-fixtures/rules/change-blocked-by-dependents");
    let mut files: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "sql"))
        .collect();
    files.sort();
    assert!(files.len() >= 4, "fixtures: {files:?}");
    let cluster = LocalCluster::start(None).expect("a throwaway PostgreSQL starts");
    let conn = Conn::connect(&cluster.url("postgres")).expect("connects");
    let mut failures = vec![];
    let mut refused = 0;
    for file in &files {
        let text = fs::read_to_string(file).unwrap();
        let expected = expected_lines(&text);
        let rejected = annotated_lines(&text, "-- rejected");
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
            let should_fail = expected.contains(&line) || rejected.contains(&line);
            match (&result, should_fail) {
                (Err(_), true) => refused += 1,
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
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(
        refused,
        files
            .iter()
            .map(|f| {
                let text = fs::read_to_string(f).unwrap();
                expected_lines(&text).len() + annotated_lines(&text, "-- rejected").len()
            })
            .sum::<usize>()
    );
}
