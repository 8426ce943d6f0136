//! Migration layouts: detection, ordering, up/down pairing and runner transaction semantics.

use super::version::{natural_cmp, Version};
use super::{
    display_path, read_text, FileProblem, LoadOptions, Migration, MigrationSet, RunnerTransaction,
    SourceError, SourceFile, SqlPart,
};
use crate::lex::blank_out;
use crate::span::Span;
use anyhow::{bail, Context, Result};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Layout {
    /// Ordered `*.sql` files run by psql or a custom runner.
    Plain,
    /// golang-migrate: `N_name.up.sql` + `N_name.down.sql`, each file sent as one message.
    UpDown,
    /// ory/pop: `N_name.<dialect>.up.sql` + `.down.sql`, each in a transaction unless `.autocommit.`.
    Pop,
    /// sqlx: `N_name.up.sql` + `N_name.down.sql`, or `N_name.sql`, each in a transaction.
    Sqlx,
    /// diesel / sqlx directories: `<version>_name/up.sql` + `down.sql`.
    Diesel,
    /// Flyway: `V<ver>__name.sql`, `U<ver>__name.sql`, `R__name.sql`.
    Flyway,
    /// dbmate: `-- migrate:up` / `-- migrate:down` sections.
    Dbmate,
    /// goose: `-- +goose Up` / `-- +goose Down` sections.
    Goose,
    /// Prisma Migrate: `<ts>_name/migration.sql`.
    Prisma,
    /// Sqitch: `deploy/` + `revert/` (+ `sqitch.plan`).
    Sqitch,
    /// sourcegraph: `<id>_name/{up.sql,down.sql,metadata.yaml}`, ordered by `parents`.
    Sourcegraph,
}

mod sourcegraph;

pub const LAYOUT_NAMES: &[(&str, Layout)] = &[
    ("plain", Layout::Plain),
    ("golang-migrate", Layout::UpDown),
    ("sqlx", Layout::Sqlx),
    ("up-down", Layout::UpDown),
    ("pop", Layout::Pop),
    ("diesel", Layout::Diesel),
    ("flyway", Layout::Flyway),
    ("dbmate", Layout::Dbmate),
    ("goose", Layout::Goose),
    ("prisma", Layout::Prisma),
    ("sqitch", Layout::Sqitch),
    ("sourcegraph", Layout::Sourcegraph),
];

impl Layout {
    pub fn from_name(name: &str) -> Option<Layout> {
        LAYOUT_NAMES
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, l)| *l)
    }

    pub fn name(&self) -> &'static str {
        match self {
            Layout::Plain => "plain",
            Layout::UpDown => "golang-migrate",
            Layout::Sqlx => "sqlx",
            Layout::Pop => "pop",
            Layout::Diesel => "diesel",
            Layout::Flyway => "flyway",
            Layout::Dbmate => "dbmate",
            Layout::Goose => "goose",
            Layout::Prisma => "prisma",
            Layout::Sqitch => "sqitch",
            Layout::Sourcegraph => "sourcegraph",
        }
    }

    /// The runner transaction this layout's runner uses, in words (per-file markers aside).
    pub fn transaction_assumption(&self) -> &'static str {
        match self {
            Layout::Plain => "autocommit (psql): no runner transaction",
            Layout::UpDown => {
                "one message per file: an implicit transaction when it holds several statements"
            }
            Layout::Sqlx => {
                "each migration in a transaction, unless it starts with `-- no-transaction`"
            }
            Layout::Pop => "each migration in a transaction, unless its name says `.autocommit.`",
            Layout::Diesel => "each migration in a transaction, unless metadata.toml turns it off",
            Layout::Flyway => "each migration in a transaction, unless its .conf turns it off",
            Layout::Dbmate => "each migration in a transaction, unless `transaction:false`",
            Layout::Goose => "each migration in a transaction, unless `-- +goose NO TRANSACTION`",
            Layout::Prisma => "each migration in a transaction",
            Layout::Sqitch => "no runner transaction: scripts say `BEGIN`/`COMMIT` themselves",
            Layout::Sourcegraph => {
                "each migration in a transaction, unless metadata.yaml says `createIndexConcurrently: true`"
            }
        }
    }
}

const SKIP_DIRS: &[&str] = &["target", "node_modules", ".git", "vendor"];

/// Finds every migration set under `path` (a directory or a file inside one) and reads it.
/// A file or directory that cannot be read fails the whole call (`prove` needs every migration);
/// `lint` uses [`find`] and reports such errors while it lints the rest.
pub fn discover(path: &Path, opts: &LoadOptions) -> Result<Vec<MigrationSet>> {
    let walk = find(path, opts)?;
    if let Some(error) = walk.errors.first() {
        bail!("{error}");
    }
    let mut sets = vec![];
    for found in walk.sets {
        let set = found.load(opts)?;
        if let Some(error) = set.errors.first() {
            bail!("{error}");
        }
        sets.push(set);
    }
    Ok(sets)
}

/// Migration directories grouped by the walk: each directory's relevant files, in name order.
type Dirs = BTreeMap<PathBuf, Vec<PathBuf>>;

/// What one walk found, shared by the sets it found.
#[derive(Debug, Default)]
struct Tree {
    dirs: Dirs,
    /// Files reached under more than one path (symbolic or hard links): every such path, mapped to
    /// the first one the walk reached, so a set holding two of them reads the file once.
    same_file: HashMap<PathBuf, PathBuf>,
}

/// The migration sets found under one path, the files and directories the walk could not read,
/// and what it saw, to say why it found nothing when it found nothing.
#[derive(Debug, Default)]
pub struct Walk {
    pub sets: Vec<FoundSet>,
    /// Unreadable directories, dangling links and loops of links: reported, the rest still linted.
    pub errors: Vec<SourceError>,
    /// `.sql` files the walk saw (outside hidden and skipped directories), and how many of them
    /// `include`/`exclude` left out.
    pub sql_files: usize,
    pub excluded: usize,
    /// Directories whose `.sql` files no layout reads (loose files beside a directory layout's
    /// folders, files a layout's folder holds besides its parts), with how many: said, never
    /// skipped silently.
    pub unclaimed: Vec<(PathBuf, usize)>,
}

impl Walk {
    /// Why the walk of `path` found no migrations, or None when it found some (or hit errors, which
    /// say why themselves).
    pub fn why_empty(&self, path: &Path) -> Option<String> {
        if !self.sets.is_empty() || !self.errors.is_empty() {
            return None;
        }
        let filters = "`include`/`exclude` in pgproof.toml";
        Some(if path.is_file() {
            if path.extension().is_none_or(|e| e != "sql") {
                "it is not a `.sql` file".to_string()
            } else if self.excluded > 0 {
                format!("it is left out by {filters}")
            } else {
                "no migration set holds it".to_string()
            }
        } else if self.sql_files == 0 {
            format!(
                "no `.sql` files under it (hidden directories and {} are not searched)",
                SKIP_DIRS.join(", ")
            )
        } else {
            format!(
                "all {} `.sql` files under it are left out by {filters}",
                self.sql_files
            )
        })
    }
}

/// A migration set found under a path, not read yet: [`FoundSet::load`] reads its files, so that
/// the caller can read many sets in parallel (and start work on the first before the last is read).
#[derive(Debug)]
pub struct FoundSet {
    root: PathBuf,
    /// Bytes of the files the set is made of, from the walk: to start the largest sets first.
    pub bytes: u64,
    found: Found,
}

#[derive(Debug)]
enum Found {
    Walked {
        layout: Layout,
        tree: std::sync::Arc<Tree>,
    },
    /// Read already (a set found from one file is read to know whether it holds that file).
    Loaded(Box<MigrationSet>),
}

impl FoundSet {
    /// The set's root directory as found (not canonicalised).
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Reads the set's files, detects the file layout where the directories did not decide it,
    /// and orders and pairs its migrations. A file that cannot be read goes to the set's `errors`.
    pub fn load(self, opts: &LoadOptions) -> Result<MigrationSet> {
        match self.found {
            Found::Walked { layout, tree } => load(&self.root, layout, &tree, opts),
            Found::Loaded(set) => Ok(*set),
        }
    }
}

