//! What `object-already-exists` and `object-does-not-exist` share: when the catalog can vouch for
//! what it says (the replay witnessed it, see `catalog::witness`), and the columns and constraints
//! of a table as an `ALTER TABLE`'s commands change them one after the other.

use super::StatementContext;
use crate::catalog::witness::{Member, Space};
use crate::catalog::{Catalog, Table, TableKind};
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
/// through the commands of one `ALTER TABLE` (each command sees what the ones before it did): the
/// table as the catalog has it, and what the commands added and dropped over it (nothing is copied
/// from the table, which may have hundreds of columns, for each statement).
pub(super) struct Members<'c> {
    table: &'c Table,
    columns: Overlay,
    constraints: Overlay,
    /// The primary key's name, if the table has one.
    primary_key: Option<String>,
    /// The table's constraints that a command dropped (their columns no longer count), and the
    /// columns of each constraint the commands added: what a dropped column takes along.
    table_constraints_dropped: BTreeSet<String>,
    added_constraint_columns: Vec<(String, Vec<String>)>,
    /// Columns and constraints earlier commands of the statement dropped.
    dropped_here: BTreeSet<(Member, String)>,
}

/// Names added and removed over a table's own.
#[derive(Default)]
struct Overlay {
    added: BTreeSet<String>,
    removed: BTreeSet<String>,
}

impl Overlay {
    fn holds<'a>(&self, name: &str, mut own: impl Iterator<Item = &'a str>) -> bool {
        self.added.contains(name) || (!self.removed.contains(name) && own.any(|n| n == name))
    }

    fn insert(&mut self, name: &str) {
        self.removed.remove(name);
        self.added.insert(name.to_string());
    }

    fn remove(&mut self, name: &str) {
        self.added.remove(name);
        self.removed.insert(name.to_string());
    }
}

impl<'c> Members<'c> {
    /// The members of `table`, when the catalog knows them all: the table surely exists, no
    /// inheritance or partitioning mixes in columns from elsewhere, and nothing pgproof could not
    /// replay changed it.
    pub(super) fn of(catalog: &'c Catalog, table: &QualName) -> Option<Members<'c>> {
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
            table: t,
            columns: Overlay::default(),
            constraints: Overlay::default(),
            primary_key: t.primary_key().map(|c| c.name.clone()),
            table_constraints_dropped: BTreeSet::new(),
            added_constraint_columns: vec![],
            dropped_here: BTreeSet::new(),
        })
    }

    pub(super) fn has_column(&self, name: &str) -> bool {
        self.columns
            .holds(name, self.table.columns.iter().map(|c| c.name.as_str()))
    }

    pub(super) fn has_constraint(&self, name: &str) -> bool {
        self.constraints
            .holds(name, self.table.constraints.iter().map(|c| c.name.as_str()))
    }

    pub(super) fn has_primary_key(&self) -> bool {
        self.primary_key.is_some()
    }

    /// Follows one command of the `ALTER TABLE`.
    pub(super) fn apply(&mut self, cmd: &AlterCmd) {
        match cmd {
            AlterCmd::AddColumn { column, .. } => {
                self.columns.insert(&column.name);
                for c in &column.constraints {
                    self.add_constraint(c.name.clone(), &c.kind);
                }
            }
            AlterCmd::DropColumn { name, .. } => {
                self.columns.remove(name);
                self.dropped_here.insert((Member::Column, name.clone()));
                let holds = |columns: &[String]| columns.contains(name);
                let gone: Vec<String> = self
                    .table
                    .constraints
                    .iter()
                    .filter(|c| !self.table_constraints_dropped.contains(&c.name))
                    .filter(|c| holds(&c.kind.columns()))
                    .map(|c| c.name.clone())
                    .chain(
                        self.added_constraint_columns
                            .iter()
                            .filter(|(_, columns)| holds(columns))
                            .map(|(c, _)| c.clone()),
                    )
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
            self.constraints.insert(&name);
            self.added_constraint_columns.push((name, kind.columns()));
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
        if !self.has_constraint(name) {
            // A name the model does not know may be the primary key's (PostgreSQL names a key
            // added `USING INDEX` after the index).
            self.primary_key = None;
        }
        self.constraints.remove(name);
        self.table_constraints_dropped.insert(name.to_string());
        self.added_constraint_columns.retain(|(c, _)| c != name);
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
    use crate::syntax::Statement;

    /// The members as each command of one `ALTER TABLE` leaves them, over the table's own.
    #[test]
    fn members_follow_the_commands_of_an_alter_table() {
        let sql = "CREATE TABLE t (a int CONSTRAINT t_a_check CHECK (a > 0), b int, CONSTRAINT t_pkey PRIMARY KEY (b), CONSTRAINT t_ab_key UNIQUE (a, b));";
        let mut catalog = Catalog::new();
        catalog.witness.next_migration(false);
        for stmt in crate::syntax::parse_sql(sql).statements {
            crate::catalog::apply::apply(&mut catalog, &stmt.kind);
        }
        let t = QualName::public("t");
        let mut m = Members::of(&catalog, &t).expect("a replayed table");
        assert!(m.has_column("a") && m.has_column("b") && !m.has_column("c"));
        assert!(m.has_constraint("t_a_check") && m.has_constraint("t_ab_key"));
        assert!(m.has_primary_key());
        let alter = "ALTER TABLE t DROP COLUMN a, ADD COLUMN c int CONSTRAINT t_c_check CHECK (c > 0), ADD COLUMN a text, DROP CONSTRAINT t_pkey, DROP COLUMN c, ADD CONSTRAINT t_a_check CHECK (a <> '');";
        let parsed = crate::syntax::parse_sql(alter);
        let Statement::AlterTable(a) = &parsed.statements[0].kind else {
            panic!("not an ALTER TABLE");
        };
        let mut seen = vec![];
        for cmd in &a.cmds {
            m.apply(cmd);
            seen.push((
                ["a", "b", "c"].map(|c| m.has_column(c)),
                ["t_a_check", "t_ab_key", "t_c_check", "t_pkey"].map(|c| m.has_constraint(c)),
                m.has_primary_key(),
            ));
        }
        assert_eq!(
            seen,
            vec![
                // DROP COLUMN a takes both constraints on `a` along.
                ([false, true, false], [false, false, false, true], true),
                ([false, true, true], [false, false, true, true], true),
                ([true, true, true], [false, false, true, true], true),
                ([true, true, true], [false, false, true, false], false),
                // DROP COLUMN c takes the check added on `c` in this statement.
                ([true, true, false], [false, false, false, false], false),
                // A dropped table constraint's name given again is the new one.
                ([true, true, false], [true, false, false, false], false),
            ]
        );
        assert_eq!(
            m.why_missing(&catalog, &t, Member::Column, "c"),
            Missing::Dropped
        );
    }

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
