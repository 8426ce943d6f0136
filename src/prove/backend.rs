//! The throwaway PostgreSQL that `prove` replays migrations on: a container, a local cluster, or
//! scratch databases on a server the user names. One type, torn down on drop (and on SIGINT/SIGTERM
//! through `sandbox::cleanup`).

use crate::sandbox::cleanup;
use crate::sandbox::container::{local_image, ContainerCluster};
use crate::sandbox::local::LocalCluster;
use anyhow::{bail, Context, Result};
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

/// Which throwaway server to prove on (the command line's is `cli::Backend`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackendChoice {
    /// A container when a Docker engine and a suitable image are there, else a local cluster.
    Auto,
    /// A container from `--image` (default: pgproof-test/postgres:<pg_version>).
    Container,
    /// A temporary `initdb` cluster (binaries from `--pg-bin` or the PATH).
    Local,
    /// Scratch databases on the server of `--database-url` (created and dropped by pgproof).
    Url,
}

#[derive(Debug, Clone)]
pub struct BackendOptions {
    pub choice: BackendChoice,
    pub image: Option<String>,
    pub pg_bin: Option<PathBuf>,
    pub database_url: Option<String>,
    pub pg_version: u32,
    pub startup_timeout: Duration,
    /// Where a local cluster's pristine copy is kept (None: run `initdb` every time).
    pub cluster_cache: Option<PathBuf>,
}

enum Server {
    /// A container, and the image it runs.
    Container(Box<ContainerCluster>, String),
    /// A local cluster, and whether its binaries came from `--pg-bin` (else from the PATH).
    Local(LocalCluster, bool),
    /// A server the user named: `admin` is the maintenance connection's URL.
    Url { admin: String },
}

pub struct Throwaway {
    server: Server,
    /// One line: which backend, and why.
    pub description: String,
    /// Scratch databases created by this run, with their signal-time cleanup registration on a
    /// user's server (the other backends vanish whole).
    created: Vec<(String, Option<u64>)>,
    /// SQL run in every scratch database before the migrations (`--init-sql`: extensions, roles).
    pub init_sql: Option<String>,
    /// The database every scratch database is cloned from (`--schema-from`, see [`Self::prepare_base`]).
    template: Option<String>,
    /// On a user's server: the roles there when the run started, the command's name and the SQL
    /// the run executes, to drop the roles that SQL created (see [`super::roles`]).
    roles: Option<RunRoles>,
}

struct RunRoles {
    before: super::roles::RolesBefore,
    command: &'static str,
    texts: Vec<std::sync::Arc<str>>,
}

impl Throwaway {
    pub fn start(options: &BackendOptions) -> Result<Throwaway> {
        let mut roles = None;
        let (server, description) = match options.choice {
            BackendChoice::Container => {
                let image = options
                    .image
                    .clone()
                    .unwrap_or_else(|| local_image(options.pg_version));
                let c = ContainerCluster::start(&image, options.startup_timeout)?;
                let d = format!("container from `{image}` (--backend container)");
                (Server::Container(Box::new(c), image), d)
            }
            BackendChoice::Local => {
                let c = LocalCluster::start_in(
                    options.pg_bin.as_deref(),
                    "",
                    options.cluster_cache.as_deref(),
                )?;
                let d = format!(
                    "local cluster from `{}` (--backend local)",
                    c.bin().display()
                );
                (Server::Local(c, options.pg_bin.is_some()), d)
            }
            BackendChoice::Url => {
                let url = options
                    .database_url
                    .clone()
                    .context("--backend url needs --database-url (a server where pgproof may create and drop scratch databases)")?;
                let admin = super::exec::Conn::connect(&url)
                    .context("cannot connect to the server of --database-url")?;
                roles = Some(RunRoles {
                    before: super::roles::RolesBefore::read(&admin)?,
                    command: "prove",
                    texts: vec![],
                });
                (
                    Server::Url { admin: url },
                    "set of scratch databases on the server of --database-url (--backend url)"
                        .to_string(),
                )
            }
            BackendChoice::Auto => auto(options)?,
        };
        Ok(Throwaway {
            server,
            description,
            created: vec![],
            init_sql: None,
            template: None,
            roles,
        })
    }

    /// On a user's server, roles created during the run are dropped at the end when `texts` (the
    /// SQL the run executes: migrations, `--init-sql`, seed, dump) create them (see
    /// [`super::roles`]); `command` names the run in what is printed.
    pub fn roles_from(&mut self, command: &'static str, texts: Vec<std::sync::Arc<str>>) {
        if let Some(roles) = &mut self.roles {
            roles.command = command;
            roles.texts = texts;
        }
    }

