//! Up/down file pairs: golang-migrate (`N_name.up.sql` + `N_name.down.sql`, each file sent as one
//! message), sqlx (the same names or `N_name.sql`, each migration in a transaction unless
//! `-- no-transaction`) and ory/pop (`N_name.<dialect>.up.sql`, `.autocommit.` outside one).
//!
//! The names alone do not tell golang-migrate from sqlx, and the runners differ on transactions:
//! golang-migrate needs evidence (a `go.mod` naming it) or `--layout golang-migrate`.

use super::{file_name, order, Evidence, Family, Kind, Loader, SetFiles};
use crate::source::version::Version;
use crate::source::{display_path, Layout, Migration, SqlPart};
use anyhow::Result;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

pub(super) struct UpDown;

impl Family for UpDown {
    fn layouts(&self) -> &'static [Layout] {
        &[Layout::UpDown, Layout::Sqlx, Layout::Pop]
    }

    fn kind(&self) -> Kind {
        Kind::Files
    }

    fn detect_files(&self, evidence: &mut Evidence<'_>) -> Option<(Layout, String)> {
        let names = &evidence.names;
        // pop names a file's dialect before `.up.sql` (`1_a.postgres.up.sql`, `.all.`).
        if let Some(pop) = names.iter().find(|n| {
            [".up.sql", ".down.sql"].iter().any(|end| {
                n.strip_suffix(end).is_some_and(|stem| {
                    let stem = stem.strip_suffix(".autocommit").unwrap_or(stem);
                    [".postgres", ".cockroach", ".all"]
                        .iter()
                        .any(|d| stem.ends_with(d))
                })
            })
        }) {
            return Some((
                Layout::Pop,
                format!("detected by pop's dialect in the file name `{pop}`"),
            ));
        }
        let updown = evidence.updown_names();
        if updown || sqlx_names(names) {
            if let Some(dump) = &evidence.opts.sqlx_schema_dump {
                return Some((
                    Layout::Sqlx,
                    format!(
                        "detected by `_sqlx_migrations` in the schema dump `{}`",
                        display_path(dump).display()
                    ),
                ));
            }
            if let Some(found) = sqlx_evidence(evidence) {
                return Some((Layout::Sqlx, format!("detected by {found}")));
            }
        }
        if !updown {
            return None;
        }
        if let Some(found) = golang_migrate_evidence(evidence.root) {
            return Some((Layout::UpDown, format!("detected by {found}")));
        }
        // Most runners of `.up.sql` files wrap each migration in a transaction; golang-migrate's
        // one message per file is the exception, and needs evidence or `--layout golang-migrate`.
        Some((
            Layout::Sqlx,
            "assumed from its `.up.sql`/`.down.sql` names (no go.mod naming golang-migrate; `--layout golang-migrate` if golang-migrate runs it)".to_string(),
        ))
    }

    fn load(&self, loader: &mut Loader<'_>, set: &SetFiles<'_>, layout: Layout) -> Result<()> {
        load_updown(loader, &set.files, layout)
    }
}

/// Whether every file is named the way sqlx names its files: `<version>_<name>.sql` (or
/// `.up.sql`/`.down.sql`).
pub(super) fn sqlx_names(names: &[String]) -> bool {
    !names.is_empty()
        && names.iter().all(|n| {
            n.split_once('_')
                .is_some_and(|(v, _)| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()))
        })
}

/// Evidence that golang-migrate runs the migrations in `root`: the nearest `go.mod` in the
/// directory or up to three levels above it names `golang-migrate/migrate`.
fn golang_migrate_evidence(root: &Path) -> Option<String> {
    let go_mod = root
        .ancestors()
        .take(4)
        .map(|dir| dir.join("go.mod"))
        .find(|m| m.is_file())?;
    let text = std::fs::read_to_string(&go_mod).ok()?;
    text.contains("github.com/golang-migrate/migrate").then(|| {
        format!(
            "`{}`, which names golang-migrate",
            display_path(&go_mod).display()
        )
    })
}

