//! S8: 500 seeds of the deterministic sync simulation in CI (`TECHO_S8_SEEDS` for more,
//! `TECHO_S8_SEED` to replay one, `TECHO_S8_STEPS` for longer runs).

use techo_tests::sim::{FaultCounts, Simulation};

fn env<T: std::str::FromStr>(name: &str) -> Option<T> {
    std::env::var(name).ok().map(|v| v.trim().parse().unwrap_or_else(|_| panic!("{name} must be a number")))
}

/// tmpfs where available: the simulation is about protocol logic, not disk speed.
fn scratch() -> tempfile::TempDir {
    let shm = std::path::Path::new("/dev/shm");
    if shm.is_dir() {
        tempfile::tempdir_in(shm).expect("scratch dir")
    } else {
        tempfile::tempdir().expect("scratch dir")
    }
}

#[test]
fn seeded_simulation_converges_under_drops_duplicates_and_crashes() {
    let steps: u32 = env("TECHO_S8_STEPS").unwrap_or(120);
    let seeds: Vec<u64> = match env::<u64>("TECHO_S8_SEED") {
        Some(s) => vec![s],
        None => (0..env("TECHO_S8_SEEDS").unwrap_or(500)).collect(),
    };
    let mut total = FaultCounts::default();
    for seed in &seeds {
        let dir = scratch();
        let mut sim = Simulation::new(*seed, dir.path());
        sim.run(steps);
        let f = sim.faults;
        total.dropped_requests += f.dropped_requests;
        total.lost_responses += f.lost_responses;
        total.duplicated += f.duplicated;
        total.late_replays += f.late_replays;
        total.server_errors += f.server_errors;
        total.crashes += f.crashes;
        total.writes += f.writes;
        total.sync_steps += f.sync_steps;
    }
    eprintln!("S8: {} seeds × {steps} steps: {total:?}", seeds.len());
    // The faults really happened (a simulation that never drops anything proves nothing).
    if seeds.len() >= 50 {
        assert!(total.dropped_requests > 0 && total.lost_responses > 0 && total.duplicated > 0);
        assert!(total.late_replays > 0 && total.server_errors > 0 && total.crashes > 0 && total.writes > 0);
    }
}

#[test]
fn the_same_seed_makes_the_same_decisions() {
    let run = |seed| {
        let dir = scratch();
        let mut sim = Simulation::new(seed, dir.path());
        sim.run(80);
        format!("{:?}", sim.faults)
    };
    assert_eq!(run(4242), run(4242));
}
