//! The rule engine's vocabulary: the `Rule` trait with optional hooks, rule metadata, the
//! contexts rules see, and the registry (one line per rule).
//!
//! Rules are pure: they read a context and push diagnostics. They do no IO and never fail.

use crate::catalog::Catalog;
use crate::finding::{Diagnostic, Severity};
use crate::graph::DependencyGraph;
use crate::span::Span;
use crate::syntax::{LockMode, QualName, StmtKind, TypeName};
use serde::Serialize;
use std::cell::OnceCell;
use std::collections::BTreeSet;

mod add_check_validated;
mod add_column_not_null_without_default;
mod add_column_volatile_default;
mod add_exclusion_constraint;
mod add_foreign_key_validated;
mod add_unique_without_index;
mod alter_column_type_rewrite;
mod alter_domain_add_constraint;
mod alter_table_could_be_combined;
mod ambiguous_migration_order;
mod attach_partition_without_check;
mod backfill_in_ddl_transaction;
mod begin_in_runner_transaction;
mod cascade_chain_too_deep;
mod change_blocked_by_dependents;
mod change_breaks_function_body;
mod column_assigned_twice;
mod concurrently_in_transaction;
mod constraint_not_validated;
mod constraint_rejects_old_writes;
mod create_index_non_concurrently;
mod data_change_without_down;
mod detach_partition_non_concurrently;
mod down_does_not_reverse;
mod drop_cascade;
mod drop_column;
mod drop_column_default;
mod drop_database;
mod drop_index_non_concurrently;
mod drop_not_null;
mod drop_object;
mod drop_table;
mod enum_like_column_without_check;
mod enum_value_in_transaction;
mod enum_value_without_position;
mod foreign_key_type_mismatch;
mod foreign_key_without_index;
mod full_table_rewrite;
mod function_on_indexed_column;
mod identifier_too_long;
mod insert_omits_required_column;
mod invalid_index;
mod irreversible_data_loss;
mod jsonb_without_shape_check;
mod leading_wildcard_like;
mod lock_held_across_statements;
mod lock_table;
mod missing_down_migration;
mod missing_foreign_key;
mod missing_lock_timeout;
mod narrow_column_type;
mod natural_key_without_unique;
mod not_in_nullable_subquery;
mod nullable_required_column;
mod offset_pagination;
mod old_query_breaks;
mod on_conflict_without_unique;
mod prefer_bigint_key;
mod prefer_identity;
mod prefer_jsonb;
mod prefer_text_over_varchar;
mod prefer_timestamptz;
mod primary_key_on_nullable_columns;
mod query_not_checked;
mod query_references_missing_object;
mod redundant_index;
mod refresh_materialized_view_non_concurrently;
mod reindex_non_concurrently;
mod rename_column;
mod rename_enum_value;
mod rename_table;
mod row_level_security_gap;
mod security_definer_without_search_path;
mod select_star;
mod sequence_near_exhaustion;
mod set_not_null_scan;
mod single_row_lookup_without_unique;
mod suppression_without_reason;
mod syntax_error;
mod table_without_primary_key;
mod trigger_on_existing_table;
mod truncate_table;
mod unindexed_query;
mod unterminated_transaction;
mod unused_index;
mod unused_suppression;
mod update_all_rows;
mod validate_in_same_transaction;

