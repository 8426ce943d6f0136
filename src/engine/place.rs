//! Diagnostics become findings here, and only here. Each diagnostic's [`Anchor`] is turned into a
//! file and a span there ([`Placer::locate`]: the migration's up or down part, a file by index, or
//! the statement that created the object a schema finding is about); then it gets its rule's
//! configured severity (capped where the diagnostic says so) and its place in the file, a span on
//! character boundaries with 1-based line and character-column positions
//! ([`crate::span::LineIndex::place`]). Migration, schema and query findings all go through
//! [`Placer`].

use crate::catalog::Catalog;
use crate::config::Settings;
use crate::finding::{Anchor, Diagnostic, Finding, Member};
use crate::source::SourceFile;
use crate::span::{LineIndex, Placed, Span};
use crate::syntax::{AlterCmd, QualName, Statement};
use std::cell::OnceCell;

/// A diagnostic whose anchor is resolved: (file index, migration id, the diagnostic with its span
/// in that file). Suppressions apply to it before it is placed.
pub type Located = (usize, Option<String>, Diagnostic);

/// What the anchors of a hook's diagnostics are resolved against: the files of the migration's up
/// and down parts, and its id. Empty for query files and for the engine's own file findings,
/// which point at a file by index ([`Anchor::File`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct Site<'s> {
    pub up: Option<usize>,
    pub down: Option<usize>,
    pub migration: Option<&'s str>,
}

/// Where an object of the final schema was created: (file, the creating statement's span,
/// migration id), by table and member.
pub type Origins = rustc_hash::FxHashMap<(QualName, Option<Member>), Origin>;

/// Where an object was created: the file, the statement's span, and the migration's id (shared
/// by every object its statement creates).
pub type Origin = (usize, Span, std::sync::Arc<str>);

/// Places diagnostics in the files of one migration set or one group of query files. Each file's
/// line index is built on first use, so files without findings cost nothing.
pub struct Placer<'a> {
    settings: &'a Settings,
    files: &'a [SourceFile],
    lines: Vec<OnceCell<LineIndex>>,
    /// Where each object was created, recorded during replay ([`Placer::record_origins`]), for
    /// [`Anchor::Object`].
    origins: Origins,
}

impl<'a> Placer<'a> {
    pub fn new(settings: &'a Settings, files: &'a [SourceFile]) -> Self {
        Placer {
            settings,
            files,
            lines: files.iter().map(|_| OnceCell::new()).collect(),
            origins: Origins::default(),
        }
    }

    fn lines(&self, file: usize) -> &LineIndex {
        self.lines[file].get_or_init(|| LineIndex::new(&self.files[file].text))
    }

    /// The 1-based line of `offset` in file `file`.
    pub fn line(&self, file: usize, offset: usize) -> usize {
        let text = &self.files[file].text;
        self.lines(file).position(text, offset).line
    }

    /// The file and span `diag`'s anchor names, seen from `site`; None when it names nothing
    /// there (a part the migration does not have, an object no statement created, a file out of
    /// range).
    pub fn locate(&self, mut diag: Diagnostic, site: Site<'_>) -> Option<Located> {
        let migration = || site.migration.map(str::to_string);
        let (file, migration) = match &diag.anchor {
            Anchor::Up => (site.up.or(site.down)?, migration()),
            Anchor::Down => (site.down.or(site.up)?, migration()),
            Anchor::File(file) => (*file, migration()),
            Anchor::Object { table, member } => {
                let (file, span, migration) = self
                    .origins
                    .get(&(table.clone(), member.clone()))
                    .or_else(|| self.origins.get(&(table.clone(), None)))?;
                diag.span = *span;
                (*file, Some(migration.to_string()))
            }
        };
        (file < self.files.len()).then_some((file, migration, diag))
    }

    /// Where each object was created, as recorded so far (for a replay's snapshot).
    pub(super) fn origins(&self) -> &Origins {
        &self.origins
    }

    /// The origins recorded, taken out at the end of a replay.
    pub(super) fn take_origins(&mut self) -> Origins {
        std::mem::take(&mut self.origins)
    }

