//! `lint`'s replay cache: the state of a migration set's replay after its first N migrations
//! ([`engine::Snapshot`]), kept on disk under a digest of everything that state depends on, so
//! that linting a later file of the set (the pre-commit run) replays only the migrations from the
//! newest cached state before that file. The engine only starts from a snapshot and takes one;
//! reading, writing and evicting them is here.
//!
//! A state's key chains the digests of migrations 1..N (id, version, runner transaction, and each
//! part's file index, path and text), after a prefix naming pgproof's build (version, commit and
//! the executable's size and time), every setting that can change a replay or its placement, the
//! set's root, layout and order assumption, and the `--schema-from` schema. Editing migration k
//! changes the key of every state after it. A state is MessagePack (self-describing, as the
//! model's internally tagged enums need; JSON took twice as long to read). Files are written to a
//! temporary name and renamed, so a concurrent run reads a whole file or none; the directory is kept under [`MAX_BYTES`],
//! least recently used first out. A file that cannot be read or does not parse is skipped with a
//! one-line note: the cache never fails a run.

use crate::catalog::Catalog;
use crate::config::Settings;
use crate::engine::{Resume, Snapshot};
use crate::source::{canonical, MigrationSet};
use sha2::{Digest, Sha256};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, SystemTime};

/// The cache directory's size beyond which the least recently used states are removed.
const MAX_BYTES: u64 = 256 * 1024 * 1024;

/// The first line of every cache file, before the key: a file of another format is not read.
/// Format 2 is MessagePack (format 1 was JSON, about twice as slow to read back).
const MAGIC: &str = "pgproof-replay-cache 2";

/// The name a state file ends with; [`OLD_EXTENSION`] is format 1's, counted (and so evicted
/// first, being never read) but never read.
const EXTENSION: &str = ".state";
const OLD_EXTENSION: &str = ".json";

/// Temporary files older than this are left over by a run that was killed: removed.
const STALE_TEMP: Duration = Duration::from_secs(3600);

type Key = [u8; 32];

/// Where the cache is, given the flags, the environment and the config: None when disabled
/// (`--no-cache`, `PGPROOF_NO_CACHE`) or when no home directory is known.
pub(crate) fn dir(no_cache: bool, flag: Option<&Path>, settings: &Settings) -> Option<PathBuf> {
    if no_cache || crate::config::cache_off_by_env() {
        return None;
    }
    if let Some(dir) = flag {
        return Some(dir.to_path_buf());
    }
    crate::config::user_cache_dir(settings.cache_dir.as_deref())
}

/// The replay states of one `lint` run: read when a set starts, written when its replay passes
/// the first file reported on.
pub(crate) struct ReplayCache {
    dir: PathBuf,
    /// What every state depends on besides its set's migrations.
    prefix: Key,
    /// The files reported on (canonical) and their names: the migrations before the first of them
    /// in a set may start from a cached state.
    reported: BTreeSet<PathBuf>,
    reported_names: HashSet<std::ffi::OsString>,
    /// The names of the files in the cache directory, listed once.
    listing: OnceLock<HashSet<String>>,
    /// Each set's chain of keys (after 1, 2, ... migrations), from `resume` to `keep`.
    chains: Mutex<HashMap<usize, Vec<Key>>>,
}

impl ReplayCache {
    /// The cache in `dir` for a run reporting on `reported`; None when no state could be carried
    /// over exactly (a base schema with a schema name holding a dot, or a live database's
    /// statistics).
    pub(crate) fn new(
        dir: PathBuf,
        settings: &Settings,
        base: Option<&Catalog>,
        reported: &BTreeSet<PathBuf>,
    ) -> Option<ReplayCache> {
        let mut hasher = Sha256::new();
        feed(&mut hasher, MAGIC.as_bytes());
        feed(&mut hasher, env!("CARGO_PKG_VERSION").as_bytes());
        feed(&mut hasher, env!("PGPROOF_COMMIT").as_bytes());
        // A rebuilt binary (a development build of the same commit) is another pgproof.
        let exe = std::env::current_exe().and_then(std::fs::metadata).ok()?;
        let built = exe
            .modified()
            .ok()
            .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
            .unwrap_or_default();
        feed(
            &mut hasher,
            format!("{} {}", exe.len(), built.as_nanos()).as_bytes(),
        );
        feed(&mut hasher, settings_text(settings).as_bytes());
        if let Some(config) = &settings.config_path {
            feed(&mut hasher, &std::fs::read(config).unwrap_or_default());
        }
        match base {
            Some(base) => {
                if dotted_schema(base) {
                    return None;
                }
                let state = serde_json::to_vec(&Snapshot::of_base(base)?).ok()?;
                feed(&mut hasher, &state);
            }
            None => feed(&mut hasher, b"no base"),
        }
        Some(ReplayCache {
            dir,
            prefix: hasher.finalize().into(),
            reported_names: reported
                .iter()
                .filter_map(|p| p.file_name().map(ToOwned::to_owned))
                .collect(),
            reported: reported.clone(),
            listing: OnceLock::new(),
            chains: Mutex::new(HashMap::new()),
        })
    }

