//! The embedded SQLite backend: one writer connection (which makes commit order = sequence
//! order trivially) and a few readers for pulls, all in WAL mode.

use super::{
    CheckedMutation, PullPage, PullStart, RefreshOutcome, Resident, ResidentId, Storage, StorageError, StorageResult,
};
use rusqlite::{Connection, OpenFlags, OptionalExtension, Transaction, TransactionBehavior, params};
use sha2::{Digest, Sha256};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};
use techo_protocol::error::ErrorCode;
use techo_protocol::sync::{Change, MutationResult, MutationStatus};
use techo_protocol::{Entity, Op};

const MIGRATIONS: &[(i64, &str)] =
    &[(1, include_str!("migrations/0001_init.sql")), (2, include_str!("migrations/0002_tombstone_gc.sql"))];
const READERS: usize = 4;
const REFRESH_RETRY_GRACE_MS: i64 = 120_000;

pub struct SqliteStorage {
    writer: Mutex<Connection>,
    readers: Vec<Mutex<Connection>>,
    next_reader: AtomicUsize,
}

fn lock(m: &Mutex<Connection>) -> MutexGuard<'_, Connection> {
    // Transactions roll back when dropped during a panic, so the connection is still sound.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn random_hex(n: usize) -> StorageResult<String> {
    let mut b = vec![0u8; n];
    getrandom::fill(&mut b).map_err(|_| StorageError::Unavailable("no system randomness".into()))?;
    Ok(hex::encode(b))
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

impl SqliteStorage {
    pub fn open(path: &Path) -> StorageResult<Self> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| StorageError::Unavailable(format!("data directory: {}", e.kind())))?;
        }
        let mut writer = techo_sqlcipher_crypto::open(path)?;
        writer.busy_timeout(std::time::Duration::from_secs(10))?;
        let mode: String = writer.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StorageError::Unavailable("WAL mode unavailable".into()));
        }
        // A push is acknowledged only after its commit: it must survive power loss.
        writer.pragma_update(None, "synchronous", "FULL")?;
        writer.pragma_update(None, "foreign_keys", "ON")?;
        migrate(&mut writer)?;
        init_meta(&writer)?;
        let readers = (0..READERS)
            .map(|_| {
                let c = techo_sqlcipher_crypto::open_with_flags(
                    path,
                    OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
                )?;
                c.busy_timeout(std::time::Duration::from_secs(10))?;
                Ok(Mutex::new(c))
            })
            .collect::<StorageResult<Vec<_>>>()?;
        Ok(Self { writer: Mutex::new(writer), readers, next_reader: AtomicUsize::new(0) })
    }

    fn reader(&self) -> MutexGuard<'_, Connection> {
        let i = self.next_reader.fetch_add(1, Ordering::Relaxed) % self.readers.len();
        lock(&self.readers[i])
    }

    fn meta(&self, key: &str) -> StorageResult<String> {
        self.reader()
            .query_row("SELECT \"value\" FROM \"server_meta\" WHERE \"key\" = ?1", [key], |r| r.get(0))
            .optional()?
            .ok_or(StorageError::Corrupt("server metadata missing"))
    }
}

fn migrate(conn: &mut Connection) -> StorageResult<()> {
    let found: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let latest = MIGRATIONS.last().map_or(0, |m| m.0);
    if found > latest {
        return Err(StorageError::Unavailable(format!("database schema {found} is newer than this server ({latest})")));
    }
    for (version, sql) in MIGRATIONS.iter().filter(|m| m.0 > found) {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", version)?;
        tx.commit()?;
    }
    Ok(())
}

fn init_meta(conn: &Connection) -> StorageResult<()> {
    for (key, bytes) in [("epoch", 8), ("token_secret", 32)] {
        conn.execute(
            "INSERT INTO \"server_meta\" (\"key\", \"value\") VALUES (?1, ?2) ON CONFLICT (\"key\") DO NOTHING",
            params![key, random_hex(bytes)?],
        )?;
    }
    Ok(())
}

fn next_seq(tx: &Transaction<'_>, patient: ResidentId) -> StorageResult<u64> {
    let seq: i64 = tx.query_row(
        "UPDATE \"residents\" SET \"last_seq\" = \"last_seq\" + 1 WHERE \"id\" = ?1 RETURNING \"last_seq\"",
        [patient],
        |r| r.get(0),
    )?;
    Ok(seq as u64)
}

