//! CLI tests on the built binary: formats, exit codes, config errors, bad input, pipes.

// Tests may unwrap: a panic here is a failing test (clippy.toml only exempts `#[test]` fns).
#![allow(clippy::unwrap_used)]

mod common;
use common::{code, pgproof, stderr, stdout};
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn human_output_snapshot() {
    let out = pgproof(&["lint", "sql-fixtures/migrations/sqlx-updown"], &root());
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    insta::assert_snapshot!(stdout(&out));
}

#[test]
fn exit_codes() {
    let clean = pgproof(
        &["lint", "sql-fixtures/migrations/plain-safe-recipes"],
        &root(),
    );
    assert_eq!(code(&clean), 0, "{}", stdout(&clean));
    let findings = pgproof(&["lint", "sql-fixtures/migrations/flyway-hazards"], &root());
    assert_eq!(code(&findings), 1);
    let never = pgproof(
        &[
            "lint",
            "--fail-on",
            "never",
            "sql-fixtures/migrations/flyway-hazards",
        ],
        &root(),
    );
    assert_eq!(code(&never), 0);
    // Only warnings there: failing on errors passes.
    let on_error = pgproof(
        &[
            "lint",
            "--fail-on",
            "error",
            "sql-fixtures/migrations/flyway-hazards",
        ],
        &root(),
    );
    assert_eq!(code(&on_error), 0);
    let missing = pgproof(&["lint", "no/such/dir"], &root());
    assert_eq!(code(&missing), 2);
    assert!(
        stderr(&missing).contains("path `no/such/dir` does not exist"),
        "{}",
        stderr(&missing)
    );
    let bad_version = pgproof(
        &[
            "lint",
            "--pg-version",
            "99",
            "sql-fixtures/migrations/flyway-hazards",
        ],
        &root(),
    );
    assert_eq!(code(&bad_version), 2);
}

#[test]
fn config_is_found_by_walking_up_and_unknown_keys_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir_all(dir.path().join("db/migrations")).unwrap();
    fs::write(
        dir.path().join("db/migrations/001_a.sql"),
        "CREATE TABLE t (id bigint PRIMARY KEY, c text);\n",
    )
    .unwrap();
    fs::write(
        dir.path().join("db/migrations/002_b.sql"),
        "SET lock_timeout = '5s';\nALTER TABLE t DROP COLUMN c;\n",
    )
    .unwrap();
    fs::write(
        dir.path().join("pgproof.toml"),
        "migrations = \"db/migrations\"\n[rules]\ndrop-column = \"error\"\n",
    )
    .unwrap();
    let out = pgproof(&["lint", "--format", "json"], dir.path());
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["findings"][0]["rule"], "drop-column");
    assert_eq!(json["findings"][0]["severity"], "error");
    fs::write(
        dir.path().join("pgproof.toml"),
        "[rules]\ndrop-column = \"off\"\n",
    )
    .unwrap();
    let out = pgproof(&["lint", "db/migrations"], dir.path());
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    fs::write(dir.path().join("pgproof.toml"), "fail_onn = \"error\"\n").unwrap();
    let out = pgproof(&["lint", "db/migrations"], dir.path());
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("fail_onn"), "{}", stderr(&out));
}

#[test]
fn json_format_is_stable_and_complete() {
    let out = pgproof(
        &[
            "lint",
            "--format",
            "json",
            "sql-fixtures/migrations/sqlx-updown",
        ],
        &root(),
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    assert_eq!(json["version"], 1);
    let finding = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "add-foreign-key-validated")
        .expect("fk finding");
    for key in [
        "rule",
        "severity",
        "category",
        "file",
        "line",
        "column",
        "end_line",
        "end_column",
        "message",
        "help",
        "fix",
        "lock",
    ] {
        assert!(finding.get(key).is_some(), "missing {key}");
    }
    assert_eq!(finding["lock"], "SHARE_ROW_EXCLUSIVE");
    assert_eq!(finding["line"], 3);
    assert_eq!(finding["fix"]["applicability"], "safe");
    assert_eq!(json["summary"]["files"], 4);
    assert_eq!(json["summary"]["findings"]["warning"], 4);
    assert_eq!(json["summary"]["findings"]["info"], 3);
    assert!(json["summary"]["unmodelled_statements"].is_number());
}

/// The JSON report writes its findings in parallel chunks of 512: the document must still be
/// exactly serde_json's pretty form of itself (keys sorted, two-space indent, one trailing newline),
/// on a report whose findings span several chunks, and on one with no findings.
#[test]
fn json_report_is_pretty_printed_across_chunks() {
    let indexes: String = (0..700)
        .map(|i| format!("CREATE INDEX i{i} ON t (c);\n"))
        .collect();
    let dir = common::write_files(&[
        (
            "1_table.sql",
            "CREATE TABLE t (id bigint PRIMARY KEY, c int);\n",
        ),
        ("2_indexes.sql", &indexes),
    ]);
    let clean = common::write_files(&[("1.sql", "SELECT 1;\n")]);
    for (path, at_least) in [(dir.path(), 700), (clean.path(), 0)] {
        let out = pgproof(
            &["lint", "--format", "json", path.to_str().unwrap()],
            &root(),
        );
        let text = stdout(&out);
        let json: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
        assert!(json["findings"].as_array().unwrap().len() >= at_least);
        assert_eq!(text, serde_json::to_string_pretty(&json).unwrap() + "\n");
    }
}

