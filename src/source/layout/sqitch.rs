//! Sqitch: `deploy/<change>.sql` and `revert/<change>.sql` (`verify/` scripts are known, not
//! migrations), in `sqitch.plan` order (by name without a plan); scripts say `BEGIN`/`COMMIT`
//! themselves, so no runner transaction.

use super::{file_name, Family, Folders, Kind, Loader, SetFiles};
use crate::source::version::natural_cmp;
use crate::source::{Layout, Migration};
use anyhow::Result;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub(super) struct Sqitch;

impl Family for Sqitch {
    fn layouts(&self) -> &'static [Layout] {
        &[Layout::Sqitch]
    }

    fn kind(&self) -> Kind {
        Kind::Folders
    }

    fn detect_folders(&self, folders: &Folders<'_>, forced: Option<Layout>) -> Option<Layout> {
        (folders.include("deploy") && (forced.is_none() || forced == Some(Layout::Sqitch)))
            .then_some(Layout::Sqitch)
    }

    fn reads(&self, _layout: Layout, dir: &Path, _file: &Path) -> bool {
        // `verify/` scripts run only on `sqitch verify`: known, not migrations.
        let folder = file_name(dir);
        matches!(folder.as_str(), "deploy" | "revert" | "verify")
    }

    fn load(&self, loader: &mut Loader<'_>, set: &SetFiles<'_>, _layout: Layout) -> Result<()> {
        load_sqitch(loader, set.root, set.dirs)
    }
}

fn load_sqitch(
    loader: &mut Loader<'_>,
    root: &Path,
    dirs: &BTreeMap<PathBuf, Vec<PathBuf>>,
) -> Result<()> {
    let deploy_dir = root.join("deploy");
    let revert_dir = root.join("revert");
    let deploy: Vec<PathBuf> = dirs.get(&deploy_dir).cloned().unwrap_or_default();
    let plan_order: Vec<String> = std::fs::read_to_string(root.join("sqitch.plan"))
        .map(|plan| {
            plan.lines()
                .map(str::trim)
                .filter(|l| {
                    !l.is_empty()
                        && !l.starts_with('%')
                        && !l.starts_with('#')
                        && !l.starts_with('@')
                })
                .filter_map(|l| l.split_whitespace().next().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let mut names: Vec<String> = deploy
        .iter()
        .map(|f| file_name(f).trim_end_matches(".sql").to_string())
        .collect();
    if plan_order.is_empty() {
        names.sort_by(|a, b| natural_cmp(a, b));
    } else {
        names.sort_by_key(|n| plan_order.iter().position(|p| p == n).unwrap_or(usize::MAX));
    }
    for name in names {
        let up = loader.read(&deploy_dir.join(format!("{name}.sql")))?;
        let revert = revert_dir.join(format!("{name}.sql"));
        let down = if revert.exists() {
            loader.read(&revert)?
        } else {
            None
        };
        let transaction = loader.tx(
            false,
            "sqitch runs scripts as written; they usually say BEGIN/COMMIT themselves",
        );
        let up = loader.whole_file(up);
        let down = loader.whole_file(down);
        loader.set.migrations.push(Migration {
            id: name,
            version: None,
            up,
            down,
            transaction,
            down_transaction: None,
            supports_down: true,
        });
    }
    Ok(())
}
