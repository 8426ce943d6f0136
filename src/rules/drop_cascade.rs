//! `drop-cascade`: DROP ... CASCADE silently takes dependent objects with it; list them.

use super::*;
use crate::graph::Object;
use crate::syntax::ConstraintKind;
use crate::syntax::{AlterCmd, ObjectKind};

pub struct DropCascade;

static META: RuleMeta = RuleMeta {
    id: "drop-cascade",
    category: Category::Compatibility,
    severity: Severity::Warning,
    fix: FixKind::Guidance,
    doc: include_str!("../../lints/drop-cascade.md"),
    doc_examples: true,
};

impl Rule for DropCascade {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Diagnostic>) {
        let mut targets: Vec<(String, Object)> = vec![];
        match cx.stmt {
            StmtKind::Drop(drop) if drop.cascade => {
                for name in &drop.names {
                    let object = match drop.kind {
                        ObjectKind::Table => Object::Table(name.clone()),
                        ObjectKind::View | ObjectKind::MaterializedView => {
                            Object::View(name.clone())
                        }
                        ObjectKind::Sequence => Object::Sequence(name.clone()),
                        ObjectKind::Function | ObjectKind::Procedure => {
                            Object::Function(name.clone())
                        }
                        ObjectKind::Type | ObjectKind::Domain => Object::Type(name.clone()),
                        ObjectKind::Index => Object::Index(name.clone()),
                        _ => continue,
                    };
                    targets.push((format!("DROP {} {name} CASCADE", drop.kind.sql()), object));
                }
            }
            StmtKind::AlterTable(alter) => {
                for cmd in &alter.cmds {
                    match cmd {
                        AlterCmd::DropColumn {
                            name,
                            cascade: true,
                            ..
                        } => {
                            targets.push((
                                format!("DROP COLUMN {} CASCADE", crate::syntax::quote_ident(name)),
                                Object::Column(alter.name.clone(), name.clone()),
                            ));
                        }
                        AlterCmd::DropConstraint {
                            name,
                            cascade: true,
                            ..
                        } => {
                            targets.push((
                                format!(
                                    "DROP CONSTRAINT {} CASCADE",
                                    crate::syntax::quote_ident(name)
                                ),
                                Object::Constraint(alter.name.clone(), name.clone()),
                            ));
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
        for (what, object) in targets {
            // Building the graph is the expensive part: only for objects the schema has.
            if !may_have_dependents(cx.catalog, &object) {
                continue;
            }
            let dependents = match &object {
                Object::Table(_) | Object::Column(_, _) => cx.graph().external_dependents(&object),
                _ => cx.graph().dependents_of(&object),
            };
            // Columns of a dropped type's users are dropped too: that is data loss worth naming.
            if dependents.is_empty() {
                continue;
            }
            let listed: Vec<String> = dependents.iter().map(|d| d.to_string()).collect();
            out.push(
                Diagnostic::new(META.id, cx.span, format!("`{what}` also drops {} dependent object(s): {}", listed.len(), listed.join(", ")))
                    .lock(LockMode::AccessExclusive)
                    .help("drop or change the dependents explicitly first, then drop without `CASCADE`, so the migration fails loudly if something new starts depending on it"),
            );
        }
    }
}

/// A cheap necessary condition for `object` to have dependents outside itself: building the graph
/// is the expensive part, and most dropped objects have none.
fn may_have_dependents(catalog: &crate::catalog::Catalog, object: &Object) -> bool {
    let referenced_by_fk = |t: &QualName| {
        catalog.tables.values().any(|other| {
            &other.name != t
                && other.constraints.iter().any(|c| {
                    matches!(&c.kind, ConstraintKind::ForeignKey { ref_table, .. } if ref_table == t)
                })
        })
    };
    let read_by_view = |t: &QualName| catalog.views.values().any(|v| v.reads.contains(t));
    let has_children = |t: &QualName| {
        catalog.tables.values().any(|o| {
            o.inherits.contains(t)
                || matches!(&o.kind, crate::catalog::TableKind::Partition { parent } if parent == t)
        })
    };
    match object {
        Object::Table(t) | Object::Column(t, _) | Object::View(t) => {
            read_by_view(t) || referenced_by_fk(t) || has_children(t)
        }
        Object::Function(f) => catalog
            .tables
            .values()
            .any(|t| t.triggers.iter().any(|tr| tr.function.name == f.name)),
        Object::Type(ty) => catalog
            .tables
            .values()
            .any(|t| t.columns.iter().any(|c| c.type_name.name == ty.name)),
        Object::Sequence(_)
        | Object::Index(_)
        | Object::Constraint(..)
        | Object::Trigger(..)
        | Object::Policy(..) => true,
    }
}
