//! The transactional outbox: every local change waits here, written in the same transaction as
//! the change, until sync delivers it.

use super::Store;
use super::rows::{collect, utc_from_ms};
use crate::error::Result;
use chrono::{DateTime, Utc};
use rusqlite::{Row, Transaction, params};
use serde::Serialize;
use techo_protocol::Op;
use uuid::Uuid;

/// The outbox at a glance: what will still be sent, and what the server refused (kept, shown).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OutboxCounts {
    pub pending: u64,
    pub wedged: u64,
}

#[derive(Clone, PartialEq, Eq, Serialize)]
pub struct OutboxEntry {
    pub seq: i64,
    pub mutation_id: Uuid,
    pub entity: String,
    pub entity_id: String,
    pub op: String,
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

pub(crate) fn enqueue(
    tx: &Transaction<'_>,
    patient: &str,
    entity: &str,
    entity_id: &Uuid,
    op: Op,
    payload: &impl Serialize,
    now_ms: i64,
) -> Result<Uuid> {
    let mutation_id = Uuid::now_v7();
    let json =
        serde_json::to_string(payload).map_err(|_| crate::error::Error::Corrupt("payload could not be encoded"))?;
    tx.prepare_cached(
        "INSERT INTO \"outbox\" (\"mutation_id\", \"entity\", \"entity_id\", \"op\", \"payload\", \"created_at_ms\", \"patient\") \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![mutation_id.to_string(), entity, entity_id.to_string(), op.as_str(), json, now_ms, patient])?;
    Ok(mutation_id)
}

pub(crate) const OUTBOX_COLUMNS: &str = "\"seq\", \"mutation_id\", \"entity\", \"entity_id\", \"op\", \"payload\", \"state\", \
     \"attempts\", \"created_at_ms\", \"wedge_reason\"";

pub(crate) fn entry_from_row(row: &Row<'_>) -> Result<OutboxEntry> {
    Ok(OutboxEntry {
        seq: row.get(0)?,
        mutation_id: super::rows::parse_uuid(&row.get::<_, String>(1)?)?,
        entity: row.get(2)?,
        entity_id: row.get(3)?,
        op: row.get(4)?,
        payload: row.get(5)?,
        state: row.get(6)?,
        attempts: row.get(7)?,
        created_at: utc_from_ms(row.get(8)?)?,
        wedge_reason: row.get(9)?,
    })
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
        let (pending, wedged): (i64, i64) = self.reader().query_row(
            "SELECT count(*) - coalesce(sum(\"state\" = 'wedged'), 0), coalesce(sum(\"state\" = 'wedged'), 0) FROM \"outbox\"",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        Ok(OutboxCounts { pending: pending.unsigned_abs(), wedged: wedged.unsigned_abs() })
    }

    /// Changes not yet delivered to the server.
    pub fn outbox_len(&self) -> Result<u64> {
        let n: i64 = self.reader().query_row("SELECT count(*) FROM \"outbox\"", [], |r| r.get(0))?;
        Ok(n.unsigned_abs())
    }
}
