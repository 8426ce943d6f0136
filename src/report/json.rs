//! `--format json`: a stable, versioned document. See docs/json-format.md.
//!
//! The document is written straight from borrowed structs, so a large report copies nothing.
//! Keys are in alphabetical order in every object (the order the format has always had).

use super::Report;
use crate::finding::{Fix, Severity};
use crate::syntax::LockMode;
use serde::Serialize;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::{self, Write};

pub const VERSION: u32 = 1;

/// The document without its `findings`, which are written first, in parallel (see [`write`]).
#[derive(Serialize)]
struct Document<'a> {
    /// Files and directories that could not be read; left out when there are none, so that a
    /// clean run's document is what it always was.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    errors: Vec<JsonError>,
    pg_version: u32,
    /// Each migration set: its directory, layout, how the layout was decided, and the runner
    /// transaction it was read with.
    sets: Vec<&'a crate::engine::SetInfo>,
    summary: Summary<'a>,
    tool: Tool,
    version: u32,
    /// `.sql` files no layout read; left out when there are none (like `errors`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    warnings: Vec<JsonError>,
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    category: &'a str,
    column: usize,
    end_column: usize,
    end_line: usize,
    file: Cow<'a, str>,
    fix: Option<&'a Fix>,
    help: &'a Option<String>,
    line: usize,
    lock: &'a Option<LockMode>,
    message: &'a str,
    migration: &'a Option<String>,
    notes: &'a [String],
    rule: &'a str,
    severity: Severity,
}

#[derive(Serialize)]
struct Summary<'a> {
    /// Present only when a baseline file was read (so a run without one is what it always was).
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline: Option<JsonBaseline>,
    files: usize,
    findings: Counts,
    migrations: usize,
    /// Application queries checked (`--queries`), after de-duplication.
    queries: usize,
    statements: usize,
    unmodelled_kinds: &'a BTreeMap<String, usize>,
    unmodelled_statements: usize,
}

#[derive(Serialize)]
struct JsonBaseline {
    baselined: usize,
    file: String,
    /// Null when staleness was not checked (`--since`, files given one by one).
    stale: Option<usize>,
}

#[derive(Serialize)]
struct JsonError {
    message: String,
    path: String,
}

#[derive(Serialize)]
struct Counts {
    error: usize,
    info: usize,
    warning: usize,
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

/// Findings serialized per parallel chunk, and chunks per window: a window's text is written
/// before the next window is serialized, so the text held at once stays a few MiB however many
/// findings there are (the whole text of a large report is tens of MiB).
const CHUNK: usize = 512;
const WINDOW: usize = 8;

/// Writes the document as `serde_json::to_writer_pretty` would write it whole, byte for byte, but
/// with the findings (most of a large report) serialized in parallel chunks.
pub fn write(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    use rayon::prelude::*;
    let stats = report.stats;
    let doc = Document {
        errors: report
            .errors
            .iter()
            .map(|e| JsonError {
                message: e.message.clone(),
                path: e.path.to_string_lossy().into_owned(),
            })
            .collect(),
        pg_version: report.pg_version,
        sets: report.sets(),
        summary: Summary {
            baseline: report.baseline.map(|b| JsonBaseline {
                baselined: b.baselined,
                file: b.file.to_string_lossy().into_owned(),
                stale: b.stale,
            }),
            files: stats.files,
            findings: Counts {
                error: report.count(Severity::Error),
                info: report.count(Severity::Info),
                warning: report.count(Severity::Warning),
            },
            migrations: stats.migrations,
            queries: stats.queries,
            statements: stats.statements,
            unmodelled_kinds: &stats.unmodelled_kinds,
            unmodelled_statements: stats.unmodelled_statements,
        },
        tool: Tool {
            name: "pgproof",
            version: env!("CARGO_PKG_VERSION"),
        },
        version: VERSION,
        warnings: report
            .warnings
            .iter()
            .map(|w| JsonError {
                message: w.message.clone(),
                path: w.path.to_string_lossy().into_owned(),
            })
            .collect(),
    };
    out.write_all(b"{\n  \"findings\": [")?;
    for (window, findings) in report.findings.chunks(CHUNK * WINDOW).enumerate() {
        let chunks: Vec<Vec<u8>> = findings
            .par_chunks(CHUNK)
            .enumerate()
            .map(|(chunk, findings)| {
                let mut buf = Vec::with_capacity(findings.len() * 1024);
                for (i, f) in findings.iter().enumerate() {
                    if window > 0 || chunk > 0 || i > 0 {
                        buf.push(b',');
                    }
                    // An element of the top-level `findings` array is indented by four spaces.
                    buf.extend_from_slice(b"\n    ");
                    let mut ser = serde_json::Serializer::with_formatter(&mut buf, Indented::at(2));
                    json_finding(f).serialize(&mut ser)?;
                }
                Ok(buf)
            })
            .collect::<io::Result<_>>()?;
        for chunk in &chunks {
            out.write_all(chunk)?;
        }
    }
    out.write_all(if report.findings.is_empty() {
        b"],\n"
    } else {
        b"\n  ],\n"
    })?;
    // The rest of the document: its own pretty form without the opening `{` line.
    let rest = serde_json::to_vec_pretty(&doc)?;
    out.write_all(&rest[2..])?;
    writeln!(out)
}

/// serde_json's pretty layout (two-space indent, `": "` after keys) starting `depth` levels in, so
/// each finding is written straight into the document at its place.
struct Indented {
    depth: usize,
    has_value: bool,
}

impl Indented {
    fn at(depth: usize) -> Self {
        Indented {
            depth,
            has_value: false,
        }
    }

