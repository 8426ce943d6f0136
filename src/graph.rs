//! A petgraph dependency graph over catalog objects: what depends on what.
//!
//! Edges point from a dependent object to what it depends on. `dependents_of` answers
//! "what breaks or is silently dropped if X is dropped, renamed or retyped". Does no IO.

use crate::catalog::{Catalog, Table};
use crate::syntax::{ConstraintKind, IndexKey, QualName, TypeName};
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::{Bfs, Reversed};
use rustc_hash::{FxHashMap, FxHashSet};
use std::borrow::Cow;
use std::collections::hash_map::Entry;
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Object {
    Table(QualName),
    Column(QualName, String),
    Index(QualName),
    Constraint(QualName, String),
    View(QualName),
    Sequence(QualName),
    Trigger(QualName, String),
    Policy(QualName, String),
    Function(QualName),
    Type(QualName),
}

impl fmt::Display for Object {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Object::Table(t) => write!(f, "table `{t}`"),
            Object::Column(t, c) => write!(f, "column `{t}.{}`", crate::syntax::quote_ident(c)),
            Object::Index(i) => write!(f, "index `{i}`"),
            Object::Constraint(t, c) => {
                write!(f, "constraint `{}` on `{t}`", crate::syntax::quote_ident(c))
            }
            Object::View(v) => write!(f, "view `{v}`"),
            Object::Sequence(s) => write!(f, "sequence `{s}`"),
            Object::Trigger(t, n) => write!(f, "trigger `{n}` on `{t}`"),
            Object::Policy(t, n) => write!(f, "policy `{n}` on `{t}`"),
            Object::Function(n) => write!(f, "function `{n}`"),
            Object::Type(n) => write!(f, "type `{n}`"),
        }
    }
}

