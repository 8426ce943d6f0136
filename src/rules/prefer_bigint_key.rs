//! `prefer-bigint-key`: a new integer or smallint primary key, which can run out of values.

use super::*;
use crate::syntax::{quote_ident, ConstraintKind};

declare_rule! {
    PreferBigintKey {
        id: "prefer-bigint-key",
        category: Schema,
        severity: Warning,
        fix: Recipe(ChangesSchema),
    }
}

impl Rule for PreferBigintKey {
    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Diagnostic>) {
        let Statement::CreateTable(t) = cx.stmt else {
            return;
        };
        let pk: Vec<String> = t
            .constraints
            .iter()
            .chain(t.columns.iter().flat_map(|c| c.constraints.iter()))
            .find_map(|c| match &c.kind {
                ConstraintKind::PrimaryKey { columns } => Some(columns.clone()),
                _ => None,
            })
            .unwrap_or_default();
        if pk.len() != 1 {
            // Composite keys are usually made of foreign keys; their types follow the referenced keys.
            return;
        }
        let Some(column) = t.columns.iter().find(|c| c.name == pk[0]) else {
            return;
        };
        // A key that is also a foreign key (a one-to-one extension of another table) takes its
        // values, and its range, from the key it references.
        let references = column
            .constraints
            .iter()
            .any(|c| matches!(c.kind, ConstraintKind::ForeignKey { .. }))
            || t.constraints.iter().any(|c| {
                matches!(&c.kind, ConstraintKind::ForeignKey { columns, .. } if *columns == pk)
            });
        if references {
            return;
        }
        let ty = &column.type_name;
        let (small, max) = match ty.name.as_str() {
            "int4" | "serial" | "serial4" => ("integer", "2,147,483,647"),
            "int2" | "smallserial" | "serial2" => ("smallint", "32,767"),
            _ => return,
        };
        let big = if ty.is_serial() {
            "bigserial"
        } else {
            "bigint"
        };
        out.push(
            Diagnostic::new(
                META.id,
                cx.span,
                format!(
                    "primary key `{}` of `{}` is `{}` ({small}): it runs out after {max} values, and widening it later rewrites the table and every table whose foreign keys reference it",
                    quote_ident(&column.name),
                    t.name,
                    ty
                ),
            )
            .help(format!("declare the key `{big}` (or `bigint GENERATED ALWAYS AS IDENTITY`): 4 more bytes per row, no migration under pressure later"))
            .note("lookup tables with a fixed, small set of rows are fine with `smallint`/`integer`: suppress the finding with a reason"),
        );
    }
}
