//! sqlc projects: `sqlc.yaml` / `sqlc.yml` / `sqlc.json` (versions 1 and 2) say which files are the
//! schema (replayed as migrations) and which are queries (checked against that schema).
//!
//! Only PostgreSQL packages are read (`engine: postgresql`); `schema` and `queries` are a path or a
//! list of paths, relative to the config file. This layer only reads files.

use super::Roots;
use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The config file names sqlc looks for, in its order.
pub const CONFIG_NAMES: &[&str] = &["sqlc.yaml", "sqlc.yml", "sqlc.json"];

/// One PostgreSQL package of an sqlc config.
#[derive(Debug, Clone)]
pub struct SqlcProject {
    pub config: PathBuf,
    /// Schema files or directories, in the order the config lists them.
    pub schema: Vec<PathBuf>,
    /// Query files or directories.
    pub queries: Vec<PathBuf>,
    /// `schema` and `queries` canonicalised, once (a corpus run asks about every file).
    roots: OnceLock<(Roots, Roots)>,
}

impl SqlcProject {
    fn roots(&self) -> &(Roots, Roots) {
        self.roots
            .get_or_init(|| (Roots::of(&self.schema), Roots::of(&self.queries)))
    }

    /// Whether `file` is one of the project's query files (listed, or under a listed directory).
    pub fn has_query_file(&self, file: &Path) -> bool {
        self.roots().1.hold(&super::canonical(file))
    }

    /// Whether `file` is one of the project's schema files.
    pub fn has_schema_file(&self, file: &Path) -> bool {
        self.has_schema_file_at(&super::canonical(file))
    }

    /// [`SqlcProject::has_schema_file`] of a file given by its canonical path.
    pub fn has_schema_file_at(&self, canonical: &Path) -> bool {
        self.roots().0.hold(canonical)
    }
}

/// A string or a list of strings, as sqlc accepts for `schema` and `queries`.
fn paths_of(value: Option<&serde_json::Value>, base: &Path, key: &str) -> Result<Vec<PathBuf>> {
    use serde_json::Value;
    match value {
        None | Some(Value::Null) => Ok(vec![]),
        Some(Value::String(s)) => Ok(vec![base.join(s)]),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| match item {
                Value::String(s) => Ok(base.join(s)),
                other => bail!("`{key}` holds `{other}`, not a path"),
            })
            .collect(),
        Some(other) => bail!("`{key}` is `{other}`, not a path or a list of paths"),
    }
}

/// YAML read with yaml-rust2, as the JSON value sqlc's keys are read from.
fn yaml_to_json(yaml: &yaml_rust2::Yaml) -> serde_json::Value {
    use serde_json::Value;
    use yaml_rust2::Yaml;
    match yaml {
        Yaml::String(s) | Yaml::Real(s) => Value::String(s.clone()),
        Yaml::Integer(i) => Value::from(*i),
        Yaml::Boolean(b) => Value::Bool(*b),
        Yaml::Array(items) => Value::Array(items.iter().map(yaml_to_json).collect()),
        Yaml::Hash(map) => Value::Object(
            map.iter()
                .filter_map(|(k, v)| match k {
                    Yaml::String(k) => Some((k.clone(), yaml_to_json(v))),
                    Yaml::Integer(i) => Some((i.to_string(), yaml_to_json(v))),
                    _ => None,
                })
                .collect(),
        ),
        _ => Value::Null,
    }
}

