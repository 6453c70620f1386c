//! Blobs and uploads on PostgreSQL; the bytes are in [`crate::storage::BlobFiles`] (in the
//! database too with `DbBlobFiles`), and the turns of `crate::blob_service` are advisory locks.

use super::{PostgresStorage, Session, Turn, turn_key};
use crate::storage::blobs::{Begun, Blob, BlobFiles, BlobStore, NewUpload, SharedTurns, Upload};
use crate::storage::{ResidentId, StorageError, StorageResult};
use postgres::Row;
use techo_protocol::Entity;

/// Adds the record's references to `sha256s` (those it has already stay).
pub(super) fn add_blob_refs(
    s: &mut Session<'_>,
    patient: ResidentId,
    entity: &str,
    entity_id: &str,
    sha256s: &[String],
) -> StorageResult<()> {
    for sha256 in sha256s {
        s.exec(
            "INSERT INTO \"blob_refs\" (\"patient_id\", \"entity\", \"entity_id\", \"sha256\") VALUES ($1, $2, $3, $4) \
             ON CONFLICT (\"patient_id\", \"entity\", \"entity_id\", \"sha256\") DO NOTHING",
            &[&patient, &entity, &entity_id, sha256],
        )?;
    }
    Ok(())
}

fn upload_row(r: &Row) -> StorageResult<Upload> {
    Ok(Upload {
        id: r.get(0),
        account: r.get(1),
        patient: r.get(2),
        sha256: r.get(3),
        size: stored_size(r.get(4))?,
        mime: r.get(5),
        offset: stored_size(r.get(6))?,
    })
}

fn stored_size(n: i64) -> StorageResult<u64> {
    u64::try_from(n).map_err(|_| StorageError::Corrupt("negative size"))
}

fn size_column(size: u64) -> StorageResult<i64> {
    i64::try_from(size).map_err(|_| StorageError::Corrupt("size beyond the database's integers"))
}

fn find_blob(s: &mut Session<'_>, patient: ResidentId, sha256: &str) -> StorageResult<Option<Blob>> {
    s.opt(
        "SELECT \"size\", \"mime\", \"uploaded_by\" FROM \"blobs\" WHERE \"patient_id\" = $1 AND \"sha256\" = $2",
        &[&patient, &sha256],
    )?
    .map(|r| {
        Ok(Blob {
            patient,
            sha256: sha256.to_owned(),
            size: stored_size(r.get(0))?,
            mime: r.get(1),
            uploaded_by: r.get(2),
        })
    })
    .transpose()
}

fn used(s: &mut Session<'_>, account: ResidentId) -> StorageResult<u64> {
    let n: i64 = s
        .one(
            "SELECT ((SELECT COALESCE(SUM(\"size\"), 0) FROM \"blobs\" WHERE \"uploaded_by\" = $1) \
              + (SELECT COALESCE(SUM(\"size\"), 0) FROM \"uploads\" WHERE \"account_id\" = $1))::BIGINT",
            &[&account],
        )?
        .get(0);
    Ok(n.max(0) as u64)
}

impl BlobStore for PostgresStorage {
    fn blob_files(&self) -> &dyn BlobFiles {
        self.files.as_ref()
    }

    fn shared_turns(&self) -> Option<&dyn SharedTurns> {
        Some(&self.turns)
    }

