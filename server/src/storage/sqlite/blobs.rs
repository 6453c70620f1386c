//! Blobs and uploads on SQLite; the bytes are in [`crate::storage::BlobFiles`].

use super::SqliteStorage;
use crate::storage::blobs::{Begun, Blob, BlobFiles, BlobStore, NewUpload, Upload};
use crate::storage::{ResidentId, StorageError, StorageResult};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use techo_protocol::Entity;

/// Present while references of records stored before schema 8 are still to be filled.
const REFS_PENDING: &str = "SELECT 1 FROM \"server_meta\" WHERE \"key\" = 'blob_refs_pending'";

/// Adds the record's references to `sha256s` (those it has already stay).
pub(super) fn add_blob_refs(
    conn: &Connection,
    patient: ResidentId,
    entity: &str,
    entity_id: &str,
    sha256s: &[String],
) -> StorageResult<()> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO \"blob_refs\" (\"patient_id\", \"entity\", \"entity_id\", \"sha256\") \
         VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
    )?;
    for sha256 in sha256s {
        stmt.execute(params![patient, entity, entity_id, sha256])?;
    }
    Ok(())
}

/// Each live record with its references as `refs_of` names them.
fn add_refs_of_every_record(
    conn: &Connection,
    refs_of: &dyn Fn(&Entity, &serde_json::Value) -> Vec<String>,
) -> StorageResult<u64> {
    let mut stmt = conn.prepare(
        "SELECT \"patient_id\", \"entity\", \"entity_id\", \"payload\" FROM \"records\" WHERE \"deleted\" = 0",
    )?;
    let mut rows = stmt.query([])?;
    let mut referring = 0;
    while let Some(r) = rows.next()? {
        let (patient, entity, entity_id): (ResidentId, String, String) = (r.get(0)?, r.get(1)?, r.get(2)?);
        let payload: serde_json::Value =
            serde_json::from_str(&r.get::<_, String>(3)?).map_err(|_| StorageError::Corrupt("stored payload"))?;
        let shas = refs_of(&Entity::parse(&entity), &payload);
        if !shas.is_empty() {
            add_blob_refs(conn, patient, &entity, &entity_id, &shas)?;
            referring += 1;
        }
    }
    Ok(referring)
}

const UPLOAD_COLUMNS: &str = "\"id\", \"account_id\", \"patient_id\", \"sha256\", \"size\", \"mime\", \"offset\"";

fn upload_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Upload> {
    Ok(Upload {
        id: r.get(0)?,
        account: r.get(1)?,
        patient: r.get(2)?,
        sha256: r.get(3)?,
        size: r.get::<_, i64>(4)? as u64,
        mime: r.get(5)?,
        offset: r.get::<_, i64>(6)? as u64,
    })
}

fn find_blob(conn: &Connection, patient: ResidentId, sha256: &str) -> StorageResult<Option<Blob>> {
    Ok(conn
        .prepare_cached(
            "SELECT \"size\", \"mime\", \"uploaded_by\" FROM \"blobs\" WHERE \"patient_id\" = ?1 AND \"sha256\" = ?2",
        )?
        .query_row(params![patient, sha256], |r| {
            Ok(Blob {
                patient,
                sha256: sha256.to_owned(),
                size: r.get::<_, i64>(0)? as u64,
                mime: r.get(1)?,
                uploaded_by: r.get(2)?,
            })
        })
        .optional()?)
}

fn used(conn: &Connection, account: ResidentId) -> StorageResult<u64> {
    let n: i64 = conn
        .prepare_cached(
            "SELECT (SELECT COALESCE(SUM(\"size\"), 0) FROM \"blobs\" WHERE \"uploaded_by\" = ?1) \
              + (SELECT COALESCE(SUM(\"size\"), 0) FROM \"uploads\" WHERE \"account_id\" = ?1)",
        )?
        .query_row([account], |r| r.get(0))?;
    Ok(n.max(0) as u64)
}

fn size_column(size: u64) -> StorageResult<i64> {
    i64::try_from(size).map_err(|_| StorageError::Corrupt("size beyond the database's integers"))
}

