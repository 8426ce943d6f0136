//! `drop-column-default`: removing a default that inserts from running app instances rely on.

use super::*;
use crate::syntax::AlterCmd;

declare_rule! {
    DropColumnDefault {
        id: "drop-column-default",
        category: Compatibility,
        severity: Warning,
        fix: Guidance,
    }
}

impl Rule for DropColumnDefault {
    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Diagnostic>) {
        let Some((alter, Some(table))) = cx.existing_alter_and_table() else {
            return;
        };
        for cmd in &alter.cmds {
            let AlterCmd::SetDefault { column, default } = cmd else {
                continue;
            };
            if default.as_ref().is_some_and(|d| !d.is_null_literal()) {
                continue;
            }
            let Some(col) = table.column(column) else {
                continue;
            };
            let Some(old) = col.default.as_ref().filter(|d| !d.is_null_literal()) else {
                continue;
            };
            // A serial column's sequence default dropped together with the column's identity
            // conversion is a different rule's business.
            if alter
                .cmds
                .iter()
                .any(|c| matches!(c, AlterCmd::AddIdentity { column: c2, .. } if c2 == column))
            {
                continue;
            }
            let name = column_ref(&alter.name, column);
            let outcome = if col.not_null {
                "now fail with a `NOT NULL` violation"
            } else {
                "now store NULL instead"
            };
            out.push(
                Diagnostic::new(
                    META.id,
                    cx.span,
                    format!(
                        "dropping the default `{}` of `{name}`: inserts from app instances that leave the column out (the previous release, other services, manual scripts) {outcome}",
                        old.text
                    ),
                )
                .help("release code that always sets the column first, deploy it everywhere, then drop the default in a later migration"),
            );
        }
    }
}