    /// Starts from the origins a snapshot recorded.
    pub(super) fn restore_origins(&mut self, origins: Origins) {
        self.origins = origins;
    }

    /// Records the objects `stmt` (at `span` in file `file`, of migration `migration`) creates
    /// under their names, so that findings about them are placed at it.
    pub fn record_origins(&mut self, stmt: &Statement, file: usize, span: Span, migration: &str) {
        let migration: std::sync::Arc<str> = migration.into();
        let mut put = |object: &QualName, member: Option<Member>| {
            self.origins
                .insert((object.clone(), member), (file, span, migration.clone()));
        };
        let named = |c: &crate::syntax::TableConstraint| c.name.clone().map(Member::Constraint);
        match stmt {
            Statement::CreateTable(t) => {
                put(&t.name, None);
                for c in &t.columns {
                    put(&t.name, Some(Member::Column(c.name.clone())));
                    for constraint in &c.constraints {
                        if let Some(m) = named(constraint) {
                            put(&t.name, Some(m));
                        }
                    }
                }
                for constraint in &t.constraints {
                    if let Some(m) = named(constraint) {
                        put(&t.name, Some(m));
                    }
                }
            }
            Statement::CreateView(v) if v.is_table => put(&v.name, None),
            Statement::AlterTable(a) => {
                for cmd in &a.cmds {
                    match cmd {
                        AlterCmd::AddColumn { column, .. } => {
                            put(&a.name, Some(Member::Column(column.name.clone())))
                        }
                        AlterCmd::AddConstraint { constraint } => {
                            if let Some(m) = named(constraint) {
                                put(&a.name, Some(m));
                            }
                        }
                        _ => {}
                    }
                }
            }
            Statement::CreateIndex(i) => {
                if let Some(name) = &i.name {
                    put(&i.table, Some(Member::Index(name.clone())));
                }
            }
            Statement::CreateFunction(f) => put(&f.name, None),
            // A renamed or moved relation keeps the place it was made at, under its new name
            // (its findings would otherwise be placed nowhere); a renamed column likewise.
            Statement::Rename(r) => {
                use crate::syntax::ObjectKind;
                match (r.kind, &r.sub_name) {
                    (ObjectKind::Table | ObjectKind::View | ObjectKind::MaterializedView, None) => {
                        let new = QualName::new(r.target.schema.clone(), r.new_name.clone());
                        self.move_origins(&r.target, &new);
                    }
                    (ObjectKind::Column, Some(old)) => {
                        let key = (r.target.clone(), Some(Member::Column(old.clone())));
                        if let Some(origin) = self.origins.remove(&key) {
                            let new = Some(Member::Column(r.new_name.clone()));
                            self.origins.insert((r.target.clone(), new), origin);
                        }
                    }
                    _ => {}
                }
            }
            Statement::AlterSchemaOf {
                name, new_schema, ..
            } => {
                let new = QualName::new(new_schema.clone(), name.name.clone());
                self.move_origins(name, &new);
            }
            _ => {}
        }
    }

    /// Moves the origins recorded for `old` (the object and its members) to `new`.
    fn move_origins(&mut self, old: &QualName, new: &QualName) {
        if old == new {
            return;
        }
        let moved: Vec<(Option<Member>, Origin)> = self
            .origins
            .iter()
            .filter(|((object, _), _)| object == old)
            .map(|((_, m), origin)| (m.clone(), origin.clone()))
            .collect();
        for (m, origin) in moved {
            self.origins.remove(&(old.clone(), m.clone()));
            self.origins.insert((new.clone(), m), origin);
        }
    }

