//! pgproof's own small statement model, lowered from pg_query's protobuf tree.
//!
//! Rules and the catalog never see protobuf types. Anything this model does not understand is
//! kept as [`Statement::Other`] with its node name, so it is counted, never silently dropped.
//! Lowering never fails.
//!
//! - `parsed.rs`: a file's statements, parsed by `parse` and lowered as they are found.
//! - `names.rs`: the vocabulary (qualified names, types, object kinds, identifier quoting).
//! - `statement.rs`: the statement model ([`Statement`] and its parts).
//! - `lower.rs`: lowering one statement node; `lower_table.rs` for tables, `ALTER TABLE`,
//!   constraints and indexes; `expr.rs` for expressions; `refs.rs` for what a view's query reads.
//! - `query.rs`: the model of one application query ([`query::Shape`]), lowered by
//!   `lower_query.rs` (statements and blocks) and `lower_predicate.rs` (conditions, expressions).

mod expr;
mod lower;
mod lower_predicate;
mod lower_query;
mod lower_table;
mod names;
mod parsed;
pub mod query;
mod refs;
mod statement;
#[cfg(test)]
mod tests;

pub use expr::{expr, normalized_expr, parse_expr};
pub use lower::lower;
pub(crate) use lower::range_var;
pub use lower_query::lower_query_text;
pub use names::*;
pub use parsed::{parse_sql, parse_sql_limited, ParsedStatement, ParsedText};
pub use refs::{join_pairs, view_column_refs};
pub use statement::*;
