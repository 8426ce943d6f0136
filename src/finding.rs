//! Findings: the one thing rules produce. Data, never errors.

use crate::span::{Position, Span};
use crate::syntax::{LockMode, QualName};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn name(&self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// A rule's id (`create-index-non-concurrently`): declared once per rule with `declare_rule!`,
/// compared and sorted as its text, serialised as a plain string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RuleId(&'static str);

impl RuleId {
    /// Ids of the rules the engine emits itself rather than through hooks (`Emitter::Engine`):
    /// the places that emit them name them here, below the rules; a test checks each against its
    /// declaration in `src/rules/`.
    pub const SYNTAX_ERROR: RuleId = RuleId("syntax-error");
    pub const UNUSED_SUPPRESSION: RuleId = RuleId("unused-suppression");
    pub const SUPPRESSION_WITHOUT_REASON: RuleId = RuleId("suppression-without-reason");
    pub const AMBIGUOUS_MIGRATION_ORDER: RuleId = RuleId("ambiguous-migration-order");
    pub const QUERY_NOT_CHECKED: RuleId = RuleId("query-not-checked");

    /// The ids above, for the test that ties them to the registry.
    pub const ENGINE_EMITTED: &'static [RuleId] = &[
        RuleId::SYNTAX_ERROR,
        RuleId::UNUSED_SUPPRESSION,
        RuleId::SUPPRESSION_WITHOUT_REASON,
        RuleId::AMBIGUOUS_MIGRATION_ORDER,
        RuleId::QUERY_NOT_CHECKED,
    ];

    /// The id of a rule declared with `declare_rule!` (which calls this), or of a test's made-up
    /// rule.
    pub const fn new(id: &'static str) -> Self {
        RuleId(id)
    }

    pub fn as_str(&self) -> &'static str {
        self.0
    }
}

impl std::ops::Deref for RuleId {
    type Target = str;

    fn deref(&self) -> &str {
        self.0
    }
}

impl std::fmt::Display for RuleId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

impl PartialEq<str> for RuleId {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for RuleId {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl PartialEq<String> for RuleId {
    fn eq(&self, other: &String) -> bool {
        self.0 == other
    }
}

impl Serialize for RuleId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.0)
    }
}

/// What a rule is about, declared with it; serialised in kebab-case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    /// Locks, rewrites and scans that stall production traffic.
    Locking,
    /// Changes that break app instances still running the previous release.
    Compatibility,
    /// Schema design: keys, constraints, indexes.
    Schema,
    /// Input problems (syntax, files, ordering) and queries that cannot work.
    Correctness,
    /// Application queries the schema serves badly: scans, unusable indexes.
    Performance,
    /// pgproof's own suppression comments.
    Suppression,
}

impl Category {
    pub fn name(&self) -> &'static str {
        match self {
            Category::Locking => "locking",
            Category::Compatibility => "compatibility",
            Category::Schema => "schema",
            Category::Correctness => "correctness",
            Category::Performance => "performance",
            Category::Suppression => "suppression",
        }
    }
}

/// How safe it is to apply a fix without reading it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Applicability {
    /// Same schema result, weaker locks: apply as is.
    Safe,
    /// Changes behaviour or needs more steps (a later release, a backfill): review before applying.
    Unsafe,
    /// Shown for guidance only; placeholders need filling in.
    DisplayOnly,
}

