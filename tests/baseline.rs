//! `pgproof baseline` and `lint` with a baseline file, on the built binary: a baselined finding
//! stays baselined when its statement moves, is reformatted, or its migration is renamed or gets
//! migrations before it; a change of meaning makes it new; stale entries are reported and pruned;
//! every fixture layout; `--since`; the same fingerprints in SARIF and GitLab.

// Tests may unwrap: a panic here is a failing test (clippy.toml only exempts `#[test]` fns).
#![allow(clippy::unwrap_used)]

mod common;
use common::{code, pgproof, stderr, stdout};
use serde_json::Value;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stdout(out)))
}

/// `lint --format json` in `dir` with `extra` arguments: (exit code, document).
fn lint_json(dir: &Path, extra: &[&str]) -> (i32, Value) {
    let mut args = vec!["lint", "--format", "json"];
    args.extend(extra);
    let out = pgproof(&args, dir);
    (code(&out), json(&out))
}

fn rules_of(doc: &Value) -> Vec<String> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect()
}

fn write(dir: &Path, file: &str, text: &str) {
    let path = dir.join(file);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

const INIT: &str = "CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint, total int);\n";

const INDEX: &str = "CREATE INDEX orders_customer_idx ON orders (customer_id);\n";

/// What [`INDEX`] is found to do, in report order.
const INDEX_RULES: [&str; 2] = ["create-index-non-concurrently", "missing-lock-timeout"];

/// What a `CHECK` constraint added to `orders` is found to do, in report order.
const CHECK_RULES: [&str; 3] = [
    "add-check-validated",
    "constraint-rejects-old-writes",
    "missing-lock-timeout",
];

/// A plain history whose second migration builds an index without `CONCURRENTLY`.
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "db/001_init.sql", INIT);
    write(dir.path(), "db/002_index.sql", INDEX);
    dir
}

fn baseline_entries(file: &Path) -> Vec<Value> {
    let doc: Value = serde_json::from_str(&fs::read_to_string(file).unwrap()).unwrap();
    doc["entries"].as_array().unwrap().clone()
}

