//! The baseline file (`pgproof-baseline.json`): the findings a repository has accepted, by their
//! stable fingerprint (`crate::fingerprint`), so that `lint` reports only what is new. This module
//! reads and writes its text and matches findings against it; `commands/` finds, reads and writes
//! the file.
//!
//! The file is sorted (file, rule, fingerprint) and pretty-printed, one field a line, so that a
//! review of it reads as a list of what was accepted. Each entry's `file` and `statement` are for
//! the humans reading it: only `fingerprint` is matched.

use crate::finding::Finding;
use anyhow::{bail, Result};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// The file `lint` reads next to `pgproof.toml` (or in the current directory without one), and
/// `baseline` writes there.
pub const FILE_NAME: &str = "pgproof-baseline.json";

/// The version of the file's layout.
pub const VERSION: u32 = 1;

/// At most this many characters of a statement are kept in an entry, for the reader.
const EXCERPT_CHARS: usize = 100;

/// A baseline file's contents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Baseline {
    pub version: u32,
    /// The fingerprint scheme the entries were made with ([`crate::fingerprint::SCHEME`]).
    pub fingerprint: String,
    pub entries: Vec<Entry>,
}

/// One accepted finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub fingerprint: String,
    pub rule: String,
    /// The object a schema finding is about (`schema.table`, then the member's kind and name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object: Option<String>,
    /// The file the finding was in when it was accepted, relative to the baseline file's
    /// directory, with `/` separators.
    pub file: String,
    /// The start of the statement, whitespace collapsed.
    pub statement: String,
}

impl Baseline {
    /// A baseline of `entries`, sorted and without repeats.
    pub fn new(mut entries: Vec<Entry>) -> Self {
        entries.sort_by(|a, b| {
            (&a.file, &a.rule, &a.fingerprint).cmp(&(&b.file, &b.rule, &b.fingerprint))
        });
        entries.dedup_by(|a, b| a.fingerprint == b.fingerprint);
        Baseline {
            version: VERSION,
            fingerprint: crate::fingerprint::SCHEME.to_string(),
            entries,
        }
    }

    /// Reads a baseline file's text. The error says where the text is wrong (line and column) or
    /// which version or scheme it has; the caller names the file.
    pub fn parse(text: &str) -> Result<Self> {
        let baseline: Baseline = serde_json::from_str(text)?;
        if baseline.version != VERSION {
            bail!(
                "version {} is not one this pgproof reads (version {VERSION}); rewrite it with `pgproof baseline`",
                baseline.version
            );
        }
        if baseline.fingerprint != crate::fingerprint::SCHEME {
            bail!(
                "its fingerprints are `{}`, not `{}`; rewrite it with `pgproof baseline`",
                baseline.fingerprint,
                crate::fingerprint::SCHEME
            );
        }
        Ok(baseline)
    }

    /// The file's text: pretty JSON ending with a newline.
    pub fn render(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).expect("plain strings and numbers");
        text.push('\n');
        text
    }

    /// Splits `findings` into those the baseline does not list (kept, in order) and a count of
    /// those it does; also says which entries matched a finding. Findings without a fingerprint
    /// are kept.
    pub fn apply(&self, findings: Vec<Finding>) -> Applied {
        let index: HashMap<&str, usize> = self
            .entries
            .iter()
            .enumerate()
            .map(|(i, e)| (e.fingerprint.as_str(), i))
            .collect();
        let mut matched = vec![false; self.entries.len()];
        let mut kept = Vec::with_capacity(findings.len());
        let mut baselined = 0;
        for f in findings {
            match f.fingerprint.as_deref().and_then(|fp| index.get(fp)) {
                Some(&i) => {
                    matched[i] = true;
                    baselined += 1;
                }
                None => kept.push(f),
            }
        }
        Applied {
            kept,
            baselined,
            matched,
        }
    }
}

/// What [`Baseline::apply`] gives.
pub struct Applied {
    /// The findings the baseline does not list.
    pub kept: Vec<Finding>,
    /// How many findings it listed.
    pub baselined: usize,
    /// For each entry, whether a finding matched it.
    pub matched: Vec<bool>,
}

/// The entry for `f` (fingerprinted), found in `file` (as the baseline names it), whose text is
/// `text` when known.
pub fn entry(f: &Finding, file: String, text: Option<&str>) -> Entry {
    let statement = text
        .map(|text| {
            let (bounds, _) = crate::fingerprint::statement_bounds(text);
            let s = crate::fingerprint::statement_around(&bounds, text, f.span);
            let sql = &text[s.start..s.end];
            excerpt(&sql[crate::fingerprint::leading_trivia(sql)..])
        })
        .unwrap_or_default();
    Entry {
        fingerprint: f.fingerprint.clone().unwrap_or_default(),
        rule: f.rule.to_string(),
        object: f.object.as_deref().map(|(table, member)| {
            let mut object = format!("{}.{}", table.schema, table.name);
            if let Some(m) = member {
                object.push_str(&format!(" {} {}", m.kind(), m.name()));
            }
            object
        }),
        file,
        statement,
    }
}

/// The first [`EXCERPT_CHARS`] characters of `sql` with its whitespace collapsed.
fn excerpt(sql: &str) -> String {
    let collapsed = sql.split_whitespace().collect::<Vec<_>>().join(" ");
    match collapsed.char_indices().nth(EXCERPT_CHARS) {
        Some((at, _)) => format!("{}...", &collapsed[..at]),
        None => collapsed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(fingerprint: &str, file: &str) -> Entry {
        Entry {
            fingerprint: fingerprint.into(),
            rule: "r".into(),
            object: None,
            file: file.into(),
            statement: "s".into(),
        }
    }

    #[test]
    fn renders_sorted_and_reads_back() {
        let baseline = Baseline::new(vec![
            entry("b", "2.sql"),
            entry("a", "1.sql"),
            entry("a", "1.sql"),
        ]);
        let text = baseline.render();
        assert!(text.find("1.sql") < text.find("2.sql"));
        assert_eq!(Baseline::parse(&text).expect("reads back"), baseline);
    }

    #[test]
    fn wrong_files_say_where_or_why() {
        let err =
            Baseline::parse("{\n  \"version\": 1,\n  \"entries\": [}\n").expect_err("bad JSON");
        assert!(err.to_string().contains("line 3"), "{err}");
        let other = Baseline::new(vec![])
            .render()
            .replace("pgproof/v1", "pgproof/v0");
        let err = Baseline::parse(&other).expect_err("other scheme");
        assert!(err.to_string().contains("`pgproof/v0`"), "{err}");
    }

    #[test]
    fn excerpts_collapse_whitespace_and_stop() {
        assert_eq!(
            excerpt("ALTER  TABLE\n  t\tADD c int"),
            "ALTER TABLE t ADD c int"
        );
        let long = excerpt(&"é".repeat(150));
        assert_eq!(long.chars().count(), EXCERPT_CHARS + 3);
    }
}
