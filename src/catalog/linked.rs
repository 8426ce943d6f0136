//! Catalog maps that also know, for each table, which of their entries name it: tables by the
//! tables their foreign keys reference (and their partition parent and inheritance parents), views
//! by the relations they read, sequences by the table owning them. Renaming, dropping or changing
//! one table then visits what names that table, not the whole catalog.
//!
//! Read-only uses see the plain map by name (`Deref`); every change goes through the methods here,
//! which keep the side index in step.

use super::{QualName, Sequence, Shared, Table, TableKind, View};
use crate::syntax::ConstraintKind;
use rustc_hash::FxHashMap;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// What an entry of a [`Linked`] map names: the keys it is found under in the side index.
/// Names may repeat; each entry is filed once under each distinct name.
pub trait Links {
    fn links(&self) -> impl Iterator<Item = &QualName>;
}

impl Links for Table {
    /// The tables its foreign keys reference, its partition parent and its inheritance parents.
    fn links(&self) -> impl Iterator<Item = &QualName> {
        let references = self.constraints.iter().filter_map(|c| match &c.kind {
            ConstraintKind::ForeignKey { ref_table, .. } => Some(ref_table),
            _ => None,
        });
        let parent = match &self.kind {
            TableKind::Partition { parent } => Some(parent),
            _ => None,
        };
        references.chain(parent).chain(self.inherits.iter())
    }
}

impl Links for View {
    /// The relations it reads, and the tables of the columns it reads.
    fn links(&self) -> impl Iterator<Item = &QualName> {
        self.reads
            .iter()
            .chain(self.column_refs.iter().map(|(t, _)| t))
    }
}

impl Links for Sequence {
    /// The table owning it.
    fn links(&self) -> impl Iterator<Item = &QualName> {
        self.owned_by.iter().map(|(t, _)| t)
    }
}

impl<T: Links> Links for Shared<T> {
    fn links(&self) -> impl Iterator<Item = &QualName> {
        (**self).links()
    }
}

/// A map by name with a side index from each name its entries link to ([`Links`]) to the entries
/// that link to it. The catalog's tables, views and sequences are kept this way.
#[derive(Clone)]
pub struct Linked<V> {
    by_name: BTreeMap<QualName, V>,
    /// Linked name -> the names of the entries that link to it, in name order.
    by_link: FxHashMap<QualName, BTreeSet<QualName>>,
}

/// The catalog's tables, findable by the tables they reference ([`Tables::referencing`]).
pub type Tables = Linked<Shared<Table>>;
/// The catalog's views, findable by the relations they read.
pub type Views = Linked<View>;
/// The catalog's sequences, findable by the table owning them.
pub type Sequences = Linked<Sequence>;

impl<V> Default for Linked<V> {
    fn default() -> Self {
        Linked {
            by_name: BTreeMap::new(),
            by_link: FxHashMap::default(),
        }
    }
}

impl<V: Links> Linked<V> {
    /// Adds or replaces the entry called `name`; returns the one it replaced.
    pub fn insert(&mut self, name: QualName, value: V) -> Option<V> {
        let old = self.remove(&name);
        self.link(&name, &value);
        self.by_name.insert(name, value);
        old
    }

    /// Removes the entry called `name`.
    pub fn remove(&mut self, name: &QualName) -> Option<V> {
        let value = self.by_name.remove(name)?;
        self.unlink(name, &value);
        Some(value)
    }

    /// Keeps the entries `keep` says yes to (a scan of every entry).
    pub fn retain(&mut self, mut keep: impl FnMut(&QualName, &V) -> bool) {
        let gone: Vec<QualName> = self
            .by_name
            .iter()
            .filter(|(name, value)| !keep(name, value))
            .map(|(name, _)| name.clone())
            .collect();
        for name in gone {
            self.remove(&name);
        }
    }

