//! `prefer-timestamptz`: new `timestamp without time zone` columns.

use super::*;
use crate::syntax::quote_ident;

declare_rule! {
    PreferTimestamptz {
        id: "prefer-timestamptz",
        category: Schema,
        severity: Info,
        fix: Recipe(ChangesSchema),
    }
}

impl Rule for PreferTimestamptz {
    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Diagnostic>) {
        for (table, column) in new_columns(cx.stmt) {
            if column.type_name.name != "timestamp" || column.type_name.schema.is_some() {
                continue;
            }
            out.push(
                Diagnostic::new(
                    META.id,
                    cx.span,
                    format!(
                        "`{}` is `timestamp without time zone`: it stores a wall-clock reading with no zone, so values written by servers or sessions in different time zones cannot be compared, and daylight-saving changes make some of them ambiguous",
                        column_ref(table, &column.name)
                    ),
                )
                .help(format!(
                    "use `timestamptz` (`{} timestamptz`): it stores an absolute instant and converts to the session's time zone on display",
                    quote_ident(&column.name)
                )),
            );
        }
    }
}
