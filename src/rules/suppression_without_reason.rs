//! `suppression-without-reason`: a pgproof suppression comment with no reason.
//!
//! Emitted by the engine, not by hooks (see [`super::Emitter::Engine`]): the suppression step
//! (`engine/replay.rs`, `finish`) reports each `-- pgproof: ignore` comment without a `-- reason`. The
//! declaration gives those findings an id, a severity, a doc and a config key like every other
//! rule's.

declare_rule! {
    SuppressionWithoutReason {
        id: "suppression-without-reason",
        category: Suppression,
        severity: Warning,
        fix: None,
        emitted_by: "engine/replay.rs (finish: the suppression step)",
    }
}
