//! Sync performance bench: a real sync server (axum + SQLite, `synchronous=FULL`, one writer) in
//! this process on 127.0.0.1, real core devices, and an HTTP load generator.
//!
//! ```text
//! cargo run --release -p techo-tests --bin sync_bench -- [--devices 200] [--seconds 10] [--records 10000] [--json]
//! ```
//!
//! Progress goes to stderr; the report (or, with `--json`, one JSON document) to stdout. All
//! traffic stays on loopback; every loop is bounded in count and in time.
//!
//! What the numbers mean:
//!
//! 1. **Initial sync.** Device A records `--records` blood-pressure readings (`record_vitals`,
//!    500 per transaction) and syncs with the shipped `EngineConfig` (200 mutations per push, 500
//!    changes per pull page). "push phase" is from the start of A's sync to its first pull request;
//!    "A pull-back" is the rest of A's sync: the server leaves A's own writes out of A's pulls
//!    (one request with nothing in it; twenty with every record before). A fresh device B logs in and runs one
//!    sync: wall seconds, HTTP requests, bytes, records/s. "bytes (body)" is what the client's
//!    `traffic` counters see (request and response bodies); a third fresh device C repeats B's
//!    download through a counting TCP relay to get the bytes really on the wire (HTTP headers
//!    included) and whether requests carried `Accept-Encoding` and responses `Content-Encoding`.
//!    A probe then requests the same pages with and without `Accept-Encoding: gzip` to show what
//!    compression would save. "A per push" is the time from one push request to the next (request,
//!    applying the answer locally, reading the next batch) at the start and at the end of the
//!    upload: if it shrinks as the outbox drains, the client's per-push cost grows with outbox size.
//! 2. **No-op sync.** B syncs again right after (its access token is already held, so no refresh
//!    happens): requests and bytes. Target: 1 request, at most 1 KB.
//! 3. **Server load.** `--devices` simulated devices, one resident each, are logged in once over
//!    HTTP before any window (Argon2id; not measured), then run as async tasks on a separate
//!    2-thread runtime sharing one `reqwest::Client`:
//!    - *baseline*: one device alone, sequential pushes of 1, 50 and 200 mutations (per-commit cost
//!      without queueing; 200 is the client's batch size, to compare with "A per push");
//!    - *saturation*: for `--seconds`, every device pushes back to back (closed loop, no think
//!      time) batches of `--batch-min..=--batch-max` vital creates, with an incremental pull after
//!      every `--pull-every`-th push. Gives pushed mutations/s, and p50/p99 push latency (one
//!      request, wall clock, send to parsed answer). In a closed loop latency is about
//!      devices / (pushes per second), so this p99 measures queueing at saturation;
//!    - *paced*: the same devices offer `--target-rate` mutations/s in total at fixed intervals
//!      (open loop); latency is from the scheduled send time, so falling behind is counted;
//!    - *pull-heavy*: each patient is first topped up to `--pull-history` records (not measured),
//!      then for `--seconds` every device downloads its patient's full history again and again
//!      (pages of `--pull-limit`). Gives pulled records/s and p50/p99 per pull request.
//!
//!    CPU is the process's user+system time during the window, split into load generator threads
//!    and the rest (server, SQLite, harness). Client and server share the 2 cores, so every number
//!    here is lower than a dedicated server would give. "fsync" times a 4 KiB append + fdatasync
//!    in the server's data directory: SQLite in WAL mode with synchronous=FULL syncs the WAL once
//!    per commit, and every push is one commit, so 1/fsync bounds pushes per second.
//!
//! Targets: >= 5,000 mutations/s, >= 50,000 pulled records/s, p99 push <= 50 ms at 200 devices.

use clap::Parser;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use reqwest::header::{ACCEPT_ENCODING, CONTENT_TYPE};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use techo_bench_report::Figure;
use techo_core::domain::{BpContext, HmCode, NewVital, Source, Vital, VitalValue};
use techo_core::sync::client::{SyncObserver, Traffic};
use techo_core::sync::{EngineConfig, SyncOutcome, SyncPhase, SyncProgress, SyncReport};
use techo_domain::vitals_wire::encode_vital;
use techo_protocol::auth::{LoginRequest, Tokens};
use techo_protocol::sync::{Mutation, MutationStatus, PullResponse, PushRequest, PushResponse};
use techo_protocol::{Op, PROTOCOL_VERSION, SCHEMA_VERSION};
use techo_tests::harness::{Device, TestServer, http, rt};
use techo_tests::load::stats::{http_err, lat_json, lat_text, ms, pct};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use uuid::Uuid;

type Res<T> = Result<T, Box<dyn std::error::Error>>;

const PW: &str = "correct horse battery";
const INITIAL_HM: &str = "35000001";
/// Hard caps so no loop can run away even if the clock misbehaves.
const MAX_ITERS_PER_TASK: u32 = 1_000_000;
const MAX_PULL_PAGES: u32 = 10_000;
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
const MAX_PROXY_CONNECTIONS: u32 = 256;
const FSYNC_SAMPLES: usize = 200;
const LOADGEN_THREAD: &str = "loadgen";

/// Sync throughput and traffic of the Kenko Techo server and client (see the module docs).
#[derive(Parser, Debug)]
#[command(name = "sync_bench")]
struct Args {
    /// Simulated devices in the load phases (one resident each).
    #[arg(long, default_value_t = 200)]
    devices: usize,
    /// Length of each measured load window, in seconds.
    #[arg(long, default_value_t = 10.0)]
    seconds: f64,
    /// Readings in the initial-sync measurement.
    #[arg(long, default_value_t = 10_000)]
    records: u32,
    /// Smallest push batch in the load phases.
    #[arg(long, default_value_t = 10)]
    batch_min: usize,
    /// Largest push batch in the load phases (the server accepts at most 500).
    #[arg(long, default_value_t = 50)]
    batch_max: usize,
    /// Incremental pull after every N-th push in the push phases (0: never).
    #[arg(long, default_value_t = 5)]
    pull_every: u32,
    /// Aggregate mutations/s offered in the paced phase (0 skips the phase).
    #[arg(long, default_value_t = 5000.0)]
    target_rate: f64,
    /// Records each load patient holds before the pull-heavy phase.
    #[arg(long, default_value_t = 500)]
    pull_history: u32,
    /// Page size of the load generator's pulls (the client's default is 500).
    #[arg(long, default_value_t = 500)]
    pull_limit: u32,
    /// Logins in flight at once during setup.
    #[arg(long, default_value_t = 4)]
    login_concurrency: usize,
    /// Seed for batch sizes and schedules; random if omitted.
    #[arg(long)]
    seed: Option<u64>,
    /// Skip parts 1 and 2 (initial and no-op sync).
    #[arg(long)]
    skip_initial: bool,
    /// Skip part 3 (server load).
    #[arg(long)]
    skip_load: bool,
    /// Print one JSON document instead of the text report.
    #[arg(long)]
    json: bool,
}

impl Args {
    fn check(&self) -> Result<(), String> {
        if !(1..=2000).contains(&self.devices) {
            return Err("--devices: 1 to 2000".into());
        }
        if !(0.5..=600.0).contains(&self.seconds) {
            return Err("--seconds: 0.5 to 600".into());
        }
        if !(1..=1_000_000).contains(&self.records) {
            return Err("--records: 1 to 1,000,000".into());
        }
        if self.batch_min == 0 || self.batch_max < self.batch_min || self.batch_max > 500 {
            return Err("--batch-min/--batch-max: 1 <= min <= max <= 500".into());
        }
        if !(0.0..=1_000_000.0).contains(&self.target_rate) {
            return Err("--target-rate: 0 to 1,000,000".into());
        }
        if !(1..=2000).contains(&self.pull_limit) {
            return Err("--pull-limit: 1 to 2000".into());
        }
        if self.pull_history > 100_000 {
            return Err("--pull-history: at most 100,000".into());
        }
        if !(1..=64).contains(&self.login_concurrency) {
            return Err("--login-concurrency: 1 to 64".into());
        }
        Ok(())
    }
}

/// The text report and the JSON document, built side by side.
#[derive(Default)]
struct Report {
    text: String,
    json: serde_json::Map<String, Value>,
}

