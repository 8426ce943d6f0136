//! Finding migration files on disk: layouts, ordering, up/down parts, runner transaction modes.
//!
//! This layer reads files; it never writes. Problems with one file (not UTF-8, binary, too large)
//! become [`FileProblem`]s and the rest of the set is still loaded. A file or directory that cannot
//! be read at all (permissions, a dangling symbolic link, a loop of links) is a [`SourceError`]:
//! an operational error that is reported while the rest is linted.

pub mod layout;
pub mod query_files;
pub mod sqlc;
pub mod version;

pub use layout::Layout;

use crate::span::Span;
use std::path::{Path, PathBuf};

/// One file as read from disk (or from git, or given as text).
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The file as shown in findings; `<ref>:<path>` for a file read from a git reference.
    pub path: PathBuf,
    pub text: std::sync::Arc<str>,
    /// For a file read from a git reference (`--since`): the same file in the working tree, which
    /// annotations (GitHub, SARIF) point at, `path` being no path there.
    pub worktree_path: Option<PathBuf>,
}

impl SourceFile {
    pub fn new(path: PathBuf, text: impl Into<std::sync::Arc<str>>) -> Self {
        SourceFile {
            path,
            text: text.into(),
            worktree_path: None,
        }
    }
}

/// The SQL a migration runs in one direction: a file, or a section of one (other sections blanked
/// to spaces so byte offsets stay those of the file).
#[derive(Debug, Clone)]
pub struct SqlPart {
    pub file: usize,
    pub text: std::sync::Arc<str>,
}

/// Whether the migration runner wraps the migration in a transaction, and why we think so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunnerTransaction {
    pub wrapped: bool,
    pub reason: String,
    /// The runner sends the whole file as one simple-query message (golang-migrate; sqlx, dbmate
    /// and diesel without their transaction): PostgreSQL
    /// runs several statements in it as one implicit transaction, and a single statement alone.
    /// `wrapped` is then false and [`RunnerTransaction::wraps`] decides by statement count.
    pub one_message: bool,
}

impl RunnerTransaction {
    /// Whether the runner's transaction (or the implicit one of a multi-statement message) holds
    /// a migration part of `statements` statements.
    pub fn wraps(&self, statements: usize) -> bool {
        self.wrapped || self.implicit(statements)
    }

    /// Whether the only transaction around a part of `statements` statements is the implicit
    /// one of a message of several statements: after the part's own `COMMIT`, the rest of the
    /// message runs in a new one, and an explicit `BEGIN` turns it into an ordinary block.
    pub fn implicit(&self, statements: usize) -> bool {
        !self.wrapped && self.one_message && statements > 1
    }
}

#[derive(Debug, Clone)]
pub struct Migration {
    /// Display id: the version and name as written (`V2__add_users`, `20240101_add_users`).
    pub id: String,
    pub version: Option<version::Version>,
    pub up: Option<SqlPart>,
    pub down: Option<SqlPart>,
    /// The runner's transaction around the up part (and the down part, unless
    /// `down_transaction` says otherwise).
    pub transaction: RunnerTransaction,
    /// The down part's own, where the runner reads it per direction and it differs from the up
    /// part's (sqlx: a `.down.sql` starting with `-- no-transaction`; dbmate:
    /// `-- migrate:down transaction:false`; Flyway: the undo script's own `.conf`).
    pub down_transaction: Option<RunnerTransaction>,
    /// Whether this layout has a place for a down part at all.
    pub supports_down: bool,
}

impl Migration {
    /// The runner's transaction around the down part.
    pub fn down_transaction(&self) -> &RunnerTransaction {
        self.down_transaction.as_ref().unwrap_or(&self.transaction)
    }
}

/// A problem with one file that is reported as a finding.
#[derive(Debug, Clone)]
pub struct FileProblem {
    pub file: usize,
    pub span: Span,
    pub rule: crate::finding::RuleId,
    pub message: String,
}

