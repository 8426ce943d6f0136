//! `drop-column-default`: removing a default that inserts from running app instances rely on.

use super::*;
use crate::syntax::AlterCmd;

declare_rule! {
    DropColumnDefault {
        id: "drop-column-default",
        category: Compatibility,
        severity: Warning,
        fix: Guidance,
    }
}

impl Rule for DropColumnDefault {
    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Diagnostic>) {
        let Some((alter, Some(table))) = cx.existing_alter_and_table() else {
            return;
        };
        for cmd in &alter.cmds {
            let AlterCmd::SetDefault { column, default } = cmd else {
                continue;
            };
            if default.as_ref().is_some_and(|d| !d.is_null_literal()) {
                continue;
            }
            let Some(col) = table.column(column) else {
                continue;
            };
            let Some(old) = col.default.as_ref().filter(|d| !d.is_null_literal()) else {
                continue;
            };
            // A serial column's sequence default dropped together with the column's identity
            // conversion is a different rule's business.
            if alter
                .cmds
                .iter()
                .any(|c| matches!(c, AlterCmd::AddIdentity { column: c2, .. } if c2 == column))
            {
                continue;
            }
            let name = column_ref(&alter.name, column);
            // The same statement may make the column nullable, in any order of its commands, or a
            // later one of the migration, run straight after it (in the same transaction if the
            // statement is in one: a transaction ended in between leaves inserts failing).
            let drops_not_null =
                |c: &AlterCmd| matches!(c, AlterCmd::DropNotNull { column: c2 } if c2 == column);
            let made_nullable = alter.cmds.iter().any(drops_not_null)
                || later_in_transaction(cx, &alter.name, drops_not_null);
            // A default set again later in the same transaction (a sequence swapped for another):
            // no insert runs without one.
            if later_in_transaction(cx, &alter.name, |c| {
                matches!(c, AlterCmd::SetDefault { column: c2, default: Some(d) }
                    if c2 == column && !d.is_null_literal())
            }) {
                continue;
            }
            let required = col.not_null && !made_nullable;
            let message = match given_earlier(cx, &alter.name, column) {
                // A default this migration set on an existing column was never seen by anything
                // running: dropping it changes nothing they rely on.
                Some(Given::Default) => continue,
                // The same migration gives the table a column old code does not know and inserts
                // cannot leave out: every insert of the previous release fails whatever this
                // default (`constraint-rejects-old-writes` or this rule on that column says so).
                None if requires_added_column(cx, &alter.name, column) => continue,
                // A column this migration added: the previous release does not know it, so its
                // inserts leave it out; nullable, they store NULL as they would have anyway.
                Some(Given::Column) if !required => continue,
                Some(Given::Column) => format!(
                    "dropping the default `{}` of `{name}`, a column this migration added: inserts from app instances that do not know the column yet (the previous release, other services, manual scripts) fail with a `NOT NULL` violation",
                    old.text
                ),
                None => format!(
                    "dropping the default `{}` of `{name}`: inserts from app instances that leave the column out (the previous release, other services, manual scripts) {}",
                    old.text,
                    if required {
                        "now fail with a `NOT NULL` violation"
                    } else {
                        "now store NULL instead"
                    }
                ),
            };
            out.push(
                Diagnostic::new(META.id, cx.span, message)
                .help("release code that always sets the column first, deploy it everywhere, then drop the default in a later migration"),
            );
        }
    }
}

/// What an earlier statement of this migration gave `column` of `table`.
/// Whether a later statement of the current transaction (or, outside one, of the migration)
/// alters `table` with a command `matches` accepts.
fn later_in_transaction(
    cx: &StatementContext<'_>,
    table: &QualName,
    matches: impl Fn(&AlterCmd) -> bool,
) -> bool {
    cx.later
        .iter()
        .take_while(|s| !matches!(s.kind, Statement::Transaction { .. }))
        .any(|s| matches!(&s.kind, Statement::AlterTable(a) if &a.name == table && a.cmds.iter().any(&matches)))
}

