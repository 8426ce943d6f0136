//! `enum-like-column-without-check`: a `status`/`state`/`kind` text column that accepts any string.

use super::*;
use crate::catalog::ColumnValues;
use crate::syntax::{quote_ident, ConstraintKind};

declare_rule! {
    EnumLikeColumnWithoutCheck {
        id: "enum-like-column-without-check",
        category: Schema,
        severity: Info,
        fix: Guidance,
    }
}

/// Whether a CHECK lists the values of `column` (`status IN ('a', 'b')`, or the server's
/// `status = ANY (ARRAY[...])`).
fn lists_values(expr: &crate::syntax::Expr, column: &str) -> bool {
    let text = expr.text.to_ascii_lowercase();
    expr.columns.iter().any(|c| c == column)
        && (text.contains(" in (") || text.contains("any (array["))
}

/// Whether sampled values look like a small closed set of labels: few distinct values, the common
/// values cover nearly every row, and each is a short word (not an address, a path or a MIME type).
fn closed_set(values: &ColumnValues, rows: Option<f64>) -> Option<String> {
    let distinct = if values.n_distinct > 0.0 {
        values.n_distinct
    } else {
        -values.n_distinct * rows?
    };
    let covered: f64 = values.common_values.iter().map(|(_, f)| f).sum();
    let label = |v: &str| {
        !v.is_empty()
            && v.chars().count() <= 40
            && v.chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | ' '))
    };
    if !(1.0..=20.0).contains(&distinct)
        || covered < 0.95
        || !values.common_values.iter().all(|(v, _)| label(v))
    {
        return None;
    }
    let shown: Vec<String> = values
        .common_values
        .iter()
        .take(6)
        .map(|(v, _)| format!("'{v}'"))
        .collect();
    Some(format!(
        "its statistics show {} distinct value(s) ({}{})",
        distinct.round(),
        shown.join(", "),
        if values.common_values.len() > 6 {
            ", ..."
        } else {
            ""
        }
    ))
}

impl Rule for EnumLikeColumnWithoutCheck {
    fn check_schema(&self, cx: &SchemaContext<'_>, out: &mut Vec<Diagnostic>) {
        // Per column name, the tables whose checks list that column's values: one scan of the
        // catalog per distinct name, not one per column (every module may have a `status`).
        let mut listing: std::collections::HashMap<&str, Vec<&QualName>> = Default::default();
        for table in cx.catalog.logical_tables() {
            for column in &table.columns {
                let name = column.name.as_str();
                let enum_like = ENUM_LIKE_NAMES.contains(&name)
                    || ENUM_LIKE_NAMES
                        .iter()
                        .any(|e| name.ends_with(&format!("_{e}")));
                let textual = matches!(
                    column.type_name.name.as_str(),
                    "text" | "varchar" | "bpchar" | "citext"
                ) && column.type_name.schema.is_none()
                    && !column.type_name.array;
                if !enum_like || !textual {
                    continue;
                }
                let constrained = table.constraints.iter().any(|c| match &c.kind {
                    ConstraintKind::Check { expr } => expr.columns.iter().any(|x| x == name),
                    ConstraintKind::ForeignKey { columns, .. } => columns.iter().any(|x| x == name),
                    _ => false,
                });
                if constrained {
                    continue;
                }
                // The name alone is a guess (a `state` may hold addresses, a `type` MIME types):
                // speak only with evidence that the values form a closed set.
                let mut evidence: Vec<String> = vec![];
                match &cx.catalog.statistics {
                    Some(statistics) => {
                        let key = (table.name.clone(), column.name.clone());
                        if let Some(values) = statistics.column_values.get(&key) {
                            match closed_set(values, table.row_estimate) {
                                Some(seen) => evidence.push(seen),
                                // The server has seen the values, and they are no closed set.
                                None => continue,
                            }
                        }
                    }
                    None => {
                        let listed: Vec<String> = listing
                            .entry(name)
                            .or_insert_with(|| {
                                cx.catalog
                                    .logical_tables()
                                    .filter(|other| {
                                        other.constraints.iter().any(|c| {
                                            matches!(&c.kind, ConstraintKind::Check { expr } if lists_values(expr, name))
                                        })
                                    })
                                    .map(|other| &other.name)
                                    .collect()
                            })
                            .iter()
                            .filter(|other| **other != &table.name)
                            .map(|other| format!("`{}`", column_ref(other, name)))
                            .take(3)
                            .collect();
                        if !listed.is_empty() {
                            evidence.push(format!(
                                "{} of the same name list their values",
                                listed.join(", ")
                            ));
                        }
                    }
                }
                let mut queries: Vec<&str> = cx
                    .query_literals
                    .iter()
                    .filter(|((t, c), _)| *t == table.name && c == name)
                    .map(|(_, label)| label.as_str())
                    .collect();
                queries.sort();
                queries.dedup();
                if !queries.is_empty() {
                    evidence.push(format!(
                        "{} compare(s) it with literal values",
                        queries.into_iter().take(3).collect::<Vec<_>>().join(", ")
                    ));
                }
                if evidence.is_empty() {
                    continue;
                }
                let c = quote_ident(name);
                out.push(
                    Diagnostic::about(
                        META.id,
                        table.name.clone(),
                        Some(Member::Column(column.name.clone())),
                        format!(
                            "`{}` holds a fixed set of values ({}) but is `{}` with no CHECK, enum type or foreign key: a typo or an old release's spelling is stored as a new state that no code handles",
                            column_ref(&table.name, name),
                            evidence.join("; "),
                            column.type_name
                        ),
                    )
                    .help(format!(
                        "list the values: `CHECK ({c} IN ('...', '...')) NOT VALID` then `VALIDATE CONSTRAINT`, or a foreign key to a lookup table when the set changes often"
                    )),
                );
            }
        }
    }
}
