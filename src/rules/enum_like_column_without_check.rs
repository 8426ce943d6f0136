//! `enum-like-column-without-check`: a `status`/`state`/`kind` text column that accepts any string.

use super::*;
use crate::syntax::{quote_ident, ConstraintKind};

pub struct EnumLikeColumnWithoutCheck;

static META: RuleMeta = RuleMeta {
    id: "enum-like-column-without-check",
    category: Category::Schema,
    severity: Severity::Info,
    fix: FixKind::Guidance,
    doc: include_str!("../../lints/enum-like-column-without-check.md"),
    doc_examples: true,
};

const ENUM_LIKE: &[&str] = &[
    "status",
    "state",
    "kind",
    "type",
    "role",
    "category",
    "level",
    "priority",
    "stage",
    "mode",
    "visibility",
];

impl Rule for EnumLikeColumnWithoutCheck {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_schema(&self, cx: &SchemaContext<'_>, out: &mut Vec<SchemaDiagnostic>) {
        for table in cx.catalog.logical_tables() {
            for column in &table.columns {
                let name = column.name.as_str();
                let enum_like = ENUM_LIKE.contains(&name)
                    || ENUM_LIKE.iter().any(|e| name.ends_with(&format!("_{e}")));
                let textual = matches!(
                    column.type_name.name.as_str(),
                    "text" | "varchar" | "bpchar" | "citext"
                ) && column.type_name.schema.is_none()
                    && !column.type_name.array;
                if !enum_like || !textual {
                    continue;
                }
                let constrained = table.constraints.iter().any(|c| match &c.kind {
                    ConstraintKind::Check { expr } => expr.columns.iter().any(|x| x == name),
                    ConstraintKind::ForeignKey { columns, .. } => columns.iter().any(|x| x == name),
                    _ => false,
                });
                if constrained {
                    continue;
                }
                let c = quote_ident(name);
                out.push(SchemaDiagnostic {
                    table: table.name.clone(),
                    member: Some(Member::Column(column.name.clone())),
                    diagnostic: Diagnostic::new(
                        META.id,
                        Span::default(),
                        format!(
                            "`{}` looks like a fixed set of values but is `{}` with no CHECK, enum type or foreign key: a typo or an old release's spelling is stored as a new state that no code handles",
                            column_ref(&table.name, name),
                            column.type_name
                        ),
                    )
                    .help(format!(
                        "list the values: `CHECK ({c} IN ('...', '...')) NOT VALID` then `VALIDATE CONSTRAINT`, or a foreign key to a lookup table when the set changes often"
                    )),
                });
            }
        }
    }
}
