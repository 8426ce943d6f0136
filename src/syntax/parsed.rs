//! A file's statements in the model: `parse` cuts the text and parses it run by run, and each
//! statement is lowered as soon as its run is parsed (so a file's trees are never all alive at
//! once). Queries are [`Statement::Select`] without a tree.

use super::lower::lower;
use super::statement::Statement;
use crate::parse::{self, Found, Limits};
use crate::span::Span;
use std::sync::Arc;

/// One statement of a file, with its byte span (leading comments and whitespace trimmed).
#[derive(Debug, Clone)]
pub struct ParsedStatement {
    pub span: Span,
    pub kind: Statement,
}

/// A file's statements in the model, its syntax errors and what the parser gave up on.
pub type ParsedText = parse::ParsedText<ParsedStatement>;

/// Parses `text` into statements of the model. The text must not contain NUL bytes (callers
/// reject such files first).
pub fn parse_sql(text: &str) -> ParsedText {
    parse_sql_limited(text, Limits::default())
}

/// [`parse_sql`] with the limits given (tests lower them).
pub fn parse_sql_limited(text: &str, limits: Limits) -> ParsedText {
    parse::parse_text(text, limits, &mut |sql, span, found| ParsedStatement {
        span,
        kind: lower_found(sql, span, found),
    })
}

