//! Progress of a long `prove` run on a terminal: which migration of how many is being replayed,
//! tables being filled with synthetic rows, which fix proof or query proof is running. One line,
//! rewritten in place on stderr, cleared when the step is done, so the report that follows is not
//! interleaved with it. Silent when stderr is not a terminal (a pipe, a CI log), unless
//! `PGPROOF_PROGRESS=1`; `PGPROOF_PROGRESS=0` silences it on a terminal too.

use std::io::{IsTerminal, Write};

pub struct Progress {
    enabled: bool,
    /// Whether the terminal shows a line that `done` must clear.
    shown: bool,
    /// Plain lines (one per step, no carriage returns) when forced on outside a terminal.
    plain: bool,
}

impl Progress {
    pub fn from_env() -> Self {
        let terminal = std::io::stderr().is_terminal();
        let setting = std::env::var("PGPROOF_PROGRESS").ok();
        let enabled = match setting.as_deref() {
            Some("0") => false,
            Some("1") => true,
            _ => terminal,
        };
        Progress {
            enabled,
            shown: false,
            plain: !terminal,
        }
    }

    /// Shows `what` in place of the previous step (shortened to one terminal line).
    pub fn step(&mut self, what: &str) {
        if !self.enabled {
            return;
        }
        let line: String = what.replace(['\n', '\r'], " ").chars().take(100).collect();
        let mut err = std::io::stderr().lock();
        if self.plain {
            let _ = writeln!(err, "pgproof prove: {line}");
        } else {
            let _ = write!(err, "\r\x1b[2Kpgproof prove: {line}");
            let _ = err.flush();
            self.shown = true;
        }
    }

    /// Clears the line, before the report is written.
    pub fn done(&mut self) {
        if self.shown {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K");
            let _ = err.flush();
            self.shown = false;
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.done();
    }
}
