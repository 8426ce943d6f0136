//! SQL text -> statements with byte spans, via pg_query (PostgreSQL's own grammar).
//!
//! Syntax errors become [`SyntaxError`] values at the right place, never `Err`: the statements
//! around a broken one are still parsed. psql meta-commands are blanked out (offsets kept).
//!
//! This module cuts a file into runs of statements, recovers statement by statement after an
//! error, and hands each statement's tree to the caller's lowering as soon as its run is parsed
//! (`syntax::parse_sql` lowers into the model), so a file's trees are never all alive at once.
//! `grammar.rs` is the bridge to libpg_query (`ffi.rs` its C declarations). It knows nothing of
//! the model: `syntax` imports `parse`, never the other way.

mod ffi;
mod grammar;

#[doc(hidden)]
pub use grammar::phases;
#[cfg(test)]
pub(crate) use grammar::{calls, model_tree_only};
use grammar::{parse_model_tree, split_statements, Parsed, Split};
pub(crate) use grammar::{parse_query, parse_tree_only, statement_bounds};

use crate::lex::{self, Lexed};
use crate::span::Span;
use pg_query::{protobuf, NodeEnum};

/// What the grammar found at one statement, for the caller to lower.
#[derive(Debug, Clone, Copy)]
pub enum Found<'a> {
    /// A query (`SELECT`, `VALUES`, `EXPLAIN`, `SHOW`): only checked by the grammar, its tree
    /// never built (the model does not look into queries).
    Query,
    /// The statement's tree (`None`: pg_query gave an empty statement).
    Tree(Option<&'a NodeEnum>),
    /// Valid SQL whose tree is deeper than the protobuf decoder accepts.
    TooDeep,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub span: Span,
    pub message: String,
}

impl SyntaxError {
    /// Why the error may not be one on the server, when the parser stopped at text that something
    /// replaces before PostgreSQL sees it: a psql variable (`:name`, `:'name'`, `:"name"`, set by
    /// `\set` or `psql -v`), or a template placeholder an application fills in (`%name%`, `%s`,
    /// `{{ name }}`; only when `templates`). pgproof cannot tell what the statement will be then.
    pub fn substituted(&self, text: &str, templates: bool) -> Option<String> {
        static PATTERNS: std::sync::OnceLock<[regex::Regex; 2]> = std::sync::OnceLock::new();
        let [psql, template] = PATTERNS.get_or_init(|| {
            [
                regex::Regex::new(r#"^:['"]?[A-Za-z_][A-Za-z0-9_]*"#).expect("a valid pattern"),
                regex::Regex::new(r"^(%[A-Za-z_][A-Za-z0-9_.]*%|%[sdv]\b|\{\{[^}]*\}\})")
                    .expect("a valid pattern"),
            ]
        });
        let rest = text.get(self.span.start..)?;
        if let Some(m) = psql.find(rest) {
            return Some(format!(
                "pgproof cannot tell whether this statement parses: `{}` is a psql variable, which psql replaces before the server reads the statement (pgproof does not interpolate variables; the parser said: {})",
                m.as_str().trim_start_matches(':').trim_matches(['\'', '"']),
                self.message
            ));
        }
        template.find(rest).filter(|_| templates).map(|m| {
            format!(
                "pgproof cannot tell whether this statement parses: `{}` looks like a template placeholder that is filled in before the statement runs (the parser said: {})",
                m.as_str(),
                self.message
            )
        })
    }
}

impl SyntaxError {
    /// Whether the text the parser stopped at, from the statement before it to the next `;` or
    /// the end, is only space characters PostgreSQL does not take for spaces (a no-break space,
    /// U+00A0, after the last statement): psql and the server read them as a word and fail, but
    /// a runner that splits the statements itself and skips Unicode spaces sends nothing.
    pub fn only_unicode_spaces(&self, text: &str) -> bool {
        let (Some(before), Some(after)) =
            (text.get(..self.span.start), text.get(self.span.start..))
        else {
            return false;
        };
        let start = before.rfind(';').map_or(0, |i| i + 1);
        let end = after.find(';').map_or(text.len(), |i| self.span.start + i);
        let fragment = &text[start..end];
        fragment.chars().all(char::is_whitespace)
            && fragment.chars().any(|c| !c.is_ascii_whitespace())
    }
}

/// The statements of a text, each as the caller's lowering made it (`S`), in order, with the
/// syntax errors between them.
#[derive(Debug)]
pub struct ParsedText<S> {
    pub statements: Vec<S>,
    pub errors: Vec<SyntaxError>,
    /// Statements the parser could not read for lack of resources (out of memory, over the size
    /// limit of one statement): not the SQL's fault, and not a finding, but an operational error.
    /// The statements around them are still parsed.
    pub aborted: Vec<SyntaxError>,
    pub lexed: Lexed,
}

impl<S> Default for ParsedText<S> {
    fn default() -> Self {
        ParsedText {
            statements: vec![],
            errors: vec![],
            aborted: vec![],
            lexed: Lexed::default(),
        }
    }
}

/// How much text one call into PostgreSQL's parser may take.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Statements are parsed in runs of at most this many bytes (a longer statement alone): the
    /// parser's tree, its encoding and our decoded copy of one call take a few hundred times the
    /// text, so the run, not the file, bounds them.
    pub run_bytes: usize,
    /// A statement longer than this is not handed to the parser at all (see [`MAX_STATEMENT_BYTES`]).
    pub statement_bytes: usize,
}

