//! `row-level-security-gap`: a tenant table without row-level security, RLS enabled with no policy,
//! or policies that do nothing because RLS is off.

use super::*;

declare_rule! {
    RowLevelSecurityGap {
        id: "row-level-security-gap",
        category: Schema,
        severity: Info,
        fix: Guidance,
    }
}

impl Rule for RowLevelSecurityGap {
    fn check_schema(&self, cx: &SchemaContext<'_>, out: &mut Vec<Diagnostic>) {
        // Projects that use RLS somewhere are the ones for which a table without it is a gap.
        let project_uses_rls = cx.catalog.tables.values().any(|t| t.rls_enabled);
        for table in cx.catalog.logical_tables() {
            let t = &table.name;
            let message = if table.rls_enabled && table.policies.is_empty() {
                format!("`{t}` has row-level security enabled but no policy: every role except the owner and superusers sees no rows and cannot write any")
            } else if !table.rls_enabled && !table.policies.is_empty() {
                format!(
                    "`{t}` has policies ({}) but row-level security is not enabled, so they do nothing: every role with table privileges sees every row",
                    table.policies.join(", ")
                )
            } else if !table.rls_enabled && project_uses_rls {
                let Some(tenant) = table
                    .columns
                    .iter()
                    .find(|c| cx.tenant_columns.contains(&c.name))
                else {
                    continue;
                };
                format!(
                    "`{t}` holds per-tenant rows (`{}`) but, unlike other tables here, has no row-level security: a query that forgets the tenant filter reads other tenants' data",
                    tenant.name
                )
            } else {
                continue;
            };
            out.push(
                Diagnostic::about(
                    META.id,
                    t.clone(),
                    None,
                    message,
                ).help(format!(
                    "`ALTER TABLE {t} ENABLE ROW LEVEL SECURITY;` with a policy such as `CREATE POLICY tenant_isolation ON {t} USING (tenant_id = current_setting('app.tenant_id')::bigint);` (and `FORCE ROW LEVEL SECURITY` if the owner role serves queries)"
                )),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenant_columns_come_from_the_config() {
        let mut catalog = crate::catalog::Catalog::new();
        let sql = "CREATE TABLE a (id bigint PRIMARY KEY, tenant_id bigint);
            ALTER TABLE a ENABLE ROW LEVEL SECURITY;
            CREATE POLICY p ON a USING (true);
            CREATE TABLE b (id bigint PRIMARY KEY, company_id bigint);";
        for stmt in crate::syntax::parse_sql(sql).statements {
            crate::catalog::apply::apply(&mut catalog, &stmt.kind);
        }
        let fired = |settings: &crate::config::Settings| {
            let cx = SchemaContext::for_settings(&catalog, 15, settings);
            let mut out = vec![];
            RowLevelSecurityGap.check_schema(&cx, &mut out);
            out.len()
        };
        let mut settings = crate::config::Settings::default();
        assert_eq!(
            fired(&settings),
            0,
            "company_id is not a default tenant column"
        );
        settings.tenant_columns = Some(vec!["company_id".into()]);
        assert_eq!(fired(&settings), 1);
    }
}
