//! Record primitives on PostgreSQL. Every primitive that touches a patient first takes the
//! patient's lock (module doc of `super`), so sequence numbers become visible in the order they
//! were taken and a push sees the patient as no concurrent push can change it.

use super::{PostgresStorage, Session, Turn, random_hex, turn_key};
use crate::storage::{
    Head, LedgerEntry, NewRecord, PullPage, RecordStore, RecordTx, ResidentId, StorageError, StorageResult,
    StoredVersion, Writer,
};
use techo_protocol::Entity;
use techo_protocol::sync::Change;

struct PgTx<'s, 'c> {
    s: &'s mut Session<'c>,
    /// Patients and writers whose lock this transaction holds already.
    patients: Vec<ResidentId>,
    writers: Vec<i32>,
}

impl PgTx<'_, '_> {
    fn patient(&mut self, patient: ResidentId) -> StorageResult<()> {
        if !self.patients.contains(&patient) {
            self.s.lock_patient(patient)?;
            self.patients.push(patient);
        }
        Ok(())
    }

    /// A writer's ledger takes turns: the second of two pushes with the same mutation ids
    /// reads the first one's entries instead of applying them again.
    fn writer(&mut self, writer: Writer<'_>) -> StorageResult<()> {
        let key = match writer {
            Writer::Device { resident, device } => turn_key(&[b"device", &resident.to_le_bytes(), device.as_bytes()]),
            Writer::Source(name) => turn_key(&[b"source", name.as_bytes()]),
        };
        if !self.writers.contains(&key) {
            self.s.take_turn(Turn::Writer, key)?;
            self.writers.push(key);
        }
        Ok(())
    }
}

fn writer_columns(w: Writer<'_>) -> (&'static str, &str) {
    match w {
        Writer::Device { device, .. } => ("device", device),
        Writer::Source(name) => ("source", name),
    }
}

fn parse_payload(text: &str) -> StorageResult<serde_json::Value> {
    serde_json::from_str(text).map_err(|_| StorageError::Corrupt("stored payload"))
}

fn seq(n: u64) -> StorageResult<i64> {
    i64::try_from(n).map_err(|_| StorageError::Corrupt("sequence number beyond the database's integers"))
}

fn stored_seq(n: i64) -> StorageResult<u64> {
    u64::try_from(n).map_err(|_| StorageError::Corrupt("version"))
}

fn exactly_one(changed: u64) -> StorageResult<()> {
    if changed == 1 { Ok(()) } else { Err(StorageError::NotFound) }
}

