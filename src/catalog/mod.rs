//! The schema model: one type for a replayed history and for a live database.
//!
//! `apply/` folds one statement into a catalog; `diff.rs` compares two catalogs; `linked.rs` keeps
//! tables, views and sequences findable by the tables they name. This layer does no IO.

pub mod apply;
pub mod body;
pub mod diff;
mod linked;
pub mod witness;

pub use linked::{Linked, Links, Sequences, Tables, Views};

use crate::syntax::{
    ConstraintKind, Expr, Identity, IndexKey, Persistence, QualName, ReplicaIdentity, TypeName,
    Volatility,
};
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// A copy-on-write value: cloning shares it, and the first mutable access through a shared copy
/// clones it (`Arc::make_mut`). Catalogs are cloned whole (the schema before a migration, the
/// schema a down part is replayed on) while a statement changes a table or two, so tables and
/// indexes are kept this way: a clone copies pointers, and [`diff`] skips what both sides still
/// share. Mutating code must look before it writes: `&mut` access to a shared value copies it.
#[derive(Debug, Clone, Default)]
pub struct Shared<T>(Arc<T>);

impl<T> Shared<T> {
    pub fn new(value: T) -> Self {
        Shared(Arc::new(value))
    }

    /// Whether both are the same allocation (so equal without comparing).
    pub fn same(a: &Self, b: &Self) -> bool {
        Arc::ptr_eq(&a.0, &b.0)
    }
}

impl<T> std::ops::Deref for Shared<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: Clone> std::ops::DerefMut for Shared<T> {
    fn deref_mut(&mut self) -> &mut T {
        Arc::make_mut(&mut self.0)
    }
}

impl<T: PartialEq> PartialEq for Shared<T> {
    fn eq(&self, other: &Self) -> bool {
        Shared::same(self, other) || *self.0 == *other.0
    }
}

impl<T: Serialize> Serialize for Shared<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Shared<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::deserialize(deserializer).map(Shared::new)
    }
}

impl<T> From<T> for Shared<T> {
    fn from(value: T) -> Self {
        Shared::new(value)
    }
}

/// The catalog's indexes by name, with a side index of the names on each table, so that what
/// one statement does to one table's indexes costs what that table has, not what the catalog has.
///
/// Read-only uses see the map by name (`Deref`: `get`, `values`, iteration in name order); every
/// change goes through the methods here, which keep the side index in step. There is no `&mut`
/// access to an index except through [`Indexes::modify`] and [`Indexes::modify_on`], which move an
/// index in the side index when the change gives it another table.
#[derive(Clone, Default)]
pub struct Indexes {
    by_name: BTreeMap<QualName, Shared<Index>>,
    /// Table (or materialised view) -> the names of its indexes, in name order.
    by_table: FxHashMap<QualName, BTreeSet<QualName>>,
}

impl Indexes {
    /// Adds or replaces the index called `name`; returns the one it replaced.
    pub fn insert(&mut self, name: QualName, index: Shared<Index>) -> Option<Shared<Index>> {
        self.by_table
            .entry(index.table.clone())
            .or_default()
            .insert(name.clone());
        let old = self.by_name.insert(name.clone(), index);
        if let Some(old) = &old {
            if old.table != self.by_name[&name].table {
                self.unlink(&old.table, &name);
            }
        }
        old
    }

    /// Removes the index called `name`.
    pub fn remove(&mut self, name: &QualName) -> Option<Shared<Index>> {
        let index = self.by_name.remove(name)?;
        self.unlink(&index.table, name);
        Some(index)
    }

    /// Keeps the indexes `keep` says yes to (a scan of every index: for one table's, use
    /// [`Indexes::drop_on`]).
    pub fn retain(&mut self, mut keep: impl FnMut(&QualName, &Index) -> bool) {
        let gone: Vec<QualName> = self
            .by_name
            .iter()
            .filter(|(name, index)| !keep(name, index))
            .map(|(name, _)| name.clone())
            .collect();
        for name in gone {
            self.remove(&name);
        }
    }