fn result(
    m: &CheckedMutation,
    status: MutationStatus,
    commit_seq: Option<u64>,
    error: Option<ErrorCode>,
) -> MutationResult {
    MutationResult { mutation_id: m.mutation.mutation_id.clone(), status, commit_seq, error, server_record: None }
}

/// A new row at the next position of the patient's sequence.
fn insert_record(
    tx: &Transaction<'_>,
    patient: ResidentId,
    mu: &techo_protocol::sync::Mutation,
    deleted_at: Option<i64>,
    payload: &str,
    payload_hash: &str,
    device_id: &str,
) -> StorageResult<u64> {
    let seq = next_seq(tx, patient)?;
    tx.prepare_cached(
        "INSERT INTO \"records\" (\"patient_id\", \"entity\", \"entity_id\", \"version\", \"deleted\", \"payload\", \
         \"payload_hash\", \"created_by\", \"deleted_at\") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        patient,
        mu.entity.as_str(),
        mu.entity_id,
        seq as i64,
        deleted_at.is_some(),
        payload,
        payload_hash,
        device_id,
        deleted_at
    ])?;
    Ok(seq)
}

/// Applies one mutation to the records table.
fn apply(
    tx: &Transaction<'_>,
    device_id: &str,
    m: &CheckedMutation,
    patient: ResidentId,
    now_ms: i64,
) -> StorageResult<MutationResult> {
    let mu = &m.mutation;
    let payload = serde_json::to_string(&mu.payload).map_err(|_| StorageError::Corrupt("payload encoding"))?;
    let payload_hash = sha256_hex(payload.as_bytes());
    let existing: Option<(i64, bool, String)> = tx
        .prepare_cached(
            "SELECT \"version\", \"deleted\", \"payload_hash\" FROM \"records\" \
             WHERE \"patient_id\" = ?1 AND \"entity\" = ?2 AND \"entity_id\" = ?3",
        )?
        .query_row(params![patient, mu.entity.as_str(), mu.entity_id], |r| {
            Ok((r.get(0)?, r.get::<_, i64>(1)? != 0, r.get(2)?))
        })
        .optional()?;
    Ok(match (mu.op, existing) {
        (Op::Create, None) => {
            let seq = insert_record(tx, patient, mu, None, &payload, &payload_hash, device_id)?;
            result(m, MutationStatus::Applied, Some(seq), None)
        }
        // The same record again (another device relayed it, or a lost response) is success; a
        // record already deleted stays deleted.
        (Op::Create, Some((version, deleted, hash))) if deleted || hash == payload_hash => {
            result(m, MutationStatus::Applied, Some(version as u64), None)
        }
        (Op::Create, Some(_)) => result(m, MutationStatus::Rejected, None, Some(ErrorCode::ConflictingRecord)),
        (Op::Update, _) => result(m, MutationStatus::Rejected, None, Some(ErrorCode::UnsupportedEntity)),
        (Op::Delete, Some((version, true, _))) => result(m, MutationStatus::Applied, Some(version as u64), None),
        (Op::Delete, Some((_, false, _))) => {
            let seq = next_seq(tx, patient)?;
            tx.prepare_cached(
                "UPDATE \"records\" SET \"deleted\" = 1, \"version\" = ?4, \"deleted_at\" = ?5 \
                 WHERE \"patient_id\" = ?1 AND \"entity\" = ?2 AND \"entity_id\" = ?3",
            )?
            .execute(params![patient, mu.entity.as_str(), mu.entity_id, seq as i64, now_ms])?;
            result(m, MutationStatus::Applied, Some(seq), None)
        }
        // Deleting what the server never saw still leaves a tombstone, so a late create cannot
        // bring it back.
        (Op::Delete, None) => {
            let seq = insert_record(tx, patient, mu, Some(now_ms), &payload, &payload_hash, device_id)?;
            result(m, MutationStatus::Applied, Some(seq), None)
        }
    })
}

impl Storage for SqliteStorage {
    fn epoch(&self) -> StorageResult<String> {
        self.meta("epoch")
    }

    fn token_secret(&self) -> StorageResult<Vec<u8>> {
        hex::decode(self.meta("token_secret")?).map_err(|_| StorageError::Corrupt("token secret"))
    }

