//! `unused-index`: an index no query has scanned since statistics were last reset (live databases).

use super::*;

pub struct UnusedIndex;

static META: RuleMeta = RuleMeta {
    id: "unused-index",
    category: Category::Schema,
    severity: Severity::Info,
    fix: FixKind::Recipe,
    doc: include_str!("../../lints/unused-index.md"),
    doc_examples: false,
};

impl Rule for UnusedIndex {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_schema(&self, cx: &SchemaContext<'_>, out: &mut Vec<SchemaDiagnostic>) {
        for index in cx.catalog.indexes.values() {
            // Only live statistics say "never scanned"; unique and constraint indexes enforce
            // something even when no query reads them.
            if index.scans != Some(0) || index.unique || index.constraint.is_some() {
                continue;
            }
            let Some(table) = cx.catalog.tables.get(&index.table) else {
                continue;
            };
            // A foreign key may need it for deletes in the referenced table even if no query has
            // run one since the reset.
            let backs_fk = table
                .foreign_keys()
                .any(|fk| index.covers_prefix(&fk.kind.columns()));
            let size = index
                .size_bytes
                .map(|b| format!(" ({})", crate::report::audit::human_bytes(b)))
                .unwrap_or_default();
            out.push(SchemaDiagnostic {
                table: index.table.clone(),
                member: Some(Member::Index(index.name.name.clone())),
                diagnostic: Diagnostic::new(
                    META.id,
                    Span::default(),
                    format!(
                        "index `{}`{size} on `{}` has not been scanned since statistics were last reset: every insert and update still maintains it{}",
                        index.name,
                        index.table,
                        if backs_fk { "; it covers a foreign key, so check deletes in the referenced table before dropping it" } else { "" }
                    ),
                )
                .help("confirm over a full business cycle (and on replicas, which keep their own statistics) before dropping it")
                .fix(
                    format!("DROP INDEX CONCURRENTLY {};", index.name),
                    crate::finding::Applicability::DisplayOnly,
                ),
            });
        }
    }
}
