//! The store's side of sync: the signed-in account, outbox batches, applying push results and
//! pulled pages, each in one transaction.

use super::Store;
use super::blobs::resend_photos_first;
use super::families::{Applied, ConflictResolution, Families};
use super::outbox::{OutboxEntry, rebase_later_updates, wedge};
use super::parked;
use super::rows::{PROFILE_COLUMNS, collect, profile_from_row};
use crate::domain::Profile;
use crate::error::{Error, Result};
use rusqlite::{OptionalExtension, Transaction, TransactionBehavior, params};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use techo_protocol::Op;
use techo_protocol::error::ErrorCode;
use techo_protocol::sync::{Change, MutationResult, MutationStatus, PullResponse, Reset, ResetReason};
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
    /// Our updates that met someone else's edit and were merged into a new update.
    pub merged: u64,
    /// Records the server refused for photos it no longer had: they go again after them.
    pub resent: u64,
}

/// What applying one pulled page did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PullApplied {
    pub applied: u64,
    /// Skipped because a local change to the same record is newer (write gating).
    pub gated: u64,
    /// Kept aside because this build cannot apply them (a newer app's family or fields); they
    /// are applied when the app is updated.
    pub parked: u64,
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
/// This copy's replica id (`PullQuery::replica`): the server leaves the records it wrote last out
/// of its pulls. Removed (so the next use makes a new one) whenever the copy may stop holding
/// what it sent; start-over does not carry it into the fresh database.
const REPLICA_KEY: &str = "sync_replica";

