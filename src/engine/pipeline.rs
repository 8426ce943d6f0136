//! Runs migration sets through read -> parse -> ordered replay on a few worker threads, streaming
//! (reading is the caller's: [`Sets::load`] hands each set over when a worker starts it):
//! a set's replay takes each part as soon as it is parsed and frees it once replayed, so parsing and
//! replaying overlap and only a bounded window of parsed statements is alive at a time.
//!
//! Each worker, in turn:
//! 1. helps the set being replayed that started first: parses its next unclaimed part, as long as
//!    that stays within [`LOOKAHEAD_BYTES`] of source text ahead of the replay;
//! 2. otherwise starts the largest set not started yet: reads its files, then replays it in order,
//!    parsing each part itself unless a helper already did (or is doing) it;
//! 3. otherwise, while some replay still has parts beyond the look-ahead, waits for it to advance;
//!    when every set is started and every part claimed, it stops.
//!
//! With one large set (the usual repository) one thread replays while the others parse ahead; with
//! many, the longest ordered chain starts first and the small sets fill the other threads.

use super::replay::{self, Replayed};
use super::snapshot::{Resume, Snapshot};
use crate::catalog::Catalog;
use crate::config::Settings;
use crate::parse::SyntaxError;
use crate::source::{MigrationSet, SourceError, SqlPart};
use crate::span::Span;
use crate::syntax::ParsedText;
use anyhow::{Context, Result};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// Source text a helper may parse ahead of a set's replay. Parsed statements take about twelve
/// times the memory of their text; this keeps a window of a few tens of MiB per set.
const LOOKAHEAD_BYTES: usize = 2 * 1024 * 1024;

/// How the program gives memory back to the system, set once by the binary ([`on_set_done`]): the
/// allocator is the program's, not the engine's.
static GIVE_BACK: OnceLock<fn()> = OnceLock::new();

/// Has each worker call `give_back` when it has finished a set, once the set's parsed statements,
/// catalog and maps are freed. A run lints sets one after another on a few threads; an allocator
/// that keeps freed pages for a while (mimalloc) would otherwise hold each finished set's memory
/// while the next ones grow, and the peak would be their sum rather than the largest.
pub fn on_set_done(give_back: fn()) {
    let _ = GIVE_BACK.set(give_back);
}

/// The migration sets to lint, read on demand: a worker asks for a set when it starts it, so that
/// reading overlaps the other sets' work and a set's text is alive only while it is linted. The
/// engine does no IO; an implementation may (`lint` reads the files of the sets it found).
pub trait Sets: Sync {
    /// How many sets there are.
    fn count(&self) -> usize;
    /// Bytes of text in set `i` (an estimate will do): the largest set starts first.
    fn bytes(&self, i: usize) -> u64;
    /// Set `i`, read now; asked once per set, from a worker thread. A set that cannot be read at
    /// all is reported in [`Outcomes::errors`] while the others are linted.
    fn load(&self, i: usize) -> Result<MigrationSet, SourceError>;
    /// Where the replay of set `i` (just loaded) starts and where it takes a snapshot: from the
    /// base schema, taking none, unless the source keeps replay states (`lint`'s cache).
    fn resume(&self, _i: usize, _set: &MigrationSet) -> Resume {
        Resume::default()
    }
    /// The snapshot the replay of set `i` took, as its [`Sets::resume`] asked.
    fn keep(&self, _i: usize, _set: &MigrationSet, _snapshot: Snapshot) {}
}

/// Sets already in memory.
pub struct InMemory(Vec<Mutex<Option<MigrationSet>>>);

impl InMemory {
    pub fn new(sets: Vec<MigrationSet>) -> Self {
        InMemory(sets.into_iter().map(|s| Mutex::new(Some(s))).collect())
    }
}

impl Sets for InMemory {
    fn count(&self) -> usize {
        self.0.len()
    }

