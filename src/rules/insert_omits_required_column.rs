//! `insert-omits-required-column`: an INSERT leaves out a `NOT NULL` column that has no default,
//! so every execution fails with a not-null violation.

use super::*;
use crate::catalog::{Catalog, Table};
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
            out.push(
                Diagnostic::new(
                    META.id,
                    span,
                    format!(
                        "{}: inserts into `{}` without {list}, which {} `NOT NULL` with no default: every execution fails with a not-null violation",
                        query.label(cx.files),
                        table.name,
                        if missing.len() == 1 { "is" } else { "are" }
                    ),
                )
                .help("write the column in the INSERT, or give it a default in a migration")
                .at(Anchor::File(query.file)),
            );
        }
    }
}
