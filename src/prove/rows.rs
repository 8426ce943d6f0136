//! Row fingerprints: for each table, how many rows it has and, per column, how many values are not
//! NULL and an order-independent hash of them. Two databases cloned from one (a fix proof's
//! original and recipe copies) are compared column by column, so "proven" covers the data the
//! statement leaves, not only the schema.

use super::exec::Conn;
use crate::syntax::quote_ident;
use anyhow::Result;
use serde::Serialize;
use std::collections::BTreeMap;

/// One column's fingerprint: values not NULL, and the sum of the values' hashes (as text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnPrint {
    pub not_null: i64,
    pub hash: String,
}

/// One table's fingerprint.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TablePrint {
    pub rows: i64,
    pub columns: BTreeMap<String, ColumnPrint>,
}

/// Fingerprints of the user tables (plain, partitioned, and each partition) named in `tables`
/// (`None`: all of them), keyed by the same names as the observed locks: a statement that changes
/// a table's rows holds a lock on it, so the tables the statements locked are the ones whose data
/// can differ.
pub fn fingerprints(
    conn: &Conn,
    tables: Option<&std::collections::BTreeSet<&str>>,
) -> Result<BTreeMap<String, TablePrint>> {
    prints(conn, &conn.relations()?, tables)
}

/// [`fingerprints`] from the relations already read.
fn prints(
    conn: &Conn,
    relations: &BTreeMap<i64, super::exec::Relation>,
    tables: Option<&std::collections::BTreeSet<&str>>,
) -> Result<BTreeMap<String, TablePrint>> {
    let mut out = BTreeMap::new();
    for (&oid, relation) in relations {
        if !matches!(relation.kind.as_str(), "r" | "p")
            || tables.is_some_and(|t| !t.contains(relation.name.to_string().as_str()))
        {
            continue;
        }
        let columns = conn.query(
            "SELECT a.attname::text, format('%I', a.attname) FROM pg_attribute a
             WHERE a.attrelid = $1::int8::oid AND a.attnum > 0 AND NOT a.attisdropped
             ORDER BY a.attnum",
            &[&oid],
        )?;
        if columns.is_empty() {
            continue;
        }
        let names: Vec<(String, String)> = columns.iter().map(|r| (r.get(0), r.get(1))).collect();
        let mut select = vec!["count(*)::int8".to_string()];
        for (_, quoted) in &names {
            select.push(format!("count({quoted})::int8"));
            select.push(format!(
                "coalesce(sum(hashtextextended({quoted}::text, 0)::numeric), 0)::text"
            ));
        }
        let table = format!(
            "{}.{}",
            quote_ident(&relation.name.schema),
            quote_ident(&relation.name.name)
        );
        let rows = conn.query(&format!("SELECT {} FROM {table}", select.join(", ")), &[])?;
        let Some(row) = rows.first() else { continue };
        let mut print = TablePrint {
            rows: row.get(0),
            columns: BTreeMap::new(),
        };
        for (i, (name, _)) in names.iter().enumerate() {
            print.columns.insert(
                name.clone(),
                ColumnPrint {
                    not_null: row.get(1 + 2 * i),
                    hash: row.get(2 + 2 * i),
                },
            );
        }
        out.insert(relation.name.to_string(), print);
    }
    Ok(out)
}

