//! One fix proof ([`prove_one`]): the original statement and the recipe run from the same
//! starting point, each watched ([`observe`]: locks from `pg_locks`, rows read from
//! `pg_stat_xact_user_tables`, rewrites from file nodes), then their data, schemas and lint
//! compared. [`super::fixes`] walks the history and hands each proof its starting point.

use super::exec::Conn;
use super::fixes::{intended, message, recipe_of, verdict, FixProof, Observation, Shared};
use super::rows;
use super::verdict::FixVerdict;
use super::{needs_autocommit, run_watched, short};
use crate::catalog::diff::diff;
use crate::config::Settings;
use crate::finding::Finding;
use crate::live::introspect::{read_schema, Scope};
use crate::syntax::parse_sql;
use crate::syntax::LockMode;
use anyhow::Result;
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

/// Proves `f`'s recipe from `start`, a clone of the history just before `original_sql` (every
/// clone made of it is dropped at the end; `start` itself is the caller's to drop).
#[allow(clippy::too_many_arguments)]
pub(super) fn prove_one(
    server: &Shared<'_>,
    admin: &Conn,
    (start, schema, session): (&str, &crate::catalog::Catalog, &[String]),
    f: &Finding,
    original_sql: &str,
    proof: &mut FixProof,
    rows: u64,
    settings: &Settings,
) -> Result<()> {
    let recipe = proof.recipe.clone();
    // A connection that runs the statements: with the session settings the history made.
    let working = |url: String| super::fix_history::connect_with(&url, session);
    let prefix = start.to_string();
    let mut created = vec![];
    let result = (|| -> Result<std::result::Result<(), String>> {
        let before = {
            // Closed before the clones are made (a template must have no connection open).
            let conn = Conn::connect(&server.url(&prefix))?;
            if rows > 0 {
                // Only the tables the proof reads or changes (and what their rows need).
                let backfill = f.fix.as_ref().and_then(|x| x.backfill.as_deref());
                let statements: Vec<&str> = [original_sql, recipe.as_str()]
                    .into_iter()
                    .chain(backfill)
                    .collect();
                // Names resolve to `public` here: with the history's own `search_path`, fill all.
                let path_set = session.iter().any(|s| s.contains("search_path"));
                let needed = (!path_set)
                    .then(|| super::data::tables_needed(schema, &statements))
                    .flatten();
                let mut others = match needed {
                    Some(needed) => schema
                        .tables
                        .keys()
                        .filter(|t| !needed.contains(*t))
                        .cloned()
                        .collect(),
                    None => Default::default(),
                };
                let filled = super::data::fill(&conn, schema, rows, &mut others);
                proof.left_empty = filled.skipped;
            }
            read_schema(&conn, &Scope { schemas: vec![] })?
        };
        // The original runs first, in the database itself. When it can run in a transaction
        // block, it runs in one that is rolled back once what it did is read (its locks, rows,
        // data and schema; and a second run, for values no run determines, the same way), and
        // the recipe then runs in the same database: no clone. Otherwise the recipe runs in a
        // clone, and a second run of the original in another.
        let in_place = rolls_back(original_sql);
        let recipe_db = if in_place {
            prefix.clone()
        } else {
            let db = format!("{prefix}_b");
            server.clone_database(&prefix, &db, admin)?;
            created.push(db.clone());
            db
        };
        let again_db = (!in_place && writes_values(original_sql, f)).then(|| format!("{prefix}_c"));
        if let Some(again_db) = &again_db {
            server.clone_database(&prefix, again_db, admin)?;
            created.push(again_db.clone());
        }

        // The connections that ran the original and the recipe read the rows and the schema
        // they left (with the same session settings).
        let original_conn = working(server.url(&prefix))?;
        let observer = Conn::connect(&server.url(&prefix))?;
        let blocker = Conn::connect(&server.url(&prefix))?;
        let then = if in_place {
            Then::StayOpen
        } else {
            Then::Commit
        };
        // The sequences are read and set back as a new session (the history's role may not
        // read or set them all); `setval` outlasts that session's rolled-back transaction.
        let sequences = if in_place {
            original_conn.as_new_session(false, super::reversibility::sequence_values)?
        } else {
            Default::default()
        };
        // Rolls back what a run left open, and sets back the sequences it moved.
        let undo = |conn: &Conn| -> Result<()> {
            conn.execute_batch("ROLLBACK")?;
            conn.as_new_session(false, |c| {
                super::reversibility::restore_sequences(c, &sequences)
            })
        };
        let observed = observe(&original_conn, &observer, &blocker, original_sql, then);
        let original = match observed {
            Ok(o) => o,
            Err(e) => {
                if in_place {
                    undo(&original_conn)?;
                }
                return Ok(Err(format!("the original statement failed here: {e}")));
            }
        };
        // What the original left, read before the rollback: the rows of every table it may
        // read (which ones the recipe will lock is not known yet) and the schema as a new
        // session sees it.
        let original_locked = original.locks.keys().map(String::as_str).collect();
        let rolled_back = if in_place {
            let read = (|| -> Result<_> {
                let rows = rows::fingerprints_readable(&original_conn, &original_locked)?;
                let schema = schema_of(&original_conn, true)?;
                Ok((rows, schema))
            })();
            undo(&original_conn)?;
            let ((rows, unreadable), schema) = read?;
            // The second run, when the original writes values: on the same state, rolled back.
            // What it read counts only where the values differ (as a clone's run would).
            let again = writes_values(original_sql, f).then(|| {
                let run = observe(&original_conn, &observer, &blocker, original_sql, then)
                    .ok()
                    .map(|_| rows::fingerprints(&original_conn, Some(&original_locked)));
                undo(&original_conn).map(|()| run)
            });
            let again = match again {
                Some(Err(e)) => return Err(e),
                Some(Ok(run)) => run,
                None => None,
            };
            Some((rows, unreadable, schema, again))
        } else {
            None
        };
        proof.original = Some(original);
        let recipe_conn = if in_place {
            None
        } else {
            Some(working(server.url(&recipe_db))?)
        };
        {
            let conn = recipe_conn.as_ref().unwrap_or(&original_conn);
            let watchers = if in_place {
                None
            } else {
                Some((
                    Conn::connect(&server.url(&recipe_db))?,
                    Conn::connect(&server.url(&recipe_db))?,
                ))
            };
            let (observer, blocker) = watchers
                .as_ref()
                .map_or((&observer, &blocker), |(o, b)| (o, b));
            let parsed = parse_sql(&recipe);
            for stmt in &parsed.statements {
                let sql = &recipe[stmt.span.start..stmt.span.end];
                match observe(conn, observer, blocker, sql, Then::Commit) {
                    Ok(o) => proof.steps.push(o),
                    Err(e) => {
                        proof.verdict = FixVerdict::FixFails;
                        return Ok(Err(format!("`{}` failed: {e}", short(sql))));
                    }
                }
            }
            // The backfill the recipe leaves for later, run once over every row (in production
            // it runs in batches, each its own short transaction).
            if let Some(backfill) = f.fix.as_ref().and_then(|x| x.backfill.as_deref()) {
                match observe(conn, observer, blocker, backfill, Then::Commit) {
                    Ok(mut o) => {
                        o.sql = format!("backfill (in batches in production): {}", o.sql);
                        proof.steps.push(o);
                    }
                    Err(e) => {
                        proof.verdict = FixVerdict::FixFails;
                        return Ok(Err(format!(
                            "the backfill `{}` failed: {e}",
                            short(backfill)
                        )));
                    }
                }
            }
        }
        let recipe_conn = recipe_conn.as_ref().unwrap_or(&original_conn);
        // The data each leaves, column by column; values that differ are checked against a
        // second run of the original, which shows the ones no run determines (volatile).
        // Only the tables the original or a recipe step locked can hold other rows.
        let locked: std::collections::BTreeSet<&str> = proof
            .original
            .iter()
            .chain(&proof.steps)
            .flat_map(|o| o.locks.keys().map(String::as_str))
            .collect();
        let (original_rows, original_schema, again) = match rolled_back {
            Some((mut rows, unreadable, schema, again)) => {
                if let Some(t) = locked.iter().find(|t| unreadable.contains(**t)) {
                    anyhow::bail!(
                        "cannot compare the data of `{t}`: the session's role may not read it"
                    );
                }
                rows.retain(|t, _| locked.contains(t.as_str()));
                (rows, Some(schema), again)
            }
            None => (
                rows::fingerprints(&original_conn, Some(&locked))?,
                None,
                None,
            ),
        };
        let mut differing = rows::differences(
            &original_rows,
            &rows::fingerprints(recipe_conn, Some(&locked))?,
        );
        // Values can differ only where a statement wrote some; when the original writes none
        // and they differ anyway, they stand as differences.
        let values_differ = differing.iter().any(rows::DataDifference::values_only);
        let again = match (again, again_db) {
            _ if !values_differ => None,
            (Some(again), _) => Some(again),
            (None, Some(again_db)) => {
                let conn = working(server.url(&again_db))?;
                let observer = Conn::connect(&server.url(&again_db))?;
                let blocker = Conn::connect(&server.url(&again_db))?;
                observe(&conn, &observer, &blocker, original_sql, Then::Commit)
                    .ok()
                    .map(|_| rows::fingerprints(&conn, Some(&locked)))
            }
            (None, None) => None,
        };
        if let Some(again) = again {
            let volatile = rows::differences(&original_rows, &again?);
            let (by_chance, real): (Vec<_>, Vec<_>) = differing.into_iter().partition(|d| {
                d.values_only()
                    && volatile
                        .iter()
                        .any(|v| v.table == d.table && v.column == d.column)
            });
            proof.data_volatile = by_chance;
            differing = real;
        }
        proof.data_differences = differing;
        if let Some(original) = &proof.original {
            proof.data_rows = original
                .locks
                .keys()
                .filter_map(|t| original_rows.get(t))
                .map(|t| t.rows)
                .sum();
        }
        let original_schema = match original_schema {
            Some(schema) => schema,
            None => schema_of(&original_conn, false)?,
        };
        for d in diff(&original_schema, &schema_of(recipe_conn, false)?) {
            match intended(recipe_of(f), &d) {
                Some(why) => proof.intended.push((d, why.to_string())),
                None => proof.differences.push(d),
            }
        }
        proof.lints_clean = Some(lints_clean(&recipe, &before, &f.rule, settings)?);
        Ok(Ok(()))
    })();
    for db in created.iter().rev() {
        server.drop_database(db, admin);
    }
    match result? {
        Err(note) => {
            proof.note = Some(match proof.note.take() {
                Some(n) => format!("{note}; {n}"),
                None => note,
            });
        }
        Ok(()) => {
            proof.verdict = verdict(proof);
        }
    }
    Ok(())
}

