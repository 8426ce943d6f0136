//! `unindexed-query`: a query filters, joins or sorts-with-limit on columns no index can serve,
//! so every call reads the whole table. Suggests the narrowest index and merges suggestions so
//! one index serves several queries.

use super::*;
use crate::catalog::Table;
use crate::finding::Applicability;
use crate::queries::shape::{ColRef, Op, Pred, Target};
use crate::queries::{self, index_applies, index_serves, Query};
use crate::syntax::quote_ident;

pub struct UnindexedQuery;

static META: RuleMeta = RuleMeta {
    id: "unindexed-query",
    category: Category::Performance,
    severity: Severity::Warning,
    fix: FixKind::Recipe,
    doc: include_str!("../../lints/unindexed-query.md"),
    doc_examples: true,
};

/// One index pgproof would create for one query.
struct Suggestion {
    query: usize,
    table: QualName,
    /// Rendered keys: `"status"`, `"email text_pattern_ops"`, `"(lower(email))"`.
    keys: Vec<String>,
    /// Plain column names of the keys, for the index name.
    names: Vec<String>,
    predicate: Option<String>,
    span: Span,
    /// What the query does that needs it: "filters `orders` by `status`".
    what: String,
}

impl Rule for UnindexedQuery {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_queries(&self, cx: &QueriesContext<'_>, out: &mut Vec<QueryDiagnostic>) {
        let mut suggestions: Vec<Suggestion> = vec![];
        for (qi, query) in cx.queries.iter().enumerate() {
            for block in 0..query.shape.blocks.len() {
                access_paths(cx, qi, query, block, &mut suggestions);
            }
        }
        // Merge: a suggestion whose keys are a prefix of another's (same table and predicate) is
        // served by that one.
        let target_of = |i: usize| -> usize {
            let s = &suggestions[i];
            (0..suggestions.len())
                .filter(|&j| {
                    let t = &suggestions[j];
                    t.table == s.table
                        && t.predicate == s.predicate
                        && t.keys.len() >= s.keys.len()
                        && t.keys[..s.keys.len()] == s.keys[..]
                })
                .max_by_key(|&j| (suggestions[j].keys.len(), std::cmp::Reverse(j)))
                .unwrap_or(i)
        };
        let targets: Vec<usize> = (0..suggestions.len()).map(target_of).collect();
        for (i, s) in suggestions.iter().enumerate() {
            let index = &suggestions[targets[i]];
            let served: Vec<usize> = (0..suggestions.len())
                .filter(|&j| targets[j] == targets[i])
                .map(|j| suggestions[j].query)
                .collect();
            let query = &cx.queries[s.query];
            let sql = create_index_sql(cx, index);
            let mut d = Diagnostic::new(
                META.id,
                s.span,
                format!(
                    "{} {}, but no index on `{}` can serve it: every call reads the whole table{}",
                    query.label(cx.files),
                    s.what,
                    s.table,
                    queries::workload(query.stats)
                ),
            )
            .help(
                "create the index concurrently (in a migration of its own, outside a transaction)",
            )
            .fix(sql, Applicability::Safe);
            let mut others: Vec<String> = served
                .iter()
                .filter(|&&q| q != s.query)
                .map(|&q| cx.queries[q].label(cx.files))
                .collect();
            others.sort();
            others.dedup();
            if !others.is_empty() {
                d = d.note(format!("the same index also serves {}", others.join(", ")));
            }
            out.push(QueryDiagnostic {
                file: query.file,
                diagnostic: d,
            });
        }
    }
}

