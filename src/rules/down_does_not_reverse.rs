//! `down-does-not-reverse`: replaying up then down does not give back the schema from before up.

use super::*;
use crate::catalog::diff::{diff, Difference};
use crate::catalog::{apply::apply, Catalog, Table};
use std::collections::BTreeMap;
use crate::syntax::{normalized_expr, Expr, IndexKey, Persistence};

declare_rule! {
    DownDoesNotReverse {
        id: "down-does-not-reverse",
        category: Correctness,
        severity: Warning,
        fix: None,
    }
}

/// How many differences a finding lists before summarising the rest.
const SHOWN: usize = 6;

impl Rule for DownDoesNotReverse {
    fn check_migration(&self, cx: &MigrationContext<'_>, out: &mut Vec<Diagnostic>) {
        let Some(before) = cx.before else {
            return;
        };
        if cx.down_has_errors {
            // A down part pgproof cannot fully parse proves nothing either way.
            return;
        }
        let mut reverted = cx.after.clone();
        for stmt in cx.down {
            apply(&mut reverted, &stmt.kind);
        }
        let differences = differences(before, &reverted);
        if differences.is_empty() {
            return;
        }
        // What the up part itself changed: a difference it did not make is the down part's own.
        let by_up = changes(self::differences(before, cx.after));
        let mut listed: Vec<String> = differences
            .iter()
            .take(SHOWN)
            .map(|d| describe(d, touched(&by_up, d)))
            .collect();
        if differences.len() > SHOWN {
            listed.push(format!("and {} more", differences.len() - SHOWN));
        }
        let span = cx
            .down
            .first()
            .map(|s| Span {
                start: s.span.start,
                end: cx.down.last().map_or(s.span.end, |l| l.span.end),
            })
            .unwrap_or_default();
        out.push(
            Diagnostic::new(
                META.id,
                span,
                format!(
                    "running this down part after the up part does not give back the schema from before the migration: {}",
                    listed.join("; ")
                ),
            )
            .help("make the down part undo exactly what the up part does, in reverse order (pgproof replays up then down on the schema and compares)")
            .at(Anchor::Down),
        );
    }
}

/// The up part's differences by path: whether the object was there before, and after.
fn changes(differences: Vec<Difference>) -> BTreeMap<String, (bool, bool)> {
    differences
        .into_iter()
        .map(|d| (d.path, (d.before.is_some(), d.after.is_some())))
        .collect()
}

/// Whether the up part made difference `d`: it changed the same path, or removed what holds a
/// missing object (a table dropped whole holds its columns), or added what holds one left
/// behind. (What the down part adds to a table the up part dropped is the down part's own.)
fn touched(by_up: &BTreeMap<String, (bool, bool)>, d: &Difference) -> bool {
    let path = d.path.as_str();
    if by_up.contains_key(path) {
        return true;
    }
    let removed = d.before.is_some() && d.after.is_none();
    let added = d.before.is_none() && d.after.is_some();
    path.match_indices(" / ").any(|(i, _)| match by_up.get(&path[..i]) {
        Some(&(true, false)) => removed,
        Some(&(false, true)) => added,
        _ => false,
    })
}

/// One difference in words: what is missing, left behind, or was one value and is another;
/// `by_up`: the up part made the same difference (else the down part made it on its own).
fn describe(d: &Difference, by_up: bool) -> String {
    match (&d.before, &d.after) {
        (Some(_), None) if !by_up => format!(
            "`{}` is removed by the down part (it existed before the migration)",
            d.path
        ),
        (None, Some(_)) if !by_up => format!(
            "`{}` is added by the down part (it did not exist before the migration)",
            d.path
        ),
        (Some(b), Some(a)) if b == "present" || a == "present" => format!("`{}`", d.path),
        (Some(_), Some(_)) if d.path.ends_with(" / body") => {
            format!("`{}` differs from before the migration", d.path)
        }
        (Some(b), Some(a)) => format!("`{}` was `{}`, is `{}`", d.path, shown(b), shown(a)),
        (Some(_), None) => format!(
            "`{}` is missing (the down part does not restore it)",
            d.path
        ),
        (None, Some(_)) => format!(
            "`{}` is left behind (the down part does not remove it)",
            d.path
        ),
        (None, None) => format!("`{}`", d.path),
    }
}

/// A value as the message shows it: `none` for no value (a dropped default).
fn shown(value: &str) -> &str {
    if value == "null" {
        "none"
    } else {
        value
    }
}

