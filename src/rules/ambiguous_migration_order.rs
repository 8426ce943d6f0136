//! `ambiguous-migration-order`: migrations whose order the runner cannot decide.
//!
//! Emitted by the engine, not by hooks (see [`super::Emitter::Engine`]): source loading
//! (`source/layout/mod.rs`, `order`) reports two migrations with the same version, which the runner
//! may apply in either order. Its cases need several files, so they are tested in
//! `tests/layouts.rs` and `tests/engine_rules.rs` rather than by doc examples. The declaration
//! gives those findings an id, a severity, a doc and a config key like every other rule's.

declare_rule! {
    AmbiguousMigrationOrder {
        id: "ambiguous-migration-order",
        category: Correctness,
        severity: Error,
        fix: None,
        doc_examples: false,
        emitted_by: "source/layout/mod.rs (order)",
    }
}
