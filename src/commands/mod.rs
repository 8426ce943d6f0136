//! One file per subcommand. Commands touch the outside world (files, git, stdout); the layers
//! they call do not.

pub mod audit;
pub mod baseline;
pub mod explain;
pub mod fix;
pub mod lint;
pub mod lsp;
pub mod prove;
pub mod rules;
pub mod shell;

use std::io::{self, Write};

/// Whether Linux may back this process's memory with transparent huge pages. The allocator marks
/// its arenas for them, and where the kernel is set to `defrag=madvise` (a common default) every
/// such fault may compact memory synchronously and zero 2 MiB: on a run of a second or less that
/// cost up to a third of lint's CPU time, varied several-fold from run to run, and raised the peak
/// memory by a quarter (docs/benchmarks.md). `main` turns them off before the allocator's first
/// page ([`huge_pages_off_at_start`]; the first, zeroed at start-up, cost about half a millisecond
/// of every run) and puts the inherited setting back for every command but `lint`
/// ([`huge_pages_as_inherited`]): it is inherited by child processes, and `prove` starts
/// PostgreSQL servers.
#[allow(unsafe_code)] // prctl(2): no safe std API
pub fn huge_pages(allowed: bool) {
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_THP_DISABLE takes plain integers and only sets a flag on this process; it
    // allocates nothing, so it may run before the Rust runtime (main.rs's constructor).
    unsafe {
        libc::prctl(
            libc::PR_SET_THP_DISABLE,
            libc::c_ulong::from(!allowed),
            0,
            0,
            0,
        );
    }
    #[cfg(not(target_os = "linux"))]
    let _ = allowed;
}

/// Whether transparent huge pages were off when the process started (set by
/// [`huge_pages_off_at_start`]).
static HUGE_PAGES_OFF_WHEN_STARTED: std::sync::atomic::AtomicBool =
    std::sync::atomic::AtomicBool::new(false);

/// Turns transparent huge pages off, remembering the setting the process inherited. Allocates
/// nothing: `main.rs` calls it from a constructor, before the Rust runtime.
#[allow(unsafe_code)] // prctl(2): no safe std API
pub fn huge_pages_off_at_start() {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: PR_GET_THP_DISABLE takes plain integers and returns the flag (1 when set).
        let off = unsafe { libc::prctl(libc::PR_GET_THP_DISABLE, 0, 0, 0, 0) } == 1;
        HUGE_PAGES_OFF_WHEN_STARTED.store(off, std::sync::atomic::Ordering::Relaxed);
    }
    huge_pages(false);
}

/// Puts back the transparent huge pages setting the process inherited.
pub fn huge_pages_as_inherited() {
    huge_pages(!HUGE_PAGES_OFF_WHEN_STARTED.load(std::sync::atomic::Ordering::Relaxed));
}

/// What a command tells `main` about the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing at or above the fail-on severity.
    Clean,
    /// Findings at or above the fail-on severity.
    Findings,
    /// Operational errors that were reported while the rest ran (an unreadable file, nothing to
    /// lint with `require_files`): exit code 2, after the report.
    Failed,
}

/// `PGPROOF_TIMINGS=1`: prints how long each phase of a command took to stderr (for the
/// benchmark scripts).
pub struct Timings {
    enabled: bool,
    clock: std::time::Instant,
}

impl Timings {
    pub fn from_env() -> Self {
        Timings {
            enabled: std::env::var_os("PGPROOF_TIMINGS").is_some_and(|v| v == "1"),
            clock: std::time::Instant::now(),
        }
    }

    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// Ends `phase` (timed from the previous lap) and starts the next.
    pub fn lap(&mut self, phase: &str) {
        if self.enabled {
            eprintln!(
                "timing: {phase} {:.1} ms{}",
                self.clock.elapsed().as_secs_f64() * 1000.0,
                resident_mib().map_or(String::new(), |m| format!(" (resident {m} MiB)"))
            );
        }
        self.clock = std::time::Instant::now();
    }
}

/// The process's resident memory, where `/proc` tells it (Linux).
#[allow(unsafe_code)] // sysconf(3): the page size has no safe std API
fn resident_mib() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    // SAFETY: sysconf only reads a system constant.
    let page = u64::try_from(unsafe { libc::sysconf(libc::_SC_PAGESIZE) }).ok()?;
    Some(pages * page / (1024 * 1024))
}

/// Writes everything to stdout; a closed pipe (`pgproof ... | head`) is not an error.
pub fn emit(write: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> io::Result<()> {
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    match write(&mut out).and_then(|_| out.flush()) {
        Err(err) if err.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}
