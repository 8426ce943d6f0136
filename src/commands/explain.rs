//! `pgproof explain <rule>`: print the rule's embedded documentation.

use super::{emit, Outcome};
use crate::cli::ExplainArgs;
use anyhow::{bail, Result};

pub fn run(args: &ExplainArgs) -> Result<Outcome> {
    let Some(rule) = crate::rules::find(&args.rule) else {
        let close: Vec<&str> = crate::rules::RULES
            .iter()
            .map(|r| r.meta().id.as_str())
            .filter(|id| id.contains(&args.rule) || args.rule.contains(id))
            .collect();
        if close.is_empty() {
            bail!("no rule named `{}` (see `pgproof rules`)", args.rule);
        }
        bail!(
            "no rule named `{}`; did you mean {}?",
            args.rule,
            close.join(", ")
        );
    };
    emit(|out| out.write_all(rule.meta().doc.as_bytes()))?;
    Ok(Outcome::Clean)
}
