//! Reading `lint`'s inputs from disk and git: the paths to lint, what is under them (migration
//! sets found, read when the engine starts each; files named as queries; sqlc projects), the
//! application's query files with their `--since` versions, and the `--schema-from` schema.
//! `lint.rs` hands what this reads to the engine and reports.

use crate::catalog::Catalog;
use crate::config::Settings;
use crate::engine::{self, QuerySchema};
use crate::source::{layout, MigrationSet, SourceError, SourceWarning};
use anyhow::{bail, Context, Result};
use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};
use std::process::Command;

/// What `lint` reads before the engine runs.
pub(super) struct Inputs {
    /// The migration sets found under the paths, each read when the engine starts it.
    pub sets: FoundSets,
    /// Application queries, read and split, each group with the schema it runs against.
    pub queries: Vec<engine::QueryJob>,
    /// Files and directories that could not be read.
    pub errors: Vec<SourceError>,
    /// Paths given under which nothing was found to lint, and why.
    pub empty: Vec<(PathBuf, String)>,
    /// Directories with `.sql` files that no layout reads, and sqlc configs that cannot be used.
    pub warnings: Vec<SourceWarning>,
    /// The only files to report on (canonical paths), when not all: files named explicitly
    /// (pre-commit passes changed files), those changed since `--since`.
    pub reported_files: Option<BTreeSet<PathBuf>>,
    /// Query files named as paths (canonical): checked as queries, not read as migrations.
    pub named_queries: BTreeSet<PathBuf>,
}

