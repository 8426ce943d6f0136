//! Tests against a real, throwaway PostgreSQL: a temporary `initdb` cluster on a free port, owned
//! by a non-root user, removed when the test ends. They never skip: without PostgreSQL binaries
//! they fail and say what is missing.

// Tests may unwrap: a panic here is a failing test (clippy.toml only exempts `#[test]` fns).
#![allow(clippy::unwrap_used)]

use pgproof::catalog::{apply::apply, Catalog};
use pgproof::live::introspect::{read_catalog, Scope};
use pgproof::live::{config, CatalogSession, Session};
use pgproof::sandbox::local::LocalCluster;
use pgproof::syntax::IndexKey;
use std::collections::BTreeMap;
use std::path::Path;

mod common;

/// A plain read-write connection for fixture setup, with the runtime that drives it.
fn connect(url: &str) -> (tokio::runtime::Runtime, tokio_postgres::Client) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let client = runtime.block_on(async {
        let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
            .await
            .expect("connect for setup");
        tokio::spawn(async move {
            let _ = connection.await;
        });
        client
    });
    (runtime, client)
}

/// Runs `sql` on `url` (fixture setup only).
fn execute(url: &str, sql: &str) {
    let (runtime, client) = connect(url);
    runtime
        .block_on(client.batch_execute(sql))
        .expect("setup SQL runs");
}

/// A throwaway cluster that also listens on loopback TCP (its port; roles need their passwords):
/// the tests that connect as other roles, with TLS or a password file, need TCP.
fn tcp_cluster() -> LocalCluster {
    LocalCluster::start_with(None, "-c listen_addresses=127.0.0.1")
        .expect("a throwaway PostgreSQL starts")
}

/// A throwaway cluster with the shop fixture schema loaded in database `fixture`, and its URL.
fn fixture_cluster() -> (LocalCluster, String) {
    let cluster = tcp_cluster();
    execute(&cluster.url("postgres"), "CREATE DATABASE fixture");
    let url = cluster.url("fixture");
    execute(
        &url,
        &std::fs::read_to_string("sql-fixtures/schemas/shop.sql").unwrap(),
    );
    (cluster, url)
}

fn replay(sql: &str) -> Catalog {
    let mut catalog = Catalog::new();
    for stmt in pgproof::syntax::parse_sql(sql).statements {
        apply(&mut catalog, &stmt.kind);
    }
    catalog
}

/// The parts of a catalog both sources must agree on, as comparable strings. Expression texts are
/// left out (the server prints `pg_get_expr`, replay deparses the source); that an expression is
/// there is compared.
fn projection(c: &Catalog) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    out.insert("schemas".into(), format!("{:?}", c.schemas));
    for t in c.tables.values() {
        out.insert(
            format!("table {}", t.name),
            format!(
                "{:?} {:?} rls={} forced={} inherits={:?} policies={:?}",
                t.kind, t.persistence, t.rls_enabled, t.rls_forced, t.inherits, t.policies
            ),
        );
        for col in &t.columns {
            out.insert(
                format!("column {}.{}", t.name, col.name),
                format!(
                    "{} not_null={} identity={:?} serial={} default={} generated={}",
                    col.type_name,
                    col.not_null,
                    col.identity,
                    col.serial,
                    col.default.is_some(),
                    col.generated.is_some()
                ),
            );
        }
        for con in &t.constraints {
            let kind = match &con.kind {
                pgproof::syntax::ConstraintKind::Check { expr } => format!("check on {:?}", {
                    let mut cols = expr.columns.clone();
                    cols.sort();
                    cols.dedup();
                    cols
                }),
                other => format!("{other:?}"),
            };
            out.insert(
                format!("constraint {}.{}", t.name, con.name),
                format!("{kind} validated={}", con.validated),
            );
        }
        for tr in &t.triggers {
            out.insert(
                format!("trigger {}.{}", t.name, tr.name),
                format!("{} enabled={}", tr.function, tr.enabled),
            );
        }
    }
    for i in c.indexes.values() {
        let keys: Vec<String> = i
            .keys
            .iter()
            .map(|k| match k {
                IndexKey::Column { name } => name.clone(),
                IndexKey::Expression { expr } => format!("expr({:?})", expr.columns),
            })
            .collect();
        let options: Vec<&str> = (0..i.keys.len()).map(|n| i.key_option(n)).collect();
        out.insert(
            format!("index {}", i.name),
            format!(
                "on {} {keys:?} {options:?} unique={} method={} partial={} constraint={:?}",
                i.table,
                i.unique,
                i.method,
                i.predicate.is_some(),
                i.constraint
            ),
        );
    }
    for s in c.sequences.values() {
        out.insert(
            format!("sequence {}", s.name),
            format!("owned_by={:?}", s.owned_by),
        );
    }
    for v in c.views.values() {
        out.insert(
            format!("view {}", v.name),
            format!(
                "materialized={} reads={:?} joins={:?}",
                v.materialized, v.reads, v.joins
            ),
        );
    }
    for e in c.enums.values() {
        out.insert(format!("enum {}", e.name), format!("{:?}", e.values));
    }
    for d in c.domains.values() {
        out.insert(
            format!("domain {}", d.name),
            format!(
                "{} not_null={} checks={}",
                d.base,
                d.not_null,
                d.checks.len()
            ),
        );
    }
    for (name, overloads) in &c.functions {
        for f in overloads {
            out.insert(
                format!("function {name}"),
                format!(
                    "{} {:?} definer={} search_path={} trigger={}",
                    f.language,
                    f.volatility,
                    f.security_definer,
                    f.search_path.is_some(),
                    f.returns_trigger
                ),
            );
        }
    }
    out
}

/// Rules that need live statistics or state (a `live-only` marker in their fixture directory):
/// a replayed catalog cannot trigger them, so they are left out of live-versus-replay comparisons.
fn live_only_rules() -> Vec<String> {
    std::fs::read_dir("sql-fixtures/rules")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("live-only").is_file())
        .map(|p| p.file_name().unwrap().to_string_lossy().to_string())
        .collect()
}

