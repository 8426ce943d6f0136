//! `object-does-not-exist`: a statement drops, alters or uses an object that is not there,
//! without `IF EXISTS`: PostgreSQL refuses it and the migration stops.
//!
//! Only where the replay witnessed the absence: a relation, type, function, schema or extension it
//! saw dropped (or renamed away) with nothing it could not replay since, or a column or
//! constraint missing from a table whose every change it replayed (see `will_fail`). An object
//! the history never mentioned may come from a schema pgproof was not given: no finding.

use super::will_fail::{
    generated_shape, history_is_vouched, relation_surely_absent, rename_statement, uncertain_name,
    Members, Missing,
};
use super::*;
use crate::catalog::witness::{space_of, Member, Space};
use crate::catalog::Catalog;
use crate::syntax::{AlterCmd, ConstraintKind, IndexKey, ObjectKind, RelKind};

declare_rule! {
    ObjectDoesNotExist {
        id: "object-does-not-exist",
        category: Correctness,
        severity: Error,
        fix: None,
    }
}

impl Rule for ObjectDoesNotExist {
    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Diagnostic>) {
        if !history_is_vouched(cx) {
            return;
        }
        let catalog = cx.catalog;
        let mut report = |claim: Claim, statement: &str| {
            let d = Diagnostic::new(
                META.id,
                cx.span,
                format!(
                    "{}: this `{statement}` fails on the server and the migration stops there",
                    claim.what
                ),
            )
            .help("remove the statement or fix the name; add `IF EXISTS` only where the object may really be missing");
            out.push(if claim.witnessed {
                d
            } else {
                d.at_most(crate::finding::Severity::Warning).note(
                    "the migrations pgproof read never created it, so it cannot tell whether one it does not read (code, another directory) adds it: a warning, not an error",
                )
            });
        };
        let mut fail = |what: String, statement: &str| {
            report(
                Claim {
                    what,
                    witnessed: true,
                },
                statement,
            )
        };
        match cx.stmt {
            Statement::Drop(d) if !d.if_exists => {
                for name in &d.names {
                    if let Some(what) = dropped_earlier(catalog, d.kind, name) {
                        fail(what, &format!("DROP {}", d.kind.sql()));
                        return;
                    }
                }
            }
            Statement::AlterTable(a) if !a.if_exists => {
                let statement = match a.kind {
                    RelKind::View => "ALTER VIEW",
                    RelKind::MaterializedView => "ALTER MATERIALIZED VIEW",
                    RelKind::Index => "ALTER INDEX",
                    RelKind::Sequence => "ALTER SEQUENCE",
                    RelKind::Table => "ALTER TABLE",
                    RelKind::ForeignTable | RelKind::Type => return,
                };
                if relation_surely_absent(catalog, &a.name) {
                    fail(gone(&a.name), statement);
                    return;
                }
                if a.kind != RelKind::Table {
                    return;
                }
                let Some(mut members) = Members::of(catalog, &a.name) else {
                    return;
                };
                for cmd in &a.cmds {
                    if let Some(claim) = missing_member(catalog, &a.name, &members, cmd) {
                        report(claim, statement);
                        return;
                    }
                    members.apply(cmd);
                }
            }
            Statement::CreateIndex(i) => {
                if relation_surely_absent(catalog, &i.table) {
                    fail(gone(&i.table), "CREATE INDEX");
                    return;
                }
                let Some(members) = Members::of(catalog, &i.table) else {
                    return;
                };
                let columns = i
                    .keys
                    .iter()
                    .filter_map(IndexKey::column)
                    .chain(i.include.iter().map(String::as_str));
                if let Some(claim) = missing_column(catalog, &i.table, &members, columns) {
                    report(claim, "CREATE INDEX");
                }
            }
            Statement::Rename(r) if !r.if_exists => match (r.kind, &r.sub_name) {
                (
                    ObjectKind::Table
                    | ObjectKind::View
                    | ObjectKind::MaterializedView
                    | ObjectKind::Index
                    | ObjectKind::Sequence,
                    None,
                ) if relation_surely_absent(catalog, &r.target) => {
                    fail(gone(&r.target), rename_statement(r.kind));
                }
                (ObjectKind::Column, Some(column)) => {
                    if relation_surely_absent(catalog, &r.target) {
                        fail(gone(&r.target), "ALTER TABLE");
                    } else if let Some(claim) = Members::of(catalog, &r.target).and_then(|m| {
                        missing_column(catalog, &r.target, &m, [column.as_str()].into_iter())
                    }) {
                        report(claim, "ALTER TABLE");
                    }
                }
                (ObjectKind::Constraint, Some(constraint)) => {
                    if let Some(claim) = Members::of(catalog, &r.target)
                        .and_then(|m| missing_constraint(catalog, &r.target, &m, constraint))
                    {
                        report(claim, "ALTER TABLE");
                    }
                }
                _ => {}
            },
            Statement::Insert { table, columns, .. } => {
                if relation_surely_absent(catalog, table) {
                    fail(gone(table), "INSERT");
                } else if let Some(claim) = Members::of(catalog, table).and_then(|m| {
                    missing_column(catalog, table, &m, columns.iter().map(String::as_str))
                }) {
                    report(claim, "INSERT");
                }
            }
            Statement::Update { table, columns, .. } => {
                if relation_surely_absent(catalog, table) {
                    fail(gone(table), "UPDATE");
                } else if let Some(claim) = Members::of(catalog, table).and_then(|m| {
                    missing_column(catalog, table, &m, columns.iter().map(String::as_str))
                }) {
                    report(claim, "UPDATE");
                }
            }
            Statement::Delete { table, .. } if relation_surely_absent(catalog, table) => {
                fail(gone(table), "DELETE");
            }
            _ => {}
        }
    }
}

