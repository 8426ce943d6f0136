//! `object-already-exists`: a statement creates (or renames something to) a name the history
//! already gave an object, without `IF NOT EXISTS`: PostgreSQL refuses it and the migration stops.
//!
//! Only where the replay witnessed the existing object and nothing it could not replay may have
//! dropped it since (see `will_fail`); never for `IF NOT EXISTS`, `OR REPLACE`, temporary tables,
//! or names PostgreSQL makes up.

use super::will_fail::{
    generated_shape, history_is_vouched, relation_surely_exists, rename_statement, uncertain_name,
    Members,
};
use super::*;
use crate::catalog::witness::Space;
use crate::syntax::{AlterCmd, ConstraintKind, ObjectKind, Persistence};

declare_rule! {
    ObjectAlreadyExists {
        id: "object-already-exists",
        category: Correctness,
        severity: Error,
        fix: None,
    }
}

impl Rule for ObjectAlreadyExists {
    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Diagnostic>) {
        if !history_is_vouched(cx) {
            return;
        }
        let catalog = cx.catalog;
        let mut fail = |what: String, statement: &str| {
            out.push(
                Diagnostic::new(
                    META.id,
                    cx.span,
                    format!("{what}: this `{statement}` fails on the server and the migration stops there"),
                )
                .help("remove the statement or choose another name; add `IF NOT EXISTS` only where the existing object is the one wanted"),
            );
        };
        match cx.stmt {
            Statement::CreateTable(t)
                if !t.if_not_exists && t.persistence != Persistence::Temporary =>
            {
                if let Some(what) = existing_relation(catalog, &t.name) {
                    fail(what, "CREATE TABLE");
                }
            }
            Statement::CreateView(v) if !v.or_replace && !v.if_not_exists => {
                if let Some(what) = existing_relation(catalog, &v.name) {
                    let statement = match (v.is_table, v.materialized) {
                        (true, _) => "CREATE TABLE AS",
                        (false, true) => "CREATE MATERIALIZED VIEW",
                        (false, false) => "CREATE VIEW",
                    };
                    fail(what, statement);
                }
            }
            // An index on a temporary table lives in the temporary schema.
            Statement::CreateIndex(i) if !i.if_not_exists && !uncertain_name(catalog, &i.table) => {
                if let Some(name) = &i.name {
                    let name = QualName::new(i.table.schema.clone(), name.clone());
                    if let Some(what) = existing_relation(catalog, &name) {
                        fail(what, "CREATE INDEX");
                    }
                }
            }
            Statement::CreateSequence {
                name,
                if_not_exists: false,
                ..
            } => {
                if let Some(what) = existing_relation(catalog, name) {
                    fail(what, "CREATE SEQUENCE");
                }
            }
            Statement::CreateEnum { name, .. }
            | Statement::CreateDomain { name, .. }
            | Statement::CreateCompositeType { name } => {
                let is_type = catalog.enums.contains_key(name)
                    || catalog.domains.contains_key(name)
                    || catalog.composite_types.contains(name);
                let surely = if is_type {
                    catalog.witness.vouches_exists(Space::Type, name)
                        && !uncertain_name(catalog, name)
                } else {
                    // A table's row type has the table's name.
                    catalog.tables.contains_key(name) && relation_surely_exists(catalog, name)
                };
                if surely {
                    let statement = match cx.stmt {
                        Statement::CreateDomain { .. } => "CREATE DOMAIN",
                        _ => "CREATE TYPE",
                    };
                    fail(format!("type `{name}` already exists"), statement);
                }
            }
            Statement::CreateSchema {
                name,
                if_not_exists: false,
                ..
            } if catalog.schemas.contains(name) && catalog.witness.vouches_schema_exists(name) => {
                fail(
                    format!("schema `{}` already exists", crate::syntax::quote_ident(name)),
                    "CREATE SCHEMA",
                );
            }
            Statement::CreateExtension {
                name,
                if_not_exists: false,
            } if catalog.extensions.contains(name)
                && catalog.witness.vouches_extension_exists(name) =>
            {
                fail(
                    format!("extension `{name}` already exists"),
                    "CREATE EXTENSION",
                );
            }
            Statement::CreateTrigger {
                name,
                table,
                or_replace: false,
                ..
            } => {
                let exists = catalog
                    .table(table)
                    .is_some_and(|t| t.triggers.iter().any(|tr| &tr.name == name));
                if exists && Members::of(catalog, table).is_some() {
                    fail(
                        format!("trigger `{name}` already exists on `{table}`"),
                        "CREATE TRIGGER",
                    );
                }
            }
            Statement::CreatePolicy { name, table } => {
                let exists = catalog
                    .table(table)
                    .is_some_and(|t| t.policies.contains(name));
                if exists && Members::of(catalog, table).is_some() {
                    fail(
                        format!("policy `{name}` already exists on `{table}`"),
                        "CREATE POLICY",
                    );
                }
            }
            Statement::AlterTable(a) => {
                let Some(mut members) = Members::of(catalog, &a.name) else {
                    return;
                };
                for cmd in &a.cmds {
                    if let Some(what) = clash(catalog, &a.name, &members, cmd) {
                        fail(what, "ALTER TABLE");
                        return;
                    }
                    members.apply(cmd);
                }
            }
            Statement::Rename(r) => match r.kind {
                ObjectKind::Table
                | ObjectKind::View
                | ObjectKind::MaterializedView
                | ObjectKind::Index
                | ObjectKind::Sequence
                    if r.sub_name.is_none() =>
                {
                    let new = QualName::new(r.target.schema.clone(), r.new_name.clone());
                    if let Some(what) = existing_relation(catalog, &new) {
                        fail(what, rename_statement(r.kind));
                    }
                }
                ObjectKind::Column => {
                    let taken = Members::of(catalog, &r.target)
                        .is_some_and(|m| m.has_column(&r.new_name));
                    if taken {
                        fail(
                            format!(
                                "column `{}` already exists",
                                column_ref(&r.target, &r.new_name)
                            ),
                            "ALTER TABLE",
                        );
                    }
                }
                _ => {}
            },
            _ => {}
        }
    }
}