/// Every schema rule's findings on `catalog`, as sortable strings, without the live-only rules.
fn rules_on(catalog: &Catalog) -> Vec<String> {
    let live_only = live_only_rules();
    let cx = pgproof::rules::SchemaContext::new(catalog, 15);
    let mut found = vec![];
    for rule in pgproof::rules::RULES {
        if live_only.iter().any(|r| rule.meta().id == *r) {
            continue;
        }
        let mut out = vec![];
        rule.check_schema(&cx, &mut out);
        found.extend(out.into_iter().map(|d| match d.anchor {
            pgproof::finding::Anchor::Object { table, member } => {
                format!("{} {table} {member:?}", d.rule)
            }
            other => panic!(
                "{}: a schema finding not about an object: {other:?}",
                d.rule
            ),
        }));
    }
    found.sort();
    found
}

#[test]
fn introspected_catalog_matches_the_replayed_one_for_every_fixture_schema() {
    let cluster = LocalCluster::start(None).expect("a throwaway PostgreSQL starts");
    let mut schemas: Vec<_> = std::fs::read_dir("sql-fixtures/schemas")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "sql"))
        .collect();
    schemas.sort();
    assert!(schemas.len() >= 2, "{schemas:?}");
    for path in schemas {
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        let schema = std::fs::read_to_string(&path).unwrap();
        execute(&cluster.url("postgres"), &format!("CREATE DATABASE {name}"));
        let url = cluster.url(&name);
        execute(&url, &schema);

        let session = Session::open(&config(Some(&url)).unwrap()).expect("read-only session");
        assert_eq!(session.server_major().unwrap(), 15);
        let live = read_catalog(&session, &Scope { schemas: vec![] }).expect("introspection");
        let replayed = replay(&schema);

        let (a, b) = (projection(&replayed), projection(&live));
        let mut differences = vec![];
        for key in a
            .keys()
            .chain(b.keys())
            .collect::<std::collections::BTreeSet<_>>()
        {
            if a.get(key) != b.get(key) {
                differences.push(format!(
                    "{key}\n  replayed: {:?}\n  live:     {:?}",
                    a.get(key),
                    b.get(key)
                ));
            }
        }
        assert!(
            differences.is_empty(),
            "{name}: {} differences:\n{}",
            differences.len(),
            differences.join("\n")
        );

        // Every schema rule fires identically on both.
        assert_eq!(rules_on(&replayed), rules_on(&live), "{name}");
        assert!(
            !rules_on(&live).is_empty(),
            "{name}: the fixture has findings to compare"
        );
    }
}

#[test]
fn the_audit_session_is_read_only_and_needs_only_read_grants() {
    let (cluster, url) = fixture_cluster();
    execute(
        &url,
        "CREATE ROLE auditor LOGIN PASSWORD 'sekret-pw';
         GRANT USAGE ON SCHEMA public, billing TO auditor;
         GRANT SELECT ON ALL TABLES IN SCHEMA public, billing TO auditor;
         GRANT SELECT ON ALL SEQUENCES IN SCHEMA public, billing TO auditor;",
    );
    let state = |url: &str| {
        let (runtime, client) = connect(url);
        let rows = runtime
            .block_on(client.query(
                "SELECT string_agg(relname::text || ':' || relkind::text || ':' || relfilenode::text, ',' ORDER BY relname)
                   || '|' || (SELECT string_agg(conname, ',' ORDER BY conname) FROM pg_constraint)
                   || '|' || (SELECT sum(n_tup_ins + n_tup_upd + n_tup_del)::text FROM pg_stat_user_tables)
                 FROM pg_class WHERE relnamespace NOT IN ('pg_catalog'::regnamespace, 'pg_toast'::regnamespace)",
                &[],
            ))
            .unwrap();
        rows[0].get::<_, String>(0)
    };
    let before = state(&url);
    let auditor_url = format!(
        "postgresql://auditor:sekret-pw@127.0.0.1:{}/fixture",
        cluster.port()
    );
    let session = Session::open(&config(Some(&auditor_url)).unwrap()).expect("auditor connects");
    let catalog = read_catalog(&session, &Scope { schemas: vec![] })
        .expect("introspection with read grants only");
    assert!(catalog.tables.len() >= 5);
    // The session says it is read-only, and JIT compilation is off for its catalog queries.
    let settings = session
        .runtime
        .block_on(session.client.query(
            "SELECT current_setting('transaction_read_only'), current_setting('jit')",
            &[],
        ))
        .expect("settings readable");
    assert_eq!(
        (
            settings[0].get::<_, String>(0),
            settings[0].get::<_, String>(1)
        ),
        ("on".to_string(), "off".to_string())
    );
    // The session's transaction refuses writes.
    let write = session
        .runtime
        .block_on(session.client.batch_execute("CREATE TABLE sneaky (x int)"));
    let message = format!("{:?}", write.expect_err("writes are refused"));
    assert!(message.contains("read-only"), "{message}");
    drop(session);
    assert_eq!(state(&url), before, "the audit changed nothing");

    // The password never appears in what pgproof says about the connection.
    let described = pgproof::live::describe(&config(Some(&auditor_url)).unwrap());
    assert_eq!(
        described,
        format!("auditor@127.0.0.1:{}/fixture", cluster.port())
    );
    let bad = "postgresql://auditor:sekret-pw@127.0.0.1:1/fixture";
    let error = match Session::open(&config(Some(bad)).unwrap()) {
        Ok(_) => panic!("port 1 accepts no connection"),
        Err(e) => format!("{e:#}"),
    };
    assert!(!error.contains("sekret-pw"), "{error}");
    assert!(error.contains("auditor@127.0.0.1:1/fixture"), "{error}");
}

