//! Accounts and tokens on SQLite.

use super::{SqliteStorage, lock};
use crate::storage::{AccountStore, RefreshOutcome, Resident, ResidentId, StorageError, StorageResult};
use rusqlite::{OptionalExtension, TransactionBehavior, params};

/// A refresh answered again within this long of its first use is a lost answer, not theft.
const REFRESH_RETRY_GRACE_MS: i64 = 120_000;

impl AccountStore for SqliteStorage {
    fn token_secret(&self) -> StorageResult<Vec<u8>> {
        hex::decode(self.meta("token_secret")?).map_err(|_| StorageError::Corrupt("token secret"))
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
}
