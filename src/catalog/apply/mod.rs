//! Folds one statement into a catalog, the way PostgreSQL would change its own catalogs.
//!
//! Never fails: a statement that names an object the catalog does not know (for example because
//! the history is squashed) changes nothing and returns a note.

use super::*;
use crate::syntax::{
    AlterCmd, AlterEnumAction, ColumnDef, CreateIndex, CreateTable, Drop, ObjectKind, Rename,
    ReplicaIdentity, Statement, TableConstraint,
};

mod alter;
mod drop;
mod naming;
mod rename;
mod table;
mod unreplayed;

// Each file's functions are visible to the others (they `use super::*`).
use alter::*;
use drop::*;
pub use naming::make_object_name;
use naming::*;
use rename::*;
use table::*;
use unreplayed::*;

/// Applies `stmt` to `catalog`. Returns notes about anything that could not be applied.
pub fn apply(catalog: &mut Catalog, stmt: &Statement) -> Vec<String> {
    let mut notes = vec![];
    super::witness::observe(catalog, stmt);
    match stmt {
        Statement::CreateTable(t) => create_table(catalog, t, &mut notes),
        Statement::AlterTable(a) => {
            if a.kind == crate::syntax::RelKind::Index || a.kind == crate::syntax::RelKind::Sequence
            {
                return notes;
            }
            if !catalog.tables.contains_key(&a.name) {
                if !a.if_exists && !catalog.views.contains_key(&a.name) {
                    notes.push(format!("table {} is not known", a.name));
                }
                return notes;
            }
            for cmd in &a.cmds {
                alter_table(catalog, &a.name, cmd, &mut notes);
            }
        }
        Statement::CreateIndex(i) => create_index(catalog, i, &mut notes),
        Statement::Drop(d) => drop(catalog, d, &mut notes),
        Statement::Rename(r) => rename(catalog, r, &mut notes),
        Statement::CreateView(v) => {
            let output_columns = expand_stars(catalog, &v.reads, &v.output_columns);
            // `t.*` depends on every column `t` has now (PostgreSQL expands it at creation).
            let column_refs: Vec<(QualName, String)> = v
                .column_refs
                .iter()
                .flat_map(
                    |(table, column)| match (column.as_str(), catalog.table(table)) {
                        ("*", Some(t)) => t
                            .columns
                            .iter()
                            .map(|c| (table.clone(), c.name.clone()))
                            .collect(),
                        ("*", None) => vec![],
                        _ => vec![(table.clone(), column.clone())],
                    },
                )
                .collect();
            if v.is_table {
                // `CREATE TABLE ... AS` over an existing table fails, with `IF NOT EXISTS` too
                // (a notice): the table stays as it was.
                if catalog.tables.contains_key(&v.name) {
                    return notes;
                }
                let mut table = Table::new(v.name.clone());
                table.columns = output_columns
                    .iter()
                    .map(|c| plain_column(c, TypeName::simple("unknown")))
                    .collect();
                // `CREATE TEMP TABLE ... AS` (lowered into `pg_temp`) lasts as long as the session.
                if v.name.schema == "pg_temp" {
                    table.persistence = crate::syntax::Persistence::Temporary;
                }
                catalog.tables.insert(v.name.clone(), table.into());
            } else if !(v.if_not_exists && catalog.views.contains_key(&v.name)) {
                catalog.views.insert(
                    v.name.clone(),
                    View {
                        name: v.name.clone(),
                        materialized: v.materialized,
                        reads: v.reads.clone(),
                        columns_read: v.columns_read.clone(),
                        column_refs,
                        loose_columns: v.loose_columns.clone(),
                        functions: v.functions.clone(),
                        output_columns,
                        joins: v.joins.clone(),
                        comment: None,
                    },
                );
            }
        }
        Statement::CreateSequence {
            name,
            if_not_exists,
            owned_by,
            type_name,
        } if !(*if_not_exists && catalog.sequences.contains_key(name)) => {
            catalog.sequences.insert(
                name.clone(),
                Sequence {
                    name: name.clone(),
                    owned_by: owned_by.clone(),
                    type_name: type_name
                        .clone()
                        .unwrap_or_else(|| TypeName::simple("int8")),
                    last_value: None,
                },
            );
        }
        Statement::AlterSequence {
            name,
            owned_by: Some(owner),
        } => {
            catalog
                .sequences
                .modify(name, |seq| seq.owned_by = Some(owner.clone()));
        }
        Statement::CreateEnum { name, values } => {
            catalog.enums.insert(
                name.clone(),
                EnumType {
                    name: name.clone(),
                    values: values.clone(),
                },
            );
        }
        Statement::AlterEnum { name, action } => match (catalog.enums.get_mut(name), action) {
            (
                Some(e),
                AlterEnumAction::AddValue {
                    value, neighbor, ..
                },
            ) => {
                if !e.values.contains(value) {
                    let at = neighbor.as_ref().and_then(|(n, after)| {
                        e.values
                            .iter()
                            .position(|v| v == n)
                            .map(|p| if *after { p + 1 } else { p })
                    });
                    e.values.insert(at.unwrap_or(e.values.len()), value.clone());
                }
            }
            (Some(e), AlterEnumAction::RenameValue { old, new }) => {
                for v in e.values.iter_mut().filter(|v| *v == old) {
                    *v = new.clone();
                }
            }
            (None, _) => notes.push(format!("enum type {name} is not known")),
        },
        Statement::CreateDomain {
            name,
            base,
            not_null,
            checks,
        } => {
            catalog.domains.insert(
                name.clone(),
                Domain {
                    name: name.clone(),
                    base: base.clone(),
                    not_null: *not_null,
                    checks: checks.clone(),
                },
            );
        }
        Statement::CreateCompositeType { name } => {
            catalog.composite_types.insert(name.clone());
        }
        Statement::CreateFunction(f) => {
            let function = Function {
                name: f.name.clone(),
                arg_types: f.arg_types.clone(),
                language: f.language.clone(),
                volatility: f.volatility,
                security_definer: f.security_definer,
                search_path: f.search_path.clone(),
                returns_trigger: f.returns_trigger,
            };
            let signature = super::function_signature(&f.name, &f.arg_types);
            match &f.body {
                Some(body) => catalog
                    .function_bodies
                    .insert(signature.clone(), std::sync::Arc::from(body.as_str())),
                None => catalog.function_bodies.remove(&signature),
            };
            match &f.source {
                Some(sql) => catalog.function_refs.insert(
                    signature.clone(),
                    std::sync::Arc::new(super::body::FunctionSource::new(
                        sql.clone(),
                        &f.language,
                        f.search_path.as_deref(),
                    )),
                ),
                None => catalog.function_refs.remove(&signature),
            };
            let overloads = catalog.functions.entry(f.name.clone()).or_default();
            overloads.retain(|o| o.arg_types != f.arg_types);
            overloads.push(function);
        }
        Statement::CreateTrigger {
            name,
            table,
            function,
            ..
        } => {
            let created = catalog.tables.modify(table, |t| {
                t.triggers.retain(|tr| &tr.name != name);
                t.triggers.push(Trigger {
                    name: name.clone(),
                    function: function.clone(),
                    enabled: true,
                });
            });
            if created.is_none() {
                notes.push(format!("table {table} is not known"));
            }
        }
        Statement::CreatePolicy { name, table } => {
            let created = catalog.tables.modify(table, |t| {
                if !t.policies.contains(name) {
                    t.policies.push(name.clone());
                }
            });
            if created.is_none() {
                notes.push(format!("table {table} is not known"));
            }
        }
        Statement::Comment {
            object,
            target,
            sub_name,
            text,
        } => comment(catalog, *object, target, sub_name.as_deref(), text.clone()),
        Statement::CreateSchema { name, .. } => {
            catalog.schemas.insert(name.clone());
        }
        Statement::CreateExtension { name, .. } => {
            catalog.extensions.insert(name.clone());
        }
        Statement::AlterSchemaOf {
            name, new_schema, ..
        } => {
            let moved = QualName::new(new_schema.clone(), name.name.clone());
            if !move_object(catalog, name, &moved) {
                notes.push(format!("{name} is not known"));
            }
            // A table's indexes and owned sequences move with it.
            let followers: Vec<QualName> = catalog
                .indexes_on(&moved)
                .map(|i| i.name.clone())
                .chain(catalog.sequences.linked(&moved).map(|q| q.name.clone()))
                .filter(|n| n.schema != *new_schema)
                .collect();
            for old in followers {
                let new = QualName::new(new_schema.clone(), old.name.clone());
                move_object(catalog, &old, &new);
            }
        }
        Statement::Do { body } => mark_unreplayed(catalog, body),
        _ => {}
    }
    notes
}

