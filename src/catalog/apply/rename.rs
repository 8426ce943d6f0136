//! `RENAME` and `SET SCHEMA`: an object moves to its new name and every reference follows it.

use super::*;

pub(super) fn rename(catalog: &mut Catalog, r: &Rename, notes: &mut Vec<String>) {
    match r.kind {
        ObjectKind::Table
        | ObjectKind::View
        | ObjectKind::MaterializedView
        | ObjectKind::Index
        | ObjectKind::Sequence
        | ObjectKind::Type
        | ObjectKind::Domain
        | ObjectKind::Function
        | ObjectKind::Procedure => {
            let new = QualName::new(r.target.schema.clone(), r.new_name.clone());
            if !move_object(catalog, &r.target, &new) && !r.if_exists {
                notes.push(format!("{} {} is not known", r.kind.word(), r.target));
            }
        }
        ObjectKind::Column => {
            let Some(old) = r.sub_name.as_deref() else {
                return;
            };
            if !catalog.tables.contains_key(&r.target) {
                catalog.views.modify(&r.target, |view| {
                    for c in view.output_columns.iter_mut().filter(|c| *c == old) {
                        *c = r.new_name.clone();
                    }
                });
                if !catalog.views.contains_key(&r.target) {
                    notes.push(format!("table {} is not known", r.target));
                }
                return;
            }
            let renamed = modify_column(catalog, &r.target, old, |col| {
                col.name = r.new_name.clone();
            });
            if renamed.is_none() {
                notes.push(format!("column {}.{} is not known", r.target, old));
                return;
            }
            catalog.tables.modify(&r.target, |table| {
                for c in &mut table.constraints {
                    rename_in_constraint(&mut c.kind, old, &r.new_name);
                }
            });
            let target = r.target.clone();
            let names_old = |i: &Index| {
                i.keys
                    .iter()
                    .any(|k| matches!(k, IndexKey::Column { name } if name == old))
            };
            // A view keeps reading the renamed column (PostgreSQL tracks it by number).
            let view_names_old = |view: &View| {
                view.column_refs
                    .iter()
                    .any(|(t, c)| *t == target && c == old)
                    || (view.reads.contains(&target) && view.loose_columns.iter().any(|c| c == old))
            };
            catalog
                .views
                .modify_linked(&target, view_names_old, |view| {
                    for (t, c) in &mut view.column_refs {
                        if *t == target && c == old {
                            *c = r.new_name.clone();
                        }
                    }
                    if view.reads.contains(&target) {
                        for c in view.loose_columns.iter_mut().filter(|c| *c == old) {
                            *c = r.new_name.clone();
                        }
                    }
                });
            catalog.indexes.modify_on(&target, names_old, |index| {
                for key in &mut index.keys {
                    if let IndexKey::Column { name } = key {
                        if name == old {
                            *name = r.new_name.clone();
                        }
                    }
                }
            });
            let refers = |table: &Table| {
                table.constraints.iter().any(|c| {
                    matches!(&c.kind, ConstraintKind::ForeignKey { ref_table, ref_columns, .. }
                        if ref_table == &target && ref_columns.iter().any(|c| c == old))
                })
            };
            catalog.tables.modify_linked(
                &target,
                |t| refers(t),
                |other| {
                    for c in &mut other.constraints {
                        if let ConstraintKind::ForeignKey {
                            ref_table,
                            ref_columns,
                            ..
                        } = &mut c.kind
                        {
                            if ref_table == &target {
                                for col in ref_columns.iter_mut().filter(|c| *c == old) {
                                    *col = r.new_name.clone();
                                }
                            }
                        }
                    }
                },
            );
            let owned = |seq: &Sequence| {
                seq.owned_by
                    .as_ref()
                    .is_some_and(|(t, c)| t == &target && c == old)
            };
            catalog.sequences.modify_linked(&target, owned, |seq| {
                if let Some((_, c)) = &mut seq.owned_by {
                    *c = r.new_name.clone();
                }
            });
        }
        ObjectKind::Constraint => {
            let Some(old) = r.sub_name.as_deref() else {
                return;
            };
            rename_constraint(catalog, &r.target, old, &r.new_name);
            // The index behind a primary key, unique or exclusion constraint is renamed with it.
            let backing: Vec<QualName> = catalog
                .indexes_on(&r.target)
                .filter(|i| i.constraint.as_deref() == Some(old))
                .map(|i| i.name.clone())
                .collect();
            for name in backing {
                if let Some(mut index) = catalog.indexes.remove(&name) {
                    let renamed = QualName::new(name.schema.clone(), r.new_name.clone());
                    index.constraint = Some(r.new_name.clone());
                    index.name = renamed.clone();
                    catalog.indexes.insert(renamed, index);
                }
            }
        }
        ObjectKind::Schema => {
            let old = r.target.name.clone();
            catalog.schemas.remove(&old);
            catalog.schemas.insert(r.new_name.clone());
            let names: Vec<QualName> = catalog
                .tables
                .keys()
                .chain(catalog.views.keys())
                .chain(catalog.indexes.keys())
                .chain(catalog.sequences.keys())
                .chain(catalog.enums.keys())
                .chain(catalog.domains.keys())
                .chain(catalog.composite_types.iter())
                .chain(catalog.functions.keys())
                .filter(|n| n.schema == old)
                .cloned()
                .collect();
            for name in names {
                let new = QualName::new(r.new_name.clone(), name.name.clone());
                move_object(catalog, &name, &new);
            }
        }
        ObjectKind::Trigger => {
            let Some(old) = r.sub_name.as_deref() else {
                return;
            };
            catalog.tables.modify(&r.target, |t| {
                for tr in t.triggers.iter_mut().filter(|tr| tr.name == old) {
                    tr.name = r.new_name.clone();
                }
            });
        }
        ObjectKind::Policy => {
            let Some(old) = r.sub_name.as_deref() else {
                return;
            };
            catalog.tables.modify(&r.target, |t| {
                for p in t.policies.iter_mut().filter(|p| *p == old) {
                    *p = r.new_name.clone();
                }
            });
        }
        _ => {}
    }
}

