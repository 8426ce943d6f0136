//! Diagnostics become findings here, and only here: each gets its rule's configured severity
//! (capped where the diagnostic says so) and its place in the file, a span on character boundaries
//! with 1-based line and character-column positions ([`crate::span::LineIndex::place`]).
//! Migration, schema and query findings all go through [`Placer`].

use crate::config::Settings;
use crate::finding::{Diagnostic, Finding};
use crate::source::SourceFile;
use crate::span::{LineIndex, Placed};
use std::cell::OnceCell;

/// Places diagnostics in the files of one migration set or one group of query files. Each file's
/// line index is built on first use, so files without findings cost nothing.
pub struct Placer<'a> {
    settings: &'a Settings,
    files: &'a [SourceFile],
    lines: Vec<OnceCell<LineIndex>>,
}

impl<'a> Placer<'a> {
    pub fn new(settings: &'a Settings, files: &'a [SourceFile]) -> Self {
        Placer {
            settings,
            files,
            lines: files.iter().map(|_| OnceCell::new()).collect(),
        }
    }

    fn lines(&self, file: usize) -> &LineIndex {
        self.lines[file].get_or_init(|| LineIndex::new(&self.files[file].text))
    }

    /// The 1-based line of `offset` in file `file`.
    pub fn line(&self, file: usize, offset: usize) -> usize {
        let text = &self.files[file].text;
        self.lines(file).position(text, offset).line
    }

    /// `diag`, found in file `file` (of migration `migration`), as a finding; None when its rule
    /// is off, or no rule.
    pub fn finding(
        &self,
        file: usize,
        migration: Option<String>,
        diag: Diagnostic,
    ) -> Option<Finding> {
        let meta = crate::rules::find(&diag.rule)?.meta();
        let severity = self.settings.severity_of(&meta.id, meta.severity)?;
        let severity = diag.at_most.map_or(severity, |cap| severity.min(cap));
        let source = &self.files[file];
        // Every span leaves here on character boundaries of its file, whatever byte arithmetic
        // made it (identifier lengths, offsets mapped back from rewritten queries): reports slice
        // the text with it.
        let Placed { span, start, end } = self.lines(file).place(&source.text, diag.span);
        Some(Finding {
            rule: meta.id,
            severity,
            category: meta.category,
            file: source.path.clone(),
            span,
            start,
            end,
            migration,
            message: diag.message,
            help: diag.help,
            fix: diag.fix,
            lock: diag.lock,
            notes: diag.notes,
        })
    }

    /// Every diagnostic of `raw` (file index, migration, diagnostic) placed, sorted, and with
    /// duplicates (same file, position, rule and message) removed.
    pub fn findings(
        &self,
        raw: impl IntoIterator<Item = (usize, Option<String>, Diagnostic)>,
    ) -> Vec<Finding> {
        let mut findings: Vec<Finding> = raw
            .into_iter()
            .filter_map(|(file, migration, diag)| self.finding(file, migration, diag))
            .collect();
        crate::finding::sort(&mut findings);
        findings.dedup_by(|a, b| a.sort_key() == b.sort_key());
        findings
    }
}
