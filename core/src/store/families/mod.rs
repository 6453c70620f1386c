//! The seam every kind of record goes through on the device: one [`Family`] per kind, listed
//! once in [`Families::builtin`].
//!
//! The generic machinery — the outbox, acknowledgement (`record_versions`), write gating, parking
//! what cannot be applied yet, full refetches, starting over — never names a family; it asks the
//! registry. A family only says how its own table takes a pulled change, which of its records
//! the server lost, and how to carry its rows into a fresh database.

pub mod checkup;
pub mod emergency_sheet;
pub mod medication;
#[cfg(test)]
pub(crate) mod test_note;
mod vitals;
mod waiting_pages;

pub use medication::{ArrivedBy, MedicationFamily};

pub use checkup::CheckupFamily;
pub use emergency_sheet::EmergencySheetFamily;
pub use vitals::VitalFamily;

use super::outbox::OutboxEntry;
use crate::domain::Profile;
use crate::error::Result;
use chrono::{DateTime, Utc};
use rusqlite::Transaction;
use std::sync::Arc;
use techo_protocol::Entity;
use techo_protocol::records::Tombstone;
use techo_protocol::sync::Change;

/// What became of a pulled change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    Applied,
    /// This build cannot read it (a field or value kind from a newer app, or it names another
    /// patient): it is parked, not dropped, and tried again when the app is updated.
    Unreadable,
}

/// What to do with one of our updates that the server found stale (someone else edited the
/// record first). Append-only families never update, so never see one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConflictResolution {
    /// The family merged both versions and queued the merge as a new update; the stale entry
    /// leaves the outbox.
    Merged,
    /// Kept and shown to the person with this reason (PII-free).
    Wedge(String),
}

/// A record as this device holds it, in its wire form: what the server and every other device
/// of the patient should hold too once synced. Lets tests and checkers compare devices and the
/// server without knowing any family.
#[derive(Debug, Clone, PartialEq)]
pub struct HeldRecord {
    pub entity: Entity,
    pub id: String,
    pub deleted: bool,
    pub payload: serde_json::Value,
}

/// One kind of record, as the device stores it.
pub trait Family: Send + Sync {
    fn entity(&self) -> Entity;

    /// Every record of `profile` this device holds (deleted ones too), encoded as it travels.
    fn held(&self, conn: &rusqlite::Connection, profile: &Profile) -> Result<Vec<HeldRecord>>;

    /// Takes one pulled change, already cleared by write gating, inside the page's transaction.
    /// Acknowledgement is recorded by the caller.
    fn apply_change(
        &self,
        tx: &Transaction<'_>,
        profile: &Profile,
        change: &Change,
        now: DateTime<Utc>,
    ) -> Result<Applied>;