/// Every rule, sorted by id. Adding a rule adds one line here.
pub static RULES: &[&dyn Rule] = &[
    &add_check_validated::AddCheckValidated,
    &add_column_not_null_without_default::AddColumnNotNullWithoutDefault,
    &add_column_volatile_default::AddColumnVolatileDefault,
    &add_exclusion_constraint::AddExclusionConstraint,
    &add_foreign_key_validated::AddForeignKeyValidated,
    &add_unique_without_index::AddUniqueWithoutIndex,
    &alter_column_type_rewrite::AlterColumnTypeRewrite,
    &alter_domain_add_constraint::AlterDomainAddConstraint,
    &alter_table_could_be_combined::AlterTableCouldBeCombined,
    &ambiguous_migration_order::AmbiguousMigrationOrder,
    &attach_partition_without_check::AttachPartitionWithoutCheck,
    &backfill_in_ddl_transaction::BackfillInDdlTransaction,
    &begin_in_runner_transaction::BeginInRunnerTransaction,
    &cascade_chain_too_deep::CascadeChainTooDeep,
    &change_blocked_by_dependents::ChangeBlockedByDependents,
    &change_breaks_function_body::ChangeBreaksFunctionBody,
    &column_assigned_twice::ColumnAssignedTwice,
    &concurrently_in_transaction::ConcurrentlyInTransaction,
    &constraint_not_validated::ConstraintNotValidated,
    &constraint_rejects_old_writes::ConstraintRejectsOldWrites,
    &create_index_non_concurrently::CreateIndexNonConcurrently,
    &data_change_without_down::DataChangeWithoutDown,
    &detach_partition_non_concurrently::DetachPartitionNonConcurrently,
    &down_does_not_reverse::DownDoesNotReverse,
    &drop_cascade::DropCascade,
    &drop_column::DropColumn,
    &drop_column_default::DropColumnDefault,
    &drop_database::DropDatabase,
    &drop_index_non_concurrently::DropIndexNonConcurrently,
    &drop_not_null::DropNotNull,
    &drop_object::DropObject,
    &drop_table::DropTable,
    &enum_like_column_without_check::EnumLikeColumnWithoutCheck,
    &enum_value_in_transaction::EnumValueInTransaction,
    &enum_value_without_position::EnumValueWithoutPosition,
    &foreign_key_type_mismatch::ForeignKeyTypeMismatch,
    &foreign_key_without_index::ForeignKeyWithoutIndex,
    &full_table_rewrite::FullTableRewrite,
    &function_on_indexed_column::FunctionOnIndexedColumn,
    &identifier_too_long::IdentifierTooLong,
    &insert_omits_required_column::InsertOmitsRequiredColumn,
    &invalid_index::InvalidIndex,
    &irreversible_data_loss::IrreversibleDataLoss,
    &jsonb_without_shape_check::JsonbWithoutShapeCheck,
    &leading_wildcard_like::LeadingWildcardLike,
    &lock_held_across_statements::LockHeldAcrossStatements,
    &lock_table::LockTable,
    &missing_down_migration::MissingDownMigration,
    &missing_foreign_key::MissingForeignKey,
    &missing_lock_timeout::MissingLockTimeout,
    &narrow_column_type::NarrowColumnType,
    &natural_key_without_unique::NaturalKeyWithoutUnique,
    &not_in_nullable_subquery::NotInNullableSubquery,
    &nullable_required_column::NullableRequiredColumn,
    &offset_pagination::OffsetPagination,
    &old_query_breaks::OldQueryBreaks,
    &on_conflict_without_unique::OnConflictWithoutUnique,
    &prefer_bigint_key::PreferBigintKey,
    &prefer_identity::PreferIdentity,
    &prefer_jsonb::PreferJsonb,
    &prefer_text_over_varchar::PreferTextOverVarchar,
    &prefer_timestamptz::PreferTimestamptz,
    &primary_key_on_nullable_columns::PrimaryKeyOnNullableColumns,
    &query_not_checked::QueryNotChecked,
    &query_references_missing_object::QueryReferencesMissingObject,
    &redundant_index::RedundantIndex,
    &refresh_materialized_view_non_concurrently::RefreshMaterializedViewNonConcurrently,
    &reindex_non_concurrently::ReindexNonConcurrently,
    &rename_column::RenameColumn,
    &rename_enum_value::RenameEnumValue,
    &rename_table::RenameTable,
    &row_level_security_gap::RowLevelSecurityGap,
    &security_definer_without_search_path::SecurityDefinerWithoutSearchPath,
    &select_star::SelectStar,
    &sequence_near_exhaustion::SequenceNearExhaustion,
    &set_not_null_scan::SetNotNullScan,
    &single_row_lookup_without_unique::SingleRowLookupWithoutUnique,
    &suppression_without_reason::SuppressionWithoutReason,
    &syntax_error::SyntaxError,
    &table_without_primary_key::TableWithoutPrimaryKey,
    &trigger_on_existing_table::TriggerOnExistingTable,
    &truncate_table::TruncateTable,
    &unindexed_query::UnindexedQuery,
    &unterminated_transaction::UnterminatedTransaction,
    &unused_index::UnusedIndex,
    &unused_suppression::UnusedSuppression,
    &update_all_rows::UpdateAllRows,
    &validate_in_same_transaction::ValidateInSameTransaction,
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
    /// Input problems (syntax, files, ordering) and queries that cannot work.
    Correctness,
    /// Application queries the schema serves badly: scans, unusable indexes.
    Performance,
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
            Category::Performance => "performance",
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
    fn check_migration(&self, _cx: &MigrationContext<'_>, _out: &mut Vec<MigrationDiagnostic>) {}

    /// Called once on the final schema (replayed or live).
    fn check_schema(&self, _cx: &SchemaContext<'_>, _out: &mut Vec<SchemaDiagnostic>) {}

    /// Called once with the application's queries and the schema they run against.
    fn check_queries(&self, _cx: &QueriesContext<'_>, _out: &mut Vec<QueryDiagnostic>) {}
}

/// What a query rule sees: every (de-duplicated) query and the final schema.
pub struct QueriesContext<'a> {
    pub queries: &'a [crate::queries::Query],
    pub files: &'a [crate::source::SourceFile],
    pub catalog: &'a Catalog,
    pub pg_version: u32,
    /// The previous release's queries (`--since`), when given.
    pub old: Option<&'a crate::queries::OldQueries>,
    /// Tables configured as small by design (`small_tables`).
    pub small_tables: &'a [String],
    /// Column names that scope a row to a tenant (`tenant_columns` in the config).
    pub tenant_columns: Vec<String>,
    /// The sqlc config whose schema files the queries are checked against, when it is one: a
    /// schema written for code generation, which often leaves out the functions and indexes the
    /// real database has, so what depends on them cannot be told for sure.
    pub codegen_schema: Option<&'a std::path::Path>,
}

impl QueriesContext<'_> {
    /// Caps `d` at warning, with a note, when it rests on a function or index that a code
    /// generation schema may simply not declare.
    pub fn unless_codegen_schema(&self, d: Diagnostic) -> Diagnostic {
        match self.codegen_schema {
            Some(config) => d.at_most(crate::finding::Severity::Warning).note(format!(
                "checked against the schema files of the sqlc config `{}`, which may leave out functions and indexes the database has: a warning, not an error",
                config.display()
            )),
            None => d,
        }
    }
}

impl QueriesContext<'_> {
    /// Whether index advice should skip `table`: configured as small (`small_tables`, by name or
    /// `schema.name`), or live statistics say it has too few rows for an index to matter.
    pub fn is_small(&self, table: &crate::catalog::Table) -> bool {
        crate::queries::is_small(table)
            || self.small_tables.iter().any(|t| match t.split_once('.') {
                Some((schema, name)) => table.name.name == name && table.name.schema == schema,
                None => table.name.name == *t,
            })
    }
}

