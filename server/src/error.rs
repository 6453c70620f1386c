//! The server's one error type and its single mapping to HTTP: status, typed code, PHI-free
//! message. Storage failures are logged here (without data) and reported as retryable.

use crate::storage::StorageError;
use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use techo_protocol::error::{DataProblem, ErrorBody, ErrorCode};

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: ErrorCode,
    pub message: String,
    pub retry_after_secs: Option<u64>,
    /// Where submitted data is wrong, for a 400 on a pharmacy's file.
    pub problems: Vec<DataProblem>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> Self {
        Self { status, code, message: message.into(), retry_after_secs: None, problems: Vec::new() }
    }

    pub fn malformed(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, ErrorCode::MalformedRequest, message)
    }

    pub fn unauthenticated() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, ErrorCode::Unauthenticated, "sign in again")
    }

    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, ErrorCode::NotFound, "not found")
    }

    pub fn unavailable() -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, ErrorCode::Unavailable, "temporarily unavailable; retry later")
    }

    pub fn rate_limited(retry_after_secs: u64) -> Self {
        Self {
            retry_after_secs: Some(retry_after_secs),
            ..Self::new(StatusCode::TOO_MANY_REQUESTS, ErrorCode::RateLimited, "too many attempts; wait and retry")
        }
    }
}

/// For callers outside HTTP (the command line, the demo seed): the code and the PHI-free message.
impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl From<StorageError> for ApiError {
    fn from(e: StorageError) -> Self {
        match e {
            StorageError::NotFound => Self::not_found(),
            StorageError::AlreadyExists => {
                Self::new(StatusCode::CONFLICT, ErrorCode::MalformedRequest, "already exists")
            }
            StorageError::Unavailable(_) | StorageError::Corrupt(_) => {
                tracing::error!(error = %e, "storage failure");
                Self::unavailable()
            }
        }
    }
}

impl From<tokio::task::JoinError> for ApiError {
    fn from(_: tokio::task::JoinError) -> Self {
        tracing::error!("a blocking task failed");
        Self::unavailable()
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody { code: self.code, message: self.message, problems: self.problems };
        let mut resp = (self.status, Json(body)).into_response();
        if let Some(s) = self.retry_after_secs
            && let Ok(v) = HeaderValue::from_str(&s.to_string())
        {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
        resp
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
