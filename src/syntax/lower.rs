//! Lowering one statement node of pg_query's protobuf tree into [`Statement`], and the small readers
//! of protobuf nodes the rest of the lowering shares. Never fails: what it does not know is
//! [`Statement::Other`].

use super::expr::expr;
use super::lower_table::{constraints_of, lower_alter_table, lower_create_table, lower_index};
use super::refs::query_refs;
use super::*;
use pg_query::protobuf::{self, a_const, ConstrType, ObjectType};
use pg_query::{Node, NodeEnum};
use std::fmt;

/// Lowers one parsed statement node into the model.
pub fn lower(node: &NodeEnum) -> Statement {
    match node {
        NodeEnum::CreateStmt(s) => Statement::CreateTable(lower_create_table(s)),
        NodeEnum::AlterTableStmt(s) => lower_alter_table(s),
        NodeEnum::IndexStmt(s) => Statement::CreateIndex(lower_index(s)),
        NodeEnum::DropStmt(s) => Statement::Drop(lower_drop(s)),
        NodeEnum::RenameStmt(s) => lower_rename(s),
        NodeEnum::ViewStmt(s) => lower_view(s),
        NodeEnum::CreateTableAsStmt(s) => lower_create_table_as(s),
        NodeEnum::CreateSeqStmt(s) => Statement::CreateSequence {
            name: range_var(s.sequence.as_ref()),
            if_not_exists: s.if_not_exists,
            owned_by: owned_by(&s.options),
            type_name: def_elem(&s.options, "as").and_then(|d| {
                match d.arg.as_deref().and_then(|n| n.node.as_ref()) {
                    Some(NodeEnum::TypeName(t)) => Some(lower_type(t)),
                    _ => None,
                }
            }),
        },
        NodeEnum::AlterSeqStmt(s) => Statement::AlterSequence {
            name: range_var(s.sequence.as_ref()),
            owned_by: owned_by(&s.options),
        },
        NodeEnum::CreateEnumStmt(s) => Statement::CreateEnum {
            name: name_list(&s.type_name),
            values: strings(&s.vals),
        },
        NodeEnum::AlterEnumStmt(s) => {
            let action = if !s.old_val.is_empty() {
                AlterEnumAction::RenameValue {
                    old: s.old_val.clone(),
                    new: s.new_val.clone(),
                }
            } else {
                let neighbor = (!s.new_val_neighbor.is_empty())
                    .then(|| (s.new_val_neighbor.clone(), s.new_val_is_after));
                AlterEnumAction::AddValue {
                    value: s.new_val.clone(),
                    neighbor,
                    if_not_exists: s.skip_if_new_val_exists,
                }
            };
            Statement::AlterEnum {
                name: name_list(&s.type_name),
                action,
            }
        }
        NodeEnum::CreateDomainStmt(s) => {
            let mut not_null = false;
            let mut checks = vec![];
            for c in constraints_of(&s.constraints) {
                match ConstrType::try_from(c.contype).unwrap_or(ConstrType::Undefined) {
                    ConstrType::ConstrNotnull => not_null = true,
                    ConstrType::ConstrCheck => checks.extend(c.raw_expr.as_deref().map(expr)),
                    _ => {}
                }
            }
            Statement::CreateDomain {
                name: name_list(&s.domainname),
                base: s
                    .type_name
                    .as_ref()
                    .map(lower_type)
                    .unwrap_or_else(|| TypeName::simple("unknown")),
                not_null,
                checks,
            }
        }
        NodeEnum::AlterDomainStmt(s) => {
            let not_valid = match s.def.as_deref().and_then(|n| n.node.as_ref()) {
                Some(NodeEnum::Constraint(c)) => c.skip_validation,
                _ => false,
            };
            let action = match s.subtype.as_str() {
                "C" => "add constraint",
                "X" => "drop constraint",
                "V" => "validate constraint",
                "O" => "set not null",
                "N" => "drop not null",
                "T" => "set default",
                _ => "alter",
            };
            Statement::AlterDomain {
                name: name_list(&s.type_name),
                action: action.into(),
                not_valid,
            }
        }
        NodeEnum::CompositeTypeStmt(s) => Statement::CreateCompositeType {
            name: range_var(s.typevar.as_ref()),
        },
        NodeEnum::CreateFunctionStmt(s) => Statement::CreateFunction(lower_function(s)),
        NodeEnum::CreateTrigStmt(s) => Statement::CreateTrigger {
            name: s.trigname.clone(),
            table: range_var(s.relation.as_ref()),
            function: name_list(&s.funcname),
            or_replace: s.replace,
        },
        NodeEnum::CreatePolicyStmt(s) => Statement::CreatePolicy {
            name: s.policy_name.clone(),
            table: range_var(s.table.as_ref()),
        },
        NodeEnum::AlterPolicyStmt(s) => Statement::AlterPolicy {
            name: s.policy_name.clone(),
            table: range_var(s.table.as_ref()),
        },
        NodeEnum::CommentStmt(s) => lower_comment(s),
        NodeEnum::CreateSchemaStmt(s) => Statement::CreateSchema {
            name: s.schemaname.clone(),
            if_not_exists: s.if_not_exists,
            elements: !s.schema_elts.is_empty(),
        },
        NodeEnum::CreateExtensionStmt(s) => Statement::CreateExtension {
            name: s.extname.clone(),
            if_not_exists: s.if_not_exists,
        },
        NodeEnum::AlterObjectSchemaStmt(s) => {
            let kind = object_kind(s.object_type);
            let name = match &s.relation {
                Some(rv) => range_var(Some(rv)),
                None => s
                    .object
                    .as_deref()
                    .map(object_name)
                    .unwrap_or_else(|| QualName::public("?")),
            };
            Statement::AlterSchemaOf {
                kind,
                name,
                new_schema: s.newschema.clone(),
                if_exists: s.missing_ok,
            }
        }
        NodeEnum::TransactionStmt(s) => {
            use protobuf::TransactionStmtKind as K;
            let tx = match K::try_from(s.kind).unwrap_or(K::Undefined) {
                K::TransStmtBegin | K::TransStmtStart => TxKind::Begin,
                K::TransStmtCommit | K::TransStmtRollback if s.chain => TxKind::Chain,
                K::TransStmtCommit => TxKind::Commit,
                K::TransStmtRollback => TxKind::Rollback,
                K::TransStmtCommitPrepared | K::TransStmtRollbackPrepared => TxKind::FinishPrepared,
                K::TransStmtSavepoint => TxKind::Savepoint,
                K::TransStmtRelease => TxKind::Release,
                K::TransStmtRollbackTo => TxKind::RollbackTo,
                K::TransStmtPrepare => TxKind::Prepare,
                K::Undefined => {
                    return Statement::Other {
                        node: "TransactionStmt".into(),
                    }
                }
            };
            Statement::Transaction { tx }
        }
        NodeEnum::VariableSetStmt(s) => {
            use protobuf::VariableSetKind as K;
            // `RESET x` and `SET x TO DEFAULT` say so, unlike `SET x = ''`.
            let value = match s.kind() {
                K::VarSetDefault | K::VarReset | K::VarResetAll => "DEFAULT".to_string(),
                _ => s.args.iter().map(const_text).collect::<Vec<_>>().join(", "),
            };
            Statement::Set {
                name: s.name.to_ascii_lowercase(),
                value,
                local: s.is_local,
            }
        }
        NodeEnum::InsertStmt(s) => Statement::Insert {
            table: range_var(s.relation.as_ref()),
            columns: s
                .cols
                .iter()
                .filter_map(|c| match c.node.as_ref() {
                    Some(NodeEnum::ResTarget(r)) => Some(r.name.clone()),
                    _ => None,
                })
                .collect(),
            has_select: matches!(
                s.select_stmt.as_deref().and_then(|n| n.node.as_ref()),
                Some(NodeEnum::SelectStmt(sel)) if sel.values_lists.is_empty()
            ),
        },
        NodeEnum::UpdateStmt(s) => {
            // (column, assigns an element or a field rather than the whole column)
            let targets: Vec<(String, bool)> = s
                .target_list
                .iter()
                .filter_map(|c| match c.node.as_ref() {
                    Some(NodeEnum::ResTarget(r)) => {
                        Some((r.name.clone(), !r.indirection.is_empty()))
                    }
                    _ => None,
                })
                .collect();
            let mut assigned_twice: Vec<String> = vec![];
            for (i, (name, partial)) in targets.iter().enumerate() {
                let clash = targets[..i].iter().any(|(earlier, earlier_partial)| {
                    earlier == name && !(*partial && *earlier_partial)
                });
                if clash && !assigned_twice.contains(name) {
                    assigned_twice.push(name.clone());
                }
            }
            Statement::Update {
                table: range_var(s.relation.as_ref()),
                has_where: s.where_clause.is_some(),
                columns: targets.into_iter().map(|(name, _)| name).collect(),
                assigned_twice,
            }
        }
        NodeEnum::DeleteStmt(s) => Statement::Delete {
            table: range_var(s.relation.as_ref()),
            has_where: s.where_clause.is_some(),
        },
        NodeEnum::TruncateStmt(s) => Statement::Truncate {
            tables: range_vars(&s.relations),
            cascade: s.behavior == 2,
        },
        NodeEnum::LockStmt(s) => Statement::Lock {
            tables: range_vars(&s.relations),
            mode: LockMode::from_code(s.mode),
        },
        NodeEnum::VacuumStmt(s) => {
            let tables = s
                .rels
                .iter()
                .filter_map(|n| match n.node.as_ref() {
                    Some(NodeEnum::VacuumRelation(v)) => Some(range_var(v.relation.as_ref())),
                    _ => None,
                })
                .collect();
            let full = option_on(&s.options, "full");
            Statement::Vacuum {
                tables,
                full,
                analyze_only: !s.is_vacuumcmd,
            }
        }
        NodeEnum::ClusterStmt(s) => Statement::Cluster {
            table: s.relation.as_ref().map(|r| range_var(Some(r))),
        },
        NodeEnum::ReindexStmt(s) => {
            let concurrently = option_on(&s.params, "concurrently");
            let target = match s.kind {
                1 => "index",
                2 => "table",
                3 => "schema",
                4 => "system",
                _ => "database",
            };
            let name = match &s.relation {
                Some(rv) => range_var(Some(rv)),
                None => QualName::public(s.name.clone()),
            };
            Statement::Reindex {
                target: target.into(),
                name,
                concurrently,
            }
        }
        NodeEnum::RefreshMatViewStmt(s) => Statement::RefreshMaterializedView {
            name: range_var(s.relation.as_ref()),
            concurrently: s.concurrent,
        },
        NodeEnum::SelectStmt(_) | NodeEnum::ExplainStmt(_) | NodeEnum::VariableShowStmt(_) => {
            Statement::Select
        }
        NodeEnum::DoStmt(s) => Statement::Do {
            body: def_elem(&s.args, "as")
                .and_then(|d| d.arg.as_deref())
                .and_then(str_of)
                .unwrap_or_default()
                .to_string(),
        },
        NodeEnum::GrantStmt(_)
        | NodeEnum::GrantRoleStmt(_)
        | NodeEnum::AlterDefaultPrivilegesStmt(_)
        | NodeEnum::AlterOwnerStmt(_) => Statement::Grant,
        other => Statement::Other {
            node: node_name(other),
        },
    }
}

