//! `add-foreign-key-validated`: a foreign key added to an existing table without NOT VALID.

use super::*;
use crate::catalog::apply::make_object_name;
use crate::finding::Applicability;
use crate::syntax::ConstraintKind;

declare_rule! {
    AddForeignKeyValidated {
        id: "add-foreign-key-validated",
        category: Locking,
        severity: Warning,
        fix: Recipe(SameSchema),
    }
}

impl Rule for AddForeignKeyValidated {
    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Diagnostic>) {
        // Unlike `existing_alter`, a temporary table that an earlier migration created counts.
        let Some(alter) = cx.alter_table().filter(|a| !cx.is_new(&a.name)) else {
            return;
        };
        for constraint in alter.added_constraints() {
            let ConstraintKind::ForeignKey {
                columns, ref_table, ..
            } = &constraint.kind
            else {
                continue;
            };
            if constraint.not_valid {
                continue;
            }
            let name = constraint.name.clone().unwrap_or_else(|| {
                make_object_name(&alter.name.name, Some(&columns.join("_")), "fkey")
            });
            // The statement takes the strongest lock of its commands on the altered table (a
            // column dropped beside the key: ACCESS EXCLUSIVE).
            let own = crate::locks::alter_table_lock(alter);
            let message = if own == LockMode::ShareRowExclusive {
                format!(
                    "adding foreign key `{name}` checks every existing row of `{}` while holding `SHARE ROW EXCLUSIVE` locks on `{}` and `{ref_table}`, blocking writes to both {}",
                    alter.name,
                    alter.name,
                    held_until(cx.in_transaction)
                )
            } else {
                format!(
                    "adding foreign key `{name}` checks every existing row of `{t}` while the statement holds `{}` on `{t}` (its other commands take it), which blocks {}, and `SHARE ROW EXCLUSIVE` on `{ref_table}`, which blocks writes, {}",
                    own.sql(),
                    own.blocks(),
                    held_until(cx.in_transaction),
                    t = alter.name,
                )
            };
            let mut diag = Diagnostic::new(META.id, cx.span, message)
            .lock(own)
            .help("add the constraint `NOT VALID` (instant), then `VALIDATE CONSTRAINT` in a separate transaction: validation takes only a `SHARE UPDATE EXCLUSIVE` lock, so reads and writes continue");
            if alter.cmds.len() == 1 {
                let with_name = if constraint.name.is_some() {
                    cx.sql.to_string()
                } else {
                    cx.sql
                        .replacen("FOREIGN KEY", &format!("CONSTRAINT {name} FOREIGN KEY"), 1)
                        .replacen("foreign key", &format!("constraint {name} foreign key"), 1)
                };
                diag = diag.fix(
                    format!("{with_name} NOT VALID;\n-- in a separate transaction (a later migration, or after COMMIT):\nALTER TABLE {} VALIDATE CONSTRAINT {name};", alter.name),
                    Applicability::Safe,
                );
            }
            out.push(diag);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::syntax::LockMode;

    /// The lock the statement holds on the altered table while the key is checked: its own
    /// `SHARE ROW EXCLUSIVE`, or the stronger one its other commands take.
    #[test]
    fn the_lock_named_is_the_statements_strongest() {
        let setup = "CREATE TABLE teams (id bigint PRIMARY KEY);\n\
                     CREATE TABLE users (id bigint PRIMARY KEY, team_id bigint, old text);";
        let lock = |change: &str| {
            let found = crate::rules::findings_after(setup, change, "add-foreign-key-validated");
            assert_eq!(found.len(), 1, "{change}: {found:?}");
            (found[0].lock, found[0].message.clone())
        };
        let (alone, message) =
            lock("ALTER TABLE users ADD FOREIGN KEY (team_id) REFERENCES teams (id);");
        assert_eq!(alone, Some(LockMode::ShareRowExclusive));
        assert!(message.contains("`SHARE ROW EXCLUSIVE` locks on `users` and `teams`"), "{message}");
        let (with_drop, message) = lock(
            "ALTER TABLE users DROP COLUMN old, ADD FOREIGN KEY (team_id) REFERENCES teams (id);",
        );
        assert_eq!(with_drop, Some(LockMode::AccessExclusive));
        assert!(
            message.contains("holds `ACCESS EXCLUSIVE` on `users` (its other commands take it), which blocks all reads and writes, and `SHARE ROW EXCLUSIVE` on `teams`"),
            "{message}"
        );
    }
}
