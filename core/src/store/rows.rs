//! Mapping between domain values and table rows.

use crate::domain::{
    BpContext, GlucoseTiming, GlucoseUnit, HmCode, Milli, Profile, Relationship, Source, Vital, VitalKind, VitalValue,
};
use crate::error::{Error, Result};
use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, TimeZone, Utc};
use rusqlite::Row;
use uuid::Uuid;

pub(crate) const VITAL_COLUMNS: &str = "\"id\", \"profile_id\", \"kind\", \"measured_at_ms\", \"utc_offset_s\", \"value_milli\", \
     \"diastolic\", \"pulse\", \"entered_milli\", \"entered_unit\", \"context\", \"source\", \"device_name\", \"note\", \
     \"entered_by\", \"origin_device\", \"amends\", \"superseded_by\", \"deleted_at_ms\", \"recorded_at_ms\", \
     (SELECT rv.\"server_version\" FROM \"record_versions\" rv WHERE rv.\"entity\" = 'vital' AND rv.\"entity_id\" = \"vitals\".\"id\")";

/// The columns a value occupies.
pub(crate) struct ValueColumns {
    pub value_milli: i64,
    pub diastolic: Option<u32>,
    pub pulse: Option<u32>,
    pub entered_milli: i64,
    pub entered_unit: &'static str,
    pub context: Option<&'static str>,
}

pub(crate) fn value_columns(v: &VitalValue) -> crate::error::Result<ValueColumns> {
    let canonical = v.canonical()?.thousandths();
    let plain = |unit| ValueColumns {
        value_milli: canonical,
        diastolic: None,
        pulse: None,
        entered_milli: canonical,
        entered_unit: unit,
        context: None,
    };
    Ok(match *v {
        VitalValue::Weight { .. } => plain("kg"),
        VitalValue::Temperature { .. } => plain("Cel"),
        VitalValue::Steps { .. } => plain("steps"),
        VitalValue::BloodPressure { diastolic, pulse, context, .. } => {
            ValueColumns { diastolic: Some(diastolic), pulse, context: Some(context.as_str()), ..plain("mm[Hg]") }
        }
        VitalValue::Glucose { value, unit, timing } => ValueColumns {
            entered_milli: value.thousandths(),
            entered_unit: unit.as_str(),
            context: Some(timing.as_str()),
            ..plain("mg/dL")
        },
    })
}

fn bad(what: &'static str) -> Error {
    Error::Corrupt(what)
}

pub(crate) fn parse_uuid(s: &str) -> Result<Uuid> {
    Uuid::parse_str(s).map_err(|_| bad("malformed id"))
}

pub(crate) fn utc_from_ms(ms: i64) -> Result<DateTime<Utc>> {
    Utc.timestamp_millis_opt(ms).single().ok_or(bad("timestamp out of range"))
}

pub(crate) fn fixed_from_parts(ms: i64, offset_s: i32) -> Result<DateTime<FixedOffset>> {
    let offset = FixedOffset::east_opt(offset_s).ok_or(bad("UTC offset out of range"))?;
    Ok(utc_from_ms(ms)?.with_timezone(&offset))
}

/// Calendar day in the reading's own offset, as days since 1970-01-01.
pub(crate) fn local_day(at: &DateTime<FixedOffset>) -> i64 {
    (at.timestamp() + i64::from(at.offset().local_minus_utc())).div_euclid(86_400)
}

const UNIX_EPOCH_DAYS_FROM_CE: i64 = 719_163;

/// The `local_day` number of a calendar date.
pub(crate) fn day_number(d: NaiveDate) -> i64 {
    i64::from(d.num_days_from_ce()) - UNIX_EPOCH_DAYS_FROM_CE
}

pub(crate) fn date_from_local_day(day: i64) -> Result<NaiveDate> {
    i32::try_from(day + UNIX_EPOCH_DAYS_FROM_CE)
        .ok()
        .and_then(NaiveDate::from_num_days_from_ce_opt)
        .ok_or_else(|| bad("day out of range"))
}

pub(crate) fn u32_col(v: i64) -> Result<u32> {
    u32::try_from(v).map_err(|_| bad("value out of range"))
}

fn context<T>(raw: Option<String>, parse: fn(&str) -> Option<T>) -> Result<T> {
    raw.as_deref().and_then(parse).ok_or(bad("unknown context"))
}

