//! pgproof's own small statement model, lowered from pg_query's protobuf tree.
//!
//! Rules and the catalog never see protobuf types. Anything this model does not understand is
//! kept as [`StmtKind::Other`] with its node name, so it is counted, never silently dropped.
//! Lowering never fails.

use pg_query::protobuf::{self, a_const, ConstrType, ObjectType};
use pg_query::{Node, NodeEnum, NodeRef};
use serde::Serialize;
use std::fmt;

/// A schema-qualified name. Unqualified names are resolved against `public`.
/// Serialized as `schema.name`.
#[derive(Debug, Clone, Eq, PartialOrd, Ord)]
pub struct QualName {
    pub schema: String,
    pub name: String,
}

/// Equal when both parts are: the name is compared first because it is the part that differs
/// (nearly every object is in `public`), so a scan over the catalog mostly stops at a length or
/// first-byte mismatch instead of comparing the schema in full each time. Consistent with the
/// derived `Ord`, which orders by schema, then name.
impl PartialEq for QualName {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name && self.schema == other.schema
    }
}

/// Hashes both parts, as `eq` compares both (the same hash the derived `Hash` gave).
impl std::hash::Hash for QualName {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.schema.hash(state);
        self.name.hash(state);
    }
}

impl QualName {
    pub fn new(schema: impl Into<String>, name: impl Into<String>) -> Self {
        QualName {
            schema: schema.into(),
            name: name.into(),
        }
    }

    pub fn public(name: impl Into<String>) -> Self {
        QualName::new("public", name)
    }
}

impl Serialize for QualName {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&format!("{}.{}", self.schema, self.name))
    }
}

impl fmt::Display for QualName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.schema == "public" {
            write!(f, "{}", quote_ident(&self.name))
        } else {
            write!(
                f,
                "{}.{}",
                quote_ident(&self.schema),
                quote_ident(&self.name)
            )
        }
    }
}

/// A SQL string literal (`'...'`, quotes doubled; standard_conforming_strings assumed).
pub fn quote_literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// Quotes an identifier only when PostgreSQL would need it.
pub fn quote_ident(name: &str) -> String {
    let plain = !name.is_empty()
        && name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '$');
    if plain && !is_reserved(name) {
        name.to_string()
    } else {
        format!("\"{}\"", name.replace('"', "\"\""))
    }
}

fn is_reserved(name: &str) -> bool {
    matches!(
        name,
        "user"
            | "order"
            | "group"
            | "table"
            | "select"
            | "from"
            | "where"
            | "to"
            | "default"
            | "check"
            | "primary"
            | "references"
            | "end"
            | "limit"
            | "offset"
            | "column"
            | "constraint"
            | "all"
            | "and"
            | "or"
            | "not"
            | "null"
            | "true"
            | "false"
            | "case"
            | "when"
            | "then"
            | "else"
            | "desc"
            | "asc"
            | "unique"
            | "using"
    )
}

/// A type as written, normalized to PostgreSQL's internal names (`int4`, `varchar`, `timestamptz`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct TypeName {
    pub schema: Option<String>,
    pub name: String,
    pub mods: Vec<i64>,
    pub array: bool,
}

impl TypeName {
    pub fn simple(name: &str) -> Self {
        TypeName {
            schema: None,
            name: normalize_type_name(name),
            mods: vec![],
            array: false,
        }
    }

    pub fn is_serial(&self) -> bool {
        matches!(
            self.name.as_str(),
            "serial" | "bigserial" | "smallserial" | "serial4" | "serial8" | "serial2"
        )
    }

    /// The integer type a serial pseudo-type stands for.
    pub fn serial_base(&self) -> TypeName {
        let name = match self.name.as_str() {
            "bigserial" | "serial8" => "int8",
            "smallserial" | "serial2" => "int2",
            _ => "int4",
        };
        TypeName::simple(name)
    }
}

impl fmt::Display for TypeName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = match self.name.as_str() {
            "int2" => "smallint",
            "int4" => "integer",
            "int8" => "bigint",
            "bool" => "boolean",
            "float4" => "real",
            "float8" => "double precision",
            "bpchar" => "char",
            // The internal one-byte type, which only the quoted spelling names.
            "char" => "\"char\"",
            "timestamptz" => "timestamptz",
            other => other,
        };
        if let Some(schema) = &self.schema {
            write!(f, "{}.", quote_ident(schema))?;
        }
        write!(f, "{shown}")?;
        if !self.mods.is_empty() {
            let mods: Vec<String> = self.mods.iter().map(|m| m.to_string()).collect();
            write!(f, "({})", mods.join(","))?;
        }
        if self.array {
            write!(f, "[]")?;
        }
        Ok(())
    }
}

/// Maps SQL spellings of built-in types to their internal names.
pub fn normalize_type_name(name: &str) -> String {
    let lower = name.to_ascii_lowercase();
    match lower.as_str() {
        "int" | "integer" | "int4" => "int4",
        "smallint" | "int2" => "int2",
        "bigint" | "int8" => "int8",
        "boolean" | "bool" => "bool",
        "real" | "float4" => "float4",
        "double precision" | "float8" | "float" => "float8",
        "character varying" | "varchar" => "varchar",
        // Unquoted `char` reaches us as `pg_catalog.bpchar`; a bare `char` name is the quoted
        // `"char"`, PostgreSQL's internal one-byte type, which is a different type.
        "character" | "bpchar" => "bpchar",
        "decimal" | "numeric" => "numeric",
        "timestamp with time zone" | "timestamptz" => "timestamptz",
        "timestamp without time zone" | "timestamp" => "timestamp",
        "time with time zone" | "timetz" => "timetz",
        "time without time zone" | "time" => "time",
        "bit varying" | "varbit" => "varbit",
        other => return other.to_string(),
    }
    .to_string()
}

/// How often an expression's value changes, as PostgreSQL classifies functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Volatility {
    Immutable,
    Stable,
    Volatile,
}

/// An expression: its SQL text (deparsed, so formatting does not matter) and what it references.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Identity {
    Always,
    ByDefault,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FkAction {
    NoAction,
    Restrict,
    Cascade,
    SetNull,
    SetDefault,
}

