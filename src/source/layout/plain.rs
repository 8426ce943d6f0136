//! Plain `.sql` files run in name order by psql or a custom runner: no down parts, no runner
//! transaction. Also the family that takes a directory no other family claims.

use super::{file_name, order, updown, Evidence, Family, Kind, Loader, SetFiles};
use crate::source::version::Version;
use crate::source::{Layout, Migration, SqlPart};
use anyhow::Result;

pub(super) struct Plain;

impl Family for Plain {
    fn layouts(&self) -> &'static [Layout] {
        &[Layout::Plain]
    }

    fn kind(&self) -> Kind {
        Kind::Files
    }

    fn detect_files(&self, evidence: &mut Evidence<'_>) -> Option<(Layout, String)> {
        let how = if updown::sqlx_names(&evidence.names) {
            "assumed (no `-- no-transaction` marker or manifest naming sqlx; `--layout sqlx` if sqlx runs it)"
        } else {
            "assumed (no file names or markers of another layout)"
        };
        Some((Layout::Plain, how.to_string()))
    }

    fn load(&self, loader: &mut Loader<'_>, set: &SetFiles<'_>, _layout: Layout) -> Result<()> {
        load_plain(loader, &set.files)
    }
}

fn load_plain(loader: &mut Loader<'_>, files: &[std::path::PathBuf]) -> Result<()> {
    let mut entries = vec![];
    for path in files {
        let Some(index) = loader.read(path)? else {
            continue;
        };
        let name = file_name(path);
        let stem = name.trim_end_matches(".sql").to_string();
        let version = Version::leading(&stem).map(|(v, _)| v);
        entries.push((version, stem, index, index));
    }
    for (version, id, index) in order(loader, entries) {
        let text = loader.set.files[index].text.clone();
        let transaction = loader.tx(
            false,
            "plain SQL files run statement by statement (psql autocommit) unless they say BEGIN",
        );
        loader.set.migrations.push(Migration {
            id,
            version,
            up: Some(SqlPart { file: index, text }),
            down: None,
            transaction,
            down_transaction: None,
            supports_down: false,
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
    fn plain_files_sharing_a_date_prefix_run_in_name_order() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "20120822-b.sql", "select 2;");
        write(dir.path(), "20120822-a.sql", "select 1;");
        let set = one_set(dir.path());
        assert!(set.problems.is_empty(), "{:?}", set.problems);
        assert_eq!(ids(&set), vec!["20120822-a", "20120822-b"]);
        write(dir.path(), "1_x.up.sql", "select 1;");
        write(dir.path(), "1_y.up.sql", "select 1;");
        let strict = discover(
            dir.path(),
            &LoadOptions {
                layout: Some(Layout::UpDown),
                ..LoadOptions::default()
            },
        )
        .unwrap();
        assert!(strict[0]
            .problems
            .iter()
            .any(|p| p.message.contains("same version 1")));
    }
}
