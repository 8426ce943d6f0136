//! `missing-down-migration`: a migration with no down part in a project that writes them.

use super::*;
use crate::syntax::AlterCmd;

declare_rule! {
    MissingDownMigration {
        id: "missing-down-migration",
        category: Correctness,
        severity: Info,
        fix: None,
        doc_examples: false,
    }
}

impl Rule for MissingDownMigration {
    fn check_migration(&self, cx: &MigrationContext<'_>, out: &mut Vec<Diagnostic>) {
        if !cx.supports_down || cx.has_down || !cx.set_has_downs || cx.statements.is_empty() {
            return;
        }
        // An empty down part is the right one for an up part that changes nothing a rollback
        // would undo (validating constraints, rebuilding indexes, refreshing or vacuuming).
        if cx.down_written && cx.statements.iter().all(|s| nothing_to_undo(s.stmt)) {
            return;
        }
        let span = cx.statements.first().map(|s| s.span).unwrap_or_default();
        out.push(
            Diagnostic::new(
                META.id,
                span,
                format!(
                    "migration `{}` has no down part (or an empty one), while other migrations in this set have one: it cannot be rolled back",
                    cx.id
                ),
            )
            .help("write the down part that undoes this migration, or, if the change cannot be reversed, make the down part fail on purpose (raise an error in a `DO` block) so a rollback stops with a clear message"),
        );
    }
}

/// Whether `stmt` leaves the schema as it found it, so that undoing it takes nothing (a `SET`
/// only lasts the session).
fn nothing_to_undo(stmt: &Statement) -> bool {
    match stmt {
        Statement::AlterTable(a) => {
            !a.cmds.is_empty()
                && a
                    .cmds
                    .iter()
                    .all(|c| matches!(c, AlterCmd::ValidateConstraint { .. }))
        }
        Statement::Reindex { .. }
        | Statement::RefreshMaterializedView { .. }
        | Statement::Vacuum { .. }
        | Statement::Set { .. } => true,
        _ => false,
    }
}