/// A query finding: a diagnostic whose span lies in query file `file`.
#[derive(Debug, Clone)]
pub struct QueryDiagnostic {
    pub file: usize,
    pub diagnostic: Diagnostic,
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
    /// Functions, types, triggers, policies, and columns and named constraints added to existing
    /// tables earlier in the same migration; recorded only when [`Self::order_assumed`].
    pub created_objects: &'a BTreeSet<crate::graph::Object>,
    /// The set's order is only pgproof's guess (plain files without version prefixes, layout not
    /// configured): findings that rest on one file running before another are not certain.
    pub order_assumed: bool,
    pub lock_timeout_set: bool,
    /// `statement_timeout` was set earlier in the migration.
    pub statement_timeout_set: bool,
    /// The config asks for `statement_timeout` too (`require_statement_timeout`).
    pub require_statement_timeout: bool,
    /// An earlier statement of this migration already requested a lock that blocks reads or
    /// writes (`SHARE` or stronger) on a table that existed before the migration.
    pub blocking_lock_taken: bool,
    /// The statements of this migration's up part before this one.
    pub earlier: &'a [crate::syntax::ParsedStatement],
    /// The text of the up part, which the spans of `earlier` (and `span`) index.
    pub part_text: &'a str,
    /// Parts of the up part did not parse, so statements may be missing between the ones seen.
    pub part_has_errors: bool,
    /// Index into `earlier` where the current transaction began (the runner's, or an explicit BEGIN).
    pub tx_start: Option<usize>,
}

impl<'a> StatementContext<'a> {
    /// Whether `table` was created earlier in this migration (so nothing else can be using it yet).
    pub fn is_new(&self, table: &QualName) -> bool {
        self.created_in_migration.contains(table)
    }

