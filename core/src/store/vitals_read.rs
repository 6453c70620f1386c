//! Reading back: the current view, history, charts and the home-BP summary.

use super::Store;
use super::rows::{
    VITAL_COLUMNS, collect, date_from_local_day, day_number, local_day, parse_uuid, u32_col, vital_from_row,
};
use crate::domain::{
    Accumulator, BpContext, BpObservation, Bucket, DayAggregate, Field, HomeBpSummary, SeriesPoint, Vital, VitalKind,
    WINDOW_DAYS, fold_days, home_bp_summary,
};
use crate::error::{Error, Result, ValidationReason};
use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use rusqlite::{OptionalExtension, params};
use serde::Serialize;
use uuid::Uuid;

/// Filters for [`Store::list_vitals`]. Times are instants; `to` is exclusive.
#[derive(Debug, Clone, Default)]
pub struct VitalQuery {
    pub kind: Option<VitalKind>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    /// Page size; 0 means the default of 50. At most 500.
    pub limit: u32,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Page {
    pub items: Vec<Vital>,
    /// Pass back in [`VitalQuery::cursor`] for the next (older) page; `None` on the last page.
    pub next_cursor: Option<String>,
}

const CURRENT: &str = "\"superseded_by\" IS NULL AND \"deleted_at_ms\" IS NULL";

/// A `vital_days` row as the series query selects it.
fn day_aggregate(r: &rusqlite::Row<'_>) -> Result<DayAggregate> {
    Ok(DayAggregate {
        day: date_from_local_day(int(r, 0)?)?,
        value: day_accumulator(r, 1, 1)?,
        diastolic: day_accumulator(r, 5, 1000)?,
        pulse: day_accumulator(r, 9, 1000)?,
    })
}

/// Count, min, max and sum of one measure of a `vital_days` row, from column `at` on, scaled
/// to thousandths (`scale` 1000 for the whole mmHg and beats of diastolic and pulse).
fn day_accumulator(r: &rusqlite::Row<'_>, at: usize, scale: i64) -> Result<Accumulator> {
    let count = int(r, at)?;
    if count == 0 {
        return Ok(Accumulator::default());
    }
    let value = |i: usize| -> Result<i64> {
        int(r, at + i)?.checked_mul(scale).ok_or(Error::Corrupt("day aggregate out of range"))
    };
    Ok(Accumulator {
        count: u32::try_from(count).map_err(|_| Error::Corrupt("day aggregate count"))?,
        min: value(1)?,
        max: value(2)?,
        sum: value(3)?,
    })
}

/// An integer column, read without the generic conversion (the chart reads 13 per day).
fn int(r: &rusqlite::Row<'_>, i: usize) -> Result<i64> {
    r.get_ref(i)?.as_i64().map_err(|_| Error::Corrupt("day aggregate is not an integer"))
}

/// Keyset cursor: the (measured_at, id) of the last row of a page.
fn encode_cursor(v: &Vital) -> String {
    format!("{}~{}", v.measured_at.timestamp_millis(), v.id)
}

fn decode_cursor(c: &str) -> Result<(i64, String)> {
    let bad = || {
        Error::invalid(
            Field::Cursor,
            ValidationReason::InvalidFormat { expected: "a cursor returned by a previous page" },
        )
    };
    let (ms, id) = c.split_once('~').ok_or_else(bad)?;
    let ms = ms.parse().map_err(|_| bad())?;
    Uuid::parse_str(id).map_err(|_| bad())?;
    Ok((ms, id.to_owned()))
}

/// The listing query for the filters in use. Only those go into the SQL, so the planner can walk
/// an index in order (optional "?n IS NULL OR ..." terms would make it scan and sort every row).
pub(crate) fn list_query(
    profile_id: Uuid,
    q: &VitalQuery,
    after: Option<(i64, String)>,
    limit: u32,
) -> (String, Vec<rusqlite::types::Value>) {
    let mut sql = format!(
        "SELECT {VITAL_COLUMNS} FROM \"vitals\" INDEXED BY \"vitals_current_by_time\" WHERE \"profile_id\" = ? AND {CURRENT}"
    );
    let mut args: Vec<rusqlite::types::Value> = vec![profile_id.to_string().into()];
    if let Some(kind) = q.kind {
        sql.push_str(" AND \"kind\" = ?");
        args.push(kind.as_str().to_owned().into());
    }
    if let Some(from) = q.from {
        sql.push_str(" AND \"measured_at_ms\" >= ?");
        args.push(from.timestamp_millis().into());
    }
    if let Some(to) = q.to {
        sql.push_str(" AND \"measured_at_ms\" < ?");
        args.push(to.timestamp_millis().into());
    }
    if let Some((ms, id)) = after {
        sql.push_str(" AND (\"measured_at_ms\", \"id\") < (?, ?)");
        args.push(ms.into());
        args.push(id.into());
    }
    sql.push_str(" ORDER BY \"measured_at_ms\" DESC, \"id\" DESC LIMIT ?");
    args.push(i64::from(limit + 1).into());
    (sql, args)
}

impl Store {
    pub fn get_vital(&self, id: Uuid) -> Result<Vital> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(&format!("SELECT {VITAL_COLUMNS} FROM \"vitals\" WHERE \"id\" = ?1"))?;
        collect(&mut stmt, [id.to_string()], vital_from_row)?.pop().ok_or(Error::NotFound { entity: "reading" })
    }