/// A file or directory that could not be read: an operational error (exit code 2), reported
/// while everything else is still linted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceError {
    /// The path as reached from the path the user gave (a link's path, not its target).
    pub path: PathBuf,
    /// Why, without the path: `Permission denied (os error 13)`, `symbolic link loop ...`.
    pub message: String,
}

impl std::fmt::Display for SourceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cannot read `{}`: {}", self.path.display(), self.message)
    }
}

impl SourceError {
    pub fn new(path: &Path, message: impl Into<String>) -> Self {
        SourceError {
            path: display_path(path),
            message: message.into(),
        }
    }

    /// A failed read or walk, with the cause in words (a link loop and a dangling link named).
    pub fn from_io(path: &Path, err: &std::io::Error) -> Self {
        let dangling = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
            && std::fs::metadata(path).is_err();
        if dangling {
            let target = std::fs::read_link(path).unwrap_or_default();
            return SourceError::new(
                path,
                format!(
                    "dangling symbolic link (its target `{}` does not exist)",
                    target.display()
                ),
            );
        }
        SourceError::new(path, err.to_string())
    }
}

/// The migrations of one directory, in the order the runner applies them.
#[derive(Debug, Clone)]
pub struct MigrationSet {
    pub root: PathBuf,
    pub layout: Layout,
    /// How the layout was decided: `configured`, `detected by <evidence>`, or `assumed (<why>)`.
    pub layout_decided: String,
    /// The runner transaction the set was read with, in words (per-file markers aside).
    pub transaction_assumption: String,
    pub files: Vec<SourceFile>,
    pub migrations: Vec<Migration>,
    pub problems: Vec<FileProblem>,
    /// Files of the set that could not be read (left out of the replay).
    pub errors: Vec<SourceError>,
}

/// Something about the input worth saying that is no finding and no error: `.sql` files that no
/// layout reads. Printed on stderr, and in JSON's `warnings`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceWarning {
    pub path: PathBuf,
    pub message: String,
}

impl SourceWarning {
    /// `count` `.sql` files in `dir` that no layout reads.
    pub fn unclaimed(dir: &Path, count: usize) -> Self {
        let (files, them) = if count == 1 {
            ("1 `.sql` file".to_string(), "it")
        } else {
            (format!("{count} `.sql` files"), "them")
        };
        SourceWarning {
            path: display_path(dir),
            message: format!(
                "{files} in `{}` not read: no migration layout claims {them} (beside a directory layout's migration folders, or not one of a folder's parts)",
                display_path(dir).display()
            ),
        }
    }
}

impl MigrationSet {
    /// Frees the texts of the set's files and migrations once it is linted, for a report that
    /// shows no source: the files keep their paths, and their texts are empty.
    pub fn drop_texts(&mut self) {
        let empty: std::sync::Arc<str> = std::sync::Arc::from("");
        for file in &mut self.files {
            file.text = empty.clone();
        }
        for migration in &mut self.migrations {
            for part in [&mut migration.up, &mut migration.down]
                .into_iter()
                .flatten()
            {
                part.text = empty.clone();
            }
        }
    }

    /// Whether the order of the set's migrations is only pgproof's guess: plain files whose layout
    /// was assumed (not configured or detected) and some of which carry no version prefix, so they
    /// run in name order only because pgproof sorted them that way (a folder of admin scripts).
    pub fn order_assumed(&self) -> bool {
        self.layout == Layout::Plain
            && self.layout_decided.starts_with("assumed")
            && self.migrations.len() > 1
            && self.migrations.iter().any(|m| m.version.is_none())
    }
}