fn is_sql(file: &Path) -> bool {
    file.extension().is_some_and(|e| e == "sql")
}

/// Whether a directory layout reads `file`, one of the files in its folder `dir`.
fn layout_reads(layout: Layout, dir: &Path, file: &Path) -> bool {
    let name = file_name(file);
    match layout {
        Layout::Prisma => name == "migration.sql",
        Layout::Sqitch => {
            // `verify/` scripts run only on `sqitch verify`: known, not migrations.
            let folder = file_name(dir);
            matches!(folder.as_str(), "deploy" | "revert" | "verify")
        }
        Layout::Sourcegraph => {
            sourcegraph::migration_id(&file_name(dir)).is_some()
                && matches!(name.as_str(), "up.sql" | "down.sql")
        }
        _ => matches!(name.as_str(), "up.sql" | "down.sql"),
    }
}

/// Whether a file name is one the layouts read.
fn relevant(name: &str) -> bool {
    name.ends_with(".sql")
        || name == "metadata.toml"
        || name == "metadata.yaml"
        || name == "sqitch.plan"
        || name.ends_with(".sql.conf")
}

/// A walk error as a [`SourceError`] naming the path, or None for a dangling link that cannot
/// matter (a hidden file such as an editor's lock link `.#x.sql`, or a name no layout reads).
fn walk_error(err: &walkdir::Error, base: &Path) -> Option<SourceError> {
    let path = err.path().unwrap_or(base);
    if let Some(ancestor) = err.loop_ancestor() {
        return Some(SourceError::new(
            path,
            format!(
                "symbolic link loop: it leads back to `{}`, which contains it; the loop was not followed",
                display_path(ancestor).display()
            ),
        ));
    }
    let io = err.io_error()?;
    if io.kind() == std::io::ErrorKind::NotFound && err.depth() > 0 {
        let name = file_name(path);
        // A dangling link to a directory may hide migrations: names without an extension count.
        if name.starts_with('.') || !(relevant(&name) || Path::new(&name).extension().is_none()) {
            return None;
        }
    }
    Some(SourceError::from_io(path, io))
}

/// The identity of a file a walk reached (its device and inode), to notice one file reached under
/// two paths.
#[cfg(unix)]
fn identity(meta: &std::fs::Metadata) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    Some((meta.dev(), meta.ino()))
}

#[cfg(not(unix))]
fn identity(_meta: &std::fs::Metadata) -> Option<(u64, u64)> {
    None
}

/// Finds the migration sets under `path` (a directory or a file inside one) without reading their
/// files: the directory walk and the layouts that directory and file names decide.
///
/// Symbolic links are followed, and reported under their own path (not their target's). A loop of
/// links, a dangling link and an unreadable directory are [`Walk::errors`]; the rest is still walked.
/// A directory reached twice (through a link) is one set, under the path without links when there
/// is one.
pub fn find(path: &Path, opts: &LoadOptions) -> Result<Walk> {
    let meta = match std::fs::metadata(path) {
        Ok(meta) => meta,
        Err(err) if std::fs::symlink_metadata(path).is_ok() => {
            bail!("{}", SourceError::from_io(path, &err))
        }
        Err(err) => {
            return Err(err).with_context(|| format!("cannot read `{}`", path.display()));
        }
    };
    if meta.is_file() {
        // Only the sets that hold this file: reading them is the way to know which they are.
        let root = root_of_file(path);
        let walk = find(&root, opts)?;
        let mut out = Walk {
            errors: walk.errors,
            sql_files: usize::from(file_name(path).ends_with(".sql")),
            excluded: usize::from(!included(path, &root, opts)),
            ..Walk::default()
        };
        for found in walk.sets {
            let bytes = found.bytes;
            let set = found.load(opts)?;
            if set.files.iter().any(|f| same_file(&f.path, path)) {
                out.sets.push(FoundSet {
                    root: set.root.clone(),
                    bytes,
                    found: Found::Loaded(Box::new(set)),
                });
            }
        }
        return Ok(out);
    }
    let mut out = Walk::default();
    let mut tree = Tree::default();
    let mut sizes: HashMap<PathBuf, u64> = HashMap::new();
    let mut first_path: HashMap<(u64, u64), PathBuf> = HashMap::new();
    let walker = walkdir::WalkDir::new(path)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            e.depth() == 0
                || !(e.file_type().is_dir()
                    && (e.file_name().to_string_lossy().starts_with('.')
                        || SKIP_DIRS.contains(&&*e.file_name().to_string_lossy())))
        });
    let mut run: Option<(PathBuf, Vec<PathBuf>, u64)> = None;
    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            Err(err) => {
                out.errors.extend(walk_error(&err, path));
                continue;
            }
        };
        if !entry.file_type().is_file() {
            continue;
        }
        let file = entry.path();
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        if !relevant(&name) {
            continue;
        }
        let sql = name.ends_with(".sql");
        out.sql_files += usize::from(sql);
        if !included(file, path, opts) {
            out.excluded += usize::from(sql);
            continue;
        }
        let parent = file.parent().unwrap_or(path);
        let meta = entry.metadata().ok();
        let size = meta.as_ref().map_or(0, std::fs::Metadata::len);
        if let Some(id) = meta.as_ref().and_then(identity) {
            match first_path.get(&id) {
                Some(first) => {
                    tree.same_file.insert(first.clone(), first.clone());
                    tree.same_file.insert(file.to_path_buf(), first.clone());
                }
                None => {
                    first_path.insert(id, file.to_path_buf());
                }
            }
        }
        // A directory's files come one after another (mostly: a subdirectory's files can come
        // between them), so they are gathered per run and each run is filed once.
        match &mut run {
            Some((dir, files, bytes)) if dir.as_os_str() == parent.as_os_str() => {
                files.push(file.to_path_buf());
                *bytes += size;
            }
            _ => {
                file_run(&mut tree.dirs, &mut sizes, run.take());
                run = Some((parent.to_path_buf(), vec![file.to_path_buf()], size));
            }
        }
    }
    file_run(&mut tree.dirs, &mut sizes, run.take());
    let dirs = &tree.dirs;
    let mut claimed: BTreeSet<PathBuf> = BTreeSet::new();
    let mut directory_roots: BTreeSet<PathBuf> = BTreeSet::new();
    let mut roots: Vec<(PathBuf, Layout, u64)> = vec![];
    // Directories holding migration files, grouped under their parent (in path order).
    let mut by_parent: BTreeMap<&Path, Vec<&PathBuf>> = BTreeMap::new();
    for dir in dirs.keys() {
        if let Some(parent) = dir.parent() {
            by_parent.entry(parent).or_default().push(dir);
        }
    }
    for (parent, children) in &by_parent {
        let has = |name: &str| {
            children.iter().any(|c| {
                dirs[*c]
                    .iter()
                    .any(|f| f.file_name().is_some_and(|n| n == name))
            })
        };
        let forced = opts.layout;
        let sqitch = children
            .iter()
            .any(|c| c.file_name().is_some_and(|n| n == "deploy"))
            && (forced.is_none() || forced == Some(Layout::Sqitch));
        let layout = if sqitch {
            Some(Layout::Sqitch)
        } else if has("up.sql")
            && ((forced.is_none() && has("metadata.yaml")) || forced == Some(Layout::Sourcegraph))
        {
            Some(Layout::Sourcegraph)
        } else if has("up.sql") && forced.is_none_or(|l| l == Layout::Diesel) {
            Some(Layout::Diesel)
        } else if has("migration.sql") && forced.is_none_or(|l| l == Layout::Prisma) {
            Some(Layout::Prisma)
        } else {
            None
        };
        if let Some(layout) = layout {
            let mut bytes = 0;
            for child in children {
                claimed.insert((*child).clone());
                bytes += sizes.get(*child).copied().unwrap_or(0);
                let unread = dirs[*child]
                    .iter()
                    .filter(|f| is_sql(f) && !layout_reads(layout, child, f))
                    .count();
                if unread > 0 {
                    out.unclaimed.push(((*child).clone(), unread));
                }
            }
            directory_roots.insert(parent.to_path_buf());
            roots.push((parent.to_path_buf(), layout, bytes));
        }
    }
    for (dir, files) in dirs {
        let sql = files.iter().filter(|f| is_sql(f)).count();
        if claimed.contains(dir) || sql == 0 {
            continue;
        }
        // Loose `.sql` files beside the folders of a directory layout are not migrations to its
        // runner (sourcegraph's `squashed.sql`, notes): said, not read as a second set that
        // would replace the folders' set.
        if directory_roots.contains(dir) {
            out.unclaimed.push((dir.clone(), sql));
            continue;
        }
        roots.push((
            dir.clone(),
            Layout::Plain,
            sizes.get(dir).copied().unwrap_or(0),
        ));
    }
    roots.sort();
    if !tree.same_file.is_empty() {
        roots = one_root_per_directory(path, roots);
    }
    let tree = std::sync::Arc::new(tree);
    out.sets = roots
        .into_iter()
        .map(|(root, layout, bytes)| FoundSet {
            root,
            bytes,
            found: Found::Walked {
                layout,
                tree: tree.clone(),
            },
        })
        .collect();
    Ok(out)
}

