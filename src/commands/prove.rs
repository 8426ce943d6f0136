//! `pgproof prove`: lint the migrations, then replay them on a throwaway PostgreSQL and report
//! what the server showed next to what the rules claimed.

use super::{emit, Outcome};
use crate::cli::ProveArgs;
use crate::config;
use crate::prove::backend::{BackendOptions, Throwaway};
use crate::prove::prove;
use crate::source::{layout, Layout};
use anyhow::{bail, Context, Result};
use std::collections::BTreeSet;
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
    let seed = match &args.seed {
        Some(path) => Some(
            std::fs::read_to_string(path)
                .with_context(|| format!("cannot read --seed file `{}`", path.display()))?,
        ),
        None => None,
    };
    if !args.queries.is_empty() {
        settings.queries = args.queries.clone();
    }
    // The queries to prove: the current files, then (with --since) the running release's.
    let query_input = if settings.queries.is_empty() {
        None
    } else {
        if sets.len() != 1 {
            bail!("--queries proves queries against one schema, but {} migration sets were found: pass the one migration directory the queries run against", sets.len());
        }
        let mut sources =
            crate::source::queries::load(&settings.queries, settings.load.max_file_bytes)?;
        let (current, _) = crate::queries::parse(&sources.queries);
        let mut all: Vec<(crate::queries::Query, bool)> =
            current.into_iter().map(|q| (q, false)).collect();
        if let Some(reference) = &args.since {
            let old = super::lint::old_queries(reference, &settings.queries, &mut sources, vec![])?;
            let fingerprints: BTreeSet<String> =
                all.iter().map(|(q, _)| q.fingerprint.clone()).collect();
            all.extend(
                old.queries
                    .into_iter()
                    .filter(|q| !fingerprints.contains(&q.fingerprint))
                    .map(|q| (q, true)),
            );
        }
        Some((sources, all))
    };
    // `PGPROOF_TIMINGS=1` prints where the time went (for bench/prove.sh).
    let mut timings = super::Timings::from_env();
    let (findings, _, _) = super::lint::lint_paths(&paths, &settings, None)?;
    timings.lap("lint");
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
    let options = crate::prove::Options {
        fixes: !args.no_fixes,
        rows: args.rows.unwrap_or(crate::prove::PROOF_ROWS),
        replay_rows: args.rows.unwrap_or(0),
        seed: seed.clone(),
        traffic: args.traffic,
        settings: settings.clone(),
    };
    timings.lap("backend");
    let proof = prove(&mut server, &sets, &findings, &options).and_then(|mut proof| {
        if let Some((sources, queries)) = &query_input {
            let input = crate::prove::QueryInput {
                files: &sources.files,
                queries,
                seed: seed.as_deref(),
                rows: args.rows.unwrap_or(crate::prove::PROOF_ROWS),
            };
            let (proofs, filled) =
                crate::prove::prove_queries(&mut server, &sets[0], &input, &findings)?;
            proof.queries = proofs;
            proof.data = Some(filled);
        }
        Ok(proof)
    });
    crate::live::cleanup::wait_if_interrupted();
    let proof = proof?;
    drop(server);
    timings.lap("prove");
    emit(|out| crate::report::prove::write(args.format, &proof, out))?;
    timings.lap("report");
    Ok(if proof.failed() {
        Outcome::Findings
    } else {
        Outcome::Clean
    })
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
