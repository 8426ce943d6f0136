//! The shape of a fix proof: what a proof's outcome depends on, with the names taken out, so that
//! a run proves each shape once. Two proofs have the same shape when the flagged statement and
//! the recipe are the same token for token, except for names; each name stands for the same
//! thing in both (the same placeholder wherever it recurs); and every table they name has the
//! same kind and the same columns and constraints, and every column they name the same type.
//!
//! The locks a statement takes, the schema it leaves and the data it writes depend on those and
//! on nothing else the proof sets up: the synthetic rows follow the tables' columns and
//! constraints. A shape that cannot be read (the lexer fails) is None: that proof always runs.

use crate::catalog::{Catalog, Table};
use pg_query::protobuf::Token;
use std::collections::HashMap;
use std::fmt::Write as _;

/// The shape of proving `recipe` (and the `backfill` it leaves) in place of `original` for
/// `rule`, against the schema just before `original` runs.
pub fn of(
    rule: &str,
    original: &str,
    recipe: &str,
    backfill: Option<&str>,
    catalog: &Catalog,
) -> Option<String> {
    let mut streams = vec![("original", tokens(original)?), ("recipe", tokens(recipe)?)];
    if let Some(backfill) = backfill {
        streams.push(("backfill", tokens(backfill)?));
    }
    let words = || streams.iter().flat_map(|(_, words)| words);
    let tables_named = |name: &str| -> Vec<&Table> {
        catalog
            .tables
            .values()
            .filter(|t| t.name.name == name)
            .map(|t| &**t)
            .collect()
    };
    // The tables the texts name, by their unquoted, case-folded name (any schema); a keyword
    // that PostgreSQL also takes as a name (`name`, `type`, `data`) counts when a table has it.
    let mut tables: HashMap<&str, Vec<&Table>> = HashMap::new();
    for word in words() {
        let Some(name) = word.strip_prefix(['\u{0}', '\u{1}']) else {
            continue;
        };
        let matching = tables_named(name);
        if !matching.is_empty() {
            tables.insert(name, matching);
        }
    }
    let is_column = |name: &str| {
        tables
            .values()
            .flatten()
            .any(|t| t.columns.iter().any(|c| c.name == name))
    };
    // Names: identifiers, and those keywords that name a table or a column of one.
    let name_of = |word: &str| -> Option<String> {
        if let Some(name) = word.strip_prefix('\u{0}') {
            return Some(name.to_string());
        }
        let name = word.strip_prefix('\u{1}')?;
        (tables.contains_key(name) || is_column(name)).then(|| name.to_string())
    };
    let named: std::collections::HashSet<String> = words().filter_map(|w| name_of(w)).collect();
    let mut names: HashMap<String, usize> = HashMap::new();
    let mut out = format!("{rule}\n");
    for (label, stream) in &streams {
        let _ = write!(out, "{label}:");
        for word in stream {
            let Some(name) = name_of(word) else {
                let keyword = word.strip_prefix('\u{1}').map(str::to_uppercase);
                let _ = write!(out, " {}", keyword.as_deref().unwrap_or(word));
                continue;
            };
            let next = names.len();
            let n = *names.entry(name.clone()).or_insert(next);
            let _ = write!(out, " n{n}");
            if let Some(matching) = tables.get(name.as_str()) {
                for t in matching {
                    let _ = write!(out, "[table {}]", table_shape(t, &named));
                }
            }
            // A column of a table the texts name: its type and whether it may be NULL.
            for t in tables.values().flatten() {
                for c in t.columns.iter().filter(|c| c.name == name) {
                    let _ = write!(out, "[column {:?} {}]", c.type_name, c.not_null);
                }
            }
        }
        out.push('\n');
    }
    Some(out)
}

/// A table's kind, persistence, columns (type, nullability, identity, generated) and
/// constraints (kind, validated), in order: what its synthetic rows and its locks depend on. A
/// nullable column with a default that the texts do not name is left out: the synthetic rows
/// leave it to its default, and neither text touches it.
fn table_shape(t: &Table, named: &std::collections::HashSet<String>) -> String {
    let mut out = format!("{:?} {:?} {}", t.kind, t.persistence, t.inherits.len());
    for c in &t.columns {
        if !c.not_null && c.default.is_some() && !named.contains(&c.name) {
            continue;
        }
        let _ = write!(
            out,
            "; {:?} {} {} {}",
            c.type_name,
            c.not_null,
            c.identity.is_some(),
            c.generated.is_some()
        );
    }
    for c in &t.constraints {
        let _ = write!(out, "; {:?} {}", c.kind, c.validated);
    }
    // Triggers run on the rows a statement or a backfill writes.
    let _ = write!(out, "; triggers {:?}", t.triggers);
    out
}

