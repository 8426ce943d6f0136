//! `CREATE TABLE` (columns, constraints, `LIKE`/`INHERITS`/`PARTITION OF` copies from a parent),
//! `ADD CONSTRAINT`, and `CREATE INDEX`.

use super::*;

pub(super) fn column_from_def(catalog: &mut Catalog, table: &QualName, def: &ColumnDef) -> Column {
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
pub(super) fn foreign_key_between_enums(catalog: &Catalog, t: &CreateTable) -> Option<String> {
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

pub(super) fn create_table(catalog: &mut Catalog, t: &CreateTable, notes: &mut Vec<String>) {
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
    table.like_unknown = t
        .like
        .iter()
        .any(|source| !catalog.tables.contains_key(source));
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
        catalog.tables.modify(&t.name, |table| {
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
        });
        pending.extend(def.constraints.iter().cloned());
    }
    pending.extend(t.constraints.iter().cloned());
    for constraint in &pending {
        add_constraint(catalog, &t.name, constraint, true, notes);
    }
    if let Some(parent) = &t.partition_of {
        clone_from_parent(catalog, parent, &t.name, notes);
    }
    for source in &t.like_indexes {
        copy_like(catalog, source, &t.name, true, notes);
    }
    for source in &t.like_checks {
        copy_like(catalog, source, &t.name, false, notes);
    }
}

/// The indexes of `source` that back no constraint, as statements creating them on `table` under
/// names chosen for it.
fn index_copies(catalog: &Catalog, source: &QualName, table: &QualName) -> Vec<CreateIndex> {
    catalog
        .indexes_on(source)
        .filter(|i| i.constraint.is_none())
        .map(|i| CreateIndex {
            name: None,
            table: table.clone(),
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
        .collect()
}

/// What `LIKE source INCLUDING INDEXES` (`indexes`) or `INCLUDING CONSTRAINTS` copies into
/// `table`: its keys, exclusion constraints and indexes under names chosen for the new table, or
/// its checks under their own names. (Foreign keys are never copied.)
fn copy_like(
    catalog: &mut Catalog,
    source: &QualName,
    table: &QualName,
    indexes: bool,
    notes: &mut Vec<String>,
) {
    let Some(p) = catalog.tables.get(source) else {
        return;
    };
    let constraints: Vec<TableConstraint> = p
        .constraints
        .iter()
        .filter(|c| match c.kind {
            ConstraintKind::PrimaryKey { .. }
            | ConstraintKind::Unique { .. }
            | ConstraintKind::Exclude { .. } => indexes,
            ConstraintKind::Check { .. } => !indexes,
            _ => false,
        })
        .map(|c| TableConstraint {
            name: (!indexes).then(|| c.name.clone()),
            kind: c.kind.clone(),
            not_valid: false,
            deferrable: c.deferrable,
            using_index: None,
        })
        .collect();
    let copied = if indexes {
        index_copies(catalog, source, table)
    } else {
        vec![]
    };
    for constraint in &constraints {
        add_constraint(catalog, table, constraint, true, notes);
    }
    for index in &copied {
        create_index(catalog, index, notes);
    }
}

/// A new partition gets its parent's keys, foreign keys, checks and indexes, as PostgreSQL clones
/// them: keys and indexes under names chosen for the partition, the others under the parent's name.
pub(super) fn clone_from_parent(
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
    let indexes = index_copies(catalog, parent, partition);
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
pub(super) fn add_constraint(
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
    let added = catalog.tables.modify(table_name, |table| {
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
                return false;
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
        true
    });
    if added != Some(true) {
        return;
    }
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

pub(super) fn create_index(catalog: &mut Catalog, i: &CreateIndex, notes: &mut Vec<String>) {
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
