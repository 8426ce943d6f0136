//! Every rule's messages, reviewed as snapshots: for each rule, the findings its doc's `sql bad`
//! examples produce, rendered as the human report shows them and as their JSON objects
//! (`tests/snapshots/messages__<rule-id>.snap`; paths are bare file names), so a change of wording shows up in review.
//! And the message convention (docs/messages.md), checked on every one of those findings.

// Tests may unwrap: a panic here is a failing test (clippy.toml only exempts `#[test]` fns).
#![allow(clippy::unwrap_used)]

use pgproof::config::Settings;
use pgproof::docs::{down_of, examples, setup_of, Example};
use pgproof::finding::Finding;
use pgproof::report::{self, Format, Report};
use pgproof::rules::RULES;
use std::collections::HashMap;
use std::fs;
use std::path::PathBuf;

/// The example's files by name, and the findings in them (a down part's findings point into the
/// down file), each with the file's bare name as its path.
struct Linted {
    sources: HashMap<PathBuf, std::sync::Arc<str>>,
    findings: Vec<Finding>,
}

/// Lints doc example `i`: a migration after the doc's `setup` (an up/down pair when a `sql down`
/// block follows it), or a query file against the schema `setup` builds. The one place this test
/// lints: it writes the example to a temporary directory and runs `lint` on it.
fn lint_example(examples: &[Example], i: usize) -> Linted {
    let example = &examples[i];
    let dir = tempfile::tempdir().expect("temp dir");
    let migrations = dir.path().join("migrations");
    fs::create_dir(&migrations).expect("migrations dir");
    let mut settings = Settings::default();
    if let Some(v) = example.pg_version() {
        settings.pg_version = v;
    }
    let setup = setup_of(examples).unwrap_or("");
    let mut sources = HashMap::new();
    if example.options.iter().any(|o| o == "query") {
        fs::write(migrations.join("001_setup.sql"), setup).expect("write setup");
        let queries = dir.path().join("queries.sql");
        fs::write(&queries, &example.sql).expect("write query");
        settings.queries = vec![queries];
        sources.insert("queries.sql".into(), example.sql.as_str().into());
    } else if let Some(down) = down_of(examples, i) {
        fs::write(migrations.join("001_setup.up.sql"), setup).expect("write setup");
        for (name, sql) in [
            ("002_example.up.sql", example.sql.as_str()),
            ("002_example.down.sql", down),
        ] {
            fs::write(migrations.join(name), sql).expect("write example");
            sources.insert(name.into(), sql.into());
        }
    } else {
        fs::write(migrations.join("001_setup.sql"), setup).expect("write setup");
        fs::write(migrations.join("002_example.sql"), &example.sql).expect("write example");
        sources.insert("002_example.sql".into(), example.sql.as_str().into());
    }
    // Messages that name a file (a query's place) name it without the temporary directory.
    let temp = format!("{}/", dir.path().display());
    let unplace = |text: &mut String| *text = text.replace(&temp, "");
    let findings = pgproof::commands::lint::lint_dir(&migrations, &settings)
        .expect("lint runs")
        .into_iter()
        .filter_map(|mut f| {
            let name = PathBuf::from(f.file.file_name()?);
            sources.contains_key(&name).then(|| {
                f.file = name;
                unplace(&mut f.message);
                f.help.iter_mut().for_each(unplace);
                f.notes.iter_mut().for_each(unplace);
                f.fix.iter_mut().for_each(|fix| unplace(&mut fix.sql));
                f
            })
        })
        .collect();
    Linted { sources, findings }
}

/// Findings as the human report prints them (no colour) and as the JSON report's `findings`.
fn render(
    findings: &[Finding],
    sources: &HashMap<PathBuf, std::sync::Arc<str>>,
) -> (String, String) {
    let stats = Default::default();
    let report = Report {
        findings,
        stats: &stats,
        pg_version: Settings::default().pg_version,
        sources,
        errors: &[],
        warnings: &[],
        color: false,
        baseline: None,
        quiet: false,
    };
    let mut human = vec![];
    report::write(Format::Human, &report, &mut human).expect("write human report");
    let human = String::from_utf8(human).expect("UTF-8");
    // The summary table after the diagnostics counts this test's empty stats: not a message.
    let human = match human.find("\n| files") {
        Some(at) => human[..at].to_string(),
        None => human,
    };
    let mut json = vec![];
    report::write(Format::Json, &report, &mut json).expect("write JSON report");
    let document: serde_json::Value = serde_json::from_slice(&json).expect("JSON report parses");
    let json = serde_json::to_string_pretty(&document["findings"]).expect("serialize");
    (human, json)
}

