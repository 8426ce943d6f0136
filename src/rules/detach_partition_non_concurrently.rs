//! `detach-partition-non-concurrently`: DETACH PARTITION blocks the whole partitioned table (PG ≥ 14 has CONCURRENTLY).

use super::*;
use crate::finding::Applicability;
use crate::syntax::AlterCmd;

declare_rule! {
    DetachPartitionNonConcurrently {
        id: "detach-partition-non-concurrently",
        category: Locking,
        severity: Warning,
        fix: Recipe(SameSchemaKeepingPartitionBound),
    }
}

impl Rule for DetachPartitionNonConcurrently {
    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Diagnostic>) {
        if cx.pg_version < 14 {
            return;
        }
        let Some(alter) = cx.existing_alter() else {
            return;
        };
        for cmd in &alter.cmds {
            let AlterCmd::DetachPartition {
                partition,
                concurrently: false,
            } = cmd
            else {
                continue;
            };
            let mut diag = Diagnostic::new(
                META.id,
                cx.span,
                format!(
                    "`DETACH PARTITION {partition}` without `CONCURRENTLY` {} {}",
                    lock_effect(LockMode::AccessExclusive, &alter.name).trim_end_matches(','),
                    held_until(cx.in_transaction)
                ),
            )
            .lock(LockMode::AccessExclusive)
            .help(format!(
                "detach with `CONCURRENTLY` (PostgreSQL 14+, assumed {}): only a `SHARE UPDATE EXCLUSIVE` lock on the parent, so queries continue; it cannot run in a transaction block, and if interrupted finish it with `DETACH PARTITION ... FINALIZE`",
                cx.pg_version
            ));
            if let Some(sql) = insert_after_keyword(cx.sql, &partition.name, "CONCURRENTLY") {
                let applicability = if cx.in_transaction {
                    Applicability::Unsafe
                } else {
                    Applicability::Safe
                };
                diag = diag.fix(format!("{sql};"), applicability);
            }
            out.push(diag);
        }
    }
}
