//! `suppression-without-reason`: a pgproof suppression comment with no reason. Reported by the engine itself (parse, load and suppression steps); the rule exists
//! so that it has an id, a severity, a doc and a config key like every other rule.

use super::*;

pub struct SuppressionWithoutReason;

static META: RuleMeta = RuleMeta {
    id: "suppression-without-reason",
    category: Category::Suppression,
    severity: Severity::Warning,
    fix: FixKind::None,
    doc: include_str!("../../lints/suppression-without-reason.md"),
    doc_examples: true,
};

impl Rule for SuppressionWithoutReason {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
}
