//! Flyway: `V<version>__<name>.sql` migrations, `U<version>__<name>.sql` undo parts and
//! `R__<name>.sql` repeatables (run after the versioned ones, by name), each in a transaction
//! unless its `.sql.conf` says `executeInTransaction=false`.

use super::{file_name, order, Evidence, Family, Folders, Kind, Loader, SetFiles};
use crate::source::version::{natural_cmp, Version};
use crate::source::{Layout, Migration, RunnerTransaction, SqlPart};
use anyhow::Result;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub(super) struct Flyway;

impl Family for Flyway {
    fn layouts(&self) -> &'static [Layout] {
        &[Layout::Flyway]
    }

    fn kind(&self) -> Kind {
        Kind::Files
    }

    /// Version folders (`2.31/`, `v2/`, ...) of Flyway files beside each other: Flyway reads its
    /// locations recursively, so they are one history, ordered by version across the folders.
    fn detect_folders(&self, folders: &Folders<'_>, forced: Option<Layout>) -> Option<Layout> {
        (forced.is_none_or(|l| l == Layout::Flyway) && version_folders(folders))
            .then_some(Layout::Flyway)
    }

    fn decided(&self, _layout: Layout) -> &'static str {
        "detected by the `V<version>__<name>.sql` files of its version folders, which Flyway reads as one history"
    }

    fn reads(&self, _layout: Layout, _dir: &Path, file: &Path) -> bool {
        is_flyway_name(&file_name(file))
    }

    fn detect_files(&self, evidence: &mut Evidence<'_>) -> Option<(Layout, String)> {
        evidence.names.iter().any(|n| is_flyway_name(n)).then(|| {
            (
                Layout::Flyway,
                "detected by its `V<version>__<name>.sql` file names".to_string(),
            )
        })
    }

    fn load(&self, loader: &mut Loader<'_>, set: &SetFiles<'_>, _layout: Layout) -> Result<()> {
        load_flyway(loader, &set.files)
    }
}

/// Whether `folders` are two or more folders named like versions (`2.31`, `v2`, `1_0`) holding
/// only Flyway migrations, whose versions no two of them share (sibling folders that repeat
/// versions are separate histories: one per database or per service).
fn version_folders(folders: &Folders<'_>) -> bool {
    if folders.children.len() < 2 {
        return false;
    }
    let mut versions = std::collections::HashSet::new();
    folders.children.iter().all(|dir| {
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default();
        let sql: Vec<String> = folders.dirs[*dir]
            .iter()
            .map(|f| file_name(f))
            .filter(|n| n.ends_with(".sql"))
            .collect();
        is_version_folder(&name)
            && sql.iter().any(|n| n.starts_with('V'))
            && sql.iter().all(|n| {
                is_flyway_name(n)
                    && (!n.starts_with('V')
                        || versions
                            .insert(n[1..].split_once("__").map_or("", |(v, _)| v).to_string()))
            })
    })
}

/// Whether a folder is named like a version (`2.31`, `v2`, `1_0`).
pub(super) fn is_version_folder(name: &str) -> bool {
    let number = name.strip_prefix(['v', 'V']).unwrap_or(name);
    Version::parse_groups(number, &['.', '_']).is_some()
}

pub(super) fn is_flyway_name(name: &str) -> bool {
    let Some(body) = name.strip_suffix(".sql") else {
        return false;
    };
    if let Some(rest) = body.strip_prefix("R__") {
        return !rest.is_empty();
    }
    let Some(rest) = body.strip_prefix('V').or_else(|| body.strip_prefix('U')) else {
        return false;
    };
    rest.split_once("__")
        .is_some_and(|(v, _)| Version::parse_groups(v, &['.', '_']).is_some())
}

