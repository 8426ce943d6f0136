//! Pristine clusters: a freshly `initdb`-ed data directory kept in the user's cache, one per
//! set of server binaries, so that a throwaway [`LocalCluster`](super::local::LocalCluster)
//! starts by copying it instead of running `initdb` again.
//!
//! An entry is a copy of a data directory that `initdb` has just written and no server has
//! opened. It holds no secret that outlives the run that wrote it: the superuser's password in
//! it was that run's random one, and every copy is given a new random password (in single-user
//! mode, before its server starts) so no two runs share one.
//!
//! Entries sit under `<cache>/clusters/<key>/data`, where the key is a digest of the binaries
//! (path, size, time), the user owning the cluster and the `initdb` options. They are written
//! into a temporary directory and renamed into place, so a concurrent run sees a whole entry or
//! none, and never changed after; at most [`MAX_ENTRIES`] are kept, least recently used out
//! first. A copy that fails (an entry removed meanwhile, a full disk) falls back to `initdb`:
//! the cache never fails a run.

use anyhow::{bail, Context, Result};
use sha2::{Digest, Sha256};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// Entries kept; beyond this the least recently used are removed.
const MAX_ENTRIES: usize = 4;

/// Temporary directories older than this were left by a run that was killed: removed.
const STALE_TEMP: Duration = Duration::from_secs(3600);

/// The format of an entry: changing it makes every older entry unused.
const FORMAT: &str = "pgproof-pristine-cluster 1";

/// Marks a whole entry (written last, before the rename).
const COMPLETE: &str = "complete";

/// Where pristine clusters are kept by default: `$PGPROOF_CACHE_DIR/clusters`, else
/// `$XDG_CACHE_HOME/pgproof/clusters` or `~/.cache/pgproof/clusters`; None when
/// `PGPROOF_NO_CACHE` is set or no home directory is known.
pub fn default_root() -> Option<PathBuf> {
    if crate::config::cache_off_by_env() {
        return None;
    }
    // Never a config's `cache_dir`: a repository must not choose where a run writes.
    crate::config::user_cache_dir(None).map(|base| base.join("clusters"))
}

/// The cache entry for one set of binaries, owner and `initdb` options.
pub struct Pristine {
    root: PathBuf,
    entry: PathBuf,
}

impl Pristine {
    /// The entry for clusters made by `bin`'s `initdb` with `initdb_args`, owned by `owner`
    /// (None: the invoking user). None when the binaries cannot be read.
    pub fn new(
        root: &Path,
        bin: &Path,
        owner: Option<(u32, u32)>,
        initdb_args: &[String],
    ) -> Option<Pristine> {
        let mut hasher = Sha256::new();
        let mut feed = |bytes: &[u8]| {
            hasher.update((bytes.len() as u64).to_le_bytes());
            hasher.update(bytes);
        };
        feed(FORMAT.as_bytes());
        for program in ["initdb", "postgres"] {
            let path = bin.join(program);
            let path = std::fs::canonicalize(&path).unwrap_or(path);
            let meta = std::fs::metadata(&path).ok()?;
            let time = meta
                .modified()
                .ok()
                .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
                .unwrap_or_default();
            feed(path.as_os_str().as_encoded_bytes());
            feed(format!("{} {} {}", meta.len(), time.as_nanos(), meta.ino()).as_bytes());
        }
        feed(format!("{owner:?}").as_bytes());
        // initdb writes the time zone it runs in into postgresql.conf.
        feed(
            std::env::var_os("TZ")
                .unwrap_or_default()
                .as_encoded_bytes(),
        );
        for arg in initdb_args {
            feed(arg.as_bytes());
        }
        let key: String = hasher.finalize()[..16]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        Some(Pristine {
            root: root.to_path_buf(),
            entry: root.join(key),
        })
    }

