//! `pgproof baseline`: lint, and write the findings to the baseline file (`crate::baseline`) that
//! `lint` then leaves out; `--prune` only removes the entries no finding matches. Also the file's
//! place, reading it, and which entries a run can call stale, for `lint`.
//!
//! Entries name their file relative to the baseline file's directory. A run speaks for the entries
//! whose file lies under the paths it linted: those it rewrites (or, with `--prune`, removes when
//! nothing matched them) and, in `lint`, calls stale; entries about other paths are kept as they
//! are.

use super::lint::{self, Resolved};
use super::Outcome;
use crate::baseline::{self, Baseline, Entry};
use crate::cli::{BaselineArgs, LintArgs};
use crate::finding::Finding;
use crate::report::BaselineSummary;
use anyhow::{bail, Context, Result};
use std::io::Write;
use std::path::{Component, Path, PathBuf};

pub fn run(args: &BaselineArgs) -> Result<Outcome> {
    let mut lint_args = LintArgs::replaying(args.paths.clone(), &args.replay);
    lint_args.queries = args.queries.clone();
    let Resolved {
        settings,
        base,
        config,
        paths,
    } = lint::resolve(&lint_args)?;
    let output = args
        .output
        .clone()
        .unwrap_or_else(|| default_path(config.as_deref()));
    let existing = if output.is_file() {
        Some(read(&output)?)
    } else if args.prune {
        bail!("no baseline file `{}` to prune", output.display());
    } else {
        None
    };
    let linted = lint::lint_with(&paths, &settings, base.as_ref(), None, true, true, None)?;
    for (path, why) in &linted.empty {
        eprintln!(
            "pgproof: note: nothing linted in `{}`: {why}",
            path.display()
        );
    }
    // A baseline of part of the findings would report the rest as new on the next run.
    if let Some(error) = linted.errors.first() {
        bail!(
            "{error}; `{}` was not written (every file must be read)",
            output.display()
        );
    }
    if !linted.stats.parse_aborts.is_empty() {
        bail!(
            "{} statement(s) could not be parsed; `{}` was not written:\n  {}",
            linted.stats.parse_aborts.len(),
            output.display(),
            linted.stats.parse_aborts.join("\n  ")
        );
    }
    let dir = base_dir(&output);
    // The query files checked are linted whole too.
    let roots: Vec<PathBuf> = paths.iter().chain(&settings.queries).cloned().collect();
    let scope = Scope::new(&dir, &roots);
    let old = existing.map(|b| b.entries).unwrap_or_default();
    let (entries, said) = if args.prune {
        let before = Baseline::new(old);
        let applied = before.apply(linted.findings);
        let kept: Vec<Entry> = before
            .entries
            .iter()
            .zip(&applied.matched)
            .filter(|(e, matched)| **matched || !scope.covers(e))
            .map(|(e, _)| e.clone())
            .collect();
        let removed = before.entries.len() - kept.len();
        (kept, format!("removed {removed} stale"))
    } else {
        let mut entries: Vec<Entry> = linted
            .findings
            .iter()
            .map(|f| {
                let text = linted.sources.get(&f.file).map(|t| &**t);
                baseline::entry(f, entry_file(&dir, f), text)
            })
            .collect();
        let current = entries.len();
        let others = old.into_iter().filter(|e| !scope.covers(e));
        entries.extend(others);
        let kept = entries.len() - current;
        (
            entries,
            format!("{current} current findings, {kept} kept from other paths"),
        )
    };
    let baseline = Baseline::new(entries);
    write_atomically(&output, &baseline.render())?;
    eprintln!(
        "pgproof: wrote `{}`: {} entries ({said})",
        output.display(),
        baseline.entries.len()
    );
    Ok(Outcome::Clean)
}

/// `pgproof-baseline.json` next to the config file, or in the current directory without one.
pub fn default_path(config: Option<&Path>) -> PathBuf {
    config
        .and_then(Path::parent)
        .map_or_else(PathBuf::new, Path::to_path_buf)
        .join(baseline::FILE_NAME)
}

/// Reads and checks the baseline file at `path`; the error names it.
pub fn read(path: &Path) -> Result<Baseline> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read baseline file `{}`", path.display()))?;
    Baseline::parse(&text).with_context(|| format!("invalid baseline file `{}`", path.display()))
}

