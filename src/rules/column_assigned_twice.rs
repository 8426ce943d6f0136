//! `column-assigned-twice`: an `UPDATE` that sets the same column twice, which PostgreSQL rejects.

use super::*;

declare_rule! {
    ColumnAssignedTwice {
        id: "column-assigned-twice",
        category: Correctness,
        severity: Error,
        fix: None,
    }
}

impl Rule for ColumnAssignedTwice {
    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Diagnostic>) {
        let Statement::Update {
            table,
            assigned_twice,
            ..
        } = cx.stmt
        else {
            return;
        };
        for column in assigned_twice {
            let c = crate::syntax::quote_ident(column);
            out.push(
                Diagnostic::new(
                    META.id,
                    cx.span,
                    format!(
                        "this `UPDATE` of `{table}` sets `{c}` more than once: PostgreSQL rejects it with `multiple assignments to same column \"{column}\"`, so the migration fails"
                    ),
                )
                .help(format!("keep one assignment to `{c}`: combine the values into one expression")),
            );
        }
    }
}