/// "relation `x` already exists", when the catalog surely has a relation called `name` whose
/// name is not one PostgreSQL made up.
fn existing_relation(catalog: &crate::catalog::Catalog, name: &QualName) -> Option<String> {
    if !relation_surely_exists(catalog, name) {
        return None;
    }
    let on_temporary = catalog
        .indexes
        .get(name)
        .is_some_and(|i| uncertain_name(catalog, &i.table));
    if on_temporary {
        return None;
    }
    let made_up = generated_shape(&name.name)
        && (catalog.indexes.contains_key(name)
            || catalog
                .sequences
                .get(name)
                .is_some_and(|s| s.owned_by.is_some()));
    if made_up {
        return None;
    }
    let kind = if catalog.tables.contains_key(name) {
        "table"
    } else if let Some(view) = catalog.views.get(name) {
        if view.materialized {
            "materialized view"
        } else {
            "view"
        }
    } else if catalog.indexes.contains_key(name) {
        "index"
    } else {
        "sequence"
    };
    let article = if kind.starts_with('i') { "an" } else { "a" };
    Some(format!("{article} {kind} called `{name}` already exists"))
}

/// What one command of an `ALTER TABLE` clashes with, given the table's members before it.
fn clash(
    catalog: &crate::catalog::Catalog,
    table: &QualName,
    members: &Members,
    cmd: &AlterCmd,
) -> Option<String> {
    match cmd {
        AlterCmd::AddColumn {
            column,
            if_not_exists: false,
        } if members.has_column(&column.name) => Some(format!(
            "column `{}` already exists",
            column_ref(table, &column.name)
        )),
        AlterCmd::AddConstraint { constraint } => {
            if matches!(constraint.kind, ConstraintKind::PrimaryKey { .. })
                && members.has_primary_key()
            {
                return Some(format!("`{table}` already has a primary key"));
            }
            let name = constraint.name.as_ref()?;
            if generated_shape(name) {
                return None;
            }
            if members.has_constraint(name) {
                return Some(format!(
                    "constraint `{name}` already exists on `{table}`"
                ));
            }
            // A primary key, unique or exclusion constraint builds an index of its own name.
            let indexed = matches!(
                constraint.kind,
                ConstraintKind::PrimaryKey { .. }
                    | ConstraintKind::Unique { .. }
                    | ConstraintKind::Exclude { .. }
            ) && constraint.using_index.is_none();
            if indexed {
                return existing_relation(catalog, &QualName::new(table.schema.clone(), name.clone()));
            }
            None
        }
        _ => None,
    }
}
