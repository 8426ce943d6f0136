//! What `object-already-exists` and `object-does-not-exist` share: when the catalog can vouch for
//! what it says (the replay witnessed it, see `catalog::witness`), and the columns and constraints
//! of a table as an `ALTER TABLE`'s commands change them one after the other.

use super::StatementContext;
use crate::catalog::witness::{Member, Space};
use crate::catalog::{Catalog, TableKind};
use crate::syntax::{AlterCmd, ConstraintKind, QualName};
use std::collections::BTreeSet;

/// Whether nothing about the whole history stops the catalog from vouching for anything:
/// unqualified names still mean `public` objects. (When the order of the files is only assumed,
/// the witness vouches only for what the current file did.)
pub(super) fn history_is_vouched(cx: &StatementContext<'_>) -> bool {
    !cx.catalog.witness.search_path_is_moved()
}

/// Whether `name` may stand for a temporary object (which unqualified names find first) or one a
/// `DO` block may have changed.
pub(super) fn uncertain_name(catalog: &Catalog, name: &QualName) -> bool {
    name.schema == "pg_temp"
        || catalog.is_unreplayed(name)
        || catalog
            .tables
            .contains_key(&QualName::new("pg_temp", name.name.clone()))
}

/// Whether the relation `name` surely exists on the server.
pub(super) fn relation_surely_exists(catalog: &Catalog, name: &QualName) -> bool {
    catalog.relation_exists(name)
        && !uncertain_name(catalog, name)
        && catalog.witness.vouches_exists(Space::Relation, name)
}

/// Whether the relation `name` surely does not exist on the server: the replay saw it dropped
/// (or renamed away) and nothing since may have brought it back.
pub(super) fn relation_surely_absent(catalog: &Catalog, name: &QualName) -> bool {
    !catalog.relation_exists(name)
        && !uncertain_name(catalog, name)
        && catalog.witness.vouches_absent(Space::Relation, name)
}

/// Whether a constraint, index or sequence name has the shape of one PostgreSQL makes up
/// (`orders_pkey`, `orders_user_id_fkey`, `orders_email_key1`, `orders_id_seq`): the replay names
/// such objects itself, and a clash or an absence under such a name is only as sure as that
/// naming, so the rules say nothing about them.
pub(super) fn generated_shape(name: &str) -> bool {
    const LABELS: &[&str] = &[
        "pkey", "key", "fkey", "check", "excl", "idx", "not_null", "seq",
    ];
    let stem = name.trim_end_matches(|c: char| c.is_ascii_digit());
    LABELS
        .iter()
        .any(|label| stem.strip_suffix(label).is_some_and(|s| s.ends_with('_')))
}

/// How a column or constraint came to be missing from a table whose members the catalog knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Missing {
    /// The replay saw it dropped or renamed away (earlier in the history, or by an earlier
    /// command of the statement).
    Dropped,
    /// The table comes from the base schema (`--schema-from`), which knows its members.
    NotInBase,
    /// The history never created it: a migration pgproof does not read may have.
    NeverSeen,
}

impl Missing {
    pub(super) fn how(self) -> &'static str {
        match self {
            Missing::Dropped => "was dropped or renamed earlier in the history",
            Missing::NotInBase => "does not exist in the base schema",
            Missing::NeverSeen => "does not exist in the replayed history",
        }
    }
}

/// The columns and constraints of a table whose every change the replay witnessed, followed
/// through the commands of one `ALTER TABLE` (each command sees what the ones before it did).
pub(super) struct Members {
    pub columns: BTreeSet<String>,
    pub constraints: BTreeSet<String>,
    /// The primary key's name, if the table has one.
    pub primary_key: Option<String>,
    /// Each constraint's columns, to drop the constraints a dropped column takes along.
    constraint_columns: Vec<(String, Vec<String>)>,
    /// Columns and constraints earlier commands of the statement dropped.
    dropped_here: BTreeSet<(Member, String)>,
}

