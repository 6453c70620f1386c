//! Criterion benchmarks of the store's hot paths against plain-SQLite baselines.
//!
//! `cargo bench -p techo-core --bench store`. Criterion reports each side separately; the
//! `ratios` bench prints the side-by-side medians and ratios the performance targets are
//! stated in (measured round-robin, which this is not). For the report, each side's per-call
//! times are also kept (criterion's warm-up included, hence medians) and recorded as figures
//! against the plain-SQLite side, without targets.

mod common;

use common::{BareDb, Cipher, EncryptedStore, bench_dir};
use criterion::{Bencher, Criterion, Throughput, criterion_group, criterion_main};
use std::time::{Duration, Instant};
use techo_bench_report::Figure;
use techo_core::domain::Bucket;

/// Criterion's loop, with each sample's time per call also kept in `samples` (seconds).
fn kept(samples: &mut Vec<f64>, mut f: impl FnMut()) -> impl FnMut(&mut Bencher) {
    move |b| {
        b.iter_custom(|iters| {
            let started = Instant::now();
            for _ in 0..iters {
                f();
            }
            let took = started.elapsed();
            samples.push(took.as_secs_f64() / iters.max(1) as f64);
            took
        })
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

/// Ten years of JSH home readings: two each morning and evening.
const DAYS: u32 = 3650;

fn record_vital(c: &mut Criterion) {
    let dir = bench_dir();
    let mut enc = EncryptedStore::create(dir.path());
    let schema = enc.schema();
    let mut variants = [
        ("bare_sqlite_insert", BareDb::create(dir.path(), "plain.db", &schema, Cipher::Plain, false)),
        ("bare_sqlcipher_insert", BareDb::create(dir.path(), "cipher.db", &schema, Cipher::Encrypted, false)),
        ("bare_sqlcipher_insert_with_outbox", BareDb::create(dir.path(), "both.db", &schema, Cipher::Encrypted, true)),
    ];
    let mut g = c.benchmark_group("record_vital");
    // Each iteration is an fsync'd commit (0.2–4 ms depending on the disk): keep samples modest.
    g.sample_size(20).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(4));
    let mut store_times = Vec::new();
    g.bench_function("encrypted_store_with_outbox", kept(&mut store_times, || enc.record_one()));
    let mut bare_times = Vec::new();
    for (name, bare) in &mut variants {
        let mut times = Vec::new();
        g.bench_function(*name, kept(&mut times, || bare.insert_one()));
        if *name == "bare_sqlite_insert" {
            bare_times = times;
        }
    }
    g.finish();
    Figure::new("store", "record one vital (criterion, one side after the other)", median(store_times) * 1e6, "µs")
        .against("bare SQLite insert", median(bare_times) * 1e6)
        .record();
}

fn bp_ten_years(c: &mut Criterion) {
    let dir = bench_dir();
    let enc = EncryptedStore::create(dir.path());
    let range = enc.fill_home_bp(DAYS);
    let raw = enc.raw_reader();
    assert_eq!(raw.run(), i64::try_from(range.readings).expect("fits"), "fixture and baseline see the same rows");

    let mut g = c.benchmark_group("bp_10_years");
    g.sample_size(20).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(4));
    g.throughput(Throughput::Elements(range.readings));
    let (mut chart, mut agg) = (Vec::new(), Vec::new());
    g.bench_function("day_series_plus_summary", kept(&mut chart, || enc.day_series_and_summary(&range)));
    g.bench_function("week_series", |b| b.iter(|| enc.series(&range, Bucket::Week)));
    g.bench_function("month_series", |b| b.iter(|| enc.series(&range, Bucket::Month)));
    g.bench_function(
        "raw_aggregate",
        kept(&mut agg, || {
            raw.run();
        }),
    );
    g.finish();
    Figure::new("store", "day chart series + home-BP summary, 10 years (criterion)", median(chart) * 1e3, "ms")
        .against("one raw SQL aggregate", median(agg) * 1e3)
        .record();
}

criterion_group!(benches, record_vital, bp_ten_years);
criterion_main!(benches);
