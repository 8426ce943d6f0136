//! `ambiguous-migration-order`: migrations whose order the runner cannot decide. Reported by the engine itself (parse, load and suppression steps); the rule exists
//! so that it has an id, a severity, a doc and a config key like every other rule.

use super::*;

pub struct AmbiguousMigrationOrder;

static META: RuleMeta = RuleMeta {
    id: "ambiguous-migration-order",
    category: Category::Correctness,
    severity: Severity::Error,
    fix: FixKind::None,
    doc: include_str!("../../lints/ambiguous-migration-order.md"),
    doc_examples: false,
};

impl Rule for AmbiguousMigrationOrder {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
}
