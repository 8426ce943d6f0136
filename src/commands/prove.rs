//! `pgproof prove`: lint the migrations, then replay them on a throwaway PostgreSQL and report
//! what the server showed next to what the rules claimed.

use super::{emit, Outcome};
use crate::cli::{ProveArgs, ProveFormat, PruneArgs};
use crate::config;
use crate::prove::backend::{BackendOptions, Throwaway};
use crate::prove::prove;
use crate::sandbox::cleanup::{Cleanup, Owner};
use crate::source::{layout, Layout};
use anyhow::{bail, Context, Result};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

pub fn run(args: &ProveArgs) -> Result<Outcome> {
    // Before any throwaway resource exists: an interrupt at any moment removes what was made.
    crate::sandbox::cleanup::install()?;
    let config_path = match &args.config {
        Some(p) if !p.is_file() => bail!("config file `{}` does not exist", p.display()),
        Some(p) => Some(p.clone()),
        None => config::find_config(args.paths.first().map_or(Path::new("."), PathBuf::as_path)),
    };
    let mut settings = config::load(config_path.as_deref(), crate::rules::is_known)?;
    let mut versions: Vec<u32> = vec![];
    for &v in &args.pg_version {
        config::check_pg_version(v).context("invalid --pg-version")?;
        if !versions.contains(&v) {
            versions.push(v);
        }
    }
    if versions.len() > 1 && args.image.is_some() {
        bail!("--image names one server image, and --pg-version names {} majors: drop --image (each major uses pgproof-test/postgres:<major>), or give one major", versions.len());
    }
    if let Some(&v) = versions.first() {
        settings.pg_version = v;
    }
    if versions.is_empty() {
        versions.push(settings.pg_version);
    }
    if let Some(name) = &args.layout {
        settings.load.layout = Some(
            Layout::from_name(name)
                .with_context(|| format!("unknown layout `{name}` for --layout"))?,
        );
    }
    settings.flags_win(!args.pg_version.is_empty(), args.layout.is_some());
    // The schema every set starts from, read before any server starts; the static lint starts
    // from the same one, so lint findings and the proof agree.
    let base = match &args.schema_from {
        Some(source) => {
            let base = crate::prove::base::read(source, args.pg_bin.as_deref())?;
            // sqlx's own table in the dump says sqlx runs these migrations (as in `lint`).
            if !crate::prove::base::is_url(source) && base.text.contains("_sqlx_migrations") {
                settings.load.sqlx_schema_dump = Some(PathBuf::from(source));
            }
            let catalog = super::lint::catalog_from_dump(source, &base.text);
            Some((base, catalog))
        }
        None => None,
    };
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
            crate::source::query_files::load(&settings.queries, settings.load.max_file_bytes)?;
        let (current, _) = crate::queries::parse(&sources.queries);
        let mut all: Vec<(crate::queries::Query, bool)> =
            current.into_iter().map(|q| (q, false)).collect();
        if let Some(reference) = &args.since {
            let old = super::lint::old_queries(reference, &settings.queries, &sources)?;
            // One file list: the current files, then the old ones (their queries number them so).
            sources.files.extend(old.sources.files.iter().cloned());
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
    // A version the user asked for is the version proven on, or nothing is.
    let asked =
        !args.pg_version.is_empty() || config_path.as_deref().is_some_and(config::sets_pg_version);
    let inputs = Inputs {
        paths: &paths,
        sets: &sets,
        base: base.as_ref(),
        init_sql: init_sql.as_deref(),
        seed: seed.as_deref(),
        query_input: query_input.as_ref(),
        asked,
    };
    let mut proofs = vec![];
    for &version in &versions {
        let mut settings = settings.clone();
        settings.pg_version = version;
        proofs.push((version, prove_on(args, &settings, &inputs)?));
    }
    let failed = proofs.iter().any(|(_, p)| p.failed());
    let mut timings = super::Timings::from_env();
    if let [(_, proof)] = proofs.as_slice() {
        emit(|out| crate::report::prove::write(report_format(args.format), proof, out))?;
    } else {
        emit(|out| crate::report::prove_versions::write(report_format(args.format), &proofs, out))?;
    }
    timings.lap("report");
    Ok(if failed {
        Outcome::Findings
    } else {
        Outcome::Clean
    })
}

/// What every version's proof starts from.
struct Inputs<'a> {
    paths: &'a [PathBuf],
    sets: &'a [crate::source::MigrationSet],
    base: Option<&'a (crate::prove::base::BaseSchema, crate::catalog::Catalog)>,
    init_sql: Option<&'a str>,
    seed: Option<&'a str>,
    query_input: Option<&'a QueryInput>,
    /// Whether the user named the version (then the server must be that version).
    asked: bool,
}

