//! `pgproof prove` output: human, JSON, Markdown (for a pull request comment) and SARIF (the
//! proofs that failed, as results at their file and line).

use crate::prove::verdict::{IndexVerdict, LockVerdict};
use crate::prove::Proof;
use serde_json::json;
use std::io::{self, Write};

/// The formats of a proof report. The command line's own enum (`cli::ProveFormat`, with its help
/// text) maps onto this one in `commands/prove.rs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProveFormat {
    Human,
    Json,
    Markdown,
    Sarif,
}

pub fn write(format: ProveFormat, proof: &Proof, out: &mut dyn Write) -> io::Result<()> {
    match format {
        ProveFormat::Json => {
            let doc = json!({"version": 1, "proof": proof, "summary": summary(proof)});
            serde_json::to_writer_pretty(&mut *out, &doc)?;
            writeln!(out)
        }
        ProveFormat::Human => write_human(proof, out),
        ProveFormat::Markdown => write_markdown(proof, out),
        ProveFormat::Sarif => {
            serde_json::to_writer_pretty(&mut *out, &super::prove_sarif::sarif(proof))?;
            writeln!(out)
        }
    }
}

#[derive(serde::Serialize, Default)]
pub struct Summary {
    pub migrations: usize,
    /// Migrations whose up part applied.
    pub applied: usize,
    /// Migrations not run because an earlier one failed.
    pub not_run: usize,
    pub statements: usize,
    pub confirmed: usize,
    pub not_observed: usize,
    pub unpredicted: usize,
    pub reversible: usize,
    pub irreversible: usize,
    pub failed: usize,
    pub fixes_proven: usize,
    pub fixes_failed: usize,
    pub queries: usize,
    pub queries_failing: usize,
    pub indexes_proven: usize,
    pub indexes_not_used: usize,
}

pub fn summary(proof: &Proof) -> Summary {
    let mut s = Summary::default();
    for f in proof.sets.iter().flat_map(|s| &s.fixes) {
        s.fixes_proven += usize::from(f.proven());
        s.fixes_failed += usize::from(f.failed());
    }
    for q in &proof.queries {
        s.queries += 1;
        s.queries_failing += usize::from(q.error.is_some());
        for i in &q.indexes {
            s.indexes_proven += usize::from(i.verdict == IndexVerdict::Proven);
            s.indexes_not_used += usize::from(i.verdict == IndexVerdict::NotUsed);
        }
    }
    for m in proof.sets.iter().flat_map(|s| &s.migrations) {
        s.migrations += 1;
        s.statements += m.statements.len();
        for st in &m.statements {
            for v in &st.verdicts {
                match v.verdict {
                    LockVerdict::Confirmed => s.confirmed += 1,
                    LockVerdict::NotObserved | LockVerdict::Inconclusive => s.not_observed += 1,
                }
            }
            s.unpredicted += usize::from(st.unpredicted.is_some());
        }
        if let Some(r) = &m.reversibility {
            if r.error.is_none()
                && r.down_differences.is_empty()
                && r.redo_differences.is_empty()
                && r.data_differences.is_empty()
            {
                s.reversible += 1;
            } else {
                s.irreversible += 1;
            }
        }
        s.failed += usize::from(m.error.is_some());
        s.not_run += usize::from(m.not_run.is_some());
        s.applied += usize::from(m.error.is_none() && m.not_run.is_none());
    }
    s
}

