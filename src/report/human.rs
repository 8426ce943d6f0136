//! Human output: ariadne diagnostics (coloured on a terminal) and a comfy-table summary.

use super::Report;
use crate::finding::Severity;
use ariadne::{Color, Config, IndexType, Label, ReportKind, Source};
use comfy_table::{presets, Table};
use std::io::{self, Write};

pub fn write(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    let config = Config::default()
        .with_color(report.color)
        .with_index_type(IndexType::Byte);
    for f in report.findings {
        let path = f.file.display().to_string();
        let empty = String::new();
        let text = report.sources.get(&f.file).unwrap_or(&empty);
        // Underline the first line of the statement; long statements stay readable.
        let start = f.span.start.min(text.len());
        let line_end = text[start..].find('\n').map_or(text.len(), |n| start + n);
        let end = f.span.end.min(line_end).max(start);
        let (kind, color) = match f.severity {
            Severity::Error => (ReportKind::Error, Color::Red),
            Severity::Warning => (ReportKind::Warning, Color::Yellow),
            Severity::Info => (ReportKind::Advice, Color::Cyan),
        };
        let label_text = match &f.lock {
            Some(lock) => format!("takes `{}`", lock.sql()),
            None => f.rule.clone(),
        };
        let mut builder = ariadne::Report::build(kind, (path.clone(), start..end))
            .with_config(config)
            .with_code(&f.rule)
            .with_message(&f.message)
            .with_label(
                Label::new((path.clone(), start..end))
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
            builder =
                builder.with_note(format!("fix ({}):\n{}", fix.applicability.name(), fix.sql));
        }
        builder
            .finish()
            .write_for_stdout((path.clone(), Source::from(text.as_str())), &mut *out)?;
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
    writeln!(
        out,
        "assumed PostgreSQL {} (set `pg_version` in pgproof.toml or pass --pg-version)",
        report.pg_version
    )
}
