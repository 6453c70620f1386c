//! Kenko Techo wire types: what travels between a device's outbox and the server.
//!
//! Kept free of storage, UniFFI and image crates so the server and every binding can depend on
//! it. Decimal quantities travel as exact decimal strings (`"61.2"`), instants as RFC 3339 with
//! the offset the reading was taken in. Each family of records has its payload types in
//! [`records`]; the sync envelope ([`sync`]) carries them without knowing which family it holds.

use serde::{Deserialize, Serialize};

pub mod auth;
pub mod error;
pub mod pharmacy;
pub mod records;
pub mod sync;
pub mod uploads;

pub use records::Entity;

/// Bumped on any incompatible change to the types below.
pub const PROTOCOL_VERSION: u32 = 1;
/// Version of the record payloads (entity schemas) a client writes and understands.
pub const SCHEMA_VERSION: u32 = 1;

/// What a mutation does to its entity.
///
/// Append-only families (vitals, dispensings) only ever `create` and `delete`. Edited documents
/// (命の宝箱, checkups) `update`: the payload is the whole new state and `base_version` the
/// server version it was edited from. The server applies an update only while that is still the
/// current version (compare-and-swap) and answers `conflict` with the current state otherwise;
/// the device merges field by field and sends the merge as a new update. Nothing is overwritten
/// unseen, and the server needs no knowledge of any family's fields.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    Create,
    Update,
    Delete,
}

impl Op {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Create => "create",
            Self::Update => "update",
            Self::Delete => "delete",
        }
    }

    pub fn from_str_opt(s: &str) -> Option<Self> {
        match s {
            "create" => Some(Self::Create),
            "update" => Some(Self::Update),
            "delete" => Some(Self::Delete),
            _ => None,
        }
    }
}

impl std::fmt::Display for Op {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
