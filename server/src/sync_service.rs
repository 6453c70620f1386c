//! Push, pull and ingest, independent of HTTP: the routes call these, and so does the
//! deterministic simulation in `tests/`, which plays the network itself.
//!
//! The sync rules live here, above the storage primitives ([`crate::storage::RecordTx`]):
//! exactly-once per (writer, key) through the ledger, a repeated create is success and a
//! different one a conflict, a delete of something unseen leaves a tombstone, an update is
//! compare-and-swap on the version. Every backend gets them by implementing the primitives.

use crate::error::{ApiError, ApiResult};
use crate::state::{Limits, now_ms};
use crate::storage::{Head, LedgerEntry, NewRecord, RecordTx, ResidentId, Storage, StorageResult, Writer, sha256_hex};
use axum::http::StatusCode;
use std::sync::LazyLock;
use techo_domain::{FamilySpecs, Refusal};
use techo_protocol::error::ErrorCode;
use techo_protocol::sync::{
    Change, Mutation, MutationResult, MutationStatus, PullQuery, PullResponse, PushRequest, PushResponse,
    RecordVersion, Reset, ResetReason, VersionsQuery, VersionsResponse,
};
use techo_protocol::{Entity, Op, PROTOCOL_VERSION, SCHEMA_VERSION};

fn check_versions(protocol: u32, schema: u32) -> ApiResult<()> {
    if protocol != PROTOCOL_VERSION || schema > SCHEMA_VERSION {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::VersionNotSupported,
            format!("this server speaks protocol {PROTOCOL_VERSION}, schema up to {SCHEMA_VERSION}"),
        ));
    }
    Ok(())
}

fn rejected(m: &Mutation, code: ErrorCode) -> MutationResult {
    MutationResult {
        mutation_id: m.mutation_id.clone(),
        status: MutationStatus::Rejected,
        commit_seq: None,
        error: Some(code),
        server_record: None,
    }
}

fn refusal_code(refusal: Refusal) -> ErrorCode {
    match refusal {
        Refusal::Unsupported => ErrorCode::UnsupportedEntity,
        Refusal::Invalid(_) => ErrorCode::InvalidPayload,
    }
}

/// Decides, before touching storage, which patient a device's mutation writes to, or why it is
/// refused.
fn target(m: &Mutation, families: &FamilySpecs, patients: &[(ResidentId, String)]) -> Result<ResidentId, ErrorCode> {
    let patient = families.check_mutation(m).map_err(refusal_code)?;
    // Someone else's record answers as if it did not exist.
    patients.iter().find(|p| p.1 == patient.as_str()).map(|p| p.0).ok_or(ErrorCode::NotFound)
}

/// sha256 of what a mutation asks for, to tell a replay from a different request reusing its id.
/// `base_version` counts only when present, so entries recorded before updates existed still
/// match their replays.
fn request_hash(m: &Mutation) -> String {
    let mut canonical =
        serde_json::json!({ "entity": m.entity, "entity_id": m.entity_id, "op": m.op, "payload": m.payload });
    if let Some(base) = m.base_version {
        canonical["base_version"] = base.into();
    }
    sha256_hex(canonical.to_string().as_bytes())
}

fn payload_hash(payload: &serde_json::Value) -> String {
    sha256_hex(payload.to_string().as_bytes())
}

/// A mutation with what could be decided before the write transaction.
struct Checked {
    mutation: Mutation,
    request_hash: String,
    /// Computed before the write transaction, which it need not lengthen.
    payload_hash: String,
    /// The patient it writes to, or why it is refused without touching data.
    target: Result<ResidentId, ErrorCode>,
    /// Its family edits records (has `update`): a create that finds the record already there
    /// (two devices started the same document) is a conflict to merge, not a refusal.
    edited: bool,
    /// The blobs a create or update refers to, as its family names them: stored with the record
    /// so the blobs are kept while it lives.
    blobs: Vec<String>,
}

impl Checked {
    fn new(mutation: Mutation, families: &FamilySpecs, target: Result<ResidentId, ErrorCode>) -> Self {
        let spec = families.get(&mutation.entity);
        let edited = spec.is_some_and(|s| s.accepts(Op::Update));
        let writes_record = target.is_ok() && matches!(mutation.op, Op::Create | Op::Update);
        let blobs = spec.filter(|_| writes_record).map(|s| s.blobs(&mutation.payload)).unwrap_or_default();
        Self {
            request_hash: request_hash(&mutation),
            payload_hash: payload_hash(&mutation.payload),
            target,
            mutation,
            edited,
            blobs,
        }
    }
}

/// The families this build ships, for callers that do not choose their own.
static BUILTIN: LazyLock<FamilySpecs> = LazyLock::new(FamilySpecs::builtin);

