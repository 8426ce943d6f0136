//! The replay of one migration set: its parts, parsed (ahead, in parallel, by the pipeline), are
//! replayed in order into the catalog while the rules' statement and migration hooks run, then the
//! schema hooks on the final catalog; suppressions apply, and the findings are placed. No IO, never
//! fails.

use super::place::{members_before, Located, Placer, Site};
use super::snapshot::{Resume, Snapshot};
use crate::catalog::{apply::apply, Catalog};
use crate::config::Settings;
use crate::finding::{Anchor, Diagnostic, Finding, RuleId, Severity};
use crate::queries::QueryEvidence;
use crate::rules::{
    HeldLock, MigrationContext, MigrationStatement, Rule, SchemaContext, StatementContext, RULES,
};
use crate::source::{Layout, Migration, MigrationSet, SqlPart};
use crate::span::Span;
use crate::suppress::Suppressions;
use crate::syntax::{AlterCmd, LockMode, QualName, Statement, TxKind};
use crate::syntax::{ParsedStatement, ParsedText};
use std::collections::{BTreeMap, BTreeSet};

/// Counts for the summary.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Stats {
    pub files: usize,
    pub migrations: usize,
    pub statements: usize,
    pub unmodelled_statements: usize,
    /// Unmodelled statements by node name.
    pub unmodelled_kinds: BTreeMap<String, usize>,
    /// Application queries checked (after de-duplication).
    pub queries: usize,
    /// Statements the parser gave up on for lack of resources (out of memory, over the size limit
    /// of one statement), each as a message naming the file and line: not findings but an
    /// operational error, which `lint` reports once the findings are out (exit 2).
    #[serde(skip)]
    pub parse_aborts: Vec<String>,
    /// Each migration set read: its directory, layout and runner transaction assumption.
    pub sets: Vec<SetInfo>,
}

/// How one migration set was read, so that a wrong guess of its layout is visible.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SetInfo {
    /// How the layout was decided: `configured`, `detected by ...` or `assumed (...)`.
    pub decided: String,
    pub layout: &'static str,
    pub path: String,
    pub transaction: String,
    /// The PostgreSQL version `[[sets]]` in pgproof.toml gives this set, when it gives one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pg_version: Option<u32>,
}

impl Stats {
    pub fn add(&mut self, other: &Stats) {
        self.files += other.files;
        self.migrations += other.migrations;
        self.statements += other.statements;
        self.unmodelled_statements += other.unmodelled_statements;
        self.queries += other.queries;
        self.parse_aborts.extend(other.parse_aborts.iter().cloned());
        self.sets.extend(other.sets.iter().cloned());
        for (k, v) in &other.unmodelled_kinds {
            *self.unmodelled_kinds.entry(k.clone()).or_default() += v;
        }
    }
}

/// What replaying one set gave: its placed findings, its stats, the final catalog and what it
/// removed.
pub struct Replayed {
    pub findings: Vec<Finding>,
    pub stats: Stats,
    pub catalog: Catalog,
    /// Tables and columns that migrations dropped or renamed, in order: what breaks the queries
    /// of a release that predates them.
    pub removals: Vec<Removal>,
    /// The state after the migration [`Resume::keep_after`] named, when the replay took one.
    pub snapshot: Option<Snapshot>,
    /// Where each object of the final schema was created.
    pub origins: super::place::Origins,
}

pub use crate::queries::Removal;

/// The tables and columns `stmt` drops or renames.
pub(crate) fn removals_of(stmt: &Statement) -> Vec<(QualName, Option<String>, String)> {
    use crate::syntax::{AlterCmd, ObjectKind};
    let mut out = vec![];
    match stmt {
        Statement::Drop(d)
            if matches!(
                d.kind,
                ObjectKind::Table | ObjectKind::View | ObjectKind::MaterializedView
            ) =>
        {
            for name in &d.names {
                out.push((name.clone(), None, "dropped".to_string()));
            }
        }
        Statement::AlterTable(a) => {
            for cmd in &a.cmds {
                if let AlterCmd::DropColumn { name, .. } = cmd {
                    out.push((a.name.clone(), Some(name.clone()), "dropped".to_string()));
                }
            }
        }
        Statement::Rename(r) => match (r.kind, &r.sub_name) {
            (ObjectKind::Column, Some(column)) => out.push((
                r.target.clone(),
                Some(column.clone()),
                format!("renamed to `{}`", r.new_name),
            )),
            (ObjectKind::Table | ObjectKind::View | ObjectKind::MaterializedView, None) => out
                .push((
                    r.target.clone(),
                    None,
                    format!("renamed to `{}`", r.new_name),
                )),
            _ => {}
        },
        _ => {}
    }
    out
}

