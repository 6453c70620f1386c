//! `techo`: a terminal shell over the Kenko Techo core.
//!
//! Errors are one line on stderr and a non-zero exit; warnings are printed but the record is
//! kept. All rules (validation, units, summaries) live in the core; this crate only parses
//! arguments and prints. README.md maps its files.

// Not part of the phone library, so chrono's strftime items are allowed here (clippy.toml).
#![allow(clippy::disallowed_methods)]

mod args;
mod chart;
mod checkup;
mod commands;
mod demo;
mod emergency_box;
mod format;
mod meds;
mod profiles;
mod session;
mod start_over;
mod status;
mod sync_cmd;
mod vital_input;
mod vitals;
mod when;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    // A bug must not print a backtrace full of internals (or data) at a user: one line, and the
    // store's transactions guarantee nothing half-written survives.
    std::panic::set_hook(Box::new(|_| {
        eprintln!("techo: internal error (a bug); nothing was partially saved. Please report it.");
    }));
    let cli = commands::Cli::parse();
    match commands::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("techo: error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}