#[test]
fn sarif_validates_against_the_sarif_2_1_0_schema() {
    let out = pgproof(
        &["lint", "--format", "sarif", "sql-fixtures/migrations"],
        &root(),
    );
    let sarif: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    let errors = common::sarif_errors(&sarif);
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    assert_eq!(sarif["version"], "2.1.0");
    assert!(sarif["runs"][0]["results"].as_array().unwrap().len() > 5);
    assert_eq!(
        sarif["runs"][0]["tool"]["driver"]["rules"]
            .as_array()
            .unwrap()
            .len(),
        pgproof::rules::RULES.len()
    );
    // A broken document must fail validation, or this test proves nothing.
    let mut broken = sarif.clone();
    broken["runs"][0]["results"][0]["level"] = "fatal".into();
    assert!(!common::sarif_errors(&broken).is_empty());
}

#[test]
fn github_and_gitlab_formats() {
    let gh = pgproof(
        &[
            "lint",
            "--format",
            "github",
            "sql-fixtures/migrations/sqlx-updown",
        ],
        &root(),
    );
    let lines: Vec<String> = stdout(&gh).lines().map(str::to_string).collect();
    let json = pgproof(
        &[
            "lint",
            "--format",
            "json",
            "sql-fixtures/migrations/sqlx-updown",
        ],
        &root(),
    );
    let json: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let total = json["findings"].as_array().unwrap().len();
    assert_eq!(lines.len(), total, "one annotation per finding: {lines:?}");
    let fk = lines
        .iter()
        .find(|l| l.contains("title=pgproof add-foreign-key-validated::"))
        .expect("fk annotation");
    assert!(fk.starts_with("::warning file=sql-fixtures/migrations/sqlx-updown/20240103000000_users_fk.up.sql,line=3,col=1,endLine=3,endColumn=96,title=pgproof add-foreign-key-validated::adding foreign key"), "{fk}");
    assert!(fk.contains("%0Ahelp: "), "newlines are escaped");
    assert!(
        lines.iter().any(|l| l.starts_with("::notice ")),
        "info findings are notices"
    );
    let gl = pgproof(
        &[
            "lint",
            "--format",
            "gitlab",
            "sql-fixtures/migrations/sqlx-updown",
        ],
        &root(),
    );
    let issues: serde_json::Value = serde_json::from_slice(&gl.stdout).unwrap();
    assert_eq!(issues.as_array().unwrap().len(), total);
    assert!(issues
        .as_array()
        .unwrap()
        .iter()
        .any(|i| i["severity"] == "minor"));
    assert_eq!(issues[0]["fingerprint"].as_str().unwrap().len(), 16);
    let again = pgproof(
        &[
            "lint",
            "--format",
            "gitlab",
            "sql-fixtures/migrations/sqlx-updown",
        ],
        &root(),
    );
    assert_eq!(gl.stdout, again.stdout, "output is deterministic");
}

#[test]
fn compact_markdown_quiet_and_the_job_summary() {
    let dir = "sql-fixtures/migrations/sqlx-updown";
    let json = pgproof(&["lint", "--format", "json", dir], &root());
    let json: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let findings = json["findings"].as_array().unwrap();
    // Compact: one `file:line:column: severity rule message` line per finding, in order.
    let compact = pgproof(&["lint", "--format", "compact", dir], &root());
    assert_eq!(code(&compact), 1);
    let lines: Vec<String> = stdout(&compact).lines().map(str::to_string).collect();
    assert_eq!(lines.len(), findings.len(), "{lines:?}");
    for (line, f) in lines.iter().zip(findings) {
        let expected = format!(
            "{}:{}:{}: {} {} {}",
            f["file"].as_str().unwrap(),
            f["line"],
            f["column"],
            f["severity"].as_str().unwrap(),
            f["rule"].as_str().unwrap(),
            f["message"].as_str().unwrap().replace('\n', " ")
        );
        assert_eq!(line, &expected);
    }
    // Markdown: what a pull-request comment shows, stable across runs.
    let markdown = pgproof(&["lint", "--format", "markdown", dir], &root());
    assert_eq!(code(&markdown), 1);
    insta::assert_snapshot!("lint_markdown", stdout(&markdown));
    // Quiet: the human format's findings without the summary; the exit code is the same.
    let human = pgproof(&["lint", dir], &root());
    let quiet = pgproof(&["lint", "-q", dir], &root());
    assert_eq!(code(&quiet), 1);
    assert!(
        !stdout(&quiet).contains("assumed PostgreSQL"),
        "{}",
        stdout(&quiet)
    );
    assert!(stdout(&human).starts_with(&stdout(&quiet)));
    assert!(stdout(&quiet).matches("[ sql-fixtures/").count() >= findings.len());
    // A path with nothing to lint is a note, which --quiet leaves out.
    let empty = tempfile::tempdir().unwrap();
    let noted = pgproof(&["lint", empty.path().to_str().unwrap()], &root());
    assert!(
        stderr(&noted).contains("nothing linted"),
        "{}",
        stderr(&noted)
    );
    let silent = pgproof(&["lint", "-q", empty.path().to_str().unwrap()], &root());
    assert_eq!(stderr(&silent), "");
    assert_eq!(code(&silent), 0);
    // Inside a GitHub Actions job the Markdown report is appended to the job summary, whatever
    // format goes to stdout.
    let summary = empty.path().join("summary.md");
    fs::write(&summary, "earlier step\n").unwrap();
    let in_actions = Command::new(env!("CARGO_BIN_EXE_pgproof"))
        .args(["lint", "--format", "sarif", dir])
        .current_dir(root())
        .env("GITHUB_STEP_SUMMARY", &summary)
        .output()
        .unwrap();
    assert_eq!(code(&in_actions), 1, "{}", stderr(&in_actions));
    let written = fs::read_to_string(&summary).unwrap();
    assert!(
        written.starts_with("earlier step\n<!-- pgproof-lint -->\n"),
        "{written}"
    );
    assert!(written.contains(&stdout(&markdown)));
    serde_json::from_slice::<serde_json::Value>(&in_actions.stdout).expect("SARIF on stdout");
}

