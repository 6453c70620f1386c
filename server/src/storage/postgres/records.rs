//! Record primitives on PostgreSQL. Every primitive that touches a patient first takes the
//! patient's lock (module doc of `super`), so sequence numbers become visible in the order they
//! were taken and a push sees the patient as no concurrent push can change it.
//!
//! **Statements per push.** Each statement is a round trip to the database, and a push of many
//! small records used to cost six per record. So a transaction reads ahead what its batch will
//! look at ([`RecordTx::read_ahead`]: the writer's ledger entries and the records, one statement
//! each), and keeps what it writes here until the work is done: records, kept versions, blob
//! references, ledger entries and the patients' sequence go to the database at the end as one
//! statement per table over arrays (`UNNEST`), before the commit. The locks make this safe:
//! under the patient's lock and the writer's turn no other transaction writes what this one
//! has read or holds back, and every read of this transaction is answered from what it holds
//! first.

use super::{PostgresStorage, Session, Turn, random_hex, turn_key};
use crate::storage::{
    Head, LedgerEntry, NewRecord, PullPage, RecordStore, RecordTx, ResidentId, StorageError, StorageResult,
    StoredVersion, Writer,
};
use std::collections::HashMap;
use techo_protocol::Entity;
use techo_protocol::sync::Change;

/// A record as the primary key names it: patient, entity, entity id.
type RecordKey = (ResidentId, String, String);

fn record_key(patient: ResidentId, entity: &Entity, entity_id: &str) -> RecordKey {
    (patient, entity.as_str().to_owned(), entity_id.to_owned())
}

/// A ledger entry's key: the ledger of a device (account, device) or of a source, and the key.
#[derive(Clone, PartialEq, Eq, Hash)]
enum LedgerKey {
    Device(ResidentId, String, String),
    Source(String, String),
}

impl LedgerKey {
    fn of(writer: Writer<'_>, key: &str) -> Self {
        match writer {
            Writer::Device { resident, device } => Self::Device(resident, device.to_owned(), key.to_owned()),
            Writer::Source(name) => Self::Source(name.to_owned(), key.to_owned()),
        }
    }
}

/// The state a record is left in by this transaction, written at the end.
struct Written {
    key: RecordKey,
    /// Not in the table before this transaction: inserted, with every column.
    new: bool,
    version: i64,
    deleted: bool,
    /// `None` keeps the stored payload (a tombstone of a row already in the table).
    payload: Option<String>,
    payload_hash: Option<String>,
    deleted_at: Option<i64>,
    replica: Option<String>,
    /// Who created it; used for a new row only.
    created_by: String,
    created_by_kind: &'static str,
}

/// One kept version (`record_history`), written at the end.
struct Kept {
    key: RecordKey,
    version: i64,
    deleted: bool,
    payload: String,
    written_by_kind: &'static str,
    written_by: String,
    account: Option<ResidentId>,
    written_at_ms: i64,
}

/// A patient's sequence: as stored when its lock was taken, and the last number taken since.
#[derive(Clone, Copy)]
struct Sequence {
    stored: i64,
    taken: i64,
}

struct PgTx<'s, 'c> {
    s: &'s mut Session<'c>,
    /// Patients whose lock this transaction holds, with their sequence (`None`: no such patient).
    patients: HashMap<ResidentId, Option<Sequence>>,
    /// Writers whose turn this transaction holds.
    writers: Vec<i32>,
    /// Ledger entries this transaction has read or written (`None`: none there).
    ledger: HashMap<LedgerKey, Option<LedgerEntry>>,
    new_ledger: Vec<(LedgerKey, LedgerEntry, i64)>,
    /// Records this transaction has read or written (`None`: none there).
    heads: HashMap<RecordKey, Option<Head>>,
    written: Vec<Written>,
    written_at: HashMap<RecordKey, usize>,
    kept: Vec<Kept>,
    /// Records whose blob references this transaction replaces, with the new ones.
    refs: Vec<(RecordKey, Vec<String>)>,
    refs_at: HashMap<RecordKey, usize>,
}

impl<'s, 'c> PgTx<'s, 'c> {
    fn new(s: &'s mut Session<'c>) -> Self {
        Self {
            s,
            patients: HashMap::new(),
            writers: Vec::new(),
            ledger: HashMap::new(),
            new_ledger: Vec::new(),
            heads: HashMap::new(),
            written: Vec::new(),
            written_at: HashMap::new(),
            kept: Vec::new(),
            refs: Vec::new(),
            refs_at: HashMap::new(),
        }
    }

