//! Accounts, sessions and sign-in limits on PostgreSQL. Where SQLite's single writer kept a read
//! and the write after it together, the row read is locked (`FOR UPDATE`, re-read after the wait)
//! or the work takes its turn (module doc of `super`).

use super::{PostgresStorage, Session, Turn, turn_key};
use crate::storage::{
    AccountStore, NewSession, NextRefresh, PresentedRefresh, RefreshOutcome, Resident, ResidentId, StorageError,
    StorageResult, ThrottleRule,
};

impl AccountStore for PostgresStorage {
    fn legacy_token_secret(&self) -> StorageResult<Option<Vec<u8>>> {
        // Only SQLite databases from before schema 4 kept one; the query keeps the contract.
        let value = self.run(|s| {
            Ok(s.opt("SELECT \"value\" FROM \"server_meta\" WHERE \"key\" = 'token_secret'", &[])?
                .map(|r| r.get::<_, String>(0)))
        })?;
        value.map(|v| hex::decode(v).map_err(|_| StorageError::Corrupt("token secret"))).transpose()
    }

    fn forget_legacy_token_secret(&self) -> StorageResult<()> {
        self.run(|s| {
            s.exec("DELETE FROM \"server_meta\" WHERE \"key\" = 'token_secret'", &[])?;
            Ok(())
        })
    }

    fn add_resident(&self, hm_code: &str, name: &str, birth_date: &str, now_ms: i64) -> StorageResult<ResidentId> {
        self.run(|s| {
            s.opt(
                "INSERT INTO \"residents\" (\"hm_code\", \"display_name\", \"birth_date\", \"created_at\") \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (\"hm_code\") DO NOTHING RETURNING \"id\"",
                &[&hm_code, &name, &birth_date, &now_ms],
            )?
            .map(|r| r.get(0))
            .ok_or(StorageError::AlreadyExists)
        })
    }

    fn add_activation_code(&self, resident: ResidentId, code_hash: &str, expires_at_ms: i64) -> StorageResult<()> {
        self.run(|s| {
            s.exec(
                "INSERT INTO \"activation_codes\" (\"code_hash\", \"resident_id\", \"expires_at\") VALUES ($1, $2, $3)",
                &[&code_hash, &resident, &expires_at_ms],
            )?;
            Ok(())
        })
    }

    fn activation_code_usable(&self, hm_code: &str, code_hash: &str, now_ms: i64) -> StorageResult<bool> {
        self.run(|s| {
            Ok(s.one(
                "SELECT EXISTS (SELECT 1 FROM \"activation_codes\" a JOIN \"residents\" r ON r.\"id\" = a.\"resident_id\" \
                 WHERE a.\"code_hash\" = $1 AND r.\"hm_code\" = $2 AND a.\"used_at\" IS NULL AND a.\"expires_at\" > $3)",
                &[&code_hash, &hm_code, &now_ms],
            )?
            .get(0))
        })
    }

    fn activate(&self, hm_code: &str, code_hash: &str, password_hash: &str, now_ms: i64) -> StorageResult<()> {
        self.run(|s| {
            // Locked and re-checked after any wait: two activations with one code, one succeeds.
            let resident: ResidentId = s
                .opt(
                    "SELECT r.\"id\" FROM \"activation_codes\" a JOIN \"residents\" r ON r.\"id\" = a.\"resident_id\" \
                     WHERE a.\"code_hash\" = $1 AND r.\"hm_code\" = $2 AND a.\"used_at\" IS NULL AND a.\"expires_at\" > $3 \
                     FOR UPDATE OF a",
                    &[&code_hash, &hm_code, &now_ms],
                )?
                .ok_or(StorageError::NotFound)?
                .get(0);
            s.exec(
                "UPDATE \"activation_codes\" SET \"used_at\" = $2 WHERE \"code_hash\" = $1",
                &[&code_hash, &now_ms],
            )?;
            s.exec(
                "UPDATE \"residents\" SET \"password_hash\" = $2, \"activated_at\" = $3 WHERE \"id\" = $1",
                &[&resident, &password_hash, &now_ms],
            )?;
            Ok(())
        })
    }