    /// Changes the entry called `name` (a shared table is copied first); `None` when there is none.
    pub fn modify<R>(&mut self, name: &QualName, change: impl FnOnce(&mut V) -> R) -> Option<R> {
        let value = self.by_name.get_mut(name)?;
        let before: Vec<QualName> = distinct(value.links()).into_iter().cloned().collect();
        let result = change(value);
        let after = distinct(value.links());
        if after.len() != before.len() || after.iter().any(|l| !before.contains(l)) {
            let after: Vec<QualName> = after.into_iter().cloned().collect();
            for link in &before {
                self.unlink_one(link, name);
            }
            for link in after {
                self.by_link.entry(link).or_default().insert(name.clone());
            }
        }
        Some(result)
    }

    /// Changes the entries `pick` says yes to, in name order; the others stay as they are (and
    /// shared). A scan of every entry: for those naming one table, use [`Linked::modify_linked`].
    pub fn modify_where(&mut self, pick: impl Fn(&V) -> bool, mut change: impl FnMut(&mut V)) {
        let picked: Vec<QualName> = self
            .by_name
            .iter()
            .filter(|(_, value)| pick(value))
            .map(|(name, _)| name.clone())
            .collect();
        for name in picked {
            self.modify(&name, &mut change);
        }
    }

    /// Changes the entries that link to `target` and that `pick` says yes to, in name order.
    pub fn modify_linked(
        &mut self,
        target: &QualName,
        pick: impl Fn(&V) -> bool,
        mut change: impl FnMut(&mut V),
    ) {
        let picked: Vec<QualName> = self
            .linked_entries(target)
            .filter(|(_, value)| pick(value))
            .map(|(name, _)| name.clone())
            .collect();
        for name in picked {
            self.modify(&name, &mut change);
        }
    }

    /// Removes the entries that link to `target` and that `pick` says yes to; returns their names.
    pub fn remove_linked(&mut self, target: &QualName, pick: impl Fn(&V) -> bool) -> Vec<QualName> {
        let picked: Vec<QualName> = self
            .linked_entries(target)
            .filter(|(_, value)| pick(value))
            .map(|(name, _)| name.clone())
            .collect();
        for name in &picked {
            self.remove(name);
        }
        picked
    }

    /// The entries that link to `target` (see [`Links`]), in name order.
    pub fn linked<'a>(&'a self, target: &QualName) -> impl Iterator<Item = &'a V> + 'a {
        self.linked_entries(target).map(|(_, value)| value)
    }

    fn linked_entries<'a>(
        &'a self,
        target: &QualName,
    ) -> impl Iterator<Item = (&'a QualName, &'a V)> + 'a {
        self.by_link
            .get(target)
            .into_iter()
            .flatten()
            .filter_map(|name| self.by_name.get_key_value(name))
    }

    fn link(&mut self, name: &QualName, value: &V) {
        for link in distinct(value.links()) {
            self.by_link
                .entry(link.clone())
                .or_default()
                .insert(name.clone());
        }
    }

    fn unlink(&mut self, name: &QualName, value: &V) {
        for link in distinct(value.links()) {
            self.unlink_one(link, name);
        }
    }

    fn unlink_one(&mut self, link: &QualName, name: &QualName) {
        if let Some(names) = self.by_link.get_mut(link) {
            names.remove(name);
            if names.is_empty() {
                self.by_link.remove(link);
            }
        }
    }
}

impl<V: Links + Clone> Linked<V> {
    /// The entries as a map (a copy: the side index is not needed by the caller).
    pub fn to_map(&self) -> BTreeMap<QualName, V> {
        self.by_name.clone()
    }

    /// Whether the side index is exactly what a rebuild from the map gives (tests check it after
    /// every statement of a varied history).
    pub fn side_index_is_consistent(&self) -> bool {
        let rebuilt = Self::from(self.by_name.clone());
        rebuilt.by_link == self.by_link
    }
}

