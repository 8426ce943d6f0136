//! A recipe whose steps cannot share the flagged migration's transaction, split into a migration
//! of its own: the steps that must run apart (`CREATE INDEX CONCURRENTLY`, the `VALIDATE
//! CONSTRAINT` after `NOT VALID`) move to a new migration right after the flagged one, named as
//! the layout names migrations and marked, in the runner's own words, to run outside a transaction
//! when a step needs that; the step that undoes them moves from the old down part to the new one.
//! The caller lints the whole set again with the result before anything is written.

use crate::fix::{Edit, Statements};
use crate::source::layout::SQLX_NO_TX;
use crate::source::version::Version;
use std::path::{Path, PathBuf};

/// What a split writes.
#[derive(Debug)]
pub(super) struct Split {
    /// Edits of files that exist, by path as shown: the flagged file's first.
    pub edits: Vec<(PathBuf, Edit)>,
    /// The new migration's files, by path as shown (beside the flagged migration's), and texts.
    pub created: Vec<(PathBuf, String)>,
    /// What the split did, for the summary.
    pub note: String,
    /// A new migration (not a file beside the flagged one turning its transaction off).
    pub new_migration: bool,
}

/// The split of `edit` (a recipe replacing a statement of `file`, whose current text is `text`)
/// in the set's `layout`; `read` gives the current text of another file of the set, None when it
/// does not exist; `made` are the files this run's earlier splits create. Err says why it cannot
/// be split.
///
/// A statement alone in a diesel or Flyway migration stays there, with the file beside it that
/// turns the runner's transaction off (`metadata.toml`, `.sql.conf`) created.
pub(super) fn split_out(
    file: &Path,
    text: &str,
    statements: &Statements,
    edit: &Edit,
    layout: &str,
    read: &dyn Fn(&Path) -> Option<String>,
    made: &[PathBuf],
) -> Result<Split, String> {
    let (stay, moved) = parts(&edit.text);
    if moved.is_empty() {
        return Err("the recipe has no step to move".into());
    }
    let steps: Vec<&str> = {
        let split = Statements::of(moved);
        split
            .bounds
            .iter()
            .map(|b| moved[b.start..b.end].trim())
            .filter(|s| !s.is_empty())
            .collect()
    };
    let alone = statements.bounds.len() == 1
        && statements.bounds[0].start <= edit.start
        && edit.start < statements.bounds[0].end.max(statements.bounds[0].start + 1);
    // (diesel sends a migration without a transaction as one message: see `one_message`.)
    if alone && stay.is_empty() && !(layout == "diesel" && steps.len() > 1) {
        let newline = if text.contains("\r\n") { "\r\n" } else { "\n" };
        let beside = match layout {
            "diesel" if file_name(file) == "up.sql" => Some((
                file.with_file_name("metadata.toml"),
                format!("run_in_transaction = false{newline}"),
            )),
            "flyway" => Some((
                PathBuf::from(format!("{}.conf", file.display())),
                format!("executeInTransaction=false{newline}"),
            )),
            _ => None,
        };
        if let Some((path, content)) = beside.filter(|(path, _)| read(path).is_none()) {
            return Ok(Split {
                note: format!(
                    "with `{}` beside it to turn the runner's transaction off",
                    path.display()
                ),
                edits: vec![(file.to_path_buf(), edit.clone())],
                created: vec![(path, content)],
                new_migration: false,
            });
        }
    }
    let apart = steps
        .iter()
        .any(|s| words(s).iter().any(|w| w == "concurrently"));
    let undo: Option<Vec<String>> = steps
        .iter()
        .rev()
        .map(|s| undo_of(s))
        .filter(|u| u.as_ref().is_none_or(|u| !u.is_empty()))
        .collect();
    let dir = file.parent().unwrap_or(Path::new("."));
    let name = file_name(file);
    // The flagged migration's version as written, the rest of its name, and where its down part
    // is: another file, or the text after a section marker in the same file.
    let down_marker = |marker: &str| {
        let mut at = 0;
        for line in text.split_inclusive('\n') {
            if line.trim_start().to_ascii_lowercase().starts_with(marker) {
                return Some(at + line.len());
            }
            at += line.len();
        }
        None
    };
    enum Down {
        File(PathBuf),
        Section(usize),
        None,
    }
    let (set_dir, raw, rest, down) = match layout {
        "sqlx" | "golang-migrate" => {
            let (stem, paired) = match name.strip_suffix(".up.sql") {
                Some(stem) => (stem, true),
                None if layout == "sqlx" => (name.strip_suffix(".sql").unwrap_or(&name), false),
                None => return Err("the file is not named `<version>_<name>.up.sql`".into()),
            };
            let (raw, rest) = version_and_rest(stem)?;
            let down = dir.join(format!("{stem}.down.sql"));
            let down = if paired && read(&down).is_some() {
                Down::File(down)
            } else {
                Down::None
            };
            (dir.to_path_buf(), raw, rest, down)
        }
        "goose" | "dbmate" => {
            let stem = name.strip_suffix(".sql").unwrap_or(&name);
            let (raw, rest) = version_and_rest(stem)?;
            let marker = if layout == "goose" {
                "-- +goose down"
            } else {
                "-- migrate:down"
            };
            let down = down_marker(marker).map_or(Down::None, Down::Section);
            (dir.to_path_buf(), raw, rest, down)
        }
        "diesel" => {
            if name != "up.sql" {
                return Err("the file is not a migration's `up.sql`".into());
            }
            let folder = file_name(dir);
            let (raw, rest) = version_and_rest(&folder)?;
            let down = dir.join("down.sql");
            let down = if read(&down).is_some() {
                Down::File(down)
            } else {
                Down::None
            };
            (
                dir.parent().unwrap_or(Path::new(".")).to_path_buf(),
                raw,
                rest,
                down,
            )
        }
        "flyway" => {
            let stem = name
                .strip_prefix('V')
                .and_then(|n| n.strip_suffix(".sql"))
                .ok_or("the file is not a versioned Flyway migration (`V<version>__<name>.sql`)")?;
            let (raw, rest) = stem
                .split_once("__")
                .ok_or("the file is not named `V<version>__<name>.sql`")?;
            let undo_file = dir.join(format!("U{stem}.sql"));
            let down = if read(&undo_file).is_some() {
                Down::File(undo_file)
            } else {
                Down::None
            };
            (dir.to_path_buf(), raw.to_string(), rest.to_string(), down)
        }
        _ => {
            return Err(format!(
                "pgproof cannot name a new migration of the {} layout: move the steps by hand",
                if layout.is_empty() { "set's" } else { layout }
            ))
        }
    };
    // The new migration has a down part when the old one has, and in the layouts whose
    // migrations come in up/down pairs (when pgproof can tell what it undoes).
    let paired = matches!(layout, "sqlx" | "golang-migrate") && name.ends_with(".up.sql")
        || layout == "diesel";
    let (has_down, undo) = match (&down, undo) {
        (Down::None, Some(undo)) if paired => (true, undo),
        (Down::None, _) => (false, vec![]),
        (_, Some(undo)) => (true, undo),
        (_, None) => {
            return Err(
                "pgproof cannot tell what the new migration's down part would undo: move the steps by hand".into(),
            )
        }
    };
    let what = if apart
        && steps
            .iter()
            .any(|s| words(s).first().is_some_and(|w| w == "create"))
    {
        "concurrently"
    } else if steps
        .iter()
        .any(|s| words(s).iter().any(|w| w == "validate"))
    {
        "validate"
    } else {
        "outside_transaction"
    };
    let new_name = if rest.is_empty() {
        what.to_string()
    } else {
        format!("{rest}_{what}")
    };
    let newline = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let lines = |sql: &[String]| -> String {
        let mut out = String::new();
        for s in sql {
            out.push_str(&s.replace("\r\n", "\n").replace('\n', newline));
            out.push_str(newline);
        }
        out
    };
    // These runners send a migration without a transaction as one message, which PostgreSQL
    // runs as one implicit transaction when it holds several statements: a step that cannot run
    // in a transaction must be alone in its file (so no `lock_timeout` prelude either).
    let one_message = apart && matches!(layout, "sqlx" | "golang-migrate" | "dbmate" | "diesel");
    if one_message && steps.len() > 1 {
        return Err("its steps cannot share one implicit transaction, and the runner sends each migration file as one message: they need a migration each; move them by hand".into());
    }
    // The new migration waits for its locks no longer than the old one did (its `SET
    // lock_timeout` comes along), and a step that takes a lock blocking reads or writes (any
    // `ALTER` but a validation) gets the prelude `missing-lock-timeout` would write.
    let timeout = statements
        .bounds
        .iter()
        .filter(|b| b.end <= edit.start)
        .map(|b| text[b.start..b.end].trim())
        .find(|s| {
            let w = words(s);
            w.first().is_some_and(|w| w == "set")
                && w.iter().skip(1).take(2).any(|w| w == "lock_timeout")
        })
        .or_else(|| {
            steps
                .iter()
                .any(|s| {
                    let w = words(s);
                    w.first().is_some_and(|w| w == "alter")
                        && undo_of(s).is_none_or(|u| !u.is_empty())
                })
                .then_some("SET lock_timeout = '5s'")
        })
        .filter(|_| !one_message);
    let up_sql = lines(
        &timeout
            .into_iter()
            .chain(steps.iter().copied())
            .map(with_semicolon)
            .collect::<Vec<_>>(),
    );
    let down_sql = if undo.is_empty() {
        format!("-- nothing to undo: the up part only validates or rebuilds what exists{newline}")
    } else {
        lines(&undo)
    };

    // The flagged file: the statement gives way to the steps that stay (or goes, line and all).
    let mut edits = vec![(
        file.to_path_buf(),
        removal(text, edit.start, edit.end, stay),
    )];
    // The old down part: the statement undoing a moved step moves to the new down part.
    if !undo.is_empty() {
        match &down {
            Down::File(path) => {
                if let Some(down_text) = read(path) {
                    for (start, end) in undoing(&down_text, 0, &undo)? {
                        edits.push((path.clone(), removal(&down_text, start, end, "")));
                    }
                }
            }
            Down::Section(from) => {
                for (start, end) in undoing(text, *from, &undo)? {
                    edits.push((file.to_path_buf(), removal(text, start, end, "")));
                }
            }
            Down::None => {}
        }
    }

    let mark_sqlx = |sql: &str| {
        if apart {
            format!("{SQLX_NO_TX}{newline}{sql}")
        } else {
            sql.to_string()
        }
    };
    // The new migration's files with `version`.
    let files = |version: &str| -> Vec<(PathBuf, String)> {
        let mut created = vec![];
        match layout {
            "sqlx" | "golang-migrate" => {
                let mark = |sql: &str| {
                    if layout == "sqlx" {
                        mark_sqlx(sql)
                    } else {
                        sql.to_string()
                    }
                };
                if has_down || name.ends_with(".up.sql") {
                    created.push((
                        dir.join(format!("{version}_{new_name}.up.sql")),
                        mark(&up_sql),
                    ));
                    if has_down {
                        created.push((
                            dir.join(format!("{version}_{new_name}.down.sql")),
                            mark(&down_sql),
                        ));
                    }
                } else {
                    created.push((dir.join(format!("{version}_{new_name}.sql")), mark(&up_sql)));
                }
            }
            "goose" => {
                let mut sql = String::new();
                if apart {
                    sql.push_str(&format!("-- +goose NO TRANSACTION{newline}"));
                }
                sql.push_str(&format!("-- +goose Up{newline}{up_sql}"));
                if has_down {
                    sql.push_str(&format!("{newline}-- +goose Down{newline}{down_sql}"));
                }
                created.push((dir.join(format!("{version}_{new_name}.sql")), sql));
            }
            "dbmate" => {
                let off = if apart { " transaction:false" } else { "" };
                let mut sql = format!("-- migrate:up{off}{newline}{up_sql}");
                if has_down {
                    sql.push_str(&format!("{newline}-- migrate:down{off}{newline}{down_sql}"));
                }
                created.push((dir.join(format!("{version}_{new_name}.sql")), sql));
            }
            "diesel" => {
                let folder = set_dir.join(format!("{version}_{new_name}"));
                created.push((folder.join("up.sql"), up_sql.clone()));
                if has_down {
                    created.push((folder.join("down.sql"), down_sql.clone()));
                }
                if apart {
                    created.push((
                        folder.join("metadata.toml"),
                        format!("run_in_transaction = false{newline}"),
                    ));
                }
            }
            _ => {
                // Flyway.
                let file = dir.join(format!("V{version}__{new_name}.sql"));
                let conf = PathBuf::from(format!("{}.conf", file.display()));
                created.push((file, up_sql.clone()));
                if apart {
                    created.push((conf, format!("executeInTransaction=false{newline}")));
                }
                if has_down {
                    // An undo script is a script of its own: its own `.conf` turns its
                    // transaction off.
                    let undo = dir.join(format!("U{version}__{new_name}.sql"));
                    if apart {
                        created.push((
                            PathBuf::from(format!("{}.conf", undo.display())),
                            format!("executeInTransaction=false{newline}"),
                        ));
                    }
                    created.push((undo, down_sql.clone()));
                }
            }
        }
        created
    };
    // The first version after the migration's whose files are not there (an earlier split of
    // the same migration took the first).
    let existing = versions_in(&set_dir, layout);
    // Versions this run's earlier splits took (their files are not on disk yet).
    let taken: Vec<Version> = made
        .iter()
        .filter_map(|path| {
            let name = match layout {
                "diesel" => path.parent().map(file_name)?,
                _ => file_name(path),
            };
            let name = match layout {
                "flyway" => name.strip_prefix(['V', 'U'])?.replace("__", " "),
                _ => name,
            };
            parse_version(&name, layout)
        })
        .collect();
    let mut step = 1;
    let created = loop {
        let version = next_version(&raw, layout, &existing, step)?;
        let created = files(&version);
        let free = parse_version(&version, layout).is_some_and(|v| !taken.contains(&v))
            && created.iter().all(|(path, _)| read(path).is_none());
        match created.first() {
            _ if free => break created,
            Some((path, _)) if step == 9 => {
                return Err(format!("`{}` exists already", path.display()))
            }
            _ => step += 1,
        }
    };
    let note = format!(
        "in a new migration after it: {}",
        created
            .first()
            .map(|(p, _)| p.display().to_string())
            .unwrap_or_default()
    );
    Ok(Split {
        edits,
        created,
        note,
        new_migration: true,
    })
}

