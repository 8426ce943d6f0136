//! `--traffic`: while a statement that locks existing tables runs, a small concurrent workload
//! reads and writes those tables from two other connections, and the longest time each kind of
//! operation waited is recorded: how long production traffic would have been blocked.
//!
//! Reads are `SELECT 1 FROM t LIMIT 1` (ACCESS SHARE); writes are a no-op `UPDATE` of one row
//! (ROW EXCLUSIVE, and a row lock) on a column that may be written (not generated, not an identity
//! `GENERATED ALWAYS`), or, on a table with no such column, a `DELETE` that matches no row (ROW
//! EXCLUSIVE). Both run in autocommit, in a loop, until the statement ends. An operation that
//! fails is counted and its first error kept, so a workload that could not run is never shown as
//! "not blocked".

use super::exec::Conn;
use serde::Serialize;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// What the workload saw while one statement ran.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Traffic {
    pub tables: Vec<String>,
    pub reads: u64,
    pub writes: u64,
    /// The longest a read waited, in milliseconds.
    pub reads_blocked_ms: f64,
    /// The longest a write waited, in milliseconds.
    pub writes_blocked_ms: f64,
    /// Operations that failed (a trigger, a lock timeout), not counted as blocked.
    pub errors: u64,
    /// The first error a read failed with, if any did.
    pub read_error: Option<String>,
    /// The first error a write failed with, if any did.
    pub write_error: Option<String>,
}

/// How often the monitor looks for workload connections waiting on a lock.
const POLL: Duration = Duration::from_millis(2);

/// The workload's SQL for one table: a read, and a write that changes nothing (a no-op update of
/// one row on a writable column, else a delete that matches no row).
pub fn operations(conn: &Conn, table_oid: i64) -> Option<(String, String, String)> {
    let rows = conn
        .query(
            "SELECT format('%I.%I', n.nspname, c.relname),
                    (SELECT quote_ident(a.attname) FROM pg_attribute a
                     WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                       AND a.attgenerated = '' AND a.attidentity <> 'a'
                     ORDER BY a.attnum LIMIT 1)
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE c.oid = $1::int8::oid AND c.relkind IN ('r', 'p')",
            &[&table_oid],
        )
        .ok()?;
    let row = rows.first()?;
    let table: String = row.get(0);
    let column: Option<String> = row.get(1);
    let read = format!("SELECT 1 FROM {table} LIMIT 1");
    let write = match column {
        Some(c) => {
            format!("UPDATE {table} SET {c} = {c} WHERE ctid = (SELECT ctid FROM {table} LIMIT 1)")
        }
        None => format!("DELETE FROM {table} WHERE false"),
    };
    Some((table, read, write))
}

/// Runs `work` while `reader` and `writer` loop over the tables' operations, and `monitor` polls
/// `pg_locks` for them waiting on a lock; returns `work`'s result and what the workload saw. An
/// operation counts as blocked when the monitor saw its connection waiting for a lock while it
/// ran (a slow operation on a busy machine is not a blocked one).
pub fn during<T: Send>(
    reader: &Conn,
    writer: &Conn,
    monitor: &Conn,
    ops: &[(String, String, String)],
    work: impl FnOnce() -> T + Send,
) -> (T, Traffic) {
    let done = AtomicBool::new(false);
    let origin = Instant::now();
    let mut traffic = Traffic {
        tables: ops.iter().map(|(t, _, _)| t.clone()).collect(),
        ..Traffic::default()
    };
    // Each operation: (start, end) in ms since `origin`; failures counted, the first one kept.
    let run = |conn: &Conn, write: bool| -> (Vec<(f64, f64)>, u64, Option<String>) {
        let (mut spans, mut errors, mut first) = (vec![], 0u64, None);
        while !done.load(Ordering::SeqCst) {
            for (_, read, update) in ops {
                if done.load(Ordering::SeqCst) {
                    break;
                }
                let sql = if write { update } else { read };
                let start = origin.elapsed().as_secs_f64() * 1000.0;
                let result = conn.execute_batch(sql);
                let end = origin.elapsed().as_secs_f64() * 1000.0;
                match result {
                    Ok(()) => spans.push((start, end)),
                    // Cancelled after the statement ended, still waiting for the migration's
                    // transaction: it was blocked all that time (and would be until commit).
                    Err(e)
                        if e.code() == Some(&tokio_postgres::error::SqlState::QUERY_CANCELED) =>
                    {
                        spans.push((start, end))
                    }
                    Err(e) => {
                        errors += 1;
                        if first.is_none() {
                            let message = e
                                .as_db_error()
                                .map_or_else(|| e.to_string(), |d| d.message().to_string());
                            first = Some(format!("{sql}: {message}"));
                        }
                    }
                }
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        (spans, errors, first)
    };
    // Moments (ms since `origin`) at which each workload connection was waiting for a lock.
    let watch = || -> (Vec<f64>, Vec<f64>) {
        let (mut r, mut w) = (vec![], vec![]);
        while !done.load(Ordering::SeqCst) {
            if let Ok(rows) = monitor.query(
                "SELECT DISTINCT pid FROM pg_locks WHERE NOT granted AND pid IN ($1, $2)",
                &[&reader.pid(), &writer.pid()],
            ) {
                let at = origin.elapsed().as_secs_f64() * 1000.0;
                for row in rows {
                    let pid: i32 = row.get(0);
                    if pid == reader.pid() {
                        r.push(at);
                    } else {
                        w.push(at);
                    }
                }
            }
            std::thread::sleep(POLL);
        }
        (r, w)
    };
    let worst = |spans: &[(f64, f64)], waiting: &[f64]| -> f64 {
        spans
            .iter()
            .filter(|(s, e)| waiting.iter().any(|t| t >= s && t <= e))
            .map(|(s, e)| e - s)
            .fold(0.0, f64::max)
    };
    let result = std::thread::scope(|scope| {
        let r = scope.spawn(|| run(reader, false));
        let w = scope.spawn(|| run(writer, true));
        let m = scope.spawn(watch);
        // Let the workload start before the statement.
        std::thread::sleep(Duration::from_millis(20));
        let result = work();
        // The monitor keeps watching while waiting operations are cancelled below.
        std::thread::sleep(Duration::from_millis(10));
        done.store(true, Ordering::SeqCst);
        // Operations still waiting on a lock the migration's transaction keeps: cancel them
        // (again, in case one started just as the other was cancelled).
        for attempt in 0..200 {
            if r.is_finished() && w.is_finished() {
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
            if attempt % 5 == 4 {
                if !r.is_finished() {
                    reader.cancel();
                }
                if !w.is_finished() {
                    writer.cancel();
                }
            }
        }
        let (reads, read_errors, read_error) = r.join().expect("reader thread");
        let (writes, write_errors, write_error) = w.join().expect("writer thread");
        let (read_waits, write_waits) = m.join().expect("monitor thread");
        traffic.reads = reads.len() as u64;
        traffic.writes = writes.len() as u64;
        traffic.reads_blocked_ms = worst(&reads, &read_waits);
        traffic.writes_blocked_ms = worst(&writes, &write_waits);
        traffic.errors = read_errors + write_errors;
        traffic.read_error = read_error;
        traffic.write_error = write_error;
        result
    });
    (result, traffic)
}
