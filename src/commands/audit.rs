//! `pgproof audit`: read a live database's catalog (read-only) and run the schema rules on it.

use super::{emit, Outcome};
use crate::catalog::Catalog;
use crate::cli::{AuditArgs, AuditFormat, GraphLayout};
use crate::config;
use crate::finding::RuleId;
use crate::live::introspect::{read_catalog, Scope};
use crate::live::{self, CatalogSession, Session};
use crate::report::audit::{qualified, AuditReport, SourceLocation};
use crate::rules::{ids, Anchor, Member, SchemaContext, RULES};
use crate::syntax::QualName;
use crate::text::human_bytes;
use anyhow::{bail, Result};
use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant};

pub use crate::report::audit::ObjectFinding;

/// What an audit found: findings sorted by severity (worst first), then object, then rule; and how
/// many `[[ignore]]` entries in the config left out.
pub struct Audit {
    pub findings: Vec<ObjectFinding>,
    pub ignored: usize,
    /// For each `[[ignore]]` entry of the settings, whether it left a finding out.
    pub ignores_used: Vec<bool>,
}

/// Whether an `[[ignore]]` entry covers `rule` on `object`; marks every entry that does (an
/// entry shadowed by another still counts as used).
fn ignore(settings: &config::Settings, rule: &str, object: &str, used: &mut [bool]) -> bool {
    let mut any = false;
    for (entry, used) in settings.ignores.iter().zip(used.iter_mut()) {
        if entry.covers(rule, object) {
            *used = true;
            any = true;
        }
    }
    any
}

