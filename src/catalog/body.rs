//! What a function body uses: the tables and columns its SQL names. PL/pgSQL bodies are read with
//! libpg_query's PL/pgSQL parser (which wants the whole `CREATE FUNCTION` statement), SQL bodies
//! with the normal parser. A body is parsed only when a rule asks, once per body (the result is
//! shared by every copy of the catalog). Dynamic SQL (`EXECUTE`) is not read: nobody can know it.
//! Does no IO and never fails: a body that does not parse uses nothing pgproof knows of.

use crate::syntax::QualName;
use pg_query::protobuf;
use pg_query::{Node, NodeEnum, NodeRef};
use std::collections::BTreeSet;
use std::sync::{Arc, OnceLock};

/// A function's `CREATE` statement, kept so its body can be read when a rule asks.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct FunctionSource {
    /// The whole `CREATE FUNCTION` statement as written.
    pub sql: Arc<str>,
    pub language: String,
    /// The first schema of the function's own `SET search_path`, where its unqualified names
    /// resolve (`public` otherwise).
    pub schema: String,
    /// Read on first use; not kept by the replay cache.
    #[serde(skip)]
    refs: OnceLock<BodyRefs>,
}

impl PartialEq for FunctionSource {
    fn eq(&self, other: &Self) -> bool {
        self.sql == other.sql
    }
}

/// The tables and columns a body's SQL names.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BodyRefs {
    pub tables: BTreeSet<QualName>,
    /// Columns with their table: written qualified (`a.name` with `a` a table of that statement),
    /// or unqualified in a statement that reads exactly one table.
    pub columns: BTreeSet<(QualName, String)>,
    /// Fields of the trigger row (`NEW.col`, `OLD.col`): columns of every table whose trigger
    /// calls the function.
    pub row_columns: BTreeSet<String>,
}

impl FunctionSource {
    pub fn new(sql: Arc<str>, language: &str, search_path: Option<&str>) -> Self {
        let schema = search_path
            .and_then(|p| p.split(',').next())
            .map(|s| s.trim().trim_matches(|c| c == '\'' || c == '"').to_string())
            .filter(|s| !s.is_empty() && s != "$user" && s != "pg_catalog")
            .unwrap_or_else(|| "public".to_string());
        FunctionSource {
            sql,
            language: language.to_ascii_lowercase(),
            schema,
            refs: OnceLock::new(),
        }
    }

    /// What the body uses, parsed on first use.
    pub fn refs(&self) -> &BodyRefs {
        self.refs.get_or_init(|| self.read())
    }

    fn read(&self) -> BodyRefs {
        let mut refs = BodyRefs::default();
        let queries = match self.language.as_str() {
            "plpgsql" => plpgsql_queries(&self.sql),
            "sql" => sql_body(&self.sql).into_iter().collect(),
            _ => vec![],
        };
        for query in &queries {
            add_query(query, &self.schema, &mut refs);
        }
        refs
    }
}

/// The SQL of every expression and statement of a PL/pgSQL function (the `query` texts of its
/// `PLpgSQL_expr` nodes), from libpg_query's PL/pgSQL parser; none when it rejects the function.
///
/// The JSON libpg_query writes for a trigger function is not valid JSON (its implicit `TG_*`
/// variables leave a broken entry in `datums`; the `pg_query` crate's wrapper then fails), so the
/// raw text is read here and only the `"query"` strings are decoded, each one on its own.
#[allow(unsafe_code)] // libpg_query's PL/pgSQL parser is only reachable through its C API
fn plpgsql_queries(create: &str) -> Vec<String> {
    let Ok(input) = std::ffi::CString::new(create) else {
        return vec![];
    };
    // SAFETY: `input` is a NUL-terminated string that outlives the call; the result is read
    // before it is freed, once, by the matching libpg_query function.
    let raw = unsafe {
        let result = ffi::pg_query_parse_plpgsql(input.as_ptr());
        let raw = (result.error.is_null() && !result.plpgsql_funcs.is_null()).then(|| {
            std::ffi::CStr::from_ptr(result.plpgsql_funcs)
                .to_string_lossy()
                .into_owned()
        });
        ffi::pg_query_free_plpgsql_parse_result(result);
        raw
    };
    let Some(raw) = raw else {
        return vec![];
    };
    let mut out = vec![];
    let key = "\"query\":";
    let mut rest = raw.as_str();
    while let Some(at) = rest.find(key) {
        rest = &rest[at + key.len()..];
        let mut strings = serde_json::Deserializer::from_str(rest).into_iter::<String>();
        if let Some(Ok(query)) = strings.next() {
            out.push(query);
            rest = &rest[strings.byte_offset()..];
        }
    }
    out
}

mod ffi {
    use std::os::raw::{c_char, c_void};

    /// libpg_query's `PgQueryPlpgsqlParseResult` (pg_query.h).
    #[repr(C)]
    pub struct PgQueryPlpgsqlParseResult {
        pub plpgsql_funcs: *mut c_char,
        pub error: *mut c_void,
    }