/// The SQL parts of a set in replay order (each migration's up part, then its down part): what
/// [`run`] expects parsed, in this order.
pub fn parts(set: &MigrationSet) -> impl Iterator<Item = &SqlPart> {
    part_keys(set).map(|key| part(set, key))
}

/// Which part is which, in the order of [`parts`]: (migration index, whether it is the down part).
/// Keys rather than references, for holders of the set that hand its parts out later.
pub fn part_keys(set: &MigrationSet) -> impl Iterator<Item = (usize, bool)> + '_ {
    set.migrations.iter().enumerate().flat_map(|(i, m)| {
        m.up.iter()
            .map(move |_| (i, false))
            .chain(m.down.iter().map(move |_| (i, true)))
    })
}

/// The part a key from [`part_keys`] names.
pub fn part(set: &MigrationSet, (migration, down): (usize, bool)) -> &SqlPart {
    let m = &set.migrations[migration];
    let part = if down { &m.down } else { &m.up };
    part.as_ref()
        .expect("part_keys names only parts that are present")
}

/// Lints one migration set starting from `base` (an empty catalog, or a schema loaded from
/// elsewhere), with what the application's queries show (`evidence`) for the schema rules, given
/// its parts parsed in the order of [`parts`]. The replay itself is ordered; it takes each part
/// from `parsed` when it reaches it and drops it once replayed, so the caller can parse ahead in
/// parallel and hand the parts over as they are ready.
pub fn run(
    set: &MigrationSet,
    settings: &Settings,
    evidence: &QueryEvidence,
    base: Catalog,
    parsed: impl IntoIterator<Item = ParsedText>,
) -> Replayed {
    run_from(set, settings, evidence, base, parsed, Resume::default())
}

/// The first migration a replay with `resume` replays: the ones its starting snapshot covers are
/// skipped (none when the snapshot is for more migrations than the set has).
pub fn first_migration(set: &MigrationSet, resume: &Resume) -> usize {
    resume
        .start
        .as_ref()
        .map(|s| s.migrations)
        .filter(|&n| n <= set.migrations.len())
        .unwrap_or(0)
}

/// [`run`] from where `resume` says, taking the snapshot it asks for: `parsed` holds the parts of
/// the migrations from [`first_migration`] on, and `base` is not read when the replay starts from
/// a snapshot. The findings in the files of the skipped migrations are not found again; the rest
/// is what [`run`] gives.
pub fn run_from(
    set: &MigrationSet,
    settings: &Settings,
    evidence: &QueryEvidence,
    base: Catalog,
    parsed: impl IntoIterator<Item = ParsedText>,
    resume: Resume,
) -> Replayed {
    // `[[sets]]` in pgproof.toml may give this set its own PostgreSQL version.
    let settings = &*settings.for_set(&set.root);
    let first = first_migration(set, &resume);
    let mut parsed = parsed.into_iter();
    let mut replay = Replay::new(set, settings, base);
    if let Some(start) = resume.start.filter(|_| first > 0) {
        replay.restore(start);
    }
    let mut snapshot = None;
    for (i, migration) in set.migrations.iter().enumerate().skip(first) {
        let up = migration
            .up
            .as_ref()
            .map(|p| (p, parsed.next().unwrap_or_default()));
        let down = migration
            .down
            .as_ref()
            .map(|p| (p, parsed.next().unwrap_or_default()));
        replay.migration(migration, up, down);
        if resume.keep_after == Some(i + 1) {
            snapshot = Snapshot::take(
                i + 1,
                &replay.catalog,
                replay.placer.origins(),
                &replay.removals,
                &replay.stats,
            );
        }
    }
    let mut replayed = replay.finish(evidence);
    replayed.snapshot = snapshot;
    replayed
}