    /// Finds the reading of `profile_id` whose id starts with `prefix` (at least 4 characters), so
    /// people can type a short id as with git.
    pub fn resolve_vital_id(&self, profile_id: Uuid, prefix: &str) -> Result<Uuid> {
        let prefix = prefix.trim().to_ascii_lowercase();
        if prefix.len() < 4 || !prefix.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-') {
            return Err(Error::NotFound { entity: "reading" });
        }
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(
            "SELECT \"id\" FROM \"vitals\" WHERE \"profile_id\" = ?1 AND substr(\"id\", 1, length(?2)) = ?2 LIMIT 2",
        )?;
        let ids = collect(&mut stmt, params![profile_id.to_string(), prefix], |r| parse_uuid(&r.get::<_, String>(0)?))?;
        match ids.as_slice() {
            [one] => Ok(*one),
            [] => Err(Error::NotFound { entity: "reading" }),
            _ => Err(Error::AmbiguousId { entity: "reading" }),
        }
    }

    /// Current readings, newest first, one page at a time.
    pub fn list_vitals(&self, profile_id: Uuid, q: &VitalQuery) -> Result<Page> {
        let limit = match q.limit {
            0 => 50,
            n => n.min(500),
        };
        let (after_ms, after_id) = match &q.cursor {
            Some(c) => {
                let (ms, id) = decode_cursor(c)?;
                (Some(ms), Some(id))
            }
            None => (None, None),
        };
        let (sql, args) = list_query(profile_id, q, after_ms.zip(after_id), limit);
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(&sql)?;
        let mut items = collect(&mut stmt, rusqlite::params_from_iter(args), vital_from_row)?;
        let next_cursor = if items.len() > limit as usize {
            items.truncate(limit as usize);
            items.last().map(encode_cursor)
        } else {
            None
        };
        Ok(Page { items, next_cursor })
    }

    /// The most recent current reading of each kind that has one.
    pub fn latest_vitals(&self, profile_id: Uuid) -> Result<Vec<Vital>> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {VITAL_COLUMNS} FROM \"vitals\" WHERE \"profile_id\" = ?1 AND \"kind\" = ?2 AND {CURRENT} \
             ORDER BY \"measured_at_ms\" DESC, \"id\" DESC LIMIT 1"
        ))?;
        let mut out = Vec::new();
        for kind in VitalKind::ALL {
            out.extend(collect(&mut stmt, params![profile_id.to_string(), kind.as_str()], vital_from_row)?);
        }
        Ok(out)
    }

    /// Every version of the reading `id` belongs to, oldest first, deleted ones included.
    pub fn vital_history(&self, id: Uuid) -> Result<Vec<Vital>> {
        let mut root = self.get_vital(id)?;
        let mut guard = 0;
        while let Some(prev) = root.amends {
            match self.get_vital(prev) {
                Ok(v) => root = v,
                // A correction synced from elsewhere may arrive before its original.
                Err(Error::NotFound { .. }) => break,
                Err(e) => return Err(e),
            }
            guard += 1;
            if guard > 10_000 {
                return Err(Error::Corrupt("correction chain does not end"));
            }
        }
        let mut chain = vec![root];
        while let Some(next) = chain.last().and_then(|v| v.superseded_by) {
            chain.push(self.get_vital(next)?);
            if chain.len() > 10_000 {
                return Err(Error::Corrupt("correction chain does not end"));
            }
        }
        Ok(chain)
    }

    /// Chart data: current readings of one kind taken on local calendar days `first..=last`
    /// (each reading's own day, in the offset it was taken in), bucketed by day, ISO week or month.
    pub fn vital_series(
        &self,
        profile_id: Uuid,
        kind: VitalKind,
        first: NaiveDate,
        last: NaiveDate,
        bucket: Bucket,
    ) -> Result<Vec<SeriesPoint>> {
        // One row per day, kept by the triggers of schema 7: ten years are 3,650 rows, not
        // the 14,600 readings behind them.
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(
            "SELECT \"local_day\", \"n\", \"min_milli\", \"max_milli\", \"sum_milli\", \
                    \"dia_n\", \"dia_min\", \"dia_max\", \"dia_sum\", \
                    \"pulse_n\", \"pulse_min\", \"pulse_max\", \"pulse_sum\" \
             FROM \"vital_days\" \
             WHERE \"profile_id\" = ?1 AND \"kind\" = ?2 AND \"local_day\" BETWEEN ?3 AND ?4 \
             ORDER BY \"local_day\"",
        )?;
        let mut rows =
            stmt.query(params![profile_id.to_string(), kind.as_str(), day_number(first), day_number(last)])?;
        // Folded as they arrive: ten years of days never sit in a vector of their own.
        let mut failed = None;
        let days = std::iter::from_fn(|| {
            let day = match rows.next() {
                Ok(Some(r)) => day_aggregate(r),
                Ok(None) => return None,
                Err(e) => Err(e.into()),
            };
            day.map_err(|e| failed = Some(e)).ok()
        });
        let points = fold_days(days, bucket);
        match failed {
            Some(e) => Err(e),
            None => Ok(points),
        }
    }

    /// JSH2019 home-BP summary of the 7 days ending on `as_of`'s calendar day.
    pub fn home_bp_summary(&self, profile_id: Uuid, as_of: DateTime<FixedOffset>) -> Result<HomeBpSummary> {
        let last_day = local_day(&as_of);
        let first_day = last_day - i64::from(WINDOW_DAYS) + 1;
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT \"local_day\", \"context\", \"value_milli\", \"diastolic\", \"pulse\" \
             FROM \"vitals\" INDEXED BY \"vitals_current\" \
             WHERE \"profile_id\" = ?1 AND \"kind\" = 'blood_pressure' AND {CURRENT} \
               AND \"local_day\" BETWEEN ?2 AND ?3"
        ))?;
        let readings = collect(&mut stmt, params![profile_id.to_string(), first_day, last_day], |r| {
            let ctx: Option<String> = r.get(1)?;
            Ok(BpObservation {
                local_date: date_from_local_day(r.get(0)?)?,
                context: ctx.as_deref().and_then(BpContext::from_str_opt).ok_or(Error::Corrupt("unknown context"))?,
                systolic: u32_col(r.get::<_, i64>(2)? / 1000)?,
                diastolic: u32_col(
                    r.get::<_, Option<i64>>(3)?.ok_or(Error::Corrupt("blood pressure without diastolic"))?,
                )?,
                pulse: r.get::<_, Option<i64>>(4)?.map(u32_col).transpose()?,
            })
        })?;
        Ok(home_bp_summary(&readings, date_from_local_day(last_day)?))
    }

    /// How many current readings a profile has (for status screens).
    pub fn vital_count(&self, profile_id: Uuid) -> Result<u64> {
        let conn = self.reader();
        let n: Option<i64> = conn
            .query_row(
                &format!("SELECT count(*) FROM \"vitals\" WHERE \"profile_id\" = ?1 AND {CURRENT}"),
                [profile_id.to_string()],
                |r| r.get(0),
            )
            .optional()?;
        Ok(n.unwrap_or(0).unsigned_abs())
    }
}
