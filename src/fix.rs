//! Fixes as edits of a file's text: which findings' fixes can be written into the migration, and
//! the bytes each replaces. No IO: SARIF's `fixes` and `pgproof fix` both read these.
//!
//! Two kinds of fix become edits, and only when the statement's bytes are exactly known (the
//! grammar split the file):
//! - a recipe that replaces the flagged statement with a lock-safe sequence ending in the same
//!   schema ([`Recipe::replaces_statement`]), for a statement of one change (see [`one_change`]);
//! - a recipe that bounds the wait ([`Recipe::BoundsWait`]): the `SET lock_timeout` prelude its
//!   fix puts before the statement is inserted there, and the statement is left as it is.
//!
//! Other fixes (an index for a query, a key to add to a table) add to the schema rather than
//! change the statement, and are shown, not written.

use crate::finding::Finding;
use crate::rules::Recipe;
use crate::span::Span;

/// Replace `start..end` of a file's text with `text` (an insertion when the range is empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub start: usize,
    pub end: usize,
    pub text: String,
}

/// A file's statements, as [`crate::fingerprint::statement_bounds`] splits it, and whether the
/// grammar confirmed the bounds.
pub struct Statements {
    pub bounds: Vec<Span>,
    pub exact: bool,
}

impl Statements {
    pub fn of(text: &str) -> Self {
        let (bounds, exact) = crate::fingerprint::statement_bounds(text);
        Statements { bounds, exact }
    }
}

/// The recipe kind of `f`'s rule, when it has one.
pub fn recipe(f: &Finding) -> Option<Recipe> {
    crate::rules::find(&f.rule).and_then(|r| r.meta().fix.recipe())
}

/// The edit that replaces `f`'s statement with its fix: the statement from its first token
/// through its `;` (when the fix ends with one). None unless the rule's recipe replaces the
/// statement, the finding is about a statement (not an object, nor a file of another release),
/// and the statement is one change. Applicability is the caller's choice.
pub fn replacement(text: &str, statements: &Statements, f: &Finding) -> Option<Edit> {
    let fix = f.fix.as_ref()?;
    if !recipe(f).is_some_and(|r| r.replaces_statement()) {
        return None;
    }
    let (start, end) = statement_range(text, statements, f, fix.sql.trim_end().ends_with(';'))?;
    if !one_change(&text[start..end]) {
        return None;
    }
    Some(Edit {
        start,
        end,
        text: fix.sql.trim_end().to_string(),
    })
}

/// The edit that puts `f`'s `SET lock_timeout` prelude before its statement: for a recipe that
/// bounds the wait, whose fix is the prelude followed by the statement as written.
pub fn prelude(text: &str, statements: &Statements, f: &Finding) -> Option<Edit> {
    let fix = f.fix.as_ref()?;
    if recipe(f) != Some(Recipe::BoundsWait) {
        return None;
    }
    let (start, end) = statement_range(text, statements, f, false)?;
    let statement = text[start..end].trim_end().trim_end_matches(';');
    let head = fix
        .sql
        .trim_end()
        .trim_end_matches(';')
        .strip_suffix(statement)?;
    (!head.trim().is_empty()).then(|| Edit {
        start,
        end: start,
        text: head.to_string(),
    })
}

/// The bytes of `f`'s statement from its first token to its end (through the `;` after it when
/// `with_semicolon`); None when the statement's bounds are not exactly known or `f` is not about
/// a statement.
fn statement_range(
    text: &str,
    statements: &Statements,
    f: &Finding,
    with_semicolon: bool,
) -> Option<(usize, usize)> {
    if !statements.exact || f.object.is_some() || f.worktree_path.is_some() {
        return None;
    }
    let statement = crate::fingerprint::statement_around(&statements.bounds, text, f.span);
    let start =
        statement.start + crate::fingerprint::leading_trivia(&text[statement.start..statement.end]);
    // The statement ends with its last token: a last statement without `;` runs to the end of
    // the text, whose trailing comments are not the statement's.
    let mut end = start + last_token_end(&text[start..statement.end])?;
    // Through the statement's own `;`, which may stand on a line of its own.
    let rest = &text[end..];
    if with_semicolon && rest.trim_start().starts_with(';') {
        end += rest.len() - rest.trim_start().len() + 1;
    }
    (start < end).then_some((start, end))
}

/// The byte offset just after the last token of `sql` that is not a comment; None when the
/// lexer cannot read it.
fn last_token_end(sql: &str) -> Option<usize> {
    use pg_query::protobuf::Token;
    let scanned = pg_query::scan(sql).ok()?;
    scanned
        .tokens
        .iter()
        .filter(|t| t.token != Token::SqlComment as i32 && t.token != Token::CComment as i32)
        .map(|t| t.end as usize)
        .max()
        .filter(|end| sql.is_char_boundary(*end))
}

