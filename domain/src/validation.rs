//! Plausibility rules for readings (domain.md §4.4): impossible values are refused with a typed
//! error naming the field; implausible ones are kept and come back as warnings for the UI to show.

use crate::error::{DomainError as Error, Result, ValidationReason};
use crate::{Milli, NewVital, VitalValue};
use chrono::{DateTime, Duration, TimeZone, Utc};
use serde::Serialize;
use std::fmt;

/// The input field a validation message is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Weight,
    Temperature,
    Systolic,
    Diastolic,
    Pulse,
    Glucose,
    Steps,
    MeasuredAt,
    Note,
    DeviceName,
    HmCode,
    DisplayName,
    Cursor,
    CheckupDate,
    CheckupKind,
    Institution,
    Pages,
    Items,
    ItemCode,
    ItemValue,
    ItemUnit,
    ItemMethod,
}

impl Field {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Weight => "weight",
            Self::Temperature => "temperature",
            Self::Systolic => "systolic",
            Self::Diastolic => "diastolic",
            Self::Pulse => "pulse",
            Self::Glucose => "glucose",
            Self::Steps => "steps",
            Self::MeasuredAt => "measured_at",
            Self::Note => "note",
            Self::DeviceName => "device_name",
            Self::HmCode => "hm_code",
            Self::DisplayName => "display_name",
            Self::Cursor => "cursor",
            Self::CheckupDate => "checkup_date",
            Self::CheckupKind => "checkup_kind",
            Self::Institution => "institution",
            Self::Pages => "pages",
            Self::Items => "items",
            Self::ItemCode => "item_code",
            Self::ItemValue => "item_value",
            Self::ItemUnit => "item_unit",
            Self::ItemMethod => "item_method",
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A value that was saved but deserves a second look ("please check: 185 mmHg is high").
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warning {
    pub field: Field,
    pub code: WarningCode,
    /// The threshold crossed, in the field's canonical unit.
    pub threshold: Milli,
    pub unit: &'static str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WarningCode {
    Below,
    AtOrAbove,
    Above,
    /// Differs from the previous reading of the same kind by more than the threshold.
    ChangedByMoreThan,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.code {
            WarningCode::Below => "is below",
            WarningCode::AtOrAbove => "is at or above",
            WarningCode::Above => "is above",
            WarningCode::ChangedByMoreThan => "changed since the previous reading by more than",
        };
        write!(f, "{} {what} {} {}", self.field, self.threshold, self.unit)
    }
}

pub const NOTE_MAX_CHARS: usize = 500;
pub const DEVICE_NAME_MAX_CHARS: usize = 100;
/// Clock skew tolerated between a phone and a blood-pressure monitor before "in the future".
const FUTURE_TOLERANCE: Duration = Duration::minutes(10);
/// A weight reading is compared with the previous one taken within this window.
pub const WEIGHT_CHANGE_WINDOW: Duration = Duration::hours(48);

struct Rule {
    field: Field,
    unit: &'static str,
    min: Milli,
    max: Milli,
    warn_below: Option<Milli>,
    warn_at_or_above: Option<Milli>,
    warn_above: Option<Milli>,
}

const fn u(v: u32) -> Milli {
    Milli::from_units(v)
}

const SYSTOLIC: Rule = Rule {
    field: Field::Systolic,
    unit: "mmHg",
    min: u(40),
    max: u(300),
    warn_below: Some(u(80)),
    warn_at_or_above: Some(u(180)),
    warn_above: None,
};
const DIASTOLIC: Rule = Rule {
    field: Field::Diastolic,
    unit: "mmHg",
    min: u(20),
    max: u(200),
    warn_below: Some(u(40)),
    warn_at_or_above: Some(u(110)),
    warn_above: None,
};
const PULSE: Rule = Rule {
    field: Field::Pulse,
    unit: "/min",
    min: u(20),
    max: u(250),
    warn_below: Some(u(40)),
    warn_at_or_above: None,
    warn_above: Some(u(150)),
};
const GLUCOSE: Rule = Rule {
    field: Field::Glucose,
    unit: "mg/dL",
    min: u(10),
    max: u(900),
    warn_below: Some(u(70)),
    warn_at_or_above: Some(u(300)),
    warn_above: None,
};
const TEMPERATURE: Rule = Rule {
    field: Field::Temperature,
    unit: "°C",
    min: u(30),
    max: u(43),
    warn_below: Some(u(35)),
    warn_at_or_above: Some(u(38)),
    warn_above: None,
};
const WEIGHT: Rule = Rule {
    field: Field::Weight,
    unit: "kg",
    min: u(1),
    max: u(300),
    warn_below: None,
    warn_at_or_above: None,
    warn_above: None,
};
const STEPS: Rule = Rule {
    field: Field::Steps,
    unit: "steps",
    min: u(0),
    max: u(100_000),
    warn_below: None,
    warn_at_or_above: None,
    warn_above: Some(u(50_000)),
};
const WEIGHT_DAILY_CHANGE: Milli = u(3);