/// The replay of one set: the catalog as it stands, and what the rules and the summary have
/// gathered so far. Steps: [`Replay::migration`] for each migration in order (its up part
/// statement by statement, then its down part and the migration hooks), then [`Replay::finish`].
struct Replay<'a> {
    set: &'a MigrationSet,
    settings: &'a Settings,
    rules: Vec<&'static dyn Rule>,
    placer: Placer<'a>,
    catalog: Catalog,
    stats: Stats,
    /// Diagnostics located in the set's files, placed at the end.
    raw: Vec<Located>,
    suppressions: Suppressions,
    removals: Vec<Removal>,
    order_assumed: bool,
    set_has_downs: bool,
}

/// What one migration's up part has done so far: its transaction state and what it created.
struct MigrationState {
    tx: TxState,
    created: BTreeSet<QualName>,
    created_objects: BTreeSet<crate::graph::Object>,
    /// Whether each up statement ran inside a transaction, for migration hooks.
    in_transaction: Vec<bool>,
}

/// The transaction an up part's statements run in, and the session settings made so far.
struct TxState {
    /// The runner wraps the part in its transaction.
    runner_wrapped: bool,
    /// Inside a `BEGIN` the part wrote.
    explicit: bool,
    /// The statement the current transaction began at, if one is open.
    start: Option<usize>,
    /// The table locks the current transaction holds.
    held: Vec<HeldLock>,
    lock_timeout_set: bool,
    statement_timeout_set: bool,
    /// A lock that blocks writes was taken on a table this migration did not create.
    blocking_lock_taken: bool,
}

impl TxState {
    fn new(runner_wrapped: bool) -> Self {
        TxState {
            runner_wrapped,
            explicit: false,
            start: runner_wrapped.then_some(0),
            held: vec![],
            lock_timeout_set: false,
            statement_timeout_set: false,
            blocking_lock_taken: false,
        }
    }

    fn in_transaction(&self) -> bool {
        self.runner_wrapped || self.explicit
    }

    /// Transaction control and session settings of statement `position`.
    fn control(&mut self, position: usize, stmt: &Statement) {
        match stmt {
            Statement::Transaction { tx: TxKind::Begin } => {
                if !self.explicit && !self.runner_wrapped {
                    self.start = Some(position + 1);
                }
                self.explicit = true;
            }
            Statement::Transaction {
                tx: TxKind::Commit | TxKind::Rollback | TxKind::Prepare,
            } => {
                self.explicit = false;
                self.held.clear();
                self.start = self.runner_wrapped.then_some(position + 1);
            }
            // The transaction ends (releasing its locks) and a new one begins at once.
            Statement::Transaction { tx: TxKind::Chain } => {
                self.held.clear();
                self.start = Some(position + 1);
            }
            Statement::Set { name, .. } if name == "lock_timeout" => self.lock_timeout_set = true,
            Statement::Set { name, .. } if name == "statement_timeout" => {
                self.statement_timeout_set = true
            }
            _ => {}
        }
    }

    /// The table locks statement `stmt` (at `span`) takes, held until the transaction ends (at
    /// once, outside a transaction).
    fn lock(
        &mut self,
        stmt: &Statement,
        span: Span,
        catalog: &Catalog,
        created: &BTreeSet<QualName>,
        order_known: bool,
    ) {
        for (table, mode) in crate::locks::table_locks(stmt, catalog, order_known) {
            self.blocking_lock_taken |=
                mode >= LockMode::Share && !created.contains(&table) && table.schema != "pg_temp";
            self.held.push(HeldLock { table, mode, span });
        }
        if !self.in_transaction() {
            self.held.clear();
        }
    }
}

