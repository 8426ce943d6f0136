//! `pgproof audit`: read a live database's catalog (read-only) and run the schema rules on it.

use super::{emit, Outcome};
use crate::catalog::Catalog;
use crate::cli::AuditArgs;
use crate::config;
use crate::live::introspect::{read_catalog, Scope};
use crate::live::{self, Session};
use crate::report::audit::{human_bytes, qualified, AuditReport};
use crate::rules::{Member, SchemaContext, RULES};
use crate::syntax::QualName;
use anyhow::{bail, Result};
use std::path::Path;

pub use crate::report::audit::ObjectFinding;

/// What an audit found: findings sorted by severity (worst first), then object, then rule; and how
/// many `[[ignore]]` entries in the config left out.
pub struct Audit {
    pub findings: Vec<ObjectFinding>,
    pub ignored: usize,
}

/// Runs every enabled schema rule on `catalog`, with evidence from its statistics.
pub fn audit_catalog(
    catalog: &Catalog,
    pg_version: u32,
    settings: &config::Settings,
    queries: &crate::queries::QueryEvidence,
) -> Audit {
    let cx = SchemaContext::for_settings(catalog, pg_version, settings).with_evidence(queries);
    let mut out = vec![];
    let mut ignored = 0;
    for rule in RULES.iter().filter(|r| settings.is_enabled(r.meta().id)) {
        let meta = rule.meta();
        let Some(severity) = settings.severity_of(meta.id, meta.severity) else {
            continue;
        };
        let mut found = vec![];
        rule.check_schema(&cx, &mut found);
        for d in found {
            let table = qualified(&d.table);
            let object = match &d.member {
                None => table.clone(),
                Some(Member::Column(c) | Member::Constraint(c)) => format!("{table}.{c}"),
                Some(Member::Index(i)) => format!("{}.{i}", d.table.schema),
            };
            if settings.ignores.iter().any(|i| i.covers(meta.id, &object)) {
                ignored += 1;
                continue;
            }
            out.push(ObjectFinding {
                rule: meta.id,
                severity,
                category: meta.category.name(),
                evidence: evidence(catalog, &d.table, d.member.as_ref()),
                object,
                table,
                message: d.diagnostic.message,
                help: d.diagnostic.help,
                fix: d.diagnostic.fix,
            });
        }
    }
    out.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.object.cmp(&b.object))
            .then_with(|| a.rule.cmp(b.rule))
    });
    Audit {
        findings: out,
        ignored,
    }
}

/// Facts from the catalog's statistics behind a finding: the table's row estimate and size, and
/// for an index its size and scan count. Empty for a replayed catalog, which has none.
fn evidence(catalog: &Catalog, table: &QualName, member: Option<&Member>) -> Vec<String> {
    let mut out = vec![];
    if let Some(t) = catalog.tables.get(table) {
        if let Some(rows) = t.row_estimate {
            out.push(format!("~{} rows", rows.max(0.0) as u64));
        }
        if let Some(size) = t.size_bytes {
            out.push(format!("table {} with indexes", human_bytes(size)));
        }
    }
    if let Some(Member::Index(name)) = member {
        if let Some(index) = catalog
            .indexes
            .get(&QualName::new(table.schema.clone(), name.clone()))
        {
            if let Some(size) = index.size_bytes {
                out.push(format!("index {}", human_bytes(size)));
            }
            if let Some(scans) = index.scans {
                out.push(format!("{scans} index scans since the statistics reset"));
            }
        }
    }
    out
}

/// The heaviest statements read from `pg_stat_statements`.
const STAT_STATEMENTS_LIMIT: i64 = 1000;

/// Query findings with what the audit shows for each: the query as an object name, its text.
struct CheckedQueries {
    findings: Vec<crate::finding::Finding>,
    /// Per query file: for each finding's file, the object name and text of the query at an offset.
    sources: crate::source::queries::QuerySources,
    queries: Vec<crate::queries::Query>,
    /// Index of the `pg_stat_statements` pseudo-file, if read.
    stat_file: Option<usize>,
    /// The queries' joins and literal comparisons, for the schema rules.
    evidence: crate::queries::QueryEvidence,
}

/// Loads the query files and the `pg_stat_statements` statements, checks them against `catalog`,
/// and gathers their evidence (joins, literal comparisons) for the schema rules.
fn check_queries(
    catalog: &Catalog,
    settings: &config::Settings,
    workload: Option<Vec<live::StatStatement>>,
) -> Result<Option<CheckedQueries>> {
    use crate::source::queries::{load, split_normalized, QuerySources};
    let mut sources = if settings.queries.is_empty() {
        QuerySources::default()
    } else {
        load(&settings.queries, settings.load.max_file_bytes)?
    };
    let mut stat_file = None;
    let mut starts: Vec<(usize, crate::queries::QueryStats)> = vec![];
    if let Some(statements) = workload.filter(|s| !s.is_empty()) {
        let index = sources.files.len();
        let mut text = String::new();
        for s in &statements {
            starts.push((text.len(), s.stats));
            text.push_str(s.query.trim().trim_end_matches(';'));
            text.push_str(";\n\n");
        }
        let raw = split_normalized(index, &text);
        sources.queries.extend(raw);
        sources.files.push(crate::source::SourceFile {
            path: "pg_stat_statements".into(),
            text,
        });
        stat_file = Some(index);
    }
    if sources.queries.is_empty() && sources.problems.is_empty() {
        return Ok(None);
    }
    let (mut queries, mut errors) = crate::queries::parse(&sources.queries);
    // Truncated statement texts (track_activity_query_size) do not parse: not the user's error.
    errors.retain(|e| Some(e.file) != stat_file);
    for q in &mut queries {
        if Some(q.file) != stat_file {
            continue;
        }
        let stats_at = |start: usize| {
            let i = starts.partition_point(|(s, _)| *s <= start);
            starts[i.saturating_sub(1)].1
        };
        let mut stats = stats_at(q.span.start);
        for (file, span) in &q.duplicates {
            if *file == q.file {
                let more = stats_at(span.start);
                stats.total_ms += more.total_ms;
                stats.calls += more.calls;
            }
        }
        if stats.calls > 0 {
            stats.mean_ms = stats.total_ms / stats.calls as f64;
        }
        q.stats = Some(stats);
        let text = &sources.files[q.file].text[q.span.start..q.span.end];
        let mut short: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
        if short.chars().count() > 70 {
            short = short.chars().take(70).collect::<String>() + "…";
        }
        q.name = Some(short);
    }
    let evidence = crate::queries::QueryEvidence::of(&queries, &sources.files);
    let raw = crate::queries::check(&sources, &queries, &errors, catalog, settings, None, None);
    let findings = crate::engine::place::Placer::new(settings, &sources.files)
        .findings(raw.into_iter().map(|d| (d.file, None, d.diagnostic)));
    Ok(Some(CheckedQueries {
        findings,
        sources,
        queries,
        stat_file,
        evidence,
    }))
}