/// `pgproof lint -` with the text on stdin and the place it comes from.
fn lint_stdin(args: &[&str], text: &str, cwd: &Path) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_pgproof"))
        .arg("lint")
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // pgproof may refuse its arguments and exit before it reads stdin: a broken pipe is no failure.
    let written = child.stdin.take().unwrap().write_all(text.as_bytes());
    if let Err(e) = written {
        assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "{e}");
    }
    child.wait_with_output().unwrap()
}

#[test]
fn a_migration_on_stdin_is_linted_in_its_set_or_alone() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("db")).unwrap();
    fs::write(
        dir.path().join("db/001_accounts.sql"),
        "CREATE TABLE accounts (id bigint PRIMARY KEY, email text);\n",
    )
    .unwrap();
    fs::write(dir.path().join("db/002_next.sql"), "SELECT 1;\n").unwrap();
    // An unsaved buffer of a file of the set: the text on stdin is linted in place of the file
    // on disk, after the migrations before it (which created `accounts`).
    let edited = "ALTER TABLE accounts ALTER COLUMN email SET NOT NULL;\n";
    let out = lint_stdin(
        &[
            "--format",
            "compact",
            "--stdin-filename",
            "db/002_next.sql",
            "-",
        ],
        edited,
        dir.path(),
    );
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines.iter().all(|l| l.starts_with("db/002_next.sql:1:1: ")),
        "{lines:?}"
    );
    assert!(
        lines.iter().any(|l| l.starts_with(
            "db/002_next.sql:1:1: warning set-not-null-scan `SET NOT NULL` on `accounts.email`"
        )),
        "{lines:?}"
    );
    assert_eq!(stderr(&out), "");
    assert_eq!(
        fs::read_to_string(dir.path().join("db/002_next.sql")).unwrap(),
        "SELECT 1;\n",
        "the file on disk is never written"
    );
    // A new file not yet saved: linted alone, which is said (the table is unknown there).
    let out = lint_stdin(
        &[
            "--format",
            "json",
            "--stdin-filename",
            "db/003_new.sql",
            "-",
        ],
        "CREATE INDEX accounts_email ON accounts (email);\n",
        dir.path(),
    );
    assert!(
        stderr(&out).contains("`db/003_new.sql` is not on disk"),
        "{}",
        stderr(&out)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings = json["findings"].as_array().unwrap();
    assert!(!findings.is_empty());
    assert!(
        findings.iter().all(|f| f["file"] == "db/003_new.sql"),
        "{json:#}"
    );
    // No file named: `<stdin>.sql`; a syntax error is placed in it and the run does not crash.
    let out = lint_stdin(&["--format", "compact", "-"], "SELEC 1;\n", dir.path());
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with("<stdin>.sql:1:1: error syntax-error "),
        "{}",
        stdout(&out)
    );
    // A query file's unsaved text is checked against the schema the migrations build.
    fs::write(
        dir.path().join("pgproof.toml"),
        "migrations = \"db\"\nqueries = [\"queries\"]\n",
    )
    .unwrap();
    fs::create_dir(dir.path().join("queries")).unwrap();
    fs::write(
        dir.path().join("queries/accounts.sql"),
        "-- name: Accounts :many\nSELECT id, email FROM accounts;\n",
    )
    .unwrap();
    let out = lint_stdin(
        &[
            "--format",
            "compact",
            "--stdin-filename",
            "queries/accounts.sql",
            "-",
        ],
        "-- name: Accounts :many\nSELECT id, nickname FROM accounts;\n",
        dir.path(),
    );
    let text = stdout(&out);
    assert!(
        text.lines()
            .any(|l| l.contains("queries/accounts.sql:2:") && l.contains("nickname")),
        "{text}{}",
        stderr(&out)
    );
    fs::remove_file(dir.path().join("pgproof.toml")).unwrap();
    // --stdin-filename without `-`, and `-` with other paths, are refused.
    let out = lint_stdin(
        &["--stdin-filename", "db/002_next.sql", "db"],
        "SELECT 1;",
        dir.path(),
    );
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("give `-` as the path"),
        "{}",
        stderr(&out)
    );
    // A file no set reads is not linted: an error, even with -q.
    fs::write(dir.path().join("db/notes.txt"), "x").unwrap();
    let out = lint_stdin(
        &["-q", "--stdin-filename", "db/notes.txt", "-"],
        "SELECT 1;",
        dir.path(),
    );
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("error: nothing linted"),
        "{}",
        stderr(&out)
    );
    let out = lint_stdin(&["-", "."], "SELECT 1;", dir.path());
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(stderr(&out).contains("cannot be linted with other paths"));
}

