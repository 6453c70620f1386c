//! The writer connection, shared by concurrent write transactions through group commit.
//!
//! With `synchronous=FULL` every commit waits for an fsync of the WAL (milliseconds on real
//! disks), and SQLite has one writer: one commit per push caps the server at 1/fsync pushes per
//! second, and requests queue behind each other's fsyncs. Here the requests that are waiting for
//! the writer while it works join one transaction instead, each inside its own `SAVEPOINT`:
//!
//! - A request takes the writer, opens the group's transaction if none is open, runs its work in
//!   a savepoint and releases it (or rolls back to it: a request that fails leaves nothing, and
//!   the others in the group are untouched).
//! - Whoever holds the writer when no other grouped request is waiting for it (or when the group
//!   reached its bounds) commits, and wakes every member: each is answered only after the
//!   `COMMIT` that made its data durable returned. A request arriving during that commit's fsync
//!   waits for the writer and joins the next group. A lone request commits at once: no timer
//!   ever holds a commit back.
//! - Everything else that writes (sign-ins, uploads, admin work) takes the writer through
//!   [`GroupWriter::exclusive`], which commits an open group first, so those keep their own
//!   transactions and statements exactly as before.
//!
//! One transaction at a time still holds the writer, so sequence numbers still commit in the
//! order they were taken, and a group's changes become visible to pulls all at once. Should
//! SQLite abandon the whole transaction on an error (disk full, I/O error), the members that had
//! already finished run their work again in a new group: [`crate::storage::RecordStore::write_transaction`]
//! allows that.

use super::records::SqliteTx;
use crate::storage::{RecordTx, StorageError, StorageResult};
use rusqlite::Connection;
use std::ops::{Deref, DerefMut};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

/// How large one group may grow before it is committed even though more requests wait: bounds
/// the latency of its first member and the WAL one commit adds.
#[derive(Debug, Clone, Copy)]
pub struct GroupLimits {
    /// Requests in one commit.
    pub max_members: usize,
    /// Rows changed by one commit (a vital create changes about three: record, ledger, sequence).
    pub max_changes: u64,
}

impl Default for GroupLimits {
    fn default() -> Self {
        Self { max_members: 128, max_changes: 20_000 }
    }
}

/// Runs of a request's work when SQLite abandoned its group's transaction under it.
const ATTEMPTS: usize = 3;

/// How many commits and grouped requests the writer has seen: their ratio is the group size.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GroupStats {
    pub commits: u64,
    pub requests: u64,
}

pub(super) struct GroupWriter {
    state: Mutex<WriterState>,
    /// Grouped requests that asked for the writer and do not hold it yet. Whoever holds it
    /// leaves the group open for them only while this is not zero.
    waiting: AtomicUsize,
    limits: GroupLimits,
    commits: AtomicU64,
    requests: AtomicU64,
}

struct WriterState {
    conn: Connection,
    open: Option<OpenGroup>,
}

struct OpenGroup {
    members: usize,
    changes_at_begin: u64,
    fate: Arc<Fate>,
}

/// What became of a group, told to each member once its commit returned.
#[derive(Default)]
struct Fate {
    decided: Mutex<Option<Outcome>>,
    cv: Condvar,
}

#[derive(Clone)]
enum Outcome {
    Committed,
    /// SQLite abandoned the transaction before the commit: the members' work is gone and may run again.
    Abandoned,
    /// The commit itself failed: nothing of the group is kept.
    Failed(String),
}

impl Fate {
    fn decide(&self, outcome: Outcome) {
        *relock(&self.decided) = Some(outcome);
        self.cv.notify_all();
    }

    fn wait(&self) -> Outcome {
        let mut decided = relock(&self.decided);
        loop {
            if let Some(outcome) = decided.as_ref() {
                return outcome.clone();
            }
            decided = self.cv.wait(decided).unwrap_or_else(|p| p.into_inner());
        }
    }
}

fn relock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // Nothing here is left half-changed by a panic: work runs under `catch_unwind`.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// What a request's own run in the group came to.
enum Run {
    /// Its savepoint was released into the open group.
    Joined(Arc<Fate>),
    /// Its work failed and was rolled back to its savepoint, or it could not start.
    Refused(StorageError),
    /// The group's transaction went away under it.
    Abandoned,
}

