//! A terminal chart: one row per bucket, each reading range drawn as ├──●──┤ (min, mean, max) on
//! a shared axis. Blood pressure shows diastolic and systolic ranges on the same row.

use crate::format;
use techo_core::domain::{Bucket, SeriesPoint, Stats, VitalKind};

const WIDTH: usize = 50;

pub fn render(kind: VitalKind, bucket: Bucket, points: &[SeriesPoint]) -> String {
    let title = format!(
        "{} ({}) · {}",
        capitalised(format::kind_label(kind)),
        format::unit_label(kind),
        match bucket {
            Bucket::Day => "daily",
            Bucket::Week => "weekly",
            Bucket::Month => "monthly",
        }
    );
    if points.is_empty() {
        return format!("{title}\n  (no readings in this period)\n");
    }
    let ranges: Vec<&Stats> =
        points.iter().flat_map(|p| std::iter::once(&p.value).chain(p.diastolic.as_ref())).collect();
    let lo = ranges.iter().map(|s| s.min).fold(f64::INFINITY, f64::min);
    let hi = ranges.iter().map(|s| s.max).fold(f64::NEG_INFINITY, f64::max);
    let axis = Axis::new(lo, hi);

    let label_width = 10;
    let mut out = format!("{title}\n");
    out.push_str(&format!("{:label_width$}  {}\n", "", axis.tick_labels()));
    for p in points {
        let mut row = vec![' '; WIDTH];
        if let Some(d) = &p.diastolic {
            axis.draw(&mut row, d);
        }
        axis.draw(&mut row, &p.value);
        let legend = match (&p.diastolic, kind) {
            (Some(d), VitalKind::BloodPressure) => {
                format!("{}/{}", format::mean(kind, p.value.mean), format::mean(kind, d.mean))
            }
            _ => format::mean(kind, p.value.mean),
        };
        let label = match bucket {
            Bucket::Day => p.start.format("%m-%d %a").to_string(),
            Bucket::Week => p.start.format("%m-%d wk").to_string(),
            Bucket::Month => p.start.format("%Y-%m").to_string(),
        };
        out.push_str(&format!(
            "{label:label_width$}  {}  {legend:>7}  n={}\n",
            row.iter().collect::<String>(),
            p.value.count
        ));
    }
    out.push_str(&format!("{:label_width$}  ├─●─┤ = lowest, mean, highest in the period\n", ""));
    out
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

struct Axis {
    lo: f64,
    hi: f64,
    step: f64,
}

impl Axis {
    /// Widens [lo, hi] to round numbers with about five ticks.
    fn new(lo: f64, hi: f64) -> Self {
        let span = (hi - lo).max(1e-9);
        let raw = span / 4.0;
        let mag = 10f64.powf(raw.log10().floor());
        let step = [1.0, 2.0, 5.0, 10.0].iter().map(|m| m * mag).find(|s| *s >= raw).unwrap_or(10.0 * mag);
        let lo = (lo / step).floor() * step;
        let mut hi = (hi / step).ceil() * step;
        if hi <= lo {
            hi = lo + step;
        }
        Self { lo, hi, step }
    }

    fn col(&self, v: f64) -> usize {
        let f = (v - self.lo) / (self.hi - self.lo);
        ((f * (WIDTH - 1) as f64).round() as isize).clamp(0, WIDTH as isize - 1) as usize
    }

    fn draw(&self, row: &mut [char], s: &Stats) {
        let (a, m, b) = (self.col(s.min), self.col(s.mean), self.col(s.max));
        for c in row.iter_mut().take(b + 1).skip(a) {
            *c = '─';
        }
        if a != b {
            row[a] = '├';
            row[b] = '┤';
        }
        row[m] = '●';
    }

    fn tick_labels(&self) -> String {
        let mut line = vec![' '; WIDTH + 8];
        let mut v = self.lo;
        let mut last_end = 0;
        while v <= self.hi + self.step / 2.0 {
            let text = if self.step < 1.0 { format!("{v:.1}") } else { format!("{v:.0}") };
            let start = self.col(v).saturating_sub(text.len() / 2);
            if start >= last_end && start + text.len() <= line.len() {
                for (i, ch) in text.chars().enumerate() {
                    line[start + i] = ch;
                }
                last_end = start + text.len() + 1;
            }
            v += self.step;
        }
        line.iter().collect::<String>().trim_end().to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn stats(min: f64, mean: f64, max: f64) -> Stats {
        Stats { count: 2, min, max, mean, sum: mean * 2.0 }
    }

    #[test]
    fn blood_pressure_rows_show_both_ranges_and_means() {
        let p = SeriesPoint {
            start: NaiveDate::from_ymd_opt(2026, 11, 19).unwrap(),
            value: stats(122.0, 130.0, 138.0),
            diastolic: Some(stats(72.0, 76.0, 80.0)),
            pulse: None,
        };
        let text = render(VitalKind::BloodPressure, Bucket::Day, &[p]);
        assert!(text.starts_with("Blood pressure (mmHg) · daily\n"), "{text}");
        let row = text.lines().nth(2).unwrap();
        assert!(row.starts_with("11-19 Thu"), "{row}");
        assert_eq!(row.matches('●').count(), 2, "{row}");
        assert!(row.contains("130/76") && row.contains("n=2"), "{row}");
    }

    #[test]
    fn empty_and_flat_series() {
        assert!(render(VitalKind::Weight, Bucket::Week, &[]).contains("no readings"));
        let p = SeriesPoint {
            start: NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
            value: stats(61.2, 61.2, 61.2),
            diastolic: None,
            pulse: None,
        };
        let text = render(VitalKind::Weight, Bucket::Month, &[p]);
        assert!(text.contains("2026-11") && text.contains("61.2"), "{text}");
    }
}
