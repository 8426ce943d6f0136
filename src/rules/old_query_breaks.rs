//! `old-query-breaks`: a query of the release still running (`--since <ref>`) fails against the
//! schema after the new migrations: a table or column it uses was dropped or renamed, or a NOT
//! NULL column it does not write was added. During a rolling deploy, old instances serve errors.

use super::insert_omits_required_column as insert;
use super::query_references_missing_object::missing_objects;
use super::*;

declare_rule! {
    OldQueryBreaks {
        id: "old-query-breaks",
        category: Compatibility,
        severity: Error,
        fix: Guidance,
        // Needs two releases of the query files: tested in tests/queries.rs.
        doc_examples: false,
    }
}

/// The kind of value a type holds, as application code sees it.
fn family(t: &crate::syntax::TypeName) -> &'static str {
    if t.array {
        return "array";
    }
    match t.name.as_str() {
        "int2" | "int4" | "int8" | "numeric" | "float4" | "float8" | "money" | "oid" => "number",
        "text" | "varchar" | "bpchar" | "citext" | "name" => "text",
        "bool" => "boolean",
        "timestamp" | "timestamptz" | "date" => "timestamp",
        "time" | "timetz" => "time",
        "json" | "jsonb" => "json",
        other => match other {
            "uuid" => "uuid",
            "bytea" => "bytes",
            "interval" => "interval",
            _ => "other",
        },
    }
}

/// The kind of literal a deparsed comparison (`is_active = true`, `age >= 18`) compares its
/// column with: `boolean`, `number`, or None (a parameter, a string, an expression).
fn literal_family(text: &str) -> Option<&'static str> {
    let value = [" = ", " <> ", " != ", " >= ", " <= ", " > ", " < "]
        .iter()
        .filter_map(|op| text.rfind(op).map(|i| &text[i + op.len()..]))
        .min_by_key(|rest| rest.len())?
        .trim();
    let value = value.strip_prefix('-').unwrap_or(value);
    match value.to_ascii_lowercase().as_str() {
        "true" | "false" => Some("boolean"),
        v if !v.is_empty() && v.chars().all(|c| c.is_ascii_digit() || c == '.') => Some("number"),
        _ => None,
    }
}

/// Whether PostgreSQL rejects comparing a column of `family` with a literal of `literal`
/// (`text = true`, `text = 5`, `boolean = 1`): no implicit cast between them.
fn literal_rejected(family: &str, literal: &str) -> bool {
    match literal {
        "boolean" => family != "boolean",
        "number" => matches!(family, "text" | "boolean" | "uuid" | "timestamp" | "json"),
        _ => false,
    }
}

