//! In-memory linting of migration texts, and every report format written and checked for sanity.
//! Shared by `tests/reports.rs` and `tests/fuzz.rs` (each includes this file with `#[path]`).
#![allow(dead_code)]

use pgproof::catalog::Catalog;
use pgproof::config::Settings;
use pgproof::engine::replay;
use pgproof::engine::Stats;
use pgproof::finding::Finding;
use pgproof::report::{self, Format, Report};
use pgproof::source::{Layout, Migration, MigrationSet, RunnerTransaction, SourceFile, SqlPart};
use std::collections::HashMap;
use std::path::PathBuf;

/// The findings of a plain migration set with one migration per text, in order, linted in memory
/// through parse, replay and rules; and the texts by path, as `lint` hands them to reports.
pub fn lint_texts(
    texts: &[String],
    wrapped: bool,
    settings: &Settings,
) -> (Vec<Finding>, Stats, HashMap<PathBuf, std::sync::Arc<str>>) {
    let files: Vec<SourceFile> = texts
        .iter()
        .enumerate()
        .map(|(i, text)| {
            SourceFile::new(
                PathBuf::from(format!("db/{:03}_m{i}.sql", i + 1)),
                text.clone(),
            )
        })
        .collect();
    let migrations = files
        .iter()
        .enumerate()
        .map(|(i, file)| Migration {
            id: format!("{:03}_m{i}", i + 1),
            version: None,
            up: Some(SqlPart {
                file: i,
                text: file.text.clone(),
            }),
            down: None,
            transaction: RunnerTransaction {
                wrapped,
                reason: "fuzz".into(),
                one_message: false,
            },
            down_transaction: None,
            supports_down: false,
        })
        .collect();
    let set = MigrationSet {
        root: PathBuf::from("db"),
        layout: Layout::Plain,
        layout_decided: "configured".into(),
        transaction_assumption: Layout::Plain.transaction_assumption().into(),
        files,
        migrations,
        problems: vec![],
        errors: vec![],
    };
    let parsed: Vec<_> = replay::parts(&set)
        .map(|part| pgproof::syntax::parse_sql(&part.text))
        .collect();
    let replayed = replay::run(&set, settings, &Default::default(), Catalog::new(), parsed);
    let sources = set
        .files
        .into_iter()
        .map(|file| (file.path, file.text))
        .collect();
    (replayed.findings, replayed.stats, sources)
}

/// Every format and colour choice a user can ask for.
pub const FORMATS: [(Format, bool); 8] = [
    (Format::Human, false),
    (Format::Human, true),
    (Format::Json, false),
    (Format::Sarif, false),
    (Format::Github, false),
    (Format::Gitlab, false),
    (Format::Markdown, false),
    (Format::Compact, false),
];

/// Writes every format of the report and checks each: spans on character boundaries of their
/// file, JSON documents that parse with one entry per finding, one GitHub line per finding, and a
/// human report whose `path:line:column` for each finding is the one the JSON gives. Returns the
/// outputs by format, or what is wrong.
pub fn check_every_format(
    findings: &[Finding],
    stats: &Stats,
    sources: &HashMap<PathBuf, std::sync::Arc<str>>,
) -> Result<Vec<String>, String> {
    for f in findings {
        let text = sources.get(&f.file).map_or("", |t| &**t);
        let (start, end) = (f.span.start, f.span.end);
        if start > end || end > text.len() {
            return Err(format!("{}: span {start}..{end} outside the text", f.rule));
        }
        if !text.is_char_boundary(start) || !text.is_char_boundary(end) {
            return Err(format!("{}: span {start}..{end} cuts a character", f.rule));
        }
    }
    let mut outputs = vec![];
    for (format, color) in FORMATS {
        let report = Report {
            findings,
            stats,
            pg_version: 17,
            sources,
            errors: &[],
            warnings: &[],
            color,
            baseline: None,
            quiet: false,
        };
        let mut out = vec![];
        report::write(format, &report, &mut out)
            .map_err(|e| format!("{format:?} failed to write: {e}"))?;
        let out = String::from_utf8(out).map_err(|_| format!("{format:?} wrote invalid UTF-8"))?;
        let count = |value: &serde_json::Value, what: &str| -> Result<(), String> {
            let n = value.as_array().map_or(0, Vec::len);
            if n == findings.len() {
                Ok(())
            } else {
                Err(format!(
                    "{format:?}: {n} {what} for {} findings",
                    findings.len()
                ))
            }
        };
        match format {
            Format::Json | Format::Sarif | Format::Gitlab => {
                let doc: serde_json::Value = serde_json::from_str(&out)
                    .map_err(|e| format!("{format:?} is not JSON: {e}\n{out}"))?;
                match format {
                    Format::Json => count(&doc["findings"], "findings")?,
                    Format::Sarif => count(&doc["runs"][0]["results"], "results")?,
                    _ => count(&doc, "issues")?,
                }
            }
            Format::Github => {
                let lines: Vec<&str> = out.lines().collect();
                if lines.len() != findings.len() || !lines.iter().all(|l| l.starts_with("::")) {
                    return Err(format!("github: not one `::` line per finding:\n{out}"));
                }
            }
            Format::Compact => {
                // One line per finding, each starting with the place the other formats give.
                let lines: Vec<&str> = out.lines().collect();
                let places = findings
                    .iter()
                    .map(|f| format!("{}:{}:{}: ", f.file.display(), f.start.line, f.start.column));
                if lines.len() != findings.len()
                    || !lines.iter().zip(places).all(|(l, p)| l.starts_with(&p))
                {
                    return Err(format!("compact: not one placed line per finding:\n{out}"));
                }
            }
            Format::Markdown => {
                // The marker a bot finds its comment by, one table row per finding (within the
                // comment budget), and as many folded blocks as opened.
                let rows = out
                    .lines()
                    .filter(|l| l.starts_with("| ") && l.contains("](https://"))
                    .count();
                let left_out = out.contains("not shown here");
                if !out.starts_with("<!-- pgproof-lint -->\n")
                    || (rows != findings.len() && !left_out)
                    || out
                        .lines()
                        .filter(|l| l.starts_with("<details><summary>"))
                        .count()
                        != out.lines().filter(|l| *l == "</details>").count()
                {
                    return Err(format!(
                        "markdown: {rows} rows for {} findings:\n{out}",
                        findings.len()
                    ));
                }
            }
            Format::Human => {
                if !out.contains("assumed PostgreSQL 17") {
                    return Err(format!("human (color {color}) has no summary:\n{out}"));
                }
                if !color {
                    check_human_locations(findings, &out)?;
                }
            }
        }
        outputs.push(out);
    }
    Ok(outputs)
}

/// Each finding's `path:line:column` in the human report, in order, as the other formats give it.
fn check_human_locations(findings: &[Finding], human: &str) -> Result<(), String> {
    let mut rest = human;
    for f in findings {
        let at = format!(
            "[ {}:{}:{} ]",
            f.file.display(),
            f.start.line,
            f.start.column
        );
        match rest.find(&at) {
            Some(n) => rest = &rest[n + at.len()..],
            None => {
                return Err(format!(
                    "human report lacks `{at}` for {} (in order):\n{human}",
                    f.rule
                ))
            }
        }
    }
    Ok(())
}