    /// Removes the indexes on `table` that `pick` says yes to.
    pub fn drop_on(&mut self, table: &QualName, pick: impl Fn(&Index) -> bool) {
        let gone: Vec<QualName> = self
            .on(table)
            .filter(|i| pick(i))
            .map(|i| i.name.clone())
            .collect();
        for name in gone {
            self.remove(&name);
        }
    }

    /// Changes the index called `name` (copying it first if a copy of the catalog shares it);
    /// `None` when there is none.
    pub fn modify<R>(
        &mut self,
        name: &QualName,
        change: impl FnOnce(&mut Index) -> R,
    ) -> Option<R> {
        let index = self.by_name.get_mut(name)?;
        let table = index.table.clone();
        let result = change(index);
        if index.table != table {
            let moved_to = index.table.clone();
            self.unlink(&table, name);
            self.by_table
                .entry(moved_to)
                .or_default()
                .insert(name.clone());
        }
        Some(result)
    }

    /// Changes the indexes on `table` that `pick` says yes to; the others stay shared.
    pub fn modify_on(
        &mut self,
        table: &QualName,
        pick: impl Fn(&Index) -> bool,
        mut change: impl FnMut(&mut Index),
    ) {
        let picked: Vec<QualName> = self
            .on(table)
            .filter(|i| pick(i))
            .map(|i| i.name.clone())
            .collect();
        for name in picked {
            self.modify(&name, &mut change);
        }
    }

    /// The indexes on `table`, in name order.
    pub fn on<'a>(&'a self, table: &QualName) -> impl Iterator<Item = &'a Index> + 'a {
        self.by_table
            .get(table)
            .into_iter()
            .flatten()
            .filter_map(|name| self.by_name.get(name).map(|i| &**i))
    }

    fn unlink(&mut self, table: &QualName, name: &QualName) {
        if let Some(names) = self.by_table.get_mut(table) {
            names.remove(name);
            if names.is_empty() {
                self.by_table.remove(table);
            }
        }
    }
}

impl std::ops::Deref for Indexes {
    type Target = BTreeMap<QualName, Shared<Index>>;
    fn deref(&self) -> &Self::Target {
        &self.by_name
    }
}

impl PartialEq for Indexes {
    fn eq(&self, other: &Self) -> bool {
        self.by_name == other.by_name
    }
}

impl std::fmt::Debug for Indexes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.by_name.fmt(f)
    }
}

impl Serialize for Indexes {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.by_name.serialize(serializer)
    }
}

/// Read back from the map by name; the side index is rebuilt.
impl<'de> Deserialize<'de> for Indexes {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let by_name = BTreeMap::<QualName, Shared<Index>>::deserialize(deserializer)?;
        let mut indexes = Indexes::default();
        for (name, index) in by_name {
            indexes.insert(name, index);
        }
        Ok(indexes)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Catalog {
    pub schemas: BTreeSet<String>,
    pub tables: Tables,
    pub indexes: Indexes,
    pub sequences: Sequences,
    pub views: Views,
    pub enums: BTreeMap<QualName, EnumType>,
    pub domains: BTreeMap<QualName, Domain>,
    pub composite_types: BTreeSet<QualName>,
    /// Functions by name; each entry holds its overloads.
    pub functions: BTreeMap<QualName, Vec<Function>>,
    pub extensions: BTreeSet<String>,
    /// Bare names of objects that a statement pgproof cannot replay (a `DO` block) mentions: what
    /// this catalog says about them may be wrong. Only a replayed history has them.
    #[serde(skip)]
    pub unreplayed: BTreeSet<String>,
    /// Function bodies as written, by signature (`schema.name(type, ...)`). Only a replayed
    /// history has them (a live catalog is not read back into this field).
    #[serde(skip)]
    pub function_bodies: BTreeMap<String, Arc<str>>,
    /// What the server's statistics say, when read from a live database.
    #[serde(skip)]
    pub statistics: Option<Statistics>,
    /// Function `CREATE` statements by signature, read for the tables and columns they use only
    /// when a rule asks ([`body::FunctionSource::refs`]). Only a replayed history has them.
    #[serde(skip)]
    pub function_refs: BTreeMap<String, Arc<body::FunctionSource>>,
    /// What the replay saw created and dropped, and what it cannot vouch for since
    /// ([`witness::Witness`]): what "this statement fails" findings rest on.
    #[serde(skip)]
    pub witness: witness::Witness,
}

/// Statistics of a live database: how long the usage counters have been counting, and what
/// `pg_stats` says about the values of columns that may hold a closed set.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Statistics {
    /// Days since the counters last started from zero: the later of the last reset
    /// (`pg_stat_database.stats_reset`) and the server's start (`pg_postmaster_start_time()`).
    pub window_days: f64,
    /// Sampled values by (table, column), for the columns the audit asks about.
    pub column_values: BTreeMap<(QualName, String), ColumnValues>,
}

