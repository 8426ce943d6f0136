//! One file per migration, with its up and down parts as sections: goose (`-- +goose Up` /
//! `-- +goose Down`) and dbmate (`-- migrate:up` / `-- migrate:down`). Each part is a copy of the
//! file with the other section blanked, so byte offsets are offsets in the real file.

use super::{file_name, order, Evidence, Family, Kind, Loader, SetFiles};
use crate::lex::blank_out;
use crate::source::version::Version;
use crate::source::{Layout, Migration, SqlPart};
use crate::span::Span;
use anyhow::Result;
use std::path::PathBuf;

pub(super) struct Sections;

impl Family for Sections {
    fn layouts(&self) -> &'static [Layout] {
        &[Layout::Goose, Layout::Dbmate]
    }

    fn kind(&self) -> Kind {
        Kind::Files
    }

    /// The first file with a goose or dbmate marker decides; files named as up/down pairs are
    /// another family's, whatever they say.
    fn detect_files(&self, evidence: &mut Evidence<'_>) -> Option<(Layout, String)> {
        if evidence.updown_names() {
            return None;
        }
        for file in evidence.files {
            let Some(Ok(text)) = evidence.text(file) else {
                continue;
            };
            let marker = text.lines().map(str::trim_start).find_map(|l| {
                if l.starts_with("-- +goose") {
                    Some((Layout::Goose, "detected by its `-- +goose` markers"))
                } else if l.starts_with("-- migrate:up") {
                    Some((Layout::Dbmate, "detected by its `-- migrate:up` markers"))
                } else {
                    None
                }
            });
            if let Some((layout, how)) = marker {
                return Some((layout, how.to_string()));
            }
        }
        None
    }

    fn load(&self, loader: &mut Loader<'_>, set: &SetFiles<'_>, layout: Layout) -> Result<()> {
        load_sections(loader, &set.files, layout)
    }
}

