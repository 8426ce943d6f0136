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
        ProveFormat::Markdown => super::prove_markdown::write(proof, out),
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

/// What a reader must see first, worst first: migrations that failed or did not run, down parts
/// that do not reverse, hazards observed that no rule predicted, lock claims confirmed at error
/// level, fix proofs that failed, queries the new schema breaks, suggested indexes not used. Each
/// names its place; the evidence follows in the report.
pub fn verdicts(proof: &Proof) -> Vec<String> {
    let mut out = vec![];
    let place = |m: &crate::prove::MigrationProof| {
        m.file
            .as_ref()
            .map_or_else(|| m.id.clone(), |f| f.display().to_string())
    };
    let migrations = || proof.sets.iter().flat_map(|set| &set.migrations);
    for m in migrations() {
        if let Some(e) = &m.error {
            out.push(format!("FAILED to apply: {}: {e}", place(m)));
        }
    }
    let not_run: Vec<String> = migrations()
        .filter(|m| m.not_run.is_some())
        .map(place)
        .collect();
    if !not_run.is_empty() {
        out.push(format!(
            "NOT RUN ({} after a failure): {}",
            not_run.len(),
            not_run.join(", ")
        ));
    }
    for m in migrations() {
        let Some(r) = &m.reversibility else { continue };
        if let Some(e) = &r.error {
            out.push(format!("down part FAILED: {}: {e}", place(m)));
        } else if !r.down_differences.is_empty()
            || !r.redo_differences.is_empty()
            || !r.data_differences.is_empty()
        {
            out.push(format!("NOT REVERSIBLE: {}", place(m)));
        }
    }
    for st in migrations().flat_map(|m| &m.statements) {
        for v in &st.verdicts {
            if v.verdict == LockVerdict::Confirmed && v.severity == crate::finding::Severity::Error
            {
                out.push(format!(
                    "error-level hazard CONFIRMED: {}:{}: {} takes {}",
                    st.file.display(),
                    st.line,
                    v.rule,
                    v.claimed_lock.sql()
                ));
            }
        }
        if let Some(u) = &st.unpredicted {
            out.push(format!(
                "observed, no rule predicted it: {}:{}: {u}",
                st.file.display(),
                st.line
            ));
        }
    }
    for f in proof.sets.iter().flat_map(|s| &s.fixes) {
        if f.failed() {
            out.push(format!(
                "fix NOT PROVEN: {}:{} {}: {}",
                f.file.display(),
                f.line,
                f.rule,
                f.verdict
            ));
        }
    }
    for q in &proof.queries {
        let at = format!("{}:{}", q.file.display(), q.line);
        if let Some(e) = &q.error {
            out.push(format!("query FAILS on the migrated schema: {at}: {e}"));
        }
        for i in &q.indexes {
            if matches!(
                i.verdict,
                IndexVerdict::NotUsed | IndexVerdict::NoGain | IndexVerdict::FixFails
            ) {
                out.push(format!("suggested index {}: {at}: {}", i.verdict, i.rule));
            }
        }
    }
    out
}

/// The lock hazards the server confirmed, one line per statement: the locks it took on existing
/// tables, the rules whose claims held (an error-level claim fails the proof), and whether a fix
/// for it was proven.
pub fn hazards(proof: &Proof) -> Vec<String> {
    let mut out = vec![];
    for set in &proof.sets {
        for st in set.migrations.iter().flat_map(|m| &m.statements) {
            let confirmed: Vec<String> = st
                .verdicts
                .iter()
                .filter(|v| v.verdict == LockVerdict::Confirmed)
                .map(|v| {
                    if v.severity == crate::finding::Severity::Error {
                        format!("{} (error)", v.rule)
                    } else {
                        v.rule.to_string()
                    }
                })
                .collect();
            if confirmed.is_empty() {
                continue;
            }
            let fixed: Vec<&str> = set
                .fixes
                .iter()
                .filter(|f| f.file == st.file && f.line == st.line && f.proven())
                .map(|f| f.rule.as_str())
                .collect();
            let fix = if fixed.is_empty() {
                String::new()
            } else {
                format!("; fix proven ({})", fixed.join(", "))
            };
            out.push(format!(
                "hazard confirmed: {}:{}: {} ({}){fix}",
                st.file.display(),
                st.line,
                held_locks(st).join(", "),
                confirmed.join(", ")
            ));
        }
    }
    out
}

