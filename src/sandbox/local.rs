//! A throwaway PostgreSQL cluster: `initdb` into a private temporary directory, started with fsync
//! off, as a non-root user, and removed when dropped (or by `sandbox::cleanup` on
//! SIGINT/SIGTERM).
//!
//! The cluster is private to this process: it listens on a Unix socket only, in a 0700 directory
//! inside its own 0700 temporary directory (no TCP unless a caller adds `listen_addresses`), and
//! every connection must give the superuser's random per-run password (scram-sha-256), which
//! never leaves the process. `initdb` and `postgres` run with a scrubbed environment (PATH, LANG,
//! LC_*, TZ) in their own process group, so a terminal's Ctrl-C reaches only pgproof's handler.
//!
//! PostgreSQL refuses to run as root, so when pgproof runs as root the cluster belongs to the
//! `postgres` user (or `PGPROOF_PG_USER`). Binaries come from `--pg-bin` or the PATH.
//!
//! `initdb` runs once per set of binaries: its data directory is kept in the user's cache
//! ([`super::pristine`]) and later clusters start from a copy of it, given a new random password
//! in single-user mode before the server starts.

use super::cleanup::{self, Cleanup};
use super::pristine::{self, Pristine};
use anyhow::{bail, Context, Result};
use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub struct LocalCluster {
    dir: Option<tempfile::TempDir>,
    path: PathBuf,
    bin: PathBuf,
    owner: Option<(u32, u32)>,
    port: u16,
    password: String,
    postmaster: Option<Child>,
    /// Key of the signal-time cleanup registration.
    cleanup: u64,
    /// Whether the data directory was copied from a pristine cluster (else `initdb` wrote it).
    from_cache: bool,
}

/// The superuser the cluster is created with.
pub const SUPERUSER: &str = "pgproof";
/// The file in each cluster directory naming its owner (`pgproof prune` reads it).
pub const OWNER_FILE: &str = "pgproof-owner";
/// The prefix of cluster directories under the temporary directory.
pub const DIR_PREFIX: &str = "pgproof-pg-";

impl LocalCluster {
    /// Creates and starts a cluster. `bin` is the directory holding `initdb` and `postgres`.
    pub fn start(bin: Option<&Path>) -> Result<LocalCluster> {
        LocalCluster::start_with(bin, "")
    }

    /// As [`LocalCluster::start`], with extra server options (`-c name=value ...`, separated by
    /// spaces; `-c listen_addresses=127.0.0.1` adds TCP on [`LocalCluster::port`], where the
    /// password is still required).
    pub fn start_with(bin: Option<&Path>, extra_options: &str) -> Result<LocalCluster> {
        LocalCluster::start_in(bin, extra_options, pristine::default_root().as_deref())
    }

    /// As [`LocalCluster::start_with`], keeping pristine clusters under `cache` (None: always
    /// run `initdb`).
    pub fn start_in(
        bin: Option<&Path>,
        extra_options: &str,
        cache: Option<&Path>,
    ) -> Result<LocalCluster> {
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
        let password = cleanup::random_hex(24)?;
        let port = free_port()?;
        // The directory exists only once registered, so a signal at any moment removes it.
        let (dir, key) = cleanup::register_with(|| {
            let dir = make_dir(owner)?;
            let cleanup = Cleanup::LocalCluster {
                dir: dir.path().to_path_buf(),
                child: None,
                postmaster: None,
            };
            Ok((dir, cleanup))
        })?;
        let mut cluster = LocalCluster {
            path: dir.path().to_path_buf(),
            dir: Some(dir),
            bin,
            owner,
            port,
            password,
            postmaster: None,
            cleanup: key,
            from_cache: false,
        };
        cluster.init(cache)?;
        cluster.launch(extra_options)?;
        Ok(cluster)
    }

    /// Writes the data directory: a copy of the pristine cluster in `cache` when there is one
    /// (with a new password), else `initdb`'s, which is then kept there for later runs.
    fn init(&mut self, cache: Option<&Path>) -> Result<()> {
        let args: Vec<String> = [
            "-U",
            SUPERUSER,
            "--auth=scram-sha-256",
            "--no-sync",
            "-E",
            "UTF8",
            "--locale=C",
        ]
        .map(String::from)
        .to_vec();
        let pristine = cache.and_then(|root| Pristine::new(root, &self.bin, self.owner, &args));
        if let Some(entry) = pristine.as_ref().filter(|p| p.exists()) {
            let data = self.data_dir();
            if entry.copy_to(&data, self.owner).is_ok() {
                if self.set_password().is_ok() {
                    self.from_cache = true;
                    return Ok(());
                }
                let _ = std::fs::remove_dir_all(&data);
            }
            // An entry that cannot be used is replaced by this run's `initdb`.
            entry.discard();
        }
        self.initdb(&args)?;
        if let Some(entry) = pristine {
            entry.store(&self.data_dir());
        }
        Ok(())
    }

