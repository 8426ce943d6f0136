//! Each layout read the way its runner really runs it (issue 16, items 8, 8b and 8c): golang-migrate
//! sends a file as one message, sqlx wraps each migration in a transaction, and every set says
//! which layout and transaction assumption it was read with.

// Tests may unwrap: a panic here is a failing test (clippy.toml only exempts `#[test]` fns).
#![allow(clippy::unwrap_used)]

use pgproof::commands::lint::lint_paths;
use pgproof::config::Settings;
use pgproof::finding::Finding;
use pgproof::source::Layout;
use std::path::Path;

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().expect("a file has a parent")).expect("create dir");
    std::fs::write(path, text).expect("write fixture");
}

fn lint(dir: &Path, layout: Option<Layout>) -> (Vec<Finding>, pgproof::engine::Stats) {
    let mut settings = Settings::default();
    settings.load.layout = layout;
    let (findings, stats, _) =
        lint_paths(&[dir.to_path_buf()], &settings, None).expect("lint runs");
    (findings, stats)
}

fn concurrently_findings(findings: &[Finding]) -> Vec<String> {
    findings
        .iter()
        .filter(|f| f.rule == "concurrently-in-transaction")
        .map(|f| {
            format!(
                "{}:{}",
                f.file.file_name().unwrap().to_string_lossy(),
                f.start.line
            )
        })
        .collect()
}

/// `pgproof prove --backend local <args> <dir>`.
fn prove_local(dir: &Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_pgproof"))
        .args(["prove", "--backend", "local"])
        .args(args)
        .arg(dir)
        .output()
        .expect("run pgproof prove")
}

const TABLE: &str = "CREATE TABLE users (id bigint PRIMARY KEY, email text);\n";

/// A golang-migrate set: one file holding only `CREATE INDEX CONCURRENTLY`, one holding it among
/// other statements.
fn golang_migrate_set(dir: &Path) {
    write(dir, "1_users.up.sql", TABLE);
    write(dir, "1_users.down.sql", "DROP TABLE users;\n");
    write(
        dir,
        "2_users_email.up.sql",
        "CREATE INDEX CONCURRENTLY users_email_idx ON users (email);\n",
    );
    write(
        dir,
        "2_users_email.down.sql",
        "DROP INDEX CONCURRENTLY users_email_idx;\n",
    );
    write(
        dir,
        "3_users_name.up.sql",
        "SET lock_timeout = '5s';\nCREATE INDEX CONCURRENTLY users_id_email_idx ON users (id, email);\n",
    );
    write(
        dir,
        "3_users_name.down.sql",
        "DROP INDEX users_id_email_idx;\n",
    );
}

#[test]
fn golang_migrate_runs_a_lone_concurrently_statement_and_wraps_several() {
    // Configured, or detected by the module's go.mod.
    let configured = tempfile::tempdir().unwrap();
    golang_migrate_set(configured.path());
    let module = tempfile::tempdir().unwrap();
    write(
        module.path(),
        "go.mod",
        "module example.com/app\n\nrequire github.com/golang-migrate/migrate/v4 v4.17.0\n",
    );
    golang_migrate_set(&module.path().join("db/migrations"));
    for (dir, layout) in [
        (configured.path().to_path_buf(), Some(Layout::UpDown)),
        (module.path().join("db/migrations"), None),
    ] {
        let (findings, stats) = lint(&dir, layout);
        // Alone in its file, the statement runs outside any transaction; among others, the
        // message is one implicit transaction and PostgreSQL refuses it.
        assert_eq!(
            concurrently_findings(&findings),
            vec!["3_users_name.up.sql:2"],
            "{layout:?}"
        );
        let message = &findings
            .iter()
            .find(|f| f.rule == "concurrently-in-transaction")
            .unwrap()
            .message;
        assert!(message.contains("golang-migrate sends the file as one message"));
        assert_eq!(stats.sets.len(), 1);
        assert_eq!(stats.sets[0].layout, "golang-migrate");
        if layout.is_none() {
            assert!(
                stats.sets[0]
                    .decided
                    .ends_with("go.mod`, which names golang-migrate"),
                "{}",
                stats.sets[0].decided
            );
        }
    }
}

#[test]
fn sqlx_runs_the_same_files_in_a_transaction() {
    let dir = tempfile::tempdir().unwrap();
    golang_migrate_set(dir.path());
    let (findings, stats) = lint(dir.path(), Some(Layout::Sqlx));
    // The down file too: sqlx wraps it unless it starts with `-- no-transaction` itself.
    assert_eq!(
        concurrently_findings(&findings),
        vec![
            "2_users_email.down.sql:1",
            "2_users_email.up.sql:1",
            "3_users_name.up.sql:2"
        ]
    );
    assert_eq!(stats.sets[0].layout, "sqlx");
    assert_eq!(stats.sets[0].decided, "configured");
}

/// sqlx's simple migrations, `N_name.sql`, with an unmarked `CREATE INDEX CONCURRENTLY`.
fn sqlx_simple_set(dir: &Path) {
    write(dir, "1_users.sql", TABLE);
    write(
        dir,
        "2_users_email.sql",
        "CREATE INDEX CONCURRENTLY users_email_idx ON users (email);\n",
    );
}

