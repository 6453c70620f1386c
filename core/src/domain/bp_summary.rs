//! Home blood-pressure summary following the Japanese Society of Hypertension guideline 2019
//! (JSH2019) rules for home readings: each occasion (morning, evening) is averaged per day, then
//! over the last 7 days; at least 5 days are needed before a mean is classified. Shown to the
//! person as information about their readings, never as a diagnosis.

use super::BpContext;
use chrono::{Duration, NaiveDate};
use serde::Serialize;

/// JSH2019 classification bands for *home* blood pressure (lower than the office bands).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HomeBpClass {
    /// 正常血圧: < 115 and < 75
    Normal,
    /// 正常高値血圧: 115–124 and < 75
    HighNormal,
    /// 高値血圧: 125–134 and/or 75–84
    Elevated,
    /// Ⅰ度高血圧: 135–144 and/or 85–89
    Grade1,
    /// Ⅱ度高血圧: 145–159 and/or 90–99
    Grade2,
    /// Ⅲ度高血圧: ≥ 160 and/or ≥ 100
    Grade3,
}

impl HomeBpClass {
    pub fn classify(systolic: f64, diastolic: f64) -> Self {
        let by_systolic = match systolic {
            s if s < 115.0 => Self::Normal,
            s if s < 125.0 => Self::HighNormal,
            s if s < 135.0 => Self::Elevated,
            s if s < 145.0 => Self::Grade1,
            s if s < 160.0 => Self::Grade2,
            _ => Self::Grade3,
        };
        // The diastolic scale has no high-normal band: below 75 is normal.
        let by_diastolic = match diastolic {
            d if d < 75.0 => Self::Normal,
            d if d < 85.0 => Self::Elevated,
            d if d < 90.0 => Self::Grade1,
            d if d < 100.0 => Self::Grade2,
            _ => Self::Grade3,
        };
        by_systolic.max(by_diastolic)
    }

    pub const fn label_ja(self) -> &'static str {
        match self {
            Self::Normal => "正常血圧",
            Self::HighNormal => "正常高値血圧",
            Self::Elevated => "高値血圧",
            Self::Grade1 => "Ⅰ度高血圧",
            Self::Grade2 => "Ⅱ度高血圧",
            Self::Grade3 => "Ⅲ度高血圧",
        }
    }

    pub const fn label_en(self) -> &'static str {
        match self {
            Self::Normal => "normal",
            Self::HighNormal => "high-normal",
            Self::Elevated => "elevated",
            Self::Grade1 => "grade I hypertension range",
            Self::Grade2 => "grade II hypertension range",
            Self::Grade3 => "grade III hypertension range",
        }
    }

    /// At or above the home-BP hypertension threshold of 135/85 mmHg.
    pub fn is_hypertensive_range(self) -> bool {
        self >= Self::Grade1
    }
}

/// Days needed per occasion before its mean is classified.
pub const MIN_DAYS: u32 = 5;
/// Length of the averaging window, ending on (and including) the as-of day.
pub const WINDOW_DAYS: u32 = 7;