/// A monorepo: `[[sets]]` gives each service's migrations its own layout, PostgreSQL version and
/// runner transaction; a set no entry covers keeps the top-level settings.
#[test]
fn sets_in_a_monorepo_have_their_own_layout_version_and_transaction() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let table = "CREATE TABLE accounts (id bigint PRIMARY KEY, email text);\n";
    let not_null = "ALTER TABLE accounts ALTER COLUMN email SET NOT NULL;\n";
    for service in ["billing", "search", "legacy"] {
        let db = root.join(service).join("db");
        fs::create_dir_all(&db).unwrap();
        fs::write(db.join("001_accounts.sql"), table).unwrap();
        fs::write(db.join("002_not_null.sql"), not_null).unwrap();
    }
    fs::write(
        root.join("pgproof.toml"),
        "pg_version = 16\n\n\
         [[sets]]\npath = \"legacy\"\npg_version = 11\n\n\
         [[sets]]\npath = \"search/db\"\nlayout = \"sqlx\"\nrunner_transaction = false\n",
    )
    .unwrap();
    let json = pgproof(&["lint", "--format", "json", "."], root);
    let json: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let sets = json["sets"]
        .as_array()
        .unwrap_or_else(|| panic!("{json:#}"));
    let set = |name: &str| {
        sets.iter()
            .find(|s| s["path"].as_str().unwrap().contains(name))
            .unwrap_or_else(|| panic!("{name}: {sets:#?}"))
    };
    assert_eq!(set("legacy")["pg_version"], 11);
    assert!(set("billing").get("pg_version").is_none());
    assert_eq!(set("search")["layout"], "sqlx");
    assert_eq!(set("search")["decided"], "configured");
    assert!(set("search")["transaction"]
        .as_str()
        .unwrap()
        .contains("runner_transaction"));
    // The version decides the advice: PostgreSQL 11 has no way to skip SET NOT NULL's scan.
    let fix_of = |service: &str| {
        json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| {
                f["rule"] == "set-not-null-scan" && f["file"].as_str().unwrap().contains(service)
            })
            .unwrap_or_else(|| panic!("{service}: {json:#}"))["fix"]
            .clone()
    };
    assert!(fix_of("legacy").is_null());
    assert!(!fix_of("billing").is_null());
    let human = stdout(&pgproof(&["lint", "."], root));
    assert!(
        human.contains("PostgreSQL 11 (`[[sets]]` in pgproof.toml)"),
        "{human}"
    );
    // A flag wins over the file, `[[sets]]` included.
    let flagged = pgproof(&["lint", "--pg-version", "15", "."], root);
    assert!(
        !stdout(&flagged).contains("PostgreSQL 11"),
        "{}",
        stdout(&flagged)
    );
    // A bad entry names itself.
    fs::write(root.join("pgproof.toml"), "[[sets]]\npath = \"nowhere\"\n").unwrap();
    let bad = pgproof(&["lint", "."], root);
    assert_eq!(code(&bad), 2);
    assert!(
        stderr(&bad).contains("`[[sets]]` entry 1 (`nowhere`): `path` is not a directory"),
        "{}",
        stderr(&bad)
    );
}

/// docs/json-format.md names every category a rule can have (the JSON's `category`).
#[test]
fn the_json_format_doc_lists_every_category() {
    let doc = fs::read_to_string(root().join("docs/json-format.md")).unwrap();
    let row = doc
        .lines()
        .find(|l| l.starts_with("| `category` |"))
        .expect("a category row");
    for rule in pgproof::rules::RULES {
        let name = rule.meta().category.name();
        assert!(
            row.contains(&format!("`{name}`")),
            "{name} is not in: {row}"
        );
    }
}

#[test]
fn rules_and_explain() {
    let table = pgproof(&["rules"], &root());
    assert_eq!(code(&table), 0);
    for rule in pgproof::rules::RULES {
        assert!(stdout(&table).contains(rule.meta().id.as_str()));
    }
    let json = pgproof(&["rules", "--format", "json"], &root());
    let rules: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(rules.as_array().unwrap().len(), pgproof::rules::RULES.len());
    let explain = pgproof(&["explain", "set-not-null-scan"], &root());
    assert!(stdout(&explain).starts_with("# set-not-null-scan\n"));
    let unknown = pgproof(&["explain", "not-null"], &root());
    assert_eq!(code(&unknown), 2);
    assert!(
        stderr(&unknown).contains("did you mean") && stderr(&unknown).contains("set-not-null-scan"),
        "{}",
        stderr(&unknown)
    );
}

