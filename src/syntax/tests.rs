use super::*;

fn lower_sql(sql: &str) -> Statement {
    let parsed = pg_query::parse(sql, 0).expect("test SQL parses");
    let node = parsed.protobuf.stmts[0]
        .stmt
        .as_ref()
        .and_then(|s| s.node.as_ref())
        .expect("one statement");
    lower(node)
}

#[test]
fn view_qualified_columns_resolve_through_aliases() {
    let Statement::CreateView(v) = lower_sql(
        "create view v as select o.id, c.name, app.items.name as item, s.name as sub, total
             from orders o join customers c on c.id = o.customer_id
             join app.items on app.items.id = o.id
             join (select p.name from products p) s on true",
    ) else {
        panic!()
    };
    let refs: Vec<String> = v
        .column_refs
        .iter()
        .map(|(t, c)| format!("{t}.{c}"))
        .collect();
    assert_eq!(
        refs,
        [
            "app.items.id",
            "app.items.name",
            "customers.id",
            "customers.name",
            "orders.customer_id",
            "orders.id",
            "products.name"
        ]
    );
    // `s` is a subquery and `total` unqualified: no table known.
    assert_eq!(v.loose_columns, ["name", "total"]);
    // The same alias on two tables in different scopes resolves to neither.
    let Statement::CreateView(v) =
        lower_sql("create view w as select x.a from t1 x where exists (select x.b from t2 x)")
    else {
        panic!()
    };
    assert!(v.column_refs.is_empty());
    assert_eq!(v.loose_columns, ["a", "b"]);
}

/// Columns used only in an aggregate's `FILTER` or `ORDER BY`, and `t.*`, are references too
/// (PostgreSQL records them in `pg_depend`; item 10 of issue 16, measured on MusicBrainz).
#[test]
fn view_references_in_aggregate_clauses_and_qualified_stars() {
    let Statement::CreateView(v) = lower_sql(
            "create view v as select m.id, a.*,
                    array_agg(t.length order by t.position) filter (where t.is_data) as lengths
             from medium m join track t on t.medium = m.id join art a on a.id = m.id group by m.id, a.id",
        ) else {
            panic!()
        };
    let refs: Vec<String> = v
        .column_refs
        .iter()
        .map(|(t, c)| format!("{t}.{c}"))
        .collect();
    assert_eq!(
        refs,
        [
            "art.*",
            "art.id",
            "medium.id",
            "track.is_data",
            "track.length",
            "track.medium",
            "track.position"
        ]
    );
}

#[test]
fn lowers_create_table_with_column_constraints() {
    let Statement::CreateTable(t) = lower_sql(
            "create table app.orders (id bigserial primary key, user_id int references users(id) on delete cascade, \
             status varchar(20) not null default 'new', note text check (length(note) < 100))",
        ) else {
            panic!("not a create table")
        };
    assert_eq!(t.name, QualName::new("app", "orders"));
    assert_eq!(t.columns[0].type_name.name, "bigserial");
    assert!(t.columns[0].not_null);
    assert_eq!(t.columns[1].type_name, TypeName::simple("int4"));
    assert!(matches!(
        &t.columns[1].constraints[0].kind,
        ConstraintKind::ForeignKey { ref_table, on_delete: FkAction::Cascade, .. } if ref_table.name == "users"
    ));
    assert_eq!(t.columns[2].type_name.to_string(), "varchar(20)");
    assert_eq!(t.columns[2].default.as_ref().unwrap().text, "'new'");
    let ConstraintKind::Check { expr } = &t.columns[3].constraints[0].kind else {
        panic!("no check")
    };
    assert_eq!(expr.columns, vec!["note"]);
    assert_eq!(expr.functions, vec!["length"]);
}

#[test]
fn lowers_alter_table_commands() {
    let Statement::AlterTable(a) = lower_sql(
            "alter table only t add constraint fk foreign key (a) references u (id) not valid, validate constraint c, \
             alter column b type bigint using b::bigint, alter column c set not null, drop column d cascade",
        ) else {
            panic!("not alter table")
        };
    assert!(a.only);
    assert!(matches!(&a.cmds[0], AlterCmd::AddConstraint { constraint } if constraint.not_valid));
    assert!(matches!(&a.cmds[1], AlterCmd::ValidateConstraint { name } if name == "c"));
    assert!(
        matches!(&a.cmds[2], AlterCmd::AlterColumnType { type_name, using: Some(_), .. } if type_name.name == "int8")
    );
    assert!(matches!(&a.cmds[3], AlterCmd::SetNotNull { .. }));
    assert!(matches!(
        &a.cmds[4],
        AlterCmd::DropColumn { cascade: true, .. }
    ));
}

#[test]
fn lowers_index_view_and_drop() {
    let Statement::CreateIndex(i) = lower_sql("create unique index concurrently if not exists ix on t using btree (lower(email)) where deleted_at is null") else {
            panic!()
        };
    assert!(i.unique && i.concurrently && i.if_not_exists);
    assert!(matches!(&i.keys[0], IndexKey::Expression { expr } if expr.text == "lower(email)"));
    assert_eq!(i.predicate.unwrap().text, "deleted_at IS NULL");
    let Statement::CreateView(v) = lower_sql("create view v as with x as (select 1) select o.id, u.name as n from orders o join users u on u.id = o.user_id, x") else {
            panic!()
        };
    assert_eq!(
        v.reads,
        vec![QualName::public("orders"), QualName::public("users")]
    );
    assert_eq!(v.output_columns, vec!["id", "n"]);
    let Statement::Drop(d) = lower_sql("drop trigger if exists trg on app.t cascade") else {
        panic!()
    };
    assert_eq!(d.on_table, Some(QualName::new("app", "t")));
    assert!(d.cascade && d.if_exists);
}

#[test]
fn unknown_statements_are_kept_with_their_node_name() {
    assert_eq!(
        lower_sql("create publication p for all tables"),
        Statement::Other {
            node: "CreatePublicationStmt".into()
        }
    );
}
