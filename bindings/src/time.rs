//! Instants, UTC offsets and calendar days across the boundary. The shells pass an instant and
//! the offset the person was in; the core keeps both, so a record shows the local time it was
//! made in. Nothing here panics on an instant chrono cannot hold (Kotlin's `Instant.MAX`).

use crate::error::ApiError;
use chrono::{DateTime, Datelike, Duration as Days, FixedOffset, NaiveDate, NaiveTime, TimeZone, Timelike, Utc};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use techo_core::local_time::instant_of_local;

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

/// Today in the given offset, for chart ranges relative to "now" without date maths in the shells.
#[uniffi::export]
pub fn calendar_day_at(at: SystemTime, utc_offset_minutes: i32) -> Result<CalendarDay, ApiError> {
    Ok(local_time(at, utc_offset_minutes)?.date_naive().into())
}

/// `day` moved by `days` (negative: earlier), e.g. the first day of a 30-day chart.
#[uniffi::export]
pub fn calendar_day_add(day: CalendarDay, days: i32) -> Result<CalendarDay, ApiError> {
    let d = NaiveDate::try_from(day)?;
    d.checked_add_signed(Days::days(i64::from(days)))
        .map(Into::into)
        .ok_or_else(|| ApiError::Internal { reason: "date out of range".into() })
}

/// The phone's zone rules, asked one question: the UTC offset in force at an instant. Android
/// answers from `ZoneRules`, iOS from `TimeZone`; the core has no zone database of its own.
/// Both platforms answer for any instant, so the answer cannot fail.
#[uniffi::export(foreign)]
pub trait PhoneZone: Send + Sync {
    fn utc_offset_seconds_at(&self, at: SystemTime) -> i32;
}

/// A day and a time of day as the pickers show them, to the minute, in no zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct PickedDateTime {
    pub day: CalendarDay,
    pub hour: u32,
    pub minute: u32,
}

/// A picked date and time read as the core records it: the instant, the offset it was read in
/// (stored with the reading), and the date and time it now shows (later than the one picked
/// only for a time the clocks skipped).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct ReadingTime {
    pub at: SystemTime,
    pub utc_offset_minutes: i32,
    pub shown: PickedDateTime,
}

/// Where the pickers start for an instant in an offset: a new reading's "now" in the phone's
/// offset, or a correction's time in its own.
#[uniffi::export]
pub fn picked_date_time(at: SystemTime, utc_offset_minutes: i32) -> Result<PickedDateTime, ApiError> {
    Ok(picked_of(local_time(at, utc_offset_minutes)?))
}

/// The date and time a reading form's pickers show, read as the reading's time. A correction
/// passes the offset the reading was taken in, `correcting_offset_minutes`: the time is read in
/// it, so the reading keeps the offset it was made in wherever it is corrected. A new reading
/// passes none and is read in the phone's zone, where a time the clocks skipped moves forward by
/// the gap and a time they showed twice is the earlier.
#[uniffi::export]
pub fn reading_time(
    picked: PickedDateTime,
    correcting_offset_minutes: Option<i32>,
    zone: Arc<dyn PhoneZone>,
) -> Result<ReadingTime, ApiError> {
    let naive = NaiveDate::try_from(picked.day)?
        .and_time(NaiveTime::from_hms_opt(picked.hour, picked.minute, 0).ok_or_else(|| internal("not a time of day"))?);
    let read = match correcting_offset_minutes {
        Some(minutes) => {
            let offset = fixed_offset(minutes)?;
            instant_of_local(naive, |_| Some(offset))
        }
        // Offsets are stored to the minute, so the zone's is taken to the minute before reading
        // the time in it: the time shown is then the time picked.
        None => instant_of_local(naive, |at| {
            let seconds = zone.utc_offset_seconds_at(to_system_time(at));
            FixedOffset::east_opt(seconds.div_euclid(60) * 60)
        }),
    }
    .ok_or_else(|| internal("no instant for that date and time"))?;
    Ok(ReadingTime {
        at: to_system_time(read.to_utc()),
        utc_offset_minutes: read.offset().local_minus_utc() / 60,
        shown: picked_of(read),
    })
}

