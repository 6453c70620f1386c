//! The transactional outbox: every local change waits here, written in the same transaction as
//! the change, until sync delivers it.
//!
//! Built for the write path: a change adds one row to a rowid table and one entry to the one
//! index pull gating needs (`outbox_entity`), nothing else. Acknowledgements find their rows by
//! `seq` from the batch that was sent, so `mutation_id` needs no index; there is no
//! AUTOINCREMENT (its bookkeeping row would be one more page per commit) because `seq` only
//! orders what is queued now.
//!
//! An entry may wait for others (`outbox_waits`: a document for the upload of each photo it
//! names), and is not sent while any of them is queued. If the server refuses one waited for,
//! its dependants are set aside with it, saying why, and come back with it on a retry.

use super::Store;
use super::blobs::UPLOAD_ENTITY;
use super::rows::{collect, utc_from_ms};
use crate::error::{Error, Result};
use chrono::{DateTime, Utc};
use rusqlite::{Row, Transaction, params};
use serde::Serialize;
use techo_protocol::error::ErrorCode;
use techo_protocol::{Entity, Op};
use uuid::Uuid;

/// The outbox at a glance: what will still be sent, and what the server refused (kept, shown).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OutboxCounts {
    pub pending: u64,
    pub wedged: u64,
    /// Photos among `pending` still to be sent (a phone asks for longer background time).
    pub pending_uploads: u64,
}

#[derive(Clone, PartialEq, Eq, Serialize)]
pub struct OutboxEntry {
    pub seq: i64,
    pub mutation_id: Uuid,
    pub entity: Entity,
    pub entity_id: String,
    /// HM code of the patient the change is for.
    pub patient: String,
    pub op: Op,
    /// For updates: the server version the change was made from.
    pub base_version: Option<i64>,
    /// JSON in techo-protocol form. Patient data: never log it.
    pub payload: String,
    pub state: String,
    /// Why the server refused it (an error code), for wedged entries.
    pub wedge_reason: Option<String>,
    pub attempts: i64,
    pub created_at: DateTime<Utc>,
}

impl std::fmt::Debug for OutboxEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutboxEntry")
            .field("seq", &self.seq)
            .field("mutation_id", &self.mutation_id)
            .field("entity", &self.entity)
            .field("op", &self.op)
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

/// What a family queues: everything about an entry but its payload.
#[derive(Debug, Clone)]
pub(crate) struct NewEntry<'a> {
    pub patient: &'a str,
    pub entity: Entity,
    pub entity_id: String,
    pub op: Op,
    pub base_version: Option<i64>,
    /// The `seq`s of queued entries this one is sent after.
    pub waits_for: Vec<i64>,
}

impl<'a> NewEntry<'a> {
    pub fn new(patient: &'a crate::domain::HmCode, entity: Entity, entity_id: String, op: Op) -> Self {
        Self { patient: patient.as_str(), entity, entity_id, op, base_version: None, waits_for: Vec::new() }
    }
}

/// Queues one change inside the caller's transaction; returns its `seq` (what a dependant names).
pub(crate) fn enqueue(tx: &Transaction<'_>, e: NewEntry<'_>, payload: &impl Serialize, now_ms: i64) -> Result<i64> {
    let json = serde_json::to_string(payload).map_err(|_| Error::Corrupt("payload could not be encoded"))?;
    tx.prepare_cached(
        "INSERT INTO \"outbox\" (\"mutation_id\", \"entity\", \"entity_id\", \"op\", \"base_version\", \"payload\", \
         \"patient\", \"created_at_ms\") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        Uuid::now_v7().to_string(),
        e.entity.as_str(),
        e.entity_id,
        e.op.as_str(),
        e.base_version,
        json,
        e.patient,
        now_ms
    ])?;
    let seq = tx.last_insert_rowid();
    wait_for(tx, seq, &e.waits_for)?;
    Ok(seq)
}

/// Makes entry `seq` wait for the entries `waits_for` as well.
pub(crate) fn wait_for(tx: &Transaction<'_>, seq: i64, waits_for: &[i64]) -> Result<()> {
    if waits_for.is_empty() {
        return Ok(());
    }
    let list = waits_for.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
    tx.prepare_cached(
        "INSERT OR IGNORE INTO \"outbox_waits\" (\"seq\", \"waits_for\") SELECT ?1, value FROM json_each(?2)",
    )?
    .execute(params![seq, format!("[{list}]")])?;
    // Waiting for a change the server refused would be waiting unseen for ever: it is set aside
    // with it, shown, and comes back with it on a retry.
    tx.prepare_cached(
        "UPDATE \"outbox\" SET \"state\" = 'wedged', \"wedge_reason\" = ?2 WHERE \"seq\" = ?1 \
         AND EXISTS (SELECT 1 FROM \"outbox_waits\" w JOIN \"outbox\" d ON d.\"seq\" = w.\"waits_for\" \
                     WHERE w.\"seq\" = ?1 AND d.\"state\" = 'wedged')",
    )?
    .execute(params![seq, ErrorCode::DependencyRefused.as_str()])?;
    Ok(())
}