impl<'a> Replay<'a> {
    fn new(set: &'a MigrationSet, settings: &'a Settings, base: Catalog) -> Self {
        let placer = Placer::new(settings, &set.files);
        let raw = set
            .problems
            .iter()
            .filter_map(|problem| {
                let diag = Diagnostic::new(problem.rule, problem.span, problem.message.clone())
                    .at(Anchor::File(problem.file));
                placer.locate(diag, Site::default())
            })
            .collect();
        Replay {
            set,
            settings,
            rules: RULES
                .iter()
                .copied()
                .filter(|r| settings.is_enabled(&r.meta().id))
                .collect(),
            placer,
            catalog: base,
            stats: Stats {
                files: set.files.len(),
                migrations: set.migrations.len(),
                sets: vec![SetInfo {
                    decided: set.layout_decided.clone(),
                    layout: set.layout.name(),
                    path: set.root.display().to_string(),
                    transaction: set.transaction_assumption.clone(),
                    pg_version: settings
                        .load
                        .set_config(&set.root)
                        .and_then(|c| c.pg_version),
                }],
                ..Stats::default()
            },
            raw,
            suppressions: Suppressions::default(),
            removals: vec![],
            order_assumed: set.order_assumed(),
            set_has_downs: set
                .migrations
                .iter()
                .any(|m| m.down.as_ref().is_some_and(|d| !d.text.trim().is_empty())),
        }
    }

    /// Continues from a snapshot instead of the base schema.
    fn restore(&mut self, start: Snapshot) {
        let restored = start.restore();
        self.catalog = restored.catalog;
        self.placer.restore_origins(restored.origins);
        self.removals = restored.removals;
        self.stats.statements = restored.statements;
        self.stats.unmodelled_statements = restored.unmodelled_statements;
        self.stats.unmodelled_kinds = restored.unmodelled_kinds;
    }

    /// One migration: its up part replayed statement by statement, its down part noted, then the
    /// migration hooks.
    fn migration(
        &mut self,
        migration: &Migration,
        up: Option<(&SqlPart, ParsedText)>,
        down: Option<(&SqlPart, ParsedText)>,
    ) {
        // A runner that sends the file as one message wraps it only when it holds several statements.
        let runner_wrapped = migration
            .transaction
            .wraps(up.as_ref().map_or(0, |(_, p)| p.statements.len()));
        let mut state = MigrationState {
            tx: TxState::new(runner_wrapped),
            created: BTreeSet::new(),
            created_objects: BTreeSet::new(),
            in_transaction: vec![],
        };
        self.catalog.witness.next_migration(self.order_assumed);
        // The schema before up, kept for reversibility checks when there is a down part.
        let before = down
            .as_ref()
            .filter(|(_, p)| !p.statements.is_empty())
            .map(|_| self.catalog.clone());
        if let Some((part, parsed)) = &up {
            self.note_parse(part, parsed, Some(&migration.id));
            for position in 0..parsed.statements.len() {
                self.statement(migration, part, parsed, position, &mut state);
            }
            let end = parsed.statements.last().map_or(0, |s| s.span.end);
            if super::unreplayed::between(parsed, &part.text, end, usize::MAX) {
                self.catalog.witness.doubt_all();
            }
        }
        if let Some((part, parsed)) = &down {
            self.note_parse(part, parsed, Some(&migration.id));
        }
        self.end_migration(migration, &up, &down, before.as_ref(), &state);
    }

