//! Resumable uploads and blob downloads without HTTP: the routes call these.
//!
//! The rules over [`BlobStore`](crate::storage::BlobStore) (what the database knows) and
//! [`BlobFiles`] (the bytes), so every backend gets them by implementing the primitives:
//!
//! - A chunk is written and made durable before the offset that counts it is stored: the
//!   offset never claims bytes that are not there. A crash between the two leaves the partial
//!   file longer than the offset; the surplus is cut off when the upload is next touched.
//! - The last chunk makes the bytes hashed; on a match they become the blob (atomically) and
//!   then, in one transaction, the blob is recorded and the upload forgotten. A crash between
//!   the two leaves an upload whose bytes are already the blob: it is completed when next
//!   touched. On a mismatch the upload is discarded, bytes first.
//! - Requests for one upload take turns, so a retried chunk racing its first attempt cannot
//!   interleave writes: in-process locks, or the store's [`SharedTurns`] when several server
//!   processes serve it (advisory locks on PostgreSQL), so the retry may reach any of them.
//! - An upload is its account's: another account's id answers exactly like an unknown one.
//!   Uploads and downloads are for the patients the account may write and read, the same rule
//!   push and pull follow ([`AccountStore::patients_of`](crate::storage::AccountStore::patients_of)).
//! - A stored file changes owner (promoted, recorded, found orphaned and removed) only under
//!   its blob's turn ([`UploadLocks`] keyed by the sha256), so the sweep never removes bytes a
//!   completion is about to record.
//! - Abandoned uploads (no chunk for `Limits::upload_ttl`) are removed by [`expire_uploads`],
//!   and bytes nothing names (what a crash between the two steps above leaves) by
//!   [`sweep_orphan_files`]; the serving process runs both periodically.
//! - A patient's blob is kept while a live record of theirs refers to it (the references the
//!   push path writes with each record, named by the record's family). One that no record
//!   names and that no upload stored or was told about for `Limits::blob_release_grace` is
//!   released by [`release_unreferenced_blobs`]: its row goes (freeing its uploader's quota),
//!   then, under the blob's turn, its file unless another patient's blob or an upload names
//!   the same bytes. Nothing is released before the references of records stored earlier are
//!   filled in ([`fill_blob_refs`]).

use crate::error::{ApiError, ApiResult};
use crate::state::{Limits, now_ms};
use crate::storage::blobs::is_upload_id;
use crate::storage::{
    Begun, Blob, BlobFiles, NewUpload, ResidentId, SharedTurns, Storage, StorageResult, TurnHolder, TurnOn, Upload,
};
use axum::http::StatusCode;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use techo_domain::FamilySpecs;
use techo_protocol::error::ErrorCode;
use techo_protocol::records::BlobRef;
use techo_protocol::uploads::{
    BLOB_MIME_TYPES, MAX_BLOB_BYTES, MAX_CHUNK_BYTES, UploadStart, UploadState, is_sha256_hex,
};

/// One request at a time per upload id, and one owner change at a time per stored blob: within
/// this process, or across processes through the store's [`SharedTurns`] when it has them.
#[derive(Default)]
pub struct UploadLocks {
    held: Mutex<HashMap<String, Arc<Mutex<()>>>>,
}

/// A turn being held; a blob's turn inside it is taken through it (`HeldTurn::with_blob`).
pub struct HeldTurn<'a> {
    locks: &'a UploadLocks,
    shared: Option<Box<dyn TurnHolder + 'a>>,
}

impl HeldTurn<'_> {
    /// `f` in turn with everything else touching the stored file `sha256`. Taken inside an
    /// upload's turn, never the other way round.
    fn with_blob<T>(&mut self, sha256: &str, f: impl FnOnce() -> T) -> StorageResult<T> {
        match self.shared.as_mut() {
            Some(holder) => {
                holder.take(TurnOn::BlobBytes(sha256))?;
                let out = f();
                // If this fails the holder's connection is in doubt; dropping the holder ends it.
                let _ = holder.give_back(TurnOn::BlobBytes(sha256));
                Ok(out)
            }
            None => Ok(self.locks.in_process(&local_key(TurnOn::BlobBytes(sha256)), f)),
        }
    }
}

fn local_key(on: TurnOn<'_>) -> String {
    match on {
        TurnOn::Upload(id) => id.to_owned(),
        // Upload ids are 32 hex digits, so this key can never be one.
        TurnOn::BlobBytes(sha256) => format!("blob:{sha256}"),
    }
}

impl UploadLocks {
    pub fn new() -> Self {
        Self::default()
    }