/// `--version` names the commit; completions and the man page come from the command line's own
/// definition and are well-formed (bash parses the script; the page is roff with every command).
#[test]
fn version_completions_and_man_page() {
    let version = stdout(&pgproof(&["--version"], &root()));
    assert!(
        version.starts_with(&format!("pgproof {} (commit ", env!("CARGO_PKG_VERSION"))),
        "{version}"
    );
    let bash = pgproof(&["completions", "bash"], &root());
    assert_eq!(code(&bash), 0);
    let script = stdout(&bash);
    for command in ["lint", "audit", "prove", "explain", "--since"] {
        assert!(script.contains(command), "{command} completes");
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pgproof.bash");
    fs::write(&path, &script).unwrap();
    let check = Command::new("bash").arg("-n").arg(&path).output().unwrap();
    assert!(check.status.success(), "{}", stderr(&check));
    for shell in ["zsh", "fish", "elvish", "powershell"] {
        let out = pgproof(&["completions", shell], &root());
        assert!(code(&out) == 0 && !out.stdout.is_empty(), "{shell}");
    }
    let man = stdout(&pgproof(&["man"], &root()));
    assert!(
        man.contains(".TH pgproof 1") && man.contains(".SH NAME"),
        "{man}"
    );
    for command in ["lint", "audit", "prove", "prune"] {
        assert!(man.contains(command), "the man page lists {command}");
    }
    let typo = pgproof(&["explain", "create-index-non-concurently"], &root());
    assert!(
        stderr(&typo).contains("did you mean `create-index-non-concurrently`"),
        "{}",
        stderr(&typo)
    );
}

/// The README's sample output is what the binary prints on the bundled example: its first
/// diagnostics (up to the `...`) and its summary, so the sample cannot go stale.
#[test]
fn readme_sample_output_is_the_binarys() {
    let readme = fs::read_to_string(root().join("README.md")).unwrap();
    let intro = readme
        .find("On the bundled example")
        .expect("README has the sample");
    let start = readme[intro..].find("```text\n").unwrap() + intro + "```text\n".len();
    let end = readme[start..].find("```\n").unwrap() + start;
    let (head, tail) = readme[start..end]
        .split_once("...\n")
        .expect("the sample elides the middle with ...");
    let out = pgproof(&["lint", "examples/migrations"], &root());
    assert_eq!(code(&out), 1);
    let printed = stdout(&out);
    assert!(
        printed.starts_with(head),
        "README sample's start is stale; the binary prints:\n{printed}"
    );
    assert!(
        printed.ends_with(tail),
        "README sample's summary is stale; the binary prints:\n{printed}"
    );
}

#[test]
fn readme_rules_table_matches_the_registry() {
    let readme = fs::read_to_string(root().join("README.md")).unwrap();
    let start = readme
        .find("<!-- rules:start -->")
        .expect("README has a rules table");
    let end = readme.find("<!-- rules:end -->").expect("rules table end");
    let listed: Vec<&str> = readme[start..end]
        .lines()
        .filter_map(|l| l.strip_prefix("| [`"))
        .filter_map(|l| l.split('`').next())
        .collect();
    let registry: Vec<&str> = pgproof::rules::RULES
        .iter()
        .map(|r| r.meta().id.as_str())
        .collect();
    assert_eq!(listed, registry);
    // Every column (category, default severity, fix kind, summary), not only the ids: the table
    // is `pgproof rules --format markdown`, pasted between the markers.
    let table = &readme[start + "<!-- rules:start -->\n".len()..end];
    let generated = pgproof(&["rules", "--format", "markdown"], &root());
    assert_eq!(code(&generated), 0);
    assert_eq!(
        table,
        stdout(&generated),
        "README rules table is stale: paste `pgproof rules --format markdown` between the markers"
    );
    assert_eq!(table, pgproof::commands::rules::markdown_table());
}

#[test]
fn named_files_are_reported_with_their_history_replayed() {
    // As a pre-commit hook passes changed files: 002 is linted knowing 001 created the table.
    let out = pgproof(
        &[
            "lint",
            "--format",
            "json",
            "sql-fixtures/migrations/diesel-transactions/2024-02-01-000000_index_in_tx/up.sql",
        ],
        &root(),
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rules = common::finding_rules(&json);
    assert_eq!(rules, vec!["concurrently-in-transaction"]);
    assert_eq!(json["summary"]["migrations"], 3);
}

#[test]
fn a_foreign_key_added_to_an_old_table_is_reported_in_the_new_file() {
    // The pre-commit case: only the new migration is named, and the finding about the foreign key
    // it adds belongs to it, not to the migration that created the table.
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("0001_init.sql"),
        "CREATE TABLE users (id bigint PRIMARY KEY);\nCREATE TABLE emails (id bigint PRIMARY KEY);\n",
    )
    .unwrap();
    fs::write(
        dir.path().join("0002_fk.sql"),
        "SET lock_timeout = '5s';\nALTER TABLE emails ADD COLUMN user_id bigint REFERENCES users(id);\n",
    )
    .unwrap();
    let out = pgproof(&["lint", "--format", "json", "0002_fk.sql"], dir.path());
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let found: Vec<(String, String, u64)> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["file"]
                    .as_str()
                    .unwrap()
                    .trim_start_matches("./")
                    .to_string(),
                f["line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        found,
        vec![(
            "foreign-key-without-index".to_string(),
            "0002_fk.sql".to_string(),
            2
        )]
    );
}

#[test]
fn since_reports_only_changed_migrations() {
    let dir = tempfile::tempdir().unwrap();
    let git = |args: &[&str]| {
        let ok = Command::new("git")
            .args(args)
            .current_dir(dir.path())
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@t")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@t")
            .output()
            .unwrap();
        assert!(
            ok.status.success(),
            "{}",
            String::from_utf8_lossy(&ok.stderr)
        );
    };
    git(&["init", "-q"]);
    fs::create_dir(dir.path().join("migrations")).unwrap();
    fs::write(
        dir.path().join("migrations/001_a.sql"),
        "CREATE TABLE t (id bigint PRIMARY KEY, a text, b text);\nCREATE TABLE loose (x int);\n",
    )
    .unwrap();
    git(&["add", "."]);
    git(&["commit", "-qm", "one"]);
    fs::write(
        dir.path().join("migrations/002_b.sql"),
        "SET lock_timeout = '5s';\nALTER TABLE t DROP COLUMN a;\n",
    )
    .unwrap();
    let all = pgproof(&["lint", "--format", "json", "migrations"], dir.path());
    let all: serde_json::Value = serde_json::from_slice(&all.stdout).unwrap();
    assert_eq!(all["findings"].as_array().unwrap().len(), 2);
    let since = pgproof(
        &["lint", "--format", "json", "--since", "HEAD", "migrations"],
        dir.path(),
    );
    let since: serde_json::Value = serde_json::from_slice(&since.stdout).unwrap();
    let rules = common::finding_rules(&since);
    assert_eq!(rules, vec!["drop-column"]);
    let bad_ref = pgproof(
        &["lint", "--since", "no-such-ref", "migrations"],
        dir.path(),
    );
    assert_eq!(code(&bad_ref), 2);
    assert!(stderr(&bad_ref).contains("no-such-ref"));
}

