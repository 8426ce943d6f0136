//! Human output: ariadne diagnostics (coloured on a terminal) and a comfy-table summary.
//!
//! The work is linear in the findings: each file's text is indexed for ariadne once, not once per
//! finding (findings arrive sorted, so a file's findings are consecutive).

use super::Report;
use crate::finding::{Finding, Severity};
use ariadne::{Color, Config, IndexType, Label, ReportKind, Source};
use comfy_table::{presets, Table};
use std::borrow::Cow;
use std::io::{self, Write};
use std::path::Path;

pub fn write(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    let config = Config::default()
        .with_color(report.color)
        .with_index_type(IndexType::Byte);
    let mut cache = SourceCache::default();
    for f in report.findings {
        let (path, source) = cache.get(report, &f.file);
        write_finding(f, config, path, source, out)?;
    }
    if report.quiet {
        return Ok(());
    }
    let mut table = Table::new();
    table.load_preset(if report.color {
        presets::UTF8_FULL_CONDENSED
    } else {
        presets::ASCII_MARKDOWN
    });
    let mut header = vec!["files", "migrations", "statements", "unmodelled"];
    let mut row = vec![
        report.stats.files.to_string(),
        report.stats.migrations.to_string(),
        report.stats.statements.to_string(),
        report.stats.unmodelled_statements.to_string(),
    ];
    if report.stats.queries > 0 {
        header.push("queries");
        row.push(report.stats.queries.to_string());
    }
    header.extend(["errors", "warnings", "info"]);
    row.extend([
        report.count(Severity::Error).to_string(),
        report.count(Severity::Warning).to_string(),
        report.count(Severity::Info).to_string(),
    ]);
    table.set_header(header);
    table.add_row(row);
    writeln!(out, "{table}")?;
    for set in report.sets() {
        let version = set.pg_version.map_or(String::new(), |v| {
            format!("; PostgreSQL {v} (`[[sets]]` in pgproof.toml)")
        });
        writeln!(
            out,
            "`{}`: {} layout ({}); runner transaction: {}{version}",
            set.path, set.layout, set.decided, set.transaction
        )?;
    }
    if let Some(baseline) = report.baseline {
        writeln!(out, "{}", baseline.describe())?;
    }
    writeln!(
        out,
        "assumed PostgreSQL {} (set `pg_version` in pgproof.toml or pass --pg-version)",
        report.pg_version
    )
}

/// One diagnostic: the first line of the finding's span underlined in its file.
fn write_finding(
    f: &Finding,
    config: Config,
    path: &str,
    source: &Source<Cow<'_, str>>,
    out: &mut dyn Write,
) -> io::Result<()> {
    let text = source.text();
    // Findings come on character boundaries; a finding made by hand, or for a text that changed,
    // must not make ariadne slice inside a character either.
    let span = f.span.on_char_boundaries(text);
    // Underline the first line of the statement; long statements stay readable.
    let line_end = text[span.start..]
        .find('\n')
        .map_or(text.len(), |n| span.start + n);
    let (start, end) = (span.start, span.end.min(line_end));
    let (kind, color) = match f.severity {
        Severity::Error => (ReportKind::Error, Color::Red),
        Severity::Warning => (ReportKind::Warning, Color::Yellow),
        Severity::Info => (ReportKind::Advice, Color::Cyan),
    };
    let label_text = match &f.lock {
        Some(lock) => format!("takes `{}`", lock.sql()),
        None => f.rule.to_string(),
    };
    let mut builder = ariadne::Report::build(kind, (path.to_string(), start..end))
        .with_config(config)
        .with_code(f.rule)
        .with_message(&f.message)
        .with_label(
            Label::new((path.to_string(), start..end))
                .with_message(label_text)
                .with_color(color),
        );
    if let Some(help) = &f.help {
        builder = builder.with_help(help);
    }
    for note in &f.notes {
        builder = builder.with_note(note);
    }
    if let Some(fix) = &f.fix {
        builder = builder.with_note(format!("fix ({}):\n{}", fix.applicability.name(), fix.sql));
    }
    builder
        .finish()
        .write_for_stdout((path.to_string(), source), &mut *out)
}

