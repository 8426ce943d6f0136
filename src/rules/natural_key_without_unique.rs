//! `natural-key-without-unique`: a column that names a natural key (email, username, slug, ...)
//! with no unique constraint or index.

use super::*;
use crate::catalog::Table;
use crate::finding::Applicability;
use crate::syntax::{quote_ident, ConstraintKind, IndexKey};

declare_rule! {
    NaturalKeyWithoutUnique {
        id: "natural-key-without-unique",
        category: Schema,
        severity: Warning,
        fix: Recipe(ChangesSchema),
    }
}

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

/// Keys that name a person (an account's login): unique in a table of people, not elsewhere.
const PERSON_KEYS: &[&str] = &["email", "email_address", "username", "user_name", "login", "handle"];

/// Table names (parts) whose rows record what people did, were sent or hold for a while (a log,
/// an audit trail, sessions, tokens, invitations, requests, notifications): the same person
/// appears in many rows by design (`organisation_member_invites` holds invitations, not members).
const RECORD_TABLES: &[&str] = &[
    "log", "audit", "event", "histor", "attempt", "session", "token", "change", "activit", "invit",
    "request", "notif",
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
    fn check_schema(&self, cx: &SchemaContext<'_>, out: &mut Vec<Diagnostic>) {
        for table in cx.catalog.logical_tables() {
            // A login identifies a person's account: not an organisation's contact address, nor
            // the person who acted in a row of a log or held a token.
            let name = table.name.name.to_ascii_lowercase();
            // (`customer_logins` holds logins, not a log.)
            let records = name.replace("login", "");
            let holds_people = PEOPLE_TABLES.iter().any(|p| name.contains(p))
                && !RECORD_TABLES.iter().any(|r| records.contains(r));
            for column in &table.columns {
                if !NATURAL_KEYS.contains(&column.name.as_str())
                    || (PERSON_KEYS.contains(&column.name.as_str()) && !holds_people)
                    || is_unique_somewhere(cx, table, &column.name)
                {
                    continue;
                }
                let t = &table.name;
                let c = quote_ident(&column.name);
                let mut key = if column.name.starts_with("email") {
                    format!("lower({c})")
                } else {
                    c.clone()
                };
                // In a table of per-tenant rows, two tenants may each have a `bob`: the key is
                // unique within a tenant, and a global index would reject legitimate rows.
                let tenant = table
                    .columns
                    .iter()
                    .find(|col| cx.tenant_columns.contains(&col.name) && col.name != column.name);
                let (index, scope) = match tenant {
                    Some(tenant) => {
                        key = format!("{}, {key}", quote_ident(&tenant.name));
                        (
                            sql_object_name(
                                &t.name,
                                Some(&format!("{}_{}", tenant.name, column.name)),
                                "key",
                            ),
                            format!(
                                "add a unique index per tenant (`{}` first: the same value may exist once in each tenant), built concurrently after removing existing duplicates",
                                tenant.name
                            ),
                        )
                    }
                    None => (
                        sql_object_name(&t.name, Some(&column.name), "key"),
                        "add a unique index, built concurrently after removing existing duplicates"
                            .to_string(),
                    ),
                };
                out.push(
                    Diagnostic::about(
                        META.id,
                        t.clone(),
                        Some(Member::Column(column.name.clone())),
                        format!(
                            "`{}` names a natural key but nothing makes it unique: two concurrent sign-ups or imports create duplicates that the application's own \"does it exist?\" check cannot prevent",
                            column_ref(t, &column.name)
                        ),
                    )
                    .help(scope)
                    .fix(
                        format!("CREATE UNIQUE INDEX CONCURRENTLY {index} ON {t} ({key});"),
                        Applicability::Unsafe,
                    ),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixes(sql: &str, settings: &crate::config::Settings) -> Vec<String> {
        let mut catalog = crate::catalog::Catalog::new();
        for stmt in crate::syntax::parse_sql(sql).statements {
            crate::catalog::apply::apply(&mut catalog, &stmt.kind);
        }
        let cx = SchemaContext::for_settings(&catalog, 15, settings);
        let mut out = vec![];
        NaturalKeyWithoutUnique.check_schema(&cx, &mut out);
        out.iter()
            .filter_map(|d| d.fix.as_ref().map(|f| f.sql.clone()))
            .collect()
    }

    #[test]
    fn the_suggested_key_is_per_tenant_in_a_tenant_table() {
        let settings = crate::config::Settings::default();
        let sql = "CREATE TABLE projects (id bigint PRIMARY KEY, organization_id bigint NOT NULL, external_id text);
            CREATE TABLE users (id bigint PRIMARY KEY, email text);";
        assert_eq!(
            fixes(sql, &settings),
            vec![
                "CREATE UNIQUE INDEX CONCURRENTLY projects_organization_id_external_id_key ON projects (organization_id, external_id);".to_string(),
                "CREATE UNIQUE INDEX CONCURRENTLY users_email_key ON users (lower(email));".to_string(),
            ]
        );
        // A configured tenant column scopes the key the same way.
        let settings = crate::config::Settings {
            tenant_columns: Some(vec!["company_id".into()]),
            ..Default::default()
        };
        let sql =
            "CREATE TABLE customer_logins (id bigint PRIMARY KEY, company_id bigint, login text);";
        assert_eq!(
            fixes(sql, &settings),
            vec!["CREATE UNIQUE INDEX CONCURRENTLY customer_logins_company_id_login_key ON customer_logins (company_id, login);".to_string()]
        );
    }
}
