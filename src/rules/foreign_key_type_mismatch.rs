//! `foreign-key-type-mismatch`: a foreign key column whose type differs from the referenced column.

use super::*;
use crate::syntax::{quote_ident, ConstraintKind};

declare_rule! {
    ForeignKeyTypeMismatch {
        id: "foreign-key-type-mismatch",
        category: Schema,
        severity: Warning,
        fix: Guidance,
    }
}

fn base(t: &TypeName) -> TypeName {
    if t.is_serial() {
        t.serial_base()
    } else {
        TypeName {
            mods: vec![],
            ..t.clone()
        }
    }
}

/// Whether two types compare within one B-tree operator family (`integer_ops`, `text_ops`).
fn same_family(a: &str, b: &str) -> bool {
    let family = |t: &str| match t {
        "int2" | "int4" | "int8" => Some("integer"),
        "text" | "varchar" => Some("text"),
        _ => None,
    };
    family(a).is_some_and(|f| family(b) == Some(f))
}

impl Rule for ForeignKeyTypeMismatch {
    fn check_schema(&self, cx: &SchemaContext<'_>, out: &mut Vec<Diagnostic>) {
        for (table, fk) in cx.own_constraints() {
            let ConstraintKind::ForeignKey {
                columns,
                ref_table,
                ref_columns,
                ..
            } = &fk.kind
            else {
                continue;
            };
            let Some(target) = cx.catalog.table(ref_table) else {
                continue;
            };
            let ref_columns = if ref_columns.is_empty() {
                target.primary_key_columns()
            } else {
                ref_columns.clone()
            };
            for (col, ref_col) in columns.iter().zip(&ref_columns) {
                let (Some(a), Some(b)) = (table.column(col), target.column(ref_col)) else {
                    continue;
                };
                let (ta, tb) = (base(&a.type_name), base(&b.type_name));
                // A type the replay could not see (LIKE, CREATE TABLE AS) proves nothing.
                if ta == tb || ta.name == "unknown" || tb.name == "unknown" {
                    continue;
                }
                let wider = matches!(
                    (ta.name.as_str(), tb.name.as_str()),
                    ("int2" | "int4", "int8") | ("int2", "int4")
                );
                // Integer widths share one B-tree operator family, and so do `text` and
                // `varchar`: joins and foreign key checks between them use the indexes with no
                // cast. Only a referencing integer narrower than its key can hurt (its range).
                if !wider && same_family(&ta.name, &tb.name) {
                    continue;
                }
                let consequence = if wider {
                    "once the referenced key passes the smaller type's range, inserts here fail"
                } else {
                    "every join and every foreign key check needs a cast, which can keep indexes from being used"
                };
                out.push(
                    Diagnostic::about(
                        META.id,
                        table.name.clone(),
                        Some(Member::Column(col.clone())),
                        format!(
                            "`{}` is `{ta}` but references `{}` of type `{tb}`: {consequence}",
                            column_ref(&table.name, col),
                            column_ref(ref_table, ref_col),
                        ),
                    )
                    .help(format!(
                        "declare `{}` as `{tb}`, the type of the key it references",
                        quote_ident(col)
                    )),
                );
            }
        }
    }
}
