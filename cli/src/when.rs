//! Reading times as people type them.

use chrono::{DateTime, FixedOffset, Local, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeZone};
use techo_core::local_time::instant_of_local;

/// Parses `--at`: RFC 3339 with an offset, or a local date and time ("2026-11-25 07:10",
/// "2026-11-25T07:10:30"), or a time today ("07:10"). Local times take this machine's offset
/// at that moment, which is what the record is stored with; a time the clocks skipped or showed
/// twice is read as the phones read it (the core's rule).
pub fn parse_at(text: &str, now: DateTime<FixedOffset>) -> Result<DateTime<FixedOffset>, String> {
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t);
    }
    let naive = ["%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y/%m/%d %H:%M"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())
        .or_else(|| {
            ["%H:%M", "%H:%M:%S"]
                .iter()
                .find_map(|f| NaiveTime::parse_from_str(text, f).ok())
                .map(|t| now.date_naive().and_time(t))
        })
        .ok_or_else(|| "--at: expected \"YYYY-MM-DD HH:MM\", \"HH:MM\" or an RFC 3339 time".to_owned())?;
    local(naive)
}

fn local(naive: NaiveDateTime) -> Result<DateTime<FixedOffset>, String> {
    instant_of_local(naive, |at| Some(Local.offset_from_utc_datetime(&at.naive_utc()).fix()))
        .ok_or_else(|| "--at: that date is out of range".to_owned())
}

pub fn now() -> DateTime<FixedOffset> {
    Local::now().fixed_offset()
}

/// Start of the local day `days - 1` days before today, so `--days 7` covers today and the six
/// days before it.
pub fn days_back(days: u32, now: DateTime<FixedOffset>) -> DateTime<FixedOffset> {
    let first: NaiveDate = now.date_naive() - chrono::Duration::days(i64::from(days.max(1)) - 1);
    local(first.and_time(NaiveTime::MIN)).unwrap_or(now - chrono::Duration::days(i64::from(days)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339("2026-11-25T12:00:00+09:00").unwrap()
    }

    #[test]
    fn accepts_common_forms() {
        let t = parse_at("2026-11-25T07:10:00+09:00", now()).unwrap();
        assert_eq!(t.to_rfc3339(), "2026-11-25T07:10:00+09:00");
        let t = parse_at("2026-11-24 07:10", now()).unwrap();
        assert_eq!(t.naive_local().to_string(), "2026-11-24 07:10:00");
        let t = parse_at("07:10", now()).unwrap();
        assert_eq!(t.naive_local().to_string(), "2026-11-25 07:10:00");
        assert!(parse_at("yesterday", now()).is_err());
    }
}
