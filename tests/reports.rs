//! Reports over unusual text and many findings: every Unicode space and multi-byte character at
//! the start, middle and end of a finding's span in every format, and the human report's work
//! growing linearly with the findings in one file.

// Tests may unwrap: a panic here is a failing test (clippy.toml only exempts `#[test]` fns).
#![allow(clippy::unwrap_used)]

#[path = "common/every_format.rs"]
mod every_format;

use every_format::{check_every_format, lint_texts};
use pgproof::config::Settings;
use pgproof::engine::Stats;
use pgproof::finding::{Finding, Severity};
use pgproof::report::{self, Format, Report};
use pgproof::span::{Position, Span};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Command;

/// Every character Unicode calls white space, the invisible ones often pasted with it, and
/// multi-byte characters of each UTF-8 length (a combining accent and an emoji sequence too).
const CHARS: &[char] = &[
    '\t',
    '\n',
    '\u{0B}',
    '\u{0C}',
    '\r',
    ' ',
    '\u{85}',
    '\u{A0}',
    '\u{1680}',
    '\u{2000}',
    '\u{2001}',
    '\u{2002}',
    '\u{2003}',
    '\u{2004}',
    '\u{2005}',
    '\u{2006}',
    '\u{2007}',
    '\u{2008}',
    '\u{2009}',
    '\u{200A}',
    '\u{2028}',
    '\u{2029}',
    '\u{202F}',
    '\u{205F}',
    '\u{3000}',
    '\u{180E}',
    '\u{200B}',
    '\u{200C}',
    '\u{200D}',
    '\u{2060}',
    '\u{FEFF}',
    'é',
    '\u{301}',
    'ß',
    '€',
    '表',
    '😀',
    '\u{10FFFF}',
];

/// Where the character goes (`@`) in a migration: at the start, in the middle and at the end of
/// the statement a finding points at, in and around its tokens, comments and literals.
const PLACES: &[&str] = &[
    "@CREATE INDEX i ON t (id);\n",
    "@@CREATE INDEX i ON t (id);",
    "CREATE@INDEX i ON t (id);\n",
    "CREATE INDEX \"i@j\" ON t (id);\n",
    "CREATE INDEX i@ON t (id);\n",
    "CREATE INDEX i ON t (id) WHERE id <> @1;\n",
    "CREATE INDEX i ON t (id) WHERE note = 'a@';\n",
    "CREATE INDEX i ON t (id@);\n",
    "CREATE INDEX i ON t (id)@;\n",
    "CREATE INDEX i ON t (id);@\n",
    "CREATE INDEX i ON t (id);@",
    "CREATE INDEX i ON t (id);\n@",
    "-- a note@\nCREATE INDEX i ON t (id);\n",
    "/* @ */ CREATE INDEX i ON t (id);\n",
    "ALTER TABLE t ADD COLUMN x int NOT NULL;@\nALTER TABLE t ALTER COLUMN id TYPE bigint;@",
    "CREATE INDEX i ON t (id) WHERE note = $$@",
];

const SETUP: &str = "CREATE TABLE t (id int, note text);\n";