/// [`push_with`] the families this build ships.
pub fn push(
    storage: &dyn Storage,
    limits: &Limits,
    resident: ResidentId,
    device_id: &str,
    req: PushRequest,
) -> ApiResult<PushResponse> {
    push_with(storage, &BUILTIN, limits, resident, device_id, req)
}

/// Applies a batch in order, exactly once per (account, device, mutation id), accepting the families
/// registered in `families`.
pub fn push_with(
    storage: &dyn Storage,
    families: &FamilySpecs,
    limits: &Limits,
    resident: ResidentId,
    device_id: &str,
    req: PushRequest,
) -> ApiResult<PushResponse> {
    check_versions(req.protocol_version, req.schema_version)?;
    if req.mutations.len() > limits.max_batch {
        return Err(ApiError::malformed(format!("at most {} mutations per push", limits.max_batch)));
    }
    if req.mutations.iter().any(|m| !valid_key(&m.mutation_id)) {
        return Err(ApiError::malformed("mutation_id: 1 to 64 characters"));
    }
    let replica = replica_key(resident, device_id, req.replica.as_deref())?;
    let patients = storage.patients_of(resident)?;
    let batch: Vec<Checked> = req
        .mutations
        .into_iter()
        .map(|m| {
            let target = target(&m, families, &patients);
            Checked::new(m, families, target)
        })
        .collect();
    let writer = Writer::Device { resident, device: device_id };
    Ok(PushResponse { results: apply_batch(storage, writer, replica.as_deref(), &batch, now_ms())? })
}

/// Writes records for patients on the server's own authority, not from one of their devices: a
/// pharmacy system's dispensings, the demo seed. `source` names where they came from and is
/// stored with each record; each mutation's `mutation_id` is the source's idempotency key,
/// unique per source for ever. The same family registry checks them as it checks pushes, and
/// the same rules apply them, in one transaction; devices pull them like any other change.
///
/// A record for an HM code the server does not know is refused with `not_found` (and, like
/// every result, answered alike when the same key comes again).
pub fn ingest(
    storage: &dyn Storage,
    families: &FamilySpecs,
    source: &str,
    records: Vec<Mutation>,
) -> ApiResult<Vec<MutationResult>> {
    if !valid_key(source) {
        return Err(ApiError::malformed("source: 1 to 64 characters"));
    }
    if records.iter().any(|m| !valid_key(&m.mutation_id)) {
        return Err(ApiError::malformed("key (mutation_id): 1 to 64 characters"));
    }
    let batch = records
        .into_iter()
        .map(|m| {
            let target = match families.check_mutation(&m) {
                Ok(hm) => storage.resident_by_hm_code(hm.as_str())?.map(|r| r.id).ok_or(ErrorCode::NotFound),
                Err(refusal) => Err(refusal_code(refusal)),
            };
            Ok(Checked::new(m, families, target))
        })
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(apply_batch(storage, Writer::Source(source), None, &batch, now_ms())?)
}

fn valid_key(key: &str) -> bool {
    !key.is_empty() && key.len() <= 64
}

/// What a device's replica id is stored and compared as: scoped to the account and device that
/// sent it (both from the access token), so no one can pick an id that hides changes from
/// another device's pulls, and kept short whatever the id's length.
fn replica_key(resident: ResidentId, device_id: &str, replica: Option<&str>) -> ApiResult<Option<String>> {
    let Some(replica) = replica else { return Ok(None) };
    if !valid_key(replica) {
        return Err(ApiError::malformed("replica: 1 to 64 characters"));
    }
    let mut key = sha256_hex(format!("{resident}\n{device_id}\n{replica}").as_bytes());
    key.truncate(32);
    Ok(Some(key))
}

/// One transaction for the whole batch, the ledger written in it: a batch is kept entirely, with
/// every result recorded, or not at all.
fn apply_batch(
    storage: &dyn Storage,
    writer: Writer<'_>,
    replica: Option<&str>,
    batch: &[Checked],
    now_ms: i64,
) -> StorageResult<Vec<MutationResult>> {
    let mut results = Vec::with_capacity(batch.len());
    let keys: Vec<&str> = batch.iter().map(|c| c.mutation.mutation_id.as_str()).collect();
    let records: Vec<(ResidentId, &Entity, &str)> = batch
        .iter()
        .filter_map(|c| c.target.ok().map(|p| (p, &c.mutation.entity, c.mutation.entity_id.as_str())))
        .collect();
    storage.write_transaction(&mut |tx| {
        results.clear();
        tx.read_ahead(writer, &keys, &records)?;
        for c in batch {
            results.push(apply_once(tx, writer, replica, c, now_ms)?);
        }
        Ok(())
    })?;
    Ok(results)
}