/// A recipe's steps that stay in place of the statement, and those that must run in a
/// transaction of their own: after its `-- in a separate transaction` line, or all of them when
/// it has none.
fn parts(recipe: &str) -> (&str, &str) {
    let mut at = 0;
    for line in recipe.split_inclusive('\n') {
        if line
            .trim_start()
            .to_ascii_lowercase()
            .starts_with("-- in a separate transaction")
        {
            return (recipe[..at].trim_end(), recipe[at + line.len()..].trim());
        }
        at += line.len();
    }
    ("", recipe.trim())
}

/// The statement that undoes a moved step, None when pgproof cannot tell; "" for a step that
/// changes no schema object (validating, reindexing, refreshing), which has nothing to undo.
fn undo_of(step: &str) -> Option<String> {
    let w = words(step);
    let w: Vec<&str> = w.iter().map(String::as_str).collect();
    match w.as_slice() {
        ["alter", "table" | "domain", .., "validate", "constraint", _]
        | ["reindex", ..]
        | ["refresh", "materialized", "view", "concurrently", ..] => Some(String::new()),
        ["create", "index" | "unique", ..] => {
            let (name, table) = index_name(step)?;
            // An index lives in its table's schema.
            let name = match table.rsplit_once('.') {
                Some((schema, _)) if !name.contains('.') => format!("{schema}.{name}"),
                _ => name,
            };
            Some(format!("DROP INDEX CONCURRENTLY IF EXISTS {name};"))
        }
        _ => None,
    }
}