/// The ariadne source of the file last reported on. Building one reads the whole file, so it is
/// built when the file changes, not per finding.
#[derive(Default)]
struct SourceCache<'a> {
    current: Option<(&'a Path, String, Source<Cow<'a, str>>)>,
    /// How many sources were built (what keeps the report linear; see the tests).
    built: usize,
}

impl<'a> SourceCache<'a> {
    /// The displayed path and the source of `file` (empty when the report has no text for it).
    fn get(&mut self, report: &Report<'a>, file: &'a Path) -> (&str, &Source<Cow<'a, str>>) {
        if self.current.as_ref().is_none_or(|(path, ..)| *path != file) {
            let text = report.sources.get(file).map_or("", |t| &**t);
            self.built += 1;
            self.current = Some((
                file,
                file.display().to_string(),
                Source::from(displayed(text)),
            ));
        }
        let (_, path, source) = self.current.as_ref().expect("set just above");
        (path, source)
    }
}

/// `text` as ariadne should see it: the line breaks ariadne knows but pgproof does not count as
/// lines (a lone `\r`, vertical tab, form feed, U+0085, U+2028, U+2029) become spaces of the same
/// UTF-8 length, so ariadne's lines, columns and byte offsets are those of every other format.
fn displayed(text: &str) -> Cow<'_, str> {
    let odd = |c: char| matches!(c, '\x0B' | '\x0C' | '\u{85}' | '\u{2028}' | '\u{2029}');
    let lone_cr = |(at, _): (usize, &str)| text.as_bytes().get(at + 1) != Some(&b'\n');
    if !text.contains(odd) && !text.match_indices('\r').any(lone_cr) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(match c {
            '\r' if chars.peek() == Some(&'\n') => '\r',
            '\r' | '\x0B' | '\x0C' => ' ',
            '\u{85}' => '\u{a0}',
            '\u{2028}' | '\u{2029}' => '\u{2003}',
            c => c,
        });
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Stats;
    use crate::span::{Position, Span};
    use std::collections::HashMap;
    use std::path::PathBuf;

    fn finding(file: &str, span: Span) -> Finding {
        Finding {
            rule: crate::finding::RuleId::SYNTAX_ERROR,
            severity: Severity::Error,
            category: crate::finding::Category::Correctness,
            file: PathBuf::from(file),
            worktree_path: None,
            span,
            start: Position { line: 1, column: 1 },
            end: Position { line: 1, column: 1 },
            migration: None,
            message: "m".into(),
            help: None,
            fix: None,
            lock: None,
            notes: vec![],
            object: None,
            fingerprint: None,
        }
    }

    #[test]
    fn each_file_is_indexed_once_however_many_findings_it_has() {
        let sources = HashMap::from([
            (PathBuf::from("a.sql"), "select 1;\n".repeat(100).into()),
            (PathBuf::from("b.sql"), "select 2;\n".repeat(100).into()),
        ]);
        let mut findings: Vec<Finding> = (0..100)
            .map(|i| finding("a.sql", Span::new(i * 10, i * 10 + 8)))
            .collect();
        findings.extend((0..50).map(|i| finding("b.sql", Span::new(i * 10, i * 10 + 8))));
        let stats = Stats::default();
        let report = Report {
            findings: &findings,
            stats: &stats,
            pg_version: 17,
            sources: &sources,
            errors: &[],
            warnings: &[],
            color: false,
            baseline: None,
            quiet: false,
        };
        let mut cache = SourceCache::default();
        for f in report.findings {
            let (path, source) = cache.get(&report, &f.file);
            assert_eq!(path, f.file.display().to_string());
            assert_eq!(source.text(), &*sources[&f.file]);
        }
        assert_eq!(cache.built, 2);
    }

    #[test]
    fn ariadne_sees_only_the_line_breaks_pgproof_counts() {
        let text = "a\r\nb\rc\u{0B}d\u{0C}e\u{85}f\u{2028}g\u{2029}h\n";
        let shown = displayed(text);
        assert_eq!(shown, "a\r\nb c d e\u{a0}f\u{2003}g\u{2003}h\n");
        assert_eq!(shown.len(), text.len());
        assert_eq!(shown.chars().count(), text.chars().count());
        assert!(matches!(displayed("a\r\nb\n"), Cow::Borrowed(_)));
    }
}
