//! What the FFI costs per call: `record_vital` and `list_vitals` of 100 readings through the
//! facade from Rust (no FFI), from Kotlin on the JVM (JNA) and from Python (ctypes), in one run
//! with the same optimised library, the same batches and medians, printed with ratios to Rust.
//! Kotlin runs twice: the bindings the shells compile (one call status per thread,
//! bindings/uniffi-bindgen) and UniFFI's own call path, so what the first saves is measured
//! against the second under the same load.
//!
//!   ./scripts/ffi-bench.sh        (installs the tools, then `cargo bench -p techo-ffi --bench ffi_cost`)
//!
//! The callers run side by side and take turns batch by batch: on a shared machine the load
//! moves by 2x within a minute, and callers measured one after the other compared loads, not
//! calls. Every caller first makes the same warm-up calls, enough for the JVM to finish compiling
//! the hot paths (with a few hundred, C2 was still compiling through the measured batches and
//! took a third of the CPU), so each store also holds the same readings when measured.
//!
//! The stores live in TECHO_BENCH_DIR (default /dev/shm when present): on tmpfs fsync is free,
//! so the numbers show CPU cost, of which the FFI is part, not the disk.

#[path = "../tests/support/mod.rs"]
mod support;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};
use support::{artifacts, run_ok, tool_env, workspace_root};
use techo_bench_report::Figure;
use techo_bindgen::{KotlinCalls, Language};
use techo_ffi::{
    ApiError, CoreConfig, DeviceKeyStore, Relationship, Source, TechoCore, VitalEntry, VitalFilter, VitalInput,
};

/// Calls per batch, and batches: warm-up (discarded) then measured, per operation and caller.
const RECORD_BATCH: u32 = 100;
const LIST_BATCH: u32 = 50;
const MEASURED_BATCHES: usize = 21;

#[derive(Default)]
struct Keys(Mutex<std::collections::HashMap<String, Vec<u8>>>);

impl DeviceKeyStore for Keys {
    fn load(&self, name: String) -> Result<Option<Vec<u8>>, ApiError> {
        Ok(self.0.lock().expect("keys").get(&name).cloned())
    }
    fn save(&self, name: String, secret: Vec<u8>) -> Result<(), ApiError> {
        self.0.lock().expect("keys").insert(name, secret);
        Ok(())
    }
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    let n = xs.len();
    if n % 2 == 1 { xs[n / 2] } else { (xs[n / 2 - 1] + xs[n / 2]) / 2.0 }
}

fn bench_dir() -> PathBuf {
    std::env::var_os("TECHO_BENCH_DIR").map(PathBuf::from).unwrap_or_else(|| {
        if Path::new("/dev/shm").is_dir() { PathBuf::from("/dev/shm") } else { std::env::temp_dir() }
    })
}

#[derive(Clone, Copy)]
enum Op {
    Record,
    List,
}

impl Op {
    fn word(self) -> &'static str {
        match self {
            Op::Record => "record",
            Op::List => "list",
        }
    }

    fn batch(self) -> u32 {
        match self {
            Op::Record => RECORD_BATCH,
            Op::List => LIST_BATCH,
        }
    }

    /// HotSpot compiles a method with C2 after some 10,000 calls; a list call reads 100
    /// readings, so its converters get there 100 times sooner.
    fn warm_up_batches(self) -> usize {
        match self {
            Op::Record => 100,
            Op::List => 30,
        }
    }
}

/// One caller of the facade: runs `count` calls of `op` and answers the µs per call.
trait Caller {
    fn batch(&mut self, op: Op, count: u32) -> f64;
}

/// The Rust baseline: the same facade methods, called directly.
struct Rust {
    core: Arc<TechoCore>,
    profile: String,
    n: u64,
    _dir: tempfile::TempDir,
}

impl Rust {
    fn open() -> Self {
        let dir = tempfile::tempdir_in(bench_dir()).expect("bench dir");
        let config = CoreConfig {
            data_dir: dir.path().display().to_string(),
            server_url: "http://127.0.0.1:9".into(),
            trusted_roots_pem: None,
        };
        let core = TechoCore::open(config, Arc::new(Keys::default())).expect("open");
        let profile = core.add_profile("BENCH0001".into(), "bench".into(), Relationship::Myself).expect("profile").id;
        Self { core, profile, n: 0, _dir: dir }
    }

