//! Lowering a query's conditions and expressions: `WHERE` and `JOIN ... ON` conjuncts classified
//! into predicates and joins, row comparisons expanded per column, column references, function
//! calls, and expressions deparsed without qualifiers.

use super::expr::expr;
use super::lower::str_of;
use super::lower_query::Lowering;
use super::query::*;
use crate::span::Span;
use pg_query::protobuf::{self, node::Node as NodeEnum, Node};

impl Lowering<'_> {
    /// A WHERE or JOIN condition: split into conjuncts, each classified; every column reference
    /// is recorded.
    pub(super) fn condition(&mut self, b: usize, node: &Node) {
        if let Some(NodeEnum::BoolExpr(e)) = node.node.as_ref() {
            if e.boolop == protobuf::BoolExprType::AndExpr as i32 {
                for arg in &e.args {
                    self.condition(b, arg);
                }
                return;
            }
        }
        self.conjunct(b, node);
        self.walk(b, node);
    }

    fn conjunct(&mut self, b: usize, node: &Node) {
        if let Some(parts) = expand_row_comparison(node) {
            for part in &parts {
                self.conjunct(b, part);
            }
            return;
        }
        let span = node_span(node).map_or(Span::default(), |(loc, len)| self.at(loc, len));
        let text = unqualified_text(node);
        match node.node.as_ref() {
            Some(NodeEnum::AExpr(e)) => {
                let op_name: Vec<&str> = e.name.iter().filter_map(str_of).collect();
                let op_name = op_name.last().copied().unwrap_or("");
                let kind = e.kind;
                let (l, r) = (e.lexpr.as_deref(), e.rexpr.as_deref());
                use protobuf::AExprKind as K;
                if kind == K::AexprOp as i32 && op_name == "=" {
                    if let (Some(lc), Some(rc)) = (
                        l.and_then(|n| self.col_ref(n)),
                        r.and_then(|n| self.col_ref(n)),
                    ) {
                        if lc.qualifier.is_some()
                            && rc.qualifier.is_some()
                            && lc.qualifier != rc.qualifier
                        {
                            self.shape.blocks[b].joins.push(Join {
                                left: lc,
                                right: rc,
                                span,
                            });
                            return;
                        }
                    }
                }
                let op = if kind == K::AexprOp as i32 {
                    match op_name {
                        "=" => Op::Eq,
                        "<" | "<=" | ">" | ">=" => Op::Range,
                        _ => Op::Other,
                    }
                } else if (kind == K::AexprOpAny as i32 || kind == K::AexprIn as i32)
                    && op_name == "="
                {
                    Op::In
                } else if kind == K::AexprBetween as i32 {
                    Op::Range
                } else if kind == K::AexprLike as i32 && op_name == "~~" {
                    like_op(r, true)
                } else if kind == K::AexprIlike as i32 && op_name == "~~*" {
                    like_op(r, false)
                } else {
                    Op::Other
                };
                // The constrained side is the one with columns; the other must not reference the
                // same relation (then it is a comparison of two columns).
                let (target_node, other) = match (l, r) {
                    (Some(l), other) if has_column(l) => (l, other),
                    (Some(l), Some(r)) if has_column(r) && !has_column(l) => (r, Some(l)),
                    _ => return,
                };
                if matches!(op, Op::LikePrefix | Op::LikeOther { .. })
                    && !std::ptr::eq(target_node, l.unwrap_or(target_node))
                {
                    return;
                }
                if other.is_some_and(|o| has_column(o) && !matches!(op, Op::In)) {
                    return;
                }
                if let Some(target) = self.target(target_node) {
                    self.shape.blocks[b].preds.push(Pred {
                        target,
                        op,
                        span,
                        text,
                    });
                }
            }
            Some(NodeEnum::NullTest(t)) => {
                if let Some(target) = t.arg.as_deref().and_then(|a| self.target(a)) {
                    let op = if t.nulltesttype == protobuf::NullTestType::IsNull as i32 {
                        Op::IsNull
                    } else {
                        Op::IsNotNull
                    };
                    self.shape.blocks[b].preds.push(Pred {
                        target,
                        op,
                        span,
                        text,
                    });
                }
            }
            Some(NodeEnum::SubLink(s))
                if s.sub_link_type == protobuf::SubLinkType::AnySublink as i32 =>
            {
                if let Some(target) = s.testexpr.as_deref().and_then(|a| self.target(a)) {
                    self.shape.blocks[b].preds.push(Pred {
                        target,
                        op: Op::In,
                        span,
                        text,
                    });
                }
            }
            Some(NodeEnum::BoolExpr(e)) if e.boolop == protobuf::BoolExprType::NotExpr as i32 => {
                if let Some(NodeEnum::SubLink(s)) = e.args.first().and_then(|a| a.node.as_ref()) {
                    if s.sub_link_type == protobuf::SubLinkType::AnySublink as i32 {
                        // Lowered when walked; the sub-block index is known after that.
                        let next = self.shape.blocks.len();
                        let sub_column =
                            s.subselect.as_deref().and_then(|q| match q.node.as_ref() {
                                Some(NodeEnum::SelectStmt(sel)) => match sel.target_list.as_slice()
                                {
                                    [t] => match t.node.as_ref() {
                                        Some(NodeEnum::ResTarget(rt)) => {
                                            rt.val.as_deref().and_then(|v| self.col_ref(v))
                                        }
                                        _ => None,
                                    },
                                    _ => None,
                                },
                                _ => None,
                            });
                        self.shape.not_in.push((
                            b,
                            NotIn {
                                span,
                                sub_block: next,
                                sub_column,
                            },
                        ));
                    }
                }
            }
            _ => {}
        }
    }

    fn target(&self, node: &Node) -> Option<Target> {
        if let Some(c) = self.col_ref(node) {
            return Some(Target::Column(c));
        }
        // A row constructor is several columns, never one key (`((a, b))` is a record).
        if matches!(node.node.as_ref(), Some(NodeEnum::RowExpr(_))) {
            return None;
        }
        let mut columns = vec![];
        self.collect_cols(node, &mut columns);
        if columns.is_empty() {
            return None;
        }
        let function = match node.node.as_ref() {
            Some(NodeEnum::FuncCall(f)) => f
                .funcname
                .iter()
                .rev()
                .find_map(str_of)
                .map(str::to_ascii_lowercase),
            _ => None,
        };
        let mut functions = vec![];
        let indexable = index_expression_parts(node, &mut functions);
        Some(Target::Expr {
            text: unqualified_text(node),
            columns,
            function,
            functions,
            indexable,
        })
    }

    fn collect_cols(&self, node: &Node, out: &mut Vec<ColRef>) {
        let Some(inner) = node.node.as_ref() else {
            return;
        };
        for (n, _, _, _) in inner.nodes() {
            if let pg_query::NodeRef::ColumnRef(c) = n {
                if let Some(r) = self.column(c) {
                    out.push(r);
                }
            }
        }
    }

    pub(super) fn col_ref(&self, node: &Node) -> Option<ColRef> {
        match node.node.as_ref() {
            Some(NodeEnum::ColumnRef(c)) => self.column(c),
            _ => None,
        }
    }

    fn column(&self, c: &protobuf::ColumnRef) -> Option<ColRef> {
        if is_star(c) {
            return None;
        }
        let parts: Vec<&str> = c.fields.iter().filter_map(str_of).collect();
        let (qualifier, name) = match parts.as_slice() {
            [name] => (None, *name),
            [q, name] => (Some(q.to_string()), *name),
            _ => return None,
        };
        let len = parts.iter().map(|p| p.len()).sum::<usize>() + parts.len() - 1;
        Some(ColRef {
            qualifier,
            name: name.to_string(),
            span: self.at(c.location, len),
        })
    }

    /// Records column references and function calls under `node`; sublinks become child blocks.
    pub(super) fn walk(&mut self, b: usize, node: &Node) {
        let Some(inner) = node.node.as_ref() else {
            return;
        };
        match inner {
            NodeEnum::ColumnRef(c) => {
                if let Some(r) = self.column(c) {
                    self.shape.blocks[b].columns.push(r);
                }
            }
            NodeEnum::SubLink(s) => {
                if let Some(t) = s.testexpr.as_deref() {
                    self.walk(b, t);
                }
                if let Some(q) = s.subselect.as_deref() {
                    let exists = s.sub_link_type == protobuf::SubLinkType::ExistsSublink as i32;
                    self.subquery(q, Some(b), false, exists);
                }
            }
            NodeEnum::FuncCall(f) => {
                let parts: Vec<&str> = f.funcname.iter().filter_map(str_of).collect();
                if let Some(name) = parts.last() {
                    let schema = (parts.len() > 1).then(|| parts[parts.len() - 2].to_string());
                    let span = self.at(
                        f.location,
                        name.len() + schema.as_ref().map_or(0, |s| s.len() + 1),
                    );
                    self.shape.functions.push(FuncUse {
                        schema,
                        name: name.to_ascii_lowercase(),
                        span,
                    });
                }
                for a in &f.args {
                    self.walk(b, a);
                }
                for a in &f.agg_order {
                    self.walk(b, a);
                }
                if let Some(filter) = f.agg_filter.as_deref() {
                    self.walk(b, filter);
                }
            }
            NodeEnum::RangeSubselect(_) | NodeEnum::SelectStmt(_) => {
                self.subquery(node, Some(b), true, false);
            }
            _ => {
                // Direct children only: nested sublinks and column refs are handled by recursion.
                for child in children(inner) {
                    self.walk(b, child);
                }
            }
        }
    }
}