    fn patient(&mut self, patient: ResidentId) -> StorageResult<()> {
        self.lock_patients(&[patient])
    }

    /// Takes the locks of those of `patients` not yet held, in id order (as every transaction
    /// that takes several does), reading each one's sequence with it.
    fn lock_patients(&mut self, patients: &[ResidentId]) -> StorageResult<()> {
        let mut wanted: Vec<ResidentId> = patients.iter().copied().filter(|p| !self.patients.contains_key(p)).collect();
        if wanted.is_empty() {
            return Ok(());
        }
        wanted.sort_unstable();
        wanted.dedup();
        let rows = self.s.all(
            "SELECT \"id\", \"last_seq\" FROM \"residents\" WHERE \"id\" = ANY($1) ORDER BY \"id\" FOR NO KEY UPDATE",
            &[&wanted],
        )?;
        for p in wanted {
            self.patients.insert(p, None);
        }
        for r in rows {
            let stored: i64 = r.get(1);
            self.patients.insert(r.get(0), Some(Sequence { stored, taken: stored }));
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

    /// Reads the ledger entries of `keys` not known yet, in one statement.
    fn read_ledger(&mut self, writer: Writer<'_>, keys: &[&str]) -> StorageResult<()> {
        self.writer(writer)?;
        let unknown: Vec<&str> =
            keys.iter().copied().filter(|k| !self.ledger.contains_key(&LedgerKey::of(writer, k))).collect();
        if unknown.is_empty() {
            return Ok(());
        }
        let rows = match writer {
            Writer::Device { resident, device } => self.s.all(
                "SELECT \"mutation_id\", \"request_hash\", \"result\" FROM \"applied_mutations\" \
                 WHERE \"resident_id\" = $1 AND \"device_id\" = $2 AND \"mutation_id\" = ANY($3)",
                &[&resident, &device, &unknown],
            )?,
            Writer::Source(name) => self.s.all(
                "SELECT \"key\", \"request_hash\", \"result\" FROM \"ingested\" WHERE \"source\" = $1 AND \"key\" = ANY($2)",
                &[&name, &unknown],
            )?,
        };
        for k in unknown {
            self.ledger.insert(LedgerKey::of(writer, k), None);
        }
        for r in rows {
            let result =
                serde_json::from_str(r.get::<_, &str>(2)).map_err(|_| StorageError::Corrupt("ledger entry"))?;
            self.ledger.insert(LedgerKey::of(writer, r.get(0)), Some(LedgerEntry { request_hash: r.get(1), result }));
        }
        Ok(())
    }

    /// Reads the records of `keys` not known yet, in one statement, under their patients' locks.
    fn read_heads(&mut self, keys: &[RecordKey]) -> StorageResult<()> {
        let unknown: Vec<&RecordKey> = keys.iter().filter(|k| !self.heads.contains_key(*k)).collect();
        if unknown.is_empty() {
            return Ok(());
        }
        let patients: Vec<ResidentId> = unknown.iter().map(|k| k.0).collect();
        self.lock_patients(&patients)?;
        let entities: Vec<&str> = unknown.iter().map(|k| k.1.as_str()).collect();
        let ids: Vec<&str> = unknown.iter().map(|k| k.2.as_str()).collect();
        let rows = self.s.all(
            "SELECT r.\"patient_id\", r.\"entity\", r.\"entity_id\", r.\"version\", r.\"deleted\", r.\"payload_hash\", r.\"payload\" \
             FROM UNNEST($1::BIGINT[], $2::TEXT[], $3::TEXT[]) AS k(\"patient_id\", \"entity\", \"entity_id\") \
             JOIN \"records\" r USING (\"patient_id\", \"entity\", \"entity_id\")",
            &[&patients, &entities, &ids],
        )?;
        let unknown: Vec<RecordKey> = unknown.into_iter().cloned().collect();
        for k in unknown {
            self.heads.insert(k, None);
        }
        for r in rows {
            let head = Head {
                version: stored_seq(r.get(3))?,
                deleted: r.get(4),
                payload_hash: r.get(5),
                payload: parse_payload(r.get(6))?,
            };
            self.heads.insert((r.get(0), r.get(1), r.get(2)), Some(head));
        }
        Ok(())
    }

    fn known_head(&mut self, key: &RecordKey) -> StorageResult<Option<Head>> {
        self.read_heads(std::slice::from_ref(key))?;
        Ok(self.heads.get(key).cloned().flatten())
    }

    /// The state this transaction leaves `key` in, started from what the table holds.
    fn written(&mut self, key: &RecordKey, new: impl FnOnce() -> Written) -> &mut Written {
        let at = *self.written_at.entry(key.clone()).or_insert_with(|| {
            self.written.push(new());
            self.written.len() - 1
        });
        &mut self.written[at]
    }

    /// Writes what this transaction holds back, one statement per table; the work is done.
    fn flush(&mut self) -> StorageResult<()> {
        self.flush_records()?;
        self.flush_kept()?;
        self.flush_refs()?;
        self.flush_ledger()?;
        let (ids, seqs): (Vec<ResidentId>, Vec<i64>) = self
            .patients
            .iter()
            .filter_map(|(id, s)| s.filter(|s| s.taken != s.stored).map(|s| (*id, s.taken)))
            .unzip();
        if !ids.is_empty() {
            self.s.exec(
                "UPDATE \"residents\" SET \"last_seq\" = u.\"last_seq\" \
                 FROM UNNEST($1::BIGINT[], $2::BIGINT[]) AS u(\"id\", \"last_seq\") WHERE \"residents\".\"id\" = u.\"id\"",
                &[&ids, &seqs],
            )?;
        }
        Ok(())
    }

    fn flush_records(&mut self) -> StorageResult<()> {
        let (new, old): (Vec<&Written>, Vec<&Written>) = self.written.iter().partition(|w| w.new);
        if !new.is_empty() {
            let column = |f: fn(&Written) -> &str| new.iter().map(|w| f(w)).collect::<Vec<&str>>();
            self.s.exec(
                "INSERT INTO \"records\" (\"patient_id\", \"entity\", \"entity_id\", \"version\", \"deleted\", \"payload\", \
                 \"payload_hash\", \"created_by\", \"created_by_kind\", \"deleted_at\", \"written_by_replica\") \
                 SELECT * FROM UNNEST($1::BIGINT[], $2::TEXT[], $3::TEXT[], $4::BIGINT[], $5::BOOLEAN[], $6::TEXT[], \
                 $7::TEXT[], $8::TEXT[], $9::TEXT[], $10::BIGINT[], $11::TEXT[])",
                &[
                    &new.iter().map(|w| w.key.0).collect::<Vec<_>>(),
                    &column(|w| &w.key.1),
                    &column(|w| &w.key.2),
                    &new.iter().map(|w| w.version).collect::<Vec<_>>(),
                    &new.iter().map(|w| w.deleted).collect::<Vec<_>>(),
                    &new.iter().map(|w| w.payload.as_deref()).collect::<Vec<_>>(),
                    &new.iter().map(|w| w.payload_hash.as_deref()).collect::<Vec<_>>(),
                    &column(|w| &w.created_by),
                    &column(|w| w.created_by_kind),
                    &new.iter().map(|w| w.deleted_at).collect::<Vec<_>>(),
                    &new.iter().map(|w| w.replica.as_deref()).collect::<Vec<_>>(),
                ],
            )?;
        }
        if !old.is_empty() {
            let changed = self.s.exec(
                "UPDATE \"records\" r SET \"version\" = u.\"version\", \"deleted\" = u.\"deleted\", \
                 \"payload\" = COALESCE(u.\"payload\", r.\"payload\"), \
                 \"payload_hash\" = COALESCE(u.\"payload_hash\", r.\"payload_hash\"), \
                 \"deleted_at\" = COALESCE(u.\"deleted_at\", r.\"deleted_at\"), \"written_by_replica\" = u.\"replica\" \
                 FROM UNNEST($1::BIGINT[], $2::TEXT[], $3::TEXT[], $4::BIGINT[], $5::BOOLEAN[], $6::TEXT[], $7::TEXT[], \
                 $8::BIGINT[], $9::TEXT[]) \
                 AS u(\"patient_id\", \"entity\", \"entity_id\", \"version\", \"deleted\", \"payload\", \"payload_hash\", \
                 \"deleted_at\", \"replica\") \
                 WHERE r.\"patient_id\" = u.\"patient_id\" AND r.\"entity\" = u.\"entity\" AND r.\"entity_id\" = u.\"entity_id\"",
                &[
                    &old.iter().map(|w| w.key.0).collect::<Vec<_>>(),
                    &old.iter().map(|w| w.key.1.as_str()).collect::<Vec<_>>(),
                    &old.iter().map(|w| w.key.2.as_str()).collect::<Vec<_>>(),
                    &old.iter().map(|w| w.version).collect::<Vec<_>>(),
                    &old.iter().map(|w| w.deleted).collect::<Vec<_>>(),
                    &old.iter().map(|w| w.payload.as_deref()).collect::<Vec<_>>(),
                    &old.iter().map(|w| w.payload_hash.as_deref()).collect::<Vec<_>>(),
                    &old.iter().map(|w| w.deleted_at).collect::<Vec<_>>(),
                    &old.iter().map(|w| w.replica.as_deref()).collect::<Vec<_>>(),
                ],
            )?;
            // Each was read under the patient's lock a moment ago.
            if changed != old.len() as u64 {
                return Err(StorageError::Corrupt("a record read in this transaction is gone"));
            }
        }
        Ok(())
    }

    fn flush_kept(&mut self) -> StorageResult<()> {
        let kept = &self.kept;
        if kept.is_empty() {
            return Ok(());
        }
        self.s.exec(
            "INSERT INTO \"record_history\" (\"patient_id\", \"entity\", \"entity_id\", \"version\", \"deleted\", \
             \"payload\", \"written_by_kind\", \"written_by\", \"account_id\", \"written_at\") \
             SELECT * FROM UNNEST($1::BIGINT[], $2::TEXT[], $3::TEXT[], $4::BIGINT[], $5::BOOLEAN[], $6::TEXT[], \
             $7::TEXT[], $8::TEXT[], $9::BIGINT[], $10::BIGINT[])",
            &[
                &kept.iter().map(|k| k.key.0).collect::<Vec<_>>(),
                &kept.iter().map(|k| k.key.1.as_str()).collect::<Vec<_>>(),
                &kept.iter().map(|k| k.key.2.as_str()).collect::<Vec<_>>(),
                &kept.iter().map(|k| k.version).collect::<Vec<_>>(),
                &kept.iter().map(|k| k.deleted).collect::<Vec<_>>(),
                &kept.iter().map(|k| k.payload.as_str()).collect::<Vec<_>>(),
                &kept.iter().map(|k| k.written_by_kind).collect::<Vec<_>>(),
                &kept.iter().map(|k| k.written_by.as_str()).collect::<Vec<_>>(),
                &kept.iter().map(|k| k.account).collect::<Vec<_>>(),
                &kept.iter().map(|k| k.written_at_ms).collect::<Vec<_>>(),
            ],
        )?;
        Ok(())
    }

    fn flush_refs(&mut self) -> StorageResult<()> {
        let refs = &self.refs;
        // A record this transaction inserts has no references to replace: they are written with
        // their record and cleared when it is deleted, and only deleted records are ever removed.
        let replaced: Vec<&RecordKey> = refs
            .iter()
            .map(|r| &r.0)
            .filter(|k| self.written_at.get(*k).is_none_or(|&at| !self.written[at].new))
            .collect();
        if !replaced.is_empty() {
            self.s.exec(
                "DELETE FROM \"blob_refs\" b USING UNNEST($1::BIGINT[], $2::TEXT[], $3::TEXT[]) \
                 AS k(\"patient_id\", \"entity\", \"entity_id\") \
                 WHERE b.\"patient_id\" = k.\"patient_id\" AND b.\"entity\" = k.\"entity\" AND b.\"entity_id\" = k.\"entity_id\"",
                &[
                    &replaced.iter().map(|k| k.0).collect::<Vec<_>>(),
                    &replaced.iter().map(|k| k.1.as_str()).collect::<Vec<_>>(),
                    &replaced.iter().map(|k| k.2.as_str()).collect::<Vec<_>>(),
                ],
            )?;
        }
        let rows: Vec<(&RecordKey, &str)> =
            refs.iter().flat_map(|(k, shas)| shas.iter().map(move |s| (k, s.as_str()))).collect();
        if !rows.is_empty() {
            self.s.exec(
                "INSERT INTO \"blob_refs\" (\"patient_id\", \"entity\", \"entity_id\", \"sha256\") \
                 SELECT * FROM UNNEST($1::BIGINT[], $2::TEXT[], $3::TEXT[], $4::TEXT[]) \
                 ON CONFLICT (\"patient_id\", \"entity\", \"entity_id\", \"sha256\") DO NOTHING",
                &[
                    &rows.iter().map(|r| r.0.0).collect::<Vec<_>>(),
                    &rows.iter().map(|r| r.0.1.as_str()).collect::<Vec<_>>(),
                    &rows.iter().map(|r| r.0.2.as_str()).collect::<Vec<_>>(),
                    &rows.iter().map(|r| r.1).collect::<Vec<_>>(),
                ],
            )?;
        }
        Ok(())
    }

    fn flush_ledger(&mut self) -> StorageResult<()> {
        let json =
            |e: &LedgerEntry| serde_json::to_string(&e.result).map_err(|_| StorageError::Corrupt("result encoding"));
        let mut devices = Vec::new();
        let mut sources = Vec::new();
        for (key, entry, at) in &self.new_ledger {
            match key {
                LedgerKey::Device(resident, device, k) => {
                    devices.push((*resident, device, k, entry, json(entry)?, *at))
                }
                LedgerKey::Source(name, k) => sources.push((name, k, entry, json(entry)?, *at)),
            }
        }
        if !devices.is_empty() {
            self.s.exec(
                "INSERT INTO \"applied_mutations\" (\"resident_id\", \"device_id\", \"mutation_id\", \"request_hash\", \"result\", \"applied_at\") \
                 SELECT * FROM UNNEST($1::BIGINT[], $2::TEXT[], $3::TEXT[], $4::TEXT[], $5::TEXT[], $6::BIGINT[])",
                &[
                    &devices.iter().map(|d| d.0).collect::<Vec<_>>(),
                    &devices.iter().map(|d| d.1.as_str()).collect::<Vec<_>>(),
                    &devices.iter().map(|d| d.2.as_str()).collect::<Vec<_>>(),
                    &devices.iter().map(|d| d.3.request_hash.as_str()).collect::<Vec<_>>(),
                    &devices.iter().map(|d| d.4.as_str()).collect::<Vec<_>>(),
                    &devices.iter().map(|d| d.5).collect::<Vec<_>>(),
                ],
            )?;
        }
        if !sources.is_empty() {
            self.s.exec(
                "INSERT INTO \"ingested\" (\"source\", \"key\", \"request_hash\", \"result\", \"applied_at\") \
                 SELECT * FROM UNNEST($1::TEXT[], $2::TEXT[], $3::TEXT[], $4::TEXT[], $5::BIGINT[])",
                &[
                    &sources.iter().map(|d| d.0.as_str()).collect::<Vec<_>>(),
                    &sources.iter().map(|d| d.1.as_str()).collect::<Vec<_>>(),
                    &sources.iter().map(|d| d.2.request_hash.as_str()).collect::<Vec<_>>(),
                    &sources.iter().map(|d| d.3.as_str()).collect::<Vec<_>>(),
                    &sources.iter().map(|d| d.4).collect::<Vec<_>>(),
                ],
            )?;
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

impl RecordTx for PgTx<'_, '_> {
    fn read_ahead(
        &mut self,
        writer: Writer<'_>,
        keys: &[&str],
        records: &[(ResidentId, &Entity, &str)],
    ) -> StorageResult<()> {
        self.read_ledger(writer, keys)?;
        let records: Vec<RecordKey> = records.iter().map(|(p, e, id)| record_key(*p, e, id)).collect();
        self.read_heads(&records)
    }

    fn ledger_entry(&mut self, writer: Writer<'_>, key: &str) -> StorageResult<Option<LedgerEntry>> {
        self.read_ledger(writer, &[key])?;
        Ok(self.ledger.get(&LedgerKey::of(writer, key)).cloned().flatten())
    }

    fn add_ledger_entry(
        &mut self,
        writer: Writer<'_>,
        key: &str,
        entry: &LedgerEntry,
        now_ms: i64,
    ) -> StorageResult<()> {
        self.read_ledger(writer, &[key])?;
        let key = LedgerKey::of(writer, key);
        if matches!(self.ledger.get(&key), Some(Some(_))) {
            return Err(StorageError::AlreadyExists);
        }
        self.ledger.insert(key.clone(), Some(entry.clone()));
        self.new_ledger.push((key, entry.clone(), now_ms));
        Ok(())
    }

    fn head(&mut self, patient: ResidentId, entity: &Entity, entity_id: &str) -> StorageResult<Option<Head>> {
        self.known_head(&record_key(patient, entity, entity_id))
    }

    fn next_seq(&mut self, patient: ResidentId) -> StorageResult<u64> {
        self.patient(patient)?;
        let sequence = self.patients.get_mut(&patient).and_then(Option::as_mut).ok_or(StorageError::NotFound)?;
        sequence.taken += 1;
        stored_seq(sequence.taken)
    }

    fn insert(&mut self, patient: ResidentId, rec: &NewRecord<'_>) -> StorageResult<()> {
        let key = record_key(patient, rec.entity, rec.entity_id);
        if self.known_head(&key)?.is_some() {
            return Err(StorageError::AlreadyExists);
        }
        let (kind, by) = writer_columns(rec.origin);
        let payload = rec.payload.to_string();
        let version = seq(rec.version)?;
        let deleted = rec.deleted_at_ms.is_some();
        // Not there before (checked above), so not among the written either.
        self.written_at.insert(key.clone(), self.written.len());
        self.written.push(Written {
            key: key.clone(),
            new: true,
            version,
            deleted,
            payload: Some(payload),
            payload_hash: Some(rec.payload_hash.to_owned()),
            deleted_at: rec.deleted_at_ms,
            replica: rec.replica.map(str::to_owned),
            created_by: by.to_owned(),
            created_by_kind: kind,
        });
        let head = Head {
            version: rec.version,
            deleted,
            payload_hash: rec.payload_hash.to_owned(),
            payload: rec.payload.clone(),
        };
        self.heads.insert(key, Some(head));
        Ok(())
    }

    fn replace(&mut self, patient: ResidentId, rec: &NewRecord<'_>) -> StorageResult<()> {
        let key = record_key(patient, rec.entity, rec.entity_id);
        let Some(mut head) = self.known_head(&key)? else { return Err(StorageError::NotFound) };
        let version = seq(rec.version)?;
        let w = self.written(&key, || untouched(&key, &head));
        w.version = version;
        w.payload = Some(rec.payload.to_string());
        w.payload_hash = Some(rec.payload_hash.to_owned());
        w.replica = rec.replica.map(str::to_owned);
        head.version = rec.version;
        head.payload_hash = rec.payload_hash.to_owned();
        head.payload = rec.payload.clone();
        self.heads.insert(key, Some(head));
        Ok(())
    }

    fn keep_version(&mut self, patient: ResidentId, rec: &NewRecord<'_>, written_at_ms: i64) -> StorageResult<()> {
        self.patient(patient)?;
        let (kind, by) = writer_columns(rec.origin);
        let account = match rec.origin {
            Writer::Device { resident, .. } => Some(resident),
            Writer::Source(_) => None,
        };
        self.kept.push(Kept {
            key: record_key(patient, rec.entity, rec.entity_id),
            version: seq(rec.version)?,
            deleted: rec.deleted_at_ms.is_some(),
            payload: rec.payload.to_string(),
            written_by_kind: kind,
            written_by: by.to_owned(),
            account,
            written_at_ms,
        });
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
        let key = record_key(patient, entity, entity_id);
        let Some(mut head) = self.known_head(&key)? else { return Err(StorageError::NotFound) };
        let stored_version = seq(version)?;
        let w = self.written(&key, || untouched(&key, &head));
        w.version = stored_version;
        w.deleted = true;
        w.deleted_at = Some(deleted_at_ms);
        w.replica = replica.map(str::to_owned);
        head.version = version;
        head.deleted = true;
        self.heads.insert(key, Some(head));
        Ok(())
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
        let key = record_key(patient, entity, entity_id);
        match self.refs_at.get(&key) {
            Some(&at) => self.refs[at].1 = sha256s.to_vec(),
            None => {
                self.refs_at.insert(key.clone(), self.refs.len());
                self.refs.push((key, sha256s.to_vec()));
            }
        }
        Ok(())
    }
}

/// A row already in the table, as this transaction found it: nothing changed yet.
fn untouched(key: &RecordKey, head: &Head) -> Written {
    Written {
        key: key.clone(),
        new: false,
        version: i64::try_from(head.version).unwrap_or(i64::MAX),
        deleted: head.deleted,
        payload: None,
        payload_hash: None,
        deleted_at: None,
        replica: None,
        created_by: String::new(),
        created_by_kind: "",
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
        self.run(|s| {
            let mut tx = PgTx::new(s);
            work(&mut tx)?;
            tx.flush()
        })
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
