//! `offset-pagination`: `OFFSET n` pages: PostgreSQL reads and discards n rows for every page, so
//! deep pages get slower as the table grows.

use super::*;
use super::index_advice;

declare_rule! {
    OffsetPagination {
        id: "offset-pagination",
        category: Performance,
        severity: Info,
        fix: Guidance,
    }
}

impl Rule for OffsetPagination {
    fn check_queries(&self, cx: &QueriesContext<'_>, out: &mut Vec<Diagnostic>) {
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
            out.push(
                Diagnostic::new(
                    META.id,
                    span,
                    format!(
                        "{}: `OFFSET` pagination reads and throws away every row before the page: deep pages get slower as the table grows{}",
                        query.label(cx.files),
                        index_advice::workload(query.stats)
                    ),
                )
                .help("page by key instead: `WHERE (created_at, id) < ($1, $2) ORDER BY created_at DESC, id DESC LIMIT 50`")
                .at(Anchor::File(query.file)),
            );
        }
    }
}