impl Applicability {
    pub fn name(&self) -> &'static str {
        match self {
            Applicability::Safe => "safe",
            Applicability::Unsafe => "unsafe",
            Applicability::DisplayOnly => "display_only",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fix {
    pub applicability: Applicability,
    pub sql: String,
    /// The table that a foreign key the fix adds references (`missing-foreign-key`), for the
    /// audit's foreign-key graph: carried as data rather than read back from `sql`.
    #[serde(skip)]
    pub references: Option<QualName>,
    /// The recipe's backfill, as one statement over every row: the recipe shows it as a comment
    /// to run in batches outside the migration; `prove` runs it once on its copy so that the
    /// data it compares is the data the recipe leaves once followed to the end.
    #[serde(skip)]
    pub backfill: Option<String>,
}

/// What a diagnostic's span points into, or the object it is about: the engine's `Placer`
/// (`engine/place.rs`) turns each anchor into a file and a span there, and the audit into an
/// object's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Anchor {
    /// The span lies in the migration's up part: where a statement hook's statement is, so the
    /// default. From a migration hook, the up part (or the down part when there is no up part).
    Up,
    /// The span lies in the migration's down part (or the up part when there is no down part).
    Down,
    /// The span lies in file `n` of the files being linted: a query file (query hooks), or any
    /// file of a migration set (the findings the engine emits itself: syntax errors, file
    /// problems, suppressions).
    File(usize),
    /// About an object of the final schema rather than a span: the table (or, for a function
    /// finding, the function) and the part of it, if narrower. A replayed schema places it at the
    /// statement that created the object; a live one names the object.
    Object {
        table: QualName,
        member: Option<Member>,
    },
}

/// A named part of a table, to place a schema finding where that part was created.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Member {
    Column(String),
    Constraint(String),
    Index(String),
}

impl Member {
    /// `column`, `constraint` or `index`.
    pub fn kind(&self) -> &'static str {
        match self {
            Member::Column(_) => "column",
            Member::Constraint(_) => "constraint",
            Member::Index(_) => "index",
        }
    }

    pub fn name(&self) -> &str {
        match self {
            Member::Column(name) | Member::Constraint(name) | Member::Index(name) => name,
        }
    }
}

/// What a rule (or the engine) reports, before the engine places it: a span and what it points
/// into ([`Anchor`]), the message, and what comes with it.
#[derive(Debug, Clone)]
pub struct Diagnostic {
    pub rule: RuleId,
    pub span: Span,
    /// What `span` lies in (or the object the diagnostic is about, whose span is then the
    /// statement that created it): [`Anchor::Up`] unless set.
    pub anchor: Anchor,
    pub message: String,
    pub help: Option<String>,
    pub fix: Option<Fix>,
    pub lock: Option<LockMode>,
    pub notes: Vec<String>,
    /// The highest severity this finding may have, below the rule's own when the finding rests
    /// on something pgproof only assumed.
    pub at_most: Option<Severity>,
}

impl Diagnostic {
    pub fn new(rule: RuleId, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            rule,
            span,
            anchor: Anchor::Up,
            message: message.into(),
            help: None,
            fix: None,
            lock: None,
            notes: vec![],
            at_most: None,
        }
    }

    /// A diagnostic about `table` (or one `member` of it) of the final schema: what schema hooks
    /// report. It has no span of its own: the engine places it where the object was created.
    pub fn about(
        rule: RuleId,
        table: QualName,
        member: Option<Member>,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic::new(rule, Span::default(), message).at(Anchor::Object { table, member })
    }

    /// Says what the span points into (see [`Anchor`]).
    pub fn at(mut self, anchor: Anchor) -> Self {
        self.anchor = anchor;
        self
    }

    /// Caps the finding's severity at `severity` (the rule's or the configured one may be lower).
    pub fn at_most(mut self, severity: Severity) -> Self {
        self.at_most = Some(self.at_most.map_or(severity, |s| s.min(severity)));
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn fix(mut self, sql: impl Into<String>, applicability: Applicability) -> Self {
        self.fix = Some(Fix {
            sql: sql.into(),
            applicability,
            references: None,
            backfill: None,
        });
        self
    }

    /// Names the backfill the fix's recipe leaves to be run in batches (see [`Fix::backfill`]).
    pub fn backfill(mut self, sql: impl Into<String>) -> Self {
        if let Some(fix) = self.fix.as_mut() {
            fix.backfill = Some(sql.into());
        }
        self
    }

    /// A fix that adds a foreign key referencing `references`.
    pub fn fix_adding_foreign_key(
        mut self,
        sql: impl Into<String>,
        applicability: Applicability,
        references: QualName,
    ) -> Self {
        self.fix = Some(Fix {
            sql: sql.into(),
            applicability,
            references: Some(references),
            backfill: None,
        });
        self
    }

    pub fn lock(mut self, lock: LockMode) -> Self {
        self.lock = Some(lock);
        self
    }

    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }
}

