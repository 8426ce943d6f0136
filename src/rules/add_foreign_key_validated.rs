//! `add-foreign-key-validated`: a foreign key added to an existing table without NOT VALID.

use super::*;
use crate::catalog::apply::make_object_name;
use crate::finding::Applicability;
use crate::syntax::ConstraintKind;

declare_rule! {
    AddForeignKeyValidated {
        id: "add-foreign-key-validated",
        category: Locking,
        severity: Warning,
        fix: Recipe(SameSchema),
    }
}

impl Rule for AddForeignKeyValidated {
    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Diagnostic>) {
        // Unlike `existing_alter`, a temporary table that an earlier migration created counts.
        let Some(alter) = cx.alter_table().filter(|a| !cx.is_new(&a.name)) else {
            return;
        };
        for constraint in alter.added_constraints() {
            let ConstraintKind::ForeignKey {
                columns, ref_table, ..
            } = &constraint.kind
            else {
                continue;
            };
            if constraint.not_valid {
                continue;
            }
            let name = constraint.name.clone().unwrap_or_else(|| {
                make_object_name(&alter.name.name, Some(&columns.join("_")), "fkey")
            });
            let mut diag = Diagnostic::new(
                META.id,
                cx.span,
                format!(
                    "adding foreign key `{name}` checks every existing row of `{}` while holding `SHARE ROW EXCLUSIVE` locks on `{}` and `{ref_table}`, blocking writes to both {}",
                    alter.name,
                    alter.name,
                    held_until(cx.in_transaction)
                ),
            )
            .lock(LockMode::ShareRowExclusive)
            .help("add the constraint `NOT VALID` (instant), then `VALIDATE CONSTRAINT` in a separate transaction: validation takes only a `SHARE UPDATE EXCLUSIVE` lock, so reads and writes continue");
            if alter.cmds.len() == 1 {
                let with_name = if constraint.name.is_some() {
                    cx.sql.to_string()
                } else {
                    cx.sql
                        .replacen("FOREIGN KEY", &format!("CONSTRAINT {name} FOREIGN KEY"), 1)
                        .replacen("foreign key", &format!("constraint {name} foreign key"), 1)
                };
                diag = diag.fix(
                    format!("{with_name} NOT VALID;\n-- in a separate transaction (a later migration, or after COMMIT):\nALTER TABLE {} VALIDATE CONSTRAINT {name};", alter.name),
                    Applicability::Safe,
                );
            }
            out.push(diag);
        }
    }
}
