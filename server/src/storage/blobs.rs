//! Photo blobs: what the database knows about them ([`BlobStore`]: stored blobs per patient,
//! uploads in progress, each account's usage) and where their bytes are ([`BlobFiles`]: files
//! beside the database now, an S3-compatible store later). The protocol's rules over the two
//! (durability order, hash check, recovery after a crash) live in `crate::blob_service`, so a
//! new backend implements the primitives only.

use super::{ResidentId, StorageResult};
use std::io;
use std::time::SystemTime;
use techo_protocol::Entity;

/// A blob stored for a patient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blob {
    pub patient: ResidentId,
    pub sha256: String,
    pub size: u64,
    pub mime: String,
    /// The account whose upload stored it: its quota pays for it.
    pub uploaded_by: ResidentId,
}

/// An upload in progress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    pub id: String,
    pub account: ResidentId,
    pub patient: ResidentId,
    pub sha256: String,
    pub size: u64,
    pub mime: String,
    /// Bytes durably received (the file may hold more after a crash; they do not count).
    pub offset: u64,
}

/// What an account asks to upload.
#[derive(Debug, Clone, Copy)]
pub struct NewUpload<'a> {
    /// Random and unguessable; used only if a new upload is created.
    pub id: &'a str,
    pub account: ResidentId,
    pub patient: ResidentId,
    pub sha256: &'a str,
    pub size: u64,
    pub mime: &'a str,
}

