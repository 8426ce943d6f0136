//! `pgproof lint`: read the inputs (`lint/read.rs`: migration sets found under the paths, query
//! files, sqlc configs, git for `--since`, the `--schema-from` schema), run
//! [`crate::engine::lint`], keep the findings of the files asked about, and report.

pub(crate) mod cache;
mod read;
mod texts;

pub(crate) use read::{catalog_from_dump, old_queries, resolve_paths};

use super::{emit, Outcome};
use crate::catalog::Catalog;
use crate::cli::{ColorChoice, LintArgs};
use crate::config::{self, Settings};
use crate::engine::{self, Stats};
use crate::finding::Finding;
use crate::report::{self, Format, Report};
use crate::source::{Layout, MigrationSet, SourceError, SourceWarning};
use anyhow::{bail, Context, Result};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

pub fn run(args: &LintArgs) -> Result<Outcome> {
    super::huge_pages(false);
    if args.fix {
        // `lint --fix`: `pgproof fix` on the same files first, then the lint of what is left.
        super::fix::run_with(
            &crate::cli::FixArgs {
                paths: args.paths.clone(),
                replay: crate::cli::ReplayArgs {
                    config: args.config.clone(),
                    pg_version: args.pg_version,
                    layout: args.layout.clone(),
                    schema_from: args.schema_from.clone(),
                },
                diff: false,
                unsafe_fixes: false,
                since: args.since.clone(),
                fix_applied: false,
                prove: false,
                backend: crate::cli::Backend::Auto,
                image: None,
                pg_bin: None,
                database_url: None,
            },
            true,
        )?;
    }
    let Resolved {
        settings,
        base,
        config,
        paths,
    } = resolve(args)?;
    let baseline = read_baseline(args, config.as_deref())?;
    let format = Format::from(args.format);
    let fingerprints = baseline.is_some() || matches!(format, Format::Sarif | Format::Gitlab);
    let Linted {
        findings,
        stats,
        sources,
        errors,
        empty,
        warnings,
    } = lint_with(
        &paths,
        &settings,
        base.as_ref(),
        args.since.as_deref(),
        fingerprints,
        // (A job summary is the Markdown report, which shows source.)
        format.shows_source() || step_summary_path().is_some(),
        // Fingerprints number equal findings over every file linted, earlier migrations
        // included, which a run resumed from the cache does not replay: no cache with them.
        cache::dir(
            args.no_cache || fingerprints,
            args.cache_dir.as_deref(),
            &settings,
        ),
    )?;
    let (findings, baseline) = match baseline {
        None => (findings, None),
        Some((file, baseline)) => {
            // Staleness is told only when everything an entry could be about was linted.
            let whole =
                args.since.is_none() && !paths.is_empty() && paths.iter().all(|p| p.is_dir());
            // The query files checked are linted whole too.
            let linted: Vec<PathBuf> = paths.iter().chain(&settings.queries).cloned().collect();
            let (kept, summary) =
                super::baseline::apply(&file, &baseline, findings, whole.then_some(&linted[..]));
            (kept, Some(summary))
        }
    };
    // `.sql` files no layout reads are said, never skipped silently.
    for warning in warnings.iter().filter(|_| !args.quiet) {
        eprintln!("pgproof: warning: {}", warning.message);
    }
    // Nothing found under a path is said, never silent; with `require_files` it is an error.
    // Text on stdin that no migration set reads (its file excluded, or in no layout) was not
    // linted at all: an error, not a note.
    let must_lint = settings.require_files || settings.load.stdin.is_some();
    let level = if must_lint { "error" } else { "note" };
    for (path, why) in empty.iter().filter(|_| must_lint || !args.quiet) {
        eprintln!(
            "pgproof: {level}: nothing linted in `{}`: {why}",
            path.display()
        );
    }
    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            format == Format::Human
                && std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    };
    let report = Report {
        findings: &findings,
        stats: &stats,
        pg_version: settings.pg_version,
        sources: &sources,
        errors: &errors,
        warnings: &warnings,
        color,
        baseline: baseline.as_ref(),
        quiet: args.quiet,
    };
    let mut timings = super::Timings::from_env();
    emit(|out| report::write(format, &report, out))?;
    step_summary(&report);
    timings.lap("report");
    if let Some(summary) = baseline.as_ref().filter(|b| b.stale.is_some_and(|n| n > 0)) {
        if format != Format::Human && !args.quiet {
            eprintln!("pgproof: info: {}", summary.describe());
        }
    }
    for error in &errors {
        eprintln!("pgproof: error: {error}");
    }
    if !errors.is_empty() {
        eprintln!(
            "pgproof: error: {} could not be read; everything else was linted",
            if errors.len() == 1 {
                "1 file or directory".to_string()
            } else {
                format!("{} files or directories", errors.len())
            }
        );
    }
    let failed = !errors.is_empty() || (must_lint && !empty.is_empty());
    let fails = findings.iter().any(|f| settings.fail_on.fails(f.severity));
    if !stats.parse_aborts.is_empty() {
        // The findings are out; the statements that were never parsed make the run incomplete.
        bail!(
            "{} statement(s) could not be parsed, so the lint is incomplete:\n  {}",
            stats.parse_aborts.len(),
            stats.parse_aborts.join("\n  ")
        );
    }
    // The process ends next: freeing every finding and source text one by one would only delay
    // the exit (tens of milliseconds on a large tree), so the memory goes back with the process.
    std::mem::forget(findings);
    std::mem::forget(sources);
    Ok(if failed {
        Outcome::Failed
    } else if fails {
        Outcome::Findings
    } else {
        Outcome::Clean
    })
}

