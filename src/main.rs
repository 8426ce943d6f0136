//! The `pgproof` binary: parse the command line, run a command, map the result to an exit code
//! (0 clean, 1 findings at or above `--fail-on`, 2 operational error).

use clap::Parser;
use pgproof::cli::{Cli, Command};
use pgproof::commands::{self, Outcome};
use std::process::ExitCode;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[allow(unsafe_code)] // mimalloc's own C function, linked with the allocator
extern "C" {
    /// Frees what the calling thread's heap holds unused, and returns it to the system (`force`:
    /// the pages of threads that ended, too).
    fn mi_collect(force: bool);
}

/// Gives the memory a finished migration set freed back to the system (see
/// `engine::pipeline::on_set_done`): without it, mimalloc keeps freed pages for a while, and the
/// corpus run's peak resident memory was the sum of many sets' rather than the largest's.
fn give_back_freed_memory() {
    // SAFETY: `mi_collect` takes no pointers and may be called by any thread at any time.
    #[allow(unsafe_code)]
    unsafe {
        mi_collect(true)
    }
}

/// Transparent huge pages off from the process's first allocation (see `commands::huge_pages`):
/// the C runtime calls `.init_array` entries before `main` and the Rust runtime, whose first
/// allocation would otherwise fault in (and zero) a 2 MiB page.
#[cfg(target_os = "linux")]
#[allow(unsafe_code)] // a constructor: `#[link_section]` places it where the C runtime looks
#[used]
#[link_section = ".init_array"]
static HUGE_PAGES_OFF_AT_START: extern "C" fn() = huge_pages_off_at_start;

#[cfg(target_os = "linux")]
extern "C" fn huge_pages_off_at_start() {
    commands::huge_pages_off_at_start();
}

fn main() -> ExitCode {
    pgproof::engine::pipeline::on_set_done(give_back_freed_memory);
    let cli = Cli::parse();
    if !matches!(cli.command, Command::Lint(_)) {
        commands::huge_pages_as_inherited();
    }
    let result = match &cli.command {
        Command::Lint(args) => commands::lint::run(args),
        Command::Baseline(args) => commands::baseline::run(args),
        Command::Fix(args) => commands::fix::run(args),
        Command::Rules(args) => commands::rules::run(args),
        Command::Explain(args) => commands::explain::run(args),
        Command::Audit(args) => commands::audit::run(args),
        Command::Prove(args) => commands::prove::run(args),
        Command::Prune(args) => commands::prove::prune(args),
        Command::Completions(args) => commands::shell::completions(args),
        Command::Man => commands::shell::man(),
        Command::Lsp => commands::lsp::run(),
    };
    // A SIGINT/SIGTERM being handled ends the process itself (130/143), after its cleanup.
    pgproof::sandbox::cleanup::wait_if_interrupted();
    match result {
        Ok(Outcome::Clean) => ExitCode::SUCCESS,
        Ok(Outcome::Findings) => ExitCode::from(1),
        Ok(Outcome::Failed) => ExitCode::from(2),
        Err(err) => {
            eprintln!("pgproof: error: {err:#}");
            ExitCode::from(2)
        }
    }
}
