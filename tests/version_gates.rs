//! Every rule whose truth depends on the target PostgreSQL version, tested on both sides of the
//! version that changes it.

// Tests may unwrap: a panic here is a failing test (clippy.toml only exempts `#[test]` fns).
#![allow(clippy::unwrap_used)]

use pgproof::config::Settings;
use pgproof::finding::Finding;
use std::fs;

/// Lints `setup` then `sql` (as two plain migrations) for `pg_version`; findings of `rule` in `sql`.
fn lint(setup: &str, sql: &str, pg_version: u32, rule: &str) -> Vec<Finding> {
    let dir = tempfile::tempdir().expect("temp dir");
    fs::write(dir.path().join("001_setup.sql"), setup).unwrap();
    fs::write(dir.path().join("002_change.sql"), sql).unwrap();
    let settings = Settings {
        pg_version,
        ..Settings::default()
    };
    pgproof::commands::lint::lint_dir(dir.path(), &settings)
        .expect("lint runs")
        .into_iter()
        .filter(|f| f.rule == rule && f.file.ends_with("002_change.sql"))
        .collect()
}

/// The rule fires from `fires_from` on (or only below it when `fires_below`), and not on the other side.
fn gate(setup: &str, sql: &str, rule: &str, version: u32, fires_below: bool) {
    let below = lint(setup, sql, version - 1, rule);
    let at = lint(setup, sql, version, rule);
    if fires_below {
        assert!(
            !below.is_empty(),
            "{rule} should fire on PostgreSQL {}",
            version - 1
        );
        assert!(
            at.is_empty(),
            "{rule} should be silent on PostgreSQL {version}: {at:?}"
        );
    } else {
        assert!(
            below.is_empty(),
            "{rule} should be silent on PostgreSQL {}: {below:?}",
            version - 1
        );
        assert!(!at.is_empty(), "{rule} should fire on PostgreSQL {version}");
    }
}

#[test]
fn pg11_constant_defaults_are_instant() {
    gate(
        "CREATE TABLE docs (id bigint PRIMARY KEY);",
        "ALTER TABLE docs ADD COLUMN archived boolean NOT NULL DEFAULT false;",
        "add-column-volatile-default",
        11,
        true,
    );
    // A volatile default rewrites on every version.
    let sql = "ALTER TABLE docs ADD COLUMN token uuid DEFAULT gen_random_uuid();";
    let setup = "CREATE TABLE docs (id bigint PRIMARY KEY);";
    assert!(!lint(setup, sql, 10, "add-column-volatile-default").is_empty());
    assert!(!lint(setup, sql, 17, "add-column-volatile-default").is_empty());
}

#[test]
fn pg12_set_not_null_uses_a_validated_check() {
    let setup = "CREATE TABLE users (id bigint PRIMARY KEY, email text);
        ALTER TABLE users ADD CONSTRAINT users_email_nn CHECK (email IS NOT NULL) NOT VALID;
        ALTER TABLE users VALIDATE CONSTRAINT users_email_nn;";
    gate(
        setup,
        "ALTER TABLE users ALTER COLUMN email SET NOT NULL;",
        "set-not-null-scan",
        12,
        true,
    );
    gate(
        "CREATE TABLE s (token text);
         CREATE UNIQUE INDEX CONCURRENTLY s_token_idx ON s (token);
         ALTER TABLE s ADD CONSTRAINT s_token_nn CHECK (token IS NOT NULL) NOT VALID;
         ALTER TABLE s VALIDATE CONSTRAINT s_token_nn;",
        "ALTER TABLE s ADD CONSTRAINT s_pkey PRIMARY KEY USING INDEX s_token_idx;",
        "primary-key-on-nullable-columns",
        12,
        true,
    );
}