impl FkAction {
    fn from_code(code: &str) -> FkAction {
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

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TableConstraint {
    pub name: Option<String>,
    pub kind: ConstraintKind,
    /// Written with `NOT VALID`.
    pub not_valid: bool,
    pub deferrable: bool,
    /// `... USING INDEX idx` for PRIMARY KEY / UNIQUE.
    pub using_index: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Persistence {
    Permanent,
    Unlogged,
    Temporary,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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
    /// Storage parameters, statistics, owner, replica identity and other metadata-only changes.
    Other {
        what: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
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

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AlterTable {
    pub name: QualName,
    pub kind: RelKind,
    pub if_exists: bool,
    pub only: bool,
    pub cmds: Vec<AlterCmd>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
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

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ObjectKind {
    Table,
    View,
    MaterializedView,
    Index,
    Sequence,
    Schema,
    Type,
    Domain,
    Function,
    Procedure,
    Trigger,
    Policy,
    Extension,
    Column,
    Constraint,
    Other,
}

impl ObjectKind {
    pub fn sql(&self) -> &'static str {
        match self {
            ObjectKind::Table => "TABLE",
            ObjectKind::View => "VIEW",
            ObjectKind::MaterializedView => "MATERIALIZED VIEW",
            ObjectKind::Index => "INDEX",
            ObjectKind::Sequence => "SEQUENCE",
            ObjectKind::Schema => "SCHEMA",
            ObjectKind::Type => "TYPE",
            ObjectKind::Domain => "DOMAIN",
            ObjectKind::Function => "FUNCTION",
            ObjectKind::Procedure => "PROCEDURE",
            ObjectKind::Trigger => "TRIGGER",
            ObjectKind::Policy => "POLICY",
            ObjectKind::Extension => "EXTENSION",
            ObjectKind::Column => "COLUMN",
            ObjectKind::Constraint => "CONSTRAINT",
            ObjectKind::Other => "OBJECT",
        }
    }

    pub fn word(&self) -> String {
        self.sql().to_ascii_lowercase()
    }

    fn from_object_type(code: i32) -> ObjectKind {
        match ObjectType::try_from(code).unwrap_or(ObjectType::Undefined) {
            ObjectType::ObjectTable | ObjectType::ObjectForeignTable => ObjectKind::Table,
            ObjectType::ObjectView => ObjectKind::View,
            ObjectType::ObjectMatview => ObjectKind::MaterializedView,
            ObjectType::ObjectIndex => ObjectKind::Index,
            ObjectType::ObjectSequence => ObjectKind::Sequence,
            ObjectType::ObjectSchema => ObjectKind::Schema,
            ObjectType::ObjectType => ObjectKind::Type,
            ObjectType::ObjectDomain => ObjectKind::Domain,
            ObjectType::ObjectFunction
            | ObjectType::ObjectRoutine
            | ObjectType::ObjectAggregate => ObjectKind::Function,
            ObjectType::ObjectProcedure => ObjectKind::Procedure,
            ObjectType::ObjectTrigger => ObjectKind::Trigger,
            ObjectType::ObjectPolicy => ObjectKind::Policy,
            ObjectType::ObjectExtension => ObjectKind::Extension,
            ObjectType::ObjectColumn => ObjectKind::Column,
            ObjectType::ObjectTabconstraint => ObjectKind::Constraint,
            _ => ObjectKind::Other,
        }
    }
}

/// `DROP <kind> names`. Triggers and policies name their table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Drop {
    pub kind: ObjectKind,
    pub names: Vec<QualName>,
    /// For triggers and policies: the table they belong to.
    pub on_table: Option<QualName>,
    pub if_exists: bool,
    pub cascade: bool,
    pub concurrently: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
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

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "statement", rename_all = "snake_case")]
pub enum StmtKind {
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
    },
    CreateExtension {
        name: String,
        if_not_exists: bool,
    },
    AlterSchemaOf {
        kind: ObjectKind,
        name: QualName,
        new_schema: String,
    },
    Transaction {
        tx: TxKind,
    },
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

// ---------------------------------------------------------------------------------------------
// Lowering
// ---------------------------------------------------------------------------------------------

/// Lowers one parsed statement node into the model.
pub fn lower(node: &NodeEnum) -> StmtKind {
    match node {
        NodeEnum::CreateStmt(s) => StmtKind::CreateTable(lower_create_table(s)),
        NodeEnum::AlterTableStmt(s) => lower_alter_table(s),
        NodeEnum::IndexStmt(s) => StmtKind::CreateIndex(lower_index(s)),
        NodeEnum::DropStmt(s) => StmtKind::Drop(lower_drop(s)),
        NodeEnum::RenameStmt(s) => lower_rename(s),
        NodeEnum::ViewStmt(s) => lower_view(s),
        NodeEnum::CreateTableAsStmt(s) => lower_create_table_as(s),
        NodeEnum::CreateSeqStmt(s) => StmtKind::CreateSequence {
            name: range_var(s.sequence.as_ref()),
            if_not_exists: s.if_not_exists,
            owned_by: owned_by(&s.options),
            type_name: def_elem(&s.options, "as").and_then(|d| {
                match d.arg.as_deref().and_then(|n| n.node.as_ref()) {
                    Some(NodeEnum::TypeName(t)) => Some(lower_type(t)),
                    _ => None,
                }
            }),
        },
        NodeEnum::AlterSeqStmt(s) => StmtKind::AlterSequence {
            name: range_var(s.sequence.as_ref()),
            owned_by: owned_by(&s.options),
        },
        NodeEnum::CreateEnumStmt(s) => StmtKind::CreateEnum {
            name: name_list(&s.type_name),
            values: strings(&s.vals),
        },
        NodeEnum::AlterEnumStmt(s) => {
            let action = if !s.old_val.is_empty() {
                AlterEnumAction::RenameValue {
                    old: s.old_val.clone(),
                    new: s.new_val.clone(),
                }
            } else {
                let neighbor = (!s.new_val_neighbor.is_empty())
                    .then(|| (s.new_val_neighbor.clone(), s.new_val_is_after));
                AlterEnumAction::AddValue {
                    value: s.new_val.clone(),
                    neighbor,
                    if_not_exists: s.skip_if_new_val_exists,
                }
            };
            StmtKind::AlterEnum {
                name: name_list(&s.type_name),
                action,
            }
        }
        NodeEnum::CreateDomainStmt(s) => {
            let mut not_null = false;
            let mut checks = vec![];
            for c in constraints_of(&s.constraints) {
                match ConstrType::try_from(c.contype).unwrap_or(ConstrType::Undefined) {
                    ConstrType::ConstrNotnull => not_null = true,
                    ConstrType::ConstrCheck => checks.extend(c.raw_expr.as_deref().map(expr)),
                    _ => {}
                }
            }
            StmtKind::CreateDomain {
                name: name_list(&s.domainname),
                base: s
                    .type_name
                    .as_ref()
                    .map(lower_type)
                    .unwrap_or_else(|| TypeName::simple("unknown")),
                not_null,
                checks,
            }
        }
        NodeEnum::AlterDomainStmt(s) => {
            let not_valid = match s.def.as_deref().and_then(|n| n.node.as_ref()) {
                Some(NodeEnum::Constraint(c)) => c.skip_validation,
                _ => false,
            };
            let action = match s.subtype.as_str() {
                "C" => "add constraint",
                "X" => "drop constraint",
                "V" => "validate constraint",
                "O" => "set not null",
                "N" => "drop not null",
                "T" => "set default",
                _ => "alter",
            };
            StmtKind::AlterDomain {
                name: name_list(&s.type_name),
                action: action.into(),
                not_valid,
            }
        }
        NodeEnum::CompositeTypeStmt(s) => StmtKind::CreateCompositeType {
            name: range_var(s.typevar.as_ref()),
        },
        NodeEnum::CreateFunctionStmt(s) => StmtKind::CreateFunction(lower_function(s)),
        NodeEnum::CreateTrigStmt(s) => StmtKind::CreateTrigger {
            name: s.trigname.clone(),
            table: range_var(s.relation.as_ref()),
            function: name_list(&s.funcname),
            or_replace: s.replace,
        },
        NodeEnum::CreatePolicyStmt(s) => StmtKind::CreatePolicy {
            name: s.policy_name.clone(),
            table: range_var(s.table.as_ref()),
        },
        NodeEnum::AlterPolicyStmt(s) => StmtKind::AlterPolicy {
            name: s.policy_name.clone(),
            table: range_var(s.table.as_ref()),
        },
        NodeEnum::CommentStmt(s) => lower_comment(s),
        NodeEnum::CreateSchemaStmt(s) => StmtKind::CreateSchema {
            name: s.schemaname.clone(),
            if_not_exists: s.if_not_exists,
        },
        NodeEnum::CreateExtensionStmt(s) => StmtKind::CreateExtension {
            name: s.extname.clone(),
            if_not_exists: s.if_not_exists,
        },
        NodeEnum::AlterObjectSchemaStmt(s) => {
            let kind = ObjectKind::from_object_type(s.object_type);
            let name = match &s.relation {
                Some(rv) => range_var(Some(rv)),
                None => s
                    .object
                    .as_deref()
                    .map(object_name)
                    .unwrap_or_else(|| QualName::public("?")),
            };
            StmtKind::AlterSchemaOf {
                kind,
                name,
                new_schema: s.newschema.clone(),
            }
        }
        NodeEnum::TransactionStmt(s) => {
            use protobuf::TransactionStmtKind as K;
            let tx = match K::try_from(s.kind).unwrap_or(K::Undefined) {
                K::TransStmtBegin | K::TransStmtStart => TxKind::Begin,
                K::TransStmtCommit | K::TransStmtRollback if s.chain => TxKind::Chain,
                K::TransStmtCommit => TxKind::Commit,
                K::TransStmtRollback => TxKind::Rollback,
                K::TransStmtCommitPrepared | K::TransStmtRollbackPrepared => TxKind::FinishPrepared,
                K::TransStmtSavepoint => TxKind::Savepoint,
                K::TransStmtRelease => TxKind::Release,
                K::TransStmtRollbackTo => TxKind::RollbackTo,
                K::TransStmtPrepare => TxKind::Prepare,
                K::Undefined => {
                    return StmtKind::Other {
                        node: "TransactionStmt".into(),
                    }
                }
            };
            StmtKind::Transaction { tx }
        }
        NodeEnum::VariableSetStmt(s) => {
            let value = s.args.iter().map(const_text).collect::<Vec<_>>().join(", ");
            StmtKind::Set {
                name: s.name.to_ascii_lowercase(),
                value,
                local: s.is_local,
            }
        }
        NodeEnum::InsertStmt(s) => StmtKind::Insert {
            table: range_var(s.relation.as_ref()),
            columns: s
                .cols
                .iter()
                .filter_map(|c| match c.node.as_ref() {
                    Some(NodeEnum::ResTarget(r)) => Some(r.name.clone()),
                    _ => None,
                })
                .collect(),
            has_select: matches!(
                s.select_stmt.as_deref().and_then(|n| n.node.as_ref()),
                Some(NodeEnum::SelectStmt(sel)) if sel.values_lists.is_empty()
            ),
        },
        NodeEnum::UpdateStmt(s) => {
            // (column, assigns an element or a field rather than the whole column)
            let targets: Vec<(String, bool)> = s
                .target_list
                .iter()
                .filter_map(|c| match c.node.as_ref() {
                    Some(NodeEnum::ResTarget(r)) => {
                        Some((r.name.clone(), !r.indirection.is_empty()))
                    }
                    _ => None,
                })
                .collect();
            let mut assigned_twice: Vec<String> = vec![];
            for (i, (name, partial)) in targets.iter().enumerate() {
                let clash = targets[..i].iter().any(|(earlier, earlier_partial)| {
                    earlier == name && !(*partial && *earlier_partial)
                });
                if clash && !assigned_twice.contains(name) {
                    assigned_twice.push(name.clone());
                }
            }
            StmtKind::Update {
                table: range_var(s.relation.as_ref()),
                has_where: s.where_clause.is_some(),
                columns: targets.into_iter().map(|(name, _)| name).collect(),
                assigned_twice,
            }
        }
        NodeEnum::DeleteStmt(s) => StmtKind::Delete {
            table: range_var(s.relation.as_ref()),
            has_where: s.where_clause.is_some(),
        },
        NodeEnum::TruncateStmt(s) => StmtKind::Truncate {
            tables: range_vars(&s.relations),
            cascade: s.behavior == 2,
        },
        NodeEnum::LockStmt(s) => StmtKind::Lock {
            tables: range_vars(&s.relations),
            mode: LockMode::from_code(s.mode),
        },
        NodeEnum::VacuumStmt(s) => {
            let tables = s
                .rels
                .iter()
                .filter_map(|n| match n.node.as_ref() {
                    Some(NodeEnum::VacuumRelation(v)) => Some(range_var(v.relation.as_ref())),
                    _ => None,
                })
                .collect();
            let full = option_on(&s.options, "full");
            StmtKind::Vacuum {
                tables,
                full,
                analyze_only: !s.is_vacuumcmd,
            }
        }
        NodeEnum::ClusterStmt(s) => StmtKind::Cluster {
            table: s.relation.as_ref().map(|r| range_var(Some(r))),
        },
        NodeEnum::ReindexStmt(s) => {
            let concurrently = option_on(&s.params, "concurrently");
            let target = match s.kind {
                1 => "index",
                2 => "table",
                3 => "schema",
                4 => "system",
                _ => "database",
            };
            let name = match &s.relation {
                Some(rv) => range_var(Some(rv)),
                None => QualName::public(s.name.clone()),
            };
            StmtKind::Reindex {
                target: target.into(),
                name,
                concurrently,
            }
        }
        NodeEnum::RefreshMatViewStmt(s) => StmtKind::RefreshMaterializedView {
            name: range_var(s.relation.as_ref()),
            concurrently: s.concurrent,
        },
        NodeEnum::SelectStmt(_) | NodeEnum::ExplainStmt(_) | NodeEnum::VariableShowStmt(_) => {
            StmtKind::Select
        }
        NodeEnum::DoStmt(s) => StmtKind::Do {
            body: def_elem(&s.args, "as")
                .and_then(|d| d.arg.as_deref())
                .and_then(str_of)
                .unwrap_or_default()
                .to_string(),
        },
        NodeEnum::GrantStmt(_)
        | NodeEnum::GrantRoleStmt(_)
        | NodeEnum::AlterDefaultPrivilegesStmt(_)
        | NodeEnum::AlterOwnerStmt(_) => StmtKind::Grant,
        other => StmtKind::Other {
            node: node_name(other),
        },
    }
}

/// The protobuf node's name (`CreatePublicationStmt`). Debug output starts with the variant name;
/// the writer stops at the first `(` so the rest of the tree is never formatted.
fn node_name(node: &NodeEnum) -> String {
    struct UntilParen(String);
    impl fmt::Write for UntilParen {
        fn write_str(&mut self, s: &str) -> fmt::Result {
            match s.find('(') {
                Some(i) => {
                    self.0.push_str(&s[..i]);
                    Err(fmt::Error)
                }
                None => {
                    self.0.push_str(s);
                    Ok(())
                }
            }
        }
    }
    let mut name = UntilParen(String::new());
    // The error is how the writer stops early; the name is complete by then.
    let _ = fmt::write(&mut name, format_args!("{:?}", node.to_ref()));
    name.0
}

pub(crate) fn range_var(rv: Option<&protobuf::RangeVar>) -> QualName {
    match rv {
        Some(rv) => {
            let schema = if !rv.schemaname.is_empty() {
                rv.schemaname.clone()
            } else if rv.relpersistence == "t" {
                "pg_temp".to_string()
            } else {
                "public".to_string()
            };
            QualName::new(schema, rv.relname.clone())
        }
        None => QualName::public("?"),
    }
}

fn range_vars(nodes: &[Node]) -> Vec<QualName> {
    nodes
        .iter()
        .filter_map(|n| match n.node.as_ref() {
            Some(NodeEnum::RangeVar(rv)) => Some(range_var(Some(rv))),
            _ => None,
        })
        .collect()
}

pub(crate) fn str_of(node: &Node) -> Option<&str> {
    match node.node.as_ref() {
        Some(NodeEnum::String(s)) => Some(&s.sval),
        _ => None,
    }
}

fn strings(nodes: &[Node]) -> Vec<String> {
    nodes
        .iter()
        .filter_map(str_of)
        .map(str::to_string)
        .collect()
}

/// A list of String nodes as a qualified name (`schema.name` or `name`).
pub(crate) fn name_list(nodes: &[Node]) -> QualName {
    let parts = strings(nodes);
    match parts.as_slice() {
        [] => QualName::public("?"),
        [name] => QualName::public(name.clone()),
        [.., schema, name] => QualName::new(schema.clone(), name.clone()),
    }
}

/// The name of the object a DROP/COMMENT/ALTER names: a String list, a TypeName, or ObjectWithArgs.
fn object_name(node: &Node) -> QualName {
    match node.node.as_ref() {
        Some(NodeEnum::List(list)) => name_list(&list.items),
        Some(NodeEnum::String(s)) => QualName::public(s.sval.clone()),
        Some(NodeEnum::TypeName(t)) => name_list(&t.names),
        Some(NodeEnum::ObjectWithArgs(o)) => name_list(&o.objname),
        _ => QualName::public("?"),
    }
}

fn lower_type(t: &protobuf::TypeName) -> TypeName {
    let parts = strings(&t.names);
    let (schema, name) = match parts.as_slice() {
        [] => (None, "unknown".to_string()),
        [name] => (None, name.clone()),
        [.., schema, name] => (Some(schema.clone()), name.clone()),
    };
    let schema = schema.filter(|s| s != "pg_catalog");
    let mut mods: Vec<i64> = t
        .typmods
        .iter()
        .filter_map(|m| match m.node.as_ref() {
            Some(NodeEnum::AConst(c)) => match &c.val {
                Some(a_const::Val::Ival(i)) => Some(i.ival as i64),
                _ => None,
            },
            _ => None,
        })
        .collect();
    let mut name = normalize_type_name(&name);
    if name == "interval" {
        // interval fields are a bit mask typmod; not a length.
        mods.clear();
    }
    if name == "bpchar"
        && mods.is_empty()
        && schema.is_none()
        && parts.first().map(String::as_str) == Some("pg_catalog")
    {
        mods.push(1);
    }
    if name == "float8" && !mods.is_empty() {
        if mods[0] <= 24 {
            name = "float4".into();
        }
        mods.clear();
    }
    TypeName {
        schema,
        name,
        mods,
        array: !t.array_bounds.is_empty(),
    }
}

fn const_text(node: &Node) -> String {
    match node.node.as_ref() {
        Some(NodeEnum::AConst(c)) => match &c.val {
            Some(a_const::Val::Sval(s)) => s.sval.clone(),
            Some(a_const::Val::Ival(i)) => i.ival.to_string(),
            Some(a_const::Val::Fval(f)) => f.fval.clone(),
            Some(a_const::Val::Boolval(b)) => b.boolval.to_string(),
            Some(a_const::Val::Bsval(b)) => b.bsval.clone(),
            None => "NULL".into(),
        },
        Some(NodeEnum::String(s)) => s.sval.clone(),
        _ => expr(node).text,
    }
}

/// Deparses an expression node by wrapping it in `SELECT <expr>`, and collects what it references.
pub fn expr(node: &Node) -> Expr {
    let select = protobuf::SelectStmt {
        target_list: vec![Node {
            node: Some(NodeEnum::ResTarget(Box::new(protobuf::ResTarget {
                val: Some(Box::new(node.clone())),
                ..Default::default()
            }))),
        }],
        limit_option: protobuf::LimitOption::Default as i32,
        op: protobuf::SetOperation::SetopNone as i32,
        ..Default::default()
    };
    let wrapped = NodeEnum::SelectStmt(Box::new(select));
    let text = match wrapped.deparse(Default::default()) {
        Ok(sql) => sql
            .strip_prefix("SELECT ")
            .map(str::to_string)
            .unwrap_or(sql),
        Err(_) => "<expression>".to_string(),
    };
    let mut columns = vec![];
    let mut functions = vec![];
    let mut tables = vec![];
    if let Some(inner) = node.node.as_ref() {
        collect_refs(inner, &mut columns, &mut functions, &mut tables);
    }
    Expr {
        text,
        columns,
        functions,
        tables,
    }
}

/// The text of an expression the way PostgreSQL would compare it after storing it: casts of
/// literals (`'x'::character varying`, `'t_id_seq'::regclass`) and implicit casts of columns to
/// text types (`(name)::text`) dropped, and `nextval` of a `public.` sequence named without the
/// schema, then deparsed and lowered again. pgproof does not resolve types, so both sides of a
/// comparison go through this; `None` for text it cannot parse.
pub fn normalized_expr(text: &str) -> Option<Expr> {
    let parsed = crate::parse::parse_tree_only(&format!("SELECT {text}"))?;
    let target = parsed
        .stmts
        .first()
        .and_then(|s| s.stmt.as_ref())
        .and_then(|s| match s.node.as_ref() {
            Some(NodeEnum::SelectStmt(sel)) => sel.target_list.first(),
            _ => None,
        })
        .and_then(|t| match t.node.as_ref() {
            Some(NodeEnum::ResTarget(r)) => r.val.as_deref(),
            _ => None,
        });
    let mut node = target?.clone();
    strip_implicit_casts(&mut node);
    Some(expr(&node))
}

/// A quoted literal cast to a number or a boolean as the server stores it: `'0'::bigint` is `0`,
/// `'t'::boolean` is `true`.
fn typed_literal(mut node: Node, type_name: &str) -> Node {
    let Some(NodeEnum::AConst(c)) = node.node.as_mut() else {
        return node;
    };
    let Some(a_const::Val::Sval(s)) = c.val.as_ref() else {
        return node;
    };
    let text = s.sval.trim().to_string();
    let number = ["int2", "int4", "int8", "numeric", "float4", "float8"].contains(&type_name);
    if number {
        if let Ok(i) = text.parse::<i32>() {
            c.val = Some(a_const::Val::Ival(protobuf::Integer { ival: i }));
        } else if text.parse::<f64>().is_ok() {
            c.val = Some(a_const::Val::Fval(protobuf::Float { fval: text }));
        }
    } else if type_name == "bool" {
        let value = match text.to_ascii_lowercase().as_str() {
            "t" | "true" | "y" | "yes" | "on" | "1" => Some(true),
            "f" | "false" | "n" | "no" | "off" | "0" => Some(false),
            _ => None,
        };
        if let Some(boolval) = value {
            c.val = Some(a_const::Val::Boolval(protobuf::Boolean { boolval }));
        }
    }
    node
}

/// Types a column is cast to implicitly when it meets a text operand or a text function.
const TEXT_TYPES: &[&str] = &["text", "varchar", "bpchar", "name", "char"];

fn strip_implicit_casts(node: &mut Node) {
    let replacement = match node.node.as_mut() {
        Some(NodeEnum::TypeCast(cast)) => {
            let type_name = cast
                .type_name
                .as_ref()
                .and_then(|t| t.names.last())
                .and_then(str_of)
                .unwrap_or("")
                .to_ascii_lowercase();
            let arg = cast.arg.as_deref();
            let literal = matches!(arg.and_then(|a| a.node.as_ref()), Some(NodeEnum::AConst(_)));
            let column = matches!(
                arg.and_then(|a| a.node.as_ref()),
                Some(NodeEnum::ColumnRef(_))
            );
            let is_array = cast
                .type_name
                .as_ref()
                .is_some_and(|t| !t.array_bounds.is_empty());
            if literal && !is_array {
                cast.arg.take().map(|a| typed_literal(*a, &type_name))
            } else if column && TEXT_TYPES.contains(&type_name.as_str()) {
                cast.arg.take().map(|a| *a)
            } else {
                if let Some(a) = cast.arg.as_deref_mut() {
                    strip_implicit_casts(a);
                }
                None
            }
        }
        Some(NodeEnum::FuncCall(f)) => {
            let is_nextval = f
                .funcname
                .last()
                .and_then(str_of)
                .is_some_and(|n| n.eq_ignore_ascii_case("nextval"));
            f.args.iter_mut().for_each(strip_implicit_casts);
            if is_nextval {
                for arg in &mut f.args {
                    if let Some(NodeEnum::AConst(c)) = arg.node.as_mut() {
                        if let Some(a_const::Val::Sval(s)) = c.val.as_mut() {
                            if let Some(rest) = s.sval.strip_prefix("public.") {
                                s.sval = rest.to_string();
                            }
                        }
                    }
                }
            }
            if let Some(filter) = f.agg_filter.as_deref_mut() {
                strip_implicit_casts(filter);
            }
            None
        }
        Some(NodeEnum::AExpr(e)) => {
            for side in [e.lexpr.as_deref_mut(), e.rexpr.as_deref_mut()]
                .into_iter()
                .flatten()
            {
                strip_implicit_casts(side);
            }
            None
        }
        Some(NodeEnum::BoolExpr(e)) => {
            e.args.iter_mut().for_each(strip_implicit_casts);
            None
        }
        Some(NodeEnum::NullTest(e)) => {
            if let Some(a) = e.arg.as_deref_mut() {
                strip_implicit_casts(a);
            }
            None
        }
        Some(NodeEnum::CoalesceExpr(e)) => {
            e.args.iter_mut().for_each(strip_implicit_casts);
            None
        }
        Some(NodeEnum::MinMaxExpr(e)) => {
            e.args.iter_mut().for_each(strip_implicit_casts);
            None
        }
        Some(NodeEnum::RowExpr(e)) => {
            e.args.iter_mut().for_each(strip_implicit_casts);
            None
        }
        Some(NodeEnum::AArrayExpr(e)) => {
            e.elements.iter_mut().for_each(strip_implicit_casts);
            None
        }
        Some(NodeEnum::List(l)) => {
            l.items.iter_mut().for_each(strip_implicit_casts);
            None
        }
        Some(NodeEnum::CaseExpr(e)) => {
            for part in [e.arg.as_deref_mut(), e.defresult.as_deref_mut()]
                .into_iter()
                .flatten()
            {
                strip_implicit_casts(part);
            }
            e.args.iter_mut().for_each(strip_implicit_casts);
            None
        }
        Some(NodeEnum::CaseWhen(w)) => {
            for part in [w.expr.as_deref_mut(), w.result.as_deref_mut()]
                .into_iter()
                .flatten()
            {
                strip_implicit_casts(part);
            }
            None
        }
        _ => None,
    };
    if let Some(mut inner) = replacement {
        strip_implicit_casts(&mut inner);
        *node = inner;
    }
}

fn collect_refs(
    node: &NodeEnum,
    columns: &mut Vec<String>,
    functions: &mut Vec<String>,
    tables: &mut Vec<QualName>,
) {
    let mut visit = |n: NodeRef<'_>| match n {
        NodeRef::ColumnRef(c) => {
            if let Some(name) = c.fields.iter().rev().find_map(str_of) {
                if !columns.iter().any(|x| x == name) {
                    columns.push(name.to_string());
                }
            }
        }
        NodeRef::FuncCall(f) => {
            if let Some(name) = f.funcname.iter().rev().find_map(str_of) {
                functions.push(name.to_ascii_lowercase());
            }
        }
        NodeRef::SqlvalueFunction(_) => functions.push("now".into()),
        NodeRef::RangeVar(rv) => tables.push(range_var(Some(rv))),
        _ => {}
    };
    visit(node.to_ref());
    for (n, _, _, _) in node.nodes() {
        visit(n);
    }
}

fn bool_of(node: Option<&Node>) -> Option<bool> {
    match node.and_then(|n| n.node.as_ref()) {
        Some(NodeEnum::Boolean(b)) => Some(b.boolval),
        Some(NodeEnum::AConst(c)) => match &c.val {
            Some(a_const::Val::Boolval(b)) => Some(b.boolval),
            _ => None,
        },
        _ => None,
    }
}

/// Whether a utility option (`VACUUM (FULL)`, `REINDEX (CONCURRENTLY false)`) is on, read the way
/// PostgreSQL's `defGetBoolean` does: no value, `true`/`on`/`1` are on; `false`/`off`/`0` are off.
/// A value it would reject counts as on (the statement fails anyway).
fn option_on(options: &[Node], name: &str) -> bool {
    let Some(d) = def_elem(options, name) else {
        return false;
    };
    match d.arg.as_deref().and_then(|n| n.node.as_ref()) {
        Some(NodeEnum::String(s)) => !matches!(
            s.sval.to_ascii_lowercase().as_str(),
            "false" | "off" | "0" | "no" | "n" | "f" | "of"
        ),
        Some(NodeEnum::Integer(i)) => i.ival != 0,
        Some(NodeEnum::Boolean(b)) => b.boolval,
        Some(NodeEnum::AConst(c)) => match &c.val {
            Some(a_const::Val::Boolval(b)) => b.boolval,
            Some(a_const::Val::Ival(i)) => i.ival != 0,
            Some(a_const::Val::Sval(s)) => !matches!(
                s.sval.to_ascii_lowercase().as_str(),
                "false" | "off" | "0" | "no" | "n" | "f" | "of"
            ),
            _ => true,
        },
        _ => true,
    }
}

fn def_elem<'a>(options: &'a [Node], name: &str) -> Option<&'a protobuf::DefElem> {
    options.iter().find_map(|o| match o.node.as_ref() {
        Some(NodeEnum::DefElem(d)) if d.defname == name => Some(d.as_ref()),
        _ => None,
    })
}