/// Roots that are one directory reached under two paths (through a link) kept once: under the path
/// that goes through no link when there is one, else the first.
fn one_root_per_directory(
    base: &Path,
    roots: Vec<(PathBuf, Layout, u64)>,
) -> Vec<(PathBuf, Layout, u64)> {
    let real_base = base.canonicalize().unwrap_or_else(|_| base.to_path_buf());
    let mut kept: Vec<(PathBuf, Layout, u64)> = vec![];
    let mut by_real: HashMap<PathBuf, (usize, bool)> = HashMap::new();
    for root in roots {
        let real = root.0.canonicalize().unwrap_or_else(|_| root.0.clone());
        let direct = root
            .0
            .strip_prefix(base)
            .is_ok_and(|rel| real_base.join(rel) == real);
        match by_real.get(&real) {
            Some(&(at, false)) if direct => {
                kept[at] = root;
                by_real.insert(real, (at, true));
            }
            Some(_) => {}
            None => {
                by_real.insert(real, (kept.len(), direct));
                kept.push(root);
            }
        }
    }
    kept
}

/// Files one run of a directory's files (its path, files in walk order, their bytes).
fn file_run(
    dirs: &mut Dirs,
    sizes: &mut HashMap<PathBuf, u64>,
    run: Option<(PathBuf, Vec<PathBuf>, u64)>,
) {
    let Some((dir, mut files, bytes)) = run else {
        return;
    };
    *sizes.entry(dir.clone()).or_default() += bytes;
    dirs.entry(dir).or_default().append(&mut files);
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

/// The migrations directory a single file belongs to.
pub fn root_of_file(path: &Path) -> PathBuf {
    let parent = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let parent_name = parent
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let grandparent = || {
        parent
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_path_buf()
    };
    if matches!(
        name.as_str(),
        "up.sql" | "down.sql" | "migration.sql" | "metadata.toml" | "metadata.yaml"
    ) || matches!(parent_name.as_str(), "deploy" | "revert" | "verify")
    {
        grandparent()
    } else {
        parent.to_path_buf()
    }
}

fn included(file: &Path, root: &Path, opts: &LoadOptions) -> bool {
    if !opts.query_files.is_empty() {
        let real = file.canonicalize().unwrap_or_else(|_| file.to_path_buf());
        if opts.query_files.contains(&real) {
            return false;
        }
    }
    let rel = file.strip_prefix(root).unwrap_or(file);
    if let Some(include) = &opts.include {
        if !(include.is_match(rel) || include.is_match(file)) {
            return false;
        }
    }
    if let Some(exclude) = &opts.exclude {
        if exclude.is_match(rel) || exclude.is_match(file) {
            return false;
        }
    }
    true
}

/// A file's text, or the offset and message of why it is not SQL text.
type FileText = Result<String, (usize, String)>;

struct Loader<'a> {
    set: MigrationSet,
    opts: &'a LoadOptions,
    /// Texts already read while detecting the layout, so no file is read twice.
    read_ahead: HashMap<PathBuf, FileText>,
    /// The walk's paths that reach one file under several names, mapped to the first such name.
    same_file: &'a HashMap<PathBuf, PathBuf>,
    /// The file index read for each such first name in this set.
    read_once: HashMap<PathBuf, usize>,
}

impl Loader<'_> {
    /// [`Loader::read`] of a part that may be absent (a folder migration's `up.sql`/`down.sql`).
    fn read_part(&mut self, path: Option<&PathBuf>) -> Result<Option<usize>> {
        match path {
            Some(p) => self.read(p),
            None => Ok(None),
        }
    }

    /// Reads a file into the set, returning its index, or records a problem and returns None.
    /// A file that cannot be read at all is an error of the set (reported, and left out); a second
    /// name for a file the set already holds is a problem (the runner would apply it twice).
    fn read(&mut self, path: &Path) -> Result<Option<usize>> {
        let index = self.set.files.len();
        let shown = display_path(path);
        let group = self.same_file.get(path);
        if let Some(&first) = group.and_then(|g| self.read_once.get(g)) {
            let message = format!(
                "`{}` is the same file as `{}` (a link): the runner would apply it twice; pgproof lints it once, as `{}`",
                file_name(path),
                self.set.files[first].path.display(),
                file_name(&self.set.files[first].path),
            );
            self.set.files.push(SourceFile {
                path: shown,
                text: String::new(),
            });
            self.problem(index, message);
            return Ok(None);
        }
        let text = match self.read_ahead.remove(path) {
            Some(text) => text,
            None => match read_text(path, self.opts.max_file_bytes) {
                Ok(text) => text,
                Err(err) => {
                    self.set.errors.push(SourceError::from_io(path, &err));
                    return Ok(None);
                }
            },
        };
        match text {
            Ok(text) => {
                self.set.files.push(SourceFile { path: shown, text });
                if let Some(group) = group {
                    self.read_once.insert(group.clone(), index);
                }
                Ok(Some(index))
            }
            Err((offset, message)) => {
                self.set.files.push(SourceFile {
                    path: shown,
                    text: String::new(),
                });
                self.set.problems.push(FileProblem {
                    file: index,
                    span: Span::new(offset, offset),
                    rule: crate::finding::RuleId::SYNTAX_ERROR,
                    message,
                });
                Ok(None)
            }
        }
    }

    /// A migration part that is a whole file.
    fn whole_file(&self, file: Option<usize>) -> Option<SqlPart> {
        file.map(|file| SqlPart {
            file,
            text: self.set.files[file].text.clone(),
        })
    }

    fn problem(&mut self, file: usize, message: String) {
        self.set.problems.push(FileProblem {
            file,
            span: Span::new(0, 0),
            rule: crate::finding::RuleId::AMBIGUOUS_MIGRATION_ORDER,
            message,
        });
    }

    fn tx(&self, wrapped: bool, reason: impl Into<String>) -> RunnerTransaction {
        match self.opts.runner_transaction {
            Some(forced) => RunnerTransaction {
                wrapped: forced,
                reason: "set by `runner_transaction` in pgproof.toml".into(),
                one_message: false,
            },
            None => RunnerTransaction {
                wrapped,
                reason: reason.into(),
                one_message: false,
            },
        }
    }

    /// The file is sent as one simple-query message: an implicit transaction when it holds
    /// several statements (see [`RunnerTransaction::wraps`]).
    fn tx_one_message(&self, reason: impl Into<String>) -> RunnerTransaction {
        let mut tx = self.tx(false, reason);
        tx.one_message = self.opts.runner_transaction.is_none();
        tx
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default()
}