/// A diagnostic placed in a file with its severity, ready for reporting.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub rule: RuleId,
    pub severity: Severity,
    pub category: Category,
    pub file: PathBuf,
    /// When `file` is a file as it was in a git reference (`<ref>:<path>`, `--since`): the same
    /// file in the working tree, where annotations point.
    #[serde(skip)]
    pub worktree_path: Option<PathBuf>,
    #[serde(skip)]
    pub span: Span,
    pub start: Position,
    pub end: Position,
    pub migration: Option<String>,
    pub message: String,
    pub help: Option<String>,
    /// Boxed, as `object` is: most findings have none, and a run may hold tens of thousands.
    pub fix: Option<Box<Fix>>,
    pub lock: Option<LockMode>,
    pub notes: Vec<String>,
    /// The object a schema finding is about (its [`Anchor::Object`]): part of its fingerprint,
    /// which then does not depend on the statement that created the object.
    #[serde(skip)]
    pub object: Option<Box<(QualName, Option<Member>)>>,
    /// The finding's stable fingerprint (`crate::fingerprint`), when the run computed them
    /// (baselines, SARIF, GitLab).
    #[serde(skip)]
    pub fingerprint: Option<String>,
}

impl Finding {
    /// Sort key: file, position, rule, message (borrowed: sorting clones nothing).
    pub fn sort_key(&self) -> (&std::path::Path, usize, usize, &str, &str) {
        (
            &self.file,
            self.start.line,
            self.start.column,
            self.rule.as_str(),
            &self.message,
        )
    }
}

/// Sorts findings by [`Finding::sort_key`], keeping the order of findings whose keys are equal (as
/// a stable `sort_by` on that key would), but compares each finding's file by its rank among the
/// distinct files instead of comparing paths component by component for every pair: on a large
/// run those path comparisons were most of the time the sort took.
pub fn sort(findings: &mut [Finding]) {
    use rustc_hash::FxHashMap;
    if findings.len() < 2 {
        return;
    }
    // Each distinct path (by its bytes) once, with a key that orders as `Path` does: its
    // components, each tagged by kind in the order of `std::path::Component`'s variants.
    let mut distinct: FxHashMap<&[u8], u32> = FxHashMap::default();
    // (the path's key, its bytes)
    type PathKey<'p> = Vec<(u8, &'p [u8])>;
    let mut keyed: Vec<(PathKey<'_>, &[u8])> = vec![];
    for f in findings.iter() {
        let bytes = f.file.as_os_str().as_encoded_bytes();
        if distinct.insert(bytes, 0).is_none() {
            let key = f
                .file
                .components()
                .map(|c| match c {
                    std::path::Component::Prefix(p) => (0, p.as_os_str().as_encoded_bytes()),
                    std::path::Component::RootDir => (1, &[][..]),
                    std::path::Component::CurDir => (2, &[][..]),
                    std::path::Component::ParentDir => (3, &[][..]),
                    std::path::Component::Normal(n) => (4, n.as_encoded_bytes()),
                })
                .collect();
            keyed.push((key, bytes));
        }
    }
    keyed.sort_unstable();
    // Paths equal as `Path`s (`a//b` and `a/b`) share a rank.
    let mut rank = 0u32;
    for i in 0..keyed.len() {
        if i > 0 && keyed[i].0 != keyed[i - 1].0 {
            rank += 1;
        }
        distinct.insert(keyed[i].1, rank);
    }
    let ranks: Vec<u32> = findings
        .iter()
        .map(|f| distinct[f.file.as_os_str().as_encoded_bytes()])
        .collect();
    let key = |i: usize| {
        let f = &findings[i];
        (
            ranks[i],
            f.start.line,
            f.start.column,
            f.rule.as_str(),
            f.message.as_str(),
        )
    };
    let mut order: Vec<usize> = (0..findings.len()).collect();
    order.sort_by(|&a, &b| key(a).cmp(&key(b)));
    drop(ranks);
    permute(findings, order);
}

