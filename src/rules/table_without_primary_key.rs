//! `table-without-primary-key`: a table in the final schema with no primary key.

use super::*;
use crate::catalog::TableKind;
use crate::syntax::{Persistence, ReplicaIdentity};

declare_rule! {
    TableWithoutPrimaryKey {
        id: "table-without-primary-key",
        category: Schema,
        severity: Warning,
        fix: Guidance,
    }
}

impl Rule for TableWithoutPrimaryKey {
    fn check_schema(&self, cx: &SchemaContext<'_>, out: &mut Vec<Diagnostic>) {
        for table in cx.catalog.tables.values() {
            if table.primary_key().is_some()
                || table.persistence == Persistence::Temporary
                || table.like_unknown
            {
                continue;
            }
            // A partition takes its key from its parent: with a key there, it has a copy; without,
            // the finding on the parent is the one to act on.
            if let TableKind::Partition { parent } = &table.kind {
                if cx.catalog.table(parent).is_some() {
                    continue;
                }
            }
            // `REPLICA IDENTITY USING INDEX` names a key PostgreSQL checked (unique, not partial,
            // not deferrable, over NOT NULL columns): rows are addressed, duplicates kept out and
            // updates and deletes replicated. (With its index dropped, it identifies nothing.)
            let partitioned = matches!(table.kind, TableKind::Partitioned);
            // A partitioned table's identity does not reach its partitions, which are what
            // replication reads.
            let identity = if partitioned {
                &ReplicaIdentity::Default
            } else {
                &table.replica_identity
            };
            if let ReplicaIdentity::Index(index) = identity {
                if cx.catalog.indexes_on(&table.name).any(|i| &i.name.name == index) {
                    continue;
                }
            }
            // `FULL` matches rows by every column on the subscriber, which needs an equality
            // operator for each column's type (`json`, `xml` and the geometric types have none).
            let comparable = table.columns.iter().all(|c| {
                !matches!(
                    c.type_name.name.as_str(),
                    "json" | "xml" | "point" | "line" | "lseg" | "box" | "path" | "polygon" | "circle"
                )
            });
            let full = *identity == ReplicaIdentity::Full && comparable;
            // A unique key over NOT NULL columns addresses rows and keeps duplicates out: what
            // is left is logical replication, which needs a replica identity (`FULL` is one).
            let not_null = |col: &str| table.column(col).is_some_and(|x| x.not_null);
            let deferrable = |i: &crate::catalog::Index| {
                i.constraint.as_ref().is_some_and(|c| {
                    table
                        .constraints
                        .iter()
                        .any(|k| &k.name == c && k.deferrable)
                })
            };
            // `ADD PRIMARY KEY USING INDEX` takes a plain B-tree index of default ordering that
            // backs no constraint; `REPLICA IDENTITY USING INDEX` any that is not deferrable.
            let promotable = |i: &crate::catalog::Index| {
                !partitioned
                    && i.constraint.is_none()
                    && i.method == "btree"
                    && i.key_options.iter().all(String::is_empty)
            };
            let key = cx
                .catalog
                .indexes_on(&table.name)
                .filter(|i| {
                    i.unique
                        && i.predicate.is_none()
                        && i.validity != crate::catalog::IndexValidity::Invalid
                        && !i.keys.is_empty()
                        && i.keys.iter().all(|k| k.column().is_some_and(not_null))
                })
                .min_by_key(|i| (!promotable(i), deferrable(i)));
            let diag = match key {
                Some(_) if full => continue,
                Some(index) => {
                    let t = &table.name;
                    let i = crate::syntax::quote_ident(&index.name.name);
                    let columns: Vec<&str> = index.keys.iter().filter_map(|k| k.column()).collect();
                    let add_key = format!(
                        "`ALTER TABLE {t} ADD PRIMARY KEY ({})`",
                        columns
                            .iter()
                            .map(|c| crate::syntax::quote_ident(c))
                            .collect::<Vec<_>>()
                            .join(", ")
                    );
                    let help = if promotable(index) {
                        format!("promote the key: `ALTER TABLE {t} ADD PRIMARY KEY USING INDEX {i}` (or `ALTER TABLE {t} REPLICA IDENTITY USING INDEX {i}`)")
                    } else if partitioned || deferrable(index) {
                        format!("add a primary key over the same columns: {add_key}")
                    } else {
                        format!("make the key the replica identity (`ALTER TABLE {t} REPLICA IDENTITY USING INDEX {i}`), or add a primary key over the same columns: {add_key}")
                    };
                    Diagnostic::about(
                        META.id,
                        t.clone(),
                        None,
                        format!(
                            "table `{t}` has no primary key; its unique key over NOT NULL columns ({}) addresses rows and keeps duplicates out, but logical replication cannot replicate its updates and deletes until that key is its primary key or replica identity",
                            columns.join(", ")
                        ),
                    )
                    .help(help)
                    .at_most(Severity::Info)
                }
                None => Diagnostic::about(
                    META.id,
                    table.name.clone(),
                    None,
                    if full {
                        format!("table `{}` has no primary key: rows cannot be addressed reliably and duplicates go unnoticed (its `REPLICA IDENTITY FULL` lets logical replication replicate updates and deletes, by logging every old row whole and matching rows by all their columns on the subscriber, one scan per row where no index serves)", table.name)
                    } else {
                        format!("table `{}` has no primary key: rows cannot be addressed reliably, logical replication cannot replicate its updates and deletes, and duplicates go unnoticed", table.name)
                    },
                )
                .help(format!("add a primary key, e.g. `ALTER TABLE {} ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY`, or promote a unique `NOT NULL` key", table.name)),
            };
            out.push(diag);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::finding::Severity;

    /// Severity and message of the finding on each table of `schema`, by table.
    fn findings(schema: &str) -> Vec<(Severity, String)> {
        crate::rules::findings_after(schema, "", "table-without-primary-key")
            .into_iter()
            .map(|f| (f.severity, f.message))
            .collect()
    }

    /// The help on each table of `schema`.
    fn helps(schema: &str) -> Vec<String> {
        crate::rules::findings_after(schema, "", "table-without-primary-key")
            .into_iter()
            .filter_map(|f| f.help)
            .collect()
    }

    /// The help offers what PostgreSQL accepts for the key at hand: `ADD PRIMARY KEY USING INDEX`
    /// only for a plain B-tree index of default ordering backing no constraint, `REPLICA IDENTITY
    /// USING INDEX` for any key that is not deferrable, else a new primary key on the columns.
    #[test]
    fn the_help_promotes_the_key_only_as_postgresql_allows() {
        let help = |schema: &str| {
            let helps = helps(schema);
            assert_eq!(helps.len(), 1, "{helps:?}");
            helps[0].clone()
        };
        let plain = help("CREATE TABLE a (url text NOT NULL);\nCREATE UNIQUE INDEX a_url ON a (url);");
        assert!(plain.contains("ADD PRIMARY KEY USING INDEX a_url"), "{plain}");
        let constraint = help("CREATE TABLE b (x int NOT NULL, y int NOT NULL, UNIQUE (x, y));");
        assert!(
            constraint.contains("REPLICA IDENTITY USING INDEX b_x_y_key")
                && constraint.contains("ADD PRIMARY KEY (x, y)")
                && !constraint.contains("USING INDEX b_x_y_key`, or"),
            "{constraint}"
        );
        let descending = help("CREATE TABLE c (x int NOT NULL);\nCREATE UNIQUE INDEX c_x ON c (x DESC);");
        assert!(!descending.contains("ADD PRIMARY KEY USING INDEX"), "{descending}");
        let deferrable = help("CREATE TABLE d (x int NOT NULL, UNIQUE (x) DEFERRABLE);");
        assert!(
            deferrable.contains("ADD PRIMARY KEY (x)") && !deferrable.contains("REPLICA IDENTITY"),
            "{deferrable}"
        );
        // A usable index is preferred to a constraint's.
        let both = help("CREATE TABLE e (x int NOT NULL, UNIQUE (x));\nCREATE UNIQUE INDEX e_x ON e (x);");
        assert!(both.contains("ADD PRIMARY KEY USING INDEX e_x"), "{both}");
    }

    /// A unique key over NOT NULL columns (a unique index or constraint) addresses rows and keeps
    /// duplicates out: only the replica identity is missing, and that is said at info level. A
    /// key that is partial, over an expression or over a nullable column is no such key.
    #[test]
    fn a_unique_not_null_key_leaves_only_the_replica_identity() {
        let keyed = findings(
            "CREATE TABLE page_lastmod (page_id int NOT NULL, url varchar(128) NOT NULL);\n\
             CREATE UNIQUE INDEX page_lastmod_url_key ON page_lastmod (url);\n\
             CREATE TABLE pairs (a int NOT NULL, b int NOT NULL, UNIQUE (a, b));",
        );
        assert_eq!(keyed.len(), 2, "{keyed:?}");
        for (severity, message) in &keyed {
            assert_eq!(*severity, Severity::Info, "{message}");
            assert!(message.contains("addresses rows and keeps duplicates out"), "{message}");
        }
        let unkeyed = findings(
            "CREATE TABLE a (url text NOT NULL);\n\
             CREATE UNIQUE INDEX a_url ON a (url) WHERE url <> '';\n\
             CREATE TABLE b (url text NOT NULL);\n\
             CREATE UNIQUE INDEX b_url ON b (lower(url));\n\
             CREATE TABLE c (url text UNIQUE);",
        );
        assert_eq!(unkeyed.len(), 3, "{unkeyed:?}");
        for (severity, message) in &unkeyed {
            assert_eq!(*severity, Severity::Warning, "{message}");
            assert!(message.contains("duplicates go unnoticed"), "{message}");
        }
    }

    /// A replica identity is what logical replication needs: `USING INDEX` (a key PostgreSQL
    /// checked) or `FULL` over a unique NOT NULL key leaves nothing to say; `FULL` without a key
    /// leaves the warning, without the claim that replication cannot work. An identity index
    /// since dropped, or `NOTHING`, identifies nothing.
    #[test]
    fn a_replica_identity_answers_the_replication_claim() {
        let silent = findings(
            "CREATE TABLE a (x int NOT NULL);\n\
             CREATE UNIQUE INDEX a_x ON a (x);\n\
             ALTER TABLE a REPLICA IDENTITY USING INDEX a_x;\n\
             CREATE TABLE b (x int NOT NULL UNIQUE);\n\
             ALTER TABLE b REPLICA IDENTITY FULL;",
        );
        assert!(silent.is_empty(), "{silent:?}");
        let full = findings("CREATE TABLE c (x int);\nALTER TABLE c REPLICA IDENTITY FULL;");
        assert_eq!(full.len(), 1, "{full:?}");
        assert_eq!(full[0].0, Severity::Warning);
        assert!(
            full[0].1.contains("duplicates go unnoticed")
                && full[0].1.contains("REPLICA IDENTITY FULL")
                && !full[0].1.contains("cannot replicate"),
            "{}",
            full[0].1
        );
        let none = findings(
            "CREATE TABLE d (x int NOT NULL);\n\
             CREATE UNIQUE INDEX d_x ON d (x);\n\
             ALTER TABLE d REPLICA IDENTITY USING INDEX d_x;\n\
             DROP INDEX d_x;\n\
             CREATE TABLE e (x int);\n\
             ALTER TABLE e REPLICA IDENTITY NOTHING;\n\
             ALTER TABLE e REPLICA IDENTITY DEFAULT;\n\
             CREATE TABLE f (x int);\n\
             ALTER TABLE f REPLICA IDENTITY NOTHING;",
        );
        // A renamed identity index is still the identity.
        let renamed = findings(
            "CREATE TABLE r (x int NOT NULL);\n\
             CREATE UNIQUE INDEX r_x ON r (x);\n\
             ALTER TABLE r REPLICA IDENTITY USING INDEX r_x;\n\
             ALTER INDEX r_x RENAME TO r_x2;",
        );
        assert!(renamed.is_empty(), "{renamed:?}");
        // Not an identity that works: a partitioned table's (its partitions keep their own), and
        // `FULL` over a column whose type has no equality operator.
        let partitioned = findings(
            "CREATE TABLE p (x int NOT NULL UNIQUE) PARTITION BY RANGE (x);\n\
             ALTER TABLE p REPLICA IDENTITY FULL;\n\
             CREATE TABLE q (x int) PARTITION BY RANGE (x);\n\
             ALTER TABLE q REPLICA IDENTITY FULL;\n\
             CREATE TABLE j (x int NOT NULL UNIQUE, doc json);\n\
             ALTER TABLE j REPLICA IDENTITY FULL;",
        );
        assert_eq!(partitioned.len(), 3, "{partitioned:?}");
        for (_, message) in &partitioned {
            assert!(message.contains("cannot replicate"), "{message}");
        }
        assert_eq!(none.len(), 3, "{none:?}");
        for (severity, message) in &none {
            assert_eq!(*severity, Severity::Warning, "{message}");
            assert!(message.contains("cannot replicate"), "{message}");
        }
    }
}