#[test]
fn a_baselined_finding_survives_moves_reformatting_renames_and_earlier_migrations() {
    let dir = project();
    let root = dir.path();
    let (before, doc) = lint_json(root, &["db"]);
    assert_eq!(before, 1, "{doc}");
    assert_eq!(rules_of(&doc), INDEX_RULES);
    // Without a baseline file, the document is what it always was.
    assert!(doc["summary"].get("baseline").is_none(), "{doc}");

    let out = pgproof(&["baseline", "db"], root);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let file = root.join("pgproof-baseline.json");
    let entries = baseline_entries(&file);
    assert_eq!(entries.len(), 2, "{entries:?}");
    for (entry, rule) in entries.iter().zip(INDEX_RULES) {
        assert_eq!(entry["rule"], rule);
        assert_eq!(entry["file"], "db/002_index.sql");
        assert_eq!(
            entry["statement"],
            "CREATE INDEX orders_customer_idx ON orders (customer_id)"
        );
    }

    let still_baselined = |step: &str| {
        let (code, doc) = lint_json(root, &["db"]);
        assert_eq!(code, 0, "{step}: {doc}");
        assert_eq!(rules_of(&doc), Vec::<String>::new(), "{step}");
        assert_eq!(doc["summary"]["baseline"]["baselined"], 2, "{step}: {doc}");
        assert_eq!(doc["summary"]["baseline"]["stale"], 0, "{step}: {doc}");
    };
    still_baselined("as written");
    // Moved down its file, below other statements.
    write(
        root,
        "db/002_index.sql",
        &format!("CREATE TABLE notes (id bigint PRIMARY KEY);\n\nCOMMENT ON TABLE notes IS 'n';\n{INDEX}"),
    );
    still_baselined("moved down");
    // Reformatted: whitespace, comments, keyword case, a default spelled out.
    write(
        root,
        "db/002_index.sql",
        "CREATE TABLE notes (id bigint PRIMARY KEY);\n\nCOMMENT ON TABLE notes IS 'n';\n-- for the customer page\ncreate   index orders_customer_idx\n    on orders\n    USING btree (customer_id);\n",
    );
    still_baselined("reformatted");
    // Renamed and renumbered, with new migrations before it.
    fs::rename(
        root.join("db/002_index.sql"),
        root.join("db/004_customer_index.sql"),
    )
    .unwrap();
    write(
        root,
        "db/002_more.sql",
        "CREATE TABLE payments (id bigint PRIMARY KEY);\n",
    );
    write(
        root,
        "db/003_even_more.sql",
        "CREATE TABLE refunds (id bigint PRIMARY KEY);\n",
    );
    still_baselined("renamed, with migrations before it");
    // The human summary counts it too.
    let out = pgproof(&["lint", "db"], root);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    assert!(
        stdout(&out).contains("2 findings baselined in `pgproof-baseline.json`"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn a_change_of_meaning_is_new_and_the_old_entry_is_stale_until_pruned() {
    let dir = project();
    let root = dir.path();
    assert_eq!(code(&pgproof(&["baseline", "db"], root)), 0);
    let file = root.join("pgproof-baseline.json");
    let accepted = fs::read_to_string(&file).unwrap();
    // Another column: another index, another finding.
    write(
        root,
        "db/002_index.sql",
        "CREATE INDEX orders_customer_idx ON orders (total);\n",
    );
    let (code_after, doc) = lint_json(root, &["db"]);
    assert_eq!(code_after, 1, "{doc}");
    assert_eq!(rules_of(&doc), INDEX_RULES);
    assert_eq!(doc["summary"]["baseline"]["baselined"], 0);
    assert_eq!(doc["summary"]["baseline"]["stale"], 2);
    let out = pgproof(&["lint", "--format", "json", "db"], root);
    assert!(
        stderr(&out).contains(
            "pgproof: info: 0 findings baselined in `pgproof-baseline.json`; 2 stale entries"
        ),
        "{}",
        stderr(&out)
    );
    let human = pgproof(&["lint", "db"], root);
    assert!(
        stdout(&human).contains(
            "2 stale entries that no finding matches (remove with `pgproof baseline --prune`)"
        ),
        "{}",
        stdout(&human)
    );
    // `--prune` removes the stale entry and adds nothing: the new finding stays reported.
    let out = pgproof(&["baseline", "--prune", "db"], root);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(baseline_entries(&file), Vec::<Value>::new());
    let (code_pruned, doc) = lint_json(root, &["db"]);
    assert_eq!(code_pruned, 1);
    assert_eq!(doc["summary"]["baseline"]["stale"], 0);
    // Back to the accepted statement: `--prune` keeps what still matches, exactly.
    fs::write(&file, &accepted).unwrap();
    write(root, "db/002_index.sql", INDEX);
    write(
        root,
        "db/003_check.sql",
        "ALTER TABLE orders ADD CONSTRAINT total_positive CHECK (total > 0);\n",
    );
    let out = pgproof(&["baseline", "--prune", "db"], root);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(fs::read_to_string(&file).unwrap(), accepted);
    let (_, doc) = lint_json(root, &["db"]);
    assert_eq!(rules_of(&doc), CHECK_RULES, "{doc}");
}

#[test]
fn no_baseline_explicit_files_and_bad_files() {
    let dir = project();
    let root = dir.path();
    fs::create_dir(root.join("ci")).unwrap();
    let out = pgproof(&["baseline", "--output", "ci/accepted.json", "db"], root);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let entries = baseline_entries(&root.join("ci/accepted.json"));
    // Files are named relative to the baseline file.
    assert_eq!(entries[0]["file"], "../db/002_index.sql");
    assert!(!root.join("pgproof-baseline.json").exists());
    // Not found by default there: given, it is read.
    assert_eq!(lint_json(root, &["db"]).0, 1);
    let (code_given, doc) = lint_json(root, &["--baseline", "ci/accepted.json", "db"]);
    assert_eq!(code_given, 0, "{doc}");
    assert_eq!(doc["summary"]["baseline"]["file"], "ci/accepted.json");
    // `--no-baseline` reports everything.
    fs::copy(
        root.join("ci/accepted.json"),
        root.join("pgproof-baseline.json"),
    )
    .unwrap();
    assert_eq!(lint_json(root, &["db"]).0, 0);
    let (code_all, doc) = lint_json(root, &["--no-baseline", "db"]);
    assert_eq!(code_all, 1);
    assert!(doc["summary"].get("baseline").is_none());
    // A baseline file given that does not exist, or that is not one, is an error naming it.
    let missing = pgproof(&["lint", "--baseline", "nope.json", "db"], root);
    assert_eq!(code(&missing), 2);
    assert!(
        stderr(&missing).contains("baseline file `nope.json` does not exist"),
        "{}",
        stderr(&missing)
    );
    write(
        root,
        "pgproof-baseline.json",
        "{\n  \"version\": 1,\n  \"entries\": [\n    {\"fingerprint\": 3}\n  ]\n}\n",
    );
    let broken = pgproof(&["lint", "db"], root);
    assert_eq!(code(&broken), 2);
    let err = stderr(&broken);
    assert!(
        err.contains("invalid baseline file `pgproof-baseline.json`") && err.contains("line 4"),
        "{err}"
    );
    // `baseline` does not overwrite a file on error: a directory that cannot be read stops it.
    let before = fs::read_to_string(root.join("pgproof-baseline.json")).unwrap();
    let out = pgproof(&["baseline", "db", "no/such/dir"], root);
    assert_eq!(code(&out), 2);
    assert_eq!(
        fs::read_to_string(root.join("pgproof-baseline.json")).unwrap(),
        before
    );
    assert!(!pgproof(
        &["baseline", "--prune", "--output", "none.json", "db"],
        root
    )
    .status
    .success());
    assert!(!root.join("none.json").exists());
}

#[test]
fn the_baseline_lives_next_to_the_config() {
    let dir = project();
    let root = dir.path();
    write(root, "pgproof.toml", "migrations = \"db\"\n");
    fs::create_dir(root.join("sub")).unwrap();
    let out = pgproof(
        &["baseline", "--config", "../pgproof.toml", "../db"],
        &root.join("sub"),
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(root.join("pgproof-baseline.json").is_file());
    assert_eq!(
        baseline_entries(&root.join("pgproof-baseline.json"))[0]["file"],
        "db/002_index.sql"
    );
    // Found again from the config, from elsewhere.
    let out = pgproof(
        &["lint", "--config", "../pgproof.toml", "../db"],
        &root.join("sub"),
    );
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    assert_eq!(code(&pgproof(&["lint"], root)), 0);
}

#[test]
fn identical_findings_are_counted() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "db/001_init.sql", INIT);
    let check = "ALTER TABLE orders ADD CONSTRAINT c CHECK (total > 0);\nALTER TABLE orders DROP CONSTRAINT c;\n";
    write(root, "db/002_check.sql", check);
    write(root, "db/003_check.sql", check);
    let (_, doc) = lint_json(root, &["db"]);
    let per_copy = rules_of(&doc).len() / 2;
    assert!(per_copy >= 3, "{doc}");
    assert_eq!(code(&pgproof(&["baseline", "db"], root)), 0);
    let entries = baseline_entries(&root.join("pgproof-baseline.json"));
    assert_eq!(entries.len(), 2 * per_copy);
    // The second copy's findings are the first's, ranked.
    let of = |file: &str| -> Vec<String> {
        let mut fingerprints: Vec<String> = entries
            .iter()
            .filter(|e| e["file"] == file)
            .map(|e| e["fingerprint"].as_str().unwrap().to_string())
            .collect();
        fingerprints.sort();
        fingerprints
    };
    let second: Vec<String> = of("db/002_check.sql")
        .iter()
        .map(|f| format!("{f}-2"))
        .collect();
    assert_eq!(of("db/003_check.sql"), second);
    assert_eq!(lint_json(root, &["db"]).0, 0);
    // A third copy is new.
    write(root, "db/004_check.sql", check);
    let (code_third, doc) = lint_json(root, &["db"]);
    assert_eq!(code_third, 1);
    assert_eq!(rules_of(&doc).len(), per_copy);
    assert!(doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["file"] == "db/004_check.sql"));
    assert_eq!(doc["summary"]["baseline"]["baselined"], 2 * per_copy);
}

#[test]
fn every_fixture_layout_baselines_to_a_clean_run() {
    let fixtures = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sql-fixtures/migrations");
    let out = tempfile::tempdir().unwrap();
    let mut checked = 0;
    for scenario in fs::read_dir(&fixtures).unwrap() {
        let scenario = scenario.unwrap().path();
        let name = scenario.file_name().unwrap().to_string_lossy().into_owned();
        let file = out.path().join(format!("{name}.json"));
        let (file, path) = (file.to_str().unwrap(), scenario.to_str().unwrap());
        let (_, all) = lint_json(&fixtures, &["--no-baseline", path]);
        let total = all["findings"].as_array().unwrap().len();
        let made = pgproof(&["baseline", "--output", file, path], &fixtures);
        assert_eq!(code(&made), 0, "{name}: {}", stderr(&made));
        let (code_after, doc) = lint_json(&fixtures, &["--baseline", file, path]);
        assert_eq!(rules_of(&doc), Vec::<String>::new(), "{name}");
        assert_eq!(code_after, 0, "{name}");
        assert_eq!(doc["summary"]["baseline"]["baselined"], total, "{name}");
        assert_eq!(doc["summary"]["baseline"]["stale"], 0, "{name}");
        checked += usize::from(total > 0);
    }
    assert!(checked > 5, "{checked} scenarios with findings");
}

#[test]
fn with_since_only_new_findings_and_no_staleness() {
    let dir = project();
    let root = dir.path();
    common::git(root, &["init", "-q", "-b", "main"]);
    assert_eq!(code(&pgproof(&["baseline", "db"], root)), 0);
    common::git(root, &["add", "."]);
    common::git(root, &["commit", "-q", "-m", "history"]);
    write(
        root,
        "db/003_check.sql",
        "ALTER TABLE orders ADD CONSTRAINT c CHECK (total > 0);\n",
    );
    let (code_since, doc) = lint_json(root, &["--since", "HEAD", "db"]);
    assert_eq!(code_since, 1, "{doc}");
    assert_eq!(rules_of(&doc), CHECK_RULES);
    // What the baseline lists lies outside what `--since` reports: staleness cannot be told.
    assert_eq!(doc["summary"]["baseline"]["stale"], Value::Null);
    // Nor with a file given alone.
    let (_, doc) = lint_json(root, &["db/003_check.sql"]);
    assert_eq!(doc["summary"]["baseline"]["stale"], Value::Null);
    assert_eq!(rules_of(&doc), CHECK_RULES);
    // The baselined index, edited in the pull request, is reported again.
    write(
        root,
        "db/002_index.sql",
        "CREATE INDEX orders_customer_idx ON orders (total);\n",
    );
    let (_, doc) = lint_json(root, &["--since", "HEAD", "db"]);
    let mut expected = INDEX_RULES.to_vec();
    expected.extend(CHECK_RULES);
    assert_eq!(rules_of(&doc), expected);
}

#[test]
fn sarif_and_gitlab_carry_the_baseline_fingerprints() {
    let dir = project();
    let root = dir.path();
    write(root, "db/003_check.sql", "-- keep this comment\nALTER TABLE orders\n  ADD CONSTRAINT total_positive CHECK (total > 0);\n");
    assert_eq!(code(&pgproof(&["baseline", "db"], root)), 0);
    let entries = baseline_entries(&root.join("pgproof-baseline.json"));
    // By rule and file (as the baseline names it, relative to its directory: here the same).
    let fingerprint_of = |rule: &str, file: &str| {
        entries
            .iter()
            .find(|e| e["rule"] == rule && e["file"] == file)
            .unwrap_or_else(|| panic!("{rule} in {file}: {entries:?}"))["fingerprint"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let sarif = pgproof(&["lint", "--no-baseline", "--format", "sarif", "db"], root);
    let sarif: Value = json(&sarif);
    assert_eq!(common::sarif_errors(&sarif), Vec::<String>::new());
    serde_json::from_value::<serde_sarif::sarif::Sarif>(sarif.clone())
        .expect("serde-sarif reads it");
    let run = &sarif["runs"][0];
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), entries.len());
    for result in results {
        let rule = result["ruleId"].as_str().unwrap();
        let file = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap();
        assert_eq!(
            result["partialFingerprints"]["pgproof/v1"],
            fingerprint_of(rule, file).as_str()
        );
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(
            run["tool"]["driver"]["rules"][index]["helpUri"],
            format!("https://github.com/pgproof/pgproof/blob/main/lints/{rule}.md").as_str()
        );
    }
    // The safe fix that replaces the statement comes with its replacement, over the statement's
    // exact bytes (its comment kept).
    let check = results
        .iter()
        .find(|r| r["ruleId"] == "add-check-validated")
        .unwrap();
    // A fix that adds a statement before (`lock_timeout`) is no replacement: no SARIF fix.
    for result in results
        .iter()
        .filter(|r| r["ruleId"] == "missing-lock-timeout")
    {
        assert!(result.get("fixes").is_none(), "{result}");
    }
    let replacement = &check["fixes"][0]["artifactChanges"][0]["replacements"][0];
    let text = fs::read_to_string(root.join("db/003_check.sql")).unwrap();
    let offset = replacement["deletedRegion"]["byteOffset"].as_u64().unwrap() as usize;
    let length = replacement["deletedRegion"]["byteLength"].as_u64().unwrap() as usize;
    assert_eq!(
        &text[offset..offset + length],
        "ALTER TABLE orders\n  ADD CONSTRAINT total_positive CHECK (total > 0);"
    );
    let inserted = replacement["insertedContent"]["text"].as_str().unwrap();
    assert!(
        inserted.starts_with(
            "ALTER TABLE orders ADD CONSTRAINT total_positive CHECK (total > 0) NOT VALID;"
        ),
        "{inserted}"
    );
    let gitlab: Value = json(&pgproof(
        &["lint", "--no-baseline", "--format", "gitlab", "db"],
        root,
    ));
    for issue in gitlab.as_array().unwrap() {
        let rule = issue["check_name"].as_str().unwrap();
        let file = issue["location"]["path"].as_str().unwrap();
        assert_eq!(issue["fingerprint"], fingerprint_of(rule, file).as_str());
    }
    // A recipe for one command of an `ALTER TABLE` of several would lose the others if it
    // replaced the statement: no SARIF fix.
    write(
        root,
        "db/004_check.sql",
        "ALTER TABLE orders ADD CONSTRAINT total_small CHECK (total < 1000), ADD COLUMN note text;\n",
    );
    let sarif: Value = json(&pgproof(
        &["lint", "--no-baseline", "--format", "sarif", "db"],
        root,
    ));
    let not_null: Vec<&Value> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["ruleId"] == "add-check-validated")
        .filter(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .is_some_and(|u| u.ends_with("004_check.sql"))
        })
        .collect();
    assert_eq!(not_null.len(), 1, "{sarif}");
    assert!(not_null[0].get("fixes").is_none(), "{}", not_null[0]);
    fs::remove_file(root.join("db/004_check.sql")).unwrap();
    // With the baseline, SARIF says what it left out.
    let sarif: Value = json(&pgproof(&["lint", "--format", "sarif", "db"], root));
    assert_eq!(sarif["runs"][0]["results"].as_array().unwrap().len(), 0);
    assert_eq!(
        sarif["runs"][0]["properties"]["baseline"]["baselined"],
        entries.len()
    );
    assert_eq!(common::sarif_errors(&sarif), Vec::<String>::new());
}

