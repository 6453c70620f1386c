//! Chart series: readings bucketed by local day, ISO week or calendar month.

use chrono::{Datelike, Duration, NaiveDate};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Bucket {
    Day,
    /// ISO weeks, starting Monday.
    Week,
    Month,
}

impl Bucket {
    /// The first day of the bucket holding `date`.
    pub fn start_of(self, date: NaiveDate) -> NaiveDate {
        match self {
            Self::Day => date,
            Self::Week => date - Duration::days(i64::from(date.weekday().num_days_from_monday())),
            Self::Month => date.with_day(1).expect("day 1 exists in every month"),
        }
    }
}

/// Aggregate of one component (e.g. systolic) within one bucket.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Stats {
    pub count: u32,
    pub min: f64,
    pub max: f64,
    pub mean: f64,
    pub sum: f64,
}

/// Running aggregate in thousandths, exact until the mean is taken.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Accumulator {
    pub count: u32,
    pub min: i64,
    pub max: i64,
    pub sum: i64,
}

impl Accumulator {
    pub fn merge(&mut self, other: Accumulator) {
        if other.count == 0 {
            return;
        }
        if self.count == 0 {
            *self = other;
            return;
        }
        self.count += other.count;
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
        self.sum += other.sum;
    }

    pub fn stats(&self) -> Option<Stats> {
        (self.count > 0).then(|| {
            let k = super::Milli::SCALE as f64;
            Stats {
                count: self.count,
                min: self.min as f64 / k,
                max: self.max as f64 / k,
                mean: self.sum as f64 / k / f64::from(self.count),
                sum: self.sum as f64 / k,
            }
        })
    }
}

/// One point of a chart. `value` is the kind's canonical value (systolic for blood pressure).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SeriesPoint {
    pub start: NaiveDate,
    pub value: Stats,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diastolic: Option<Stats>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pulse: Option<Stats>,
}

/// Per-day aggregates as the store produces them, in ascending day order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayAggregate {
    pub day: NaiveDate,
    pub value: Accumulator,
    pub diastolic: Accumulator,
    pub pulse: Accumulator,
}

/// Folds ascending per-day aggregates into buckets.
pub fn fold_days(days: impl IntoIterator<Item = DayAggregate>, bucket: Bucket) -> Vec<SeriesPoint> {
    let mut merged: Vec<(NaiveDate, Accumulator, Accumulator, Accumulator)> = Vec::new();
    for d in days {
        let start = bucket.start_of(d.day);
        match merged.last_mut() {
            Some(last) if last.0 == start => {
                last.1.merge(d.value);
                last.2.merge(d.diastolic);
                last.3.merge(d.pulse);
            }
            _ => merged.push((start, d.value, d.diastolic, d.pulse)),
        }
    }
    merged
        .into_iter()
        .filter_map(|(start, v, dia, p)| {
            Some(SeriesPoint { start, value: v.stats()?, diastolic: dia.stats(), pulse: p.stats() })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn acc(values: &[i64]) -> Accumulator {
        let mut a = Accumulator::default();
        for &v in values {
            a.merge(Accumulator { count: 1, min: v, max: v, sum: v });
        }
        a
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn bucket_starts() {
        // 2026-11-25 is a Wednesday.
        assert_eq!(Bucket::Week.start_of(d(2026, 11, 25)), d(2026, 11, 23));
        assert_eq!(Bucket::Week.start_of(d(2026, 11, 23)), d(2026, 11, 23));
        assert_eq!(Bucket::Week.start_of(d(2026, 11, 22)), d(2026, 11, 16));
        assert_eq!(Bucket::Month.start_of(d(2026, 2, 28)), d(2026, 2, 1));
    }

    #[test]
    fn weekly_fold_hand_checked() {
        let day = |dd, vals: &[i64]| DayAggregate {
            day: dd,
            value: acc(vals),
            diastolic: Default::default(),
            pulse: Default::default(),
        };
        let days = vec![
            day(d(2026, 11, 22), &[60_000]),         // Sunday: previous week
            day(d(2026, 11, 23), &[61_000, 61_400]), // Monday
            day(d(2026, 11, 25), &[62_000]),
        ];
        let pts = fold_days(days, Bucket::Week);
        assert_eq!(pts.len(), 2);
        assert_eq!(pts[0].start, d(2026, 11, 16));
        assert_eq!(pts[0].value.count, 1);
        assert_eq!(pts[1].start, d(2026, 11, 23));
        assert_eq!(pts[1].value.count, 3);
        assert_eq!(pts[1].value.min, 61.0);
        assert_eq!(pts[1].value.max, 62.0);
        assert!((pts[1].value.mean - 61.466_666).abs() < 1e-4);
        assert!(pts[1].diastolic.is_none());
    }

    proptest! {
        /// Whatever the bucket size, folding loses no readings and keeps global min/max/sum.
        #[test]
        fn folding_preserves_totals(values in proptest::collection::vec((0i64..800, 0i64..300_000), 1..200), bucket in prop_oneof![Just(Bucket::Day), Just(Bucket::Week), Just(Bucket::Month)]) {
            let mut by_day: std::collections::BTreeMap<i64, Vec<i64>> = Default::default();
            for (day, v) in &values { by_day.entry(*day).or_default().push(*v); }
            let base = d(2025, 1, 1);
            let days: Vec<_> = by_day.iter().map(|(k, vs)| DayAggregate { day: base + Duration::days(*k), value: acc(vs), diastolic: Default::default(), pulse: Default::default() }).collect();
            let pts = fold_days(days, bucket);
            let total: u32 = pts.iter().map(|p| p.value.count).sum();
            prop_assert_eq!(total as usize, values.len());
            let all: Vec<i64> = values.iter().map(|v| v.1).collect();
            let min = pts.iter().map(|p| p.value.min).fold(f64::INFINITY, f64::min);
            let max = pts.iter().map(|p| p.value.max).fold(f64::NEG_INFINITY, f64::max);
            prop_assert_eq!(min, *all.iter().min().unwrap() as f64 / 1000.0);
            prop_assert_eq!(max, *all.iter().max().unwrap() as f64 / 1000.0);
            let sum: f64 = pts.iter().map(|p| p.value.sum).sum();
            prop_assert!((sum - all.iter().sum::<i64>() as f64 / 1000.0).abs() < 1e-6);
            for w in pts.windows(2) { prop_assert!(w[0].start < w[1].start); }
            for p in &pts { prop_assert_eq!(bucket.start_of(p.start), p.start); }
        }
    }
}