/// The kind of object a protobuf `ObjectType` code names.
fn object_kind(code: i32) -> ObjectKind {
    match ObjectType::try_from(code).unwrap_or(ObjectType::Undefined) {
        ObjectType::ObjectTable | ObjectType::ObjectForeignTable => ObjectKind::Table,
        ObjectType::ObjectView => ObjectKind::View,
        ObjectType::ObjectMatview => ObjectKind::MaterializedView,
        ObjectType::ObjectIndex => ObjectKind::Index,
        ObjectType::ObjectSequence => ObjectKind::Sequence,
        ObjectType::ObjectSchema => ObjectKind::Schema,
        ObjectType::ObjectType => ObjectKind::Type,
        ObjectType::ObjectDomain => ObjectKind::Domain,
        ObjectType::ObjectFunction | ObjectType::ObjectRoutine | ObjectType::ObjectAggregate => {
            ObjectKind::Function
        }
        ObjectType::ObjectProcedure => ObjectKind::Procedure,
        ObjectType::ObjectTrigger => ObjectKind::Trigger,
        ObjectType::ObjectPolicy => ObjectKind::Policy,
        ObjectType::ObjectExtension => ObjectKind::Extension,
        ObjectType::ObjectColumn => ObjectKind::Column,
        ObjectType::ObjectTabconstraint => ObjectKind::Constraint,
        _ => ObjectKind::Other,
    }
}