/// Whether a column added to `table` by this migration (other than `own`, the one whose default
/// is dropped) ends it `NOT NULL` with no default,
/// identity or generation expression (from its own statements, in order; a trigger that fills it
/// is not seen, so such a column is taken as required).
fn requires_added_column(cx: &StatementContext<'_>, table: &QualName, own: &str) -> bool {
    use crate::syntax::ConstraintKind;
    // (name, not null, has a value when left out)
    let mut added: Vec<(&str, bool, bool)> = vec![];
    let alters = cx
        .earlier
        .iter()
        .map(|s| &s.kind)
        .chain(std::iter::once(cx.stmt))
        .chain(cx.later.iter().map(|s| &s.kind))
        .filter_map(|s| match s {
            Statement::AlterTable(a) if &a.name == table => Some(a),
            _ => None,
        });
    for alter in alters {
        for cmd in &alter.cmds {
            // `IF NOT EXISTS` of a column the table had adds nothing.
            let had = |c: &str| cx.catalog.table(table).is_some_and(|t| t.column(c).is_some());
            if let AlterCmd::AddColumn { if_not_exists: true, column: def } = cmd {
                if had(&def.name) {
                    continue;
                }
            }
            if let AlterCmd::DropColumn { name, .. } = cmd {
                added.retain(|e| e.0 != name);
                continue;
            }
            if let AlterCmd::AddColumn { column: def, .. } = cmd {
                let key = def
                    .constraints
                    .iter()
                    .any(|c| matches!(c.kind, ConstraintKind::PrimaryKey { .. }));
                let filled = def.default.as_ref().is_some_and(|d| !d.is_null_literal())
                    || def.identity.is_some()
                    || def.generated.is_some();
                added.push((def.name.as_str(), def.not_null || key, filled));
                continue;
            }
            let key_columns = match cmd {
                AlterCmd::AddConstraint { constraint } => match &constraint.kind {
                    ConstraintKind::PrimaryKey { columns } => columns.as_slice(),
                    _ => &[],
                },
                _ => &[],
            };
            for entry in added.iter_mut() {
                match cmd {
                    AlterCmd::SetNotNull { column } if column == entry.0 => entry.1 = true,
                    AlterCmd::DropNotNull { column } if column == entry.0 => entry.1 = false,
                    AlterCmd::SetDefault { column, default } if column == entry.0 => {
                        entry.2 = default.as_ref().is_some_and(|d| !d.is_null_literal())
                    }
                    _ if key_columns.iter().any(|c| c == entry.0) => entry.1 = true,
                    _ => {}
                }
            }
        }
    }
    added
        .iter()
        .any(|&(name, not_null, filled)| name != own && not_null && !filled)
}

enum Given {
    /// It added the column.
    Column,
    /// It set the column's default.
    Default,
}

/// Whether an earlier statement of this migration added `column` to `table` or set its default.
fn given_earlier(cx: &StatementContext<'_>, table: &QualName, column: &str) -> Option<Given> {
    let mut given = None;
    for s in cx.earlier {
        let Statement::AlterTable(a) = &s.kind else {
            continue;
        };
        if &a.name != table {
            continue;
        }
        for c in &a.cmds {
            match c {
                AlterCmd::AddColumn { column: def, .. } if def.name == column => {
                    return Some(Given::Column)
                }
                AlterCmd::SetDefault {
                    column: c2,
                    default: Some(d),
                } if c2 == column && !d.is_null_literal() => given = Some(Given::Default),
                _ => {}
            }
        }
    }
    given
}

#[cfg(test)]
mod tests {
    /// The messages of `drop-column-default` on the second migration, over a table whose `state`
    /// is `NOT NULL` with a default.
    fn messages(change: &str) -> Vec<String> {
        crate::rules::findings_after(
            "CREATE TABLE posts (id bigint PRIMARY KEY, state text NOT NULL DEFAULT 'draft');",
            change,
            "drop-column-default",
        )
        .into_iter()
        .map(|f| f.message)
        .collect()
    }

