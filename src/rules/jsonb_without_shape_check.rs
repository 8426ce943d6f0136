//! `jsonb-without-shape-check`: a jsonb column with no CHECK on what it may hold.

use super::*;
use crate::syntax::{quote_ident, ConstraintKind};

declare_rule! {
    JsonbWithoutShapeCheck {
        id: "jsonb-without-shape-check",
        category: Schema,
        severity: Info,
        fix: Guidance,
    }
}

impl Rule for JsonbWithoutShapeCheck {
    fn check_schema(&self, cx: &SchemaContext<'_>, out: &mut Vec<Diagnostic>) {
        for table in cx.catalog.logical_tables() {
            for column in &table.columns {
                let ty = &column.type_name;
                if ty.name != "jsonb"
                    || ty.array
                    || ty.schema.as_deref().is_some_and(|s| s != "pg_catalog")
                {
                    continue;
                }
                let checked = table.constraints.iter().any(|c| {
                    matches!(&c.kind, ConstraintKind::Check { expr } if expr.columns.contains(&column.name))
                });
                if checked {
                    continue;
                }
                let c = quote_ident(&column.name);
                out.push(
                    Diagnostic::about(
                        META.id,
                        table.name.clone(),
                        Some(Member::Column(column.name.clone())),
                        format!(
                            "`{}` is `jsonb` with no CHECK on its shape: it accepts any JSON value{} — an array where code expects an object, a string-typed number, a renamed key — and each reader must cope with all of them",
                            column_ref(&table.name, &column.name),
                            if column.not_null { "" } else { " or NULL (and the JSON `null`, a different thing)" }
                        ),
                    )
                    .help(format!(
                        "state what it holds: `CHECK (jsonb_typeof({c}) = 'object')`, keys that must exist (`{c} ? 'version'`), or move fields that every row has into real columns"
                    )),
                );
            }
        }
    }
}
