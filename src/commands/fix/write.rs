//! Writing `fix`'s result: all of it or nothing.

use anyhow::{bail, Context, Result};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

const BOM: &str = "\u{feff}";

/// Writes the changed files and creates the new ones: each changed file checked unchanged on disk
/// since it was read and each new one checked absent, all written to temporary files beside them
/// (a new migration's folder made first), then renamed into place, so that an error leaves every
/// file as it was and removes what was created.
pub(super) fn write_files(
    originals: &BTreeMap<PathBuf, (PathBuf, String)>,
    changed: &[(&PathBuf, &String, &String)],
    created: &[(&PathBuf, &String)],
) -> Result<()> {
    let mut staged: Vec<(tempfile::NamedTempFile, PathBuf)> = vec![];
    // Each changed file's bytes as read: what it gets back if a later rename fails.
    let mut read: BTreeMap<PathBuf, Vec<u8>> = BTreeMap::new();
    // A new file takes the permissions of the migration it follows (a temporary file's are 0600).
    let mut permissions = None;
    for (shown, original, now) in changed {
        let path = crate::source::canonical(shown);
        debug_assert!(originals.contains_key(&path));
        let bytes =
            std::fs::read(&path).with_context(|| format!("cannot read `{}`", shown.display()))?;
        // The text linted has a byte-order mark replaced by spaces: put it back.
        let bom = bytes.starts_with(BOM.as_bytes());
        let mut on_disk = String::from_utf8(bytes.clone()).unwrap_or_default();
        if bom {
            on_disk.replace_range(0..3, "   ");
        }
        if &on_disk != *original {
            bail!(
                "`{}` changed while pgproof ran; nothing was written",
                shown.display()
            );
        }
        read.insert(path.clone(), bytes);
        // The file keeps its mark, whether or not an edit reached the spaces standing for it.
        let text = match (bom, now.strip_prefix("   ")) {
            (true, Some(rest)) => format!("{BOM}{rest}"),
            (true, None) => format!("{BOM}{now}"),
            (false, _) => now.to_string(),
        };
        let meta = std::fs::metadata(&path).ok();
        permissions = permissions.or_else(|| meta.as_ref().map(std::fs::Metadata::permissions));
        staged.push((
            stage(&path, shown, &text, meta.map(|m| m.permissions()))?,
            path,
        ));
    }
    let mut folders: Vec<PathBuf> = vec![];
    let mut new_files = vec![];
    let staging = (|| -> Result<()> {
        for (shown, text) in created {
            if std::fs::symlink_metadata(shown).is_ok() {
                bail!(
                    "`{}` appeared while pgproof ran; nothing was written",
                    shown.display()
                );
            }
            let dir = shown
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            if !dir.exists() {
                std::fs::create_dir(dir)
                    .with_context(|| format!("cannot create `{}`", dir.display()))?;
                folders.push(dir.to_path_buf());
            }
            new_files.push((
                stage(shown, shown, text, permissions.clone())?,
                (*shown).clone(),
            ));
        }
        Ok(())
    })();
    if let Err(err) = staging {
        drop(new_files);
        remove_folders(&folders);
        return Err(err);
    }
    // Renames rarely fail once the temporary files are written; when one does, the files
    // already replaced get their original text back and the new ones go.
    let mut replaced: Vec<PathBuf> = vec![];
    let mut made: Vec<PathBuf> = vec![];
    let mut failed = None;
    for (tmp, path) in staged {
        match tmp.persist(&path) {
            Ok(_) => replaced.push(path),
            Err(err) => {
                failed = Some((path, err.error));
                break;
            }
        }
    }
    if failed.is_none() {
        for (tmp, path) in new_files {
            match tmp.persist_noclobber(&path) {
                Ok(_) => made.push(path),
                Err(err) => {
                    failed = Some((path, err.error));
                    break;
                }
            }
        }
    }
    let Some((path, error)) = failed else {
        return Ok(());
    };
    let mut unrestored = vec![];
    for done in &replaced {
        let restored = read
            .get(done)
            .is_some_and(|bytes| std::fs::write(done, bytes).is_ok());
        if !restored {
            unrestored.push(format!("`{}`", done.display()));
        }
    }
    for file in &made {
        if std::fs::remove_file(file).is_err() {
            unrestored.push(format!("`{}`", file.display()));
        }
    }
    remove_folders(&folders);
    bail!(
        "cannot write `{}`: {}; the files written before it were restored{}",
        path.display(),
        error,
        if unrestored.is_empty() {
            String::new()
        } else {
            format!(", except {}", unrestored.join(", "))
        }
    )
}

/// `text` in a temporary file beside `path`, synced, with `permissions`.
fn stage(
    path: &Path,
    shown: &Path,
    text: &str,
    permissions: Option<std::fs::Permissions>,
) -> Result<tempfile::NamedTempFile> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tmp = tempfile::Builder::new()
        .prefix(".pgproof-fix-")
        .tempfile_in(dir)
        .with_context(|| format!("cannot write beside `{}`", shown.display()))?;
    tmp.write_all(text.as_bytes())?;
    tmp.as_file().sync_all()?;
    if let Some(permissions) = permissions {
        std::fs::set_permissions(tmp.path(), permissions)?;
    }
    Ok(tmp)
}

/// Removes the folders made for new migrations (empty again once their files are gone).
fn remove_folders(folders: &[PathBuf]) {
    for dir in folders.iter().rev() {
        let _ = std::fs::remove_dir(dir);
    }
}

/// Whether the file at `path` starts with a byte-order mark (which the linted text has as three
/// spaces).
pub(super) fn starts_with_bom(path: &Path) -> bool {
    let mut head = [0u8; 3];
    std::fs::File::open(path)
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut head))
        .is_ok_and(|()| head == *BOM.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_keeps_its_byte_order_mark_whatever_the_edit() {
        let dir = tempfile::tempdir().unwrap();
        let marked = dir.path().join("1.sql");
        let plain = dir.path().join("2.sql");
        std::fs::write(&marked, "\u{feff}SELECT 1;\n").unwrap();
        std::fs::write(&plain, "   SELECT 1;\n").unwrap();
        assert!(starts_with_bom(&marked) && !starts_with_bom(&plain));
        let linted = "   SELECT 1;\n".to_string();
        let originals: BTreeMap<_, _> = [&marked, &plain]
            .into_iter()
            .map(|p| (crate::source::canonical(p), (p.clone(), linted.clone())))
            .collect();
        // An edit that took the spaces standing for the mark, and one that kept them.
        let (took, kept) = ("SELECT 2;\n".to_string(), "   SELECT 2;\n".to_string());
        write_files(&originals, &[(&marked, &linted, &took)], &[]).unwrap();
        assert_eq!(
            std::fs::read_to_string(&marked).unwrap(),
            "\u{feff}SELECT 2;\n"
        );
        write_files(&originals, &[(&plain, &linted, &kept)], &[]).unwrap();
        assert_eq!(std::fs::read_to_string(&plain).unwrap(), "   SELECT 2;\n");
    }
}
