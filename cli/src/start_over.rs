//! `techo start-over`: for when the database cannot be opened (its key is lost or changed, or
//! the file is damaged). Runs without opening it.

use crate::args::GlobalArgs;
use crate::session::{CliResult, DATABASE_FILE, locate, print_json, usage};
use serde::Serialize;
use techo_core::Store;
use techo_core::store::OpenOptions;

pub fn run(args: &GlobalArgs, yes: bool) -> CliResult {
    if !yes {
        return Err(usage(
            "start-over sets this device's database aside (it is kept, not deleted), carries over what can still be \
             read and starts a fresh one that downloads everything at the next sync; add --yes to go ahead",
        ));
    }
    let (data_dir, keys) = locate(args)?;
    let report = Store::start_over(data_dir.join(DATABASE_FILE), keys.as_ref(), OpenOptions::default())?;
    if args.json {
        #[derive(Serialize)]
        struct Report {
            set_aside: String,
            profiles: u64,
            readings: u64,
            unsent_changes: u64,
        }
        return print_json(&Report {
            set_aside: report.set_aside.display().to_string(),
            profiles: report.salvaged_profiles,
            readings: report.salvaged_readings,
            unsent_changes: report.salvaged_changes,
        });
    }
    println!("Started over. The old database is kept at {}", report.set_aside.display());
    println!(
        "Carried over: {} profile(s), {} reading(s), {} unsent change(s) (sent at the next sync).",
        report.salvaged_profiles, report.salvaged_readings, report.salvaged_changes
    );
    Ok(())
}
