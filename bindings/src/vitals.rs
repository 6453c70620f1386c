//! Vitals: blood pressure, weight, temperature, glucose and steps. The exports a shell calls,
//! what crosses for them, and the one conversion of each to and from the core's types.
//!
//! Plain core enums and records are `uniffi::remote` mirrors (the compiler checks them against
//! the core); types holding ids, instants, calendar days or exact decimals get a boundary form
//! here. A reading's exact values travel twice: as numbers to show and chart, and as the text an
//! entry form holds (`as_input`), so a correction starts from what was typed, not from a float.

use crate::error::ApiError;
use crate::facade::TechoCore;
use crate::ids::parse_id;
use crate::time::{CalendarDay, local_time, to_system_time, to_utc};
use crate::validation::Warning;
use chrono::Utc;
use std::time::SystemTime;
use techo_core::domain::{self as core, Milli, VitalForm, VitalFormEntry, shown};
use techo_core::store::VitalQuery;

pub use techo_core::domain::{BpContext, Bucket, GlucoseTiming, GlucoseUnit, HomeBpClass, Source, Stats, VitalKind};

// ---- remote mirrors of core types --------------------------------------------------------------

#[uniffi::remote(Enum)]
pub enum VitalKind {
    Weight,
    Temperature,
    BloodPressure,
    Glucose,
    Steps,
}

#[uniffi::remote(Enum)]
pub enum BpContext {
    Morning,
    Evening,
    Other,
}

#[uniffi::remote(Enum)]
pub enum GlucoseTiming {
    Fasting,
    BeforeMeal,
    AfterMeal1h,
    AfterMeal2h,
    Bedtime,
    Random,
}

#[uniffi::remote(Enum)]
pub enum GlucoseUnit {
    MgPerDl,
    MmolPerL,
}

#[uniffi::remote(Enum)]
pub enum Source {
    SelfEntered,
    Device,
    Proxy,
}

#[uniffi::remote(Enum)]
pub enum Bucket {
    Day,
    Week,
    Month,
}

#[uniffi::remote(Enum)]
pub enum HomeBpClass {
    Normal,
    HighNormal,
    Elevated,
    Grade1,
    Grade2,
    Grade3,
}

#[uniffi::remote(Record)]
pub struct Stats {
    pub count: u32,
    pub min: f64,
    pub max: f64,
    pub mean: f64,
    pub sum: f64,
}

/// One occasion (morning or evening) of the home-BP summary. The `shown_` fields are the means
/// as every screen prints them (whole mmHg and beats, by the core's rule).
#[derive(Clone, PartialEq, uniffi::Record)]
pub struct OccasionSummary {
    pub days: u32,
    pub readings: u32,
    pub mean_systolic: Option<f64>,
    pub mean_diastolic: Option<f64>,
    pub mean_pulse: Option<f64>,
    pub shown_systolic: Option<String>,
    pub shown_diastolic: Option<String>,
    pub shown_pulse: Option<String>,
    pub class: Option<HomeBpClass>,
    pub isolated_systolic: bool,
}

impl From<core::OccasionSummary> for OccasionSummary {
    fn from(o: core::OccasionSummary) -> Self {
        Self {
            days: o.days,
            readings: o.readings,
            shown_systolic: o.mean_systolic.map(shown::mean_whole),
            shown_diastolic: o.mean_diastolic.map(shown::mean_whole),
            shown_pulse: o.mean_pulse.map(shown::mean_whole),
            mean_systolic: o.mean_systolic,
            mean_diastolic: o.mean_diastolic,
            mean_pulse: o.mean_pulse,
            class: o.class,
            isolated_systolic: o.isolated_systolic,
        }
    }
}

/// A reading's numbers as every screen prints them (exact as measured, thousands grouped).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ShownValue {
    /// kg, °C, systolic mmHg, glucose in the unit it was entered in, or steps.
    pub value: String,
    pub diastolic: Option<String>,
    pub pulse: Option<String>,
    /// Glucose entered in mmol/L, converted by the core to mg/dL (whole).
    pub converted_mg_dl: Option<String>,
}