    /// `f` in the turn `on`: across processes if `storage` has shared turns, else in this one.
    fn with<'a, T>(
        &'a self,
        storage: &'a dyn Storage,
        on: TurnOn<'_>,
        f: impl FnOnce(&mut HeldTurn<'a>) -> T,
    ) -> StorageResult<T> {
        match storage.shared_turns() {
            Some(turns) => {
                let holder = SharedTurns::take(turns, on)?;
                Ok(f(&mut HeldTurn { locks: self, shared: Some(holder) }))
            }
            None => Ok(self.in_process(&local_key(on), || f(&mut HeldTurn { locks: self, shared: None }))),
        }
    }

    fn in_process<T>(&self, id: &str, f: impl FnOnce() -> T) -> T {
        let map = || self.held.lock().unwrap_or_else(|p| p.into_inner());
        let entry = map().entry(id.to_owned()).or_default().clone();
        let out = {
            let _turn = entry.lock().unwrap_or_else(|p| p.into_inner());
            f()
        };
        let mut held = map();
        // Clones are only taken under the map's lock: two owners (the map and this one) means
        // nobody else is waiting, and the entry can go.
        if Arc::strong_count(&entry) == 2 {
            held.remove(id);
        }
        out
    }
}

fn io_failure(e: std::io::Error) -> ApiError {
    tracing::error!(kind = ?e.kind(), "blob file operation failed");
    ApiError::unavailable()
}

fn too_large(message: &str) -> ApiError {
    ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, ErrorCode::PayloadTooLarge, message)
}

fn blob_ref(b: &Blob) -> BlobRef {
    BlobRef {
        id: b.sha256.clone(),
        sha256: b.sha256.clone(),
        size: b.size,
        mime: b.mime.clone(),
        extra: serde_json::Map::new(),
    }
}

fn stored(b: &Blob) -> UploadState {
    UploadState { upload_id: None, offset: b.size, size: b.size, blob: Some(blob_ref(b)) }
}

fn in_progress(u: &Upload, offset: u64) -> UploadState {
    UploadState { upload_id: Some(u.id.clone()), offset, size: u.size, blob: None }
}

fn new_upload_id() -> ApiResult<String> {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).map_err(|_| {
        tracing::error!("no system randomness");
        ApiError::unavailable()
    })?;
    Ok(hex::encode(b))
}

/// The patient `hm_code` if `account` may write and read their records, else `not_found` (as
/// for a patient that does not exist).
fn patient_of(storage: &dyn Storage, account: ResidentId, hm_code: &str) -> ApiResult<ResidentId> {
    storage.patients_of(account)?.into_iter().find(|p| p.1 == hm_code).map(|p| p.0).ok_or_else(ApiError::not_found)
}

enum Held {
    At(u64),
    Done(Blob),
}

/// Where the upload durably stands, after repairing what a crash left: surplus bytes cut off,
/// a promoted blob recorded.
fn held(storage: &dyn Storage, turn: &mut HeldTurn<'_>, u: &Upload) -> ApiResult<Held> {
    let files = storage.blob_files();
    let len = files.part_len(&u.id).map_err(io_failure)?;
    if len >= u.offset {
        files.truncate_part(&u.id, u.offset).map_err(io_failure)?;
        return Ok(Held::At(u.offset));
    }
    let promoted = turn.with_blob(&u.sha256, || -> ApiResult<Option<Blob>> {
        if files.blob_len(&u.sha256).map_err(io_failure)? == Some(u.size) {
            // The bytes matched and were promoted; the transaction recording it never ran.
            return Ok(Some(storage.complete_upload(&u.id, now_ms())?));
        }
        Ok(None)
    })??;
    if let Some(blob) = promoted {
        return Ok(Held::Done(blob));
    }
    // Bytes the offset counts are gone (lost by the disk): continue from what is there.
    tracing::warn!("partial upload shorter than its durable offset; continuing from its length");
    if !storage.set_upload_offset(&u.id, u.offset, len, now_ms())? {
        return Err(ApiError::unavailable());
    }
    Ok(Held::At(len))
}