/// Limits and choices that affect loading.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    pub layout: Option<Layout>,
    pub max_file_bytes: u64,
    pub include: Option<globset::GlobSet>,
    pub exclude: Option<globset::GlobSet>,
    /// Overrides the layout's default runner transaction mode.
    pub runner_transaction: Option<bool>,
    /// A schema dump (`--schema-from`) that holds sqlx's `_sqlx_migrations` table: evidence that
    /// sqlx runs the migrations.
    pub sqlx_schema_dump: Option<PathBuf>,
    /// Files that are application queries, not migrations (an sqlc project's query files), by
    /// canonical path: left out of every migration set.
    pub query_files: std::sync::Arc<std::collections::HashSet<PathBuf>>,
    /// Text read from stdin (`lint -`) for a file of a migration set (`--stdin-filename`): loading
    /// reads it instead of the file on disk.
    pub stdin: Option<std::sync::Arc<StdinText>>,
    /// Texts that stand for files on disk, by canonical path (`pgproof fix` lints its fixed
    /// texts before it writes them). A path that does not exist is a file `fix` would create
    /// ([`canonical_new`]): walks find it as if it were there.
    pub replaced: std::sync::Arc<std::collections::HashMap<PathBuf, String>>,
    /// `[[sets]]` in pgproof.toml: per-directory layout, version and runner transaction.
    pub sets: std::sync::Arc<Vec<SetConfig>>,
    /// Texts read by an earlier run, given back for files whose [`Stamp`] has not changed since
    /// (`lint`'s pre-commit run keeps them in its cache): a set's files are then not opened.
    pub texts: Option<std::sync::Arc<dyn TextMemo>>,
}

/// What a file's metadata says of which version of its content it holds, as git's index keeps it:
/// its identity, size, and the times of its last modification and of its last change of status
/// (which no program can set back). Two equal stamps mean the same content, unless the file was
/// written again within the clock's granularity of being stamped: a memo of texts keeps only
/// files [`Stamp::settled`] before the text was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Stamp {
    pub dev: u64,
    pub ino: u64,
    pub size: u64,
    /// Seconds and nanoseconds since the epoch (negative before it).
    pub modified: (i64, i64),
    pub changed: (i64, i64),
}

impl Stamp {
    #[cfg(unix)]
    pub fn of(meta: &std::fs::Metadata) -> Option<Stamp> {
        use std::os::unix::fs::MetadataExt;
        Some(Stamp {
            dev: meta.dev(),
            ino: meta.ino(),
            size: meta.size(),
            modified: (meta.mtime(), meta.mtime_nsec()),
            changed: (meta.ctime(), meta.ctime_nsec()),
        })
    }

    #[cfg(not(unix))]
    pub fn of(_meta: &std::fs::Metadata) -> Option<Stamp> {
        None
    }

    /// Whether the file was last written (or its status changed) at least `margin` before `now`
    /// (seconds since the epoch): a later write would give it another stamp.
    pub fn settled(&self, now: i64, margin: i64) -> bool {
        self.modified.0 < now - margin && self.changed.0 < now - margin
    }
}

/// Texts of files kept between runs, by the [`Stamp`] each had when read (see
/// [`LoadOptions::texts`]). Loading asks it only for files on disk (not stdin's or a replaced
/// text), a set at a time.
pub trait TextMemo: Send + Sync + std::fmt::Debug + std::panic::RefUnwindSafe {
    /// For each of the set's files under `root`, the text it had when it had the stamp given, if
    /// kept.
    fn recall(&self, root: &Path, files: &[(&Path, &Stamp)]) -> Vec<Option<String>>;
    /// Keeps the texts just read from the set's files, each with the stamp its file had before it
    /// was read.
    fn keep(&self, root: &Path, read: &[(&Path, &Stamp, &str)]);
}

/// What `[[sets]]` in pgproof.toml says of the migration sets under a directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetConfig {
    /// The directory, canonical.
    pub dir: PathBuf,
    pub layout: Option<Layout>,
    pub pg_version: Option<u32>,
    pub runner_transaction: Option<bool>,
}