impl Members {
    /// The members of `table`, when the catalog knows them all: the table surely exists, no
    /// inheritance or partitioning mixes in columns from elsewhere, and nothing pgproof could not
    /// replay changed it.
    pub(super) fn of(catalog: &Catalog, table: &QualName) -> Option<Members> {
        let t = catalog.table(table)?;
        if !t.inherits.is_empty()
            || !matches!(t.kind, TableKind::Regular)
            || catalog.witness.columns_are_loose(table)
            || !relation_surely_exists(catalog, table)
        {
            return None;
        }
        // Children of a table of the base schema (the replay marks the ones it creates loose).
        let parent = catalog.tables.inheriting(table).next().is_some()
            || catalog.tables.partitions_of(table).next().is_some();
        if parent {
            return None;
        }
        Some(Members {
            columns: t.columns.iter().map(|c| c.name.clone()).collect(),
            constraints: t.constraints.iter().map(|c| c.name.clone()).collect(),
            primary_key: t.primary_key().map(|c| c.name.clone()),
            constraint_columns: t
                .constraints
                .iter()
                .map(|c| (c.name.clone(), c.kind.columns()))
                .collect(),
            dropped_here: BTreeSet::new(),
        })
    }

    /// Follows one command of the `ALTER TABLE`.
    pub(super) fn apply(&mut self, cmd: &AlterCmd) {
        match cmd {
            AlterCmd::AddColumn { column, .. } => {
                self.columns.insert(column.name.clone());
                for c in &column.constraints {
                    self.add_constraint(c.name.clone(), &c.kind);
                }
            }
            AlterCmd::DropColumn { name, .. } => {
                self.columns.remove(name);
                self.dropped_here.insert((Member::Column, name.clone()));
                let gone: Vec<String> = self
                    .constraint_columns
                    .iter()
                    .filter(|(_, columns)| columns.contains(name))
                    .map(|(c, _)| c.clone())
                    .collect();
                for c in gone {
                    self.drop_constraint(&c);
                }
            }
            AlterCmd::AddConstraint { constraint } => {
                self.add_constraint(constraint.name.clone(), &constraint.kind)
            }
            AlterCmd::DropConstraint { name, .. } => self.drop_constraint(name),
            _ => {}
        }
    }

    fn add_constraint(&mut self, name: Option<String>, kind: &ConstraintKind) {
        // An unnamed constraint gets a name the rules never reason about (see `generated_shape`).
        let name = name.unwrap_or_default();
        if matches!(kind, ConstraintKind::PrimaryKey { .. }) {
            self.primary_key = Some(name.clone());
        }
        if !name.is_empty() {
            self.constraints.insert(name.clone());
            self.constraint_columns.push((name, kind.columns()));
        }
    }

    /// How the column or constraint `name` of `table` came to be missing.
    pub(super) fn why_missing(
        &self,
        catalog: &Catalog,
        table: &QualName,
        kind: Member,
        name: &str,
    ) -> Missing {
        if self.dropped_here.contains(&(kind, name.to_string()))
            || catalog.witness.vouches_member_absent(table, kind, name)
        {
            Missing::Dropped
        } else if catalog.witness.from_base(Space::Relation, table) {
            Missing::NotInBase
        } else {
            Missing::NeverSeen
        }
    }

    fn drop_constraint(&mut self, name: &str) {
        self.dropped_here
            .insert((Member::Constraint, name.to_string()));
        if !self.constraints.contains(name) {
            // A name the model does not know may be the primary key's (PostgreSQL names a key
            // added `USING INDEX` after the index).
            self.primary_key = None;
        }
        self.constraints.remove(name);
        self.constraint_columns.retain(|(c, _)| c != name);
        if self.primary_key.as_deref() == Some(name) {
            self.primary_key = None;
        }
    }
}

/// The statement that renames an object of `kind`.
pub(super) fn rename_statement(kind: crate::syntax::ObjectKind) -> &'static str {
    match kind {
        crate::syntax::ObjectKind::View => "ALTER VIEW",
        crate::syntax::ObjectKind::MaterializedView => "ALTER MATERIALIZED VIEW",
        crate::syntax::ObjectKind::Index => "ALTER INDEX",
        crate::syntax::ObjectKind::Sequence => "ALTER SEQUENCE",
        _ => "ALTER TABLE",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_shapes_are_postgresqls_labels() {
        for name in [
            "orders_pkey",
            "orders_email_key",
            "orders_email_key1",
            "orders_user_id_fkey",
            "orders_check",
            "orders_total_check2",
            "orders_id_seq",
            "orders_created_at_idx",
            "orders_id_not_null",
        ] {
            assert!(generated_shape(name), "{name}");
        }
        for name in [
            "orders_by_user",
            "uq_email",
            "fk_orders_users",
            "pkey",
            "monkey",
        ] {
            assert!(!generated_shape(name), "{name}");
        }
    }
}
