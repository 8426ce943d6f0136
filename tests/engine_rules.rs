//! Rules the engine emits itself (`Emitter::Engine`: no hooks, behaviour elsewhere) are really
//! emitted: one scenario per such rule, run through the real pipeline. A new engine-emitted rule
//! fails here until it has a scenario.

// Tests may unwrap: a panic here is a failing test (clippy.toml only exempts `#[test]` fns).
#![allow(clippy::unwrap_used)]

use pgproof::config::Settings;
use pgproof::finding::Finding;
use pgproof::rules::{Emitter, RULES};
use std::fs;
use std::path::Path;

/// Lints the files `files` (name, text) written to a temporary folder, with application queries
/// `queries` when given.
fn lint(files: &[(&str, &str)], queries: Option<&str>) -> Vec<Finding> {
    let dir = tempfile::tempdir().expect("temp dir");
    let migrations = dir.path().join("migrations");
    fs::create_dir(&migrations).expect("migrations dir");
    for (name, text) in files {
        fs::write(migrations.join(name), text).expect("write migration");
    }
    let mut settings = Settings::default();
    if let Some(queries) = queries {
        let path = dir.path().join("queries.sql");
        fs::write(&path, queries).expect("write queries");
        settings.queries = vec![path];
    }
    pgproof::commands::lint::lint_dir(&migrations, &settings).expect("lint runs")
}

/// Findings that make the engine emit rule `id`, and the file they must point into.
fn scenario(id: &str) -> (Vec<Finding>, &'static str) {
    const TABLE: &str = "CREATE TABLE t (id bigint PRIMARY KEY, c text);\n";
    match id {
        "syntax-error" => (
            lint(&[("001_a.sql", "CREATE TABLE t (id bigint PRIMARY KEY,);\n")], None),
            "001_a.sql",
        ),
        "unused-suppression" => (
            lint(
                &[(
                    "001_a.sql",
                    "-- pgproof: ignore drop-column -- not dropping anything\nCREATE TABLE t (id bigint);\n",
                )],
                None,
            ),
            "001_a.sql",
        ),
        "suppression-without-reason" => (
            lint(
                &[
                    ("001_a.sql", TABLE),
                    (
                        "002_b.sql",
                        "-- pgproof: ignore drop-column\nALTER TABLE t DROP COLUMN c;\n",
                    ),
                ],
                None,
            ),
            "002_b.sql",
        ),
        // Plain files run in name order; one version written two ways (`001_`, `1_`) is ambiguous.
        "ambiguous-migration-order" => (
            lint(&[("001_a.sql", TABLE), ("1_b.sql", "SELECT 1;\n")], None),
            "1_b.sql",
        ),
        "query-not-checked" => (
            lint(
                &[("001_a.sql", TABLE)],
                Some("SELECT id FROM t WHERE id > $1 ORDER BY %order% LIMIT 50;\n"),
            ),
            "queries.sql",
        ),
        other => panic!("engine-emitted rule `{other}` has no scenario here: add one"),
    }
}

#[test]
fn every_engine_emitted_rule_is_emitted() {
    let mut checked = 0;
    for rule in RULES {
        let meta = rule.meta();
        let Emitter::Engine(place) = meta.emitter else {
            continue;
        };
        assert!(!place.is_empty(), "{}: say where it is emitted", meta.id);
        let (findings, file) = scenario(&meta.id);
        let fired: Vec<&Finding> = findings.iter().filter(|f| f.rule == meta.id).collect();
        assert!(
            !fired.is_empty(),
            "{} was not emitted (emitted by: {place}): {findings:#?}",
            meta.id
        );
        assert!(
            fired
                .iter()
                .all(|f| f.file.file_name() == Some(Path::new(file).as_os_str())),
            "{} pointed elsewhere than `{file}`: {fired:#?}",
            meta.id
        );
        assert_eq!(fired[0].severity, meta.severity, "{}", meta.id);
        assert_eq!(fired[0].category, meta.category, "{}", meta.id);
        checked += 1;
    }
    assert_eq!(checked, 5, "engine-emitted rules: expected five");
}

/// A parser stop at a psql variable or a template placeholder is said at info level, as "cannot
/// tell"; a real syntax error beside it stays an error.
#[test]
fn a_syntax_error_at_text_replaced_first_is_only_info() {
    let findings = lint(
        &[(
            "001_a.sql",
            "\\set gid 'x'\nCREATE TABLE t (id text PRIMARY KEY);\nINSERT INTO t VALUES (:gid);\n\
             SELECT * FROM t ORDER BY %order%;\nCREATE TABLE u (id bigint PRIMARY KEY,);\n",
        )],
        None,
    );
    let said: Vec<(usize, String)> = findings
        .iter()
        .filter(|f| f.rule == "syntax-error")
        .map(|f| (f.start.line, f.severity.name().to_string()))
        .collect();
    assert_eq!(
        said,
        vec![
            (3, "info".to_string()),
            (4, "info".to_string()),
            (5, "error".to_string())
        ],
        "{findings:#?}"
    );
    // A runner sends the file as it is: the server rejects `:gid` there.
    let findings = lint(
        &[(
            "1_a.up.sql",
            "CREATE TABLE t (id text PRIMARY KEY);\nINSERT INTO t VALUES (:gid);\n",
        )],
        None,
    );
    let said: Vec<&str> = findings
        .iter()
        .filter(|f| f.rule == "syntax-error")
        .map(|f| f.severity.name())
        .collect();
    assert_eq!(said, vec!["error"], "{findings:#?}");
}

/// A no-break space after the last statement: Flyway splits the statements itself and skips it
/// (a real Flyway history ships one), so it is said at info level there; psql would send it to
/// the server, which reads it as a word and fails, so a plain file keeps the error. A no-break
/// space next to SQL stays an error everywhere.
#[test]
fn a_fragment_of_unicode_spaces_is_an_error_only_where_it_is_sent() {
    let said = |files: &[(&str, &str)]| -> Vec<(usize, String)> {
        lint(files, None)
            .iter()
            .filter(|f| f.rule == "syntax-error")
            .map(|f| (f.start.line, f.severity.name().to_string()))
            .collect()
    };
    let setup = "CREATE TABLE t (id bigint PRIMARY KEY);\n";
    let trailing = "DROP TABLE IF EXISTS t;\u{a0}\n";
    assert_eq!(
        said(&[("V1__a.sql", setup), ("V2__b.sql", trailing)]),
        vec![(1, "info".to_string())]
    );
    assert_eq!(
        said(&[("001_a.sql", setup), ("002_b.sql", trailing)]),
        vec![(1, "error".to_string())]
    );
    assert_eq!(
        said(&[("V1__a.sql", setup), ("V2__b.sql", "DROP TABLE\u{a0}t;\n")]),
        vec![(1, "error".to_string())]
    );
}
