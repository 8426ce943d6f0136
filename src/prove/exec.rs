//! A blocking connection for replaying migrations on a throwaway database, and what can be
//! observed from the server about each statement: relation locks, rewrites (a new relfilenode).

use crate::syntax::{LockMode, QualName};
use anyhow::{Context, Result};
use std::collections::{BTreeMap, HashMap};

pub struct Conn {
    client: tokio_postgres::Client,
    runtime: tokio::runtime::Runtime,
    pid: i32,
    /// The connected database's oid (locks are filtered by it).
    database: i64,
    /// Catalog queries prepared on this connection, by their text.
    prepared: std::sync::Mutex<HashMap<String, tokio_postgres::Statement>>,
}

/// The catalog is read on a replay connection inside a transaction of `prove`'s own, which sees
/// what that transaction changed (see `reversibility::check_in_transaction`).
impl crate::live::CatalogSession for Conn {
    fn query(
        &self,
        sql: &str,
        params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    ) -> Result<Vec<tokio_postgres::Row>> {
        let start = std::time::Instant::now();
        // Each catalog read runs the same queries: parsed and planned once per connection (a
        // prepared statement's plan is invalidated by the server when the catalog changes).
        let cached = self.prepared.lock().ok().and_then(|p| p.get(sql).cloned());
        let statement = match cached {
            Some(statement) => statement,
            None => {
                let statement = self
                    .runtime
                    .block_on(self.client.prepare(sql))
                    .context("catalog query failed on the throwaway server")?;
                if let Ok(mut prepared) = self.prepared.lock() {
                    prepared.insert(sql.to_string(), statement.clone());
                }
                statement
            }
        };
        let rows = self
            .runtime
            .block_on(self.client.query(&statement, params))
            .context("catalog query failed on the throwaway server")?;
        crate::live::time_query(sql, start, rows.len());
        Ok(rows)
    }

    fn described(&self) -> &str {
        "the throwaway server"
    }
}

impl Conn {
    pub fn connect(url: &str) -> Result<Conn> {
        let target = crate::live::config(Some(url))?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("cannot start the async runtime")?;
        let client = runtime.block_on(crate::live::connect(&target))?;
        let row = runtime.block_on(client.query_one(
            "SELECT pg_backend_pid(), (SELECT oid FROM pg_database WHERE datname = current_database())::int8",
            &[],
        ))?;
        let conn = Conn {
            client,
            runtime,
            pid: row.get(0),
            database: row.get(1),
            prepared: Default::default(),
        };
        // The lock read runs after every replayed statement: parse and plan it once.
        conn.execute_batch(&format!(
            "PREPARE pgproof_locks AS {}",
            conn.locks_sql("pg_backend_pid()")
        ))?;
        Ok(conn)
    }

    /// Runs `read` as a new session would see the database: the settings and role reset (a
    /// `search_path` changes how the server prints names in defaults, checks and views; a
    /// `TimeZone` how values print) and JIT off. Inside the transaction already open when
    /// `in_transaction` (in a savepoint), else in one of its own; either is rolled back after, so
    /// the session's own settings hold again.
    pub fn as_new_session<T>(
        &self,
        in_transaction: bool,
        read: impl FnOnce(&Conn) -> Result<T>,
    ) -> Result<T> {
        let (open, close) = if in_transaction {
            (
                "SAVEPOINT pgproof_read",
                "ROLLBACK TO SAVEPOINT pgproof_read; RELEASE SAVEPOINT pgproof_read",
            )
        } else {
            ("BEGIN", "ROLLBACK")
        };
        self.execute_batch(&format!(
            "{open}; RESET ALL; RESET ROLE; SELECT set_config(name, 'off', true) FROM pg_settings WHERE name = 'jit'"
        ))?;
        let value = read(self);
        self.execute_batch(close)?;
        value
    }

    /// Forgets the catalog queries prepared on this connection (a statement such as
    /// `DEALLOCATE ALL` may have removed them on the server).
    pub fn forget_prepared(&self) {
        if let Ok(mut prepared) = self.prepared.lock() {
            prepared.clear();
        }
    }

    pub fn pid(&self) -> i32 {
        self.pid
    }

