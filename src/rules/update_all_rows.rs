//! `update-all-rows`: UPDATE or DELETE without WHERE on an existing table inside a migration.

use super::*;

declare_rule! {
    UpdateAllRows {
        id: "update-all-rows",
        category: Locking,
        severity: Warning,
        fix: Guidance,
    }
}

impl Rule for UpdateAllRows {
    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Diagnostic>) {
        let (verb, table) = match cx.stmt {
            Statement::Update {
                table,
                has_where: false,
                ..
            } => ("UPDATE", table),
            Statement::Delete {
                table,
                has_where: false,
            } => ("DELETE", table),
            _ => return,
        };
        if !cx.is_existing_table(table) {
            return;
        }
        // Rows written earlier in this migration are all there is if the table is new; for an
        // existing table the statement touches everything the application has written.
        let what = if verb == "UPDATE" {
            "rewrites every row (each one gets a new version: the table and its indexes bloat)"
        } else {
            "deletes every row"
        };
        out.push(
            Diagnostic::new(
                META.id,
                cx.span,
                format!(
                    "`{verb}` without `WHERE` on `{table}` {what} in one statement, holding row locks on all of them {} — concurrent writes to any row wait for it, and replicas lag behind the WAL it produces",
                    held_until(cx.in_transaction)
                ),
            )
            .lock(LockMode::RowExclusive)
            .help(format!(
                "backfill in batches outside the migration (a job or script that runs `{verb} ... WHERE id BETWEEN $1 AND $2` and commits after each batch), or at least add a `WHERE` that skips rows already in the desired state"
            )),
        );
    }
}
