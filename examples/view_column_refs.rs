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
        for stmt in pgproof::parse::parse_sql(&text).statements {
            pgproof::catalog::apply::apply(&mut catalog, &stmt.kind);
        }
    }
    let mut pairs = BTreeSet::new();
    let mut loose = 0;
    for view in catalog.views.values() {
        for (table, column) in &view.column_refs {
            pairs.insert(format!("{}\t{column}", table.name));
        }
        loose += view.loose_columns.len();
    }
    for pair in &pairs {
        println!("{pair}");
    }
    eprintln!(
        "{} views, {} referenced (table, column) pairs, {loose} column references not tied to a table",
        catalog.views.len(),
        pairs.len()
    );
    Ok(())
}
