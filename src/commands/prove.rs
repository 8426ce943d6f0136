//! `pgproof prove`: lint the migrations, then replay them on a throwaway PostgreSQL and report
//! what the server showed next to what the rules claimed.

use super::{emit, Outcome};
use crate::cli::{ProveArgs, ProveFormat};
use crate::config;
use crate::prove::backend::{BackendOptions, Throwaway};
use crate::prove::{prove, Proof};
use crate::source::{layout, Layout};
use anyhow::{bail, Context, Result};
use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub fn run(args: &ProveArgs) -> Result<Outcome> {
    let config_path = match &args.config {
        Some(p) if !p.is_file() => bail!("config file `{}` does not exist", p.display()),
        Some(p) => Some(p.clone()),
        None => config::find_config(args.paths.first().map_or(Path::new("."), PathBuf::as_path)),
    };
    let mut settings = config::load(config_path.as_deref())?;
    if let Some(v) = args.pg_version {
        config::check_pg_version(v).context("invalid --pg-version")?;
        settings.pg_version = v;
    }
    if let Some(name) = &args.layout {
        settings.load.layout = Some(
            Layout::from_name(name)
                .with_context(|| format!("unknown layout `{name}` for --layout"))?,
        );
    }
    let paths = super::lint::resolve_paths(&args.paths, &settings)?;
    let mut sets = vec![];
    let mut roots = BTreeSet::new();
    for path in &paths {
        for set in layout::discover(path, &settings.load)? {
            if roots.insert(set.root.clone()) {
                sets.push(set);
            }
        }
    }
    let init_sql = match &args.init_sql {
        Some(path) => Some(
            std::fs::read_to_string(path)
                .with_context(|| format!("cannot read --init-sql file `{}`", path.display()))?,
        ),
        None => None,
    };
    let (findings, _, _) = super::lint::lint_paths(&paths, &settings, None)?;
    let mut server = Throwaway::start(&BackendOptions {
        choice: args.backend,
        image: args.image.clone(),
        pg_bin: args.pg_bin.clone(),
        database_url: args.database_url.clone(),
        pg_version: settings.pg_version,
        startup_timeout: Duration::from_secs(args.startup_timeout),
    })?;
    server.init_sql = init_sql;
    eprintln!("pgproof prove: using a {}", server.description);
    let proof = prove(&mut server, &sets, &findings);
    crate::live::cleanup::wait_if_interrupted();
    let proof = proof?;
    drop(server);
    emit(|out| match args.format {
        ProveFormat::Json => {
            let doc =
                serde_json::json!({"version": 1, "proof": &proof, "summary": summary(&proof)});
            serde_json::to_writer_pretty(&mut *out, &doc)?;
            writeln!(out)
        }
        ProveFormat::Human => write_human(&proof, out),
    })?;
    Ok(if proof.failed() {
        Outcome::Findings
    } else {
        Outcome::Clean
    })
}

#[derive(serde::Serialize, Default)]
struct Summary {
    migrations: usize,
    statements: usize,
    confirmed: usize,
    not_observed: usize,
    unpredicted: usize,
    reversible: usize,
    irreversible: usize,
    failed: usize,
}

fn summary(proof: &Proof) -> Summary {
    let mut s = Summary::default();
    for m in proof.sets.iter().flat_map(|s| &s.migrations) {
        s.migrations += 1;
        s.statements += m.statements.len();
        for st in &m.statements {
            for v in &st.verdicts {
                if v.verdict == "confirmed" {
                    s.confirmed += 1;
                } else {
                    s.not_observed += 1;
                }
            }
            s.unpredicted += usize::from(st.unpredicted.is_some());
        }
        if let Some(r) = &m.reversibility {
            if r.error.is_none() && r.down_differences.is_empty() && r.redo_differences.is_empty() {
                s.reversible += 1;
            } else {
                s.irreversible += 1;
            }
        }
        s.failed += usize::from(m.error.is_some());
    }
    s
}

