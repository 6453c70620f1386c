//! Importing a medication history: 1,000 dispensings (a pharmacy's or another app's export) into
//! the encrypted store in one import, against parsing the same bytes alone in the same run.
//! Target (issue 12): ≤ 1 s for the import.
//!
//! `cargo bench -p techo-core --bench medications` (stores on the build's disk, like `ratios`;
//! `TECHO_BENCH_DIR=/dev/shm` for the CPU cost alone). Without `--bench` it smoke-tests itself
//! on 20 dispensings.

use std::path::PathBuf;
use std::time::{Duration, Instant};
use techo_bench_report::Figure;
use techo_core::domain::Relationship;
use techo_core::keys::MemoryKeyStore;
use techo_core::store::{ImportSource, Store};

/// A history of `n` dispensings: one to three RPs each, half-width and full-width names, 28-day
/// internal medicines and an as-needed one, on distinct days so every block is its own entry.
fn history(n: usize) -> Vec<u8> {
    let mut text = String::from("JAHISTC08,1\r\n1,ベンチ 花子,2,19450720\r\n");
    for i in 0..n {
        let day = chrono::NaiveDate::from_ymd_opt(2020, 1, 1).unwrap() + chrono::Duration::days(i as i64);
        text += &format!(
            "5,{},1\r\n11,ベンチ薬局 {}号店,34,4,{:07},,,,1\r\n15,薬剤 一郎,,1\r\n",
            day.to_string().replace('-', ""),
            i % 7,
            i % 7
        );
        text += &format!("201,1,ｱﾑﾛｼﾞﾋﾟﾝ錠{}mg,1,錠,2,9990{:05},1\r\n", 2 + i % 3, i);
        text += "201,1,メトホルミン塩酸塩錠２５０ｍｇ,2,錠,2,999000002,1\r\n281,1,朝１錠、夕１錠,1\r\n";
        text += "301,1,【１日２回 朝夕食後】,28,日分,1,1,,1\r\n";
        if i % 2 == 0 {
            text += "201,2,ロキソプロフェンＮａ錠６０ｍｇ,1,錠,2,999000003,1\r\n301,2,【疼痛時】,10,回分,3,1,,1\r\n391,2,１日３回まで,1\r\n";
        }
        text += "401,めまいが出たら相談してください。,1\r\n";
    }
    techo_jahis::encode_cp932(&text).0
}

/// On the build's disk, as `ratios` does (`/tmp` may be tmpfs, where fsync is free).
fn bench_dir() -> tempfile::TempDir {
    let dir = std::env::var_os("TECHO_BENCH_DIR").map_or_else(|| env!("CARGO_TARGET_TMPDIR").into(), PathBuf::from);
    tempfile::Builder::new().prefix("techo-bench-").tempdir_in(dir).expect("bench dir")
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort_unstable();
    v[v.len() / 2]
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let (n, rounds) = if full { (1000, 7) } else { (20, 1) };
    let bytes = history(n);
    let dir = bench_dir();
    let (mut import, mut parse) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        let started = Instant::now();
        let parsed = techo_jahis::parse(&bytes).expect("parses");
        parse.push(started.elapsed());
        assert_eq!(parsed.document.dispensings.len(), n);

        let keys = MemoryKeyStore::new();
        let store = Store::open(dir.path().join(format!("import-{round}.db")), &keys).expect("store");
        let p = store.add_profile("34001234", "ベンチ 花子", Relationship::Myself).expect("profile");
        let started = Instant::now();
        let done = store.import_medications(p.id, &bytes, ImportSource::File).expect("imports");
        import.push(started.elapsed());
        assert_eq!(done.added.len(), n + 1, "every dispensing and the patient details");
    }
    let (import, parse) = (median(import), median(parse));
    Figure::new("medications", &format!("import {n} dispensings into the store"), import.as_secs_f64() * 1e3, "ms")
        .against("parsing alone", parse.as_secs_f64() * 1e3)
        .at_most(1000.0)
        .note(format!("medians of {rounds}"))
        .record();
    println!(
        "import of {n} dispensings ({:.1} KB): median {:.0} ms (target ≤ 1000 ms: {}); parsing alone {:.1} ms → ratio {:.1}",
        bytes.len() as f64 / 1024.0,
        import.as_secs_f64() * 1e3,
        if import <= Duration::from_secs(1) { "met" } else { "MISSED" },
        parse.as_secs_f64() * 1e3,
        import.as_secs_f64() / parse.as_secs_f64()
    );
}
