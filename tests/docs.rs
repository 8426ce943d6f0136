//! Docs as tests: every rule doc's examples run through the real pipeline.
//! `bad` must fire the rule, `good` and `fixed` must not (each after the `setup` block, which runs
//! as an earlier migration so its tables already exist).

use pgproof::config::Settings;
use pgproof::docs::examples;
use pgproof::rules::RULES;
use std::fs;

/// Lints `sql` as the second migration after `setup`. With a `down` block the pair is written in
/// the golang-migrate layout (`.up.sql` / `.down.sql`), otherwise as plain SQL files.
fn findings_for(
    setup: Option<&str>,
    sql: &str,
    down: Option<&str>,
    pg_version: Option<u32>,
) -> Vec<pgproof::finding::Finding> {
    let dir = tempfile::tempdir().expect("temp dir");
    let (setup_name, example_name) = match down {
        Some(down) => {
            fs::write(dir.path().join("002_example.down.sql"), down).expect("write down");
            ("001_setup.up.sql", "002_example.up.sql")
        }
        None => ("001_setup.sql", "002_example.sql"),
    };
    if let Some(setup) = setup {
        fs::write(dir.path().join(setup_name), setup).expect("write setup");
    }
    fs::write(dir.path().join(example_name), sql).expect("write example");
    let mut settings = Settings::default();
    if let Some(v) = pg_version {
        settings.pg_version = v;
    }
    pgproof::commands::lint::lint_dir(dir.path(), &settings)
        .expect("lint runs")
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
    let dir = tempfile::tempdir().expect("temp dir");
    let migrations = dir.path().join("migrations");
    fs::create_dir(&migrations).expect("migrations dir");
    fs::write(migrations.join("001_setup.sql"), setup.unwrap_or("")).expect("write setup");
    if let Some(m) = migration {
        fs::write(migrations.join("002_fix.sql"), m).expect("write fix");
    }
    let queries = dir.path().join("queries.sql");
    fs::write(&queries, query).expect("write query");
    let mut settings = Settings::default();
    if let Some(v) = pg_version {
        settings.pg_version = v;
    }
    settings.queries = vec![queries];
    pgproof::commands::lint::lint_dir(&migrations, &settings)
        .expect("lint runs")
        .into_iter()
        .filter(|f| f.file.to_string_lossy().ends_with("queries.sql"))
        .collect()
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