/// `POST /v1/uploads`: the stored blob, the upload in progress, or a new upload.
pub fn start(
    storage: &dyn Storage,
    locks: &UploadLocks,
    limits: &Limits,
    account: ResidentId,
    req: &UploadStart,
) -> ApiResult<UploadState> {
    if !is_sha256_hex(&req.sha256) {
        return Err(ApiError::malformed("sha256: 64 lower-case hex digits"));
    }
    if !BLOB_MIME_TYPES.contains(&req.mime.as_str()) {
        return Err(ApiError::malformed(format!("mime: one of {}", BLOB_MIME_TYPES.join(", "))));
    }
    if req.size == 0 {
        return Err(ApiError::malformed("size: at least 1 byte"));
    }
    if req.size > MAX_BLOB_BYTES {
        return Err(too_large(&format!("a blob holds at most {MAX_BLOB_BYTES} bytes")));
    }
    let patient = patient_of(storage, account, &req.patient)?;
    let id = new_upload_id()?;
    let new = NewUpload { id: &id, account, patient, sha256: &req.sha256, size: req.size, mime: &req.mime };
    match storage.begin_upload(&new, limits.blob_quota_bytes, now_ms())? {
        Begun::Stored(b) => Ok(stored(&b)),
        Begun::Created(u) => Ok(in_progress(&u, 0)),
        Begun::Resumed(u) => locks.with(storage, TurnOn::Upload(&u.id), |turn| answer(storage, turn, &u))?,
        Begun::OverQuota => Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::QuotaExceeded,
            "this account's storage for photos is full",
        )),
    }
}

fn answer(storage: &dyn Storage, turn: &mut HeldTurn<'_>, u: &Upload) -> ApiResult<UploadState> {
    Ok(match held(storage, turn, u)? {
        Held::At(offset) => in_progress(u, offset),
        Held::Done(b) => stored(&b),
    })
}

fn own_upload(storage: &dyn Storage, account: ResidentId, id: &str) -> ApiResult<Upload> {
    if !is_upload_id(id) {
        return Err(ApiError::not_found());
    }
    storage.upload(account, id)?.ok_or_else(ApiError::not_found)
}

/// `GET /v1/uploads/{id}`: where to continue.
pub fn status(storage: &dyn Storage, locks: &UploadLocks, account: ResidentId, id: &str) -> ApiResult<UploadState> {
    if !is_upload_id(id) {
        return Err(ApiError::not_found());
    }
    locks.with(storage, TurnOn::Upload(id), |turn| answer(storage, turn, &own_upload(storage, account, id)?))?
}

/// `PATCH /v1/uploads/{id}`: `chunk` at `offset`, which must be where the upload stands.
pub fn write_chunk(
    storage: &dyn Storage,
    locks: &UploadLocks,
    account: ResidentId,
    id: &str,
    offset: u64,
    chunk: &[u8],
) -> ApiResult<UploadState> {
    if !is_upload_id(id) {
        return Err(ApiError::not_found());
    }
    if chunk.len() > MAX_CHUNK_BYTES {
        return Err(too_large(&format!("a chunk holds at most {MAX_CHUNK_BYTES} bytes")));
    }
    locks.with(storage, TurnOn::Upload(id), |turn| {
        let u = own_upload(storage, account, id)?;
        let at = match held(storage, turn, &u)? {
            Held::At(at) => at,
            Held::Done(b) => return Ok(stored(&b)),
        };
        if offset != at {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                ErrorCode::UploadOffsetMismatch,
                format!("the upload continues at offset {at}"),
            ));
        }
        let end = at + chunk.len() as u64;
        if end > u.size {
            return Err(too_large("the chunk goes past the size announced"));
        }
        if chunk.is_empty() {
            return Ok(in_progress(&u, at));
        }
        let files = storage.blob_files();
        // Durable bytes first: the offset must never count what a crash could lose.
        files.write_part(id, at, chunk).map_err(io_failure)?;
        if end < u.size {
            if !storage.set_upload_offset(id, at, end, now_ms())? {
                return Err(ApiError::unavailable());
            }
            return Ok(in_progress(&u, end));
        }
        if files.part_sha256(id).map_err(io_failure)? != u.sha256 {
            discard(storage, files, id)?;
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorCode::BlobHashMismatch,
                "the bytes do not have the sha256 announced; the upload was discarded",
            ));
        }
        turn.with_blob(&u.sha256, || {
            files.promote(id, &u.sha256).map_err(io_failure)?;
            Ok(stored(&storage.complete_upload(id, now_ms())?))
        })?
    })?
}

/// Bytes first: a crash between leaves an upload that restarts from what is left, never bytes
/// that nothing names.
fn discard(storage: &dyn Storage, files: &dyn BlobFiles, id: &str) -> ApiResult<()> {
    files.remove_part(id).map_err(io_failure)?;
    storage.discard_upload(id)?;
    Ok(())
}