/// Finds what `paths` hold and reads the application's queries (with the running release's for
/// `since`). Migration sets are found here and read later, by the engine's workers.
pub(super) fn inputs(
    paths: &[PathBuf],
    settings: &Settings,
    since: Option<&str>,
    texts: Option<std::sync::Arc<super::texts::Texts>>,
) -> Result<Inputs> {
    let mut errors: Vec<SourceError> = vec![];
    let mut empty = vec![];
    let mut warnings: Vec<SourceWarning> = vec![];
    // sqlc projects (when no query paths are configured): their schema is a migration set, their
    // query files are checked against it and never read as migrations.
    let projects = if settings.queries.is_empty() {
        sqlc_projects(paths, &mut warnings)
    } else {
        vec![]
    };
    // Query files named as paths (pre-commit passes every changed `.sql` file) are checked as
    // queries against the replayed migrations, not read as a migration set.
    let mut walk_paths: Vec<(PathBuf, bool)> = vec![];
    let mut named_queries: BTreeSet<PathBuf> = BTreeSet::new();
    let mut context: Vec<PathBuf> = vec![];
    for path in paths {
        let configured = path.is_file() && crate::source::is_under(&settings.queries, path);
        let owner = projects
            .iter()
            .find(|p| path.is_file() && p.has_query_file(path) && !p.has_schema_file(path));
        if configured || owner.is_some() {
            named_queries.insert(crate::source::canonical(path));
            match owner {
                Some(project) => context.extend(project.schema.iter().cloned()),
                None => context.extend(resolve_paths(&[], settings)?),
            }
        } else {
            // (A file `pgproof fix` would create is named too.)
            let file = path.is_file() || settings.load.creates(path);
            walk_paths.push((path.clone(), file));
        }
    }
    for path in context {
        if !walk_paths
            .iter()
            .any(|(p, _)| crate::source::canonical(p) == crate::source::canonical(&path))
        {
            walk_paths.push((path, false));
        }
    }
    // Application queries, read and split before the migrations are linted (their joins are
    // evidence for the schema rules), with the running release's for `--since`.
    let mut jobs: Vec<engine::QueryJob> = vec![];
    if !settings.queries.is_empty() {
        let mut job = read_queries(
            &settings.queries,
            QuerySchema::TheSet,
            settings,
            &mut errors,
        )?;
        if let Some(reference) = since {
            job.old = Some(old_queries(reference, &settings.queries, &job.sources)?);
        }
        jobs.push(job);
    }
    let mut query_files: HashSet<PathBuf> = HashSet::new();
    // Each project asks of every file of the sets before its own whether it is a schema file.
    let canonical = std::sync::Arc::new(crate::source::CanonicalMemo::default());
    for project in &projects {
        if project.queries.is_empty() {
            continue;
        }
        let owner = project.clone();
        let canonical = canonical.clone();
        let schema = QuerySchema::Sqlc {
            config: crate::source::display_path(&project.config),
            holds: Box::new(move |set| {
                owner.has_schema_file_at(&canonical.get(&set.root))
                    || set
                        .files
                        .iter()
                        .any(|f| owner.has_schema_file_at(&canonical.get(&f.path)))
            }),
        };
        let job = read_queries(&project.queries, schema, settings, &mut errors)?;
        for file in &job.sources.files {
            if !project.has_schema_file(&file.path) {
                query_files.insert(crate::source::canonical(&file.path));
            }
        }
        jobs.push(job);
    }
    let mut load = settings.load.clone();
    load.query_files = std::sync::Arc::new(query_files);
    load.texts = texts.map(|t| t as std::sync::Arc<dyn crate::source::TextMemo>);
    let mut timings = crate::commands::Timings::from_env();
    let mut found = vec![];
    let mut roots: BTreeSet<PathBuf> = BTreeSet::new();
    // Files named explicitly are the only ones reported on (pre-commit passes changed files).
    let mut reported_files: Option<BTreeSet<PathBuf>> =
        (!named_queries.is_empty()).then(|| named_queries.clone());
    for (path, named) in &walk_paths {
        if *named {
            reported_files
                .get_or_insert_with(BTreeSet::new)
                .insert(crate::source::canonical_new(path));
        }
        let mut walk = layout::find(path, &load)?;
        if let Some(why) = walk.why_empty(path) {
            empty.push((path.clone(), why));
        }
        errors.append(&mut walk.errors);
        for (dir, count) in walk.unclaimed.drain(..) {
            let warning = SourceWarning::unclaimed(&dir, count);
            if !warnings.contains(&warning) {
                warnings.push(warning);
            }
        }
        for set in walk.sets {
            if roots.insert(crate::source::canonical(set.root())) {
                found.push(set);
            }
        }
    }
    if let Some(reference) = since {
        let mut changed = changed_since(
            reference,
            paths.first().map_or(Path::new("."), PathBuf::as_path),
        )?;
        // A file `pgproof fix` would create is new since any reference.
        changed.extend(settings.load.created().map(|(k, _)| k.clone()));
        let filtered = match reported_files.take() {
            Some(files) => files.intersection(&changed).cloned().collect(),
            None => changed,
        };
        reported_files = Some(filtered);
    }
    // Text from stdin for a file that is not on disk (or for no file): a set of its own, its
    // one migration reported on, linted without the migrations that may come before it.
    let mut sets = FoundSets::new(found, load);
    if let Some(stdin) = settings.load.stdin.as_ref().filter(|s| !s.file.is_file()) {
        let texts = engine::Texts {
            root: stdin
                .shown
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .map_or_else(|| PathBuf::from("."), Path::to_path_buf),
            layout: settings.load.layout.unwrap_or(crate::source::Layout::Plain),
            migrations: vec![engine::TextMigration::file(
                stdin.shown.clone(),
                stdin.text.clone(),
            )],
        };
        sets.push_loaded(texts.into_set(settings));
        // Queries are checked against the schema the migrations build, which a migration
        // linted alone does not have: they would all look broken.
        jobs.clear();
        reported_files
            .get_or_insert_with(BTreeSet::new)
            .insert(crate::source::canonical_new(&stdin.shown));
    }
    timings.lap("discover");
    Ok(Inputs {
        sets,
        queries: jobs,
        errors,
        empty,
        warnings,
        reported_files,
        named_queries,
    })
}

pub(crate) fn resolve_paths(paths: &[PathBuf], settings: &Settings) -> Result<Vec<PathBuf>> {
    if !paths.is_empty() {
        for p in paths {
            if !p.exists() && p.symlink_metadata().is_ok() {
                let target = std::fs::read_link(p).unwrap_or_default();
                bail!(
                    "path `{}` is a dangling symbolic link (its target `{}` does not exist)",
                    p.display(),
                    target.display()
                );
            }
            if !p.exists() {
                bail!("path `{}` does not exist", p.display());
            }
        }
        return Ok(paths.to_vec());
    }
    if let Some(m) = &settings.migrations {
        if !m.exists() {
            bail!(
                "`migrations` in {} points to `{}`, which does not exist",
                settings
                    .config_path
                    .as_deref()
                    .unwrap_or(Path::new("pgproof.toml"))
                    .display(),
                m.display()
            );
        }
        return Ok(vec![m.clone()]);
    }
    let default = PathBuf::from("migrations");
    if default.is_dir() {
        return Ok(vec![default]);
    }
    bail!("no paths given, no `migrations` key in pgproof.toml, and no ./migrations directory: pass the migration directory, e.g. `pgproof lint db/migrations`")
}

