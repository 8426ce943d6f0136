//! `constraint-rejects-old-writes`: a new NOT NULL, CHECK or UNIQUE rule that writes from the
//! previous release may break.

use super::*;
use crate::syntax::{AlterCmd, ConstraintKind};

declare_rule! {
    ConstraintRejectsOldWrites {
        id: "constraint-rejects-old-writes",
        category: Compatibility,
        severity: Info,
        fix: Guidance,
    }
}

impl Rule for ConstraintRejectsOldWrites {
    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Diagnostic>) {
        let Some((alter, table)) = cx.existing_alter_and_table() else {
            return;
        };
        for cmd in &alter.cmds {
            let rule = match cmd {
                AlterCmd::SetNotNull { column } => {
                    // Already NOT NULL, or already enforced by a CHECK (the safe SET NOT NULL recipe).
                    if table.is_some_and(|t| {
                        t.column(column).is_some_and(|c| c.not_null)
                            || t.constraints.iter().any(|c| {
                                matches!(&c.kind, ConstraintKind::Check { expr } if crate::catalog::is_not_null_check(&expr.text, column))
                            })
                    }) {
                        continue;
                    }
                    format!("`{}` must now be set", column_ref(&alter.name, column))
                }
                AlterCmd::AddConstraint { constraint } => match &constraint.kind {
                    ConstraintKind::Check { expr } => {
                        if crate::catalog::is_not_null_check(
                            &expr.text,
                            expr.columns.first().map_or("", |c| c.as_str()),
                        ) {
                            format!(
                                "`{}` must now be set",
                                column_ref(
                                    &alter.name,
                                    expr.columns.first().map_or("", |c| c.as_str())
                                )
                            )
                        } else {
                            format!("values must now satisfy `CHECK ({})`", expr.text)
                        }
                    }
                    ConstraintKind::Unique { columns, .. } => {
                        format!("({}) must now be unique", columns.join(", "))
                    }
                    _ => continue,
                },
                _ => continue,
            };
            out.push(
                Diagnostic::new(
                    META.id,
                    cx.span,
                    format!(
                        "on `{}`, {rule}: app instances still running the previous release may write rows that break this rule, and those writes now fail",
                        alter.name
                    ),
                )
                .help("release code that already obeys the rule first and deploy it everywhere; then add the constraint"),
            );
        }
    }
}
