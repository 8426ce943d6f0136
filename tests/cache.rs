//! The replay cache on the built binary: a run that starts from cached states reports exactly
//! what a run without the cache does, in every format; editing an earlier migration invalidates
//! every state after it; a bad cache file is a note, never an error; concurrent runs leave the
//! cache readable. Every run here names its own temporary cache directory (`--cache-dir`) or
//! none (`--no-cache`), and `scripts/test.sh` sets `PGPROOF_NO_CACHE` for the whole test suite,
//! so no test writes to the user's cache.

// Tests may unwrap: a panic here is a failing test (clippy.toml only exempts `#[test]` fns).
#![allow(clippy::unwrap_used)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Runs `pgproof lint` with `args` in `cwd`, the cache enabled only through `args`, with timings
/// (which say how many migrations came from the cache).
fn lint(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pgproof"))
        .arg("lint")
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .env("PGPROOF_TIMINGS", "1")
        .env_remove("PGPROOF_NO_CACHE")
        .env_remove("PGPROOF_CACHE_DIR")
        .output()
        .expect("run pgproof")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The stderr lines that are not timings.
fn notes(out: &Output) -> Vec<String> {
    stderr(out)
        .lines()
        .filter(|l| !l.starts_with("timing:"))
        .map(str::to_string)
        .collect()
}

/// How many migrations the run took from the cache (0 when it started from the beginning).
fn from_cache(out: &Output) -> usize {
    let line = stderr(out)
        .lines()
        .find(|l| l.contains("replay cache:"))
        .unwrap_or_else(|| panic!("no replay cache timing in {}", stderr(out)))
        .to_string();
    let after = line.split("replay cache: ").nth(1).unwrap();
    after.split(' ').next().unwrap().parse().unwrap()
}

/// A golang-migrate history with down parts: tables, foreign keys, renames, a function, a `DO`
/// block, and, in the last migrations, statements whose findings depend on what came before.
fn history(dir: &Path) -> PathBuf {
    let db = dir.join("db");
    fs::create_dir_all(&db).unwrap();
    let mut up = vec![
        "CREATE TABLE accounts (id bigint PRIMARY KEY, email text NOT NULL);".to_string(),
        "CREATE TABLE orders (id bigint PRIMARY KEY, account_id bigint REFERENCES accounts (id), total numeric);".to_string(),
        "CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.total := 0; RETURN NEW; END $$;".to_string(),
        "DO $$ BEGIN EXECUTE 'CREATE TABLE dynamic_' || 'thing (id int)'; END $$;".to_string(),
        "CREATE TYPE status AS ENUM ('new', 'paid');\nALTER TABLE orders ADD COLUMN status status;".to_string(),
    ];
    for n in 0..20 {
        up.push(format!(
            "CREATE TABLE items_{n} (id bigint PRIMARY KEY, order_id bigint REFERENCES orders (id), note text);\n\
             CREATE INDEX items_{n}_note ON items_{n} (note);"
        ));
    }
    up.push("ALTER TABLE accounts RENAME COLUMN email TO email_address;".to_string());
    // The last migrations: hazards on tables of earlier migrations, and a schema finding (a
    // foreign key without an index) about an object created here.
    up.push(
        "ALTER TABLE orders ALTER COLUMN total TYPE bigint;\n\
         CREATE INDEX orders_account ON orders (account_id);\n\
         ALTER TABLE accounts ADD COLUMN referrer bigint REFERENCES accounts (id);"
            .to_string(),
    );
    up.push(
        "ALTER TABLE items_3 ADD COLUMN flagged boolean NOT NULL DEFAULT false;\n\
         ALTER TABLE accounts DROP COLUMN email_address;\n\
         DROP TABLE items_7;"
            .to_string(),
    );
    for (i, sql) in up.iter().enumerate() {
        let n = i + 1;
        fs::write(db.join(format!("{n:04}_step.up.sql")), format!("{sql}\n")).unwrap();
        fs::write(
            db.join(format!("{n:04}_step.down.sql")),
            format!("SELECT {n};\n"),
        )
        .unwrap();
    }
    db
}

fn last_files(db: &Path) -> (String, String) {
    let mut ups: Vec<String> = fs::read_dir(db)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".up.sql"))
        .collect();
    ups.sort();
    let last = ups.pop().unwrap();
    let before = ups.pop().unwrap();
    (format!("db/{before}"), format!("db/{last}"))
}