/// The name a `CREATE [UNIQUE] INDEX CONCURRENTLY [IF NOT EXISTS] name ON [ONLY] table` step
/// gives its index (as written) and its table; None for an index it leaves to the server to name.
fn index_name(step: &str) -> Option<(String, String)> {
    let tokens: Vec<&str> = step.split_whitespace().collect();
    let lower: Vec<String> = tokens.iter().map(|t| t.to_ascii_lowercase()).collect();
    let on = lower.iter().position(|t| t == "on")?;
    let mut i = lower.iter().position(|t| t == "index")? + 1;
    if lower.get(i).is_some_and(|t| t == "concurrently") {
        i += 1;
    }
    if lower[i..].starts_with(&["if".into(), "not".into(), "exists".into()]) {
        i += 3;
    }
    if i + 1 != on {
        return None;
    }
    let mut t = on + 1;
    if lower.get(t).is_some_and(|w| w == "only") {
        t += 1;
    }
    let table = tokens.get(t)?.split('(').next()?.to_string();
    Some((tokens[i].to_string(), table))
}

/// The spans of the statements of `text` from `from` on that drop an index `undo` drops
/// (`DROP INDEX [CONCURRENTLY] [IF EXISTS] name [CASCADE | RESTRICT]`), through their `;`. Err
/// when one drops it together with other indexes (it cannot simply move).
fn undoing(text: &str, from: usize, undo: &[String]) -> Result<Vec<(usize, usize)>, String> {
    let dropped: Vec<String> = undo
        .iter()
        .filter_map(|u| u.trim_end_matches(';').split_whitespace().last())
        .map(unquoted_name)
        .collect();
    let split = Statements::of(text);
    let mut out = vec![];
    for b in split.bounds.iter().filter(|b| b.start >= from) {
        let start = first_token(text, b.start, b.end);
        let sql = text[start..b.end].trim_end().trim_end_matches(';');
        let tokens: Vec<&str> = sql.split_whitespace().collect();
        let lower: Vec<String> = tokens.iter().map(|t| t.to_ascii_lowercase()).collect();
        if lower.len() < 3 || lower[0] != "drop" || lower[1] != "index" {
            continue;
        }
        let mut i = 2;
        if lower[i] == "concurrently" {
            i += 1;
        }
        if lower[i..].starts_with(&["if".into(), "exists".into()]) {
            i += 2;
        }
        let mut last = tokens.len();
        if last > i && matches!(lower[last - 1].as_str(), "cascade" | "restrict") {
            last -= 1;
        }
        let names: Vec<String> = tokens[i..last]
            .join(" ")
            .split(',')
            .map(|n| unquoted_name(n.trim()))
            .filter(|n| !n.is_empty())
            .collect();
        let bare = |n: &str| n.rsplit('.').next().unwrap_or(n).to_string();
        let same = |a: &String, d: &String| {
            if a.contains('.') && d.contains('.') {
                a == d
            } else {
                bare(a) == bare(d)
            }
        };
        if !names.iter().any(|n| dropped.iter().any(|d| same(n, d))) {
            continue;
        }
        if names.len() > 1 {
            return Err(
                "the old down part drops the index together with others in one statement: move the steps by hand".into(),
            );
        }
        let end = b.end + usize::from(text[b.end..].starts_with(';'));
        out.push((start, end));
    }
    Ok(out)
}

