//! HTTP routes and the middleware stack.

mod auth;
mod meta;
mod pharmacy;
mod sync;
mod uploads;

use crate::error::ApiError;
use crate::state::SharedState;
use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{FromRequest, FromRequestParts, MatchedPath, Request};
use axum::http::StatusCode;
use axum::routing::{get, post};
use serde::de::DeserializeOwned;
use techo_protocol::error::ErrorCode;
use techo_protocol::uploads::MAX_CHUNK_BYTES;
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

pub use meta::ApiDoc;

pub fn router(state: SharedState) -> Router {
    let limits = state.limits.clone();
    let json = Router::new()
        .route("/healthz", get(meta::healthz))
        .route("/openapi.json", get(meta::openapi))
        .route("/v1/auth/activate", post(auth::activate))
        .route("/v1/auth/login", post(auth::login))
        .route("/v1/auth/refresh", post(auth::refresh))
        .route("/v1/auth/logout", post(auth::logout))
        .route("/v1/sync/push", post(sync::push))
        .route("/v1/sync/pull", get(sync::pull))
        .route("/v1/sync/versions", get(sync::versions))
        .route("/v1/pharmacy/medications", post(pharmacy::submit))
        .route("/v1/uploads", post(uploads::start))
        .layer(axum::extract::DefaultBodyLimit::max(limits.max_body_bytes))
        // Refuses on Content-Length before reading the body.
        .layer(RequestBodyLimitLayer::new(limits.max_body_bytes))
        .layer(TimeoutLayer::with_status_code(StatusCode::SERVICE_UNAVAILABLE, limits.request_timeout));
    // Photo bytes: chunks have a body limit of their own, whatever the JSON routes' is (one
    // whole chunk, no more; the handler refuses a larger Content-Length itself, with a typed
    // error), and chunks and downloads the longer time a weak signal needs.
    let transfers = Router::new()
        .route("/v1/uploads/{upload_id}", get(uploads::status).patch(uploads::chunk))
        .route("/v1/blobs/{patient}/{sha256}", get(uploads::download))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_CHUNK_BYTES))
        .layer(TimeoutLayer::with_status_code(StatusCode::SERVICE_UNAVAILABLE, limits.transfer_timeout));
    json.merge(transfers)
        .fallback(|| async { ApiError::not_found() })
        .layer(CompressionLayer::new())
        // Spans name the route pattern only: URIs carry HM codes and cursors, which stay out of logs.
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request| {
            let route = req.extensions().get::<MatchedPath>().map_or("unmatched", |m| m.as_str()).to_owned();
            tracing::info_span!("request", method = %req.method(), route)
        }))
        .with_state(state)
}

/// Where in a request a value was refused, by field names and positions only: never a value,
/// nor a key the sender made up.
fn field_path(path: &serde_path_to_error::Path) -> String {
    let mut out = String::new();
    for segment in path.iter() {
        match segment {
            serde_path_to_error::Segment::Seq { index } => out.push_str(&format!("[{index}]")),
            serde_path_to_error::Segment::Map { key } | serde_path_to_error::Segment::Enum { variant: key } => {
                let known = !key.is_empty()
                    && key.len() <= 32
                    && key.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(if known { key } else { "?" });
            }
            serde_path_to_error::Segment::Unknown => {}
        }
    }
    if out.is_empty() { "body".into() } else { out }
}

/// `Json<T>` whose rejections are typed protocol errors instead of axum's plain text, naming the
/// field and never echoing what was sent.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let json_type =
            req.headers().get(axum::http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| {
                v.split(';').next().is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
            });
        if !json_type {
            return Err(ApiError::malformed("expected Content-Type: application/json"));
        }
        let bytes = match axum::body::Bytes::from_request(req, state).await {
            Ok(b) => b,
            Err(r) if r.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return Err(ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    ErrorCode::PayloadTooLarge,
                    "request body too large",
                ));
            }
            Err(_) => return Err(ApiError::malformed("request body could not be read")),
        };
        let mut de = serde_json::Deserializer::from_slice(&bytes);
        match serde_path_to_error::deserialize::<_, T>(&mut de) {
            Ok(v) if de.end().is_ok() => Ok(Self(v)),
            Ok(_) => Err(ApiError::malformed("request body is not valid JSON")),
            Err(e) if e.inner().is_data() => Err(ApiError::malformed(format!(
                "{}: missing, of the wrong type, or not allowed",
                field_path(e.path())
            ))),
            Err(_) => Err(ApiError::malformed("request body is not valid JSON")),
        }
    }
}

pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &S) -> Result<Self, Self::Rejection> {
        // serde's messages can quote what was sent: name the parameters instead.
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| Self(q.0))
            .map_err(|_: QueryRejection| ApiError::malformed("query: a parameter is missing or of the wrong type"))
    }
}