    fn bytes(&self, i: usize) -> u64 {
        let set = self.0[i].lock().unwrap_or_else(|e| e.into_inner());
        set.as_ref()
            .map_or(0, |set| set.files.iter().map(|f| f.text.len() as u64).sum())
    }

    fn load(&self, i: usize) -> Result<MigrationSet, SourceError> {
        let set = self.0[i].lock().unwrap_or_else(|e| e.into_inner()).take();
        Ok(set.expect("each set is loaded once"))
    }
}

/// What every set's replay shares: the settings, the schema it starts from, and what the queries
/// show; each set adds its own text.
#[derive(Clone, Copy)]
pub struct Common<'a> {
    pub settings: &'a Settings,
    /// The schema the migrations start from (`--schema-from`); empty when None.
    pub base: Option<&'a Catalog>,
    /// What the application's queries show, for the schema rules.
    pub evidence: &'a crate::queries::QueryEvidence,
}

/// One set that went through the pipeline.
pub struct SetOutcome {
    pub set: MigrationSet,
    pub replayed: Replayed,
    /// Time from the start of its replay to the end (its reading not included).
    pub took: Duration,
}

/// Every set that went through the pipeline, and the sets that could not be read at all.
pub struct Outcomes {
    pub sets: Vec<SetOutcome>,
    /// Sets that could not be read: reported as operational errors while the rest is linted. (A
    /// set's unreadable files are in its own `errors`.)
    pub errors: Vec<SourceError>,
}

/// Why a set has no outcome.
enum Failure {
    /// Its files could not be read: reported, and the run goes on.
    Unreadable(SourceError),
    /// The replay crashed: an internal error that fails the run.
    Crashed(anyhow::Error),
}

/// Reads, parses and replays every set of `sets`, on `threads` workers whose stacks are
/// `stack_bytes` each. `finish` runs on each set and its [`Replayed`] on its worker thread (to drop
/// what nobody reads). The outcomes come back in the order of `sets`; a set that cannot be read is
/// an error in [`Outcomes::errors`] and the others are still analysed; a crash fails the run.
pub fn run(
    sets: &impl Sets,
    common: Common<'_>,
    threads: usize,
    stack_bytes: usize,
    finish: impl Fn(&mut MigrationSet, &mut Replayed) + Sync,
) -> Result<Outcomes> {
    run_windowed(sets, common, threads, stack_bytes, LOOKAHEAD_BYTES, finish)
}

/// [`run`] with the look-ahead window given (tests use a tiny one).
fn run_windowed(
    sets: &impl Sets,
    common: Common<'_>,
    threads: usize,
    stack_bytes: usize,
    lookahead: usize,
    finish: impl Fn(&mut MigrationSet, &mut Replayed) + Sync,
) -> Result<Outcomes> {
    let mut order: Vec<usize> = (0..sets.count()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(sets.bytes(i)));
    let jobs: Vec<Job> = (0..sets.count())
        .map(|_| Job {
            loaded: OnceLock::new(),
            done: AtomicBool::new(false),
            outcome: Mutex::new(None),
        })
        .collect();
    let shared = Shared {
        sets,
        jobs: &jobs,
        order,
        next_start: AtomicUsize::new(0),
        lookahead,
        progress: Mutex::new(()),
        advanced: Condvar::new(),
    };
    std::thread::scope(|scope| -> Result<()> {
        let mut workers = vec![];
        for n in 0..threads.max(1) {
            let shared = &shared;
            let finish = &finish;
            workers.push(
                std::thread::Builder::new()
                    .name(format!("pgproof-lint-{n}"))
                    .stack_size(stack_bytes)
                    .spawn_scoped(scope, move || shared.work(common, finish))
                    .context("cannot start worker threads")?,
            );
        }
        for worker in workers {
            if let Err(panic) = worker.join() {
                std::panic::resume_unwind(panic);
            }
        }
        Ok(())
    })?;
    let mut outcomes = Vec::with_capacity(jobs.len());
    let mut errors = vec![];
    for job in jobs {
        let result = job
            .outcome
            .into_inner()
            .unwrap_or_else(|e| e.into_inner())
            .unwrap_or_else(|| {
                Err(Failure::Crashed(anyhow::anyhow!(
                    "a migration set was never analysed"
                )))
            });
        let (set, replayed, took) = match result {
            Ok(done) => done,
            Err(Failure::Unreadable(error)) => {
                errors.push(error);
                continue;
            }
            Err(Failure::Crashed(err)) => return Err(err),
        };
        outcomes.push(SetOutcome {
            set,
            replayed,
            took,
        });
    }
    Ok(Outcomes {
        sets: outcomes,
        errors,
    })
}

