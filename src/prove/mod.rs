//! `pgproof prove`: replay migrations on a throwaway PostgreSQL and check, on the server itself,
//! what the static rules claim: the locks each statement takes (and on which relations), whether
//! it rewrote a table or index, how long it took, and whether each down part really reverses its
//! up part.
//!
//! Each migration set gets its own scratch database. Statements run one at a time with the
//! runner's transaction semantics. Inside a transaction, the locks a statement took are read from
//! `pg_locks` on the same connection right after it (a transaction keeps its locks until it
//! ends); a statement in autocommit (`CREATE INDEX CONCURRENTLY`, or a runner without
//! transactions) is watched from a second connection while it runs.

pub mod backend;
pub mod base;
pub mod data;
pub mod exec;
mod fix_history;
mod fix_proof;
pub mod fixes;
pub mod index_trials;
mod progress;
mod replay;
mod reversibility;
mod roles;
pub mod rows;
mod shape;
pub mod traffic;
pub mod verdict;

use crate::catalog::diff::Difference;
use crate::finding::{Finding, RuleId, Severity};
use crate::live::introspect::{read_schema, Scope};
use crate::source::MigrationSet;
use crate::span::LineIndex;
use crate::syntax::parse_sql;
use crate::syntax::{LockMode, Statement, TxKind};
use anyhow::{Context, Result};
use backend::Throwaway;
use exec::Conn;
pub(crate) use replay::{needs_autocommit, run_watched, short};
use replay::{run_part, Conns};
use serde::Serialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use verdict::LockVerdict;

/// A lock the server granted to the migration on a relation.
#[derive(Debug, Clone, Serialize)]
pub struct ObservedLock {
    pub relation: String,
    pub mode: LockMode,
    /// The relation existed before this migration began (a lock on it blocks live traffic).
    pub pre_existing: bool,
    /// The lock pgproof's static lock model gives this statement on the relation, if any.
    pub predicted: Option<LockMode>,
}

/// What a static finding claimed about a statement, and what the server showed.
#[derive(Debug, Clone, Serialize)]
pub struct Verdict {
    pub rule: RuleId,
    pub severity: Severity,
    pub claimed_lock: LockMode,
    pub verdict: LockVerdict,
}

#[derive(Debug, Clone, Serialize)]
pub struct StatementProof {
    pub file: PathBuf,
    pub line: usize,
    /// The statement's first line, shortened.
    pub sql: String,
    pub duration_ms: f64,
    /// The strongest lock per relation that this statement added (earlier statements' locks in
    /// the same transaction are not repeated).
    pub locks: Vec<ObservedLock>,
    /// Pre-existing tables, indexes and materialized views whose data files were replaced.
    pub rewritten: Vec<String>,
    pub verdicts: Vec<Verdict>,
    /// A hazard the server showed that no static finding on this statement claimed.
    pub unpredicted: Option<String>,
    pub error: Option<String>,
    /// `--traffic`: how long a concurrent workload on the locked tables waited.
    pub traffic: Option<traffic::Traffic>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Reversibility {
    /// Differences between the schema before up and after up + down (empty: down reverses up).
    pub down_differences: Vec<Difference>,
    /// With data in the replay: tables whose rows the round trip lost or changed.
    pub data_differences: Vec<DataDifference>,
    /// Differences between the schema after up and after up + down + up (empty: up can be
    /// applied again after down).
    pub redo_differences: Vec<Difference>,
    pub error: Option<String>,
    /// Where the round trip ran.
    pub checked_on: CheckedOn,
}

/// Where a down part was proven (see [`reversibility`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckedOn {
    /// Inside a transaction on the replay's database, rolled back after.
    Transaction,
    /// On a copy of the database (`CREATE DATABASE ... TEMPLATE`), with the runner's transaction
    /// semantics: a part that cannot run in a transaction block, or one that failed in one.
    Clone,
}