#[test]
fn pg12_enum_add_value_in_a_transaction() {
    gate(
        "CREATE TYPE state AS ENUM ('a');",
        "BEGIN;\nALTER TYPE state ADD VALUE 'b';\nCOMMIT;",
        "enum-value-in-transaction",
        12,
        true,
    );
    // From 12, using the new value before the commit is the error.
    let using = "BEGIN;\nALTER TYPE state ADD VALUE 'b';\nSELECT 'b'::state;\nCOMMIT;";
    let setup = "CREATE TYPE state AS ENUM ('a');";
    let found = lint(setup, using, 12, "enum-value-in-transaction");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].start.line, 3);
}

#[test]
fn pg12_enum_add_value_to_an_enum_pgproof_has_not_seen() {
    // The type comes from a base schema pgproof was not given: the version rules still apply.
    let setup = "CREATE TABLE diary (id bigint PRIMARY KEY);";
    gate(
        setup,
        "BEGIN;\nALTER TYPE external.state ADD VALUE 'b';\nCOMMIT;",
        "enum-value-in-transaction",
        12,
        true,
    );
    let using = "BEGIN;\nALTER TYPE state ADD VALUE 'b';\nSELECT 'b'::state;\nCOMMIT;";
    let found = lint(setup, using, 12, "enum-value-in-transaction");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].start.line, 3);
}

#[test]
fn pg12_reindex_concurrently() {
    let setup = "CREATE TABLE t (id bigint PRIMARY KEY, a text); CREATE INDEX t_a_idx ON t (a);";
    let sql = "REINDEX INDEX t_a_idx;";
    let old = lint(setup, sql, 11, "reindex-non-concurrently");
    let new = lint(setup, sql, 12, "reindex-non-concurrently");
    assert!(old[0].fix.is_none(), "no concurrent form before 12");
    assert!(old[0]
        .help
        .as_deref()
        .unwrap()
        .contains("CREATE INDEX CONCURRENTLY"));
    assert_eq!(
        new[0].fix.as_ref().map(|f| f.sql.as_str()),
        Some("REINDEX INDEX CONCURRENTLY t_a_idx;")
    );
}

#[test]
fn pg14_detach_partition_concurrently() {
    gate(
        "CREATE TABLE m (at date NOT NULL) PARTITION BY RANGE (at);
         CREATE TABLE m_2025 PARTITION OF m FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');",
        "ALTER TABLE m DETACH PARTITION m_2025;",
        "detach-partition-non-concurrently",
        14,
        false,
    );
}

#[test]
fn pg10_identity_columns() {
    gate(
        "",
        "CREATE TABLE w (id bigserial PRIMARY KEY);",
        "prefer-identity",
        10,
        false,
    );
}

#[test]
fn pg18_virtual_generated_columns() {
    let setup = "CREATE TABLE d (id bigint PRIMARY KEY, title text);";
    let stored = "ALTER TABLE d ADD COLUMN n integer GENERATED ALWAYS AS (length(title)) STORED;";
    let on17 = lint(setup, stored, 17, "add-column-volatile-default");
    let on18 = lint(setup, stored, 18, "add-column-volatile-default");
    assert!(!on17[0].fix.as_ref().unwrap().sql.contains("VIRTUAL"));
    assert!(on18[0].fix.as_ref().unwrap().sql.contains("VIRTUAL"));
    let virt = "ALTER TABLE d ADD COLUMN n integer GENERATED ALWAYS AS (length(title)) VIRTUAL;";
    assert!(lint(setup, virt, 18, "add-column-volatile-default").is_empty());
}

#[test]
fn pg19_repack() {
    let setup = "CREATE TABLE t (id bigint PRIMARY KEY);";
    let sql = "CLUSTER t USING t_pkey;";
    let on18 = lint(setup, sql, 18, "full-table-rewrite");
    let on19 = lint(setup, sql, 19, "full-table-rewrite");
    assert!(on18[0].help.as_deref().unwrap().contains("pg_repack"));
    assert!(on19[0]
        .help
        .as_deref()
        .unwrap()
        .contains("REPACK (CONCURRENTLY)"));
}
