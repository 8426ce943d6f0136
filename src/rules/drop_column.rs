//! `drop-column`: dropping a column that running app instances may still read or write.

use super::*;
use crate::syntax::{quote_ident, AlterCmd};

declare_rule! {
    DropColumn {
        id: "drop-column",
        category: Compatibility,
        severity: Warning,
        fix: Guidance,
    }
}

impl Rule for DropColumn {
    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Diagnostic>) {
        let Statement::AlterTable(alter) = cx.stmt else {
            return;
        };
        if cx.is_new(&alter.name) || alter.kind != crate::syntax::RelKind::Table {
            return;
        }
        for cmd in &alter.cmds {
            let AlterCmd::DropColumn { name, .. } = cmd else {
                continue;
            };
            if let Some(table) = cx.catalog.table(&alter.name) {
                if table.column(name).is_none() {
                    continue;
                }
            }
            let data = if copied_earlier(cx, &alter.name, name) {
                "its data is gone from this table (an earlier statement of this migration reads the column, which may have copied it elsewhere)"
            } else {
                "its data is gone for good"
            };
            out.push(
                Diagnostic::new(
                    META.id,
                    cx.span,
                    format!("dropping column `{}.{}` breaks app instances still running code that selects, inserts or updates it, and {data}", alter.name, quote_ident(name)),
                )
                .lock(LockMode::AccessExclusive)
                .help(format!("expand/contract: first release code that no longer reads or writes `{name}` (tell the ORM to ignore it), deploy it everywhere, then drop the column in a later release"))
                .note("the drop itself is quick (catalog only), but it waits for an `ACCESS EXCLUSIVE` lock, queueing all traffic behind any long-running query on the table"),
            );
        }
    }
}

/// Whether an earlier statement of the migration that can copy data (a `DO` block, an `UPDATE`,
/// an `INSERT ... SELECT`, a `CREATE TABLE ... AS`) names both `table` and `column`.
fn copied_earlier(cx: &StatementContext<'_>, table: &crate::syntax::QualName, column: &str) -> bool {
    cx.earlier.iter().any(|s| {
        let copies = match &s.kind {
            Statement::Do { .. } | Statement::Update { .. } => true,
            Statement::Insert { has_select, .. } => *has_select,
            Statement::CreateView(v) => v.is_table,
            _ => false,
        };
        let text = cx.part_text.get(s.span.start..s.span.end).unwrap_or_default();
        copies && mentions(text, &table.name) && mentions(text, column)
    })
}

/// Whether `text` holds `word` as a whole identifier, ignoring ASCII case.
fn mentions(text: &str, word: &str) -> bool {
    let (text, word) = (text.to_ascii_lowercase(), word.to_ascii_lowercase());
    let ident = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
    text.match_indices(&word).any(|(i, _)| {
        !ident(text[..i].chars().next_back()) && !ident(text[i + word.len()..].chars().next())
    })
}

#[cfg(test)]
mod tests {
    fn messages(change: &str) -> Vec<String> {
        crate::rules::findings_after(
            "CREATE TABLE schedule (id bigint PRIMARY KEY, job_id bigint);\n\
             CREATE TABLE task (id bigint PRIMARY KEY, schedule_id bigint, job_id bigint);",
            change,
            "drop-column",
        )
        .into_iter()
        .map(|f| f.message)
        .collect()
    }

    /// A column whose values an earlier statement of the migration reads (to copy them, as a
    /// backfill does) is not said to be lost for good; pgproof cannot tell whether all were kept.
    #[test]
    fn a_column_read_earlier_is_not_said_lost_for_good() {
        for copy in [
            "UPDATE task SET job_id = s.job_id FROM schedule s WHERE s.id = task.schedule_id;",
            "DO $$ BEGIN UPDATE task t SET job_id = s.job_id FROM schedule s WHERE s.id = t.schedule_id; END $$;",
        ] {
            let found = messages(&format!("{copy}\nALTER TABLE schedule DROP COLUMN job_id;"));
            assert_eq!(found.len(), 1, "{copy}");
            assert!(found[0].contains("may have copied it elsewhere"), "{}", found[0]);
        }
        let lost = messages("UPDATE task SET schedule_id = 1;\nALTER TABLE schedule DROP COLUMN job_id;");
        assert!(lost[0].contains("gone for good"), "{}", lost[0]);
    }
}
