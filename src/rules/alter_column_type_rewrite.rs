//! `alter-column-type-rewrite`: ALTER COLUMN TYPE that rewrites the table under ACCESS EXCLUSIVE.

use super::*;
use crate::syntax::{quote_ident, AlterCmd};

declare_rule! {
    AlterColumnTypeRewrite {
        id: "alter-column-type-rewrite",
        category: Locking,
        severity: Warning,
        fix: Guidance,
    }
}

impl Rule for AlterColumnTypeRewrite {
    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Diagnostic>) {
        let Some((alter, table)) = cx.existing_alter_and_table() else {
            return;
        };
        for cmd in &alter.cmds {
            let AlterCmd::AlterColumnType {
                column,
                type_name,
                using,
            } = cmd
            else {
                continue;
            };
            let old = table.and_then(|t| t.column(column)).map(|c| &c.type_name);
            if !alter_type_rewrites(column, old, type_name, using.as_ref()) {
                continue;
            }
            let from = old.map(|t| format!("from `{t}` ")).unwrap_or_default();
            let col = column_ref(&alter.name, column);
            let mut diag = Diagnostic::new(
                META.id,
                cx.span,
                format!(
                    "changing `{col}` {from}to `{type_name}` rewrites the whole table and rebuilds its indexes while it {} {}",
                    lock_effect(LockMode::AccessExclusive, &alter.name),
                    held_until(cx.in_transaction)
                ),
            )
            .lock(LockMode::AccessExclusive)
            .help(format!(
                "expand/contract: add a new column `{new}` of type `{type_name}`, write to both from the application (or a trigger), backfill it in batches, switch reads to it, then drop `{c}` in a later release",
                new = quote_ident(&format!("{column}_new")),
                c = quote_ident(column),
            ));
            if old.is_some_and(|o| o.name == "timestamp") && type_name.name == "timestamptz" {
                diag = diag.note("from PostgreSQL 12, `timestamp` to `timestamptz` skips the rewrite when the session `TimeZone` is UTC");
            }
            if old.is_none() {
                diag = diag.note("the column's current type is not known from the migrations, so pgproof assumes the change is not binary-coercible");
            }
            out.push(diag);
        }
    }
}