    fn resident_by_hm_code(&self, hm_code: &str) -> StorageResult<Option<Resident>> {
        self.run(|s| {
            Ok(s.opt(
                "SELECT \"id\", \"hm_code\", \"password_hash\" FROM \"residents\" WHERE \"hm_code\" = $1",
                &[&hm_code],
            )?
            .map(|r| Resident { id: r.get(0), hm_code: r.get(1), password_hash: r.get(2) }))
        })
    }

    fn patients_of(&self, resident: ResidentId) -> StorageResult<Vec<(ResidentId, String)>> {
        self.run(|s| {
            Ok(s.all("SELECT \"id\", \"hm_code\" FROM \"residents\" WHERE \"id\" = $1", &[&resident])?
                .iter()
                .map(|r| (r.get(0), r.get(1)))
                .collect())
        })
    }

    fn sign_in_device(
        &self,
        resident: ResidentId,
        device_id: &str,
        name: Option<&str>,
        n: &NewSession<'_>,
        max_devices: usize,
        now_ms: i64,
    ) -> StorageResult<i64> {
        self.run(|s| {
            // The account's sign-ins take turns: the cap is counted with nobody adding a device.
            s.take_turn(Turn::Devices, turn_key(&[&resident.to_le_bytes()]))?;
            let previous: Option<i64> = s
                .opt(
                    "SELECT \"session\" FROM \"devices\" WHERE \"resident_id\" = $1 AND \"id\" = $2",
                    &[&resident, &device_id],
                )?
                .map(|r| r.get(0));
            // Session numbers only grow, also across a device forgotten at the cap and seen again.
            let session = previous.map_or(now_ms, |p| now_ms.max(p + 1));
            if previous.is_none() {
                let count: i64 =
                    s.one("SELECT COUNT(*) FROM \"devices\" WHERE \"resident_id\" = $1", &[&resident])?.get(0);
                let excess = count + 1 - i64::try_from(max_devices.max(1)).unwrap_or(i64::MAX);
                if excess > 0 {
                    s.exec(
                        "DELETE FROM \"devices\" WHERE \"resident_id\" = $1 AND \"id\" IN (SELECT \"id\" FROM \"devices\" \
                         WHERE \"resident_id\" = $1 ORDER BY \"signed_in\", \"last_seen_at\", \"id\" COLLATE \"C\" LIMIT $2)",
                        &[&resident, &excess],
                    )?;
                }
            }
            s.exec(
                "INSERT INTO \"devices\" (\"resident_id\", \"id\", \"name\", \"created_at\", \"last_seen_at\", \"session\", \
                   \"signed_in\", \"family_hash\", \"refresh_seq\", \"refresh_hash\", \"previous_hash\", \"previous_used_at\", \
                   \"refresh_expires_at\", \"access_expires_at\") \
                 VALUES ($1, $2, $3, $4, $4, $5, TRUE, $6, 0, $7, NULL, NULL, $8, $9) \
                 ON CONFLICT (\"resident_id\", \"id\") DO UPDATE SET \"name\" = excluded.\"name\", \
                   \"last_seen_at\" = excluded.\"last_seen_at\", \"session\" = excluded.\"session\", \"signed_in\" = TRUE, \
                   \"family_hash\" = excluded.\"family_hash\", \"refresh_seq\" = 0, \"refresh_hash\" = excluded.\"refresh_hash\", \
                   \"previous_hash\" = NULL, \"previous_used_at\" = NULL, \
                   \"refresh_expires_at\" = excluded.\"refresh_expires_at\", \"access_expires_at\" = excluded.\"access_expires_at\"",
                &[
                    &resident,
                    &device_id,
                    &name,
                    &now_ms,
                    &session,
                    &n.family_hash,
                    &n.refresh_hash,
                    &n.refresh_expires_at_ms,
                    &n.access_expires_at,
                ],
            )?;
            Ok(session)
        })
    }

