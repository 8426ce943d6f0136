//! Edge cases per rule: `sql-fixtures/rules/<rule-id>/` holds a small migration history whose
//! statements are annotated. A `-- expect` line says the rule must fire on the statement (or
//! `-- pgproof:` comment) that starts on the next line, `-- expect-file` that it fires on the file
//! itself (line 1); every other statement must stay silent. Files run in name order as
//! plain migrations (`001_setup.sql` first), with the target PostgreSQL version from an optional
//! `pg_version` file in the directory. Rules that need a live database have a `live-only` file
//! and fixtures on which they must stay silent.

// Tests may unwrap: a panic here is a failing test (clippy.toml only exempts `#[test]` fns).
#![allow(clippy::unwrap_used)]

use pgproof::config::Settings;
use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

fn expected_lines(text: &str) -> BTreeSet<usize> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = BTreeSet::new();
    for (i, line) in lines.iter().enumerate() {
        if line.trim() == "-- expect-file" {
            // A finding about the file itself (its name, its place in the order): line 1.
            out.insert(1);
        }
        if line.trim() == "-- expect" {
            // The statement starts on the next non-comment, non-blank line; a `-- pgproof:`
            // comment is itself a target (the suppression rules report on it).
            if let Some(offset) = lines[i + 1..].iter().position(|l| {
                let l = l.trim_start();
                !l.is_empty() && (!l.starts_with("--") || l.starts_with("-- pgproof:"))
            }) {
                out.insert(i + 2 + offset);
            }
        }
    }
    out
}

#[test]
fn every_rule_fixture_fires_exactly_where_annotated() {
    let root = Path::new("sql-fixtures/rules");
    let mut failures = vec![];
    let mut dirs = 0;
    for entry in fs::read_dir(root).expect("sql-fixtures/rules exists") {
        let dir = entry.expect("entry").path();
        let rule = dir.file_name().unwrap().to_string_lossy().to_string();
        assert!(
            pgproof::rules::find(&rule).is_some(),
            "sql-fixtures/rules/{rule} names no rule"
        );
        dirs += 1;
        let mut settings = Settings::default();
        if let Ok(v) = fs::read_to_string(dir.join("pg_version")) {
            settings.pg_version = v.trim().parse().expect("pg_version holds a number");
        }
        // Query rules: `migrations/` builds the schema, `queries/` holds the annotated queries;
        // a finding counts for the statement it lies in.
        if dir.join("queries").is_dir() {
            settings.queries = vec![dir.join("queries")];
            let findings = pgproof::commands::lint::lint_dir(&dir.join("migrations"), &settings)
                .expect("lint runs");
            let mut expected_total = 0;
            for file in fs::read_dir(dir.join("queries")).unwrap() {
                let file = file.unwrap().path();
                let text = fs::read_to_string(&file).unwrap();
                let expected = expected_lines(&text);
                expected_total += expected.len();
                let statements = pgproof::source::query_files::split(0, &text);
                let fired: BTreeSet<usize> = findings
                    .iter()
                    .filter(|f| f.rule == rule && f.file == file)
                    .filter_map(|f| {
                        statements
                            .iter()
                            .find(|q| q.span.start <= f.span.start && f.span.start <= q.span.end)
                    })
                    .map(|q| text[..q.span.start].matches('\n').count() + 1)
                    .collect();
                if fired != expected {
                    let messages: Vec<String> = findings
                        .iter()
                        .filter(|f| f.rule == rule && f.file == file)
                        .map(|f| format!("  line {}: {}", f.start.line, f.message))
                        .collect();
                    failures.push(format!(
                        "{rule}/{}: expected statements at lines {expected:?}, fired on {fired:?}\n{}",
                        file.display(),
                        messages.join("\n")
                    ));
                }
            }
            // Rules that need a git history (`--since`) have a `needs-history` file and cases
            // on which they must stay silent.
            if expected_total == 0 && !dir.join("needs-history").exists() {
                failures.push(format!("{rule}: no `-- expect` annotation"));
            }
            continue;
        }
        let findings = pgproof::commands::lint::lint_dir(&dir, &settings).expect("lint runs");
        let mut files: Vec<_> = fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "sql"))
            .collect();
        files.sort();
        let mut expected_total = 0;
        for file in files {
            let text = fs::read_to_string(&file).unwrap();
            let expected = expected_lines(&text);
            expected_total += expected.len();
            let name = file.file_name().unwrap().to_string_lossy().to_string();
            let fired: BTreeSet<usize> = findings
                .iter()
                .filter(|f| f.rule == rule && f.file.ends_with(&name))
                .map(|f| f.start.line)
                .collect();
            if fired != expected {
                let messages: Vec<String> = findings
                    .iter()
                    .filter(|f| f.rule == rule && f.file.ends_with(&name))
                    .map(|f| format!("  line {}: {}", f.start.line, f.message))
                    .collect();
                failures.push(format!(
                    "{rule}/{name}: expected lines {expected:?}, fired on {fired:?}\n{}",
                    messages.join("\n")
                ));
            }
        }
        // Rules that need a live database cannot fire on migrations; their fixtures only show
        // that they stay silent there (and are marked with a `live-only` file).
        if expected_total == 0 && !dir.join("live-only").exists() {
            failures.push(format!("{rule}: no `-- expect` annotation"));
        }
    }
    assert!(dirs >= 10, "only {dirs} rule fixture directories");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn every_rule_has_edge_case_fixtures() {
    let missing: Vec<&str> = pgproof::rules::RULES
        .iter()
        .map(|r| r.meta().id.as_str())
        .filter(|id| !Path::new("sql-fixtures/rules").join(id).is_dir())
        .collect();
    assert!(
        missing.is_empty(),
        "no sql-fixtures/rules/<id>/ for {missing:?}"
    );
}
