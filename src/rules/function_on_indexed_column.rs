//! `function-on-indexed-column`: a condition applies a function to a column that is indexed
//! (`lower(email) = $1`, `date(created_at) = $1`), which hides the column from that index.

use super::*;
use crate::finding::Applicability;
use crate::queries::shape::{Op, Target};
use super::index_advice::{self, index_applies, index_serves};
use crate::syntax::quote_ident;

declare_rule! {
    FunctionOnIndexedColumn {
        id: "function-on-indexed-column",
        category: Performance,
        severity: Warning,
        fix: Recipe(IndexForQuery),
    }
}

/// Functions whose result on a `timestamptz` depends on the session's time zone (not immutable).
const TIME_ZONE_DEPENDENT: &[&str] = &[
    "date",
    "date_trunc",
    "date_part",
    "extract",
    "to_char",
    "timezone",
];

impl Rule for FunctionOnIndexedColumn {
    fn check_queries(&self, cx: &QueriesContext<'_>, out: &mut Vec<Diagnostic>) {
        for query in cx.queries {
            for (b, block) in query.shape.blocks.iter().enumerate() {
                for p in &block.preds {
                    if !matches!(p.op, Op::Eq | Op::In | Op::Range) {
                        continue;
                    }
                    let Target::Expr {
                        text,
                        columns,
                        function: Some(function),
                        ..
                    } = &p.target
                    else {
                        continue;
                    };
                    let [column] = columns.as_slice() else {
                        continue;
                    };
                    let Some((_, table)) = query.own_relation(cx.catalog, b, column) else {
                        continue;
                    };
                    if cx.is_small(table) {
                        continue;
                    }
                    let usable = |target: &Target| {
                        cx.catalog.indexes_on(&table.name).find(|i| {
                            index_applies(i, block.conditions()) && index_serves(i, target, p.op)
                        })
                    };
                    let Some(plain) = usable(&Target::Column(column.clone())) else {
                        continue;
                    };
                    if usable(&p.target).is_some() {
                        continue;
                    }
                    let name = index_advice::free_index_name(
                        cx.catalog,
                        &table.name,
                        &format!("{}_{}_{}_idx", table.name.name, function, column.name),
                    );
                    // Index expressions must be immutable; on `timestamptz` the day, the text
                    // form and the date parts depend on the session's time zone.
                    let zoned = table
                        .column(&column.name)
                        .is_some_and(|c| c.type_name.name == "timestamptz")
                        && TIME_ZONE_DEPENDENT.contains(&function.as_str());
                    let (help, fix, applicability) = if zoned {
                        (
                            format!("`{function}` of a `timestamptz` depends on the time zone, so it cannot be indexed: compare the bare column with a range instead"),
                            format!(
                                "-- instead of {text} = $1:\n{c} >= $1::timestamptz AND {c} < $1::timestamptz + interval '1 day'",
                                c = quote_ident(&column.name)
                            ),
                            Applicability::DisplayOnly,
                        )
                    } else {
                        (
                            "index the expression, or compare the bare column".to_string(),
                            format!(
                                "CREATE INDEX CONCURRENTLY {} ON {} (({text}));",
                                quote_ident(&name),
                                table.name
                            ),
                            Applicability::Safe,
                        )
                    };
                    out.push(
                        Diagnostic::new(
                            META.id,
                            p.span,
                            format!(
                                "{}: `{text}` hides `{}` from its index `{}`: the condition is evaluated on every row{}",
                                query.label(cx.files),
                                column.name,
                                plain.name.name,
                                index_advice::workload(query.stats)
                            ),
                        )
                        .help(help)
                        .fix(fix, applicability)
                        .at(Anchor::File(query.file)),
                    );
                }
            }
        }
    }
}