    fn bump_epoch(&self) -> StorageResult<String> {
        let epoch = random_hex(8)?;
        lock(&self.writer).execute("UPDATE \"server_meta\" SET \"value\" = ?1 WHERE \"key\" = 'epoch'", [&epoch])?;
        Ok(epoch)
    }

    fn add_resident(&self, hm_code: &str, name: &str, birth_date: &str, now_ms: i64) -> StorageResult<ResidentId> {
        let conn = lock(&self.writer);
        let exists: bool =
            conn.query_row("SELECT EXISTS (SELECT 1 FROM \"residents\" WHERE \"hm_code\" = ?1)", [hm_code], |r| {
                r.get(0)
            })?;
        if exists {
            return Err(StorageError::AlreadyExists);
        }
        conn.execute(
            "INSERT INTO \"residents\" (\"hm_code\", \"display_name\", \"birth_date\", \"created_at\") VALUES (?1, ?2, ?3, ?4)",
            params![hm_code, name, birth_date, now_ms],
        )?;
        Ok(conn.last_insert_rowid())
    }

    fn add_activation_code(&self, resident: ResidentId, code_hash: &str, expires_at_ms: i64) -> StorageResult<()> {
        lock(&self.writer).execute(
            "INSERT INTO \"activation_codes\" (\"code_hash\", \"resident_id\", \"expires_at\") VALUES (?1, ?2, ?3)",
            params![code_hash, resident, expires_at_ms],
        )?;
        Ok(())
    }

    fn activate(&self, hm_code: &str, code_hash: &str, password_hash: &str, now_ms: i64) -> StorageResult<()> {
        let mut conn = lock(&self.writer);
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let resident: Option<i64> = tx
            .query_row(
                "SELECT r.\"id\" FROM \"activation_codes\" a JOIN \"residents\" r ON r.\"id\" = a.\"resident_id\" \
                 WHERE a.\"code_hash\" = ?1 AND r.\"hm_code\" = ?2 AND a.\"used_at\" IS NULL AND a.\"expires_at\" > ?3",
                params![code_hash, hm_code, now_ms],
                |r| r.get(0),
            )
            .optional()?;
        let resident = resident.ok_or(StorageError::NotFound)?;
        tx.execute(
            "UPDATE \"activation_codes\" SET \"used_at\" = ?2 WHERE \"code_hash\" = ?1",
            params![code_hash, now_ms],
        )?;
        tx.execute(
            "UPDATE \"residents\" SET \"password_hash\" = ?2, \"activated_at\" = ?3 WHERE \"id\" = ?1",
            params![resident, password_hash, now_ms],
        )?;
        tx.commit()?;
        Ok(())
    }

    fn resident_by_hm_code(&self, hm_code: &str) -> StorageResult<Option<Resident>> {
        Ok(self
            .reader()
            .query_row(
                "SELECT \"id\", \"hm_code\", \"password_hash\" FROM \"residents\" WHERE \"hm_code\" = ?1",
                [hm_code],
                |r| Ok(Resident { id: r.get(0)?, hm_code: r.get(1)?, password_hash: r.get(2)? }),
            )
            .optional()?)
    }