/// The query files and their queries to prove (the running release's marked `true`).
type QueryInput = (
    crate::source::query_files::QuerySources,
    Vec<(crate::queries::Query, bool)>,
);

/// Lints for `settings.pg_version`, starts a throwaway server of that major and proves.
fn prove_on(
    args: &ProveArgs,
    settings: &config::Settings,
    inputs: &Inputs<'_>,
) -> Result<crate::prove::Proof> {
    let Inputs {
        paths,
        sets,
        base,
        init_sql,
        seed,
        query_input,
        asked,
    } = *inputs;
    // `PGPROOF_TIMINGS=1` prints where the time went (for bench/prove.sh).
    let mut timings = super::Timings::from_env();
    let linted = super::lint::lint(paths, settings, base.map(|(_, c)| c), None, None)?;
    if let Some(error) = linted.errors.first() {
        bail!("{error}");
    }
    let findings = linted.findings;
    timings.lap("lint");
    let mut server = Throwaway::start(&BackendOptions {
        choice: args.backend.into(),
        image: args.image.clone(),
        pg_bin: args.pg_bin.clone(),
        database_url: args.database_url.clone(),
        pg_version: settings.pg_version,
        startup_timeout: Duration::from_secs(args.startup_timeout),
        // From the user's environment only: a cache directory named by the repository's config
        // would let a pull request choose where a run writes and removes directories.
        cluster_cache: crate::sandbox::pristine::default_root(),
    })?;
    if asked {
        server.require_major(settings.pg_version)?;
    }
    server.init_sql = init_sql.map(str::to_string);
    let mut texts: Vec<std::sync::Arc<str>> = sets
        .iter()
        .flat_map(|s| s.files.iter().map(|f| f.text.clone()))
        .collect();
    texts.extend(
        [init_sql, seed, base.map(|(b, _)| b.text.as_str())]
            .into_iter()
            .flatten()
            .map(std::sync::Arc::from),
    );
    server.roles_from("prove", texts);
    eprintln!("pgproof prove: using a {}", server.description);
    let base_schema = match base {
        Some((base, _)) => {
            let admin = crate::prove::exec::Conn::connect(&server.admin_url())
                .context("cannot connect to the throwaway server")?;
            let applied = server.prepare_base(base, &admin);
            crate::sandbox::cleanup::wait_if_interrupted();
            Some(applied?.describe(base))
        }
        None => None,
    };
    let options = crate::prove::Options {
        fixes: !args.no_fixes,
        rows: args.rows.unwrap_or(crate::prove::PROOF_ROWS),
        replay_rows: args.rows.unwrap_or(0),
        seed: seed.map(str::to_string),
        traffic: args.traffic,
        settings: settings.clone(),
    };
    timings.lap("backend");
    let proof = prove(&mut server, sets, &findings, &options).and_then(|mut proof| {
        if let Some((sources, queries)) = query_input {
            let input = crate::prove::QueryInput {
                files: &sources.files,
                queries,
                seed,
                rows: args.rows.unwrap_or(crate::prove::PROOF_ROWS),
            };
            let (proofs, filled) =
                crate::prove::prove_queries(&mut server, &sets[0], &input, &findings)?;
            proof.queries = proofs;
            proof.data = Some(filled);
        }
        Ok(proof)
    });
    crate::sandbox::cleanup::wait_if_interrupted();
    let mut proof = proof?;
    proof.base_schema = base_schema;
    drop(server);
    timings.lap("prove");
    Ok(proof)
}

/// The report's format for the command line's `--format`.
fn report_format(format: ProveFormat) -> crate::report::prove::ProveFormat {
    use crate::report::prove::ProveFormat as Report;
    match format {
        ProveFormat::Human => Report::Human,
        ProveFormat::Json => Report::Json,
        ProveFormat::Markdown => Report::Markdown,
        ProveFormat::Sarif => Report::Sarif,
    }
}

/// `pgproof prune`: removes what killed runs left (SIGKILL, a crash): containers with pgproof's
/// label, local cluster directories (`pgproof-pg-*` under the temporary directory) with their
/// servers, and, given `--database-url`, `pgproof_*` scratch databases. What a live process on
/// this host owns is spared, unless it is older than `--older-than`.
pub fn prune(args: &PruneArgs) -> Result<Outcome> {
    let older_than = match &args.older_than {
        Some(text) => Some(parse_duration(text).with_context(|| {
            format!("invalid --older-than `{text}` (expected a number with s, m, h or d)")
        })?),
        None => None,
    };
    let stale = |owner: Option<Owner>| match owner {
        // Left by a pgproof that wrote no owner (or caught before writing it): its liveness and
        // age are unknown, so only `--older-than` removes it.
        None => older_than.is_some(),
        Some(owner) => !owner.is_alive() || older_than.is_some_and(|limit| owner.age() >= limit),
    };
    let containers = prune_containers(&stale)?;
    let clusters = prune_clusters(&stale);
    let databases = match &args.database_url {
        Some(url) => Some(prune_databases(url, &stale)?),
        None => None,
    };
    let mut line =
        format!("removed {containers} throwaway container(s), {clusters} local cluster(s)");
    if let Some(n) = databases {
        line.push_str(&format!(", {n} scratch database(s)"));
    }
    println!("{line}");
    Ok(Outcome::Clean)
}

