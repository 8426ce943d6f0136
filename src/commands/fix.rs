//! `pgproof fix`: write the findings' fixes into the migration files. A fix is written only when
//! the file, linted again with it (its whole migration set replayed), no longer has the finding it
//! fixes and has no finding it did not have before: a recipe whose steps must run in separate
//! transactions, written into a migration that runs in one, trips `lock-held-across-statements`
//! or `concurrently-in-transaction` there, and is not written (the run says why) unless it is the
//! only statement of its up part and the layout marks a migration to run outside the runner's
//! transaction in the file itself (goose, dbmate, sqlx): then it is tried again with that marker
//! and written when that is clean ([`outside_transaction`]). Fixes are found
//! and checked in rounds (a statement two rules fix is fixed by one, then linted again), all in
//! memory; the files change at the end, each atomically, and none when anything fails.
//!
//! Only the files named (or changed since `--since`) are written: the migrations before them are
//! applied somewhere, and runners that checksum applied migrations refuse changed ones.

use super::lint::{self, Resolved};
use super::Outcome;
use crate::cli::{FixArgs, LintArgs};
use crate::finding::{Applicability, Finding};
use crate::fix::{Edit, Statements};
use anyhow::{bail, Result};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// What identifies a fix across rounds: its file (canonical), its rule, and the edited text.
type FixKey = (PathBuf, String, String);

/// Rounds of fixing and linting again: a statement two rules fix takes two.
const ROUNDS: usize = 4;

mod marker;
mod proven;
mod split;
mod verdict;
mod write;
use marker::outside_transaction;
use proven::prove_first;
use split::split_out;
use verdict::{counts, verdict};
use write::write_files;

pub fn run(args: &FixArgs) -> Result<Outcome> {
    run_with(args, false)
}

/// [`run`]; with `summary_to_stderr` (`lint --fix`, whose report follows on stdout), what was
/// fixed and what was not goes to stderr.
pub fn run_with(args: &FixArgs, summary_to_stderr: bool) -> Result<Outcome> {
    if args.paths.iter().any(|p| p.as_os_str() == "-") {
        bail!("`pgproof fix` writes files: name them (`-`, a migration on stdin, is for `lint`)");
    }
    let lint_args = LintArgs::replaying(args.paths.clone(), &args.replay);
    let Resolved {
        settings,
        base,
        paths,
        ..
    } = lint::resolve(&lint_args)?;
    if args.since.is_none() && !args.fix_applied {
        if let Some(dir) = paths.iter().find(|p| p.is_dir()) {
            bail!(
                "`{}` is a directory: its migrations may be applied already, and runners that checksum them refuse changed ones. Name the files to fix, pass --since <ref> to fix those added or changed since it, or --fix-applied to fix every migration under it",
                dir.display()
            );
        }
    }
    let mut fixer = Fixer {
        paths,
        settings,
        base,
        since: args.since.clone(),
        unsafe_fixes: args.unsafe_fixes,
        cache: None,
        originals: BTreeMap::new(),
        current: HashMap::new(),
        created: BTreeMap::new(),
        fixed: vec![],
        refused: vec![],
        tried: HashSet::new(),
        outside: HashSet::new(),
        layouts: Default::default(),
        unproven: HashMap::new(),
        proving: args.prove,
    };
    fixer.cache = lint::default_cache(&fixer.settings);
    if args.prove {
        fixer.unproven = prove_first(&fixer, args)?;
    }
    let left = fixer.fix()?;
    let changed: Vec<(&PathBuf, &String, &String)> = fixer
        .originals
        .iter()
        .filter_map(|(canonical, (shown, original))| {
            let now = fixer.current.get(canonical)?;
            (now != original).then_some((shown, original, now))
        })
        .collect();
    let created: Vec<(&PathBuf, &String)> = fixer
        .created
        .iter()
        .filter_map(|(canonical, shown)| Some((shown, fixer.current.get(canonical)?)))
        .collect();
    let mut out = std::io::stdout().lock();
    if args.diff {
        for (shown, now) in &created {
            let diff = similar::TextDiff::from_lines("", now.as_str());
            write!(
                out,
                "{}",
                diff.unified_diff()
                    .context_radius(3)
                    .header("/dev/null", &format!("b/{}", shown.display()))
            )?;
        }
        for (shown, original, now) in &changed {
            let name = shown.display().to_string();
            let diff = similar::TextDiff::from_lines(original.as_str(), now.as_str());
            write!(
                out,
                "{}",
                diff.unified_diff()
                    .context_radius(3)
                    .header(&format!("a/{name}"), &format!("b/{name}"))
            )?;
        }
    } else {
        write_files(&fixer.originals, &changed, &created)?;
    }
    // What was fixed and what was not, on stderr with --diff (stdout holds the diff).
    let mut summary: Box<dyn Write> = if args.diff || summary_to_stderr {
        Box::new(std::io::stderr().lock())
    } else {
        Box::new(out)
    };
    for fixed in &fixer.fixed {
        writeln!(
            summary,
            "{} {}:{} {} ({}){}",
            if args.diff { "would fix" } else { "fixed" },
            fixed.file.display(),
            fixed.line,
            fixed.rule,
            fixed.applicability.name(),
            fixed
                .note
                .as_ref()
                .map_or(String::new(), |note| format!(", {note}"))
        )?;
    }
    for refused in &fixer.refused {
        writeln!(
            summary,
            "not fixed {}:{} {}: {}",
            refused.file.display(),
            refused.line,
            refused.rule,
            refused.why
        )?;
    }
    writeln!(
        summary,
        "pgproof fix: {} {} {} in {} {}; {} not written; {} {} left{}",
        fixer.fixed.len(),
        if fixer.fixed.len() == 1 {
            "fix"
        } else {
            "fixes"
        },
        if args.diff { "to write" } else { "written" },
        changed.len() + created.len(),
        if changed.len() + created.len() == 1 {
            "file"
        } else {
            "files"
        },
        fixer.refused.len(),
        left.len(),
        if left.len() == 1 {
            "finding"
        } else {
            "findings"
        },
        if left.is_empty() {
            ""
        } else {
            " (`pgproof lint` shows them)"
        }
    )?;
    let fails = if args.diff {
        !changed.is_empty() || !created.is_empty()
    } else {
        left.iter()
            .any(|f| fixer.settings.fail_on.fails(f.severity))
    };
    Ok(if fails {
        Outcome::Findings
    } else {
        Outcome::Clean
    })
}

