//! Fix SQL that names a column called like a PostgreSQL keyword is valid SQL: for every keyword
//! (from the parser's own `kwlist.h`), a real rule's fix for a column of that name parses.

// Tests may unwrap: a panic here is a failing test (clippy.toml only exempts `#[test]` fns).
#![allow(clippy::unwrap_used)]

use pgproof::config::Settings;
use pgproof::finding::Finding;
use pgproof::keywords::{QUOTED_KEYWORDS, UNRESERVED_KEYWORDS};
use pgproof::syntax::quote_ident;
use std::fs;

/// Lints `migration` as the second migration after `setup` (the one place this test lints).
fn lint(setup: &str, migration: &str) -> Vec<Finding> {
    let dir = tempfile::tempdir().expect("temp dir");
    fs::write(dir.path().join("001_setup.sql"), setup).expect("write setup");
    fs::write(dir.path().join("002_change.sql"), migration).expect("write migration");
    pgproof::commands::lint::lint_dir(dir.path(), &Settings::default())
        .expect("lint runs")
        .into_iter()
        .filter(|f| f.file.to_string_lossy().ends_with("002_change.sql"))
        .collect()
}

/// `set-not-null-scan` offers a fix that names the column three times and builds a constraint
/// name from it; for a column named after any keyword, every statement of the fix parses.
#[test]
fn set_not_null_fix_parses_for_a_column_named_after_any_keyword() {
    let keywords: Vec<&str> = QUOTED_KEYWORDS
        .iter()
        .chain(UNRESERVED_KEYWORDS)
        .copied()
        .collect();
    let columns: Vec<String> = keywords.iter().map(|k| format!("\"{k}\" int")).collect();
    let setup = format!("CREATE TABLE kw (id int, {});\n", columns.join(", "));
    let migration: String = keywords
        .iter()
        .map(|k| format!("ALTER TABLE kw ALTER COLUMN \"{k}\" SET NOT NULL;\n"))
        .collect();
    let findings: Vec<Finding> = lint(&setup, &migration)
        .into_iter()
        .filter(|f| f.rule == "set-not-null-scan")
        .collect();
    assert_eq!(findings.len(), keywords.len(), "one finding per column");
    let mut failures = vec![];
    for (finding, keyword) in findings.iter().zip(&keywords) {
        let fix = &finding
            .fix
            .as_ref()
            .expect("set-not-null-scan offers a fix")
            .sql;
        let column = quote_ident(keyword);
        if !fix.contains(&format!("CHECK ({column} IS NOT NULL)")) {
            failures.push(format!(
                "{keyword}: fix does not name the column as {column}:\n{fix}"
            ));
        }
        if let Err(e) = pg_query::parse(fix, 0) {
            failures.push(format!("{keyword}: {e}\n{fix}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The example from the issue, spelled out: a column named `window` (a reserved keyword the old
/// hand-written list missed).
#[test]
fn set_not_null_fix_for_a_column_named_window_is_valid_sql() {
    let findings = lint(
        "CREATE TABLE events (id int, \"window\" tstzrange);\n",
        "ALTER TABLE events ALTER COLUMN \"window\" SET NOT NULL;\n",
    );
    let fix = &findings
        .iter()
        .find(|f| f.rule == "set-not-null-scan")
        .and_then(|f| f.fix.as_ref())
        .expect("set-not-null-scan fires with a fix")
        .sql;
    assert!(
        fix.contains("ALTER TABLE events ALTER COLUMN \"window\" SET NOT NULL;"),
        "{fix}"
    );
    assert!(
        fix.contains("CHECK (\"window\" IS NOT NULL) NOT VALID"),
        "{fix}"
    );
    let parsed = pg_query::parse(fix, 0).expect("the fix is valid SQL");
    assert_eq!(parsed.protobuf.stmts.len(), 4, "{fix}");
}
