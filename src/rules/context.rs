//! What rules see: the contexts of the statement, migration, schema and query hooks, and the
//! questions about them that several rules ask.

use super::index_advice;
use crate::catalog::Catalog;
use crate::finding::Diagnostic;
use crate::graph::DependencyGraph;
use crate::span::Span;
use crate::syntax::{LockMode, QualName, Statement};
use std::cell::OnceCell;
use std::collections::BTreeSet;

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
    /// That transaction is only the implicit one PostgreSQL gives a message of several
    /// statements (the runner sends the file as one message): an explicit `BEGIN` there turns it
    /// into an ordinary transaction block without a warning, and `COMMIT` ends it.
    pub runner_implicit: bool,
    /// Inside a `BEGIN` the part wrote (before this statement).
    pub explicit_transaction: bool,
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
    /// The statements of this migration's up part after this one.
    pub later: &'a [crate::syntax::ParsedStatement],
    /// The text of the up part, which the spans of `earlier` (and `span`) index.
    pub part_text: &'a str,
    /// Parts of the up part did not parse, so statements may be missing between the ones seen.
    pub part_has_errors: bool,
    /// Index into `earlier` where the current transaction began (the runner's, or an explicit BEGIN).
    pub tx_start: Option<usize>,
}

/// How a table was emptied earlier in the transaction ([`StatementContext::emptied_before`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Emptied {
    /// By `TRUNCATE`, whose `ACCESS EXCLUSIVE` lock keeps it empty until the transaction ends.
    Truncated,
    /// By `DELETE` of every row, which leaves writers free (and the dead rows in the table).
    Deleted,
}

