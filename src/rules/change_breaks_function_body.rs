//! `change-breaks-function-body`: a migration drops or renames a table or column that a function
//! body (PL/pgSQL or SQL, trigger functions included) still uses when the migration ends.
//! PostgreSQL does not check bodies against such changes, so the function fails when it next runs.

use super::*;
use crate::catalog::body::BodyRefs;

declare_rule! {
    ChangeBreaksFunctionBody {
        id: "change-breaks-function-body",
        category: Correctness,
        severity: Warning,
        fix: Guidance,
    }
}

impl Rule for ChangeBreaksFunctionBody {
    fn check_migration(&self, cx: &MigrationContext<'_>, out: &mut Vec<Diagnostic>) {
        let after = cx.after;
        if after.function_refs.is_empty() {
            return;
        }
        // In a set whose order pgproof only guessed, a function another file created may not
        // exist yet (or any more) when this file runs: only this migration's own functions count.
        let own: Option<Vec<&QualName>> = cx.order_assumed.then(|| {
            cx.statements
                .iter()
                .filter_map(|s| match s.stmt {
                    Statement::CreateFunction(f) => Some(&f.name),
                    _ => None,
                })
                .collect()
        });
        for (position, s) in cx.statements.iter().enumerate() {
            let later = &cx.statements[position + 1..];
            for (table, column, what) in crate::engine::replay::removals_of(s.stmt) {
                // Put back by a later statement of the migration (and perhaps removed again, which
                // that statement answers for).
                if later
                    .iter()
                    .any(|l| restores(l.stmt, &table, column.as_deref()))
                {
                    continue;
                }
                // Still there when the migration ends (re-created, renamed back), or touched by a
                // statement pgproof could not replay: nothing to say.
                let still_there = match &column {
                    Some(c) => after.table(&table).is_some_and(|t| t.column(c).is_some()),
                    None => after.tables.contains_key(&table) || after.views.contains_key(&table),
                };
                if still_there || after.is_unreplayed(&table) {
                    continue;
                }
                let mut users = functions_using(after, &table, column.as_deref());
                if let Some(own) = &own {
                    users.retain(|f| own.contains(&f));
                }
                // A function (re)created after the change is not broken by it: that body was
                // written against the changed schema.
                users.retain(|f| {
                    !later
                        .iter()
                        .any(|l| matches!(l.stmt, Statement::CreateFunction(c) if &c.name == f))
                });
                if users.is_empty() {
                    continue;
                }
                let object = match &column {
                    Some(c) => format!("column `{}`", column_ref(&table, c)),
                    None => format!("`{table}`"),
                };
                let names: Vec<String> = users.iter().map(|f| format!("`{f}`")).collect();
                out.push(
                    Diagnostic::new(
                        META.id,
                        s.span,
                        format!(
                            "{object} is {what}, but the body of function {} still uses it: PostgreSQL does not check function bodies, so the function fails when it next runs",
                            names.join(", ")
                        ),
                    )
                    .help("update the function in the same migration (`CREATE OR REPLACE FUNCTION` with the new name), or drop it if nothing calls it any more"),
                );
            }
        }
    }
}

/// Whether `stmt` creates `table` (or adds `column` to it) again.
fn restores(stmt: &Statement, table: &QualName, column: Option<&str>) -> bool {
    use crate::syntax::AlterCmd;
    match (stmt, column) {
        (Statement::CreateTable(t), None) => &t.name == table,
        (Statement::CreateView(v), None) => &v.name == table,
        (Statement::Rename(r), None) => {
            r.sub_name.is_none() && r.target.schema == table.schema && r.new_name == table.name
        }
        (Statement::AlterTable(a), Some(c)) if &a.name == table => a
            .cmds
            .iter()
            .any(|cmd| matches!(cmd, AlterCmd::AddColumn { column, .. } if column.name == c)),
        (Statement::Rename(r), Some(c)) => {
            &r.target == table && r.sub_name.is_some() && r.new_name == c
        }
        (Statement::CreateTable(t), Some(_)) => &t.name == table,
        _ => false,
    }
}

/// The functions of `catalog` whose bodies use `table` (or its `column`), sorted: named in their
/// SQL, or for a column, read as `NEW.column`/`OLD.column` by a trigger function a trigger on that
/// table calls.
fn functions_using(
    catalog: &crate::catalog::Catalog,
    table: &QualName,
    column: Option<&str>,
) -> Vec<QualName> {
    let mut out = vec![];
    for (name, overloads) in &catalog.functions {
        let uses = overloads.iter().any(|f| {
            let signature = crate::catalog::function_signature(&f.name, &f.arg_types);
            let Some(source) = catalog.function_refs.get(&signature) else {
                return false;
            };
            let refs: &BodyRefs = source.refs();
            match column {
                None => refs.tables.contains(table),
                Some(c) => {
                    refs.columns.contains(&(table.clone(), c.to_string()))
                        || f.returns_trigger
                            && refs.row_columns.contains(c)
                            && catalog
                                .table(table)
                                .is_some_and(|t| t.triggers.iter().any(|tr| &tr.function == name))
                }
            }
        });
        if uses {
            out.push(name.clone());
        }
    }
    out
}