fn owned_by(options: &[Node]) -> Option<(QualName, String)> {
    let d = def_elem(options, "owned_by")?;
    let Some(NodeEnum::List(list)) = d.arg.as_deref().and_then(|n| n.node.as_ref()) else {
        return None;
    };
    let parts = strings(&list.items);
    match parts.as_slice() {
        [table, column] => Some((QualName::public(table.clone()), column.clone())),
        [schema, table, column] => {
            Some((QualName::new(schema.clone(), table.clone()), column.clone()))
        }
        _ => None,
    }
}

fn constraints_of(nodes: &[Node]) -> impl Iterator<Item = &protobuf::Constraint> {
    nodes.iter().filter_map(|n| match n.node.as_ref() {
        Some(NodeEnum::Constraint(c)) => Some(c.as_ref()),
        _ => None,
    })
}

fn lower_column(c: &protobuf::ColumnDef) -> ColumnDef {
    let mut column = ColumnDef {
        name: c.colname.clone(),
        type_name: c
            .type_name
            .as_ref()
            .map(lower_type)
            .unwrap_or_else(|| TypeName::simple("unknown")),
        not_null: c.is_not_null,
        default: c.raw_default.as_deref().map(expr),
        identity: None,
        generated: None,
        generated_virtual: false,
        constraints: vec![],
        length_implied: c.type_name.as_ref().is_some_and(|t| {
            // The grammar adds the `1` itself, at no location in the text.
            t.typmods.len() == 1
                && t.typmods
                    .iter()
                    .all(|m| matches!(m.node.as_ref(), Some(NodeEnum::AConst(c)) if c.location < 0))
        }),
    };
    for con in constraints_of(&c.constraints) {
        match ConstrType::try_from(con.contype).unwrap_or(ConstrType::Undefined) {
            ConstrType::ConstrNotnull => column.not_null = true,
            ConstrType::ConstrNull => column.not_null = false,
            ConstrType::ConstrDefault => column.default = con.raw_expr.as_deref().map(expr),
            ConstrType::ConstrIdentity => {
                column.identity = Some(if con.generated_when == "a" {
                    Identity::Always
                } else {
                    Identity::ByDefault
                });
                column.not_null = true;
            }
            ConstrType::ConstrGenerated => {
                column.generated = con.raw_expr.as_deref().map(expr);
                column.generated_virtual = con.generated_kind == "v";
            }
            ConstrType::ConstrPrimary => {
                column.not_null = true;
                column
                    .constraints
                    .extend(lower_constraint(con, Some(&c.colname)));
            }
            _ => column
                .constraints
                .extend(lower_constraint(con, Some(&c.colname))),
        }
    }
    column
}

