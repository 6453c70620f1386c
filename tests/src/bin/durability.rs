//! D1 durability harness driver.
//!
//! `cargo run --release -p techo-tests --bin durability -- --cycles 10000`
//!
//! The binary re-executes itself as the child (`--child`), because `cargo run --bin durability`
//! builds only this binary and a separately built child could be missing or stale.

use clap::Parser;
use std::path::PathBuf;
use std::process::ExitCode;
use techo_tests::durability::{self, ChildCommand, Config};

const CHILD_FLAG: &str = "--child";

/// Kill a writing process at random moments and check that every acknowledged write survives.
#[derive(Parser)]
#[command(name = "durability")]
struct Args {
    /// Kill/reopen cycles to run.
    #[arg(long, default_value_t = 200)]
    cycles: u32,
    /// Seed for the kill schedule and the synthetic readings; random if omitted (and printed).
    #[arg(long)]
    seed: Option<u64>,
    /// Where to create the stores (default: the system temp dir). Use a real disk, not tmpfs.
    #[arg(long)]
    dir: Option<PathBuf>,
    /// Whole-store scan after every N-th cycle (and always before a store is retired).
    #[arg(long, default_value_t = 10)]
    full_check_every: u32,
    /// Cycles served by one store before a new one is started.
    #[arg(long, default_value_t = 50)]
    cycles_per_store: u32,
    /// Keep the stores (normally deleted once verified).
    #[arg(long)]
    keep: bool,
}

fn main() -> ExitCode {
    let mut raw = std::env::args_os().skip(1).peekable();
    if raw.peek().is_some_and(|a| a == CHILD_FLAG) {
        raw.next();
        return durability::child::main(raw);
    }
    let args = Args::parse();
    let seed = args.seed.unwrap_or_else(rand::random);
    println!("D1 seed {seed} (replay with --seed {seed})");

    let child = match std::env::current_exe() {
        Ok(exe) => ChildCommand { program: exe, leading_args: vec![CHILD_FLAG.into()] },
        Err(e) => {
            eprintln!("cannot locate this executable to run it as the child: {e}");
            return ExitCode::FAILURE;
        }
    };
    let base = args.dir.unwrap_or_else(std::env::temp_dir);
    let work = match tempfile::Builder::new().prefix("techo-d1-").tempdir_in(&base) {
        Ok(w) => w,
        Err(e) => {
            eprintln!("cannot create a work directory in {}: {e}", base.display());
            return ExitCode::FAILURE;
        }
    };
    let mut cfg = Config::new(child, work.path(), args.cycles, seed);
    cfg.full_check_every = args.full_check_every;
    cfg.cycles_per_store = args.cycles_per_store;
    cfg.delete_finished_stores = !args.keep;
    cfg.progress_every = Some(if args.cycles >= 2000 { 500 } else { 50 });

    match durability::run(&cfg) {
        Ok(summary) => {
            println!("{summary}");
            if args.keep {
                println!("stores kept in {}", work.keep().display());
            }
            ExitCode::SUCCESS
        }
        Err(failure) => {
            // The failing store is the evidence: never delete it.
            let _ = work.keep();
            eprintln!("{failure}");
            ExitCode::FAILURE
        }
    }
}