/// The schema as a new session sees it (names qualified against the default path), read inside
/// the transaction open on `conn` when `in_transaction`.
fn schema_of(conn: &Conn, in_transaction: bool) -> Result<crate::catalog::Catalog> {
    conn.as_new_session(in_transaction, |c| {
        read_schema(c, &Scope { schemas: vec![] })
    })
}

/// Whether the flagged statement can run in a transaction block that is then rolled back: one
/// statement, parsed, that needs no autocommit and controls no transaction.
fn rolls_back(original_sql: &str) -> bool {
    let parsed = parse_sql(original_sql);
    parsed.errors.is_empty()
        && parsed.statements.len() == 1
        && parsed.statements.iter().all(|s| {
            !matches!(s.kind, crate::syntax::Statement::Transaction { .. })
                && !needs_autocommit(&original_sql[s.span.start..s.span.end], &s.kind)
        })
}

/// Whether the flagged statement (or the backfill its recipe leaves) may write values into
/// existing rows, which a second run of it may write differently (a volatile default): anything
/// but building or dropping an index and adding, validating or dropping constraints.
fn writes_values(original_sql: &str, f: &Finding) -> bool {
    use crate::syntax::{AlterCmd, Statement};
    if f.fix.as_ref().is_some_and(|x| x.backfill.is_some()) {
        return true;
    }
    parse_sql(original_sql)
        .statements
        .iter()
        .any(|s| match &s.kind {
            Statement::CreateIndex(_) | Statement::Drop(_) => false,
            Statement::AlterTable(a) => a.cmds.iter().any(|c| {
                !matches!(
                    c,
                    AlterCmd::AddConstraint { .. }
                        | AlterCmd::ValidateConstraint { .. }
                        | AlterCmd::DropConstraint { .. }
                        | AlterCmd::SetNotNull { .. }
                        | AlterCmd::DropNotNull { .. }
                        | AlterCmd::AttachPartition { .. }
                        | AlterCmd::DetachPartition { .. }
                )
            }),
            _ => true,
        })
}

