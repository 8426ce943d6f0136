//! A throwaway PostgreSQL cluster: `initdb` into a temporary directory, started on a free loopback
//! port with fsync off, as a non-root user, and removed when dropped.
//!
//! PostgreSQL refuses to run as root, so when pgproof runs as root the cluster belongs to the
//! `postgres` user (or `PGPROOF_PG_USER`). Binaries come from `--pg-bin` or the PATH.

use anyhow::{bail, Context, Result};
use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub struct LocalCluster {
    dir: tempfile::TempDir,
    bin: PathBuf,
    owner: Option<(u32, u32)>,
    port: u16,
    running: bool,
    /// Key of the signal-time cleanup registration.
    cleanup: Option<u64>,
}

/// The superuser the cluster is created with.
pub const SUPERUSER: &str = "pgproof";

impl LocalCluster {
    /// Creates and starts a cluster. `bin` is the directory holding `initdb` and `pg_ctl`.
    pub fn start(bin: Option<&Path>) -> Result<LocalCluster> {
        LocalCluster::start_with(bin, "")
    }

    /// As [`LocalCluster::start`], with extra server options (`-c name=value ...`).
    pub fn start_with(bin: Option<&Path>, extra_options: &str) -> Result<LocalCluster> {
        let bin = match bin {
            Some(dir) => dir.to_path_buf(),
            None => find_on_path("initdb")
                .and_then(|p| p.parent().map(Path::to_path_buf))
                .context("`initdb` is not on the PATH: install the PostgreSQL server binaries or pass --pg-bin DIR")?,
        };
        let owner = if is_root() {
            Some(unprivileged_user()?)
        } else {
            None
        };
        let dir = tempfile::Builder::new()
            .prefix("pgproof-pg-")
            .tempdir()
            .context("cannot create a temporary directory for the cluster")?;
        if let Some((uid, gid)) = owner {
            std::os::unix::fs::chown(dir.path(), Some(uid), Some(gid))
                .context("cannot hand the cluster directory to the unprivileged user")?;
        }
        let mut cluster = LocalCluster {
            dir,
            bin,
            owner,
            port: free_port()?,
            running: false,
            cleanup: None,
        };
        let data = cluster.data_dir();
        let out = cluster.run(
            "initdb",
            &[
                "-D",
                &data.to_string_lossy(),
                "-U",
                SUPERUSER,
                "--auth=trust",
                "--no-sync",
                "-E",
                "UTF8",
                "--locale=C",
            ],
        )?;
        check(&out, "initdb")?;
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off {extra_options}",
            cluster.port,
            cluster.dir.path().display()
        );
        let log = cluster.dir.path().join("server.log");
        let out = cluster.run(
            "pg_ctl",
            &[
                "-D",
                &data.to_string_lossy(),
                "-l",
                &log.to_string_lossy(),
                "-o",
                &options,
                "-w",
                "-t",
                "60",
                "start",
            ],
        )?;
        if !out.status.success() {
            let tail = std::fs::read_to_string(&log).unwrap_or_default();
            bail!(
                "pg_ctl could not start the throwaway cluster: {}\n{}",
                String::from_utf8_lossy(&out.stderr).trim(),
                tail.lines()
                    .rev()
                    .take(10)
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .collect::<Vec<_>>()
                    .join("\n")
            );
        }
        cluster.running = true;
        cluster.cleanup = Some(super::cleanup::register(
            super::cleanup::Cleanup::LocalCluster {
                pg_ctl: cluster.bin.join("pg_ctl"),
                data: cluster.data_dir(),
                dir: cluster.dir.path().to_path_buf(),
                owner: cluster.owner,
            },
        ));
        Ok(cluster)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The directory holding `initdb` and `pg_ctl`.
    pub fn bin(&self) -> &Path {
        &self.bin
    }

    /// A connection string for `database` as the cluster's superuser (trust authentication).
    pub fn url(&self, database: &str) -> String {
        format!(
            "postgresql://{SUPERUSER}@127.0.0.1:{}/{database}",
            self.port
        )
    }

    /// A connection string for `database` as `user`.
    pub fn url_as(&self, user: &str, database: &str) -> String {
        format!("postgresql://{user}@127.0.0.1:{}/{database}", self.port)
    }

    /// The data directory (owned by the unprivileged user when pgproof runs as root).
    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn run(&self, program: &str, args: &[&str]) -> Result<Output> {
        let path = self.bin.join(program);
        let mut command = Command::new(&path);
        command.args(args).env("LC_ALL", "C");
        if let Some((uid, gid)) = self.owner {
            command.uid(uid).gid(gid).current_dir(self.dir.path());
        }
        command
            .output()
            .with_context(|| format!("cannot run `{}`", path.display()))
    }
}

impl Drop for LocalCluster {
    fn drop(&mut self) {
        if let Some(key) = self.cleanup.take() {
            super::cleanup::done(key);
        }
        if self.running {
            let data = self.data_dir();
            let _ = self.run(
                "pg_ctl",
                &[
                    "-D",
                    &data.to_string_lossy(),
                    "-m",
                    "immediate",
                    "-w",
                    "stop",
                ],
            );
        }
    }
}

fn check(out: &Output, what: &str) -> Result<()> {
    if out.status.success() {
        return Ok(());
    }
    bail!(
        "{what} failed: {}{}",
        String::from_utf8_lossy(&out.stderr).trim(),
        String::from_utf8_lossy(&out.stdout).trim()
    )
}

fn free_port() -> Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").context("cannot find a free loopback port")?;
    Ok(listener.local_addr()?.port())
}

fn find_on_path(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(program))
            .find(|p| p.is_file())
    })
}

fn is_root() -> bool {
    // The owner of /proc/self is the effective user.
    std::fs::metadata("/proc/self")
        .map(|m| std::os::unix::fs::MetadataExt::uid(&m) == 0)
        .unwrap_or(false)
}

/// uid and gid of `PGPROOF_PG_USER` (default `postgres`), read from /etc/passwd.
fn unprivileged_user() -> Result<(u32, u32)> {
    let user = std::env::var("PGPROOF_PG_USER").unwrap_or_else(|_| "postgres".into());
    let passwd = std::fs::read_to_string("/etc/passwd").context("cannot read /etc/passwd")?;
    passwd
        .lines()
        .map(|l| l.split(':').collect::<Vec<_>>())
        .find(|f| f.first() == Some(&user.as_str()) && f.len() > 3)
        .and_then(|f| Some((f[2].parse().ok()?, f[3].parse().ok()?)))
        .with_context(|| {
            format!("PostgreSQL will not run as root, and there is no `{user}` user to run it as: create one or set PGPROOF_PG_USER")
        })
}
