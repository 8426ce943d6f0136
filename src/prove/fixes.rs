//! Fix proofs: for each finding whose fix is a recipe, the database as it was just before the
//! statement (with synthetic rows) is cloned twice (`CREATE DATABASE ... TEMPLATE`); the original
//! statement runs in one copy, the recipe in the other, and the server shows
//!
//! - whether both leave the same schema (the catalogs are read back and compared),
//! - whether the recipe is safer: every statement of it that reads or rewrites a pre-existing
//!   table does so under a weaker lock than the original's strongest, and none takes a stronger
//!   one (locks from `pg_locks`, rows read from `pg_stat_xact_user_tables`, rewrites from file
//!   nodes — observed, not assumed),
//! - whether the recipe passes the rule that suggested it (linted against the same schema).

use super::exec::Conn;
use super::rows::{self, DataDifference};
use super::verdict::FixVerdict;
use super::{needs_autocommit, run_watched, short, snapshot};
use crate::catalog::diff::{diff, Difference};
use crate::config::Settings;
use crate::finding::{Applicability, Finding};
use crate::live::introspect::{read_schema, Scope};
use crate::rules::Recipe;
use crate::source::MigrationSet;
use crate::syntax::parse_sql;
use crate::syntax::LockMode;
use anyhow::Result;
use backend::Throwaway;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use super::backend;
use super::fix_history::History;

/// What one statement did to the tables that existed before it.
#[derive(Debug, Clone, Serialize)]
pub struct Observation {
    pub sql: String,
    /// The strongest lock on a pre-existing table, and the table.
    pub lock: Option<LockMode>,
    pub table: Option<String>,
    /// The lock on each pre-existing table.
    pub locks: BTreeMap<String, LockMode>,
    /// Rows read from pre-existing tables while the statement ran (None: it ran outside a
    /// transaction, where the per-transaction counters cannot be read).
    pub rows_read: Option<i64>,
    pub rewrote: bool,
    pub duration_ms: f64,
}

