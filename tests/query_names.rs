//! Name resolution in query checks, over the fixture app `sql-fixtures/apps/names/`: CTE scope,
//! whole-row references, set-operation output names, partial unique indexes as conflict arbiters,
//! tables a `DO` block rebuilt, and messages without empty lists. The error-level findings of each
//! query file are exactly the statements annotated `-- expect: <rule>`.

// Tests may unwrap: a panic here is a failing test (clippy.toml only exempts `#[test]` fns).
#![allow(clippy::unwrap_used)]

mod common;

use pgproof::config::Settings;
use pgproof::finding::{Finding, Severity};
use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

fn app() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sql-fixtures/apps/names")
}

fn lint(queries: &str, settings: Settings) -> Vec<Finding> {
    let settings = Settings {
        queries: vec![app().join(queries)],
        ..settings
    };
    pgproof::commands::lint::lint_dir(&app().join("migrations"), &settings).expect("lint runs")
}

/// The 1-based first line of the statement holding `offset`.
fn statement_line(text: &str, offset: usize) -> usize {
    let q = pgproof::source::query_files::split(0, text)
        .into_iter()
        .find(|q| q.span.start <= offset && offset <= q.span.end)
        .unwrap_or_else(|| panic!("offset {offset} is outside every statement"));
    text[..q.span.start].matches('\n').count() + 1
}

/// (statement line, rule) for every `-- expect:` annotation of `file`.
fn expected(file: &Path) -> BTreeSet<(usize, String)> {
    let text = fs::read_to_string(file).expect("read");
    let mut out = BTreeSet::new();
    let mut previous_end = 0;
    for q in pgproof::source::query_files::split(0, &text) {
        let line = text[..q.span.start].matches('\n').count() + 1;
        for l in text[previous_end..q.span.start].lines() {
            if let Some(rules) = l.trim().strip_prefix("-- expect:") {
                out.extend(rules.split(',').map(|r| (line, r.trim().to_string())));
            }
        }
        previous_end = q.span.end;
    }
    out
}

/// Asserts that the error-level findings in `file` are exactly its annotated statements, and
/// returns the findings in that file.
fn assert_errors_exact(findings: &[Finding], file: &str) -> Vec<Finding> {
    let path = app().join("queries").join(file);
    let text = fs::read_to_string(&path).expect("read");
    let mine: Vec<Finding> = findings
        .iter()
        .filter(|f| f.file == path)
        .cloned()
        .collect();
    let actual: BTreeSet<(usize, String)> = mine
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .map(|f| (statement_line(&text, f.span.start), f.rule.to_string()))
        .collect();
    let expected = expected(&path);
    assert!(!expected.is_empty(), "{file} has no annotated statement");
    assert_eq!(
        actual,
        expected,
        "{file}: error-level findings differ from the annotations\n{:#?}",
        mine.iter()
            .map(|f| format!("{}:{} {} {}", file, f.start.line, f.rule, f.message))
            .collect::<Vec<_>>()
    );
    mine
}

fn messages_about<'a>(findings: &'a [Finding], label: &str) -> Vec<&'a str> {
    findings
        .iter()
        .filter(|f| f.message.contains(&format!("`{label}`")))
        .map(|f| f.message.as_str())
        .collect()
}

/// Item 1: a CTE is visible in every later CTE body, in data-modifying CTEs, in
/// `INSERT ... SELECT`, `UPDATE ... FROM` and `DELETE ... USING`, and a recursive CTE in its own
/// body; a misspelled column inside a writing CTE is still reported.
#[test]
fn ctes_are_visible_in_later_and_data_modifying_ctes() {
    let findings = lint("queries", Settings::default());
    let mine = assert_errors_exact(&findings, "cte_scope.sql");
    for name in [
        "BumpAccountRefills",
        "RefillByEmail",
        "DeletePicked",
        "MoveRefills",
        "InsertFromCte",
        "Countdown",
    ] {
        assert!(
            messages_about(&mine, name).is_empty(),
            "{name}: {:#?}",
            messages_about(&mine, name)
        );
    }
    let broken = messages_about(&mine, "BrokenBump");
    assert!(
        broken.iter().any(|m| m.contains("column `amout`")),
        "{broken:#?}"
    );
}

/// Item 3: a statement that names the previous statement's CTE stays an error.
#[test]
fn a_stray_statement_using_an_earlier_cte_is_reported() {
    let findings = lint("queries", Settings::default());
    let stray: Vec<&Finding> = findings
        .iter()
        .filter(|f| f.rule == "query-references-missing-object")
        .filter(|f| f.message.contains("relation `picked` does not exist"))
        .collect();
    assert_eq!(stray.len(), 1, "{findings:#?}");
    assert_eq!(stray[0].severity, Severity::Error);
}

