//! Record families and the payload types each one puts inside the sync envelope.
//!
//! One module per family. A family's payloads keep fields they do not know (`extra`), so a
//! record written by a newer app passes through an older one unchanged. Binary content (photos
//! of a 命の宝箱 sheet or a checkup result) never travels inside a record: records point at a
//! blob with a [`BlobRef`].

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

pub mod checkup;
pub mod emergency_sheet;
pub mod medication;
pub mod vital;

/// A family of synced records, by its wire name.
///
/// A newer app may sync families this build has never heard of; their names arrive as
/// [`Entity::Other`] and are kept, not refused, so a device can hold such records until an
/// update teaches it the family.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Entity {
    Vital,
    Medication,
    Checkup,
    EmergencySheet,
    Other(String),
}

impl Entity {
    /// Every family this build of the protocol defines.
    pub const KNOWN: &'static [Entity] = &[Entity::Vital, Entity::Medication, Entity::Checkup, Entity::EmergencySheet];

    pub fn as_str(&self) -> &str {
        match self {
            Self::Vital => "vital",
            Self::Medication => "medication",
            Self::Checkup => "checkup",
            Self::EmergencySheet => "emergency_sheet",
            Self::Other(name) => name,
        }
    }

    pub fn parse(name: &str) -> Self {
        Self::KNOWN.iter().find(|e| e.as_str() == name).cloned().unwrap_or_else(|| Self::Other(name.to_owned()))
    }
}

impl fmt::Display for Entity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<&str> for Entity {
    fn from(name: &str) -> Self {
        Self::parse(name)
    }
}

impl Serialize for Entity {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Entity {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        Ok(Self::parse(&name))
    }
}

/// Payload of a `delete` mutation, for every family: a tombstone. The record itself stays in
/// the patient's history on the devices.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tombstone {
    pub id: String,
    /// The patient's HM code.
    pub patient: String,
    pub deleted_at: String,
    #[cfg_attr(feature = "openapi", schema(ignore))]
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// How a record points at binary content uploaded separately (a photo page). The record is
/// sent only after the blob is stored, so a reader can always fetch what it names.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlobRef {
    /// The blob's name on the server: today its sha256 (blobs are stored per patient, so the
    /// device knows the name before the upload and a record can be written offline).
    pub id: String,
    /// Lower-case hex sha256 of the bytes: the content address, checked on download.
    pub sha256: String,
    pub size: u64,
    /// e.g. `image/jpeg`.
    pub mime: String,
    #[cfg_attr(feature = "openapi", schema(ignore))]
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// One photographed page of a paper document (命の宝箱 sheet, checkup result): the page as
/// stored by the photo pipeline and its small preview, both uploaded before the record.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhotoPage {
    pub image: BlobRef,
    pub thumbnail: BlobRef,
    pub width: u32,
    pub height: u32,
    /// RFC 3339, when the page was added.
    pub added_at: String,
    #[cfg_attr(feature = "openapi", schema(ignore))]
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entity_names_travel_as_plain_strings_and_unknown_ones_are_kept() {
        assert_eq!(serde_json::to_string(&Entity::Vital).unwrap(), "\"vital\"");
        assert_eq!(serde_json::from_str::<Entity>("\"vital\"").unwrap(), Entity::Vital);
        let future: Entity = serde_json::from_str("\"care_plan\"").unwrap();
        assert_eq!(future, Entity::Other("care_plan".into()));
        assert_eq!(serde_json::to_string(&future).unwrap(), "\"care_plan\"");
        for known in Entity::KNOWN {
            assert_eq!(&Entity::parse(known.as_str()), known);
        }
    }
}
