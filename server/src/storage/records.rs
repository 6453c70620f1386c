//! Synced records of every family, as primitives: the current state of each entity, each
//! patient's change sequence, and the idempotency ledgers.
//!
//! Nothing here knows what a push means. `crate::sync_service` decides replays, duplicates,
//! conflicts and tombstones for unknown ids on top of [`RecordTx`], so a second backend
//! implements these primitives and inherits the rules unchanged.

use super::{ResidentId, StorageResult};
use techo_protocol::Entity;
use techo_protocol::sync::{Change, MutationResult};

/// Who wrote a change. Each kind has its own ledger namespace: a device cannot pick an id that
/// replays a source's result, nor the other way round.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Writer<'a> {
    /// One of the patient's devices: the account it signed in to and its installation id (a
    /// device id is only unique within an account, and so is its ledger).
    Device { resident: ResidentId, device: &'a str },
    /// A server-side source writing for the patient: a pharmacy system, the demo seed.
    Source(&'a str),
}

/// What a request got the first time, kept for as long as a device may stay offline (for ever).
#[derive(Debug, Clone, PartialEq)]
pub struct LedgerEntry {
    /// sha256 of the canonical request: the same key with a different request is refused.
    pub request_hash: String,
    pub result: MutationResult,
}

/// What the store holds now for one entity.
#[derive(Debug, Clone, PartialEq)]
pub struct Head {
    /// The patient sequence number of its last change.
    pub version: u64,
    pub deleted: bool,
    pub payload_hash: String,
    pub payload: serde_json::Value,
}

/// An entity the store has not held before, at a freshly allocated sequence number.
#[derive(Debug, Clone, Copy)]
pub struct NewRecord<'a> {
    pub entity: &'a Entity,
    pub entity_id: &'a str,
    pub version: u64,
    pub payload: &'a serde_json::Value,
    pub payload_hash: &'a str,
    /// Set for a tombstone of something the store never held.
    pub deleted_at_ms: Option<i64>,
    pub origin: Writer<'a>,
    /// The local copy on a device that wrote this state (`crate::sync_service` derives the key
    /// from the account, device and the app's replica id): its pulls leave the record out while
    /// this stays its latest change. `None` for sources and apps that send no replica.
    pub replica: Option<&'a str>,
}

/// One kept version of an edited document.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredVersion {
    pub version: u64,
    pub deleted: bool,
    pub payload: serde_json::Value,
    pub written_at_ms: i64,
    /// HM code of the account whose device wrote it.
    pub account: Option<String>,
    /// The server-side source that wrote it, when no device did.
    pub source: Option<String>,
}

#[derive(Debug, Clone)]
pub struct PullPage {
    pub changes: Vec<Change>,
    pub last_seq: u64,
    pub has_more: bool,
    /// The patient's floor when the page was read (tombstones up to it may have been
    /// forgotten), from the same snapshot as the page.
    pub floor_seq: u64,
}

/// The primitives a push runs inside one write transaction.
///
/// Calls on one entity see the writes made before them in the same transaction.
pub trait RecordTx {
    /// What a batch is about to read: `writer`'s ledger `keys` and the `records` (patient,
    /// entity, id). A backend that pays a round trip per statement reads them in one go here;
    /// the calls below still ask for each. Reading ahead changes no answer.
    fn read_ahead(
        &mut self,
        _writer: Writer<'_>,
        _keys: &[&str],
        _records: &[(ResidentId, &Entity, &str)],
    ) -> StorageResult<()> {
        Ok(())
    }