/// Every rule's `bad` examples with the findings of that rule, as `(example SQL, findings)`.
fn bad_example_findings() -> Vec<(&'static str, Vec<(String, Linted)>)> {
    RULES
        .iter()
        .map(|rule| {
            let meta = rule.meta();
            let examples = examples(meta.doc);
            let found = examples
                .iter()
                .enumerate()
                .filter(|(_, e)| e.kind == "bad")
                .map(|(i, e)| {
                    let mut linted = lint_example(&examples, i);
                    linted.findings.retain(|f| f.rule == meta.id);
                    (e.sql.clone(), linted)
                })
                .collect();
            (meta.id.as_str(), found)
        })
        .collect()
}

#[test]
fn every_rules_messages_match_their_snapshot() {
    let mut snapshots = 0;
    for (id, examples) in bad_example_findings() {
        if examples.is_empty() {
            continue;
        }
        let mut text = String::new();
        for (n, (sql, linted)) in examples.iter().enumerate() {
            let (human, json) = render(&linted.findings, &linted.sources);
            text.push_str(&format!(
                "== bad example {}\n{sql}\n== human\n{human}\n== json\n{json}\n\n",
                n + 1
            ));
        }
        insta::assert_snapshot!(id, text);
        snapshots += 1;
    }
    assert!(snapshots > 30, "only {snapshots} rules have bad examples");
}

/// Why `message` breaks the convention written in docs/messages.md, if it does.
fn convention_breaks(text: &str) -> Vec<String> {
    let mut breaks = vec![];
    let first = text.chars().next();
    let proper_noun = text.starts_with("PostgreSQL");
    if !proper_noun && !first.is_some_and(|c| c.is_lowercase() || c == '`' || c.is_ascii_digit()) {
        breaks.push("starts with neither a lowercase letter, a digit nor a backtick".into());
    }
    if text.ends_with('.') && !text.ends_with("...") {
        breaks.push("ends with a period".into());
    }
    if text.trim() != text || text.contains('\n') {
        breaks.push("has surrounding whitespace or a line break".into());
    }
    if !text.matches('`').count().is_multiple_of(2) {
        breaks.push("has an unpaired backtick".into());
    }
    // Outside backticks, no SQL: two consecutive upper-case keywords (`NOT NULL`, `ALTER TABLE`)
    // are SQL written as prose. A server error quoted in double quotes is verbatim.
    let prose: String = text
        .split('`')
        .step_by(2)
        .flat_map(|part| part.split('"').step_by(2))
        .collect::<Vec<_>>()
        .join(" ");
    let words: Vec<&str> = prose
        .split(|c: char| !c.is_ascii_alphabetic() && c != '_')
        .filter(|w| !w.is_empty())
        .collect();
    for pair in words.windows(2) {
        if pair.iter().all(|w| is_upper_keyword(w)) {
            breaks.push(format!(
                "has SQL outside backticks: `{} {}`",
                pair[0], pair[1]
            ));
        }
    }
    breaks
}

/// An upper-case PostgreSQL keyword (`NULL`, `INDEX`), as SQL in prose would be written.
fn is_upper_keyword(word: &str) -> bool {
    word.len() > 1
        && word.chars().all(|c| c.is_ascii_uppercase() || c == '_')
        && pgproof::keywords::QUOTED_KEYWORDS
            .iter()
            .chain(pgproof::keywords::UNRESERVED_KEYWORDS)
            .any(|k| k.eq_ignore_ascii_case(word))
}

#[test]
fn the_convention_check_catches_what_it_should() {
    assert!(convention_breaks("`CREATE INDEX` blocks writes to `orders`").is_empty());
    assert!(convention_breaks("adding `NOT NULL` to `t.c` scans the table").is_empty());
    assert_eq!(convention_breaks("Adding a column").len(), 1);
    assert_eq!(convention_breaks("adding a column.").len(), 1);
    assert_eq!(convention_breaks("adding `a column").len(), 1);
    assert_eq!(convention_breaks("adding NOT NULL to `t.c`").len(), 1);
    assert_eq!(convention_breaks("adding a column\n").len(), 1);
    assert!(convention_breaks("PostgreSQL 11 has no `REINDEX CONCURRENTLY`").is_empty());
    assert!(convention_breaks("PostgreSQL rejects it (\"no unique or exclusion constraint matching the ON CONFLICT specification\")").is_empty());
}

#[test]
fn every_message_and_help_follows_the_convention() {
    let mut failures = vec![];
    let mut checked = 0;
    for (id, examples) in bad_example_findings() {
        for finding in examples.iter().flat_map(|(_, linted)| &linted.findings) {
            for (what, text) in [
                ("message", Some(&finding.message)),
                ("help", finding.help.as_ref()),
            ] {
                let Some(text) = text else { continue };
                checked += 1;
                for why in convention_breaks(text) {
                    failures.push(format!("{id}: {what} {why}:\n  {text}"));
                }
            }
        }
    }
    assert!(checked > 60, "only {checked} messages checked");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