/// The differences between the schema before up and after up then down that PostgreSQL would
/// show too: both sides compared the way the server stores them, without what is not schema
/// (temporary tables) and without objects a statement pgproof cannot replay may have changed.
fn differences(before: &Catalog, reverted: &Catalog) -> Vec<Difference> {
    let unreplayed: BTreeSet<String> = before
        .unreplayed
        .union(&reverted.unreplayed)
        .cloned()
        .collect();
    let (before, reverted) = (
        comparable(before, reverted, &unreplayed),
        comparable(reverted, before, &unreplayed),
    );
    let mut out: Vec<Difference> = diff(&before, &reverted)
        .into_iter()
        // An index rebuilt `CONCURRENTLY` by the down part is as good as the original.
        .filter(|d| {
            !(d.path.ends_with("/ validity")
                && matches!(
                    (d.before.as_deref(), d.after.as_deref()),
                    (
                        Some("valid" | "concurrent_build"),
                        Some("valid" | "concurrent_build")
                    )
                ))
        })
        .collect();
    // An expression that differs is one difference, named by its SQL: what it references follows
    // from its text.
    let changed_expressions: Vec<String> = out
        .iter()
        .filter_map(|d| d.path.strip_suffix(" / text").map(str::to_string))
        .collect();
    out.retain(|d| {
        !["columns", "functions", "tables"].iter().any(|field| {
            d.path
                .strip_suffix(&format!(" / {field}"))
                .is_some_and(|owner| changed_expressions.iter().any(|e| e == owner))
        })
    });
    for d in &mut out {
        if let Some(owner) = d.path.strip_suffix(" / text") {
            d.path = owner.to_string();
        }
    }
    // Function bodies, compared with whitespace collapsed (overloads by signature).
    let squeeze = |b: &str| b.split_whitespace().collect::<Vec<_>>().join(" ");
    for (signature, body) in &before.function_bodies {
        if let Some(now) = reverted.function_bodies.get(signature) {
            if squeeze(body) != squeeze(now) {
                out.push(Difference {
                    path: format!("functions / {signature} / body"),
                    before: Some(squeeze(body)),
                    after: Some(squeeze(now)),
                });
            }
        }
    }
    out
}

/// A copy of `catalog` ready to compare with `other`: temporary tables and unreplayed objects
/// left out, and the expressions of every table and index that differs from `other`'s rewritten
/// the way the server stores them (objects equal on both sides stay shared and untouched).
fn comparable(catalog: &Catalog, other: &Catalog, unreplayed: &BTreeSet<String>) -> Catalog {
    let mut c = catalog.clone();
    let unknown = |name: &crate::syntax::QualName| unreplayed.contains(&name.name);
    let temporary: BTreeSet<_> = c
        .tables
        .values()
        .filter(|t| t.persistence == Persistence::Temporary || unknown(&t.name))
        .map(|t| t.name.clone())
        .collect();
    if !temporary.is_empty() || !unreplayed.is_empty() {
        c.schemas.remove("pg_temp");
        c.tables.retain(|name, _| !temporary.contains(name));
        c.indexes.retain(|name, i| {
            !temporary.contains(&i.table) && !unknown(name) && !unknown(&i.table)
        });
        c.sequences.retain(|name, s| {
            !unknown(name)
                && !s
                    .owned_by
                    .as_ref()
                    .is_some_and(|(t, _)| temporary.contains(t))
        });
        c.views.retain(|name, _| !unknown(name));
        c.enums.retain(|name, _| !unknown(name));
        c.domains.retain(|name, _| !unknown(name));
        c.functions.retain(|name, _| !unknown(name));
        c.function_bodies.retain(|signature, _| {
            !unreplayed.iter().any(|n| {
                signature
                    .split('(')
                    .next()
                    .is_some_and(|qualified| qualified.rsplit('.').next() == Some(n.as_str()))
            })
        });
    }
    let differing: Vec<_> = c
        .tables
        .iter()
        .filter(|(name, table)| other.tables.get(*name).is_some_and(|o| o != *table))
        .map(|(name, _)| name.clone())
        .collect();
    for name in differing {
        c.tables.modify(&name, |table| normalize_table(table));
    }
    let differing: Vec<_> = c
        .indexes
        .iter()
        .filter(|(name, index)| other.indexes.get(*name).is_some_and(|o| o != *index))
        .map(|(name, _)| name.clone())
        .collect();
    for name in differing {
        let Some(table) = c.indexes.get(&name).map(|i| i.table.clone()) else {
            continue;
        };
        let column_type = |column: &str| {
            c.table(&table)
                .and_then(|t| t.column(column))
                .map(|col| col.type_name.name.clone())
        };
        let types: Vec<Option<String>> = c.indexes[&name]
            .keys
            .iter()
            .map(|k| match k {
                IndexKey::Expression { expr } if expr.columns.len() == 1 => {
                    column_type(&expr.columns[0])
                }
                _ => None,
            })
            .collect();
        c.indexes.modify(&name, |index| {
            for (key, column_type) in index.keys.iter_mut().zip(types) {
                if let IndexKey::Expression { expr } = key {
                    normalize(expr);
                    // `date(d)` on a `date` column is a cast to the column's own type, which the
                    // server drops: the key is the column.
                    if let Some(column_type) = column_type {
                        let column = &expr.columns[0];
                        if expr.text == format!("{column_type}({column})") {
                            *key = IndexKey::Column {
                                name: column.clone(),
                            };
                        }
                    }
                }
            }
            if let Some(p) = index.predicate.as_mut() {
                normalize(p);
            }
        });
    }
    c
}

fn normalize(expr: &mut Expr) {
    if let Some(normalized) = normalized_expr(&expr.text) {
        *expr = normalized;
    }
}

