//! Synthetic rows for a throwaway database (`--rows N`): N rows per table that respect the
//! schema — types, foreign keys (parents are filled first, children point at their rows),
//! unique keys (every value derives from the row number) and NOT NULL — so that scans, rewrites,
//! validations and query plans on the throwaway server behave as they would on real data.
//!
//! Tables whose rows cannot be made (a CHECK the generated values violate, a column type pgproof
//! does not know how to fill, a trigger that rejects them) are left empty with a note.

use super::exec::Conn;
use crate::catalog::{Catalog, Table, TableKind};
use crate::syntax::{quote_ident, ConstraintKind, QualName, TypeName};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// What filling produced: rows per table and the tables left empty, with why.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Filled {
    pub rows: BTreeMap<String, i64>,
    pub skipped: Vec<String>,
}

/// Fills every table of `catalog` not in `done` with `rows` rows, parents before children.
pub fn fill(conn: &Conn, catalog: &Catalog, rows: u64, done: &mut BTreeSet<QualName>) -> Filled {
    let mut filled = Filled::default();
    let tables: Vec<&Table> = catalog
        .tables
        .values()
        .map(|t| &**t)
        .filter(|t| {
            !matches!(t.kind, TableKind::Partition { .. })
                && t.name.schema != "pg_temp"
                && !done.contains(&t.name)
        })
        .collect();
    // Parents first: a table is ready when every table it references is filled or not ours.
    let mut pending: Vec<&Table> = tables;
    let mut progress = true;
    while !pending.is_empty() && progress {
        progress = false;
        let mut next = vec![];
        for table in pending {
            let waits = table.foreign_keys().any(|fk| match &fk.kind {
                ConstraintKind::ForeignKey { ref_table, .. } => {
                    ref_table != &table.name
                        && catalog.tables.contains_key(ref_table)
                        && !done.contains(ref_table)
                        && !filled
                            .skipped
                            .iter()
                            .any(|s| s.starts_with(&format!("{ref_table}:")))
                }
                _ => false,
            });
            if waits {
                next.push(table);
                continue;
            }
            progress = true;
            let keys = match table.kind {
                TableKind::Partitioned => partition_key_values(conn, table, rows),
                _ => HashMap::new(),
            };
            match insert_sql(catalog, table, rows, &keys) {
                Ok(sql) => match conn.execute_batch(&sql) {
                    Ok(()) => {
                        filled.rows.insert(table.name.to_string(), rows as i64);
                    }
                    Err(e) => {
                        let message = e
                            .as_db_error()
                            .map_or_else(|| e.to_string(), |d| d.message().to_string());
                        filled.skipped.push(format!("{}: {message}", table.name));
                    }
                },
                Err(why) => filled.skipped.push(format!("{}: {why}", table.name)),
            }
            done.insert(table.name.clone());
        }
        pending = next;
    }
    for table in pending {
        filled.skipped.push(format!(
            "{}: its foreign keys form a cycle with other tables",
            table.name
        ));
        done.insert(table.name.clone());
    }
    // Statistics for the tables filled, as a busy database would have them (not the whole
    // database: the system catalogs' took most of the time, each time rows were added).
    // (The tables are named as their `INSERT`s named them.)
    if !filled.rows.is_empty() {
        let names: Vec<&str> = filled.rows.keys().map(String::as_str).collect();
        let _ = conn.execute_batch(&format!("ANALYZE {}", names.join(", ")));
    }
    filled
}

