//! The turns of `crate::blob_service` across server instances: session-scoped advisory locks
//! (`pg_advisory_lock`), held on a connection of their own for as long as the request keeps its
//! turn, which spans several transactions (a chunk is written, then its offset stored).
//!
//! Holders come from a pool of their own, never from the pool the work runs on: a request holds
//! one holder and then needs work connections, so sharing one pool could leave every
//! connection held by a turn whose holder waits for work. A nested turn (a blob's inside an
//! upload's) is taken by the same holder, so one request never waits for a second holder. A
//! wait is bounded by the connection's `lock_timeout`. An instance that dies loses its
//! sessions, and the database gives their turns back.

use super::{Pool, Pooled, Turn, turn_key};
use crate::storage::blobs::{SharedTurns, TurnHolder, TurnOn};
use crate::storage::{StorageError, StorageResult};

/// Turns one instance holds at once; more requests wait for a holder (as for a connection).
pub const MAX_HOLDERS: usize = 8;

pub struct AdvisoryTurns {
    holders: Pool,
}

impl AdvisoryTurns {
    pub(super) fn new(holders: Pool) -> Self {
        Self { holders }
    }
}

fn keys(on: TurnOn<'_>) -> (i32, i32) {
    match on {
        TurnOn::Upload(id) => (Turn::Upload as i32, turn_key(&[id.as_bytes()])),
        TurnOn::BlobBytes(sha256) => (Turn::BlobBytes as i32, turn_key(&[sha256.as_bytes()])),
    }
}

struct Holder<'p> {
    conn: Option<Pooled<'p>>,
}

impl Holder<'_> {
    fn call(&mut self, sql: &'static str, on: TurnOn<'_>) -> StorageResult<()> {
        let (space, key) = keys(on);
        let conn = self.conn.as_mut().ok_or_else(|| StorageError::Unavailable("turn holder gone".into()))?;
        let outcome = match conn.statements.get(sql) {
            Some(s) => Ok(s.clone()),
            None => conn.client.prepare(sql),
        }
        .and_then(|statement| {
            conn.statements.insert(sql, statement.clone());
            conn.client.execute(&statement, &[&space, &key])
        });
        outcome.map(|_| ()).map_err(StorageError::from)
    }
}

impl TurnHolder for Holder<'_> {
    fn take(&mut self, on: TurnOn<'_>) -> StorageResult<()> {
        self.call("SELECT pg_advisory_lock($1, $2)", on)
    }

    fn give_back(&mut self, on: TurnOn<'_>) -> StorageResult<()> {
        self.call("SELECT pg_advisory_unlock($1, $2)", on)
    }
}

impl Drop for Holder<'_> {
    fn drop(&mut self) {
        let Some(mut conn) = self.conn.take() else { return };
        if conn.client.batch_execute("SELECT pg_advisory_unlock_all()").is_err() {
            // Not known to be free of turns: the connection goes, and its session's locks with it.
            conn.discard();
        }
    }
}

impl SharedTurns for AdvisoryTurns {
    fn take(&self, on: TurnOn<'_>) -> StorageResult<Box<dyn TurnHolder + '_>> {
        let mut holder = Holder { conn: Some(self.holders.get()?) };
        holder.take(on)?;
        Ok(Box::new(holder))
    }
}