/// Lint's inputs resolved from its command line: the settings, the `--schema-from` schema, the
/// config file found, and the paths to lint.
pub(crate) struct Resolved {
    pub settings: Settings,
    pub base: Option<Catalog>,
    pub config: Option<PathBuf>,
    pub paths: Vec<PathBuf>,
}

/// Resolves `args` (config file, flags over it, the `--schema-from` schema, the paths).
pub(crate) fn resolve(args: &LintArgs) -> Result<Resolved> {
    let stdin = read_stdin(args)?;
    // The config is looked for from the first path, or from where stdin's text belongs.
    let first = match &stdin {
        Some(stdin) => stdin.shown.as_path(),
        None => args.paths.first().map_or(Path::new("."), PathBuf::as_path),
    };
    let config_path = match &args.config {
        Some(p) => {
            if !p.is_file() {
                bail!("config file `{}` does not exist", p.display());
            }
            Some(p.clone())
        }
        None => config::find_config(first),
    };
    let mut settings = config::load(config_path.as_deref(), crate::rules::is_known)?;
    if let Some(v) = args.pg_version {
        config::check_pg_version(v).context("invalid --pg-version")?;
        settings.pg_version = v;
    }
    if let Some(fail_on) = args.fail_on {
        settings.fail_on = fail_on.into();
    }
    if let Some(name) = &args.layout {
        settings.load.layout = Some(
            Layout::from_name(name)
                .with_context(|| format!("unknown layout `{name}` for --layout"))?,
        );
    }
    settings.flags_win(args.pg_version.is_some(), args.layout.is_some());
    let mut base = None;
    if let Some(source) = &args.schema_from {
        base = Some(read::base_schema(source)?);
        // sqlx's own table in the dump says sqlx runs these migrations.
        let dump = std::path::Path::new(source);
        if dump.is_file()
            && std::fs::read_to_string(dump).is_ok_and(|t| t.contains("_sqlx_migrations"))
        {
            settings.load.sqlx_schema_dump = Some(dump.to_path_buf());
        }
    }
    if !args.queries.is_empty() {
        settings.queries = args.queries.clone();
    }
    if args.require_files {
        settings.require_files = true;
    }
    let paths = match stdin {
        Some(stdin) => {
            let shown = stdin.shown.clone();
            let paths = stand_in(&mut settings, stdin);
            if paths.is_empty() && !args.quiet {
                eprintln!(
                    "pgproof: note: `{}` is not on disk: its text is linted alone, without the migrations that may come before it",
                    shown.display()
                );
            }
            paths
        }
        None => resolve_paths(&args.paths, &settings)?,
    };
    Ok(Resolved {
        settings,
        base,
        config: config_path,
        paths,
    })
}

