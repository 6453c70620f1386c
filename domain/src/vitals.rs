//! Vital-sign readings: what a person measures, with the context that makes it readable later.

use crate::Milli;
use chrono::{DateTime, FixedOffset, NaiveTime, Timelike, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use uuid::Uuid;

macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum $name { $(#[serde(rename = $text)] $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// Stable text used in the database and on the wire.
            pub const fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn from_str_opt(s: &str) -> Option<Self> {
                match s { $($text => Some($name::$variant),)+ _ => None }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { f.write_str(self.as_str()) }
        }
    };
}

string_enum!(
    /// The five vital types the app records (seed vitals plus daily steps).
    VitalKind {
        Weight => "weight",
        Temperature => "temperature",
        BloodPressure => "blood_pressure",
        Glucose => "glucose",
        Steps => "steps",
    }
);

string_enum!(
    /// JSH home-BP practice distinguishes morning and evening readings.
    BpContext { Morning => "morning", Evening => "evening", Other => "other" }
);

string_enum!(
    /// When a glucose sample was taken relative to meals (SMBG diary practice).
    GlucoseTiming {
        Fasting => "fasting",
        BeforeMeal => "before_meal",
        AfterMeal1h => "after_meal_1h",
        AfterMeal2h => "after_meal_2h",
        Bedtime => "bedtime",
        Random => "random",
    }
);

string_enum!(
    GlucoseUnit { MgPerDl => "mg/dL", MmolPerL => "mmol/L" }
);

string_enum!(
    /// Who produced the number: typed by the person, read from a device, or entered by a proxy.
    Source { SelfEntered => "self", Device => "device", Proxy => "proxy" }
);

impl BpContext {
    /// The occasion to preselect on the entry screen from the local clock time. JSH home-BP
    /// practice measures in the morning within an hour of waking and in the evening before bed;
    /// the person can always change it.
    pub fn suggested_for(local: NaiveTime) -> Self {
        match local.hour() {
            4..=10 => Self::Morning,
            19..=23 | 0..=2 => Self::Evening,
            _ => Self::Other,
        }
    }
}

impl GlucoseUnit {
    /// mg/dL per unit. 1 mmol/L glucose = 18.0 mg/dL (the factor Health Connect uses).
    const fn mg_dl_factor(self) -> i64 {
        match self {
            Self::MgPerDl => 1,
            Self::MmolPerL => 18,
        }
    }
}

/// A measured value in the unit it was entered, with its kind-specific context.
#[derive(Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum VitalValue {
    Weight { kg: Milli },
    Temperature { celsius: Milli },
    BloodPressure { systolic: u32, diastolic: u32, pulse: Option<u32>, context: BpContext },
    Glucose { value: Milli, unit: GlucoseUnit, timing: GlucoseTiming },
    Steps { count: u32 },
}

impl VitalValue {
    pub const fn kind(&self) -> VitalKind {
        match self {
            Self::Weight { .. } => VitalKind::Weight,
            Self::Temperature { .. } => VitalKind::Temperature,
            Self::BloodPressure { .. } => VitalKind::BloodPressure,
            Self::Glucose { .. } => VitalKind::Glucose,
            Self::Steps { .. } => VitalKind::Steps,
        }
    }

    /// The value in the kind's canonical unit (kg, °C, mg/dL, steps); systolic for blood pressure.
    /// A conversion whose result does not fit is refused with an error naming the field.
    pub fn canonical(&self) -> crate::error::Result<Milli> {
        Ok(match *self {
            Self::Weight { kg } => kg,
            Self::Temperature { celsius } => celsius,
            Self::BloodPressure { systolic, .. } => Milli::from_units(systolic),
            Self::Glucose { value, unit, .. } => {
                value.checked_times(unit.mg_dl_factor()).ok_or_else(crate::validation::glucose_out_of_range)?
            }
            Self::Steps { count } => Milli::from_units(count),
        })
    }
}

/// Values are patient data: debug output names the kind only.
impl fmt::Debug for VitalValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "VitalValue::{}(<redacted>)", self.kind())
    }
}

/// What a caller supplies to record (or correct) a reading.
#[derive(Clone, PartialEq, Eq)]
pub struct NewVital {
    pub value: VitalValue,
    /// When it was measured, in the offset the person was in.
    pub measured_at: DateTime<FixedOffset>,
    pub source: Source,
    pub device_name: Option<String>,
    pub note: Option<String>,
}

impl NewVital {
    pub fn new(value: VitalValue, measured_at: DateTime<FixedOffset>) -> Self {
        Self { value, measured_at, source: Source::SelfEntered, device_name: None, note: None }
    }
}

impl fmt::Debug for NewVital {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewVital").field("value", &self.value).field("source", &self.source).finish_non_exhaustive()
    }
}

/// A stored reading.
#[derive(Clone, PartialEq, Eq, Serialize)]
pub struct Vital {
    pub id: Uuid,
    pub profile_id: Uuid,
    #[serde(flatten)]
    pub value: VitalValue,
    pub measured_at: DateTime<FixedOffset>,
    pub source: Source,
    pub device_name: Option<String>,
    pub note: Option<String>,
    /// The reading this one corrects.
    pub amends: Option<Uuid>,
    /// The reading that corrected this one, if any.
    pub superseded_by: Option<Uuid>,
    pub deleted_at: Option<DateTime<Utc>>,
    pub recorded_at: DateTime<Utc>,
    /// Who typed it when it was not the profile's own user (a proxy's account id); provenance.
    pub entered_by: Option<String>,
    /// The device that created the record.
    pub origin_device: String,
    /// Set once the server has acknowledged the record.
    pub server_version: Option<i64>,
}

