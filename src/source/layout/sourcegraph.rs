//! sourcegraph's migration layout: `<id>_name/{up.sql,down.sql,metadata.yaml}` folders, ordered
//! by the `parents` graph of their `metadata.yaml`, not by id.
//!
//! What sourcegraph's migrator does (`internal/database/migration/definition/read.go`), and so
//! what this reader does:
//! - a folder is a migration when the part of its name before the first `_` is an integer; other
//!   entries are ignored;
//! - each needs `up.sql`, `down.sql` and `metadata.yaml` (`name`, `parent`/`parents`,
//!   `createIndexConcurrently`, `privileged`);
//! - the graph must have exactly one root, no unknown parent and no cycle; the order is a
//!   depth-first traversal from the root with each node's children taken in descending id order,
//!   reversed (so a migration comes after all its parents, and unrelated ones by id);
//! - a migration runs in a transaction unless `createIndexConcurrently: true` (then it holds one
//!   `CREATE INDEX CONCURRENTLY` and runs outside one);
//! - the queries are canonicalised first: a `-- +++` front matter and an outermost `BEGIN;` /
//!   `COMMIT;` are removed.
//!
//! A graph sourcegraph would refuse is an `ambiguous-migration-order` problem; the set is still
//! read, in the best order that can be told (graph order where it holds, then by id).

use super::{file_name, Family, Folders, Kind, Loader, SetFiles};
use crate::lex::blank_out;
use crate::source::version::Version;
use crate::source::{Layout, Migration, SqlPart};
use crate::span::Span;
use anyhow::Result;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

pub(super) struct Sourcegraph;

impl Family for Sourcegraph {
    fn layouts(&self) -> &'static [Layout] {
        &[Layout::Sourcegraph]
    }

    fn kind(&self) -> Kind {
        Kind::Folders
    }

    /// Folders of `up.sql` with a `metadata.yaml` (diesel's have none), or any `up.sql` folders
    /// when `--layout sourcegraph` says so.
    fn detect_folders(&self, folders: &Folders<'_>, forced: Option<Layout>) -> Option<Layout> {
        (folders.hold("up.sql")
            && ((forced.is_none() && folders.hold("metadata.yaml"))
                || forced == Some(Layout::Sourcegraph)))
        .then_some(Layout::Sourcegraph)
    }

    fn decided(&self, _layout: Layout) -> &'static str {
        "detected by its `<id>_name/metadata.yaml` folders"
    }

    fn reads(&self, _layout: Layout, dir: &Path, file: &Path) -> bool {
        migration_id(&file_name(dir)).is_some()
            && matches!(file_name(file).as_str(), "up.sql" | "down.sql")
    }

    fn load(&self, loader: &mut Loader<'_>, set: &SetFiles<'_>, _layout: Layout) -> Result<()> {
        load(loader, set.root, set.dirs)
    }
}

/// The id sourcegraph reads from a folder name (`1648115472_do_the_thing` -> 1648115472), or None
/// when the folder is not a migration.
fn migration_id(name: &str) -> Option<i64> {
    let head = name.split('_').next()?;
    // Go's strconv.Atoi: an optional sign and decimal digits.
    let digits = head.strip_prefix(['+', '-']).unwrap_or(head);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    head.parse().ok()
}

/// What `metadata.yaml` says.
#[derive(Debug, Default)]
struct Metadata {
    parents: Vec<i64>,
    concurrent: bool,
    privileged: bool,
}

/// Reads `metadata.yaml`: the keys sourcegraph reads, or why it cannot be read.
fn read_metadata(text: &str) -> Result<Metadata, String> {
    use yaml_rust2::{Yaml, YamlLoader};
    let docs = YamlLoader::load_from_str(text).map_err(|e| e.to_string())?;
    let mut meta = Metadata::default();
    let Some(doc) = docs.into_iter().next() else {
        return Ok(meta);
    };
    let map = match doc {
        Yaml::Hash(map) => map,
        Yaml::Null => return Ok(meta),
        _ => return Err("it is not a mapping of keys to values".to_string()),
    };
    let flag = |key: &str| -> Result<bool, String> {
        match map.get(&Yaml::String(key.to_string())) {
            None | Some(Yaml::Null) => Ok(false),
            Some(Yaml::Boolean(b)) => Ok(*b),
            Some(other) => Err(format!("`{key}` is `{other:?}`, not true or false")),
        }
    };
    meta.concurrent = flag("createIndexConcurrently")?;
    meta.privileged = flag("privileged")?;
    match map.get(&Yaml::String("parents".to_string())) {
        None | Some(Yaml::Null) => {}
        Some(Yaml::Array(items)) => {
            for item in items {
                match item {
                    Yaml::Integer(id) => meta.parents.push(*id),
                    other => return Err(format!("a parent is `{other:?}`, not a migration id")),
                }
            }
        }
        Some(other) => return Err(format!("`parents` is `{other:?}`, not a list of ids")),
    }
    match map.get(&Yaml::String("parent".to_string())) {
        None | Some(Yaml::Null) | Some(Yaml::Integer(0)) => {}
        Some(Yaml::Integer(id)) => meta.parents.push(*id),
        Some(other) => return Err(format!("`parent` is `{other:?}`, not a migration id")),
    }
    meta.parents.sort_unstable();
    Ok(meta)
}

