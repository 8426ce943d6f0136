//! The throwaway servers of `pgproof prove`: private while a run lasts, removed whatever the moment
//! of an interrupt, and spared by `pgproof prune` while their run is alive. Real servers only:
//! a local cluster, containers (`pgproof-test/postgres:15`) and the url backend on a local cluster.
//! Nothing skips silently: `PGPROOF_SKIP_CONTAINER_TESTS=1` explicitly turns the container tests off.

// Tests may unwrap: a panic here is a failing test (clippy.toml only exempts `#[test]` fns).
#![allow(clippy::unwrap_used)]

use std::io::BufRead;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A secret in the environment of every pgproof run here: no server may inherit it.
const MARKER: &str = "pgproof-test-marker-7f3a";

fn containers_skipped() -> bool {
    let skip = std::env::var("PGPROOF_SKIP_CONTAINER_TESTS").as_deref() == Ok("1");
    if skip {
        eprintln!("container tests disabled by PGPROOF_SKIP_CONTAINER_TESTS=1");
    }
    skip
}

/// A work directory with a slow migration and a private TMPDIR (traversable by the postgres user).
struct Work {
    _dir: tempfile::TempDir,
    migrations: PathBuf,
    tmp: PathBuf,
}

fn work() -> Work {
    let dir = tempfile::tempdir().unwrap();
    let migrations = dir.path().join("migrations");
    std::fs::create_dir(&migrations).unwrap();
    std::fs::write(
        migrations.join("001_slow.sql"),
        "CREATE TABLE t (id int);\nSELECT pg_sleep(60);\n",
    )
    .unwrap();
    let tmp = dir.path().join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o1777)).unwrap();
    Work {
        _dir: dir,
        migrations,
        tmp,
    }
}

/// Starts `pgproof prove` in its own process group, with secrets in its environment.
fn spawn_prove(work: &Work, args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_pgproof"))
        .arg("prove")
        .args(args)
        .arg(&work.migrations)
        .env("TMPDIR", &work.tmp)
        .env("PGPROOF_TEST_SECRET", MARKER)
        .env("PGPASSWORD", MARKER)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
        .expect("pgproof starts")
}

/// Reads stderr until `needle` (returns the lines so far); the rest is collected by a thread.
fn wait_for_line(
    child: &mut Child,
    needle: &str,
) -> (Vec<String>, std::thread::JoinHandle<Vec<String>>) {
    let stderr = child.stderr.take().unwrap();
    let mut lines = std::io::BufReader::new(stderr).lines();
    let mut seen = vec![];
    for line in lines.by_ref().map_while(Result::ok) {
        let done = line.contains(needle);
        seen.push(line);
        if done {
            break;
        }
    }
    let rest = std::thread::spawn(move || lines.map_while(Result::ok).collect());
    (seen, rest)
}

fn signal(pid: u32, signal: &str, group: bool) {
    let target = if group {
        format!("-{pid}")
    } else {
        pid.to_string()
    };
    let status = Command::new("kill")
        .args([&format!("-{signal}"), "--", &target])
        .status()
        .unwrap();
    assert!(status.success(), "kill -{signal} {target}");
}

/// Processes whose command line mentions `needle`, as (pid, command line).
fn processes_mentioning(needle: &str) -> Vec<(u32, String)> {
    let mut found = vec![];
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        if let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) {
            let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
            if cmdline.contains(needle) {
                found.push((pid, cmdline));
            }
        }
    }
    found
}