struct Job {
    /// Set once the files are read: from then on, helpers may parse its parts.
    loaded: OnceLock<Loaded>,
    /// The replay is over (or failed): nothing left to help with.
    done: AtomicBool,
    outcome: Mutex<Option<Finished>>,
}

/// How a set's replay ended: the set, what its replay gave and how long it took, or why not.
type Finished = Result<(MigrationSet, Replayed, Duration), Failure>;

/// A set's parts to parse, shared with the helpers; the set itself stays with the worker that
/// replays it, which hands it to `finish` and the outcome.
struct Loaded {
    /// How many parts there are (in replay order).
    parts: usize,
    /// `ends[k]`: bytes of text in parts `0..=k`.
    ends: Vec<usize>,
    /// The next part nobody has claimed to parse.
    next_claim: AtomicUsize,
    /// The part the replay waits for (or takes) next.
    cursor: AtomicUsize,
    slots: Mutex<Vec<Slot>>,
    /// Signalled when a part of this set has been parsed.
    parsed: Condvar,
}

/// A part: its text until it is parsed (the slot holds no text once the replay took it).
enum Slot {
    Pending(std::sync::Arc<str>),
    Ready(ParsedText),
    Taken,
}

impl Loaded {
    /// The parts of `set` to replay, from migration `first` on.
    fn new(set: &MigrationSet, first: usize) -> Self {
        let texts: Vec<&SqlPart> = replay::part_keys(set)
            .filter(|&(migration, _)| migration >= first)
            .map(|key| replay::part(set, key))
            .collect();
        let ends = texts
            .iter()
            .scan(0, |total, part| {
                *total += part.text.len();
                Some(*total)
            })
            .collect();
        Loaded {
            parts: texts.len(),
            slots: Mutex::new(
                texts
                    .into_iter()
                    .map(|part| Slot::Pending(part.text.clone()))
                    .collect(),
            ),
            ends,
            next_claim: AtomicUsize::new(0),
            cursor: AtomicUsize::new(0),
            parsed: Condvar::new(),
        }
    }

    /// Claims the next unparsed part, if there is one and (with a `window`) it starts within that
    /// many bytes of text ahead of the replay.
    fn claim(&self, window: Option<usize>) -> Option<usize> {
        let k = self.next_claim.load(Ordering::Acquire);
        if k >= self.parts {
            return None;
        }
        if let Some(window) = window {
            let cursor = self.cursor.load(Ordering::Acquire);
            let consumed = cursor.checked_sub(1).map_or(0, |c| self.ends[c]);
            let before = k.checked_sub(1).map_or(0, |c| self.ends[c]);
            if k > cursor && before - consumed > window {
                return None;
            }
        }
        let k = self.next_claim.fetch_add(1, Ordering::AcqRel);
        (k < self.parts).then_some(k)
    }

    /// Parses part `k` (claimed by this thread) and hands it to the replay.
    fn parse(&self, k: usize) {
        let text = match &self.slots.lock().unwrap_or_else(|e| e.into_inner())[k] {
            Slot::Pending(text) => text.clone(),
            Slot::Ready(_) | Slot::Taken => unreachable!("part {k} is parsed once, by its claimer"),
        };
        let parsed = parse_guarded(&text);
        drop(text);
        let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        slots[k] = Slot::Ready(parsed);
        drop(slots);
        self.parsed.notify_all();
    }