#[derive(Debug, Clone, Serialize)]
pub struct MigrationProof {
    pub id: String,
    pub file: Option<PathBuf>,
    pub in_transaction: bool,
    pub statements: Vec<StatementProof>,
    pub reversibility: Option<Reversibility>,
    /// The migration failed to apply; later migrations of its set were not run.
    pub error: Option<String>,
    /// Why the migration was not run (an earlier one failed to apply); nothing was observed.
    pub not_run: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SetProof {
    pub root: PathBuf,
    pub migrations: Vec<MigrationProof>,
    /// Data in the replay (`--rows`, `--seed`).
    pub data: Option<ReplayData>,
    /// Each lock-safe recipe a finding offered, run instead of its statement on a copy of the
    /// database as it was just before it.
    pub fixes: Vec<fixes::FixProof>,
    /// Why some recipes were not proved.
    pub fixes_note: Option<String>,
    /// The tables the fix proofs' synthetic rows could not fill, with why: said once for the
    /// set, not under each proof.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fixes_left_empty: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Proof {
    pub backend: String,
    pub server_version: String,
    /// `--schema-from`: the schema every scratch database started from (None: an empty database).
    pub base_schema: Option<String>,
    pub sets: Vec<SetProof>,
    /// `--queries`: each query prepared on the migrated schema, suggested indexes tried.
    pub queries: Vec<index_trials::QueryProof>,
    /// The synthetic rows the query proof ran on.
    pub data: Option<data::Filled>,
}

impl Proof {
    /// Whether a proof failed: a migration that does not apply (and those it kept from running),
    /// a down part that does not reverse its up part, or an error-level hazard the server
    /// confirmed.
    pub fn failed(&self) -> bool {
        self.queries.iter().any(index_trials::QueryProof::failed)
            || self
                .sets
                .iter()
                .flat_map(|s| &s.fixes)
                .any(fixes::FixProof::failed)
            || self.sets.iter().flat_map(|s| &s.migrations).any(|m| {
                m.error.is_some()
                    || m.not_run.is_some()
                    || m.reversibility.as_ref().is_some_and(|r| {
                        r.error.is_some()
                            || !r.down_differences.is_empty()
                            || !r.data_differences.is_empty()
                            || !r.redo_differences.is_empty()
                    })
                    || m.statements.iter().any(|s| {
                        s.verdicts.iter().any(|v| {
                            v.verdict == LockVerdict::Confirmed && v.severity == Severity::Error
                        })
                    })
            })
    }
}

/// How much to prove beyond the replay.
#[derive(Debug, Clone)]
pub struct Options {
    /// Prove fix recipes (each replays the history up to its statement on a copy).
    pub fixes: bool,
    /// Synthetic rows per table for fix proofs and query proofs.
    pub rows: u64,
    /// Synthetic rows per table in the replay itself (0: schema only).
    pub replay_rows: u64,
    /// SQL of the user's own data, run in the replay as soon as it applies.
    pub seed: Option<String>,
    /// Run a concurrent workload on the tables each statement locks (`--traffic`).
    pub traffic: bool,
    pub settings: crate::config::Settings,
}

/// Synthetic rows per table in fix and query proofs when `--rows` is not given.
pub const PROOF_ROWS: u64 = 10_000;

/// What the replay's data looked like.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ReplayData {
    /// Tables filled with synthetic rows, and before which migration.
    pub filled: Vec<(String, String)>,
    pub skipped: Vec<String>,
    /// The migration before which the seed SQL ran, or why it never did.
    pub seed: Option<String>,
}

/// Rows and a checksum of a table's contents.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TableData {
    pub table: String,
    pub rows: i64,
    pub checksum: String,
}

/// A table whose data a down migration did not give back.
#[derive(Debug, Clone, Serialize)]
pub struct DataDifference {
    pub table: String,
    pub rows_before: i64,
    /// None when the table is gone.
    pub rows_after: Option<i64>,
    pub checksum_changed: bool,
}

/// Replays every set on `server`, comparing with `findings` (the static lint of the same sets).
pub fn prove(
    server: &mut Throwaway,
    sets: &[MigrationSet],
    findings: &[Finding],
    options: &Options,
) -> Result<Proof> {
    let admin =
        Conn::connect(&server.admin_url()).context("cannot connect to the throwaway server")?;
    let version: String = admin
        .query("SHOW server_version", &[])?
        .first()
        .map(|r| r.get(0))
        .unwrap_or_default();
    let mut by_place: HashMap<(&Path, usize), Vec<&Finding>> = HashMap::new();
    for f in findings {
        by_place
            .entry((f.file.as_path(), f.start.line))
            .or_default()
            .push(f);
    }
    let mut out = vec![];
    for (i, set) in sets.iter().enumerate() {
        let name = server.create_database(&format!("set{i}"), &admin)?;
        if let Some(init) = &server.init_sql {
            let db = Conn::connect(&server.url(&name))?;
            if let Err(e) = db.execute_batch(init) {
                server.drop_database(&name, &admin);
                let message = e
                    .as_db_error()
                    .map_or_else(|| e.to_string(), |d| d.message().to_string());
                anyhow::bail!("--init-sql failed: {message}");
            }
        }
        let result = prove_set(server, &admin, &name, set, &by_place, options);
        server.drop_database(&name, &admin);
        let mut proof = result?;
        if options.fixes {
            let fixes = fixes::prove_fixes(server, set, findings, options.rows, &options.settings)?;
            proof.fixes = fixes.proofs;
            proof.fixes_note = fixes.note;
            proof.fixes_left_empty = fixes.left_empty;
        }
        out.push(proof);
    }
    Ok(Proof {
        backend: server.description.clone(),
        server_version: version,
        base_schema: None,
        sets: out,
        queries: vec![],
        data: None,
    })
}