/// A fix written (or, with `--diff`, to write).
struct Fixed {
    file: PathBuf,
    line: usize,
    rule: String,
    applicability: Applicability,
    /// A fix moved to a migration of its own: where.
    note: Option<String>,
}

/// A fix not written, and why.
struct Refused {
    file: PathBuf,
    line: usize,
    rule: String,
    why: String,
    /// The candidate's key: a fix refused in the runner's transaction and written outside it
    /// is no longer refused.
    key: FixKey,
}

/// A candidate edit: the finding it fixes and the edit of its file's current text.
struct Candidate {
    canonical: PathBuf,
    shown: PathBuf,
    line: usize,
    rule: String,
    applicability: Applicability,
    edit: Edit,
    /// What identifies the fix across rounds (file, rule, the edited text).
    key: FixKey,
    /// For a fix written with its migration marked to run outside the runner's transaction, or
    /// moved to a migration of its own: the key of the same fix refused inside it.
    outside_of: Option<FixKey>,
    /// A fix moved to a migration of its own: its edits of other files (canonical, as shown)...
    more: Vec<(PathBuf, PathBuf, Edit)>,
    /// ... and the new migration's files (canonical, as shown, text).
    created: Vec<(PathBuf, PathBuf, String)>,
    /// What a split did, for the summary.
    note: Option<String>,
    /// The fix makes a new migration: alone in the files it edits.
    split: bool,
}

