//! `invalid-index`: an index left INVALID by a failed concurrent build (live databases).

use super::*;
use crate::catalog::IndexValidity;

declare_rule! {
    InvalidIndex {
        id: "invalid-index",
        category: Schema,
        severity: Warning,
        fix: Recipe(ChangesSchema),
        doc_examples: false,
    }
}

impl Rule for InvalidIndex {
    fn check_schema(&self, cx: &SchemaContext<'_>, out: &mut Vec<Diagnostic>) {
        for index in cx
            .catalog
            .indexes
            .values()
            .filter(|i| i.validity == IndexValidity::Invalid)
        {
            out.push(
                Diagnostic::about(
                    META.id,
                    index.table.clone(),
                    Some(Member::Index(index.name.name.clone())),
                    format!(
                        "index `{}` on `{}` is INVALID (a `CREATE INDEX CONCURRENTLY` or `REINDEX CONCURRENTLY` that failed): every write still maintains it, but no query uses it{}",
                        index.name,
                        index.table,
                        if index.unique { ", and the uniqueness it was meant to guarantee is not enforced for reads the application relies on" } else { "" }
                    ),
                )
                .help("drop it and build it again concurrently (after fixing what made the build fail, such as duplicates for a unique index)")
                .fix(
                    format!("DROP INDEX CONCURRENTLY {};\n-- then CREATE [UNIQUE] INDEX CONCURRENTLY ... again", index.name),
                    crate::finding::Applicability::DisplayOnly,
                ),
            );
        }
    }
}
