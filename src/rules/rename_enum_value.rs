//! `rename-enum-value`: renaming an enum value that running app instances still write and compare.

use super::*;
use crate::syntax::AlterEnumAction;

declare_rule! {
    RenameEnumValue {
        id: "rename-enum-value",
        category: Compatibility,
        severity: Warning,
        fix: Guidance,
    }
}

impl Rule for RenameEnumValue {
    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Diagnostic>) {
        let Statement::AlterEnum {
            name,
            action: AlterEnumAction::RenameValue { old, new },
        } = cx.stmt
        else {
            return;
        };
        if cx
            .earlier
            .iter()
            .any(|s| matches!(&s.kind, Statement::CreateEnum { name: n, .. } if n == name))
        {
            return;
        }
        out.push(
            Diagnostic::new(
                META.id,
                cx.span,
                format!(
                    "renaming value '{old}' of enum `{name}` to '{new}': app instances still running the previous release write '{old}' and fail with `invalid input value for enum`, and their comparisons with '{old}' stop matching"
                ),
            )
            .help(format!(
                "add '{new}' as a new value (`ALTER TYPE {name} ADD VALUE '{new}'`), release code that writes '{new}' and reads both, migrate the rows, and stop using '{old}' (enum values cannot be dropped; a lookup table or a CHECK on text is easier to evolve)"
            )),
        );
    }
}
