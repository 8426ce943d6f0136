//! `syntax-error`: a statement PostgreSQL's parser rejects, or a file it cannot read. Reported by the engine itself (parse, load and suppression steps); the rule exists
//! so that it has an id, a severity, a doc and a config key like every other rule.

use super::*;

pub struct SyntaxError;

static META: RuleMeta = RuleMeta {
    id: "syntax-error",
    category: Category::Correctness,
    severity: Severity::Error,
    fix: FixKind::None,
    doc: include_str!("../../lints/syntax-error.md"),
    doc_examples: true,
};

impl Rule for SyntaxError {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
}
