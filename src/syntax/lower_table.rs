//! Lowering of tables: `CREATE TABLE` with its columns and constraints, `ALTER TABLE` and its
//! commands, and `CREATE INDEX`.

use super::expr::expr;
use super::lower::{lower_type, name_list, range_var, range_vars, strings};
use super::*;
use pg_query::protobuf::{self, ConstrType, ObjectType};
use pg_query::{Node, NodeEnum};

pub(super) fn constraints_of(nodes: &[Node]) -> impl Iterator<Item = &protobuf::Constraint> {
    nodes.iter().filter_map(|n| match n.node.as_ref() {
        Some(NodeEnum::Constraint(c)) => Some(c.as_ref()),
        _ => None,
    })
}

fn lower_column(c: &protobuf::ColumnDef) -> ColumnDef {
    let mut column = ColumnDef {
        name: c.colname.clone(),
        type_name: c
            .type_name
            .as_ref()
            .map(lower_type)
            .unwrap_or_else(|| TypeName::simple("unknown")),
        not_null: c.is_not_null,
        default: c.raw_default.as_deref().map(expr),
        identity: None,
        generated: None,
        generated_virtual: false,
        constraints: vec![],
        length_implied: c.type_name.as_ref().is_some_and(|t| {
            // The grammar adds the `1` itself, at no location in the text.
            t.typmods.len() == 1
                && t.typmods
                    .iter()
                    .all(|m| matches!(m.node.as_ref(), Some(NodeEnum::AConst(c)) if c.location < 0))
        }),
    };
    for con in constraints_of(&c.constraints) {
        match ConstrType::try_from(con.contype).unwrap_or(ConstrType::Undefined) {
            ConstrType::ConstrNotnull => column.not_null = true,
            ConstrType::ConstrNull => column.not_null = false,
            ConstrType::ConstrDefault => column.default = con.raw_expr.as_deref().map(expr),
            ConstrType::ConstrIdentity => {
                column.identity = Some(if con.generated_when == "a" {
                    Identity::Always
                } else {
                    Identity::ByDefault
                });
                column.not_null = true;
            }
            ConstrType::ConstrGenerated => {
                column.generated = con.raw_expr.as_deref().map(expr);
                column.generated_virtual = con.generated_kind == "v";
            }
            ConstrType::ConstrPrimary => {
                column.not_null = true;
                column
                    .constraints
                    .extend(lower_constraint(con, Some(&c.colname)));
            }
            _ => column
                .constraints
                .extend(lower_constraint(con, Some(&c.colname))),
        }
    }
    column
}

/// Lowers a table or column constraint; `column` is set for column constraints.
fn lower_constraint(c: &protobuf::Constraint, column: Option<&str>) -> Option<TableConstraint> {
    let keys = || -> Vec<String> {
        let keys = strings(&c.keys);
        if keys.is_empty() {
            column.map(|c| vec![c.to_string()]).unwrap_or_default()
        } else {
            keys
        }
    };
    let kind = match ConstrType::try_from(c.contype).unwrap_or(ConstrType::Undefined) {
        ConstrType::ConstrPrimary => ConstraintKind::PrimaryKey { columns: keys() },
        ConstrType::ConstrUnique => ConstraintKind::Unique {
            columns: keys(),
            nulls_not_distinct: c.nulls_not_distinct,
        },
        ConstrType::ConstrCheck => ConstraintKind::Check {
            expr: c.raw_expr.as_deref().map(expr).unwrap_or_else(|| Expr {
                text: "true".into(),
                columns: vec![],
                functions: vec![],
                tables: vec![],
            }),
        },
        ConstrType::ConstrForeign => {
            let mut columns = strings(&c.fk_attrs);
            if columns.is_empty() {
                columns = column.map(|c| vec![c.to_string()]).unwrap_or_default();
            }
            ConstraintKind::ForeignKey {
                columns,
                ref_table: range_var(c.pktable.as_ref()),
                ref_columns: strings(&c.pk_attrs),
                on_delete: FkAction::from_code(&c.fk_del_action),
                on_update: FkAction::from_code(&c.fk_upd_action),
            }
        }
        ConstrType::ConstrExclusion => {
            let elements = c
                .exclusions
                .iter()
                .filter_map(|pair| match pair.node.as_ref() {
                    Some(NodeEnum::List(l)) => {
                        l.items.first().and_then(|n| match n.node.as_ref() {
                            Some(NodeEnum::IndexElem(e)) if !e.name.is_empty() => {
                                Some(e.name.clone())
                            }
                            Some(NodeEnum::IndexElem(e)) => e.expr.as_deref().map(|x| expr(x).text),
                            _ => None,
                        })
                    }
                    _ => None,
                })
                .collect();
            ConstraintKind::Exclude {
                elements,
                method: if c.access_method.is_empty() {
                    "gist".into()
                } else {
                    c.access_method.clone()
                },
            }
        }
        ConstrType::ConstrNotnull => ConstraintKind::NotNull {
            column: keys().into_iter().next().unwrap_or_default(),
        },
        _ => return None,
    };
    Some(TableConstraint {
        name: (!c.conname.is_empty()).then(|| c.conname.clone()),
        kind,
        not_valid: c.skip_validation,
        deferrable: c.deferrable,
        using_index: (!c.indexname.is_empty()).then(|| c.indexname.clone()),
    })
}