/// sqlx's marker for a file it runs without its transaction, as the file's first bytes.
pub(crate) const SQLX_NO_TX: &str = "-- no-transaction";

/// Evidence that sqlx runs the migrations in `root`: a file of the set with a `-- no-transaction`
/// line, or a `Cargo.toml` in the directory or its parent (sqlx's default `migrations/` sits next
/// to the crate's manifest) that names sqlx.
fn sqlx_evidence(evidence: &mut Evidence<'_>) -> Option<String> {
    let root = evidence.root;
    for file in evidence.files {
        let Some(Ok(text)) = evidence.text(file) else {
            continue;
        };
        if text.lines().any(|l| l.trim() == SQLX_NO_TX) {
            return Some(format!(
                "the `-- no-transaction` marker in `{}`",
                file_name(file)
            ));
        }
    }
    for dir in [Some(root), root.parent()].into_iter().flatten() {
        let manifest = dir.join("Cargo.toml");
        let Ok(text) = std::fs::read_to_string(&manifest) else {
            continue;
        };
        if text.lines().any(|l| {
            let l = l.trim_start();
            !l.starts_with('#') && l.contains("sqlx")
        }) {
            return Some(format!(
                "`{}`, which names sqlx",
                display_path(&manifest).display()
            ));
        }
    }
    None
}

