//! `drop-table`: dropping a table that running app instances may still use.

use super::*;
use crate::syntax::ObjectKind;

declare_rule! {
    DropTable {
        id: "drop-table",
        category: Compatibility,
        severity: Warning,
        fix: Guidance,
    }
}

impl Rule for DropTable {
    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Diagnostic>) {
        let Statement::Drop(drop) = cx.stmt else {
            return;
        };
        if drop.kind != ObjectKind::Table {
            return;
        }
        for name in &drop.names {
            if !cx.is_existing_table(name) {
                continue;
            }
            if drop.if_exists && cx.catalog.table(name).is_none() {
                continue;
            }
            out.push(
                Diagnostic::new(
                    META.id,
                    cx.span,
                    format!(
                        "dropping table `{name}` breaks app instances still running code that reads or writes it, and its data is gone for good; the drop also waits for an `ACCESS EXCLUSIVE` lock, queueing all traffic on the table behind any running query"
                    ),
                )
                .lock(LockMode::AccessExclusive)
                .help(format!(
                    "expand/contract: release code that no longer uses `{name}`, deploy it everywhere, then drop the table in a later migration (optionally rename it first, e.g. to `{}_deprecated`, to find stragglers quickly)",
                    name.name
                )),
            );
        }
    }
}