    /// Cancels the statement this connection is running, if any (from another thread, over a
    /// new connection to the server, as PostgreSQL's cancel protocol does). Throwaway servers
    /// only: the cancel request is sent without TLS.
    pub fn cancel(&self) {
        let token = self.client.cancel_token();
        if let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        {
            let _ = runtime.block_on(token.cancel_query(tokio_postgres::NoTls));
        }
    }

    /// Runs SQL (one or more statements, simple protocol).
    pub fn execute_batch(&self, sql: &str) -> Result<(), tokio_postgres::Error> {
        self.runtime.block_on(self.client.batch_execute(sql))
    }

    pub fn query(
        &self,
        sql: &str,
        params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    ) -> Result<Vec<tokio_postgres::Row>> {
        Ok(self.runtime.block_on(self.client.query(sql, params))?)
    }

    /// The first column of a statement's rows as text (simple protocol; any type).
    pub fn query_text(&self, sql: &str) -> Result<Vec<String>, tokio_postgres::Error> {
        let messages = self.runtime.block_on(self.client.simple_query(sql))?;
        Ok(messages
            .iter()
            .filter_map(|m| match m {
                tokio_postgres::SimpleQueryMessage::Row(r) => r.get(0).map(str::to_string),
                _ => None,
            })
            .collect())
    }

    /// User relations by oid: name, kind and file node (a new file node means a rewrite).
    pub fn relations(&self) -> Result<BTreeMap<i64, Relation>> {
        let rows = self.query(
            &format!(
                "{RELATIONS_SQL}
                 WHERE c.relkind IN ('r', 'p', 'i', 'I', 'm', 'S', 't')
                   AND n.nspname NOT IN ('pg_catalog', 'information_schema')
                   AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%'"
            ),
            &[],
        )?;
        Ok(rows.iter().map(relation_row).collect())
    }

    /// Runs one statement and then reads the locks this backend holds, in one message (one round
    /// trip): `BEGIN` first when `begin`, `COMMIT` last when `commit`. On an error the rest of
    /// the message is skipped and an open transaction is left aborted for the caller to roll back.
    pub fn run_reading_locks(
        &self,
        sql: &str,
        begin: bool,
        commit: bool,
    ) -> Result<HashMap<i64, (LockMode, Option<Relation>)>, tokio_postgres::Error> {
        // A statement that drops prepared statements would take the prepared lock read with it:
        // send the query text for it, and prepare the lock read again afterwards.
        let upper = sql.to_ascii_uppercase();
        let drops_prepared = upper.contains("DISCARD") || upper.contains("DEALLOCATE");
        let read = if drops_prepared {
            format!(
                "{};\nDEALLOCATE ALL;\nPREPARE pgproof_locks AS {}",
                self.locks_sql("pg_backend_pid()"),
                self.locks_sql("pg_backend_pid()")
            )
        } else {
            "EXECUTE pgproof_locks".to_string()
        };
        let message = format!(
            "{}{sql}\n;\n{read};{}",
            if begin { "BEGIN;\n" } else { "" },
            if commit { "\nCOMMIT;" } else { "" }
        );
        let messages = self.runtime.block_on(self.client.simple_query(&message))?;
        // Result sets in order: [BEGIN], the statement, the lock query, [COMMIT].
        let mut sets: Vec<Vec<&tokio_postgres::SimpleQueryRow>> = vec![];
        let mut rows = vec![];
        for m in &messages {
            match m {
                tokio_postgres::SimpleQueryMessage::Row(r) => rows.push(r),
                tokio_postgres::SimpleQueryMessage::CommandComplete(_) => {
                    sets.push(std::mem::take(&mut rows))
                }
                _ => {}
            }
        }
        let mut out: HashMap<i64, (LockMode, Option<Relation>)> = HashMap::new();
        let index = usize::from(begin) + 1;
        for row in sets.get(index).map(Vec::as_slice).unwrap_or_default() {
            // `try_get`: a row of another shape (never expected) is skipped, not a panic.
            let get = |i: usize| row.try_get(i).ok().flatten();
            let (Some(oid), Some(mode)) = (
                get(0).and_then(|v| v.parse::<i64>().ok()),
                get(1).and_then(lock_mode),
            ) else {
                continue;
            };
            let relation = parse_relation(get(2), get(3));
            let entry = out.entry(oid).or_insert((mode, relation));
            entry.0 = entry.0.max(mode);
        }
        Ok(out)
    }