    /// A connection string for `database` on the throwaway server.
    pub fn url(&self, database: &str) -> String {
        match &self.server {
            Server::Container(c, _) => c.url(database),
            Server::Local(c, _) => c.url(database),
            Server::Url { admin } => replace_database(admin, database),
        }
    }

    /// The maintenance connection's URL.
    pub fn admin_url(&self) -> String {
        match &self.server {
            Server::Url { admin } => admin.clone(),
            _ => self.url("postgres"),
        }
    }

    /// The server's version: `server_version` as the server spells it, and the major from
    /// `server_version_num`.
    pub fn version(&self) -> Result<ServerVersion> {
        let admin = super::exec::Conn::connect(&self.admin_url())
            .context("cannot connect to the throwaway server")?;
        let read = |setting: &str| -> Result<String> {
            admin
                .query(&format!("SHOW {setting}"), &[])?
                .first()
                .map(|r| r.get(0))
                .with_context(|| format!("the server did not answer SHOW {setting}"))
        };
        let text = read("server_version")?;
        let number = read("server_version_num")?;
        let number: u32 = number
            .trim()
            .parse()
            .with_context(|| format!("unexpected server_version_num `{number}`"))?;
        Ok(ServerVersion {
            text,
            major: major_of(number),
        })
    }

    /// Refuses a server whose major is not `wanted` (the `--pg-version` or `pg_version` the user
    /// asked for): a proof on another major proves nothing about the one asked for. The error
    /// names both versions and how to get a server of the right one.
    pub fn require_major(&self, wanted: u32) -> Result<ServerVersion> {
        let version = self.version()?;
        if version.major == wanted {
            return Ok(version);
        }
        let how = match &self.server {
            Server::Local(c, from_pg_bin) => {
                let initdb = c.bin().join("initdb");
                let found = if *from_pg_bin {
                    "given by --pg-bin"
                } else {
                    "the first on the PATH"
                };
                let candidate = PathBuf::from(format!("/usr/lib/postgresql/{wanted}/bin"));
                let hint = if candidate.join("initdb").is_file() {
                    format!(
                        "pass --pg-bin {} or put that directory first on the PATH",
                        candidate.display()
                    )
                } else {
                    format!(
                        "install PostgreSQL {wanted}'s server binaries and pass their directory as --pg-bin, or put it first on the PATH"
                    )
                };
                format!(
                    "the local cluster's `{}` ({found}) is PostgreSQL {}: {hint}",
                    initdb.display(),
                    version.major
                )
            }
            Server::Container(_, image) => format!(
                "the image `{image}` runs PostgreSQL {}: {}",
                version.major,
                image_advice(wanted)
            ),
            Server::Url { .. } => format!(
                "the server of --database-url runs PostgreSQL {}: name a PostgreSQL {wanted} server",
                version.major
            ),
        };
        bail!(
            "PostgreSQL {wanted} was asked for (--pg-version or pg_version in the config), but the throwaway server is PostgreSQL {} ({}); {how}",
            version.major,
            version.text
        )
    }

    /// Creates an empty database (`pgproof_<tag>_<random>`) and returns its name.
    pub fn create_database(&mut self, tag: &str, client: &super::exec::Conn) -> Result<String> {
        let name = format!(
            "pgproof_{}_{}",
            tag.chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
                .take(20)
                .collect::<String>()
                .to_lowercase(),
            crate::sandbox::cleanup::random_hex(4)?
        );
        match self.template.clone() {
            Some(template) => self.clone_database(&template, &name, client)?,
            None => self
                .create(&name, &format!("CREATE DATABASE {name}"), client)
                .with_context(|| format!("cannot create the scratch database {name}"))?,
        }
        Ok(name)
    }

    /// Whether the server is one the user named (`--backend url`): pgproof may create scratch
    /// databases there, nothing else (no roles).
    pub fn is_users_server(&self) -> bool {
        matches!(self.server, Server::Url { .. })
    }

    /// `--schema-from`: creates a database holding `--init-sql` and then `base`, from which every
    /// later scratch database is cloned (so `--init-sql` is not run again in them). Returns what
    /// applying the dump did.
    pub fn prepare_base(
        &mut self,
        base: &super::base::BaseSchema,
        client: &super::exec::Conn,
    ) -> Result<super::base::Applied> {
        let name = self.create_database("base", client)?;
        let applied = (|| {
            let conn = super::exec::Conn::connect(&self.url(&name))?;
            if let Some(init) = &self.init_sql {
                conn.execute_batch(init).map_err(|e| {
                    anyhow::anyhow!(
                        "--init-sql failed: {}",
                        e.as_db_error()
                            .map_or_else(|| e.to_string(), |d| d.message().to_string())
                    )
                })?;
            }
            super::base::apply(&conn, base, !self.is_users_server())
        })();
        match applied {
            Ok(applied) => {
                self.init_sql = None;
                self.template = Some(name);
                Ok(applied)
            }
            Err(e) => {
                self.drop_database(&name, client);
                Err(e)
            }
        }
    }

