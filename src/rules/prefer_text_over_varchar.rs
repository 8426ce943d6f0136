//! `prefer-text-over-varchar`: new `varchar(n)` / `char(n)` columns.

use super::*;
use crate::syntax::quote_ident;

declare_rule! {
    PreferTextOverVarchar {
        id: "prefer-text-over-varchar",
        category: Schema,
        severity: Info,
        fix: Recipe(ChangesSchema),
    }
}

impl Rule for PreferTextOverVarchar {
    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Diagnostic>) {
        for (table, column) in new_columns(cx.stmt) {
            let ty = &column.type_name;
            let Some(n) = ty.mods.first() else { continue };
            let message = match ty.name.as_str() {
                "varchar" => format!("`{}` is `varchar({n})`: raising the limit later is cheap, but lowering it or adding one rewrites the table, and the limit is rarely a real business rule", column_ref(table, &column.name)),
                "bpchar" if column.length_implied => format!("`{}` is `char` without a length, which PostgreSQL reads as `char(1)`: every value longer than one character fails with `value too long for type character(1)`", column_ref(table, &column.name)),
                "bpchar" if *n > 1 => format!("`{}` is `char({n})`: values are padded with spaces to the full length, which wastes space and surprises comparisons", column_ref(table, &column.name)),
                _ => continue,
            };
            let c = quote_ident(&column.name);
            out.push(
                Diagnostic::new(META.id, cx.span, message)
                .help(format!(
                    "use `text` with a named constraint when a limit matters: `{c} text CONSTRAINT {} CHECK (char_length({c}) <= {n})`, which can be changed with `NOT VALID` + `VALIDATE` without a rewrite",
                    sql_object_name(&table.name, Some(&column.name), "length")
                )),
            );
        }
    }
}
