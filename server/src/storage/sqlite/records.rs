//! Record primitives on SQLite. The writer connection's lock is the patient sequence's lock:
//! one write transaction at a time (a group of requests, each in its savepoint, see
//! [`super::group_commit`]), so sequence numbers commit in the order they were taken.

use super::{SqliteStorage, random_hex};
use crate::storage::{
    Head, LedgerEntry, NewRecord, PullPage, RecordStore, RecordTx, ResidentId, StorageError, StorageResult,
    StoredVersion, Writer,
};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use techo_protocol::Entity;
use techo_protocol::sync::Change;

/// The primitives on the writer connection, inside a write transaction (a request's savepoint).
pub(super) struct SqliteTx<'c>(pub(super) &'c Connection);

/// How a writer's kind is stored in "records"."created_by_kind" (migration 0003).
fn writer_columns(w: Writer<'_>) -> (&'static str, &str) {
    match w {
        Writer::Device { device, .. } => ("device", device),
        Writer::Source(name) => ("source", name),
    }
}

fn payload_text(payload: &serde_json::Value) -> String {
    payload.to_string()
}

fn exactly_one(changed: usize) -> StorageResult<()> {
    if changed == 1 { Ok(()) } else { Err(StorageError::NotFound) }
}

impl RecordTx for SqliteTx<'_> {
    fn ledger_entry(&mut self, writer: Writer<'_>, key: &str) -> StorageResult<Option<LedgerEntry>> {
        let read = |r: &rusqlite::Row<'_>| Ok((r.get(0)?, r.get(1)?));
        let row: Option<(String, String)> = match writer {
            Writer::Device { resident, device } => self
                .0
                .prepare_cached(
                    "SELECT \"request_hash\", \"result\" FROM \"applied_mutations\" \
                     WHERE \"resident_id\" = ?1 AND \"device_id\" = ?2 AND \"mutation_id\" = ?3",
                )?
                .query_row(params![resident, device, key], read)
                .optional()?,
            Writer::Source(name) => self
                .0
                .prepare_cached(
                    "SELECT \"request_hash\", \"result\" FROM \"ingested\" WHERE \"source\" = ?1 AND \"key\" = ?2",
                )?
                .query_row(params![name, key], read)
                .optional()?,
        };
        row.map(|(request_hash, json)| {
            let result = serde_json::from_str(&json).map_err(|_| StorageError::Corrupt("ledger entry"))?;
            Ok(LedgerEntry { request_hash, result })
        })
        .transpose()
    }

    fn add_ledger_entry(
        &mut self,
        writer: Writer<'_>,
        key: &str,
        entry: &LedgerEntry,
        now_ms: i64,
    ) -> StorageResult<()> {
        let json = serde_json::to_string(&entry.result).map_err(|_| StorageError::Corrupt("result encoding"))?;
        match writer {
            Writer::Device { resident, device } => self.0.prepare_cached(
                "INSERT INTO \"applied_mutations\" (\"resident_id\", \"device_id\", \"mutation_id\", \"request_hash\", \"result\", \"applied_at\") \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![resident, device, key, entry.request_hash, json, now_ms])?,
            Writer::Source(name) => self.0.prepare_cached(
                "INSERT INTO \"ingested\" (\"source\", \"key\", \"request_hash\", \"result\", \"applied_at\") \
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![name, key, entry.request_hash, json, now_ms])?,
        };
        Ok(())
    }

    fn head(&mut self, patient: ResidentId, entity: &Entity, entity_id: &str) -> StorageResult<Option<Head>> {
        let row: Option<(i64, bool, String, String)> = self
            .0
            .prepare_cached(
                "SELECT \"version\", \"deleted\", \"payload_hash\", \"payload\" FROM \"records\" \
                 WHERE \"patient_id\" = ?1 AND \"entity\" = ?2 AND \"entity_id\" = ?3",
            )?
            .query_row(params![patient, entity.as_str(), entity_id], |r| {
                Ok((r.get(0)?, r.get::<_, i64>(1)? != 0, r.get(2)?, r.get(3)?))
            })
            .optional()?;
        row.map(|(version, deleted, payload_hash, payload)| {
            let payload = serde_json::from_str(&payload).map_err(|_| StorageError::Corrupt("stored payload"))?;
            Ok(Head { version: version as u64, deleted, payload_hash, payload })
        })
        .transpose()
    }

    fn next_seq(&mut self, patient: ResidentId) -> StorageResult<u64> {
        let seq: i64 = self
            .0
            .prepare_cached(
                "UPDATE \"residents\" SET \"last_seq\" = \"last_seq\" + 1 WHERE \"id\" = ?1 RETURNING \"last_seq\"",
            )?
            .query_row([patient], |r| r.get(0))
            .optional()?
            .ok_or(StorageError::NotFound)?;
        Ok(seq as u64)
    }

    fn insert(&mut self, patient: ResidentId, rec: &NewRecord<'_>) -> StorageResult<()> {
        let (kind, by) = writer_columns(rec.origin);
        let inserted = self
            .0
            .prepare_cached(
                "INSERT INTO \"records\" (\"patient_id\", \"entity\", \"entity_id\", \"version\", \"deleted\", \"payload\", \
                 \"payload_hash\", \"created_by\", \"created_by_kind\", \"deleted_at\", \"written_by_replica\") \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) \
                 ON CONFLICT (\"patient_id\", \"entity\", \"entity_id\") DO NOTHING",
            )?
            .execute(params![
                patient,
                rec.entity.as_str(),
                rec.entity_id,
                rec.version as i64,
                rec.deleted_at_ms.is_some(),
                payload_text(rec.payload),
                rec.payload_hash,
                by,
                kind,
                rec.deleted_at_ms,
                rec.replica
            ])?;
        if inserted == 0 {
            return Err(StorageError::AlreadyExists);
        }
        Ok(())
    }

    fn replace(&mut self, patient: ResidentId, rec: &NewRecord<'_>) -> StorageResult<()> {
        exactly_one(
            self.0
                .prepare_cached(
                    "UPDATE \"records\" SET \"version\" = ?4, \"payload\" = ?5, \"payload_hash\" = ?6, \
                     \"written_by_replica\" = ?7 WHERE \"patient_id\" = ?1 AND \"entity\" = ?2 AND \"entity_id\" = ?3",
                )?
                .execute(params![
                    patient,
                    rec.entity.as_str(),
                    rec.entity_id,
                    rec.version as i64,
                    payload_text(rec.payload),
                    rec.payload_hash,
                    rec.replica
                ])?,
        )
    }

    fn keep_version(&mut self, patient: ResidentId, rec: &NewRecord<'_>, written_at_ms: i64) -> StorageResult<()> {
        let (kind, by) = writer_columns(rec.origin);
        let account = match rec.origin {
            Writer::Device { resident, .. } => Some(resident),
            Writer::Source(_) => None,
        };
        self.0
            .prepare_cached(
                "INSERT INTO \"record_history\" (\"patient_id\", \"entity\", \"entity_id\", \"version\", \"deleted\", \
                 \"payload\", \"written_by_kind\", \"written_by\", \"account_id\", \"written_at\") \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )?
            .execute(params![
                patient,
                rec.entity.as_str(),
                rec.entity_id,
                rec.version as i64,
                rec.deleted_at_ms.is_some(),
                payload_text(rec.payload),
                kind,
                by,
                account,
                written_at_ms
            ])?;
        Ok(())
    }

    fn tombstone(
        &mut self,
        patient: ResidentId,
        entity: &Entity,
        entity_id: &str,
        version: u64,
        deleted_at_ms: i64,
        replica: Option<&str>,
    ) -> StorageResult<()> {
        exactly_one(
            self.0
                .prepare_cached(
                    "UPDATE \"records\" SET \"deleted\" = 1, \"version\" = ?4, \"deleted_at\" = ?5, \
                     \"written_by_replica\" = ?6 WHERE \"patient_id\" = ?1 AND \"entity\" = ?2 AND \"entity_id\" = ?3",
                )?
                .execute(params![patient, entity.as_str(), entity_id, version as i64, deleted_at_ms, replica])?,
        )
    }

    fn missing_blobs(&mut self, patient: ResidentId, sha256s: &[String]) -> StorageResult<Vec<String>> {
        let mut stmt = self
            .0
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM \"blobs\" WHERE \"patient_id\" = ?1 AND \"sha256\" = ?2)")?;
        let mut missing = Vec::new();
        for sha256 in sha256s {
            if !stmt.query_row(params![patient, sha256], |r| r.get::<_, bool>(0))? {
                missing.push(sha256.clone());
            }
        }
        Ok(missing)
    }

    fn set_blob_refs(
        &mut self,
        patient: ResidentId,
        entity: &Entity,
        entity_id: &str,
        sha256s: &[String],
    ) -> StorageResult<()> {
        self.0
            .prepare_cached(
                "DELETE FROM \"blob_refs\" WHERE \"patient_id\" = ?1 AND \"entity\" = ?2 AND \"entity_id\" = ?3",
            )?
            .execute(params![patient, entity.as_str(), entity_id])?;
        super::blobs::add_blob_refs(self.0, patient, entity.as_str(), entity_id, sha256s)
    }
}

impl RecordStore for SqliteStorage {
    fn epoch(&self) -> StorageResult<String> {
        self.meta("epoch")
    }

    fn bump_epoch(&self) -> StorageResult<String> {
        let epoch = random_hex(8)?;
        self.writer
            .exclusive()
            .execute("UPDATE \"server_meta\" SET \"value\" = ?1 WHERE \"key\" = 'epoch'", [&epoch])?;
        Ok(epoch)
    }

    fn write_transaction(&self, work: &mut dyn FnMut(&mut dyn RecordTx) -> StorageResult<()>) -> StorageResult<()> {
        self.writer.grouped(work)
    }

    fn pull(&self, patient: ResidentId, after: u64, limit: u32, skip: Option<&str>) -> StorageResult<PullPage> {
        let mut conn = self.reader();
        // One snapshot for the floor, the newest number and the page: a collection between them
        // cannot slip a forgotten deletion past the floor check, nor a commit past the cursor.
        let tx = conn.transaction()?;
        let (floor, newest): (i64, i64) = tx
            .prepare_cached("SELECT \"floor_seq\", \"last_seq\" FROM \"residents\" WHERE \"id\" = ?1")?
            .query_row([patient], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?
            .ok_or(StorageError::NotFound)?;
        let mut changes = Vec::new();
        {
            // No replica to skip compares with '', which no key is: every record passes.
            let mut stmt = tx.prepare_cached(
                "SELECT \"entity\", \"entity_id\", \"version\", \"deleted\", \"payload\" FROM \"records\" \
                 WHERE \"patient_id\" = ?1 AND \"version\" > ?2 AND \"written_by_replica\" IS NOT ?4 \
                 ORDER BY \"version\" LIMIT ?3",
            )?;
            let mut rows = stmt.query(params![patient, after as i64, i64::from(limit) + 1, skip.unwrap_or("")])?;
            while let Some(r) = rows.next()? {
                let payload: String = r.get(4)?;
                changes.push(Change {
                    entity: Entity::parse(&r.get::<_, String>(0)?),
                    id: r.get(1)?,
                    version: r.get::<_, i64>(2)? as u64,
                    deleted: r.get::<_, i64>(3)? != 0,
                    payload: serde_json::from_str(&payload).map_err(|_| StorageError::Corrupt("stored payload"))?,
                });
            }
        }
        tx.finish()?;
        let has_more = changes.len() > limit as usize;
        changes.truncate(limit as usize);
        let last_seq = match changes.last() {
            Some(c) if has_more => c.version,
            _ => after.max(newest as u64),
        };
        Ok(PullPage { changes, last_seq, has_more, floor_seq: floor as u64 })
    }

    fn versions(&self, patient: ResidentId, entity: &Entity, entity_id: &str) -> StorageResult<Vec<StoredVersion>> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(
            "SELECT h.\"version\", h.\"deleted\", h.\"payload\", h.\"written_at\", r.\"hm_code\", \
             CASE h.\"written_by_kind\" WHEN 'source' THEN h.\"written_by\" END \
             FROM \"record_history\" h LEFT JOIN \"residents\" r ON r.\"id\" = h.\"account_id\" \
             WHERE h.\"patient_id\" = ?1 AND h.\"entity\" = ?2 AND h.\"entity_id\" = ?3 ORDER BY h.\"version\"",
        )?;
        let rows = stmt.query_map(params![patient, entity.as_str(), entity_id], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, bool>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, Option<String>>(4)?,
                r.get::<_, Option<String>>(5)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (version, deleted, payload, written_at_ms, account, source) = row?;
            out.push(StoredVersion {
                version: u64::try_from(version).map_err(|_| StorageError::Corrupt("version"))?,
                deleted,
                payload: serde_json::from_str(&payload).map_err(|_| StorageError::Corrupt("stored payload"))?,
                written_at_ms,
                account,
                source,
            });
        }
        Ok(out)
    }

    fn collect_tombstones(&self, older_than_ms: i64) -> StorageResult<u64> {
        let mut conn = self.writer.exclusive();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "DELETE FROM \"record_history\" WHERE (\"patient_id\", \"entity\", \"entity_id\") IN \
             (SELECT \"patient_id\", \"entity\", \"entity_id\" FROM \"records\" WHERE \"deleted\" = 1 AND \"deleted_at\" < ?1)",
            [older_than_ms],
        )?;
        tx.execute(
            "UPDATE \"residents\" SET \"floor_seq\" = max(\"floor_seq\", (SELECT max(\"version\") FROM \"records\" r \
               WHERE r.\"patient_id\" = \"residents\".\"id\" AND r.\"deleted\" = 1 AND r.\"deleted_at\" < ?1)) \
             WHERE \"id\" IN (SELECT \"patient_id\" FROM \"records\" WHERE \"deleted\" = 1 AND \"deleted_at\" < ?1)",
            [older_than_ms],
        )?;
        let removed =
            tx.execute("DELETE FROM \"records\" WHERE \"deleted\" = 1 AND \"deleted_at\" < ?1", [older_than_ms])?;
        tx.commit()?;
        Ok(removed as u64)
    }
}