    fn session_live(&self, resident: ResidentId, device_id: &str, session: i64) -> StorageResult<bool> {
        self.run(|s| {
            Ok(s.one(
                "SELECT EXISTS (SELECT 1 FROM \"devices\" WHERE \"resident_id\" = $1 AND \"id\" = $2 \
                 AND \"session\" = $3 AND \"signed_in\")",
                &[&resident, &device_id, &session],
            )?
            .get(0))
        })
    }

    fn devices_of(&self, resident: ResidentId) -> StorageResult<Vec<String>> {
        self.run(|s| {
            Ok(s.all(
                "SELECT \"id\" FROM \"devices\" WHERE \"resident_id\" = $1 ORDER BY \"id\" COLLATE \"C\"",
                &[&resident],
            )?
            .iter()
            .map(|r| r.get(0))
            .collect())
        })
    }

    fn refresh_session(
        &self,
        device_id: &str,
        presented: &PresentedRefresh<'_>,
        next: &NextRefresh<'_>,
        grace_ms: i64,
        now_ms: i64,
    ) -> StorageResult<RefreshOutcome> {
        self.run(|s| {
            // Locked: a second refresh with the same token waits, then reads the rotated row and
            // is answered as a repeat.
            let Some(row) = s.opt(
                "SELECT \"resident_id\", \"id\", \"session\", \"refresh_seq\", \"refresh_hash\", \"previous_hash\", \
                 \"previous_used_at\", \"refresh_expires_at\", \"access_expires_at\" FROM \"devices\" \
                 WHERE \"family_hash\" = $1 AND \"signed_in\" FOR UPDATE",
                &[&presented.family_hash],
            )?
            else {
                return Ok(RefreshOutcome::Invalid);
            };
            let (resident, device, session, seq): (ResidentId, String, i64, i64) =
                (row.get(0), row.get(1), row.get(2), row.get(3));
            let (current, previous): (Option<String>, Option<String>) = (row.get(4), row.get(5));
            let (previous_used_at, expires_at, access_expires_at): (Option<i64>, Option<i64>, Option<i64>) =
                (row.get(6), row.get(7), row.get(8));
            if device != device_id {
                return Ok(RefreshOutcome::Invalid);
            }
            Ok(if presented.seq == seq && current.as_deref() == Some(presented.token_hash) {
                if expires_at.is_none_or(|e| e <= now_ms) {
                    RefreshOutcome::Invalid
                } else {
                    s.exec(
                        "UPDATE \"devices\" SET \"previous_hash\" = \"refresh_hash\", \"previous_used_at\" = $3, \
                         \"refresh_seq\" = \"refresh_seq\" + 1, \"refresh_hash\" = $4, \"refresh_expires_at\" = $5, \
                         \"access_expires_at\" = $6, \"last_seen_at\" = $3 WHERE \"resident_id\" = $1 AND \"id\" = $2",
                        &[
                            &resident,
                            &device,
                            &now_ms,
                            &next.refresh_hash,
                            &next.refresh_expires_at_ms,
                            &next.access_expires_at,
                        ],
                    )?;
                    RefreshOutcome::Rotated { resident, session, seq: seq + 1 }
                }
            } else if presented.seq + 1 == seq
                && previous.as_deref() == Some(presented.token_hash)
                && previous_used_at.is_some_and(|used| now_ms - used < grace_ms)
            {
                // The answer to the latest refresh was lost: the same answer again, if what it
                // carried is what the presented token derives.
                if current.as_deref() == Some(next.refresh_hash) {
                    RefreshOutcome::Repeated {
                        resident,
                        session,
                        seq,
                        access_expires_at: access_expires_at.unwrap_or(0),
                    }
                } else {
                    RefreshOutcome::Invalid
                }
            } else {
                // Another token of this family: a copy is in someone else's hands.
                sign_out(s, resident, &device)?;
                RefreshOutcome::Reused
            })
        })
    }