/// SQL true for an entry (`o`) still waiting for another in the outbox.
pub(crate) const WAITING: &str = "EXISTS (SELECT 1 FROM \"outbox_waits\" w WHERE w.\"seq\" = o.\"seq\")";

pub(crate) const OUTBOX_COLUMNS: &str = "\"seq\", \"mutation_id\", \"entity\", \"entity_id\", \"op\", \"payload\", \"state\", \
     \"attempts\", \"created_at_ms\", \"wedge_reason\", \"base_version\", coalesce(\"patient\", '')";

pub(crate) fn entry_from_row(row: &Row<'_>) -> Result<OutboxEntry> {
    let op: String = row.get(4)?;
    Ok(OutboxEntry {
        seq: row.get(0)?,
        mutation_id: super::rows::parse_uuid(&row.get::<_, String>(1)?)?,
        entity: Entity::parse(&row.get::<_, String>(2)?),
        entity_id: row.get(3)?,
        op: Op::from_str_opt(&op).ok_or(Error::Corrupt("unknown outbox operation"))?,
        payload: row.get(5)?,
        state: row.get(6)?,
        attempts: row.get(7)?,
        created_at: utc_from_ms(row.get(8)?)?,
        wedge_reason: row.get(9)?,
        base_version: row.get(10)?,
        patient: row.get(11)?,
    })
}

/// The entries that wait, directly or through others, for `seq`.
const DEPENDANTS: &str = "WITH RECURSIVE \"waiting\"(\"seq\") AS ( \
       SELECT \"seq\" FROM \"outbox_waits\" WHERE \"waits_for\" = ?1 \
       UNION SELECT o.\"seq\" FROM \"outbox_waits\" o JOIN \"waiting\" w ON o.\"waits_for\" = w.\"seq\")";

/// An acknowledged change of a record was the base of the later edits of it made here: they
/// now start from the version the server gave it.
pub(crate) fn rebase_later_updates(tx: &Transaction<'_>, acknowledged: &OutboxEntry, version: i64) -> Result<()> {
    tx.prepare_cached(
        "UPDATE \"outbox\" SET \"base_version\" = ?4 WHERE \"entity\" = ?1 AND \"entity_id\" = ?2 \
         AND \"op\" = 'update' AND \"seq\" > ?3",
    )?
    .execute(params![acknowledged.entity.as_str(), acknowledged.entity_id, acknowledged.seq, version])?;
    Ok(())
}

/// Sets `seq` aside with `reason`, and everything waiting for it with `dependency_refused`.
pub(crate) fn wedge(tx: &Transaction<'_>, seq: i64, reason: &str) -> Result<()> {
    tx.prepare_cached("UPDATE \"outbox\" SET \"state\" = 'wedged', \"wedge_reason\" = ?2 WHERE \"seq\" = ?1")?
        .execute(params![seq, reason])?;
    tx.prepare_cached(&format!(
        "{DEPENDANTS} UPDATE \"outbox\" SET \"state\" = 'wedged', \"wedge_reason\" = ?2 \
         WHERE \"seq\" IN (SELECT \"seq\" FROM \"waiting\") AND \"state\" = 'pending'"
    ))?
    .execute(params![seq, ErrorCode::DependencyRefused.as_str()])?;
    Ok(())
}

impl Store {
    /// Outbox entries in the order they must be delivered.
    pub fn outbox_entries(&self, limit: u32) -> Result<Vec<OutboxEntry>> {
        let conn = self.reader();
        let mut stmt =
            conn.prepare_cached(&format!("SELECT {OUTBOX_COLUMNS} FROM \"outbox\" ORDER BY \"seq\" LIMIT ?1"))?;
        collect(&mut stmt, [limit], entry_from_row)
    }