/// Lowers a table or column constraint; `column` is set for column constraints.
fn lower_constraint(c: &protobuf::Constraint, column: Option<&str>) -> Option<TableConstraint> {
    let keys = || -> Vec<String> {
        let keys = strings(&c.keys);
        if keys.is_empty() {
            column.map(|c| vec![c.to_string()]).unwrap_or_default()
        } else {
            keys
        }
    };
    let kind = match ConstrType::try_from(c.contype).unwrap_or(ConstrType::Undefined) {
        ConstrType::ConstrPrimary => ConstraintKind::PrimaryKey { columns: keys() },
        ConstrType::ConstrUnique => ConstraintKind::Unique {
            columns: keys(),
            nulls_not_distinct: c.nulls_not_distinct,
        },
        ConstrType::ConstrCheck => ConstraintKind::Check {
            expr: c.raw_expr.as_deref().map(expr).unwrap_or_else(|| Expr {
                text: "true".into(),
                columns: vec![],
                functions: vec![],
                tables: vec![],
            }),
        },
        ConstrType::ConstrForeign => {
            let mut columns = strings(&c.fk_attrs);
            if columns.is_empty() {
                columns = column.map(|c| vec![c.to_string()]).unwrap_or_default();
            }
            ConstraintKind::ForeignKey {
                columns,
                ref_table: range_var(c.pktable.as_ref()),
                ref_columns: strings(&c.pk_attrs),
                on_delete: FkAction::from_code(&c.fk_del_action),
                on_update: FkAction::from_code(&c.fk_upd_action),
            }
        }
        ConstrType::ConstrExclusion => {
            let elements = c
                .exclusions
                .iter()
                .filter_map(|pair| match pair.node.as_ref() {
                    Some(NodeEnum::List(l)) => {
                        l.items.first().and_then(|n| match n.node.as_ref() {
                            Some(NodeEnum::IndexElem(e)) if !e.name.is_empty() => {
                                Some(e.name.clone())
                            }
                            Some(NodeEnum::IndexElem(e)) => e.expr.as_deref().map(|x| expr(x).text),
                            _ => None,
                        })
                    }
                    _ => None,
                })
                .collect();
            ConstraintKind::Exclude {
                elements,
                method: if c.access_method.is_empty() {
                    "gist".into()
                } else {
                    c.access_method.clone()
                },
            }
        }
        ConstrType::ConstrNotnull => ConstraintKind::NotNull {
            column: keys().into_iter().next().unwrap_or_default(),
        },
        _ => return None,
    };
    Some(TableConstraint {
        name: (!c.conname.is_empty()).then(|| c.conname.clone()),
        kind,
        not_valid: c.skip_validation,
        deferrable: c.deferrable,
        using_index: (!c.indexname.is_empty()).then(|| c.indexname.clone()),
    })
}

