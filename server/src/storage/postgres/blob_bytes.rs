//! [`BlobFiles`] in the database itself: partial uploads as the pieces they were written in
//! (`part_pieces`), stored blobs once per content (`blob_files`, `blob_file_pieces`), so every
//! server instance over the database reaches the same bytes with nothing else shared. A write
//! returns once its transaction committed, which is the durability `BlobFiles` asks for; a
//! promotion is one transaction, so a reader sees the old bytes or the new, never a mix.

use super::{Db, Session};
use crate::storage::StorageError;
use crate::storage::blobs::{BlobFiles, is_upload_id};
use sha2::{Digest, Sha256};
use std::io;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use techo_protocol::uploads::{MAX_CHUNK_BYTES, is_sha256_hex};

/// The largest piece stored in one row: what is held in memory at once when hashing or reading.
const PIECE: usize = MAX_CHUNK_BYTES;

pub struct DbBlobFiles {
    db: Arc<Db>,
}

impl DbBlobFiles {
    pub(super) fn new(db: Arc<Db>) -> Self {
        Self { db }
    }
}

fn bad_name() -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, "not a blob or upload name")
}

fn part_name(upload_id: &str) -> io::Result<&str> {
    if is_upload_id(upload_id) { Ok(upload_id) } else { Err(bad_name()) }
}

fn blob_name(sha256: &str) -> io::Result<&str> {
    if is_sha256_hex(sha256) { Ok(sha256) } else { Err(bad_name()) }
}

/// The storage error as an I/O one, as callers of `BlobFiles` expect (its message names no value).
fn io_error(e: StorageError) -> io::Error {
    match e {
        StorageError::NotFound => io::Error::new(io::ErrorKind::NotFound, e),
        other => io::Error::other(other),
    }
}

fn offset_column(n: u64) -> Result<i64, StorageError> {
    i64::try_from(n).map_err(|_| StorageError::Corrupt("offset beyond the database's integers"))
}

fn part_len(s: &mut Session<'_>, id: &str) -> Result<i64, StorageError> {
    Ok(s.one(
        "SELECT COALESCE(MAX(\"start\" + octet_length(\"bytes\")), 0)::BIGINT FROM \"part_pieces\" WHERE \"upload_id\" = $1",
        &[&id],
    )?
    .get(0))
}

fn truncate_part(s: &mut Session<'_>, id: &str, len: i64) -> Result<(), StorageError> {
    s.exec("DELETE FROM \"part_pieces\" WHERE \"upload_id\" = $1 AND \"start\" >= $2", &[&id, &len])?;
    s.exec(
        "UPDATE \"part_pieces\" SET \"bytes\" = substring(\"bytes\" FROM 1 FOR ($2 - \"start\")::INTEGER) \
         WHERE \"upload_id\" = $1 AND \"start\" < $2 AND \"start\" + octet_length(\"bytes\") > $2",
        &[&id, &len],
    )?;
    Ok(())
}

/// The piece that starts at or after `from`, in order: pieces are read one at a time.
fn part_piece(s: &mut Session<'_>, id: &str, from: i64) -> Result<Option<(i64, Vec<u8>)>, StorageError> {
    Ok(s.opt(
        "SELECT \"start\", \"bytes\" FROM \"part_pieces\" WHERE \"upload_id\" = $1 AND \"start\" >= $2 \
         ORDER BY \"start\" LIMIT 1",
        &[&id, &from],
    )?
    .map(|r| (r.get(0), r.get(1))))
}

fn blob_piece(s: &mut Session<'_>, sha256: &str, from: i64) -> Result<Option<(i64, Vec<u8>)>, StorageError> {
    Ok(s.opt(
        "SELECT \"start\", \"bytes\" FROM \"blob_file_pieces\" WHERE \"sha256\" = $1 AND \"start\" >= $2 \
         ORDER BY \"start\" LIMIT 1",
        &[&sha256, &from],
    )?
    .map(|r| (r.get(0), r.get(1))))
}