/// At most once per (writer, key): a replay gets the first result back, never a second effect.
fn apply_once(
    tx: &mut dyn RecordTx,
    writer: Writer<'_>,
    replica: Option<&str>,
    c: &Checked,
    now_ms: i64,
) -> StorageResult<MutationResult> {
    let m = &c.mutation;
    if let Some(first) = tx.ledger_entry(writer, &m.mutation_id)? {
        if first.request_hash != c.request_hash {
            // Same key, different request: refused, and the recorded result stays as it was.
            return Ok(rejected(m, ErrorCode::IdempotencyConflict));
        }
        let mut result = first.result;
        if result.status == MutationStatus::Applied {
            result.status = MutationStatus::Duplicate;
        }
        return Ok(result);
    }
    let result = match c.target {
        Ok(patient) => apply(tx, writer, replica, c, patient, now_ms)?,
        Err(code) => rejected(m, code),
    };
    // A record waiting for its photos is answered afresh when it comes again with them.
    if result.error == Some(ErrorCode::BlobMissing) {
        return Ok(result);
    }
    // Refusals and conflicts are recorded too: the queue moves on, and a replay is answered alike.
    tx.add_ledger_entry(
        writer,
        &m.mutation_id,
        &LedgerEntry { request_hash: c.request_hash.clone(), result: result.clone() },
        now_ms,
    )?;
    Ok(result)
}

fn applied(m: &Mutation, seq: u64) -> MutationResult {
    MutationResult {
        mutation_id: m.mutation_id.clone(),
        status: MutationStatus::Applied,
        commit_seq: Some(seq),
        error: None,
        server_record: None,
    }
}

/// Nothing written: the current state goes back for the device to merge with.
fn conflict(m: &Mutation, head: Head) -> MutationResult {
    MutationResult {
        mutation_id: m.mutation_id.clone(),
        status: MutationStatus::Conflict,
        commit_seq: None,
        error: None,
        server_record: Some(Change {
            entity: m.entity.clone(),
            id: m.entity_id.clone(),
            version: head.version,
            deleted: head.deleted,
            payload: head.payload,
        }),
    }
}

/// What a first-seen mutation does to its entity; the blobs it refers to change with it. Every
/// write records `replica` as the entity's latest writer; answers that write nothing leave the
/// latest writer as it was, so the device still pulls what someone else wrote.
fn apply(
    tx: &mut dyn RecordTx,
    writer: Writer<'_>,
    replica: Option<&str>,
    c: &Checked,
    patient: ResidentId,
    now_ms: i64,
) -> StorageResult<MutationResult> {
    let (m, edited) = (&c.mutation, c.edited);
    let hash = &c.payload_hash;
    let head = tx.head(patient, &m.entity, &m.entity_id)?;
    let new_record = |version, deleted_at_ms| NewRecord {
        entity: &m.entity,
        entity_id: &m.entity_id,
        version,
        payload: &m.payload,
        payload_hash: hash,
        deleted_at_ms,
        origin: writer,
        replica,
    };
    // An edited document keeps every version it is written at (its current state alone would
    // lose the earlier ones); append-only families are their own history.
    let kept = |tx: &mut dyn RecordTx, seq, deleted_at_ms| -> StorageResult<MutationResult> {
        if edited {
            tx.keep_version(patient, &new_record(seq, deleted_at_ms), now_ms)?;
        }
        Ok(applied(m, seq))
    };
    // A record may only show photos the server holds: one it released after a long time unnamed
    // (a save set aside for weeks, then retried) is sent again first.
    let writes = matches!((m.op, &head), (Op::Create, None))
        || matches!((m.op, &head), (Op::Update, Some(h)) if !h.deleted && m.base_version == Some(h.version));
    if writes && !c.blobs.is_empty() && !tx.missing_blobs(patient, &c.blobs)?.is_empty() {
        return Ok(rejected(m, ErrorCode::BlobMissing));
    }
    Ok(match (m.op, head) {
        (Op::Create, None) => {
            let seq = tx.next_seq(patient)?;
            tx.insert(patient, &new_record(seq, None))?;
            tx.set_blob_refs(patient, &m.entity, &m.entity_id, &c.blobs)?;
            kept(tx, seq, None)?
        }
        // The same record again (another device relayed it, or a lost response) is success; a
        // record already deleted stays deleted.
        (Op::Create, Some(h)) if h.deleted || h.payload_hash == *hash => applied(m, h.version),
        (Op::Create, Some(h)) if edited => conflict(m, h),
        (Op::Create, Some(_)) => rejected(m, ErrorCode::ConflictingRecord),
        (Op::Update, None) => rejected(m, ErrorCode::NotFound),
        // Compare-and-swap on the version: an edit of anything but the current state, or of a
        // deleted record, is never written over it.
        (Op::Update, Some(h)) if h.deleted || m.base_version != Some(h.version) => conflict(m, h),
        (Op::Update, Some(_)) => {
            let seq = tx.next_seq(patient)?;
            tx.replace(patient, &new_record(seq, None))?;
            tx.set_blob_refs(patient, &m.entity, &m.entity_id, &c.blobs)?;
            kept(tx, seq, None)?
        }
        (Op::Delete, Some(h)) if h.deleted => applied(m, h.version),
        (Op::Delete, Some(_)) => {
            let seq = tx.next_seq(patient)?;
            tx.tombstone(patient, &m.entity, &m.entity_id, seq, now_ms, replica)?;
            // A deleted record keeps its last payload for pulls, but no longer its blobs.
            tx.set_blob_refs(patient, &m.entity, &m.entity_id, &[])?;
            kept(tx, seq, Some(now_ms))?
        }
        // Deleting what the server never saw still leaves a tombstone, so a late create cannot
        // bring it back.
        (Op::Delete, None) => {
            let seq = tx.next_seq(patient)?;
            tx.insert(patient, &new_record(seq, Some(now_ms)))?;
            kept(tx, seq, Some(now_ms))?
        }
    })
}

