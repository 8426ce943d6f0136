//! The rule engine's vocabulary: the `Rule` trait with optional hooks, rule metadata, the
//! contexts rules see, and the registry (one line per rule).
//!
//! Rules are pure: they read a context and push diagnostics. They do no IO and never fail.

use crate::catalog::Catalog;
use crate::finding::{Diagnostic, Severity};
use crate::graph::DependencyGraph;
use crate::span::Span;
use crate::syntax::{LockMode, QualName, StmtKind};
use serde::Serialize;
use std::cell::OnceCell;
use std::collections::BTreeSet;

mod add_check_validated;
mod add_column_volatile_default;
mod add_foreign_key_validated;
mod ambiguous_migration_order;
mod concurrently_in_transaction;
mod create_index_non_concurrently;
mod drop_cascade;
mod drop_column;
mod foreign_key_without_index;
mod rename_column;
mod set_not_null_scan;
mod suppression_without_reason;
mod syntax_error;
mod table_without_primary_key;
mod unused_suppression;

/// Every rule, sorted by id. Adding a rule adds one line here.
pub static RULES: &[&dyn Rule] = &[
    &add_check_validated::AddCheckValidated,
    &add_column_volatile_default::AddColumnVolatileDefault,
    &add_foreign_key_validated::AddForeignKeyValidated,
    &ambiguous_migration_order::AmbiguousMigrationOrder,
    &concurrently_in_transaction::ConcurrentlyInTransaction,
    &create_index_non_concurrently::CreateIndexNonConcurrently,
    &drop_cascade::DropCascade,
    &drop_column::DropColumn,
    &foreign_key_without_index::ForeignKeyWithoutIndex,
    &rename_column::RenameColumn,
    &set_not_null_scan::SetNotNullScan,
    &suppression_without_reason::SuppressionWithoutReason,
    &syntax_error::SyntaxError,
    &table_without_primary_key::TableWithoutPrimaryKey,
    &unused_suppression::UnusedSuppression,
];

pub fn find(id: &str) -> Option<&'static dyn Rule> {
    RULES.iter().copied().find(|r| r.meta().id == id)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    /// Locks, rewrites and scans that stall production traffic.
    Locking,
    /// Changes that break app instances still running the previous release.
    Compatibility,
    /// Schema design: keys, constraints, indexes.
    Schema,
    /// Input problems: syntax, files, ordering.
    Correctness,
    /// pgproof's own suppression comments.
    Suppression,
}

impl Category {
    pub fn name(&self) -> &'static str {
        match self {
            Category::Locking => "locking",
            Category::Compatibility => "compatibility",
            Category::Schema => "schema",
            Category::Correctness => "correctness",
            Category::Suppression => "suppression",
        }
    }
}

/// Whether a rule's findings carry a fix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FixKind {
    None,
    /// A recipe that produces the same schema with weaker locks.
    Recipe,
    /// Guidance that needs a human (several releases, a backfill).
    Guidance,
}

impl FixKind {
    pub fn name(&self) -> &'static str {
        match self {
            FixKind::None => "none",
            FixKind::Recipe => "recipe",
            FixKind::Guidance => "guidance",
        }
    }
}

/// A rule's identity, declared once.
#[derive(Debug, Serialize)]
pub struct RuleMeta {
    pub id: &'static str,
    pub category: Category,
    pub severity: Severity,
    pub fix: FixKind,
    /// The rule's `lints/<id>.md`, embedded.
    #[serde(skip)]
    pub doc: &'static str,
    /// False for rules whose cases need several files; they are tested in `tests/` instead.
    #[serde(skip)]
    pub doc_examples: bool,
}

impl RuleMeta {
    /// The first paragraph after the title of the doc.
    pub fn summary(&self) -> String {
        crate::docs::summary(self.doc)
    }
}

/// A rule: metadata plus the hooks it needs. Every hook has an empty default.
pub trait Rule: Sync {
    fn meta(&self) -> &'static RuleMeta;