/// A `serial` column is an integer column with a `nextval` default (the flag is how it was
/// written, not what the server keeps); defaults, generated columns and `CHECK` expressions as
/// the server stores them.
fn normalize_table(table: &mut Table) {
    for column in &mut table.columns {
        column.serial = false;
        for e in [column.default.as_mut(), column.generated.as_mut()]
            .into_iter()
            .flatten()
        {
            normalize(e);
        }
    }
    for constraint in &mut table.constraints {
        if let crate::syntax::ConstraintKind::Check { expr } = &mut constraint.kind {
            normalize(expr);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::parse_sql;

    fn replay(catalog: &mut Catalog, sql: &str) {
        for stmt in parse_sql(sql).statements {
            apply(catalog, &stmt.kind);
        }
    }

    /// The schema before `up`, and after `up` then `down`, on top of `setup`.
    fn round_trip(setup: &str, up: &str, down: &str) -> Vec<String> {
        let mut before = Catalog::new();
        replay(&mut before, setup);
        let mut after = before.clone();
        replay(&mut after, up);
        let by_up = changes(differences(&before, &after));
        let mut reverted = after;
        replay(&mut reverted, down);
        differences(&before, &reverted)
            .iter()
            .map(|d| describe(d, touched(&by_up, d)))
            .collect()
    }

    /// A difference the up part did not make is the down part's own doing, and is said so (a
    /// down part written for another migration adds or removes what the up part never touched).
    #[test]
    fn what_the_down_part_does_on_its_own_is_named_as_its_doing() {
        let setup = "CREATE TABLE notes (id int, title text)";
        assert_eq!(
            round_trip(setup, "SELECT 1", "ALTER TABLE notes ADD COLUMN body text"),
            ["`tables / public.notes / columns / body` is added by the down part (it did not exist before the migration)"]
        );
        // A table dropped whole holds what the down part leaves out when it makes it again.
        assert_eq!(
            round_trip(
                setup,
                "DROP TABLE notes",
                "CREATE TABLE notes (id int)"
            ),
            ["`tables / public.notes / columns / title` is missing (the down part does not restore it)"]
        );
        assert_eq!(
            round_trip(
                setup,
                "DROP TABLE notes",
                "CREATE TABLE notes (id int, title text, body text)"
            ),
            ["`tables / public.notes / columns / body` is added by the down part (it did not exist before the migration)"]
        );
        assert_eq!(
            round_trip(
                setup,
                "ALTER TABLE notes ADD COLUMN body text",
                "ALTER TABLE notes DROP COLUMN title"
            ),
            [
                "`tables / public.notes / columns / title` is removed by the down part (it existed before the migration)",
                "`tables / public.notes / columns / body` is left behind (the down part does not remove it)"
            ]
        );
    }

    #[test]
    fn a_default_in_the_servers_spelling_is_the_same_default() {
        let setup = "CREATE TABLE t (id int, mood varchar(10) DEFAULT 'calm', n bigint DEFAULT 0)";
        let up = "ALTER TABLE t ALTER COLUMN mood DROP DEFAULT, ALTER COLUMN n DROP DEFAULT";
        let down = "ALTER TABLE t ALTER COLUMN mood SET DEFAULT 'calm'::character varying, \
                    ALTER COLUMN n SET DEFAULT '0'::bigint";
        assert_eq!(round_trip(setup, up, down), Vec::<String>::new());
        // A different value is still a difference.
        let down = "ALTER TABLE t ALTER COLUMN mood SET DEFAULT 'sad'::character varying, \
                    ALTER COLUMN n SET DEFAULT 0";
        assert_eq!(
            round_trip(setup, up, down),
            ["`tables / public.t / columns / mood / default` was `'calm'`, is `'sad'`"]
        );
    }

    /// The reason names the expression by its SQL, not by the JSON of pgproof's model.
    #[test]
    fn a_lost_default_is_named_by_its_sql() {
        let got = round_trip(
            "CREATE TABLE t (id int, mood text DEFAULT 'calm')",
            "ALTER TABLE t ALTER COLUMN mood DROP DEFAULT",
            "SELECT 1",
        );
        assert_eq!(
            got,
            ["`tables / public.t / columns / mood / default` was `'calm'`, is `none`"]
        );
    }

    #[test]
    fn a_changed_function_body_is_named_and_layout_is_not() {
        let setup = "CREATE FUNCTION f(a int) RETURNS int LANGUAGE sql AS $$ SELECT a + 1 $$";
        let up =
            "CREATE OR REPLACE FUNCTION f(a int) RETURNS int LANGUAGE sql AS $$ SELECT a + 2 $$";
        let restored = "CREATE OR REPLACE FUNCTION f(a int) RETURNS int LANGUAGE sql AS $$
            SELECT a + 1
        $$";
        assert_eq!(round_trip(setup, up, restored), Vec::<String>::new());
        let got = round_trip(setup, up, "SELECT 1");
        assert_eq!(got.len(), 1, "{got:?}");
        assert!(got[0].contains("/ body` differs"), "{got:?}");
    }
}
