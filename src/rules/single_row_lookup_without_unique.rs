//! `single-row-lookup-without-unique`: a query expects one row (sqlc `:one`, aiosql `^`, or
//! `LIMIT 1` without ORDER BY) from equality conditions that no unique key covers. Either the
//! column is unique in fact and the constraint is missing, or the query picks an arbitrary row.

use super::*;
use crate::finding::Applicability;
use crate::queries::shape::{Op, Target};
use super::index_advice::index_applies;
use crate::queries::Query;
use crate::source::query_files::Expect;
use crate::syntax::{quote_ident, IndexKey};

declare_rule! {
    SingleRowLookupWithoutUnique {
        id: "single-row-lookup-without-unique",
        category: Schema,
        severity: Warning,
        fix: Guidance,
    }
}

fn expects_one(query: &Query) -> bool {
    let top = &query.shape.blocks[0];
    query.expect == Expect::One || top.limit == Some(Some(1))
}

impl Rule for SingleRowLookupWithoutUnique {
    fn check_queries(&self, cx: &QueriesContext<'_>, out: &mut Vec<Diagnostic>) {
        for query in cx.queries {
            if query.shape.kind != crate::queries::shape::QueryKind::Select || !expects_one(query) {
                continue;
            }
            let top = &query.shape.blocks[0];
            if !top.order_by.is_empty() || top.aggregates || top.grouped || !top.joins.is_empty() {
                continue;
            }
            let [rel] = top.relations.as_slice() else {
                continue;
            };
            let Some(table) = rel.table.as_ref().and_then(|t| cx.catalog.table(t)) else {
                continue;
            };
            // Equality keys: plain columns and expressions.
            let mut keys: Vec<String> = vec![];
            let mut columns: Vec<String> = vec![];
            let mut span = None;
            for p in top.preds.iter().filter(|p| p.op == Op::Eq) {
                match &p.target {
                    Target::Column(c) if table.column(&c.name).is_some() => {
                        keys.push(c.name.clone());
                        columns.push(c.name.clone());
                    }
                    Target::Expr { text, .. } => keys.push(text.clone()),
                    _ => continue,
                }
                span.get_or_insert(p.span);
            }
            let Some(span) = span else { continue };
            let unique = cx.catalog.indexes_on(&table.name).any(|i| {
                i.unique
                    && index_applies(i, top.conditions())
                    && i.keys.iter().all(|k| match k {
                        IndexKey::Column { name } => keys.contains(name),
                        IndexKey::Expression { expr } => keys.contains(&expr.text),
                    })
            });
            if unique {
                continue;
            }
            let how = if query.expect == Expect::One {
                "is declared to return one row"
            } else {
                "takes `LIMIT 1` without `ORDER BY`"
            };
            let listed = keys
                .iter()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ");
            let mut d = Diagnostic::new(
                META.id,
                span,
                format!(
                    "{} {how} from `{}` by {listed}, but no unique index or constraint covers {}: with duplicates it returns an arbitrary row",
                    query.label(cx.files),
                    table.name,
                    if keys.len() == 1 { "it" } else { "them" }
                ),
            )
            .help("if the value is unique in fact, enforce it: build a unique index concurrently, then attach it as a constraint");
            // In a table of per-tenant rows a value may be unique only within its tenant: then a
            // global index would reject the same value in two tenants, and the lookup itself has
            // to filter by the tenant. pgproof cannot tell which holds: it says both.
            let tenant = table
                .columns
                .iter()
                .find(|c| cx.tenant_columns.contains(&c.name) && !columns.contains(&c.name));
            if let (Some(tenant), false) = (tenant, columns.is_empty()) {
                d = d.note(format!(
                    "`{}` holds per-tenant rows (`{t}`): if the value is unique only within a tenant, filter the lookup by `{t}` as well and enforce `UNIQUE ({t}, {})` instead of a global key",
                    table.name,
                    columns.join(", "),
                    t = tenant.name
                ));
            }
            if !columns.is_empty() && columns.len() == keys.len() {
                let name = super::index_advice::free_index_name(
                    cx.catalog,
                    &table.name,
                    &format!("{}_{}_key", table.name.name, columns.join("_")),
                );
                let cols = columns
                    .iter()
                    .map(|c| quote_ident(c))
                    .collect::<Vec<_>>()
                    .join(", ");
                d = d.fix(
                    format!(
                        "CREATE UNIQUE INDEX CONCURRENTLY {n} ON {t} ({cols});\nALTER TABLE {t} ADD CONSTRAINT {n} UNIQUE USING INDEX {n};",
                        n = quote_ident(&name),
                        t = table.name
                    ),
                    Applicability::Unsafe,
                );
            }
            out.push(
                d
                .at(Anchor::File(query.file)),
            );
        }
    }
}