    /// Changes waiting to go out and changes the server refused, counted in one query.
    pub fn outbox_counts(&self) -> Result<OutboxCounts> {
        let (pending, wedged, uploads): (i64, i64, i64) = self.reader().query_row(
            &format!(
                "SELECT count(*) - coalesce(sum(\"state\" = 'wedged'), 0), coalesce(sum(\"state\" = 'wedged'), 0), \
                 coalesce(sum(\"state\" = 'pending' AND \"entity\" = '{UPLOAD_ENTITY}'), 0) FROM \"outbox\""
            ),
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        Ok(OutboxCounts {
            pending: pending.unsigned_abs(),
            wedged: wedged.unsigned_abs(),
            pending_uploads: uploads.unsigned_abs(),
        })
    }

    /// Changes not yet delivered to the server.
    pub fn outbox_len(&self) -> Result<u64> {
        let n: i64 = self.reader().query_row("SELECT count(*) FROM \"outbox\"", [], |r| r.get(0))?;
        Ok(n.unsigned_abs())
    }

    /// The next mutations that can be sent for the given patients, in queue order: pending, not
    /// waiting for an entry still in the outbox, and (for an update) not behind an earlier
    /// pending change of the same record — that one goes first, and acknowledging it moves this
    /// one's base version on (`rebase_later_updates`), so a document saved twice offline is not
    /// sent as a conflict with itself, nor before the photo an earlier save added. Uploads are
    /// not mutations (`next_upload`). (A scan in `seq` order that stops at `limit`: almost every
    /// entry qualifies, so no index is worth its cost on every write.)
    pub fn outbox_batch(&self, patients: &[String], limit: u32) -> Result<Vec<OutboxEntry>> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {OUTBOX_COLUMNS} FROM \"outbox\" o WHERE \"state\" = 'pending' AND \"entity\" != '{UPLOAD_ENTITY}' \
             AND \"patient\" IN (SELECT value FROM json_each(?1)) \
             AND NOT {WAITING} \
             AND (\"op\" != 'update' OR NOT EXISTS (SELECT 1 FROM \"outbox\" e WHERE e.\"entity\" = o.\"entity\" \
                  AND e.\"entity_id\" = o.\"entity_id\" AND e.\"seq\" < o.\"seq\" AND e.\"state\" = 'pending')) \
             ORDER BY \"seq\" LIMIT ?2"
        ))?;
        let list = serde_json::to_string(patients).map_err(|_| Error::Corrupt("patient list"))?;
        collect(&mut stmt, params![list, limit], entry_from_row)
    }

    /// Changes the server refused, and those waiting for them; shown to the person, never dropped.
    pub fn wedged_entries(&self) -> Result<Vec<OutboxEntry>> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {OUTBOX_COLUMNS} FROM \"outbox\" WHERE \"state\" = 'wedged' ORDER BY \"seq\""
        ))?;
        collect(&mut stmt, [], entry_from_row)
    }

    /// Puts a refused change back in the queue (after the cause was fixed, e.g. a new app
    /// version), with the changes that were waiting for it.
    pub fn retry_wedged(&self, mutation_id: Uuid) -> Result<()> {
        let mut conn = self.writer();
        let tx = conn.transaction()?;
        let seq: i64 = tx
            .query_row(
                "SELECT \"seq\" FROM \"outbox\" WHERE \"mutation_id\" = ?1 AND \"state\" = 'wedged'",
                [mutation_id.to_string()],
                |r| r.get(0),
            )
            .map_err(|e| match e {
                rusqlite::Error::QueryReturnedNoRows => Error::NotFound { entity: "refused change" },
                other => other.into(),
            })?;
        tx.execute("UPDATE \"outbox\" SET \"state\" = 'pending', \"wedge_reason\" = NULL WHERE \"seq\" = ?1", [seq])?;
        tx.execute(
            &format!(
                "{DEPENDANTS} UPDATE \"outbox\" SET \"state\" = 'pending', \"wedge_reason\" = NULL \
                 WHERE \"seq\" IN (SELECT \"seq\" FROM \"waiting\") AND \"wedge_reason\" = ?2 \
                 AND NOT EXISTS (SELECT 1 FROM \"outbox_waits\" w JOIN \"outbox\" d ON d.\"seq\" = w.\"waits_for\" \
                     WHERE w.\"seq\" = \"outbox\".\"seq\" AND d.\"state\" = 'wedged' AND d.\"seq\" != ?1)"
            ),
            params![seq, ErrorCode::DependencyRefused.as_str()],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Sets one entry aside without a server answer (e.g. too large to ever send), with what
    /// waits for it.
    pub fn wedge(&self, entry: &OutboxEntry, reason: &str) -> Result<()> {
        let mut conn = self.writer();
        let tx = conn.transaction()?;
        wedge(&tx, entry.seq, reason)?;
        tx.commit()?;
        Ok(())
    }

    /// Sets the entry `seq` aside with `reason` (an upload that cannot be done), with what
    /// waits for it.
    pub fn wedge_seq(&self, seq: i64, reason: &str) -> Result<()> {
        let mut conn = self.writer();
        let tx = conn.transaction()?;
        wedge(&tx, seq, reason)?;
        tx.commit()?;
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
}