/// Where the statement in `start..end` of `text` starts: after blanks and comments.
fn first_token(text: &str, start: usize, end: usize) -> usize {
    let mut at = start;
    loop {
        let rest = &text[at..end];
        let trimmed = rest.trim_start();
        at += rest.len() - trimmed.len();
        if trimmed.starts_with("--") {
            at += trimmed.find('\n').map_or(trimmed.len(), |n| n + 1);
        } else if trimmed.starts_with("/*") {
            at += trimmed.find("*/").map_or(trimmed.len(), |n| n + 2);
        } else {
            return at;
        }
    }
}

/// An identifier as PostgreSQL folds it: quotes removed, unquoted parts lower-cased.
fn unquoted_name(name: &str) -> String {
    name.split('.')
        .map(
            |part| match part.strip_prefix('"').and_then(|p| p.strip_suffix('"')) {
                Some(quoted) => quoted.to_string(),
                None => part.to_ascii_lowercase(),
            },
        )
        .collect::<Vec<_>>()
        .join(".")
}

/// The edit replacing `start..end` with `with`; when `with` is empty, the statement goes with its
/// line when nothing else is on it, else with the blanks before it. (The three spaces that stand
/// for a byte-order mark at the start of the file stay.)
fn removal(text: &str, start: usize, end: usize, with: &str) -> Edit {
    if !with.is_empty() {
        return Edit {
            start,
            end,
            text: with.to_string(),
        };
    }
    let line_start = match text[..start].rfind('\n') {
        Some(n) => n + 1,
        None if text.starts_with("   ") => 3.min(start),
        None => 0,
    };
    let after = &text[end..];
    let line_end = after.find('\n').map_or(after.len(), |n| n + 1);
    let before = &text[line_start..start];
    if before.trim().is_empty() && after[..line_end].trim().is_empty() {
        Edit {
            start: line_start,
            end: end + line_end,
            text: String::new(),
        }
    } else {
        Edit {
            start: start - (before.len() - before.trim_end().len()),
            end,
            text: String::new(),
        }
    }
}