impl From<core::VitalValue> for ShownValue {
    fn from(v: core::VitalValue) -> Self {
        let whole = |n: u32| shown::count(u64::from(n));
        let plain = |value: String| Self { value, diastolic: None, pulse: None, converted_mg_dl: None };
        match v {
            core::VitalValue::Weight { kg } => plain(shown::exact(kg)),
            core::VitalValue::Temperature { celsius } => plain(shown::exact(celsius)),
            core::VitalValue::BloodPressure { systolic, diastolic, pulse, .. } => Self {
                value: whole(systolic),
                diastolic: Some(whole(diastolic)),
                pulse: pulse.map(whole),
                converted_mg_dl: None,
            },
            core::VitalValue::Glucose { value, unit, .. } => Self {
                value: shown::exact(value),
                diastolic: None,
                pulse: None,
                converted_mg_dl: (unit != GlucoseUnit::MgPerDl)
                    .then(|| v.canonical().ok().map(|m| shown::mean(VitalKind::Glucose, m.as_f64())))
                    .flatten(),
            },
            core::VitalValue::Steps { count } => plain(whole(count)),
        }
    }
}

// ---- boundary forms ------------------------------------------------------------------------------

/// A measured value. Decimals are for display and charts; `as_input` on [`Vital`] holds the
/// exact text to edit.
#[derive(Clone, PartialEq, uniffi::Enum)]
pub enum VitalValue {
    Weight {
        kg: f64,
    },
    Temperature {
        celsius: f64,
    },
    BloodPressure {
        systolic: u32,
        diastolic: u32,
        pulse: Option<u32>,
        context: BpContext,
    },
    /// `mg_dl` is the value converted by the core, whatever unit it was entered in.
    Glucose {
        value: f64,
        unit: GlucoseUnit,
        timing: GlucoseTiming,
        mg_dl: f64,
    },
    Steps {
        count: u32,
    },
}

impl From<core::VitalValue> for VitalValue {
    fn from(v: core::VitalValue) -> Self {
        match v {
            core::VitalValue::Weight { kg } => Self::Weight { kg: kg.as_f64() },
            core::VitalValue::Temperature { celsius } => Self::Temperature { celsius: celsius.as_f64() },
            core::VitalValue::BloodPressure { systolic, diastolic, pulse, context } => {
                Self::BloodPressure { systolic, diastolic, pulse, context }
            }
            core::VitalValue::Glucose { value: g, unit, timing } => {
                Self::Glucose { value: g.as_f64(), unit, timing, mg_dl: v.canonical().map_or(f64::NAN, |m| m.as_f64()) }
            }
            core::VitalValue::Steps { count } => Self::Steps { count },
        }
    }
}

/// A reading's values as text fields, the way an entry form holds them.
#[derive(Clone, PartialEq, Eq, uniffi::Enum)]
pub enum VitalInput {
    Weight { kg: String },
    Temperature { celsius: String },
    BloodPressure { systolic: String, diastolic: String, pulse: Option<String>, context: BpContext },
    Glucose { value: String, unit: GlucoseUnit, timing: GlucoseTiming },
    Steps { count: String },
}

impl From<VitalInput> for VitalForm {
    fn from(i: VitalInput) -> Self {
        match i {
            VitalInput::Weight { kg } => Self::Weight { kg },
            VitalInput::Temperature { celsius } => Self::Temperature { celsius },
            VitalInput::BloodPressure { systolic, diastolic, pulse, context } => {
                Self::BloodPressure { systolic, diastolic, pulse, context }
            }
            VitalInput::Glucose { value, unit, timing } => Self::Glucose { value, unit, timing },
            VitalInput::Steps { count } => Self::Steps { count },
        }
    }
}