/// The tables a proof of `statements` needs rows in: those the statements lock (the lock
/// model's, index names resolved to their tables), the partitioned tables above them (partitions
/// are filled through their parent), the tables whose foreign keys reference them and those that
/// inherit from them (a change to a table reaches those rows too), and every table these
/// reference, so that their rows can be made. `None`, and every table is filled, when the
/// statements lock no table, or one the catalog does not hold under that name, or one whose name
/// another schema also has (the session's `search_path` decides which is meant), or name a
/// foreign key in their text (the lock model leaves out a column's inline `REFERENCES`).
pub fn tables_needed(catalog: &Catalog, statements: &[&str]) -> Option<BTreeSet<QualName>> {
    let mut locked = BTreeSet::new();
    for text in statements {
        if text.to_ascii_uppercase().contains("REFERENCES") {
            return None;
        }
        for statement in crate::syntax::parse_sql(text).statements {
            for (name, _) in crate::locks::table_locks(&statement.kind, catalog, false) {
                let elsewhere = catalog
                    .tables
                    .keys()
                    .any(|t| t.name == name.name && t.schema != name.schema);
                if !catalog.tables.contains_key(&name) || elsewhere {
                    return None;
                }
                locked.insert(name);
            }
        }
    }
    if locked.is_empty() {
        return None;
    }
    let mut needed: BTreeSet<QualName> = BTreeSet::new();
    let mut queue: Vec<QualName> = locked.iter().cloned().collect();
    while let Some(name) = queue.pop() {
        if !needed.insert(name.clone()) {
            continue;
        }
        queue.extend(catalog.partition_parent(&name).cloned());
        queue.extend(catalog.tables.inheriting(&name).map(|t| t.name.clone()));
        if locked.contains(&name) {
            queue.extend(catalog.tables.referencing(&name).map(|t| t.name.clone()));
        }
    }
    // What they reference, transitively (the rows their foreign keys point at).
    let mut queue: Vec<QualName> = needed.iter().cloned().collect();
    while let Some(name) = queue.pop() {
        let Some(table) = catalog.tables.get(&name) else {
            continue;
        };
        for fk in table.foreign_keys() {
            if let ConstraintKind::ForeignKey { ref_table, .. } = &fk.kind {
                if catalog.tables.contains_key(ref_table) && needed.insert(ref_table.clone()) {
                    queue.push(ref_table.clone());
                    queue.extend(catalog.partition_parent(ref_table).cloned());
                }
            }
        }
    }
    Some(needed)
}

/// For a table partitioned by LIST or RANGE on one column with no DEFAULT partition, an
/// expression for the key column that spreads the rows over its partitions' bounds (read from
/// the server): synthetic values would otherwise fall outside every partition and the table
/// would stay empty.
fn partition_key_values(conn: &Conn, table: &Table, rows: u64) -> HashMap<String, String> {
    let mut out = HashMap::new();
    let name = table.name.to_string();
    let key = conn.query(
        "SELECT a.attname::text, pt.partstrat::text, format_type(a.atttypid, a.atttypmod) \
         FROM pg_partitioned_table pt JOIN pg_attribute a ON a.attrelid = pt.partrelid AND a.attnum = pt.partattrs[0] \
         WHERE pt.partrelid = $1::text::regclass AND pt.partnatts = 1",
        &[&name],
    );
    let bounds = conn.query(
        "SELECT pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid \
         WHERE i.inhparent = $1::text::regclass ORDER BY c.relname",
        &[&name],
    );
    let (Ok(key), Ok(bounds)) = (key, bounds) else {
        return out;
    };
    let Some(key) = key.first() else { return out };
    let (column, strategy, ty): (String, String, String) = (key.get(0), key.get(1), key.get(2));
    let (strategy, ty) = (strategy.as_str(), ty.as_str());
    let bounds: Vec<String> = bounds.iter().map(|r| r.get(0)).collect();
    if bounds.iter().any(|b| b == "DEFAULT") {
        return out;
    }
    let fraction = format!("((g)::float8 / ({rows} + 1))");
    let choices: Vec<String> = bounds
        .iter()
        .filter_map(|bound| match strategy {
            "l" => {
                let list = bound.strip_prefix("FOR VALUES IN (")?.strip_suffix(')')?;
                Some(format!(
                    "(ARRAY[{list}]::{ty}[])[1 + (g) % cardinality(ARRAY[{list}]::{ty}[])]"
                ))
            }
            "r" => {
                let rest = bound.strip_prefix("FOR VALUES FROM (")?.strip_suffix(')')?;
                let (lo, hi) = rest.split_once(") TO (")?;
                if [lo, hi].iter().any(|v| v.contains("MINVALUE") || v.contains("MAXVALUE")) {
                    return None;
                }
                let (lo, hi) = (format!("({lo})::{ty}"), format!("({hi})::{ty}"));
                Some(match ty {
                    t if t.starts_with("timestamp") => {
                        format!("({lo} + ({hi} - {lo}) * {fraction})")
                    }
                    "date" => format!("({lo} + floor(({hi} - {lo}) * {fraction})::int)"),
                    "smallint" | "integer" | "bigint" | "numeric" => format!(
                        "(({lo})::numeric + floor((({hi})::numeric - ({lo})::numeric) * {fraction}))::{ty}"
                    ),
                    // Any other type: the lower bound itself is inside the partition.
                    _ => lo,
                })
            }
            _ => None,
        })
        .collect();
    let value = match choices.len() {
        0 => return out,
        1 => choices.into_iter().next().unwrap_or_default(),
        n => {
            let arms: Vec<String> = choices
                .iter()
                .enumerate()
                .map(|(i, e)| format!("WHEN {i} THEN {e}"))
                .collect();
            format!("(CASE (g) % {n} {} END)", arms.join(" "))
        }
    };
    out.insert(column, value);
    out
}