    /// Whether `object` was created earlier in this migration (so the finding does not rest on the
    /// order of files). Knows relations always, other objects only when the order is assumed.
    pub fn created_here(&self, object: &crate::graph::Object) -> bool {
        use crate::graph::Object;
        match object {
            Object::Table(n) | Object::View(n) | Object::Index(n) | Object::Sequence(n) => {
                self.created_in_migration.contains(n)
            }
            Object::Column(t, _)
            | Object::Constraint(t, _)
            | Object::Trigger(t, _)
            | Object::Policy(t, _) => {
                self.created_in_migration.contains(t) || self.created_objects.contains(object)
            }
            Object::Function(_) | Object::Type(_) => self.created_objects.contains(object),
        }
    }

    /// Statements that ran earlier in the current transaction (empty outside a transaction).
    pub fn earlier_in_transaction(&self) -> &[crate::syntax::ParsedStatement] {
        match self.tx_start {
            Some(start) if self.in_transaction => &self.earlier[start.min(self.earlier.len())..],
            _ => &[],
        }
    }

    /// The statement as an `ALTER TABLE` of a table that existed before this migration: the shape
    /// most locking and compatibility rules start from.
    pub fn existing_alter(&self) -> Option<&'a crate::syntax::AlterTable> {
        match self.stmt {
            StmtKind::AlterTable(alter) if self.is_existing_table(&alter.name) => Some(alter),
            _ => None,
        }
    }

    /// A table that existed before this migration (not new, not temporary): where locks hurt.
    pub fn is_existing_table(&self, table: &QualName) -> bool {
        !self.is_new(table) && table.schema != "pg_temp"
    }

    /// The part of the catalog's dependency graph (before this statement) that can reach any of
    /// `targets`, for asking what depends on them ([`DependencyGraph::around`]).
    pub fn graph_around(&self, targets: &[crate::graph::Object]) -> DependencyGraph<'a> {
        DependencyGraph::around(self.catalog, targets)
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
    /// The schema before the migration's up part; kept only when the migration has a down part.
    pub before: Option<&'a Catalog>,
    /// The down part's statements (empty when there is none).
    pub down: &'a [crate::syntax::ParsedStatement],
    /// The down part had syntax errors, so replaying it is incomplete.
    pub down_has_errors: bool,
    /// Some migration of the same set has a down part (the project writes them).
    pub set_has_downs: bool,
    /// Tables created earlier in this migration's up part.
    pub created: &'a BTreeSet<QualName>,
    /// The set's order is only pgproof's guess (see [`StatementContext::order_assumed`]).
    pub order_assumed: bool,
}

/// Which part of a migration a migration finding points into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Up,
    Down,
}

/// A migration finding: a diagnostic whose span lies in the up or the down part.
#[derive(Debug, Clone)]
pub struct MigrationDiagnostic {
    pub part: Part,
    pub diagnostic: Diagnostic,
}

/// What a schema rule sees: the final catalog.
pub struct SchemaContext<'a> {
    pub catalog: &'a Catalog,
    pub pg_version: u32,
    /// Column names that scope a row to a tenant (`tenant_columns` in the config).
    pub tenant_columns: Vec<String>,
    /// Joins seen in the application's queries (`--queries`), with the query's label.
    pub query_joins: Vec<(crate::syntax::JoinPair, String)>,
    /// Columns the application's queries compare with string literals, with the query's label.
    pub query_literals: Vec<((QualName, String), String)>,
    /// `unused_index_min_days` in the config.
    pub unused_index_min_days: f64,
    graph: OnceCell<DependencyGraph<'a>>,
}

/// Column names (whole, or after `_`) that suggest a closed set of values: `status`,
/// `payment_state`. The audit reads `pg_stats` for these.
pub const ENUM_LIKE_NAMES: &[&str] = &[
    "status",
    "state",
    "kind",
    "type",
    "role",
    "category",
    "level",
    "priority",
    "stage",
    "mode",
    "visibility",
];

/// The tenant columns the settings name, or the defaults.
pub fn tenant_columns(settings: &crate::config::Settings) -> Vec<String> {
    match &settings.tenant_columns {
        Some(columns) => columns.clone(),
        None => DEFAULT_TENANT_COLUMNS
            .iter()
            .map(|c| c.to_string())
            .collect(),
    }
}

/// Tenant columns when the config names none.
pub const DEFAULT_TENANT_COLUMNS: &[&str] = &[
    "tenant_id",
    "org_id",
    "organization_id",
    "account_id",
    "workspace_id",
];

impl<'a> SchemaContext<'a> {
    pub fn new(catalog: &'a Catalog, pg_version: u32) -> Self {
        SchemaContext {
            catalog,
            pg_version,
            tenant_columns: DEFAULT_TENANT_COLUMNS
                .iter()
                .map(|c| c.to_string())
                .collect(),
            query_joins: vec![],
            query_literals: vec![],
            unused_index_min_days: 7.0,
            graph: OnceCell::new(),
        }
    }

