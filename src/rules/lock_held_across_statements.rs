//! `lock-held-across-statements`: statements that run while the transaction holds an ACCESS
//! EXCLUSIVE lock taken earlier, keeping the table blocked until commit.

use super::*;
use crate::syntax::TxKind;

declare_rule! {
    LockHeldAcrossStatements {
        id: "lock-held-across-statements",
        category: Locking,
        severity: Warning,
        fix: Guidance,
    }
}

/// Statements that end the transaction or cost nothing while a lock is held (`sql` is the
/// statement's text: a query is only modelled as [`Statement::Select`]).
fn trivial(stmt: &Statement, sql: &str) -> bool {
    match stmt {
        Statement::Select => !query_does_work(sql),
        Statement::Transaction { .. }
        | Statement::Set { .. }
        | Statement::Comment { .. }
        | Statement::Grant => true,
        _ => false,
    }
}

/// Functions a migration calls in a `SELECT` that return at once.
const CHEAP_FUNCTIONS: &[&str] = &[
    "set_config",
    "current_setting",
    "setval",
    "nextval",
    "currval",
    "now",
    "current_timestamp",
    "version",
    "pg_advisory_xact_lock",
    "pg_try_advisory_xact_lock",
    "pg_advisory_lock",
    "pg_advisory_unlock",
    "pg_notify",
    "format",
    "to_regclass",
    "current_database",
    "current_schema",
    "current_user",
    "coalesce",
];

/// Whether a query (`SELECT`, `VALUES`, `EXPLAIN`, `SHOW`) can take real time: it reads a table
/// (`FROM` a relation outside the system catalogs) or calls a function not known to return at
/// once (a backfill function, `pg_sleep`). Read from the text, which is all the model keeps of a
/// query; string literals and comments are skipped.
fn query_does_work(sql: &str) -> bool {
    let words = words(sql);
    let first = words.first().map(|(w, _)| w.to_ascii_lowercase());
    if first.as_deref() == Some("show") {
        return false;
    }
    if first.as_deref() == Some("explain") {
        // Only `EXPLAIN ANALYZE` runs the query; its options come before the query itself.
        return words
            .iter()
            .skip(1)
            .map(|(w, _)| w.to_ascii_lowercase())
            .take_while(|w| {
                !matches!(
                    w.as_str(),
                    "select" | "with" | "values" | "insert" | "update" | "delete" | "table"
                )
            })
            .any(|w| w == "analyze" || w == "analyse");
    }
    for (i, (word, call)) in words.iter().enumerate() {
        let lower = word.to_ascii_lowercase();
        if lower == "from" {
            let system = words.get(i + 1).is_some_and(|(next, _)| {
                let next = next.to_ascii_lowercase();
                next.starts_with("pg_") || next == "information_schema"
            });
            if !system {
                return true;
            }
        }
        if *call && !CHEAP_FUNCTIONS.contains(&lower.as_str()) && !is_keyword_call(&lower) {
            return true;
        }
    }
    false
}

/// Words followed by `(` that are not function calls.
fn is_keyword_call(word: &str) -> bool {
    matches!(
        word,
        "select" | "values" | "in" | "exists" | "cast" | "and" | "or" | "not" | "as" | "where"
    )
}

impl Rule for LockHeldAcrossStatements {
    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Diagnostic>) {
        if !cx.in_transaction || trivial(cx.stmt, cx.sql) {
            return;
        }
        if matches!(
            cx.stmt,
            Statement::Transaction {
                tx: TxKind::Commit | TxKind::Rollback
            }
        ) {
            return;
        }
        // Report once per transaction: at the first real statement after the first exclusive lock
        // on a table that existed before the migration (and that the transaction has not dropped
        // since: holding the lock of a table that is gone blocks nothing that could succeed).
        let dropped = |table: &QualName| {
            cx.earlier_in_transaction().iter().any(|s| {
                matches!(&s.kind, Statement::Drop(d)
                    if d.kind == crate::syntax::ObjectKind::Table && d.names.contains(table))
            })
        };
        let Some(first) = cx.held_locks.iter().find(|h| {
            h.mode == LockMode::AccessExclusive
                && cx.is_existing_table(&h.table)
                && !dropped(&h.table)
        }) else {
            return;
        };
        // A statement on the same table only extends the lock by its own duration, which the
        // rules for that statement judge; report the first statement that brings other work
        // into the window.
        let same_table_only = |stmt: &Statement| {
            let locks = crate::locks::table_locks(stmt, cx.catalog, !cx.order_assumed);
            !locks.is_empty() && locks.iter().all(|(t, _)| t == &first.table)
        };
        if same_table_only(cx.stmt) {
            return;
        }
        let already_reported = cx
            .earlier_in_transaction()
            .iter()
            .filter(|s| s.span.start > first.span.start)
            .any(|s| {
                let sql = cx
                    .part_text
                    .get(s.span.start..s.span.end)
                    .unwrap_or_default();
                !trivial(&s.kind, sql) && !same_table_only(&s.kind)
            });
        if already_reported {
            return;
        }
        out.push(
            Diagnostic::new(
                META.id,
                cx.span,
                format!(
                    "`{}` stays locked `ACCESS EXCLUSIVE` (all reads and writes blocked) from the earlier statement until the transaction commits, so this statement and every later one in the transaction run while the table is unreachable",
                    first.table
                ),
            )
            .lock(LockMode::AccessExclusive)
            .help("take the exclusive lock last: run slow statements (index builds, backfills, validations, changes to other tables) before it or in separate migrations, and keep the statement that takes it short"),
        );
    }
}