/// `GET /v1/blobs/{patient}/{sha256}`: the blob's media type and bytes.
pub fn download(
    storage: &dyn Storage,
    account: ResidentId,
    hm_code: &str,
    sha256: &str,
) -> ApiResult<(String, Vec<u8>)> {
    if !is_sha256_hex(sha256) {
        return Err(ApiError::not_found());
    }
    let patient = patient_of(storage, account, hm_code)?;
    let blob = storage.blob(patient, sha256)?.ok_or_else(ApiError::not_found)?;
    let bytes = storage.blob_files().read_blob(sha256).map_err(io_failure)?;
    if bytes.len() as u64 != blob.size {
        tracing::error!("a stored blob's file has the wrong length");
        return Err(ApiError::unavailable());
    }
    Ok((blob.mime, bytes))
}

/// Removes uploads with no chunk since `before_ms`, with their bytes; returns how many.
pub fn expire_uploads(storage: &dyn Storage, locks: &UploadLocks, before_ms: i64) -> StorageResult<usize> {
    let mut removed = 0;
    for id in storage.stale_uploads(before_ms)? {
        // A chunk may have arrived since the listing: the row goes only if still stale. Row
        // before bytes, so a chunk cannot land in bytes about to vanish; a crash between leaves
        // an orphaned partial file, which names nobody.
        let expired = locks.with(storage, TurnOn::Upload(&id), |_| storage.expire_upload(&id, before_ms))??;
        if expired {
            if let Err(e) = storage.blob_files().remove_part(&id) {
                tracing::warn!(kind = ?e.kind(), "an expired upload's bytes could not be removed");
            }
            removed += 1;
        }
    }
    Ok(removed)
}

/// Files a sweep removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Swept {
    /// Partial bytes of uploads that are gone (a crash between forgetting an upload and
    /// removing its bytes).
    pub parts: usize,
    /// Stored files no patient's blob and no upload names (a crash after a promotion whose
    /// upload then expired), written before the cut-off.
    pub blobs: usize,
}

/// Removes bytes nothing names: partial files of uploads that are gone, and stored files
/// written before `before` that no patient's blob or upload in progress names. Each file is
/// judged in its upload's or blob's turn, so a request in flight keeps its bytes; `before`
/// keeps even files of a request this process does not see (another instance) for a day.
pub fn sweep_orphan_files(
    storage: &dyn Storage,
    locks: &UploadLocks,
    before: std::time::SystemTime,
) -> StorageResult<Swept> {
    let files = storage.blob_files();
    let mut swept = Swept::default();
    for id in files.part_ids().map_err(file_failure)? {
        // An upload's row is made before its first byte is written and never comes back once
        // gone, so a file without one is not about to be used.
        let removed = locks.with(storage, TurnOn::Upload(&id), |_| {
            remove_unless(storage.upload_exists(&id), || files.remove_part(&id))
        })??;
        swept.parts += usize::from(removed);
    }
    for (sha256, written) in files.stored_blobs().map_err(file_failure)? {
        if written >= before {
            continue;
        }
        let removed = locks.with(storage, TurnOn::BlobBytes(&sha256), |_| {
            remove_unless(storage.blob_named(&sha256), || files.remove_blob(&sha256))
        })??;
        swept.blobs += usize::from(removed);
    }
    Ok(swept)
}

/// Runs `remove` unless the database `named` the file; whether it did.
fn remove_unless(named: StorageResult<bool>, remove: impl FnOnce() -> std::io::Result<()>) -> StorageResult<bool> {
    if named? {
        return Ok(false);
    }
    remove().map_err(file_failure)?;
    Ok(true)
}

fn file_failure(e: std::io::Error) -> crate::storage::StorageError {
    crate::storage::StorageError::Unavailable(format!("blob files: {:?}", e.kind()))
}

/// Fills in, once, the blob references of records stored before the server kept them, as the
/// record families name them; `Some(records that refer to a blob)` when it ran now.
pub fn fill_blob_refs(storage: &dyn Storage, families: &FamilySpecs) -> StorageResult<Option<u64>> {
    storage.fill_blob_refs(&|entity, payload| families.get(entity).map(|s| s.blobs(payload)).unwrap_or_default())
}

/// What a release removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Released {
    /// Patients' blobs forgotten: no longer downloadable, no longer counted in any quota.
    pub blobs: usize,
    /// Stored files removed with them (bytes no other patient's blob or upload names).
    pub files: usize,
}

