//! What a replay can vouch for: the objects it saw created and dropped, and the moments since
//! which something it could not replay may have created or dropped others.
//!
//! A statement rule that says "this fails on the server" rests on this record, never on the
//! catalog's contents alone: an object the catalog lacks may come from a schema pgproof was not
//! given, and an object it has may have been dropped by a statement it could not replay.
//! Two counters stand for those doubts: `more` grows when the server may have gained objects the
//! catalog lacks, `fewer` when it may have lost objects the catalog keeps. A creation or drop
//! remembers the counter of its time, so it is trusted only while no doubt came after it.

use super::Catalog;
use crate::syntax::{AlterCmd, ObjectKind, Persistence, QualName, Statement, TxKind};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The namespaces PostgreSQL checks names in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Space {
    /// Tables, views, materialised views, indexes and sequences (`pg_class`).
    Relation,
    /// Enums, domains and composite types.
    Type,
    Function,
    /// A schema, keyed by its name alone.
    Schema,
    /// An extension, keyed by its name alone.
    Extension,
}

/// See the module documentation. Not part of the schema: two catalogs with the same objects are
/// equal whatever their replays witnessed.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Witness {
    /// Doubts that the server may hold objects the catalog lacks, so far.
    more: u32,
    /// Doubts that the server may lack objects the catalog holds, so far.
    fewer: u32,
    /// Objects the replay created (or moved in), with the `fewer` count of that moment.
    #[serde(with = "pairs")]
    created: BTreeMap<(Space, QualName), Seen>,
    /// Objects the replay dropped (or moved away), with the `more` count of that moment.
    #[serde(with = "pairs")]
    dropped: BTreeMap<(Space, QualName), Seen>,
    /// Columns and constraints the replay saw dropped or renamed away, by table, with the `more`
    /// count of that moment.
    #[serde(with = "pairs")]
    dropped_members: BTreeMap<(QualName, Member, String), Seen>,
    /// Tables whose columns the catalog may not know in full: created with `LIKE`, `INHERITS`,
    /// `PARTITION OF` or `AS SELECT`, or parents of such tables.
    loose_columns: BTreeSet<QualName>,
    /// `search_path` no longer leads with `public`, so unqualified names (which the model
    /// resolves against `public`) may name objects in another schema.
    search_path_moved: bool,
    /// A function the history created runs DDL, or an extension that makes tables is installed:
    /// a `SELECT` or `CALL` may create or drop objects.
    ddl_callable: bool,
    /// The number of the migration being replayed (0: the base schema).
    migration: u32,
    /// The order of the migrations is only assumed: only what the current migration itself
    /// created or dropped is vouched for.
    order_assumed: bool,
}

/// When the replay saw an object created or dropped: the doubt count of that moment (`fewer` for
/// a creation, `more` for a drop), and the migration.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
struct Seen {
    doubts: u32,
    migration: u32,
}

impl PartialEq for Witness {
    fn eq(&self, _other: &Self) -> bool {
        true
    }
}

/// A part of a table the witness follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Member {
    Column,
    Constraint,
}

/// A map with composite keys as a list of pairs (formats such as JSON key maps by strings only).
mod pairs {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use std::collections::BTreeMap;

    pub fn serialize<K: Serialize, V: Serialize, S: Serializer>(
        map: &BTreeMap<K, V>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(map.iter())
    }

    pub fn deserialize<'de, K, V, D>(deserializer: D) -> Result<BTreeMap<K, V>, D::Error>
    where
        K: Deserialize<'de> + Ord,
        V: Deserialize<'de>,
        D: Deserializer<'de>,
    {
        Ok(Vec::<(K, V)>::deserialize(deserializer)?
            .into_iter()
            .collect())
    }
}

/// The key of a schema or extension, which live outside any schema.
fn bare(name: &str) -> QualName {
    QualName::new("", name)
}

