//! The state a replay carries from one migration into the next, taken after a chosen migration and
//! given back to start a later replay of the same set there ([`Resume`]): what a replay cache keeps
//! (`commands/lint/cache.rs`). Serialisable; no IO: where it is kept, and when it is still valid,
//! is the caller's business.
//!
//! What a replay carries is the catalog with everything it keeps besides the schema (function
//! bodies and sources, the names a `DO` block may have changed, the witness), where each object
//! was created (to place schema findings), what was removed (for `--since`), and the statement
//! counts of the summary. Its findings in the migrations before the snapshot are not carried: a
//! replay started from a snapshot is for reporting on later files only.

use super::place::Origins;
use super::replay::Stats;
use crate::catalog::{body::FunctionSource, witness::Witness, Catalog};
use crate::finding::Member;
use crate::queries::Removal;
use crate::syntax::QualName;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// The replay of a set after its first [`Snapshot::migrations`] migrations.
#[derive(Debug, Serialize, Deserialize)]
pub struct Snapshot {
    /// How many of the set's migrations (in replay order) were replayed into this state.
    pub migrations: usize,
    catalog: Catalog,
    unreplayed: BTreeSet<String>,
    function_bodies: BTreeMap<String, Arc<str>>,
    function_refs: BTreeMap<String, Arc<FunctionSource>>,
    witness: Witness,
    /// Where each object was created: (table, member) -> (file, span, migration id).
    origins: Vec<(OriginKey, super::place::Origin)>,
    removals: Vec<Removal>,
    statements: usize,
    unmodelled_statements: usize,
    unmodelled_kinds: BTreeMap<String, usize>,
}

type OriginKey = (QualName, Option<Member>);

/// Where a set's replay starts and where it takes a snapshot.
#[derive(Debug, Default)]
pub struct Resume {
    /// Start from this state, skipping the migrations it covers (from the base schema when None).
    pub start: Option<Snapshot>,
    /// Take a snapshot after this many migrations (when the replay passes that point).
    pub keep_after: Option<usize>,
}

/// What a snapshot gives back to a replay.
pub(super) struct Restored {
    pub catalog: Catalog,
    pub origins: Origins,
    pub removals: Vec<Removal>,
    pub statements: usize,
    pub unmodelled_statements: usize,
    pub unmodelled_kinds: BTreeMap<String, usize>,
}

impl Snapshot {
    /// The state after `migrations` migrations; None when it cannot be carried over exactly: a
    /// base schema with a live database's statistics, or statements the parser gave up on (an
    /// operational error every run must report).
    pub(super) fn take(
        migrations: usize,
        catalog: &Catalog,
        origins: &Origins,
        removals: &[Removal],
        stats: &Stats,
    ) -> Option<Snapshot> {
        if catalog.statistics.is_some() || !stats.parse_aborts.is_empty() {
            return None;
        }
        let mut origins: Vec<(OriginKey, super::place::Origin)> = origins
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        // Sorted, so that one state is always written the same way.
        origins.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        Some(Snapshot {
            migrations,
            catalog: catalog.clone(),
            unreplayed: catalog.unreplayed.clone(),
            function_bodies: catalog.function_bodies.clone(),
            function_refs: catalog.function_refs.clone(),
            witness: catalog.witness.clone(),
            origins,
            removals: removals.to_vec(),
            statements: stats.statements,
            unmodelled_statements: stats.unmodelled_statements,
            unmodelled_kinds: stats.unmodelled_kinds.clone(),
        })
    }

    /// The state of `catalog` as a base schema: what a cache key covers for `--schema-from`.
    pub fn of_base(catalog: &Catalog) -> Option<Snapshot> {
        Snapshot::take(0, catalog, &Origins::default(), &[], &Stats::default())
    }

    pub(super) fn restore(self) -> Restored {
        let mut catalog = self.catalog;
        catalog.unreplayed = self.unreplayed;
        catalog.function_bodies = self.function_bodies;
        catalog.function_refs = self.function_refs;
        catalog.witness = self.witness;
        Restored {
            catalog,
            origins: self.origins.into_iter().collect(),
            removals: self.removals,
            statements: self.statements,
            unmodelled_statements: self.unmodelled_statements,
            unmodelled_kinds: self.unmodelled_kinds,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Settings;
    use crate::engine::replay::{self, run_from};
    use crate::finding::Finding;
    use crate::source::{layout, MigrationSet};
    use crate::syntax::ParsedText;
    use std::path::Path;

    fn parsed_from(set: &MigrationSet, first: usize) -> Vec<ParsedText> {
        replay::part_keys(set)
            .filter(|&(m, _)| m >= first)
            .map(|key| crate::syntax::parse_sql(&replay::part(set, key).text))
            .collect()
    }

    /// The findings in the files of migrations `first..`, and the summary, as text.
    fn shown(set: &MigrationSet, first: usize, findings: &[Finding], stats: &Stats) -> String {
        let files: BTreeSet<&Path> = set.migrations[first..]
            .iter()
            .flat_map(|m| [&m.up, &m.down])
            .flatten()
            .map(|p| set.files[p.file].path.as_path())
            .collect();
        let kept: Vec<&Finding> = findings
            .iter()
            .filter(|f| files.contains(f.file.as_path()))
            .collect();
        format!(
            "{}\n{}",
            serde_json::to_string_pretty(&kept).unwrap(),
            serde_json::to_string(stats).unwrap()
        )
    }

    /// Every fixture history, resumed after each of its migrations from a snapshot written and
    /// read back as the replay cache keeps it, reports on the later files exactly what one replay
    /// from the start does.
    #[test]
    fn a_replay_resumed_from_a_snapshot_read_back_reports_what_a_whole_replay_does() {
        let settings = Settings::default();
        let evidence = Default::default();
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("sql-fixtures");
        let mut checked = 0;
        for group in ["migrations", "rules", "prove"] {
            for entry in std::fs::read_dir(root.join(group)).unwrap() {
                let dir = entry.unwrap().path();
                let Ok(sets) = layout::discover(&dir, &settings.load) else {
                    continue;
                };
                for set in sets {
                    let whole = run_from(
                        &set,
                        &settings,
                        &evidence,
                        Catalog::new(),
                        parsed_from(&set, 0),
                        Resume::default(),
                    );
                    for k in 1..set.migrations.len() {
                        let taken = run_from(
                            &set,
                            &settings,
                            &evidence,
                            Catalog::new(),
                            parsed_from(&set, 0),
                            Resume {
                                start: None,
                                keep_after: Some(k),
                            },
                        );
                        let Some(snapshot) = taken.snapshot else {
                            continue;
                        };
                        // As the replay cache keeps it (MessagePack), and as JSON.
                        let packed = rmp_serde::to_vec(&snapshot).unwrap();
                        let back: Snapshot = rmp_serde::from_slice(&packed).unwrap();
                        let json = serde_json::to_string(&snapshot).unwrap();
                        assert_eq!(json, serde_json::to_string(&back).unwrap());
                        assert_eq!(packed, rmp_serde::to_vec(&back).unwrap());
                        let resumed = run_from(
                            &set,
                            &settings,
                            &evidence,
                            Catalog::new(),
                            parsed_from(&set, k),
                            Resume {
                                start: Some(back),
                                keep_after: None,
                            },
                        );
                        assert_eq!(
                            shown(&set, k, &whole.findings, &whole.stats),
                            shown(&set, k, &resumed.findings, &resumed.stats),
                            "{} resumed after {k} migrations",
                            set.root.display()
                        );
                        checked += 1;
                    }
                }
            }
        }
        assert!(checked > 100, "only {checked} resumptions checked");
    }
}
