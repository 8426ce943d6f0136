//! Snapshot tests over `sql-fixtures/migrations/<scenario>/`: every layout, the cases peers get
//! wrong, suppressions and bad input. Review changes with `cargo insta review`.

// Tests may unwrap: a panic here is a failing test (clippy.toml only exempts `#[test]` fns).
#![allow(clippy::unwrap_used)]

use pgproof::commands::lint::lint_paths;
use pgproof::config::Settings;
use std::fmt::Write;
use std::path::Path;

fn render(dir: &Path, settings: &Settings) -> String {
    let (findings, stats, _) = lint_paths(&[dir.to_path_buf()], settings, None).expect("lint runs");
    let mut out = String::new();
    for f in &findings {
        writeln!(
            out,
            "{}:{}:{}-{}:{} {} [{}] {}",
            f.file.display(),
            f.start.line,
            f.start.column,
            f.end.line,
            f.end.column,
            f.severity.name(),
            f.rule,
            f.message
        )
        .expect("write to string");
        if let Some(lock) = &f.lock {
            writeln!(out, "  lock: {}", lock.sql()).expect("write to string");
        }
        if let Some(help) = &f.help {
            writeln!(out, "  help: {help}").expect("write to string");
        }
        if let Some(fix) = &f.fix {
            writeln!(
                out,
                "  fix ({:?}):\n    {}",
                fix.applicability,
                fix.sql.replace('\n', "\n    ")
            )
            .expect("write to string");
        }
    }
    writeln!(
        out,
        "-- {} files, {} migrations, {} statements, {} unmodelled {:?}",
        stats.files,
        stats.migrations,
        stats.statements,
        stats.unmodelled_statements,
        stats.unmodelled_kinds
    )
    .expect("write to string");
    out
}

fn scenario(name: &str) -> String {
    render(
        &Path::new("sql-fixtures/migrations").join(name),
        &Settings::default(),
    )
}

#[test]
fn plain_safe_recipes_are_silent() {
    let out = scenario("plain-safe-recipes");
    // Every statement here is a lock-safe recipe: no locking rule fires. The only findings left are
    // the `info` reminder that a new constraint also binds writes from the previous release, which
    // no SQL recipe can remove (it is about deploy order).
    let findings: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with("sql-fixtures/"))
        .collect();
    assert!(
        findings
            .iter()
            .all(|l| l.contains(" info [constraint-rejects-old-writes] ")),
        "{out}"
    );
    assert_eq!(findings.len(), 2, "{out}");
    insta::assert_snapshot!(out);
}

#[test]
fn plain_concatenated_history_is_still_correct() {
    insta::assert_snapshot!(scenario("plain-concatenated"));
}

#[test]
fn sqlx_runner_transactions_and_reversibility() {
    // Explicit BEGIN/COMMIT inside the runner's transaction, a backfill under the DDL's lock, a
    // down part that does not reverse, a missing down part, and a correct no-transaction pair.
    insta::assert_snapshot!(scenario("sqlx-transactions"));
}

#[test]
fn flyway_hazards() {
    insta::assert_snapshot!(scenario("flyway-hazards"));
}

#[test]
fn diesel_runner_transactions() {
    insta::assert_snapshot!(scenario("diesel-transactions"));
}

#[test]
fn sqlx_updown() {
    insta::assert_snapshot!(scenario("sqlx-updown"));
}

#[test]
fn goose_suppressions() {
    insta::assert_snapshot!(scenario("goose-suppressions"));
}

#[test]
fn dbmate_sections() {
    insta::assert_snapshot!(scenario("dbmate-sections"));
}

#[test]
fn prisma_generated() {
    insta::assert_snapshot!(scenario("prisma-generated"));
}

#[test]
fn sqitch_project() {
    insta::assert_snapshot!(scenario("sqitch-project"));
}

#[test]
fn bad_input_is_reported_and_linting_goes_on() {
    insta::assert_snapshot!(scenario("bad-input"));
}

#[test]
fn version_gates_change_findings() {
    let dir = Path::new("sql-fixtures/migrations/plain-safe-recipes");
    let pg11 = Settings {
        pg_version: 11,
        ..Settings::default()
    };
    let out = render(dir, &pg11);
    // Before PostgreSQL 12 a validated CHECK does not let SET NOT NULL skip its scan.
    assert!(out.contains("[set-not-null-scan]"), "{out}");
    let pg10 = Settings {
        pg_version: 10,
        ..Settings::default()
    };
    let out = render(dir, &pg10);
    // Before PostgreSQL 11 even a stable default rewrites the table.
    assert!(out.contains("[add-column-volatile-default]"), "{out}");
}

#[test]
fn assumed_order_caps_cross_file_blocked_drops_at_info() {
    // Plain files without version prefixes: the name order is pgproof's guess. A drop blocked by
    // a dependent another file created is information saying so; one blocked by a dependent of
    // the same file stays an error.
    let out = scenario("plain-assumed-order");
    let blocked: Vec<&str> = out
        .lines()
        .filter(|l| l.contains("[change-blocked-by-dependents]"))
        .collect();
    assert_eq!(blocked.len(), 2, "{out}");
    assert!(
        blocked[0].contains("drop_functions.sql:2:")
            && blocked[0].contains(" info ")
            && blocked[0].contains("order of these files was assumed"),
        "{out}"
    );
    assert!(
        blocked[1].contains("drop_functions.sql:12:") && blocked[1].contains(" error "),
        "{out}"
    );
    // Likewise a function body another file wrote is not held against a drop: only the function
    // of the same file is.
    let broken: Vec<&str> = out
        .lines()
        .filter(|l| l.contains("[change-breaks-function-body]"))
        .collect();
    assert_eq!(broken.len(), 1, "{out}");
    assert!(
        broken[0].contains("drop_tables.sql:9:") && broken[0].contains("`account_touched`"),
        "{out}"
    );
    insta::assert_snapshot!(out);
}

/// A NOT NULL column added to a table emptied earlier in the same transaction cannot fail: the
/// finding is a warning (the previous release's inserts), not an error; emptied outside a
/// transaction, or filled again, it stays an error.
#[test]
fn a_not_null_column_on_a_table_emptied_in_the_transaction_is_a_warning() {
    let dir = Path::new("sql-fixtures/rules/add-column-not-null-without-default");
    let findings = pgproof::commands::lint::lint_dir(dir, &Settings::default()).unwrap();
    let text = std::fs::read_to_string(dir.join("002_cases.sql")).unwrap();
    let severity = |column: &str| -> Vec<&str> {
        findings
            .iter()
            .filter(|f| f.rule == "add-column-not-null-without-default")
            .filter(|f| f.message.contains(&format!("`{column}`")))
            .map(|f| f.severity.name())
            .collect()
    };
    assert!(text.contains("board_id") && text.contains("lane_id"));
    assert_eq!(severity("board_id"), vec!["warning"]);
    assert_eq!(severity("lane_id"), vec!["error"]);
    assert_eq!(severity("queue_id"), vec!["error"]);
    assert_eq!(severity("desk_id"), vec!["warning"]);
    assert_eq!(severity("shelf_id"), vec!["error"]);
}