impl Tables {
    /// The tables with a foreign key to `table` (itself included when it references itself), in
    /// name order.
    pub fn referencing<'a>(&'a self, table: &'a QualName) -> impl Iterator<Item = &'a Table> + 'a {
        self.linked(table).map(|t| &**t).filter(move |t| {
            t.foreign_keys().any(
                |c| matches!(&c.kind, ConstraintKind::ForeignKey { ref_table, .. } if ref_table == table),
            )
        })
    }

    /// The partitions of `parent`, in name order.
    pub fn partitions_of<'a>(
        &'a self,
        parent: &'a QualName,
    ) -> impl Iterator<Item = &'a Table> + 'a {
        self.linked(parent)
            .map(|t| &**t)
            .filter(move |t| matches!(&t.kind, TableKind::Partition { parent: p } if p == parent))
    }

    /// The tables that inherit from `parent`, in name order.
    pub fn inheriting<'a>(&'a self, parent: &'a QualName) -> impl Iterator<Item = &'a Table> + 'a {
        self.linked(parent)
            .map(|t| &**t)
            .filter(move |t| t.inherits.contains(parent))
    }
}

/// Each distinct name once, in the order first seen (entries link to few names).
fn distinct<'a>(links: impl Iterator<Item = &'a QualName>) -> Vec<&'a QualName> {
    let mut out: Vec<&QualName> = vec![];
    for link in links {
        if !out.contains(&link) {
            out.push(link);
        }
    }
    out
}

impl<V: Links> From<BTreeMap<QualName, V>> for Linked<V> {
    fn from(by_name: BTreeMap<QualName, V>) -> Self {
        let mut linked = Linked {
            by_name: BTreeMap::new(),
            by_link: FxHashMap::default(),
        };
        for (name, value) in &by_name {
            linked.link(name, value);
        }
        linked.by_name = by_name;
        linked
    }
}

impl<V> std::ops::Deref for Linked<V> {
    type Target = BTreeMap<QualName, V>;
    fn deref(&self) -> &Self::Target {
        &self.by_name
    }
}

impl<V: PartialEq> PartialEq for Linked<V> {
    fn eq(&self, other: &Self) -> bool {
        self.by_name == other.by_name
    }
}

impl<V: std::fmt::Debug> std::fmt::Debug for Linked<V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.by_name.fmt(f)
    }
}

/// Serialized as the map by name alone, exactly as the plain map was.
impl<V: Serialize> Serialize for Linked<V> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.by_name.serialize(serializer)
    }
}

