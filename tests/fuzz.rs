//! A seeded mutation fuzzer on stable Rust: the project's own SQL fixtures, mutated (Unicode
//! spaces, multi-byte and control characters, quotes and dollar quotes left open, truncation,
//! splices of two files, duplicated statements), linted in memory through parse, replay and rules,
//! and written in every report format, which must not panic and must stay well formed.
//!
//! CI runs a fixed number of cases from a fixed seed. Longer runs, in release:
//! `PGPROOF_FUZZ_SECONDS=1200 PGPROOF_FUZZ_SEED=7 cargo test --release --test fuzz -- --nocapture`
//! (`PGPROOF_FUZZ_CASES` sets the number of cases instead). A failing input is written under
//! `target/fuzz-failures/`; once minimized, keep it in `sql-fixtures/fuzz-regressions/`, whose
//! files the regression test below runs through every format. With `PGPROOF_FUZZ_KEEP_CURRENT=1`
//! each case is written to `target/fuzz-current/` before it runs, so a case that kills the process
//! (out of memory under `ulimit -v`, a hang) leaves its input behind.

// Tests may unwrap: a panic here is a failing test (clippy.toml only exempts `#[test]` fns).
#![allow(clippy::unwrap_used)]

#[path = "common/every_format.rs"]
mod every_format;

use every_format::{check_every_format, lint_texts};
use pgproof::config::Settings;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Cases in a default run (CI): about 20 s in a debug build on two cores.
const DEFAULT_CASES: u64 = 400;
const DEFAULT_SEED: u64 = 0x5eed_2024;
/// Deep nesting recurses deeply; `lint` gives its workers stacks this large too.
const STACK_BYTES: usize = 256 * 1024 * 1024;

/// xorshift64*: small, deterministic, and enough to pick mutations.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// A number in `0..n` (`n` > 0).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Text that breaks assumptions: every Unicode space, invisible characters, multi-byte characters
/// of each length, control characters other than NUL, and the starts and ends of quotes and
/// comments.
const INSERTS: &[&str] = &[
    "\t",
    "\n",
    "\r",
    "\r\n",
    "\u{0B}",
    "\u{0C}",
    "\u{85}",
    "\u{A0}",
    "\u{1680}",
    "\u{2000}",
    "\u{2003}",
    "\u{2009}",
    "\u{200A}",
    "\u{2028}",
    "\u{2029}",
    "\u{202F}",
    "\u{205F}",
    "\u{3000}",
    "\u{180E}",
    "\u{200B}",
    "\u{200D}",
    "\u{2060}",
    "\u{FEFF}",
    "é",
    "e\u{301}",
    "€",
    "表",
    "😀",
    "👩\u{200D}💻",
    "\u{10FFFF}",
    "\u{01}",
    "\u{1B}",
    "\u{7F}",
    "\u{9B}",
    "'",
    "\"",
    "$$",
    "$tag$",
    "E'\\",
    "U&\"",
    "--",
    "/*",
    "*/",
    ";",
    "(",
    ")",
    ",",
    "\\",
    "\\\n",
    ":",
    "::",
    "$1",
    "?",
    "\\gset",
    "BEGIN;",
    "COMMIT;",
    "ROLLBACK;",
    "-- pgproof: ignore ",
    "CONCURRENTLY",
    "NOT NULL",
    "CASCADE",
    "public.",
    "\"\"",
    "''",
];

/// The `.sql` files under `sql-fixtures/`, read from the repository at test time.
fn seeds() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("sql-fixtures");
    let mut seeds: Vec<(PathBuf, String)> = walkdir::WalkDir::new(&root)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "sql"))
        .filter_map(|e| {
            let text = std::fs::read_to_string(e.path()).ok()?;
            Some((e.path().to_path_buf(), text.replace('\0', "")))
        })
        .collect();
    seeds.sort();
    assert!(seeds.len() > 50, "the fixtures are the fuzzer's seeds");
    seeds.into_iter().map(|(_, text)| text).collect()
}

/// A character boundary of `text` picked at random.
fn boundary(rng: &mut Rng, text: &str) -> usize {
    let mut at = rng.below(text.len() + 1);
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// A range of `text` from one statement's start to another's (cut at `;`), or a random range.
fn statement_range(rng: &mut Rng, text: &str) -> (usize, usize) {
    let cuts: Vec<usize> = std::iter::once(0)
        .chain(text.match_indices(';').map(|(i, _)| i + 1))
        .chain(std::iter::once(text.len()))
        .collect();
    let a = rng.below(cuts.len());
    let b = (a + 1 + rng.below(3)).min(cuts.len() - 1);
    (cuts[a], cuts[b].max(cuts[a]))
}

/// `text` with one to four mutations.
fn mutate(rng: &mut Rng, text: &str, seeds: &[String]) -> String {
    let mut text = text.to_string();
    for _ in 0..1 + rng.below(4) {
        match rng.below(8) {
            0..=2 => {
                let at = boundary(rng, &text);
                let insert = *rng.pick(INSERTS);
                text.insert_str(at, insert);
            }
            3 => text.truncate(boundary(rng, &text)),
            4 => {
                let other = rng.pick(seeds);
                let (at, from) = (boundary(rng, &text), boundary(rng, other));
                text = format!("{}{}", &text[..at], &other[from..]);
            }
            5 => {
                let (start, end) = statement_range(rng, &text);
                let copy = text[start..end].to_string();
                for _ in 0..1 + rng.below(3) {
                    text.insert_str(end, &copy);
                }
            }
            6 => {
                let (start, end) = statement_range(rng, &text);
                text.replace_range(start..end, "");
            }
            _ => {
                // Replace an ASCII space with an odd one.
                if let Some((at, _)) = text.match_indices(' ').nth(rng.below(64)) {
                    let space = *rng.pick(&INSERTS[..23]);
                    text.replace_range(at..at + 1, space);
                }
            }
        }
    }
    text
}

/// Lints `texts` (one migration each) and writes every format; the problem if any, panics included.
fn run_case(texts: &[String], wrapped: bool, settings: &Settings) -> Result<(), String> {
    let outcome = std::panic::catch_unwind(|| {
        let (findings, stats, sources) = lint_texts(texts, wrapped, settings);
        check_every_format(&findings, &stats, &sources).map(|_| ())
    });
    match outcome {
        Ok(result) => result,
        Err(panic) => Err(panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "panicked".into())),
    }
}

