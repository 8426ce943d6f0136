//! The model of one application query, as the query rules check it: the relations each query
//! block reads, the predicates it filters on, the columns it joins on, sorting and limits, the
//! functions it calls, and what an INSERT writes. Built by `lower_query.rs`.
//!
//! Locations are byte offsets in the query file. Rules never see protobuf types.

use super::names::QualName;
use crate::span::Span;

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
