//! Application queries checked against a schema (replayed from migrations, or read from a live
//! database): parsing, fingerprints and de-duplication, and name resolution against the catalog.
//! A model below the rules: the driver that runs the rules' query hooks is `query_check.rs` (the
//! engine places their findings in the query files), and index advice for the query rules is
//! `rules/index_advice.rs`.
//!
//! Pure: no IO. Query files are read by `source/query_files.rs`, `pg_stat_statements` by `live/`.

/// The query model lives with the statement model in `syntax/` (it is lowered from protobuf);
/// `queries::shape` keeps naming it for the rules.
pub use crate::syntax::query as shape;

use crate::catalog::{Catalog, Column, Table};
use crate::source::query_files::{Expect, QuerySources, RawQuery};
use crate::source::SourceFile;
use crate::span::Span;
use crate::syntax::{JoinPair, QualName};
use shape::{ColRef, Shape};
use std::collections::HashMap;

/// Workload statistics for a query (from `pg_stat_statements`).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct QueryStats {
    pub calls: i64,
    pub mean_ms: f64,
    pub total_ms: f64,
}

/// One parsed application query.
#[derive(Debug, Clone)]
pub struct Query {
    /// Index into the query files (or the pseudo-file of `pg_stat_statements`).
    pub file: usize,
    pub span: Span,
    pub name: Option<String>,
    pub expect: Expect,
    /// pg_query fingerprint: the same query with other constants or placeholders has the same one.
    pub fingerprint: String,
    pub shape: Shape,
    pub stats: Option<QueryStats>,
    /// Other places in the files with the same fingerprint.
    pub duplicates: Vec<(usize, Span)>,
    /// The statement as parsed (`$n` placeholders).
    pub sql: String,
}

impl Query {
    /// How messages name the query: its name, or `file:line`.
    pub fn label(&self, files: &[SourceFile]) -> String {
        match &self.name {
            Some(n) => format!("`{n}`"),
            None => {
                let file = &files[self.file];
                let line = crate::span::line_of(&file.text, self.span.start);
                format!("the query at {}:{line}", file.path.display())
            }
        }
    }
}

/// A query that does not parse: its place and PostgreSQL's message.
#[derive(Debug, Clone)]
pub struct QueryError {
    pub file: usize,
    pub span: Span,
    pub message: String,
    /// The query contains an application's templating (configured `query_placeholders`, or
    /// what looks like `%name%`): it could not be checked, which is no syntax error of its own.
    pub templated: Templated,
    /// The query's name, for messages.
    pub name: Option<String>,
}

/// Whether a query that does not parse carries templating.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Templated {
    No,
    /// Configured `query_placeholders` matched, and the query still does not parse.
    Configured,
    /// No configured placeholder matched, but the text looks like a template (`%order%`).
    Looks,
}

/// Parses raw queries, merging those with the same fingerprint (the first place is kept, the rest
/// listed as duplicates).
pub fn parse(raw: &[RawQuery]) -> (Vec<Query>, Vec<QueryError>) {
    let mut queries: Vec<Query> = vec![];
    let mut errors = vec![];
    let mut seen: HashMap<String, usize> = HashMap::new();
    for r in raw {
        let place = |start, end| r.map.span(start, end);
        let shape = match crate::syntax::lower_query_text(&r.sql, &place) {
            Ok(Some(shape)) => shape,
            Ok(None) => continue,
            Err((at, message)) => {
                let start = r.map.original(at);
                let templated = if r.templated {
                    Templated::Configured
                } else if crate::source::query_files::looks_templated(&r.sql) {
                    Templated::Looks
                } else {
                    Templated::No
                };
                errors.push(QueryError {
                    file: r.file,
                    span: Span::new(start, start),
                    message,
                    templated,
                    name: r.name.clone(),
                });
                continue;
            }
        };
        // Full relation names: by default `orders_2024_01` and `orders_2024_02` fingerprint alike.
        let fingerprint =
            pg_query::fingerprint(&r.sql, 0, pg_query::FingerprintOptions::FULL_RELNAME)
                .map(|f| f.hex)
                .unwrap_or_default();
        // The fingerprint ignores VALUES lists, whose width matters to an INSERT without columns.
        let key = match &shape.insert {
            Some(i) if i.columns.is_none() => format!("{fingerprint}#{:?}", i.values_width),
            _ => fingerprint.clone(),
        };
        if let Some(&i) = seen.get(&key).filter(|_| !fingerprint.is_empty()) {
            queries[i].duplicates.push((r.file, r.span));
            if queries[i].name.is_none() {
                queries[i].name = r.name.clone();
            }
            continue;
        }
        seen.insert(key, queries.len());
        queries.push(Query {
            file: r.file,
            span: r.span,
            name: r.name.clone(),
            expect: r.expect,
            fingerprint,
            shape,
            stats: None,
            duplicates: vec![],
            sql: r.sql.clone(),
        });
    }
    (queries, errors)
}

