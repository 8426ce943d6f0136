//! The live half of the catalog: connecting to a database the user names, safely, and reading its
//! schema into the same `Catalog` that migration replay builds.
//!
//! Every session is read-only (`SET TRANSACTION READ ONLY`) with `statement_timeout` and
//! `lock_timeout` set, JIT compilation off (`JIT_OFF`) and `application_name = pgproof`, and
//! no message ever contains the password.
//! Connections follow libpq's conventions: a URL or `key=value` string, the `PG*` environment,
//! `~/.pgpass`, and `sslmode` from `disable` to `verify-full` (TLS by rustls).

pub mod introspect;
mod pgpass;
mod tls;

use anyhow::{Context, Result};
use std::path::PathBuf;
use std::time::Duration;
use tokio_postgres::config::Host;
use tokio_postgres::{Client, Config, NoTls};

pub use tls::SslMode;

/// Where and how to connect: the driver's settings plus the TLS policy, which the driver's own
/// `sslmode` cannot express (it stops at `require`, without certificate verification).
#[derive(Debug, Clone)]
pub struct Target {
    pub config: Config,
    pub ssl_mode: SslMode,
    /// CA certificates for `verify-ca` / `verify-full` (`sslrootcert`, `PGSSLROOTCERT`,
    /// `~/.postgresql/root.crt`); the bundled web roots when none.
    pub root_cert: Option<PathBuf>,
}

/// How long any single catalog query may run, and how long it may wait for a lock.
pub const STATEMENT_TIMEOUT: &str = "30s";
pub const LOCK_TIMEOUT: &str = "2s";

/// Connection settings from a URL (or `key=value` string), falling back to the libpq environment
/// (`PGHOST`, `PGPORT`, `PGUSER`, `PGPASSWORD`, `PGDATABASE`, `PGSSLMODE`, `PGSSLROOTCERT`) and to
/// the password file (`PGPASSFILE` or `~/.pgpass`) for what the URL leaves out.
pub fn config(url: Option<&str>) -> Result<Target> {
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    // `sslmode` values beyond the driver's and `sslrootcert` are taken out before it parses.
    let (rest, ssl_mode, root_cert) = match url {
        Some(url) => tls::take_ssl_options(url)
            .map_err(|e| anyhow::anyhow!("invalid database URL ({})", redact_error(&e, url)))?,
        None => (String::new(), None, None),
    };
    let mut config = match url {
        Some(url) => rest.parse::<Config>().map_err(|e| {
            anyhow::anyhow!(
                "invalid database URL ({})",
                redact_error(&e.to_string(), url)
            )
        })?,
        None => Config::new(),
    };
    let ssl_mode = match ssl_mode {
        Some(mode) => mode,
        None => match env("PGSSLMODE") {
            Some(m) => SslMode::parse(&m).with_context(|| format!("invalid PGSSLMODE `{m}`"))?,
            None => SslMode::Prefer,
        },
    };
    let root_cert = root_cert
        .or_else(|| env("PGSSLROOTCERT").map(PathBuf::from))
        .or_else(|| {
            let default = home()?.join(".postgresql/root.crt");
            default.is_file().then_some(default)
        });
    if config.get_hosts().is_empty() {
        config.host(env("PGHOST").as_deref().unwrap_or("localhost"));
    }
    if config.get_ports().is_empty() {
        if let Some(port) = env("PGPORT").and_then(|p| p.parse().ok()) {
            config.port(port);
        }
    }
    if config.get_user().is_none() {
        config.user(&default_user(env("PGUSER"), os_user)?);
    }
    if config.get_dbname().is_none() {
        if let Some(db) = env("PGDATABASE") {
            config.dbname(&db);
        }
    }
    if config.get_password().is_none() {
        if let Some(password) = env("PGPASSWORD") {
            config.password(password);
        } else if let Some(file) = env("PGPASSFILE")
            .map(PathBuf::from)
            .or_else(|| home().map(|h| h.join(".pgpass")))
        {
            let host = match config.get_hosts().first() {
                Some(Host::Tcp(h)) => h.clone(),
                // libpq matches a socket connection on the default directory as `localhost`.
                Some(Host::Unix(_)) | None => "localhost".into(),
            };
            let port = config.get_ports().first().copied().unwrap_or(5432);
            let user = config.get_user().unwrap_or_default().to_string();
            let db = config.get_dbname().unwrap_or(&user).to_string();
            if let Some(password) = pgpass::lookup(&file, &host, port, &db, &user) {
                config.password(password);
            }
        }
    }
    config
        .application_name("pgproof")
        .connect_timeout(Duration::from_secs(10));
    Ok(Target {
        config,
        ssl_mode,
        root_cert,
    })
}