    /// Whether a whole entry is there, in a cache directory only this user can write: an entry
    /// is a server's configuration, so one that another user could have planted is not used.
    pub fn exists(&self) -> bool {
        private(&self.root)
            && private(&self.entry)
            && self.entry.join(COMPLETE).is_file()
            && self.entry.join("data/PG_VERSION").is_file()
    }

    /// Removes the entry (one that could not be used), so that the next cluster stores anew.
    pub fn discard(&self) {
        if private(&self.root) {
            remove_entry(&self.root, &self.entry);
        }
    }

    /// Copies the entry's data directory to `data` (which must not exist), handing every file
    /// to `owner`, and marks the entry used. On error, whatever was copied is removed.
    pub fn copy_to(&self, data: &Path, owner: Option<(u32, u32)>) -> Result<()> {
        let copied = copy_tree(&self.entry.join("data"), data, owner);
        if copied.is_err() {
            let _ = std::fs::remove_dir_all(data);
        }
        copied?;
        // The entry's time says when it was last used: eviction removes the oldest.
        if let Ok(file) = std::fs::File::options()
            .write(true)
            .open(self.entry.join(COMPLETE))
        {
            let _ = file.set_modified(SystemTime::now());
        }
        // What a killed run left while storing goes the next time the cache is used.
        self.evict();
        Ok(())
    }

    /// Keeps a copy of `data`, a data directory `initdb` has just written and no server has
    /// opened, as the entry. Best effort: a cache that cannot be written is left alone, and so is
    /// one that is not this user's alone (nothing is written, changed or removed there).
    pub fn store(&self, data: &Path) {
        if self.exists() || !self.make_root() {
            return;
        }
        // What is there under the entry's name is not a whole entry: it goes first.
        if std::fs::symlink_metadata(&self.entry).is_ok() {
            remove_entry(&self.root, &self.entry);
        }
        if self.try_store(data).is_ok() {
            self.evict();
        }
    }

    /// Creates the cache directory (0700) when it is missing; whether it is a directory of this
    /// user's that no one else can write, not a symbolic link.
    fn make_root(&self) -> bool {
        if let Some(parent) = self.root.parent() {
            let _ = std::fs::create_dir_all(parent);
        }
        let _ = std::fs::DirBuilder::new().mode(0o700).create(&self.root);
        private(&self.root)
    }

    fn try_store(&self, data: &Path) -> Result<()> {
        let temp = tempfile::Builder::new()
            .prefix(".tmp-")
            .tempdir_in(&self.root)?;
        std::fs::set_permissions(temp.path(), std::fs::Permissions::from_mode(0o700))?;
        copy_tree(data, &temp.path().join("data"), None)?;
        std::fs::write(temp.path().join(COMPLETE), FORMAT)?;
        let temp = temp.keep();
        // A concurrent run may have stored the same entry first: then its copy stays.
        if std::fs::rename(&temp, &self.entry).is_err() {
            let _ = std::fs::remove_dir_all(&temp);
        }
        Ok(())
    }

    /// Removes stale temporary directories and the least recently used entries beyond
    /// [`MAX_ENTRIES`]: only names this module writes (32 hex digits, `.tmp-*`), in a cache
    /// directory of this user's alone.
    fn evict(&self) {
        if !private(&self.root) {
            return;
        }
        let Ok(listing) = std::fs::read_dir(&self.root) else {
            return;
        };
        let now = SystemTime::now();
        let mut entries = vec![];
        for item in listing.flatten() {
            let path = item.path();
            let name = item.file_name();
            let name = name.to_string_lossy();
            let ours = name.len() == 32 && name.bytes().all(|b| b.is_ascii_hexdigit());
            if !ours && !name.starts_with(".tmp-") {
                continue;
            }
            if name.starts_with(".tmp-") {
                let old = item
                    .metadata()
                    .and_then(|m| m.modified())
                    .is_ok_and(|t| now.duration_since(t).unwrap_or_default() > STALE_TEMP);
                if old {
                    let _ = std::fs::remove_dir_all(&path);
                }
                continue;
            }
            let used = std::fs::metadata(path.join(COMPLETE))
                .and_then(|m| m.modified())
                .unwrap_or(SystemTime::UNIX_EPOCH);
            entries.push((used, path));
        }
        entries.sort();
        let excess = entries.len().saturating_sub(MAX_ENTRIES);
        for (_, path) in entries.into_iter().take(excess) {
            if path != self.entry {
                remove_entry(&self.root, &path);
            }
        }
    }
}

