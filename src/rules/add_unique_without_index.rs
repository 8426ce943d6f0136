//! `add-unique-without-index`: ADD PRIMARY KEY / UNIQUE that builds its index under ACCESS EXCLUSIVE.

use super::*;
use crate::finding::Applicability;
use crate::syntax::{quote_ident, AlterCmd, ConstraintKind};

declare_rule! {
    AddUniqueWithoutIndex {
        id: "add-unique-without-index",
        category: Locking,
        severity: Warning,
        fix: Recipe(SameSchema),
    }
}

impl Rule for AddUniqueWithoutIndex {
    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Diagnostic>) {
        let Some(alter) = cx.existing_alter() else {
            return;
        };
        // Constraints added on their own, and those written on a new column
        // (`ADD COLUMN code text UNIQUE`), which build the same index under the same lock.
        let added = alter.cmds.iter().flat_map(|cmd| match cmd {
            AlterCmd::AddConstraint { constraint } => vec![(constraint, None)],
            AlterCmd::AddColumn { column, .. } => column
                .constraints
                .iter()
                .map(|c| (c, Some(column)))
                .collect(),
            _ => vec![],
        });
        // A table truncated earlier in this transaction is empty, and already locked `ACCESS
        // EXCLUSIVE` by the `TRUNCATE` (another rule's finding): the build takes no time.
        if cx.emptied_before(&alter.name) == Some(Emptied::Truncated) {
            return;
        }
        for (constraint, new_column) in added {
            if constraint.using_index.is_some() {
                continue;
            }
            let (kind, columns) = match &constraint.kind {
                ConstraintKind::PrimaryKey { columns } => ("PRIMARY KEY", columns),
                ConstraintKind::Unique { columns, .. } => ("UNIQUE", columns),
                _ => continue,
            };
            let t = &alter.name;
            let suffix = if kind == "UNIQUE" { "key" } else { "pkey" };
            let name = constraint.name.clone().unwrap_or_else(|| {
                crate::catalog::apply::make_object_name(
                    &t.name,
                    (kind == "UNIQUE").then(|| columns.join("_")).as_deref(),
                    suffix,
                )
            });
            let cols: Vec<String> = columns.iter().map(|c| quote_ident(c)).collect();
            let cols = cols.join(", ");
            let name_sql = quote_ident(&name);
            let mut diag = Diagnostic::new(
                META.id,
                cx.span,
                format!(
                    "adding `{kind}` on `{t}` ({cols}) builds a unique index while it {} {}",
                    lock_effect(LockMode::AccessExclusive, t),
                    held_until(cx.in_transaction)
                ),
            )
            .lock(LockMode::AccessExclusive)
            .help("build the unique index `CONCURRENTLY` first, then attach it with `ADD CONSTRAINT ... USING INDEX`, which only needs a brief lock");
            // A primary key makes its columns NOT NULL: on a nullable column that is a scan under
            // ACCESS EXCLUSIVE, unless a validated `CHECK (col IS NOT NULL)` proves it (12+).
            let nullable: Vec<&String> = if kind == "PRIMARY KEY" {
                let table = cx.catalog.table(t);
                columns
                    .iter()
                    .filter(|c| {
                        table.is_some_and(|tb| {
                            tb.column(c).is_some_and(|col| !col.not_null)
                                && !tb.has_validated_not_null_check(c)
                        })
                    })
                    .collect()
            } else {
                vec![]
            };
            // A new column must exist before its index can be built.
            let mut fix = match new_column {
                Some(column) => {
                    let mut add = format!(
                        "ALTER TABLE {t} ADD COLUMN {} {}",
                        quote_ident(&column.name),
                        column.type_name
                    );
                    if let Some(default) = &column.default {
                        add.push_str(&format!(" DEFAULT {}", default.text));
                    }
                    if column.not_null && kind != "PRIMARY KEY" {
                        add.push_str(" NOT NULL");
                    }
                    add.push_str(";\n");
                    add
                }
                None => String::new(),
            };
            fix.push_str(&format!(
                "CREATE UNIQUE INDEX CONCURRENTLY {name_sql} ON {t} ({cols});"
            ));
            if !nullable.is_empty() && cx.pg_version >= 12 {
                let checks: Vec<(String, &String)> = nullable
                    .iter()
                    .map(|c| {
                        (
                            quote_ident(&crate::catalog::apply::make_object_name(
                                &t.name,
                                Some(c.as_str()),
                                "not_null",
                            )),
                            *c,
                        )
                    })
                    .collect();
                for (check, c) in &checks {
                    fix.push_str(&format!(
                        "\nALTER TABLE {t} ADD CONSTRAINT {check} CHECK ({} IS NOT NULL) NOT VALID;\nALTER TABLE {t} VALIDATE CONSTRAINT {check};",
                        quote_ident(c)
                    ));
                }
                fix.push_str(&format!(
                    "\nALTER TABLE {t} ADD CONSTRAINT {name_sql} {kind} USING INDEX {name_sql};"
                ));
                for (check, _) in &checks {
                    fix.push_str(&format!("\nALTER TABLE {t} DROP CONSTRAINT {check};"));
                }
            } else {
                fix.push_str(&format!(
                    "\nALTER TABLE {t} ADD CONSTRAINT {name_sql} {kind} USING INDEX {name_sql};"
                ));
                if !nullable.is_empty() {
                    fix.push_str("\n-- the key columns are nullable: before PostgreSQL 12 this step scans the table to set NOT NULL");
                }
            }
            diag = diag.fix(fix, Applicability::Unsafe).note(
                "`CREATE INDEX CONCURRENTLY` cannot run inside a transaction: give it a migration of its own with the runner's transaction turned off",
            );
            out.push(diag);
        }
    }
}
