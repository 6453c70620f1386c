//! Photo pages and previews as content-addressed blobs inside the encrypted database, and their
//! uploads as outbox entries that the records showing them wait for.
//!
//! A blob's upload is queued in the outbox under the reserved name [`UPLOAD_ENTITY`], in the
//! same transaction as the blob and the record, so the record's entry can wait for it
//! (`outbox_waits`) and is never pushed before the server holds the bytes (matrix-rust-sdk's send
//! queue does the same for media). Upload entries are not mutations: the engine sends them
//! through the upload endpoints, chunk by chunk, and the acknowledged offset is kept after every
//! chunk so a killed app continues where it stopped. Nothing here knows which family a blob
//! belongs to.

use super::Store;
use super::outbox::{NewEntry, OutboxEntry, WAITING, enqueue, wait_for};
use crate::domain::Profile;
use crate::error::{Error, Result};
use rusqlite::{OptionalExtension, Transaction, params};
use sha2::{Digest, Sha256};
use techo_protocol::records::{BlobRef, PhotoPage};
use techo_protocol::uploads::UploadStart;
use techo_protocol::{Entity, Op};

/// The outbox's name for a blob upload: not a record family, never pushed as a mutation.
pub const UPLOAD_ENTITY: &str = "blob";

/// The next upload the engine should work on.
#[derive(Clone, PartialEq, Eq)]
pub struct UploadTask {
    /// The outbox entry (what dependants wait for).
    pub seq: i64,
    pub start: UploadStart,
    /// The server's id of an upload in progress, with what it acknowledged.
    pub upload_id: Option<String>,
    pub offset: u64,
    /// False when the bytes are no longer on this device (a damaged database carried over):
    /// the upload cannot be done and is set aside with its dependants.
    pub has_bytes: bool,
}

impl std::fmt::Debug for UploadTask {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UploadTask")
            .field("seq", &self.seq)
            .field("size", &self.start.size)
            .field("offset", &self.offset)
            .finish_non_exhaustive()
    }
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Keeps `bytes` for `profile` and queues their upload (unless it is queued or done already),
/// inside the caller's transaction; returns what a record names. Uploads wait for nothing; the
/// record that names the photo waits for its upload ([`uploads_named`]).
pub(crate) fn keep_blob(
    tx: &Transaction<'_>,
    profile: &Profile,
    mime: &str,
    bytes: &[u8],
    now_ms: i64,
) -> Result<BlobRef> {
    let sha256 = sha256_hex(bytes);
    let size = bytes.len() as u64;
    let blob =
        BlobRef { id: sha256.clone(), sha256: sha256.clone(), size, mime: mime.to_owned(), extra: Default::default() };
    let profile_id = profile.id.to_string();
    let known: Option<(i64, i64)> = tx
        .query_row(
            "SELECT \"uploaded_offset\", \"size\" FROM \"blobs\" WHERE \"profile_id\" = ?1 AND \"sha256\" = ?2",
            params![profile_id, sha256],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    match known {
        Some((done, total)) if done == total => {
            // Downloaded or uploaded before; keep the bytes if we only had the reference.
            tx.execute(
                "UPDATE \"blobs\" SET \"bytes\" = ?3 WHERE \"profile_id\" = ?1 AND \"sha256\" = ?2 AND \"bytes\" IS NULL",
                params![profile_id, sha256, bytes],
            )?;
            return Ok(blob);
        }
        Some(_) => {
            // Its upload is queued already (unless the person set it aside).
            let queued: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM \"outbox\" WHERE \"entity\" = ?1 AND \"entity_id\" = ?2 AND \"patient\" = ?3)",
                params![UPLOAD_ENTITY, sha256, profile.hm_code.as_str()],
                |r| r.get(0),
            )?;
            if queued {
                return Ok(blob);
            }
        }
        None => {
            tx.execute(
                "INSERT INTO \"blobs\" (\"sha256\", \"profile_id\", \"mime\", \"size\", \"bytes\", \"stored_at_ms\") \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![sha256, profile_id, mime, size as i64, bytes, now_ms],
            )?;
        }
    }
    queue_upload(tx, profile, &blob, now_ms)?;
    Ok(blob)
}

