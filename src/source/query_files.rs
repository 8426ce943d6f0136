//! Application query files: finding them, splitting them into statements, reading the names that
//! query tools give them (sqlc `-- name: GetUser :one`, yesql/aiosql `-- name: get-user`), and
//! turning driver placeholders (`:name`, `?`, `@name`, `sqlc.arg(name)`) into `$n` so PostgreSQL's
//! grammar accepts them.
//!
//! This layer reads files; it never writes. A file that cannot be read as text becomes a problem,
//! not an error, and the other files are still loaded; one that cannot be read at all is a
//! [`SourceError`] ([`gather`]) or fails the load ([`load`]).

use super::{FileProblem, SourceError, SourceFile};
use crate::span::Span;
use anyhow::{bail, Result};
use std::path::{Path, PathBuf};

/// What a named query says it returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Expect {
    /// sqlc `:one`, aiosql `^` / `$`: at most one row.
    One,
    /// sqlc `:many`, or any other annotation.
    Many,
    /// No annotation.
    Unknown,
}

/// One statement of a query file, with its text rewritten to PostgreSQL placeholders.
#[derive(Debug, Clone)]
pub struct RawQuery {
    pub file: usize,
    /// The statement in the file (original offsets).
    pub span: Span,
    pub name: Option<String>,
    pub expect: Expect,
    /// The statement with `$n` placeholders, parsed instead of the file text.
    pub sql: String,
    /// Maps offsets in `sql` back to offsets in the file.
    pub map: OffsetMap,
    /// Configured `query_placeholders` matched in the statement and were replaced by a neutral
    /// token before parsing.
    pub templated: bool,
}

/// Offsets in rewritten text -> offsets in the original file: (rewritten, original) at the start
/// of every rewritten or copied run, sorted.
#[derive(Debug, Clone, Default)]
pub struct OffsetMap {
    marks: Vec<(usize, usize)>,
}

impl OffsetMap {
    /// The file offset of `pos` in the rewritten text (a position inside a rewritten placeholder
    /// maps to the placeholder's start).
    pub fn original(&self, pos: usize) -> usize {
        let i = self.marks.partition_point(|&(new, _)| new <= pos);
        match i.checked_sub(1).map(|i| self.marks[i]) {
            Some((new, old)) => old + (pos - new),
            None => pos,
        }
    }

    pub fn span(&self, start: usize, end: usize) -> Span {
        Span::new(self.original(start), self.original(end.max(start)))
    }
}

/// Query files and the statements in them.
#[derive(Debug, Default)]
pub struct QuerySources {
    pub files: Vec<SourceFile>,
    pub queries: Vec<RawQuery>,
    pub problems: Vec<FileProblem>,
    /// Files and directories that could not be read (see [`gather`]).
    pub errors: Vec<SourceError>,
}

/// Loads the query files under `paths` (files, or directories searched for `*.sql`); a file or
/// directory that cannot be read fails the call.
pub fn load(paths: &[PathBuf], max_file_bytes: u64) -> Result<QuerySources> {
    let sources = gather(paths, max_file_bytes)?;
    if let Some(error) = sources.errors.first() {
        bail!("{error}");
    }
    Ok(sources)
}

/// Loads the query files under `paths` as [`load`] does, but a file or directory that cannot be
/// read (permissions, a dangling link, a loop of links) goes to [`QuerySources::errors`] and the
/// rest is still loaded. Symbolic links are followed and named by their own path.
pub fn gather(paths: &[PathBuf], max_file_bytes: u64) -> Result<QuerySources> {
    let opts = super::LoadOptions {
        max_file_bytes,
        ..super::LoadOptions::default()
    };
    gather_templated(paths, &opts, &[])
}