#[test]
fn a_warm_cache_reports_what_no_cache_reports_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let db = history(dir.path());
    let (_, last) = last_files(&db);
    let cache = dir.path().join("cache");
    let cache = cache.to_str().unwrap();
    for format in ["human", "json", "sarif", "github", "gitlab"] {
        let cold = lint(&["--no-cache", "--format", format, &last], dir.path());
        let first = lint(
            &["--cache-dir", cache, "--format", format, &last],
            dir.path(),
        );
        let warm = lint(
            &["--cache-dir", cache, "--format", format, &last],
            dir.path(),
        );
        assert_eq!(cold.status.code(), Some(1), "{}", stderr(&cold));
        assert!(!stdout(&cold).is_empty());
        for out in [&first, &warm] {
            assert_eq!(stdout(out), stdout(&cold), "{format}");
            assert_eq!(out.status.code(), cold.status.code());
            assert_eq!(notes(out), notes(&cold), "{format}");
        }
        if matches!(format, "sarif" | "gitlab") {
            // These formats carry fingerprints, ranked among equal findings over every file
            // linted: the run replays the whole set and neither reads nor writes the cache.
            assert!(
                !stderr(&warm).contains("replay cache:"),
                "{}",
                stderr(&warm)
            );
        } else {
            // The first run with the cache wrote the state before the last migration; the
            // next one started there.
            assert_eq!(from_cache(&warm), 27, "{}", stderr(&warm));
        }
    }
    // Two files named: the replay starts before the first of them, and reports on both.
    let (before, last) = last_files(&db);
    let cold = lint(
        &["--no-cache", "--format", "json", &before, &last],
        dir.path(),
    );
    let first = lint(
        &["--cache-dir", cache, "--format", "json", &before, &last],
        dir.path(),
    );
    let warm = lint(
        &["--cache-dir", cache, "--format", "json", &last, &before],
        dir.path(),
    );
    assert!(stdout(&cold).contains(&before) && stdout(&cold).contains(&last));
    assert_eq!(stdout(&first), stdout(&cold));
    assert_eq!(stdout(&warm), stdout(&cold));
    assert_eq!(from_cache(&warm), 26, "{}", stderr(&warm));
}

#[test]
fn editing_an_earlier_migration_invalidates_every_state_after_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = history(dir.path());
    let (_, last) = last_files(&db);
    let cache = dir.path().join("cache");
    let cache = cache.to_str().unwrap();
    let before_edit = lint(
        &["--cache-dir", cache, "--format", "json", &last],
        dir.path(),
    );
    assert_eq!(from_cache(&before_edit), 0);
    assert_eq!(
        from_cache(&lint(&["--cache-dir", cache, &last], dir.path())),
        27
    );
    // Migration 26 renamed `email` away; now it leaves it, so the last migration drops a column
    // that does not exist.
    fs::write(db.join("0026_step.up.sql"), "SELECT 1;\n").unwrap();
    let cold = lint(&["--no-cache", "--format", "json", &last], dir.path());
    let warm = lint(
        &["--cache-dir", cache, "--format", "json", &last],
        dir.path(),
    );
    assert_ne!(
        stdout(&cold),
        stdout(&before_edit),
        "the edit changes findings"
    );
    assert!(stdout(&cold).contains("email_address"), "{}", stdout(&cold));
    assert_eq!(stdout(&warm), stdout(&cold));
    // The only state cached was after migration 27, which came after the edit.
    assert_eq!(from_cache(&warm), 0, "{}", stderr(&warm));
    // The state before the last migration is cached again, for the edited history.
    let again = lint(
        &["--cache-dir", cache, "--format", "json", &last],
        dir.path(),
    );
    assert_eq!(from_cache(&again), 27);
    assert_eq!(stdout(&again), stdout(&cold));
    // Editing the file reported on keeps the state before it.
    fs::write(
        db.join("0028_step.up.sql"),
        "ALTER TABLE orders DROP COLUMN total;\n",
    )
    .unwrap();
    let cold = lint(&["--no-cache", "--format", "json", &last], dir.path());
    let warm = lint(
        &["--cache-dir", cache, "--format", "json", &last],
        dir.path(),
    );
    assert_eq!(from_cache(&warm), 27);
    assert_eq!(stdout(&warm), stdout(&cold));
}