    /// The replay's next part: parsed already, parsed now by this thread, or waited for while
    /// another thread finishes it (parsing later parts meanwhile where any are left).
    fn take(&self, k: usize) -> ParsedText {
        self.cursor.store(k, Ordering::Release);
        loop {
            {
                let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
                match std::mem::replace(&mut slots[k], Slot::Taken) {
                    Slot::Ready(parsed) => return parsed,
                    other => slots[k] = other,
                }
            }
            if let Some(c) = self.claim(None) {
                self.parse(c);
                continue;
            }
            let slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
            let _ready = self
                .parsed
                .wait_while(slots, |slots| matches!(slots[k], Slot::Pending(_)))
                .unwrap_or_else(|e| e.into_inner());
        }
    }
}

/// `parse_sql`, with a panic turned into a syntax error at the start of the part: one part that
/// crashes the parser must not take the run down, nor leave a replay waiting for it forever.
fn parse_guarded(text: &str) -> ParsedText {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        crate::syntax::parse_sql(text)
    }))
    .unwrap_or_else(|_| ParsedText {
        errors: vec![SyntaxError {
            span: Span::new(0, text.len().min(1)),
            message: "pgproof's parser failed on this file (an internal error): it was not linted"
                .into(),
        }],
        ..ParsedText::default()
    })
}

/// The text a panic was raised with, where it is one.
fn panic_message(panic: &(dyn std::any::Any + Send)) -> &str {
    panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("no message")
}

/// The parts of one set in replay order, handed over as the replay reaches them.
struct Stream<'a, S> {
    loaded: &'a Loaded,
    next: usize,
    shared: &'a Shared<'a, S>,
}

impl<S: Sets> Iterator for Stream<'_, S> {
    type Item = ParsedText;

    fn next(&mut self) -> Option<ParsedText> {
        if self.next >= self.loaded.parts {
            return None;
        }
        let parsed = self.loaded.take(self.next);
        self.next += 1;
        // The window moved: helpers waiting for room may parse again.
        self.shared.wake();
        Some(parsed)
    }
}

struct Shared<'a, S> {
    sets: &'a S,
    jobs: &'a [Job],
    /// Job indices, largest set first.
    order: Vec<usize>,
    /// Position in `order` of the next set to start.
    next_start: AtomicUsize,
    /// Bytes of text helpers may parse ahead of a replay.
    lookahead: usize,
    progress: Mutex<()>,
    /// Signalled when a replay advances or ends, or a set becomes readable.
    advanced: Condvar,
}