impl NewUpload<'_> {
    /// The upload as it stands when created: nothing received yet.
    pub fn started(&self) -> Upload {
        Upload {
            id: self.id.to_owned(),
            account: self.account,
            patient: self.patient,
            sha256: self.sha256.to_owned(),
            size: self.size,
            mime: self.mime.to_owned(),
            offset: 0,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Begun {
    /// The patient already has this blob: nothing to send. The blob counts as claimed now, so
    /// it is not released before the record that will name it arrives.
    Stored(Blob),
    /// This account's upload of the same blob for the same patient, to continue.
    Resumed(Upload),
    Created(Upload),
    /// Stored blobs, uploads in progress and this one would exceed the account's quota.
    OverQuota,
}

pub trait BlobStore: Send + Sync + 'static {
    /// Where this backend keeps the bytes; chosen when the backend is opened.
    fn blob_files(&self) -> &dyn BlobFiles;

    /// Turns that every server process over this store takes, for a backend several processes
    /// serve at once; `None` when one process owns the store and turns inside it are enough.
    fn shared_turns(&self) -> Option<&dyn SharedTurns> {
        None
    }

    /// In one transaction: the stored blob, else the account's upload in progress for the same
    /// (patient, sha256), else a new upload if the account's usage plus `new.size` stays within
    /// `quota_bytes`.
    fn begin_upload(&self, new: &NewUpload<'_>, quota_bytes: u64, now_ms: i64) -> StorageResult<Begun>;
    /// The upload, if it is this account's; another account's answers `None` like an unknown id.
    fn upload(&self, account: ResidentId, id: &str) -> StorageResult<Option<Upload>>;
    /// Moves the durable offset from `from` to `to`; `false` if it was not at `from` (or the
    /// upload is gone).
    fn set_upload_offset(&self, id: &str, from: u64, to: u64, now_ms: i64) -> StorageResult<bool>;
    /// In one transaction: stores the upload's blob (kept as it is if the patient has it
    /// already) and forgets the upload. `NotFound` if the upload is gone.
    fn complete_upload(&self, id: &str, now_ms: i64) -> StorageResult<Blob>;
    /// Forgets the upload (its bytes are the caller's to remove).
    fn discard_upload(&self, id: &str) -> StorageResult<()>;
    /// Uploads not written to since `before_ms`, oldest first.
    fn stale_uploads(&self, before_ms: i64) -> StorageResult<Vec<String>>;
    /// Forgets the upload if it is still not written to since `before_ms`; whether it did.
    fn expire_upload(&self, id: &str, before_ms: i64) -> StorageResult<bool>;
    fn blob(&self, patient: ResidentId, sha256: &str) -> StorageResult<Option<Blob>>;
    /// Whether an upload with this id is in progress, whoever's it is.
    fn upload_exists(&self, id: &str) -> StorageResult<bool>;
    /// Whether any patient's blob or any upload in progress names `sha256`, read at one moment
    /// (a completing upload is one or the other, never neither).
    fn blob_named(&self, sha256: &str) -> StorageResult<bool>;
    /// Bytes the account's quota pays for: its stored blobs and the declared sizes of its uploads
    /// in progress.
    fn storage_used(&self, account: ResidentId) -> StorageResult<u64>;

    /// Once, in one write transaction: the references of every live record stored before
    /// references were kept, as `refs_of` names them (the family registry's knowledge, which
    /// the store has not). `Some(records that refer to a blob)` when it ran, `None` when it had
    /// run already.
    fn fill_blob_refs(
        &self,
        refs_of: &dyn Fn(&Entity, &serde_json::Value) -> Vec<String>,
    ) -> StorageResult<Option<u64>>;
    /// Blobs no live record of their patient refers to, last claimed (stored, or found stored by
    /// an upload) before `claimed_before_ms`, oldest first.
    fn unreferenced_blobs(&self, claimed_before_ms: i64) -> StorageResult<Vec<(ResidentId, String)>>;
    /// Forgets the patient's blob if it is still unreferenced and unclaimed since
    /// `claimed_before_ms`, and never while references are still to be filled
    /// ([`BlobStore::fill_blob_refs`]); whether it did. Its bytes are the caller's to remove.
    fn release_blob(&self, patient: ResidentId, sha256: &str, claimed_before_ms: i64) -> StorageResult<bool>;
}

/// What a turn is taken on (see `crate::blob_service`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TurnOn<'a> {
    /// Every request for the upload with this id.
    Upload(&'a str),
    /// Stored bytes with this sha256 changing owner (promoted, recorded, released, swept).
    BlobBytes(&'a str),
}

/// Turns held across processes: while one holder has a turn, no other holder in any process
/// over the same store gets it.
pub trait SharedTurns: Send + Sync {
    /// Waits for the turn (a bounded wait: `Unavailable` after it), held until the holder is
    /// dropped.
    fn take(&self, on: TurnOn<'_>) -> StorageResult<Box<dyn TurnHolder + '_>>;
}

/// One holder of turns; dropping it gives back every turn it holds.
pub trait TurnHolder {
    /// Takes another turn by the same holder, so a nested turn never waits for a second holder.
    fn take(&mut self, on: TurnOn<'_>) -> StorageResult<()>;
    /// Gives back a turn this holder took with [`TurnHolder::take`].
    fn give_back(&mut self, on: TurnOn<'_>) -> StorageResult<()>;
}

/// The bytes of uploads in progress (by upload id) and of stored blobs (by sha256; the same
/// bytes for every patient that has them, so a blob's file is its content). Names are checked
/// by the routes and again here: an implementation never builds a path from anything else.
pub trait BlobFiles: Send + Sync + 'static {
    /// Length of the upload's partial bytes (0 if there are none yet).
    fn part_len(&self, upload_id: &str) -> io::Result<u64>;
    /// Cuts the partial bytes to `len`: what lies beyond the durable offset was written by a
    /// request whose offset never got stored.
    fn truncate_part(&self, upload_id: &str, len: u64) -> io::Result<()>;
    /// Writes `bytes` at `offset` and returns only once they are durable.
    fn write_part(&self, upload_id: &str, offset: u64, bytes: &[u8]) -> io::Result<()>;
    /// Lower-case hex sha256 of the partial bytes.
    fn part_sha256(&self, upload_id: &str) -> io::Result<String>;
    /// Makes the partial bytes the blob `sha256`, durably and atomically: afterwards the blob is
    /// there whole and the part is gone.
    fn promote(&self, upload_id: &str, sha256: &str) -> io::Result<()>;
    /// Removes the partial bytes, if any.
    fn remove_part(&self, upload_id: &str) -> io::Result<()>;
    /// The stored blob's length, `None` if it is not there.
    fn blob_len(&self, sha256: &str) -> io::Result<Option<u64>>;
    fn read_blob(&self, sha256: &str) -> io::Result<Vec<u8>>;
    /// The upload ids that have partial bytes.
    fn part_ids(&self) -> io::Result<Vec<String>>;
    /// Every stored blob's name, with when its bytes were last written.
    fn stored_blobs(&self) -> io::Result<Vec<(String, SystemTime)>>;
    /// Removes a stored blob's bytes, if any.
    fn remove_blob(&self, sha256: &str) -> io::Result<()>;
}

/// Upload ids are 128 random bits as 32 lower-case hex digits.
pub fn is_upload_id(s: &str) -> bool {
    s.len() == 32 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}
