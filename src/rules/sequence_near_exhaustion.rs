//! `sequence-near-exhaustion`: a sequence past half of its type's range (live databases).

use super::*;

declare_rule! {
    SequenceNearExhaustion {
        id: "sequence-near-exhaustion",
        category: Schema,
        severity: Warning,
        fix: Guidance,
        doc_examples: false,
    }
}

impl Rule for SequenceNearExhaustion {
    fn check_schema(&self, cx: &SchemaContext<'_>, out: &mut Vec<Diagnostic>) {
        // Identity columns: their sequence is part of the column.
        // A partition's columns are its parent's: report the parent's.
        for table in cx.catalog.logical_tables() {
            for column in table.columns.iter().filter(|c| c.identity.is_some()) {
                let (Some(last), Some(max)) = (column.last_value, limit_of(&column.type_name.name))
                else {
                    continue;
                };
                report(
                    out,
                    table.name.clone(),
                    Some(Member::Column(column.name.clone())),
                    &column_ref(&table.name, &column.name),
                    last,
                    max,
                );
            }
        }
        for seq in cx.catalog.sequences.values() {
            let Some(last) = seq.last_value else { continue };
            // The column's type limits the values too: a bigint sequence feeding an integer column.
            let column_type = seq
                .owned_by
                .as_ref()
                .and_then(|(t, c)| cx.catalog.table(t).and_then(|t| t.column(c)))
                .map(|c| c.type_name.name.clone());
            let limits = [
                limit_of(&seq.type_name.name),
                column_type.as_deref().and_then(limit_of),
            ];
            let Some(max) = limits.into_iter().flatten().min() else {
                continue;
            };
            let (table, member) = match &seq.owned_by {
                Some((t, c)) => (t.clone(), Some(Member::Column(c.clone()))),
                None => (seq.name.clone(), None),
            };
            report(
                out,
                table,
                member,
                &format!("sequence `{}`", seq.name),
                last,
                max,
            );
        }
    }
}

fn limit_of(name: &str) -> Option<i64> {
    match name {
        "int2" => Some(i16::MAX as i64),
        "int4" => Some(i32::MAX as i64),
        "int8" => Some(i64::MAX),
        _ => None,
    }
}

fn report(
    out: &mut Vec<Diagnostic>,
    table: QualName,
    member: Option<Member>,
    what: &str,
    last: i64,
    max: i64,
) {
    let used = last as f64 / max as f64;
    if used < 0.5 {
        return;
    }
    out.push(
        Diagnostic::about(
            META.id,
            table,
            member,
            format!(
                "{what} is at {last} of {max} ({:.0}% used): when it runs out, every insert that needs a new value fails",
                used * 100.0
            ),
        )
        .help("widen the column and the sequence to bigint before it runs out (an expand/contract migration for a busy table: new bigint column, backfill, swap)"),
    );
}
