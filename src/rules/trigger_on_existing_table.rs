//! `trigger-on-existing-table`: CREATE/DROP/ENABLE/DISABLE TRIGGER blocks writes on a table in use.

use super::*;
use crate::syntax::{AlterCmd, ObjectKind};

declare_rule! {
    TriggerOnExistingTable {
        id: "trigger-on-existing-table",
        category: Locking,
        severity: Info,
        fix: Guidance,
    }
}

impl Rule for TriggerOnExistingTable {
    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Diagnostic>) {
        let (what, table, mode) = match cx.stmt {
            Statement::CreateTrigger { name, table, .. } => (
                format!("`CREATE TRIGGER {name}`"),
                table,
                LockMode::ShareRowExclusive,
            ),
            Statement::Drop(d) if d.kind == ObjectKind::Trigger => {
                let Some(table) = &d.on_table else { return };
                if d.if_exists
                    && cx.catalog.table(table).is_none_or(|t| {
                        d.names
                            .iter()
                            .all(|n| !t.triggers.iter().any(|tr| tr.name == n.name))
                    })
                {
                    return;
                }
                (
                    "`DROP TRIGGER`".to_string(),
                    table,
                    LockMode::AccessExclusive,
                )
            }
            Statement::AlterTable(a)
                if a.cmds.iter().any(|c| {
                    matches!(
                        c,
                        AlterCmd::EnableTrigger { .. } | AlterCmd::DisableTrigger { .. }
                    )
                }) =>
            {
                (
                    "`ENABLE`/`DISABLE TRIGGER`".to_string(),
                    &a.name,
                    LockMode::ShareRowExclusive,
                )
            }
            _ => return,
        };
        if !cx.is_existing_table(table) {
            return;
        }
        out.push(
            Diagnostic::new(
                META.id,
                cx.span,
                format!(
                    "{what} {} {}; it is quick, but it waits behind every running query on the table and every new write queues behind it",
                    lock_effect(mode, table).trim_end_matches(','),
                    held_until(cx.in_transaction)
                ),
            )
            .lock(mode)
            .help("set `lock_timeout` (for example `SET lock_timeout = '2s'`) before the statement so it gives up instead of stalling writes, and retry"),
        );
    }
}
