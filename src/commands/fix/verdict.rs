//! Whether a round's fixes are clean: the findings per file and rule before and after.

use super::Candidate;
use crate::finding::Finding;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// Findings per (file, rule), files canonical (each distinct file canonicalised once).
pub(super) fn counts(findings: &[Finding]) -> HashMap<(PathBuf, String), usize> {
    let mut canonical: HashMap<&Path, PathBuf> = HashMap::new();
    let mut out = HashMap::new();
    for f in findings {
        let file = canonical
            .entry(&f.file)
            .or_insert_with(|| crate::source::canonical_new(&f.file))
            .clone();
        *out.entry((file, f.rule.to_string())).or_default() += 1;
    }
    out
}

/// Whether `edits` are clean together: after them, each file has fewer findings of each rule
/// fixed in it by the number fixed, and no more findings of any rule than before. Err says what
/// the fixed texts would trigger; the flag, whether that is because steps need to run outside
/// the runner's transaction.
pub(super) fn verdict(
    edits: &[&Candidate],
    before: &HashMap<(PathBuf, String), usize>,
    after: &HashMap<(PathBuf, String), usize>,
    originals: &BTreeMap<PathBuf, (PathBuf, String)>,
) -> (std::result::Result<(), String>, bool) {
    let mut fixed: HashMap<(PathBuf, String), usize> = HashMap::new();
    for e in edits {
        *fixed
            .entry((e.canonical.clone(), e.rule.clone()))
            .or_default() += 1;
    }
    let allowed = |key: &(PathBuf, String)| {
        let was = before.get(key).copied().unwrap_or(0);
        was.saturating_sub(fixed.get(key).copied().unwrap_or(0))
    };
    let mut new: Vec<String> = vec![];
    let mut still: Vec<String> = vec![];
    let mut transactions = false;
    for key in after.keys().chain(fixed.keys()) {
        let n = after.get(key).copied().unwrap_or(0);
        if n > allowed(key) {
            let (path, rule) = key;
            let created = edits
                .iter()
                .flat_map(|e| &e.created)
                .find(|(canonical, _, _)| canonical == path);
            let shown = match (originals.get(path), created) {
                (Some((shown, _)), _) | (None, Some((_, shown, _))) => shown.display().to_string(),
                (None, None) => path.display().to_string(),
            };
            if fixed.contains_key(key) {
                still.push(format!("`{rule}` in {shown}"));
            } else {
                new.push(format!("`{rule}` in {shown}"));
            }
            transactions |= TRANSACTION_RULES.contains(&rule.as_str());
        }
    }
    if new.is_empty() && still.is_empty() {
        return (Ok(()), false);
    }
    for list in [&mut new, &mut still] {
        list.sort();
        list.dedup();
    }
    let mut why = vec![];
    if !new.is_empty() {
        why.push(format!("the fixed text would trigger {}", new.join(", ")));
    }
    if !still.is_empty() {
        why.push(format!("the fix would not clear {}", still.join(", ")));
    }
    let mut why = why.join("; ");
    if transactions {
        why.push_str(": the recipe's steps need separate transactions, so it belongs in a migration of its own that runs outside the runner's transaction");
    }
    (Err(why), transactions)
}

/// Rules that say a statement needs its own transaction, or none: a recipe refused for them
/// needs a migration of its own.
const TRANSACTION_RULES: &[&str] = &[
    "validate-in-same-transaction",
    "lock-held-across-statements",
    "concurrently-in-transaction",
];
