//! Teardown of throwaway servers when pgproof is interrupted: drops do not run when a signal ends
//! the process, so every throwaway cluster and container registers how to remove it here, and a
//! SIGINT/SIGTERM handler runs what is registered before exiting (status 130).

use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, Once};

#[derive(Debug, Clone)]
pub enum Cleanup {
    /// `pg_ctl stop -m immediate` as `owner`, then remove the directory.
    LocalCluster {
        pg_ctl: PathBuf,
        data: PathBuf,
        dir: PathBuf,
        owner: Option<(u32, u32)>,
    },
    /// `docker rm -f <id>`.
    Container { id: String },
}

static REGISTERED: Mutex<Vec<(u64, Cleanup)>> = Mutex::new(Vec::new());
static NEXT: AtomicU64 = AtomicU64::new(1);
static HANDLER: Once = Once::new();
static INTERRUPTED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Called by work that a teardown may have cut short (a closed connection): when a signal is
/// being handled, waits for the handler to finish removing servers and end the process, so no
/// half-finished report is printed and the exit status is 130.
pub fn wait_if_interrupted() {
    if INTERRUPTED.load(Ordering::SeqCst) {
        loop {
            std::thread::park();
        }
    }
}

/// Registers `cleanup` until the returned key is passed to [`done`]; installs the signal handler
/// on first use.
pub fn register(cleanup: Cleanup) -> u64 {
    HANDLER.call_once(|| {
        // If another handler is already installed (an embedding program), keep it.
        let _ = ctrlc::set_handler(|| {
            INTERRUPTED.store(true, Ordering::SeqCst);
            eprintln!("pgproof: interrupted, removing throwaway servers");
            run_all();
            std::process::exit(130);
        });
    });
    let key = NEXT.fetch_add(1, Ordering::Relaxed);
    if let Ok(mut list) = REGISTERED.lock() {
        list.push((key, cleanup));
    }
    key
}

/// The resource was torn down normally.
pub fn done(key: u64) {
    if let Ok(mut list) = REGISTERED.lock() {
        list.retain(|(k, _)| *k != key);
    }
}

fn run_all() {
    let list = match REGISTERED.lock() {
        Ok(mut list) => std::mem::take(&mut *list),
        Err(_) => return,
    };
    for (_, cleanup) in list.into_iter().rev() {
        match cleanup {
            Cleanup::LocalCluster {
                pg_ctl,
                data,
                dir,
                owner,
            } => {
                let mut command = Command::new(pg_ctl);
                command
                    .args([
                        "-D",
                        &data.to_string_lossy(),
                        "-m",
                        "immediate",
                        "-w",
                        "stop",
                    ])
                    .env("LC_ALL", "C");
                if let Some((uid, gid)) = owner {
                    use std::os::unix::process::CommandExt;
                    command.uid(uid).gid(gid).current_dir(&dir);
                }
                let _ = command.output();
                let _ = std::fs::remove_dir_all(&dir);
            }
            Cleanup::Container { id } => {
                let _ = Command::new("docker")
                    .args(["rm", "-f", "-v", &id])
                    .output();
            }
        }
    }
}
