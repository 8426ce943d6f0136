//! `drop-cascade`: DROP ... CASCADE silently takes dependent objects with it; list them.

use super::*;
use crate::graph::Object;
use crate::syntax::{AlterCmd, ObjectKind};

declare_rule! {
    DropCascade {
        id: "drop-cascade",
        category: Compatibility,
        severity: Warning,
        fix: Guidance,
    }
}

impl Rule for DropCascade {
    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Diagnostic>) {
        let mut targets: Vec<(String, Object)> = vec![];
        match cx.stmt {
            Statement::Drop(drop) if drop.cascade => {
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
            Statement::AlterTable(alter) => {
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
        // Building the graph is the expensive part: only for objects that may have dependents, and
        // only the part of it that can reach them.
        targets.retain(|(_, object)| crate::graph::may_have_dependents(cx.catalog, object));
        if targets.is_empty() {
            return;
        }
        let objects: Vec<Object> = targets.iter().map(|(_, o)| o.clone()).collect();
        let graph = cx.graph_around(&objects);
        for (what, object) in targets {
            let dependents = match &object {
                Object::Table(_) | Object::Column(_, _) => graph.external_dependents(&object),
                _ => graph.dependents_of(&object),
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
