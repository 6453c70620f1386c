//! What a benchmark records for the report: one figure per line of the table.
//!
//! A bench builds a [`Figure`] from the medians it already prints and calls [`Figure::record`].
//! The line goes to the file `TECHO_BENCH_REPORT` names, so the report command can run every
//! bench as its own process (each `cargo bench` target is one) and still print one table; plain
//! `cargo bench` without the variable records nothing and prints as before.

mod table;

pub use table::{Row, render};

use serde_json::{Value, json};
use std::io::Write;

/// The variable naming the file figures are appended to.
pub const REPORT_ENV: &str = "TECHO_BENCH_REPORT";

/// One target a figure is held to.
#[derive(Debug, Clone, PartialEq)]
enum Target {
    AtMost(f64),
    AtLeast(f64),
    RatioAtMost(f64),
}

/// A measured value, the baseline measured beside it in the same run, and what it must reach.
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    bench: String,
    name: String,
    ours: f64,
    unit: String,
    baseline: Option<(String, f64)>,
    targets: Vec<Target>,
    note: Option<String>,
}

impl Figure {
    pub fn new(bench: &str, name: &str, ours: f64, unit: &str) -> Self {
        Self {
            bench: bench.into(),
            name: name.into(),
            ours,
            unit: unit.into(),
            baseline: None,
            targets: Vec::new(),
            note: None,
        }
    }

    /// The same quantity measured for the baseline (in the same unit); the ratio is ours / theirs.
    pub fn against(mut self, baseline: &str, value: f64) -> Self {
        self.baseline = Some((baseline.into(), value));
        self
    }

    /// Met when our value is at most `limit` (in the figure's unit).
    pub fn at_most(mut self, limit: f64) -> Self {
        self.targets.push(Target::AtMost(limit));
        self
    }

    /// Met when our value is at least `limit`.
    pub fn at_least(mut self, limit: f64) -> Self {
        self.targets.push(Target::AtLeast(limit));
        self
    }

    /// Met when ours / the baseline is at most `limit`.
    pub fn ratio_at_most(mut self, limit: f64) -> Self {
        self.targets.push(Target::RatioAtMost(limit));
        self
    }

    /// A few words the table shows beside the figure (sample size, conditions).
    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.note = Some(note.into());
        self
    }

    pub fn ratio(&self) -> Option<f64> {
        self.baseline.as_ref().filter(|(_, b)| *b != 0.0).map(|(_, b)| self.ours / b)
    }

    /// Every target met; `None` when the figure has none (it is shown for context).
    pub fn met(&self) -> Option<bool> {
        if self.targets.is_empty() {
            return None;
        }
        Some(self.targets.iter().all(|t| match *t {
            Target::AtMost(limit) => self.ours <= limit,
            Target::AtLeast(limit) => self.ours >= limit,
            // A missing baseline cannot meet a ratio target.
            Target::RatioAtMost(limit) => self.ratio().is_some_and(|r| r <= limit),
        }))
    }

    fn target_text(&self) -> String {
        let texts: Vec<String> = self
            .targets
            .iter()
            .map(|t| match *t {
                Target::AtMost(limit) => format!("≤ {} {}", number(limit), self.unit).trim_end().to_string(),
                Target::AtLeast(limit) => format!("≥ {} {}", number(limit), self.unit).trim_end().to_string(),
                Target::RatioAtMost(limit) => format!("≤ {}×", number(limit)),
            })
            .collect();
        texts.join(", ")
    }

    pub fn to_json(&self) -> Value {
        json!({
            "bench": self.bench,
            "figure": self.name,
            "ours": self.ours,
            "unit": self.unit,
            "baseline": self.baseline.as_ref().map(|(name, _)| name),
            "baseline_value": self.baseline.as_ref().map(|(_, v)| v),
            "ratio": self.ratio(),
            "target": self.target_text(),
            "met": self.met(),
            "note": self.note,
        })
    }

    /// Appends this figure to the report file, if one is being written. A bench that cannot
    /// write it says so on stderr and goes on: the report then shows the bench without it.
    pub fn record(&self) {
        let Some(path) = std::env::var_os(REPORT_ENV) else { return };
        // One write of one line per figure, in append mode: benches that run child processes
        // cannot interleave half lines.
        let line = format!("{}\n", self.to_json());
        let written = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .and_then(|mut f| f.write_all(line.as_bytes()));
        if let Err(e) = written {
            eprintln!("could not record {} / {} in the bench report: {e}", self.bench, self.name);
        }
    }
}

/// Shortest plain form: 1.3, 5000, 0.5.
fn number(v: f64) -> String {
    let s = format!("{v:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// The figures in a report file's lines; a line that is not a figure is skipped (a bench's
/// own output never goes there, but a half-written file must still print).
pub fn read_figures(text: &str) -> Vec<Value> {
    text.lines().filter_map(|l| serde_json::from_str::<Value>(l).ok()).filter(|v| v.get("bench").is_some()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ratio_target_is_met_only_with_a_baseline_under_it() {
        let f = Figure::new("ratios", "record_vital", 130.0, "µs").against("bare insert", 100.0).ratio_at_most(1.3);
        assert_eq!(f.ratio(), Some(1.3));
        assert_eq!(f.met(), Some(true));
        let over = Figure::new("ratios", "record_vital", 131.0, "µs").against("bare insert", 100.0).ratio_at_most(1.3);
        assert_eq!(over.met(), Some(false));
        let alone = Figure::new("ratios", "record_vital", 1.0, "µs").ratio_at_most(1.3);
        assert_eq!(alone.met(), Some(false), "no baseline, no ratio, not met");
    }

    #[test]
    fn every_target_must_be_met_and_a_figure_without_targets_is_context() {
        let both = Figure::new("ratios", "chart", 4.0, "ms").against("raw", 2.0).at_most(5.0).ratio_at_most(1.5);
        assert_eq!(both.met(), Some(false), "under 5 ms but 2.0× the baseline");
        assert_eq!(both.to_json()["target"], "≤ 5 ms, ≤ 1.5×");
        assert_eq!(Figure::new("sync", "bytes", 10.0, "B").met(), None);
        let floor = Figure::new("load", "pushed", 6000.0, "mutations/s").at_least(5000.0);
        assert_eq!(floor.met(), Some(true));
    }

    #[test]
    fn recorded_lines_read_back_and_stray_lines_are_skipped() {
        let dir = std::env::temp_dir().join(format!("bench-report-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("figures.jsonl");
        let f = Figure::new("photo", "time", 152.0, "ms").against("Pillow", 379.0).ratio_at_most(0.5).note("n=11");
        let line = f.to_json().to_string();
        std::fs::write(&file, format!("{line}\nnot json\n{{\"other\": 1}}\n{line}\n")).unwrap();
        let back = read_figures(&std::fs::read_to_string(&file).unwrap());
        assert_eq!(back.len(), 2);
        assert_eq!(back[0]["baseline"], "Pillow");
        assert_eq!(back[0]["met"], true);
        assert_eq!(back[0]["note"], "n=11");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
