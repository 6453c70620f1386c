//! What the FFI costs per call: `record_vital` and `list_vitals` of 100 readings through the
//! facade from Rust (no FFI), from Kotlin on the JVM (JNA) and from Python (ctypes), in one run
//! with the same optimised library, the same batches and medians, printed with ratios to Rust.
//!
//!   ./scripts/ffi-bench.sh        (installs the tools, then `cargo bench -p techo-ffi --bench ffi_cost`)
//!
//! The stores live in TECHO_BENCH_DIR (default /dev/shm when present): on tmpfs fsync is free,
//! so the numbers show CPU cost, of which the FFI is part, not the disk.

#[path = "../tests/support/mod.rs"]
mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};
use support::{artifacts, run_ok, tool_env, workspace_root};
use techo_ffi::{
    ApiError, CoreConfig, DeviceKeyStore, Relationship, Source, TechoCore, VitalEntry, VitalFilter, VitalInput,
};

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

/// The Rust baseline: the same facade methods, called directly.
fn rust() -> (f64, f64) {
    let dir = tempfile::tempdir_in(bench_dir()).expect("bench dir");
    let config = CoreConfig {
        data_dir: dir.path().display().to_string(),
        server_url: "http://127.0.0.1:9".into(),
        trusted_roots_pem: None,
    };
    let core = TechoCore::open(config, Arc::new(Keys::default())).expect("open");
    let profile = core.add_profile("BENCH0001".into(), "bench".into(), Relationship::Myself).expect("profile").id;
    let start = SystemTime::UNIX_EPOCH + Duration::from_secs(1_767_218_400);
    let mut n = 0u64;
    let mut record = || {
        n += 1;
        let entry = VitalEntry {
            input: VitalInput::Steps { count: (1000 + n).to_string() },
            measured_at: start + Duration::from_secs(60 * n),
            utc_offset_minutes: 540,
            source: Source::SelfEntered,
            device_name: None,
            note: None,
        };
        core.record_vital(profile.clone(), entry).expect("record");
    };
    for _ in 0..200 {
        record();
    }
    let record_us = (0..20)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..100 {
                record();
            }
            t.elapsed().as_secs_f64() * 1e6 / 100.0
        })
        .collect();
    let query = VitalFilter { limit: 100, ..VitalFilter::default() };
    for _ in 0..200 {
        core.list_vitals(profile.clone(), query.clone()).expect("list");
    }
    let list_us = (0..20)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..50 {
                assert_eq!(core.list_vitals(profile.clone(), query.clone()).expect("list").items.len(), 100);
            }
            t.elapsed().as_secs_f64() * 1e6 / 50.0
        })
        .collect();
    (median(record_us), median(list_us))
}

fn parse(out: &[u8]) -> (f64, f64) {
    let text = String::from_utf8_lossy(out);
    let field = |name: &str| -> f64 {
        text.split_whitespace()
            .find_map(|w| w.strip_prefix(name)?.strip_prefix('=')?.parse().ok())
            .unwrap_or_else(|| panic!("no {name} in {text:?}"))
    };
    (field("record_vital_us"), field("list100_us"))
}

fn kotlin() -> (f64, f64) {
    let a = artifacts();
    let home = PathBuf::from(tool_env("KOTLIN_HOME"));
    let jna = tool_env("JNA_JAR");
    let jar = a.scratch.join("ffi_cost.jar");
    let cp = format!("{jna}:{}", home.join("lib/kotlinx-coroutines-core-jvm.jar").display());
    run_ok(
        Command::new(home.join("bin/kotlinc"))
            .args(["-nowarn", "-include-runtime", "-d"])
            .arg(&jar)
            .arg("-classpath")
            .arg(&cp)
            .arg(a.generated.join("jp/kenkotecho/core/techo.kt"))
            .arg(workspace_root().join("bindings/benches/ffi_cost.kt")),
    );
    let out = run_ok(
        Command::new("java")
            .arg(format!("-Djna.library.path={}", a.lib_dir.display()))
            .arg("-cp")
            .arg(format!("{cp}:{}", jar.display()))
            .arg("jp.kenkotecho.bench.Ffi_costKt")
            .env("TECHO_BENCH_DIR", bench_dir()),
    );
    parse(&out.stdout)
}

fn python() -> (f64, f64) {
    let a = artifacts();
    let dir = a.scratch.join("python");
    std::fs::create_dir_all(&dir).expect("python dir");
    std::fs::copy(a.generated.join("techo.py"), dir.join("techo.py")).expect("module");
    std::fs::copy(&a.library, dir.join("libtecho_ffi.so")).expect("library");
    let out = run_ok(
        Command::new("python3")
            .arg(workspace_root().join("bindings/benches/ffi_cost.py"))
            .env("PYTHONPATH", &dir)
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .env("TECHO_BENCH_DIR", bench_dir()),
    );
    parse(&out.stdout)
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` would run this as a test: skip then.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    println!("stores in {} (library {})", bench_dir().display(), artifacts().library.display());
    let (rust_record, rust_list) = rust();
    let rows = [("Rust (no FFI)", (rust_record, rust_list)), ("Kotlin/JNA", kotlin()), ("Python/ctypes", python())];
    println!("{:<15} {:>18} {:>8} {:>18} {:>8}", "caller", "record_vital µs", "ratio", "list(100) µs", "ratio");
    for (name, (record, list)) in rows {
        println!("{name:<15} {record:>18.1} {:>7.2}× {list:>18.1} {:>7.2}×", record / rust_record, list / rust_list);
    }
}
