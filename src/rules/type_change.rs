//! How changing a column's type affects the stored rows, classified as PostgreSQL decides whether
//! `ALTER COLUMN TYPE` rewrites the table.

use crate::syntax::{Expr, TypeName};

/// How changing a column from one type to another affects the stored rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TypeChange {
    /// Same type and modifiers: nothing happens.
    Same,
    /// Binary-coercible: a catalog-only change, no rewrite and no scan.
    BinaryCoercible,
    /// The new type holds fewer values: a rewrite, and old writes can fail.
    Narrowing,
    /// A rewrite of the table and its indexes.
    Rewrite,
}

/// Classifies `old -> new` as PostgreSQL does when deciding whether `ALTER COLUMN TYPE` rewrites.
pub fn classify_type_change(old: &TypeName, new: &TypeName) -> TypeChange {
    if old == new {
        return TypeChange::Same;
    }
    if old.array != new.array || old.schema != new.schema && new.schema.is_some() {
        return TypeChange::Rewrite;
    }
    let limit = |t: &TypeName| t.mods.first().copied();
    let text_like = |n: &str| matches!(n, "text" | "varchar" | "citext");
    match (old.name.as_str(), new.name.as_str()) {
        (a, b) if text_like(a) && text_like(b) => match (limit(old), limit(new)) {
            (_, None) => TypeChange::BinaryCoercible,
            (Some(o), Some(n)) if n >= o => TypeChange::BinaryCoercible,
            _ => TypeChange::Narrowing,
        },
        ("numeric", "numeric") => {
            let scale = |t: &TypeName| t.mods.get(1).copied().unwrap_or(0);
            match (limit(old), limit(new)) {
                (_, None) => TypeChange::BinaryCoercible,
                (None, Some(_)) => TypeChange::Narrowing,
                (Some(p), Some(p2)) => {
                    let (s, s2) = (scale(old), scale(new));
                    if s2 == s && p2 >= p {
                        TypeChange::BinaryCoercible
                    } else if p2 - s2 < p - s || s2 < s {
                        TypeChange::Narrowing
                    } else {
                        TypeChange::Rewrite
                    }
                }
            }
        }
        ("varbit", "varbit")
        | ("timestamp", "timestamp")
        | ("timestamptz", "timestamptz")
        | ("time", "time")
        | ("interval", "interval") => match (limit(old), limit(new)) {
            (_, None) => TypeChange::BinaryCoercible,
            (Some(o), Some(n)) if n >= o => TypeChange::BinaryCoercible,
            _ => TypeChange::Narrowing,
        },
        ("bpchar", b) if b == "bpchar" || text_like(b) => match (limit(old), limit(new)) {
            (Some(o), Some(n)) if n < o => TypeChange::Narrowing,
            _ => TypeChange::Rewrite,
        },
        ("cidr", "inet") => TypeChange::BinaryCoercible,
        (a, b) => {
            let rank = |n: &str| match n {
                "int2" => Some(1),
                "int4" => Some(2),
                "int8" => Some(3),
                "float4" => Some(4),
                "float8" => Some(5),
                "numeric" => Some(6),
                _ => None,
            };
            match (rank(a), rank(b)) {
                (Some(x), Some(y)) if y < x => TypeChange::Narrowing,
                _ if text_like(a) || a == "bpchar" => {
                    // text to anything narrower (int, uuid, ...) can fail on existing values.
                    TypeChange::Narrowing
                }
                _ => TypeChange::Rewrite,
            }
        }
    }
}

/// Whether `ALTER COLUMN column TYPE new [USING using]` rewrites the table, given the column's
/// current type `old`. It does not when the type stays or changes binary-coercibly and `USING`, if
/// any, is the column itself (cast or not). An unknown current type is taken to rewrite, unless
/// the new type is unlimited text (usually a free widening; pgproof cannot tell).
pub fn alter_type_rewrites(
    column: &str,
    old: Option<&TypeName>,
    new: &TypeName,
    using: Option<&Expr>,
) -> bool {
    // PostgreSQL keeps the rows only when the conversion is the column itself, cast or not (a
    // binary-coercible cast is a relabelling); any other expression (`coalesce(c, '')`,
    // `md5(c)`, `c * 100`) computes new values.
    let trivial_using = using.is_none_or(|u| {
        let bare = |t: &str| t.trim().trim_matches('"') == column;
        let text = u.text.trim();
        bare(text)
            || text
                .split_once("::")
                .is_some_and(|(c, rest)| bare(c) && !rest.contains("::"))
    });
    let change = match old {
        Some(old) => classify_type_change(old, new),
        None if matches!(new.name.as_str(), "text" | "varchar") && new.mods.is_empty() => {
            TypeChange::BinaryCoercible
        }
        None => TypeChange::Rewrite,
    };
    !(matches!(change, TypeChange::Same | TypeChange::BinaryCoercible) && trivial_using)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ty(name: &str, mods: &[i64]) -> TypeName {
        TypeName {
            mods: mods.to_vec(),
            ..TypeName::simple(name)
        }
    }

    #[test]
    fn type_changes_are_classified_like_postgres() {
        use TypeChange::*;
        let cases = [
            (ty("varchar", &[50]), ty("varchar", &[100]), BinaryCoercible),
            (ty("varchar", &[50]), ty("varchar", &[]), BinaryCoercible),
            (ty("varchar", &[50]), ty("text", &[]), BinaryCoercible),
            (ty("text", &[]), ty("varchar", &[]), BinaryCoercible),
            (ty("varchar", &[100]), ty("varchar", &[50]), Narrowing),
            (ty("text", &[]), ty("varchar", &[20]), Narrowing),
            (
                ty("numeric", &[10, 2]),
                ty("numeric", &[12, 2]),
                BinaryCoercible,
            ),
            (ty("numeric", &[10, 2]), ty("numeric", &[12, 4]), Rewrite),
            (ty("numeric", &[10, 2]), ty("numeric", &[8, 2]), Narrowing),
            (ty("numeric", &[10, 2]), ty("numeric", &[]), BinaryCoercible),
            (ty("int4", &[]), ty("int8", &[]), Rewrite),
            (ty("int8", &[]), ty("int4", &[]), Narrowing),
            (ty("timestamp", &[]), ty("timestamptz", &[]), Rewrite),
            (ty("text", &[]), ty("int4", &[]), Narrowing),
            (ty("cidr", &[]), ty("inet", &[]), BinaryCoercible),
            (ty("bpchar", &[36]), ty("varchar", &[40]), Rewrite),
            (ty("bpchar", &[36]), ty("varchar", &[20]), Narrowing),
            (ty("int4", &[]), ty("int4", &[]), Same),
        ];
        for (old, new, want) in cases {
            assert_eq!(classify_type_change(&old, &new), want, "{old} -> {new}");
        }
    }
}
