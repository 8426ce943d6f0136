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
pub mod data;
pub mod exec;
pub mod fixes;
pub mod index_trials;
pub mod rows;
pub mod traffic;
pub mod verdict;

use crate::catalog::diff::{diff, Difference};
use crate::finding::{Finding, Severity};
use crate::live::introspect::{read_catalog, Scope};
use crate::source::{Migration, MigrationSet, SqlPart};
use crate::span::LineIndex;
use crate::syntax::parse_sql;
use crate::syntax::{LockMode, Statement, TxKind};
use anyhow::{Context, Result};
use backend::Throwaway;
use exec::{Conn, Relation};
use serde::Serialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

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
    pub rule: String,
    pub severity: Severity,
    pub claimed_lock: LockMode,
    /// `confirmed` when the statement ran holding at least the claimed lock on a pre-existing
    /// relation; `not observed` when it did not; `inconclusive` when it ran outside a transaction
    /// (`CONCURRENTLY`, `VACUUM`) and finished before the watching connection saw any lock.
    pub verdict: &'static str,
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
}

#[derive(Debug, Clone, Serialize)]
pub struct Proof {
    pub backend: String,
    pub server_version: String,
    pub sets: Vec<SetProof>,
    /// `--queries`: each query prepared on the migrated schema, suggested indexes tried.
    pub queries: Vec<index_trials::QueryProof>,
    /// The synthetic rows the query proof ran on.
    pub data: Option<data::Filled>,
}

