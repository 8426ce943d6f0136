//! Helpers shared by integration tests (each test crate uses some of them).
#![allow(dead_code)]

use std::path::Path;
use std::process::Command;

/// The SARIF 2.1.0 JSON schema, as shipped in the serde-sarif dev-dependency's sources.
pub fn sarif_schema() -> serde_json::Value {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let meta = Command::new(cargo)
        .args(["metadata", "--format-version", "1"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata");
    let meta: serde_json::Value = serde_json::from_slice(&meta.stdout).expect("metadata JSON");
    let manifest = meta["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "serde-sarif")
        .expect("serde-sarif is a dev-dependency")["manifest_path"]
        .as_str()
        .unwrap()
        .to_string();
    let schema = Path::new(&manifest)
        .parent()
        .unwrap()
        .join("src/schema.json");
    serde_json::from_str(&std::fs::read_to_string(schema).expect("schema shipped in serde-sarif"))
        .unwrap()
}

/// Errors of `instance` against the SARIF schema (empty when valid).
pub fn sarif_errors(instance: &serde_json::Value) -> Vec<String> {
    let schema = sarif_schema();
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    validator
        .iter_errors(instance)
        .map(|e| format!("{e} at {}", e.instance_path))
        .collect()
}

/// Runs git in `dir` with a fixed identity, failing the test when git fails.
pub fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .status()
        .expect("git runs");
    assert!(status.success(), "git {args:?}");
}

/// A throwaway local cluster (PostgreSQL from the PATH) behind pgproof's backend type.
pub fn local_server() -> pgproof::prove::backend::Throwaway {
    use pgproof::prove::backend::{BackendChoice, BackendOptions, Throwaway};
    Throwaway::start(&BackendOptions {
        choice: BackendChoice::Local,
        image: None,
        pg_bin: None,
        database_url: None,
        pg_version: 15,
        startup_timeout: std::time::Duration::from_secs(60),
        cluster_cache: pgproof::sandbox::pristine::default_root(),
    })
    .expect("a local throwaway PostgreSQL")
}

/// A temporary directory holding `files` (name, text), for a test's migrations.
pub fn write_files(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

/// A git repository with two releases: `v1`'s files (path, text) committed and tagged `v1`, then
/// `v2`'s written over them in the working tree, uncommitted (what `--since v1` compares).
pub fn two_releases(v1: &[(&str, &str)], v2: &[(&str, &str)]) -> tempfile::TempDir {
    let repo = tempfile::tempdir().unwrap();
    let write = |files: &[(&str, &str)]| {
        for (path, text) in files {
            let path = repo.path().join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
    };
    write(v1);
    git(repo.path(), &["init", "-q"]);
    git(repo.path(), &["add", "."]);
    git(repo.path(), &["commit", "-qm", "release 1"]);
    git(repo.path(), &["tag", "v1"]);
    write(v2);
    repo
}

/// The rule of every finding in a `pgproof lint --format json` document, in order.
pub fn finding_rules(json: &serde_json::Value) -> Vec<&str> {
    json["findings"]
        .as_array()
        .expect("a findings array")
        .iter()
        .map(|f| f["rule"].as_str().expect("a rule id"))
        .collect()
}

/// The findings of `rule` in a `pgproof lint --format json` document, in order.
pub fn findings_of<'j>(json: &'j serde_json::Value, rule: &str) -> Vec<&'j serde_json::Value> {
    json["findings"]
        .as_array()
        .expect("a findings array")
        .iter()
        .filter(|f| f["rule"] == rule)
        .collect()
}

/// Runs the built `pgproof` with `args` in `cwd`, without colour.
pub fn pgproof(args: &[&str], cwd: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_pgproof"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .output()
        .expect("run pgproof")
}

/// The exit code of a run that exited normally.
pub fn code(out: &std::process::Output) -> i32 {
    out.status.code().expect("exited normally")
}

pub fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}
