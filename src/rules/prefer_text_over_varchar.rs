//! `prefer-text-over-varchar`: new `varchar(n)` / `char(n)` columns.

use super::*;
use crate::syntax::quote_ident;

pub struct PreferTextOverVarchar;

static META: RuleMeta = RuleMeta {
    id: "prefer-text-over-varchar",
    category: Category::Schema,
    severity: Severity::Info,
    fix: FixKind::Recipe,
    doc: include_str!("../../lints/prefer-text-over-varchar.md"),
    doc_examples: true,
};

impl Rule for PreferTextOverVarchar {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Diagnostic>) {
        for (table, column) in new_columns(cx.stmt) {
            let ty = &column.type_name;
            let Some(n) = ty.mods.first() else { continue };
            let (what, why) = match ty.name.as_str() {
                "varchar" => ("varchar", "raising the limit later is cheap, but lowering it or adding one rewrites the table, and the limit is rarely a real business rule"),
                "bpchar" if *n > 1 => ("char", "values are padded with spaces to the full length, which wastes space and surprises comparisons"),
                _ => continue,
            };
            let c = quote_ident(&column.name);
            out.push(
                Diagnostic::new(
                    META.id,
                    cx.span,
                    format!(
                        "`{}` is `{what}({n})`: {why}",
                        column_ref(table, &column.name)
                    ),
                )
                .help(format!(
                    "use `text` with a named constraint when a limit matters: `{c} text CONSTRAINT {} CHECK (char_length({c}) <= {n})`, which can be changed with `NOT VALID` + `VALIDATE` without a rewrite",
                    sql_object_name(&table.name, Some(&column.name), "length")
                )),
            );
        }
    }
}
