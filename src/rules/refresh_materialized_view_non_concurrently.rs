//! `refresh-materialized-view-non-concurrently`: REFRESH MATERIALIZED VIEW blocks every reader.

use super::*;
use crate::finding::Applicability;

declare_rule! {
    RefreshMaterializedViewNonConcurrently {
        id: "refresh-materialized-view-non-concurrently",
        category: Locking,
        severity: Warning,
        fix: Recipe(SameSchema),
    }
}

impl Rule for RefreshMaterializedViewNonConcurrently {
    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Diagnostic>) {
        let Statement::RefreshMaterializedView { name, concurrently } = cx.stmt else {
            return;
        };
        if *concurrently || cx.is_new(name) {
            return;
        }
        let has_unique_index = cx.catalog.indexes_on(name).any(|i| {
            i.unique && i.predicate.is_none() && i.keys.iter().all(|k| k.column().is_some())
        });
        let mut diag = Diagnostic::new(
            META.id,
            cx.span,
            format!(
                "`REFRESH MATERIALIZED VIEW` without `CONCURRENTLY` reruns the query while it takes an `ACCESS EXCLUSIVE` lock on `{name}`, which blocks every `SELECT` from it {}",
                held_until(cx.in_transaction)
            ),
        )
        .lock(LockMode::AccessExclusive);
        let sql = insert_after_keyword(cx.sql, "view", "CONCURRENTLY");
        match (has_unique_index, sql) {
            (true, Some(sql)) => {
                diag = diag
                    .help("refresh with `CONCURRENTLY`: readers keep seeing the old contents until the new ones are swapped in")
                    .fix(format!("{sql};"), Applicability::Safe);
            }
            _ => {
                diag = diag.help(format!(
                    "`CONCURRENTLY` needs a unique index on plain columns of the view and covering all rows: create one (`CREATE UNIQUE INDEX CONCURRENTLY ... ON {name} (...)`), then refresh with `CONCURRENTLY`"
                ));
            }
        }
        if cx.in_transaction {
            diag = diag.note("the refresh can be slow, and inside a transaction every lock taken earlier is held until it finishes");
        }
        out.push(diag);
    }
}