    fn initdb(&self, args: &[String]) -> Result<()> {
        let pwfile = self.path.join("pwfile");
        write_private(&pwfile, &self.password, self.owner)?;
        let mut command = self.command("initdb");
        command
            .arg("-D")
            .arg(self.data_dir())
            .arg(format!("--pwfile={}", pwfile.display()))
            .args(args);
        let out = self.run_helper(command, None);
        let _ = std::fs::remove_file(&pwfile);
        let out = out.context("initdb did not finish")?;
        if !out.status.success() {
            bail!(
                "initdb failed: {}{}",
                String::from_utf8_lossy(&out.stderr).trim(),
                String::from_utf8_lossy(&out.stdout).trim()
            );
        }
        Ok(())
    }

    /// Gives the superuser of a copied data directory this run's password, in single-user mode
    /// (no server listens meanwhile; the password goes through a pipe, never a command line).
    fn set_password(&self) -> Result<()> {
        let mut command = self.command("postgres");
        command
            .arg("--single")
            .arg("-D")
            .arg(self.data_dir())
            .args(["-c", "fsync=off", "template1"]);
        let sql = format!("ALTER ROLE {SUPERUSER} PASSWORD '{}';\n", self.password);
        let out = self
            .run_helper(command, Some(&sql))
            .context("the single-user server did not finish")?;
        let said = String::from_utf8_lossy(&out.stderr) + String::from_utf8_lossy(&out.stdout);
        if !out.status.success() || said.contains("ERROR:") || said.contains("FATAL:") {
            bail!("cannot set the copied cluster's password: {}", said.trim());
        }
        Ok(())
    }