/// The predicates of `block` on relation `alias`, and how the block joins it.
fn access_paths(
    cx: &QueriesContext<'_>,
    qi: usize,
    query: &Query,
    block: usize,
    out: &mut Vec<Suggestion>,
) {
    let blk = &query.shape.blocks[block];
    let owner = |col: &ColRef| query.own_relation(cx.catalog, block, col);
    // Predicates by relation alias.
    let mut by_rel: Vec<(String, &Table, Vec<&Pred>)> = vec![];
    for pred in &blk.preds {
        let cols = pred.target.columns();
        let owners: Vec<(String, &Table)> = cols.iter().filter_map(|c| owner(c)).collect();
        let Some((alias, table)) = owners.first().cloned() else {
            continue;
        };
        if owners.len() != cols.len() || owners.iter().any(|(a, _)| *a != alias) {
            continue;
        }
        match by_rel.iter_mut().find(|(a, _, _)| *a == alias) {
            Some(entry) => entry.2.push(pred),
            None => by_rel.push((alias, table, vec![pred])),
        }
    }
    let restricted = |alias: &str| {
        by_rel.iter().any(|(a, _, preds)| {
            a == alias && preds.iter().any(|p| matches!(p.op, Op::Eq | Op::In))
        })
    };
    let is_served = |table: &Table, target: &Target, op: Op| {
        cx.catalog
            .indexes_on(&table.name)
            .any(|i| index_applies(i, blk.conditions()) && index_serves(i, target, op))
    };
    for (_, table, preds) in &by_rel {
        if queries::is_small(table) {
            continue;
        }
        let sargable: Vec<&&Pred> = preds
            .iter()
            .filter(|p| matches!(p.op, Op::Eq | Op::In | Op::Range | Op::LikePrefix))
            .collect();
        // A function over an indexed column is `function-on-indexed-column`'s finding.
        let hidden_index = |p: &Pred| {
            matches!(&p.target, Target::Expr { columns, function: Some(_), .. }
                if columns.len() == 1 && is_served(table, &Target::Column(columns[0].clone()), Op::Eq))
        };
        if sargable.is_empty()
            || sargable
                .iter()
                .any(|p| is_served(table, &p.target, p.op) || hidden_index(p))
        {
            continue;
        }
        out.push(suggest(
            qi,
            table,
            preds,
            &sargable,
            blk.order_by.as_slice(),
            blk.limit.is_some(),
        ));
    }
    // Joins: the side whose partner is restricted to few rows is looked up once per partner row.
    for join in &blk.joins {
        for (this, other) in [(&join.left, &join.right), (&join.right, &join.left)] {
            let (Some((alias, table)), Some((other_alias, _))) = (owner(this), owner(other)) else {
                continue;
            };
            if !restricted(&other_alias) || restricted(&alias) || queries::is_small(table) {
                continue;
            }
            let target = Target::Column(this.clone());
            if is_served(table, &target, Op::Eq) {
                continue;
            }
            out.push(Suggestion {
                query: qi,
                table: table.name.clone(),
                keys: vec![quote_ident(&this.name)],
                names: vec![this.name.clone()],
                predicate: None,
                span: join.span,
                what: format!(
                    "joins `{}` on `{}` for each row it picks from `{}`",
                    table.name, this.name, other_alias
                ),
            });
        }
    }
    // ORDER BY ... LIMIT over one table with no filter: an index in that order returns the first
    // rows without sorting the table.
    if blk.limit.is_some()
        && !blk.order_by.is_empty()
        && blk.preds.is_empty()
        && blk.joins.is_empty()
    {
        let owners: Vec<(String, &Table)> = blk.order_by.iter().filter_map(owner).collect();
        if owners.len() == blk.order_by.len() && owners.iter().all(|(a, _)| *a == owners[0].0) {
            let table = owners[0].1;
            let first = Target::Column(blk.order_by[0].clone());
            if !queries::is_small(table) && !is_served(table, &first, Op::Range) {
                out.push(Suggestion {
                    query: qi,
                    table: table.name.clone(),
                    keys: blk.order_by.iter().map(|c| quote_ident(&c.name)).collect(),
                    names: blk.order_by.iter().map(|c| c.name.clone()).collect(),
                    predicate: None,
                    span: blk.order_by[0].span,
                    what: format!(
                        "sorts all of `{}` by `{}` to return the first rows",
                        table.name,
                        blk.order_by
                            .iter()
                            .map(|c| c.name.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                });
            }
        }
    }
}

/// Equality and IN columns first (in the order written), then one range or prefix column, then
/// the sort columns when the query stops at a LIMIT; `IS NULL` conditions make it partial.
fn suggest(
    qi: usize,
    table: &Table,
    preds: &[&Pred],
    sargable: &[&&Pred],
    order_by: &[ColRef],
    limited: bool,
) -> Suggestion {
    let mut keys: Vec<String> = vec![];
    let mut names: Vec<String> = vec![];
    let mut described: Vec<String> = vec![];
    let key_of = |p: &Pred| -> (String, String) {
        match &p.target {
            Target::Column(c) => {
                let ops = if p.op == Op::LikePrefix {
                    " text_pattern_ops"
                } else {
                    ""
                };
                (format!("{}{ops}", quote_ident(&c.name)), c.name.clone())
            }
            Target::Expr { text, function, .. } => (
                format!("({text})"),
                function.clone().unwrap_or_else(|| "expr".into()),
            ),
        }
    };
    let mut push = |p: &Pred| {
        let (key, name) = key_of(p);
        if !keys.contains(&key) {
            keys.push(key);
            names.push(name);
            described.push(describe(p));
        }
    };
    for p in sargable.iter().filter(|p| matches!(p.op, Op::Eq | Op::In)) {
        push(p);
    }
    let range = sargable
        .iter()
        .find(|p| matches!(p.op, Op::Range | Op::LikePrefix));
    if let Some(p) = range {
        push(p);
    } else if limited {
        for c in order_by {
            if table.column(&c.name).is_some() {
                let key = quote_ident(&c.name);
                if !keys.contains(&key) {
                    keys.push(key);
                    names.push(c.name.clone());
                }
            }
        }
    }
    let predicate = preds
        .iter()
        .filter(|p| p.op == Op::IsNull)
        .map(|p| p.text.clone())
        .collect::<Vec<_>>();
    let predicate = (!predicate.is_empty()).then(|| predicate.join(" AND "));
    Suggestion {
        query: qi,
        table: table.name.clone(),
        keys,
        names,
        predicate,
        span: sargable[0].span,
        what: format!("filters `{}` by {}", table.name, described.join(" and ")),
    }
}

fn describe(p: &Pred) -> String {
    let target = match &p.target {
        Target::Column(c) => format!("`{}`", c.name),
        Target::Expr { text, .. } => format!("`{text}`"),
    };
    let op = match p.op {
        Op::Eq => "=",
        Op::In => "IN",
        Op::Range => "range",
        Op::LikePrefix => "LIKE prefix",
        _ => "condition",
    };
    format!("{target} ({op})")
}

fn create_index_sql(cx: &QueriesContext<'_>, s: &Suggestion) -> String {
    let name = queries::free_index_name(
        cx.catalog,
        &s.table,
        &format!("{}_{}_idx", s.table.name, s.names.join("_")),
    );
    let predicate = s
        .predicate
        .as_ref()
        .map(|p| format!(" WHERE {p}"))
        .unwrap_or_default();
    format!(
        "CREATE INDEX CONCURRENTLY {} ON {} ({}){predicate};",
        quote_ident(&name),
        s.table,
        s.keys.join(", ")
    )
}