#[test]
fn bad_input_never_crashes() {
    let dir = tempfile::tempdir().unwrap();
    let m = dir.path().join("migrations");
    fs::create_dir(&m).unwrap();
    fs::write(m.join("001_binary.sql"), b"\x7fELF\x02\x01\x01\x00\x00\x00").unwrap();
    fs::write(m.join("002_latin1.sql"), b"CREATE TABLE caf\xe9 (id int);").unwrap();
    fs::write(m.join("003_empty.sql"), b"").unwrap();
    fs::write(
        m.join("004_unterminated_comment.sql"),
        "CREATE TABLE ok (id bigint PRIMARY KEY);\n/* never closed\nSELECT 1;",
    )
    .unwrap();
    fs::write(m.join("005_meta.sql"), "\\set ON_ERROR_STOP on\n\\connect other\n\\i included.sql\nCREATE TABLE meta (id bigint PRIMARY KEY);\n").unwrap();
    let depth = 5_000;
    fs::write(
        m.join("006_nested.sql"),
        format!(
            "SELECT {}1{};\nCREATE TABLE after_nested (id bigint PRIMARY KEY);\n",
            "(".repeat(depth),
            ")".repeat(depth)
        ),
    )
    .unwrap();
    // A long left-deep chain: the parser copes, but the tree is deep for everything after it.
    fs::write(
        m.join("006b_chain.sql"),
        format!(
            "SELECT 1{};\nCREATE TABLE after_chain (id bigint PRIMARY KEY);\n",
            " + 1".repeat(30_000)
        ),
    )
    .unwrap();
    let big = m.join("007_big.sql");
    let line = "INSERT INTO ok (id) VALUES (1);\n";
    fs::write(&big, line.repeat(50 * 1024 * 1024 / line.len() + 1)).unwrap();
    let out = pgproof(&["lint", "--format", "json", "migrations"], dir.path());
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    let findings = json["findings"].as_array().unwrap();
    let find = |file: &str| {
        findings
            .iter()
            .filter(|f| f["file"].as_str().unwrap().ends_with(file))
            .map(|f| f["message"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert!(find("001_binary.sql")[0].contains("NUL byte"));
    assert!(find("002_latin1.sql")[0].contains("not valid UTF-8"));
    assert!(find("003_empty.sql").is_empty());
    assert_eq!(
        find("004_unterminated_comment.sql"),
        vec!["unterminated block comment"]
    );
    assert!(
        find("005_meta.sql").is_empty(),
        "{:?}",
        find("005_meta.sql")
    );
    assert!(
        find("006_nested.sql").is_empty(),
        "{:?}",
        find("006_nested.sql")
    );
    assert!(find("007_big.sql")[0].contains("over the 16 MiB limit"));
    assert!(json["summary"]["statements"].as_u64().unwrap() >= 4);
}

#[test]
fn ten_thousand_files() {
    let dir = tempfile::tempdir().unwrap();
    let m = dir.path().join("migrations");
    fs::create_dir(&m).unwrap();
    fs::write(
        m.join("00000_init.sql"),
        "CREATE TABLE t (id bigint PRIMARY KEY, n int);\n",
    )
    .unwrap();
    for i in 1..10_000 {
        fs::write(
            m.join(format!("{i:05}_step.sql")),
            format!("UPDATE t SET n = {i} WHERE id = 1;\n"),
        )
        .unwrap();
    }
    let out = pgproof(&["lint", "--format", "json", "migrations"], dir.path());
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["summary"]["files"], 10_000);
}

#[test]
fn broken_pipe_exits_quietly() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pgproof"))
        .args(["lint", "--format", "sarif", "sql-fixtures/migrations"])
        .current_dir(root())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 16];
    child
        .stdout
        .as_mut()
        .unwrap()
        .read_exact(&mut first)
        .unwrap();
    drop(child.stdout.take());
    let status = child.wait().unwrap();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert!(err.is_empty(), "stderr: {err}");
    assert!(
        status.code().is_some(),
        "killed by a signal instead of exiting"
    );
}

#[test]
fn require_statement_timeout_is_opt_in() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir_all(dir.path().join("migrations")).unwrap();
    fs::write(
        dir.path().join("migrations/001_a.sql"),
        "CREATE TABLE t (id bigint PRIMARY KEY, c text);\n",
    )
    .unwrap();
    fs::write(
        dir.path().join("migrations/002_b.sql"),
        "SET lock_timeout = '5s';\nALTER TABLE t ADD COLUMN d text;\n",
    )
    .unwrap();
    let rules_of = |out: &Output| -> Vec<String> {
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| format!("{} {}", f["rule"].as_str().unwrap(), f["message"]))
            .collect()
    };
    // Off by default: lock_timeout is enough.
    let out = pgproof(&["lint", "--format", "json", "migrations"], dir.path());
    assert!(rules_of(&out).is_empty(), "{:?}", rules_of(&out));
    fs::write(
        dir.path().join("pgproof.toml"),
        "require_statement_timeout = true\n",
    )
    .unwrap();
    let out = pgproof(&["lint", "--format", "json", "migrations"], dir.path());
    let found = rules_of(&out);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].starts_with("missing-lock-timeout "), "{found:?}");
    assert!(found[0].contains("statement_timeout"), "{found:?}");
    fs::write(
        dir.path().join("migrations/002_b.sql"),
        "SET lock_timeout = '5s';\nSET statement_timeout = '1min';\nALTER TABLE t ADD COLUMN d text;\n",
    )
    .unwrap();
    let out = pgproof(&["lint", "--format", "json", "migrations"], dir.path());
    assert!(rules_of(&out).is_empty(), "{:?}", rules_of(&out));
}

