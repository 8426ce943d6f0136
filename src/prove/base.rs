//! `prove --schema-from`: the schema every scratch database starts from, as a plain-format
//! `pg_dump` (a file, or `pg_dump --schema-only` of a live database run for the purpose).
//!
//! The dump is applied once, to a template database that every scratch database of the run is
//! then cloned from, with the semantics psql gives a plain dump: psql meta-commands (`\restrict`,
//! `\connect`) are not SQL and are skipped; `SET` and `set_config` hold for the rest of the dump's
//! session only. A statement naming a role the throwaway server does not have (`OWNER TO`,
//! `GRANT ... TO`) gets that role created as `NOLOGIN` on a server pgproof started; on a server
//! the user named (`--backend url`), whose roles are not pgproof's to create, the statement is
//! skipped and counted, as is one that creates what already exists (psql goes on past both).
//! Any other error stops the run, naming the dump's line.

use super::exec::Conn;
use crate::span::LineIndex;
use crate::syntax::{parse_sql, quote_ident};
use anyhow::{bail, Context, Result};
use std::path::Path;

/// A base schema to start from.
#[derive(Debug, Clone)]
pub struct BaseSchema {
    /// What the dump is (`schema dump `x.sql``, `pg_dump --schema-only of user@host/db`).
    pub source: String,
    /// The dump's SQL.
    pub text: String,
}

/// What applying a dump did beyond running its statements.
#[derive(Debug, Clone, Default)]
pub struct Applied {
    pub statements: usize,
    /// Roles created (`NOLOGIN`) because the dump names them.
    pub roles_created: Vec<String>,
    /// Statements skipped because they name a role the user's server does not have.
    pub skipped: usize,
    /// Statements skipped because what they create is already there (`CREATE SCHEMA public`
    /// from an older pg_dump, an extension `--init-sql` created): psql goes on past these too.
    pub existing: usize,
}

impl Applied {
    /// One line for the report: where the proof started.
    pub fn describe(&self, base: &BaseSchema) -> String {
        let mut line = format!("{} ({} statements", base.source, self.statements);
        if !self.roles_created.is_empty() {
            line.push_str(&format!(
                "; roles it names created as NOLOGIN: {}",
                self.roles_created.join(", ")
            ));
        }
        if self.skipped > 0 {
            line.push_str(&format!(
                "; {} statements naming roles the server does not have skipped",
                self.skipped
            ));
        }
        if self.existing > 0 {
            line.push_str(&format!(
                "; {} statements creating what the server already had skipped",
                self.existing
            ));
        }
        line.push(')');
        line
    }
}

/// Reads `source`: a dump file, or, for a connection URL, `pg_dump --schema-only` of that
/// database (read only; the password goes to the child in `PGPASSWORD`, never on its command
/// line). `pg_bin` is where to look for `pg_dump` first.
pub fn read(source: &str, pg_bin: Option<&Path>) -> Result<BaseSchema> {
    if is_url(source) {
        return dump_live(source, pg_bin);
    }
    let text = std::fs::read_to_string(source)
        .with_context(|| format!("cannot read the schema dump `{source}` (--schema-from)"))?;
    Ok(BaseSchema {
        source: format!("schema dump `{source}`"),
        text,
    })
}

/// Whether `--schema-from` names a database rather than a file (as `lint` decides).
pub fn is_url(source: &str) -> bool {
    source.starts_with("postgres://")
        || source.starts_with("postgresql://")
        || source.contains("host=")
        || source.contains("dbname=")
}