    /// Statement `position` of an up part: the statement hooks on the catalog before it, then the
    /// transaction, locks, origins and removals it brings, and the statement applied.
    fn statement(
        &mut self,
        migration: &Migration,
        part: &SqlPart,
        parsed: &ParsedText,
        position: usize,
        state: &mut MigrationState,
    ) {
        let stmt = &parsed.statements[position];
        let gap_start = position
            .checked_sub(1)
            .map_or(0, |p| parsed.statements[p].span.end);
        if super::unreplayed::between(parsed, &part.text, gap_start, stmt.span.start) {
            // Statements that did not parse, or meta-commands, ran before this one: the catalog may
            // miss their work.
            self.catalog.witness.doubt_all();
        }
        let in_tx = state.tx.in_transaction();
        {
            let cx = StatementContext {
                stmt: &stmt.kind,
                span: stmt.span,
                sql: &part.text[stmt.span.start..stmt.span.end],
                catalog: &self.catalog,
                pg_version: self.settings.pg_version,
                in_transaction: in_tx,
                runner_transaction: state.tx.runner_wrapped,
                runner_implicit: migration.transaction.implicit(parsed.statements.len()),
                explicit_transaction: state.tx.explicit,
                transaction_reason: &migration.transaction.reason,
                held_locks: &state.tx.held,
                created_in_migration: &state.created,
                created_objects: &state.created_objects,
                order_assumed: self.order_assumed,
                lock_timeout_set: state.tx.lock_timeout_set,
                statement_timeout_set: state.tx.statement_timeout_set,
                require_statement_timeout: self.settings.require_statement_timeout,
                blocking_lock_taken: state.tx.blocking_lock_taken,
                earlier: &parsed.statements[..position],
                later: &parsed.statements[position + 1..],
                part_text: &part.text,
                part_has_errors: !parsed.errors.is_empty(),
                tx_start: state.tx.start,
            };
            let mut out = vec![];
            for rule in &self.rules {
                rule.check_statement(&cx, &mut out);
            }
            let site = Site {
                up: Some(part.file),
                down: None,
                migration: Some(&migration.id),
            };
            self.raw
                .extend(out.into_iter().filter_map(|d| self.placer.locate(d, site)));
        }
        state.tx.control(position, &stmt.kind);
        state.tx.lock(
            &stmt.kind,
            stmt.span,
            &self.catalog,
            &state.created,
            !self.order_assumed,
        );
        record_created(&stmt.kind, &mut state.created);
        if self.order_assumed {
            record_created_objects(&stmt.kind, &mut state.created_objects);
        }
        self.placer
            .record_origins(&stmt.kind, part.file, stmt.span, &migration.id);
        self.note_removals(migration, part, stmt);
        let before = members_before(&stmt.kind, &self.catalog);
        apply(&mut self.catalog, &stmt.kind);
        self.placer.record_added_members(
            before,
            &self.catalog,
            part.file,
            stmt.span,
            &migration.id,
        );
        state.in_transaction.push(in_tx);
    }

    /// The tables and columns `stmt` drops, renames or retypes (before it is applied): what breaks
    /// the queries of a release that predates it.
    fn note_removals(&mut self, migration: &Migration, part: &SqlPart, stmt: &ParsedStatement) {
        let file = &self.set.files[part.file];
        // Only for the statements that remove or retype something: the file's line index is
        // built on first use.
        let placer = &self.placer;
        let line = || placer.line(part.file, stmt.span.start);
        for (table, column, what) in removals_of(&stmt.kind) {
            self.removals.push(Removal {
                table,
                column,
                what,
                migration: migration.id.clone(),
                file: file.path.clone(),
                line: line(),
                retyped: None,
            });
        }
        // Columns whose type changes: the running release may compare or bind them as the old
        // type.
        if let Statement::AlterTable(a) = &stmt.kind {
            for cmd in &a.cmds {
                if let AlterCmd::AlterColumnType {
                    column, type_name, ..
                } = cmd
                {
                    let old = self
                        .catalog
                        .table(&a.name)
                        .and_then(|t| t.column(column))
                        .map(|c| c.type_name.clone());
                    if let Some(old) = old.filter(|o| o != type_name) {
                        self.removals.push(Removal {
                            table: a.name.clone(),
                            column: Some(column.clone()),
                            what: format!("retyped from `{old}` to `{type_name}`"),
                            migration: migration.id.clone(),
                            file: file.path.clone(),
                            line: line(),
                            retyped: Some((old, type_name.clone())),
                        });
                    }
                }
            }
        }
    }

