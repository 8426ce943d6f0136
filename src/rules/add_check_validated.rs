//! `add-check-validated`: a CHECK constraint added to an existing table without NOT VALID.

use super::*;
use crate::finding::Applicability;
use crate::syntax::ConstraintKind;

declare_rule! {
    AddCheckValidated {
        id: "add-check-validated",
        category: Locking,
        severity: Warning,
        fix: Recipe(SameSchema),
    }
}

impl Rule for AddCheckValidated {
    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Diagnostic>) {
        // Unlike `existing_alter`, a temporary table that an earlier migration created counts.
        let Some(alter) = cx.alter_table().filter(|a| !cx.is_new(&a.name)) else {
            return;
        };
        for constraint in alter.added_constraints() {
            let ConstraintKind::Check { expr } = &constraint.kind else {
                continue;
            };
            if constraint.not_valid {
                continue;
            }
            let name = constraint.name.clone().unwrap_or_else(|| {
                sql_object_name(
                    &alter.name.name,
                    expr.columns.first().map(String::as_str),
                    "check",
                )
            });
            let mut diag = Diagnostic::new(
                META.id,
                cx.span,
                format!(
                    "adding check constraint `{name}` scans every row of `{}` while it {} {}",
                    alter.name,
                    lock_effect(LockMode::AccessExclusive, &alter.name),
                    held_until(cx.in_transaction)
                ),
            )
            .lock(LockMode::AccessExclusive)
            .help("add the constraint `NOT VALID` (instant), then `VALIDATE CONSTRAINT` in a separate transaction, which does not block reads or writes");
            if alter.cmds.len() == 1 {
                diag = diag.fix(
                    format!(
                        "ALTER TABLE {t} ADD CONSTRAINT {name} CHECK ({e}) NOT VALID;\n-- in a separate transaction:\nALTER TABLE {t} VALIDATE CONSTRAINT {name};",
                        t = alter.name,
                        e = expr.text
                    ),
                    Applicability::Safe,
                );
            }
            out.push(diag);
        }
    }
}