    fn record(&mut self) {
        self.n += 1;
        let start = SystemTime::UNIX_EPOCH + Duration::from_secs(1_767_218_400);
        let entry = VitalEntry {
            input: VitalInput::Steps { count: (1000 + self.n).to_string() },
            measured_at: start + Duration::from_secs(60 * self.n),
            utc_offset_minutes: 540,
            source: Source::SelfEntered,
            device_name: None,
            note: None,
        };
        self.core.record_vital(self.profile.clone(), entry).expect("record");
    }
}

impl Caller for Rust {
    fn batch(&mut self, op: Op, count: u32) -> f64 {
        let query = VitalFilter { limit: 100, ..VitalFilter::default() };
        let t = Instant::now();
        for _ in 0..count {
            match op {
                Op::Record => self.record(),
                Op::List => {
                    let page = self.core.list_vitals(self.profile.clone(), query.clone()).expect("list");
                    assert_eq!(page.items.len(), 100);
                }
            }
        }
        t.elapsed().as_secs_f64() * 1e6 / f64::from(count)
    }
}

/// A Kotlin or Python process that runs one batch per line it reads (ffi_cost.kt, ffi_cost.py).
struct Foreign {
    child: Child,
    commands: Option<ChildStdin>,
    answers: BufReader<ChildStdout>,
}

impl Foreign {
    fn spawn(cmd: &mut Command) -> Self {
        let mut child = cmd
            .env("TECHO_BENCH_DIR", bench_dir())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("could not start {cmd:?}: {e}"));
        let commands = child.stdin.take();
        let answers = BufReader::new(child.stdout.take().expect("piped stdout"));
        Self { child, commands, answers }
    }

    /// Closing its stdin ends its loop and closes its core.
    fn finish(mut self) {
        drop(self.commands.take());
        let status = self.child.wait().expect("wait for a bench process");
        assert!(status.success(), "a bench process failed with {status}");
    }
}

impl Caller for Foreign {
    fn batch(&mut self, op: Op, count: u32) -> f64 {
        let commands = self.commands.as_mut().expect("still running");
        writeln!(commands, "{} {count}", op.word()).and_then(|()| commands.flush()).expect("send a batch");
        let mut line = String::new();
        self.answers.read_line(&mut line).expect("read a batch's time");
        line.trim().parse().unwrap_or_else(|_| panic!("a bench process answered {line:?} (its error is above)"))
    }
}

/// The Kotlin the shells compile, or (`AsUniffiWritesIt`) UniFFI's own call path for comparison.
fn kotlin(calls: KotlinCalls) -> Foreign {
    let a = artifacts();
    let home = PathBuf::from(tool_env("KOTLIN_HOME"));
    let jna = tool_env("JNA_JAR");
    let (source, jar) = match calls {
        KotlinCalls::PerThreadStatus => (a.generated.clone(), a.scratch.join("ffi_cost.jar")),
        KotlinCalls::AsUniffiWritesIt => {
            let dir = a.scratch.join("uniffi-kotlin");
            techo_bindgen::generate_with(&a.library, &dir, &[Language::Kotlin], calls)
                .unwrap_or_else(|e| panic!("UniFFI's Kotlin: {e}"));
            (dir, a.scratch.join("ffi_cost_uniffi.jar"))
        }
    };
    let cp = format!("{jna}:{}", home.join("lib/kotlinx-coroutines-core-jvm.jar").display());
    run_ok(
        Command::new(home.join("bin/kotlinc"))
            .args(["-nowarn", "-include-runtime", "-d"])
            .arg(&jar)
            .arg("-classpath")
            .arg(&cp)
            .arg(source.join("jp/kenkotecho/core/techo.kt"))
            .arg(workspace_root().join("bindings/benches/ffi_cost.kt")),
    );
    Foreign::spawn(
        Command::new("java")
            // A fixed heap, touched before the first call: a heap that grows while measured makes
            // the collector hand out pages never touched before, whose faults showed as batches
            // 30 % slower until the next collection (docs/ffi-cost.md).
            .args(["-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch"])
            .arg(format!("-Djna.library.path={}", a.lib_dir.display()))
            .arg("-cp")
            .arg(format!("{cp}:{}", jar.display()))
            .arg("jp.kenkotecho.bench.Ffi_costKt"),
    )
}