/// The protobuf node's name (`CreatePublicationStmt`). Debug output starts with the variant name;
/// the writer stops at the first `(` so the rest of the tree is never formatted.
fn node_name(node: &NodeEnum) -> String {
    struct UntilParen(String);
    impl fmt::Write for UntilParen {
        fn write_str(&mut self, s: &str) -> fmt::Result {
            match s.find('(') {
                Some(i) => {
                    self.0.push_str(&s[..i]);
                    Err(fmt::Error)
                }
                None => {
                    self.0.push_str(s);
                    Ok(())
                }
            }
        }
    }
    let mut name = UntilParen(String::new());
    // The error is how the writer stops early; the name is complete by then.
    let _ = fmt::write(&mut name, format_args!("{:?}", node.to_ref()));
    name.0
}

pub(crate) fn range_var(rv: Option<&protobuf::RangeVar>) -> QualName {
    match rv {
        Some(rv) => {
            let schema = if !rv.schemaname.is_empty() {
                rv.schemaname.clone()
            } else if rv.relpersistence == "t" {
                "pg_temp".to_string()
            } else {
                "public".to_string()
            };
            QualName::new(schema, rv.relname.clone())
        }
        None => QualName::public("?"),
    }
}

pub(super) fn range_vars(nodes: &[Node]) -> Vec<QualName> {
    nodes
        .iter()
        .filter_map(|n| match n.node.as_ref() {
            Some(NodeEnum::RangeVar(rv)) => Some(range_var(Some(rv))),
            _ => None,
        })
        .collect()
}