/// A statement's words, lower-cased, without its `;` and with parentheses apart.
fn words(sql: &str) -> Vec<String> {
    sql.trim_end_matches(';')
        .replace('(', " ( ")
        .split_whitespace()
        .map(str::to_ascii_lowercase)
        .collect()
}

fn with_semicolon(step: &str) -> String {
    if step.trim_end().ends_with(';') {
        step.trim_end().to_string()
    } else {
        format!("{};", step.trim_end())
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default()
}

/// A migration name's version as written and the rest of its name (`0007_add_index` ->
/// `0007`, `add_index`).
///
/// The runners read the version up to the first `_` (`20240102000000_2fa`: `20240102000000`);
/// diesel's may hold dashes (`2019-05-14-165316`).
fn version_and_rest(stem: &str) -> Result<(String, String), String> {
    let (raw, rest) = stem.split_once('_').unwrap_or((stem, ""));
    let digits = raw.bytes().all(|b| b.is_ascii_digit() || b == b'-');
    if !raw.starts_with(|c: char| c.is_ascii_digit()) || !digits {
        return Err(format!("`{stem}` does not start with a version"));
    }
    Ok((raw.to_string(), rest.to_string()))
}

/// The versions of the migrations in `dir` (a folder's name for diesel, a file's for the rest).
fn versions_in(dir: &Path, layout: &str) -> Vec<Version> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return vec![];
    };
    entries
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().to_string();
            let name = match layout {
                "flyway" => name
                    .strip_prefix(['V', 'U'])
                    .map(|n| n.replace("__", " "))?,
                _ => name,
            };
            parse_version(&name, layout)
        })
        .collect()
}