/// Why dropping `name` fails, when the replay saw it dropped earlier and nothing since may have
/// brought it back.
fn dropped_earlier(catalog: &Catalog, kind: ObjectKind, name: &QualName) -> Option<String> {
    let witness = &catalog.witness;
    let absent = match kind {
        ObjectKind::Schema => {
            !catalog.schemas.contains(&name.name) && witness.vouches_schema_absent(&name.name)
        }
        ObjectKind::Extension => {
            !catalog.extensions.contains(&name.name)
                && witness.vouches_extension_absent(&name.name)
        }
        ObjectKind::Type | ObjectKind::Domain => {
            !catalog.enums.contains_key(name)
                && !catalog.domains.contains_key(name)
                && !catalog.composite_types.contains(name)
                && !catalog.tables.contains_key(name)
                && !uncertain_name(catalog, name)
                && witness.vouches_absent(Space::Type, name)
        }
        ObjectKind::Function | ObjectKind::Procedure => {
            !catalog.functions.contains_key(name)
                && !uncertain_name(catalog, name)
                && witness.vouches_absent(Space::Function, name)
        }
        kind if space_of(kind) == Some(Space::Relation) => relation_surely_absent(catalog, name),
        _ => false,
    };
    absent.then(|| match kind {
        ObjectKind::Schema | ObjectKind::Extension => format!(
            "{} `{}` was dropped earlier in the history and not created again",
            kind.word(),
            crate::syntax::quote_ident(&name.name)
        ),
        _ => format!(
            "{} `{name}` was dropped earlier in the history and not created again",
            kind.word()
        ),
    })
}

/// What a statement claims is missing, and whether the replay saw it go (an error) or only never
/// saw it created (a warning: a migration pgproof does not read may create it).
struct Claim {
    what: String,
    witnessed: bool,
}

/// The first of `columns` that `table` does not have.
fn missing_column<'c>(
    catalog: &Catalog,
    table: &QualName,
    members: &Members,
    mut columns: impl Iterator<Item = &'c str>,
) -> Option<Claim> {
    let column = columns.find(|c| !members.has_column(c))?;
    let why = members.why_missing(catalog, table, Member::Column, column);
    Some(Claim {
        what: format!("column `{}` {}", column_ref(table, column), why.how()),
        witnessed: why != Missing::NeverSeen,
    })
}