fn load(root: &Path, detected: Layout, tree: &Tree, opts: &LoadOptions) -> Result<MigrationSet> {
    let dirs = &tree.dirs;
    let mut loader = Loader {
        set: MigrationSet {
            root: display_path(root),
            layout: detected,
            layout_decided: if opts.layout == Some(detected) {
                "configured".to_string()
            } else if detected == Layout::Sourcegraph {
                "detected by its `<id>_name/metadata.yaml` folders".to_string()
            } else {
                "detected by its directory structure".to_string()
            },
            transaction_assumption: String::new(),
            files: vec![],
            migrations: vec![],
            problems: vec![],
            errors: vec![],
        },
        opts,
        read_ahead: HashMap::new(),
        same_file: &tree.same_file,
        read_once: HashMap::new(),
    };
    match detected {
        Layout::Diesel | Layout::Prisma => load_directories(&mut loader, root, detected, dirs)?,
        Layout::Sqitch => load_sqitch(&mut loader, root, dirs)?,
        Layout::Sourcegraph => sourcegraph::load(&mut loader, root, dirs)?,
        _ => {
            let files: Vec<PathBuf> = dirs
                .get(root)
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .filter(|f| f.extension().is_some_and(|e| e == "sql"))
                .collect();
            let (layout, decided) = match opts.layout {
                Some(l) => (l, "configured".to_string()),
                None => detect_file_layout(root, &files, opts, &mut loader.read_ahead),
            };
            loader.set.layout = layout;
            loader.set.layout_decided = decided;
            match layout {
                Layout::Flyway => load_flyway(&mut loader, &files)?,
                Layout::UpDown | Layout::Sqlx | Layout::Pop => {
                    load_updown(&mut loader, &files, layout)?
                }
                Layout::Goose | Layout::Dbmate => load_sections(&mut loader, &files, layout)?,
                _ => load_plain(&mut loader, &files)?,
            }
        }
    }
    loader.set.transaction_assumption = match opts.runner_transaction {
        Some(true) => "each migration in a transaction (`runner_transaction` in pgproof.toml)",
        Some(false) => "no runner transaction (`runner_transaction` in pgproof.toml)",
        None => loader.set.layout.transaction_assumption(),
    }
    .to_string();
    Ok(loader.set)
}

fn is_flyway_name(name: &str) -> bool {
    let Some(body) = name.strip_suffix(".sql") else {
        return false;
    };
    if let Some(rest) = body.strip_prefix("R__") {
        return !rest.is_empty();
    }
    let Some(rest) = body.strip_prefix('V').or_else(|| body.strip_prefix('U')) else {
        return false;
    };
    rest.split_once("__")
        .is_some_and(|(v, _)| Version::parse_groups(v, &['.', '_']).is_some())
}

/// Detects the layout of a directory of `.sql` files: by names first, then by section markers,
/// then by evidence of sqlx (a `-- no-transaction` marker, a manifest naming sqlx). Returns the
/// layout and how it was decided. Files read for their markers are kept in `read_ahead` for loading.
fn detect_file_layout(
    root: &Path,
    files: &[PathBuf],
    opts: &LoadOptions,
    read_ahead: &mut HashMap<PathBuf, FileText>,
) -> (Layout, String) {
    let names: Vec<String> = files.iter().map(|f| file_name(f)).collect();
    if names.iter().any(|n| is_flyway_name(n)) {
        return (
            Layout::Flyway,
            "detected by its `V<version>__<name>.sql` file names".to_string(),
        );
    }
    let updown = names
        .iter()
        .any(|n| n.ends_with(".up.sql") || n.ends_with(".down.sql"));
    for file in files {
        if read_ahead.contains_key(file) {
            continue;
        }
        // An unreadable file is reported when it is loaded.
        let Ok(text) = read_text(file, opts.max_file_bytes) else {
            continue;
        };
        let marker = text.as_ref().ok().filter(|_| !updown).and_then(|text| {
            text.lines().map(str::trim_start).find_map(|l| {
                if l.starts_with("-- +goose") {
                    Some((Layout::Goose, "detected by its `-- +goose` markers"))
                } else if l.starts_with("-- migrate:up") {
                    Some((Layout::Dbmate, "detected by its `-- migrate:up` markers"))
                } else {
                    None
                }
            })
        });
        read_ahead.insert(file.clone(), text);
        if let Some((layout, how)) = marker {
            return (layout, how.to_string());
        }
    }
    // sqlx names its files `<version>_<name>.sql` (or `.up.sql`/`.down.sql`).
    let sqlx_names = !names.is_empty()
        && names.iter().all(|n| {
            n.split_once('_')
                .is_some_and(|(v, _)| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()))
        });
    // pop names a file's dialect before `.up.sql` (`1_a.postgres.up.sql`, `.all.`).
    if let Some(pop) = names.iter().find(|n| {
        [".up.sql", ".down.sql"].iter().any(|end| {
            n.strip_suffix(end).is_some_and(|stem| {
                let stem = stem.strip_suffix(".autocommit").unwrap_or(stem);
                [".postgres", ".cockroach", ".all"]
                    .iter()
                    .any(|d| stem.ends_with(d))
            })
        })
    }) {
        return (
            Layout::Pop,
            format!("detected by pop's dialect in the file name `{pop}`"),
        );
    }
    if updown || sqlx_names {
        if let Some(dump) = &opts.sqlx_schema_dump {
            return (
                Layout::Sqlx,
                format!(
                    "detected by `_sqlx_migrations` in the schema dump `{}`",
                    display_path(dump).display()
                ),
            );
        }
        if let Some(evidence) = sqlx_evidence(root, files, read_ahead) {
            return (Layout::Sqlx, format!("detected by {evidence}"));
        }
    }
    if updown {
        if let Some(evidence) = golang_migrate_evidence(root) {
            return (Layout::UpDown, format!("detected by {evidence}"));
        }
        // Most runners of `.up.sql` files wrap each migration in a transaction; golang-migrate's
        // one message per file is the exception, and needs evidence or `--layout golang-migrate`.
        return (
            Layout::Sqlx,
            "assumed from its `.up.sql`/`.down.sql` names (no go.mod naming golang-migrate; `--layout golang-migrate` if golang-migrate runs it)".to_string(),
        );
    }
    if sqlx_names {
        return (
            Layout::Plain,
            "assumed (no `-- no-transaction` marker or manifest naming sqlx; `--layout sqlx` if sqlx runs it)".to_string(),
        );
    }
    (
        Layout::Plain,
        "assumed (no file names or markers of another layout)".to_string(),
    )
}

/// Evidence that golang-migrate runs the migrations in `root`: the nearest `go.mod` in the
/// directory or up to three levels above it names `golang-migrate/migrate`.
fn golang_migrate_evidence(root: &Path) -> Option<String> {
    let go_mod = root
        .ancestors()
        .take(4)
        .map(|dir| dir.join("go.mod"))
        .find(|m| m.is_file())?;
    let text = std::fs::read_to_string(&go_mod).ok()?;
    text.contains("github.com/golang-migrate/migrate").then(|| {
        format!(
            "`{}`, which names golang-migrate",
            display_path(&go_mod).display()
        )
    })
}

/// Evidence that sqlx runs the migrations in `root`: a file of the set with a `-- no-transaction`
/// line, or a `Cargo.toml` in the directory or its parent (sqlx's default `migrations/` sits next
/// to the crate's manifest) that names sqlx.
fn sqlx_evidence(
    root: &Path,
    files: &[PathBuf],
    read_ahead: &HashMap<PathBuf, FileText>,
) -> Option<String> {
    for file in files {
        let Some(Ok(text)) = read_ahead.get(file) else {
            continue;
        };
        if text.lines().any(|l| l.trim() == "-- no-transaction") {
            return Some(format!(
                "the `-- no-transaction` marker in `{}`",
                file_name(file)
            ));
        }
    }
    for dir in [Some(root), root.parent()].into_iter().flatten() {
        let manifest = dir.join("Cargo.toml");
        let Ok(text) = std::fs::read_to_string(&manifest) else {
            continue;
        };
        if text.lines().any(|l| {
            let l = l.trim_start();
            !l.starts_with('#') && l.contains("sqlx")
        }) {
            return Some(format!(
                "`{}`, which names sqlx",
                display_path(&manifest).display()
            ));
        }
    }
    None
}