/// [`gather`], with the application's templating placeholders (`query_placeholders` in the
/// config) replaced by a neutral token before statements are split and parsed.
pub fn gather_templated(
    paths: &[PathBuf],
    opts: &super::LoadOptions,
    placeholders: &[regex::Regex],
) -> Result<QuerySources> {
    let mut files: Vec<PathBuf> = vec![];
    let mut out = QuerySources::default();
    for path in paths {
        if path.is_file() {
            files.push(path.clone());
        } else if path.is_dir() {
            let mut found = vec![];
            collect_sql(path, &mut found, &mut out.errors);
            found.sort();
            files.extend(found);
        } else if std::fs::symlink_metadata(path).is_ok() {
            let err = std::io::Error::from(std::io::ErrorKind::NotFound);
            bail!("{}", SourceError::from_io(path, &err));
        } else {
            bail!("query path `{}` does not exist", path.display());
        }
    }
    files.dedup();
    for path in files {
        let index = out.files.len();
        // `opts` may hold a file's text from elsewhere (an editor's buffer).
        let read = match opts.read_text(&path) {
            Ok(read) => read,
            Err(err) => {
                out.errors.push(SourceError::from_io(&path, &err));
                continue;
            }
        };
        match read {
            Ok(text) => {
                out.queries
                    .extend(split_templated(index, &text, placeholders));
                out.files.push(SourceFile::new(path, text));
            }
            Err((at, message)) => {
                out.problems.push(FileProblem {
                    file: index,
                    span: Span::new(at, at),
                    rule: crate::finding::RuleId::SYNTAX_ERROR,
                    message,
                });
                out.files.push(SourceFile::new(path, String::new()));
            }
        }
    }
    Ok(out)
}

/// The `.sql` files under `dir`, following links (a loop is an error, not followed), skipping
/// hidden names.
fn collect_sql(dir: &Path, out: &mut Vec<PathBuf>, errors: &mut Vec<SourceError>) {
    let walker = walkdir::WalkDir::new(dir)
        .follow_links(true)
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'));
    for entry in walker {
        match entry {
            Ok(entry) => {
                if entry.file_type().is_file()
                    && entry.file_name().to_string_lossy().ends_with(".sql")
                {
                    out.push(entry.into_path());
                }
            }
            Err(err) => {
                let path = err.path().unwrap_or(dir).to_path_buf();
                let hidden = path
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with('.'));
                if hidden {
                    continue;
                }
                errors.push(match (err.loop_ancestor(), err.io_error()) {
                    (Some(ancestor), _) => SourceError::new(
                        &path,
                        format!(
                            "symbolic link loop: it leads back to `{}`, which contains it; the loop was not followed",
                            ancestor.display()
                        ),
                    ),
                    (None, Some(io)) => SourceError::from_io(&path, io),
                    (None, None) => SourceError::new(&path, err.to_string()),
                });
            }
        }
    }
}

/// Splits one file's text into queries. Statement boundaries come from PostgreSQL's grammar after
/// placeholders are rewritten; a `-- name:` comment names the statement that follows it.
pub fn split(file: usize, text: &str) -> Vec<RawQuery> {
    split_with(file, text, true, &[])
}

/// [`split`], replacing every match of `placeholders` (templating the application fills in before
/// running the query, like `%order%`) by a neutral token first.
pub fn split_templated(file: usize, text: &str, placeholders: &[regex::Regex]) -> Vec<RawQuery> {
    split_with(file, text, true, placeholders)
}

/// `text` with every match of `placeholders` replaced by a neutral token of the same byte length
/// (`TRUE`, or `1` for a match shorter than four bytes, padded with spaces), so that offsets stay
/// offsets in the file; the byte ranges replaced.
pub fn neutralize(text: &str, placeholders: &[regex::Regex]) -> (String, Vec<(usize, usize)>) {
    if placeholders.is_empty() {
        return (text.to_string(), vec![]);
    }
    // String literals and `--` comments hold no templating (`LIKE '%abc%'` stays as written).
    let mut quiet: Vec<(usize, usize)> = vec![];
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let end = match bytes[i] {
            b'\'' => text[i + 1..]
                .find('\'')
                .map_or(text.len(), |n| i + 1 + n + 1),
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                text[i..].find('\n').map_or(text.len(), |n| i + n)
            }
            _ => {
                i += 1;
                continue;
            }
        };
        quiet.push((i, end));
        i = end;
    }
    let in_quiet = |at: usize| quiet.iter().any(|&(s, e)| s <= at && at < e);
    let mut ranges: Vec<(usize, usize)> = placeholders
        .iter()
        .flat_map(|re| re.find_iter(text).map(|m| (m.start(), m.end())))
        .filter(|&(start, end)| end > start && !in_quiet(start))
        .collect();
    ranges.sort();
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    let mut kept = vec![];
    for (start, end) in ranges {
        if start < at {
            continue; // overlaps a match already replaced
        }
        out.push_str(&text[at..start]);
        let token = if end - start >= 4 { "TRUE" } else { "1" };
        out.push_str(token);
        out.extend(std::iter::repeat_n(' ', end - start - token.len()));
        at = end;
        kept.push((start, end));
    }
    out.push_str(&text[at..]);
    (out, kept)
}