pub(super) fn lower_create_table(s: &protobuf::CreateStmt) -> CreateTable {
    let name = range_var(s.relation.as_ref());
    let persistence = match s.relation.as_ref().map(|r| r.relpersistence.as_str()) {
        Some("u") => Persistence::Unlogged,
        Some("t") => Persistence::Temporary,
        _ => Persistence::Permanent,
    };
    let mut columns = vec![];
    let mut constraints = vec![];
    let mut like = vec![];
    let mut like_indexes = vec![];
    let mut like_checks = vec![];
    for elt in &s.table_elts {
        match elt.node.as_ref() {
            Some(NodeEnum::ColumnDef(c)) => columns.push(lower_column(c)),
            Some(NodeEnum::Constraint(c)) => constraints.extend(lower_constraint(c, None)),
            Some(NodeEnum::TableLikeClause(l)) => {
                let source = range_var(l.relation.as_ref());
                // `CREATE_TABLE_LIKE_INDEXES` and `CREATE_TABLE_LIKE_CONSTRAINTS` (`ALL` sets
                // every bit).
                if l.options & (1 << 6) != 0 {
                    like_indexes.push(source.clone());
                }
                if l.options & (1 << 2) != 0 {
                    like_checks.push(source.clone());
                }
                like.push(source);
            }
            _ => {}
        }
    }
    constraints.extend(constraints_of(&s.constraints).filter_map(|c| lower_constraint(c, None)));
    let inherits = range_vars(&s.inh_relations);
    let partition_of = if s.partbound.is_some() {
        inherits.first().cloned()
    } else {
        None
    };
    CreateTable {
        name,
        if_not_exists: s.if_not_exists,
        persistence,
        columns,
        constraints,
        partitioned: s.partspec.is_some(),
        inherits: if partition_of.is_some() {
            vec![]
        } else {
            inherits
        },
        partition_of,
        like,
        like_indexes,
        like_checks,
    }
}

