//! Soak and fault run (quality.md S2, S3, V3, V4): simulated phones of `techo_tests::load`
//! work against the server binary, through the fault proxy, while the server process is
//! SIGKILLed and restarted, PostgreSQL is restarted under it (`--pg-restart`), and the proxy
//! drops, delays, cuts and refuses requests. The phones retry as the app does (the same
//! mutation ids, the same upload ids). Afterwards: 0 lost, 0 duplicated, converged (every
//! device's view equals the server's), with counts; exits non-zero otherwise.
//!
//! ```text
//! scripts/soak.sh [--size ci|long]        # both backends; builds and finds what this needs
//! soak --backend sqlite|postgres [--size ci|long] [--pg-restart "<command>"] [--seed N]
//! ```
//!
//! The server is the `server_under_test` binary next to this one; on PostgreSQL it gets a
//! database of its own on the cluster `TECHO_TEST_POSTGRES_URL` names.

use clap::Parser;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};
use techo_server::storage::scratch::{ScratchDatabase, test_cluster_url};
use techo_tests::fault_proxy::{FaultConfig, FaultProxy};
use techo_tests::harness::http;
use techo_tests::load::device::Shared;
use techo_tests::load::http::{Client, Servers};
use techo_tests::load::payloads::jst;
use techo_tests::load::run::{self, PASSWORD, Plan};

#[derive(Parser, Debug)]
#[command(name = "soak")]
struct Args {
    /// sqlite or postgres.
    #[arg(long, default_value = "sqlite")]
    backend: String,
    /// ci (about half a minute per backend) or long (about 15 minutes per backend).
    #[arg(long, default_value = "ci")]
    size: String,
    /// A shell command restarting the PostgreSQL cluster (scripts/soak.sh passes pg_ctl's);
    /// without it the PostgreSQL-restart steps are left out.
    #[arg(long)]
    pg_restart: Option<String>,
    #[arg(long)]
    seed: Option<u64>,
}

/// One step of the fault schedule; the load runs throughout.
#[derive(Debug, Clone, Copy)]
enum Step {
    /// Load with nothing wrong.
    Calm(Duration),
    /// SIGKILL the server, leave it down this long, start it again.
    KillServer(Duration),
    /// Restart PostgreSQL under the running server.
    RestartPostgres,
    /// The proxy misbehaves (`FaultConfig::flaky`) for this long.
    Flaky(Duration),
}

struct Size {
    devices: usize,
    think: Duration,
    schedule: Vec<Step>,
    drain: Duration,
}

fn size(name: &str, postgres: bool, rng: &mut techo_tests::sim::SimRng) -> Result<Size, String> {
    let ms = |n: u64| Duration::from_millis(n);
    let (devices, think, cycles, calm_ms, flaky_ms, drain) = match name {
        "ci" => (24, ms(20), 4, 2000, 6000, Duration::from_secs(60)),
        "long" => (200, ms(200), 20, 20_000, 30_000, Duration::from_secs(300)),
        other => return Err(format!("--size is ci or long, not {other}")),
    };
    let mut schedule = vec![Step::Calm(ms(calm_ms))];
    for cycle in 0..cycles {
        // The kill lands at a random point of the load, so before, during and after commits.
        schedule.push(Step::Calm(ms(calm_ms / 2 + rng.below(calm_ms))));
        schedule.push(Step::KillServer(ms(200 + rng.below(800))));
        if postgres && cycle % 2 == 0 {
            schedule.push(Step::Calm(ms(calm_ms / 2 + rng.below(calm_ms))));
            schedule.push(Step::RestartPostgres);
        }
        if cycle % 4 == 0 {
            schedule.push(Step::Calm(ms(calm_ms / 2)));
            schedule.push(Step::Flaky(ms(flaky_ms)));
        }
    }
    schedule.push(Step::Calm(ms(calm_ms)));
    Ok(Size { devices, think, schedule, drain })
}

/// The server binary as a child process, on a fixed port so it comes back where the proxy points.
struct ServerProcess {
    child: Child,
}

