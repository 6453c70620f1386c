//! The store's side of sync: the signed-in account, outbox batches, applying push results and
//! pulled pages, each in one transaction.

use super::Store;
use super::outbox::{OUTBOX_COLUMNS, OutboxEntry, enqueue, entry_from_row};
use super::rows::{PROFILE_COLUMNS, VITAL_COLUMNS, collect, parse_uuid, profile_from_row, vital_from_row};
use super::vitals_write::insert_vital;
use crate::domain::{HmCode, Profile, Vital};
use crate::error::{Error, Result};
use crate::sync::wire::{decode_vital, encode_vital, rfc3339_utc};
use rusqlite::{OptionalExtension, Transaction, TransactionBehavior, params};
use serde::{Deserialize, Serialize};
use techo_protocol::sync::{MutationResult, MutationStatus, PullResponse, Reset, ResetReason};
use techo_protocol::{Op, VitalDelete, VitalRecord, entity};
use uuid::Uuid;

/// Who this device is signed in as, and which patients that account may sync.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub server_url: String,
    pub hm_code: String,
    pub patients: Vec<String>,
}

/// What applying one push response did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PushApplied {
    pub acknowledged: u64,
    pub rejected: u64,
}

/// What applying one pulled page did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PullApplied {
    pub applied: u64,
    /// Skipped because a local change to the same record is newer (write gating).
    pub gated: u64,
    /// Skipped because they could not be read (logged, never fatal).
    pub unreadable: u64,
    pub refetch_started: bool,
    /// Records the server had lost (restore) and that were queued to be sent again.
    pub requeued: u64,
    /// Records deleted on another device whose tombstones the server no longer keeps.
    pub deleted_elsewhere: u64,
}

const ACCOUNT_KEY: &str = "account";
/// When a sync run last completed (every change sent, every linked profile up to date), in Unix
/// milliseconds: "last synced" must survive a restart of the app.
const LAST_COMPLETE_KEY: &str = "last_sync_complete_ms";
/// `sync_state.refetching`: a full download is under way because the server was restored (what
/// it lacks is sent again) or because our cursor expired (what it lacks was deleted).
const REFETCH_RESTORED: i64 = 1;
const REFETCH_EXPIRED: i64 = 2;

