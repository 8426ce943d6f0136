//! `add-column-not-null-without-default`: a NOT NULL column without a default added to an existing table.

use super::*;
use crate::syntax::quote_ident;

declare_rule! {
    AddColumnNotNullWithoutDefault {
        id: "add-column-not-null-without-default",
        category: Compatibility,
        severity: Error,
        fix: Recipe(ChangesSchema),
    }
}

impl Rule for AddColumnNotNullWithoutDefault {
    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Diagnostic>) {
        let Some(alter) = cx.existing_alter() else {
            return;
        };
        for column in cx.columns_added(alter) {
            let has_value = column
                .default
                .as_ref()
                .is_some_and(|d| !d.is_null_literal())
                || column.identity.is_some()
                || column.generated.is_some()
                || column.type_name.is_serial();
            if !column.not_null || has_value {
                continue;
            }
            let t = &alter.name;
            let c = quote_ident(&column.name);
            let emptied = cx.emptied_before(t);
            let message = match emptied {
                // Nothing can fail: only the compatibility hazard is left.
                Some(Emptied::Truncated) => format!(
                    "`{t}` is truncated earlier in this transaction (its lock keeps it empty), so adding `{c}` as `NOT NULL` without a default succeeds, but app instances still running the previous release cannot insert into `{t}` because they do not set `{c}`"
                ),
                // `DELETE` leaves writers free: only a row they insert in between makes it fail.
                Some(Emptied::Deleted) => format!(
                    "`{t}` is emptied by `DELETE` earlier in this transaction, so adding `{c}` as `NOT NULL` without a default fails only if the previous release inserts a row in between (`DELETE` does not stop writers); after it, those app instances cannot insert into `{t}` because they do not set `{c}`"
                ),
                None => format!(
                    "adding `{c}` as `NOT NULL` without a default fails with `column \"{}\" of relation \"{}\" contains null values` as soon as `{t}` has a row, and app instances still running the previous release cannot insert into `{t}` because they do not set `{c}`",
                    column.name, t.name
                ),
            };
            let mut diagnostic = Diagnostic::new(META.id, cx.span, message);
            if emptied.is_some() {
                diagnostic = diagnostic.at_most(Severity::Warning);
            }
            out.push(
                diagnostic
                .lock(LockMode::AccessExclusive)
                .help("add the column with a constant default (instant since PostgreSQL 11), or add it nullable, backfill, and enforce `NOT NULL` once every deployed version writes it")
                .fix(
                    format!(
                        "ALTER TABLE {t} ADD COLUMN {c} {};\n-- release code that writes {c}, backfill existing rows in batches, then:\nALTER TABLE {t} ADD CONSTRAINT {} CHECK ({c} IS NOT NULL) NOT VALID;",
                        column.type_name,
                        sql_object_name(&t.name, Some(&column.name), "not_null")
                    ),
                    crate::finding::Applicability::Unsafe,
                ),
            );
        }
    }
}
