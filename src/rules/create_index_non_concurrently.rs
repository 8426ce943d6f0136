//! `create-index-non-concurrently`: a plain CREATE INDEX on a table that already exists.

use super::*;
use crate::catalog::TableKind;
use crate::finding::Applicability;

declare_rule! {
    CreateIndexNonConcurrently {
        id: "create-index-non-concurrently",
        category: Locking,
        severity: Warning,
        fix: Recipe(SameSchema),
    }
}

impl Rule for CreateIndexNonConcurrently {
    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Diagnostic>) {
        let Statement::CreateIndex(index) = cx.stmt else {
            return;
        };
        if index.concurrently || cx.is_new(&index.table) || index.table.schema == "pg_temp" {
            return;
        }
        // A table truncated earlier in this transaction is empty, and already locked `ACCESS
        // EXCLUSIVE` by the `TRUNCATE` (another rule's finding): the build takes no time.
        if cx.emptied_before(&index.table) == Some(Emptied::Truncated) {
            return;
        }
        let table = cx.catalog.table(&index.table);
        let partitioned = table.is_some_and(|t| t.kind == TableKind::Partitioned);
        if partitioned && index.only {
            // `ON ONLY parent` builds nothing: it is the first step of the safe recipe.
            return;
        }
        let what = if index.unique {
            "CREATE UNIQUE INDEX"
        } else {
            "CREATE INDEX"
        };
        let mut diag = Diagnostic::new(
            META.id,
            cx.span,
            format!(
                "`{what}` without `CONCURRENTLY` blocks writes to `{}` while the index is built: it {} {}",
                index.table,
                lock_effect(LockMode::Share, &index.table),
                held_until(cx.in_transaction)
            ),
        )
        .lock(LockMode::Share);
        if partitioned {
            diag = diag
                .help("partitioned tables cannot be indexed concurrently: create the index `ON ONLY` the parent, build it `CONCURRENTLY` on each partition, then `ALTER INDEX ... ATTACH PARTITION` each one")
                .fix(
                    format!(
                        "CREATE INDEX {name} ON ONLY {t} (...);\n-- for each partition p:\nCREATE INDEX CONCURRENTLY p_idx ON p (...);\nALTER INDEX {name} ATTACH PARTITION p_idx;",
                        name = index.name.clone().unwrap_or_else(|| "parent_idx".into()),
                        t = index.table
                    ),
                    Applicability::DisplayOnly,
                );
        } else if let Some(sql) = insert_after_keyword(cx.sql, "index", "CONCURRENTLY") {
            let applicability = if cx.in_transaction {
                Applicability::Unsafe
            } else {
                Applicability::Safe
            };
            let mut help =
                "build the index with `CONCURRENTLY`: reads and writes continue while it builds"
                    .to_string();
            if cx.in_transaction {
                help.push_str(", and run it outside a transaction (it cannot run inside one)");
            }
            diag = diag.help(help).fix(format!("{sql};"), applicability).note("if a concurrent build fails it leaves an INVALID index: drop it and run the statement again");
        }
        out.push(diag);
    }
}
