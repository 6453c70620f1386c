//! The vital family on the wire: mapping between readings and their techo-protocol form, and
//! the rules a pushed reading must pass. Used both ways: the device's outbox encodes, the pull
//! path and the server decode (and re-validate) what arrives.

use crate::error::{DomainError, Result};
use crate::family::FamilySpec;
use crate::{
    BpContext, GlucoseTiming, GlucoseUnit, HmCode, Milli, NewVital, Source, ValidationContext, Vital, VitalValue,
    validate_content,
};
use chrono::{DateTime, SecondsFormat, Utc};
use techo_protocol::records::vital::{VitalRecord, VitalValue as W};
use techo_protocol::{Entity, Op};
use uuid::Uuid;

/// Bound of `origin_device` and `entered_by` (names of a device or an account).
pub const MAX_NAME_BYTES: usize = 128;
/// Bound of the fields a reading carries that this build does not know, as JSON.
pub const MAX_UNKNOWN_BYTES: usize = 4096;

/// Vitals are append-only: a correction is a new record, a deletion a tombstone.
pub struct VitalSpec;

impl FamilySpec for VitalSpec {
    fn entity(&self) -> Entity {
        Entity::Vital
    }

    fn accepts(&self, op: Op) -> bool {
        matches!(op, Op::Create | Op::Delete)
    }

    fn check_record(&self, entity_id: &str, payload: &serde_json::Value) -> Result<HmCode> {
        let rec: VitalRecord = serde_json::from_value(payload.clone()).map_err(|_| bad("vital record"))?;
        let w = decode_vital(&rec)?;
        if w.id.to_string() != entity_id {
            return Err(bad("id differs from the entity id"));
        }
        // The device's clock may differ from ours: check values, not how recent they are.
        validate_content(&w.reading, ValidationContext::default())?;
        Ok(w.patient)
    }
}

/// A reading as it travels, decoded and checked for shape (not yet for plausibility).
#[derive(Debug, Clone)]
pub struct WireVital {
    pub id: Uuid,
    pub patient: HmCode,
    pub reading: NewVital,
    pub amends: Option<Uuid>,
    pub recorded_at: DateTime<Utc>,
    pub origin_device: String,
    pub entered_by: Option<String>,
}

impl WireVital {
    /// The stored form, for `profile_id`; local-only state (links, deletion, server version)
    /// starts empty and is set by the caller.
    pub fn into_vital(self, profile_id: Uuid) -> Vital {
        Vital {
            id: self.id,
            profile_id,
            value: self.reading.value,
            measured_at: self.reading.measured_at,
            source: self.reading.source,
            device_name: self.reading.device_name,
            note: self.reading.note,
            amends: self.amends,
            superseded_by: None,
            deleted_at: None,
            recorded_at: self.recorded_at,
            entered_by: self.entered_by,
            origin_device: self.origin_device,
            server_version: None,
        }
    }
}

fn bad(what: &'static str) -> DomainError {
    DomainError::payload(what)
}

fn uuid(s: &str, what: &'static str) -> Result<Uuid> {
    Uuid::parse_str(s).map_err(|_| bad(what))
}

fn milli(s: &str, what: &'static str) -> Result<Milli> {
    Milli::parse(s).map_err(|_| bad(what))
}

pub fn decode_vital(rec: &VitalRecord) -> Result<WireVital> {
    let value = match &rec.value {
        W::Weight { kg } => VitalValue::Weight { kg: milli(kg, "weight")? },
        W::Temperature { celsius } => VitalValue::Temperature { celsius: milli(celsius, "temperature")? },
        W::BloodPressure { systolic, diastolic, pulse, context } => VitalValue::BloodPressure {
            systolic: *systolic,
            diastolic: *diastolic,
            pulse: *pulse,
            context: BpContext::from_str_opt(context).ok_or(bad("blood pressure context"))?,
        },
        W::Glucose { mg_dl, entered_value, entered_unit, timing } => {
            let v = VitalValue::Glucose {
                value: milli(entered_value, "glucose value")?,
                unit: GlucoseUnit::from_str_opt(entered_unit).ok_or(bad("glucose unit"))?,
                timing: GlucoseTiming::from_str_opt(timing).ok_or(bad("glucose timing"))?,
            };
            if v.canonical()? != milli(mg_dl, "glucose mg/dL")? {
                return Err(bad("glucose mg/dL does not match the entered value"));
            }
            v
        }
        W::Steps { count } => VitalValue::Steps { count: *count },
    };
    // Stored verbatim, so bounded here: provenance names and the fields this build does not know.
    if rec.origin_device.len() > MAX_NAME_BYTES {
        return Err(bad("origin_device: at most 128 bytes"));
    }
    if rec.entered_by.as_ref().is_some_and(|e| e.len() > MAX_NAME_BYTES) {
        return Err(bad("entered_by: at most 128 bytes"));
    }
    if !rec.extra.is_empty() && serde_json::to_string(&rec.extra).map_or(true, |s| s.len() > MAX_UNKNOWN_BYTES) {
        return Err(bad("unknown fields: at most 4096 bytes"));
    }
    let measured_at = DateTime::parse_from_rfc3339(&rec.measured_at)
        .ok()
        .filter(|t| crate::validation::plausible_offset(t.offset()))
        .ok_or_else(|| bad("measured_at"))?;
    Ok(WireVital {
        id: uuid(&rec.id, "id")?,
        patient: HmCode::parse(&rec.patient).map_err(|_| bad("patient"))?,
        reading: NewVital {
            value,
            measured_at,
            source: Source::from_str_opt(&rec.source).ok_or(bad("source"))?,
            device_name: rec.device_name.clone(),
            note: rec.note.clone(),
        },
        amends: rec.amends.as_deref().map(|a| uuid(a, "amends")).transpose()?,
        recorded_at: DateTime::parse_from_rfc3339(&rec.recorded_at)
            .map_err(|_| bad("recorded_at"))?
            .with_timezone(&Utc),
        origin_device: rec.origin_device.clone(),
        entered_by: rec.entered_by.clone(),
    })
}

