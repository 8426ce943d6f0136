//! The lint engine, the pure core every front end calls: migration sets (as text), settings, an
//! optional base schema and application queries (read and split) go in; positioned findings and
//! the stats come out. It reads no file, runs no git, reads no environment and prints nothing;
//! threads are no IO, so [`pipeline`] parses ahead of each set's ordered replay on worker threads,
//! taking each set from a [`Sets`] source when it starts it (`lint` reads files there).
//!
//! [`lint`] is the whole run; [`lint_texts`] lints migrations given as strings (`prove`'s fix
//! proofs, the docs tests).

pub mod pipeline;
pub mod place;
pub mod replay;
pub mod snapshot;
mod unreplayed;

pub use pipeline::{InMemory, Sets};
pub use replay::{Removal, SetInfo, Stats};
pub use snapshot::{Resume, Snapshot};

use crate::catalog::Catalog;
use crate::config::Settings;
use crate::finding::Finding;
use crate::queries::{OldQueries, Query, QueryError, QueryEvidence};
use crate::source::query_files::QuerySources;
use crate::source::{
    Layout, Migration, MigrationSet, RunnerTransaction, SourceError, SourceFile, SourceWarning,
    SqlPart,
};
use anyhow::{bail, Result};
use place::Placer;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Stack size for the worker threads: deeply nested SQL recurses deeply (parse trees are dropped,
/// cloned and deparsed recursively), far beyond the 2 MiB default.
pub const WORKER_STACK_BYTES: usize = 256 * 1024 * 1024;

/// Everything one lint run reads.
pub struct Input<'a, S: Sets> {
    pub settings: &'a Settings,
    /// The migration sets, handed over one at a time.
    pub sets: S,
    /// The schema every set starts from (`--schema-from`); empty when None.
    pub base: Option<&'a Catalog>,
    /// Application queries and the schema each group runs against.
    pub queries: Vec<QueryJob>,
    /// Worker threads (at least one), and the stack each gets.
    pub threads: usize,
    pub stack_bytes: usize,
    /// Keep where each object of each set was created ([`LintedSet::origin`]); otherwise each
    /// worker frees it with the set.
    pub keep_origins: bool,
    /// Keep the texts of each set's files (for a report that shows source, or fingerprints);
    /// otherwise each worker frees them with the set ([`MigrationSet::drop_texts`]).
    pub keep_texts: bool,
}

/// A group of application queries, read and split, checked against one schema.
pub struct QueryJob {
    pub sources: QuerySources,
    pub queries: Vec<Query>,
    pub errors: Vec<QueryError>,
    pub schema: QuerySchema,
    /// The same query files as they were in a running release (`--since`), read already; the
    /// engine adds what the migrations removed or renamed.
    pub old: Option<OldQueries>,
}

/// Which schema a group of queries runs against.
pub enum QuerySchema {
    /// The one migration set linted (or the base schema when there is none): `--queries`, or
    /// `queries` in pgproof.toml.
    TheSet,
    /// An sqlc package's schema: the set `holds` accepts (the caller compares paths).
    Sqlc {
        /// The sqlc config, as shown in messages.
        config: PathBuf,
        holds: Box<dyn Fn(&MigrationSet) -> bool + Send + Sync>,
    },
}

/// What one lint run found.
pub struct Output {
    /// Every finding, sorted by file and position.
    pub findings: Vec<Finding>,
    pub stats: Stats,
    /// The sets linted, in the order of the input.
    pub sets: Vec<LintedSet>,
    /// Sets that could not be read at all (a set's unreadable files are in its own `errors`).
    pub unreadable: Vec<SourceError>,
    /// The query files checked (with `--since`, the running release's after the current ones).
    pub query_files: Vec<SourceFile>,
    /// sqlc packages whose schema no set holds: their queries were not checked.
    pub warnings: Vec<SourceWarning>,
}

/// One set as linted.
pub struct LintedSet {
    pub set: MigrationSet,
    /// Time from the start of its replay to the end (its reading not included).
    pub took: Duration,
    /// Where each object of the set's final schema was created.
    pub origins: place::Origins,
}

/// Where an object was created: the creating statement's file, position and migration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub file: PathBuf,
    pub start: crate::span::Position,
    pub end: crate::span::Position,
    pub migration: String,
}

impl LintedSet {
    /// Where `member` of `table` (or the table itself, when no statement created the member
    /// by name) was created in this set; None when no migration of the set created it.
    pub fn origin(
        &self,
        table: &crate::syntax::QualName,
        member: Option<&crate::finding::Member>,
    ) -> Option<Origin> {
        let (file, span, migration) = self
            .origins
            .get(&(table.clone(), member.cloned()))
            .or_else(|| self.origins.get(&(table.clone(), None)))?;
        let source = self.set.files.get(*file)?;
        let lines = crate::span::LineIndex::new(&source.text);
        let placed = lines.place(&source.text, span.on_char_boundaries(&source.text));
        Some(Origin {
            file: source.path.clone(),
            start: placed.start,
            end: placed.end,
            migration: migration.to_string(),
        })
    }
}

