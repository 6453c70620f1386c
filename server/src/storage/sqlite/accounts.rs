//! Accounts, sessions and sign-in limits on SQLite.

use super::SqliteStorage;
use crate::storage::{
    AccountStore, NewSession, NextRefresh, PresentedRefresh, RefreshOutcome, Resident, ResidentId, StorageError,
    StorageResult, ThrottleRule,
};
use rusqlite::{OptionalExtension, TransactionBehavior, params};

impl AccountStore for SqliteStorage {
    fn legacy_token_secret(&self) -> StorageResult<Option<Vec<u8>>> {
        let value: Option<String> = self
            .writer
            .exclusive()
            .query_row("SELECT \"value\" FROM \"server_meta\" WHERE \"key\" = 'token_secret'", [], |r| r.get(0))
            .optional()?;
        value.map(|v| hex::decode(v).map_err(|_| StorageError::Corrupt("token secret"))).transpose()
    }

    fn forget_legacy_token_secret(&self) -> StorageResult<()> {
        self.writer.exclusive().execute("DELETE FROM \"server_meta\" WHERE \"key\" = 'token_secret'", [])?;
        Ok(())
    }

    fn add_resident(&self, hm_code: &str, name: &str, birth_date: &str, now_ms: i64) -> StorageResult<ResidentId> {
        let conn = self.writer.exclusive();
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
        self.writer.exclusive().execute(
            "INSERT INTO \"activation_codes\" (\"code_hash\", \"resident_id\", \"expires_at\") VALUES (?1, ?2, ?3)",
            params![code_hash, resident, expires_at_ms],
        )?;
        Ok(())
    }

    fn activation_code_usable(&self, hm_code: &str, code_hash: &str, now_ms: i64) -> StorageResult<bool> {
        Ok(self.reader().query_row(
            "SELECT EXISTS (SELECT 1 FROM \"activation_codes\" a JOIN \"residents\" r ON r.\"id\" = a.\"resident_id\" \
             WHERE a.\"code_hash\" = ?1 AND r.\"hm_code\" = ?2 AND a.\"used_at\" IS NULL AND a.\"expires_at\" > ?3)",
            params![code_hash, hm_code, now_ms],
            |r| r.get(0),
        )?)
    }

    fn activate(&self, hm_code: &str, code_hash: &str, password_hash: &str, now_ms: i64) -> StorageResult<()> {
        let mut conn = self.writer.exclusive();
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
        s: &NewSession<'_>,
        max_devices: usize,
        now_ms: i64,
    ) -> StorageResult<i64> {
        let mut conn = self.writer.exclusive();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let previous: Option<i64> = tx
            .query_row(
                "SELECT \"session\" FROM \"devices\" WHERE \"resident_id\" = ?1 AND \"id\" = ?2",
                params![resident, device_id],
                |r| r.get(0),
            )
            .optional()?;
        // Session numbers only grow, also across a device forgotten at the cap and seen again.
        let session = previous.map_or(now_ms, |p| now_ms.max(p + 1));
        if previous.is_none() {
            let count: i64 =
                tx.query_row("SELECT COUNT(*) FROM \"devices\" WHERE \"resident_id\" = ?1", [resident], |r| r.get(0))?;
            let excess = count + 1 - i64::try_from(max_devices.max(1)).unwrap_or(i64::MAX);
            if excess > 0 {
                tx.execute(
                    "DELETE FROM \"devices\" WHERE \"resident_id\" = ?1 AND \"id\" IN (SELECT \"id\" FROM \"devices\" \
                     WHERE \"resident_id\" = ?1 ORDER BY \"signed_in\", \"last_seen_at\", \"id\" LIMIT ?2)",
                    params![resident, excess],
                )?;
            }
        }
        tx.execute(
            "INSERT INTO \"devices\" (\"resident_id\", \"id\", \"name\", \"created_at\", \"last_seen_at\", \"session\", \
               \"signed_in\", \"family_hash\", \"refresh_seq\", \"refresh_hash\", \"previous_hash\", \"previous_used_at\", \
               \"refresh_expires_at\", \"access_expires_at\") \
             VALUES (?1, ?2, ?3, ?4, ?4, ?5, 1, ?6, 0, ?7, NULL, NULL, ?8, ?9) \
             ON CONFLICT (\"resident_id\", \"id\") DO UPDATE SET \"name\" = excluded.\"name\", \
               \"last_seen_at\" = excluded.\"last_seen_at\", \"session\" = excluded.\"session\", \"signed_in\" = 1, \
               \"family_hash\" = excluded.\"family_hash\", \"refresh_seq\" = 0, \"refresh_hash\" = excluded.\"refresh_hash\", \
               \"previous_hash\" = NULL, \"previous_used_at\" = NULL, \
               \"refresh_expires_at\" = excluded.\"refresh_expires_at\", \"access_expires_at\" = excluded.\"access_expires_at\"",
            params![
                resident,
                device_id,
                name,
                now_ms,
                session,
                s.family_hash,
                s.refresh_hash,
                s.refresh_expires_at_ms,
                s.access_expires_at
            ],
        )?;
        tx.commit()?;
        Ok(session)
    }