    /// The context with the project's settings (tenant columns) applied.
    pub fn for_settings(
        catalog: &'a Catalog,
        pg_version: u32,
        settings: &crate::config::Settings,
    ) -> Self {
        let mut cx = SchemaContext::new(catalog, pg_version);
        if let Some(columns) = &settings.tenant_columns {
            cx.tenant_columns = columns.clone();
        }
        cx.unused_index_min_days = settings.unused_index_min_days;
        cx
    }

    /// The context with what the application's queries show (joins, literal comparisons).
    pub fn with_evidence(mut self, evidence: &crate::queries::QueryEvidence) -> Self {
        self.query_joins = evidence.joins.clone();
        self.query_literals = evidence.literals.clone();
        self
    }

    pub fn graph(&self) -> &DependencyGraph<'a> {
        self.graph
            .get_or_init(|| DependencyGraph::build(self.catalog))
    }
}

/// A schema finding names an object instead of a span; the engine places it at the statement that
/// created the object (or, for a live database, reports the object name).
#[derive(Debug, Clone)]
pub struct SchemaDiagnostic {
    /// The table (or, for a function finding, the function) the finding is about.
    pub table: QualName,
    /// The part of the table it is about, if narrower than the table.
    pub member: Option<Member>,
    pub diagnostic: Diagnostic,
}

/// A named part of a table, to place a schema finding where that part was created.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Member {
    Column(String),
    Constraint(String),
    Index(String),
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

/// Inserts `word` after the first whole-word occurrence of `after` (case-insensitive) in `sql`.
pub fn insert_after_keyword(sql: &str, after: &str, word: &str) -> Option<String> {
    let lower = sql.to_ascii_lowercase();
    let needle = after.to_ascii_lowercase();
    let is_word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    let mut from = 0;
    while let Some(found) = lower[from..].find(&needle) {
        let start = from + found;
        let end = start + needle.len();
        if !is_word(lower[..start].chars().next_back()) && !is_word(lower[end..].chars().next()) {
            return Some(format!("{} {}{}", &sql[..end], word, &sql[end..]));
        }
        from = end;
    }
    None
}

/// "until the transaction commits" / "until the statement finishes".
pub fn held_until(in_transaction: bool) -> &'static str {
    if in_transaction {
        "until the transaction commits"
    } else {
        "until the statement finishes"
    }
}

/// How changing a column from one type to another affects the stored rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TypeChange {
    /// Same type and modifiers: nothing happens.
    Same,
    /// Binary-coercible: a catalog-only change, no rewrite and no scan.
    BinaryCoercible,
    /// The new type holds fewer values: a rewrite, and old writes can fail.
    Narrowing,
    /// A rewrite of the table and its indexes.
    Rewrite,
}

/// Classifies `old -> new` as PostgreSQL does when deciding whether `ALTER COLUMN TYPE` rewrites.
pub fn classify_type_change(old: &TypeName, new: &TypeName) -> TypeChange {
    if old == new {
        return TypeChange::Same;
    }
    if old.array != new.array || old.schema != new.schema && new.schema.is_some() {
        return TypeChange::Rewrite;
    }
    let limit = |t: &TypeName| t.mods.first().copied();
    let text_like = |n: &str| matches!(n, "text" | "varchar" | "citext");
    match (old.name.as_str(), new.name.as_str()) {
        (a, b) if text_like(a) && text_like(b) => match (limit(old), limit(new)) {
            (_, None) => TypeChange::BinaryCoercible,
            (Some(o), Some(n)) if n >= o => TypeChange::BinaryCoercible,
            _ => TypeChange::Narrowing,
        },
        ("numeric", "numeric") => {
            let scale = |t: &TypeName| t.mods.get(1).copied().unwrap_or(0);
            match (limit(old), limit(new)) {
                (_, None) => TypeChange::BinaryCoercible,
                (None, Some(_)) => TypeChange::Narrowing,
                (Some(p), Some(p2)) => {
                    let (s, s2) = (scale(old), scale(new));
                    if s2 == s && p2 >= p {
                        TypeChange::BinaryCoercible
                    } else if p2 - s2 < p - s || s2 < s {
                        TypeChange::Narrowing
                    } else {
                        TypeChange::Rewrite
                    }
                }
            }
        }
        ("varbit", "varbit")
        | ("timestamp", "timestamp")
        | ("timestamptz", "timestamptz")
        | ("time", "time")
        | ("interval", "interval") => match (limit(old), limit(new)) {
            (_, None) => TypeChange::BinaryCoercible,
            (Some(o), Some(n)) if n >= o => TypeChange::BinaryCoercible,
            _ => TypeChange::Narrowing,
        },
        ("bpchar", b) if b == "bpchar" || text_like(b) => match (limit(old), limit(new)) {
            (Some(o), Some(n)) if n < o => TypeChange::Narrowing,
            _ => TypeChange::Rewrite,
        },
        ("cidr", "inet") => TypeChange::BinaryCoercible,
        (a, b) => {
            let rank = |n: &str| match n {
                "int2" => Some(1),
                "int4" => Some(2),
                "int8" => Some(3),
                "float4" => Some(4),
                "float8" => Some(5),
                "numeric" => Some(6),
                _ => None,
            };
            match (rank(a), rank(b)) {
                (Some(x), Some(y)) if y < x => TypeChange::Narrowing,
                _ if text_like(a) || a == "bpchar" => {
                    // text to anything narrower (int, uuid, ...) can fail on existing values.
                    TypeChange::Narrowing
                }
                _ => TypeChange::Rewrite,
            }
        }
    }
}

