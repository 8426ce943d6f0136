//! Reversibility by execution: after a migration's up part applies, the down part runs (its
//! schema and data compared with those before up) and then the up part again (its schema
//! compared with that after up), where the replay's database is left as it was, so a down part
//! that fails or leaves the schema somewhere else does not end the run.
//!
//! First inside one transaction on the replay's own connection, rolled back after
//! ([`check_in_transaction`]): no copy of the database, and the catalog read after up is the next
//! migration's "before". That answers only when both parts can run in a transaction block and
//! every statement succeeds there; otherwise (a statement that must run outside one, or any
//! error) the database is copied (`CREATE DATABASE ... TEMPLATE`) and the copy runs the parts
//! with the runner's own transaction semantics ([`check`]), so every failure reported is one
//! seen under those semantics.

use super::backend::Throwaway;
use super::exec::{Conn, Relation};
use super::replay::{needs_autocommit, run_part, Conns};
use super::{snapshot, CheckedOn, DataDifference, Reversibility, TableData};
use crate::catalog::diff::diff;
use crate::catalog::Catalog;
use crate::source::{Migration, MigrationSet, RunnerTransaction, SqlPart};
use crate::syntax::parse_sql;
use anyhow::Result;
use std::collections::{BTreeMap, HashMap};

/// The state before a migration's up part that its down part must give back.
pub(super) struct Before {
    pub schema: Catalog,
    /// With data in the replay: each table's rows and checksum.
    pub data: Option<Vec<TableData>>,
}

/// A reversibility verdict reached inside a transaction, and the schema after up (read there
/// before the down part ran; the database is back in that state after the rollback).
pub(super) struct InTransaction {
    pub reversibility: Reversibility,
    pub after_up: Catalog,
}

/// Proves the down part inside a transaction on the replay's connection `conn` (idle: the up
/// part left no transaction open), rolled back whatever happens, as the runner would run the
/// parts in a new session: `RESET ALL` first, each catalog and data read under a new session's
/// settings (in a savepoint rolled back after it), and the sequences the parts moved set back
/// after the rollback (`nextval` is not undone by one). Deferred constraints are checked at the
/// end of each part (`SET CONSTRAINTS ALL IMMEDIATE`), as the part's commit would.
///
/// `None` when this cannot tell the same as a clone would, and [`check`] decides then: a part has
/// a statement that cannot run in a transaction block (or ends one), sets something only for its
/// transaction (`SET LOCAL`, `SET CONSTRAINTS`), or has several statements that the runner does
/// not wrap in one transaction; the session holds temporary tables or a role, which a new
/// session would not; or anything fails in the transaction (under the runner's semantics it might
/// not, or fail elsewhere). An error is returned only when the rollback itself fails.
pub(super) fn check_in_transaction(
    conn: &Conn,
    migration: &Migration,
    (up, down): (&SqlPart, &SqlPart),
    before: &Before,
) -> Result<Option<InTransaction>> {
    let (up_statements, down_statements) = match (
        transactional(up, &migration.transaction),
        transactional(down, migration.down_transaction()),
    ) {
        (Some(u), Some(d)) => (u, d),
        _ => return Ok(None),
    };
    // Outside a transaction, with no session state a new session would lack.
    let session_bound = conn.query_text(
        "SELECT EXISTS (SELECT 1 FROM pg_class WHERE relnamespace = pg_my_temp_schema()) OR current_user <> session_user OR now() <> statement_timestamp()",
    )?;
    if session_bound.first().is_none_or(|v| v != "f") {
        return Ok(None);
    }
    let sequences = sequence_values(conn)?;
    conn.execute_batch("BEGIN; RESET ALL")?;
    let outcome = (|| -> Result<Option<InTransaction>> {
        let after_up = conn.as_new_session(true, read_schema)?;
        if !runs(conn, &down_statements) {
            return Ok(None);
        }
        let (after_down, data) = conn.as_new_session(true, |conn| {
            let data = match &before.data {
                Some(_) => Some(table_data(conn)?),
                None => None,
            };
            Ok((read_schema(conn)?, data))
        })?;
        let down_differences = diff(&before.schema, &after_down);
        let data_differences = match (&before.data, data) {
            (Some(before), Some(after)) => data_lost(before, &after),
            _ => vec![],
        };
        if !runs(conn, &up_statements) {
            return Ok(None);
        }
        let redo_differences = diff(&after_up, &conn.as_new_session(true, read_schema)?);
        Ok(Some(InTransaction {
            reversibility: Reversibility {
                down_differences,
                data_differences,
                redo_differences,
                error: None,
                checked_on: CheckedOn::Transaction,
            },
            after_up,
        }))
    })();
    // The rollback must happen: a connection left in the transaction would run the next
    // migration inside it.
    conn.execute_batch("ROLLBACK")?;
    restore_sequences(conn, &sequences)?;
    match outcome {
        Ok(answer) => Ok(answer),
        Err(_) => {
            // A part may have removed the connection's prepared statements (`DEALLOCATE ALL`).
            conn.forget_prepared();
            Ok(None)
        }
    }
}

