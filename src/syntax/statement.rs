//! The statement model: [`Statement`] and the parts its statements are made of (columns,
//! constraints, `ALTER TABLE` commands, indexes, views, functions, locks). Plain data: built by
//! the lowering, read by the catalog and the rules.

use super::names::{ObjectKind, QualName, TypeName};
use serde::{Deserialize, Serialize};

/// How often an expression's value changes, as PostgreSQL classifies functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Volatility {
    Immutable,
    Stable,
    Volatile,
}

/// An expression: its SQL text (deparsed, so formatting does not matter) and what it references.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Expr {
    pub text: String,
    /// Column names referenced (last name part).
    pub columns: Vec<String>,
    /// Function names called (last name part, lowercase).
    pub functions: Vec<String>,
    /// Tables referenced from sub-selects.
    pub tables: Vec<QualName>,
}

impl Expr {
    pub fn is_null_literal(&self) -> bool {
        self.text.eq_ignore_ascii_case("null")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Identity {
    Always,
    ByDefault,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnDef {
    pub name: String,
    pub type_name: TypeName,
    pub not_null: bool,
    pub default: Option<Expr>,
    pub identity: Option<Identity>,
    pub generated: Option<Expr>,
    /// `GENERATED ALWAYS AS (...) VIRTUAL` (PostgreSQL 18+): computed on read, nothing stored.
    pub generated_virtual: bool,
    /// Constraints written on the column, lowered to table constraints over this column.
    pub constraints: Vec<TableConstraint>,
    /// The type is `char`/`character` written without a length, which PostgreSQL reads as
    /// `char(1)`.
    pub length_implied: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FkAction {
    NoAction,
    Restrict,
    Cascade,
    SetNull,
    SetDefault,
}

impl FkAction {
    pub(super) fn from_code(code: &str) -> FkAction {
        match code {
            "r" => FkAction::Restrict,
            "c" => FkAction::Cascade,
            "n" => FkAction::SetNull,
            "d" => FkAction::SetDefault,
            _ => FkAction::NoAction,
        }
    }

    pub fn sql(&self) -> &'static str {
        match self {
            FkAction::NoAction => "NO ACTION",
            FkAction::Restrict => "RESTRICT",
            FkAction::Cascade => "CASCADE",
            FkAction::SetNull => "SET NULL",
            FkAction::SetDefault => "SET DEFAULT",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ConstraintKind {
    PrimaryKey {
        columns: Vec<String>,
    },
    Unique {
        columns: Vec<String>,
        nulls_not_distinct: bool,
    },
    Check {
        expr: Expr,
    },
    ForeignKey {
        columns: Vec<String>,
        ref_table: QualName,
        ref_columns: Vec<String>,
        on_delete: FkAction,
        on_update: FkAction,
    },
    Exclude {
        elements: Vec<String>,
        method: String,
    },
    NotNull {
        column: String,
    },
}

impl ConstraintKind {
    /// The columns the constraint is declared over (for CHECK: the columns its expression reads).
    pub fn columns(&self) -> Vec<String> {
        match self {
            ConstraintKind::PrimaryKey { columns } | ConstraintKind::Unique { columns, .. } => {
                columns.clone()
            }
            ConstraintKind::ForeignKey { columns, .. } => columns.clone(),
            ConstraintKind::Check { expr } => expr.columns.clone(),
            ConstraintKind::Exclude { elements, .. } => elements.clone(),
            ConstraintKind::NotNull { column } => vec![column.clone()],
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableConstraint {
    pub name: Option<String>,
    pub kind: ConstraintKind,
    /// Written with `NOT VALID`.
    pub not_valid: bool,
    pub deferrable: bool,
    /// `... USING INDEX idx` for PRIMARY KEY / UNIQUE.
    pub using_index: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Persistence {
    Permanent,
    Unlogged,
    Temporary,
}

/// What logical decoding logs of a row's old version on `UPDATE` and `DELETE` (`REPLICA
/// IDENTITY`): the primary key's columns (the default), the whole row, nothing, or a unique index's
/// columns.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReplicaIdentity {
    #[default]
    Default,
    Full,
    Nothing,
    Index(String),
}

impl ReplicaIdentity {
    pub fn is_default(&self) -> bool {
        *self == ReplicaIdentity::Default
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateTable {
    pub name: QualName,
    pub if_not_exists: bool,
    pub persistence: Persistence,
    pub columns: Vec<ColumnDef>,
    pub constraints: Vec<TableConstraint>,
    /// `PARTITION BY ...`: a partitioned parent.
    pub partitioned: bool,
    /// `PARTITION OF parent`.
    pub partition_of: Option<QualName>,
    pub inherits: Vec<QualName>,
    /// `LIKE other`: columns copied from another table.
    pub like: Vec<QualName>,
    /// The `LIKE` sources whose keys and indexes are copied too (`INCLUDING INDEXES`, `INCLUDING
    /// ALL`), and whose checks (`INCLUDING CONSTRAINTS`).
    #[serde(default)]
    pub like_indexes: Vec<QualName>,
    #[serde(default)]
    pub like_checks: Vec<QualName>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "cmd", rename_all = "snake_case")]
pub enum AlterCmd {
    AddColumn {
        column: ColumnDef,
        if_not_exists: bool,
    },
    DropColumn {
        name: String,
        if_exists: bool,
        cascade: bool,
    },
    AlterColumnType {
        column: String,
        type_name: TypeName,
        using: Option<Expr>,
    },
    SetDefault {
        column: String,
        default: Option<Expr>,
    },
    SetNotNull {
        column: String,
    },
    DropNotNull {
        column: String,
    },
    AddConstraint {
        constraint: TableConstraint,
    },
    ValidateConstraint {
        name: String,
    },
    DropConstraint {
        name: String,
        if_exists: bool,
        cascade: bool,
    },
    AddIdentity {
        column: String,
        identity: Identity,
    },
    DropIdentity {
        column: String,
    },
    SetLogged,
    SetUnlogged,
    SetTablespace {
        tablespace: String,
    },
    AttachPartition {
        partition: QualName,
    },
    DetachPartition {
        partition: QualName,
        concurrently: bool,
    },
    EnableRowSecurity,
    DisableRowSecurity,
    ForceRowSecurity,
    NoForceRowSecurity,
    EnableTrigger {
        name: Option<String>,
    },
    DisableTrigger {
        name: Option<String>,
    },
    SetExpression {
        column: String,
    },
    DropExpression {
        column: String,
    },
    ClusterOn {
        index: String,
    },
    ReplicaIdentity {
        identity: ReplicaIdentity,
    },
    /// Storage parameters, statistics, owner, replica identity and other metadata-only changes.
    Other {
        what: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RelKind {
    Table,
    Index,
    View,
    MaterializedView,
    Sequence,
    ForeignTable,
    Type,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlterTable {
    pub name: QualName,
    pub kind: RelKind,
    pub if_exists: bool,
    pub only: bool,
    pub cmds: Vec<AlterCmd>,
}

impl AlterTable {
    /// The constraints its `ADD CONSTRAINT` commands add.
    pub fn added_constraints(&self) -> impl Iterator<Item = &TableConstraint> {
        self.cmds.iter().filter_map(|cmd| match cmd {
            AlterCmd::AddConstraint { constraint } => Some(constraint),
            _ => None,
        })
    }

    /// The columns its `ADD COLUMN` commands add.
    pub fn added_columns(&self) -> impl Iterator<Item = &ColumnDef> {
        self.cmds.iter().filter_map(|cmd| match cmd {
            AlterCmd::AddColumn { column, .. } => Some(column),
            _ => None,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum IndexKey {
    Column { name: String },
    Expression { expr: Expr },
}

impl IndexKey {
    pub fn column(&self) -> Option<&str> {
        match self {
            IndexKey::Column { name } => Some(name),
            IndexKey::Expression { .. } => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateIndex {
    pub name: Option<String>,
    pub table: QualName,
    pub keys: Vec<IndexKey>,
    /// Per key: operator class, collation and ordering as written (`text_pattern_ops`, `DESC`),
    /// empty for the defaults.
    pub key_options: Vec<String>,
    pub include: Vec<String>,
    pub unique: bool,
    pub concurrently: bool,
    pub if_not_exists: bool,
    pub method: String,
    pub predicate: Option<Expr>,
    /// `ON ONLY parent` for a partitioned table.
    pub only: bool,
}

/// `DROP <kind> names`. Triggers and policies name their table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Drop {
    pub kind: ObjectKind,
    pub names: Vec<QualName>,
    /// For triggers and policies: the table they belong to.
    pub on_table: Option<QualName>,
    pub if_exists: bool,
    pub cascade: bool,
    pub concurrently: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rename {
    /// What is renamed: a table, column, constraint, index, schema, ...
    pub kind: ObjectKind,
    /// The relation (for columns, constraints, triggers, policies: their table), or the object itself.
    pub target: QualName,
    /// The old name of a column, constraint, trigger or policy.
    pub sub_name: Option<String>,
    pub new_name: String,
    pub if_exists: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateView {
    /// Column equalities the query joins on (`a.x = b.y` in `JOIN ... ON` or `WHERE`).
    pub joins: Vec<JoinPair>,
    pub name: QualName,
    pub materialized: bool,
    pub or_replace: bool,
    pub if_not_exists: bool,
    pub with_data: bool,
    /// Tables and views read by the query.
    pub reads: Vec<QualName>,
    /// Column names referenced anywhere in the query (last name part).
    pub columns_read: Vec<String>,
    /// Qualified column references (`o.id`, `app.orders.id`) resolved through the query's aliases
    /// to the table they read: the table is known even when another one has a column of that name.
    pub column_refs: Vec<(QualName, String)>,
    /// Column names read with no table known for them (unqualified, or through a subquery's alias).
    pub loose_columns: Vec<String>,
    /// Functions the query calls (last name part, lowercase).
    pub functions: Vec<String>,
    /// Output column names when known (explicit aliases or plain column references).
    pub output_columns: Vec<String>,
    /// `CREATE TABLE AS`: a table, not a view.
    pub is_table: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum AlterEnumAction {
    AddValue {
        value: String,
        neighbor: Option<(String, bool)>,
        if_not_exists: bool,
    },
    RenameValue {
        old: String,
        new: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateFunction {
    pub name: QualName,
    pub arg_types: Vec<TypeName>,
    pub or_replace: bool,
    pub is_procedure: bool,
    pub language: String,
    pub volatility: Volatility,
    pub security_definer: bool,
    /// `SET search_path = ...` attached to the function.
    pub search_path: Option<String>,
    pub returns_trigger: bool,
    /// The body (`AS '...'` or `AS $$...$$`), as written; `None` for a `BEGIN ATOMIC` body.
    pub body: Option<String>,
    /// The whole `CREATE FUNCTION` statement as written (set by the parser, which has the text):
    /// the PL/pgSQL parser needs it to read the body, which happens only when a rule asks.
    #[serde(skip)]
    pub source: Option<std::sync::Arc<str>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TxKind {
    Begin,
    Commit,
    Rollback,
    Savepoint,
    Release,
    RollbackTo,
    /// `PREPARE TRANSACTION`: ends the current transaction (for a later `COMMIT PREPARED`).
    Prepare,
    /// `COMMIT AND CHAIN` / `ROLLBACK AND CHAIN`: ends the transaction and starts a new one.
    Chain,
    /// `COMMIT PREPARED` / `ROLLBACK PREPARED`: finishes a prepared transaction, outside any
    /// transaction block.
    FinishPrepared,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum LockMode {
    AccessShare,
    RowShare,
    RowExclusive,
    ShareUpdateExclusive,
    Share,
    ShareRowExclusive,
    Exclusive,
    AccessExclusive,
}

impl LockMode {
    pub fn from_code(code: i32) -> LockMode {
        match code {
            1 => LockMode::AccessShare,
            2 => LockMode::RowShare,
            3 => LockMode::RowExclusive,
            4 => LockMode::ShareUpdateExclusive,
            5 => LockMode::Share,
            6 => LockMode::ShareRowExclusive,
            7 => LockMode::Exclusive,
            _ => LockMode::AccessExclusive,
        }
    }

    pub fn sql(&self) -> &'static str {
        match self {
            LockMode::AccessShare => "ACCESS SHARE",
            LockMode::RowShare => "ROW SHARE",
            LockMode::RowExclusive => "ROW EXCLUSIVE",
            LockMode::ShareUpdateExclusive => "SHARE UPDATE EXCLUSIVE",
            LockMode::Share => "SHARE",
            LockMode::ShareRowExclusive => "SHARE ROW EXCLUSIVE",
            LockMode::Exclusive => "EXCLUSIVE",
            LockMode::AccessExclusive => "ACCESS EXCLUSIVE",
        }
    }

    /// What the lock stops other sessions from doing, in plain words.
    pub fn blocks(&self) -> &'static str {
        match self {
            LockMode::AccessShare => "only `ACCESS EXCLUSIVE` operations",
            LockMode::RowShare => "`EXCLUSIVE` locks",
            LockMode::RowExclusive => "`SHARE` locks such as a plain `CREATE INDEX`",
            LockMode::ShareUpdateExclusive => {
                "other schema changes and `VACUUM`, but not reads or writes"
            }
            LockMode::Share | LockMode::ShareRowExclusive => "writes (reads continue)",
            LockMode::Exclusive => "writes and `SELECT ... FOR UPDATE` (plain reads continue)",
            LockMode::AccessExclusive => "all reads and writes",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "statement", rename_all = "snake_case")]
pub enum Statement {
    CreateTable(CreateTable),
    AlterTable(AlterTable),
    CreateIndex(CreateIndex),
    Drop(Drop),
    Rename(Rename),
    CreateView(CreateView),
    CreateSequence {
        name: QualName,
        if_not_exists: bool,
        owned_by: Option<(QualName, String)>,
        type_name: Option<TypeName>,
    },
    AlterSequence {
        name: QualName,
        owned_by: Option<(QualName, String)>,
    },
    CreateEnum {
        name: QualName,
        values: Vec<String>,
    },
    AlterEnum {
        name: QualName,
        action: AlterEnumAction,
    },
    CreateDomain {
        name: QualName,
        base: TypeName,
        not_null: bool,
        checks: Vec<Expr>,
    },
    AlterDomain {
        name: QualName,
        action: String,
        not_valid: bool,
    },
    CreateCompositeType {
        name: QualName,
    },
    CreateFunction(CreateFunction),
    CreateTrigger {
        name: String,
        table: QualName,
        function: QualName,
        or_replace: bool,
    },
    CreatePolicy {
        name: String,
        table: QualName,
    },
    AlterPolicy {
        name: String,
        table: QualName,
    },
    Comment {
        object: ObjectKind,
        target: QualName,
        sub_name: Option<String>,
        text: Option<String>,
    },
    CreateSchema {
        name: String,
        if_not_exists: bool,
        /// Objects created inside the statement (`CREATE SCHEMA s CREATE TABLE ...`), which the
        /// model does not replay.
        elements: bool,
    },
    CreateExtension {
        name: String,
        if_not_exists: bool,
    },
    AlterSchemaOf {
        kind: ObjectKind,
        name: QualName,
        new_schema: String,
        if_exists: bool,
    },
    Transaction {
        tx: TxKind,
    },
    /// `SET name = value`; `RESET name` and `SET name TO DEFAULT` have the value `DEFAULT`.
    Set {
        name: String,
        value: String,
        local: bool,
    },
    Insert {
        table: QualName,
        columns: Vec<String>,
        has_select: bool,
    },
    Update {
        table: QualName,
        has_where: bool,
        columns: Vec<String>,
        /// Columns assigned more than once where one assignment is to the whole column (not
        /// two different array elements or fields): PostgreSQL rejects the statement.
        assigned_twice: Vec<String>,
    },
    Delete {
        table: QualName,
        has_where: bool,
    },
    Truncate {
        tables: Vec<QualName>,
        cascade: bool,
    },
    Lock {
        tables: Vec<QualName>,
        mode: LockMode,
    },
    Vacuum {
        tables: Vec<QualName>,
        full: bool,
        analyze_only: bool,
    },
    Cluster {
        table: Option<QualName>,
    },
    Reindex {
        target: String,
        name: QualName,
        concurrently: bool,
    },
    RefreshMaterializedView {
        name: QualName,
        concurrently: bool,
    },
    Select,
    /// A `DO` block: pgproof does not run its body, only keeps its text to know what it may touch.
    Do {
        body: String,
    },
    Grant,
    /// A statement the model does not describe (its protobuf node name).
    Other {
        node: String,
    },
}

/// One equality between columns of two tables that a query joins on: `(table, column)` pairs in
/// a stable order (the smaller first).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct JoinPair {
    pub left: (QualName, String),
    pub right: (QualName, String),
}
