//! `drop-database`: DROP DATABASE in a migration.

use super::*;

declare_rule! {
    DropDatabase {
        id: "drop-database",
        category: Compatibility,
        severity: Error,
        fix: None,
    }
}

impl Rule for DropDatabase {
    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Diagnostic>) {
        // Not modelled beyond its node: the statement itself is the hazard.
        if !matches!(cx.stmt, Statement::Other { node } if node == "DropdbStmt") {
            return;
        }
        out.push(
            Diagnostic::new(
                META.id,
                cx.span,
                "`DROP DATABASE` in a migration destroys a whole database, every table and all its data, on every environment the migration reaches",
            )
            .help("remove it from the migration; drop databases by hand, on purpose, with a backup"),
        );
    }
}
