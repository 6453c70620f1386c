//! Instants, UTC offsets and calendar days across the boundary. The shells pass an instant and
//! the offset the person was in; the core keeps both, so a record shows the local time it was
//! made in. Nothing here panics on an instant chrono cannot hold (Kotlin's `Instant.MAX`).

use crate::error::ApiError;
use chrono::{DateTime, Datelike, Duration as Days, FixedOffset, NaiveDate, TimeZone, Utc};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

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

    #[test]
    fn calendar_days_refuse_impossible_dates() {
        assert!(NaiveDate::try_from(CalendarDay { year: 2026, month: 2, day: 29 }).is_err());
        let d = NaiveDate::from_ymd_opt(2028, 2, 29).unwrap();
        assert_eq!(NaiveDate::try_from(CalendarDay::from(d)).unwrap(), d);
    }
}