impl Witness {
    /// The replay starts the next migration; `order_assumed` when the order of the migrations is
    /// only pgproof's guess.
    pub fn next_migration(&mut self, order_assumed: bool) {
        self.migration += 1;
        self.order_assumed = order_assumed;
    }

    /// Whether a creation or drop seen at `seen` still holds, given the doubts since (`now`).
    fn holds(&self, seen: Option<&Seen>, now: u32) -> bool {
        seen.is_some_and(|seen| {
            seen.doubts == now && (!self.order_assumed || seen.migration == self.migration)
        })
    }

    fn seen(&self, doubts: u32) -> Seen {
        Seen {
            doubts,
            migration: self.migration,
        }
    }

    /// Something pgproof could not replay may have created objects.
    pub fn doubt_more(&mut self) {
        self.more += 1;
    }

    /// Something pgproof could not replay may have dropped objects.
    pub fn doubt_fewer(&mut self) {
        self.fewer += 1;
    }

    /// Something pgproof could not replay may have created or dropped objects.
    pub fn doubt_all(&mut self) {
        self.doubt_more();
        self.doubt_fewer();
    }

    pub fn created(&mut self, space: Space, name: &QualName) {
        self.dropped.remove(&(space, name.clone()));
        self.created
            .insert((space, name.clone()), self.seen(self.fewer));
    }

    pub fn dropped(&mut self, space: Space, name: &QualName) {
        self.created.remove(&(space, name.clone()));
        self.loose_columns.remove(name);
        if space == Space::Relation {
            self.forget_members(name);
        }
        self.dropped
            .insert((space, name.clone()), self.seen(self.more));
    }

    pub fn created_schema(&mut self, name: &str) {
        self.created(Space::Schema, &bare(name));
    }

    pub fn dropped_schema(&mut self, name: &str) {
        self.dropped(Space::Schema, &bare(name));
    }

    pub fn created_extension(&mut self, name: &str) {
        self.created(Space::Extension, &bare(name));
    }

    pub fn dropped_extension(&mut self, name: &str) {
        self.dropped(Space::Extension, &bare(name));
    }

    /// An object renamed or moved from `old` to `new`.
    pub fn moved(&mut self, space: Space, old: &QualName, new: &QualName) {
        let loose = self.loose_columns.contains(old);
        self.dropped(space, old);
        self.created(space, new);
        if loose {
            self.loose_columns.insert(new.clone());
        }
    }

    /// A column or constraint of `table` dropped or renamed away.
    pub fn dropped_member(&mut self, table: &QualName, kind: Member, name: &str) {
        self.dropped_members.insert(
            (table.clone(), kind, name.to_string()),
            self.seen(self.more),
        );
    }

    /// A column or constraint of `table` (re)created.
    pub fn created_member(&mut self, table: &QualName, kind: Member, name: &str) {
        self.dropped_members
            .remove(&(table.clone(), kind, name.to_string()));
    }

    fn forget_members(&mut self, table: &QualName) {
        let gone: Vec<(QualName, Member, String)> = self
            .dropped_members
            .range((table.clone(), Member::Column, String::new())..)
            .take_while(|((t, _, _), _)| t == table)
            .map(|(k, _)| k.clone())
            .collect();
        for key in gone {
            self.dropped_members.remove(&key);
        }
    }

    /// Whether the replay saw the column or constraint `member` of `table` dropped or renamed
    /// away, and nothing since may have brought it back.
    pub fn vouches_member_absent(&self, table: &QualName, kind: Member, name: &str) -> bool {
        self.holds(
            self.dropped_members
                .get(&(table.clone(), kind, name.to_string())),
            self.more,
        )
    }

    pub fn columns_loose(&mut self, table: &QualName) {
        self.loose_columns.insert(table.clone());
    }

    pub fn search_path_moved(&mut self, moved: bool) {
        if self.search_path_moved && !moved {
            // What was created meanwhile was recorded under the wrong schema.
            self.doubt_all();
        }
        self.search_path_moved = moved;
    }

