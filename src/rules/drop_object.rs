//! `drop-object`: dropping a view, function, type, sequence or schema that app instances may use.

use super::*;
use crate::syntax::ObjectKind;

declare_rule! {
    DropObject {
        id: "drop-object",
        category: Compatibility,
        severity: Warning,
        fix: Guidance,
    }
}

impl Rule for DropObject {
    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Diagnostic>) {
        let Statement::Drop(drop) = cx.stmt else {
            return;
        };
        let catalog = cx.catalog;
        for name in &drop.names {
            let known = match drop.kind {
                ObjectKind::View | ObjectKind::MaterializedView => catalog.views.contains_key(name),
                ObjectKind::Function | ObjectKind::Procedure => {
                    catalog.functions.contains_key(name)
                }
                ObjectKind::Type | ObjectKind::Domain => {
                    catalog.enums.contains_key(name)
                        || catalog.domains.contains_key(name)
                        || catalog.composite_types.contains(name)
                }
                ObjectKind::Sequence => catalog.sequences.contains_key(name),
                ObjectKind::Schema => catalog.schemas.contains(&name.name),
                _ => return,
            };
            if cx.is_new(name) || (!known && drop.if_exists) {
                continue;
            }
            // A trigger function cannot be called by app code, only by triggers, and a trigger
            // still using it makes the drop fail (`change-blocked-by-dependents`).
            let trigger_function = matches!(drop.kind, ObjectKind::Function)
                && catalog
                    .functions
                    .get(name)
                    .is_some_and(|f| !f.is_empty() && f.iter().all(|f| f.returns_trigger));
            if trigger_function {
                continue;
            }
            // Objects created in this migration: views are tracked by `created`; others are new if
            // the migration created them earlier.
            let created_here = cx
                .earlier
                .iter()
                .any(|s| created_object(&s.kind, drop.kind, name));
            if created_here {
                continue;
            }
            let what = drop.kind.word();
            // Created again, with the same arguments, before the transaction ends: no running
            // instance sees it missing, and only a changed result can break their calls.
            let recreated = matches!(drop.kind, ObjectKind::Function | ObjectKind::Procedure)
                && cx.in_transaction
                && cx
                    .later
                    .iter()
                    .take_while(|s| !matches!(s.kind, Statement::Transaction { .. }))
                    .any(|s| match &s.kind {
                        Statement::CreateFunction(f) => {
                            &f.name == name
                                && catalog
                                    .functions
                                    .get(name)
                                    .is_some_and(|old| old.iter().any(|o| o.arg_types == f.arg_types))
                        }
                        _ => false,
                    });
            if recreated {
                out.push(
                    Diagnostic::new(
                        META.id,
                        cx.span,
                        format!(
                            "{what} `{name}` is dropped and created again with the same arguments in this transaction: calls keep working unless what it returns changed (running code that reads the old result type or columns then breaks)"
                        ),
                    )
                    .help("if the result is unchanged, `CREATE OR REPLACE` says so without a drop; if it changed, release code that reads the new result first")
                    .at_most(Severity::Info),
                );
                continue;
            }
            let mut diag = Diagnostic::new(
                META.id,
                cx.span,
                format!(
                    "dropping {what} `{name}` breaks app instances still running code that uses it (queries, function calls, casts to the type)"
                ),
            )
            .help(format!(
                "expand/contract: release code that no longer uses the {what}, deploy it everywhere, then drop it in a later migration"
            ));
            if drop.cascade {
                diag = diag.note("with `CASCADE` everything that depends on it is dropped too, without being named (see `drop-cascade`)");
            }
            out.push(diag);
        }
    }
}

fn created_object(stmt: &Statement, kind: ObjectKind, name: &QualName) -> bool {
    match (stmt, kind) {
        (Statement::CreateFunction(f), ObjectKind::Function | ObjectKind::Procedure) => {
            &f.name == name
        }
        (
            Statement::CreateEnum { name: n, .. }
            | Statement::CreateDomain { name: n, .. }
            | Statement::CreateCompositeType { name: n },
            ObjectKind::Type | ObjectKind::Domain,
        ) => n == name,
        (Statement::CreateSequence { name: n, .. }, ObjectKind::Sequence) => n == name,
        (Statement::CreateSchema { name: n, .. }, ObjectKind::Schema) => n == &name.name,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use crate::finding::Severity;

    /// A function dropped and created again with the same arguments before the transaction ends
    /// is never missing: info, saying only a changed result can break calls. Created again after
    /// the transaction, or with other arguments, the drop breaks callers meanwhile.
    #[test]
    fn a_function_created_again_in_the_transaction_is_info() {
        let setup = "CREATE FUNCTION idle(n int) RETURNS SETOF bigint LANGUAGE sql AS $$ SELECT 1::bigint $$;";
        let severity = |change: &str| {
            let found = crate::rules::findings_after(setup, change, "drop-object");
            assert_eq!(found.len(), 1, "{change}: {found:?}");
            found[0].severity
        };
        let again = "CREATE FUNCTION idle(n int) RETURNS SETOF bigint LANGUAGE sql AS $$ SELECT 2::bigint $$;";
        assert_eq!(
            severity(&format!("BEGIN;\nDROP FUNCTION idle(int);\n{again}\nCOMMIT;")),
            Severity::Info
        );
        assert_eq!(
            severity(&format!("BEGIN;\nDROP FUNCTION idle(int);\nCOMMIT;\n{again}")),
            Severity::Warning
        );
        assert_eq!(
            severity("BEGIN;\nDROP FUNCTION idle(int);\nCREATE FUNCTION idle(n bigint) RETURNS SETOF bigint LANGUAGE sql AS $$ SELECT 2::bigint $$;\nCOMMIT;"),
            Severity::Warning
        );
    }
}