/// How [`observe`] ends the transaction it runs a statement in.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Then {
    Commit,
    /// Left open, with the deferred constraints checked as a commit would, for the caller to
    /// read what the statement did and roll it back (on an error it is rolled back already).
    StayOpen,
}

/// Runs one statement, in its own transaction when it can (locks and rows read are then exact),
/// otherwise watched from a second connection (refused with [`Then::StayOpen`], which only a
/// statement for which [`rolls_back`] holds may ask).
fn observe(
    conn: &Conn,
    observer: &Conn,
    blocker: &Conn,
    sql: &str,
    then: Then,
) -> std::result::Result<Observation, String> {
    let kind = parse_sql(sql)
        .statements
        .first()
        .map(|s| s.kind.clone())
        .unwrap_or(crate::syntax::Statement::Select);
    let err = |e: anyhow::Error| format!("{e:#}");
    let relations = conn.relations().map_err(err)?;
    let tables: HashMap<i64, String> = relations
        .iter()
        .filter(|(_, r)| matches!(r.kind.as_str(), "r" | "p" | "m"))
        .map(|(oid, r)| (*oid, r.name.to_string()))
        .collect();
    let started = std::time::Instant::now();
    let (locks, rows_read) = if needs_autocommit(sql, &kind) {
        if then == Then::StayOpen {
            // It would commit: the caller's rollback would not undo it.
            return Err(format!(
                "`{}` cannot run in a transaction block that is rolled back",
                short(sql)
            ));
        }
        let (result, seen) = run_watched(conn, observer, Some(blocker), sql);
        result.map_err(|e| message(&e))?;
        (seen, None)
    } else {
        conn.execute_batch("BEGIN").map_err(|e| message(&e))?;
        let read = |c: &Conn| -> std::result::Result<HashMap<i64, i64>, String> {
            Ok(c.query(
                "SELECT relid::int8, (coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0))::int8 FROM pg_stat_xact_user_tables",
                &[],
            )
            .map_err(err)?
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect())
        };
        let before = read(conn)?;
        if let Err(e) = conn.execute_batch(sql) {
            let _ = conn.execute_batch("ROLLBACK");
            return Err(message(&e));
        }
        let after = read(conn)?;
        let locks = conn.locks_of(conn.pid()).map_err(err)?;
        let end = match then {
            Then::Commit => "COMMIT",
            Then::StayOpen => "SET CONSTRAINTS ALL IMMEDIATE",
        };
        if let Err(e) = conn.execute_batch(end) {
            if then == Then::StayOpen {
                let _ = conn.execute_batch("ROLLBACK");
            }
            return Err(message(&e));
        }
        let rows: i64 = after
            .iter()
            .filter(|(oid, _)| tables.contains_key(oid))
            .map(|(oid, n)| n - before.get(oid).copied().unwrap_or(0))
            .sum();
        (locks, Some(rows))
    };
    let duration_ms = started.elapsed().as_secs_f64() * 1000.0;
    let after = conn.relations().map_err(err)?;
    let rewrote = relations.iter().any(|(oid, r)| {
        tables.contains_key(oid) && after.get(oid).is_some_and(|a| a.filenode != r.filenode)
    });
    let mut on_tables: BTreeMap<String, LockMode> = BTreeMap::new();
    for (oid, mode) in &locks {
        if let Some(t) = tables.get(oid) {
            let held = on_tables.entry(t.clone()).or_insert(*mode);
            *held = (*held).max(*mode);
        }
    }
    let strongest = on_tables.iter().map(|(t, m)| (*m, t.clone())).max();
    Ok(Observation {
        sql: short(sql),
        lock: strongest.as_ref().map(|(m, _)| *m),
        table: strongest.map(|(_, t)| t),
        locks: on_tables,
        rows_read,
        rewrote,
        duration_ms,
    })
}

/// Lints the recipe as one migration on top of `schema`: the rule must not fire.
fn lints_clean(
    recipe: &str,
    schema: &crate::catalog::Catalog,
    rule: &str,
    settings: &Settings,
) -> Result<bool> {
    let texts = crate::engine::Texts {
        root: PathBuf::from("fix"),
        layout: crate::source::Layout::Plain,
        migrations: vec![crate::engine::TextMigration::file("001_fix.sql", recipe)],
    };
    let linted = crate::engine::lint_texts(texts, vec![], settings, Some(schema))?;
    Ok(!linted.findings.iter().any(|x| x.rule == rule))
}
