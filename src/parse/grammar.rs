//! The bridge to PostgreSQL's grammar: libpg_query's parser through `src/parse/encode.c`, giving
//! a protobuf tree, or only the statement boundaries, or the syntax error with the byte offset of
//! the server's cursor. The only `unsafe` code of the parser.

// Built on libpg_query's C API (`ffi.rs`): its calls are unsafe.
#![allow(unsafe_code)]

use super::ffi;
use pg_query::protobuf;

/// The protobuf tree of `input`, or `None` when it does not parse.
pub(crate) fn parse_tree_only(input: &str) -> Option<protobuf::ParseResult> {
    match parse_tree(input) {
        Parsed::Tree(tree) => Some(tree),
        Parsed::Error(..) | Parsed::Undecodable | Parsed::Failed(_) => None,
    }
}

/// Statement boundaries of `input` (see [`split_statements`]), for other sources of SQL; the
/// parser running out of memory is reported as an error at the start.
pub(crate) fn statement_bounds(input: &str) -> Result<Vec<(usize, usize)>, (usize, String)> {
    match split_statements(input) {
        Split::Bounds(bounds) => Ok(bounds),
        Split::Error(at, message) => Err((at, message)),
        Split::Failed(message) => Err((0, message)),
    }
}

/// The protobuf tree of one query, or the syntax error (byte offset, message).
pub(crate) fn parse_query(input: &str) -> Result<protobuf::ParseResult, (usize, String)> {
    match parse_tree(input) {
        Parsed::Tree(tree) => Ok(tree),
        Parsed::Error(at, message) => Err((at, message)),
        Parsed::Undecodable => Err((0, "query nests deeper than pgproof can read".into())),
        Parsed::Failed(message) => Err((0, message)),
    }
}

/// What the grammar says about where the statements of a text are.
pub(super) enum Split {
    /// Statement boundaries `[start, end)`.
    Bounds(Vec<(usize, usize)>),
    /// A syntax error: byte offset of the server's cursor, and its message.
    Error(usize, String),
    /// The parser ran out of resources (see [`Parsed::Failed`]).
    Failed(String),
}

/// Statement boundaries in `input` from PostgreSQL's grammar, without building a tree for the
/// caller.
pub(super) fn split_statements(input: &str) -> Split {
    #[cfg(test)]
    calls::note(input.len());
    let Ok(c_input) = std::ffi::CString::new(input) else {
        return Split::Error(input.find('\0').unwrap_or(0), "NUL byte in SQL text".into());
    };
    // SAFETY: `pgproof_split` takes a NUL-terminated string we own for the duration of the call;
    // its result (a malloc-ed array of `2 * count` ints, or an error) is ours and is freed exactly
    // once, after the last use.
    unsafe {
        let result = ffi::pgproof_split(c_input.as_ptr());
        let out = if result.resource_error != 0 {
            Split::Failed(failure_message(result.error))
        } else if !result.error.is_null() {
            let (at, message) = error_at(input, &*result.error);
            Split::Error(at, message)
        } else {
            let count = result.count.max(0) as usize;
            let mut bounds = Vec::with_capacity(count);
            for k in 0..count {
                let location = *result.bounds.add(2 * k);
                let len = *result.bounds.add(2 * k + 1);
                let start = (location.max(0) as usize).min(input.len());
                let end = if len <= 0 {
                    input.len()
                } else {
                    (start + len as usize).min(input.len())
                };
                bounds.push((start, end));
            }
            Split::Bounds(bounds)
        };
        ffi::pgproof_free_split(result);
        out
    }
}

/// The message of a resource error (which may have no copy of the message when memory ran out).
///
/// # Safety
/// `error` is null or points to a live `PgQueryError`.
unsafe fn failure_message(error: *const ffi::PgQueryError) -> String {
    if error.is_null() || (*error).message.is_null() {
        return "out of memory".into();
    }
    std::ffi::CStr::from_ptr((*error).message)
        .to_string_lossy()
        .into_owned()
}

/// The byte offset in `input` of a libpg_query error's cursor (1-based, in characters), and its message.
fn error_at(input: &str, error: &ffi::PgQueryError) -> (usize, String) {
    // SAFETY: libpg_query always sets `message` to a NUL-terminated string.
    let message = unsafe { std::ffi::CStr::from_ptr(error.message) }
        .to_string_lossy()
        .into_owned();
    let chars = (error.cursorpos.max(1) - 1) as usize;
    let offset = input
        .char_indices()
        .nth(chars)
        .map_or(input.len(), |(i, _)| i);
    (offset, message)
}

