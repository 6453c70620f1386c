//! Push and pull, independent of HTTP: the routes call these, and so does the deterministic
//! simulation in `tests/`, which plays the network itself.

use crate::error::{ApiError, ApiResult};
use crate::state::{Limits, now_ms};
use crate::storage::{CheckedMutation, PullStart, ResidentId, Storage, sha256_hex};
use axum::http::StatusCode;
use techo_core::domain::{ValidationContext, validate_content};
use techo_core::sync::wire::decode_vital;
use techo_protocol::error::ErrorCode;
use techo_protocol::sync::{
    Mutation, MutationResult, MutationStatus, PullQuery, PullResponse, PushRequest, PushResponse, Reset, ResetReason,
};
use techo_protocol::{Op, PROTOCOL_VERSION, SCHEMA_VERSION, VitalDelete, VitalRecord, entity};

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
    }
}

/// Decides, before touching storage, which patient a mutation writes to, or why it is refused.
fn target(m: &Mutation, patients: &[(ResidentId, String)]) -> Result<ResidentId, MutationResult> {
    if m.entity != entity::VITAL {
        return Err(rejected(m, ErrorCode::UnsupportedEntity));
    }
    let invalid = || rejected(m, ErrorCode::InvalidPayload);
    let patient = match m.op {
        Op::Create => {
            let rec: VitalRecord = serde_json::from_value(m.payload.clone()).map_err(|_| invalid())?;
            let w = decode_vital(&rec).map_err(|_| invalid())?;
            // The device's clock may differ from ours: check values, not how recent they are.
            validate_content(&w.reading, ValidationContext::default()).map_err(|_| invalid())?;
            if w.id.to_string() != m.entity_id {
                return Err(invalid());
            }
            w.patient.to_string()
        }
        Op::Delete => {
            let del: VitalDelete = serde_json::from_value(m.payload.clone()).map_err(|_| invalid())?;
            if del.id != m.entity_id || uuid::Uuid::parse_str(&del.id).is_err() {
                return Err(invalid());
            }
            del.patient
        }
    };
    // Someone else's record answers as if it did not exist.
    patients.iter().find(|p| p.1 == patient).map(|p| p.0).ok_or_else(|| rejected(m, ErrorCode::NotFound))
}

fn request_hash(m: &Mutation) -> String {
    let canonical =
        serde_json::json!({ "entity": m.entity, "entity_id": m.entity_id, "op": m.op, "payload": m.payload });
    sha256_hex(canonical.to_string().as_bytes())
}

/// Applies a batch in order, exactly once per (device, mutation id).
pub fn push(
    storage: &dyn Storage,
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
        .map(|m| CheckedMutation { request_hash: request_hash(&m), target: target(&m, &patients), mutation: m })
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