#[test]
fn every_unicode_space_and_multibyte_char_at_every_place_of_a_span_in_every_format() {
    let settings = Settings::default();
    let mut failures = vec![];
    for &c in CHARS {
        for place in PLACES {
            let text = place.replace('@', &c.to_string());
            let texts = [SETUP.to_string(), text.clone()];
            let outcome = std::panic::catch_unwind(|| {
                let (findings, stats, sources) = lint_texts(&texts, false, &settings);
                check_every_format(&findings, &stats, &sources)?;
                // A blocking index build, a syntax error or both: never nothing.
                match findings
                    .iter()
                    .filter(|f| f.file.ends_with("002_m1.sql"))
                    .count()
                {
                    0 => Err("no finding in the migration".to_string()),
                    n => Ok(n),
                }
            });
            let name = format!("U+{:04X} in {text:?}", c as u32);
            match outcome {
                Ok(Ok(_)) => {}
                Ok(Err(problem)) => failures.push(format!("{name}: {problem}")),
                Err(_) => failures.push(format!("{name}: panicked")),
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The case from the issue: a no-break space after a statement is a syntax error that points at
/// the whole character, in the middle of the file.
#[test]
fn a_stray_no_break_space_is_a_syntax_error_on_the_whole_character() {
    let text = "CREATE TABLE t (id int);\u{a0}\nCREATE INDEX i ON t (id);\n";
    let (findings, stats, sources) = lint_texts(&[text.to_string()], false, &Settings::default());
    let error = findings
        .iter()
        .find(|f| f.rule == "syntax-error")
        .expect("a syntax error");
    assert_eq!(&text[error.span.start..error.span.end], "\u{a0}");
    assert_eq!((error.start.line, error.start.column), (1, 25));
    assert_eq!((error.end.line, error.end.column), (1, 26));
    let outputs = check_every_format(&findings, &stats, &sources).unwrap();
    assert!(outputs[0].contains("syntax-error"), "{}", outputs[0]);
}

/// The built binary, default (human) format, on that file: findings (exit 1), not a panic (101).
#[test]
fn the_human_report_of_a_stray_no_break_space_does_not_panic() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("001_nbsp.sql"),
        "CREATE TABLE t (id int);\u{a0}\nCREATE INDEX i ON t (id);\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_pgproof"))
        .args(["lint", "."])
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("[ ./001_nbsp.sql:1:25 ]"), "{stdout}");
}

/// Bytes allocated on this thread: a deterministic measure of the work a report does.
struct CountingAllocator;

thread_local! {
    static ALLOCATED: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: every call is forwarded to the system allocator unchanged; counting only reads a size.
#[allow(unsafe_code)] // a counting global allocator must implement the unsafe `GlobalAlloc`
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCATED.try_with(|a| a.set(a.get() + layout.size()));
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let _ = ALLOCATED.try_with(|a| a.set(a.get() + new_size));
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

/// Bytes the human report allocates for `n` findings, one per line of an `n`-line file.
fn human_report_bytes(n: usize) -> usize {
    let line = "CREATE INDEX i ON t (id);\n";
    let text = line.repeat(n);
    let file = PathBuf::from("db/001_many.sql");
    let findings: Vec<Finding> = (0..n)
        .map(|i| {
            let start = i * line.len();
            Finding {
                rule: pgproof::finding::RuleId::new("create-index-non-concurrently"),
                severity: Severity::Error,
                category: pgproof::finding::Category::Locking,
                file: file.clone(),
                worktree_path: None,
                span: Span::new(start, start + line.len() - 2),
                start: Position {
                    line: i + 1,
                    column: 1,
                },
                end: Position {
                    line: i + 1,
                    column: line.len() - 1,
                },
                migration: Some("001_many".into()),
                message: "`CREATE INDEX` blocks writes to `t` until the index is built".into(),
                help: Some("build it with `CREATE INDEX CONCURRENTLY`".into()),
                fix: None,
                lock: None,
                notes: vec![],
                object: None,
                fingerprint: None,
            }
        })
        .collect();
    let sources = HashMap::from([(file, text.into())]);
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
    let mut out = Vec::with_capacity(n * 1024);
    let before = ALLOCATED.with(Cell::get);
    report::write(Format::Human, &report, &mut out).unwrap();
    let bytes = ALLOCATED.with(Cell::get) - before;
    assert_eq!(
        String::from_utf8(out)
            .unwrap()
            .matches("create-index-non-concurrently")
            .count(),
        2 * n,
        "each finding shown with its code and label"
    );
    bytes
}

/// Twice the findings in a file twice as long cost about twice the work, not four times (the
/// human report once indexed the whole file for every finding: 31.6 s for 20,000 findings).
#[test]
fn human_report_work_is_linear_in_the_findings_of_one_file() {
    let small = human_report_bytes(2_000);
    let large = human_report_bytes(4_000);
    let ratio = large as f64 / small as f64;
    assert!(
        ratio < 2.5,
        "2,000 findings allocated {small} bytes, 4,000 allocated {large} ({ratio:.2}x)"
    );
}