/// The postmaster of the one cluster under `tmp`, once it runs.
fn postmaster_under(tmp: &Path) -> (u32, String) {
    let needle = tmp.to_string_lossy().to_string();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let found: Vec<_> = processes_mentioning(&needle)
            .into_iter()
            .filter(|(_, c)| c.contains("postgres") && c.contains("unix_socket_directories"))
            .collect();
        if let Some(first) = found.into_iter().next() {
            return first;
        }
        assert!(Instant::now() < deadline, "no postmaster under {needle}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Nothing of a local run under `tmp` is left: no directory, no process.
fn assert_local_leftovers_gone(tmp: &Path, what: &str) {
    let left: Vec<_> = std::fs::read_dir(tmp)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    assert!(
        left.is_empty(),
        "{what}: temporary directories left: {left:?}"
    );
    let needle = tmp.to_string_lossy().to_string();
    let procs = processes_mentioning(&needle);
    assert!(procs.is_empty(), "{what}: processes left: {procs:?}");
}

/// Containers of the pgproof process `pid` (its owner label), running or not.
fn containers_of(pid: u32) -> Vec<String> {
    let out = Command::new("docker")
        .args(["ps", "-aq", "--filter", &format!("label=pgproof.pid={pid}")])
        .output()
        .expect("docker ps");
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .map(str::to_string)
        .collect()
}

/// `psql` as the unprivileged `nobody` user, no password: the exit status and its stderr.
fn psql_as_nobody(args: &[&str]) -> (bool, String) {
    let out = Command::new("setpriv")
        .args([
            "--reuid=nobody",
            "--regid=nogroup",
            "--clear-groups",
            "psql",
            "-w",
            "-X",
        ])
        .args(args)
        .args(["-c", "SELECT 1"])
        .env_remove("PGPASSWORD")
        .env("PGCONNECT_TIMEOUT", "5")
        .current_dir("/")
        .output()
        .expect("setpriv and psql run");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

fn option_value<'a>(cmdline: &'a str, prefix: &str) -> &'a str {
    cmdline
        .split_whitespace()
        .find_map(|w| w.strip_prefix(prefix))
        .unwrap_or_else(|| panic!("no {prefix} in {cmdline}"))
}

/// While `prove` runs on a local cluster: no TCP listener, the socket refuses other users and
/// password-less connections, and the server's environment holds none of pgproof's secrets.
#[test]
fn the_local_cluster_is_private_while_prove_runs() {
    let work = work();
    let mut child = spawn_prove(&work, &["--backend", "local"]);
    let (_, rest) = wait_for_line(&mut child, "pgproof prove: using a");
    let (postmaster, cmdline) = postmaster_under(&work.tmp);
    let socket = option_value(&cmdline, "unix_socket_directories=").to_string();
    let words: Vec<&str> = cmdline.split_whitespace().collect();
    let port = words[words.iter().position(|w| *w == "-p").expect("-p port") + 1].to_string();

    let environ = std::fs::read(format!("/proc/{postmaster}/environ")).unwrap();
    let environ = String::from_utf8_lossy(&environ).replace('\0', "\n");
    assert!(
        !environ.contains(MARKER),
        "the server inherited a secret:\n{environ}"
    );
    assert!(!environ.contains("PGPROOF_TEST_SECRET"), "{environ}");

    let tcp = psql_as_nobody(&["-h", "127.0.0.1", "-p", &port, "-U", "pgproof", "postgres"]);
    assert!(!tcp.0, "TCP on loopback accepted another user");
    let sock = psql_as_nobody(&["-h", &socket, "-p", &port, "-U", "pgproof", "postgres"]);
    assert!(!sock.0, "the socket accepted another user");
    // Even the owner of the files (root here) needs the password.
    let out = Command::new("psql")
        .args([
            "-w", "-X", "-h", &socket, "-p", &port, "-U", "pgproof", "-c", "SELECT 1", "postgres",
        ])
        .env_remove("PGPASSWORD")
        .output()
        .unwrap();
    assert!(
        !out.status.success(),
        "a connection without the password was accepted"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("password"), "{stderr}");

    signal(child.id(), "INT", false);
    let status = child.wait().unwrap();
    let rest = rest.join().unwrap();
    assert_eq!(status.code(), Some(130), "{rest:?}");
    assert_local_leftovers_gone(&work.tmp, "after SIGINT");
}

/// While `prove` runs in a container: the port is published on 127.0.0.1 only and refuses a
/// connection without the run's password (including the password older versions hard-coded).
#[test]
fn the_container_publishes_on_loopback_only_with_a_random_password() {
    if containers_skipped() {
        return;
    }
    let work = work();
    let mut child = spawn_prove(&work, &["--backend", "container"]);
    let (_, rest) = wait_for_line(&mut child, "pgproof prove: using a");
    let ids = containers_of(child.id());
    assert_eq!(ids.len(), 1, "one container labelled with this run's pid");
    let ports = Command::new("docker")
        .args(["port", &ids[0], "5432/tcp"])
        .output()
        .unwrap();
    let ports = String::from_utf8_lossy(&ports.stdout).to_string();
    let bindings: Vec<&str> = ports.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(!bindings.is_empty(), "5432 is published");
    assert!(
        bindings.iter().all(|b| b.starts_with("127.0.0.1:")),
        "published beyond loopback: {bindings:?}"
    );
    let port = bindings[0].trim_start_matches("127.0.0.1:");
    let none = psql_as_nobody(&["-h", "127.0.0.1", "-p", port, "-U", "postgres", "postgres"]);
    assert!(!none.0, "no password accepted");
    let fixed = psql_as_nobody(&[&format!(
        "postgresql://postgres:pgproof@127.0.0.1:{port}/postgres"
    )]);
    assert!(!fixed.0, "the old fixed password accepted");
    let env = Command::new("docker")
        .args(["inspect", "--format", "{{json .Config.Env}}", &ids[0]])
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&env.stdout).contains(MARKER));

    signal(child.id(), "TERM", false);
    let status = child.wait().unwrap();
    let rest = rest.join().unwrap();
    assert_eq!(status.code(), Some(143), "{rest:?}");
    assert!(
        rest.iter()
            .any(|l| l.contains("interrupted by SIGTERM; removed container")),
        "{rest:?}"
    );
    assert!(containers_of(child.id()).is_empty(), "container left");
}