/// `INSERT INTO t (...) SELECT ... FROM generate_series(1, n) g`; `keys` gives the expression
/// of some columns (a partition key).
fn insert_sql(
    catalog: &Catalog,
    table: &Table,
    rows: u64,
    keys: &HashMap<String, String>,
) -> Result<String, String> {
    let mut columns = vec![];
    let mut values = vec![];
    for column in &table.columns {
        if column.generated.is_some() || column.identity.is_some() || column.serial {
            continue;
        }
        // A single-column foreign key points at the parent's row number `1 + g % n`.
        let fk = table.foreign_keys().find_map(|c| match &c.kind {
            ConstraintKind::ForeignKey {
                columns,
                ref_table,
                ref_columns,
                ..
            } if columns.len() == 1 && columns[0] == column.name => {
                Some((ref_table.clone(), ref_columns.first().cloned()))
            }
            _ => None,
        });
        let value = match fk {
            _ if keys.contains_key(&column.name) => keys[&column.name].clone(),
            Some((parent, key)) => {
                let Some(parent_table) = catalog.table(&parent) else {
                    return Err(format!("references `{parent}`, which is not a table"));
                };
                let key = key.unwrap_or_else(|| {
                    parent_table
                        .primary_key_columns()
                        .first()
                        .cloned()
                        .unwrap_or_default()
                });
                let row = if parent == table.name {
                    // Self-reference: the previous row (the first points at itself).
                    "greatest(g - 1, 1)".to_string()
                } else {
                    format!("1 + (g - 1) % {rows}")
                };
                let Some(key_column) = parent_table.column(&key) else {
                    return Err(format!("references an unknown column `{parent}.{key}`"));
                };
                if key_column.identity.is_some() || key_column.serial {
                    format!("({row})")
                } else {
                    match value_for(catalog, &key_column.type_name, &row) {
                        Some(v) => v,
                        None => {
                            return Err(format!(
                                "cannot generate `{}` values",
                                key_column.type_name
                            ))
                        }
                    }
                }
            }
            None => {
                if column.default.is_some() && !column.not_null {
                    continue;
                }
                match value_for(catalog, &column.type_name, "g") {
                    Some(v) => v,
                    None if !column.not_null => continue,
                    None if column.default.is_some() => continue,
                    None => {
                        return Err(format!(
                            "cannot generate values of type `{}` for `{}`",
                            column.type_name, column.name
                        ))
                    }
                }
            }
        };
        columns.push(quote_ident(&column.name));
        values.push(format!("{value}::{}", column.type_name));
    }
    if columns.is_empty() {
        return Ok(format!(
            "INSERT INTO {} SELECT FROM generate_series(1, {rows}) g",
            table.name
        ));
    }
    Ok(format!(
        "INSERT INTO {} ({}) SELECT {} FROM generate_series(1, {rows}) g",
        table.name,
        columns.join(", "),
        values.join(", ")
    ))
}

