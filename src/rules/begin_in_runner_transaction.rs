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
        // In a message's implicit transaction (the runner sends the file as one message),
        // `BEGIN` and `COMMIT` are how a file shapes its own transactions, as golang-migrate's
        // documentation suggests: PostgreSQL turns the implicit block into an ordinary one at
        // `BEGIN` without a warning. Only a mismatched pair is wrong there, as in a file the
        // runner does not wrap.
        if !cx.runner_transaction || cx.runner_implicit {
            // The file manages its own transactions: a `BEGIN` inside one it opened, or a
            // `COMMIT` when none is open, is a mismatched pair. With syntax errors in the file a
            // `BEGIN` or `COMMIT` may be hidden in what did not parse: pgproof cannot tell.
            if cx.part_has_errors {
                return;
            }
            let open = if cx.runner_implicit {
                cx.explicit_transaction
            } else {
                cx.in_transaction
            };
            let message = match tx {
                TxKind::Begin if open => "`BEGIN` inside a transaction this migration already opened: PostgreSQL does not nest transactions and only warns `there is already a transaction in progress`, so the first `COMMIT` ends the whole transaction and the statements after it run without one",
                TxKind::Commit | TxKind::Rollback if !open && cx.runner_implicit => "this ends a transaction that is not open (none was begun, or an earlier `COMMIT` or `ROLLBACK` already ended it): PostgreSQL only warns `there is no transaction in progress`, and ends the implicit transaction of the message early, committing what ran before it",
                TxKind::Commit | TxKind::Rollback if !open => "this ends a transaction that is not open (an earlier `COMMIT` or `ROLLBACK` already ended it): PostgreSQL only warns `there is no transaction in progress`, and the statements since then ran without a transaction, each committed on its own",
                // Refused outright outside a transaction block (an implicit one included).
                TxKind::Chain if !open => "`... AND CHAIN` with no transaction block open: PostgreSQL refuses it (`COMMIT AND CHAIN can only be used in transaction blocks`) and the migration fails",
                TxKind::Savepoint | TxKind::Release | TxKind::RollbackTo if !open => "a savepoint with no transaction block open: PostgreSQL refuses it (`SAVEPOINT can only be used in transaction blocks`) and the migration fails",
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
            // The file's last statement: nothing runs after it, but the runner's bookkeeping.
            TxKind::Commit if cx.later.is_empty() => format!(
                "`COMMIT` as the last statement of a migration the runner wraps in a transaction ({}): it ends the runner's transaction before the runner records the migration as applied, so a failure in between leaves this work committed while the migration counts as not applied, and the runner's own `COMMIT` only warns `there is no transaction in progress`",
                cx.transaction_reason
            ),
            TxKind::Rollback if cx.later.is_empty() => format!(
                "`ROLLBACK` as the last statement of a migration the runner wraps in a transaction ({}): it undoes the whole migration, and the runner then records it as applied outside any transaction: the migration counts as applied with none of its work done",
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

#[cfg(test)]
mod tests {
    use crate::engine::{lint_texts, TextMigration, Texts};

    /// The rule's messages on one sqlx migration (which sqlx wraps in a transaction).
    fn messages(sql: &str) -> Vec<String> {
        let texts = Texts {
            root: "m".into(),
            layout: crate::source::Layout::Sqlx,
            migrations: vec![TextMigration::file("1_a.sql", sql)],
        };
        lint_texts(texts, vec![], &crate::config::Settings::default(), None)
            .expect("lint runs")
            .findings
            .into_iter()
            .filter(|f| f.rule == "begin-in-runner-transaction")
            .map(|f| f.message)
            .collect()
    }

    /// A `COMMIT` that ends the file has no statements after it to leave without a transaction:
    /// what it changes is that the work is committed before the runner records the migration.
    #[test]
    fn a_commit_that_ends_the_file_commits_before_the_runner_records_it() {
        let last = messages("CREATE TABLE t (id int);\nCOMMIT;");
        assert_eq!(last.len(), 1, "{last:?}");
        assert!(
            last[0].contains("before the runner records the migration as applied")
                && !last[0].contains("statements after it"),
            "{}",
            last[0]
        );
        let rollback = messages("CREATE TABLE t (id int);\nROLLBACK;");
        assert!(rollback[0].contains("none of its work done"), "{rollback:?}");
        let middle = messages("CREATE TABLE t (id int);\nCOMMIT;\nCREATE TABLE u (id int);");
        assert_eq!(middle.len(), 1, "{middle:?}");
        assert!(middle[0].contains("the statements after it run without one"), "{}", middle[0]);
    }
}