/// A view's output columns with `*` and `p.*` expanded to the columns they stand for now, as
/// PostgreSQL does when it creates the view; empty (unknown) when a star cannot be resolved.
fn expand_stars(catalog: &Catalog, reads: &[QualName], output: &[String]) -> Vec<String> {
    let columns_of = |name: &QualName| -> Option<Vec<String>> {
        match (catalog.table(name), catalog.views.get(name)) {
            (Some(t), _) => Some(t.columns.iter().map(|c| c.name.clone()).collect()),
            (None, Some(v)) if !v.output_columns.is_empty() => Some(v.output_columns.clone()),
            _ => None,
        }
    };
    let mut expanded = vec![];
    for column in output {
        let sources: Vec<&QualName> = if column == "*" {
            reads.iter().collect()
        } else if let Some(qualifier) = column.strip_suffix(".*") {
            let named: Vec<&QualName> = reads.iter().filter(|r| r.name == qualifier).collect();
            if named.is_empty() && reads.len() == 1 {
                // An alias of the one relation read.
                reads.iter().collect()
            } else {
                named
            }
        } else {
            expanded.push(column.clone());
            continue;
        };
        if sources.is_empty() {
            return vec![];
        }
        for source in sources {
            match columns_of(source) {
                Some(columns) => expanded.extend(columns),
                None => return vec![],
            }
        }
    }
    expanded
}

