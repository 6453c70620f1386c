//! The PostgreSQL backend: the same traits as SQLite, for several server instances over one
//! database.
//!
//! **The pull cursor stays gap-free.** SQLite has one writer, so sequence numbers commit in the
//! order they are taken. PostgreSQL runs transactions concurrently, and a number taken first can
//! commit last: a pull in between would move its cursor past it for good. So every write
//! transaction that touches a patient first takes the patient's lock, the row lock
//! (`SELECT … FOR NO KEY UPDATE`) on the patient's `residents` row that holds `last_seq`, and
//! keeps it until it commits or rolls back. A patient's writes therefore take turns: a number is
//! taken only by the holder of the lock, and the next holder can take the next one only after the
//! previous holder's commit is visible to every new snapshot. Taking it at the first touch (not
//! only in `next_seq`) also gives the sync rules the serial view they are written for: a head read
//! at the start of a push is still the head when the push writes. A row lock rather than an
//! advisory lock, because the sequence row is what is being protected, and it dies with the
//! transaction whatever happens to the connection.
//!
//! Other turns, as transaction-scoped advisory locks (keys hashed, so two keys may share a turn,
//! which costs only waiting): a writer's ledger (two pushes of one device, say a retry while the
//! first is still running, take turns, so the second finds the first's entries), an account's
//! uploads (the quota is checked and the upload counted with no other upload of the account in
//! between), an account's devices (the device cap) and the sign-in counters. Everything else is
//! one statement, or re-checks its row after waiting for it (`UPDATE … WHERE "offset" = …`).
//!
//! A write transaction the database aborts as a serialization failure or a deadlock (two ingests
//! taking two patients' locks in opposite orders) is run again from scratch, a few times, as
//! [`RecordStore::write_transaction`](crate::storage::RecordStore::write_transaction) allows; after
//! that, and for every other database error, the request fails as `Unavailable`, which clients
//! retry. Errors carry the SQLSTATE only, never a message (they may quote values).
//!
//! **Connections**: a small pool of its own (a mutex, a condition variable and at most
//! [`MAX_CONNECTIONS`] clients), each connection with its prepared statements; beside it, up to
//! `turns::MAX_HOLDERS` connections that only hold the turns of `crate::blob_service`. Without TLS
//! (`NoTls`): the database is meant to be reached over a Unix socket or loopback on the server's
//! host or a private network; a remote database needs a TLS connector first (a later step, with a
//! TLS stack chosen for it).
//!
//! **Blob bytes** are in the database too when opened with
//! [`PostgresStorage::open_self_contained`] (what `--database` does): [`DbBlobFiles`], so
//! several instances share nothing but the database. [`PostgresStorage::open`] takes any other
//! `BlobFiles` (a directory all instances mount, or an S3-compatible store).
//!
//! **Several instances**: every rule that must hold across requests holds in the database, so any
//! request may reach any instance. The idempotency ledger, refresh-token families with their retry
//! grace, sign-in counters, the device cap, the quota, the sequence and the blob references are
//! rows, changed under the row locks and transaction-scoped turns above. The turns of uploads
//! (every request for one upload id; stored bytes changing owner) span several transactions and
//! are session-scoped advisory locks instead (`turns.rs`), so a chunk retried at another instance
//! waits for the first attempt wherever it runs. The periodic tidying (expiry, release, sweep) may
//! run on every instance at once: each item is judged under its turn and removed by a statement
//! that re-checks it, so a second run finds nothing left to do. Not shared, by design: the Argon2
//! gate and connection caps (per machine), and the token-signing key, which lives outside the
//! database: every instance must be given the same (`TECHO_SERVER_TOKEN_SECRET`, or one key file).
//!
//! **Schema**: numbered migrations of its own (`migrations/NNNN_*.sql`), applied in order at
//! open under an advisory lock (instances starting together apply each once) and recorded in
//! `schema_migrations`; a database newer than this server is refused.

mod accounts;
mod blob_bytes;
mod blobs;
mod institutions;
mod records;
pub mod scratch;
mod turns;

pub use blob_bytes::DbBlobFiles;

use super::blobs::BlobFiles;
use super::{StorageError, StorageResult};
use postgres::error::SqlState;
use postgres::types::ToSql;
use postgres::{Client, Config, IsolationLevel, NoTls, Row, Statement};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;

const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("migrations/0001_accounts.sql")),
    (2, include_str!("migrations/0002_records.sql")),
    (3, include_str!("migrations/0003_institutions.sql")),
    (4, include_str!("migrations/0004_blobs.sql")),
    (5, include_str!("migrations/0005_blob_bytes.sql")),
    (6, include_str!("migrations/0006_record_replica.sql")),
];