#[test]
fn audit_command_reports_objects_from_a_live_database() {
    let (cluster, url) = fixture_cluster();
    execute(&url, "CREATE ROLE reader LOGIN PASSWORD 'pw-never-shown'; GRANT USAGE ON SCHEMA public, billing TO reader;");
    let reader = format!(
        "postgresql://reader:pw-never-shown@127.0.0.1:{}/fixture",
        cluster.port()
    );
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_pgproof"))
            .args(args)
            .current_dir(std::env::temp_dir())
            .output()
            .expect("pgproof runs")
    };
    let out = run(&["audit", "--database-url", &reader, "--format", "json"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(!stdout.contains("pw-never-shown") && !stderr.contains("pw-never-shown"));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["server_version"], 15);
    let findings: Vec<(String, String)> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["object"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    for expected in [
        ("missing-foreign-key", "public.order_lines.product_id"),
        ("table-without-primary-key", "public.import_rows"),
        (
            "constraint-not-validated",
            "public.order_lines.order_lines_quantity_check",
        ),
    ] {
        assert!(
            findings.contains(&(expected.0.to_string(), expected.1.to_string())),
            "{expected:?} missing from {findings:?}"
        );
    }
    let human = run(&["audit", "--database-url", &reader, "--schema", "billing"]);
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(text.contains("billing.invoices"), "{text}");
    assert!(
        !text.contains("public.orders"),
        "--schema limits the audit: {text}"
    );
    assert!(!text.contains("pw-never-shown"));
    // A baseline of the audit: written, then read; only what is new in the database is reported.
    let baseline_dir = tempfile::tempdir().unwrap();
    let baseline = baseline_dir.path().join("audit-baseline.json");
    let baseline = baseline.to_str().unwrap();
    let wrote = run(&[
        "audit",
        "--database-url",
        &reader,
        "--write-baseline",
        baseline,
    ]);
    assert_eq!(
        wrote.status.code(),
        Some(1),
        "the findings are still reported"
    );
    let written = std::fs::read_to_string(baseline).unwrap();
    assert!(
        written.contains("\"object\": \"public.import_rows\""),
        "{written}"
    );
    assert!(!written.contains("pw-never-shown"));
    let with_baseline = || {
        run(&[
            "audit",
            "--database-url",
            &reader,
            "--baseline",
            baseline,
            "--format",
            "json",
        ])
    };
    let quiet = with_baseline();
    assert_eq!(
        quiet.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&quiet.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&quiet.stdout).unwrap();
    assert_eq!(json["findings"].as_array().unwrap().len(), 0, "{json:#}");
    assert_eq!(json["summary"]["baseline"]["baselined"], findings.len());
    assert_eq!(json["summary"]["baseline"]["stale"], 0);
    execute(&url, "CREATE TABLE public.audit_new_rows (payload text);");
    let new = with_baseline();
    let json: serde_json::Value = serde_json::from_slice(&new.stdout).unwrap();
    let objects: Vec<&str> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["object"].as_str().unwrap())
        .collect();
    assert!(!objects.is_empty(), "{json:#}");
    assert!(
        objects
            .iter()
            .all(|o| o.starts_with("public.audit_new_rows")),
        "{objects:?}"
    );
    execute(&url, "DROP TABLE public.audit_new_rows;");
    // `lint --schema-from URL`: migrations checked against the live schema (a squashed history).
    let migrations = tempfile::tempdir().unwrap();
    std::fs::write(
        migrations.path().join("0100_drop_total.sql"),
        "SET lock_timeout = '5s';\nALTER TABLE orders DROP COLUMN total;\n",
    )
    .unwrap();
    let dir = migrations.path().to_string_lossy().to_string();
    let lint = run(&[
        "lint",
        "--format",
        "json",
        "--fail-on",
        "never",
        "--schema-from",
        &reader,
        &dir,
    ]);
    let json: serde_json::Value = serde_json::from_slice(&lint.stdout)
        .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&lint.stderr)));
    let rules = common::finding_rules(&json);
    assert!(
        rules.contains(&"change-blocked-by-dependents"),
        "the live views that read orders.total block the drop: {rules:?}"
    );
    // A server that is not there: exit 2, a clear error, no password.
    let down = run(&[
        "audit",
        "--database-url",
        "postgresql://reader:pw-never-shown@127.0.0.1:1/x",
    ]);
    assert_eq!(down.status.code(), Some(2));
    let err = String::from_utf8_lossy(&down.stderr);
    assert!(
        err.contains("cannot connect to reader@127.0.0.1:1/x"),
        "{err}"
    );
    assert!(!err.contains("pw-never-shown"), "{err}");
}

/// Like `execute`, but the statement is expected to fail (a concurrent build on duplicates).
fn execute_failing(url: &str, sql: &str) {
    let (runtime, client) = connect(url);
    assert!(
        runtime.block_on(client.batch_execute(sql)).is_err(),
        "expected `{sql}` to fail"
    );
}

#[test]
fn live_only_rules_see_invalid_indexes_and_sequences_running_out() {
    let (_cluster, url) = fixture_cluster();
    execute(
        &url,
        "INSERT INTO customers (email, name) VALUES ('a@example.com', 'Ann'), ('b@example.com', 'Ann');
         SELECT setval('products_id_seq', 2000000000);
         SELECT setval(pg_get_serial_sequence('customers', 'id'), 1000);",
    );
    execute_failing(
        &url,
        "CREATE UNIQUE INDEX CONCURRENTLY customers_name_key ON customers (name)",
    );
    let session = Session::open(&config(Some(&url)).unwrap()).unwrap();
    let catalog = read_catalog(&session, &Scope { schemas: vec![] }).unwrap();
    let settings = pgproof::config::Settings::default();
    let found: Vec<(String, String)> =
        pgproof::commands::audit::audit_catalog(&catalog, 15, &settings, &Default::default())
            .findings
            .into_iter()
            .map(|f| (f.rule.to_string(), f.object))
            .collect();
    assert!(
        found.contains(&("invalid-index".into(), "public.customers_name_key".into())),
        "{found:?}"
    );
    assert!(
        found.contains(&(
            "sequence-near-exhaustion".into(),
            "public.products.id".into()
        )),
        "{found:?}"
    );
    // 1000 of a bigint identity: nowhere near.
    assert!(
        !found
            .iter()
            .any(|(r, o)| r == "sequence-near-exhaustion" && o.contains("customers")),
        "{found:?}"
    );
    assert_eq!(
        catalog.tables[&pgproof::syntax::QualName::public("customers")]
            .column("id")
            .unwrap()
            .last_value,
        Some(1000)
    );
}

