//! The directory walk: which migration sets are under a path, and which layout their folders
//! decide, without reading the migrations (`FoundSet::load` reads one set).

use super::{family_of, file_name, is_sql, Folders, Layout, FAMILIES};
use crate::source::{display_path, LoadOptions, MigrationSet, SourceError};
use anyhow::{bail, Context, Result};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

pub(super) const SKIP_DIRS: &[&str] = &["target", "node_modules", ".git", "vendor"];

/// Migration directories grouped by the walk: each directory's relevant files, in name order.
pub(super) type Dirs = BTreeMap<PathBuf, Vec<PathBuf>>;

/// What one walk found, shared by the sets it found.
#[derive(Debug, Default)]
pub(super) struct Tree {
    pub(super) dirs: Dirs,
    /// Files reached under more than one path (symbolic or hard links): every such path, mapped to
    /// the first one the walk reached, so a set holding two of them reads the file once.
    pub(super) same_file: HashMap<PathBuf, PathBuf>,
    /// Each file's stamp when walked, when loading may take texts from a memo
    /// ([`crate::source::LoadOptions::texts`]).
    pub(super) stamps: HashMap<PathBuf, crate::source::Stamp>,
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
            Found::Walked { layout, tree } => super::load(&self.root, layout, &tree, opts),
            Found::Loaded(set) => Ok(*set),
        }
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

