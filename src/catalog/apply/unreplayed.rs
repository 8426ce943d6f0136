//! `DO` blocks: the objects a block may have changed, which the replay cannot know.

use super::*;

/// Records the objects a `DO` block may change: every name that follows `TABLE`, `VIEW`, `INDEX`,
/// `SEQUENCE`, `FUNCTION`, `TYPE`, `POLICY`, `ON` or `TO` (objects it may create, alter or rename),
/// and, when it runs dynamic SQL (`EXECUTE`), every known object named in its string literals.
/// Objects it only reads (`SELECT ... FROM t`) stay reliable.
pub(super) fn mark_unreplayed(catalog: &mut Catalog, body: &str) {
    // Words, each with whether it lies inside a single-quoted literal.
    let mut words: Vec<(String, bool)> = vec![];
    let mut in_literal = false;
    let mut word = String::new();
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        // Comments are no code: their words change nothing, and an apostrophe in one (`won't`)
        // opens no literal.
        if !in_literal && c == '-' && chars.peek() == Some(&'-') {
            for c in chars.by_ref() {
                if c == '\n' {
                    break;
                }
            }
            if !word.is_empty() {
                words.push((std::mem::take(&mut word), in_literal));
            }
            continue;
        }
        if !in_literal && c == '/' && chars.peek() == Some(&'*') {
            chars.next();
            let mut previous = ' ';
            for c in chars.by_ref() {
                if previous == '*' && c == '/' {
                    break;
                }
                previous = c;
            }
            if !word.is_empty() {
                words.push((std::mem::take(&mut word), in_literal));
            }
            continue;
        }
        if c.is_alphanumeric() || c == '_' || c == '$' {
            word.push(c);
            continue;
        }
        if !word.is_empty() {
            words.push((std::mem::take(&mut word), in_literal));
        }
        if c == '\'' {
            in_literal = !in_literal;
        }
    }
    if !word.is_empty() {
        words.push((word, in_literal));
    }
    const CHANGES: &[&str] = &[
        "table", "view", "index", "sequence", "function", "type", "policy", "on", "to",
    ];
    const SKIP: &[&str] = &["if", "not", "exists", "only", "concurrently", "public"];
    for (i, (w, _)) in words.iter().enumerate() {
        if !CHANGES.contains(&w.to_lowercase().as_str()) {
            continue;
        }
        if let Some((name, _)) = words[i + 1..]
            .iter()
            .find(|(w, _)| !SKIP.contains(&w.to_lowercase().as_str()))
        {
            catalog.unreplayed.insert(name.clone());
            catalog.unreplayed.insert(name.to_lowercase());
        }
    }
    let dynamic = words.iter().any(|(w, _)| w.eq_ignore_ascii_case("execute"));
    if !dynamic {
        return;
    }
    let literal: BTreeSet<String> = words
        .iter()
        .filter(|(_, inside)| *inside)
        .map(|(w, _)| w.to_lowercase())
        .collect();
    let named: Vec<String> = catalog
        .tables
        .keys()
        .chain(catalog.views.keys())
        .chain(catalog.indexes.keys())
        .chain(catalog.sequences.keys())
        .chain(catalog.functions.keys())
        .map(|n| n.name.clone())
        .filter(|n| literal.contains(&n.to_lowercase()))
        .collect();
    catalog.unreplayed.extend(named);
}