/// Connections one server instance opens at most; requests beyond wait for one.
pub const MAX_CONNECTIONS: usize = 8;
/// How long a request waits for a free connection, a lock or a statement before failing as
/// `Unavailable` (SQLite's busy timeout is the same).
const WAIT: Duration = Duration::from_secs(10);
/// Runs of a write transaction the database aborted as a serialization failure or deadlock.
const ATTEMPTS: u32 = 5;

/// Namespaces of the advisory locks (the first key of `pg_advisory_xact_lock(int, int)`, or of
/// `pg_advisory_lock(int, int)` for the session-scoped turns of `turns.rs`).
#[derive(Clone, Copy)]
enum Turn {
    Migrations = 1,
    Writer = 2,
    Uploads = 3,
    Devices = 4,
    SignIns = 5,
    /// Session-scoped, across requests of every instance: an upload's requests
    /// (`crate::blob_service`).
    Upload = 6,
    /// Session-scoped: a stored blob's bytes changing owner (promoted, recorded, released, swept).
    BlobBytes = 7,
}

pub struct PostgresStorage {
    db: Arc<Db>,
    files: Arc<dyn BlobFiles>,
    turns: turns::AdvisoryTurns,
}

/// The pool and the transactions run on it, shared by the stores and the blob bytes.
struct Db {
    pool: Pool,
}

impl PostgresStorage {
    /// The database at `url` (`postgres://user@host/db`, or a socket directory as the host:
    /// `postgres://user@%2Frun%2Fpostgresql/db`), migrated to this server's schema, with blob
    /// bytes kept by `files`.
    pub fn open(url: &str, files: Arc<dyn BlobFiles>) -> StorageResult<Self> {
        Self::open_with(url, |_| files)
    }

    /// The database at `url`, keeping blob bytes in it too ([`DbBlobFiles`]): every instance
    /// over the database reaches them, with nothing shared but the database.
    pub fn open_self_contained(url: &str) -> StorageResult<Self> {
        Self::open_with(url, |db| Arc::new(blob_bytes::DbBlobFiles::new(db.clone())))
    }