fn load_flyway(loader: &mut Loader<'_>, files: &[PathBuf]) -> Result<()> {
    let mut versioned: BTreeMap<String, (Option<usize>, Option<usize>, String)> = BTreeMap::new();
    let mut repeatable = vec![];
    let mut entries_files: BTreeMap<String, usize> = BTreeMap::new();
    for path in files {
        let name = file_name(path);
        let Some(index) = loader.read(path)? else {
            continue;
        };
        if !is_flyway_name(&name) {
            loader.problem(index, format!("`{name}` does not follow Flyway's `V<version>__<name>.sql` naming while its neighbours do (mixed naming schemes)"));
            continue;
        }
        let body = name.trim_end_matches(".sql");
        if let Some(rest) = body.strip_prefix("R__") {
            repeatable.push((rest.to_string(), index));
            continue;
        }
        let kind = &body[..1];
        let (version, rest) = body[1..].split_once("__").unwrap_or((&body[1..], ""));
        let entry = versioned
            .entry(version.to_string())
            .or_insert((None, None, String::new()));
        entries_files.entry(version.to_string()).or_insert(index);
        if kind == "V" {
            if entry.0.is_some() {
                loader.problem(
                    index,
                    format!("two Flyway migrations have version {version}"),
                );
            }
            entry.0 = Some(index);
            entry.2 = format!("V{version}__{rest}");
        } else {
            entry.1 = Some(index);
            if entry.2.is_empty() {
                entry.2 = format!("U{version}__{rest}");
            }
        }
    }
    let entries = versioned
        .into_iter()
        .map(|(v, data)| {
            let file = entries_files[&v];
            (
                Version::parse_groups(&v, &['.', '_']),
                data.2.clone(),
                file,
                data,
            )
        })
        .collect();
    for (version, id, (up, down, _)) in order(loader, entries) {
        let transaction = flyway_tx(loader, up);
        // An undo script is a script of its own, with its own `.conf`.
        let down_transaction = down
            .map(|d| flyway_tx(loader, Some(d)))
            .filter(|d| d.wrapped != transaction.wrapped);
        let up = loader.whole_file(up);
        let down = loader.whole_file(down);
        loader.set.migrations.push(Migration {
            id,
            version,
            up,
            down,
            transaction,
            down_transaction,
            supports_down: true,
        });
    }
    repeatable.sort_by(|a, b| natural_cmp(&a.0, &b.0));
    for (name, file) in repeatable {
        let transaction = flyway_tx(loader, Some(file));
        let text = loader.set.files[file].text.clone();
        loader.set.migrations.push(Migration {
            id: format!("R__{name}"),
            version: None,
            up: Some(SqlPart { file, text }),
            down: None,
            transaction,
            down_transaction: None,
            supports_down: false,
        });
    }
    Ok(())
}

fn flyway_tx(loader: &Loader<'_>, file: Option<usize>) -> RunnerTransaction {
    let conf = file.map(|f| PathBuf::from(format!("{}.conf", loader.set.files[f].path.display())));
    let off = conf
        .and_then(|c| loader.opts.read_beside(&c))
        .is_some_and(|t| {
            t.lines().any(|l| {
                l.replace(' ', "")
                    .eq_ignore_ascii_case("executeInTransaction=false")
            })
        });
    if off {
        loader.tx(false, "its `.sql.conf` sets `executeInTransaction=false`")
    } else {
        loader.tx(
            true,
            "Flyway runs each PostgreSQL migration in a transaction",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use crate::source::layout::Layout;

    #[test]
    fn flyway_sorts_numerically_and_pairs_undo() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "V10__c.sql", "select 10;");
        write(dir.path(), "V9__b.sql", "select 9;");
        write(dir.path(), "V1_1__a.sql", "select 1;");
        write(dir.path(), "U9__b.sql", "select -9;");
        write(dir.path(), "R__views.sql", "select 0;");
        let set = one_set(dir.path());
        assert_eq!(set.layout, Layout::Flyway);
        assert_eq!(ids(&set), vec!["V1_1__a", "V9__b", "V10__c", "R__views"]);
        assert!(set.migrations[1].down.is_some());
        assert!(set.migrations[0].transaction.wrapped);
    }

    /// Version folders of Flyway files (and Flyway files beside them) are one history, ordered
    /// by version across the folders, as Flyway reads its locations recursively; a file of one
    /// is linted with that history. Folders that repeat versions, or are not named like
    /// versions, stay separate sets.
    #[test]
    fn version_folders_are_one_history() {
        use crate::source::layout::discover;
        use crate::source::LoadOptions;
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("db");
        write(&db, "2.10/V2_10_1__c.sql", "select 3;");
        write(&db, "2.9/V2_9_2__b.sql", "select 2;");
        write(&db, "2.9/V2_9_1__a.sql", "select 1;");
        write(&db, "V1__base.sql", "select 0;");
        let set = one_set(&db);
        assert_eq!(set.layout, Layout::Flyway);
        assert_eq!(
            ids(&set),
            vec!["V1__base", "V2_9_1__a", "V2_9_2__b", "V2_10_1__c"]
        );
        let file = db.join("2.9/V2_9_2__b.sql");
        let sets = discover(&file, &LoadOptions::default()).unwrap();
        assert_eq!(sets.len(), 1);
        assert_eq!(ids(&sets[0]).len(), 4);

        let other = tempfile::tempdir().unwrap();
        write(other.path(), "v1/V1__a.sql", "select 1;");
        write(other.path(), "v2/V1__a.sql", "select 1;");
        write(other.path(), "postgres/V1__a.sql", "select 1;");
        let sets = discover(other.path(), &LoadOptions::default()).unwrap();
        assert_eq!(sets.len(), 3);
    }
}