impl Report {
    fn line(&mut self, s: impl AsRef<str>) {
        self.text.push_str(s.as_ref());
        self.text.push('\n');
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    if let Err(e) = args.check() {
        eprintln!("{e}");
        return ExitCode::FAILURE;
    }
    match run(&args) {
        Ok(report) => {
            record_figures(&report.json);
            if args.json {
                match serde_json::to_string_pretty(&Value::Object(report.json)) {
                    Ok(s) => println!("{s}"),
                    Err(e) => {
                        eprintln!("report encoding failed: {e}");
                        return ExitCode::FAILURE;
                    }
                }
            } else {
                print!("{}", report.text);
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("sync_bench failed: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> Res<Report> {
    let seed = args.seed.unwrap_or_else(rand::random);
    let mut report = Report::default();
    eprintln!("sync_bench: seed {seed}; starting the server on 127.0.0.1");
    let server = TestServer::start();
    let env = environment(&server, seed, args)?;
    report.line("Kenko Techo sync bench");
    report.line(format!(
        "  {} CPUs, server data on {} ({}), release build: {}, seed {seed}",
        env["cpus"],
        env["data_fs"].as_str().unwrap_or("?"),
        env["data_device"].as_str().unwrap_or("?"),
        env["release"]
    ));
    report.line(format!(
        "  fsync context: 4 KiB append + fdatasync in the server data dir: mean {:.3} ms, p50 {:.3} ms, p99 {:.3} ms \
         => at most ~{:.0} commits/s",
        env["fsync"]["mean_ms"].as_f64().unwrap_or(0.0),
        env["fsync"]["p50_ms"].as_f64().unwrap_or(0.0),
        env["fsync"]["p99_ms"].as_f64().unwrap_or(0.0),
        env["fsync"]["max_commits_per_s"].as_f64().unwrap_or(0.0),
    ));
    report.json.insert("environment".into(), env);
    if !args.skip_initial {
        initial_and_noop(&server, args, &mut report)?;
    }
    if !args.skip_load {
        load(&server, args, seed, &mut report)?;
    }
    Ok(report)
}

// ---------------------------------------------------------------------------------------------
// Environment and fsync cost

fn environment(server: &TestServer, seed: u64, args: &Args) -> Res<Value> {
    let (fs, dev) = filesystem_of(server.dir.path());
    let fsync = fsync_probe(server.dir.path())?;
    Ok(json!({
        "cpus": std::thread::available_parallelism().map_or(0, |n| n.get()),
        "release": !cfg!(debug_assertions),
        "data_fs": fs,
        "data_device": dev,
        "seed": seed,
        "args": {
            "devices": args.devices, "seconds": args.seconds, "records": args.records,
            "batch_min": args.batch_min, "batch_max": args.batch_max, "pull_every": args.pull_every,
            "target_rate": args.target_rate, "pull_history": args.pull_history, "pull_limit": args.pull_limit,
        },
        "fsync": fsync,
    }))
}

/// Filesystem type and device of the mount holding `dir` (from /proc/mounts; "unknown" elsewhere).
fn filesystem_of(dir: &std::path::Path) -> (String, String) {
    let dir = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    let Ok(mounts) = std::fs::read_to_string("/proc/mounts") else { return ("unknown".into(), "unknown".into()) };
    let mut best: Option<(usize, String, String)> = None;
    for line in mounts.lines().take(10_000) {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() < 3 || !dir.starts_with(f[1]) {
            continue;
        }
        if best.as_ref().is_none_or(|b| f[1].len() > b.0) {
            best = Some((f[1].len(), f[2].to_owned(), f[0].to_owned()));
        }
    }
    best.map_or_else(|| ("unknown".into(), "unknown".into()), |b| (b.1, b.2))
}

fn fsync_probe(dir: &std::path::Path) -> Res<Value> {
    use std::io::Write;
    let path = dir.join("fsync-probe.bin");
    let mut f = std::fs::OpenOptions::new().create(true).append(true).open(&path)?;
    let block = [0x5au8; 4096];
    let mut us = Vec::with_capacity(FSYNC_SAMPLES);
    for _ in 0..FSYNC_SAMPLES {
        let t = Instant::now();
        f.write_all(&block)?;
        f.sync_data()?;
        us.push(t.elapsed().as_micros() as u64);
    }
    drop(f);
    std::fs::remove_file(&path)?;
    let mean = us.iter().sum::<u64>() as f64 / us.len() as f64 / 1000.0;
    us.sort_unstable();
    Ok(json!({
        "samples": FSYNC_SAMPLES,
        "mean_ms": mean,
        "p50_ms": pct(&us, 0.50) as f64 / 1000.0,
        "p99_ms": pct(&us, 0.99) as f64 / 1000.0,
        "max_commits_per_s": if mean > 0.0 { 1000.0 / mean } else { 0.0 },
    }))
}

// ---------------------------------------------------------------------------------------------
// Parts 1 and 2: initial sync of a large history to a fresh device, then a no-op sync

#[derive(Debug, Clone, Copy, Default)]
struct Snap {
    requests: u64,
    sent: u64,
    received: u64,
}

impl Snap {
    fn of(t: &Traffic) -> Self {
        Self {
            requests: t.requests.load(Relaxed),
            sent: t.bytes_sent.load(Relaxed),
            received: t.bytes_received.load(Relaxed),
        }
    }

    fn minus(self, earlier: Self) -> Self {
        Self {
            requests: self.requests - earlier.requests,
            sent: self.sent - earlier.sent,
            received: self.received - earlier.received,
        }
    }

    fn json(self) -> Value {
        json!({ "requests": self.requests, "bytes_sent": self.sent, "bytes_received": self.received })
    }
}

/// Notes the moment (and traffic so far) at which a sync run moves from pushing to pulling.
struct PhaseClock {
    traffic: Arc<Traffic>,
    first_pull: Mutex<Option<(Instant, Snap)>>,
    /// When each push request was about to be sent.
    pushes: Mutex<Vec<Instant>>,
}

impl SyncObserver for PhaseClock {
    fn on_progress(&self, p: &SyncProgress) {
        if p.phase == SyncPhase::Pushing {
            self.pushes.lock().unwrap_or_else(|e| e.into_inner()).push(Instant::now());
        }
        if p.phase == SyncPhase::Pulling {
            let mut g = self.first_pull.lock().unwrap_or_else(|e| e.into_inner());
            if g.is_none() {
                *g = Some((Instant::now(), Snap::of(&self.traffic)));
            }
        }
    }
}

struct TimedSync {
    report: SyncReport,
    wall: Duration,
    traffic: Snap,
    /// Time and traffic until the first pull request (the push phase).
    push_part: Option<(Duration, Snap)>,
    /// Time from one push request to the next (request, applying the answer, reading the next batch).
    push_gaps_ms: Vec<f64>,
}

fn timed_sync(d: &Device) -> Res<TimedSync> {
    let clock = Arc::new(PhaseClock {
        traffic: d.client.traffic.clone(),
        first_pull: Mutex::new(None),
        pushes: Mutex::new(Vec::new()),
    });
    let before = Snap::of(&d.client.traffic);
    let t = Instant::now();
    let observer: Arc<dyn SyncObserver> = clock.clone();
    let report = rt().block_on(d.client.sync_now(Some(observer)))?;
    let wall = t.elapsed();
    let after = Snap::of(&d.client.traffic);
    if report.outcome != SyncOutcome::Complete {
        return Err(format!("sync did not complete: {report:?}").into());
    }
    let push_part = clock
        .first_pull
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .map(|(at, snap)| (at.saturating_duration_since(t), snap.minus(before)));
    let mut marks = clock.pushes.lock().unwrap_or_else(|e| e.into_inner()).clone();
    if let Some((at, _)) = *clock.first_pull.lock().unwrap_or_else(|e| e.into_inner()) {
        marks.push(at);
    }
    let push_gaps_ms = marks.windows(2).map(|w| (w[1] - w[0]).as_secs_f64() * 1000.0).collect();
    Ok(TimedSync { report, wall, traffic: after.minus(before), push_part, push_gaps_ms })
}

fn bp_reading(n: u32, base: chrono::DateTime<chrono::FixedOffset>) -> NewVital {
    NewVital::new(
        VitalValue::BloodPressure {
            systolic: 100 + n % 70,
            diastolic: 60 + n % 25,
            pulse: Some(55 + n % 40),
            context: if n.is_multiple_of(2) { BpContext::Morning } else { BpContext::Evening },
        },
        base - chrono::Duration::minutes(i64::from(n) + 1),
    )
}

fn jst() -> chrono::FixedOffset {
    chrono::FixedOffset::east_opt(9 * 3600).expect("+09:00 is a valid offset")
}

fn initial_and_noop(server: &TestServer, args: &Args, report: &mut Report) -> Res<()> {
    let n = args.records;
    server.add_resident(INITIAL_HM, PW);
    let a = Device::with_config(&server.url, EngineConfig::default());
    let pa = a.login(INITIAL_HM, PW);
    eprintln!("part 1: device A records {n} readings");
    let base = chrono::Utc::now().with_timezone(&jst());
    let t = Instant::now();
    let mut next = 0u32;
    while next < n {
        let end = (next + 500).min(n);
        a.store.record_vitals(pa.id, (next..end).map(|i| bp_reading(i, base)).collect())?;
        next = end;
    }
    let record_s = t.elapsed().as_secs_f64();
    eprintln!("part 1: device A syncs {n} readings up");
    let up = timed_sync(&a)?;
    if up.report.pushed != u64::from(n) || a.store.outbox_len()? != 0 {
        return Err(format!("A pushed {} of {n}: {:?}", up.report.pushed, up.report).into());
    }
    let (push_wall, push_traffic) = up.push_part.unwrap_or((up.wall, up.traffic));
    let pullback = up.traffic.minus(push_traffic);

    eprintln!("part 1: fresh device B logs in and downloads");
    let b = Device::with_config(&server.url, EngineConfig::default());
    let pb = b.login(INITIAL_HM, PW);
    let down = timed_sync(&b)?;
    if down.report.pulled != u64::from(n) {
        return Err(format!("B pulled {} of {n}: {:?}", down.report.pulled, down.report).into());
    }
    // Part 2 right away: the access token from the login is still held, so nothing refreshes.
    let noop = timed_sync(&b)?;

    eprintln!("part 1: checking that B's view equals A's");
    let b_view = b.current_view(&pb);
    let b_count = b_view.len();
    if a.current_view(&pa) != b_view || b_count != n as usize {
        return Err(format!("B's view differs from A's ({b_count} readings on B)").into());
    }

    eprintln!("part 1: fresh device C downloads through a counting relay (wire bytes, headers)");
    let relay = WireProxy::start(server.addr)?;
    let c = Device::with_config(&relay.url, EngineConfig::default());
    c.login(INITIAL_HM, PW);
    let w0 = relay.snap();
    let c_down = timed_sync(&c)?;
    let w1 = relay.snap();
    let c_noop = timed_sync(&c)?;
    let w2 = relay.snap();
    let wire_down = w1.minus(w0);
    let wire_noop = w2.minus(w1);
    if c_down.report.pulled != u64::from(n) {
        return Err(format!("C pulled {} of {n}", c_down.report.pulled).into());
    }

    eprintln!("part 1: compression probe");
    let probe = gzip_probe(server, &relay, EngineConfig::default().pull_limit)?;
    drop(relay);

    let wall = down.wall.as_secs_f64();
    report.line("");
    report.line(format!("1. Initial sync of {n} vitals to a fresh device (loopback, shipped EngineConfig)"));
    report.line(format!("   A records {n} readings locally ({} per transaction): {record_s:.2} s", 500.min(n)));
    report.line(format!(
        "   A push phase: {:.2} s, {} requests, sent {}, received {} => {:.0} mutations/s",
        push_wall.as_secs_f64(),
        push_traffic.requests,
        bytes(push_traffic.sent),
        bytes(push_traffic.received),
        f64::from(n) / push_wall.as_secs_f64().max(1e-9)
    ));
    let gaps = &up.push_gaps_ms;
    let k = gaps.len().min(5);
    let mean = |g: &[f64]| if g.is_empty() { 0.0 } else { g.iter().sum::<f64>() / g.len() as f64 };
    let (first_ms, last_ms) = (mean(&gaps[..k]), mean(&gaps[gaps.len() - k..]));
    report.line(format!(
        "   A per push of {} (push to next push): first {k} {first_ms:.1} ms, last {k} {last_ms:.1} ms, mean {:.1} ms",
        EngineConfig::default().push_batch,
        mean(gaps)
    ));
    report.line(format!(
        "   A pull-back of its own records in the same sync: {:.2} s, {} requests, received {} ({} applied)",
        (up.wall - push_wall).as_secs_f64(),
        pullback.requests,
        bytes(pullback.received),
        up.report.pulled
    ));
    report.line(format!("   target at most 1 pull request after its own upload: {}", verdict(pullback.requests <= 1)));
    report.line(format!(
        "   B initial sync: {wall:.2} s wall, {} requests, sent {}, received {} (bodies), {:.0} records/s",
        down.traffic.requests,
        bytes(down.traffic.sent),
        bytes(down.traffic.received),
        f64::from(n) / wall.max(1e-9)
    ));
    report.line(format!(
        "   on the wire (device C via relay, headers included): up {}, down {}, {} HTTP requests, {:.2} s",
        bytes(wire_down.up),
        bytes(wire_down.down),
        wire_down.requests,
        c_down.wall.as_secs_f64()
    ));
    report.line(format!(
        "   compression: {} of {} requests sent Accept-Encoding; {} of {} responses had Content-Encoding => {}",
        wire_down.accept_encoding,
        wire_down.requests,
        wire_down.content_encoding,
        wire_down.responses,
        if wire_down.content_encoding == 0 { "responses went uncompressed" } else { "responses were compressed" }
    ));
    report.line(format!(
        "   probe, same {} pages requested directly: identity {} vs gzip {} on the wire ({:.1}x smaller; gzip responses {}/{})",
        probe.pages,
        bytes(probe.identity_down),
        bytes(probe.gzip_down),
        probe.identity_down as f64 / probe.gzip_down.max(1) as f64,
        probe.gzip_encoded,
        probe.pages
    ));

    let noop_ok = noop.traffic.requests == 1 && wire_noop.up + wire_noop.down <= 1024;
    report.line("");
    report.line("2. No-op sync right after (token held, nothing to send or receive)");
    report.line(format!(
        "   B: {} request(s), sent {}, received {} (bodies), {:.1} ms; pushed {}, pulled {}",
        noop.traffic.requests,
        bytes(noop.traffic.sent),
        bytes(noop.traffic.received),
        noop.wall.as_secs_f64() * 1000.0,
        noop.report.pushed,
        noop.report.pulled
    ));
    report.line(format!(
        "   on the wire (C): {} request(s), up {}, down {} = {} total, {:.1} ms",
        wire_noop.requests,
        bytes(wire_noop.up),
        bytes(wire_noop.down),
        bytes(wire_noop.up + wire_noop.down),
        c_noop.wall.as_secs_f64() * 1000.0
    ));
    report.line(format!("   target 1 request, <= 1 KB incl. headers: {}", verdict(noop_ok)));

    report.json.insert(
        "initial_sync".into(),
        json!({
            "records": n,
            "record_locally_s": record_s,
            "a_push": { "seconds": push_wall.as_secs_f64(), "traffic": push_traffic.json(),
                        "per_push_ms": { "first": first_ms, "last": last_ms, "mean": mean(gaps), "count": gaps.len() },
                        "mutations_per_s": f64::from(n) / push_wall.as_secs_f64().max(1e-9) },
            "a_pull_back": { "seconds": (up.wall - push_wall).as_secs_f64(), "traffic": pullback.json(),
                             "applied": up.report.pulled },
            "b": { "seconds": wall, "traffic": down.traffic.json(), "records_per_s": f64::from(n) / wall.max(1e-9),
                   "pulled": down.report.pulled },
            "wire_c": { "seconds": c_down.wall.as_secs_f64(), "up_bytes": wire_down.up, "down_bytes": wire_down.down,
                        "http_requests": wire_down.requests, "requests_with_accept_encoding": wire_down.accept_encoding,
                        "responses": wire_down.responses, "responses_with_content_encoding": wire_down.content_encoding },
            "gzip_probe": { "pages": probe.pages, "identity_down_bytes": probe.identity_down,
                            "gzip_down_bytes": probe.gzip_down, "gzip_encoded_responses": probe.gzip_encoded },
        }),
    );
    report.json.insert(
        "noop_sync".into(),
        json!({
            "b": { "seconds": noop.wall.as_secs_f64(), "traffic": noop.traffic.json(),
                   "pushed": noop.report.pushed, "pulled": noop.report.pulled },
            "wire_c": { "seconds": c_noop.wall.as_secs_f64(), "http_requests": wire_noop.requests,
                        "up_bytes": wire_noop.up, "down_bytes": wire_noop.down },
            "target_met": noop_ok,
        }),
    );
    Ok(())
}

struct Probe {
    pages: u32,
    identity_down: u64,
    gzip_down: u64,
    gzip_encoded: u64,
}

/// Downloads the initial patient's pages through the relay twice: as the client asks for them,
/// and with `Accept-Encoding: gzip`. Bodies of the gzip pass are not decoded, only counted.
fn gzip_probe(server: &TestServer, relay: &WireProxy, limit: u32) -> Res<Probe> {
    let client = http();
    let (url, relay_url) = (server.url.clone(), relay.url.clone());
    rt().block_on(async {
        let token = http_login(&client, &url, INITIAL_HM, &Uuid::now_v7().to_string()).await?;
        let limit = limit.max(1);
        let mut cursors: Vec<Option<String>> = vec![None];
        let w0 = relay.snap();
        for _ in 0..MAX_PULL_PAGES {
            let cursor = cursors.last().cloned().flatten();
            let resp = pull_request(&client, &relay_url, &token, INITIAL_HM, cursor.as_deref(), limit, false).await?;
            let (page, _) = decode_pull(resp).await?;
            if !page.has_more {
                break;
            }
            cursors.push(Some(page.next_cursor));
        }
        let w1 = relay.snap();
        for cursor in &cursors {
            let resp = pull_request(&client, &relay_url, &token, INITIAL_HM, cursor.as_deref(), limit, true).await?;
            if !resp.status().is_success() {
                return Err(format!("gzip probe: HTTP {}", resp.status()).into());
            }
            resp.bytes().await?;
        }
        let w2 = relay.snap();
        Ok(Probe {
            pages: cursors.len() as u32,
            identity_down: w1.minus(w0).down,
            gzip_down: w2.minus(w1).down,
            gzip_encoded: w2.minus(w1).content_encoding,
        })
    })
}

// ---------------------------------------------------------------------------------------------
// Counting TCP relay: bytes on the wire and a look at the HTTP headers

#[derive(Default)]
struct Wire {
    up: AtomicU64,
    down: AtomicU64,
    requests: AtomicU64,
    responses: AtomicU64,
    accept_encoding: AtomicU64,
    content_encoding: AtomicU64,
}

#[derive(Debug, Clone, Copy)]
struct WireSnap {
    up: u64,
    down: u64,
    requests: u64,
    responses: u64,
    accept_encoding: u64,
    content_encoding: u64,
}

impl WireSnap {
    fn minus(self, e: Self) -> Self {
        Self {
            up: self.up - e.up,
            down: self.down - e.down,
            requests: self.requests - e.requests,
            responses: self.responses - e.responses,
            accept_encoding: self.accept_encoding - e.accept_encoding,
            content_encoding: self.content_encoding - e.content_encoding,
        }
    }
}

struct WireProxy {
    url: String,
    wire: Arc<Wire>,
    accept: tokio::task::JoinHandle<()>,
    relays: Arc<Mutex<Vec<tokio::task::JoinHandle<()>>>>,
}

impl WireProxy {
    fn start(upstream: SocketAddr) -> Res<Self> {
        let listener = rt().block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))?;
        let url = format!("http://{}", listener.local_addr()?);
        let wire = Arc::new(Wire::default());
        let relays = Arc::new(Mutex::new(Vec::new()));
        let (w, r) = (wire.clone(), relays.clone());
        let accept = rt().spawn(async move {
            for _ in 0..MAX_PROXY_CONNECTIONS {
                let Ok((sock, _)) = listener.accept().await else { break };
                let h = tokio::spawn(relay(sock, upstream, w.clone()));
                r.lock().unwrap_or_else(|e| e.into_inner()).push(h);
            }
        });
        Ok(Self { url, wire, accept, relays })
    }

    fn snap(&self) -> WireSnap {
        let w = &self.wire;
        WireSnap {
            up: w.up.load(Relaxed),
            down: w.down.load(Relaxed),
            requests: w.requests.load(Relaxed),
            responses: w.responses.load(Relaxed),
            accept_encoding: w.accept_encoding.load(Relaxed),
            content_encoding: w.content_encoding.load(Relaxed),
        }
    }
}

impl Drop for WireProxy {
    fn drop(&mut self) {
        self.accept.abort();
        for h in self.relays.lock().unwrap_or_else(|e| e.into_inner()).drain(..) {
            h.abort();
        }
    }
}

async fn relay(client: tokio::net::TcpStream, upstream: SocketAddr, wire: Arc<Wire>) {
    let Ok(server) = tokio::net::TcpStream::connect(upstream).await else { return };
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    let (cr, cw) = client.into_split();
    let (sr, sw) = server.into_split();
    tokio::join!(pump(cr, sw, wire.clone(), true), pump(sr, cw, wire, false));
}

/// Request lines and headers are matched lowercased; hyper writes header names in lowercase.
const UP_NEEDLES: &[&[u8]] = &[b" http/1.1\r\n", b"\r\naccept-encoding:"];
const DOWN_NEEDLES: &[&[u8]] = &[b"http/1.1 ", b"\r\ncontent-encoding:"];

async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    wire: Arc<Wire>,
    upstream: bool,
) {
    let mut buf = vec![0u8; 64 * 1024];
    let mut scan = Scanner::new(if upstream { UP_NEEDLES } else { DOWN_NEEDLES });
    // Bounded: 10 M reads of up to 64 KiB is far more than any phase moves through the relay.
    for _ in 0..10_000_000u32 {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let counts = scan.feed(&buf[..n]);
        if upstream {
            wire.up.fetch_add(n as u64, Relaxed);
            wire.requests.fetch_add(counts[0], Relaxed);
            wire.accept_encoding.fetch_add(counts[1], Relaxed);
        } else {
            wire.down.fetch_add(n as u64, Relaxed);
            wire.responses.fetch_add(counts[0], Relaxed);
            wire.content_encoding.fetch_add(counts[1], Relaxed);
        }
        if to.write_all(&buf[..n]).await.is_err() {
            break;
        }
    }
    let _ = to.shutdown().await;
}

/// Counts needle occurrences across chunk boundaries.
struct Scanner {
    needles: &'static [&'static [u8]],
    tail: Vec<u8>,
}

impl Scanner {
    fn new(needles: &'static [&'static [u8]]) -> Self {
        Self { needles, tail: Vec::new() }
    }

