//! Fix proofs: for each finding whose fix is a recipe, the database as it was just before the
//! statement is cloned (`CREATE DATABASE ... TEMPLATE`) and filled with synthetic rows; the
//! original statement runs there in a transaction that is rolled back once what it did is read,
//! then the recipe (or each in a clone of its own: [`super::fix_proof`]), and the server shows
//!
//! - whether both leave the same schema (the catalogs are read back and compared),
//! - whether the recipe is safer: every statement of it that reads or rewrites a pre-existing
//!   table does so under a weaker lock than the original's strongest, and none takes a stronger
//!   one (locks from `pg_locks`, rows read from `pg_stat_xact_user_tables`, rewrites from file
//!   nodes — observed, not assumed),
//! - whether the recipe passes the rule that suggested it (linted against the same schema).

use super::exec::Conn;
use super::rows::DataDifference;
use super::snapshot;
use super::verdict::FixVerdict;
use crate::catalog::diff::Difference;
use crate::config::Settings;
use crate::finding::{Applicability, Finding};
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
    // The starting points of the proofs done while the walk goes on: kept until it ends, so that
    // what the history does to the whole server (`DROP ROLE`, `DROP TABLESPACE`, which fail while
    // a database holds what they name) meets the same databases whatever the timing. (A setting
    // made with `ALTER ROLE ... SET` reaches only the proofs that connect after it.)
    let kept: std::sync::Mutex<Option<Vec<String>>> = std::sync::Mutex::new(Some(vec![]));
    let done_with = |start: &str, admin: &Conn| {
        let mut kept = kept.lock().unwrap_or_else(|e| e.into_inner());
        match kept.as_mut() {
            Some(list) => list.push(start.to_string()),
            None => shared.drop_database(start, admin),
        }
    };
    let (walked, done) = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..PARALLEL_PROOFS)
            .map(|_| {
                scope.spawn(|| -> Result<Vec<(usize, FixProof)>> {
                    let worked = (|| -> Result<Vec<(usize, FixProof)>> {
                        let admin = Conn::connect(&admin_url)?;
                        let mut proved = vec![];
                        // The queue's lock is held only to take the next job.
                        let next = || {
                            if stopped() {
                                return None;
                            }
                            queue.lock().unwrap_or_else(|e| e.into_inner()).recv().ok()
                        };
                        while let Some(job) = next() {
                            if stopped() {
                                done_with(&job.start, &admin);
                                break;
                            }
                            let recipe = job
                                .f
                                .fix
                                .as_ref()
                                .map(|x| x.sql.clone())
                                .unwrap_or_default();
                            let mut proof = FixProof::new(job.f, &recipe);
                            let proved_one = super::fix_proof::prove_one(
                                &shared,
                                &admin,
                                (&job.start, &job.schema, &job.session),
                                job.f,
                                &job.original_sql,
                                &mut proof,
                                rows,
                                settings,
                            );
                            done_with(&job.start, &admin);
                            proved_one?;
                            proved.push((job.index, proof));
                        }
                        Ok(proved)
                    })();
                    // On an error the rest of the queue is dropped below.
                    if worked.is_err() {
                        stop.store(true, std::sync::atomic::Ordering::Relaxed);
                    }
                    worked
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
        let finished = kept.lock().unwrap_or_else(|e| e.into_inner()).take();
        for start in finished.unwrap_or_default() {
            shared.drop_database(&start, &admin);
        }
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
    {
        let receive = queue.into_inner().unwrap_or_else(|e| e.into_inner());
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

    pub(super) fn url(&self, db: &str) -> String {
        self.lock().url(db)
    }

    pub(super) fn clone_database(&self, template: &str, name: &str, admin: &Conn) -> Result<()> {
        self.lock().clone_database(template, name, admin)
    }

    pub(super) fn drop_database(&self, name: &str, admin: &Conn) {
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

/// The kind of recipe the rule behind `f` offers, if its fix is one.
pub(super) fn recipe_of(f: &Finding) -> Option<Recipe> {
    crate::rules::find(&f.rule).and_then(|r| r.meta().fix.recipe())
}

/// A difference a rule's recipe makes by design.
pub(super) fn intended(recipe: Option<Recipe>, d: &Difference) -> Option<&'static str> {
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
pub(super) fn verdict(proof: &FixProof) -> FixVerdict {
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

#[cfg(test)]
mod tests;