/// The user to connect as when the URL names none, as libpq chooses it: `PGUSER`, else the name
/// of the operating-system user the process runs as. Not `$USER` (which `su` and `sudo` can leave
/// naming someone else) and not a fixed `postgres`. `os_user` is [`os_user`] outside tests.
fn default_user(
    pguser: Option<String>,
    os_user: impl FnOnce() -> Option<String>,
) -> Result<String> {
    match pguser {
        Some(user) => Ok(user),
        None => os_user().context(
            "no user given (in the URL or PGUSER) and the operating-system user's name cannot be found: give a user",
        ),
    }
}

/// The name of the effective user id's account (`getpwuid(geteuid())`, what libpq asks).
#[allow(unsafe_code)] // geteuid(2) and getpwuid_r(3): std has no API for the account database
fn os_user() -> Option<String> {
    // SAFETY: geteuid cannot fail.
    let uid = unsafe { libc::geteuid() };
    let mut buffer: Vec<libc::c_char> = vec![0; 1024];
    loop {
        // SAFETY: `passwd` is plain data that getpwuid_r fills in; its strings point into
        // `buffer`, which outlives their use below.
        let mut entry: libc::passwd = unsafe { std::mem::zeroed() };
        let mut found: *mut libc::passwd = std::ptr::null_mut();
        let rc = unsafe {
            libc::getpwuid_r(
                uid,
                &mut entry,
                buffer.as_mut_ptr(),
                buffer.len(),
                &mut found,
            )
        };
        if rc == libc::ERANGE && buffer.len() < 1 << 20 {
            buffer.resize(buffer.len() * 2, 0);
            continue;
        }
        if rc != 0 || found.is_null() || entry.pw_name.is_null() {
            return None;
        }
        // SAFETY: on success `pw_name` is a NUL-terminated string inside `buffer`.
        let name = unsafe { std::ffi::CStr::from_ptr(entry.pw_name) };
        return Some(name.to_string_lossy().into_owned()).filter(|n| !n.is_empty());
    }
}

fn home() -> Option<PathBuf> {
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
}

