//! D1: acknowledged writes survive SIGKILL at random moments.
//!
//! A child process writes readings (single `record_vital` calls alternating with
//! `record_vitals` batches) and prints `ACK <id>` after each commit; the harness kills it after a
//! random 5–80 ms (a few cycles within 2 ms of start, to interrupt key creation, migration and
//! open), reopens the store and checks every acknowledged write is there exactly once, data and
//! outbox agree, and the integrity check passes. See `techo_tests::durability`.
//!
//! This test runs 200 cycles (about 11–15 s in a debug build on two cores). Environment overrides:
//! `TECHO_D1_CYCLES=<n>` for more or fewer cycles, `TECHO_D1_SEED=<u64>` to replay a failure.
//!
//! The soak run of 10,000 cycles uses the release build of the standalone driver:
//!
//! ```text
//! cargo run --release -p techo-tests --bin durability -- --cycles 10000
//! ```
//!
//! (`--seed S` replays a schedule, `--dir D` puts the stores on a chosen disk, `--keep` keeps
//! them; a failing run always keeps them and prints where.)

use techo_tests::durability::{self, ChildCommand, Config};

fn env_number<T: std::str::FromStr>(name: &str) -> Option<T> {
    let raw = std::env::var(name).ok()?;
    Some(raw.trim().parse().unwrap_or_else(|_| panic!("{name} must be a number, got {raw:?}")))
}

#[test]
fn acknowledged_writes_survive_sigkill() {
    let cycles: u32 = env_number("TECHO_D1_CYCLES").unwrap_or(200);
    let seed: u64 = env_number("TECHO_D1_SEED").unwrap_or_else(rand::random);
    eprintln!("D1 seed {seed} (replay with TECHO_D1_SEED={seed})");

    // Under target/, not /tmp: /tmp may be tmpfs, where fsync is free and kills prove less.
    let work = tempfile::Builder::new().prefix("d1-").tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("work dir");
    let mut cfg = Config::new(ChildCommand::new(env!("CARGO_BIN_EXE_durability_child")), work.path(), cycles, seed);
    cfg.progress_every = Some(50);

    let summary = match durability::run(&cfg) {
        Ok(s) => s,
        Err(failure) => {
            let kept = work.keep();
            panic!("{failure}\n    (work dir kept at {})", kept.display());
        }
    };
    eprintln!("{summary}");

    // Guard against a harness that kills the child before it ever writes and then "passes".
    assert!(summary.acked > 0, "no write was acknowledged in {cycles} cycles");
    let floor = u64::from(cycles) * MIN_ACKED_PER_CYCLE;
    assert!(
        summary.acked >= floor,
        "only {} acknowledged writes in {cycles} cycles (expected at least {floor}); is the child starting up slowly?",
        summary.acked
    );
    assert!(summary.full_checks >= cycles / cfg.full_check_every, "whole-store scans were skipped");
    assert!(summary.early_kills >= cycles.min(2), "the open/migrate path was never interrupted");
}

/// Measured on the 2-core dev machine with a debug child: 120–170 acknowledged writes per cycle
/// when the disk is idle (sub-millisecond commits), 20–25 while other builds load the machine
/// and commits take a few milliseconds. The floor (1,000 for the default 200 cycles) sits well
/// below the loaded case, so it only trips when the child barely gets to write at all.
const MIN_ACKED_PER_CYCLE: u64 = 5;