struct Fixer {
    paths: Vec<PathBuf>,
    settings: crate::config::Settings,
    base: Option<crate::catalog::Catalog>,
    since: Option<String>,
    unsafe_fixes: bool,
    cache: Option<PathBuf>,
    /// Each file read, by canonical path: as shown, and its text when the run started.
    originals: BTreeMap<PathBuf, (PathBuf, String)>,
    /// The texts with the fixes accepted so far, by canonical path (of files created too).
    current: HashMap<PathBuf, String>,
    /// The files the fixes accepted so far create: canonical (as [`crate::source::canonical_new`]
    /// gives it) and as shown.
    created: BTreeMap<PathBuf, PathBuf>,
    fixed: Vec<Fixed>,
    refused: Vec<Refused>,
    /// Fixes already tried and refused: not tried again.
    tried: HashSet<FixKey>,
    /// Fixes refused because their steps need to run outside the runner's transaction: tried
    /// again with their migration marked to run outside one ([`outside_transaction`]).
    outside: HashSet<FixKey>,
    /// Each set's root and layout, from the last lint.
    layouts: std::cell::RefCell<Vec<(PathBuf, &'static str)>>,
    /// `--prove`: each fix that replaces a statement, by (canonical file, rule, the statement's
    /// text): an empty reason when its proof on a throwaway server held, else why not.
    unproven: HashMap<FixKey, String>,
    /// `--prove` was given: a fix that replaces a statement is written only when proven.
    proving: bool,
}

impl Fixer {
    /// Lints with the current texts standing for the files: the findings of the files reported
    /// on, and their texts.
    fn lint(&self) -> Result<(Vec<Finding>, lint::Sources)> {
        self.lint_with(&self.current)
    }

    /// Fixes in rounds; returns the findings left.
    fn fix(&mut self) -> Result<Vec<Finding>> {
        let (mut findings, mut sources) = self.lint()?;
        for (shown, text) in &sources {
            let canonical = crate::source::canonical_new(shown);
            self.originals
                .entry(canonical)
                .or_insert_with(|| (shown.clone(), text.to_string()));
        }
        for _ in 0..ROUNDS {
            let (mut candidates, unsplit) = self.candidates(&findings, &sources);
            for (key, why) in unsplit {
                let note = format!("; it cannot be moved to a migration of its own either: {why}");
                if let Some(r) = self.refused.iter_mut().find(|r| r.key == key) {
                    if !r.why.ends_with(&note) {
                        r.why.push_str(&note);
                    }
                }
            }
            // The files a split edits beside the flagged one, as they were: for writing them.
            for c in &candidates {
                for (canonical, shown, _) in &c.more {
                    if !self.originals.contains_key(canonical) {
                        if let Some(text) = self.current_text(shown) {
                            self.originals
                                .insert(canonical.clone(), (shown.clone(), text));
                        }
                    }
                }
            }
            // `--prove`: what the server did not prove is not written.
            let mut blocked = vec![];
            candidates.retain(|c| match self.unproven_reason(c) {
                Some(why) => {
                    blocked.push((c.key.clone(), c.shown.clone(), c.line, c.rule.clone(), why));
                    false
                }
                None => true,
            });
            for (key, file, line, rule, why) in blocked {
                self.tried.insert(key.clone());
                self.refused.push(Refused {
                    file,
                    line,
                    rule,
                    why,
                    key,
                });
            }
            if candidates.is_empty() {
                break;
            }
            let before = counts(&findings);
            // All of the round's fixes at once; when that is not clean, one at a time, each
            // kept when it is clean with those kept before it.
            let everything: Vec<&Candidate> = candidates.iter().collect();
            let texts = self.with(&everything);
            let linted = self.lint_with(&texts)?;
            let (accepted, texts, linted) =
                match verdict(&everything, &before, &counts(&linted.0), &self.originals).0 {
                    Ok(()) => (everything, texts, linted),
                    Err(_) => {
                        let mut accepted: Vec<&Candidate> = vec![];
                        let mut refused = vec![];
                        let mut last = None;
                        for candidate in &candidates {
                            let mut trial = accepted.clone();
                            trial.push(candidate);
                            let texts = self.with(&trial);
                            let linted = self.lint_with(&texts)?;
                            let (clean, transactions) =
                                verdict(&trial, &before, &counts(&linted.0), &self.originals);
                            match clean {
                                Ok(()) => {
                                    accepted = trial;
                                    last = Some((texts, linted));
                                }
                                Err(why) => refused.push((candidate, why, transactions)),
                            }
                        }
                        for (candidate, why, transactions) in refused {
                            self.refuse(candidate, why);
                            if transactions && candidate.outside_of.is_none() {
                                self.outside.insert(candidate.key.clone());
                            }
                        }
                        match last {
                            Some((texts, linted)) => (accepted, texts, linted),
                            // Nothing kept: the refused fixes are not tried again, but some
                            // get another try outside the runner's transaction, and those a
                            // split kept out of this round (it is alone in its files) a first.
                            None => continue,
                        }
                    }
                };
            for candidate in accepted {
                if let Some(refused_key) = &candidate.outside_of {
                    self.refused.retain(|r| &r.key != refused_key);
                }
                for (canonical, shown, _) in &candidate.created {
                    self.created.insert(canonical.clone(), shown.clone());
                }
                self.fixed.push(Fixed {
                    file: candidate.shown.clone(),
                    line: candidate.line,
                    rule: candidate.rule.clone(),
                    applicability: candidate.applicability,
                    note: candidate.note.clone(),
                });
            }
            self.current = texts;
            (findings, sources) = linted;
        }
        Ok(findings)
    }