fn write_human(proof: &Proof, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(
        out,
        "pgproof prove on PostgreSQL {} ({})",
        proof.server_version, proof.backend
    )?;
    writeln!(out, "starting from {}", base_schema(proof))?;
    for set in &proof.sets {
        if let Some(data) = &set.data {
            if !data.filled.is_empty() {
                writeln!(
                    out,
                    "\nsynthetic rows in {} table(s), each filled before the first migration that finds it",
                    data.filled.len()
                )?;
            }
            for skipped in &data.skipped {
                writeln!(out, "  left empty: {skipped}")?;
            }
            if let Some(seed) = &data.seed {
                writeln!(out, "seed SQL {seed}")?;
            }
        }
        for m in &set.migrations {
            let file = m
                .file
                .as_ref()
                .map_or_else(|| m.id.clone(), |f| f.display().to_string());
            if let Some(why) = &m.not_run {
                writeln!(out, "\n{file}\n  NOT RUN: {why}")?;
                continue;
            }
            writeln!(
                out,
                "\n{file} ({})",
                if m.in_transaction {
                    "in a transaction"
                } else {
                    "no transaction"
                }
            )?;
            for st in &m.statements {
                let locks = held_locks(st);
                writeln!(
                    out,
                    "  {:>4}  {}  ({:.1} ms)",
                    st.line, st.sql, st.duration_ms
                )?;
                if !locks.is_empty() {
                    writeln!(
                        out,
                        "        locks on existing relations: {}",
                        locks.join(", ")
                    )?;
                }
                if !st.rewritten.is_empty() {
                    writeln!(out, "        rewrote: {}", st.rewritten.join(", "))?;
                }
                for v in &st.verdicts {
                    writeln!(
                        out,
                        "        {} claims {}: {}",
                        v.rule,
                        v.claimed_lock.sql(),
                        v.verdict
                    )?;
                }
                if let Some(u) = &st.unpredicted {
                    writeln!(out, "        observed, not predicted by any rule: {u}")?;
                }
                if let Some(t) = &st.traffic {
                    let waited = |ms: f64| {
                        if ms > 0.0 {
                            format!("blocked up to {ms:.0} ms")
                        } else {
                            "not blocked".to_string()
                        }
                    };
                    writeln!(
                        out,
                        "        traffic on {}: reads {} ({}), writes {} ({})",
                        t.tables.join(", "),
                        waited(t.reads_blocked_ms),
                        t.reads,
                        waited(t.writes_blocked_ms),
                        t.writes
                    )?;
                    for (kind, error) in [("reads", &t.read_error), ("writes", &t.write_error)] {
                        if let Some(e) = error {
                            writeln!(
                                out,
                                "        traffic {kind} failed ({} failures in all; these are not counted as blocked), first: {e}",
                                t.errors
                            )?;
                        }
                    }
                }
                if let Some(e) = &st.error {
                    writeln!(out, "        FAILED: {e}")?;
                }
            }
            if let Some(r) = &m.reversibility {
                if let Some(e) = &r.error {
                    writeln!(out, "  reversibility: FAILED: {e}")?;
                } else if r.down_differences.is_empty()
                    && r.redo_differences.is_empty()
                    && r.data_differences.is_empty()
                {
                    writeln!(
                        out,
                        "  reversibility: proven (up, down, up leaves the same schema)"
                    )?;
                } else {
                    writeln!(out, "  reversibility: NOT REVERSIBLE")?;
                    for d in &r.data_differences {
                        match d.rows_after {
                            None => writeln!(out, "    data: {} ({} rows) is gone after down", d.table, d.rows_before)?,
                            Some(after) if after != d.rows_before => writeln!(
                                out,
                                "    data: {} had {} rows before up, {after} after down",
                                d.table, d.rows_before
                            )?,
                            Some(_) => writeln!(
                                out,
                                "    data: {} has its {} rows after down, but their contents changed (a column's values were lost)",
                                d.table, d.rows_before
                            )?,
                        }
                    }
                    let steps = [
                        ("after down", "before up", "after down", &r.down_differences),
                        (
                            "up again",
                            "after up",
                            "after up again",
                            &r.redo_differences,
                        ),
                    ];
                    for (step, first, second, differences) in steps {
                        for d in differences {
                            let (before, after) = d.sides();
                            writeln!(
                                out,
                                "    {step}: {}: {first} {before}, {second} {after}",
                                d.path
                            )?;
                        }
                    }
                }
            }
            if let Some(e) = &m.error {
                writeln!(out, "  migration FAILED to apply: {e}")?;
            }
        }
    }
    for set in &proof.sets {
        if set.fixes.is_empty() {
            continue;
        }
        writeln!(out, "\nFix recipes, each run instead of its statement on a copy of the database as it was just before it")?;
        for f in &set.fixes {
            writeln!(
                out,
                "  {}:{} {}: {}",
                f.file.display(),
                f.line,
                f.rule,
                f.verdict.as_str().to_uppercase()
            )?;
            if let Some(o) = &f.original {
                writeln!(out, "    original: {}", describe(o))?;
            }
            for s in &f.steps {
                writeln!(out, "    recipe:   {}", describe(s))?;
            }
            for d in &f.differences {
                let (original, recipe) = d.sides();
                writeln!(
                    out,
                    "    differs: {}: original {original}, recipe {recipe}",
                    d.path
                )?;
            }
            for (d, why) in &f.intended {
                writeln!(out, "    differs as intended: {} ({why})", d.path)?;
            }
            for d in &f.data_differences {
                writeln!(out, "    data differs: {}: {}", data_place(d), d.what)?;
            }
            for d in &f.data_volatile {
                writeln!(
                    out,
                    "    data differs as two runs of the original do (a volatile value; rows and NULLs compared): {}",
                    data_place(d)
                )?;
            }
            if f.proven() {
                if f.data_rows > 0 {
                    let but = if f.data_volatile.is_empty() {
                        ""
                    } else {
                        " (volatile values by count)"
                    };
                    writeln!(
                        out,
                        "    data compared: the same rows and values{but} in {} row(s) of the tables the original locked",
                        f.data_rows
                    )?;
                } else {
                    writeln!(
                        out,
                        "    data not compared: the tables the original locked had no rows"
                    )?;
                }
            }
            if f.lints_clean == Some(false) {
                writeln!(out, "    the recipe still triggers {}", f.rule)?;
            }
            if let Some(n) = &f.note {
                writeln!(out, "    note: {n}")?;
            }
        }
        if let Some(n) = &set.fixes_note {
            writeln!(out, "  note: {n}")?;
        }
        if !set.fixes_left_empty.is_empty() {
            writeln!(
                out,
                "  the fix proofs' synthetic rows could not fill {} table(s), left empty in every proof that has them:",
                set.fixes_left_empty.len()
            )?;
            for skipped in &set.fixes_left_empty {
                writeln!(out, "    left empty: {skipped}")?;
            }
        }
    }
    if let Some(data) = &proof.data {
        writeln!(
            out,
            "\nQueries, on {} table(s) with synthetic rows{}",
            data.rows.len(),
            data.rows
                .values()
                .next()
                .map_or(String::new(), |n| format!(" ({n} per table)"))
        )?;
        for skipped in &data.skipped {
            writeln!(out, "  left empty: {skipped}")?;
        }
    }
    for q in &proof.queries {
        let place = format!("{}:{}", q.file.display(), q.line);
        let mut what = if q.query.starts_with('`') {
            format!("{} ({place})", q.query)
        } else {
            format!("query at {place}")
        };
        if q.old_release {
            what.push_str(", of the running release,");
        }
        match &q.error {
            Some(e) => writeln!(out, "  {what} FAILS on the migrated schema: {e}")?,
            None if q.indexes.is_empty() => {}
            None => writeln!(out, "  {what}")?,
        }
        for i in &q.indexes {
            let costs = match (i.cost_before, i.cost_after) {
                (Some(b), Some(a)) if a > 0.0 => {
                    format!(", estimated cost {b:.2} -> {a:.2} ({:.2}x)", b / a)
                }
                (Some(b), _) => format!(", estimated cost {b:.2} before"),
                _ => String::new(),
            };
            writeln!(out, "    {}: {}{costs}", i.rule, i.verdict)?;
            writeln!(out, "      {}", i.sql.replace('\n', "\n      "))?;
            if !i.plan_before.is_empty() {
                writeln!(out, "      plan before: {}", i.plan_before)?;
                writeln!(out, "      plan after:  {}", i.plan_after)?;
            }
            if let Some(n) = &i.note {
                writeln!(out, "      note: {n}")?;
            }
        }
    }
    let s = summary(proof);
    if !proof.queries.is_empty() {
        writeln!(
            out,
            "\n{} queries: {} prepare, {} fail; {} suggested indexes proven, {} not used",
            s.queries,
            s.queries - s.queries_failing,
            s.queries_failing,
            s.indexes_proven,
            s.indexes_not_used
        )?;
    }
    let not_run: Vec<String> = proof
        .sets
        .iter()
        .flat_map(|set| &set.migrations)
        .filter_map(|m| Some(format!("`{}` ({})", m.id, m.not_run.as_ref()?)))
        .collect();
    if !not_run.is_empty() {
        writeln!(out, "\nnot run: {}", not_run.join(", "))?;
    }
    writeln!(
        out,
        "\n{} migrations: {} applied, {} failed, {} not run; {} statements: {} lock claims confirmed, {} not observed, {} hazards no rule predicted; {} down parts reverse, {} do not",
        s.migrations, s.applied, s.failed, s.not_run, s.statements, s.confirmed, s.not_observed, s.unpredicted, s.reversible, s.irreversible
    )
}

