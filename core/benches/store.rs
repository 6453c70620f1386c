//! Criterion benchmarks of the store's hot paths against plain-SQLite baselines.
//!
//! `cargo bench -p techo-core --bench store`. Criterion reports each side separately; the
//! `ratios` bench prints the side-by-side medians and ratios the performance targets are
//! stated in.

mod common;

use common::{BareDb, EncryptedStore, bench_dir};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::time::Duration;
use techo_core::domain::Bucket;

/// Ten years of JSH home readings: two each morning and evening.
const DAYS: u32 = 3650;

fn record_vital(c: &mut Criterion) {
    let dir = bench_dir();
    let mut enc = EncryptedStore::create(dir.path());
    let mut bare = BareDb::create(dir.path());
    let mut g = c.benchmark_group("record_vital");
    // Each iteration is an fsync'd commit (about a millisecond or more): keep the sample modest.
    g.sample_size(20).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(4));
    g.bench_function("encrypted_store_with_outbox", |b| b.iter(|| enc.record_one()));
    g.bench_function("bare_sqlite_insert", |b| b.iter(|| bare.insert_one()));
    g.finish();
}

fn bp_ten_years(c: &mut Criterion) {
    let dir = bench_dir();
    let enc = EncryptedStore::create(dir.path());
    let range = enc.fill_home_bp(DAYS);
    let raw = enc.raw_reader();
    assert_eq!(raw.run(), i64::try_from(range.readings).expect("fits"), "fixture and baseline see the same rows");

    let mut g = c.benchmark_group("bp_10_years");
    g.sample_size(30).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3));
    g.throughput(Throughput::Elements(range.readings));
    g.bench_function("day_series_plus_summary", |b| b.iter(|| enc.day_series_and_summary(&range)));
    g.bench_function("week_series", |b| b.iter(|| enc.series(&range, Bucket::Week)));
    g.bench_function("month_series", |b| b.iter(|| enc.series(&range, Bucket::Month)));
    g.bench_function("raw_aggregate", |b| b.iter(|| raw.run()));
    g.finish();
}

criterion_group!(benches, record_vital, bp_ten_years);
criterion_main!(benches);