    /// `DROP NOT NULL` later in the migration: inserts that leave the column out store NULL, they
    /// do not fail. Once a transaction has ended in between, they fail meanwhile.
    #[test]
    fn a_later_drop_not_null_makes_the_column_nullable() {
        let later = messages(
            "ALTER TABLE posts ALTER COLUMN state DROP DEFAULT;\nALTER TABLE posts ALTER COLUMN state DROP NOT NULL;",
        );
        assert_eq!(later.len(), 1, "{later:?}");
        assert!(later[0].contains("now store NULL instead"), "{later:?}");
        let committed = messages(
            "BEGIN;\nALTER TABLE posts ALTER COLUMN state DROP DEFAULT;\nCOMMIT;\nALTER TABLE posts ALTER COLUMN state DROP NOT NULL;",
        );
        assert_eq!(committed.len(), 1, "{committed:?}");
        assert!(
            committed[0].contains("fail with a `NOT NULL` violation"),
            "{committed:?}"
        );
        let other_column = messages(
            "ALTER TABLE posts ALTER COLUMN state DROP DEFAULT;\nALTER TABLE posts ADD COLUMN note text;\nALTER TABLE posts ALTER COLUMN note DROP NOT NULL;",
        );
        assert!(
            other_column[0].contains("fail with a `NOT NULL` violation"),
            "{other_column:?}"
        );
    }

    /// A column the same migration adds and requires (`NOT NULL`, no default) makes every insert
    /// of the previous release fail: what this default would have given is moot. A required column
    /// given a default, or made nullable again, does not.
    #[test]
    fn a_required_column_added_alongside_makes_old_inserts_fail_anyway() {
        let moot = messages(
            "ALTER TABLE posts ADD COLUMN slug text;\n\
             ALTER TABLE posts ALTER COLUMN state DROP NOT NULL, ALTER COLUMN state DROP DEFAULT;\n\
             UPDATE posts SET slug = id::text;\n\
             ALTER TABLE posts ALTER COLUMN slug SET NOT NULL;",
        );
        assert!(moot.is_empty(), "{moot:?}");
        let keyed = messages(
            "ALTER TABLE posts ADD COLUMN uid text, ALTER COLUMN state DROP DEFAULT;\n\
             ALTER TABLE posts ADD PRIMARY KEY (uid);",
        );
        assert!(keyed.is_empty(), "{keyed:?}");
        // A default set again later in the migration: no insert goes without one.
        let swapped = messages(
            "ALTER TABLE posts ALTER COLUMN state DROP DEFAULT;\n\
             ALTER TABLE posts ALTER COLUMN state SET DEFAULT 'new';",
        );
        assert!(swapped.is_empty(), "{swapped:?}");
        // Columns added with a default that is dropped at once: each one's own finding stands.
        let both = messages(
            "ALTER TABLE posts ADD COLUMN a int NOT NULL DEFAULT 0, ADD COLUMN b int NOT NULL DEFAULT 0;\n\
             ALTER TABLE posts ALTER COLUMN a DROP DEFAULT, ALTER COLUMN b DROP DEFAULT;",
        );
        assert_eq!(both.len(), 2, "{both:?}");
        // Not added (`IF NOT EXISTS` of a column it had), or dropped again.
        let setup = "CREATE TABLE posts (id bigint PRIMARY KEY, state text NOT NULL DEFAULT 'draft', slug text NOT NULL);";
        for not_added in [
            "ALTER TABLE posts ADD COLUMN IF NOT EXISTS slug text NOT NULL, ALTER COLUMN state DROP DEFAULT;",
            "ALTER TABLE posts ADD COLUMN tmp text NOT NULL, ALTER COLUMN state DROP DEFAULT;\nALTER TABLE posts DROP COLUMN tmp;",
        ] {
            let found = crate::rules::findings_after(setup, not_added, "drop-column-default");
            assert_eq!(found.len(), 1, "{not_added}");
        }
        for given in [
            "ALTER TABLE posts ADD COLUMN slug text NOT NULL DEFAULT '', ALTER COLUMN state DROP DEFAULT;",
            "ALTER TABLE posts ADD COLUMN slug text NOT NULL, ALTER COLUMN state DROP DEFAULT;\nALTER TABLE posts ALTER COLUMN slug DROP NOT NULL;",
        ] {
            assert_eq!(messages(given).len(), 1, "{given}");
        }
    }
}