pub(super) fn str_of(node: &Node) -> Option<&str> {
    match node.node.as_ref() {
        Some(NodeEnum::String(s)) => Some(&s.sval),
        _ => None,
    }
}

pub(super) fn strings(nodes: &[Node]) -> Vec<String> {
    nodes
        .iter()
        .filter_map(str_of)
        .map(str::to_string)
        .collect()
}

/// A list of String nodes as a qualified name (`schema.name` or `name`).
pub(super) fn name_list(nodes: &[Node]) -> QualName {
    let parts = strings(nodes);
    match parts.as_slice() {
        [] => QualName::public("?"),
        [name] => QualName::public(name.clone()),
        [.., schema, name] => QualName::new(schema.clone(), name.clone()),
    }
}

/// The name of the object a DROP/COMMENT/ALTER names: a String list, a TypeName, or ObjectWithArgs.
fn object_name(node: &Node) -> QualName {
    match node.node.as_ref() {
        Some(NodeEnum::List(list)) => name_list(&list.items),
        Some(NodeEnum::String(s)) => QualName::public(s.sval.clone()),
        Some(NodeEnum::TypeName(t)) => name_list(&t.names),
        Some(NodeEnum::ObjectWithArgs(o)) => name_list(&o.objname),
        _ => QualName::public("?"),
    }
}

