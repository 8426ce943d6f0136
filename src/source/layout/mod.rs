//! Migration layouts: detection, ordering, up/down pairing and runner transaction semantics.
//!
//! `walk.rs` finds the sets under a path; each layout family (one file each: `plain`, `updown`,
//! `flyway`, `sections`, `directories`, `sqitch`, `sourcegraph`) says how its sets are recognised
//! and read, behind the [`Family`] trait, listed once in [`FAMILIES`]. This file holds what they
//! share: the [`Layout`] names, reading files into a set ([`Loader`]), and version ordering.

use super::version::{natural_cmp, Version};
use super::{
    display_path, FileProblem, LoadOptions, MigrationSet, RunnerTransaction, SourceError,
    SourceFile, SqlPart,
};
use crate::span::Span;
use anyhow::{bail, Result};
use std::collections::HashMap;
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

mod directories;
mod flyway;
mod plain;
mod sections;
mod sourcegraph;
mod sqitch;
mod updown;
mod walk;

pub(crate) use updown::SQLX_NO_TX;
pub use walk::{find, root_of_file, FoundSet, Walk};
use walk::{Dirs, Tree};

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

/// How a family's sets are recognised: by their folders (one folder per migration, or `deploy/`
/// and `revert/`), during the walk; or by the names and markers of one directory's `.sql` files,
/// when the set is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Folders,
    Files,
}

/// One family of layouts: how a set of it is recognised, and how its files become ordered
/// migrations with up/down parts and a runner transaction. A new family is one file that
/// implements this and one line in [`FAMILIES`].
trait Family: Sync {
    /// The layouts this family reads.
    fn layouts(&self) -> &'static [Layout];

    fn kind(&self) -> Kind;

    /// A folder family's layout for `folders` (the subdirectories of one directory that hold
    /// migration files), given `--layout`/`layout` as `forced`; None when they are not its.
    fn detect_folders(&self, _folders: &Folders<'_>, _forced: Option<Layout>) -> Option<Layout> {
        None
    }

    /// How a folder layout was decided, in words.
    fn decided(&self, _layout: Layout) -> &'static str {
        "detected by its directory structure"
    }

    /// Whether a folder layout reads `file`, one of the files in its folder `dir` (the `.sql` files
    /// it does not read are reported as unclaimed, never skipped silently).
    fn reads(&self, _layout: Layout, _dir: &Path, _file: &Path) -> bool {
        false
    }

    /// A file family's layout for a directory of `.sql` files, and how it was decided; None when
    /// the evidence is not its.
    fn detect_files(&self, _evidence: &mut Evidence<'_>) -> Option<(Layout, String)> {
        None
    }

    /// Reads the set's migrations into `loader.set`: its parts, their order, and whether the
    /// runner wraps each in a transaction.
    fn load(&self, loader: &mut Loader<'_>, set: &SetFiles<'_>, layout: Layout) -> Result<()>;
}

/// Every family, in the order detection asks them: folder families first (Sqitch's `deploy/`,
/// then sourcegraph's `metadata.yaml` before diesel's bare `up.sql`), then file families
/// (Flyway's names, section markers, up/down names and their runner's evidence, and plain last:
/// it takes any directory).
static FAMILIES: &[&dyn Family] = &[
    &sqitch::Sqitch,
    &sourcegraph::Sourcegraph,
    &directories::Directories,
    &flyway::Flyway,
    &sections::Sections,
    &updown::UpDown,
    &plain::Plain,
];

/// The family that reads `layout`.
fn family_of(layout: Layout) -> &'static dyn Family {
    FAMILIES
        .iter()
        .copied()
        .find(|family| family.layouts().contains(&layout))
        .unwrap_or(&plain::Plain)
}

/// The subdirectories of one directory that hold migration files, as the walk found them.
struct Folders<'a> {
    children: &'a [&'a PathBuf],
    dirs: &'a Dirs,
}

impl Folders<'_> {
    /// Whether one of the folders holds a file named `name`.
    fn hold(&self, name: &str) -> bool {
        self.children.iter().any(|c| {
            self.dirs[*c]
                .iter()
                .any(|f| f.file_name().is_some_and(|n| n == name))
        })
    }

    /// Whether one of the folders is named `name`.
    fn include(&self, name: &str) -> bool {
        self.children
            .iter()
            .any(|c| c.file_name().is_some_and(|n| n == name))
    }
}

/// Where a set's files are: its root, the walk's directories with their files (folder layouts
/// read the root's subdirectories), and the `.sql` files directly in the root, in name order
/// (what file layouts read).
struct SetFiles<'a> {
    root: &'a Path,
    dirs: &'a Dirs,
    files: Vec<PathBuf>,
}

