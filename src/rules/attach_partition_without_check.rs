//! `attach-partition-without-check`: ATTACH PARTITION scans the partition unless a validated CHECK proves its bound.

use super::*;
use crate::syntax::{AlterCmd, ConstraintKind};

declare_rule! {
    AttachPartitionWithoutCheck {
        id: "attach-partition-without-check",
        category: Locking,
        severity: Warning,
        fix: Guidance,
    }
}

impl Rule for AttachPartitionWithoutCheck {
    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Diagnostic>) {
        let Statement::AlterTable(alter) = cx.stmt else {
            return;
        };
        for cmd in &alter.cmds {
            let AlterCmd::AttachPartition { partition } = cmd else {
                continue;
            };
            let filled_here = cx.earlier.iter().any(|s| {
                matches!(&s.kind, Statement::Insert { table, .. } | Statement::Update { table, .. } if table == partition)
            });
            if cx.is_new(partition) && !filled_here {
                // Created empty in this migration: the scan reads nothing.
                continue;
            }
            let proven = cx.catalog.table(partition).is_some_and(|t| {
                t.constraints
                    .iter()
                    .any(|c| c.validated && matches!(c.kind, ConstraintKind::Check { .. }))
            });
            if proven {
                continue;
            }
            out.push(
                Diagnostic::new(
                    META.id,
                    cx.span,
                    format!(
                        "`ATTACH PARTITION {partition}` scans every row of `{partition}` to prove it fits the partition bound, holding an `ACCESS EXCLUSIVE` lock on it (and a `SHARE UPDATE EXCLUSIVE` lock on `{}`) {}",
                        alter.name,
                        held_until(cx.in_transaction)
                    ),
                )
                .lock(LockMode::AccessExclusive)
                .help(format!(
                    "before attaching, add a `CHECK` constraint on `{partition}` that matches the partition bound, `NOT VALID`, and validate it in a separate transaction; PostgreSQL then skips the scan, and the CHECK can be dropped after the attach"
                )),
            );
        }
    }
}
