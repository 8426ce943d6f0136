//! What the replay of a part does not follow between two statements: text that did not parse,
//! and psql meta-commands that may run or skip SQL. The witness of the catalog counts each as a
//! doubt (see `catalog::witness`).

use crate::syntax::ParsedText;

/// Whether something the replay does not follow starts in `from..to` of a part: text that did not
/// parse (a syntax error, or a statement the parser gave up on), or a psql meta-command that may
/// run SQL pgproof does not see (`\i`, `\gexec`), skip statements (`\if`, `\q`) or change the
/// database (`\c`).
pub(super) fn between(parsed: &ParsedText, text: &str, from: usize, to: usize) -> bool {
    /// Meta-commands that only print, format or set psql variables.
    const HARMLESS: &[&str] = &[
        "set", "unset", "echo", "qecho", "warn", "pset", "timing", "x", "t", "a", "o", "out",
        "encoding", "conninfo", "h", "help", "?",
    ];
    let within = |start: usize| (from..to).contains(&start);
    let unparsed = parsed
        .errors
        .iter()
        .chain(&parsed.aborted)
        .any(|e| within(e.span.start));
    let meta = parsed.lexed.meta_commands.iter().any(|m| {
        let command = text
            .get(m.start..m.end)
            .unwrap_or_default()
            .trim_start()
            .trim_start_matches('\\')
            .split(|c: char| c.is_whitespace())
            .next()
            .unwrap_or_default();
        // `\d`, `\dt+` and the other describe commands only read.
        within(m.start) && !HARMLESS.contains(&command) && !command.starts_with('d')
    });
    unparsed || meta
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn includes_and_skips_are_not_followed_but_printing_is() {
        for (sql, unfollowed) in [
            ("SELECT 1;\n\\echo hi\n\\set x 1\n\\dt+\nSELECT 2;", false),
            ("SELECT 1;\n\\i other.sql\nSELECT 2;", true),
            ("SELECT 1;\n\\if :flag\nSELECT 2;", true),
            ("SELECT 1;\nSELEC oops;\nSELECT 2;", true),
        ] {
            let parsed = crate::syntax::parse_sql(sql);
            let first = parsed.statements[0].span.end;
            let last = parsed.statements.last().unwrap().span.start;
            assert_eq!(between(&parsed, sql, first, last), unfollowed, "{sql}");
        }
    }
}
