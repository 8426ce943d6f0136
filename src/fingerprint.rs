//! Stable fingerprints of findings: what a finding is, not where it is. Baselines
//! (`pgproof-baseline.json`), SARIF `partialFingerprints` and GitLab Code Quality read them. No IO.
//!
//! A fingerprint hashes the rule id, the object a schema finding is about (table and member), and
//! the finding's statement normalised: parsed and deparsed by libpg_query, so whitespace,
//! comments, keyword case, optional noise words (`ADD` for `ADD COLUMN`) and type spellings
//! (`int` for `integer`) do not count, while every name, type and constant does. Text that does not
//! parse (a syntax error, a templated query) is normalised lexically: comments dropped, whitespace
//! collapsed, case folded outside quotes. A schema finding (about an object of the final schema)
//! hashes no statement: it is about the object, wherever that was created.
//!
//! Neither the file nor a position is part of it: moving a statement, reformatting it, renaming or
//! renumbering its migration, or adding migrations before it keep the fingerprint; changing what
//! the statement does changes it. Findings with equal keys (the same statement in two migrations,
//! or one statement found twice by one rule) are told apart by their rank among themselves in
//! report order (file, then position): the first keeps the bare hash, the `n`th gets `-n`.

use crate::finding::Finding;
use crate::span::Span;
use rustc_hash::FxHashMap;
use std::path::Path;

/// The name of this fingerprint scheme: SARIF's `partialFingerprints` key, and the baseline
/// file's `fingerprint` field. A change to what is hashed gets a new name.
pub const SCHEME: &str = "pgproof/v1";

/// Statements longer than this are normalised lexically: deparsing a seed-data `INSERT` of many
/// MiB would cost more than the rest of the fingerprinting.
const DEPARSE_LIMIT: usize = 1 << 20;

/// Sets every finding's [`Finding::fingerprint`]. `findings` are sorted (the ranks among equal
/// keys follow their order); `text_of` gives a file's text (a finding whose file has none hashes
/// its message instead of a statement). Each file's findings are keyed on their own thread; the
/// ranks are then given in order.
pub fn assign<'t>(findings: &mut [Finding], text_of: impl Fn(&Path) -> Option<&'t str> + Sync) {
    use rayon::prelude::*;
    // Runs of findings in one file (sorted findings come grouped by file).
    let mut runs = vec![];
    let mut start = 0;
    for i in 1..=findings.len() {
        if i == findings.len() || findings[i].file != findings[start].file {
            runs.push(start..i);
            start = i;
        }
    }
    let keys: Vec<Vec<u64>> = runs
        .into_par_iter()
        .map(|run| {
            let run = &findings[run];
            let mut statements = FileStatements::new(run.first().and_then(|f| text_of(&f.file)));
            run.iter().map(|f| key(f, &mut statements)).collect()
        })
        .collect();
    let mut seen: FxHashMap<u64, usize> = FxHashMap::default();
    for (f, key) in findings.iter_mut().zip(keys.into_iter().flatten()) {
        f.fingerprint = Some(ranked(key, &mut seen));
    }
}

/// Fingerprints of findings named by a database object rather than a statement (`audit`): rule
/// and object, ranked among equal keys as [`assign`] ranks them.
pub fn of_objects<'a>(findings: impl IntoIterator<Item = (&'a str, &'a str)>) -> Vec<String> {
    let mut seen: FxHashMap<u64, usize> = FxHashMap::default();
    findings
        .into_iter()
        .map(|(rule, object)| {
            let key = fnv1a(&[rule, "live object", object]);
            ranked(key, &mut seen)
        })
        .collect()
}

/// `key` as a fingerprint: bare the first time, `-n` the `n`th.
fn ranked(key: u64, seen: &mut FxHashMap<u64, usize>) -> String {
    let rank = seen.entry(key).or_default();
    *rank += 1;
    if *rank == 1 {
        format!("{key:016x}")
    } else {
        format!("{key:016x}-{rank}")
    }
}

/// The hash of what `f` is: rule, object, normalised statement.
fn key(f: &Finding, statements: &mut FileStatements<'_>) -> u64 {
    let rule: &str = &f.rule;
    if let Some((table, member)) = f.object.as_deref() {
        let (kind, name) = member.as_ref().map_or(("", ""), |m| (m.kind(), m.name()));
        return fnv1a(&[rule, "object", &table.schema, &table.name, kind, name]);
    }
    match statements.digest(f.span) {
        Some(digest) => fnv1a(&[rule, "statement", &format!("{digest:016x}")]),
        // Nothing to hash but what the finding says (an empty statement, a file without text).
        None => fnv1a(&[rule, "message", &f.message]),
    }
}

