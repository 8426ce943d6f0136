//! The vocabulary of the model: schema-qualified names, types as PostgreSQL names them, the kinds
//! of objects a statement names, and quoting of identifiers and literals for generated SQL.

use serde::{Deserialize, Serialize};
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

/// Read back from `schema.name`, split at the first dot: exact for every schema name without a
/// dot (the replay cache writes no state whose text quotes a name with one).
impl<'de> Deserialize<'de> for QualName {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        match text.split_once('.') {
            Some((schema, name)) => Ok(QualName::new(schema, name)),
            None => Err(serde::de::Error::custom(format!(
                "`{text}` is not a schema-qualified name"
            ))),
        }
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
    if plain && !crate::keywords::needs_quotes(name) {
        name.to_string()
    } else {
        format!("\"{}\"", name.replace('"', "\"\""))
    }
}

/// A type as written, normalized to PostgreSQL's internal names (`int4`, `varchar`, `timestamptz`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
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
}