    fn sign_out_device(&self, resident: ResidentId, device_id: &str) -> StorageResult<()> {
        self.run(|s| sign_out(s, resident, device_id))
    }

    fn reserve_login_attempt(&self, rules: &[ThrottleRule], now_ms: i64) -> StorageResult<Option<i64>> {
        // Each counted key takes its turn, in one order for every caller (no deadlock): attempts
        // on one account or address are counted one after the other.
        let mut turns: Vec<i32> = rules.iter().map(|r| turn_key(&[r.key.as_bytes()])).collect();
        turns.sort_unstable();
        turns.dedup();
        self.run(|s| {
            for key in &turns {
                s.take_turn(Turn::SignIns, *key)?;
            }
            // Forget what no rule remembers any more, so a spray of made-up keys cannot grow the table.
            let longest = rules.iter().map(|r| r.window_ms).max().unwrap_or(0);
            s.exec(
                "DELETE FROM \"login_throttle\" WHERE \"last_failure_at\" < $1 AND \"blocked_until\" < $2",
                &[&(now_ms - longest), &now_ms],
            )?;
            let mut counts = Vec::with_capacity(rules.len());
            let mut wait = 0i64;
            for rule in rules {
                let row = s.opt(
                    "SELECT \"failures\", \"last_failure_at\", \"blocked_until\" FROM \"login_throttle\" WHERE \"key\" = $1",
                    &[&rule.key],
                )?;
                let (failures, blocked_until) = match row.map(|r| (r.get::<_, i64>(0), r.get::<_, i64>(1), r.get(2))) {
                    Some((f, last, b)) if now_ms - last < rule.window_ms => (f, b),
                    Some((_, _, b)) => (0, b),
                    None => (0, 0),
                };
                wait = wait.max(blocked_until - now_ms);
                counts.push(failures);
            }
            if wait > 0 {
                return Ok(Some(wait));
            }
            for (rule, failures) in rules.iter().zip(counts) {
                let failures = failures + 1;
                let delay = rule.delay_after(failures);
                s.exec(
                    "INSERT INTO \"login_throttle\" (\"key\", \"failures\", \"last_failure_at\", \"blocked_until\") \
                     VALUES ($1, $2, $3, $4) ON CONFLICT (\"key\") DO UPDATE SET \"failures\" = excluded.\"failures\", \
                     \"last_failure_at\" = excluded.\"last_failure_at\", \"blocked_until\" = excluded.\"blocked_until\"",
                    &[&rule.key, &failures, &now_ms, &(now_ms + delay)],
                )?;
            }
            Ok(None)
        })
    }

    fn login_succeeded(&self, clear: &str, refund: &[&str]) -> StorageResult<()> {
        self.run(|s| {
            s.exec("DELETE FROM \"login_throttle\" WHERE \"key\" = $1", &[&clear])?;
            for key in refund {
                s.exec(
                    "UPDATE \"login_throttle\" SET \"failures\" = \"failures\" - 1 WHERE \"key\" = $1 AND \"failures\" > 0",
                    &[key],
                )?;
            }
            Ok(())
        })
    }
}

fn sign_out(s: &mut Session<'_>, resident: ResidentId, device_id: &str) -> StorageResult<()> {
    s.exec(
        "UPDATE \"devices\" SET \"signed_in\" = FALSE, \"session\" = \"session\" + 1, \"family_hash\" = NULL, \
         \"refresh_hash\" = NULL, \"previous_hash\" = NULL, \"previous_used_at\" = NULL, \"refresh_expires_at\" = NULL, \
         \"access_expires_at\" = NULL WHERE \"resident_id\" = $1 AND \"id\" = $2",
        &[&resident, &device_id],
    )?;
    Ok(())
}