/// Columns a statement creates: those of `CREATE TABLE` and `ADD COLUMN`, with their table.
pub fn new_columns(stmt: &StmtKind) -> Vec<(&QualName, &crate::syntax::ColumnDef)> {
    match stmt {
        StmtKind::CreateTable(t) => t.columns.iter().map(|c| (&t.name, c)).collect(),
        StmtKind::AlterTable(a) => a
            .cmds
            .iter()
            .filter_map(|c| match c {
                crate::syntax::AlterCmd::AddColumn { column, .. } => Some((&a.name, column)),
                _ => None,
            })
            .collect(),
        _ => vec![],
    }
}

/// A constraint or index name chosen the way PostgreSQL would, quoted for use in SQL.
pub fn sql_object_name(name1: &str, name2: Option<&str>, label: &str) -> String {
    crate::syntax::quote_ident(&crate::catalog::apply::make_object_name(
        name1, name2, label,
    ))
}

/// Quoted `schema.table.column` for messages.
pub fn column_ref(table: &QualName, column: &str) -> String {
    format!("{table}.{}", crate::syntax::quote_ident(column))
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

    fn ty(name: &str, mods: &[i64]) -> TypeName {
        TypeName {
            mods: mods.to_vec(),
            ..TypeName::simple(name)
        }
    }

    #[test]
    fn type_changes_are_classified_like_postgres() {
        use TypeChange::*;
        let cases = [
            (ty("varchar", &[50]), ty("varchar", &[100]), BinaryCoercible),
            (ty("varchar", &[50]), ty("varchar", &[]), BinaryCoercible),
            (ty("varchar", &[50]), ty("text", &[]), BinaryCoercible),
            (ty("text", &[]), ty("varchar", &[]), BinaryCoercible),
            (ty("varchar", &[100]), ty("varchar", &[50]), Narrowing),
            (ty("text", &[]), ty("varchar", &[20]), Narrowing),
            (
                ty("numeric", &[10, 2]),
                ty("numeric", &[12, 2]),
                BinaryCoercible,
            ),
            (ty("numeric", &[10, 2]), ty("numeric", &[12, 4]), Rewrite),
            (ty("numeric", &[10, 2]), ty("numeric", &[8, 2]), Narrowing),
            (ty("numeric", &[10, 2]), ty("numeric", &[]), BinaryCoercible),
            (ty("int4", &[]), ty("int8", &[]), Rewrite),
            (ty("int8", &[]), ty("int4", &[]), Narrowing),
            (ty("timestamp", &[]), ty("timestamptz", &[]), Rewrite),
            (ty("text", &[]), ty("int4", &[]), Narrowing),
            (ty("cidr", &[]), ty("inet", &[]), BinaryCoercible),
            (ty("bpchar", &[36]), ty("varchar", &[40]), Rewrite),
            (ty("bpchar", &[36]), ty("varchar", &[20]), Narrowing),
            (ty("int4", &[]), ty("int4", &[]), Same),
        ];
        for (old, new, want) in cases {
            assert_eq!(classify_type_change(&old, &new), want, "{old} -> {new}");
        }
    }
}
