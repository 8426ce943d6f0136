//! `leading-wildcard-like`: `LIKE '%x'` (or `ILIKE`, or `'%' || $1`) on a table column: no btree
//! index can serve it, so every call scans the table.

use super::*;
use crate::finding::Applicability;
use crate::queries::shape::{Op, Target};
use super::index_advice::{self, index_applies, index_serves};
use crate::syntax::quote_ident;

declare_rule! {
    LeadingWildcardLike {
        id: "leading-wildcard-like",
        category: Performance,
        severity: Warning,
        fix: Recipe(IndexForQuery),
    }
}

impl Rule for LeadingWildcardLike {
    fn check_queries(&self, cx: &QueriesContext<'_>, out: &mut Vec<Diagnostic>) {
        for query in cx.queries {
            for (b, block) in query.shape.blocks.iter().enumerate() {
                for p in &block.preds {
                    if p.op
                        != (Op::LikeOther {
                            leading_wildcard: true,
                        })
                    {
                        continue;
                    }
                    let Target::Column(c) = &p.target else {
                        continue;
                    };
                    let Some((_, table)) = query.own_relation(cx.catalog, b, c) else {
                        continue;
                    };
                    if cx.is_small(table) {
                        continue;
                    }
                    let trigram = cx.catalog.indexes_on(&table.name).any(|i| {
                        index_applies(i, block.conditions()) && index_serves(i, &p.target, p.op)
                    });
                    if trigram {
                        continue;
                    }
                    let name = index_advice::free_index_name(
                        cx.catalog,
                        &table.name,
                        &format!("{}_{}_trgm_idx", table.name.name, c.name),
                    );
                    out.push(
                        Diagnostic::new(
                            META.id,
                            p.span,
                            format!(
                                "{}: a pattern starting with a wildcard on `{}.{}` cannot use a btree index: every call scans the table{}",
                                query.label(cx.files),
                                table.name,
                                c.name,
                                index_advice::workload(query.stats)
                            ),
                        )
                        .help("a trigram index (pg_trgm) serves any `LIKE`/`ILIKE` pattern; full-text search serves word lookups")
                        .fix(
                            format!(
                                "CREATE EXTENSION IF NOT EXISTS pg_trgm;\nCREATE INDEX CONCURRENTLY {} ON {} USING gin ({} gin_trgm_ops);",
                                quote_ident(&name),
                                table.name,
                                quote_ident(&c.name)
                            ),
                            Applicability::Safe,
                        )
                        .at(Anchor::File(query.file)),
                    );
                }
            }
        }
    }
}
