//! Lowering one application query (SELECT, INSERT, UPDATE, DELETE) from pg_query's protobuf tree
//! into its [`Shape`]: the statement and its blocks (`SELECT` levels, CTEs, subqueries, `FROM`
//! items, `INSERT` targets). Conditions and expressions are in `lower_predicate.rs`.
//!
//! Locations are byte offsets in the query file.

use super::lower::{range_var, str_of};
use super::lower_predicate::{is_aggregate, is_star, node_span, unqualified_text};
use super::query::*;
use crate::span::Span;
use pg_query::protobuf::{self, node::Node as NodeEnum, Node};

pub(super) struct Lowering<'a> {
    /// Offsets `[start, end)` in the parsed text -> the span in the query file.
    place: &'a dyn Fn(usize, usize) -> Span,
    pub(super) shape: Shape,
}

/// Parses one query (`$n` placeholders) and lowers it; `place` turns offsets in `sql` into a span
/// in the query file. `Ok(None)` when the text holds no statement; the syntax error (byte offset
/// in `sql`, PostgreSQL's message) when it does not parse.
pub fn lower_query_text(
    sql: &str,
    place: &dyn Fn(usize, usize) -> Span,
) -> Result<Option<Shape>, (usize, String)> {
    let tree = crate::parse::parse_query(sql)?;
    Ok(tree
        .stmts
        .first()
        .and_then(|s| s.stmt.as_deref())
        .map(|stmt| lower(stmt, place, sql.len())))
}

/// Lowers a parsed query. `place` turns offsets in the parsed text into file spans.
fn lower(stmt: &Node, place: &dyn Fn(usize, usize) -> Span, stmt_len: usize) -> Shape {
    let mut l = Lowering {
        place,
        shape: Shape {
            kind: QueryKind::Other,
            blocks: vec![],
            insert: None,
            functions: vec![],
            not_in: vec![],
            ctes: vec![],
        },
    };
    let whole = place(0, stmt_len);
    l.statement(stmt, None, whole, true);
    l.shape
}

