//! What crosses the boundary. Plain core enums and records are exposed as `uniffi::remote`
//! mirrors (the compiler checks them against the core); types holding ids, instants, calendar
//! days or exact decimals get a boundary form here with one conversion each.
//!
//! Records are immutable on the foreign side (`generate_immutable_records`); ids are UUID text.
//! Types that hold patient data derive no `Debug`, so no log line or panic message can print them.

use crate::error::ApiError;
use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, TimeZone, Utc};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use techo_core::ValidationReason;
use techo_core::domain::{self as core, Milli, VitalForm, VitalFormEntry};
use uuid::Uuid;

pub use techo_core::domain::{
    BpContext, Bucket, Field, GlucoseTiming, GlucoseUnit, HomeBpClass, OccasionSummary, Relationship, Source, Stats,
    VitalKind, WarningCode,
};
pub use techo_core::store::Account;
pub use techo_core::sync::{SyncOutcome, SyncPhase, SyncProgress, SyncReport};

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
pub enum Relationship {
    Myself,
    Family,
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

#[uniffi::remote(Enum)]
pub enum WarningCode {
    Below,
    AtOrAbove,
    Above,
    ChangedByMoreThan,
}

/// The input a validation message or warning is about; the shell highlights that field.
#[uniffi::remote(Enum)]
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
}

#[uniffi::remote(Enum)]
pub enum SyncPhase {
    Starting,
    Pushing,
    Pulling,
    WaitingToRetry,
    Done,
}

#[uniffi::remote(Enum)]
pub enum SyncOutcome {
    Complete,
    Offline { reason: String },
    NeedsLogin,
    UpdateRequired,
}

#[uniffi::remote(Record)]
pub struct Stats {
    pub count: u32,
    pub min: f64,
    pub max: f64,
    pub mean: f64,
    pub sum: f64,
}

#[uniffi::remote(Record)]
pub struct OccasionSummary {
    pub days: u32,
    pub readings: u32,
    pub mean_systolic: Option<f64>,
    pub mean_diastolic: Option<f64>,
    pub mean_pulse: Option<f64>,
    pub class: Option<HomeBpClass>,
    pub isolated_systolic: bool,
}

#[uniffi::remote(Record)]
pub struct SyncProgress {
    pub phase: SyncPhase,
    pub pushed: u64,
    pub pulled: u64,
    pub pending: u64,
    pub last_error: Option<String>,
}

#[uniffi::remote(Record)]
pub struct SyncReport {
    pub outcome: SyncOutcome,
    pub pushed: u64,
    pub rejected: u64,
    pub pulled: u64,
    pub gated: u64,
    pub requeued: u64,
    pub requests: u64,
    pub bytes_sent: u64,
    pub bytes_received: u64,
    pub retries: u64,
    pub pending: u64,
    pub wedged: u64,
    pub not_linked: Vec<String>,
    pub must_refetch: bool,
}

#[uniffi::remote(Record)]
pub struct Account {
    pub server_url: String,
    pub hm_code: String,
    pub patients: Vec<String>,
}

// ---- boundary forms ------------------------------------------------------------------------------

/// Why a value was refused, for the shell to word in Japanese or English. Bounds are text in
/// the field's unit, exactly as the core checks them.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum ValidationProblem {
    OutOfRange { min: String, max: String, unit: String },
    NotANumber,
    NotAWholeNumber,
    TooManyDecimals { max: u8 },
    NotBelowSystolic,
    InTheFuture,
    TooFarInThePast,
    TooLong { max_chars: u32 },
    Empty,
    InvalidFormat { expected: String },
}

impl From<ValidationReason> for ValidationProblem {
    fn from(r: ValidationReason) -> Self {
        match r {
            ValidationReason::OutOfRange { min, max, unit } => Self::OutOfRange { min, max, unit: unit.to_owned() },
            ValidationReason::NotANumber => Self::NotANumber,
            ValidationReason::NotAWholeNumber => Self::NotAWholeNumber,
            ValidationReason::TooManyDecimals { max } => Self::TooManyDecimals { max },
            ValidationReason::NotBelowSystolic => Self::NotBelowSystolic,
            ValidationReason::InTheFuture => Self::InTheFuture,
            ValidationReason::TooFarInThePast => Self::TooFarInThePast,
            ValidationReason::TooLong { max_chars } => {
                Self::TooLong { max_chars: u32::try_from(max_chars).unwrap_or(u32::MAX) }
            }
            ValidationReason::Empty => Self::Empty,
            ValidationReason::InvalidFormat { expected } => Self::InvalidFormat { expected: expected.to_owned() },
        }
    }
}

