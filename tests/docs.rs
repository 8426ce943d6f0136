//! Docs as tests: every rule doc's examples run through the engine, in memory.
//! `bad` must fire the rule, `good` and `fixed` must not (each after the `setup` block, which runs
//! as an earlier migration so its tables already exist).

// Tests may unwrap: a panic here is a failing test (clippy.toml only exempts `#[test]` fns).
#![allow(clippy::unwrap_used)]

use pgproof::config::Settings;
use pgproof::docs::examples;
use pgproof::engine::{lint_texts, TextMigration, Texts};
use pgproof::rules::RULES;
use pgproof::source::Layout;
use std::path::PathBuf;

/// Lints `sql` as the second migration after `setup`, in memory. With a `down` block the pair
/// is a golang-migrate migration (`.up.sql` / `.down.sql`), otherwise plain SQL files.
fn findings_for(
    setup: Option<&str>,
    sql: &str,
    down: Option<&str>,
    pg_version: Option<u32>,
) -> Vec<pgproof::finding::Finding> {
    let (layout, setup_name, example_name) = match down {
        Some(_) => (Layout::UpDown, "001_setup.up.sql", "002_example.up.sql"),
        None => (Layout::Plain, "001_setup.sql", "002_example.sql"),
    };
    let mut migrations = vec![];
    if let Some(setup) = setup {
        migrations.push(TextMigration::file(setup_name, setup));
    }
    let mut example = TextMigration::file(example_name, sql);
    if let Some(down) = down {
        example = example.with_down("002_example.down.sql", down);
    }
    migrations.push(example);
    let texts = Texts {
        root: PathBuf::from("docs"),
        layout,
        migrations,
    };
    lint_texts(texts, vec![], &settings(pg_version), None)
        .expect("lint runs")
        .findings
        .into_iter()
        .filter(|f| f.file.to_string_lossy().contains("002_example."))
        .collect()
}

/// Checks `query` (a query file) against the schema `setup` (then `migration`, if any) builds.
fn query_findings(
    setup: Option<&str>,
    migration: Option<&str>,
    query: &str,
    pg_version: Option<u32>,
) -> Vec<pgproof::finding::Finding> {
    let mut migrations = vec![TextMigration::file(
        "migrations/001_setup.sql",
        setup.unwrap_or(""),
    )];
    if let Some(m) = migration {
        migrations.push(TextMigration::file("migrations/002_fix.sql", m));
    }
    let texts = Texts {
        root: PathBuf::from("migrations"),
        layout: Layout::Plain,
        migrations,
    };
    let queries = vec![(PathBuf::from("queries.sql"), query.to_string())];
    lint_texts(texts, queries, &settings(pg_version), None)
        .expect("lint runs")
        .findings
        .into_iter()
        .filter(|f| f.file.to_string_lossy().ends_with("queries.sql"))
        .collect()
}

/// Default settings, for the example's PostgreSQL version if it names one.
fn settings(pg_version: Option<u32>) -> Settings {
    let mut settings = Settings::default();
    if let Some(v) = pg_version {
        settings.pg_version = v;
    }
    settings
}

/// Findings for one doc example: a migration after `setup`, or a query against it.
fn example_findings(
    examples: &[pgproof::docs::Example],
    i: usize,
) -> Vec<pgproof::finding::Finding> {
    let example = &examples[i];
    let setup = setup_of(examples);
    if example.options.iter().any(|o| o == "query") {
        query_findings(setup, None, &example.sql, example.pg_version())
    } else {
        findings_for(
            setup,
            &example.sql,
            down_of(examples, i),
            example.pg_version(),
        )
    }
}

/// The `sql down` block right after example `i`, if any: the down part of that example.
fn down_of(examples: &[pgproof::docs::Example], i: usize) -> Option<&str> {
    examples
        .get(i + 1)
        .filter(|e| e.kind == "down")
        .map(|e| e.sql.as_str())
}

/// The `sql setup` block of a doc: the schema its examples run against.
fn setup_of(examples: &[pgproof::docs::Example]) -> Option<&str> {
    examples
        .iter()
        .find(|e| e.kind == "setup")
        .map(|e| e.sql.as_str())
}

#[test]
fn every_rule_doc_example_behaves_as_documented() {
    let mut failures = vec![];
    let mut checked = 0;
    for rule in RULES {
        let meta = rule.meta();
        let examples = examples(meta.doc);
        let bad = examples.iter().filter(|e| e.kind == "bad").count();
        let good = examples.iter().filter(|e| e.kind == "good").count();
        if meta.doc_examples && (bad == 0 || good == 0) {
            failures.push(format!(
                "{}: doc needs at least one `sql bad` and one `sql good` block",
                meta.id
            ));
        }
        for (i, example) in examples.iter().enumerate() {
            if example.kind == "setup" || example.kind == "down" {
                continue;
            }
            let found = example_findings(&examples, i);
            let fired = found.iter().any(|f| f.rule == meta.id);
            checked += 1;
            match example.kind.as_str() {
                "bad" if !fired => failures.push(format!(
                    "{}: bad example did not fire:\n{}",
                    meta.id, example.sql
                )),
                "good" | "fixed" if fired => failures.push(format!(
                    "{}: {} example fired:\n{}\n{:?}",
                    meta.id,
                    example.kind,
                    example.sql,
                    found
                        .iter()
                        .filter(|f| f.rule == meta.id)
                        .map(|f| &f.message)
                        .collect::<Vec<_>>()
                )),
                "bad" | "good" | "fixed" => {}
                other => failures.push(format!("{}: unknown example kind `{other}`", meta.id)),
            }
        }
    }
    assert!(checked > 30, "only {checked} examples ran");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn fixes_offered_by_bad_examples_lint_clean() {
    // The `fix` SQL a finding carries must itself pass the rule that produced it.
    for rule in RULES {
        let meta = rule.meta();
        let examples = examples(meta.doc);
        let setup = setup_of(&examples);
        for (i, bad) in examples.iter().enumerate().filter(|(_, e)| e.kind == "bad") {
            let down = down_of(&examples, i);
            let is_query = bad.options.iter().any(|o| o == "query");
            for finding in example_findings(&examples, i)
                .iter()
                .filter(|f| f.rule == meta.id)
            {
                let Some(fix) = &finding.fix else { continue };
                if fix.applicability == pgproof::finding::Applicability::DisplayOnly {
                    continue;
                }
                // A query's fix is a migration; the query must then pass.
                let again = if is_query {
                    query_findings(setup, Some(&fix.sql), &bad.sql, bad.pg_version())
                } else {
                    findings_for(setup, &fix.sql, down, bad.pg_version())
                };
                assert!(
                    !again.iter().any(|f| f.rule == meta.id),
                    "{}: the offered fix still fires:\n{}",
                    meta.id,
                    fix.sql
                );
            }
        }
    }
}
