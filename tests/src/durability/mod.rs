//! D1, the durability harness: a child process writes readings and acknowledges each commit on
//! stdout; the parent SIGKILLs it at a random moment, reopens the store and checks that every
//! acknowledged write survived, that nothing was written twice, that data and outbox agree (no
//! partial transaction) and that SQLite's integrity check passes. Then it does that again.
//!
//! Timing is random but seeded: the seed decides every kill delay and the child's choice of
//! readings, so a failing seed replays the same schedule (the exact kill point still depends on
//! the machine).

mod check;
pub mod child;
pub mod marker;

use check::{ChildReport, check_cycle};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use std::ffi::OsString;
use std::fmt;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};
use uuid::Uuid;

/// How to start the child: a program and the arguments that come before `<dir> <run> <seed>`.
#[derive(Debug, Clone)]
pub struct ChildCommand {
    pub program: PathBuf,
    pub leading_args: Vec<OsString>,
}

impl ChildCommand {
    pub fn new(program: impl Into<PathBuf>) -> Self {
        Self { program: program.into(), leading_args: Vec::new() }
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    pub child: ChildCommand,
    /// Stores are created under here; it should be on the same kind of filesystem as real data
    /// (not tmpfs), or fsync costs nothing and the timing is unrepresentative.
    pub work_dir: PathBuf,
    pub cycles: u32,
    pub seed: u64,
    /// A normal cycle lets the child run for a uniformly random time in this range.
    pub run_time: (Duration, Duration),
    /// The first cycles each start a brand-new store and kill the child within
    /// [`Config::early_kill_window`] of it starting, so key creation and the schema migration are
    /// what gets interrupted.
    pub fresh_store_cycles: u32,
    /// After the fresh-store cycles, each store serves this many cycles and is then replaced by
    /// a new one. The child writes a few thousand readings a second, so this bounds the cost of
    /// the checks (which grow with the store) and re-runs store creation under kills.
    pub cycles_per_store: u32,
    /// On a long-lived store, every this-many cycles the kill comes within
    /// [`Config::early_kill_window`] of the child starting, interrupting the open path.
    pub early_kill_every: u32,
    pub early_kill_window: Duration,
    /// After every cycle: acknowledged writes present, the run gap-free, unduplicated and made of
    /// whole transactions, data and outbox counts equal and never shrinking, integrity check.
    /// Additionally after every this-many cycles, after a store's last cycle and after the last
    /// cycle: the whole-store scan (no duplicate anywhere, data and outbox one-to-one with
    /// matching payloads).
    pub full_check_every: u32,
    /// Delete each store once its last cycle has passed; a failing store is always left in place.
    pub delete_finished_stores: bool,
    /// Print a progress line to stderr every this-many cycles.
    pub progress_every: Option<u32>,
}

impl Config {
    pub fn new(child: ChildCommand, work_dir: impl Into<PathBuf>, cycles: u32, seed: u64) -> Self {
        Self {
            child,
            work_dir: work_dir.into(),
            cycles,
            seed,
            run_time: (Duration::from_millis(5), Duration::from_millis(80)),
            fresh_store_cycles: 3,
            cycles_per_store: 50,
            early_kill_every: 20,
            early_kill_window: Duration::from_millis(2),
            full_check_every: 10,
            delete_finished_stores: true,
            progress_every: None,
        }
    }

    /// Which store a cycle uses, and what kind of cycle it is there.
    fn plan(&self, cycle: u32) -> Plan {
        if cycle < self.fresh_store_cycles {
            return Plan { store: format!("fresh-{cycle}"), new_store: true, last_of_store: true, early: true };
        }
        let main_cycle = cycle - self.fresh_store_cycles;
        let per_store = self.cycles_per_store.max(1);
        let (generation, nth) = (main_cycle / per_store, main_cycle % per_store);
        Plan {
            store: format!("store-{generation}"),
            new_store: nth == 0,
            last_of_store: nth + 1 == per_store || cycle + 1 == self.cycles,
            // The first cycle of a store creates it under a normal kill; early kills come after.
            early: self.early_kill_every > 0 && nth % self.early_kill_every == 1,
        }
    }