    /// Records, after `stmt` was applied to `catalog`, the constraints and indexes an `ALTER
    /// TABLE` added without naming them (`ADD COLUMN ... REFERENCES`, `ADD UNIQUE (...)`): their
    /// names come from the catalog, and their findings belong to this statement, not to the
    /// table's `CREATE`. `before` is [`members_before`] of the same statement.
    pub fn record_added_members(
        &mut self,
        before: Option<(&QualName, Vec<Member>)>,
        catalog: &Catalog,
        file: usize,
        span: Span,
        migration: &str,
    ) {
        let Some((table, before)) = before else {
            return;
        };
        let migration: std::sync::Arc<str> = migration.into();
        for member in table_members(catalog, table) {
            if !before.contains(&member) {
                self.origins.insert(
                    (table.clone(), Some(member)),
                    (file, span, migration.clone()),
                );
            }
        }
    }

    /// `diag`, located in file `file` (of migration `migration`), as a finding; None when its rule
    /// is off, or no rule.
    pub fn finding(
        &self,
        file: usize,
        migration: Option<String>,
        diag: Diagnostic,
    ) -> Option<Finding> {
        let meta = crate::rules::find(&diag.rule)?.meta();
        let severity = self.settings.severity_of(&meta.id, meta.severity)?;
        let severity = diag.at_most.map_or(severity, |cap| severity.min(cap));
        let source = &self.files[file];
        // Every span leaves here on character boundaries of its file, whatever byte arithmetic
        // made it (identifier lengths, offsets mapped back from rewritten queries): reports slice
        // the text with it.
        let Placed { span, start, end } = self.lines(file).place(&source.text, diag.span);
        let object = match diag.anchor {
            Anchor::Object { table, member } => Some((table, member)),
            Anchor::Up | Anchor::Down | Anchor::File(_) => None,
        };
        Some(Finding {
            rule: meta.id,
            severity,
            category: meta.category,
            file: source.path.clone(),
            worktree_path: source.worktree_path.clone(),
            span,
            start,
            end,
            migration,
            message: diag.message,
            help: diag.help,
            fix: diag.fix.map(Box::new),
            lock: diag.lock,
            notes: diag.notes,
            object: object.map(Box::new),
            fingerprint: None,
        })
    }

    /// Every located diagnostic of `located` placed, sorted, and with duplicates (same file,
    /// position, rule and message) removed.
    pub fn findings(&self, located: impl IntoIterator<Item = Located>) -> Vec<Finding> {
        let mut findings: Vec<Finding> = located
            .into_iter()
            .filter_map(|(file, migration, diag)| self.finding(file, migration, diag))
            .collect();
        crate::finding::sort(&mut findings);
        findings.dedup_by(|a, b| a.sort_key() == b.sort_key());
        // Collected through a filter, the vector grew by doubling: every set's findings are held
        // until the run merges them (a finding is over 400 bytes before its strings).
        findings.shrink_to_fit();
        findings
    }

    /// Every diagnostic of `diags`, whose anchors point at files by index (query files), located
    /// and placed as [`Placer::findings`] does.
    pub fn place_all(&self, diags: impl IntoIterator<Item = Diagnostic>) -> Vec<Finding> {
        self.findings(
            diags
                .into_iter()
                .filter_map(|d| self.locate(d, Site::default())),
        )
    }
}

/// The table an `ALTER TABLE` adds columns or constraints to (which may bring unnamed constraints
/// and indexes with them), with its named constraints and indexes before the statement: for
/// [`Placer::record_added_members`] once the statement is applied.
pub fn members_before<'s>(
    stmt: &'s Statement,
    catalog: &Catalog,
) -> Option<(&'s QualName, Vec<Member>)> {
    let Statement::AlterTable(a) = stmt else {
        return None;
    };
    a.cmds
        .iter()
        .any(|c| {
            matches!(
                c,
                AlterCmd::AddColumn { .. } | AlterCmd::AddConstraint { .. }
            )
        })
        .then(|| (&a.name, table_members(catalog, &a.name)))
}

/// The named constraints and indexes of `table`.
fn table_members(catalog: &Catalog, table: &QualName) -> Vec<Member> {
    let constraints = catalog
        .table(table)
        .into_iter()
        .flat_map(|t| t.constraints.iter())
        .map(|c| Member::Constraint(c.name.clone()));
    let indexes = catalog
        .indexes_on(table)
        .map(|i| Member::Index(i.name.name.clone()));
    constraints.chain(indexes).collect()
}
