//! `pgproof fix` on the built binary: per layout, which fixes are written into the migration
//! (snapshots of the fixed file and of what the run says), and which are refused because the
//! fixed migration would not be clean where it runs; `--diff` writes nothing; applied migrations
//! are not touched; line endings and a byte-order mark survive; an error writes nothing.

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

const SETUP: &str = "CREATE TABLE teams (id bigint PRIMARY KEY);\n\
CREATE TABLE accounts (id bigint PRIMARY KEY, email text, team_id bigint);\n";

/// Hazards with statement fixes: an index built under a write lock, a NOT NULL that scans, a
/// foreign key validated at once, and no lock_timeout.
const CHANGE: &str = "-- keep this comment\n\
CREATE INDEX accounts_email ON accounts (email);\n\
\n\
ALTER TABLE accounts ALTER COLUMN email SET NOT NULL;\n\
ALTER TABLE accounts ADD CONSTRAINT accounts_team_fk FOREIGN KEY (team_id) REFERENCES teams (id);\n";

/// A layout flag, a history's files (name, text), and the file to fix.
type History = (&'static str, Vec<(String, String)>, &'static str);

/// One migration history per layout.
fn layouts() -> Vec<History> {
    let section = |up: &str, marker: &str, down: &str| format!("{marker}\n{up}{down}\n");
    vec![
        (
            "plain",
            vec![
                ("001_init.sql".into(), SETUP.into()),
                ("002_change.sql".into(), CHANGE.into()),
            ],
            "002_change.sql",
        ),
        (
            "flyway",
            vec![
                ("V1__init.sql".into(), SETUP.into()),
                ("V2__change.sql".into(), CHANGE.into()),
            ],
            "V2__change.sql",
        ),
        (
            "golang-migrate",
            vec![
                ("1_init.up.sql".into(), SETUP.into()),
                (
                    "1_init.down.sql".into(),
                    "DROP TABLE accounts, teams;\n".into(),
                ),
                ("2_change.up.sql".into(), CHANGE.into()),
                ("2_change.down.sql".into(), "SELECT 1;\n".into()),
            ],
            "2_change.up.sql",
        ),
        (
            "goose",
            vec![
                (
                    "00001_init.sql".into(),
                    section(
                        SETUP,
                        "-- +goose Up",
                        "-- +goose Down\nDROP TABLE accounts, teams;",
                    ),
                ),
                (
                    "00002_change.sql".into(),
                    section(CHANGE, "-- +goose Up", "-- +goose Down\nSELECT 1;"),
                ),
            ],
            "00002_change.sql",
        ),
        (
            "goose",
            vec![
                (
                    "00001_init.sql".into(),
                    section(
                        SETUP,
                        "-- +goose Up",
                        "-- +goose Down\nDROP TABLE accounts, teams;",
                    ),
                ),
                (
                    "00002_change.sql".into(),
                    section(
                        CHANGE,
                        "-- +goose NO TRANSACTION\n-- +goose Up",
                        "-- +goose Down\nSELECT 1;",
                    ),
                ),
            ],
            "00002_change.sql",
        ),
        (
            "dbmate",
            vec![
                (
                    "20240101000000_init.sql".into(),
                    section(
                        SETUP,
                        "-- migrate:up",
                        "-- migrate:down\nDROP TABLE accounts, teams;",
                    ),
                ),
                (
                    "20240102000000_change.sql".into(),
                    section(
                        CHANGE,
                        "-- migrate:up transaction:false",
                        "-- migrate:down\nSELECT 1;",
                    ),
                ),
            ],
            "20240102000000_change.sql",
        ),
    ]
}

#[test]
fn fixes_are_written_where_the_layout_runs_them_cleanly_and_refused_elsewhere() {
    let mut report = String::new();
    for (layout, files, target) in layouts() {
        let dir = tempfile::tempdir().unwrap();
        for (name, body) in &files {
            write(dir.path(), &format!("db/{name}"), body);
        }
        let target = format!("db/{target}");
        let out = pgproof(&["fix", "--layout", layout, &target], dir.path());
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "{layout}: {}",
            text(&out.stderr)
        );
        let fixed = fs::read_to_string(dir.path().join(&target)).unwrap();
        // What was fixed is gone from the lint; nothing new appeared.
        let lint = pgproof(
            &["lint", "--layout", layout, "--format", "compact", &target],
            dir.path(),
        );
        let said = text(&out.stdout);
        for line in said.lines().filter(|l| l.starts_with("fixed ")) {
            let rule = line.split(' ').nth(2).unwrap();
            let place = line.split(' ').nth(1).unwrap();
            let line_no = place.rsplit(':').next().unwrap();
            assert!(
                !text(&lint.stdout).contains(&format!(" {rule} "))
                    || rule == "missing-lock-timeout",
                "{layout}: {rule} (line {line_no}) fixed but still reported:\n{}",
                text(&lint.stdout)
            );
        }
        report.push_str(&format!(
            "== {layout}: {target}\n{said}-- the file now:\n{fixed}\n"
        ));
    }
    insta::assert_snapshot!("fix_per_layout", report);
}