/// Releases every blob no live record of its patient refers to and that was last claimed
/// (stored, or found stored by an upload) before `claimed_before_ms`, after filling in the
/// references of older records if that is still to do. Each blob is released in its turn
/// ([`UploadLocks`] by sha256), so an upload completing the same bytes keeps its file; a crash
/// between forgetting the row and removing the file leaves a file nothing names, which
/// [`sweep_orphan_files`] removes.
pub fn release_unreferenced_blobs(
    storage: &dyn Storage,
    families: &FamilySpecs,
    locks: &UploadLocks,
    claimed_before_ms: i64,
) -> StorageResult<Released> {
    fill_blob_refs(storage, families)?;
    let mut released = Released::default();
    for (patient, sha256) in storage.unreferenced_blobs(claimed_before_ms)? {
        let file_removed = locks.with(storage, TurnOn::BlobBytes(&sha256), |_| {
            release_one(storage, patient, &sha256, claimed_before_ms)
        })??;
        if let Some(removed) = file_removed {
            released.blobs += 1;
            released.files += usize::from(removed);
        }
    }
    Ok(released)
}

/// Forgets the patient's blob if it is still to be released, then its file unless something
/// else names the bytes: `None` if the blob stayed, else whether the file went.
fn release_one(
    storage: &dyn Storage,
    patient: ResidentId,
    sha256: &str,
    claimed_before_ms: i64,
) -> StorageResult<Option<bool>> {
    // A push or an upload since the listing may have claimed it: the row goes only if not.
    if !storage.release_blob(patient, sha256, claimed_before_ms)? {
        return Ok(None);
    }
    let files = storage.blob_files();
    remove_unless(storage.blob_named(sha256), || files.remove_blob(sha256)).map(Some)
}

/// What one round of tidying did; `None` for the daily parts on the other rounds.
struct Tidied {
    expired: StorageResult<usize>,
    released: Option<StorageResult<Released>>,
    swept: Option<StorageResult<Swept>>,
}

fn millis(d: std::time::Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// Expires abandoned uploads; with `daily`, also releases unreferenced blobs and sweeps
/// orphaned files.
fn tidy_once(st: &crate::state::AppState, daily: bool) -> Tidied {
    let storage = st.storage.as_ref();
    let ttl = st.limits.upload_ttl;
    let expired = expire_uploads(storage, &st.uploads, now_ms().saturating_sub(millis(ttl)));
    if !daily {
        return Tidied { expired, released: None, swept: None };
    }
    // The grace must outlast the gap between a device's upload and the push of the record that
    // names it; a device may already pause that long between two chunks, so never less.
    let grace = st.limits.blob_release_grace.max(ttl);
    let released =
        release_unreferenced_blobs(storage, &st.families, &st.uploads, now_ms().saturating_sub(millis(grace)));
    let swept =
        std::time::SystemTime::now().checked_sub(ttl).map(|before| sweep_orphan_files(storage, &st.uploads, before));
    Tidied { expired, released: Some(released), swept }
}

fn report(t: Tidied) {
    match t.expired {
        Ok(0) => {}
        Ok(n) => tracing::info!(removed = n, "abandoned uploads expired"),
        Err(e) => tracing::warn!(error = %e, "expiring abandoned uploads failed"),
    }
    match t.released {
        None | Some(Ok(Released { blobs: 0, .. })) => {}
        Some(Ok(r)) => tracing::info!(blobs = r.blobs, files = r.files, "unreferenced blobs released"),
        Some(Err(e)) => tracing::warn!(error = %e, "releasing unreferenced blobs failed"),
    }
    match t.swept {
        None | Some(Ok(Swept { parts: 0, blobs: 0 })) => {}
        Some(Ok(s)) => tracing::info!(parts = s.parts, blobs = s.blobs, "orphaned upload files removed"),
        Some(Err(e)) => tracing::warn!(error = %e, "sweeping orphaned upload files failed"),
    }
}

/// What the serving process does every `every`: expires uploads idle longer than
/// `Limits::upload_ttl` ([`expire_uploads`]), and on the first run and every `sweep_every`-th
/// after it releases blobs no record refers to ([`release_unreferenced_blobs`]) and removes
/// orphaned files older than the upload TTL ([`sweep_orphan_files`]), which read every blob and
/// every stored file and so run less often.
pub async fn tidy_periodically(state: crate::state::SharedState, every: std::time::Duration, sweep_every: u32) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    for run in 0u64.. {
        tick.tick().await;
        let st = state.clone();
        let daily = run % u64::from(sweep_every.max(1)) == 0;
        match tokio::task::spawn_blocking(move || tidy_once(&st, daily)).await {
            Ok(tidied) => report(tidied),
            Err(_) => tracing::warn!("tidying uploads failed"),
        }
    }
}
