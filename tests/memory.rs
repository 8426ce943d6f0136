//! Memory bounds of `pgproof lint`, measured on the built binary: peak resident memory grows with
//! the largest statement, not with the file, and the parser running out of memory is an error
//! naming the file (exit 2), never libpg_query's "Terminating process due to FATAL error" on stdout.

// Tests may unwrap: a panic here is a failing test (clippy.toml only exempts `#[test]` fns).
#![allow(clippy::unwrap_used)]

use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};

/// A migration of complete statements of about `bytes`: tables, ALTERs, indexes, seed-data
/// INSERTs of a few hundred rows, and functions with long bodies.
fn migration(bytes: usize) -> String {
    let mut sql = String::new();
    let mut n = 0;
    while sql.len() < bytes {
        let parent = n.max(1) - 1;
        sql.push_str(&format!(
            "CREATE TABLE t{n} (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, \
             parent_id bigint REFERENCES t{parent} (id), name text NOT NULL, \
             amount numeric(12, 2) DEFAULT 0 CHECK (amount >= 0));\n\
             ALTER TABLE t{n} ADD COLUMN note varchar(200);\n\
             CREATE INDEX t{n}_name_idx ON t{n} (lower(name)) WHERE amount > 0;\n\
             INSERT INTO t{n} (parent_id, name, amount, note) VALUES\n"
        ));
        let rows: Vec<String> = (0..300)
            .map(|i| {
                format!(
                    "({i}, 'name {n}-{i}', {}.{:02}, 'row {i}')",
                    i % 1000,
                    i % 100
                )
            })
            .collect();
        sql.push_str(&rows.join(",\n"));
        sql.push_str(";\n");
        sql.push_str(&format!(
            "CREATE FUNCTION t{n}_check() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n"
        ));
        for i in 0..40 {
            sql.push_str(&format!(
                "  IF NEW.amount > {i} THEN NEW.note := 'over {i}'; END IF;\n"
            ));
        }
        sql.push_str("  RETURN NEW;\nEND\n$$;\n");
        n += 1;
    }
    sql
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
    /// Peak resident memory of the process, in KiB.
    peak_kib: i64,
}

/// Runs `pgproof lint --format json dir` on one worker thread, with the address space limited to
/// `limit_bytes` when given, and measures its peak resident memory.
// The child is reaped by `wait4` (which also gives its resource usage), not by `Child::wait`.
#[allow(clippy::zombie_processes)]
#[allow(unsafe_code)] // setrlimit(2) in the child and wait4(2) for its peak memory: no safe std API
fn lint(dir: &Path, limit_bytes: Option<u64>) -> Run {
    let out = dir.with_extension("stdout");
    let err = dir.with_extension("stderr");
    let mut command = Command::new(env!("CARGO_BIN_EXE_pgproof"));
    command
        .args(["lint", "--format", "json"])
        .arg(dir)
        .env("RAYON_NUM_THREADS", "1")
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out).unwrap())
        .stderr(std::fs::File::create(&err).unwrap());
    if let Some(limit) = limit_bytes {
        // mimalloc reserves 1 GiB of address space up front when the limit allows it, and falls
        // back to smaller arenas when not: under a limit near 1 GiB that reservation leaves too
        // little for the worker's stack, and the run fails before parsing (non-monotonically in
        // the limit). A 64 MiB reservation keeps the address space close to what is used.
        command.env("MIMALLOC_ARENA_RESERVE", "64MiB");
        // SAFETY: setrlimit is async-signal-safe and only changes the child's own limit.
        unsafe {
            command.pre_exec(move || {
                let rlimit = libc::rlimit {
                    rlim_cur: limit,
                    rlim_max: limit,
                };
                if libc::setrlimit(libc::RLIMIT_AS, &rlimit) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
    }
    let child = command.spawn().expect("run pgproof");
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value for wait4 to overwrite.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waits for our own child, which std has not reaped (we never call `wait` on it).
    let pid = unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut usage) };
    assert_eq!(pid, child.id() as libc::pid_t, "wait4 failed");
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        128 + libc::WTERMSIG(status)
    };
    Run {
        code,
        stdout: std::fs::read_to_string(&out).unwrap(),
        stderr: std::fs::read_to_string(&err).unwrap(),
        peak_kib: usage.ru_maxrss,
    }
}

