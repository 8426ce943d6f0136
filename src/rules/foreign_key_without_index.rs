//! `foreign-key-without-index`: a foreign key whose columns lead no index.

use super::*;
use crate::finding::Applicability;
use crate::syntax::ConstraintKind;

declare_rule! {
    ForeignKeyWithoutIndex {
        id: "foreign-key-without-index",
        category: Schema,
        severity: Warning,
        fix: Recipe(ChangesSchema),
    }
}

impl Rule for ForeignKeyWithoutIndex {
    fn check_schema(&self, cx: &SchemaContext<'_>, out: &mut Vec<Diagnostic>) {
        for (table, fk) in cx.own_constraints() {
            let ConstraintKind::ForeignKey {
                columns, ref_table, ..
            } = &fk.kind
            else {
                continue;
            };
            // (A table made `LIKE` one the replay does not know may have copied its indexes.)
            if columns.is_empty()
                || table.like_unknown
                || cx.catalog.has_index_covering(&table.name, columns)
            {
                continue;
            }
            let cols = columns.join(", ");
            let index_name = sql_object_name(&table.name.name, Some(&columns.join("_")), "idx");
            let diag = Diagnostic::about(
                META.id,
                table.name.clone(),
                Some(Member::Constraint(fk.name.clone())),
                format!(
                    "foreign key `{}` on `{} ({cols})` has no index leading with those columns: every delete or key update in `{ref_table}` scans `{}`, and joins on it scan too",
                    fk.name, table.name, table.name
                ),
            )
            .help("index the referencing columns")
            .fix(format!("CREATE INDEX CONCURRENTLY {index_name} ON {} ({cols});", table.name), Applicability::Safe);
            out.push(diag);
        }
    }
}