    /// After a full download for an expired cursor: the records of `profile` the server no longer
    /// lists (never acknowledged in this download, nothing of ours pending) were deleted
    /// elsewhere and their tombstones collected. Marks them deleted; returns how many.
    fn tombstone_absent(&self, tx: &Transaction<'_>, profile: &Profile, now: DateTime<Utc>) -> Result<u64>;

    /// After a full download following a server restore: queues again every record of
    /// `profile` that the server lacks (not acknowledged, not pending). Returns how many records.
    fn requeue_lost(&self, tx: &Transaction<'_>, profile: &Profile, now: DateTime<Utc>) -> Result<u64>;

    /// Statements that copy the family's rows from the set-aside database (attached as
    /// `salvage`) into the fresh one, parents first, each run on its own so a damaged table
    /// costs only itself. Profiles are copied before any family. Returns the records copied.
    fn salvage(&self, tx: &Transaction<'_>) -> Result<u64>;

    /// The person is being removed from this device: deletes every record of `profile` the
    /// family holds here (the server keeps its copy). Unsent changes were dealt with by the
    /// caller. Returns how many records.
    fn forget(&self, tx: &Transaction<'_>, profile: &Profile) -> Result<u64>;

    /// The server stored one of our changes: edited documents keep what it now holds as the
    /// base their next merge starts from (a pulled copy of it may never come while later saves
    /// wait). Append-only families have nothing to do.
    fn acknowledged(&self, _tx: &Transaction<'_>, _entry: &OutboxEntry, _server_version: i64) -> Result<()> {
        Ok(())
    }

    /// The photos (sha256s) a queued record of this family shows: when the server no longer has
    /// one, they are sent again before the record. Families without photos show none.
    fn blobs(&self, _payload: &str) -> Vec<String> {
        Vec::new()
    }

    /// The server refused one of our updates as stale and sent its current state.
    fn resolve_conflict(
        &self,
        _tx: &Transaction<'_>,
        _entry: &OutboxEntry,
        _current: &Change,
        _now: DateTime<Utc>,
    ) -> Result<ConflictResolution> {
        Ok(ConflictResolution::Wedge("conflict".into()))
    }
}

/// The families a store knows. An app build registers every family it ships; a store opened
/// with fewer (an older build) parks what it cannot read instead of losing it.
#[derive(Clone)]
pub struct Families {
    list: Vec<Arc<dyn Family>>,
}

impl std::fmt::Debug for Families {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.list.iter().map(|x| x.entity())).finish()
    }
}

impl Default for Families {
    fn default() -> Self {
        Self::builtin()
    }
}

impl Families {
    /// Every family this build ships. A new family is registered here, once.
    pub fn builtin() -> Self {
        Self {
            list: vec![
                Arc::new(VitalFamily),
                Arc::new(MedicationFamily),
                Arc::new(EmergencySheetFamily),
                Arc::new(CheckupFamily),
            ],
        }
    }

    /// None at all: a store that parks everything it pulls (tests of older builds).
    pub fn none() -> Self {
        Self { list: Vec::new() }
    }

    /// These plus `family` (a family of the same entity is replaced).
    pub fn with(mut self, family: Arc<dyn Family>) -> Self {
        self.list.retain(|f| f.entity() != family.entity());
        self.list.push(family);
        self
    }

    pub fn get(&self, entity: &Entity) -> Option<&dyn Family> {
        self.list.iter().find(|f| &f.entity() == entity).map(|f| f.as_ref())
    }

    pub fn iter(&self) -> impl Iterator<Item = &dyn Family> {
        self.list.iter().map(|f| f.as_ref())
    }
}

impl super::Store {
    /// Every record of `profile` held here, of every family this build knows, in wire form.
    pub fn held_records(&self, profile: &Profile) -> Result<Vec<HeldRecord>> {
        let conn = self.reader();
        let mut out = Vec::new();
        for family in self.families.iter() {
            out.extend(family.held(&conn, profile)?);
        }
        Ok(out)
    }
}

/// What a change whose payload is not one of the family's records comes to: a tombstone for a
/// record this device never had is applied (there is nothing to show); anything else cannot be
/// read by this build.
pub(crate) fn not_a_record(change: &Change) -> Applied {
    let tombstone = change.deleted && serde_json::from_value::<Tombstone>(change.payload.clone()).is_ok();
    if tombstone { Applied::Applied } else { Applied::Unreadable }
}

/// The ids of `profile`'s records in `table` that the server has not acknowledged and that wait
/// for nothing in the outbox: after a full download, exactly the ones the server lacks.
/// For families whose table has `"id"` and `"profile_id"` columns.
pub(crate) fn unacknowledged_ids(
    tx: &Transaction<'_>,
    entity: &Entity,
    table: &'static str,
    profile: &Profile,
    extra_condition: &'static str,
) -> Result<Vec<String>> {
    let mut stmt = tx.prepare_cached(&format!(
        "SELECT t.\"id\" FROM \"{table}\" t WHERE t.\"profile_id\" = ?1 {extra_condition} \
         AND NOT EXISTS (SELECT 1 FROM \"record_versions\" rv WHERE rv.\"entity\" = ?2 AND rv.\"entity_id\" = t.\"id\") \
         AND NOT EXISTS (SELECT 1 FROM \"outbox\" o WHERE o.\"entity\" = ?2 AND o.\"entity_id\" = t.\"id\") \
         ORDER BY t.\"id\""
    ))?;
    let rows = stmt.query_map(rusqlite::params![profile.id.to_string(), entity.as_str()], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// `tombstone_absent` for families whose table has `"id"`, `"profile_id"` and `"deleted_at_ms"`:
/// marks deleted the records of `profile` the server no longer lists. Returns how many.
pub(crate) fn tombstone_unlisted(
    tx: &Transaction<'_>,
    entity: &Entity,
    table: &'static str,
    profile: &Profile,
    now: DateTime<Utc>,
) -> Result<u64> {
    let ids = unacknowledged_ids(tx, entity, table, profile, "AND t.\"deleted_at_ms\" IS NULL")?;
    let mut stmt = tx.prepare_cached(&format!("UPDATE \"{table}\" SET \"deleted_at_ms\" = ?2 WHERE \"id\" = ?1"))?;
    for id in &ids {
        stmt.execute(rusqlite::params![id, now.timestamp_millis()])?;
    }
    Ok(ids.len() as u64)
}

/// `held` for families that keep each record's wire form as JSON in a `"record"` column of
/// `table` (with `"id"`, `"profile_id"` and `"deleted_at_ms"`).
pub(crate) fn held_json_records(
    conn: &rusqlite::Connection,
    entity: &Entity,
    table: &'static str,
    profile: &Profile,
) -> Result<Vec<HeldRecord>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT \"id\", \"record\", \"deleted_at_ms\" IS NOT NULL FROM \"{table}\" WHERE \"profile_id\" = ?1"
    ))?;
    let rows = stmt.query_map([profile.id.to_string()], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, bool>(2)?))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, record, deleted) = row?;
        let payload = serde_json::from_str(&record).map_err(|_| crate::error::Error::Corrupt(table))?;
        out.push(HeldRecord { entity: entity.clone(), id, deleted, payload });
    }
    Ok(out)
}