impl Store {
    fn setting(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .reader()
            .query_row("SELECT \"value\" FROM \"local_settings\" WHERE \"key\" = ?1", [key], |r| r.get(0))
            .optional()?)
    }

    fn put_setting(conn: &rusqlite::Connection, key: &str, value: &str) -> Result<()> {
        conn.execute(
            "INSERT INTO \"local_settings\" (\"key\", \"value\") VALUES (?1, ?2) \
             ON CONFLICT (\"key\") DO UPDATE SET \"value\" = excluded.\"value\"",
            params![key, value],
        )?;
        Ok(())
    }

    pub fn account(&self) -> Result<Option<Account>> {
        let json = self.setting(ACCOUNT_KEY)?;
        json.map(|j| serde_json::from_str(&j).map_err(|_| Error::Corrupt("account settings"))).transpose()
    }

    /// Notes that a sync run completed now.
    pub fn note_sync_complete(&self) -> Result<()> {
        Self::put_setting(&self.writer(), LAST_COMPLETE_KEY, &self.clock.now().timestamp_millis().to_string())
    }

    /// When a sync run last completed on this device, if ever.
    pub fn last_sync_complete(&self) -> Result<Option<chrono::DateTime<chrono::Utc>>> {
        let text = self.setting(LAST_COMPLETE_KEY)?;
        text.map(|t| {
            t.parse::<i64>()
                .ok()
                .and_then(chrono::DateTime::from_timestamp_millis)
                .ok_or(Error::Corrupt("last sync time"))
        })
        .transpose()
    }

    /// Records the signed-in account (`None` signs out; unsent changes stay queued).
    pub fn set_account(&self, account: Option<&Account>) -> Result<()> {
        let conn = self.writer();
        match account {
            Some(a) => {
                let json = serde_json::to_string(a).map_err(|_| Error::Corrupt("account settings"))?;
                Self::put_setting(&conn, ACCOUNT_KEY, &json)?;
            }
            None => {
                // The last sync time was the old account's; the next sign-in has not synced yet.
                conn.execute(
                    "DELETE FROM \"local_settings\" WHERE \"key\" IN (?1, ?2)",
                    params![ACCOUNT_KEY, LAST_COMPLETE_KEY],
                )?;
            }
        }
        Ok(())
    }

    /// Profiles on this device that the signed-in account may sync.
    pub fn linked_profiles(&self) -> Result<Vec<Profile>> {
        let Some(account) = self.account()? else { return Ok(vec![]) };
        Ok(self.profiles()?.into_iter().filter(|p| account.patients.iter().any(|c| c == p.hm_code.as_str())).collect())
    }

    /// The next pending (not wedged) outbox entries for the given patients, in queue order.
    pub fn outbox_batch(&self, patients: &[String], limit: u32) -> Result<Vec<OutboxEntry>> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {OUTBOX_COLUMNS} FROM \"outbox\" WHERE \"state\" = 'pending' \
             AND \"patient\" IN (SELECT value FROM json_each(?1)) ORDER BY \"seq\" LIMIT ?2"
        ))?;
        let list = serde_json::to_string(patients).map_err(|_| Error::Corrupt("patient list"))?;
        collect(&mut stmt, params![list, limit], entry_from_row)
    }

    /// Changes the server refused; shown to the person, never dropped.
    pub fn wedged_entries(&self) -> Result<Vec<OutboxEntry>> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {OUTBOX_COLUMNS} FROM \"outbox\" WHERE \"state\" = 'wedged' ORDER BY \"seq\""
        ))?;
        collect(&mut stmt, [], entry_from_row)
    }

    /// Puts a refused change back in the queue (after the cause was fixed, e.g. a new app version).
    pub fn retry_wedged(&self, mutation_id: Uuid) -> Result<()> {
        let n = self.writer().execute(
            "UPDATE \"outbox\" SET \"state\" = 'pending', \"wedge_reason\" = NULL WHERE \"mutation_id\" = ?1 AND \"state\" = 'wedged'",
            [mutation_id.to_string()],
        )?;
        if n == 0 {
            return Err(Error::NotFound { entity: "refused change" });
        }
        Ok(())
    }

    /// Marks one entry as refused without a server answer (e.g. too large to ever send).
    pub fn wedge(&self, mutation_id: Uuid, reason: &str) -> Result<()> {
        self.writer().execute(
            "UPDATE \"outbox\" SET \"state\" = 'wedged', \"wedge_reason\" = ?2 WHERE \"mutation_id\" = ?1",
            params![mutation_id.to_string(), reason],
        )?;
        Ok(())
    }

    /// Counts a failed delivery attempt (for status screens; retries are not limited by it).
    pub fn note_push_attempt(&self, entries: &[OutboxEntry]) -> Result<()> {
        let mut conn = self.writer();
        let tx = conn.transaction()?;
        for e in entries {
            tx.execute("UPDATE \"outbox\" SET \"attempts\" = \"attempts\" + 1 WHERE \"seq\" = ?1", [e.seq])?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Applies the server's answer to a push: acknowledged entries leave the outbox and gate
    /// their records; refused ones are wedged with the server's reason.
    pub fn apply_push_results(&self, results: &[MutationResult]) -> Result<PushApplied> {
        let mut conn = self.writer();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut out = PushApplied::default();
        for r in results {
            let entry: Option<(String, String)> = tx
                .query_row(
                    "SELECT \"entity\", \"entity_id\" FROM \"outbox\" WHERE \"mutation_id\" = ?1",
                    [&r.mutation_id],
                    |row| Ok((row.get(0)?, row.get(1)?)),
                )
                .optional()?;
            // Unknown id: a duplicate answer to something already applied.
            let Some((ent, id)) = entry else { continue };
            match (r.status, r.commit_seq) {
                (MutationStatus::Applied | MutationStatus::Duplicate, seq) => {
                    tx.execute("DELETE FROM \"outbox\" WHERE \"mutation_id\" = ?1", [&r.mutation_id])?;
                    if let Some(seq) = seq {
                        let seq = seq as i64;
                        tx.execute(
                            "INSERT INTO \"sync_gates\" (\"entity\", \"entity_id\", \"commit_seq\") VALUES (?1, ?2, ?3) \
                             ON CONFLICT (\"entity\", \"entity_id\") DO UPDATE SET \"commit_seq\" = max(\"commit_seq\", excluded.\"commit_seq\")",
                            params![ent, id, seq],
                        )?;
                        if ent == entity::VITAL {
                            tx.execute(
                                "UPDATE \"vitals\" SET \"server_version\" = max(coalesce(\"server_version\", 0), ?2) WHERE \"id\" = ?1",
                                params![id, seq],
                            )?;
                        }
                    }
                    out.acknowledged += 1;
                }
                (MutationStatus::Rejected, _) => {
                    let reason = r.error.map_or("rejected".to_owned(), |c| c.to_string());
                    tx.execute(
                        "UPDATE \"outbox\" SET \"state\" = 'wedged', \"wedge_reason\" = ?2 WHERE \"mutation_id\" = ?1",
                        params![r.mutation_id, reason],
                    )?;
                    out.rejected += 1;
                }
            }
        }
        tx.commit()?;
        Ok(out)
    }

    /// The position to pull `profile_id` from; `None` downloads everything.
    pub fn sync_cursor(&self, profile_id: Uuid) -> Result<Option<String>> {
        Ok(self
            .reader()
            .query_row(
                "SELECT \"cursor\" FROM \"sync_state\" WHERE \"profile_id\" = ?1",
                [profile_id.to_string()],
                |r| r.get(0),
            )
            .optional()?
            .flatten())
    }

    /// Applies one pulled page and stores its cursor in the same transaction, so a crash or a
    /// cancelled sync never leaves half a page applied.
    pub fn apply_pull_page(&self, profile_id: Uuid, page: &PullResponse) -> Result<PullApplied> {
        let now = self.clock.now();
        let mut conn = self.writer();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let pid = profile_id.to_string();
        let profile = {
            let mut stmt =
                tx.prepare_cached(&format!("SELECT {PROFILE_COLUMNS} FROM \"profiles\" WHERE \"id\" = ?1"))?;
            collect(&mut stmt, [&pid], profile_from_row)?.pop().ok_or(Error::NotFound { entity: "profile" })?
        };
        tx.execute(
            "INSERT INTO \"sync_state\" (\"profile_id\") VALUES (?1) ON CONFLICT (\"profile_id\") DO NOTHING",
            [&pid],
        )?;
        let mut out = PullApplied::default();
        if page.reset == Some(Reset::MustRefetch) {
            // Download everything again. Unsent changes stay in the outbox; which records the
            // server still has is re-learnt from the download (server_version is re-set by it).
            let mode = match page.reset_reason {
                Some(ResetReason::Expired) => REFETCH_EXPIRED,
                Some(ResetReason::Restored) | None => REFETCH_RESTORED,
            };
            tx.execute(
                "UPDATE \"sync_state\" SET \"cursor\" = ?2, \"applied_through\" = 0, \"refetching\" = ?3 \
                 WHERE \"profile_id\" = ?1",
                params![pid, page.next_cursor, mode],
            )?;
            tx.execute("UPDATE \"vitals\" SET \"server_version\" = NULL WHERE \"profile_id\" = ?1", [&pid])?;
            tx.execute("DELETE FROM \"sync_gates\"", [])?;
            tx.commit()?;
            out.refetch_started = true;
            return Ok(out);
        }
        let mut through: i64 =
            tx.query_row("SELECT \"applied_through\" FROM \"sync_state\" WHERE \"profile_id\" = ?1", [&pid], |r| {
                r.get(0)
            })?;
        for change in &page.changes {
            let version = change.version as i64;
            through = through.max(version);
            if change.entity != entity::VITAL {
                out.unreadable += 1;
                continue;
            }
            if is_gated(&tx, &change.entity, &change.id, version)? {
                out.gated += 1;
                continue;
            }
            match apply_vital_change(&tx, &profile, change.deleted, &change.payload, version, now)? {
                true => out.applied += 1,
                false => out.unreadable += 1,
            }
        }
        tx.execute(
            "UPDATE \"sync_state\" SET \"cursor\" = ?2, \"applied_through\" = ?3, \"last_synced_ms\" = ?4 WHERE \"profile_id\" = ?1",
            params![pid, page.next_cursor, through, now.timestamp_millis()],
        )?;
        if !page.has_more {
            let refetching: i64 =
                tx.query_row("SELECT \"refetching\" FROM \"sync_state\" WHERE \"profile_id\" = ?1", [&pid], |r| {
                    r.get(0)
                })?;
            match refetching {
                REFETCH_RESTORED => out.requeued = requeue_lost(&tx, &profile, now)?,
                REFETCH_EXPIRED => out.deleted_elsewhere = tombstone_absent(&tx, &profile, now)?,
                _ => {}
            }
            tx.execute("UPDATE \"sync_state\" SET \"refetching\" = 0 WHERE \"profile_id\" = ?1", [&pid])?;
        }
        tx.commit()?;
        Ok(out)
    }
}

/// A pulled version must not overwrite a record we have changed and not yet pushed, nor one
/// whose newer state we pushed but have not yet seen come back.
fn is_gated(tx: &Transaction<'_>, ent: &str, id: &str, version: i64) -> Result<bool> {
    let pending: bool = tx
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM \"outbox\" WHERE \"entity\" = ?1 AND \"entity_id\" = ?2)")?
        .query_row(params![ent, id], |r| r.get(0))?;
    if pending {
        return Ok(true);
    }
    let gate: Option<i64> = tx
        .prepare_cached("SELECT \"commit_seq\" FROM \"sync_gates\" WHERE \"entity\" = ?1 AND \"entity_id\" = ?2")?
        .query_row(params![ent, id], |r| r.get(0))
        .optional()?;
    match gate {
        Some(g) if version < g => Ok(true),
        Some(_) => {
            // The cursor has reached our own write: the gate has done its job.
            tx.execute("DELETE FROM \"sync_gates\" WHERE \"entity\" = ?1 AND \"entity_id\" = ?2", params![ent, id])?;
            Ok(false)
        }
        None => Ok(false),
    }
}

