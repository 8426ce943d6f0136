//! `pgproof fix` moving a recipe's steps that cannot share the flagged migration's transaction
//! into a migration of their own, per layout, on the built binary: a snapshot of every file of
//! the set after the fix, a lint of the result, and the result replayed up, down and up again on
//! a throwaway PostgreSQL (`prove --backend local`), where every migration applies and every down
//! part reverses its up part. Where no migration can be made, nothing of that fix is written and
//! the run says why.

// Tests may unwrap: a panic here is a failing test (clippy.toml only exempts `#[test]` fns).
#![allow(clippy::unwrap_used)]

mod common;
use common::pgproof;

use std::fs;
use std::path::Path;

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

/// Every file under `dir`, sorted by path, with its text.
fn listing(dir: &Path) -> String {
    let mut files = vec![];
    let mut stack = vec![dir.to_path_buf()];
    while let Some(at) = stack.pop() {
        for entry in fs::read_dir(&at).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    files
        .iter()
        .map(|f| {
            format!(
                "== {}\n{}",
                f.strip_prefix(dir).unwrap().display(),
                fs::read_to_string(f).unwrap()
            )
        })
        .collect()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

const INIT: &str = "CREATE TABLE teams (id bigint PRIMARY KEY);\n\
CREATE TABLE accounts (id bigint PRIMARY KEY, email text, team_id bigint);\n";
const INIT_DOWN: &str = "DROP TABLE accounts, teams;\n";
/// An index built under a write lock, beside another change of the same migration.
const CHANGE: &str = "ALTER TABLE accounts ADD COLUMN name text;\n\
CREATE INDEX accounts_email ON accounts (email);\n";
const CHANGE_DOWN: &str = "DROP INDEX accounts_email;\nALTER TABLE accounts DROP COLUMN name;\n";

/// A case: its name, `--layout` (empty: detected), the files, and the file to fix.
type Case = (
    &'static str,
    &'static str,
    Vec<(String, String)>,
    &'static str,
);

fn cases() -> Vec<Case> {
    let goose = |up: &str, down: &str| format!("-- +goose Up\n{up}\n-- +goose Down\n{down}");
    let dbmate = |up: &str, down: &str| format!("-- migrate:up\n{up}\n-- migrate:down\n{down}");
    vec![
        (
            "sqlx",
            "sqlx",
            vec![
                ("20240101000000_init.up.sql".into(), INIT.into()),
                ("20240101000000_init.down.sql".into(), INIT_DOWN.into()),
                ("20240102000000_change.up.sql".into(), CHANGE.into()),
                ("20240102000000_change.down.sql".into(), CHANGE_DOWN.into()),
                // A later migration: the new one goes between the two.
                (
                    "20240103000000_names.up.sql".into(),
                    "COMMENT ON COLUMN accounts.name IS 'display name';\n".into(),
                ),
                (
                    "20240103000000_names.down.sql".into(),
                    "COMMENT ON COLUMN accounts.name IS NULL;\n".into(),
                ),
            ],
            "20240102000000_change.up.sql",
        ),
        (
            "goose",
            "goose",
            vec![
                ("00001_init.sql".into(), goose(INIT, INIT_DOWN)),
                ("00002_change.sql".into(), goose(CHANGE, CHANGE_DOWN)),
            ],
            "00002_change.sql",
        ),
        (
            "dbmate",
            "dbmate",
            vec![
                ("20240101000000_init.sql".into(), dbmate(INIT, INIT_DOWN)),
                ("20240102000000_change.sql".into(), dbmate(CHANGE, CHANGE_DOWN)),
            ],
            "20240102000000_change.sql",
        ),
        (
            "diesel",
            "diesel",
            vec![
                ("2024-01-01-000000_init/up.sql".into(), INIT.into()),
                ("2024-01-01-000000_init/down.sql".into(), INIT_DOWN.into()),
                ("2024-01-02-000000_change/up.sql".into(), CHANGE.into()),
                ("2024-01-02-000000_change/down.sql".into(), CHANGE_DOWN.into()),
            ],
            "2024-01-02-000000_change/up.sql",
        ),
        (
            "flyway",
            "flyway",
            vec![
                ("V1__init.sql".into(), INIT.into()),
                ("U1__init.sql".into(), INIT_DOWN.into()),
                ("V2__change.sql".into(), CHANGE.into()),
                ("U2__change.sql".into(), CHANGE_DOWN.into()),
            ],
            "V2__change.sql",
        ),
        // golang-migrate, found by its go.mod: a foreign key added at once becomes `NOT VALID`
        // in place and its `VALIDATE CONSTRAINT` a migration of its own (golang-migrate sends a
        // file as one message: one implicit transaction).
        (
            "golang-migrate-validate",
            "",
            vec![
                (
                    "go.mod".into(),
                    "module app\n\nrequire github.com/golang-migrate/migrate/v4 v4.17.0\n".into(),
                ),
                ("db/1_init.up.sql".into(), INIT.into()),
                ("db/1_init.down.sql".into(), INIT_DOWN.into()),
                (
                    "db/2_fk.up.sql".into(),
                    "ALTER TABLE accounts ADD CONSTRAINT accounts_team_fk FOREIGN KEY (team_id) REFERENCES teams (id);\n".into(),
                ),
                (
                    "db/2_fk.down.sql".into(),
                    "ALTER TABLE accounts DROP CONSTRAINT accounts_team_fk;\n".into(),
                ),
            ],
            "db/2_fk.up.sql",
        ),
        // Two recipes of one migration: two new migrations, one version after the other.
        (
            "sqlx-two",
            "sqlx",
            vec![
                ("20240101000000_init.up.sql".into(), INIT.into()),
                ("20240101000000_init.down.sql".into(), INIT_DOWN.into()),
                (
                    "20240102000000_team.up.sql".into(),
                    "ALTER TABLE accounts ADD CONSTRAINT accounts_team_fk FOREIGN KEY (team_id) REFERENCES teams (id);\n\
                     CREATE INDEX accounts_team ON accounts (team_id);\n"
                        .into(),
                ),
                (
                    "20240102000000_team.down.sql".into(),
                    "DROP INDEX accounts_team;\nALTER TABLE accounts DROP CONSTRAINT accounts_team_fk;\n"
                        .into(),
                ),
            ],
            "20240102000000_team.up.sql",
        ),
        // A statement alone in a diesel migration stays: `metadata.toml` turns the transaction off.
        (
            "diesel-alone",
            "diesel",
            vec![
                ("2024-01-01-000000_init/up.sql".into(), INIT.into()),
                ("2024-01-01-000000_init/down.sql".into(), INIT_DOWN.into()),
                (
                    "2024-01-02-000000_index/up.sql".into(),
                    "CREATE INDEX accounts_email ON accounts (email);\n".into(),
                ),
                (
                    "2024-01-02-000000_index/down.sql".into(),
                    "DROP INDEX accounts_email;\n".into(),
                ),
            ],
            "2024-01-02-000000_index/up.sql",
        ),
    ]
}

#[test]
fn a_recipe_beside_other_statements_moves_to_a_new_migration_named_as_the_layout_names_them() {
    let mut snapshot = String::new();
    for (name, layout, files, target) in cases() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("m");
        for (file, body) in &files {
            write(&root, file, body);
        }
        let flags: Vec<&str> = if layout.is_empty() {
            vec![]
        } else {
            vec!["--layout", layout]
        };
        let target = format!("m/{target}");
        let out = pgproof(
            &[&["fix"], &flags[..], &["--unsafe-fixes", &target]].concat(),
            dir.path(),
        );
        let said = text(&out.stdout);
        assert!(
            !said.contains("not fixed"),
            "{name}: {said}{}",
            text(&out.stderr)
        );
        snapshot.push_str(&format!(
            "#### {name}\n$ pgproof fix --unsafe-fixes {target}\n{said}{}\n",
            listing(&root)
        ));

        // The result lints clean of what the split is for.
        let set = if layout.is_empty() { "m/db" } else { "m" };
        let lint = pgproof(
            &[&["lint"], &flags[..], &["--format", "compact", set]].concat(),
            dir.path(),
        );
        let lint = text(&lint.stdout);
        for rule in [
            "create-index-non-concurrently",
            "concurrently-in-transaction",
            "add-foreign-key-validated",
            "lock-held-across-statements",
            "down-does-not-reverse",
            "missing-down-migration",
        ] {
            assert!(!lint.contains(rule), "{name}: {lint}");
        }

        // On a real server: every migration applies, and every down part reverses its up part.
        let proved = pgproof(
            &[
                &[
                    "prove",
                    "--backend",
                    "local",
                    "--no-fixes",
                    "--format",
                    "json",
                ],
                &flags[..],
                &[set],
            ]
            .concat(),
            dir.path(),
        );
        let json: serde_json::Value = serde_json::from_slice(&proved.stdout)
            .unwrap_or_else(|e| panic!("{name}: {e}: {}", text(&proved.stderr)));
        let summary = &json["summary"];
        assert_eq!(summary["failed"], 0, "{name}: {summary}");
        assert_eq!(summary["not_run"], 0, "{name}: {summary}");
        assert_eq!(
            summary["applied"], summary["migrations"],
            "{name}: {summary}"
        );
        assert_eq!(summary["irreversible"], 0, "{name}: {summary}");
        // Every migration of these sets has a down part, the new one too: reversed, or empty
        // when there is nothing to undo.
        let listed = listing(&root);
        let empty = listed.matches("-- nothing to undo").count() as u64;
        assert_eq!(
            summary["reversible"].as_u64().unwrap() + empty,
            summary["migrations"].as_u64().unwrap(),
            "{name}: {summary}"
        );
    }
    insta::assert_snapshot!(snapshot);
}

/// No version is free between the flagged migration and the next one (sequential numbers), and
/// the plain layout has no form for a migration without a transaction: the fix is not written,
/// no file is created, and the run says why.
#[test]
fn a_recipe_that_cannot_move_is_refused_with_the_reason_and_nothing_is_created() {
    let goose = |up: &str| format!("-- +goose Up\n{up}");
    // Layout, files, the file to fix, and what the run must say.
    type Refusal = (
        &'static str,
        Vec<(String, String)>,
        &'static str,
        &'static str,
    );
    let cases: Vec<Refusal> = vec![
        (
            "goose",
            vec![
                ("00001_init.sql".into(), goose(INIT)),
                ("00002_change.sql".into(), goose(CHANGE)),
                ("00003_more.sql".into(), goose("SELECT 1;\n")),
            ],
            "00002_change.sql",
            "no version is free between `00002` and the next migration's",
        ),
        // diesel sends a migration without a transaction as one message: a recipe of two steps
        // (a unique index built concurrently, then the constraint using it) cannot run there.
        // (With down parts, pgproof could not write the new one's either.)
        (
            "diesel",
            vec![
                ("2024-01-01-000000_init/up.sql".into(), INIT.into()),
                (
                    "2024-01-02-000000_unique/up.sql".into(),
                    "ALTER TABLE accounts ADD CONSTRAINT accounts_email_key UNIQUE (email);\n"
                        .into(),
                ),
            ],
            "2024-01-02-000000_unique/up.sql",
            "the runner sends each migration file as one message",
        ),
        (
            "prisma",
            vec![
                ("20240101000000_init/migration.sql".into(), INIT.into()),
                ("20240102000000_change/migration.sql".into(), CHANGE.into()),
            ],
            "20240102000000_change/migration.sql",
            "pgproof cannot name a new migration of the prisma layout",
        ),
    ];
    for (layout, files, target, why) in cases {
        let dir = tempfile::tempdir().unwrap();
        for (file, body) in &files {
            write(dir.path(), file, body);
        }
        let before = listing(dir.path());
        let out = pgproof(
            &["fix", "--layout", layout, "--unsafe-fixes", target],
            dir.path(),
        );
        let said = text(&out.stdout);
        assert!(
            said.contains("not fixed") && said.contains(why),
            "{layout}: {said}{}",
            text(&out.stderr)
        );
        let after = listing(dir.path());
        assert!(!after.contains("CONCURRENTLY"), "{layout}: {after}");
        // Only the lock_timeout prelude may be written.
        let unprelude = after.replace("SET lock_timeout = '5s';\n", "");
        assert_eq!(unprelude, before, "{layout}: {said}");
    }
}

/// A CRLF file's recipe keeps CRLF in the new migration (not `\r\r\n`), and a byte-order mark
/// stays on the files it was on.
#[test]
fn line_endings_and_the_byte_order_mark_survive_a_split() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    write(&db, "20240101000000_init.up.sql", INIT);
    write(&db, "20240101000000_init.down.sql", INIT_DOWN);
    write(
        &db,
        "20240102000000_change.up.sql",
        "\u{feff}ALTER TABLE accounts ADD COLUMN name text;\r\nCREATE INDEX accounts_email\r\n  ON accounts (email);\r\n",
    );
    write(
        &db,
        "20240102000000_change.down.sql",
        "\u{feff}DROP INDEX accounts_email;\r\nALTER TABLE accounts DROP COLUMN name;\r\n",
    );
    let out = pgproof(
        &["fix", "--unsafe-fixes", "db/20240102000000_change.up.sql"],
        dir.path(),
    );
    let said = text(&out.stdout);
    assert!(said.contains("in a new migration after it"), "{said}");
    let read = |name: &str| fs::read_to_string(db.join(name)).unwrap();
    assert_eq!(
        read("20240102000001_change_concurrently.up.sql"),
        "-- no-transaction\r\nCREATE INDEX CONCURRENTLY accounts_email\r\n  ON accounts (email);\r\n"
    );
    assert!(read("20240102000000_change.up.sql").starts_with('\u{feff}'));
    assert_eq!(
        read("20240102000000_change.down.sql"),
        "\u{feff}ALTER TABLE accounts DROP COLUMN name;\r\n"
    );
}