    /// The texts with `edits` applied to the current ones (each file's edits sorted, none
    /// overlapping: [`Fixer::candidates`] picks them so).
    fn with(&self, edits: &[&Candidate]) -> HashMap<PathBuf, String> {
        let mut texts = self.current.clone();
        let mut by_file: BTreeMap<&PathBuf, Vec<Edit>> = BTreeMap::new();
        for c in edits {
            by_file
                .entry(&c.canonical)
                .or_default()
                .push(c.edit.clone());
            for (canonical, _, edit) in &c.more {
                by_file.entry(canonical).or_default().push(edit.clone());
            }
            for (canonical, _, text) in &c.created {
                texts.insert(canonical.clone(), text.clone());
            }
        }
        for (canonical, mut file_edits) in by_file {
            file_edits.sort_by_key(|e| (e.start, e.end));
            let text = self.text(canonical);
            texts.insert(canonical.clone(), crate::fix::apply(&text, &file_edits));
        }
        texts
    }

    /// The current text of a file read before.
    fn text(&self, canonical: &PathBuf) -> String {
        self.current
            .get(canonical)
            .or_else(|| self.originals.get(canonical).map(|(_, t)| t))
            .cloned()
            .unwrap_or_default()
    }

    /// Lints with `texts` standing for their files. A file that cannot be read or a statement
    /// that cannot be parsed ends the run: nothing is written from a partial lint.
    fn lint_with(&self, texts: &HashMap<PathBuf, String>) -> Result<(Vec<Finding>, lint::Sources)> {
        let mut settings = self.settings.clone();
        settings.load.replaced = Arc::new(texts.clone());
        // Files a fix would create are reported on too, unless a directory named holds them.
        let mut paths = self.paths.clone();
        for file in texts.keys() {
            let named = self
                .paths
                .iter()
                .any(|p| p.is_dir() && file.starts_with(crate::source::canonical_new(p)));
            if !named && std::fs::symlink_metadata(file).is_err() {
                paths.push(file.clone());
            }
        }
        let linted = lint::lint(
            &paths,
            &settings,
            self.base.as_ref(),
            self.since.as_deref(),
            self.cache.clone(),
        )?;
        if let Some(error) = linted.errors.first() {
            bail!("{error}; nothing was written");
        }
        if !linted.stats.parse_aborts.is_empty() {
            bail!(
                "{} statement(s) could not be parsed; nothing was written:\n  {}",
                linted.stats.parse_aborts.len(),
                linted.stats.parse_aborts.join("\n  ")
            );
        }
        *self.layouts.borrow_mut() = linted
            .stats
            .sets
            .iter()
            .map(|set| (PathBuf::from(&set.path), set.layout))
            .collect();
        Ok((linted.findings, linted.sources))
    }