/// Puts `stdin`'s text in `settings` in place of its file, and returns the paths to lint: the
/// file, which its set then reads from `stdin`, when it is on disk; none when it is not (the
/// text is then linted alone, `lint/read.rs`).
fn stand_in(settings: &mut Settings, stdin: crate::source::StdinText) -> Vec<PathBuf> {
    let on_disk = stdin.file.is_file();
    let shown = stdin.shown.clone();
    settings.load.stdin = Some(std::sync::Arc::new(stdin));
    if on_disk {
        vec![shown]
    } else {
        vec![]
    }
}

/// The text of `lint -` (or of `--stdin-filename` with no path), and the file it stands for
/// (`<stdin>` when none is named). None when no path is `-`.
fn read_stdin(args: &LintArgs) -> Result<Option<crate::source::StdinText>> {
    let dash = args.paths.iter().any(|p| p.as_os_str() == "-");
    let named = args.paths.is_empty() && args.stdin_filename.is_some();
    if !dash && !named {
        if args.stdin_filename.is_some() {
            bail!("--stdin-filename names where stdin's text belongs: give `-` as the path");
        }
        return Ok(None);
    }
    if args.paths.len() > 1 {
        bail!("`-` (a migration on stdin) cannot be linted with other paths");
    }
    if args.since.is_some() {
        bail!("`-` (a migration on stdin) cannot be combined with --since");
    }
    let mut text = String::new();
    std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
        .context("stdin is not UTF-8 text")?;
    if text.contains('\0') {
        bail!("stdin contains a NUL byte: it looks binary, not SQL");
    }
    if text.starts_with('\u{feff}') {
        // As for files: keep offsets, replace the byte-order mark with spaces of its length.
        text.replace_range(0..3, "   ");
    }
    let shown = args
        .stdin_filename
        .clone()
        .unwrap_or_else(|| PathBuf::from("<stdin>.sql"));
    Ok(Some(crate::source::StdinText::new(shown, text)))
}

/// The baseline `lint` reads: `--baseline`, else `pgproof-baseline.json` next to the config file
/// (or in the current directory) when it exists; none with `--no-baseline`.
fn read_baseline(
    args: &LintArgs,
    config: Option<&Path>,
) -> Result<Option<(PathBuf, crate::baseline::Baseline)>> {
    if args.no_baseline {
        return Ok(None);
    }
    let path = match &args.baseline {
        Some(path) => {
            if !path.is_file() {
                bail!("baseline file `{}` does not exist", path.display());
            }
            path.clone()
        }
        None => {
            let path = super::baseline::default_path(config);
            if !path.is_file() {
                return Ok(None);
            }
            path
        }
    };
    let baseline = super::baseline::read(&path)?;
    Ok(Some((path, baseline)))
}

/// What linting some paths gave.
pub struct Linted {
    /// Sorted.
    pub findings: Vec<Finding>,
    pub stats: Stats,
    /// Source texts of the files with findings, for excerpts (when asked for).
    pub sources: Sources,
    /// Files and directories that could not be read (operational errors: the exit code is 2);
    /// everything else was linted.
    pub errors: Vec<SourceError>,
    /// Paths given under which nothing was found to lint, and why.
    pub empty: Vec<(PathBuf, String)>,
    /// Directories with `.sql` files that no layout reads.
    pub warnings: Vec<SourceWarning>,
}

