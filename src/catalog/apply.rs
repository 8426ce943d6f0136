//! Folds one statement into a catalog, the way PostgreSQL would change its own catalogs.
//!
//! Never fails: a statement that names an object the catalog does not know (for example because
//! the history is squashed) changes nothing and returns a note.

use super::*;
use crate::syntax::{
    AlterCmd, AlterEnumAction, ColumnDef, CreateIndex, CreateTable, Drop, ObjectKind, Rename,
    StmtKind, TableConstraint,
};

const NAMEDATALEN: usize = 64;

/// Applies `stmt` to `catalog`. Returns notes about anything that could not be applied.
pub fn apply(catalog: &mut Catalog, stmt: &StmtKind) -> Vec<String> {
    let mut notes = vec![];
    match stmt {
        StmtKind::CreateTable(t) => create_table(catalog, t, &mut notes),
        StmtKind::AlterTable(a) => {
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
        StmtKind::CreateIndex(i) => create_index(catalog, i, &mut notes),
        StmtKind::Drop(d) => drop(catalog, d, &mut notes),
        StmtKind::Rename(r) => rename(catalog, r, &mut notes),
        StmtKind::CreateView(v) => {
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
                let mut table = Table::new(v.name.clone());
                table.columns = output_columns
                    .iter()
                    .map(|c| plain_column(c, TypeName::simple("unknown")))
                    .collect();
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
        StmtKind::CreateSequence {
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
        StmtKind::AlterSequence { name, owned_by } => {
            if let (Some(seq), Some(owner)) = (catalog.sequences.get_mut(name), owned_by) {
                seq.owned_by = Some(owner.clone());
            }
        }
        StmtKind::CreateEnum { name, values } => {
            catalog.enums.insert(
                name.clone(),
                EnumType {
                    name: name.clone(),
                    values: values.clone(),
                },
            );
        }
        StmtKind::AlterEnum { name, action } => match (catalog.enums.get_mut(name), action) {
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
        StmtKind::CreateDomain {
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
        StmtKind::CreateCompositeType { name } => {
            catalog.composite_types.insert(name.clone());
        }
        StmtKind::CreateFunction(f) => {
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
        StmtKind::CreateTrigger {
            name,
            table,
            function,
            ..
        } => match catalog.tables.get_mut(table) {
            Some(t) => {
                t.triggers.retain(|tr| &tr.name != name);
                t.triggers.push(Trigger {
                    name: name.clone(),
                    function: function.clone(),
                    enabled: true,
                });
            }
            None => notes.push(format!("table {table} is not known")),
        },
        StmtKind::CreatePolicy { name, table } => match catalog.tables.get_mut(table) {
            Some(t) => {
                if !t.policies.contains(name) {
                    t.policies.push(name.clone());
                }
            }
            None => notes.push(format!("table {table} is not known")),
        },
        StmtKind::Comment {
            object,
            target,
            sub_name,
            text,
        } => comment(catalog, *object, target, sub_name.as_deref(), text.clone()),
        StmtKind::CreateSchema { name, .. } => {
            catalog.schemas.insert(name.clone());
        }
        StmtKind::CreateExtension { name, .. } => {
            catalog.extensions.insert(name.clone());
        }
        StmtKind::AlterSchemaOf {
            name, new_schema, ..
        } => {
            let moved = QualName::new(new_schema.clone(), name.name.clone());
            if !move_object(catalog, name, &moved) {
                notes.push(format!("{name} is not known"));
            }
            // A table's indexes and owned sequences move with it.
            let followers: Vec<QualName> = catalog
                .indexes
                .values()
                .filter(|i| i.table == moved)
                .map(|i| i.name.clone())
                .chain(
                    catalog
                        .sequences
                        .values()
                        .filter(|q| q.owned_by.as_ref().is_some_and(|(t, _)| *t == moved))
                        .map(|q| q.name.clone()),
                )
                .filter(|n| n.schema != *new_schema)
                .collect();
            for old in followers {
                let new = QualName::new(new_schema.clone(), old.name.clone());
                move_object(catalog, &old, &new);
            }
        }
        StmtKind::Do { body } => mark_unreplayed(catalog, body),
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

/// Records the objects a `DO` block may change: every name that follows `TABLE`, `VIEW`, `INDEX`,
/// `SEQUENCE`, `FUNCTION`, `TYPE`, `POLICY`, `ON` or `TO` (objects it may create, alter or rename),
/// and, when it runs dynamic SQL (`EXECUTE`), every known object named in its string literals.
/// Objects it only reads (`SELECT ... FROM t`) stay reliable.
fn mark_unreplayed(catalog: &mut Catalog, body: &str) {
    // Words, each with whether it lies inside a single-quoted literal.
    let mut words: Vec<(String, bool)> = vec![];
    let mut in_literal = false;
    let mut word = String::new();
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        // Comments are no code: their words change nothing, and an apostrophe in one (`won't`)
        // opens no literal.
        if !in_literal && c == '-' && chars.peek() == Some(&'-') {
            for c in chars.by_ref() {
                if c == '\n' {
                    break;
                }
            }
            if !word.is_empty() {
                words.push((std::mem::take(&mut word), in_literal));
            }
            continue;
        }
        if !in_literal && c == '/' && chars.peek() == Some(&'*') {
            chars.next();
            let mut previous = ' ';
            for c in chars.by_ref() {
                if previous == '*' && c == '/' {
                    break;
                }
                previous = c;
            }
            if !word.is_empty() {
                words.push((std::mem::take(&mut word), in_literal));
            }
            continue;
        }
        if c.is_alphanumeric() || c == '_' || c == '$' {
            word.push(c);
            continue;
        }
        if !word.is_empty() {
            words.push((std::mem::take(&mut word), in_literal));
        }
        if c == '\'' {
            in_literal = !in_literal;
        }
    }
    if !word.is_empty() {
        words.push((word, in_literal));
    }
    const CHANGES: &[&str] = &[
        "table", "view", "index", "sequence", "function", "type", "policy", "on", "to",
    ];
    const SKIP: &[&str] = &["if", "not", "exists", "only", "concurrently", "public"];
    for (i, (w, _)) in words.iter().enumerate() {
        if !CHANGES.contains(&w.to_lowercase().as_str()) {
            continue;
        }
        if let Some((name, _)) = words[i + 1..]
            .iter()
            .find(|(w, _)| !SKIP.contains(&w.to_lowercase().as_str()))
        {
            catalog.unreplayed.insert(name.clone());
            catalog.unreplayed.insert(name.to_lowercase());
        }
    }
    let dynamic = words.iter().any(|(w, _)| w.eq_ignore_ascii_case("execute"));
    if !dynamic {
        return;
    }
    let literal: BTreeSet<String> = words
        .iter()
        .filter(|(_, inside)| *inside)
        .map(|(w, _)| w.to_lowercase())
        .collect();
    let named: Vec<String> = catalog
        .tables
        .keys()
        .chain(catalog.views.keys())
        .chain(catalog.indexes.keys())
        .chain(catalog.sequences.keys())
        .chain(catalog.functions.keys())
        .map(|n| n.name.clone())
        .filter(|n| literal.contains(&n.to_lowercase()))
        .collect();
    catalog.unreplayed.extend(named);
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

/// PostgreSQL's makeObjectName: `name1_name2_label`, truncated to 63 bytes by shortening the longer part.
pub fn make_object_name(name1: &str, name2: Option<&str>, label: &str) -> String {
    let mut n1: String = name1.to_string();
    let mut n2: String = name2.unwrap_or("").to_string();
    let overhead = label.len() + 1 + if n2.is_empty() { 0 } else { 1 };
    let max = NAMEDATALEN - 1;
    while n1.len() + n2.len() + overhead > max {
        if n1.len() >= n2.len() {
            n1.pop();
        } else {
            n2.pop();
        }
    }
    if n2.is_empty() {
        format!("{n1}_{label}")
    } else {
        format!("{n1}_{n2}_{label}")
    }
}

/// Picks a free relation name in `schema`, appending a number to the label on conflict.
fn choose_relation_name(
    catalog: &Catalog,
    schema: &str,
    name1: &str,
    name2: Option<&str>,
    label: &str,
) -> String {
    let mut pass = 0;
    loop {
        let label = if pass == 0 {
            label.to_string()
        } else {
            format!("{label}{pass}")
        };
        let candidate = make_object_name(name1, name2, &label);
        if !catalog.relation_exists(&QualName::new(schema, candidate.clone())) {
            return candidate;
        }
        pass += 1;
    }
}

fn choose_constraint_name(table: &Table, name2: Option<&str>, label: &str) -> String {
    let mut pass = 0;
    loop {
        let label_n = if pass == 0 {
            label.to_string()
        } else {
            format!("{label}{pass}")
        };
        let candidate = make_object_name(&table.name.name, name2, &label_n);
        if table.constraint(&candidate).is_none() {
            return candidate;
        }
        pass += 1;
    }
}

fn column_from_def(catalog: &mut Catalog, table: &QualName, def: &ColumnDef) -> Column {
    let mut column = Column {
        name: def.name.clone(),
        type_name: def.type_name.clone(),
        not_null: def.not_null,
        default: def.default.clone(),
        identity: def.identity,
        generated: def.generated.clone(),
        serial: false,
        comment: None,
        last_value: None,
    };
    if def.type_name.is_serial() {
        let seq_name =
            choose_relation_name(catalog, &table.schema, &table.name, Some(&def.name), "seq");
        let seq = QualName::new(table.schema.clone(), seq_name.clone());
        column.type_name = def.type_name.serial_base();
        column.not_null = true;
        column.serial = true;
        column.default = Some(Expr {
            text: format!("nextval('{}'::regclass)", seq),
            columns: vec![],
            functions: vec!["nextval".into()],
            tables: vec![],
        });
        catalog.sequences.insert(
            seq.clone(),
            Sequence {
                name: seq,
                owned_by: Some((table.clone(), def.name.clone())),
                type_name: column.type_name.clone(),
                last_value: None,
            },
        );
    }
    column
}

/// A foreign key of `t` between columns of two different enum types: PostgreSQL has no equality
/// operator between them and rejects the `CREATE TABLE` ("foreign key constraint ... cannot be
/// implemented"). Only known enums on both sides count; anything else is left to the server.
fn foreign_key_between_enums(catalog: &Catalog, t: &CreateTable) -> Option<String> {
    let enum_of = |ty: &TypeName| {
        let name = QualName::new(ty.schema.as_deref().unwrap_or("public"), ty.name.as_str());
        (!ty.array && catalog.enums.contains_key(&name)).then_some(name)
    };
    let constraints = t
        .columns
        .iter()
        .flat_map(|c| c.constraints.iter().map(move |k| (Some(c), k)))
        .chain(t.constraints.iter().map(|k| (None, k)));
    for (owner, constraint) in constraints {
        let ConstraintKind::ForeignKey {
            columns,
            ref_table,
            ref_columns,
            ..
        } = &constraint.kind
        else {
            continue;
        };
        let referenced = catalog.tables.get(ref_table)?;
        let columns: Vec<&str> = match (columns.is_empty(), owner) {
            (true, Some(c)) => vec![c.name.as_str()],
            _ => columns.iter().map(String::as_str).collect(),
        };
        let ref_columns = if ref_columns.is_empty() {
            referenced.primary_key_columns()
        } else {
            ref_columns.clone()
        };
        for (column, ref_column) in columns.iter().zip(&ref_columns) {
            let from = t.columns.iter().find(|c| c.name == *column)?;
            let to = referenced.column(ref_column)?;
            if let (Some(a), Some(b)) = (enum_of(&from.type_name), enum_of(&to.type_name)) {
                if a != b {
                    return Some(format!(
                        "foreign key from {}.{column} ({a}) to {ref_table}.{ref_column} ({b}) cannot be implemented: no equality operator between two enum types",
                        t.name
                    ));
                }
            }
        }
    }
    None
}

fn create_table(catalog: &mut Catalog, t: &CreateTable, notes: &mut Vec<String>) {
    if catalog.tables.contains_key(&t.name) {
        if !t.if_not_exists {
            notes.push(format!("table {} already exists", t.name));
        }
        return;
    }
    if let Some(why) = foreign_key_between_enums(catalog, t) {
        // PostgreSQL rejects the whole statement: the table does not exist afterwards.
        notes.push(why);
        return;
    }
    catalog.schemas.insert(t.name.schema.clone());
    let mut table = Table::new(t.name.clone());
    table.persistence = t.persistence;
    table.inherits = t.inherits.clone();
    if t.partitioned {
        table.kind = TableKind::Partitioned;
    }
    if let Some(parent) = &t.partition_of {
        table.kind = TableKind::Partition {
            parent: parent.clone(),
        };
        if let Some(p) = catalog.tables.get(parent) {
            table.columns = p.columns.clone();
        }
    }
    for source in t.like.iter().chain(t.inherits.iter()) {
        if let Some(p) = catalog.tables.get(source) {
            let copied: Vec<Column> = p
                .columns
                .iter()
                .filter(|c| table.column(&c.name).is_none())
                .cloned()
                .collect();
            table.columns.extend(copied);
        }
    }
    catalog.tables.insert(t.name.clone(), table.into());
    let mut pending = vec![];
    for def in &t.columns {
        let column = column_from_def(catalog, &t.name, def);
        let table = catalog
            .tables
            .get_mut(&t.name)
            .expect("table inserted above");
        match table.column_mut(&def.name) {
            // A partition or child may restate an inherited column to add constraints.
            Some(existing) => {
                existing.not_null |= column.not_null;
                if column.default.is_some() {
                    existing.default = column.default;
                }
            }
            None => table.columns.push(column),
        }
        pending.extend(def.constraints.iter().cloned());
    }
    pending.extend(t.constraints.iter().cloned());
    for constraint in &pending {
        add_constraint(catalog, &t.name, constraint, true, notes);
    }
    if let Some(parent) = &t.partition_of {
        clone_from_parent(catalog, parent, &t.name, notes);
    }
}

/// A new partition gets its parent's keys, foreign keys, checks and indexes, as PostgreSQL clones
/// them: keys and indexes under names chosen for the partition, the others under the parent's name.
fn clone_from_parent(
    catalog: &mut Catalog,
    parent: &QualName,
    partition: &QualName,
    notes: &mut Vec<String>,
) {
    let Some(p) = catalog.tables.get(parent) else {
        return;
    };
    let constraints: Vec<TableConstraint> = p
        .constraints
        .iter()
        .map(|c| TableConstraint {
            name: match c.kind {
                ConstraintKind::PrimaryKey { .. } | ConstraintKind::Unique { .. } => None,
                _ => Some(c.name.clone()),
            },
            kind: c.kind.clone(),
            not_valid: false,
            deferrable: c.deferrable,
            using_index: None,
        })
        .collect();
    let indexes: Vec<CreateIndex> = catalog
        .indexes_on(parent)
        .filter(|i| i.constraint.is_none())
        .map(|i| CreateIndex {
            name: None,
            table: partition.clone(),
            keys: i.keys.clone(),
            key_options: i.key_options.clone(),
            include: i.include.clone(),
            unique: i.unique,
            concurrently: false,
            if_not_exists: false,
            method: i.method.clone(),
            predicate: i.predicate.clone(),
            only: false,
        })
        .collect();
    for constraint in &constraints {
        // A constraint of that name, or an equivalent key (a partition built standalone with its
        // own primary key, then attached), is attached rather than added again.
        let exists = catalog.table(partition).is_some_and(|t| {
            constraint
                .name
                .as_ref()
                .is_some_and(|n| t.constraint(n).is_some())
                || t.constraints.iter().any(|c| {
                    c.kind == constraint.kind
                        || matches!(
                            (&c.kind, &constraint.kind),
                            (
                                ConstraintKind::PrimaryKey { .. },
                                ConstraintKind::PrimaryKey { .. }
                            )
                        )
                })
        });
        if !exists {
            add_constraint(catalog, partition, constraint, true, notes);
        }
    }
    for index in &indexes {
        let exists = catalog.indexes_on(partition).any(|i| {
            i.keys == index.keys
                && i.include == index.include
                && i.method == index.method
                && i.predicate == index.predicate
                && i.unique == index.unique
        });
        if !exists {
            create_index(catalog, index, notes);
        }
    }
}

/// Adds a constraint; `new_table` means the table was created by this statement (always validated).
fn add_constraint(
    catalog: &mut Catalog,
    table_name: &QualName,
    c: &TableConstraint,
    new_table: bool,
    notes: &mut Vec<String>,
) {
    let Some(table) = catalog.tables.get(table_name) else {
        notes.push(format!("table {table_name} is not known"));
        return;
    };
    let first_column = c.kind.columns().first().cloned();
    let joined = c.kind.columns().join("_");
    let name = match (&c.name, &c.kind) {
        (Some(n), _) => n.clone(),
        (None, ConstraintKind::PrimaryKey { .. }) => choose_constraint_name(table, None, "pkey"),
        (None, ConstraintKind::Unique { .. }) => {
            choose_constraint_name(table, Some(&joined), "key")
        }
        (None, ConstraintKind::ForeignKey { .. }) => {
            choose_constraint_name(table, Some(&joined), "fkey")
        }
        (None, ConstraintKind::Exclude { .. }) => {
            choose_constraint_name(table, Some(&joined), "excl")
        }
        (None, ConstraintKind::Check { .. }) => {
            choose_constraint_name(table, first_column.as_deref(), "check")
        }
        (None, ConstraintKind::NotNull { column }) => {
            choose_constraint_name(table, Some(column), "not_null")
        }
    };
    let mut kind = c.kind.clone();
    // `ADD PRIMARY KEY USING INDEX idx` takes the index's columns.
    if let Some(index_name) = &c.using_index {
        let qualified = QualName::new(table_name.schema.clone(), index_name.clone());
        if let Some(index) = catalog.indexes.get(&qualified) {
            let columns: Vec<String> = index
                .keys
                .iter()
                .filter_map(|k| k.column().map(str::to_string))
                .collect();
            kind = match kind {
                ConstraintKind::PrimaryKey { .. } => ConstraintKind::PrimaryKey { columns },
                ConstraintKind::Unique {
                    nulls_not_distinct, ..
                } => ConstraintKind::Unique {
                    columns,
                    nulls_not_distinct,
                },
                other => other,
            };
        }
    }
    if let ConstraintKind::ForeignKey {
        ref_columns,
        ref_table,
        ..
    } = &mut kind
    {
        if ref_columns.is_empty() {
            if let Some(referenced) = catalog.tables.get(ref_table) {
                *ref_columns = referenced.primary_key_columns();
            }
        }
    }
    let table = catalog.tables.get_mut(table_name).expect("checked above");
    match &kind {
        ConstraintKind::PrimaryKey { columns } => {
            for column in columns {
                if let Some(col) = table.column_mut(column) {
                    col.not_null = true;
                }
            }
        }
        ConstraintKind::NotNull { column } => {
            if let Some(col) = table.column_mut(column) {
                col.not_null = true;
            }
            return;
        }
        _ => {}
    }
    table.constraints.retain(|existing| existing.name != name);
    table.constraints.push(Constraint {
        name: name.clone(),
        kind: kind.clone(),
        validated: new_table || !c.not_valid,
        deferrable: c.deferrable,
    });
    // Primary key, unique and exclusion constraints are backed by an index of the same name.
    let index_keys: Option<Vec<IndexKey>> = match &kind {
        ConstraintKind::PrimaryKey { columns } | ConstraintKind::Unique { columns, .. } => Some(
            columns
                .iter()
                .map(|c| IndexKey::Column { name: c.clone() })
                .collect(),
        ),
        ConstraintKind::Exclude { elements, .. } => Some(
            elements
                .iter()
                .map(|c| IndexKey::Column { name: c.clone() })
                .collect(),
        ),
        _ => None,
    };
    if let Some(keys) = index_keys {
        let index_name = QualName::new(table_name.schema.clone(), name.clone());
        if let Some(using) = &c.using_index {
            // The index is renamed to the constraint's name.
            let old = QualName::new(table_name.schema.clone(), using.clone());
            if let Some(mut index) = catalog.indexes.remove(&old) {
                index.name = index_name.clone();
                index.constraint = Some(name.clone());
                catalog.indexes.insert(index_name, index);
            }
            return;
        }
        let method = match &kind {
            ConstraintKind::Exclude { method, .. } => method.clone(),
            _ => "btree".into(),
        };
        catalog.indexes.insert(
            index_name.clone(),
            Index {
                name: index_name,
                table: table_name.clone(),
                keys,
                key_options: vec![],
                include: vec![],
                unique: !matches!(kind, ConstraintKind::Exclude { .. }),
                method,
                predicate: None,
                validity: IndexValidity::Valid,
                constraint: Some(name),
                comment: None,
                scans: None,
                size_bytes: None,
            }
            .into(),
        );
    }
}

fn alter_table(catalog: &mut Catalog, name: &QualName, cmd: &AlterCmd, notes: &mut Vec<String>) {
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
            if let Some(t) = catalog.tables.get_mut(name) {
                t.columns.push(col);
            }
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
            if let Some(col) = catalog
                .tables
                .get_mut(name)
                .and_then(|t| t.column_mut(column))
            {
                col.type_name = type_name.clone();
            }
        }
        AlterCmd::SetDefault { column, default } => {
            if let Some(col) = catalog
                .tables
                .get_mut(name)
                .and_then(|t| t.column_mut(column))
            {
                col.default = default.clone();
            }
        }
        AlterCmd::SetNotNull { column } | AlterCmd::DropNotNull { column } => {
            let set = matches!(cmd, AlterCmd::SetNotNull { .. });
            match catalog
                .tables
                .get_mut(name)
                .and_then(|t| t.column_mut(column))
            {
                Some(col) => col.not_null = set,
                None => notes.push(format!("column {name}.{column} is not known")),
            }
        }
        AlterCmd::AddConstraint { constraint } => {
            add_constraint(catalog, name, constraint, false, notes)
        }
        AlterCmd::ValidateConstraint { name: constraint } => {
            if let Some(c) = catalog
                .tables
                .get_mut(name)
                .and_then(|t| t.constraints.iter_mut().find(|c| &c.name == constraint))
            {
                c.validated = true;
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
                    for t in catalog.tables.values().filter(
                        |t| matches!(&t.kind, TableKind::Partition { parent: p } if *p == parent),
                    ) {
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
                if let Some(t) = catalog.tables.get_mut(table) {
                    t.constraints.retain(|c| &c.name != constraint);
                }
            }
            for (table, constraint) in &dropped {
                catalog.indexes.drop_on(table, |i| {
                    i.constraint.as_deref() == Some(constraint.as_str())
                });
            }
        }
        AlterCmd::AddIdentity { column, identity } => {
            if let Some(col) = catalog
                .tables
                .get_mut(name)
                .and_then(|t| t.column_mut(column))
            {
                col.identity = Some(*identity);
                col.not_null = true;
            }
        }
        AlterCmd::DropIdentity { column } => {
            if let Some(col) = catalog
                .tables
                .get_mut(name)
                .and_then(|t| t.column_mut(column))
            {
                col.identity = None;
            }
        }
        AlterCmd::DropExpression { column } => {
            if let Some(col) = catalog
                .tables
                .get_mut(name)
                .and_then(|t| t.column_mut(column))
            {
                col.generated = None;
            }
        }
        AlterCmd::SetLogged | AlterCmd::SetUnlogged => {
            if let Some(t) = catalog.tables.get_mut(name) {
                t.persistence = if matches!(cmd, AlterCmd::SetLogged) {
                    Persistence::Permanent
                } else {
                    Persistence::Unlogged
                };
            }
        }
        AlterCmd::AttachPartition { partition } => {
            if let Some(p) = catalog.tables.get_mut(partition) {
                p.kind = TableKind::Partition {
                    parent: name.clone(),
                };
                // The parent's keys, foreign keys and indexes now exist on the partition too
                // (an equivalent one it already has is attached instead of built).
                clone_from_parent(catalog, name, partition, notes);
            }
        }
        AlterCmd::DetachPartition { partition, .. } => {
            if let Some(p) = catalog.tables.get_mut(partition) {
                p.kind = TableKind::Regular;
            }
        }
        AlterCmd::EnableRowSecurity
        | AlterCmd::DisableRowSecurity
        | AlterCmd::ForceRowSecurity
        | AlterCmd::NoForceRowSecurity => {
            if let Some(t) = catalog.tables.get_mut(name) {
                match cmd {
                    AlterCmd::EnableRowSecurity => t.rls_enabled = true,
                    AlterCmd::DisableRowSecurity => t.rls_enabled = false,
                    AlterCmd::ForceRowSecurity => t.rls_forced = true,
                    _ => t.rls_forced = false,
                }
            }
        }
        AlterCmd::EnableTrigger { name: trigger } | AlterCmd::DisableTrigger { name: trigger } => {
            let enabled = matches!(cmd, AlterCmd::EnableTrigger { .. });
            if let Some(t) = catalog.tables.get_mut(name) {
                for tr in t
                    .triggers
                    .iter_mut()
                    .filter(|tr| trigger.as_ref().is_none_or(|n| n == &tr.name))
                {
                    tr.enabled = enabled;
                }
            }
        }
        _ => {}
    }
}

fn drop_column(catalog: &mut Catalog, table: &QualName, column: &str, cascade: bool) {
    if let Some(t) = catalog.tables.get_mut(table) {
        t.columns.retain(|c| c.name != column);
        // Constraints over the column go with it.
        t.constraints
            .retain(|c| !c.kind.columns().iter().any(|x| x == column));
    }
    catalog.indexes.drop_on(table, |i| {
        i.keys.iter().any(|k| match k {
            IndexKey::Column { name } => name == column,
            IndexKey::Expression { expr } => expr.columns.iter().any(|c| c == column),
        }) || i.include.iter().any(|c| c == column)
            || i.predicate
                .as_ref()
                .is_some_and(|p| p.columns.iter().any(|c| c == column))
    });
    catalog
        .sequences
        .retain(|_, s| s.owned_by.as_ref() != Some(&(table.clone(), column.to_string())));
    // Foreign keys in other tables that reference the column.
    let references = |c: &Constraint| matches!(&c.kind, ConstraintKind::ForeignKey { ref_table, ref_columns, .. } if ref_table == table && ref_columns.iter().any(|x| x == column));
    for other in catalog.tables_mut_where(|t| t.constraints.iter().any(references)) {
        other.constraints.retain(|c| !references(c));
    }
    if cascade {
        let dependents: Vec<QualName> = catalog
            .views
            .values()
            .filter(|v| v.reads.contains(table) && v.columns_read.iter().any(|c| c == column))
            .map(|v| v.name.clone())
            .collect();
        for view in dependents {
            catalog.views.remove(&view);
        }
    }
}

fn create_index(catalog: &mut Catalog, i: &CreateIndex, notes: &mut Vec<String>) {
    let name = match &i.name {
        Some(n) => QualName::new(i.table.schema.clone(), n.clone()),
        None => {
            let cols: Vec<String> = i
                .keys
                .iter()
                .map(|k| match k {
                    IndexKey::Column { name } => name.clone(),
                    IndexKey::Expression { expr } => expr
                        .functions
                        .first()
                        .cloned()
                        .unwrap_or_else(|| "expr".into()),
                })
                .collect();
            let label = if i.unique { "key" } else { "idx" };
            QualName::new(
                i.table.schema.clone(),
                choose_relation_name(
                    catalog,
                    &i.table.schema,
                    &i.table.name,
                    Some(&cols.join("_")),
                    label,
                ),
            )
        }
    };
    if catalog.indexes.contains_key(&name) {
        if !i.if_not_exists {
            notes.push(format!("index {name} already exists"));
        }
        return;
    }
    if !catalog.tables.contains_key(&i.table) && !catalog.views.contains_key(&i.table) {
        notes.push(format!("table {} is not known", i.table));
    }
    catalog.indexes.insert(
        name.clone(),
        Index {
            name,
            table: i.table.clone(),
            keys: i.keys.clone(),
            key_options: i.key_options.clone(),
            include: i.include.clone(),
            unique: i.unique,
            method: i.method.clone(),
            predicate: i.predicate.clone(),
            validity: if i.concurrently {
                IndexValidity::ConcurrentBuild
            } else {
                IndexValidity::Valid
            },
            constraint: None,
            comment: None,
            scans: None,
            size_bytes: None,
        }
        .into(),
    );
}

fn drop(catalog: &mut Catalog, d: &Drop, notes: &mut Vec<String>) {
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
                    for table in catalog.tables_mut_where(calls) {
                        table.triggers.retain(|tr| &tr.function != name);
                    }
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
                let Some(table) = d.on_table.as_ref().and_then(|t| catalog.tables.get_mut(t))
                else {
                    continue;
                };
                if d.kind == ObjectKind::Trigger {
                    let before = table.triggers.len();
                    table.triggers.retain(|t| t.name != name.name);
                    before != table.triggers.len()
                } else {
                    let before = table.policies.len();
                    table.policies.retain(|p| p != &name.name);
                    before != table.policies.len()
                }
            }
            _ => true,
        };
        if !found && !d.if_exists {
            notes.push(format!("{} {} is not known", d.kind.word(), name));
        }
    }
}

fn drop_dependent_views(catalog: &mut Catalog, name: &QualName) {
    let dependents: Vec<QualName> = catalog
        .views
        .values()
        .filter(|v| v.reads.contains(name))
        .map(|v| v.name.clone())
        .collect();
    for view in dependents {
        if catalog.views.remove(&view).is_some() {
            drop_dependent_views(catalog, &view);
        }
    }
}

fn drop_table(catalog: &mut Catalog, name: &QualName, cascade: bool) -> bool {
    let found = catalog.tables.remove(name).is_some();
    catalog.indexes.drop_on(name, |_| true);
    catalog
        .sequences
        .retain(|_, s| s.owned_by.as_ref().map(|(t, _)| t) != Some(name));
    let references = |c: &Constraint| matches!(&c.kind, ConstraintKind::ForeignKey { ref_table, .. } if ref_table == name);
    for other in catalog.tables_mut_where(|t| t.constraints.iter().any(references)) {
        other.constraints.retain(|c| !references(c));
    }
    let partitions: Vec<QualName> = catalog
        .tables
        .values()
        .filter(|t| matches!(&t.kind, TableKind::Partition { parent } if parent == name))
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
            .values()
            .filter(|t| t.inherits.contains(name))
            .map(|t| t.name.clone())
            .collect();
        for child in children {
            drop_table(catalog, &child, cascade);
        }
    }
    found
}

fn retarget_table_refs(catalog: &mut Catalog, old: &QualName, new: &QualName) {
    catalog
        .indexes
        .modify_on(old, |_| true, |index| index.table = new.clone());
    let refers = |table: &Table| {
        table.constraints.iter().any(
            |c| matches!(&c.kind, ConstraintKind::ForeignKey { ref_table, .. } if ref_table == old),
        ) || matches!(&table.kind, TableKind::Partition { parent } if parent == old)
    };
    for table in catalog.tables_mut_where(refers) {
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
    }
    for seq in catalog.sequences.values_mut() {
        if let Some((t, _)) = &mut seq.owned_by {
            if t == old {
                *t = new.clone();
            }
        }
    }
    for view in catalog.views.values_mut() {
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
    }
}

fn rename(catalog: &mut Catalog, r: &Rename, notes: &mut Vec<String>) {
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
            let Some(table) = catalog.tables.get_mut(&r.target) else {
                if let Some(view) = catalog.views.get_mut(&r.target) {
                    for c in view.output_columns.iter_mut().filter(|c| *c == old) {
                        *c = r.new_name.clone();
                    }
                    return;
                }
                notes.push(format!("table {} is not known", r.target));
                return;
            };
            match table.column_mut(old) {
                Some(col) => col.name = r.new_name.clone(),
                None => {
                    notes.push(format!("column {}.{} is not known", r.target, old));
                    return;
                }
            }
            for c in &mut table.constraints {
                rename_in_constraint(&mut c.kind, old, &r.new_name);
            }
            let target = r.target.clone();
            let names_old = |i: &Index| {
                i.keys
                    .iter()
                    .any(|k| matches!(k, IndexKey::Column { name } if name == old))
            };
            // A view keeps reading the renamed column (PostgreSQL tracks it by number).
            for view in catalog.views.values_mut() {
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
            }
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
            for other in catalog.tables_mut_where(refers) {
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
            }
            for seq in catalog.sequences.values_mut() {
                if let Some((t, c)) = &mut seq.owned_by {
                    if t == &target && c == old {
                        *c = r.new_name.clone();
                    }
                }
            }
        }
        ObjectKind::Constraint => {
            let Some(old) = r.sub_name.as_deref() else {
                return;
            };
            if let Some(c) = catalog
                .tables
                .get_mut(&r.target)
                .and_then(|t| t.constraints.iter_mut().find(|c| c.name == old))
            {
                c.name = r.new_name.clone();
            }
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
            if let Some(t) = catalog.tables.get_mut(&r.target) {
                for tr in t.triggers.iter_mut().filter(|tr| tr.name == old) {
                    tr.name = r.new_name.clone();
                }
            }
        }
        ObjectKind::Policy => {
            let Some(old) = r.sub_name.as_deref() else {
                return;
            };
            if let Some(t) = catalog.tables.get_mut(&r.target) {
                for p in t.policies.iter_mut().filter(|p| *p == old) {
                    *p = r.new_name.clone();
                }
            }
        }
        _ => {}
    }
}

/// Renames or moves the object called `old` (a table, view, index, sequence, type or function)
/// to `new`, keeping every reference to it. Returns false when nothing has that name.
fn move_object(catalog: &mut Catalog, old: &QualName, new: &QualName) -> bool {
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
            if let Some(c) = catalog
                .tables
                .get_mut(&index.table)
                .and_then(|t| t.constraints.iter_mut().find(|c| c.name == constraint))
            {
                c.name = new.name.clone();
            }
            index.constraint = Some(new.name.clone());
        }
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
        for table in catalog.tables_mut_where(uses_old) {
            for column in table.columns.iter_mut().filter(|c| is_old(&c.type_name)) {
                column.type_name.schema = (new.schema != "public").then(|| new.schema.clone());
                column.type_name.name = new.name.clone();
            }
        }
    }
    true
}