    /// Whether unqualified names may resolve elsewhere than `public`: nothing can be vouched for.
    pub fn search_path_is_moved(&self) -> bool {
        self.search_path_moved
    }

    /// Whether an object the catalog holds surely exists on the server: no doubt that something
    /// dropped objects came after its creation (objects of a base schema count as created first).
    pub fn vouches_exists(&self, space: Space, name: &QualName) -> bool {
        match self.created.get(&(space, name.clone())) {
            Some(seen) => self.holds(Some(seen), self.fewer),
            // An object of the base schema, or one the catalog holds by default (`public`).
            None => self.fewer == 0 && !self.order_assumed,
        }
    }

    /// Whether an object the catalog lacks surely does not exist on the server: the replay saw it
    /// dropped, and no doubt that something created objects came after.
    pub fn vouches_absent(&self, space: Space, name: &QualName) -> bool {
        self.holds(self.dropped.get(&(space, name.clone())), self.more)
    }

    /// Whether the object comes from the base schema (`--schema-from`: a dump or a live
    /// database), which describes the database the migrations run on in full.
    pub fn from_base(&self, space: Space, name: &QualName) -> bool {
        self.created
            .get(&(space, name.clone()))
            .is_none_or(|seen| seen.migration == 0)
    }

    pub fn vouches_schema_exists(&self, name: &str) -> bool {
        self.vouches_exists(Space::Schema, &bare(name))
    }

    pub fn vouches_schema_absent(&self, name: &str) -> bool {
        self.vouches_absent(Space::Schema, &bare(name))
    }

    pub fn vouches_extension_exists(&self, name: &str) -> bool {
        self.vouches_exists(Space::Extension, &bare(name))
    }

    pub fn vouches_extension_absent(&self, name: &str) -> bool {
        self.vouches_absent(Space::Extension, &bare(name))
    }

    /// Whether the catalog may not know every column of `table`.
    pub fn columns_are_loose(&self, table: &QualName) -> bool {
        self.loose_columns.contains(table)
    }
}

/// The namespace an object of `kind` is named in, when the witness follows that kind.
pub fn space_of(kind: ObjectKind) -> Option<Space> {
    match kind {
        ObjectKind::Table
        | ObjectKind::View
        | ObjectKind::MaterializedView
        | ObjectKind::Index
        | ObjectKind::Sequence => Some(Space::Relation),
        ObjectKind::Type | ObjectKind::Domain => Some(Space::Type),
        ObjectKind::Function | ObjectKind::Procedure => Some(Space::Function),
        ObjectKind::Schema => Some(Space::Schema),
        ObjectKind::Extension => Some(Space::Extension),
        ObjectKind::Trigger
        | ObjectKind::Policy
        | ObjectKind::Column
        | ObjectKind::Constraint
        | ObjectKind::Other => None,
    }
}