/// A comparison of row constructors, `(a, b) = ($1, $2)`, `(a, b) IN ((1, 2), (3, 4))`,
/// `(a, b) IN (SELECT ...)` or `(a, b) > ($1, $2)`, as the per-column conditions an index can
/// use: equalities (or `IN`) for every column of `=` and `IN`, and a range on the first column of
/// an ordering comparison (the row order is led by it). None when `node` is no row comparison.
fn expand_row_comparison(node: &Node) -> Option<Vec<Node>> {
    use protobuf::AExprKind as K;
    let row_args = |n: Option<&Node>| -> Option<Vec<Node>> {
        match n?.node.as_ref()? {
            NodeEnum::RowExpr(r) => Some(r.args.clone()),
            _ => None,
        }
    };
    let op = |kind: K, name: &str, l: Node, r: Option<Node>, location: i32| Node {
        node: Some(NodeEnum::AExpr(Box::new(protobuf::AExpr {
            kind: kind as i32,
            name: vec![Node {
                node: Some(NodeEnum::String(protobuf::String {
                    sval: name.to_string(),
                })),
            }],
            lexpr: Some(Box::new(l)),
            rexpr: r.map(Box::new),
            location,
            ..Default::default()
        }))),
    };
    match node.node.as_ref()? {
        NodeEnum::AExpr(e) => {
            let name = e.name.iter().filter_map(str_of).next_back().unwrap_or("");
            let left = row_args(e.lexpr.as_deref())?;
            if e.kind == K::AexprOp as i32 && name == "=" {
                let right = row_args(e.rexpr.as_deref())?;
                if left.len() != right.len() {
                    return None;
                }
                let parts = left
                    .into_iter()
                    .zip(right)
                    .map(|(l, r)| op(K::AexprOp, "=", l, Some(r), e.location))
                    .collect();
                return Some(parts);
            }
            if e.kind == K::AexprOp as i32 && matches!(name, "<" | "<=" | ">" | ">=") {
                let right = row_args(e.rexpr.as_deref())?;
                let (l, r) = (left.into_iter().next()?, right.into_iter().next()?);
                return Some(vec![op(K::AexprOp, name, l, Some(r), e.location)]);
            }
            if e.kind == K::AexprIn as i32 && name == "=" {
                // Each column is IN the list of its own position's values.
                let Some(NodeEnum::List(list)) = e.rexpr.as_deref().and_then(|r| r.node.as_ref())
                else {
                    return None;
                };
                let rows: Vec<Vec<Node>> = list
                    .items
                    .iter()
                    .map(|i| row_args(Some(i)))
                    .collect::<Option<_>>()?;
                if rows.iter().any(|r| r.len() != left.len()) {
                    return None;
                }
                let parts = left
                    .into_iter()
                    .enumerate()
                    .map(|(i, l)| {
                        let values = rows.iter().map(|r| r[i].clone()).collect();
                        let list = Node {
                            node: Some(NodeEnum::List(protobuf::List { items: values })),
                        };
                        op(K::AexprIn, "=", l, Some(list), e.location)
                    })
                    .collect();
                return Some(parts);
            }
            None
        }
        NodeEnum::SubLink(s) if s.sub_link_type == protobuf::SubLinkType::AnySublink as i32 => {
            // `(a, b) IN (SELECT x, y ...)`: each column is looked up by the subquery's values.
            let left = row_args(s.testexpr.as_deref())?;
            let parts = left
                .into_iter()
                .map(|l| Node {
                    node: Some(NodeEnum::SubLink(Box::new(protobuf::SubLink {
                        sub_link_type: s.sub_link_type,
                        sub_link_id: s.sub_link_id,
                        testexpr: Some(Box::new(l)),
                        oper_name: s.oper_name.clone(),
                        subselect: s.subselect.clone(),
                        location: s.location,
                        ..Default::default()
                    }))),
                })
                .collect();
            Some(parts)
        }
        _ => None,
    }
}

