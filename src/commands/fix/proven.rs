//! `fix --prove`: the recipes proven on a throwaway server before they are written.

use super::Fixer;
use crate::cli::FixArgs;
use crate::finding::{Applicability, Finding};
use crate::fix::Statements;
use anyhow::Result;
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

/// `--prove`: proves the recipes of the fixes this run may write on a throwaway server, as
/// `prove` does, and gives each (by file, rule and statement) with an empty reason when its
/// proof held, else why not (it failed, or none ran). Fixes that do not replace a statement (a `lock_timeout` prelude) have nothing to
/// prove.
pub(super) fn prove_first(
    fixer: &Fixer,
    args: &FixArgs,
) -> Result<HashMap<(PathBuf, String, String), String>> {
    let (findings, sources) = fixer.lint()?;
    let wanted: Vec<Finding> = findings
        .into_iter()
        .filter(|f| {
            f.fix.as_ref().is_some_and(|fix| match fix.applicability {
                Applicability::Safe => true,
                Applicability::Unsafe => fixer.unsafe_fixes,
                Applicability::DisplayOnly => false,
            }) && crate::fix::recipe(f).is_some_and(|r| r.replaces_statement())
        })
        .collect();
    let mut out = HashMap::new();
    if wanted.is_empty() {
        return Ok(out);
    }
    let mut sets = vec![];
    let mut roots = HashSet::new();
    for path in &fixer.paths {
        for set in crate::source::layout::discover(path, &fixer.settings.load)? {
            if roots.insert(set.root.clone()) {
                sets.push(set);
            }
        }
    }
    let mut server =
        crate::prove::backend::Throwaway::start(&crate::prove::backend::BackendOptions {
            choice: args.backend.into(),
            image: args.image.clone(),
            pg_bin: args.pg_bin.clone(),
            database_url: args.database_url.clone(),
            pg_version: fixer.settings.pg_version,
            startup_timeout: std::time::Duration::from_secs(120),
            cluster_cache: crate::sandbox::pristine::default_root(),
        })?;
    server.roles_from(
        "fix",
        sets.iter()
            .flat_map(|s| s.files.iter().map(|f| f.text.clone()))
            .collect(),
    );
    eprintln!(
        "pgproof fix: proving {} fix(es) on a {}",
        wanted.len(),
        server.description
    );
    // Every fix starts refused; a proof that holds lets it through. A fix no proof covered (past
    // the proofs' limit per set, or in no set found) stays refused, with why.
    // By file, the statement's offset and rule (two statements may share a line).
    let mut verdicts: HashMap<(&std::path::Path, usize, String), String> = HashMap::new();
    for set in &sets {
        let proofs = crate::prove::fixes::prove_fixes(
            &mut server,
            set,
            &wanted,
            crate::prove::PROOF_ROWS,
            &fixer.settings,
        );
        let proofs = match proofs {
            Ok(p) => p,
            Err(e) => {
                server.drop_all();
                return Err(e.context("the fix proofs could not run; nothing was written"));
            }
        };
        for proof in proofs.proofs {
            let Some(f) = wanted.iter().find(|f| {
                f.file == proof.file && f.span.start == proof.offset && f.rule == proof.rule
            }) else {
                continue;
            };
            let why = if proof.proven() {
                String::new()
            } else {
                let mut why = format!("not proven on a throwaway PostgreSQL: {}", proof.verdict);
                if let Some(note) = &proof.note {
                    why.push_str(&format!(" ({note})"));
                }
                why
            };
            verdicts.insert((f.file.as_path(), f.span.start, f.rule.to_string()), why);
        }
    }
    for f in &wanted {
        let why = match verdicts.get(&(f.file.as_path(), f.span.start, f.rule.to_string())) {
            Some(why) => why.clone(),
            None => format!(
                "not proven on a throwaway PostgreSQL: no proof ran for it (at most {} per migration set; run `pgproof fix --prove` again once these are written)",
                crate::prove::fixes::MAX_FIX_PROOFS
            ),
        };
        let Some(text) = sources.get(&f.file) else {
            continue;
        };
        let Some(edit) = crate::fix::replacement(text, &Statements::of(text), f) else {
            continue;
        };
        out.insert(
            (
                crate::source::canonical(&f.file),
                f.rule.to_string(),
                text[edit.start..edit.end].to_string(),
            ),
            why,
        );
    }
    server.drop_all();
    Ok(out)
}