/// The texts of the files with findings, by displayed path, for excerpts.
pub type Sources = HashMap<PathBuf, std::sync::Arc<str>>;

/// Lints `paths`, returning sorted findings, total stats and the source texts for excerpts. A file
/// or directory that cannot be read fails the call (`prove` needs every migration); [`lint`]
/// reports them instead.
pub fn lint_paths(
    paths: &[PathBuf],
    settings: &Settings,
    since: Option<&str>,
) -> Result<(Vec<Finding>, Stats, Sources)> {
    let linted = lint(paths, settings, None, since, None)?;
    if let Some(error) = linted.errors.first() {
        bail!("{error}");
    }
    Ok((linted.findings, linted.stats, linted.sources))
}

/// The findings of `text` as the content of `path` (an editor's buffer, `pgproof lsp`): linted
/// in place of the file in its migration set when the file is on disk (the migrations before it
/// replayed, through the replay cache), alone otherwise; what `lint --stdin-filename path -`
/// reports, with the config found from `path`.
pub(crate) fn lint_text_at(path: &Path, text: String) -> Result<Vec<Finding>> {
    let config_path = config::find_config(path);
    let mut settings = config::load(config_path.as_deref(), crate::rules::is_known)?;
    let paths = stand_in(
        &mut settings,
        crate::source::StdinText::new(path.to_path_buf(), text),
    );
    let cache = default_cache(&settings);
    let file = crate::source::canonical(path);
    let linted = lint_with(&paths, &settings, None, None, false, false, cache)?;
    // Only the buffer's own findings (query files' are shown when those are open).
    let names = [path.file_name(), file.file_name()];
    Ok(linted
        .findings
        .into_iter()
        .filter(|f| {
            names.contains(&f.file.file_name()) && crate::source::canonical(&f.file) == file
        })
        .collect())
}

/// The replay cache lint uses by default for `settings` (None when disabled by the environment).
pub(crate) fn default_cache(settings: &Settings) -> Option<PathBuf> {
    cache::dir(false, None, settings)
}

/// The job summary file of a GitHub Actions job, when there is one ([`step_summary`]).
fn step_summary_path() -> Option<std::ffi::OsString> {
    std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty())
}

/// Inside a GitHub Actions job (`GITHUB_STEP_SUMMARY` names a file), appends the Markdown report
/// to the job's summary page, whatever format went to stdout. A summary that cannot be written is
/// a warning: the lint's outcome does not depend on it.
fn step_summary(report: &Report<'_>) {
    let Some(path) = step_summary_path() else {
        return;
    };
    let mut text = vec![];
    let written = report::write(Format::Markdown, report, &mut text).and_then(|()| {
        use std::io::Write;
        let mut file = std::fs::OpenOptions::new().append(true).open(&path)?;
        file.write_all(&text)?;
        file.write_all(b"\n")
    });
    if let Err(err) = written {
        eprintln!(
            "pgproof: warning: could not write the job summary to `{}` (GITHUB_STEP_SUMMARY): {err}",
            Path::new(&path).display()
        );
    }
}

/// The migration sets under `paths` replayed, their findings left aside: for where each object
/// of their final schemas was created ([`engine::LintedSet::origin`]). A file or directory that
/// cannot be read fails the call, as does finding no migrations.
pub fn replayed_sets(paths: &[PathBuf], settings: &Settings) -> Result<Vec<engine::LintedSet>> {
    let read::Inputs {
        sets,
        errors,
        empty,
        ..
    } = read::inputs(paths, settings, None, None)?;
    if let Some(error) = errors.first() {
        bail!("{error}");
    }
    if let Some((path, why)) = empty.first() {
        bail!("no migrations under `{}`: {why}", path.display());
    }
    let output = engine::lint(engine::Input {
        settings,
        sets,
        base: None,
        queries: vec![],
        threads: rayon::current_num_threads(),
        stack_bytes: engine::WORKER_STACK_BYTES,
        // `audit --migrations` places findings at the statements that created their objects.
        keep_origins: true,
        keep_texts: true,
    })?;
    if let Some(error) = output.unreadable.first() {
        bail!("{error}");
    }
    let sets = output.sets;
    if let Some(error) = sets.iter().flat_map(|s| &s.set.errors).next() {
        bail!("{error}");
    }
    Ok(sets)
}

