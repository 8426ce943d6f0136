//! The texts of a migration set's files, kept in `lint`'s cache directory between pre-commit runs,
//! so that a run whose earlier migrations have not changed does not open them (a thousand files
//! cost more to open and read than the replay state costs to read back).
//!
//! A set's texts are one file, named by a digest of the set's root (canonical), holding each file's
//! path, [`Stamp`] and text. A text is given back only for a file whose stamp is the one it had
//! when read: its identity, size, modification and status-change times, as git's index checks a
//! file. A file written within [`SETTLE_SECONDS`] of being read is not kept (a second write in the
//! same clock tick would keep its stamp), so it is read again each run until it settles. The file
//! is rewritten only when what the run read differs from what it held, through a temporary file
//! and a rename; one that cannot be read is ignored (the texts are read from disk), never an error.

use crate::source::{Stamp, TextMemo};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// The first line of a texts file, before the set's root.
const MAGIC: &str = "pgproof-texts 1";

/// The name a texts file ends with (counted and evicted with the replay states).
pub(super) const EXTENSION: &str = ".texts";

/// How long before a run a file must have been last written for its text to be kept.
const SETTLE_SECONDS: i64 = 2;

#[derive(serde::Serialize, serde::Deserialize)]
struct Entry {
    path: String,
    stamp: Stamp,
    text: String,
}

/// One set's texts: as the file held them, and as this run read or confirmed them, by path
/// relative to the set's root.
#[derive(Default)]
struct SetTexts {
    /// The set's file in the cache directory, and the root's canonical path (its first line).
    file: PathBuf,
    file_root: PathBuf,
    held: HashMap<String, (Stamp, Arc<str>)>,
    used: HashMap<String, (Stamp, Arc<str>)>,
    /// A text read from disk (kept or not) this run: the file may need writing.
    read: bool,
}

/// The texts memo of one `lint` run, by set root.
#[derive(Debug)]
pub(crate) struct Texts {
    dir: PathBuf,
    /// Seconds since the epoch when the run started: files written since are not kept.
    now: i64,
    sets: Mutex<HashMap<PathBuf, SetTexts>>,
    /// Texts given back, and texts read from disk, this run (for `PGPROOF_TIMINGS`).
    given: AtomicUsize,
    read_from_disk: AtomicUsize,
}

impl std::fmt::Debug for SetTexts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} texts held, {} used",
            self.held.len(),
            self.used.len()
        )
    }
}

impl Texts {
    pub(crate) fn new(dir: PathBuf) -> Texts {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
        Texts {
            dir,
            now,
            sets: Mutex::new(HashMap::new()),
            given: AtomicUsize::new(0),
            read_from_disk: AtomicUsize::new(0),
        }
    }

    /// The texts kept for the set at `root`, read from its file, named by a digest of the root's
    /// canonical path (nothing when there is none or it cannot be read: the run then reads every
    /// file).
    fn read(&self, root: &Path) -> SetTexts {
        let root = crate::source::canonical(root);
        let mut hasher = Sha256::new();
        hasher.update(MAGIC.as_bytes());
        hasher.update(root.as_os_str().as_encoded_bytes());
        let digest: [u8; 32] = hasher.finalize().into();
        let mut set = SetTexts {
            file: self
                .dir
                .join(format!("{}{EXTENSION}", super::cache::hex(&digest))),
            file_root: root.clone(),
            ..SetTexts::default()
        };
        let Ok(bytes) = std::fs::read(&set.file) else {
            return set;
        };
        let header = format!("{MAGIC} {}\n", root.display());
        let Some(body) = bytes.strip_prefix(header.as_bytes()) else {
            return set;
        };
        if let Ok(entries) = rmp_serde::from_slice::<Vec<Entry>>(body) {
            set.held = entries
                .into_iter()
                .map(|e| (e.path, (e.stamp, Arc::from(e.text))))
                .collect();
            // Recently used: evicted after the replay states used less recently.
            if let Ok(file) = std::fs::File::options().write(true).open(&set.file) {
                let _ = file.set_modified(std::time::SystemTime::now());
            }
        }
        set
    }

    /// Writes each set's file whose texts changed this run. Best effort: the cache never fails a
    /// run.
    pub(crate) fn save(&self) {
        if crate::commands::Timings::from_env().enabled() {
            let given = self.given.load(Ordering::Relaxed);
            eprintln!(
                "timing:   texts: {given} of {} files from the cache",
                given + self.read_from_disk.load(Ordering::Relaxed)
            );
        }
        let sets = std::mem::take(&mut *self.sets.lock().unwrap_or_else(|e| e.into_inner()));
        for set in sets.into_values() {
            let same = set.used.len() == set.held.len()
                && set
                    .used
                    .iter()
                    .all(|(path, (stamp, _))| set.held.get(path).is_some_and(|h| h.0 == *stamp));
            if !set.read || same {
                continue;
            }
            if let Err(err) = self.write(&set) {
                super::cache::note(&format!(
                    "cannot write the replay cache in `{}`: {err:#}",
                    self.dir.display()
                ));
            }
        }
    }

    fn write(&self, set: &SetTexts) -> anyhow::Result<()> {
        let mut entries: Vec<Entry> = set
            .used
            .iter()
            .map(|(path, (stamp, text))| Entry {
                path: path.clone(),
                stamp: *stamp,
                text: text.to_string(),
            })
            .collect();
        entries.sort_by(|a, b| a.path.cmp(&b.path));
        let header = format!("{MAGIC} {}", set.file_root.display());
        super::cache::write_file(&self.dir, &set.file, &header, &entries)
    }
}

impl TextMemo for Texts {
    fn recall(&self, root: &Path, files: &[(&Path, &Stamp)]) -> Vec<Option<String>> {
        let mut sets = self.sets.lock().unwrap_or_else(|e| e.into_inner());
        let set = sets
            .entry(root.to_path_buf())
            .or_insert_with(|| self.read(root));
        let recalled: Vec<Option<String>> = files
            .iter()
            .map(|(path, stamp)| {
                let path = relative(root, path)?;
                let (held, text) = set.held.get(path)?;
                if held != *stamp {
                    return None;
                }
                set.used.insert(path.to_string(), (**stamp, text.clone()));
                Some(text.to_string())
            })
            .collect();
        self.given
            .fetch_add(recalled.iter().flatten().count(), Ordering::Relaxed);
        recalled
    }

    fn keep(&self, root: &Path, read: &[(&Path, &Stamp, &str)]) {
        self.read_from_disk.fetch_add(read.len(), Ordering::Relaxed);
        let mut sets = self.sets.lock().unwrap_or_else(|e| e.into_inner());
        let set = sets
            .entry(root.to_path_buf())
            .or_insert_with(|| self.read(root));
        set.read |= !read.is_empty();
        for (path, stamp, text) in read {
            if let Some(path) = relative(root, path) {
                if stamp.settled(self.now, SETTLE_SECONDS) {
                    set.used
                        .insert(path.to_string(), (**stamp, Arc::from(*text)));
                }
            }
        }
    }
}

/// `path` relative to `root`, as text (None outside it, or not UTF-8: such a file is not kept).
fn relative<'a>(root: &Path, path: &'a Path) -> Option<&'a str> {
    path.strip_prefix(root).ok()?.to_str()
}