    fn patients_of(&self, resident: ResidentId) -> StorageResult<Vec<(ResidentId, String)>> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached("SELECT \"id\", \"hm_code\" FROM \"residents\" WHERE \"id\" = ?1")?;
        let rows = stmt.query_map([resident], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn sign_in_device(
        &self,
        resident: ResidentId,
        device_id: &str,
        name: Option<&str>,
        now_ms: i64,
    ) -> StorageResult<()> {
        lock(&self.writer).execute(
            "INSERT INTO \"devices\" (\"id\", \"resident_id\", \"name\", \"created_at\", \"signed_in\") VALUES (?1, ?2, ?3, ?4, 1) \
             ON CONFLICT (\"id\") DO UPDATE SET \"resident_id\" = excluded.\"resident_id\", \"name\" = excluded.\"name\", \"signed_in\" = 1",
            params![device_id, resident, name, now_ms],
        )?;
        Ok(())
    }

    fn device_signed_in(&self, resident: ResidentId, device_id: &str) -> StorageResult<bool> {
        Ok(self
            .reader()
            .prepare_cached("SELECT \"signed_in\" FROM \"devices\" WHERE \"id\" = ?1 AND \"resident_id\" = ?2")?
            .query_row(params![device_id, resident], |r| r.get::<_, i64>(0))
            .optional()?
            == Some(1))
    }

    fn add_refresh_token(
        &self,
        token_hash: &str,
        device_id: &str,
        resident: ResidentId,
        expires_at_ms: i64,
    ) -> StorageResult<()> {
        lock(&self.writer).execute(
            "INSERT INTO \"refresh_tokens\" (\"token_hash\", \"device_id\", \"resident_id\", \"expires_at\") VALUES (?1, ?2, ?3, ?4)",
            params![token_hash, device_id, resident, expires_at_ms],
        )?;
        Ok(())
    }

    fn use_refresh_token(&self, token_hash: &str, device_id: &str, now_ms: i64) -> StorageResult<RefreshOutcome> {
        let mut conn = lock(&self.writer);
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let row: Option<(ResidentId, i64, Option<i64>, bool)> = tx
            .query_row(
                "SELECT \"resident_id\", \"expires_at\", \"used_at\", \"revoked\" FROM \"refresh_tokens\" \
                 WHERE \"token_hash\" = ?1 AND \"device_id\" = ?2",
                params![token_hash, device_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get::<_, i64>(3)? != 0)),
            )
            .optional()?;
        let outcome = match row {
            None => RefreshOutcome::Invalid,
            // The answer to a refresh can be lost on a bad network after we consumed the token.
            // A retry of the latest refresh shortly after is that, not theft: answer it again and
            // void the tokens issued in the lost answer.
            Some((resident, _, Some(used), false))
                if now_ms - used < REFRESH_RETRY_GRACE_MS && {
                    let later: bool = tx.query_row(
                    "SELECT EXISTS (SELECT 1 FROM \"refresh_tokens\" WHERE \"device_id\" = ?1 AND \"used_at\" > ?2)",
                    params![device_id, used],
                    |r| r.get(0),
                )?;
                    !later
                } =>
            {
                tx.execute(
                    "UPDATE \"refresh_tokens\" SET \"revoked\" = 1 WHERE \"device_id\" = ?1 AND \"used_at\" IS NULL",
                    [device_id],
                )?;
                RefreshOutcome::Rotated { resident }
            }
            Some((_, _, Some(_), _)) => {
                // Reuse detection: a consumed token came back, so two parties hold this device's
                // tokens. Sign the device out; the owner logs in again.
                tx.execute("UPDATE \"refresh_tokens\" SET \"revoked\" = 1 WHERE \"device_id\" = ?1", [device_id])?;
                tx.execute("UPDATE \"devices\" SET \"signed_in\" = 0 WHERE \"id\" = ?1", [device_id])?;
                RefreshOutcome::Reused
            }
            Some((_, expires, None, revoked)) if revoked || expires <= now_ms => RefreshOutcome::Invalid,
            Some((resident, _, None, _)) => {
                tx.execute(
                    "UPDATE \"refresh_tokens\" SET \"used_at\" = ?2 WHERE \"token_hash\" = ?1",
                    params![token_hash, now_ms],
                )?;
                RefreshOutcome::Rotated { resident }
            }
        };
        tx.commit()?;
        Ok(outcome)
    }

    fn sign_out_device(&self, device_id: &str) -> StorageResult<()> {
        let mut conn = lock(&self.writer);
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute("UPDATE \"refresh_tokens\" SET \"revoked\" = 1 WHERE \"device_id\" = ?1", [device_id])?;
        tx.execute("UPDATE \"devices\" SET \"signed_in\" = 0 WHERE \"id\" = ?1", [device_id])?;
        tx.commit()?;
        Ok(())
    }