/// Schema suggestions on a live database: a partition repeats none of its parent's findings, a
/// covering index is no duplicate of the primary key, "enum-like" needs values that look like a
/// closed set in `pg_stats`, and `unused-index` waits for statistics that cover enough days.
#[test]
fn audit_schema_suggestions_need_evidence_and_report_partitions_once() {
    let cluster = LocalCluster::start(None).expect("a throwaway PostgreSQL starts");
    execute(&cluster.url("postgres"), "CREATE DATABASE suggestions");
    let url = cluster.url("suggestions");
    execute(
        &url,
        "CREATE TABLE orders (id bigint PRIMARY KEY, status text NOT NULL, note text);
         CREATE INDEX orders_id_note_idx ON orders (id) INCLUDE (note);
         CREATE INDEX orders_note_idx ON orders (note);
         INSERT INTO orders SELECT g, (ARRAY['new', 'paid', 'shipped'])[g % 3 + 1], 'n' || g
           FROM generate_series(1, 3000) g;
         CREATE TABLE attachments (id bigint PRIMARY KEY, type text NOT NULL, state text);
         INSERT INTO attachments SELECT g, (ARRAY['image/png', 'application/pdf'])[g % 2 + 1],
           g || ' Main Street, Springfield' FROM generate_series(1, 3000) g;
         CREATE TABLE events (at date NOT NULL, kind text, payload text) PARTITION BY RANGE (at);
         CREATE INDEX events_kind_idx ON events (kind);
         CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
         CREATE TABLE events_2026 (at date NOT NULL, kind text, payload text);
         ALTER TABLE events ATTACH PARTITION events_2026 FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
         ANALYZE;",
    );
    let session = Session::open(&config(Some(&url)).unwrap()).unwrap();
    let catalog = read_catalog(&session, &Scope { schemas: vec![] }).unwrap();
    let window = catalog.statistics.as_ref().unwrap().window_days;
    assert!((0.0..1.0).contains(&window), "a fresh server: {window}");
    let audit = |settings: &pgproof::config::Settings| -> Vec<(String, String, String)> {
        pgproof::commands::audit::audit_catalog(&catalog, 15, settings, &Default::default())
            .findings
            .into_iter()
            .map(|f| (f.rule.to_string(), f.object, f.message))
            .collect()
    };
    let objects = |found: &[(String, String, String)], rule: &str| -> Vec<String> {
        let mut o: Vec<String> = found
            .iter()
            .filter(|(r, _, _)| r == rule)
            .map(|(_, o, _)| o.clone())
            .collect();
        o.sort();
        o
    };
    // The server started moments ago: every index looks unused, so nothing is said.
    let mut settings = pgproof::config::Settings::default();
    let found = audit(&settings);
    assert_eq!(objects(&found, "unused-index"), Vec::<String>::new());
    // A closed set of labels is reported with what the statistics saw; MIME types and addresses
    // under enum-like names are not.
    assert_eq!(
        objects(&found, "enum-like-column-without-check"),
        ["public.orders.status"]
    );
    let status = found
        .iter()
        .find(|(r, _, _)| r == "enum-like-column-without-check")
        .unwrap();
    assert!(status.2.contains("3 distinct value(s)"), "{}", status.2);
    // A partitioned table without a key: once, on the parent.
    assert_eq!(
        objects(&found, "table-without-primary-key"),
        ["public.events"]
    );
    // `(id) INCLUDE (note)` answers what the primary key cannot.
    assert_eq!(objects(&found, "redundant-index"), Vec::<String>::new());

    // With the window accepted, never-scanned indexes are reported with its length, and a
    // partitioned table's index once, on the parent.
    settings.unused_index_min_days = 0.0;
    let found = audit(&settings);
    assert_eq!(
        objects(&found, "unused-index"),
        [
            "public.events_kind_idx",
            "public.orders_id_note_idx",
            "public.orders_note_idx"
        ]
    );
    assert!(
        found
            .iter()
            .filter(|(r, _, _)| r == "unused-index")
            .all(|(_, _, m)| m.contains("in the 0 days the statistics cover")),
        "{found:?}"
    );
}