#[test]
fn sqlx_simple_files_are_detected_by_the_crate_manifest() {
    let crate_dir = tempfile::tempdir().unwrap();
    write(
        crate_dir.path(),
        "Cargo.toml",
        "[package]\nname = \"app\"\n\n[dependencies]\nsqlx = { version = \"0.8\", features = [\"postgres\"] }\n",
    );
    let migrations = crate_dir.path().join("migrations");
    sqlx_simple_set(&migrations);
    let (findings, stats) = lint(&migrations, None);
    assert_eq!(
        concurrently_findings(&findings),
        vec!["2_users_email.sql:1"]
    );
    assert_eq!(stats.sets[0].layout, "sqlx");
    assert!(
        stats.sets[0].decided.starts_with("detected by `")
            && stats.sets[0]
                .decided
                .ends_with("Cargo.toml`, which names sqlx"),
        "{}",
        stats.sets[0].decided
    );
}

#[test]
fn sqlx_simple_files_are_detected_by_a_no_transaction_marker_in_another_file() {
    let dir = tempfile::tempdir().unwrap();
    sqlx_simple_set(dir.path());
    write(
        dir.path(),
        "3_users_id.sql",
        "-- no-transaction\nCREATE INDEX CONCURRENTLY users_id_idx ON users (id);\n",
    );
    let (findings, stats) = lint(dir.path(), None);
    // The marked file runs outside a transaction; the unmarked one inside.
    assert_eq!(
        concurrently_findings(&findings),
        vec!["2_users_email.sql:1"]
    );
    assert_eq!(stats.sets[0].layout, "sqlx");
    assert_eq!(
        stats.sets[0].decided,
        "detected by the `-- no-transaction` marker in `3_users_id.sql`"
    );
}

#[test]
fn without_sqlx_evidence_the_plain_layout_is_said_to_be_assumed() {
    let dir = tempfile::tempdir().unwrap();
    sqlx_simple_set(dir.path());
    let (findings, stats) = lint(dir.path(), None);
    assert!(concurrently_findings(&findings).is_empty());
    assert_eq!(stats.sets[0].layout, "plain");
    assert!(
        stats.sets[0].decided.starts_with("assumed (")
            && stats.sets[0].decided.contains("`--layout sqlx`"),
        "{}",
        stats.sets[0].decided
    );
}

#[test]
fn every_set_is_named_with_its_layout_and_transaction_in_json_and_human_output() {
    let root = tempfile::tempdir().unwrap();
    golang_migrate_set(&root.path().join("api"));
    write(
        &root.path().join("worker"),
        "20240101120000_jobs.sql",
        "-- +goose Up\nCREATE TABLE jobs (id bigint PRIMARY KEY);\n-- +goose Down\nDROP TABLE jobs;\n",
    );
    let bin = env!("CARGO_BIN_EXE_pgproof");
    let json = std::process::Command::new(bin)
        .args(["lint", "--format", "json"])
        .arg(root.path())
        .output()
        .expect("run pgproof");
    let doc: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON document");
    let sets = doc["sets"].as_array().expect("a `sets` array");
    assert_eq!(sets.len(), 2, "{sets:?}");
    assert!(sets[0]["path"].as_str().unwrap().ends_with("api"));
    // Without a sign of the runner, `.up.sql` files are read as sqlx's, and the report says so.
    assert_eq!(sets[0]["layout"], "sqlx");
    assert!(sets[0]["decided"]
        .as_str()
        .unwrap()
        .starts_with("assumed from its `.up.sql`/`.down.sql` names"));
    assert_eq!(
        sets[0]["transaction"],
        "each migration in a transaction, unless it starts with `-- no-transaction`"
    );
    assert!(sets[1]["path"].as_str().unwrap().ends_with("worker"));
    assert_eq!(sets[1]["layout"], "goose");
    assert_eq!(sets[1]["decided"], "detected by its `-- +goose` markers");

    let human = std::process::Command::new(bin)
        .args(["lint", "--format", "human"])
        .arg(root.path())
        .output()
        .expect("run pgproof");
    let text = String::from_utf8(human.stdout).unwrap();
    assert!(
        text.contains("api`: sqlx layout (assumed from its `.up.sql`/`.down.sql` names")
            && text.contains("`--layout golang-migrate` if golang-migrate runs it"),
        "{text}"
    );
    assert!(
        text.contains("worker`: goose layout (detected by its `-- +goose` markers); runner transaction: each migration in a transaction"),
        "{text}"
    );
}

#[test]
fn pop_files_named_by_dialect_run_in_a_transaction_unless_autocommit() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "1_users.postgres.up.sql", TABLE);
    write(
        dir.path(),
        "1_users.postgres.down.sql",
        "DROP TABLE users;\n",
    );
    write(
        dir.path(),
        "2_users_email.postgres.up.sql",
        "CREATE INDEX CONCURRENTLY users_email_idx ON users (email);\n",
    );
    write(
        dir.path(),
        "3_users_id.postgres.autocommit.up.sql",
        "CREATE INDEX CONCURRENTLY users_id_idx ON users (id);\n",
    );
    let (findings, stats) = lint(dir.path(), None);
    assert_eq!(
        concurrently_findings(&findings),
        vec!["2_users_email.postgres.up.sql:1"]
    );
    assert_eq!(stats.sets[0].layout, "pop");
    assert_eq!(
        stats.sets[0].decided,
        "detected by pop's dialect in the file name `1_users.postgres.down.sql`"
    );
}