/// `requeue_lost` for one document with photo pages: the server may have lost the photos too,
/// so they are queued again first (it answers at once for those it kept), then the record as a
/// create that waits for them.
pub(crate) fn requeue_with_pages<R: serde::Serialize>(
    tx: &Transaction<'_>,
    profile: &Profile,
    entity: &Entity,
    id: String,
    record: &R,
    pages: &[techo_protocol::records::PhotoPage],
    now_ms: i64,
) -> Result<()> {
    use super::blobs::{requeue_blob, uploads_named};
    for page in pages {
        requeue_blob(tx, profile, &page.image, now_ms)?;
        requeue_blob(tx, profile, &page.thumbnail, now_ms)?;
    }
    let mut entry = super::outbox::NewEntry::new(&profile.hm_code, entity.clone(), id, techo_protocol::Op::Create);
    entry.waits_for = uploads_named(tx, profile, pages)?;
    super::outbox::enqueue(tx, entry, record, now_ms)?;
    Ok(())
}

/// Removes the page with this image from a document's pages, or else from those waiting for
/// room (which discards it).
pub(crate) fn remove_page(
    pages: &mut Vec<techo_protocol::records::PhotoPage>,
    waiting: &mut Vec<techo_protocol::records::PhotoPage>,
    image_sha256: &str,
) -> Result<()> {
    for list in [pages, waiting] {
        if let Some(at) = list.iter().position(|p| p.image.sha256 == image_sha256) {
            list.remove(at);
            return Ok(());
        }
    }
    Err(crate::error::Error::NotFound { entity: "page" })
}

