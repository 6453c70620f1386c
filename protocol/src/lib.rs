//! Kenko Techo wire types: what travels between a device's outbox and the server.
//!
//! Kept free of storage, UniFFI and image crates so the server and every binding can depend on
//! it. Decimal quantities travel as exact decimal strings (`"61.2"`), instants as RFC 3339 with
//! the offset the reading was taken in.

use serde::{Deserialize, Serialize};

pub mod auth;
pub mod error;
pub mod sync;

/// Bumped on any incompatible change to the types below.
pub const PROTOCOL_VERSION: u32 = 1;
/// Version of the record payloads (entity schemas) a client writes and understands.
pub const SCHEMA_VERSION: u32 = 1;

/// Names of synced entity types.
pub mod entity {
    pub const VITAL: &str = "vital";
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    Create,
    Delete,
}

impl Op {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Create => "create",
            Self::Delete => "delete",
        }
    }
}

/// A vital-sign observation as created on a device. Immutable once created: a correction is a
/// new record whose `amends` names the old one.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VitalRecord {
    pub id: String,
    /// The patient's HM code.
    pub patient: String,
    pub measured_at: String,
    pub value: VitalValue,
    /// `self`, `device` or `proxy`.
    pub source: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amends: Option<String>,
    pub recorded_at: String,
    /// Provenance: the device that created the record, and the proxy account that typed it.
    pub origin_device: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entered_by: Option<String>,
    /// Fields added by newer versions survive a round trip through an older client.
    #[cfg_attr(feature = "openapi", schema(ignore))]
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// The measured value, tagged by kind, in canonical units plus what the person entered.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum VitalValue {
    Weight {
        kg: String,
    },
    Temperature {
        celsius: String,
    },
    BloodPressure {
        systolic: u32,
        diastolic: u32,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pulse: Option<u32>,
        /// `morning`, `evening` or `other`.
        context: String,
    },
    Glucose {
        mg_dl: String,
        entered_value: String,
        /// `mg/dL` or `mmol/L`.
        entered_unit: String,
        /// `fasting`, `before_meal`, `after_meal_1h`, `after_meal_2h`, `bedtime`, `random`.
        timing: String,
    },
    Steps {
        count: u32,
    },
}

/// Payload of a `delete` mutation: a tombstone, the record itself stays in history.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VitalDelete {
    pub id: String,
    pub patient: String,
    pub deleted_at: String,
    #[cfg_attr(feature = "openapi", schema(ignore))]
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}
