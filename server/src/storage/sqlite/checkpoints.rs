//! WAL checkpoints on a thread of their own, never on a request's commit.
//!
//! SQLite's automatic checkpoint runs inside the `COMMIT` that pushes the WAL past 1000 pages:
//! that request (and, with group commit, every request in its group, and every request queued
//! for the writer behind it) waits while pages are copied into the database file and it is
//! fsync'd. The writer connection turns it off (`wal_autocheckpoint=0`) and this thread, on a
//! connection of its own, does the work instead:
//!
//! - a `PASSIVE` checkpoint whenever something was committed since the last look (every
//!   [`TICK`]): it copies what no reader still needs and never waits for anyone, so writers and
//!   readers carry on beside it, and the WAL is reused from its start once it was copied whole;
//! - a `TRUNCATE` checkpoint once the database has been idle for [`IDLE`], which empties the WAL
//!   file (it waits for readers and writers, so only when there are none to speak of);
//! - when the WAL file has grown past [`WAL_LIMIT`] anyway, a `PASSIVE` checkpoint of the bulk,
//!   then a `TRUNCATE` while this thread holds the writer (an open group is committed first).
//!   Under sustained load the groups follow each other without a pause, so a checkpoint beside
//!   them never reaches the end of the WAL and SQLite never starts it over: in the sync bench at
//!   saturation (25,000 mutations/s) the WAL passed 100 MB in 10 s without this, and stayed
//!   near 60 MB with it. Holding the writer stops writes only while the frames appended since the
//!   passive pass are copied and readers are waited for (at most [`FORCED_WAIT`]), at most once
//!   per [`FORCED_PAUSE`]; SQLite's automatic checkpoint would stop them once per 4 MiB, inside a
//!   commit requests wait for.
//!
//! The thread stops, and its connection closes, when the storage is dropped.

use super::group_commit::GroupWriter;
use rusqlite::Connection;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How often the thread looks for new commits.
const TICK: Duration = Duration::from_millis(100);
/// Quiet this long, the WAL file is truncated.
const IDLE: Duration = Duration::from_secs(1);
/// A WAL larger than this is truncated even under load (quality.md D6: at most 64 MB).
const WAL_LIMIT: u64 = 32 * 1024 * 1024;
/// After holding the writer for an oversized WAL, this long before doing it again (should
/// readers have kept the truncation from finishing).
const FORCED_PAUSE: Duration = Duration::from_millis(500);
/// How long a checkpoint that must wait for readers (or, idle, for the writer) waits at most.
const FORCED_WAIT: Duration = Duration::from_millis(200);

pub(super) struct Checkpointer {
    stop: Option<Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Checkpointer {
    /// Starts checkpointing the database at `path` on `conn`, a read-write connection of its own;
    /// `writer` is held back only when the WAL outgrew its limit.
    pub(super) fn start(conn: Connection, path: &Path, writer: Arc<GroupWriter>) -> std::io::Result<Self> {
        let (stop, stopped) = mpsc::channel::<()>();
        let mut wal = path.as_os_str().to_owned();
        wal.push("-wal");
        let wal = PathBuf::from(wal);
        let thread = std::thread::Builder::new().name("sqlite-checkpoints".into()).spawn(move || {
            let mut watch = Watch {
                conn,
                wal,
                writer,
                last_version: None,
                last_change: Instant::now(),
                truncated: true,
                forced_at: None,
            };
            loop {
                match stopped.recv_timeout(TICK) {
                    Err(RecvTimeoutError::Timeout) => watch.tick(),
                    Ok(()) | Err(RecvTimeoutError::Disconnected) => return,
                }
            }
        })?;
        Ok(Self { stop: Some(stop), thread: Some(thread) })
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            // A panic there has been reported already; nothing is left to clean up.
            let _ = thread.join();
        }
    }
}

struct Watch {
    conn: Connection,
    wal: PathBuf,
    writer: Arc<GroupWriter>,
    last_version: Option<i64>,
    last_change: Instant,
    /// No commit since the WAL was last emptied.
    truncated: bool,
    /// When the writer was last held for an oversized WAL.
    forced_at: Option<Instant>,
}

impl Watch {
    fn tick(&mut self) {
        // Checkpoint failures are not fatal: SQLite stays consistent, and the next tick tries again.
        let version = self.conn.query_row("PRAGMA data_version", [], |r| r.get::<_, i64>(0)).ok();
        let changed = version.is_some() && version != self.last_version;
        self.last_version = version;
        if changed {
            self.last_change = Instant::now();
            self.truncated = false;
        }
        let oversized = std::fs::metadata(&self.wal).is_ok_and(|m| m.len() > WAL_LIMIT);
        if oversized && self.forced_at.is_none_or(|t| t.elapsed() >= FORCED_PAUSE) {
            self.forced_at = Some(Instant::now());
            self.checkpoint("PASSIVE", Duration::ZERO);
            let _held = self.writer.exclusive();
            self.truncated = self.checkpoint("TRUNCATE", FORCED_WAIT);
        } else if !self.truncated && self.last_change.elapsed() >= IDLE {
            self.truncated = self.checkpoint("TRUNCATE", FORCED_WAIT);
        } else if changed {
            self.checkpoint("PASSIVE", Duration::ZERO);
        }
    }

    /// True if every frame of the WAL was copied.
    fn checkpoint(&self, mode: &str, wait: Duration) -> bool {
        if self.conn.busy_timeout(wait).is_err() {
            return false;
        }
        let done = self
            .conn
            .query_row(&format!("PRAGMA wal_checkpoint({mode})"), [], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?, r.get::<_, i64>(2)?))
            })
            .is_ok_and(|(busy, log, copied)| busy == 0 && log == copied);
        if let Err(e) = self.conn.busy_timeout(Duration::ZERO) {
            tracing::debug!(code = ?e.sqlite_error_code(), "checkpoint connection");
        }
        done
    }
}

#[cfg(test)]
mod tests {
    use super::super::SqliteStorage;
    use crate::storage::AccountStore;
    use std::time::{Duration, Instant};

    /// The writer never checkpoints; the thread empties the WAL once writes stop, and stops
    /// with the storage.
    #[test]
    fn the_wal_is_emptied_by_the_thread_once_writes_stop() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("server.db");
        let s = SqliteStorage::open(&path).unwrap();
        let automatic: i64 = s.writer.exclusive().query_row("PRAGMA wal_autocheckpoint", [], |r| r.get(0)).unwrap();
        assert_eq!(automatic, 0, "no checkpoint inside a commit");
        let wal = dir.path().join("server.db-wal");
        for n in 0..50 {
            s.add_resident(&format!("3400{n:04}"), "A", "1950-01-01", 0).unwrap();
        }
        assert!(std::fs::metadata(&wal).unwrap().len() > 0, "written to the WAL");
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::fs::metadata(&wal).unwrap().len() > 0 {
            assert!(Instant::now() < deadline, "the WAL was never emptied");
            std::thread::sleep(Duration::from_millis(50));
        }
        let copied: i64 = rusqlite::Connection::open(&path)
            .unwrap()
            .query_row("SELECT COUNT(*) FROM \"residents\"", [], |r| r.get(0))
            .unwrap();
        assert_eq!(copied, 50);
        drop(s);
    }
}