impl Rule for OldQueryBreaks {
    fn check_queries(&self, cx: &QueriesContext<'_>, out: &mut Vec<Diagnostic>) {
        let Some(old) = cx.old else { return };
        // The new release's queries too: a column retyped across families (`boolean` to `text`)
        // breaks a comparison with a literal of the old type in any release (`is_active = TRUE`).
        // Queries the running release has as well are reported below, as its queries.
        let running: std::collections::HashSet<&str> =
            old.queries.iter().map(|q| q.fingerprint.as_str()).collect();
        for query in cx
            .queries
            .iter()
            .filter(|q| !running.contains(q.fingerprint.as_str()))
        {
            for (b, block) in query.shape.blocks.iter().enumerate() {
                for pred in &block.preds {
                    let crate::queries::shape::Target::Column(col) = &pred.target else {
                        continue;
                    };
                    let Some(literal) = literal_family(&pred.text) else {
                        continue;
                    };
                    let Some((table, column)) = query.column_table(cx.catalog, b, col) else {
                        continue;
                    };
                    let Some(r) = old.removals.iter().rev().find(|r| {
                        r.table == table.name
                            && r.column.as_deref() == Some(column.name.as_str())
                            && r.retyped.as_ref().is_some_and(|(from, to)| {
                                family(from) != family(to) && literal_rejected(family(to), literal)
                            })
                    }) else {
                        continue;
                    };
                    out.push(
                        Diagnostic::new(
                            META.id,
                            pred.span,
                            format!(
                                "{} of the new release compares `{}.{}`, which migration `{}` ({}:{}) {}, with a {literal} literal: PostgreSQL rejects the comparison (no operator between the new type and a {literal})",
                                query.label(cx.files),
                                table.name,
                                column.name,
                                r.migration,
                                r.file.display(),
                                r.line,
                                r.what
                            ),
                        )
                        .help("compare with a literal of the new type, or keep the old column until every query moved")
                        .at(Anchor::File(query.file)),
                    );
                }
            }
        }
        // Queries unchanged in the new release are checked by the other rules already.
        let current: std::collections::HashSet<&str> =
            cx.queries.iter().map(|q| q.fingerprint.as_str()).collect();
        for query in &old.queries {
            // An unchanged query is checked against the new schema by the other rules already;
            // only a retype breaks it for the old code alone (which binds the old type).
            let unchanged = current.contains(query.fingerprint.as_str());
            let label = query.label(cx.files);
            for m in missing_objects(query, cx.catalog)
                .into_iter()
                .filter(|_| !unchanged)
            {
                let cause =
                    old.removals.iter().rev().find(|r| {
                        r.table == m.table && (r.column.is_none() || r.column == m.column)
                    });
                let because = match cause {
                    Some(r) => format!(
                        "migration `{}` ({}:{}) {} {}",
                        r.migration,
                        r.file.display(),
                        r.line,
                        match &r.column {
                            Some(c) => format!("`{}.{c}`:", r.table),
                            None => format!("`{}`:", r.table),
                        },
                        r.what
                    ),
                    None => "the new schema does not have it".to_string(),
                };
                out.push(
                    Diagnostic::new(
                        META.id,
                        m.span,
                        format!(
                            "{label} of the running release ({}) fails after the new migrations: {} ({because})",
                            old.reference, m.message
                        ),
                    )
                    .help("keep the old name working until no instance runs the old release (add the new column first, copy, switch the code, drop later)")
                    .at(Anchor::File(query.file)),
                );
            }
            // Columns a migration moved to another kind of type: the old code compares and binds
            // them as the old type (a number sent for what is now text fails to bind).
            let mut retyped_reported = std::collections::BTreeSet::new();
            for (b, block) in query.shape.blocks.iter().enumerate() {
                for col in &block.columns {
                    let Some((table, column)) = query.column_table(cx.catalog, b, col) else {
                        continue;
                    };
                    let Some(r) = old.removals.iter().rev().find(|r| {
                        r.table == table.name
                            && r.column.as_deref() == Some(column.name.as_str())
                            && r.retyped
                                .as_ref()
                                .is_some_and(|(from, to)| family(from) != family(to))
                    }) else {
                        continue;
                    };
                    if !retyped_reported.insert((table.name.clone(), column.name.clone())) {
                        continue;
                    }
                    out.push(
                        Diagnostic::new(
                            META.id,
                            col.span,
                            format!(
                                "{label} of the running release ({}) uses `{}.{}`, which migration `{}` ({}:{}) {}: the old code compares and binds it as the old type",
                                old.reference,
                                table.name,
                                column.name,
                                r.migration,
                                r.file.display(),
                                r.line,
                                r.what
                            ),
                        )
                        .help("add a column of the new type beside the old one, write both, and switch readers before dropping the old column")
                        .at(Anchor::File(query.file)),
                    );
                }
            }
            if let Some((table, span, missing)) = insert::omitted(query, cx.catalog)
                .filter(|_| !unchanged)
            {
                let trigger = insert::filling_trigger(table);
                let d = Diagnostic::new(
                    META.id,
                    span,
                    format!(
                        "{label} of the running release ({}) fails after the new migrations{}: it inserts into `{}` without {}, now `NOT NULL` with no default",
                        old.reference,
                        trigger.map(|t| format!(" {}", insert::unless_filled(t, &missing))).unwrap_or_default(),
                        table.name,
                        missing.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", ")
                    ),
                )
                .help("give the new column a default until the old release is gone")
                .at(Anchor::File(query.file));
                out.push(match trigger {
                    Some(t) => insert::unsure_with_trigger(d, t),
                    None => d,
                });
            }
        }
    }
}