/// One interrupt: after `delay` (or once the replay is under way), SIGINT or SIGTERM to the
/// process or its whole group. Returns pgproof's pid and its stderr.
fn interrupt(
    work: &Work,
    args: &[&str],
    delay: Option<Duration>,
    sig: &str,
    group: bool,
) -> (u32, Vec<String>) {
    let mut child = spawn_prove(work, args);
    let pid = child.id();
    let (mut seen, rest) = match delay {
        Some(delay) => {
            std::thread::sleep(delay);
            let stderr = child.stderr.take().unwrap();
            let rest = std::thread::spawn(move || {
                std::io::BufReader::new(stderr)
                    .lines()
                    .map_while(Result::ok)
                    .collect()
            });
            (vec![], rest)
        }
        None => {
            let found = wait_for_line(&mut child, "pgproof prove: using a");
            // Into the replay's slow statement.
            std::thread::sleep(Duration::from_millis(800));
            found
        }
    };
    signal(pid, sig, group);
    let status = child.wait().unwrap();
    seen.extend(rest.join().unwrap());
    let expected = if sig == "INT" { 130 } else { 143 };
    assert_eq!(
        status.code(),
        Some(expected),
        "SIG{sig} after {delay:?} (group: {group}): {seen:?}"
    );
    assert!(
        seen.iter()
            .any(|l| l.starts_with(&format!("pgproof: interrupted by SIG{sig};"))),
        "{seen:?}"
    );
    (pid, seen)
}

fn moments() -> Vec<(Option<Duration>, &'static str, bool)> {
    vec![
        (Some(Duration::from_millis(100)), "INT", true),
        (Some(Duration::from_millis(300)), "TERM", false),
        (Some(Duration::from_millis(700)), "INT", false),
        (Some(Duration::from_millis(1200)), "INT", true),
        (Some(Duration::from_millis(2000)), "TERM", true),
        (None, "INT", true),
        (None, "TERM", false),
    ]
}

#[test]
fn interrupts_at_any_moment_leave_nothing_of_a_local_cluster() {
    for (delay, sig, group) in moments() {
        let work = work();
        interrupt(&work, &["--backend", "local"], delay, sig, group);
        assert_local_leftovers_gone(
            &work.tmp,
            &format!("SIG{sig} after {delay:?}, group {group}"),
        );
    }
}

