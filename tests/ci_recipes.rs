//! The CI recipes users paste, run here as their CI system would run them: the GitHub Action's
//! lint step (`action.yml`) and the GitLab CI template's script (`ci/pgproof.gitlab-ci.yml`), on
//! a clone of a repository whose pull request adds a hazardous migration. The built binary stands
//! in for the installed one (the install steps are not run: they fetch from the network).

// Tests may unwrap: a panic here is a failing test (clippy.toml only exempts `#[test]` fns).
#![allow(clippy::unwrap_used)]

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use yaml_rust2::{Yaml, YamlLoader};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn yaml(path: &str) -> Yaml {
    let text = fs::read_to_string(root().join(path)).unwrap();
    YamlLoader::load_from_str(&text)
        .unwrap()
        .into_iter()
        .next()
        .unwrap()
}

/// A clone whose `origin` has `main` with two migrations (the second one a hazard already
/// merged), checked out on a branch that adds a third (a new hazard).
fn pull_request() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let origin = dir.path().join("origin");
    let work = dir.path().join("work");
    fs::create_dir_all(origin.join("migrations")).unwrap();
    fs::write(
        origin.join("migrations/001_accounts.sql"),
        "CREATE TABLE accounts (id bigint PRIMARY KEY, email text);\n",
    )
    .unwrap();
    fs::write(
        origin.join("migrations/002_index.sql"),
        "CREATE INDEX accounts_email ON accounts (email);\n",
    )
    .unwrap();
    common::git(&origin, &["init", "-q", "-b", "main"]);
    common::git(&origin, &["add", "."]);
    common::git(&origin, &["commit", "-q", "-m", "base"]);
    common::git(
        dir.path(),
        &["clone", "-q", origin.to_str().unwrap(), "work"],
    );
    common::git(&work, &["checkout", "-q", "-b", "feature"]);
    fs::write(
        work.join("migrations/003_not_null.sql"),
        "ALTER TABLE accounts ALTER COLUMN email SET NOT NULL;\n",
    )
    .unwrap();
    common::git(&work, &["add", "."]);
    common::git(&work, &["commit", "-q", "-m", "feature"]);
    (dir, work)
}

/// Runs `script` with bash as the CI system does (`-e`, `pipefail`), the built pgproof first on
/// the PATH and only `env` (and what a shell needs) in the environment.
fn run(script: &str, cwd: &Path, env: &[(&str, &str)]) -> Output {
    let bin = Path::new(env!("CARGO_BIN_EXE_pgproof")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    Command::new("bash")
        .args(["--noprofile", "--norc", "-eo", "pipefail", "-c", script])
        .current_dir(cwd)
        .env_clear()
        .env("PATH", path)
        .env("HOME", cwd)
        .env("NO_COLOR", "1")
        .env("PGPROOF_NO_CACHE", "1")
        .envs(env.iter().copied())
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn the_github_actions_lint_step_annotates_new_hazards_and_reports_every_finding() {
    let action = yaml("action.yml");
    let steps = action["runs"]["steps"].as_vec().unwrap();
    let lint = steps
        .iter()
        .find(|s| s["id"].as_str() == Some("lint"))
        .expect("a step with id lint");
    assert_eq!(lint["shell"].as_str(), Some("bash"));
    // The step reads its inputs from its env: each maps one input.
    let env = lint["env"].as_hash().unwrap();
    for name in [
        "PGPROOF_PATHS",
        "PGPROOF_BASE",
        "PGPROOF_ARGS",
        "PGPROOF_SARIF",
    ] {
        assert!(env.contains_key(&Yaml::String(name.into())), "{name}");
    }
    let (_dir, work) = pull_request();
    let summary = work.join("summary.md");
    let output = work.join("output.txt");
    fs::write(&summary, "").unwrap();
    fs::write(&output, "").unwrap();
    let out = run(
        lint["run"].as_str().unwrap(),
        &work,
        &[
            ("PGPROOF_PATHS", "migrations"),
            ("PGPROOF_BASE", "main"),
            // A flag the step also passes: the user's --fail-on, its own --format.
            (
                "PGPROOF_ARGS",
                "--pg-version 16 --fail-on warning --format json",
            ),
            ("PGPROOF_SARIF", "true"),
            ("GITHUB_STEP_SUMMARY", summary.to_str().unwrap()),
            ("GITHUB_OUTPUT", output.to_str().unwrap()),
        ],
    );
    // The new migration's hazard fails the job (a warning: exit code 1) and is annotated; the
    // merged migration's is not.
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let annotations = text(&out.stdout);
    assert!(
        annotations.contains("::warning file=migrations/003_not_null.sql,line=1"),
        "{annotations}"
    );
    assert!(!annotations.contains("002_index"), "{annotations}");
    // One Markdown report on the summary page (the SARIF run writes none).
    let written = fs::read_to_string(&summary).unwrap();
    assert_eq!(
        written.matches("<!-- pgproof-lint -->").count(),
        1,
        "{written}"
    );
    assert!(written.contains("003_not_null.sql"), "{written}");
    // SARIF of every finding, named in the step's output.
    assert_eq!(
        fs::read_to_string(&output).unwrap(),
        "sarif-file=pgproof.sarif\n"
    );
    let sarif: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(work.join("pgproof.sarif")).unwrap()).unwrap();
    let files: Vec<&str> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str())
        .collect();
    assert!(
        files.iter().any(|f| f.ends_with("002_index.sql")),
        "{files:?}"
    );
    assert!(
        files.iter().any(|f| f.ends_with("003_not_null.sql")),
        "{files:?}"
    );
    // The upload step runs only when a SARIF file was written.
    let upload = steps
        .iter()
        .find(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.contains("upload-sarif"))
        })
        .expect("an upload step");
    assert!(upload["if"].as_str().unwrap().contains("sarif-file"));
}

