//! `unused-suppression`: a pgproof suppression comment that silences nothing. Reported by the engine itself (parse, load and suppression steps); the rule exists
//! so that it has an id, a severity, a doc and a config key like every other rule.

use super::*;

pub struct UnusedSuppression;

static META: RuleMeta = RuleMeta {
    id: "unused-suppression",
    category: Category::Suppression,
    severity: Severity::Warning,
    fix: FixKind::None,
    doc: include_str!("../../lints/unused-suppression.md"),
    doc_examples: true,
};

impl Rule for UnusedSuppression {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
}