#[test]
fn audit_reports_evidence_formats_and_config_ignores_on_a_larger_schema() {
    let cluster = LocalCluster::start(None).expect("a throwaway PostgreSQL starts");
    execute(&cluster.url("postgres"), "CREATE DATABASE saas");
    let url = cluster.url("saas");
    execute(
        &url,
        &std::fs::read_to_string("sql-fixtures/schemas/saas.sql").unwrap(),
    );
    // Statistics: row estimates after ANALYZE, and one index scanned by a query.
    execute(
        &url,
        "INSERT INTO core.tenants (name) SELECT 'tenant ' || g FROM generate_series(1, 500) g;
         ANALYZE;
         SET enable_seqscan = off;
         SELECT count(*) FROM billing.events WHERE entry_id = 1;",
    );
    let config_dir = tempfile::tempdir().unwrap();
    let config = config_dir.path().join("pgproof.toml");
    std::fs::write(
        &config,
        "unused_index_min_days = 0\n\n[[ignore]]\nobject = \"*.imports\"\nrules = [\"table-without-primary-key\"]\nreason = \"append-only staging tables, truncated after each import\"\n",
    )
    .unwrap();
    let config = config.to_string_lossy().to_string();
    let run = |format: &str| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_pgproof"))
            .args([
                "audit",
                "--database-url",
                &url,
                "--config",
                &config,
                "--format",
                format,
            ])
            .current_dir(config_dir.path())
            .output()
            .expect("pgproof runs");
        assert_eq!(
            out.status.code(),
            Some(1),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("UTF-8 output")
    };

    let json: serde_json::Value = serde_json::from_str(&run("json")).unwrap();
    let findings = json["findings"].as_array().unwrap();
    let find = |rule: &str, object: &str| {
        findings
            .iter()
            .find(|f| f["rule"] == rule && f["object"] == object)
            .unwrap_or_else(|| panic!("{rule} on {object} missing"))
    };
    assert!(json["summary"]["tables"].as_u64().unwrap() >= 100);
    // Ignored by config: the 12 staging tables without a primary key, counted, not reported.
    assert_eq!(json["summary"]["ignored"], 12);
    assert!(!findings
        .iter()
        .any(|f| f["rule"] == "table-without-primary-key"));
    // Evidence from statistics.
    let tenants = find("cascade-chain-too-deep", "core.tenants");
    let evidence = tenants["evidence"].as_array().unwrap();
    assert!(
        evidence.iter().any(|e| e == "~500 rows"),
        "row estimate in {evidence:?}"
    );
    // The query scanned one of the two indexes on billing.events (the planner picks which), and
    // `billing_events_entry_only_idx` is a leading prefix of the other: one finding, one fix. The
    // prefix is reported redundant, with its size and scan count as evidence, and neither index
    // is also reported unused (following both fixes could drop both).
    let unused: Vec<&serde_json::Value> = findings
        .iter()
        .filter(|f| {
            f["rule"] == "unused-index"
                && f["object"]
                    .as_str()
                    .unwrap()
                    .starts_with("billing.billing_events_entry")
        })
        .collect();
    assert!(unused.is_empty(), "{unused:?}");
    let evidence_of = |f: &serde_json::Value| -> Vec<String> {
        f["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e.as_str().unwrap().to_string())
            .collect()
    };
    let evidence = evidence_of(find(
        "redundant-index",
        "billing.billing_events_entry_only_idx",
    ));
    assert!(
        evidence.iter().any(|e| e.starts_with("index "))
            && evidence
                .iter()
                .any(|e| e.ends_with(" index scans since the statistics reset")),
        "{evidence:?}"
    );
    // An index in no such pair that nothing scanned is reported unused, with its size and a
    // zero scan count.
    let never_scanned = findings
        .iter()
        .find(|f| f["rule"] == "unused-index")
        .expect("an unused index outside the redundant pairs");
    let evidence = evidence_of(never_scanned);
    assert!(
        evidence.iter().any(|e| e.starts_with("index "))
            && evidence.contains(&"0 index scans since the statistics reset".to_string()),
        "{evidence:?}"
    );
    for (rule, object) in [
        ("missing-foreign-key", "billing.events.entry_id"),
        ("nullable-required-column", "billing.settings.enabled"),
        ("redundant-index", "billing.billing_events_entry_only_idx"),
        (
            "foreign-key-without-index",
            "billing.entries.entries_state_fkey",
        ),
    ] {
        find(rule, object);
    }

    let sarif: serde_json::Value = serde_json::from_str(&run("sarif")).unwrap();
    let errors = common::sarif_errors(&sarif);
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), findings.len());
    assert!(results[0]["locations"][0]["logicalLocations"][0]["fullyQualifiedName"].is_string());

    let markdown = run("markdown");
    assert!(
        markdown.starts_with("# Schema audit of `")
            && markdown.lines().next().unwrap().ends_with("/saas`"),
        "{markdown}"
    );
    assert!(markdown.contains("## Warnings") && markdown.contains("### `core.tenants`"));
    assert!(markdown.contains("| core.tenants "));

    let html = run("html");
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<svg") && html.contains("</html>"));
    // Self-contained: no scripts, stylesheets or images from elsewhere.
    for external in ["<script", "<link", "<img", "src=", "url(http", "@import"] {
        assert!(
            !html.contains(external),
            "external asset `{external}` in the page"
        );
    }
    // Every table is a node of the graph, and suggested foreign keys are drawn as such.
    for table in ["core.tenants", "billing.entries", "support.note_reactions"] {
        assert!(
            html.contains(&format!("<title>{table}</title>")),
            "{table} node"
        );
    }
    // pgproof's own layout marks them `missing`, Graphviz `edge missing`.
    assert!(
        html.contains("class=\"missing\"") || html.contains("class=\"edge missing\""),
        "missing-FK edges drawn"
    );
}

/// Writes a file into the cluster's data directory, owned like the directory, with `mode`.
fn write_server_file(cluster: &LocalCluster, name: &str, contents: &str, mode: u32) {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let data = cluster.data_dir();
    let owner = std::fs::metadata(&data).unwrap();
    let path = data.join(name);
    std::fs::write(&path, contents).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
    std::os::unix::fs::chown(&path, Some(owner.uid()), Some(owner.gid())).unwrap();
}

/// Whether the session's own connection is encrypted, from the server's point of view.
fn session_uses_tls(url: &str) -> Result<bool, String> {
    let target = config(Some(url)).map_err(|e| format!("{e:#}"))?;
    let session = Session::open(&target).map_err(|e| format!("{e:#}"))?;
    let rows = session
        .query(
            "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
            &[],
        )
        .map_err(|e| format!("{e:#}"))?;
    Ok(rows[0].get(0))
}