/// Puts `items[order[k]]` at position `k` for every `k`, in place (by swaps along each cycle of the
/// permutation): no second vector of the items, which on a large run is tens of MiB.
fn permute<T>(items: &mut [T], mut order: Vec<usize>) {
    for start in 0..items.len() {
        let mut k = start;
        // Along the cycle through `start`: position `k` takes its item from `order[k]`, which
        // then holds the item `start` had; done positions are marked `order[k] == k`.
        while order[k] != k {
            let from = order[k];
            order[k] = k;
            if from == start {
                break;
            }
            items.swap(k, from);
            k = from;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::span::{Position, Span};

    /// Every permutation of up to six items, and a long pseudo-random one, applied in place as a
    /// gather would apply it.
    #[test]
    fn permute_in_place_gathers_by_the_order() {
        fn all(n: usize) -> Vec<Vec<usize>> {
            if n == 0 {
                return vec![vec![]];
            }
            let mut out = vec![];
            for rest in all(n - 1) {
                for at in 0..n {
                    let mut p = rest.clone();
                    p.insert(at, n - 1);
                    out.push(p);
                }
            }
            out
        }
        let mut orders: Vec<Vec<usize>> = (0..=6).flat_map(all).collect();
        let mut long: Vec<usize> = (0..1000).collect();
        let mut seed = 7u64;
        for i in (1..long.len()).rev() {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            long.swap(i, usize::try_from(seed >> 33).unwrap() % (i + 1));
        }
        orders.push(long);
        for order in orders {
            let items: Vec<String> = (0..order.len()).map(|i| format!("item {i}")).collect();
            let gathered: Vec<String> = order.iter().map(|&i| items[i].clone()).collect();
            let mut permuted = items.clone();
            permute(&mut permuted, order.clone());
            assert_eq!(permuted, gathered, "{order:?}");
        }
    }

    fn finding(file: &str, line: usize, rule: &'static str, message: &str) -> Finding {
        let at = Position { line, column: 1 };
        Finding {
            rule: RuleId::new(rule),
            severity: Severity::Warning,
            category: Category::Locking,
            file: PathBuf::from(file),
            worktree_path: None,
            span: Span::new(0, 0),
            start: at,
            end: at,
            migration: None,
            message: message.into(),
            help: None,
            fix: None,
            lock: None,
            notes: vec![],
            object: None,
            fingerprint: None,
        }
    }

    #[test]
    fn sort_matches_a_stable_sort_on_the_key() {
        // Paths whose component order differs from their byte order (`a/b` < `a-b` by components,
        // `a-b` < `a/b` by bytes), a repeated file in separate runs, and equal keys whose original
        // order must be kept (told apart by their help text).
        let files = [
            "a-b/x.sql",
            "a/b/y.sql",
            "a/c.sql",
            "a//c.sql",
            "b.sql",
            "a-b/x.sql",
        ];
        let mut findings = vec![];
        for (n, file) in files.iter().enumerate() {
            for line in [3, 1, 2] {
                let mut f = finding(file, line, if line == 2 { "r2" } else { "r1" }, "m");
                f.help = Some(format!("{n}"));
                findings.push(f);
            }
        }
        findings.push(finding("a/c.sql", 1, "r0", "z"));
        let mut expected = findings.clone();
        expected.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        sort(&mut findings);
        let show = |fs: &[Finding]| -> Vec<String> {
            fs.iter()
                .map(|f| {
                    format!(
                        "{} {} {} {} {:?}",
                        f.file.display(),
                        f.start.line,
                        f.rule,
                        f.message,
                        f.help
                    )
                })
                .collect()
        };
        assert_eq!(show(&findings), show(&expected));
    }
}