impl Proof {
    /// Whether a proof failed: a migration that does not apply, a down part that does not
    /// reverse its up part, or an error-level hazard the server confirmed.
    pub fn failed(&self) -> bool {
        self.queries.iter().any(index_trials::QueryProof::failed)
            || self
                .sets
                .iter()
                .flat_map(|s| &s.fixes)
                .any(fixes::FixProof::failed)
            || self.sets.iter().flat_map(|s| &s.migrations).any(|m| {
                m.error.is_some()
                    || m.reversibility.as_ref().is_some_and(|r| {
                        r.error.is_some()
                            || !r.down_differences.is_empty()
                            || !r.data_differences.is_empty()
                            || !r.redo_differences.is_empty()
                    })
                    || m.statements.iter().any(|s| {
                        s.verdicts
                            .iter()
                            .any(|v| v.verdict == "confirmed" && v.severity == Severity::Error)
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
        let result = prove_set(server, &name, set, &by_place, options);
        server.drop_database(&name, &admin);
        let mut proof = result?;
        if options.fixes {
            let (fixes, note) =
                fixes::prove_fixes(server, set, findings, options.rows, &options.settings)?;
            proof.fixes = fixes;
            proof.fixes_note = note;
        }
        out.push(proof);
    }
    Ok(Proof {
        backend: server.description.clone(),
        server_version: version,
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
        apply_migrations(&conn, set).map_err(|e| {
            anyhow::anyhow!("{e} (applying the migrations on the throwaway database)")
        })?;
        if let Some(seed) = input.seed {
            conn.execute_batch(seed).map_err(|e| fail("--seed", e))?;
        }
        let catalog = snapshot(&url)?;
        let filled = data::fill(&conn, &catalog, input.rows, &mut Default::default());
        let proofs = index_trials::prove_queries(&conn, input.files, input.queries, findings);
        Ok((proofs, filled))
    })();
    server.drop_database(&name, &admin);
    result
}

/// Applies the up part of every migration of `set` on `conn` with the runner's transaction
/// semantics, as `prove` replays them: inside the runner's transaction when it wraps the part
/// (`RunnerTransaction::wraps`), else statement by statement in autocommit, following the part's
/// own `BEGIN`/`COMMIT`. So `LOCK TABLE` in a goose migration runs in its transaction, and
/// `CREATE INDEX CONCURRENTLY` in a part the runner does not wrap runs outside one.
pub fn apply_migrations(conn: &Conn, set: &MigrationSet) -> std::result::Result<(), String> {
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
        for statement in &parsed.statements {
            let sql = &up.text[statement.span.start..statement.span.end];
            if let Err(e) = conn.execute_batch(sql) {
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
            in_tx = in_transaction_after(&statement.kind, in_tx);
        }
        if wrapped && in_tx {
            conn.execute_batch("COMMIT").map_err(|e| e.to_string())?;
        }
    }
    Ok(())
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

fn prove_set(
    server: &Throwaway,
    database: &str,
    set: &MigrationSet,
    findings: &HashMap<(&Path, usize), Vec<&Finding>>,
    options: &Options,
) -> Result<SetProof> {
    let url = server.url(database);
    let conns = Conns::connect(&url, options.traffic)?;
    let mut known = conns.conn.relations()?;
    let mut migrations = vec![];
    let with_data = options.replay_rows > 0 || options.seed.is_some();
    let mut data = with_data.then(ReplayData::default);
    let mut filled: std::collections::BTreeSet<crate::syntax::QualName> = Default::default();
    let mut seeded = options.seed.is_none();
    for migration in &set.migrations {
        let Some(up) = &migration.up else { continue };
        if let Some(data) = data.as_mut() {
            let catalog = snapshot(&url)?;
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
        let before = if has_down(migration) {
            Some(snapshot(&url)?)
        } else {
            None
        };
        let data_before = match (&before, with_data) {
            (Some(_), true) => Some(table_data(&conns.conn)?),
            _ => None,
        };
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
        };
        let applied = run_part(
            &conns,
            &mut known,
            set,
            migration,
            up,
            findings,
            &mut proof.statements,
        );
        if let Err(e) = applied {
            proof.error = Some(e);
            migrations.push(proof);
            break;
        }
        if let (Some(before), Some(down)) = (before, &migration.down) {
            let after_up = snapshot(&url)?;
            let mut scratch = vec![];
            let reversibility = match run_part(
                &conns,
                &mut known,
                set,
                migration,
                down,
                &HashMap::new(),
                &mut scratch,
            ) {
                Err(e) => Reversibility {
                    down_differences: vec![],
                    data_differences: vec![],
                    redo_differences: vec![],
                    error: Some(format!("the down part failed: {e}")),
                },
                Ok(()) => {
                    let after_down = snapshot(&url)?;
                    let down_differences = diff(&before, &after_down);
                    let data_differences = match &data_before {
                        Some(before) => data_lost(before, &table_data(&conns.conn)?),
                        None => vec![],
                    };
                    let mut redo = vec![];
                    match run_part(
                        &conns,
                        &mut known,
                        set,
                        migration,
                        up,
                        &HashMap::new(),
                        &mut redo,
                    ) {
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
                    }
                }
            };
            let stop = reversibility.error.is_some();
            proof.reversibility = Some(reversibility);
            if stop {
                // The schema is in an unknown state: later migrations would prove nothing.
                migrations.push(proof);
                break;
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
    })
}

/// Rows and an order-independent checksum of every user table's contents.
fn table_data(conn: &Conn) -> Result<Vec<TableData>> {
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

fn has_down(migration: &Migration) -> bool {
    migration
        .down
        .as_ref()
        .is_some_and(|d| !parse_sql(&d.text).statements.is_empty())
}

/// The schema as the server sees it (read-only introspection, the audit's code path).
pub fn snapshot(url: &str) -> Result<crate::catalog::Catalog> {
    let session = crate::live::Session::open(&crate::live::config(Some(url))?)?;
    read_catalog(&session, &Scope { schemas: vec![] })
}

/// Runs one part statement by statement; on failure, rolls back an open transaction and returns
/// the server's error with the statement's place.
/// The replay's connections: the one that runs the migration, one that watches its locks, and
/// one that holds a snapshot while a concurrent statement starts (see [`run_watched`]).
struct Conns {
    conn: Conn,
    observer: Conn,
    blocker: Conn,
    /// `--traffic`: the workload's reading and writing connections, and one that watches them.
    traffic: Option<(Conn, Conn, Conn)>,
}

impl Conns {
    fn connect(url: &str, traffic: bool) -> Result<Conns> {
        let workload = || -> Result<Conn> {
            let c = Conn::connect(url)?;
            // A safety net: the workload never waits longer than this for a lock.
            c.execute_batch("SET lock_timeout = '60s'")?;
            Ok(c)
        };
        Ok(Conns {
            conn: Conn::connect(url)?,
            observer: Conn::connect(url)?,
            blocker: Conn::connect(url)?,
            traffic: if traffic {
                Some((workload()?, workload()?, Conn::connect(url)?))
            } else {
                None
            },
        })
    }
}

fn run_part(
    conns: &Conns,
    known: &mut std::collections::BTreeMap<i64, Relation>,
    set: &MigrationSet,
    migration: &Migration,
    part: &SqlPart,
    findings: &HashMap<(&Path, usize), Vec<&Finding>>,
    out: &mut Vec<StatementProof>,
) -> std::result::Result<(), String> {
    let (conn, observer, blocker) = (&conns.conn, &conns.observer, &conns.blocker);
    let file = set
        .files
        .get(part.file)
        .map_or_else(PathBuf::new, |f| f.path.clone());
    let parsed = parse_sql(&part.text);
    if let Some(error) = parsed.errors.first() {
        return Err(format!(
            "syntax error in {}: {}",
            file.display(),
            error.message
        ));
    }
    let lines = LineIndex::new(&part.text);
    // The relations that exist as the part starts: tracked from statement to statement (every
    // relation a statement creates is locked by it), not read again for each part.
    let start_relations = known.clone();
    let mut in_tx = false;
    // golang-migrate's one message per file is an implicit transaction only with several statements.
    let wrapped = migration.transaction.wraps(parsed.statements.len());
    if wrapped {
        conn.execute_batch("BEGIN").map_err(|e| e.to_string())?;
        in_tx = true;
    }
    // The file node of each pre-existing relation as of the previous statement (a new one means
    // a rewrite; a rewrite needs a lock, so only locked relations are looked at), and the locks
    // the transaction holds. Nothing else runs on the connection in between.
    let mut filenodes: HashMap<i64, i64> = start_relations
        .iter()
        .map(|(oid, r)| (*oid, r.filenode))
        .collect();
    let mut held_now: HashMap<i64, LockMode> = HashMap::new();
    for statement in &parsed.statements {
        let sql = &part.text[statement.span.start..statement.span.end];
        let line = lines.position(&part.text, statement.span.start).line;
        let held_before = if in_tx {
            std::mem::take(&mut held_now)
        } else {
            HashMap::new()
        };
        // A statement outside a transaction is its own transaction: run it inside an explicit one
        // so its locks can be read exactly before it commits, unless it cannot run in a
        // transaction block (CONCURRENTLY, VACUUM, ...): those are watched from outside.
        let own_tx = !in_tx && !needs_autocommit(sql, &statement.kind);
        let exact = in_tx || own_tx;
        // In a transaction, one round trip runs the statement and reads the locks it left (with
        // `BEGIN` and `COMMIT` around them for a statement that is its own transaction).
        // `SET`, `RESET`: session settings take no relation locks; no lock read for them.
        let settings_only = matches!(statement.kind, Statement::Set { .. });
        let execute = || {
            let started = Instant::now();
            let outcome = if settings_only {
                (conn.execute_batch(sql), HashMap::new(), None)
            } else if exact {
                match conn.run_reading_locks(sql, own_tx, own_tx) {
                    Ok(read) => (Ok(()), HashMap::new(), Some(read)),
                    Err(e) => (Err(e), HashMap::new(), None),
                }
            } else {
                let (result, seen) = run_watched(conn, observer, Some(blocker), sql);
                (result, seen, None)
            };
            (outcome, started.elapsed().as_secs_f64() * 1000.0)
        };
        // The existing tables the lock model says the statement locks: the workload's tables.
        let workload: Vec<(String, String, String)> = match &conns.traffic {
            Some((reader, _, _)) => crate::locks::statement_locks(&statement.kind)
                .into_iter()
                .filter_map(|(name, _)| {
                    let oid = start_relations
                        .iter()
                        .find(|(_, r)| r.name == name && matches!(r.kind.as_str(), "r" | "p"))
                        .map(|(oid, _)| *oid)?;
                    traffic::operations(reader, oid)
                })
                .collect(),
            None => vec![],
        };
        let (((result, mut seen, read), duration_ms), traffic) = match &conns.traffic {
            Some((reader, writer, monitor)) if !workload.is_empty() => {
                let (r, t) = traffic::during(reader, writer, monitor, &workload, execute);
                (r, Some(t))
            }
            _ => (execute(), None),
        };
        if let Err(e) = result {
            let message = e
                .as_db_error()
                .map_or_else(|| e.to_string(), |d| d.message().to_string());
            out.push(StatementProof {
                file: file.clone(),
                line,
                sql: short(sql),
                duration_ms,
                locks: vec![],
                rewritten: vec![],
                verdicts: vec![],
                unpredicted: None,
                error: Some(message.clone()),
                traffic,
            });
            let _ = conn.execute_batch("ROLLBACK");
            return Err(format!("{}:{line}: {message}", file.display()));
        }
        // Every lock the statement ran under, including those earlier statements of the same
        // transaction took (rules such as lock-held-across-statements claim exactly those).
        let mut held_during: HashMap<i64, LockMode> = seen.clone();
        // Name, kind and current file node of every relation the statement ran under a lock on.
        let mut current: HashMap<i64, Relation> = HashMap::new();
        if let Some(with_relations) = read {
            // Locks are kept until the transaction ends: what is held now and was not before
            // (or is stronger now) came from this statement.
            let mut held: HashMap<i64, LockMode> = HashMap::new();
            for (oid, (mode, relation)) in with_relations {
                held.insert(oid, mode);
                if let Some(relation) = relation {
                    current.insert(oid, relation);
                }
            }
            for (&oid, &mode) in &held {
                if held_before.get(&oid).is_none_or(|m| *m < mode) {
                    seen.insert(oid, mode);
                }
                held_during.insert(oid, mode);
            }
            if in_tx {
                held_now = held;
            }
        } else if settings_only && in_tx {
            held_now = held_before.clone();
        }
        if !exact && !seen.is_empty() {
            let oids: Vec<i64> = seen.keys().copied().collect();
            current.extend(conn.relations_of(&oids).map_err(|e| format!("{e:#}"))?);
        }
        let names: HashMap<i64, &Relation> = start_relations
            .iter()
            .chain(current.iter())
            .map(|(o, r)| (*o, r))
            .collect();
        let model: HashMap<crate::syntax::QualName, LockMode> =
            crate::locks::statement_locks(&statement.kind)
                .into_iter()
                .collect();
        let mut locks: Vec<ObservedLock> = seen
            .iter()
            .filter_map(|(oid, mode)| {
                let relation = names.get(oid)?;
                Some(ObservedLock {
                    relation: relation.name.to_string(),
                    mode: *mode,
                    pre_existing: start_relations.contains_key(oid),
                    predicted: model.get(&relation.name).copied(),
                })
            })
            .collect();
        locks.sort_by(|a, b| {
            b.mode
                .cmp(&a.mode)
                .then_with(|| a.relation.cmp(&b.relation))
        });
        // Tables on which the server took a write-blocking lock stronger than anything pgproof's
        // lock model says this statement takes: the model (and the rules built on it)
        // underestimate. (The model names an index where the server locks its table too, so the
        // comparison is with the model's strongest lock.)
        let claims: Vec<&&Finding> = findings
            .get(&(file.as_path(), line))
            .map(|v| v.iter().filter(|f| f.lock.is_some()).collect())
            .unwrap_or_default();
        // What was predicted at all: the model's strongest lock, or a rule's claim (rules know
        // more than the model, such as the tables that use a domain).
        let model_max = model
            .values()
            .copied()
            .chain(claims.iter().filter_map(|f| f.lock))
            .max();
        let underestimated: Vec<String> = seen
            .iter()
            .filter_map(|(oid, mode)| {
                let relation = start_relations.get(oid)?;
                let table = matches!(relation.kind.as_str(), "r" | "p" | "m");
                let beyond = model_max.is_none_or(|m| m < *mode);
                (table && beyond && *mode >= LockMode::Share)
                    .then(|| format!("{} on {}", mode.sql(), relation.name))
            })
            .collect();
        let mut rewritten: Vec<String> = current
            .iter()
            .filter(|(oid, r)| {
                start_relations.contains_key(oid)
                    && matches!(r.kind.as_str(), "r" | "i" | "m")
                    && filenodes.get(oid).is_some_and(|f| *f != r.filenode)
            })
            .map(|(_, r)| r.name.to_string())
            .collect();
        rewritten.sort();
        for (oid, r) in &current {
            filenodes.insert(*oid, r.filenode);
            known.insert(*oid, r.clone());
        }
        if !exact {
            // Watched from outside, a statement's new relations may not have been seen locked.
            for (oid, r) in conn.relations().map_err(|e| format!("{e:#}"))? {
                known.entry(oid).or_insert(r);
            }
        }
        let strongest = held_during
            .iter()
            .filter(|(oid, _)| start_relations.contains_key(oid))
            .map(|(_, mode)| *mode)
            .max();
        // A statement watched from outside that finished between two looks shows nothing.
        let unobserved = !exact && strongest.is_none();
        let verdicts: Vec<Verdict> = claims
            .iter()
            .map(|f| {
                let claimed = f.lock.unwrap_or(LockMode::AccessExclusive);
                Verdict {
                    rule: f.rule.to_string(),
                    severity: f.severity,
                    claimed_lock: claimed,
                    verdict: if strongest.is_some_and(|s| s >= claimed) {
                        "confirmed"
                    } else if unobserved {
                        "inconclusive"
                    } else {
                        "not observed"
                    },
                }
            })
            .collect();
        // What the server showed that neither the lock model nor any rule predicted: a stronger
        // lock than modelled on an existing table, or a rewrite no finding mentions.
        let unpredicted = if !underestimated.is_empty() {
            Some(format!(
                "took {} (the lock model says weaker)",
                underestimated.join(", ")
            ))
        } else if !rewritten.is_empty() && claims.is_empty() {
            Some(format!(
                "rewrote {} with no finding on this statement",
                rewritten.join(", ")
            ))
        } else {
            None
        };
        out.push(StatementProof {
            file: file.clone(),
            line,
            sql: short(sql),
            duration_ms,
            locks,
            rewritten,
            verdicts,
            unpredicted,
            error: None,
            traffic,
        });
        in_tx = in_transaction_after(&statement.kind, in_tx);
        // BEGIN starts with nothing held; SAVEPOINT / ROLLBACK TO change what is held: read it.
        if matches!(statement.kind, Statement::Transaction { .. }) {
            held_now = if in_tx
                && !matches!(statement.kind, Statement::Transaction { tx: TxKind::Begin })
            {
                conn.locks_of(conn.pid()).map_err(|e| format!("{e:#}"))?
            } else {
                HashMap::new()
            };
        }
    }
    if wrapped && in_tx {
        conn.execute_batch("COMMIT").map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// Statements PostgreSQL refuses to run inside a transaction block.
fn needs_autocommit(sql: &str, kind: &Statement) -> bool {
    if matches!(kind, Statement::Transaction { .. }) {
        return true;
    }
    let upper = sql.to_ascii_uppercase();
    let words: Vec<&str> = upper.split_whitespace().take(4).collect();
    upper.contains("CONCURRENTLY")
        || matches!(words.first(), Some(&"VACUUM"))
        || matches!(
            words.get(..2),
            Some(
                ["CREATE", "DATABASE"]
                    | ["DROP", "DATABASE"]
                    | ["ALTER", "SYSTEM"]
                    | ["CREATE", "TABLESPACE"]
                    | ["DROP", "TABLESPACE"]
            )
        )
        || (words.first() == Some(&"REINDEX")
            && matches!(words.get(1), Some(&"DATABASE") | Some(&"SYSTEM")))
        || (words.first() == Some(&"CLUSTER") && words.len() == 1)
}

/// Runs `sql` in autocommit while a second connection polls the locks it holds.
///
/// A third connection, `blocker`, holds a snapshot open while the statement starts: concurrent
/// builds (`CREATE INDEX CONCURRENTLY`, `REINDEX CONCURRENTLY`, ...) wait for older snapshots
/// while holding their lock, so the lock is seen for certain, however fast the statement. The
/// snapshot is released as soon as a lock is seen (or after a short grace period).
fn run_watched(
    conn: &Conn,
    observer: &Conn,
    blocker: Option<&Conn>,
    sql: &str,
) -> (
    std::result::Result<(), tokio_postgres::Error>,
    HashMap<i64, LockMode>,
) {
    let done = std::sync::atomic::AtomicBool::new(false);
    let mut seen: HashMap<i64, LockMode> = HashMap::new();
    let blocking = blocker.filter(|b| {
        b.execute_batch("BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT 1")
            .is_ok()
    });
    let mut released = blocking.is_none();
    let started = Instant::now();
    let result = std::thread::scope(|scope| {
        let worker = scope.spawn(|| {
            let r = conn.execute_batch(sql);
            done.store(true, std::sync::atomic::Ordering::SeqCst);
            r
        });
        while !done.load(std::sync::atomic::Ordering::SeqCst) {
            if let Ok(locks) = observer.locks_of(conn.pid()) {
                for (oid, mode) in locks {
                    let entry = seen.entry(oid).or_insert(mode);
                    *entry = (*entry).max(mode);
                }
            }
            if !released && (!seen.is_empty() || started.elapsed() > Duration::from_secs(2)) {
                if let Some(b) = blocking {
                    let _ = b.execute_batch("COMMIT");
                }
                released = true;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        worker.join().expect("statement thread")
    });
    if !released {
        if let Some(b) = blocking {
            let _ = b.execute_batch("COMMIT");
        }
    }
    (result, seen)
}

fn short(sql: &str) -> String {
    let first: String = sql
        .lines()
        .next()
        .unwrap_or_default()
        .chars()
        .take(100)
        .collect();
    if first.len() < sql.len() {
        format!("{first} …")
    } else {
        first
    }
}
