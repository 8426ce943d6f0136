//! `redundant-index`: an index that duplicates another, or is a leading prefix of one with the same
//! properties.

use super::*;
use crate::catalog::{Index, IndexValidity};
use crate::finding::Applicability;
use crate::syntax::IndexKey;

declare_rule! {
    RedundantIndex {
        id: "redundant-index",
        category: Schema,
        severity: Warning,
        fix: Recipe(ChangesSchema),
    }
}

/// Whether `a` is made unnecessary by `b`: same table, method and predicate, and `a`'s keys are a
/// leading prefix of `b`'s (btree) or equal to them (other methods). A unique index is only made
/// unnecessary by an identical unique one.
fn covered_by(a: &Index, b: &Index) -> bool {
    if a.table != b.table
        || a.method != b.method
        || a.predicate != b.predicate
        || b.validity == IndexValidity::Invalid
        || a.keys.len() > b.keys.len()
    {
        return false;
    }
    // Operator classes, collations and orderings must match key by key (a `text_pattern_ops`
    // index serves LIKE prefixes that a default one does not).
    let options_match = (0..a.keys.len()).all(|i| a.key_option(i) == b.key_option(i));
    if !options_match {
        return false;
    }
    // `(id) INCLUDE (x)` answers `SELECT x ... WHERE id = $1` from the index alone; the primary
    // key on `(id)` does not. Only an index that holds every included column (as a key or an
    // included column) makes it unnecessary.
    let b_holds = |column: &String| {
        b.include.contains(column)
            || b.keys
                .iter()
                .any(|k| matches!(k, IndexKey::Column { name } if name == column))
    };
    if !a.include.iter().all(b_holds) {
        return false;
    }
    let same_options = (0..b.keys.len()).all(|i| a.key_option(i) == b.key_option(i));
    let equal = a.keys == b.keys && a.include == b.include && same_options;
    if a.unique {
        return equal && b.unique;
    }
    if a.method == "btree" {
        b.keys[..a.keys.len()] == a.keys[..]
    } else {
        equal
    }
}

/// The index that makes `a` unnecessary, when there is one: the index `redundant-index` tells to
/// keep when it reports `a`.
pub fn covering<'c>(catalog: &'c crate::catalog::Catalog, a: &Index) -> Option<&'c Index> {
    // Only an index of the same table can cover it.
    catalog.indexes_on(&a.table).find(|b| {
        b.name != a.name
            && covered_by(a, b)
            // Of two identical indexes, report one: the one that sorts last, unless the
            // other backs a constraint.
            // (An index that holds more INCLUDE columns is not covered by `a`: then
            // only `a` is redundant.)
            && (b.keys != a.keys
                || b.constraint.is_some()
                || b.name < a.name
                || !covered_by(b, a))
    })
}

impl Rule for RedundantIndex {
    fn check_schema(&self, cx: &SchemaContext<'_>, out: &mut Vec<Diagnostic>) {
        for a in cx.catalog.indexes.values() {
            // A partition's copy of its parent's index is reported once, on the parent.
            if a.constraint.is_some() || cx.catalog.is_cloned_index(a) {
                // Backs a constraint: dropping it drops the constraint; report the other one.
                continue;
            }
            let Some(b) = covering(cx.catalog, a) else {
                continue;
            };
            let how = if a.keys == b.keys {
                "duplicates"
            } else {
                "is a leading prefix of"
            };
            out.push(
                Diagnostic::about(
                    META.id,
                    a.table.clone(),
                    Some(Member::Index(a.name.name.clone())),
                    format!(
                        "index `{}` {how} `{}` on `{}`: every query it serves can use `{}`, while each insert and update still pays to maintain both, and both take space and cache",
                        a.name, b.name, a.table, b.name
                    ),
                )
                .help("drop the redundant index (concurrently), after checking that no query relies on its smaller size")
                .fix(
                    format!("DROP INDEX CONCURRENTLY {};", a.name),
                    Applicability::Unsafe,
                ),
            );
        }
    }
}
