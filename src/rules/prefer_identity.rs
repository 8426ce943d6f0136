//! `prefer-identity`: serial columns instead of standard identity columns.

use super::*;
use crate::syntax::quote_ident;

declare_rule! {
    PreferIdentity {
        id: "prefer-identity",
        category: Schema,
        severity: Info,
        fix: Recipe(ChangesSchema),
    }
}

impl Rule for PreferIdentity {
    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Diagnostic>) {
        if cx.pg_version < 10 {
            return;
        }
        for (table, column) in new_columns(cx.stmt) {
            if !column.type_name.is_serial() {
                continue;
            }
            let base = column.type_name.serial_base();
            out.push(
                Diagnostic::new(
                    META.id,
                    cx.span,
                    format!(
                        "`{}` is `{}`: a serial is an integer column plus a separately owned sequence, whose permissions, ownership and values drift from the column's (and copying the table with `LIKE` shares the sequence)",
                        column_ref(table, &column.name),
                        column.type_name.name
                    ),
                )
                .help(format!(
                    "use the SQL-standard identity column: `{} {base} GENERATED ALWAYS AS IDENTITY` (PostgreSQL 10+)",
                    quote_ident(&column.name)
                )),
            );
        }
    }
}
