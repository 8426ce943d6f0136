//! `irreversible-data-loss`: the up part destroys data that its down part cannot bring back.

use super::*;
use crate::syntax::{AlterCmd, ObjectKind};

declare_rule! {
    IrreversibleDataLoss {
        id: "irreversible-data-loss",
        category: Correctness,
        severity: Info,
        fix: None,
    }
}

impl Rule for IrreversibleDataLoss {
    fn check_migration(&self, cx: &MigrationContext<'_>, out: &mut Vec<Diagnostic>) {
        if !cx.has_down {
            return;
        }
        let Some(before) = cx.before else {
            return;
        };
        let existing = |t: &QualName| before.tables.contains_key(t);
        let mut losses: Vec<String> = vec![];
        let mut first: Option<Span> = None;
        for s in cx.statements {
            let mut found = |what: String| {
                losses.push(what);
                first.get_or_insert(s.span);
            };
            match s.stmt {
                Statement::Drop(d) if d.kind == ObjectKind::Table => {
                    for n in d.names.iter().filter(|n| existing(n)) {
                        found(format!("drops table `{n}`"));
                    }
                }
                Statement::AlterTable(a) if existing(&a.name) => {
                    let table = before.table(&a.name);
                    for cmd in &a.cmds {
                        match cmd {
                            AlterCmd::DropColumn { name, .. } => {
                                found(format!("drops column `{}`", column_ref(&a.name, name)))
                            }
                            AlterCmd::AlterColumnType {
                                column, type_name, ..
                            } => {
                                let old =
                                    table.and_then(|t| t.column(column)).map(|c| &c.type_name);
                                if old.is_some_and(|o| {
                                    classify_type_change(o, type_name) == TypeChange::Narrowing
                                }) {
                                    found(format!(
                                        "narrows `{}` to `{type_name}`",
                                        column_ref(&a.name, column)
                                    ));
                                }
                            }
                            _ => {}
                        }
                    }
                }
                Statement::Truncate { tables, .. } => {
                    for t in tables.iter().filter(|t| existing(t)) {
                        found(format!("truncates `{t}`"));
                    }
                }
                Statement::Delete { table, .. } if existing(table) => {
                    found(format!("deletes rows from `{table}`"));
                }
                _ => {}
            }
        }
        let Some(span) = first else { return };
        out.push(
            Diagnostic::new(
                META.id,
                span,
                format!(
                    "this migration {}: its down part can restore the structure, not the data, so a rollback does not give back what was there",
                    losses.join(", ")
                ),
            )
            .help("take a backup (or copy the data into an archive table in the up part) before destroying it, and say in the down part that the data is not restored"),
        );
    }
}