    /// The migration hooks, on the up statements, the catalog after them and, with a down part,
    /// the catalog before and the down statements; their findings point into the up or down file.
    fn end_migration(
        &mut self,
        migration: &Migration,
        up: &Option<(&SqlPart, ParsedText)>,
        down: &Option<(&SqlPart, ParsedText)>,
        before: Option<&Catalog>,
        state: &MigrationState,
    ) {
        let up_statements = up
            .as_ref()
            .map(|(_, p)| p.statements.as_slice())
            .unwrap_or_default();
        let statements: Vec<MigrationStatement<'_>> = up_statements
            .iter()
            .zip(&state.in_transaction)
            .map(|(stmt, in_tx)| MigrationStatement {
                stmt: &stmt.kind,
                span: stmt.span,
                in_transaction: *in_tx,
            })
            .collect();
        // The down part's statements in a transaction, followed as the up part's are, under the
        // down part's own runner transaction.
        let down_in_transaction: Vec<bool> = down
            .as_ref()
            .map(|(_, p)| {
                let runner = migration.down_transaction().wraps(p.statements.len());
                let mut tx = TxState::new(runner);
                p.statements
                    .iter()
                    .enumerate()
                    .map(|(k, s)| {
                        let in_tx = tx.in_transaction();
                        tx.control(k, &s.kind);
                        in_tx
                    })
                    .collect()
            })
            .unwrap_or_default();
        let cx = MigrationContext {
            id: &migration.id,
            statements: &statements,
            after: &self.catalog,
            has_down: down.as_ref().is_some_and(|(_, p)| !p.statements.is_empty()),
            down_written: down.is_some(),
            supports_down: migration.supports_down,
            pg_version: self.settings.pg_version,
            before,
            down: down
                .as_ref()
                .map(|(_, p)| p.statements.as_slice())
                .unwrap_or_default(),
            down_has_errors: down.as_ref().is_some_and(|(_, p)| !p.errors.is_empty()),
            down_transaction: migration.down_transaction(),
            down_in_transaction: &down_in_transaction,
            set_has_downs: self.set_has_downs,
            created: &state.created,
            order_assumed: self.order_assumed,
        };
        let mut migration_diags = vec![];
        for rule in &self.rules {
            rule.check_migration(&cx, &mut migration_diags);
        }
        let site = Site {
            up: up.as_ref().map(|(p, _)| p.file),
            down: down.as_ref().map(|(p, _)| p.file),
            migration: Some(&migration.id),
        };
        self.raw.extend(
            migration_diags
                .into_iter()
                .filter_map(|d| self.placer.locate(d, site)),
        );
    }

    /// Schema rules on the final catalog, placed where each object was created; then
    /// suppressions, and the findings placed.
    fn finish(mut self, evidence: &QueryEvidence) -> Replayed {
        let schema_cx =
            SchemaContext::for_settings(&self.catalog, self.settings.pg_version, self.settings)
                .with_evidence(evidence);
        for rule in &self.rules {
            let mut out = vec![];
            rule.check_schema(&schema_cx, &mut out);
            self.raw.extend(
                out.into_iter()
                    .filter_map(|d| self.placer.locate(d, Site::default())),
            );
        }
        drop(schema_cx);
        // Suppressions apply to what every hook found; then what is wrong with them is reported.
        let mut suppressions = self.suppressions;
        let mut kept: Vec<Located> = self
            .raw
            .into_iter()
            .filter(|(file, _, d)| !suppressions.silences(*file, &d.rule, d.span))
            .collect();
        kept.extend(
            suppressions
                .problems(crate::rules::is_known)
                .into_iter()
                .filter_map(|d| self.placer.locate(d, Site::default())),
        );
        let findings = self.placer.findings(kept);
        Replayed {
            origins: self.placer.take_origins(),
            findings,
            stats: self.stats,
            catalog: self.catalog,
            removals: self.removals,
            snapshot: None,
        }
    }