/// pop keeps one file per dialect (`.mysql.`, `.sqlite3.`, `.cockroach.`) beside the PostgreSQL
/// and dialect-free ones: only those two run on PostgreSQL, so the others are not replayed (the
/// same table created once per dialect would otherwise "already exist").
#[test]
fn pop_files_of_other_dialects_are_not_postgresql_migrations() {
    let dir = tempfile::tempdir().unwrap();
    for dialect in ["postgres", "mysql", "sqlite3", "cockroach"] {
        write(dir.path(), &format!("1_users.{dialect}.up.sql"), TABLE);
    }
    write(
        dir.path(),
        "2_users_name.up.sql",
        "ALTER TABLE users ADD COLUMN name text;\n",
    );
    write(
        dir.path(),
        "3_users_note.mysql.autocommit.up.sql",
        "ALTER TABLE users ADD COLUMN note text;\n",
    );
    let (findings, stats) = lint(dir.path(), None);
    assert_eq!(stats.sets[0].layout, "pop");
    assert_eq!(stats.migrations, 2);
    let rules: Vec<&str> = findings.iter().map(|f| f.rule.as_str()).collect();
    assert!(
        !rules.contains(&"object-already-exists") && !rules.contains(&"ambiguous-migration-order"),
        "{rules:?}"
    );
}