fn env_number(name: &str) -> Option<u64> {
    let value = std::env::var(name).ok()?;
    Some(
        value
            .parse()
            .unwrap_or_else(|_| panic!("{name} must be a number, not `{value}`")),
    )
}

/// Runs `f` on a thread with a large stack, as `lint` runs analyses.
fn on_big_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(STACK_BYTES)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
}

#[test]
fn mutated_fixtures_never_break_lint_or_any_report() {
    on_big_stack(|| {
        let seed = env_number("PGPROOF_FUZZ_SEED").unwrap_or(DEFAULT_SEED);
        let seconds = env_number("PGPROOF_FUZZ_SECONDS");
        let cases = env_number("PGPROOF_FUZZ_CASES").unwrap_or(if seconds.is_some() {
            u64::MAX
        } else {
            DEFAULT_CASES
        });
        let deadline = seconds.map(|s| Instant::now() + Duration::from_secs(s));
        let seeds = seeds();
        let failures_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/fuzz-failures");
        let current_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/fuzz-current");
        let keep_current = std::env::var_os("PGPROOF_FUZZ_KEEP_CURRENT").is_some();
        let mut rng = Rng::new(seed);
        let mut failures = vec![];
        let mut ran = 0u64;
        while ran < cases && deadline.is_none_or(|d| Instant::now() < d) {
            let settings = Settings {
                pg_version: *rng.pick(&[12, 13, 14, 15, 16, 17, 18]),
                require_statement_timeout: rng.below(4) == 0,
                ..Settings::default()
            };
            let texts: Vec<String> = (0..1 + rng.below(3))
                .map(|_| {
                    let seed_text = rng.pick(&seeds).clone();
                    if rng.below(8) == 0 {
                        seed_text
                    } else {
                        mutate(&mut rng, &seed_text, &seeds)
                    }
                })
                .collect();
            let wrapped = rng.below(2) == 0;
            if keep_current {
                // A case that kills the process (out of memory, a hang killed from outside) leaves
                // its input here.
                let _ = std::fs::remove_dir_all(&current_dir);
                std::fs::create_dir_all(&current_dir).unwrap();
                for (i, text) in texts.iter().enumerate() {
                    std::fs::write(current_dir.join(format!("case{ran}-{i}.sql")), text).unwrap();
                }
            }
            if let Err(problem) = run_case(&texts, wrapped, &settings) {
                std::fs::create_dir_all(&failures_dir).unwrap();
                let mut saved = vec![];
                for (i, text) in texts.iter().enumerate() {
                    let path = failures_dir.join(format!("seed{seed}-case{ran}-{i}.sql"));
                    std::fs::write(&path, text).unwrap();
                    saved.push(path.display().to_string());
                }
                failures.push(format!(
                    "case {ran} (pg {}, wrapped {wrapped}): {problem}\n  saved: {}",
                    settings.pg_version,
                    saved.join(", ")
                ));
            }
            ran += 1;
        }
        eprintln!(
            "fuzz: {ran} cases from seed {seed}, {} failed",
            failures.len()
        );
        assert!(ran > 0);
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    });
}

/// Every crasher the fuzzer found, minimized: each file alone, then all as one history, in every
/// format.
#[test]
fn fuzz_regressions_in_every_format() {
    on_big_stack(|| {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("sql-fixtures/fuzz-regressions");
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "sql"))
            .collect();
        files.sort();
        assert!(!files.is_empty(), "no regressions in {}", dir.display());
        let texts: Vec<String> = files
            .iter()
            .map(|p| std::fs::read_to_string(p).unwrap())
            .collect();
        let settings = Settings::default();
        let mut failures = vec![];
        for (path, text) in files.iter().zip(&texts) {
            for wrapped in [false, true] {
                if let Err(problem) = run_case(std::slice::from_ref(text), wrapped, &settings) {
                    failures.push(format!("{} (wrapped {wrapped}): {problem}", path.display()));
                }
            }
        }
        if let Err(problem) = run_case(&texts, false, &settings) {
            failures.push(format!("all as one history: {problem}"));
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    });
}
