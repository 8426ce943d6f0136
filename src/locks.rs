//! Which table-level lock each statement takes, as documented for PostgreSQL.
//!
//! Used by rules to name the lock in messages, by the engine to track what a transaction holds,
//! and by `prove` to compare with what the server really took. Does no IO.

use crate::syntax::{AlterCmd, ConstraintKind, LockMode, ObjectKind, QualName, Statement};

/// The strongest lock `stmt` takes on each relation it touches (tables, not indexes).
pub fn statement_locks(stmt: &Statement) -> Vec<(QualName, LockMode)> {
    use LockMode::*;
    match stmt {
        Statement::AlterTable(a) => {
            let mut out = vec![(a.name.clone(), alter_table_lock(a))];
            for cmd in &a.cmds {
                match cmd {
                    AlterCmd::AddConstraint { constraint } => {
                        if let ConstraintKind::ForeignKey { ref_table, .. } = &constraint.kind {
                            out.push((ref_table.clone(), ShareRowExclusive));
                        }
                    }
                    AlterCmd::AttachPartition { partition }
                    | AlterCmd::DetachPartition { partition, .. } => {
                        out.push((partition.clone(), AccessExclusive));
                    }
                    _ => {}
                }
            }
            out
        }
        Statement::CreateIndex(i) => vec![(
            i.table.clone(),
            if i.concurrently {
                ShareUpdateExclusive
            } else {
                Share
            },
        )],
        Statement::CreateTable(t) => {
            let mut out = vec![];
            for c in t
                .constraints
                .iter()
                .chain(t.columns.iter().flat_map(|c| c.constraints.iter()))
            {
                if let ConstraintKind::ForeignKey { ref_table, .. } = &c.kind {
                    if ref_table != &t.name {
                        out.push((ref_table.clone(), ShareRowExclusive));
                    }
                }
            }
            if let Some(parent) = &t.partition_of {
                out.push((parent.clone(), AccessExclusive));
            }
            out
        }
        Statement::Drop(d) => d
            .names
            .iter()
            // A trigger's or policy's table comes in `on_table`; its own name is no relation.
            .filter(|_| {
                !names_no_relation(d.kind)
                    && !matches!(
                        d.kind,
                        crate::syntax::ObjectKind::Trigger | crate::syntax::ObjectKind::Policy
                    )
            })
            .map(|n| (n.clone(), AccessExclusive))
            .chain(d.on_table.iter().map(|t| (t.clone(), AccessExclusive)))
            .collect(),
        // Renaming a type, function, schema or extension locks no table by that name.
        Statement::Rename(r) if names_no_relation(r.kind) => vec![],
        Statement::Rename(r) => vec![(r.target.clone(), AccessExclusive)],
        // Moving a relation to another schema (its indexes and owned sequences go with it).
        Statement::AlterSchemaOf {
            kind:
                ObjectKind::Table
                | ObjectKind::View
                | ObjectKind::MaterializedView
                | ObjectKind::Sequence,
            name,
            ..
        } => vec![(name.clone(), AccessExclusive)],
        Statement::CreateTrigger { table, .. } => vec![(table.clone(), ShareRowExclusive)],
        Statement::CreatePolicy { table, .. } | Statement::AlterPolicy { table, .. } => {
            vec![(table.clone(), AccessExclusive)]
        }
        Statement::Insert { table, .. }
        | Statement::Update { table, .. }
        | Statement::Delete { table, .. } => vec![(table.clone(), RowExclusive)],
        Statement::Truncate { tables, .. } => tables
            .iter()
            .map(|t| (t.clone(), AccessExclusive))
            .collect(),
        Statement::Lock { tables, mode } => tables.iter().map(|t| (t.clone(), *mode)).collect(),
        Statement::Vacuum { tables, full, .. } => {
            let mode = if *full {
                AccessExclusive
            } else {
                ShareUpdateExclusive
            };
            tables.iter().map(|t| (t.clone(), mode)).collect()
        }
        Statement::Cluster { table } => {
            table.iter().map(|t| (t.clone(), AccessExclusive)).collect()
        }
        Statement::Reindex {
            name, concurrently, ..
        } => vec![(
            name.clone(),
            if *concurrently {
                ShareUpdateExclusive
            } else {
                AccessExclusive
            },
        )],
        Statement::RefreshMaterializedView { name, concurrently } => vec![(
            name.clone(),
            if *concurrently {
                Exclusive
            } else {
                AccessExclusive
            },
        )],
        Statement::Comment { target, .. } => vec![(target.clone(), ShareUpdateExclusive)],
        _ => vec![],
    }
}

