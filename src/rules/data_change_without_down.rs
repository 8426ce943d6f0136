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

fn touches(stmt: &StmtKind, table: &QualName) -> bool {
    match stmt {
        StmtKind::Insert { table: t, .. }
        | StmtKind::Update { table: t, .. }
        | StmtKind::Delete { table: t, .. } => t == table,
        StmtKind::Truncate { tables, .. } => tables.contains(table),
        StmtKind::Drop(d) => d.names.contains(table),
        StmtKind::Do { .. } | StmtKind::Other { .. } => true,
        _ => false,
    }
}

impl Rule for DataChangeWithoutDown {
    fn check_migration(&self, cx: &MigrationContext<'_>, out: &mut Vec<MigrationDiagnostic>) {
        if !cx.has_down {
            return;
        }
        let Some(before) = cx.before else {
            return;
        };
        for s in cx.statements {
            let (verb, table) = match s.stmt {
                StmtKind::Insert { table, .. } => ("inserts into", table),
                StmtKind::Update { table, .. } => ("updates", table),
                _ => continue,
            };
            if !before.tables.contains_key(table) || cx.created.contains(table) {
                continue;
            }
            if cx.down.iter().any(|d| touches(&d.kind, table)) {
                continue;
            }
            out.push(MigrationDiagnostic {
                part: Part::Up,
                diagnostic: Diagnostic::new(
                    META.id,
                    s.span,
                    format!(
                        "the up part {verb} `{table}`, but the down part leaves its rows alone: after a rollback the data still has the up part's changes, which the previous release may not expect"
                    ),
                )
                .help("undo the data change in the down part (delete the inserted rows, restore the updated values), or state in a comment there why it is safe to keep"),
            });
        }
    }
}