    /// Where set `i`'s replay starts: the newest cached state before the first migration with a
    /// file reported on, with a snapshot asked for at that migration when the cache has none there.
    pub(crate) fn resume(&self, i: usize, set: &MigrationSet) -> Resume {
        let Some(first) = self.first_reported(set) else {
            return Resume::default();
        };
        let clock = std::time::Instant::now();
        let chain = self.chain(set, first);
        let keyed = clock.elapsed();
        let mut start = None;
        for k in (1..=chain.len()).rev() {
            if let Some(snapshot) = self.read(&chain[k - 1], k) {
                start = Some(snapshot);
                break;
            }
        }
        if crate::commands::Timings::from_env().enabled() {
            eprintln!(
                "timing:   set {} replay cache: {} of {} migrations from the cache, reporting from migration {} (keys {:.1} ms, state read {:.1} ms)",
                set.root.display(),
                start.as_ref().map_or(0, |s| s.migrations),
                set.migrations.len(),
                first + 1,
                keyed.as_secs_f64() * 1000.0,
                (clock.elapsed() - keyed).as_secs_f64() * 1000.0,
            );
        }
        // The state before the first migration reported on; or, when a migration before it
        // quotes a dotted name (the chain stops there), the last state the chain reaches.
        let keep_after = Some(chain.len())
            .filter(|&k| k > 0)
            .filter(|&k| start.as_ref().is_none_or(|s| s.migrations < k));
        if keep_after.is_some() {
            self.chains
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(i, chain);
        }
        Resume { start, keep_after }
    }