/// One blood-pressure reading, reduced to what the summary needs.
#[derive(Debug, Clone, Copy)]
pub struct BpObservation {
    /// The calendar day in the offset the reading was taken in.
    pub local_date: NaiveDate,
    pub context: BpContext,
    pub systolic: u32,
    pub diastolic: u32,
    pub pulse: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OccasionSummary {
    /// Days in the window with at least one reading for this occasion.
    pub days: u32,
    pub readings: u32,
    /// Means rounded to 0.1 mmHg; present whenever there is at least one reading.
    pub mean_systolic: Option<f64>,
    pub mean_diastolic: Option<f64>,
    pub mean_pulse: Option<f64>,
    /// Only when `days >= MIN_DAYS`.
    pub class: Option<HomeBpClass>,
    /// Systolic ≥ 135 with diastolic < 85: (孤立性)収縮期高血圧 pattern.
    pub isolated_systolic: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HomeBpSummary {
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub morning: OccasionSummary,
    pub evening: OccasionSummary,
    /// The higher of the morning and evening classes that had enough days; `None` if neither did.
    pub class: Option<HomeBpClass>,
    pub isolated_systolic: bool,
}

/// Summarises the readings of the `WINDOW_DAYS` days ending on `as_of` (inclusive).
/// Readings outside the window and those with context `Other` are ignored.
pub fn home_bp_summary(readings: &[BpObservation], as_of: NaiveDate) -> HomeBpSummary {
    let period_start = as_of - Duration::days(i64::from(WINDOW_DAYS) - 1);
    let in_window = |r: &&BpObservation| r.local_date >= period_start && r.local_date <= as_of;
    let occasion = |ctx: BpContext| summarise_occasion(readings.iter().filter(in_window).filter(|r| r.context == ctx));
    let morning = occasion(BpContext::Morning);
    let evening = occasion(BpContext::Evening);
    let class = morning.class.max(evening.class);
    let isolated_systolic = morning.isolated_systolic || evening.isolated_systolic;
    HomeBpSummary { period_start, period_end: as_of, morning, evening, class, isolated_systolic }
}

fn summarise_occasion<'a>(readings: impl Iterator<Item = &'a BpObservation>) -> OccasionSummary {
    // JSH: the readings of one occasion (usually two) are averaged to that day's value first,
    // so a day with three readings does not weigh more than a day with one.
    let mut days: Vec<(NaiveDate, Sum, Sum, Sum)> = Vec::new();
    let mut count = 0;
    for r in readings {
        count += 1;
        let idx = match days.iter().position(|d| d.0 == r.local_date) {
            Some(i) => i,
            None => {
                days.push((r.local_date, Sum::default(), Sum::default(), Sum::default()));
                days.len() - 1
            }
        };
        let day = &mut days[idx];
        day.1.add(f64::from(r.systolic));
        day.2.add(f64::from(r.diastolic));
        if let Some(p) = r.pulse {
            day.3.add(f64::from(p));
        }
    }
    let mean_of_day_means = |pick: fn(&(NaiveDate, Sum, Sum, Sum)) -> &Sum| {
        let mut over_days = Sum::default();
        for d in &days {
            if let Some(m) = pick(d).mean() {
                over_days.add(m);
            }
        }
        over_days.mean()
    };
    let sys = mean_of_day_means(|d| &d.1);
    let dia = mean_of_day_means(|d| &d.2);
    let pulse = mean_of_day_means(|d| &d.3);
    let n_days = days.len() as u32;
    let (class, isolated_systolic) = match (sys, dia) {
        (Some(s), Some(d)) if n_days >= MIN_DAYS => (Some(HomeBpClass::classify(s, d)), s >= 135.0 && d < 85.0),
        _ => (None, false),
    };
    OccasionSummary {
        days: n_days,
        readings: count,
        mean_systolic: sys.map(round1),
        mean_diastolic: dia.map(round1),
        mean_pulse: pulse.map(round1),
        class,
        isolated_systolic,
    }
}

#[derive(Debug, Default, Clone, Copy)]
struct Sum {
    total: f64,
    n: u32,
}

impl Sum {
    fn add(&mut self, v: f64) {
        self.total += v;
        self.n += 1;
    }
    fn mean(&self) -> Option<f64> {
        (self.n > 0).then(|| self.total / f64::from(self.n))
    }
}

fn round1(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use HomeBpClass::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, d).unwrap()
    }

    fn obs(d: u32, context: BpContext, s: u32, di: u32) -> BpObservation {
        BpObservation { local_date: day(d), context, systolic: s, diastolic: di, pulse: Some(70) }
    }

    /// `n` days ending on the 25th, the same morning and evening value each day.
    fn week(n: u32, morning: (u32, u32), evening: (u32, u32)) -> Vec<BpObservation> {
        (0..n)
            .flat_map(|i| {
                [
                    obs(25 - i, BpContext::Morning, morning.0, morning.1),
                    obs(25 - i, BpContext::Evening, evening.0, evening.1),
                ]
            })
            .collect()
    }

    #[test]
    fn each_band_hand_checked() {
        // (morning, evening) → expected class; evening kept normal so the morning decides.
        let cases = [
            ((114, 74), Normal),
            ((115, 74), HighNormal),
            ((124, 74), HighNormal),
            ((114, 75), Elevated), // diastolic alone lifts it: "and/or"
            ((125, 70), Elevated),
            ((134, 84), Elevated),
            ((135, 80), Grade1),
            ((120, 85), Grade1),
            ((144, 89), Grade1),
            ((145, 80), Grade2),
            ((130, 90), Grade2),
            ((159, 99), Grade2),
            ((160, 80), Grade3),
            ((120, 100), Grade3),
        ];
        for (morning, expected) in cases {
            let s = home_bp_summary(&week(7, morning, (110, 70)), day(25));
            assert_eq!(s.morning.class, Some(expected), "{morning:?}");
            assert_eq!(s.evening.class, Some(Normal));
            assert_eq!(s.class, Some(expected), "{morning:?}");
        }
    }

    #[test]
    fn higher_occasion_wins_and_isolated_systolic_is_flagged() {
        let s = home_bp_summary(&week(7, (128, 78), (142, 80)), day(25));
        assert_eq!(s.morning.class, Some(Elevated));
        assert_eq!(s.evening.class, Some(Grade1));
        assert_eq!(s.class, Some(Grade1));
        assert!(s.isolated_systolic);
        assert!(Grade1.is_hypertensive_range() && !Elevated.is_hypertensive_range());
    }

    #[test]
    fn fewer_than_five_days_is_not_classified() {
        let s = home_bp_summary(&week(4, (150, 95), (150, 95)), day(25));
        assert_eq!(s.morning.days, 4);
        assert_eq!(s.morning.mean_systolic, Some(150.0));
        assert_eq!(s.morning.class, None);
        assert_eq!(s.class, None);
        assert!(!s.isolated_systolic);
        let s = home_bp_summary(&week(5, (150, 95), (150, 95)), day(25));
        assert_eq!(s.class, Some(Grade2));
    }

    #[test]
    fn one_occasion_short_other_sufficient() {
        let mut r = week(6, (120, 70), (120, 70));
        r.retain(|o| o.context == BpContext::Morning || o.local_date >= day(23)); // 3 evenings only
        r.push(obs(25, BpContext::Evening, 170, 105));
        let s = home_bp_summary(&r, day(25));
        assert_eq!(s.evening.days, 3);
        assert_eq!(s.evening.class, None);
        assert_eq!(s.class, Some(HighNormal));
    }

    #[test]
    fn per_day_mean_before_mean_over_days() {
        // Day 25 has readings 140 and 120 (mean 130); days 21–24 have 110. Per-day first:
        // (130 + 4×110) / 5 = 114. A flat mean over readings would give 115.
        let mut r: Vec<_> = (21..=24).map(|d| obs(d, BpContext::Morning, 110, 70)).collect();
        r.push(obs(25, BpContext::Morning, 140, 70));
        r.push(obs(25, BpContext::Morning, 120, 70));
        let s = home_bp_summary(&r, day(25));
        assert_eq!(s.morning.readings, 6);
        assert_eq!(s.morning.mean_systolic, Some(114.0));
        assert_eq!(s.morning.class, Some(Normal));
    }

    #[test]
    fn window_and_other_context_are_respected() {
        let mut r = week(7, (120, 70), (120, 70));
        r.push(obs(18, BpContext::Morning, 200, 120)); // 8 days before: outside
        r.push(obs(24, BpContext::Other, 200, 120)); // not a morning/evening reading
        let s = home_bp_summary(&r, day(25));
        assert_eq!(s.period_start, day(19));
        assert_eq!(s.morning.mean_systolic, Some(120.0));
        assert_eq!(s.morning.readings, 7);
    }
}