#[test]
fn interrupts_at_any_moment_leave_no_container() {
    if containers_skipped() {
        return;
    }
    for (delay, sig, group) in moments() {
        let work = work();
        let (pid, seen) = interrupt(&work, &["--backend", "container"], delay, sig, group);
        // A `docker` command the interrupt cut short may still be finishing on the engine.
        std::thread::sleep(Duration::from_millis(300));
        assert!(
            containers_of(pid).is_empty(),
            "SIG{sig} after {delay:?}, group {group}: container left; {seen:?}"
        );
    }
}

/// The scratch databases on `url`'s server.
fn scratch_databases(url: &str) -> Vec<String> {
    let conn = pgproof::prove::exec::Conn::connect(url).expect("connect to the test server");
    conn.query_text("SELECT datname::text FROM pg_database WHERE datname LIKE 'pgproof\\_%'")
        .expect("list databases")
}

#[test]
fn interrupts_leave_no_scratch_database_on_a_named_server() {
    let server = pgproof::sandbox::local::LocalCluster::start(None).expect("a server to name");
    let url = server.url("postgres");
    for (delay, sig, group) in moments() {
        let work = work();
        interrupt(
            &work,
            &["--backend", "url", "--database-url", &url],
            delay,
            sig,
            group,
        );
        let left = scratch_databases(&url);
        assert!(
            left.is_empty(),
            "SIG{sig} after {delay:?}, group {group}: {left:?}"
        );
    }
}

/// `pgproof prune` leaves a running run's container alone, and removes what a SIGKILLed run left:
/// its container, its local cluster (directory and server) and its scratch databases.
#[test]
fn prune_spares_live_runs_and_removes_what_killed_runs_left() {
    let server = pgproof::sandbox::local::LocalCluster::start(None).expect("a server to name");
    let url = server.url("postgres");
    let prune = |tmp: &Path| {
        let out = Command::new(env!("CARGO_BIN_EXE_pgproof"))
            .args(["prune", "--database-url", &url])
            .env("TMPDIR", tmp)
            .output()
            .expect("pgproof prune runs");
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).to_string()
    };

    // A local run and a url run, both killed outright mid-replay.
    let local = work();
    let mut killed = spawn_prove(&local, &["--backend", "local"]);
    let _ = wait_for_line(&mut killed, "pgproof prove: using a");
    std::thread::sleep(Duration::from_millis(500));
    signal(killed.id(), "KILL", false);
    killed.wait().unwrap();
    let (postmaster, _) = postmaster_under(&local.tmp);
    let remote = work();
    let mut killed = spawn_prove(&remote, &["--backend", "url", "--database-url", &url]);
    let _ = wait_for_line(&mut killed, "pgproof prove: using a");
    std::thread::sleep(Duration::from_millis(800));
    signal(killed.id(), "KILL", false);
    killed.wait().unwrap();
    assert!(
        !scratch_databases(&url).is_empty(),
        "SIGKILL left a scratch database"
    );

    if !containers_skipped() {
        let work = work();
        let mut live = spawn_prove(&work, &["--backend", "container"]);
        let (_, rest) = wait_for_line(&mut live, "pgproof prove: using a");
        let mut dead = spawn_prove(&work, &["--backend", "container"]);
        let _ = wait_for_line(&mut dead, "pgproof prove: using a");
        signal(dead.id(), "KILL", false);
        dead.wait().unwrap();
        assert_eq!(
            containers_of(dead.id()).len(),
            1,
            "SIGKILL left a container"
        );

        prune(&local.tmp);
        assert_eq!(
            containers_of(live.id()).len(),
            1,
            "prune removed a live run's container"
        );
        assert!(
            containers_of(dead.id()).is_empty(),
            "prune left a dead run's container"
        );
        signal(live.id(), "INT", false);
        assert_eq!(live.wait().unwrap().code(), Some(130));
        drop(rest);
        assert!(containers_of(live.id()).is_empty());
    } else {
        prune(&local.tmp);
    }
    assert_local_leftovers_gone(&local.tmp, "after prune");
    assert!(
        !Path::new(&format!("/proc/{postmaster}")).exists() || {
            let stat =
                std::fs::read_to_string(format!("/proc/{postmaster}/stat")).unwrap_or_default();
            stat.contains(") Z")
        },
        "the killed run's postmaster still runs"
    );
    assert!(
        scratch_databases(&url).is_empty(),
        "prune left a scratch database"
    );
}