/// Unmodelled statements that neither create nor drop the objects the witness follows
/// (relations, their columns and constraints, types, functions, schemas): roles, privileges,
/// ownership, session and cursor commands, publications, operators, statistics, casts.
const HARMLESS: &[&str] = &[
    "AlterCollationStmt",
    "AlterDefaultPrivilegesStmt",
    "AlterFdwStmt",
    "AlterForeignServerStmt",
    "AlterFunctionStmt",
    "AlterOpFamilyStmt",
    "AlterOperatorStmt",
    "AlterOwnerStmt",
    "AlterPublicationStmt",
    "AlterRoleStmt",
    "AlterStatsStmt",
    "AlterSubscriptionStmt",
    "AlterTableMoveAllStmt",
    "AlterTableSpaceOptionsStmt",
    "AlterTsconfigurationStmt",
    "AlterTsdictionaryStmt",
    "AlterTypeStmt",
    "AlterUserMappingStmt",
    "CheckPointStmt",
    "ClosePortalStmt",
    "ConstraintsSetStmt",
    "CopyStmt",
    "CreateAmStmt",
    "CreateCastStmt",
    "CreateConversionStmt",
    "CreateFdwStmt",
    "CreateForeignServerStmt",
    "CreateOpClassStmt",
    "CreateOpFamilyStmt",
    "CreatePlangStmt",
    "CreatePublicationStmt",
    "CreateRoleStmt",
    "CreateStatsStmt",
    "CreateSubscriptionStmt",
    "CreateTableSpaceStmt",
    "CreateTransformStmt",
    "CreateUserMappingStmt",
    "CreatedbStmt",
    "DeallocateStmt",
    "DeclareCursorStmt",
    "DiscardStmt",
    "DropRoleStmt",
    "DropSubscriptionStmt",
    "DropTableSpaceStmt",
    "DropUserMappingStmt",
    "DropdbStmt",
    "ExecuteStmt",
    "ExplainStmt",
    "FetchStmt",
    "GrantRoleStmt",
    "ListenStmt",
    "LoadStmt",
    "MergeStmt",
    "NotifyStmt",
    "PrepareStmt",
    "ReassignOwnedStmt",
    "SecLabelStmt",
    "UnlistenStmt",
    "VariableShowStmt",
];

/// Unmodelled statements that create objects the witness follows but drop none: base, shell and
/// range types (with their functions), foreign tables, extension updates.
const CREATING: &[&str] = &[
    "AlterExtensionStmt",
    "CreateForeignTableStmt",
    "CreateRangeStmt",
    "DefineStmt",
    "ImportForeignSchemaStmt",
];

/// Extensions whose functions create tables and indexes when called (`create_hypertable`,
/// `create_parent`, `create_distributed_table`).
const OBJECT_MAKING_EXTENSIONS: &[&str] = &["timescaledb", "pg_partman", "citus", "periods"];

/// Whether a `search_path` value leads with `public` (or the user's schema, then `public`, the
/// default), so that unqualified names still mean `public` objects.
fn leads_with_public(value: &str) -> bool {
    let schemas: Vec<String> = value
        .split(',')
        .map(|s| {
            s.trim()
                .trim_matches(|c| c == '"' || c == '\'')
                .to_ascii_lowercase()
        })
        .filter(|s| !s.is_empty())
        .collect();
    if value.trim() == "DEFAULT" {
        // `RESET search_path`, `SET search_path TO DEFAULT`.
        return true;
    }
    match schemas.first().map(String::as_str) {
        // `SET search_path = ''`: no schema at all.
        None => false,
        Some("public") => true,
        Some("$user") => schemas.get(1).is_some_and(|s| s == "public"),
        Some(_) => false,
    }
}

/// Records what `stmt` does to the witness of `catalog`: called with the catalog as it was before
/// the statement.
pub(super) fn observe(catalog: &mut Catalog, stmt: &Statement) {
    let mut witness = std::mem::take(&mut catalog.witness);
    observe_into(catalog, &mut witness, stmt);
    catalog.witness = witness;
}

