//! One file per subcommand. Commands touch the outside world (files, git, stdout); the layers
//! they call do not.

pub mod audit;
pub mod explain;
pub mod lint;
pub mod prove;
pub mod rules;

use std::io::{self, Write};

/// What a command tells `main` about the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing at or above the fail-on severity.
    Clean,
    /// Findings at or above the fail-on severity.
    Findings,
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