    fn ledger_entry(&mut self, writer: Writer<'_>, key: &str) -> StorageResult<Option<LedgerEntry>>;
    fn add_ledger_entry(
        &mut self,
        writer: Writer<'_>,
        key: &str,
        entry: &LedgerEntry,
        now_ms: i64,
    ) -> StorageResult<()>;

    fn head(&mut self, patient: ResidentId, entity: &Entity, entity_id: &str) -> StorageResult<Option<Head>>;

    /// The next number of the patient's change sequence. Numbers must become visible to pulls
    /// in the order they were allocated, without gaps: the allocation holds the patient's
    /// sequence until the transaction ends (SQLite: its single writer; PostgreSQL: the row lock
    /// an `UPDATE … RETURNING` takes).
    fn next_seq(&mut self, patient: ResidentId) -> StorageResult<u64>;

    /// `AlreadyExists` if the entity is there.
    fn insert(&mut self, patient: ResidentId, record: &NewRecord<'_>) -> StorageResult<()>;
    /// A new state of an existing entity: `record`'s version, payload and replica (its
    /// `origin` and `deleted_at_ms` are not used); `NotFound` if there is none.
    fn replace(&mut self, patient: ResidentId, record: &NewRecord<'_>) -> StorageResult<()>;
    /// Keeps `record` (as written at `record.version`: a create, an update, or a tombstone when
    /// `deleted_at_ms` is set) among the versions of an edited document.
    fn keep_version(&mut self, patient: ResidentId, record: &NewRecord<'_>, written_at_ms: i64) -> StorageResult<()>;
    /// Marks an existing entity deleted at `version` by `replica` (as in [`NewRecord::replica`]),
    /// keeping its last payload; `NotFound` if there is none.
    fn tombstone(
        &mut self,
        patient: ResidentId,
        entity: &Entity,
        entity_id: &str,
        version: u64,
        deleted_at_ms: i64,
        replica: Option<&str>,
    ) -> StorageResult<()>;

    /// Which of `sha256s` `patient` has no complete blob for (a record may not name those).
    fn missing_blobs(&mut self, patient: ResidentId, sha256s: &[String]) -> StorageResult<Vec<String>>;

    /// Makes `sha256s` exactly the blobs of `patient` this record refers to (none: it refers to
    /// nothing, as a tombstone does). Written with the record, so a committed record and its
    /// references never disagree.
    fn set_blob_refs(
        &mut self,
        patient: ResidentId,
        entity: &Entity,
        entity_id: &str,
        sha256s: &[String],
    ) -> StorageResult<()>;
}

pub trait RecordStore: Send + Sync + 'static {
    /// Changes whenever history may have been lost (restore from backup): outstanding cursors
    /// carry the epoch and are refused after a change.
    fn epoch(&self) -> StorageResult<String>;
    /// Marks the data as restored from a backup: a new epoch, so every device refetches.
    fn bump_epoch(&self) -> StorageResult<String>;

    /// Runs `work` inside one write transaction, committed only if it returns `Ok` (nothing of
    /// it is kept otherwise). A backend may run `work` again after the database aborted the
    /// transaction, so `work` acts only through `tx` and starts from scratch each time.
    /// `work` may share its commit with others that ran beside it (SQLite groups them, each in a
    /// savepoint): it still returns only once that commit is durable, and a `work` that fails
    /// leaves nothing of itself whatever the others do.
    fn write_transaction(&self, work: &mut dyn FnMut(&mut dyn RecordTx) -> StorageResult<()>) -> StorageResult<()>;

    /// Up to `limit` of the patient's changes after `after`, in sequence order, leaving out
    /// records whose latest change `skip` wrote (a [`NewRecord::replica`] key). The filter runs in
    /// the query, so a range of nothing but skipped records costs one page. `last_seq` is the last
    /// sequence number the page covers: its last change when there is more, else the patient's
    /// newest number in the same snapshot (skipped records at the end are passed too).
    fn pull(&self, patient: ResidentId, after: u64, limit: u32, skip: Option<&str>) -> StorageResult<PullPage>;

    /// The versions kept of one document (`keep_version`), oldest first.
    fn versions(&self, patient: ResidentId, entity: &Entity, entity_id: &str) -> StorageResult<Vec<StoredVersion>>;

    /// Forgets tombstones deleted before `older_than_ms` (retention, P-Y10), with the versions
    /// kept of them, raising each affected patient's floor to the newest one forgotten; returns
    /// how many.
    fn collect_tombstones(&self, older_than_ms: i64) -> StorageResult<u64>;
}
