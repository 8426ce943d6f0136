//! `alter-column-type-rewrite`: ALTER COLUMN TYPE that rewrites the table under ACCESS EXCLUSIVE.

use super::*;
use crate::syntax::{quote_ident, AlterCmd};

declare_rule! {
    AlterColumnTypeRewrite {
        id: "alter-column-type-rewrite",
        category: Locking,
        severity: Warning,
        fix: Guidance,
    }
}

impl Rule for AlterColumnTypeRewrite {
    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Diagnostic>) {
        let Some((alter, table)) = cx.existing_alter_and_table() else {
            return;
        };
        for cmd in &alter.cmds {
            let AlterCmd::AlterColumnType {
                column,
                type_name,
                using,
            } = cmd
            else {
                continue;
            };
            let old = table.and_then(|t| t.column(column)).map(|c| &c.type_name);
            if !alter_type_rewrites(column, old, type_name, using.as_ref()) {
                continue;
            }
            // From PostgreSQL 12, `timestamp` to `timestamptz` keeps the stored values (no
            // rewrite) when the session's time zone is UTC, as an earlier `SET` may have made it.
            let to_timestamptz = old.is_some_and(|o| o.name == "timestamp")
                && type_name.name == "timestamptz"
                && using.is_none();
            // A precision on the new type is a second conversion, which rewrites.
            let keeps_values = to_timestamptz && type_name.mods.is_empty();
            if keeps_values && cx.pg_version >= 12 && session_time_zone(cx).is_some_and(is_utc) {
                // The rows stay as they are, but the indexes on the column are built again.
                let rebuilt: Vec<String> = cx
                    .catalog
                    .indexes_on(&alter.name)
                    .filter(|i| i.keys.iter().any(|k| k.column() == Some(column.as_str())))
                    .map(|i| format!("`{}`", i.name.name))
                    .collect();
                if !rebuilt.is_empty() {
                    out.push(
                        Diagnostic::new(
                            META.id,
                            cx.span,
                            format!(
                                "changing `{}` from `timestamp` to `timestamptz` under a UTC session keeps the table's rows as they are, but rebuilds the indexes on the column ({}) while it {} {}",
                                column_ref(&alter.name, column),
                                rebuilt.join(", "),
                                lock_effect(LockMode::AccessExclusive, &alter.name),
                                held_until(cx.in_transaction)
                            ),
                        )
                        .lock(LockMode::AccessExclusive)
                        .help("on a large table, drop those indexes first and build them again `CONCURRENTLY` after the change (queries go without them meanwhile), or add a `timestamptz` column, backfill it in batches and switch to it"),
                    );
                }
                continue;
            }
            let from = old.map(|t| format!("from `{t}` ")).unwrap_or_default();
            let col = column_ref(&alter.name, column);
            let mut diag = Diagnostic::new(
                META.id,
                cx.span,
                format!(
                    "changing `{col}` {from}to `{type_name}` rewrites the whole table and rebuilds its indexes while it {} {}",
                    lock_effect(LockMode::AccessExclusive, &alter.name),
                    held_until(cx.in_transaction)
                ),
            )
            .lock(LockMode::AccessExclusive)
            .help(format!(
                "expand/contract: add a new column `{new}` of type `{type_name}`, write to both from the application (or a trigger), backfill it in batches, switch reads to it, then drop `{c}` in a later release",
                new = quote_ident(&format!("{column}_new")),
                c = quote_ident(column),
            ));
            if keeps_values {
                diag = diag.note("from PostgreSQL 12, `timestamp` to `timestamptz` skips the rewrite when the session `TimeZone` is UTC");
            }
            if old.is_none() {
                diag = diag.note("the column's current type is not known from the migrations, so pgproof assumes the change is not binary-coercible");
            }
            out.push(diag);
        }
    }
}

/// The session's `TimeZone` as an earlier statement of the migration set it (a `SET LOCAL` only
/// within the current transaction); None when no statement did, or it was reset.
fn session_time_zone<'c>(cx: &'c StatementContext<'_>) -> Option<&'c str> {
    let in_transaction = cx.earlier_in_transaction();
    let transaction_start = cx.earlier.len() - in_transaction.len();
    let set = cx.earlier.iter().enumerate().rev().find_map(|(i, s)| match &s.kind {
        // `RESET ALL` (no name) resets it too.
        Statement::Set { name, value, local } if name == "timezone" || name.is_empty() => {
            let value = if name.is_empty() { "DEFAULT" } else { value.as_str() };
            (!local || i >= transaction_start).then_some(value)
        }
        _ => None,
    })?;
    (set != "DEFAULT").then_some(set)
}

/// Zone names whose offset is zero all year (PostgreSQL skips the rewrite only for a fixed zero
/// offset, not for a zone that is at UTC part of the year).
fn is_utc(zone: &str) -> bool {
    let zone = zone.trim().to_ascii_lowercase();
    let zone = zone.strip_prefix("etc/").unwrap_or(&zone);
    matches!(
        zone,
        "utc" | "uct" | "gmt" | "gmt0" | "gmt+0" | "gmt-0" | "greenwich" | "universal" | "zulu" | "z" | "0"
    )
}

#[cfg(test)]
mod tests {
    /// `timestamp` to `timestamptz` rewrites unless the session's time zone is UTC (from
    /// PostgreSQL 12), as a `SET` earlier in the migration may make it.
    #[test]
    fn timestamptz_under_a_utc_session_does_not_rewrite() {
        let schema = "CREATE TABLE events (id bigint PRIMARY KEY, at timestamp NOT NULL);";
        let count = |migration: &str| {
            crate::rules::findings_after(schema, migration, "alter-column-type-rewrite").len()
        };
        let alter = "ALTER TABLE events ALTER at TYPE timestamptz;";
        assert_eq!(count(alter), 1);
        assert_eq!(count(&format!("SET timezone = 'UTC';\n{alter}")), 0);
        assert_eq!(count(&format!("SET TIME ZONE 'Etc/UTC';\n{alter}")), 0);
        // A zone at UTC only in winter, a reset, or a `SET LOCAL` whose transaction ended.
        assert_eq!(count(&format!("SET timezone = 'Europe/London';\n{alter}")), 1);
        assert_eq!(count(&format!("SET timezone = 'UTC';\nRESET timezone;\n{alter}")), 1);
        assert_eq!(count(&format!("SET timezone = 'UTC';\nRESET ALL;\n{alter}")), 1);
        // A precision on the new type is a conversion of its own.
        assert_eq!(
            count("SET timezone = 'UTC';\nALTER TABLE events ALTER at TYPE timestamptz(3);"),
            1
        );
        assert_eq!(
            count(&format!("BEGIN;\nSET LOCAL timezone = 'UTC';\nCOMMIT;\n{alter}")),
            1
        );
        // An index on the column is rebuilt all the same.
        let indexed = crate::rules::findings_after(
            &format!("{schema}\nCREATE INDEX events_at ON events (at);"),
            &format!("SET timezone = 'UTC';\n{alter}"),
            "alter-column-type-rewrite",
        );
        assert_eq!(indexed.len(), 1);
        assert!(
            indexed[0].message.contains("keeps the table's rows")
                && indexed[0].message.contains("`events_at`"),
            "{}",
            indexed[0].message
        );
        // A USING expression is evaluated for every row.
        assert_eq!(
            count("SET timezone = 'UTC';\nALTER TABLE events ALTER at TYPE timestamptz USING at AT TIME ZONE 'UTC';"),
            1
        );
    }
}
