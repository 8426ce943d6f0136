//! `unused-suppression`: a pgproof suppression comment that silences nothing.
//!
//! Emitted by the engine, not by hooks (see [`super::Emitter::Engine`]): the suppression step
//! (`engine/replay.rs`, `finish`), after every rule ran, reports each `-- pgproof: ignore` comment that
//! matched no finding or names no rule. The declaration gives those findings an id, a severity, a
//! doc and a config key like every other rule's.

declare_rule! {
    UnusedSuppression {
        id: "unused-suppression",
        category: Suppression,
        severity: Warning,
        fix: None,
        emitted_by: "engine/replay.rs (finish: the suppression step)",
    }
}
