//! Lowering one application query (SELECT, INSERT, UPDATE, DELETE) into what the query rules
//! check: the relations each query block reads, the predicates it filters on, the columns it joins
//! on, sorting and limits, the functions it calls, and what an INSERT writes.
//!
//! Locations are byte offsets in the query file. Rules never see protobuf types.

use crate::source::query_files::OffsetMap;
use crate::span::Span;
use crate::syntax::{self, range_var, str_of, QualName};
use pg_query::protobuf::{self, node::Node as NodeEnum, Node};

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum QueryKind {
    Select,
    Insert,
    Update,
    Delete,
    /// Anything else (DDL in a query file, `SET`, ...): parsed, not checked.
    Other,
}

/// A column reference as written: `o.customer_id` or `email`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColRef {
    pub qualifier: Option<String>,
    pub name: String,
    pub span: Span,
}

/// A relation in a block's FROM: a table or view, or something whose columns pgproof does not
/// know (a CTE, a subquery, a function).
#[derive(Debug, Clone)]
pub struct Rel {
    pub alias: String,
    pub table: Option<QualName>,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    In,
    Range,
    /// `LIKE 'abc%'`: a btree with `text_pattern_ops` (or the C collation) can serve it.
    LikePrefix,
    /// `LIKE '%abc'`, `ILIKE`, `LIKE $1`: no btree serves it.
    LikeOther {
        leading_wildcard: bool,
    },
    IsNull,
    IsNotNull,
    Other,
}

/// What a predicate constrains: a column, or an expression over columns (`lower(email)`).
#[derive(Debug, Clone)]
pub enum Target {
    Column(ColRef),
    Expr {
        /// Deparsed with qualifiers removed, comparable with an expression index's text.
        text: String,
        columns: Vec<ColRef>,
        function: Option<String>,
        /// Every function the expression calls (lowercase names), to judge whether an index on
        /// it can be created (index expressions must be IMMUTABLE).
        functions: Vec<String>,
        /// Only columns, constants, function calls and operators: no parameter, subquery, cast,
        /// row constructor or other construct that an index expression cannot hold or that
        /// pgproof cannot judge.
        indexable: bool,
    },
}

impl Target {
    pub fn columns(&self) -> Vec<&ColRef> {
        match self {
            Target::Column(c) => vec![c],
            Target::Expr { columns, .. } => columns.iter().collect(),
        }
    }
}

/// One conjunct of a WHERE or JOIN ... ON condition.
#[derive(Debug, Clone)]
pub struct Pred {
    pub target: Target,
    pub op: Op,
    pub span: Span,
    /// The conjunct deparsed without qualifiers, to match partial-index predicates.
    pub text: String,
}

/// `a.x = b.y` between two relations of a block.
#[derive(Debug, Clone)]
pub struct Join {
    pub left: ColRef,
    pub right: ColRef,
    pub span: Span,
}

/// `x NOT IN (SELECT y FROM ...)`.
#[derive(Debug, Clone)]
pub struct NotIn {
    pub span: Span,
    /// The block of the subquery.
    pub sub_block: usize,
    /// The subquery's selected column, when it is a plain column.
    pub sub_column: Option<ColRef>,
}

/// One SELECT (or UPDATE/DELETE) level: the top query, a CTE, a subquery, a UNION branch.
#[derive(Debug, Clone, Default)]
pub struct Block {
    /// The enclosing block, whose relations correlated references may use.
    pub parent: Option<usize>,
    pub relations: Vec<Rel>,
    pub preds: Vec<Pred>,
    pub joins: Vec<Join>,
    /// Plain-column sort keys.
    pub order_by: Vec<ColRef>,
    /// `LIMIT n` with a literal n, or `Some(None)` for a parameter.
    pub limit: Option<Option<i64>>,
    pub offset: Option<Span>,
    /// `SELECT *` or `t.*` in the target list.
    pub star: Option<Span>,
    /// Every column reference, to check that it exists.
    pub columns: Vec<ColRef>,
    /// Output names (`AS total`), which ORDER BY may use.
    pub output_names: Vec<String>,
    /// The target list calls an aggregate (so it returns one row without a unique key).
    pub aggregates: bool,
    pub grouped: bool,
    /// The block is an `EXISTS (...)` subquery (where `SELECT *` is harmless).
    pub in_exists: bool,
    /// A CTE or FROM subquery: its output feeds another block.
    pub derived: bool,
}

impl Block {
    /// The text of each `AND`ed condition of the block.
    pub fn conditions(&self) -> impl Iterator<Item = &str> + Clone {
        self.preds.iter().map(|p| p.text.as_str())
    }
}

#[derive(Debug, Clone)]
pub struct FuncUse {
    pub schema: Option<String>,
    pub name: String,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct OnConflict {
    pub span: Span,
    pub columns: Vec<String>,
    /// Expression targets, deparsed without qualifiers.
    pub exprs: Vec<String>,
    pub constraint: Option<String>,
    /// `ON CONFLICT (...) WHERE ...`: the partial index's predicate.
    pub predicate: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Insert {
    pub table: QualName,
    pub table_span: Span,
    /// Explicit column list (name, span), or None for "all columns in order".
    pub columns: Option<Vec<(String, Span)>>,
    /// Width of `VALUES (...)` rows, when the source is VALUES.
    pub values_width: Option<usize>,
    /// `DEFAULT VALUES`.
    pub default_values: bool,
    pub on_conflict: Option<OnConflict>,
}

/// Everything the query rules need to know about one query.
#[derive(Debug, Clone)]
pub struct Shape {
    pub kind: QueryKind,
    /// Blocks; `blocks[0]` is the top level (for INSERT, its RETURNING and ON CONFLICT scope).
    pub blocks: Vec<Block>,
    pub insert: Option<Insert>,
    pub functions: Vec<FuncUse>,
    pub not_in: Vec<(usize, NotIn)>,
    /// CTE names visible in the query.
    pub ctes: Vec<String>,
}

impl Shape {
    /// The table a relation alias names in `block` or its parents, if it is a table.
    pub fn relation(&self, block: usize, alias: &str) -> Option<&Rel> {
        let mut b = Some(block);
        while let Some(i) = b {
            if let Some(rel) = self.blocks[i].relations.iter().find(|r| r.alias == alias) {
                return Some(rel);
            }
            b = self.blocks[i].parent;
        }
        None
    }
}

struct Lowering<'a> {
    map: &'a OffsetMap,
    shape: Shape,
}

/// Lowers a parsed query. `map` turns offsets in the parsed text into file offsets.
pub fn lower(stmt: &Node, map: &OffsetMap, stmt_len: usize) -> Shape {
    let mut l = Lowering {
        map,
        shape: Shape {
            kind: QueryKind::Other,
            blocks: vec![],
            insert: None,
            functions: vec![],
            not_in: vec![],
            ctes: vec![],
        },
    };
    let whole = map.span(0, stmt_len);
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

    fn at(&self, location: i32, len: usize) -> Span {
        let start = location.max(0) as usize;
        self.map.span(start, start + len)
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
    fn subquery(
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

    /// A WHERE or JOIN condition: split into conjuncts, each classified; every column reference
    /// is recorded.
    fn condition(&mut self, b: usize, node: &Node) {
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

    fn col_ref(&self, node: &Node) -> Option<ColRef> {
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
    fn walk(&mut self, b: usize, node: &Node) {
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

fn is_star(c: &protobuf::ColumnRef) -> bool {
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

fn is_aggregate(f: &protobuf::FuncCall) -> bool {
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
fn node_span(node: &Node) -> Option<(i32, usize)> {
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
    syntax::expr(&copy).text
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
