//! `drop-index-non-concurrently`: a plain DROP INDEX on a table that is in use.

use super::*;
use crate::finding::Applicability;
use crate::syntax::ObjectKind;

declare_rule! {
    DropIndexNonConcurrently {
        id: "drop-index-non-concurrently",
        category: Locking,
        severity: Warning,
        fix: Recipe(SameSchema),
    }
}

impl Rule for DropIndexNonConcurrently {
    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Diagnostic>) {
        let Statement::Drop(drop) = cx.stmt else {
            return;
        };
        if drop.kind != ObjectKind::Index || drop.concurrently {
            return;
        }
        for name in &drop.names {
            if cx.is_new(name) {
                continue;
            }
            let index = cx.catalog.indexes.get(name);
            if index.is_none() && drop.if_exists {
                // Unknown to the replayed history and guarded: nothing to lock.
                continue;
            }
            let table = index.map(|i| i.table.clone());
            if table.as_ref().is_some_and(|t| !cx.is_existing_table(t)) {
                continue;
            }
            let on = table
                .as_ref()
                .map(|t| format!("`{t}`"))
                .unwrap_or_else(|| "its table".into());
            let mut diag = Diagnostic::new(
                META.id,
                cx.span,
                format!(
                    "`DROP INDEX` without `CONCURRENTLY` takes an `ACCESS EXCLUSIVE` lock on {on}, which blocks all reads and writes {}; while it waits for running queries to finish, every new query on the table queues behind it",
                    held_until(cx.in_transaction)
                ),
            )
            .lock(LockMode::AccessExclusive);
            if index.is_some_and(|i| i.constraint.is_some()) {
                diag = diag.help("this index backs a constraint: drop the constraint instead (`ALTER TABLE ... DROP CONSTRAINT`), which cannot be done concurrently");
                out.push(diag);
                continue;
            }
            let multiple = drop.names.len() > 1;
            let mut help = "drop it with `DROP INDEX CONCURRENTLY`, which waits for running queries without blocking new ones".to_string();
            if cx.in_transaction {
                help.push_str(", outside a transaction (it cannot run inside one)");
            }
            if multiple || drop.cascade {
                help.push_str(
                    "; `CONCURRENTLY` drops one index per statement and does not allow `CASCADE`",
                );
            }
            let if_exists = if drop.if_exists { "IF EXISTS " } else { "" };
            let applicability = if cx.in_transaction || drop.cascade {
                Applicability::Unsafe
            } else {
                Applicability::Safe
            };
            diag = diag.help(help).fix(
                format!("DROP INDEX CONCURRENTLY {if_exists}{name};"),
                applicability,
            );
            out.push(diag);
        }
    }
}
