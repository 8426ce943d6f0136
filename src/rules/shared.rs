//! Helpers several rules share: wording (a lock's effect, how long it is held, column
//! references, object names PostgreSQL would choose), the columns a statement creates, and the
//! column names that suggest a closed set of values.

use crate::syntax::{LockMode, QualName, Statement};

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

/// Columns a statement creates: those of `CREATE TABLE` and `ADD COLUMN`, with their table.
pub fn new_columns(stmt: &Statement) -> Vec<(&QualName, &crate::syntax::ColumnDef)> {
    match stmt {
        Statement::CreateTable(t) => t.columns.iter().map(|c| (&t.name, c)).collect(),
        Statement::AlterTable(a) => a.added_columns().map(|c| (&a.name, c)).collect(),
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
