//! `full-table-rewrite`: VACUUM FULL, CLUSTER, SET TABLESPACE and SET LOGGED/UNLOGGED copy the
//! whole table under ACCESS EXCLUSIVE.

use super::*;
use crate::syntax::AlterCmd;

declare_rule! {
    FullTableRewrite {
        id: "full-table-rewrite",
        category: Locking,
        severity: Warning,
        fix: Guidance,
    }
}

impl Rule for FullTableRewrite {
    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Diagnostic>) {
        let mut hits: Vec<(String, Option<QualName>, String)> = vec![];
        let repack = if cx.pg_version >= 19 {
            "use `REPACK (CONCURRENTLY)` (PostgreSQL 19+), which rewrites without blocking reads and writes".to_string()
        } else {
            format!("use the pg_repack or pg_squeeze extension, which rewrite online, or run it in a maintenance window (PostgreSQL {} has no concurrent rewrite; `REPACK (CONCURRENTLY)` arrives in 19)", cx.pg_version)
        };
        match cx.stmt {
            Statement::Vacuum {
                tables, full: true, ..
            } => {
                if tables.is_empty() {
                    hits.push(("`VACUUM FULL`".into(), None, repack.clone()));
                }
                for t in tables {
                    hits.push(("`VACUUM FULL`".into(), Some(t.clone()), repack.clone()));
                }
            }
            Statement::Cluster { table } => {
                hits.push(("`CLUSTER`".into(), table.clone(), repack.clone()));
            }
            Statement::AlterTable(alter) if alter.kind == crate::syntax::RelKind::Table => {
                for cmd in &alter.cmds {
                    let (what, help) = match cmd {
                        AlterCmd::SetTablespace { tablespace } => (
                            format!("`SET TABLESPACE {tablespace}`"),
                            "create a new table in the target tablespace and move rows in batches, or use pg_repack's `--tablespace`".to_string(),
                        ),
                        AlterCmd::SetLogged => (
                            "`SET LOGGED`".into(),
                            "create tables with the persistence they need from the start; switching writes the whole table to the WAL".to_string(),
                        ),
                        AlterCmd::SetUnlogged => (
                            "`SET UNLOGGED`".into(),
                            "create tables with the persistence they need from the start; an unlogged table is also emptied after a crash and not replicated".to_string(),
                        ),
                        _ => continue,
                    };
                    hits.push((what, Some(alter.name.clone()), help));
                }
            }
            _ => return,
        }
        for (what, table, help) in hits {
            if table.as_ref().is_some_and(|t| !cx.is_existing_table(t)) {
                continue;
            }
            let on = match &table {
                Some(t) => format!("`{t}`"),
                None => "every table in the database, one after another,".into(),
            };
            out.push(
                Diagnostic::new(
                    META.id,
                    cx.span,
                    format!(
                        "{what} writes a complete new copy of {on} and its indexes under an `ACCESS EXCLUSIVE` lock, which blocks all reads and writes {}",
                        held_until(cx.in_transaction)
                    ),
                )
                .lock(LockMode::AccessExclusive)
                .help(help),
            );
        }
    }
}