#[test]
fn tls_modes_from_prefer_to_verify_full_and_the_password_file() {
    let cluster = tcp_cluster();
    // A CA and a server certificate for the name `db.internal` only (not `localhost`).
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "pgproof test CA");
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let server_key = rcgen::KeyPair::generate().unwrap();
    let server_params = rcgen::CertificateParams::new(vec!["db.internal".to_string()]).unwrap();
    let server = server_params.signed_by(&server_key, &ca, &ca_key).unwrap();
    write_server_file(&cluster, "server.crt", &server.pem(), 0o644);
    write_server_file(&cluster, "server.key", &server_key.serialize_pem(), 0o600);
    let dir = tempfile::tempdir().unwrap();
    let ca_file = dir.path().join("ca.pem");
    std::fs::write(&ca_file, ca.pem()).unwrap();
    let other_ca_key = rcgen::KeyPair::generate().unwrap();
    let mut other_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    other_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let other_ca = other_params.self_signed(&other_ca_key).unwrap();
    let other_file = dir.path().join("other.pem");
    std::fs::write(&other_file, other_ca.pem()).unwrap();
    // A role that must give a password (scram) from 127.0.0.1; everyone else is trusted.
    write_server_file(
        &cluster,
        "pg_hba.conf",
        "local all all trust\nhost all reader 127.0.0.1/32 scram-sha-256\nhost all all 127.0.0.1/32 trust\n",
        0o600,
    );
    for sql in [
        "ALTER SYSTEM SET ssl = on",
        "CREATE ROLE reader LOGIN PASSWORD 'pgpass-secret'",
        "SELECT pg_reload_conf()",
    ] {
        execute(&cluster.url("postgres"), sql);
    }
    std::thread::sleep(std::time::Duration::from_millis(500));

    let base = format!(
        "postgresql://{}@127.0.0.1:{}/postgres",
        pgproof::sandbox::local::SUPERUSER,
        cluster.port()
    );
    let ca = ca_file.to_string_lossy();
    assert_eq!(
        session_uses_tls(&base),
        Ok(true),
        "prefer: TLS when offered"
    );
    assert_eq!(
        session_uses_tls(&format!("{base}?sslmode=disable")),
        Ok(false)
    );
    assert_eq!(
        session_uses_tls(&format!("{base}?sslmode=require")),
        Ok(true)
    );
    // verify-ca: the chain is checked, the name (127.0.0.1 vs db.internal) is not.
    assert_eq!(
        session_uses_tls(&format!("{base}?sslmode=verify-ca&sslrootcert={ca}")),
        Ok(true)
    );
    let wrong_ca = session_uses_tls(&format!(
        "{base}?sslmode=verify-ca&sslrootcert={}",
        other_file.to_string_lossy()
    ));
    assert!(wrong_ca.is_err(), "a chain to another CA is refused");
    // verify-full: the name must match too.
    let name_mismatch = session_uses_tls(&format!("{base}?sslmode=verify-full&sslrootcert={ca}"));
    let err = name_mismatch.expect_err("127.0.0.1 is not db.internal");
    assert!(err.contains("sslmode=verify-full"), "{err}");
    let keywords = format!(
        "host=127.0.0.1 port={} user={} dbname=postgres sslmode=verify-ca sslrootcert={ca}",
        cluster.port(),
        pgproof::sandbox::local::SUPERUSER
    );
    assert_eq!(
        session_uses_tls(&keywords),
        Ok(true),
        "key=value strings too"
    );

    // The password file: found through PGPASSFILE, never printed; a readable-by-all file is ignored.
    let pgpass = dir.path().join("pgpass");
    std::fs::write(
        &pgpass,
        format!(
            "127.0.0.1:{}:postgres:reader:pgpass-secret\n",
            cluster.port()
        ),
    )
    .unwrap();
    let audit = |mode: u32| {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&pgpass, std::fs::Permissions::from_mode(mode)).unwrap();
        std::process::Command::new(env!("CARGO_BIN_EXE_pgproof"))
            .args([
                "audit",
                "--database-url",
                &format!(
                    "postgresql://reader@127.0.0.1:{}/postgres?sslmode=require",
                    cluster.port()
                ),
                "--format",
                "json",
            ])
            .env("PGPASSFILE", &pgpass)
            .env_remove("PGPASSWORD")
            .current_dir(dir.path())
            .output()
            .expect("pgproof runs")
    };
    let ok = audit(0o600);
    let stderr = String::from_utf8_lossy(&ok.stderr);
    assert!(
        ok.status.code() == Some(0) || ok.status.code() == Some(1),
        "{stderr}"
    );
    assert!(!String::from_utf8_lossy(&ok.stdout).contains("pgpass-secret"));
    let ignored = audit(0o644);
    assert_eq!(ignored.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&ignored.stderr);
    assert!(stderr.contains("readable by group or others"), "{stderr}");
    assert!(!stderr.contains("pgpass-secret"), "{stderr}");
}

/// Majors to test in containers: `PGPROOF_TEST_MAJORS` (default 13 15 17, the releases whose
/// images `scripts/build-test-image.sh` can build from Debian). Container tests run unless
/// `PGPROOF_SKIP_CONTAINER_TESTS=1` says otherwise; a missing engine or image is a failure.
fn container_majors() -> Vec<u32> {
    if std::env::var("PGPROOF_SKIP_CONTAINER_TESTS").as_deref() == Ok("1") {
        eprintln!("container tests disabled by PGPROOF_SKIP_CONTAINER_TESTS=1");
        return vec![];
    }
    std::env::var("PGPROOF_TEST_MAJORS")
        .unwrap_or_else(|_| "13 15 17".into())
        .split_whitespace()
        .map(|m| m.parse().expect("PGPROOF_TEST_MAJORS holds major versions"))
        .collect()
}

#[test]
fn introspection_matches_replay_on_every_supported_major_in_containers() {
    use pgproof::sandbox::container::{local_image, ContainerCluster};
    for major in container_majors() {
        let cluster = ContainerCluster::start(&local_image(major), std::time::Duration::from_secs(120))
            .unwrap_or_else(|e| panic!("PostgreSQL {major} in a container: {e:#} (run scripts/build-test-image.sh {major})"));
        for name in ["shop", "saas"] {
            let schema =
                std::fs::read_to_string(format!("sql-fixtures/schemas/{name}.sql")).unwrap();
            execute(&cluster.url("postgres"), &format!("CREATE DATABASE {name}"));
            let url = cluster.url(name);
            execute(&url, &schema);
            let session = Session::open(&config(Some(&url)).unwrap()).expect("read-only session");
            assert_eq!(session.server_major().unwrap(), major);
            let live = read_catalog(&session, &Scope { schemas: vec![] })
                .unwrap_or_else(|e| panic!("introspection on PostgreSQL {major}: {e:#}"));
            let replayed = replay(&schema);
            let (a, b) = (projection(&replayed), projection(&live));
            let differences: Vec<String> = a
                .keys()
                .chain(b.keys())
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .filter(|k| a.get(*k) != b.get(*k))
                .map(|k| {
                    format!(
                        "{k}\n  replayed: {:?}\n  live:     {:?}",
                        a.get(k),
                        b.get(k)
                    )
                })
                .collect();
            assert!(
                differences.is_empty(),
                "PostgreSQL {major}, {name}: {} differences:\n{}",
                differences.len(),
                differences.join("\n")
            );
            assert_eq!(
                rules_on(&replayed),
                rules_on(&live),
                "PostgreSQL {major}, {name}"
            );
        }
    }
}

