//! Vital-sign observations (weight, temperature, blood pressure, glucose, steps): append-only
//! records; a correction is a new record that `amends` the old one, a deletion a tombstone.

use serde::{Deserialize, Serialize};

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