    /// Writes the state set `i`'s replay took (as its [`ReplayCache::resume`] asked), then keeps
    /// the directory within its size.
    pub(crate) fn keep(&self, i: usize, snapshot: &Snapshot) {
        let chain = self
            .chains
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&i);
        let Some(key) = chain.and_then(|c| c.get(snapshot.migrations.wrapping_sub(1)).copied())
        else {
            return;
        };
        if let Err(err) = self.write(&key, snapshot) {
            note(&format!(
                "cannot write the replay cache in `{}`: {err:#}",
                self.dir.display()
            ));
            return;
        }
        self.evict();
    }

    /// The index of the first migration of `set` with a file reported on.
    fn first_reported(&self, set: &MigrationSet) -> Option<usize> {
        // Taken now, not when the run started (a reported file replaced since, by an editor's save
        // by rename, has another inode), and only once a file's name is one reported on.
        let ids = std::cell::OnceCell::new();
        set.migrations.iter().position(|m| {
            [&m.up, &m.down].into_iter().flatten().any(|part| {
                let path = &set.files[part.file].path;
                // Canonicalise only the files whose name and identity are those of one reported on.
                path.file_name()
                    .is_some_and(|name| self.reported_names.contains(name))
                    && ids
                        .get_or_init(|| crate::source::Identities::of(&self.reported))
                        .may_hold(path)
                    && self.reported.contains(&canonical(path))
            })
        })
    }

    /// The keys of the states after 1, 2, ... `first` migrations of `set`, stopping before a
    /// migration whose text quotes a name holding a dot (a state naming such a schema would not
    /// read back exactly).
    fn chain(&self, set: &MigrationSet, first: usize) -> Vec<Key> {
        let mut hasher = Sha256::new();
        feed(&mut hasher, &self.prefix);
        feed(&mut hasher, set.root.as_os_str().as_encoded_bytes());
        feed(&mut hasher, set.layout.name().as_bytes());
        feed(&mut hasher, &[u8::from(set.order_assumed())]);
        let mut key: Key = hasher.finalize().into();
        let mut chain = Vec::with_capacity(first);
        for migration in &set.migrations[..first.min(set.migrations.len())] {
            let mut hasher = Sha256::new();
            feed(&mut hasher, &key);
            feed(&mut hasher, migration.id.as_bytes());
            feed(
                &mut hasher,
                format!(
                    "{:?} {:?} {:?} {}",
                    migration.version,
                    migration.transaction,
                    migration.down_transaction,
                    migration.supports_down
                )
                .as_bytes(),
            );
            for part in [&migration.up, &migration.down] {
                let Some(part) = part else {
                    feed(&mut hasher, b"none");
                    continue;
                };
                if quotes_dotted_name(&part.text) {
                    return chain;
                }
                let file = &set.files[part.file];
                feed(&mut hasher, &part.file.to_le_bytes());
                feed(&mut hasher, file.path.as_os_str().as_encoded_bytes());
                feed(&mut hasher, part.text.as_bytes());
            }
            key = hasher.finalize().into();
            chain.push(key);
        }
        chain
    }

    fn path(&self, key: &Key) -> PathBuf {
        self.dir.join(format!("{}{EXTENSION}", hex(key)))
    }

    /// The state stored under `key` for `migrations` migrations; None when there is none, or
    /// (with a note) when it cannot be read.
    fn read(&self, key: &Key, migrations: usize) -> Option<Snapshot> {
        let name = format!("{}{EXTENSION}", hex(key));
        let listing = self.listing.get_or_init(|| {
            std::fs::read_dir(&self.dir)
                .map(|entries| {
                    entries
                        .filter_map(|e| e.ok()?.file_name().into_string().ok())
                        .collect()
                })
                .unwrap_or_default()
        });
        if !listing.contains(&name) {
            return None;
        }
        let path = self.path(key);
        let ignored = |why: String| {
            note(&format!(
                "ignoring the replay cache file `{}`: {why}",
                path.display()
            ));
            None
        };
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            // Evicted by a concurrent run since the listing.
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return None,
            Err(err) => return ignored(format!("cannot read it: {err}")),
        };
        let header = format!("{MAGIC} {}\n", hex(key));
        let Some(state) = bytes.strip_prefix(header.as_bytes()) else {
            return ignored("it is not a replay state of this key".into());
        };
        let snapshot: Snapshot = match rmp_serde::from_slice(state) {
            Ok(snapshot) => snapshot,
            Err(err) => return ignored(format!("it does not parse ({err})")),
        };
        if snapshot.migrations != migrations {
            return ignored(format!(
                "it holds {} migrations, not {migrations}",
                snapshot.migrations
            ));
        }
        // Recently used: evicted last.
        if let Ok(file) = std::fs::File::options().write(true).open(&path) {
            let _ = file.set_modified(SystemTime::now());
        }
        Some(snapshot)
    }

    /// Writes `snapshot` under `key`.
    fn write(&self, key: &Key, snapshot: &Snapshot) -> anyhow::Result<()> {
        write_file(
            &self.dir,
            &self.path(key),
            &format!("{MAGIC} {}", hex(key)),
            snapshot,
        )
    }

    /// Removes the least recently used states while the directory holds more than [`MAX_BYTES`],
    /// and temporary files a killed run left. Best effort: a file another run removed first is
    /// skipped.
    fn evict(&self) {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return;
        };
        let now = SystemTime::now();
        let mut states = vec![];
        let mut total = 0;
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let Ok(meta) = entry.metadata() else {
                continue;
            };
            let modified = meta.modified().unwrap_or(SystemTime::UNIX_EPOCH);
            if name.starts_with(".tmp-") {
                if now.duration_since(modified).unwrap_or_default() > STALE_TEMP {
                    let _ = std::fs::remove_file(entry.path());
                }
            } else if is_state_name(&name) {
                total += meta.len();
                states.push((modified, meta.len(), entry.path()));
            }
        }
        states.sort();
        for (_, size, path) in states {
            if total <= MAX_BYTES {
                break;
            }
            let _ = std::fs::remove_file(path);
            total -= size;
        }
    }
}