    fn wants_full_check(&self, cycle: u32, plan: &Plan) -> bool {
        plan.last_of_store || (self.full_check_every > 0 && (cycle + 1).is_multiple_of(self.full_check_every))
    }
}

struct Plan {
    store: String,
    new_store: bool,
    last_of_store: bool,
    early: bool,
}

/// What a passing run did.
#[derive(Debug, Clone)]
pub struct Summary {
    pub seed: u64,
    pub cycles: u32,
    /// Writes the child reported as committed before it was killed; all were found afterwards.
    pub acked: u64,
    /// Readings found in the stores after the kills (acknowledged or not).
    pub committed: u64,
    /// Kills aimed at the open path, and kills (of any kind) that landed before the child had the
    /// store open.
    pub early_kills: u32,
    pub killed_before_ready: u32,
    /// Cycles whose last acknowledgement line was cut off by the kill.
    pub torn_ack_lines: u32,
    pub full_checks: u32,
    /// Stores used, and the most readings any of them held.
    pub stores: u32,
    pub largest_store: u64,
    pub elapsed: Duration,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Any missing or duplicated write fails the run, so a summary only ever reports zero.
        writeln!(
            f,
            "D1: {} cycles, {} acknowledged writes, 0 missing, 0 duplicates, integrity ok",
            self.cycles, self.acked
        )?;
        write!(
            f,
            "    seed {}; {} readings committed ({} of them unacknowledged when the kill came); {} early kills; \
             {} kills before the store was open; {} torn ACK lines; {} full scans; {} stores of up to {} readings; \
             {:.1} s",
            self.seed,
            self.committed,
            self.committed.saturating_sub(self.acked),
            self.early_kills,
            self.killed_before_ready,
            self.torn_ack_lines,
            self.full_checks,
            self.stores,
            self.largest_store,
            self.elapsed.as_secs_f64()
        )
    }
}

/// A violated guarantee (or a harness that could not do its job), with what it takes to replay.
#[derive(Debug, Clone)]
pub struct Failure {
    pub seed: u64,
    pub cycle: Option<u32>,
    pub store: PathBuf,
    pub message: String,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "D1 FAILED with seed {}", self.seed)?;
        if let Some(c) = self.cycle {
            write!(f, " at cycle {c}")?;
        }
        write!(f, ": {}\n    store: {}\n    replay: --seed {}", self.message, self.store.display(), self.seed)
    }
}

impl std::error::Error for Failure {}

/// A child that has not even printed `START` by then is hung, not slow.
const START_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug, Clone, Copy)]
enum Kill {
    /// This long after spawning.
    AfterSpawn(Duration),
    /// This long after the child printed `START`, i.e. while it opens the store.
    AfterStart(Duration),
}

struct Killed {
    acked: Vec<Uuid>,
    ready: bool,
    torn: bool,
}