/// A migration's text from stdin (or an editor's buffer), and the file it stands for.
#[derive(Debug)]
pub struct StdinText {
    /// The file, canonical: the one whose text this replaces.
    pub file: PathBuf,
    /// The file as findings name it (`--stdin-filename` as given, or `<stdin>`).
    pub shown: PathBuf,
    pub text: String,
}

impl StdinText {
    /// `text` standing for the file `shown`.
    pub fn new(shown: PathBuf, text: String) -> Self {
        StdinText {
            file: canonical(&shown),
            shown,
            text,
        }
    }
}

impl LoadOptions {
    /// The `[[sets]]` entry for the set at `root` (the deepest directory that holds it).
    pub fn set_config(&self, root: &Path) -> Option<&SetConfig> {
        if self.sets.is_empty() {
            return None;
        }
        let root = canonical(root);
        self.sets
            .iter()
            .filter(|c| root.starts_with(&c.dir))
            .max_by_key(|c| c.dir.components().count())
    }

    /// These options for the set at `root`: its `[[sets]]` entry's layout and runner transaction
    /// in place of the top-level ones.
    pub fn for_set(&self, root: &Path) -> std::borrow::Cow<'_, LoadOptions> {
        match self.set_config(root) {
            Some(c) if c.layout.is_some() || c.runner_transaction.is_some() => {
                let mut opts = self.clone();
                opts.layout = c.layout.or(self.layout);
                opts.runner_transaction = c.runner_transaction.or(self.runner_transaction);
                std::borrow::Cow::Owned(opts)
            }
            _ => std::borrow::Cow::Borrowed(self),
        }
    }

    /// The text of `path`: stdin's, or a replaced text, when it stands for this file, else
    /// [`read_text`]'s. Only a file named like one of them is canonicalised (a few system calls
    /// each, for every file of a set on every keystroke of `pgproof lsp`).
    pub fn read_text(&self, path: &Path) -> std::io::Result<Result<String, (usize, String)>> {
        let name = path.file_name();
        if let Some(stdin) = &self.stdin {
            if (stdin.file.file_name() == name || stdin.shown.file_name() == name)
                && canonical(path) == stdin.file
            {
                return Ok(Ok(stdin.text.clone()));
            }
        }
        if let Some(text) = self.replaced_text(path) {
            return Ok(Ok(text.clone()));
        }
        read_text(path, self.max_file_bytes)
    }

    /// The replaced text standing for `path`, if any. Only a path named like a replaced one is
    /// canonicalised.
    fn replaced_text(&self, path: &Path) -> Option<&String> {
        let name = path.file_name();
        if !self.replaced.keys().any(|k| k.file_name() == name) {
            return None;
        }
        self.replaced.get(&canonical_new(path))
    }

    /// A small file a layout reads beside its migrations (diesel's `metadata.toml`, Flyway's
    /// `.sql.conf`): the replaced text when there is one, else the file's; None when unreadable.
    pub fn read_beside(&self, path: &Path) -> Option<String> {
        match self.replaced_text(path) {
            Some(text) => Some(text.clone()),
            None => std::fs::read_to_string(path).ok(),
        }
    }

    /// The files `fix` would create (replaced texts of paths that do not exist), canonical.
    pub fn created(&self) -> impl Iterator<Item = (&PathBuf, &String)> {
        self.replaced
            .iter()
            .filter(|(k, _)| std::fs::symlink_metadata(k).is_err())
    }

    /// The files `fix` would create under `root` (replaced texts of paths that do not exist),
    /// as paths under `root` as given, with their sizes.
    pub fn created_under(&self, root: &Path) -> Vec<(PathBuf, u64)> {
        if self.replaced.is_empty() {
            return vec![];
        }
        let real_root = canonical(root);
        self.created()
            .filter_map(|(k, text)| {
                let rel = k.strip_prefix(&real_root).ok()?;
                Some((root.join(rel), text.len() as u64))
            })
            .collect()
    }

    /// Whether `path` is a file `fix` would create (see [`LoadOptions::created_under`]).
    pub fn creates(&self, path: &Path) -> bool {
        !self.replaced.is_empty()
            && std::fs::symlink_metadata(path).is_err()
            && self.replaced.contains_key(&canonical_new(path))
    }
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            layout: None,
            max_file_bytes: 16 * 1024 * 1024,
            include: None,
            exclude: None,
            runner_transaction: None,
            sqlx_schema_dump: None,
            query_files: std::sync::Arc::default(),
            stdin: None,
            replaced: std::sync::Arc::default(),
            sets: std::sync::Arc::default(),
            texts: None,
        }
    }
}

