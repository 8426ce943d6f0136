//! Unit tests of the dependency graph: the graph around an object answers as the whole graph does, and what a dropped table takes with it.

use super::*;
use crate::catalog::apply::apply;
use crate::syntax::parse_sql;

/// For every object of a schema with every kind of edge, the graph around it answers as the
/// whole graph does.
#[test]
fn the_graph_around_an_object_answers_as_the_whole_graph() {
    let mut catalog = Catalog::new();
    let sql = "CREATE TYPE mood AS ENUM ('ok', 'sad');
        CREATE DOMAIN email AS text CHECK (VALUE LIKE '%@%');
        CREATE SCHEMA billing;
        CREATE SEQUENCE shared_seq;
        CREATE TABLE users (id bigserial PRIMARY KEY, address email UNIQUE, feeling mood, n int DEFAULT nextval('shared_seq'));
        CREATE TABLE teams (id int PRIMARY KEY, owner_id bigint REFERENCES users (id));
        CREATE TABLE members (team_id int REFERENCES teams, user_id bigint REFERENCES users, mood mood);
        CREATE TABLE billing.invoices (id int PRIMARY KEY, team_id int REFERENCES teams, n int DEFAULT nextval('shared_seq'));
        CREATE TABLE loners (id int PRIMARY KEY, label text);
        CREATE INDEX ON members (user_id);
        CREATE INDEX ON loners (lower(label)) WHERE id > 0;
        CREATE VIEW team_owners AS SELECT t.id, u.address FROM teams t JOIN users u ON u.id = t.owner_id;
        CREATE VIEW owner_count AS SELECT count(*) FROM team_owners;
        CREATE TABLE counters (id bigserial, label text);
        CREATE TABLE tickets (n bigint DEFAULT nextval('counters_id_seq'), note text);
        CREATE VIEW ticket_numbers AS SELECT n FROM tickets;
        CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
        CREATE TRIGGER members_touch BEFORE UPDATE ON members FOR EACH ROW EXECUTE FUNCTION touch();
        CREATE POLICY own ON members USING (true);
        CREATE TABLE events (id int, at date) PARTITION BY RANGE (at);
        CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');";
    let parsed = parse_sql(sql);
    assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
    for stmt in parsed.statements {
        apply(&mut catalog, &stmt.kind);
    }
    let whole = DependencyGraph::build(&catalog);
    let mut objects: Vec<Object> = whole.graph.node_weights().map(Node::to_object).collect();
    objects.sort();
    assert!(objects.len() > 40, "{objects:?}");
    let mut nonempty = 0;
    let mut viewed_columns = 0;
    for object in &objects {
        let around = DependencyGraph::around(&catalog, std::slice::from_ref(object));
        assert_eq!(
            around.dependents_of(object),
            whole.dependents_of(object),
            "{object}"
        );
        assert_eq!(
            around.external_dependents(object),
            whole.external_dependents(object),
            "{object}"
        );
        nonempty += usize::from(!whole.dependents_of(object).is_empty());
        // rename-column's pre-check never says no where the graph has a view.
        if let Object::Column(table, column) = object {
            let views = whole
                .dependents_of(object)
                .into_iter()
                .filter(|d| matches!(d, Object::View(_)))
                .count();
            if views > 0 {
                viewed_columns += 1;
                assert!(
                    views_may_depend_on_column(&catalog, table, column),
                    "{object}"
                );
            }
        }
    }
    // Views reach columns directly and through an owned sequence's `nextval` default.
    assert!(viewed_columns >= 3, "{viewed_columns}");
    let counters = QualName::public("counters");
    assert!(views_may_depend_on_column(&catalog, &counters, "id"));
    assert!(!views_may_depend_on_column(&catalog, &counters, "label"));
    // The schema is connected enough for the comparison to mean something.
    assert!(nonempty > 15, "{nonempty}");
    // Several targets at once: the union of their scopes.
    let both = [
        Object::Type(QualName::public("mood")),
        Object::Sequence(QualName::public("shared_seq")),
    ];
    let around = DependencyGraph::around(&catalog, &both);
    for object in &both {
        assert_eq!(around.dependents_of(object), whole.dependents_of(object));
    }
    // And the scope stays small for an object nothing else reaches.
    let loners = Object::Table(QualName::public("loners"));
    let around = DependencyGraph::around(&catalog, std::slice::from_ref(&loners));
    assert!(around.graph.node_count() < whole.graph.node_count() / 3);
}

#[test]
fn dropping_a_table_lists_views_and_foreign_keys_elsewhere() {
    let mut catalog = Catalog::new();
    let sql = "CREATE TABLE users (id bigint PRIMARY KEY, email text);
        CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint REFERENCES users);
        CREATE INDEX ON users (email);
        CREATE VIEW active AS SELECT email FROM users;
        CREATE VIEW active2 AS SELECT email FROM active;";
    for stmt in parse_sql(sql).statements {
        apply(&mut catalog, &stmt.kind);
    }
    let graph = DependencyGraph::build(&catalog);
    let users = QualName::public("users");
    let external: Vec<String> = graph
        .external_dependents(&Object::Table(users.clone()))
        .iter()
        .map(|o| o.to_string())
        .collect();
    assert_eq!(
        external,
        vec![
            "constraint `orders_user_id_fkey` on `orders`".to_string(),
            "view `active`".to_string(),
            "view `active2`".to_string(),
        ]
    );
    let email = graph.dependents_of(&Object::Column(users, "email".into()));
    assert!(email.contains(&Object::Index(QualName::public("users_email_idx"))));
    assert!(email.contains(&Object::View(QualName::public("active"))));
}
