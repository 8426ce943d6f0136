//! The rule engine's vocabulary: the `Rule` trait with optional hooks, rule metadata and the
//! registry (one line per rule); the contexts rules see are in `context.rs`, helpers several rules
//! share in `shared.rs` and `type_change.rs`.
//!
//! Rules are pure: they read a context and push diagnostics. They do no IO and never fail.

pub use crate::finding::Category;
pub use crate::finding::{Anchor, Member};
use crate::finding::{Diagnostic, RuleId, Severity};
use serde::Serialize;
// Besides this module's items, what every rule file gets with `use super::*`.
use crate::span::Span;
use crate::syntax::{LockMode, QualName, Statement, TypeName};
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

        /// This rule's id, for the code outside the rule that names it (see `rules::ids`).
        pub const ID: $crate::finding::RuleId = $crate::finding::RuleId::new($id);

        static META: $crate::rules::RuleMeta = $crate::rules::RuleMeta {
            id: ID,
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

mod context;
pub mod index_advice;
mod shared;
mod type_change;
mod will_fail;

pub use context::{
    tenant_columns, Emptied, HeldLock, MigrationContext, MigrationStatement, QueriesContext,
    SchemaContext, StatementContext, DEFAULT_TENANT_COLUMNS,
};
pub use shared::{
    column_ref, held_until, insert_after_keyword, lock_effect, new_columns, sql_object_name,
    ENUM_LIKE_NAMES,
};
pub use type_change::{alter_type_rewrites, classify_type_change, TypeChange};

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

/// The ids of the rules that code outside `rules/` acts on, read from their declarations: compare
/// with these, never with a string.
pub mod ids {
    /// The audit pairs `redundant-index` findings with `unused-index` ones (one finding, one fix).
    pub use super::redundant_index::ID as REDUNDANT_INDEX;
    pub use super::unused_index::ID as UNUSED_INDEX;
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
/// default. Every hook pushes [`Diagnostic`]s; each says with its [`Anchor`] what its span points
/// into, and the engine places it there.
pub trait Rule: Sync + Declared {
    /// Called for every statement of every migration's up part, with the catalog as it was before
    /// it. Spans lie in the up part ([`Anchor::Up`], the default).
    fn check_statement(&self, _cx: &StatementContext<'_>, _out: &mut Vec<Diagnostic>) {}

    /// Called once per migration after its statements. Spans lie in the up part ([`Anchor::Up`],
    /// the default) or in the down part ([`Anchor::Down`]).
    fn check_migration(&self, _cx: &MigrationContext<'_>, _out: &mut Vec<Diagnostic>) {}

    /// Called once on the final schema (replayed or live). Each diagnostic is about an object
    /// ([`Diagnostic::about`], [`Anchor::Object`]).
    fn check_schema(&self, _cx: &SchemaContext<'_>, _out: &mut Vec<Diagnostic>) {}

    /// Called once with the application's queries and the schema they run against. Spans lie in
    /// the query's file ([`Anchor::File`] with the query's `file`).
    fn check_queries(&self, _cx: &QueriesContext<'_>, _out: &mut Vec<Diagnostic>) {}
}

/// A rule's findings on the second of two plain migrations, `setup` then `change` (for the rules'
/// unit tests).
#[cfg(test)]
pub(crate) fn findings_after(
    setup: &str,
    change: &str,
    rule: &str,
) -> Vec<crate::finding::Finding> {
    use crate::engine::{lint_texts, TextMigration, Texts};
    let texts = Texts {
        root: "m".into(),
        layout: crate::source::Layout::Plain,
        migrations: vec![
            TextMigration::file("001_a.sql", setup),
            TextMigration::file("002_b.sql", change),
        ],
    };
    lint_texts(texts, vec![], &crate::config::Settings::default(), None)
        .expect("lint runs")
        .findings
        .into_iter()
        .filter(|f| f.rule == rule)
        .collect()
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
}