#[test]
fn diff_writes_nothing_and_directories_need_since_or_fix_applied() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "db/001_init.sql", SETUP);
    write(dir.path(), "db/002_change.sql", CHANGE);
    let out = pgproof(&["fix", "--diff", "db/002_change.sql"], dir.path());
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let diff = text(&out.stdout);
    assert!(
        diff.starts_with("--- a/db/002_change.sql\n+++ b/db/002_change.sql\n"),
        "{diff}"
    );
    assert!(diff.contains("+CREATE INDEX CONCURRENTLY accounts_email ON accounts (email);"));
    assert!(text(&out.stderr)
        .contains("would fix db/002_change.sql:2 create-index-non-concurrently (safe)"));
    assert_eq!(
        fs::read_to_string(dir.path().join("db/002_change.sql")).unwrap(),
        CHANGE
    );
    // `lint --fix`: the fixes written first (said on stderr), then the lint of what is left,
    // the report on stdout as usual.
    let lint_fix = pgproof(
        &["lint", "--fix", "--format", "json", "db/002_change.sql"],
        dir.path(),
    );
    assert!(
        text(&lint_fix.stderr).contains("fixed db/002_change.sql:2 create-index-non-concurrently"),
        "{}",
        text(&lint_fix.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&lint_fix.stdout).unwrap();
    assert!(json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["rule"] != "create-index-non-concurrently"));
    assert!(fs::read_to_string(dir.path().join("db/002_change.sql"))
        .unwrap()
        .contains("CREATE INDEX CONCURRENTLY"));
    fs::write(dir.path().join("db/002_change.sql"), CHANGE).unwrap();
    // A directory may hold applied migrations: refused without --since or --fix-applied.
    let out = pgproof(&["fix", "db"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("--fix-applied"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(
        fs::read_to_string(dir.path().join("db/002_change.sql")).unwrap(),
        CHANGE
    );
    let out = pgproof(&["fix", "--fix-applied", "db"], dir.path());
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        text(&out.stderr)
    );
    assert_ne!(
        fs::read_to_string(dir.path().join("db/002_change.sql")).unwrap(),
        CHANGE
    );
    assert_eq!(
        fs::read_to_string(dir.path().join("db/001_init.sql")).unwrap(),
        SETUP
    );
    // A path that does not exist: an error, and nothing written.
    write(
        dir.path(),
        "db/003_more.sql",
        "CREATE INDEX accounts_team ON accounts (team_id);\n",
    );
    let out = pgproof(&["fix", "db/003_more.sql", "db/nope.sql"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        fs::read_to_string(dir.path().join("db/003_more.sql")).unwrap(),
        "CREATE INDEX accounts_team ON accounts (team_id);\n"
    );
}

#[test]
fn since_fixes_only_what_changed_and_keeps_line_endings_and_the_byte_order_mark() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    // An applied migration with a hazard of its own: never touched.
    write(root, "db/001_init.sql", SETUP);
    write(
        root,
        "db/002_old.sql",
        "CREATE INDEX accounts_old ON accounts (team_id);\n",
    );
    common::git(root, &["init", "-q", "-b", "main"]);
    common::git(root, &["add", "."]);
    common::git(root, &["commit", "-q", "-m", "applied"]);
    let new = "\u{feff}-- new\r\n  CREATE INDEX accounts_email ON accounts (email);\r\n";
    write(root, "db/003_new.sql", new);
    common::git(root, &["add", "."]);
    let out = pgproof(&["fix", "--since", "HEAD", "db"], root);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        text(&out.stderr)
    );
    assert!(
        text(&out.stdout).contains("fixed db/003_new.sql:2 create-index-non-concurrently"),
        "{}",
        text(&out.stdout)
    );
    assert_eq!(
        fs::read_to_string(root.join("db/002_old.sql")).unwrap(),
        "CREATE INDEX accounts_old ON accounts (team_id);\n"
    );
    let fixed = fs::read(root.join("db/003_new.sql")).unwrap();
    assert_eq!(
        String::from_utf8(fixed).unwrap(),
        "\u{feff}-- new\r\n  CREATE INDEX CONCURRENTLY accounts_email ON accounts (email);\r\n"
    );
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A recipe that must run outside the runner's transaction, in a migration where it is the only
/// statement of the up part: the migration is marked to run outside one, in the layout's words
/// (in the file, or Flyway's `.sql.conf` beside it), and the fix is written. Beside other
/// statements (which would lose their transaction) the steps move to a migration of their own:
/// tests/fix_split.rs.
#[test]
fn a_lone_statement_is_moved_out_of_the_runners_transaction_in_the_layouts_words() {
    let init = "CREATE TABLE accounts (id bigint PRIMARY KEY, email text, name text);";
    // Line endings are the file's: CRLF in the sqlx file, LF in the others.
    let crlf = "-- the email index\r\nCREATE INDEX accounts_email ON accounts (email);\r\n";
    let index = "-- the email index\nCREATE INDEX accounts_email ON accounts (email);\n";
    let goose = |up: &str| format!("-- +goose Up\n{up}\n-- +goose Down\nSELECT 1;\n");
    let dbmate = |up: &str| format!("-- migrate:up\n{up}\n-- migrate:down\nSELECT 1;\n");
    // Layout, files, the file to fix, and the fixed text.
    type Case = (
        &'static str,
        Vec<(String, String)>,
        &'static str,
        &'static str,
    );
    let cases: Vec<Case> = vec![
        (
            "goose",
            vec![
                ("00001_init.sql".into(), goose(init)),
                ("00002_index.sql".into(), goose(index)),
            ],
            "00002_index.sql",
            "-- +goose NO TRANSACTION\n-- +goose Up\n-- the email index\nCREATE INDEX CONCURRENTLY accounts_email ON accounts (email);\n\n-- +goose Down\nSELECT 1;\n",
        ),
        (
            "dbmate",
            vec![
                ("20240101000000_init.sql".into(), dbmate(init)),
                ("20240102000000_index.sql".into(), dbmate(index)),
            ],
            "20240102000000_index.sql",
            "-- migrate:up transaction:false\n-- the email index\nCREATE INDEX CONCURRENTLY accounts_email ON accounts (email);\n\n-- migrate:down\nSELECT 1;\n",
        ),
        (
            "sqlx",
            vec![
                ("20240101000000_init.up.sql".into(), init.into()),
                ("20240101000000_init.down.sql".into(), "DROP TABLE accounts;".into()),
                ("20240102000000_index.up.sql".into(), crlf.into()),
                ("20240102000000_index.down.sql".into(), "DROP INDEX accounts_email;".into()),
            ],
            "20240102000000_index.up.sql",
            "-- no-transaction\r\n-- the email index\r\nCREATE INDEX CONCURRENTLY accounts_email ON accounts (email);\r\n",
        ),
        (
            "flyway",
            vec![
                ("V1__init.sql".into(), init.into()),
                ("V2__index.sql".into(), index.into()),
            ],
            "V2__index.sql",
            "-- the email index\nCREATE INDEX CONCURRENTLY accounts_email ON accounts (email);\n",
        ),
        // sqlx reads its marker only as the file's first bytes, so not after a byte-order mark:
        // the recipe moves to a migration of its own, which starts with the marker.
        (
            "sqlx",
            vec![
                ("20240101000000_init.up.sql".into(), init.into()),
                ("20240101000000_init.down.sql".into(), "DROP TABLE accounts;".into()),
                ("20240102000000_index.up.sql".into(), format!("\u{feff}{index}")),
                ("20240102000000_index.down.sql".into(), "DROP INDEX accounts_email;".into()),
            ],
            "20240102000000_index.up.sql",
            "\u{feff}-- the email index\n",
        ),
        // Three leading spaces are not a byte-order mark: the marker goes first, as sqlx reads it.
        (
            "sqlx",
            vec![
                ("20240101000000_init.up.sql".into(), init.into()),
                ("20240101000000_init.down.sql".into(), "DROP TABLE accounts;".into()),
                ("20240102000000_index.up.sql".into(), format!("   {index}")),
                ("20240102000000_index.down.sql".into(), "DROP INDEX accounts_email;".into()),
            ],
            "20240102000000_index.up.sql",
            "-- no-transaction\n   -- the email index\nCREATE INDEX CONCURRENTLY accounts_email ON accounts (email);\n",
        ),
    ];
    for (layout, files, target, expected) in cases {
        let dir = tempfile::tempdir().unwrap();
        for (name, body) in &files {
            write(dir.path(), &format!("db/{name}"), body);
        }
        let target = format!("db/{target}");
        let out = pgproof(
            &["fix", "--layout", layout, "--unsafe-fixes", &target],
            dir.path(),
        );
        let said = text(&out.stdout);
        let after = fs::read_to_string(dir.path().join(&target)).unwrap();
        assert_eq!(after, expected, "{layout}: {said}{}", text(&out.stderr));
        if layout == "flyway" {
            let conf = fs::read_to_string(dir.path().join(format!("{target}.conf"))).unwrap();
            assert_eq!(conf, "executeInTransaction=false\n");
        }
        if after.starts_with('\u{feff}') {
            let moved = dir
                .path()
                .join("db/20240102000001_index_concurrently.up.sql");
            assert_eq!(
                fs::read_to_string(moved).unwrap(),
                "-- no-transaction\nCREATE INDEX CONCURRENTLY accounts_email ON accounts (email);\n",
                "{said}"
            );
        }
        assert!(
            said.contains("fixed") && said.contains("create-index-non-concurrently"),
            "{layout}: {said}"
        );
        assert!(!said.contains("not fixed"), "{layout}: {said}");
        let lint = pgproof(
            &["lint", "--layout", layout, "--format", "compact", &target],
            dir.path(),
        );
        let lint = text(&lint.stdout);
        for rule in [
            "create-index-non-concurrently",
            "concurrently-in-transaction",
        ] {
            assert!(!lint.contains(rule), "{layout}: {lint}");
        }
    }
}

/// `fix --prove`: each recipe is proven on a throwaway PostgreSQL before it is written. One the
/// server proves is written; one whose proof does not hold (here the history cannot be replayed
/// up to it, so nothing is proven) is not, and the run says why.
#[test]
fn fix_prove_writes_only_what_the_server_proved() {
    let init = "CREATE TABLE accounts (id bigint PRIMARY KEY, email text, name text);\n";
    let index = "CREATE INDEX accounts_email ON accounts (email);\n";
    let run = |files: &[(&str, &str)], target: &str| {
        let dir = tempfile::tempdir().unwrap();
        for (name, body) in files {
            write(dir.path(), &format!("db/{name}"), body);
        }
        let target = format!("db/{target}");
        let out = pgproof(
            &[
                "fix",
                "--prove",
                "--backend",
                "local",
                "--unsafe-fixes",
                &target,
            ],
            dir.path(),
        );
        let after = fs::read_to_string(dir.path().join(&target)).unwrap();
        (out, after)
    };

    let (out, after) = run(
        &[("001_init.sql", init), ("002_index.sql", index)],
        "002_index.sql",
    );
    let said = text(&out.stdout);
    let stderr = text(&out.stderr);
    assert!(
        after.contains("CREATE INDEX CONCURRENTLY accounts_email"),
        "{said}{stderr}\n{after}"
    );
    assert!(
        said.contains("fixed db/002_index.sql:1 create-index-non-concurrently"),
        "{said}"
    );
    assert!(
        stderr.contains("proving 1 fix(es) on a local cluster"),
        "{stderr}"
    );

    // More recipes than a set's proofs cover (25): those past the limit are not written.
    let columns: Vec<String> = (1..=27).map(|i| format!("c{i} text")).collect();
    let wide = format!(
        "CREATE TABLE wide (id bigint PRIMARY KEY, {});\n",
        columns.join(", ")
    );
    let indexes: String = (1..=27)
        .map(|i| format!("CREATE INDEX wide_c{i} ON wide (c{i});\n"))
        .collect();
    let (out, after) = run(
        &[("001_init.sql", &wide), ("002_indexes.sql", &indexes)],
        "002_indexes.sql",
    );
    let said = text(&out.stdout);
    assert_eq!(after.matches("CONCURRENTLY").count(), 25, "{said}\n{after}");
    assert_eq!(
        said.matches("no proof ran for it (at most 25 per migration set")
            .count(),
        2,
        "{said}"
    );

    let (out, after) = run(
        &[
            ("001_init.sql", init),
            (
                "002_extension.sql",
                "CREATE EXTENSION IF NOT EXISTS no_such_extension_anywhere;\n",
            ),
            ("003_index.sql", index),
        ],
        "003_index.sql",
    );
    let said = text(&out.stdout);
    assert!(!after.contains("CONCURRENTLY"), "{said}\n{after}");
    assert!(
        said.contains("not fixed db/003_index.sql:1 create-index-non-concurrently: not proven on a throwaway PostgreSQL: inconclusive")
            && said.contains("no_such_extension_anywhere"),
        "{said}{}",
        text(&out.stderr)
    );
}