/// The model of what the grammar found at `sql[span]`.
fn lower_found(sql: &str, span: Span, found: Found<'_>) -> Statement {
    match found {
        Found::Query => Statement::Select,
        Found::Tree(Some(node)) => {
            let mut kind = lower(node);
            if let Statement::CreateFunction(f) = &mut kind {
                f.source = sql.get(span.start..span.end).map(Arc::from);
            }
            kind
        }
        Found::Tree(None) => Statement::Other {
            node: "Empty".into(),
        },
        Found::TooDeep => Statement::Other {
            node: "TooDeeplyNested".into(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::{calls, RUN_BYTES};
    use crate::syntax::lower;

    /// Parses with `limits`, returning the result and the longest text of one parser call.
    fn parse_measured(sql: &str, limits: Limits) -> (ParsedText, usize) {
        calls::reset();
        let parsed = parse_sql_limited(sql, limits);
        (parsed, calls::longest())
    }

    /// Statements as comparable text: span and model.
    fn shown(parsed: &ParsedText) -> Vec<String> {
        parsed
            .statements
            .iter()
            .map(|s| format!("{:?} {:?}", s.span, s.kind))
            .collect()
    }

    #[test]
    fn runs_are_cut_by_bytes_and_give_what_one_call_gives() {
        let mut sql = String::new();
        for n in 0..400 {
            sql.push_str(&format!(
                "CREATE TABLE t{n} (id int PRIMARY KEY, note text);\nALTER TABLE t{n} ADD COLUMN b int;\n\
                 INSERT INTO t{n} (id, note) VALUES {};\n",
                (0..40)
                    .map(|i| format!("({i}, 'n{i}')"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
            if n == 300 {
                sql.push_str("SELECT 1; SHOW search_path;\n");
            }
        }
        // One statement longer than a run is parsed alone.
        let long_insert = format!(
            "INSERT INTO t0 (id) VALUES {}",
            (0..30_000)
                .map(|i| format!("({i})"))
                .collect::<Vec<_>>()
                .join(",")
        );
        assert!(long_insert.len() > RUN_BYTES);
        sql.push_str(&long_insert);
        sql.push_str(";\nCREATE INDEX t1_b_idx ON t1 (b);\n");
        let count = 400 * 3 + 2 + 2;
        let unbounded = Limits {
            run_bytes: usize::MAX,
            ..Limits::default()
        };
        let (whole, longest_whole) = parse_measured(&sql, unbounded);
        let (runs, longest) = parse_measured(&sql, Limits::default());
        // Unbounded, the 300 iterations before the query are one call.
        assert!(longest_whole > 2 * RUN_BYTES, "{longest_whole}");
        // (with the line break before it)
        let alone = long_insert.len()..=long_insert.len() + 1;
        assert!(alone.contains(&longest), "{longest}");
        assert!(runs.errors.is_empty() && runs.aborted.is_empty());
        assert_eq!(runs.statements.len(), count);
        assert_eq!(shown(&runs), shown(&whole));
        // Without the long statement, no call is longer than a run.
        let short = &sql[..sql.find(&long_insert).unwrap()];
        let (_, longest) = parse_measured(short, Limits::default());
        assert!(longest <= RUN_BYTES, "{longest}");
        // The same after a syntax error, statement by statement.
        let broken = format!("CREATE TABL oops;\n{sql}");
        let (piecewise, longest) = parse_measured(&broken, Limits::default());
        assert_eq!(piecewise.statements.len(), count);
        assert!(alone.contains(&longest), "{longest}");
    }

    #[test]
    fn a_statement_over_the_limit_is_not_parsed_and_the_others_are() {
        let rows = (0..200)
            .map(|i| format!("({i})"))
            .collect::<Vec<_>>()
            .join(",");
        let sql = format!(
            "CREATE TABLE a (id int);\nINSERT INTO a VALUES {rows};\nCREATE TABLE b (id int);\nSELECT {rows};\n"
        );
        let limits = Limits {
            statement_bytes: 1000,
            ..Limits::default()
        };
        let (parsed, longest) = parse_measured(&sql, limits);
        assert!(longest <= 1000, "{longest}");
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        assert_eq!(
            texts(&sql, &parsed),
            vec!["CREATE TABLE a (id int)", "CREATE TABLE b (id int)"]
        );
        let starts: Vec<usize> = parsed.aborted.iter().map(|a| a.span.start).collect();
        assert_eq!(
            starts,
            vec![sql.find("INSERT").unwrap(), sql.find("SELECT").unwrap()]
        );
        assert!(
            parsed.aborted[0]
                .message
                .contains("is 2 KiB, over the 1 KiB"),
            "{}",
            parsed.aborted[0].message
        );
        // At the limit, it is parsed.
        let at_limit = Limits {
            statement_bytes: sql.len(),
            ..Limits::default()
        };
        let (parsed, _) = parse_measured(&sql, at_limit);
        assert_eq!(parsed.statements.len(), 4);
        assert!(parsed.aborted.is_empty());
    }

    /// The model tree keeps one row of a VALUES list (`parse/grammar.rs` tests that) and cuts the
    /// expressions, FROM, USING, RETURNING, WITH and ON CONFLICT of INSERT, UPDATE and DELETE
    /// (`parse/encode.c`'s `trim_for_model`): the lowering must not tell it from the full tree.
    #[test]
    fn the_model_tree_of_an_insert_lowers_like_the_full_tree() {
        let lowered = |tree: &pg_query::protobuf::ParseResult| {
            format!(
                "{:?}",
                lower(tree.stmts[0].stmt.as_ref().unwrap().node.as_ref().unwrap())
            )
        };
        for sql in [
            "INSERT INTO a (id) VALUES (1), (2), (3)",
            "INSERT INTO a DEFAULT VALUES",
            "WITH s AS (SELECT 1 AS id) INSERT INTO a (id, name) SELECT id, 'x' FROM s \
             ON CONFLICT (id) DO UPDATE SET name = excluded.name RETURNING id",
            "INSERT INTO s.a AS t (id) VALUES (1) ON CONFLICT DO NOTHING RETURNING *",
            "INSERT INTO a SELECT 1 UNION SELECT 2",
            "UPDATE a SET name = b.name, tags[1] = 'x', (x, y) = (SELECT 1, 2), point.x = 3 \
             FROM b WHERE a.id = b.id AND a.id IN (SELECT id FROM c) RETURNING a.id",
            "UPDATE ONLY a SET name = name, name = 'twice'",
            "WITH gone AS (SELECT 1) UPDATE a SET n = n + 1 WHERE CURRENT OF c",
            "DELETE FROM a USING b WHERE a.id = b.id RETURNING a.*",
            "DELETE FROM ONLY s.a",
        ] {
            let model = crate::parse::model_tree_only(sql).expect("parses");
            let full = crate::parse::parse_tree_only(sql).expect("parses");
            assert_eq!(lowered(&model), lowered(&full), "{sql}");
            // Something was cut, but for the two statements that have nothing to cut.
            use prost::Message;
            let cut = model.encoded_len() < full.encoded_len();
            assert_eq!(
                cut,
                !sql.contains("DEFAULT VALUES") && sql != "DELETE FROM ONLY s.a",
                "{sql}"
            );
        }
        assert!(matches!(
            parse_sql("INSERT INTO a SELECT 1; INSERT INTO a VALUES (1), (2)").statements[..],
            [
                ParsedStatement {
                    kind: Statement::Insert {
                        has_select: true,
                        ..
                    },
                    ..
                },
                ParsedStatement {
                    kind: Statement::Insert {
                        has_select: false,
                        ..
                    },
                    ..
                }
            ]
        ));
    }

    /// The text of each statement found.
    fn texts<'a>(sql: &'a str, parsed: &ParsedText) -> Vec<&'a str> {
        parsed
            .statements
            .iter()
            .map(|s| &sql[s.span.start..s.span.end])
            .collect()
    }

    #[test]
    fn spans_skip_leading_comments() {
        let sql = "-- first\nCREATE TABLE a (id int);\n\n/* c */ SELECT 1;\nSELECT 2";
        let parsed = parse_sql(sql);
        assert_eq!(
            texts(sql, &parsed),
            vec!["CREATE TABLE a (id int)", "SELECT 1", "SELECT 2"]
        );
        assert!(parsed.errors.is_empty());
    }

    #[test]
    fn syntax_error_is_located_and_others_still_parse() {
        let sql = "CREATE TABLE a (id int);\nALTER TABLE a ADD COLUMN b intt ( ;\nCREATE INDEX i ON a (id);";
        let parsed = parse_sql(sql);
        assert_eq!(parsed.statements.len(), 2);
        assert_eq!(parsed.errors.len(), 1);
        let err = &parsed.errors[0];
        assert_eq!(err.message, "syntax error at end of input");
        assert_eq!(&sql[err.span.start..err.span.start + 1], "(");
        let bad = parse_sql("SELECT 1;\nSELEC 2;\nSELECT 3;");
        assert_eq!(bad.statements.len(), 2);
        assert_eq!(bad.errors[0].span.start, 10);
    }

    #[test]
    fn queries_between_ddl_keep_their_kinds_and_spans() {
        let sql = "CREATE TABLE a (id int);\n(SELECT 1) UNION SELECT 2;\nexplain select * from a;\n\
                   ALTER TABLE a ADD b int; CREATE INDEX i ON a (b);\nSHOW search_path;\n\
                   VALUES (1);\nCREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END;\n\
                   WITH x AS (SELECT 1) DELETE FROM a";
        let parsed = parse_sql(sql);
        assert!(parsed.errors.is_empty());
        let got: Vec<(&str, bool)> = parsed
            .statements
            .iter()
            .map(|s| {
                (
                    &sql[s.span.start..s.span.end],
                    matches!(s.kind, Statement::Select),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ("CREATE TABLE a (id int)", false),
                ("(SELECT 1) UNION SELECT 2", true),
                ("explain select * from a", true),
                ("ALTER TABLE a ADD b int", false),
                ("CREATE INDEX i ON a (b)", false),
                ("SHOW search_path", true),
                ("VALUES (1)", true),
                (
                    "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END",
                    false
                ),
                ("WITH x AS (SELECT 1) DELETE FROM a", false),
            ]
        );
        assert!(matches!(
            parsed.statements[8].kind,
            Statement::Delete { .. }
        ));
        // The same statements after a syntax error go piece by piece, with the same result.
        let broken = format!("CREATE TABL oops;\n{sql}");
        let piecewise = parse_sql(&broken);
        assert_eq!(piecewise.errors.len(), 1);
        assert_eq!(piecewise.statements.len(), got.len());
        assert!(matches!(piecewise.statements[1].kind, Statement::Select));
        // A query after a semicolon inside a body is not a statement of its own: the cut at that
        // semicolon leaves the function unfinished, and the file is parsed piece by piece.
        let body = "CREATE TABLE a (id int);\nCREATE FUNCTION g() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END;\nSELECT 3;";
        let atomic = parse_sql(body);
        assert!(atomic.errors.is_empty(), "{:?}", atomic.errors);
        assert_eq!(
            texts(body, &atomic),
            vec![
                "CREATE TABLE a (id int)",
                "CREATE FUNCTION g() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END",
                "SELECT 3"
            ]
        );
        assert!(!matches!(atomic.statements[1].kind, Statement::Select));
        let bad_query =
            parse_sql("CREATE TABLE a (id int);\nSELECT FROM WHERE;\nCREATE TABLE b (id int);");
        assert_eq!(bad_query.statements.len(), 2);
        assert_eq!(bad_query.errors.len(), 1);
        let at = bad_query.errors[0].span.start;
        assert_eq!(
            &"CREATE TABLE a (id int);\nSELECT FROM WHERE;"[at..at + 5],
            "WHERE"
        );
    }

    #[test]
    fn error_position_is_correct_after_multibyte_text() {
        let sql = "SELECT 'ünïcödé', 1 2;";
        let parsed = parse_sql(sql);
        let err = &parsed.errors[0];
        assert_eq!(&sql[err.span.start..err.span.end], "2");
    }

    #[test]
    fn meta_commands_are_ignored() {
        let sql = "\\set ON_ERROR_STOP 1\nBEGIN;\nCREATE TABLE t (id int);\nCOMMIT;\n";
        let parsed = parse_sql(sql);
        assert!(parsed.errors.is_empty());
        assert_eq!(parsed.statements.len(), 3);
        assert_eq!(parsed.lexed.meta_commands.len(), 1);
    }

    #[test]
    fn unterminated_dollar_quote_is_an_error_and_prior_statements_survive() {
        let sql = "CREATE TABLE t (id int);\nCREATE FUNCTION f() RETURNS int AS $$ SELECT 1;\n";
        let parsed = parse_sql(sql);
        assert_eq!(parsed.statements.len(), 1);
        assert_eq!(parsed.errors.len(), 1);
        assert_eq!(
            parsed.errors[0].message,
            "unterminated dollar-quoted string"
        );
    }

    #[test]
    fn deeply_nested_expression_does_not_crash() {
        let depth = 2000;
        let sql = format!("SELECT {}1{};", "(".repeat(depth), ")".repeat(depth));
        let parsed = parse_sql(&sql);
        assert_eq!(parsed.statements.len() + parsed.errors.len(), 1);
    }
}
