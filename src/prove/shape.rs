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

/// The shape of proving `recipe` in place of `original` for `rule`, against the schema just
/// before `original` runs.
pub fn of(rule: &str, original: &str, recipe: &str, catalog: &Catalog) -> Option<String> {
    let original = tokens(original)?;
    let recipe = tokens(recipe)?;
    // The tables the texts name, by their unquoted, case-folded name (any schema).
    let mut tables: HashMap<String, Vec<&Table>> = HashMap::new();
    for word in original.iter().chain(&recipe) {
        let Some(name) = word.strip_prefix('\u{0}') else {
            continue;
        };
        let matching: Vec<&Table> = catalog
            .tables
            .values()
            .filter(|t| t.name.name == name)
            .map(|t| &**t)
            .collect();
        if !matching.is_empty() {
            tables.insert(name.to_string(), matching);
        }
    }
    let named: std::collections::HashSet<&str> = original
        .iter()
        .chain(&recipe)
        .filter_map(|w| w.strip_prefix('\u{0}'))
        .collect();
    let mut names: HashMap<&str, usize> = HashMap::new();
    let mut out = format!("{rule}\n");
    for (stream, label) in [(&original, "original"), (&recipe, "recipe")] {
        let _ = write!(out, "{label}:");
        for word in stream {
            let Some(name) = word.strip_prefix('\u{0}') else {
                let _ = write!(out, " {word}");
                continue;
            };
            let next = names.len();
            let n = *names.entry(name).or_insert(next);
            let _ = write!(out, " n{n}");
            if let Some(matching) = tables.get(name) {
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
fn table_shape(t: &Table, named: &std::collections::HashSet<&str>) -> String {
    let mut out = format!("{:?} {:?} {}", t.kind, t.persistence, t.inherits.len());
    for c in &t.columns {
        if !c.not_null && c.default.is_some() && !named.contains(c.name.as_str()) {
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
    out
}

/// The tokens of `sql`, comments left out: a name as NUL and its unquoted, case-folded text; any
/// other token as its text (keywords upper-cased).
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
        } else if t.keyword_kind != 0 {
            text.to_uppercase()
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
    use crate::catalog::apply::apply;

    fn catalog(sql: &str) -> Catalog {
        let mut catalog = Catalog::new();
        for stmt in crate::syntax::parse_sql(sql).statements {
            apply(&mut catalog, &stmt.kind);
        }
        catalog
    }

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
                &schema,
            )
            .unwrap()
        };
        assert_ne!(timeout("1s"), timeout("2s"));
    }
}