/// Lints `paths`: what [`lint_paths`] does, with the files and directories that cannot be read
/// collected in [`Linted::errors`] while the rest is linted. `base` is the schema the migrations
/// start from (`--schema-from`). With a `cache_dir`, a run that reports on some files only starts
/// each set's replay from the newest state cached before the first of them, and caches the state
/// there (`lint/cache.rs`).
pub fn lint(
    paths: &[PathBuf],
    settings: &Settings,
    base: Option<&Catalog>,
    since: Option<&str>,
    cache_dir: Option<PathBuf>,
) -> Result<Linted> {
    lint_with(paths, settings, base, since, false, true, cache_dir)
}

/// [`lint`], with every finding's stable fingerprint set when `fingerprints` is true (computed
/// over the findings of every file linted, before those of the files asked about are kept, so
/// that the rank among equal findings does not depend on which files are reported), and
/// [`Linted::sources`] empty unless `want_sources` is true (each set's texts are then freed as soon as
/// it is linted).
pub fn lint_with(
    paths: &[PathBuf],
    settings: &Settings,
    base: Option<&Catalog>,
    since: Option<&str>,
    fingerprints: bool,
    want_sources: bool,
    cache_dir: Option<PathBuf>,
) -> Result<Linted> {
    // A run on some files (pre-commit) takes the texts of the files before them from the cache
    // when they have not changed, as it takes the replay state after them.
    let texts = cache_dir
        .as_ref()
        .filter(|_| since.is_some() || paths.iter().any(|p| p.is_file()))
        .map(|dir| std::sync::Arc::new(texts::Texts::new(dir.clone())));
    let read::Inputs {
        mut sets,
        queries: jobs,
        mut errors,
        empty,
        mut warnings,
        reported_files,
        named_queries,
    } = read::inputs(paths, settings, since, texts.clone())?;
    let mut timings = super::Timings::from_env();
    if let (Some(dir), Some(reported)) = (cache_dir, &reported_files) {
        // Findings in query files are shown unless query files were named (below): a migration
        // file that is also a query file (an sqlc package's schema under its query paths) is
        // reported on, so its migration is replayed, not taken from the cache.
        let mut shown = reported.clone();
        if named_queries.is_empty() {
            for job in &jobs {
                shown.extend(
                    job.sources
                        .files
                        .iter()
                        .map(|f| crate::source::canonical(&f.path)),
                );
            }
        }
        sets.cache = cache::ReplayCache::new(dir, settings, base, &shown);
    }
    let output = engine::lint(engine::Input {
        settings,
        sets,
        base,
        queries: jobs,
        threads: rayon::current_num_threads(),
        stack_bytes: engine::WORKER_STACK_BYTES,
        keep_origins: false,
        keep_texts: want_sources || fingerprints,
    })?;
    if let Some(texts) = &texts {
        texts.save();
    }
    timings.lap("read, parse, replay, rules and queries");
    if timings.enabled() {
        // The slowest sets bound the run: each set is replayed in order on one thread.
        let mut slowest: Vec<&engine::LintedSet> = output.sets.iter().collect();
        slowest.sort_unstable_by_key(|o| std::cmp::Reverse(o.took));
        for outcome in slowest.iter().take(3) {
            eprintln!(
                "timing:   set {} {:.1} ms",
                outcome.set.root.display(),
                outcome.took.as_secs_f64() * 1000.0
            );
        }
    }
    let engine::Output {
        mut findings,
        stats,
        sets,
        unreadable,
        query_files,
        warnings: unchecked,
    } = output;
    errors.extend(unreadable);
    warnings.extend(unchecked);
    let mut sets: Vec<MigrationSet> = sets.into_iter().map(|l| l.set).collect();
    for set in &mut sets {
        errors.append(&mut set.errors);
    }
    if fingerprints {
        let texts: HashMap<&Path, &str> = sets
            .iter()
            .flat_map(|set| &set.files)
            .map(|file| (file.path.as_path(), &*file.text))
            .chain(
                query_files
                    .iter()
                    .map(|file| (file.path.as_path(), &*file.text)),
            )
            .collect();
        crate::fingerprint::assign(&mut findings, |path| texts.get(path).copied());
        timings.lap("fingerprints");
    }
    // Reported files by displayed path: canonicalise each file once, not each finding.
    let reported: Option<BTreeSet<&Path>> = reported_files.map(|wanted| {
        let files = || sets.iter().flat_map(|set| &set.files);
        // Canonicalise only the files named like one reported on (a few system calls each);
        // when that misses one (a link reported under its target's name), every file.
        let names: HashSet<&std::ffi::OsStr> =
            wanted.iter().filter_map(|p| p.file_name()).collect();
        let ids = crate::source::Identities::of(wanted.iter());
        let mut found: HashSet<PathBuf> = HashSet::new();
        let mut by_name: BTreeSet<&Path> = BTreeSet::new();
        for file in files().filter(|f| {
            f.path.file_name().is_some_and(|n| names.contains(n)) && ids.may_hold(&f.path)
        }) {
            // (A file `pgproof fix` would create has no canonical path yet: `canonical_new`.)
            let real = crate::source::canonical_new(&file.path);
            if wanted.contains(&real) {
                by_name.insert(&file.path);
                found.insert(real);
            }
        }
        if found.len() == wanted.len() {
            return by_name;
        }
        files()
            .filter(|file| wanted.contains(&crate::source::canonical_new(&file.path)))
            .map(|file| file.path.as_path())
            .collect()
    });
    // A pre-commit run on query files reports on those files only.
    let queries: HashSet<&Path> = query_files.iter().map(|f| f.path.as_path()).collect();
    let named: HashSet<&Path> = queries
        .iter()
        .copied()
        .filter(|path| named_queries.contains(&crate::source::canonical(path)))
        .collect();
    let findings: Vec<Finding> = findings
        .into_iter()
        .filter(|f| {
            if queries.contains(f.file.as_path()) {
                named_queries.is_empty() || named.contains(f.file.as_path())
            } else {
                reported
                    .as_ref()
                    .is_none_or(|r| r.contains(f.file.as_path()))
            }
        })
        .collect();
    drop((reported, queries, named));
    // The texts of the files with findings, for a report that shows source (otherwise the sets
    // kept none).
    let mut sources = HashMap::new();
    if want_sources {
        // (Sorted findings come grouped by file: one lookup per file.)
        let mut used: HashSet<&Path> = HashSet::new();
        let mut last: Option<&Path> = None;
        for f in &findings {
            if last.is_none_or(|l| l.as_os_str() != f.file.as_os_str()) {
                used.insert(&f.file);
                last = Some(&f.file);
            }
        }
        let files = query_files
            .into_iter()
            .chain(sets.into_iter().flat_map(|set| set.files));
        for file in files {
            if used.contains(file.path.as_path()) {
                sources.insert(file.path, file.text);
            }
        }
    }
    timings.lap("merge");
    // One error reached through two paths (a file and its directory) is reported once.
    errors.sort_by(|a, b| (&a.path, &a.message).cmp(&(&b.path, &b.message)));
    errors.dedup();
    Ok(Linted {
        findings,
        stats,
        sources,
        errors,
        empty,
        warnings,
    })
}

/// For tests and `prove`: lint one directory with default settings.
pub fn lint_dir(dir: &Path, settings: &Settings) -> Result<Vec<Finding>> {
    Ok(lint_paths(&[dir.to_path_buf()], settings, None)?.0)
}