impl Rule {
    fn out_of_range(&self) -> Error {
        Error::invalid(
            self.field,
            ValidationReason::OutOfRange { min: self.min.to_string(), max: self.max.to_string(), unit: self.unit },
        )
    }

    fn check(&self, v: Milli, warnings: &mut Vec<Warning>) -> Result<()> {
        if v < self.min || v > self.max {
            return Err(self.out_of_range());
        }
        let mut warn = |code, threshold| warnings.push(Warning { field: self.field, code, threshold, unit: self.unit });
        match (self.warn_below, self.warn_at_or_above, self.warn_above) {
            (Some(t), _, _) if v < t => warn(WarningCode::Below, t),
            (_, Some(t), _) if v >= t => warn(WarningCode::AtOrAbove, t),
            (_, _, Some(t)) if v > t => warn(WarningCode::Above, t),
            _ => {}
        }
        Ok(())
    }
}

/// A glucose value too large even to convert to mg/dL is out of the glucose range.
pub(crate) fn glucose_out_of_range() -> Error {
    GLUCOSE.out_of_range()
}

/// Context a rule may need beyond the reading itself.
#[derive(Debug, Clone, Copy, Default)]
pub struct ValidationContext {
    /// The latest current weight measured within [`WEIGHT_CHANGE_WINDOW`] before this reading.
    pub previous_weight: Option<Milli>,
}

/// Checks a reading being entered now; `Ok` carries the warnings to show after saving.
pub fn validate(v: &NewVital, now: DateTime<Utc>, ctx: ValidationContext) -> Result<Vec<Warning>> {
    let warnings = validate_content(v, ctx)?;
    check_time(v.measured_at.with_timezone(&Utc), now)?;
    Ok(warnings)
}

/// The checks that do not depend on the checker's clock: what a server applies to a reading a
/// device recorded, since that device's clock may legitimately differ from the server's.
pub fn validate_content(v: &NewVital, ctx: ValidationContext) -> Result<Vec<Warning>> {
    let mut warnings = Vec::new();
    match v.value {
        VitalValue::Weight { kg } => {
            WEIGHT.check(kg, &mut warnings)?;
            if let Some(prev) = ctx.previous_weight {
                let change = Milli::from_thousandths((kg.thousandths() - prev.thousandths()).abs());
                if change > WEIGHT_DAILY_CHANGE {
                    warnings.push(Warning {
                        field: Field::Weight,
                        code: WarningCode::ChangedByMoreThan,
                        threshold: WEIGHT_DAILY_CHANGE,
                        unit: "kg",
                    });
                }
            }
        }
        VitalValue::Temperature { celsius } => TEMPERATURE.check(celsius, &mut warnings)?,
        VitalValue::BloodPressure { systolic, diastolic, pulse, .. } => {
            SYSTOLIC.check(u(systolic), &mut warnings)?;
            DIASTOLIC.check(u(diastolic), &mut warnings)?;
            if diastolic >= systolic {
                return Err(Error::invalid(Field::Diastolic, ValidationReason::NotBelowSystolic));
            }
            if let Some(p) = pulse {
                PULSE.check(u(p), &mut warnings)?;
            }
        }
        VitalValue::Glucose { .. } => GLUCOSE.check(v.value.canonical()?, &mut warnings)?,
        VitalValue::Steps { count } => STEPS.check(u(count), &mut warnings)?,
    }
    if v.measured_at.with_timezone(&Utc) < earliest_plausible() {
        return Err(Error::invalid(Field::MeasuredAt, ValidationReason::TooFarInThePast));
    }
    if !plausible_offset(v.measured_at.offset()) {
        return Err(Error::invalid(
            Field::MeasuredAt,
            ValidationReason::InvalidFormat { expected: "a UTC offset within ±14 hours" },
        ));
    }
    check_text(v.note.as_deref(), Field::Note, NOTE_MAX_CHARS)?;
    check_text(v.device_name.as_deref(), Field::DeviceName, DEVICE_NAME_MAX_CHARS)?;
    Ok(warnings)
}

/// Real time zones lie within UTC−12…+14; java.time refuses offsets beyond ±18 h, so a reading
/// with one would break the Android screens that show it.
pub fn plausible_offset(offset: &chrono::FixedOffset) -> bool {
    offset.local_minus_utc().abs() <= 14 * 3600
}

fn check_time(at: DateTime<Utc>, now: DateTime<Utc>) -> Result<()> {
    if at > now + FUTURE_TOLERANCE {
        return Err(Error::invalid(Field::MeasuredAt, ValidationReason::InTheFuture));
    }
    Ok(())
}