    /// The edits this round tries: for each file, the fixes that can be written, not overlapping
    /// one another (the first by position wins; the rest are tried on the next round's text),
    /// and at most one `lock_timeout` prelude.
    /// Also returns, for fixes that could not be moved to a migration of their own, their keys
    /// and why not.
    fn candidates(
        &self,
        findings: &[Finding],
        sources: &lint::Sources,
    ) -> (Vec<Candidate>, Vec<(FixKey, String)>) {
        let mut out: Vec<Candidate> = vec![];
        let mut unsplit = vec![];
        let mut splits: Vec<Candidate> = vec![];
        let mut statements: Option<(&Path, Statements)> = None;
        for f in findings {
            let Some(fix) = &f.fix else { continue };
            let allowed = match fix.applicability {
                Applicability::Safe => true,
                Applicability::Unsafe => self.unsafe_fixes,
                Applicability::DisplayOnly => false,
            };
            let Some(text) = sources.get(&f.file).filter(|_| allowed) else {
                continue;
            };
            if statements
                .as_ref()
                .is_none_or(|(file, _)| *file != f.file.as_path())
            {
                statements = Some((f.file.as_path(), Statements::of(text)));
            }
            let Some((_, split)) = statements.as_ref() else {
                continue;
            };
            let Some(edit) = crate::fix::replacement(text, split, f)
                .or_else(|| crate::fix::prelude(text, split, f))
            else {
                continue;
            };
            let canonical = crate::source::canonical_new(&f.file);
            // A fix is known across rounds by its rule, its statement's text, which of the
            // file's statements with that text it is, and its edit (not by position, which
            // earlier fixes move).
            let statement = if edit.start == edit.end {
                // An insertion: the line it goes before.
                text[edit.start..].lines().next().unwrap_or_default()
            } else {
                &text[edit.start..edit.end]
            };
            let nth = if statement.is_empty() {
                0
            } else {
                text[..edit.start].matches(statement).count()
            };
            let mut key = (
                canonical.clone(),
                f.rule.to_string(),
                format!("{nth}\u{0}{statement}\u{0}{}", edit.text),
            );
            let mut edit = edit;
            let mut outside_of = None;
            let mut more = vec![];
            let mut created = vec![];
            let mut note = None;
            let mut is_split = false;
            if self.tried.contains(&key) {
                // Refused inside the runner's transaction: once more with the migration marked
                // to run outside one, where the layout allows it, else with the steps that need
                // that moved to a migration of their own.
                if !self.outside.contains(&key) {
                    continue;
                }
                let layout = self.layout_of(&f.file);
                let refused = key.clone();
                let mut marked_key = key.clone();
                marked_key
                    .2
                    .push_str("\u{0}outside the runner's transaction");
                let bom = write::starts_with_bom(&canonical);
                let marked = outside_transaction(text, bom, split, &edit, layout)
                    .filter(|_| !self.tried.contains(&marked_key));
                if let Some(marked) = marked {
                    key = marked_key;
                    edit = marked;
                } else {
                    key.2.push_str("\u{0}in a migration of its own");
                    if self.tried.contains(&key) {
                        continue;
                    }
                    let read = |path: &Path| self.current_text(path);
                    // The files earlier splits of this run create (not on disk yet).
                    let made: Vec<PathBuf> = self
                        .current
                        .keys()
                        .filter(|k| std::fs::symlink_metadata(k).is_err())
                        .cloned()
                        .collect();
                    match split_out(&f.file, text, split, &edit, layout, &read, &made) {
                        Ok(moved) => {
                            let mut edits = moved.edits.into_iter();
                            let Some((_, first)) = edits.next() else {
                                continue;
                            };
                            edit = first;
                            note = Some(moved.note);
                            is_split = moved.new_migration;
                            more = edits
                                .map(|(shown, e)| (crate::source::canonical_new(&shown), shown, e))
                                .collect();
                            created = moved
                                .created
                                .into_iter()
                                .map(|(shown, text)| {
                                    (crate::source::canonical_new(&shown), shown, text)
                                })
                                .collect();
                        }
                        Err(why) => {
                            unsplit.push((refused, why));
                            continue;
                        }
                    }
                }
                outside_of = Some(refused);
            }
            let candidate = Candidate {
                canonical,
                shown: f.file.clone(),
                line: f.start.line,
                rule: f.rule.to_string(),
                applicability: fix.applicability,
                edit,
                key,
                outside_of,
                more,
                created,
                note,
                split: is_split,
            };
            if candidate.split {
                splits.push(candidate);
                continue;
            }
            let (canonical, edit) = (&candidate.canonical, &candidate.edit);
            let overlaps = out.iter().any(|c| {
                c.canonical == *canonical
                    && (c.edit.start < edit.end.max(edit.start + 1)
                        && edit.start < c.edit.end.max(c.edit.start + 1)
                        || (c.edit.start == c.edit.end && edit.start == edit.end))
            });
            if overlaps {
                continue;
            }
            out.push(candidate);
        }
        // A split is alone in each file it edits, and goes first there: the other fixes of its
        // files wait for the next round (after it, a statement left may need no prelude).
        let files = |c: &Candidate| -> Vec<PathBuf> {
            std::iter::once(c.canonical.clone())
                .chain(c.more.iter().map(|m| m.0.clone()))
                .collect()
        };
        let mut taken: HashSet<PathBuf> = HashSet::new();
        let mut first = vec![];
        for split in splits {
            let mine = files(&split);
            if mine.iter().all(|f| !taken.contains(f)) {
                taken.extend(mine);
                first.push(split);
            }
        }
        out.retain(|c| files(c).iter().all(|f| !taken.contains(f)));
        first.append(&mut out);
        (first, unsplit)
    }

