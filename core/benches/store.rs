//! Criterion benchmarks of the store's hot paths against plain-SQLite baselines.
//!
//! `cargo bench -p techo-core --bench store`. Criterion reports each side separately; the
//! `ratios` bench prints the side-by-side medians and ratios the performance targets are
//! stated in.

mod common;

use common::{BareDb, Cipher, EncryptedStore, bench_dir};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::time::Duration;
use techo_core::domain::Bucket;

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
    g.bench_function("encrypted_store_with_outbox", |b| b.iter(|| enc.record_one()));
    for (name, bare) in &mut variants {
        g.bench_function(*name, |b| b.iter(|| bare.insert_one()));
    }
    g.finish();
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
    g.bench_function("day_series_plus_summary", |b| b.iter(|| enc.day_series_and_summary(&range)));
    g.bench_function("week_series", |b| b.iter(|| enc.series(&range, Bucket::Week)));
    g.bench_function("month_series", |b| b.iter(|| enc.series(&range, Bucket::Month)));
    g.bench_function("raw_aggregate", |b| b.iter(|| raw.run()));
    g.finish();
}

criterion_group!(benches, record_vital, bp_ten_years);
criterion_main!(benches);