impl Lowering<'_> {
    /// A SELECT, INSERT, UPDATE or DELETE (the query itself, or a data-modifying CTE) lowered
    /// into blocks under `parent`; `top` for the query itself (its kind and INSERT). Every block
    /// shares the query's CTE names, so a writing CTE sees the CTEs before it.
    fn statement(
        &mut self,
        stmt: &Node,
        parent: Option<usize>,
        whole: Span,
        top: bool,
    ) -> Option<usize> {
        match stmt.node.as_ref() {
            Some(NodeEnum::SelectStmt(s)) => {
                if top {
                    self.shape.kind = QueryKind::Select;
                }
                Some(self.select(s, parent, whole))
            }
            Some(NodeEnum::InsertStmt(s)) => {
                if top {
                    self.shape.kind = QueryKind::Insert;
                }
                self.insert(s, parent, whole, top)
            }
            Some(NodeEnum::UpdateStmt(s)) => {
                if top {
                    self.shape.kind = QueryKind::Update;
                }
                let b = self.new_block(parent);
                self.with(s.with_clause.as_ref(), b);
                self.add_target_rel(b, s.relation.as_ref());
                for item in &s.from_clause {
                    self.lower_from_item(b, item);
                }
                for t in &s.target_list {
                    if let Some(NodeEnum::ResTarget(rt)) = t.node.as_ref() {
                        // SET col = ...: the column must exist on the target.
                        if let Some(rel) = self.shape.blocks[b].relations.first() {
                            let alias = rel.alias.clone();
                            let span = self.at(rt.location, rt.name.len());
                            self.shape.blocks[b].columns.push(ColRef {
                                qualifier: Some(alias),
                                name: rt.name.clone(),
                                span,
                            });
                        }
                        if let Some(v) = rt.val.as_deref() {
                            self.walk(b, v);
                        }
                    }
                }
                if let Some(w) = s.where_clause.as_deref() {
                    self.condition(b, w);
                }
                self.returning(b, s.returning_clause.as_ref());
                Some(b)
            }
            Some(NodeEnum::DeleteStmt(s)) => {
                if top {
                    self.shape.kind = QueryKind::Delete;
                }
                let b = self.new_block(parent);
                self.with(s.with_clause.as_ref(), b);
                self.add_target_rel(b, s.relation.as_ref());
                for item in &s.using_clause {
                    self.lower_from_item(b, item);
                }
                if let Some(w) = s.where_clause.as_deref() {
                    self.condition(b, w);
                }
                self.returning(b, s.returning_clause.as_ref());
                Some(b)
            }
            _ => None,
        }
    }

    pub(super) fn at(&self, location: i32, len: usize) -> Span {
        let start = location.max(0) as usize;
        (self.place)(start, start + len)
    }

    fn new_block(&mut self, parent: Option<usize>) -> usize {
        self.shape.blocks.push(Block {
            parent,
            ..Block::default()
        });
        self.shape.blocks.len() - 1
    }

    fn with(&mut self, with: Option<&protobuf::WithClause>, block: usize) {
        let Some(with) = with else { return };
        for cte in &with.ctes {
            if let Some(NodeEnum::CommonTableExpr(c)) = cte.node.as_ref() {
                self.shape.ctes.push(c.ctename.clone());
                if let Some(q) = c.ctequery.as_deref() {
                    self.subquery(q, Some(block), true, false);
                }
            }
        }
    }

    /// A nested statement (CTE body, FROM subquery, sublink): its own block(s).
    pub(super) fn subquery(
        &mut self,
        node: &Node,
        parent: Option<usize>,
        derived: bool,
        in_exists: bool,
    ) -> Option<usize> {
        match node.node.as_ref() {
            Some(NodeEnum::SelectStmt(s)) => {
                let b = self.select(s, parent, Span::default());
                self.shape.blocks[b].derived = derived;
                self.shape.blocks[b].in_exists = in_exists;
                Some(b)
            }
            // Data-modifying CTEs: checked like top-level statements, in their own block, seeing
            // the CTEs before them.
            Some(NodeEnum::InsertStmt(_) | NodeEnum::UpdateStmt(_) | NodeEnum::DeleteStmt(_)) => {
                let first = self.shape.blocks.len();
                let b = self.statement(node, parent, Span::default(), false);
                for block in &mut self.shape.blocks[first..] {
                    block.derived = true;
                }
                b
            }
            _ => None,
        }
    }

    fn select(&mut self, s: &protobuf::SelectStmt, parent: Option<usize>, _whole: Span) -> usize {
        let b = self.new_block(parent);
        self.with(s.with_clause.as_ref(), b);
        // UNION / INTERSECT / EXCEPT: each branch is a block under this one.
        for branch in [s.larg.as_deref(), s.rarg.as_deref()].into_iter().flatten() {
            let child = self.select(branch, Some(b), Span::default());
            self.shape.blocks[child].parent = parent;
        }
        for item in &s.from_clause {
            self.lower_from_item(b, item);
        }
        for t in &s.target_list {
            if let Some(NodeEnum::ResTarget(rt)) = t.node.as_ref() {
                if !rt.name.is_empty() {
                    self.shape.blocks[b].output_names.push(rt.name.clone());
                }
                if let Some(v) = rt.val.as_deref() {
                    match v.node.as_ref() {
                        Some(NodeEnum::ColumnRef(c)) if is_star(c) => {
                            let span = self.at(c.location, 1);
                            self.shape.blocks[b].star.get_or_insert(span);
                            continue;
                        }
                        Some(NodeEnum::FuncCall(f)) if is_aggregate(f) => {
                            self.shape.blocks[b].aggregates = true;
                        }
                        _ => {}
                    }
                    self.walk(b, v);
                }
            }
        }
        for v in &s.values_lists {
            self.walk(b, v);
        }
        if let Some(w) = s.where_clause.as_deref() {
            self.condition(b, w);
        }
        if !s.group_clause.is_empty() {
            self.shape.blocks[b].grouped = true;
        }
        for g in &s.group_clause {
            self.walk_outputs(b, g);
        }
        if let Some(h) = s.having_clause.as_deref() {
            self.walk(b, h);
        }
        // `UNION ... ORDER BY x`: `x` names an output column of the set operation, not a column
        // of a relation.
        let set_operation = s.larg.is_some();
        for sort in s.sort_clause.iter().filter(|_| !set_operation) {
            if let Some(NodeEnum::SortBy(sb)) = sort.node.as_ref() {
                if let Some(n) = sb.node.as_deref() {
                    if let Some(c) = self.col_ref(n) {
                        self.shape.blocks[b].order_by.push(c);
                    }
                    self.walk_outputs(b, n);
                }
            }
        }
        if let Some(limit) = s.limit_count.as_deref() {
            let value = match limit.node.as_ref() {
                Some(NodeEnum::AConst(c)) if c.isnull => None,
                Some(NodeEnum::AConst(c)) => match c.val.as_ref() {
                    Some(protobuf::a_const::Val::Ival(i)) => Some(Some(i64::from(i.ival))),
                    _ => Some(None),
                },
                _ => Some(None),
            };
            self.shape.blocks[b].limit = value;
            self.walk(b, limit);
        }
        if let Some(offset) = s.limit_offset.as_deref() {
            let zero = matches!(offset.node.as_ref(), Some(NodeEnum::AConst(c))
                if matches!(c.val.as_ref(), Some(protobuf::a_const::Val::Ival(i)) if i.ival == 0));
            if !zero {
                let span =
                    node_span(offset).map_or(Span::default(), |(loc, len)| self.at(loc, len));
                self.shape.blocks[b].offset = Some(span);
            }
            self.walk(b, offset);
        }
        b
    }

    /// GROUP BY / ORDER BY items: column references, except output names (`ORDER BY total`).
    fn walk_outputs(&mut self, b: usize, n: &Node) {
        if let Some(NodeEnum::ColumnRef(c)) = n.node.as_ref() {
            let parts: Vec<&str> = c.fields.iter().filter_map(str_of).collect();
            if let [name] = parts.as_slice() {
                if self.shape.blocks[b].output_names.iter().any(|o| o == name) {
                    return;
                }
            }
        }
        if matches!(n.node.as_ref(), Some(NodeEnum::AConst(_))) {
            return; // ORDER BY 1
        }
        self.walk(b, n);
    }

    fn add_target_rel(&mut self, b: usize, rv: Option<&protobuf::RangeVar>) {
        let Some(rv) = rv else { return };
        let table = range_var(Some(rv));
        let alias = rv
            .alias
            .as_ref()
            .map_or_else(|| rv.relname.clone(), |a| a.aliasname.clone());
        let span = self.at(
            rv.location,
            rv.relname.len() + rv.schemaname.len() + usize::from(!rv.schemaname.is_empty()),
        );
        let table = (!self.is_cte(rv)).then_some(table);
        self.shape.blocks[b]
            .relations
            .push(Rel { alias, table, span });
    }

    fn is_cte(&self, rv: &protobuf::RangeVar) -> bool {
        rv.schemaname.is_empty() && self.shape.ctes.contains(&rv.relname)
    }

    fn lower_from_item(&mut self, b: usize, node: &Node) {
        match node.node.as_ref() {
            Some(NodeEnum::RangeVar(rv)) => self.add_target_rel(b, Some(rv)),
            Some(NodeEnum::JoinExpr(j)) => {
                for side in [j.larg.as_deref(), j.rarg.as_deref()].into_iter().flatten() {
                    self.lower_from_item(b, side);
                }
                if let Some(q) = j.quals.as_deref() {
                    self.condition(b, q);
                }
            }
            Some(NodeEnum::RangeSubselect(r)) => {
                if let Some(q) = r.subquery.as_deref() {
                    let parent = r.lateral.then_some(b);
                    let child = self.subquery(q, parent, true, false);
                    if let (Some(child), false) = (child, r.lateral) {
                        // Not correlated, but CTEs of the enclosing query are still visible.
                        self.shape.blocks[child].parent = Some(b);
                    }
                }
                if let Some(alias) = r.alias.as_ref() {
                    self.shape.blocks[b].relations.push(Rel {
                        alias: alias.aliasname.clone(),
                        table: None,
                        span: Span::default(),
                    });
                }
            }
            Some(NodeEnum::RangeFunction(r)) => {
                for f in &r.functions {
                    self.walk(b, f);
                }
                let alias = r
                    .alias
                    .as_ref()
                    .map(|a| a.aliasname.clone())
                    .unwrap_or_default();
                self.shape.blocks[b].relations.push(Rel {
                    alias,
                    table: None,
                    span: Span::default(),
                });
            }
            Some(_) => {
                // Table functions, XMLTABLE, ...: columns unknown.
                self.shape.blocks[b].relations.push(Rel {
                    alias: String::new(),
                    table: None,
                    span: Span::default(),
                });
            }
            None => {}
        }
    }

    fn returning(&mut self, b: usize, r: Option<&protobuf::ReturningClause>) {
        let Some(r) = r else { return };
        for t in &r.exprs {
            if let Some(NodeEnum::ResTarget(rt)) = t.node.as_ref() {
                if let Some(v) = rt.val.as_deref() {
                    if matches!(v.node.as_ref(), Some(NodeEnum::ColumnRef(c)) if is_star(c)) {
                        continue;
                    }
                    self.walk(b, v);
                }
            }
        }
    }

    fn insert(
        &mut self,
        s: &protobuf::InsertStmt,
        parent: Option<usize>,
        _whole: Span,
        top: bool,
    ) -> Option<usize> {
        let b = self.new_block(parent);
        self.with(s.with_clause.as_ref(), b);
        let Some(rv) = s.relation.as_ref() else {
            return Some(b);
        };
        let table = range_var(Some(rv));
        let table_span = self.at(rv.location, rv.relname.len());
        let columns = (!s.cols.is_empty()).then(|| {
            s.cols
                .iter()
                .filter_map(|c| match c.node.as_ref() {
                    Some(NodeEnum::ResTarget(rt)) => {
                        Some((rt.name.clone(), self.at(rt.location, rt.name.len())))
                    }
                    _ => None,
                })
                .collect::<Vec<_>>()
        });
        let mut values_width = None;
        let default_values = s.select_stmt.is_none();
        if let Some(sel) = s.select_stmt.as_deref() {
            if let Some(NodeEnum::SelectStmt(inner)) = sel.node.as_ref() {
                if let Some(NodeEnum::List(first)) =
                    inner.values_lists.first().and_then(|v| v.node.as_ref())
                {
                    values_width = Some(first.items.len());
                }
            }
            self.subquery(sel, Some(b), true, false);
        }
        // The target, and `excluded` in ON CONFLICT DO UPDATE, are the inserted table.
        let alias = rv
            .alias
            .as_ref()
            .map_or_else(|| rv.relname.clone(), |a| a.aliasname.clone());
        self.shape.blocks[b].relations.push(Rel {
            alias,
            table: Some(table.clone()),
            span: table_span,
        });
        self.shape.blocks[b].relations.push(Rel {
            alias: "excluded".into(),
            table: Some(table.clone()),
            span: table_span,
        });
        if let Some(c) = &columns {
            for (name, span) in c {
                self.shape.blocks[b].columns.push(ColRef {
                    qualifier: Some(table.name.clone())
                        .filter(|_| rv.alias.is_none())
                        .or_else(|| rv.alias.as_ref().map(|a| a.aliasname.clone())),
                    name: name.clone(),
                    span: *span,
                });
            }
        }
        let mut on_conflict = None;
        if let Some(oc) = s.on_conflict_clause.as_deref() {
            let span = self.at(oc.location, "ON CONFLICT".len());
            let mut conflict = OnConflict {
                span,
                columns: vec![],
                exprs: vec![],
                constraint: None,
                predicate: None,
            };
            if let Some(infer) = oc.infer.as_deref() {
                conflict.constraint = (!infer.conname.is_empty()).then(|| infer.conname.clone());
                for e in &infer.index_elems {
                    if let Some(NodeEnum::IndexElem(ie)) = e.node.as_ref() {
                        if !ie.name.is_empty() {
                            conflict.columns.push(ie.name.clone());
                            self.shape.blocks[b].columns.push(ColRef {
                                qualifier: None,
                                name: ie.name.clone(),
                                span,
                            });
                        } else if let Some(x) = ie.expr.as_deref() {
                            conflict.exprs.push(unqualified_text(x));
                        }
                    }
                }
                conflict.predicate = infer.where_clause.as_deref().map(unqualified_text);
            }
            if oc.action == protobuf::OnConflictAction::OnconflictNone as i32 {
                // Not reachable from SQL; keep the clause out.
            } else {
                on_conflict = Some(conflict);
            }
            for t in &oc.target_list {
                if let Some(NodeEnum::ResTarget(rt)) = t.node.as_ref() {
                    let span = self.at(rt.location, rt.name.len());
                    self.shape.blocks[b].columns.push(ColRef {
                        qualifier: None,
                        name: rt.name.clone(),
                        span,
                    });
                    if let Some(v) = rt.val.as_deref() {
                        self.walk(b, v);
                    }
                }
            }
            if let Some(w) = oc.where_clause.as_deref() {
                self.walk(b, w);
            }
        }
        self.returning(b, s.returning_clause.as_ref());
        // The query's own INSERT wins over one in a CTE.
        if top || self.shape.insert.is_none() {
            self.shape.insert = Some(Insert {
                table,
                table_span,
                columns,
                values_width,
                default_values,
                on_conflict,
            });
        }
        Some(b)
    }
}