/// The server agrees: under golang-migrate, the lone `CREATE INDEX CONCURRENTLY` applies and the
/// one sent with another statement fails inside the implicit transaction.
#[test]
fn prove_on_a_local_cluster_runs_golang_migrate_files_as_one_message_would() {
    let dir = tempfile::tempdir().unwrap();
    golang_migrate_set(dir.path());
    let out = prove_local(dir.path(), &["--layout", "golang-migrate"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("2_users_email.up.sql (no transaction)")
            && text.contains("3_users_name.up.sql (in a transaction)")
            && text.contains(
                "3_users_name.up.sql:2: CREATE INDEX CONCURRENTLY cannot run inside a transaction block"
            )
            && text.contains("3 migrations: 2 applied, 1 failed, 0 not run;"),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// sqlx (`-- no-transaction`), dbmate (`transaction:false`) and diesel (`run_in_transaction =
/// false`) send a migration they do not wrap as one message, as golang-migrate does: a lone
/// `CREATE INDEX CONCURRENTLY` runs, and one beside another statement is refused inside the
/// implicit transaction of the message.
#[test]
fn runners_without_their_transaction_send_the_file_as_one_message() {
    let lone = "CREATE INDEX CONCURRENTLY users_email_idx ON users (email);\n";
    let two = "SET lock_timeout = '5s';\nCREATE INDEX CONCURRENTLY users_id_email_idx ON users (id, email);\n";
    type Set = (Layout, Vec<(String, String)>, &'static str, &'static str);
    let sets: Vec<Set> = vec![
        (
            Layout::Sqlx,
            vec![
                ("1_users.up.sql".into(), TABLE.into()),
                (
                    "2_email.up.sql".into(),
                    format!("-- no-transaction\n{lone}"),
                ),
                ("3_name.up.sql".into(), format!("-- no-transaction\n{two}")),
            ],
            "3_name.up.sql:3",
            "sqlx sends it as one message",
        ),
        (
            Layout::Dbmate,
            vec![
                ("1_users.sql".into(), format!("-- migrate:up\n{TABLE}")),
                (
                    "2_email.sql".into(),
                    format!("-- migrate:up transaction:false\n{lone}"),
                ),
                (
                    "3_name.sql".into(),
                    format!("-- migrate:up transaction:false\n{two}"),
                ),
            ],
            "3_name.sql:3",
            "dbmate sends the section as one message",
        ),
        (
            Layout::Diesel,
            vec![
                ("1_users/up.sql".into(), TABLE.into()),
                ("2_email/up.sql".into(), lone.into()),
                (
                    "2_email/metadata.toml".into(),
                    "run_in_transaction = false\n".into(),
                ),
                ("3_name/up.sql".into(), two.into()),
                (
                    "3_name/metadata.toml".into(),
                    "run_in_transaction = false\n".into(),
                ),
            ],
            "up.sql:2",
            "diesel sends the file as one message",
        ),
    ];
    for (layout, files, flagged, why) in sets {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in &files {
            write(dir.path(), name, text);
        }
        let (findings, _) = lint(dir.path(), Some(layout));
        assert_eq!(
            concurrently_findings(&findings),
            vec![flagged],
            "{layout:?}"
        );
        let finding = findings
            .iter()
            .find(|f| f.rule == "concurrently-in-transaction")
            .unwrap();
        assert!(
            finding.file.to_string_lossy().contains("3_name"),
            "{layout:?}"
        );
        assert!(
            finding.message.contains(why),
            "{layout:?}: {}",
            finding.message
        );
    }
}

/// In a file sent as one message, `BEGIN ... COMMIT` is how the file shapes its own transaction
/// (golang-migrate's documentation suggests it; PostgreSQL turns the implicit block into an
/// ordinary one without a warning): not reported. A `COMMIT` with no `BEGIN` is, as PostgreSQL
/// warns `there is no transaction in progress` (checked with psql).
#[test]
fn begin_and_commit_in_a_file_sent_as_one_message_are_the_files_own() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "1_users.up.sql",
        &format!("BEGIN;\n{TABLE}COMMIT;\n"),
    );
    write(
        dir.path(),
        "2_email.up.sql",
        "ALTER TABLE users ADD COLUMN name text;\nCOMMIT;\n",
    );
    let (findings, _) = lint(dir.path(), Some(Layout::UpDown));
    let flagged: Vec<String> = findings
        .iter()
        .filter(|f| f.rule == "begin-in-runner-transaction")
        .map(|f| {
            format!(
                "{}:{}",
                f.file.file_name().unwrap().to_string_lossy(),
                f.start.line
            )
        })
        .collect();
    assert_eq!(flagged, vec!["2_email.up.sql:2"], "{findings:?}");
}

/// The server agrees for sqlx: the lone statement applies, the file of two fails.
#[test]
fn prove_runs_an_sqlx_no_transaction_file_as_one_message() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "1_users.up.sql", TABLE);
    write(
        dir.path(),
        "2_email.up.sql",
        "-- no-transaction\nCREATE INDEX CONCURRENTLY users_email_idx ON users (email);\n",
    );
    write(
        dir.path(),
        "3_name.up.sql",
        "-- no-transaction\nSET lock_timeout = '5s';\nCREATE INDEX CONCURRENTLY users_id_email_idx ON users (id, email);\n",
    );
    let out = prove_local(dir.path(), &["--layout", "sqlx"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("CREATE INDEX CONCURRENTLY cannot run inside a transaction block")
            && text.contains("3 migrations: 2 applied, 1 failed, 0 not run;"),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // After the file's own `COMMIT`, the rest of the message is a new implicit transaction.
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "1_users.up.sql", TABLE);
    write(
        dir.path(),
        "2_email.up.sql",
        "-- no-transaction\nBEGIN;\nALTER TABLE users ADD COLUMN name text;\nCOMMIT;\n\
         CREATE INDEX CONCURRENTLY users_email_idx ON users (email);\n",
    );
    let out = prove_local(dir.path(), &["--layout", "sqlx"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(
            "2_email.up.sql:5: CREATE INDEX CONCURRENTLY cannot run inside a transaction block"
        ),
        "{text}"
    );
}

/// sqlx and dbmate set the transaction of each direction on its own (the down file's first
/// bytes, the down section's line): `prove` runs each down part as its runner would, so a down
/// part that drops the index online proves reversible, and one that tries it inside the
/// runner's transaction fails as it would on deploy.
#[test]
fn prove_runs_each_down_part_with_its_own_transaction() {
    let reversibility = |layout: &str, dir: &Path| -> serde_json::Value {
        let out = prove_local(dir, &["--no-fixes", "--format", "json", "--layout", layout]);
        let json: serde_json::Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
        json["proof"]["sets"][0]["migrations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                (
                    m["id"].as_str().unwrap().to_string(),
                    m["reversibility"]["error"].clone(),
                )
            })
            .collect::<serde_json::Map<_, _>>()
            .into()
    };
    // The first two reverse; the last one's down part is refused inside the transaction.
    let reverses_but_the_last = |errors: &serde_json::Value, ids: [&str; 3]| {
        assert!(
            errors[ids[0]].is_null() && errors[ids[1]].is_null(),
            "{errors:#}"
        );
        let refused = "DROP INDEX CONCURRENTLY cannot run inside a transaction block";
        assert!(
            errors[ids[2]].as_str().is_some_and(|e| e.contains(refused)),
            "{errors:#}"
        );
    };
    let sqlx = tempfile::tempdir().unwrap();
    write(sqlx.path(), "1_users.up.sql", TABLE);
    write(sqlx.path(), "1_users.down.sql", "DROP TABLE users;\n");
    write(
        sqlx.path(),
        "2_email.up.sql",
        "CREATE INDEX users_email_idx ON users (email);\n",
    );
    write(
        sqlx.path(),
        "2_email.down.sql",
        "-- no-transaction\nDROP INDEX CONCURRENTLY users_email_idx;\n",
    );
    write(
        sqlx.path(),
        "3_id.up.sql",
        "-- no-transaction\nCREATE INDEX CONCURRENTLY users_id_idx ON users (id);\n",
    );
    write(
        sqlx.path(),
        "3_id.down.sql",
        "DROP INDEX CONCURRENTLY users_id_idx;\n",
    );
    let errors = reversibility("sqlx", sqlx.path());
    // lint says it first: the down part the server refuses, and only that one.
    let (findings, _) = lint(sqlx.path(), Some(Layout::Sqlx));
    assert_eq!(
        concurrently_findings(&findings),
        vec!["3_id.down.sql:1".to_string()]
    );
    reverses_but_the_last(&errors, ["1_users", "2_email", "3_id"]);
    let dbmate = tempfile::tempdir().unwrap();
    write(
        dbmate.path(),
        "db/migrations/20240101000000_users.sql",
        &format!("-- migrate:up\n{TABLE}\n-- migrate:down\nDROP TABLE users;\n"),
    );
    write(
        dbmate.path(),
        "db/migrations/20240102000000_email.sql",
        "-- migrate:up\nCREATE INDEX users_email_idx ON users (email);\n\
         -- migrate:down transaction:false\nDROP INDEX CONCURRENTLY users_email_idx;\n",
    );
    write(
        dbmate.path(),
        "db/migrations/20240103000000_id.sql",
        "-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY users_id_idx ON users (id);\n\
         -- migrate:down\nDROP INDEX CONCURRENTLY users_id_idx;\n",
    );
    let errors = reversibility("dbmate", &dbmate.path().join("db/migrations"));
    reverses_but_the_last(
        &errors,
        [
            "20240101000000_users",
            "20240102000000_email",
            "20240103000000_id",
        ],
    );
}