/// A local cluster starts from a copy of a pristine one kept in the cache, with a password of its
/// own; the cache is private, holds no server state, and a damaged entry falls back to `initdb`
/// and is replaced.
#[test]
fn local_clusters_start_from_a_private_pristine_copy_with_their_own_password() {
    use pgproof::sandbox::local::{LocalCluster, SUPERUSER};
    let cache = tempfile::tempdir().unwrap();
    let root = cache.path().join("clusters");
    let start = || LocalCluster::start_in(None, "", Some(&root)).expect("a throwaway PostgreSQL");
    let select = |url: &str| {
        pgproof::prove::exec::Conn::connect(url).and_then(|c| Ok(c.query_text("SELECT 'up'")?))
    };

    let first = start();
    assert!(!first.from_cache(), "an empty cache was used");
    let entries: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(entries.len(), 1, "{entries:?}");
    let entry = &entries[0];
    for dir in [&root, entry] {
        let mode = std::fs::metadata(dir).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700, "{}", dir.display());
    }
    assert!(entry.join("data/PG_VERSION").is_file());
    assert!(!entry.join("data/postmaster.pid").exists());
    assert!(!entry.join("data/postmaster.opts").exists());

    let second = start();
    assert!(second.from_cache(), "the pristine cluster was not used");
    assert_ne!(first.password(), second.password());
    assert_eq!(select(&second.url("postgres")).unwrap(), vec!["up"]);
    assert_eq!(select(&first.url("postgres")).unwrap(), vec!["up"]);
    let borrowed = second.url_as(SUPERUSER, first.password(), "postgres");
    assert!(
        select(&borrowed).is_err(),
        "another run's password opened the copy"
    );
    drop((first, second));

    // Damaged: the copy cannot start, so initdb runs and its cluster replaces the entry.
    std::fs::remove_file(entry.join("data/global/pg_control")).unwrap();
    let third = start();
    assert!(!third.from_cache());
    assert_eq!(select(&third.url("postgres")).unwrap(), vec!["up"]);
    assert!(
        entry.join("data/global/pg_control").is_file(),
        "not replaced"
    );
    let fourth = start();
    assert!(fourth.from_cache());
    assert_eq!(select(&fourth.url("postgres")).unwrap(), vec!["up"]);
    drop((third, fourth));

    // Half an entry (a run killed while storing or removing it) is replaced too.
    std::fs::remove_file(entry.join("complete")).unwrap();
    let fifth = start();
    assert!(!fifth.from_cache());
    assert!(entry.join("complete").is_file(), "not replaced");
    assert!(start().from_cache());
    drop(fifth);

    // A cache directory that is a symbolic link (or another user's, or writable by others) is
    // neither used nor written: nothing there is created, changed or removed.
    let elsewhere = cache.path().join("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    std::fs::set_permissions(&elsewhere, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::create_dir(elsewhere.join("keep")).unwrap();
    let linked = cache.path().join("linked");
    std::os::unix::fs::symlink(&elsewhere, &linked).unwrap();
    for _ in 0..2 {
        let c = LocalCluster::start_in(None, "", Some(&linked)).expect("a throwaway PostgreSQL");
        assert!(!c.from_cache());
    }
    let left: Vec<_> = std::fs::read_dir(&elsewhere)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left, vec![std::ffi::OsString::from("keep")]);
    let mode = std::fs::metadata(&elsewhere).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o755);
}
