//! Numbers as the screens show them, rounded by one set of rules so that both apps and the CLI
//! print the same digits. Japanese and English, the two languages the apps speak, both group
//! thousands with "," and use "." for decimals, so the text needs no locale.
//!
//! - A reading is shown exactly as measured (`exact`): 60.25 kg stays 60.25.
//! - A mean of blood pressure or pulse is shown in whole units (`mean_whole`), as home-BP
//!   guidance (JSH2019) states its thresholds in whole mmHg.
//! - A mean of weight or temperature keeps one decimal (`mean_one_decimal`); of glucose or steps
//!   none.

use super::{Milli, VitalKind};

/// A measured quantity as measured: no trailing zeros, thousands grouped.
pub fn exact(value: Milli) -> String {
    let t = value.thousandths();
    let whole = grouped(t.div_euclid(Milli::SCALE));
    let frac = t.rem_euclid(Milli::SCALE);
    if frac == 0 {
        return whole;
    }
    let digits = format!("{frac:03}");
    format!("{whole}.{}", digits.trim_end_matches('0'))
}

/// A count: 8,000 steps, 1,234 records.
pub fn count(value: u64) -> String {
    grouped(i64::try_from(value).unwrap_or(i64::MAX))
}

/// A mean (or other computed value) of readings of `kind`, rounded by that kind's rule.
pub fn mean(kind: VitalKind, value: f64) -> String {
    match kind {
        VitalKind::Weight | VitalKind::Temperature => rounded(value, 1),
        VitalKind::BloodPressure | VitalKind::Glucose | VitalKind::Steps => rounded(value, 0),
    }
}

/// A mean of blood pressure or pulse.
pub fn mean_whole(value: f64) -> String {
    rounded(value, 0)
}

/// `value` rounded half away from zero to `decimals` (0 or 1), trailing ".0" kept off.
fn rounded(value: f64, decimals: u32) -> String {
    if !value.is_finite() {
        return "–".to_owned();
    }
    let scale = 10_f64.powi(decimals as i32);
    // Thousandths first, so that 36.65 (stored exactly as 36650 thousandths, but 36.649999… as a
    // float) rounds up as a person rounding on paper would.
    let thousandths = (value * 1000.0).round();
    let scaled = (thousandths / 1000.0 * scale).round();
    let as_int = scaled as i64;
    let unit = 10_i64.pow(decimals);
    let whole = grouped(as_int.div_euclid(unit));
    let frac = as_int.rem_euclid(unit);
    if decimals == 0 || frac == 0 { whole } else { format!("{whole}.{frac}") }
}

/// A wait as a person is told it: whole seconds up to two minutes, whole minutes after that,
/// rounded up so that nobody tries again too early.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wait {
    pub unit: WaitUnit,
    pub count: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaitUnit {
    Seconds,
    Minutes,
}

impl Wait {
    pub fn of_seconds(secs: u64) -> Self {
        if secs < 120 {
            Self { unit: WaitUnit::Seconds, count: secs }
        } else {
            Self { unit: WaitUnit::Minutes, count: secs.div_ceil(60) }
        }
    }
}

impl std::fmt::Display for Wait {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.unit {
            WaitUnit::Seconds => write!(f, "{} seconds", self.count),
            WaitUnit::Minutes => write!(f, "{} minutes", self.count),
        }
    }
}

fn grouped(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wait_is_told_in_seconds_up_to_two_minutes_then_in_minutes_rounded_up() {
        let told = |secs| {
            let w = Wait::of_seconds(secs);
            (w.unit, w.count)
        };
        assert_eq!(told(45), (WaitUnit::Seconds, 45));
        assert_eq!(told(119), (WaitUnit::Seconds, 119));
        assert_eq!(told(120), (WaitUnit::Minutes, 2));
        assert_eq!(told(121), (WaitUnit::Minutes, 3), "never too early");
        assert_eq!(told(900), (WaitUnit::Minutes, 15));
        assert_eq!(told(u64::MAX).0, WaitUnit::Minutes);
        assert_eq!(Wait::of_seconds(840).to_string(), "14 minutes");
    }

    #[test]
    fn readings_are_shown_as_measured() {
        assert_eq!(exact(Milli::parse("60.250").unwrap()), "60.25");
        assert_eq!(exact(Milli::parse("36.6").unwrap()), "36.6");
        assert_eq!(exact(Milli::parse("104").unwrap()), "104");
        assert_eq!(exact(Milli::parse("12000.5").unwrap()), "12,000.5");
        assert_eq!(count(8000), "8,000");
        assert_eq!(count(999), "999");
        assert_eq!(count(1_234_567), "1,234,567");
    }

    #[test]
    fn means_follow_the_kind_rule() {
        assert_eq!(mean_whole(134.5), "135");
        assert_eq!(mean_whole(84.49), "84");
        assert_eq!(mean(VitalKind::Weight, 60.25), "60.3");
        assert_eq!(mean(VitalKind::Weight, 60.04), "60");
        assert_eq!(mean(VitalKind::Temperature, 36.65), "36.7", "rounds as on paper, not as the float");
        assert_eq!(mean(VitalKind::Steps, 8_123.5), "8,124");
        assert_eq!(mean(VitalKind::Glucose, 99.5), "100");
        assert_eq!(mean(VitalKind::Weight, f64::NAN), "–");
    }
}