/// Sorts `(version, name, value)` entries and reports version ties as problems.
fn order<T>(
    loader: &mut Loader<'_>,
    mut entries: Vec<(Option<Version>, String, usize, T)>,
) -> Vec<(Option<Version>, String, T)> {
    let versioned = entries.iter().filter(|e| e.0.is_some()).count();
    if versioned > 0 && versioned < entries.len() {
        let odd: Vec<(String, usize)> = entries
            .iter()
            .filter(|e| e.0.is_none())
            .map(|e| (e.1.clone(), e.2))
            .collect();
        for (name, file) in odd {
            loader.problem(file, format!("`{name}` has no version prefix while other migrations here do: the runner's order is ambiguous (mixed naming schemes)"));
        }
    }
    entries.sort_by(|a, b| match (&a.0, &b.0) {
        (Some(x), Some(y)) => x.cmp(y).then_with(|| natural_cmp(&a.1, &b.1)),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => natural_cmp(&a.1, &b.1),
    });
    // Runners that key migrations by version cannot hold two with one version. Plain files run in
    // name order, so a shared prefix is only suspicious when written differently (`001_` vs `1_`).
    let strict = loader.set.layout != Layout::Plain;
    for pair in entries.windows(2) {
        if let (Some(x), Some(y)) = (&pair[0].0, &pair[1].0) {
            let same_spelling =
                Version::leading_raw(&pair[0].1) == Version::leading_raw(&pair[1].1);
            if x == y && (strict || !same_spelling) {
                let message = format!(
                    "`{}` and `{}` have the same version {x}: the runner's order is ambiguous",
                    pair[0].1, pair[1].1
                );
                let file = pair[1].2;
                loader.set.problems.push(FileProblem {
                    file,
                    span: Span::new(0, 0),
                    rule: crate::finding::RuleId::AMBIGUOUS_MIGRATION_ORDER,
                    message,
                });
            }
        }
    }
    entries.into_iter().map(|(v, n, _, t)| (v, n, t)).collect()
}

fn load_plain(loader: &mut Loader<'_>, files: &[PathBuf]) -> Result<()> {
    let mut entries = vec![];
    for path in files {
        let Some(index) = loader.read(path)? else {
            continue;
        };
        let name = file_name(path);
        let stem = name.trim_end_matches(".sql").to_string();
        let version = Version::leading(&stem).map(|(v, _)| v);
        entries.push((version, stem, index, index));
    }
    for (version, id, index) in order(loader, entries) {
        let text = loader.set.files[index].text.clone();
        let transaction = loader.tx(
            false,
            "plain SQL files run statement by statement (psql autocommit) unless they say BEGIN",
        );
        loader.set.migrations.push(Migration {
            id,
            version,
            up: Some(SqlPart { file: index, text }),
            down: None,
            transaction,
            supports_down: false,
        });
    }
    Ok(())
}

fn load_updown(loader: &mut Loader<'_>, files: &[PathBuf], layout: Layout) -> Result<()> {
    let mut pairs: BTreeMap<String, (Option<usize>, Option<usize>)> = BTreeMap::new();
    let mut first_file: BTreeMap<String, usize> = BTreeMap::new();
    for path in files {
        let name = file_name(path);
        let (base, up) = if let Some(b) = name.strip_suffix(".up.sql") {
            (b.to_string(), true)
        } else if let Some(b) = name.strip_suffix(".down.sql") {
            (b.to_string(), false)
        } else {
            // sqlx simple (irreversible) migration: N_name.sql
            (name.trim_end_matches(".sql").to_string(), true)
        };
        let Some(index) = loader.read(path)? else {
            continue;
        };
        first_file.entry(base.clone()).or_insert(index);
        let entry = pairs.entry(base).or_default();
        if up {
            entry.0 = Some(index);
        } else {
            entry.1 = Some(index);
        }
    }
    let entries = pairs
        .into_iter()
        .map(|(base, pair)| {
            let version = Version::leading(&base).map(|(v, _)| v);
            let file = first_file[&base];
            (version, base, file, pair)
        })
        .collect();
    for (version, id, (up, down)) in order(loader, entries) {
        let up_text = up.map(|i| loader.set.files[i].text.clone());
        // sqlx reads the marker only at the start of the file (`migrate/source.rs`).
        let no_tx = layout == Layout::Sqlx
            && up_text.as_deref().is_some_and(|t| {
                t.lines()
                    .next()
                    .is_some_and(|l| l.trim() == "-- no-transaction")
            });
        let transaction = if layout == Layout::Pop && id.ends_with(".autocommit") {
            // ory/pop runs `*.autocommit.up.sql` outside a transaction.
            loader.tx(
                false,
                "pop runs `.autocommit.` migrations outside a transaction",
            )
        } else if no_tx {
            loader.tx(false, "the file starts with `-- no-transaction`")
        } else if layout == Layout::Sqlx {
            loader.tx(true, "sqlx runs each migration in a transaction")
        } else if layout == Layout::Pop {
            loader.tx(true, "pop runs each migration in a transaction")
        } else {
            loader.tx_one_message("golang-migrate sends the file as one message, which runs as one implicit transaction when it holds several statements")
        };
        let up = up.zip(up_text).map(|(file, text)| SqlPart { file, text });
        let down = loader.whole_file(down);
        loader.set.migrations.push(Migration {
            id,
            version,
            up,
            down,
            transaction,
            supports_down: true,
        });
    }
    Ok(())
}

fn load_flyway(loader: &mut Loader<'_>, files: &[PathBuf]) -> Result<()> {
    let mut versioned: BTreeMap<String, (Option<usize>, Option<usize>, String)> = BTreeMap::new();
    let mut repeatable = vec![];
    let mut entries_files: BTreeMap<String, usize> = BTreeMap::new();
    for path in files {
        let name = file_name(path);
        let Some(index) = loader.read(path)? else {
            continue;
        };
        if !is_flyway_name(&name) {
            loader.problem(index, format!("`{name}` does not follow Flyway's `V<version>__<name>.sql` naming while its neighbours do (mixed naming schemes)"));
            continue;
        }
        let body = name.trim_end_matches(".sql");
        if let Some(rest) = body.strip_prefix("R__") {
            repeatable.push((rest.to_string(), index));
            continue;
        }
        let kind = &body[..1];
        let (version, rest) = body[1..].split_once("__").unwrap_or((&body[1..], ""));
        let entry = versioned
            .entry(version.to_string())
            .or_insert((None, None, String::new()));
        entries_files.entry(version.to_string()).or_insert(index);
        if kind == "V" {
            if entry.0.is_some() {
                loader.problem(
                    index,
                    format!("two Flyway migrations have version {version}"),
                );
            }
            entry.0 = Some(index);
            entry.2 = format!("V{version}__{rest}");
        } else {
            entry.1 = Some(index);
            if entry.2.is_empty() {
                entry.2 = format!("U{version}__{rest}");
            }
        }
    }
    let entries = versioned
        .into_iter()
        .map(|(v, data)| {
            let file = entries_files[&v];
            (
                Version::parse_groups(&v, &['.', '_']),
                data.2.clone(),
                file,
                data,
            )
        })
        .collect();
    for (version, id, (up, down, _)) in order(loader, entries) {
        let transaction = flyway_tx(loader, up);
        let up = loader.whole_file(up);
        let down = loader.whole_file(down);
        loader.set.migrations.push(Migration {
            id,
            version,
            up,
            down,
            transaction,
            supports_down: true,
        });
    }
    repeatable.sort_by(|a, b| natural_cmp(&a.0, &b.0));
    for (name, file) in repeatable {
        let transaction = flyway_tx(loader, Some(file));
        let text = loader.set.files[file].text.clone();
        loader.set.migrations.push(Migration {
            id: format!("R__{name}"),
            version: None,
            up: Some(SqlPart { file, text }),
            down: None,
            transaction,
            supports_down: false,
        });
    }
    Ok(())
}