/// Fingerprints of every table the session may read, for a caller that cannot tell yet which
/// tables will matter (the original statement of a fix proof, read before its transaction is
/// rolled back and the recipe runs): those named in `always`, and every other one that has a row
/// (one statement asks them all), are read; one without rows gets an empty table's print with no
/// columns, which compares with [`differences`] as its full print would. Also gives the tables
/// the session may not read.
pub fn fingerprints_readable(
    conn: &Conn,
    always: &std::collections::BTreeSet<&str>,
) -> Result<(
    BTreeMap<String, TablePrint>,
    std::collections::BTreeSet<String>,
)> {
    let readable: std::collections::HashSet<i64> = conn
        .query(
            "SELECT c.oid::int8 FROM pg_class c WHERE c.relkind IN ('r', 'p') AND has_table_privilege(c.oid, 'SELECT')",
            &[],
        )?
        .iter()
        .map(|r| r.get(0))
        .collect();
    let relations = conn.relations()?;
    let mut tables = vec![];
    let mut unreadable = std::collections::BTreeSet::new();
    for (oid, relation) in &relations {
        if !matches!(relation.kind.as_str(), "r" | "p") {
            continue;
        }
        let name = relation.name.to_string();
        if readable.contains(oid) {
            let quoted = format!(
                "{}.{}",
                quote_ident(&relation.name.schema),
                quote_ident(&relation.name.name)
            );
            tables.push((name, quoted));
        } else {
            unreadable.insert(name);
        }
    }
    // Which have a row, a few hundred tables per statement.
    let mut with_rows = std::collections::BTreeSet::new();
    for (chunk, names) in tables.chunks(500).enumerate() {
        let probes: Vec<String> = names
            .iter()
            .enumerate()
            .map(|(i, (_, quoted))| {
                format!(
                    "SELECT {}::int8 WHERE EXISTS (SELECT 1 FROM {quoted})",
                    chunk * 500 + i
                )
            })
            .collect();
        for row in conn.query(&probes.join(" UNION ALL "), &[])? {
            let i: i64 = row.get(0);
            if let Some((name, _)) = usize::try_from(i).ok().and_then(|i| tables.get(i)) {
                with_rows.insert(name.as_str());
            }
        }
    }
    let read: std::collections::BTreeSet<&str> = tables
        .iter()
        .map(|(name, _)| name.as_str())
        .filter(|name| always.contains(name) || with_rows.contains(name))
        .collect();
    let mut out = prints(conn, &relations, Some(&read))?;
    for (name, _) in &tables {
        out.entry(name.clone()).or_default();
    }
    Ok((out, unreadable))
}

/// How the data two runs left differs in one place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DataDifference {
    pub table: String,
    /// None: the table's row count differs.
    pub column: Option<String>,
    pub what: String,
}

impl DataDifference {
    /// Only the values differ (same rows, same NULLs): what a volatile expression does.
    pub fn values_only(&self) -> bool {
        self.column.is_some() && self.what.starts_with("different values")
    }
}

/// Where `original` and `recipe` hold different data, for tables and columns both have (schema
/// differences are the catalog comparison's job).
pub fn differences(
    original: &BTreeMap<String, TablePrint>,
    recipe: &BTreeMap<String, TablePrint>,
) -> Vec<DataDifference> {
    let mut out = vec![];
    for (table, a) in original {
        let Some(b) = recipe.get(table) else { continue };
        if a.rows != b.rows {
            out.push(DataDifference {
                table: table.clone(),
                column: None,
                what: format!("{} rows in the original, {} in the recipe", a.rows, b.rows),
            });
            continue;
        }
        for (column, x) in &a.columns {
            let Some(y) = b.columns.get(column) else {
                continue;
            };
            let what = if x.not_null != y.not_null {
                format!(
                    "{} of {} rows not NULL in the original, {} in the recipe",
                    x.not_null, a.rows, y.not_null
                )
            } else if x.hash != y.hash {
                format!("different values in {} rows not NULL", x.not_null)
            } else {
                continue;
            };
            out.push(DataDifference {
                table: table.clone(),
                column: Some(column.clone()),
                what,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn print(rows: i64, columns: &[(&str, i64, &str)]) -> TablePrint {
        TablePrint {
            rows,
            columns: columns
                .iter()
                .map(|(c, n, h)| {
                    (
                        c.to_string(),
                        ColumnPrint {
                            not_null: *n,
                            hash: h.to_string(),
                        },
                    )
                })
                .collect(),
        }
    }

    #[test]
    fn differences_name_rows_nulls_and_values() {
        let a: BTreeMap<_, _> = [
            ("t".to_string(), print(3, &[("id", 3, "1"), ("c", 3, "9")])),
            ("u".to_string(), print(2, &[("id", 2, "5")])),
            ("v".to_string(), print(1, &[("id", 1, "5"), ("w", 1, "4")])),
        ]
        .into();
        let b: BTreeMap<_, _> = [
            ("t".to_string(), print(3, &[("id", 3, "1"), ("c", 0, "0")])),
            ("u".to_string(), print(1, &[("id", 1, "5")])),
            ("v".to_string(), print(1, &[("id", 1, "5"), ("w", 1, "7")])),
        ]
        .into();
        let d = differences(&a, &b);
        assert_eq!(d.len(), 3, "{d:?}");
        assert_eq!(
            (d[0].table.as_str(), d[0].column.as_deref()),
            ("t", Some("c"))
        );
        assert!(d[0]
            .what
            .contains("3 of 3 rows not NULL in the original, 0"));
        assert!(!d[0].values_only());
        assert_eq!((d[1].table.as_str(), d[1].column.as_deref()), ("u", None));
        assert!(d[2].values_only());
        assert!(differences(&a, &a).is_empty());
    }
}