/// `pg_stats` for one column.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ColumnValues {
    /// Distinct values: a count when positive, a fraction of the rows when negative.
    pub n_distinct: f64,
    /// The most common values and the fraction of rows each holds.
    pub common_values: Vec<(String, f64)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TableKind {
    Regular,
    Partitioned,
    Partition { parent: QualName },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Table {
    pub name: QualName,
    pub kind: TableKind,
    pub persistence: Persistence,
    pub columns: Vec<Column>,
    pub constraints: Vec<Constraint>,
    pub inherits: Vec<QualName>,
    pub rls_enabled: bool,
    pub rls_forced: bool,
    pub policies: Vec<String>,
    pub triggers: Vec<Trigger>,
    pub comment: Option<String>,
    /// Row estimate, when read from a live database.
    pub row_estimate: Option<f64>,
    /// On-disk size with indexes and TOAST, when read from a live database.
    pub size_bytes: Option<i64>,
    /// Created `LIKE` a table the replay does not know: it may have columns, keys and indexes
    /// the model does not (rules that would report their absence stay silent).
    #[serde(default)]
    pub like_unknown: bool,
    /// `REPLICA IDENTITY`, when set.
    #[serde(default, skip_serializing_if = "ReplicaIdentity::is_default")]
    pub replica_identity: ReplicaIdentity,
}

impl Table {
    pub fn new(name: QualName) -> Self {
        Table {
            name,
            kind: TableKind::Regular,
            persistence: Persistence::Permanent,
            columns: vec![],
            constraints: vec![],
            inherits: vec![],
            rls_enabled: false,
            rls_forced: false,
            policies: vec![],
            triggers: vec![],
            comment: None,
            row_estimate: None,
            size_bytes: None,
            like_unknown: false,
            replica_identity: ReplicaIdentity::Default,
        }
    }

    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    pub fn column_mut(&mut self, name: &str) -> Option<&mut Column> {
        self.columns.iter_mut().find(|c| c.name == name)
    }

    pub fn constraint(&self, name: &str) -> Option<&Constraint> {
        self.constraints.iter().find(|c| c.name == name)
    }

    pub fn primary_key(&self) -> Option<&Constraint> {
        self.constraints
            .iter()
            .find(|c| matches!(c.kind, ConstraintKind::PrimaryKey { .. }))
    }

    pub fn primary_key_columns(&self) -> Vec<String> {
        match self.primary_key().map(|c| &c.kind) {
            Some(ConstraintKind::PrimaryKey { columns }) => columns.clone(),
            _ => vec![],
        }
    }

    pub fn foreign_keys(&self) -> impl Iterator<Item = &Constraint> {
        self.constraints
            .iter()
            .filter(|c| matches!(c.kind, ConstraintKind::ForeignKey { .. }))
    }

    /// True when a validated `CHECK (col IS NOT NULL)` exists, which lets SET NOT NULL skip its scan (PG ≥ 12).
    pub fn has_validated_not_null_check(&self, column: &str) -> bool {
        self.constraints.iter().any(|c| {
            c.validated
                && matches!(&c.kind, ConstraintKind::Check { expr } if is_not_null_check(&expr.text, column))
        })
    }
}

/// Whether a CHECK expression is exactly `col IS NOT NULL`.
pub fn is_not_null_check(text: &str, column: &str) -> bool {
    let normalized = text
        .trim()
        .trim_start_matches('(')
        .trim_end_matches(')')
        .replace('"', "");
    normalized.eq_ignore_ascii_case(&format!("{column} IS NOT NULL"))
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Column {
    pub name: String,
    pub type_name: TypeName,
    pub not_null: bool,
    pub default: Option<Expr>,
    pub identity: Option<Identity>,
    pub generated: Option<Expr>,
    /// Declared as serial/bigserial (an owned sequence and a `nextval` default).
    pub serial: bool,
    pub comment: Option<String>,
    /// For an identity column read from a live database: its sequence's last value.
    pub last_value: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Constraint {
    pub name: String,
    pub kind: ConstraintKind,
    /// False while the constraint is NOT VALID.
    pub validated: bool,
    pub deferrable: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IndexValidity {
    Valid,
    /// Built with CONCURRENTLY: valid only if that build finished; a failed build leaves it INVALID.
    ConcurrentBuild,
    Invalid,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Index {
    pub name: QualName,
    pub table: QualName,
    pub keys: Vec<IndexKey>,
    /// Per key: operator class, collation, ordering; empty (or shorter than `keys`) for defaults.
    pub key_options: Vec<String>,
    pub include: Vec<String>,
    pub unique: bool,
    pub method: String,
    pub predicate: Option<Expr>,
    pub validity: IndexValidity,
    /// The constraint this index backs (primary key, unique, exclusion), if any.
    pub constraint: Option<String>,
    pub comment: Option<String>,
    /// Scans recorded by a live database's statistics.
    pub scans: Option<i64>,
    /// On-disk size, when read from a live database.
    pub size_bytes: Option<i64>,
}

impl Index {
    /// The operator class, collation and ordering of key `i`, empty for the defaults.
    pub fn key_option(&self, i: usize) -> &str {
        self.key_options.get(i).map_or("", String::as_str)
    }

    /// True when the index's leading keys are exactly `columns` in some order (a covering prefix for lookups).
    pub fn covers_prefix(&self, columns: &[String]) -> bool {
        if self.predicate.is_some() || self.keys.len() < columns.len() || columns.is_empty() {
            return false;
        }
        let leading: Vec<&str> = self.keys[..columns.len()]
            .iter()
            .filter_map(IndexKey::column)
            .collect();
        leading.len() == columns.len() && columns.iter().all(|c| leading.contains(&c.as_str()))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sequence {
    pub name: QualName,
    pub owned_by: Option<(QualName, String)>,
    pub type_name: TypeName,
    pub last_value: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct View {
    pub name: QualName,
    pub materialized: bool,
    pub reads: Vec<QualName>,
    pub columns_read: Vec<String>,
    /// Columns read with the table known: qualified references resolved through the view's
    /// aliases (replay), or every column the view's rule depends on (a live catalog).
    pub column_refs: Vec<(QualName, String)>,
    /// Column names read with no table known for them (replay: unqualified references); empty
    /// in a live catalog, whose `column_refs` are exact.
    pub loose_columns: Vec<String>,
    /// Functions the view's query calls (last name part, lowercase); empty in a live catalog.
    pub functions: Vec<String>,
    pub output_columns: Vec<String>,
    /// Column equalities the view's query joins tables on.
    pub joins: Vec<crate::syntax::JoinPair>,
    pub comment: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnumType {
    pub name: QualName,
    pub values: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Domain {
    pub name: QualName,
    pub base: TypeName,
    pub not_null: bool,
    pub checks: Vec<Expr>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Function {
    pub name: QualName,
    pub arg_types: Vec<TypeName>,
    pub language: String,
    pub volatility: Volatility,
    pub security_definer: bool,
    pub search_path: Option<String>,
    pub returns_trigger: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trigger {
    pub name: String,
    pub function: QualName,
    pub enabled: bool,
}

/// The key of a function's body in [`Catalog::function_bodies`]: `schema.name(type, ...)`.
pub fn function_signature(name: &QualName, arg_types: &[TypeName]) -> String {
    let args: Vec<String> = arg_types.iter().map(|t| format!("{t:?}")).collect();
    format!("{name}({})", args.join(", "))
}

impl Catalog {
    /// Whether a statement pgproof could not replay may have changed the object `name`.
    pub fn is_unreplayed(&self, name: &QualName) -> bool {
        self.unreplayed.contains(&name.name)
    }

    /// Tables other than partitions: partitions carry copies of their parent's columns,
    /// constraints and indexes, so findings about the shape of a table belong on the parent.
    pub fn logical_tables(&self) -> impl Iterator<Item = &Table> {
        self.tables
            .values()
            .map(|t| &**t)
            .filter(|t| !matches!(t.kind, TableKind::Partition { .. }))
    }

    /// The parent of a partition.
    pub fn partition_parent(&self, table: &QualName) -> Option<&QualName> {
        match &self.tables.get(table)?.kind {
            TableKind::Partition { parent } => Some(parent),
            _ => None,
        }
    }

    /// Whether a constraint of a partition is its parent's, cloned into it (PostgreSQL clones
    /// foreign keys and checks under the parent's name): findings belong on the parent.
    pub fn is_cloned_constraint(&self, table: &QualName, constraint: &Constraint) -> bool {
        self.partition_parent(table)
            .and_then(|parent| self.table(parent))
            .is_some_and(|parent| {
                parent
                    .constraints
                    .iter()
                    .any(|c| c.kind == constraint.kind || c.name == constraint.name)
            })
    }

    /// Whether an index of a partition is its parent's, cloned into it: the parent has an index
    /// with the same keys, method, predicate and uniqueness. Findings belong on the parent's.
    pub fn is_cloned_index(&self, index: &Index) -> bool {
        self.partition_parent(&index.table).is_some_and(|parent| {
            self.indexes_on(parent).any(|p| {
                p.keys == index.keys
                    && p.include == index.include
                    && p.method == index.method
                    && p.predicate == index.predicate
                    && p.unique == index.unique
            })
        })
    }

    pub fn new() -> Self {
        let mut catalog = Catalog::default();
        catalog.schemas.insert("public".into());
        catalog
    }

    pub fn table(&self, name: &QualName) -> Option<&Table> {
        self.tables.get(name).map(|t| &**t)
    }

    /// Whether a relation (table, index, sequence, view) of that name exists.
    pub fn relation_exists(&self, name: &QualName) -> bool {
        self.tables.contains_key(name)
            || self.indexes.contains_key(name)
            || self.sequences.contains_key(name)
            || self.views.contains_key(name)
    }

    /// The indexes on `table`, in name order.
    pub fn indexes_on<'a>(&'a self, table: &QualName) -> impl Iterator<Item = &'a Index> + 'a {
        self.indexes.on(table)
    }

    /// An index usable for lookups by `columns` (leading keys, any order, no predicate).
    pub fn has_index_covering(&self, table: &QualName, columns: &[String]) -> bool {
        self.indexes_on(table)
            .any(|i| i.validity != IndexValidity::Invalid && i.covers_prefix(columns))
    }

    /// Volatility of a function call by name: declared volatility of a user function, or the
    /// built-in classification (unknown built-ins are treated as stable).
    pub fn function_volatility(&self, name: &str) -> Volatility {
        if let Some(overloads) = self
            .functions
            .iter()
            .find(|(k, _)| k.name == name)
            .map(|(_, v)| v)
        {
            return overloads
                .iter()
                .map(|f| f.volatility)
                .max()
                .unwrap_or(Volatility::Volatile);
        }
        if VOLATILE_BUILTINS.contains(&name) {
            Volatility::Volatile
        } else {
            Volatility::Stable
        }
    }

    /// Functions `expr` calls whose volatility pgproof cannot tell: neither created in the
    /// migrations (or the base schema) nor a built-in it knows.
    pub fn unknown_functions<'e>(&self, expr: &'e Expr) -> Vec<&'e str> {
        let mut out: Vec<&str> = vec![];
        for f in &expr.functions {
            let known = VOLATILE_BUILTINS.contains(&f.as_str())
                || NON_VOLATILE_BUILTINS.contains(&f.as_str())
                || self.functions.keys().any(|k| &k.name == f);
            if !known && !out.contains(&f.as_str()) {
                out.push(f);
            }
        }
        out
    }

    /// The volatility of an expression: the most volatile function it calls.
    pub fn expr_volatility(&self, expr: &Expr) -> Volatility {
        expr.functions
            .iter()
            .map(|f| self.function_volatility(f))
            .max()
            .unwrap_or(Volatility::Immutable)
    }
}

/// Built-in functions PostgreSQL marks STABLE or IMMUTABLE that appear in column defaults and
/// generated columns (and `now`, which stands for `CURRENT_TIMESTAMP` and its kin).
const NON_VOLATILE_BUILTINS: &[&str] = &[
    "now",
    "transaction_timestamp",
    "statement_timestamp",
    "current_setting",
    "to_char",
    "to_date",
    "to_timestamp",
    "to_number",
    "date_trunc",
    "date_part",
    "extract",
    "timezone",
    "make_date",
    "make_time",
    "make_timestamp",
    "make_timestamptz",
    "make_interval",
    "age",
    "lower",
    "upper",
    "initcap",
    "length",
    "char_length",
    "concat",
    "concat_ws",
    "format",
    "replace",
    "repeat",
    "substr",
    "substring",
    "left",
    "right",
    "trim",
    "btrim",
    "ltrim",
    "rtrim",
    "lpad",
    "rpad",
    "md5",
    "sha256",
    "encode",
    "decode",
    "abs",
    "round",
    "floor",
    "ceil",
    "greatest",
    "least",
    "nullif",
    "coalesce",
    "array_fill",
    "array_length",
    "cardinality",
    "string_to_array",
    "array_to_string",
    "to_json",
    "to_jsonb",
    "json_build_object",
    "jsonb_build_object",
    "json_build_array",
    "jsonb_build_array",
    "json_object",
    "jsonb_object",
    "to_tsvector",
    "setweight",
    "int4range",
    "int8range",
    "numrange",
    "tsrange",
    "tstzrange",
    "daterange",
    "point",
    "current_schema",
    "current_database",
    "current_user",
    "session_user",
    "uuid_nil",
    "version",
    "pg_backend_pid",
    "inet_client_addr",
];

/// Built-in functions PostgreSQL marks VOLATILE that appear in column defaults.
const VOLATILE_BUILTINS: &[&str] = &[
    "random",
    "gen_random_uuid",
    "uuid_generate_v1",
    "uuid_generate_v1mc",
    "uuid_generate_v4",
    "uuidv4",
    "uuidv7",
    "clock_timestamp",
    "timeofday",
    "nextval",
    "setval",
    "txid_current",
    "pg_current_xact_id",
    "random_normal",
    "gen_salt",
    "crypt",
];
