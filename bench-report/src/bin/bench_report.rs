//! Runs every benchmark of the workspace and prints one table of their figures.
//!
//! ```text
//! scripts/bench-report.sh [--only <part of a bench name>] [--log <file>]
//! ```
//!
//! Every `[[bench]]` target comes from `cargo metadata`, so a bench added later is run without
//! editing this; the benchmarks that are binaries or scripts (the sync bench and load
//! generator, the phone library's size) are listed in `OTHERS`. Each runs in turn, never two at
//! once: they compare against baselines measured in the same run, and two benches sharing two
//! cores would measure each other. Their own output goes to the log; the table to stdout.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use techo_bench_report::{REPORT_ENV, Row, read_figures, render};

/// Benchmarks that are not `cargo bench` targets: a name, the command (from the workspace root),
/// and whether it measures the server, which then runs once per backend
/// (`TECHO_TEST_SERVER_BACKEND`; PostgreSQL on the cluster `scripts/bench-report.sh` starts with
/// fsync on).
const OTHERS: &[(&str, &[&str], bool)] = &[
    (
        "sync_bench",
        &[
            "cargo",
            "run",
            "--release",
            "--locked",
            "-p",
            "techo-tests",
            "--bin",
            "sync_bench",
            "--",
            "--devices",
            "200",
            "--seconds",
            "10",
            // Four sign-ins at once can meet the address's sign-in limit (429) during setup.
            "--login-concurrency",
            "1",
        ],
        true,
    ),
    (
        "load",
        &[
            "cargo",
            "run",
            "--release",
            "--locked",
            "-p",
            "techo-tests",
            "--bin",
            "load",
            "--",
            "--devices",
            "200",
            "--seconds",
            "10",
        ],
        true,
    ),
    ("ffi-size", &["scripts/ffi-size.sh"], false),
];

/// `TECHO_TEST_SERVER_BACKEND` values: SQLite, one PostgreSQL instance, two over one database.
const BACKENDS: [&str; 3] = ["sqlite", "postgres", "postgres2"];

/// One benchmark to run: its name in the table, what it adds to the environment, its command.
struct Job {
    name: String,
    env: Vec<(String, String)>,
    command: Vec<String>,
}

struct Args {
    only: Option<String>,
    log: PathBuf,
}

fn args(root: &Path) -> Result<Args, String> {
    let mut out = Args { only: None, log: root.join("target/bench-report.log") };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--only" => out.only = Some(it.next().ok_or("--only needs a name")?),
            "--log" => out.log = it.next().ok_or("--log needs a file")?.into(),
            other => return Err(format!("unknown argument {other:?} (use --only NAME, --log FILE)")),
        }
    }
    Ok(out)
}

/// (package, bench target) of every `[[bench]]` in the workspace.
fn cargo_benches(root: &Path) -> Result<Vec<(String, String)>, String> {
    let out = Command::new("cargo")
        .args(["metadata", "--no-deps", "--format-version", "1", "--locked"])
        .current_dir(root)
        .output()
        .map_err(|e| format!("cargo metadata: {e}"))?;
    if !out.status.success() {
        return Err(format!("cargo metadata failed: {}", String::from_utf8_lossy(&out.stderr)));
    }
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).map_err(|e| format!("cargo metadata: {e}"))?;
    let mut benches = Vec::new();
    for package in meta["packages"].as_array().into_iter().flatten() {
        for target in package["targets"].as_array().into_iter().flatten() {
            if target["kind"].as_array().is_some_and(|k| k.iter().any(|k| k == "bench")) {
                let (Some(p), Some(t)) = (package["name"].as_str(), target["name"].as_str()) else { continue };
                benches.push((p.to_string(), t.to_string()));
            }
        }
    }
    benches.sort();
    Ok(benches)
}

/// Runs one benchmark with its output appended to the log; how it ended, for the table.
fn run(
    name: &str,
    env: &[(String, String)],
    command: &[String],
    root: &Path,
    figures: &Path,
    log: &Path,
) -> Result<(), String> {
    use std::io::Write;
    let mut file = std::fs::OpenOptions::new().create(true).append(true).open(log).map_err(|e| e.to_string())?;
    writeln!(file, "\n===== {name}: {}", command.join(" ")).map_err(|e| e.to_string())?;
    let err = file.try_clone().map_err(|e| e.to_string())?;
    eprintln!("bench_report: running {name}");
    let started = std::time::Instant::now();
    let status = Command::new(&command[0])
        .args(&command[1..])
        .current_dir(root)
        .env(REPORT_ENV, figures)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(file)
        .stderr(err)
        .status()
        .map_err(|e| format!("could not start: {e}"))?;
    eprintln!("bench_report: {name} took {:.0} s", started.elapsed().as_secs_f64());
    if status.success() { Ok(()) } else { Err(format!("failed ({status}); see the log")) }
}

fn main() -> ExitCode {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("the crate is in the workspace").to_path_buf();
    let args = match args(&root) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("bench_report: {e}");
            return ExitCode::from(2);
        }
    };
    let benches = match cargo_benches(&root) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("bench_report: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut jobs: Vec<Job> = benches
        .into_iter()
        .map(|(package, bench)| {
            let command = ["cargo", "bench", "--locked", "-p", &package, "--bench", &bench].map(String::from).to_vec();
            Job { name: bench, env: Vec::new(), command }
        })
        .collect();
    for (name, command, per_backend) in OTHERS {
        let command: Vec<String> = command.iter().map(|s| s.to_string()).collect();
        if *per_backend {
            for backend in BACKENDS {
                let env = vec![("TECHO_TEST_SERVER_BACKEND".to_string(), backend.to_string())];
                jobs.push(Job { name: format!("{name} ({backend})"), env, command: command.clone() });
            }
        } else {
            jobs.push(Job { name: name.to_string(), env: Vec::new(), command });
        }
    }
    if let Some(only) = &args.only {
        jobs.retain(|job| job.name.contains(only.as_str()));
    }
    if let Some(dir) = args.log.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let _ = std::fs::remove_file(&args.log);
    let figures = args.log.with_extension("jsonl");
    let _ = std::fs::remove_file(&figures);

    let mut rows = Vec::new();
    let mut failed = false;
    for Job { name, env, command } in &jobs {
        let before = std::fs::read_to_string(&figures).map(|t| read_figures(&t).len()).unwrap_or(0);
        let outcome = run(name, env, command, &root, &figures, &args.log);
        let recorded: Vec<_> = std::fs::read_to_string(&figures)
            .map(|t| read_figures(&t))
            .unwrap_or_default()
            .into_iter()
            .skip(before)
            .collect();
        match outcome {
            Err(e) => {
                failed = true;
                rows.push(Row::Bench { bench: name.clone(), outcome: e });
            }
            Ok(()) if recorded.is_empty() => {
                failed = true;
                rows.push(Row::Bench { bench: name.clone(), outcome: "recorded no figure".into() });
            }
            Ok(()) => {}
        }
        rows.extend(recorded.into_iter().map(Row::Figure));
    }
    let missed = rows.iter().any(|r| matches!(r, Row::Figure(f) if f["met"] == false));
    println!("{}", render(&rows));
    println!("Benches' own output: {}; figures: {}", args.log.display(), figures.display());
    if failed || missed { ExitCode::FAILURE } else { ExitCode::SUCCESS }
}