/// Reads an sqlc config: its PostgreSQL packages. A config that cannot be parsed is an error naming
/// the file.
pub fn read(config: &Path) -> Result<Vec<SqlcProject>> {
    let text = std::fs::read_to_string(config)
        .with_context(|| format!("cannot read the sqlc config `{}`", config.display()))?;
    let doc: serde_json::Value = if config.extension().is_some_and(|e| e == "json") {
        serde_json::from_str(&text)
            .with_context(|| format!("invalid sqlc config `{}`", config.display()))?
    } else {
        let docs = yaml_rust2::YamlLoader::load_from_str(&text)
            .map_err(|e| anyhow::anyhow!("{e}"))
            .with_context(|| format!("invalid sqlc config `{}`", config.display()))?;
        docs.first().map(yaml_to_json).unwrap_or_default()
    };
    let base = config.parent().unwrap_or(Path::new("."));
    // Version 2 lists packages under `sql`, version 1 under `packages`.
    let packages = doc
        .get("sql")
        .or_else(|| doc.get("packages"))
        .and_then(serde_json::Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut projects = vec![];
    for (i, package) in packages.iter().enumerate() {
        let engine = package.get("engine").and_then(serde_json::Value::as_str);
        if engine != Some("postgresql") {
            continue;
        }
        let at = || {
            format!(
                "invalid sqlc config `{}`: package {}",
                config.display(),
                i + 1
            )
        };
        let schema = paths_of(package.get("schema"), base, "schema").with_context(at)?;
        let queries = paths_of(package.get("queries"), base, "queries").with_context(at)?;
        projects.push(SqlcProject {
            config: config.to_path_buf(),
            schema,
            queries,
            roots: OnceLock::new(),
        });
    }
    Ok(projects)
}

/// The sqlc configs that hold `path`: the nearest one in its directory or up to four above
/// (`pgproof lint db/migrations` in an sqlc project, or one file of it), and when it is a
/// directory every one under it (hidden directories and `target`, `node_modules`, `vendor`
/// skipped).
pub fn find_configs(path: &Path) -> Vec<PathBuf> {
    let config_in = |dir: &Path| {
        CONFIG_NAMES
            .iter()
            .map(|n| dir.join(n))
            .find(|c| c.is_file())
    };
    let real = super::canonical(path);
    let dir = if real.is_file() {
        real.parent().map(Path::to_path_buf)
    } else {
        Some(real.clone())
    };
    let above = dir
        .as_deref()
        .into_iter()
        .flat_map(Path::ancestors)
        .take(5)
        .find_map(config_in)
        .map(|c| super::display_path(&c));
    if real.is_file() {
        return above.into_iter().collect();
    }
    let mut found: Vec<PathBuf> = above.into_iter().collect();
    let walker = walkdir::WalkDir::new(path)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            let name = e.file_name().to_string_lossy();
            e.depth() == 0
                || !(e.file_type().is_dir()
                    && (name.starts_with('.')
                        || ["target", "node_modules", "vendor"].contains(&&*name)))
        });
    for entry in walker.flatten() {
        if entry.file_type().is_dir() {
            if let Some(config) = config_in(entry.path()) {
                found.push(config);
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_v1_json_and_v2_yaml_postgresql_packages_only() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("sqlc.yaml"),
            "version: '2'\nsql:\n- engine: postgresql\n  schema: db/migrations\n  queries: [db/q1.sql, db/q2.sql]\n- engine: mysql\n  schema: m.sql\n  queries: mq.sql\n",
        )
        .unwrap();
        let projects = read(&dir.path().join("sqlc.yaml")).unwrap();
        assert_eq!(projects.len(), 1);
        assert_eq!(projects[0].schema, vec![dir.path().join("db/migrations")]);
        assert_eq!(projects[0].queries.len(), 2);
        std::fs::write(
            dir.path().join("sqlc.json"),
            r#"{"version":"1","packages":[{"engine":"postgresql","schema":"s.sql","queries":"q.sql"}]}"#,
        )
        .unwrap();
        let projects = read(&dir.path().join("sqlc.json")).unwrap();
        assert_eq!(projects[0].queries, vec![dir.path().join("q.sql")]);
        std::fs::write(dir.path().join("sqlc.yml"), "sql: [\n").unwrap();
        let err = format!("{:#}", read(&dir.path().join("sqlc.yml")).unwrap_err());
        assert!(err.contains("sqlc.yml"), "{err}");
    }
}