#[test]
fn peak_memory_grows_with_the_largest_statement_not_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let mut peaks = vec![];
    for mib in [1, 6] {
        let dir = tmp.path().join(format!("m{mib}"));
        std::fs::create_dir(&dir).unwrap();
        let sql = migration(mib << 20);
        std::fs::write(dir.join("001_seed.sql"), &sql).unwrap();
        let run = lint(&dir, None);
        assert_eq!(run.code, 1, "{}", run.stderr);
        assert!(run.stdout.contains("\"findings\""), "{}", run.stdout);
        peaks.push((sql.len(), run.peak_kib));
    }
    // Each MiB of SQL keeps its text (read, and copied as the migration part), the statements'
    // model and their findings: a few MiB. Parsing the file in one call took about 50 MiB more per
    // MiB of this SQL (over a hundred for INSERT-heavy files).
    let extra_kib = (peaks[1].1 - peaks[0].1) as f64;
    let extra_mib_of_sql = (peaks[1].0 - peaks[0].0) as f64 / (1 << 20) as f64;
    let per_mib = extra_kib / 1024.0 / extra_mib_of_sql;
    assert!(
        per_mib < 16.0,
        "peak memory grew {per_mib:.1} MiB per MiB of SQL ({peaks:?}: bytes, KiB)"
    );
}

#[test]
fn the_parser_running_out_of_memory_is_an_error_naming_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let small = tmp.path().join("small");
    let big = tmp.path().join("big");
    std::fs::create_dir(&small).unwrap();
    std::fs::create_dir(&big).unwrap();
    std::fs::write(
        small.join("001_init.sql"),
        "CREATE TABLE a (id int);\nCREATE INDEX a_id_idx ON a (id);\n",
    )
    .unwrap();
    // One 15 MiB INSERT of small numbers: PostgreSQL's parse tree of it takes several hundred MiB.
    let row = format!(
        "({})",
        (0..10).map(|i| i.to_string()).collect::<Vec<_>>().join(",")
    );
    let rows = vec![row.as_str(); (15 << 20) / (row.len() + 1)].join(",");
    std::fs::write(
        big.join("001_seed.sql"),
        format!("CREATE TABLE t (a int);\nINSERT INTO t VALUES\n{rows};\nCREATE INDEX t_a_idx ON t (a);\n"),
    )
    .unwrap();
    // The least address space the small migration lints in (the binary, a worker's stack and the
    // allocator's reservations differ between machines), plus room for reading the big file: still
    // far too little for that tree (it needs about 1 GiB).
    let least = (8..=16)
        .map(|step| step * (64u64 << 20))
        .find(|&limit| lint(&small, Some(limit)).code == 1)
        .expect("the small migration lints in 1 GiB of address space");
    let limit = least + (128 << 20);
    let run = lint(&big, Some(limit));
    assert!(
        !run.stdout.contains("Terminating process"),
        "libpg_query's FATAL reached stdout: {}",
        run.stdout
    );
    assert_eq!(run.code, 2, "limit {limit}: {}", run.stderr);
    let message = run.stderr.lines().last().unwrap_or_default();
    assert!(
        message.contains("001_seed.sql` at line 2") && message.contains("out of memory"),
        "{}",
        run.stderr
    );
    // The findings of the rest of the file are still reported, as valid JSON.
    let report: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON on stdout");
    assert!(report["findings"]
        .as_array()
        .is_some_and(|f| f.iter().any(|f| f["message"]
            .as_str()
            .is_some_and(|m| m.contains("t_a_idx") || m.contains("`t`")))));
}

#[test]
fn a_statement_over_the_limit_is_reported_with_its_file_and_line() {
    use pgproof::parse::Limits;
    use pgproof::syntax::parse_sql_limited;
    let tmp = tempfile::tempdir().unwrap();
    let rows = (0..500)
        .map(|i| format!("({i})"))
        .collect::<Vec<_>>()
        .join(", ");
    std::fs::write(
        tmp.path().join("001_init.sql"),
        "CREATE TABLE a (id int);\n",
    )
    .unwrap();
    std::fs::write(
        tmp.path().join("002_seed.sql"),
        format!(
            "-- seed\nCREATE TABLE b (id int);\n\nINSERT INTO a VALUES {rows};\nDROP TABLE b;\n"
        ),
    )
    .unwrap();
    let settings = pgproof::config::Settings::default();
    let sets = pgproof::source::layout::discover(tmp.path(), &settings.load).unwrap();
    let limits = Limits {
        statement_bytes: 1024,
        ..Limits::default()
    };
    let parsed: Vec<_> = pgproof::engine::replay::parts(&sets[0])
        .map(|part| parse_sql_limited(&part.text, limits))
        .collect();
    let replayed = pgproof::engine::replay::run(
        &sets[0],
        &settings,
        &Default::default(),
        pgproof::catalog::Catalog::new(),
        parsed,
    );
    assert_eq!(replayed.stats.parse_aborts.len(), 1);
    let message = &replayed.stats.parse_aborts[0];
    assert!(
        message.contains("002_seed.sql` at line 4: the statement is 4 KiB, over the 1 KiB"),
        "{message}"
    );
    // The statements around it are replayed: `b` is created and dropped, `a` stays.
    assert_eq!(replayed.stats.statements, 3);
    assert!(replayed
        .catalog
        .table(&pgproof::syntax::QualName::public("a".to_string()))
        .is_some());
}
