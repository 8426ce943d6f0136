//! prove's throwaway PostgreSQL servers: a local `initdb` cluster ([`local`]), a container
//! ([`container`]), and the registry that removes every one of them, and every scratch database,
//! on SIGINT/SIGTERM ([`cleanup`]).
//!
//! These servers are private to the run (no other user, a random password, loopback or a Unix
//! socket only) and always removed. Reading a real database the user names is `live/`'s job, not
//! this module's; choosing among these servers for a run is `prove/backend.rs`'s.

pub mod cleanup;
pub mod container;
pub mod local;
pub mod pristine;