fn python() -> Foreign {
    let a = artifacts();
    let dir = a.scratch.join("python");
    std::fs::create_dir_all(&dir).expect("python dir");
    std::fs::copy(a.generated.join("techo.py"), dir.join("techo.py")).expect("module");
    std::fs::copy(&a.library, dir.join("libtecho_ffi.so")).expect("library");
    Foreign::spawn(
        Command::new("python3")
            .arg(workspace_root().join("bindings/benches/ffi_cost.py"))
            .env("PYTHONPATH", &dir)
            .env("PYTHONDONTWRITEBYTECODE", "1"),
    )
}

/// Warm-up batches, then measured ones, each round one batch per caller in an order shuffled
/// round by round (a fixed seed): a caller's garbage collector or cleaner still running after its
/// batch then falls on every other caller alike, not always on the one after it. Answers each
/// caller's median µs per call.
fn measure(callers: &mut [&mut dyn Caller], op: Op) -> Vec<f64> {
    for _ in 0..op.warm_up_batches() {
        for c in callers.iter_mut() {
            c.batch(op, op.batch());
        }
    }
    let mut times = vec![Vec::with_capacity(MEASURED_BATCHES); callers.len()];
    let mut order: Vec<usize> = (0..callers.len()).collect();
    let mut seed = 0x9E37_79B9_7F4A_7C15_u64;
    for _ in 0..MEASURED_BATCHES {
        for i in (1..order.len()).rev() {
            // xorshift64: enough to vary the order, the same in every run.
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            order.swap(i, (seed % (i as u64 + 1)) as usize);
        }
        for &who in &order {
            times[who].push(callers[who].batch(op, op.batch()));
        }
    }
    times.into_iter().map(median).collect()
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` would run this as a test: skip then.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    println!("stores in {} (library {})", bench_dir().display(), artifacts().library.display());
    let mut rust = Rust::open();
    let mut kotlin_shipped = kotlin(KotlinCalls::PerThreadStatus);
    let mut kotlin_uniffi = kotlin(KotlinCalls::AsUniffiWritesIt);
    let mut python = python();
    let mut callers: [&mut dyn Caller; 4] = [&mut rust, &mut kotlin_shipped, &mut python, &mut kotlin_uniffi];
    let record = measure(&mut callers, Op::Record);
    let list = measure(&mut callers, Op::List);
    kotlin_shipped.finish();
    kotlin_uniffi.finish();
    python.finish();
    // The targets are for what ships; UniFFI's own call path is printed for comparison.
    for (i, caller) in [(1, "Kotlin/JNA"), (2, "Python/ctypes")] {
        Figure::new("ffi_cost", &format!("record_vital from {caller}"), record[i], "µs")
            .against("the same call from Rust", record[0])
            .ratio_at_most(1.1)
            .note("per call, median of batches")
            .record();
        Figure::new("ffi_cost", &format!("list_vitals (100) from {caller}"), list[i], "µs")
            .against("the same call from Rust", list[0])
            .ratio_at_most(1.5)
            .note("per call, median of batches")
            .record();
    }
    println!("{:<22} {:>16} {:>8} {:>14} {:>8}", "caller", "record_vital µs", "ratio", "list(100) µs", "ratio");
    let names = ["Rust (no FFI)", "Kotlin/JNA (shipped)", "Python/ctypes", "Kotlin/JNA (UniFFI's)"];
    for (i, name) in names.into_iter().enumerate() {
        let (r, l) = (record[i], list[i]);
        println!("{name:<22} {r:>16.1} {:>7.2}× {l:>14.1} {:>7.2}×", r / record[0], l / list[0]);
    }
}
