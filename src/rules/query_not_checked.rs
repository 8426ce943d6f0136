//! `query-not-checked`: an application query pgproof could not check because it carries the
//! application's templating (`%order%`, `{{table}}`), which only the application fills in.
//!
//! Emitted by the engine, not by hooks (see [`super::Emitter::Engine`]): the query driver
//! (`query_check.rs`, `check`) reports such a query when it does not parse. The declaration gives
//! those findings an id, a severity, a doc and a config key like every other rule's.

declare_rule! {
    QueryNotChecked {
        id: "query-not-checked",
        category: Correctness,
        severity: Info,
        fix: Guidance,
        emitted_by: "query_check.rs (check: queries that look templated)",
    }
}