/// Whether a statement that does not parse looks like a template the application fills in
/// before running it: `%name%`, `%s`, `{{name}}`, outside string literals (`LIKE '%abc%'` is no
/// template).
pub fn looks_templated(sql: &str) -> bool {
    let mut code = String::with_capacity(sql.len());
    let mut in_literal = false;
    for c in sql.chars() {
        if c == '\'' {
            in_literal = !in_literal;
            code.push(' ');
        } else {
            code.push(if in_literal { ' ' } else { c });
        }
    }
    static PATTERN: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    PATTERN
        .get_or_init(|| {
            regex::Regex::new(r"%[A-Za-z_][A-Za-z0-9_.]*%|%[sdv]\b|\{\{[^}]*\}\}")
                .expect("a valid pattern")
        })
        .is_match(&code)
}

/// Splits text whose placeholders are already `$n` (such as `pg_stat_statements`' normalized
/// statements), leaving `?` and `:` alone.
pub fn split_normalized(file: usize, text: &str) -> Vec<RawQuery> {
    split_with(file, text, false, &[])
}

fn split_with(
    file: usize,
    text: &str,
    rewrite: bool,
    placeholders: &[regex::Regex],
) -> Vec<RawQuery> {
    let (neutral, replaced) = neutralize(text, placeholders);
    let text = if replaced.is_empty() {
        text
    } else {
        neutral.as_str()
    };
    // psql meta-commands (`\set`, `\i`) are not SQL: blanked, offsets kept.
    let lexed = crate::lex::lex(text);
    let blanked;
    let text = if lexed.meta_commands.is_empty() {
        text
    } else {
        blanked = crate::lex::blank_out(text, &lexed.meta_commands);
        blanked.as_str()
    };
    let sqlc = text.lines().any(|l| {
        parse_name_comment(l).is_some_and(|(_, expect)| expect != Expect::Unknown)
            || l.contains("sqlc.")
    });
    let rewrite = |t: &str| {
        if rewrite {
            rewrite_placeholders(t, sqlc)
        } else {
            (t.to_string(), OffsetMap::default())
        }
    };
    let (sql, map) = rewrite(text);
    let bounds = match crate::parse::statement_bounds(&sql) {
        Ok(b) => b,
        // A syntax error somewhere: split at the top-level semicolons instead, so that only the
        // broken statement is lost (its parse reports the error's place).
        Err(_) => {
            let mut bounds = vec![];
            let mut start = 0;
            for end in crate::lex::lex(&sql).semicolons {
                bounds.push((start, end));
                start = end + 1;
            }
            bounds.push((start, sql.len()));
            bounds
        }
    };
    let bounds = split_at_names(&sql, bounds);
    let mut out = vec![];
    let mut previous_end = 0;
    for (start, end) in bounds {
        let trimmed = trim(&sql, start, end);
        if trimmed.0 >= trimmed.1 {
            continue;
        }
        // The name comment closest before the statement, after the previous statement.
        let lead = &text
            [map.original(previous_end).min(text.len())..map.original(trimmed.0).min(text.len())];
        let (name, expect) = lead
            .lines()
            .rev()
            .find_map(parse_name_comment)
            .map_or((None, Expect::Unknown), |(n, e)| (Some(n), e));
        previous_end = end;
        // Each statement gets its own `$n` numbering: rewrite its original text again.
        let span = map.span(trimmed.0, trimmed.1);
        let (stmt_sql, stmt_map) = rewrite(&text[span.start..span.end]);
        let templated = replaced
            .iter()
            .any(|&(s, e)| s < span.end && e > span.start);
        out.push(RawQuery {
            file,
            span,
            name,
            expect,
            sql: stmt_sql,
            map: stmt_map.shifted(span.start),
            templated,
        });
    }
    out
}

