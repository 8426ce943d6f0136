//! Query checks over the fixture apps in `sql-fixtures/apps/<name>/`: every query rule fires
//! exactly on the queries annotated `-- expect: <rule>, ...`, and nowhere else. Plus the
//! old-release check (`--since`) in a real git repository, through the binary.

// Tests may unwrap: a panic here is a failing test (clippy.toml only exempts `#[test]` fns).
#![allow(clippy::unwrap_used)]

mod common;

use pgproof::config::Settings;
use pgproof::finding::Finding;
use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

fn app_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("sql-fixtures/apps")
        .join(name)
}

/// Rules whose findings are about queries (they have a query hook and a doc with query examples).
fn is_query_rule(rule: &str) -> bool {
    pgproof::rules::find(rule).is_some_and(|r| {
        pgproof::docs::examples(r.meta().doc)
            .iter()
            .any(|e| e.options.iter().any(|o| o == "query"))
    })
}

fn lint_app(name: &str) -> Vec<Finding> {
    let dir = app_dir(name);
    let settings = Settings {
        queries: vec![dir.join("queries")],
        ..Settings::default()
    };
    pgproof::commands::lint::lint_dir(&dir.join("migrations"), &settings).expect("lint runs")
}

/// (file name, 1-based line of the statement, rule) for every `-- expect:` annotation.
fn expectations(dir: &Path) -> BTreeSet<(String, usize, String)> {
    let mut out = BTreeSet::new();
    for entry in fs::read_dir(dir).expect("queries dir") {
        let path = entry.expect("entry").path();
        let text = fs::read_to_string(&path).expect("read");
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let mut previous_end = 0;
        for q in pgproof::source::query_files::split(0, &text) {
            let lead = &text[previous_end..q.span.start];
            let line = text[..q.span.start].matches('\n').count() + 1;
            for l in lead.lines() {
                if let Some(rules) = l.trim().strip_prefix("-- expect:") {
                    for rule in rules.split(',') {
                        out.insert((name.clone(), line, rule.trim().to_string()));
                    }
                }
            }
            previous_end = q.span.end;
        }
    }
    out
}

/// The statement a finding lies in: its first line.
fn statement_line(text: &str, offset: usize) -> usize {
    let queries = pgproof::source::query_files::split(0, text);
    let q = queries
        .iter()
        .find(|q| q.span.start <= offset && offset <= q.span.end)
        .unwrap_or_else(|| panic!("finding at {offset} is outside every statement"));
    text[..q.span.start].matches('\n').count() + 1
}

#[test]
fn every_fixture_app_query_check_is_exact() {
    let apps = Path::new(env!("CARGO_MANIFEST_DIR")).join("sql-fixtures/apps");
    let mut names: Vec<String> = fs::read_dir(&apps)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(names.len() >= 2, "{names:?}");
    let mut exercised = BTreeSet::new();
    for app in &names {
        let dir = app_dir(app);
        let findings = lint_app(app);
        let mut actual = BTreeSet::new();
        for f in findings.iter().filter(|f| is_query_rule(&f.rule)) {
            assert!(
                f.file.starts_with(dir.join("queries")),
                "{app}: query rule {} reported outside the query files: {}",
                f.rule,
                f.file.display()
            );
            let text = fs::read_to_string(&f.file).expect("read");
            let name = f.file.file_name().unwrap().to_string_lossy().into_owned();
            actual.insert((
                name,
                statement_line(&text, f.span.start),
                f.rule.to_string(),
            ));
        }
        let expected = expectations(&dir.join("queries"));
        let missing: Vec<_> = expected.difference(&actual).collect();
        let extra: Vec<_> = actual.difference(&expected).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "{app}: expected but not reported: {missing:#?}\nreported but not expected: {extra:#?}\nall findings: {:#?}",
            findings
                .iter()
                .filter(|f| is_query_rule(&f.rule))
                .map(|f| format!("{}:{} {} {}", f.file.display(), f.start.line, f.rule, f.message))
                .collect::<Vec<_>>()
        );
        exercised.extend(expected.into_iter().map(|(_, _, rule)| rule));
    }
    // Every query rule with doc examples is exercised by some app.
    for rule in pgproof::rules::RULES {
        let id = rule.meta().id.as_str();
        if is_query_rule(id) {
            assert!(exercised.contains(id), "no fixture app has a case for {id}");
        }
    }
}