/// `user@host:port/db`, never the password: what messages call the database.
pub fn describe(target: &Target) -> String {
    let config = &target.config;
    let host = match config.get_hosts().first() {
        Some(Host::Tcp(h)) => h.clone(),
        Some(Host::Unix(p)) => p.display().to_string(),
        None => "localhost".into(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    format!(
        "{}@{host}:{port}/{}",
        config.get_user().unwrap_or("?"),
        config.get_dbname().or(config.get_user()).unwrap_or("?")
    )
}

/// Removes anything that looks like the password of `url` from an error message.
fn redact_error(message: &str, url: &str) -> String {
    let password = url
        .split_once("://")
        .and_then(|(_, rest)| rest.split_once('@'))
        .and_then(|(userinfo, _)| userinfo.split_once(':'))
        .map(|(_, p)| p.to_string());
    match password {
        Some(p) if !p.is_empty() => message.replace(&p, "***"),
        _ => message.to_string(),
    }
}

/// Connects to `target` (TLS per its `sslmode`; plain on Unix sockets), driving the connection
/// on the current runtime. Errors name the database, never the password.
pub async fn connect(target: &Target) -> Result<Client> {
    let described = describe(target);
    let config = &target.config;
    let socket = matches!(config.get_hosts().first(), Some(Host::Unix(_)));
    let client = if target.ssl_mode == SslMode::Disable || socket {
        let mut config = config.clone();
        config.ssl_mode(tokio_postgres::config::SslMode::Disable);
        let (client, connection) = config
            .connect(NoTls)
            .await
            .with_context(|| format!("cannot connect to {described}"))?;
        tokio::spawn(async move {
            let _ = connection.await;
        });
        client
    } else {
        let mut config = config.clone();
        config.ssl_mode(target.ssl_mode.driver_mode());
        let connector =
            tls::connector(target).with_context(|| format!("cannot set up TLS for {described}"))?;
        let (client, connection) = config.connect(connector).await.with_context(|| {
            format!(
                "cannot connect to {described} (sslmode={})",
                target.ssl_mode.name()
            )
        })?;
        tokio::spawn(async move {
            let _ = connection.await;
        });
        client
    };
    Ok(client)
}

/// Turns JIT compilation off for the session's transaction. The catalog queries join many small
/// catalog tables, which the planner's cost estimates can push over `jit_above_cost` on a large
/// schema: PostgreSQL then compiles the query with LLVM first (about 90 ms of a 600 ms audit of a
/// 139-table schema), which the query never earns back. Written as `set_config` over `pg_settings`
/// so that a server built without the setting (or one that hides it) is left as it is, not refused.
const JIT_OFF: &str = "SELECT set_config(name, 'off', true) FROM pg_settings WHERE name = 'jit';";

/// A read-only session on the database.
pub struct Session {
    pub client: Client,
    pub runtime: tokio::runtime::Runtime,
    pub described: String,
}

impl Session {
    /// Connects (plain TCP or a Unix socket) and opens a read-only transaction with timeouts.
    pub fn open(target: &Target) -> Result<Session> {
        let described = describe(target);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("cannot start the async runtime")?;
        let client = runtime.block_on(async {
            let client = connect(target).await?;
            client
                .batch_execute(&format!(
                    "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET LOCAL statement_timeout = '{STATEMENT_TIMEOUT}'; SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'; {JIT_OFF}"
                ))
                .await
                .with_context(|| format!("cannot open a read-only transaction on {described}"))?;
            anyhow::Ok(client)
        })?;
        Ok(Session {
            client,
            runtime,
            described,
        })
    }
}

/// A connection the catalog can be read through: the audit's read-only [`Session`], or
/// `prove`'s replay connection inside a transaction of its own (which sees what the
/// transaction changed).
pub trait CatalogSession {
    /// Runs a catalog query.
    fn query(
        &self,
        sql: &str,
        params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    ) -> Result<Vec<tokio_postgres::Row>>;

    /// The server, as errors name it (never with a password).
    fn described(&self) -> &str;

    /// The server's major version (13, 15, 18, ...).
    fn server_major(&self) -> Result<u32> {
        let rows = self.query("SELECT current_setting('server_version_num')::int4", &[])?;
        let num: i32 = rows.first().map(|r| r.get(0)).unwrap_or(0);
        Ok((num / 10000) as u32)
    }
}

/// With `PGPROOF_TIMINGS=1`, one line on stderr for a catalog query: how long, how many rows.
pub fn time_query(sql: &str, start: std::time::Instant, rows: usize) {
    if std::env::var_os("PGPROOF_TIMINGS").is_some_and(|v| v == "1") {
        let first = sql.split_whitespace().take(6).collect::<Vec<_>>().join(" ");
        eprintln!(
            "timing:   query {:.1} ms, {rows} rows: {first} ...",
            start.elapsed().as_secs_f64() * 1000.0,
        );
    }
}

impl CatalogSession for Session {
    fn query(
        &self,
        sql: &str,
        params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    ) -> Result<Vec<tokio_postgres::Row>> {
        let start = std::time::Instant::now();
        let rows = self
            .runtime
            .block_on(self.client.query(sql, params))
            .with_context(|| format!("catalog query failed on {}", self.described))?;
        time_query(sql, start, rows.len());
        Ok(rows)
    }

    fn described(&self) -> &str {
        &self.described
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        // Ends the read-only transaction; nothing was written, so there is nothing to keep.
        let _ = self.runtime.block_on(self.client.batch_execute("ROLLBACK"));
    }
}

/// One normalized statement from `pg_stat_statements`.
#[derive(Debug, Clone)]
pub struct StatStatement {
    /// `pg_stat_statements`' own identifier of the normalized statement: stable from one audit to
    /// the next (ranks are not), so it names the statement in findings and `[[ignore]]` entries.
    pub queryid: i64,
    pub query: String,
    pub stats: crate::queries::QueryStats,
}

/// The current database's statements from `pg_stat_statements`, heaviest first (at most `limit`),
/// or why there are none: the extension is not installed, or its view cannot be read (it needs
/// `shared_preload_libraries`, and other roles' statements need `pg_read_all_stats`).
pub fn stat_statements(
    session: &Session,
    limit: i64,
) -> Result<std::result::Result<Vec<StatStatement>, String>> {
    let schema = session.query(
        "SELECT n.nspname::text FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_stat_statements'",
        &[],
    )?;
    let Some(schema) = schema.first().map(|r| r.get::<_, String>(0)) else {
        return Ok(Err(
            "the pg_stat_statements extension is not installed in this database, so only query files were checked".into(),
        ));
    };
    // PostgreSQL 13 renamed total_time to total_exec_time.
    let time = if session.server_major()? >= 13 {
        "exec_time"
    } else {
        "time"
    };
    let sql = format!(
        "SELECT query, calls, total_{time}::float8, mean_{time}::float8, coalesce(queryid, 0)::int8 FROM {}.pg_stat_statements \
         WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) \
         AND query IS NOT NULL AND query <> '<insufficient privilege>' \
         ORDER BY total_{time} DESC LIMIT $1",
        crate::syntax::quote_ident(&schema)
    );
    // A failure (not preloaded, no privilege) must not end the read-only transaction.
    session.query("SAVEPOINT pgproof_stat_statements", &[])?;
    match session
        .runtime
        .block_on(session.client.query(&sql, &[&limit]))
    {
        Ok(rows) => {
            session.query("RELEASE SAVEPOINT pgproof_stat_statements", &[])?;
            Ok(Ok(rows
                .iter()
                .map(|r| StatStatement {
                    queryid: r.get(4),
                    query: r.get(0),
                    stats: crate::queries::QueryStats {
                        calls: r.get(1),
                        total_ms: r.get(2),
                        mean_ms: r.get(3),
                    },
                })
                .collect()))
        }
        Err(e) => {
            session.query("ROLLBACK TO SAVEPOINT pgproof_stat_statements", &[])?;
            let reason = e
                .as_db_error()
                .map_or_else(|| e.to_string(), |d| d.message().to_string());
            Ok(Err(format!(
                "pg_stat_statements cannot be read ({reason}), so only query files were checked"
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_user_is_pguser_else_the_os_user_as_libpq_has_it() {
        let os = || Some("deploy".to_string());
        assert_eq!(default_user(Some("auditor".into()), os).unwrap(), "auditor");
        assert_eq!(default_user(None, os).unwrap(), "deploy");
        let err = format!("{:#}", default_user(None, || None).unwrap_err());
        assert!(err.contains("give a user"), "{err}");
    }

    #[test]
    #[allow(unsafe_code)] // geteuid(2), to read the account back by uid
    fn the_os_user_is_the_effective_uids_account() {
        // Read back from the account database by uid, independent of `$USER`.
        let uid = unsafe { libc::geteuid() };
        let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
        let expected = passwd.lines().find_map(|line| {
            let fields: Vec<&str> = line.split(':').collect();
            (fields.get(2) == Some(&uid.to_string().as_str())).then(|| fields[0].to_string())
        });
        if let Some(expected) = expected {
            assert_eq!(os_user(), Some(expected));
        } else {
            // An account from another source (LDAP, systemd): it must still resolve.
            assert!(os_user().is_some());
        }
    }
}