/// The application queries of `sql-fixtures/apps/shop` against a live copy of its schema with
/// data, from the query files and from what `pg_stat_statements` recorded.
#[test]
fn audit_checks_queries_from_files_and_pg_stat_statements() {
    let app = Path::new(env!("CARGO_MANIFEST_DIR")).join("sql-fixtures/apps/shop");
    let cluster = LocalCluster::start_with(None, "-c shared_preload_libraries=pg_stat_statements")
        .expect("a throwaway PostgreSQL starts");
    let url = cluster.url("postgres");
    let mut migrations: Vec<_> = std::fs::read_dir(app.join("migrations"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    migrations.sort();
    for m in migrations {
        execute(&url, &std::fs::read_to_string(m).unwrap());
    }
    execute(
        &url,
        "CREATE EXTENSION pg_stat_statements;
         INSERT INTO customers (email, name, org_id, login)
           SELECT 'u' || g || '@example.com', 'name ' || g, g % 10, 'login' || g FROM generate_series(1, 20000) g;
         INSERT INTO orders (customer_id, status) SELECT 1 + g % 20000, 'new' FROM generate_series(1, 20000) g;
         ANALYZE;
         SELECT pg_stat_statements_reset();",
    );
    // The workload: an unindexed filter, called often, and an indexed lookup.
    let (runtime, client) = connect(&url);
    for i in 0..25 {
        let status = if i % 2 == 0 { "new" } else { "paid" };
        runtime
            .block_on(client.query("SELECT id FROM orders WHERE status = $1", &[&status]))
            .unwrap();
        runtime
            .block_on(client.query("SELECT email FROM customers WHERE id = $1", &[&(i as i64)]))
            .unwrap();
    }
    drop(client);
    let queries = app.join("queries");
    let audit = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_pgproof"))
            .args(["audit", "--database-url", &url, "--queries"])
            .arg(&queries)
            .args(["--format", "json"])
            .current_dir(std::env::temp_dir())
            .output()
            .expect("pgproof runs")
    };
    let out = audit();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(!stderr.contains("pg_stat_statements"), "{stderr}");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings = json["findings"].as_array().unwrap();
    // From pg_stat_statements: the status filter, with its workload as evidence.
    let recorded = findings
        .iter()
        .find(|f| {
            f["rule"] == "unindexed-query"
                && f["object"]
                    .as_str()
                    .unwrap()
                    .starts_with("pg_stat_statements queryid ")
        })
        .unwrap_or_else(|| panic!("{findings:#?}"));
    // Named by queryid, so the name holds from one audit to the next (ranks moved as the first
    // audit's own catalog queries were recorded), and pgproof's catalog reads are not findings.
    let again: serde_json::Value = serde_json::from_slice(&audit().stdout).unwrap();
    let again = again["findings"].as_array().unwrap();
    assert!(
        again.iter().any(|f| f["object"] == recorded["object"]),
        "{} not found again: {again:#?}",
        recorded["object"]
    );
    assert!(
        !again
            .iter()
            .any(|f| f["evidence"].to_string().contains("pg_catalog")),
        "{again:#?}"
    );
    let evidence = recorded["evidence"].to_string();
    assert!(
        evidence.contains("WHERE status = $1") && evidence.contains("25 calls"),
        "{recorded:#}"
    );
    assert!(recorded["message"]
        .as_str()
        .unwrap()
        .contains("called 25 times"));
    // The indexed lookup is not reported.
    assert!(!findings.iter().any(|f| f["evidence"]
        .to_string()
        .contains("FROM customers WHERE id = $1")));
    // From the files: checked against the live schema; the empty `products` table is too small
    // to report.
    let from_files: Vec<(String, String)> = findings
        .iter()
        .filter(|f| f["object"].as_str().unwrap().contains("customers.sql"))
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["object"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(
        from_files
            .iter()
            .any(|(r, _)| r == "single-row-lookup-without-unique"),
        "{from_files:#?}"
    );
    assert!(!findings.iter().any(|f| f["rule"] == "unindexed-query"
        && f["message"].as_str().unwrap().contains("products-by-title")));
    // The query join is evidence for the missing foreign key.
    assert!(findings.iter().any(|f| f["rule"] == "missing-foreign-key"
        && f["object"] == "public.shipments.parcel_of"
        && f["message"].as_str().unwrap().contains("order-shipments")));

    // Without the extension: a note, and the files are still checked.
    execute(&url, "DROP EXTENSION pg_stat_statements");
    let out = audit();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("pg_stat_statements extension is not installed"),
        "{stderr}"
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["rule"] == "single-row-lookup-without-unique"));
}

/// One finding, one fix: of two identical indexes (or an index that is a leading prefix of
/// another), neither is also reported unused, since following both fixes would drop every copy.
/// An index outside any pair is still reported unused, and with `redundant-index` turned off the
/// pairs are reported unused again (nothing else would name them).
#[test]
fn audit_reports_a_duplicate_index_once_not_also_as_unused() {
    let cluster = LocalCluster::start(None).expect("a throwaway PostgreSQL starts");
    execute(&cluster.url("postgres"), "CREATE DATABASE duplicates");
    let url = cluster.url("duplicates");
    execute(
        &url,
        "CREATE TABLE items (id bigint PRIMARY KEY, sku text, kind text, note text);
         CREATE INDEX items_sku_a ON items (sku);
         CREATE INDEX items_sku_b ON items (sku);
         CREATE INDEX items_kind_idx ON items (kind);
         CREATE INDEX items_kind_note_idx ON items (kind, note);
         CREATE INDEX items_note_idx ON items (note);
         ANALYZE;",
    );
    let session = Session::open(&config(Some(&url)).unwrap()).unwrap();
    let catalog = read_catalog(&session, &Scope { schemas: vec![] }).unwrap();
    let objects = |settings: &pgproof::config::Settings, rule: &str| -> Vec<String> {
        let mut found: Vec<String> =
            pgproof::commands::audit::audit_catalog(&catalog, 15, settings, &Default::default())
                .findings
                .into_iter()
                .filter(|f| f.rule == rule)
                .map(|f| f.object)
                .collect();
        found.sort();
        found
    };
    let mut settings = pgproof::config::Settings {
        unused_index_min_days: 0.0,
        ..Default::default()
    };
    assert_eq!(
        objects(&settings, "redundant-index"),
        ["public.items_kind_idx", "public.items_sku_b"]
    );
    assert_eq!(
        objects(&settings, "unused-index"),
        ["public.items_note_idx"]
    );
    settings
        .levels
        .insert("redundant-index".into(), pgproof::config::Level::Off);
    assert_eq!(
        objects(&settings, "unused-index"),
        [
            "public.items_kind_idx",
            "public.items_kind_note_idx",
            "public.items_note_idx",
            "public.items_sku_a",
            "public.items_sku_b"
        ]
    );
}