fn write_human(proof: &Proof, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(
        out,
        "pgproof prove on PostgreSQL {} ({})",
        proof.server_version, proof.backend
    )?;
    for set in &proof.sets {
        for m in &set.migrations {
            let file = m
                .file
                .as_ref()
                .map_or_else(|| m.id.clone(), |f| f.display().to_string());
            writeln!(
                out,
                "\n{file} ({})",
                if m.in_transaction {
                    "in a transaction"
                } else {
                    "no transaction"
                }
            )?;
            for st in &m.statements {
                let locks: Vec<String> = st
                    .locks
                    .iter()
                    .filter(|l| l.pre_existing)
                    .map(|l| format!("{} on {}", l.mode.sql(), l.relation))
                    .collect();
                writeln!(
                    out,
                    "  {:>4}  {}  ({:.1} ms)",
                    st.line, st.sql, st.duration_ms
                )?;
                if !locks.is_empty() {
                    writeln!(
                        out,
                        "        locks on existing relations: {}",
                        locks.join(", ")
                    )?;
                }
                if !st.rewritten.is_empty() {
                    writeln!(out, "        rewrote: {}", st.rewritten.join(", "))?;
                }
                for v in &st.verdicts {
                    writeln!(
                        out,
                        "        {} claims {}: {}",
                        v.rule,
                        v.claimed_lock.sql(),
                        v.verdict
                    )?;
                }
                if let Some(u) = &st.unpredicted {
                    writeln!(out, "        observed, not predicted by any rule: {u}")?;
                }
                if let Some(e) = &st.error {
                    writeln!(out, "        FAILED: {e}")?;
                }
            }
            if let Some(r) = &m.reversibility {
                if let Some(e) = &r.error {
                    writeln!(out, "  reversibility: FAILED: {e}")?;
                } else if r.down_differences.is_empty() && r.redo_differences.is_empty() {
                    writeln!(
                        out,
                        "  reversibility: proven (up, down, up leaves the same schema)"
                    )?;
                } else {
                    writeln!(out, "  reversibility: NOT REVERSIBLE")?;
                    let steps = [
                        ("after down", "before up", "after down", &r.down_differences),
                        (
                            "up again",
                            "after up",
                            "after up again",
                            &r.redo_differences,
                        ),
                    ];
                    for (step, first, second, differences) in steps {
                        for d in differences {
                            writeln!(
                                out,
                                "    {step}: {}: {first} {}, {second} {}",
                                d.path,
                                d.before.as_deref().unwrap_or("absent"),
                                d.after.as_deref().unwrap_or("absent")
                            )?;
                        }
                    }
                }
            }
            if let Some(e) = &m.error {
                writeln!(out, "  migration FAILED to apply: {e}")?;
            }
        }
    }
    let s = summary(proof);
    writeln!(
        out,
        "\n{} migrations, {} statements: {} lock claims confirmed, {} not observed, {} hazards no rule predicted; {} down parts reverse, {} do not; {} migrations failed",
        s.migrations, s.statements, s.confirmed, s.not_observed, s.unpredicted, s.reversible, s.irreversible, s.failed
    )
}

/// `pgproof prune`: removes containers carrying pgproof's label (left by a run that was killed
/// with SIGKILL, or a crashed engine connection). Local clusters live in temporary directories
/// that the system cleans; their servers stop with the machine.
pub fn prune() -> Result<Outcome> {
    let (key, value) = crate::live::container::LABEL;
    let listed = std::process::Command::new("docker")
        .args(["ps", "-aq", "--filter", &format!("label={key}={value}")])
        .output()
        .context("cannot run `docker` (is Docker installed?)")?;
    if !listed.status.success() {
        bail!(
            "docker ps failed: {}",
            String::from_utf8_lossy(&listed.stderr).trim()
        );
    }
    let ids: Vec<String> = String::from_utf8_lossy(&listed.stdout)
        .split_whitespace()
        .map(str::to_string)
        .collect();
    if !ids.is_empty() {
        let removed = std::process::Command::new("docker")
            .args(["rm", "-f", "-v"])
            .args(&ids)
            .output()
            .context("cannot run `docker rm`")?;
        if !removed.status.success() {
            bail!(
                "docker rm failed: {}",
                String::from_utf8_lossy(&removed.stderr).trim()
            );
        }
    }
    println!("removed {} throwaway container(s)", ids.len());
    Ok(Outcome::Clean)
}
