//! Latencies and error counts per operation, and the percentiles both load programs print
//! (`sync_bench` and `load`).

use serde_json::{Value, json};
use std::collections::BTreeMap;

/// The `q` quantile of sorted samples (nearest rank); 0 when there are none.
pub fn pct(sorted: &[u64], q: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

/// Microseconds as milliseconds.
pub fn ms(us: u64) -> f64 {
    us as f64 / 1000.0
}

pub fn lat_json(sorted: &[u64]) -> Value {
    json!({
        "count": sorted.len(),
        "p50_ms": ms(pct(sorted, 0.50)),
        "p90_ms": ms(pct(sorted, 0.90)),
        "p99_ms": ms(pct(sorted, 0.99)),
        "max_ms": ms(sorted.last().copied().unwrap_or(0)),
        "mean_ms": if sorted.is_empty() { 0.0 } else { sorted.iter().sum::<u64>() as f64 / sorted.len() as f64 / 1000.0 },
    })
}

pub fn lat_text(sorted: &[u64]) -> String {
    format!(
        "p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, max {:.1} ms (n={})",
        ms(pct(sorted, 0.50)),
        ms(pct(sorted, 0.90)),
        ms(pct(sorted, 0.99)),
        ms(sorted.last().copied().unwrap_or(0)),
        sorted.len()
    )
}

/// What kind of transport failure a request met, without anything from the request itself.
pub fn http_err(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timeout".into()
    } else if e.is_connect() {
        "connect".into()
    } else if e.is_body() || e.is_decode() {
        "body".into()
    } else {
        "network".into()
    }
}

/// One operation's successful requests (latency each) and failed ones (by kind).
#[derive(Debug, Default, Clone)]
pub struct OpStats {
    pub lat_us: Vec<u64>,
    pub errors: BTreeMap<String, u64>,
}

/// Every operation of a run, by name (`push`, `pull`, `upload chunk`…), plus the volume counters
/// the overall figures are made of.
#[derive(Debug, Default, Clone)]
pub struct Stats {
    pub ops: BTreeMap<&'static str, OpStats>,
    /// Mutations the server answered `applied` or `duplicate` for.
    pub acknowledged: u64,
    /// Changes received by pulls.
    pub pulled: u64,
    /// Answers `rejected`, by error code: the generator sends only valid data, so any is a finding.
    pub rejected: BTreeMap<String, u64>,
    /// Updates answered `conflict` (two devices of one patient editing the same document).
    pub conflicts: u64,
    /// Pull answers asking to download everything again.
    pub resets: u64,
}

impl Stats {
    pub fn ok(&mut self, op: &'static str, us: u64) {
        self.ops.entry(op).or_default().lat_us.push(us);
    }

    pub fn failed(&mut self, op: &'static str, kind: impl Into<String>) {
        *self.ops.entry(op).or_default().errors.entry(kind.into()).or_default() += 1;
    }

    pub fn merge(&mut self, o: Stats) {
        for (name, s) in o.ops {
            let mine = self.ops.entry(name).or_default();
            mine.lat_us.extend(s.lat_us);
            for (k, v) in s.errors {
                *mine.errors.entry(k).or_default() += v;
            }
        }
        self.acknowledged += o.acknowledged;
        self.pulled += o.pulled;
        for (k, v) in o.rejected {
            *self.rejected.entry(k).or_default() += v;
        }
        self.conflicts += o.conflicts;
        self.resets += o.resets;
    }

    pub fn sort(&mut self) {
        for s in self.ops.values_mut() {
            s.lat_us.sort_unstable();
        }
    }

    pub fn errors(&self) -> u64 {
        self.ops.values().flat_map(|s| s.errors.values()).sum()
    }

    /// Sorted latencies of one operation (empty when it never succeeded).
    pub fn latencies(&self, op: &str) -> &[u64] {
        self.ops.get(op).map_or(&[], |s| &s.lat_us)
    }
}