    /// Creates `name` as a copy of `template` (cheap: a file copy on the server). `template`
    /// must have no connection open (one closed just before may still be ending: waited for).
    pub fn clone_database(
        &mut self,
        template: &str,
        name: &str,
        client: &super::exec::Conn,
    ) -> Result<()> {
        wait_idle(template, client);
        self.create(
            name,
            &format!("CREATE DATABASE {name} TEMPLATE {template}"),
            client,
        )
        .with_context(|| format!("cannot clone {template} into {name}"))
    }

    /// Runs `create` (a `CREATE DATABASE name`). On a user's server the statement runs under the
    /// signal-time registry's lock and the database is registered in the same step, so an interrupt
    /// either comes before it or drops it; it is then commented with its owner (`pgproof prune
    /// --database-url` reads the comment).
    fn create(&mut self, name: &str, create: &str, client: &super::exec::Conn) -> Result<()> {
        let key = match &self.server {
            Server::Url { admin } => {
                let entry = cleanup::Cleanup::ScratchDatabase {
                    admin_url: admin.clone(),
                    name: name.to_string(),
                };
                let ((), key) = cleanup::register_with(|| {
                    client.execute_batch(create)?;
                    Ok(((), entry))
                })?;
                Some(key)
            }
            _ => {
                client.execute_batch(create)?;
                None
            }
        };
        self.created.push((name.to_string(), key));
        if key.is_some() {
            let comment = format!("pgproof {}", cleanup::owner().to_line());
            client
                .execute_batch(&format!(
                    "COMMENT ON DATABASE {name} IS {}",
                    crate::syntax::quote_literal(&comment)
                ))
                .with_context(|| format!("cannot comment on the scratch database {name}"))?;
        }
        Ok(())
    }