fn picked_of(t: DateTime<FixedOffset>) -> PickedDateTime {
    PickedDateTime { day: t.date_naive().into(), hour: t.hour(), minute: t.minute() }
}

fn internal(reason: &str) -> ApiError {
    ApiError::Internal { reason: reason.into() }
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

/// An instant plus the UTC offset the person was in, as the core stores the times of records.
pub(crate) fn local_time(at: SystemTime, utc_offset_minutes: i32) -> Result<DateTime<FixedOffset>, ApiError> {
    Ok(fixed_offset(utc_offset_minutes)?.from_utc_datetime(&to_utc(at)?.naive_utc()))
}

pub(crate) fn fixed_offset(utc_offset_minutes: i32) -> Result<FixedOffset, ApiError> {
    utc_offset_minutes
        .checked_mul(60)
        .and_then(FixedOffset::east_opt)
        .ok_or_else(|| ApiError::Internal { reason: "UTC offset out of range".into() })
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
    }

    struct Eastern;

    /// US Eastern in 2026: -5 h, and -4 h from 2026-03-08 07:00 UTC until 2026-11-01 06:00 UTC.
    impl PhoneZone for Eastern {
        fn utc_offset_seconds_at(&self, at: SystemTime) -> i32 {
            let at = to_utc(at).unwrap();
            let summer =
                Utc.with_ymd_and_hms(2026, 3, 8, 7, 0, 0).unwrap()..Utc.with_ymd_and_hms(2026, 11, 1, 6, 0, 0).unwrap();
            if summer.contains(&at) { -4 * 3600 } else { -5 * 3600 }
        }
    }

    fn picked(y: i32, m: u32, d: u32, hour: u32, minute: u32) -> PickedDateTime {
        PickedDateTime { day: CalendarDay { year: y, month: m, day: d }, hour, minute }
    }

    #[test]
    fn a_picked_time_is_read_in_the_phone_zone_or_in_the_corrected_reading_offset() {
        let t = reading_time(picked(2026, 3, 8, 2, 30), None, Arc::new(Eastern)).unwrap();
        assert_eq!(t.utc_offset_minutes, -240);
        assert_eq!(t.shown, picked(2026, 3, 8, 3, 30), "a skipped time moves forward");
        assert_eq!(to_utc(t.at).unwrap(), Utc.with_ymd_and_hms(2026, 3, 8, 7, 30, 0).unwrap());
        // A reading taken in Japan and corrected in New York keeps its +09:00.
        let t = reading_time(picked(2026, 3, 8, 2, 30), Some(540), Arc::new(Eastern)).unwrap();
        assert_eq!((t.utc_offset_minutes, t.shown), (540, picked(2026, 3, 8, 2, 30)));
        assert_eq!(picked_date_time(t.at, 540).unwrap(), picked(2026, 3, 8, 2, 30));
        assert!(reading_time(picked(2026, 2, 30, 7, 0), None, Arc::new(Eastern)).is_err());
        assert!(reading_time(picked(2026, 2, 3, 24, 0), None, Arc::new(Eastern)).is_err());
        assert!(reading_time(picked(2026, 2, 3, 7, 0), Some(24 * 60), Arc::new(Eastern)).is_err());
    }

    #[test]
    fn calendar_days_refuse_impossible_dates() {
        assert!(NaiveDate::try_from(CalendarDay { year: 2026, month: 2, day: 29 }).is_err());
        let d = NaiveDate::from_ymd_opt(2028, 2, 29).unwrap();
        assert_eq!(NaiveDate::try_from(CalendarDay::from(d)).unwrap(), d);
    }
}