fn rename_in_constraint(kind: &mut ConstraintKind, old: &str, new: &str) {
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

fn comment(
    catalog: &mut Catalog,
    object: ObjectKind,
    target: &QualName,
    sub_name: Option<&str>,
    text: Option<String>,
) {
    match object {
        ObjectKind::Table => {
            if let Some(t) = catalog.tables.get_mut(target) {
                t.comment = text;
            }
        }
        ObjectKind::Column => {
            if let Some(c) =
                sub_name.and_then(|s| catalog.tables.get_mut(target).and_then(|t| t.column_mut(s)))
            {
                c.comment = text;
            }
        }
        ObjectKind::View | ObjectKind::MaterializedView => {
            if let Some(v) = catalog.views.get_mut(target) {
                v.comment = text;
            }
        }
        ObjectKind::Index => {
            catalog.indexes.modify(target, |i| i.comment = text);
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::parse_sql;

    fn replay(sql: &str) -> Catalog {
        let mut catalog = Catalog::new();
        let parsed = parse_sql(sql);
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        for stmt in &parsed.statements {
            apply(&mut catalog, &stmt.kind);
        }
        catalog
    }

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
    fn create_table_names_constraints_like_postgres() {
        let c = replay(
            "CREATE TABLE users (id bigserial PRIMARY KEY, email text UNIQUE, age int CHECK (age > 0));
             CREATE TABLE orders (id int PRIMARY KEY, user_id bigint REFERENCES users, CHECK (id > 0));",
        );
        let users = c.table(&QualName::public("users")).unwrap();
        let names: Vec<&str> = users.constraints.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(
            names,
            vec!["users_pkey", "users_email_key", "users_age_check"]
        );
        assert!(users.column("id").unwrap().serial);
        assert_eq!(users.column("id").unwrap().type_name.name, "int8");
        assert!(c.sequences.contains_key(&QualName::public("users_id_seq")));
        assert!(c.indexes.contains_key(&QualName::public("users_email_key")));
        let orders = c.table(&QualName::public("orders")).unwrap();
        let fk = orders.constraint("orders_user_id_fkey").unwrap();
        assert!(
            matches!(&fk.kind, ConstraintKind::ForeignKey { ref_columns, .. } if ref_columns == &vec!["id".to_string()])
        );
        assert!(orders.constraint("orders_id_check").is_some());
    }

    #[test]
    fn long_names_are_truncated_to_63_bytes() {
        let long = "a".repeat(60);
        let c = replay(&format!("CREATE TABLE {long} (id int PRIMARY KEY)"));
        let table = c.table(&QualName::public(long.clone())).unwrap();
        assert_eq!(table.constraints[0].name.len(), 63);
        assert!(table.constraints[0].name.ends_with("_pkey"));
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
