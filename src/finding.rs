//! Findings: the one thing rules produce. Data, never errors.

use crate::span::{Position, Span};
use crate::syntax::LockMode;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn name(&self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// How safe it is to apply a fix without reading it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Applicability {
    /// Same schema result, weaker locks: apply as is.
    Safe,
    /// Changes behaviour or needs more steps (a later release, a backfill): review before applying.
    Unsafe,
    /// Shown for guidance only; placeholders need filling in.
    DisplayOnly,
}

impl Applicability {
    pub fn name(&self) -> &'static str {
        match self {
            Applicability::Safe => "safe",
            Applicability::Unsafe => "unsafe",
            Applicability::DisplayOnly => "display_only",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fix {
    pub applicability: Applicability,
    pub sql: String,
}

/// What a rule reports about one statement (or object), before the engine places it in a file.
#[derive(Debug, Clone)]
pub struct Diagnostic {
    pub rule: &'static str,
    pub span: Span,
    pub message: String,
    pub help: Option<String>,
    pub fix: Option<Fix>,
    pub lock: Option<LockMode>,
    pub notes: Vec<String>,
}

impl Diagnostic {
    pub fn new(rule: &'static str, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            rule,
            span,
            message: message.into(),
            help: None,
            fix: None,
            lock: None,
            notes: vec![],
        }
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn fix(mut self, sql: impl Into<String>, applicability: Applicability) -> Self {
        self.fix = Some(Fix {
            sql: sql.into(),
            applicability,
        });
        self
    }

    pub fn lock(mut self, lock: LockMode) -> Self {
        self.lock = Some(lock);
        self
    }

    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }
}

/// A diagnostic placed in a file with its severity, ready for reporting.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub rule: String,
    pub severity: Severity,
    pub category: String,
    pub file: PathBuf,
    #[serde(skip)]
    pub span: Span,
    pub start: Position,
    pub end: Position,
    pub migration: Option<String>,
    pub message: String,
    pub help: Option<String>,
    pub fix: Option<Fix>,
    pub lock: Option<LockMode>,
    pub notes: Vec<String>,
}

impl Finding {
    /// Sort key: file, position, rule, message (borrowed: sorting clones nothing).
    pub fn sort_key(&self) -> (&std::path::Path, usize, usize, &str, &str) {
        (
            &self.file,
            self.start.line,
            self.start.column,
            &self.rule,
            &self.message,
        )
    }
}