pub(super) enum Parsed {
    Tree(protobuf::ParseResult),
    /// A syntax error: byte offset of the server's cursor within the input, and its message.
    Error(usize, String),
    /// Valid SQL whose tree is deeper than the protobuf decoder accepts.
    Undecodable,
    /// The parser ran out of resources: out of memory, or an allocation over PostgreSQL's 1 GB
    /// limit. Not a problem of the SQL: the caller reports it as an operational error.
    Failed(String),
}

/// Parses `input` with libpg_query and decodes the protobuf tree.
///
/// The tree is written by `src/parse/encode.c` (libpg_query's parser and its generated field list,
/// straight to protobuf wire format) rather than by `pg_query_parse_protobuf`, whose upb encoder
/// was a fifth of our CPU time; `pg_query::parse` would also walk the whole tree to collect names
/// we never use, and drops the error's cursor position that we need to place a syntax error.
fn parse_tree(input: &str) -> Parsed {
    parse_tree_for(input, false)
}

/// [`parse_tree`] for lowering into [`Statement`] only: an `INSERT ... VALUES` keeps only its first
/// row (the model asks only whether there is a VALUES list), so a seed-data INSERT of many MiB
/// costs its parse, not a decoded tree of every row.
pub(super) fn parse_model_tree(input: &str) -> Parsed {
    parse_tree_for(input, true)
}

fn parse_tree_for(input: &str, for_model: bool) -> Parsed {
    use prost::Message;
    #[cfg(test)]
    calls::note(input.len());
    let Ok(c_input) = std::ffi::CString::new(input) else {
        // Callers reject text with NUL bytes before parsing.
        return Parsed::Error(input.find('\0').unwrap_or(0), "NUL byte in SQL text".into());
    };
    // SAFETY: `pgproof_parse_protobuf` takes a NUL-terminated string we own for the duration of the
    // call. Its `data` points into a per-thread buffer that stays valid until this thread's next
    // call, which cannot happen before `decode` returns; its `error`, when set, is ours to free,
    // exactly once.
    unsafe {
        let result = ffi::pgproof_parse_protobuf(c_input.as_ptr(), for_model.into());
        if result.resource_error != 0 {
            let message = failure_message(result.error);
            ffi::pgproof_free_parse_error(result.error);
            return Parsed::Failed(message);
        }
        if !result.error.is_null() {
            let (offset, message) = error_at(input, &*result.error);
            ffi::pgproof_free_parse_error(result.error);
            return Parsed::Error(offset, message);
        }
        let data: &[u8] = if result.data.is_null() || result.len == 0 {
            &[]
        } else {
            std::slice::from_raw_parts(result.data as *const u8, result.len)
        };
        match protobuf::ParseResult::decode(data) {
            Ok(parsed) => Parsed::Tree(parsed),
            Err(_) => Parsed::Undecodable,
        }
    }
}

/// The tree libpg_query's own protobuf writer gives for `input`, to check ours against.
#[cfg(test)]
fn parse_tree_upb(input: &str) -> Option<protobuf::ParseResult> {
    use prost::Message;
    let c_input = std::ffi::CString::new(input).ok()?;
    // SAFETY: as in `parse_tree`; the result is freed exactly once, after the decode.
    unsafe {
        let result = ffi::pg_query_parse_protobuf_opts(c_input.as_ptr(), 0);
        let parsed = if result.error.is_null() && !result.parse_tree.data.is_null() {
            let tree = &result.parse_tree;
            protobuf::ParseResult::decode(std::slice::from_raw_parts(
                tree.data as *const u8,
                tree.len,
            ))
            .ok()
        } else {
            None
        };
        ffi::pg_query_free_protobuf_parse_result(result);
        parsed
    }
}

/// The parse phase cut into its steps, for `examples/parse_phases.rs` (issue 19, goal 5: how far
/// the parse phase is from the grammar alone). Each takes a whole text and says whether it parsed.
#[doc(hidden)]
pub mod phases {
    use super::{ffi, parse_model_tree, split_statements, Parsed, Split};

