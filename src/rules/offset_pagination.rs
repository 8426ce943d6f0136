//! `offset-pagination`: `OFFSET n` pages: PostgreSQL reads and discards n rows for every page, so
//! deep pages get slower as the table grows.

use super::*;
use crate::queries;

pub struct OffsetPagination;

static META: RuleMeta = RuleMeta {
    id: "offset-pagination",
    category: Category::Performance,
    severity: Severity::Info,
    fix: FixKind::Guidance,
    doc: include_str!("../../lints/offset-pagination.md"),
    doc_examples: true,
};

impl Rule for OffsetPagination {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_queries(&self, cx: &QueriesContext<'_>, out: &mut Vec<QueryDiagnostic>) {
        for query in cx.queries {
            let Some(top) = query.shape.blocks.first() else {
                continue;
            };
            let Some(span) = top.offset else { continue };
            let tables: Vec<_> = top
                .relations
                .iter()
                .filter_map(|r| r.table.as_ref().and_then(|t| cx.catalog.table(t)))
                .collect();
            if !tables.is_empty() && tables.iter().all(|t| cx.is_small(t)) {
                continue;
            }
            out.push(QueryDiagnostic {
                file: query.file,
                diagnostic: Diagnostic::new(
                    META.id,
                    span,
                    format!(
                        "{}: `OFFSET` pagination reads and throws away every row before the page: deep pages get slower as the table grows{}",
                        query.label(cx.files),
                        queries::workload(query.stats)
                    ),
                )
                .help("page by key instead: `WHERE (created_at, id) < ($1, $2) ORDER BY created_at DESC, id DESC LIMIT 50`"),
            });
        }
    }
}
