//! Why the server refused a change, as a screen says it: the wedge reason the outbox keeps is
//! the server's error code (or one of ours), and the screens map this enum one-to-one to a
//! phrase instead of comparing codes themselves.

use serde::Serialize;
use techo_protocol::error::ErrorCode;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RefusalReason {
    /// The server found the data wrong (a value it does not accept, a malformed record).
    InvalidData,
    /// This account may not write this person's records.
    NotAllowed,
    /// The change is larger than the server takes.
    TooLarge,
    /// Someone changed or deleted the record elsewhere first.
    ChangedElsewhere,
    /// The server does not take this kind of record (yet).
    NotAccepted,
    /// It depends on another change that was refused, and waits with it.
    WaitsForAnother,
    /// The account's room for photos on the server is full.
    StorageFull,
    /// A photo's bytes are no longer on this device, so it cannot be sent.
    PhotoMissing,
    /// A reason this build does not know.
    Other,
}

impl RefusalReason {
    /// From the reason kept with a refused change (`None`: the server gave none).
    pub fn from_code(code: Option<&str>) -> Self {
        let Some(code) = code else { return Self::Other };
        let known = [
            (ErrorCode::InvalidPayload, Self::InvalidData),
            (ErrorCode::MalformedRequest, Self::InvalidData),
            (ErrorCode::Forbidden, Self::NotAllowed),
            (ErrorCode::NotFound, Self::NotAllowed),
            (ErrorCode::PayloadTooLarge, Self::TooLarge),
            (ErrorCode::ConflictingRecord, Self::ChangedElsewhere),
            (ErrorCode::IdempotencyConflict, Self::ChangedElsewhere),
            (ErrorCode::UnsupportedEntity, Self::NotAccepted),
            (ErrorCode::DependencyRefused, Self::WaitsForAnother),
            (ErrorCode::QuotaExceeded, Self::StorageFull),
            (ErrorCode::MissingMediaContent, Self::PhotoMissing),
            // Only kept when sending the photo again did not help.
            (ErrorCode::BlobMissing, Self::PhotoMissing),
            (ErrorCode::BlobHashMismatch, Self::InvalidData),
        ];
        if let Some((_, reason)) = known.iter().find(|(c, _)| c.as_str() == code) {
            return *reason;
        }
        // The device's own reasons (conflict resolution, and a batch refused by HTTP status).
        match code {
            "conflict" | "conflict_without_server_state" | "deleted_elsewhere" => Self::ChangedElsewhere,
            "http_413" => Self::TooLarge,
            "http_400" | "http_422" | "rejected" => Self::InvalidData,
            _ => Self::Other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reason_the_device_keeps_has_a_meaning() {
        for (code, want) in [
            (Some("invalid_payload"), RefusalReason::InvalidData),
            (Some("forbidden"), RefusalReason::NotAllowed),
            (Some("payload_too_large"), RefusalReason::TooLarge),
            (Some("http_413"), RefusalReason::TooLarge),
            (Some("conflict"), RefusalReason::ChangedElsewhere),
            (Some("deleted_elsewhere"), RefusalReason::ChangedElsewhere),
            (Some("conflicting_record"), RefusalReason::ChangedElsewhere),
            (Some("unsupported_entity"), RefusalReason::NotAccepted),
            (Some("dependency_refused"), RefusalReason::WaitsForAnother),
            (Some("quota_exceeded"), RefusalReason::StorageFull),
            (Some("missing_media_content"), RefusalReason::PhotoMissing),
            (Some("blob_missing"), RefusalReason::PhotoMissing),
            (Some("blob_hash_mismatch"), RefusalReason::InvalidData),
            (Some("http_400"), RefusalReason::InvalidData),
            (Some("rejected"), RefusalReason::InvalidData),
            (Some("something_new"), RefusalReason::Other),
            (None, RefusalReason::Other),
        ] {
            assert_eq!(RefusalReason::from_code(code), want, "{code:?}");
        }
    }
}
