//! `insert-omits-required-column`: an INSERT leaves out a `NOT NULL` column that has no default,
//! so every execution fails with a not-null violation.

use super::*;
use crate::catalog::{Catalog, Table, Trigger};
use crate::queries::Query;

declare_rule! {
    InsertOmitsRequiredColumn {
        id: "insert-omits-required-column",
        category: Correctness,
        severity: Error,
        fix: None,
    }
}

/// The NOT NULL columns without a default that `query`'s INSERT does not write.
pub(crate) fn omitted<'a>(
    query: &Query,
    catalog: &'a Catalog,
) -> Option<(&'a Table, Span, Vec<String>)> {
    let insert = query.shape.insert.as_ref()?;
    let table = catalog.table(&insert.table)?;
    let required = table.columns.iter().filter(|c| {
        c.not_null
            && c.default.is_none()
            && c.identity.is_none()
            && c.generated.is_none()
            && !c.serial
    });
    let missing: Vec<String> = match (&insert.columns, insert.values_width, insert.default_values) {
        (Some(cols), _, _) => required
            .filter(|c| !cols.iter().any(|(n, _)| *n == c.name))
            .map(|c| c.name.clone())
            .collect(),
        (None, _, true) => required.map(|c| c.name.clone()).collect(),
        (None, Some(width), _) => table.columns[width.min(table.columns.len())..]
            .iter()
            .filter(|c| {
                c.not_null
                    && c.default.is_none()
                    && c.identity.is_none()
                    && c.generated.is_none()
                    && !c.serial
            })
            .map(|c| c.name.clone())
            .collect(),
        (None, None, false) => vec![],
    };
    (!missing.is_empty()).then_some((table, insert.table_span, missing))
}

/// A trigger on `table` that may fill the columns an INSERT leaves out before the row is checked:
/// pgproof does not read what a trigger does, so such an insert may still succeed. What this rule
/// and `old-query-breaks` say of it is then a warning ([`unsure_with_trigger`]).
pub(crate) fn filling_trigger(table: &Table) -> Option<&Trigger> {
    table.triggers.iter().find(|t| t.enabled)
}

/// `d` capped at warning, with the note that says why: the trigger `trigger` may fill the column.
pub(crate) fn unsure_with_trigger(d: Diagnostic, trigger: &Trigger) -> Diagnostic {
    d.at_most(Severity::Warning).note(format!(
        "pgproof does not read what the trigger `{}` does, so it cannot tell whether the row is complete when it is checked: a warning, not an error",
        trigger.name
    ))
}

/// The words that end a message about `missing` when `trigger` may fill them.
pub(crate) fn unless_filled(trigger: &Trigger, missing: &[String]) -> String {
    format!(
        "unless the trigger `{}` fills {}",
        trigger.name,
        if missing.len() == 1 { "it" } else { "them" }
    )
}

/// The INSERT that `query` is named as a variant of: one whose name `query`'s extends (`InsertJobs`
/// for `InsertJobsAssumingV1`), into the same table, writing every one of `missing`. A variant kept
/// for another schema (an older one, without the columns) may leave them out on purpose. An
/// unnamed query, or one named otherwise, has no such excuse: a second insert path that was not
/// updated is the very bug the rule is for. (A name alone cannot tell `InsertJobsAssumingV1` from a
/// bulk `InsertJobsMany` that forgot the column: both are warnings, with the reason given.)
fn variant_of<'q>(
    query: &Query,
    queries: &'q [Query],
    table: &Table,
    missing: &[String],
) -> Option<&'q Query> {
    let name = query.name.as_deref()?;
    // The longest such name: the variant's closest relative.
    queries.iter().filter(|other| {
        other.name.as_deref().is_some_and(|base| {
            !base.is_empty() && base.len() < name.len() && name.starts_with(base)
        }) && other.shape.insert.as_ref().is_some_and(|insert| {
            insert.table == table.name
                && insert.columns.as_ref().is_some_and(|cols| {
                    missing.iter().all(|m| cols.iter().any(|(n, _)| n == m))
                })
        })
    })
    .max_by_key(|other| other.name.as_deref().map_or(0, str::len))
}

impl Rule for InsertOmitsRequiredColumn {
    fn check_queries(&self, cx: &QueriesContext<'_>, out: &mut Vec<Diagnostic>) {
        for query in cx.queries {
            let Some((table, span, missing)) = omitted(query, cx.catalog) else {
                continue;
            };
            let list = missing
                .iter()
                .map(|c| format!("`{c}`"))
                .collect::<Vec<_>>()
                .join(", ");
            // What pgproof cannot tell: a trigger may fill the column, and a named variant of a
            // query that writes it may be meant for an older schema. A warning, not an error.
            let trigger = filling_trigger(table);
            let variant = variant_of(query, cx.queries, table, &missing);
            let outcome = match (trigger, variant) {
                (Some(t), _) => format!(
                    "it fails with a not-null violation {}",
                    unless_filled(t, &missing)
                ),
                (None, Some(_)) => {
                    "every execution against this schema fails with a not-null violation".into()
                }
                (None, None) => "every execution fails with a not-null violation".into(),
            };
            let mut d = Diagnostic::new(
                META.id,
                span,
                format!(
                    "{}: inserts into `{}` without {list}, which {} `NOT NULL` with no default: {outcome}",
                    query.label(cx.files),
                    table.name,
                    if missing.len() == 1 { "is" } else { "are" }
                ),
            )
            .help("write the column in the INSERT, or give it a default in a migration")
            .at(Anchor::File(query.file));
            if let Some(t) = trigger {
                d = unsure_with_trigger(d, t);
            } else if let Some(base) = variant {
                d = d.at_most(Severity::Warning).note(format!(
                    "the query is named as a variant of {}, which writes {list}: a variant kept for another schema (one from before the column existed) may leave it out on purpose and never run against this one; pgproof cannot tell, so this is a warning",
                    base.label(cx.files)
                ));
            }
            out.push(d);
        }
    }
}
