//! `table-without-primary-key`: a table in the final schema with no primary key.

use super::*;
use crate::catalog::TableKind;
use crate::syntax::Persistence;

declare_rule! {
    TableWithoutPrimaryKey {
        id: "table-without-primary-key",
        category: Schema,
        severity: Warning,
        fix: Guidance,
    }
}

impl Rule for TableWithoutPrimaryKey {
    fn check_schema(&self, cx: &SchemaContext<'_>, out: &mut Vec<Diagnostic>) {
        for table in cx.catalog.tables.values() {
            if table.primary_key().is_some()
                || table.persistence == Persistence::Temporary
                || table.like_unknown
            {
                continue;
            }
            // A partition takes its key from its parent: with a key there, it has a copy; without,
            // the finding on the parent is the one to act on.
            if let TableKind::Partition { parent } = &table.kind {
                if cx.catalog.table(parent).is_some() {
                    continue;
                }
            }
            let unique_not_null = table.constraints.iter().any(|c| match &c.kind {
                crate::syntax::ConstraintKind::Unique { columns, .. } => columns
                    .iter()
                    .all(|col| table.column(col).is_some_and(|x| x.not_null)),
                _ => false,
            });
            let mut diag = Diagnostic::about(
                META.id,
                table.name.clone(),
                None,
                format!("table `{}` has no primary key: rows cannot be addressed reliably, logical replication cannot replicate its updates and deletes, and duplicates go unnoticed", table.name),
            )
            .help(format!("add a primary key, e.g. `ALTER TABLE {} ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY`, or promote a unique `NOT NULL` key", table.name));
            if unique_not_null {
                diag = diag.note("it has a unique key over NOT NULL columns: promote it with `ALTER TABLE ... ADD PRIMARY KEY USING INDEX ...`");
            }
            out.push(diag);
        }
    }
}