impl Observation {
    /// Whether the statement did work proportional to the table (read rows, or rewrote it), or
    /// may have (not measurable).
    fn heavy(&self) -> bool {
        self.rewrote || self.rows_read.is_none_or(|r| r > 0)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct FixProof {
    pub rule: String,
    pub file: PathBuf,
    pub line: usize,
    pub recipe: String,
    /// `proven`, `not equivalent`, `not safer`, `fix fails`, or `inconclusive`.
    pub verdict: FixVerdict,
    pub original: Option<Observation>,
    pub steps: Vec<Observation>,
    /// Schema differences between the original's result and the recipe's.
    pub differences: Vec<Difference>,
    /// Differences the recipe makes on purpose, with why (not counted against equivalence).
    pub intended: Vec<(Difference, String)>,
    /// The recipe passes the rule that suggested it.
    pub lints_clean: Option<bool>,
    /// Rows in the tables the original statement locked when the data was compared (0: the proof
    /// covers the schema only).
    pub data_rows: i64,
    /// Where the recipe leaves other data than the original (row counts, NULLs, values).
    pub data_differences: Vec<DataDifference>,
    /// Values that also differ between two runs of the original itself (a volatile expression):
    /// compared by row and NULL counts only.
    pub data_volatile: Vec<DataDifference>,
    pub note: Option<String>,
    /// Where the finding is in its file (a byte offset): two statements may share a line.
    #[serde(skip)]
    pub offset: usize,
    /// The proof (`file:line`) that stands for this one: the same shape, proven earlier in the
    /// run, so this one was not run again (its verdict is that proof's).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub same_as: Option<String>,
    /// The tables this proof's synthetic rows could not fill, with why (`table: why`): reported
    /// once per set ([`crate::prove::SetProof::fixes_left_empty`]), not under every proof.
    #[serde(skip)]
    pub left_empty: Vec<String>,
}

impl FixProof {
    /// A proof of `f`'s `recipe` not yet run: inconclusive.
    fn new(f: &Finding, recipe: &str) -> FixProof {
        FixProof {
            rule: f.rule.to_string(),
            file: f.file.clone(),
            line: f.start.line,
            offset: f.span.start,
            recipe: recipe.to_string(),
            verdict: FixVerdict::Inconclusive,
            original: None,
            steps: vec![],
            differences: vec![],
            intended: vec![],
            lints_clean: None,
            data_rows: 0,
            data_differences: vec![],
            data_volatile: vec![],
            note: None,
            same_as: None,
            left_empty: vec![],
        }
    }

    pub fn failed(&self) -> bool {
        matches!(
            self.verdict,
            FixVerdict::NotEquivalent | FixVerdict::NotSafer | FixVerdict::FixFails
        )
    }

    /// Proven, on the schema alone or on the data too.
    pub fn proven(&self) -> bool {
        matches!(
            self.verdict,
            FixVerdict::Proven | FixVerdict::ProvenSchemaOnly
        )
    }
}

/// At most this many fix proofs per migration set (each replays the history up to its statement).
pub const MAX_FIX_PROOFS: usize = 25;

/// What the fix proofs of one set found, besides each proof.
#[derive(Debug, Default)]
pub struct FixProofs {
    pub proofs: Vec<FixProof>,
    /// Why some recipes were not proved.
    pub note: Option<String>,
    /// The tables some proof's synthetic rows could not fill, each once (`table: why`, the
    /// first proof's reason).
    pub left_empty: Vec<String>,
}

/// Proves the recipes of `findings` that point into `set`'s up parts.
///
/// The history is replayed once, in one scratch database that moves forward from one flagged
/// statement to the next; each proof starts from a clone of it taken just before its statement.
/// A proof whose shape ([`super::shape`]) an earlier proof of this run has is not run again: it
/// takes that proof's verdict and says which proof stands for it. The proofs themselves run
/// [`PARALLEL_PROOFS`] at a time, each on its own clones, from the moment the walk has cloned
/// their starting point; their order and verdicts do not depend on which finishes first.
pub fn prove_fixes(
    server: &mut Throwaway,
    set: &MigrationSet,
    findings: &[Finding],
    rows: u64,
    settings: &Settings,
) -> Result<FixProofs> {
    let mut candidates = vec![];
    for f in findings {
        let Some(fix) = &f.fix else { continue };
        // Recipes that replace the statement with a lock-safe sequence ending in the same schema
        // (not those that bound the wait, add an index for a query or change the schema).
        let replaces = recipe_of(f).is_some_and(|r| r.replaces_statement());
        if fix.applicability == Applicability::DisplayOnly || !replaces {
            continue;
        }
        if let Some(place) = locate(set, f) {
            candidates.push((f, place));
        }
    }
    let note = (candidates.len() > MAX_FIX_PROOFS).then(|| {
        format!(
            "{} findings carry a fix recipe; the first {MAX_FIX_PROOFS} were proved",
            candidates.len()
        )
    });
    let mut out = FixProofs {
        note,
        ..FixProofs::default()
    };
    candidates.truncate(MAX_FIX_PROOFS);
    // The history moves forward only: proofs in the order of their statements.
    candidates.sort_by_key(|(_, place)| *place);
    if candidates.is_empty() {
        return Ok(out);
    }
    let mut progress = super::progress::Progress::from_env();
    let total = candidates.len();
    let admin = Conn::connect(&server.admin_url())?;
    let history = History::start(server, &admin, set)?;
    let admin_url = server.admin_url();
    let shared = Shared {
        server: std::sync::Mutex::new(server),
    };
    // The history is walked once, on this thread: each proof's starting point cloned from it (a
    // proof of a shape an earlier one has takes that one's verdict instead) and handed to the
    // workers, which run the proofs [`PARALLEL_PROOFS`] at a time, each on its own clones, while
    // the walk goes on. Which proofs run, and their order in the report, are decided by the walk
    // alone, whichever finishes first.
    let mut same: Vec<(usize, usize)> = vec![];
    let (send, receive) = std::sync::mpsc::channel::<Job>();
    let queue = std::sync::Mutex::new(receive);
    // Set when a proof fails to run: the walk and the other worker stop taking jobs.
    let stop = std::sync::atomic::AtomicBool::new(false);
    let stopped = || stop.load(std::sync::atomic::Ordering::Relaxed);
    let (walked, done) = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..PARALLEL_PROOFS)
            .map(|_| {
                scope.spawn(|| -> Result<Vec<(usize, FixProof)>> {
                    let admin = Conn::connect(&admin_url)?;
                    let mut proved = vec![];
                    // The queue's lock is held only to take the next job.
                    let next = || {
                        if stopped() {
                            return None;
                        }
                        queue.lock().map_or(None, |q| q.recv().ok())
                    };
                    while let Some(job) = next() {
                        let recipe = job
                            .f
                            .fix
                            .as_ref()
                            .map(|x| x.sql.clone())
                            .unwrap_or_default();
                        let mut proof = FixProof::new(job.f, &recipe);
                        let proved_one = prove_one(
                            &shared,
                            &admin,
                            (&job.start, &job.schema, &job.session),
                            job.f,
                            &job.original_sql,
                            &mut proof,
                            rows,
                            settings,
                        );
                        // On an error the rest of the queue is dropped below.
                        if proved_one.is_err() {
                            stop.store(true, std::sync::atomic::Ordering::Relaxed);
                        }
                        proved_one?;
                        proved.push((job.index, proof));
                    }
                    Ok(proved)
                })
            })
            .collect();
        let mut history = history;
        let mut first_of_shape: HashMap<String, usize> = HashMap::new();
        let walked = (|| -> Result<()> {
            for (i, (f, (m, k))) in candidates.into_iter().enumerate() {
                if stopped() {
                    break;
                }
                progress.step(&format!(
                    "fix proof {} of {total}: {} at {}:{} ({rows} synthetic rows per table)",
                    i + 1,
                    f.rule,
                    f.file.display(),
                    f.start.line
                ));
                let recipe = f.fix.as_ref().map(|x| x.sql.clone()).unwrap_or_default();
                out.proofs.push(FixProof::new(f, &recipe));
                let advanced = history.advance_to(&shared.url(&history.db), m, k)?;
                let original_sql = match advanced {
                    Ok(sql) => sql,
                    Err(note) => {
                        out.proofs[i].note = Some(note);
                        continue;
                    }
                };
                let schema = snapshot(&shared.url(&history.db))?;
                let shape = super::shape::of(
                    f.rule.as_str(),
                    &original_sql,
                    &recipe,
                    f.fix.as_ref().and_then(|x| x.backfill.as_deref()),
                    &schema,
                );
                if let Some(&first) = shape.as_ref().and_then(|s| first_of_shape.get(s)) {
                    same.push((i, first));
                    continue;
                }
                if let Some(shape) = shape {
                    first_of_shape.insert(shape, i);
                }
                history.pause();
                let start = format!("{}_{i}", history.db);
                shared.clone_database(&history.db, &start, &admin)?;
                let job = Job {
                    index: i,
                    f,
                    start,
                    schema,
                    original_sql,
                    session: history.session.clone(),
                };
                if let Err(unsent) = send.send(job) {
                    shared.drop_database(&unsent.0.start, &admin);
                }
            }
            Ok(())
        })();
        // No more jobs: the workers finish the queue and end (at once, when the walk failed).
        if walked.is_err() {
            stop.store(true, std::sync::atomic::Ordering::Relaxed);
        }
        drop(send);
        history.pause();
        shared.drop_database(&history.db, &admin);
        let done: Vec<Result<Vec<(usize, FixProof)>>> = workers
            .into_iter()
            .map(|w| {
                w.join()
                    .unwrap_or_else(|_| Err(anyhow::anyhow!("a fix proof panicked")))
            })
            .collect();
        (walked, done)
    });
    // The clones of the jobs no worker took (after an error).
    if let Ok(receive) = queue.into_inner() {
        for job in receive.try_iter() {
            shared.drop_database(&job.start, &admin);
        }
    }
    walked?;
    for proved in done {
        for (i, proof) in proved? {
            out.proofs[i] = proof;
        }
    }
    for (i, first) in same {
        let (file, line, verdict, why) = {
            let p = &out.proofs[first];
            (p.file.clone(), p.line, p.verdict, p.note.clone())
        };
        let proof = &mut out.proofs[i];
        proof.verdict = verdict;
        proof.same_as = Some(format!("{}:{line}", file.display()));
        let why = why.map(|n| format!(": {n}")).unwrap_or_default();
        proof.note = Some(format!(
            "not run again: the proof at {}:{line} has the same shape (the same recipe on tables and columns of the same shape), and its verdict stands for this one{why}",
            file.display()
        ));
    }
    let mut tables: std::collections::HashSet<String> = std::collections::HashSet::new();
    for proof in &out.proofs {
        for skipped in &proof.left_empty {
            let table = skipped.split(": ").next().unwrap_or(skipped);
            if tables.insert(table.to_string()) {
                out.left_empty.push(skipped.clone());
            }
        }
    }
    Ok(out)
}