fn queue_upload(tx: &Transaction<'_>, profile: &Profile, blob: &BlobRef, now_ms: i64) -> Result<i64> {
    let start = UploadStart {
        patient: profile.hm_code.to_string(),
        sha256: blob.sha256.clone(),
        size: blob.size,
        mime: blob.mime.clone(),
    };
    let entry = NewEntry::new(&profile.hm_code, Entity::parse(UPLOAD_ENTITY), blob.sha256.clone(), Op::Create);
    enqueue(tx, entry, &start, now_ms)
}

/// The queued uploads of the photos `pages` show (image and preview): what a record showing
/// them waits for, and nothing else, so a photo that cannot be sent holds back only the records
/// that show it.
pub(crate) fn uploads_named(tx: &Transaction<'_>, profile: &Profile, pages: &[PhotoPage]) -> Result<Vec<i64>> {
    let shas: Vec<String> = pages.iter().flat_map(|p| [p.image.sha256.clone(), p.thumbnail.sha256.clone()]).collect();
    let shas = serde_json::to_string(&shas).map_err(|_| Error::Corrupt("photo list"))?;
    let mut stmt = tx.prepare_cached(
        "SELECT \"seq\" FROM \"outbox\" WHERE \"entity\" = ?1 AND \"patient\" = ?2 \
         AND \"entity_id\" IN (SELECT value FROM json_each(?3)) ORDER BY \"seq\"",
    )?;
    let seqs = stmt.query_map(params![UPLOAD_ENTITY, profile.hm_code.as_str(), shas], |r| r.get(0))?;
    Ok(seqs.collect::<rusqlite::Result<_>>()?)
}

/// After a server restore lost records: queues the blob's upload again if this device holds
/// its bytes (the server answers at once if it still has them). Returns the upload's `seq`.
pub(crate) fn requeue_blob(
    tx: &Transaction<'_>,
    profile: &Profile,
    blob: &BlobRef,
    now_ms: i64,
) -> Result<Option<i64>> {
    let queued: Option<i64> = tx
        .query_row(
            "SELECT \"seq\" FROM \"outbox\" WHERE \"entity\" = ?1 AND \"entity_id\" = ?2 AND \"patient\" = ?3",
            params![UPLOAD_ENTITY, blob.sha256, profile.hm_code.as_str()],
            |r| r.get(0),
        )
        .optional()?;
    if queued.is_some() {
        return Ok(queued);
    }
    let held = tx.execute(
        "UPDATE \"blobs\" SET \"upload_id\" = NULL, \"uploaded_offset\" = 0 \
         WHERE \"profile_id\" = ?1 AND \"sha256\" = ?2 AND \"bytes\" IS NOT NULL",
        params![profile.id.to_string(), blob.sha256],
    )?;
    if held == 0 {
        return Ok(None);
    }
    Ok(Some(queue_upload(tx, profile, blob, now_ms)?))
}

/// How often a record the server refused for a missing photo sends its photos again before it
/// is set aside (shown, for the person to retry): the server should have them after one.
const PHOTO_RESENDS: i64 = 2;

