//! `alter-table-could-be-combined`: several ALTER TABLE statements on one table in a migration.

use super::*;
use crate::syntax::AlterCmd;

declare_rule! {
    AlterTableCouldBeCombined {
        id: "alter-table-could-be-combined",
        category: Locking,
        severity: Info,
        fix: Guidance,
    }
}

/// Sub-commands that belong in their own statement (a separate transaction or a different lock).
fn must_stay_separate(cmds: &[AlterCmd]) -> bool {
    cmds.iter().any(|c| {
        matches!(
            c,
            AlterCmd::ValidateConstraint { .. }
                | AlterCmd::DropConstraint { .. }
                | AlterCmd::DetachPartition { .. }
                | AlterCmd::AttachPartition { .. }
        ) || matches!(c, AlterCmd::AddConstraint { constraint } if constraint.not_valid)
    })
}

impl Rule for AlterTableCouldBeCombined {
    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Diagnostic>) {
        let Some(alter) = cx.existing_alter() else {
            return;
        };
        if must_stay_separate(&alter.cmds) {
            return;
        }
        // The previous statement on any table must be an ALTER TABLE of the same table, and this
        // must be the second one in the run (report once per run of statements).
        let mut run = 0;
        for earlier in cx.earlier.iter().rev() {
            match &earlier.kind {
                Statement::AlterTable(a) if a.name == alter.name && !must_stay_separate(&a.cmds) => {
                    run += 1
                }
                Statement::Set { .. } | Statement::Comment { .. } => continue,
                _ => break,
            }
        }
        if run != 1 {
            return;
        }
        out.push(
            Diagnostic::new(
                META.id,
                cx.span,
                format!(
                    "another `ALTER TABLE {}` just before this one: each statement queues for the table's `ACCESS EXCLUSIVE` lock again (and may rewrite or scan it again)",
                    alter.name
                ),
            )
            .help(format!(
                "combine them into one statement with comma-separated actions: `ALTER TABLE {} ADD COLUMN a int, ADD COLUMN b text;` takes the lock once and does at most one rewrite",
                alter.name
            )),
        );
    }
}
