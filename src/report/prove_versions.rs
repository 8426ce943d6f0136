//! `pgproof prove --pg-version 13,15,17`: one proof per PostgreSQL major, and where they differ
//! (a statement that takes another lock, rewrites on one version only, or fails on one; a
//! migration that applies on one and not another; a down part or a fix proof with another
//! verdict). The differences come first in every format; each version's own report follows.

use super::prove::{held_locks, summary, ProveFormat};
use crate::prove::Proof;
use serde_json::json;
use std::collections::BTreeMap;
use std::io::{self, Write};

/// The proofs, one per major (in the order asked), in `format`.
pub fn write(format: ProveFormat, proofs: &[(u32, Proof)], out: &mut dyn Write) -> io::Result<()> {
    let differences = differences(proofs);
    match format {
        ProveFormat::Json => {
            let doc = json!({
                "version": 1,
                "pg_versions": proofs.iter().map(|(v, _)| v).collect::<Vec<_>>(),
                "differences": differences,
                "proofs": proofs.iter().map(|(v, p)| json!({
                    "pg_version": v,
                    "proof": p,
                    "summary": summary(p),
                })).collect::<Vec<_>>(),
            });
            serde_json::to_writer_pretty(&mut *out, &doc)?;
            writeln!(out)
        }
        ProveFormat::Sarif => {
            // One log: the first version's, with every other version's run appended.
            let mut docs = proofs.iter().map(|(_, p)| super::prove_sarif::sarif(p));
            let mut doc = docs.next().unwrap_or_default();
            for mut other in docs {
                if let (Some(runs), serde_json::Value::Array(more)) =
                    (doc["runs"].as_array_mut(), other["runs"].take())
                {
                    runs.extend(more);
                }
            }
            serde_json::to_writer_pretty(&mut *out, &doc)?;
            writeln!(out)
        }
        ProveFormat::Human => {
            let versions: Vec<String> = proofs.iter().map(|(v, _)| v.to_string()).collect();
            writeln!(out, "pgproof prove on PostgreSQL {}", versions.join(", "))?;
            if differences.is_empty() {
                writeln!(out, "the versions agree: every statement took the same locks and had the same outcome on each")?;
            } else {
                writeln!(out, "where the versions differ:")?;
                for d in &differences {
                    writeln!(out, "  {d}")?;
                }
            }
            for (v, proof) in proofs {
                writeln!(out, "\n== PostgreSQL {v} ==")?;
                super::prove::write(ProveFormat::Human, proof, out)?;
            }
            Ok(())
        }
        ProveFormat::Markdown => {
            let versions: Vec<String> = proofs.iter().map(|(v, _)| v.to_string()).collect();
            let failed = proofs.iter().any(|(_, p)| p.failed());
            writeln!(
                out,
                "## pgproof prove on PostgreSQL {}: {}\n",
                versions.join(", "),
                match (failed, differences.is_empty()) {
                    (true, _) => "❌ some proofs failed",
                    (false, false) => "⚠️ the versions behave differently",
                    (false, true) => "✅ the versions agree",
                }
            )?;
            if !differences.is_empty() {
                writeln!(out, "### Where the versions differ\n")?;
                for d in &differences {
                    writeln!(out, "- {}", super::md_cell(d))?;
                }
                writeln!(out)?;
            }
            for (v, proof) in proofs {
                writeln!(
                    out,
                    "<details><summary>PostgreSQL {v}{}</summary>\n",
                    if proof.failed() { ": failed" } else { "" }
                )?;
                super::prove::write(ProveFormat::Markdown, proof, out)?;
                writeln!(out, "\n</details>\n")?;
            }
            Ok(())
        }
    }
}

/// What happened to each statement, migration and fix proof on one version, by place.
fn outcomes(proof: &Proof) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for set in &proof.sets {
        for m in &set.migrations {
            let place = m
                .file
                .as_ref()
                .map_or_else(|| m.id.clone(), |f| f.display().to_string());
            let applied = match (&m.error, &m.not_run) {
                (Some(e), _) => format!("fails to apply: {e}"),
                (None, Some(why)) => format!("is not run ({why})"),
                (None, None) => "applies".to_string(),
            };
            out.insert(format!("migration {place}"), applied);
            if let Some(r) = &m.reversibility {
                let verdict = if r.error.is_some() {
                    "its down part fails"
                } else if r.down_differences.is_empty()
                    && r.redo_differences.is_empty()
                    && r.data_differences.is_empty()
                {
                    "its down part reverses it"
                } else {
                    "its down part does not reverse it"
                };
                out.insert(format!("down part of {place}"), verdict.to_string());
            }
            for st in &m.statements {
                let what = match &st.error {
                    Some(e) => format!("fails: {e}"),
                    None => {
                        let locks = held_locks(st);
                        let mut what = if locks.is_empty() {
                            "takes no lock on existing tables".to_string()
                        } else {
                            format!("takes {}", locks.join(", "))
                        };
                        if !st.rewritten.is_empty() {
                            what.push_str(&format!(" and rewrites {}", st.rewritten.join(", ")));
                        }
                        what
                    }
                };
                out.insert(
                    format!("{}:{} `{}`", st.file.display(), st.line, st.sql),
                    what,
                );
            }
        }
        for f in &set.fixes {
            out.insert(
                format!("fix proof {}:{} {}", f.file.display(), f.line, f.rule),
                format!("is {}", f.verdict),
            );
        }
    }
    out
}

/// The places whose outcome is not the same on every version, each with what every version did.
pub fn differences(proofs: &[(u32, Proof)]) -> Vec<String> {
    let all: Vec<(u32, BTreeMap<String, String>)> =
        proofs.iter().map(|(v, p)| (*v, outcomes(p))).collect();
    let mut places: Vec<&String> = all.iter().flat_map(|(_, o)| o.keys()).collect();
    places.sort();
    places.dedup();
    let mut out = vec![];
    for place in places {
        let seen: Vec<(u32, Option<&String>)> =
            all.iter().map(|(v, o)| (*v, o.get(place))).collect();
        if seen.windows(2).all(|w| w[0].1 == w[1].1) {
            continue;
        }
        let each: Vec<String> = seen
            .iter()
            .map(|(v, what)| {
                format!(
                    "PostgreSQL {v} {}",
                    what.map_or("never reaches it", String::as_str)
                )
            })
            .collect();
        out.push(format!("{place}: {}", each.join("; ")));
    }
    out
}