/// The inputs of a query proof.
pub struct QueryInput<'a> {
    pub files: &'a [crate::source::SourceFile],
    /// Each query, and whether it is the running release's (`--since`).
    pub queries: &'a [(crate::queries::Query, bool)],
    /// SQL run after the migrations (`--seed`).
    pub seed: Option<&'a str>,
    /// Synthetic rows per table.
    pub rows: u64,
}

/// Applies `set`'s migrations to a fresh scratch database, adds seed SQL and synthetic rows, and
/// proves the queries there.
pub fn prove_queries(
    server: &mut Throwaway,
    set: &MigrationSet,
    input: &QueryInput<'_>,
    findings: &[Finding],
) -> Result<(Vec<index_trials::QueryProof>, data::Filled)> {
    let admin =
        Conn::connect(&server.admin_url()).context("cannot connect to the throwaway server")?;
    let name = server.create_database("queries", &admin)?;
    let result = (|| -> Result<_> {
        let url = server.url(&name);
        let conn = Conn::connect(&url)?;
        let fail = |what: &str, e: tokio_postgres::Error| {
            let message = e
                .as_db_error()
                .map_or_else(|| e.to_string(), |d| d.message().to_string());
            anyhow::anyhow!("{what} failed on the throwaway database: {message}")
        };
        if let Some(init) = &server.init_sql {
            conn.execute_batch(init)
                .map_err(|e| fail("--init-sql", e))?;
        }
        apply_migrations(&conn, &Conn::connect(&url)?, set).map_err(|e| {
            anyhow::anyhow!("{e} (applying the migrations on the throwaway database)")
        })?;
        if let Some(seed) = input.seed {
            conn.execute_batch(seed).map_err(|e| fail("--seed", e))?;
        }
        let catalog = snapshot(&url)?;
        let mut progress = progress::Progress::from_env();
        progress.step(&format!(
            "queries: loading {} synthetic rows per table",
            input.rows
        ));
        let filled = data::fill(&conn, &catalog, input.rows, &mut Default::default());
        progress.step(&format!(
            "queries: preparing {} and trying the indexes suggested",
            input.queries.len()
        ));
        let proofs = index_trials::prove_queries(&conn, input.files, input.queries, findings);
        progress.done();
        Ok((proofs, filled))
    })();
    server.drop_database(&name, &admin);
    result
}