/// In named-query files a `-- name:` comment starts a new query, even where the previous one has
/// no semicolon (yesql and goyesql allow that).
fn split_at_names(sql: &str, bounds: Vec<(usize, usize)>) -> Vec<(usize, usize)> {
    let mut out = vec![];
    for (mut start, end) in bounds {
        let mut line_start = start;
        for line in sql[start..end].split_inclusive('\n') {
            let at = line_start;
            line_start += line.len();
            if at > start && parse_name_comment(line).is_some() {
                let (s, e) = trim(sql, start, at);
                if s < e {
                    out.push((start, at));
                    start = at;
                }
            }
        }
        out.push((start, end));
    }
    out
}

impl OffsetMap {
    fn shifted(mut self, by: usize) -> OffsetMap {
        if self.marks.first().is_none_or(|m| m.0 != 0) {
            self.marks.insert(0, (0, 0));
        }
        for m in &mut self.marks {
            m.1 += by;
        }
        self
    }
}

fn trim(sql: &str, start: usize, end: usize) -> (usize, usize) {
    let bytes = sql.as_bytes();
    let mut s = start;
    // Skip whitespace and comments before the statement.
    loop {
        while s < end && bytes[s].is_ascii_whitespace() {
            s += 1;
        }
        if sql[s..end].starts_with("--") {
            s = sql[s..end].find('\n').map_or(end, |n| s + n);
        } else if sql[s..end].starts_with("/*") {
            s = sql[s..end].find("*/").map_or(end, |n| s + n + 2);
        } else {
            break;
        }
    }
    let mut e = end;
    while e > s && (bytes[e - 1].is_ascii_whitespace() || bytes[e - 1] == b';') {
        e -= 1;
    }
    (s, e)
}

/// `-- name: GetUser :one` (sqlc), `-- name: get-user` (yesql), `-- name: get_user^` (aiosql).
fn parse_name_comment(line: &str) -> Option<(String, Expect)> {
    let rest = line.trim().strip_prefix("--")?.trim_start();
    let rest = rest.strip_prefix("name:")?.trim();
    let mut words = rest.split_whitespace();
    let raw = words.next()?;
    let annotation = words.next();
    let (name, expect) = match annotation {
        Some(":one") | Some(":batchone") => (raw, Expect::One),
        Some(a) if a.starts_with(':') => (raw, Expect::Many),
        _ => {
            // aiosql suffixes: `^` one row, `$` one value; `!`, `<!`, `*!`, `#` are statements.
            if let Some(n) = raw.strip_suffix('^').or_else(|| raw.strip_suffix('$')) {
                (n, Expect::One)
            } else {
                (raw.trim_end_matches(['!', '<', '*', '#']), Expect::Unknown)
            }
        }
    };
    (!name.is_empty()).then(|| (name.to_string(), expect))
}

