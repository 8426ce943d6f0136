//! `drop-column`: dropping a column that running app instances may still read or write.

use super::*;
use crate::syntax::{quote_ident, AlterCmd};

declare_rule! {
    DropColumn {
        id: "drop-column",
        category: Compatibility,
        severity: Warning,
        fix: Guidance,
    }
}

impl Rule for DropColumn {
    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Diagnostic>) {
        let Statement::AlterTable(alter) = cx.stmt else {
            return;
        };
        if cx.is_new(&alter.name) || alter.kind != crate::syntax::RelKind::Table {
            return;
        }
        for cmd in &alter.cmds {
            let AlterCmd::DropColumn { name, .. } = cmd else {
                continue;
            };
            if let Some(table) = cx.catalog.table(&alter.name) {
                if table.column(name).is_none() {
                    continue;
                }
            }
            out.push(
                Diagnostic::new(
                    META.id,
                    cx.span,
                    format!("dropping column `{}.{}` breaks app instances still running code that selects, inserts or updates it, and its data is gone for good", alter.name, quote_ident(name)),
                )
                .lock(LockMode::AccessExclusive)
                .help(format!("expand/contract: first release code that no longer reads or writes `{name}` (tell the ORM to ignore it), deploy it everywhere, then drop the column in a later release"))
                .note("the drop itself is quick (catalog only), but it waits for an `ACCESS EXCLUSIVE` lock, queueing all traffic behind any long-running query on the table"),
            );
        }
    }
}
