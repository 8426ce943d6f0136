//! `natural-key-without-unique`: a column that names a natural key (email, username, slug, ...)
//! with no unique constraint or index.

use super::*;
use crate::catalog::Table;
use crate::finding::Applicability;
use crate::syntax::{quote_ident, ConstraintKind, IndexKey};

pub struct NaturalKeyWithoutUnique;

static META: RuleMeta = RuleMeta {
    id: "natural-key-without-unique",
    category: Category::Schema,
    severity: Severity::Warning,
    fix: FixKind::Recipe,
    doc: include_str!("../../lints/natural-key-without-unique.md"),
    doc_examples: true,
};

/// Column names that identify a row in the real world.
const NATURAL_KEYS: &[&str] = &[
    "email",
    "email_address",
    "username",
    "user_name",
    "login",
    "slug",
    "handle",
    "external_id",
    "sku",
];

/// Table names (parts) whose rows are people or accounts, where an email is a login.
const PEOPLE_TABLES: &[&str] = &[
    "user",
    "account",
    "member",
    "customer",
    "person",
    "people",
    "subscriber",
    "admin",
    "identit",
    "login",
    "profile",
];

/// Whether a unique constraint or unique index includes `column` (as a key or in an expression).
fn is_unique_somewhere(cx: &SchemaContext<'_>, table: &Table, column: &str) -> bool {
    let in_constraint = table.constraints.iter().any(|c| match &c.kind {
        ConstraintKind::PrimaryKey { columns } | ConstraintKind::Unique { columns, .. } => {
            columns.iter().any(|k| k == column)
        }
        ConstraintKind::Exclude { elements, .. } => elements.iter().any(|k| k == column),
        _ => false,
    });
    in_constraint
        || cx.catalog.indexes_on(&table.name).any(|i| {
            i.unique
                && i.keys.iter().any(|k| match k {
                    IndexKey::Column { name } => name == column,
                    IndexKey::Expression { expr } => expr.columns.iter().any(|c| c == column),
                })
        })
}

impl Rule for NaturalKeyWithoutUnique {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_schema(&self, cx: &SchemaContext<'_>, out: &mut Vec<SchemaDiagnostic>) {
        for table in cx.catalog.logical_tables() {
            // An email identifies a person's account, not an organisation's contact address.
            let holds_people = PEOPLE_TABLES
                .iter()
                .any(|p| table.name.name.to_ascii_lowercase().contains(p));
            for column in &table.columns {
                if !NATURAL_KEYS.contains(&column.name.as_str())
                    || (column.name.starts_with("email") && !holds_people)
                    || is_unique_somewhere(cx, table, &column.name)
                {
                    continue;
                }
                let t = &table.name;
                let c = quote_ident(&column.name);
                let index = sql_object_name(&t.name, Some(&column.name), "key");
                let key = if column.name.starts_with("email") {
                    format!("lower({c})")
                } else {
                    c.clone()
                };
                out.push(SchemaDiagnostic {
                    table: t.clone(),
                    member: Some(Member::Column(column.name.clone())),
                    diagnostic: Diagnostic::new(
                        META.id,
                        Span::default(),
                        format!(
                            "`{}` names a natural key but nothing makes it unique: two concurrent sign-ups or imports create duplicates that the application's own \"does it exist?\" check cannot prevent",
                            column_ref(t, &column.name)
                        ),
                    )
                    .help("add a unique index (per tenant if the table has one: `(tenant_id, email)`), built concurrently after removing existing duplicates")
                    .fix(
                        format!("CREATE UNIQUE INDEX CONCURRENTLY {index} ON {t} ({key});"),
                        Applicability::Unsafe,
                    ),
                });
            }
        }
    }
}