/// Rewrites driver placeholders to `$n`: `:name` (yesql, aiosql, sqlx named, JDBC named), `?`
/// (JDBC, database/sql), and for sqlc files `@name` and `sqlc.arg(name)` / `sqlc.narg(name)` /
/// `sqlc.slice(name)`. The same name gets the same number. Quotes, dollar quotes, comments,
/// `::` casts, `:=` and `?` operators before a string literal (jsonb) are left alone.
pub fn rewrite_placeholders(text: &str, sqlc: bool) -> (String, OffsetMap) {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len() + 16);
    let mut map = OffsetMap::default();
    let mut names: Vec<(String, usize)> = vec![];
    let mut positional = max_dollar_param(text);
    let mut copied_from = 0;
    let mut i = 0;
    let replace = |out: &mut String,
                   map: &mut OffsetMap,
                   copied_from: &mut usize,
                   at: usize,
                   end: usize,
                   with: String| {
        out.push_str(&text[*copied_from..at]);
        map.marks.push((out.len(), at));
        out.push_str(&with);
        *copied_from = end;
        map.marks.push((out.len(), end));
    };
    let ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'\'' | b'"' => {
                i += 1;
                while i < bytes.len() {
                    if bytes[i] == b && bytes.get(i + 1) == Some(&b) {
                        i += 2;
                    } else if bytes[i] == b {
                        i += 1;
                        break;
                    } else {
                        i += 1;
                    }
                }
            }
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                i = text[i..].find('\n').map_or(bytes.len(), |n| i + n);
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i = text[i + 2..]
                    .find("*/")
                    .map_or(bytes.len(), |n| i + 2 + n + 2);
            }
            b'$' => {
                // A dollar quote `$tag$ ... $tag$`; `$1` is a parameter.
                let tag_end = text[i + 1..]
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .map(|n| i + 1 + n);
                match tag_end {
                    Some(e)
                        if bytes[e] == b'$'
                            && !bytes.get(i + 1).is_some_and(|c| c.is_ascii_digit()) =>
                    {
                        let tag = &text[i..=e];
                        i = text[e + 1..]
                            .find(tag)
                            .map_or(bytes.len(), |n| e + 1 + n + tag.len());
                    }
                    _ => i += 1,
                }
            }
            b':' if bytes.get(i + 1) == Some(&b':') => i += 2,
            b':' if i > 0 && bytes[i - 1] == b':' => i += 1,
            // `:name` (any placeholder style) and, in sqlc files, `@name` (not `<@` or `a@b`).
            b':' | b'@'
                if (b == b':' || sqlc)
                    && text[i + 1..]
                        .chars()
                        .next()
                        .is_some_and(|c| c.is_alphabetic() || c == '_')
                    && !(i > 0 && (ident(bytes[i - 1]) || (b == b'@' && bytes[i - 1] == b'<'))) =>
            {
                let end = text[i + 1..]
                    .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .map_or(bytes.len(), |n| i + 1 + n);
                let name = &text[i + 1..end];
                let n = number_for(&mut names, name, &mut positional);
                replace(
                    &mut out,
                    &mut map,
                    &mut copied_from,
                    i,
                    end,
                    format!("${n}"),
                );
                i = end;
            }
            b's' if sqlc && text[i..].starts_with("sqlc.") && !(i > 0 && ident(bytes[i - 1])) => {
                let rest = &text[i + 5..];
                let open = rest.find('(');
                let close = rest.find(')');
                match (open, close) {
                    (Some(o), Some(c))
                        if o < c && rest[..o].chars().all(|ch| ch.is_ascii_alphabetic()) =>
                    {
                        let name = rest[o + 1..c].trim().trim_matches(['\'', '"']);
                        let end = i + 5 + c + 1;
                        let n = number_for(&mut names, name, &mut positional);
                        replace(
                            &mut out,
                            &mut map,
                            &mut copied_from,
                            i,
                            end,
                            format!("${n}"),
                        );
                        i = end;
                    }
                    _ => i += 1,
                }
            }
            b'?' => {
                // `?` as a placeholder, unless it is the jsonb operator (`?`, `?|`, `?&` before a
                // value) or escaped as `??`.
                let next = text[i + 1..].trim_start().as_bytes().first().copied();
                let operator = matches!(next, Some(b'\'' | b'|' | b'&' | b'?'))
                    || (i > 0 && bytes[i - 1] == b'?');
                if operator {
                    i += 1;
                } else {
                    positional += 1;
                    let n = positional;
                    replace(
                        &mut out,
                        &mut map,
                        &mut copied_from,
                        i,
                        i + 1,
                        format!("${n}"),
                    );
                    i += 1;
                }
            }
            _ => i += 1,
        }
    }
    out.push_str(&text[copied_from..]);
    (out, map)
}

fn number_for(names: &mut Vec<(String, usize)>, name: &str, positional: &mut usize) -> usize {
    if let Some((_, n)) = names.iter().find(|(n, _)| n == name) {
        return *n;
    }
    *positional += 1;
    names.push((name.to_string(), *positional));
    *positional
}

