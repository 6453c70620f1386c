//! A date and time as a person picks it, read in a zone the core knows only by asking. The zone
//! rules belong to the platform (the phone's, or this machine's for the CLI) and the core has no
//! zone database; what a picked time means, including the hours the clocks skip or repeat, is
//! decided here once for both apps and the CLI.

use chrono::{DateTime, Duration, FixedOffset, NaiveDateTime, Utc};

/// The instant `local` names in a zone, given the zone's UTC offset at any instant (`None` when
/// the zone gave no usable offset). A time the clocks skipped (spring forward) is read with the
/// offset before the change, so it lands as far past the change as it was past the skipped
/// hour's start, as a wall clock left unchanged would show; a time the clocks showed twice (fall
/// back) is the earlier, the one people mean first. `None` also when the date is beyond chrono's
/// range.
pub fn instant_of_local(
    local: NaiveDateTime,
    mut offset_at: impl FnMut(DateTime<Utc>) -> Option<FixedOffset>,
) -> Option<DateTime<FixedOffset>> {
    // No zone changes its offset twice within two days, so the offsets a day either side are
    // the only two `local` can have been read in.
    let day = Duration::days(1);
    let before = offset_at(local.checked_sub_signed(day)?.and_utc())?;
    let after = offset_at(local.checked_add_signed(day)?.and_utc())?;
    let mut earliest: Option<DateTime<FixedOffset>> = None;
    for offset in [before, after] {
        let at = utc_of(local, offset)?;
        // An offset is the right reading only if the zone is in it at the instant it gives.
        if offset_at(at)? == offset && earliest.is_none_or(|e| at < e.to_utc()) {
            earliest = Some(at.with_timezone(&offset));
        }
    }
    match earliest {
        Some(t) => Some(t),
        // In a gap neither reading holds: read it with the offset before the change and show it
        // in the offset after it.
        None => {
            let at = utc_of(local, before)?;
            Some(at.with_timezone(&offset_at(at)?))
        }
    }
}

fn utc_of(local: NaiveDateTime, offset: FixedOffset) -> Option<DateTime<Utc>> {
    Some(local.checked_sub_signed(Duration::seconds(i64::from(offset.local_minus_utc())))?.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDate, TimeZone};

    fn hours(h: i32) -> FixedOffset {
        FixedOffset::east_opt(h * 3600).unwrap()
    }

    /// US Eastern in 2026: -5 h until 2026-03-08 07:00 UTC, -4 h until 2026-11-01 06:00 UTC.
    fn eastern(at: DateTime<Utc>) -> Option<FixedOffset> {
        let spring = Utc.with_ymd_and_hms(2026, 3, 8, 7, 0, 0).unwrap();
        let fall = Utc.with_ymd_and_hms(2026, 11, 1, 6, 0, 0).unwrap();
        Some(if at >= spring && at < fall { hours(-4) } else { hours(-5) })
    }

    fn local(y: i32, m: u32, d: u32, h: u32, min: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d).unwrap().and_hms_opt(h, min, 0).unwrap()
    }

    #[test]
    fn a_time_in_a_zone_without_changes_is_read_in_its_offset() {
        let t = instant_of_local(local(2026, 11, 20, 7, 30), |_| Some(hours(9))).unwrap();
        assert_eq!(t.to_rfc3339(), "2026-11-20T07:30:00+09:00");
    }

    #[test]
    fn either_side_of_a_change_each_time_takes_its_own_offset() {
        let t = instant_of_local(local(2026, 3, 8, 1, 59), eastern).unwrap();
        assert_eq!(t.to_rfc3339(), "2026-03-08T01:59:00-05:00");
        let t = instant_of_local(local(2026, 3, 8, 3, 0), eastern).unwrap();
        assert_eq!(t.to_rfc3339(), "2026-03-08T03:00:00-04:00");
    }

    #[test]
    fn a_skipped_time_moves_forward_by_the_gap() {
        let t = instant_of_local(local(2026, 3, 8, 2, 30), eastern).unwrap();
        assert_eq!(t.to_rfc3339(), "2026-03-08T03:30:00-04:00");
    }

    #[test]
    fn a_time_shown_twice_is_the_earlier() {
        let t = instant_of_local(local(2026, 11, 1, 1, 30), eastern).unwrap();
        assert_eq!(t.to_rfc3339(), "2026-11-01T01:30:00-04:00");
        let t = instant_of_local(local(2026, 11, 1, 2, 0), eastern).unwrap();
        assert_eq!(t.to_rfc3339(), "2026-11-01T02:00:00-05:00");
    }

    #[test]
    fn no_usable_offset_or_a_date_out_of_range_is_none_not_a_panic() {
        assert!(instant_of_local(local(2026, 11, 20, 7, 30), |_| None).is_none());
        assert!(instant_of_local(NaiveDateTime::MAX, |_| Some(hours(9))).is_none());
        assert!(instant_of_local(NaiveDateTime::MIN, |_| Some(hours(-9))).is_none());
    }
}