/// Reads a row selected with [`VITAL_COLUMNS`].
pub(crate) fn vital_from_row(row: &Row<'_>) -> Result<Vital> {
    let kind: String = row.get(2)?;
    let kind = VitalKind::from_str_opt(&kind).ok_or(bad("unknown vital kind"))?;
    let value_milli: i64 = row.get(5)?;
    let diastolic: Option<i64> = row.get(6)?;
    let pulse: Option<i64> = row.get(7)?;
    let entered_milli: i64 = row.get(8)?;
    let entered_unit: String = row.get(9)?;
    let ctx: Option<String> = row.get(10)?;
    let value = match kind {
        VitalKind::Weight => VitalValue::Weight { kg: Milli::from_thousandths(value_milli) },
        VitalKind::Temperature => VitalValue::Temperature { celsius: Milli::from_thousandths(value_milli) },
        VitalKind::Steps => VitalValue::Steps { count: u32_col(value_milli / Milli::SCALE)? },
        VitalKind::BloodPressure => VitalValue::BloodPressure {
            systolic: u32_col(value_milli / Milli::SCALE)?,
            diastolic: u32_col(diastolic.ok_or(bad("blood pressure without diastolic"))?)?,
            pulse: pulse.map(u32_col).transpose()?,
            context: context(ctx, BpContext::from_str_opt)?,
        },
        VitalKind::Glucose => VitalValue::Glucose {
            value: Milli::from_thousandths(entered_milli),
            unit: GlucoseUnit::from_str_opt(&entered_unit).ok_or(bad("unknown glucose unit"))?,
            timing: context(ctx, GlucoseTiming::from_str_opt)?,
        },
    };
    let source: String = row.get(11)?;
    let deleted_at_ms: Option<i64> = row.get(18)?;
    Ok(Vital {
        id: parse_uuid(&row.get::<_, String>(0)?)?,
        profile_id: parse_uuid(&row.get::<_, String>(1)?)?,
        value,
        measured_at: fixed_from_parts(row.get(3)?, row.get(4)?)?,
        source: Source::from_str_opt(&source).ok_or(bad("unknown source"))?,
        device_name: row.get(12)?,
        note: row.get(13)?,
        entered_by: row.get(14)?,
        origin_device: row.get(15)?,
        amends: row.get::<_, Option<String>>(16)?.as_deref().map(parse_uuid).transpose()?,
        superseded_by: row.get::<_, Option<String>>(17)?.as_deref().map(parse_uuid).transpose()?,
        deleted_at: deleted_at_ms.map(utc_from_ms).transpose()?,
        recorded_at: utc_from_ms(row.get(19)?)?,
        server_version: row.get(20)?,
    })
}

pub(crate) const PROFILE_COLUMNS: &str = "\"id\", \"hm_code\", \"display_name\", \"relationship\", \"created_at_ms\"";

pub(crate) fn profile_from_row(row: &Row<'_>) -> Result<Profile> {
    let rel: String = row.get(3)?;
    Ok(Profile {
        id: parse_uuid(&row.get::<_, String>(0)?)?,
        hm_code: HmCode::parse(&row.get::<_, String>(1)?).map_err(|_| bad("malformed HM code"))?,
        display_name: row.get(2)?,
        relationship: Relationship::from_str_opt(&rel).ok_or(bad("unknown relationship"))?,
        created_at: utc_from_ms(row.get(4)?)?,
    })
}

/// Runs `sql` and maps every row, turning row errors into the core error.
pub(crate) fn collect<T>(
    stmt: &mut rusqlite::Statement<'_>,
    params: impl rusqlite::Params,
    map: fn(&Row<'_>) -> Result<T>,
) -> Result<Vec<T>> {
    let mut rows = stmt.query(params)?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        out.push(map(row)?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_day_uses_the_readings_own_offset() {
        // 23:30 in Tokyo on the 25th is 14:30 UTC the same day; 00:30 on the 26th is still the 25th UTC.
        let late = DateTime::parse_from_rfc3339("2026-11-25T23:30:00+09:00").unwrap();
        let early = DateTime::parse_from_rfc3339("2026-11-26T00:30:00+09:00").unwrap();
        assert_eq!(date_from_local_day(local_day(&late)).unwrap(), NaiveDate::from_ymd_opt(2026, 11, 25).unwrap());
        assert_eq!(date_from_local_day(local_day(&early)).unwrap(), NaiveDate::from_ymd_opt(2026, 11, 26).unwrap());
        let before_epoch = DateTime::parse_from_rfc3339("1969-12-31T23:00:00+00:00").unwrap();
        assert_eq!(local_day(&before_epoch), -1);
        assert_eq!(day_number(date_from_local_day(20_000).unwrap()), 20_000);
    }
}
