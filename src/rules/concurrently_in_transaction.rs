//! `concurrently-in-transaction`: a CONCURRENTLY operation that PostgreSQL refuses inside a transaction block.

use super::*;
use crate::syntax::{AlterCmd, ObjectKind};

declare_rule! {
    ConcurrentlyInTransaction {
        id: "concurrently-in-transaction",
        category: Correctness,
        severity: Error,
        fix: Guidance,
    }
}

impl Rule for ConcurrentlyInTransaction {
    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Diagnostic>) {
        if !cx.in_transaction {
            return;
        }
        let what = match cx.stmt {
            Statement::CreateIndex(i) if i.concurrently => "CREATE INDEX CONCURRENTLY",
            Statement::Drop(d) if d.concurrently && d.kind == ObjectKind::Index => {
                "DROP INDEX CONCURRENTLY"
            }
            Statement::Reindex {
                concurrently: true, ..
            } => "REINDEX CONCURRENTLY",
            Statement::AlterTable(a)
                if a.cmds.iter().any(|c| {
                    matches!(
                        c,
                        AlterCmd::DetachPartition {
                            concurrently: true,
                            ..
                        }
                    )
                }) =>
            {
                "DETACH PARTITION CONCURRENTLY"
            }
            _ => return,
        };
        let (why, help) = if cx.runner_transaction {
            (
                format!("the migration runner wraps this migration in a transaction ({})", cx.transaction_reason),
                "turn the runner's transaction off for this migration (diesel: `run_in_transaction = false` in metadata.toml; sqlx: first line `-- no-transaction`; goose: `-- +goose NO TRANSACTION`; dbmate: `-- migrate:up transaction:false`; Flyway: `executeInTransaction=false` in the script's .conf) and keep the statement alone in its migration",
            )
        } else {
            (
                "it runs between `BEGIN` and `COMMIT`".to_string(),
                "move the statement out of the `BEGIN ... COMMIT` block",
            )
        };
        out.push(
            Diagnostic::new(META.id, cx.span, format!("`{what}` cannot run inside a transaction block, and {why}: the migration fails with `ERROR: {what} cannot run inside a transaction block`"))
                .help(help),
        );
    }
}
