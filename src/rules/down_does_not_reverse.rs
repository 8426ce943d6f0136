//! `down-does-not-reverse`: replaying up then down does not give back the schema from before up.

use super::*;
use crate::catalog::{apply::apply, diff::diff};

pub struct DownDoesNotReverse;

static META: RuleMeta = RuleMeta {
    id: "down-does-not-reverse",
    category: Category::Correctness,
    severity: Severity::Warning,
    fix: FixKind::None,
    doc: include_str!("../../lints/down-does-not-reverse.md"),
    doc_examples: true,
};

/// How many differences a finding lists before summarising the rest.
const SHOWN: usize = 6;

impl Rule for DownDoesNotReverse {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_migration(&self, cx: &MigrationContext<'_>, out: &mut Vec<MigrationDiagnostic>) {
        let Some(before) = cx.before else {
            return;
        };
        if cx.down_has_errors || cx.down.iter().any(|s| matches!(s.kind, StmtKind::Do)) {
            // A down part pgproof cannot fully replay proves nothing either way.
            return;
        }
        let mut reverted = cx.after.clone();
        for stmt in cx.down {
            apply(&mut reverted, &stmt.kind);
        }
        // An index rebuilt `CONCURRENTLY` by the down part is as good as the original.
        let differences: Vec<_> = diff(before, &reverted)
            .into_iter()
            .filter(|d| {
                !(d.path.ends_with("/ validity")
                    && matches!(
                        (d.before.as_deref(), d.after.as_deref()),
                        (
                            Some("valid" | "concurrent_build"),
                            Some("valid" | "concurrent_build")
                        )
                    ))
            })
            .collect();
        if differences.is_empty() {
            return;
        }
        let describe = |d: &crate::catalog::diff::Difference| match (&d.before, &d.after) {
            (Some(b), Some(a)) if b == "present" || a == "present" => format!("`{}`", d.path),
            (Some(b), Some(a)) => format!("`{}` was `{b}`, is `{a}`", d.path),
            (Some(_), None) => format!(
                "`{}` is missing (the down part does not restore it)",
                d.path
            ),
            (None, Some(_)) => format!(
                "`{}` is left behind (the down part does not remove it)",
                d.path
            ),
            (None, None) => format!("`{}`", d.path),
        };
        let mut listed: Vec<String> = differences.iter().take(SHOWN).map(describe).collect();
        if differences.len() > SHOWN {
            listed.push(format!("and {} more", differences.len() - SHOWN));
        }
        let span = cx
            .down
            .first()
            .map(|s| Span {
                start: s.span.start,
                end: cx.down.last().map_or(s.span.end, |l| l.span.end),
            })
            .unwrap_or_default();
        out.push(MigrationDiagnostic {
            part: Part::Down,
            diagnostic: Diagnostic::new(
                META.id,
                span,
                format!(
                    "running this down part after the up part does not give back the schema from before the migration: {}",
                    listed.join("; ")
                ),
            )
            .help("make the down part undo exactly what the up part does, in reverse order (pgproof replays up then down on the schema and compares)"),
        });
    }
}