/// Applies the up part of every migration of `set` on `conn` with the runner's transaction
/// semantics, as `prove` replays them: inside the runner's transaction when it wraps the part
/// (`RunnerTransaction::wraps`), else statement by statement in autocommit, following the part's
/// own `BEGIN`/`COMMIT`. So `LOCK TABLE` in a goose migration runs in its transaction, and
/// `CREATE INDEX CONCURRENTLY` in a part the runner does not wrap runs outside one. `idle` is a
/// second connection to the same database, outside any transaction (see [`ImplicitBlock`]).
pub fn apply_migrations(
    conn: &Conn,
    idle: &Conn,
    set: &MigrationSet,
) -> std::result::Result<(), String> {
    for migration in &set.migrations {
        let Some(up) = &migration.up else { continue };
        let file = set
            .files
            .get(up.file)
            .map_or_else(PathBuf::new, |f| f.path.clone());
        let parsed = parse_sql(&up.text);
        if let Some(error) = parsed.errors.first() {
            return Err(format!(
                "migration `{}`: syntax error in {}: {}",
                migration.id,
                file.display(),
                error.message
            ));
        }
        let lines = LineIndex::new(&up.text);
        let wrapped = migration.transaction.wraps(parsed.statements.len());
        let mut in_tx = false;
        if wrapped {
            conn.execute_batch("BEGIN").map_err(|e| e.to_string())?;
            in_tx = true;
        }
        let implicit = migration.transaction.implicit(parsed.statements.len());
        let mut block = ImplicitBlock::default();
        for (k, statement) in parsed.statements.iter().enumerate() {
            let sql = &up.text[statement.span.start..statement.span.end];
            let refused = implicit
                .then(|| block.refused(idle, &statement.kind, sql))
                .flatten();
            if let Err(e) = refused.map_or_else(|| conn.execute_batch(sql), Err) {
                let _ = conn.execute_batch("ROLLBACK");
                let line = lines.position(&up.text, statement.span.start).line;
                let message = e
                    .as_db_error()
                    .map_or_else(|| e.to_string(), |d| d.message().to_string());
                return Err(format!(
                    "migration `{}` failed at {}:{line}: {message}",
                    migration.id,
                    file.display()
                ));
            }
            let more = k + 1 < parsed.statements.len();
            in_tx = transaction_after(conn, &statement.kind, in_tx, implicit && more)?;
            block.after(&statement.kind);
        }
        if wrapped && in_tx {
            conn.execute_batch("COMMIT").map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}

/// Whether a file sent as one message has opened its own transaction block (`BEGIN`) inside the
/// message's implicit transaction. prove emulates the implicit transaction with an explicit
/// block, where savepoints and `... AND CHAIN` would pass; PostgreSQL refuses them in the
/// implicit one as outside any block, unless the file's own `BEGIN` made it an ordinary block.
#[derive(Default)]
pub(super) struct ImplicitBlock {
    explicit: bool,
}

impl ImplicitBlock {
    /// The server's own refusal of `sql` when the implicit transaction would refuse it: asked on
    /// `idle`, a connection outside any transaction, where the server refuses it alike and it
    /// changes nothing.
    pub(super) fn refused(
        &self,
        idle: &Conn,
        kind: &Statement,
        sql: &str,
    ) -> Option<tokio_postgres::Error> {
        let refusable = matches!(
            kind,
            Statement::Transaction {
                tx: TxKind::Savepoint | TxKind::Release | TxKind::RollbackTo | TxKind::Chain
            }
        );
        if self.explicit || !refusable {
            return None;
        }
        idle.execute_batch(sql).err()
    }

    /// Follows the file's own `BEGIN`, `COMMIT` and `ROLLBACK`.
    pub(super) fn after(&mut self, kind: &Statement) {
        self.explicit = in_transaction_after(kind, self.explicit);
    }
}

/// [`in_transaction_after`], when the part runs in a message's implicit transaction and more of
/// the message follows (`implicit_goes_on`): a transaction the statement ended is followed by
/// the message's next implicit one, begun here as the server would.
pub(super) fn transaction_after(
    conn: &Conn,
    kind: &Statement,
    in_tx: bool,
    implicit_goes_on: bool,
) -> std::result::Result<bool, String> {
    let open = in_transaction_after(kind, in_tx);
    if !open && implicit_goes_on {
        conn.execute_batch("BEGIN").map_err(|e| e.to_string())?;
        return Ok(true);
    }
    Ok(open)
}

/// Whether a transaction is open after `kind` ran, given whether one was before.
fn in_transaction_after(kind: &Statement, in_tx: bool) -> bool {
    match kind {
        Statement::Transaction { tx: TxKind::Begin } => true,
        Statement::Transaction {
            tx: TxKind::Commit | TxKind::Rollback | TxKind::Prepare,
        } => false,
        _ => in_tx,
    }
}

/// Replays `set` on `database`: each migration's up part statement by statement, observed; each
/// down part on a clone (see [`reversibility`]). An up part that fails ends the chain: the
/// migrations after it are recorded as not run, with the reason.
fn prove_set(
    server: &mut Throwaway,
    admin: &Conn,
    database: &str,
    set: &MigrationSet,
    findings: &HashMap<(&Path, usize), Vec<&Finding>>,
    options: &Options,
) -> Result<SetProof> {
    let url = server.url(database);
    let mut conns = Conns::connect(&url, options.traffic)?;
    let mut known = conns.conn.relations()?;
    let mut migrations = vec![];
    let with_data = options.replay_rows > 0 || options.seed.is_some();
    let mut data = with_data.then(ReplayData::default);
    let mut filled: std::collections::BTreeSet<crate::syntax::QualName> = Default::default();
    let mut seeded = options.seed.is_none();
    // The migration whose up part failed: nothing after it can run on this chain.
    let mut failed: Option<String> = None;
    let mut progress = progress::Progress::from_env();
    let total = set.migrations.len();
    // The schema after the previous migration, when a reversibility check read it there: it is
    // the schema before this one (reading it again costs a catalog read per migration).
    let mut after_previous: Option<crate::catalog::Catalog> = None;
    for (n, migration) in set.migrations.iter().enumerate() {
        let mut schema_now = after_previous.take();
        let Some(up) = &migration.up else { continue };
        progress.step(&format!(
            "migration {} of {total}: `{}`",
            n + 1,
            migration.id
        ));
        let mut proof = MigrationProof {
            id: migration.id.clone(),
            file: set.files.get(up.file).map(|f| f.path.clone()),
            in_transaction: migration.transaction.wrapped
                || (migration.transaction.one_message
                    && migration
                        .transaction
                        .wraps(parse_sql(&up.text).statements.len())),
            statements: vec![],
            reversibility: None,
            error: None,
            not_run: None,
        };
        if let Some(id) = &failed {
            proof.not_run = Some(format!("migration `{id}` failed"));
            migrations.push(proof);
            continue;
        }
        if let Some(data) = data.as_mut() {
            // Taken: a seed is any SQL, and the rows filled may fire triggers that change the
            // schema, so it is read again after them when needed.
            let catalog = match schema_now.take() {
                Some(catalog) => catalog,
                None => snapshot(&url)?,
            };
            if !seeded {
                // The seed runs at the first point where it applies: all its tables exist.
                let seed = options.seed.as_deref().unwrap_or_default();
                match conns
                    .conn
                    .execute_batch(&format!("BEGIN;\n{seed}\n;COMMIT;"))
                {
                    Ok(()) => {
                        seeded = true;
                        data.seed = Some(format!("ran before migration `{}`", migration.id));
                    }
                    Err(e) => {
                        let _ = conns.conn.execute_batch("ROLLBACK");
                        let message = e
                            .as_db_error()
                            .map_or_else(|| e.to_string(), |d| d.message().to_string());
                        data.seed = Some(format!(
                            "did not apply before any migration (last error: {message})"
                        ));
                    }
                }
            }
            if options.replay_rows > 0 {
                progress.step(&format!(
                    "migration {} of {total}: `{}`: loading {} synthetic rows per new table",
                    n + 1,
                    migration.id,
                    options.replay_rows
                ));
                let before: std::collections::BTreeSet<_> = filled.clone();
                let result = data::fill(&conns.conn, &catalog, options.replay_rows, &mut filled);
                for table in filled.difference(&before) {
                    if result.rows.contains_key(&table.to_string()) {
                        data.filled.push((table.to_string(), migration.id.clone()));
                    }
                }
                data.skipped.extend(result.skipped);
            }
            known = conns.conn.relations()?;
        }
        let down = reversibility::down_part(migration);
        let before = match down {
            Some(_) => Some(reversibility::Before {
                schema: match schema_now.take() {
                    Some(schema) => schema,
                    None => snapshot(&url)?,
                },
                data: if with_data {
                    Some(reversibility::table_data_as_new_session(&conns.conn)?)
                } else {
                    None
                },
            }),
            None => None,
        };
        let applied = run_part(
            &conns,
            &mut known,
            set,
            &migration.transaction,
            up,
            findings,
            &mut proof.statements,
        );
        if let Err(e) = applied {
            proof.error = Some(e);
            failed = Some(migration.id.clone());
            migrations.push(proof);
            continue;
        }
        let quick = match (&before, down) {
            (Some(before), Some(down)) => {
                reversibility::check_in_transaction(&conns.conn, migration, (up, down), before)?
            }
            _ => None,
        };
        if let Some(quick) = quick {
            proof.reversibility = Some(quick.reversibility);
            after_previous = Some(quick.after_up);
        } else if let (Some(before), Some(down)) = (before, down) {
            // A template must have no connection open: the replay's are closed while the
            // database is cloned, and opened again after, with the session settings the
            // migrations made (`SET lock_timeout`, `search_path`), as one runner session would.
            let settings = conns.conn.query_text(
                "SELECT format('SELECT set_config(%L, %L, false)', name, current_setting(name)) FROM pg_settings WHERE source = 'session'",
            )?;
            drop(conns);
            let source = reversibility::Source {
                database,
                known: &known,
            };
            proof.reversibility = Some(reversibility::check(
                server,
                admin,
                &source,
                (set, migration),
                (up, down),
                &before,
            )?);
            conns = Conns::connect(&url, options.traffic)?;
            for set in &settings {
                // A setting that cannot be set again this way (none is expected) stays as is.
                let _ = conns.conn.execute_batch(set);
            }
        }
        migrations.push(proof);
    }
    Ok(SetProof {
        root: set.root.clone(),
        migrations,
        data,
        fixes: vec![],
        fixes_note: None,
        fixes_left_empty: vec![],
    })
}

/// The schema as the server sees it (read-only introspection, the audit's code path).
pub fn snapshot(url: &str) -> Result<crate::catalog::Catalog> {
    let session = crate::live::Session::open(&crate::live::config(Some(url))?)?;
    read_schema(&session, &Scope { schemas: vec![] })
}
