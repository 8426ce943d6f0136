//! Lint's Markdown report: what a pull-request comment or a GitHub job summary shows. A headline
//! with the counts, a summary table, then the findings grouped by file (one table row each), with
//! each file's statements, help and fixes folded in a `<details>` block. The first line is a fixed
//! marker (`<!-- pgproof-lint -->`) that a bot finds to update its own comment instead of adding
//! a new one. The report stays under GitHub's comment limit: past [`BUDGET`] bytes, the remaining
//! findings are counted, not shown.

use super::sarif::help_uri;
use super::{md_cell as md, md_text, Report};
use crate::finding::{Finding, Severity};
use std::io::{self, Write};
use std::path::Path;

/// The first line of every lint Markdown report.
pub const MARKER: &str = "<!-- pgproof-lint -->";

/// GitHub refuses comments over 65,536 characters: the findings shown stop before this many bytes
/// (a file's section is shown whole or not at all), leaving room for the rest of the report.
const BUDGET: usize = 60_000;

/// Lines of a statement shown in the folded details; longer statements end with `…`.
const STATEMENT_LINES: usize = 12;

pub fn write(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    let (errors, warnings, info) = (
        report.count(Severity::Error),
        report.count(Severity::Warning),
        report.count(Severity::Info),
    );
    writeln!(out, "{MARKER}")?;
    let mut title = headline(errors, warnings, info);
    let unread = report.errors.len();
    let unparsed = report.stats.parse_aborts.len();
    if unread > 0 || unparsed > 0 {
        // The findings of an incomplete lint are not the whole story: never a green headline.
        title = format!(
            "❌ incomplete ({unread} file(s) could not be read, {unparsed} statement(s) could not be parsed); {}",
            title.trim_start_matches("✅ ")
        );
    }
    writeln!(out, "## pgproof lint: {title}\n")?;
    for abort in &report.stats.parse_aborts {
        writeln!(out, "❌ not parsed: {}\n", md(abort))?;
    }
    writeln!(
        out,
        "| files | migrations | statements | errors | warnings | info |"
    )?;
    writeln!(out, "| --- | --- | --- | --- | --- | --- |")?;
    writeln!(
        out,
        "| {} | {} | {} | {errors} | {warnings} | {info} |\n",
        report.stats.files, report.stats.migrations, report.stats.statements
    )?;
    if let Some(baseline) = report.baseline {
        writeln!(out, "{}\n", md(&baseline.describe()))?;
    }
    for error in report.errors {
        writeln!(out, "❌ could not read: {}\n", md(&error.to_string()))?;
    }
    let mut used = 0;
    let mut left_out = 0;
    let mut files = 0;
    for group in report.findings.chunk_by(|a, b| a.file == b.file) {
        let mut section = vec![];
        write_file(report, group, &mut section)?;
        if used + section.len() > BUDGET {
            left_out += group.len();
            files += 1;
            continue;
        }
        used += section.len();
        out.write_all(&section)?;
    }
    if left_out > 0 {
        writeln!(
            out,
            "{left_out} more {} in {files} more {} not shown here (the comment would be too long): run `pgproof lint` for the full report.\n",
            if left_out == 1 { "finding" } else { "findings" },
            if files == 1 { "file" } else { "files" },
        )?;
    }
    writeln!(
        out,
        "<sub>pgproof {}, assumed PostgreSQL {}</sub>",
        env!("CARGO_PKG_VERSION"),
        report.pg_version
    )
}

/// `✅ no findings`, `❌ 2 errors, 1 warning`, `⚠️ 3 warnings, 1 info`, `ℹ️ 2 info`.
fn headline(errors: usize, warnings: usize, info: usize) -> String {
    let mut parts = vec![];
    let plural =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    if errors > 0 {
        parts.push(plural(errors, "error", "errors"));
    }
    if warnings > 0 {
        parts.push(plural(warnings, "warning", "warnings"));
    }
    if info > 0 {
        parts.push(format!("{info} info"));
    }
    let icon = if errors > 0 {
        "❌"
    } else if warnings > 0 {
        "⚠️"
    } else if info > 0 {
        "ℹ️"
    } else {
        return "✅ no findings".to_string();
    };
    format!("{icon} {}", parts.join(", "))
}

