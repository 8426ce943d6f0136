//! Output formats. Only this module defines serialized formats; every format is deterministic
//! (findings arrive sorted) and writes to any `io::Write`.

pub mod audit;
pub mod fk_graph;
mod gitlab;
mod human;
mod json;
pub mod markdown;
pub mod prove;
mod prove_markdown;
mod prove_sarif;
pub mod prove_versions;
pub(crate) mod sarif;

use crate::engine::Stats;
use crate::finding::{Finding, Severity};
use std::collections::HashMap;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Lint's output formats (the command line's are `cli::LintFormat`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Diagnostics with source excerpts, and a summary table.
    Human,
    /// Stable JSON (`"version": 1`), documented in docs/json-format.md.
    Json,
    /// SARIF 2.1.0, for code-scanning uploads.
    Sarif,
    /// GitHub Actions workflow-command annotations.
    Github,
    /// GitLab Code Quality report.
    Gitlab,
    /// A pull-request comment or job summary: counts, findings by file, details folded.
    Markdown,
    /// One line per finding, `file:line:column: severity rule message`, for editors and grep.
    Compact,
}

impl Format {
    /// Whether the format shows the source of a finding ([`Report::sources`]): excerpts in the
    /// human and Markdown reports, the fixes' replacements in SARIF.
    pub fn shows_source(self) -> bool {
        matches!(self, Format::Human | Format::Markdown | Format::Sarif)
    }
}

/// Everything a format may need.
pub struct Report<'a> {
    pub findings: &'a [Finding],
    pub stats: &'a Stats,
    pub pg_version: u32,
    /// Source text by displayed path, for excerpts (empty for a format that shows none:
    /// [`Format::shows_source`]).
    pub sources: &'a HashMap<PathBuf, std::sync::Arc<str>>,
    /// Files and directories that could not be read (the findings are those of everything else).
    pub errors: &'a [crate::source::SourceError],
    /// `.sql` files no layout read (said on stderr, and in JSON).
    pub warnings: &'a [crate::source::SourceWarning],
    pub color: bool,
    /// What a baseline file left out, when one was read.
    pub baseline: Option<&'a BaselineSummary>,
    /// `--quiet`: the human format shows the findings only (no summary table, no set lines).
    pub quiet: bool,
}

/// What a baseline file did to a lint report (see `crate::baseline`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaselineSummary {
    /// The baseline file, as found or given.
    pub file: PathBuf,
    /// Findings not reported because the baseline lists them.
    pub baselined: usize,
    /// Entries that matched no finding; None when the run did not lint everything they could be
    /// about (`--since`, files given one by one), so that staleness cannot be told.
    pub stale: Option<usize>,
}

impl BaselineSummary {
    /// `3 findings baselined in `pgproof-baseline.json`, 1 stale entry (...)`: the human and
    /// GitHub formats' line.
    pub fn describe(&self) -> String {
        let plural =
            |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        let mut text = format!(
            "{} baselined in `{}`",
            plural(self.baselined, "finding", "findings"),
            self.file.display()
        );
        match self.stale {
            Some(0) => {}
            Some(n) => text.push_str(&format!(
                "; {} that no finding matches (remove with `pgproof baseline --prune`)",
                plural(n, "stale entry", "stale entries")
            )),
            None => text
                .push_str("; stale entries are not checked when only part of the sets is reported"),
        }
        text
    }
}

impl Report<'_> {
    pub fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == severity)
            .count()
    }

    /// The migration sets read, in path order (sets are analyzed in parallel).
    pub fn sets(&self) -> Vec<&crate::engine::SetInfo> {
        let mut sets: Vec<_> = self.stats.sets.iter().collect();
        sets.sort_by(|a, b| a.path.cmp(&b.path));
        sets
    }
}

/// Markdown text with `<` escaped, so that a message or a statement quoting `<details>` or `<!--`
/// cannot change the page's structure (lint's, prove's and audit's Markdown reports).
pub(crate) fn md_text(text: &str) -> String {
    text.replace('<', "&lt;")
}

/// [`md_text`] for a table cell or a list item: on one line, pipes escaped.
pub(crate) fn md_cell(text: &str) -> String {
    md_text(text).replace('|', "\\|").replace('\n', " ")
}

/// Lines in one table cell: each a [`md_cell`], joined with `<br>`.
pub(crate) fn md_lines<S: AsRef<str>>(lines: &[S]) -> String {
    lines
        .iter()
        .map(|l| md_cell(l.as_ref()))
        .collect::<Vec<_>>()
        .join("<br>")
}

/// The file an annotation (GitHub, SARIF) points at: for a file of the running release (a query
/// `old-query-breaks` reports, shown as `<ref>:<path>`), the same file in the working tree, which
/// a pull request contains (`<ref>:<path>` is no path; the message names the release instead).
pub fn annotation_path(f: &Finding) -> &Path {
    f.worktree_path.as_deref().unwrap_or(&f.file)
}

pub fn write(format: Format, report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    match format {
        Format::Human => human::write(report, out),
        Format::Json => json::write(report, out),
        Format::Sarif => sarif::write(report, out),
        Format::Github => write_github(report, out),
        Format::Gitlab => gitlab::write(report, out),
        Format::Markdown => markdown::write(report, out),
        Format::Compact => write_compact(report, out),
    }
}

/// `db/0002_x.sql:3:1: warning set-not-null-scan SET NOT NULL on ...`: one line per finding
/// (its message on one line), as compilers print them, so editors and `grep` read them.
fn write_compact(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    for f in report.findings {
        writeln!(
            out,
            "{}:{}:{}: {} {} {}",
            annotation_path(f).display(),
            f.start.line,
            f.start.column,
            f.severity.name(),
            f.rule,
            f.message.replace(['\r', '\n'], " ")
        )?;
    }
    Ok(())
}

fn github_escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn github_escape_property(text: &str) -> String {
    github_escape_data(text)
        .replace(':', "%3A")
        .replace(',', "%2C")
}

fn write_github(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    for f in report.findings {
        let level = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let mut message = f.message.clone();
        if let Some(help) = &f.help {
            message.push_str("\nhelp: ");
            message.push_str(help);
        }
        writeln!(
            out,
            "::{level} file={},line={},col={},endLine={},endColumn={},title={}::{}",
            github_escape_property(&annotation_path(f).display().to_string()),
            f.start.line,
            f.start.column,
            f.end.line,
            f.end.column,
            github_escape_property(&format!("pgproof {}", f.rule)),
            github_escape_data(&message)
        )?;
    }
    for error in report.errors {
        writeln!(
            out,
            "::error file={},title={}::{}",
            github_escape_property(&error.path.display().to_string()),
            github_escape_property("pgproof: unreadable input"),
            github_escape_data(&error.to_string())
        )?;
    }
    if let Some(baseline) = report.baseline.filter(|b| b.stale.is_some_and(|n| n > 0)) {
        writeln!(
            out,
            "::notice file={},title={}::{}",
            github_escape_property(&baseline.file.display().to_string()),
            github_escape_property("pgproof: stale baseline entries"),
            github_escape_data(&baseline.describe())
        )?;
    }
    Ok(())
}
