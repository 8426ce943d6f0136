//! `nullable-required-column`: a column the schema itself treats as always set, but which accepts NULL.

use super::*;
use crate::catalog::{Column, Index, Table};
use crate::syntax::{quote_ident, ConstraintKind, FkAction, IndexKey};
use std::collections::HashMap;

declare_rule! {
    NullableRequiredColumn {
        id: "nullable-required-column",
        category: Schema,
        severity: Info,
        fix: Recipe(ChangesSchema),
    }
}

/// Why the schema treats a column as required.
enum Evidence {
    /// A non-NULL default: every insert that omits it gets a value.
    Default(String),
    /// Part of a multi-column unique key, which NULL silently switches off for that row.
    UniqueKey(String),
    /// The referencing column of an `ON DELETE CASCADE` foreign key: the row belongs to its parent.
    OwnedBy(QualName),
}

impl Rule for NullableRequiredColumn {
    fn check_schema(&self, cx: &SchemaContext<'_>, out: &mut Vec<Diagnostic>) {
        // Multi-column unique indexes that back no constraint, by table, in the catalog's order:
        // looked up per column, so they are gathered once rather than scanned for each column.
        let mut unique_indexes: HashMap<&QualName, Vec<&Index>> = HashMap::new();
        for index in cx.catalog.indexes.values().filter(|i| {
            i.unique && i.constraint.is_none() && i.predicate.is_none() && i.keys.len() > 1
        }) {
            unique_indexes.entry(&index.table).or_default().push(index);
        }
        for table in cx.catalog.logical_tables() {
            let indexes = unique_indexes
                .get(&table.name)
                .map_or(&[][..], Vec::as_slice);
            for column in table.columns.iter().filter(|c| !never_null(table, c)) {
                let Some(evidence) = evidence(table, column, indexes) else {
                    continue;
                };
                let why = match &evidence {
                    Evidence::Default(default) => format!(
                        "has a default (`{default}`), so the schema treats it as always set, yet an explicit NULL in an insert or an update is stored"
                    ),
                    Evidence::UniqueKey(key) => format!(
                        "is part of the unique key {key}, where a row with NULL here is never a duplicate: any number of such rows pass the key"
                    ),
                    Evidence::OwnedBy(parent) => format!(
                        "references `{parent}` with `ON DELETE CASCADE` (its rows belong to a parent), yet a row with no parent at all is accepted"
                    ),
                };
                let t = &table.name;
                let c = quote_ident(&column.name);
                out.push(
                    Diagnostic::about(
                        META.id,
                        t.clone(),
                        Some(Member::Column(column.name.clone())),
                        format!("`{}` allows NULL but {why}", column_ref(t, &column.name)),
                    )
                    .help("make it `NOT NULL` without a long lock: add a `CHECK (... IS NOT NULL) NOT VALID`, validate it, then `SET NOT NULL` (PostgreSQL 12+ uses the validated check and skips the scan) and drop the check")
                    .fix(
                        format!(
                            "UPDATE {t} SET {c} = ... WHERE {c} IS NULL;  -- backfill first, in batches\nALTER TABLE {t} ADD CONSTRAINT {chk} CHECK ({c} IS NOT NULL) NOT VALID;\nALTER TABLE {t} VALIDATE CONSTRAINT {chk};\nALTER TABLE {t} ALTER COLUMN {c} SET NOT NULL;\nALTER TABLE {t} DROP CONSTRAINT {chk};",
                            chk = quote_ident(&format!("{}_{}_not_null", t.name, column.name))
                        ),
                        crate::finding::Applicability::DisplayOnly,
                    ),
                );
            }
        }
    }
}

/// NOT NULL, a primary key column, or a validated `CHECK (col IS NOT NULL)`.
fn never_null(table: &Table, column: &Column) -> bool {
    if column.not_null || column.identity.is_some() || column.generated.is_some() {
        return true;
    }
    let check = format!("{} is not null", quote_ident(&column.name)).to_lowercase();
    table.constraints.iter().any(|con| match &con.kind {
        ConstraintKind::PrimaryKey { columns } => columns.contains(&column.name),
        ConstraintKind::NotNull { column: c } => c == &column.name,
        ConstraintKind::Check { expr } => {
            con.validated
                && expr
                    .text
                    .trim_matches(|ch| ch == '(' || ch == ')')
                    .to_lowercase()
                    == check
        }
        _ => false,
    })
}

/// Why `column` of `table` should be NOT NULL, if anything says so; `unique_indexes` are the
/// table's multi-column unique indexes that back no constraint.
fn evidence(table: &Table, column: &Column, unique_indexes: &[&Index]) -> Option<Evidence> {
    if let Some(default) = &column.default {
        let text = default.text.trim();
        if !text.eq_ignore_ascii_case("null") && !text.to_ascii_lowercase().starts_with("null::") {
            return Some(Evidence::Default(text.to_string()));
        }
    }
    for con in &table.constraints {
        match &con.kind {
            ConstraintKind::Unique {
                columns,
                nulls_not_distinct: false,
            } if columns.len() > 1 && columns.contains(&column.name) => {
                return Some(Evidence::UniqueKey(format!(
                    "`{}` ({})",
                    quote_ident(&con.name),
                    columns.join(", ")
                )));
            }
            ConstraintKind::ForeignKey {
                columns,
                ref_table,
                on_delete: FkAction::Cascade,
                ..
            } if columns.contains(&column.name) => {
                return Some(Evidence::OwnedBy(ref_table.clone()));
            }
            _ => {}
        }
    }
    // Unique indexes that back no constraint (constraints were handled above).
    unique_indexes
        .iter()
        .find(|i| {
            i.keys
                .iter()
                .any(|k| matches!(k, IndexKey::Column { name } if name == &column.name))
        })
        .map(|i| {
            let keys: Vec<String> = i
                .keys
                .iter()
                .map(|k| match k {
                    IndexKey::Column { name } => name.clone(),
                    IndexKey::Expression { expr } => expr.text.clone(),
                })
                .collect();
            Evidence::UniqueKey(format!("index `{}` ({})", i.name, keys.join(", ")))
        })
}
