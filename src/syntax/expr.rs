//! Expressions: deparsed text (so formatting does not matter) and what they reference, and the
//! normalization that compares an expression as written with one the server printed.

use super::lower::{range_var, str_of};
use super::*;
use pg_query::protobuf::{self, a_const};
use pg_query::{Node, NodeEnum, NodeRef};

/// Deparses an expression node by wrapping it in `SELECT <expr>`, and collects what it references.
pub fn expr(node: &Node) -> Expr {
    let select = protobuf::SelectStmt {
        target_list: vec![Node {
            node: Some(NodeEnum::ResTarget(Box::new(protobuf::ResTarget {
                val: Some(Box::new(node.clone())),
                ..Default::default()
            }))),
        }],
        limit_option: protobuf::LimitOption::Default as i32,
        op: protobuf::SetOperation::SetopNone as i32,
        ..Default::default()
    };
    let wrapped = NodeEnum::SelectStmt(Box::new(select));
    let text = match wrapped.deparse(Default::default()) {
        Ok(sql) => sql
            .strip_prefix("SELECT ")
            .map(str::to_string)
            .unwrap_or(sql),
        Err(_) => "<expression>".to_string(),
    };
    let mut columns = vec![];
    let mut functions = vec![];
    let mut tables = vec![];
    if let Some(inner) = node.node.as_ref() {
        collect_refs(inner, &mut columns, &mut functions, &mut tables);
    }
    Expr {
        text,
        columns,
        functions,
        tables,
    }
}

/// The text of an expression the way PostgreSQL would compare it after storing it: casts of
/// literals (`'x'::character varying`, `'t_id_seq'::regclass`) and implicit casts of columns to
/// text types (`(name)::text`) dropped, and `nextval` of a `public.` sequence named without the
/// schema, then deparsed and lowered again. pgproof does not resolve types, so both sides of a
/// comparison go through this; `None` for text it cannot parse.
pub fn normalized_expr(text: &str) -> Option<Expr> {
    let parsed = crate::parse::parse_tree_only(&format!("SELECT {text}"))?;
    let target = parsed
        .stmts
        .first()
        .and_then(|s| s.stmt.as_ref())
        .and_then(|s| match s.node.as_ref() {
            Some(NodeEnum::SelectStmt(sel)) => sel.target_list.first(),
            _ => None,
        })
        .and_then(|t| match t.node.as_ref() {
            Some(NodeEnum::ResTarget(r)) => r.val.as_deref(),
            _ => None,
        });
    let mut node = target?.clone();
    strip_implicit_casts(&mut node);
    Some(expr(&node))
}

/// A quoted literal cast to a number or a boolean as the server stores it: `'0'::bigint` is `0`,
/// `'t'::boolean` is `true`.
fn typed_literal(mut node: Node, type_name: &str) -> Node {
    let Some(NodeEnum::AConst(c)) = node.node.as_mut() else {
        return node;
    };
    let Some(a_const::Val::Sval(s)) = c.val.as_ref() else {
        return node;
    };
    let text = s.sval.trim().to_string();
    let number = ["int2", "int4", "int8", "numeric", "float4", "float8"].contains(&type_name);
    if number {
        if let Ok(i) = text.parse::<i32>() {
            c.val = Some(a_const::Val::Ival(protobuf::Integer { ival: i }));
        } else if text.parse::<f64>().is_ok() {
            c.val = Some(a_const::Val::Fval(protobuf::Float { fval: text }));
        }
    } else if type_name == "bool" {
        let value = match text.to_ascii_lowercase().as_str() {
            "t" | "true" | "y" | "yes" | "on" | "1" => Some(true),
            "f" | "false" | "n" | "no" | "off" | "0" => Some(false),
            _ => None,
        };
        if let Some(boolval) = value {
            c.val = Some(a_const::Val::Boolval(protobuf::Boolean { boolval }));
        }
    }
    node
}

/// Types a column is cast to implicitly when it meets a text operand or a text function.
const TEXT_TYPES: &[&str] = &["text", "varchar", "bpchar", "name", "char"];

