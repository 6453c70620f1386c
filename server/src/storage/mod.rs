//! Server persistence, one trait per concern, so a PostgreSQL backend can slot in beside SQLite.
//!
//! - [`accounts`]: residents, activation codes, devices and their sessions (refresh-token
//!   families), failed sign-in counters.
//! - [`institutions`]: pharmacies (and later care providers) that write on a patient's behalf,
//!   their credentials, and what they submitted, as received.
//! - [`records`]: the synced records of every family, the per-patient change sequence and the
//!   idempotency ledgers — as primitives only. What a push means (replays, duplicates,
//!   conflicts) is decided in `crate::sync_service`, so a new backend never re-implements it.
//!
//! - [`blobs`]: photo blobs per patient (content-addressed by sha256, what records point at),
//!   uploads in progress, each account's usage and the blobs no live record refers to any more
//!   ([`BlobStore`]; the references are written with the records, [`RecordTx`]), and where the bytes are
//!   ([`BlobFiles`]: [`fs_blobs`] keeps them as files under the data directory, and an
//!   S3-compatible store can take its place). What an upload means (durability order, hash
//!   check, crash repair) is decided in `crate::blob_service`.
//!
//! Still to come, as its own trait and module here, joined into [`Storage`] when it arrives:
//! `consent` (proxies' consents and the append-only audit log).
//!
//! Backends live in their own modules (`sqlite`, `postgres`) and share one test suite
//! (`server/tests/storage_backends.rs`).

pub mod accounts;
pub mod blobs;
pub mod fs_blobs;
pub mod institutions;
mod postgres;
pub mod records;
mod sqlite;

pub use accounts::{AccountStore, NewSession, NextRefresh, PresentedRefresh, RefreshOutcome, Resident, ThrottleRule};
pub use blobs::{Begun, Blob, BlobFiles, BlobStore, NewUpload, SharedTurns, TurnHolder, TurnOn, Upload};
pub use fs_blobs::FsBlobFiles;
pub use institutions::{Institution, InstitutionId, InstitutionStore};
pub use postgres::scratch;
pub use postgres::{DbBlobFiles, PostgresStorage};
pub use records::{Head, LedgerEntry, NewRecord, PullPage, RecordStore, RecordTx, StoredVersion, Writer};
pub use sqlite::SqliteStorage;

use sha2::{Digest, Sha256};

pub type ResidentId = i64;

/// The storage layer's one error type; converted to the API's once, in `crate::error`.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The database is busy or failed: the request may be retried.
    #[error("storage unavailable: {0}")]
    Unavailable(String),
    #[error("not found")]
    NotFound,
    #[error("already exists")]
    AlreadyExists,
    #[error("stored data is damaged: {0}")]
    Corrupt(&'static str),
}

pub type StorageResult<T> = Result<T, StorageError>;

/// Everything the server keeps: what the routes and the sync service are handed.
pub trait Storage: AccountStore + RecordStore + InstitutionStore + BlobStore {}

impl<T: AccountStore + RecordStore + InstitutionStore + BlobStore + ?Sized> Storage for T {}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}