/// A calendar day (no time, no zone), for chart ranges and summaries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct CalendarDay {
    pub year: i32,
    pub month: u32,
    pub day: u32,
}

impl From<NaiveDate> for CalendarDay {
    fn from(d: NaiveDate) -> Self {
        Self { year: d.year(), month: d.month(), day: d.day() }
    }
}

impl TryFrom<CalendarDay> for NaiveDate {
    type Error = ApiError;
    fn try_from(d: CalendarDay) -> Result<Self, ApiError> {
        NaiveDate::from_ymd_opt(d.year, d.month, d.day)
            .ok_or_else(|| ApiError::Internal { reason: "not a calendar day".into() })
    }
}

pub(crate) fn to_system_time(t: DateTime<Utc>) -> SystemTime {
    let ms = t.timestamp_millis();
    if ms >= 0 {
        UNIX_EPOCH + Duration::from_millis(ms.unsigned_abs())
    } else {
        UNIX_EPOCH - Duration::from_millis(ms.unsigned_abs())
    }
}

/// chrono's own `From<SystemTime>` panics outside its range (Kotlin's `Instant.MAX`): check.
pub(crate) fn to_utc(at: SystemTime) -> Result<DateTime<Utc>, ApiError> {
    let ms = match at.duration_since(UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_millis()).ok(),
        Err(before) => i64::try_from(before.duration().as_millis()).ok().map(|ms| -ms),
    };
    ms.and_then(DateTime::from_timestamp_millis)
        .ok_or_else(|| ApiError::Internal { reason: "time out of range".into() })
}

/// An instant plus the UTC offset the person was in, as the core stores readings.
pub(crate) fn local_time(at: SystemTime, utc_offset_minutes: i32) -> Result<DateTime<FixedOffset>, ApiError> {
    let offset = utc_offset_minutes
        .checked_mul(60)
        .and_then(FixedOffset::east_opt)
        .ok_or_else(|| ApiError::Internal { reason: "UTC offset out of range".into() })?;
    Ok(offset.from_utc_datetime(&to_utc(at)?.naive_utc()))
}

pub(crate) fn parse_id(entity: &str, text: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(text).map_err(|_| ApiError::NotFound { entity: entity.to_owned() })
}

#[derive(Clone, PartialEq, Eq, uniffi::Record)]
pub struct Profile {
    pub id: String,
    /// The HM card number; show it only where the person needs it (not in notifications).
    pub hm_code: String,
    pub display_name: String,
    pub relationship: Relationship,
    pub created_at: SystemTime,
}

impl From<core::Profile> for Profile {
    fn from(p: core::Profile) -> Self {
        Self {
            id: p.id.to_string(),
            hm_code: p.hm_code.to_string(),
            display_name: p.display_name,
            relationship: p.relationship,
            created_at: to_system_time(p.created_at),
        }
    }
}

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
                Self::Glucose { value: g.as_f64(), unit, timing, mg_dl: v.canonical().as_f64() }
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

/// Saved, but worth a second look ("185 mmHg is high").
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Warning {
    pub field: Field,
    pub code: WarningCode,
    /// The threshold crossed, in `unit`.
    pub threshold: f64,
    pub unit: String,
}

impl From<core::Warning> for Warning {
    fn from(w: core::Warning) -> Self {
        Self { field: w.field, code: w.code, threshold: w.threshold.as_f64(), unit: w.unit.to_owned() }
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

impl TryFrom<VitalFilter> for techo_core::store::VitalQuery {
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
}

impl From<core::SeriesPoint> for SeriesPoint {
    fn from(p: core::SeriesPoint) -> Self {
        Self { start: p.start.into(), value: p.value, diastolic: p.diastolic, pulse: p.pulse }
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
            morning: s.morning,
            evening: s.evening,
            class: s.class,
            isolated_systolic: s.isolated_systolic,
            min_days: core::MIN_DAYS,
        }
    }
}

/// A change the server refused: kept, shown, and retried only when the person asks.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct WedgedItem {
    pub mutation_id: String,
    pub entity: String,
    pub entity_id: String,
    /// The server's error code, if it gave one.
    pub reason: Option<String>,
    pub attempts: u32,
    pub created_at: SystemTime,
}

