//! `missing-down-migration`: a migration with no down part in a project that writes them.

use super::*;

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