#[test]
fn schema_from_a_dump_replaces_the_squashed_history() {
    let dir = tempfile::tempdir().unwrap();
    // What `pg_dump --schema-only` prints, trimmed.
    fs::write(
        dir.path().join("schema.sql"),
        "SET statement_timeout = 0;
SELECT pg_catalog.set_config('search_path', '', false);
CREATE TABLE public.orders (
    id bigint NOT NULL,
    total numeric,
    CONSTRAINT orders_total_nn CHECK ((total IS NOT NULL))
);
ALTER TABLE public.orders OWNER TO app;
ALTER TABLE ONLY public.orders ADD CONSTRAINT orders_pkey PRIMARY KEY (id);
",
    )
    .unwrap();
    fs::create_dir(dir.path().join("migrations")).unwrap();
    fs::write(
        dir.path().join("migrations/0100_total_required.sql"),
        "SET lock_timeout = '5s';\nALTER TABLE orders ALTER COLUMN total SET NOT NULL;\n",
    )
    .unwrap();
    let rules = |args: &[&str]| -> Vec<String> {
        let out = pgproof(args, dir.path());
        assert!(code(&out) <= 1, "{}", stderr(&out));
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["rule"].as_str().unwrap().to_string())
            .collect()
    };
    // Without the base schema pgproof cannot know the validated CHECK: it warns about the scan.
    let alone = rules(&["lint", "--format", "json", "migrations"]);
    assert!(
        alone.contains(&"set-not-null-scan".to_string()),
        "{alone:?}"
    );
    // With it, the CHECK proves the column and PostgreSQL 12+ skips the scan; the dump's own
    // objects are not reported on.
    let based = rules(&[
        "lint",
        "--format",
        "json",
        "--schema-from",
        "schema.sql",
        "migrations",
    ]);
    assert!(
        !based.contains(&"set-not-null-scan".to_string()),
        "{based:?}"
    );
    let missing = pgproof(
        &["lint", "--schema-from", "nope.sql", "migrations"],
        dir.path(),
    );
    assert_eq!(code(&missing), 2);
    assert!(
        stderr(&missing).contains("nope.sql"),
        "{}",
        stderr(&missing)
    );
}

/// `pgproof` run by an unprivileged user: as root (CI) through `setpriv` as `nobody`, so that
/// permissions are enforced; otherwise as the current user.
#[allow(unsafe_code)] // geteuid(2): no safe std API
fn pgproof_unprivileged(args: &[&str], cwd: &Path) -> Output {
    // SAFETY: geteuid only reads the process's user id.
    let root = unsafe { libc::geteuid() } == 0;
    // The build directory may sit under a directory `nobody` cannot enter (a clone in /root):
    // run a copy of the binary from a directory everyone can read.
    let bin_dir = tempfile::tempdir().unwrap();
    let mut command = if root {
        let bin = bin_dir.path().join("pgproof");
        fs::copy(env!("CARGO_BIN_EXE_pgproof"), &bin).unwrap();
        chmod(bin_dir.path(), 0o755);
        chmod(&bin, 0o755);
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(&bin);
        c
    } else {
        Command::new(env!("CARGO_BIN_EXE_pgproof"))
    };
    command
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .output()
        .expect("run pgproof (as root: through setpriv, from util-linux)")
}

#[cfg(unix)]
fn chmod(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
}

const HAZARD: &str = "CREATE INDEX t_a_idx ON t (a);\n";
const TABLE: &str = "CREATE TABLE t (id bigint PRIMARY KEY, a int);\n";

#[cfg(unix)]
#[test]
fn symlinked_migrations_are_linted_under_the_link_path() {
    let dir = tempfile::tempdir().unwrap();
    let m = dir.path().join("migrations");
    fs::create_dir_all(&m).unwrap();
    fs::create_dir_all(dir.path().join("elsewhere/more")).unwrap();
    fs::write(m.join("001_table.sql"), TABLE).unwrap();
    fs::write(dir.path().join("elsewhere/002_index.sql"), HAZARD).unwrap();
    fs::write(dir.path().join("elsewhere/more/001_table.sql"), TABLE).unwrap();
    fs::write(dir.path().join("elsewhere/more/002_index.sql"), HAZARD).unwrap();
    std::os::unix::fs::symlink("../elsewhere/002_index.sql", m.join("002_index.sql")).unwrap();
    std::os::unix::fs::symlink("../elsewhere/more", m.join("more")).unwrap();
    let files = |out: &Output| -> Vec<String> {
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
        json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule"] == "create-index-non-concurrently")
            .map(|f| f["file"].as_str().unwrap().to_string())
            .collect()
    };
    // Inside a directory: a linked file and a linked directory.
    let out = pgproof(&["lint", "--format", "json", "migrations"], dir.path());
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert_eq!(
        files(&out),
        vec!["migrations/002_index.sql", "migrations/more/002_index.sql"]
    );
    // A linked migration passed directly.
    let out = pgproof(
        &["lint", "--format", "json", "migrations/002_index.sql"],
        dir.path(),
    );
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert_eq!(files(&out), vec!["migrations/002_index.sql"]);
    // A loop is an error naming the link; the rest is still linted and reported.
    std::os::unix::fs::symlink(&m, m.join("more/up")).unwrap();
    let out = pgproof(&["lint", "--format", "json", "migrations"], dir.path());
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert_eq!(files(&out).len(), 2, "{}", stdout(&out));
    assert!(
        stderr(&out).contains("cannot read `migrations/more/up`: symbolic link loop"),
        "{}",
        stderr(&out)
    );
    fs::remove_file(m.join("more/up")).unwrap();
    // A dangling link is an error naming it.
    std::os::unix::fs::symlink("../elsewhere/gone.sql", m.join("003_gone.sql")).unwrap();
    let out = pgproof(&["lint", "migrations"], dir.path());
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("cannot read `migrations/003_gone.sql`: dangling symbolic link"),
        "{}",
        stderr(&out)
    );
    assert!(stdout(&out).contains("create-index-non-concurrently"));
}