pub(super) fn lower_type(t: &protobuf::TypeName) -> TypeName {
    let parts = strings(&t.names);
    let (schema, name) = match parts.as_slice() {
        [] => (None, "unknown".to_string()),
        [name] => (None, name.clone()),
        [.., schema, name] => (Some(schema.clone()), name.clone()),
    };
    let schema = schema.filter(|s| s != "pg_catalog");
    let mut mods: Vec<i64> = t
        .typmods
        .iter()
        .filter_map(|m| match m.node.as_ref() {
            Some(NodeEnum::AConst(c)) => match &c.val {
                Some(a_const::Val::Ival(i)) => Some(i.ival as i64),
                _ => None,
            },
            _ => None,
        })
        .collect();
    let mut name = normalize_type_name(&name);
    if name == "interval" {
        // interval fields are a bit mask typmod; not a length.
        mods.clear();
    }
    if name == "bpchar"
        && mods.is_empty()
        && schema.is_none()
        && parts.first().map(String::as_str) == Some("pg_catalog")
    {
        mods.push(1);
    }
    if name == "float8" && !mods.is_empty() {
        if mods[0] <= 24 {
            name = "float4".into();
        }
        mods.clear();
    }
    TypeName {
        schema,
        name,
        mods,
        array: !t.array_bounds.is_empty(),
    }
}

fn const_text(node: &Node) -> String {
    match node.node.as_ref() {
        Some(NodeEnum::AConst(c)) => match &c.val {
            Some(a_const::Val::Sval(s)) => s.sval.clone(),
            Some(a_const::Val::Ival(i)) => i.ival.to_string(),
            Some(a_const::Val::Fval(f)) => f.fval.clone(),
            Some(a_const::Val::Boolval(b)) => b.boolval.to_string(),
            Some(a_const::Val::Bsval(b)) => b.bsval.clone(),
            None => "NULL".into(),
        },
        Some(NodeEnum::String(s)) => s.sval.clone(),
        _ => expr(node).text,
    }
}

fn bool_of(node: Option<&Node>) -> Option<bool> {
    match node.and_then(|n| n.node.as_ref()) {
        Some(NodeEnum::Boolean(b)) => Some(b.boolval),
        Some(NodeEnum::AConst(c)) => match &c.val {
            Some(a_const::Val::Boolval(b)) => Some(b.boolval),
            _ => None,
        },
        _ => None,
    }
}

/// Whether a utility option (`VACUUM (FULL)`, `REINDEX (CONCURRENTLY false)`) is on, read the way
/// PostgreSQL's `defGetBoolean` does: no value, `true`/`on`/`1` are on; `false`/`off`/`0` are off.
/// A value it would reject counts as on (the statement fails anyway).
fn option_on(options: &[Node], name: &str) -> bool {
    let Some(d) = def_elem(options, name) else {
        return false;
    };
    match d.arg.as_deref().and_then(|n| n.node.as_ref()) {
        Some(NodeEnum::String(s)) => !matches!(
            s.sval.to_ascii_lowercase().as_str(),
            "false" | "off" | "0" | "no" | "n" | "f" | "of"
        ),
        Some(NodeEnum::Integer(i)) => i.ival != 0,
        Some(NodeEnum::Boolean(b)) => b.boolval,
        Some(NodeEnum::AConst(c)) => match &c.val {
            Some(a_const::Val::Boolval(b)) => b.boolval,
            Some(a_const::Val::Ival(i)) => i.ival != 0,
            Some(a_const::Val::Sval(s)) => !matches!(
                s.sval.to_ascii_lowercase().as_str(),
                "false" | "off" | "0" | "no" | "n" | "f" | "of"
            ),
            _ => true,
        },
        _ => true,
    }
}

fn def_elem<'a>(options: &'a [Node], name: &str) -> Option<&'a protobuf::DefElem> {
    options.iter().find_map(|o| match o.node.as_ref() {
        Some(NodeEnum::DefElem(d)) if d.defname == name => Some(d.as_ref()),
        _ => None,
    })
}

fn owned_by(options: &[Node]) -> Option<(QualName, String)> {
    let d = def_elem(options, "owned_by")?;
    let Some(NodeEnum::List(list)) = d.arg.as_deref().and_then(|n| n.node.as_ref()) else {
        return None;
    };
    let parts = strings(&list.items);
    match parts.as_slice() {
        [table, column] => Some((QualName::public(table.clone()), column.clone())),
        [schema, table, column] => {
            Some((QualName::new(schema.clone(), table.clone()), column.clone()))
        }
        _ => None,
    }
}

