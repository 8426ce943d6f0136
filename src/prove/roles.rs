//! Roles belong to the whole server, not to a scratch database: on a server the user named
//! (`--backend url`), the roles the migrations created outlive the run unless pgproof drops them.
//! It drops a role only when the role did not exist when the run started and the SQL pgproof ran
//! names it; a role that appeared otherwise (dynamic SQL, another session) is left and named.

use super::exec::Conn;
use crate::syntax::quote_ident;
use anyhow::{Context, Result};
use std::collections::HashSet;

/// The roles on the server when the run started.
#[derive(Debug, Default)]
pub struct RolesBefore(HashSet<u32>);

impl RolesBefore {
    pub fn read(admin: &Conn) -> Result<RolesBefore> {
        let rows = admin
            .query("SELECT oid FROM pg_roles", &[])
            .context("cannot list the server's roles")?;
        Ok(RolesBefore(rows.iter().map(|r| r.get(0)).collect()))
    }

    /// The roles created since, by name.
    pub fn created_since(&self, admin: &Conn) -> Result<Vec<String>> {
        let rows = admin
            .query(
                "SELECT oid, rolname::text FROM pg_roles ORDER BY rolname",
                &[],
            )
            .context("cannot list the server's roles")?;
        Ok(rows
            .iter()
            .filter(|r| !self.0.contains(&r.get::<_, u32>(0)))
            .map(|r| r.get(1))
            .collect())
    }
}

/// What became of the roles the run created, for one line each on stderr.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct RoleCleanup {
    pub dropped: Vec<String>,
    /// With the server's reason (objects or privileges in a database pgproof did not create).
    pub refused: Vec<(String, String)>,
    /// Created during the run but not named in the SQL pgproof ran.
    pub unclaimed: Vec<String>,
}

impl RoleCleanup {
    /// Drops each of `created` that `texts` name, once the scratch databases are gone.
    pub fn run(admin: &Conn, created: Vec<String>, texts: &[&str]) -> RoleCleanup {
        let mut out = RoleCleanup::default();
        for role in created {
            if !texts.iter().any(|t| names(t, &role)) {
                out.unclaimed.push(role);
                continue;
            }
            match admin.execute_batch(&format!("DROP ROLE IF EXISTS {}", quote_ident(&role))) {
                Ok(()) => out.dropped.push(role),
                Err(e) => {
                    let why = e.as_db_error().map_or_else(
                        || e.to_string(),
                        |d| match d.detail() {
                            Some(detail) => format!("{}: {detail}", d.message()),
                            None => d.message().to_string(),
                        },
                    );
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
        if !self.unclaimed.is_empty() {
            lines.push(format!(
                "pgproof {command}: left role(s) that appeared on the server of --database-url during the run but that the SQL pgproof ran does not name (dynamic SQL, or another session): {}",
                list(&self.unclaimed)
            ));
        }
        lines
    }
}

/// Whether `text` names `role`: as written in quotes, or, for a name that folds to itself, as a
/// word in any case (an unquoted identifier) or inside a string (`EXECUTE 'CREATE ROLE app'`).
fn names(text: &str, role: &str) -> bool {
    if text.contains(&format!("\"{}\"", role.replace('"', "\"\""))) {
        return true;
    }
    if role.is_empty() || role != role.to_ascii_lowercase() {
        return false;
    }
    let word = |c: char| c.is_alphanumeric() || c == '_' || c == '$';
    let lower = text.to_ascii_lowercase();
    lower.match_indices(role).any(|(at, _)| {
        !lower[..at].chars().next_back().is_some_and(word)
            && !lower[at + role.len()..].chars().next().is_some_and(word)
    })
}

#[cfg(test)]
mod tests {
    use super::names;

    #[test]
    fn a_role_is_named_as_a_word_or_in_quotes() {
        assert!(names("CREATE ROLE app_reader NOLOGIN;", "app_reader"));
        assert!(names("create user APP_READER;", "app_reader"));
        assert!(names("EXECUTE 'CREATE ROLE app_reader';", "app_reader"));
        assert!(!names("CREATE ROLE app_reader_2;", "app_reader"));
        assert!(!names("CREATE ROLE my_app_reader;", "app_reader"));
        assert!(names("CREATE ROLE \"Mixed\";", "Mixed"));
        assert!(!names("CREATE ROLE mixed;", "Mixed"));
        assert!(names("CREATE ROLE \"a\"\"b\";", "a\"b"));
        assert!(!names("CREATE ROLE x;", ""));
    }
}
