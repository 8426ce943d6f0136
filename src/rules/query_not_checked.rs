//! `query-not-checked`: an application query pgproof could not check because it carries the
//! application's templating (`%order%`, `{{table}}`), which only the application fills in.
//! Reported by the query driver (`queries::check`) when such a query does not parse; the rule
//! exists so that it has an id, a severity, a doc and a config key like every other rule.

use super::*;

pub struct QueryNotChecked;

static META: RuleMeta = RuleMeta {
    id: "query-not-checked",
    category: Category::Correctness,
    severity: Severity::Info,
    fix: FixKind::Guidance,
    doc: include_str!("../../lints/query-not-checked.md"),
    doc_examples: true,
};

impl Rule for QueryNotChecked {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
}
