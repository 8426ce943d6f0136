//! `missing-lock-timeout`: a lock that blocks traffic requested with no `lock_timeout` set first.

use super::*;
use crate::finding::Applicability;

declare_rule! {
    MissingLockTimeout {
        id: "missing-lock-timeout",
        category: Locking,
        severity: Warning,
        fix: Recipe(BoundsWait),
    }
}

/// The locks that stop ordinary reads or writes: while queued they stall everything behind them.
fn blocking(mode: LockMode) -> bool {
    mode >= LockMode::Share
}

impl Rule for MissingLockTimeout {
    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Diagnostic>) {
        let need_lock = !cx.lock_timeout_set;
        let need_statement = cx.require_statement_timeout && !cx.statement_timeout_set;
        if !need_lock && !need_statement {
            return;
        }
        let Some((table, mode)) = crate::locks::table_locks(cx.stmt, cx.catalog, !cx.order_assumed)
            .into_iter()
            .filter(|(t, m)| blocking(*m) && cx.is_existing_table(t))
            .max_by_key(|(_, m)| *m)
        else {
            return;
        };
        // Once per migration: only the first statement that needs the timeout.
        if cx.blocking_lock_taken {
            return;
        }
        let missing = match (need_lock, need_statement) {
            (true, true) => "neither `lock_timeout` nor `statement_timeout` is set",
            (true, false) => "no `lock_timeout` is set",
            _ => "no `statement_timeout` is set (required by `require_statement_timeout`)",
        };
        let mut set = String::new();
        if need_lock {
            set.push_str("SET lock_timeout = '5s';\n");
        }
        if need_statement {
            set.push_str("SET statement_timeout = '15min';\n");
        }
        out.push(
            Diagnostic::new(
                META.id,
                cx.span,
                format!(
                    "this statement requests the `{}` lock on `{table}` but {missing} earlier in the migration: if any query holds the table, the statement waits indefinitely, and all reads and writes that arrive meanwhile queue behind it",
                    mode.sql()
                ),
            )
            .lock(mode)
            .help("set `lock_timeout` at the start of the migration so a blocked statement fails fast (and can be retried) instead of stalling all traffic on the table")
            .fix(format!("{set}{};", cx.sql.trim_end().trim_end_matches(';')), Applicability::Safe),
        );
    }
}