impl BlobStore for SqliteStorage {
    fn blob_files(&self) -> &dyn BlobFiles {
        self.files.as_ref()
    }

    fn begin_upload(&self, new: &NewUpload<'_>, quota_bytes: u64, now_ms: i64) -> StorageResult<Begun> {
        let mut conn = self.writer.exclusive();
        // Immediate: the quota is checked and the upload counted with no other writer between.
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        if let Some(blob) = find_blob(&tx, new.patient, new.sha256)? {
            tx.prepare_cached(
                "UPDATE \"blobs\" SET \"claimed_at\" = max(\"claimed_at\", ?3) \
                 WHERE \"patient_id\" = ?1 AND \"sha256\" = ?2",
            )?
            .execute(params![new.patient, new.sha256, now_ms])?;
            tx.commit()?;
            return Ok(Begun::Stored(blob));
        }
        let existing = tx
            .prepare_cached(&format!(
                "SELECT {UPLOAD_COLUMNS} FROM \"uploads\" \
                 WHERE \"account_id\" = ?1 AND \"patient_id\" = ?2 AND \"sha256\" = ?3"
            ))?
            .query_row(params![new.account, new.patient, new.sha256], upload_row)
            .optional()?;
        if let Some(upload) = existing {
            return Ok(Begun::Resumed(upload));
        }
        if used(&tx, new.account)?.saturating_add(new.size) > quota_bytes {
            return Ok(Begun::OverQuota);
        }
        tx.prepare_cached(
            "INSERT INTO \"uploads\" (\"id\", \"account_id\", \"patient_id\", \"sha256\", \"size\", \"mime\", \
             \"created_at\", \"updated_at\") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
        )?
        .execute(params![
            new.id,
            new.account,
            new.patient,
            new.sha256,
            size_column(new.size)?,
            new.mime,
            now_ms
        ])?;
        tx.commit()?;
        Ok(Begun::Created(new.started()))
    }

    fn upload(&self, account: ResidentId, id: &str) -> StorageResult<Option<Upload>> {
        // The writer: an offset just moved must be seen by the next request at once.
        Ok(self
            .writer
            .exclusive()
            .prepare_cached(&format!(
                "SELECT {UPLOAD_COLUMNS} FROM \"uploads\" WHERE \"id\" = ?1 AND \"account_id\" = ?2"
            ))?
            .query_row(params![id, account], upload_row)
            .optional()?)
    }

    fn set_upload_offset(&self, id: &str, from: u64, to: u64, now_ms: i64) -> StorageResult<bool> {
        let changed = self
            .writer
            .exclusive()
            .prepare_cached(
                "UPDATE \"uploads\" SET \"offset\" = ?3, \"updated_at\" = ?4 WHERE \"id\" = ?1 AND \"offset\" = ?2",
            )?
            .execute(params![id, size_column(from)?, size_column(to)?, now_ms])?;
        Ok(changed == 1)
    }

    fn complete_upload(&self, id: &str, now_ms: i64) -> StorageResult<Blob> {
        let mut conn = self.writer.exclusive();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let upload = tx
            .prepare_cached(&format!("SELECT {UPLOAD_COLUMNS} FROM \"uploads\" WHERE \"id\" = ?1"))?
            .query_row([id], upload_row)
            .optional()?
            .ok_or(StorageError::NotFound)?;
        tx.prepare_cached(
            "INSERT INTO \"blobs\" (\"patient_id\", \"sha256\", \"size\", \"mime\", \"uploaded_by\", \"created_at\", \
             \"claimed_at\") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6) \
             ON CONFLICT (\"patient_id\", \"sha256\") DO UPDATE SET \"claimed_at\" = max(\"claimed_at\", excluded.\"claimed_at\")",
        )?
        .execute(params![
            upload.patient,
            upload.sha256,
            size_column(upload.size)?,
            upload.mime,
            upload.account,
            now_ms
        ])?;
        tx.prepare_cached("DELETE FROM \"uploads\" WHERE \"id\" = ?1")?.execute([id])?;
        let blob = find_blob(&tx, upload.patient, &upload.sha256)?.ok_or(StorageError::Corrupt("blob just stored"))?;
        tx.commit()?;
        Ok(blob)
    }

