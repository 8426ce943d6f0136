//! `truncate-table`: TRUNCATE in a migration empties a table under ACCESS EXCLUSIVE.

use super::*;
use crate::syntax::ConstraintKind;

declare_rule! {
    TruncateTable {
        id: "truncate-table",
        category: Locking,
        severity: Warning,
        fix: Guidance,
    }
}

impl Rule for TruncateTable {
    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Diagnostic>) {
        let Statement::Truncate { tables, cascade } = cx.stmt else {
            return;
        };
        for table in tables.iter().filter(|t| cx.is_existing_table(t)) {
            let mut diag = Diagnostic::new(
                META.id,
                cx.span,
                format!(
                    "`TRUNCATE {table}` deletes every row for good while it {} {}",
                    lock_effect(LockMode::AccessExclusive, table),
                    held_until(cx.in_transaction)
                ),
            )
            .lock(LockMode::AccessExclusive)
            .help("if the data must go, delete it in batches (`DELETE ... WHERE id IN (SELECT ... LIMIT n)`) outside the migration, or make sure nothing uses the table before truncating it");
            if *cascade {
                let referencing: Vec<String> = cx
                    .catalog
                    .tables
                    .values()
                    .filter(|t| &t.name != table)
                    .filter(|t| {
                        t.constraints.iter().any(|c| {
                            matches!(&c.kind, ConstraintKind::ForeignKey { ref_table, .. } if ref_table == table)
                        })
                    })
                    .map(|t| format!("`{}`", t.name))
                    .collect();
                let also = if referencing.is_empty() {
                    "every table with a foreign key to it (none in the replayed schema)".to_string()
                } else {
                    referencing.join(", ")
                };
                diag = diag.note(format!(
                    "`CASCADE` also empties {also}, and the tables referencing those, recursively"
                ));
            }
            out.push(diag);
        }
    }
}