    /// Called for every statement of every migration's up part, with the catalog as it was before it.
    fn check_statement(&self, _cx: &StatementContext<'_>, _out: &mut Vec<Diagnostic>) {}

    /// Called once per migration after its statements.
    fn check_migration(&self, _cx: &MigrationContext<'_>, _out: &mut Vec<Diagnostic>) {}

    /// Called once on the final schema (replayed or live).
    fn check_schema(&self, _cx: &SchemaContext<'_>, _out: &mut Vec<SchemaDiagnostic>) {}
}

/// A lock held by the current transaction since an earlier statement.
#[derive(Debug, Clone)]
pub struct HeldLock {
    pub table: QualName,
    pub mode: LockMode,
    /// The statement that took it.
    pub span: Span,
}

/// What a statement rule sees.
pub struct StatementContext<'a> {
    pub stmt: &'a StmtKind,
    pub span: Span,
    /// The statement's SQL text.
    pub sql: &'a str,
    /// The schema just before this statement.
    pub catalog: &'a Catalog,
    pub pg_version: u32,
    /// Inside a transaction: the runner's or an explicit BEGIN.
    pub in_transaction: bool,
    /// The runner wraps this migration in a transaction.
    pub runner_transaction: bool,
    /// Why we believe the runner does (or does not) wrap it.
    pub transaction_reason: &'a str,
    /// Locks the current transaction already holds from earlier statements.
    pub held_locks: &'a [HeldLock],
    /// Relations created earlier in the same migration (new, empty, unseen by the app).
    pub created_in_migration: &'a BTreeSet<QualName>,
    pub lock_timeout_set: bool,
    pub(crate) graph: OnceCell<DependencyGraph>,
}

impl StatementContext<'_> {
    /// Whether `table` was created earlier in this migration (so nothing else can be using it yet).
    pub fn is_new(&self, table: &QualName) -> bool {
        self.created_in_migration.contains(table)
    }

    /// The dependency graph of the catalog before this statement, built on first use.
    pub fn graph(&self) -> &DependencyGraph {
        self.graph
            .get_or_init(|| DependencyGraph::build(self.catalog))
    }
}

/// One statement of a migration, as seen after replay.
pub struct MigrationStatement<'a> {
    pub stmt: &'a StmtKind,
    pub span: Span,
    pub in_transaction: bool,
}

/// What a migration rule sees.
pub struct MigrationContext<'a> {
    pub id: &'a str,
    pub statements: &'a [MigrationStatement<'a>],
    /// The schema after the migration's up part.
    pub after: &'a Catalog,
    pub has_down: bool,
    pub supports_down: bool,
    pub pg_version: u32,
}

/// What a schema rule sees: the final catalog.
pub struct SchemaContext<'a> {
    pub catalog: &'a Catalog,
    pub pg_version: u32,
    graph: OnceCell<DependencyGraph>,
}

impl<'a> SchemaContext<'a> {
    pub fn new(catalog: &'a Catalog, pg_version: u32) -> Self {
        SchemaContext {
            catalog,
            pg_version,
            graph: OnceCell::new(),
        }
    }

    pub fn graph(&self) -> &DependencyGraph {
        self.graph
            .get_or_init(|| DependencyGraph::build(self.catalog))
    }
}

/// A schema finding names an object instead of a span; the engine places it at the statement that
/// created the object (or, for a live database, reports the object name).
#[derive(Debug, Clone)]
pub struct SchemaDiagnostic {
    pub table: QualName,
    pub column: Option<String>,
    pub diagnostic: Diagnostic,
}

/// Shared wording: a lock's effect on a table, e.g. "blocks all reads and writes on `orders`".
pub fn lock_effect(mode: LockMode, table: &QualName) -> String {
    format!(
        "takes the `{}` lock on `{}`, which blocks {},",
        mode.sql(),
        table,
        mode.blocks()
    )
}

/// Inserts `word` after the first occurrence of `after` (case-insensitive) in `sql`.
pub fn insert_after_keyword(sql: &str, after: &str, word: &str) -> Option<String> {
    let lower = sql.to_ascii_lowercase();
    let at = lower.find(&after.to_ascii_lowercase())? + after.len();
    Some(format!("{} {}{}", &sql[..at], word, &sql[at..]))
}

/// "until the transaction commits" / "until the statement finishes".
pub fn held_until(in_transaction: bool) -> &'static str {
    if in_transaction {
        "until the transaction commits"
    } else {
        "until the statement finishes"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_is_sorted_unique_and_documented() {
        let ids: Vec<&str> = RULES.iter().map(|r| r.meta().id).collect();
        let mut sorted = ids.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(
            ids, sorted,
            "rule ids must be unique and sorted in the registry"
        );
        for rule in RULES {
            let meta = rule.meta();
            assert!(
                meta.doc.starts_with(&format!("# {}\n", meta.id)),
                "lints/{}.md must start with `# {}`",
                meta.id,
                meta.id
            );
            assert!(
                meta.id.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
                "{} is not kebab-case",
                meta.id
            );
            assert!(!meta.summary().is_empty(), "{} has no summary", meta.id);
        }
        let docs: Vec<String> = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/lints"))
            .expect("lints/ exists")
            .map(|e| {
                e.expect("readable entry")
                    .file_name()
                    .to_string_lossy()
                    .trim_end_matches(".md")
                    .to_string()
            })
            .collect();
        for doc in docs {
            assert!(find(&doc).is_some(), "lints/{doc}.md has no rule");
        }
    }
}
