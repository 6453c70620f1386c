//! Push and pull.

use super::{ApiJson, ApiQuery};
use crate::error::{ApiError, ApiResult};
use crate::state::{Caller, SharedState, blocking, now_ms};
use crate::storage::{CheckedMutation, PullStart, ResidentId, sha256_hex};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use techo_core::domain::{ValidationContext, validate_content};
use techo_core::sync::wire::decode_vital;
use techo_protocol::error::{ErrorBody, ErrorCode};
use techo_protocol::sync::{
    Mutation, MutationResult, MutationStatus, PullQuery, PullResponse, PushRequest, PushResponse, Reset,
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
    let patient = match m.op {
        Op::Create => {
            let rec: VitalRecord =
                serde_json::from_value(m.payload.clone()).map_err(|_| rejected(m, ErrorCode::InvalidPayload))?;
            let w = decode_vital(&rec).map_err(|_| rejected(m, ErrorCode::InvalidPayload))?;
            // The device's clock may differ from ours: check values, not how recent they are.
            validate_content(&w.reading, ValidationContext::default())
                .map_err(|_| rejected(m, ErrorCode::InvalidPayload))?;
            if w.id.to_string() != m.entity_id {
                return Err(rejected(m, ErrorCode::InvalidPayload));
            }
            w.patient.to_string()
        }
        Op::Delete => {
            let del: VitalDelete =
                serde_json::from_value(m.payload.clone()).map_err(|_| rejected(m, ErrorCode::InvalidPayload))?;
            if del.id != m.entity_id || uuid::Uuid::parse_str(&del.id).is_err() {
                return Err(rejected(m, ErrorCode::InvalidPayload));
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

/// Applies a batch of mutations in order, exactly once each.
#[utoipa::path(post, path = "/v1/sync/push", request_body = PushRequest,
    responses((status = 200, body = PushResponse), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 503, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn push(
    State(state): State<SharedState>,
    caller: Caller,
    ApiJson(req): ApiJson<PushRequest>,
) -> ApiResult<Json<PushResponse>> {
    check_versions(req.protocol_version, req.schema_version)?;
    if req.mutations.len() > state.limits.max_batch {
        return Err(ApiError::malformed(format!("at most {} mutations per push", state.limits.max_batch)));
    }
    if req.mutations.iter().any(|m| m.mutation_id.is_empty() || m.mutation_id.len() > 64) {
        return Err(ApiError::malformed("mutation_id: 1 to 64 characters"));
    }
    let results = blocking(&state, move |s| {
        let patients = s.patients_of(caller.resident)?;
        let batch = req
            .mutations
            .into_iter()
            .map(|m| CheckedMutation { request_hash: request_hash(&m), target: target(&m, &patients), mutation: m })
            .collect();
        Ok(s.push(&caller.device_id, batch, now_ms())?)
    })
    .await?;
    Ok(Json(PushResponse { results }))
}

/// Cursor: `c1.<epoch>.<seq>`. Opaque to clients; the epoch makes cursors from before a restore
/// invalid.
fn parse_cursor(cursor: Option<&str>, epoch: &str) -> ApiResult<Option<u64>> {
    let Some(c) = cursor.filter(|c| !c.is_empty()) else { return Ok(Some(0)) };
    let mut parts = c.split('.');
    match (parts.next(), parts.next(), parts.next().map(str::parse::<u64>), parts.next()) {
        (Some("c1"), Some(e), Some(Ok(seq)), None) => Ok((e == epoch).then_some(seq)),
        _ => Err(ApiError::malformed("cursor: not one this server issued")),
    }
}

/// The patient's changes after the cursor, in commit order.
#[utoipa::path(get, path = "/v1/sync/pull", params(
        ("patient" = String, Query, description = "HM code"),
        ("cursor" = Option<String>, Query, description = "next_cursor of the previous page"),
        ("limit" = Option<u32>, Query)),
    responses((status = 200, body = PullResponse), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn pull(
    State(state): State<SharedState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<PullQuery>,
) -> ApiResult<Json<PullResponse>> {
    let limit = q.limit.unwrap_or(state.limits.default_page).clamp(1, state.limits.max_page);
    let resp = blocking(&state, move |s| {
        let patient =
            s.patients_of(caller.resident)?.into_iter().find(|p| p.1 == q.patient).ok_or_else(ApiError::not_found)?.0;
        let epoch = s.epoch()?;
        let cursor = |seq: u64| format!("c1.{epoch}.{seq}");
        let restart =
            PullResponse { changes: vec![], next_cursor: cursor(0), has_more: true, reset: Some(Reset::MustRefetch) };
        let Some(after) = parse_cursor(q.cursor.as_deref(), &epoch)? else { return Ok(restart) };
        match s.pull_start(patient, after)? {
            PullStart::MustRefetch => Ok(restart),
            PullStart::From(after) => {
                let page = s.pull(patient, after, limit)?;
                Ok(PullResponse {
                    changes: page.changes,
                    next_cursor: cursor(page.last_seq),
                    has_more: page.has_more,
                    reset: None,
                })
            }
        }
    })
    .await?;
    Ok(Json(resp))
}