/// [`statement_locks`] with index names resolved to their tables through `catalog`: `DROP INDEX`,
/// `REINDEX INDEX` and `ALTER INDEX` lock the index's table. An index the catalog does not know is
/// left out rather than mistaken for a table. With `order_known` (the migrations' order is the
/// runner's, not a guess, so the catalog is the schema the statement meets), a
/// `DROP TRIGGER/POLICY IF EXISTS` of one the table lacks takes no lock.
pub fn table_locks(
    stmt: &Statement,
    catalog: &crate::catalog::Catalog,
    order_known: bool,
) -> Vec<(QualName, LockMode)> {
    let on_index = match stmt {
        Statement::Drop(d) => d.kind == crate::syntax::ObjectKind::Index,
        Statement::Reindex { target, .. } => target == "index",
        Statement::Rename(r) => r.kind == crate::syntax::ObjectKind::Index,
        Statement::AlterTable(a) => a.kind == crate::syntax::RelKind::Index,
        _ => false,
    };
    // `DROP TRIGGER/POLICY IF EXISTS` of one its known table lacks: PostgreSQL opens the table,
    // finds nothing to drop and lets the lock go at once (it says "does not exist, skipping").
    if let (true, Statement::Drop(d)) = (order_known, stmt) {
        if let (true, Some(table)) = (
            d.if_exists,
            d.on_table.as_ref().and_then(|t| catalog.table(t)),
        ) {
            let exists = |name: &QualName| match d.kind {
                crate::syntax::ObjectKind::Trigger => {
                    table.triggers.iter().any(|t| t.name == name.name)
                }
                crate::syntax::ObjectKind::Policy => table.policies.contains(&name.name),
                _ => true,
            };
            if !d.names.iter().any(exists) {
                return vec![];
            }
        }
    }
    statement_locks(stmt)
        .into_iter()
        .filter_map(|(name, mode)| match catalog.indexes.get(&name) {
            Some(index) => Some((index.table.clone(), mode)),
            None if on_index => None,
            None => Some((name, mode)),
        })
        .collect()
}

/// The lock an ALTER TABLE takes on its table: the strongest its commands need.
pub fn alter_table_lock(alter: &crate::syntax::AlterTable) -> LockMode {
    alter
        .cmds
        .iter()
        .map(alter_cmd_lock)
        .max()
        .unwrap_or(LockMode::AccessExclusive)
}

/// The lock one ALTER TABLE sub-command needs (the statement takes the strongest of its commands).
pub fn alter_cmd_lock(cmd: &AlterCmd) -> LockMode {
    use LockMode::*;
    match cmd {
        AlterCmd::AddConstraint { constraint } => match constraint.kind {
            ConstraintKind::ForeignKey { .. } => ShareRowExclusive,
            _ => AccessExclusive,
        },
        AlterCmd::ValidateConstraint { .. } => ShareUpdateExclusive,
        AlterCmd::EnableTrigger { .. } | AlterCmd::DisableTrigger { .. } => ShareRowExclusive,
        AlterCmd::AttachPartition { .. } => ShareUpdateExclusive,
        AlterCmd::DetachPartition {
            concurrently: true, ..
        } => ShareUpdateExclusive,
        AlterCmd::ClusterOn { .. } => ShareUpdateExclusive,
        AlterCmd::Other { what } if what.contains("Statistics") || what.contains("RelOptions") => {
            ShareUpdateExclusive
        }
        _ => AccessExclusive,
    }
}

/// Object kinds whose names are not relations: dropping or renaming one locks no table by that
/// name.
fn names_no_relation(kind: crate::syntax::ObjectKind) -> bool {
    use crate::syntax::ObjectKind::*;
    matches!(
        kind,
        Schema | Type | Domain | Function | Procedure | Extension
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::parse_sql;

    fn locks(sql: &str) -> Vec<(String, LockMode)> {
        let parsed = parse_sql(sql);
        statement_locks(&parsed.statements[0].kind)
            .into_iter()
            .map(|(n, m)| (n.to_string(), m))
            .collect()
    }

    #[test]
    fn objects_that_are_not_relations_lock_no_table_by_their_name() {
        for sql in [
            "DROP FUNCTION report()",
            "DROP TYPE mood",
            "DROP SCHEMA archive CASCADE",
            "DROP EXTENSION pg_trgm",
            "ALTER TYPE mood RENAME TO feeling",
            "ALTER FUNCTION report() RENAME TO report_v2",
        ] {
            assert_eq!(locks(sql), vec![], "{sql}");
        }
        // A trigger's table is locked, not a table named like the trigger.
        let dropped = locks("DROP TRIGGER IF EXISTS audit_touch ON audit");
        assert!(!dropped.is_empty());
        assert!(dropped.iter().all(|(t, _)| t == "audit"), "{dropped:?}");
    }

    #[test]
    fn lock_modes_match_the_documentation() {
        assert_eq!(
            locks("CREATE INDEX i ON t (a)"),
            vec![("t".into(), LockMode::Share)]
        );
        assert_eq!(
            locks("CREATE INDEX CONCURRENTLY i ON t (a)"),
            vec![("t".into(), LockMode::ShareUpdateExclusive)]
        );
        assert_eq!(
            locks("ALTER TABLE t VALIDATE CONSTRAINT c"),
            vec![("t".into(), LockMode::ShareUpdateExclusive)]
        );
        assert_eq!(
            locks("ALTER TABLE t ADD CONSTRAINT f FOREIGN KEY (u) REFERENCES u (id)"),
            vec![
                ("t".into(), LockMode::ShareRowExclusive),
                ("u".into(), LockMode::ShareRowExclusive)
            ]
        );
        assert_eq!(
            locks("ALTER TABLE t ADD COLUMN c int, VALIDATE CONSTRAINT x"),
            vec![("t".into(), LockMode::AccessExclusive)]
        );
    }
}
