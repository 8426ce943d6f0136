//! Teardown of throwaway servers when pgproof is interrupted, and who owns each one.
//!
//! Drops do not run when a signal ends the process, so every throwaway resource (a cluster's
//! temporary directory and its processes, a container by its run label, a scratch database) is
//! registered here the moment it is created, under the same lock that the SIGINT/SIGTERM handler
//! takes: once the handler runs, nothing new is created. The handler removes what is registered,
//! says what it removed in one line, and exits 130 (SIGINT) or 143 (SIGTERM).
//! Each resource also carries its [`Owner`] (run id, pid, host, start time) so that `pgproof prune`
//! can tell a leftover from the server of a run still in progress.

use anyhow::{Context, Result};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicI32, AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub enum Cleanup {
    /// A local cluster: the helper process running now (`initdb`, in its own process group), the
    /// postmaster once launched, and the temporary directory that holds everything.
    LocalCluster {
        dir: PathBuf,
        child: Option<u32>,
        postmaster: Option<u32>,
    },
    /// The containers a `docker ps --filter` finds (`label=pgproof.instance=<random>`); `client`
    /// is a `docker` command in flight that may still be creating one.
    Container { filter: String, client: Option<u32> },
    /// A scratch database on a server the user named.
    ScratchDatabase { admin_url: String, name: String },
}

/// Who started a throwaway resource: written into labels, owner files and database comments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owner {
    /// Random per-run id (hex).
    pub run: String,
    pub pid: u32,
    pub host: String,
    /// Unix seconds.
    pub started: u64,
}

impl Owner {
    /// `run=<id> pid=<pid> host=<host> started=<unix seconds>`.
    pub fn to_line(&self) -> String {
        format!(
            "run={} pid={} host={} started={}",
            self.run, self.pid, self.host, self.started
        )
    }

    pub fn parse(line: &str) -> Option<Owner> {
        let mut run = None;
        let mut pid = None;
        let mut host = None;
        let mut started = None;
        for word in line.split_whitespace() {
            match word.split_once('=') {
                Some(("run", v)) => run = Some(v.to_string()),
                Some(("pid", v)) => pid = v.parse().ok(),
                Some(("host", v)) => host = Some(v.to_string()),
                Some(("started", v)) => started = v.parse().ok(),
                _ => {}
            }
        }
        Some(Owner {
            run: run?,
            pid: pid?,
            host: host?,
            started: started?,
        })
    }

    /// Whether the owning process still runs: same host, the pid exists and is not a zombie, and
    /// that process did not start after the owner did (a reused pid).
    pub fn is_alive(&self) -> bool {
        if self.host != hostname() {
            // Cannot be checked from here: count it as alive (only `--older-than` removes it).
            return true;
        }
        match process_start(self.pid) {
            Some(start) => start <= self.started + 2,
            None => false,
        }
    }

    /// How long ago the owner started.
    pub fn age(&self) -> Duration {
        Duration::from_secs(unix_now().saturating_sub(self.started))
    }
}

/// This process's owner identity (created on first use).
pub fn owner() -> &'static Owner {
    static OWNER: OnceLock<Owner> = OnceLock::new();
    OWNER.get_or_init(|| Owner {
        run: random_hex(8).unwrap_or_else(|_| format!("{:x}", unix_now())),
        pid: std::process::id(),
        host: hostname(),
        started: unix_now(),
    })
}

/// `bytes` random bytes from the operating system's generator, as lowercase hex.
pub fn random_hex(bytes: usize) -> Result<String> {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf)
        .map_err(|e| anyhow::anyhow!("the operating system's random generator failed: {e}"))?;
    Ok(buf.iter().map(|b| format!("{b:02x}")).collect())
}

pub fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".into())
}

pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

struct State {
    list: Vec<(u64, Cleanup)>,
    interrupted: bool,
}

static STATE: Mutex<State> = Mutex::new(State {
    list: Vec::new(),
    interrupted: false,
});
static NEXT: AtomicU64 = AtomicU64::new(1);
static PIPE: AtomicI32 = AtomicI32::new(-1);
static INSTALLED: OnceLock<std::result::Result<(), String>> = OnceLock::new();