fn lower_create_table(s: &protobuf::CreateStmt) -> CreateTable {
    let name = range_var(s.relation.as_ref());
    let persistence = match s.relation.as_ref().map(|r| r.relpersistence.as_str()) {
        Some("u") => Persistence::Unlogged,
        Some("t") => Persistence::Temporary,
        _ => Persistence::Permanent,
    };
    let mut columns = vec![];
    let mut constraints = vec![];
    let mut like = vec![];
    for elt in &s.table_elts {
        match elt.node.as_ref() {
            Some(NodeEnum::ColumnDef(c)) => columns.push(lower_column(c)),
            Some(NodeEnum::Constraint(c)) => constraints.extend(lower_constraint(c, None)),
            Some(NodeEnum::TableLikeClause(l)) => like.push(range_var(l.relation.as_ref())),
            _ => {}
        }
    }
    constraints.extend(constraints_of(&s.constraints).filter_map(|c| lower_constraint(c, None)));
    let inherits = range_vars(&s.inh_relations);
    let partition_of = if s.partbound.is_some() {
        inherits.first().cloned()
    } else {
        None
    };
    CreateTable {
        name,
        if_not_exists: s.if_not_exists,
        persistence,
        columns,
        constraints,
        partitioned: s.partspec.is_some(),
        inherits: if partition_of.is_some() {
            vec![]
        } else {
            inherits
        },
        partition_of,
        like,
    }
}

fn lower_alter_table(s: &protobuf::AlterTableStmt) -> StmtKind {
    use protobuf::AlterTableType as T;
    let kind = match ObjectType::try_from(s.objtype).unwrap_or(ObjectType::Undefined) {
        ObjectType::ObjectIndex => RelKind::Index,
        ObjectType::ObjectView => RelKind::View,
        ObjectType::ObjectMatview => RelKind::MaterializedView,
        ObjectType::ObjectSequence => RelKind::Sequence,
        ObjectType::ObjectForeignTable => RelKind::ForeignTable,
        ObjectType::ObjectType => RelKind::Type,
        _ => RelKind::Table,
    };
    let only = s.relation.as_ref().is_some_and(|r| !r.inh);
    let mut cmds = vec![];
    for node in &s.cmds {
        let Some(NodeEnum::AlterTableCmd(c)) = node.node.as_ref() else {
            continue;
        };
        let def = c.def.as_deref().and_then(|n| n.node.as_ref());
        let cascade = c.behavior == 2;
        let cmd = match T::try_from(c.subtype).unwrap_or(T::Undefined) {
            T::AtAddColumn | T::AtAddColumnToView => match def {
                Some(NodeEnum::ColumnDef(cd)) => AlterCmd::AddColumn {
                    column: lower_column(cd),
                    if_not_exists: c.missing_ok,
                },
                _ => AlterCmd::Other {
                    what: "add column".into(),
                },
            },
            T::AtDropColumn => AlterCmd::DropColumn {
                name: c.name.clone(),
                if_exists: c.missing_ok,
                cascade,
            },
            T::AtAlterColumnType => match def {
                Some(NodeEnum::ColumnDef(cd)) => AlterCmd::AlterColumnType {
                    column: c.name.clone(),
                    type_name: cd
                        .type_name
                        .as_ref()
                        .map(lower_type)
                        .unwrap_or_else(|| TypeName::simple("unknown")),
                    using: cd.raw_default.as_deref().map(expr),
                },
                _ => AlterCmd::Other {
                    what: "alter column type".into(),
                },
            },
            T::AtColumnDefault => AlterCmd::SetDefault {
                column: c.name.clone(),
                default: c.def.as_deref().map(expr),
            },
            T::AtSetNotNull => AlterCmd::SetNotNull {
                column: c.name.clone(),
            },
            T::AtDropNotNull => AlterCmd::DropNotNull {
                column: c.name.clone(),
            },
            T::AtAddConstraint => match def {
                Some(NodeEnum::Constraint(con)) => match lower_constraint(con, None) {
                    Some(constraint) => AlterCmd::AddConstraint { constraint },
                    None => AlterCmd::Other {
                        what: "add constraint".into(),
                    },
                },
                _ => AlterCmd::Other {
                    what: "add constraint".into(),
                },
            },
            T::AtValidateConstraint => AlterCmd::ValidateConstraint {
                name: c.name.clone(),
            },
            T::AtDropConstraint => AlterCmd::DropConstraint {
                name: c.name.clone(),
                if_exists: c.missing_ok,
                cascade,
            },
            T::AtAddIdentity => {
                let identity = match def {
                    Some(NodeEnum::Constraint(con)) if con.generated_when == "a" => {
                        Identity::Always
                    }
                    _ => Identity::ByDefault,
                };
                AlterCmd::AddIdentity {
                    column: c.name.clone(),
                    identity,
                }
            }
            T::AtDropIdentity => AlterCmd::DropIdentity {
                column: c.name.clone(),
            },
            T::AtSetLogged => AlterCmd::SetLogged,
            T::AtSetUnLogged => AlterCmd::SetUnlogged,
            T::AtSetTableSpace => AlterCmd::SetTablespace {
                tablespace: c.name.clone(),
            },
            T::AtAttachPartition => match def {
                Some(NodeEnum::PartitionCmd(p)) => AlterCmd::AttachPartition {
                    partition: range_var(p.name.as_ref()),
                },
                _ => AlterCmd::Other {
                    what: "attach partition".into(),
                },
            },
            T::AtDetachPartition => match def {
                Some(NodeEnum::PartitionCmd(p)) => AlterCmd::DetachPartition {
                    partition: range_var(p.name.as_ref()),
                    concurrently: p.concurrent,
                },
                _ => AlterCmd::Other {
                    what: "detach partition".into(),
                },
            },
            T::AtEnableRowSecurity => AlterCmd::EnableRowSecurity,
            T::AtDisableRowSecurity => AlterCmd::DisableRowSecurity,
            T::AtForceRowSecurity => AlterCmd::ForceRowSecurity,
            T::AtNoForceRowSecurity => AlterCmd::NoForceRowSecurity,
            T::AtEnableTrig | T::AtEnableAlwaysTrig | T::AtEnableReplicaTrig => {
                AlterCmd::EnableTrigger {
                    name: Some(c.name.clone()),
                }
            }
            T::AtEnableTrigAll | T::AtEnableTrigUser => AlterCmd::EnableTrigger { name: None },
            T::AtDisableTrig => AlterCmd::DisableTrigger {
                name: Some(c.name.clone()),
            },
            T::AtDisableTrigAll | T::AtDisableTrigUser => AlterCmd::DisableTrigger { name: None },
            T::AtSetExpression => AlterCmd::SetExpression {
                column: c.name.clone(),
            },
            T::AtDropExpression => AlterCmd::DropExpression {
                column: c.name.clone(),
            },
            T::AtClusterOn => AlterCmd::ClusterOn {
                index: c.name.clone(),
            },
            other => AlterCmd::Other {
                what: format!("{other:?}").trim_start_matches("At").to_string(),
            },
        };
        cmds.push(cmd);
    }
    StmtKind::AlterTable(AlterTable {
        name: range_var(s.relation.as_ref()),
        kind,
        if_exists: s.missing_ok,
        only,
        cmds,
    })
}