fn prune_containers(stale: &dyn Fn(Option<Owner>) -> bool) -> Result<usize> {
    let (key, value) = crate::sandbox::container::LABEL;
    let listed = Command::new("docker")
        .args([
            "ps",
            "-a",
            "--filter",
            &format!("label={key}={value}"),
            "--format",
            "{{.ID}} run={{.Label \"pgproof.run\"}} pid={{.Label \"pgproof.pid\"}} host={{.Label \"pgproof.host\"}} started={{.Label \"pgproof.started\"}}",
        ])
        .output()
        .context("cannot run `docker` (is Docker installed?)")?;
    if !listed.status.success() {
        bail!(
            "docker ps failed: {}",
            String::from_utf8_lossy(&listed.stderr).trim()
        );
    }
    let text = String::from_utf8_lossy(&listed.stdout);
    let ids: Vec<&str> = text
        .lines()
        .filter_map(|line| {
            let (id, labels) = line.split_once(' ').unwrap_or((line, ""));
            stale(Owner::parse(labels)).then_some(id)
        })
        .filter(|id| !id.is_empty())
        .collect();
    if !ids.is_empty() {
        let removed = Command::new("docker")
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
    Ok(ids.len())
}

/// Cluster directories under the temporary directory whose owner is gone: their postmaster is
/// stopped and the directory removed.
fn prune_clusters(stale: &dyn Fn(Option<Owner>) -> bool) -> usize {
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return 0;
    };
    let mut removed = 0;
    for entry in entries.flatten() {
        let dir = entry.path();
        let is_cluster = entry
            .file_name()
            .to_str()
            .is_some_and(|n| n.starts_with(crate::sandbox::local::DIR_PREFIX))
            && dir.is_dir();
        if !is_cluster {
            continue;
        }
        let owner = std::fs::read_to_string(dir.join(crate::sandbox::local::OWNER_FILE))
            .ok()
            .and_then(|t| Owner::parse(&t));
        if stale(owner) {
            crate::sandbox::cleanup::remove(&Cleanup::LocalCluster {
                dir: dir.clone(),
                child: None,
                postmaster: None,
            });
            if !dir.exists() {
                removed += 1;
            }
        }
    }
    removed
}

/// `pgproof_*` databases whose owner comment names a run that is gone.
fn prune_databases(url: &str, stale: &dyn Fn(Option<Owner>) -> bool) -> Result<usize> {
    let target = crate::live::config(Some(url))?;
    let described = crate::live::describe(&target);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let rows = runtime.block_on(async {
        let client = crate::live::connect(&target).await?;
        client
            .query(
                "SELECT datname::text, shobj_description(oid, 'pg_database') FROM pg_database WHERE datname LIKE 'pgproof\\_%'",
                &[],
            )
            .await
            .with_context(|| format!("cannot list databases on {described}"))
    })?;
    let mut removed = 0;
    for row in rows {
        let name: String = row.get(0);
        let comment: Option<String> = row.get(1);
        let owner = comment
            .as_deref()
            .and_then(|c| c.strip_prefix("pgproof "))
            .and_then(Owner::parse);
        if stale(owner) {
            crate::sandbox::cleanup::drop_scratch_database(url, &name)?;
            removed += 1;
        }
    }
    Ok(removed)
}

/// `90s`, `30m`, `2h`, `1d`.
fn parse_duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    let unit = text.chars().last()?;
    let number: u64 = text[..text.len() - unit.len_utf8()].trim().parse().ok()?;
    let seconds = match unit {
        's' => number,
        'm' => number.checked_mul(60)?,
        'h' => number.checked_mul(3600)?,
        'd' => number.checked_mul(86400)?,
        _ => return None,
    };
    Some(Duration::from_secs(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_have_a_unit() {
        assert_eq!(parse_duration("90s"), Some(Duration::from_secs(90)));
        assert_eq!(parse_duration("30m"), Some(Duration::from_secs(1800)));
        assert_eq!(parse_duration("2h"), Some(Duration::from_secs(7200)));
        assert_eq!(parse_duration("1d"), Some(Duration::from_secs(86400)));
        assert_eq!(parse_duration("10"), None);
        assert_eq!(parse_duration("xh"), None);
        assert_eq!(parse_duration(""), None);
    }
}