    /// Name, kind and file node of the given relations (those that still exist).
    pub fn relations_of(&self, oids: &[i64]) -> Result<BTreeMap<i64, Relation>> {
        let oids: Vec<i64> = oids.to_vec();
        let rows = self.query(
            &format!("{RELATIONS_SQL} WHERE c.oid::int8 = ANY($1)"),
            &[&oids],
        )?;
        Ok(rows.iter().map(relation_row).collect())
    }

    /// Relation locks that backend `pid` holds now (granted), strongest per relation oid.
    pub fn locks_of(&self, pid: i32) -> Result<HashMap<i64, LockMode>> {
        let rows = self.query(
            "SELECT relation::int8, mode FROM pg_locks
             WHERE pid = $1 AND locktype = 'relation' AND granted AND relation IS NOT NULL",
            &[&pid],
        )?;
        let mut out: HashMap<i64, LockMode> = HashMap::new();
        for row in rows {
            if let Some(mode) = lock_mode(&row.get::<_, String>(1)) {
                let entry = out.entry(row.get(0)).or_insert(mode);
                *entry = (*entry).max(mode);
            }
        }
        Ok(out)
    }
}

impl Conn {
    /// The relation locks backend `pid` (an SQL expression) holds in this database on user
    /// relations (oid 16384 and up), with each relation's file node and `schema␟name␟kind`
    /// (NULL for a relation its transaction dropped). Scalar lookups per lock, not a join: this
    /// runs after every replayed statement.
    fn locks_sql(&self, pid: &str) -> String {
        format!(
            "SELECT l.relation::int8, l.mode, pg_relation_filenode(l.relation)::int8,
                    (SELECT n.nspname || chr(31) || c.relname || chr(31) || c.relkind::text
                     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = l.relation)
             FROM pg_locks l
             WHERE l.pid = {pid} AND l.locktype = 'relation' AND l.granted
               AND l.database = {} AND l.relation >= 16384",
            self.database
        )
    }
}

/// A relation from the lock query's file node and `schema␟name␟kind`, if it is one pgproof
/// observes (tables, indexes, materialized views, sequences; not TOAST or temporary ones).
fn parse_relation(filenode: Option<&str>, described: Option<&str>) -> Option<Relation> {
    let mut parts = described?.split('\u{1f}');
    let (schema, name, kind) = (parts.next()?, parts.next()?, parts.next()?);
    if !matches!(kind, "r" | "p" | "i" | "I" | "m" | "S" | "t")
        || schema.starts_with("pg_toast")
        || schema.starts_with("pg_temp")
    {
        return None;
    }
    Some(Relation {
        name: QualName::new(schema, name),
        kind: kind.to_string(),
        filenode: filenode.and_then(|f| f.parse().ok()).unwrap_or(0),
    })
}

/// Oid, schema, name, kind and file node of relations (a WHERE clause follows).
const RELATIONS_SQL: &str =
    "SELECT c.oid::int8, n.nspname::text, c.relname::text, c.relkind::text, c.relfilenode::int8
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace";

fn relation_row(r: &tokio_postgres::Row) -> (i64, Relation) {
    (
        r.get(0),
        Relation {
            name: QualName::new(r.get::<_, String>(1), r.get::<_, String>(2)),
            kind: r.get(3),
            filenode: r.get(4),
        },
    )
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relation {
    pub name: QualName,
    /// `r` table, `p` partitioned table, `i`/`I` index, `m` materialized view, `S` sequence.
    pub kind: String,
    pub filenode: i64,
}

/// `AccessExclusiveLock` → [`LockMode::AccessExclusive`].
pub fn lock_mode(name: &str) -> Option<LockMode> {
    Some(match name {
        "AccessShareLock" => LockMode::AccessShare,
        "RowShareLock" => LockMode::RowShare,
        "RowExclusiveLock" => LockMode::RowExclusive,
        "ShareUpdateExclusiveLock" => LockMode::ShareUpdateExclusive,
        "ShareLock" => LockMode::Share,
        "ShareRowExclusiveLock" => LockMode::ShareRowExclusive,
        "ExclusiveLock" => LockMode::Exclusive,
        "AccessExclusiveLock" => LockMode::AccessExclusive,
        _ => return None,
    })
}