fn write_human(proof: &Proof, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(
        out,
        "pgproof prove on PostgreSQL {} ({})",
        proof.server_version, proof.backend
    )?;
    writeln!(out, "starting from {}", base_schema(proof))?;
    let verdicts = verdicts(proof);
    let hazards = hazards(proof);
    match (proof.failed() || !verdicts.is_empty(), hazards.is_empty()) {
        (false, true) => writeln!(
            out,
            "\nverdict: every proof holds, no lock hazard confirmed (the evidence, by migration, follows)"
        )?,
        (false, false) => writeln!(
            out,
            "\nverdict: no proof failed; lock hazards confirmed on the server (the evidence, by migration, follows):"
        )?,
        (true, _) => writeln!(out, "\nverdicts (the evidence, by migration, follows):")?,
    }
    for v in verdicts.iter().chain(&hazards) {
        writeln!(out, "  {v}")?;
    }
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
            let fixes: Vec<_> = set
                .fixes
                .iter()
                .filter(|f| m.file.as_ref() == Some(&f.file))
                .collect();
            if !fixes.is_empty() {
                writeln!(out, "  fix proofs (each recipe run instead of its statement, on a copy of the database as it was just before it):")?;
                for f in fixes {
                    write_fix_human(f, "    ", out)?;
                }
            }
        }
    }
    for set in &proof.sets {
        // Fix proofs are shown under their migration; any other (none expected) and the notes
        // about all of them come here.
        let placed: Vec<&std::path::PathBuf> = set
            .migrations
            .iter()
            .filter_map(|m| m.file.as_ref())
            .collect();
        if set.fixes.iter().all(|f| placed.contains(&&f.file))
            && set.fixes_note.is_none()
            && set.fixes_left_empty.is_empty()
        {
            continue;
        }
        writeln!(out, "\nfix proofs of `{}`", set.root.display())?;
        let placed: Vec<std::path::PathBuf> = placed.into_iter().cloned().collect();
        for f in set.fixes.iter().filter(|f| !placed.contains(&f.file)) {
            write_fix_human(f, "  ", out)?;
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

/// One fix proof, human: its verdict, then what was observed and compared, indented by `indent`.
fn write_fix_human(
    f: &crate::prove::fixes::FixProof,
    indent: &str,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    writeln!(
        out,
        "{indent}{}:{} {}: {}",
        f.file.display(),
        f.line,
        f.rule,
        f.verdict.as_str().to_uppercase()
    )?;
    if let Some(o) = &f.original {
        writeln!(out, "{indent}  original: {}", describe(o))?;
    }
    for s in &f.steps {
        writeln!(out, "{indent}  recipe:   {}", describe(s))?;
    }
    for d in &f.differences {
        let (original, recipe) = d.sides();
        writeln!(
            out,
            "{indent}  differs: {}: original {original}, recipe {recipe}",
            d.path
        )?;
    }
    for (d, why) in &f.intended {
        writeln!(out, "{indent}  differs as intended: {} ({why})", d.path)?;
    }
    for d in &f.data_differences {
        writeln!(out, "{indent}  data differs: {}: {}", data_place(d), d.what)?;
    }
    for d in &f.data_volatile {
        writeln!(
                    out,
                    "{indent}  data differs as two runs of the original do (a volatile value; rows and NULLs compared): {}",
                    data_place(d)
                )?;
    }
    // A proof that another stands for says so in its note, and nothing of its own data.
    if f.proven() && f.same_as.is_none() {
        if f.data_rows > 0 {
            let but = if f.data_volatile.is_empty() {
                ""
            } else {
                " (volatile values by count)"
            };
            writeln!(
                        out,
                        "{indent}  data compared: the same rows and values{but} in {} row(s) of the tables the original locked",
                        f.data_rows
                    )?;
        } else {
            writeln!(
                out,
                "{indent}  data not compared: the tables the original locked had no rows"
            )?;
        }
    }
    if f.lints_clean == Some(false) {
        writeln!(out, "{indent}  the recipe still triggers {}", f.rule)?;
    }
    if let Some(n) = &f.note {
        writeln!(out, "{indent}  note: {n}")?;
    }
    Ok(())
}

/// One observed statement of a fix proof: its lock on existing tables and the work it did.
pub(super) fn describe(o: &crate::prove::fixes::Observation) -> String {
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

/// The Markdown headline: whether a proof failed, and the lock hazards the server confirmed (a
/// rule's claimed lock, taken for real): a run that confirms hazards is not all clear.
pub(super) fn headline(proof: &Proof, s: &Summary) -> String {
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
pub(super) fn base_schema(proof: &Proof) -> String {
    proof
        .base_schema
        .clone()
        .unwrap_or_else(|| "an empty database".to_string())
}

/// The locks a statement took on relations that existed before it ("SHARE on public.orders").
pub(super) fn held_locks(st: &crate::prove::StatementProof) -> Vec<String> {
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
