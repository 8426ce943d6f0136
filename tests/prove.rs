//! `pgproof prove` on real throwaway PostgreSQL servers: a local cluster and a container.
//! Nothing here skips silently: a missing engine or image fails, unless
//! `PGPROOF_SKIP_CONTAINER_TESTS=1` explicitly turns the container tests off.

// Tests may unwrap: a panic here is a failing test (clippy.toml only exempts `#[test]` fns).
#![allow(clippy::unwrap_used)]

mod common;

use pgproof::config::Settings;
use pgproof::prove::backend::Throwaway;
use serde_json::Value;
use std::process::Command;
use std::time::Duration;

fn prove_json(backend: &str) -> (i32, Value, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_pgproof"))
        .args([
            "prove",
            "--backend",
            backend,
            "--format",
            "json",
            "sql-fixtures/prove/shop",
        ])
        .output()
        .expect("pgproof runs");
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let json = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| panic!("JSON on stdout; stderr: {stderr}"));
    (out.status.code().unwrap_or(-1), json, stderr)
}

/// Container tests in this file run one at a time: each checks that no labelled container is
/// left when it ends, which another test's live container would break.
static CONTAINER_TESTS: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// No container with pgproof's label is left, running or stopped.
fn assert_no_leftover_containers() {
    let left = Command::new("docker")
        .args(["ps", "-aq", "--filter", "label=pgproof=throwaway"])
        .output()
        .expect("docker ps");
    assert!(
        String::from_utf8_lossy(&left.stdout).trim().is_empty(),
        "leftover containers"
    );
}

fn migration<'a>(json: &'a Value, id_prefix: &str) -> &'a Value {
    json["proof"]["sets"][0]["migrations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"].as_str().unwrap().starts_with(id_prefix))
        .unwrap_or_else(|| panic!("migration {id_prefix} in {json}"))
}

fn statement<'a>(m: &'a Value, sql_prefix: &str) -> &'a Value {
    m["statements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["sql"].as_str().unwrap().starts_with(sql_prefix))
        .unwrap_or_else(|| panic!("statement {sql_prefix} in {m}"))
}

/// The fixture's facts, the same on every backend.
fn check_shop_proof(code: i32, json: &Value, stderr: &str, server_major: &str) {
    assert_eq!(
        code, 1,
        "the broken down migration fails the proof: {stderr}"
    );
    assert!(
        json["proof"]["server_version"]
            .as_str()
            .unwrap()
            .starts_with(server_major),
        "{}",
        json["proof"]["server_version"]
    );
    // A plain CREATE INDEX: the server granted SHARE on the existing table, as the rule says.
    let index = statement(migration(json, "002"), "CREATE INDEX");
    assert_eq!(
        index["verdicts"][0]["rule"],
        "create-index-non-concurrently"
    );
    assert_eq!(index["verdicts"][0]["verdict"], "confirmed");
    assert!(index["locks"]
        .as_array()
        .unwrap()
        .iter()
        .any(|l| l["relation"] == "orders" && l["mode"] == "SHARE" && l["pre_existing"] == true));
    // A volatile default: ACCESS EXCLUSIVE and a rewrite of the table and its indexes, observed.
    let token = statement(
        migration(json, "003"),
        "ALTER TABLE orders ADD COLUMN token",
    );
    assert_eq!(token["verdicts"][0]["rule"], "add-column-volatile-default");
    assert_eq!(token["verdicts"][0]["verdict"], "confirmed");
    let rewritten: Vec<&str> = token["rewritten"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    assert!(rewritten.contains(&"orders"), "{rewritten:?}");
    // A constant default since PostgreSQL 11: no rewrite, and no rule claims one.
    let total = statement(
        migration(json, "004"),
        "ALTER TABLE orders ADD COLUMN total",
    );
    assert!(total["rewritten"].as_array().unwrap().is_empty());
    assert!(total["unpredicted"].is_null(), "{total}");
    // Reversibility by execution: the correct down parts are proven, the broken one is named.
    for id in ["001", "002", "003", "005"] {
        let r = &migration(json, id)["reversibility"];
        assert!(
            r["down_differences"].as_array().unwrap().is_empty()
                && r["redo_differences"].as_array().unwrap().is_empty()
                && r["error"].is_null(),
            "{id}: {r}"
        );
    }
    let broken = &migration(json, "004")["reversibility"]["down_differences"];
    assert!(
        broken
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["path"].as_str().unwrap().contains("placed_at / default")),
        "{broken}"
    );
    assert_eq!(json["summary"]["irreversible"], 1);
    assert_eq!(json["summary"]["not_observed"], 0);
    assert_eq!(json["summary"]["unpredicted"], 0);
    // Fix proofs: each recipe, run instead of its statement on a copy with synthetic rows, leaves
    // the same schema and does its table-sized work under a weaker lock than the original.
    let fixes = json["proof"]["sets"][0]["fixes"].as_array().unwrap();
    let rules: Vec<&str> = fixes.iter().map(|f| f["rule"].as_str().unwrap()).collect();
    assert_eq!(
        rules,
        [
            "create-index-non-concurrently",
            "add-column-volatile-default",
            "add-unique-without-index"
        ]
    );
    for f in fixes {
        assert_eq!(f["verdict"], "proven", "{f:#}");
        assert!(f["differences"].as_array().unwrap().is_empty());
        assert_eq!(f["lints_clean"], true);
        let original = &f["original"];
        assert!(
            original["rewrote"] == true || original["rows_read"].as_i64().unwrap() > 0,
            "the original does table-sized work: {f:#}"
        );
    }
    // CREATE INDEX: SHARE while reading the table; CONCURRENTLY: SHARE UPDATE EXCLUSIVE.
    assert_eq!(fixes[0]["original"]["lock"], "SHARE");
    assert_eq!(fixes[0]["steps"][0]["lock"], "SHARE_UPDATE_EXCLUSIVE");
    assert_eq!(json["summary"]["fixes_proven"], 3);
}

#[test]
fn prove_on_a_local_cluster_confirms_locks_and_finds_the_broken_down_migration() {
    let (code, json, stderr) = prove_json("local");
    assert!(stderr.contains("using a local cluster"), "{stderr}");
    check_shop_proof(code, &json, &stderr, "15");
}

#[test]
fn prove_in_a_container_gives_the_same_proof() {
    if std::env::var("PGPROOF_SKIP_CONTAINER_TESTS").as_deref() == Ok("1") {
        eprintln!("container tests disabled by PGPROOF_SKIP_CONTAINER_TESTS=1");
        return;
    }
    let _serial = CONTAINER_TESTS.lock().unwrap_or_else(|e| e.into_inner());
    let (code, json, stderr) = prove_json("container");
    assert!(
        stderr.contains("container from `pgproof-test/postgres:15`"),
        "{stderr}"
    );
    check_shop_proof(code, &json, &stderr, "15");
    // The container is gone afterwards.
    assert_no_leftover_containers();
}

/// Proves each rule doc's `bad` example for PostgreSQL 15 (not those with a down part, which are
/// proved elsewhere, nor query examples), replayed after the doc's `setup`: `select` picks, from
/// what lint finds, the findings to prove (none: the example is skipped). Returns the rule id,
/// the example's index and the proof; a proof that errs is added to `failures`.
fn prove_doc_examples(
    server: &mut Throwaway,
    fixes: bool,
    select: impl Fn(Vec<pgproof::finding::Finding>, &str) -> Vec<pgproof::finding::Finding>,
    failures: &mut Vec<String>,
) -> Vec<(&'static str, usize, pgproof::prove::Proof)> {
    let settings = Settings::default();
    let options = pgproof::prove::Options {
        fixes,
        rows: if fixes { 2_000 } else { 0 },
        replay_rows: 0,
        seed: None,
        traffic: false,
        settings: settings.clone(),
    };
    let mut out = vec![];
    for rule in pgproof::rules::RULES {
        let meta = rule.meta();
        let examples = pgproof::docs::examples(meta.doc);
        let setup = examples.iter().find(|e| e.kind == "setup");
        for (i, bad) in examples.iter().enumerate().filter(|(_, e)| e.kind == "bad") {
            if bad.pg_version().is_some_and(|v| v != 15)
                || examples.get(i + 1).is_some_and(|e| e.kind == "down")
                || bad.options.iter().any(|o| o == "query")
            {
                continue;
            }
            let dir = tempfile::tempdir().unwrap();
            if let Some(setup) = setup {
                std::fs::write(dir.path().join("001_setup.sql"), &setup.sql).unwrap();
            }
            std::fs::write(dir.path().join("002_example.sql"), &bad.sql).unwrap();
            let sets = pgproof::source::layout::discover(dir.path(), &settings.load).unwrap();
            let (findings, _, _) =
                pgproof::commands::lint::lint_paths(&[dir.path().to_path_buf()], &settings, None)
                    .unwrap();
            let findings = select(findings, meta.id.as_str());
            if findings.is_empty() {
                continue;
            }
            match pgproof::prove::prove(server, &sets, &findings, &options) {
                Ok(proof) => out.push((meta.id.as_str(), i, proof)),
                Err(e) => failures.push(format!("{}: {e:#}", meta.id)),
            }
        }
    }
    out
}