/// Merges one pulled reading. Readings are immutable and deletion is final, so the merge only
/// ever adds rows, links corrections and sets tombstones: a stale page can never undo anything.
/// `Ok(false)` when the payload is unreadable or for another patient.
fn apply_vital_change(
    tx: &Transaction<'_>,
    profile: &Profile,
    deleted: bool,
    payload: &serde_json::Value,
    version: i64,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<bool> {
    let Ok(record) = serde_json::from_value::<VitalRecord>(payload.clone()) else {
        // A tombstone for a record this device never had: nothing to show.
        return Ok(deleted && serde_json::from_value::<VitalDelete>(payload.clone()).is_ok());
    };
    let Ok(w) = decode_vital(&record) else { return Ok(false) };
    if w.patient != profile.hm_code {
        return Ok(false);
    }
    let id = w.id.to_string();
    let exists: bool = tx
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM \"vitals\" WHERE \"id\" = ?1)")?
        .query_row([&id], |r| r.get(0))?;
    if !exists {
        let superseded_by: Option<String> = tx
            .prepare_cached("SELECT \"id\" FROM \"vitals\" WHERE \"amends\" = ?1 ORDER BY \"id\" LIMIT 1")?
            .query_row([&id], |r| r.get(0))
            .optional()?;
        let v = Vital {
            superseded_by: superseded_by.as_deref().map(parse_uuid).transpose()?,
            deleted_at: deleted.then_some(now),
            server_version: Some(version),
            ..w.into_vital(profile.id)
        };
        insert_vital(tx, &v)?;
        if let Some(sup) = &v.superseded_by {
            tx.execute("UPDATE \"vitals\" SET \"superseded_by\" = ?2 WHERE \"id\" = ?1", params![id, sup.to_string()])?;
        }
        if let Some(old) = v.amends {
            tx.execute(
                "UPDATE \"vitals\" SET \"superseded_by\" = ?2 WHERE \"id\" = ?1 AND \"superseded_by\" IS NULL",
                params![old.to_string(), id],
            )?;
        }
    } else {
        tx.execute(
            "UPDATE \"vitals\" SET \"server_version\" = max(coalesce(\"server_version\", 0), ?2), \
             \"deleted_at_ms\" = CASE WHEN ?3 AND \"deleted_at_ms\" IS NULL THEN ?4 ELSE \"deleted_at_ms\" END \
             WHERE \"id\" = ?1",
            params![id, version, deleted, now.timestamp_millis()],
        )?;
    }
    Ok(true)
}

