//! `POST /v1/sync/push` and `GET /v1/sync/pull`.

use crate::error::ErrorCode;
use crate::{Entity, Op};
use serde::{Deserialize, Serialize};

/// A batch of outbox mutations, applied by the server in order inside one transaction.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PushRequest {
    pub protocol_version: u32,
    pub schema_version: u32,
    pub mutations: Vec<Mutation>,
    /// The sending app's local copy of its records (see [`PullQuery::replica`]): stored with each
    /// change this push writes. Absent from older apps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replica: Option<String>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Mutation {
    /// UUIDv7 from the device: the idempotency key, unique per device forever.
    pub mutation_id: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub entity: Entity,
    pub entity_id: String,
    pub op: Op,
    /// For `update`: the server version the new state was edited from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_version: Option<u64>,
    /// The entity payload (e.g. [`crate::records::vital::VitalRecord`]); for `update`, the whole
    /// new state.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub payload: serde_json::Value,
    /// When the device queued it; for display only, never for ordering.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_time: Option<String>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PushResponse {
    /// One result per mutation, in request order.
    pub results: Vec<MutationResult>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MutationStatus {
    /// Applied now.
    Applied,
    /// Applied earlier (a replay); `commit_seq` is the original one.
    Duplicate,
    /// Permanently refused; the device keeps it visible and moves on.
    Rejected,
    /// An `update` whose `base_version` is no longer current: nothing was written, and
    /// `server_record` holds the current state to merge with.
    Conflict,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MutationResult {
    pub mutation_id: String,
    pub status: MutationStatus,
    /// Position of the change in the patient's change sequence; the client's write gate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit_seq: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorCode>,
    /// For `conflict`: the entity as the server has it now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_record: Option<Change>,
}

/// Query of `GET /v1/sync/pull`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PullQuery {
    /// The patient (HM code) whose changes to read.
    pub patient: String,
    /// `next_cursor` of the previous page; absent for a full download.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// A random id (1 to 64 characters) of the puller's local copy, as sent with its pushes: the
    /// page leaves out records whose latest change that copy wrote from this device and account,
    /// since the copy holds them already. The app replaces it whenever its copy may no longer hold
    /// what it wrote (a profile removed, a reset, a database started over), and sends none while
    /// downloading everything after a reset. Absent: every change is sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replica: Option<String>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PullResponse {
    pub changes: Vec<Change>,
    /// Opaque; store it with the applied page in one transaction.
    pub next_cursor: String,
    pub has_more: bool,
    /// Set when the cursor cannot be continued (too old, server restored, protocol change):
    /// download everything again from no cursor, keeping local unsent changes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reset: Option<Reset>,
    /// Why a reset was asked for; absent means `restored` (the cautious reading).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reset_reason: Option<ResetReason>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reset {
    MustRefetch,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResetReason {
    /// The server was restored from a backup: it may have lost changes devices still hold,
    /// which they send again.
    Restored,
    /// The cursor is older than tombstone retention: deletions may have been forgotten, so
    /// records a device holds but the server no longer lists were deleted.
    Expired,
}

/// Query of `GET /v1/sync/versions`: every version the server kept of one edited document.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VersionsQuery {
    /// The patient (HM code) the document belongs to.
    pub patient: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub entity: Entity,
    pub id: String,
}

/// One version of an edited document as it was written.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordVersion {
    /// The patient sequence number this version was written at.
    pub version: u64,
    /// This version deleted the document (`payload` is its tombstone).
    pub deleted: bool,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub payload: serde_json::Value,
    /// RFC 3339, when the server took it; absent for a version written before the server kept
    /// versions (then it is the document's current state).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub written_at: Option<String>,
    /// HM code of the account whose device wrote it (the patient's own, or a family member's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// A source writing for the patient on the server (a pharmacy system), when no device did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// Answer of `GET /v1/sync/versions`, oldest first. A version written before the server kept
/// versions is there only as the document's current state.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VersionsResponse {
    pub versions: Vec<RecordVersion>,
}

/// The current state of one entity.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub entity: Entity,
    pub id: String,
    /// The patient sequence number of the entity's last change.
    pub version: u64,
    pub deleted: bool,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub payload: serde_json::Value,
}