fn earliest_plausible() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(1900, 1, 1, 0, 0, 0).single().expect("1900-01-01 is a valid UTC time")
}

/// Free text: bounded length, no control characters other than newlines and tabs.
pub fn check_text(text: Option<&str>, field: Field, max_chars: usize) -> Result<()> {
    let Some(text) = text else { return Ok(()) };
    if text.chars().count() > max_chars {
        return Err(Error::invalid(field, ValidationReason::TooLong { max_chars }));
    }
    if text.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(Error::invalid(
            field,
            ValidationReason::InvalidFormat { expected: "text without control characters" },
        ));
    }
    Ok(())
}

/// A calendar date written exactly `YYYY-MM-DD`, as forms and records carry it. Read by hand
/// rather than with chrono's pattern parser, which would bring its whole format language
/// (tens of KB) into the phone library for this one shape.
pub fn parse_iso_date(text: &str) -> Option<chrono::NaiveDate> {
    let b = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| -> Option<u32> {
        b[range].iter().try_fold(0u32, |n, &c| c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0')))
    };
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let year = i32::try_from(digits(0..4)?).ok()?;
    chrono::NaiveDate::from_ymd_opt(year, digits(5..7)?, digits(8..10)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{BpContext, GlucoseTiming, GlucoseUnit};
    use chrono::FixedOffset;
    use proptest::prelude::*;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 25, 0, 0, 0).unwrap()
    }

    fn at_now(value: VitalValue) -> NewVital {
        NewVital::new(value, now().with_timezone(&FixedOffset::east_opt(9 * 3600).unwrap()))
    }

    fn bp(s: u32, d: u32, p: Option<u32>) -> NewVital {
        at_now(VitalValue::BloodPressure { systolic: s, diastolic: d, pulse: p, context: BpContext::Morning })
    }

    fn field_of(r: Result<Vec<Warning>>) -> Field {
        match r {
            Err(Error::Validation { field, .. }) => field,
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn blood_pressure_bounds() {
        assert_eq!(validate(&bp(128, 82, Some(70)), now(), Default::default()).unwrap(), vec![]);
        assert_eq!(field_of(validate(&bp(301, 82, None), now(), Default::default())), Field::Systolic);
        assert_eq!(field_of(validate(&bp(39, 30, None), now(), Default::default())), Field::Systolic);
        assert_eq!(field_of(validate(&bp(128, 19, None), now(), Default::default())), Field::Diastolic);
        assert_eq!(field_of(validate(&bp(120, 120, None), now(), Default::default())), Field::Diastolic);
        assert_eq!(field_of(validate(&bp(120, 130, None), now(), Default::default())), Field::Diastolic);
        assert_eq!(field_of(validate(&bp(120, 80, Some(251)), now(), Default::default())), Field::Pulse);
    }

    #[test]
    fn implausible_values_warn_but_pass() {
        let w = validate(&bp(185, 112, Some(160)), now(), Default::default()).unwrap();
        let fields: Vec<_> = w.iter().map(|w| (w.field, w.code)).collect();
        assert_eq!(
            fields,
            vec![
                (Field::Systolic, WarningCode::AtOrAbove),
                (Field::Diastolic, WarningCode::AtOrAbove),
                (Field::Pulse, WarningCode::Above)
            ]
        );
        assert_eq!(w[0].to_string(), "systolic is at or above 180 mmHg");
    }

    #[test]
    fn glucose_is_checked_in_mg_dl_after_conversion() {
        let g = |text: &str, unit| {
            at_now(VitalValue::Glucose { value: Milli::parse(text).unwrap(), unit, timing: GlucoseTiming::Fasting })
        };
        assert!(validate(&g("6.1", GlucoseUnit::MmolPerL), now(), Default::default()).unwrap().is_empty());
        // 50 mmol/L = 900 mg/dL is the ceiling; 50.1 is beyond it.
        assert!(validate(&g("50", GlucoseUnit::MmolPerL), now(), Default::default()).is_ok());
        assert_eq!(field_of(validate(&g("50.1", GlucoseUnit::MmolPerL), now(), Default::default())), Field::Glucose);
        let low = validate(&g("65", GlucoseUnit::MgPerDl), now(), Default::default()).unwrap();
        assert_eq!(low[0].code, WarningCode::Below);
    }

    #[test]
    fn temperature_weight_steps() {
        let t = |s: &str| at_now(VitalValue::Temperature { celsius: Milli::parse(s).unwrap() });
        assert!(validate(&t("36.6"), now(), Default::default()).unwrap().is_empty());
        assert_eq!(validate(&t("38.0"), now(), Default::default()).unwrap()[0].code, WarningCode::AtOrAbove);
        assert_eq!(field_of(validate(&t("43.1"), now(), Default::default())), Field::Temperature);
        let w = at_now(VitalValue::Weight { kg: Milli::parse("61.2").unwrap() });
        let ctx = ValidationContext { previous_weight: Some(Milli::parse("57.9").unwrap()) };
        assert_eq!(validate(&w, now(), ctx).unwrap()[0].code, WarningCode::ChangedByMoreThan);
        let ctx = ValidationContext { previous_weight: Some(Milli::parse("58.2").unwrap()) };
        assert!(validate(&w, now(), ctx).unwrap().is_empty());
        assert_eq!(
            field_of(validate(&at_now(VitalValue::Steps { count: 100_001 }), now(), Default::default())),
            Field::Steps
        );
    }

    #[test]
    fn time_and_text_rules() {
        let mut v = bp(120, 80, None);
        v.measured_at = (now() + Duration::hours(1)).fixed_offset();
        assert_eq!(field_of(validate(&v, now(), Default::default())), Field::MeasuredAt);
        v.measured_at = (now() + Duration::minutes(5)).fixed_offset();
        assert!(validate(&v, now(), Default::default()).is_ok());
        v.note = Some("x".repeat(NOTE_MAX_CHARS + 1));
        assert_eq!(field_of(validate(&v, now(), Default::default())), Field::Note);
        v.note = Some("ok\u{0007}".into());
        assert_eq!(field_of(validate(&v, now(), Default::default())), Field::Note);
    }

    #[test]
    fn error_messages_name_the_field_not_the_value() {
        let err = validate(&bp(301, 82, None), now(), Default::default()).unwrap_err();
        assert_eq!(err.to_string(), "systolic: must be between 40 and 300 mmHg");
    }

    proptest! {
        /// Any systolic/diastolic/pulse either passes or fails with a field-naming error; acceptance
        /// matches the published ranges exactly.
        #[test]
        fn bp_acceptance_matches_ranges(s in 0u32..400, d in 0u32..300, p in proptest::option::of(0u32..300)) {
            let r = validate(&bp(s, d, p), now(), Default::default());
            let expected_ok = (40..=300).contains(&s) && (20..=200).contains(&d) && d < s
                && p.is_none_or(|p| (20..=250).contains(&p));
            prop_assert_eq!(r.is_ok(), expected_ok);
        }

        #[test]
        fn glucose_units_agree(mmol_tenths in 0i64..700) {
            let mmol = Milli::from_thousandths(mmol_tenths * 100);
            let as_mmol = at_now(VitalValue::Glucose { value: mmol, unit: GlucoseUnit::MmolPerL, timing: GlucoseTiming::Random });
            let as_mg = at_now(VitalValue::Glucose { value: mmol.checked_times(18).unwrap(), unit: GlucoseUnit::MgPerDl, timing: GlucoseTiming::Random });
            let a = validate(&as_mmol, now(), Default::default());
            let b = validate(&as_mg, now(), Default::default());
            prop_assert_eq!(a.is_ok(), b.is_ok());
            if let (Ok(a), Ok(b)) = (a, b) { prop_assert_eq!(a, b); }
        }
    }

    #[test]
    fn offsets_beyond_real_time_zones_are_refused() {
        let mut v = bp(120, 80, None);
        v.measured_at = now().with_timezone(&FixedOffset::east_opt(14 * 3600).unwrap());
        assert!(validate(&v, now(), Default::default()).is_ok(), "Kiribati (UTC+14) exists");
        v.measured_at = now().with_timezone(&FixedOffset::east_opt(-(19 * 3600)).unwrap());
        assert_eq!(field_of(validate(&v, now(), Default::default())), Field::MeasuredAt);
    }

    proptest! {
        #[test]
        #[allow(clippy::disallowed_methods)] // the reference it is compared with
        fn iso_dates_read_as_chronos_pattern_parser_reads_them(text in "[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9-]{8,11}|.{0,12}") {
            let shaped = text.len() == 10
                && text.bytes().enumerate().all(|(i, b)| if i == 4 || i == 7 { b == b'-' } else { b.is_ascii_digit() });
            let chrono = shaped.then(|| chrono::NaiveDate::parse_from_str(&text, "%Y-%m-%d").ok()).flatten();
            prop_assert_eq!(parse_iso_date(&text), chrono);
        }
    }

    #[test]
    fn iso_dates_need_the_exact_shape_and_a_real_day() {
        assert_eq!(parse_iso_date("2024-02-29"), chrono::NaiveDate::from_ymd_opt(2024, 2, 29));
        for bad in ["2023-02-29", "2024-2-29", "2024/02/29", "２０２４-02-29", "2024-02-290", "", "0000-00-00"] {
            assert_eq!(parse_iso_date(bad), None, "{bad}");
        }
    }
}