/// One file's statements, and the hash of each normalised statement asked about (a statement
/// with several findings is normalised once).
struct FileStatements<'t> {
    text: Option<&'t str>,
    bounds: Option<Vec<Span>>,
    digests: FxHashMap<Span, Option<u64>>,
}

impl<'t> FileStatements<'t> {
    fn new(text: Option<&'t str>) -> Self {
        FileStatements {
            text,
            bounds: None,
            digests: FxHashMap::default(),
        }
    }

    /// The hash of the normalised statement `span` starts in; None without text, or when the
    /// statement normalises to nothing.
    fn digest(&mut self, span: Span) -> Option<u64> {
        let text = self.text?;
        let bounds = self.bounds.get_or_insert_with(|| statement_bounds(text).0);
        let statement = statement_around(bounds, text, span);
        *self.digests.entry(statement).or_insert_with(|| {
            let normalised = normalise(&text[statement.start..statement.end]);
            (!normalised.is_empty()).then(|| fnv1a(&[&normalised]))
        })
    }
}

/// The statements of `text`, and whether the grammar confirmed them (byte-exact bounds, each
/// ending before its `;`); when the text does not parse, it is cut at the lexer's top-level
/// semicolons instead.
pub fn statement_bounds(text: &str) -> (Vec<Span>, bool) {
    match crate::parse::statement_bounds(text) {
        Ok(bounds) => (
            bounds.into_iter().map(|(s, e)| Span::new(s, e)).collect(),
            true,
        ),
        Err(_) => {
            let mut start = 0;
            let mut bounds = vec![];
            for semicolon in crate::lex::lex(text).semicolons {
                bounds.push(Span::new(start, semicolon));
                start = semicolon + 1;
            }
            if start < text.len() {
                bounds.push(Span::new(start, text.len()));
            }
            (bounds, false)
        }
    }
}

/// The statement of `bounds` that `span` starts in; the span itself when it starts in none (a
/// comment between statements).
pub fn statement_around(bounds: &[Span], text: &str, span: Span) -> Span {
    let at = span.start;
    let i = bounds.partition_point(|b| b.start <= at);
    let found = i
        .checked_sub(1)
        .map(|i| bounds[i])
        .filter(|b| at < b.end.max(b.start + 1));
    let span = found.unwrap_or(span);
    let end = span.end.min(text.len());
    Span::new(span.start.min(end), end).on_char_boundaries(text)
}

/// `sql` in a normal form: libpg_query's deparse of its tree, or (when it does not parse) the
/// lexical normal form of [`lexical`].
pub fn normalise(sql: &str) -> String {
    if sql.len() <= DEPARSE_LIMIT {
        if let Some(tree) = crate::parse::parse_tree_only(sql) {
            if let Ok(text) = pg_query::deparse(&tree, pg_query::DeparseOptions::default()) {
                return text;
            }
        }
    }
    lexical(sql)
}

/// `sql` with comments dropped, whitespace kept only between two word characters (as one space),
/// and letters outside quotes in lower case.
pub fn lexical(sql: &str) -> String {
    let word = |c: char| c.is_alphanumeric() || matches!(c, '_' | '$' | '\'' | '"');
    let mut out = String::with_capacity(sql.len());
    let mut space = false;
    let mut chars = sql.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let rest = &sql[i..];
        let quoted_end = if c == '\'' || c == '"' {
            Some(quote_end(rest, c))
        } else if c == '$' {
            dollar_quote_end(rest)
        } else {
            None
        };
        if rest.starts_with("--") {
            let end = rest.find('\n').unwrap_or(rest.len());
            skip_to(&mut chars, i + end);
            space = true;
            continue;
        }
        if rest.starts_with("/*") {
            skip_to(&mut chars, i + block_comment_end(rest));
            space = true;
            continue;
        }
        if c.is_whitespace() {
            space = true;
            continue;
        }
        if space && out.ends_with(word) && word(c) {
            out.push(' ');
        }
        space = false;
        match quoted_end {
            Some(end) => {
                out.push_str(&rest[..end]);
                skip_to(&mut chars, i + end);
            }
            None => out.extend(c.to_lowercase()),
        }
    }
    out
}

/// The length of the whitespace and comments `sql` starts with.
pub fn leading_trivia(sql: &str) -> usize {
    let mut at = 0;
    loop {
        let rest = &sql[at..];
        let trimmed = rest.trim_start();
        at += rest.len() - trimmed.len();
        if trimmed.starts_with("--") {
            at += trimmed.find('\n').unwrap_or(trimmed.len());
        } else if trimmed.starts_with("/*") {
            at += trimmed.find("*/").map_or(trimmed.len(), |n| n + 2);
        } else {
            return at;
        }
    }
}

/// Advances `chars` to byte offset `to`.
fn skip_to(chars: &mut std::iter::Peekable<std::str::CharIndices<'_>>, to: usize) {
    while chars.peek().is_some_and(|&(i, _)| i < to) {
        chars.next();
    }
}

