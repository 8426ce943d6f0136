//! `missing-foreign-key`: a column that by its name and type references another table's key, with
//! no foreign key to enforce it.

use super::*;
use crate::catalog::{Catalog, Table};
use crate::finding::Applicability;
use crate::syntax::{quote_ident, ConstraintKind};

declare_rule! {
    MissingForeignKey {
        id: "missing-foreign-key",
        category: Schema,
        severity: Warning,
        fix: Recipe(ChangesSchema),
    }
}

/// Table names a `<stem>_id` column may point to, most likely first.
fn candidates(stem: &str) -> Vec<String> {
    let mut out = vec![stem.to_string(), format!("{stem}s"), format!("{stem}es")];
    if let Some(base) = stem.strip_suffix('y') {
        out.push(format!("{base}ies"));
    }
    out
}

/// The single-column primary key of `table` and its type, without serial sugar.
fn single_key(table: &Table) -> Option<(&str, TypeName)> {
    let pk = table.primary_key_columns();
    let [column] = pk.as_slice() else { return None };
    let col = table.column(column)?;
    let ty = if col.type_name.is_serial() {
        col.type_name.serial_base()
    } else {
        col.type_name.clone()
    };
    Some((col.name.as_str(), ty))
}

/// The role a column's name gives a reference to a row of `table` itself: `parent_id` ("parent"),
/// `previous_invoice_id` in `invoices` ("previous"), `<role>_<table>_id`.
fn role_name(column: &str, table: &QualName) -> Option<String> {
    let stem = column.strip_suffix("_id")?;
    if stem == "parent" {
        return Some("parent".into());
    }
    // `<role>_<entity>` where `<entity>` names the table (singular or plural).
    stem.match_indices('_').find_map(|(at, _)| {
        let (role, entity) = (&stem[..at], &stem[at + 1..]);
        (!role.is_empty() && candidates(entity).contains(&table.name))
            .then(|| role.replace('_', " "))
    })
}

fn has_fk_on(table: &Table, column: &str) -> bool {
    table.constraints.iter().any(|c| {
        matches!(&c.kind, ConstraintKind::ForeignKey { columns, .. } if columns.first().map(String::as_str) == Some(column))
    })
}

/// Views that read both tables and the column: evidence that the application joins them.
fn joining_views(catalog: &Catalog, a: &QualName, b: &QualName, column: &str) -> Vec<String> {
    catalog
        .views
        .values()
        .filter(|v| {
            v.reads.contains(a) && v.reads.contains(b) && v.columns_read.iter().any(|c| c == column)
        })
        .map(|v| format!("`{}`", v.name))
        .collect()
}

/// Queries that join `table.column` to `target.key`.
fn joining_queries(
    cx: &SchemaContext<'_>,
    table: &QualName,
    column: &str,
    target: &QualName,
    key: &str,
) -> Vec<String> {
    let mut out: Vec<String> = cx
        .query_joins
        .iter()
        .filter(|(p, _)| {
            let a = (table.clone(), column.to_string());
            let b = (target.clone(), key.to_string());
            (p.left == a && p.right == b) || (p.left == b && p.right == a)
        })
        .map(|(_, label)| label.clone())
        .collect();
    out.sort();
    out.dedup();
    out
}

