//! A throwaway PostgreSQL in a container (testcontainers): any image that follows the official
//! image's conventions (`POSTGRES_PASSWORD`, port 5432, "ready to accept connections" on stderr),
//! such as `postgres:17` or the local `pgproof-test/postgres:<major>` built by
//! `scripts/build-test-image.sh`. Containers carry the label `pgproof=throwaway` so leftovers can
//! be found and removed; the container is removed when this value is dropped.

use anyhow::{Context, Result};
use std::time::Duration;
use testcontainers::core::{ContainerPort, WaitFor};
use testcontainers::runners::AsyncRunner;
use testcontainers::{ContainerAsync, GenericImage, ImageExt};

/// The label every pgproof container carries (`docker ps --filter label=pgproof=throwaway`).
pub const LABEL: (&str, &str) = ("pgproof", "throwaway");
/// The superuser and its password inside throwaway containers (they listen on loopback only).
pub const USER: &str = "postgres";
const PASSWORD: &str = "pgproof";

/// The image tag `scripts/build-test-image.sh <major>` builds.
pub fn local_image(major: u32) -> String {
    format!("pgproof-test/postgres:{major}")
}

pub struct ContainerCluster {
    container: Option<ContainerAsync<GenericImage>>,
    runtime: tokio::runtime::Runtime,
    port: u16,
    image: String,
    cleanup: u64,
}

impl ContainerCluster {
    /// Starts `image` (`name:tag`) and waits until the server accepts connections, for at most
    /// `timeout`. Fails with a clear message when the engine is unreachable or the image missing.
    pub fn start(image: &str, timeout: Duration) -> Result<ContainerCluster> {
        let (name, tag) = image.rsplit_once(':').unwrap_or((image, "latest"));
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .context("cannot start the async runtime")?;
        let request = GenericImage::new(name, tag)
            .with_exposed_port(ContainerPort::Tcp(5432))
            .with_wait_for(WaitFor::message_on_stderr(
                "database system is ready to accept connections",
            ))
            .with_env_var("POSTGRES_PASSWORD", PASSWORD)
            .with_env_var("POSTGRES_HOST_AUTH_METHOD", "scram-sha-256")
            .with_label(LABEL.0, LABEL.1)
            .with_startup_timeout(timeout);
        let container = runtime
            .block_on(request.start())
            .with_context(|| format!("cannot start a container from image `{image}` (is the Docker engine running, and is the image present? `scripts/build-test-image.sh` builds pgproof-test/postgres:<major> without a registry)"))?;
        let cleanup = super::cleanup::register(super::cleanup::Cleanup::Container {
            id: container.id().to_string(),
        });
        let port = runtime
            .block_on(container.get_host_port_ipv4(5432))
            .context("the container exposes no port 5432")?;
        let cluster = ContainerCluster {
            container: Some(container),
            runtime,
            port,
            image: image.to_string(),
            cleanup,
        };
        // The official image restarts the server once after initialisation: wait until a real
        // connection succeeds, not only for the log line.
        cluster.wait_until_ready(timeout)?;
        Ok(cluster)
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
                    return Err(e).with_context(|| {
                        format!("the server in `{}` did not accept connections", self.image)
                    })
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
        self.container.as_ref().map_or("", |c| c.id())
    }

    pub fn image(&self) -> &str {
        &self.image
    }

    /// A connection string for `database` as the superuser (loopback, throwaway password).
    pub fn url(&self, database: &str) -> String {
        format!(
            "postgresql://{USER}:{PASSWORD}@127.0.0.1:{}/{database}?sslmode=disable",
            self.port
        )
    }
}

impl Drop for ContainerCluster {
    fn drop(&mut self) {
        super::cleanup::done(self.cleanup);
        if let Some(container) = self.container.take() {
            // Remove it now, inside our runtime, rather than relying on a background drop task.
            let _ = self.runtime.block_on(container.rm());
        }
    }
}