    fn feed(&mut self, chunk: &[u8]) -> [u64; 2] {
        let mut buf = std::mem::take(&mut self.tail);
        let old = buf.len();
        buf.extend(chunk.iter().map(u8::to_ascii_lowercase));
        let mut counts = [0u64; 2];
        for (i, needle) in self.needles.iter().enumerate().take(2) {
            counts[i] = buf
                .windows(needle.len())
                .enumerate()
                .filter(|(start, w)| start + needle.len() > old && w == needle)
                .count() as u64;
        }
        let keep = self.needles.iter().map(|n| n.len()).max().unwrap_or(1) - 1;
        self.tail = buf[buf.len().saturating_sub(keep)..].to_vec();
        counts
    }
}

// ---------------------------------------------------------------------------------------------
// Part 3: server load

struct Ctx {
    client: reqwest::Client,
    url: String,
    batch_min: usize,
    batch_max: usize,
    pull_every: u32,
    pull_limit: u32,
    /// `measured_at` of every generated reading counts back from here, one minute apart.
    base: chrono::DateTime<chrono::FixedOffset>,
}

struct LoadDevice {
    hm: String,
    device_id: String,
    token: String,
    rng: StdRng,
    /// Readings generated by this device so far.
    created: u32,
    /// Mutations the server answered `applied` for.
    applied: u64,
    cursor: Option<String>,
}