/// Runs the harness. Stores live under `cfg.work_dir`; a failing one is left there.
pub fn run(cfg: &Config) -> Result<Summary, Failure> {
    let started = Instant::now();
    let fail = |cycle: Option<u32>, store: &Path, message: String| Failure {
        seed: cfg.seed,
        cycle,
        store: store.to_path_buf(),
        message,
    };
    if cfg.run_time.0 > cfg.run_time.1 {
        return Err(fail(None, &cfg.work_dir, "the run-time range is empty".into()));
    }
    let mut rng = StdRng::seed_from_u64(cfg.seed);
    let mut summary = Summary {
        seed: cfg.seed,
        cycles: cfg.cycles,
        acked: 0,
        committed: 0,
        early_kills: 0,
        killed_before_ready: 0,
        torn_ack_lines: 0,
        full_checks: 0,
        stores: 0,
        largest_store: 0,
        elapsed: Duration::ZERO,
    };
    let micros = |d: Duration| u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
    let (min_us, max_us) = (micros(cfg.run_time.0), micros(cfg.run_time.1));
    let window_us = micros(cfg.early_kill_window);
    // Readings verified in the current store so far.
    let mut store_total = 0u64;

    for cycle in 0..cfg.cycles {
        let plan = cfg.plan(cycle);
        let store_dir = cfg.work_dir.join(&plan.store);
        if plan.new_store {
            store_total = 0;
            summary.stores += 1;
        }
        // Drawn in a fixed order whatever the plan, so a seed always means the same schedule.
        let early_delay = Duration::from_micros(rng.random_range(0..=window_us));
        let normal_delay = Duration::from_micros(rng.random_range(min_us..=max_us));
        let child_seed: u64 = rng.random();
        let kill = if plan.early { Kill::AfterStart(early_delay) } else { Kill::AfterSpawn(normal_delay) };

        let killed =
            spawn_and_kill(cfg, &store_dir, cycle, child_seed, kill).map_err(|m| fail(Some(cycle), &store_dir, m))?;
        let full = cfg.wants_full_check(cycle, &plan);
        let report = ChildReport { run: cycle, acked: killed.acked };
        let outcome =
            check_cycle(&store_dir, &report, store_total, full).map_err(|m| fail(Some(cycle), &store_dir, m))?;
        store_total = outcome.total;

        summary.acked += report.acked.len() as u64;
        summary.committed += outcome.committed;
        summary.early_kills += u32::from(plan.early);
        summary.killed_before_ready += u32::from(!killed.ready);
        summary.torn_ack_lines += u32::from(killed.torn);
        summary.full_checks += u32::from(full);
        summary.largest_store = summary.largest_store.max(store_total);
        if plan.last_of_store && cfg.delete_finished_stores {
            std::fs::remove_dir_all(&store_dir)
                .map_err(|e| fail(Some(cycle), &store_dir, format!("removing a finished store: {e}")))?;
        }
        if let Some(every) = cfg.progress_every
            && every > 0
            && (cycle + 1).is_multiple_of(every)
        {
            eprintln!(
                "D1: {}/{} cycles, {} acknowledged writes, {:.0} s",
                cycle + 1,
                cfg.cycles,
                summary.acked,
                started.elapsed().as_secs_f64()
            );
        }
    }
    summary.elapsed = started.elapsed();
    Ok(summary)
}

fn spawn_and_kill(cfg: &Config, store_dir: &Path, run: u32, seed: u64, kill: Kill) -> Result<Killed, String> {
    let mut child = Command::new(&cfg.child.program)
        .args(&cfg.child.leading_args)
        .arg(store_dir)
        .arg(run.to_string())
        .arg(seed.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("starting the child {}: {e}", cfg.child.program.display()))?;
    let spawned = Instant::now();
    let (Ok(pid), Some(stdout), Some(mut stderr)) =
        (libc::pid_t::try_from(child.id()), child.stdout.take(), child.stderr.take())
    else {
        let _ = child.kill();
        let _ = child.wait();
        return Err("could not take hold of the child's pid and pipes".into());
    };

    // Drain the pipe while the child runs, so it never blocks on a full pipe, and keep reading
    // after the kill: whatever it wrote before dying is still in the pipe.
    let (tx, rx) = mpsc::channel::<Vec<u8>>();
    let reader = std::thread::spawn(move || {
        let mut r = BufReader::new(stdout);
        loop {
            let mut line = Vec::new();
            match r.read_until(b'\n', &mut line) {
                Ok(0) | Err(_) => break,
                Ok(_) => {
                    if tx.send(line).is_err() {
                        break;
                    }
                }
            }
        }
    });

    let mut lines = Vec::new();
    let mut problem = None;
    match kill {
        Kill::AfterSpawn(d) => std::thread::sleep(d.saturating_sub(spawned.elapsed())),
        Kill::AfterStart(d) => {
            let deadline = Instant::now() + START_TIMEOUT;
            loop {
                match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                    Ok(line) => {
                        let is_start = line == b"START\n";
                        lines.push(line);
                        if is_start {
                            std::thread::sleep(d);
                            break;
                        }
                    }
                    Err(mpsc::RecvTimeoutError::Timeout) => {
                        problem = Some(format!("the child did not start within {START_TIMEOUT:?}"));
                        break;
                    }
                    // It died before starting; the exit status below says how.
                    Err(mpsc::RecvTimeoutError::Disconnected) => break,
                }
            }
        }
    }
    // SAFETY: `pid` is our own child and has not been waited for, so it cannot have been reaped
    // and the id cannot belong to another process.
    if unsafe { libc::kill(pid, libc::SIGKILL) } != 0 {
        problem.get_or_insert(format!("kill(SIGKILL) failed: {}", std::io::Error::last_os_error()));
        let _ = child.kill();
    }
    let status = child.wait().map_err(|e| format!("waiting for the child: {e}"))?;
    let _ = reader.join();
    lines.extend(rx.try_iter());
    if let Some(p) = problem {
        return Err(p);
    }

    use std::os::unix::process::ExitStatusExt;
    if status.signal() != Some(libc::SIGKILL) {
        let mut err = String::new();
        let _ = stderr.read_to_string(&mut err);
        return Err(format!("the child ended on its own ({status}) instead of being killed; stderr: {}", err.trim()));
    }
    parse_output(&lines)
}