    /// A part as parsed: its syntax errors, the statements for the summary, its suppressions, and
    /// the statements the parser gave up on.
    fn note_parse(&mut self, part: &SqlPart, parsed: &ParsedText, migration: Option<&str>) {
        let stats = &mut self.stats;
        if !parsed.aborted.is_empty() {
            let file = &self.set.files[part.file];
            for aborted in &parsed.aborted {
                stats.parse_aborts.push(format!(
                    "cannot parse `{}` at line {}: {}",
                    file.path.display(),
                    crate::span::line_of(&file.text, aborted.span.start),
                    aborted.message
                ));
            }
        }
        let site = Site {
            migration,
            ..Site::default()
        };
        for error in &parsed.errors {
            // Text psql or the application replaces first: not an error pgproof can stand by,
            // where psql may run the file (the runners send it as it is).
            let substituted = matches!(self.set.layout, Layout::Plain | Layout::Sqitch)
                .then(|| error.substituted(&part.text, self.set.layout == Layout::Plain))
                .flatten();
            // Flyway splits the statements itself and skips a fragment of Unicode spaces.
            let substituted = substituted.or_else(|| {
                (self.set.layout == Layout::Flyway && error.only_unicode_spaces(&part.text)).then(|| {
                    format!(
                        "only Unicode space characters (such as a no-break space) here, which Flyway skips as it splits the statements; psql, or a runner that sends the whole file, would send them to the server and fail (the parser said: {})",
                        error.message
                    )
                })
            });
            let diag = match substituted {
                Some(why) => {
                    Diagnostic::new(RuleId::SYNTAX_ERROR, error.span, why).at_most(Severity::Info)
                }
                None => Diagnostic::new(RuleId::SYNTAX_ERROR, error.span, error.message.clone()),
            }
            .at(Anchor::File(part.file));
            self.raw.extend(self.placer.locate(diag, site));
        }
        stats.statements += parsed.statements.len();
        for stmt in &parsed.statements {
            if let Statement::Other { node } = &stmt.kind {
                stats.unmodelled_statements += 1;
                *stats.unmodelled_kinds.entry(node.clone()).or_default() += 1;
            }
        }
        let spans: Vec<Span> = parsed.statements.iter().map(|s| s.span).collect();
        self.suppressions
            .read(part.file, &part.text, &parsed.lexed.line_comments, &spans);
    }
}

fn record_created(stmt: &Statement, created: &mut BTreeSet<QualName>) {
    match stmt {
        Statement::CreateTable(t) => {
            created.insert(t.name.clone());
            if t.persistence == crate::syntax::Persistence::Temporary {
                // Unqualified names find temporary tables first.
                created.insert(QualName::public(t.name.name.clone()));
            }
        }
        Statement::CreateView(v) => {
            created.insert(v.name.clone());
        }
        Statement::CreateIndex(i) => {
            if let Some(name) = &i.name {
                created.insert(QualName::new(i.table.schema.clone(), name.clone()));
            }
        }
        Statement::Rename(r) if r.sub_name.is_none() && created.contains(&r.target) => {
            created.insert(QualName::new(r.target.schema.clone(), r.new_name.clone()));
        }
        _ => {}
    }
}

/// Objects other than relations that a statement creates (functions, types, triggers, named
/// constraints and columns added to existing tables), so that a rule can tell a dependent created
/// in the current migration from one an earlier file created.
fn record_created_objects(stmt: &Statement, created: &mut BTreeSet<crate::graph::Object>) {
    use crate::graph::Object;
    match stmt {
        Statement::CreateFunction(f) => {
            created.insert(Object::Function(f.name.clone()));
        }
        Statement::CreateEnum { name, .. }
        | Statement::CreateDomain { name, .. }
        | Statement::CreateCompositeType { name } => {
            created.insert(Object::Type(name.clone()));
        }
        Statement::CreateTrigger { name, table, .. } => {
            created.insert(Object::Trigger(table.clone(), name.clone()));
        }
        Statement::CreatePolicy { name, table } => {
            created.insert(Object::Policy(table.clone(), name.clone()));
        }
        Statement::AlterTable(a) => {
            for cmd in &a.cmds {
                match cmd {
                    AlterCmd::AddColumn { column, .. } => {
                        created.insert(Object::Column(a.name.clone(), column.name.clone()));
                    }
                    AlterCmd::AddConstraint { constraint } => {
                        if let Some(name) = &constraint.name {
                            created.insert(Object::Constraint(a.name.clone(), name.clone()));
                        }
                    }
                    _ => {}
                }
            }
        }
        _ => {}
    }
}