impl ServerProcess {
    fn start(args: &[String]) -> Result<Self, String> {
        let exe = std::env::current_exe().map_err(|e| e.to_string())?.with_file_name("server_under_test");
        let mut child = Command::new(&exe)
            .args(args)
            .env("RUST_LOG", "error")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| {
                format!("{}: {e} (build it: cargo build -p techo-tests --bin server_under_test)", exe.display())
            })?;
        let stdout = child.stdout.take().ok_or("server stdout")?;
        let mut lines = BufReader::new(stdout);
        let mut line = String::new();
        lines.read_line(&mut line).map_err(|e| e.to_string())?;
        if !line.starts_with("listening on") {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("the server did not start: {line:?}"));
        }
        // Keep reading whatever else it prints, so a full pipe never blocks it.
        std::thread::spawn(move || {
            let mut sink = String::new();
            while lines.read_line(&mut sink).is_ok_and(|n| n > 0) {
                sink.clear();
            }
        });
        Ok(Self { child })
    }

    fn kill(mut self) {
        // SAFETY: kill(2) on our own child's pid; the worst outcome is ESRCH.
        unsafe {
            libc::kill(self.child.id() as i32, libc::SIGKILL);
        }
        let _ = self.child.wait();
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    match soak(&args) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("soak failed: {e}");
            ExitCode::FAILURE
        }
    }
}