impl From<techo_core::store::OutboxEntry> for WedgedItem {
    fn from(e: techo_core::store::OutboxEntry) -> Self {
        Self {
            mutation_id: e.mutation_id.to_string(),
            entity: e.entity,
            entity_id: e.entity_id,
            reason: e.wedge_reason,
            attempts: u32::try_from(e.attempts).unwrap_or(0),
            created_at: to_system_time(e.created_at),
        }
    }
}

/// The sync line of every screen.
#[derive(Clone, PartialEq, uniffi::Record)]
pub struct SyncStatus {
    pub account: Option<Account>,
    /// Changes waiting to be sent (refused ones included).
    pub pending: u64,
    pub wedged: u64,
    pub running: bool,
    pub last_progress: Option<SyncProgress>,
    pub last_report: Option<SyncReport>,
    /// When a sync last completed on this device (kept across restarts).
    pub last_success: Option<SystemTime>,
}

/// What starting over kept (`start_over`).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct StartOverReport {
    /// Unsent changes carried over; they go out at the next sync.
    pub salvaged_changes: u64,
    pub salvaged_profiles: u64,
    /// Readings carried over; everything the server has comes back at the next sync.
    pub salvaged_readings: u64,
    /// Where the old database now lives (for the help desk; it is kept).
    pub set_aside_file: String,
}

impl From<techo_core::store::StartOver> for StartOverReport {
    fn from(s: techo_core::store::StartOver) -> Self {
        Self {
            salvaged_changes: s.salvaged_changes,
            salvaged_profiles: s.salvaged_profiles,
            salvaged_readings: s.salvaged_readings,
            set_aside_file: s.set_aside.to_string_lossy().into_owned(),
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

/// Everything the home screen shows, in one call.
#[derive(Clone, PartialEq, uniffi::Record)]
pub struct HomeScreen {
    pub profile: Profile,
    /// Readings taken today (local day at the given offset), newest first.
    pub today: Vec<Vital>,
    /// The newest reading of each type.
    pub latest: Vec<Vital>,
    pub bp_summary: HomeBpSummary,
    pub sync: SyncStatus,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_round_trip_through_system_time_with_their_offset() {
        let jst = FixedOffset::east_opt(9 * 3600).unwrap();
        let before_epoch = Utc.with_ymd_and_hms(1950, 3, 1, 0, 0, 0).unwrap();
        let st = to_system_time(before_epoch);
        let back = local_time(st, 540).unwrap();
        assert_eq!(back, before_epoch.with_timezone(&jst));
        assert_eq!(back.offset().local_minus_utc(), 9 * 3600);
        assert!(local_time(st, 24 * 60).is_err(), "an offset of a whole day is refused, not a panic");
        assert!(local_time(st, i32::MAX).is_err());
        // Kotlin's Instant.MAX and Swift's distantFuture-like extremes: errors, never panics.
        let far = UNIX_EPOCH + Duration::from_secs(31_556_889_864_403_199);
        assert!(to_utc(far).is_err());
        assert!(to_utc(UNIX_EPOCH - Duration::from_secs(31_557_014_167_219_200)).is_err());
        let filter = VitalFilter { since: Some(far), ..VitalFilter::default() };
        assert!(techo_core::store::VitalQuery::try_from(filter).is_err());
    }

    #[test]
    fn calendar_days_refuse_impossible_dates() {
        assert!(NaiveDate::try_from(CalendarDay { year: 2026, month: 2, day: 29 }).is_err());
        let d = NaiveDate::from_ymd_opt(2028, 2, 29).unwrap();
        assert_eq!(NaiveDate::try_from(CalendarDay::from(d)).unwrap(), d);
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