impl GroupWriter {
    pub(super) fn new(conn: Connection, limits: GroupLimits) -> Self {
        Self {
            state: Mutex::new(WriterState { conn, open: None }),
            waiting: AtomicUsize::new(0),
            limits,
            commits: AtomicU64::new(0),
            requests: AtomicU64::new(0),
        }
    }

    pub(super) fn stats(&self) -> GroupStats {
        GroupStats { commits: self.commits.load(Ordering::Relaxed), requests: self.requests.load(Ordering::Relaxed) }
    }

    /// The writer connection to itself, with no transaction open: an open group is committed
    /// first.
    pub(super) fn exclusive(&self) -> Exclusive<'_> {
        let mut state = relock(&self.state);
        self.commit_open(&mut state);
        Exclusive(state)
    }

    /// Runs `work` in the next group commit; returns once the group's commit returned (or the
    /// work failed, leaving nothing).
    pub(super) fn grouped(&self, work: &mut dyn FnMut(&mut dyn RecordTx) -> StorageResult<()>) -> StorageResult<()> {
        for _ in 0..ATTEMPTS {
            self.waiting.fetch_add(1, Ordering::SeqCst);
            let mut state = relock(&self.state);
            self.waiting.fetch_sub(1, Ordering::SeqCst);
            let run = self.run_in_group(&mut state, work);
            // Decided by whoever holds the writer, whatever its own work came to: a member
            // waiting for a commit is never left without someone to make it.
            let full = state.open.as_ref().is_some_and(|g| {
                g.members >= self.limits.max_members
                    || state.conn.total_changes().saturating_sub(g.changes_at_begin) >= self.limits.max_changes
            });
            if full || self.waiting.load(Ordering::SeqCst) == 0 {
                self.commit_open(&mut state);
            }
            drop(state);
            match run {
                Run::Refused(e) => return Err(e),
                Run::Abandoned => continue,
                Run::Joined(fate) => match fate.wait() {
                    Outcome::Committed => return Ok(()),
                    Outcome::Abandoned => continue,
                    Outcome::Failed(code) => return Err(StorageError::Unavailable(code)),
                },
            }
        }
        Err(StorageError::Unavailable("write transaction abandoned repeatedly".into()))
    }

    fn run_in_group(
        &self,
        state: &mut WriterState,
        work: &mut dyn FnMut(&mut dyn RecordTx) -> StorageResult<()>,
    ) -> Run {
        if state.open.is_none() {
            if let Err(e) = state.conn.execute_batch("BEGIN IMMEDIATE") {
                return Run::Refused(e.into());
            }
            let changes_at_begin = state.conn.total_changes();
            state.open = Some(OpenGroup { members: 0, changes_at_begin, fate: Arc::default() });
        }
        // A rollback to the savepoint that failed leaves the transaction in an unknown state.
        let mut unsound = false;
        let outcome = match state.conn.savepoint() {
            Err(e) => Err(StorageError::from(e)),
            Ok(savepoint) => {
                let done = catch_unwind(AssertUnwindSafe(|| work(&mut SqliteTx(&savepoint))))
                    .unwrap_or_else(|_| Err(StorageError::Unavailable("write transaction panicked".into())));
                match done {
                    Ok(()) => savepoint.commit().map_err(StorageError::from),
                    Err(e) => {
                        // Rolled back to the savepoint and released, as dropping it would, but
                        // seen to fail: a failed rollback must not leave this request's writes
                        // in the group.
                        unsound = savepoint.finish().is_err();
                        Err(e)
                    }
                }
            }
        };
        if self.abandon_if_broken(state, unsound) {
            return match outcome {
                Ok(()) => Run::Abandoned,
                Err(e) => Run::Refused(e),
            };
        }
        match outcome {
            Ok(()) => {
                let group = state.open.as_mut().expect("a group is open until it is committed or abandoned");
                group.members += 1;
                self.requests.fetch_add(1, Ordering::Relaxed);
                Run::Joined(Arc::clone(&group.fate))
            }
            Err(e) => Run::Refused(e),
        }
    }

    /// Tells the open group's members their work is gone when SQLite rolled the transaction
    /// back on its own (or `force`: its state is unknown, so it is rolled back here); true if so.
    fn abandon_if_broken(&self, state: &mut WriterState, force: bool) -> bool {
        if !force && !state.conn.is_autocommit() {
            return false;
        }
        if !state.conn.is_autocommit() {
            // Nothing else can be done about a failed rollback: the next BEGIN reports it.
            let _ = state.conn.execute_batch("ROLLBACK");
        }
        if let Some(group) = state.open.take() {
            group.fate.decide(Outcome::Abandoned);
        }
        true
    }

    fn commit_open(&self, state: &mut WriterState) {
        let Some(group) = state.open.take() else { return };
        let outcome = match state.conn.execute_batch("COMMIT") {
            Ok(()) => {
                if group.members > 0 {
                    self.commits.fetch_add(1, Ordering::Relaxed);
                }
                Outcome::Committed
            }
            Err(e) => {
                if !state.conn.is_autocommit() {
                    let _ = state.conn.execute_batch("ROLLBACK");
                }
                match StorageError::from(e) {
                    StorageError::Unavailable(code) => Outcome::Failed(code),
                    other => Outcome::Failed(other.to_string()),
                }
            }
        };
        group.fate.decide(outcome);
    }
}

