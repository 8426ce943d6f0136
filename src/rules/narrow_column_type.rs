//! `narrow-column-type`: a column type change that rejects values old app instances still write.

use super::*;
use crate::syntax::AlterCmd;

declare_rule! {
    NarrowColumnType {
        id: "narrow-column-type",
        category: Compatibility,
        severity: Warning,
        fix: Guidance,
    }
}

impl Rule for NarrowColumnType {
    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Diagnostic>) {
        let Some((alter, Some(table))) = cx.existing_alter_and_table() else {
            return;
        };
        for cmd in &alter.cmds {
            let AlterCmd::AlterColumnType {
                column, type_name, ..
            } = cmd
            else {
                continue;
            };
            let Some(old) = table.column(column).map(|c| &c.type_name) else {
                continue;
            };
            if classify_type_change(old, type_name) != TypeChange::Narrowing {
                continue;
            }
            let col = column_ref(&alter.name, column);
            out.push(
                Diagnostic::new(
                    META.id,
                    cx.span,
                    format!(
                        "narrowing `{col}` from `{old}` to `{type_name}` fails the migration if any existing value does not fit, and afterwards app instances still running the previous release get errors when they write values the old type allowed"
                    ),
                )
                .lock(LockMode::AccessExclusive)
                .help(format!(
                    "first release code that only writes values that fit `{type_name}`, enforce it with a `CHECK ... NOT VALID` constraint validated separately, fix the existing rows, and narrow the type in a later release (or keep `{old}` and the CHECK)"
                )),
            );
        }
    }
}
