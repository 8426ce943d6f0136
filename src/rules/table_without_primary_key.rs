//! `table-without-primary-key`: a table in the final schema with no primary key.

use super::*;
use crate::catalog::TableKind;
use crate::syntax::Persistence;

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
            // A unique key over NOT NULL columns addresses rows and keeps duplicates out: what
            // is left is logical replication, which needs a replica identity.
            let not_null = |col: &str| table.column(col).is_some_and(|x| x.not_null);
            let key = cx.catalog.indexes_on(&table.name).find(|i| {
                i.unique
                    && i.predicate.is_none()
                    && i.validity != crate::catalog::IndexValidity::Invalid
                    && !i.keys.is_empty()
                    && i.keys.iter().all(|k| k.column().is_some_and(not_null))
            });
            let diag = match key {
                Some(index) => Diagnostic::about(
                    META.id,
                    table.name.clone(),
                    None,
                    format!(
                        "table `{}` has no primary key; its unique key over NOT NULL columns ({}) addresses rows and keeps duplicates out, but logical replication cannot replicate its updates and deletes until that key is its primary key or replica identity",
                        table.name,
                        index.keys.iter().filter_map(|k| k.column()).collect::<Vec<_>>().join(", ")
                    ),
                )
                .help(format!(
                    "promote the key: `ALTER TABLE {table} ADD PRIMARY KEY USING INDEX {index}` (or `ALTER TABLE {table} REPLICA IDENTITY USING INDEX {index}`)",
                    table = table.name,
                    index = crate::syntax::quote_ident(&index.name.name),
                ))
                .at_most(Severity::Info),
                None => Diagnostic::about(
                    META.id,
                    table.name.clone(),
                    None,
                    format!("table `{}` has no primary key: rows cannot be addressed reliably, logical replication cannot replicate its updates and deletes, and duplicates go unnoticed", table.name),
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
}