/// Finds the migration sets under `path` (a directory or a file inside one) without reading their
/// files: the directory walk and the layouts that directory and file names decide.
///
/// Symbolic links are followed, and reported under their own path (not their target's). A loop of
/// links, a dangling link and an unreadable directory are [`Walk::errors`]; the rest is still walked.
/// A directory reached twice (through a link) is one set, under the path without links when there
/// is one.
pub fn find(path: &Path, opts: &LoadOptions) -> Result<Walk> {
    let is_file = match std::fs::metadata(path) {
        Ok(meta) => meta.is_file(),
        Err(err) if std::fs::symlink_metadata(path).is_ok() => {
            bail!("{}", SourceError::from_io(path, &err))
        }
        // A file `pgproof fix` would create, linted before it is written.
        Err(_) if opts.creates(path) => true,
        Err(err) => {
            return Err(err).with_context(|| format!("cannot read `{}`", path.display()));
        }
    };
    if is_file {
        // Only the sets that hold this file: reading them is the way to know which they are.
        let root = root_of_file(path);
        let walk = find(&root, opts)?;
        let mut out = Walk {
            errors: walk.errors,
            sql_files: usize::from(file_name(path).ends_with(".sql")),
            excluded: usize::from(!included(path, &root, opts, &QueryFiles::of(opts))),
            ..Walk::default()
        };
        // The sets under the file's root are read in parallel, as a directory's are.
        let loaded: Vec<(u64, Result<MigrationSet>)> = {
            use rayon::prelude::*;
            walk.sets
                .into_par_iter()
                .map(|found| (found.bytes, found.load(opts)))
                .collect()
        };
        // The set that holds the file: compare names first, and canonicalise only the files
        // named like it (each canonicalisation is several system calls; a set has thousands).
        let name = path.file_name();
        let real = path.canonicalize().ok();
        let ids = crate::source::Identities::of(&real);
        let same = |f: &Path| match &real {
            Some(a) => {
                ids.may_hold(f)
                    && match f.canonicalize() {
                        Ok(b) => *a == b,
                        Err(_) => f == path,
                    }
            }
            None => f == path,
        };
        let loaded: Vec<(u64, MigrationSet)> = loaded
            .into_iter()
            .map(|(bytes, set)| set.map(|set| (bytes, set)))
            .collect::<Result<_>>()?;
        let by_name: Vec<bool> = loaded
            .iter()
            .map(|(_, set)| {
                set.files
                    .iter()
                    .any(|f| f.path.file_name() == name && same(&f.path))
            })
            .collect();
        let any_by_name = by_name.contains(&true);
        for ((bytes, set), named) in loaded.into_iter().zip(by_name) {
            // By name when a file of that name is it; else (a link under another name) any file.
            let holds = if any_by_name {
                named
            } else {
                set.files.iter().any(|f| same(&f.path))
            };
            if holds {
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
    let query_files = QueryFiles::of(opts);
    // The files to file, in walk order, then their metadata (size and identity), asked for in
    // parallel: one system call per file, the walk's largest cost.
    let mut kept = vec![];
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
        if !included(file, path, opts, &query_files) {
            out.excluded += usize::from(sql);
            continue;
        }
        kept.push(entry);
    }
    let metadata: Vec<Option<std::fs::Metadata>> = {
        use rayon::prelude::*;
        kept.par_iter().map(|entry| entry.metadata().ok()).collect()
    };
    let mut run: Option<(PathBuf, Vec<PathBuf>, u64)> = None;
    for (entry, meta) in kept.iter().zip(metadata) {
        let file = entry.path();
        let parent = file.parent().unwrap_or(path);
        let size = meta.as_ref().map_or(0, std::fs::Metadata::len);
        if opts.texts.is_some() {
            if let Some(stamp) = meta.as_ref().and_then(crate::source::Stamp::of) {
                tree.stamps.insert(file.to_path_buf(), stamp);
            }
        }
        if let Some(id) = meta.as_ref().and_then(crate::source::identity) {
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
    // Files `pgproof fix` would create, each in its directory's file order (by name).
    for (file, size) in opts.created_under(path) {
        let name = file_name(&file);
        if !relevant(&name) || !included(&file, path, opts, &query_files) {
            continue;
        }
        out.sql_files += usize::from(name.ends_with(".sql"));
        let parent = file.parent().unwrap_or(path).to_path_buf();
        file_run(
            &mut tree.dirs,
            &mut sizes,
            Some((parent.clone(), vec![file], size)),
        );
        if let Some(files) = tree.dirs.get_mut(&parent) {
            files.sort_by(|a, b| a.file_name().cmp(&b.file_name()));
        }
    }
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
        let folders = Folders { children, dirs };
        let layout = FAMILIES
            .iter()
            .find_map(|family| family.detect_folders(&folders, opts.for_set(parent).layout));
        if let Some(layout) = layout {
            let mut bytes = 0;
            for child in children {
                claimed.insert((*child).clone());
                bytes += sizes.get(*child).copied().unwrap_or(0);
                let unread = dirs[*child]
                    .iter()
                    .filter(|f| is_sql(f) && !family_of(layout).reads(layout, child, f))
                    .count();
                if unread > 0 {
                    out.unclaimed.push(((*child).clone(), unread));
                }
            }
            if layout == Layout::Flyway {
                // Flyway reads the files beside its version folders too.
                claimed.insert(parent.to_path_buf());
                bytes += sizes.get(*parent).copied().unwrap_or(0);
            } else {
                directory_roots.insert(parent.to_path_buf());
            }
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
    // A Flyway file in a version folder: Flyway reads the folders beside it as one history.
    let version_folder =
        super::flyway::is_flyway_name(&name) && super::flyway::is_version_folder(&parent_name);
    if version_folder
        || matches!(
            name.as_str(),
            "up.sql" | "down.sql" | "migration.sql" | "metadata.toml" | "metadata.yaml"
        )
        || matches!(parent_name.as_str(), "deploy" | "revert" | "verify")
    {
        grandparent()
    } else {
        parent.to_path_buf()
    }
}

/// The identities of the query files a walk leaves out, to rule most files out with one `stat`
/// instead of canonicalising each (None when there are none).
struct QueryFiles(Option<crate::source::Identities>);

impl QueryFiles {
    fn of(opts: &LoadOptions) -> QueryFiles {
        QueryFiles(
            (!opts.query_files.is_empty())
                .then(|| crate::source::Identities::of(opts.query_files.iter())),
        )
    }
}

fn included(file: &Path, root: &Path, opts: &LoadOptions, query_files: &QueryFiles) -> bool {
    if let Some(ids) = &query_files.0 {
        if ids.may_hold(file) {
            let real = file.canonicalize().unwrap_or_else(|_| file.to_path_buf());
            if opts.query_files.contains(&real) {
                return false;
            }
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

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::*;
    use crate::source::layout::discover;
    use std::fs;

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
