//! `prefer-jsonb`: new `json` columns.

use super::*;
use crate::syntax::quote_ident;

declare_rule! {
    PreferJsonb {
        id: "prefer-jsonb",
        category: Schema,
        severity: Info,
        fix: Recipe(ChangesSchema),
    }
}

impl Rule for PreferJsonb {
    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Diagnostic>) {
        for (table, column) in new_columns(cx.stmt) {
            if column.type_name.name != "json" {
                continue;
            }
            out.push(
                Diagnostic::new(
                    META.id,
                    cx.span,
                    format!(
                        "`{}` is `json`: it stores the text as written and reparses it on every access, has no equality operator (no `DISTINCT`, `GROUP BY` or unique index) and cannot be indexed with GIN",
                        column_ref(table, &column.name)
                    ),
                )
                .help(format!(
                    "use `jsonb` (`{} jsonb`) unless key order, duplicate keys or exact whitespace must be preserved",
                    quote_ident(&column.name)
                )),
            );
        }
    }
}