    /// PostgreSQL's grammar alone (`raw_parse`, the statement boundaries read off its list).
    pub fn grammar(text: &str) -> bool {
        matches!(split_statements(text), Split::Bounds(_))
    }

    /// The grammar and `encode.c`'s protobuf writer, without decoding.
    pub fn grammar_and_writer(text: &str) -> bool {
        let Ok(c_input) = std::ffi::CString::new(text) else {
            return false;
        };
        // SAFETY: as in `parse_tree_for`: the input outlives the call, the data is not read, and
        // the error, when set, is freed exactly once.
        unsafe {
            let result = ffi::pgproof_parse_protobuf(c_input.as_ptr(), 1);
            let ok = result.error.is_null();
            ffi::pgproof_free_parse_error(result.error);
            ok
        }
    }

    /// The grammar, the writer and prost's decode into `pg_query::protobuf` (what the lowering
    /// reads), the tree then dropped.
    pub fn tree(text: &str) -> bool {
        matches!(parse_model_tree(text), Parsed::Tree(_))
    }
}

/// How long the texts handed to the parser are, for tests that check what one call may take.
#[cfg(test)]
pub(crate) mod calls {
    use std::cell::Cell;

    thread_local! {
        /// The longest text handed to the parser in one call on this thread.
        static LONGEST_CALL: Cell<usize> = const { Cell::new(0) };
        /// The bytes handed to the parser in all calls on this thread.
        static TOTAL: Cell<usize> = const { Cell::new(0) };
    }

    pub(super) fn note(len: usize) {
        LONGEST_CALL.with(|longest| longest.set(longest.get().max(len)));
        TOTAL.with(|total| total.set(total.get() + len));
    }

    /// Forgets the calls so far on this thread.
    pub(crate) fn reset() {
        LONGEST_CALL.with(|longest| longest.set(0));
        TOTAL.with(|total| total.set(0));
    }

    /// The bytes handed to the parser since [`reset`], on this thread.
    pub(crate) fn total() -> usize {
        TOTAL.with(Cell::get)
    }

    /// The longest text of one call since [`reset`], on this thread.
    pub(crate) fn longest() -> usize {
        LONGEST_CALL.with(Cell::get)
    }
}