#[cfg(unix)]
#[test]
fn unreadable_files_and_directories_are_reported_and_the_rest_linted() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("db/a");
    let b = dir.path().join("db/b");
    fs::create_dir_all(&a).unwrap();
    fs::create_dir_all(&b).unwrap();
    fs::write(a.join("001_table.sql"), TABLE).unwrap();
    fs::write(a.join("002_index.sql"), HAZARD).unwrap();
    fs::write(a.join("003_secret.sql"), "DROP TABLE t;\n").unwrap();
    fs::write(b.join("001_other.sql"), "DROP TABLE nothing;\n").unwrap();
    for d in [dir.path(), &dir.path().join("db"), &a] {
        chmod(d, 0o755);
    }
    chmod(&a.join("003_secret.sql"), 0o000);
    chmod(&b, 0o000);
    let out = pgproof_unprivileged(&["lint", "--format", "json", "db"], dir.path());
    let err = stderr(&out);
    assert_eq!(code(&out), 2, "{err}");
    assert!(
        err.contains("cannot read `db/a/003_secret.sql`: Permission denied"),
        "{err}"
    );
    assert!(
        err.contains("cannot read `db/b`: Permission denied"),
        "{err}"
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let rules = common::finding_rules(&json);
    assert!(
        rules.contains(&"create-index-non-concurrently"),
        "{rules:?}"
    );
    let errors: Vec<(&str, &str)> = json["errors"]
        .as_array()
        .expect("an `errors` array")
        .iter()
        .map(|e| (e["path"].as_str().unwrap(), e["message"].as_str().unwrap()))
        .collect();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert_eq!(errors[0].0, "db/a/003_secret.sql");
    assert_eq!(errors[1].0, "db/b");
    assert!(errors[1].1.contains("Permission denied"), "{errors:?}");
    // Every format still prints the findings; SARIF says the run did not complete, validly.
    let human = pgproof_unprivileged(&["lint", "db"], dir.path());
    assert_eq!(code(&human), 2);
    assert!(stdout(&human).contains("create-index-non-concurrently"));
    let sarif = pgproof_unprivileged(&["lint", "--format", "sarif", "db"], dir.path());
    assert_eq!(code(&sarif), 2);
    let sarif: serde_json::Value = serde_json::from_slice(&sarif.stdout).expect("JSON");
    let problems = common::sarif_errors(&sarif);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert_eq!(
        sarif["runs"][0]["invocations"][0]["executionSuccessful"],
        false
    );
    assert!(!sarif["runs"][0]["results"].as_array().unwrap().is_empty());
    let github = pgproof_unprivileged(&["lint", "--format", "github", "db"], dir.path());
    assert_eq!(code(&github), 2);
    assert!(
        stdout(&github).contains("::error file=db/b,"),
        "{}",
        stdout(&github)
    );
    chmod(&b, 0o755);
}

#[test]
fn nothing_to_lint_is_said_and_can_be_an_error() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir_all(dir.path().join("empty")).unwrap();
    fs::create_dir_all(dir.path().join("db/seeds")).unwrap();
    fs::write(dir.path().join("db/seeds/001_seed.sql"), TABLE).unwrap();
    let out = pgproof(&["lint", "empty"], dir.path());
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("pgproof: note: nothing linted in `empty`: no `.sql` files under it"),
        "{}",
        stderr(&out)
    );
    let out = pgproof(&["lint", "--require-files", "empty"], dir.path());
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("pgproof: error: nothing linted in `empty`"),
        "{}",
        stderr(&out)
    );
    // Only the path that found nothing is named; the other is linted.
    fs::write(dir.path().join("db/seeds/002_b.sql"), HAZARD).unwrap();
    let out = pgproof(&["lint", "--require-files", "empty", "db"], dir.path());
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(!stderr(&out).contains("`db`"), "{}", stderr(&out));
    assert!(stdout(&out).contains("create-index-non-concurrently"));
    fs::remove_file(dir.path().join("db/seeds/002_b.sql")).unwrap();
    // Everything excluded by the config, which also makes it an error.
    fs::write(
        dir.path().join("pgproof.toml"),
        "exclude = [\"**/seeds/**\"]\nrequire_files = true\n",
    )
    .unwrap();
    let out = pgproof(&["lint", "db"], dir.path());
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(
        stderr(&out).contains(
            "nothing linted in `db`: all 1 `.sql` files under it are left out by `include`/`exclude`"
        ),
        "{}",
        stderr(&out)
    );
    fs::write(dir.path().join("pgproof.toml"), "require_files = false\n").unwrap();
    let out = pgproof(&["lint", "db"], dir.path());
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(!stderr(&out).contains("nothing linted"), "{}", stderr(&out));
}