/// A new replica id on next use: records written under the old one come back to pulls.
pub(crate) fn forget_replica(conn: &rusqlite::Connection) -> Result<()> {
    conn.execute("DELETE FROM \"local_settings\" WHERE \"key\" = ?1", [REPLICA_KEY])?;
    Ok(())
}

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

    /// Applies the server's answer to a push of `sent`: acknowledged entries leave the outbox and
    /// gate their records; refused ones are set aside with the server's reason; stale updates go
    /// to their family to merge.
    pub fn apply_push_results(&self, sent: &[OutboxEntry], results: &[MutationResult]) -> Result<PushApplied> {
        let now = self.clock.now();
        let by_id: HashMap<String, &OutboxEntry> = sent.iter().map(|e| (e.mutation_id.to_string(), e)).collect();
        let mut conn = self.writer();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut out = PushApplied::default();
        for r in results {
            let Some(entry) = by_id.get(&r.mutation_id).copied() else { continue };
            let queued: bool = tx
                .prepare_cached("SELECT EXISTS (SELECT 1 FROM \"outbox\" WHERE \"seq\" = ?1 AND \"mutation_id\" = ?2)")?
                .query_row(params![entry.seq, r.mutation_id], |row| row.get(0))?;
            // Already settled: a duplicate answer to something applied before.
            if !queued {
                continue;
            }
            match r.status {
                MutationStatus::Applied | MutationStatus::Duplicate => {
                    tx.prepare_cached("DELETE FROM \"outbox\" WHERE \"seq\" = ?1")?.execute([entry.seq])?;
                    if let Some(seq) = r.commit_seq {
                        let seq = version(seq)?;
                        tx.prepare_cached(
                            "INSERT INTO \"sync_gates\" (\"entity\", \"entity_id\", \"commit_seq\") VALUES (?1, ?2, ?3) \
                             ON CONFLICT (\"entity\", \"entity_id\") DO UPDATE SET \"commit_seq\" = max(\"commit_seq\", excluded.\"commit_seq\")",
                        )?
                        .execute(params![entry.entity.as_str(), entry.entity_id, seq])?;
                        acknowledge(&tx, &entry.entity, &entry.entity_id, &entry.patient, seq)?;
                        if entry.op != Op::Delete {
                            rebase_later_updates(&tx, entry, seq)?;
                            if let Some(family) = self.families.get(&entry.entity) {
                                family.acknowledged(&tx, entry, seq)?;
                            }
                        }
                    }
                    out.acknowledged += 1;
                }
                MutationStatus::Rejected if r.error == Some(ErrorCode::BlobMissing) => {
                    let shas = self.families.get(&entry.entity).map(|f| f.blobs(&entry.payload)).unwrap_or_default();
                    if resend_photos_first(&tx, entry, &shas, now.timestamp_millis())? {
                        out.resent += 1;
                    } else {
                        wedge(&tx, entry.seq, ErrorCode::BlobMissing.as_str())?;
                        out.rejected += 1;
                    }
                }
                MutationStatus::Rejected => {
                    let reason = r.error.map_or("rejected".to_owned(), |c| c.to_string());
                    wedge(&tx, entry.seq, &reason)?;
                    out.rejected += 1;
                }
                MutationStatus::Conflict => {
                    let resolution = match (&r.server_record, self.families.get(&entry.entity)) {
                        (Some(current), Some(family)) => family.resolve_conflict(&tx, entry, current, now)?,
                        (None, _) => ConflictResolution::Wedge("conflict_without_server_state".into()),
                        (Some(_), None) => ConflictResolution::Wedge("conflict".into()),
                    };
                    match resolution {
                        ConflictResolution::Merged => {
                            tx.prepare_cached("DELETE FROM \"outbox\" WHERE \"seq\" = ?1")?.execute([entry.seq])?;
                            if let Some(current) = &r.server_record {
                                acknowledge(
                                    &tx,
                                    &entry.entity,
                                    &entry.entity_id,
                                    &entry.patient,
                                    version(current.version)?,
                                )?;
                            }
                            out.merged += 1;
                        }
                        ConflictResolution::Wedge(reason) => {
                            wedge(&tx, entry.seq, &reason)?;
                            out.rejected += 1;
                        }
                    }
                }
            }
        }
        tx.commit()?;
        Ok(out)
    }

    /// This copy's replica id, made on first use: for pushes (`pulling` is `None`) and for the
    /// pulls of `pulling`, except during its reset's download, which must see every record the
    /// server holds to tell what it lacks or deleted.
    pub fn sync_replica(&self, pulling: Option<Uuid>) -> Result<Option<String>> {
        let conn = self.writer();
        conn.execute(
            "INSERT INTO \"local_settings\" VALUES (?1, ?2) ON CONFLICT DO NOTHING",
            params![REPLICA_KEY, Uuid::now_v7().to_string()],
        )?;
        Ok(conn
            .query_row(
                "SELECT \"value\" FROM \"local_settings\" WHERE \"key\" = ?1 AND NOT EXISTS \
                 (SELECT 1 FROM \"sync_state\" WHERE \"profile_id\" = ?2 AND \"refetching\")",
                params![REPLICA_KEY, pulling.map(|p| p.to_string())],
                |r| r.get(0),
            )
            .optional()?)
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
        let profile = load_profile(&tx, &pid)?;
        tx.execute(
            "INSERT INTO \"sync_state\" (\"profile_id\") VALUES (?1) ON CONFLICT (\"profile_id\") DO NOTHING",
            [&pid],
        )?;
        let mut out = PullApplied::default();
        if page.reset == Some(Reset::MustRefetch) {
            // Download everything again. Unsent changes stay in the outbox; which records the
            // server still has is re-learnt from the download, and what was parked comes again.
            let mode = match page.reset_reason {
                Some(ResetReason::Expired) => REFETCH_EXPIRED,
                Some(ResetReason::Restored) | None => REFETCH_RESTORED,
            };
            tx.execute(
                "UPDATE \"sync_state\" SET \"cursor\" = ?2, \"applied_through\" = 0, \"refetching\" = ?3 \
                 WHERE \"profile_id\" = ?1",
                params![pid, page.next_cursor, mode],
            )?;
            tx.execute("DELETE FROM \"record_versions\" WHERE \"patient\" = ?1", [profile.hm_code.as_str()])?;
            tx.execute("DELETE FROM \"sync_gates\"", [])?;
            tx.execute("DELETE FROM \"parked_changes\" WHERE \"profile_id\" = ?1", [&pid])?;
            forget_replica(&tx)?;
            tx.commit()?;
            out.refetch_started = true;
            return Ok(out);
        }
        let mut through: i64 =
            tx.query_row("SELECT \"applied_through\" FROM \"sync_state\" WHERE \"profile_id\" = ?1", [&pid], |r| {
                r.get(0)
            })?;
        for change in &page.changes {
            let v = version(change.version)?;
            through = through.max(v);
            if is_gated(&tx, change, v)? {
                out.gated += 1;
                continue;
            }
            match apply_change(&tx, &self.families, &profile, change, now)? {
                Applied::Applied => out.applied += 1,
                Applied::Unreadable => {
                    parked::park(&tx, &profile, change)?;
                    out.parked += 1;
                }
            }
        }
        tx.execute(
            "UPDATE \"sync_state\" SET \"cursor\" = ?2, \"applied_through\" = ?3, \"last_synced_ms\" = ?4 WHERE \"profile_id\" = ?1",
            params![pid, page.next_cursor, through, now.timestamp_millis()],
        )?;
        if !page.has_more {
            // The page reached the newest change as it was read, so every write of ours for this
            // person acknowledged before it: no older version of those can come any more. The
            // server leaves our own writes out, so no pulled version releases their gates.
            tx.execute(
                "DELETE FROM \"sync_gates\" WHERE (\"entity\", \"entity_id\") IN \
                 (SELECT \"entity\", \"entity_id\" FROM \"record_versions\" WHERE \"patient\" = ?1)",
                [profile.hm_code.as_str()],
            )?;
            let refetching: i64 =
                tx.query_row("SELECT \"refetching\" FROM \"sync_state\" WHERE \"profile_id\" = ?1", [&pid], |r| {
                    r.get(0)
                })?;
            for family in self.families.iter() {
                match refetching {
                    REFETCH_RESTORED => out.requeued += family.requeue_lost(&tx, &profile, now)?,
                    REFETCH_EXPIRED => out.deleted_elsewhere += family.tombstone_absent(&tx, &profile, now)?,
                    _ => {}
                }
            }
            tx.execute("UPDATE \"sync_state\" SET \"refetching\" = 0 WHERE \"profile_id\" = ?1", [&pid])?;
        }
        tx.commit()?;
        Ok(out)
    }
}

