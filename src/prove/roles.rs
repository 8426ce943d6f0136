//! Roles belong to the whole server, not to a scratch database: on a server the user named
//! (`--backend url`), the roles the migrations created outlive the run unless pgproof drops them.
//! It drops a role only when no role of that name existed when the run started and the SQL it ran
//! creates one of that name (`CREATE ROLE/USER/GROUP name`, in a statement or in a string such as
//! a `DO` block's); a role that appeared otherwise (dynamic SQL, another session) is left and
//! named. What it cannot tell apart: a role another session creates during the run under a name
//! the migrations also create.

use super::exec::Conn;
use crate::syntax::quote_ident;
use anyhow::{Context, Result};
use std::collections::HashSet;

/// The roles on the server when the run started: their oids and names.
#[derive(Debug, Default)]
pub struct RolesBefore {
    oids: HashSet<u32>,
    names: HashSet<String>,
}

impl RolesBefore {
    pub fn read(admin: &Conn) -> Result<RolesBefore> {
        let rows = admin
            .query("SELECT oid, rolname::text FROM pg_roles", &[])
            .context("cannot list the server's roles")?;
        Ok(RolesBefore {
            oids: rows.iter().map(|r| r.get(0)).collect(),
            names: rows.iter().map(|r| r.get(1)).collect(),
        })
    }

    /// The roles created since, by name, and whether a role of that name existed at the start
    /// (dropped and created again during the run).
    pub fn created_since(&self, admin: &Conn) -> Result<Vec<(String, bool)>> {
        let rows = admin
            .query(
                "SELECT oid, rolname::text FROM pg_roles ORDER BY rolname",
                &[],
            )
            .context("cannot list the server's roles")?;
        Ok(rows
            .iter()
            .filter(|r| !self.oids.contains(&r.get::<_, u32>(0)))
            .map(|r| {
                let name: String = r.get(1);
                let existed = self.names.contains(&name);
                (name, existed)
            })
            .collect())
    }
}

/// What became of the roles the run created, for one line each on stderr.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct RoleCleanup {
    pub dropped: Vec<String>,
    /// With the server's reason (objects or privileges in a database pgproof did not create).
    pub refused: Vec<(String, String)>,
    /// Created during the run but not by a `CREATE ROLE` of the SQL pgproof ran.
    pub unclaimed: Vec<String>,
    /// Created during the run under the name of a role that existed when it started.
    pub existed: Vec<String>,
}

impl RoleCleanup {
    /// Drops each role of `created` (see [`RolesBefore::created_since`]) that `texts` create and
    /// that did not exist by name at the start, once the scratch databases are gone.
    pub fn run(admin: &Conn, created: Vec<(String, bool)>, texts: &[&str]) -> RoleCleanup {
        let mut out = RoleCleanup::default();
        let claimed: HashSet<String> = texts.iter().flat_map(|t| created_roles(t)).collect();
        for (role, existed) in created {
            if existed {
                out.existed.push(role);
                continue;
            }
            if !claimed.contains(&role) {
                out.unclaimed.push(role);
                continue;
            }
            match admin.execute_batch(&format!("DROP ROLE IF EXISTS {}", quote_ident(&role))) {
                Ok(()) => out.dropped.push(role),
                Err(e) => {
                    // The detail names what still depends on the role.
                    let mut why = super::fixes::message(&e);
                    if let Some(detail) = e.as_db_error().and_then(|d| d.detail()) {
                        why = format!("{why}: {detail}");
                    }
                    out.refused.push((role, why));
                }
            }
        }
        out
    }

