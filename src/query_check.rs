//! The query driver: runs every enabled rule's query hook over the application's queries, adds
//! the findings the engine emits itself for queries (`syntax-error`, `query-not-checked`, file
//! problems), for the engine to place in the query files (`engine/place.rs`). The query side of `engine/replay.rs`; it sits above
//! the rules, so that `queries/` stays a model below them.
//!
//! Pure: no IO.

use crate::catalog::Catalog;
use crate::config::Settings;
use crate::finding::{Anchor, Diagnostic, RuleId};
use crate::queries::{OldQueries, Query, QueryError, Templated};
use crate::rules::{QueriesContext, RULES};
use crate::source::query_files::QuerySources;

/// Runs every enabled rule's query hook, and turns queries that do not parse and unreadable query
/// files into diagnostics, each anchored in its query file ([`Anchor::File`]). The engine places
/// them there.
pub fn check(
    sources: &QuerySources,
    queries: &[Query],
    errors: &[QueryError],
    catalog: &Catalog,
    settings: &Settings,
    since: Option<&OldQueries>,
    codegen_schema: Option<(&std::path::Path, bool)>,
) -> Vec<Diagnostic> {
    let cx = QueriesContext {
        queries,
        files: &sources.files,
        catalog,
        pg_version: settings.pg_version,
        old: since,
        small_tables: &settings.small_tables,
        tenant_columns: crate::rules::tenant_columns(settings),
        codegen_schema: codegen_schema.map(|(config, _)| config),
        codegen_schema_is_history: codegen_schema.is_some_and(|(_, history)| history),
    };
    let mut raw: Vec<Diagnostic> = vec![];
    for rule in RULES.iter().filter(|r| settings.is_enabled(&r.meta().id)) {
        rule.check_queries(&cx, &mut raw);
    }
    for e in errors {
        let label = match &e.name {
            Some(n) => format!("`{n}`"),
            None => "the query".to_string(),
        };
        let diagnostic = match e.templated {
            Templated::No => Diagnostic::new(RuleId::SYNTAX_ERROR, e.span, e.message.clone()),
            Templated::Looks => Diagnostic::new(
                RuleId::QUERY_NOT_CHECKED,
                e.span,
                format!("{label} was not checked: it does not parse ({}) and looks templated", e.message),
            )
            .help("looks templated, configure query_placeholders (regular expressions in pgproof.toml) so the placeholders are replaced before parsing"),
            Templated::Configured => Diagnostic::new(
                RuleId::QUERY_NOT_CHECKED,
                e.span,
                format!(
                    "{label} was not checked: with its `query_placeholders` replaced by a neutral token it still does not parse ({})",
                    e.message
                ),
            )
            .help("the placeholder stands where a neutral token (`TRUE`, `1`) cannot, such as a table name; check this query by hand"),
        };
        raw.push(diagnostic.at(Anchor::File(e.file)));
    }
    for p in &sources.problems {
        raw.push(Diagnostic::new(p.rule, p.span, p.message.clone()).at(Anchor::File(p.file)));
    }
    raw
}