/// The query as sourcegraph runs it: front matter and an outermost `BEGIN;`/`COMMIT;` blanked to
/// spaces, so offsets stay those of the file.
fn canonical_query(text: &str) -> String {
    let mut start = 0;
    if let Some(first) = text.find("-- +++\n") {
        if let Some(second) = text[first + 7..].find("-- +++\n") {
            start = first + 7 + second + 7;
        }
    }
    let body = &text[start..];
    let lead = body.len() - body.trim_start().len();
    let from = start + lead;
    let to = start + body.trim_end().len();
    let mut blank = vec![];
    let mut inner_start = from;
    if text[from..to].starts_with("BEGIN;") {
        blank.push(Span::new(from, from + 6));
        inner_start = from + 6;
    }
    // After removing `BEGIN;`, sourcegraph trims only the suffix `COMMIT;` of what remains.
    if to >= inner_start + 7 && text[inner_start..to].ends_with("COMMIT;") {
        blank.push(Span::new(to - 7, to));
    }
    blank_out(text, &blank)
}

struct Node {
    name: String,
    meta: Metadata,
    up: Option<usize>,
    down: Option<usize>,
    /// The file problems about this migration point at.
    first: usize,
}

fn load(
    loader: &mut Loader<'_>,
    root: &Path,
    dirs: &BTreeMap<PathBuf, Vec<PathBuf>>,
) -> Result<()> {
    let mut nodes: BTreeMap<i64, Node> = BTreeMap::new();
    for (dir, files) in dirs.range(root.to_path_buf()..) {
        if dir.parent() != Some(root) {
            if !dir.starts_with(root) {
                break;
            }
            continue;
        }
        let name = file_name(dir);
        let Some(id) = migration_id(&name) else {
            continue;
        };
        let find = |n: &str| files.iter().find(|f| file_name(f) == n).cloned();
        let (up_path, down_path, meta_path) =
            (find("up.sql"), find("down.sql"), find("metadata.yaml"));
        if up_path.is_none() && down_path.is_none() {
            continue;
        }
        let up = loader.read_part(up_path.as_ref())?;
        let down = loader.read_part(down_path.as_ref())?;
        let Some(first) = up.or(down) else { continue };
        let missing: Vec<&str> = [
            ("up.sql", up_path.is_none()),
            ("down.sql", down_path.is_none()),
            ("metadata.yaml", meta_path.is_none()),
        ]
        .iter()
        .filter(|(_, gone)| *gone)
        .map(|(n, _)| *n)
        .collect();
        if !missing.is_empty() {
            loader.problem(first, format!(
                "`{name}` has no {}: sourcegraph's migrator refuses a migration without `up.sql`, `down.sql` and `metadata.yaml`",
                missing.iter().map(|m| format!("`{m}`")).collect::<Vec<_>>().join(" or ")
            ));
        }
        let meta = match meta_path {
            Some(path) => match std::fs::read_to_string(&path) {
                Ok(text) => match read_metadata(&text) {
                    Ok(meta) => meta,
                    Err(why) => {
                        loader.problem(first, format!(
                            "`{}` cannot be read as sourcegraph metadata ({why}): its parents are unknown, so the migration is ordered by id",
                            crate::source::display_path(&path).display()
                        ));
                        Metadata::default()
                    }
                },
                Err(err) => {
                    loader
                        .set
                        .errors
                        .push(crate::source::SourceError::from_io(&path, &err));
                    Metadata::default()
                }
            },
            None => Metadata::default(),
        };
        if let Some(other) = nodes.get(&id) {
            loader.problem(
                first,
                format!(
                    "`{}` and `{name}` have the same id {id}: sourcegraph's migrator keeps only one of them",
                    other.name
                ),
            );
            continue;
        }
        nodes.insert(
            id,
            Node {
                name,
                meta,
                up,
                down,
                first,
            },
        );
    }
    for id in graph_order(loader, &nodes) {
        let node = &nodes[&id];
        let transaction = if node.meta.concurrent {
            loader.tx(
                false,
                "its metadata.yaml says `createIndexConcurrently: true`: sourcegraph runs it outside a transaction",
            )
        } else if node.meta.privileged {
            loader.tx(
                true,
                "sourcegraph runs each migration in a transaction (this one is `privileged`: run by a superuser)",
            )
        } else {
            loader.tx(true, "sourcegraph runs each migration in a transaction")
        };
        let part = |file: Option<usize>| {
            file.map(|file| SqlPart {
                file,
                text: canonical_query(&loader.set.files[file].text).into(),
            })
        };
        let (up, down) = (part(node.up), part(node.down));
        loader.set.migrations.push(Migration {
            id: node.name.clone(),
            version: Version::leading(&node.name).map(|(v, _)| v),
            up,
            down,
            transaction,
            down_transaction: None,
            supports_down: true,
        });
    }
    Ok(())
}

