//! `unindexed-query`: a query filters, joins or sorts-with-limit on columns no index can serve,
//! so every call reads the whole table. Suggests the narrowest index and merges suggestions so
//! one index serves several queries.

use super::*;
use crate::catalog::Table;
use crate::finding::Applicability;
use crate::queries::shape::{ColRef, Op, Pred, Target};
use super::index_advice::{self, index_applies, index_serves};
use crate::queries::Query;
use crate::syntax::quote_ident;

declare_rule! {
    UnindexedQuery {
        id: "unindexed-query",
        category: Performance,
        severity: Warning,
        fix: Recipe(IndexForQuery),
    }
}

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
    fn check_queries(&self, cx: &QueriesContext<'_>, out: &mut Vec<Diagnostic>) {
        if cx.indexes_not_modelled() {
            return;
        }
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
        // One name per distinct index: two different indexes (other keys, or another predicate)
        // never share a name, so every suggestion can be applied next to the others.
        let mut index_names: std::collections::HashMap<usize, String> = Default::default();
        for &t in &targets {
            if index_names.contains_key(&t) {
                continue;
            }
            let s = &suggestions[t];
            let base = format!("{}_{}_idx", s.table.name, s.names.join("_"));
            let mut name = index_advice::free_index_name(cx.catalog, &s.table, &base);
            let short: String = base.chars().take(52).collect();
            let mut n = 1;
            while index_names.values().any(|v| *v == name) {
                name = index_advice::free_index_name(cx.catalog, &s.table, &format!("{short}{n}"));
                n += 1;
            }
            index_names.insert(t, name);
        }
        for (i, s) in suggestions.iter().enumerate() {
            let index = &suggestions[targets[i]];
            let served: Vec<usize> = (0..suggestions.len())
                .filter(|&j| targets[j] == targets[i])
                .map(|j| suggestions[j].query)
                .collect();
            let query = &cx.queries[s.query];
            let sql = create_index_sql(index, &index_names[&targets[i]]);
            let mut d = Diagnostic::new(
                META.id,
                s.span,
                format!(
                    "{} {}, but no index on `{}` can serve it: every call reads the whole table{}",
                    query.label(cx.files),
                    s.what,
                    s.table,
                    index_advice::workload(query.stats)
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
            out.push(
                d
                .at(Anchor::File(query.file)),
            );
        }
    }
}

/// The predicates of `block` on relation `alias`, and how the block joins it.
///
/// The equalities on one relation (with constants, with another relation of the block, or with a
/// relation of an enclosing block in a correlated subquery) are one multi-column lookup: an index
/// whose leading key is any of those columns serves it.
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
    // Join equalities: (this alias, this column, the other side's alias, whether the other side
    // is a relation of an enclosing block: a correlated subquery looks rows up once per outer
    // row).
    let mut join_cols: Vec<(String, &Table, ColRef, String, bool, Span)> = vec![];
    for join in &blk.joins {
        for (this, other) in [(&join.left, &join.right), (&join.right, &join.left)] {
            let Some((alias, table)) = owner(this) else {
                continue;
            };
            match owner(other) {
                Some((other_alias, _)) if other_alias != alias => {
                    join_cols.push((alias, table, this.clone(), other_alias, false, join.span));
                }
                Some(_) => {}
                None => {
                    let outer = other.qualifier.as_deref().is_some_and(|q| {
                        !blk.relations.iter().any(|r| r.alias == q)
                            && query.shape.relation(block, q).is_some()
                    });
                    if outer {
                        let q = other.qualifier.clone().unwrap_or_default();
                        join_cols.push((alias, table, this.clone(), q, true, join.span));
                    }
                }
            }
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
    // A lookup by equality on all of `columns` at once: any index led by one of them serves it
    // (a composite primary key on `(tenant_id, id)` serves `tenant_id = $1 AND id = $2`).
    let lookup_served = |table: &Table, columns: &[ColRef]| {
        columns
            .iter()
            .any(|c| is_served(table, &Target::Column(c.clone()), Op::Eq))
    };
    let correlated_of = |alias: &str| -> Vec<ColRef> {
        join_cols
            .iter()
            .filter(|(a, _, _, _, outer, _)| *outer && a == alias)
            .map(|(_, _, c, _, _, _)| c.clone())
            .collect()
    };
    let mut looked_up: Vec<String> = vec![];
    for (alias, table, preds) in &by_rel {
        if cx.is_small(table) {
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
        let correlated = correlated_of(alias);
        let equal_columns: Vec<ColRef> = sargable
            .iter()
            .filter(|p| matches!(p.op, Op::Eq | Op::In))
            .filter_map(|p| match &p.target {
                Target::Column(c) => Some(c.clone()),
                Target::Expr { .. } => None,
            })
            .chain(correlated.iter().cloned())
            .collect();
        if sargable.is_empty() {
            continue;
        }
        looked_up.push(alias.clone());
        if sargable
            .iter()
            .any(|p| is_served(table, &p.target, p.op) || hidden_index(p))
            || lookup_served(table, &equal_columns)
        {
            continue;
        }
        out.extend(suggest(
            cx,
            qi,
            table,
            preds,
            &sargable,
            &correlated,
            blk.order_by.as_slice(),
            blk.limit.is_some(),
        ));
    }
    // Joins: the side whose partner is restricted to few rows (or is the outer row of a
    // correlated subquery) is looked up once per partner row, by all its equalities with that
    // partner at once.
    // Every relation of the enclosing blocks is fixed for one run of a correlated subquery: its
    // equalities with any of them are one lookup.
    let partner = |other: &str, outer: bool| {
        if outer {
            String::new()
        } else {
            other.to_string()
        }
    };
    let mut pairs: Vec<(String, String)> = vec![];
    for (alias, _, _, other, outer, _) in &join_cols {
        let pair = (alias.clone(), partner(other, *outer));
        if !pairs.contains(&pair) {
            pairs.push(pair);
        }
    }
    for (alias, other) in pairs {
        let group: Vec<_> = join_cols
            .iter()
            .filter(|(a, _, _, o, outer, _)| *a == alias && partner(o, *outer) == other)
            .collect();
        let other = &group[0].3;
        let (_, table, _, _, outer, span) = group[0];
        if looked_up.contains(&alias) || restricted(&alias) || cx.is_small(table) {
            continue;
        }
        // A partner that is not restricted to few rows is read whole, and the planner then
        // hashes this side instead of looking it up (a hash join, or an anti-join for
        // `NOT EXISTS`): no index needed.
        let partner_restricted = if *outer {
            outer_restricted(cx, query, block, other)
        } else {
            restricted(other)
        };
        if !partner_restricted {
            continue;
        }
        let mut columns: Vec<ColRef> = vec![];
        for (_, _, c, _, _, _) in &group {
            if !columns.iter().any(|x| x.name == c.name) {
                columns.push(c.clone());
            }
        }
        if lookup_served(table, &columns) {
            continue;
        }
        let names: Vec<String> = columns.iter().map(|c| c.name.clone()).collect();
        let described = names
            .iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let what = if *outer {
            format!(
                "looks up `{}` by {described} for each row of the enclosing query's `{other}`",
                table.name
            )
        } else {
            format!(
                "joins `{}` on {described} for each row it picks from `{other}`",
                table.name
            )
        };
        out.push(Suggestion {
            query: qi,
            table: table.name.clone(),
            keys: names.iter().map(|n| quote_ident(n)).collect(),
            names,
            predicate: None,
            span: *span,
            what,
        });
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
            if !cx.is_small(table) && !is_served(table, &first, Op::Range) {
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

/// Whether relation `alias` of a block enclosing `block` is filtered by an equality or `IN` on
/// one of its own columns, so a correlated subquery runs for few of its rows.
fn outer_restricted(cx: &QueriesContext<'_>, query: &Query, block: usize, alias: &str) -> bool {
    let mut b = query.shape.blocks[block].parent;
    while let Some(i) = b {
        let blk = &query.shape.blocks[i];
        if blk.relations.iter().any(|r| r.alias == alias) {
            return blk.preds.iter().any(|p| {
                matches!(p.op, Op::Eq | Op::In)
                    && p.target.columns().iter().all(|c| {
                        query
                            .own_relation(cx.catalog, i, c)
                            .is_some_and(|(a, _)| a == alias)
                    })
            });
        }
        b = blk.parent;
    }
    false
}

/// Built-in functions and operators PostgreSQL marks IMMUTABLE for the argument types queries
/// use them with: an index expression may call them.
const IMMUTABLE_BUILTINS: &[&str] = &[
    "lower",
    "upper",
    "btrim",
    "ltrim",
    "rtrim",
    "md5",
    "length",
    "char_length",
    "octet_length",
    "substr",
    "left",
    "right",
    "reverse",
    "replace",
    "split_part",
    "initcap",
    "abs",
    "jsonb_extract_path",
    "jsonb_extract_path_text",
    "json_extract_path_text",
    "operator ->>",
    "operator ->",
    "operator #>>",
    "operator #>",
];

/// Whether an expression target can be an index key: only columns, constants, and functions and
/// operators known to be IMMUTABLE (built-ins above, or functions the schema declares so).
fn indexable_expression(cx: &QueriesContext<'_>, target: &Target) -> bool {
    match target {
        Target::Column(_) => true,
        Target::Expr {
            functions,
            indexable,
            ..
        } => {
            *indexable
                && functions.iter().all(|f| {
                    IMMUTABLE_BUILTINS.contains(&f.as_str())
                        || (!f.starts_with("operator ")
                            && cx.catalog.functions.keys().any(|k| k.name == *f)
                            && cx.catalog.function_volatility(f)
                                == crate::syntax::Volatility::Immutable)
                })
        }
    }
}

/// Equality and IN columns first (in the order written), then one range or prefix column, then
/// the sort columns when the query stops at a LIMIT; `IS NULL` conditions make it partial.
#[allow(clippy::too_many_arguments)]
fn suggest(
    cx: &QueriesContext<'_>,
    qi: usize,
    table: &Table,
    preds: &[&Pred],
    sargable: &[&&Pred],
    correlated: &[ColRef],
    order_by: &[ColRef],
    limited: bool,
) -> Option<Suggestion> {
    // An expression an index cannot hold (a parameter, a STABLE function) is left out of the
    // keys; when nothing is left, pgproof suggests nothing.
    let sargable: Vec<&&Pred> = sargable
        .iter()
        .copied()
        .filter(|p| indexable_expression(cx, &p.target))
        .collect();
    let first = sargable.first()?;
    // (key, name for the index name, description) in index order.
    let mut entries: Vec<(String, String, Option<String>)> = vec![];
    let add = |entries: &mut Vec<(String, String, Option<String>)>,
               key: String,
               name: String,
               what: Option<String>| {
        if !entries.iter().any(|(k, _, _)| *k == key) {
            entries.push((key, name, what));
        }
    };
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
    for p in sargable.iter().filter(|p| matches!(p.op, Op::Eq | Op::In)) {
        let (key, name) = key_of(p);
        add(&mut entries, key, name, Some(describe(p)));
    }
    for c in correlated {
        let what = format!("`{}` (= the enclosing row's)", c.name);
        add(
            &mut entries,
            quote_ident(&c.name),
            c.name.clone(),
            Some(what),
        );
    }
    let range = sargable
        .iter()
        .find(|p| matches!(p.op, Op::Range | Op::LikePrefix));
    if let Some(p) = range {
        let (key, name) = key_of(p);
        add(&mut entries, key, name, Some(describe(p)));
    } else if limited {
        for c in order_by {
            if table.column(&c.name).is_some() {
                add(&mut entries, quote_ident(&c.name), c.name.clone(), None);
            }
        }
    }
    let keys: Vec<String> = entries.iter().map(|e| e.0.clone()).collect();
    let names: Vec<String> = entries.iter().map(|e| e.1.clone()).collect();
    let described: Vec<String> = entries.iter().filter_map(|e| e.2.clone()).collect();
    let predicate = preds
        .iter()
        .filter(|p| p.op == Op::IsNull)
        .map(|p| p.text.clone())
        .collect::<Vec<_>>();
    let predicate = (!predicate.is_empty()).then(|| predicate.join(" AND "));
    Some(Suggestion {
        query: qi,
        table: table.name.clone(),
        keys,
        names,
        predicate,
        span: first.span,
        what: format!("filters `{}` by {}", table.name, described.join(" and ")),
    })
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

fn create_index_sql(s: &Suggestion, name: &str) -> String {
    let predicate = s
        .predicate
        .as_ref()
        .map(|p| format!(" WHERE {p}"))
        .unwrap_or_default();
    format!(
        "CREATE INDEX CONCURRENTLY {} ON {} ({}){predicate};",
        quote_ident(name),
        s.table,
        s.keys.join(", ")
    )
}