    /// Drops a scratch database this run created.
    pub fn drop_database(&mut self, name: &str, client: &super::exec::Conn) {
        if let Some(i) = self.created.iter().position(|(n, _)| n == name) {
            // `WITH (FORCE)` ends what is still connected, but then polls every 100 ms.
            wait_idle(name, client);
            let _ = client.execute_batch(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            let (_, key) = self.created.remove(i);
            if let Some(key) = key {
                cleanup::done(key);
            }
        }
    }

    /// On a server the user named, scratch databases must go, and then the roles the run's SQL
    /// created (what is left is said on stderr): the other backends vanish whole.
    pub fn drop_all(&mut self) {
        if !matches!(self.server, Server::Url { .. })
            || (self.created.is_empty() && self.roles.is_none())
        {
            return;
        }
        let client = match super::exec::Conn::connect(&self.admin_url()) {
            Ok(client) => client,
            Err(e) => {
                // Said once: a second call (on drop) finds no roles to report.
                if let Some(roles) = self.roles.take() {
                    eprintln!(
                        "pgproof {}: could not connect to the server of --database-url to drop its scratch databases and the roles the migrations created: {e:#}",
                        roles.command
                    );
                }
                return;
            }
        };
        for (name, key) in std::mem::take(&mut self.created) {
            let _ = client.execute_batch(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            // Dropped first, deregistered last: a signal in between still finds it.
            if let Some(key) = key {
                cleanup::done(key);
            }
        }
        if let Some(roles) = self.roles.take() {
            let lines = match roles.before.created_since(&client) {
                Ok(created) => {
                    let texts: Vec<&str> = roles.texts.iter().map(|t| &**t).collect();
                    super::roles::RoleCleanup::run(&client, created, &texts).lines(roles.command)
                }
                Err(e) => vec![format!(
                    "pgproof {}: could not check for roles the migrations left on the server of --database-url: {e:#}",
                    roles.command
                )],
            };
            for line in lines {
                eprintln!("{line}");
            }
        }
    }
}

impl Drop for Throwaway {
    fn drop(&mut self) {
        self.drop_all();
    }
}

/// Waits (up to 5 s) until no session is connected to `database`: a connection closed just
/// before may still be ending on the server, and `CREATE DATABASE ... TEMPLATE` refuses (and
/// `DROP DATABASE` waits for) a database with sessions, polling only every 100 ms.
fn wait_idle(database: &str, client: &super::exec::Conn) {
    let started = std::time::Instant::now();
    while started.elapsed() < Duration::from_secs(5) {
        let idle = client
            .query(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = $1",
                &[&database],
            )
            .map(|rows| rows.first().is_none_or(|r| r.get::<_, i64>(0) == 0));
        if idle.unwrap_or(true) {
            return;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

fn auto(options: &BackendOptions) -> Result<(Server, String)> {
    let engine = docker_reachable();
    let image = options
        .image
        .clone()
        .unwrap_or_else(|| local_image(options.pg_version));
    if engine && (options.image.is_some() || image_present(&image)) {
        let c = ContainerCluster::start(&image, options.startup_timeout)?;
        let why = if options.image.is_some() {
            "--image given"
        } else {
            "Docker engine reachable and the local image is built"
        };
        let description = format!("container from `{image}` ({why})");
        return Ok((Server::Container(Box::new(c), image), description));
    }
    let why = if engine {
        format!(
            "image `{image}` is not built ({}), so a local cluster",
            image_advice(options.pg_version)
        )
    } else {
        "no Docker engine reachable, so a local cluster".to_string()
    };
    match LocalCluster::start_in(
        options.pg_bin.as_deref(),
        "",
        options.cluster_cache.as_deref(),
    ) {
        Ok(c) => {
            let d = format!("local cluster from `{}` ({why})", c.bin().display());
            Ok((Server::Local(c, options.pg_bin.is_some()), d))
        }
        Err(e) => bail!("no throwaway PostgreSQL available: {why}, and {e:#}"),
    }
}

/// What a server reports: `server_version` and its major version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerVersion {
    pub text: String,
    pub major: u32,
}

/// The major of a `server_version_num` (`150004` is 15; before 10, `90624` is 9, as
/// `--pg-version` counts the 9.x releases).
fn major_of(number: u32) -> u32 {
    number / 10_000
}

/// How to get a `pgproof-test/postgres:<major>` image, honestly: the build script only knows the
/// majors a Debian release ships.
pub fn image_advice(major: u32) -> String {
    if BUILDABLE_MAJORS.contains(&major) {
        format!("build the image with scripts/build-test-image.sh {major}, or pass --image")
    } else {
        let majors: Vec<String> = BUILDABLE_MAJORS.iter().map(u32::to_string).collect();
        format!(
            "scripts/build-test-image.sh cannot build {major} (only {}): pass --image with a PostgreSQL {major} image (such as postgres:{major})",
            majors.join(", ")
        )
    }
}

/// The majors scripts/build-test-image.sh can build (one Debian release ships each).
const BUILDABLE_MAJORS: [u32; 3] = [13, 15, 17];

fn docker_reachable() -> bool {
    let mut child = match Command::new("docker")
        .args(["version", "--format", "{{.Server.Version}}"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
    {
        Ok(c) => c,
        Err(_) => return false,
    };
    // An engine that does not answer within seconds counts as absent: startup must not hang.
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return status.success(),
            Ok(None) if std::time::Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(20))
            }
            _ => {
                let _ = child.kill();
                return false;
            }
        }
    }
}

fn image_present(image: &str) -> bool {
    Command::new("docker")
        .args(["image", "inspect", image])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// `url` with its database replaced by `database` (URL or `key=value` form).
fn replace_database(url: &str, database: &str) -> String {
    if let Some((scheme, rest)) = url.split_once("://") {
        let (before_query, query) = match rest.split_once('?') {
            Some((b, q)) => (b, Some(q)),
            None => (rest, None),
        };
        let authority = before_query.split('/').next().unwrap_or(before_query);
        let mut out = format!("{scheme}://{authority}/{database}");
        if let Some(q) = query {
            out.push('?');
            out.push_str(q);
        }
        out
    } else {
        let kept: Vec<&str> = url
            .split_whitespace()
            .filter(|w| !w.starts_with("dbname="))
            .collect();
        format!("{} dbname={database}", kept.join(" "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn majors_come_from_server_version_num_and_advice_is_honest() {
        assert_eq!(major_of(150004), 15);
        assert_eq!(major_of(170000), 17);
        assert_eq!(major_of(90624), 9);
        assert!(image_advice(15).contains("scripts/build-test-image.sh 15"));
        let sixteen = image_advice(16);
        assert!(
            sixteen.contains("cannot build 16 (only 13, 15, 17)") && sixteen.contains("--image"),
            "{sixteen}"
        );
    }

    #[test]
    fn database_is_replaced_in_urls_and_keyword_strings() {
        assert_eq!(
            replace_database("postgresql://u:p@h:5432/app?sslmode=require", "pgproof_x"),
            "postgresql://u:p@h:5432/pgproof_x?sslmode=require"
        );
        assert_eq!(replace_database("postgres://h", "d"), "postgres://h/d");
        assert_eq!(
            replace_database("host=h dbname=app user=u", "d"),
            "host=h user=u dbname=d"
        );
    }
}
