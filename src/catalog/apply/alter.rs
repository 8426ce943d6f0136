//! `ALTER TABLE`: one command at a time, and `DROP COLUMN` with what depends on the column.

use super::*;

pub(super) fn alter_table(
    catalog: &mut Catalog,
    name: &QualName,
    cmd: &AlterCmd,
    notes: &mut Vec<String>,
) {
    match cmd {
        AlterCmd::AddColumn {
            column,
            if_not_exists,
        } => {
            let exists = catalog
                .tables
                .get(name)
                .is_some_and(|t| t.column(&column.name).is_some());
            if exists {
                if !if_not_exists {
                    notes.push(format!("column {}.{} already exists", name, column.name));
                }
                return;
            }
            let col = column_from_def(catalog, name, column);
            catalog.tables.modify(name, |t| t.columns.push(col));
            for c in &column.constraints {
                add_constraint(catalog, name, c, false, notes);
            }
        }
        AlterCmd::DropColumn {
            name: column,
            cascade,
            ..
        } => drop_column(catalog, name, column, *cascade),
        AlterCmd::AlterColumnType {
            column, type_name, ..
        } => {
            modify_column(catalog, name, column, |col| {
                col.type_name = type_name.clone();
            });
        }
        AlterCmd::SetDefault { column, default } => {
            modify_column(catalog, name, column, |col| {
                col.default = default.clone();
            });
        }
        AlterCmd::SetNotNull { column } | AlterCmd::DropNotNull { column } => {
            let set = matches!(cmd, AlterCmd::SetNotNull { .. });
            if modify_column(catalog, name, column, |col| col.not_null = set).is_none() {
                notes.push(format!("column {name}.{column} is not known"));
            }
        }
        AlterCmd::AddConstraint { constraint } => {
            add_constraint(catalog, name, constraint, false, notes)
        }
        AlterCmd::ValidateConstraint { name: constraint } => {
            let known = catalog
                .table(name)
                .is_some_and(|t| t.constraint(constraint).is_some());
            if known {
                catalog.tables.modify(name, |t| {
                    for c in t.constraints.iter_mut().filter(|c| &c.name == constraint) {
                        c.validated = true;
                    }
                });
            }
        }
        AlterCmd::DropConstraint {
            name: constraint, ..
        } => {
            // Dropping a partitioned table's constraint drops the partitions' copies: foreign
            // keys and checks under the same name, keys under the partition's own name.
            let kind = catalog
                .table(name)
                .and_then(|t| t.constraint(constraint))
                .map(|c| c.kind.clone());
            let mut dropped: Vec<(QualName, String)> = vec![(name.clone(), constraint.clone())];
            if let Some(kind) = &kind {
                // Visited tables: a history PostgreSQL would reject can make a table its own
                // partition in the replay.
                let mut seen: BTreeSet<QualName> = BTreeSet::new();
                let mut parents = vec![name.clone()];
                while let Some(parent) = parents.pop() {
                    if !seen.insert(parent.clone()) {
                        continue;
                    }
                    for t in catalog.tables.partitions_of(&parent) {
                        if let Some(copy) = t
                            .constraints
                            .iter()
                            .find(|c| &c.kind == kind || &c.name == constraint)
                        {
                            dropped.push((t.name.clone(), copy.name.clone()));
                            parents.push(t.name.clone());
                        }
                    }
                }
            }
            for (table, constraint) in &dropped {
                catalog
                    .tables
                    .modify(table, |t| t.constraints.retain(|c| &c.name != constraint));
            }
            for (table, constraint) in &dropped {
                catalog.indexes.drop_on(table, |i| {
                    i.constraint.as_deref() == Some(constraint.as_str())
                });
            }
        }
        AlterCmd::AddIdentity { column, identity } => {
            modify_column(catalog, name, column, |col| {
                col.identity = Some(*identity);
                col.not_null = true;
            });
        }
        AlterCmd::DropIdentity { column } => {
            modify_column(catalog, name, column, |col| {
                col.identity = None;
            });
        }
        AlterCmd::DropExpression { column } => {
            modify_column(catalog, name, column, |col| {
                col.generated = None;
            });
        }
        AlterCmd::SetLogged | AlterCmd::SetUnlogged => {
            catalog.tables.modify(name, |t| {
                t.persistence = if matches!(cmd, AlterCmd::SetLogged) {
                    Persistence::Permanent
                } else {
                    Persistence::Unlogged
                };
            });
        }
        AlterCmd::AttachPartition { partition } => {
            let attached = catalog.tables.modify(partition, |p| {
                p.kind = TableKind::Partition {
                    parent: name.clone(),
                };
            });
            if attached.is_some() {
                // The parent's keys, foreign keys and indexes now exist on the partition too
                // (an equivalent one it already has is attached instead of built).
                clone_from_parent(catalog, name, partition, notes);
            }
        }
        AlterCmd::DetachPartition { partition, .. } => {
            catalog
                .tables
                .modify(partition, |p| p.kind = TableKind::Regular);
        }
        AlterCmd::EnableRowSecurity
        | AlterCmd::DisableRowSecurity
        | AlterCmd::ForceRowSecurity
        | AlterCmd::NoForceRowSecurity => {
            catalog.tables.modify(name, |t| match cmd {
                AlterCmd::EnableRowSecurity => t.rls_enabled = true,
                AlterCmd::DisableRowSecurity => t.rls_enabled = false,
                AlterCmd::ForceRowSecurity => t.rls_forced = true,
                _ => t.rls_forced = false,
            });
        }
        AlterCmd::ReplicaIdentity { identity } => {
            catalog
                .tables
                .modify(name, |t| t.replica_identity = identity.clone());
        }
        AlterCmd::EnableTrigger { name: trigger } | AlterCmd::DisableTrigger { name: trigger } => {
            let enabled = matches!(cmd, AlterCmd::EnableTrigger { .. });
            catalog.tables.modify(name, |t| {
                for tr in t
                    .triggers
                    .iter_mut()
                    .filter(|tr| trigger.as_ref().is_none_or(|n| n == &tr.name))
                {
                    tr.enabled = enabled;
                }
            });
        }
        _ => {}
    }
}

