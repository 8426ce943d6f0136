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
pub fn audit_catalog(catalog: &Catalog, pg_version: u32, settings: &config::Settings) -> Audit {
    let cx = SchemaContext::for_settings(catalog, pg_version, settings);
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
    // `PGPROOF_TIMINGS=1` prints where the time went to stderr (for bench/audit.sh).
    let timings = std::env::var_os("PGPROOF_TIMINGS").is_some_and(|v| v == "1");
    let mut clock = std::time::Instant::now();
    let mut lap = |phase: &str| {
        if timings {
            eprintln!(
                "timing: {phase} {:.1} ms",
                clock.elapsed().as_secs_f64() * 1000.0
            );
        }
        clock = std::time::Instant::now();
    };
    let connection = live::config(args.database_url.as_deref())?;
    let session = Session::open(&connection)?;
    let server = session.server_major()?;
    lap("connect");
    let catalog = read_catalog(
        &session,
        &Scope {
            schemas: args.schemas.clone(),
        },
    )?;
    drop(session);
    lap("introspect");
    let audit = audit_catalog(&catalog, server, &settings);
    lap("rules");
    let described = live::describe(&connection);
    let report = AuditReport {
        database: &described,
        server_version: server,
        catalog: &catalog,
        findings: &audit.findings,
        ignored: audit.ignored,
    };
    emit(|out| crate::report::audit::write(args.format, &report, out))?;
    lap("report");
    let findings = audit.findings;
    Ok(
        if findings.iter().any(|f| settings.fail_on.fails(f.severity)) {
            Outcome::Findings
        } else {
            Outcome::Clean
        },
    )
}
