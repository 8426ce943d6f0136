//! What a view's (or any) query reads: its tables, the columns it names (resolved through
//! aliases where that is certain), its output columns and functions, and the columns it joins on.

use super::expr::collect_refs;
use super::lower::{range_var, str_of};
use super::*;
use pg_query::protobuf;
use pg_query::{Node, NodeEnum, NodeRef};

/// The tables, column names, output columns and function names (lowercase, sorted) of a query.
pub(super) fn query_refs(
    query: Option<&Node>,
) -> (Vec<QualName>, Vec<String>, Vec<String>, Vec<String>) {
    let mut reads = vec![];
    let mut columns = vec![];
    let mut functions = vec![];
    let mut output = vec![];
    if let Some(NodeEnum::SelectStmt(sel)) = query.and_then(|q| q.node.as_ref()) {
        for target in &sel.target_list {
            if let Some(NodeEnum::ResTarget(r)) = target.node.as_ref() {
                if !r.name.is_empty() {
                    output.push(r.name.clone());
                } else if let Some(NodeEnum::ColumnRef(c)) =
                    r.val.as_deref().and_then(|v| v.node.as_ref())
                {
                    let star = c
                        .fields
                        .last()
                        .is_some_and(|f| matches!(f.node.as_ref(), Some(NodeEnum::AStar(_))));
                    if star {
                        // `*` or `p.*`: the catalog expands it when the view is created.
                        let qualifier: Vec<&str> = c.fields.iter().filter_map(str_of).collect();
                        output.push(match qualifier.last() {
                            Some(q) => format!("{q}.*"),
                            None => "*".to_string(),
                        });
                    } else if let Some(name) = c.fields.iter().rev().find_map(str_of) {
                        output.push(name.to_string());
                    }
                }
            }
        }
    }
    if let Some(node) = query.and_then(|q| q.node.as_ref()) {
        collect_refs(node, &mut columns, &mut functions, &mut reads);
    }
    // CTE names are not tables.
    let ctes: Vec<String> = query
        .and_then(|q| q.node.as_ref())
        .map(|n| {
            n.nodes()
                .into_iter()
                .filter_map(|(r, _, _, _)| match r {
                    NodeRef::CommonTableExpr(c) => Some(c.ctename.clone()),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default();
    reads.retain(|t| !(t.schema == "public" && ctes.contains(&t.name)));
    reads.sort();
    reads.dedup();
    functions.sort();
    functions.dedup();
    (reads, columns, output, functions)
}

/// The qualified column references of `query` (`o.id`, `orders.id`, `app.orders.id`) with the
/// table each one reads, resolved through the aliases of every `FROM` in the query. A qualifier
/// that names different things in different parts of the query (the same alias on two tables, a
/// subquery, a CTE or a function in `FROM`) is left out: no guess. Second, the column names read
/// without a table known for them (unqualified, or through such a qualifier). Both sorted.
pub fn view_column_refs(query: Option<&Node>) -> (Vec<(QualName, String)>, Vec<String>) {
    use std::collections::HashMap;
    let Some(root) = query.and_then(|q| q.node.as_ref()) else {
        return (vec![], vec![]);
    };
    let nodes = root.nodes();
    // qualifier -> the table it names; None once it is known to be ambiguous or not a table.
    let mut qualifiers: HashMap<String, Option<QualName>> = HashMap::new();
    let mut not_tables: Vec<String> = vec![];
    for (n, _, _, _) in &nodes {
        match n {
            NodeRef::CommonTableExpr(c) => not_tables.push(c.ctename.clone()),
            NodeRef::RangeSubselect(r) => {
                if let Some(a) = &r.alias {
                    not_tables.push(a.aliasname.clone());
                }
            }
            NodeRef::RangeFunction(r) => {
                if let Some(a) = &r.alias {
                    not_tables.push(a.aliasname.clone());
                }
            }
            _ => {}
        }
    }
    let mut name = |key: String, table: &QualName| {
        qualifiers
            .entry(key)
            .and_modify(|t| {
                if t.as_ref() != Some(table) {
                    *t = None;
                }
            })
            .or_insert_with(|| Some(table.clone()));
    };
    for (n, _, _, _) in &nodes {
        let NodeRef::RangeVar(rv) = n else { continue };
        if rv.schemaname.is_empty() && not_tables.contains(&rv.relname) {
            continue; // a CTE read by name
        }
        let table = range_var(Some(rv));
        match &rv.alias {
            Some(a) => name(a.aliasname.clone(), &table),
            None => {
                name(rv.relname.clone(), &table);
                name(format!("{}.{}", table.schema, table.name), &table);
            }
        }
    }
    for key in &not_tables {
        qualifiers.insert(key.clone(), None);
    }
    let mut out = vec![];
    let mut loose: Vec<String> = vec![];
    // The node walk does not enter an aggregate's `FILTER (WHERE ...)` or `ORDER BY`: walk them too.
    let mut column_refs: Vec<&protobuf::ColumnRef> = vec![];
    let mut extra = vec![];
    for (n, _, _, _) in &nodes {
        match n {
            NodeRef::ColumnRef(c) => column_refs.push(c),
            NodeRef::FuncCall(f) => {
                for node in f.agg_filter.iter().map(|b| &**b).chain(f.agg_order.iter()) {
                    if let Some(inner) = node.node.as_ref() {
                        extra.extend(inner.nodes());
                    }
                }
            }
            _ => {}
        }
    }
    for (n, _, _, _) in &extra {
        if let NodeRef::ColumnRef(c) = n {
            column_refs.push(c);
        }
    }
    for c in column_refs {
        let parts: Vec<&str> = c.fields.iter().filter_map(str_of).collect();
        let star = matches!(
            c.fields.last().and_then(|f| f.node.as_ref()),
            Some(NodeEnum::AStar(_))
        );
        if star && parts.len() + 1 == c.fields.len() && !parts.is_empty() {
            // `t.*`: every column `t` has when the view is created (the catalog expands it).
            if let Some(Some(table)) = qualifiers.get(&parts.join(".")) {
                out.push((table.clone(), "*".to_string()));
            }
            continue;
        }
        if parts.len() != c.fields.len() || parts.is_empty() {
            continue; // `*`
        }
        let (qualifier, column) = parts.split_at(parts.len() - 1);
        match qualifiers.get(&qualifier.join(".")) {
            Some(Some(table)) if !qualifier.is_empty() => {
                out.push((table.clone(), column[0].to_string()))
            }
            _ => loose.push(column[0].to_string()),
        }
    }
    out.sort();
    out.dedup();
    loose.sort();
    loose.dedup();
    (out, loose)
}

/// The column equalities `query` joins tables on, with aliases resolved to table names: from
/// `JOIN ... ON` and `WHERE` conditions (through `AND`), in every branch of a `UNION`. Only
/// qualified column references (`o.customer_id = c.id`) on plain tables count; sorted, deduplicated.
pub fn join_pairs(query: Option<&Node>) -> Vec<JoinPair> {
    let mut out = vec![];
    if let Some(NodeEnum::SelectStmt(select)) = query.and_then(|q| q.node.as_ref()) {
        select_joins(select, &mut out);
    }
    out.sort();
    out.dedup();
    out
}

fn select_joins(select: &protobuf::SelectStmt, out: &mut Vec<JoinPair>) {
    for branch in [select.larg.as_deref(), select.rarg.as_deref()]
        .into_iter()
        .flatten()
    {
        select_joins(branch, out);
    }
    let mut aliases: std::collections::HashMap<String, QualName> = Default::default();
    let mut conditions: Vec<&Node> = vec![];
    fn from_item<'a>(
        node: &'a Node,
        aliases: &mut std::collections::HashMap<String, QualName>,
        conditions: &mut Vec<&'a Node>,
    ) {
        match node.node.as_ref() {
            Some(NodeEnum::RangeVar(rv)) => {
                let table = range_var(Some(rv));
                let alias = rv
                    .alias
                    .as_ref()
                    .map_or_else(|| rv.relname.clone(), |a| a.aliasname.clone());
                aliases.insert(alias, table);
            }
            Some(NodeEnum::JoinExpr(j)) => {
                for side in [j.larg.as_deref(), j.rarg.as_deref()].into_iter().flatten() {
                    from_item(side, aliases, conditions);
                }
                if let Some(quals) = j.quals.as_deref() {
                    conditions.push(quals);
                }
            }
            _ => {}
        }
    }
    for item in &select.from_clause {
        from_item(item, &mut aliases, &mut conditions);
    }
    if let Some(w) = select.where_clause.as_deref() {
        conditions.push(w);
    }
    fn equalities(
        node: &Node,
        aliases: &std::collections::HashMap<String, QualName>,
        out: &mut Vec<JoinPair>,
    ) {
        match node.node.as_ref() {
            Some(NodeEnum::BoolExpr(b)) if b.boolop == protobuf::BoolExprType::AndExpr as i32 => {
                for arg in &b.args {
                    equalities(arg, aliases, out);
                }
            }
            Some(NodeEnum::AExpr(e))
                if e.kind == protobuf::AExprKind::AexprOp as i32
                    && e.name.iter().filter_map(str_of).eq(["="]) =>
            {
                let side = |n: Option<&Node>| -> Option<(String, (QualName, String))> {
                    let Some(NodeEnum::ColumnRef(c)) = n?.node.as_ref() else {
                        return None;
                    };
                    let parts: Vec<&str> = c.fields.iter().filter_map(str_of).collect();
                    let [alias, column] = parts.as_slice() else {
                        return None;
                    };
                    Some((
                        alias.to_string(),
                        (aliases.get(*alias)?.clone(), column.to_string()),
                    ))
                };
                // Two aliases of one table are a self-join (`c.parent_id = p.id`); one alias
                // compared with itself is a filter, not a join.
                if let (Some((alias_a, a)), Some((alias_b, b))) =
                    (side(e.lexpr.as_deref()), side(e.rexpr.as_deref()))
                {
                    if alias_a != alias_b && a != b {
                        let (left, right) = if a <= b { (a, b) } else { (b, a) };
                        out.push(JoinPair { left, right });
                    }
                }
            }
            _ => {}
        }
    }
    for condition in conditions {
        equalities(condition, &aliases, out);
    }
}