#[test]
fn query_files_are_baselined_and_scoped_like_migrations() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "db/001_init.sql",
        "CREATE TABLE orders (id bigint PRIMARY KEY, created_at timestamptz NOT NULL);\nCREATE INDEX orders_created_idx ON orders (created_at);\n",
    );
    write(
        root,
        "q/orders.sql",
        "-- name: ByDay :many\nSELECT id FROM orders WHERE date(created_at) = $1;\n",
    );
    let args = ["baseline", "--queries", "q", "db"];
    let out = pgproof(&args, root);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let entries = baseline_entries(&root.join("pgproof-baseline.json"));
    let query = entries
        .iter()
        .find(|e| e["file"] == "q/orders.sql")
        .unwrap();
    assert_eq!(query["rule"], "function-on-indexed-column");
    assert_eq!(
        query["statement"],
        "SELECT id FROM orders WHERE date(created_at) = $1"
    );
    // Written again, the query file's entries are replaced, not kept beside the new ones.
    let again = pgproof(&args, root);
    assert!(
        stderr(&again).contains("0 kept from other paths"),
        "{}",
        stderr(&again)
    );
    assert_eq!(
        baseline_entries(&root.join("pgproof-baseline.json")),
        entries
    );
    assert_eq!(lint_json(root, &["--queries", "q", "db"]).0, 0);
    // The query gone, its entry is stale.
    write(
        root,
        "q/orders.sql",
        "-- name: All :many\nSELECT id FROM orders;\n",
    );
    let (_, doc) = lint_json(root, &["--queries", "q", "db"]);
    assert_eq!(doc["summary"]["baseline"]["stale"], 1, "{doc}");
}