fn lock() -> MutexGuard<'static, State> {
    STATE.lock().unwrap_or_else(|e| e.into_inner())
}

/// Once a signal is being handled, the caller waits here for the handler to end the process.
fn park_forever() -> ! {
    loop {
        std::thread::park();
    }
}

/// Locks the registry; when a signal is being handled, never returns (the handler exits).
fn lock_unless_interrupted() -> MutexGuard<'static, State> {
    let state = lock();
    if state.interrupted {
        drop(state);
        park_forever();
    }
    state
}

/// Called by work that a teardown may have cut short (a closed connection, a killed `initdb`):
/// when a signal is being handled, waits for the handler to finish removing servers and end the
/// process, so no half-finished report or error is printed and the exit status is 130 or 143.
pub fn wait_if_interrupted() {
    drop(lock_unless_interrupted());
}

/// Set by the first SIGINT/SIGTERM.
static SIGNALLED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Installs the SIGINT/SIGTERM handler (once): the signal handler itself only writes the signal
/// number to a pipe; a thread reads it and tears down what is registered.
pub fn install() -> Result<()> {
    INSTALLED
        .get_or_init(install_handler)
        .clone()
        .map_err(|e| anyhow::anyhow!("cannot install the SIGINT/SIGTERM handler: {e}"))
}

#[allow(unsafe_code)] // _exit(2) and write(2) are the async-signal-safe way out of a signal handler
extern "C" fn on_signal(signal: libc::c_int) {
    // A second signal while the first one's teardown runs (a hung `docker`, a slow server) ends
    // the process at once, as a user pressing Ctrl-C again expects.
    if SIGNALLED.swap(true, Ordering::SeqCst) {
        // SAFETY: _exit is async-signal-safe.
        unsafe { libc::_exit(128 + signal) };
    }
    let fd = PIPE.load(Ordering::Relaxed);
    if fd >= 0 {
        let byte = signal as u8;
        // SAFETY: write(2) is async-signal-safe; the buffer is a live local byte.
        unsafe {
            libc::write(fd, (&byte as *const u8).cast(), 1);
        }
    }
}

#[allow(unsafe_code)] // pipe2(2) and sigaction(2): std has no signal handling
fn install_handler() -> std::result::Result<(), String> {
    let mut fds = [0 as libc::c_int; 2];
    // SAFETY: pipe2 writes two descriptors into the array it is given.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(std::io::Error::last_os_error().to_string());
    }
    PIPE.store(fds[1], Ordering::SeqCst);
    let reader = fds[0];
    std::thread::Builder::new()
        .name("pgproof-signals".into())
        .spawn(move || loop {
            let mut byte = 0u8;
            // SAFETY: reads one byte into a live local.
            let n = unsafe { libc::read(reader, (&mut byte as *mut u8).cast(), 1) };
            if n == 1 {
                teardown(libc::c_int::from(byte));
            } else if n < 0
                && std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted
            {
                continue;
            } else {
                return;
            }
        })
        .map_err(|e| e.to_string())?;
    for signal in [libc::SIGINT, libc::SIGTERM] {
        // SAFETY: a zeroed sigaction with our handler and an empty mask is a valid argument.
        let result = unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_signal as *const () as usize;
            action.sa_flags = libc::SA_RESTART;
            libc::sigemptyset(&mut action.sa_mask);
            libc::sigaction(signal, &action, std::ptr::null_mut())
        };
        if result != 0 {
            return Err(std::io::Error::last_os_error().to_string());
        }
    }
    Ok(())
}

/// Registers `cleanup` until the returned key is passed to [`done`]; installs the handler if
/// nothing did yet. When a signal is being handled, never returns.
pub fn register(cleanup: Cleanup) -> u64 {
    let _ = install();
    let mut state = lock_unless_interrupted();
    let key = NEXT.fetch_add(1, Ordering::Relaxed);
    state.list.push((key, cleanup));
    key
}

/// Creates a resource and registers how to remove it in one step under the registry lock, so a
/// signal either comes before it exists or finds it registered. When a signal is being handled,
/// never returns.
pub fn register_with<T>(create: impl FnOnce() -> Result<(T, Cleanup)>) -> Result<(T, u64)> {
    let _ = install();
    let mut state = lock_unless_interrupted();
    let (value, cleanup) = create()?;
    let key = NEXT.fetch_add(1, Ordering::Relaxed);
    state.list.push((key, cleanup));
    Ok((value, key))
}