/// `findings` without those `baseline` (read from `file`) lists, and what it left out. `linted`
/// are the paths of a run that linted everything under them (no `--since`, no single files):
/// entries under them that matched nothing are counted as stale; None leaves staleness untold.
pub fn apply(
    file: &Path,
    baseline: &Baseline,
    findings: Vec<Finding>,
    linted: Option<&[PathBuf]>,
) -> (Vec<Finding>, BaselineSummary) {
    let applied = baseline.apply(findings);
    let stale = linted.map(|paths| {
        let scope = Scope::new(&base_dir(file), paths);
        baseline
            .entries
            .iter()
            .zip(&applied.matched)
            .filter(|(e, matched)| !**matched && scope.covers(e))
            .count()
    });
    let summary = BaselineSummary {
        file: file.to_path_buf(),
        baselined: applied.baselined,
        stale,
    };
    (applied.kept, summary)
}

/// The directory entries' files are relative to.
fn base_dir(file: &Path) -> PathBuf {
    absolute(file.parent().unwrap_or(Path::new("")))
}

/// The paths a run linted, to tell which entries it speaks for.
struct Scope {
    dir: PathBuf,
    roots: Vec<PathBuf>,
}

impl Scope {
    fn new(dir: &Path, paths: &[PathBuf]) -> Self {
        Scope {
            dir: dir.to_path_buf(),
            roots: paths.iter().map(|p| absolute(p)).collect(),
        }
    }

    /// Whether `entry`'s file lies under a linted path.
    fn covers(&self, entry: &Entry) -> bool {
        let file = absolute(&self.dir.join(&entry.file));
        self.roots.iter().any(|root| file.starts_with(root))
    }
}

/// The file of `f` as an entry names it: relative to `dir` (the baseline file's directory), with
/// `/` separators. A file of the running release (`--since`) is named by its working-tree path.
fn entry_file(dir: &Path, f: &Finding) -> String {
    let file = absolute(crate::report::annotation_path(f));
    let common = dir
        .components()
        .zip(file.components())
        .take_while(|(a, b)| a == b)
        .count();
    let mut parts: Vec<String> = dir.components().skip(common).map(|_| "..".into()).collect();
    parts.extend(
        file.components()
            .skip(common)
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    parts.join("/")
}

/// `path` made absolute against the current directory, with `.` and `..` resolved lexically (the
/// same file reached as `db/../db/x.sql` and `db/x.sql` is one entry).
fn absolute(path: &Path) -> PathBuf {
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()
            .map(|cwd| cwd.join(path))
            .unwrap_or_else(|_| path.to_path_buf())
    };
    let mut out = PathBuf::new();
    for component in joined.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// Writes `text` to `path` through a temporary file in the same directory, renamed over it: a
/// reader sees the old file or the new one, never part of one.
pub(crate) fn write_atomically(path: &Path, text: &str) -> Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let mut file = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("cannot write baseline file `{}`", path.display()))?;
    // A temporary file is private (0600); the baseline is a file of the repository.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).map_or(0o644, |m| m.permissions().mode());
        file.as_file()
            .set_permissions(std::fs::Permissions::from_mode(mode))
            .with_context(|| format!("cannot write baseline file `{}`", path.display()))?;
    }
    file.write_all(text.as_bytes())
        .and_then(|()| file.as_file().sync_all())
        .with_context(|| format!("cannot write baseline file `{}`", path.display()))?;
    file.persist(path)
        .with_context(|| format!("cannot write baseline file `{}`", path.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_resolved_lexically() {
        assert_eq!(
            absolute(Path::new("/a/b/../c/./d")),
            PathBuf::from("/a/c/d")
        );
    }

    #[test]
    fn the_default_file_is_next_to_the_config() {
        assert_eq!(
            default_path(Some(Path::new("repo/pgproof.toml"))),
            PathBuf::from("repo/pgproof-baseline.json")
        );
        assert_eq!(
            default_path(Some(Path::new("pgproof.toml"))),
            PathBuf::from("pgproof-baseline.json")
        );
        assert_eq!(default_path(None), PathBuf::from("pgproof-baseline.json"));
    }
}