impl From<core::VitalValue> for VitalInput {
    fn from(v: core::VitalValue) -> Self {
        let text = |m: Milli| m.to_string();
        match v {
            core::VitalValue::Weight { kg } => Self::Weight { kg: text(kg) },
            core::VitalValue::Temperature { celsius } => Self::Temperature { celsius: text(celsius) },
            core::VitalValue::BloodPressure { systolic, diastolic, pulse, context } => Self::BloodPressure {
                systolic: systolic.to_string(),
                diastolic: diastolic.to_string(),
                pulse: pulse.map(|p| p.to_string()),
                context,
            },
            core::VitalValue::Glucose { value, unit, timing } => Self::Glucose { value: text(value), unit, timing },
            core::VitalValue::Steps { count } => Self::Steps { count: count.to_string() },
        }
    }
}

/// What the entry screen submits.
#[derive(Clone, PartialEq, Eq, uniffi::Record)]
pub struct VitalEntry {
    pub input: VitalInput,
    pub measured_at: SystemTime,
    /// The phone's UTC offset at `measured_at` (JST: 540).
    pub utc_offset_minutes: i32,
    pub source: Source,
    pub device_name: Option<String>,
    pub note: Option<String>,
}

impl VitalEntry {
    pub(crate) fn into_core(self) -> Result<core::NewVital, ApiError> {
        let entry = VitalFormEntry {
            form: self.input.into(),
            measured_at: local_time(self.measured_at, self.utc_offset_minutes)?,
            source: self.source,
            device_name: self.device_name,
            note: self.note,
        };
        Ok(entry.parse()?)
    }
}

#[derive(Clone, PartialEq, uniffi::Record)]
pub struct Vital {
    pub id: String,
    pub profile_id: String,
    pub kind: VitalKind,
    pub value: VitalValue,
    /// The values as the screens print them.
    pub shown: ShownValue,
    /// The exact values as text, to prefill a correction.
    pub as_input: VitalInput,
    pub measured_at: SystemTime,
    /// The offset the reading was taken in: show its local time as the person saw it.
    pub utc_offset_minutes: i32,
    pub source: Source,
    pub device_name: Option<String>,
    pub note: Option<String>,
    pub amends: Option<String>,
    pub superseded_by: Option<String>,
    pub deleted_at: Option<SystemTime>,
    pub recorded_at: SystemTime,
    /// Who entered it when not the profile's own user (provenance).
    pub entered_by: Option<String>,
    pub origin_device: String,
    /// The server has acknowledged it.
    pub synced: bool,
}

impl From<core::Vital> for Vital {
    fn from(v: core::Vital) -> Self {
        Self {
            id: v.id.to_string(),
            profile_id: v.profile_id.to_string(),
            kind: v.kind(),
            value: v.value.into(),
            shown: v.value.into(),
            as_input: v.value.into(),
            measured_at: to_system_time(v.measured_at.with_timezone(&Utc)),
            utc_offset_minutes: v.measured_at.offset().local_minus_utc() / 60,
            source: v.source,
            device_name: v.device_name,
            note: v.note,
            amends: v.amends.map(|u| u.to_string()),
            superseded_by: v.superseded_by.map(|u| u.to_string()),
            deleted_at: v.deleted_at.map(to_system_time),
            recorded_at: to_system_time(v.recorded_at),
            entered_by: v.entered_by,
            origin_device: v.origin_device,
            synced: v.server_version.is_some(),
        }
    }
}

#[derive(Clone, PartialEq, uniffi::Record)]
pub struct RecordedVital {
    pub vital: Vital,
    pub warnings: Vec<Warning>,
}

impl From<techo_core::store::Recorded> for RecordedVital {
    fn from(r: techo_core::store::Recorded) -> Self {
        Self { vital: r.vital.into(), warnings: r.warnings.into_iter().map(Into::into).collect() }
    }
}