/// Every version the server kept of one edited document the caller may read, oldest first. A
/// document last written before versions were kept has its current state as its one version.
pub fn versions(storage: &dyn Storage, resident: ResidentId, q: &VersionsQuery) -> ApiResult<VersionsResponse> {
    let patient =
        storage.patients_of(resident)?.into_iter().find(|p| p.1 == q.patient).ok_or_else(ApiError::not_found)?.0;
    let mut versions: Vec<RecordVersion> = storage
        .versions(patient, &q.entity, &q.id)?
        .into_iter()
        .map(|v| RecordVersion {
            version: v.version,
            deleted: v.deleted,
            payload: v.payload,
            written_at: chrono::DateTime::from_timestamp_millis(v.written_at_ms)
                .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)),
            account: v.account,
            source: v.source,
        })
        .collect();
    // The current state comes from the write side (the only place heads are read); this is a
    // rare, person-initiated request.
    let mut head = None;
    storage.write_transaction(&mut |tx| {
        head = tx.head(patient, &q.entity, &q.id)?;
        Ok(())
    })?;
    match head {
        Some(h) if versions.last().is_none_or(|v| v.version < h.version) => versions.push(RecordVersion {
            version: h.version,
            deleted: h.deleted,
            payload: h.payload,
            written_at: None,
            account: None,
            source: None,
        }),
        None if versions.is_empty() => return Err(ApiError::not_found()),
        _ => {}
    }
    Ok(VersionsResponse { versions })
}

/// Cursor: `c1.<epoch>.<seq>`. Opaque to clients; the epoch voids cursors from before a restore.
fn parse_cursor(cursor: Option<&str>, epoch: &str) -> ApiResult<Option<u64>> {
    let Some(c) = cursor.filter(|c| !c.is_empty()) else { return Ok(Some(0)) };
    let mut parts = c.split('.');
    match (parts.next(), parts.next(), parts.next().map(str::parse::<u64>), parts.next()) {
        (Some("c1"), Some(e), Some(Ok(seq)), None) => Ok((e == epoch).then_some(seq)),
        _ => Err(ApiError::malformed("cursor: not one this server issued")),
    }
}

/// One page of a patient's changes after the cursor, in commit order, for `device_id` signed in
/// as `resident`. Records whose latest change the puller's own replica wrote are left out (it
/// holds them); the cursor still moves past them.
pub fn pull(
    storage: &dyn Storage,
    limits: &Limits,
    resident: ResidentId,
    device_id: &str,
    q: &PullQuery,
) -> ApiResult<PullResponse> {
    let skip = replica_key(resident, device_id, q.replica.as_deref())?;
    let limit = q.limit.unwrap_or(limits.default_page).clamp(1, limits.max_page);
    let patient =
        storage.patients_of(resident)?.into_iter().find(|p| p.1 == q.patient).ok_or_else(ApiError::not_found)?.0;
    let epoch = storage.epoch()?;
    let cursor = |seq: u64| format!("c1.{epoch}.{seq}");
    let restart = |reason| PullResponse {
        changes: vec![],
        next_cursor: cursor(0),
        has_more: true,
        reset: Some(Reset::MustRefetch),
        reset_reason: Some(reason),
    };
    let Some(after) = parse_cursor(q.cursor.as_deref(), &epoch)? else { return Ok(restart(ResetReason::Restored)) };
    let page = storage.pull(patient, after, limit, skip.as_deref())?;
    // Tombstones up to the floor may have been forgotten: a cursor below it could miss deletions.
    if after > 0 && after < page.floor_seq {
        return Ok(restart(ResetReason::Expired));
    }
    Ok(PullResponse {
        changes: page.changes,
        next_cursor: cursor(page.last_seq),
        has_more: page.has_more,
        reset: None,
        reset_reason: None,
    })
}