/// Changes column `column` of `table`; `None` when there is no such column (nothing is copied).
pub(super) fn modify_column<R>(
    catalog: &mut Catalog,
    table: &QualName,
    column: &str,
    change: impl FnOnce(&mut Column) -> R,
) -> Option<R> {
    catalog.table(table)?.column(column)?;
    catalog
        .tables
        .modify(table, |t| t.column_mut(column).map(change))
        .flatten()
}

pub(super) fn drop_column(catalog: &mut Catalog, table: &QualName, column: &str, cascade: bool) {
    catalog.tables.modify(table, |t| {
        t.columns.retain(|c| c.name != column);
        // Constraints over the column go with it.
        t.constraints
            .retain(|c| !c.kind.columns().iter().any(|x| x == column));
    });
    catalog.indexes.drop_on(table, |i| {
        i.keys.iter().any(|k| match k {
            IndexKey::Column { name } => name == column,
            IndexKey::Expression { expr } => expr.columns.iter().any(|c| c == column),
        }) || i.include.iter().any(|c| c == column)
            || i.predicate
                .as_ref()
                .is_some_and(|p| p.columns.iter().any(|c| c == column))
    });
    catalog.sequences.remove_linked(table, |s| {
        s.owned_by
            .as_ref()
            .is_some_and(|(t, c)| t == table && c == column)
    });
    // Foreign keys in other tables that reference the column.
    let references = |c: &Constraint| matches!(&c.kind, ConstraintKind::ForeignKey { ref_table, ref_columns, .. } if ref_table == table && ref_columns.iter().any(|x| x == column));
    catalog.tables.modify_linked(
        table,
        |t| t.constraints.iter().any(references),
        |other| other.constraints.retain(|c| !references(c)),
    );
    if cascade {
        let dependents: Vec<QualName> = catalog
            .views
            .linked(table)
            .filter(|v| v.reads.contains(table) && v.columns_read.iter().any(|c| c == column))
            .map(|v| v.name.clone())
            .collect();
        for view in dependents {
            catalog.views.remove(&view);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::parse_sql;

    /// `ATTACH PARTITION` gives the partition its parent's keys, foreign keys and indexes (an
    /// equivalent key it already has is attached, not doubled); dropping the parent's constraint
    /// drops the copies.
    #[test]
    fn attached_partitions_get_and_lose_their_parents_constraints() {
        let mut catalog = replay(
            "CREATE TABLE accounts (id bigint PRIMARY KEY);
             CREATE TABLE events (id bigint, at date, account_id bigint, PRIMARY KEY (id, at),
               CONSTRAINT events_account_fkey FOREIGN KEY (account_id) REFERENCES accounts (id))
               PARTITION BY RANGE (at);
             CREATE INDEX events_at_idx ON events (at);
             CREATE TABLE events_2024 (id bigint NOT NULL, at date NOT NULL, account_id bigint);
             CREATE TABLE events_2025 (id bigint NOT NULL, at date NOT NULL, account_id bigint, PRIMARY KEY (id, at));
             ALTER TABLE events ATTACH PARTITION events_2024 FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
             ALTER TABLE events ATTACH PARTITION events_2025 FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');",
        );
        let summary = |catalog: &Catalog, table: &str| {
            let t = catalog.table(&QualName::public(table)).unwrap();
            let mut names: Vec<String> = t.constraints.iter().map(|c| c.name.clone()).collect();
            names.extend(
                catalog
                    .indexes_on(&t.name)
                    .filter(|i| i.constraint.is_none())
                    .map(|i| format!("index {}", i.name.name)),
            );
            names.sort();
            names
        };
        assert_eq!(
            summary(&catalog, "events_2024"),
            [
                "events_2024_pkey",
                "events_account_fkey",
                "index events_2024_at_idx"
            ]
        );
        assert_eq!(
            summary(&catalog, "events_2025"),
            [
                "events_2025_pkey",
                "events_account_fkey",
                "index events_2025_at_idx"
            ]
        );
        apply(
            &mut catalog,
            &parse_sql("ALTER TABLE events DROP CONSTRAINT events_pkey, DROP CONSTRAINT events_account_fkey;")
                .statements[0]
                .kind,
        );
        assert_eq!(
            summary(&catalog, "events_2024"),
            ["index events_2024_at_idx"]
        );
        assert_eq!(
            summary(&catalog, "events_2025"),
            ["index events_2025_at_idx"]
        );
        assert!(!catalog
            .indexes
            .contains_key(&QualName::public("events_2024_pkey")));
    }

    /// A table attached as its own partition (PostgreSQL refuses it; the replay does not check)
    /// does not make dropping its constraint loop.
    #[test]
    fn dropping_a_constraint_of_a_table_attached_to_itself_ends() {
        let catalog = replay(
            "CREATE TABLE t (id int, CONSTRAINT c CHECK (id > 0)) PARTITION BY RANGE (id);
             ALTER TABLE t ATTACH PARTITION t FOR VALUES FROM (1) TO (2);
             ALTER TABLE t DROP CONSTRAINT c;",
        );
        assert!(catalog.tables[&QualName::public("t")]
            .constraints
            .is_empty());
    }

    #[test]
    fn not_valid_then_validate() {
        let c = replay(
            "CREATE TABLE t (id int, u int);
             ALTER TABLE t ADD CONSTRAINT c CHECK (u > 0) NOT VALID;",
        );
        assert!(
            !c.table(&QualName::public("t"))
                .unwrap()
                .constraint("c")
                .unwrap()
                .validated
        );
        let mut c = c;
        apply(
            &mut c,
            &parse_sql("ALTER TABLE t VALIDATE CONSTRAINT c").statements[0].kind,
        );
        assert!(
            c.table(&QualName::public("t"))
                .unwrap()
                .constraint("c")
                .unwrap()
                .validated
        );
    }
}
