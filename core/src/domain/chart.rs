//! What a chart screen shows besides its points: the period each bucket covers, the unit, the
//! value axis and, for blood pressure, the home-BP reference lines. Both apps draw from this, so
//! their charts cover the same days and mark the same lines.

use super::{Bucket, VitalKind};
use chrono::{Days, NaiveDate};

/// Days a chart of `bucket` covers, ending today: two weeks by day, twelve weeks by week, a year
/// by month.
pub fn span_days(bucket: Bucket) -> u32 {
    match bucket {
        Bucket::Day => 14,
        Bucket::Week => 12 * 7,
        Bucket::Month => 365,
    }
}

/// The first and last local day of a chart of `bucket` ending on `today`.
pub fn window(bucket: Bucket, today: NaiveDate) -> (NaiveDate, NaiveDate) {
    let first = today.checked_sub_days(Days::new(u64::from(span_days(bucket) - 1))).unwrap_or(NaiveDate::MIN);
    (first, today)
}

/// The unit a series of `kind` is in (glucose in mg/dL, whatever unit it was entered in).
pub fn unit(kind: VitalKind) -> &'static str {
    match kind {
        VitalKind::Weight => "kg",
        VitalKind::Temperature => "°C",
        VitalKind::BloodPressure => "mmHg",
        VitalKind::Glucose => "mg/dL",
        VitalKind::Steps => "steps",
    }
}

/// Which value a reference line belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineField {
    Systolic,
    Diastolic,
}

/// The JSH2019 home-BP hypertension threshold (135/85 mmHg) for blood-pressure charts; none for
/// other kinds.
pub fn reference_lines(kind: VitalKind) -> Vec<(LineField, f64)> {
    match kind {
        VitalKind::BloodPressure => vec![(LineField::Systolic, 135.0), (LineField::Diastolic, 85.0)],
        _ => Vec::new(),
    }
}

/// A value axis: `min..=max` with ticks every `step`, on round numbers (1, 2 or 5 × 10ⁿ), wide
/// enough to hold every value and the reference lines.
#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    pub min: f64,
    pub max: f64,
    pub ticks: Vec<f64>,
}

pub fn value_axis(values: impl IntoIterator<Item = f64>) -> Option<Axis> {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in values.into_iter().filter(|v| v.is_finite()) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if !lo.is_finite() {
        return None;
    }
    if hi - lo < 1e-9 {
        // One value: a small band around it, so the point sits mid-chart.
        let pad = (lo.abs() * 0.05).max(1.0);
        lo -= pad;
        hi += pad;
    }
    let step = nice_step((hi - lo) / 4.0);
    let min = (lo / step).floor() * step;
    let max = (hi / step).ceil() * step;
    let count = ((max - min) / step).round() as usize;
    let ticks = (0..=count).map(|i| min + step * i as f64).collect();
    Some(Axis { min, max, ticks })
}

fn nice_step(raw: f64) -> f64 {
    let magnitude = 10_f64.powf(raw.log10().floor());
    let fraction = raw / magnitude;
    let nice = if fraction <= 1.0 {
        1.0
    } else if fraction <= 2.0 {
        2.0
    } else if fraction <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * magnitude
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::HomeBpClass;

    #[test]
    fn periods_end_today_and_cover_their_span() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 4).unwrap();
        assert_eq!(window(Bucket::Day, today), (NaiveDate::from_ymd_opt(2026, 11, 21).unwrap(), today));
        assert_eq!(window(Bucket::Week, today).0, NaiveDate::from_ymd_opt(2026, 9, 12).unwrap());
        assert_eq!(window(Bucket::Month, today).0, NaiveDate::from_ymd_opt(2025, 12, 5).unwrap());
    }

    #[test]
    fn the_reference_lines_are_where_the_home_bp_classes_turn_hypertensive() {
        let lines = reference_lines(VitalKind::BloodPressure);
        let (s, d) = (lines[0].1, lines[1].1);
        assert!(HomeBpClass::classify(s, 70.0).is_hypertensive_range());
        assert!(!HomeBpClass::classify(s - 0.5, 70.0).is_hypertensive_range());
        assert!(HomeBpClass::classify(110.0, d).is_hypertensive_range());
        assert!(!HomeBpClass::classify(110.0, d - 0.5).is_hypertensive_range());
        assert!(reference_lines(VitalKind::Weight).is_empty());
    }

    #[test]
    fn axes_hold_every_value_on_round_ticks() {
        let a = value_axis([118.0, 152.0, 85.0, 135.0]).unwrap();
        assert_eq!((a.min, a.max), (80.0, 160.0));
        assert_eq!(a.ticks, vec![80.0, 100.0, 120.0, 140.0, 160.0]);
        let w = value_axis([60.2, 61.4]).unwrap();
        assert!(w.min <= 60.2 && w.max >= 61.4 && w.ticks.len() >= 3);
        let one = value_axis([8000.0]).unwrap();
        assert!(one.min < 8000.0 && one.max > 8000.0);
        assert_eq!(value_axis([]), None);
    }
}