/// The length of the quoted string or identifier `rest` starts with (doubled quotes escape).
fn quote_end(rest: &str, quote: char) -> usize {
    let bytes = rest.as_bytes();
    let q = quote as u8;
    let mut i = 1;
    while i < bytes.len() {
        if bytes[i] == q {
            if bytes.get(i + 1) == Some(&q) {
                i += 2;
                continue;
            }
            return i + 1;
        }
        i += 1;
    }
    rest.len()
}

/// The length of the dollar-quoted string `rest` starts with, if it starts with one.
fn dollar_quote_end(rest: &str) -> Option<usize> {
    let tag_len = rest[1..].find('$')? + 2;
    let tag = &rest[..tag_len];
    if !tag[1..tag_len - 1]
        .chars()
        .all(|c| c.is_alphanumeric() || c == '_')
    {
        return None;
    }
    Some(
        rest[tag_len..]
            .find(tag)
            .map_or(rest.len(), |n| tag_len + n + tag_len),
    )
}

/// The length of the (possibly nested) block comment `rest` starts with.
fn block_comment_end(rest: &str) -> usize {
    let bytes = rest.as_bytes();
    let (mut depth, mut i) = (1, 2);
    while i < bytes.len() && depth > 0 {
        if bytes[i..].starts_with(b"/*") {
            depth += 1;
            i += 2;
        } else if bytes[i..].starts_with(b"*/") {
            depth -= 1;
            i += 2;
        } else {
            i += 1;
        }
    }
    i.min(rest.len())
}

/// 64-bit FNV-1a over `parts`, each ended by a zero byte: the same on every run and platform.
pub fn fnv1a(parts: &[&str]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for byte in part.bytes().chain(std::iter::once(0)) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reformatting_keeps_the_normal_form_and_meaning_changes_it() {
        let a = normalise("ALTER TABLE orders ADD COLUMN note text NOT NULL DEFAULT 'x'");
        let b = normalise(
            "alter table\n  orders\n  -- why\n  add note TEXT not null default 'x' /* c */",
        );
        assert_eq!(a, b);
        assert_ne!(
            a,
            normalise("ALTER TABLE orders ADD COLUMN memo text NOT NULL DEFAULT 'x'")
        );
        assert_ne!(
            a,
            normalise("ALTER TABLE orders ADD COLUMN note text NOT NULL DEFAULT 'y'")
        );
        assert_ne!(
            normalise("ALTER TABLE t ALTER COLUMN c TYPE varchar(10)"),
            normalise("ALTER TABLE t ALTER COLUMN c TYPE varchar(20)")
        );
    }

    #[test]
    fn text_that_does_not_parse_is_normalised_lexically() {
        let a = normalise("SELECT * FROM t WHERE id = :id -- note\n");
        assert_eq!(a, "select*from t where id=:id");
        assert_eq!(a, normalise("select *\n  from T where id=:id"));
        // Quoted text keeps its case and spaces; dollar quotes and comments are read whole.
        assert_eq!(
            lexical("SELECT 'A  b', \"Q r\" , $x$ Y; -- $x$ /* a /* b */ c */ FROM"),
            "select 'A  b',\"Q r\",$x$ Y; -- $x$ from"
        );
    }

    #[test]
    fn live_objects_are_fingerprinted_by_rule_and_object_and_ranked() {
        let prints = of_objects([
            ("unused-index", "public.orders_idx"),
            ("unused-index", "public.orders_idx"),
            ("unused-index", "public.users_idx"),
        ]);
        assert_eq!(prints[1], format!("{}-2", prints[0]));
        assert_ne!(prints[0], prints[2]);
        assert_eq!(
            of_objects([("unused-index", "public.users_idx")])[0],
            prints[2]
        );
    }

    #[test]
    fn statements_are_found_around_spans() {
        let text = "CREATE TABLE t (id int);\n-- note\nCREATE INDEX i ON t (id);\n";
        let (bounds, exact) = statement_bounds(text);
        assert!(exact);
        let at = text.find("ON t").expect("in the text");
        let s = statement_around(&bounds, text, Span::new(at, at + 4));
        assert!(text[s.start..s.end]
            .trim()
            .ends_with("CREATE INDEX i ON t (id)"));
        // Without the grammar (a syntax error), the lexer's semicolons cut the text.
        let broken = "CREATE TABLE t (id int);\nCREATE TABL u;\nSELECT 1;";
        let (bounds, exact) = statement_bounds(broken);
        assert!(!exact);
        let at = broken.find("TABL u").expect("in the text");
        let s = statement_around(&bounds, broken, Span::new(at, at));
        assert_eq!(broken[s.start..s.end].trim(), "CREATE TABL u");
    }
}