    fn newline<W: ?Sized + Write>(&self, out: &mut W) -> io::Result<()> {
        out.write_all(b"\n")?;
        for _ in 0..self.depth {
            out.write_all(b"  ")?;
        }
        Ok(())
    }

    fn open<W: ?Sized + Write>(&mut self, out: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        out.write_all(bracket)
    }

    fn close<W: ?Sized + Write>(&mut self, out: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.depth -= 1;
        if self.has_value {
            self.newline(out)?;
        }
        out.write_all(bracket)
    }

    fn item<W: ?Sized + Write>(&mut self, out: &mut W, first: bool) -> io::Result<()> {
        if !first {
            out.write_all(b",")?;
        }
        self.newline(out)
    }
}

impl serde_json::ser::Formatter for Indented {
    fn begin_array<W: ?Sized + Write>(&mut self, out: &mut W) -> io::Result<()> {
        self.open(out, b"[")
    }
    fn end_array<W: ?Sized + Write>(&mut self, out: &mut W) -> io::Result<()> {
        self.close(out, b"]")
    }
    fn begin_array_value<W: ?Sized + Write>(&mut self, out: &mut W, first: bool) -> io::Result<()> {
        self.item(out, first)
    }
    fn end_array_value<W: ?Sized + Write>(&mut self, _out: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
    fn begin_object<W: ?Sized + Write>(&mut self, out: &mut W) -> io::Result<()> {
        self.open(out, b"{")
    }
    fn end_object<W: ?Sized + Write>(&mut self, out: &mut W) -> io::Result<()> {
        self.close(out, b"}")
    }
    fn begin_object_key<W: ?Sized + Write>(&mut self, out: &mut W, first: bool) -> io::Result<()> {
        self.item(out, first)
    }
    fn begin_object_value<W: ?Sized + Write>(&mut self, out: &mut W) -> io::Result<()> {
        out.write_all(b": ")
    }
    fn end_object_value<W: ?Sized + Write>(&mut self, _out: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

fn json_finding(f: &crate::finding::Finding) -> JsonFinding<'_> {
    JsonFinding {
        category: f.category.name(),
        column: f.start.column,
        end_column: f.end.column,
        end_line: f.end.line,
        file: f.file.to_string_lossy(),
        fix: f.fix.as_deref(),
        help: &f.help,
        line: f.start.line,
        lock: &f.lock,
        message: &f.message,
        migration: &f.migration,
        notes: &f.notes,
        rule: &f.rule,
        severity: f.severity,
    }
}