/// In a message's implicit transaction PostgreSQL refuses savepoints and `... AND CHAIN`, as
/// outside any transaction block; the file's own `BEGIN` makes it an ordinary block, where they
/// run. `prove` (which emulates the implicit transaction with an explicit block) says what the
/// server says, as lint does.
#[test]
fn prove_refuses_savepoints_in_a_message_implicit_transaction_as_the_server_does() {
    let prove = |second: &str| -> String {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "1_users.up.sql", TABLE);
        write(dir.path(), "2_more.up.sql", second);
        let out = prove_local(dir.path(), &["--no-fixes", "--layout", "sqlx"]);
        String::from_utf8_lossy(&out.stdout).to_string()
    };
    let text = prove(
        "-- no-transaction\nALTER TABLE users ADD COLUMN a int;\nSAVEPOINT s;\n\
         ALTER TABLE users ADD COLUMN b int;\n",
    );
    assert!(
        text.contains("2_more.up.sql:3: SAVEPOINT can only be used in transaction blocks")
            && text.contains("2 migrations: 1 applied, 1 failed, 0 not run;"),
        "{text}"
    );
    let text = prove(
        "-- no-transaction\nALTER TABLE users ADD COLUMN a int;\nCOMMIT AND CHAIN;\n\
         ALTER TABLE users ADD COLUMN b int;\n",
    );
    assert!(
        text.contains("2_more.up.sql:3: COMMIT AND CHAIN can only be used in transaction blocks"),
        "{text}"
    );
    let text = prove(
        "-- no-transaction\nBEGIN;\nALTER TABLE users ADD COLUMN a int;\nSAVEPOINT s;\n\
         RELEASE SAVEPOINT s;\nCOMMIT AND CHAIN;\nALTER TABLE users ADD COLUMN b int;\nCOMMIT;\n",
    );
    assert!(
        text.contains("2 migrations: 2 applied, 0 failed, 0 not run;"),
        "{text}"
    );
}

#[test]
fn sqlx_simple_files_are_detected_by_sqlx_table_in_the_schema_dump() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "schema.sql",
        "CREATE TABLE public._sqlx_migrations (version bigint NOT NULL, description text NOT NULL);\n\
CREATE TABLE public.accounts (id bigint PRIMARY KEY);\n",
    );
    let migrations = dir.path().join("db");
    write(
        &migrations,
        "3_accounts_id.sql",
        "CREATE INDEX CONCURRENTLY accounts_id_idx ON accounts (id);\n",
    );
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_pgproof"))
        .args(["lint", "--format", "json", "--schema-from"])
        .arg(dir.path().join("schema.sql"))
        .arg(&migrations)
        .output()
        .expect("run pgproof");
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON document");
    assert_eq!(doc["sets"][0]["layout"], "sqlx", "{doc}");
    assert!(doc["sets"][0]["decided"]
        .as_str()
        .unwrap()
        .starts_with("detected by `_sqlx_migrations` in the schema dump"));
    let rules: Vec<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert!(rules.contains(&"concurrently-in-transaction"), "{rules:?}");
}

/// Issue 16 item 7: sourcegraph's `<id>_name/{up.sql,down.sql,metadata.yaml}` folders, read in
/// the order of their `parents` graph, with the runner's transaction per migration.
#[test]
fn sourcegraph_folders_run_in_parents_order_with_their_transaction_flags() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("sql-fixtures/projects/sourcegraph");
    let sets = pgproof::source::layout::discover(&dir, &pgproof::source::LoadOptions::default())
        .expect("the fixture reads");
    assert_eq!(
        sets.len(),
        1,
        "the loose squashed.sql must not replace the folders' set"
    );
    let set = &sets[0];
    assert_eq!(set.layout, Layout::Sourcegraph);
    let ids: Vec<&str> = set.migrations.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(
        ids,
        vec![
            "1000_init",
            "1002_teams",
            "1001_teams_name_index",
            "1003_users_email_index",
            "1004_pgcrypto"
        ]
    );
    let wrapped: Vec<bool> = set
        .migrations
        .iter()
        .map(|m| m.transaction.wrapped)
        .collect();
    assert_eq!(wrapped, vec![true, true, true, false, true]);

    let (findings, stats) = lint(&dir, None);
    assert_eq!(stats.migrations, 5);
    let rules: Vec<String> = findings
        .iter()
        .map(|f| {
            format!(
                "{}:{}",
                f.rule,
                f.file
                    .parent()
                    .unwrap()
                    .file_name()
                    .unwrap()
                    .to_string_lossy()
            )
        })
        .collect();
    // 1001 indexes `teams`, which its parent 1002 created earlier: a real write-blocking build.
    assert!(
        rules.contains(&"create-index-non-concurrently:1001_teams_name_index".to_string()),
        "{rules:?}"
    );
    // 1003 runs outside a transaction; 1000's outer BEGIN;/COMMIT; is stripped by the migrator.
    assert!(
        !rules
            .iter()
            .any(|r| r.starts_with("concurrently-in-transaction")
                || r.starts_with("begin-in-runner-transaction")),
        "{rules:?}"
    );
    // Forced, the same folders without metadata are still read this way.
    assert_eq!(lint(&dir, Some(Layout::Sourcegraph)).1.migrations, 5);
}

