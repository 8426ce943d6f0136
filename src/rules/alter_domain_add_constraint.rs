//! `alter-domain-add-constraint`: a validated domain constraint checks every column using the domain.

use super::*;

declare_rule! {
    AlterDomainAddConstraint {
        id: "alter-domain-add-constraint",
        category: Locking,
        severity: Warning,
        fix: Recipe(SameSchema),
    }
}

impl Rule for AlterDomainAddConstraint {
    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Diagnostic>) {
        let Statement::AlterDomain {
            name,
            action,
            not_valid,
        } = cx.stmt
        else {
            return;
        };
        let scans = match action.as_str() {
            "add constraint" if !not_valid => "adding a validated constraint",
            "set not null" => "`SET NOT NULL`",
            _ => return,
        };
        // Tables with a column of this domain.
        let users: Vec<String> = cx
            .catalog
            .tables
            .values()
            .filter(|t| cx.is_existing_table(&t.name))
            .filter(|t| {
                t.columns.iter().any(|c| {
                    c.type_name.name == name.name
                        && c.type_name
                            .schema
                            .as_deref()
                            .is_none_or(|s| s == name.schema)
                })
            })
            .map(|t| format!("`{}`", t.name))
            .collect();
        if users.is_empty() && cx.catalog.domains.contains_key(name) {
            return;
        }
        let tables = if users.is_empty() {
            "every table with a column of this domain".to_string()
        } else {
            users.join(", ")
        };
        let mut diag = Diagnostic::new(
            META.id,
            cx.span,
            format!(
                "{scans} on domain `{name}` scans {tables} to check existing values, blocking writes to them {}",
                held_until(cx.in_transaction)
            ),
        )
        .lock(LockMode::Share);
        if action == "add constraint" {
            diag = diag.help("add the constraint `NOT VALID` (only new values are checked), then `ALTER DOMAIN ... VALIDATE CONSTRAINT` in a separate transaction, which does not block writes");
            if let Some(fixed) = insert_before_semicolon(cx.sql, " NOT VALID") {
                diag = diag.fix(
                    format!("{fixed};\n-- in a separate transaction:\nALTER DOMAIN {name} VALIDATE CONSTRAINT <name>;"),
                    crate::finding::Applicability::DisplayOnly,
                );
            }
        } else {
            diag = diag.help("domains have no scan-free `SET NOT NULL`: add `CHECK (VALUE IS NOT NULL) NOT VALID` and validate it separately instead");
        }
        out.push(diag);
    }
}

fn insert_before_semicolon(sql: &str, word: &str) -> Option<String> {
    let trimmed = sql.trim_end().trim_end_matches(';').trim_end();
    (!trimmed.is_empty()).then(|| format!("{trimmed}{word}"))
}
