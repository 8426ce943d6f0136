//! `change-blocked-by-dependents`: DROP or ALTER TYPE without CASCADE on an object that views,
//! other tables' foreign keys or child tables depend on, and DROP TYPE/DOMAIN/FUNCTION on one that
//! columns, domains, functions, defaults, checks, indexes, triggers or views use — PostgreSQL
//! refuses, the migration fails.

use super::*;
use crate::graph::Object;
use crate::syntax::{AlterCmd, ObjectKind};

declare_rule! {
    ChangeBlockedByDependents {
        id: "change-blocked-by-dependents",
        category: Correctness,
        severity: Error,
        fix: Guidance,
    }
}

impl Rule for ChangeBlockedByDependents {
    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Diagnostic>) {
        // (what the statement does, the object, whether only views block it)
        let mut targets: Vec<(String, Object, bool)> = vec![];
        match cx.stmt {
            Statement::Drop(drop) if !drop.cascade => {
                for name in &drop.names {
                    let object = match drop.kind {
                        ObjectKind::Table if cx.catalog.tables.contains_key(name) => {
                            Object::Table(name.clone())
                        }
                        ObjectKind::View | ObjectKind::MaterializedView
                            if cx.catalog.views.contains_key(name) =>
                        {
                            Object::View(name.clone())
                        }
                        ObjectKind::Type
                            if cx.catalog.enums.contains_key(name)
                                || cx.catalog.composite_types.contains(name) =>
                        {
                            Object::Type(name.clone())
                        }
                        ObjectKind::Domain if cx.catalog.domains.contains_key(name) => {
                            Object::Type(name.clone())
                        }
                        // One overload: the statement's argument list (not modelled) names it.
                        ObjectKind::Function
                            if cx.catalog.functions.get(name).is_some_and(|f| f.len() == 1) =>
                        {
                            Object::Function(name.clone())
                        }
                        _ => continue,
                    };
                    targets.push((format!("`DROP {} {name}`", drop.kind.sql()), object, false));
                }
            }
            Statement::AlterTable(alter) => {
                let Some(table) = cx.catalog.table(&alter.name) else {
                    return;
                };
                for cmd in &alter.cmds {
                    match cmd {
                        AlterCmd::DropColumn {
                            name,
                            cascade: false,
                            ..
                        } if table.column(name).is_some() => targets.push((
                            format!("`DROP COLUMN {}`", crate::syntax::quote_ident(name)),
                            Object::Column(alter.name.clone(), name.clone()),
                            false,
                        )),
                        AlterCmd::AlterColumnType { column, .. }
                            if table.column(column).is_some() =>
                        {
                            targets.push((
                                format!(
                                    "changing the type of `{}`",
                                    column_ref(&alter.name, column)
                                ),
                                Object::Column(alter.name.clone(), column.clone()),
                                true,
                            ))
                        }
                        _ => {}
                    }
                }
            }
            _ => return,
        }
        for (what, object, views_only) in targets {
            let blockers: Vec<crate::graph::Object> =
                crate::graph::direct_dependents(cx.catalog, &object, views_only)
                    .into_iter()
                    // Objects dropped by this same statement do not block it.
                    .filter(|d| !dropped_together(cx.stmt, d))
                    .collect();
            if blockers.is_empty() {
                continue;
            }
            // In a set whose order pgproof only guessed, a dependent an earlier file created
            // blocks the change only if that file really runs first.
            let order_guessed = cx.order_assumed && !blockers.iter().any(|d| cx.created_here(d));
            let blockers: Vec<String> = blockers.iter().map(|d| d.to_string()).collect();
            let error = if views_only {
                "cannot alter type of a column used by a view or rule"
            } else {
                "cannot drop ... because other objects depend on it"
            };
            let message = if order_guessed {
                format!(
                    "{what} fails with `{error}` if this file runs after the one(s) creating {}: the order of these files was assumed from their names",
                    blockers.join(", ")
                )
            } else {
                format!(
                    "{what} fails with `{error}`: {} depend(s) on it",
                    blockers.join(", ")
                )
            };
            let mut diagnostic = Diagnostic::new(META.id, cx.span, message)
                .help("drop (or change) the dependents explicitly first, in the same migration, and re-create them afterwards if they are still needed; `CASCADE` would drop them silently")
                .lock(LockMode::AccessExclusive);
            // Whether it fails rests on pgproof's guess of the order: information, not a
            // warning (folders of admin scripts often run in another order, through a driver
            // file's `\i` includes).
            if order_guessed {
                diagnostic = diagnostic.at_most(Severity::Info);
            }
            out.push(diagnostic);
        }
    }
}

/// Whether `d` is one of the objects a multi-name DROP removes in the same statement.
fn dropped_together(stmt: &Statement, d: &Object) -> bool {
    let Statement::Drop(drop) = stmt else {
        return false;
    };
    match d {
        Object::View(v) | Object::Table(v) | Object::Type(v) | Object::Function(v) => {
            drop.names.contains(v)
        }
        Object::Constraint(t, _) | Object::Column(t, _) => drop.names.contains(t),
        _ => false,
    }
}