fn lower_drop(s: &protobuf::DropStmt) -> Drop {
    let kind = object_kind(s.remove_type);
    let mut names = vec![];
    let mut on_table = None;
    for obj in &s.objects {
        match kind {
            ObjectKind::Trigger | ObjectKind::Policy => {
                // [schema.]table.name
                if let Some(NodeEnum::List(list)) = obj.node.as_ref() {
                    let parts = strings(&list.items);
                    if let Some((name, table)) = parts.split_last() {
                        on_table = Some(match table {
                            [t] => QualName::public(t.clone()),
                            [.., s, t] => QualName::new(s.clone(), t.clone()),
                            [] => QualName::public("?"),
                        });
                        names.push(QualName::public(name.clone()));
                    }
                }
            }
            ObjectKind::Schema | ObjectKind::Extension => {
                if let Some(name) = str_of(obj) {
                    names.push(QualName::new(name, name));
                }
            }
            _ => names.push(object_name(obj)),
        }
    }
    Drop {
        kind,
        names,
        on_table,
        if_exists: s.missing_ok,
        cascade: s.behavior == 2,
        concurrently: s.concurrent,
    }
}

fn lower_rename(s: &protobuf::RenameStmt) -> Statement {
    let kind = object_kind(s.rename_type);
    let target = match (&s.relation, s.object.as_deref()) {
        (Some(rv), _) => range_var(Some(rv)),
        (None, Some(obj)) => match kind {
            ObjectKind::Schema => {
                let name = str_of(obj).unwrap_or("?").to_string();
                QualName::new(name.clone(), name)
            }
            _ => object_name(obj),
        },
        (None, None) => match kind {
            ObjectKind::Schema => QualName::new(s.subname.clone(), s.subname.clone()),
            _ => QualName::public("?"),
        },
    };
    let sub_name = match kind {
        ObjectKind::Column | ObjectKind::Constraint | ObjectKind::Trigger | ObjectKind::Policy => {
            Some(s.subname.clone())
        }
        _ => None,
    };
    // ALTER TYPE ... RENAME VALUE is an AlterEnumStmt; ALTER TYPE ... RENAME ATTRIBUTE has subname.
    Statement::Rename(Rename {
        kind,
        target,
        sub_name,
        new_name: s.newname.clone(),
        if_exists: s.missing_ok,
    })
}

fn lower_view(s: &protobuf::ViewStmt) -> Statement {
    let joins = join_pairs(s.query.as_deref());
    let (column_refs, loose_columns) = view_column_refs(s.query.as_deref());
    let (reads, columns_read, mut output_columns, functions) = query_refs(s.query.as_deref());
    let aliases = strings(&s.aliases);
    if !aliases.is_empty() {
        output_columns = aliases;
    }
    Statement::CreateView(CreateView {
        joins,
        name: range_var(s.view.as_ref()),
        materialized: false,
        or_replace: s.replace,
        if_not_exists: false,
        with_data: true,
        reads,
        columns_read,
        column_refs,
        loose_columns,
        functions,
        output_columns,
        is_table: false,
    })
}

fn lower_create_table_as(s: &protobuf::CreateTableAsStmt) -> Statement {
    let joins = join_pairs(s.query.as_deref());
    let (column_refs, loose_columns) = view_column_refs(s.query.as_deref());
    let (reads, columns_read, mut output_columns, functions) = query_refs(s.query.as_deref());
    let into = s.into.as_deref();
    let names = into.map(|i| strings(&i.col_names)).unwrap_or_default();
    if !names.is_empty() {
        output_columns = names;
    }
    let materialized = s.objtype == ObjectType::ObjectMatview as i32;
    Statement::CreateView(CreateView {
        joins,
        name: range_var(into.and_then(|i| i.rel.as_ref())),
        materialized,
        or_replace: false,
        if_not_exists: s.if_not_exists,
        with_data: !into.is_some_and(|i| i.skip_data),
        reads,
        columns_read,
        column_refs,
        loose_columns,
        functions,
        output_columns,
        is_table: !materialized,
    })
}