/// The writer connection held outside any group (see [`GroupWriter::exclusive`]).
pub(super) struct Exclusive<'a>(MutexGuard<'a, WriterState>);

impl Deref for Exclusive<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        &self.0.conn
    }
}

impl DerefMut for Exclusive<'_> {
    fn deref_mut(&mut self) -> &mut Connection {
        &mut self.0.conn
    }
}

#[cfg(test)]
mod tests {
    use super::super::SqliteStorage;
    use super::GroupLimits;
    use crate::storage::{AccountStore, FsBlobFiles, RecordStore, ResidentId, StorageError, StorageResult, Writer};
    use std::sync::atomic::Ordering;
    use std::sync::{Arc, Barrier};
    use std::time::{Duration, Instant};

    fn open(limits: GroupLimits) -> (tempfile::TempDir, Arc<SqliteStorage>, ResidentId) {
        let dir = tempfile::tempdir().unwrap();
        let files = Arc::new(FsBlobFiles::new(dir.path()));
        let s = SqliteStorage::open_with(&dir.path().join("server.db"), files, limits).unwrap();
        let a = s.add_resident("34001234", "A", "1950-01-01", 0).unwrap();
        (dir, Arc::new(s), a)
    }

    /// Takes a sequence number and records it under `key` in the ledger, or fails after that.
    fn write(s: &SqliteStorage, a: ResidentId, key: &str, fail: bool) -> StorageResult<u64> {
        let mut seq = 0;
        s.write_transaction(&mut |tx| {
            seq = tx.next_seq(a)?;
            let result = techo_protocol::sync::MutationResult {
                mutation_id: key.into(),
                status: techo_protocol::sync::MutationStatus::Applied,
                commit_seq: Some(seq),
                error: None,
                server_record: None,
            };
            let entry = crate::storage::LedgerEntry { request_hash: "q".into(), result };
            tx.add_ledger_entry(Writer::Device { resident: a, device: "phone" }, key, &entry, 0)?;
            if fail { Err(StorageError::Unavailable("injected".into())) } else { Ok(()) }
        })?;
        Ok(seq)
    }

    /// The seq recorded under `key`, read from a connection of its own: only committed data.
    fn committed(dir: &tempfile::TempDir, key: &str) -> Option<i64> {
        let c = rusqlite::Connection::open(dir.path().join("server.db")).unwrap();
        c.query_row(
            "SELECT json_extract(\"result\", '$.commit_seq') FROM \"applied_mutations\" WHERE \"mutation_id\" = ?1",
            [key],
            |r| r.get(0),
        )
        .ok()
    }

