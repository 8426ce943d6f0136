//! `backfill-in-ddl-transaction`: a data change after DDL on the same table in one transaction,
//! so the DDL's lock is held for the whole backfill.

use super::*;

declare_rule! {
    BackfillInDdlTransaction {
        id: "backfill-in-ddl-transaction",
        category: Locking,
        severity: Warning,
        fix: Guidance,
    }
}

impl Rule for BackfillInDdlTransaction {
    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Diagnostic>) {
        if !cx.in_transaction {
            return;
        }
        let table = match cx.stmt {
            Statement::Update { table, .. } | Statement::Delete { table, .. } => table,
            Statement::Insert {
                table,
                has_select: true,
                ..
            } => table,
            _ => return,
        };
        if !cx.is_existing_table(table) {
            return;
        }
        let Some(held) = cx
            .held_locks
            .iter()
            .filter(|h| &h.table == table && h.mode >= LockMode::ShareRowExclusive)
            .max_by_key(|h| h.mode)
        else {
            return;
        };
        out.push(
            Diagnostic::new(
                META.id,
                cx.span,
                format!(
                    "this data change runs in the same transaction as earlier DDL on `{table}`, which holds the `{}` lock on it until commit: for the whole backfill {}",
                    held.mode.sql(),
                    match held.mode {
                        LockMode::AccessExclusive => "nothing can read or write the table",
                        _ => "nothing can write the table",
                    }
                ),
            )
            .lock(held.mode)
            .help("commit the DDL first and backfill afterwards in batches, outside the migration or in a later migration without the runner's transaction"),
        );
    }
}
