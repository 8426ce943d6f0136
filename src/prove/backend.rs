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

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
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
}

enum Server {
    Container(Box<ContainerCluster>),
    Local(LocalCluster),
    /// A server the user named: `admin` is the maintenance connection's URL.
    Url {
        admin: String,
    },
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
}

impl Throwaway {
    pub fn start(options: &BackendOptions) -> Result<Throwaway> {
        let (server, description) = match options.choice {
            BackendChoice::Container => {
                let image = options
                    .image
                    .clone()
                    .unwrap_or_else(|| local_image(options.pg_version));
                let c = ContainerCluster::start(&image, options.startup_timeout)?;
                let d = format!("container from `{image}` (--backend container)");
                (Server::Container(Box::new(c)), d)
            }
            BackendChoice::Local => {
                let c = LocalCluster::start(options.pg_bin.as_deref())?;
                let d = format!(
                    "local cluster from `{}` (--backend local)",
                    c.bin().display()
                );
                (Server::Local(c), d)
            }
            BackendChoice::Url => {
                let url = options
                    .database_url
                    .clone()
                    .context("--backend url needs --database-url (a server where pgproof may create and drop scratch databases)")?;
                (
                    Server::Url { admin: url },
                    "scratch databases on the server of --database-url (--backend url)".to_string(),
                )
            }
            BackendChoice::Auto => auto(options)?,
        };
        Ok(Throwaway {
            server,
            description,
            created: vec![],
            init_sql: None,
        })
    }

    /// A connection string for `database` on the throwaway server.
    pub fn url(&self, database: &str) -> String {
        match &self.server {
            Server::Container(c) => c.url(database),
            Server::Local(c) => c.url(database),
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
        self.create(&name, &format!("CREATE DATABASE {name}"), client)
            .with_context(|| format!("cannot create the scratch database {name}"))?;
        Ok(name)
    }

    /// Creates `name` as a copy of `template` (cheap: a file copy on the server).
    pub fn clone_database(
        &mut self,
        template: &str,
        name: &str,
        client: &super::exec::Conn,
    ) -> Result<()> {
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
            let _ = client.execute_batch(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            let (_, key) = self.created.remove(i);
            if let Some(key) = key {
                cleanup::done(key);
            }
        }
    }

    /// On a server the user named, scratch databases must go: the other backends vanish whole.
    pub fn drop_all(&mut self) {
        if !matches!(self.server, Server::Url { .. }) || self.created.is_empty() {
            return;
        }
        if let Ok(client) = super::exec::Conn::connect(&self.admin_url()) {
            for (name, key) in std::mem::take(&mut self.created) {
                let _ =
                    client.execute_batch(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
                // Dropped first, deregistered last: a signal in between still finds it.
                if let Some(key) = key {
                    cleanup::done(key);
                }
            }
        }
    }
}

impl Drop for Throwaway {
    fn drop(&mut self) {
        self.drop_all();
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
        return Ok((
            Server::Container(Box::new(c)),
            format!("container from `{image}` ({why})"),
        ));
    }
    let why = if engine {
        format!(
            "image `{image}` is not built (scripts/build-test-image.sh {}), so a local cluster",
            options.pg_version
        )
    } else {
        "no Docker engine reachable, so a local cluster".to_string()
    };
    match LocalCluster::start(options.pg_bin.as_deref()) {
        Ok(c) => {
            let d = format!("local cluster from `{}` ({why})", c.bin().display());
            Ok((Server::Local(c), d))
        }
        Err(e) => bail!("no throwaway PostgreSQL available: {why}, and {e:#}"),
    }
}

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