/// The constraint `name`, when `table` does not have it and the name is not one PostgreSQL makes
/// up (see `generated_shape`).
fn missing_constraint(
    catalog: &Catalog,
    table: &QualName,
    members: &Members,
    name: &str,
) -> Option<Claim> {
    if generated_shape(name) || members.has_constraint(name) {
        return None;
    }
    let why = members.why_missing(catalog, table, Member::Constraint, name);
    Some(Claim {
        what: format!(
            "constraint `{}` of `{table}` {}",
            crate::syntax::quote_ident(name),
            why.how()
        ),
        witnessed: why != Missing::NeverSeen,
    })
}

/// What one command of an `ALTER TABLE` names that the table does not have, given its members
/// before the command.
fn missing_member(
    catalog: &Catalog,
    table: &QualName,
    members: &Members,
    cmd: &AlterCmd,
) -> Option<Claim> {
    let column = match cmd {
        AlterCmd::DropColumn {
            name,
            if_exists: false,
            ..
        } => Some(name),
        AlterCmd::AlterColumnType { column, .. }
        | AlterCmd::SetDefault { column, .. }
        | AlterCmd::SetNotNull { column }
        | AlterCmd::DropNotNull { column }
        | AlterCmd::AddIdentity { column, .. }
        | AlterCmd::DropIdentity { column }
        | AlterCmd::SetExpression { column }
        | AlterCmd::DropExpression { column } => Some(column),
        _ => None,
    };
    if let Some(column) = column {
        return missing_column(catalog, table, members, [column.as_str()].into_iter());
    }
    match cmd {
        AlterCmd::DropConstraint {
            name,
            if_exists: false,
            ..
        }
        | AlterCmd::ValidateConstraint { name } => missing_constraint(catalog, table, members, name),
        AlterCmd::AddConstraint { constraint } => {
            let own = match &constraint.kind {
                ConstraintKind::PrimaryKey { columns }
                | ConstraintKind::Unique { columns, .. }
                | ConstraintKind::ForeignKey { columns, .. } => columns.as_slice(),
                _ => &[],
            };
            if constraint.using_index.is_none() {
                let missing =
                    missing_column(catalog, table, members, own.iter().map(String::as_str));
                if missing.is_some() {
                    return missing;
                }
            }
            match &constraint.kind {
                ConstraintKind::ForeignKey { ref_table, .. }
                    if relation_surely_absent(catalog, ref_table) =>
                {
                    Some(Claim {
                        what: gone(ref_table),
                        witnessed: true,
                    })
                }
                _ => None,
            }
        }
        _ => None,
    }
}

fn gone(name: &QualName) -> String {
    format!("relation `{name}` was dropped earlier in the history and not created again")
}

#[cfg(test)]
mod tests {
    use crate::catalog::{apply::apply, Catalog};
    use crate::config::Settings;
    use crate::engine::{lint_texts, TextMigration, Texts};
    use crate::finding::Severity;
    use crate::source::Layout;

    fn findings(base: Option<&Catalog>, sql: &str) -> Vec<(Severity, String)> {
        let texts = Texts {
            root: "m".into(),
            layout: Layout::Plain,
            migrations: vec![TextMigration::file("001_a.sql", sql)],
        };
        lint_texts(texts, vec![], &Settings::default(), base)
            .expect("lint runs")
            .findings
            .into_iter()
            .filter(|f| f.rule == "object-does-not-exist")
            .map(|f| (f.severity, f.message))
            .collect()
    }

    /// A column missing from a table of the base schema (`--schema-from`) is missing from the
    /// database: an error. The same table created by a history pgproof may not have in full is
    /// only a warning.
    #[test]
    fn the_base_schema_knows_its_columns() {
        let mut base = Catalog::new();
        for stmt in &crate::syntax::parse_sql("CREATE TABLE users (id int, email text);").statements
        {
            apply(&mut base, &stmt.kind);
        }
        let alter = "ALTER TABLE users DROP COLUMN nickname;";
        let from_base = findings(Some(&base), alter);
        assert_eq!(from_base.len(), 1, "{from_base:?}");
        assert_eq!(from_base[0].0, Severity::Error);
        assert!(from_base[0].1.contains("base schema"), "{from_base:?}");
        let replayed = findings(
            None,
            &format!("CREATE TABLE users (id int, email text);\n{alter}"),
        );
        assert_eq!(replayed.len(), 1, "{replayed:?}");
        assert_eq!(replayed[0].0, Severity::Warning);
    }
}