    fn open_with(url: &str, files: impl FnOnce(&Arc<Db>) -> Arc<dyn BlobFiles>) -> StorageResult<Self> {
        let mut config: Config =
            url.parse().map_err(|_| StorageError::Unavailable("the database URL is not a PostgreSQL URL".into()))?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(WAIT);
        }
        let db = Arc::new(Db { pool: Pool::new(config.clone(), MAX_CONNECTIONS) });
        db.migrate()?;
        db.run(|s| {
            s.exec(
                "INSERT INTO \"server_meta\" (\"key\", \"value\") VALUES ('epoch', $1) ON CONFLICT (\"key\") DO NOTHING",
                &[&random_hex(8)?],
            )?;
            Ok(())
        })?;
        let files = files(&db);
        Ok(Self { db, files, turns: turns::AdvisoryTurns::new(Pool::new(config, turns::MAX_HOLDERS)) })
    }

    fn run<T>(&self, work: impl FnMut(&mut Session<'_>) -> StorageResult<T>) -> StorageResult<T> {
        self.db.run(work)
    }

    fn snapshot<T>(&self, work: impl FnMut(&mut Session<'_>) -> StorageResult<T>) -> StorageResult<T> {
        self.db.snapshot(work)
    }
}

impl Db {
    fn migrate(&self) -> StorageResult<()> {
        let mut conn = self.pool.get()?;
        let client = &mut conn.client;
        let mut tx = client.transaction()?;
        tx.execute("SELECT pg_advisory_xact_lock($1, 0)", &[&(Turn::Migrations as i32)])?;
        tx.batch_execute(
            "CREATE TABLE IF NOT EXISTS \"schema_migrations\" (\"version\" BIGINT PRIMARY KEY, \"applied_at\" BIGINT NOT NULL)",
        )?;
        let found: i64 = tx.query_one("SELECT COALESCE(MAX(\"version\"), 0) FROM \"schema_migrations\"", &[])?.get(0);
        let latest = MIGRATIONS.last().map_or(0, |m| m.0);
        if found > latest {
            return Err(StorageError::Unavailable(format!(
                "database schema {found} is newer than this server ({latest})"
            )));
        }
        for (version, sql) in MIGRATIONS.iter().filter(|m| m.0 > found) {
            tx.batch_execute(sql)?;
            tx.execute(
                "INSERT INTO \"schema_migrations\" (\"version\", \"applied_at\") VALUES ($1, $2)",
                &[version, &crate::state::now_ms()],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// `work` in one read-committed transaction, committed if it returns `Ok`; run again when
    /// the database aborted it as a serialization failure or deadlock.
    fn run<T>(&self, mut work: impl FnMut(&mut Session<'_>) -> StorageResult<T>) -> StorageResult<T> {
        self.transaction(IsolationLevel::ReadCommitted, false, &mut work)
    }

    /// `work` in one read-only snapshot: every statement sees the same committed state.
    fn snapshot<T>(&self, mut work: impl FnMut(&mut Session<'_>) -> StorageResult<T>) -> StorageResult<T> {
        self.transaction(IsolationLevel::RepeatableRead, true, &mut work)
    }

    fn transaction<T>(
        &self,
        isolation: IsolationLevel,
        read_only: bool,
        work: &mut dyn FnMut(&mut Session<'_>) -> StorageResult<T>,
    ) -> StorageResult<T> {
        let mut attempt = 1;
        loop {
            let mut conn = self.pool.get()?;
            let Conn { client, statements } = &mut *conn;
            let tx = client.build_transaction().isolation_level(isolation).read_only(read_only).start()?;
            let mut session = Session { tx, statements, retry: false };
            let (outcome, retry) = match work(&mut session) {
                Ok(value) => match session.tx.commit() {
                    Ok(()) => (Ok(value), false),
                    Err(e) => {
                        let retry = retryable(&e);
                        (Err(e.into()), retry)
                    }
                },
                // Dropping the session rolls the transaction back.
                Err(e) => (Err(e), session.retry),
            };
            match outcome {
                Err(_) if retry && attempt < ATTEMPTS => {
                    attempt += 1;
                    std::thread::sleep(Duration::from_millis(u64::from(attempt) * 5));
                }
                other => return other,
            }
        }
    }
}

fn random_hex(n: usize) -> StorageResult<String> {
    let mut b = vec![0u8; n];
    getrandom::fill(&mut b).map_err(|_| StorageError::Unavailable("no system randomness".into()))?;
    Ok(hex::encode(b))
}

/// The second key of an advisory lock: a hash of what takes turns.
fn turn_key(parts: &[&[u8]]) -> i32 {
    let mut h = Sha256::new();
    for p in parts {
        h.update((p.len() as u64).to_le_bytes());
        h.update(p);
    }
    let d = h.finalize();
    i32::from_le_bytes([d[0], d[1], d[2], d[3]])
}

/// Whether the database gave up on the transaction in a way that running it again can cure.
fn retryable(e: &postgres::Error) -> bool {
    matches!(e.code(), Some(c) if *c == SqlState::T_R_SERIALIZATION_FAILURE || *c == SqlState::T_R_DEADLOCK_DETECTED)
}

/// The one mapping of PostgreSQL's errors: the SQLSTATE only (messages and details may quote
/// the values of a statement, which can be a patient's).
impl From<postgres::Error> for StorageError {
    fn from(e: postgres::Error) -> Self {
        match e.code() {
            Some(c) if *c == SqlState::UNIQUE_VIOLATION => Self::AlreadyExists,
            Some(c) if retryable(&e) => Self::Unavailable(format!("transaction aborted ({}), retry", c.code())),
            Some(c) if *c == SqlState::LOCK_NOT_AVAILABLE || *c == SqlState::QUERY_CANCELED => {
                Self::Unavailable("database busy".into())
            }
            Some(c) => Self::Unavailable(format!("database error {}", c.code())),
            None if e.is_closed() => Self::Unavailable("database connection closed".into()),
            None => Self::Unavailable(
                match std::error::Error::source(&e).and_then(|s| s.downcast_ref::<std::io::Error>()) {
                    Some(io) => format!("database unreachable ({:?})", io.kind()),
                    None => "database unreachable".into(),
                },
            ),
        }
    }
}

/// One pooled connection and the statements prepared on it.
struct Conn {
    client: Client,
    statements: HashMap<&'static str, Statement>,
}

/// A transaction on a pooled connection, with its prepared statements.
struct Session<'c> {
    tx: postgres::Transaction<'c>,
    statements: &'c mut HashMap<&'static str, Statement>,
    retry: bool,
}

type Params<'a> = &'a [&'a (dyn ToSql + Sync)];

impl Session<'_> {
    fn statement(&mut self, sql: &'static str) -> StorageResult<Statement> {
        if let Some(s) = self.statements.get(sql) {
            return Ok(s.clone());
        }
        let s = self.tx.prepare(sql).map_err(|e| self.fail(e))?;
        self.statements.insert(sql, s.clone());
        Ok(s)
    }

    fn fail(&mut self, e: postgres::Error) -> StorageError {
        if retryable(&e) {
            self.retry = true;
        }
        e.into()
    }

    fn exec(&mut self, sql: &'static str, params: Params<'_>) -> StorageResult<u64> {
        let s = self.statement(sql)?;
        self.tx.execute(&s, params).map_err(|e| self.fail(e))
    }

    fn all(&mut self, sql: &'static str, params: Params<'_>) -> StorageResult<Vec<Row>> {
        let s = self.statement(sql)?;
        self.tx.query(&s, params).map_err(|e| self.fail(e))
    }

    fn opt(&mut self, sql: &'static str, params: Params<'_>) -> StorageResult<Option<Row>> {
        let s = self.statement(sql)?;
        self.tx.query_opt(&s, params).map_err(|e| self.fail(e))
    }

    fn one(&mut self, sql: &'static str, params: Params<'_>) -> StorageResult<Row> {
        let s = self.statement(sql)?;
        self.tx.query_one(&s, params).map_err(|e| self.fail(e))
    }

    /// Waits for this transaction's turn at `turn` for `key` (held until it ends).
    fn take_turn(&mut self, turn: Turn, key: i32) -> StorageResult<()> {
        self.exec("SELECT pg_advisory_xact_lock($1, $2)", &[&(turn as i32), &key])?;
        Ok(())
    }

    /// Waits for the patient's lock (held until the transaction ends); see the module doc.
    fn lock_patient(&mut self, patient: super::ResidentId) -> StorageResult<()> {
        self.opt("SELECT 1 FROM \"residents\" WHERE \"id\" = $1 FOR NO KEY UPDATE", &[&patient])?;
        Ok(())
    }
}

/// Hands out connections, opening up to `max`; a closed one is dropped when it comes back.
struct Pool {
    config: Config,
    state: Mutex<PoolState>,
    freed: Condvar,
    max: usize,
}

struct PoolState {
    idle: Vec<Conn>,
    open: usize,
}

struct Pooled<'p> {
    pool: &'p Pool,
    conn: Option<Conn>,
}

impl std::ops::Deref for Pooled<'_> {
    type Target = Conn;
    fn deref(&self) -> &Conn {
        self.conn.as_ref().expect("present until dropped")
    }
}

impl std::ops::DerefMut for Pooled<'_> {
    fn deref_mut(&mut self) -> &mut Conn {
        self.conn.as_mut().expect("present until dropped")
    }
}

impl Pooled<'_> {
    /// Closes the connection instead of giving it back (its session state is not known).
    fn discard(mut self) {
        if let Some(conn) = self.conn.take() {
            self.pool.lock().open -= 1;
            self.pool.freed.notify_one();
            drop(conn);
        }
    }
}

impl Drop for Pooled<'_> {
    fn drop(&mut self) {
        let Some(conn) = self.conn.take() else { return };
        let mut state = self.pool.lock();
        if conn.client.is_closed() {
            state.open -= 1;
        } else {
            state.idle.push(conn);
        }
        self.pool.freed.notify_one();
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        // Closing a client blocks on its own runtime, which panics on a thread that drives an
        // async one (the server drops its state on one at shutdown): closed on a thread of their own.
        let idle = std::mem::take(&mut self.state.get_mut().unwrap_or_else(|p| p.into_inner()).idle);
        if !idle.is_empty() {
            let _ = std::thread::spawn(move || drop(idle)).join();
        }
    }
}

impl Pool {
    fn new(config: Config, max: usize) -> Self {
        Self { config, state: Mutex::new(PoolState { idle: Vec::new(), open: 0 }), freed: Condvar::new(), max }
    }

    fn lock(&self) -> MutexGuard<'_, PoolState> {
        // The state is a list and a count, consistent at every await point of a panic.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn get(&self) -> StorageResult<Pooled<'_>> {
        let deadline = std::time::Instant::now() + WAIT;
        let mut state = self.lock();
        loop {
            if let Some(conn) = state.idle.pop() {
                return Ok(Pooled { pool: self, conn: Some(conn) });
            }
            if state.open < self.max {
                state.open += 1;
                drop(state);
                return match self.connect() {
                    Ok(conn) => Ok(Pooled { pool: self, conn: Some(conn) }),
                    Err(e) => {
                        self.lock().open -= 1;
                        self.freed.notify_one();
                        Err(e)
                    }
                };
            }
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                return Err(StorageError::Unavailable("no database connection free".into()));
            }
            state = self.freed.wait_timeout(state, left).unwrap_or_else(|p| p.into_inner()).0;
        }
    }

    fn connect(&self) -> StorageResult<Conn> {
        let mut client = self.config.connect(NoTls)?;
        // Waits are bounded as SQLite's busy timeout bounds them: a stuck lock fails the request
        // (Unavailable, retried by the client) instead of holding a connection for ever.
        client.batch_execute("SET lock_timeout = '10s'; SET statement_timeout = '60s'")?;
        Ok(Conn { client, statements: HashMap::new() })
    }
}
