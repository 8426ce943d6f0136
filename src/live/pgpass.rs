//! The libpq password file (`~/.pgpass` or `PGPASSFILE`): `host:port:database:user:password` lines,
//! `*` matching anything, `\:` and `\\` escaping. Like libpq, a file that group or others can read
//! is ignored (with a warning), and the first matching line wins.

use std::path::Path;

/// The password for a connection, if the file has a matching line.
pub fn lookup(file: &Path, host: &str, port: u16, db: &str, user: &str) -> Option<String> {
    let text = std::fs::read_to_string(file).ok()?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(file).ok()?.permissions().mode();
        if mode & 0o077 != 0 {
            eprintln!(
                "warning: password file `{}` is readable by group or others and is ignored (chmod 0600 it)",
                file.display()
            );
            return None;
        }
    }
    let port = port.to_string();
    let wanted = [host, port.as_str(), db, user];
    text.lines()
        .filter(|l| !l.trim_start().starts_with('#') && !l.trim().is_empty())
        .filter_map(fields)
        .find(|f| {
            f[..4]
                .iter()
                .zip(wanted)
                .all(|(field, want)| field == "*" || field == want)
        })
        .map(|f| f[4].clone())
}

/// The five fields of a line, unescaped; None for a malformed line.
fn fields(line: &str) -> Option<Vec<String>> {
    let mut out = vec![String::new()];
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.last_mut()?.push(chars.next().unwrap_or('\\')),
            ':' if out.len() < 5 => out.push(String::new()),
            c => out.last_mut()?.push(c),
        }
    }
    (out.len() == 5).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(text: &str, mode: u32) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pgpass");
        std::fs::write(&path, text).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        }
        dir
    }

    #[test]
    fn first_matching_line_wins_with_wildcards_and_escapes() {
        let dir = write(
            "# comment\ndb.internal:5432:app:auditor:first\n*:*:*:auditor:p\\:w\\\\d\nbroken line\n",
            0o600,
        );
        let file = dir.path().join("pgpass");
        assert_eq!(
            lookup(&file, "db.internal", 5432, "app", "auditor").as_deref(),
            Some("first")
        );
        assert_eq!(
            lookup(&file, "other", 6543, "x", "auditor").as_deref(),
            Some("p:w\\d")
        );
        assert_eq!(lookup(&file, "db.internal", 5432, "app", "someone"), None);
    }

    #[cfg(unix)]
    #[test]
    fn a_file_others_can_read_is_ignored() {
        let dir = write("*:*:*:*:secret\n", 0o644);
        assert_eq!(
            lookup(&dir.path().join("pgpass"), "h", 5432, "d", "u"),
            None
        );
    }
}