/// The ids in sourcegraph's order, with problems for a graph it would refuse.
fn graph_order(loader: &mut Loader<'_>, nodes: &BTreeMap<i64, Node>) -> Vec<i64> {
    let mut children: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    let mut roots = vec![];
    for (&id, node) in nodes {
        if node.meta.parents.is_empty() {
            roots.push(id);
        }
        for parent in &node.meta.parents {
            if nodes.contains_key(parent) {
                children.entry(*parent).or_default().push(id);
            } else {
                loader.problem(node.first, format!(
                    "`{}` names parent {parent} in its metadata.yaml, and no migration here has that id: sourcegraph's migrator refuses the set",
                    node.name
                ));
            }
        }
    }
    if !nodes.is_empty() && roots.len() != 1 {
        let at = nodes.values().next().map_or(0, |n| n.first);
        let message = if roots.is_empty() {
            "every migration here names a parent, so there is no first migration: sourcegraph's migrator refuses the set (a cycle, or a parent that no longer exists)".to_string()
        } else {
            format!(
                "{} migrations here name no parent ({}): sourcegraph's migrator needs exactly one root, so the order between their branches is not defined",
                roots.len(),
                roots.iter().map(|r| format!("`{}`", nodes[r].name)).collect::<Vec<_>>().join(", ")
            )
        };
        loader.problem(at, message);
    }
    // Depth-first from each root (the one root, when the graph is well formed), children in
    // descending id order, each node after its children; the reverse is the order.
    let mut post: Vec<i64> = Vec::with_capacity(nodes.len());
    let mut done: BTreeSet<i64> = BTreeSet::new();
    let mut on_path: BTreeSet<i64> = BTreeSet::new();
    let visit = |start: i64,
                 post: &mut Vec<i64>,
                 done: &mut BTreeSet<i64>,
                 on_path: &mut BTreeSet<i64>,
                 cycles: &mut Vec<(i64, i64)>| {
        if done.contains(&start) {
            return;
        }
        // (node, index of the next child to visit, in descending order)
        let mut stack: Vec<(i64, usize)> = vec![(start, 0)];
        on_path.insert(start);
        while let Some((id, next)) = stack.last_mut() {
            let id = *id;
            let kids = children.get(&id).map_or(&[][..], Vec::as_slice);
            if *next < kids.len() {
                let child = kids[kids.len() - 1 - *next];
                *next += 1;
                if on_path.contains(&child) {
                    cycles.push((id, child));
                } else if !done.contains(&child) {
                    on_path.insert(child);
                    stack.push((child, 0));
                }
            } else {
                stack.pop();
                on_path.remove(&id);
                done.insert(id);
                post.push(id);
            }
        }
    };
    let mut cycles = vec![];
    for &root in roots.iter().rev() {
        visit(root, &mut post, &mut done, &mut on_path, &mut cycles);
    }
    let unreached: Vec<i64> = nodes
        .keys()
        .copied()
        .filter(|id| !done.contains(id))
        .collect();
    for &id in unreached.iter().rev() {
        visit(id, &mut post, &mut done, &mut on_path, &mut cycles);
    }
    for (from, to) in cycles {
        loader.problem(nodes[&to].first, format!(
            "`{}` and `{}` depend on each other through their metadata.yaml parents (a cycle): sourcegraph's migrator refuses the set",
            nodes[&to].name, nodes[&from].name
        ));
    }
    // Unreached migrations (under a cycle or an unknown parent) go last, by id.
    let reached = post.len() - unreached.len().min(post.len());
    let mut order: Vec<i64> = post[..reached].iter().rev().copied().collect();
    let mut rest: Vec<i64> = post[reached..].to_vec();
    rest.sort_unstable();
    order.extend(rest);
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_follow_go_atoi_of_the_name_before_the_first_underscore() {
        assert_eq!(migration_id("1648115472_do_the_thing"), Some(1648115472));
        assert_eq!(migration_id("10001"), Some(10001));
        assert_eq!(migration_id("squashed"), None);
        assert_eq!(migration_id("_x"), None);
    }

    #[test]
    fn metadata_reads_parents_and_flags() {
        let meta =
            read_metadata("name: x\nparents: [3, 1]\nparent: 2\ncreateIndexConcurrently: true\n")
                .unwrap();
        assert_eq!(meta.parents, vec![1, 2, 3]);
        assert!(meta.concurrent && !meta.privileged);
        assert!(read_metadata("parents: [a]\n").is_err());
        assert!(read_metadata("parents: [1\n").is_err());
    }

    #[test]
    fn outer_transaction_and_front_matter_are_blanked() {
        let text = "-- +++\n-- parent: 1\n-- +++\nBEGIN;\nselect 1;\nCOMMIT;\n";
        let out = canonical_query(text);
        assert_eq!(out.len(), text.len());
        assert!(!out.contains("BEGIN") && !out.contains("COMMIT") && out.contains("select 1;"));
        assert_eq!(canonical_query("select 1;"), "select 1;");
    }
}
