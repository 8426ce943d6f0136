//! `pgproof prove` on real throwaway PostgreSQL servers: a local cluster and a container.
//! Nothing here skips silently: a missing engine or image fails, unless
//! `PGPROOF_SKIP_CONTAINER_TESTS=1` explicitly turns the container tests off.

use pgproof::config::Settings;
use pgproof::prove::backend::{BackendChoice, BackendOptions, Throwaway};
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

/// Calibration: every lock a rule doc's `bad` example claims is observed on a real server, and
/// the server shows nothing stronger than pgproof's lock model on the examples' existing tables.
#[test]
fn every_lock_claim_in_the_rule_docs_is_confirmed_by_the_server() {
    let mut server = Throwaway::start(&BackendOptions {
        choice: BackendChoice::Local,
        image: None,
        pg_bin: None,
        database_url: None,
        pg_version: 15,
        startup_timeout: Duration::from_secs(60),
    })
    .expect("a local throwaway PostgreSQL");
    let settings = Settings::default();
    let mut checked = 0;
    let mut failures = vec![];
    for rule in pgproof::rules::RULES {
        let meta = rule.meta();
        let examples = pgproof::docs::examples(meta.doc);
        let setup = examples.iter().find(|e| e.kind == "setup");
        for (i, bad) in examples.iter().enumerate().filter(|(_, e)| e.kind == "bad") {
            // Examples for other PostgreSQL versions, or with a down part, are proved elsewhere.
            if bad.pg_version().is_some_and(|v| v != 15)
                || examples.get(i + 1).is_some_and(|e| e.kind == "down")
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
            if !findings
                .iter()
                .any(|f| f.rule == meta.id && f.lock.is_some())
            {
                continue;
            }
            let proof = match pgproof::prove::prove(&mut server, &sets, &findings) {
                Ok(p) => p,
                Err(e) => {
                    failures.push(format!("{}: {e:#}", meta.id));
                    continue;
                }
            };
            for m in proof.sets.iter().flat_map(|s| &s.migrations) {
                if let Some(e) = &m.error {
                    // change-blocked-by-dependents says PostgreSQL refuses the statement: the
                    // refusal is the proof. Any other example must run.
                    if meta.id == "change-blocked-by-dependents" && m.id.starts_with("002") {
                        checked += 1;
                        continue;
                    }
                    failures.push(format!(
                        "{} example #{i} ({}) does not run: {e}",
                        meta.id, m.id
                    ));
                }
                for s in &m.statements {
                    for v in s.verdicts.iter().filter(|v| v.rule == meta.id) {
                        if v.verdict == "inconclusive" {
                            continue;
                        }
                        checked += 1;
                        if v.verdict != "confirmed" {
                            failures.push(format!(
                                "{} example #{i} line {}: claims {} but the server showed {:?}",
                                meta.id,
                                s.line,
                                v.claimed_lock.sql(),
                                s.locks
                            ));
                        }
                    }
                    if let Some(u) = &s.unpredicted {
                        failures.push(format!("{} example #{i} line {}: {u}", meta.id, s.line));
                    }
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
    // A container as a killed run would leave it.
    let started = Command::new("docker")
        .args([
            "run",
            "-d",
            "--label",
            "pgproof=throwaway",
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
