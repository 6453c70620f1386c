//! Machine-readable error codes shared by server responses and the client's wedge reasons.

use serde::{Deserialize, Serialize};
use std::fmt;

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    // Request-level (HTTP status in brackets).
    /// [400] Body is not valid JSON for the endpoint.
    MalformedRequest,
    /// [400] Protocol or schema version this server does not speak.
    VersionNotSupported,
    /// [401] Missing, expired or revoked access token.
    Unauthenticated,
    /// [401] Wrong HM code or password (deliberately not saying which).
    InvalidCredentials,
    /// [401] Refresh token unknown, expired, or reused (the device was signed out).
    InvalidRefreshToken,
    /// [400] Activation code unknown, expired or already used.
    InvalidActivationCode,
    /// [400] Password does not meet the rules.
    WeakPassword,
    /// [404] No such resource for this account (also for other people's ids).
    NotFound,
    /// [413] Body larger than the limit.
    PayloadTooLarge,
    /// [429] Too many attempts; see Retry-After.
    RateLimited,
    /// [503] Temporary server problem; retry later.
    Unavailable,
    /// [409] An upload chunk does not start where the server's copy ends; ask for the offset.
    UploadOffsetMismatch,
    /// [422] The uploaded bytes do not have the sha256 announced; the upload was discarded.
    BlobHashMismatch,
    /// [413] The account's storage for photos is full.
    QuotaExceeded,
    // Mutation-level (inside a 200 push response).
    /// The payload failed validation.
    InvalidPayload,
    /// The entity type or operation is unknown.
    UnsupportedEntity,
    /// The account may not write this patient's data.
    Forbidden,
    /// The same mutation id arrived earlier with a different payload.
    IdempotencyConflict,
    /// The entity id exists with different content (ids are immutable records).
    ConflictingRecord,
    /// A photo the record shows is not on the server (never completed, or released after a
    /// long time unnamed). Nothing was written and nothing is remembered: the device sends the
    /// photo, then the same mutation again.
    BlobMissing,
    /// (Device side, never sent by the server.) A change this one depends on was refused, so
    /// this one waits with it.
    DependencyRefused,
    /// (Device side, never sent by the server.) A photo's bytes are no longer on this device
    /// (lost with a damaged database), so its upload cannot be done.
    MissingMediaContent,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::MalformedRequest => "malformed_request",
            Self::VersionNotSupported => "version_not_supported",
            Self::Unauthenticated => "unauthenticated",
            Self::InvalidCredentials => "invalid_credentials",
            Self::InvalidRefreshToken => "invalid_refresh_token",
            Self::InvalidActivationCode => "invalid_activation_code",
            Self::WeakPassword => "weak_password",
            Self::NotFound => "not_found",
            Self::PayloadTooLarge => "payload_too_large",
            Self::RateLimited => "rate_limited",
            Self::Unavailable => "unavailable",
            Self::UploadOffsetMismatch => "upload_offset_mismatch",
            Self::BlobHashMismatch => "blob_hash_mismatch",
            Self::QuotaExceeded => "quota_exceeded",
            Self::InvalidPayload => "invalid_payload",
            Self::UnsupportedEntity => "unsupported_entity",
            Self::Forbidden => "forbidden",
            Self::IdempotencyConflict => "idempotency_conflict",
            Self::ConflictingRecord => "conflicting_record",
            Self::BlobMissing => "blob_missing",
            Self::DependencyRefused => "dependency_refused",
            Self::MissingMediaContent => "missing_media_content",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Body of every non-2xx response.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub code: ErrorCode,
    /// Human-readable, PHI-free.
    pub message: String,
    /// Where submitted data is wrong (a pharmacy's JAHIS file), by position, never by value.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<DataProblem>,
}

/// One problem in submitted data: its level, a stable code, and where it is.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataProblem {
    /// `error` (the data is refused) or `warning` (accepted as written).
    pub level: String,
    /// e.g. `required_field_missing`.
    pub code: String,
    /// 1-based line; the header is line 1.
    pub line: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record: Option<u16>,
    /// Field position as the format counts it (1 = the first after the record number).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<u16>,
}