/// Fix proofs run at once, each on its own clones (the server's work is mostly copying files
/// for `CREATE DATABASE`, and filling tables).
const PARALLEL_PROOFS: usize = 2;

/// A proof to run: its place among the proofs, its finding, and the clone of the history it
/// starts from (with the session settings made before it).
struct Job<'f> {
    index: usize,
    f: &'f Finding,
    start: String,
    /// The schema of `start` (read from the history just before it was cloned).
    schema: crate::catalog::Catalog,
    original_sql: String,
    session: Vec<String>,
}

/// The throwaway server, shared by the proofs running at once: creating and dropping databases
/// takes it for a moment.
pub(super) struct Shared<'s> {
    server: std::sync::Mutex<&'s mut Throwaway>,
}

impl<'s> Shared<'s> {
    fn lock(&self) -> std::sync::MutexGuard<'_, &'s mut Throwaway> {
        self.server.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn url(&self, db: &str) -> String {
        self.lock().url(db)
    }

    fn clone_database(&self, template: &str, name: &str, admin: &Conn) -> Result<()> {
        self.lock().clone_database(template, name, admin)
    }

    fn drop_database(&self, name: &str, admin: &Conn) {
        self.lock().drop_database(name, admin)
    }
}

/// The migration and statement index a finding points at.
fn locate(set: &MigrationSet, f: &Finding) -> Option<(usize, usize)> {
    for (m, migration) in set.migrations.iter().enumerate() {
        let Some(up) = &migration.up else { continue };
        if set.files.get(up.file).map(|file| &file.path) != Some(&f.file) {
            continue;
        }
        let parsed = parse_sql(&up.text);
        let k = parsed.statements.iter().position(|s| {
            s.span.start <= f.span.start && f.span.start < s.span.end.max(s.span.start + 1)
        })?;
        return Some((m, k));
    }
    None
}

pub(super) fn message(e: &tokio_postgres::Error) -> String {
    e.as_db_error()
        .map_or_else(|| e.to_string(), |d| d.message().to_string())
}

/// Proves `f`'s recipe from `start`, a clone of the history just before `original_sql` (dropped
/// at the end, with every clone made of it).
#[allow(clippy::too_many_arguments)]
fn prove_one(
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
    let mut created = vec![prefix.clone()];
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
        let sequences = if in_place {
            super::reversibility::sequence_values(&original_conn)?
        } else {
            Default::default()
        };
        // Rolls back what a run left open, and sets back the sequences it moved.
        let undo = |conn: &Conn| -> Result<()> {
            conn.execute_batch("ROLLBACK")?;
            super::reversibility::restore_sequences(conn, &sequences)
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
        // What the original left, read before the rollback: every table's rows (the ones the
        // recipe will lock are not known yet) and the schema as a new session sees it.
        let rolled_back = if in_place {
            let read = (|| -> Result<_> {
                let rows = rows::fingerprints(&original_conn, None)?;
                let schema = schema_of(&original_conn, true)?;
                Ok((rows, schema))
            })();
            undo(&original_conn)?;
            let (rows, schema) = read?;
            // The second run, when the original writes values: on the same state, rolled back.
            let again = if writes_values(original_sql, f) {
                let locked = original.locks.keys().map(String::as_str).collect();
                let run = observe(&original_conn, &observer, &blocker, original_sql, then)
                    .ok()
                    .map(|_| rows::fingerprints(&original_conn, Some(&locked)));
                undo(&original_conn)?;
                run.transpose()?
            } else {
                None
            };
            Some((rows, schema, again))
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
            Some((mut rows, schema, again)) => {
                rows.retain(|t, _| locked.contains(t.as_str()));
                (rows, Some(schema), again.map(Ok))
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

/// The kind of recipe the rule behind `f` offers, if its fix is one.
fn recipe_of(f: &Finding) -> Option<Recipe> {
    crate::rules::find(&f.rule).and_then(|r| r.meta().fix.recipe())
}

/// A difference a rule's recipe makes by design.
fn intended(recipe: Option<Recipe>, d: &Difference) -> Option<&'static str> {
    match recipe {
        // PostgreSQL keeps the partition bound as a CHECK constraint on a partition detached
        // concurrently (so that re-attaching it needs no scan).
        Some(Recipe::SameSchemaKeepingPartitionBound)
            if d.path.contains("/ constraints /")
                && d.before.is_none()
                && d.path.ends_with("_check") =>
        {
            Some(
                "DETACH PARTITION ... CONCURRENTLY keeps the partition bound as a CHECK constraint",
            )
        }
        _ => None,
    }
}

/// proven / not equivalent / not safer, from what was observed.
fn verdict(proof: &FixProof) -> FixVerdict {
    if !proof.differences.is_empty() || !proof.data_differences.is_empty() {
        return FixVerdict::NotEquivalent;
    }
    let Some(original) = &proof.original else {
        return FixVerdict::Inconclusive;
    };
    let Some(strong) = original.lock else {
        // The original took no lock on an existing table: nothing to make safer.
        return FixVerdict::Inconclusive;
    };
    // No table is locked harder than the original locked it (or, for a table the original did
    // not lock, harder than the original's strongest).
    let never_stronger = proof.steps.iter().all(|s| {
        s.locks
            .iter()
            .all(|(t, m)| *m <= original.locks.get(t).copied().unwrap_or(strong))
    });
    let heavy_under_weaker = proof.steps.iter().filter(|s| s.heavy()).all(|s| {
        if s.rows_read.is_none() && !s.rewrote {
            // Run outside a transaction, so the rows it read are unknown: it must at least leave
            // one of the tables the original held at its strongest under a weaker lock (DETACH
            // ... CONCURRENTLY still locks the partition, but no longer the parent).
            original
                .locks
                .iter()
                .filter(|(_, m)| **m == strong)
                .any(|(t, _)| s.locks.get(t).is_none_or(|m| *m < strong))
        } else {
            s.lock.is_none_or(|l| l < strong)
        }
    });
    if never_stronger && heavy_under_weaker && proof.lints_clean != Some(false) {
        if proof.data_rows > 0 {
            FixVerdict::Proven
        } else {
            FixVerdict::ProvenSchemaOnly
        }
    } else {
        FixVerdict::NotSafer
    }
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
/// otherwise watched from a second connection (and committed whatever `then` says: only a
/// statement for which [`rolls_back`] holds is left open).
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

#[cfg(test)]
mod tests;