/// A migration that quotes a name holding a dot cannot be carried in a cached state: the states
/// before it are still cached and resumed from, and the report is the cold run's.
#[test]
fn a_dotted_name_keeps_the_states_before_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = history(dir.path());
    let (_, last) = last_files(&db);
    fs::write(
        db.join("0020_step.up.sql"),
        "CREATE TABLE \"odd.name\" (id bigint PRIMARY KEY);\n",
    )
    .unwrap();
    let cache = dir.path().join("cache");
    let cache = cache.to_str().unwrap();
    let cold = lint(&["--no-cache", "--format", "json", &last], dir.path());
    let first = lint(
        &["--cache-dir", cache, "--format", "json", &last],
        dir.path(),
    );
    assert_eq!(from_cache(&first), 0);
    let warm = lint(
        &["--cache-dir", cache, "--format", "json", &last],
        dir.path(),
    );
    assert_eq!(from_cache(&warm), 19, "{}", stderr(&warm));
    assert_eq!(stdout(&warm), stdout(&cold));
    assert_eq!(stdout(&first), stdout(&cold));
}

/// How many of the set's files the run took from the cache, and how many it looked for.
fn texts_from_cache(out: &Output) -> (usize, usize) {
    let line = stderr(out)
        .lines()
        .find(|l| l.contains("texts: "))
        .unwrap_or_else(|| panic!("no texts timing in {}", stderr(out)))
        .to_string();
    let words: Vec<&str> = line.split("texts: ").nth(1).unwrap().split(' ').collect();
    (words[0].parse().unwrap(), words[2].parse().unwrap())
}

#[test]
fn texts_come_from_the_cache_only_while_their_files_are_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let db = history(dir.path());
    let (_, last) = last_files(&db);
    let cache = dir.path().join("cache");
    let cache = cache.to_str().unwrap();
    // A file written in the last two seconds is read every run (a second write within the clock's
    // tick would leave its stamp as it was), so the history settles first.
    std::thread::sleep(std::time::Duration::from_millis(3100));
    let cold = lint(
        &["--cache-dir", cache, "--format", "json", &last],
        dir.path(),
    );
    assert_eq!(texts_from_cache(&cold), (0, 56), "{}", stderr(&cold));
    let warm = lint(
        &["--cache-dir", cache, "--format", "json", &last],
        dir.path(),
    );
    assert_eq!(texts_from_cache(&warm), (56, 56), "{}", stderr(&warm));
    assert_eq!(stdout(&warm), stdout(&cold));
    // Migration 26 no longer renames `email` away, in a text of the same size written with the
    // file's modification time put back: its status-change time still tells it was written.
    let edited = db.join("0026_step.up.sql");
    let old = fs::read_to_string(&edited).unwrap();
    let modified = fs::metadata(&edited).unwrap().modified().unwrap();
    let new = format!("{:<width$}\n", "SELECT 1;", width = old.len() - 1);
    assert_eq!(new.len(), old.len());
    fs::write(&edited, &new).unwrap();
    fs::File::options()
        .write(true)
        .open(&edited)
        .unwrap()
        .set_modified(modified)
        .unwrap();
    assert_eq!(fs::metadata(&edited).unwrap().modified().unwrap(), modified);
    let uncached = lint(&["--no-cache", "--format", "json", &last], dir.path());
    let after = lint(
        &["--cache-dir", cache, "--format", "json", &last],
        dir.path(),
    );
    assert_ne!(
        stdout(&uncached),
        stdout(&cold),
        "the edit changes findings"
    );
    assert_eq!(stdout(&after), stdout(&uncached));
    assert_eq!(texts_from_cache(&after), (55, 56), "{}", stderr(&after));
    // A file that is not there any more is not given back.
    fs::remove_file(db.join("0027_step.down.sql")).unwrap();
    let uncached = lint(&["--no-cache", "--format", "json", &last], dir.path());
    let after = lint(
        &["--cache-dir", cache, "--format", "json", &last],
        dir.path(),
    );
    assert_eq!(stdout(&after), stdout(&uncached));
}

