//! The options every command takes. Kept apart from the command grammar (`commands.rs`) so that
//! `session.rs`, which every feature file uses, does not depend on the list of features.

use clap::Args;
use std::path::PathBuf;

#[derive(Args)]
pub struct GlobalArgs {
    /// Where the encrypted database lives [default: the platform data directory]
    #[arg(long, global = true, env = "TECHO_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    /// Act on this profile (HM code) instead of the active one
    #[arg(long, global = true, value_name = "HM_CODE")]
    pub profile: Option<String>,

    /// Machine-readable output on read commands
    #[arg(long, global = true)]
    pub json: bool,

    /// Sync server URL [default: the one used at login]
    #[arg(long, global = true, env = "TECHO_SERVER", value_name = "URL")]
    pub server: Option<String>,
}