/// Lints every set of the input, then checks each group of queries against its schema.
///
/// Fails only on an internal error (a crash while linting a set, named) or when queries given
/// for "the" set meet several sets.
pub fn lint<S: Sets>(input: Input<'_, S>) -> Result<Output> {
    let Input {
        settings,
        sets,
        base,
        queries: jobs,
        threads,
        stack_bytes,
        keep_origins,
        keep_texts,
    } = input;
    // One schema's queries are evidence for that schema's rules; with several groups, whose
    // tables may share names, no group's joins are lent to another's.
    let evidence = match jobs.as_slice() {
        [job] => QueryEvidence::of(&job.queries, &job.sources.files),
        _ => QueryEvidence::default(),
    };
    // A set's final schema is only needed to check the queries that run against it; otherwise
    // its worker frees it (and, unless asked to keep them, where its objects were created).
    let one_set = sets.count() <= 1;
    let keep_schema = |set: &MigrationSet| {
        jobs.iter().any(|job| match &job.schema {
            QuerySchema::TheSet => one_set,
            QuerySchema::Sqlc { holds, .. } => holds(set),
        })
    };
    let pipeline::Outcomes {
        sets: outcomes,
        errors: unreadable,
    } = pipeline::run(
        &sets,
        pipeline::Common {
            settings,
            base,
            evidence: &evidence,
        },
        threads,
        stack_bytes,
        |set, replayed| {
            if !keep_schema(set) {
                replayed.catalog = Catalog::default();
                replayed.removals = vec![];
            }
            if !keep_origins {
                replayed.origins = place::Origins::default();
            }
            // The findings and their strings were allocated among the replay's short-lived
            // data, whose pages each of them now keeps from being given back: copied once the
            // rest is freed, they fill fewer pages (the corpus run's peak: about 5 MiB less).
            replayed.findings = replayed.findings.to_vec();
            if !keep_texts {
                set.drop_texts();
            }
        },
    )?;
    // Each set's findings, then each query job's, put together at the end in that order (growing
    // one vector as they come held up to twice their size).
    let mut parts: Vec<Vec<Finding>> = Vec::with_capacity(outcomes.len() + jobs.len());
    let mut stats = Stats::default();
    let mut linted = Vec::with_capacity(outcomes.len());
    let mut schemas: Vec<(Catalog, Vec<Removal>)> = Vec::with_capacity(outcomes.len());
    for outcome in outcomes {
        let replayed = outcome.replayed;
        stats.add(&replayed.stats);
        parts.push(replayed.findings);
        schemas.push((replayed.catalog, replayed.removals));
        linted.push(LintedSet {
            set: outcome.set,
            took: outcome.took,
            origins: replayed.origins,
        });
    }
    let mut query_files = vec![];
    let mut warnings = vec![];
    let set_count = schemas.len();
    for job in jobs {
        let QueryJob {
            sources,
            queries,
            errors,
            schema,
            old,
        } = job;
        let (catalog, removals, codegen_schema) = match schema {
            QuerySchema::TheSet => {
                if set_count > 1 {
                    bail!("--queries checks queries against one schema, but {set_count} migration sets were found: pass the one migration directory the queries run against");
                }
                let (catalog, removals) = schemas
                    .pop()
                    .unwrap_or_else(|| (base.cloned().unwrap_or_else(Catalog::new), vec![]));
                (catalog, removals, None)
            }
            QuerySchema::Sqlc { config, holds } => {
                match linted.iter().position(|l| holds(&l.set)) {
                    Some(at) => {
                        let (catalog, removals) = schemas[at].clone();
                        // Files that each carry a version are a migration history, not schema
                        // files written for code generation.
                        let history = linted[at]
                            .set
                            .migrations
                            .iter()
                            .all(|m| m.version.is_some());
                        (catalog, removals, Some((config, history)))
                    }
                    None => {
                        warnings.push(SourceWarning {
                            message: format!(
                                "the sqlc config `{}` names a schema that no migration set read here holds: its queries are not checked",
                                config.display()
                            ),
                            path: config,
                        });
                        continue;
                    }
                }
            }
        };
        let mut sources = sources;
        let old = old.map(|mut old| {
            old.removals = removals;
            // One file list for messages and placement: the current files, then the old ones.
            sources.files.extend(old.sources.files.iter().cloned());
            old
        });
        stats.queries += queries.len() + old.as_ref().map_or(0, |o| o.queries.len());
        let raw = crate::query_check::check(
            &sources,
            &queries,
            &errors,
            &catalog,
            settings,
            old.as_ref(),
            codegen_schema
                .as_ref()
                .map(|(config, history)| (config.as_path(), *history)),
        );
        parts.push(Placer::new(settings, &sources.files).place_all(raw));
        query_files.extend(sources.files);
    }
    // The first part grows to hold the rest (no copy at all when it is the only one).
    let total = parts.iter().map(Vec::len).sum::<usize>();
    let mut parts = parts.into_iter();
    let mut findings = parts.next().unwrap_or_default();
    findings.reserve_exact(total - findings.len());
    for mut part in parts {
        findings.append(&mut part);
    }
    crate::finding::sort(&mut findings);
    Ok(Output {
        findings,
        stats,
        sets: linted,
        unreadable,
        query_files,
        warnings,
    })
}