#[test]
fn shop_app_suggestions_are_merged_and_named() {
    let findings = lint_app("shop");
    let unindexed: Vec<&Finding> = findings
        .iter()
        .filter(|f| f.rule == "unindexed-query")
        .collect();
    // `orders-by-status` (status =, placed_at range) and `recent-orders-by-status` (status =,
    // ORDER BY placed_at LIMIT) get the same index, and each names the other.
    let by_status: Vec<&&Finding> = unindexed
        .iter()
        .filter(|f| f.message.contains("orders-by-status"))
        .collect();
    assert_eq!(by_status.len(), 2, "{unindexed:#?}");
    for f in &by_status {
        assert_eq!(
            f.fix.as_ref().unwrap().sql,
            "CREATE INDEX CONCURRENTLY orders_status_placed_at_idx ON orders (status, placed_at);"
        );
        assert!(f.notes.iter().any(|n| n.contains("also serves")), "{f:#?}");
    }
    // GetCustomerByEmail's (email) is a prefix of NewestCustomerByEmail's (email, created_at).
    let email: Vec<&&Finding> = unindexed
        .iter()
        .filter(|f| f.message.contains("CustomerByEmail"))
        .collect();
    assert_eq!(email.len(), 2);
    for f in email {
        assert_eq!(
            f.fix.as_ref().unwrap().sql,
            "CREATE INDEX CONCURRENTLY customers_email_created_at_idx ON customers (email, created_at);"
        );
    }
    // The join looked up from one order suggests the join column.
    assert!(unindexed
        .iter()
        .any(|f| f.message.contains("order-shipments")
            && f.fix
                .as_ref()
                .unwrap()
                .sql
                .ends_with("ON shipments (parcel_of);")));
}

#[test]
fn joins_in_queries_feed_missing_foreign_key() {
    let findings = lint_app("shop");
    let fk: Vec<&Finding> = findings
        .iter()
        .filter(|f| f.rule == "missing-foreign-key")
        .collect();
    assert!(
        fk.iter().any(|f| f.message.contains("parcel_of")
            && f.message.contains("order-shipments")
            && f.file.ends_with("002_shipments.sql")),
        "{fk:#?}"
    );
}

#[test]
fn old_release_queries_are_checked_against_the_new_schema() {
    // Release 2: rename a column, add a required one; the new code follows, the old does not.
    let repo = common::two_releases(
        &[
            (
                "db/migrations/001_users.sql",
                "CREATE TABLE users (id bigint PRIMARY KEY, name text NOT NULL, email text, age int);\n",
            ),
            (
                "db/queries/users.sql",
                "-- name: GetUser :one\nSELECT id, name FROM users WHERE id = $1;\n\n-- name: CreateUser :exec\nINSERT INTO users (id, name) VALUES ($1, $2);\n\n-- name: Emails :many\nSELECT email FROM users WHERE id = ANY($1);\n\n-- name: Adults :many\nSELECT id FROM users WHERE age >= $1;\n",
            ),
        ],
        &[
            (
                "db/migrations/002_rename.sql",
                "ALTER TABLE users RENAME COLUMN name TO full_name;\nALTER TABLE users ADD COLUMN org_id bigint NOT NULL;\nALTER TABLE users ALTER COLUMN age TYPE text;\n",
            ),
            (
                "db/queries/users.sql",
                "-- name: GetUser :one\nSELECT id, full_name FROM users WHERE id = $1;\n\n-- name: CreateUser :exec\nINSERT INTO users (id, full_name, org_id) VALUES ($1, $2, $3);\n\n-- name: Emails :many\nSELECT email FROM users WHERE id = ANY($1);\n\n-- name: Adults :many\nSELECT id FROM users WHERE age >= $1;\n",
            ),
        ],
    );
    let root = repo.path();
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
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(1),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value = serde_json::from_str(&stdout).expect("json");
    let old = common::findings_of(&report, "old-query-breaks");
    // GetUser reads the renamed column; CreateUser writes it and omits the new required one;
    // Adults, unchanged, compares the retyped column with what the old code binds as a number.
    assert_eq!(old.len(), 4, "{old:#?}");
    let messages: Vec<&str> = old.iter().map(|f| f["message"].as_str().unwrap()).collect();
    assert!(messages.iter().any(|m| m.contains("`GetUser`")
        && m.contains("column `name` does not exist")
        && m.contains("002_rename")
        && m.contains("renamed to `full_name`")));
    assert!(messages
        .iter()
        .any(|m| m.contains("`CreateUser`") && m.contains("`org_id`")));
    assert!(old
        .iter()
        .all(|f| f["file"].as_str().unwrap().starts_with("v1:")));
    assert!(
        messages
            .iter()
            .any(|m| m.contains("`Adults`") && m.contains("retyped from `integer` to `text`")),
        "{messages:#?}"
    );
    // The new release's queries are fine; the unchanged `Emails` query is not an old-query finding.
    assert!(!messages.iter().any(|m| m.contains("Emails")));
    // Annotations point at the file in the working tree, which a pull request contains, not at
    // `v1:db/queries/users.sql`.
    let github = Command::new(env!("CARGO_BIN_EXE_pgproof"))
        .args([
            "lint",
            "db/migrations",
            "--queries",
            "db/queries",
            "--since",
            "v1",
            "--format",
            "github",
        ])
        .current_dir(root)
        .output()
        .expect("pgproof runs");
    let annotations: Vec<String> = String::from_utf8_lossy(&github.stdout)
        .lines()
        .filter(|l| l.contains("title=pgproof old-query-breaks"))
        .map(str::to_string)
        .collect();
    assert_eq!(annotations.len(), 4, "{annotations:#?}");
    assert!(
        annotations
            .iter()
            .all(|a| a.contains(" file=db/queries/users.sql,")),
        "{annotations:#?}"
    );
}

