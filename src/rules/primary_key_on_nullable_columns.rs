//! `primary-key-on-nullable-columns`: ADD PRIMARY KEY over nullable columns scans the table to set NOT NULL.

use super::*;
use crate::syntax::{quote_ident, AlterCmd, ConstraintKind};

declare_rule! {
    PrimaryKeyOnNullableColumns {
        id: "primary-key-on-nullable-columns",
        category: Locking,
        severity: Warning,
        fix: Recipe(SameSchema),
    }
}

impl Rule for PrimaryKeyOnNullableColumns {
    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Diagnostic>) {
        let Some((alter, Some(table))) = cx.existing_alter_and_table() else {
            return;
        };
        for constraint in alter.added_constraints() {
            let ConstraintKind::PrimaryKey { columns } = &constraint.kind else {
                continue;
            };
            // `USING INDEX`: the key columns are the index's.
            let from_index: Vec<String>;
            let columns = match &constraint.using_index {
                Some(index) if columns.is_empty() => {
                    let name = QualName::new(alter.name.schema.clone(), index.clone());
                    from_index = cx
                        .catalog
                        .indexes
                        .get(&name)
                        .map(|i| {
                            i.keys
                                .iter()
                                .filter_map(|k| k.column().map(str::to_string))
                                .collect()
                        })
                        .unwrap_or_default();
                    &from_index
                }
                _ => columns,
            };
            // Columns set NOT NULL earlier in the same statement count.
            let set_in_statement = |c: &str| {
                alter
                    .cmds
                    .iter()
                    .any(|x| matches!(x, AlterCmd::SetNotNull { column } if column == c))
            };
            let nullable: Vec<&String> = columns
                .iter()
                .filter(|c| {
                    table.column(c).is_some_and(|col| !col.not_null)
                        && !set_in_statement(c)
                        && !(cx.pg_version >= 12 && table.has_validated_not_null_check(c))
                })
                .collect();
            if nullable.is_empty() {
                continue;
            }
            let names: Vec<String> = nullable
                .iter()
                .map(|c| format!("`{}`", quote_ident(c)))
                .collect();
            let t = &alter.name;
            let steps: Vec<String> = nullable
                .iter()
                .map(|c| {
                    let check = sql_object_name(&t.name, Some(c), "not_null");
                    format!(
                        "ALTER TABLE {t} ADD CONSTRAINT {check} CHECK ({col} IS NOT NULL) NOT VALID;\nALTER TABLE {t} VALIDATE CONSTRAINT {check};\nALTER TABLE {t} ALTER COLUMN {col} SET NOT NULL;",
                        col = quote_ident(c)
                    )
                })
                .collect();
            out.push(
                Diagnostic::new(
                    META.id,
                    cx.span,
                    format!(
                        "the primary key makes {} `NOT NULL`, which scans all of `{t}` while it {} {}",
                        names.join(", "),
                        lock_effect(LockMode::AccessExclusive, t),
                        held_until(cx.in_transaction)
                    ),
                )
                .lock(LockMode::AccessExclusive)
                .help(if cx.pg_version >= 12 {
                    format!("make the columns `NOT NULL` first through a validated `CHECK (... IS NOT NULL)`, which PostgreSQL 12+ uses to skip the scan (assumed PostgreSQL {})", cx.pg_version)
                } else {
                    format!("PostgreSQL {} cannot skip the scan: run it in a quiet period", cx.pg_version)
                })
                .fix(
                    format!("{}\n-- then add the primary key (with USING INDEX, see add-unique-without-index)", steps.join("\n")),
                    crate::finding::Applicability::DisplayOnly,
                ),
            );
        }
    }
}