fn lower_function(s: &protobuf::CreateFunctionStmt) -> CreateFunction {
    let arg_types = s
        .parameters
        .iter()
        .filter_map(|p| match p.node.as_ref() {
            // Only IN, INOUT and VARIADIC parameters are part of the signature, and a parameter
            // written without a mode (`FUNC_PARAM_DEFAULT`, 6); OUT (2) and TABLE (5) are not.
            Some(NodeEnum::FunctionParameter(fp)) if matches!(fp.mode, 1 | 3 | 4 | 6) => {
                fp.arg_type.as_ref().map(lower_type)
            }
            _ => None,
        })
        .collect();
    let mut language = "sql".to_string();
    let mut volatility = Volatility::Volatile;
    let mut security_definer = false;
    let mut search_path = None;
    let mut body = None;
    for option in &s.options {
        let Some(NodeEnum::DefElem(d)) = option.node.as_ref() else {
            continue;
        };
        let arg = d.arg.as_deref();
        match d.defname.as_str() {
            "language" => language = arg.and_then(str_of).unwrap_or("sql").to_ascii_lowercase(),
            "volatility" => {
                volatility = match arg.and_then(str_of) {
                    Some("immutable") => Volatility::Immutable,
                    Some("stable") => Volatility::Stable,
                    _ => Volatility::Volatile,
                }
            }
            "security" => security_definer = bool_of(arg).unwrap_or(false),
            // `AS 'body'` is one string; `AS 'obj_file', 'link_symbol'` (C) is a list of two.
            "as" => {
                body = match arg.and_then(|a| a.node.as_ref()) {
                    Some(NodeEnum::List(l)) => Some(
                        l.items
                            .iter()
                            .filter_map(str_of)
                            .collect::<Vec<_>>()
                            .join(", "),
                    ),
                    _ => arg.and_then(str_of).map(str::to_string),
                }
            }
            "set" => {
                if let Some(NodeEnum::VariableSetStmt(v)) = arg.and_then(|a| a.node.as_ref()) {
                    if v.name.eq_ignore_ascii_case("search_path") {
                        search_path =
                            Some(v.args.iter().map(const_text).collect::<Vec<_>>().join(", "));
                    }
                }
            }
            _ => {}
        }
    }
    let returns_trigger = s
        .return_type
        .as_ref()
        .is_some_and(|t| lower_type(t).name == "trigger");
    CreateFunction {
        name: name_list(&s.funcname),
        arg_types,
        or_replace: s.replace,
        is_procedure: s.is_procedure,
        language,
        volatility,
        security_definer,
        search_path,
        returns_trigger,
        body,
        source: None,
    }
}

fn lower_comment(s: &protobuf::CommentStmt) -> Statement {
    let object = object_kind(s.objtype);
    let text = (!s.comment.is_empty()).then(|| s.comment.clone());
    let (target, sub_name) = match (object, s.object.as_deref().and_then(|o| o.node.as_ref())) {
        (ObjectKind::Column, Some(NodeEnum::List(list))) => {
            let parts = strings(&list.items);
            match parts.as_slice() {
                [t, c] => (QualName::public(t.clone()), Some(c.clone())),
                [.., s, t, c] => (QualName::new(s.clone(), t.clone()), Some(c.clone())),
                _ => (QualName::public("?"), None),
            }
        }
        (ObjectKind::Schema, Some(NodeEnum::String(s))) => {
            (QualName::new(s.sval.clone(), s.sval.clone()), None)
        }
        (_, Some(_)) => (
            s.object
                .as_deref()
                .map(object_name)
                .unwrap_or_else(|| QualName::public("?")),
            None,
        ),
        (_, None) => (QualName::public("?"), None),
    };
    Statement::Comment {
        object,
        target,
        sub_name,
        text,
    }
}