/// The highest `$n` in the text (rewritten placeholders number after it; a prepared statement
/// takes that many parameters).
pub fn max_dollar_param(text: &str) -> usize {
    let bytes = text.as_bytes();
    let mut max = 0;
    for (i, _) in text.match_indices('$') {
        let digits: String = text[i + 1..]
            .chars()
            .take_while(|c| c.is_ascii_digit())
            .collect();
        if !digits.is_empty() && (i == 0 || !bytes[i - 1].is_ascii_alphanumeric()) {
            max = max.max(digits.parse().unwrap_or(0));
        }
    }
    max
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrites_named_and_positional_placeholders() {
        let (sql, _) = rewrite_placeholders(
            "select * from u where email = :email and x::text = ? and y = :email -- :no\n and s = ':no'",
            false,
        );
        assert_eq!(
            sql,
            "select * from u where email = $1 and x::text = $2 and y = $1 -- :no\n and s = ':no'"
        );
        // `$2` maps back to the `?`, and text after it keeps its place.
        let text = "select * from u where email = :email and x::text = ? and y = :email";
        let (sql, map) = rewrite_placeholders(text, false);
        assert_eq!(
            map.original(sql.find("$2").unwrap()),
            text.find('?').unwrap()
        );
        assert_eq!(
            map.original(sql.find("and y").unwrap()),
            text.find("and y").unwrap()
        );
    }

    #[test]
    fn jsonb_operators_and_casts_are_not_placeholders() {
        let (sql, _) = rewrite_placeholders(
            "select 1 from t where d ? 'k' and d ?| array['a'] and c::int = 1 and f := 2",
            false,
        );
        assert!(sql.contains("d ? 'k'") && sql.contains("?|") && sql.contains("c::int"));
    }

    #[test]
    fn sqlc_arguments() {
        let (sql, _) = rewrite_placeholders(
            "select * from u where org = @org_id and name = sqlc.arg(name) and org2 = @org_id and b <@ c",
            true,
        );
        assert_eq!(
            sql,
            "select * from u where org = $1 and name = $2 and org2 = $1 and b <@ c"
        );
    }

    #[test]
    fn splits_named_queries() {
        let text = "-- name: GetUser :one\nSELECT * FROM users WHERE id = $1;\n\n-- name: ListUsers :many\nSELECT * FROM users\nWHERE org = $1;\n-- name: get_by_email^\nselect * from users where email = :email;\n";
        let q = split(0, text);
        assert_eq!(q.len(), 3);
        assert_eq!(q[0].name.as_deref(), Some("GetUser"));
        assert_eq!(q[0].expect, Expect::One);
        assert_eq!(
            &text[q[0].span.start..q[0].span.end],
            "SELECT * FROM users WHERE id = $1"
        );
        assert_eq!(q[1].expect, Expect::Many);
        assert_eq!(q[2].name.as_deref(), Some("get_by_email"));
        assert_eq!(q[2].expect, Expect::One);
        assert_eq!(q[2].sql, "select * from users where email = $1");
        assert_eq!(
            q[2].map.original(q[2].sql.find("$1").unwrap()),
            text.find(":email").unwrap()
        );
    }
    #[cfg(unix)]
    #[test]
    fn linked_query_files_are_read_and_broken_links_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let q = dir.path().join("queries");
        std::fs::create_dir_all(&q).unwrap();
        std::fs::write(dir.path().join("shared.sql"), "SELECT 1;").unwrap();
        std::os::unix::fs::symlink(dir.path().join("shared.sql"), q.join("a.sql")).unwrap();
        std::os::unix::fs::symlink(dir.path().join("gone.sql"), q.join("b.sql")).unwrap();
        std::os::unix::fs::symlink(&q, q.join("again")).unwrap();
        let sources = gather(std::slice::from_ref(&q), 1 << 20).unwrap();
        assert_eq!(sources.files.len(), 1);
        assert!(sources.files[0].path.ends_with("queries/a.sql"));
        let errors: Vec<String> = sources.errors.iter().map(ToString::to_string).collect();
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(
            errors
                .iter()
                .any(|e| e.contains("again`: symbolic link loop")),
            "{errors:?}"
        );
        assert!(
            errors
                .iter()
                .any(|e| e.contains("b.sql`: dangling symbolic link")),
            "{errors:?}"
        );
        // `load` (prove) fails on them.
        assert!(load(&[q], 1 << 20).is_err());
    }
}