/// The tree [`parse_model_tree`] gives for `input` (the first row of an `INSERT ... VALUES`
/// only), or `None` when it does not parse: for tests of the lowering, which must not tell it
/// from the full tree.
#[cfg(test)]
pub(crate) fn model_tree_only(input: &str) -> Option<protobuf::ParseResult> {
    match parse_model_tree(input) {
        Parsed::Tree(tree) => Some(tree),
        Parsed::Error(..) | Parsed::Undecodable | Parsed::Failed(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lex;

    #[test]
    fn the_model_tree_of_an_insert_keeps_one_row() {
        let rows = "INSERT INTO a (id) VALUES (1), (2), (3)";
        let Parsed::Tree(model) = parse_model_tree(rows) else {
            panic!("parses");
        };
        let Parsed::Tree(full) = parse_tree(rows) else {
            panic!("parses");
        };
        let values = |tree: &protobuf::ParseResult| match tree.stmts[0]
            .stmt
            .as_ref()
            .and_then(|s| s.node.as_ref())
        {
            Some(protobuf::node::Node::InsertStmt(insert)) => {
                match insert.select_stmt.as_ref().and_then(|s| s.node.as_ref()) {
                    Some(protobuf::node::Node::SelectStmt(select)) => select.values_lists.len(),
                    _ => panic!("a VALUES list"),
                }
            }
            _ => panic!("an INSERT"),
        };
        assert_eq!((values(&model), values(&full)), (1, 3));
    }

    /// Our protobuf writer (src/parse/encode.c) must give exactly the tree libpg_query's own
    /// writer gives: every scalar kind (negative int32 locations, int64, float, char, bool, enum,
    /// every constant kind), nested and repeated messages, empty `Node`s, and every SQL file of our
    /// fixtures, statement by statement.
    #[test]
    fn direct_writer_gives_libpg_querys_tree() {
        let mut inputs: Vec<String> = [
            "CREATE UNLOGGED TABLE IF NOT EXISTS s.t (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, \
             n numeric(10, 2) DEFAULT -1.5e3 CHECK (n > 0) NOT NULL, b bit(3) DEFAULT B'101', \
             f boolean DEFAULT false, x text COLLATE \"C\" DEFAULT NULL, \"ü\" int[] DEFAULT '{}') \
             PARTITION BY RANGE (id)",
            "ALTER TABLE ONLY t ADD CONSTRAINT fk FOREIGN KEY (a, b) REFERENCES u (a, b) \
             ON DELETE SET NULL (a) ON UPDATE CASCADE DEFERRABLE INITIALLY DEFERRED NOT VALID",
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON t USING gin (lower(x) text_pattern_ops DESC NULLS LAST) \
             INCLUDE (y) WITH (fillfactor = 70) WHERE z IS NOT NULL AND w <> -2147483648",
            "INSERT INTO t (a, b) VALUES (1, 'x'), (-9223372036854775808, E'\\n'), (1.0e-10, NULL), (true, x'1F') \
             ON CONFLICT (a) WHERE b > 0 DO UPDATE SET b = excluded.b RETURNING *",
            "UPDATE t SET a = a + 1 FROM u WHERE t.id = u.id AND u.x = ANY ($1::int[])",
            "DELETE FROM t USING u WHERE t.id = u.id",
            "CREATE VIEW v AS WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 10) \
             SELECT n, count(*) FILTER (WHERE n > 2) OVER (PARTITION BY n ORDER BY n ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) \
             FROM r LEFT JOIN LATERAL (SELECT 1) l ON true GROUP BY ROLLUP (n) HAVING sum(n) > 1 ORDER BY n FETCH FIRST 5 ROWS WITH TIES",
            "CREATE FUNCTION f(a int DEFAULT 0, OUT b text) RETURNS SETOF record LANGUAGE sql IMMUTABLE PARALLEL SAFE \
             BEGIN ATOMIC SELECT a::text; END",
            "CREATE TRIGGER tr BEFORE INSERT OR UPDATE OF a ON t FOR EACH ROW WHEN (NEW.a IS DISTINCT FROM OLD.a) \
             EXECUTE FUNCTION f()",
            "FETCH ALL FROM c",
            "ALTER TABLE t ALTER COLUMN a TYPE bigint USING a::bigint, ALTER COLUMN b SET DEFAULT now()",
            "ALTER TABLE t DETACH PARTITION p CONCURRENTLY",
            "CREATE POLICY p ON t AS RESTRICTIVE FOR SELECT TO app USING (tenant = current_setting('app.t')::uuid)",
            "DO $$ BEGIN RAISE NOTICE 'x'; END $$; COMMENT ON COLUMN t.a IS 'é'; DROP TABLE a, b CASCADE",
            "SELECT CASE WHEN a THEN 1 ELSE 2 END, (ARRAY[1, 2])[1:2], ROW(1, 2), a BETWEEN 1 AND 2, \
             xmlelement(name x), json_object('a': 1), interval '1 day' hour, $$x$$ || 'y', -(-1)",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        for input in &inputs {
            assert!(parse_tree_upb(input).is_some(), "not valid SQL: {input}");
        }
        let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("sql-fixtures");
        for entry in walkdir::WalkDir::new(fixtures) {
            let entry = entry.unwrap();
            if entry.path().extension().is_some_and(|e| e == "sql") {
                if let Ok(text) = std::fs::read_to_string(entry.path()) {
                    inputs.push(text.replace('\0', ""));
                }
            }
        }
        let mut compared = 0;
        for input in &inputs {
            // Whole files with a syntax error are compared statement by statement.
            let pieces: Vec<&str> = match statement_bounds(input) {
                Ok(_) if parse_tree_upb(input).is_some() => vec![input.as_str()],
                Ok(bounds) => bounds.iter().map(|&(s, e)| &input[s..e]).collect(),
                Err(_) => lex::lex(input)
                    .semicolons
                    .iter()
                    .scan(0, |start, &semi| {
                        let piece = &input[*start..semi];
                        *start = semi + 1;
                        Some(piece)
                    })
                    .collect(),
            };
            for piece in pieces {
                let Some(expected) = parse_tree_upb(piece) else {
                    continue;
                };
                match parse_tree(piece) {
                    Parsed::Tree(tree) => assert_eq!(tree, expected, "{piece}"),
                    _ => panic!("our writer failed where libpg_query's did not: {piece}"),
                }
                compared += 1;
            }
        }
        assert!(compared > 240, "only {compared} inputs compared");
    }
}