/// Operator class, collation and ordering of one index key, empty for the defaults.
fn index_key_options(e: &protobuf::IndexElem) -> String {
    let mut parts: Vec<String> = vec![];
    if !e.collation.is_empty() {
        parts.push(format!("COLLATE {}", name_list(&e.collation).name));
    }
    if !e.opclass.is_empty() {
        parts.push(name_list(&e.opclass).name);
    }
    // SortByDir: 3 is DESC (ASC is the default).
    if e.ordering == 3 {
        parts.push("DESC".into());
    }
    // Only a NULLS ordering that differs from the direction's default (LAST for ASC, FIRST for
    // DESC) changes the index.
    match (e.nulls_ordering, e.ordering == 3) {
        (2, false) => parts.push("NULLS FIRST".into()),
        (3, true) => parts.push("NULLS LAST".into()),
        _ => {}
    }
    parts.join(" ")
}

fn lower_index(s: &protobuf::IndexStmt) -> CreateIndex {
    let key_options = s
        .index_params
        .iter()
        .filter_map(|p| match p.node.as_ref() {
            Some(NodeEnum::IndexElem(e)) => Some(index_key_options(e)),
            _ => None,
        })
        .collect();
    let keys = s
        .index_params
        .iter()
        .filter_map(|p| match p.node.as_ref() {
            Some(NodeEnum::IndexElem(e)) if !e.name.is_empty() => Some(IndexKey::Column {
                name: e.name.clone(),
            }),
            Some(NodeEnum::IndexElem(e)) => e
                .expr
                .as_deref()
                .map(|x| IndexKey::Expression { expr: expr(x) }),
            _ => None,
        })
        .collect();
    let include = s
        .index_including_params
        .iter()
        .filter_map(|p| match p.node.as_ref() {
            Some(NodeEnum::IndexElem(e)) => Some(e.name.clone()),
            _ => None,
        })
        .collect();
    CreateIndex {
        name: (!s.idxname.is_empty()).then(|| s.idxname.clone()),
        table: range_var(s.relation.as_ref()),
        keys,
        key_options,
        include,
        unique: s.unique,
        concurrently: s.concurrent,
        if_not_exists: s.if_not_exists,
        method: if s.access_method.is_empty() {
            "btree".into()
        } else {
            s.access_method.clone()
        },
        predicate: s.where_clause.as_deref().map(expr),
        only: s.relation.as_ref().is_some_and(|r| !r.inh),
    }
}

fn lower_drop(s: &protobuf::DropStmt) -> Drop {
    let kind = ObjectKind::from_object_type(s.remove_type);
    let mut names = vec![];
    let mut on_table = None;
    for obj in &s.objects {
        match kind {
            ObjectKind::Trigger | ObjectKind::Policy => {
                // [schema.]table.name
                if let Some(NodeEnum::List(list)) = obj.node.as_ref() {
                    let parts = strings(&list.items);
                    if let Some((name, table)) = parts.split_last() {
                        on_table = Some(match table {
                            [t] => QualName::public(t.clone()),
                            [.., s, t] => QualName::new(s.clone(), t.clone()),
                            [] => QualName::public("?"),
                        });
                        names.push(QualName::public(name.clone()));
                    }
                }
            }
            ObjectKind::Schema | ObjectKind::Extension => {
                if let Some(name) = str_of(obj) {
                    names.push(QualName::new(name, name));
                }
            }
            _ => names.push(object_name(obj)),
        }
    }
    Drop {
        kind,
        names,
        on_table,
        if_exists: s.missing_ok,
        cascade: s.behavior == 2,
        concurrently: s.concurrent,
    }
}

fn lower_rename(s: &protobuf::RenameStmt) -> StmtKind {
    let kind = ObjectKind::from_object_type(s.rename_type);
    let target = match (&s.relation, s.object.as_deref()) {
        (Some(rv), _) => range_var(Some(rv)),
        (None, Some(obj)) => match kind {
            ObjectKind::Schema => {
                let name = str_of(obj).unwrap_or("?").to_string();
                QualName::new(name.clone(), name)
            }
            _ => object_name(obj),
        },
        (None, None) => match kind {
            ObjectKind::Schema => QualName::new(s.subname.clone(), s.subname.clone()),
            _ => QualName::public("?"),
        },
    };
    let sub_name = match kind {
        ObjectKind::Column | ObjectKind::Constraint | ObjectKind::Trigger | ObjectKind::Policy => {
            Some(s.subname.clone())
        }
        _ => None,
    };
    // ALTER TYPE ... RENAME VALUE is an AlterEnumStmt; ALTER TYPE ... RENAME ATTRIBUTE has subname.
    StmtKind::Rename(Rename {
        kind,
        target,
        sub_name,
        new_name: s.newname.clone(),
        if_exists: s.missing_ok,
    })
}