/// The settings a replay or its placement can depend on, as text.
fn settings_text(settings: &Settings) -> String {
    let load = &settings.load;
    let placeholders: Vec<&str> = settings
        .query_placeholders
        .iter()
        .map(regex::Regex::as_str)
        .collect();
    format!(
        "pg_version={} levels={:?} layout={:?} runner_transaction={:?} max_file_bytes={} sqlx={:?} statement_timeout={} tenant_columns={:?} small_tables={:?} queries={:?} placeholders={placeholders:?} unused_days={}",
        settings.pg_version,
        settings.levels,
        load.layout,
        load.runner_transaction,
        load.max_file_bytes,
        load.sqlx_schema_dump,
        settings.require_statement_timeout,
        settings.tenant_columns,
        settings.small_tables,
        settings.queries,
        settings.unused_index_min_days,
    )
}

/// Whether a catalog names a schema holding a dot (which a state's `schema.name` keys would not
/// read back exactly).
fn dotted_schema(catalog: &Catalog) -> bool {
    let dotted = |q: &crate::syntax::QualName| q.schema.contains('.');
    catalog.schemas.iter().any(|s| s.contains('.'))
        || catalog.tables.keys().any(dotted)
        || catalog.indexes.keys().any(dotted)
        || catalog.sequences.keys().any(dotted)
        || catalog.views.keys().any(dotted)
        || catalog.enums.keys().any(dotted)
        || catalog.domains.keys().any(dotted)
        || catalog.composite_types.iter().any(dotted)
        || catalog.functions.keys().any(dotted)
}

/// Whether `text` has a double-quoted identifier holding a dot (possibly a schema's name; a dot
/// in double quotes inside a string literal counts too, which only costs a cache miss).
fn quotes_dotted_name(text: &str) -> bool {
    let mut rest = text.as_bytes();
    while let Some(open) = memchr::memchr(b'"', rest) {
        rest = &rest[open + 1..];
        let Some(close) = memchr::memchr(b'"', rest) else {
            return false;
        };
        if memchr::memchr(b'.', &rest[..close]).is_some() {
            return true;
        }
        rest = &rest[close + 1..];
    }
    false
}

/// Adds `bytes` to a digest, length first, so that no two sequences of fields feed the same bytes.
fn feed(hasher: &mut Sha256, bytes: &[u8]) {
    hasher.update((bytes.len() as u64).to_le_bytes());
    hasher.update(bytes);
}

/// Whether a file in the cache directory is a state of this format or of format 1, or a set's
/// texts (64 hexadecimal digits, then the extension): nothing else there is ever evicted.
fn is_state_name(name: &str) -> bool {
    [EXTENSION, OLD_EXTENSION, super::texts::EXTENSION]
        .iter()
        .any(|ext| {
            name.strip_suffix(ext)
                .is_some_and(|stem| stem.len() == 64 && stem.bytes().all(|b| b.is_ascii_hexdigit()))
        })
}

pub(super) fn hex(key: &Key) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(2 * key.len());
    for b in key {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    out
}

/// Writes `header` as the first line of `path` in the cache directory `dir`, then `value` in
/// MessagePack: to a temporary file in the directory, renamed into place, so a concurrent run
/// reads a whole file or none.
pub(super) fn write_file(
    dir: &Path,
    path: &Path,
    header: &str,
    value: &impl serde::Serialize,
) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)?;
    let mut file = tempfile::Builder::new().prefix(".tmp-").tempfile_in(dir)?;
    {
        let mut out = std::io::BufWriter::new(file.as_file_mut());
        writeln!(out, "{header}")?;
        rmp_serde::encode::write(&mut out, value)?;
        out.flush()?;
    }
    file.persist(path)?;
    Ok(())
}

pub(super) fn note(message: &str) {
    eprintln!("pgproof: note: {message}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_states_of_either_format_are_evicted() {
        let key = hex(&[0xab; 32]);
        assert_eq!(key.len(), 64);
        assert!(key.starts_with("abab"));
        assert!(is_state_name(&format!("{key}.state")));
        // Format 1's states are never read, but they count and go first.
        assert!(is_state_name(&format!("{key}.json")));
        for other in [
            "notes.json".to_string(),
            format!(".tmp-{key}.state"),
            format!("{key}.state.bak"),
            format!("{}.state", &key[1..]),
            format!("{}g.state", &key[1..]),
        ] {
            assert!(!is_state_name(&other), "{other}");
        }
    }
}
