//! Docs as tests: every rule doc's examples run through the real pipeline.
//! `bad` must fire the rule, `good` and `fixed` must not (each after the `setup` block, which runs
//! as an earlier migration so its tables already exist).

use pgproof::config::Settings;
use pgproof::docs::examples;
use pgproof::rules::RULES;
use std::fs;

fn findings_for(
    setup: Option<&str>,
    sql: &str,
    pg_version: Option<u32>,
) -> Vec<pgproof::finding::Finding> {
    let dir = tempfile::tempdir().expect("temp dir");
    if let Some(setup) = setup {
        fs::write(dir.path().join("001_setup.sql"), setup).expect("write setup");
    }
    fs::write(dir.path().join("002_example.sql"), sql).expect("write example");
    let mut settings = Settings::default();
    if let Some(v) = pg_version {
        settings.pg_version = v;
    }
    pgproof::commands::lint::lint_dir(dir.path(), &settings)
        .expect("lint runs")
        .into_iter()
        .filter(|f| f.file.to_string_lossy().ends_with("002_example.sql"))
        .collect()
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
        let setup = setup_of(&examples);
        let bad = examples.iter().filter(|e| e.kind == "bad").count();
        let good = examples.iter().filter(|e| e.kind == "good").count();
        if meta.doc_examples && (bad == 0 || good == 0) {
            failures.push(format!(
                "{}: doc needs at least one `sql bad` and one `sql good` block",
                meta.id
            ));
        }
        for example in &examples {
            if example.kind == "setup" {
                continue;
            }
            let found = findings_for(setup, &example.sql, example.pg_version());
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
        for bad in examples.iter().filter(|e| e.kind == "bad") {
            for finding in findings_for(setup, &bad.sql, bad.pg_version())
                .iter()
                .filter(|f| f.rule == meta.id)
            {
                let Some(fix) = &finding.fix else { continue };
                if fix.applicability == pgproof::finding::Applicability::DisplayOnly {
                    continue;
                }
                let again = findings_for(setup, &fix.sql, bad.pg_version());
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
