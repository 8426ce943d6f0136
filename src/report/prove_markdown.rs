//! `pgproof prove --format markdown`: what a pull-request comment shows. The headline and the
//! counts, then the verdicts, worst first; the evidence (statements that locked or rewrote
//! existing tables, migrations that failed or did not run, down parts, fix proofs, queries) is
//! folded in a `<details>` block below them.

use super::prove::{
    base_schema, data_place, describe, hazards, headline, held_locks, summary, verdicts,
};
use super::{md_cell as md, md_lines};
use crate::prove::Proof;
use std::io::{self, Write};

pub(super) fn write(proof: &Proof, out: &mut dyn Write) -> io::Result<()> {
    let s = summary(proof);
    let verdict = headline(proof, &s);
    writeln!(out, "## pgproof prove: {verdict}\n")?;
    writeln!(
        out,
        "PostgreSQL {} ({})\n",
        md(&proof.server_version),
        md(&proof.backend)
    )?;
    writeln!(out, "Starting from {}\n", md(&base_schema(proof)))?;
    writeln!(out, "| migrations | applied | failed | not run | statements | lock claims confirmed | not observed | unpredicted hazards | down parts reverse | do not | fixes proven | fixes failed | queries failing |")?;
    writeln!(
        out,
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
    )?;
    writeln!(
        out,
        "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
        s.migrations,
        s.applied,
        s.failed,
        s.not_run,
        s.statements,
        s.confirmed,
        s.not_observed,
        s.unpredicted,
        s.reversible,
        s.irreversible,
        s.fixes_proven,
        s.fixes_failed,
        s.queries_failing
    )?;
    // The verdicts, worst first; the evidence is folded below them.
    for v in verdicts(proof).iter().chain(&hazards(proof)) {
        writeln!(out, "- {}", md(v))?;
    }
    writeln!(
        out,
        "\n<details><summary>Evidence: statements, down migrations, fix proofs, queries</summary>\n"
    )?;
    let hazardous: Vec<_> = proof
        .sets
        .iter()
        .flat_map(|set| &set.migrations)
        .flat_map(|m| &m.statements)
        .filter(|st| {
            st.locks.iter().any(|l| l.pre_existing)
                || !st.rewritten.is_empty()
                || st.error.is_some()
                || st.unpredicted.is_some()
        })
        .collect();
    if !hazardous.is_empty() {
        writeln!(
            out,
            "### Statements that locked or rewrote existing tables\n"
        )?;
        writeln!(
            out,
            "| place | statement | locks | rewrote | ms | verdicts |"
        )?;
        writeln!(out, "| --- | --- | --- | --- | --- | --- |")?;
        for st in hazardous {
            let locks = held_locks(st);
            let mut verdicts: Vec<String> = st
                .verdicts
                .iter()
                .map(|v| format!("{}: {}", v.rule, v.verdict))
                .collect();
            if let Some(u) = &st.unpredicted {
                verdicts.push(format!("not predicted: {u}"));
            }
            if let Some(e) = &st.error {
                verdicts.push(format!("FAILED: {e}"));
            }
            writeln!(
                out,
                "| {}:{} | `{}` | {} | {} | {:.1} | {} |",
                md(&st.file.display().to_string()),
                st.line,
                st.sql.replace('`', "'").replace('|', "\\|"),
                md(&locks.join(", ")),
                md(&st.rewritten.join(", ")),
                st.duration_ms,
                md(&verdicts.join("; "))
            )?;
        }
        writeln!(out)?;
    }
    let stopped: Vec<_> = proof
        .sets
        .iter()
        .flat_map(|set| &set.migrations)
        .filter(|m| m.error.is_some() || m.not_run.is_some())
        .collect();
    if !stopped.is_empty() {
        writeln!(out, "### Migrations that failed or did not run\n")?;
        writeln!(out, "| migration | result |")?;
        writeln!(out, "| --- | --- |")?;
        for m in stopped {
            let result = match (&m.error, &m.not_run) {
                (Some(e), _) => format!("❌ failed: {e}"),
                (None, Some(why)) => format!("⏭️ not run: {why}"),
                (None, None) => String::new(),
            };
            writeln!(out, "| {} | {} |", md(&m.id), md(&result))?;
        }
        writeln!(out)?;
    }
    let reversibility: Vec<_> = proof
        .sets
        .iter()
        .flat_map(|set| &set.migrations)
        .filter_map(|m| m.reversibility.as_ref().map(|r| (m, r)))
        .collect();
    if !reversibility.is_empty() {
        writeln!(out, "### Down migrations (up, down, up again)\n")?;
        writeln!(out, "| migration | result |")?;
        writeln!(out, "| --- | --- |")?;
        for (m, r) in reversibility {
            let mut problems: Vec<String> = r
                .down_differences
                .iter()
                .chain(&r.redo_differences)
                .map(|d| {
                    let (before, after) = d.sides();
                    format!("{}: {before} → {after}", d.path)
                })
                .collect();
            problems.extend(r.data_differences.iter().map(|d| match d.rows_after {
                None => format!("data: {} ({} rows) gone", d.table, d.rows_before),
                Some(a) if a != d.rows_before => {
                    format!("data: {} rows {} → {a}", d.table, d.rows_before)
                }
                Some(_) => format!("data: {} contents changed", d.table),
            }));
            problems.extend(r.error.clone());
            let result = if problems.is_empty() {
                "✅ reverses".to_string()
            } else {
                format!("❌ {}", problems.join("; "))
            };
            writeln!(out, "| {} | {} |", md(&m.id), md(&result))?;
        }
        writeln!(out)?;
    }
    let fixes: Vec<_> = proof.sets.iter().flat_map(|s| &s.fixes).collect();
    if !fixes.is_empty() {
        writeln!(
            out,
            "### Fix recipes, run instead of their statement on a copy of the database\n"
        )?;
        writeln!(out, "| place | rule | verdict | original | recipe |")?;
        writeln!(out, "| --- | --- | --- | --- | --- |")?;
        for f in fixes {
            let original = f.original.as_ref().map(describe).unwrap_or_default();
            let recipe: Vec<String> = f.steps.iter().map(describe).collect();
            let mut verdict = f.verdict.to_string();
            if let Some(n) = &f.note {
                verdict.push_str(&format!(" ({n})"));
            }
            for d in &f.differences {
                verdict.push_str(&format!("; differs: {}", d.path));
            }
            for d in &f.data_differences {
                verdict.push_str(&format!("; data differs: {}: {}", data_place(d), d.what));
            }
            writeln!(
                out,
                "| {}:{} | {} | {} | {} | {} |",
                md(&f.file.display().to_string()),
                f.line,
                f.rule,
                md(&verdict),
                md(&original),
                md_lines(&recipe)
            )?;
        }
        writeln!(out)?;
        let left_empty: Vec<&String> = proof
            .sets
            .iter()
            .flat_map(|set| &set.fixes_left_empty)
            .collect();
        if !left_empty.is_empty() {
            writeln!(
                out,
                "<details><summary>{} table(s) the fix proofs' synthetic rows could not fill</summary>\n",
                left_empty.len()
            )?;
            for skipped in left_empty {
                writeln!(out, "- {}", md(skipped))?;
            }
            writeln!(out, "\n</details>\n")?;
        }
    }
    if !proof.queries.is_empty() {
        let interesting: Vec<_> = proof
            .queries
            .iter()
            .filter(|q| q.error.is_some() || !q.indexes.is_empty())
            .collect();
        writeln!(
            out,
            "### Queries ({} prepared on the migrated schema)\n",
            proof.queries.len()
        )?;
        if !interesting.is_empty() {
            writeln!(out, "| query | result |")?;
            writeln!(out, "| --- | --- |")?;
            for q in interesting {
                let mut result = vec![];
                if let Some(e) = &q.error {
                    result.push(format!("❌ fails: {e}"));
                }
                for i in &q.indexes {
                    let cost = match (i.cost_before, i.cost_after) {
                        (Some(b), Some(a)) if a > 0.0 => format!(", cost {b:.2} → {a:.2}"),
                        _ => String::new(),
                    };
                    result.push(format!(
                        "{}: {}{cost}: `{}`",
                        i.rule,
                        i.verdict,
                        i.sql.lines().last().unwrap_or("")
                    ));
                }
                let old = if q.old_release {
                    " (running release)"
                } else {
                    ""
                };
                writeln!(
                    out,
                    "| {} {}:{}{old} | {} |",
                    md(&q.query),
                    md(&q.file.display().to_string()),
                    q.line,
                    md_lines(&result)
                )?;
            }
        }
    }
    writeln!(out, "</details>")?;
    Ok(())
}