pub fn rfc3339_utc(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, false)
}

/// The outbox form of a reading.
pub fn encode_vital(v: &Vital, patient: &HmCode) -> VitalRecord {
    let value = match v.value {
        VitalValue::Weight { kg } => W::Weight { kg: kg.to_string() },
        VitalValue::Temperature { celsius } => W::Temperature { celsius: celsius.to_string() },
        VitalValue::BloodPressure { systolic, diastolic, pulse, context } => {
            W::BloodPressure { systolic, diastolic, pulse, context: context.as_str().to_owned() }
        }
        VitalValue::Glucose { value, unit, timing } => W::Glucose {
            // A stored reading passed validation, so its conversion fits; were it not, the
            // server refuses the empty value instead of the device panicking here.
            mg_dl: v.value.canonical().map(|m| m.to_string()).unwrap_or_default(),
            entered_value: value.to_string(),
            entered_unit: unit.as_str().to_owned(),
            timing: timing.as_str().to_owned(),
        },
        VitalValue::Steps { count } => W::Steps { count },
    };
    VitalRecord {
        id: v.id.to_string(),
        patient: patient.to_string(),
        measured_at: v.measured_at.to_rfc3339_opts(SecondsFormat::AutoSi, false),
        value,
        source: v.source.as_str().to_owned(),
        device_name: v.device_name.clone(),
        note: v.note.clone(),
        amends: v.amends.map(|u| u.to_string()),
        recorded_at: rfc3339_utc(v.recorded_at),
        origin_device: v.origin_device.clone(),
        entered_by: v.entered_by.clone(),
        extra: Default::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shared vectors decode into the domain and encode back to the same JSON.
    #[test]
    fn protocol_vectors_round_trip_through_the_domain() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../protocol/tests/vectors");
        let mut n = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if !name.starts_with("vital_create") {
                continue;
            }
            let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            let rec: VitalRecord = serde_json::from_value(json.clone()).unwrap();
            let w = decode_vital(&rec).unwrap_or_else(|e| panic!("{name}: {e}"));
            let patient = w.patient.clone();
            let v = w.into_vital(Uuid::nil());
            let mut back = serde_json::to_value(encode_vital(&v, &patient)).unwrap();
            // Unknown fields are kept by the wire type, not by the domain; compare without them.
            let mut want = json.clone();
            for extra in rec.extra.keys() {
                want.as_object_mut().unwrap().remove(extra);
            }
            // Timestamps are normalised to milliseconds with an explicit offset.
            let norm = |v: &mut serde_json::Value| {
                let t = DateTime::parse_from_rfc3339(v["recorded_at"].as_str().unwrap()).unwrap();
                v["recorded_at"] = rfc3339_utc(t.with_timezone(&Utc)).into();
            };
            norm(&mut back);
            norm(&mut want);
            assert_eq!(back, want, "{name}");
            n += 1;
        }
        assert!(n >= 5);
    }

    #[test]
    fn inconsistent_glucose_is_refused() {
        let json = r#"{"id":"019ab3c2-7000-7000-8000-00000000000a","patient":"34001234","measured_at":"2026-11-25T06:30:00+09:00",
            "value":{"kind":"glucose","mg_dl":"120","entered_value":"6.1","entered_unit":"mmol/L","timing":"fasting"},
            "source":"self","recorded_at":"2026-11-24T21:31:00Z","origin_device":"d"}"#;
        let rec: VitalRecord = serde_json::from_str(json).unwrap();
        assert!(matches!(decode_vital(&rec), Err(DomainError::InvalidPayload { .. })));
    }
}