fn flyway_tx(loader: &Loader<'_>, file: Option<usize>) -> RunnerTransaction {
    let conf = file.map(|f| PathBuf::from(format!("{}.conf", loader.set.files[f].path.display())));
    let off = conf
        .and_then(|c| std::fs::read_to_string(c).ok())
        .is_some_and(|t| {
            t.lines().any(|l| {
                l.replace(' ', "")
                    .eq_ignore_ascii_case("executeInTransaction=false")
            })
        });
    if off {
        loader.tx(false, "its `.sql.conf` sets `executeInTransaction=false`")
    } else {
        loader.tx(
            true,
            "Flyway runs each PostgreSQL migration in a transaction",
        )
    }
}

/// Splits a goose or dbmate file into its up and down sections by blanking the other section.
fn load_sections(loader: &mut Loader<'_>, files: &[PathBuf], layout: Layout) -> Result<()> {
    let mut entries = vec![];
    for path in files {
        let Some(index) = loader.read(path)? else {
            continue;
        };
        let stem = file_name(path).trim_end_matches(".sql").to_string();
        entries.push((Version::leading(&stem).map(|(v, _)| v), stem, index, index));
    }
    for (version, id, index) in order(loader, entries) {
        let text = loader.set.files[index].text.clone();
        let (up_marker, down_marker) = match layout {
            Layout::Goose => ("-- +goose up", "-- +goose down"),
            _ => ("-- migrate:up", "-- migrate:down"),
        };
        let mut up_start = None;
        let mut down_start = None;
        let mut offset = 0;
        let mut no_tx = false;
        for line in text.split_inclusive('\n') {
            let lower = line.trim().to_ascii_lowercase();
            if lower.starts_with(up_marker) {
                up_start = Some(offset);
                if lower.contains("transaction:false") {
                    no_tx = true;
                }
            } else if lower.starts_with(down_marker) {
                down_start = Some(offset);
            }
            if lower.starts_with("-- +goose no transaction") {
                no_tx = true;
            }
            offset += line.len();
        }
        let len = text.len();
        let (up, down) = match (up_start, down_start) {
            (Some(u), Some(d)) if u < d => (Some(Span::new(u, d)), Some(Span::new(d, len))),
            (Some(u), Some(d)) => (Some(Span::new(u, len)), Some(Span::new(d, u))),
            (Some(u), None) => (Some(Span::new(u, len)), None),
            (None, Some(d)) => (Some(Span::new(0, d)), Some(Span::new(d, len))),
            (None, None) => (Some(Span::new(0, len)), None),
        };
        let section = |keep: Span| -> String {
            let mut blank = vec![];
            if keep.start > 0 {
                blank.push(Span::new(0, keep.start));
            }
            if keep.end < len {
                blank.push(Span::new(keep.end, len));
            }
            blank_out(&text, &blank)
        };
        let who = if layout == Layout::Goose {
            "goose"
        } else {
            "dbmate"
        };
        let transaction = if no_tx {
            let why = if layout == Layout::Goose {
                "the file says `-- +goose NO TRANSACTION`"
            } else {
                "the up section says `transaction:false`"
            };
            loader.tx(false, why)
        } else {
            loader.tx(true, format!("{who} runs each migration in a transaction"))
        };
        loader.set.migrations.push(Migration {
            id,
            version,
            up: up.map(|s| SqlPart {
                file: index,
                text: section(s),
            }),
            down: down.map(|s| SqlPart {
                file: index,
                text: section(s),
            }),
            transaction,
            supports_down: true,
        });
    }
    Ok(())
}

fn load_directories(
    loader: &mut Loader<'_>,
    root: &Path,
    layout: Layout,
    dirs: &BTreeMap<PathBuf, Vec<PathBuf>>,
) -> Result<()> {
    let mut entries = vec![];
    for (dir, files) in dirs.range(root.to_path_buf()..) {
        if dir.parent() != Some(root) {
            if !dir.starts_with(root) {
                break;
            }
            continue;
        }
        let name = file_name(dir);
        let find = |n: &str| files.iter().find(|f| file_name(f) == n).cloned();
        let (up_path, down_path) = match layout {
            Layout::Prisma => (find("migration.sql"), None),
            _ => (find("up.sql"), find("down.sql")),
        };
        if up_path.is_none() && down_path.is_none() {
            continue;
        }
        let up = loader.read_part(up_path.as_ref())?;
        let down = loader.read_part(down_path.as_ref())?;
        let Some(first) = up.or(down) else { continue };
        let run_in_tx = match find("metadata.toml").and_then(|m| std::fs::read_to_string(m).ok()) {
            Some(meta) => !meta
                .lines()
                .any(|l| l.replace(' ', "") == "run_in_transaction=false"),
            None => true,
        };
        let version = Version::leading(&name).map(|(v, _)| v);
        entries.push((version, name, first, (up, down, run_in_tx)));
    }
    for (version, id, (up, down, run_in_tx)) in order(loader, entries) {
        let transaction = match (layout, run_in_tx) {
            (Layout::Prisma, _) => loader.tx(
                true,
                "Prisma applies each migration.sql as one script in a transaction",
            ),
            (_, true) => loader.tx(true, "diesel runs each migration in a transaction"),
            (_, false) => loader.tx(false, "its metadata.toml sets `run_in_transaction = false`"),
        };
        let up = loader.whole_file(up);
        let down = loader.whole_file(down);
        loader.set.migrations.push(Migration {
            id,
            version,
            up,
            down,
            transaction,
            supports_down: layout == Layout::Diesel,
        });
    }
    Ok(())
}