/// Multi-byte names, named parameters with non-ASCII letters, and a broken statement in the
/// middle of a file: every other statement is still checked, and positions stay on characters.
#[test]
fn unicode_names_and_a_broken_statement_do_not_stop_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let migrations = dir.path().join("m");
    fs::create_dir(&migrations).unwrap();
    fs::write(
        migrations.join("001.sql"),
        "CREATE TABLE \"Ünïcödé\" (id bigint PRIMARY KEY, \"nämé\" text);\n",
    )
    .unwrap();
    let queries = dir.path().join("q.sql");
    fs::write(
        &queries,
        "SELECT \"nämé\", \"nöpe\" FROM \"Ünïcödé\" WHERE \"nämé\" = :näme AND id = ?;\nSELECT FROM WHERE;\nSELECT 1 FROM \"Tábla\";\n",
    )
    .unwrap();
    let settings = Settings {
        queries: vec![queries.clone()],
        ..Settings::default()
    };
    let findings = pgproof::commands::lint::lint_dir(&migrations, &settings).expect("lint runs");
    let rules: Vec<(usize, &str)> = findings
        .iter()
        .filter(|f| f.file == queries)
        .map(|f| (f.start.line, f.rule.as_str()))
        .collect();
    assert_eq!(
        rules,
        [
            (1, "query-references-missing-object"),
            (2, "syntax-error"),
            (3, "query-references-missing-object")
        ],
        "{findings:#?}"
    );
    // Rendering with excerpts must not split a character.
    let out = Command::new(env!("CARGO_BIN_EXE_pgproof"))
        .args(["lint", "--color", "never", "--queries"])
        .arg(&queries)
        .arg(&migrations)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("column `nöpe` does not exist"));
}

/// A table configured as small by design (`small_tables` in pgproof.toml, by name or
/// `schema.name`) gets no index advice; other tables still do.
#[test]
fn small_tables_from_the_config_get_no_index_advice() {
    let dir = common::write_files(&[
        (
            "001_init.sql",
            "CREATE TABLE settings (id bigint PRIMARY KEY, name text NOT NULL);\nCREATE TABLE events (id bigint PRIMARY KEY, kind text NOT NULL);\n",
        ),
        ("pgproof.toml", "small_tables = [\"public.settings\"]\n"),
    ]);
    let queries = common::write_files(&[(
        "q.sql",
        "SELECT id FROM settings WHERE name = $1;\nSELECT id FROM events WHERE kind = $1;\n",
    )]);
    let mut settings = pgproof::config::load(
        Some(&dir.path().join("pgproof.toml")),
        pgproof::rules::is_known,
    )
    .expect("config loads");
    settings.queries = vec![queries.path().join("q.sql")];
    let findings = pgproof::commands::lint::lint_dir(dir.path(), &settings).expect("lint runs");
    let advice: Vec<&str> = findings
        .iter()
        .filter(|f| f.rule == "unindexed-query")
        .map(|f| f.message.as_str())
        .collect();
    assert_eq!(advice.len(), 1, "{advice:#?}");
    assert!(advice[0].contains("`events` by `kind`"), "{advice:#?}");
    let bad = common::write_files(&[("pgproof.toml", "small_tables = [\"a.b.c\"]\n")]);
    let err = pgproof::config::load(
        Some(&bad.path().join("pgproof.toml")),
        pgproof::rules::is_known,
    )
    .unwrap_err();
    assert!(format!("{err:#}").contains("small_tables"), "{err:#}");
}

