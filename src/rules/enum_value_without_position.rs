//! `enum-value-without-position`: ALTER TYPE ... ADD VALUE without BEFORE/AFTER.

use super::*;
use crate::syntax::AlterEnumAction;

declare_rule! {
    EnumValueWithoutPosition {
        id: "enum-value-without-position",
        category: Schema,
        severity: Info,
        fix: Guidance,
    }
}

impl Rule for EnumValueWithoutPosition {
    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Diagnostic>) {
        let Statement::AlterEnum {
            name,
            action:
                AlterEnumAction::AddValue {
                    value,
                    neighbor: None,
                    ..
                },
        } = cx.stmt
        else {
            return;
        };
        let Some(last) = cx.catalog.enums.get(name).and_then(|e| e.values.last()) else {
            return;
        };
        out.push(
            Diagnostic::new(
                META.id,
                cx.span,
                format!(
                    "`'{value}'` is appended after `'{last}'`: enum values compare and sort in declaration order, so `ORDER BY`, `<`, `>`, `min()` and `max()` on `{name}` now treat `'{value}'` as the greatest value"
                ),
            )
            .help(format!(
                "say where it belongs: `ALTER TYPE {name} ADD VALUE '{value}' BEFORE '...'` or `AFTER '...'` (appending is fine when the order means nothing: then say `AFTER '{last}'`)"
            )),
        );
    }
}
