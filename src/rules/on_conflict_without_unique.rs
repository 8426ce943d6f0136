//! `on-conflict-without-unique`: `INSERT ... ON CONFLICT (cols)` with no unique index or
//! constraint on exactly those columns: PostgreSQL rejects the statement at runtime.

use super::*;
use crate::catalog::Catalog;
use super::index_advice::{index_applies, split_and};
use crate::queries::Query;
use crate::syntax::{quote_ident, ConstraintKind, IndexKey};

declare_rule! {
    OnConflictWithoutUnique {
        id: "on-conflict-without-unique",
        category: Correctness,
        severity: Error,
        fix: Guidance,
    }
}

/// Why `query`'s ON CONFLICT target has no arbiter, if it has none.
pub(crate) fn conflict_problem(
    query: &Query,
    catalog: &Catalog,
) -> Option<(Span, String, Option<String>)> {
    let insert = query.shape.insert.as_ref()?;
    let conflict = insert.on_conflict.as_ref()?;
    let table = catalog.table(&insert.table)?;
    if let Some(name) = &conflict.constraint {
        let ok = table.constraint(name).is_some_and(|c| {
            matches!(
                c.kind,
                ConstraintKind::PrimaryKey { .. }
                    | ConstraintKind::Unique { .. }
                    | ConstraintKind::Exclude { .. }
            )
        });
        return (!ok).then(|| {
            (conflict.span, format!("`ON CONFLICT ON CONSTRAINT {name}`: `{}` has no unique or exclusion constraint of that name", table.name), None)
        });
    }
    if conflict.columns.is_empty() && conflict.exprs.is_empty() {
        return None; // DO NOTHING without a target: any unique violation.
    }
    let mut wanted: Vec<String> = conflict
        .columns
        .iter()
        .map(|c| c.to_string())
        .chain(conflict.exprs.iter().cloned())
        .collect();
    wanted.sort();
    // A partial index is an arbiter when each part of its predicate is among the `AND`ed parts
    // of `ON CONFLICT (...) WHERE`.
    let conditions: Vec<String> = conflict
        .predicate
        .as_deref()
        .map(split_and)
        .unwrap_or_default();
    let arbiter = catalog.indexes_on(&table.name).any(|i| {
        let mut keys: Vec<String> = i
            .keys
            .iter()
            .map(|k| match k {
                IndexKey::Column { name } => name.clone(),
                IndexKey::Expression { expr } => expr.text.clone(),
            })
            .collect();
        keys.sort();
        i.unique && keys == wanted && index_applies(i, conditions.iter().map(String::as_str))
    });
    if arbiter {
        return None;
    }
    let cols = conflict
        .columns
        .iter()
        .map(|c| quote_ident(c))
        .collect::<Vec<_>>()
        .join(", ");
    let fix = (!conflict.columns.is_empty() && conflict.exprs.is_empty()).then(|| {
        format!(
            "CREATE UNIQUE INDEX CONCURRENTLY {} ON {} ({cols});",
            quote_ident(&format!(
                "{}_{}_key",
                table.name.name,
                conflict.columns.join("_")
            )),
            table.name
        )
    });
    Some((
        conflict.span,
        format!(
            "`ON CONFLICT ({})`: no unique index or constraint on `{}` has exactly these columns{}, so PostgreSQL rejects the statement (\"there is no unique or exclusion constraint matching the ON CONFLICT specification\")",
            if cols.is_empty() { wanted.join(", ") } else { cols },
            table.name,
            if conflict.predicate.is_some() { " and this predicate" } else { "" }
        ),
        fix,
    ))
}

impl Rule for OnConflictWithoutUnique {
    fn check_queries(&self, cx: &QueriesContext<'_>, out: &mut Vec<Diagnostic>) {
        if cx.indexes_not_modelled() {
            return;
        }
        for query in cx.queries {
            let Some((span, message, fix)) = conflict_problem(query, cx.catalog) else {
                continue;
            };
            let mut d = Diagnostic::new(META.id, span, format!("{}: {message}", query.label(cx.files)))
                .help("add the unique index (concurrently) in a migration, or change the conflict target to an existing unique key");
            if let Some(fix) = fix {
                d = d.fix(fix, crate::finding::Applicability::Unsafe);
            }
            // The unique index may exist in the database but not in a code generation schema.
            out.push(
                cx.unless_codegen_schema(d)
                .at(Anchor::File(query.file)),
            );
        }
    }
}
