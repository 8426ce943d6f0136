//! `add-unique-without-index`: ADD PRIMARY KEY / UNIQUE that builds its index under ACCESS EXCLUSIVE.

use super::*;
use crate::finding::Applicability;
use crate::syntax::{quote_ident, AlterCmd, ConstraintKind};

pub struct AddUniqueWithoutIndex;

static META: RuleMeta = RuleMeta {
    id: "add-unique-without-index",
    category: Category::Locking,
    severity: Severity::Warning,
    fix: FixKind::Recipe,
    doc: include_str!("../../lints/add-unique-without-index.md"),
    doc_examples: true,
};

impl Rule for AddUniqueWithoutIndex {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Diagnostic>) {
        let Some(alter) = cx.existing_alter() else {
            return;
        };
        for cmd in &alter.cmds {
            let AlterCmd::AddConstraint { constraint } = cmd else {
                continue;
            };
            if constraint.using_index.is_some() {
                continue;
            }
            let (kind, columns) = match &constraint.kind {
                ConstraintKind::PrimaryKey { columns } => ("PRIMARY KEY", columns),
                ConstraintKind::Unique { columns, .. } => ("UNIQUE", columns),
                _ => continue,
            };
            let t = &alter.name;
            let suffix = if kind == "UNIQUE" { "key" } else { "pkey" };
            let name = constraint.name.clone().unwrap_or_else(|| {
                crate::catalog::apply::make_object_name(
                    &t.name,
                    (kind == "UNIQUE").then(|| columns.join("_")).as_deref(),
                    suffix,
                )
            });
            let cols: Vec<String> = columns.iter().map(|c| quote_ident(c)).collect();
            let cols = cols.join(", ");
            let name_sql = quote_ident(&name);
            let mut diag = Diagnostic::new(
                META.id,
                cx.span,
                format!(
                    "adding `{kind}` on `{t}` ({cols}) builds a unique index while it {} {}",
                    lock_effect(LockMode::AccessExclusive, t),
                    held_until(cx.in_transaction)
                ),
            )
            .lock(LockMode::AccessExclusive)
            .help("build the unique index `CONCURRENTLY` first, then attach it with `ADD CONSTRAINT ... USING INDEX`, which only needs a brief lock");
            let mut fix = format!(
                "CREATE UNIQUE INDEX CONCURRENTLY {name_sql} ON {t} ({cols});\nALTER TABLE {t} ADD CONSTRAINT {name_sql} {kind} USING INDEX {name_sql};"
            );
            if kind == "PRIMARY KEY" {
                fix.push_str("\n-- the key columns must already be NOT NULL, or this step scans the table (see `pgproof explain primary-key-on-nullable-columns`)");
            }
            diag = diag.fix(fix, Applicability::Unsafe).note(
                "`CREATE INDEX CONCURRENTLY` cannot run inside a transaction: give it a migration of its own with the runner's transaction turned off",
            );
            out.push(diag);
        }
    }
}