/// `[[ignore]]` entries that left nothing out, reported as `unused-suppression` findings (as
/// unused inline suppressions are), named by the config file and the entry's line. In an audit
/// limited to some schemas (`scope`), an entry whose object names another schema is not reported:
/// the objects it is about were not read.
pub fn unused_ignores(
    settings: &config::Settings,
    used: &[bool],
    scope: &[String],
) -> Vec<ObjectFinding> {
    let id = RuleId::UNUSED_SUPPRESSION;
    let Some(meta) = crate::rules::find(&id).map(|r| r.meta()) else {
        return vec![];
    };
    let severity = match settings.severity_of(&id, meta.severity) {
        Some(s) if settings.is_enabled(&id) => s,
        _ => return vec![],
    };
    let file = settings.config_path.as_deref().map_or_else(
        || config::CONFIG_FILE.to_string(),
        |p| p.display().to_string(),
    );
    settings
        .ignores
        .iter()
        .zip(used)
        .filter(|(_, used)| !**used)
        .map(|(entry, _)| entry)
        .filter(|entry| {
            let schema = entry.pattern.split('.').next().unwrap_or_default();
            scope.is_empty() || scope.iter().any(|s| s == schema)
        })
        .map(|entry| {
            let rules = if entry.rules.is_empty() {
                "every rule".to_string()
            } else {
                entry
                    .rules
                    .iter()
                    .map(|r| format!("`{r}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            ObjectFinding {
                rule: meta.id,
                severity,
                category: meta.category,
                object: format!("{file}:{}", entry.line),
                table: "(config)".to_string(),
                message: format!(
                    "the `[[ignore]]` entry for `{}` ({rules}) matches no finding in this audit, so it leaves nothing out",
                    entry.pattern
                ),
                evidence: vec![],
                help: Some(
                    "remove the entry, or correct its `object` glob or its rule ids".to_string(),
                ),
                fix: None,
                location: None,
                anchor: None,
            }
        })
        .collect()
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
    let mut ignores_used = vec![false; settings.ignores.len()];
    // Both indexes of each pair `redundant-index` reports (the one to drop, the one to keep).
    let mut paired: std::collections::BTreeSet<String> = Default::default();
    for rule in RULES.iter().filter(|r| settings.is_enabled(&r.meta().id)) {
        let meta = rule.meta();
        let Some(severity) = settings.severity_of(&meta.id, meta.severity) else {
            continue;
        };
        let mut found = vec![];
        rule.check_schema(&cx, &mut found);
        for d in found {
            // Schema hooks report about objects: the audit names them.
            let Anchor::Object {
                table: object_table,
                member,
            } = &d.anchor
            else {
                continue;
            };
            let table = qualified(object_table);
            let object = match member {
                None => table.clone(),
                Some(Member::Column(c) | Member::Constraint(c)) => format!("{table}.{c}"),
                Some(Member::Index(i)) => format!("{}.{i}", object_table.schema),
            };
            if ignore(settings, &meta.id, &object, &mut ignores_used) {
                ignored += 1;
                continue;
            }
            if let (true, Some(Member::Index(name))) =
                (meta.id == ids::REDUNDANT_INDEX, member.as_ref())
            {
                let index = catalog
                    .indexes
                    .get(&QualName::new(object_table.schema.clone(), name.clone()));
                if let Some(kept) = index.and_then(|i| crate::rules::index_covering(catalog, i)) {
                    paired.insert(object.clone());
                    paired.insert(format!("{}.{}", object_table.schema, kept.name.name));
                }
            }
            out.push(ObjectFinding {
                rule: meta.id,
                severity,
                category: meta.category,
                evidence: evidence(catalog, object_table, member.as_ref()),
                object,
                table,
                message: d.message,
                help: d.help,
                fix: d.fix,
                location: None,
                anchor: Some((object_table.clone(), member.clone())),
            });
        }
    }
    // One finding, one fix: an index of a redundant pair is not also reported unused. Dropping
    // the redundant copy is the fix; following an unused-index fix on either copy as well would
    // drop both (the planner scans one of two identical indexes, so the other looks unused). Once
    // one copy is gone, the next audit tells whether the other is used.
    out.retain(|f| !(f.rule == ids::UNUSED_INDEX && paired.contains(&f.object)));
    out.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.object.cmp(&b.object))
            .then_with(|| a.rule.cmp(&b.rule))
    });
    Audit {
        findings: out,
        ignored,
        ignores_used,
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
    sources: crate::source::query_files::QuerySources,
    queries: Vec<crate::queries::Query>,
    /// Index of the `pg_stat_statements` pseudo-file, if read.
    stat_file: Option<usize>,
    /// The `queryid` of each recorded statement, by where it starts in the pseudo-file.
    queryids: HashMap<usize, i64>,
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
    use crate::source::query_files::{load, split_normalized, QuerySources};
    let mut sources = if settings.queries.is_empty() {
        QuerySources::default()
    } else {
        load(&settings.queries, settings.load.max_file_bytes)?
    };
    let mut stat_file = None;
    // Where each recorded statement starts in the pseudo-file, its workload and its queryid.
    let mut starts: Vec<(usize, crate::queries::QueryStats, i64)> = vec![];
    if let Some(statements) = workload.filter(|s| !s.is_empty()) {
        let index = sources.files.len();
        let mut text = String::new();
        for s in &statements {
            starts.push((text.len(), s.stats, s.queryid));
            text.push_str(s.query.trim().trim_end_matches(';'));
            text.push_str(";\n\n");
        }
        let raw = split_normalized(index, &text);
        sources.queries.extend(raw);
        sources.files.push(crate::source::SourceFile::new(
            "pg_stat_statements".into(),
            text,
        ));
        stat_file = Some(index);
    }
    if sources.queries.is_empty() && sources.problems.is_empty() {
        return Ok(None);
    }
    let (mut queries, mut errors) = crate::queries::parse(&sources.queries);
    // Truncated statement texts (track_activity_query_size) do not parse: not the user's error.
    errors.retain(|e| Some(e.file) != stat_file);
    // Recorded statements that read only the system catalogs (pgproof's own introspection,
    // psql's `\d`, an ORM's schema reads) are not the application's workload.
    queries.retain(|q| Some(q.file) != stat_file || !reads_only_system_catalogs(q, catalog));
    let mut queryids = HashMap::new();
    for q in &mut queries {
        if Some(q.file) != stat_file {
            continue;
        }
        let at = |start: usize| {
            let i = starts.partition_point(|(s, _, _)| *s <= start);
            starts[i.saturating_sub(1)]
        };
        let stats_at = |start: usize| at(start).1;
        queryids.insert(q.span.start, at(q.span.start).2);
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
    let raw = crate::query_check::check(&sources, &queries, &errors, catalog, settings, None, None);
    let findings = crate::engine::place::Placer::new(settings, &sources.files).place_all(raw);
    Ok(Some(CheckedQueries {
        findings,
        sources,
        queries,
        stat_file,
        queryids,
        evidence,
    }))
}

/// Whether every relation a query names is a system catalog or view (`pg_catalog`,
/// `information_schema`, or an unqualified `pg_*` name the schema has no table of its own for).
fn reads_only_system_catalogs(q: &crate::queries::Query, catalog: &Catalog) -> bool {
    let mut tables = q
        .shape
        .blocks
        .iter()
        .flat_map(|b| &b.relations)
        .filter_map(|r| r.table.as_ref())
        .peekable();
    tables.peek().is_some()
        && tables.all(|t| {
            matches!(t.schema.as_str(), "pg_catalog" | "information_schema")
                || (t.name.starts_with("pg_") && !catalog.tables.contains_key(t))
        })
}

/// Query findings as audit findings: the object is the query (`pg_stat_statements queryid <id>`,
/// stable between audits, or `file:line`), the evidence its text and workload.
fn query_findings(
    checked: Option<CheckedQueries>,
    settings: &config::Settings,
    ignored: &mut usize,
    ignores_used: &mut [bool],
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
        let from_stat = file.is_some() && file == checked.stat_file;
        // A query from a file is placed in it; one `pg_stat_statements` recorded is not.
        let location = (!from_stat).then(|| SourceLocation {
            file: f.file.display().to_string(),
            line: f.start.line,
            column: f.start.column,
            end_line: f.end.line,
            end_column: f.end.column,
            migration: None,
        });
        let object = match (query, file) {
            (Some(q), Some(i)) if Some(i) == checked.stat_file => format!(
                "pg_stat_statements queryid {}",
                checked
                    .queryids
                    .get(&q.span.start)
                    .copied()
                    .unwrap_or_default()
            ),
            _ => format!("{}:{}", f.file.display(), f.start.line),
        };
        if ignore(settings, &meta.id, &object, ignores_used) {
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
            category: meta.category,
            object,
            table: "(queries)".to_string(),
            message: f.message,
            evidence,
            help: f.help,
            fix: f.fix.map(|fix| *fix),
            location,
            anchor: None,
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
    let mut settings = config::load(config_path.as_deref(), crate::rules::is_known)?;
    if let Some(fail_on) = args.fail_on {
        settings.fail_on = fail_on.into();
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
    audit.findings.extend(query_findings(
        checked,
        &settings,
        &mut audit.ignored,
        &mut audit.ignores_used,
    ));
    audit.findings.extend(unused_ignores(
        &settings,
        &audit.ignores_used,
        &args.schemas,
    ));
    audit.findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.object.cmp(&b.object))
            .then_with(|| a.rule.cmp(&b.rule))
    });
    timings.lap("rules");
    if !args.migrations.is_empty() {
        place_in_migrations(&args.migrations, &settings, &mut audit.findings)?;
        timings.lap("migrations");
    }
    let baseline = audit_baseline(args, &mut audit.findings)?;
    let described = live::describe(&connection);
    let graph_svg = match args.format {
        AuditFormat::Html => graphviz_drawing(&catalog, &audit.findings, args.graph_layout)?,
        _ => None,
    };
    let report = AuditReport {
        database: &described,
        server_version: server,
        catalog: &catalog,
        findings: &audit.findings,
        ignored: audit.ignored,
        graph_svg: graph_svg.as_deref(),
        baseline: baseline.as_ref(),
    };
    emit(|out| crate::report::audit::write(report_format(args.format), &report, out))?;
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

/// `--migrations`: each finding about an object is placed at the statement of `migrations` that
/// created it (or created its table, when no statement created the member by name).
fn place_in_migrations(
    migrations: &[std::path::PathBuf],
    settings: &config::Settings,
    findings: &mut [ObjectFinding],
) -> Result<()> {
    let sets = super::lint::replayed_sets(migrations, settings)?;
    for f in findings {
        let Some((table, member)) = &f.anchor else {
            continue;
        };
        f.location = sets
            .iter()
            .find_map(|set| set.origin(table, member.as_ref()))
            .map(|o| SourceLocation {
                file: o.file.display().to_string(),
                line: o.start.line,
                column: o.start.column,
                end_line: o.end.line,
                end_column: o.end.column,
                migration: Some(o.migration),
            });
    }
    Ok(())
}

/// What `--baseline` and `--write-baseline` do to the findings: with a baseline, the findings it
/// lists are left out (matched by fingerprint: rule and object, `crate::fingerprint::of_objects`)
/// and counted, with the entries that matched nothing (stale); with `--write-baseline`, the
/// findings are written as the baseline (and all reported).
fn audit_baseline(
    args: &AuditArgs,
    findings: &mut Vec<crate::report::audit::ObjectFinding>,
) -> Result<Option<crate::report::BaselineSummary>> {
    use crate::baseline::{Baseline, Entry};
    let fingerprints = crate::fingerprint::of_objects(
        findings
            .iter()
            .map(|f| (f.rule.as_str(), f.object.as_str())),
    );
    if let Some(path) = &args.write_baseline {
        let entries = findings
            .iter()
            .zip(&fingerprints)
            .map(|(f, fingerprint)| Entry {
                fingerprint: fingerprint.clone(),
                rule: f.rule.to_string(),
                object: Some(f.object.clone()),
                file: LIVE_DATABASE.to_string(),
                statement: f.message.chars().take(100).collect(),
            })
            .collect();
        let baseline = Baseline::new(entries);
        super::baseline::write_atomically(path, &baseline.render())?;
        eprintln!(
            "pgproof: wrote `{}`: {} entries",
            path.display(),
            baseline.entries.len()
        );
        return Ok(None);
    }
    let Some(path) = &args.baseline else {
        return Ok(None);
    };
    let baseline = super::baseline::read(path)?;
    let mut listed: HashMap<&str, usize> = HashMap::new();
    for entry in &baseline.entries {
        *listed.entry(entry.fingerprint.as_str()).or_default() += 1;
    }
    let mut keep = Vec::with_capacity(findings.len());
    for (f, fingerprint) in findings.drain(..).zip(&fingerprints) {
        match listed.get_mut(fingerprint.as_str()) {
            Some(n) if *n > 0 => *n -= 1,
            _ => keep.push(f),
        }
    }
    let baselined = fingerprints.len() - keep.len();
    *findings = keep;
    Ok(Some(crate::report::BaselineSummary {
        file: path.clone(),
        baselined,
        stale: Some(listed.values().sum()),
    }))
}

/// The `file` of an audit baseline's entries: they are about a database's objects, not a file.
const LIVE_DATABASE: &str = "(live database)";

/// The report's format for the command line's `--format`.
fn report_format(format: AuditFormat) -> crate::report::audit::AuditFormat {
    use crate::report::audit::AuditFormat as Report;
    match format {
        AuditFormat::Human => Report::Human,
        AuditFormat::Json => Report::Json,
        AuditFormat::Sarif => Report::Sarif,
        AuditFormat::Markdown => Report::Markdown,
        AuditFormat::Html => Report::Html,
    }
}

/// The foreign-key graph drawn by Graphviz, when the layout asks for it (or `auto` finds `dot`);
/// None: the report draws it with pgproof's own layout.
pub fn graphviz_drawing(
    catalog: &Catalog,
    findings: &[crate::report::audit::ObjectFinding],
    layout: GraphLayout,
) -> Result<Option<String>> {
    use crate::report::fk_graph;
    if layout == GraphLayout::Builtin {
        return Ok(None);
    }
    let fk = fk_graph::fk_graph(catalog, findings);
    let worst: std::collections::HashMap<&str, Option<crate::finding::Severity>> = fk
        .graph
        .node_weights()
        .map(|name| {
            let worst = findings
                .iter()
                .filter(|f| f.table == *name)
                .map(|f| f.severity)
                .max();
            (name.as_str(), worst)
        })
        .collect();
    let source = fk_graph::dot_source(&fk, &worst);
    // Graphviz's layout grows much faster than the graph (minutes for a 5,000-table schema): on
    // `auto` it gets a budget, past which the report draws the graph itself; asked for by name,
    // it is waited for.
    let deadline = (layout == GraphLayout::Auto).then(|| Instant::now() + GRAPHVIZ_BUDGET);
    let run_filter =
        |program: &str, args: &[&str], input: &str| run_filter(program, args, input, deadline);
    // unflatten staggers the many tables that reference one hub table over several ranks, so the
    // drawing is not one very wide row.
    let staggered = run_filter("unflatten", &["-l", "4", "-f", "-c", "6"], &source)
        .ok()
        .flatten()
        .unwrap_or_else(|| source.clone());
    let drawn = run_filter("dot", &["-Tsvg"], &staggered).map(|svg| match svg {
        // A layered drawing cannot wrap a rank: a hub table referenced by a hundred others makes
        // one very wide row. Then a force-directed layout (sfdp, about square) reads better.
        Some(svg) if fk_graph::aspect(&svg).is_some_and(|a| !(0.25..=4.0).contains(&a)) => {
            run_filter(
                "sfdp",
                &["-Goverlap=prism", "-Gsplines=true", "-Tsvg"],
                &source,
            )
            .ok()
            .flatten()
            .or(Some(svg))
        }
        other => other,
    });
    match drawn {
        Ok(Some(svg)) => Ok(fk_graph::inline_graphviz_svg(&svg)),
        Ok(None) if layout == GraphLayout::Auto => Ok(None),
        Err(e) if layout == GraphLayout::Auto => {
            if e.downcast_ref::<TooLong>().is_some() {
                eprintln!(
                    "pgproof audit: Graphviz did not lay out the {} tables' foreign-key graph within {} s; the report draws it with pgproof's own layout (`--graph-layout graphviz` waits for Graphviz)",
                    fk.graph.node_count(),
                    GRAPHVIZ_BUDGET.as_secs()
                );
            }
            Ok(None)
        }
        Ok(None) => bail!("--graph-layout graphviz: `dot` is not on the PATH (install Graphviz)"),
        Err(e) => bail!("--graph-layout graphviz: {e}"),
    }
}

/// How long `--graph-layout auto` waits for Graphviz, all its programs together.
const GRAPHVIZ_BUDGET: Duration = Duration::from_secs(15);

/// A program ran past its deadline and was stopped.
#[derive(Debug)]
struct TooLong;

impl std::fmt::Display for TooLong {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("stopped at its deadline")
    }
}