fn millis_since_epoch(t: SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

impl BlobFiles for DbBlobFiles {
    fn part_len(&self, upload_id: &str) -> io::Result<u64> {
        let id = part_name(upload_id)?;
        let len = self.db.run(|s| part_len(s, id)).map_err(io_error)?;
        Ok(len.max(0) as u64)
    }

    fn truncate_part(&self, upload_id: &str, len: u64) -> io::Result<()> {
        let id = part_name(upload_id)?;
        let len = offset_column(len).map_err(io_error)?;
        self.db.run(|s| truncate_part(s, id, len)).map_err(io_error)
    }

    fn write_part(&self, upload_id: &str, offset: u64, bytes: &[u8]) -> io::Result<()> {
        let id = part_name(upload_id)?;
        let at = offset_column(offset).map_err(io_error)?;
        let short = self
            .db
            .run(|s| {
                let len = part_len(s, id)?;
                if len < at {
                    return Ok(true);
                }
                if len > at {
                    truncate_part(s, id, at)?;
                }
                let mut start = at;
                for piece in bytes.chunks(PIECE) {
                    s.exec(
                        "INSERT INTO \"part_pieces\" (\"upload_id\", \"start\", \"bytes\") VALUES ($1, $2, $3)",
                        &[&id, &start, &piece],
                    )?;
                    start += piece.len() as i64;
                }
                Ok(false)
            })
            .map_err(io_error)?;
        if short {
            // A gap would be zeros the client never sent.
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "partial upload shorter than the offset"));
        }
        Ok(())
    }

    fn part_sha256(&self, upload_id: &str) -> io::Result<String> {
        let id = part_name(upload_id)?;
        let digest = self
            .db
            .snapshot(|s| {
                let mut hasher = Sha256::new();
                let mut from = 0;
                let mut any = false;
                while let Some((start, bytes)) = part_piece(s, id, from)? {
                    hasher.update(&bytes);
                    from = start + bytes.len() as i64;
                    // An empty piece (a cut at its start) would otherwise be read again.
                    from = from.max(start + 1);
                    any = true;
                }
                if !any {
                    return Err(StorageError::NotFound);
                }
                Ok(hex::encode(hasher.finalize()))
            })
            .map_err(io_error)?;
        Ok(digest)
    }

    fn promote(&self, upload_id: &str, sha256: &str) -> io::Result<()> {
        let id = part_name(upload_id)?;
        let sha256 = blob_name(sha256)?;
        let now = millis_since_epoch(SystemTime::now());
        self.db
            .run(|s| {
                let size = part_len(s, id)?;
                let pieces = s.one("SELECT COUNT(*) FROM \"part_pieces\" WHERE \"upload_id\" = $1", &[&id])?;
                if pieces.get::<_, i64>(0) == 0 {
                    return Err(StorageError::NotFound);
                }
                // Another patient's identical blob may be there already: replacing its bytes with
                // the same ones, in one transaction, is harmless to its readers.
                s.exec(
                    "INSERT INTO \"blob_files\" (\"sha256\", \"size\", \"written_at\") VALUES ($1, $2, $3) \
                     ON CONFLICT (\"sha256\") DO UPDATE SET \"size\" = excluded.\"size\", \"written_at\" = excluded.\"written_at\"",
                    &[&sha256, &size, &now],
                )?;
                s.exec("DELETE FROM \"blob_file_pieces\" WHERE \"sha256\" = $1", &[&sha256])?;
                s.exec(
                    "INSERT INTO \"blob_file_pieces\" (\"sha256\", \"start\", \"bytes\") \
                     SELECT $2, \"start\", \"bytes\" FROM \"part_pieces\" WHERE \"upload_id\" = $1",
                    &[&id, &sha256],
                )?;
                s.exec("DELETE FROM \"part_pieces\" WHERE \"upload_id\" = $1", &[&id])?;
                Ok(())
            })
            .map_err(io_error)
    }

    fn remove_part(&self, upload_id: &str) -> io::Result<()> {
        let id = part_name(upload_id)?;
        self.db
            .run(|s| {
                s.exec("DELETE FROM \"part_pieces\" WHERE \"upload_id\" = $1", &[&id])?;
                Ok(())
            })
            .map_err(io_error)
    }

    fn blob_len(&self, sha256: &str) -> io::Result<Option<u64>> {
        let sha256 = blob_name(sha256)?;
        let size = self
            .db
            .run(|s| {
                Ok(s.opt("SELECT \"size\" FROM \"blob_files\" WHERE \"sha256\" = $1", &[&sha256])?
                    .map(|r| r.get::<_, i64>(0)))
            })
            .map_err(io_error)?;
        Ok(size.map(|n| n.max(0) as u64))
    }

    fn read_blob(&self, sha256: &str) -> io::Result<Vec<u8>> {
        let sha256 = blob_name(sha256)?;
        // One snapshot, so a concurrent promotion of the same content is seen whole or not at
        // all; the pieces are copied one at a time into the one buffer that is served.
        self.db
            .snapshot(|s| {
                let size: i64 = s
                    .opt("SELECT \"size\" FROM \"blob_files\" WHERE \"sha256\" = $1", &[&sha256])?
                    .ok_or(StorageError::NotFound)?
                    .get(0);
                let mut out = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
                let mut from = 0;
                while let Some((start, bytes)) = blob_piece(s, sha256, from)? {
                    out.extend_from_slice(&bytes);
                    from = (start + bytes.len() as i64).max(start + 1);
                }
                Ok(out)
            })
            .map_err(io_error)
    }

    fn part_ids(&self) -> io::Result<Vec<String>> {
        self.db
            .run(|s| {
                Ok(s.all("SELECT DISTINCT \"upload_id\" FROM \"part_pieces\" ORDER BY \"upload_id\"", &[])?
                    .iter()
                    .map(|r| r.get::<_, String>(0))
                    .filter(|id| is_upload_id(id))
                    .collect())
            })
            .map_err(io_error)
    }

    fn stored_blobs(&self) -> io::Result<Vec<(String, SystemTime)>> {
        self.db
            .run(|s| {
                Ok(s.all("SELECT \"sha256\", \"written_at\" FROM \"blob_files\" ORDER BY \"sha256\"", &[])?
                    .iter()
                    .map(|r| {
                        let at: i64 = r.get(1);
                        (r.get::<_, String>(0), UNIX_EPOCH + Duration::from_millis(at.max(0) as u64))
                    })
                    .collect())
            })
            .map_err(io_error)
    }

    fn remove_blob(&self, sha256: &str) -> io::Result<()> {
        let sha256 = blob_name(sha256)?;
        self.db
            .run(|s| {
                // Its pieces go with it (ON DELETE CASCADE).
                s.exec("DELETE FROM \"blob_files\" WHERE \"sha256\" = $1", &[&sha256])?;
                Ok(())
            })
            .map_err(io_error)
    }
}