/// The schema named by `--schema-from`: a live database (read-only) or a schema dump replayed
/// through the normal path.
pub(super) fn base_schema(source: &str) -> Result<Catalog> {
    let is_url = source.starts_with("postgres://")
        || source.starts_with("postgresql://")
        || source.contains("host=")
        || source.contains("dbname=");
    if is_url {
        let config = crate::live::config(Some(source))?;
        let session = crate::live::Session::open(&config)?;
        return crate::live::introspect::read_catalog(
            &session,
            &crate::live::introspect::Scope { schemas: vec![] },
        );
    }
    let text = std::fs::read_to_string(source)
        .with_context(|| format!("cannot read the schema dump `{source}` (--schema-from)"))?;
    Ok(catalog_from_dump(source, &text))
}

/// The schema a dump's statements build, replayed through the normal path (`prove
/// --schema-from` lints against the same one). A syntax error is a warning naming `source`'s
/// line: the rest of the dump is still loaded.
pub(crate) fn catalog_from_dump(source: &str, text: &str) -> Catalog {
    let parsed = crate::syntax::parse_sql(text);
    if let Some(error) = parsed.errors.first() {
        let line = text[..error.span.start.min(text.len())]
            .lines()
            .count()
            .max(1);
        eprintln!(
            "pgproof: warning: {source}:{line}: {} (the rest of the dump is still loaded)",
            error.message
        );
    }
    let mut catalog = Catalog::new();
    for stmt in &parsed.statements {
        crate::catalog::apply::apply(&mut catalog, &stmt.kind);
    }
    catalog
}

/// The migration sets a walk found, each read from disk when the engine starts it.
/// A set as the engine's worker gets it: found (read when the worker starts it), or already read.
enum Pending {
    Found(layout::FoundSet),
    Loaded(MigrationSet),
}

pub(super) struct FoundSets {
    found: Vec<std::sync::Mutex<Option<Pending>>>,
    bytes: Vec<u64>,
    load: crate::source::LoadOptions,
    /// Replay states kept between runs, when some files only are reported on.
    pub cache: Option<super::cache::ReplayCache>,
}

impl FoundSets {
    fn new(found: Vec<layout::FoundSet>, load: crate::source::LoadOptions) -> Self {
        FoundSets {
            bytes: found.iter().map(|f| f.bytes).collect(),
            found: found
                .into_iter()
                .map(|f| std::sync::Mutex::new(Some(Pending::Found(f))))
                .collect(),
            load,
            cache: None,
        }
    }

    /// Adds a set already read (text from stdin).
    fn push_loaded(&mut self, set: MigrationSet) {
        self.bytes
            .push(set.files.iter().map(|f| f.text.len() as u64).sum());
        self.found
            .push(std::sync::Mutex::new(Some(Pending::Loaded(set))));
    }
}

impl engine::Sets for FoundSets {
    fn count(&self) -> usize {
        self.found.len()
    }

    fn bytes(&self, i: usize) -> u64 {
        self.bytes[i]
    }

    fn load(&self, i: usize) -> std::result::Result<MigrationSet, SourceError> {
        let found = self.found[i]
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
            .expect("each set is read once");
        match found {
            Pending::Loaded(set) => Ok(set),
            Pending::Found(found) => {
                let root = found.root().to_path_buf();
                found
                    .load(&self.load)
                    .map_err(|err| SourceError::new(&root, format!("{err:#}")))
            }
        }
    }

    fn resume(&self, i: usize, set: &MigrationSet) -> engine::Resume {
        self.cache
            .as_ref()
            .map_or_else(engine::Resume::default, |cache| cache.resume(i, set))
    }

    fn keep(&self, i: usize, _set: &MigrationSet, snapshot: engine::Snapshot) {
        if let Some(cache) = &self.cache {
            cache.keep(i, &snapshot);
        }
    }
}

/// Reads and splits the query files under `paths` and parses their queries.
fn read_queries(
    paths: &[PathBuf],
    schema: QuerySchema,
    settings: &Settings,
    errors: &mut Vec<SourceError>,
) -> Result<engine::QueryJob> {
    let mut sources = crate::source::query_files::gather_templated(
        paths,
        &settings.load,
        &settings.query_placeholders,
    )?;
    errors.append(&mut sources.errors);
    let (queries, parse_errors) = crate::queries::parse(&sources.queries);
    Ok(engine::QueryJob {
        sources,
        queries,
        errors: parse_errors,
        schema,
        old: None,
    })
}