/// Whether an expression can be an index key as written (columns, constants, function calls and
/// operators only), collecting the functions it calls.
fn index_expression_parts(node: &Node, functions: &mut Vec<String>) -> bool {
    let Some(inner) = node.node.as_ref() else {
        return false;
    };
    match inner {
        NodeEnum::ColumnRef(c) => !is_star(c),
        NodeEnum::AConst(_) => true,
        NodeEnum::FuncCall(f) => {
            if f.agg_star || f.over.is_some() || f.agg_filter.is_some() || !f.agg_order.is_empty() {
                return false;
            }
            if let Some(name) = f.funcname.iter().rev().find_map(str_of) {
                functions.push(name.to_ascii_lowercase());
            }
            f.args.iter().all(|a| index_expression_parts(a, functions))
        }
        NodeEnum::AExpr(e) if e.kind == protobuf::AExprKind::AexprOp as i32 => {
            let name = e.name.iter().filter_map(str_of).next_back().unwrap_or("");
            functions.push(format!("operator {name}"));
            [e.lexpr.as_deref(), e.rexpr.as_deref()]
                .into_iter()
                .flatten()
                .all(|n| index_expression_parts(n, functions))
        }
        NodeEnum::CoalesceExpr(e) => e.args.iter().all(|a| index_expression_parts(a, functions)),
        _ => false,
    }
}

