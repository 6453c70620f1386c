//! 命の宝箱 (the emergency information sheet): one edited document per person — photos of the
//! filled-in paper form and/or its fields typed in — saved as a whole new state each time.
//!
//! Fields travel as a flat map from a field key (`"medical.allergy_drug"`, see the catalogue in
//! `techo_domain::emergency_sheet`) to its text, so two devices' offline edits merge key by key
//! without this crate knowing any field, and a field a newer app adds passes through an older
//! one. Photos are blobs ([`PhotoPage`]); the record is pushed after they are uploaded.

use super::PhotoPage;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EmergencySheetRecord {
    /// The person's one sheet: derived from the patient (see `techo_domain::emergency_sheet`),
    /// so two phones that start it offline write the same record and their saves merge.
    pub id: String,
    /// The patient's HM code.
    pub patient: String,
    /// Field key → text; a field cleared is absent.
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
    /// Photographed pages of the paper sheet, in the order they are shown.
    #[serde(default)]
    pub pages: Vec<PhotoPage>,
    /// Who saved this version, and when (RFC 3339).
    pub saved_at: String,
    pub saved_by: Author,
    #[cfg_attr(feature = "openapi", schema(ignore))]
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// Who saved a version: the signed-in account (the person, or a family member who looks after
/// them) on a device. Proxies (a pharmacist, a care worker) will add their institution here.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Author {
    /// HM code of the account that saved, when one was signed in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// The installation that saved it.
    pub device: String,
    #[cfg_attr(feature = "openapi", schema(ignore))]
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}