fn soak(args: &Args) -> Result<bool, String> {
    let postgres = match args.backend.as_str() {
        "sqlite" => false,
        "postgres" => true,
        other => return Err(format!("--backend is sqlite or postgres, not {other}")),
    };
    let seed = args.seed.unwrap_or_else(rand::random);
    let mut rng = techo_tests::sim::SimRng::new(seed);
    let size = size(&args.size, postgres, &mut rng)?;
    let pg_restart = if postgres { args.pg_restart.clone() } else { None };
    println!(
        "soak ({}, {} size, seed {seed}; replay with --seed {seed}): {} devices, 2 per patient",
        args.backend, args.size, size.devices
    );

    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let database = if postgres {
        let url = test_cluster_url().ok_or("--backend postgres needs TECHO_TEST_POSTGRES_URL (scripts/postgres.sh)")?;
        Some(ScratchDatabase::create(&url))
    } else {
        None
    };
    let db_url = database.as_ref().map(ScratchDatabase::url);
    let plan = Plan { devices: size.devices, devices_per_patient: 2, pharmacy: true, seed, replicas: true };
    let seeded = {
        let storage = techo_server::open_database(dir.path(), db_url.as_deref()).map_err(|e| e.to_string())?;
        run::seed_store(storage.as_ref(), &plan)?
    };
    let port =
        std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map_err(|e| e.to_string())?.port();
    let mut server_args = vec![
        "--data-dir".to_owned(),
        dir.path().to_string_lossy().into_owned(),
        "--bind".to_owned(),
        format!("127.0.0.1:{port}"),
    ];
    if let Some(url) = &db_url {
        server_args.extend(["--database".to_owned(), url.clone()]);
    }
    let mut server = Some(ServerProcess::start(&server_args)?);

    let lg = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("loadgen")
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let upstream: std::net::SocketAddr = format!("127.0.0.1:{port}").parse().map_err(|_| "address")?;
    let proxy = lg.block_on(FaultProxy::start(upstream, seed)).map_err(|e| e.to_string())?;
    let planned: Duration = size
        .schedule
        .iter()
        .map(|s| match s {
            Step::Calm(d) | Step::KillServer(d) | Step::Flaky(d) => *d,
            Step::RestartPostgres => Duration::from_secs(10),
        })
        .sum();
    let sh = Arc::new(Shared {
        client: Client {
            http: http(),
            servers: Servers::new(vec![proxy.url.clone()]),
            timeout: Duration::from_secs(30),
        },
        password: PASSWORD.into(),
        pharmacy: seeded.pharmacy.clone(),
        stop: Default::default(),
        give_up: std::sync::Mutex::new(Instant::now() + Duration::from_secs(3600)),
        base: chrono::Utc::now().with_timezone(&jst()),
        chunk_bytes: 2048,
        pull_limit: 200,
        think: size.think,
        max_sessions: u32::MAX,
    });
    let devices = run::make_devices(&plan, &seeded)?;
    let devices = lg.block_on(run::sign_in_all(&sh, devices, 4))?;
    *sh.give_up.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Instant::now() + planned * 2 + size.drain;
    let load = {
        let sh = sh.clone();
        lg.spawn(async move { run::drive(&sh, devices).await })
    };

    let started = Instant::now();
    let (mut kills, mut pg_restarts) = (0u32, 0u32);
    let mut flaky_counts = None;
    for step in &size.schedule {
        match *step {
            Step::Calm(d) => std::thread::sleep(d),
            Step::KillServer(down) => {
                if let Some(s) = server.take() {
                    s.kill();
                    kills += 1;
                }
                std::thread::sleep(down);
                server = Some(ServerProcess::start(&server_args)?);
                eprintln!("soak: {:.1} s: server killed and restarted ({kills})", started.elapsed().as_secs_f64());
            }
            Step::RestartPostgres => {
                let Some(cmd) = &pg_restart else { continue };
                let status = Command::new("sh")
                    .args(["-c", cmd])
                    .stdin(Stdio::null())
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status()
                    .map_err(|e| e.to_string())?;
                if !status.success() {
                    return Err(format!("restarting PostgreSQL failed ({status})"));
                }
                pg_restarts += 1;
                eprintln!("soak: {:.1} s: PostgreSQL restarted ({pg_restarts})", started.elapsed().as_secs_f64());
            }
            Step::Flaky(d) => {
                let before = proxy.counts();
                proxy.set_faults(FaultConfig::flaky());
                std::thread::sleep(d);
                proxy.heal();
                let after = proxy.counts();
                flaky_counts = Some((before, after));
                eprintln!(
                    "soak: {:.1} s: a flaky network for {:.1} s",
                    started.elapsed().as_secs_f64(),
                    d.as_secs_f64()
                );
            }
        }
    }
    proxy.heal();
    sh.stop.store(true, Ordering::Relaxed);
    eprintln!("soak: {:.1} s: faults over; draining the queues", started.elapsed().as_secs_f64());
    let outcome = lg.block_on(async {
        let (devices, start) = load.await.map_err(|e| e.to_string())??;
        run::finish(&sh, devices, start).await
    })?;
    let counts = proxy.counts();
    drop(server);

    println!("{}", outcome.text());
    println!(
        "faults: server SIGKILLed and restarted {kills} times; PostgreSQL restarted {pg_restarts} times{}",
        if postgres && pg_restart.is_none() { " (no --pg-restart given)" } else { "" }
    );
    let mut missing = Vec::new();
    if let Some((_, after)) = &flaky_counts {
        missing = after.missing_faults();
        println!(
            "proxy faults injected: delayed {}, resets {}, abandoned {}, dropped answers {}, truncated {}, 503 {}, 429 {}; \
             answers lost after the server acted: {}",
            after.delayed,
            after.resets,
            after.abandoned,
            after.dropped_responses,
            after.truncated,
            after.unavailable,
            after.rate_limited,
            after.lost_answers_by_path.values().sum::<u64>()
        );
    }
    if !missing.is_empty() {
        println!("proxy faults that never happened: {missing:?} (a longer flaky phase is needed)");
    }
    let kills_ok = kills > 0 && (!postgres || pg_restart.is_none() || pg_restarts > 0);
    let ok = outcome.ok() && kills_ok && flaky_counts.is_some() && missing.is_empty();
    println!(
        "soak verdict ({}): {} — {} lost, {} duplicated, {} of {} devices diverged, {} mutations acknowledged, \
         {} records on the server, {} conflicts merged, requests through the proxy {}",
        args.backend,
        if ok { "PASSED" } else { "FAILED" },
        outcome.verdict.lost,
        outcome.verdict.duplicated,
        outcome.verdict.diverged,
        outcome.verdict.devices,
        outcome.verdict.acknowledged,
        outcome.verdict.on_server,
        outcome.window.conflicts + outcome.after.conflicts,
        counts.requests,
    );
    drop(database);
    Ok(ok)
}