impl std::error::Error for TooLong {}

/// Runs `program args` with `input` on stdin and returns its stdout, or None when the program is
/// not installed; an error when it fails, or ([`TooLong`]) when it is still running at `deadline`
/// (then it is killed).
fn run_filter(
    program: &str,
    args: &[&str],
    input: &str,
    deadline: Option<Instant>,
) -> Result<Option<String>> {
    use std::io::Write as _;
    use std::process::{Command, Stdio};
    let mut child = match Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(child) => child,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => bail!("cannot run `{program}`: {e}"),
    };
    let mut stdin = child
        .stdin
        .take()
        .ok_or_else(|| anyhow::anyhow!("`{program}` has no stdin"))?;
    let input = input.to_string();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if deadline.is_some_and(|d| Instant::now() >= d) {
            let _ = child.kill();
            let _ = child.wait();
            let _ = (writer.join(), stdout.join(), stderr.join());
            return Err(anyhow::Error::new(TooLong).context(format!("`{program}` took too long")));
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let _ = writer.join();
    let stdout = stdout.join().unwrap_or_default();
    let stderr = stderr.join().unwrap_or_default();
    if !status.success() {
        bail!(
            "`{program}` failed: {}",
            String::from_utf8_lossy(&stderr).trim()
        );
    }
    Ok(Some(String::from_utf8_lossy(&stdout).into_owned()))
}

/// Reads all of a child's output pipe on a thread of its own (so that a full pipe never stalls
/// the child while the caller waits on it).
fn drain<R: std::io::Read + Send + 'static>(pipe: Option<R>) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut bytes = vec![];
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_end(&mut bytes);
        }
        bytes
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A filter that finishes gives its output; one still running at its deadline is stopped
    /// at once and said to be [`TooLong`]; one that is not installed is None.
    #[test]
    fn a_filter_past_its_deadline_is_stopped() {
        let soon = Some(Instant::now() + Duration::from_secs(10));
        assert_eq!(
            run_filter("cat", &[], "digraph {}", soon)
                .unwrap()
                .as_deref(),
            Some("digraph {}")
        );
        let started = Instant::now();
        let late = run_filter(
            "sleep",
            &["30"],
            "",
            Some(Instant::now() + Duration::from_millis(200)),
        );
        assert!(late.unwrap_err().downcast_ref::<TooLong>().is_some());
        assert!(started.elapsed() < Duration::from_secs(10));
        assert!(run_filter("pgproof-no-such-program", &[], "", None)
            .unwrap()
            .is_none());
    }
}