/// Queues a save of a document with photo pages (the whole record, `pages` being its pages) as a
/// create (never acknowledged, nothing queued) or an update from the version the server last
/// acknowledged, waiting for the uploads of the photos it shows. Earlier saves of it that were
/// set aside go: this one holds all they held, and a record the server never created cannot
/// be updated (an update behind a refused create would be refused as well).
pub(crate) fn queue_document_save<R: serde::Serialize>(
    tx: &Transaction<'_>,
    profile: &Profile,
    entity: &Entity,
    id: &str,
    record: &R,
    pages: &[techo_protocol::records::PhotoPage],
    now_ms: i64,
) -> Result<()> {
    use rusqlite::{OptionalExtension, params};
    use techo_protocol::Op;
    tx.execute(
        "DELETE FROM \"outbox\" WHERE \"entity\" = ?1 AND \"entity_id\" = ?2 AND \"state\" = 'wedged' AND \"op\" != 'delete'",
        params![entity.as_str(), id],
    )?;
    let acknowledged: Option<i64> = tx
        .query_row(
            "SELECT \"server_version\" FROM \"record_versions\" WHERE \"entity\" = ?1 AND \"entity_id\" = ?2",
            params![entity.as_str(), id],
            |r| r.get(0),
        )
        .optional()?;
    let queued: bool = tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM \"outbox\" WHERE \"entity\" = ?1 AND \"entity_id\" = ?2 AND \"op\" != 'delete')",
        params![entity.as_str(), id],
        |r| r.get(0),
    )?;
    let op = if acknowledged.is_none() && !queued { Op::Create } else { Op::Update };
    let mut entry = super::outbox::NewEntry::new(&profile.hm_code, entity.clone(), id.to_owned(), op);
    // An update behind a queued save gets its base when that one is acknowledged.
    entry.base_version = if op == Op::Update { acknowledged } else { None };
    entry.waits_for = super::blobs::uploads_named(tx, profile, pages)?;
    super::outbox::enqueue(tx, entry, record, now_ms)?;
    Ok(())
}

/// `resolve_conflict`'s last step for documents with photo pages: the merge of `stale` with
/// the server's `current` goes out as one update on top of `current`'s version, replacing our
/// later queued edits of the record (the merge holds them all; a queued delete stays and
/// settles it), and waits for the uploads of the photos it shows (`pages`) like any save.
pub(crate) fn queue_merged_update<R: serde::Serialize>(
    tx: &Transaction<'_>,
    profile: &Profile,
    stale: &OutboxEntry,
    current: &Change,
    merged: &R,
    pages: &[techo_protocol::records::PhotoPage],
    now: DateTime<Utc>,
) -> Result<()> {
    use crate::error::Error;
    tx.execute(
        "DELETE FROM \"outbox\" WHERE \"entity\" = ?1 AND \"entity_id\" = ?2 AND \"seq\" > ?3 \
         AND \"state\" = 'pending' AND \"op\" != 'delete'",
        rusqlite::params![stale.entity.as_str(), stale.entity_id, stale.seq],
    )?;
    let mut update = super::outbox::NewEntry::new(
        &profile.hm_code,
        stale.entity.clone(),
        stale.entity_id.clone(),
        techo_protocol::Op::Update,
    );
    update.base_version = Some(i64::try_from(current.version).map_err(|_| Error::Corrupt("version"))?);
    update.waits_for = super::blobs::uploads_named(tx, profile, pages)?;
    super::outbox::enqueue(tx, update, merged, now.timestamp_millis())?;
    Ok(())
}

/// [`Family::blobs`] of a record's photographed pages: each image and preview, once.
fn page_blobs(pages: &[techo_protocol::records::PhotoPage]) -> Vec<String> {
    let mut shas: Vec<String> = Vec::new();
    for sha in pages.iter().flat_map(|p| [&p.image.sha256, &p.thumbnail.sha256]) {
        if !shas.contains(sha) {
            shas.push(sha.clone());
        }
    }
    shas
}