pub(super) fn lower_alter_table(s: &protobuf::AlterTableStmt) -> Statement {
    use protobuf::AlterTableType as T;
    let kind = match ObjectType::try_from(s.objtype).unwrap_or(ObjectType::Undefined) {
        ObjectType::ObjectIndex => RelKind::Index,
        ObjectType::ObjectView => RelKind::View,
        ObjectType::ObjectMatview => RelKind::MaterializedView,
        ObjectType::ObjectSequence => RelKind::Sequence,
        ObjectType::ObjectForeignTable => RelKind::ForeignTable,
        ObjectType::ObjectType => RelKind::Type,
        _ => RelKind::Table,
    };
    let only = s.relation.as_ref().is_some_and(|r| !r.inh);
    let mut cmds = vec![];
    for node in &s.cmds {
        let Some(NodeEnum::AlterTableCmd(c)) = node.node.as_ref() else {
            continue;
        };
        let def = c.def.as_deref().and_then(|n| n.node.as_ref());
        let cascade = c.behavior == 2;
        let cmd = match T::try_from(c.subtype).unwrap_or(T::Undefined) {
            T::AtAddColumn | T::AtAddColumnToView => match def {
                Some(NodeEnum::ColumnDef(cd)) => AlterCmd::AddColumn {
                    column: lower_column(cd),
                    if_not_exists: c.missing_ok,
                },
                _ => AlterCmd::Other {
                    what: "add column".into(),
                },
            },
            T::AtDropColumn => AlterCmd::DropColumn {
                name: c.name.clone(),
                if_exists: c.missing_ok,
                cascade,
            },
            T::AtAlterColumnType => match def {
                Some(NodeEnum::ColumnDef(cd)) => AlterCmd::AlterColumnType {
                    column: c.name.clone(),
                    type_name: cd
                        .type_name
                        .as_ref()
                        .map(lower_type)
                        .unwrap_or_else(|| TypeName::simple("unknown")),
                    using: cd.raw_default.as_deref().map(expr),
                },
                _ => AlterCmd::Other {
                    what: "alter column type".into(),
                },
            },
            T::AtColumnDefault => AlterCmd::SetDefault {
                column: c.name.clone(),
                default: c.def.as_deref().map(expr),
            },
            T::AtSetNotNull => AlterCmd::SetNotNull {
                column: c.name.clone(),
            },
            T::AtDropNotNull => AlterCmd::DropNotNull {
                column: c.name.clone(),
            },
            T::AtAddConstraint => match def {
                Some(NodeEnum::Constraint(con)) => match lower_constraint(con, None) {
                    Some(constraint) => AlterCmd::AddConstraint { constraint },
                    None => AlterCmd::Other {
                        what: "add constraint".into(),
                    },
                },
                _ => AlterCmd::Other {
                    what: "add constraint".into(),
                },
            },
            T::AtValidateConstraint => AlterCmd::ValidateConstraint {
                name: c.name.clone(),
            },
            T::AtDropConstraint => AlterCmd::DropConstraint {
                name: c.name.clone(),
                if_exists: c.missing_ok,
                cascade,
            },
            T::AtAddIdentity => {
                let identity = match def {
                    Some(NodeEnum::Constraint(con)) if con.generated_when == "a" => {
                        Identity::Always
                    }
                    _ => Identity::ByDefault,
                };
                AlterCmd::AddIdentity {
                    column: c.name.clone(),
                    identity,
                }
            }
            T::AtDropIdentity => AlterCmd::DropIdentity {
                column: c.name.clone(),
            },
            T::AtSetLogged => AlterCmd::SetLogged,
            T::AtSetUnLogged => AlterCmd::SetUnlogged,
            T::AtSetTableSpace => AlterCmd::SetTablespace {
                tablespace: c.name.clone(),
            },
            T::AtAttachPartition => match def {
                Some(NodeEnum::PartitionCmd(p)) => AlterCmd::AttachPartition {
                    partition: range_var(p.name.as_ref()),
                },
                _ => AlterCmd::Other {
                    what: "attach partition".into(),
                },
            },
            T::AtDetachPartition => match def {
                Some(NodeEnum::PartitionCmd(p)) => AlterCmd::DetachPartition {
                    partition: range_var(p.name.as_ref()),
                    concurrently: p.concurrent,
                },
                _ => AlterCmd::Other {
                    what: "detach partition".into(),
                },
            },
            T::AtEnableRowSecurity => AlterCmd::EnableRowSecurity,
            T::AtDisableRowSecurity => AlterCmd::DisableRowSecurity,
            T::AtForceRowSecurity => AlterCmd::ForceRowSecurity,
            T::AtNoForceRowSecurity => AlterCmd::NoForceRowSecurity,
            T::AtEnableTrig | T::AtEnableAlwaysTrig | T::AtEnableReplicaTrig => {
                AlterCmd::EnableTrigger {
                    name: Some(c.name.clone()),
                }
            }
            T::AtEnableTrigAll | T::AtEnableTrigUser => AlterCmd::EnableTrigger { name: None },
            T::AtDisableTrig => AlterCmd::DisableTrigger {
                name: Some(c.name.clone()),
            },
            T::AtDisableTrigAll | T::AtDisableTrigUser => AlterCmd::DisableTrigger { name: None },
            T::AtSetExpression => AlterCmd::SetExpression {
                column: c.name.clone(),
            },
            T::AtDropExpression => AlterCmd::DropExpression {
                column: c.name.clone(),
            },
            T::AtClusterOn => AlterCmd::ClusterOn {
                index: c.name.clone(),
            },
            T::AtReplicaIdentity => match def {
                Some(NodeEnum::ReplicaIdentityStmt(r)) => AlterCmd::ReplicaIdentity {
                    identity: match r.identity_type.as_str() {
                        "f" => ReplicaIdentity::Full,
                        "n" => ReplicaIdentity::Nothing,
                        "i" => ReplicaIdentity::Index(r.name.clone()),
                        _ => ReplicaIdentity::Default,
                    },
                },
                _ => AlterCmd::Other {
                    what: "ReplicaIdentity".into(),
                },
            },
            other => AlterCmd::Other {
                what: format!("{other:?}").trim_start_matches("At").to_string(),
            },
        };
        cmds.push(cmd);
    }
    Statement::AlterTable(AlterTable {
        name: range_var(s.relation.as_ref()),
        kind,
        if_exists: s.missing_ok,
        only,
        cmds,
    })
}

