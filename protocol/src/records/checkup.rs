//! Health checkup results (特定健診, workplace 定期健診, others): the photographed pages of the
//! paper result and, optionally, the items typed from it.
//!
//! A checkup is an edited document: items are added to it page by page, days after the photo,
//! so it is created once, then updated with the version it was edited from, and deleted with a
//! tombstone. Items carry the MHLW 特定健診項目コード and the value exactly as printed; the code
//! list, units and judgement thresholds live in `techo_domain::checkup`, so a newer list on one
//! device never makes an older device refuse the record.

use super::PhotoPage;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// One checkup as a device writes it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Checkup {
    /// A UUID.
    pub id: String,
    /// The patient's HM code.
    pub patient: String,
    /// `YYYY-MM-DD`: the day of the checkup, not of data entry.
    pub date: String,
    /// As printed on the result; empty when the person does not know it.
    #[serde(default)]
    pub institution: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "tokutei"))]
    pub kind: CheckupKind,
    #[serde(default)]
    pub pages: Vec<PhotoPage>,
    #[serde(default)]
    pub items: Vec<CheckupItem>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
    /// Fields added by newer versions survive a round trip through an older client.
    #[cfg_attr(feature = "openapi", schema(ignore))]
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// One result line.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckupItem {
    /// 17-character 特定健診項目コード (OID 1.2.392.200119.6.1005), e.g. `3D046000001906202`.
    pub code: String,
    /// Numeric items: an exact decimal string (`"5.8"`). Coded items (尿糖, 尿蛋白): the ordinal
    /// code as text, `"1"` (−) to `"5"` (+++).
    pub value: String,
    /// The unit as printed, when it was typed; the code already fixes the canonical unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// The method as printed (e.g. `酵素法`), when the code does not say it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    #[cfg_attr(feature = "openapi", schema(ignore))]
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// Which programme the checkup belonged to. A kind this build does not know arrives as
/// [`CheckupKind::Unknown`] and is written back unchanged.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CheckupKind {
    /// 特定健康診査 (40–74, by the insurer).
    Tokutei,
    /// 定期健康診断 (by the employer).
    Teiki,
    Other,
    Unknown(String),
}

impl CheckupKind {
    pub fn as_str(&self) -> &str {
        match self {
            Self::Tokutei => "tokutei",
            Self::Teiki => "teiki",
            Self::Other => "other",
            Self::Unknown(name) => name,
        }
    }

    pub fn parse(name: &str) -> Self {
        match name {
            "tokutei" => Self::Tokutei,
            "teiki" => Self::Teiki,
            "other" => Self::Other,
            _ => Self::Unknown(name.to_owned()),
        }
    }
}

impl fmt::Display for CheckupKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for CheckupKind {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for CheckupKind {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Self::parse(&String::deserialize(d)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_travel_as_plain_strings_and_unknown_ones_are_kept() {
        for kind in [CheckupKind::Tokutei, CheckupKind::Teiki, CheckupKind::Other] {
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(serde_json::from_str::<CheckupKind>(&json).unwrap(), kind);
        }
        let newer: CheckupKind = serde_json::from_str("\"ningen_dock\"").unwrap();
        assert_eq!(newer, CheckupKind::Unknown("ningen_dock".into()));
        assert_eq!(serde_json::to_string(&newer).unwrap(), "\"ningen_dock\"");
    }

    #[test]
    fn unknown_fields_survive_at_both_levels() {
        let json = serde_json::json!({
            "id": "019ab3c2-8000-7000-8000-000000000001", "patient": "34001234", "date": "2026-06-12",
            "institution": "", "kind": "tokutei", "pages": [],
            "items": [{"code": "9A751000000000001", "value": "128", "flag": "H"}],
            "reviewed_by": {"name": "x"}
        });
        let c: Checkup = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(c.items[0].extra["flag"], "H");
        assert!(c.extra.contains_key("reviewed_by"));
        assert_eq!(serde_json::to_value(&c).unwrap(), json);
    }

    #[test]
    fn optional_fields_default() {
        let c: Checkup = serde_json::from_str(
            r#"{"id":"i","patient":"p","date":"2026-06-12","kind":"other","items":[{"code":"c","value":"1"}]}"#,
        )
        .unwrap();
        assert_eq!((c.institution.as_str(), c.note.as_str(), c.pages.len()), ("", "", 0));
        assert_eq!((c.items[0].unit.as_deref(), c.items[0].method.as_deref()), (None, None));
    }
}
