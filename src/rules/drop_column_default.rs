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
            // The same statement may make the column nullable, in any order of its commands.
            let made_nullable = alter
                .cmds
                .iter()
                .any(|c| matches!(c, AlterCmd::DropNotNull { column: c2 } if c2 == column));
            let required = col.not_null && !made_nullable;
            let message = match given_earlier(cx, &alter.name, column) {
                // A default this migration set on an existing column was never seen by anything
                // running: dropping it changes nothing they rely on.
                Some(Given::Default) => continue,
                // A column this migration added: the previous release does not know it, so its
                // inserts leave it out; nullable, they store NULL as they would have anyway.
                Some(Given::Column) if !required => continue,
                Some(Given::Column) => format!(
                    "dropping the default `{}` of `{name}`, a column this migration added: inserts from app instances that do not know the column yet (the previous release, other services, manual scripts) fail with a `NOT NULL` violation",
                    old.text
                ),
                None => format!(
                    "dropping the default `{}` of `{name}`: inserts from app instances that leave the column out (the previous release, other services, manual scripts) {}",
                    old.text,
                    if required {
                        "now fail with a `NOT NULL` violation"
                    } else {
                        "now store NULL instead"
                    }
                ),
            };
            out.push(
                Diagnostic::new(META.id, cx.span, message)
                .help("release code that always sets the column first, deploy it everywhere, then drop the default in a later migration"),
            );
        }
    }
}

/// What an earlier statement of this migration gave `column` of `table`.
enum Given {
    /// It added the column.
    Column,
    /// It set the column's default.
    Default,
}

/// Whether an earlier statement of this migration added `column` to `table` or set its default.
fn given_earlier(cx: &StatementContext<'_>, table: &QualName, column: &str) -> Option<Given> {
    let mut given = None;
    for s in cx.earlier {
        let Statement::AlterTable(a) = &s.kind else {
            continue;
        };
        if &a.name != table {
            continue;
        }
        for c in &a.cmds {
            match c {
                AlterCmd::AddColumn { column: def, .. } if def.name == column => {
                    return Some(Given::Column)
                }
                AlterCmd::SetDefault {
                    column: c2,
                    default: Some(d),
                } if c2 == column && !d.is_null_literal() => given = Some(Given::Default),
                _ => {}
            }
        }
    }
    given
}