/// Filters for a history list: readings measured in `since..until` (`until` exclusive);
/// `limit` 0 means 50 (at most 500).
#[derive(Debug, Clone, PartialEq, Eq, Default, uniffi::Record)]
pub struct VitalFilter {
    pub kind: Option<VitalKind>,
    pub since: Option<SystemTime>,
    pub until: Option<SystemTime>,
    pub limit: u32,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl TryFrom<VitalFilter> for VitalQuery {
    type Error = ApiError;
    fn try_from(f: VitalFilter) -> Result<Self, ApiError> {
        Ok(Self {
            kind: f.kind,
            from: f.since.map(to_utc).transpose()?,
            to: f.until.map(to_utc).transpose()?,
            limit: f.limit,
            cursor: f.cursor,
        })
    }
}

#[derive(Clone, PartialEq, uniffi::Record)]
pub struct VitalPage {
    pub items: Vec<Vital>,
    pub next_cursor: Option<String>,
}

impl From<techo_core::store::Page> for VitalPage {
    fn from(p: techo_core::store::Page) -> Self {
        Self { items: p.items.into_iter().map(Into::into).collect(), next_cursor: p.next_cursor }
    }
}

/// One chart point: the bucket starting on `start`; `value` is systolic for blood pressure.
#[derive(Clone, PartialEq, uniffi::Record)]
pub struct SeriesPoint {
    pub start: CalendarDay,
    pub value: Stats,
    pub diastolic: Option<Stats>,
    pub pulse: Option<Stats>,
    /// The means as the screens print them, by the kind's rounding rule.
    pub shown_mean: String,
    pub shown_diastolic: Option<String>,
    pub shown_pulse: Option<String>,
}

impl SeriesPoint {
    pub(crate) fn new(kind: VitalKind, p: core::SeriesPoint) -> Self {
        Self {
            start: p.start.into(),
            shown_mean: shown::mean(kind, p.value.mean),
            shown_diastolic: p.diastolic.as_ref().map(|d| shown::mean_whole(d.mean)),
            shown_pulse: p.pulse.as_ref().map(|d| shown::mean_whole(d.mean)),
            value: p.value,
            diastolic: p.diastolic,
            pulse: p.pulse,
        }
    }
}

/// JSH2019 home blood-pressure summary: information about the readings, not a diagnosis.
#[derive(Clone, PartialEq, uniffi::Record)]
pub struct HomeBpSummary {
    pub period_start: CalendarDay,
    pub period_end: CalendarDay,
    pub morning: OccasionSummary,
    pub evening: OccasionSummary,
    /// `None` until one occasion has readings on at least `min_days` days.
    pub class: Option<HomeBpClass>,
    pub isolated_systolic: bool,
    pub min_days: u32,
}

impl From<core::HomeBpSummary> for HomeBpSummary {
    fn from(s: core::HomeBpSummary) -> Self {
        Self {
            period_start: s.period_start.into(),
            period_end: s.period_end.into(),
            morning: s.morning.into(),
            evening: s.evening.into(),
            class: s.class,
            isolated_systolic: s.isolated_systolic,
            min_days: core::MIN_DAYS,
        }
    }
}

/// What the entry screen preselects; the person can change all of it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct EntryDefaults {
    pub bp_context: BpContext,
    pub glucose_timing: GlucoseTiming,
    pub glucose_unit: GlucoseUnit,
}

// ---- exports -------------------------------------------------------------------------------------

#[uniffi::export]
impl TechoCore {
    /// What the entry form preselects at `at` (e.g. morning blood pressure before 11:00).
    pub fn entry_defaults(&self, at: SystemTime, utc_offset_minutes: i32) -> Result<EntryDefaults, ApiError> {
        let local = local_time(at, utc_offset_minutes)?;
        Ok(EntryDefaults {
            bp_context: BpContext::suggested_for(local.time()),
            glucose_timing: GlucoseTiming::Random,
            glucose_unit: GlucoseUnit::MgPerDl,
        })
    }

    /// Saves a reading typed into a form. Impossible values throw `Validation` naming the field;
    /// implausible ones are saved and come back as warnings to show.
    pub fn record_vital(&self, profile_id: String, entry: VitalEntry) -> Result<RecordedVital, ApiError> {
        let profile = parse_id("profile", &profile_id)?;
        let recorded = self.store.record_vital(profile, entry.into_core()?)?;
        self.changed_locally();
        Ok(recorded.into())
    }

