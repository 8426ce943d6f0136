//! `select-star`: `SELECT *` in an application query: the result changes shape when a migration
//! adds, drops or reorders columns, and it reads columns nobody uses.

use super::*;

declare_rule! {
    SelectStar {
        id: "select-star",
        category: Compatibility,
        severity: Info,
        fix: Guidance,
    }
}

impl Rule for SelectStar {
    fn check_queries(&self, cx: &QueriesContext<'_>, out: &mut Vec<Diagnostic>) {
        for query in cx.queries {
            if query.shape.kind != crate::queries::shape::QueryKind::Select {
                continue;
            }
            // The blocks whose rows reach the application: the top block and its UNION branches.
            let top = query
                .shape
                .blocks
                .iter()
                .enumerate()
                .filter(|(i, b)| *i == 0 || (b.parent.is_none() && !b.derived && !b.in_exists));
            for (_, block) in top {
                let Some(span) = block.star else { continue };
                out.push(
                    Diagnostic::new(
                        META.id,
                        span,
                        format!(
                            "{}: `SELECT *` returns whatever columns the table has today: a migration that adds or drops a column changes the rows the running code receives",
                            query.label(cx.files)
                        ),
                    )
                    .help("list the columns the code reads")
                    .at(Anchor::File(query.file)),
                );
                break;
            }
        }
    }
}