fn read_schema(conn: &Conn) -> Result<Catalog> {
    crate::live::introspect::read_schema(conn, &crate::live::introspect::Scope { schemas: vec![] })
}

/// Each sequence's state (its last value, and whether `nextval` will advance past it), by
/// qualified name: of the sequences the session may read, outside other sessions' temporary
/// schemas.
pub(super) fn sequence_values(conn: &Conn) -> Result<BTreeMap<String, (i64, bool)>> {
    let names: Vec<String> = conn
        .query(
            "SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE c.relkind = 'S' AND NOT pg_is_other_temp_schema(n.oid)
               AND CASE WHEN c.relkind = 'S' THEN has_sequence_privilege(c.oid, 'SELECT') ELSE false END",
            &[],
        )?
        .iter()
        .map(|r| r.get(0))
        .collect();
    let mut out = BTreeMap::new();
    for chunk in names.chunks(500) {
        let reads: Vec<String> = chunk
            .iter()
            .map(|name| {
                format!(
                    "SELECT '{}'::text, last_value, is_called FROM {name}",
                    name.replace('\'', "''")
                )
            })
            .collect();
        for r in conn.query(&reads.join(" UNION ALL "), &[])? {
            out.insert(r.get(0), (r.get(1), r.get(2)));
        }
    }
    Ok(out)
}

/// Sets back the sequences whose state moved since `before` was read.
pub(super) fn restore_sequences(conn: &Conn, before: &BTreeMap<String, (i64, bool)>) -> Result<()> {
    let now = sequence_values(conn)?;
    let moved: Vec<String> = before
        .iter()
        .filter(|(name, value)| now.get(*name).is_some_and(|v| v != *value))
        .map(|(name, (last, called))| {
            format!("setval('{}', {last}, {called})", name.replace('\'', "''"))
        })
        .collect();
    if !moved.is_empty() {
        conn.execute_batch(&format!("SELECT {}", moved.join(", ")))?;
    }
    Ok(())
}

/// The statements of `part` when the check can run them in one transaction as the runner would:
/// every one can run inside a transaction block and sets nothing for its transaction only, and
/// the runner wraps the part in a transaction (or it is one statement).
fn transactional<'a>(part: &'a SqlPart, transaction: &RunnerTransaction) -> Option<Vec<&'a str>> {
    let parsed = parse_sql(&part.text);
    let count = parsed.statements.len();
    if !parsed.errors.is_empty() || !(count <= 1 || transaction.wraps(count)) {
        return None;
    }
    parsed
        .statements
        .iter()
        .map(|s| {
            let sql = &part.text[s.span.start..s.span.end];
            let words: Vec<String> = sql
                .split_whitespace()
                .take(2)
                .map(str::to_ascii_uppercase)
                .collect();
            let transaction_only = words.first().is_some_and(|w| w == "SET")
                && words
                    .get(1)
                    .is_some_and(|w| w == "LOCAL" || w == "CONSTRAINTS");
            (!needs_autocommit(sql, &s.kind) && !transaction_only).then_some(sql)
        })
        .collect()
}

/// Runs `statements` in the open transaction, then checks its deferred constraints; false at the
/// first error (the transaction is then aborted, for the caller to roll back).
fn runs(conn: &Conn, statements: &[&str]) -> bool {
    statements
        .iter()
        .chain(std::iter::once(&"SET CONSTRAINTS ALL IMMEDIATE"))
        .all(|sql| conn.execute_batch(sql).is_ok())
}

/// What the check works on: the replay's database (with no connection open to it: a template
/// must have none) and the relations the replay knows there.
pub(super) struct Source<'a> {
    pub database: &'a str,
    pub known: &'a BTreeMap<i64, Relation>,
}