    fn push(&self, device_id: &str, batch: Vec<CheckedMutation>, now_ms: i64) -> StorageResult<Vec<MutationResult>> {
        let mut conn = lock(&self.writer);
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut results = Vec::with_capacity(batch.len());
        for m in &batch {
            let recorded: Option<(String, String)> = tx
                .prepare_cached(
                    "SELECT \"request_hash\", \"result\" FROM \"applied_mutations\" WHERE \"device_id\" = ?1 AND \"mutation_id\" = ?2",
                )?
                .query_row(params![device_id, m.mutation.mutation_id], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?;
            if let Some((hash, json)) = recorded {
                if hash != m.request_hash {
                    // Same key, different request: refuse without touching the recorded result.
                    results.push(result(m, MutationStatus::Rejected, None, Some(ErrorCode::IdempotencyConflict)));
                    continue;
                }
                let mut first: MutationResult =
                    serde_json::from_str(&json).map_err(|_| StorageError::Corrupt("ledger entry"))?;
                if first.status == MutationStatus::Applied {
                    first.status = MutationStatus::Duplicate;
                }
                results.push(first);
                continue;
            }
            let outcome = match &m.target {
                Ok(patient) => apply(&tx, device_id, m, *patient, now_ms)?,
                Err(rejected) => rejected.clone(),
            };
            let json = serde_json::to_string(&outcome).map_err(|_| StorageError::Corrupt("result encoding"))?;
            tx.prepare_cached(
                "INSERT INTO \"applied_mutations\" (\"device_id\", \"mutation_id\", \"request_hash\", \"result\", \"applied_at\") \
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![device_id, m.mutation.mutation_id, m.request_hash, json, now_ms])?;
            results.push(outcome);
        }
        tx.commit()?;
        Ok(results)
    }

    fn collect_tombstones(&self, older_than_ms: i64) -> StorageResult<u64> {
        let mut conn = lock(&self.writer);
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        // Raise each patient's floor to the newest tombstone forgotten: a cursor below it may
        // have missed a deletion and must refetch.
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

    fn pull_start(&self, patient: ResidentId, after: u64) -> StorageResult<PullStart> {
        let floor: i64 =
            self.reader()
                .query_row("SELECT \"floor_seq\" FROM \"residents\" WHERE \"id\" = ?1", [patient], |r| r.get(0))?;
        Ok(if after > 0 && (after as i64) < floor { PullStart::MustRefetch } else { PullStart::From(after) })
    }

    fn pull(&self, patient: ResidentId, after: u64, limit: u32) -> StorageResult<PullPage> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(
            "SELECT \"entity\", \"entity_id\", \"version\", \"deleted\", \"payload\" FROM \"records\" \
             WHERE \"patient_id\" = ?1 AND \"version\" > ?2 ORDER BY \"version\" LIMIT ?3",
        )?;
        let mut rows = stmt.query(params![patient, after as i64, i64::from(limit) + 1])?;
        let mut changes = Vec::new();
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
        let has_more = changes.len() > limit as usize;
        changes.truncate(limit as usize);
        let last_seq = changes.last().map_or(after, |c| c.version);
        Ok(PullPage { changes, last_seq, has_more })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema(path: &Path) -> Vec<(String, Option<String>)> {
        let c = Connection::open(path).unwrap();
        let mut stmt = c
            .prepare("SELECT \"name\", \"sql\" FROM sqlite_master WHERE \"name\" NOT LIKE 'sqlite_%' ORDER BY \"name\"")
            .unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().collect::<Result<_, _>>().unwrap()
    }

    /// Every earlier server schema upgrades to exactly the fresh one, keeping its data.
    #[test]
    fn every_earlier_schema_upgrades_to_the_fresh_one() {
        let dir = tempfile::tempdir().unwrap();
        let fresh = dir.path().join("fresh.db");
        drop(SqliteStorage::open(&fresh).unwrap());
        let want = schema(&fresh);
        for upto in 0..MIGRATIONS.len() {
            let path = dir.path().join(format!("old{upto}.db"));
            {
                let c = Connection::open(&path).unwrap();
                for (version, sql) in &MIGRATIONS[..upto] {
                    c.execute_batch(sql).unwrap();
                    c.pragma_update(None, "user_version", version).unwrap();
                }
                if upto >= 1 {
                    c.execute_batch(
                        "INSERT INTO \"residents\" (\"hm_code\", \"display_name\", \"birth_date\", \"created_at\") VALUES ('34001234', 'A', '1950-01-01', 0);",
                    )
                    .unwrap();
                }
            }
            let s = SqliteStorage::open(&path).unwrap();
            assert_eq!(schema(&path), want, "upgrade from {upto}");
            if upto >= 1 {
                assert!(s.resident_by_hm_code("34001234").unwrap().is_some(), "data kept from {upto}");
            }
        }
        // A newer schema is refused.
        let c = Connection::open(&fresh).unwrap();
        c.pragma_update(None, "user_version", 99).unwrap();
        drop(c);
        assert!(SqliteStorage::open(&fresh).is_err());
    }
}