/// Query findings as audit findings: the object is the query (`pg_stat_statements #3`, ranked by
/// total time, or `file:line`), the evidence its text and workload.
fn query_findings(
    checked: Option<CheckedQueries>,
    settings: &config::Settings,
    ignored: &mut usize,
) -> Vec<ObjectFinding> {
    let Some(checked) = checked else {
        return vec![];
    };
    let mut out = vec![];
    for f in checked.findings {
        let Some(rule) = crate::rules::find(&f.rule) else {
            continue;
        };
        let meta = rule.meta();
        let file = checked.sources.files.iter().position(|s| s.path == f.file);
        let query = checked.queries.iter().find(|q| {
            Some(q.file) == file && q.span.start <= f.span.start && f.span.start <= q.span.end
        });
        let object = match (query, file) {
            (Some(q), Some(i)) if Some(i) == checked.stat_file => {
                let rank = checked.sources.files[i].text[..q.span.start]
                    .matches(";\n\n")
                    .count()
                    + 1;
                format!("pg_stat_statements #{rank:04}")
            }
            _ => format!("{}:{}", f.file.display(), f.start.line),
        };
        if settings.ignores.iter().any(|i| i.covers(meta.id, &object)) {
            *ignored += 1;
            continue;
        }
        let mut evidence = vec![];
        if let (Some(q), Some(i)) = (query, file) {
            let text = &checked.sources.files[i].text[q.span.start..q.span.end];
            evidence.push(text.split_whitespace().collect::<Vec<_>>().join(" "));
            if let Some(s) = q.stats {
                evidence.push(format!(
                    "{} calls, mean {:.2} ms, total {:.0} ms",
                    s.calls, s.mean_ms, s.total_ms
                ));
            }
        }
        out.push(ObjectFinding {
            rule: meta.id,
            severity: f.severity,
            category: meta.category.name(),
            object,
            table: "(queries)".to_string(),
            message: f.message,
            evidence,
            help: f.help,
            fix: f.fix,
        });
    }
    out
}

pub fn run(args: &AuditArgs) -> Result<Outcome> {
    let config_path = match &args.config {
        Some(p) if !p.is_file() => bail!("config file `{}` does not exist", p.display()),
        Some(p) => Some(p.clone()),
        None => config::find_config(Path::new(".")),
    };
    let mut settings = config::load(config_path.as_deref())?;
    if let Some(fail_on) = args.fail_on {
        settings.fail_on = fail_on;
    }
    // `PGPROOF_TIMINGS=1` prints where the time went (for bench/audit.sh).
    let mut timings = super::Timings::from_env();
    if !args.queries.is_empty() {
        settings.queries = args.queries.clone();
    }
    let connection = live::config(args.database_url.as_deref())?;
    let session = Session::open(&connection)?;
    let server = session.server_major()?;
    timings.lap("connect");
    let catalog = read_catalog(
        &session,
        &Scope {
            schemas: args.schemas.clone(),
        },
    )?;
    timings.lap("introspect");
    let workload = if args.no_stat_statements {
        None
    } else {
        match live::stat_statements(&session, STAT_STATEMENTS_LIMIT)? {
            Ok(statements) => Some(statements),
            Err(note) => {
                eprintln!("pgproof: note: {note}");
                None
            }
        }
    };
    drop(session);
    timings.lap("pg_stat_statements");
    let checked = check_queries(&catalog, &settings, workload)?;
    let evidence = checked
        .as_ref()
        .map(|c| c.evidence.clone())
        .unwrap_or_default();
    let mut audit = audit_catalog(&catalog, server, &settings, &evidence);
    audit
        .findings
        .extend(query_findings(checked, &settings, &mut audit.ignored));
    audit.findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.object.cmp(&b.object))
            .then_with(|| a.rule.cmp(b.rule))
    });
    timings.lap("rules");
    let described = live::describe(&connection);
    let report = AuditReport {
        database: &described,
        server_version: server,
        catalog: &catalog,
        findings: &audit.findings,
        ignored: audit.ignored,
    };
    emit(|out| crate::report::audit::write(args.format, &report, out))?;
    timings.lap("report");
    let findings = audit.findings;
    Ok(
        if findings.iter().any(|f| settings.fail_on.fails(f.severity)) {
            Outcome::Findings
        } else {
            Outcome::Clean
        },
    )
}
