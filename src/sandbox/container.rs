//! A throwaway PostgreSQL in a container, started with the `docker` CLI: any image that follows
//! the official image's conventions (`POSTGRES_PASSWORD`, port 5432), such as `postgres:17` or the
//! local `pgproof-test/postgres:<major>` built by `scripts/build-test-image.sh`.
//!
//! The port is published on 127.0.0.1 only, and the superuser's password is random per run: it
//! reaches `docker` through its environment (never its command line) and is never printed.
//! Containers carry the label `pgproof=throwaway` and their owner (`pgproof.run`, `pgproof.pid`,
//! `pgproof.host`, `pgproof.started`), so `pgproof prune` removes only what no live run owns; the
//! container is removed when this value is dropped (or by `sandbox::cleanup` on SIGINT/SIGTERM).

use super::cleanup::{self, Cleanup};
use anyhow::{bail, Context, Result};
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::time::Duration;

/// The label every pgproof container carries (`docker ps --filter label=pgproof=throwaway`).
pub const LABEL: (&str, &str) = ("pgproof", "throwaway");
/// The superuser inside throwaway containers.
pub const USER: &str = "postgres";

/// The image tag `scripts/build-test-image.sh <major>` builds.
pub fn local_image(major: u32) -> String {
    format!("pgproof-test/postgres:{major}")
}

pub struct ContainerCluster {
    id: String,
    /// `label=pgproof.instance=<random>`: finds this container even before its id is known.
    filter: String,
    runtime: tokio::runtime::Runtime,
    port: u16,
    password: String,
    image: String,
    cleanup: u64,
}

impl ContainerCluster {
    /// Starts `image` (`name:tag`) and waits until the server accepts connections, for at most
    /// `timeout`. Fails with a clear message when the engine is unreachable or the image missing.
    pub fn start(image: &str, timeout: Duration) -> Result<ContainerCluster> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("cannot start the async runtime")?;
        let password = cleanup::random_hex(24)?;
        let owner = cleanup::owner();
        let instance = cleanup::random_hex(8)?;
        let mut command = Command::new("docker");
        command
            .arg("run")
            .arg("--detach")
            .args(["--label", &format!("{}={}", LABEL.0, LABEL.1)])
            .args(["--label", &format!("pgproof.run={}", owner.run)])
            .args(["--label", &format!("pgproof.instance={instance}")])
            .args(["--label", &format!("pgproof.pid={}", owner.pid)])
            .args(["--label", &format!("pgproof.host={}", owner.host)])
            .args(["--label", &format!("pgproof.started={}", owner.started)])
            .args(["--publish", "127.0.0.1::5432"])
            // `-e NAME` without a value: docker takes it from its own environment.
            .args(["--env", "POSTGRES_PASSWORD"])
            .args(["--env", "POSTGRES_HOST_AUTH_METHOD=scram-sha-256"])
            .arg(image)
            .env("POSTGRES_PASSWORD", &password)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0);
        let filter = format!("label=pgproof.instance={instance}");
        // Registered by its label before `docker run` is sent, so a signal while it is in flight
        // still finds the container once it exists.
        let (child, cleanup) = cleanup::register_with(|| {
            let child = command
                .spawn()
                .context("cannot run `docker` (is Docker installed?)")?;
            let entry = Cleanup::Container {
                filter: filter.clone(),
                client: Some(child.id()),
            };
            Ok((child, entry))
        })?;
        let out = child.wait_with_output();
        cleanup::wait_if_interrupted();
        cleanup::with(cleanup, |entry| {
            if let Some(Cleanup::Container { client, .. }) = entry {
                *client = None;
            }
        });
        let out = out.context("`docker run` did not finish")?;
        let id = String::from_utf8_lossy(&out.stdout).trim().to_string();
        let mut cluster = ContainerCluster {
            id,
            filter,
            runtime,
            port: 0,
            password,
            image: image.to_string(),
            cleanup,
        };
        if !out.status.success() || cluster.id.is_empty() {
            bail!(
                "cannot start a container from image `{image}` (is the Docker engine running, and is the image present? `scripts/build-test-image.sh` builds pgproof-test/postgres:<major> without a registry): {}",
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        cluster.port = cluster.published_port()?;
        // The official image restarts the server once after initialisation (listening on no TCP
        // port meanwhile): wait until a real connection succeeds.
        cluster.wait_until_ready(timeout)?;
        Ok(cluster)
    }

    /// The loopback port Docker picked for 5432.
    fn published_port(&self) -> Result<u16> {
        let out = Command::new("docker")
            .args(["port", &self.id, "5432/tcp"])
            .output()
            .context("cannot run `docker port`")?;
        let text = String::from_utf8_lossy(&out.stdout);
        text.lines()
            .find_map(|l| l.trim().strip_prefix("127.0.0.1:"))
            .and_then(|p| p.parse().ok())
            .with_context(|| {
                format!(
                    "container {} publishes no loopback port for 5432: {}{}",
                    self.short_id(),
                    text.trim(),
                    String::from_utf8_lossy(&out.stderr).trim()
                )
            })
    }

    fn wait_until_ready(&self, timeout: Duration) -> Result<()> {
        let deadline = std::time::Instant::now() + timeout;
        let url = self.url("postgres");
        loop {
            let attempt = self.runtime.block_on(async {
                let (client, connection) =
                    tokio_postgres::connect(&url, tokio_postgres::NoTls).await?;
                tokio::spawn(connection);
                client.simple_query("SELECT 1").await.map(|_| ())
            });
            match attempt {
                Ok(()) => return Ok(()),
                Err(e) if std::time::Instant::now() >= deadline => {
                    cleanup::wait_if_interrupted();
                    let logs = Command::new("docker")
                        .args(["logs", "--tail", "10", &self.id])
                        .output()
                        .map(|o| String::from_utf8_lossy(&o.stderr).trim().to_string())
                        .unwrap_or_default();
                    bail!(
                        "the server in `{}` did not accept connections within {} s ({e}):\n{logs}",
                        self.image,
                        timeout.as_secs()
                    );
                }
                Err(_) => std::thread::sleep(Duration::from_millis(100)),
            }
        }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The container's id (`docker ps --filter label=pgproof=throwaway` lists it).
    pub fn id(&self) -> &str {
        &self.id
    }

    fn short_id(&self) -> &str {
        self.id.get(..12).unwrap_or(&self.id)
    }

    pub fn image(&self) -> &str {
        &self.image
    }

    /// A connection string for `database` as the superuser (loopback, random password).
    pub fn url(&self, database: &str) -> String {
        format!(
            "postgresql://{USER}:{}@127.0.0.1:{}/{database}?sslmode=disable",
            self.password, self.port
        )
    }
}

impl Drop for ContainerCluster {
    fn drop(&mut self) {
        // Remove first, deregister last: a signal in between still finds it.
        // By label: a container whose `docker run` failed after creating it has no id here.
        cleanup::remove_containers(&self.filter);
        cleanup::done(self.cleanup);
    }
}
