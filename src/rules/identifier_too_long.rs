//! `identifier-too-long`: names over 63 bytes, which PostgreSQL truncates with only a NOTICE.

use super::*;
use crate::syntax::{AlterCmd, ObjectKind};

declare_rule! {
    IdentifierTooLong {
        id: "identifier-too-long",
        category: Correctness,
        severity: Warning,
        fix: None,
    }
}

/// PostgreSQL's NAMEDATALEN - 1.
const MAX: usize = 63;

impl Rule for IdentifierTooLong {
    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Diagnostic>) {
        let mut names: Vec<(&str, &str)> = vec![];
        // (kind, name) of every name the statement creates.
        match cx.stmt {
            Statement::CreateTable(t) => {
                names.push(("table", &t.name.name));
                names.extend(t.columns.iter().map(|c| ("column", c.name.as_str())));
                names.extend(
                    t.constraints
                        .iter()
                        .chain(t.columns.iter().flat_map(|c| c.constraints.iter()))
                        .filter_map(|c| c.name.as_deref())
                        .map(|n| ("constraint", n)),
                );
            }
            Statement::AlterTable(a) => {
                for cmd in &a.cmds {
                    match cmd {
                        AlterCmd::AddColumn { column, .. } => names.push(("column", &column.name)),
                        AlterCmd::AddConstraint { constraint } => {
                            if let Some(n) = &constraint.name {
                                names.push(("constraint", n));
                            }
                        }
                        _ => {}
                    }
                }
            }
            Statement::CreateIndex(i) => {
                if let Some(n) = &i.name {
                    names.push(("index", n));
                }
            }
            Statement::CreateView(v) => names.push(("view", &v.name.name)),
            Statement::CreateSequence { name, .. } => names.push(("sequence", &name.name)),
            Statement::CreateFunction(f) => names.push(("function", &f.name.name)),
            Statement::CreateTrigger { name, .. } => names.push(("trigger", name)),
            Statement::CreateSchema { name, .. } => names.push(("schema", name)),
            Statement::CreateEnum { name, .. } | Statement::CreateDomain { name, .. } => {
                names.push(("type", &name.name))
            }
            Statement::Rename(r) if r.kind != ObjectKind::Other => names.push((
                if r.sub_name.is_some() {
                    "name"
                } else {
                    "new name"
                },
                &r.new_name,
            )),
            _ => return,
        }
        // The server's lexer already cut long names to 63 bytes before the parse tree was built,
        // so a name of (nearly) 63 bytes may be a truncated one: look at the statement's tokens.
        if !names.iter().any(|(_, n)| n.len() >= MAX - 3) {
            return;
        }
        let Ok(scanned) = pg_query::scan(cx.sql) else {
            return;
        };
        for token in scanned.tokens {
            if token.token != pg_query::protobuf::Token::Ident as i32 {
                continue;
            }
            let (start, end) = (token.start as usize, token.end as usize);
            let Some(raw) = cx.sql.get(start..end) else {
                continue;
            };
            let name = raw.trim_matches('"');
            if name.len() <= MAX {
                continue;
            }
            let mut cut = MAX;
            while !name.is_char_boundary(cut) {
                cut -= 1;
            }
            out.push(
                Diagnostic::new(
                    META.id,
                    Span {
                        start: cx.span.start + start,
                        end: cx.span.start + end,
                    },
                    format!(
                        "identifier `{name}` is {} bytes long: PostgreSQL truncates it to 63 bytes (`{}`) with only a `NOTICE`: SQL that repeats the full name is truncated alike, but code that compares the name as a string (catalog lookups, ORMs, schema-diff tools) does not find it, and two long names with the same 63-byte prefix collide",
                        name.len(),
                        &name[..cut]
                    ),
                )
                .help("shorten the name to 63 bytes or fewer (multi-byte characters count as several bytes)"),
            );
        }
    }
}
