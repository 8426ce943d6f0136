//! `validate-in-same-transaction`: VALIDATE CONSTRAINT in the transaction that added it NOT VALID.

use super::*;
use crate::syntax::AlterCmd;

declare_rule! {
    ValidateInSameTransaction {
        id: "validate-in-same-transaction",
        category: Locking,
        severity: Warning,
        fix: Guidance,
    }
}

impl Rule for ValidateInSameTransaction {
    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Diagnostic>) {
        let Some(alter) = cx.existing_alter() else {
            return;
        };
        for cmd in &alter.cmds {
            let AlterCmd::ValidateConstraint { name } = cmd else {
                continue;
            };
            let added_here = cx.earlier_in_transaction().iter().find(|s| match &s.kind {
                Statement::AlterTable(a) if a.name == alter.name => a.cmds.iter().any(|c| {
                    matches!(c, AlterCmd::AddConstraint { constraint } if constraint.not_valid && constraint.name.as_deref() == Some(name.as_str()))
                }),
                _ => false,
            });
            if added_here.is_none() {
                continue;
            }
            out.push(
                Diagnostic::new(
                    META.id,
                    cx.span,
                    format!(
                        "`VALIDATE CONSTRAINT {}` runs in the same transaction that added it `NOT VALID`: the `ADD CONSTRAINT` lock on `{}` is still held, so the validation scan runs while all reads and writes are blocked, exactly what `NOT VALID` was meant to avoid",
                        crate::syntax::quote_ident(name),
                        alter.name
                    ),
                )
                .lock(LockMode::AccessExclusive)
                .help("commit between the two: move `VALIDATE CONSTRAINT` to the next migration (or after a `COMMIT`), where it only takes a `SHARE UPDATE EXCLUSIVE` lock"),
            );
        }
    }
}
