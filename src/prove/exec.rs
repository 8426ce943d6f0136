//! A blocking connection for replaying migrations on a throwaway database, and what can be
//! observed from the server about each statement: relation locks, rewrites (a new relfilenode).

use crate::syntax::{LockMode, QualName};
use anyhow::{Context, Result};
use std::collections::{BTreeMap, HashMap};

pub struct Conn {
    client: tokio_postgres::Client,
    runtime: tokio::runtime::Runtime,
    pid: i32,
}

impl Conn {
    pub fn connect(url: &str) -> Result<Conn> {
        let target = crate::live::config(Some(url))?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("cannot start the async runtime")?;
        let client = runtime.block_on(crate::live::connect(&target))?;
        let pid: i32 = runtime
            .block_on(client.query_one("SELECT pg_backend_pid()", &[]))?
            .get(0);
        Ok(Conn {
            client,
            runtime,
            pid,
        })
    }

    pub fn pid(&self) -> i32 {
        self.pid
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

    /// User relations by oid: name, kind and file node (a new file node means a rewrite).
    pub fn relations(&self) -> Result<BTreeMap<i64, Relation>> {
        let rows = self.query(
            "SELECT c.oid::int8, n.nspname::text, c.relname::text, c.relkind::text, c.relfilenode::int8
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE c.relkind IN ('r', 'p', 'i', 'I', 'm', 'S', 't')
               AND n.nspname NOT IN ('pg_catalog', 'information_schema')
               AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%'",
            &[],
        )?;
        Ok(rows
            .iter()
            .map(|r| {
                (
                    r.get(0),
                    Relation {
                        name: QualName::new(r.get::<_, String>(1), r.get::<_, String>(2)),
                        kind: r.get::<_, String>(3),
                        filenode: r.get(4),
                    },
                )
            })
            .collect())
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