/// One observed statement of a fix proof: its lock on existing tables and the work it did.
fn describe(o: &crate::prove::fixes::Observation) -> String {
    let lock = match (&o.lock, &o.table) {
        (Some(l), Some(t)) => format!("{} on {t}", l.sql()),
        _ => "no lock on existing tables".to_string(),
    };
    let work = match (o.rewrote, o.rows_read) {
        (true, _) => "rewrote it".to_string(),
        (false, Some(0)) => "read no rows".to_string(),
        (false, Some(n)) => format!("read {n} rows"),
        (false, None) => "outside a transaction".to_string(),
    };
    format!("{}  [{lock}; {work}; {:.1} ms]", o.sql, o.duration_ms)
}

/// Markdown: a summary, the statements that took locks on existing tables, reversibility, fix
/// proofs and query proofs.
fn write_markdown(proof: &Proof, out: &mut dyn Write) -> io::Result<()> {
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
                md(&recipe.join("<br>"))
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
                    md(&result.join("<br>"))
                )?;
            }
        }
    }
    Ok(())
}

/// The Markdown headline: whether a proof failed, and the lock hazards the server confirmed (a
/// rule's claimed lock, taken for real): a run that confirms hazards is not all clear.
fn headline(proof: &Proof, s: &Summary) -> String {
    let hazards = match s.confirmed {
        0 => None,
        1 => Some("1 lock hazard confirmed".to_string()),
        n => Some(format!("{n} lock hazards confirmed")),
    };
    match (proof.failed(), hazards) {
        (true, None) => "❌ some proofs failed".to_string(),
        (true, Some(h)) => format!("❌ some proofs failed; {h}"),
        (false, Some(h)) => format!("⚠️ {h}, no proof failed"),
        (false, None) => "✅ all proofs hold".to_string(),
    }
}

/// The schema the proof started from, in words.
fn base_schema(proof: &Proof) -> String {
    proof
        .base_schema
        .clone()
        .unwrap_or_else(|| "an empty database".to_string())
}

/// Escapes a table cell.
fn md(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// The locks a statement took on relations that existed before it ("SHARE on public.orders").
fn held_locks(st: &crate::prove::StatementProof) -> Vec<String> {
    st.locks
        .iter()
        .filter(|l| l.pre_existing)
        .map(|l| format!("{} on {}", l.mode.sql(), l.relation))
        .collect()
}

/// `table` or `table.column`, where fix proof data differs.
pub(super) fn data_place(d: &crate::prove::rows::DataDifference) -> String {
    match &d.column {
        Some(c) => format!("{}.{c}", d.table),
        None => d.table.clone(),
    }
}
