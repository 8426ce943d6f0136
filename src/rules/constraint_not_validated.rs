//! `constraint-not-validated`: a foreign key or CHECK constraint left NOT VALID in the final schema.

use super::*;
use crate::finding::Applicability;
use crate::syntax::quote_ident;

declare_rule! {
    ConstraintNotValidated {
        id: "constraint-not-validated",
        category: Schema,
        severity: Info,
        fix: Recipe(ChangesSchema),
    }
}

impl Rule for ConstraintNotValidated {
    fn check_schema(&self, cx: &SchemaContext<'_>, out: &mut Vec<Diagnostic>) {
        for (table, constraint) in cx.own_constraints().filter(|(_, c)| !c.validated) {
            let t = &table.name;
            let name = quote_ident(&constraint.name);
            out.push(
                Diagnostic::about(
                    META.id,
                    t.clone(),
                    Some(Member::Constraint(constraint.name.clone())),
                    format!(
                        "constraint `{name}` on `{t}` was added `NOT VALID` and never validated: rows written before it may break it, the planner cannot rely on it, and (for `CHECK (col IS NOT NULL)`) `SET NOT NULL` cannot use it to skip its scan"
                    ),
                )
                .help("validate it: `VALIDATE CONSTRAINT` checks the old rows under a `SHARE UPDATE EXCLUSIVE` lock, which does not block reads or writes")
                .fix(
                    format!("ALTER TABLE {t} VALIDATE CONSTRAINT {name};"),
                    Applicability::Safe,
                ),
            );
        }
    }
}
