//! The database fix proofs start from: the migration history replayed once, in one scratch
//! database that moves forward from one flagged statement to the next, so each proof clones it
//! just before its statement instead of replaying the history again.

use super::backend::Throwaway;
use super::exec::Conn;
use super::fixes::message;
use crate::source::MigrationSet;
use crate::span::LineIndex;
use crate::syntax::parse_sql;
use anyhow::Result;
use std::collections::HashMap;

/// A connection to `url` with `session`'s settings made again (they ran on a connection before;
/// one that fails now shows at the next statement).
pub(super) fn connect_with(url: &str, session: &[String]) -> Result<Conn> {
    let conn = Conn::connect(url)?;
    for sql in session {
        let _ = conn.execute_batch(sql);
    }
    Ok(conn)
}

/// The scratch database the fix proofs start from: the history replayed up to the next flagged
/// statement, moving forward proof by proof.
pub(super) struct History<'s> {
    set: &'s MigrationSet,
    pub db: String,
    conn: Option<Conn>,
    /// The next statement to run: (migration, statement).
    next: (usize, usize),
    /// Each migration's up part, parsed when first reached.
    parsed: HashMap<usize, crate::syntax::ParsedText>,
    /// Why the replay stopped, once it has.
    failed: Option<String>,
    /// The session settings the history has made so far (`SET name = value`, not `SET LOCAL`),
    /// in order: made again on every new connection, the history's and each proof's.
    pub session: Vec<String>,
}

impl<'s> History<'s> {
    pub fn start(
        server: &mut Throwaway,
        admin: &Conn,
        set: &'s MigrationSet,
    ) -> Result<History<'s>> {
        let db = server.create_database("fixbase", admin)?;
        let mut history = History {
            set,
            db,
            conn: None,
            next: (0, 0),
            parsed: HashMap::new(),
            failed: None,
            session: vec![],
        };
        let conn = match Conn::connect(&server.url(&history.db)) {
            Ok(conn) => conn,
            Err(e) => {
                server.drop_database(&history.db, admin);
                return Err(e);
            }
        };
        if let Some(init) = &server.init_sql {
            if let Err(e) = conn.execute_batch(init) {
                history.failed = Some(format!("--init-sql failed: {}", message(&e)));
            }
        }
        history.conn = Some(conn);
        Ok(history)
    }

    /// Replays the statements before statement `k` of migration `m` (which must not come before
    /// the last one asked for) and gives that statement's text; Err(why) once a statement of the
    /// history has failed. `url` is the history database's, for a new connection when paused.
    pub fn advance_to(
        &mut self,
        url: &str,
        m: usize,
        k: usize,
    ) -> Result<std::result::Result<String, String>> {
        if let Some(failed) = &self.failed {
            return Ok(Err(failed.clone()));
        }
        if self.conn.is_none() {
            self.conn = Some(connect_with(url, &self.session)?);
        }
        let conn = self.conn.as_ref().expect("connected above");
        while self.next <= (m, k) {
            let (i, j) = self.next;
            let Some(migration) = self.set.migrations.get(i) else {
                break;
            };
            let Some(up) = &migration.up else {
                self.next = (i + 1, 0);
                continue;
            };
            let parsed = self.parsed.entry(i).or_insert_with(|| parse_sql(&up.text));
            let Some(stmt) = parsed.statements.get(j) else {
                self.parsed.remove(&i);
                self.next = (i + 1, 0);
                continue;
            };
            let sql = &up.text[stmt.span.start..stmt.span.end];
            if (i, j) == (m, k) {
                return Ok(Ok(sql.to_string()));
            }
            self.next = (i, j + 1);
            if matches!(stmt.kind, crate::syntax::Statement::Transaction { .. }) {
                continue;
            }
            if let crate::syntax::Statement::Set { local: false, .. } = stmt.kind {
                self.session.push(sql.to_string());
            }
            if let Err(e) = conn.execute_batch(sql) {
                let line = LineIndex::new(&up.text)
                    .position(&up.text, stmt.span.start)
                    .line;
                let why = format!(
                    "replaying the history up to the statement failed at migration `{}` line {line}: {}",
                    migration.id,
                    message(&e)
                );
                self.failed = Some(why.clone());
                return Ok(Err(why));
            }
        }
        Ok(Err("the statement is not in the history".to_string()))
    }

    /// Closes the connection, so that the database can be cloned (or dropped).
    pub fn pause(&mut self) {
        self.conn = None;
    }
}