#[test]
fn a_bad_cache_file_is_a_note_and_the_run_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let db = history(dir.path());
    let (_, last) = last_files(&db);
    let cache_dir = dir.path().join("cache");
    let cache = cache_dir.to_str().unwrap();
    let cold = lint(&["--no-cache", "--format", "json", &last], dir.path());
    lint(
        &["--cache-dir", cache, "--format", "json", &last],
        dir.path(),
    );
    let files: Vec<PathBuf> = fs::read_dir(&cache_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let good = fs::read(&files[0]).unwrap();
    for bad in [
        b"not a cache file".to_vec(),
        good[..good.len() / 2].to_vec(),
        String::from_utf8_lossy(&good)
            .replacen("\"tables\"", "\"tablez\"", 1)
            .into_bytes(),
        vec![],
    ] {
        fs::write(&files[0], &bad).unwrap();
        let out = lint(
            &["--cache-dir", cache, "--format", "json", &last],
            dir.path(),
        );
        same_report_and_one_note(&out, &cold, "pgproof: note: ignoring the replay cache file");
        assert_eq!(from_cache(&out), 0);
        // The run wrote the state again: the next one reads it without a note.
        let next = lint(
            &["--cache-dir", cache, "--format", "json", &last],
            dir.path(),
        );
        assert!(crate::notes(&next).is_empty(), "{}", stderr(&next));
        assert_eq!(from_cache(&next), 27);
    }
    // A cache directory that cannot be created (a file is in the way): a note, the same report.
    let blocked = dir.path().join("blocked");
    fs::write(&blocked, "").unwrap();
    let out = lint(
        &[
            "--cache-dir",
            blocked.join("cache").to_str().unwrap(),
            "--format",
            "json",
            &last,
        ],
        dir.path(),
    );
    same_report_and_one_note(&out, &cold, "pgproof: note: cannot write the replay cache");
}

/// `out` reports what `cold` did, with the same exit code, and says one note starting `note`.
fn same_report_and_one_note(out: &Output, cold: &Output, note: &str) {
    assert_eq!(stdout(out), stdout(cold));
    assert_eq!(out.status.code(), cold.status.code());
    let notes = notes(out);
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(notes[0].starts_with(note), "{notes:?}");
}