#[test]
fn the_gitlab_template_reports_code_quality_and_fails_on_new_hazards() {
    let template = yaml("ci/pgproof.gitlab-ci.yml");
    let job = &template["pgproof"];
    assert_eq!(
        job["artifacts"]["reports"]["codequality"].as_str(),
        Some("gl-code-quality-report.json")
    );
    let variables = job["variables"].as_hash().unwrap();
    let variable = |name: &str| {
        variables[&Yaml::String(name.into())]
            .as_str()
            .unwrap()
            .to_string()
    };
    // The runner joins the script lines into one shell script.
    let script: Vec<&str> = job["script"]
        .as_vec()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect();
    let (_dir, work) = pull_request();
    let out = run(
        &script.join("\n"),
        &work,
        &[
            ("PGPROOF_PATHS", &variable("PGPROOF_PATHS")),
            (
                "PGPROOF_ARGS",
                &format!("{} --fail-on warning", variable("PGPROOF_ARGS")),
            ),
            ("CI_MERGE_REQUEST_TARGET_BRANCH_NAME", "main"),
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let lines = text(&out.stdout);
    assert!(
        lines
            .lines()
            .all(|l| l.starts_with("migrations/003_not_null.sql:1:1: ")),
        "{lines}"
    );
    assert!(lines.contains(" warning set-not-null-scan "), "{lines}");
    assert!(!lines.contains("002_index"), "{lines}");
    let report: serde_json::Value = serde_json::from_str(
        &fs::read_to_string(work.join("gl-code-quality-report.json")).unwrap(),
    )
    .unwrap();
    let paths: Vec<&str> = report
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| i["location"]["path"].as_str())
        .collect();
    assert!(
        paths.iter().any(|p| p.ends_with("002_index.sql")),
        "{paths:?}"
    );
    assert!(
        paths.iter().any(|p| p.ends_with("003_not_null.sql")),
        "{paths:?}"
    );
}

/// Each pre-commit hook runs its `entry` with the changed files as arguments: on the branch's new
/// migration it reports that file only (its history replayed) and fails.
#[test]
fn the_pre_commit_hooks_lint_the_changed_files() {
    let manifest = fs::read_to_string(root().join(".pre-commit-hooks.yaml")).unwrap();
    let hooks = YamlLoader::load_from_str(&manifest).unwrap().remove(0);
    let hooks = hooks.as_vec().unwrap();
    let ids: Vec<&str> = hooks.iter().filter_map(|h| h["id"].as_str()).collect();
    assert_eq!(ids, ["pgproof-lint", "pgproof-lint-system"]);
    let (_dir, work) = pull_request();
    for hook in hooks {
        assert_eq!(hook["files"].as_str(), Some("\\.sql$"));
        assert_eq!(hook["require_serial"].as_bool(), Some(true));
        let entry = hook["entry"].as_str().unwrap();
        let out = run(
            &format!("{entry} --format compact migrations/003_not_null.sql"),
            &work,
            &[],
        );
        assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
        let lines = text(&out.stdout);
        assert!(
            lines
                .lines()
                .all(|l| l.starts_with("migrations/003_not_null.sql:")),
            "{lines}"
        );
    }
}
