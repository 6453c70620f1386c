//! Server persistence behind one trait, so the PostgreSQL backend can slot in beside SQLite.

mod sqlite;

pub use sqlite::{SqliteStorage, sha256_hex};

use techo_protocol::sync::{Change, Mutation, MutationResult};

pub type ResidentId = i64;

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

impl From<rusqlite::Error> for StorageError {
    fn from(e: rusqlite::Error) -> Self {
        // Only the result code: messages never carry bound values, but keep it minimal anyway.
        Self::Unavailable(format!("{:?}", e.sqlite_error_code()))
    }
}

pub type StorageResult<T> = Result<T, StorageError>;

#[derive(Debug, Clone)]
pub struct Resident {
    pub id: ResidentId,
    pub hm_code: String,
    pub password_hash: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefreshOutcome {
    /// Valid and now consumed.
    Rotated {
        resident: ResidentId,
    },
    /// Already used once: a copy is in someone else's hands; the device has been signed out.
    Reused,
    Invalid,
}

#[derive(Debug, Clone)]
pub struct PullPage {
    pub changes: Vec<Change>,
    pub last_seq: u64,
    pub has_more: bool,
}

/// Why a pull cannot continue from the given position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PullStart {
    From(u64),
    /// The cursor predates retained history: start over.
    MustRefetch,
}

/// A validated mutation, ready to apply (validation lives above storage).
#[derive(Debug, Clone)]
pub struct CheckedMutation {
    pub mutation: Mutation,
    /// sha256 of the canonical request, for replay detection.
    pub request_hash: String,
    /// The patient it writes to, or the result it must get without touching data.
    pub target: Result<ResidentId, MutationResult>,
}

pub trait Storage: Send + Sync + 'static {
    /// Changes whenever history may have been lost (restore from backup): outstanding cursors
    /// carry the epoch and are refused after a change.
    fn epoch(&self) -> StorageResult<String>;
    fn token_secret(&self) -> StorageResult<Vec<u8>>;

    fn add_resident(&self, hm_code: &str, name: &str, birth_date: &str, now_ms: i64) -> StorageResult<ResidentId>;
    fn add_activation_code(&self, resident: ResidentId, code_hash: &str, expires_at_ms: i64) -> StorageResult<()>;
    /// Consumes the code and sets the password; `NotFound` for an unknown, used or expired code.
    fn activate(&self, hm_code: &str, code_hash: &str, password_hash: &str, now_ms: i64) -> StorageResult<()>;
    fn resident_by_hm_code(&self, hm_code: &str) -> StorageResult<Option<Resident>>;
    /// HM codes of the patients a resident may read and write (their own, for now).
    fn patients_of(&self, resident: ResidentId) -> StorageResult<Vec<(ResidentId, String)>>;

    fn sign_in_device(
        &self,
        resident: ResidentId,
        device_id: &str,
        name: Option<&str>,
        now_ms: i64,
    ) -> StorageResult<()>;
    fn device_signed_in(&self, resident: ResidentId, device_id: &str) -> StorageResult<bool>;
    fn add_refresh_token(
        &self,
        token_hash: &str,
        device_id: &str,
        resident: ResidentId,
        expires_at_ms: i64,
    ) -> StorageResult<()>;
    fn use_refresh_token(&self, token_hash: &str, device_id: &str, now_ms: i64) -> StorageResult<RefreshOutcome>;
    fn sign_out_device(&self, device_id: &str) -> StorageResult<()>;

    /// Applies a batch in order in one transaction, recording each result in the ledger.
    fn push(&self, device_id: &str, batch: Vec<CheckedMutation>, now_ms: i64) -> StorageResult<Vec<MutationResult>>;
    fn pull_start(&self, patient: ResidentId, after: u64) -> StorageResult<PullStart>;
    /// Forgets tombstones deleted before `older_than_ms` (retention, P-Y10); returns how many.
    fn collect_tombstones(&self, older_than_ms: i64) -> StorageResult<u64>;
    fn pull(&self, patient: ResidentId, after: u64, limit: u32) -> StorageResult<PullPage>;

    /// Marks the data as restored from a backup: bumps the epoch so every device refetches.
    fn bump_epoch(&self) -> StorageResult<String>;
}