fn load_updown(loader: &mut Loader<'_>, files: &[PathBuf], layout: Layout) -> Result<()> {
    let mut pairs: BTreeMap<String, (Option<usize>, Option<usize>)> = BTreeMap::new();
    let mut first_file: BTreeMap<String, usize> = BTreeMap::new();
    for path in files {
        let name = file_name(path);
        if layout == Layout::Pop && other_dialect(&name) {
            // pop runs a PostgreSQL database with the `.postgres.` and dialect-free files only.
            continue;
        }
        let (base, up) = if let Some(b) = name.strip_suffix(".up.sql") {
            (b.to_string(), true)
        } else if let Some(b) = name.strip_suffix(".down.sql") {
            (b.to_string(), false)
        } else {
            // sqlx simple (irreversible) migration: N_name.sql
            (name.trim_end_matches(".sql").to_string(), true)
        };
        let Some(index) = loader.read(path)? else {
            continue;
        };
        first_file.entry(base.clone()).or_insert(index);
        let entry = pairs.entry(base).or_default();
        if up {
            entry.0 = Some(index);
        } else {
            entry.1 = Some(index);
        }
    }
    if layout != Layout::Pop {
        pair_by_version(loader, &mut pairs);
    }
    let entries = pairs
        .into_iter()
        .map(|(base, pair)| {
            let version = Version::leading(&base).map(|(v, _)| v);
            let file = first_file[&base];
            (version, base, file, pair)
        })
        .collect();
    for (version, id, (up, down)) in order(loader, entries) {
        let up_text = up.map(|i| loader.set.files[i].text.clone());
        // sqlx reads the marker in each file, as its first bytes (`sql.starts_with("-- no-transaction")`
        // in `migrate/source.rs`): not after a byte-order mark (read here as spaces) or indentation.
        let sqlx_no_tx = |file: Option<usize>| {
            layout == Layout::Sqlx
                && file.is_some_and(|i| loader.set.files[i].text.starts_with(SQLX_NO_TX))
        };
        let no_tx = sqlx_no_tx(up);
        let down_no_tx = sqlx_no_tx(down);
        let transaction = if layout == Layout::Pop && id.ends_with(".autocommit") {
            // ory/pop runs `*.autocommit.up.sql` outside a transaction.
            loader.tx(
                false,
                "pop runs `.autocommit.` migrations outside a transaction",
            )
        } else if no_tx {
            loader.tx_one_message("the file starts with `-- no-transaction`: sqlx sends it as one message, which runs as one implicit transaction when it holds several statements")
        } else if layout == Layout::Sqlx {
            loader.tx(true, "sqlx runs each migration in a transaction")
        } else if layout == Layout::Pop {
            loader.tx(true, "pop runs each migration in a transaction")
        } else {
            loader.tx_one_message("golang-migrate sends the file as one message, which runs as one implicit transaction when it holds several statements")
        };
        // A sqlx down file says for itself whether it runs in the transaction.
        let down_transaction = (down.is_some() && down_no_tx != no_tx).then(|| {
            if down_no_tx {
                loader.tx_one_message("the down file starts with `-- no-transaction`: sqlx sends it as one message, which runs as one implicit transaction when it holds several statements")
            } else {
                loader.tx(true, "sqlx runs the down file in a transaction (it does not start with `-- no-transaction`)")
            }
        });
        let up = up.zip(up_text).map(|(file, text)| SqlPart { file, text });
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
    Ok(())
}

/// golang-migrate and sqlx know a migration by its version and direction alone: a
/// `.up.sql` file and a `.down.sql` file of one version whose names differ (a typo in one) are
/// one migration to them, not two of the same version. Pairs them so, when they are the only two
/// files of the version.
fn pair_by_version(
    loader: &Loader<'_>,
    pairs: &mut BTreeMap<String, (Option<usize>, Option<usize>)>,
) {
    let mut by_version: HashMap<Version, Vec<String>> = HashMap::new();
    for base in pairs.keys() {
        if let Some((version, _)) = Version::leading(base) {
            by_version.entry(version).or_default().push(base.clone());
        }
    }
    for bases in by_version.into_values().filter(|b| b.len() == 2) {
        let (Some(&first), Some(&second)) = (pairs.get(&bases[0]), pairs.get(&bases[1])) else {
            continue;
        };
        let (up_base, down_base, up, down) = match (first, second) {
            ((Some(up), None), (None, Some(down))) => (&bases[0], &bases[1], up, down),
            ((None, Some(down)), (Some(up), None)) => (&bases[1], &bases[0], up, down),
            _ => continue,
        };
        // A simple sqlx migration (`N_name.sql`) has no down file.
        if !file_name(&loader.set.files[up].path).ends_with(".up.sql") {
            continue;
        }
        pairs.insert(up_base.clone(), (Some(up), Some(down)));
        pairs.remove(down_base);
    }
}

/// Whether a pop file is written for a database other than PostgreSQL
/// (`1_a.mysql.up.sql`, `1_a.cockroach.autocommit.up.sql`).
fn other_dialect(name: &str) -> bool {
    const OTHERS: &[&str] = &["mysql", "sqlite", "sqlite3", "cockroach", "crdb"];
    let stem = name
        .strip_suffix(".up.sql")
        .or_else(|| name.strip_suffix(".down.sql"))
        .unwrap_or(name);
    let stem = stem.strip_suffix(".autocommit").unwrap_or(stem);
    stem.rsplit_once('.')
        .is_some_and(|(_, dialect)| OTHERS.contains(&dialect))
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use crate::source::layout::discover;
    use crate::source::layout::Layout;
    use crate::source::LoadOptions;

    #[test]
    fn updown_pairs_and_no_transaction() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "2_b.up.sql", "-- no-transaction\nselect 2;");
        write(dir.path(), "2_b.down.sql", "select -2;");
        write(dir.path(), "10_c.up.sql", "select 10;");
        write(dir.path(), "1_a.up.sql", "select 1;");
        let set = one_set(dir.path());
        // The `-- no-transaction` marker is sqlx's.
        assert_eq!(set.layout, Layout::Sqlx);
        assert_eq!(ids(&set), vec!["1_a", "2_b", "10_c"]);
        assert!(set.migrations[1].down.is_some());
        assert!(!set.migrations[1].transaction.wrapped);
        assert!(set.migrations[0].transaction.wrapped);
        write(
            dir.path(),
            "11_d.postgres.autocommit.up.sql",
            "CREATE INDEX CONCURRENTLY i ON t (a);",
        );
        let set = one_set(dir.path());
        assert!(!set.migrations[3].transaction.wrapped);
    }

    /// An up file and a down file of one version are one migration even when their names differ,
    /// as golang-migrate and sqlx key them; a third file of the version keeps it ambiguous.
    #[test]
    fn up_and_down_files_pair_by_version() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "1_init.up.sql", "select 1;");
        write(dir.path(), "2_add_new_to_jobs.up.sql", "select 2;");
        write(dir.path(), "2_add_new_to_job.down.sql", "select -2;");
        let set = one_set(dir.path());
        assert_eq!(ids(&set), vec!["1_init", "2_add_new_to_jobs"]);
        assert!(set.migrations[1].down.is_some());
        assert!(set.problems.is_empty(), "{:?}", set.problems);
        write(dir.path(), "2_other.up.sql", "select 22;");
        let set = one_set(dir.path());
        assert!(!set.problems.is_empty());
    }

    /// sqlx reads `-- no-transaction` in each file of a pair, and only as its first bytes.
    #[test]
    fn sqlx_reads_the_marker_per_file_as_its_first_bytes() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "1_a.up.sql", "-- no-transaction\nselect 1;");
        write(dir.path(), "1_a.down.sql", "select -1;");
        write(dir.path(), "2_b.up.sql", "select 2;");
        write(
            dir.path(),
            "2_b.down.sql",
            "-- no-transaction: drop it online\nselect -2;",
        );
        write(dir.path(), "3_c.up.sql", "-- no-transaction\nselect 3;");
        write(dir.path(), "3_c.down.sql", "-- no-transaction\nselect -3;");
        // After a byte-order mark or indentation, sqlx does not see the marker.
        std::fs::write(
            dir.path().join("4_d.up.sql"),
            "\u{feff}-- no-transaction\nselect 4;",
        )
        .unwrap();
        write(dir.path(), "5_e.up.sql", " -- no-transaction\nselect 5;");
        let set = one_set(dir.path());
        assert_eq!(set.layout, Layout::Sqlx);
        let m = &set.migrations;
        assert!(!m[0].transaction.wrapped && m[0].transaction.one_message);
        assert!(m[0].down_transaction().wrapped);
        assert!(m[1].transaction.wrapped);
        assert!(!m[1].down_transaction().wrapped && m[1].down_transaction().one_message);
        assert!(m[2].down_transaction.is_none() && !m[2].down_transaction().wrapped);
        assert!(m[3].transaction.wrapped && m[4].transaction.wrapped);
    }

    #[test]
    fn golang_migrate_sends_each_file_as_one_message() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "1_a.up.sql", "select 1;");
        write(dir.path(), "1_a.down.sql", "select -1;");
        // Without evidence of golang-migrate, `.up.sql` files are read as sqlx's.
        assert_eq!(one_set(dir.path()).layout, Layout::Sqlx);
        write(
            dir.path(),
            "go.mod",
            "module m\nrequire github.com/golang-migrate/migrate/v4 v4.17.0\n",
        );
        let set = one_set(dir.path());
        assert_eq!(set.layout, Layout::UpDown);
        assert!(set.layout_decided.starts_with("detected by"));
        let tx = &set.migrations[0].transaction;
        assert!(tx.one_message && !tx.wrapped);
        assert!(!tx.wraps(1) && tx.wraps(2));
        // `runner_transaction` in pgproof.toml decides alone.
        let forced = LoadOptions {
            runner_transaction: Some(false),
            ..LoadOptions::default()
        };
        let set = discover(dir.path(), &forced).unwrap().remove(0);
        assert!(!set.migrations[0].transaction.wraps(2));
    }
}
