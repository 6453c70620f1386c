//! Readings as typed into an entry form: text per field, read here so that every shell refuses
//! the same input with the same typed error (the phone apps never parse numbers themselves).

use super::{BpContext, DecimalError, Field, GlucoseTiming, GlucoseUnit, Milli, NewVital, Source, VitalValue};
use crate::error::{Error, Result, ValidationReason};
use chrono::{DateTime, FixedOffset};

/// One form's worth of text, per vital type.
#[derive(Clone, PartialEq, Eq)]
pub enum VitalForm {
    Weight { kg: String },
    Temperature { celsius: String },
    BloodPressure { systolic: String, diastolic: String, pulse: Option<String>, context: BpContext },
    Glucose { value: String, unit: GlucoseUnit, timing: GlucoseTiming },
    Steps { count: String },
}

/// Typed input is patient data: debug output never shows it.
impl std::fmt::Debug for VitalForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("VitalForm(<redacted>)")
    }
}

/// A form plus its context, ready to become a [`NewVital`].
#[derive(Debug, Clone)]
pub struct VitalFormEntry {
    pub form: VitalForm,
    pub measured_at: DateTime<FixedOffset>,
    pub source: Source,
    pub device_name: Option<String>,
    pub note: Option<String>,
}

impl VitalFormEntry {
    /// Reads the text fields; range and plausibility checks follow when the reading is saved.
    pub fn parse(self) -> Result<NewVital> {
        let value = match self.form {
            VitalForm::Weight { kg } => VitalValue::Weight { kg: decimal(Field::Weight, &kg)? },
            VitalForm::Temperature { celsius } => {
                VitalValue::Temperature { celsius: decimal(Field::Temperature, &celsius)? }
            }
            VitalForm::BloodPressure { systolic, diastolic, pulse, context } => VitalValue::BloodPressure {
                systolic: whole(Field::Systolic, &systolic)?,
                diastolic: whole(Field::Diastolic, &diastolic)?,
                pulse: optional(pulse).map(|p| whole(Field::Pulse, &p)).transpose()?,
                context,
            },
            VitalForm::Glucose { value, unit, timing } => {
                VitalValue::Glucose { value: decimal(Field::Glucose, &value)?, unit, timing }
            }
            VitalForm::Steps { count } => {
                // Step counters print thousands separators; people copy them as shown.
                let digits: String = count.chars().filter(|c| !matches!(c, ',' | '，' | ' ' | '　')).collect();
                VitalValue::Steps { count: whole(Field::Steps, &digits)? }
            }
        };
        Ok(NewVital {
            value,
            measured_at: self.measured_at,
            source: self.source,
            device_name: optional(self.device_name),
            note: optional(self.note),
        })
    }
}

/// An empty optional field means "not given", however many spaces it holds.
fn optional(text: Option<String>) -> Option<String> {
    text.filter(|t| !t.trim().is_empty())
}

fn decimal(field: Field, text: &str) -> Result<Milli> {
    if text.trim().is_empty() {
        return Err(Error::invalid(field, ValidationReason::Empty));
    }
    Milli::parse(text).map_err(|e| {
        Error::invalid(
            field,
            match e {
                DecimalError::NotANumber => ValidationReason::NotANumber,
                DecimalError::TooManyDecimals => ValidationReason::TooManyDecimals { max: 3 },
            },
        )
    })
}

fn whole(field: Field, text: &str) -> Result<u32> {
    let m = decimal(field, text).map_err(|e| match e {
        // "120.5555" in a whole-number field: the decimals are the problem, not their count.
        Error::Validation { reason: ValidationReason::TooManyDecimals { .. }, .. } => {
            Error::invalid(field, ValidationReason::NotAWholeNumber)
        }
        other => other,
    })?;
    let w = m.whole().ok_or_else(|| Error::invalid(field, ValidationReason::NotAWholeNumber))?;
    // Past u32 is far outside every range: saturate, and the range check names the bounds.
    Ok(u32::try_from(w).unwrap_or(u32::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn entry(form: VitalForm) -> VitalFormEntry {
        let jst = FixedOffset::east_opt(9 * 3600).unwrap();
        VitalFormEntry {
            form,
            measured_at: jst.with_ymd_and_hms(2026, 11, 26, 7, 0, 0).unwrap(),
            source: Source::SelfEntered,
            device_name: Some("  ".into()),
            note: None,
        }
    }

    fn field_of(r: Result<NewVital>) -> (Field, ValidationReason) {
        match r {
            Err(Error::Validation { field, reason }) => (field, reason),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn reads_full_width_digits_and_separators() {
        let v = entry(VitalForm::Weight { kg: "６１．２".into() }).parse().unwrap();
        assert_eq!(v.value, VitalValue::Weight { kg: Milli::from_thousandths(61_200) });
        assert_eq!(v.device_name, None, "blank optional text is no text");
        let v = entry(VitalForm::Steps { count: "12,345".into() }).parse().unwrap();
        assert_eq!(v.value, VitalValue::Steps { count: 12_345 });
        let v = entry(VitalForm::BloodPressure {
            systolic: "128".into(),
            diastolic: " 82 ".into(),
            pulse: Some("".into()),
            context: BpContext::Morning,
        })
        .parse()
        .unwrap();
        assert_eq!(
            v.value,
            VitalValue::BloodPressure { systolic: 128, diastolic: 82, pulse: None, context: BpContext::Morning }
        );
    }

    #[test]
    fn names_the_field_that_could_not_be_read() {
        let bp = |s: &str, d: &str, p: Option<&str>| {
            entry(VitalForm::BloodPressure {
                systolic: s.into(),
                diastolic: d.into(),
                pulse: p.map(Into::into),
                context: BpContext::Other,
            })
            .parse()
        };
        assert_eq!(field_of(bp("", "80", None)), (Field::Systolic, ValidationReason::Empty));
        assert_eq!(field_of(bp("120", "8o", None)), (Field::Diastolic, ValidationReason::NotANumber));
        assert_eq!(field_of(bp("120", "80", Some("72.5"))), (Field::Pulse, ValidationReason::NotAWholeNumber));
        assert_eq!(
            field_of(entry(VitalForm::Temperature { celsius: "36.6555".into() }).parse()),
            (Field::Temperature, ValidationReason::TooManyDecimals { max: 3 })
        );
        assert_eq!(
            field_of(bp("120.5555", "80", None)),
            (Field::Systolic, ValidationReason::NotAWholeNumber),
            "a whole-number field with decimals is not about how many decimals"
        );
        // A huge count is a number, just far out of range: the save's range check reports it.
        let huge = entry(VitalForm::Steps { count: "99999999999".into() }).parse().unwrap();
        assert_eq!(huge.value, VitalValue::Steps { count: u32::MAX });
        let refused = crate::domain::validate_content(&huge, Default::default());
        assert!(
            matches!(
                refused,
                Err(techo_domain::DomainError::Validation {
                    field: Field::Steps,
                    reason: ValidationReason::OutOfRange { .. }
                })
            ),
            "{refused:?}"
        );
    }
}