    /// The current text of `path` (an existing file, or one a fix accepted so far creates), None
    /// when there is no such file.
    fn current_text(&self, path: &Path) -> Option<String> {
        let canonical = crate::source::canonical_new(path);
        if let Some(text) = self.current.get(&canonical) {
            return Some(text.clone());
        }
        if let Some((_, text)) = self.originals.get(&canonical) {
            return Some(text.clone());
        }
        match self.settings.load.read_text(path) {
            Ok(Ok(text)) => Some(text),
            _ => None,
        }
    }

    /// Why `--prove` keeps `c` from being written: it replaces a statement and no proof of it
    /// held (it failed, none ran, or the statement is one an earlier fix of this run wrote).
    fn unproven_reason(&self, c: &Candidate) -> Option<String> {
        if !self.proving {
            return None;
        }
        let replaces = crate::rules::find(&c.rule)
            .and_then(|r| r.meta().fix.recipe())
            .is_some_and(|r| r.replaces_statement());
        if !replaces {
            return None;
        }
        let (file, rule, edited) = c.outside_of.as_ref().unwrap_or(&c.key);
        let statement = edited.split('\u{0}').nth(1).unwrap_or_default();
        match self
            .unproven
            .get(&(file.clone(), rule.clone(), statement.to_string()))
        {
            Some(why) if why.is_empty() => None,
            Some(why) => Some(why.clone()),
            None => Some(
                "not proven on a throwaway PostgreSQL: the statement is one an earlier fix wrote; run `pgproof fix --prove` again to prove it".to_string(),
            ),
        }
    }

    /// The layout of the set holding `file` (the set with the longest root above it).
    fn layout_of(&self, file: &Path) -> &'static str {
        self.layouts
            .borrow()
            .iter()
            .filter(|(root, _)| file.starts_with(root))
            .max_by_key(|(root, _)| root.as_os_str().len())
            .map_or("", |(_, layout)| *layout)
    }

    fn refuse(&mut self, candidate: &Candidate, why: String) {
        self.tried.insert(candidate.key.clone());
        // A fix refused outside the runner's transaction too keeps its first refusal, which
        // says why it needs one of its own, and adds why this try failed.
        if let Some(first) = &candidate.outside_of {
            let how = if candidate.created.is_empty() {
                "with its migration marked to run outside the runner's transaction"
            } else {
                "moved to a migration of its own"
            };
            if let Some(r) = self.refused.iter_mut().find(|r| &r.key == first) {
                r.why.push_str(&format!("; {how}, {why}"));
            }
            return;
        }
        self.refused.push(Refused {
            file: candidate.shown.clone(),
            line: candidate.line,
            rule: candidate.rule.clone(),
            why,
            key: candidate.key.clone(),
        });
    }
}
