//! Push and pull over HTTP.

use super::{ApiJson, ApiQuery};
use crate::error::ApiResult;
use crate::state::{Caller, SharedState, blocking};
use crate::sync_service;
use axum::Json;
use axum::extract::State;
use techo_protocol::error::ErrorBody;
use techo_protocol::sync::{PullQuery, PullResponse, PushRequest, PushResponse, VersionsQuery, VersionsResponse};

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
    let st = state.clone();
    let resp = blocking(&state, move |s| {
        sync_service::push_with(s, &st.families, &st.limits, caller.resident, &caller.device_id, req)
    })
    .await?;
    Ok(Json(resp))
}

/// The patient's changes after the cursor, in commit order.
#[utoipa::path(get, path = "/v1/sync/pull", params(
        ("patient" = String, Query, description = "HM code"),
        ("cursor" = Option<String>, Query, description = "next_cursor of the previous page"),
        ("limit" = Option<u32>, Query),
        ("replica" = Option<String>, Query, description = "the puller's local copy, as sent with its pushes: its own latest writes are left out")),
    responses((status = 200, body = PullResponse), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn pull(
    State(state): State<SharedState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<PullQuery>,
) -> ApiResult<Json<PullResponse>> {
    let limits = state.limits.clone();
    let resp =
        blocking(&state, move |s| sync_service::pull(s, &limits, caller.resident, &caller.device_id, &q)).await?;
    Ok(Json(resp))
}

/// Every version the server kept of one edited document (命の宝箱, a checkup), oldest first,
/// with who wrote each and when.
#[utoipa::path(get, path = "/v1/sync/versions", params(
        ("patient" = String, Query, description = "HM code"),
        ("entity" = String, Query, description = "the document's family"),
        ("id" = String, Query, description = "the document's id")),
    responses((status = 200, body = VersionsResponse), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody, description = "No such document, or not a patient this account may read")),
    security(("bearer" = [])))]
pub async fn versions(
    State(state): State<SharedState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<VersionsQuery>,
) -> ApiResult<Json<VersionsResponse>> {
    let resp = blocking(&state, move |s| sync_service::versions(s, caller.resident, &q)).await?;
    Ok(Json(resp))
}