/// Renames or moves the object called `old` (a table, view, index, sequence, type or function)
/// to `new`, keeping every reference to it. Returns false when nothing has that name.
pub(super) fn move_object(catalog: &mut Catalog, old: &QualName, new: &QualName) -> bool {
    if let Some(mut table) = catalog.tables.remove(old) {
        table.name = new.clone();
        catalog.tables.insert(new.clone(), table);
        retarget_table_refs(catalog, old, new);
    } else if let Some(mut view) = catalog.views.remove(old) {
        view.name = new.clone();
        catalog.views.insert(new.clone(), view);
        retarget_table_refs(catalog, old, new);
    } else if let Some(mut index) = catalog.indexes.remove(old) {
        index.name = new.clone();
        // A constraint's index and the constraint share one name.
        if let Some(constraint) = index.constraint.clone() {
            rename_constraint(catalog, &index.table, &constraint, &new.name);
            index.constraint = Some(new.name.clone());
        }
        // The table's replica identity names its index.
        let identity = ReplicaIdentity::Index(old.name.clone());
        catalog.tables.modify(&index.table, |t| {
            if t.replica_identity == identity {
                t.replica_identity = ReplicaIdentity::Index(new.name.clone());
            }
        });
        catalog.indexes.insert(new.clone(), index);
    } else if let Some(mut sequence) = catalog.sequences.remove(old) {
        sequence.name = new.clone();
        catalog.sequences.insert(new.clone(), sequence);
    } else if let Some(mut functions) = catalog.functions.remove(old) {
        for f in &mut functions {
            f.name = new.clone();
            // The body goes with the function it belongs to.
            let from = super::function_signature(old, &f.arg_types);
            if let Some(body) = catalog.function_bodies.remove(&from) {
                catalog
                    .function_bodies
                    .insert(super::function_signature(new, &f.arg_types), body);
            }
            if let Some(source) = catalog.function_refs.remove(&from) {
                catalog
                    .function_refs
                    .insert(super::function_signature(new, &f.arg_types), source);
            }
        }
        catalog.functions.insert(new.clone(), functions);
    } else {
        let moved_type = if let Some(mut e) = catalog.enums.remove(old) {
            e.name = new.clone();
            catalog.enums.insert(new.clone(), e);
            true
        } else if let Some(mut d) = catalog.domains.remove(old) {
            d.name = new.clone();
            catalog.domains.insert(new.clone(), d);
            true
        } else {
            catalog.composite_types.remove(old) && catalog.composite_types.insert(new.clone())
        };
        if !moved_type {
            return false;
        }
        // Columns of that type follow it.
        let is_old = |t: &TypeName| {
            t.schema.as_deref().unwrap_or("public") == old.schema && t.name == old.name
        };
        let uses_old = |table: &Table| table.columns.iter().any(|c| is_old(&c.type_name));
        catalog.tables.modify_where(
            |t| uses_old(t),
            |table| {
                for column in table.columns.iter_mut().filter(|c| is_old(&c.type_name)) {
                    column.type_name.schema = (new.schema != "public").then(|| new.schema.clone());
                    column.type_name.name = new.name.clone();
                }
            },
        );
    }
    true
}