    fn session_live(&self, resident: ResidentId, device_id: &str, session: i64) -> StorageResult<bool> {
        Ok(self
            .reader()
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM \"devices\" WHERE \"resident_id\" = ?1 AND \"id\" = ?2 \
                 AND \"session\" = ?3 AND \"signed_in\" = 1)",
            )?
            .query_row(params![resident, device_id, session], |r| r.get(0))?)
    }

    fn devices_of(&self, resident: ResidentId) -> StorageResult<Vec<String>> {
        let conn = self.reader();
        let mut stmt =
            conn.prepare_cached("SELECT \"id\" FROM \"devices\" WHERE \"resident_id\" = ?1 ORDER BY \"id\"")?;
        let rows = stmt.query_map([resident], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn refresh_session(
        &self,
        device_id: &str,
        presented: &PresentedRefresh<'_>,
        next: &NextRefresh<'_>,
        grace_ms: i64,
        now_ms: i64,
    ) -> StorageResult<RefreshOutcome> {
        struct Row {
            resident: ResidentId,
            device: String,
            session: i64,
            seq: i64,
            current: Option<String>,
            previous: Option<String>,
            previous_used_at: Option<i64>,
            expires_at: Option<i64>,
            access_expires_at: Option<i64>,
        }
        let mut conn = self.writer.exclusive();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let row = tx
            .query_row(
                "SELECT \"resident_id\", \"id\", \"session\", \"refresh_seq\", \"refresh_hash\", \"previous_hash\", \
                 \"previous_used_at\", \"refresh_expires_at\", \"access_expires_at\" FROM \"devices\" \
                 WHERE \"family_hash\" = ?1 AND \"signed_in\" = 1",
                [presented.family_hash],
                |r| {
                    Ok(Row {
                        resident: r.get(0)?,
                        device: r.get(1)?,
                        session: r.get(2)?,
                        seq: r.get(3)?,
                        current: r.get(4)?,
                        previous: r.get(5)?,
                        previous_used_at: r.get(6)?,
                        expires_at: r.get(7)?,
                        access_expires_at: r.get(8)?,
                    })
                },
            )
            .optional()?;
        let Some(row) = row.filter(|r| r.device == device_id) else { return Ok(RefreshOutcome::Invalid) };
        let outcome = if presented.seq == row.seq && row.current.as_deref() == Some(presented.token_hash) {
            if row.expires_at.is_none_or(|e| e <= now_ms) {
                RefreshOutcome::Invalid
            } else {
                tx.execute(
                    "UPDATE \"devices\" SET \"previous_hash\" = \"refresh_hash\", \"previous_used_at\" = ?3, \
                     \"refresh_seq\" = \"refresh_seq\" + 1, \"refresh_hash\" = ?4, \"refresh_expires_at\" = ?5, \
                     \"access_expires_at\" = ?6, \"last_seen_at\" = ?3 WHERE \"resident_id\" = ?1 AND \"id\" = ?2",
                    params![
                        row.resident,
                        row.device,
                        now_ms,
                        next.refresh_hash,
                        next.refresh_expires_at_ms,
                        next.access_expires_at
                    ],
                )?;
                RefreshOutcome::Rotated { resident: row.resident, session: row.session, seq: row.seq + 1 }
            }
        } else if presented.seq + 1 == row.seq
            && row.previous.as_deref() == Some(presented.token_hash)
            && row.previous_used_at.is_some_and(|used| now_ms - used < grace_ms)
        {
            // The answer to the latest refresh was lost: the same answer again, if what it
            // carried is what the presented token derives (it is, unless the signing key was
            // rotated in between).
            if row.current.as_deref() == Some(next.refresh_hash) {
                RefreshOutcome::Repeated {
                    resident: row.resident,
                    session: row.session,
                    seq: row.seq,
                    access_expires_at: row.access_expires_at.unwrap_or(0),
                }
            } else {
                RefreshOutcome::Invalid
            }
        } else {
            // Another token of this family: only a holder of one knows the family, so a copy is in
            // someone else's hands. Sign the device out; the owner logs in again.
            sign_out(&tx, row.resident, &row.device)?;
            RefreshOutcome::Reused
        };
        tx.commit()?;
        Ok(outcome)
    }

    fn sign_out_device(&self, resident: ResidentId, device_id: &str) -> StorageResult<()> {
        let mut conn = self.writer.exclusive();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        sign_out(&tx, resident, device_id)?;
        tx.commit()?;
        Ok(())
    }

    fn reserve_login_attempt(&self, rules: &[ThrottleRule], now_ms: i64) -> StorageResult<Option<i64>> {
        let mut conn = self.writer.exclusive();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        // Forget what no rule remembers any more, so a spray of made-up keys cannot grow the table.
        let longest = rules.iter().map(|r| r.window_ms).max().unwrap_or(0);
        tx.execute(
            "DELETE FROM \"login_throttle\" WHERE \"last_failure_at\" < ?1 AND \"blocked_until\" < ?2",
            params![now_ms - longest, now_ms],
        )?;
        let mut counts = Vec::with_capacity(rules.len());
        let mut wait = 0i64;
        for rule in rules {
            let row: Option<(i64, i64, i64)> = tx
                .query_row(
                    "SELECT \"failures\", \"last_failure_at\", \"blocked_until\" FROM \"login_throttle\" WHERE \"key\" = ?1",
                    [&rule.key],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()?;
            let (failures, blocked_until) = match row {
                Some((f, last, b)) if now_ms - last < rule.window_ms => (f, b),
                Some((_, _, b)) => (0, b),
                None => (0, 0),
            };
            wait = wait.max(blocked_until - now_ms);
            counts.push(failures);
        }
        if wait > 0 {
            tx.commit()?;
            return Ok(Some(wait));
        }
        for (rule, failures) in rules.iter().zip(counts) {
            let failures = failures + 1;
            let delay = rule.delay_after(failures);
            tx.execute(
                "INSERT INTO \"login_throttle\" (\"key\", \"failures\", \"last_failure_at\", \"blocked_until\") \
                 VALUES (?1, ?2, ?3, ?4) ON CONFLICT (\"key\") DO UPDATE SET \"failures\" = excluded.\"failures\", \
                 \"last_failure_at\" = excluded.\"last_failure_at\", \"blocked_until\" = excluded.\"blocked_until\"",
                params![rule.key, failures, now_ms, now_ms + delay],
            )?;
        }
        tx.commit()?;
        Ok(None)
    }

    fn login_succeeded(&self, clear: &str, refund: &[&str]) -> StorageResult<()> {
        let mut conn = self.writer.exclusive();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute("DELETE FROM \"login_throttle\" WHERE \"key\" = ?1", [clear])?;
        for key in refund {
            tx.execute(
                "UPDATE \"login_throttle\" SET \"failures\" = \"failures\" - 1 WHERE \"key\" = ?1 AND \"failures\" > 0",
                [key],
            )?;
        }
        tx.commit()?;
        Ok(())
    }
}

fn sign_out(tx: &rusqlite::Transaction<'_>, resident: ResidentId, device_id: &str) -> StorageResult<()> {
    tx.execute(
        "UPDATE \"devices\" SET \"signed_in\" = 0, \"session\" = \"session\" + 1, \"family_hash\" = NULL, \
         \"refresh_hash\" = NULL, \"previous_hash\" = NULL, \"previous_used_at\" = NULL, \"refresh_expires_at\" = NULL, \
         \"access_expires_at\" = NULL WHERE \"resident_id\" = ?1 AND \"id\" = ?2",
        params![resident, device_id],
    )?;
    Ok(())
}
