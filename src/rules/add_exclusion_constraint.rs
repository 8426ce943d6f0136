//! `add-exclusion-constraint`: an exclusion constraint added to an existing table.

use super::*;
use crate::syntax::ConstraintKind;

declare_rule! {
    AddExclusionConstraint {
        id: "add-exclusion-constraint",
        category: Locking,
        severity: Warning,
        fix: Guidance,
    }
}

impl Rule for AddExclusionConstraint {
    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Diagnostic>) {
        let Some(alter) = cx.existing_alter() else {
            return;
        };
        for constraint in alter.added_constraints() {
            let ConstraintKind::Exclude { method, .. } = &constraint.kind else {
                continue;
            };
            out.push(
                Diagnostic::new(
                    META.id,
                    cx.span,
                    format!(
                        "adding an `EXCLUDE USING {method}` constraint builds its index and checks every row of `{}` while it {} {}; exclusion constraints cannot be built concurrently or added `NOT VALID`",
                        alter.name,
                        lock_effect(LockMode::AccessExclusive, &alter.name),
                        held_until(cx.in_transaction)
                    ),
                )
                .lock(LockMode::AccessExclusive)
                .help("create the constraint when the table is created, or run this in a maintenance window; to limit the damage set `lock_timeout` first so the statement gives up instead of queueing all traffic"),
            );
        }
    }
}