/// Runs of 128 KiB keep one call's trees to a few tens of MiB, and are still long enough that the
/// cost of a call is spread over hundreds of statements.
pub const RUN_BYTES: usize = 128 * 1024;

/// The longest statement pgproof parses. Parsing costs a few hundred bytes of memory per byte of
/// SQL (a 64 MiB statement would need tens of GB), and PostgreSQL's own parser cannot go far
/// beyond it either: no allocation may exceed 1 GB, and a string literal's buffer doubles.
pub const MAX_STATEMENT_BYTES: usize = 64 * 1024 * 1024;

impl Default for Limits {
    fn default() -> Self {
        Limits {
            run_bytes: RUN_BYTES,
            statement_bytes: MAX_STATEMENT_BYTES,
        }
    }
}

/// Parses `text`, giving `lower` each statement as it is found: the text the parser read (`text`
/// with psql meta-commands blanked), the statement's span in it, and what the grammar found.
/// The text must not contain NUL bytes (callers reject such files first).
pub fn parse_text<S>(
    text: &str,
    limits: Limits,
    lower: &mut dyn FnMut(&str, Span, Found<'_>) -> S,
) -> ParsedText<S> {
    let lexed = lex::lex(text);
    let blanked;
    let sql: &str = if lexed.meta_commands.is_empty() {
        text
    } else {
        blanked = lex::blank_out(text, &lexed.meta_commands);
        &blanked
    };
    let mut out = ParsedText::default();
    if lexed.unterminated.is_some() {
        parse_piecewise(sql, &lexed, &mut out, (0, usize::MAX), limits, lower);
    } else {
        let pieces = pieces(sql, &lexed);
        let mut from = 0;
        // After an error, runs start at one statement and double as they parse, so a file with
        // errors every few statements does not parse long runs again and again.
        let mut most = usize::MAX;
        while let Err(failed) = parse_by_runs(sql, &pieces[from..], &mut out, most, limits, lower) {
            let next = parse_piecewise(sql, &lexed, &mut out, failed, limits, lower);
            from = pieces.partition_point(|p| p.0 < next);
            most = 1;
        }
    }
    if let Some((span, what)) = lexed.unterminated {
        out.errors.push(SyntaxError {
            span: Span::new(span.start, (span.start + 1).min(sql.len())),
            message: format!("unterminated {what}"),
        });
    }
    out.lexed = lexed;
    out
}

/// Parses a file that has no syntax error, cutting it at the top-level semicolons our lexer found:
/// each run of statements the model lowers is parsed into a tree, one call per run, and each run
/// of queries (`SELECT`, `EXPLAIN`, `SHOW`, ...), [`Found::Query`] whatever their content, is
/// only checked by the grammar, so that their trees, often the largest in a
/// file, are never encoded and decoded. The grammar reads each statement once. Returns false on a
/// syntax error, an undecodable tree, or a cut the grammar does not confirm (a semicolon inside a
/// `BEGIN ATOMIC` body), for the caller to go statement by statement.
///
/// A run ends where the next statement would take it over [`Limits::run_bytes`] or past `most`
/// statements (doubled after each run that parses); a statement over
/// [`Limits::statement_bytes`], or a run the parser has no memory for, also goes statement by
/// statement.
///
/// On such a failure the statements of the runs before it are kept (each run the grammar read
/// whole is confirmed), and so are those of the failing run before the statement the grammar's
/// error points into (parsed again as a run of their own); the error gives the bytes
/// `[from, until)` for [`parse_piecewise`] to parse statement by statement before runs go on: the
/// failing statement, or the whole run when the failure has no place.
fn parse_by_runs<S>(
    sql: &str,
    pieces: &[Piece],
    out: &mut ParsedText<S>,
    mut most: usize,
    limits: Limits,
    lower: &mut dyn FnMut(&str, Span, Found<'_>) -> S,
) -> Result<(), (usize, usize)> {
    let mut i = 0;
    while i < pieces.len() {
        let query = pieces[i].2;
        if pieces[i].1 - pieces[i].0 > limits.statement_bytes {
            return Err((pieces[i].0, pieces[i].1));
        }
        let mut j = i + 1;
        while j < pieces.len()
            && j - i < most
            && pieces[j].2 == query
            && pieces[j].1 - pieces[i].0 <= limits.run_bytes
            && pieces[j].1 - pieces[j].0 <= limits.statement_bytes
        {
            j += 1;
        }
        match parse_run(sql, &pieces[i..j], out, lower) {
            Ok(()) => {
                i = j;
                most = most.saturating_mul(2);
            }
            // No place to go on from: the whole run, statement by statement.
            Err(None) => return Err((pieces[i].0, pieces[j - 1].1)),
            Err(Some(at)) => {
                // The statement the error points into (the cursor may be on its semicolon); the
                // grammar read every statement before it.
                let k = (i..j).find(|&k| pieces[k].1 >= at).unwrap_or(j - 1);
                if k > i && parse_run(sql, &pieces[i..k], out, lower).is_err() {
                    // A body's semicolon cut a statement: those before go one by one too.
                    return Err((pieces[i].0, pieces[k].1));
                }
                return Err((pieces[k].0, pieces[k].1));
            }
        }
    }
    Ok(())
}

/// A statement as our lexer cut it: `[start, end)` between top-level semicolons (not empty once
/// trimmed), and whether it is a query.
type Piece = (usize, usize, bool);

/// The statements of `sql` at its top-level semicolons.
fn pieces(sql: &str, lexed: &Lexed) -> Vec<Piece> {
    let mut pieces = Vec::with_capacity(lexed.semicolons.len() + 1);
    let mut start = 0;
    for end in lexed
        .semicolons
        .iter()
        .copied()
        .chain(std::iter::once(sql.len()))
    {
        let span = trim_span(sql, start, end);
        if !span.is_empty() {
            pieces.push((start, end, is_query(&sql[span.start..span.end])));
        }
        start = end + 1;
    }
    pieces
}

/// Parses `pieces` (of one kind: queries or not) as one run and records their statements; on
/// failure records nothing and gives the byte offset in `sql` of the grammar's syntax error, or
/// None when the failure has no place (a cut the grammar does not confirm, a tree too deep, no
/// memory).
fn parse_run<S>(
    sql: &str,
    pieces: &[Piece],
    out: &mut ParsedText<S>,
    lower: &mut dyn FnMut(&str, Span, Found<'_>) -> S,
) -> Result<(), Option<usize>> {
    let run = Span::new(pieces[0].0, pieces[pieces.len() - 1].1);
    let text = &sql[run.start..run.end];
    if pieces[0].2 {
        match split_statements(text) {
            Split::Bounds(found) if found.len() == pieces.len() => {
                push_queries(sql, pieces, out, lower);
                Ok(())
            }
            Split::Error(at, _) => Err(Some(run.start + at)),
            Split::Bounds(_) | Split::Failed(_) => Err(None),
        }
    } else {
        match parse_model_tree(text) {
            Parsed::Tree(parsed) => {
                push_parsed(sql, run, &parsed, out, lower);
                Ok(())
            }
            Parsed::Error(at, _) => Err(Some(run.start + at)),
            Parsed::Undecodable | Parsed::Failed(_) => Err(None),
        }
    }
}

/// Records each of `pieces` as a query the grammar read.
fn push_queries<S>(
    sql: &str,
    pieces: &[Piece],
    out: &mut ParsedText<S>,
    lower: &mut dyn FnMut(&str, Span, Found<'_>) -> S,
) {
    for &(start, end, _) in pieces {
        let span = trim_span(sql, start, end);
        out.statements.push(lower(sql, span, Found::Query));
    }
}

/// Whether a statement is a query, [`Found::Query`] without its tree: its
/// first keyword (after comments and opening parentheses) starts only a `SelectStmt`,
/// `ExplainStmt` or `VariableShowStmt` in PostgreSQL's grammar.
fn is_query(statement: &str) -> bool {
    let span = trim_span(statement, 0, statement.len());
    let text = statement[span.start..span.end]
        .trim_start_matches(|c: char| c == '(' || c.is_ascii_whitespace());
    let word_end = text
        .find(|c: char| !c.is_ascii_alphabetic())
        .unwrap_or(text.len());
    let word = &text[..word_end];
    ["select", "values", "explain", "show"]
        .iter()
        .any(|k| word.eq_ignore_ascii_case(k))
}

/// Lowers the statements pg_query found in `sql[span]` and records them with file-relative spans.
fn push_parsed<S>(
    sql: &str,
    span: Span,
    parsed: &protobuf::ParseResult,
    out: &mut ParsedText<S>,
    lower: &mut dyn FnMut(&str, Span, Found<'_>) -> S,
) {
    for raw in &parsed.stmts {
        let start = span.start + raw.stmt_location.max(0) as usize;
        // The last statement of a piece has no length: it runs to the piece's end.
        let end = if raw.stmt_len == 0 {
            span.end
        } else {
            start + raw.stmt_len as usize
        };
        let node = raw.stmt.as_ref().and_then(|s| s.node.as_ref());
        let span = trim_span(sql, start, end);
        out.statements.push(lower(sql, span, Found::Tree(node)));
    }
}

/// Parses statement by statement the statements starting in `[from, until)` (`from` a statement
/// boundary), so one error does not hide the others, and returns where the next statement starts.
/// A statement over the size limit, or one the parser runs out of memory on, is recorded in
/// [`ParsedText::aborted`] and skipped.
fn parse_piecewise<S>(
    sql: &str,
    lexed: &Lexed,
    out: &mut ParsedText<S>,
    (from, until): (usize, usize),
    limits: Limits,
    lower: &mut dyn FnMut(&str, Span, Found<'_>) -> S,
) -> usize {
    let limit = lexed.unterminated.map_or(sql.len(), |(span, _)| span.start);
    // Split at top-level semicolons (our lexer knows quotes and comments); a piece that does not
    // parse alone is retried joined with the following ones (e.g. `BEGIN ATOMIC ... END` bodies).
    // The statements from `from` on, found by index (a file with many errors comes here once per
    // error, so nothing is built for the whole rest of the file).
    let first = lexed.semicolons.partition_point(|&s| s < from);
    let semis = &lexed.semicolons[first..lexed.semicolons.partition_point(|&s| s < limit)];
    let count = semis.len() + usize::from(lexed.unterminated.is_none());
    let bound = |n: usize| {
        let start = if n == 0 { from } else { semis[n - 1] + 1 };
        (start, semis.get(n).copied().unwrap_or(limit))
    };
    // Past `until`, statements go on one by one while each fails (a file of another dialect, a
    // run of broken statements): runs would only fail again, each costing a parse of the run.
    let mut problems = out.errors.len() + out.aborted.len();
    let mut i = 0;
    while i < count {
        let span = trim_span(sql, bound(i).0, bound(i).1);
        if span.is_empty() {
            i += 1;
            continue;
        }
        let last_failed = out.errors.len() + out.aborted.len() > problems;
        problems = out.errors.len() + out.aborted.len();
        if bound(i).0 >= until && !last_failed {
            break;
        }
        let mut located = None;
        let mut joined = None;
        let piece = &sql[span.start..span.end];
        if piece.len() > limits.statement_bytes {
            out.aborted.push(SyntaxError {
                span: Span::new(span.start, span.start),
                message: format!(
                    "the statement is {}, over the {} pgproof parses in one statement; it was skipped",
                    size(piece.len()),
                    size(limits.statement_bytes)
                ),
            });
            i += 1;
            continue;
        }
        if is_query(piece) {
            match split_statements(piece) {
                Split::Bounds(found) if found.len() == 1 => {
                    out.statements.push(lower(sql, span, Found::Query));
                    i += 1;
                    continue;
                }
                // Several statements in one piece cannot come from a semicolon split; parse
                // normally below.
                Split::Bounds(_) => {}
                Split::Error(at, message) => located = Some((at, message)),
                Split::Failed(message) => {
                    out.aborted.push(aborted_at(span, message));
                    i += 1;
                    continue;
                }
            }
        }
        // A query piece with a syntax error is reported below as it is.
        let first = if located.is_some() {
            Parsed::Undecodable
        } else {
            parse_model_tree(piece)
        };
        match first {
            Parsed::Tree(parsed) => joined = Some((i, span, parsed)),
            Parsed::Undecodable => {}
            Parsed::Failed(message) => {
                out.aborted.push(aborted_at(span, message));
                i += 1;
                continue;
            }
            Parsed::Error(offset, message) => {
                located = Some((offset, message));
                // A piece cut short by a semicolon inside a body (`BEGIN ATOMIC ... END`) fails "at end
                // of input": retry it joined with the following pieces.
                if located
                    .as_ref()
                    .is_some_and(|(_, m)| m.ends_with("at end of input"))
                {
                    for j in i + 1..count.min(i + 32) {
                        let candidate = trim_span(sql, bound(i).0, bound(j).1);
                        if candidate.end - candidate.start > limits.statement_bytes {
                            break;
                        }
                        if let Parsed::Tree(parsed) =
                            parse_model_tree(&sql[candidate.start..candidate.end])
                        {
                            joined = Some((j, candidate, parsed));
                            break;
                        }
                    }
                }
            }
        }
        match joined {
            Some((j, span, parsed)) => {
                push_parsed(sql, span, &parsed, out, lower);
                i = j + 1;
            }
            None => {
                let piece = &sql[span.start..span.end];
                match located {
                    None => {
                        // Valid SQL whose tree is deeper than the protobuf decoder accepts.
                        out.statements.push(lower(sql, span, Found::TooDeep));
                    }
                    Some((offset, message)) => {
                        // "at end of input" points past the statement: show its last character.
                        let offset = if offset >= piece.len() {
                            piece.char_indices().last().map_or(0, |(i, _)| i)
                        } else {
                            offset
                        };
                        let at = span.start + offset;
                        // The token runs to the next separator; a separator at the cursor (a
                        // stray U+00A0 between statements) is itself the token, whole.
                        let token = &sql[at..span.end];
                        let first_len = token.chars().next().map_or(0, char::len_utf8);
                        let token_end = token
                            .find(|c: char| {
                                c.is_whitespace() || c == ';' || c == ',' || c == '(' || c == ')'
                            })
                            .map_or(span.end, |n| at + n.max(first_len));
                        out.errors.push(SyntaxError {
                            span: Span::new(at, token_end.min(span.end).max(at)),
                            message,
                        });
                    }
                }
                i += 1;
            }
        }
    }
    if i < count {
        bound(i).0
    } else {
        sql.len()
    }
}

/// `bytes` in MiB, or KiB under a MiB, rounded up.
fn size(bytes: usize) -> String {
    if bytes >= 1 << 20 {
        format!("{} MiB", bytes.div_ceil(1 << 20))
    } else {
        format!("{} KiB", bytes.div_ceil(1 << 10))
    }
}

/// The statement at `span` that the parser gave up on for lack of resources.
fn aborted_at(span: Span, message: String) -> SyntaxError {
    SyntaxError {
        span: Span::new(span.start, span.start),
        message: format!("PostgreSQL's parser failed on the statement ({message}); it was skipped"),
    }
}

/// Narrows `[start, end)` to the statement text: no leading whitespace/comments, no trailing whitespace or `;`.
fn trim_span(sql: &str, start: usize, end: usize) -> Span {
    let bytes = sql.as_bytes();
    let end = end.min(sql.len());
    let mut s = start.min(end);
    loop {
        while s < end && bytes[s].is_ascii_whitespace() {
            s += 1;
        }
        if s + 1 < end && bytes[s] == b'-' && bytes[s + 1] == b'-' {
            s = sql[s..end].find('\n').map_or(end, |n| s + n + 1);
        } else if s + 1 < end && bytes[s] == b'/' && bytes[s + 1] == b'*' {
            s = sql[s + 2..end].find("*/").map_or(end, |n| s + 2 + n + 2);
        } else {
            break;
        }
    }
    let mut e = end;
    while e > s && (bytes[e - 1].is_ascii_whitespace() || bytes[e - 1] == b';') {
        e -= 1;
    }
    Span::new(s, e)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each statement's text and what the grammar found, with a lowering that knows no model.
    fn found(sql: &str) -> (Vec<(String, &'static str)>, Vec<SyntaxError>) {
        let parsed = parse_text(sql, Limits::default(), &mut |sql, span, found| {
            let what = match found {
                Found::Query => "query",
                Found::Tree(Some(NodeEnum::CreateStmt(_))) => "create table",
                Found::Tree(Some(NodeEnum::AlterTableStmt(_))) => "alter table",
                Found::Tree(_) => "other",
                Found::TooDeep => "too deep",
            };
            (sql[span.start..span.end].to_string(), what)
        });
        (parsed.statements, parsed.errors)
    }

    #[test]
    fn statements_reach_the_lowering_in_order_by_runs_and_piece_by_piece() {
        let sql = "-- first\nCREATE TABLE a (id int);\n\\set x 1\nSELECT 1;\nALTER TABLE a ADD b int; DO $$ BEGIN END $$";
        let expected = vec![
            ("CREATE TABLE a (id int)".to_string(), "create table"),
            ("SELECT 1".to_string(), "query"),
            ("ALTER TABLE a ADD b int".to_string(), "alter table"),
            ("DO $$ BEGIN END $$".to_string(), "other"),
        ];
        let (runs, errors) = found(sql);
        assert_eq!(runs, expected);
        assert!(errors.is_empty(), "{errors:?}");
        // After a syntax error the same statements are found statement by statement.
        let (piecewise, errors) = found(&format!("CREATE TABL oops;\n{sql}"));
        assert_eq!(piecewise, expected);
        assert_eq!(errors.len(), 1);
    }

    /// After a syntax error, runs go on from the statement after it (the statements of the run
    /// before the error parsed again as a run): what is found is what parsing every statement on
    /// its own finds, whatever the errors, bodies with semicolons, queries and runs around them.
    #[test]
    fn runs_resumed_after_an_error_find_what_statement_by_statement_parsing_finds() {
        // The tree, but for its byte offsets, which count from the start of the text parsed
        // (a run, or one statement) and which the lowering into the model does not read.
        let kind = |found: Found<'_>| match found {
            Found::Query => "query".to_string(),
            Found::Tree(node) => format!("{node:?}")
                .split("location: ")
                .map(|part| part.trim_start_matches(|c: char| c.is_ascii_digit() || c == '-'))
                .collect::<Vec<_>>()
                .join("location: "),
            Found::TooDeep => "too deep".to_string(),
        };
        let atomic =
            "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END";
        let texts = [
            "CREATE TABLE a (id int); CREATE TABL oops; CREATE TABLE b (id int); ALTER TABLE b ADD c int",
            "CREATE TABL one; CREATE TABL two; CREATE TABLE ok (id int); SELECT 1; SELECT FROM WHERE; SELECT 2",
            &format!("CREATE TABLE a (id int); {atomic}; CREATE TABL oops; {atomic}; SELECT 1"),
            &format!("{atomic}; CREATE TABLE a (id int) oops; {atomic}"),
            "SELECT 1; SELECT 2; SELEC 3; SELECT 4; CREATE TABLE a (id int); CREATE INDEX ON a (id",
            "CREATE TABLE a (id int);;; CREATE TABLE b (id int) x; -- end\n; CREATE TABLE c (id int)",
            "CREATE TABLE a (\n  id int,\n  name text\n  age int\n); INSERT INTO a VALUES (1), (2); DELETE FROM a;",
        ];
        for text in texts {
            let lexed = lex::lex(text);
            let mut lower =
                |sql: &str, span: Span, found: Found<'_>| (span, kind(found), sql.len());
            let resumed = parse_text(text, Limits::default(), &mut lower);
            let mut piecewise = ParsedText::default();
            parse_piecewise(
                text,
                &lexed,
                &mut piecewise,
                (0, usize::MAX),
                Limits::default(),
                &mut lower,
            );
            assert_eq!(resumed.statements, piecewise.statements, "{text}");
            assert_eq!(
                format!("{:?}", resumed.errors),
                format!("{:?}", piecewise.errors),
                "{text}"
            );
            assert!(!resumed.errors.is_empty(), "{text}");
        }
    }

    /// However the errors are spread, the grammar reads each statement a few times at most: runs
    /// after an error start small and grow, and while statements keep failing they go one by one
    /// (a run of 128 KiB parsed again after every error made a file of another dialect 20 times
    /// slower to read).
    #[test]
    fn errors_anywhere_keep_the_grammar_to_a_few_reads_of_each_statement() {
        let good = "INSERT INTO t VALUES (1, 'a');\n";
        let texts = [
            "CREATE TABL x;\n".repeat(4000),
            "INSERT INTO `t` VALUES (1,'a');\n".repeat(2000),
            "SELEC 1;\n".repeat(4000),
            format!(
                "{}INSERT INTO t VALUE (1);\n{}",
                good.repeat(3000),
                good.repeat(3000)
            ),
            format!("{}CREATE TABL x;\n", good.repeat(10)).repeat(400),
        ];
        for text in &texts {
            calls::reset();
            let (statements, errors) = found(text);
            let read = calls::total();
            assert!(
                read <= 4 * text.len(),
                "{} statements, {} errors: the grammar read {read} bytes of {}",
                statements.len(),
                errors.len(),
                text.len()
            );
        }
    }

    /// A parser stop at a psql variable or a template placeholder is not an error pgproof can
    /// stand by; one anywhere else is.
    #[test]
    fn errors_at_text_replaced_before_the_server_reads_it_are_named() {
        let said = |sql: &str| {
            let (_, errors) = found(sql);
            assert_eq!(errors.len(), 1, "{sql}: {errors:?}");
            errors[0].substituted(sql, true)
        };
        for (sql, token) in [
            (
                "\\set gid 'x'\nINSERT INTO t VALUES (:gid);",
                "`gid` is a psql variable",
            ),
            (
                "SELECT * FROM t WHERE name = :'name';",
                "`name` is a psql variable",
            ),
            (
                "SELECT * FROM :\"schema\".t;",
                "`schema` is a psql variable",
            ),
            (
                "SELECT * FROM t ORDER BY %order% LIMIT 1;",
                "`%order%` looks like a template",
            ),
            (
                "SELECT * FROM {{ table }};",
                "`{{ table }}` looks like a template",
            ),
        ] {
            let why = said(sql).unwrap_or_else(|| panic!("{sql}"));
            assert!(why.contains(token), "{sql}: {why}");
        }
        for sql in [
            "CREATE TABLE b (id bigint PRIMARY KEY,);",
            "SELECT a[1:] FROM t WHERE ;",
        ] {
            assert_eq!(said(sql), None, "{sql}");
        }
    }
}