/// Runs `down` then `up` again on a clone of `source.database` (as it is after `up`), compares,
/// and drops the clone. An error is operational (the clone could not be made or read); a part
/// that fails is in the returned [`Reversibility`].
pub(super) fn check(
    server: &mut Throwaway,
    admin: &Conn,
    source: &Source<'_>,
    (set, migration): (&MigrationSet, &Migration),
    (up, down): (&SqlPart, &SqlPart),
    before: &Before,
) -> Result<Reversibility> {
    let clone = format!("{}_rev", source.database);
    server.clone_database(source.database, &clone, admin)?;
    let url = server.url(&clone);
    let result = (|| -> Result<Reversibility> {
        let after_up = snapshot(&url)?;
        // Object ids are copied with the database: the replay's relations are the clone's.
        let mut known = source.known.clone();
        let conns = Conns::connect(&url, false)?;
        let mut scratch = vec![];
        let none = HashMap::new();
        if let Err(e) = run_part(
            &conns,
            &mut known,
            set,
            migration.down_transaction(),
            down,
            &none,
            &mut scratch,
        ) {
            return Ok(Reversibility {
                down_differences: vec![],
                data_differences: vec![],
                redo_differences: vec![],
                error: Some(format!("the down part failed: {e}")),
                checked_on: CheckedOn::Clone,
            });
        }
        let down_differences = diff(&before.schema, &snapshot(&url)?);
        let data_differences = match &before.data {
            Some(before) => data_lost(before, &table_data(&conns.conn)?),
            None => vec![],
        };
        let mut redo = vec![];
        Ok(
            match run_part(
                &conns,
                &mut known,
                set,
                &migration.transaction,
                up,
                &none,
                &mut redo,
            ) {
                Err(e) => Reversibility {
                    down_differences,
                    data_differences,
                    redo_differences: vec![],
                    error: Some(format!(
                        "the up part failed when applied again after the down part: {e}"
                    )),
                    checked_on: CheckedOn::Clone,
                },
                Ok(()) => Reversibility {
                    down_differences,
                    data_differences,
                    redo_differences: diff(&after_up, &snapshot(&url)?),
                    error: None,
                    checked_on: CheckedOn::Clone,
                },
            },
        )
    })();
    server.drop_database(&clone, admin);
    result
}

/// [`table_data`] under a new session's settings (a `TimeZone` or `DateStyle` a migration set
/// changes how values print, so their checksums), as a clone's connection reads it after the
/// down part; as the session is, when it is inside a transaction a migration left open.
pub(super) fn table_data_as_new_session(conn: &Conn) -> Result<Vec<TableData>> {
    let idle = conn.query_text("SELECT now() = statement_timestamp()")?;
    if idle.first().is_none_or(|v| v != "t") {
        return table_data(conn);
    }
    conn.as_new_session(false, table_data)
}

/// Rows and an order-independent checksum of every user table's contents.
pub(super) fn table_data(conn: &Conn) -> Result<Vec<TableData>> {
    let tables = conn.query(
        "SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
           AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
           AND n.nspname NOT LIKE 'pg_temp%' ORDER BY 1",
        &[],
    )?;
    let mut out = vec![];
    for row in tables {
        let table: String = row.get(0);
        let sums = conn.query(
            &format!(
                "SELECT count(*)::int8, coalesce(md5(string_agg(md5(t::text), '' ORDER BY md5(t::text))), '') FROM {table} t"
            ),
            &[],
        )?;
        let (rows, checksum) = sums
            .first()
            .map_or((0, String::new()), |r| (r.get(0), r.get(1)));
        out.push(TableData {
            table,
            rows,
            checksum,
        });
    }
    Ok(out)
}

/// Tables that had rows before up and lost them, or whose contents changed, after up + down.
fn data_lost(before: &[TableData], after: &[TableData]) -> Vec<DataDifference> {
    before
        .iter()
        .filter(|b| b.rows > 0)
        .filter_map(|b| {
            let a = after.iter().find(|a| a.table == b.table);
            let changed = a.is_none_or(|a| a.rows != b.rows || a.checksum != b.checksum);
            changed.then(|| DataDifference {
                table: b.table.clone(),
                rows_before: b.rows,
                rows_after: a.map(|a| a.rows),
                checksum_changed: a.is_some_and(|a| a.checksum != b.checksum),
            })
        })
        .collect()
}

/// The down part of `migration`, when it has statements.
pub(super) fn down_part(migration: &Migration) -> Option<&SqlPart> {
    migration
        .down
        .as_ref()
        .filter(|d| !parse_sql(&d.text).statements.is_empty())
}
