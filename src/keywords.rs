//! PostgreSQL's keywords, as the parser pgproof is built with knows them (`build.rs` generates the
//! tables from libpg_query's `kwlist.h`, so a new PostgreSQL keyword needs no edit here).
//!
//! Only identifier quoting reads them: PostgreSQL's own `quote_identifier` (ruleutils.c) quotes
//! every keyword that is not `UNRESERVED_KEYWORD` (reserved, column-name and type/function-name
//! keywords), because some positions reject each of those kinds unquoted.

include!(concat!(env!("OUT_DIR"), "/keywords.rs"));

/// Whether `word` (already lowercase) is a keyword that must be quoted to be used as an identifier.
pub fn needs_quotes(word: &str) -> bool {
    QUOTED_KEYWORDS.binary_search(&word).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_sorted_disjoint_and_complete() {
        assert!(QUOTED_KEYWORDS.windows(2).all(|w| w[0] < w[1]));
        assert!(UNRESERVED_KEYWORDS.windows(2).all(|w| w[0] < w[1]));
        assert!(UNRESERVED_KEYWORDS.iter().all(|k| !needs_quotes(k)));
        // A few of each kind, from PostgreSQL's documentation (Appendix C, "SQL Key Words").
        for reserved in ["select", "user", "window", "both", "cast"] {
            assert!(needs_quotes(reserved), "{reserved}");
        }
        for col_name in ["position", "timestamp", "int", "values"] {
            assert!(needs_quotes(col_name), "{col_name}");
        }
        for type_func in ["left", "join", "collation", "verbose"] {
            assert!(needs_quotes(type_func), "{type_func}");
        }
        for unreserved in ["abort", "name", "type", "value", "data"] {
            assert!(!needs_quotes(unreserved), "{unreserved}");
            assert!(UNRESERVED_KEYWORDS.contains(&unreserved), "{unreserved}");
        }
        assert!(!needs_quotes("customer_id"));
    }

    /// The column name of `ALTER TABLE t ADD COLUMN <name> int`, as PostgreSQL's parser reads it.
    fn added_column(sql: &str) -> Result<String, String> {
        use pg_query::NodeEnum;
        let parsed = pg_query::parse(sql, 0).map_err(|e| e.to_string())?;
        let stmt = parsed.protobuf.stmts[0]
            .stmt
            .as_ref()
            .and_then(|s| s.node.as_ref());
        let Some(NodeEnum::AlterTableStmt(alter)) = stmt else {
            return Err(format!("not an ALTER TABLE: {stmt:?}"));
        };
        match alter.cmds[0].node.as_ref() {
            Some(NodeEnum::AlterTableCmd(cmd)) => {
                match cmd.def.as_ref().and_then(|d| d.node.as_ref()) {
                    Some(NodeEnum::ColumnDef(def)) => Ok(def.colname.clone()),
                    other => Err(format!("not a column definition: {other:?}")),
                }
            }
            other => Err(format!("not an ALTER TABLE command: {other:?}")),
        }
    }

    /// Every keyword, quoted by `quote_ident`, names a column PostgreSQL's parser accepts in the
    /// positions generated SQL puts columns (a column definition, an index key, a select list, a
    /// `WHERE` clause), and reads back as the same name.
    #[test]
    fn every_keyword_round_trips_through_quote_ident() {
        use crate::syntax::quote_ident;
        let mut failures = vec![];
        for &keyword in QUOTED_KEYWORDS.iter().chain(UNRESERVED_KEYWORDS) {
            let column = quote_ident(keyword);
            match added_column(&format!("ALTER TABLE t ADD COLUMN {column} int")) {
                Ok(name) if name == keyword => {}
                other => failures.push(format!("ADD COLUMN {column}: {other:?}")),
            }
            for sql in [
                format!("CREATE INDEX CONCURRENTLY t_idx ON t ({column})"),
                format!("SELECT {column} FROM t WHERE {column} IS NOT NULL ORDER BY {column}"),
                format!("ALTER TABLE t ADD CONSTRAINT c CHECK ({column} IS NOT NULL) NOT VALID"),
                format!("ALTER TABLE t ALTER COLUMN {column} SET NOT NULL"),
            ] {
                if let Err(e) = pg_query::parse(&sql, 0) {
                    failures.push(format!("{sql}: {e}"));
                }
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    /// Quoting only where needed: an unreserved keyword stays as written, every other keyword is
    /// quoted, and without the quotes some of those are syntax errors (so the test above would
    /// catch a missing keyword).
    #[test]
    fn only_keywords_that_need_it_are_quoted() {
        use crate::syntax::quote_ident;
        for &keyword in UNRESERVED_KEYWORDS {
            assert_eq!(quote_ident(keyword), keyword);
        }
        for &keyword in QUOTED_KEYWORDS {
            assert_eq!(quote_ident(keyword), format!("\"{keyword}\""));
        }
        for bare in ["window", "cast", "both", "select", "from"] {
            let sql = format!("SELECT {bare} FROM t WHERE {bare} IS NOT NULL");
            assert!(pg_query::parse(&sql, 0).is_err(), "{sql} parsed");
        }
    }
}