/// Operator class, collation and ordering of one index key, empty for the defaults.
fn index_key_options(e: &protobuf::IndexElem) -> String {
    let mut parts: Vec<String> = vec![];
    if !e.collation.is_empty() {
        parts.push(format!("COLLATE {}", name_list(&e.collation).name));
    }
    if !e.opclass.is_empty() {
        parts.push(name_list(&e.opclass).name);
    }
    // SortByDir: 3 is DESC (ASC is the default).
    if e.ordering == 3 {
        parts.push("DESC".into());
    }
    // Only a NULLS ordering that differs from the direction's default (LAST for ASC, FIRST for
    // DESC) changes the index.
    match (e.nulls_ordering, e.ordering == 3) {
        (2, false) => parts.push("NULLS FIRST".into()),
        (3, true) => parts.push("NULLS LAST".into()),
        _ => {}
    }
    parts.join(" ")
}

pub(super) fn lower_index(s: &protobuf::IndexStmt) -> CreateIndex {
    let key_options = s
        .index_params
        .iter()
        .filter_map(|p| match p.node.as_ref() {
            Some(NodeEnum::IndexElem(e)) => Some(index_key_options(e)),
            _ => None,
        })
        .collect();
    let keys = s
        .index_params
        .iter()
        .filter_map(|p| match p.node.as_ref() {
            Some(NodeEnum::IndexElem(e)) if !e.name.is_empty() => Some(IndexKey::Column {
                name: e.name.clone(),
            }),
            Some(NodeEnum::IndexElem(e)) => e
                .expr
                .as_deref()
                .map(|x| IndexKey::Expression { expr: expr(x) }),
            _ => None,
        })
        .collect();
    let include = s
        .index_including_params
        .iter()
        .filter_map(|p| match p.node.as_ref() {
            Some(NodeEnum::IndexElem(e)) => Some(e.name.clone()),
            _ => None,
        })
        .collect();
    CreateIndex {
        name: (!s.idxname.is_empty()).then(|| s.idxname.clone()),
        table: range_var(s.relation.as_ref()),
        keys,
        key_options,
        include,
        unique: s.unique,
        concurrently: s.concurrent,
        if_not_exists: s.if_not_exists,
        method: if s.access_method.is_empty() {
            "btree".into()
        } else {
            s.access_method.clone()
        },
        predicate: s.where_clause.as_deref().map(expr),
        only: s.relation.as_ref().is_some_and(|r| !r.inh),
    }
}