/// The PostgreSQL packages of the sqlc configs in or above `paths` whose schema and query paths
/// exist; a config that cannot be read, or names a path that does not exist, is a warning naming it.
fn sqlc_projects(
    paths: &[PathBuf],
    warnings: &mut Vec<SourceWarning>,
) -> Vec<crate::source::sqlc::SqlcProject> {
    let mut configs: BTreeSet<PathBuf> = BTreeSet::new();
    let mut projects = vec![];
    for path in paths {
        for config in crate::source::sqlc::find_configs(path) {
            if !configs.insert(crate::source::canonical(&config)) {
                continue;
            }
            let shown = crate::source::display_path(&config);
            match crate::source::sqlc::read(&config) {
                Ok(found) => {
                    for project in found {
                        let missing = project
                            .schema
                            .iter()
                            .chain(&project.queries)
                            .find(|p| !p.exists());
                        match missing {
                            Some(missing) => warnings.push(SourceWarning {
                                path: shown.clone(),
                                message: format!(
                                    "the sqlc config `{}` names `{}`, which does not exist: that package is read as plain migrations",
                                    shown.display(),
                                    crate::source::display_path(missing).display()
                                ),
                            }),
                            None => projects.push(project),
                        }
                    }
                }
                Err(err) => warnings.push(SourceWarning {
                    path: shown,
                    message: format!("{err:#}: its files are read as plain migrations"),
                }),
            }
        }
    }
    projects
}

/// The directory git runs in for `path`: the path itself, or the file's directory.
fn git_dir(path: &Path) -> PathBuf {
    let dir = if path.is_dir() {
        path.to_path_buf()
    } else {
        path.parent().map(Path::to_path_buf).unwrap_or_default()
    };
    if dir.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        dir
    }
}

/// Runs git in `dir` for `--since`, returning its output.
fn git_in(dir: &Path, args: &[&str]) -> Result<String> {
    let output = Command::new("git")
        .args(args)
        .current_dir(dir)
        .output()
        .context("cannot run git for --since (is git installed?)")?;
    if !output.status.success() {
        bail!(
            "git {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Files added or changed since `reference` (committed, staged, unstaged and untracked).
fn changed_since(reference: &str, near: &Path) -> Result<BTreeSet<PathBuf>> {
    let dir = git_dir(near);
    let git = |args: &[&str]| git_in(&dir, args);
    let top = PathBuf::from(git(&["rev-parse", "--show-toplevel"])?.trim());
    let mut changed = BTreeSet::new();
    let diff = git(&["diff", "--name-only", "--diff-filter=ACMR", reference, "--"])
        .with_context(|| format!("--since {reference}: not a git ref here"))?;
    let untracked = git(&["ls-files", "--others", "--exclude-standard", "--full-name"])?;
    for line in diff
        .lines()
        .chain(untracked.lines())
        .filter(|l| !l.is_empty())
    {
        changed.insert(crate::source::canonical(&top.join(line)));
    }
    Ok(changed)
}

/// The query files as they were at `reference` (the running release), parsed (shown as
/// `<ref>:<path>`, numbered after the files of `sources`, which the engine appends them to).
pub(crate) fn old_queries(
    reference: &str,
    paths: &[PathBuf],
    sources: &crate::source::query_files::QuerySources,
) -> Result<crate::queries::OldQueries> {
    let mut old = crate::queries::OldQueries {
        reference: reference.to_string(),
        ..Default::default()
    };
    let first = sources.files.len();
    for path in paths {
        let dir = git_dir(path);
        let git = |args: &[&str]| git_in(&dir, args);
        let spec = if path.is_dir() {
            ".".to_string()
        } else {
            path.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        };
        let listed = git(&[
            "ls-tree",
            "-r",
            "--name-only",
            "--full-name",
            reference,
            "--",
            &spec,
        ])
        .with_context(|| format!("--since {reference}: not a git ref here"))?;
        // The directory's place in the repository (`db/queries/`), to name each old file by
        // its path in the working tree as given (`--queries`).
        let prefix = git(&["rev-parse", "--show-prefix"]).unwrap_or_default();
        let prefix = prefix.trim();
        for file in listed.lines().filter(|l| l.ends_with(".sql")) {
            let text = git(&["show", &format!("{reference}:{file}")])?;
            let index = old.sources.files.len() + first;
            let worktree = if path.is_dir() {
                match file.strip_prefix(prefix) {
                    Some(rest) => path.join(rest),
                    None => PathBuf::from(file),
                }
            } else {
                path.clone()
            };
            // `v1:db/queries/users.sql`: the release, then the file in the working tree (where
            // GitHub and SARIF annotations point).
            let shown = PathBuf::from(format!("{reference}:{}", worktree.display()));
            old.sources
                .queries
                .extend(crate::source::query_files::split(index, &text));
            old.sources.files.push(crate::source::SourceFile {
                path: shown,
                text: text.into(),
                worktree_path: Some(worktree),
            });
        }
    }
    let (queries, _errors) = crate::queries::parse(&old.sources.queries);
    old.queries = queries;
    Ok(old)
}