/// The server holds none of some photos `entry` shows (released after a long time unnamed, as
/// when a save set aside for weeks is retried): their uploads are queued again — the server
/// answers at once for those it has — and the record waits for them. False, with nothing
/// queued, when this device no longer has one of them or has sent them again often enough.
pub(crate) fn resend_photos_first(
    tx: &Transaction<'_>,
    entry: &OutboxEntry,
    shas: &[String],
    now_ms: i64,
) -> Result<bool> {
    let patient = crate::domain::HmCode::parse(&entry.patient).map_err(|_| Error::Corrupt("outbox patient"))?;
    let Some(profile) = super::profiles::profile_in(tx, &patient)? else { return Ok(false) };
    if shas.is_empty() || entry.attempts >= PHOTO_RESENDS {
        return Ok(false);
    }
    let list = serde_json::to_string(shas).map_err(|_| Error::Corrupt("photo list"))?;
    let mut stmt = tx.prepare_cached(
        "SELECT \"sha256\", \"mime\", \"size\" FROM \"blobs\" WHERE \"profile_id\" = ?1 AND \"bytes\" IS NOT NULL \
         AND \"sha256\" IN (SELECT value FROM json_each(?2))",
    )?;
    let blobs = stmt.query_map(params![profile.id.to_string(), list], |r| {
        let sha256: String = r.get(0)?;
        Ok(BlobRef {
            id: sha256.clone(),
            sha256,
            size: r.get::<_, i64>(2)?.unsigned_abs(),
            mime: r.get(1)?,
            extra: Default::default(),
        })
    })?;
    let blobs = blobs.collect::<rusqlite::Result<Vec<_>>>()?;
    // `shas` names each photo once (`Family::blobs`).
    if blobs.len() != shas.len() {
        return Ok(false);
    }
    let mut uploads = Vec::with_capacity(blobs.len());
    for blob in &blobs {
        uploads.extend(requeue_blob(tx, &profile, blob, now_ms)?);
    }
    wait_for(tx, entry.seq, &uploads)?;
    tx.execute("UPDATE \"outbox\" SET \"attempts\" = \"attempts\" + 1 WHERE \"seq\" = ?1", [entry.seq])?;
    Ok(true)
}

/// An upload's outbox entry with its progress: (seq, payload, upload id, offset, bytes held).
type QueuedUpload = (i64, String, Option<String>, Option<i64>, Option<bool>);

impl Store {
    /// The first upload of these patients that can go now: pending, and not waiting for another.
    pub fn next_upload(&self, patients: &[String]) -> Result<Option<UploadTask>> {
        let list = serde_json::to_string(patients).map_err(|_| Error::Corrupt("patient list"))?;
        let row: Option<QueuedUpload> = self
            .reader()
            .query_row(
                &format!(
                    "SELECT o.\"seq\", o.\"payload\", b.\"upload_id\", b.\"uploaded_offset\", b.\"bytes\" IS NOT NULL \
                 FROM \"outbox\" o \
                 LEFT JOIN \"profiles\" p ON p.\"hm_code\" = o.\"patient\" \
                 LEFT JOIN \"blobs\" b ON b.\"profile_id\" = p.\"id\" AND b.\"sha256\" = o.\"entity_id\" \
                 WHERE o.\"entity\" = ?1 AND o.\"state\" = 'pending' \
                 AND o.\"patient\" IN (SELECT value FROM json_each(?2)) \
                 AND NOT {WAITING} \
                 ORDER BY o.\"seq\" LIMIT 1"
                ),
                params![UPLOAD_ENTITY, list],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )
            .optional()?;
        let Some((seq, payload, upload_id, offset, has_bytes)) = row else { return Ok(None) };
        let start: UploadStart = serde_json::from_str(&payload).map_err(|_| Error::Corrupt("queued upload"))?;
        Ok(Some(UploadTask {
            seq,
            start,
            upload_id,
            offset: offset.and_then(|o| u64::try_from(o).ok()).unwrap_or(0),
            has_bytes: has_bytes.unwrap_or(false),
        }))
    }