    /// Lines for stderr, each starting with `pgproof <command>: `.
    pub fn lines(&self, command: &str) -> Vec<String> {
        let list = |roles: &[String]| {
            roles
                .iter()
                .map(|r| quote_ident(r))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut lines = vec![];
        if !self.dropped.is_empty() {
            lines.push(format!(
                "pgproof {command}: dropped the role(s) the migrations created on the server of --database-url: {}",
                list(&self.dropped)
            ));
        }
        for (role, why) in &self.refused {
            lines.push(format!(
                "pgproof {command}: left the role {} that the migrations created on the server of --database-url: DROP ROLE failed ({why})",
                quote_ident(role)
            ));
        }
        if !self.existed.is_empty() {
            lines.push(format!(
                "pgproof {command}: left role(s) the migrations dropped and created again on the server of --database-url (a role of that name was there when the run started): {}",
                list(&self.existed)
            ));
        }
        if !self.unclaimed.is_empty() {
            lines.push(format!(
                "pgproof {command}: left role(s) that appeared on the server of --database-url during the run but that no `CREATE ROLE` of the SQL pgproof ran creates (dynamic SQL, or another session): {}",
                list(&self.unclaimed)
            ));
        }
        lines
    }
}

/// The role names `text` creates: the name after each `CREATE ROLE`, `CREATE USER` (not `USER
/// MAPPING`) or `CREATE GROUP`, wherever it stands (a `DO` block's body, an `EXECUTE`d string),
/// folded as PostgreSQL folds an unquoted identifier and cut to its 63 bytes.
fn created_roles(text: &str) -> Vec<String> {
    // Any non-ASCII character continues an identifier, as in PostgreSQL's scanner.
    let ident = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '$' || !c.is_ascii();
    let word_at = |rest: &str, word: &str| {
        rest.get(..word.len())
            .is_some_and(|w| w.eq_ignore_ascii_case(word))
            && !rest[word.len()..].chars().next().is_some_and(ident)
    };
    let mut out = vec![];
    for (at, _) in text.match_indices(['c', 'C']) {
        if text[..at].chars().next_back().is_some_and(ident) || !word_at(&text[at..], "create") {
            continue;
        }
        let rest = text[at + "create".len()..].trim_start();
        let Some(kind) = ["role", "user", "group"]
            .into_iter()
            .find(|k| word_at(rest, k))
        else {
            continue;
        };
        let rest = rest[kind.len()..].trim_start();
        if kind == "user" && word_at(rest, "mapping") {
            continue;
        }
        let name = if let Some(quoted) = rest.strip_prefix('"') {
            let mut name = String::new();
            let mut chars = quoted.chars().peekable();
            loop {
                match chars.next() {
                    Some('"') if chars.peek() == Some(&'"') => {
                        chars.next();
                        name.push('"');
                    }
                    Some('"') | None => break,
                    Some(c) => name.push(c),
                }
            }
            name
        } else {
            rest.chars()
                .take_while(|&c| ident(c))
                .collect::<String>()
                .to_ascii_lowercase()
        };
        if name.is_empty() {
            continue;
        }
        let mut end = name.len().min(63);
        while !name.is_char_boundary(end) {
            end -= 1;
        }
        out.push(name[..end].to_string());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::created_roles;

    #[test]
    fn the_roles_a_text_creates_are_the_names_after_create_role() {
        let sql = "CREATE ROLE app_reader NOLOGIN;\n\
                   create user APP_Writer;\n\
                   DO $$ BEGIN CREATE ROLE \"Auditor\"; EXCEPTION WHEN duplicate_object THEN NULL; END $$;\n\
                   EXECUTE 'CREATE GROUP \"a\"\"b\"';\n\
                   CREATE USER MAPPING FOR app_reader SERVER s;\n\
                   GRANT SELECT ON reporting TO app_reader;\n\
                   EXECUTE format('CREATE ROLE %I', name);\n\
                   RECREATE ROLE no;\n\
                   CREATE ROLE caf\u{e9}_owner;";
        assert_eq!(
            created_roles(sql),
            [
                "app_reader",
                "app_writer",
                "Auditor",
                "a\"b",
                "caf\u{e9}_owner"
            ]
        );
        let long = format!("CREATE ROLE {};", "r".repeat(70));
        assert_eq!(created_roles(&long), ["r".repeat(63)]);
        // A table, a column or a comment named like a role creates none.
        assert!(created_roles("CREATE TABLE reporting (id int); -- the reporting role").is_empty());
    }
}
