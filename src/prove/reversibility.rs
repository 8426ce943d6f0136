//! Reversibility by execution, on a clone: after a migration's up part applies, the scratch
//! database is copied (`CREATE DATABASE ... TEMPLATE`), and the copy runs the down part (its
//! schema and data compared with those before up) and the up part again (its schema compared
//! with that after up). The replay's own database is never touched, so a down part that fails or
//! leaves the schema somewhere else does not end the run: the up chain goes on as it was.

use super::backend::Throwaway;
use super::exec::{Conn, Relation};
use super::replay::{run_part, Conns};
use super::{snapshot, DataDifference, Reversibility, TableData};
use crate::catalog::diff::diff;
use crate::catalog::Catalog;
use crate::source::{Migration, MigrationSet, SqlPart};
use crate::syntax::parse_sql;
use anyhow::Result;
use std::collections::{BTreeMap, HashMap};

/// The state before a migration's up part that its down part must give back.
pub(super) struct Before {
    pub schema: Catalog,
    /// With data in the replay: each table's rows and checksum.
    pub data: Option<Vec<TableData>>,
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
            migration,
            down,
            &none,
            &mut scratch,
        ) {
            return Ok(Reversibility {
                down_differences: vec![],
                data_differences: vec![],
                redo_differences: vec![],
                error: Some(format!("the down part failed: {e}")),
            });
        }
        let down_differences = diff(&before.schema, &snapshot(&url)?);
        let data_differences = match &before.data {
            Some(before) => data_lost(before, &table_data(&conns.conn)?),
            None => vec![],
        };
        let mut redo = vec![];
        Ok(
            match run_part(&conns, &mut known, set, migration, up, &none, &mut redo) {
                Err(e) => Reversibility {
                    down_differences,
                    data_differences,
                    redo_differences: vec![],
                    error: Some(format!(
                        "the up part failed when applied again after the down part: {e}"
                    )),
                },
                Ok(()) => Reversibility {
                    down_differences,
                    data_differences,
                    redo_differences: diff(&after_up, &snapshot(&url)?),
                    error: None,
                },
            },
        )
    })();
    server.drop_database(&clone, admin);
    result
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