impl RecordTx for PgTx<'_, '_> {
    fn ledger_entry(&mut self, writer: Writer<'_>, key: &str) -> StorageResult<Option<LedgerEntry>> {
        self.writer(writer)?;
        let row = match writer {
            Writer::Device { resident, device } => self.s.opt(
                "SELECT \"request_hash\", \"result\" FROM \"applied_mutations\" \
                 WHERE \"resident_id\" = $1 AND \"device_id\" = $2 AND \"mutation_id\" = $3",
                &[&resident, &device, &key],
            )?,
            Writer::Source(name) => self.s.opt(
                "SELECT \"request_hash\", \"result\" FROM \"ingested\" WHERE \"source\" = $1 AND \"key\" = $2",
                &[&name, &key],
            )?,
        };
        row.map(|r| {
            let result =
                serde_json::from_str(r.get::<_, &str>(1)).map_err(|_| StorageError::Corrupt("ledger entry"))?;
            Ok(LedgerEntry { request_hash: r.get(0), result })
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
        self.writer(writer)?;
        let json = serde_json::to_string(&entry.result).map_err(|_| StorageError::Corrupt("result encoding"))?;
        match writer {
            Writer::Device { resident, device } => self.s.exec(
                "INSERT INTO \"applied_mutations\" (\"resident_id\", \"device_id\", \"mutation_id\", \"request_hash\", \"result\", \"applied_at\") \
                 VALUES ($1, $2, $3, $4, $5, $6)",
                &[&resident, &device, &key, &entry.request_hash, &json, &now_ms],
            )?,
            Writer::Source(name) => self.s.exec(
                "INSERT INTO \"ingested\" (\"source\", \"key\", \"request_hash\", \"result\", \"applied_at\") \
                 VALUES ($1, $2, $3, $4, $5)",
                &[&name, &key, &entry.request_hash, &json, &now_ms],
            )?,
        };
        Ok(())
    }

    fn head(&mut self, patient: ResidentId, entity: &Entity, entity_id: &str) -> StorageResult<Option<Head>> {
        self.patient(patient)?;
        let row = self.s.opt(
            "SELECT \"version\", \"deleted\", \"payload_hash\", \"payload\" FROM \"records\" \
             WHERE \"patient_id\" = $1 AND \"entity\" = $2 AND \"entity_id\" = $3",
            &[&patient, &entity.as_str(), &entity_id],
        )?;
        row.map(|r| {
            Ok(Head {
                version: stored_seq(r.get(0))?,
                deleted: r.get(1),
                payload_hash: r.get(2),
                payload: parse_payload(r.get(3))?,
            })
        })
        .transpose()
    }

    fn next_seq(&mut self, patient: ResidentId) -> StorageResult<u64> {
        self.patient(patient)?;
        let n: i64 = self
            .s
            .opt(
                "UPDATE \"residents\" SET \"last_seq\" = \"last_seq\" + 1 WHERE \"id\" = $1 RETURNING \"last_seq\"",
                &[&patient],
            )?
            .ok_or(StorageError::NotFound)?
            .get(0);
        stored_seq(n)
    }

    fn insert(&mut self, patient: ResidentId, rec: &NewRecord<'_>) -> StorageResult<()> {
        self.patient(patient)?;
        let (kind, by) = writer_columns(rec.origin);
        // DO NOTHING, not an error: an error would abort the whole transaction.
        let inserted = self.s.exec(
            "INSERT INTO \"records\" (\"patient_id\", \"entity\", \"entity_id\", \"version\", \"deleted\", \"payload\", \
             \"payload_hash\", \"created_by\", \"created_by_kind\", \"deleted_at\", \"written_by_replica\") \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
             ON CONFLICT (\"patient_id\", \"entity\", \"entity_id\") DO NOTHING",
            &[
                &patient,
                &rec.entity.as_str(),
                &rec.entity_id,
                &seq(rec.version)?,
                &rec.deleted_at_ms.is_some(),
                &rec.payload.to_string(),
                &rec.payload_hash,
                &by,
                &kind,
                &rec.deleted_at_ms,
                &rec.replica,
            ],
        )?;
        if inserted == 0 {
            return Err(StorageError::AlreadyExists);
        }
        Ok(())
    }

    fn replace(&mut self, patient: ResidentId, rec: &NewRecord<'_>) -> StorageResult<()> {
        self.patient(patient)?;
        exactly_one(self.s.exec(
            "UPDATE \"records\" SET \"version\" = $4, \"payload\" = $5, \"payload_hash\" = $6, \"written_by_replica\" = $7 \
             WHERE \"patient_id\" = $1 AND \"entity\" = $2 AND \"entity_id\" = $3",
            &[
                &patient,
                &rec.entity.as_str(),
                &rec.entity_id,
                &seq(rec.version)?,
                &rec.payload.to_string(),
                &rec.payload_hash,
                &rec.replica,
            ],
        )?)
    }

    fn keep_version(&mut self, patient: ResidentId, rec: &NewRecord<'_>, written_at_ms: i64) -> StorageResult<()> {
        self.patient(patient)?;
        let (kind, by) = writer_columns(rec.origin);
        let account = match rec.origin {
            Writer::Device { resident, .. } => Some(resident),
            Writer::Source(_) => None,
        };
        self.s.exec(
            "INSERT INTO \"record_history\" (\"patient_id\", \"entity\", \"entity_id\", \"version\", \"deleted\", \
             \"payload\", \"written_by_kind\", \"written_by\", \"account_id\", \"written_at\") \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            &[
                &patient,
                &rec.entity.as_str(),
                &rec.entity_id,
                &seq(rec.version)?,
                &rec.deleted_at_ms.is_some(),
                &rec.payload.to_string(),
                &kind,
                &by,
                &account,
                &written_at_ms,
            ],
        )?;
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
        self.patient(patient)?;
        exactly_one(self.s.exec(
            "UPDATE \"records\" SET \"deleted\" = TRUE, \"version\" = $4, \"deleted_at\" = $5, \"written_by_replica\" = $6 \
             WHERE \"patient_id\" = $1 AND \"entity\" = $2 AND \"entity_id\" = $3",
            &[&patient, &entity.as_str(), &entity_id, &seq(version)?, &deleted_at_ms, &replica],
        )?)
    }

    fn missing_blobs(&mut self, patient: ResidentId, sha256s: &[String]) -> StorageResult<Vec<String>> {
        // Under the patient's lock, which a release takes too: a blob found here is not
        // released before this transaction's references to it are committed.
        self.patient(patient)?;
        let present: Vec<String> = self
            .s
            .all(
                "SELECT \"sha256\" FROM \"blobs\" WHERE \"patient_id\" = $1 AND \"sha256\" = ANY($2)",
                &[&patient, &sha256s],
            )?
            .iter()
            .map(|r| r.get(0))
            .collect();
        Ok(sha256s.iter().filter(|s| !present.contains(s)).cloned().collect())
    }

    fn set_blob_refs(
        &mut self,
        patient: ResidentId,
        entity: &Entity,
        entity_id: &str,
        sha256s: &[String],
    ) -> StorageResult<()> {
        self.patient(patient)?;
        self.s.exec(
            "DELETE FROM \"blob_refs\" WHERE \"patient_id\" = $1 AND \"entity\" = $2 AND \"entity_id\" = $3",
            &[&patient, &entity.as_str(), &entity_id],
        )?;
        super::blobs::add_blob_refs(self.s, patient, entity.as_str(), entity_id, sha256s)
    }
}

impl RecordStore for PostgresStorage {
    fn epoch(&self) -> StorageResult<String> {
        self.run(|s| {
            Ok(s.opt("SELECT \"value\" FROM \"server_meta\" WHERE \"key\" = 'epoch'", &[])?
                .ok_or(StorageError::Corrupt("server metadata missing"))?
                .get(0))
        })
    }

    fn bump_epoch(&self) -> StorageResult<String> {
        let epoch = random_hex(8)?;
        self.run(|s| {
            s.exec("UPDATE \"server_meta\" SET \"value\" = $1 WHERE \"key\" = 'epoch'", &[&epoch])?;
            Ok(())
        })?;
        Ok(epoch)
    }

    fn write_transaction(&self, work: &mut dyn FnMut(&mut dyn RecordTx) -> StorageResult<()>) -> StorageResult<()> {
        self.run(|s| work(&mut PgTx { s, patients: Vec::new(), writers: Vec::new() }))
    }

    fn pull(&self, patient: ResidentId, after: u64, limit: u32, skip: Option<&str>) -> StorageResult<PullPage> {
        let after_seq = seq(after)?;
        // One snapshot for the floor, the newest number and the page: a collection between them
        // cannot slip a forgotten deletion past the floor check, nor a commit past the cursor.
        let (floor, newest, mut changes) = self.snapshot(|s| {
            let row = s
                .opt("SELECT \"floor_seq\", \"last_seq\" FROM \"residents\" WHERE \"id\" = $1", &[&patient])?
                .ok_or(StorageError::NotFound)?;
            let (floor, newest): (i64, i64) = (row.get(0), row.get(1));
            // No replica to skip compares with '', which no key is: every record passes.
            let rows = s.all(
                "SELECT \"entity\", \"entity_id\", \"version\", \"deleted\", \"payload\" FROM \"records\" \
                 WHERE \"patient_id\" = $1 AND \"version\" > $2 AND \"written_by_replica\" IS DISTINCT FROM $4 \
                 ORDER BY \"version\" LIMIT $3",
                &[&patient, &after_seq, &(i64::from(limit) + 1), &skip.unwrap_or("")],
            )?;
            let changes = rows
                .iter()
                .map(|r| {
                    Ok(Change {
                        entity: Entity::parse(r.get(0)),
                        id: r.get(1),
                        version: stored_seq(r.get(2))?,
                        deleted: r.get(3),
                        payload: parse_payload(r.get(4))?,
                    })
                })
                .collect::<StorageResult<Vec<_>>>()?;
            Ok((floor, newest, changes))
        })?;
        let has_more = changes.len() > limit as usize;
        changes.truncate(limit as usize);
        let last_seq = match changes.last() {
            Some(c) if has_more => c.version,
            _ => after.max(stored_seq(newest)?),
        };
        Ok(PullPage { changes, last_seq, has_more, floor_seq: stored_seq(floor)? })
    }

    fn versions(&self, patient: ResidentId, entity: &Entity, entity_id: &str) -> StorageResult<Vec<StoredVersion>> {
        self.run(|s| {
            s.all(
                "SELECT h.\"version\", h.\"deleted\", h.\"payload\", h.\"written_at\", r.\"hm_code\", \
                 CASE h.\"written_by_kind\" WHEN 'source' THEN h.\"written_by\" END \
                 FROM \"record_history\" h LEFT JOIN \"residents\" r ON r.\"id\" = h.\"account_id\" \
                 WHERE h.\"patient_id\" = $1 AND h.\"entity\" = $2 AND h.\"entity_id\" = $3 ORDER BY h.\"version\"",
                &[&patient, &entity.as_str(), &entity_id],
            )?
            .iter()
            .map(|r| {
                Ok(StoredVersion {
                    version: stored_seq(r.get(0))?,
                    deleted: r.get(1),
                    payload: parse_payload(r.get(2))?,
                    written_at_ms: r.get(3),
                    account: r.get(4),
                    source: r.get(5),
                })
            })
            .collect()
        })
    }

    fn collect_tombstones(&self, older_than_ms: i64) -> StorageResult<u64> {
        self.run(|s| {
            // The affected patients' locks first (in id order, as every collection takes them):
            // no push to them runs meanwhile, and only their tombstones are forgotten, so none
            // committed after this point escapes the floor.
            let patients: Vec<ResidentId> = s
                .all(
                    "SELECT \"id\" FROM \"residents\" WHERE \"id\" IN (SELECT \"patient_id\" FROM \"records\" \
                       WHERE \"deleted\" AND \"deleted_at\" < $1) ORDER BY \"id\" FOR NO KEY UPDATE",
                    &[&older_than_ms],
                )?
                .iter()
                .map(|r| r.get(0))
                .collect();
            if patients.is_empty() {
                return Ok(0);
            }
            s.exec(
                "DELETE FROM \"record_history\" WHERE (\"patient_id\", \"entity\", \"entity_id\") IN \
                 (SELECT \"patient_id\", \"entity\", \"entity_id\" FROM \"records\" \
                  WHERE \"deleted\" AND \"deleted_at\" < $1 AND \"patient_id\" = ANY($2))",
                &[&older_than_ms, &patients],
            )?;
            s.exec(
                "UPDATE \"residents\" SET \"floor_seq\" = GREATEST(\"floor_seq\", (SELECT MAX(\"version\") FROM \"records\" r \
                   WHERE r.\"patient_id\" = \"residents\".\"id\" AND r.\"deleted\" AND r.\"deleted_at\" < $1)) \
                 WHERE \"id\" = ANY($2)",
                &[&older_than_ms, &patients],
            )?;
            s.exec(
                "DELETE FROM \"records\" WHERE \"deleted\" AND \"deleted_at\" < $1 AND \"patient_id\" = ANY($2)",
                &[&older_than_ms, &patients],
            )
        })
    }
}