    // pg_query.h: `{ char *plpgsql_funcs; PgQueryError *error; }`, two pointers: 16 bytes on
    // 64-bit targets, `error` at offset 8 (`parse/encode.c` asserts the same for the C compiler).
    #[cfg(target_pointer_width = "64")]
    const _: () = {
        assert!(std::mem::size_of::<PgQueryPlpgsqlParseResult>() == 16);
        assert!(std::mem::offset_of!(PgQueryPlpgsqlParseResult, plpgsql_funcs) == 0);
        assert!(std::mem::offset_of!(PgQueryPlpgsqlParseResult, error) == 8);
    };

    // Provided by the libpg_query static library that the pg_query crate builds and links.
    extern "C" {
        pub fn pg_query_parse_plpgsql(input: *const c_char) -> PgQueryPlpgsqlParseResult;
        pub fn pg_query_free_plpgsql_parse_result(result: PgQueryPlpgsqlParseResult);
    }
}

/// The body of a SQL-language `CREATE FUNCTION` (its `AS` string; a `BEGIN ATOMIC` body is
/// read from the statement itself).
fn sql_body(create: &str) -> Option<String> {
    let parsed = pg_query::parse(create, 0).ok()?;
    let stmt = parsed
        .protobuf
        .stmts
        .first()?
        .stmt
        .as_ref()?
        .node
        .as_ref()?;
    let NodeEnum::CreateFunctionStmt(f) = stmt else {
        return None;
    };
    if f.sql_body.is_some() {
        return Some(create.to_string());
    }
    f.options.iter().find_map(|o| match o.node.as_ref() {
        Some(NodeEnum::DefElem(d)) if d.defname == "as" => {
            match d.arg.as_deref().and_then(|a| a.node.as_ref()) {
                Some(NodeEnum::List(l)) => l.items.first().and_then(|i| match i.node.as_ref() {
                    Some(NodeEnum::String(s)) => Some(s.sval.clone()),
                    _ => None,
                }),
                Some(NodeEnum::String(s)) => Some(s.sval.clone()),
                _ => None,
            }
        }
        _ => None,
    })
}

/// Parses one PL/pgSQL expression or statement text: a whole statement (`UPDATE ...`), an
/// expression (`NOT EXISTS (SELECT ...)`, read as `SELECT <expr>`), or an assignment
/// (`NEW.x := y`, read as `SELECT NEW.x, y`).
fn parse_query(query: &str) -> Option<protobuf::ParseResult> {
    if let Ok(p) = pg_query::parse(query, 0) {
        return Some(p.protobuf);
    }
    if let Ok(p) = pg_query::parse(query, pg_query::ParserOptions::PLPGSQL_EXPR) {
        return Some(p.protobuf);
    }
    let (target, value) = query.split_once(":=").or_else(|| query.split_once('='))?;
    pg_query::parse(&format!("SELECT {target}, {value}"), 0)
        .ok()
        .map(|p| p.protobuf)
}

fn add_query(query: &str, schema: &str, refs: &mut BodyRefs) {
    let Some(parsed) = parse_query(query) else {
        return;
    };
    for raw in &parsed.stmts {
        if let Some(node) = raw.stmt.as_ref().and_then(|s| s.node.as_ref()) {
            add_statement(node, schema, refs);
        }
    }
}