/// Whether `sql` is one statement that changes one thing: not an `ALTER TABLE` of several
/// commands, nor a `DROP` of several objects, whose other parts a recipe for one of them would
/// lose if it replaced the whole statement.
pub fn one_change(sql: &str) -> bool {
    use pg_query::NodeEnum;
    let Some(tree) = crate::parse::parse_tree_only(sql) else {
        return false;
    };
    let [statement] = tree.stmts.as_slice() else {
        return false;
    };
    match statement.stmt.as_ref().and_then(|s| s.node.as_ref()) {
        Some(NodeEnum::AlterTableStmt(alter)) => alter.cmds.len() == 1,
        Some(NodeEnum::DropStmt(drop)) => drop.objects.len() == 1,
        Some(_) => true,
        None => false,
    }
}

/// `edit`'s text as it should sit in `text`: the file's line endings (`\r\n` when the file uses
/// them), and every line after the first indented as the line the edit starts on.
pub fn fitted(text: &str, edit: &Edit) -> String {
    let line_start = text[..edit.start].rfind('\n').map_or(0, |n| n + 1);
    let indent: String = text[line_start..edit.start]
        .chars()
        .take_while(|c| *c == ' ' || *c == '\t')
        .collect();
    let indent = if text[line_start..edit.start].len() == indent.len() {
        indent
    } else {
        String::new()
    };
    let crlf = text.contains("\r\n");
    let mut out = String::with_capacity(edit.text.len());
    let lines: Vec<&str> = edit.text.split('\n').collect();
    for (i, line) in lines.iter().enumerate() {
        if i > 0 {
            out.push_str(if crlf { "\r\n" } else { "\n" });
            // A prelude inserted before a statement ends with a line break: the statement that
            // follows keeps its indentation.
            let before_statement = i + 1 == lines.len() && edit.start == edit.end;
            if !line.is_empty() || before_statement {
                out.push_str(&indent);
            }
        }
        out.push_str(line.strip_suffix('\r').unwrap_or(line));
    }
    out
}

/// `text` with `edits` applied (sorted by start, none overlapping another).
pub fn apply(text: &str, edits: &[Edit]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for edit in edits {
        out.push_str(&text[at..edit.start]);
        out.push_str(&fitted(text, edit));
        at = edit.end;
    }
    out.push_str(&text[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_keep_the_files_line_endings_and_indentation() {
        let text = "BEGIN;\r\n  CREATE INDEX i ON t (a);\r\nCOMMIT;\r\n";
        let start = text.find("CREATE").unwrap();
        let end = text.find("a);").unwrap() + 3;
        let edit = Edit {
            start,
            end,
            text: "SET lock_timeout = '5s';\nCREATE INDEX i ON t (a);".into(),
        };
        assert_eq!(
            apply(text, &[edit]),
            "BEGIN;\r\n  SET lock_timeout = '5s';\r\n  CREATE INDEX i ON t (a);\r\nCOMMIT;\r\n"
        );
    }

    /// A finding about the statement that starts at byte `start` (its position is not read).
    fn finding(start: usize) -> Finding {
        Finding {
            rule: crate::finding::RuleId::SYNTAX_ERROR,
            severity: crate::finding::Severity::Warning,
            category: crate::finding::Category::Locking,
            file: "m.sql".into(),
            worktree_path: None,
            span: Span::new(start, start + 1),
            start: crate::span::Position { line: 1, column: 1 },
            end: crate::span::Position { line: 1, column: 1 },
            migration: None,
            message: String::new(),
            help: None,
            fix: None,
            lock: None,
            notes: vec![],
            object: None,
            fingerprint: None,
        }
    }

    #[test]
    fn a_last_statement_without_semicolon_keeps_the_comments_after_it() {
        let text = "CREATE TABLE t (a int);\n  CREATE INDEX i ON t (a)\n-- owner: team-x\n";
        let statements = Statements::of(text);
        let f = finding(text.find("CREATE INDEX").unwrap());
        let (a, b) = statement_range(text, &statements, &f, true).unwrap();
        assert_eq!(&text[a..b], "CREATE INDEX i ON t (a)");
        // The prelude goes before the statement, which keeps its indentation.
        let edit = Edit {
            start: a,
            end: a,
            text: "SET lock_timeout = '5s';\n".into(),
        };
        assert_eq!(
            apply(text, &[edit]),
            "CREATE TABLE t (a int);\n  SET lock_timeout = '5s';\n  CREATE INDEX i ON t (a)\n-- owner: team-x\n"
        );
    }

    #[test]
    fn the_semicolon_on_a_line_of_its_own_is_the_statements() {
        let text = "ALTER TABLE t\nALTER COLUMN a\nSET NOT NULL\n;\n-- next\n";
        let statements = Statements::of(text);
        let (a, b) = statement_range(text, &statements, &finding(0), true).unwrap();
        assert_eq!(
            &text[a..b],
            "ALTER TABLE t\nALTER COLUMN a\nSET NOT NULL\n;"
        );
    }

    #[test]
    fn a_statement_of_several_changes_is_not_one_change() {
        assert!(one_change("ALTER TABLE t ALTER COLUMN a SET NOT NULL"));
        assert!(!one_change(
            "ALTER TABLE t ALTER COLUMN a SET NOT NULL, ADD COLUMN b int"
        ));
        assert!(!one_change("DROP INDEX a, b"));
        assert!(!one_change("SELECT 1; SELECT 2"));
    }
}
