//! What encryption costs per page, as ratios against unencrypted SQLite measured in the same run.
//!
//! `cargo bench -p techo-sqlcipher-crypto --bench page_crypto`
//!
//! - scan: read every page of a 4 MB table with a 10-page cache, so each page is decrypted and
//!   its HMAC checked on every pass (the OS file cache keeps the disk out of it);
//! - write: insert 2000 rows in one transaction with `synchronous=OFF` (no fsync to hide behind).
//!
//! The encrypted and plain databases run round-robin, one pass each per round. Without `--bench`
//! (`cargo test --benches`) this only smoke-tests itself with a few rounds.

use rusqlite::Connection;
use std::path::Path;
use std::time::{Duration, Instant};
use techo_bench_report::Figure;

const KEY: &str = "x'000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F'";

fn connect(path: &Path, encrypted: bool) -> Connection {
    let c = techo_sqlcipher_crypto::open(path).unwrap();
    if encrypted {
        c.execute_batch(&format!("PRAGMA key = \"{KEY}\";")).unwrap();
    }
    c.execute_batch("PRAGMA synchronous = OFF; PRAGMA journal_mode = DELETE;").unwrap();
    c
}

fn fill(c: &Connection, rows: usize) {
    c.execute_batch("DROP TABLE IF EXISTS t; CREATE TABLE t(id INTEGER PRIMARY KEY, body TEXT NOT NULL);").unwrap();
    let tx = c.unchecked_transaction().unwrap();
    {
        let mut insert = tx.prepare_cached("INSERT INTO t(body) VALUES (?1)").unwrap();
        for i in 0..rows {
            insert.execute([format!("{i:08} {}", "健康手帳".repeat(150))]).unwrap();
        }
    }
    tx.commit().unwrap();
}

fn scan(c: &Connection) {
    let n: i64 = c.query_row("SELECT sum(length(body)) FROM t", [], |r| r.get(0)).unwrap();
    std::hint::black_box(n);
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// Runs both sides round-robin, alternating which goes first, and returns their medians.
fn compare(rounds: usize, mut encrypted: impl FnMut(), mut plain: impl FnMut()) -> (Duration, Duration) {
    let (mut e, mut p) = (Vec::with_capacity(rounds), Vec::with_capacity(rounds));
    for round in 0..rounds + 2 {
        let timed = |f: &mut dyn FnMut(), into: &mut Vec<Duration>| {
            let t = Instant::now();
            f();
            // Two unmeasured warm-up rounds.
            if round >= 2 {
                into.push(t.elapsed());
            }
        };
        if round % 2 == 0 {
            timed(&mut encrypted, &mut e);
            timed(&mut plain, &mut p);
        } else {
            timed(&mut plain, &mut p);
            timed(&mut encrypted, &mut e);
        }
    }
    (median(e), median(p))
}

fn report(what: &str, (encrypted, plain): (Duration, Duration)) {
    Figure::new("page_crypto", what, encrypted.as_secs_f64() * 1e6, "µs")
        .against("unencrypted SQLite", plain.as_secs_f64() * 1e6)
        .record();
    println!(
        "{what:<44} encrypted {:>9.1} µs   plain {:>9.1} µs   ratio {:.2}×",
        encrypted.as_secs_f64() * 1e6,
        plain.as_secs_f64() * 1e6,
        encrypted.as_secs_f64() / plain.as_secs_f64()
    );
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let (rounds, rows) = if full { (60, 2000) } else { (3, 200) };
    let dir = tempfile::tempdir().unwrap();
    let enc = connect(&dir.path().join("encrypted.db"), true);
    let plain = connect(&dir.path().join("plain.db"), false);
    let provider: String = enc.query_row("PRAGMA cipher_provider", [], |r| r.get(0)).unwrap();
    println!("provider: {provider}; {rows} rows of about 1.8 kB; {rounds} rounds");

    report(
        &format!("write: {rows} inserts in one transaction"),
        compare(rounds, || fill(&enc, rows), || fill(&plain, rows)),
    );

    for c in [&enc, &plain] {
        c.execute_batch("PRAGMA cache_size = 10;").unwrap();
    }
    let pages: i64 = enc.query_row("PRAGMA page_count", [], |r| r.get(0)).unwrap();
    report(&format!("scan: {pages} pages through a 10-page cache"), compare(rounds, || scan(&enc), || scan(&plain)));
}