fn plain_column(name: &str, type_name: TypeName) -> Column {
    Column {
        name: name.to_string(),
        type_name,
        not_null: false,
        default: None,
        identity: None,
        generated: None,
        serial: false,
        comment: None,
        last_value: None,
    }
}

fn comment(
    catalog: &mut Catalog,
    object: ObjectKind,
    target: &QualName,
    sub_name: Option<&str>,
    text: Option<String>,
) {
    match object {
        ObjectKind::Table => {
            catalog.tables.modify(target, |t| t.comment = text);
        }
        ObjectKind::Column => {
            if let Some(s) = sub_name {
                let known = catalog.table(target).is_some_and(|t| t.column(s).is_some());
                if known {
                    catalog.tables.modify(target, |t| {
                        if let Some(c) = t.column_mut(s) {
                            c.comment = text;
                        }
                    });
                }
            }
        }
        ObjectKind::View | ObjectKind::MaterializedView => {
            catalog.views.modify(target, |v| v.comment = text);
        }
        ObjectKind::Index => {
            catalog.indexes.modify(target, |i| i.comment = text);
        }
        _ => {}
    }
}

/// The catalog after replaying `sql` (a helper for the crate's unit tests).
#[cfg(test)]
pub(crate) fn replay(sql: &str) -> Catalog {
    let mut catalog = Catalog::new();
    let parsed = crate::syntax::parse_sql(sql);
    assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
    for stmt in &parsed.statements {
        apply(&mut catalog, &stmt.kind);
    }
    catalog
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::parse_sql;

    /// `t.*` in a view depends on the columns `t` has when the view is created, not later ones.
    #[test]
    fn a_view_star_depends_on_the_columns_of_its_time() {
        let catalog = replay(
            "CREATE TABLE art (id int, note text);
             CREATE VIEW listing AS SELECT art.* FROM art;
             ALTER TABLE art ADD COLUMN later int;",
        );
        let refs: Vec<&str> = catalog.views[&QualName::public("listing")]
            .column_refs
            .iter()
            .map(|(_, c)| c.as_str())
            .collect();
        assert_eq!(refs, ["id", "note"]);
    }

    /// A cloned catalog shares its tables; a statement on one copy changes only that copy, and
    /// only the tables the statement changes stop being shared.
    #[test]
    fn clones_share_tables_until_a_statement_changes_them() {
        let before = replay(
            "CREATE TABLE users (id int PRIMARY KEY, email text);
             CREATE TABLE orders (id int PRIMARY KEY, user_id int REFERENCES users);
             CREATE TABLE notes (id int PRIMARY KEY);",
        );
        let mut after = before.clone();
        let parsed = parse_sql(
            "ALTER TABLE users RENAME COLUMN id TO user_id;
             ALTER TABLE notes ADD COLUMN body text;",
        );
        for stmt in &parsed.statements {
            apply(&mut after, &stmt.kind);
        }
        let shared = |name: &str| {
            let name = QualName::public(name);
            Shared::same(&before.tables[&name], &after.tables[&name])
        };
        // `orders` changes through its foreign key to the renamed column; `notes` directly.
        assert!(!shared("users") && !shared("orders") && !shared("notes"));
        let users = before.table(&QualName::public("users")).unwrap();
        assert!(users.column("id").is_some() && users.column("user_id").is_none());
        assert!(before
            .table(&QualName::public("notes"))
            .unwrap()
            .column("body")
            .is_none());
        let fk = |c: &Catalog| {
            c.table(&QualName::public("orders"))
                .unwrap()
                .constraints
                .iter()
                .find_map(|k| match &k.kind {
                    ConstraintKind::ForeignKey { ref_columns, .. } => Some(ref_columns.clone()),
                    _ => None,
                })
        };
        assert_eq!(fk(&before), Some(vec!["id".to_string()]));
        assert_eq!(fk(&after), Some(vec!["user_id".to_string()]));

        // Dropping a table rewrites only the tables whose foreign keys pointed at it.
        let mut dropped = before.clone();
        for stmt in &parse_sql("DROP TABLE notes;").statements {
            apply(&mut dropped, &stmt.kind);
        }
        let kept = |name: &str| {
            let name = QualName::public(name);
            Shared::same(&before.tables[&name], &dropped.tables[&name])
        };
        assert!(kept("users") && kept("orders"));
        assert!(!dropped.tables.contains_key(&QualName::public("notes")));

        // Renaming a type copies only the tables with a column of that type.
        let mut typed = replay(
            "CREATE TYPE mood AS ENUM ('ok'); CREATE TABLE moods (m mood); CREATE TABLE plain (id int);",
        );
        let untyped = typed.clone();
        for stmt in &parse_sql("ALTER TYPE mood RENAME TO feeling;").statements {
            apply(&mut typed, &stmt.kind);
        }
        let same = |name: &str| {
            let name = QualName::public(name);
            Shared::same(&untyped.tables[&name], &typed.tables[&name])
        };
        assert!(same("plain") && !same("moods"));
        let moods = typed.table(&QualName::public("moods")).unwrap();
        assert_eq!(moods.column("m").unwrap().type_name.name, "feeling");
    }

    #[test]
    fn enums_partitions_rls_and_functions() {
        let c = replay(
            "CREATE TYPE mood AS ENUM ('sad', 'ok');
             ALTER TYPE mood ADD VALUE 'happy' AFTER 'sad';
             CREATE TABLE m (id int, at date) PARTITION BY RANGE (at);
             CREATE TABLE m_2024 PARTITION OF m FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
             ALTER TABLE m ENABLE ROW LEVEL SECURITY;
             CREATE POLICY p ON m USING (true);
             CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$ BEGIN RETURN NEW; END $$;
             CREATE TRIGGER t BEFORE INSERT ON m FOR EACH ROW EXECUTE FUNCTION f();",
        );
        assert_eq!(
            c.enums[&QualName::public("mood")].values,
            vec!["sad", "happy", "ok"]
        );
        let part = c.table(&QualName::public("m_2024")).unwrap();
        assert_eq!(
            part.kind,
            TableKind::Partition {
                parent: QualName::public("m")
            }
        );
        assert_eq!(part.columns.len(), 2);
        let m = c.table(&QualName::public("m")).unwrap();
        assert!(m.rls_enabled);
        assert_eq!(m.policies, vec!["p"]);
        assert_eq!(m.triggers[0].function, QualName::public("f"));
        assert!(c.functions[&QualName::public("f")][0].security_definer);
    }
}
