//! `rename-column`: renaming a column under running app instances.

use super::*;
use crate::graph::Object;
use crate::syntax::{quote_ident, ObjectKind};

declare_rule! {
    RenameColumn {
        id: "rename-column",
        category: Compatibility,
        severity: Warning,
        fix: Guidance,
    }
}

impl Rule for RenameColumn {
    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Diagnostic>) {
        let Statement::Rename(rename) = cx.stmt else {
            return;
        };
        if rename.kind != ObjectKind::Column || cx.is_new(&rename.target) {
            return;
        }
        let Some(old_name) = rename.sub_name.as_deref() else {
            return;
        };
        let old = &quote_ident(old_name);
        if cx.catalog.views.contains_key(&rename.target) {
            return;
        }
        let t = &rename.target;
        let new = &quote_ident(&rename.new_name);
        let mut diag = Diagnostic::new(
            META.id,
            cx.span,
            format!("renaming `{t}.{old}` to `{new}` breaks app instances still running code that uses `{old}`: their queries fail with `column \"{old_name}\" does not exist`"),
        )
        .lock(LockMode::AccessExclusive)
        .help(format!(
            "expand/contract: add `{new}`, write both columns (or a trigger), backfill, move reads to `{new}`, and drop `{old}` in a later release"
        ));
        // Only views are named here: with none that can reach the column, there is no graph to
        // walk, and a rename on a large schema costs a look at its views and sequences.
        let may_reach_a_view = crate::graph::views_may_depend_on_column(cx.catalog, t, old_name);
        if !may_reach_a_view {
            out.push(diag);
            return;
        }
        let column = Object::Column(t.clone(), old_name.to_string());
        let views: Vec<String> = cx
            .graph_around(std::slice::from_ref(&column))
            .dependents_of(&column)
            .into_iter()
            .filter(|o| matches!(o, Object::View(_)))
            .map(|o| o.to_string())
            .collect();
        if !views.is_empty() {
            diag = diag.note(format!("{} follow the rename inside PostgreSQL, but their output column names stay as they were", views.join(", ")));
        }
        out.push(diag);
    }
}
