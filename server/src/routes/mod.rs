//! HTTP routes and the middleware stack.

mod auth;
mod meta;
mod sync;

use crate::error::ApiError;
use crate::state::SharedState;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, MatchedPath, Request};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use techo_protocol::error::ErrorCode;
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

pub use meta::ApiDoc;

pub fn router(state: SharedState) -> Router {
    let limits = state.limits.clone();
    Router::new()
        .route("/healthz", get(meta::healthz))
        .route("/openapi.json", get(meta::openapi))
        .route("/v1/auth/activate", post(auth::activate))
        .route("/v1/auth/login", post(auth::login))
        .route("/v1/auth/refresh", post(auth::refresh))
        .route("/v1/auth/logout", post(auth::logout))
        .route("/v1/sync/push", post(sync::push))
        .route("/v1/sync/pull", get(sync::pull))
        .fallback(|| async { ApiError::not_found() })
        .layer(axum::extract::DefaultBodyLimit::max(limits.max_body_bytes))
        // Refuses on Content-Length before reading the body.
        .layer(RequestBodyLimitLayer::new(limits.max_body_bytes))
        .layer(CompressionLayer::new())
        .layer(TimeoutLayer::with_status_code(StatusCode::SERVICE_UNAVAILABLE, limits.request_timeout))
        // Spans name the route pattern only: URIs carry HM codes and cursors, which stay out of logs.
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request| {
            let route = req.extensions().get::<MatchedPath>().map_or("unmatched", |m| m.as_str()).to_owned();
            tracing::info_span!("request", method = %req.method(), route)
        }))
        .with_state(state)
}

/// `Json<T>` whose rejections are typed protocol errors instead of axum's plain text.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(Self(v)),
            Err(JsonRejection::BytesRejection(r)) if r.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                Err(ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, ErrorCode::PayloadTooLarge, "request body too large"))
            }
            Err(JsonRejection::MissingJsonContentType(_)) => {
                Err(ApiError::malformed("expected Content-Type: application/json"))
            }
            // serde's message names the field and position, never echoes values.
            Err(JsonRejection::JsonDataError(e)) => Err(ApiError::malformed(e.body_text())),
            Err(_) => Err(ApiError::malformed("request body is not valid JSON")),
        }
    }
}

pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| Self(q.0))
            .map_err(|e: QueryRejection| ApiError::malformed(e.body_text()))
    }
}