fn load_sqitch(
    loader: &mut Loader<'_>,
    root: &Path,
    dirs: &BTreeMap<PathBuf, Vec<PathBuf>>,
) -> Result<()> {
    let deploy_dir = root.join("deploy");
    let revert_dir = root.join("revert");
    let deploy: Vec<PathBuf> = dirs.get(&deploy_dir).cloned().unwrap_or_default();
    let plan_order: Vec<String> = std::fs::read_to_string(root.join("sqitch.plan"))
        .map(|plan| {
            plan.lines()
                .map(str::trim)
                .filter(|l| {
                    !l.is_empty()
                        && !l.starts_with('%')
                        && !l.starts_with('#')
                        && !l.starts_with('@')
                })
                .filter_map(|l| l.split_whitespace().next().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let mut names: Vec<String> = deploy
        .iter()
        .map(|f| file_name(f).trim_end_matches(".sql").to_string())
        .collect();
    if plan_order.is_empty() {
        names.sort_by(|a, b| natural_cmp(a, b));
    } else {
        names.sort_by_key(|n| plan_order.iter().position(|p| p == n).unwrap_or(usize::MAX));
    }
    for name in names {
        let up = loader.read(&deploy_dir.join(format!("{name}.sql")))?;
        let revert = revert_dir.join(format!("{name}.sql"));
        let down = if revert.exists() {
            loader.read(&revert)?
        } else {
            None
        };
        let transaction = loader.tx(
            false,
            "sqitch runs scripts as written; they usually say BEGIN/COMMIT themselves",
        );
        let up = loader.whole_file(up);
        let down = loader.whole_file(down);
        loader.set.migrations.push(Migration {
            id: name,
            version: None,
            up,
            down,
            transaction,
            supports_down: true,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn write(dir: &Path, rel: &str, text: &str) {
        let path = dir.join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }

    fn one_set(dir: &Path) -> MigrationSet {
        let mut sets = discover(dir, &LoadOptions::default()).unwrap();
        assert_eq!(
            sets.len(),
            1,
            "{:?}",
            sets.iter().map(|s| &s.root).collect::<Vec<_>>()
        );
        sets.remove(0)
    }

    fn ids(set: &MigrationSet) -> Vec<&str> {
        set.migrations.iter().map(|m| m.id.as_str()).collect()
    }

    #[test]
    fn flyway_sorts_numerically_and_pairs_undo() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "V10__c.sql", "select 10;");
        write(dir.path(), "V9__b.sql", "select 9;");
        write(dir.path(), "V1_1__a.sql", "select 1;");
        write(dir.path(), "U9__b.sql", "select -9;");
        write(dir.path(), "R__views.sql", "select 0;");
        let set = one_set(dir.path());
        assert_eq!(set.layout, Layout::Flyway);
        assert_eq!(ids(&set), vec!["V1_1__a", "V9__b", "V10__c", "R__views"]);
        assert!(set.migrations[1].down.is_some());
        assert!(set.migrations[0].transaction.wrapped);
    }

    #[test]
    fn updown_pairs_and_no_transaction() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "2_b.up.sql", "-- no-transaction\nselect 2;");
        write(dir.path(), "2_b.down.sql", "select -2;");
        write(dir.path(), "10_c.up.sql", "select 10;");
        write(dir.path(), "1_a.up.sql", "select 1;");
        let set = one_set(dir.path());
        // The `-- no-transaction` marker is sqlx's.
        assert_eq!(set.layout, Layout::Sqlx);
        assert_eq!(ids(&set), vec!["1_a", "2_b", "10_c"]);
        assert!(set.migrations[1].down.is_some());
        assert!(!set.migrations[1].transaction.wrapped);
        assert!(set.migrations[0].transaction.wrapped);
        write(
            dir.path(),
            "11_d.postgres.autocommit.up.sql",
            "CREATE INDEX CONCURRENTLY i ON t (a);",
        );
        let set = one_set(dir.path());
        assert!(!set.migrations[3].transaction.wrapped);
    }

    #[test]
    fn golang_migrate_sends_each_file_as_one_message() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "1_a.up.sql", "select 1;");
        write(dir.path(), "1_a.down.sql", "select -1;");
        // Without evidence of golang-migrate, `.up.sql` files are read as sqlx's.
        assert_eq!(one_set(dir.path()).layout, Layout::Sqlx);
        write(
            dir.path(),
            "go.mod",
            "module m\nrequire github.com/golang-migrate/migrate/v4 v4.17.0\n",
        );
        let set = one_set(dir.path());
        assert_eq!(set.layout, Layout::UpDown);
        assert!(set.layout_decided.starts_with("detected by"));
        let tx = &set.migrations[0].transaction;
        assert!(tx.one_message && !tx.wrapped);
        assert!(!tx.wraps(1) && tx.wraps(2));
        // `runner_transaction` in pgproof.toml decides alone.
        let forced = LoadOptions {
            runner_transaction: Some(false),
            ..LoadOptions::default()
        };
        let set = discover(dir.path(), &forced).unwrap().remove(0);
        assert!(!set.migrations[0].transaction.wraps(2));
    }

    #[test]
    fn diesel_directories_and_metadata() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "2020-01-02-000000_b/up.sql", "select 2;");
        write(dir.path(), "2020-01-02-000000_b/down.sql", "select -2;");
        write(
            dir.path(),
            "2020-01-02-000000_b/metadata.toml",
            "run_in_transaction = false\n",
        );
        write(dir.path(), "2020-01-01-000000_a/up.sql", "select 1;");
        write(dir.path(), "2020-01-01-000000_a/down.sql", "");
        let set = one_set(dir.path());
        assert_eq!(set.layout, Layout::Diesel);
        assert_eq!(
            ids(&set),
            vec!["2020-01-01-000000_a", "2020-01-02-000000_b"]
        );
        assert!(set.migrations[0].transaction.wrapped);
        assert!(!set.migrations[1].transaction.wrapped);
        // A single file resolves to its whole set.
        let from_file = discover(
            &dir.path().join("2020-01-02-000000_b/up.sql"),
            &LoadOptions::default(),
        )
        .unwrap();
        assert_eq!(from_file.len(), 1);
        assert_eq!(from_file[0].migrations.len(), 2);
    }

    #[test]
    fn goose_and_dbmate_sections_keep_offsets() {
        let dir = tempfile::tempdir().unwrap();
        let goose = "-- +goose Up\n-- +goose StatementBegin\nCREATE TABLE a (id int);\n-- +goose StatementEnd\n\n-- +goose Down\nDROP TABLE a;\n";
        write(dir.path(), "g/00001_a.sql", goose);
        write(
            dir.path(),
            "g/00002_b.sql",
            "-- +goose NO TRANSACTION\n-- +goose Up\nCREATE INDEX CONCURRENTLY i ON a (id);\n",
        );
        write(
            dir.path(),
            "d/20240101_a.sql",
            "-- migrate:up transaction:false\nselect 1;\n-- migrate:down\nselect 2;\n",
        );
        let sets = discover(dir.path(), &LoadOptions::default()).unwrap();
        assert_eq!(sets.len(), 2);
        let dbmate = &sets[0];
        assert_eq!(dbmate.layout, Layout::Dbmate);
        assert!(!dbmate.migrations[0].transaction.wrapped);
        let goose_set = &sets[1];
        assert_eq!(goose_set.layout, Layout::Goose);
        let up = goose_set.migrations[0].up.as_ref().unwrap();
        assert_eq!(up.text.len(), goose.len());
        assert!(up.text.contains("CREATE TABLE a") && !up.text.contains("DROP TABLE"));
        assert!(goose_set.migrations[0]
            .down
            .as_ref()
            .unwrap()
            .text
            .contains("DROP TABLE a"));
        assert!(!goose_set.migrations[1].transaction.wrapped);
    }

    #[test]
    fn prisma_and_sqitch() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "p/20240102000000_b/migration.sql", "select 2;");
        write(dir.path(), "p/20240101000000_a/migration.sql", "select 1;");
        write(
            dir.path(),
            "p/migration_lock.toml",
            "provider = \"postgresql\"",
        );
        write(dir.path(), "s/sqitch.plan", "%project=x\n\nusers 2024-01-01T00:00:00Z a <a@b> # users\nposts [users] 2024-01-02T00:00:00Z a <a@b>\n");
        write(
            dir.path(),
            "s/deploy/users.sql",
            "BEGIN; CREATE TABLE users (id int); COMMIT;",
        );
        write(dir.path(), "s/deploy/posts.sql", "select 1;");
        write(dir.path(), "s/revert/users.sql", "DROP TABLE users;");
        let sets = discover(dir.path(), &LoadOptions::default()).unwrap();
        assert_eq!(sets[0].layout, Layout::Prisma);
        assert_eq!(ids(&sets[0]), vec!["20240101000000_a", "20240102000000_b"]);
        assert_eq!(sets[1].layout, Layout::Sqitch);
        assert_eq!(ids(&sets[1]), vec!["users", "posts"]);
        assert!(sets[1].migrations[0].down.is_some());
    }

    #[test]
    fn ties_and_mixed_schemes_are_problems() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "001_a.sql", "select 1;");
        write(dir.path(), "1_b.sql", "select 1;");
        write(dir.path(), "extra.sql", "select 1;");
        let set = one_set(dir.path());
        let messages: Vec<&str> = set.problems.iter().map(|p| p.message.as_str()).collect();
        assert!(
            messages.iter().any(|m| m.contains("same version 1")),
            "{messages:?}"
        );
        assert!(
            messages.iter().any(|m| m.contains("mixed naming schemes")),
            "{messages:?}"
        );
    }

    #[test]
    fn plain_files_sharing_a_date_prefix_run_in_name_order() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "20120822-b.sql", "select 2;");
        write(dir.path(), "20120822-a.sql", "select 1;");
        let set = one_set(dir.path());
        assert!(set.problems.is_empty(), "{:?}", set.problems);
        assert_eq!(ids(&set), vec!["20120822-a", "20120822-b"]);
        write(dir.path(), "1_x.up.sql", "select 1;");
        write(dir.path(), "1_y.up.sql", "select 1;");
        let strict = discover(
            dir.path(),
            &LoadOptions {
                layout: Some(Layout::UpDown),
                ..LoadOptions::default()
            },
        )
        .unwrap();
        assert!(strict[0]
            .problems
            .iter()
            .any(|p| p.message.contains("same version 1")));
    }

    #[test]
    fn unreadable_files_are_problems_not_errors() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("1_bin.sql"), b"\x00\x01\x02").unwrap();
        fs::write(dir.path().join("2_latin1.sql"), b"select '\xe9';").unwrap();
        write(dir.path(), "3_ok.sql", "select 1;");
        let set = one_set(dir.path());
        assert_eq!(set.problems.len(), 2);
        assert!(set.problems[0].message.contains("NUL byte"));
        assert!(set.problems[1].message.contains("not valid UTF-8"));
        assert_eq!(set.problems[1].span.start, 8);
        assert_eq!(set.migrations.len(), 1);
    }
    #[cfg(unix)]
    fn link(target: &Path, at: &Path) {
        std::os::unix::fs::symlink(target, at).unwrap();
    }

    fn paths(set: &MigrationSet) -> Vec<String> {
        set.files
            .iter()
            .map(|f| f.path.to_string_lossy().into_owned())
            .collect()
    }

    #[cfg(unix)]
    #[test]
    fn symlinked_files_and_directories_are_followed_under_their_own_path() {
        let dir = tempfile::tempdir().unwrap();
        let shared = dir.path().join("shared");
        write(&shared, "002_b.sql", "select 2;");
        write(&shared, "set/1_x.up.sql", "select 1;");
        let m = dir.path().join("repo/migrations");
        write(&m, "001_a.sql", "select 1;");
        // A file and a directory outside the walked directory, reached through links.
        link(&shared.join("002_b.sql"), &m.join("002_b.sql"));
        link(&shared.join("set"), &dir.path().join("repo/linked"));
        let sets = discover(&dir.path().join("repo"), &LoadOptions::default()).unwrap();
        assert_eq!(sets.len(), 2, "{sets:?}");
        assert!(sets[0].root.ends_with("repo/linked"), "{:?}", sets[0].root);
        assert_eq!(ids(&sets[0]), vec!["1_x"]);
        assert_eq!(ids(&sets[1]), vec!["001_a", "002_b"]);
        // The link's path, not its target's.
        assert!(paths(&sets[1])[1].ends_with("repo/migrations/002_b.sql"));
        // A link passed directly finds its set.
        let walk = find(&m.join("002_b.sql"), &LoadOptions::default()).unwrap();
        assert!(walk.errors.is_empty(), "{:?}", walk.errors);
        assert_eq!(walk.sets.len(), 1);
        let set = walk
            .sets
            .into_iter()
            .next()
            .unwrap()
            .load(&LoadOptions::default())
            .unwrap();
        assert_eq!(ids(&set), vec!["001_a", "002_b"]);
    }

    #[cfg(unix)]
    #[test]
    fn a_loop_of_links_is_an_error_naming_it_and_the_rest_is_walked() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "a/001_a.sql", "select 1;");
        link(dir.path(), &dir.path().join("a/back"));
        let walk = find(dir.path(), &LoadOptions::default()).unwrap();
        assert_eq!(walk.sets.len(), 1);
        assert_eq!(walk.errors.len(), 1, "{:?}", walk.errors);
        let error = walk.errors[0].to_string();
        assert!(error.contains("a/back`"), "{error}");
        assert!(error.contains("symbolic link loop"), "{error}");
    }

    #[cfg(unix)]
    #[test]
    fn a_dangling_link_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "001_a.sql", "select 1;");
        link(&dir.path().join("gone.sql"), &dir.path().join("002_b.sql"));
        // Editors' lock links and names no layout reads are not migrations.
        link(
            &dir.path().join("user@host.1"),
            &dir.path().join(".#001_a.sql"),
        );
        link(&dir.path().join("gone.md"), &dir.path().join("NOTES.md"));
        let walk = find(dir.path(), &LoadOptions::default()).unwrap();
        assert_eq!(walk.sets.len(), 1);
        assert_eq!(walk.errors.len(), 1, "{:?}", walk.errors);
        let error = walk.errors[0].to_string();
        assert!(
            error.contains("002_b.sql`: dangling symbolic link"),
            "{error}"
        );
        assert!(error.contains("gone.sql"), "{error}");
        // `discover` (prove) fails on it.
        assert!(discover(dir.path(), &LoadOptions::default()).is_err());
    }

    #[cfg(unix)]
    #[test]
    fn one_file_under_two_names_is_read_once_at_its_first_place() {
        let dir = tempfile::tempdir().unwrap();
        let m = dir.path().join("db/migrations");
        write(&m, "001_a.sql", "create table a (id int);");
        write(&m, "002_b.sql", "create table b (id int);");
        link(&m.join("001_a.sql"), &m.join("003_again.sql"));
        // The same directory again under another name: one set, under the real path.
        link(&m, &dir.path().join("db/current"));
        let sets = discover(dir.path(), &LoadOptions::default()).unwrap();
        assert_eq!(
            sets.len(),
            1,
            "{:?}",
            sets.iter().map(|s| &s.root).collect::<Vec<_>>()
        );
        let set = &sets[0];
        assert!(set.root.ends_with("db/migrations"), "{:?}", set.root);
        assert_eq!(ids(set), vec!["001_a", "002_b"]);
        assert_eq!(set.problems.len(), 1, "{:?}", set.problems);
        let problem = &set.problems[0];
        assert!(paths(set)[problem.file].ends_with("003_again.sql"));
        assert!(
            problem.message.contains("same file as") && problem.message.contains("001_a.sql"),
            "{}",
            problem.message
        );
    }

    #[test]
    fn a_file_that_cannot_be_read_is_an_error_of_its_set() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "001_a.sql", "select 1;");
        write(dir.path(), "002_b.sql", "select 2;");
        write(dir.path(), "003_c.sql", "select 3;");
        let walk = find(dir.path(), &LoadOptions::default()).unwrap();
        // Gone between the walk and the read (as a file root cannot be denied).
        fs::remove_file(dir.path().join("002_b.sql")).unwrap();
        let set = walk
            .sets
            .into_iter()
            .next()
            .unwrap()
            .load(&LoadOptions::default())
            .unwrap();
        assert_eq!(ids(&set), vec!["001_a", "003_c"]);
        assert_eq!(set.errors.len(), 1);
        assert!(
            set.errors[0].to_string().contains("002_b.sql`"),
            "{:?}",
            set.errors
        );
    }

    #[test]
    fn an_empty_walk_says_why() {
        let dir = tempfile::tempdir().unwrap();
        let opts = LoadOptions::default();
        let walk = find(dir.path(), &opts).unwrap();
        let why = walk.why_empty(dir.path()).unwrap();
        assert!(why.starts_with("no `.sql` files under it"), "{why}");
        write(dir.path(), "seeds/001_a.sql", "select 1;");
        write(dir.path(), "README.md", "");
        let mut builder = globset::GlobSetBuilder::new();
        builder.add(globset::Glob::new("**/seeds/**").unwrap());
        let excluding = LoadOptions {
            exclude: Some(builder.build().unwrap()),
            ..LoadOptions::default()
        };
        let walk = find(dir.path(), &excluding).unwrap();
        let why = walk.why_empty(dir.path()).unwrap();
        assert!(
            why.contains("all 1 `.sql` files under it are left out"),
            "{why}"
        );
        let readme = dir.path().join("README.md");
        let walk = find(&readme, &opts).unwrap();
        assert_eq!(walk.why_empty(&readme).unwrap(), "it is not a `.sql` file");
        let walk = find(dir.path(), &opts).unwrap();
        assert_eq!(walk.why_empty(dir.path()), None);
    }
}