/// Item 2 and its neighbours: whole-row references (`f(rl)`, `rl.*`), `UNION ... ORDER BY`
/// output names, an upsert whose `WHERE` implies a partial unique index's predicate, and a table
/// a `DO` block rebuilt (with an apostrophe in a comment inside the block) are not errors.
#[test]
fn whole_rows_set_operations_partial_arbiters_and_do_blocks_are_resolved() {
    let findings = lint("queries", Settings::default());
    let mine = assert_errors_exact(&findings, "rows.sql");
    for name in [
        "RefillValue",
        "RefillJson",
        "AccountAndRefillIds",
        "UpsertRefill",
        "MigrationsByLine",
    ] {
        assert!(
            messages_about(&mine, name).is_empty(),
            "{name}: {:#?}",
            messages_about(&mine, name)
        );
    }
    assert!(messages_about(&mine, "UpsertRefillLoose")
        .iter()
        .any(|m| m.contains("ON CONFLICT (dedupe_key)")));
}

/// Item 16: a missing column in a block with no relation of its own names what is in scope,
/// never an empty list.
#[test]
fn messages_never_print_an_empty_list() {
    let findings = lint("queries", Settings::default());
    assert!(
        findings
            .iter()
            .all(|f| !f.message.contains("any of ;") && !f.message.contains("any of ,")),
        "{findings:#?}"
    );
    let broken = messages_about(&findings, "BrokenSubquery");
    assert_eq!(
        broken,
        vec!["`BrokenSubquery`: column `nothing_here` does not exist in any relation in scope; the query fails at runtime"]
    );
}

/// Item 15, unconfigured: queries with `%name%` templating are reported as not checked (info,
/// with the hint to configure `query_placeholders`), never as syntax errors; a `-- name:` comment
/// starts a new query where the previous one has no semicolon.
#[test]
fn templated_queries_are_not_checked_and_say_so() {
    let findings = lint("queries", Settings::default());
    let path = app().join("queries/templated.sql");
    let mine: Vec<&Finding> = findings.iter().filter(|f| f.file == path).collect();
    assert!(mine.iter().all(|f| f.rule != "syntax-error"), "{mine:#?}");
    let skipped: Vec<&&Finding> = mine
        .iter()
        .filter(|f| f.rule == "query-not-checked")
        .collect();
    assert_eq!(skipped.len(), 4, "{mine:#?}");
    for f in &skipped {
        assert_eq!(f.severity, Severity::Info);
        assert!(
            f.help
                .as_deref()
                .is_some_and(|h| h.contains("looks templated, configure query_placeholders")),
            "{f:#?}"
        );
    }
    for name in ["list-accounts", "count-refills", "from-template"] {
        assert_eq!(
            messages_about(&findings, name).len(),
            1,
            "{name}: {mine:#?}"
        );
    }
    // The query after the one without a semicolon is its own query, and checked.
    assert!(messages_about(&findings, "refills-for-account").is_empty());
    assert!(messages_about(&findings, "refill-by-id").is_empty());
}

/// Item 15, configured: `query_placeholders` in pgproof.toml replaces each match by a neutral
/// token of the same length, so the query is checked and its findings point into the file; a
/// placeholder where no expression can stand still leaves the query unchecked.
#[test]
fn configured_placeholders_let_templated_queries_be_checked() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("pgproof.toml");
    fs::write(&config, "query_placeholders = ['%[a-z_]+%']\n").expect("write config");
    let settings =
        pgproof::config::load(Some(&config), pgproof::rules::is_known).expect("config loads");
    let findings = lint("queries", settings);
    let path = app().join("queries/templated.sql");
    let text = fs::read_to_string(&path).expect("read");
    let mine: Vec<&Finding> = findings.iter().filter(|f| f.file == path).collect();
    let errors: Vec<&&Finding> = mine
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .collect();
    assert_eq!(errors.len(), 1, "{mine:#?}");
    assert_eq!(errors[0].rule, "query-references-missing-object");
    assert!(errors[0].message.contains("`count-refills`"), "{errors:#?}");
    assert_eq!(&text[errors[0].span.start..errors[0].span.end], "amout");
    let skipped: Vec<&&Finding> = mine
        .iter()
        .filter(|f| f.rule == "query-not-checked")
        .collect();
    assert_eq!(skipped.len(), 1, "{mine:#?}");
    assert!(skipped[0].message.contains("`from-template`"));
    assert!(skipped[0].message.contains("still does not parse"));
    assert!(
        messages_about(&findings, "list-accounts").is_empty(),
        "{mine:#?}"
    );
    // The literal `'%example%'` matches the pattern but is left alone: its leading wildcard is
    // still reported.
    assert!(
        mine.iter()
            .any(|f| f.rule == "leading-wildcard-like" && f.message.contains("`search-accounts`")),
        "{mine:#?}"
    );
}

/// A `query_placeholders` entry that is no regular expression is a config error naming the file
/// and the key.
#[test]
fn an_invalid_placeholder_pattern_is_a_config_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("pgproof.toml");
    fs::write(&config, "query_placeholders = ['%(unclosed']\n").expect("write config");
    let error = format!(
        "{:#}",
        pgproof::config::load(Some(&config), pgproof::rules::is_known)
            .expect_err("invalid pattern")
    );
    assert!(error.contains("pgproof.toml"), "{error}");
    assert!(error.contains("query_placeholders"), "{error}");
    assert!(error.contains("%(unclosed"), "{error}");
}