/// After a full re-download for an expired cursor: records this device had from the server but
/// the server no longer lists were deleted elsewhere and their tombstones collected.
fn tombstone_absent(tx: &Transaction<'_>, profile: &Profile, now: chrono::DateTime<chrono::Utc>) -> Result<u64> {
    let n = tx.execute(
        "UPDATE \"vitals\" SET \"deleted_at_ms\" = ?2 WHERE \"profile_id\" = ?1 AND \"server_version\" IS NULL \
         AND \"deleted_at_ms\" IS NULL \
         AND NOT EXISTS (SELECT 1 FROM \"outbox\" o WHERE o.\"entity\" = 'vital' AND o.\"entity_id\" = \"vitals\".\"id\")",
        params![profile.id.to_string(), now.timestamp_millis()],
    )?;
    Ok(n as u64)
}

/// After a full re-download: records this device knows but the server no longer has (it was
/// restored from an older backup) are queued again, so nothing acknowledged is lost for good.
fn requeue_lost(tx: &Transaction<'_>, profile: &Profile, now: chrono::DateTime<chrono::Utc>) -> Result<u64> {
    let lost = {
        let mut stmt = tx.prepare_cached(&format!(
            "SELECT {VITAL_COLUMNS} FROM \"vitals\" v WHERE \"profile_id\" = ?1 AND \"server_version\" IS NULL \
             AND NOT EXISTS (SELECT 1 FROM \"outbox\" o WHERE o.\"entity\" = 'vital' AND o.\"entity_id\" = v.\"id\") \
             ORDER BY \"recorded_at_ms\", \"id\""
        ))?;
        collect(&mut stmt, [profile.id.to_string()], vital_from_row)?
    };
    let patient: &HmCode = &profile.hm_code;
    for v in &lost {
        enqueue(
            tx,
            patient.as_str(),
            entity::VITAL,
            &v.id,
            Op::Create,
            &encode_vital(v, patient),
            now.timestamp_millis(),
        )?;
        if let Some(at) = v.deleted_at {
            let del = VitalDelete {
                id: v.id.to_string(),
                patient: patient.to_string(),
                deleted_at: rfc3339_utc(at),
                extra: Default::default(),
            };
            enqueue(tx, patient.as_str(), entity::VITAL, &v.id, Op::Delete, &del, now.timestamp_millis())?;
        }
    }
    Ok(lost.len() as u64)
}