    /// Holds the writer (inside its own write) until `n` more grouped requests wait for it.
    fn hold_until_waiting(s: &SqliteStorage, n: usize) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while s.writer.waiting.load(Ordering::SeqCst) < n {
            assert!(Instant::now() < deadline, "the others never came");
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    /// Requests that wait while the writer works share its next commit; one failing, one
    /// panicking among them leave nothing of themselves and change nothing for the others.
    #[test]
    fn waiting_requests_share_one_commit_and_a_failing_one_only_loses_itself() {
        const OTHERS: usize = 6;
        let (dir, s, a) = open(GroupLimits::default());
        let before = s.group_stats();
        let start = Arc::new(Barrier::new(OTHERS + 1));
        let first = {
            let (s, start) = (Arc::clone(&s), Arc::clone(&start));
            std::thread::spawn(move || {
                let mut held = false;
                s.write_transaction(&mut |tx| {
                    if !held {
                        held = true;
                        start.wait();
                        hold_until_waiting(&s, OTHERS);
                    }
                    tx.next_seq(a).map(drop)
                })
            })
        };
        let others: Vec<_> = (0..OTHERS)
            .map(|n| {
                let (s, start) = (Arc::clone(&s), Arc::clone(&start));
                std::thread::spawn(move || {
                    start.wait();
                    let key = format!("m{n}");
                    match n {
                        0 => (key.clone(), write(&s, a, &key, true)),
                        1 => {
                            let panicked = s.write_transaction(&mut |tx| {
                                tx.next_seq(a)?;
                                panic!("a bug in one request");
                            });
                            (key, panicked.map(|()| 0))
                        }
                        _ => (key.clone(), write(&s, a, &key, false)),
                    }
                })
            })
            .collect();
        first.join().unwrap().unwrap();
        let mut seqs = Vec::new();
        for other in others {
            let (key, result) = other.join().unwrap();
            match key.as_str() {
                "m0" | "m1" => {
                    assert!(matches!(result, Err(StorageError::Unavailable(_))), "{key}: {result:?}");
                    assert_eq!(committed(&dir, &key), None, "{key} left nothing");
                }
                _ => {
                    let seq = result.unwrap();
                    assert_eq!(committed(&dir, &key), Some(seq as i64), "{key} was committed before its answer");
                    seqs.push(seq);
                }
            }
        }
        seqs.sort_unstable();
        assert_eq!(seqs, (2..=OTHERS as u64 - 1).collect::<Vec<_>>(), "no number lost to the failed ones");
        let after = s.group_stats();
        assert_eq!(after.requests - before.requests, OTHERS as u64 - 2 + 1);
        assert!(after.commits - before.commits <= 2, "grouped: {before:?} -> {after:?}");
    }

    /// Alone, a request commits at once: nothing waits for company.
    #[test]
    fn a_lone_request_commits_before_it_returns() {
        let (dir, s, a) = open(GroupLimits::default());
        for n in 0..5 {
            let before = s.group_stats();
            let seq = write(&s, a, &format!("k{n}"), false).unwrap();
            assert_eq!(committed(&dir, &format!("k{n}")), Some(seq as i64));
            let after = s.group_stats();
            assert_eq!((after.commits - before.commits, after.requests - before.requests), (1, 1));
        }
    }

    /// A group stops growing at its bound and commits, even with more requests waiting.
    #[test]
    fn a_full_group_commits_without_the_rest() {
        const OTHERS: usize = 5;
        let (dir, s, a) = open(GroupLimits { max_members: 2, max_changes: u64::MAX });
        let before = s.group_stats();
        let start = Arc::new(Barrier::new(OTHERS + 1));
        let first = {
            let (s, start) = (Arc::clone(&s), Arc::clone(&start));
            std::thread::spawn(move || {
                let mut held = false;
                s.write_transaction(&mut |tx| {
                    if !held {
                        held = true;
                        start.wait();
                        hold_until_waiting(&s, OTHERS);
                    }
                    tx.next_seq(a).map(drop)
                })
            })
        };
        let others: Vec<_> = (0..OTHERS)
            .map(|n| {
                let (s, start) = (Arc::clone(&s), Arc::clone(&start));
                std::thread::spawn(move || {
                    start.wait();
                    write(&s, a, &format!("m{n}"), false).unwrap()
                })
            })
            .collect();
        first.join().unwrap().unwrap();
        for (n, other) in others.into_iter().enumerate() {
            let seq = other.join().unwrap();
            assert_eq!(committed(&dir, &format!("m{n}")), Some(seq as i64));
        }
        let after = s.group_stats();
        assert_eq!(after.requests - before.requests, OTHERS as u64 + 1);
        assert_eq!(after.commits - before.commits, 3, "groups of two: {before:?} -> {after:?}");
    }

    /// Other writers (a sign-in here) commit an open group before they use the connection.
    #[test]
    fn other_writes_commit_the_open_group_first() {
        let (dir, s, a) = open(GroupLimits::default());
        let start = Arc::new(Barrier::new(2));
        let first = {
            let (s, start) = (Arc::clone(&s), Arc::clone(&start));
            std::thread::spawn(move || {
                let mut held = false;
                let mut seq = 0;
                s.write_transaction(&mut |tx| {
                    if !held {
                        held = true;
                        start.wait();
                        hold_until_waiting(&s, 1);
                    }
                    seq = tx.next_seq(a)?;
                    Ok(())
                })
                .map(|()| seq)
            })
        };
        let second = {
            let (s, start) = (Arc::clone(&s), Arc::clone(&start));
            std::thread::spawn(move || {
                start.wait();
                write(&s, a, "second", false)
            })
        };
        // The first request leaves its group open for the second; a writer of another kind
        // takes the connection between them, or after both.
        let b = s.add_resident("34005678", "B", "1950-01-01", 0).unwrap();
        assert_ne!(a, b);
        assert_eq!(first.join().unwrap().unwrap(), 1);
        let seq = second.join().unwrap().unwrap();
        assert_eq!(committed(&dir, "second"), Some(seq as i64));
        assert_eq!(write(&s, a, "third", false).unwrap(), 3);
    }

    /// A request that SQLite itself refuses midway (the database full) in a group loses only
    /// itself; the others commit, and writes go through again once there is room.
    #[test]
    fn a_request_refused_by_sqlite_in_a_group_loses_only_itself() {
        const OTHERS: usize = 4;
        let (dir, s, a) = open(GroupLimits::default());
        {
            let conn = s.writer.exclusive();
            let pages: i64 = conn.query_row("PRAGMA page_count", [], |r| r.get(0)).unwrap();
            conn.pragma_update(None, "max_page_count", pages + 16).unwrap();
        }
        let start = Arc::new(Barrier::new(OTHERS + 1));
        let first = {
            let (s, start) = (Arc::clone(&s), Arc::clone(&start));
            std::thread::spawn(move || {
                let mut held = false;
                s.write_transaction(&mut |tx| {
                    if !held {
                        held = true;
                        start.wait();
                        hold_until_waiting(&s, OTHERS);
                    }
                    tx.next_seq(a).map(drop)
                })
            })
        };
        let others: Vec<_> = (0..OTHERS)
            .map(|n| {
                let (s, start) = (Arc::clone(&s), Arc::clone(&start));
                std::thread::spawn(move || {
                    start.wait();
                    if n != 1 {
                        return write(&s, a, &format!("m{n}"), false).map(drop);
                    }
                    let (entity, payload) =
                        (techo_protocol::Entity::parse("vital"), serde_json::json!("x".repeat(1 << 20)));
                    s.write_transaction(&mut |tx| {
                        let version = tx.next_seq(a)?;
                        let record = crate::storage::NewRecord {
                            entity: &entity,
                            entity_id: "too-large",
                            version,
                            payload: &payload,
                            payload_hash: "h",
                            deleted_at_ms: None,
                            origin: Writer::Device { resident: a, device: "phone" },
                            replica: None,
                        };
                        tx.insert(a, &record)
                    })
                })
            })
            .collect();
        first.join().unwrap().unwrap();
        for (n, other) in others.into_iter().enumerate() {
            let result = other.join().unwrap();
            if n == 1 {
                assert!(matches!(result, Err(StorageError::Unavailable(_))), "{result:?}");
            } else {
                result.unwrap();
                assert!(committed(&dir, &format!("m{n}")).is_some(), "m{n}");
            }
        }
        let c = rusqlite::Connection::open(dir.path().join("server.db")).unwrap();
        let large: i64 = c.query_row("SELECT COUNT(*) FROM \"records\"", [], |r| r.get(0)).unwrap();
        assert_eq!(large, 0, "nothing of the refused request");
        s.writer.exclusive().pragma_update(None, "max_page_count", 1_073_741_823).unwrap();
        assert_eq!(write(&s, a, "after", false).unwrap(), OTHERS as u64 + 1, "no number lost to the refused one");
    }
}