fn observe_into(catalog: &Catalog, witness: &mut Witness, stmt: &Statement) {
    // A `CREATE` of a name that is taken changes nothing (it fails, or `IF NOT EXISTS` skips it):
    // the object there is still the one seen before.
    let taken = |name: &QualName| catalog.relation_exists(name);
    let type_taken = |name: &QualName| {
        catalog.enums.contains_key(name)
            || catalog.domains.contains_key(name)
            || catalog.composite_types.contains(name)
    };
    // An unqualified name finds a temporary table first.
    let temporary = |name: &QualName| {
        name.schema == "pg_temp"
            || catalog
                .tables
                .contains_key(&QualName::new("pg_temp", name.name.clone()))
    };
    match stmt {
        Statement::CreateTable(t) => {
            if t.persistence == Persistence::Temporary || temporary(&t.name) || taken(&t.name) {
                return;
            }
            witness.created(Space::Relation, &t.name);
            witness.forget_members(&t.name);
            let parents: Vec<&QualName> = t.inherits.iter().chain(&t.partition_of).collect();
            if !parents.is_empty() || !t.like.is_empty() {
                witness.columns_loose(&t.name);
            }
            for parent in parents {
                witness.columns_loose(parent);
            }
        }
        Statement::CreateView(v) if v.or_replace || !taken(&v.name) => {
            witness.created(Space::Relation, &v.name);
            if v.is_table {
                witness.columns_loose(&v.name);
            }
        }
        Statement::CreateIndex(i) => {
            if let Some(name) = &i.name {
                // An index on a temporary table lives in the temporary schema.
                let name = QualName::new(i.table.schema.clone(), name.clone());
                if !temporary(&i.table) && !taken(&name) {
                    witness.created(Space::Relation, &name);
                }
            }
        }
        Statement::CreateSequence { name, .. } if !taken(name) => {
            witness.created(Space::Relation, name)
        }
        Statement::CreateEnum { name, .. }
        | Statement::CreateDomain { name, .. }
        | Statement::CreateCompositeType { name }
            if !type_taken(name) =>
        {
            witness.created(Space::Type, name)
        }
        Statement::CreateFunction(f) => {
            witness.created(Space::Function, &f.name);
            witness.ddl_callable |= f.body.as_deref().is_some_and(runs_ddl);
        }
        Statement::CreateSchema { name, elements, .. } => {
            if !catalog.schemas.contains(name) {
                witness.created_schema(name);
            }
            if *elements {
                witness.doubt_more();
            }
        }
        Statement::CreateExtension { name, .. } => {
            if !catalog.extensions.contains(name) {
                witness.created_extension(name);
            }
            witness.ddl_callable |= OBJECT_MAKING_EXTENSIONS.contains(&name.as_str());
            // Its tables, types and functions are not replayed.
            witness.doubt_more();
        }
        Statement::Drop(d) => {
            for name in &d.names {
                match d.kind {
                    ObjectKind::Schema => witness.dropped_schema(&name.name),
                    ObjectKind::Extension => witness.dropped_extension(&name.name),
                    // `DROP FUNCTION f(int)` drops one overload, which the model does not tell
                    // apart: the name is gone only if it had one.
                    ObjectKind::Function | ObjectKind::Procedure => {
                        if catalog.functions.get(name).is_some_and(|o| o.len() == 1) {
                            witness.dropped(Space::Function, name);
                        }
                    }
                    kind => {
                        if let Some(space) = space_of(kind) {
                            witness.dropped(space, name);
                        }
                    }
                }
            }
            // `CASCADE` on a table or view drops views, foreign keys and child tables, which the
            // replay models; on anything else it may drop what the replay keeps (columns of a
            // dropped type, views calling a dropped function).
            let modelled = matches!(
                d.kind,
                ObjectKind::Table | ObjectKind::View | ObjectKind::MaterializedView
            );
            if d.cascade && !modelled {
                witness.doubt_fewer();
            }
        }
        Statement::Rename(r) if r.sub_name.is_some() => {
            let kind = match r.kind {
                ObjectKind::Column => Some(Member::Column),
                ObjectKind::Constraint => Some(Member::Constraint),
                _ => None,
            };
            if let (Some(kind), Some(old)) = (kind, &r.sub_name) {
                witness.dropped_member(&r.target, kind, old);
                witness.created_member(&r.target, kind, &r.new_name);
            }
        }
        Statement::Rename(r) => match (r.kind, space_of(r.kind)) {
            (ObjectKind::Schema, _) => witness.doubt_all(),
            (_, Some(space)) => {
                let new = QualName::new(r.target.schema.clone(), r.new_name.clone());
                witness.moved(space, &r.target, &new);
            }
            (_, None) => {}
        },
        Statement::AlterSchemaOf {
            kind,
            name,
            new_schema,
            ..
        } => {
            if let Some(space) = space_of(*kind) {
                witness.moved(
                    space,
                    name,
                    &QualName::new(new_schema.clone(), name.name.clone()),
                );
            }
        }
        Statement::AlterTable(a) => {
            for cmd in &a.cmds {
                match cmd {
                    AlterCmd::DropColumn { name, cascade, .. } => {
                        witness.dropped_member(&a.name, Member::Column, name);
                        if *cascade {
                            witness.doubt_fewer();
                        }
                    }
                    AlterCmd::DropConstraint { name, cascade, .. } => {
                        witness.dropped_member(&a.name, Member::Constraint, name);
                        if *cascade {
                            witness.doubt_fewer();
                        }
                    }
                    AlterCmd::AddColumn { column, .. } => {
                        witness.created_member(&a.name, Member::Column, &column.name)
                    }
                    AlterCmd::AddConstraint { constraint } => {
                        if let Some(name) = &constraint.name {
                            witness.created_member(&a.name, Member::Constraint, name);
                        }
                    }
                    AlterCmd::AttachPartition { partition }
                    | AlterCmd::DetachPartition { partition, .. } => {
                        witness.columns_loose(&a.name);
                        witness.columns_loose(partition);
                    }
                    // A command the model could not read (an `ADD COLUMN` of an odd shape,
                    // `INHERIT`, `OF type`): the table's columns and constraints are unsure.
                    AlterCmd::Other { what } if !METADATA_ONLY.contains(&what.as_str()) => {
                        witness.columns_loose(&a.name)
                    }
                    _ => {}
                }
            }
        }
        Statement::Set { name, value, .. } if name == "search_path" => {
            witness.search_path_moved(!leads_with_public(value));
        }
        Statement::Transaction {
            tx: TxKind::Rollback | TxKind::RollbackTo | TxKind::Chain,
        } => witness.doubt_all(),
        // Its body may create or drop anything, under names built at run time.
        Statement::Do { .. } => witness.doubt_all(),
        Statement::Select => calls_may_run_ddl(witness),
        Statement::Other { node } if node == "CallStmt" => calls_may_run_ddl(witness),
        Statement::Other { node } if node == "DropOwnedStmt" => witness.doubt_fewer(),
        Statement::Other { node } if CREATING.contains(&node.as_str()) => witness.doubt_more(),
        Statement::Other { node } if !HARMLESS.contains(&node.as_str()) => witness.doubt_all(),
        _ => {}
    }
}

