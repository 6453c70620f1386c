//! Load generator: N simulated phones of many patients push and pull every family the server
//! has — readings of every kind, medication entries scanned from receipts and sent by a
//! pharmacy, checkups and the 命の宝箱 sheet with photos uploaded chunk by chunk before the record
//! naming them, edits with `base_version`, deletions — then checks that every acknowledged
//! mutation is on the server exactly once and every device converged (`techo_tests::load`).
//!
//! ```text
//! cargo run --release -p techo-tests --bin load -- [--devices 200] [--seconds 10] [--backend sqlite|postgres|postgres2] [--json]
//! cargo run --release -p techo-tests --bin load -- --server http://127.0.0.1:8081 --server http://127.0.0.1:8082 \
//!     --seed-data-dir DIR [--seed-database postgres://…]
//! ```
//!
//! In-process (`--backend`), the server runs in this process on its own 2-thread runtime, on
//! SQLite or on a database of its own on the test cluster (`TECHO_TEST_POSTGRES_URL`, see
//! scripts/postgres.sh); `postgres2` starts two instances over it and spreads requests over both.
//! With `--server` (repeatable) the servers run elsewhere on loopback and requests go to each in
//! turn; the residents and the pharmacy are written into their store first (`--seed-data-dir`,
//! plus `--seed-database` when they run on PostgreSQL).
//!
//! Closed loop: each device runs sync sessions back to back (1–3 changes, photos uploaded, the
//! outbox pushed, pulls to the end; `--think-ms` between sessions) for `--seconds` or
//! `--max-sessions`, then drains its queue; nothing runs past `--drain-seconds` after the window.
//! Prints per operation count, throughput and p50/p90/p99/max latency, pushed mutations/s,
//! pulled records/s (each device sends a replica id as the apps do, so these are other writers'
//! records: the pharmacy's and the patient's other phone's; `--no-replica` pulls a device's own
//! writes back too, as an app from before replica ids), and the check's verdict; exits non-zero when anything was lost, duplicated,
//! rejected or left undrained. Progress goes to stderr; the report (or `--json`) to stdout.

use clap::Parser;
use serde_json::json;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};
use techo_bench_report::Figure;
use techo_server::state::Limits;
use techo_tests::harness::{Backend, TestServer, http};
use techo_tests::load::device::Shared;
use techo_tests::load::http::{Client, Servers};
use techo_tests::load::payloads::jst;
use techo_tests::load::run::{self, PASSWORD, Plan};

#[derive(Parser, Debug)]
#[command(name = "load")]
struct Args {
    /// Simulated devices.
    #[arg(long, default_value_t = 200)]
    devices: usize,
    /// Devices per patient (2 or more: they edit the same 命の宝箱 sheet and meet conflicts).
    #[arg(long, default_value_t = 1)]
    devices_per_patient: usize,
    /// Length of the measured window.
    #[arg(long, default_value_t = 10.0)]
    seconds: f64,
    /// Sync sessions per device at most.
    #[arg(long, default_value_t = 1_000_000)]
    max_sessions: u32,
    /// Pause between a device's sessions (0: closed loop at saturation).
    #[arg(long, default_value_t = 0)]
    think_ms: u64,
    /// Bytes per upload chunk (photos here are a few KiB, so several chunks each).
    #[arg(long, default_value_t = 4096)]
    chunk_bytes: usize,
    /// Page size of pulls.
    #[arg(long, default_value_t = 500)]
    pull_limit: u32,
    /// Sign-ins in flight at once during setup.
    #[arg(long, default_value_t = 4)]
    login_concurrency: usize,
    /// How long after the window queues may take to drain.
    #[arg(long, default_value_t = 120.0)]
    drain_seconds: f64,
    /// Seed for the mix and the run's resident codes; random if omitted.
    #[arg(long)]
    seed: Option<u64>,
    /// In-process server: sqlite, postgres or postgres2 (ignored with --server).
    #[arg(long, env = "TECHO_TEST_SERVER_BACKEND", default_value = "sqlite")]
    backend: String,
    /// An external server (repeatable: requests go to each in turn).
    #[arg(long)]
    server: Vec<String>,
    /// With --server: the servers' data directory, to register residents and a pharmacy.
    #[arg(long)]
    seed_data_dir: Option<std::path::PathBuf>,
    /// With --server on PostgreSQL: their database URL.
    #[arg(long)]
    seed_database: Option<String>,
    /// Leave pharmacy submissions out of the mix.
    #[arg(long)]
    no_pharmacy: bool,
    /// Push and pull without replica ids, as an app from before them: pulls then bring each
    /// device's own writes back too (by default every device sends one, as the apps do).
    #[arg(long)]
    no_replica: bool,
    /// Print one JSON document instead of the text report.
    #[arg(long)]
    json: bool,
}