/// A SQL expression of type `t` for row number expression `g`, distinct per row where the type
/// allows (unique keys hold).
fn value_for(catalog: &Catalog, t: &TypeName, g: &str) -> Option<String> {
    if t.array {
        let element = TypeName {
            array: false,
            ..t.clone()
        };
        return value_for(catalog, &element, g).map(|v| format!("ARRAY[{v}]"));
    }
    let name = t.name.as_str();
    let width = t.mods.first().copied();
    Some(match name {
        "int2" => format!("(({g}) % 32767)"),
        "int4" | "int8" | "oid" => format!("({g})"),
        "numeric" | "float4" | "float8" | "money" => match (width, t.mods.get(1)) {
            (Some(p), Some(s)) if p - s < 10 => {
                format!("(({g}) % {})", 10i64.pow((p - s).max(1) as u32 - 1))
            }
            _ => format!("({g})"),
        },
        "text" | "varchar" | "bpchar" | "citext" | "name" => match width {
            Some(w) if w < 12 => format!("right(({g})::text, {w})"),
            _ => format!("('v' || ({g}))"),
        },
        "bool" => format!("(({g}) % 2 = 0)"),
        "timestamptz" | "timestamp" => {
            format!("(timestamp '2024-01-01' + ({g}) * interval '1 minute')")
        }
        "date" => format!("(date '2000-01-01' + ({g}))"),
        "time" | "timetz" => format!("(time '00:00' + ({g}) * interval '1 second')"),
        "interval" => format!("(({g}) * interval '1 second')"),
        "uuid" => format!("md5(({g})::text)::uuid"),
        "json" | "jsonb" => format!("jsonb_build_object('n', {g})"),
        "bytea" => format!("decode(md5(({g})::text), 'hex')"),
        "inet" | "cidr" => format!("('10.0.0.0'::inet + ({g}))"),
        "tsvector" => format!("to_tsvector('simple', 'v' || ({g}))"),
        _ => {
            let qual = QualName::new(
                t.schema.clone().unwrap_or_else(|| "public".into()),
                t.name.clone(),
            );
            if let Some(e) = catalog.enums.get(&qual) {
                if e.values.is_empty() {
                    return None;
                }
                format!("(enum_range(NULL::{qual}))[1 + ({g}) % {}]", e.values.len())
            } else if let Some(d) = catalog.domains.get(&qual) {
                return value_for(catalog, &d.base, g);
            } else {
                return None;
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::apply::replay as catalog;

    fn names(set: Option<BTreeSet<QualName>>) -> Option<Vec<String>> {
        set.map(|s| s.iter().map(|n| n.name.clone()).collect())
    }

    #[test]
    fn a_proof_fills_the_tables_it_touches_their_children_and_what_they_reference() {
        let schema = catalog(
            "CREATE TABLE unrelated (id int PRIMARY KEY);
             CREATE TABLE accounts (id int PRIMARY KEY);
             CREATE TABLE orders (id int PRIMARY KEY, account_id int REFERENCES accounts);
             CREATE TABLE lines (id int, order_id int REFERENCES orders);
             CREATE TABLE archived_orders () INHERITS (orders);
             CREATE INDEX orders_id_idx ON orders (id);",
        );
        let needed = |sql: &[&str]| names(tables_needed(&schema, sql));
        // The table indexed, its children (foreign keys and inheritance), what they reference.
        assert_eq!(
            needed(&[
                "CREATE INDEX orders_account_idx ON orders (account_id)",
                "CREATE INDEX CONCURRENTLY orders_account_idx ON orders (account_id)"
            ]),
            Some(vec![
                "accounts".to_string(),
                "archived_orders".to_string(),
                "lines".to_string(),
                "orders".to_string()
            ])
        );
        // An index name is resolved to its table.
        assert_eq!(
            needed(&["DROP INDEX orders_id_idx"]),
            Some(vec![
                "accounts".to_string(),
                "archived_orders".to_string(),
                "lines".to_string(),
                "orders".to_string()
            ])
        );
        // A partition is filled through its parent.
        let partitioned = catalog(
            "CREATE TABLE events (id int, at date) PARTITION BY RANGE (at);
             CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');",
        );
        assert_eq!(
            names(tables_needed(
                &partitioned,
                &["CREATE INDEX ON events_2024 (id)"]
            )),
            Some(vec!["events".to_string(), "events_2024".to_string()])
        );
        // A name two schemas hold, or a foreign key in the text: fill everything.
        let two =
            catalog("CREATE TABLE t (id int); CREATE SCHEMA app; CREATE TABLE app.t (id int);");
        assert_eq!(
            names(tables_needed(&two, &["CREATE INDEX ON t (id)"])),
            None
        );
        assert_eq!(
            needed(&["ALTER TABLE orders ADD COLUMN other int REFERENCES unrelated"]),
            None
        );
        // A table the catalog does not hold, or a statement that locks none: fill everything.
        assert_eq!(needed(&["CREATE INDEX ON missing (id)"]), None);
        assert_eq!(needed(&["SELECT 1"]), None);
    }
}