/// Migrations given as text, in the order they run.
pub struct Texts {
    /// Where the set is, for the summary (a set read from files has its directory here).
    pub root: PathBuf,
    /// Decides the runner transaction (unless `runner_transaction` is configured):
    /// [`Layout::Plain`] and [`Layout::Sqitch`] none, [`Layout::UpDown`] (golang-migrate) one
    /// message per file, every other layout each migration in a transaction (per-file markers
    /// such as sqlx's `-- no-transaction` are not read here).
    pub layout: Layout,
    pub migrations: Vec<TextMigration>,
}

/// One migration given as text: its file paths (as findings name them) and contents.
pub struct TextMigration {
    /// Display id: the file name without `.sql` (`002_add_users`), as a layout reads it.
    pub id: String,
    pub up: Option<(PathBuf, String)>,
    pub down: Option<(PathBuf, String)>,
}

impl TextMigration {
    /// A migration that is one file: `path` (its id is the file name without `.up.sql`/`.sql`).
    pub fn file(path: impl Into<PathBuf>, text: impl Into<String>) -> Self {
        let path = path.into();
        TextMigration {
            id: migration_id(&path),
            up: Some((path, text.into())),
            down: None,
        }
    }

    /// The migration with a down part.
    pub fn with_down(mut self, path: impl Into<PathBuf>, text: impl Into<String>) -> Self {
        self.down = Some((path.into(), text.into()));
        self
    }
}

fn migration_id(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    name.strip_suffix(".up.sql")
        .or_else(|| name.strip_suffix(".sql"))
        .unwrap_or(&name)
        .to_string()
}

impl Texts {
    /// The migration set these texts make, as a layout would have read it from files.
    pub fn into_set(self, settings: &Settings) -> MigrationSet {
        let layout = self.layout;
        let mut files = vec![];
        let mut migrations = vec![];
        let add = |part: Option<(PathBuf, String)>, files: &mut Vec<SourceFile>| {
            part.map(|(path, text)| {
                let text: std::sync::Arc<str> = text.into();
                files.push(SourceFile::new(path, text.clone()));
                SqlPart {
                    file: files.len() - 1,
                    text,
                }
            })
        };
        for m in self.migrations {
            let up = add(m.up, &mut files);
            let down = add(m.down, &mut files);
            let one_message = layout == Layout::UpDown;
            let transaction = match settings.load.runner_transaction {
                Some(wrapped) => RunnerTransaction {
                    wrapped,
                    reason: "set by `runner_transaction` in pgproof.toml".into(),
                    one_message: false,
                },
                None => RunnerTransaction {
                    wrapped: !matches!(layout, Layout::Plain | Layout::UpDown | Layout::Sqitch),
                    reason: layout.transaction_assumption().to_string(),
                    one_message,
                },
            };
            migrations.push(Migration {
                version: crate::source::version::Version::leading(&m.id).map(|(v, _)| v),
                id: m.id,
                up,
                down,
                transaction,
                down_transaction: None,
                supports_down: layout != Layout::Plain,
            });
        }
        MigrationSet {
            root: self.root,
            layout,
            layout_decided: "given".to_string(),
            transaction_assumption: layout.transaction_assumption().to_string(),
            files,
            migrations,
            problems: vec![],
            errors: vec![],
        }
    }
}

/// Lints migrations given as text on top of `base` (empty when None), with `queries` (path and
/// text of query files) checked against the result: the engine in memory, on the calling thread's
/// behalf (one worker).
pub fn lint_texts(
    texts: Texts,
    queries: Vec<(PathBuf, String)>,
    settings: &Settings,
    base: Option<&Catalog>,
) -> Result<Output> {
    let set = texts.into_set(settings);
    let queries = if queries.is_empty() {
        vec![]
    } else {
        let mut sources = QuerySources::default();
        for (path, text) in queries {
            let index = sources.files.len();
            sources
                .queries
                .extend(crate::source::query_files::split_templated(
                    index,
                    &text,
                    &settings.query_placeholders,
                ));
            sources.files.push(SourceFile::new(path, text));
        }
        let (queries, errors) = crate::queries::parse(&sources.queries);
        vec![QueryJob {
            sources,
            queries,
            errors,
            schema: QuerySchema::TheSet,
            old: None,
        }]
    };
    lint(Input {
        settings,
        sets: InMemory::new(vec![set]),
        base,
        queries,
        threads: 1,
        stack_bytes: WORKER_STACK_BYTES,
        keep_origins: false,
        keep_texts: true,
    })
}
