//! Prints the (table, column) pairs that the views of a replayed schema reference, as pgproof's
//! replay knows them: one `table<TAB>column` line per pair (bare table names), sorted. Used by
//! `bench/view-column-refs.sh` to compare with what PostgreSQL records in `pg_depend`.
//!
//! usage: cargo run --example view_column_refs -- FILE.sql...   (replayed in the order given)

use std::collections::BTreeSet;

fn main() -> anyhow::Result<()> {
    let mut catalog = pgproof::catalog::Catalog::new();
    for path in std::env::args().skip(1) {
        let text = std::fs::read_to_string(&path)
            .map_err(|e| anyhow::anyhow!("cannot read `{path}`: {e}"))?;
        for stmt in pgproof::syntax::parse_sql(&text).statements {
            pgproof::catalog::apply::apply(&mut catalog, &stmt.kind);
        }
    }
    // A pair is known when the dependency graph (what `change-blocked-by-dependents` asks) names
    // a view that uses the column: qualified references, and unqualified ones that only one of
    // the view's tables can mean.
    let mut pairs = BTreeSet::new();
    for table in catalog.tables.values() {
        for column in &table.columns {
            let object = pgproof::graph::Object::Column(table.name.clone(), column.name.clone());
            if !pgproof::graph::direct_dependents(&catalog, &object, true).is_empty() {
                pairs.insert(format!("{}\t{}", table.name.name, column.name));
            }
        }
    }
    let loose: usize = catalog.views.values().map(|v| v.loose_columns.len()).sum();
    for pair in &pairs {
        println!("{pair}");
    }
    eprintln!(
        "{} views, {} (table, column) pairs a view depends on, {loose} unqualified column names in views",
        catalog.views.len(),
        pairs.len()
    );
    Ok(())
}
