//! `begin-in-runner-transaction`: BEGIN/COMMIT written in a migration the runner already wraps.

use super::*;
use crate::syntax::TxKind;

pub struct BeginInRunnerTransaction;

static META: RuleMeta = RuleMeta {
    id: "begin-in-runner-transaction",
    category: Category::Correctness,
    severity: Severity::Warning,
    fix: FixKind::Guidance,
    doc: include_str!("../../lints/begin-in-runner-transaction.md"),
    doc_examples: false,
};

impl Rule for BeginInRunnerTransaction {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Diagnostic>) {
        if !cx.runner_transaction {
            return;
        }
        let StmtKind::Transaction { tx } = cx.stmt else {
            return;
        };
        let message = match tx {
            TxKind::Begin => format!(
                "`BEGIN` inside a migration the runner already wraps in a transaction ({}): PostgreSQL only warns `there is already a transaction in progress`, and the file's own `COMMIT` then commits the runner's transaction early",
                cx.transaction_reason
            ),
            TxKind::Commit | TxKind::Rollback => format!(
                "`{}` inside a migration the runner wraps in a transaction ({}): it ends the runner's transaction, so the statements after it run without one and the runner's own `COMMIT` or rollback no longer covers them",
                if *tx == TxKind::Commit { "COMMIT" } else { "ROLLBACK" },
                cx.transaction_reason
            ),
            _ => return,
        };
        out.push(Diagnostic::new(META.id, cx.span, message).help(
            "remove the explicit `BEGIN`/`COMMIT` and let the runner manage the transaction, or turn the runner's transaction off for this migration if it must manage its own",
        ));
    }
}