/// Runs `f` on the registered resource `key` under the registry lock, so that what `f` creates
/// (a process it spawns) is recorded before a signal handler can look. When a signal is being
/// handled, never returns.
pub fn with<R>(key: u64, f: impl FnOnce(Option<&mut Cleanup>) -> R) -> R {
    let mut state = lock_unless_interrupted();
    let entry = state
        .list
        .iter_mut()
        .find(|(k, _)| *k == key)
        .map(|(_, c)| c);
    f(entry)
}

/// The resource was torn down normally.
pub fn done(key: u64) {
    lock().list.retain(|(k, _)| *k != key);
}

fn teardown(signal: libc::c_int) {
    let mut state = lock();
    state.interrupted = true;
    let list = std::mem::take(&mut state.list);
    let mut removed = vec![];
    for (_, cleanup) in list.into_iter().rev() {
        removed.extend(remove(&cleanup));
    }
    let name = if signal == libc::SIGINT {
        "SIGINT"
    } else {
        "SIGTERM"
    };
    if removed.is_empty() {
        eprintln!("pgproof: interrupted by {name}; no throwaway server to remove");
    } else {
        eprintln!(
            "pgproof: interrupted by {name}; removed {}",
            removed.join(", ")
        );
    }
    // The lock stays held: nothing may be created while the process ends.
    std::process::exit(128 + signal);
}

/// Removes one resource; returns what was removed, for the message.
pub fn remove(cleanup: &Cleanup) -> Vec<String> {
    match cleanup {
        Cleanup::LocalCluster {
            dir,
            child,
            postmaster,
        } => {
            if let Some(pid) = child {
                kill_group(*pid, libc::SIGKILL);
                wait_gone(*pid, Duration::from_secs(5));
            }
            let postmaster = postmaster.or_else(|| postmaster_of(&dir.join("data")));
            let mut what = format!("local cluster {}", dir.display());
            if let Some(pid) = postmaster {
                stop_postmaster(pid);
                what.push_str(&format!(" (postmaster {pid})"));
            }
            let _ = std::fs::remove_dir_all(dir);
            vec![what]
        }
        Cleanup::Container { filter, client } => {
            if let Some(pid) = client {
                // `docker run` returns quickly once the container exists; if it hangs, stop it.
                if !wait_gone(*pid, Duration::from_secs(20)) {
                    kill_group(*pid, libc::SIGKILL);
                    wait_gone(*pid, Duration::from_secs(2));
                }
            }
            remove_containers(filter)
                .into_iter()
                .map(|id| format!("container {id}"))
                .collect()
        }
        Cleanup::ScratchDatabase { admin_url, name } => {
            match drop_scratch_database(admin_url, name) {
                Ok(()) => vec![format!("scratch database {name}")],
                Err(e) => {
                    eprintln!("pgproof: could not drop scratch database {name}: {e:#}");
                    vec![]
                }
            }
        }
    }
}

/// `docker rm -f -v` every container matching `filter`; returns their short ids.
pub fn remove_containers(filter: &str) -> Vec<String> {
    let Ok(listed) = Command::new("docker")
        .args(["ps", "-aq", "--filter", filter])
        .output()
    else {
        return vec![];
    };
    let ids: Vec<String> = String::from_utf8_lossy(&listed.stdout)
        .split_whitespace()
        .map(str::to_string)
        .collect();
    if !ids.is_empty() {
        let _ = Command::new("docker")
            .args(["rm", "-f", "-v"])
            .args(&ids)
            .output();
    }
    ids
}