fn sourcegraph_folder(dir: &Path, name: &str, metadata: &str) {
    write(dir, &format!("{name}/up.sql"), "SELECT 1;\n");
    write(dir, &format!("{name}/down.sql"), "SELECT 1;\n");
    write(dir, &format!("{name}/metadata.yaml"), metadata);
}

fn order_problems(dir: &Path) -> Vec<String> {
    let (findings, _) = lint(dir, None);
    findings
        .iter()
        .filter(|f| f.rule == "ambiguous-migration-order")
        .map(|f| f.message.clone())
        .collect()
}

#[test]
fn a_sourcegraph_graph_its_migrator_refuses_is_an_order_problem_not_a_panic() {
    // A cycle under the root.
    let cycle = tempfile::tempdir().unwrap();
    sourcegraph_folder(cycle.path(), "1_root", "name: root\n");
    sourcegraph_folder(cycle.path(), "2_a", "name: a\nparents: [1, 3]\n");
    sourcegraph_folder(cycle.path(), "3_b", "name: b\nparents: [2]\n");
    let problems = order_problems(cycle.path());
    assert!(
        problems.iter().any(|m| m.contains("a cycle")),
        "{problems:?}"
    );
    // An unknown parent, two roots, a missing down.sql and broken YAML.
    let broken = tempfile::tempdir().unwrap();
    sourcegraph_folder(broken.path(), "1_root", "name: root\n");
    sourcegraph_folder(broken.path(), "2_orphan", "name: orphan\nparents: [99]\n");
    sourcegraph_folder(broken.path(), "3_second_root", "name: second\n");
    sourcegraph_folder(broken.path(), "4_yaml", "parents: [1\n");
    write(broken.path(), "5_no_down/up.sql", "SELECT 1;\n");
    write(broken.path(), "5_no_down/metadata.yaml", "parents: [1]\n");
    let problems = order_problems(broken.path());
    for expected in [
        "names parent 99",
        "exactly one root",
        "no `down.sql`",
        "4_yaml/metadata.yaml` cannot be read as sourcegraph metadata",
    ] {
        assert!(
            problems.iter().any(|m| m.contains(expected)),
            "{expected}: {problems:?}"
        );
    }
    assert_eq!(lint(broken.path(), None).1.migrations, 5);
}

/// Issue 16 item 7: a directory whose `.sql` files no layout reads is said on stderr and in JSON,
/// never skipped silently; a clean run's JSON has no `warnings` key.
#[test]
fn sql_files_no_layout_reads_are_warned_about_with_their_count() {
    let root = tempfile::tempdir().unwrap();
    write(root.path(), "2024-01-01-000000_a/up.sql", TABLE);
    write(
        root.path(),
        "2024-01-01-000000_a/down.sql",
        "DROP TABLE users;\n",
    );
    write(root.path(), "2024-01-01-000000_a/seed.sql", "SELECT 1;\n");
    write(root.path(), "schema.sql", TABLE);
    write(root.path(), "notes.sql", "SELECT 1;\n");
    let bin = env!("CARGO_BIN_EXE_pgproof");
    let run = |path: &Path| {
        std::process::Command::new(bin)
            .args(["lint", "--format", "json", "--fail-on", "never"])
            .arg(path)
            .output()
            .expect("run pgproof")
    };
    let out = run(root.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("pgproof: warning: 2 `.sql` files in `"),
        "{stderr}"
    );
    assert!(
        stderr.contains("pgproof: warning: 1 `.sql` file in `"),
        "{stderr}"
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let warnings = doc["warnings"].as_array().expect("a `warnings` array");
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    assert!(
        warnings[0]["path"]
            .as_str()
            .unwrap()
            .ends_with("2024-01-01-000000_a")
            || warnings[1]["path"]
                .as_str()
                .unwrap()
                .ends_with("2024-01-01-000000_a")
    );
    // The diesel set is read, not replaced by the loose files.
    assert_eq!(doc["sets"][0]["layout"], "diesel");
    assert_eq!(doc["summary"]["migrations"], 1);
    let clean = tempfile::tempdir().unwrap();
    write(clean.path(), "001_a.sql", TABLE);
    let doc: serde_json::Value = serde_json::from_slice(&run(clean.path()).stdout).unwrap();
    assert!(doc.get("warnings").is_none(), "{doc}");
}

fn pgproof_json(cwd: &Path, args: &[&str]) -> (serde_json::Value, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_pgproof"))
        .args(["lint", "--format", "json", "--fail-on", "never"])
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("run pgproof");
    let doc = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| panic!("JSON: {}", String::from_utf8_lossy(&out.stderr)));
    (doc, String::from_utf8_lossy(&out.stderr).into_owned())
}