fn parse_version(name: &str, layout: &str) -> Option<Version> {
    match layout {
        "flyway" => {
            let raw = name.split(' ').next()?;
            Version::parse_groups(raw, &['.', '_'])
        }
        // The runner's version: up to the first `_`.
        _ => Version::leading(name.split('_').next()?).map(|(v, _)| v),
    }
}

/// The `step`th version after `raw` (`raw` plus `step`, as wide as `raw`; for Flyway
/// `raw.step`), when it sorts before every later migration's: Err when it does not (the next
/// migration has `raw` plus one, say).
fn next_version(raw: &str, layout: &str, existing: &[Version], step: u8) -> Result<String, String> {
    let candidate = if layout == "flyway" {
        let sep = if raw.contains('_') { '_' } else { '.' };
        format!("{raw}{sep}{step}")
    } else {
        // The last digit group plus `step`, keeping its width (`0007` -> `0008`, diesel's
        // `2019-09-18-233204` -> `2019-09-18-233205`).
        let cut = raw
            .rfind(|c: char| !c.is_ascii_digit())
            .map_or(0, |i| i + 1);
        let mut bytes = raw.as_bytes()[cut..].to_vec();
        for _ in 0..step {
            let mut i = bytes.len();
            loop {
                if i == 0 {
                    bytes.insert(0, b'1');
                    break;
                }
                i -= 1;
                if bytes[i] == b'9' {
                    bytes[i] = b'0';
                } else {
                    bytes[i] += 1;
                    break;
                }
            }
        }
        format!(
            "{}{}",
            &raw[..cut],
            String::from_utf8(bytes).unwrap_or_default()
        )
    };
    let ours = parse_version(raw, layout).ok_or("the migration's version cannot be read")?;
    let new = parse_version(&candidate, layout).ok_or("no version follows it")?;
    if let Some(next) = existing.iter().filter(|v| **v > ours).min() {
        if *next <= new {
            return Err(format!(
                "no version is free between `{raw}` and the next migration's: move the steps to a new migration by hand"
            ));
        }
    }
    Ok(candidate)
}

#[cfg(test)]
mod tests;