fn version(v: u64) -> Result<i64> {
    i64::try_from(v).map_err(|_| Error::InvalidPayload { what: "version out of range" })
}

pub(crate) fn load_profile(conn: &rusqlite::Connection, profile_id: &str) -> Result<Profile> {
    let mut stmt = conn.prepare_cached(&format!("SELECT {PROFILE_COLUMNS} FROM \"profiles\" WHERE \"id\" = ?1"))?;
    collect(&mut stmt, [profile_id], profile_from_row)?.pop().ok_or(Error::NotFound { entity: "profile" })
}

/// Hands a change to its family and, when it took it, records the version the server holds.
/// A family this build does not have cannot take anything.
pub(crate) fn apply_change(
    tx: &Transaction<'_>,
    families: &Families,
    profile: &Profile,
    change: &Change,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Applied> {
    let Some(family) = families.get(&change.entity) else { return Ok(Applied::Unreadable) };
    let applied = family.apply_change(tx, profile, change, now)?;
    if applied == Applied::Applied {
        let v = version(change.version)?;
        acknowledge(tx, &change.entity, &change.id, profile.hm_code.as_str(), v)?;
        parked::forget_up_to(tx, change, v)?;
    }
    Ok(applied)
}

/// The server holds `entity_id` at `version` (or newer): kept for every family in one place.
fn acknowledge(
    tx: &Transaction<'_>,
    entity: &techo_protocol::Entity,
    entity_id: &str,
    patient: &str,
    version: i64,
) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO \"record_versions\" (\"entity\", \"entity_id\", \"patient\", \"server_version\") \
         VALUES (?1, ?2, ?3, ?4) ON CONFLICT (\"entity\", \"entity_id\") \
         DO UPDATE SET \"server_version\" = max(\"server_version\", excluded.\"server_version\")",
    )?
    .execute(params![entity.as_str(), entity_id, patient, version])?;
    Ok(())
}

/// A pulled version must not overwrite a record we have changed and not yet pushed, nor one
/// whose newer state we pushed but have not yet seen come back.
pub(crate) fn is_gated(tx: &Transaction<'_>, change: &Change, version: i64) -> Result<bool> {
    let (ent, id) = (change.entity.as_str(), change.id.as_str());
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