/// What a group of application queries tells the schema rules: the joins they make and the
/// columns they compare with string literals, each with the query's label. Computed from the
/// queries (never configured): it travels beside the settings, in the engine's input.
#[derive(Debug, Clone, Default)]
pub struct QueryEvidence {
    pub joins: Vec<(JoinPair, String)>,
    pub literals: Vec<LiteralComparison>,
}

/// A column that a query compares with a string literal, and the query's label.
pub type LiteralComparison = ((QualName, String), String);

impl QueryEvidence {
    /// The evidence of `queries` (whose files are `files`).
    pub fn of(queries: &[Query], files: &[SourceFile]) -> Self {
        QueryEvidence {
            joins: join_evidence(queries, files),
            literals: literal_evidence(queries, files),
        }
    }
}

/// The column equalities the queries join on, each with the query that shows it (`query `Name``
/// or `the query at file:line`): evidence for `missing-foreign-key`.
pub fn join_evidence(queries: &[Query], files: &[SourceFile]) -> Vec<(JoinPair, String)> {
    queries
        .iter()
        .flat_map(|q| {
            let label = match q.name {
                Some(_) => format!("query {}", q.label(files)),
                None => q.label(files),
            };
            q.join_pairs().into_iter().map(move |p| (p, label.clone()))
        })
        .collect()
}

