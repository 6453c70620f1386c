//! Photo pages travel outside records, as blobs uploaded in chunks that survive a killed app or
//! server: start (or find) an upload, send chunks at the acknowledged offset, and the last chunk
//! makes the server check the sha256 and store the blob. A record that shows the photo names it
//! with a [`BlobRef`](crate::records::BlobRef) and is pushed only after the blob is stored.
//!
//! - `POST /v1/uploads` with [`UploadStart`] → [`UploadState`]: `blob` set when the patient's
//!   blob with that sha256 is already stored (nothing to send), else an `upload_id` and the
//!   offset to continue from (0 for a new upload, further for one resumed after a crash).
//! - `PATCH /v1/uploads/{upload_id}` with header [`UPLOAD_OFFSET_HEADER`] (where the chunk
//!   starts; must equal the server's offset) and the chunk as `application/offset+octet-stream`
//!   → [`UploadState`] with the new offset, and `blob` once the last byte is in and the hash
//!   matched. A different offset answers 409 `upload_offset_mismatch`; a hash that does not
//!   match answers 422 `blob_hash_mismatch` and the upload is discarded.
//! - `GET /v1/uploads/{upload_id}` → [`UploadState`]: where to continue after a lost answer.
//! - `GET /v1/blobs/{patient}/{sha256}` → the bytes, to whoever may read the patient's records.
//!
//! Uploads and blobs are the patient's: an account may upload and read only for the patients
//! it may write and read. Each account has a storage quota (`quota_exceeded`, 413).

use crate::records::BlobRef;
use serde::{Deserialize, Serialize};

/// Request header: the offset a `PATCH` chunk starts at.
pub const UPLOAD_OFFSET_HEADER: &str = "upload-offset";
/// Content type of a `PATCH` chunk.
pub const CHUNK_CONTENT_TYPE: &str = "application/offset+octet-stream";
/// The largest blob (a photo page after the pipeline is about 1 MB).
pub const MAX_BLOB_BYTES: u64 = 16 * 1024 * 1024;
/// The largest chunk a server accepts.
pub const MAX_CHUNK_BYTES: usize = 1024 * 1024;
/// Media types a blob may have.
pub const BLOB_MIME_TYPES: &[&str] = &["image/jpeg"];

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadStart {
    /// HM code of the patient the blob belongs to.
    pub patient: String,
    /// Lower-case hex sha256 of the whole blob.
    pub sha256: String,
    pub size: u64,
    pub mime: String,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadState {
    /// Absent when the blob was already stored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upload_id: Option<String>,
    /// Bytes the server holds, durably.
    pub offset: u64,
    pub size: u64,
    /// Set once the blob is stored: what a record names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blob: Option<BlobRef>,
}

/// Whether `s` is a lower-case hex sha256.
pub fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_blob_answers_without_an_upload_id() {
        let s: UploadState = serde_json::from_str(
            r#"{"offset":3,"size":3,"blob":{"id":"x","sha256":"y","size":3,"mime":"image/jpeg"}}"#,
        )
        .unwrap();
        assert!(s.upload_id.is_none() && s.blob.is_some());
        assert!(is_sha256_hex(&"ab".repeat(32)));
        assert!(!is_sha256_hex(&"AB".repeat(32)) && !is_sha256_hex("ab"));
    }
}
