//! `missing-foreign-key`: a column that by its name and type references another table's key, with
//! no foreign key to enforce it.

use super::*;
use crate::catalog::{Catalog, Table};
use crate::finding::Applicability;
use crate::syntax::{quote_ident, ConstraintKind};

pub struct MissingForeignKey;

static META: RuleMeta = RuleMeta {
    id: "missing-foreign-key",
    category: Category::Schema,
    severity: Severity::Warning,
    fix: FixKind::Recipe,
    doc: include_str!("../../lints/missing-foreign-key.md"),
    doc_examples: true,
};

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

impl Rule for MissingForeignKey {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_schema(&self, cx: &SchemaContext<'_>, out: &mut Vec<SchemaDiagnostic>) {
        for table in cx.catalog.tables.values() {
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
                // The table's own key pointing at itself is not a reference.
                if target.name == table.name && key == column.name {
                    continue;
                }
                let views = joining_views(cx.catalog, &table.name, &target.name, &column.name);
                let confidence = if rank == 0 || !views.is_empty() {
                    "high"
                } else {
                    "medium"
                };
                let mut evidence = vec![
                    format!("the name `{}` matches table `{}`", column.name, target.name),
                    format!("the type `{key_type}` matches its key `{key}`"),
                ];
                if !views.is_empty() {
                    evidence.push(format!("{} join(s) the two tables", views.join(", ")));
                }
                let t = &table.name;
                let c = quote_ident(&column.name);
                let fk = sql_object_name(&t.name, Some(&column.name), "fkey");
                out.push(SchemaDiagnostic {
                    table: table.name.clone(),
                    member: Some(Member::Column(column.name.clone())),
                    diagnostic: Diagnostic::new(
                        META.id,
                        Span::default(),
                        format!(
                            "`{}` looks like a reference to `{}.{}` ({confidence} confidence: {}) but has no foreign key: nothing stops rows pointing at deleted or never-existing `{}` rows",
                            column_ref(t, &column.name),
                            target.name,
                            quote_ident(&key),
                            evidence.join("; "),
                            target.name
                        ),
                    )
                    .help("add the foreign key `NOT VALID` (instant), clean up orphans, then validate it; index the column too")
                    .fix(
                        format!(
                            "ALTER TABLE {t} ADD CONSTRAINT {fk} FOREIGN KEY ({c}) REFERENCES {} ({}) NOT VALID;\n-- after removing orphans, in a separate transaction:\nALTER TABLE {t} VALIDATE CONSTRAINT {fk};",
                            target.name,
                            quote_ident(&key)
                        ),
                        Applicability::Unsafe,
                    ),
                });
            }
        }
    }
}
