//! `syntax-error`: a statement PostgreSQL's parser rejects, or a file pgproof cannot read.
//!
//! Emitted by the engine, not by hooks (see [`super::Emitter::Engine`]): parse errors of a
//! migration part (`engine/replay.rs`, `note_parse`), files that cannot be read or decoded (source
//! loading, `source/layout/` and `source/query_files.rs`), and application queries that do not
//! parse (the query driver, `query_check.rs`). The declaration gives those findings an id, a
//! severity, a doc and a config key like every other rule's.

declare_rule! {
    SyntaxError {
        id: "syntax-error",
        category: Correctness,
        severity: Error,
        fix: None,
        emitted_by: "engine/replay.rs (note_parse); source/layout/ and source/query_files.rs (unreadable files); query_check.rs (queries that do not parse)",
    }
}
