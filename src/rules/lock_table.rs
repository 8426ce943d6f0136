//! `lock-table`: an explicit LOCK TABLE in a migration.

use super::*;

declare_rule! {
    LockTable {
        id: "lock-table",
        category: Locking,
        severity: Warning,
        fix: Guidance,
    }
}

impl Rule for LockTable {
    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Diagnostic>) {
        let Statement::Lock { tables, mode } = cx.stmt else {
            return;
        };
        if *mode < LockMode::Share {
            return;
        }
        for table in tables.iter().filter(|t| cx.is_existing_table(t)) {
            out.push(
                Diagnostic::new(
                    META.id,
                    cx.span,
                    format!(
                        "`LOCK TABLE {table} IN {} MODE` {} until the transaction commits, on purpose",
                        mode.sql(),
                        lock_effect(*mode, table).trim_end_matches(',')
                    ),
                )
                .lock(*mode)
                .help("keep the transaction that holds the lock as short as possible, set `lock_timeout` before it, and check whether the statements after it need this lock at all (most DDL takes the lock it needs itself)"),
            );
        }
    }
}