/// Calibration: every lock a rule doc's `bad` example claims is observed on a real server, and
/// the server shows nothing stronger than pgproof's lock model on the examples' existing tables.
#[test]
fn every_lock_claim_in_the_rule_docs_is_confirmed_by_the_server() {
    let mut server = common::local_server();
    let mut checked = 0;
    let mut failures = vec![];
    let proofs = prove_doc_examples(
        &mut server,
        false,
        |findings, rule| {
            if findings.iter().any(|f| f.rule == rule && f.lock.is_some()) {
                findings
            } else {
                vec![]
            }
        },
        &mut failures,
    );
    for (rule, i, proof) in proofs {
        for m in proof.sets.iter().flat_map(|s| &s.migrations) {
            if let Some(e) = &m.error {
                // change-blocked-by-dependents says PostgreSQL refuses the statement: the
                // refusal is the proof. Any other example must run.
                if rule == "change-blocked-by-dependents" && m.id.starts_with("002") {
                    checked += 1;
                    continue;
                }
                failures.push(format!(
                    "{} example #{i} ({}) does not run: {e}",
                    rule, m.id
                ));
            }
            for s in &m.statements {
                for v in s.verdicts.iter().filter(|v| v.rule == rule) {
                    if v.verdict == "inconclusive" {
                        continue;
                    }
                    checked += 1;
                    if v.verdict != "confirmed" {
                        failures.push(format!(
                            "{} example #{i} line {}: claims {} but the server showed {:?}",
                            rule,
                            s.line,
                            v.claimed_lock.sql(),
                            s.locks
                        ));
                    }
                }
                if let Some(u) = &s.unpredicted {
                    failures.push(format!("{} example #{i} line {}: {u}", rule, s.line));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(checked >= 10, "only {checked} lock claims checked");
}

/// SIGINT in the middle of a replay: pgproof removes its throwaway server and exits 130.
fn interrupt_mid_run(backend: &str) -> (std::path::PathBuf, tempfile::TempDir) {
    use std::io::BufRead;
    use std::os::unix::fs::PermissionsExt;
    let work = tempfile::tempdir().unwrap();
    let migrations = work.path().join("migrations");
    std::fs::create_dir(&migrations).unwrap();
    std::fs::write(migrations.join("001_slow.sql"), "SELECT pg_sleep(60);\n").unwrap();
    // The cluster's files go under this TMPDIR, which must stay traversable by the postgres user.
    let tmp = work.path().join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    std::fs::set_permissions(work.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o1777)).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_pgproof"))
        .args(["prove", "--backend", backend])
        .arg(&migrations)
        .env("TMPDIR", &tmp)
        .stderr(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("pgproof starts");
    let stderr = child.stderr.take().unwrap();
    let mut lines = std::io::BufReader::new(stderr).lines();
    let started = lines
        .by_ref()
        .map_while(Result::ok)
        .any(|l| l.contains("pgproof prove: using a"));
    assert!(started, "the backend started");
    // Let the replay reach the slow statement.
    std::thread::sleep(Duration::from_millis(1500));
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = child.wait().unwrap();
    assert_eq!(exit.code(), Some(130), "interrupted exit status");
    (tmp, work)
}

#[test]
fn sigint_removes_the_local_cluster() {
    let (tmp, _work) = interrupt_mid_run("local");
    let left: Vec<_> = std::fs::read_dir(&tmp).unwrap().collect();
    assert!(left.is_empty(), "temporary directories left: {left:?}");
    // No server process still runs from that directory.
    let needle = tmp.to_string_lossy().to_string();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        if let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) {
            let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
            assert!(
                !(cmdline.contains("postgres") && cmdline.contains(&needle)),
                "a server process is left: {cmdline}"
            );
        }
    }
}

#[test]
fn sigint_removes_the_container() {
    if std::env::var("PGPROOF_SKIP_CONTAINER_TESTS").as_deref() == Ok("1") {
        eprintln!("container tests disabled by PGPROOF_SKIP_CONTAINER_TESTS=1");
        return;
    }
    let _serial = CONTAINER_TESTS.lock().unwrap_or_else(|e| e.into_inner());
    let _ = interrupt_mid_run("container");
    assert_no_leftover_containers();
}

#[test]
fn init_sql_prepares_each_scratch_database() {
    let work = tempfile::tempdir().unwrap();
    let migrations = work.path().join("migrations");
    std::fs::create_dir(&migrations).unwrap();
    std::fs::write(
        migrations.join("001_extend.sql"),
        "ALTER TABLE legacy.accounts ADD COLUMN note text;\n",
    )
    .unwrap();
    let init = work.path().join("init.sql");
    std::fs::write(
        &init,
        "CREATE SCHEMA legacy; CREATE TABLE legacy.accounts (id bigint PRIMARY KEY);",
    )
    .unwrap();
    let run = |extra: &[&std::ffi::OsStr]| {
        Command::new(env!("CARGO_BIN_EXE_pgproof"))
            .args(["prove", "--backend", "local", "--format", "json"])
            .args(extra)
            .arg(&migrations)
            .output()
            .expect("pgproof runs")
    };
    let without = run(&[]);
    assert_eq!(
        without.status.code(),
        Some(1),
        "the table does not exist yet"
    );
    let with = run(&["--init-sql".as_ref(), init.as_os_str()]);
    let stderr = String::from_utf8_lossy(&with.stderr);
    assert_eq!(with.status.code(), Some(0), "{stderr}");
    let json: Value = serde_json::from_slice(&with.stdout).unwrap();
    let statement = &json["proof"]["sets"][0]["migrations"][0]["statements"][0];
    assert!(statement["error"].is_null(), "{statement}");
    assert!(statement["locks"]
        .as_array()
        .unwrap()
        .iter()
        .any(|l| l["relation"] == "legacy.accounts" && l["mode"] == "ACCESS_EXCLUSIVE"));
}

#[test]
fn prune_removes_leftover_throwaway_containers() {
    if std::env::var("PGPROOF_SKIP_CONTAINER_TESTS").as_deref() == Ok("1") {
        eprintln!("container tests disabled by PGPROOF_SKIP_CONTAINER_TESTS=1");
        return;
    }
    let _serial = CONTAINER_TESTS.lock().unwrap_or_else(|e| e.into_inner());
    // A container as a killed run would leave it: its owner (an exited process) is gone.
    let mut exited = Command::new("true").spawn().unwrap();
    let dead_pid = exited.id();
    exited.wait().unwrap();
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
    let started = Command::new("docker")
        .args([
            "run",
            "-d",
            "--label",
            "pgproof=throwaway",
            "--label",
            "pgproof.run=0123456789abcdef",
            "--label",
            &format!("pgproof.pid={dead_pid}"),
            "--label",
            &format!("pgproof.host={}", host.trim()),
            "--label",
            "pgproof.started=1",
            "-e",
            "POSTGRES_PASSWORD=x",
            "pgproof-test/postgres:15",
        ])
        .output()
        .expect("docker run");
    assert!(
        started.status.success(),
        "{}",
        String::from_utf8_lossy(&started.stderr)
    );
    let out = Command::new(env!("CARGO_BIN_EXE_pgproof"))
        .arg("prune")
        .output()
        .expect("pgproof runs");
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("removed 1 throwaway container(s)"));
    assert_no_leftover_containers();
}

/// `prove --queries` on the shop fixture app: every query is prepared on the migrated schema
/// with synthetic rows, every suggested index is created and shown to be used by the plan, and
/// the running release's query that a rename breaks fails on the server.
#[test]
fn prove_queries_prepares_each_query_and_proves_suggested_indexes() {
    let app = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("sql-fixtures/apps/shop");
    // A git history: release v1 selects `customers.name`; the new migration renames it.
    let repo = tempfile::tempdir().unwrap();
    let root = repo.path();
    let copy = |from: &std::path::Path, to: &std::path::Path| {
        std::fs::create_dir_all(to).unwrap();
        for e in std::fs::read_dir(from).unwrap() {
            let p = e.unwrap().path();
            std::fs::copy(&p, to.join(p.file_name().unwrap())).unwrap();
        }
    };
    copy(&app.join("migrations"), &root.join("migrations"));
    copy(&app.join("queries"), &root.join("queries"));
    std::fs::write(
        root.join("queries/profile.sql"),
        "-- name: Profile :one\nSELECT name FROM customers WHERE id = $1;\n",
    )
    .unwrap();
    common::git(root, &["init", "-q"]);
    common::git(root, &["add", "."]);
    common::git(root, &["commit", "-qm", "v1"]);
    common::git(root, &["tag", "v1"]);
    std::fs::write(
        root.join("migrations/003_rename.sql"),
        "ALTER TABLE customers RENAME COLUMN name TO display_name;\n",
    )
    .unwrap();
    std::fs::write(
        root.join("queries/profile.sql"),
        "-- name: Profile :one\nSELECT display_name FROM customers WHERE id = $1;\n",
    )
    .unwrap();
    // The new release's other queries read `name` too: keep them working for this test.
    let customers = root.join("queries/customers.sql");
    let text = std::fs::read_to_string(&customers).unwrap();
    std::fs::write(
        &customers,
        text.replace("name", "display_name")
            .replace("display_name:", "name:"),
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_pgproof"))
        .args([
            "prove",
            "--backend",
            "local",
            "--format",
            "json",
            "--rows",
            "5000",
            "--queries",
            "queries",
            "--since",
            "v1",
            "migrations",
        ])
        .current_dir(root)
        .output()
        .expect("pgproof runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let json: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| panic!("JSON on stdout; stderr: {stderr}"));
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let proof = &json["proof"];
    assert_eq!(
        proof["data"]["rows"]["customers"], 5000,
        "{:#}",
        proof["data"]
    );
    assert!(
        proof["data"]["skipped"].as_array().unwrap().is_empty(),
        "{:#}",
        proof["data"]
    );
    let queries = proof["queries"].as_array().unwrap();
    let failing: Vec<(String, bool, String)> = queries
        .iter()
        .filter(|q| !q["error"].is_null())
        .map(|q| {
            (
                format!("{}:{}", q["file"].as_str().unwrap(), q["line"]),
                q["old_release"].as_bool().unwrap(),
                q["error"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    // The three broken queries of writes.sql, and the old release's Profile and ListCustomers-era
    // queries that read `name`.
    let current: Vec<&(String, bool, String)> = failing.iter().filter(|f| !f.1).collect();
    assert_eq!(current.len(), 3, "{failing:#?}");
    assert!(current
        .iter()
        .all(|f| f.0.starts_with("queries/writes.sql:")));
    assert!(
        failing.iter().any(|f| f.1
            && f.0.starts_with("v1:queries/profile.sql")
            && f.2.contains("column \"name\" does not exist")),
        "{failing:#?}"
    );
    // Every suggested index is created and used by the generic plan; the cost drops.
    let indexes: Vec<&Value> = queries
        .iter()
        .flat_map(|q| q["indexes"].as_array().unwrap())
        .collect();
    assert!(indexes.len() >= 6, "{indexes:#?}");
    for i in &indexes {
        assert_eq!(i["verdict"], "proven", "{i:#}");
        assert!(
            i["cost_after"].as_f64().unwrap() < i["cost_before"].as_f64().unwrap(),
            "{i:#}"
        );
        assert!(
            i["plan_before"].as_str().unwrap().contains("Seq Scan"),
            "{i:#}"
        );
    }
    assert_eq!(json["summary"]["indexes_not_used"], 0);
}

/// Every lock-safe recipe a rule doc's `bad` example is offered is proven on the server: the
/// same schema as the original statement, its table-sized work under a weaker lock, and clean
/// under its own rule.
#[test]
fn every_fix_recipe_in_the_rule_docs_is_proven_by_the_server() {
    let mut server = common::local_server();
    let mut proven = 0;
    let mut failures = vec![];
    let proofs = prove_doc_examples(
        &mut server,
        true,
        |findings, rule| findings.into_iter().filter(|f| f.rule == rule).collect(),
        &mut failures,
    );
    for (rule, i, proof) in proofs {
        for f in proof.sets.iter().flat_map(|s| &s.fixes) {
            // A proof on empty tables shows the locks but not the work done under them.
            if !f.left_empty.is_empty() {
                failures.push(format!(
                    "{} example #{i}: left empty: {:?}",
                    rule, f.left_empty
                ));
            } else if f.verdict == "proven" {
                proven += 1;
            } else {
                failures.push(format!(
                        "{} example #{i}: {} ({:?})\n  recipe: {}\n  original: {:?}\n  steps: {:?}\n  differences: {:?}",
                        rule, f.verdict, f.note, f.recipe, f.original, f.steps, f.differences
                    ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert!(proven >= 8, "only {proven} recipes proven");
}

/// A history of `files`, the sets it is read as, and the lint findings of `rule` on it: what a
/// fix proof test starts from.
fn history_with_findings(
    files: &[(&str, &str)],
    rule: &str,
) -> (
    tempfile::TempDir,
    Vec<pgproof::source::MigrationSet>,
    Vec<pgproof::finding::Finding>,
) {
    let dir = common::write_files(files);
    let settings = Settings::default();
    let sets = pgproof::source::layout::discover(dir.path(), &settings.load).unwrap();
    let (findings, _, _) =
        pgproof::commands::lint::lint_paths(&[dir.path().to_path_buf()], &settings, None).unwrap();
    let found: Vec<_> = findings.into_iter().filter(|f| f.rule == rule).collect();
    assert_eq!(found.len(), 1, "one {rule} finding");
    (dir, sets, found)
}

/// Runs `prove` with fix proofs and `rows` synthetic rows; the first fix proof, and whether the
/// proof failed.
fn first_fix_proof(
    server: &mut Throwaway,
    sets: &[pgproof::source::MigrationSet],
    findings: &[pgproof::finding::Finding],
    rows: u64,
) -> (pgproof::prove::fixes::FixProof, bool) {
    let options = pgproof::prove::Options {
        fixes: true,
        rows,
        replay_rows: 0,
        seed: None,
        traffic: false,
        settings: Settings::default(),
    };
    let proof = pgproof::prove::prove(server, sets, findings, &options).unwrap();
    (proof.sets[0].fixes[0].clone(), proof.failed())
}

/// The tables synthetic rows cannot fill are said once for the set, not under every fix proof:
/// here a table whose CHECK the generated values violate, and two proofs that each find it (it
/// references the table they index, so they fill it; a table no proof touches is not filled).
#[test]
fn tables_left_empty_are_said_once_for_all_fix_proofs() {
    let mut server = common::local_server();
    let dir = common::write_files(&[
        (
            "001_setup.sql",
            "CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL, status text NOT NULL);\n\
             CREATE TABLE settings (id bigint PRIMARY KEY, order_id bigint REFERENCES orders, name text NOT NULL CHECK (name = 'only this'));\n\
             CREATE TABLE unrelated (id bigint PRIMARY KEY, name text NOT NULL CHECK (name = 'only this'));\n",
        ),
        ("002_index.sql", "CREATE INDEX orders_customer_idx ON orders (customer_id);\n"),
        ("003_index.sql", "CREATE INDEX orders_status_idx ON orders (status);\n"),
    ]);
    let settings = Settings::default();
    let sets = pgproof::source::layout::discover(dir.path(), &settings.load).unwrap();
    let (findings, _, _) =
        pgproof::commands::lint::lint_paths(&[dir.path().to_path_buf()], &settings, None).unwrap();
    let options = pgproof::prove::Options {
        fixes: true,
        rows: 500,
        replay_rows: 0,
        seed: None,
        traffic: false,
        settings,
    };
    let proof = pgproof::prove::prove(&mut server, &sets, &findings, &options).unwrap();
    let set = &proof.sets[0];
    let index_proofs: Vec<_> = set
        .fixes
        .iter()
        .filter(|f| f.rule == "create-index-non-concurrently")
        .collect();
    assert_eq!(index_proofs.len(), 2, "{:#?}", set.fixes);
    for f in &index_proofs {
        assert_eq!(f.verdict, "proven", "{f:#?}");
        assert!(
            f.left_empty.iter().any(|t| t.contains("settings")),
            "{f:#?}"
        );
        assert!(
            !f.left_empty.iter().any(|t| t.contains("unrelated")),
            "{f:#?}"
        );
        assert!(f.note.is_none(), "{f:#?}");
    }
    assert_eq!(set.fixes_left_empty.len(), 1, "{:?}", set.fixes_left_empty);
    assert!(set.fixes_left_empty[0].contains("settings"));
    let render = |format| {
        let mut out = vec![];
        pgproof::report::prove::write(format, &proof, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    };
    let human = render(pgproof::report::prove::ProveFormat::Human);
    assert_eq!(human.matches("left empty: ").count(), 1, "{human}");
    // Verdicts first (all hold here), then each migration with its statements and, under it,
    // the proof of its statement's fix.
    let at = |what: &str| {
        human
            .find(what)
            .unwrap_or_else(|| panic!("no `{what}` in:\n{human}"))
    };
    assert!(
        at("verdict: no proof failed; lock hazards confirmed") < at("002_index.sql ("),
        "{human}"
    );
    assert!(
        human.contains("002_index.sql:1: SHARE on orders (create-index-non-concurrently"),
        "{human}"
    );
    assert!(
        human.contains("fix proven (create-index-non-concurrently)"),
        "{human}"
    );
    let second = at("002_index.sql (");
    let third = at("003_index.sql (");
    let first_fix = second + human[second..].find("fix proofs (each recipe").unwrap();
    assert!(first_fix < third, "{human}");
    assert!(
        human[third..].contains("003_index.sql:1 create-index-non-concurrently: PROVEN"),
        "{human}"
    );
    let markdown = render(pgproof::report::prove::ProveFormat::Markdown);
    assert!(
        markdown.contains("<details><summary>Evidence"),
        "{markdown}"
    );
    assert_eq!(
        markdown.matches("<details>").count(),
        markdown.matches("</details>").count()
    );
}

/// A fix proof must fail when the recipe is wrong: a recipe that builds another index is not
/// equivalent; one that still builds the index under the original lock is not safer.
#[test]
fn wrong_recipes_fail_their_fix_proofs() {
    let mut server = common::local_server();
    let (_dir, sets, original) = history_with_findings(
        &[
            (
                "001_setup.sql",
                "CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL, status text NOT NULL);\n",
            ),
            (
                "002_index.sql",
                "CREATE INDEX orders_customer_idx ON orders (customer_id);\n",
            ),
        ],
        "create-index-non-concurrently",
    );
    let with_recipe = |sql: &str| {
        let mut f = original.clone();
        f[0].fix.as_mut().unwrap().sql = sql.to_string();
        f
    };
    let verdict_of = |server: &mut Throwaway, findings: Vec<pgproof::finding::Finding>| {
        first_fix_proof(server, &sets, &findings, 2_000)
    };
    // The rule's own recipe: proven.
    let (fix, failed) = verdict_of(&mut server, original.clone());
    assert_eq!(fix.verdict, "proven", "{fix:#?}");
    assert!(!failed);
    // Another column: the schemas differ, and the difference is named.
    let (fix, failed) = verdict_of(
        &mut server,
        with_recipe("CREATE INDEX CONCURRENTLY orders_customer_idx ON orders (status);"),
    );
    assert_eq!(fix.verdict, "not equivalent", "{fix:#?}");
    assert!(
        fix.differences
            .iter()
            .any(|d| d.path.contains("orders_customer_idx")),
        "{fix:#?}"
    );
    assert!(failed, "a failed fix proof fails the run");
    // The same build under the same lock: not safer.
    let (fix, failed) = verdict_of(
        &mut server,
        with_recipe(
            "SET lock_timeout = '5s';\nCREATE INDEX orders_customer_idx ON orders (customer_id);",
        ),
    );
    assert_eq!(fix.verdict, "not safer", "{fix:#?}");
    assert_eq!(
        fix.steps.last().unwrap().lock,
        Some(pgproof::syntax::LockMode::Share)
    );
    assert!(failed);
    // A recipe the server rejects.
    let (fix, _) = verdict_of(
        &mut server,
        with_recipe("CREATE INDEX CONCURRENTLY orders_customer_idx ON orders (no_such_column);"),
    );
    assert_eq!(fix.verdict, "fix fails", "{fix:#?}");
    assert!(
        fix.note.as_deref().unwrap_or("").contains("no_such_column"),
        "{fix:#?}"
    );
}

/// With data in the replay (`--rows`, `--seed`), a down migration that gives the schema back but
/// not the data is caught: row counts and checksums of every table before up and after down.
#[test]
fn down_migrations_that_lose_data_are_caught_with_rows_and_seed() {
    let dir = common::write_files(&[
        (
            "001_customers.up.sql",
            "CREATE TABLE customers (id bigint PRIMARY KEY, code text NOT NULL, note text);\n",
        ),
        ("001_customers.down.sql", "DROP TABLE customers;\n"),
        // The schema round-trips exactly; the codes are cut to three characters on the way.
        (
            "002_short_codes.up.sql",
            "ALTER TABLE customers ALTER COLUMN code TYPE varchar(3) USING left(code, 3);\n",
        ),
        (
            "002_short_codes.down.sql",
            "ALTER TABLE customers ALTER COLUMN code TYPE text;\n",
        ),
        // A harmless pair: a comment and its removal.
        (
            "003_comment.up.sql",
            "COMMENT ON TABLE customers IS 'people who buy';\n",
        ),
        (
            "003_comment.down.sql",
            "COMMENT ON TABLE customers IS NULL;\n",
        ),
    ]);
    let m = dir.path();
    let seed = m.join("seed.sql.txt");
    std::fs::write(
        &seed,
        "INSERT INTO customers (id, code) VALUES (900001, 'ACME-1'), (900002, 'ACME-2');\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_pgproof"))
        .args([
            "prove",
            "--backend",
            "local",
            "--format",
            "json",
            "--no-fixes",
            "--rows",
            "500",
            "--seed",
        ])
        .arg(&seed)
        .arg(m)
        .output()
        .expect("pgproof runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let json: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| panic!("JSON on stdout; stderr: {stderr}"));
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let set = &json["proof"]["sets"][0];
    assert_eq!(
        set["data"]["seed"], "ran before migration `002_short_codes`",
        "{:#}",
        set["data"]
    );
    assert_eq!(set["data"]["filled"][0][0], "customers");
    let r = &migration(&json, "002")["reversibility"];
    assert!(
        r["down_differences"].as_array().unwrap().is_empty(),
        "{r:#}"
    );
    let data = r["data_differences"].as_array().unwrap();
    assert_eq!(data.len(), 1, "{r:#}");
    assert_eq!(data[0]["table"], "public.customers");
    assert_eq!(data[0]["rows_before"], 502);
    assert_eq!(data[0]["rows_after"], 502);
    assert_eq!(data[0]["checksum_changed"], true);
    let ok = &migration(&json, "003")["reversibility"];
    assert!(
        ok["data_differences"].as_array().unwrap().is_empty(),
        "{ok:#}"
    );
    assert_eq!(json["summary"]["irreversible"], 1);
}

/// `--format sarif` (validated against the SARIF 2.1.0 schema) names the broken down migration;
/// `--format markdown` summarises the same proof for a pull request.
#[test]
fn prove_sarif_and_markdown_report_the_failed_proofs() {
    let run = |format: &str| {
        Command::new(env!("CARGO_BIN_EXE_pgproof"))
            .args([
                "prove",
                "--backend",
                "local",
                "--no-fixes",
                "--format",
                format,
                "sql-fixtures/prove/shop",
            ])
            .output()
            .expect("pgproof runs")
    };
    let out = run("sarif");
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let sarif: Value = serde_json::from_slice(&out.stdout).unwrap();
    let errors = common::sarif_errors(&sarif);
    assert!(errors.is_empty(), "{errors:#?}");
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 1, "{results:#?}");
    assert_eq!(results[0]["ruleId"], "prove/not-reversible");
    assert!(
        results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap()
            .ends_with("004_order_total.up.sql")
    );
    let out = run("markdown");
    let md = String::from_utf8_lossy(&out.stdout);
    assert!(
        md.starts_with("## pgproof prove: ❌ some proofs failed; 3 lock hazards confirmed\n"),
        "{md}"
    );
    assert!(
        md.contains(
            "| 004_order_total | ❌ tables / public.orders / columns / placed_at / default"
        ),
        "{md}"
    );
    assert!(
        md.contains("create-index-non-concurrently: confirmed"),
        "{md}"
    );
}

/// "Proven" covers the data: a recipe that adds a volatile column but never fills existing rows
/// leaves them NULL where the original filled them, and is not equivalent; with the backfill the
/// rule names, the values differ only as two runs of the original differ (a volatile default),
/// and the proof holds. Without rows the proof says it covered the schema only.
#[test]
fn fix_proofs_compare_the_data_the_recipe_leaves() {
    let mut server = common::local_server();
    let (_dir, sets, original) = history_with_findings(
        &[
            (
                "001_setup.sql",
                "CREATE TABLE docs (id bigint PRIMARY KEY, title text NOT NULL);\n",
            ),
            (
                "002_token.sql",
                "ALTER TABLE docs ADD COLUMN token uuid DEFAULT gen_random_uuid();\n",
            ),
        ],
        "add-column-volatile-default",
    );
    let fix_of = |server: &mut Throwaway, findings: &[pgproof::finding::Finding], rows: u64| {
        first_fix_proof(server, &sets, findings, rows)
    };
    let (fix, failed) = fix_of(&mut server, &original, 500);
    assert_eq!(fix.verdict, "proven", "{fix:#?}");
    assert!(!failed);
    assert_eq!(fix.data_rows, 500, "{fix:#?}");
    assert!(
        fix.data_volatile
            .iter()
            .any(|d| d.column.as_deref() == Some("token")),
        "{fix:#?}"
    );
    let mut no_backfill = original.clone();
    no_backfill[0].fix.as_mut().unwrap().backfill = None;
    let (fix, failed) = fix_of(&mut server, &no_backfill, 500);
    assert_eq!(fix.verdict, "not equivalent", "{fix:#?}");
    assert!(failed);
    assert!(
        fix.data_differences
            .iter()
            .any(|d| d.column.as_deref() == Some("token")
                && d.what
                    .contains("500 of 500 rows not NULL in the original, 0 in the recipe")),
        "{fix:#?}"
    );
    let (fix, _) = fix_of(&mut server, &original, 0);
    assert_eq!(fix.verdict, "proven (schema only)", "{fix:#?}");
}

/// `--traffic` with data: a plain CREATE INDEX (SHARE) blocks the workload's writes but not its
/// reads; a rewrite (ACCESS EXCLUSIVE) blocks both; the concurrent build blocks neither. The first
/// column is an identity `GENERATED ALWAYS`, which the write workload must not try to set (it
/// did, every write failed, and the report said "not blocked").
#[test]
fn traffic_shows_what_each_lock_blocks() {
    let dir = common::write_files(&[
        (
            "001_orders.sql",
            "CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint NOT NULL, note text);\n",
        ),
        (
            "002_index.sql",
            "CREATE INDEX orders_customer_idx ON orders (customer_id, note);\n",
        ),
        (
            "003_concurrent.sql",
            "-- pgproof: ignore missing-lock-timeout -- test\nCREATE INDEX CONCURRENTLY orders_note_idx ON orders (note, customer_id);\n",
        ),
        (
            "004_rewrite.sql",
            "ALTER TABLE orders ALTER COLUMN customer_id TYPE numeric;\n",
        ),
    ]);
    let m = dir.path();
    let out = Command::new(env!("CARGO_BIN_EXE_pgproof"))
        .args([
            "prove",
            "--backend",
            "local",
            "--format",
            "json",
            "--no-fixes",
            "--rows",
            "300000",
            "--traffic",
        ])
        .arg(m)
        .output()
        .expect("pgproof runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let json: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| panic!("JSON on stdout; stderr: {stderr}"));
    let traffic = |id: &str| {
        let t = &migration(&json, id)["statements"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| !s["traffic"].is_null())
            .unwrap_or_else(|| panic!("no traffic for {id}: {json:#}"))["traffic"];
        assert!(
            t["errors"].as_u64() == Some(0) && t["write_error"].is_null(),
            "the workload ran without errors for {id}: {t:#}"
        );
        assert!(t["writes"].as_u64().unwrap() > 0, "writes ran for {id}");
        (
            t["reads_blocked_ms"].as_f64().unwrap(),
            t["writes_blocked_ms"].as_f64().unwrap(),
            t["reads"].as_u64().unwrap(),
        )
    };
    let (reads, writes, count) = traffic("002");
    assert!(
        reads == 0.0 && count > 0,
        "SHARE lets reads through: {reads} ms"
    );
    assert!(writes > 0.0, "SHARE blocks writes");
    let (reads, writes, _) = traffic("003");
    assert!(
        reads == 0.0 && writes == 0.0,
        "CONCURRENTLY blocks neither: {reads} / {writes} ms"
    );
    let (reads, writes, _) = traffic("004");
    assert!(
        reads > 0.0 && writes > 0.0,
        "a rewrite blocks both: {reads} / {writes} ms"
    );
}

/// The url backend: scratch `pgproof_*` databases on a server the user names, all dropped
/// afterwards; the database in the URL (with its own tables) is only connected to, never changed.
#[test]
fn url_backend_uses_scratch_databases_and_leaves_the_server_as_it_was() {
    let cluster =
        pgproof::sandbox::local::LocalCluster::start(None).expect("a throwaway PostgreSQL");
    let admin = pgproof::prove::exec::Conn::connect(&cluster.url("postgres")).unwrap();
    admin
        .execute_batch(
            "CREATE TABLE precious (id int PRIMARY KEY); INSERT INTO precious VALUES (1), (2);",
        )
        .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_pgproof"))
        .args([
            "prove",
            "--backend",
            "url",
            "--database-url",
            &cluster.url("postgres"),
            "--format",
            "json",
            "sql-fixtures/prove/shop",
        ])
        .output()
        .expect("pgproof runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let json: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| panic!("JSON on stdout; stderr: {stderr}"));
    check_shop_proof(out.status.code().unwrap_or(-1), &json, &stderr, "15");
    let left: Vec<String> = admin
        .query(
            "SELECT datname::text FROM pg_database WHERE datname LIKE 'pgproof_%'",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert!(left.is_empty(), "scratch databases left: {left:?}");
    let rows: i64 = admin.query("SELECT count(*) FROM precious", &[]).unwrap()[0].get(0);
    assert_eq!(rows, 2);
    let tables: i64 = admin
        .query(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'",
            &[],
        )
        .unwrap()[0]
        .get(0);
    assert_eq!(tables, 1, "nothing was created in the URL's database");
}

/// On the url backend, roles are the server's, not a scratch database's: the roles the migrations
/// created are dropped at the end (once the scratch databases are gone); a role that was there
/// before (even one the migrations drop and create again), one no `CREATE ROLE` of the migrations
/// creates (dynamic SQL; a table of that name does not count), and one the server will not drop
/// (a privilege on a database pgproof did not create) are left, and all but the untouched ones
/// are named.
#[test]
fn url_backend_drops_the_roles_the_migrations_created_and_names_what_it_left() {
    let cluster =
        pgproof::sandbox::local::LocalCluster::start(None).expect("a throwaway PostgreSQL");
    let admin = pgproof::prove::exec::Conn::connect(&cluster.url("postgres")).unwrap();
    admin
        .execute_batch(
            "CREATE ROLE keeper NOLOGIN; CREATE ROLE app_writer NOLOGIN; CREATE ROLE reborn LOGIN;",
        )
        .unwrap();
    let dir = common::write_files(&[
        (
            "001_tables.sql",
            "CREATE TABLE accounts (id bigint PRIMARY KEY, name text NOT NULL);\n",
        ),
        (
            "002_roles.sql",
            "CREATE ROLE app_reader NOLOGIN;\n\
             GRANT SELECT ON accounts TO app_reader;\n\
             DO $$ BEGIN CREATE ROLE \"Auditor\"; EXCEPTION WHEN duplicate_object THEN NULL; END $$;\n\
             DO $$ BEGIN CREATE ROLE app_writer; EXCEPTION WHEN duplicate_object THEN NULL; END $$;\n\
             DO $$ BEGIN EXECUTE 'CREATE ROLE ' || 'dyn' || '_role'; END $$;\n\
             CREATE ROLE connector NOLOGIN;\n\
             GRANT CONNECT ON DATABASE postgres TO connector;\n\
             DROP ROLE IF EXISTS reborn;\n\
             CREATE ROLE reborn NOLOGIN;\n\
             CREATE TABLE reporting (id int);\n\
             DO $$ BEGIN EXECUTE 'CREATE ' || 'ROLE reporting'; END $$;\n",
        ),
    ]);
    let out = Command::new(env!("CARGO_BIN_EXE_pgproof"))
        .args(["prove", "--backend", "url", "--database-url"])
        .arg(cluster.url("postgres"))
        .args(["--format", "json", "--no-fixes"])
        .arg(dir.path())
        .output()
        .expect("pgproof runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let json: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| panic!("JSON on stdout; stderr: {stderr}"));
    assert_eq!(
        json["summary"]["failed"].as_u64(),
        Some(0),
        "every migration ran: {json}\n{stderr}"
    );
    let roles: Vec<String> = admin
        .query(
            "SELECT rolname::text FROM pg_roles WHERE rolname !~ '^pg_' AND NOT rolsuper ORDER BY 1",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(
        roles,
        [
            "app_writer",
            "connector",
            "dyn_role",
            "keeper",
            "reborn",
            "reporting"
        ],
        "stderr: {stderr}"
    );
    assert!(
        stderr.contains(
            "dropped the role(s) the migrations created on the server of --database-url: \"Auditor\", app_reader"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("left the role connector that the migrations created")
            && stderr.contains("privileges for database postgres"),
        "{stderr}"
    );
    assert!(
        stderr.contains("creates (dynamic SQL, or another session): dyn_role, reporting"),
        "{stderr}"
    );
    assert!(
        stderr.contains("(a role of that name was there when the run started): reborn"),
        "{stderr}"
    );
}

/// Synthetic rows land inside the partitions' bounds (range on a timestamp or an integer, list
/// on text), spread over every partition, instead of failing "no partition found for row".
#[test]
fn synthetic_rows_fill_every_partition() {
    use pgproof::prove::exec::Conn;
    let mut server = common::local_server();
    let admin = Conn::connect(&server.admin_url()).unwrap();
    let db = server.create_database("parts", &admin).unwrap();
    let url = server.url(&db);
    let conn = Conn::connect(&url).unwrap();
    conn.execute_batch(
        "CREATE TABLE metrics (at timestamptz NOT NULL, value float8) PARTITION BY RANGE (at);
         CREATE TABLE metrics_2025 PARTITION OF metrics FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
         CREATE TABLE metrics_2026 PARTITION OF metrics FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
         CREATE TABLE accounts (id bigint NOT NULL, region text NOT NULL, PRIMARY KEY (id, region)) PARTITION BY LIST (region);
         CREATE TABLE accounts_eu PARTITION OF accounts FOR VALUES IN ('eu', 'uk');
         CREATE TABLE accounts_us PARTITION OF accounts FOR VALUES IN ('us');
         CREATE TABLE ledger (n bigint PRIMARY KEY) PARTITION BY RANGE (n);
         CREATE TABLE ledger_low PARTITION OF ledger FOR VALUES FROM (1000000) TO (2000000);
         CREATE TABLE ledger_high PARTITION OF ledger FOR VALUES FROM (2000000) TO (3000000);
         CREATE TABLE days (d date NOT NULL) PARTITION BY RANGE (d);
         CREATE TABLE days_q1 PARTITION OF days FOR VALUES FROM ('2030-01-01') TO ('2030-04-01');",
    )
    .unwrap();
    let catalog = pgproof::prove::snapshot(&url).unwrap();
    let filled = pgproof::prove::data::fill(&conn, &catalog, 500, &mut Default::default());
    assert!(filled.skipped.is_empty(), "{:?}", filled.skipped);
    assert_eq!(filled.rows.len(), 4, "{:?}", filled.rows);
    let count = |t: &str| -> i64 {
        conn.query(&format!("SELECT count(*) FROM {t}"), &[])
            .unwrap()[0]
            .get(0)
    };
    for (parent, partitions) in [
        ("metrics", &["metrics_2025", "metrics_2026"][..]),
        ("accounts", &["accounts_eu", "accounts_us"][..]),
        ("ledger", &["ledger_low", "ledger_high"][..]),
        ("days", &["days_q1"][..]),
    ] {
        assert_eq!(count(parent), 500, "{parent}");
        for p in partitions {
            assert!(count(p) > 0, "{p} is empty");
        }
    }
    drop(conn);
    server.drop_database(&db, &admin);
}

/// A version the user asks for (`--pg-version`, or `pg_version` in the config) is the version the
/// proof runs on, or there is no proof: the local cluster (PostgreSQL 15 from the PATH) is refused
/// for 16 with both versions and the `initdb` found named, and exit code 2. With the version it
/// has, every format names the server version the proof ran on.
#[test]
fn a_pg_version_the_server_is_not_is_refused_and_every_format_names_the_version() {
    let work = tempfile::tempdir().unwrap();
    let migrations = work.path().join("migrations");
    std::fs::create_dir(&migrations).unwrap();
    std::fs::write(
        migrations.join("001_items.sql"),
        "CREATE TABLE items (id bigint PRIMARY KEY);\n",
    )
    .unwrap();
    let run = |extra: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_pgproof"))
            .args(["prove", "--backend", "local", "--no-fixes"])
            .args(extra)
            .arg(&migrations)
            .output()
            .expect("pgproof runs")
    };
    let refused = run(&["--pg-version", "16"]);
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(2), "{stderr}");
    assert!(refused.stdout.is_empty(), "no proof is reported");
    assert!(
        stderr.contains("PostgreSQL 16 was asked for")
            && stderr.contains("the throwaway server is PostgreSQL 15")
            && stderr.contains("bin/initdb`")
            && stderr.contains("--pg-bin"),
        "{stderr}"
    );
    // The same from the config file: its `pg_version` is a request too.
    std::fs::write(work.path().join("pgproof.toml"), "pg_version = 16\n").unwrap();
    let refused = run(&[]);
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("PostgreSQL 16 was asked for"), "{stderr}");
    // The command line's version wins over the config's, and matches the server.
    let output = |format: &str| {
        let out = run(&["--pg-version", "15", "--format", format]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let human = output("human");
    assert!(
        human.starts_with("pgproof prove on PostgreSQL 15"),
        "{human}"
    );
    let json: Value = serde_json::from_str(&output("json")).unwrap();
    assert!(json["proof"]["server_version"]
        .as_str()
        .unwrap()
        .starts_with("15"));
    let markdown = output("markdown");
    assert!(markdown.contains("\nPostgreSQL 15"), "{markdown}");
    let sarif: Value = serde_json::from_str(&output("sarif")).unwrap();
    assert!(common::sarif_errors(&sarif).is_empty());
    assert!(
        sarif["runs"][0]["properties"]["serverVersion"]
            .as_str()
            .unwrap()
            .starts_with("15"),
        "{sarif}"
    );
}

/// The Markdown headline reflects the hazards the server confirmed, not only whether the claims
/// matched: the shop fixture without its broken down migration fails no proof, but its plain
/// CREATE INDEX, volatile default and UNIQUE constraint took their SHARE / ACCESS EXCLUSIVE locks.
#[test]
fn markdown_headline_names_confirmed_hazards() {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir("sql-fixtures/prove/shop").unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        if !name.starts_with("004_") {
            std::fs::copy(&path, dir.path().join(name)).unwrap();
        }
    }
    let out = Command::new(env!("CARGO_BIN_EXE_pgproof"))
        .args(["prove", "--backend", "local", "--no-fixes", "--format"])
        .args(["markdown"])
        .arg(dir.path())
        .output()
        .expect("pgproof runs");
    let md = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        md.starts_with("## pgproof prove: ⚠️ 3 lock hazards confirmed, no proof failed\n"),
        "{md}"
    );
    assert!(!md.contains("✅ all proofs hold"), "{md}");
}

/// `pgproof prove --backend local --no-fixes` with `args`: exit code, stdout, stderr.
fn prove_local(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_pgproof"))
        .args(["prove", "--backend", "local", "--no-fixes"])
        .args(args)
        .output()
        .expect("pgproof runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

fn reverses(m: &Value) -> bool {
    let r = &m["reversibility"];
    r["error"].is_null()
        && r["down_differences"].as_array().unwrap().is_empty()
        && r["redo_differences"].as_array().unwrap().is_empty()
}

#[test]
fn a_broken_down_part_in_the_middle_does_not_end_the_run() {
    let dir = "sql-fixtures/prove/broken-down";
    let (code, stdout, stderr) = prove_local(&["--format", "json", dir]);
    assert_eq!(code, 1, "the broken down part fails the proof: {stderr}");
    let json: Value = serde_json::from_str(&stdout).unwrap();
    // The break is named, with the server's reason and the down file's line.
    let broken = &migration(&json, "002")["reversibility"]["error"];
    let broken = broken.as_str().unwrap_or_else(|| panic!("{json:#}"));
    assert!(
        broken.contains("the down part failed")
            && broken.contains("002_accounts_email.down.sql:2")
            && broken.contains("\"mail\""),
        "{broken}"
    );
    // Every migration after it was applied on the chain and proven: the down part ran on a
    // clone, so the chain is exactly as the up part left it.
    for id in ["001", "003", "004"] {
        assert!(reverses(migration(&json, id)), "{id}: {json:#}");
    }
    let index = statement(migration(&json, "004"), "CREATE INDEX");
    assert!(index["error"].is_null());
    assert!(index["verdicts"]
        .as_array()
        .unwrap()
        .iter()
        .any(|v| v["rule"] == "create-index-non-concurrently" && v["verdict"] == "confirmed"));
    let summary = &json["summary"];
    assert_eq!(summary["migrations"], 4);
    assert_eq!(summary["applied"], 4);
    assert_eq!(summary["failed"], 0);
    assert_eq!(summary["not_run"], 0);
    assert_eq!(summary["reversible"], 3);
    assert_eq!(summary["irreversible"], 1);
    for m in json["proof"]["sets"][0]["migrations"].as_array().unwrap() {
        assert!(m["not_run"].is_null() && m["error"].is_null(), "{m}");
    }
    let (code, human, _) = prove_local(&[dir]);
    assert_eq!(code, 1);
    assert!(
        human.contains("reversibility: FAILED: the down part failed"),
        "{human}"
    );
    assert!(
        human.contains("4 migrations: 4 applied, 0 failed, 0 not run;"),
        "{human}"
    );
    assert!(
        human.contains("004_invoices_account_idx.up.sql (in a transaction)"),
        "{human}"
    );
}

#[test]
fn migrations_after_an_up_part_that_fails_are_named_as_not_run_in_every_format() {
    let dir = "sql-fixtures/prove/failing-up";
    let reason = "migration `002_accounts_region` failed";
    let (code, stdout, stderr) = prove_local(&["--format", "json", dir]);
    assert_eq!(code, 1, "{stderr}");
    let json: Value = serde_json::from_str(&stdout).unwrap();
    let failed = migration(&json, "002");
    assert!(
        failed["error"]
            .as_str()
            .unwrap()
            .contains("relation \"regions\" does not exist"),
        "{failed}"
    );
    assert!(failed["not_run"].is_null());
    assert!(migration(&json, "001")["not_run"].is_null());
    for id in ["003", "004"] {
        let m = migration(&json, id);
        assert_eq!(m["not_run"], reason, "{m}");
        assert!(m["statements"].as_array().unwrap().is_empty(), "{m}");
        assert!(m["reversibility"].is_null() && m["error"].is_null(), "{m}");
    }
    let summary = &json["summary"];
    assert_eq!(
        (
            &summary["migrations"],
            &summary["applied"],
            &summary["failed"],
            &summary["not_run"]
        ),
        (&4.into(), &1.into(), &1.into(), &2.into())
    );

    let (code, human, _) = prove_local(&[dir]);
    assert_eq!(code, 1);
    for file in ["003_invoices.up.sql", "004_invoices_account_idx.up.sql"] {
        assert!(
            human.contains(&format!("{file}\n  NOT RUN: {reason}\n")),
            "{file}: {human}"
        );
    }
    assert!(
        human.contains(&format!(
            "not run: `003_invoices` ({reason}), `004_invoices_account_idx` ({reason})"
        )),
        "{human}"
    );
    assert!(
        human.contains("4 migrations: 1 applied, 1 failed, 2 not run;"),
        "{human}"
    );

    let (code, md, _) = prove_local(&["--format", "markdown", dir]);
    assert_eq!(code, 1);
    assert!(md.starts_with("## pgproof prove: ❌"), "{md}");
    assert!(md.contains("| 4 | 1 | 1 | 2 |"), "{md}");
    for id in ["003_invoices", "004_invoices_account_idx"] {
        assert!(
            md.contains(&format!("| {id} | ⏭️ not run: {reason} |")),
            "{id}: {md}"
        );
    }
    assert!(md.contains("| 002_accounts_region | ❌ failed: "), "{md}");

    let (code, sarif, _) = prove_local(&["--format", "sarif", dir]);
    assert_eq!(code, 1);
    let sarif: Value = serde_json::from_str(&sarif).unwrap();
    assert_eq!(common::sarif_errors(&sarif), Vec::<String>::new());
    let not_run: Vec<&str> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["ruleId"] == "prove/not-run")
        .map(|r| {
            assert!(
                r["message"]["text"].as_str().unwrap().ends_with(reason),
                "{r}"
            );
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert_eq!(
        not_run,
        [
            "sql-fixtures/prove/failing-up/003_invoices.up.sql",
            "sql-fixtures/prove/failing-up/004_invoices_account_idx.up.sql"
        ]
    );
}

/// The migrations of `sql-fixtures/prove/schema-from` proven on top of its base schema: every
/// one applies and reverses, and the index build on the dump's table is a confirmed lock claim
/// (the static lint knew the table from the same dump).
fn check_schema_from_proof(json: &Value) {
    for id in ["001", "002", "003"] {
        let m = migration(json, id);
        assert!(m["error"].is_null() && m["not_run"].is_null(), "{m}");
        assert!(reverses(m), "{id}: {m}");
    }
    let index = statement(migration(json, "002"), "CREATE INDEX");
    assert!(index["locks"]
        .as_array()
        .unwrap()
        .iter()
        .any(|l| l["relation"] == "billing.invoices"
            && l["mode"] == "SHARE"
            && l["pre_existing"] == true));
    assert!(index["verdicts"]
        .as_array()
        .unwrap()
        .iter()
        .any(|v| v["rule"] == "create-index-non-concurrently" && v["verdict"] == "confirmed"));
    let name = statement(migration(json, "003"), "ALTER TABLE customers");
    assert!(name["locks"]
        .as_array()
        .unwrap()
        .iter()
        .any(|l| l["relation"] == "customers" && l["pre_existing"] == true));
    assert_eq!(json["summary"]["applied"], 3);
}

#[test]
fn schema_from_a_dump_is_the_base_of_the_proof() {
    let migrations = "sql-fixtures/prove/schema-from/migrations";
    let dump = "sql-fixtures/prove/schema-from/schema.sql";
    // Without the base schema, the first migration fails and the rest do not run.
    let (code, stdout, _) = prove_local(&["--format", "json", migrations]);
    assert_eq!(code, 1);
    let json: Value = serde_json::from_str(&stdout).unwrap();
    assert!(migration(&json, "001")["error"]
        .as_str()
        .unwrap()
        .contains("does not exist"));
    assert_eq!(json["summary"]["not_run"], 2);
    assert!(json["proof"]["base_schema"].is_null());

    let (code, stdout, stderr) =
        prove_local(&["--format", "json", "--schema-from", dump, migrations]);
    assert_eq!(code, 0, "{stderr}");
    let json: Value = serde_json::from_str(&stdout).unwrap();
    check_schema_from_proof(&json);
    // The dump's owner and grantee roles do not exist on the throwaway server: created NOLOGIN.
    let base = json["proof"]["base_schema"].as_str().unwrap();
    assert!(
        base.starts_with(&format!("schema dump `{dump}` (33 statements"))
            && base.contains("created as NOLOGIN: shop_owner, shop_reader"),
        "{base}"
    );
    let (_, human, _) = prove_local(&["--schema-from", dump, migrations]);
    assert!(
        human.contains(&format!("\nstarting from schema dump `{dump}`")),
        "{human}"
    );

    // A dump that does not apply is an operational error naming its line.
    let work = tempfile::tempdir().unwrap();
    let bad = work.path().join("bad.sql");
    std::fs::write(
        &bad,
        "CREATE TABLE a (id int);\nALTER TABLE missing ADD COLUMN b int;\n",
    )
    .unwrap();
    let (code, _, stderr) = prove_local(&["--schema-from", bad.to_str().unwrap(), migrations]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("bad.sql` line 2: relation \"missing\" does not exist"),
        "{stderr}"
    );
}

#[test]
fn schema_from_a_database_url_is_dumped_read_only_without_showing_the_password() {
    // The source: a throwaway server of its own, holding the fixture's schema.
    let mut source = common::local_server();
    let admin = pgproof::prove::exec::Conn::connect(&source.admin_url()).unwrap();
    let db = source.create_database("source", &admin).unwrap();
    let base =
        pgproof::prove::base::read("sql-fixtures/prove/schema-from/schema.sql", None).unwrap();
    {
        let conn = pgproof::prove::exec::Conn::connect(&source.url(&db)).unwrap();
        pgproof::prove::base::apply(&conn, &base, true).unwrap();
    }
    let url = source.url(&db);
    let password = url
        .split_once("://")
        .and_then(|(_, rest)| rest.split_once('@'))
        .and_then(|(userinfo, _)| userinfo.split_once(':'))
        .map(|(_, p)| p.to_string())
        .or_else(|| {
            url.split_whitespace()
                .find_map(|kv| kv.strip_prefix("password="))
                .map(str::to_string)
        })
        .expect("the throwaway server has a password");
    let (code, stdout, stderr) = prove_local(&[
        "--format",
        "json",
        "--schema-from",
        &url,
        "sql-fixtures/prove/schema-from/migrations",
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(!stdout.contains(&password) && !stderr.contains(&password));
    let json: Value = serde_json::from_str(&stdout).unwrap();
    check_schema_from_proof(&json);
    let base = json["proof"]["base_schema"].as_str().unwrap();
    assert!(base.starts_with("`pg_dump --schema-only` of "), "{base}");
    // The source was only read: its schema is as it was.
    let conn = pgproof::prove::exec::Conn::connect(&url).unwrap();
    let columns = conn
        .query(
            "SELECT count(*) FROM information_schema.columns WHERE table_name = 'invoices' AND column_name = 'due_at'",
            &[],
        )
        .unwrap();
    assert_eq!(columns[0].get::<_, i64>(0), 0);
    drop(conn);
    source.drop_database(&db, &admin);
}

#[test]
fn schema_from_on_a_users_server_creates_no_roles_and_leaves_no_database() {
    let cluster =
        pgproof::sandbox::local::LocalCluster::start(None).expect("a throwaway PostgreSQL");
    let admin = pgproof::prove::exec::Conn::connect(&cluster.url("postgres")).unwrap();
    // An older pg_dump's `CREATE SCHEMA public` is skipped as already there, as psql goes on.
    let work = tempfile::tempdir().unwrap();
    let dump = work.path().join("schema.sql");
    let fixture = std::fs::read_to_string("sql-fixtures/prove/schema-from/schema.sql").unwrap();
    std::fs::write(&dump, format!("CREATE SCHEMA public;\n{fixture}")).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_pgproof"))
        .args(["prove", "--backend", "url", "--database-url"])
        .arg(cluster.url("postgres"))
        .args(["--no-fixes", "--format", "json", "--schema-from"])
        .arg(&dump)
        .arg("sql-fixtures/prove/schema-from/migrations")
        .output()
        .expect("pgproof runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    check_schema_from_proof(&json);
    // The user's roles are not pgproof's to create: the 5 ownership and 4 grant statements
    // naming them are skipped, and said so.
    let base = json["proof"]["base_schema"].as_str().unwrap();
    assert!(
        base.contains("; 9 statements naming roles the server does not have skipped")
            && base.contains("; 1 statements creating what the server already had skipped")
            && !base.contains("NOLOGIN"),
        "{base}"
    );
    let roles: i64 = admin
        .query(
            "SELECT count(*) FROM pg_roles WHERE rolname IN ('shop_owner', 'shop_reader')",
            &[],
        )
        .unwrap()[0]
        .get(0);
    assert_eq!(roles, 0);
    let left: i64 = admin
        .query(
            "SELECT count(*) FROM pg_database WHERE datname LIKE 'pgproof_%'",
            &[],
        )
        .unwrap()[0]
        .get(0);
    assert_eq!(left, 0, "the base and every clone are dropped");
}

#[test]
fn session_settings_carry_over_the_reconnect_after_a_down_check() {
    // The down check closes the replay's connections (a template must have none): what the
    // migrations SET in the session holds for the next migration, as in one runner session.
    // Statements the runner does not wrap (goose runs a `NO TRANSACTION` file's statements one
    // by one): proven on a clone, whose connections are new.
    let dir = common::write_files(&[
        (
            "00001_app.sql",
            "-- +goose NO TRANSACTION\n-- +goose Up\nCREATE SCHEMA app;\nSET search_path = app, public;\nCREATE TABLE t1 (id int);\n\
             -- +goose Down\nDROP TABLE app.t1;\nDROP SCHEMA app;\n",
        ),
        ("00002_t2.sql", "-- +goose Up\nCREATE TABLE t2 (id int);\n"),
    ]);
    let (code, stdout, stderr) = prove_local(&["--format", "json", dir.path().to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    let json: Value = serde_json::from_str(&stdout).unwrap();
    assert!(reverses(migration(&json, "00001")));
    assert_eq!(
        migration(&json, "00001")["reversibility"]["checked_on"],
        "clone"
    );
    let t2 = statement(migration(&json, "00002"), "CREATE TABLE t2");
    assert!(t2["error"].is_null(), "{t2}");
    assert_eq!(t2["locks"][0]["relation"], "app.t2", "{t2}");
}

/// Down parts are proven inside a rolled-back transaction on the replay's database when they can
/// run in one as the runner would, and on a clone otherwise: a `CONCURRENTLY` statement, several
/// statements the runner does not wrap, or a failure in the transaction (here a deferred foreign
/// key that only the commit checks), which the clone then reports under the runner's own
/// semantics. In the transaction, the schema is read as a new session would (a part's
/// `search_path` changes how defaults print), and what a rollback does not undo (a sequence
/// moved by `nextval`) is set back: the chain goes on exactly as the up parts left it.
#[test]
fn down_parts_are_proven_in_a_rolled_back_transaction_or_else_on_a_clone() {
    let dir = common::write_files(&[
        (
            "001_parent.up.sql",
            "CREATE TABLE parent (id int PRIMARY KEY);\n\
             CREATE TABLE child (id int, parent_id int REFERENCES parent DEFERRABLE INITIALLY DEFERRED);\n\
             CREATE TABLE events (id serial PRIMARY KEY, what text);\n\
             INSERT INTO parent VALUES (1);\nINSERT INTO child VALUES (1, 1);\n",
        ),
        (
            "001_parent.down.sql",
            "DROP TABLE events;\nDROP TABLE child;\nDROP TABLE parent;\n",
        ),
        (
            "002_child_idx.up.sql",
            "-- no-transaction\nCREATE INDEX CONCURRENTLY child_parent_idx ON child (parent_id);\n",
        ),
        (
            "002_child_idx.down.sql",
            "-- no-transaction\nDROP INDEX CONCURRENTLY child_parent_idx;\n",
        ),
        ("003_note.up.sql", "ALTER TABLE child ADD COLUMN note text;\n"),
        (
            "003_note.down.sql",
            "DELETE FROM parent;\nALTER TABLE child DROP COLUMN note;\n",
        ),
        // Applied again after a down part that left its table, it still applies.
        (
            "004_extra.up.sql",
            "CREATE TABLE IF NOT EXISTS extra (id int);\n",
        ),
        ("004_extra.down.sql", "SELECT 1;\n"),
        // A schema on the search path: the serial default prints unqualified while it is set.
        (
            "005_app.up.sql",
            "CREATE SCHEMA app;\nSET search_path = app, public;\nCREATE TABLE logs (id serial PRIMARY KEY);\n\
             INSERT INTO events (what) VALUES ('app');\n",
        ),
        (
            "005_app.down.sql",
            "DELETE FROM public.events WHERE what = 'app';\nDROP TABLE app.logs;\nDROP SCHEMA app;\n",
        ),
        ("006_tag.up.sql", "ALTER TABLE child ADD COLUMN tag text;\n"),
        ("006_tag.down.sql", "ALTER TABLE child DROP COLUMN tag;\n"),
        // Runs only if 006's tag column is still there, and the sequence was set back: up ran
        // `nextval` once for 'app' (1), and once more when applied again (rolled back).
        (
            "007_after.up.sql",
            "INSERT INTO child (id, parent_id, note, tag) VALUES (2, 1, 'n', 't');\n\
             INSERT INTO public.events (what) VALUES ('next');\n\
             ALTER TABLE public.events ADD CONSTRAINT dense CHECK (id <= 2);\n",
        ),
    ]);
    let (code, stdout, stderr) = prove_local(&["--format", "json", dir.path().to_str().unwrap()]);
    assert_eq!(code, 1, "003 and 004 do not reverse: {stderr}");
    let json: Value = serde_json::from_str(&stdout).unwrap();
    let checked_on = |id: &str| migration(&json, id)["reversibility"]["checked_on"].clone();
    for (id, on) in [
        ("001", "transaction"),
        ("002", "clone"),
        ("005", "transaction"),
        ("006", "transaction"),
    ] {
        assert!(reverses(migration(&json, id)), "{id}: {json:#}");
        assert_eq!(checked_on(id), on, "{id}");
    }
    // The commit's error is the server's, with the file.
    let deferred = &migration(&json, "003")["reversibility"];
    assert_eq!(deferred["checked_on"], "clone");
    assert!(
        deferred["error"]
            .as_str()
            .is_some_and(|e| e.contains("the down part failed")
                && e.contains(
                    "003_note.down.sql: the COMMIT of the migration's transaction failed"
                )
                && e.contains("violates foreign key constraint")),
        "{deferred}"
    );
    let kept = &migration(&json, "004")["reversibility"];
    assert_eq!(kept["checked_on"], "transaction");
    assert!(kept["error"].is_null(), "{kept}");
    assert!(
        kept["down_differences"]
            .to_string()
            .contains("public.extra"),
        "the table the down part leaves: {kept}"
    );
    let after = migration(&json, "007");
    assert!(after["error"].is_null(), "{after:#}");
    let summary = &json["summary"];
    assert_eq!(
        (&summary["applied"], &summary["failed"]),
        (&7.into(), &0.into())
    );
    assert_eq!(
        (&summary["reversible"], &summary["irreversible"]),
        (&4.into(), &2.into())
    );
}

/// Progress goes to stderr on a terminal (here forced with `PGPROOF_PROGRESS=1`, one line per
/// step outside a terminal) and never into a pipe otherwise; the report on stdout is the same.
#[test]
fn progress_is_shown_only_when_asked_or_on_a_terminal() {
    let dir = "sql-fixtures/prove/broken-down";
    let run = |progress: Option<&str>| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_pgproof"));
        command
            .args([
                "prove",
                "--backend",
                "local",
                "--no-fixes",
                "--format",
                "json",
                dir,
            ])
            .env_remove("PGPROOF_PROGRESS");
        if let Some(value) = progress {
            command.env("PGPROOF_PROGRESS", value);
        }
        command.output().expect("pgproof runs")
    };
    let quiet = run(None);
    let shown = run(Some("1"));
    let stderr = |out: &std::process::Output| String::from_utf8_lossy(&out.stderr).to_string();
    assert!(
        !stderr(&quiet).contains("migration 1 of"),
        "{}",
        stderr(&quiet)
    );
    let steps: Vec<String> = stderr(&shown)
        .lines()
        .filter(|l| l.starts_with("pgproof prove: migration "))
        .map(str::to_string)
        .collect();
    assert!(steps.len() >= 3, "{}", stderr(&shown));
    assert!(
        steps[0].starts_with("pgproof prove: migration 1 of "),
        "{steps:?}"
    );
    assert!(
        !stderr(&shown).contains('\r'),
        "no carriage returns outside a terminal"
    );
    let summary = |out: &std::process::Output| {
        let json: Value = serde_json::from_slice(&out.stdout).unwrap();
        json["summary"].clone()
    };
    assert_eq!(summary(&quiet), summary(&shown));
}

/// `--pg-version 13,17` proves on each major (containers) and says where they differ: a table
/// with `UNIQUE NULLS NOT DISTINCT` (PostgreSQL 15+) fails to apply on 13 and applies on 17; the
/// statement before it behaves the same on both.
#[test]
fn several_versions_are_proven_and_their_differences_reported_first() {
    // Containers are started by one test at a time (another checks that none is left over).
    let _serial = CONTAINER_TESTS.lock().unwrap_or_else(|e| e.into_inner());
    let work = common::write_files(&[
        (
            "001_items.sql",
            "CREATE TABLE items (id bigint PRIMARY KEY, code text);\n",
        ),
        (
            "002_codes.sql",
            "CREATE TABLE codes (code text UNIQUE NULLS NOT DISTINCT);\n",
        ),
    ]);
    let migrations = work.path();
    let run = |format: &str| {
        Command::new(env!("CARGO_BIN_EXE_pgproof"))
            .args(["prove", "--backend", "container", "--no-fixes"])
            .args(["--pg-version", "13,17", "--format", format])
            .arg(migrations)
            .output()
            .expect("pgproof runs")
    };
    let out = run("json");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "13 fails a migration: {stderr}");
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["pg_versions"], serde_json::json!([13, 17]));
    let proofs = json["proofs"].as_array().unwrap();
    assert_eq!(proofs.len(), 2);
    assert!(proofs[0]["proof"]["server_version"]
        .as_str()
        .unwrap()
        .starts_with("13"));
    assert!(proofs[1]["proof"]["server_version"]
        .as_str()
        .unwrap()
        .starts_with("17"));
    assert_eq!(proofs[0]["summary"]["failed"], 1);
    assert_eq!(proofs[1]["summary"]["failed"], 0);
    let differences: Vec<&str> = json["differences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_str().unwrap())
        .collect();
    assert!(
        differences.iter().any(|d| d.contains("002_codes.sql")
            && d.contains("PostgreSQL 13 fails")
            && d.contains("PostgreSQL 17 applies")),
        "{differences:#?}"
    );
    assert!(
        differences.iter().all(|d| !d.contains("001_items.sql")),
        "{differences:#?}"
    );
    let human = String::from_utf8(run("human").stdout).unwrap();
    assert!(
        human.starts_with("pgproof prove on PostgreSQL 13, 17\nwhere the versions differ:\n"),
        "{human}"
    );
    assert!(
        human.contains("\n== PostgreSQL 13 ==\n") && human.contains("\n== PostgreSQL 17 ==\n"),
        "{human}"
    );
}

/// A fix proof whose shape an earlier proof of the run proved (the same recipe on tables and
/// columns of the same shape, other names) is not run again: it names the proof that stands for
/// it and takes its verdict. A column of another type is proved anew. Every proof starts from the
/// one history database, which moves forward from statement to statement.
#[test]
fn fix_proofs_of_a_shape_already_proven_are_not_run_again() {
    let mut server = common::local_server();
    let dir = common::write_files(&[
        (
            "001_setup.sql",
            "CREATE TABLE a (id bigint PRIMARY KEY, created timestamptz NOT NULL);\n\
             CREATE TABLE b (id bigint PRIMARY KEY, made timestamptz NOT NULL);\n\
             CREATE TABLE c (id bigint PRIMARY KEY, created text NOT NULL);\n",
        ),
        ("002_index.sql", "CREATE INDEX a_created ON a (created);\n"),
        ("003_index.sql", "CREATE INDEX b_made ON b (made);\n"),
        ("004_index.sql", "CREATE INDEX c_created ON c (created);\n"),
    ]);
    let (proof, proofs) = index_fix_proofs(&mut server, dir.path(), 100);
    let proofs: Vec<_> = proofs.iter().collect();
    assert_eq!(proofs.len(), 3, "{proofs:#?}");
    let [first, second, third] = proofs[..] else {
        unreachable!()
    };
    assert_eq!(first.verdict, "proven", "{first:#?}");
    assert!(first.original.is_some() && first.same_as.is_none());
    assert!(first.data_rows > 0, "{first:#?}");
    let stands_for = format!("{}:1", first.file.display());
    assert_eq!(second.same_as.as_deref(), Some(stands_for.as_str()));
    assert_eq!(second.verdict, first.verdict);
    assert!(second.original.is_none(), "{second:#?}");
    assert!(
        second
            .note
            .as_deref()
            .is_some_and(|n| n.contains("not run again")),
        "{second:#?}"
    );
    assert!(third.same_as.is_none(), "{third:#?}");
    assert_eq!(third.verdict, "proven", "{third:#?}");
    assert!(third.original.is_some());
    assert!(!proof.failed());
}

/// The history database moves forward from one fix proof to the next and keeps the session: a
/// `SET search_path` made before the first proof still holds for the statements after it
/// (here an unqualified `INSERT`), so the next proof starts from the same history `psql` runs.
#[test]
fn fix_proofs_keep_the_historys_session_settings_as_it_moves_forward() {
    let mut server = common::local_server();
    let dir = common::write_files(&[
        (
            "001_setup.sql",
            "CREATE SCHEMA app;\n\
             CREATE TABLE app.a (id bigint PRIMARY KEY, x text NOT NULL);\n\
             CREATE TABLE app.b (id bigint PRIMARY KEY, y integer NOT NULL);\n",
        ),
        (
            "002_index.sql",
            "SET search_path TO app, public;\n\
             CREATE INDEX a_x ON app.a (x);\n\
             INSERT INTO a (id, x) VALUES (1, 'one');\n",
        ),
        ("003_index.sql", "CREATE INDEX b_y ON app.b (y);\n"),
    ]);
    let (proof, proofs) = index_fix_proofs(&mut server, dir.path(), 50);
    let proofs: Vec<_> = proofs.iter().collect();
    assert_eq!(proofs.len(), 2, "{:#?}", proof.sets[0].fixes);
    for f in &proofs {
        assert_eq!(f.verdict, "proven", "{f:#?}");
        assert!(f.note.is_none(), "{f:#?}");
        assert!(f.same_as.is_none(), "{f:#?}");
    }
}

/// `prove` with fix proofs (`rows` synthetic rows per table) on the migrations in `dir`: the
/// proof, and its `create-index-non-concurrently` fix proofs.
fn index_fix_proofs(
    server: &mut Throwaway,
    dir: &std::path::Path,
    rows: u64,
) -> (pgproof::prove::Proof, Vec<pgproof::prove::fixes::FixProof>) {
    let settings = Settings::default();
    let sets = pgproof::source::layout::discover(dir, &settings.load).unwrap();
    let (findings, _, _) =
        pgproof::commands::lint::lint_paths(&[dir.to_path_buf()], &settings, None).unwrap();
    let options = pgproof::prove::Options {
        fixes: true,
        rows,
        replay_rows: 0,
        seed: None,
        traffic: false,
        settings,
    };
    let proof = pgproof::prove::prove(server, &sets, &findings, &options).unwrap();
    let proofs = proof.sets[0]
        .fixes
        .iter()
        .filter(|f| f.rule == "create-index-non-concurrently")
        .cloned()
        .collect();
    (proof, proofs)
}

/// A history that switches to a less privileged role (`SET ROLE`) before a flagged statement:
/// the original runs as that role, and what the proof reads around it (the data of tables that
/// role may not read, the sequences it may not set back) must not end the run.
#[test]
fn fix_proofs_run_as_the_historys_role_and_read_around_it() {
    let mut server = common::local_server();
    let dir = common::write_files(&[
        (
            "001_setup.sql",
            // Roles are the server's: the history's replays each find it made already.
            "DO $$ BEGIN CREATE ROLE pgproof_app NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$;\n\
             GRANT USAGE, CREATE ON SCHEMA public TO pgproof_app;\n\
             CREATE TABLE audit (id bigserial PRIMARY KEY, what text);\n\
             INSERT INTO audit (what) VALUES ('created');\n\
             CREATE TABLE items (id bigserial PRIMARY KEY, name text NOT NULL);\n\
             ALTER TABLE items OWNER TO pgproof_app;\n",
        ),
        (
            "002_index.sql",
            "SET ROLE pgproof_app;\nCREATE INDEX items_name ON items (name);\n",
        ),
    ]);
    let (proof, proofs) = index_fix_proofs(&mut server, dir.path(), 50);
    assert_eq!(proofs.len(), 1, "{:#?}", proof.sets[0].fixes);
    assert_eq!(proofs[0].verdict, "proven", "{:#?}", proofs[0]);
    assert_eq!(proofs[0].data_rows, 50, "{:#?}", proofs[0]);
}
