//! `rename-table`: renaming a table, view or schema that running app instances query by name.

use super::*;
use crate::syntax::{quote_ident, ObjectKind};

declare_rule! {
    RenameTable {
        id: "rename-table",
        category: Compatibility,
        severity: Warning,
        fix: Guidance,
    }
}

impl Rule for RenameTable {
    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Diagnostic>) {
        if let Statement::AlterSchemaOf {
            kind,
            name,
            new_schema,
            if_exists,
        } = cx.stmt
        {
            return moved(cx, *kind, name, new_schema, *if_exists, out);
        }
        let Statement::Rename(rename) = cx.stmt else {
            return;
        };
        let t = &rename.target;
        let (what, help) = match rename.kind {
            ObjectKind::Table => {
                if !cx.is_existing_table(t) || (rename.if_exists && cx.catalog.table(t).is_none()) {
                    return;
                }
                (
                    "table",
                    format!(
                        "expand/contract: rename the table and create a view with the old name (`CREATE VIEW {t} AS SELECT * FROM {new}`; simple views are updatable) so old code keeps working, then drop the view once no deployed code uses `{old}`",
                        new = quote_ident(&rename.new_name),
                        old = t.name
                    ),
                )
            }
            ObjectKind::View | ObjectKind::MaterializedView => {
                if cx.is_new(t) || !cx.catalog.views.contains_key(t) {
                    return;
                }
                (
                    "view",
                    "create the view under its new name next to the old one, move the code over, and drop the old view in a later release".to_string(),
                )
            }
            ObjectKind::Schema => {
                if !cx.catalog.schemas.contains(&t.name) || cx.earlier.iter().any(|s| matches!(&s.kind, Statement::CreateSchema { name, .. } if name == &t.name)) {
                    return;
                }
                (
                    "schema",
                    "release code that uses the new schema name (or puts both in `search_path`) before renaming, or keep the old name".to_string(),
                )
            }
            _ => return,
        };
        out.push(
            Diagnostic::new(
                META.id,
                cx.span,
                format!(
                    "renaming {what} `{t}` to `{}` breaks app instances still running code that uses the old name: their queries fail with `relation \"{}\" does not exist`",
                    quote_ident(&rename.new_name),
                    t.name
                ),
            )
            .lock(LockMode::AccessExclusive)
            .help(help),
        );
    }
}

/// `ALTER TABLE|VIEW|MATERIALIZED VIEW ... SET SCHEMA`: the relation leaves the name running code
/// knows it by, qualified or found through its `search_path` (which pgproof does not know).
fn moved(
    cx: &StatementContext<'_>,
    kind: ObjectKind,
    name: &crate::syntax::QualName,
    new_schema: &str,
    if_exists: bool,
    out: &mut Vec<Diagnostic>,
) {
    let known_view = cx.catalog.views.contains_key(name);
    let what = match kind {
        // `ALTER TABLE` also moves views and sequences; the catalog tells which.
        ObjectKind::Table if known_view => "view",
        ObjectKind::Table if cx.catalog.sequences.contains_key(name) => return,
        ObjectKind::Table => "table",
        ObjectKind::View | ObjectKind::MaterializedView if known_view => "view",
        _ => return,
    };
    let missing = cx.catalog.table(name).is_none() && !known_view;
    if cx.is_new(name) || (missing && (if_exists || what == "view")) || name.schema == new_schema {
        return;
    }
    let moved_to = crate::syntax::QualName::new(new_schema.to_string(), name.name.clone());
    out.push(
        Diagnostic::new(
            META.id,
            cx.span,
            format!(
                "moving {what} `{name}` to schema `{}` breaks app instances still running code that names it `{name}`, or finds it through a `search_path` without `{}`: their queries fail with `relation ... does not exist`",
                quote_ident(new_schema),
                quote_ident(new_schema),
            ),
        )
        .lock(LockMode::AccessExclusive)
        .help(format!(
            "release code that names `{moved_to}` (or has `{}` in its `search_path`) before moving it; or move it and leave a view under the old name (`CREATE VIEW {name} AS SELECT * FROM {moved_to}`) until no deployed code uses it",
            quote_ident(new_schema)
        )),
    );
}
