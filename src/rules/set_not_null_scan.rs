//! `set-not-null-scan`: SET NOT NULL on an existing table scans it under an ACCESS EXCLUSIVE lock.

use super::*;
use crate::finding::Applicability;
use crate::syntax::{quote_ident, AlterCmd};

declare_rule! {
    SetNotNullScan {
        id: "set-not-null-scan",
        category: Locking,
        severity: Warning,
        fix: Recipe(SameSchema),
    }
}

impl Rule for SetNotNullScan {
    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Diagnostic>) {
        // Unlike `existing_alter`, a temporary table that an earlier migration created counts.
        let Some(alter) = cx.alter_table().filter(|a| !cx.is_new(&a.name)) else {
            return;
        };
        let table = cx.catalog.table(&alter.name);
        // A type change in the same statement that rewrites the table checks the NULLs while
        // it rewrites: no scan of its own (alter-column-type-rewrite reports the rewrite).
        let rewrites = alter.cmds.iter().any(|c| match c {
            AlterCmd::AlterColumnType {
                column,
                type_name,
                using,
            } => {
                let old = table.and_then(|t| t.column(column)).map(|c| &c.type_name);
                alter_type_rewrites(column, old, type_name, using.as_ref())
            }
            _ => false,
        });
        if rewrites {
            return;
        }
        for cmd in &alter.cmds {
            let AlterCmd::SetNotNull {
                column: column_name,
            } = cmd
            else {
                continue;
            };
            let column = &quote_ident(column_name);
            if let Some(t) = table {
                if t.column(column_name).is_some_and(|c| c.not_null) {
                    continue;
                }
                if cx.pg_version >= 12 && t.has_validated_not_null_check(column_name) {
                    continue;
                }
            }
            let check = sql_object_name(&alter.name.name, Some(column_name), "not_null");
            let mut diag = Diagnostic::new(
                META.id,
                cx.span,
                format!(
                    "`SET NOT NULL` on `{}.{column}` scans the whole table to check for NULLs while it {} {}",
                    alter.name,
                    lock_effect(LockMode::AccessExclusive, &alter.name),
                    held_until(cx.in_transaction)
                ),
            )
            .lock(LockMode::AccessExclusive);
            if cx.pg_version >= 12 {
                diag = diag
                    .help(format!("first add `CHECK ({column} IS NOT NULL) NOT VALID` and validate it in a separate transaction; PostgreSQL 12+ then uses the validated check and `SET NOT NULL` skips the scan (assumed PostgreSQL {})", cx.pg_version));
                // The fix replaces the whole statement: offered only when the statement does
                // nothing else, so that no other command of the `ALTER TABLE` is dropped.
                if alter.cmds.len() == 1 {
                    diag = diag.fix(
                        format!(
                            "ALTER TABLE {t} ADD CONSTRAINT {check} CHECK ({column} IS NOT NULL) NOT VALID;\n-- in a separate transaction:\nALTER TABLE {t} VALIDATE CONSTRAINT {check};\nALTER TABLE {t} ALTER COLUMN {column} SET NOT NULL;\nALTER TABLE {t} DROP CONSTRAINT {check};",
                            t = alter.name
                        ),
                        Applicability::Safe,
                    );
                }
            } else {
                diag = diag.help(format!(
                    "PostgreSQL {} has no way to skip the scan: run it when the table is quiet, or keep the column nullable and enforce `CHECK ({column} IS NOT NULL)` added `NOT VALID` and validated separately",
                    cx.pg_version
                ));
            }
            out.push(diag);
        }
    }
}

#[cfg(test)]
mod tests {
    /// The fixes offered for `SET NOT NULL` in the second migration, one per finding.
    fn fixes(alter: &str) -> Vec<Option<String>> {
        crate::rules::findings_after(
            "CREATE TABLE owners (id bigint PRIMARY KEY);\nCREATE TABLE pets (id bigint PRIMARY KEY, owner_id bigint, name text);",
            alter,
            "set-not-null-scan",
        )
        .into_iter()
        .map(|f| f.fix.map(|fix| fix.sql))
        .collect()
    }

    /// The fix replaces the whole statement: it is offered for a statement that only sets the
    /// column NOT NULL, never for one whose other commands (here a foreign key, or a second
    /// column) it would drop.
    #[test]
    fn the_fix_never_drops_the_statements_other_commands() {
        let alone = fixes("ALTER TABLE pets ALTER COLUMN owner_id SET NOT NULL;");
        assert_eq!(alone.len(), 1);
        let fix = alone[0].as_deref().expect("a fix for a lone SET NOT NULL");
        assert!(fix.contains("CHECK (owner_id IS NOT NULL) NOT VALID"), "{fix}");
        let with_fk = fixes(
            "ALTER TABLE pets ALTER COLUMN owner_id SET NOT NULL, ADD FOREIGN KEY (owner_id) REFERENCES owners (id);",
        );
        assert_eq!(with_fk, vec![None]);
        let two = fixes("ALTER TABLE pets ALTER COLUMN owner_id SET NOT NULL, ALTER COLUMN name SET NOT NULL;");
        assert_eq!(two, vec![None, None]);
    }
}