/// The tokens of `sql`, comments left out: a name as NUL and its unquoted, case-folded text; a
/// keyword PostgreSQL also accepts as a name (not reserved) as U+0001 and its lower-cased text;
/// any other token as its text (reserved keywords upper-cased).
fn tokens(sql: &str) -> Option<Vec<String>> {
    let scanned = pg_query::scan(sql).ok()?;
    let mut out = vec![];
    for t in &scanned.tokens {
        if t.token == Token::SqlComment as i32 || t.token == Token::CComment as i32 {
            continue;
        }
        let text = sql.get(t.start as usize..t.end as usize)?;
        let word = if t.token == Token::Ident as i32 {
            let name = match text.strip_prefix('"').and_then(|n| n.strip_suffix('"')) {
                Some(quoted) => quoted.replace("\"\"", "\""),
                None => text.to_lowercase(),
            };
            format!("\u{0}{name}")
        } else if t.keyword_kind == pg_query::protobuf::KeywordKind::ReservedKeyword as i32 {
            text.to_uppercase()
        } else if t.keyword_kind != 0 {
            format!("\u{1}{}", text.to_lowercase())
        } else {
            text.to_string()
        };
        out.push(word);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::apply::replay as catalog;

    #[test]
    fn names_are_placeholders_but_types_and_tables_count() {
        let schema = catalog(
            "CREATE TABLE a (id bigint PRIMARY KEY, created timestamptz NOT NULL);
             CREATE TABLE b (id bigint PRIMARY KEY, made timestamptz NOT NULL);
             CREATE TABLE c (id bigint PRIMARY KEY, created text NOT NULL);
             CREATE TABLE d (id bigint PRIMARY KEY, created timestamptz NOT NULL, note text);
             CREATE TABLE e (id bigint PRIMARY KEY, created timestamptz NOT NULL, note text DEFAULT '');",
        );
        let shape = |table: &str, column: &str| {
            of(
                "create-index-non-concurrently",
                &format!("CREATE INDEX {table}_idx ON {table} ({column})"),
                &format!("CREATE INDEX CONCURRENTLY {table}_idx ON {table} ({column})"),
                None,
                &schema,
            )
            .unwrap()
        };
        // Another name, the same shape.
        assert_eq!(shape("a", "created"), shape("b", "made"));
        // A column of another type, a table with another column: another shape.
        assert_ne!(shape("a", "created"), shape("c", "created"));
        assert_ne!(shape("a", "created"), shape("d", "created"));
        // A nullable column with a default that neither text names: the rows leave it alone.
        assert_eq!(shape("a", "created"), shape("e", "created"));
        // The recipe must use the original's names where the original does.
        let crossed = of(
            "create-index-non-concurrently",
            "CREATE INDEX a_idx ON a (created)",
            "CREATE INDEX CONCURRENTLY a_idx ON b (made)",
            None,
            &schema,
        )
        .unwrap();
        assert_ne!(shape("a", "created"), crossed);
        // Constants and keywords are kept.
        let timeout = |value: &str| {
            of(
                "r",
                "ALTER TABLE a ADD CHECK (id > 0)",
                &format!(
                    "SET lock_timeout = '{value}'; ALTER TABLE a ADD CHECK (id > 0) NOT VALID"
                ),
                None,
                &schema,
            )
            .unwrap()
        };
        assert_ne!(timeout("1s"), timeout("2s"));
        // Keywords PostgreSQL takes as names are names where a table or column has them.
        let keywords = catalog(
            "CREATE TABLE k1 (id bigint PRIMARY KEY, type text, name json);
             CREATE TABLE k2 (id bigint PRIMARY KEY, name text, type json);",
        );
        let on = |table: &str| {
            of(
                "create-index-non-concurrently",
                &format!("CREATE INDEX i ON {table} (name)"),
                &format!("CREATE INDEX CONCURRENTLY i ON {table} (name)"),
                None,
                &keywords,
            )
            .unwrap()
        };
        assert_ne!(on("k1"), on("k2"));
        // The backfill is part of the shape.
        let with =
            |backfill: Option<&str>| of("r", "SELECT 1", "SELECT 1", backfill, &schema).unwrap();
        assert_ne!(with(None), with(Some("UPDATE a SET created = now()")));
    }
}
