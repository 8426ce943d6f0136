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
pub mod exec;

use crate::catalog::diff::{diff, Difference};
use crate::finding::{Finding, Severity};
use crate::live::introspect::{read_catalog, Scope};
use crate::parse::parse_sql;
use crate::source::{Migration, MigrationSet, SqlPart};
use crate::span::LineIndex;
use crate::syntax::{LockMode, StmtKind, TxKind};
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
}

#[derive(Debug, Clone, Serialize)]
pub struct Reversibility {
    /// Differences between the schema before up and after up + down (empty: down reverses up).
    pub down_differences: Vec<Difference>,
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
}

#[derive(Debug, Clone, Serialize)]
pub struct Proof {
    pub backend: String,
    pub server_version: String,
    pub sets: Vec<SetProof>,
}

impl Proof {
    /// Whether a proof failed: a migration that does not apply, a down part that does not
    /// reverse its up part, or an error-level hazard the server confirmed.
    pub fn failed(&self) -> bool {
        self.sets.iter().flat_map(|s| &s.migrations).any(|m| {
            m.error.is_some()
                || m.reversibility.as_ref().is_some_and(|r| {
                    r.error.is_some()
                        || !r.down_differences.is_empty()
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

/// Replays every set on `server`, comparing with `findings` (the static lint of the same sets).
pub fn prove(server: &mut Throwaway, sets: &[MigrationSet], findings: &[Finding]) -> Result<Proof> {
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
        let result = prove_set(server, &name, set, &by_place);
        server.drop_database(&name, &admin);
        out.push(result?);
    }
    Ok(Proof {
        backend: server.description.clone(),
        server_version: version,
        sets: out,
    })
}

fn prove_set(
    server: &Throwaway,
    database: &str,
    set: &MigrationSet,
    findings: &HashMap<(&Path, usize), Vec<&Finding>>,
) -> Result<SetProof> {
    let url = server.url(database);
    let conn = Conn::connect(&url)?;
    let observer = Conn::connect(&url)?;
    let mut migrations = vec![];
    for migration in &set.migrations {
        let Some(up) = &migration.up else { continue };
        let before = if has_down(migration) {
            Some(snapshot(&url)?)
        } else {
            None
        };
        let mut proof = MigrationProof {
            id: migration.id.clone(),
            file: set.files.get(up.file).map(|f| f.path.clone()),
            in_transaction: migration.transaction.wrapped,
            statements: vec![],
            reversibility: None,
            error: None,
        };
        let applied = run_part(
            &conn,
            &observer,
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
                &conn,
                &observer,
                set,
                migration,
                down,
                &HashMap::new(),
                &mut scratch,
            ) {
                Err(e) => Reversibility {
                    down_differences: vec![],
                    redo_differences: vec![],
                    error: Some(format!("the down part failed: {e}")),
                },
                Ok(()) => {
                    let after_down = snapshot(&url)?;
                    let down_differences = diff(&before, &after_down);
                    let mut redo = vec![];
                    match run_part(
                        &conn,
                        &observer,
                        set,
                        migration,
                        up,
                        &HashMap::new(),
                        &mut redo,
                    ) {
                        Err(e) => Reversibility {
                            down_differences,
                            redo_differences: vec![],
                            error: Some(format!(
                                "the up part failed when applied again after the down part: {e}"
                            )),
                        },
                        Ok(()) => Reversibility {
                            down_differences,
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
    })
}

fn has_down(migration: &Migration) -> bool {
    migration
        .down
        .as_ref()
        .is_some_and(|d| !parse_sql(&d.text).statements.is_empty())
}

/// The schema as the server sees it (read-only introspection, the audit's code path).
fn snapshot(url: &str) -> Result<crate::catalog::Catalog> {
    let session = crate::live::Session::open(&crate::live::config(Some(url))?)?;
    read_catalog(&session, &Scope { schemas: vec![] })
}

/// Runs one part statement by statement; on failure, rolls back an open transaction and returns
/// the server's error with the statement's place.
fn run_part(
    conn: &Conn,
    observer: &Conn,
    set: &MigrationSet,
    migration: &Migration,
    part: &SqlPart,
    findings: &HashMap<(&Path, usize), Vec<&Finding>>,
    out: &mut Vec<StatementProof>,
) -> std::result::Result<(), String> {
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
    let start_relations = conn.relations().map_err(|e| format!("{e:#}"))?;
    let mut in_tx = false;
    if migration.transaction.wrapped {
        conn.execute_batch("BEGIN").map_err(|e| e.to_string())?;
        in_tx = true;
    }
    // What the previous statement left: the relations, and the locks its transaction holds.
    // Nothing else runs on the connection in between, so each is read once per statement.
    let mut relations = start_relations.clone();
    let mut held_now: HashMap<i64, LockMode> = HashMap::new();
    for statement in &parsed.statements {
        let sql = &part.text[statement.span.start..statement.span.end];
        let line = lines.position(&part.text, statement.span.start).line;
        let before = std::mem::take(&mut relations);
        let held_before = if in_tx {
            std::mem::take(&mut held_now)
        } else {
            HashMap::new()
        };
        // A statement outside a transaction is its own transaction: run it inside an explicit one
        // so its locks can be read exactly before it commits, unless it cannot run in a
        // transaction block (CONCURRENTLY, VACUUM, ...): those are watched from outside.
        let own_tx = !in_tx && !needs_autocommit(sql, &statement.kind);
        if own_tx {
            conn.execute_batch("BEGIN").map_err(|e| e.to_string())?;
        }
        let exact = in_tx || own_tx;
        let started = Instant::now();
        let (result, mut seen) = if exact {
            (conn.execute_batch(sql), HashMap::new())
        } else {
            run_watched(conn, observer, sql)
        };
        let duration_ms = started.elapsed().as_secs_f64() * 1000.0;
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
            });
            let _ = conn.execute_batch("ROLLBACK");
            return Err(format!("{}:{line}: {message}", file.display()));
        }
        // Every lock the statement ran under, including those earlier statements of the same
        // transaction took (rules such as lock-held-across-statements claim exactly those).
        let mut held_during: HashMap<i64, LockMode> = seen.clone();
        if exact {
            // Locks are kept until the transaction ends: what is held now and was not before
            // (or is stronger now) came from this statement.
            let held = conn.locks_of(conn.pid()).map_err(|e| format!("{e:#}"))?;
            for (&oid, &mode) in &held {
                if held_before.get(&oid).is_none_or(|m| *m < mode) {
                    seen.insert(oid, mode);
                }
                held_during.insert(oid, mode);
            }
            if in_tx {
                held_now = held;
            }
        }
        if own_tx {
            conn.execute_batch("COMMIT").map_err(|e| e.to_string())?;
        }
        let after = conn.relations().map_err(|e| format!("{e:#}"))?;
        let names: HashMap<i64, &Relation> = before
            .iter()
            .chain(after.iter())
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
        let rewritten: Vec<String> = before
            .iter()
            .filter(|(oid, r)| {
                start_relations.contains_key(oid)
                    && matches!(r.kind.as_str(), "r" | "i" | "m")
                    && after.get(oid).is_some_and(|a| a.filenode != r.filenode)
            })
            .map(|(_, r)| r.name.to_string())
            .collect();
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
                    rule: f.rule.clone(),
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
        });
        relations = after;
        match &statement.kind {
            StmtKind::Transaction { tx: TxKind::Begin } => in_tx = true,
            StmtKind::Transaction {
                tx: TxKind::Commit | TxKind::Rollback | TxKind::Prepare,
            } => in_tx = false,
            _ => {}
        }
        // BEGIN starts with nothing held; SAVEPOINT / ROLLBACK TO change what is held: read it.
        if matches!(statement.kind, StmtKind::Transaction { .. }) {
            held_now = if in_tx
                && !matches!(statement.kind, StmtKind::Transaction { tx: TxKind::Begin })
            {
                conn.locks_of(conn.pid()).map_err(|e| format!("{e:#}"))?
            } else {
                HashMap::new()
            };
        }
    }
    if migration.transaction.wrapped && in_tx {
        conn.execute_batch("COMMIT").map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// Statements PostgreSQL refuses to run inside a transaction block.
fn needs_autocommit(sql: &str, kind: &StmtKind) -> bool {
    if matches!(kind, StmtKind::Transaction { .. }) {
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
fn run_watched(
    conn: &Conn,
    observer: &Conn,
    sql: &str,
) -> (
    std::result::Result<(), tokio_postgres::Error>,
    HashMap<i64, LockMode>,
) {
    let done = std::sync::atomic::AtomicBool::new(false);
    let mut seen: HashMap<i64, LockMode> = HashMap::new();
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
            std::thread::sleep(Duration::from_millis(1));
        }
        worker.join().expect("statement thread")
    });
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
