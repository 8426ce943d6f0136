//! The rule engine's vocabulary: the `Rule` trait with optional hooks, rule metadata, the
//! contexts rules see, and the registry (one line per rule).
//!
//! Rules are pure: they read a context and push diagnostics. They do no IO and never fail.

use crate::catalog::Catalog;
pub use crate::finding::Category;
use crate::finding::{Diagnostic, RuleId, Severity};
use crate::graph::DependencyGraph;
use crate::span::Span;
use crate::syntax::{LockMode, QualName, Statement, TypeName};
use serde::Serialize;
use std::cell::OnceCell;
use std::collections::BTreeSet;

/// The index `redundant-index` tells to keep when it reports another (audit: one finding, one fix).
pub use redundant_index::covering as index_covering;

/// Declares a rule once: the unit struct, its [`RuleMeta`] (the id written once; the doc is
/// `lints/<id>.md`, embedded, so a rule without a doc does not compile) and the `RULE` constant the
/// registry lists. The rule file then implements only the hooks it needs:
///
/// ```ignore
/// declare_rule! {
///     DropTable {
///         id: "drop-table",
///         category: Compatibility,     // a `Category`
///         severity: Warning,           // the default `Severity`
///         fix: Guidance,               // `None`, `Guidance` or `Recipe(<Recipe>)`
///         doc_examples: false,         // optional: the doc's examples need several files
///     }
/// }
///
/// impl Rule for DropTable {
///     fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Diagnostic>) { ... }
/// }
/// ```
///
/// A rule whose findings the engine emits itself (see [`Emitter::Engine`]) ends with
/// `emitted_by: "<where>"` instead and writes no `impl Rule`: the macro gives it one without hooks.
macro_rules! declare_rule {
    (
        $name:ident {
            id: $id:literal,
            category: $category:ident,
            severity: $severity:ident,
            fix: $fix:ident $(($recipe:ident))?
            $(, doc_examples: $examples:literal)?
            $(,)?
        }
    ) => {
        declare_rule!(@declare $name, $id, $category, $severity, $fix $(($recipe))?,
            [$($examples)?], $crate::rules::Emitter::Hooks);
    };
    (
        $name:ident {
            id: $id:literal,
            category: $category:ident,
            severity: $severity:ident,
            fix: $fix:ident $(($recipe:ident))?
            $(, doc_examples: $examples:literal)?,
            emitted_by: $place:literal
            $(,)?
        }
    ) => {
        declare_rule!(@declare $name, $id, $category, $severity, $fix $(($recipe))?,
            [$($examples)?], $crate::rules::Emitter::Engine($place));

        /// No hooks: the engine emits this rule's findings (see `emitted_by`).
        impl $crate::rules::Rule for $name {}
    };
    (@declare $name:ident, $id:literal, $category:ident, $severity:ident,
        $fix:ident $(($recipe:ident))?, [$($examples:literal)?], $emitter:expr) => {
        pub struct $name;

        static META: $crate::rules::RuleMeta = $crate::rules::RuleMeta {
            id: $crate::finding::RuleId::new($id),
            category: $crate::rules::Category::$category,
            severity: $crate::finding::Severity::$severity,
            fix: $crate::rules::FixKind::$fix $(($crate::rules::Recipe::$recipe))?,
            doc: include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/lints/", $id, ".md")),
            doc_examples: declare_rule!(@or $($examples)? true),
            emitter: $emitter,
        };

        impl $crate::rules::Declared for $name {
            fn meta(&self) -> &'static $crate::rules::RuleMeta {
                &META
            }
        }

        /// This rule, as the registry lists it.
        pub(super) const RULE: &dyn $crate::rules::Rule = &$name;
    };
    (@or $given:literal $default:literal) => {
        $given
    };
    (@or $default:literal) => {
        $default
    };
}

/// Declares the rule modules and the registry [`RULES`] from one list of module names, sorted by
/// rule id. Adding a rule adds one line here.
macro_rules! registry {
    ($($module:ident,)*) => {
        $(mod $module;)*

        /// Every rule, sorted by id.
        pub static RULES: &[&dyn Rule] = &[$($module::RULE),*];
    };
}

pub mod index_advice;
mod will_fail;