    /// Corrects a reading: the original stays in its history.
    pub fn amend_vital(&self, vital_id: String, entry: VitalEntry) -> Result<RecordedVital, ApiError> {
        let id = parse_id("reading", &vital_id)?;
        let recorded = self.store.amend_vital(id, entry.into_core()?)?;
        self.changed_locally();
        Ok(recorded.into())
    }

    pub fn delete_vital(&self, vital_id: String) -> Result<Vital, ApiError> {
        let deleted = self.store.delete_vital(parse_id("reading", &vital_id)?)?;
        self.changed_locally();
        Ok(deleted.into())
    }

    pub fn get_vital(&self, vital_id: String) -> Result<Vital, ApiError> {
        Ok(self.store.get_vital(parse_id("reading", &vital_id)?)?.into())
    }

    /// Current readings, newest first, a page at a time.
    pub fn list_vitals(&self, profile_id: String, filter: VitalFilter) -> Result<VitalPage, ApiError> {
        let profile = parse_id("profile", &profile_id)?;
        Ok(self.store.list_vitals(profile, &VitalQuery::try_from(filter)?)?.into())
    }

    /// The newest reading of each type.
    pub fn latest_vitals(&self, profile_id: String) -> Result<Vec<Vital>, ApiError> {
        let profile = parse_id("profile", &profile_id)?;
        Ok(self.store.latest_vitals(profile)?.into_iter().map(Into::into).collect())
    }

    /// Every version of a reading, oldest first, corrections and deletion included.
    pub fn vital_history(&self, vital_id: String) -> Result<Vec<Vital>, ApiError> {
        let id = parse_id("reading", &vital_id)?;
        Ok(self.store.vital_history(id)?.into_iter().map(Into::into).collect())
    }

    /// Chart points for local days `first..=last`, bucketed by day, week or month.
    pub fn vital_series(
        &self,
        profile_id: String,
        kind: VitalKind,
        first: CalendarDay,
        last: CalendarDay,
        bucket: Bucket,
    ) -> Result<Vec<SeriesPoint>, ApiError> {
        let profile = parse_id("profile", &profile_id)?;
        let points = self.store.vital_series(profile, kind, first.try_into()?, last.try_into()?, bucket)?;
        Ok(points.into_iter().map(|p| SeriesPoint::new(kind, p)).collect())
    }

    /// JSH2019 home blood-pressure summary of the 7 days ending on `as_of`'s local day.
    pub fn home_bp_summary(
        &self,
        profile_id: String,
        as_of: SystemTime,
        utc_offset_minutes: i32,
    ) -> Result<HomeBpSummary, ApiError> {
        let profile = parse_id("profile", &profile_id)?;
        Ok(self.store.home_bp_summary(profile, local_time(as_of, utc_offset_minutes)?)?.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn a_filter_beyond_chronos_range_is_refused() {
        let far = UNIX_EPOCH + Duration::from_secs(31_556_889_864_403_199);
        let filter = VitalFilter { since: Some(far), ..VitalFilter::default() };
        assert!(VitalQuery::try_from(filter).is_err());
    }

    #[test]
    fn glucose_carries_the_core_conversion_and_exact_text() {
        let v = core::VitalValue::Glucose {
            value: Milli::from_thousandths(5_500),
            unit: GlucoseUnit::MmolPerL,
            timing: GlucoseTiming::Fasting,
        };
        match VitalValue::from(v) {
            VitalValue::Glucose { mg_dl, .. } => assert_eq!(mg_dl, 99.0),
            _ => panic!("glucose stays glucose"),
        }
        assert!(
            VitalInput::from(v)
                == VitalInput::Glucose {
                    value: "5.5".into(),
                    unit: GlucoseUnit::MmolPerL,
                    timing: GlucoseTiming::Fasting
                }
        );
    }
}
