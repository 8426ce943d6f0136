//! `pgproof explain <rule>`: print the rule's embedded documentation.

use super::{emit, Outcome};
use crate::cli::ExplainArgs;
use anyhow::{bail, Result};

pub fn run(args: &ExplainArgs) -> Result<Outcome> {
    let Some(rule) = crate::rules::find(&args.rule) else {
        let close = nearest(&args.rule);
        if close.is_empty() {
            bail!("no rule named `{}` (see `pgproof rules`)", args.rule);
        }
        let close: Vec<String> = close.iter().map(|id| format!("`{id}`")).collect();
        bail!(
            "no rule named `{}`; did you mean {}?",
            args.rule,
            close.join(" or ")
        );
    };
    emit(|out| out.write_all(rule.meta().doc.as_bytes()))?;
    Ok(Outcome::Clean)
}

/// The rule ids closest to a mistyped one, best first (at most three): ids that contain it or
/// that it contains, and ids a few edits away (relative to their length).
fn nearest(typed: &str) -> Vec<&'static str> {
    let typed = typed.trim().to_ascii_lowercase().replace('_', "-");
    let mut scored: Vec<(f64, &'static str)> = crate::rules::RULES
        .iter()
        .map(|r| r.meta().id.as_str())
        .filter_map(|id| {
            let score = if !typed.is_empty() && (id.contains(&typed) || typed.contains(id)) {
                // Contained: closer in length is closer.
                let (a, b) = (typed.len().min(id.len()), typed.len().max(id.len()));
                0.8 + 0.2 * a as f64 / b as f64
            } else {
                strsim::normalized_damerau_levenshtein(&typed, id)
            };
            (score >= 0.6).then_some((score, id))
        })
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    scored.into_iter().take(3).map(|(_, id)| id).collect()
}

#[cfg(test)]
mod tests {
    use super::nearest;

    #[test]
    fn a_typo_suggests_the_nearest_rule_ids() {
        assert_eq!(
            nearest("create-index-non-concurently")[0],
            "create-index-non-concurrently"
        );
        assert_eq!(nearest("DROP_COLUMN")[0], "drop-column");
        assert!(nearest("rename").contains(&"rename-column"));
        assert!(nearest("something-else-entirely").is_empty());
    }
}