/// One file's findings: a heading, a table row per finding, and the folded details.
fn write_file(report: &Report<'_>, group: &[Finding], out: &mut dyn Write) -> io::Result<()> {
    let first = &group[0];
    let path = super::annotation_path(first);
    match &first.migration {
        Some(id) if !file_is_named(path, id) => {
            writeln!(out, "### `{}` (migration `{}`)\n", path.display(), id)?
        }
        _ => writeln!(out, "### `{}`\n", path.display())?,
    }
    writeln!(out, "| line | severity | rule | finding |")?;
    writeln!(out, "| --- | --- | --- | --- |")?;
    for f in group {
        writeln!(
            out,
            "| {} | {} | [`{}`]({}) | {} |",
            f.start.line,
            severity(f.severity),
            f.rule,
            help_uri(&f.rule),
            md(&f.message)
        )?;
    }
    writeln!(out)?;
    let text = report.sources.get(&first.file).map(|t| &**t);
    writeln!(
        out,
        "<details><summary>Statements, help and fixes</summary>\n"
    )?;
    for f in group {
        writeln!(out, "**line {}, `{}`**\n", f.start.line, f.rule)?;
        if let Some(statement) = text.and_then(|t| statement(t, f)) {
            fenced(out, &statement)?;
        }
        if let Some(help) = &f.help {
            writeln!(out, "help: {}\n", md_text(help))?;
        }
        for note in &f.notes {
            writeln!(out, "note: {}\n", md_text(note))?;
        }
        if let Some(fix) = &f.fix {
            writeln!(out, "fix ({}):\n", fix.applicability.name())?;
            fenced(out, &fix.sql)?;
        }
    }
    writeln!(out, "</details>\n")
}

/// Whether the migration id is just the file's name (`0001_init` for `0001_init.sql`): then the
/// heading does not repeat it.
fn file_is_named(path: &Path, id: &str) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|name| name.starts_with(id))
}

fn severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "❌ error",
        Severity::Warning => "⚠️ warning",
        Severity::Info => "ℹ️ info",
    }
}

/// The finding's statement (its span), at most [`STATEMENT_LINES`] lines; None when empty.
fn statement(text: &str, f: &Finding) -> Option<String> {
    let span = f.span.on_char_boundaries(text);
    let sql = text.get(span.start..span.end)?.trim();
    if sql.is_empty() {
        return None;
    }
    let lines: Vec<&str> = sql.lines().collect();
    if lines.len() <= STATEMENT_LINES {
        return Some(sql.to_string());
    }
    let mut shown = lines[..STATEMENT_LINES].join("\n");
    shown.push_str("\n…");
    Some(shown)
}

/// A fenced SQL block whose fence is longer than any run of backticks inside it.
fn fenced(out: &mut dyn Write, sql: &str) -> io::Result<()> {
    let mut longest = 0;
    let mut run = 0;
    for c in sql.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat((longest + 1).max(3));
    writeln!(out, "{fence}sql\n{sql}\n{fence}\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_headline_counts_what_was_found() {
        assert_eq!(headline(0, 0, 0), "✅ no findings");
        assert_eq!(headline(1, 2, 0), "❌ 1 error, 2 warnings");
        assert_eq!(headline(0, 1, 3), "⚠️ 1 warning, 3 info");
        assert_eq!(headline(0, 0, 1), "ℹ️ 1 info");
    }

    #[test]
    fn a_fence_outgrows_the_backticks_it_holds() {
        let mut out = vec![];
        fenced(&mut out, "SELECT '```';").unwrap();
        let out = String::from_utf8(out).unwrap();
        assert!(out.starts_with("````sql\n"), "{out}");
        assert!(out.ends_with("\n````\n\n"), "{out}");
    }

    #[test]
    fn cells_stay_in_their_row() {
        assert_eq!(md("a | b\n<details>"), "a \\| b &lt;details>");
    }
}
