//! The store's performance targets, as ratios of medians measured in one run.
//!
//! `cargo bench -p techo-core --bench ratios`
//!
//! - record one vital (encrypted, synchronous=FULL, with its outbox row) ≤ 1.3× a bare
//!   unencrypted SQLite insert of the same row with the same pragmas;
//! - day chart series over ten years of home BP plus the home-BP summary ≤ 5 ms and ≤ 1.5× one
//!   raw SQL aggregate over the same rows.
//!
//! The variants being compared run round-robin, one call each per round with the starting
//! variant rotating, so disk and CPU noise lands on all of them alike. The write comparison
//! also runs two intermediate baselines (encrypted bare insert, and that plus an outbox row) to
//! show where the store's overhead comes from. Without `--bench` (e.g. `cargo test --benches`) this
//! only smoke-tests itself on a small data set.

mod common;

use common::{BareDb, Cipher, EncryptedStore, bench_dir};
use std::time::{Duration, Instant};
use techo_bench_report::Figure;
use techo_core::domain::Bucket;

/// Runs the closures round-robin `n` times after `warm_up` unmeasured rounds, starting each
/// round with the next one so that no side always follows the same neighbour.
fn interleaved(n: usize, warm_up: usize, fs: &mut [&mut dyn FnMut()]) -> Vec<Stats> {
    for _ in 0..warm_up {
        for f in fs.iter_mut() {
            f();
        }
    }
    let k = fs.len();
    let mut samples: Vec<Vec<Duration>> = (0..k).map(|_| Vec::with_capacity(n)).collect();
    for round in 0..n {
        for j in 0..k {
            let i = (round + j) % k;
            let t = Instant::now();
            fs[i]();
            samples[i].push(t.elapsed());
        }
    }
    samples.into_iter().map(Stats::of).collect()
}

fn alone(n: usize, warm_up: usize, mut f: impl FnMut()) -> Stats {
    for _ in 0..warm_up {
        f();
    }
    Stats::of(
        (0..n)
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed()
            })
            .collect(),
    )
}

struct Stats {
    median: Duration,
    p10: Duration,
    p90: Duration,
}

impl Stats {
    fn of(mut samples: Vec<Duration>) -> Self {
        samples.sort_unstable();
        let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
        Self { median: at(0.5), p10: at(0.1), p90: at(0.9) }
    }
}

fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "MISSED" }
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    // Ten years of two morning and two evening readings: 14,600 rows.
    let (record_n, record_warm, query_n, query_warm, days) =
        if full { (500, 50, 200, 20, 3650) } else { (4, 1, 4, 1, 20) };

    let dir = bench_dir();
    let write_dir = dir.path().join("write");
    let read_dir = dir.path().join("read");
    for d in [&write_dir, &read_dir] {
        std::fs::create_dir_all(d).expect("bench subdir");
    }
    println!("store benchmarks in {} ({})", dir.path().display(), if full { "full run" } else { "smoke run" });

    let mut enc = EncryptedStore::create(&write_dir);
    let schema = enc.schema();
    let mut plain = BareDb::create(&write_dir, "plain.db", &schema, Cipher::Plain, false);
    let mut cipher = BareDb::create(&write_dir, "cipher.db", &schema, Cipher::Encrypted, false);
    let mut both = BareDb::create(&write_dir, "both.db", &schema, Cipher::Encrypted, true);
    let stats = interleaved(
        record_n,
        record_warm,
        &mut [&mut || enc.record_one(), &mut || plain.insert_one(), &mut || cipher.insert_one(), &mut || {
            both.insert_one()
        }],
    );
    let [store, base, cipher, both] = &stats[..] else { unreachable!("four variants in, four out") };
    let ratio = store.median.as_secs_f64() / base.median.as_secs_f64();
    println!(
        "record_vital: median {:.0} µs vs bare insert {:.0} µs → ratio {ratio:.2} (target ≤ 1.3×: {}; n={record_n}, \
         p10–p90 {:.0}–{:.0} µs vs {:.0}–{:.0} µs)",
        us(store.median),
        us(base.median),
        verdict(ratio <= 1.3),
        us(store.p10),
        us(store.p90),
        us(base.p10),
        us(base.p90),
    );
    Figure::new("ratios", "record one vital (encrypted, fsync'd, with its outbox row)", us(store.median), "µs")
        .against("bare SQLite insert", us(base.median))
        .ratio_at_most(1.3)
        .note(format!("n={record_n}"))
        .record();
    println!(
        "  breakdown (medians): bare SQLCipher insert {:.0} µs, bare SQLCipher insert + outbox row {:.0} µs, \
         record_vital {:.0} µs",
        us(cipher.median),
        us(both.median),
        us(store.median),
    );

    let enc = EncryptedStore::create(&read_dir);
    let fill_started = Instant::now();
    let range = enc.fill_home_bp(days);
    let fill_time = fill_started.elapsed();
    let raw = enc.raw_reader();
    assert_eq!(raw.run(), i64::try_from(range.readings).expect("fits"), "fixture and baseline see the same rows");
    let stats = interleaved(
        query_n,
        query_warm,
        &mut [&mut || enc.day_series_and_summary(&range), &mut || {
            raw.run();
        }],
    );
    let [chart, agg] = &stats[..] else { unreachable!("two variants in, two out") };
    let ratio = chart.median.as_secs_f64() / agg.median.as_secs_f64();
    println!(
        "series+summary: median {:.2} ms vs raw aggregate {:.2} ms → ratio {ratio:.2} (targets ≤ 5 ms: {}, ≤ 1.5×: {}; \
         {} readings, n={query_n}, p10–p90 {:.2}–{:.2} ms vs {:.2}–{:.2} ms)",
        ms(chart.median),
        ms(agg.median),
        verdict(chart.median <= Duration::from_millis(5)),
        verdict(ratio <= 1.5),
        range.readings,
        ms(chart.p10),
        ms(chart.p90),
        ms(agg.p10),
        ms(agg.p90),
    );

    Figure::new("ratios", "day chart series + home-BP summary, 10 years", ms(chart.median), "ms")
        .against("one raw SQL aggregate", ms(agg.median))
        .at_most(5.0)
        .ratio_at_most(1.5)
        .note(format!("{} readings, n={query_n}", range.readings))
        .record();

    let day = alone(query_n, query_warm, || {
        enc.series(&range, Bucket::Day);
    });
    let summary = alone(query_n, query_warm, || enc.summary(&range));
    let week = alone(query_n, query_warm, || {
        enc.series(&range, Bucket::Week);
    });
    let month = alone(query_n, query_warm, || {
        enc.series(&range, Bucket::Month);
    });
    println!(
        "  breakdown (medians): day series {:.2} ms, home_bp_summary {:.3} ms, week series {:.2} ms, \
         month series {:.2} ms; fixture insert took {:.1} s",
        ms(day.median),
        ms(summary.median),
        ms(week.median),
        ms(month.median),
        fill_time.as_secs_f64(),
    );
}