/// Drops a scratch database, waiting out a `CREATE DATABASE` of it still in flight (the drop must
/// come after it, or the database would be created after all).
pub fn drop_scratch_database(admin_url: &str, name: &str) -> Result<()> {
    let target = super::config(Some(admin_url))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async {
        let client = super::connect(&target).await?;
        let ident = crate::syntax::quote_ident(name);
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            client
                .batch_execute(&format!("DROP DATABASE IF EXISTS {ident} WITH (FORCE)"))
                .await
                .with_context(|| format!("DROP DATABASE {ident} failed"))?;
            let creating = client
                .query(
                    "SELECT 1 FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND state = 'active' AND query ILIKE 'CREATE DATABASE %' AND position($1 in query) > 0",
                    &[&name],
                )
                .await
                .context("cannot read pg_stat_activity")?;
            if creating.is_empty() || Instant::now() >= deadline {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
}

/// The postmaster pid recorded in a data directory, if that process is a running postgres.
pub fn postmaster_of(data: &Path) -> Option<u32> {
    let text = std::fs::read_to_string(data.join("postmaster.pid")).ok()?;
    let pid: u32 = text.lines().next()?.trim().parse().ok()?;
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
    String::from_utf8_lossy(&cmdline)
        .contains("postgres")
        .then_some(pid)
}

/// Immediate shutdown (SIGQUIT), then SIGKILL to its process group if it lingers.
pub fn stop_postmaster(pid: u32) {
    signal(pid, libc::SIGQUIT);
    if !wait_gone(pid, Duration::from_secs(10)) {
        kill_group(pid, libc::SIGKILL);
        signal(pid, libc::SIGKILL);
        wait_gone(pid, Duration::from_secs(5));
    }
}

#[allow(unsafe_code)] // kill(2): std can signal only its own children
fn signal(pid: u32, signal: libc::c_int) {
    if let Ok(pid) = libc::pid_t::try_from(pid) {
        // SAFETY: kill(2) with a positive pid only sends a signal.
        unsafe {
            libc::kill(pid, signal);
        }
    }
}

/// Signals the process group led by `pid` (children started with `process_group(0)`).
#[allow(unsafe_code)] // kill(2) of a process group: std has no API for it
pub fn kill_group(pid: u32, signal: libc::c_int) {
    if let Ok(pid) = libc::pid_t::try_from(pid) {
        if pid > 1 {
            // SAFETY: kill(2) with a negative pid signals that process group only.
            unsafe {
                libc::kill(-pid, signal);
            }
        }
    }
}

/// Waits until `pid` has exited (gone, or a zombie its parent has not reaped yet).
pub fn wait_gone(pid: u32, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        let state = std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .ok()
            .and_then(|s| {
                s.rsplit_once(')')
                    .and_then(|(_, rest)| rest.split_whitespace().next().map(str::to_string))
            });
        match state.as_deref() {
            None | Some("Z") | Some("X") => return true,
            _ if Instant::now() >= deadline => return false,
            _ => std::thread::sleep(Duration::from_millis(20)),
        }
    }
}

/// When process `pid` started (Unix seconds), if it runs.
#[allow(unsafe_code)] // sysconf(3) for the clock tick: no safe std API
fn process_start(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    if matches!(fields.first(), Some(&"Z") | Some(&"X")) {
        return None;
    }
    // Field 22 of stat (starttime) is the 20th after the command name.
    let ticks: u64 = fields.get(19)?.parse().ok()?;
    let boot: u64 = std::fs::read_to_string("/proc/stat")
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix("btime "))?
        .trim()
        .parse()
        .ok()?;
    // SAFETY: sysconf only reads a configuration value.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    let hz = u64::try_from(hz).ok().filter(|h| *h > 0)?;
    Some(boot + ticks / hz)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owner_lines_round_trip_and_liveness_follows_the_process() {
        let me = owner().clone();
        assert_eq!(Owner::parse(&me.to_line()), Some(me.clone()));
        assert!(me.is_alive(), "this process owns it");
        let mut child = Command::new("true").spawn().unwrap();
        let pid = child.id();
        child.wait().unwrap();
        let gone = Owner { pid, ..me.clone() };
        assert!(!gone.is_alive(), "an exited process owns nothing");
        let reused = Owner {
            pid: std::process::id(),
            started: me.started.saturating_sub(3600),
            ..me
        };
        assert!(
            !reused.is_alive(),
            "a pid that started after its owner was reused"
        );
        assert!(reused.age() >= Duration::from_secs(3600));
    }

    #[test]
    fn random_secrets_differ() {
        let a = random_hex(16).unwrap();
        assert_eq!(a.len(), 32);
        assert_ne!(a, random_hex(16).unwrap());
    }
}
