//! Resumable photo uploads and blob downloads over HTTP; the rules are in `crate::blob_service`.

use super::ApiJson;
use crate::blob_service;
use crate::error::{ApiError, ApiResult};
use crate::state::{Caller, SharedState, blocking};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequest, Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use techo_protocol::error::{ErrorBody, ErrorCode};
use techo_protocol::uploads::{CHUNK_CONTENT_TYPE, MAX_CHUNK_BYTES, UPLOAD_OFFSET_HEADER, UploadStart, UploadState};

/// Path segments are matched against stored names only; one that cannot even be read names
/// nothing.
fn segment<T>(p: Result<Path<T>, axum::extract::rejection::PathRejection>) -> ApiResult<T> {
    p.map(|p| p.0).map_err(|_| ApiError::not_found())
}

fn too_large() -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        ErrorCode::PayloadTooLarge,
        format!("a chunk holds at most {MAX_CHUNK_BYTES} bytes"),
    )
}

/// Starts an upload, or finds the one in progress for the same blob, or answers with the
/// patient's blob when it is stored already (then nothing needs sending).
#[utoipa::path(post, path = "/v1/uploads", request_body = UploadStart,
    responses((status = 200, body = UploadState), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody, description = "Not a patient this account may write"),
        (status = 413, body = ErrorBody, description = "payload_too_large: size over the limit; quota_exceeded"),
        (status = 503, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn start(
    State(state): State<SharedState>,
    caller: Caller,
    ApiJson(req): ApiJson<UploadStart>,
) -> ApiResult<Json<UploadState>> {
    let st = state.clone();
    let answer =
        blocking(&state, move |s| blob_service::start(s, &st.uploads, &st.limits, caller.resident, &req)).await?;
    Ok(Json(answer))
}

/// Where an upload stands: the offset to continue from, or the blob once it is stored.
#[utoipa::path(get, path = "/v1/uploads/{upload_id}", params(("upload_id" = String, Path)),
    responses((status = 200, body = UploadState), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody, description = "Unknown, finished, expired, or another account's"),
        (status = 503, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn status(
    State(state): State<SharedState>,
    caller: Caller,
    id: Result<Path<String>, axum::extract::rejection::PathRejection>,
) -> ApiResult<Json<UploadState>> {
    let id = segment(id)?;
    let st = state.clone();
    let answer = blocking(&state, move |s| blob_service::status(s, &st.uploads, caller.resident, &id)).await?;
    Ok(Json(answer))
}

/// One chunk, starting at the upload's offset. The last one has the bytes' sha256 checked and
/// stores the blob.
#[utoipa::path(patch, path = "/v1/uploads/{upload_id}", params(("upload_id" = String, Path),
        ("upload-offset" = u64, Header, description = "Where the chunk starts: the upload's current offset")),
    request_body(content = Vec<u8>, content_type = "application/offset+octet-stream",
        description = "At most 1 MiB"),
    responses((status = 200, body = UploadState), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "upload_offset_mismatch: ask for the offset"),
        (status = 413, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "blob_hash_mismatch: the upload was discarded"),
        (status = 503, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn chunk(
    State(state): State<SharedState>,
    caller: Caller,
    id: Result<Path<String>, axum::extract::rejection::PathRejection>,
    req: Request,
) -> ApiResult<Json<UploadState>> {
    let id = segment(id)?;
    let headers = req.headers();
    let chunk_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(';').next().is_some_and(|m| m.trim().eq_ignore_ascii_case(CHUNK_CONTENT_TYPE)));
    if !chunk_type {
        return Err(ApiError::malformed(format!("expected Content-Type: {CHUNK_CONTENT_TYPE}")));
    }
    let offset = headers
        .get(UPLOAD_OFFSET_HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|v| v.parse::<u64>().ok())
        .ok_or_else(|| ApiError::malformed(format!("{UPLOAD_OFFSET_HEADER}: a byte offset")))?;
    // Refused on the declared length before a byte is read.
    let declared =
        headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_CHUNK_BYTES as u64) {
        return Err(too_large());
    }
    let body = match Bytes::from_request(req, &state).await {
        Ok(b) => b,
        Err(r) if r.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(too_large()),
        Err(_) => return Err(ApiError::malformed("request body could not be read")),
    };
    let st = state.clone();
    let answer =
        blocking(&state, move |s| blob_service::write_chunk(s, &st.uploads, caller.resident, &id, offset, &body))
            .await?;
    Ok(Json(answer))
}

/// A patient's blob, to an account that may read the patient's records.
#[utoipa::path(get, path = "/v1/blobs/{patient}/{sha256}",
    params(("patient" = String, Path, description = "HM code"), ("sha256" = String, Path)),
    responses((status = 200, description = "The bytes, with the blob's media type", content_type = "image/jpeg",
            body = Vec<u8>),
        (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody, description = "No such blob, or not a patient this account may read"),
        (status = 503, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn download(
    State(state): State<SharedState>,
    caller: Caller,
    path: Result<Path<(String, String)>, axum::extract::rejection::PathRejection>,
) -> ApiResult<Response> {
    let (patient, sha256) = segment(path)?;
    let (mime, bytes) =
        blocking(&state, move |s| blob_service::download(s, caller.resident, &patient, &sha256)).await?;
    let mime = HeaderValue::from_str(&mime).map_err(|_| {
        tracing::error!("a stored blob's media type is not a header value");
        ApiError::unavailable()
    })?;
    Ok((
        [
            (header::CONTENT_TYPE, mime),
            // Health data: neither shared caches nor the device's HTTP cache keep a copy.
            (header::CACHE_CONTROL, HeaderValue::from_static("private, no-store")),
            (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
        ],
        bytes,
    )
        .into_response())
}