    /// Up to `len` bytes of the task's blob from `offset`.
    pub fn upload_chunk(&self, task: &UploadTask, offset: u64, len: usize) -> Result<Vec<u8>> {
        let conn = self.reader();
        let chunk: Option<Vec<u8>> = conn
            .query_row(
                "SELECT substr(b.\"bytes\", ?3 + 1, ?4) FROM \"blobs\" b JOIN \"profiles\" p ON p.\"id\" = b.\"profile_id\" \
                 WHERE p.\"hm_code\" = ?1 AND b.\"sha256\" = ?2 AND b.\"bytes\" IS NOT NULL",
                params![task.start.patient, task.start.sha256, offset as i64, len as i64],
                |r| r.get(0),
            )
            .optional()?;
        chunk.ok_or(Error::NotFound { entity: "photo" })
    }

    /// Keeps what the server acknowledged of an upload, after every chunk. An offset going
    /// back (the server lost a chunk in a crash) is kept too: the server's word is what counts.
    pub fn note_upload(&self, task: &UploadTask, upload_id: Option<&str>, offset: u64) -> Result<()> {
        self.writer().execute(
            "UPDATE \"blobs\" SET \"upload_id\" = ?3, \"uploaded_offset\" = min(?4, \"size\" - 1) \
             WHERE \"sha256\" = ?2 AND \"profile_id\" = (SELECT \"id\" FROM \"profiles\" WHERE \"hm_code\" = ?1)",
            params![task.start.patient, task.start.sha256, upload_id, offset as i64],
        )?;
        Ok(())
    }

    /// The server holds the blob: its upload leaves the outbox, and what waited for it can go.
    pub fn complete_upload(&self, task: &UploadTask) -> Result<()> {
        let mut conn = self.writer();
        let tx = conn.transaction()?;
        tx.execute(
            "UPDATE \"blobs\" SET \"upload_id\" = NULL, \"uploaded_offset\" = \"size\" \
             WHERE \"sha256\" = ?2 AND \"profile_id\" = (SELECT \"id\" FROM \"profiles\" WHERE \"hm_code\" = ?1)",
            params![task.start.patient, task.start.sha256],
        )?;
        tx.execute("DELETE FROM \"outbox\" WHERE \"seq\" = ?1", [task.seq])?;
        tx.commit()?;
        Ok(())
    }

    /// The bytes of `profile`'s blob, if this device holds them.
    pub fn blob_bytes(&self, profile: &Profile, sha256: &str) -> Result<Option<Vec<u8>>> {
        Ok(self
            .reader()
            .query_row(
                "SELECT \"bytes\" FROM \"blobs\" WHERE \"profile_id\" = ?1 AND \"sha256\" = ?2",
                params![profile.id.to_string(), sha256],
                |r| r.get::<_, Option<Vec<u8>>>(0),
            )
            .optional()?
            .flatten())
    }

    /// Keeps a blob downloaded from the server, after checking it is what the record named.
    pub fn keep_downloaded_blob(&self, profile: &Profile, blob: &BlobRef, bytes: &[u8]) -> Result<()> {
        if sha256_hex(bytes) != blob.sha256 || bytes.len() as u64 != blob.size {
            return Err(Error::InvalidPayload { what: "downloaded photo does not match its record" });
        }
        self.writer().execute(
            "INSERT INTO \"blobs\" (\"sha256\", \"profile_id\", \"mime\", \"size\", \"bytes\", \"uploaded_offset\", \"stored_at_ms\") \
             VALUES (?1, ?2, ?3, ?4, ?5, ?4, ?6) \
             ON CONFLICT (\"profile_id\", \"sha256\") DO UPDATE SET \"bytes\" = coalesce(\"blobs\".\"bytes\", excluded.\"bytes\")",
            params![
                blob.sha256,
                profile.id.to_string(),
                blob.mime,
                blob.size as i64,
                bytes,
                self.clock.now().timestamp_millis()
            ],
        )?;
        Ok(())
    }
}

#[cfg(test)]
impl Store {
    /// What a damaged database carried over by starting over can leave: rows without bytes.
    pub(crate) fn drop_blob_bytes_for_test(&self) {
        self.writer().execute("UPDATE \"blobs\" SET \"bytes\" = NULL", []).unwrap();
    }
}