/// `ALTER TABLE` commands the model keeps as `Other` that change no column or constraint.
const METADATA_ONLY: &[&str] = &[
    "SetRelOptions",
    "ResetRelOptions",
    "ReplaceRelOptions",
    "SetStatistics",
    "SetStorage",
    "SetCompression",
    "SetOptions",
    "ResetOptions",
    "ChangeOwner",
    "ReplicaIdentity",
    "EnableAlwaysTrig",
    "EnableReplicaTrig",
    "EnableTrigAll",
    "DisableTrigAll",
    "EnableTrigUser",
    "DisableTrigUser",
    "EnableRule",
    "EnableAlwaysRule",
    "EnableReplicaRule",
    "DisableRule",
    "DropCluster",
    "SetAccessMethod",
    "AlterColumnGenericOptions",
    "GenericOptions",
];

/// A `SELECT` or `CALL` may call a function that creates or drops objects: one of the history's
/// own whose body runs DDL, or an extension's that makes tables.
fn calls_may_run_ddl(witness: &mut Witness) {
    if witness.ddl_callable {
        witness.doubt_all();
    }
}

/// Whether a function body may create, alter or drop objects.
fn runs_ddl(body: &str) -> bool {
    let lower = body.to_ascii_lowercase();
    lower
        .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
        .any(|w| matches!(w, "create" | "drop" | "alter" | "execute"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::parse_sql;

    /// Replays `migrations` (one string each) and returns the catalog.
    fn replay(migrations: &[&str], order_assumed: bool) -> Catalog {
        let mut catalog = Catalog::new();
        for sql in migrations {
            catalog.witness.next_migration(order_assumed);
            for stmt in &parse_sql(sql).statements {
                super::super::apply::apply(&mut catalog, &stmt.kind);
            }
        }
        catalog
    }

    fn t(name: &str) -> QualName {
        QualName::public(name)
    }

    #[test]
    fn creations_and_drops_hold_until_a_doubt_comes_after_them() {
        let c = replay(
            &["CREATE TABLE a (id int); CREATE TABLE b (id int); DROP TABLE b;"],
            false,
        );
        assert!(c.witness.vouches_exists(Space::Relation, &t("a")));
        assert!(c.witness.vouches_absent(Space::Relation, &t("b")));
        // Never seen: neither.
        assert!(!c.witness.vouches_absent(Space::Relation, &t("elsewhere")));

        let c = replay(
            &[
                "CREATE TABLE a (id int); CREATE TABLE b (id int); DROP TABLE b;",
                "DO $$ BEGIN EXECUTE 'SELECT 1'; END $$;",
                "CREATE TABLE c (id int); DROP TABLE c;",
            ],
            false,
        );
        assert!(!c.witness.vouches_exists(Space::Relation, &t("a")));
        assert!(!c.witness.vouches_absent(Space::Relation, &t("b")));
        assert!(c.witness.vouches_absent(Space::Relation, &t("c")));
    }

    #[test]
    fn an_assumed_order_vouches_only_for_the_current_migration() {
        let c = replay(
            &["CREATE TABLE a (id int);", "CREATE TABLE b (id int);"],
            true,
        );
        assert!(!c.witness.vouches_exists(Space::Relation, &t("a")));
        assert!(c.witness.vouches_exists(Space::Relation, &t("b")));
    }

    /// A `CREATE` of a taken name changes nothing: with an assumed order, the table another file
    /// created is not vouched for because this file tried to create it again.
    #[test]
    fn a_create_of_a_taken_name_is_no_creation() {
        let c = replay(
            &[
                "CREATE TABLE a (id int, b int);",
                "CREATE TABLE IF NOT EXISTS a (id int);",
            ],
            true,
        );
        assert!(!c.witness.vouches_exists(Space::Relation, &t("a")));
    }

    #[test]
    fn doubts_follow_what_may_have_happened() {
        // A `ROLLBACK`, a call of a function that runs DDL, a moved search path.
        for sql in [
            "BEGIN; CREATE TABLE x (id int); ROLLBACK;",
            "CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$ BEGIN DROP TABLE a; END $$; SELECT f();",
        ] {
            let c = replay(&["CREATE TABLE a (id int);", sql], false);
            assert!(!c.witness.vouches_exists(Space::Relation, &t("a")), "{sql}");
        }
        let c = replay(&["CREATE TABLE a (id int); SET search_path TO app;"], false);
        assert!(c.witness.search_path_is_moved());
        let c = replay(&["SET search_path TO app; RESET search_path;"], false);
        assert!(!c.witness.search_path_is_moved());
        // pg_dump's empty path: unqualified names resolve nowhere.
        let c = replay(&["SET search_path = '';"], false);
        assert!(c.witness.search_path_is_moved());
        // Harmless statements change nothing.
        let c = replay(
            &["CREATE TABLE a (id int); GRANT SELECT ON a TO PUBLIC; CREATE ROLE r; SELECT 1;"],
            false,
        );
        assert!(c.witness.vouches_exists(Space::Relation, &t("a")));
    }

    #[test]
    fn search_path_values() {
        for (value, public) in [
            ("DEFAULT", true),
            ("", false),
            ("public", true),
            ("\"$user\", public", true),
            ("app, public", false),
            ("''", false),
            ("\"$user\"", false),
        ] {
            assert_eq!(leads_with_public(value), public, "{value:?}");
        }
    }
}
