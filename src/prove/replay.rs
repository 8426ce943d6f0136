//! Running one migration part on the scratch database statement by statement, with the runner's
//! transaction semantics, and observing each statement: the locks it took (read on the same
//! connection inside a transaction, watched from a second one in autocommit), the relations it
//! rewrote, how long it ran, and what the static findings claimed about it.

use super::exec::{Conn, Relation};
use super::verdict::LockVerdict;
use super::{traffic, transaction_after, ImplicitBlock, ObservedLock, StatementProof, Verdict};
use crate::finding::Finding;
use crate::source::{MigrationSet, RunnerTransaction, SqlPart};
use crate::span::LineIndex;
use crate::syntax::parse_sql;
use crate::syntax::{LockMode, Statement, TxKind};
use anyhow::Result;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The replay's connections: the one that runs the migration, one that watches its locks, and
/// one that holds a snapshot while a concurrent statement starts (see [`run_watched`]).
pub(super) struct Conns {
    pub conn: Conn,
    observer: Conn,
    blocker: Conn,
    /// `--traffic`: the workload's reading and writing connections, and one that watches them.
    traffic: Option<(Conn, Conn, Conn)>,
}

impl Conns {
    pub(super) fn connect(url: &str, traffic: bool) -> Result<Conns> {
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

/// Runs one part statement by statement, observing each; on failure, rolls back an open
/// transaction and returns the server's error with the statement's place.
pub(super) fn run_part(
    conns: &Conns,
    known: &mut std::collections::BTreeMap<i64, Relation>,
    set: &MigrationSet,
    transaction: &RunnerTransaction,
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
    let wrapped = transaction.wraps(parsed.statements.len());
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
    let implicit = transaction.implicit(parsed.statements.len());
    let mut block = ImplicitBlock::default();
    for (k, statement) in parsed.statements.iter().enumerate() {
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
        // The observer is idle between its lock reads: the server's refusal is asked there.
        let refused = implicit
            .then(|| block.refused(observer, &statement.kind, sql))
            .flatten();
        let (((result, mut seen, read), duration_ms), traffic) = match (&conns.traffic, refused) {
            (_, Some(e)) => (((Err(e), HashMap::new(), None), 0.0), None),
            (Some((reader, writer, monitor)), None) if !workload.is_empty() => {
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
        // Two relations of one name (an index dropped and made again): the one that existed first.
        locks.sort_by(|a, b| {
            b.mode
                .cmp(&a.mode)
                .then_with(|| a.relation.cmp(&b.relation))
                .then_with(|| b.pre_existing.cmp(&a.pre_existing))
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
                    rule: f.rule,
                    severity: f.severity,
                    claimed_lock: claimed,
                    verdict: if strongest.is_some_and(|s| s >= claimed) {
                        LockVerdict::Confirmed
                    } else if unobserved {
                        LockVerdict::Inconclusive
                    } else {
                        LockVerdict::NotObserved
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
        let more = k + 1 < parsed.statements.len();
        in_tx = transaction_after(conn, &statement.kind, in_tx, implicit && more)?;
        block.after(&statement.kind);
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
        // The commit checks what was deferred to it (deferred constraints and triggers): its
        // error is the server's own, named as the commit's.
        conn.execute_batch("COMMIT").map_err(|e| {
            let message = e
                .as_db_error()
                .map_or_else(|| e.to_string(), |d| d.message().to_string());
            format!(
                "{}: the COMMIT of the migration's transaction failed: {message}",
                file.display()
            )
        })?;
    }
    Ok(())
}

/// Statements PostgreSQL refuses to run inside a transaction block.
pub(crate) fn needs_autocommit(sql: &str, kind: &Statement) -> bool {
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
pub(crate) fn run_watched(
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

pub(crate) fn short(sql: &str) -> String {
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
