//! A whole run: residents and a pharmacy written into the store, devices signed in, sessions
//! until the run stops, queues drained, a last pull everywhere, the check, and the report.

use crate::load::device::{Shared, SimDevice};
use crate::load::stats::{Stats, lat_json, lat_text, ms, pct};
use crate::load::verify::{Verdict, verify};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::{Duration, Instant};
use techo_server::storage::Storage;

pub const PASSWORD: &str = "correct horse battery";

/// Who takes part in a run.
#[derive(Debug, Clone)]
pub struct Plan {
    pub devices: usize,
    pub devices_per_patient: usize,
    pub pharmacy: bool,
    pub seed: u64,
    /// Each device sends a replica id of its own, as the apps do, so the server leaves its
    /// own latest writes out of its pulls; off, it pushes and pulls as an app from before them.
    pub replicas: bool,
}

pub struct Seeded {
    pub patients: Vec<String>,
    /// (institution code, credential).
    pub pharmacy: Option<(String, String)>,
}

/// Registers the run's residents (one Argon2id hash computed once and shared, so setup costs
/// inserts only) and a pharmacy, with codes of this run's own so a reused database never mixes
/// runs.
pub fn seed_store(storage: &dyn Storage, plan: &Plan) -> Result<Seeded, String> {
    let tag = plan.seed % 0xff_ffff;
    let patients_n = plan.devices.div_ceil(plan.devices_per_patient.max(1));
    let phc = techo_server::auth::hash_password(PASSWORD).map_err(|_| "hash_password failed".to_owned())?;
    let mut patients = Vec::with_capacity(patients_n);
    for i in 0..patients_n {
        let hm = format!("L{tag:06x}{i:05}").to_uppercase();
        let issued = techo_server::add_resident(storage, &hm, "Load Resident", "1950-01-01", Duration::from_secs(3600))
            .map_err(|e| format!("resident {hm}: {e} (use a fresh database or another --seed)"))?;
        let hash = techo_server::storage::sha256_hex(
            techo_server::auth::normalise_activation_code(&issued.activation_code).as_bytes(),
        );
        storage.activate(&hm, &hash, &phc, chrono::Utc::now().timestamp_millis()).map_err(|e| e.to_string())?;
        patients.push(hm);
    }
    let pharmacy = if plan.pharmacy {
        let code = format!("9{:09}", plan.seed % 1_000_000_000);
        let credential = techo_server::pharmacy::add_institution(storage, &code, "ロード薬局")?;
        Some((code, credential))
    } else {
        None
    };
    Ok(Seeded { patients, pharmacy })
}

/// The run's devices, `devices_per_patient` per patient, each with a seed of its own.
pub fn make_devices(plan: &Plan, seeded: &Seeded) -> Result<Vec<SimDevice>, String> {
    (0..plan.devices)
        .map(|i| {
            let hm = &seeded.patients[i / plan.devices_per_patient.max(1)];
            let seed = plan.seed ^ (i as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15);
            let replica = plan.replicas.then(|| uuid::Uuid::now_v7().simple().to_string());
            SimDevice::new(hm, uuid::Uuid::now_v7().to_string(), i, seed, replica)
        })
        .collect()
}

/// Signs every device in, `concurrency` at a time (each is an Argon2id verification).
pub async fn sign_in_all(sh: &Arc<Shared>, devs: Vec<SimDevice>, concurrency: usize) -> Result<Vec<SimDevice>, String> {
    let sem = Arc::new(tokio::sync::Semaphore::new(concurrency.max(1)));
    let mut set = tokio::task::JoinSet::new();
    for (i, mut d) in devs.into_iter().enumerate() {
        let (sh, sem) = (sh.clone(), sem.clone());
        set.spawn(async move {
            let _permit = sem.acquire_owned().await.map_err(|e| e.to_string())?;
            if d.sign_in(&sh).await { Ok((i, d)) } else { Err(format!("device {i} could not sign in")) }
        });
    }
    let mut out = Vec::new();
    while let Some(r) = set.join_next().await {
        out.push(r.map_err(|e| e.to_string())??);
    }
    out.sort_by_key(|(i, _)| *i);
    Ok(out.into_iter().map(|(_, d)| d).collect())
}

/// Runs every device until `sh.stop` is set and its queue is drained; returns them and when
/// they started.
pub async fn drive(sh: &Arc<Shared>, devs: Vec<SimDevice>) -> Result<(Vec<SimDevice>, Instant), String> {
    let start = Instant::now() + Duration::from_millis(50);
    let mut set = tokio::task::JoinSet::new();
    for d in devs {
        set.spawn(d.run(sh.clone(), start));
    }
    let mut out = Vec::new();
    while let Some(r) = set.join_next().await {
        out.push(r.map_err(|e| format!("a device task failed: {e}"))?);
    }
    Ok((out, start))
}