/// Splits a goose or dbmate file into its up and down sections by blanking the other section.
fn load_sections(loader: &mut Loader<'_>, files: &[PathBuf], layout: Layout) -> Result<()> {
    let mut entries = vec![];
    for path in files {
        let Some(index) = loader.read(path)? else {
            continue;
        };
        let stem = file_name(path).trim_end_matches(".sql").to_string();
        entries.push((Version::leading(&stem).map(|(v, _)| v), stem, index, index));
    }
    for (version, id, index) in order(loader, entries) {
        let text = loader.set.files[index].text.clone();
        let (up_marker, down_marker) = match layout {
            Layout::Goose => ("-- +goose up", "-- +goose down"),
            _ => ("-- migrate:up", "-- migrate:down"),
        };
        let mut up_start = None;
        let mut down_start = None;
        let mut offset = 0;
        let mut no_tx = false;
        // dbmate reads `transaction:false` on each section's own line, as written (its option
        // is compared with "false" exactly).
        let mut down_no_tx = false;
        let says_no_transaction =
            |line: &str| line.split_whitespace().any(|w| w == "transaction:false");
        for line in text.split_inclusive('\n') {
            let lower = line.trim().to_ascii_lowercase();
            if lower.starts_with(up_marker) {
                up_start = Some(offset);
                if says_no_transaction(line) {
                    no_tx = true;
                }
            } else if lower.starts_with(down_marker) {
                down_start = Some(offset);
                down_no_tx = says_no_transaction(line);
            }
            if lower.starts_with("-- +goose no transaction") {
                no_tx = true;
            }
            offset += line.len();
        }
        let len = text.len();
        let (up, down) = match (up_start, down_start) {
            (Some(u), Some(d)) if u < d => (Some(Span::new(u, d)), Some(Span::new(d, len))),
            (Some(u), Some(d)) => (Some(Span::new(u, len)), Some(Span::new(d, u))),
            (Some(u), None) => (Some(Span::new(u, len)), None),
            (None, Some(d)) => (Some(Span::new(0, d)), Some(Span::new(d, len))),
            (None, None) => (Some(Span::new(0, len)), None),
        };
        let section = |keep: Span| -> String {
            let mut blank = vec![];
            if keep.start > 0 {
                blank.push(Span::new(0, keep.start));
            }
            if keep.end < len {
                blank.push(Span::new(keep.end, len));
            }
            blank_out(&text, &blank)
        };
        let who = if layout == Layout::Goose {
            "goose"
        } else {
            "dbmate"
        };
        let transaction = if no_tx && layout == Layout::Goose {
            // goose runs the statements of such a file one by one.
            loader.tx(false, "the file says `-- +goose NO TRANSACTION`")
        } else if no_tx {
            loader.tx_one_message("the up section says `transaction:false`: dbmate sends the section as one message, which runs as one implicit transaction when it holds several statements")
        } else {
            loader.tx(true, format!("{who} runs each migration in a transaction"))
        };
        let down_transaction = (layout != Layout::Goose && down.is_some() && down_no_tx != no_tx)
            .then(|| {
                if down_no_tx {
                    loader.tx_one_message("the down section says `transaction:false`: dbmate sends the section as one message, which runs as one implicit transaction when it holds several statements")
                } else {
                    loader.tx(true, "dbmate runs the down section in a transaction (its line does not say `transaction:false`)")
                }
            });
        loader.set.migrations.push(Migration {
            id,
            version,
            up: up.map(|s| SqlPart {
                file: index,
                text: section(s).into(),
            }),
            down: down.map(|s| SqlPart {
                file: index,
                text: section(s).into(),
            }),
            transaction,
            down_transaction,
            supports_down: true,
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
    fn goose_and_dbmate_sections_keep_offsets() {
        let dir = tempfile::tempdir().unwrap();
        let goose = "-- +goose Up\n-- +goose StatementBegin\nCREATE TABLE a (id int);\n-- +goose StatementEnd\n\n-- +goose Down\nDROP TABLE a;\n";
        write(dir.path(), "g/00001_a.sql", goose);
        write(
            dir.path(),
            "g/00002_b.sql",
            "-- +goose NO TRANSACTION\n-- +goose Up\nCREATE INDEX CONCURRENTLY i ON a (id);\n",
        );
        write(
            dir.path(),
            "d/20240101_a.sql",
            "-- migrate:up transaction:false\nselect 1;\n-- migrate:down\nselect 2;\n",
        );
        let sets = discover(dir.path(), &LoadOptions::default()).unwrap();
        assert_eq!(sets.len(), 2);
        let dbmate = &sets[0];
        assert_eq!(dbmate.layout, Layout::Dbmate);
        assert!(!dbmate.migrations[0].transaction.wrapped);
        let goose_set = &sets[1];
        assert_eq!(goose_set.layout, Layout::Goose);
        let up = goose_set.migrations[0].up.as_ref().unwrap();
        assert_eq!(up.text.len(), goose.len());
        assert!(up.text.contains("CREATE TABLE a") && !up.text.contains("DROP TABLE"));
        assert!(goose_set.migrations[0]
            .down
            .as_ref()
            .unwrap()
            .text
            .contains("DROP TABLE a"));
        assert!(!goose_set.migrations[1].transaction.wrapped);
    }

    /// dbmate reads `transaction:false` on each section's own line; goose's marker is the file's.
    #[test]
    fn dbmate_reads_the_transaction_of_each_section() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "d/20240101_a.sql",
            "-- migrate:up transaction:false\nselect 1;\n-- migrate:down\nselect 2;\n",
        );
        write(
            dir.path(),
            "d/20240102_b.sql",
            "-- migrate:up\nselect 1;\n-- migrate:down transaction:false\nselect 2;\n",
        );
        write(
            dir.path(),
            "d/20240103_c.sql",
            "-- migrate:up transaction:false\nselect 1;\n-- migrate:down transaction:false\nselect 2;\n",
        );
        // dbmate compares the option's value exactly: `FALSE` leaves the transaction on.
        write(
            dir.path(),
            "d/20240104_d.sql",
            "-- migrate:up transaction:FALSE\nselect 1;\n-- migrate:down\nselect 2;\n",
        );
        write(
            dir.path(),
            "g/00001_a.sql",
            "-- +goose NO TRANSACTION\n-- +goose Up\nselect 1;\n-- +goose Down\nselect 2;\n",
        );
        let sets = discover(dir.path(), &LoadOptions::default()).unwrap();
        let m = &sets[0].migrations;
        assert_eq!(sets[0].layout, Layout::Dbmate);
        assert!(!m[0].transaction.wrapped && m[0].down_transaction().wrapped);
        assert!(m[1].transaction.wrapped && !m[1].down_transaction().wrapped);
        assert!(m[1].down_transaction().one_message);
        assert!(m[2].down_transaction.is_none());
        assert!(m[3].transaction.wrapped);
        let goose = &sets[1].migrations[0];
        assert!(goose.down_transaction.is_none() && !goose.down_transaction().wrapped);
    }
}