/// An INSERT that leaves out a required column is an error only when pgproof can tell it fails:
/// a trigger on the table may fill the column, and a query named as a variant of one that writes
/// it may be kept for a schema from before the column existed (riverqueue/river's
/// `...AssumingMain` queries). Both are warnings that say why; a second insert path named
/// otherwise stays an error.
#[test]
fn an_omitted_required_column_is_an_error_only_when_nothing_may_excuse_it() {
    let dir = common::write_files(&[(
        "001_init.sql",
        "CREATE TABLE migrations (line text NOT NULL, version bigint NOT NULL, PRIMARY KEY (line, version));\n\
         CREATE TABLE invoices (id bigint PRIMARY KEY, currency text NOT NULL);\n\
         CREATE TABLE audit_rows (id bigint PRIMARY KEY, actor text NOT NULL);\n\
         CREATE FUNCTION fill_actor() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.actor := current_user; RETURN NEW; END $$;\n\
         CREATE TRIGGER audit_rows_actor BEFORE INSERT ON audit_rows FOR EACH ROW EXECUTE FUNCTION fill_actor();\n",
    )]);
    let queries = common::write_files(&[(
        "q.sql",
        "-- name: InsertMigration :many\nINSERT INTO migrations (line, version) SELECT $1, unnest($2::bigint[]);\n\
         -- name: InsertMigrationAssumingMain :many\nINSERT INTO migrations (version) SELECT unnest($1::bigint[]);\n\
         -- name: InsertInvoice :one\nINSERT INTO invoices (id) VALUES ($1);\n\
         -- name: CreateInvoice :one\nINSERT INTO invoices (id, currency) VALUES ($1, $2);\n\
         -- name: InsertAuditRow :one\nINSERT INTO audit_rows (id) VALUES ($1);\n",
    )]);
    let settings = Settings {
        queries: vec![queries.path().join("q.sql")],
        ..Settings::default()
    };
    let findings = pgproof::commands::lint::lint_dir(dir.path(), &settings).expect("lint runs");
    let found: Vec<(String, String, String)> = findings
        .iter()
        .filter(|f| f.rule == "insert-omits-required-column")
        .map(|f| {
            let name = f.message.split('`').nth(1).unwrap_or_default().to_string();
            (name, f.severity.name().to_string(), f.notes.join(" "))
        })
        .collect();
    assert_eq!(found.len(), 3, "{found:#?}");
    let of = |name: &str| found.iter().find(|f| f.0 == name).unwrap();
    assert_eq!(of("InsertInvoice").1, "error", "{found:#?}");
    let assuming = of("InsertMigrationAssumingMain");
    assert_eq!(assuming.1, "warning", "{found:#?}");
    assert!(
        assuming
            .2
            .contains("a variant of `InsertMigration`, which writes `line`"),
        "{found:#?}"
    );
    let audit = of("InsertAuditRow");
    assert_eq!(audit.1, "warning", "{found:#?}");
    assert!(
        audit.2.contains("the trigger `audit_rows_actor`"),
        "{found:#?}"
    );
}

/// `old-query-breaks` shares the trigger's doubt: an old insert that leaves out a new required
/// column may still succeed when a trigger on the table fills it, so it is a warning that says so.
#[test]
fn an_old_insert_is_a_warning_when_a_trigger_may_fill_the_new_column() {
    let repo = common::two_releases(
        &[
            (
                "db/migrations/001_users.sql",
                "CREATE TABLE users (id bigint PRIMARY KEY, name text NOT NULL);\n",
            ),
            (
                "db/queries/users.sql",
                "-- name: CreateUser :exec\nINSERT INTO users (id, name) VALUES ($1, $2);\n",
            ),
        ],
        &[
            (
                "db/migrations/002_org.sql",
                "ALTER TABLE users ADD COLUMN org_id bigint NOT NULL;\n\
                 CREATE FUNCTION default_org() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.org_id := coalesce(NEW.org_id, 1); RETURN NEW; END $$;\n\
                 CREATE TRIGGER users_default_org BEFORE INSERT ON users FOR EACH ROW EXECUTE FUNCTION default_org();\n",
            ),
            (
                "db/queries/users.sql",
                "-- name: CreateUser :exec\nINSERT INTO users (id, name, org_id) VALUES ($1, $2, $3);\n",
            ),
        ],
    );
    let root = repo.path();
    let output = Command::new(env!("CARGO_BIN_EXE_pgproof"))
        .args(["lint", "db/migrations", "--queries", "db/queries"])
        .args(["--since", "v1", "--format", "json", "--fail-on", "never"])
        .current_dir(root)
        .output()
        .expect("pgproof runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let report: serde_json::Value = serde_json::from_str(&stdout).expect("json");
    let old = common::findings_of(&report, "old-query-breaks");
    assert_eq!(old.len(), 1, "{old:#?}");
    assert_eq!(old[0]["severity"], "warning", "{old:#?}");
    let message = old[0]["message"].as_str().unwrap();
    assert!(
        message.contains("`CreateUser`")
            && message.contains("unless the trigger `users_default_org` fills it"),
        "{message}"
    );
    assert!(
        old[0]["notes"][0]
            .as_str()
            .unwrap()
            .contains("the trigger `users_default_org`"),
        "{old:#?}"
    );
}
