//! `not-in-nullable-subquery`: `x NOT IN (SELECT col ...)` where `col` is nullable: one NULL in
//! the subquery makes the condition NULL for every row, and the query silently returns nothing.

use super::*;

declare_rule! {
    NotInNullableSubquery {
        id: "not-in-nullable-subquery",
        category: Correctness,
        severity: Warning,
        fix: Guidance,
    }
}

impl Rule for NotInNullableSubquery {
    fn check_queries(&self, cx: &QueriesContext<'_>, out: &mut Vec<Diagnostic>) {
        for query in cx.queries {
            for (_, not_in) in &query.shape.not_in {
                let Some(col) = &not_in.sub_column else {
                    continue;
                };
                if not_in.sub_block >= query.shape.blocks.len() {
                    continue;
                }
                let Some((table, column)) = query.column_table(cx.catalog, not_in.sub_block, col)
                else {
                    continue;
                };
                if column.not_null
                    || table.primary_key_columns().contains(&column.name)
                    || table.has_validated_not_null_check(&column.name)
                {
                    continue;
                }
                out.push(
                    Diagnostic::new(
                        META.id,
                        not_in.span,
                        format!(
                            "{}: `NOT IN (SELECT {} ...)` over the nullable column `{}.{}`: a single NULL there makes the condition unknown for every row, and the query returns nothing",
                            query.label(cx.files),
                            col.name,
                            table.name,
                            column.name
                        ),
                    )
                    .help("use `NOT EXISTS (SELECT 1 FROM ... WHERE ... = x)`, or make the column `NOT NULL`")
                    .at(Anchor::File(query.file)),
                );
            }
        }
    }
}
