//! `data-change-without-down`: the up part changes rows that its down part leaves as they are.

use super::*;

declare_rule! {
    DataChangeWithoutDown {
        id: "data-change-without-down",
        category: Correctness,
        severity: Info,
        fix: None,
    }
}

fn touches(stmt: &Statement, table: &QualName) -> bool {
    match stmt {
        Statement::Insert { table: t, .. }
        | Statement::Update { table: t, .. }
        | Statement::Delete { table: t, .. } => t == table,
        Statement::Truncate { tables, .. } => tables.contains(table),
        Statement::Drop(d) => d.names.contains(table),
        Statement::Do { .. } | Statement::Other { .. } => true,
        _ => false,
    }
}

impl Rule for DataChangeWithoutDown {
    fn check_migration(&self, cx: &MigrationContext<'_>, out: &mut Vec<Diagnostic>) {
        if !cx.has_down {
            return;
        }
        let Some(before) = cx.before else {
            return;
        };
        for s in cx.statements {
            let (verb, table) = match s.stmt {
                Statement::Insert { table, .. } => ("inserts into", table),
                Statement::Update { table, .. } => ("updates", table),
                _ => continue,
            };
            if !before.tables.contains_key(table) || cx.created.contains(table) {
                continue;
            }
            if cx.down.iter().any(|d| touches(&d.kind, table)) {
                continue;
            }
            out.push(
                Diagnostic::new(
                    META.id,
                    s.span,
                    format!(
                        "the up part {verb} `{table}`, but the down part leaves its rows alone: after a rollback the data still has the up part's changes, which the previous release may not expect"
                    ),
                )
                .help("undo the data change in the down part (delete the inserted rows, restore the updated values), or state in a comment there why it is safe to keep"),
            );
        }
    }
}