impl Vital {
    pub const fn kind(&self) -> VitalKind {
        self.value.kind()
    }

    /// Shown in the current view: neither corrected nor deleted.
    pub const fn is_current(&self) -> bool {
        self.superseded_by.is_none() && self.deleted_at.is_none()
    }
}

impl fmt::Debug for Vital {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Vital")
            .field("id", &self.id)
            .field("value", &self.value)
            .field("amends", &self.amends)
            .field("superseded_by", &self.superseded_by)
            .field("deleted", &self.deleted_at.is_some())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mmol_converts_exactly_to_mg_dl() {
        let v = VitalValue::Glucose {
            value: Milli::parse("6.1").unwrap(),
            unit: GlucoseUnit::MmolPerL,
            timing: GlucoseTiming::Fasting,
        };
        assert_eq!(v.canonical().unwrap().to_string(), "109.8");
    }

    /// Glucose entered as 999999999999999 mmol/L once panicked ("multiply with overflow").
    #[test]
    fn an_absurd_glucose_is_refused_naming_the_field() {
        let v = VitalValue::Glucose {
            value: Milli::parse("999999999999999").unwrap(),
            unit: GlucoseUnit::MmolPerL,
            timing: GlucoseTiming::Fasting,
        };
        let e = v.canonical().unwrap_err();
        assert!(matches!(e, crate::DomainError::Validation { field: crate::Field::Glucose, .. }), "{e:?}");
        assert!(!e.to_string().contains("999"), "the message names the field, not the value: {e}");
        let at = DateTime::parse_from_rfc3339("2026-11-25T07:10:00+09:00").unwrap();
        let checked = crate::validate_content(&NewVital::new(v, at), crate::ValidationContext::default());
        assert!(matches!(checked, Err(crate::DomainError::Validation { field: crate::Field::Glucose, .. })));
    }

    proptest::proptest! {
        /// Every conversion over the whole range a value can be read in: exact, or refused with
        /// an error naming the field, never a panic or a wrapped number.
        #[test]
        fn every_conversion_is_exact_or_refused(
            v in 0i64..=Milli::MAX_PARSED.thousandths(),
            n in proptest::prelude::any::<u32>(),
        ) {
            let m = Milli::from_thousandths(v);
            let timing = GlucoseTiming::Fasting;
            let cases = [
                (VitalValue::Weight { kg: m }, i128::from(v)),
                (VitalValue::Temperature { celsius: m }, i128::from(v)),
                (VitalValue::Glucose { value: m, unit: GlucoseUnit::MgPerDl, timing }, i128::from(v)),
                (VitalValue::Glucose { value: m, unit: GlucoseUnit::MmolPerL, timing }, i128::from(v) * 18),
                (
                    VitalValue::BloodPressure { systolic: n, diastolic: n, pulse: Some(n), context: BpContext::Other },
                    i128::from(n) * 1000,
                ),
                (VitalValue::Steps { count: n }, i128::from(n) * 1000),
            ];
            for (value, want) in cases {
                match value.canonical() {
                    Ok(c) => proptest::prop_assert_eq!(i128::from(c.thousandths()), want),
                    Err(e) => {
                        proptest::prop_assert!(want > i128::from(i64::MAX));
                        let is_glucose =
                            matches!(e, crate::DomainError::Validation { field: crate::Field::Glucose, .. });
                        proptest::prop_assert!(is_glucose);
                    }
                }
                let at = DateTime::parse_from_rfc3339("2026-11-25T07:10:00+09:00").unwrap();
                let _ = crate::validate_content(&NewVital::new(value, at), crate::ValidationContext::default());
            }
        }
    }

    #[test]
    fn debug_never_shows_values() {
        let v =
            VitalValue::BloodPressure { systolic: 187, diastolic: 93, pulse: Some(71), context: BpContext::Morning };
        let mut n = NewVital::new(v, DateTime::parse_from_rfc3339("2026-11-25T07:10:00+09:00").unwrap());
        n.note = Some("dizzy after lunch".into());
        let text = format!("{v:?} {n:?}");
        for secret in ["187", "93", "71", "dizzy"] {
            assert!(!text.contains(secret), "{text}");
        }
    }

    #[test]
    fn bp_context_suggestion_by_time_of_day() {
        let t = |h| NaiveTime::from_hms_opt(h, 30, 0).unwrap();
        assert_eq!(BpContext::suggested_for(t(6)), BpContext::Morning);
        assert_eq!(BpContext::suggested_for(t(13)), BpContext::Other);
        assert_eq!(BpContext::suggested_for(t(22)), BpContext::Evening);
        assert_eq!(BpContext::suggested_for(t(1)), BpContext::Evening);
    }

    #[test]
    fn kinds_round_trip_through_text() {
        for k in VitalKind::ALL {
            assert_eq!(VitalKind::from_str_opt(k.as_str()), Some(*k));
        }
    }
}