/// A graph node: an [`Object`] whose names are borrowed from the catalog the graph was built
/// from, so that building the graph (once per cascading drop, on catalogs of any size) allocates
/// no names.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Node<'a> {
    Table(&'a QualName),
    Column(&'a QualName, &'a str),
    Index(&'a QualName),
    Constraint(&'a QualName, &'a str),
    View(&'a QualName),
    /// Owned when a `nextval` default names a sequence the catalog does not have.
    Sequence(Cow<'a, QualName>),
    Trigger(&'a QualName, &'a str),
    Policy(&'a QualName, &'a str),
    Function(&'a QualName),
    Type(&'a QualName),
}

impl<'a> Node<'a> {
    fn of(object: &'a Object) -> Self {
        match object {
            Object::Table(t) => Node::Table(t),
            Object::Column(t, c) => Node::Column(t, c),
            Object::Index(i) => Node::Index(i),
            Object::Constraint(t, c) => Node::Constraint(t, c),
            Object::View(v) => Node::View(v),
            Object::Sequence(s) => Node::Sequence(Cow::Borrowed(s)),
            Object::Trigger(t, n) => Node::Trigger(t, n),
            Object::Policy(t, n) => Node::Policy(t, n),
            Object::Function(f) => Node::Function(f),
            Object::Type(t) => Node::Type(t),
        }
    }

    fn to_object(&self) -> Object {
        match self {
            Node::Table(t) => Object::Table((*t).clone()),
            Node::Column(t, c) => Object::Column((*t).clone(), c.to_string()),
            Node::Index(i) => Object::Index((*i).clone()),
            Node::Constraint(t, c) => Object::Constraint((*t).clone(), c.to_string()),
            Node::View(v) => Object::View((*v).clone()),
            Node::Sequence(s) => Object::Sequence(s.as_ref().clone()),
            Node::Trigger(t, n) => Object::Trigger((*t).clone(), n.to_string()),
            Node::Policy(t, n) => Object::Policy((*t).clone(), n.to_string()),
            Node::Function(f) => Object::Function((*f).clone()),
            Node::Type(t) => Object::Type((*t).clone()),
        }
    }
}

/// The dependency graph of one catalog (borrowed from it).
pub struct DependencyGraph<'a> {
    graph: DiGraph<Node<'a>, ()>,
    nodes: FxHashMap<Node<'a>, NodeIndex>,
    index_tables: FxHashMap<&'a QualName, &'a QualName>,
}

impl<'a> DependencyGraph<'a> {
    /// The graph of the whole catalog.
    pub fn build(catalog: &'a Catalog) -> Self {
        Self::build_in(catalog, None)
    }

    /// The part of the graph that can reach any of `targets`: [`Self::dependents_of`] and
    /// [`Self::external_dependents`] give for those targets what they give on the whole graph, but
    /// only the tables, views, indexes and sequences that may depend on a target are walked (see
    /// [`Scope`]). Rules that ask about the objects one statement names use this: on a large
    /// schema most of the graph has nothing to do with them.
    pub fn around(catalog: &'a Catalog, targets: &[Object]) -> Self {
        let scope = Scope::of(catalog, targets);
        Self::build_in(catalog, Some(&scope))
    }

    fn build_in(catalog: &'a Catalog, scope: Option<&Scope<'_>>) -> Self {
        let table_in = |name: &QualName| scope.is_none_or(|s| s.tables.contains(name));
        // Sized up front for the objects it will hold (indexes counted only for a whole catalog).
        let table_objects = |t: &Table| {
            1 + t.columns.len() + t.constraints.len() + t.triggers.len() + t.policies.len()
        };
        let (objects, indexes) = match scope {
            None => (
                catalog.views.len()
                    + catalog.sequences.len()
                    + catalog
                        .tables
                        .values()
                        .map(|t| table_objects(t))
                        .sum::<usize>(),
                catalog.indexes.len(),
            ),
            Some(s) => (
                s.views.len()
                    + s.sequences.len()
                    + s.tables
                        .iter()
                        .filter_map(|t| catalog.table(t))
                        .map(table_objects)
                        .sum::<usize>(),
                0,
            ),
        };
        let mut g = DependencyGraph {
            graph: DiGraph::with_capacity(objects + indexes, (objects + indexes) * 2),
            nodes: FxHashMap::with_capacity_and_hasher(objects + indexes, Default::default()),
            index_tables: FxHashMap::with_capacity_and_hasher(indexes, Default::default()),
        };
        let type_names = user_type_names(catalog);
        // Each object's node is looked up (hashed) once and then linked by index.
        for table in catalog.tables.values().filter(|t| table_in(&t.name)) {
            let name = &table.name;
            let t = g.node(Node::Table(name));
            let mut column_nodes: FxHashMap<&str, NodeIndex> =
                FxHashMap::with_capacity_and_hasher(table.columns.len(), Default::default());
            for column in &table.columns {
                let c = g.node(Node::Column(name, &column.name));
                column_nodes.insert(&column.name, c);
                g.link(c, t);
                if let Some(ty) = user_type(catalog, &type_names, &column.type_name) {
                    let ty = g.node(ty);
                    g.link(c, ty);
                }
                if let Some(seq) = column
                    .default
                    .as_ref()
                    .and_then(|d| nextval_sequence(&d.text, &name.schema))
                {
                    let seq = match catalog.sequences.get_key_value(&seq) {
                        Some((known, _)) => Cow::Borrowed(known),
                        None => Cow::Owned(seq),
                    };
                    let seq = g.node(Node::Sequence(seq));
                    g.link(c, seq);
                }
            }
            for constraint in &table.constraints {
                let node = g.node(Node::Constraint(name, &constraint.name));
                g.link(node, t);
                for column in constraint.kind.columns() {
                    if let Some(&c) = column_nodes.get(column.as_str()) {
                        g.link(node, c);
                    }
                }
                if let ConstraintKind::ForeignKey {
                    ref_table,
                    ref_columns,
                    ..
                } = &constraint.kind
                {
                    let target = g.node(Node::Table(ref_table));
                    g.link(node, target);
                    for column in ref_columns {
                        let target = g.node(Node::Column(ref_table, column));
                        g.link(node, target);
                    }
                }
            }
            for trigger in &table.triggers {
                let node = g.node(Node::Trigger(name, &trigger.name));
                g.link(node, t);
                let function = g.node(Node::Function(&trigger.function));
                g.link(node, function);
            }
            for policy in &table.policies {
                let node = g.node(Node::Policy(name, policy));
                g.link(node, t);
            }
        }
        for index in catalog.indexes.values().filter(|i| table_in(&i.table)) {
            let node = g.node(Node::Index(&index.name));
            g.index_tables.insert(&index.name, &index.table);
            let table = g.node(Node::Table(&index.table));
            g.link(node, table);
            if let Some(constraint) = &index.constraint {
                let c = g.node(Node::Constraint(&index.table, constraint));
                g.link(node, c);
            }
            let keys = index.keys.iter().flat_map(|k| match k {
                IndexKey::Column { name } => std::slice::from_ref(name),
                IndexKey::Expression { expr } => expr.columns.as_slice(),
            });
            let predicate = index.predicate.iter().flat_map(|p| p.columns.iter());
            for column in keys.chain(index.include.iter()).chain(predicate) {
                let c = g.node(Node::Column(&index.table, column));
                g.link(node, c);
            }
        }
        let view_in = |name: &QualName| scope.is_none_or(|s| s.views.contains(name));
        for view in catalog.views.values().filter(|v| view_in(&v.name)) {
            let node = g.node(Node::View(&view.name));
            for read in &view.reads {
                if let Some((read, _)) = catalog.views.get_key_value(read) {
                    let target = g.node(Node::View(read));
                    g.link(node, target);
                } else {
                    let target = g.node(Node::Table(read));
                    g.link(node, target);
                    if let Some(table) = catalog.tables.get(read) {
                        for column in &view.columns_read {
                            if table.column(column).is_some() {
                                let c = g.node(Node::Column(read, column));
                                g.link(node, c);
                            }
                        }
                    }
                }
            }
        }
        let sequence_in = |name: &QualName| scope.is_none_or(|s| s.sequences.contains(name));
        for seq in catalog.sequences.values().filter(|s| sequence_in(&s.name)) {
            let node = g.node(Node::Sequence(Cow::Borrowed(&seq.name)));
            if let Some((table, column)) = &seq.owned_by {
                let c = g.node(Node::Column(table, column));
                g.link(node, c);
            }
        }
        g
    }

    fn node(&mut self, node: Node<'a>) -> NodeIndex {
        match self.nodes.entry(node) {
            Entry::Occupied(e) => *e.get(),
            Entry::Vacant(e) => {
                let index = self.graph.add_node(e.key().clone());
                *e.insert(index)
            }
        }
    }

    fn link(&mut self, from: NodeIndex, to: NodeIndex) {
        if from != to {
            // Duplicates (a column named twice by one index) are harmless to the walks below.
            self.graph.update_edge(from, to, ());
        }
    }

    /// Everything that depends on `object`, directly or through other objects, sorted.
    pub fn dependents_of(&self, object: &Object) -> Vec<Object> {
        let nodes: &FxHashMap<Node<'_>, NodeIndex> = &self.nodes;
        let Some(&start) = nodes.get(&Node::of(object)) else {
            return vec![];
        };
        let reversed = Reversed(&self.graph);
        let mut bfs = Bfs::new(reversed, start);
        let mut out = vec![];
        while let Some(n) = bfs.next(reversed) {
            if n != start {
                out.push(self.graph[n].to_object());
            }
        }
        out.sort();
        out
    }

    /// Dependents that live outside `object`'s own table: views, other tables' foreign keys,
    /// triggers' functions, ... — what a DROP silently takes along or breaks.
    pub fn external_dependents(&self, object: &Object) -> Vec<Object> {
        let table = match object {
            Object::Table(t) | Object::Column(t, _) => Some(t),
            _ => None,
        };
        self.dependents_of(object)
            .into_iter()
            .filter(|d| match (d, table) {
                (Object::Column(t, _), Some(own)) if t == own => false,
                (Object::Index(i), Some(own)) => self.index_tables.get(i) != Some(&own),
                (Object::Trigger(t, _) | Object::Policy(t, _), Some(own)) if t == own => false,
                (Object::Constraint(t, _), Some(own)) => t != own,
                (Object::Sequence(_), _) => false,
                _ => true,
            })
            .collect()
    }
}

/// The objects whose graph nodes may reach one of a set of targets, by the objects that own those
/// nodes: tables (a table's columns, constraints, triggers and policies are its own), views and
/// sequences; an index is in when its table is.
///
/// Every edge of the graph leaves a node its owner makes, and reaches a node whose owner is named
/// by the edge: a foreign key names the table it references, a view what it reads, a column its
/// type and its `nextval` sequence, a trigger its function, a sequence the table owning it, an index
/// its table. So starting from the targets' owners and adding, until nothing changes, every owner
/// with an edge to an owner already in (or to a target type or function, which own nothing and
/// depend on nothing) takes in the owner of every node on any path to a target. It may take in
/// more (a whole table for one foreign key of it), which only costs time.
struct Scope<'c> {
    tables: FxHashSet<&'c QualName>,
    views: FxHashSet<&'c QualName>,
    sequences: FxHashSet<&'c QualName>,
}

impl<'c> Scope<'c> {
    fn of(catalog: &'c Catalog, targets: &'c [Object]) -> Self {
        let mut scope = Scope {
            tables: FxHashSet::default(),
            views: FxHashSet::default(),
            sequences: FxHashSet::default(),
        };
        let mut functions: FxHashSet<&QualName> = FxHashSet::default();
        let mut types: FxHashSet<&QualName> = FxHashSet::default();
        for target in targets {
            match target {
                Object::Table(t)
                | Object::Column(t, _)
                | Object::Constraint(t, _)
                | Object::Trigger(t, _)
                | Object::Policy(t, _) => {
                    scope.tables.insert(t);
                }
                Object::Index(i) => {
                    if let Some(index) = catalog.indexes.get(i) {
                        scope.tables.insert(&index.table);
                    }
                }
                Object::View(v) => {
                    scope.views.insert(v);
                }
                Object::Sequence(s) => {
                    scope.sequences.insert(s);
                }
                Object::Function(f) => {
                    functions.insert(f);
                }
                Object::Type(t) => {
                    types.insert(t);
                }
            }
        }
        let type_names = user_type_names(catalog);
        loop {
            let before = scope.tables.len() + scope.views.len() + scope.sequences.len();
            for table in catalog.tables.values() {
                if scope.tables.contains(&table.name) {
                    continue;
                }
                let name = &table.name;
                let reaches = table.constraints.iter().any(|c| {
                    matches!(&c.kind, ConstraintKind::ForeignKey { ref_table, .. }
                        if scope.tables.contains(ref_table))
                }) || (!functions.is_empty()
                    && table
                        .triggers
                        .iter()
                        .any(|t| functions.contains(&t.function)))
                    || table.columns.iter().any(|c| {
                        (!types.is_empty()
                            && matches!(user_type(catalog, &type_names, &c.type_name),
                                Some(Node::Type(ty)) if types.contains(ty)))
                            || (!scope.sequences.is_empty()
                                && c.default
                                    .as_ref()
                                    .and_then(|d| nextval_sequence(&d.text, &name.schema))
                                    .is_some_and(|s| scope.sequences.contains(&s)))
                    });
                if reaches {
                    scope.tables.insert(name);
                }
            }
            for view in catalog.views.values() {
                if !scope.views.contains(&view.name)
                    && view
                        .reads
                        .iter()
                        .any(|r| scope.views.contains(r) || scope.tables.contains(r))
                {
                    scope.views.insert(&view.name);
                }
            }
            for seq in catalog.sequences.values() {
                if !scope.sequences.contains(&seq.name)
                    && seq
                        .owned_by
                        .as_ref()
                        .is_some_and(|(t, _)| scope.tables.contains(t))
                {
                    scope.sequences.insert(&seq.name);
                }
            }
            if scope.tables.len() + scope.views.len() + scope.sequences.len() == before {
                return scope;
            }
        }
    }
}

/// What PostgreSQL would name as depending directly on `object` (any one of them makes the
/// statement fail): views reading it, other tables' foreign keys to it, tables inheriting from it.
/// Only views when `views_only` (a column type change). Sorted.
pub fn direct_dependents(catalog: &Catalog, object: &Object, views_only: bool) -> Vec<Object> {
    let (table, column) = match object {
        Object::Table(t) | Object::View(t) => (t, None),
        Object::Column(t, c) => (t, Some(c.as_str())),
        Object::Type(t) => return type_dependents(catalog, t),
        Object::Function(f) => return function_dependents(catalog, f),
        _ => return vec![],
    };
    let mut out = vec![];
    for view in catalog.views.linked(table) {
        if &view.name == table || !view.reads.contains(table) {
            continue;
        }
        if let Some(c) = column {
            // A qualified reference (`c.name`), resolved through the view's aliases, is certain.
            // An unqualified one may be another table's column of the same name: no guess then.
            let qualified = view
                .column_refs
                .iter()
                .any(|(t, name)| t == table && name == c);
            let reads_it = view.loose_columns.iter().any(|r| r == c);
            let ambiguous = view
                .reads
                .iter()
                .any(|r| r != table && catalog.table(r).is_some_and(|o| o.column(c).is_some()));
            if !qualified && (!reads_it || ambiguous) {
                continue;
            }
        }
        out.push(Object::View(view.name.clone()));
    }
    if views_only {
        return out;
    }
    // Only tables that name `table` can depend on it (the catalog keeps them by the name).
    for other in catalog.tables.linked(table).filter(|o| &o.name != table) {
        for fk in other.foreign_keys() {
            let ConstraintKind::ForeignKey {
                ref_table,
                ref_columns,
                ..
            } = &fk.kind
            else {
                continue;
            };
            let hits = ref_table == table
                && column.is_none_or(|c| {
                    ref_columns.iter().any(|r| r == c)
                        || ref_columns.is_empty()
                            && catalog
                                .table(table)
                                .is_some_and(|t| t.primary_key_columns().iter().any(|p| p == c))
                });
            if hits {
                out.push(Object::Constraint(other.name.clone(), fk.name.clone()));
            }
        }
        if column.is_none() && other.inherits.contains(table) {
            out.push(Object::Table(other.name.clone()));
        }
    }
    out.sort();
    out
}

/// Whether the type written `t` is the user type `ty` (an unqualified name is looked up in `public`,
/// as replay places it).
fn names_type(t: &TypeName, ty: &QualName) -> bool {
    t.name == ty.name && t.schema.as_deref().unwrap_or("public") == ty.schema
}

/// What makes a plain `DROP TYPE`/`DROP DOMAIN` of `ty` fail: columns of that type (or an array
/// of it), domains over it, functions taking it. Sorted.
fn type_dependents(catalog: &Catalog, ty: &QualName) -> Vec<Object> {
    let mut out = vec![];
    for table in catalog.tables.values() {
        for column in table
            .columns
            .iter()
            .filter(|c| names_type(&c.type_name, ty))
        {
            out.push(Object::Column(table.name.clone(), column.name.clone()));
        }
    }
    for domain in catalog.domains.values() {
        if &domain.name != ty && names_type(&domain.base, ty) {
            out.push(Object::Type(domain.name.clone()));
        }
    }
    for overloads in catalog.functions.values() {
        for function in overloads {
            if function.arg_types.iter().any(|a| names_type(a, ty)) {
                out.push(Object::Function(function.name.clone()));
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// What makes a plain `DROP FUNCTION` of `f` fail: triggers that execute it, and column defaults,
/// check constraints and index expressions that call it. Calls are matched by name, so only when
/// no other replayed function has that name
/// (a function that shadows a built-in of the same name is rare; a view's calls come from its
/// text). Sorted.
fn function_dependents(catalog: &Catalog, f: &QualName) -> Vec<Object> {
    let mut out = vec![];
    let calls_by_name = catalog
        .functions
        .keys()
        .filter(|k| k.name == f.name)
        .count()
        == 1;
    let calls = |e: &crate::syntax::Expr| calls_by_name && e.functions.contains(&f.name);
    for table in catalog.tables.values() {
        for trigger in table.triggers.iter().filter(|t| &t.function == f) {
            out.push(Object::Trigger(table.name.clone(), trigger.name.clone()));
        }
        for column in &table.columns {
            if column.default.as_ref().is_some_and(calls) {
                out.push(Object::Column(table.name.clone(), column.name.clone()));
            }
        }
        for constraint in &table.constraints {
            if matches!(&constraint.kind, ConstraintKind::Check { expr } if calls(expr)) {
                out.push(Object::Constraint(
                    table.name.clone(),
                    constraint.name.clone(),
                ));
            }
        }
    }
    for index in catalog.indexes.values() {
        let in_keys = index
            .keys
            .iter()
            .any(|k| matches!(k, IndexKey::Expression { expr } if calls(expr)));
        if in_keys || index.predicate.as_ref().is_some_and(calls) {
            out.push(Object::Index(index.name.clone()));
        }
    }
    for view in catalog.views.values() {
        if calls_by_name && view.functions.contains(&f.name) {
            out.push(Object::View(view.name.clone()));
        }
    }
    out.sort();
    out.dedup();
    out
}

/// A cheap necessary condition for `object` to have dependents outside itself, read straight from
/// the catalog: building the whole graph is the expensive part, and most dropped objects have none.
pub fn may_have_dependents(catalog: &Catalog, object: &Object) -> bool {
    match object {
        Object::Table(t) | Object::Column(t, _) | Object::View(t) => {
            let scope = if matches!(object, Object::View(_)) {
                Object::View(t.clone())
            } else {
                Object::Table(t.clone())
            };
            !direct_dependents(catalog, &scope, false).is_empty()
                || catalog.tables.partitions_of(t).next().is_some()
        }
        // One scan of the catalog each, the same that a plain drop's dependents come from.
        Object::Function(_) | Object::Type(_) => {
            !direct_dependents(catalog, object, false).is_empty()
        }
        // Only columns point at a sequence (their `nextval` default).
        Object::Sequence(seq) => catalog.tables.values().any(|t| {
            t.columns.iter().any(|c| {
                c.default
                    .as_ref()
                    .and_then(|d| nextval_sequence(&d.text, &t.name.schema))
                    .is_some_and(|s| &s == seq)
            })
        }),
        // Only the index that implements a constraint points at it.
        Object::Constraint(table, name) => catalog
            .indexes
            .values()
            .any(|i| &i.table == table && i.constraint.as_ref() == Some(name)),
        // Nothing in the graph depends on an index, a trigger or a policy.
        Object::Index(_) | Object::Trigger(..) | Object::Policy(..) => false,
    }
}

/// A cheap necessary condition for a view to be among the dependents of column `column` of
/// `table`: a view reaches a column either directly (it reads the table and names the column) or
/// through the sequence the column owns (a view reading another column whose default calls it);
/// nothing else that depends on a column (constraints, indexes) has views depending on it.
pub fn views_may_depend_on_column(catalog: &Catalog, table: &QualName, column: &str) -> bool {
    catalog
        .views
        .linked(table)
        .any(|v| v.reads.contains(table) && v.columns_read.iter().any(|c| c == column))
        || catalog.sequences.linked(table).any(|s| {
            s.owned_by
                .as_ref()
                .is_some_and(|(t, c)| t == table && c == column)
        })
}

/// The unqualified names of enums and domains, to skip built-in column types quickly.
fn user_type_names(catalog: &Catalog) -> FxHashSet<&str> {
    catalog
        .enums
        .keys()
        .chain(catalog.domains.keys())
        .map(|k| k.name.as_str())
        .collect()
}

fn user_type<'a>(
    catalog: &'a Catalog,
    type_names: &FxHashSet<&str>,
    t: &TypeName,
) -> Option<Node<'a>> {
    // Most columns have built-in types: rule them out before building a name to look up.
    if !type_names.contains(t.name.as_str()) {
        return None;
    }
    let name = QualName::new(
        t.schema.clone().unwrap_or_else(|| "public".into()),
        t.name.clone(),
    );
    let (known, _) = catalog
        .enums
        .get_key_value(&name)
        .map(|(k, _)| (k, ()))
        .or_else(|| catalog.domains.get_key_value(&name).map(|(k, _)| (k, ())))?;
    Some(Node::Type(known))
}

/// The sequence in a `nextval('seq'::regclass)` default.
fn nextval_sequence(text: &str, schema: &str) -> Option<QualName> {
    let start = text.find("nextval('")? + "nextval('".len();
    let rest = &text[start..];
    let name = &rest[..rest.find('\'')?];
    Some(match name.split_once('.') {
        Some((s, n)) => QualName::new(s.trim_matches('"'), n.trim_matches('"')),
        None => QualName::new(schema, name.trim_matches('"')),
    })
}

#[cfg(test)]
mod tests;