    /// Runs a helper (`initdb`, a single-user server) to its end, registered so that a signal
    /// meanwhile kills it, with `input` on its standard input.
    fn run_helper(&self, mut command: Command, input: Option<&str>) -> Result<Output> {
        use std::io::Write;
        command
            .stdin(if input.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let program = command.get_program().to_owned();
        let mut child = cleanup::with(self.cleanup, |entry| {
            let child = command.spawn();
            if let (Ok(child), Some(Cleanup::LocalCluster { child: slot, .. })) = (&child, entry) {
                *slot = Some(child.id());
            }
            child
        })
        .with_context(|| format!("cannot run `{}`", Path::new(&program).display()))?;
        if let (Some(input), Some(mut stdin)) = (input, child.stdin.take()) {
            // A helper that exits early closes the pipe: its output says why.
            let _ = stdin.write_all(input.as_bytes());
        }
        let out = child.wait_with_output();
        cleanup::wait_if_interrupted();
        cleanup::with(self.cleanup, |entry| {
            if let Some(Cleanup::LocalCluster { child, .. }) = entry {
                *child = None;
            }
        });
        Ok(out?)
    }

    fn launch(&mut self, extra_options: &str) -> Result<()> {
        let socket = self.socket_dir();
        std::fs::create_dir(&socket)
            .and_then(|()| {
                std::fs::set_permissions(&socket, std::fs::Permissions::from_mode(0o700))
            })
            .with_context(|| format!("cannot create the socket directory {}", socket.display()))?;
        if let Some((uid, gid)) = self.owner {
            std::os::unix::fs::chown(&socket, Some(uid), Some(gid))
                .context("cannot hand the socket directory to the unprivileged user")?;
        }
        let log_path = self.path.join("server.log");
        let log = std::fs::File::create(&log_path)
            .with_context(|| format!("cannot create {}", log_path.display()))?;
        let mut command = self.command("postgres");
        command
            .arg("-D")
            .arg(self.data_dir())
            .args(["-p", &self.port.to_string()])
            .args(["-c", "listen_addresses="])
            .arg("-c")
            .arg(format!("unix_socket_directories={}", socket.display()))
            .args([
                "-c",
                "unix_socket_permissions=0700",
                "-c",
                "fsync=off",
                "-c",
                "synchronous_commit=off",
                "-c",
                "full_page_writes=off",
            ])
            .args(extra_options.split_whitespace())
            .stdin(Stdio::null())
            .stdout(log.try_clone().context("cannot share the server log")?)
            .stderr(log);
        let child = cleanup::with(self.cleanup, |entry| {
            let child = command.spawn();
            if let (Ok(child), Some(Cleanup::LocalCluster { postmaster, .. })) = (&child, entry) {
                *postmaster = Some(child.id());
            }
            child
        })
        .with_context(|| format!("cannot run `{}`", self.bin.join("postgres").display()))?;
        self.postmaster = Some(child);
        self.wait_until_ready(&log_path)
    }

    /// Waits for `postmaster.pid` to say `ready` (PostgreSQL 10 and later).
    fn wait_until_ready(&mut self, log: &Path) -> Result<()> {
        let deadline = Instant::now() + Duration::from_secs(60);
        let pidfile = self.data_dir().join("postmaster.pid");
        loop {
            let exited = match self.postmaster.as_mut().map(Child::try_wait) {
                Some(Ok(Some(status))) => Some(status.to_string()),
                Some(Err(e)) => Some(e.to_string()),
                _ => None,
            };
            if let Some(status) = exited {
                cleanup::wait_if_interrupted();
                self.postmaster = None;
                bail!(
                    "the throwaway cluster's server exited ({status}):\n{}",
                    log_tail(log)
                );
            }
            let ready = std::fs::read_to_string(&pidfile)
                .is_ok_and(|t| t.lines().nth(7).is_some_and(|l| l.trim() == "ready"));
            if ready {
                return Ok(());
            }
            if Instant::now() >= deadline {
                bail!(
                    "the throwaway cluster did not become ready within 60 s:\n{}",
                    log_tail(log)
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The port: it names the socket file, and the TCP port if `listen_addresses` was given.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Whether the data directory was copied from a pristine cluster in the cache.
    pub fn from_cache(&self) -> bool {
        self.from_cache
    }

    /// The directory holding `initdb` and `postgres`.
    pub fn bin(&self) -> &Path {
        &self.bin
    }

    /// The private directory holding the server's Unix socket.
    pub fn socket_dir(&self) -> PathBuf {
        self.path.join("socket")
    }

    /// The superuser's random password (for tests that connect over TCP).
    pub fn password(&self) -> &str {
        &self.password
    }

    /// A connection string for `database` as the cluster's superuser, over the private socket.
    pub fn url(&self, database: &str) -> String {
        self.url_as(SUPERUSER, &self.password, database)
    }

    /// A connection string for `database` as `user` with `password`, over the private socket.
    pub fn url_as(&self, user: &str, password: &str, database: &str) -> String {
        format!(
            "postgresql://{user}:{password}@{}:{}/{database}",
            percent_encode(&self.socket_dir().to_string_lossy()),
            self.port
        )
    }

    /// The data directory (owned by the unprivileged user when pgproof runs as root).
    pub fn data_dir(&self) -> PathBuf {
        self.path.join("data")
    }

    /// The cluster's temporary directory.
    pub fn dir(&self) -> &Path {
        &self.path
    }

    /// `program` from the cluster's binaries: scrubbed environment, own process group, and the
    /// unprivileged user when pgproof runs as root.
    fn command(&self, program: &str) -> Command {
        let mut command = Command::new(self.bin.join(program));
        scrub_env(&mut command);
        command.env("LC_ALL", "C").process_group(0);
        if let Some((uid, gid)) = self.owner {
            command.uid(uid).gid(gid).current_dir(&self.path);
        }
        command
    }
}

impl Drop for LocalCluster {
    fn drop(&mut self) {
        // Stop and remove first, deregister last: a signal in between still finds it.
        if let Some(mut child) = self.postmaster.take() {
            cleanup::stop_postmaster(child.id());
            let _ = child.wait();
        }
        if let Some(dir) = self.dir.take() {
            let _ = dir.close();
        }
        cleanup::done(self.cleanup);
    }
}

/// Clears the environment but for what PostgreSQL's programs need: the invoking process's
/// secrets (`PGPASSWORD`, tokens) must not reach a server that SQL can read them from.
pub fn scrub_env(command: &mut Command) {
    command.env_clear();
    for (key, value) in std::env::vars_os() {
        let keep = key
            .to_str()
            .is_some_and(|k| k == "PATH" || k == "LANG" || k == "TZ" || k.starts_with("LC_"));
        if keep {
            command.env(key, value);
        }
    }
}

/// A 0700 temporary directory `pgproof-pg-*` with its owner file, handed to `owner`.
fn make_dir(owner: Option<(u32, u32)>) -> Result<tempfile::TempDir> {
    let dir = tempfile::Builder::new()
        .prefix(DIR_PREFIX)
        .tempdir()
        .context("cannot create a temporary directory for the cluster")?;
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700))
        .context("cannot make the cluster directory private")?;
    std::fs::write(
        dir.path().join(OWNER_FILE),
        cleanup::owner().to_line() + "\n",
    )
    .context("cannot write the cluster's owner file")?;
    if let Some((uid, gid)) = owner {
        std::os::unix::fs::chown(dir.path(), Some(uid), Some(gid))
            .context("cannot hand the cluster directory to the unprivileged user")?;
    }
    Ok(dir)
}

/// Writes `contents` to a new 0600 file owned by `owner`.
fn write_private(path: &Path, contents: &str, owner: Option<(u32, u32)>) -> Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    file.write_all(contents.as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))?;
    if let Some((uid, gid)) = owner {
        std::os::unix::fs::chown(path, Some(uid), Some(gid))
            .with_context(|| format!("cannot hand {} to the unprivileged user", path.display()))?;
    }
    Ok(())
}

fn log_tail(log: &Path) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(10)..].join("\n")
}

fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn free_port() -> Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").context("cannot find a free loopback port")?;
    Ok(listener.local_addr()?.port())
}

pub fn find_on_path(program: &str) -> Option<PathBuf> {
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