/// The tables, column names, output columns and function names (lowercase, sorted) of a query.
fn query_refs(query: Option<&Node>) -> (Vec<QualName>, Vec<String>, Vec<String>, Vec<String>) {
    let mut reads = vec![];
    let mut columns = vec![];
    let mut functions = vec![];
    let mut output = vec![];
    if let Some(NodeEnum::SelectStmt(sel)) = query.and_then(|q| q.node.as_ref()) {
        for target in &sel.target_list {
            if let Some(NodeEnum::ResTarget(r)) = target.node.as_ref() {
                if !r.name.is_empty() {
                    output.push(r.name.clone());
                } else if let Some(NodeEnum::ColumnRef(c)) =
                    r.val.as_deref().and_then(|v| v.node.as_ref())
                {
                    let star = c
                        .fields
                        .last()
                        .is_some_and(|f| matches!(f.node.as_ref(), Some(NodeEnum::AStar(_))));
                    if star {
                        // `*` or `p.*`: the catalog expands it when the view is created.
                        let qualifier: Vec<&str> = c.fields.iter().filter_map(str_of).collect();
                        output.push(match qualifier.last() {
                            Some(q) => format!("{q}.*"),
                            None => "*".to_string(),
                        });
                    } else if let Some(name) = c.fields.iter().rev().find_map(str_of) {
                        output.push(name.to_string());
                    }
                }
            }
        }
    }
    if let Some(node) = query.and_then(|q| q.node.as_ref()) {
        collect_refs(node, &mut columns, &mut functions, &mut reads);
    }
    // CTE names are not tables.
    let ctes: Vec<String> = query
        .and_then(|q| q.node.as_ref())
        .map(|n| {
            n.nodes()
                .into_iter()
                .filter_map(|(r, _, _, _)| match r {
                    NodeRef::CommonTableExpr(c) => Some(c.ctename.clone()),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default();
    reads.retain(|t| !(t.schema == "public" && ctes.contains(&t.name)));
    reads.sort();
    reads.dedup();
    functions.sort();
    functions.dedup();
    (reads, columns, output, functions)
}

/// The qualified column references of `query` (`o.id`, `orders.id`, `app.orders.id`) with the
/// table each one reads, resolved through the aliases of every `FROM` in the query. A qualifier
/// that names different things in different parts of the query (the same alias on two tables, a
/// subquery, a CTE or a function in `FROM`) is left out: no guess. Second, the column names read
/// without a table known for them (unqualified, or through such a qualifier). Both sorted.
pub fn view_column_refs(query: Option<&Node>) -> (Vec<(QualName, String)>, Vec<String>) {
    use std::collections::HashMap;
    let Some(root) = query.and_then(|q| q.node.as_ref()) else {
        return (vec![], vec![]);
    };
    let nodes = root.nodes();
    // qualifier -> the table it names; None once it is known to be ambiguous or not a table.
    let mut qualifiers: HashMap<String, Option<QualName>> = HashMap::new();
    let mut not_tables: Vec<String> = vec![];
    for (n, _, _, _) in &nodes {
        match n {
            NodeRef::CommonTableExpr(c) => not_tables.push(c.ctename.clone()),
            NodeRef::RangeSubselect(r) => {
                if let Some(a) = &r.alias {
                    not_tables.push(a.aliasname.clone());
                }
            }
            NodeRef::RangeFunction(r) => {
                if let Some(a) = &r.alias {
                    not_tables.push(a.aliasname.clone());
                }
            }
            _ => {}
        }
    }
    let mut name = |key: String, table: &QualName| {
        qualifiers
            .entry(key)
            .and_modify(|t| {
                if t.as_ref() != Some(table) {
                    *t = None;
                }
            })
            .or_insert_with(|| Some(table.clone()));
    };
    for (n, _, _, _) in &nodes {
        let NodeRef::RangeVar(rv) = n else { continue };
        if rv.schemaname.is_empty() && not_tables.contains(&rv.relname) {
            continue; // a CTE read by name
        }
        let table = range_var(Some(rv));
        match &rv.alias {
            Some(a) => name(a.aliasname.clone(), &table),
            None => {
                name(rv.relname.clone(), &table);
                name(format!("{}.{}", table.schema, table.name), &table);
            }
        }
    }
    for key in &not_tables {
        qualifiers.insert(key.clone(), None);
    }
    let mut out = vec![];
    let mut loose: Vec<String> = vec![];
    // The node walk does not enter an aggregate's `FILTER (WHERE ...)` or `ORDER BY`: walk them too.
    let mut column_refs: Vec<&protobuf::ColumnRef> = vec![];
    let mut extra = vec![];
    for (n, _, _, _) in &nodes {
        match n {
            NodeRef::ColumnRef(c) => column_refs.push(c),
            NodeRef::FuncCall(f) => {
                for node in f.agg_filter.iter().map(|b| &**b).chain(f.agg_order.iter()) {
                    if let Some(inner) = node.node.as_ref() {
                        extra.extend(inner.nodes());
                    }
                }
            }
            _ => {}
        }
    }
    for (n, _, _, _) in &extra {
        if let NodeRef::ColumnRef(c) = n {
            column_refs.push(c);
        }
    }
    for c in column_refs {
        let parts: Vec<&str> = c.fields.iter().filter_map(str_of).collect();
        let star = matches!(
            c.fields.last().and_then(|f| f.node.as_ref()),
            Some(NodeEnum::AStar(_))
        );
        if star && parts.len() + 1 == c.fields.len() && !parts.is_empty() {
            // `t.*`: every column `t` has when the view is created (the catalog expands it).
            if let Some(Some(table)) = qualifiers.get(&parts.join(".")) {
                out.push((table.clone(), "*".to_string()));
            }
            continue;
        }
        if parts.len() != c.fields.len() || parts.is_empty() {
            continue; // `*`
        }
        let (qualifier, column) = parts.split_at(parts.len() - 1);
        match qualifiers.get(&qualifier.join(".")) {
            Some(Some(table)) if !qualifier.is_empty() => {
                out.push((table.clone(), column[0].to_string()))
            }
            _ => loose.push(column[0].to_string()),
        }
    }
    out.sort();
    out.dedup();
    loose.sort();
    loose.dedup();
    (out, loose)
}

/// One equality between columns of two tables that a query joins on: `(table, column)` pairs in
/// a stable order (the smaller first).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct JoinPair {
    pub left: (QualName, String),
    pub right: (QualName, String),
}

/// The column equalities `query` joins tables on, with aliases resolved to table names: from
/// `JOIN ... ON` and `WHERE` conditions (through `AND`), in every branch of a `UNION`. Only
/// qualified column references (`o.customer_id = c.id`) on plain tables count; sorted, deduplicated.
pub fn join_pairs(query: Option<&Node>) -> Vec<JoinPair> {
    let mut out = vec![];
    if let Some(NodeEnum::SelectStmt(select)) = query.and_then(|q| q.node.as_ref()) {
        select_joins(select, &mut out);
    }
    out.sort();
    out.dedup();
    out
}

fn select_joins(select: &protobuf::SelectStmt, out: &mut Vec<JoinPair>) {
    for branch in [select.larg.as_deref(), select.rarg.as_deref()]
        .into_iter()
        .flatten()
    {
        select_joins(branch, out);
    }
    let mut aliases: std::collections::HashMap<String, QualName> = Default::default();
    let mut conditions: Vec<&Node> = vec![];
    fn from_item<'a>(
        node: &'a Node,
        aliases: &mut std::collections::HashMap<String, QualName>,
        conditions: &mut Vec<&'a Node>,
    ) {
        match node.node.as_ref() {
            Some(NodeEnum::RangeVar(rv)) => {
                let table = range_var(Some(rv));
                let alias = rv
                    .alias
                    .as_ref()
                    .map_or_else(|| rv.relname.clone(), |a| a.aliasname.clone());
                aliases.insert(alias, table);
            }
            Some(NodeEnum::JoinExpr(j)) => {
                for side in [j.larg.as_deref(), j.rarg.as_deref()].into_iter().flatten() {
                    from_item(side, aliases, conditions);
                }
                if let Some(quals) = j.quals.as_deref() {
                    conditions.push(quals);
                }
            }
            _ => {}
        }
    }
    for item in &select.from_clause {
        from_item(item, &mut aliases, &mut conditions);
    }
    if let Some(w) = select.where_clause.as_deref() {
        conditions.push(w);
    }
    fn equalities(
        node: &Node,
        aliases: &std::collections::HashMap<String, QualName>,
        out: &mut Vec<JoinPair>,
    ) {
        match node.node.as_ref() {
            Some(NodeEnum::BoolExpr(b)) if b.boolop == protobuf::BoolExprType::AndExpr as i32 => {
                for arg in &b.args {
                    equalities(arg, aliases, out);
                }
            }
            Some(NodeEnum::AExpr(e))
                if e.kind == protobuf::AExprKind::AexprOp as i32
                    && e.name.iter().filter_map(str_of).eq(["="]) =>
            {
                let side = |n: Option<&Node>| -> Option<(String, (QualName, String))> {
                    let Some(NodeEnum::ColumnRef(c)) = n?.node.as_ref() else {
                        return None;
                    };
                    let parts: Vec<&str> = c.fields.iter().filter_map(str_of).collect();
                    let [alias, column] = parts.as_slice() else {
                        return None;
                    };
                    Some((
                        alias.to_string(),
                        (aliases.get(*alias)?.clone(), column.to_string()),
                    ))
                };
                // Two aliases of one table are a self-join (`c.parent_id = p.id`); one alias
                // compared with itself is a filter, not a join.
                if let (Some((alias_a, a)), Some((alias_b, b))) =
                    (side(e.lexpr.as_deref()), side(e.rexpr.as_deref()))
                {
                    if alias_a != alias_b && a != b {
                        let (left, right) = if a <= b { (a, b) } else { (b, a) };
                        out.push(JoinPair { left, right });
                    }
                }
            }
            _ => {}
        }
    }
    for condition in conditions {
        equalities(condition, &aliases, out);
    }
}

fn lower_view(s: &protobuf::ViewStmt) -> StmtKind {
    let joins = join_pairs(s.query.as_deref());
    let (column_refs, loose_columns) = view_column_refs(s.query.as_deref());
    let (reads, columns_read, mut output_columns, functions) = query_refs(s.query.as_deref());
    let aliases = strings(&s.aliases);
    if !aliases.is_empty() {
        output_columns = aliases;
    }
    StmtKind::CreateView(CreateView {
        joins,
        name: range_var(s.view.as_ref()),
        materialized: false,
        or_replace: s.replace,
        if_not_exists: false,
        with_data: true,
        reads,
        columns_read,
        column_refs,
        loose_columns,
        functions,
        output_columns,
        is_table: false,
    })
}

fn lower_create_table_as(s: &protobuf::CreateTableAsStmt) -> StmtKind {
    let joins = join_pairs(s.query.as_deref());
    let (column_refs, loose_columns) = view_column_refs(s.query.as_deref());
    let (reads, columns_read, mut output_columns, functions) = query_refs(s.query.as_deref());
    let into = s.into.as_deref();
    let names = into.map(|i| strings(&i.col_names)).unwrap_or_default();
    if !names.is_empty() {
        output_columns = names;
    }
    let materialized = s.objtype == ObjectType::ObjectMatview as i32;
    StmtKind::CreateView(CreateView {
        joins,
        name: range_var(into.and_then(|i| i.rel.as_ref())),
        materialized,
        or_replace: false,
        if_not_exists: s.if_not_exists,
        with_data: !into.is_some_and(|i| i.skip_data),
        reads,
        columns_read,
        column_refs,
        loose_columns,
        functions,
        output_columns,
        is_table: !materialized,
    })
}

fn lower_function(s: &protobuf::CreateFunctionStmt) -> CreateFunction {
    let arg_types = s
        .parameters
        .iter()
        .filter_map(|p| match p.node.as_ref() {
            // Only IN, INOUT and VARIADIC parameters are part of the signature, and a parameter
            // written without a mode (`FUNC_PARAM_DEFAULT`, 6); OUT (2) and TABLE (5) are not.
            Some(NodeEnum::FunctionParameter(fp)) if matches!(fp.mode, 1 | 3 | 4 | 6) => {
                fp.arg_type.as_ref().map(lower_type)
            }
            _ => None,
        })
        .collect();
    let mut language = "sql".to_string();
    let mut volatility = Volatility::Volatile;
    let mut security_definer = false;
    let mut search_path = None;
    let mut body = None;
    for option in &s.options {
        let Some(NodeEnum::DefElem(d)) = option.node.as_ref() else {
            continue;
        };
        let arg = d.arg.as_deref();
        match d.defname.as_str() {
            "language" => language = arg.and_then(str_of).unwrap_or("sql").to_ascii_lowercase(),
            "volatility" => {
                volatility = match arg.and_then(str_of) {
                    Some("immutable") => Volatility::Immutable,
                    Some("stable") => Volatility::Stable,
                    _ => Volatility::Volatile,
                }
            }
            "security" => security_definer = bool_of(arg).unwrap_or(false),
            // `AS 'body'` is one string; `AS 'obj_file', 'link_symbol'` (C) is a list of two.
            "as" => {
                body = match arg.and_then(|a| a.node.as_ref()) {
                    Some(NodeEnum::List(l)) => Some(
                        l.items
                            .iter()
                            .filter_map(str_of)
                            .collect::<Vec<_>>()
                            .join(", "),
                    ),
                    _ => arg.and_then(str_of).map(str::to_string),
                }
            }
            "set" => {
                if let Some(NodeEnum::VariableSetStmt(v)) = arg.and_then(|a| a.node.as_ref()) {
                    if v.name.eq_ignore_ascii_case("search_path") {
                        search_path =
                            Some(v.args.iter().map(const_text).collect::<Vec<_>>().join(", "));
                    }
                }
            }
            _ => {}
        }
    }
    let returns_trigger = s
        .return_type
        .as_ref()
        .is_some_and(|t| lower_type(t).name == "trigger");
    CreateFunction {
        name: name_list(&s.funcname),
        arg_types,
        or_replace: s.replace,
        is_procedure: s.is_procedure,
        language,
        volatility,
        security_definer,
        search_path,
        returns_trigger,
        body,
        source: None,
    }
}

fn lower_comment(s: &protobuf::CommentStmt) -> StmtKind {
    let object = ObjectKind::from_object_type(s.objtype);
    let text = (!s.comment.is_empty()).then(|| s.comment.clone());
    let (target, sub_name) = match (object, s.object.as_deref().and_then(|o| o.node.as_ref())) {
        (ObjectKind::Column, Some(NodeEnum::List(list))) => {
            let parts = strings(&list.items);
            match parts.as_slice() {
                [t, c] => (QualName::public(t.clone()), Some(c.clone())),
                [.., s, t, c] => (QualName::new(s.clone(), t.clone()), Some(c.clone())),
                _ => (QualName::public("?"), None),
            }
        }
        (ObjectKind::Schema, Some(NodeEnum::String(s))) => {
            (QualName::new(s.sval.clone(), s.sval.clone()), None)
        }
        (_, Some(_)) => (
            s.object
                .as_deref()
                .map(object_name)
                .unwrap_or_else(|| QualName::public("?")),
            None,
        ),
        (_, None) => (QualName::public("?"), None),
    };
    StmtKind::Comment {
        object,
        target,
        sub_name,
        text,
    }
}

/// An expression from SQL text (as `pg_get_expr` prints it), lowered like a parsed one.
pub fn parse_expr(text: &str) -> Option<Expr> {
    let parsed = crate::parse::parse_tree_only(&format!("SELECT {text}"))?;
    let stmt = parsed.stmts.first()?.stmt.as_ref()?.node.as_ref()?;
    let NodeEnum::SelectStmt(select) = stmt else {
        return None;
    };
    let target = select.target_list.first()?.node.as_ref()?;
    let NodeEnum::ResTarget(target) = target else {
        return None;
    };
    Some(expr(target.val.as_deref()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lower_sql(sql: &str) -> StmtKind {
        let parsed = pg_query::parse(sql, 0).expect("test SQL parses");
        let node = parsed.protobuf.stmts[0]
            .stmt
            .as_ref()
            .and_then(|s| s.node.as_ref())
            .expect("one statement");
        lower(node)
    }

    #[test]
    fn view_qualified_columns_resolve_through_aliases() {
        let StmtKind::CreateView(v) = lower_sql(
            "create view v as select o.id, c.name, app.items.name as item, s.name as sub, total
             from orders o join customers c on c.id = o.customer_id
             join app.items on app.items.id = o.id
             join (select p.name from products p) s on true",
        ) else {
            panic!()
        };
        let refs: Vec<String> = v
            .column_refs
            .iter()
            .map(|(t, c)| format!("{t}.{c}"))
            .collect();
        assert_eq!(
            refs,
            [
                "app.items.id",
                "app.items.name",
                "customers.id",
                "customers.name",
                "orders.customer_id",
                "orders.id",
                "products.name"
            ]
        );
        // `s` is a subquery and `total` unqualified: no table known.
        assert_eq!(v.loose_columns, ["name", "total"]);
        // The same alias on two tables in different scopes resolves to neither.
        let StmtKind::CreateView(v) =
            lower_sql("create view w as select x.a from t1 x where exists (select x.b from t2 x)")
        else {
            panic!()
        };
        assert!(v.column_refs.is_empty());
        assert_eq!(v.loose_columns, ["a", "b"]);
    }

    /// Columns used only in an aggregate's `FILTER` or `ORDER BY`, and `t.*`, are references too
    /// (PostgreSQL records them in `pg_depend`; item 10 of issue 16, measured on MusicBrainz).
    #[test]
    fn view_references_in_aggregate_clauses_and_qualified_stars() {
        let StmtKind::CreateView(v) = lower_sql(
            "create view v as select m.id, a.*,
                    array_agg(t.length order by t.position) filter (where t.is_data) as lengths
             from medium m join track t on t.medium = m.id join art a on a.id = m.id group by m.id, a.id",
        ) else {
            panic!()
        };
        let refs: Vec<String> = v
            .column_refs
            .iter()
            .map(|(t, c)| format!("{t}.{c}"))
            .collect();
        assert_eq!(
            refs,
            [
                "art.*",
                "art.id",
                "medium.id",
                "track.is_data",
                "track.length",
                "track.medium",
                "track.position"
            ]
        );
    }

    #[test]
    fn lowers_create_table_with_column_constraints() {
        let StmtKind::CreateTable(t) = lower_sql(
            "create table app.orders (id bigserial primary key, user_id int references users(id) on delete cascade, \
             status varchar(20) not null default 'new', note text check (length(note) < 100))",
        ) else {
            panic!("not a create table")
        };
        assert_eq!(t.name, QualName::new("app", "orders"));
        assert_eq!(t.columns[0].type_name.name, "bigserial");
        assert!(t.columns[0].not_null);
        assert_eq!(t.columns[1].type_name, TypeName::simple("int4"));
        assert!(matches!(
            &t.columns[1].constraints[0].kind,
            ConstraintKind::ForeignKey { ref_table, on_delete: FkAction::Cascade, .. } if ref_table.name == "users"
        ));
        assert_eq!(t.columns[2].type_name.to_string(), "varchar(20)");
        assert_eq!(t.columns[2].default.as_ref().unwrap().text, "'new'");
        let ConstraintKind::Check { expr } = &t.columns[3].constraints[0].kind else {
            panic!("no check")
        };
        assert_eq!(expr.columns, vec!["note"]);
        assert_eq!(expr.functions, vec!["length"]);
    }

    #[test]
    fn lowers_alter_table_commands() {
        let StmtKind::AlterTable(a) = lower_sql(
            "alter table only t add constraint fk foreign key (a) references u (id) not valid, validate constraint c, \
             alter column b type bigint using b::bigint, alter column c set not null, drop column d cascade",
        ) else {
            panic!("not alter table")
        };
        assert!(a.only);
        assert!(
            matches!(&a.cmds[0], AlterCmd::AddConstraint { constraint } if constraint.not_valid)
        );
        assert!(matches!(&a.cmds[1], AlterCmd::ValidateConstraint { name } if name == "c"));
        assert!(
            matches!(&a.cmds[2], AlterCmd::AlterColumnType { type_name, using: Some(_), .. } if type_name.name == "int8")
        );
        assert!(matches!(&a.cmds[3], AlterCmd::SetNotNull { .. }));
        assert!(matches!(
            &a.cmds[4],
            AlterCmd::DropColumn { cascade: true, .. }
        ));
    }

    #[test]
    fn lowers_index_view_and_drop() {
        let StmtKind::CreateIndex(i) = lower_sql("create unique index concurrently if not exists ix on t using btree (lower(email)) where deleted_at is null") else {
            panic!()
        };
        assert!(i.unique && i.concurrently && i.if_not_exists);
        assert!(matches!(&i.keys[0], IndexKey::Expression { expr } if expr.text == "lower(email)"));
        assert_eq!(i.predicate.unwrap().text, "deleted_at IS NULL");
        let StmtKind::CreateView(v) = lower_sql("create view v as with x as (select 1) select o.id, u.name as n from orders o join users u on u.id = o.user_id, x") else {
            panic!()
        };
        assert_eq!(
            v.reads,
            vec![QualName::public("orders"), QualName::public("users")]
        );
        assert_eq!(v.output_columns, vec!["id", "n"]);
        let StmtKind::Drop(d) = lower_sql("drop trigger if exists trg on app.t cascade") else {
            panic!()
        };
        assert_eq!(d.on_table, Some(QualName::new("app", "t")));
        assert!(d.cascade && d.if_exists);
    }

    #[test]
    fn unknown_statements_are_kept_with_their_node_name() {
        assert_eq!(
            lower_sql("create publication p for all tables"),
            StmtKind::Other {
                node: "CreatePublicationStmt".into()
            }
        );
    }
}