#[derive(Default)]
struct Stats {
    pushes: u64,
    applied: u64,
    not_applied: u64,
    push_us: Vec<u64>,
    /// Paced phase: from the scheduled send time to the parsed answer.
    sched_us: Vec<u64>,
    late_starts: u64,
    pulls: u64,
    pulled: u64,
    pull_us: Vec<u64>,
    sent: u64,
    received: u64,
    errors: BTreeMap<String, u64>,
    finished: Option<Instant>,
}

impl Stats {
    fn merge(&mut self, o: Stats) {
        self.pushes += o.pushes;
        self.applied += o.applied;
        self.not_applied += o.not_applied;
        self.push_us.extend(o.push_us);
        self.sched_us.extend(o.sched_us);
        self.late_starts += o.late_starts;
        self.pulls += o.pulls;
        self.pulled += o.pulled;
        self.pull_us.extend(o.pull_us);
        self.sent += o.sent;
        self.received += o.received;
        for (k, v) in o.errors {
            *self.errors.entry(k).or_default() += v;
        }
        self.finished = match (self.finished, o.finished) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
    }

    fn error(&mut self, kind: String) {
        *self.errors.entry(kind).or_default() += 1;
    }

    fn error_count(&self) -> u64 {
        self.errors.values().sum()
    }