impl Args {
    fn check(&self) -> Result<(), String> {
        if !(1..=5000).contains(&self.devices) {
            return Err("--devices: 1 to 5000".into());
        }
        if !(1..=20).contains(&self.devices_per_patient) {
            return Err("--devices-per-patient: 1 to 20 (an account keeps at most 20 devices)".into());
        }
        if !(0.5..=86_400.0).contains(&self.seconds) || !(1.0..=3600.0).contains(&self.drain_seconds) {
            return Err("--seconds: 0.5 to 86400; --drain-seconds: 1 to 3600".into());
        }
        if !(256..=techo_protocol::uploads::MAX_CHUNK_BYTES).contains(&self.chunk_bytes) {
            return Err("--chunk-bytes: 256 to 1 MiB".into());
        }
        if !(1..=2000).contains(&self.pull_limit) || !(1..=64).contains(&self.login_concurrency) {
            return Err("--pull-limit: 1 to 2000; --login-concurrency: 1 to 64".into());
        }
        for s in &self.server {
            let loopback = ["http://127.0.0.1:", "http://localhost:", "http://[::1]:"].iter().any(|p| s.starts_with(p));
            if !loopback {
                return Err(format!("--server {s}: loopback only (http://127.0.0.1:PORT)"));
            }
        }
        if !self.server.is_empty() && self.seed_data_dir.is_none() {
            return Err(
                "--server needs --seed-data-dir (and --seed-database on PostgreSQL) to register residents".into()
            );
        }
        Ok(())
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    if let Err(e) = args.check() {
        eprintln!("load: {e}");
        return ExitCode::from(2);
    }
    match run_load(&args) {
        Ok((report, ok)) => {
            println!("{report}");
            if ok { ExitCode::SUCCESS } else { ExitCode::FAILURE }
        }
        Err(e) => {
            eprintln!("load failed: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The figures the benchmark report shows (`scripts/bench-report.sh`).
fn record_figures(outcome: &run::Outcome, target: &str, devices: usize) {
    let bench = format!("load ({target})");
    Figure::new(
        &bench,
        &format!("pushed mutations/s, every family, {devices} devices"),
        outcome.mutations_per_s(),
        "mutations/s",
    )
    .at_least(5000.0)
    .record();
    Figure::new(&bench, "pulled records/s", outcome.records_per_s(), "records/s").record();
    Figure::new(&bench, "p99 push at saturation (closed loop)", outcome.p99_push_ms(), "ms").at_most(50.0).record();
    let v = &outcome.verdict;
    Figure::new(
        &bench,
        "acknowledged writes lost, duplicated or wrong",
        (v.lost + v.duplicated + v.wrong_state) as f64,
        "",
    )
    .at_most(0.0)
    .note(format!("{} acknowledged", v.acknowledged))
    .record();
}

fn backend(name: &str) -> Result<Backend, String> {
    match name {
        "sqlite" => Ok(Backend::Sqlite),
        "postgres" => Ok(Backend::Postgres),
        "postgres2" => Ok(Backend::TwoPostgres),
        other => Err(format!("--backend is sqlite, postgres or postgres2, not {other}")),
    }
}

fn run_load(args: &Args) -> Result<(String, bool), String> {
    let seed = args.seed.unwrap_or_else(rand::random);
    let plan = Plan {
        devices: args.devices,
        devices_per_patient: args.devices_per_patient,
        pharmacy: !args.no_pharmacy,
        seed,
        replicas: !args.no_replica,
    };
    // The server (when in-process) first: it keeps its own runtime.
    let (server, urls, target) = if args.server.is_empty() {
        let backend = backend(&args.backend)?;
        if backend != Backend::Sqlite && techo_server::storage::scratch::test_cluster_url().is_none() {
            return Err("--backend postgres needs TECHO_TEST_POSTGRES_URL (scripts/postgres.sh)".into());
        }
        eprintln!("load: seed {seed}; starting the server ({}) on 127.0.0.1", args.backend);
        let server = TestServer::start_on(backend, "127.0.0.1:0", Limits::default());
        let urls = server.instance_urls.clone();
        (Some(server), urls, args.backend.clone())
    } else {
        (None, args.server.clone(), format!("external: {}", args.server.join(", ")))
    };
    eprintln!("load: registering residents and a pharmacy");
    let seeded = match &server {
        Some(s) => run::seed_store(s.storage.as_ref(), &plan)?,
        None => {
            let dir = args.seed_data_dir.as_deref().ok_or("--seed-data-dir")?;
            let storage = techo_server::open_database(dir, args.seed_database.as_deref()).map_err(|e| e.to_string())?;
            run::seed_store(storage.as_ref(), &plan)?
        }
    };
    let devices = run::make_devices(&plan, &seeded)?;
    let lg = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("loadgen")
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let sh = Arc::new(Shared {
        client: Client { http: http(), servers: Servers::new(urls.clone()), timeout: Duration::from_secs(30) },
        password: PASSWORD.into(),
        pharmacy: seeded.pharmacy.clone(),
        stop: Default::default(),
        give_up: std::sync::Mutex::new(Instant::now() + Duration::from_secs(3600)),
        base: chrono::Utc::now().with_timezone(&jst()),
        chunk_bytes: args.chunk_bytes,
        pull_limit: args.pull_limit,
        think: Duration::from_millis(args.think_ms),
        max_sessions: args.max_sessions,
    });
    let outcome = lg.block_on(async {
        eprintln!("load: signing in {} devices ({} at a time)", args.devices, args.login_concurrency);
        let t = Instant::now();
        let devices = run::sign_in_all(&sh, devices, args.login_concurrency).await?;
        let login_s = t.elapsed().as_secs_f64();
        let window = Duration::from_secs_f64(args.seconds);
        *sh.give_up.lock().unwrap_or_else(std::sync::PoisonError::into_inner) =
            Instant::now() + window + Duration::from_secs_f64(args.drain_seconds);
        let stopper = {
            let sh = sh.clone();
            tokio::spawn(async move {
                tokio::time::sleep(window).await;
                sh.stop.store(true, Ordering::Relaxed);
            })
        };
        eprintln!("load: {} devices for {:.1} s", args.devices, args.seconds);
        let (devices, start) = run::drive(&sh, devices).await?;
        stopper.abort();
        eprintln!("load: last pulls and the check");
        Ok::<_, String>((run::finish(&sh, devices, start).await?, login_s))
    });
    let (outcome, login_s) = outcome?;
    drop(lg);
    drop(server);
    let env = json!({
        "cpus": std::thread::available_parallelism().map_or(0, |n| n.get()),
        "release": !cfg!(debug_assertions),
        "target": target,
        "servers": urls.len(),
        "seed": seed,
        "devices": args.devices,
        "devices_per_patient": args.devices_per_patient,
        "seconds": args.seconds,
        "think_ms": args.think_ms,
        "chunk_bytes": args.chunk_bytes,
        "login_s": login_s,
    });
    let ok = outcome.ok();
    record_figures(&outcome, &target, args.devices);
    if args.json {
        let mut doc = outcome.json();
        doc["environment"] = env;
        return Ok((serde_json::to_string_pretty(&doc).map_err(|e| e.to_string())?, ok));
    }
    let mut text = format!(
        "Kenko Techo load: {} devices ({} per patient) against {target} ({} server URL(s)), {} CPUs, release build: {}, seed {seed}\n",
        args.devices,
        args.devices_per_patient,
        urls.len(),
        env["cpus"],
        env["release"],
    );
    text.push_str(&format!("signing in took {login_s:.2} s (not measured)\n"));
    text.push_str(&outcome.text());
    Ok((text, ok))
}
