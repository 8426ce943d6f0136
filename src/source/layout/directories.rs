//! One folder per migration: diesel (`<version>_name/up.sql` + `down.sql`, `metadata.toml` may turn
//! the transaction off) and Prisma Migrate (`<timestamp>_name/migration.sql`, no down part).

use super::{file_name, order, Family, Folders, Kind, Loader, SetFiles};
use crate::source::version::Version;
use crate::source::{Layout, Migration};
use anyhow::Result;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub(super) struct Directories;

impl Family for Directories {
    fn layouts(&self) -> &'static [Layout] {
        &[Layout::Diesel, Layout::Prisma]
    }

    fn kind(&self) -> Kind {
        Kind::Folders
    }

    fn detect_folders(&self, folders: &Folders<'_>, forced: Option<Layout>) -> Option<Layout> {
        if folders.hold("up.sql") && forced.is_none_or(|l| l == Layout::Diesel) {
            Some(Layout::Diesel)
        } else if folders.hold("migration.sql") && forced.is_none_or(|l| l == Layout::Prisma) {
            Some(Layout::Prisma)
        } else {
            None
        }
    }

    fn reads(&self, layout: Layout, _dir: &Path, file: &Path) -> bool {
        let name = file_name(file);
        match layout {
            Layout::Prisma => name == "migration.sql",
            _ => matches!(name.as_str(), "up.sql" | "down.sql"),
        }
    }

    fn load(&self, loader: &mut Loader<'_>, set: &SetFiles<'_>, layout: Layout) -> Result<()> {
        load_directories(loader, set.root, layout, set.dirs)
    }
}

fn load_directories(
    loader: &mut Loader<'_>,
    root: &Path,
    layout: Layout,
    dirs: &BTreeMap<PathBuf, Vec<PathBuf>>,
) -> Result<()> {
    let mut entries = vec![];
    for (dir, files) in dirs.range(root.to_path_buf()..) {
        if dir.parent() != Some(root) {
            if !dir.starts_with(root) {
                break;
            }
            continue;
        }
        let name = file_name(dir);
        let find = |n: &str| files.iter().find(|f| file_name(f) == n).cloned();
        let (up_path, down_path) = match layout {
            Layout::Prisma => (find("migration.sql"), None),
            _ => (find("up.sql"), find("down.sql")),
        };
        if up_path.is_none() && down_path.is_none() {
            continue;
        }
        let up = loader.read_part(up_path.as_ref())?;
        let down = loader.read_part(down_path.as_ref())?;
        let Some(first) = up.or(down) else { continue };
        let run_in_tx = match find("metadata.toml").and_then(|m| loader.opts.read_beside(&m)) {
            Some(meta) => !meta
                .lines()
                .any(|l| l.replace(' ', "") == "run_in_transaction=false"),
            None => true,
        };
        let version = Version::leading(&name).map(|(v, _)| v);
        entries.push((version, name, first, (up, down, run_in_tx)));
    }
    for (version, id, (up, down, run_in_tx)) in order(loader, entries) {
        let transaction = match (layout, run_in_tx) {
            (Layout::Prisma, _) => loader.tx(
                true,
                "Prisma applies each migration.sql as one script in a transaction",
            ),
            (_, true) => loader.tx(true, "diesel runs each migration in a transaction"),
            (_, false) => loader.tx_one_message("its metadata.toml sets `run_in_transaction = false`: diesel sends the file as one message, which runs as one implicit transaction when it holds several statements"),
        };
        let up = loader.whole_file(up);
        let down = loader.whole_file(down);
        loader.set.migrations.push(Migration {
            id,
            version,
            up,
            down,
            transaction,
            down_transaction: None,
            supports_down: layout == Layout::Diesel,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use crate::source::layout::discover;
    use crate::source::layout::Layout;
    use crate::source::LoadOptions;

    #[test]
    fn diesel_directories_and_metadata() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "2020-01-02-000000_b/up.sql", "select 2;");
        write(dir.path(), "2020-01-02-000000_b/down.sql", "select -2;");
        write(
            dir.path(),
            "2020-01-02-000000_b/metadata.toml",
            "run_in_transaction = false\n",
        );
        write(dir.path(), "2020-01-01-000000_a/up.sql", "select 1;");
        write(dir.path(), "2020-01-01-000000_a/down.sql", "");
        let set = one_set(dir.path());
        assert_eq!(set.layout, Layout::Diesel);
        assert_eq!(
            ids(&set),
            vec!["2020-01-01-000000_a", "2020-01-02-000000_b"]
        );
        assert!(set.migrations[0].transaction.wrapped);
        assert!(!set.migrations[1].transaction.wrapped);
        // A single file resolves to its whole set.
        let from_file = discover(
            &dir.path().join("2020-01-02-000000_b/up.sql"),
            &LoadOptions::default(),
        )
        .unwrap();
        assert_eq!(from_file.len(), 1);
        assert_eq!(from_file[0].migrations.len(), 2);
    }
}