/// `rule file:line` of each finding, with the file as written from the project's directory.
fn rules_at(doc: &serde_json::Value) -> Vec<String> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let file = f["file"].as_str().unwrap();
            let file = file.trim_start_matches("./");
            let file = match file.find("/db/") {
                Some(at) if file.starts_with('/') => &file[at + 1..],
                _ => file,
            };
            format!("{} {file}:{}", f["rule"].as_str().unwrap(), f["line"])
        })
        .collect()
}

/// Issue 17 item 14: in an sqlc project, `sqlc.yaml` says which file is the schema and which the
/// queries; the query file (which sorts first) is no longer replayed as a migration.
#[test]
fn an_sqlc_project_is_read_as_schema_and_queries_without_flags() {
    let app = Path::new(env!("CARGO_MANIFEST_DIR")).join("sql-fixtures/projects/sqlc");
    // The project, its query file alone (pre-commit), or a directory under the config.
    for path in [".", "db/query.sql", "db"] {
        let (doc, stderr) = pgproof_json(&app, &[path]);
        assert_eq!(doc["summary"]["migrations"], 1, "{path}: {stderr}");
        assert_eq!(doc["summary"]["queries"], 2, "{path}");
        let rules = rules_at(&doc);
        assert!(
            rules.contains(&"query-references-missing-object db/query.sql:5".to_string()),
            "{path}: {rules:?}"
        );
        // Given the query file alone (pre-commit), only that file is reported on.
        if path.ends_with(".sql") {
            assert!(
                rules.iter().all(|r| r.contains("db/query.sql")),
                "{rules:?}"
            );
        }
    }
    // sqlc.json (version 1) reads the same.
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "sqlc.json",
        r#"{"version": "1", "packages": [{"engine": "postgresql", "schema": ["a_schema"], "queries": "0_queries.sql"}]}"#,
    );
    write(dir.path(), "a_schema/001_users.sql", TABLE);
    write(dir.path(), "0_queries.sql", "-- name: GetUser :one\nSELECT email FROM users WHERE id = $1;\n-- name: Bad :one\nSELECT nope FROM users WHERE id = $1;\n");
    let (doc, _) = pgproof_json(dir.path(), &["."]);
    assert_eq!(doc["summary"]["migrations"], 1);
    assert_eq!(doc["summary"]["queries"], 2);
    assert!(
        rules_at(&doc).contains(&"query-references-missing-object 0_queries.sql:4".to_string()),
        "{:?}",
        rules_at(&doc)
    );
}

/// An sqlc schema is written for code generation and often leaves out the functions and indexes
/// the database has (a real job queue's sqlc schema lacks a helper function and the partial unique
/// index its `ON CONFLICT` uses): what rests on them is a warning there, with the reason, while
/// the same queries checked against replayed migrations (`--queries`) stay errors.
#[test]
fn an_sqlc_schema_may_lack_functions_and_indexes_so_those_findings_are_warnings() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "sqlc.yaml",
        "version: \"2\"\nsql:\n  - engine: \"postgresql\"\n    schema: \"schema\"\n    queries: \"queries\"\n",
    );
    write(
        dir.path(),
        "schema/001_jobs.sql",
        "CREATE TABLE jobs (id bigint PRIMARY KEY, unique_key bytea, state text NOT NULL);\n",
    );
    write(
        dir.path(),
        "queries/jobs.sql",
        "-- name: JobInsert :exec\nINSERT INTO jobs (id, unique_key, state) VALUES ($1, $2, $3)\nON CONFLICT (unique_key) WHERE unique_key IS NOT NULL DO NOTHING;\n\
         -- name: JobsInState :many\nSELECT id FROM jobs WHERE job_state_in_mask($1, state);\n\
         -- name: JobMissingColumn :many\nSELECT nope FROM jobs WHERE id = $1;\n",
    );
    let severities = |doc: &serde_json::Value| -> Vec<(String, String, bool)> {
        let mut all: Vec<(String, String, bool)> = doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["severity"] != "info" && f["rule"] != "unindexed-query")
            .map(|f| {
                let noted = f["notes"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|n| n.as_str().unwrap().contains("sqlc config"));
                (
                    format!("{}:{}", f["rule"].as_str().unwrap(), f["line"]),
                    f["severity"].as_str().unwrap().to_string(),
                    noted,
                )
            })
            .collect();
        all.sort();
        all
    };
    let (doc, stderr) = pgproof_json(dir.path(), &["."]);
    assert_eq!(doc["summary"]["queries"], 3, "{stderr}");
    assert_eq!(
        severities(&doc),
        vec![
            (
                "on-conflict-without-unique:3".to_string(),
                "warning".to_string(),
                true
            ),
            (
                "query-references-missing-object:5".to_string(),
                "warning".to_string(),
                true
            ),
            // A missing column is what sqlc itself checks: still an error.
            (
                "query-references-missing-object:7".to_string(),
                "error".to_string(),
                false
            ),
        ]
    );
    // The same files as migrations plus `--queries`: the schema is the database's, so errors.
    let (doc, _) = pgproof_json(dir.path(), &["schema", "--queries", "queries"]);
    assert_eq!(
        severities(&doc),
        vec![
            (
                "on-conflict-without-unique:3".to_string(),
                "error".to_string(),
                false
            ),
            (
                "query-references-missing-object:5".to_string(),
                "error".to_string(),
                false
            ),
            (
                "query-references-missing-object:7".to_string(),
                "error".to_string(),
                false
            ),
        ]
    );
}