/// An `[[ignore]]` entry that leaves nothing out is reported, as an unused inline suppression
/// is: `unused-suppression`, named by the config file and the entry's line. An entry about a
/// schema the audit did not read (`--schema`) is not.
#[test]
fn audit_reports_ignore_entries_that_match_nothing() {
    let cluster = LocalCluster::start(None).expect("a throwaway PostgreSQL starts");
    execute(&cluster.url("postgres"), "CREATE DATABASE ignores");
    let url = cluster.url("ignores");
    execute(
        &url,
        "CREATE SCHEMA staging;
         CREATE TABLE staging.imports (payload text);
         CREATE TABLE public.accounts (id bigint PRIMARY KEY, name text NOT NULL);",
    );
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("pgproof.toml");
    std::fs::write(
        &config,
        "[[ignore]]\nobject = \"staging.*\"\nrules = [\"table-without-primary-key\"]\nreason = \"staging\"\n\n\
         [[ignore]]\nobject = \"public.acounts\"\nreason = \"typo: matches nothing\"\n\n\
         [[ignore]]\nobject = \"legacy.*\"\nrules = [\"table-without-primary-key\"]\nreason = \"a schema not audited\"\n",
    )
    .unwrap();
    let audit = |extra: &[&str]| -> serde_json::Value {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_pgproof"))
            .args(["audit", "--database-url", &url, "--format", "json"])
            .arg("--config")
            .arg(&config)
            .args(extra)
            .output()
            .expect("pgproof runs");
        serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|_| panic!("JSON on stdout: {}", String::from_utf8_lossy(&out.stderr)))
    };
    let unused = |json: &serde_json::Value| -> Vec<(String, String)> {
        json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule"] == "unused-suppression")
            .map(|f| {
                (
                    f["object"].as_str().unwrap().to_string(),
                    f["message"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let json = audit(&[]);
    assert_eq!(
        json["summary"]["ignored"], 1,
        "the staging table is left out"
    );
    let mut found = unused(&json);
    let line = |object: &str| -> usize { object.rsplit(':').next().unwrap().parse().unwrap() };
    found.sort_by_key(|(o, _)| line(o));
    let file = config.display().to_string();
    assert_eq!(
        found.iter().map(|(o, _)| o.as_str()).collect::<Vec<_>>(),
        [format!("{file}:7"), format!("{file}:11")],
        "{found:?}"
    );
    assert!(
        found[0]
            .1
            .contains("`public.acounts` (every rule) matches no finding"),
        "{found:?}"
    );
    assert!(
        found[1]
            .1
            .contains("`legacy.*` (`table-without-primary-key`)"),
        "{found:?}"
    );
    // Audited schema by schema, an entry about another schema says nothing.
    let json = audit(&["--schema", "public"]);
    assert_eq!(
        unused(&json)
            .iter()
            .map(|(o, _)| o.as_str())
            .collect::<Vec<_>>(),
        [format!("{file}:7")]
    );
}

/// `audit --migrations`: each finding about an object names the statement that created it (SARIF
/// physical location, JSON `location`, the human report's "created at"); objects no migration
/// created keep only their logical location, and a function's logical kind is `function`.
#[test]
fn audit_places_findings_at_the_migration_that_created_their_object() {
    let cluster = LocalCluster::start(None).expect("a throwaway PostgreSQL starts");
    execute(&cluster.url("postgres"), "CREATE DATABASE placed");
    let url = cluster.url("placed");
    let init = "-- accounts and imports\n\
                CREATE TABLE accounts (id bigint PRIMARY KEY, name text NOT NULL);\n\n\
                CREATE TABLE imports (payload text);\n";
    let function =
        "CREATE FUNCTION bump() RETURNS int LANGUAGE sql SECURITY DEFINER\n  AS $$ SELECT 1 $$;\n";
    execute(&url, init);
    execute(&url, function);
    execute(&url, "CREATE TABLE made_by_hand (note text);");
    let dir = tempfile::tempdir().unwrap();
    let migrations = dir.path().join("migrations");
    std::fs::create_dir(&migrations).unwrap();
    std::fs::write(migrations.join("001_init.sql"), init).unwrap();
    std::fs::write(migrations.join("002_bump.sql"), function).unwrap();
    let audit = |format: &str, migrations: &Path| {
        std::process::Command::new(env!("CARGO_BIN_EXE_pgproof"))
            .args(["audit", "--database-url", &url, "--format", format])
            .arg("--migrations")
            .arg(migrations)
            .current_dir(dir.path())
            .output()
            .expect("pgproof runs")
    };

    let out = audit("sarif", Path::new("migrations"));
    let sarif: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| panic!("SARIF: {}", String::from_utf8_lossy(&out.stderr)));
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let result = |rule: &str, object: &str| {
        results
            .iter()
            .find(|r| {
                r["ruleId"] == rule
                    && r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == object
            })
            .unwrap_or_else(|| panic!("no {rule} on {object}: {results:#?}"))
    };
    let imports = &result("table-without-primary-key", "public.imports")["locations"][0];
    assert_eq!(imports["logicalLocations"][0]["kind"], "table");
    assert_eq!(
        imports["physicalLocation"]["artifactLocation"]["uri"],
        "migrations/001_init.sql"
    );
    assert_eq!(imports["physicalLocation"]["region"]["startLine"], 4);
    assert_eq!(imports["physicalLocation"]["region"]["startColumn"], 1);
    let bump = &result("security-definer-without-search-path", "public.bump")["locations"][0];
    assert_eq!(bump["logicalLocations"][0]["kind"], "function");
    assert_eq!(
        bump["physicalLocation"]["artifactLocation"]["uri"],
        "migrations/002_bump.sql"
    );
    assert_eq!(bump["physicalLocation"]["region"]["startLine"], 1);
    assert_eq!(bump["physicalLocation"]["region"]["endLine"], 2);
    let by_hand = &result("table-without-primary-key", "public.made_by_hand")["locations"][0];
    assert!(by_hand.get("physicalLocation").is_none(), "{by_hand}");

    let out = audit("json", Path::new("migrations"));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let finding = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["object"] == "public.imports")
        .unwrap();
    assert_eq!(finding["location"]["file"], "migrations/001_init.sql");
    assert_eq!(finding["location"]["line"], 4);
    assert_eq!(finding["location"]["migration"], "001_init");

    let out = audit("human", Path::new("migrations"));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("created at: migrations/001_init.sql:4"),
        "{text}"
    );

    let out = audit("json", Path::new("no-such-dir"));
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no-such-dir"), "{stderr}");
}