impl<S: Sets> Shared<'_, S> {
    fn wake(&self) {
        let _guard = self.progress.lock().unwrap_or_else(|e| e.into_inner());
        self.advanced.notify_all();
    }

    /// The sets started and not finished, earliest-started (largest) first.
    fn running(&self) -> impl Iterator<Item = &Job> {
        let started = self
            .next_start
            .load(Ordering::Acquire)
            .min(self.order.len());
        self.order[..started]
            .iter()
            .map(|&i| &self.jobs[i])
            .filter(|job| !job.done.load(Ordering::Acquire))
    }

    /// A part of a running set to parse ahead of its replay, earliest-started set first.
    fn help(&self) -> Option<(&Loaded, usize)> {
        self.running().find_map(|job| {
            let loaded = job.loaded.get()?;
            Some((loaded, loaded.claim(Some(self.lookahead))?))
        })
    }

    /// Whether a running set still has parts nobody claimed (beyond the look-ahead for now), or is
    /// still being read.
    fn parts_left(&self) -> bool {
        self.running().any(|job| {
            job.loaded
                .get()
                .is_none_or(|l| l.next_claim.load(Ordering::Acquire) < l.parts)
        })
    }

    fn work(
        &self,
        common: Common<'_>,
        finish: &(impl Fn(&mut MigrationSet, &mut Replayed) + Sync),
    ) {
        loop {
            if let Some((loaded, k)) = self.help() {
                loaded.parse(k);
                continue;
            }
            let position = self.next_start.fetch_add(1, Ordering::AcqRel);
            if let Some(&i) = self.order.get(position) {
                self.replay(i, common, finish);
                continue;
            }
            // Everything is started: wait while some replay still has parts to parse ahead.
            let guard = self.progress.lock().unwrap_or_else(|e| e.into_inner());
            if !self.parts_left() {
                return;
            }
            let (_guard, _timeout) = self
                .advanced
                .wait_timeout(guard, Duration::from_millis(50))
                .unwrap_or_else(|e| e.into_inner());
        }
    }

    fn replay(
        &self,
        i: usize,
        common: Common<'_>,
        finish: &(impl Fn(&mut MigrationSet, &mut Replayed) + Sync),
    ) {
        let job = &self.jobs[i];
        let result = match self.sets.load(i) {
            Ok(mut set) => {
                let resume = self.sets.resume(i, &set);
                let first = replay::first_migration(&set, &resume);
                let loaded = job.loaded.get_or_init(|| Loaded::new(&set, first));
                self.wake();
                let root = set.root.clone();
                let clock = Instant::now();
                let base = match (first, common.base) {
                    (0, Some(base)) => base.clone(),
                    _ => Catalog::new(),
                };
                let stream = Stream {
                    loaded,
                    next: 0,
                    shared: self,
                };
                // A crash in one set's replay fails the run with the set named; uncaught, it
                // would leave this set unfinished and the helpers waiting on it forever.
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    let mut replayed = replay::run_from(
                        &set,
                        common.settings,
                        common.evidence,
                        base,
                        stream,
                        resume,
                    );
                    if let Some(snapshot) = replayed.snapshot.take() {
                        self.sets.keep(i, &set, snapshot);
                    }
                    finish(&mut set, &mut replayed);
                    if let Some(give_back) = GIVE_BACK.get() {
                        give_back();
                    }
                    replayed
                }))
                .map(|replayed| (set, replayed, clock.elapsed()))
                .map_err(|panic| {
                    Failure::Crashed(anyhow::anyhow!(
                        "pgproof failed while linting the migrations in `{}` (an internal error: {}); please report it",
                        root.display(),
                        panic_message(panic.as_ref())
                    ))
                })
            }
            Err(error) => Err(Failure::Unreadable(error)),
        };
        job.done.store(true, Ordering::Release);
        self.wake();
        *job.outcome.lock().unwrap_or_else(|e| e.into_inner()) = Some(result);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Finding;
    use crate::source::layout;
    use std::path::Path;

    /// The sets found under a directory, each read when the pipeline asks for it (as `lint`
    /// reads them).
    struct OnDisk {
        found: Vec<Mutex<Option<layout::FoundSet>>>,
        bytes: Vec<u64>,
    }

    impl Sets for OnDisk {
        fn count(&self) -> usize {
            self.found.len()
        }

        fn bytes(&self, i: usize) -> u64 {
            self.bytes[i]
        }

        fn load(&self, i: usize) -> Result<MigrationSet, SourceError> {
            let found = self.found[i].lock().unwrap().take().unwrap();
            let root = found.root().to_path_buf();
            found
                .load(&Settings::default().load)
                .map_err(|e| SourceError::new(&root, format!("{e:#}")))
        }
    }

    fn on_disk(root: &Path) -> OnDisk {
        let sets = layout::find(root, &Settings::default().load).unwrap().sets;
        OnDisk {
            bytes: sets.iter().map(|s| s.bytes).collect(),
            found: sets.into_iter().map(|s| Mutex::new(Some(s))).collect(),
        }
    }

    fn plain(settings: &Settings) -> Common<'_> {
        static NONE: std::sync::LazyLock<crate::queries::QueryEvidence> =
            std::sync::LazyLock::new(Default::default);
        Common {
            settings,
            base: None,
            evidence: &NONE,
        }
    }

    /// Findings as comparable text.
    fn shown(findings: &[Finding]) -> Vec<String> {
        findings
            .iter()
            .map(|f| serde_json::to_string(f).unwrap())
            .collect()
    }

    /// Every set parsed whole, then replayed: what the pipeline must agree with.
    fn sequential(root: &Path, settings: &Settings) -> Vec<(std::path::PathBuf, Vec<String>)> {
        layout::discover(root, &settings.load)
            .unwrap()
            .iter()
            .map(|set| {
                let parsed: Vec<ParsedText> = replay::parts(set)
                    .map(|p| crate::syntax::parse_sql(&p.text))
                    .collect();
                let replayed =
                    replay::run(set, settings, &Default::default(), Catalog::new(), parsed);
                (set.root.clone(), shown(&replayed.findings))
            })
            .collect()
    }

    /// Three sets of different sizes: plain files with a syntax error and a transaction, a
    /// golang-migrate history with down parts, and a one-file set.
    fn corpus() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let plain = dir.path().join("db/plain");
        let updown = dir.path().join("db/updown");
        let single = dir.path().join("single");
        for d in [&plain, &updown, &single] {
            std::fs::create_dir_all(d).unwrap();
        }
        for n in 0..40 {
            let mut sql = format!(
                "CREATE TABLE t{n} (id int PRIMARY KEY, parent_id int REFERENCES t0 (id), note text);\n\
                 CREATE INDEX t{n}_note_idx ON t{n} (note);\n\
                 ALTER TABLE t{n} ADD COLUMN added_at timestamptz DEFAULT now();\n"
            );
            if n % 7 == 3 {
                sql.push_str("SELEC broken FROM nowhere;\n");
            }
            if n % 5 == 0 && n > 0 {
                sql.push_str(&format!(
                    "BEGIN;\nALTER TABLE t{p} ALTER COLUMN note SET NOT NULL;\nDROP TABLE t{p} CASCADE;\nCOMMIT;\n",
                    p = n - 1
                ));
            }
            std::fs::write(plain.join(format!("{n:03}_step.sql")), sql).unwrap();
        }
        for n in 1..=12 {
            std::fs::write(
                updown.join(format!("{n}_change.up.sql")),
                format!("CREATE TABLE u{n} (id bigint); ALTER TABLE u{n} ADD CONSTRAINT u{n}_pk PRIMARY KEY (id);"),
            )
            .unwrap();
            let down = if n % 4 == 0 {
                String::new()
            } else {
                format!("DROP TABLE u{n};")
            };
            std::fs::write(updown.join(format!("{n}_change.down.sql")), down).unwrap();
        }
        std::fs::write(single.join("schema.sql"), "CREATE TABLE s (a int);").unwrap();
        dir
    }

    #[test]
    fn streaming_gives_what_parsing_everything_first_gives() {
        let dir = corpus();
        let settings = Settings::default();
        let expected = sequential(dir.path(), &settings);
        assert_eq!(expected.len(), 3);
        assert!(expected.iter().all(|(_, f)| !f.is_empty()));
        // One worker, and several with windows from "one part at a time" to unbounded, so that
        // replays wait for helpers, take parts helpers parsed, and parse parts themselves.
        for (threads, window) in [
            (1, LOOKAHEAD_BYTES),
            (2, 0),
            (2, 200),
            (4, 1),
            (4, usize::MAX),
        ] {
            for _ in 0..3 {
                let found = on_disk(dir.path());
                let outcomes = run_windowed(
                    &found,
                    plain(&settings),
                    threads,
                    8 << 20,
                    window,
                    |_, _| {},
                )
                .unwrap();
                let got: Vec<_> = outcomes
                    .sets
                    .iter()
                    .map(|o| (o.set.root.clone(), shown(&o.replayed.findings)))
                    .collect();
                assert_eq!(got, expected, "{threads} threads, window {window}");
            }
        }
    }

    #[test]
    fn a_file_that_cannot_be_read_is_reported_and_the_rest_linted() {
        let dir = corpus();
        let settings = Settings::default();
        let found = on_disk(dir.path());
        // Gone between the walk and the read.
        std::fs::remove_file(dir.path().join("db/updown/3_change.up.sql")).unwrap();
        let outcomes = run_windowed(&found, plain(&settings), 2, 8 << 20, 100, |_, _| {})
            .expect("the missing file does not fail the run");
        assert_eq!(outcomes.sets.len(), 3);
        let errors: Vec<String> = outcomes
            .sets
            .iter()
            .flat_map(|o| &o.set.errors)
            .map(ToString::to_string)
            .collect();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].contains("3_change.up.sql"), "{errors:?}");
        // The rest of that set and the other sets were still linted.
        let updown = outcomes
            .sets
            .iter()
            .find(|o| o.set.root.ends_with("updown"))
            .unwrap();
        assert_eq!(updown.set.migrations.len(), 12);
        assert!(outcomes
            .sets
            .iter()
            .all(|o| !o.replayed.findings.is_empty()));
    }

    #[test]
    fn a_crash_in_one_set_fails_the_run_naming_it_without_hanging() {
        let dir = corpus();
        let settings = Settings::default();
        // A tiny window keeps helpers waiting for the crashed replay to advance.
        let found = on_disk(dir.path());
        let err = run_windowed(&found, plain(&settings), 3, 8 << 20, 1, |_, replayed| {
            if replayed.stats.files == 40 {
                panic!("injected");
            }
        })
        .err()
        .expect("the crash fails the run");
        let message = format!("{err:#}");
        assert!(
            message.contains("plain") && message.contains("injected"),
            "{message}"
        );
    }

    #[test]
    fn finish_runs_once_per_set() {
        let dir = corpus();
        let settings = Settings::default();
        let found = on_disk(dir.path());
        let count = AtomicUsize::new(0);
        let outcomes = run(&found, plain(&settings), 2, 8 << 20, |_, replayed| {
            count.fetch_add(1, Ordering::Relaxed);
            replayed.removals.clear();
        })
        .unwrap();
        assert_eq!(count.load(Ordering::Relaxed), 3);
        assert_eq!(outcomes.sets.len(), 3);
    }

    #[test]
    fn finish_may_free_a_sets_texts_and_the_findings_stay_the_same() {
        let dir = corpus();
        let settings = Settings::default();
        let findings = |outcomes: &Outcomes| -> Vec<String> {
            outcomes
                .sets
                .iter()
                .flat_map(|o| &o.replayed.findings)
                .map(|f| format!("{f:?}"))
                .collect()
        };
        let kept = run(
            &on_disk(dir.path()),
            plain(&settings),
            2,
            8 << 20,
            |_, _| {},
        )
        .unwrap();
        let freed = run(
            &on_disk(dir.path()),
            plain(&settings),
            2,
            8 << 20,
            |set, _| {
                set.drop_texts();
            },
        )
        .unwrap();
        assert!(!findings(&kept).is_empty());
        assert_eq!(findings(&kept), findings(&freed));
        let texts = |outcomes: &Outcomes| -> usize {
            outcomes
                .sets
                .iter()
                .flat_map(|o| &o.set.files)
                .map(|f| f.text.len())
                .sum()
        };
        assert!(texts(&kept) > 0);
        assert_eq!(texts(&freed), 0);
        // Paths stay: the report names the files.
        assert!(freed.sets.iter().all(|o| !o.set.files.is_empty()));
    }
}
