//! `unterminated-transaction`: a BEGIN with no COMMIT before the end of the migration.

use super::*;
use crate::syntax::TxKind;

declare_rule! {
    UnterminatedTransaction {
        id: "unterminated-transaction",
        category: Correctness,
        severity: Error,
        fix: Guidance,
    }
}

impl Rule for UnterminatedTransaction {
    fn check_migration(&self, cx: &MigrationContext<'_>, out: &mut Vec<Diagnostic>) {
        let mut open: Option<Span> = None;
        for s in cx.statements {
            match s.stmt {
                Statement::Transaction { tx: TxKind::Begin } if open.is_none() => {
                    open = Some(s.span)
                }
                Statement::Transaction {
                    tx: TxKind::Commit | TxKind::Rollback | TxKind::Prepare,
                } => open = None,
                _ => {}
            }
        }
        let Some(span) = open else { return };
        out.push(
            Diagnostic::new(
                META.id,
                span,
                "this `BEGIN` has no `COMMIT` before the end of the migration: depending on the runner the work is rolled back when the connection closes, or the transaction stays open holding every lock it took",
            )
            .help("end the transaction with `COMMIT;` at the end of the migration"),
        );
    }
}