/// The direct child nodes of the expression node kinds that appear in queries.
fn children(n: &NodeEnum) -> Vec<&Node> {
    let mut out: Vec<&Node> = vec![];
    fn opt(o: &Option<Box<Node>>) -> Option<&Node> {
        o.as_deref()
    }
    match n {
        NodeEnum::AExpr(e) => out.extend(opt(&e.lexpr).into_iter().chain(opt(&e.rexpr))),
        NodeEnum::BoolExpr(e) => out.extend(&e.args),
        NodeEnum::NullTest(e) => out.extend(opt(&e.arg)),
        NodeEnum::BooleanTest(e) => out.extend(opt(&e.arg)),
        NodeEnum::TypeCast(e) => out.extend(opt(&e.arg)),
        NodeEnum::CollateClause(e) => out.extend(opt(&e.arg)),
        NodeEnum::NamedArgExpr(e) => out.extend(opt(&e.arg)),
        NodeEnum::AIndirection(e) => out.extend(opt(&e.arg)),
        NodeEnum::CaseExpr(e) => {
            out.extend(opt(&e.arg));
            out.extend(&e.args);
            out.extend(opt(&e.defresult));
        }
        NodeEnum::CaseWhen(e) => out.extend(opt(&e.expr).into_iter().chain(opt(&e.result))),
        NodeEnum::CoalesceExpr(e) => out.extend(&e.args),
        NodeEnum::MinMaxExpr(e) => out.extend(&e.args),
        NodeEnum::RowExpr(e) => out.extend(&e.args),
        NodeEnum::AArrayExpr(e) => out.extend(&e.elements),
        NodeEnum::List(e) => out.extend(&e.items),
        NodeEnum::ResTarget(e) => out.extend(opt(&e.val)),
        NodeEnum::SortBy(e) => out.extend(opt(&e.node)),
        NodeEnum::NullIfExpr(e) => out.extend(&e.args),
        _ => {}
    }
    out
}

pub(super) fn is_star(c: &protobuf::ColumnRef) -> bool {
    c.fields
        .iter()
        .any(|f| matches!(f.node.as_ref(), Some(NodeEnum::AStar(_))))
}

const AGGREGATES: &[&str] = &[
    "count",
    "sum",
    "avg",
    "min",
    "max",
    "bool_and",
    "bool_or",
    "every",
    "array_agg",
    "string_agg",
    "json_agg",
    "jsonb_agg",
    "json_object_agg",
    "jsonb_object_agg",
    "bit_and",
    "bit_or",
    "stddev",
    "variance",
    "percentile_cont",
    "percentile_disc",
    "mode",
    "exists",
];

pub(super) fn is_aggregate(f: &protobuf::FuncCall) -> bool {
    f.agg_star
        || f.funcname
            .iter()
            .rev()
            .find_map(str_of)
            .is_some_and(|n| AGGREGATES.contains(&n.to_ascii_lowercase().as_str()))
}

fn has_column(node: &Node) -> bool {
    let Some(inner) = node.node.as_ref() else {
        return false;
    };
    if matches!(inner, NodeEnum::ColumnRef(_)) {
        return true;
    }
    if matches!(inner, NodeEnum::SubLink(_)) {
        return false;
    }
    inner
        .nodes()
        .into_iter()
        .any(|(n, _, _, _)| matches!(n, pg_query::NodeRef::ColumnRef(_)))
}