impl<'a> StatementContext<'a> {
    /// The columns `alter` adds, but for an `ADD COLUMN IF NOT EXISTS` of a column the table
    /// already has, which does nothing.
    pub fn columns_added<'s>(
        &self,
        alter: &'s crate::syntax::AlterTable,
    ) -> impl Iterator<Item = &'s crate::syntax::ColumnDef> + use<'s, 'a, '_> {
        let table = self.catalog.table(&alter.name);
        alter.cmds.iter().filter_map(move |cmd| match cmd {
            crate::syntax::AlterCmd::AddColumn {
                column,
                if_not_exists,
            } if !(*if_not_exists && table.is_some_and(|t| t.column(&column.name).is_some())) => {
                Some(column)
            }
            _ => None,
        })
    }

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

    /// How `table` was emptied before the statement runs, as far as the migration shows: an
    /// earlier statement of the same transaction truncated it or deleted every row, and nothing
    /// after that can have added one (an `INSERT` into it, a `DO` block, a function a `SELECT`
    /// calls, a statement pgproof does not model, a rollback to a savepoint). Only for a plain
    /// table with no children: `ONLY` is not modelled, and a child keeps its rows through
    /// `TRUNCATE ONLY`.
    pub fn emptied_before(&self, table: &QualName) -> Option<Emptied> {
        let earlier = self.earlier_in_transaction();
        let (at, how) = earlier
            .iter()
            .enumerate()
            .rev()
            .find_map(|(i, s)| match &s.kind {
                Statement::Truncate { tables, .. } if tables.contains(table) => {
                    Some((i, Emptied::Truncated))
                }
                Statement::Delete {
                    table: t,
                    has_where: false,
                } if t == table => Some((i, Emptied::Deleted)),
                _ => None,
            })?;
        let refilled = earlier[at + 1..].iter().any(|s| match &s.kind {
            Statement::Insert { table: t, .. } => t == table,
            Statement::Transaction {
                tx: crate::syntax::TxKind::RollbackTo,
            }
            | Statement::Do { .. }
            | Statement::Select
            | Statement::Other { .. } => true,
            _ => false,
        });
        if refilled {
            return None;
        }
        // Checked last: the catalog-wide look for children runs only after a TRUNCATE or DELETE.
        let plain = self
            .catalog
            .table(table)
            .is_some_and(|t| matches!(t.kind, crate::catalog::TableKind::Regular));
        let children = || {
            self.catalog
                .tables
                .values()
                .any(|t| t.inherits.contains(table))
        };
        (plain && !children()).then_some(how)
    }

    /// The statement as an `ALTER TABLE`, of any table.
    pub fn alter_table(&self) -> Option<&'a crate::syntax::AlterTable> {
        match self.stmt {
            Statement::AlterTable(alter) => Some(alter),
            _ => None,
        }
    }

    /// The statement as an `ALTER TABLE` of a table that existed before this migration: the shape
    /// most locking and compatibility rules start from.
    pub fn existing_alter(&self) -> Option<&'a crate::syntax::AlterTable> {
        self.alter_table()
            .filter(|alter| self.is_existing_table(&alter.name))
    }

    /// [`Self::existing_alter`], with the table as the catalog has it before the statement (None
    /// when the catalog does not know it).
    pub fn existing_alter_and_table(
        &self,
    ) -> Option<(
        &'a crate::syntax::AlterTable,
        Option<&'a crate::catalog::Table>,
    )> {
        let alter = self.existing_alter()?;
        Some((alter, self.catalog.table(&alter.name)))
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
    /// The migration has a down part, empty or not (a `.down.sql` file, a down section).
    pub down_written: bool,
    pub supports_down: bool,
    pub pg_version: u32,
    /// The schema before the migration's up part; kept only when the migration has a down part.
    pub before: Option<&'a Catalog>,
    /// The down part's statements (empty when there is none).
    pub down: &'a [crate::syntax::ParsedStatement],
    /// The down part had syntax errors, so replaying it is incomplete.
    pub down_has_errors: bool,
    /// The runner's transaction around the down part (its own, where the runner reads it per
    /// direction).
    pub down_transaction: &'a crate::source::RunnerTransaction,
    /// Whether each down statement runs in a transaction (the runner's or the part's own
    /// `BEGIN`), as for the up part's [`MigrationStatement::in_transaction`].
    pub down_in_transaction: &'a [bool],
    /// Some migration of the same set has a down part (the project writes them).
    pub set_has_downs: bool,
    /// Tables created earlier in this migration's up part.
    pub created: &'a BTreeSet<QualName>,
    /// The set's order is only pgproof's guess (see [`StatementContext::order_assumed`]).
    pub order_assumed: bool,
}

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

    /// Every table's constraints, with the table, but for a partition's copies of its parent's
    /// (PostgreSQL clones foreign keys and checks into each partition): a finding about one is
    /// reported once, on the parent.
    pub fn own_constraints(
        &self,
    ) -> impl Iterator<Item = (&'a crate::catalog::Table, &'a crate::catalog::Constraint)> + 'a
    {
        let catalog = self.catalog;
        catalog.tables.values().flat_map(move |table| {
            let table: &'a crate::catalog::Table = table;
            table
                .constraints
                .iter()
                .filter(move |c| !catalog.is_cloned_constraint(&table.name, c))
                .map(move |c| (table, c))
        })
    }

    pub fn graph(&self) -> &DependencyGraph<'a> {
        self.graph
            .get_or_init(|| DependencyGraph::build(self.catalog))
    }
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
    /// That config's schema is a migration history (files that each carry a version), not schema
    /// files written for code generation.
    pub codegen_schema_is_history: bool,
}

impl QueriesContext<'_> {
    /// Whether the queries are checked against schema files written for code generation (not a
    /// migration history) that declare no function at all: whether a function the queries call
    /// exists cannot be told there.
    pub fn functions_not_modelled(&self) -> bool {
        self.codegen_files() && self.catalog.functions.is_empty()
    }

    /// Whether the queries are checked against an sqlc config's schema files that are not a
    /// migration history.
    fn codegen_files(&self) -> bool {
        self.codegen_schema.is_some() && !self.codegen_schema_is_history
    }

    /// Whether the queries are checked against schema files written for code generation (not a
    /// migration history) that declare no index but the primary keys': such a schema does not
    /// model indexes at all, so whether one serves a query or a conflict target cannot be told.
    pub fn indexes_not_modelled(&self) -> bool {
        self.codegen_files()
            && self.catalog.indexes.values().all(|index| {
                index.constraint.as_ref().is_some_and(|name| {
                    self.catalog
                        .table(&index.table)
                        .and_then(|t| t.primary_key())
                        .is_some_and(|pk| &pk.name == name)
                })
            })
    }

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