/// Reads a file as text. Binary files, invalid UTF-8 and oversized files become problems, not errors.
pub fn read_text(path: &Path, max_bytes: u64) -> std::io::Result<Result<String, (usize, String)>> {
    read_text_stamped(path, max_bytes).map(|(text, _)| text)
}

/// [`read_text`], with the [`Stamp`] of the file it opened (taken before reading it; None when it
/// could not be opened): what a memo of texts keeps a text under, so that a path moved to another
/// file between a walk's `stat` and the read is not kept under the first file's stamp.
#[allow(clippy::type_complexity)]
pub fn read_text_stamped(
    path: &Path,
    max_bytes: u64,
) -> std::io::Result<(Result<String, (usize, String)>, Option<Stamp>)> {
    use std::io::Read;
    // One open, and the size from the open file (not a second lookup of the path); reading a
    // directory fails as `std::fs::read` does. A file that cannot be opened is still said to be
    // too large when it is (as when its size was asked first).
    let mut file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(err) => match std::fs::metadata(path) {
            Ok(meta) if meta.len() > max_bytes => {
                return Ok((Err(too_large(meta.len(), max_bytes)), None))
            }
            _ => return Err(err),
        },
    };
    let meta = file.metadata()?;
    let stamp = Stamp::of(&meta);
    if meta.len() > max_bytes {
        return Ok((Err(too_large(meta.len(), max_bytes)), stamp));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0).saturating_add(1));
    // Through `take`: `File::read_to_end` would ask the file's size and position again.
    file.by_ref().take(u64::MAX).read_to_end(&mut bytes)?;
    if let Some(pos) = bytes.iter().position(|&b| b == 0) {
        return Ok((
            Err((
                pos,
                "file contains a NUL byte: it looks binary, not SQL".to_string(),
            )),
            stamp,
        ));
    }
    let text = match String::from_utf8(bytes) {
        Ok(mut text) => {
            if text.starts_with('\u{feff}') {
                // Keep offsets: replace the byte-order mark with spaces of the same length.
                text.replace_range(0..3, "   ");
            }
            Ok(text)
        }
        Err(err) => {
            let at = err.utf8_error().valid_up_to();
            Err((
                at,
                format!(
                    "file is not valid UTF-8 (invalid byte 0x{:02x}); save it as UTF-8",
                    err.as_bytes()[at]
                ),
            ))
        }
    };
    Ok((text, stamp))
}

/// The problem of a file over the size limit.
fn too_large(bytes: u64, max_bytes: u64) -> (usize, String) {
    (
        0,
        format!(
            "file is {} MiB, over the {} MiB limit; it was not linted (raise `max_file_size_mb` in pgproof.toml to lint it)",
            bytes / (1024 * 1024),
            max_bytes / (1024 * 1024)
        ),
    )
}

/// Whether `file` is one of `paths` or under one of them (compared as canonical paths).
pub fn is_under(paths: &[PathBuf], file: &Path) -> bool {
    Roots::of(paths).hold(&canonical(file))
}

/// Paths canonicalised once, each with whether it is a directory, for [`is_under`] asked of many
/// files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Roots(Vec<(PathBuf, bool)>);

