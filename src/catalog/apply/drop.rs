//! `DROP` of every kind of object, with what PostgreSQL drops along (indexes, owned sequences,
//! inbound foreign keys, dependent views).

use super::*;

pub(super) fn drop(catalog: &mut Catalog, d: &Drop, notes: &mut Vec<String>) {
    for name in &d.names {
        // An unqualified name finds a temporary table or view first (`pg_temp` leads the search
        // path); lowering writes it as `public`, so a `public` name that is not there but is a
        // temporary object is that one.
        let temp = QualName::new("pg_temp", name.name.clone());
        let name = if name.schema == "public"
            && matches!(d.kind, ObjectKind::Table | ObjectKind::View)
            && !catalog.tables.contains_key(name)
            && !catalog.views.contains_key(name)
            && (catalog.tables.contains_key(&temp) || catalog.views.contains_key(&temp))
        {
            &temp
        } else {
            name
        };
        let found = match d.kind {
            ObjectKind::Table => drop_table(catalog, name, d.cascade),
            ObjectKind::View | ObjectKind::MaterializedView => {
                let found = catalog.views.remove(name).is_some();
                // A materialised view's indexes go with it.
                catalog.indexes.drop_on(name, |_| true);
                if d.cascade {
                    drop_dependent_views(catalog, name);
                }
                found
            }
            ObjectKind::Index => catalog.indexes.remove(name).is_some(),
            ObjectKind::Sequence => catalog.sequences.remove(name).is_some(),
            ObjectKind::Type | ObjectKind::Domain => {
                catalog.enums.remove(name).is_some()
                    | catalog.domains.remove(name).is_some()
                    | catalog.composite_types.remove(name)
            }
            ObjectKind::Function | ObjectKind::Procedure => {
                let prefix = format!("{name}(");
                catalog
                    .function_bodies
                    .retain(|signature, _| !signature.starts_with(&prefix));
                catalog
                    .function_refs
                    .retain(|signature, _| !signature.starts_with(&prefix));
                if d.cascade {
                    // `CASCADE` drops the triggers that call the function.
                    let calls = |t: &Table| t.triggers.iter().any(|tr| &tr.function == name);
                    catalog.tables.modify_where(
                        |t| calls(t),
                        |table| table.triggers.retain(|tr| &tr.function != name),
                    );
                }
                catalog.functions.remove(name).is_some()
            }
            ObjectKind::Schema => {
                let schema = name.name.clone();
                let found = catalog.schemas.remove(&schema);
                let tables: Vec<QualName> = catalog
                    .tables
                    .keys()
                    .filter(|t| t.schema == schema)
                    .cloned()
                    .collect();
                for t in tables {
                    drop_table(catalog, &t, true);
                }
                catalog.views.retain(|k, _| k.schema != schema);
                catalog.sequences.retain(|k, _| k.schema != schema);
                catalog.enums.retain(|k, _| k.schema != schema);
                catalog.domains.retain(|k, _| k.schema != schema);
                catalog.functions.retain(|k, _| k.schema != schema);
                found
            }
            ObjectKind::Extension => catalog.extensions.remove(&name.name),
            ObjectKind::Trigger | ObjectKind::Policy => {
                let Some(table) = d
                    .on_table
                    .as_ref()
                    .filter(|t| catalog.tables.contains_key(*t))
                else {
                    continue;
                };
                let found = catalog.table(table).is_some_and(|t| {
                    if d.kind == ObjectKind::Trigger {
                        t.triggers.iter().any(|t| t.name == name.name)
                    } else {
                        t.policies.iter().any(|p| p == &name.name)
                    }
                });
                if found {
                    catalog.tables.modify(table, |table| {
                        if d.kind == ObjectKind::Trigger {
                            table.triggers.retain(|t| t.name != name.name);
                        } else {
                            table.policies.retain(|p| p != &name.name);
                        }
                    });
                }
                found
            }
            _ => true,
        };
        if !found && !d.if_exists {
            notes.push(format!("{} {} is not known", d.kind.word(), name));
        }
    }
}

pub(super) fn drop_dependent_views(catalog: &mut Catalog, name: &QualName) {
    let dependents: Vec<QualName> = catalog
        .views
        .linked(name)
        .filter(|v| v.reads.contains(name))
        .map(|v| v.name.clone())
        .collect();
    for view in dependents {
        if catalog.views.remove(&view).is_some() {
            drop_dependent_views(catalog, &view);
        }
    }
}

pub(super) fn drop_table(catalog: &mut Catalog, name: &QualName, cascade: bool) -> bool {
    let found = catalog.tables.remove(name).is_some();
    catalog.indexes.drop_on(name, |_| true);
    catalog
        .sequences
        .remove_linked(name, |s| s.owned_by.as_ref().map(|(t, _)| t) == Some(name));
    let references = |c: &Constraint| matches!(&c.kind, ConstraintKind::ForeignKey { ref_table, .. } if ref_table == name);
    catalog.tables.modify_linked(
        name,
        |t| t.constraints.iter().any(references),
        |other| other.constraints.retain(|c| !references(c)),
    );
    let partitions: Vec<QualName> = catalog
        .tables
        .partitions_of(name)
        .map(|t| t.name.clone())
        .collect();
    for p in partitions {
        drop_table(catalog, &p, cascade);
    }
    if cascade {
        drop_dependent_views(catalog, name);
        // Tables that inherit from it go with it.
        let children: Vec<QualName> = catalog
            .tables
            .inheriting(name)
            .map(|t| t.name.clone())
            .collect();
        for child in children {
            drop_table(catalog, &child, cascade);
        }
    }
    found
}

pub(super) fn retarget_table_refs(catalog: &mut Catalog, old: &QualName, new: &QualName) {
    catalog
        .indexes
        .modify_on(old, |_| true, |index| index.table = new.clone());
    let refers = |table: &Table| {
        table.constraints.iter().any(
            |c| matches!(&c.kind, ConstraintKind::ForeignKey { ref_table, .. } if ref_table == old),
        ) || matches!(&table.kind, TableKind::Partition { parent } if parent == old)
    };
    catalog.tables.modify_linked(
        old,
        |t| refers(t),
        |table| {
            for c in &mut table.constraints {
                if let ConstraintKind::ForeignKey { ref_table, .. } = &mut c.kind {
                    if ref_table == old {
                        *ref_table = new.clone();
                    }
                }
            }
            if let TableKind::Partition { parent } = &mut table.kind {
                if parent == old {
                    *parent = new.clone();
                }
            }
        },
    );
    catalog.sequences.modify_linked(
        old,
        |_| true,
        |seq| {
            if let Some((t, _)) = &mut seq.owned_by {
                if t == old {
                    *t = new.clone();
                }
            }
        },
    );
    catalog.views.modify_linked(
        old,
        |_| true,
        |view| {
            for r in &mut view.reads {
                if r == old {
                    *r = new.clone();
                }
            }
            for (t, _) in &mut view.column_refs {
                if t == old {
                    *t = new.clone();
                }
            }
        },
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drop_table_removes_indexes_sequences_and_inbound_fks() {
        let c = replay(
            "CREATE TABLE a (id serial PRIMARY KEY);
             CREATE TABLE b (a_id int REFERENCES a);
             CREATE VIEW v AS SELECT id FROM a;
             DROP TABLE a CASCADE;",
        );
        assert!(!c.tables.contains_key(&QualName::public("a")));
        assert!(c.indexes.is_empty());
        assert!(c.sequences.is_empty());
        assert!(c.views.is_empty());
        assert_eq!(
            c.table(&QualName::public("b")).unwrap().constraints.len(),
            0
        );
    }
}
