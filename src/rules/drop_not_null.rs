//! `drop-not-null`: new code may write NULLs that instances of the previous release cannot read.

use super::*;
use crate::syntax::AlterCmd;

declare_rule! {
    DropNotNull {
        id: "drop-not-null",
        category: Compatibility,
        severity: Info,
        fix: Guidance,
    }
}

impl Rule for DropNotNull {
    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Diagnostic>) {
        let Some((alter, table)) = cx.existing_alter_and_table() else {
            return;
        };
        for cmd in &alter.cmds {
            let AlterCmd::DropNotNull { column } = cmd else {
                continue;
            };
            if table
                .and_then(|t| t.column(column))
                .is_some_and(|c| !c.not_null)
            {
                continue;
            }
            out.push(
                Diagnostic::new(
                    META.id,
                    cx.span,
                    format!(
                        "`{}` becomes nullable: once new code writes NULLs there, app instances still running the previous release read NULL from a column they treat as always set",
                        column_ref(&alter.name, column)
                    ),
                )
                .help("make sure the previous release handles NULL in this column (or that nothing writes NULL until it is gone) before relying on the change"),
            );
        }
    }
}
