//! Index advice shared by the query rules (`unindexed-query`, `function-on-indexed-column`,
//! `leading-wildcard-like`, `single-row-lookup-without-unique`, `on-conflict-without-unique`,
//! `offset-pagination`): whether an index applies to a query block and serves a lookup, a free
//! name for a suggested index, which tables are too small to matter, and the workload wording.
//! A helper module, not a rule: it is not in the registry.
//!
//! Pure: reads the catalog and the query model (`queries/`), which know nothing of rules.

use crate::catalog::{Catalog, Index, IndexValidity, Table};
use crate::queries::shape::{Op, Target};
use crate::queries::QueryStats;
use crate::syntax::{IndexKey, QualName};

/// Whether the index can be used at all under `conditions` (the `AND`ed conditions of a query
/// block, or an `ON CONFLICT ... WHERE`): valid, and (for a partial index) its predicate is among
/// them.
pub fn index_applies<'a>(index: &Index, conditions: impl Iterator<Item = &'a str> + Clone) -> bool {
    if index.validity == IndexValidity::Invalid {
        return false;
    }
    match &index.predicate {
        None => true,
        Some(p) => split_and(&p.text).iter().all(|part| {
            let part = normalize(part);
            conditions.clone().any(|c| normalize(c) == part)
        }),
    }
}

/// The top-level `AND` parts of a deparsed predicate.
pub fn split_and(text: &str) -> Vec<String> {
    let mut parts = vec![];
    let mut depth = 0i32;
    let mut quote = false;
    let mut start = 0;
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\'' => quote = !quote,
            b'(' if !quote => depth += 1,
            b')' if !quote => depth -= 1,
            b' ' if !quote && depth == 0 && text[i..].starts_with(" AND ") => {
                parts.push(text[start..i].to_string());
                start = i + 5;
                i += 5;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    parts.push(text[start..].to_string());
    parts
}

fn normalize(text: &str) -> String {
    let t = text.trim();
    let t = t
        .strip_prefix('(')
        .and_then(|x| x.strip_suffix(')'))
        .unwrap_or(t);
    t.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Whether `index` (already known to apply) can look up rows by `target` compared with `op`, as
/// its leading key.
pub fn index_serves(index: &Index, target: &Target, op: Op) -> bool {
    let Some(first) = index.keys.first() else {
        return false;
    };
    let matches = match (first, target) {
        (IndexKey::Column { name }, Target::Column(c)) => *name == c.name,
        (IndexKey::Expression { expr }, Target::Expr { text, .. }) => {
            normalize(&expr.text) == normalize(text)
        }
        _ => false,
    };
    if !matches {
        return false;
    }
    let option = index.key_option(0);
    match (index.method.as_str(), op) {
        ("btree", Op::Eq | Op::In | Op::Range | Op::IsNull | Op::IsNotNull) => true,
        // `LIKE 'abc%'` needs pattern operators, or the C collation.
        ("btree", Op::LikePrefix) => option.contains("pattern_ops") || option.contains("COLLATE C"),
        ("hash", Op::Eq | Op::In) => true,
        // A trigram index serves any LIKE.
        ("gin" | "gist", Op::LikePrefix | Op::LikeOther { .. }) => option.contains("trgm"),
        _ => false,
    }
}

/// An index name for `table` starting from `base` that no relation in its schema has yet.
pub fn free_index_name(catalog: &Catalog, table: &QualName, base: &str) -> String {
    // PostgreSQL keeps 63 bytes of a name; leave room for a counter, on a character boundary.
    let mut base = base.to_string();
    let mut end = base.len().min(59);
    while !base.is_char_boundary(end) {
        end -= 1;
    }
    base.truncate(end);
    let mut name = base.clone();
    let mut n = 1;
    while catalog.relation_exists(&QualName::new(table.schema.clone(), name.clone())) {
        name = format!("{base}{n}");
        n += 1;
    }
    name
}

/// Tables with fewer rows than this (per live statistics) are not worth an index finding.
pub const SMALL_TABLE_ROWS: f64 = 10_000.0;

/// True when live statistics say the table is small enough that scanning it is fine.
pub fn is_small(table: &Table) -> bool {
    table.row_estimate.is_some_and(|r| r < SMALL_TABLE_ROWS)
}

/// `, called N times (mean X ms)` when workload statistics are known.
pub fn workload(stats: Option<QueryStats>) -> String {
    match stats {
        Some(s) => format!(
            " (called {} times, mean {:.1} ms, total {:.0} ms)",
            s.calls, s.mean_ms, s.total_ms
        ),
        None => String::new(),
    }
}
