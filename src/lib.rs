//! pgproof: a PostgreSQL schema and migration linter that knows the whole schema.
//!
//! Data flows one way: `source` (files, layouts) -> `parse` (pg_query, byte spans) -> `syntax`
//! (our statement model) -> `catalog` (replayed schema) -> `graph` -> `rules` -> `finding` -> `report`.
//! See ARCHITECTURE.md.

pub mod baseline;
pub mod catalog;
pub mod cli;
pub mod commands;

pub mod config;
pub mod docs;
pub mod engine;
pub mod finding;
pub mod fingerprint;
pub mod fix;
pub mod graph;
pub mod keywords;
pub mod lex;
pub mod live;
pub mod locks;
pub mod parse;
pub mod prove;
pub mod queries;
pub mod query_check;
pub mod report;

pub mod rules;
pub mod sandbox;
pub mod source;
pub mod span;
pub mod suppress;
pub mod syntax;
pub mod text;
