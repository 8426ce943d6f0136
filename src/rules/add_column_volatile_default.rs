//! `add-column-volatile-default`: ADD COLUMN whose default forces a table rewrite.

use super::*;
use crate::finding::Applicability;
use crate::syntax::Volatility;

declare_rule! {
    AddColumnVolatileDefault {
        id: "add-column-volatile-default",
        category: Locking,
        severity: Warning,
        fix: Recipe(SameSchema),
    }
}

impl Rule for AddColumnVolatileDefault {
    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Diagnostic>) {
        // Unlike `existing_alter`, a temporary table that an earlier migration created counts.
        let Some(alter) = cx.alter_table().filter(|a| !cx.is_new(&a.name)) else {
            return;
        };
        for column in cx.columns_added(alter) {
            let t = &alter.name;
            let c = &crate::syntax::quote_ident(&column.name);
            // Set when the default calls functions pgproof does not know: it cannot tell whether
            // the column rewrites the table.
            let mut unknown: Vec<&str> = vec![];
            let (why, default_sql) = if column.type_name.is_serial() {
                (
                    format!(
                        "`{}` fills every existing row from a new sequence",
                        column.type_name.name
                    ),
                    None,
                )
            } else if let Some(generated) = column
                .generated
                .as_ref()
                .filter(|_| !column.generated_virtual)
            {
                (
                    format!(
                        "a stored generated column computes `{}` for every existing row",
                        generated.text
                    ),
                    None,
                )
            } else if column.identity.is_some() {
                (
                    "an identity column fills every existing row from its sequence".to_string(),
                    None,
                )
            } else if let Some(default) = column.default.as_ref().filter(|d| !d.is_null_literal()) {
                if cx.catalog.expr_volatility(default) == Volatility::Volatile {
                    (format!("the default `{}` is volatile, so it is evaluated for every existing row", default.text), Some(default.text.clone()))
                } else if cx.pg_version < 11 {
                    (format!("before PostgreSQL 11 any default is written into every existing row (assumed PostgreSQL {})", cx.pg_version), Some(default.text.clone()))
                } else {
                    unknown = cx.catalog.unknown_functions(default);
                    if unknown.is_empty() {
                        continue;
                    }
                    (format!("the default `{}` is evaluated for every existing row if it is volatile", default.text), Some(default.text.clone()))
                }
            } else {
                continue;
            };
            let message = if unknown.is_empty() {
                format!(
                    "adding column `{c}` rewrites `{t}` and all its indexes: {why}; the rewrite {} {}",
                    lock_effect(LockMode::AccessExclusive, t),
                    held_until(cx.in_transaction)
                )
            } else {
                let names: Vec<String> = unknown.iter().map(|f| format!("`{f}()`")).collect();
                format!(
                    "pgproof cannot tell whether adding column `{c}` rewrites `{t}`: the default calls {}, which the migrations do not define, so its volatility is unknown; if it is volatile, {why}, and the rewrite of `{t}` and all its indexes {} {}",
                    names.join(", "),
                    lock_effect(LockMode::AccessExclusive, t),
                    held_until(cx.in_transaction)
                )
            };
            let help = if column.generated.is_some() {
                if cx.pg_version >= 18 {
                    "make the column `VIRTUAL` (computed when read: adding it is instant) if its expression calls only built-in functions and nothing indexes or constrains it, else add a plain column kept in sync by a trigger and backfill existing rows in batches outside the migration"
                } else {
                    "add a plain column (instant) kept in sync by a `BEFORE INSERT OR UPDATE` trigger, and backfill existing rows in batches outside the migration"
                }
            } else {
                "add the column without a default (instant), set the default for new rows, and backfill existing rows in batches outside the migration"
            };
            let mut diag = Diagnostic::new(META.id, cx.span, message)
                .lock(LockMode::AccessExclusive)
                .help(help);
            let ty = if column.type_name.is_serial() {
                column.type_name.serial_base().to_string()
            } else {
                column.type_name.to_string()
            };
            let fix = match &default_sql {
                None if column.generated.is_some() => {
                    let expr = column.generated.as_ref().map(|g| g.text.clone()).unwrap_or_default();
                    if cx.pg_version >= 18 {
                        format!("ALTER TABLE {t} ADD COLUMN {c} {ty} GENERATED ALWAYS AS ({expr}) VIRTUAL;")
                    } else {
                        format!("ALTER TABLE {t} ADD COLUMN {c} {ty};\n-- keep it in sync with a BEFORE INSERT OR UPDATE trigger computing {expr},\n-- then backfill existing rows in batches, outside the migration")
                    }
                }
                Some(default) => format!(
                    "ALTER TABLE {t} ADD COLUMN {c} {ty};\nALTER TABLE {t} ALTER COLUMN {c} SET DEFAULT {default};\n-- then backfill in batches, outside the migration:\n-- UPDATE {t} SET {c} = {default} WHERE {c} IS NULL AND <next batch of keys>;"
                ),
                None => format!(
                    "ALTER TABLE {t} ADD COLUMN {c} {ty};\nCREATE SEQUENCE {t}_{c}_seq OWNED BY {t}.{c};\nALTER TABLE {t} ALTER COLUMN {c} SET DEFAULT nextval('{t}_{c}_seq');\n-- then backfill in batches, outside the migration:\n-- UPDATE {t} SET {c} = nextval('{t}_{c}_seq') WHERE {c} IS NULL AND <next batch of keys>;"
                ),
            };
            diag = diag.fix(fix, Applicability::Unsafe);
            let backfill = match &default_sql {
                None if column.generated.is_some() => None,
                Some(default) => Some(format!("UPDATE {t} SET {c} = {default} WHERE {c} IS NULL;")),
                None => Some(format!(
                    "UPDATE {t} SET {c} = nextval('{t}_{c}_seq') WHERE {c} IS NULL;"
                )),
            };
            if let Some(backfill) = backfill {
                diag = diag.backfill(backfill);
            }
            if column.not_null {
                diag = diag.note("the column is also `NOT NULL`: add it nullable, backfill, then enforce NOT NULL with a validated CHECK (see `pgproof explain set-not-null-scan`)");
            }
            out.push(diag);
        }
    }
}
