//! `unused-index`: an index no query has scanned since statistics were last reset (live databases),
//! over a window of at least `unused_index_min_days`.

use super::*;
use crate::catalog::TableKind;

declare_rule! {
    UnusedIndex {
        id: "unused-index",
        category: Schema,
        severity: Info,
        fix: Recipe(ChangesSchema),
        doc_examples: false,
    }
}

impl Rule for UnusedIndex {
    fn check_schema(&self, cx: &SchemaContext<'_>, out: &mut Vec<Diagnostic>) {
        // "Never scanned" means something only over a window long enough to have seen the
        // workload: right after a statistics reset or a restart every index looks unused.
        let Some(window) = cx.catalog.statistics.as_ref().map(|s| s.window_days) else {
            return;
        };
        if window < cx.unused_index_min_days {
            return;
        }
        for index in cx.catalog.indexes.values() {
            // Unique and constraint indexes enforce something even when no query reads them.
            if index.unique || index.constraint.is_some() || cx.catalog.is_cloned_index(index) {
                continue;
            }
            let Some(table) = cx.catalog.tables.get(&index.table) else {
                continue;
            };
            // A partitioned table's index has no counters of its own: its partitions' copies do.
            let scans = if table.kind == TableKind::Partitioned {
                let copies: Vec<Option<i64>> = cx
                    .catalog
                    .tables
                    .values()
                    .filter(|t| {
                        matches!(&t.kind, TableKind::Partition { parent } if *parent == table.name)
                    })
                    .flat_map(|t| {
                        cx.catalog.indexes_on(&t.name).filter(|i| {
                            i.keys == index.keys
                                && i.include == index.include
                                && i.method == index.method
                                && i.predicate == index.predicate
                        })
                    })
                    .map(|i| i.scans)
                    .collect();
                if copies.is_empty() {
                    None
                } else {
                    copies.into_iter().sum::<Option<i64>>()
                }
            } else {
                index.scans
            };
            if scans != Some(0) {
                continue;
            }
            // A foreign key may need it for deletes in the referenced table even if no query has
            // run one in the window.
            let backs_fk = table
                .foreign_keys()
                .any(|fk| index.covers_prefix(&fk.kind.columns()));
            let size = index
                .size_bytes
                .map(|b| format!(" ({})", crate::text::human_bytes(b)))
                .unwrap_or_default();
            out.push(
                Diagnostic::about(
                    META.id,
                    index.table.clone(),
                    Some(Member::Index(index.name.name.clone())),
                    format!(
                        "index `{}`{size} on `{}` has not been scanned in the {} the statistics cover (since their last reset or the server's start): every insert and update still maintains it{}",
                        index.name,
                        index.table,
                        window_text(window),
                        if backs_fk { "; it covers a foreign key, so check deletes in the referenced table before dropping it" } else { "" }
                    ),
                )
                .help("confirm over a full business cycle (and on replicas, which keep their own statistics) before dropping it")
                .fix(
                    format!("DROP INDEX CONCURRENTLY {};", index.name),
                    crate::finding::Applicability::DisplayOnly,
                ),
            );
        }
    }
}

/// "12 days", "1 day".
fn window_text(days: f64) -> String {
    let whole = days.floor() as i64;
    if whole == 1 {
        "1 day".into()
    } else {
        format!("{whole} days")
    }
}