/// Item 12: with `--since`, GitHub annotations and SARIF results for a query of the running
/// release point at the file in the working tree (a path the pull request contains, not
/// `v1:...`), and the message names the release.
#[test]
fn running_release_annotations_point_at_the_working_tree_file() {
    let query = "db/queries/users/get.sql";
    let repo = common::two_releases(
        &[
            (
                "db/migrations/001_users.sql",
                "CREATE TABLE users (id bigint PRIMARY KEY, name text NOT NULL);\n",
            ),
            (
                query,
                "-- name: GetUser :one\nSELECT id, name FROM users WHERE id = $1;\n",
            ),
        ],
        &[
            (
                "db/migrations/002_rename.sql",
                "ALTER TABLE users RENAME COLUMN name TO full_name;\n",
            ),
            (
                query,
                "-- name: GetUser :one\nSELECT id, full_name FROM users WHERE id = $1;\n",
            ),
        ],
    );
    let root = repo.path();
    let run = |format: &str| {
        let output = Command::new(env!("CARGO_BIN_EXE_pgproof"))
            .args([
                "lint",
                "db/migrations",
                "--queries",
                "db/queries",
                "--since",
                "v1",
                "--format",
                format,
            ])
            .current_dir(root)
            .output()
            .expect("pgproof runs");
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    let github = run("github");
    let old: Vec<&str> = github
        .lines()
        .filter(|l| l.contains("title=pgproof old-query-breaks"))
        .collect();
    assert_eq!(old.len(), 1, "{github}");
    assert!(old[0].contains(&format!("file={query},")), "{github}");
    assert!(old[0].contains("running release (v1)"), "{github}");
    let sarif: serde_json::Value = serde_json::from_str(&run("sarif")).expect("sarif json");
    let uris: Vec<&str> = sarif["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter(|r| r["ruleId"] == "old-query-breaks")
        .map(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert_eq!(uris, vec![query]);
    // The JSON report keeps naming the release's version of the file.
    let json: serde_json::Value = serde_json::from_str(&run("json")).expect("json");
    assert!(common::findings_of(&json, "old-query-breaks")
        .iter()
        .all(|f| f["file"] == format!("v1:{query}")));
}

/// Item 10: with `--since`, a column retyped across families (`boolean` to `text`) breaks a
/// comparison with a literal of the old type in the new release's queries too; a comparison
/// with a literal of the new type does not.
#[test]
fn a_retype_across_families_breaks_new_release_literal_comparisons() {
    let repo = tempfile::tempdir().expect("temp dir");
    let root = repo.path();
    fs::create_dir_all(root.join("db/migrations")).unwrap();
    fs::create_dir_all(root.join("db/queries")).unwrap();
    fs::write(
        root.join("db/migrations/001_users.sql"),
        "CREATE TABLE users (id bigint PRIMARY KEY, is_active boolean NOT NULL);\n",
    )
    .unwrap();
    fs::write(
        root.join("db/queries/users.sql"),
        "-- name: ActiveUsers :many\nSELECT id FROM users WHERE is_active = TRUE;\n",
    )
    .unwrap();
    common::git(root, &["init", "-q"]);
    common::git(root, &["add", "."]);
    common::git(root, &["commit", "-qm", "release 1"]);
    common::git(root, &["tag", "v1"]);
    fs::write(
        root.join("db/migrations/002_status_text.sql"),
        "ALTER TABLE users ALTER COLUMN is_active TYPE text USING is_active::text;\n",
    )
    .unwrap();
    fs::write(
        root.join("db/queries/users.sql"),
        "-- name: ActiveUsers :many\nSELECT id FROM users WHERE is_active = TRUE;\n\n-- name: ActiveAfter :many\nSELECT id FROM users WHERE id > $1 AND is_active = TRUE;\n\n-- name: ActiveText :many\nSELECT id FROM users WHERE id > $1 AND is_active = 'true';\n",
    )
    .unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_pgproof"))
        .args([
            "lint",
            "db/migrations",
            "--queries",
            "db/queries",
            "--since",
            "v1",
            "--format",
            "json",
        ])
        .current_dir(root)
        .output()
        .expect("pgproof runs");
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json report");
    let messages: Vec<&str> = common::findings_of(&report, "old-query-breaks")
        .iter()
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    // The new query with a boolean literal, and the running release's unchanged query.
    assert_eq!(messages.len(), 2, "{messages:#?}");
    assert!(
        messages
            .iter()
            .any(|m| m.contains("`ActiveAfter` of the new release")
                && m.contains("`users.is_active`")
                && m.contains("boolean literal")),
        "{messages:#?}"
    );
    assert!(messages
        .iter()
        .any(|m| m.contains("`ActiveUsers` of the running release (v1)")));
    assert!(!messages.iter().any(|m| m.contains("ActiveText")));
}
