//! A small lexical pass over SQL text that knows quotes, dollar quotes and comments.
//!
//! pg_query does the real parsing; this pass only finds what the server grammar does not see:
//! psql meta-commands, `-- pgproof:` comments, and where an unterminated quote or comment starts.
//! It never fails.

use crate::span::Span;

/// What the lexer found outside of statements' string contents.
#[derive(Debug, Default, Clone)]
pub struct Lexed {
    /// `--` comments: span of the whole comment, including the dashes.
    pub line_comments: Vec<Span>,
    /// psql meta-commands (`\set ...`), one span per line, excluding the newline.
    pub meta_commands: Vec<Span>,
    /// An unterminated quoted string, dollar quote, quoted identifier or block comment.
    pub unterminated: Option<(Span, &'static str)>,
    /// Byte offsets of `;` that end a statement at top level.
    pub semicolons: Vec<usize>,
}

/// Scans `text`, tracking quotes and comments, and records meta-commands and comments.
pub fn lex(text: &str) -> Lexed {
    let bytes = text.as_bytes();
    let mut out = Lexed::default();
    let mut i = 0;
    // True when only whitespace (or comments) has been seen since the last `;` or newline at top level,
    // which is where psql accepts a meta-command.
    let mut at_line_start = true;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'\n' => {
                at_line_start = true;
                i += 1;
            }
            b' ' | b'\t' | b'\r' | b'\x0c' => i += 1,
            b'\\' if at_line_start => {
                let end = text[i..].find('\n').map_or(bytes.len(), |n| i + n);
                out.meta_commands.push(Span::new(i, end));
                i = end;
            }
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                let end = text[i..].find('\n').map_or(bytes.len(), |n| i + n);
                out.line_comments.push(Span::new(i, end));
                i = end;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                let start = i;
                let mut depth = 1;
                i += 2;
                while i < bytes.len() && depth > 0 {
                    if bytes[i] == b'/' && bytes.get(i + 1) == Some(&b'*') {
                        depth += 1;
                        i += 2;
                    } else if bytes[i] == b'*' && bytes.get(i + 1) == Some(&b'/') {
                        depth -= 1;
                        i += 2;
                    } else {
                        i += 1;
                    }
                }
                if depth > 0 {
                    out.unterminated = Some((Span::new(start, bytes.len()), "block comment"));
                    return out;
                }
            }
            b'\'' | b'"' => {
                at_line_start = false;
                let start = i;
                let quote = b;
                // E'' strings allow backslash escapes.
                let escapes = quote == b'\'' && i > 0 && matches!(bytes[i - 1], b'e' | b'E');
                i += 1;
                loop {
                    if i >= bytes.len() {
                        let what = if quote == b'"' {
                            "quoted identifier"
                        } else {
                            "string literal"
                        };
                        out.unterminated = Some((Span::new(start, bytes.len()), what));
                        return out;
                    }
                    if escapes && bytes[i] == b'\\' {
                        i += 2;
                        continue;
                    }
                    if bytes[i] == quote {
                        if bytes.get(i + 1) == Some(&quote) {
                            i += 2;
                            continue;
                        }
                        i += 1;
                        break;
                    }
                    i += 1;
                }
            }
            b'$' if dollar_tag(&bytes[i..]).is_some() && !prev_is_ident(bytes, i) => {
                at_line_start = false;
                let tag_len = dollar_tag(&bytes[i..]).unwrap_or(1);
                let tag = &text[i..i + tag_len];
                let start = i;
                match text[i + tag_len..].find(tag) {
                    Some(n) => i = i + tag_len + n + tag_len,
                    None => {
                        out.unterminated =
                            Some((Span::new(start, bytes.len()), "dollar-quoted string"));
                        return out;
                    }
                }
            }
            b';' => {
                out.semicolons.push(i);
                at_line_start = true;
                i += 1;
            }
            _ => {
                at_line_start = false;
                i += 1;
            }
        }
    }
    out
}

/// Length of a dollar-quote tag (`$$` or `$tag$`) at the start of `bytes`.
fn dollar_tag(bytes: &[u8]) -> Option<usize> {
    if bytes.first() != Some(&b'$') {
        return None;
    }
    let mut j = 1;
    while j < bytes.len() {
        let c = bytes[j];
        if c == b'$' {
            return Some(j + 1);
        }
        let ok = c == b'_' || c.is_ascii_alphabetic() || c >= 0x80 || (j > 1 && c.is_ascii_digit());
        if !ok {
            return None;
        }
        j += 1;
    }
    None
}

/// `$1` parameters and identifiers containing `$` are not dollar quotes.
fn prev_is_ident(bytes: &[u8], i: usize) -> bool {
    i > 0 && (bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_')
}

/// Replaces every byte in `spans` with a space (keeping newlines), so byte offsets stay valid.
pub fn blank_out(text: &str, spans: &[Span]) -> String {
    if spans.is_empty() {
        return text.to_string();
    }
    let mut bytes = text.as_bytes().to_vec();
    for span in spans {
        for byte in &mut bytes[span.start..span.end.min(text.len())] {
            if *byte != b'\n' {
                *byte = b' ';
            }
        }
    }
    // Replacing whole lines of bytes with ASCII spaces may split a multi-byte character only when a
    // span boundary falls inside one; spans here always start and end at ASCII bytes or line ends.
    String::from_utf8(bytes)
        .unwrap_or_else(|err| String::from_utf8_lossy(err.as_bytes()).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_meta_commands_and_comments_outside_strings() {
        let sql =
            "\\set ON_ERROR_STOP 1\nBEGIN; -- note\nSELECT '\\x;--';\n  \\i other.sql\nCOMMIT;";
        let lexed = lex(sql);
        assert_eq!(lexed.meta_commands.len(), 2);
        assert_eq!(
            &sql[lexed.meta_commands[1].start..lexed.meta_commands[1].end],
            "\\i other.sql"
        );
        assert_eq!(lexed.line_comments.len(), 1);
        assert_eq!(lexed.semicolons.len(), 3);
        assert!(lexed.unterminated.is_none());
    }

    #[test]
    fn reports_unterminated_dollar_quote() {
        let lexed = lex("select 1;\ncreate function f() returns int as $body$ select 1;");
        let (span, what) = lexed.unterminated.unwrap();
        assert_eq!(what, "dollar-quoted string");
        assert_eq!(span.start, 45);
    }

    #[test]
    fn dollar_parameters_are_not_quotes() {
        let lexed = lex("select $1, a$b from t; select 2;");
        assert!(lexed.unterminated.is_none());
        assert_eq!(lexed.semicolons.len(), 2);
    }

    #[test]
    fn blanking_keeps_offsets() {
        let text = "\\set x 1\nselect 1;";
        let blanked = blank_out(text, &lex(text).meta_commands);
        assert_eq!(blanked.len(), text.len());
        assert!(blanked.ends_with("\nselect 1;"));
    }
}
