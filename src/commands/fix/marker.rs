//! A migration marked to run outside the runner's transaction, in the layout's own words, for a
//! recipe that needs it.

use crate::fix::{Edit, Statements};
use crate::source::layout::SQLX_NO_TX;

/// `edit` (a recipe replacing its statement) with the migration marked to run outside the
/// runner's transaction, in the words of the set's `layout`: goose `-- +goose NO TRANSACTION` on
/// the first line (after a byte-order mark), sqlx `-- no-transaction` as the file's first bytes
/// (so never in a file that starts with a byte-order mark: sqlx would not see it), dbmate
/// `transaction:false` on the `-- migrate:up` line. Only when the statement is the only one of
/// the up part (the others would lose the transaction that protects them), and only in those
/// layouts, whose runners read the marker in the file. `bom`: the file starts with a byte-order
/// mark (three spaces in `text`). The caller lints the result again.
pub(super) fn outside_transaction(
    text: &str,
    bom: bool,
    statements: &Statements,
    edit: &Edit,
    layout: &str,
) -> Option<Edit> {
    // Section annotations start a line (as goose and dbmate read them).
    let line_start = |prefix: &str| -> Option<usize> {
        let mut at = 0;
        for line in text.split_inclusive('\n') {
            if line.trim_start().to_ascii_lowercase().starts_with(prefix) {
                return Some(at + line.len() - line.trim_start().len());
            }
            at += line.len();
        }
        None
    };
    // sqlx and dbmate send a migration without a transaction as one message, which PostgreSQL
    // runs as one implicit transaction when it holds several statements: only a recipe of one
    // statement runs there as it must.
    if matches!(layout, "sqlx" | "dbmate") {
        let recipe = Statements::of(&edit.text);
        let steps = recipe
            .bounds
            .iter()
            .filter(|b| !edit.text[b.start..b.end].trim().is_empty())
            .count();
        if steps > 1 {
            return None;
        }
    }
    let down = match layout {
        "goose" => line_start("-- +goose down"),
        "dbmate" => line_start("-- migrate:down"),
        "sqlx" => None,
        _ => return None,
    }
    .unwrap_or(text.len());
    let mut up = statements.bounds.iter().filter(|b| b.start < down);
    let only = up.next()?;
    if up.next().is_some() || only.start > edit.start || edit.start >= only.end.max(only.start + 1)
    {
        return None;
    }
    let newline = if text.contains("\r\n") { "\r\n" } else { "\n" };
    // The loader reads a byte-order mark as three spaces (written back as the mark).
    let first = if bom { 3 } else { 0 };
    // The edit from `start`: `head` (the marker), then the text from `from` to the statement.
    // It starts at the line's start, so that it is not indented as a line after a mark is.
    let (start, head, from) = match layout {
        "dbmate" => {
            let at = line_start("-- migrate:up")?;
            let line_end = at + text[at..].find(['\r', '\n']).unwrap_or(text.len() - at);
            if line_end > edit.start
                || text[at..line_end]
                    .to_ascii_lowercase()
                    .contains("transaction:")
            {
                return None;
            }
            (line_end, " transaction:false".to_string(), line_end)
        }
        "goose" => {
            if line_start("-- +goose no transaction").is_some() {
                return None;
            }
            (
                0,
                format!("{}-- +goose NO TRANSACTION{newline}", &text[..first]),
                first,
            )
        }
        _ => {
            // sqlx reads the marker as the file's first bytes only: not after a byte-order mark.
            if first > 0 || text.starts_with(SQLX_NO_TX) {
                return None;
            }
            (
                0,
                format!("{}-- no-transaction{newline}", &text[..first]),
                first,
            )
        }
    };
    Some(Edit {
        start,
        end: edit.end,
        // The recipe as it would sit in place of the statement (its indentation), after the
        // text between the marker and the statement, unchanged.
        text: format!(
            "{head}{}{}",
            &text[from..edit.start],
            crate::fix::fitted(text, edit)
        ),
    })
}
