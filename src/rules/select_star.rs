//! `select-star`: `SELECT *` in an application query: the result changes shape when a migration
//! adds, drops or reorders columns, and it reads columns nobody uses.

use super::*;

pub struct SelectStar;

static META: RuleMeta = RuleMeta {
    id: "select-star",
    category: Category::Compatibility,
    severity: Severity::Info,
    fix: FixKind::Guidance,
    doc: include_str!("../../lints/select-star.md"),
    doc_examples: true,
};

impl Rule for SelectStar {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_queries(&self, cx: &QueriesContext<'_>, out: &mut Vec<QueryDiagnostic>) {
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
                out.push(QueryDiagnostic {
                    file: query.file,
                    diagnostic: Diagnostic::new(
                        META.id,
                        span,
                        format!(
                            "{}: `SELECT *` returns whatever columns the table has today: a migration that adds or drops a column changes the rows the running code receives",
                            query.label(cx.files)
                        ),
                    )
                    .help("list the columns the code reads"),
                });
                break;
            }
        }
    }
}