impl Rule for MissingForeignKey {
    fn check_schema(&self, cx: &SchemaContext<'_>, out: &mut Vec<Diagnostic>) {
        let mut reported: std::collections::BTreeSet<(QualName, String)> = Default::default();
        // A partition's columns are its parent's: report the parent's.
        for table in cx.catalog.logical_tables() {
            for column in &table.columns {
                let Some(stem) = column.name.strip_suffix("_id").filter(|s| !s.is_empty()) else {
                    continue;
                };
                if has_fk_on(table, &column.name) || column.type_name.array {
                    continue;
                }
                let own_type = if column.type_name.is_serial() {
                    column.type_name.serial_base()
                } else {
                    column.type_name.clone()
                };
                let target = candidates(stem)
                    .into_iter()
                    .enumerate()
                    .find_map(|(rank, name)| {
                        let qual = QualName::new(table.name.schema.clone(), name);
                        let target = cx.catalog.table(&qual)?;
                        let (key, key_type) = single_key(target)?;
                        let same_type = TypeName {
                            mods: vec![],
                            ..key_type.clone()
                        } == TypeName {
                            mods: vec![],
                            ..own_type.clone()
                        };
                        same_type.then(|| (rank, target, key.to_string(), key_type))
                    });
                let Some((rank, target, key, key_type)) = target else {
                    continue;
                };
                // A column named after its own table (`triggers.trigger_id`) is the row's own
                // identifier, not a reference to another row (those have role names, below).
                if target.name == table.name {
                    continue;
                }
                // `<x>_id` where `x` has an `id` or `<x>_id` column that is not its key more
                // likely holds that column (which no foreign key can reference) than the key.
                if [column.name.as_str(), "id"]
                    .iter()
                    .any(|c| *c != key && target.column(c).is_some())
                {
                    continue;
                }
                let mut views = joining_views(cx.catalog, &table.name, &target.name, &column.name);
                views.extend(joining_queries(
                    cx,
                    &table.name,
                    &column.name,
                    &target.name,
                    &key,
                ));
                let confidence = if rank == 0 || !views.is_empty() {
                    "high"
                } else {
                    "medium"
                };
                let mut evidence = vec![
                    format!("the name `{}` matches table `{}`", column.name, target.name),
                    if own_type == key_type {
                        format!("the type `{key_type}` matches its key `{key}`")
                    } else {
                        format!("the type `{own_type}` is that of its key `{key}` (`{key_type}`)")
                    },
                ];
                if !views.is_empty() {
                    evidence.push(format!("{} join(s) the two tables", views.join(", ")));
                }
                reported.insert((table.name.clone(), column.name.clone()));
                out.push(report(
                    table,
                    &column.name,
                    &target.name,
                    &key,
                    confidence,
                    &evidence,
                ));
            }
        }
        // Joins in views: `a.x = b.key` where `b.key` is b's single-column key and `a.x` has no
        // foreign key, whatever `x` is called.
        let mut joined: std::collections::BTreeMap<
            (QualName, String),
            (QualName, String, Vec<String>),
        > = Default::default();
        let view_joins = cx.catalog.views.values().flat_map(|v| {
            v.joins
                .iter()
                .map(move |p| (p, format!("view `{}`", v.name)))
        });
        let query_joins = cx.query_joins.iter().map(|(p, label)| (p, label.clone()));
        for (pair, source_label) in view_joins.chain(query_joins) {
            {
                for (from, to) in [(&pair.left, &pair.right), (&pair.right, &pair.left)] {
                    let (Some(source), Some(target)) =
                        (cx.catalog.table(&from.0), cx.catalog.table(&to.0))
                    else {
                        continue;
                    };
                    let Some((key, key_type)) = single_key(target) else {
                        continue;
                    };
                    let Some(column) = source.column(&from.1) else {
                        continue;
                    };
                    let own_type = if column.type_name.is_serial() {
                        column.type_name.serial_base()
                    } else {
                        column.type_name.clone()
                    };
                    let same_type = TypeName {
                        mods: vec![],
                        ..key_type.clone()
                    } == TypeName {
                        mods: vec![],
                        ..own_type
                    };
                    if key != to.1
                        || !same_type
                        || has_fk_on(source, &column.name)
                        || single_key(source).is_some_and(|(k, _)| k == column.name)
                        || reported.contains(&(source.name.clone(), column.name.clone()))
                    {
                        continue;
                    }
                    joined
                        .entry((source.name.clone(), column.name.clone()))
                        .or_insert_with(|| (target.name.clone(), key.to_string(), vec![]))
                        .2
                        .push(source_label.clone());
                }
            }
        }
        for ((table, column), (target, key, mut views)) in joined {
            views.sort();
            views.dedup();
            let Some(source) = cx.catalog.table(&table) else {
                continue;
            };
            let mut evidence = vec![
                format!(
                    "{} join(s) `{}` to `{target}.{}`",
                    views.join(", "),
                    column_ref(&table, &column),
                    quote_ident(&key)
                ),
                "the types match".to_string(),
            ];
            // A role-named reference to the row's own table (`parent_id`, `previous_invoice_id`)
            // that a self-join follows: the name and the join agree.
            let confidence = match role_name(&column, &table) {
                Some(role) if target == table => {
                    evidence.insert(
                        0,
                        format!("the name `{column}` names the {role} row of `{table}` itself"),
                    );
                    "high"
                }
                _ => "medium",
            };
            out.push(report(
                source, &column, &target, &key, confidence, &evidence,
            ));
        }
    }
}

fn report(
    table: &Table,
    column: &str,
    target: &QualName,
    key: &str,
    confidence: &str,
    evidence: &[String],
) -> Diagnostic {
    let t = &table.name;
    let c = quote_ident(column);
    let fk = sql_object_name(&t.name, Some(column), "fkey");
    Diagnostic::about(
        META.id,
        table.name.clone(),
        Some(Member::Column(column.to_string())),
        format!(
            "`{}` looks like a reference to `{target}.{}` ({confidence} confidence: {}) but has no foreign key: nothing stops rows pointing at deleted or never-existing `{target}` rows",
            column_ref(t, column),
            quote_ident(key),
            evidence.join("; "),
        ),
    )
    .help("add the foreign key `NOT VALID` (instant), clean up orphans, then validate it; index the column too")
    .fix_adding_foreign_key(
        format!(
            "ALTER TABLE {t} ADD CONSTRAINT {fk} FOREIGN KEY ({c}) REFERENCES {target} ({}) NOT VALID;\n-- after removing orphans, in a separate transaction:\nALTER TABLE {t} VALIDATE CONSTRAINT {fk};",
            quote_ident(key)
        ),
        Applicability::Unsafe,
        target.clone(),
    )
}