/// Removes an entry: renamed out of the way first (a concurrent run then finds it whole or not
/// at all), then deleted.
fn remove_entry(root: &Path, entry: &Path) {
    let Ok(temp) = tempfile::Builder::new().prefix(".tmp-").tempdir_in(root) else {
        return;
    };
    let _ = std::fs::rename(entry, temp.path().join("gone"));
    let _ = std::fs::remove_dir_all(temp.path());
}

/// Copies a file with its permissions. Large files (a WAL segment: 16 MiB, mostly zeros after
/// `initdb`) are copied sparse, their all-zero blocks left as holes: a hole reads as zeros, and
/// writing 40 MiB is most of a copy's time.
fn copy_file(from: &Path, to: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::FileExt;
    const BLOCK: usize = 8192;
    let meta = std::fs::metadata(from)?;
    if meta.len() < 1 << 20 {
        return std::fs::copy(from, to).map(|_| ());
    }
    let data = std::fs::read(from)?;
    let file = std::fs::File::options()
        .write(true)
        .create_new(true)
        .open(to)?;
    file.set_permissions(meta.permissions())?;
    let mut start = 0;
    while start < data.len() {
        // A run of blocks that are not all zeros, written at once.
        let zero = |b: &[u8]| b.iter().all(|&x| x == 0);
        if zero(&data[start..(start + BLOCK).min(data.len())]) {
            start += BLOCK;
            continue;
        }
        let mut end = start;
        while end < data.len() && !zero(&data[end..(end + BLOCK).min(data.len())]) {
            end += BLOCK;
        }
        let end = end.min(data.len());
        file.write_all_at(&data[start..end], start as u64)?;
        start = end;
    }
    file.set_len(meta.len())
}

/// Whether `dir` is a directory owned by this process's user that no one else can write.
fn private(dir: &Path) -> bool {
    std::fs::symlink_metadata(dir).is_ok_and(|m| {
        // The owner of /proc/self is the effective user.
        let me = std::fs::metadata("/proc/self").map(|p| p.uid());
        m.is_dir() && me.is_ok_and(|me| m.uid() == me) && m.mode() & 0o022 == 0
    })
}

/// Copies directory `from` to the new directory `to` (files, with their permissions; directories
/// 0700), each handed to `owner` when given. A symbolic link or special file is an error: a
/// fresh data directory has none.
fn copy_tree(from: &Path, to: &Path, owner: Option<(u32, u32)>) -> Result<()> {
    std::fs::create_dir(to).with_context(|| format!("cannot create {}", to.display()))?;
    std::fs::set_permissions(to, std::fs::Permissions::from_mode(0o700))?;
    if let Some((uid, gid)) = owner {
        std::os::unix::fs::chown(to, Some(uid), Some(gid))?;
    }
    for item in
        std::fs::read_dir(from).with_context(|| format!("cannot read {}", from.display()))?
    {
        let item = item?;
        let kind = item.file_type()?;
        let target = to.join(item.file_name());
        if kind.is_dir() {
            copy_tree(&item.path(), &target, owner)?;
        } else if kind.is_file() {
            copy_file(&item.path(), &target)
                .with_context(|| format!("cannot copy {}", item.path().display()))?;
            if let Some((uid, gid)) = owner {
                std::os::unix::fs::chown(&target, Some(uid), Some(gid))?;
            }
        } else {
            bail!("{} is not a plain file", item.path().display());
        }
    }
    Ok(())
}