/// Schema files written for sqlc's code generation that declare no index but primary keys do not
/// model indexes (a real job queue's declare its tables only, while its migrations build the
/// indexes and functions): whether an index serves a query or an `ON CONFLICT` target cannot be
/// told there, so neither is reported; nor is a missing function where they declare none. Once
/// such files declare an index (or a function), or the schema is a migration history, the
/// findings come back.
#[test]
fn sqlc_schema_files_without_any_index_get_no_index_findings() {
    let queries = "-- name: JobsInState :many\nSELECT id FROM jobs WHERE state = $1;\n\
         -- name: JobInsert :exec\nINSERT INTO jobs (id, unique_key, state) VALUES ($1, $2, $3)\nON CONFLICT (unique_key) DO NOTHING;\n\
         -- name: JobsInMask :many\nSELECT id FROM jobs WHERE job_state_in_mask($1, state);\n";
    let table =
        "CREATE TABLE jobs (id bigint PRIMARY KEY, unique_key bytea, state text NOT NULL);\n";
    let index_rules = |schema_file: &str, schema: &str| -> Vec<String> {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "sqlc.yaml",
            "version: \"2\"\nsql:\n  - engine: \"postgresql\"\n    schema: \"schema\"\n    queries: \"queries\"\n",
        );
        write(dir.path(), &format!("schema/{schema_file}"), schema);
        write(dir.path(), "queries/jobs.sql", queries);
        let (doc, stderr) = pgproof_json(dir.path(), &["."]);
        assert_eq!(doc["summary"]["queries"], 3, "{stderr}");
        let mut rules: Vec<String> = rules_at(&doc)
            .into_iter()
            .filter(|r| {
                r.starts_with("unindexed-query")
                    || r.starts_with("on-conflict")
                    || r.starts_with("query-references-missing-object")
            })
            .collect();
        rules.sort();
        rules
    };
    assert_eq!(index_rules("jobs.sql", table), Vec::<String>::new());
    let both = vec![
        "on-conflict-without-unique queries/jobs.sql:5".to_string(),
        "unindexed-query queries/jobs.sql:2".to_string(),
    ];
    // An index declared (on another column): the files model indexes.
    let indexed = format!("{table}CREATE INDEX jobs_unique_key_idx ON jobs (unique_key);\n");
    assert_eq!(index_rules("jobs.sql", &indexed), both);
    // A function declared: the files model functions, so a missing one is said.
    let missing = "query-references-missing-object queries/jobs.sql:7".to_string();
    let with_function = format!(
        "{table}CREATE FUNCTION job_ok(text) RETURNS boolean LANGUAGE sql AS 'SELECT true';\n"
    );
    assert_eq!(
        index_rules("jobs.sql", &with_function),
        vec![missing.clone()]
    );
    // A migration history is the database's own schema.
    let mut all = both.clone();
    all.insert(1, missing);
    assert_eq!(index_rules("001_jobs.sql", table), all);
}

/// Issue 17 item 13: the pre-commit hook passes every changed `.sql` file; one that is a query
/// file configured in pgproof.toml is checked as queries against the replayed migrations.
#[test]
fn a_configured_query_file_given_alone_is_checked_as_queries() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "pgproof.toml",
        "migrations = \"db/migrations\"\nqueries = [\"db/queries\"]\n",
    );
    write(dir.path(), "db/migrations/001_users.sql", TABLE);
    write(
        dir.path(),
        "db/migrations/002_drop_email.sql",
        "ALTER TABLE users DROP COLUMN email;\n",
    );
    write(
        dir.path(),
        "db/queries/users.sql",
        "-- name: UserEmail :one\nSELECT email FROM users WHERE id = $1;\n",
    );
    write(
        dir.path(),
        "db/queries/other.sql",
        "-- name: Other :many\nSELECT missing FROM users;\n",
    );
    let (doc, stderr) = pgproof_json(dir.path(), &["db/queries/users.sql"]);
    let rules = rules_at(&doc);
    assert_eq!(doc["summary"]["migrations"], 2, "{stderr}");
    assert_eq!(
        rules,
        vec!["query-references-missing-object db/queries/users.sql:2".to_string()],
        "{stderr}"
    );
    // A migration file given with it is still reported on as a migration.
    let (doc, _) = pgproof_json(
        dir.path(),
        &["db/migrations/002_drop_email.sql", "db/queries/users.sql"],
    );
    let rules = rules_at(&doc);
    assert!(
        rules.iter().any(|r| r.contains("002_drop_email.sql")),
        "{rules:?}"
    );
    assert!(rules.iter().any(|r| r.contains("users.sql:2")), "{rules:?}");
    assert!(!rules.iter().any(|r| r.contains("other.sql")), "{rules:?}");
}
