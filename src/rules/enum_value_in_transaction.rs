//! `enum-value-in-transaction`: ALTER TYPE ... ADD VALUE inside a transaction (an error before
//! PostgreSQL 12; since 12 the new value cannot be used before commit).

use super::*;
use crate::syntax::AlterEnumAction;

declare_rule! {
    EnumValueInTransaction {
        id: "enum-value-in-transaction",
        category: Correctness,
        severity: Error,
        fix: Guidance,
    }
}

impl Rule for EnumValueInTransaction {
    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Diagnostic>) {
        if !cx.in_transaction {
            return;
        }
        if let Statement::AlterEnum {
            name,
            action: AlterEnumAction::AddValue { value, .. },
        } = cx.stmt
        {
            if cx.pg_version < 12 && !cx.is_new(name) {
                out.push(
                    Diagnostic::new(
                        META.id,
                        cx.span,
                        format!(
                            "`ALTER TYPE {name} ADD VALUE '{value}'` cannot run inside a transaction block before PostgreSQL 12 (assumed {}), and {}: the migration fails",
                            cx.pg_version,
                            if cx.runner_transaction { "the migration runner wraps this migration in one" } else { "it runs between `BEGIN` and `COMMIT`" }
                        ),
                    )
                    .help("put the statement in a migration of its own with the runner's transaction turned off, or target PostgreSQL 12+"),
                );
            }
            return;
        }
        if cx.pg_version < 12 {
            return;
        }
        // PostgreSQL 12+: a value added in this transaction cannot be used until it commits.
        for earlier in cx.earlier_in_transaction() {
            let Statement::AlterEnum {
                name,
                action: AlterEnumAction::AddValue { value, .. },
            } = &earlier.kind
            else {
                continue;
            };
            if cx.created_in_migration.contains(name) {
                continue;
            }
            let literal = crate::syntax::quote_literal(value);
            if matches!(
                cx.stmt,
                Statement::AlterEnum { .. } | Statement::Comment { .. }
            ) || !cx.sql.contains(&literal)
            {
                continue;
            }
            out.push(
                Diagnostic::new(
                    META.id,
                    cx.span,
                    format!(
                        "this statement uses the enum value {literal} added to `{name}` earlier in the same transaction: PostgreSQL fails with `unsafe use of new value {literal} of enum type` until the `ADD VALUE` commits"
                    ),
                )
                .help("commit the `ADD VALUE` first: move the statements that use the new value to a later migration"),
            );
            return;
        }
    }
}