    fn discard_upload(&self, id: &str) -> StorageResult<()> {
        self.writer.exclusive().prepare_cached("DELETE FROM \"uploads\" WHERE \"id\" = ?1")?.execute([id])?;
        Ok(())
    }

    fn stale_uploads(&self, before_ms: i64) -> StorageResult<Vec<String>> {
        let conn = self.writer.exclusive();
        let mut stmt =
            conn.prepare_cached("SELECT \"id\" FROM \"uploads\" WHERE \"updated_at\" < ?1 ORDER BY \"updated_at\"")?;
        let rows = stmt.query_map([before_ms], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn expire_upload(&self, id: &str, before_ms: i64) -> StorageResult<bool> {
        let n = self
            .writer
            .exclusive()
            .prepare_cached("DELETE FROM \"uploads\" WHERE \"id\" = ?1 AND \"updated_at\" < ?2")?
            .execute(params![id, before_ms])?;
        Ok(n == 1)
    }

    fn blob(&self, patient: ResidentId, sha256: &str) -> StorageResult<Option<Blob>> {
        find_blob(&self.reader(), patient, sha256)
    }

    fn storage_used(&self, account: ResidentId) -> StorageResult<u64> {
        used(&self.reader(), account)
    }

    fn upload_exists(&self, id: &str) -> StorageResult<bool> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached("SELECT 1 FROM \"uploads\" WHERE \"id\" = ?1")?;
        Ok(stmt.exists([id])?)
    }

    fn blob_named(&self, sha256: &str) -> StorageResult<bool> {
        // One statement reads one snapshot, so a completion cannot fall between the two halves.
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM \"blobs\" WHERE \"sha256\" = ?1) \
                 OR EXISTS (SELECT 1 FROM \"uploads\" WHERE \"sha256\" = ?1)",
        )?;
        Ok(stmt.query_row([sha256], |r| r.get(0))?)
    }

    fn fill_blob_refs(
        &self,
        refs_of: &dyn Fn(&Entity, &serde_json::Value) -> Vec<String>,
    ) -> StorageResult<Option<u64>> {
        let mut conn = self.writer.exclusive();
        // One transaction with the single writer: no push lands between reading a record and
        // writing its references, and the marker goes only with all of them.
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        if !tx.prepare_cached(REFS_PENDING)?.exists([])? {
            return Ok(None);
        }
        tx.execute("DELETE FROM \"blob_refs\"", [])?;
        let referring = add_refs_of_every_record(&tx, refs_of)?;
        tx.execute("DELETE FROM \"server_meta\" WHERE \"key\" = 'blob_refs_pending'", [])?;
        tx.commit()?;
        Ok(Some(referring))
    }

    fn unreferenced_blobs(&self, claimed_before_ms: i64) -> StorageResult<Vec<(ResidentId, String)>> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(
            "SELECT b.\"patient_id\", b.\"sha256\" FROM \"blobs\" b WHERE b.\"claimed_at\" < ?1 \
             AND NOT EXISTS (SELECT 1 FROM \"blob_refs\" r WHERE r.\"patient_id\" = b.\"patient_id\" AND r.\"sha256\" = b.\"sha256\") \
             ORDER BY b.\"claimed_at\"",
        )?;
        let rows = stmt.query_map([claimed_before_ms], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn release_blob(&self, patient: ResidentId, sha256: &str, claimed_before_ms: i64) -> StorageResult<bool> {
        // One statement on the single writer: a push naming the blob, or an upload claiming it,
        // commits either before (and the row stays) or after (and finds it gone).
        let n = self
            .writer
            .exclusive()
            .prepare_cached(&format!(
                "DELETE FROM \"blobs\" WHERE \"patient_id\" = ?1 AND \"sha256\" = ?2 AND \"claimed_at\" < ?3 \
                 AND NOT EXISTS (SELECT 1 FROM \"blob_refs\" r WHERE r.\"patient_id\" = ?1 AND r.\"sha256\" = ?2) \
                 AND NOT EXISTS ({REFS_PENDING})"
            ))?
            .execute(params![patient, sha256, claimed_before_ms])?;
        Ok(n == 1)
    }
}