registry! {
    add_check_validated,
    add_column_not_null_without_default,
    add_column_volatile_default,
    add_exclusion_constraint,
    add_foreign_key_validated,
    add_unique_without_index,
    alter_column_type_rewrite,
    alter_domain_add_constraint,
    alter_table_could_be_combined,
    ambiguous_migration_order,
    attach_partition_without_check,
    backfill_in_ddl_transaction,
    begin_in_runner_transaction,
    cascade_chain_too_deep,
    change_blocked_by_dependents,
    change_breaks_function_body,
    column_assigned_twice,
    concurrently_in_transaction,
    constraint_not_validated,
    constraint_rejects_old_writes,
    create_index_non_concurrently,
    data_change_without_down,
    detach_partition_non_concurrently,
    down_does_not_reverse,
    drop_cascade,
    drop_column,
    drop_column_default,
    drop_database,
    drop_index_non_concurrently,
    drop_not_null,
    drop_object,
    drop_table,
    enum_like_column_without_check,
    enum_value_in_transaction,
    enum_value_without_position,
    foreign_key_type_mismatch,
    foreign_key_without_index,
    full_table_rewrite,
    function_on_indexed_column,
    identifier_too_long,
    insert_omits_required_column,
    invalid_index,
    irreversible_data_loss,
    jsonb_without_shape_check,
    leading_wildcard_like,
    lock_held_across_statements,
    lock_table,
    missing_down_migration,
    missing_foreign_key,
    missing_lock_timeout,
    narrow_column_type,
    natural_key_without_unique,
    not_in_nullable_subquery,
    nullable_required_column,
    object_already_exists,
    object_does_not_exist,
    offset_pagination,
    old_query_breaks,
    on_conflict_without_unique,
    prefer_bigint_key,
    prefer_identity,
    prefer_jsonb,
    prefer_text_over_varchar,
    prefer_timestamptz,
    primary_key_on_nullable_columns,
    query_not_checked,
    query_references_missing_object,
    redundant_index,
    refresh_materialized_view_non_concurrently,
    reindex_non_concurrently,
    rename_column,
    rename_enum_value,
    rename_table,
    row_level_security_gap,
    security_definer_without_search_path,
    select_star,
    sequence_near_exhaustion,
    set_not_null_scan,
    single_row_lookup_without_unique,
    suppression_without_reason,
    syntax_error,
    table_without_primary_key,
    trigger_on_existing_table,
    truncate_table,
    unindexed_query,
    unterminated_transaction,
    unused_index,
    unused_suppression,
    update_all_rows,
    validate_in_same_transaction,
}

/// The rule with id `id`, if there is one.
pub fn find(id: &str) -> Option<&'static dyn Rule> {
    RULES.iter().copied().find(|r| r.meta().id == id)
}

/// Whether `id` names a rule: what `config` is given to validate the rule ids a config file names
/// (`config` sits below the rules and does not read the registry itself).
pub fn is_known(id: &str) -> bool {
    find(id).is_some()
}

/// Whether a rule's findings carry a fix, and what kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FixKind {
    None,
    /// SQL to run instead of (or before) the flagged statement, or to add to the schema.
    Recipe(Recipe),
    /// Guidance that needs a human (several releases, a backfill).
    Guidance,
}

impl FixKind {
    pub fn name(&self) -> &'static str {
        match self {
            FixKind::None => "none",
            FixKind::Recipe(_) => "recipe",
            FixKind::Guidance => "guidance",
        }
    }

    /// The recipe's kind, when the fix is one.
    pub fn recipe(&self) -> Option<Recipe> {
        match self {
            FixKind::Recipe(recipe) => Some(*recipe),
            FixKind::None | FixKind::Guidance => None,
        }
    }
}

/// Serialised by name (`none`, `recipe`, `guidance`): the recipe's kind is pgproof's own business.
impl Serialize for FixKind {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

/// What a rule's recipe does, for the code that acts on recipes (`prove` proves them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recipe {
    /// Replaces the flagged statement with a sequence that ends in the same schema under weaker
    /// locks: `prove` replays both on a throwaway server and compares schemas and locks.
    SameSchema,
    /// As [`Recipe::SameSchema`], except that the result also keeps the detached partition's
    /// bound as a `CHECK` constraint, as `DETACH PARTITION ... CONCURRENTLY` does by design.
    SameSchemaKeepingPartitionBound,
    /// Sets `lock_timeout` before the statement: bounds the wait for the lock without weakening
    /// the lock itself.
    BoundsWait,
    /// Creates an index that the flagged application query's plan should then use: `prove`
    /// compares the query's plan without and with it.
    IndexForQuery,
    /// Changes the schema the way the rule asks: a key, a constraint, a type, an index.
    ChangesSchema,
}