fn strip_implicit_casts(node: &mut Node) {
    let replacement = match node.node.as_mut() {
        Some(NodeEnum::TypeCast(cast)) => {
            let type_name = cast
                .type_name
                .as_ref()
                .and_then(|t| t.names.last())
                .and_then(str_of)
                .unwrap_or("")
                .to_ascii_lowercase();
            let arg = cast.arg.as_deref();
            let literal = matches!(arg.and_then(|a| a.node.as_ref()), Some(NodeEnum::AConst(_)));
            let column = matches!(
                arg.and_then(|a| a.node.as_ref()),
                Some(NodeEnum::ColumnRef(_))
            );
            let is_array = cast
                .type_name
                .as_ref()
                .is_some_and(|t| !t.array_bounds.is_empty());
            if literal && !is_array {
                cast.arg.take().map(|a| typed_literal(*a, &type_name))
            } else if column && TEXT_TYPES.contains(&type_name.as_str()) {
                cast.arg.take().map(|a| *a)
            } else {
                if let Some(a) = cast.arg.as_deref_mut() {
                    strip_implicit_casts(a);
                }
                None
            }
        }
        Some(NodeEnum::FuncCall(f)) => {
            let is_nextval = f
                .funcname
                .last()
                .and_then(str_of)
                .is_some_and(|n| n.eq_ignore_ascii_case("nextval"));
            f.args.iter_mut().for_each(strip_implicit_casts);
            if is_nextval {
                for arg in &mut f.args {
                    if let Some(NodeEnum::AConst(c)) = arg.node.as_mut() {
                        if let Some(a_const::Val::Sval(s)) = c.val.as_mut() {
                            if let Some(rest) = s.sval.strip_prefix("public.") {
                                s.sval = rest.to_string();
                            }
                        }
                    }
                }
            }
            if let Some(filter) = f.agg_filter.as_deref_mut() {
                strip_implicit_casts(filter);
            }
            None
        }
        Some(NodeEnum::AExpr(e)) => {
            for side in [e.lexpr.as_deref_mut(), e.rexpr.as_deref_mut()]
                .into_iter()
                .flatten()
            {
                strip_implicit_casts(side);
            }
            None
        }
        Some(NodeEnum::BoolExpr(e)) => {
            e.args.iter_mut().for_each(strip_implicit_casts);
            None
        }
        Some(NodeEnum::NullTest(e)) => {
            if let Some(a) = e.arg.as_deref_mut() {
                strip_implicit_casts(a);
            }
            None
        }
        Some(NodeEnum::CoalesceExpr(e)) => {
            e.args.iter_mut().for_each(strip_implicit_casts);
            None
        }
        Some(NodeEnum::MinMaxExpr(e)) => {
            e.args.iter_mut().for_each(strip_implicit_casts);
            None
        }
        Some(NodeEnum::RowExpr(e)) => {
            e.args.iter_mut().for_each(strip_implicit_casts);
            None
        }
        Some(NodeEnum::AArrayExpr(e)) => {
            e.elements.iter_mut().for_each(strip_implicit_casts);
            None
        }
        Some(NodeEnum::List(l)) => {
            l.items.iter_mut().for_each(strip_implicit_casts);
            None
        }
        Some(NodeEnum::CaseExpr(e)) => {
            for part in [e.arg.as_deref_mut(), e.defresult.as_deref_mut()]
                .into_iter()
                .flatten()
            {
                strip_implicit_casts(part);
            }
            e.args.iter_mut().for_each(strip_implicit_casts);
            None
        }
        Some(NodeEnum::CaseWhen(w)) => {
            for part in [w.expr.as_deref_mut(), w.result.as_deref_mut()]
                .into_iter()
                .flatten()
            {
                strip_implicit_casts(part);
            }
            None
        }
        _ => None,
    };
    if let Some(mut inner) = replacement {
        strip_implicit_casts(&mut inner);
        *node = inner;
    }
}

pub(super) fn collect_refs(
    node: &NodeEnum,
    columns: &mut Vec<String>,
    functions: &mut Vec<String>,
    tables: &mut Vec<QualName>,
) {
    let mut visit = |n: NodeRef<'_>| match n {
        NodeRef::ColumnRef(c) => {
            if let Some(name) = c.fields.iter().rev().find_map(str_of) {
                if !columns.iter().any(|x| x == name) {
                    columns.push(name.to_string());
                }
            }
        }
        NodeRef::FuncCall(f) => {
            if let Some(name) = f.funcname.iter().rev().find_map(str_of) {
                functions.push(name.to_ascii_lowercase());
            }
        }
        NodeRef::SqlvalueFunction(_) => functions.push("now".into()),
        NodeRef::RangeVar(rv) => tables.push(range_var(Some(rv))),
        _ => {}
    };
    visit(node.to_ref());
    for (n, _, _, _) in node.nodes() {
        visit(n);
    }
}

/// An expression from SQL text (as `pg_get_expr` prints it), lowered like a parsed one.
pub fn parse_expr(text: &str) -> Option<Expr> {
    let parsed = crate::parse::parse_tree_only(&format!("SELECT {text}"))?;
    let stmt = parsed.stmts.first()?.stmt.as_ref()?.node.as_ref()?;
    let NodeEnum::SelectStmt(select) = stmt else {
        return None;
    };
    let target = select.target_list.first()?.node.as_ref()?;
    let NodeEnum::ResTarget(target) = target else {
        return None;
    };
    Some(expr(target.val.as_deref()?))
}