/// A last push and pull on every device once all have finished, so each has seen what the
/// others wrote after its own last pull.
pub async fn settle(sh: &Arc<Shared>, devs: Vec<SimDevice>) -> Result<Vec<SimDevice>, String> {
    let mut set = tokio::task::JoinSet::new();
    for (i, d) in devs.into_iter().enumerate() {
        let sh = sh.clone();
        set.spawn(async move { (i, d.final_pull(sh).await) });
    }
    let mut out = Vec::new();
    while let Some(r) = set.join_next().await {
        out.push(r.map_err(|e| format!("a device task failed: {e}"))?);
    }
    out.sort_by_key(|(i, _)| *i);
    Ok(out.into_iter().map(|(_, d)| d).collect())
}

/// What a run measured, from the devices' own counters.
pub struct Outcome {
    /// The measured window (from the start to the last device's last session in it).
    pub window: Stats,
    pub window_s: f64,
    /// Draining the queues after the window, the last pulls and the check.
    pub after: Stats,
    pub verdict: Verdict,
    pub sessions: u64,
}

pub async fn finish(sh: &Arc<Shared>, devs: Vec<SimDevice>, start: Instant) -> Result<Outcome, String> {
    let mut devs = settle(sh, devs).await?;
    let verdict = verify(sh, &mut devs).await;
    let end = devs.iter().filter_map(|d| d.window_end).max().unwrap_or_else(Instant::now);
    let mut window = Stats::default();
    let mut after = Stats::default();
    let mut sessions = 0;
    for d in devs {
        sessions += u64::from(d.sessions);
        window.merge(d.stats);
        after.merge(d.drain_stats);
    }
    window.sort();
    after.sort();
    Ok(Outcome {
        window,
        window_s: end.saturating_duration_since(start).as_secs_f64().max(1e-9),
        after,
        verdict,
        sessions,
    })
}

impl Outcome {
    pub fn mutations_per_s(&self) -> f64 {
        self.window.acknowledged as f64 / self.window_s
    }

    pub fn records_per_s(&self) -> f64 {
        self.window.pulled as f64 / self.window_s
    }

    pub fn p99_push_ms(&self) -> f64 {
        ms(pct(self.window.latencies("push"), 0.99))
    }

    /// Per operation: count, throughput, latencies, errors; then the overall figures.
    pub fn text(&self) -> String {
        let mut s = String::new();
        s.push_str(&format!(
            "window {:.2} s, {} sync sessions; per operation (successful requests; failed ones by kind):\n",
            self.window_s, self.sessions
        ));
        for (name, op) in &self.window.ops {
            s.push_str(&format!(
                "  {name:<16} {:>8} ({:>8.1}/s)  {}{}\n",
                op.lat_us.len(),
                op.lat_us.len() as f64 / self.window_s,
                lat_text(&op.lat_us),
                if op.errors.is_empty() { String::new() } else { format!("  errors {:?}", op.errors) }
            ));
        }
        s.push_str(&format!(
            "  pushed {} mutations => {:.0} mutations/s; pulled {} records => {:.0} records/s; p99 push {:.1} ms\n",
            self.window.acknowledged,
            self.mutations_per_s(),
            self.window.pulled,
            self.records_per_s(),
            self.p99_push_ms()
        ));
        s.push_str(&format!(
            "  conflicts {} (two devices saving one document), pull resets {}, rejected {:?}\n",
            self.window.conflicts + self.after.conflicts,
            self.window.resets + self.after.resets,
            merged(&self.window.rejected, &self.after.rejected)
        ));
        s.push_str(&format!(
            "  after the window (drain, last pulls, check): {} mutations, {} records pulled, errors {}\n",
            self.after.acknowledged,
            self.after.pulled,
            self.after.errors()
        ));
        s.push_str(&format!("check: {}\n", self.verdict.text()));
        for e in &self.verdict.examples {
            s.push_str(&format!("  {e}\n"));
        }
        s
    }

    pub fn json(&self) -> Value {
        let ops: serde_json::Map<String, Value> = self
            .window
            .ops
            .iter()
            .map(|(name, op)| {
                let mut l = lat_json(&op.lat_us);
                l["per_s"] = json!(op.lat_us.len() as f64 / self.window_s);
                l["errors"] = json!(op.errors);
                ((*name).to_owned(), l)
            })
            .collect();
        json!({
            "window_s": self.window_s,
            "sessions": self.sessions,
            "ops": ops,
            "pushed_mutations": self.window.acknowledged,
            "mutations_per_s": self.mutations_per_s(),
            "pulled_records": self.window.pulled,
            "records_per_s": self.records_per_s(),
            "p99_push_ms": self.p99_push_ms(),
            "conflicts": self.window.conflicts + self.after.conflicts,
            "resets": self.window.resets + self.after.resets,
            "rejected": merged(&self.window.rejected, &self.after.rejected),
            "after_window": { "acknowledged": self.after.acknowledged, "pulled": self.after.pulled,
                              "errors": self.after.errors() },
            "verify": self.verdict.json(),
        })
    }

    /// Everything held up and nothing rejected.
    pub fn ok(&self) -> bool {
        self.verdict.ok() && self.window.rejected.is_empty() && self.after.rejected.is_empty()
    }
}

fn merged(
    a: &std::collections::BTreeMap<String, u64>,
    b: &std::collections::BTreeMap<String, u64>,
) -> std::collections::BTreeMap<String, u64> {
    let mut out = a.clone();
    for (k, v) in b {
        *out.entry(k.clone()).or_default() += v;
    }
    out
}