/// `LIKE pattern`: a literal prefix is index-friendly (with text_pattern_ops); a leading `%` or
/// `_` is not, nor `'%' || $1`.
fn like_op(pattern: Option<&Node>, case_sensitive: bool) -> Op {
    let literal = |n: &Node| -> Option<String> {
        match n.node.as_ref()? {
            NodeEnum::AConst(c) => match c.val.as_ref()? {
                protobuf::a_const::Val::Sval(s) => Some(s.sval.clone()),
                _ => None,
            },
            NodeEnum::TypeCast(t) => match t.arg.as_deref()?.node.as_ref()? {
                NodeEnum::AConst(c) => match c.val.as_ref()? {
                    protobuf::a_const::Val::Sval(s) => Some(s.sval.clone()),
                    _ => None,
                },
                _ => None,
            },
            _ => None,
        }
    };
    let Some(p) = pattern else { return Op::Other };
    // The leftmost operand of a `||` chain.
    let mut first = p;
    while let Some(NodeEnum::AExpr(e)) = first.node.as_ref() {
        if e.name.iter().filter_map(str_of).any(|o| o == "||") {
            match e.lexpr.as_deref() {
                Some(l) => first = l,
                None => break,
            }
        } else {
            break;
        }
    }
    match literal(first) {
        Some(s) if s.starts_with('%') || s.starts_with('_') => Op::LikeOther {
            leading_wildcard: true,
        },
        Some(s) if case_sensitive && !s.is_empty() => Op::LikePrefix,
        _ => Op::LikeOther {
            leading_wildcard: false,
        },
    }
}

/// The byte location and a length to underline for an expression node.
pub(super) fn node_span(node: &Node) -> Option<(i32, usize)> {
    let text_len = unqualified_text(node).len().max(1);
    let loc = match node.node.as_ref()? {
        NodeEnum::AExpr(e) => e
            .lexpr
            .as_deref()
            .and_then(node_span)
            .map_or(e.location, |(l, _)| l),
        NodeEnum::NullTest(e) => e
            .arg
            .as_deref()
            .and_then(node_span)
            .map_or(e.location, |(l, _)| l),
        NodeEnum::SubLink(e) => e
            .testexpr
            .as_deref()
            .and_then(node_span)
            .map_or(e.location, |(l, _)| l),
        NodeEnum::BoolExpr(e) => e
            .args
            .first()
            .and_then(node_span)
            .map_or(e.location, |(l, _)| l),
        NodeEnum::ColumnRef(e) => e.location,
        NodeEnum::FuncCall(e) => e.location,
        NodeEnum::TypeCast(e) => e
            .arg
            .as_deref()
            .and_then(node_span)
            .map_or(e.location, |(l, _)| l),
        NodeEnum::AConst(e) => e.location,
        NodeEnum::ParamRef(e) => e.location,
        _ => return None,
    };
    (loc >= 0).then_some((loc, text_len))
}

/// An expression deparsed with column qualifiers removed (`lower(u.email)` -> `lower(email)`),
/// comparable with index expressions and predicates.
pub fn unqualified_text(node: &Node) -> String {
    let mut copy = node.clone();
    strip_qualifiers(&mut copy);
    expr(&copy).text
}

fn strip_qualifiers(node: &mut Node) {
    let Some(inner) = node.node.as_mut() else {
        return;
    };
    match inner {
        NodeEnum::ColumnRef(c) if c.fields.len() > 1 => {
            let last = c.fields.pop();
            c.fields.clear();
            c.fields.extend(last);
        }
        NodeEnum::AExpr(e) => {
            for n in [e.lexpr.as_deref_mut(), e.rexpr.as_deref_mut()]
                .into_iter()
                .flatten()
            {
                strip_qualifiers(n);
            }
        }
        NodeEnum::BoolExpr(e) => e.args.iter_mut().for_each(strip_qualifiers),
        NodeEnum::NullTest(e) => e.arg.as_deref_mut().into_iter().for_each(strip_qualifiers),
        NodeEnum::TypeCast(e) => e.arg.as_deref_mut().into_iter().for_each(strip_qualifiers),
        NodeEnum::FuncCall(e) => e.args.iter_mut().for_each(strip_qualifiers),
        NodeEnum::CoalesceExpr(e) => e.args.iter_mut().for_each(strip_qualifiers),
        NodeEnum::List(e) => e.items.iter_mut().for_each(strip_qualifiers),
        NodeEnum::CollateClause(e) => e.arg.as_deref_mut().into_iter().for_each(strip_qualifiers),
        _ => {}
    }
}