fn parse_output(lines: &[Vec<u8>]) -> Result<Killed, String> {
    let mut out = Killed { acked: Vec::new(), ready: false, torn: false };
    for (i, raw) in lines.iter().enumerate() {
        let Some(line) = raw.strip_suffix(b"\n") else {
            // Only the very last write can be cut short by the kill.
            if i + 1 == lines.len() {
                out.torn = true;
                continue;
            }
            return Err("an unterminated line in the middle of the child's output".into());
        };
        let line = std::str::from_utf8(line).map_err(|_| "the child wrote non-UTF-8 output".to_string())?;
        match line.split_once(' ') {
            None if line == "START" => {}
            None if line == "READY" => out.ready = true,
            Some(("ACK", id)) => {
                let id = Uuid::parse_str(id).map_err(|_| format!("malformed acknowledgement line {line:?}"))?;
                out.acked.push(id);
            }
            _ => return Err(format!("unexpected child output {line:?}")),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_parsing_tolerates_only_a_torn_tail() {
        let id = Uuid::now_v7();
        let ok = [b"START\n".to_vec(), b"READY\n".to_vec(), format!("ACK {id}\n").into_bytes(), b"ACK 01".to_vec()];
        let k = parse_output(&ok).unwrap();
        assert!(k.ready && k.torn);
        assert_eq!(k.acked, vec![id]);

        let torn_middle = [b"ACK 01".to_vec(), b"READY\n".to_vec()];
        assert!(parse_output(&torn_middle).is_err());
        assert!(parse_output(&[b"ACK nonsense\n".to_vec()]).is_err());
        assert!(parse_output(&[b"hello\n".to_vec()]).is_err());
    }

    #[test]
    fn schedule_rotates_stores_and_checks_each_one_fully_before_leaving_it() {
        let mut cfg = Config::new(ChildCommand::new("x"), "/nonexistent", 1003, 1);
        cfg.cycles_per_store = 250;
        cfg.full_check_every = 100;
        let plans: Vec<Plan> = (0..cfg.cycles).map(|c| cfg.plan(c)).collect();
        assert!(plans[..3].iter().all(|p| p.new_store && p.early && p.last_of_store));
        assert_eq!(plans.iter().filter(|p| p.new_store).count(), 3 + 4);
        assert_eq!(plans[3].store, "store-0");
        assert!(plans[3].new_store && !plans[3].early && plans[4].early);
        assert_eq!(plans[253].store, "store-1");
        assert!(plans[252].last_of_store && plans[1002].last_of_store);
        let full = (0..cfg.cycles).filter(|&c| cfg.wants_full_check(c, &plans[c as usize])).count();
        assert_eq!(full, 3 + 4 + 10);
        assert_eq!(plans[3..].iter().filter(|p| p.early).count(), 4 * 13);
    }
}
