//! How far pgproof's parse phase is from PostgreSQL's grammar alone (issue 19, goal 5), on the
//! `.sql` files under the directories given, on one thread, in interleaved rounds:
//!
//! - `grammar`: libpg_query's `raw_parse` of each whole file (what any tool on this parser pays);
//! - `+ writer`: and `encode.c`'s protobuf writer;
//! - `+ decode`: and prost's decode of the tree;
//! - `parse_sql`: pgproof's whole parse phase (lexing, runs of statements, queries checked by the
//!   grammar only, the tree written, decoded and lowered into the model).
//!
//! The first three read each file with its psql meta-commands (`\set`, `\i`) blanked, as
//! `parse_sql` does. A file with a syntax error stops them at the error, while `parse_sql` goes on
//! statement by statement, so the figures are given for the files that parse whole and for all.
//!
//! usage: cargo run --release --example parse_phases -- [--rounds N] DIR...

use std::time::{Duration, Instant};

// The allocator pgproof's binary runs with: the decode's cost is mostly allocation.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const PHASES: [&str; 4] = ["grammar", "+ writer", "+ decode", "parse_sql"];

/// A file as read, and with its meta-commands blanked.
fn run(phase: usize, (text, blanked): &(String, String)) {
    use pgproof::parse::phases;
    let blanked = blanked.as_str();
    match phase {
        0 => {
            std::hint::black_box(phases::grammar(blanked));
        }
        1 => {
            std::hint::black_box(phases::grammar_and_writer(blanked));
        }
        2 => {
            std::hint::black_box(phases::tree(blanked));
        }
        _ => {
            std::hint::black_box(pgproof::syntax::parse_sql(text));
        }
    }
}

fn files(dir: &std::path::Path, out: &mut Vec<(std::path::PathBuf, String)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            files(&path, out);
        } else if path.extension().is_some_and(|e| e == "sql") {
            if let Ok(text) = std::fs::read_to_string(&path) {
                if !text.contains('\0') {
                    out.push((path, text));
                }
            }
        }
    }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut rounds = 7;
    if let Some(i) = args.iter().position(|a| a == "--rounds") {
        rounds = args
            .get(i + 1)
            .and_then(|n| n.parse().ok())
            .expect("--rounds N");
        args.drain(i..i + 2);
    }
    let mut texts = vec![];
    for dir in &args {
        files(std::path::Path::new(dir), &mut texts);
    }
    let texts: Vec<(String, String)> = texts
        .into_iter()
        .map(|(_, text)| {
            let lexed = pgproof::lex::lex(&text);
            let blanked = pgproof::lex::blank_out(&text, &lexed.meta_commands);
            (text, blanked)
        })
        .collect();
    let whole: Vec<bool> = texts
        .iter()
        .map(|(_, blanked)| pgproof::parse::phases::grammar(blanked))
        .collect();
    let bytes: usize = texts.iter().map(|(t, _)| t.len()).sum();
    println!(
        "{} files ({:.1} MB), {} of them parse whole; {rounds} interleaved rounds, one thread",
        texts.len(),
        bytes as f64 / 1e6,
        whole.iter().filter(|w| **w).count()
    );
    // times[phase][subset] per round; subset 0 = files that parse whole, 1 = all.
    let mut times: Vec<[Vec<Duration>; 2]> = (0..PHASES.len()).map(|_| [vec![], vec![]]).collect();
    for round in 0..=rounds {
        for k in 0..PHASES.len() {
            let phase = (k + round) % PHASES.len();
            let (mut whole_time, mut all_time) = (Duration::ZERO, Duration::ZERO);
            for (text, whole) in texts.iter().zip(&whole) {
                let started = Instant::now();
                run(phase, text);
                let took = started.elapsed();
                all_time += took;
                if *whole {
                    whole_time += took;
                }
            }
            // Round 0 warms the caches and is not counted.
            if round > 0 {
                times[phase][0].push(whole_time);
                times[phase][1].push(all_time);
            }
        }
    }
    let medians: Vec<[Duration; 2]> = times
        .into_iter()
        .map(|[w, a]| [median(w), median(a)])
        .collect();
    println!(
        "{:<10} {:>14} {:>10} {:>14} {:>10}",
        "phase", "whole files", "/grammar", "all files", "/grammar"
    );
    for (phase, m) in PHASES.iter().zip(&medians) {
        println!(
            "{:<10} {:>11.1} ms {:>9.2}x {:>11.1} ms {:>9.2}x",
            phase,
            m[0].as_secs_f64() * 1e3,
            m[0].as_secs_f64() / medians[0][0].as_secs_f64(),
            m[1].as_secs_f64() * 1e3,
            m[1].as_secs_f64() / medians[0][1].as_secs_f64(),
        );
    }
}