/// Columns the queries compare with string literals (`status = 'paid'`, `kind IN ('a', 'b')`),
/// with each query's label: evidence for schema rules that a column holds a closed set of values.
pub fn literal_evidence(
    queries: &[Query],
    files: &[SourceFile],
) -> Vec<((QualName, String), String)> {
    let mut out = vec![];
    for q in queries {
        let label = match q.name {
            Some(_) => format!("query {}", q.label(files)),
            None => q.label(files),
        };
        for (i, block) in q.shape.blocks.iter().enumerate() {
            for pred in &block.preds {
                let shape::Target::Column(c) = &pred.target else {
                    continue;
                };
                if !matches!(pred.op, shape::Op::Eq | shape::Op::In) || !pred.text.contains('\'') {
                    continue;
                }
                let rel = match &c.qualifier {
                    Some(alias) => q.shape.relation(i, alias),
                    None => match block.relations.as_slice() {
                        [only] => Some(only),
                        _ => None,
                    },
                };
                if let Some(table) = rel.and_then(|r| r.table.clone()) {
                    out.push(((table, c.name.clone()), label.clone()));
                }
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// What a column reference names in the schema.
#[derive(Debug, Clone, Copy)]
pub enum Resolved<'a> {
    Column(&'a Table, &'a Column),
    /// A system column (`ctid`, `xmin`, ...), a view column, or a column of a CTE or subquery:
    /// it exists, or pgproof cannot tell.
    Unknown,
    /// No relation in scope has it.
    Missing,
}

const SYSTEM_COLUMNS: &[&str] = &["ctid", "xmin", "xmax", "cmin", "cmax", "tableoid", "oid"];

impl Query {
    /// Resolves `col` as seen from `block` (its relations, then enclosing blocks').
    pub fn resolve<'a>(&self, catalog: &'a Catalog, block: usize, col: &ColRef) -> Resolved<'a> {
        if SYSTEM_COLUMNS.contains(&col.name.as_str()) {
            return Resolved::Unknown;
        }
        let mut b = Some(block);
        while let Some(i) = b {
            let blk = &self.shape.blocks[i];
            match &col.qualifier {
                Some(q) => {
                    if let Some(rel) = blk.relations.iter().find(|r| &r.alias == q) {
                        let Some(table) = &rel.table else {
                            return Resolved::Unknown;
                        };
                        return relation_column(catalog, table, &col.name);
                    }
                }
                None => {
                    let mut unknown = false;
                    for rel in &blk.relations {
                        match &rel.table {
                            None => unknown = true,
                            Some(table) => match relation_column(catalog, table, &col.name) {
                                Resolved::Missing => {}
                                found => return found,
                            },
                        }
                    }
                    // An output name, or a relation alias used as a whole row (`f(rl)`).
                    if unknown
                        || blk.output_names.iter().any(|n| n == &col.name)
                        || blk.relations.iter().any(|r| r.alias == col.name)
                    {
                        return Resolved::Unknown;
                    }
                }
            }
            b = blk.parent;
        }
        // A qualifier nothing in scope defines: PostgreSQL rejects the query too, but it may be
        // a composite field access; stay quiet.
        if col.qualifier.is_some() {
            return Resolved::Unknown;
        }
        Resolved::Missing
    }

    /// The table behind relation alias `alias` of `block`, if it is a table in the catalog.
    pub fn table<'a>(&self, catalog: &'a Catalog, block: usize, alias: &str) -> Option<&'a Table> {
        self.shape
            .relation(block, alias)?
            .table
            .as_ref()
            .and_then(|t| catalog.table(t))
    }

    /// The table a column reference belongs to, when it resolves to a table column.
    pub fn column_table<'a>(
        &self,
        catalog: &'a Catalog,
        block: usize,
        col: &ColRef,
    ) -> Option<(&'a Table, &'a Column)> {
        match self.resolve(catalog, block, col) {
            Resolved::Column(t, c) => Some((t, c)),
            _ => None,
        }
    }

    /// The relation of `block` itself (not an enclosing one) that a column reference reads: its
    /// qualifier's, or the only table of the block that has the column. With the table.
    pub fn own_relation<'a>(
        &self,
        catalog: &'a Catalog,
        block: usize,
        col: &ColRef,
    ) -> Option<(String, &'a Table)> {
        let blk = &self.shape.blocks[block];
        match &col.qualifier {
            Some(q) => {
                let rel = blk.relations.iter().find(|r| &r.alias == q)?;
                let table = catalog.table(rel.table.as_ref()?)?;
                table.column(&col.name)?;
                Some((rel.alias.clone(), table))
            }
            None => {
                let mut found = blk.relations.iter().filter_map(|r| {
                    let t = catalog.table(r.table.as_ref()?)?;
                    t.column(&col.name).map(|_| (r.alias.clone(), t))
                });
                let first = found.next()?;
                found.next().is_none().then_some(first)
            }
        }
    }

    /// Column equalities this query joins tables on, for the missing-foreign-key rule.
    pub fn join_pairs(&self) -> Vec<JoinPair> {
        let mut out = vec![];
        for (i, block) in self.shape.blocks.iter().enumerate() {
            for join in &block.joins {
                let side = |c: &ColRef| -> Option<(QualName, String)> {
                    let rel = self.shape.relation(i, c.qualifier.as_deref()?)?;
                    Some((rel.table.clone()?, c.name.clone()))
                };
                // Self-joins count (`c.parent_id = p.id`): the shape keeps only joins between
                // two relations of the block.
                if let (Some(a), Some(b)) = (side(&join.left), side(&join.right)) {
                    if a != b {
                        let (left, right) = if a <= b { (a, b) } else { (b, a) };
                        out.push(JoinPair { left, right });
                    }
                }
            }
        }
        out.sort();
        out.dedup();
        out
    }
}

fn relation_column<'a>(catalog: &'a Catalog, table: &QualName, column: &str) -> Resolved<'a> {
    if let Some(t) = catalog.table(table) {
        return match t.column(column) {
            Some(c) => Resolved::Column(t, c),
            // A `DO` block may have rebuilt the table: its columns are not known.
            None if catalog.is_unreplayed(table) => Resolved::Unknown,
            None => Resolved::Missing,
        };
    }
    if let Some(v) = catalog.views.get(table) {
        if v.output_columns.is_empty() || v.output_columns.iter().any(|c| c == column) {
            return Resolved::Unknown;
        }
        return Resolved::Missing;
    }
    Resolved::Unknown
}

/// The queries of an earlier release (`--since`), checked against the new schema: each with the
/// object that breaks it, if a migration since then removed or renamed it.
#[derive(Debug, Default)]
pub struct OldQueries {
    pub reference: String,
    pub sources: QuerySources,
    pub queries: Vec<Query>,
    /// Objects the new migrations removed or renamed: (table, column or None, what happened,
    /// migration id).
    pub removals: Vec<Removal>,
}

/// A table or column a migration dropped or renamed (the engine records them while it replays;
/// `--since` checks the earlier release's queries against them).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Removal {
    pub table: QualName,
    /// None when the whole table went.
    pub column: Option<String>,
    /// "dropped", or "renamed to `x`".
    pub what: String,
    pub migration: String,
    pub file: std::path::PathBuf,
    pub line: usize,
    /// For a column whose type changed: the old and the new type.
    pub retyped: Option<(crate::syntax::TypeName, crate::syntax::TypeName)>,
}