    fn sort(&mut self) {
        self.push_us.sort_unstable();
        self.sched_us.sort_unstable();
        self.pull_us.sort_unstable();
    }
}

async fn http_login(client: &reqwest::Client, url: &str, hm: &str, device_id: &str) -> Result<String, String> {
    let body = LoginRequest {
        hm_code: hm.into(),
        password: PW.into(),
        device_id: device_id.into(),
        device_name: Some("sync_bench".into()),
    };
    let resp = client
        .post(format!("{url}/v1/auth/login"))
        .json(&body)
        .timeout(REQUEST_TIMEOUT)
        .send()
        .await
        .map_err(|e| format!("login {hm}: {}", http_err(&e)))?;
    if !resp.status().is_success() {
        return Err(format!("login {hm}: HTTP {}", resp.status()));
    }
    Ok(resp.json::<Tokens>().await.map_err(|e| format!("login {hm}: {}", http_err(&e)))?.access_token)
}

/// Builds a push of `n` new blood-pressure readings, encoded as the core's outbox encodes them.
fn make_push(ctx: &Ctx, dev: &mut LoadDevice, n: usize) -> Res<Vec<u8>> {
    let patient = HmCode::parse(&dev.hm)?;
    let now = chrono::Utc::now();
    let mut mutations = Vec::with_capacity(n);
    for _ in 0..n {
        dev.created += 1;
        let k = dev.created;
        let v = Vital {
            id: Uuid::now_v7(),
            profile_id: Uuid::nil(),
            value: VitalValue::BloodPressure {
                systolic: 100 + k % 70,
                diastolic: 60 + k % 25,
                pulse: Some(55 + k % 40),
                context: BpContext::Morning,
            },
            measured_at: ctx.base - chrono::Duration::minutes(i64::from(k)),
            source: Source::SelfEntered,
            device_name: None,
            note: None,
            amends: None,
            superseded_by: None,
            deleted_at: None,
            recorded_at: now,
            entered_by: None,
            origin_device: dev.device_id.clone(),
            server_version: None,
        };
        mutations.push(Mutation {
            mutation_id: Uuid::now_v7().to_string(),
            entity: techo_protocol::Entity::Vital,
            entity_id: v.id.to_string(),
            op: Op::Create,
            base_version: None,
            payload: serde_json::to_value(encode_vital(&v, &patient))?,
            client_time: Some(now.to_rfc3339()),
        });
    }
    // No replica: these devices keep no local copy.
    let req =
        PushRequest { protocol_version: PROTOCOL_VERSION, schema_version: SCHEMA_VERSION, mutations, replica: None };
    Ok(serde_json::to_vec(&req)?)
}

/// One push; records latency, traffic and outcome. Returns whether it succeeded.
async fn push_once(ctx: &Ctx, dev: &mut LoadDevice, n: usize, st: &mut Stats) -> bool {
    let body = match make_push(ctx, dev, n) {
        Ok(b) => b,
        Err(e) => {
            st.error(format!("build: {e}"));
            return false;
        }
    };
    st.sent += body.len() as u64;
    let t = Instant::now();
    let resp = ctx
        .client
        .post(format!("{}/v1/sync/push", ctx.url))
        .bearer_auth(&dev.token)
        .header(CONTENT_TYPE, "application/json")
        .body(body)
        .timeout(REQUEST_TIMEOUT)
        .send()
        .await;
    let resp = match resp {
        Ok(r) => r,
        Err(e) => {
            st.error(format!("push {}", http_err(&e)));
            return false;
        }
    };
    let status = resp.status();
    let bytes = match resp.bytes().await {
        Ok(b) => b,
        Err(e) => {
            st.error(format!("push {}", http_err(&e)));
            return false;
        }
    };
    st.received += bytes.len() as u64;
    if !status.is_success() {
        st.error(format!("push HTTP {}", status.as_u16()));
        return false;
    }
    let Ok(answer) = serde_json::from_slice::<PushResponse>(&bytes) else {
        st.error("push: undecodable answer".into());
        return false;
    };
    st.push_us.push(t.elapsed().as_micros() as u64);
    st.pushes += 1;
    let applied = answer.results.iter().filter(|r| r.status == MutationStatus::Applied).count() as u64;
    st.applied += applied;
    dev.applied += applied;
    st.not_applied += n as u64 - applied;
    true
}

async fn pull_request(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    hm: &str,
    cursor: Option<&str>,
    limit: u32,
    gzip: bool,
) -> Result<reqwest::Response, reqwest::Error> {
    let mut query = vec![("patient", hm.to_owned()), ("limit", limit.to_string())];
    if let Some(c) = cursor {
        query.push(("cursor", c.to_owned()));
    }
    let mut req = client.get(format!("{url}/v1/sync/pull")).bearer_auth(token).query(&query).timeout(REQUEST_TIMEOUT);
    if gzip {
        req = req.header(ACCEPT_ENCODING, "gzip");
    }
    req.send().await
}

async fn decode_pull(resp: reqwest::Response) -> Result<(PullResponse, u64), String> {
    let status = resp.status();
    let bytes = resp.bytes().await.map_err(|e| http_err(&e))?;
    if !status.is_success() {
        return Err(format!("HTTP {}", status.as_u16()));
    }
    let page = serde_json::from_slice(&bytes).map_err(|_| "undecodable answer".to_owned())?;
    Ok((page, bytes.len() as u64))
}

/// Pulls pages until the end. `from_scratch` downloads everything (a fresh device) without
/// moving the device's own cursor; otherwise it continues from that cursor.
async fn pull_all(ctx: &Ctx, dev: &mut LoadDevice, from_scratch: bool, deadline: Option<Instant>, st: &mut Stats) {
    let mut cursor = if from_scratch { None } else { dev.cursor.clone() };
    for _ in 0..MAX_PULL_PAGES {
        let t = Instant::now();
        let got =
            match pull_request(&ctx.client, &ctx.url, &dev.token, &dev.hm, cursor.as_deref(), ctx.pull_limit, false)
                .await
            {
                Ok(resp) => decode_pull(resp).await,
                Err(e) => Err(http_err(&e)),
            };
        let (page, len) = match got {
            Ok(p) => p,
            Err(kind) => {
                st.error(format!("pull {kind}"));
                return;
            }
        };
        st.pull_us.push(t.elapsed().as_micros() as u64);
        st.pulls += 1;
        st.pulled += page.changes.len() as u64;
        st.received += len;
        cursor = Some(page.next_cursor);
        if !from_scratch {
            dev.cursor.clone_from(&cursor);
        }
        if !page.has_more || deadline.is_some_and(|d| Instant::now() >= d) {
            break;
        }
    }
}