/// The words of `sql` outside string literals, dollar quotes and comments (quoted identifiers
/// unquoted), each with whether a `(` follows it.
fn words(sql: &str) -> Vec<(String, bool)> {
    let bytes = sql.as_bytes();
    let mut out: Vec<(String, bool)> = vec![];
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'-' && bytes.get(i + 1) == Some(&b'-') {
            i = sql[i..].find('\n').map_or(bytes.len(), |n| i + n);
        } else if b == b'/' && bytes.get(i + 1) == Some(&b'*') {
            i = sql[i + 2..]
                .find("*/")
                .map_or(bytes.len(), |n| i + 2 + n + 2);
        } else if b == b'\'' {
            // A doubled quote inside a literal reads as the end and the start of two literals.
            i = sql[i + 1..]
                .find('\'')
                .map_or(bytes.len(), |n| i + 1 + n + 1);
        } else if b == b'$' {
            let tag_end = sql[i + 1..]
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .map(|n| i + 1 + n);
            match tag_end.filter(|&e| bytes[e] == b'$') {
                Some(e) => {
                    let tag = &sql[i..=e];
                    i = sql[e + 1..]
                        .find(tag)
                        .map_or(bytes.len(), |n| e + 1 + n + tag.len());
                }
                None => i += 1,
            }
        } else if b == b'"' {
            let end = sql[i + 1..].find('"').map_or(bytes.len(), |n| i + 1 + n);
            out.push((sql[i + 1..end].to_string(), false));
            i = (end + 1).min(bytes.len());
        } else if b.is_ascii_alphabetic() || b == b'_' || b >= 0x80 {
            let end = sql[i..]
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$'))
                .map_or(bytes.len(), |n| i + n);
            if end == i {
                // A character that is neither a word nor ASCII (a no-break space): a separator.
                i += sql[i..].chars().next().map_or(1, char::len_utf8);
                continue;
            }
            out.push((sql[i..end].to_string(), false));
            i = end;
        } else {
            if b == b'(' {
                if let Some(last) = out.last_mut() {
                    // Only when the `(` directly follows the word (after blanks).
                    last.1 = sql[..i].trim_end().ends_with(last.0.as_str());
                }
            } else if b == b'.' {
                // `schema.function(`: keep only the last part as the word.
                if let Some(next) = out.last() {
                    if sql[..i].ends_with(next.0.as_str()) {
                        out.pop();
                    }
                }
            }
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{query_does_work, words};

    #[test]
    fn a_character_that_is_no_word_separates_words() {
        // A no-break space between words once made this loop forever, pushing empty words.
        let found: Vec<String> = words("SELECT id FROM\u{a0}posts\u{3000}WHERE \u{2028}x")
            .into_iter()
            .map(|(word, _)| word)
            .collect();
        assert_eq!(found, ["SELECT", "id", "FROM", "posts", "WHERE", "x"]);
        assert!(query_does_work("SELECT id FROM\u{a0}posts"));
    }

    #[test]
    fn queries_that_read_tables_or_call_unknown_functions_do_work() {
        for sql in [
            "SELECT count(*) FROM orders",
            "select backfill_totals()",
            "SELECT public.refresh_rollups()",
            "SELECT pg_sleep(10)",
            "EXPLAIN (ANALYZE, COSTS OFF) SELECT count(*) FROM orders",
            "SELECT setval('orders_id_seq', (SELECT max(id) FROM orders))",
        ] {
            assert!(query_does_work(sql), "{sql}");
        }
        for sql in [
            "SELECT 1",
            "SELECT set_config('search_path', '', false)",
            "SELECT pg_catalog.set_config('search_path', 'from x()', false)",
            "SELECT setval('orders_id_seq', 1000)",
            "SELECT 1 FROM pg_class WHERE relname = 'orders'",
            "SHOW lock_timeout",
            "EXPLAIN (COSTS OFF) SELECT count(*) FROM orders",
            "SELECT $$ FROM big $$ -- FROM big\n",
        ] {
            assert!(!query_does_work(sql), "{sql}");
        }
    }
}
