//! Compares two catalogs and names every difference (object, attribute, before, after).
//!
//! Used by static reversibility checks and, later, by proofs on a real database. Does no IO.

use super::Catalog;
use serde::Serialize;
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Difference {
    /// What differs, as a path: `table public.users`, `table public.users / column email / not_null`.
    pub path: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

impl Difference {
    /// The value before and after, `absent` where the object or field does not exist.
    pub fn sides(&self) -> (&str, &str) {
        (
            self.before.as_deref().unwrap_or("absent"),
            self.after.as_deref().unwrap_or("absent"),
        )
    }
}

/// Every difference between `before` and `after`. Statistics (row estimates, scans, sizes) are ignored.
///
/// Objects are compared with `PartialEq` first; only the ones that differ are serialised and walked,
/// so comparing two large, mostly equal catalogs stays cheap.
pub fn diff(before: &Catalog, after: &Catalog) -> Vec<Difference> {
    let mut out = vec![];
    diff_map("tables", &before.tables, &after.tables, &mut out);
    diff_map("indexes", &before.indexes, &after.indexes, &mut out);
    diff_map("sequences", &before.sequences, &after.sequences, &mut out);
    diff_map("views", &before.views, &after.views, &mut out);
    diff_map("enums", &before.enums, &after.enums, &mut out);
    diff_map("domains", &before.domains, &after.domains, &mut out);
    diff_map("functions", &before.functions, &after.functions, &mut out);
    for (field, a, b) in [
        (
            "schemas",
            to_value(&before.schemas),
            to_value(&after.schemas),
        ),
        (
            "composite_types",
            to_value(&before.composite_types),
            to_value(&after.composite_types),
        ),
        (
            "extensions",
            to_value(&before.extensions),
            to_value(&after.extensions),
        ),
    ] {
        walk_set(field, &a, &b, &mut out);
    }
    out
}

fn to_value<T: Serialize>(v: &T) -> Value {
    strip_stats(serde_json::to_value(v).unwrap_or(Value::Null))
}

fn key_text<K: Serialize>(k: &K) -> String {
    match serde_json::to_value(k) {
        Ok(Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(_) => String::new(),
    }
}

fn diff_map<K: Ord + Serialize, V: PartialEq + Serialize>(
    field: &str,
    a: &std::collections::BTreeMap<K, V>,
    b: &std::collections::BTreeMap<K, V>,
    out: &mut Vec<Difference>,
) {
    use std::cmp::Ordering;
    // Both maps are walked side by side in key order (one comparison per step, not a lookup per
    // key): what changed or went in `a`'s order, then what `b` added, in `b`'s order.
    let mut added = vec![];
    let mut xs = a.iter().peekable();
    let mut ys = b.iter().peekable();
    loop {
        let order = match (xs.peek(), ys.peek()) {
            (None, None) => break,
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (Some((ka, _)), Some((kb, _))) => ka.cmp(kb),
        };
        match order {
            Ordering::Less => {
                let (k, _) = xs.next().expect("peeked");
                out.push(presence(format!("{field} / {}", key_text(k)), true));
            }
            Ordering::Greater => {
                let (k, _) = ys.next().expect("peeked");
                added.push(presence(format!("{field} / {}", key_text(k)), false));
            }
            Ordering::Equal => {
                let ((k, va), (_, vb)) = (xs.next().expect("peeked"), ys.next().expect("peeked"));
                if va != vb {
                    walk(
                        format!("{field} / {}", key_text(k)),
                        &to_value(va),
                        &to_value(vb),
                        out,
                    );
                }
            }
        }
    }
    out.append(&mut added);
}

/// An object present on one side only: before (`gone`) or after.
fn presence(path: String, gone: bool) -> Difference {
    let present = || Some("present".to_string());
    Difference {
        path,
        before: if gone { present() } else { None },
        after: if gone { None } else { present() },
    }
}

/// Sets of names (schemas, extensions): one difference per name present on one side only.
fn walk_set(field: &str, a: &Value, b: &Value, out: &mut Vec<Difference>) {
    let (Value::Array(xa), Value::Array(xb)) = (a, b) else {
        walk(field.to_string(), a, b, out);
        return;
    };
    for v in xa.iter().filter(|v| !xb.contains(v)) {
        out.push(presence(format!("{field} / {}", short(v)), true));
    }
    for v in xb.iter().filter(|v| !xa.contains(v)) {
        out.push(presence(format!("{field} / {}", short(v)), false));
    }
}

fn strip_stats(mut value: Value) -> Value {
    fn strip(v: &mut Value) {
        match v {
            Value::Object(map) => {
                map.remove("row_estimate");
                map.remove("scans");
                map.remove("size_bytes");
                map.remove("last_value");
                for child in map.values_mut() {
                    strip(child);
                }
            }
            Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    strip(&mut value);
    value
}

fn label(v: &Value) -> Option<String> {
    match v {
        Value::Object(map) => map.get("name").map(|n| match n {
            Value::String(s) => s.clone(),
            Value::Object(q) => format!(
                "{}.{}",
                q.get("schema").and_then(Value::as_str).unwrap_or(""),
                q.get("name").and_then(Value::as_str).unwrap_or("")
            ),
            other => other.to_string(),
        }),
        _ => None,
    }
}

fn short(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        // An expression (a default, a check, an index key) is shown as its SQL.
        Value::Object(map) if map.get("text").is_some_and(Value::is_string) => map
            .get("text")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string(),
        Value::Object(_) if label(v).is_some() => label(v).unwrap_or_default(),
        other => {
            let text = other.to_string();
            if text.len() > 120 {
                format!(
                    "{}…",
                    &text[..text.char_indices().nth(117).map_or(text.len(), |(i, _)| i)]
                )
            } else {
                text
            }
        }
    }
}

fn walk(path: String, a: &Value, b: &Value, out: &mut Vec<Difference>) {
    if a == b {
        return;
    }
    let join = |key: &str| {
        if path.is_empty() {
            key.to_string()
        } else {
            format!("{path} / {key}")
        }
    };
    match (a, b) {
        (Value::Object(ma), Value::Object(mb)) => {
            for (key, va) in ma {
                match mb.get(key) {
                    Some(vb) => walk(join(key), va, vb, out),
                    None => out.push(Difference {
                        path: join(key),
                        before: Some(short(va)),
                        after: None,
                    }),
                }
            }
            for (key, vb) in mb {
                if !ma.contains_key(key) {
                    out.push(Difference {
                        path: join(key),
                        before: None,
                        after: Some(short(vb)),
                    });
                }
            }
        }
        (Value::Array(xa), Value::Array(xb)) if xa.iter().chain(xb).all(|v| label(v).is_some()) => {
            for va in xa {
                let name = label(va).unwrap_or_default();
                match xb
                    .iter()
                    .find(|vb| label(vb).as_deref() == Some(name.as_str()))
                {
                    Some(vb) => walk(join(&name), va, vb, out),
                    None => out.push(presence(join(&name), true)),
                }
            }
            for vb in xb {
                let name = label(vb).unwrap_or_default();
                if !xa
                    .iter()
                    .any(|va| label(va).as_deref() == Some(name.as_str()))
                {
                    out.push(presence(join(&name), false));
                }
            }
        }
        _ => out.push(Difference {
            path,
            before: Some(short(a)),
            after: Some(short(b)),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::apply::apply;
    use crate::syntax::parse_sql;

    fn replay(catalog: &mut Catalog, sql: &str) {
        for stmt in parse_sql(sql).statements {
            apply(catalog, &stmt.kind);
        }
    }

    #[test]
    fn names_a_changed_column_attribute() {
        let mut before = Catalog::new();
        replay(
            &mut before,
            "CREATE TABLE t (id int, email varchar(50) NOT NULL)",
        );
        let mut after = before.clone();
        replay(
            &mut after,
            "ALTER TABLE t ALTER COLUMN email TYPE text, ALTER COLUMN email DROP NOT NULL",
        );
        let diffs = diff(&before, &after);
        let paths: Vec<&str> = diffs.iter().map(|d| d.path.as_str()).collect();
        assert!(
            paths.iter().any(|p| p.contains("email / type_name")),
            "{paths:?}"
        );
        assert!(
            paths.iter().any(|p| p.ends_with("email / not_null")),
            "{paths:?}"
        );
        assert!(diff(&before, &before).is_empty());
    }

    /// Objects gone, changed and added: the changed and gone ones in key order, then the added.
    #[test]
    fn lists_removed_and_changed_objects_in_order_then_added_ones() {
        let mut before = Catalog::new();
        replay(
            &mut before,
            "CREATE TABLE b (id int); CREATE TABLE d (id int); CREATE TABLE f (id int);",
        );
        let mut after = before.clone();
        replay(
            &mut after,
            "DROP TABLE b; ALTER TABLE d ADD COLUMN x int; DROP TABLE f;
             CREATE TABLE a (id int); CREATE TABLE e (id int); CREATE TABLE g (id int);",
        );
        let diffs = diff(&before, &after);
        let mut got: Vec<(String, &str)> = diffs
            .iter()
            .filter(|d| d.path.starts_with("tables / "))
            .map(|d| {
                let object = d.path.split(" / ").take(2).collect::<Vec<_>>().join(" / ");
                let change = match d.sides() {
                    ("present", "absent") => "gone",
                    ("absent", "present") if d.path.matches(" / ").count() == 1 => "added",
                    _ => "changed",
                };
                (object, change)
            })
            .collect();
        got.dedup();
        let expected = [
            ("tables / public.b", "gone"),
            ("tables / public.d", "changed"),
            ("tables / public.f", "gone"),
            ("tables / public.a", "added"),
            ("tables / public.e", "added"),
            ("tables / public.g", "added"),
        ];
        let got: Vec<(&str, &str)> = got.iter().map(|(o, c)| (o.as_str(), *c)).collect();
        assert_eq!(got, expected);
    }
}
