//! `reindex-non-concurrently`: REINDEX without CONCURRENTLY blocks writes and index reads.

use super::*;
use crate::finding::Applicability;

declare_rule! {
    ReindexNonConcurrently {
        id: "reindex-non-concurrently",
        category: Locking,
        severity: Warning,
        fix: Recipe(SameSchema),
    }
}

impl Rule for ReindexNonConcurrently {
    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Diagnostic>) {
        let Statement::Reindex {
            target,
            name,
            concurrently,
        } = cx.stmt
        else {
            return;
        };
        if *concurrently || cx.is_new(name) {
            return;
        }
        let table = match target.as_str() {
            "index" => cx.catalog.indexes.get(name).map(|i| i.table.clone()),
            "table" => Some(name.clone()),
            _ => None,
        };
        if table.as_ref().is_some_and(|t| !cx.is_existing_table(t)) {
            return;
        }
        let what = match &table {
            Some(t) => format!("`{t}`"),
            None => format!("every table in {target} `{name}`"),
        };
        let mut diag = Diagnostic::new(
            META.id,
            cx.span,
            format!(
                "`REINDEX {}` without `CONCURRENTLY` rebuilds under a `SHARE` lock on {what}, which blocks writes, and an `ACCESS EXCLUSIVE` lock on each index, which blocks every query that would use it, {}",
                target.to_ascii_uppercase(),
                held_until(cx.in_transaction)
            ),
        )
        .lock(LockMode::Share);
        if cx.pg_version >= 12 {
            let mut help = format!(
                "use `REINDEX {} CONCURRENTLY`: it builds a new index next to the old one and swaps them, blocking neither reads nor writes (assumed PostgreSQL {})",
                target.to_ascii_uppercase(),
                cx.pg_version
            );
            if cx.in_transaction {
                help.push_str("; it cannot run inside a transaction block");
            }
            diag = diag.help(help);
            // `(CONCURRENTLY false)` is turned on by hand: a second `CONCURRENTLY` would be
            // redundant at best.
            let option_written = cx.sql.to_ascii_lowercase().contains("concurrently");
            if let Some(sql) =
                insert_after_keyword(cx.sql, target, "CONCURRENTLY").filter(|_| !option_written)
            {
                let applicability = if cx.in_transaction {
                    Applicability::Unsafe
                } else {
                    Applicability::Safe
                };
                diag = diag.fix(format!("{sql};"), applicability);
            }
        } else {
            diag = diag.help(format!(
                "PostgreSQL {} has no `REINDEX CONCURRENTLY` (it came in 12): build a replacement with `CREATE INDEX CONCURRENTLY`, then `DROP INDEX CONCURRENTLY` the old one and rename the new one",
                cx.pg_version
            ));
        }
        out.push(diag);
    }
}
