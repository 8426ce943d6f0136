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

/// The `CONCURRENTLY` operation `stmt` is, in words; None for any other statement.
fn concurrent_operation(stmt: &Statement) -> Option<&'static str> {
    Some(match stmt {
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
        _ => return None,
    })
}

impl Rule for ConcurrentlyInTransaction {
    /// The down part, run as its runner runs it: a rollback that fails there leaves the
    /// deployment stuck half-way back. Its own `BEGIN`/`COMMIT` are followed; a down part with
    /// syntax errors may hide one, so pgproof cannot tell there.
    fn check_migration(&self, cx: &MigrationContext<'_>, out: &mut Vec<Diagnostic>) {
        if cx.down_has_errors {
            return;
        }
        let runner = cx.down_transaction;
        for (stmt, _) in cx
            .down
            .iter()
            .zip(cx.down_in_transaction)
            .filter(|(_, in_tx)| **in_tx)
        {
            let Some(what) = concurrent_operation(&stmt.kind) else {
                continue;
            };
            let why = if runner.wraps(cx.down.len()) {
                format!(
                    "the migration runner runs this down part in a transaction ({})",
                    runner.reason
                )
            } else {
                "it runs between `BEGIN` and `COMMIT`".to_string()
            };
            out.push(
                Diagnostic::new(META.id, stmt.span, format!("`{what}` cannot run inside a transaction block, and {why}: rolling the migration back fails with `ERROR: {what} cannot run inside a transaction block`"))
                    .help("run the down part outside the runner's transaction (diesel: `run_in_transaction = false` in the migration's metadata.toml, for both parts; sqlx: `-- no-transaction` as the down file's first line; dbmate: `-- migrate:down transaction:false`; Flyway: `executeInTransaction=false` in the undo script's .conf), keeping the statement alone in it, or drop the index without `CONCURRENTLY` if a short lock is acceptable during a rollback")
                    .at(Anchor::Down),
            );
        }
    }

    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Diagnostic>) {
        if !cx.in_transaction {
            return;
        }
        let Some(what) = concurrent_operation(cx.stmt) else {
            return;
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
