//! Push and pull, independent of HTTP: the routes call these, and so does the deterministic
//! simulation in `tests/`, which plays the network itself.

use crate::error::{ApiError, ApiResult};
use crate::state::{Limits, now_ms};
use crate::storage::{CheckedMutation, PullStart, ResidentId, Storage, sha256_hex};
use axum::http::StatusCode;
use std::sync::LazyLock;
use techo_domain::{FamilySpecs, Refusal};
use techo_protocol::error::ErrorCode;
use techo_protocol::sync::{
    Mutation, MutationResult, MutationStatus, PullQuery, PullResponse, PushRequest, PushResponse, Reset, ResetReason,
};
use techo_protocol::{PROTOCOL_VERSION, SCHEMA_VERSION};

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

/// Decides, before touching storage, which patient a mutation writes to, or why it is refused.
fn target(m: &Mutation, families: &FamilySpecs, patients: &[(ResidentId, String)]) -> Result<ResidentId, ErrorCode> {
    let patient = families.check_mutation(m).map_err(|refusal| match refusal {
        Refusal::Unsupported => ErrorCode::UnsupportedEntity,
        Refusal::Invalid(_) => ErrorCode::InvalidPayload,
    })?;
    // Someone else's record answers as if it did not exist.
    patients.iter().find(|p| p.1 == patient.as_str()).map(|p| p.0).ok_or(ErrorCode::NotFound)
}

fn request_hash(m: &Mutation) -> String {
    let canonical =
        serde_json::json!({ "entity": m.entity, "entity_id": m.entity_id, "op": m.op, "payload": m.payload });
    sha256_hex(canonical.to_string().as_bytes())
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

/// Applies a batch in order, exactly once per (device, mutation id), accepting the families
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
    if req.mutations.iter().any(|m| m.mutation_id.is_empty() || m.mutation_id.len() > 64) {
        return Err(ApiError::malformed("mutation_id: 1 to 64 characters"));
    }
    let patients = storage.patients_of(resident)?;
    let batch = req
        .mutations
        .into_iter()
        .map(|m| CheckedMutation {
            request_hash: request_hash(&m),
            target: target(&m, families, &patients).map_err(|code| rejected(&m, code)),
            mutation: m,
        })
        .collect();
    Ok(PushResponse { results: storage.push(device_id, batch, now_ms())? })
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

/// One page of a patient's changes after the cursor, in commit order.
pub fn pull(storage: &dyn Storage, limits: &Limits, resident: ResidentId, q: &PullQuery) -> ApiResult<PullResponse> {
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
    match storage.pull_start(patient, after)? {
        PullStart::MustRefetch => Ok(restart(ResetReason::Expired)),
        PullStart::From(after) => {
            let page = storage.pull(patient, after, limit)?;
            Ok(PullResponse {
                changes: page.changes,
                next_cursor: cursor(page.last_seq),
                has_more: page.has_more,
                reset: None,
                reset_reason: None,
            })
        }
    }
}
