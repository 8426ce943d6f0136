//! `lock-held-across-statements`: statements that run while the transaction holds an ACCESS
//! EXCLUSIVE lock taken earlier, keeping the table blocked until commit.

use super::*;
use crate::syntax::TxKind;

pub struct LockHeldAcrossStatements;

static META: RuleMeta = RuleMeta {
    id: "lock-held-across-statements",
    category: Category::Locking,
    severity: Severity::Warning,
    fix: FixKind::Guidance,
    doc: include_str!("../../lints/lock-held-across-statements.md"),
    doc_examples: true,
};

/// Statements that end the transaction or cost nothing while a lock is held.
fn trivial(stmt: &StmtKind) -> bool {
    matches!(
        stmt,
        StmtKind::Transaction { .. }
            | StmtKind::Set { .. }
            | StmtKind::Comment { .. }
            | StmtKind::Grant
            | StmtKind::Select
    )
}

impl Rule for LockHeldAcrossStatements {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Diagnostic>) {
        if !cx.in_transaction || trivial(cx.stmt) {
            return;
        }
        if matches!(
            cx.stmt,
            StmtKind::Transaction {
                tx: TxKind::Commit | TxKind::Rollback
            }
        ) {
            return;
        }
        // Report once per transaction: at the first real statement after the first exclusive lock
        // on a table that existed before the migration.
        let Some(first) = cx
            .held_locks
            .iter()
            .find(|h| h.mode == LockMode::AccessExclusive && cx.is_existing_table(&h.table))
        else {
            return;
        };
        // A statement on the same table only extends the lock by its own duration, which the
        // rules for that statement judge; report the first statement that brings other work
        // into the window.
        let same_table_only = |stmt: &StmtKind| {
            let locks = crate::locks::table_locks(stmt, cx.catalog);
            !locks.is_empty() && locks.iter().all(|(t, _)| t == &first.table)
        };
        if same_table_only(cx.stmt) {
            return;
        }
        let already_reported = cx
            .earlier_in_transaction()
            .iter()
            .filter(|s| s.span.start > first.span.start)
            .any(|s| !trivial(&s.kind) && !same_table_only(&s.kind));
        if already_reported {
            return;
        }
        out.push(
            Diagnostic::new(
                META.id,
                cx.span,
                format!(
                    "`{}` stays locked `ACCESS EXCLUSIVE` (all reads and writes blocked) from the earlier statement until the transaction commits, so this statement and every later one in the transaction run while the table is unreachable",
                    first.table
                ),
            )
            .lock(LockMode::AccessExclusive)
            .help("take the exclusive lock last: run slow statements (index builds, backfills, validations, changes to other tables) before it or in separate migrations, and keep the statement that takes it short"),
        );
    }
}
