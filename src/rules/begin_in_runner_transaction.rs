//! `begin-in-runner-transaction`: BEGIN/COMMIT written in a migration the runner already wraps,
//! and BEGIN/COMMIT that do not pair up in a migration that manages its own transactions.

use super::*;
use crate::syntax::TxKind;

declare_rule! {
    BeginInRunnerTransaction {
        id: "begin-in-runner-transaction",
        category: Correctness,
        severity: Warning,
        fix: Guidance,
        doc_examples: false,
    }
}

impl Rule for BeginInRunnerTransaction {
    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Diagnostic>) {
        let Statement::Transaction { tx } = cx.stmt else {
            return;
        };
        if !cx.runner_transaction {
            // The file manages its own transactions: a `BEGIN` inside one it opened, or a
            // `COMMIT` when none is open, is a mismatched pair. With syntax errors in the file a
            // `BEGIN` or `COMMIT` may be hidden in what did not parse: pgproof cannot tell.
            if cx.part_has_errors {
                return;
            }
            let message = match tx {
                TxKind::Begin if cx.in_transaction => "`BEGIN` inside a transaction this migration already opened: PostgreSQL does not nest transactions and only warns `there is already a transaction in progress`, so the first `COMMIT` ends the whole transaction and the statements after it run without one",
                TxKind::Commit | TxKind::Rollback if !cx.in_transaction => "this ends a transaction that is not open (an earlier `COMMIT` or `ROLLBACK` already ended it): PostgreSQL only warns `there is no transaction in progress`, and the statements since then ran without a transaction, each committed on its own",
                _ => return,
            };
            out.push(Diagnostic::new(META.id, cx.span, message).help(
                "pair each `BEGIN` with one `COMMIT`: remove the extra statement, or move the statements after the first `COMMIT` into the transaction",
            ));
            return;
        }
        let message = match tx {
            TxKind::Begin => format!(
                "`BEGIN` inside a migration the runner already wraps in a transaction ({}): PostgreSQL only warns `there is already a transaction in progress`, and the file's own `COMMIT` then commits the runner's transaction early",
                cx.transaction_reason
            ),
            TxKind::Commit | TxKind::Rollback | TxKind::Chain => format!(
                "`{}` inside a migration the runner wraps in a transaction ({}): it ends the runner's transaction, so the statements after it run without one and the runner's own `COMMIT` or rollback no longer covers them",
                match tx {
                    TxKind::Commit => "COMMIT",
                    TxKind::Rollback => "ROLLBACK",
                    _ => "... AND CHAIN",
                },
                cx.transaction_reason
            ),
            _ => return,
        };
        out.push(Diagnostic::new(META.id, cx.span, message).help(
            "remove the explicit `BEGIN`/`COMMIT` and let the runner manage the transaction, or turn the runner's transaction off for this migration if it must manage its own",
        ));
    }
}