fn add_statement(root: &NodeEnum, schema: &str, refs: &mut BodyRefs) {
    let nodes = root.nodes();
    let resolve = |rv: &protobuf::RangeVar| {
        let mut name = crate::syntax::range_var(Some(rv));
        if rv.schemaname.is_empty() && name.schema == "public" {
            name.schema = schema.to_string();
        }
        name
    };
    let ctes: Vec<&str> = nodes
        .iter()
        .filter_map(|(n, _, _, _)| match n {
            NodeRef::CommonTableExpr(c) => Some(c.ctename.as_str()),
            _ => None,
        })
        .collect();
    // A table the body creates is not one it needs: dropping it does not break the function.
    let created: Option<&protobuf::RangeVar> = match root {
        NodeEnum::CreateStmt(c) => c.relation.as_ref(),
        NodeEnum::CreateTableAsStmt(c) => c.into.as_ref().and_then(|i| i.rel.as_ref()),
        _ => None,
    };
    let mut tables: Vec<QualName> = vec![];
    for (n, _, _, _) in &nodes {
        if let NodeRef::RangeVar(rv) = n {
            if rv.schemaname.is_empty() && ctes.contains(&rv.relname.as_str())
                || created.is_some_and(|c| c.schemaname == rv.schemaname && c.relname == rv.relname)
            {
                continue;
            }
            let table = resolve(rv);
            if !tables.contains(&table) {
                tables.push(table);
            }
        }
    }
    // Qualified column references, resolved through the statement's aliases.
    let (qualified, loose) = crate::syntax::view_column_refs(Some(&Node {
        node: Some(root.clone()),
    }));
    for (table, column) in qualified {
        let table = if table.schema == "public" && schema != "public" {
            QualName::new(schema, table.name)
        } else {
            table
        };
        refs.columns.insert((table, column));
    }
    // `nodes()` does not walk into the rows of `INSERT ... VALUES`: their column references are
    // collected from each row's items.
    let mut column_refs: Vec<&protobuf::ColumnRef> = nodes
        .iter()
        .filter_map(|(n, _, _, _)| match n {
            NodeRef::ColumnRef(c) => Some(*c),
            _ => None,
        })
        .collect();
    let value_nodes: Vec<_> = match root {
        NodeEnum::InsertStmt(i) => match i.select_stmt.as_deref().and_then(|s| s.node.as_ref()) {
            Some(NodeEnum::SelectStmt(sel)) => sel
                .values_lists
                .iter()
                .filter_map(|row| match row.node.as_ref() {
                    Some(NodeEnum::List(l)) => Some(l.items.iter()),
                    _ => None,
                })
                .flatten()
                .filter_map(|item| item.node.as_ref())
                .flat_map(|item| item.nodes())
                .collect(),
            _ => vec![],
        },
        _ => vec![],
    };
    for (n, _, _, _) in &value_nodes {
        if let NodeRef::ColumnRef(c) = n {
            column_refs.push(c);
        }
    }
    for c in column_refs {
        let parts: Vec<&str> = c
            .fields
            .iter()
            .filter_map(|f| match f.node.as_ref() {
                Some(NodeEnum::String(s)) => Some(s.sval.as_str()),
                _ => None,
            })
            .collect();
        if let [row, column] = parts.as_slice() {
            if row.eq_ignore_ascii_case("new") || row.eq_ignore_ascii_case("old") {
                refs.row_columns.insert(column.to_string());
            }
        }
    }
    // The target columns of INSERT and UPDATE, and unqualified names when only one table is read.
    let target = match root {
        NodeEnum::InsertStmt(i) => Some((i.relation.as_ref(), &i.cols)),
        NodeEnum::UpdateStmt(u) => Some((u.relation.as_ref(), &u.target_list)),
        _ => None,
    };
    if let Some((Some(rv), cols)) = target {
        let table = resolve(rv);
        for col in cols {
            if let Some(NodeEnum::ResTarget(r)) = col.node.as_ref() {
                refs.columns.insert((table.clone(), r.name.clone()));
            }
        }
    }
    if let [only] = tables.as_slice() {
        for column in loose {
            refs.columns.insert((only.clone(), column));
        }
    }
    refs.tables.extend(tables);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refs(sql: &str, language: &str) -> BodyRefs {
        FunctionSource::new(Arc::from(sql), language, None)
            .refs()
            .clone()
    }

    fn q(name: &str) -> QualName {
        QualName::public(name.to_string())
    }

    #[test]
    fn a_trigger_function_body_names_its_tables_and_row_columns() {
        let r = refs(
            r#"CREATE FUNCTION log_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE n integer;
BEGIN
  NEW.touched := now();
  INSERT INTO audit_log (account_id, note) VALUES (NEW.id, 'changed');
  SELECT count(*) INTO n FROM account a WHERE a.owner = NEW.owner;
  IF NOT EXISTS (SELECT 1 FROM settings WHERE enabled) THEN
    RETURN NULL;
  END IF;
  EXECUTE format('DELETE FROM %I', TG_ARGV[0]);
  RETURN NEW;
END;
$$"#,
            "plpgsql",
        );
        assert_eq!(
            r.tables,
            [q("account"), q("audit_log"), q("settings")].into()
        );
        assert!(r.columns.contains(&(q("audit_log"), "note".into())));
        assert!(r.columns.contains(&(q("account"), "owner".into())));
        assert!(r.columns.contains(&(q("settings"), "enabled".into())));
        assert_eq!(
            r.row_columns,
            ["id", "owner", "touched"].map(String::from).into()
        );
    }

    #[test]
    fn a_sql_body_and_a_bad_body() {
        let r = refs(
            "CREATE FUNCTION names() RETURNS SETOF text LANGUAGE sql AS 'SELECT name FROM app.person'",
            "sql",
        );
        let person = QualName::new("app", "person");
        assert_eq!(r.tables, [person.clone()].into());
        assert!(r.columns.contains(&(person, "name".into())));
        // A table the body creates is not one it needs.
        let creates = refs(
            "CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$ BEGIN CREATE TABLE made AS SELECT * FROM src; END $$",
            "plpgsql",
        );
        assert_eq!(creates.tables, [q("src")].into());
        // A body the PL/pgSQL parser rejects uses nothing pgproof knows of.
        let bad = refs(
            "CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$ BEGIN SELEC 1; END $$",
            "plpgsql",
        );
        assert_eq!(bad, BodyRefs::default());
    }
}