impl Recipe {
    /// Whether the recipe replaces the flagged statement with a lock-safe sequence that ends in
    /// the same schema (what `prove` checks by replaying both).
    pub fn replaces_statement(&self) -> bool {
        matches!(
            self,
            Recipe::SameSchema | Recipe::SameSchemaKeepingPartitionBound
        )
    }
}

/// Where a rule's findings come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Emitter {
    /// The rule's own hooks on [`Rule`].
    Hooks,
    /// The engine itself, at the place named (files and functions): parse errors, unreadable
    /// files, suppression comments, migration order, queries that cannot be checked. Such a rule
    /// has no hooks; it is declared so that its findings have an id, a severity, a doc and a config
    /// key like every other rule's.
    Engine(&'static str),
}

/// A rule's identity, declared once with [`declare_rule!`].
#[derive(Debug, Serialize)]
pub struct RuleMeta {
    pub id: RuleId,
    pub category: Category,
    pub severity: Severity,
    pub fix: FixKind,
    /// The rule's `lints/<id>.md`, embedded.
    #[serde(skip)]
    pub doc: &'static str,
    /// False for rules whose cases need several files; they are tested in `tests/` instead.
    #[serde(skip)]
    pub doc_examples: bool,
    /// Whether the rule's hooks or the engine emit its findings.
    #[serde(skip)]
    pub emitter: Emitter,
}

impl RuleMeta {
    /// The first paragraph after the title of the doc.
    pub fn summary(&self) -> String {
        crate::docs::summary(self.doc)
    }
}

/// A rule's metadata, implemented by [`declare_rule!`] (and only there).
pub trait Declared {
    fn meta(&self) -> &'static RuleMeta;
}

/// A rule: metadata (from [`declare_rule!`]) plus the hooks it needs. Every hook has an empty
/// default.
pub trait Rule: Sync + Declared {
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
        index_advice::is_small(table)
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
    pub stmt: &'a Statement,
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
            Statement::AlterTable(alter) if self.is_existing_table(&alter.name) => Some(alter),
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
    pub stmt: &'a Statement,
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
pub fn new_columns(stmt: &Statement) -> Vec<(&QualName, &crate::syntax::ColumnDef)> {
    match stmt {
        Statement::CreateTable(t) => t.columns.iter().map(|c| (&t.name, c)).collect(),
        Statement::AlterTable(a) => a
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
        let ids: Vec<&str> = RULES.iter().map(|r| r.meta().id.as_str()).collect();
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

    #[test]
    fn engine_emitted_rules_are_the_ids_the_engine_names() {
        // The places that emit these findings sit below the rules and name the ids as
        // `RuleId` constants: each must be a declared rule whose findings the engine emits.
        let mut engine: Vec<RuleId> = RULES
            .iter()
            .map(|r| r.meta())
            .filter(|m| matches!(m.emitter, Emitter::Engine(_)))
            .map(|m| m.id)
            .collect();
        engine.sort();
        let mut named = RuleId::ENGINE_EMITTED.to_vec();
        named.sort();
        assert_eq!(engine, named);
        for id in RuleId::ENGINE_EMITTED {
            let meta = find(id).expect("declared").meta();
            assert_eq!(meta.fix.recipe(), None, "{id}: the engine offers no recipe");
        }
    }

    #[test]
    fn recipe_kinds_match_what_acts_on_them() {
        let with = |kind: Recipe| -> Vec<&str> {
            RULES
                .iter()
                .map(|r| r.meta())
                .filter(|m| m.fix.recipe() == Some(kind))
                .map(|m| m.id.as_str())
                .collect()
        };
        // `prove` checks these recipes' indexes against the query's plan.
        assert_eq!(
            with(Recipe::IndexForQuery),
            [
                "function-on-indexed-column",
                "leading-wildcard-like",
                "unindexed-query"
            ]
        );
        assert_eq!(with(Recipe::BoundsWait), ["missing-lock-timeout"]);
        assert_eq!(
            with(Recipe::SameSchemaKeepingPartitionBound),
            ["detach-partition-non-concurrently"]
        );
        // A recipe that ends in the same schema under weaker locks answers a locking rule.
        for rule in RULES {
            let meta = rule.meta();
            if meta.fix.recipe().is_some_and(|r| r.replaces_statement()) {
                assert_eq!(meta.category, Category::Locking, "{}", meta.id);
            }
        }
        assert!(with(Recipe::SameSchema).len() > 5);
        assert!(with(Recipe::ChangesSchema).len() > 5);
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