/// Renames the first constraint of `table` called `old` (nothing is copied when there is none).
fn rename_constraint(catalog: &mut Catalog, table: &QualName, old: &str, new: &str) {
    if catalog
        .table(table)
        .is_some_and(|t| t.constraint(old).is_some())
    {
        catalog.tables.modify(table, |t| {
            if let Some(c) = t.constraints.iter_mut().find(|c| c.name == old) {
                c.name = new.to_string();
            }
        });
    }
}

pub(super) fn rename_in_constraint(kind: &mut ConstraintKind, old: &str, new: &str) {
    let rename = |cols: &mut Vec<String>| {
        for c in cols.iter_mut().filter(|c| *c == old) {
            *c = new.to_string();
        }
    };
    match kind {
        ConstraintKind::PrimaryKey { columns }
        | ConstraintKind::Unique { columns, .. }
        | ConstraintKind::ForeignKey { columns, .. } => rename(columns),
        ConstraintKind::Check { expr } => rename(&mut expr.columns),
        ConstraintKind::Exclude { elements, .. } => rename(elements),
        ConstraintKind::NotNull { column } => {
            if column == old {
                *column = new.to_string();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A renamed or moved function keeps its body: the body map follows the function's name.
    #[test]
    fn a_renamed_function_keeps_its_body() {
        let catalog = replay(
            "CREATE FUNCTION f(x int) RETURNS int LANGUAGE sql AS $$ SELECT x + 1 $$;
             ALTER FUNCTION f(int) RENAME TO g;",
        );
        let keys: Vec<&String> = catalog.function_bodies.keys().collect();
        assert_eq!(keys.len(), 1, "{keys:?}");
        assert!(keys[0].starts_with("g("), "{keys:?}");
        assert!(catalog.function_bodies[keys[0]].contains("x + 1"));
    }

    #[test]
    fn renames_follow_references() {
        let c = replay(
            "CREATE TABLE a (id int PRIMARY KEY);
             CREATE TABLE b (id int, a_id int REFERENCES a (id));
             CREATE INDEX ON b (a_id);
             ALTER TABLE a RENAME COLUMN id TO a_key;
             ALTER TABLE b RENAME COLUMN a_id TO a_ref;
             ALTER TABLE a RENAME TO alpha;",
        );
        let b = c.table(&QualName::public("b")).unwrap();
        let fk = b.foreign_keys().next().unwrap();
        assert!(
            matches!(&fk.kind, ConstraintKind::ForeignKey { columns, ref_table, ref_columns, .. }
            if columns == &vec!["a_ref".to_string()] && ref_table.name == "alpha" && ref_columns == &vec!["a_key".to_string()])
        );
        let index = c.indexes.get(&QualName::public("b_a_id_idx")).unwrap();
        assert_eq!(
            index.keys,
            vec![IndexKey::Column {
                name: "a_ref".into()
            }]
        );
    }

    #[test]
    fn schema_moves_take_every_object_along() {
        let c = replay(
            "CREATE SCHEMA app;
             CREATE TYPE app.mood AS ENUM ('ok');
             CREATE TABLE app.t (id serial PRIMARY KEY, m app.mood);
             CREATE VIEW app.v AS SELECT id FROM app.t;
             CREATE FUNCTION app.f() RETURNS int LANGUAGE sql AS 'SELECT 1';
             ALTER SCHEMA app RENAME TO core;
             ALTER TYPE core.mood RENAME TO feeling;
             CREATE SCHEMA archive;
             ALTER TABLE core.t SET SCHEMA archive;",
        );
        let t = c.table(&QualName::new("archive", "t")).unwrap();
        assert_eq!(t.column("m").unwrap().type_name.to_string(), "core.feeling");
        assert!(c.indexes.contains_key(&QualName::new("archive", "t_pkey")));
        assert!(c
            .sequences
            .contains_key(&QualName::new("archive", "t_id_seq")));
        assert_eq!(
            c.views[&QualName::new("core", "v")].reads,
            vec![QualName::new("archive", "t")]
        );
        assert!(c.functions.contains_key(&QualName::new("core", "f")));
        assert!(c.enums.contains_key(&QualName::new("core", "feeling")));
        assert!(c.schemas.contains("core") && !c.schemas.contains("app"));
    }
}