async fn saturate(ctx: Arc<Ctx>, mut dev: LoadDevice, start: Instant, deadline: Instant) -> (LoadDevice, Stats) {
    let mut st = Stats::default();
    tokio::time::sleep_until(start.into()).await;
    for i in 1..=MAX_ITERS_PER_TASK {
        if Instant::now() >= deadline {
            break;
        }
        let n = dev.rng.random_range(ctx.batch_min..=ctx.batch_max);
        if !push_once(&ctx, &mut dev, n, &mut st).await {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        if ctx.pull_every > 0 && i % ctx.pull_every == 0 && Instant::now() < deadline {
            pull_all(&ctx, &mut dev, false, Some(deadline), &mut st).await;
        }
    }
    st.finished = Some(Instant::now());
    (dev, st)
}

async fn paced(
    ctx: Arc<Ctx>,
    mut dev: LoadDevice,
    start: Instant,
    deadline: Instant,
    interval: Duration,
) -> (LoadDevice, Stats) {
    let mut st = Stats::default();
    let offset = interval.mul_f64(dev.rng.random_range(0.0..1.0));
    for k in 0..MAX_ITERS_PER_TASK {
        let scheduled = start + offset + interval * k;
        if scheduled >= deadline {
            break;
        }
        tokio::time::sleep_until(scheduled.into()).await;
        if Instant::now() > scheduled + Duration::from_millis(5) {
            st.late_starts += 1;
        }
        let n = dev.rng.random_range(ctx.batch_min..=ctx.batch_max);
        if push_once(&ctx, &mut dev, n, &mut st).await {
            st.sched_us.push(scheduled.elapsed().as_micros() as u64);
        }
        if ctx.pull_every > 0 && (k + 1) % ctx.pull_every == 0 && Instant::now() < deadline {
            pull_all(&ctx, &mut dev, false, Some(deadline), &mut st).await;
        }
    }
    st.finished = Some(Instant::now());
    (dev, st)
}

async fn top_up(ctx: Arc<Ctx>, mut dev: LoadDevice, target: u32, deadline: Instant) -> (LoadDevice, Stats) {
    let mut st = Stats::default();
    for _ in 0..MAX_ITERS_PER_TASK {
        let missing = u64::from(target).saturating_sub(dev.applied);
        if missing == 0 || Instant::now() >= deadline {
            break;
        }
        if !push_once(&ctx, &mut dev, missing.min(200) as usize, &mut st).await {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
    st.finished = Some(Instant::now());
    (dev, st)
}

async fn pull_heavy(ctx: Arc<Ctx>, mut dev: LoadDevice, start: Instant, deadline: Instant) -> (LoadDevice, Stats) {
    let mut st = Stats::default();
    tokio::time::sleep_until(start.into()).await;
    for _ in 0..MAX_ITERS_PER_TASK {
        if Instant::now() >= deadline {
            break;
        }
        let errors = st.error_count();
        pull_all(&ctx, &mut dev, true, Some(deadline), &mut st).await;
        if st.error_count() > errors {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
    st.finished = Some(Instant::now());
    (dev, st)
}

/// Process CPU time (user + system), all threads, live and exited.
fn process_cpu() -> Duration {
    // SAFETY: getrusage only writes into the zeroed struct we pass.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: valid pointer to a rusage; RUSAGE_SELF is always supported.
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) } != 0 {
        return Duration::ZERO;
    }
    let tv = |t: libc::timeval| Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64);
    tv(u.ru_utime) + tv(u.ru_stime)
}

/// CPU time of the live threads whose name starts with `prefix` (Linux /proc; zero elsewhere).
fn threads_cpu(prefix: &str) -> Duration {
    // SAFETY: sysconf has no preconditions.
    let tck = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    let Ok(dir) = std::fs::read_dir("/proc/self/task") else { return Duration::ZERO };
    let mut ticks = 0u64;
    for entry in dir.flatten().take(100_000) {
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else { continue };
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else { continue };
        if !stat[open + 1..close].starts_with(prefix) {
            continue;
        }
        // After "(comm) ": state is field 3; utime and stime are fields 14 and 15.
        let f: Vec<&str> = stat[close + 1..].split_whitespace().collect();
        ticks += f.get(11).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
        ticks += f.get(12).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    }
    if tck <= 0 { Duration::ZERO } else { Duration::from_secs_f64(ticks as f64 / tck as f64) }
}

#[derive(Clone, Copy)]
struct Cpu {
    total: Duration,
    loadgen: Duration,
}

impl Cpu {
    fn now() -> Self {
        Self { total: process_cpu(), loadgen: threads_cpu(LOADGEN_THREAD) }
    }

    /// (server and everything else, load generator) in cores, over `wall`.
    fn cores_since(self, before: Self, wall: Duration) -> (f64, f64) {
        let total = self.total.saturating_sub(before.total).as_secs_f64();
        let lg = self.loadgen.saturating_sub(before.loadgen).as_secs_f64();
        let w = wall.as_secs_f64().max(1e-9);
        ((total - lg).max(0.0) / w, lg / w)
    }
}

struct PhaseResult {
    stats: Stats,
    wall: Duration,
    server_cores: f64,
    loadgen_cores: f64,
}

/// Runs one task per device, all starting together at `start`; waits at most `limit`.
fn run_phase<F, Fut>(
    lg: &tokio::runtime::Runtime,
    devs: &mut Vec<LoadDevice>,
    limit: Duration,
    f: F,
) -> Res<PhaseResult>
where
    F: Fn(LoadDevice, Instant) -> Fut,
    Fut: std::future::Future<Output = (LoadDevice, Stats)> + Send + 'static,
{
    let (t0, cpu0) = (Instant::now(), Cpu::now());
    let start = t0 + Duration::from_millis(100);
    let futures: Vec<Fut> = devs.drain(..).map(|d| f(d, start)).collect();
    let results = lg.block_on(async move {
        let mut set = tokio::task::JoinSet::new();
        for fut in futures {
            set.spawn(fut);
        }
        let joined = tokio::time::timeout(limit, async {
            let mut out = Vec::new();
            while let Some(r) = set.join_next().await {
                out.push(r);
            }
            out
        })
        .await;
        if joined.is_err() {
            set.abort_all();
        }
        joined
    });
    let Ok(results) = results else { return Err(format!("a load phase exceeded its {limit:?} bound").into()) };
    let mut stats = Stats::default();
    for r in results {
        let (d, s) = r?;
        devs.push(d);
        stats.merge(s);
    }
    let end = stats.finished.unwrap_or_else(Instant::now);
    let wall = end.saturating_duration_since(start);
    let (server_cores, loadgen_cores) = Cpu::now().cores_since(cpu0, end.saturating_duration_since(t0));
    stats.sort();
    Ok(PhaseResult { stats, wall, server_cores, loadgen_cores })
}

fn load(server: &TestServer, args: &Args, seed: u64, report: &mut Report) -> Res<()> {
    let n = args.devices;
    let lg = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name(LOADGEN_THREAD)
        .enable_all()
        .build()?;
    let ctx = Arc::new(Ctx {
        client: http(),
        url: server.url.clone(),
        batch_min: args.batch_min,
        batch_max: args.batch_max,
        pull_every: args.pull_every,
        pull_limit: args.pull_limit,
        base: chrono::Utc::now().with_timezone(&jst()),
    });
    let secs = Duration::from_secs_f64(args.seconds);
    let bound = secs + Duration::from_secs(90);

    // Setup, not measured: residents share one Argon2id hash (computed once) so setup costs N
    // cheap inserts; each device then logs in over HTTP, which verifies the password.
    eprintln!("part 3: creating {n} residents");
    let t = Instant::now();
    let phc = techo_server::auth::hash_password(PW).map_err(|_| "hash_password failed")?;
    let storage = server.storage.as_ref();
    let codes: Vec<String> = (0..n).map(|i| format!("36{i:06}")).collect();
    for hm in &codes {
        let issued = techo_server::add_resident(storage, hm, "Load Resident", "1950-01-01", Duration::from_secs(3600))?;
        let hash = techo_server::storage::sha256_hex(
            techo_server::auth::normalise_activation_code(&issued.activation_code).as_bytes(),
        );
        storage.activate(hm, &hash, &phc, chrono::Utc::now().timestamp_millis())?;
    }
    let setup_s = t.elapsed().as_secs_f64();
    eprintln!("part 3: logging in {n} devices over HTTP ({} at a time)", args.login_concurrency);
    let t = Instant::now();
    let sem = Arc::new(tokio::sync::Semaphore::new(args.login_concurrency));
    let logins = lg
        .block_on(async {
            tokio::time::timeout(Duration::from_secs(600), async {
                let mut set = tokio::task::JoinSet::new();
                for (i, hm) in codes.iter().enumerate() {
                    let (ctx, sem, hm) = (ctx.clone(), sem.clone(), hm.clone());
                    set.spawn(async move {
                        let _permit = sem.acquire_owned().await.map_err(|e| e.to_string())?;
                        let device_id = Uuid::now_v7().to_string();
                        let token =
                            http_login(&ctx.client, &ctx.url, &hm, &device_id).await.map_err(|e| e.to_string())?;
                        Ok::<_, String>(LoadDevice {
                            hm,
                            device_id,
                            token,
                            rng: StdRng::seed_from_u64(seed ^ (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15)),
                            created: 0,
                            applied: 0,
                            cursor: None,
                        })
                    });
                }
                let mut devs = Vec::with_capacity(codes.len());
                while let Some(r) = set.join_next().await {
                    devs.push(r.map_err(|e| e.to_string())??);
                }
                Ok::<_, String>(devs)
            })
            .await
        })
        .map_err(|_| "logins took longer than 600 s")??;
    let mut devs = logins;
    let login_s = t.elapsed().as_secs_f64();
    devs.sort_by(|a, b| a.hm.cmp(&b.hm));

    // Baseline: one device alone, sequential pushes, to see the per-commit cost without queueing.
    eprintln!("part 3: baseline, one device, sequential pushes");
    let mut base1 = Stats::default();
    let mut base50 = Stats::default();
    let mut base200 = Stats::default();
    lg.block_on(async {
        let d = &mut devs[0];
        for _ in 0..100 {
            push_once(&ctx, d, 1, &mut base1).await;
        }
        for _ in 0..100 {
            push_once(&ctx, d, 50, &mut base50).await;
        }
        for _ in 0..50 {
            push_once(&ctx, d, 200, &mut base200).await;
        }
    });
    base1.sort();
    base50.sort();
    base200.sort();

    eprintln!("part 3: saturation, {n} devices for {:.1} s", args.seconds);
    let c = ctx.clone();
    let sat = run_phase(&lg, &mut devs, bound, move |d, start| saturate(c.clone(), d, start, start + secs))?;

    let mean_batch = (args.batch_min + args.batch_max) as f64 / 2.0;
    let paced_res = if args.target_rate > 0.0 {
        let interval = Duration::from_secs_f64(n as f64 * mean_batch / args.target_rate);
        eprintln!(
            "part 3: paced, {n} devices offering {:.0} mutations/s (one push every {:.0} ms each) for {:.1} s",
            args.target_rate,
            interval.as_secs_f64() * 1000.0,
            args.seconds
        );
        let c = ctx.clone();
        Some((
            interval,
            run_phase(&lg, &mut devs, bound, move |d, start| paced(c.clone(), d, start, start + secs, interval))?,
        ))
    } else {
        None
    };

    eprintln!("part 3: topping every patient up to {} records (not measured)", args.pull_history);
    let c = ctx.clone();
    let target = args.pull_history;
    let t = Instant::now();
    let topup_limit = Duration::from_secs(300);
    let topped = run_phase(&lg, &mut devs, topup_limit + Duration::from_secs(30), move |d, _| {
        top_up(c.clone(), d, target, Instant::now() + topup_limit)
    })?;
    let topup_s = t.elapsed().as_secs_f64();

    eprintln!("part 3: pull-heavy, {n} devices downloading full histories for {:.1} s", args.seconds);
    let c = ctx.clone();
    let pulls = run_phase(&lg, &mut devs, bound, move |d, start| pull_heavy(c.clone(), d, start, start + secs))?;

    // Every applied mutation is a record on the server (all creates of distinct readings).
    eprintln!("part 3: checking the server holds every acknowledged record");
    let acknowledged: u64 = devs.iter().map(|d| d.applied).sum();
    let mut on_server = 0u64;
    for d in &devs {
        let id = storage.resident_by_hm_code(&d.hm)?.ok_or("load resident missing")?.id;
        let mut after = 0;
        for _ in 0..MAX_PULL_PAGES {
            let page = storage.pull(id, after, 2000, None)?;
            on_server += page.changes.len() as u64;
            after = page.last_seq;
            if !page.has_more {
                break;
            }
        }
    }
    drop(lg);

    // ---- report
    let w = |p: &PhaseResult| p.wall.as_secs_f64().max(1e-9);
    let sat_mps = sat.stats.applied as f64 / w(&sat);
    let sat_pps = sat.stats.pushes as f64 / w(&sat);
    let pulled_rps = pulls.stats.pulled as f64 / w(&pulls);
    let fsync_mean = report.json["environment"]["fsync"]["mean_ms"].as_f64().unwrap_or(0.0);

    report.line("");
    report.line(format!(
        "3. Server load: {n} devices, one resident each, one shared reqwest::Client (HTTP/1.1 keep-alive), \
         load generator on its own 2-thread runtime in this process"
    ));
    report.line(format!(
        "   setup (not measured): {n} residents in {setup_s:.2} s; {n} HTTP logins in {login_s:.2} s \
         ({:.1} ms each, {} at a time)",
        login_s * 1000.0 / n as f64 * args.login_concurrency as f64,
        args.login_concurrency
    ));
    report.line(format!("   baseline, 1 device alone: push of 1 mutation {}", lat_text(&base1.push_us)));
    report.line(format!("                             push of 50 mutations {}", lat_text(&base50.push_us)));
    report.line(format!(
        "                             push of 200 mutations {} (the client's batch size)",
        lat_text(&base200.push_us)
    ));
    report.line(format!(
        "   saturation ({:.2} s, batches {}..={}, pull every {} pushes, no think time):",
        w(&sat),
        args.batch_min,
        args.batch_max,
        args.pull_every
    ));
    report.line(format!(
        "     pushed {} mutations in {} pushes => {sat_mps:.0} mutations/s, {sat_pps:.0} pushes/s",
        sat.stats.applied, sat.stats.pushes
    ));
    report.line(format!("     push latency {}", lat_text(&sat.stats.push_us)));
    report.line(format!(
        "     (closed loop: mean latency ~ devices / pushes per second = {:.1} ms; it measures queueing at saturation)",
        n as f64 * 1000.0 / sat_pps.max(1e-9)
    ));
    report.line(format!(
        "     incremental pulls: {} requests, {} records; {}",
        sat.stats.pulls,
        sat.stats.pulled,
        lat_text(&sat.stats.pull_us)
    ));
    report.line(format!(
        "     traffic: sent {}, received {}; CPU: server+rest {:.2} cores, load generator {:.2} cores; \
         writer time per commit <= {:.2} ms (fsync {fsync_mean:.2} ms)",
        bytes(sat.stats.sent),
        bytes(sat.stats.received),
        sat.server_cores,
        sat.loadgen_cores,
        1000.0 / sat_pps.max(1e-9)
    ));
    report.line(format!(
        "     errors: {} {:?}; not applied: {}",
        sat.stats.error_count(),
        sat.stats.errors,
        sat.stats.not_applied
    ));
    let mut paced_json = Value::Null;
    let mut paced_p99 = None;
    if let Some((interval, p)) = &paced_res {
        let offered = args.target_rate;
        let got = p.stats.applied as f64 / w(p);
        paced_p99 = Some(ms(pct(&p.stats.push_us, 0.99)));
        report.line(format!(
            "   paced ({:.2} s, {n} devices, one push of ~{mean_batch:.0} every {:.0} ms each = {offered:.0} mutations/s offered):",
            w(p),
            interval.as_secs_f64() * 1000.0
        ));
        report.line(format!(
            "     pushed {} mutations => {got:.0} mutations/s achieved; late starts {} of {}",
            p.stats.applied, p.stats.late_starts, p.stats.pushes
        ));
        report.line(format!("     push latency (request) {}", lat_text(&p.stats.push_us)));
        report.line(format!("     push latency (from schedule) {}", lat_text(&p.stats.sched_us)));
        let slow = p.stats.push_us.iter().filter(|&&us| us > 50_000).count();
        report.line(format!(
            "     pushes over 50 ms: {slow} of {} ({:.2}%)",
            p.stats.push_us.len(),
            slow as f64 * 100.0 / p.stats.push_us.len().max(1) as f64
        ));
        report.line(format!(
            "     CPU: server+rest {:.2} cores, load generator {:.2} cores; errors {} {:?}",
            p.server_cores,
            p.loadgen_cores,
            p.stats.error_count(),
            p.stats.errors
        ));
        paced_json = json!({
            "seconds": w(p), "offered_mutations_per_s": offered, "interval_ms": interval.as_secs_f64() * 1000.0,
            "applied": p.stats.applied, "pushes": p.stats.pushes, "mutations_per_s": got,
            "late_starts": p.stats.late_starts, "push_latency": lat_json(&p.stats.push_us),
            "scheduled_latency": lat_json(&p.stats.sched_us), "pulls": p.stats.pulls, "pulled": p.stats.pulled,
            "server_cores": p.server_cores, "loadgen_cores": p.loadgen_cores, "errors": p.stats.errors,
        });
    }
    report.line(format!(
        "   top-up to {} records per patient (not measured): {} mutations in {topup_s:.2} s",
        args.pull_history, topped.stats.applied
    ));
    report.line(format!(
        "   pull-heavy ({:.2} s, full downloads, pages of {}): {} records in {} requests => {pulled_rps:.0} records/s, {}/s",
        w(&pulls),
        args.pull_limit,
        pulls.stats.pulled,
        pulls.stats.pulls,
        bytes((pulls.stats.received as f64 / w(&pulls)) as u64)
    ));
    report.line(format!("     pull latency {}", lat_text(&pulls.stats.pull_us)));
    report.line(format!(
        "     (closed loop: mean latency ~ devices / requests per second = {:.1} ms)",
        n as f64 * 1000.0 / (pulls.stats.pulls as f64 / w(&pulls)).max(1e-9)
    ));
    report.line(format!(
        "     CPU: server+rest {:.2} cores, load generator {:.2} cores; errors {} {:?}",
        pulls.server_cores,
        pulls.loadgen_cores,
        pulls.stats.error_count(),
        pulls.stats.errors
    ));
    report.line(format!(
        "   check: {acknowledged} mutations acknowledged as applied, {on_server} records on the server: {}",
        if acknowledged == on_server { "consistent" } else { "MISMATCH" }
    ));
    let sat_p99 = ms(pct(&sat.stats.push_us, 0.99));
    report.line("");
    report.line("Targets");
    report.line(format!(
        "   >= 5,000 mutations/s (saturation):           {sat_mps:>10.0}   {}",
        verdict(sat_mps >= 5000.0)
    ));
    report.line(format!(
        "   >= 50,000 pulled records/s (pull-heavy):     {pulled_rps:>10.0}   {}",
        verdict(pulled_rps >= 50_000.0)
    ));
    if let Some(p99) = paced_p99 {
        report.line(format!("   p99 push <= 50 ms at {n} devices (paced):    {p99:>10.1} ms {}", verdict(p99 <= 50.0)));
    }
    report.line(format!(
        "   p99 push <= 50 ms at {n} devices (saturated): {sat_p99:>10.1} ms {}",
        verdict(sat_p99 <= 50.0)
    ));

    report.json.insert(
        "load".into(),
        json!({
            "devices": n,
            "residents": n,
            "setup_s": setup_s,
            "login_s": login_s,
            "baseline": { "push_1": lat_json(&base1.push_us), "push_50": lat_json(&base50.push_us),
                          "push_200": lat_json(&base200.push_us) },
            "saturation": {
                "seconds": w(&sat), "applied": sat.stats.applied, "not_applied": sat.stats.not_applied,
                "pushes": sat.stats.pushes, "mutations_per_s": sat_mps, "pushes_per_s": sat_pps,
                "push_latency": lat_json(&sat.stats.push_us), "pulls": sat.stats.pulls, "pulled": sat.stats.pulled,
                "pull_latency": lat_json(&sat.stats.pull_us), "bytes_sent": sat.stats.sent,
                "bytes_received": sat.stats.received, "server_cores": sat.server_cores,
                "loadgen_cores": sat.loadgen_cores, "errors": sat.stats.errors,
            },
            "paced": paced_json,
            "top_up": { "seconds": topup_s, "applied": topped.stats.applied, "errors": topped.stats.errors },
            "pull_heavy": {
                "seconds": w(&pulls), "pulled": pulls.stats.pulled, "requests": pulls.stats.pulls,
                "records_per_s": pulled_rps, "bytes_received": pulls.stats.received,
                "pull_latency": lat_json(&pulls.stats.pull_us), "server_cores": pulls.server_cores,
                "loadgen_cores": pulls.loadgen_cores, "errors": pulls.stats.errors,
            },
            "check": { "acknowledged": acknowledged, "on_server": on_server },
        }),
    );
    report.json.insert(
        "targets".into(),
        json!({
            "mutations_per_s": { "target": 5000, "measured": sat_mps, "met": sat_mps >= 5000.0 },
            "pulled_records_per_s": { "target": 50000, "measured": pulled_rps, "met": pulled_rps >= 50_000.0 },
            "p99_push_ms_paced": { "target": 50, "measured": paced_p99, "met": paced_p99.map(|p| p <= 50.0) },
            "p99_push_ms_saturated": { "target": 50, "measured": sat_p99, "met": sat_p99 <= 50.0 },
        }),
    );
    if acknowledged != on_server {
        return Err(format!("{acknowledged} acknowledged but {on_server} on the server").into());
    }
    Ok(())
}

/// The figures the benchmark report shows (`scripts/bench-report.sh`), from the JSON report.
fn record_figures(json: &serde_json::Map<String, Value>) {
    let at = |path: &[&str]| {
        let (first, rest) = path.split_first()?;
        rest.iter().try_fold(json.get(*first)?, |v, key| v.get(key))?.as_f64()
    };
    let backend = techo_tests::harness::Backend::chosen().name();
    let bench = format!("sync_bench ({backend})");
    if let Some(requests) = at(&["initial_sync", "a_pull_back", "traffic", "requests"]) {
        Figure::new(&bench, "pull requests after a device's own upload of 10,000 readings", requests, "requests")
            .at_most(1.0)
            .record();
    }
    if let Some(requests) = at(&["noop_sync", "wire_c", "http_requests"]) {
        Figure::new(&bench, "no-op sync", requests, "requests").at_most(1.0).record();
    }
    if let Some(mps) = at(&["load", "saturation", "mutations_per_s"]) {
        Figure::new(&bench, "pushed vital creates at saturation, 200 devices", mps, "mutations/s")
            .at_least(5000.0)
            .record();
    }
    if let Some(p99) = at(&["targets", "p99_push_ms_saturated", "measured"]) {
        Figure::new(&bench, "p99 push at saturation (closed loop)", p99, "ms").at_most(50.0).record();
    }
    if let Some(p99) = at(&["targets", "p99_push_ms_paced", "measured"]) {
        Figure::new(&bench, "p99 push, 5,000 mutations/s offered (paced)", p99, "ms").at_most(50.0).record();
    }
    if let Some(rps) = at(&["load", "pull_heavy", "records_per_s"]) {
        Figure::new(&bench, "pulled records/s, full downloads", rps, "records/s").at_least(50_000.0).record();
    }
}

fn verdict(ok: bool) -> &'static str {
    if ok { "met" } else { "MISSED" }
}

fn bytes(b: u64) -> String {
    let mut s = String::new();
    if b >= 1024 * 1024 {
        let _ = write!(s, "{:.2} MiB", b as f64 / (1024.0 * 1024.0));
    } else if b >= 1024 {
        let _ = write!(s, "{:.1} KiB", b as f64 / 1024.0);
    } else {
        let _ = write!(s, "{b} B");
    }
    s
}