/// Read back from the map by name, rebuilding the side index.
impl<'de, V: Links> serde::Deserialize<'de> for Linked<V>
where
    BTreeMap<QualName, V>: serde::Deserialize<'de>,
{
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        BTreeMap::<QualName, V>::deserialize(deserializer).map(Linked::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{apply::apply, Catalog};
    use crate::syntax::parse_sql;

    /// A history that renames, moves, drops (with `CASCADE`), partitions and inherits tables, and
    /// adds, renames and drops foreign keys, views and owned sequences.
    const HISTORY: &str = "
CREATE SCHEMA billing;
CREATE TABLE users (id serial PRIMARY KEY, email text, manager_id int REFERENCES users (id));
CREATE TABLE orgs (id bigserial PRIMARY KEY, owner_id int REFERENCES users);
CREATE TABLE orders (id serial PRIMARY KEY, user_id int REFERENCES users (id), org_id bigint,
  CONSTRAINT orders_org_fkey FOREIGN KEY (org_id) REFERENCES orgs (id));
CREATE VIEW user_orders AS SELECT u.email, o.id FROM users u JOIN orders o ON o.user_id = u.id;
CREATE VIEW big_orders AS SELECT * FROM user_orders;
CREATE MATERIALIZED VIEW org_names AS SELECT id FROM orgs;
ALTER TABLE users RENAME COLUMN id TO user_id;
ALTER TABLE orders RENAME CONSTRAINT orders_org_fkey TO orders_org_ref;
ALTER TABLE orders RENAME TO purchases;
ALTER TABLE users RENAME TO people;
CREATE SEQUENCE tickets;
ALTER SEQUENCE tickets OWNED BY purchases.id;
CREATE TABLE events (id int, at date, person_id int REFERENCES people) PARTITION BY RANGE (at);
CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE events_2025 (id int, at date, person_id int);
ALTER TABLE events ATTACH PARTITION events_2025 FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
ALTER TABLE events DETACH PARTITION events_2024;
ALTER TABLE events RENAME TO happenings;
CREATE TABLE base (id int PRIMARY KEY);
CREATE TABLE child (extra int) INHERITS (base);
ALTER TABLE child ADD CONSTRAINT child_org_fkey FOREIGN KEY (extra) REFERENCES orgs (id);
ALTER TABLE purchases DROP CONSTRAINT orders_org_ref;
ALTER TABLE people SET SCHEMA billing;
ALTER TABLE billing.people RENAME COLUMN email TO mail;
ALTER TABLE purchases DROP COLUMN user_id;
ALTER TABLE orgs DROP COLUMN id CASCADE;
ALTER SCHEMA billing RENAME TO accounts;
DROP TABLE base CASCADE;
DROP VIEW user_orders CASCADE;
DROP TABLE happenings CASCADE;
CREATE TABLE accounts.ledger (id int PRIMARY KEY, person int REFERENCES accounts.people (user_id));
CREATE VIEW accounts.ledger_view AS SELECT id FROM accounts.ledger;
DROP SCHEMA accounts CASCADE;
DROP TABLE purchases, orgs, events_2024;
";

    fn consistent(catalog: &Catalog) -> bool {
        catalog.tables.side_index_is_consistent()
            && catalog.views.side_index_is_consistent()
            && catalog.sequences.side_index_is_consistent()
    }

    /// After every statement of a varied history, each side index is what a rebuild from the
    /// map gives, on the catalog and on a copy taken before the statement (which shares tables).
    #[test]
    fn side_indexes_stay_in_step_with_every_change() {
        let parsed = parse_sql(HISTORY);
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        let mut catalog = Catalog::new();
        let mut linked_somewhere = 0;
        for stmt in &parsed.statements {
            let before = catalog.clone();
            apply(&mut catalog, &stmt.kind);
            assert!(consistent(&catalog), "after {:?}", stmt.kind);
            assert!(consistent(&before), "copy before {:?}", stmt.kind);
            linked_somewhere += usize::from(!catalog.tables.by_link.is_empty());
        }
        // The history did exercise the index: most statements left some table naming another.
        assert!(linked_somewhere > parsed.statements.len() / 2);
        let left: Vec<&QualName> = catalog.tables.keys().chain(catalog.views.keys()).collect();
        assert!(left.is_empty(), "{left:?}");
        assert!(catalog.tables.by_link.is_empty() && catalog.sequences.by_link.is_empty());
    }

    /// The lookups answer what a scan of every table answers, in name order.
    #[test]
    fn lookups_find_what_a_scan_finds() {
        let parsed = parse_sql(
            "CREATE TABLE a (id int PRIMARY KEY, parent int REFERENCES a);
             CREATE TABLE c (a_id int REFERENCES a, a2 int REFERENCES a);
             CREATE TABLE b (a_id int REFERENCES a);
             CREATE TABLE p (at date) PARTITION BY RANGE (at);
             CREATE TABLE p1 PARTITION OF p FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
             CREATE TABLE kid (x int) INHERITS (a);",
        );
        let mut catalog = Catalog::new();
        for stmt in &parsed.statements {
            apply(&mut catalog, &stmt.kind);
        }
        let names = |tables: Vec<&Table>| -> Vec<String> {
            tables.into_iter().map(|t| t.name.name.clone()).collect()
        };
        let a = QualName::public("a");
        let p = QualName::public("p");
        assert_eq!(
            names(catalog.tables.referencing(&a).collect()),
            ["a", "b", "c"]
        );
        assert_eq!(names(catalog.tables.inheriting(&a).collect()), ["kid"]);
        assert_eq!(names(catalog.tables.partitions_of(&p).collect()), ["p1"]);
        assert_eq!(
            names(catalog.tables.partitions_of(&a).collect()),
            Vec::<String>::new()
        );
        // Serialized as the plain map was.
        let map: BTreeMap<QualName, Shared<Table>> = catalog.tables.to_map();
        assert_eq!(
            serde_json::to_string(&catalog.tables).unwrap(),
            serde_json::to_string(&map).unwrap()
        );
    }
}