/// `pg_dump --schema-only` of the database at `url`.
fn dump_live(url: &str, pg_bin: Option<&Path>) -> Result<BaseSchema> {
    let target = crate::live::config(Some(url))?;
    let described = crate::live::describe(&target);
    let program = pg_bin
        .map(|d| d.join("pg_dump"))
        .filter(|p| p.is_file())
        .or_else(|| crate::sandbox::local::find_on_path("pg_dump"))
        .with_context(|| {
            format!(
                "--schema-from {described}: a database is read with `pg_dump --schema-only`, and no `pg_dump` is on the PATH (or in --pg-bin); install the PostgreSQL client, or pass a dump file made with `pg_dump --schema-only`"
            )
        })?;
    let config = &target.config;
    let mut command = std::process::Command::new(&program);
    command.args(["--schema-only", "--no-password", "--format=plain"]);
    if let Some(host) = config.get_hosts().first() {
        let host = match host {
            tokio_postgres::config::Host::Tcp(h) => h.clone(),
            tokio_postgres::config::Host::Unix(p) => p.display().to_string(),
        };
        command.arg(format!("--host={host}"));
    }
    if let Some(port) = config.get_ports().first() {
        command.arg(format!("--port={port}"));
    }
    if let Some(user) = config.get_user() {
        command.arg(format!("--username={user}"));
    }
    if let Some(db) = config.get_dbname() {
        command.arg(format!("--dbname={db}"));
    }
    command.env_remove("PGPASSWORD");
    if let Some(password) = config.get_password() {
        command.env("PGPASSWORD", String::from_utf8_lossy(password).as_ref());
    }
    command.env("PGSSLMODE", target.ssl_mode.name());
    if let Some(root) = &target.root_cert {
        command.env("PGSSLROOTCERT", root);
    }
    command.stdin(std::process::Stdio::null());
    let output = command
        .output()
        .with_context(|| format!("cannot run `{}`", program.display()))?;
    if !output.status.success() {
        bail!(
            "`pg_dump --schema-only` of {described} failed (--schema-from): {}",
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    let text = String::from_utf8(output.stdout)
        .with_context(|| format!("`pg_dump` of {described} wrote text that is not UTF-8"))?;
    Ok(BaseSchema {
        source: format!("`pg_dump --schema-only` of {described}"),
        text,
    })
}

/// Applies `base` on `conn` (a connection of its own: the dump's `SET`s end with it).
/// `create_roles`: whether missing roles may be created (a server pgproof started).
pub fn apply(conn: &Conn, base: &BaseSchema, create_roles: bool) -> Result<Applied> {
    let text = &base.text;
    let parsed = parse_sql(text);
    let lines = LineIndex::new(text);
    let line_of = |offset: usize| lines.position(text, offset).line;
    if let Some(error) = parsed.errors.first().or(parsed.aborted.first()) {
        bail!(
            "{} line {}: {} (--schema-from: every statement of the dump must run on the server)",
            base.source,
            line_of(error.span.start),
            error.message
        );
    }
    // Meta-commands are blanked (same offsets): a span never takes one with it.
    let blanked = crate::lex::blank_out(text, &parsed.lexed.meta_commands);
    let mut applied = Applied::default();
    for statement in &parsed.statements {
        let sql = &blanked[statement.span.start..statement.span.end];
        if is_copy_from_stdin(sql) {
            bail!(
                "{} line {}: the dump holds data (`COPY ... FROM stdin`); --schema-from takes a schema-only dump (`pg_dump --schema-only`)",
                base.source,
                line_of(statement.span.start)
            );
        }
        applied.statements += 1;
        // A statement may name several missing roles: one at a time.
        let mut tries = 0;
        loop {
            let Err(e) = conn.execute_batch(sql) else {
                break;
            };
            let missing = e.as_db_error().and_then(|d| missing_role(d.message()));
            let code = e.code().map(|c| c.code());
            if matches!(code, Some("42P06" | "42P07" | "42710" | "42723" | "42P04")) {
                // duplicate schema, table, object, function, database
                applied.existing += 1;
                break;
            }
            match missing {
                Some(role) if create_roles && tries < 16 => {
                    conn.execute_batch(&format!("CREATE ROLE {} NOLOGIN", quote_ident(&role)))
                        .with_context(|| {
                            format!("cannot create the role `{role}` the dump names")
                        })?;
                    applied.roles_created.push(role);
                    tries += 1;
                }
                Some(_) if !create_roles => {
                    applied.skipped += 1;
                    break;
                }
                _ => {
                    let message = e
                        .as_db_error()
                        .map_or_else(|| e.to_string(), |d| d.message().to_string());
                    bail!(
                        "{} line {}: {message} (--schema-from: the dump does not apply on the throwaway server)",
                        base.source,
                        line_of(statement.span.start)
                    );
                }
            }
        }
    }
    Ok(applied)
}

/// The role a server error says does not exist (`role "app" does not exist`).
fn missing_role(message: &str) -> Option<String> {
    let rest = message.strip_prefix("role \"")?;
    let name = rest.strip_suffix("\" does not exist")?;
    Some(name.replace("\"\"", "\""))
}

fn is_copy_from_stdin(sql: &str) -> bool {
    let upper = sql.trim_start().to_ascii_uppercase();
    upper.starts_with("COPY ") && upper.contains("FROM STDIN")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_roles_are_read_from_the_server_message() {
        assert_eq!(
            missing_role("role \"app_owner\" does not exist").as_deref(),
            Some("app_owner")
        );
        assert_eq!(missing_role("relation \"x\" does not exist"), None);
        assert!(is_copy_from_stdin("COPY public.t (a) FROM stdin"));
        assert!(!is_copy_from_stdin("CREATE TABLE copy_from_stdin (a int)"));
        assert!(is_url("postgresql://u@h/db") && is_url("host=/tmp dbname=x"));
        assert!(!is_url("schema.sql"));
    }
}