/// What file families look at to recognise a directory of `.sql` files: the files and their
/// names, and their texts, read on demand and kept for loading so that no file is read twice.
struct Evidence<'a> {
    root: &'a Path,
    files: &'a [PathBuf],
    names: Vec<String>,
    opts: &'a LoadOptions,
    read_ahead: &'a mut HashMap<PathBuf, FileText>,
}

impl Evidence<'_> {
    /// Whether a file is named as an up or down part (`.up.sql`, `.down.sql`).
    fn updown_names(&self) -> bool {
        self.names
            .iter()
            .any(|n| n.ends_with(".up.sql") || n.ends_with(".down.sql"))
    }

    /// The text of `file` (or why it is not SQL text); None when it cannot be read, which is
    /// reported when the set is loaded.
    fn text(&mut self, file: &Path) -> Option<&FileText> {
        if !self.read_ahead.contains_key(file) {
            let text = self.opts.read_text(file).ok()?;
            self.read_ahead.insert(file.to_path_buf(), text);
        }
        self.read_ahead.get(file)
    }
}

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

fn is_sql(file: &Path) -> bool {
    file.extension().is_some_and(|e| e == "sql")
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
            self.set.files.push(SourceFile::new(shown, String::new()));
            self.problem(index, message);
            return Ok(None);
        }
        let text = match self.read_ahead.remove(path) {
            Some(text) => text,
            None => match self.opts.read_text(path) {
                Ok(text) => text,
                Err(err) => {
                    self.set.errors.push(SourceError::from_io(path, &err));
                    return Ok(None);
                }
            },
        };
        match text {
            Ok(text) => {
                self.set.files.push(SourceFile::new(shown, text));
                if let Some(group) = group {
                    self.read_once.insert(group.clone(), index);
                }
                Ok(Some(index))
            }
            Err((offset, message)) => {
                self.set.files.push(SourceFile::new(shown, String::new()));
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
    // `[[sets]]` in pgproof.toml may give this set its own layout and runner transaction.
    let opts = &*opts.for_set(root);
    let family = family_of(detected);
    let mut loader = Loader {
        set: MigrationSet {
            root: display_path(root),
            layout: detected,
            layout_decided: if opts.layout == Some(detected) {
                "configured"
            } else {
                family.decided(detected)
            }
            .to_string(),
            transaction_assumption: String::new(),
            files: vec![],
            migrations: vec![],
            problems: vec![],
            errors: vec![],
        },
        opts,
        read_ahead: read_in_parallel(root, tree, opts),
        same_file: &tree.same_file,
        read_once: HashMap::new(),
    };
    // Flyway found by its version folders reads theirs with its own files.
    let version_folders = detected == Layout::Flyway;
    let set = SetFiles {
        root,
        dirs: &tree.dirs,
        files: tree
            .dirs
            .iter()
            .filter(|(dir, _)| {
                dir.as_path() == root || (version_folders && dir.parent() == Some(root))
            })
            .flat_map(|(_, files)| files)
            .filter(|f| is_sql(f))
            .cloned()
            .collect(),
    };
    if family.kind() == Kind::Folders || version_folders {
        family.load(&mut loader, &set, detected)?;
    } else {
        let (layout, decided) = match opts.layout {
            Some(l) => (l, "configured".to_string()),
            None => detect_files(&set, opts, &mut loader.read_ahead),
        };
        loader.set.layout = layout;
        loader.set.layout_decided = decided;
        // A folder layout given with `--layout` to loose files reads them as plain files.
        let family = Some(family_of(layout))
            .filter(|f| f.kind() == Kind::Files)
            .unwrap_or(&plain::Plain);
        family.load(&mut loader, &set, layout)?;
    }
    loader.set.transaction_assumption = match opts.runner_transaction {
        Some(true) => "each migration in a transaction (`runner_transaction` in pgproof.toml)",
        Some(false) => "no runner transaction (`runner_transaction` in pgproof.toml)",
        None => loader.set.layout.transaction_assumption(),
    }
    .to_string();
    Ok(loader.set)
}

/// The texts of the `.sql` files in `root` and its folders, read on rayon's threads (a set of a
/// thousand files read one by one took longer than its replay from a cached state). A file that
/// cannot be read, or is one of several names of one file, is left to [`Loader::read`], which
/// reports it.
fn read_in_parallel(root: &Path, tree: &Tree, opts: &LoadOptions) -> HashMap<PathBuf, FileText> {
    use rayon::prelude::*;
    let files: Vec<&PathBuf> = tree
        .dirs
        .iter()
        .filter(|(dir, _)| dir.as_path() == root || dir.parent() == Some(root))
        .flat_map(|(_, files)| files)
        .filter(|f| is_sql(f) && !tree.same_file.contains_key(*f))
        .collect();
    // A memo of texts stands for files on disk only: not with stdin's or replaced texts.
    let memo = opts
        .texts
        .as_deref()
        .filter(|_| opts.stdin.is_none() && opts.replaced.is_empty());
    let mut texts: Vec<Option<FileText>> = vec![None; files.len()];
    if let Some(memo) = memo {
        let stamped: Vec<(usize, &Path, &crate::source::Stamp)> = files
            .iter()
            .enumerate()
            .filter_map(|(i, f)| Some((i, f.as_path(), tree.stamps.get(*f)?)))
            // A file over the size limit is read, to be said too large.
            .filter(|(_, _, stamp)| stamp.size <= opts.max_file_bytes)
            .collect();
        let asked: Vec<(&Path, &crate::source::Stamp)> = stamped
            .iter()
            .map(|&(_, path, stamp)| (path, stamp))
            .collect();
        for (&(i, _, _), text) in stamped.iter().zip(memo.recall(root, &asked)) {
            texts[i] = text.map(Ok);
        }
    }
    let unknown: Vec<usize> = (0..files.len()).filter(|&i| texts[i].is_none()).collect();
    // With a memo, each text is read with its open file's stamp, kept only when that is the stamp
    // the walk saw (the path may name another file by now).
    let read: Vec<(usize, Option<FileText>, Option<crate::source::Stamp>)> = unknown
        .into_par_iter()
        .map(|i| match memo {
            Some(_) => match crate::source::read_text_stamped(files[i], opts.max_file_bytes) {
                Ok((text, stamp)) => (i, Some(text), stamp),
                Err(_) => (i, None, None),
            },
            None => (i, opts.read_text(files[i]).ok(), None),
        })
        .collect();
    if let Some(memo) = memo {
        let kept: Vec<(&Path, &crate::source::Stamp, &str)> = read
            .iter()
            .filter_map(|(i, text, opened)| {
                let path = files[*i].as_path();
                let walked = tree.stamps.get(path)?;
                let text = text.as_ref()?.as_deref().ok()?;
                (opened.as_ref() == Some(walked)).then_some((path, walked, text))
            })
            .collect();
        memo.keep(root, &kept);
    }
    for (i, text, _) in read {
        texts[i] = text;
    }
    files
        .into_iter()
        .zip(texts)
        .filter_map(|(f, text)| Some((f.clone(), text?)))
        .collect()
}

/// Detects the layout of a directory of `.sql` files: by names first, then by section markers,
/// then by evidence of sqlx (a `-- no-transaction` marker, a manifest naming sqlx). Returns the
/// layout and how it was decided. Files read for their markers are kept in `read_ahead` for loading.
fn detect_files(
    set: &SetFiles<'_>,
    opts: &LoadOptions,
    read_ahead: &mut HashMap<PathBuf, FileText>,
) -> (Layout, String) {
    let mut evidence = Evidence {
        root: set.root,
        files: &set.files,
        names: set.files.iter().map(|f| file_name(f)).collect(),
        opts,
        read_ahead,
    };
    FAMILIES
        .iter()
        .find_map(|family| family.detect_files(&mut evidence))
        .expect("the plain family takes any directory of `.sql` files")
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

#[cfg(test)]
mod test_support {
    use super::*;
    use std::fs;

    pub fn write(dir: &Path, rel: &str, text: &str) {
        let path = dir.join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }

    pub fn one_set(dir: &Path) -> MigrationSet {
        let mut sets = discover(dir, &LoadOptions::default()).unwrap();
        assert_eq!(
            sets.len(),
            1,
            "{:?}",
            sets.iter().map(|s| &s.root).collect::<Vec<_>>()
        );
        sets.remove(0)
    }

    pub fn ids(set: &MigrationSet) -> Vec<&str> {
        set.migrations.iter().map(|m| m.id.as_str()).collect()
    }

    #[cfg(unix)]
    pub fn link(target: &Path, at: &Path) {
        std::os::unix::fs::symlink(target, at).unwrap();
    }

    pub fn paths(set: &MigrationSet) -> Vec<String> {
        set.files
            .iter()
            .map(|f| f.path.to_string_lossy().into_owned())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::*;
    use super::*;
    use std::fs;

    #[test]
    fn every_layout_has_one_family_and_every_family_is_listed() {
        for (name, layout) in LAYOUT_NAMES {
            let families = FAMILIES
                .iter()
                .filter(|f| f.layouts().contains(layout))
                .count();
            assert_eq!(
                families, 1,
                "layout `{name}` is read by {families} families"
            );
            assert_eq!(Layout::from_name(layout.name()), Some(*layout));
        }
        // Every family is reachable: some layout of it has a name.
        for family in FAMILIES {
            assert!(family
                .layouts()
                .iter()
                .all(|l| LAYOUT_NAMES.iter().any(|(_, named)| named == l)));
        }
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
}