impl Roots {
    pub fn of(paths: &[PathBuf]) -> Roots {
        Roots(
            paths
                .iter()
                .map(|p| {
                    let p = canonical(p);
                    let dir = p.is_dir();
                    (p, dir)
                })
                .collect(),
        )
    }

    /// Whether a file, by its canonical path, is one of the paths or under a directory of them.
    pub fn hold(&self, file: &Path) -> bool {
        self.0
            .iter()
            .any(|(p, dir)| file == p || (*dir && file.starts_with(p)))
    }
}

/// [`canonical`] asked once per path, for one step of a run that asks it of the same files many
/// times (files are not expected to move during it; a long-lived process makes a new one per run).
#[derive(Debug, Default)]
pub struct CanonicalMemo(std::sync::Mutex<std::collections::HashMap<PathBuf, PathBuf>>);

impl CanonicalMemo {
    pub fn get(&self, path: &Path) -> PathBuf {
        let mut known = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(real) = known.get(path) {
            return real.clone();
        }
        let real = canonical(path);
        known.insert(path.to_path_buf(), real.clone());
        real
    }
}

/// `path` with links and `..` resolved, or as given when it cannot be (it does not exist).
pub fn canonical(path: &Path) -> PathBuf {
    path.canonicalize().unwrap_or_else(|_| path.to_path_buf())
}

/// The canonical path of a file that may not exist yet (one `pgproof fix` would create): its
/// deepest existing directory canonical, followed by the rest of `path`. As given when no part
/// of it exists or it ends in `..`.
pub fn canonical_new(path: &Path) -> PathBuf {
    if let Ok(real) = path.canonicalize() {
        return real;
    }
    let mut rest = vec![];
    let mut at = path;
    while let Some(name) = at.file_name() {
        rest.push(name);
        at = match at.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        if let Ok(mut real) = at.canonicalize() {
            real.extend(rest.iter().rev());
            return real;
        }
    }
    path.to_path_buf()
}

/// The identities (device and inode) of some files, to rule a path out as one of them with one
/// `stat` before comparing canonical paths: canonicalising costs a system call per component,
/// and a diesel set has hundreds of files named `up.sql`. Rules nothing out when one of the files
/// has no identity (it does not exist, or the platform gives none).
pub struct Identities(Option<std::collections::HashSet<(u64, u64)>>);

impl Identities {
    pub fn of<'a>(paths: impl IntoIterator<Item = &'a PathBuf>) -> Identities {
        let ids = paths
            .into_iter()
            .map(|path| std::fs::metadata(path).ok().as_ref().and_then(identity))
            .collect();
        Identities(ids)
    }

    /// False when `path` is none of the files (its identity is none of theirs); true when it may
    /// be one, which its canonical path then tells.
    pub fn may_hold(&self, path: &Path) -> bool {
        let Some(ids) = &self.0 else {
            return true;
        };
        std::fs::metadata(path)
            .ok()
            .as_ref()
            .and_then(identity)
            .is_none_or(|id| ids.contains(&id))
    }
}

/// The identity of a file (its device and inode), where the platform gives one.
#[cfg(unix)]
pub fn identity(meta: &std::fs::Metadata) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    Some((meta.dev(), meta.ino()))
}

#[cfg(not(unix))]
pub fn identity(_meta: &std::fs::Metadata) -> Option<(u64, u64)> {
    None
}

/// Display a path relative to the current directory when it is under it.
pub fn display_path(path: &Path) -> PathBuf {
    // The directory is asked once per process: a set of thousands of files would otherwise ask
    // it for each (pgproof never changes its own current directory).
    static CWD: std::sync::OnceLock<Option<PathBuf>> = std::sync::OnceLock::new();
    if let Some(cwd) = CWD.get_or_init(|| std::env::current_dir().ok()) {
        if let Ok(rel) = path.strip_prefix(cwd) {
            return rel.to_path_buf();
        }
    }
    path.to_path_buf()
}