    fn begin_upload(&self, new: &NewUpload<'_>, quota_bytes: u64, now_ms: i64) -> StorageResult<Begun> {
        self.run(|s| {
            // The account's uploads take turns: the quota is checked and the upload counted with
            // no other upload of the account in between.
            s.take_turn(Turn::Uploads, turn_key(&[&new.account.to_le_bytes()]))?;
            // Claimed in the statement that finds it: a release either went first (and this
            // finds nothing) or waits for this claim and then keeps the blob.
            let claimed = s.opt(
                "UPDATE \"blobs\" SET \"claimed_at\" = GREATEST(\"claimed_at\", $3) \
                 WHERE \"patient_id\" = $1 AND \"sha256\" = $2 RETURNING \"size\", \"mime\", \"uploaded_by\"",
                &[&new.patient, &new.sha256, &now_ms],
            )?;
            if let Some(r) = claimed {
                return Ok(Begun::Stored(Blob {
                    patient: new.patient,
                    sha256: new.sha256.to_owned(),
                    size: stored_size(r.get(0))?,
                    mime: r.get(1),
                    uploaded_by: r.get(2),
                }));
            }
            let existing = s.opt(
                "SELECT \"id\", \"account_id\", \"patient_id\", \"sha256\", \"size\", \"mime\", \"offset\" FROM \"uploads\" \
                 WHERE \"account_id\" = $1 AND \"patient_id\" = $2 AND \"sha256\" = $3",
                &[&new.account, &new.patient, &new.sha256],
            )?;
            if let Some(r) = existing {
                return Ok(Begun::Resumed(upload_row(&r)?));
            }
            if used(s, new.account)?.saturating_add(new.size) > quota_bytes {
                return Ok(Begun::OverQuota);
            }
            s.exec(
                "INSERT INTO \"uploads\" (\"id\", \"account_id\", \"patient_id\", \"sha256\", \"size\", \"mime\", \
                 \"created_at\", \"updated_at\") VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
                &[&new.id, &new.account, &new.patient, &new.sha256, &size_column(new.size)?, &new.mime, &now_ms],
            )?;
            Ok(Begun::Created(new.started()))
        })
    }

    fn upload(&self, account: ResidentId, id: &str) -> StorageResult<Option<Upload>> {
        self.run(|s| {
            s.opt(
                "SELECT \"id\", \"account_id\", \"patient_id\", \"sha256\", \"size\", \"mime\", \"offset\" FROM \"uploads\" \
                 WHERE \"id\" = $1 AND \"account_id\" = $2",
                &[&id, &account],
            )?
            .map(|r| upload_row(&r))
            .transpose()
        })
    }

    fn set_upload_offset(&self, id: &str, from: u64, to: u64, now_ms: i64) -> StorageResult<bool> {
        let (from, to) = (size_column(from)?, size_column(to)?);
        self.run(|s| {
            // The offset is re-checked on the row after any wait for it: a compare-and-swap.
            Ok(s.exec(
                "UPDATE \"uploads\" SET \"offset\" = $3, \"updated_at\" = $4 WHERE \"id\" = $1 AND \"offset\" = $2",
                &[&id, &from, &to, &now_ms],
            )? == 1)
        })
    }

    fn complete_upload(&self, id: &str, now_ms: i64) -> StorageResult<Blob> {
        self.run(|s| {
            let upload = s
                .opt(
                    "DELETE FROM \"uploads\" WHERE \"id\" = $1 \
                     RETURNING \"id\", \"account_id\", \"patient_id\", \"sha256\", \"size\", \"mime\", \"offset\"",
                    &[&id],
                )?
                .ok_or(StorageError::NotFound)?;
            let upload = upload_row(&upload)?;
            s.exec(
                "INSERT INTO \"blobs\" (\"patient_id\", \"sha256\", \"size\", \"mime\", \"uploaded_by\", \"created_at\", \
                 \"claimed_at\") VALUES ($1, $2, $3, $4, $5, $6, $6) \
                 ON CONFLICT (\"patient_id\", \"sha256\") DO UPDATE SET \"claimed_at\" = GREATEST(\"blobs\".\"claimed_at\", excluded.\"claimed_at\")",
                &[&upload.patient, &upload.sha256, &size_column(upload.size)?, &upload.mime, &upload.account, &now_ms],
            )?;
            find_blob(s, upload.patient, &upload.sha256)?.ok_or(StorageError::Corrupt("blob just stored"))
        })
    }

    fn discard_upload(&self, id: &str) -> StorageResult<()> {
        self.run(|s| {
            s.exec("DELETE FROM \"uploads\" WHERE \"id\" = $1", &[&id])?;
            Ok(())
        })
    }

    fn stale_uploads(&self, before_ms: i64) -> StorageResult<Vec<String>> {
        self.run(|s| {
            Ok(s.all(
                "SELECT \"id\" FROM \"uploads\" WHERE \"updated_at\" < $1 ORDER BY \"updated_at\"",
                &[&before_ms],
            )?
            .iter()
            .map(|r| r.get(0))
            .collect())
        })
    }

    fn expire_upload(&self, id: &str, before_ms: i64) -> StorageResult<bool> {
        self.run(|s| {
            Ok(s.exec("DELETE FROM \"uploads\" WHERE \"id\" = $1 AND \"updated_at\" < $2", &[&id, &before_ms])? == 1)
        })
    }