#[test]
fn concurrent_runs_leave_a_readable_cache() {
    let dir = tempfile::tempdir().unwrap();
    let db = history(dir.path());
    let (before, last) = last_files(&db);
    let cache = dir.path().join("cache");
    let cache = cache.to_str().unwrap();
    let cold_last = lint(&["--no-cache", "--format", "json", &last], dir.path());
    let cold_before = lint(&["--no-cache", "--format", "json", &before], dir.path());
    for _round in 0..3 {
        let runs: Vec<(bool, std::process::Child)> = (0..8)
            .map(|n| {
                let file = if n % 2 == 0 { &last } else { &before };
                let child = Command::new(env!("CARGO_BIN_EXE_pgproof"))
                    .args(["lint", "--cache-dir", cache, "--format", "json", file])
                    .current_dir(dir.path())
                    .env_remove("PGPROOF_NO_CACHE")
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap();
                (n % 2 == 0, child)
            })
            .collect();
        for (is_last, child) in runs {
            let out = child.wait_with_output().unwrap();
            let cold = if is_last { &cold_last } else { &cold_before };
            assert_eq!(stdout(&out), stdout(cold));
            assert!(stderr(&out).is_empty(), "{}", stderr(&out));
        }
    }
    // Every state left parses: read without a note.
    for file in [&last, &before] {
        let out = lint(
            &["--cache-dir", cache, "--format", "json", file],
            dir.path(),
        );
        assert!(notes(&out).is_empty(), "{}", stderr(&out));
        assert!(from_cache(&out) > 0);
    }
    let leftovers: Vec<String> = fs::read_dir(cache)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.ends_with(".state"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn the_default_cache_is_under_the_users_cache_directory_and_can_be_disabled() {
    let dir = tempfile::tempdir().unwrap();
    let db = history(dir.path());
    let (_, last) = last_files(&db);
    let home = dir.path().join("home");
    fs::create_dir_all(&home).unwrap();
    let run = |env: &[(&str, &str)]| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_pgproof"));
        command
            .args(["lint", &last])
            .current_dir(dir.path())
            .env_remove("PGPROOF_NO_CACHE")
            .env_remove("PGPROOF_CACHE_DIR")
            .env_remove("XDG_CACHE_HOME")
            .env("HOME", &home);
        for (k, v) in env {
            command.env(k, v);
        }
        command.output().unwrap()
    };
    let count = |path: &Path| fs::read_dir(path).map_or(0, |d| d.count());
    run(&[("PGPROOF_NO_CACHE", "1")]);
    assert_eq!(count(&home.join(".cache/pgproof")), 0);
    run(&[]);
    assert_eq!(count(&home.join(".cache/pgproof")), 1);
    let xdg = dir.path().join("xdg");
    run(&[("XDG_CACHE_HOME", xdg.to_str().unwrap())]);
    assert_eq!(count(&xdg.join("pgproof")), 1);
    let chosen = dir.path().join("chosen");
    run(&[("PGPROOF_CACHE_DIR", chosen.to_str().unwrap())]);
    assert_eq!(count(&chosen), 1);
    // `cache_dir` in pgproof.toml, relative to the config file.
    fs::write(
        dir.path().join("pgproof.toml"),
        "cache_dir = \"tmp/cache\"\n",
    )
    .unwrap();
    run(&[]);
    assert_eq!(count(&dir.path().join("tmp/cache")), 1);
}

/// An sqlc package whose query paths hold its schema files: findings in those files are shown
/// whichever file is named, so the migrations holding them are replayed, never taken from the
/// cache (found on a real sqlc project).
#[test]
fn schema_files_that_are_also_query_files_are_replayed() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    fs::create_dir_all(&db).unwrap();
    fs::write(
        db.join("a.sql"),
        "CREATE TABLE jobs (id bigserial PRIMARY KEY, tags varchar(255));\n",
    )
    .unwrap();
    fs::write(
        db.join("b.sql"),
        "CREATE TABLE runs (id bigserial PRIMARY KEY, job_id bigint REFERENCES jobs (id));\n",
    )
    .unwrap();
    fs::write(
        db.join("c.sql"),
        "-- name: JobGet :one\nSELECT * FROM jobs WHERE id = $1;\n",
    )
    .unwrap();
    fs::write(
        dir.path().join("sqlc.yaml"),
        "version: \"2\"\nsql:\n  - engine: postgresql\n    schema: db\n    queries: db\n    gen: {go: {package: db, out: db}}\n",
    )
    .unwrap();
    let cache = dir.path().join("cache");
    let cache = cache.to_str().unwrap();
    let cold = lint(&["--no-cache", "--format", "json", "db/c.sql"], dir.path());
    assert!(stdout(&cold).contains("db/a.sql"), "{}", stdout(&cold));
    for _ in 0..2 {
        let out = lint(
            &["--cache-dir", cache, "--format", "json", "db/c.sql"],
            dir.path(),
        );
        assert_eq!(stdout(&out), stdout(&cold));
    }
}