    fn blob(&self, patient: ResidentId, sha256: &str) -> StorageResult<Option<Blob>> {
        self.run(|s| find_blob(s, patient, sha256))
    }

    fn upload_exists(&self, id: &str) -> StorageResult<bool> {
        self.run(|s| Ok(s.one("SELECT EXISTS (SELECT 1 FROM \"uploads\" WHERE \"id\" = $1)", &[&id])?.get(0)))
    }

    fn blob_named(&self, sha256: &str) -> StorageResult<bool> {
        // One statement reads one snapshot, and a completion moves an upload to a blob in one
        // transaction: it is seen as one or the other.
        self.run(|s| {
            Ok(s.one(
                "SELECT EXISTS (SELECT 1 FROM \"blobs\" WHERE \"sha256\" = $1) \
                     OR EXISTS (SELECT 1 FROM \"uploads\" WHERE \"sha256\" = $1)",
                &[&sha256],
            )?
            .get(0))
        })
    }

    fn storage_used(&self, account: ResidentId) -> StorageResult<u64> {
        self.run(|s| used(s, account))
    }

    fn fill_blob_refs(
        &self,
        refs_of: &dyn Fn(&Entity, &serde_json::Value) -> Vec<String>,
    ) -> StorageResult<Option<u64>> {
        self.run(|s| {
            // Pushes write references under ROW EXCLUSIVE: this waits for those in flight and
            // holds new ones back until the fill commits, so no record is read stale.
            s.exec("LOCK TABLE \"blob_refs\" IN SHARE ROW EXCLUSIVE MODE", &[])?;
            if s.opt("SELECT 1 FROM \"server_meta\" WHERE \"key\" = 'blob_refs_pending'", &[])?.is_none() {
                return Ok(None);
            }
            s.exec("DELETE FROM \"blob_refs\"", &[])?;
            let rows = s.all(
                "SELECT \"patient_id\", \"entity\", \"entity_id\", \"payload\" FROM \"records\" WHERE NOT \"deleted\"",
                &[],
            )?;
            let mut referring = 0;
            for r in &rows {
                let (patient, entity, entity_id): (ResidentId, &str, &str) = (r.get(0), r.get(1), r.get(2));
                let payload: serde_json::Value =
                    serde_json::from_str(r.get(3)).map_err(|_| StorageError::Corrupt("stored payload"))?;
                let shas = refs_of(&Entity::parse(entity), &payload);
                if !shas.is_empty() {
                    add_blob_refs(s, patient, entity, entity_id, &shas)?;
                    referring += 1;
                }
            }
            s.exec("DELETE FROM \"server_meta\" WHERE \"key\" = 'blob_refs_pending'", &[])?;
            Ok(Some(referring))
        })
    }

    fn unreferenced_blobs(&self, claimed_before_ms: i64) -> StorageResult<Vec<(ResidentId, String)>> {
        self.run(|s| {
            Ok(s.all(
                "SELECT b.\"patient_id\", b.\"sha256\" FROM \"blobs\" b WHERE b.\"claimed_at\" < $1 \
                 AND NOT EXISTS (SELECT 1 FROM \"blob_refs\" r WHERE r.\"patient_id\" = b.\"patient_id\" AND r.\"sha256\" = b.\"sha256\") \
                 ORDER BY b.\"claimed_at\"",
                &[&claimed_before_ms],
            )?
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect())
        })
    }

    fn release_blob(&self, patient: ResidentId, sha256: &str, claimed_before_ms: i64) -> StorageResult<bool> {
        self.run(|s| {
            // The patient's lock, as pushes take it: a push that found the blob has committed its
            // references before the check below reads them, and a later one finds the blob gone.
            s.lock_patient(patient)?;
            Ok(s.exec(
                "DELETE FROM \"blobs\" WHERE \"patient_id\" = $1 AND \"sha256\" = $2 AND \"claimed_at\" < $3 \
                 AND NOT EXISTS (SELECT 1 FROM \"blob_refs\" r WHERE r.\"patient_id\" = $1 AND r.\"sha256\" = $2) \
                 AND NOT EXISTS (SELECT 1 FROM \"server_meta\" WHERE \"key\" = 'blob_refs_pending')",
                &[&patient, &sha256, &claimed_before_ms],
            )? == 1)
        })
    }
}
