//! The command line's top level: the global options and one subcommand per feature, and which
//! file runs each. A new record family adds its file (its own subcommand grammar and a `run`)
//! and one variant and one arm here.

use crate::args::GlobalArgs;
use crate::checkup::CheckupCommand;
use crate::emergency_box::BoxCommand;
use crate::meds::MedsCommand;
use crate::profiles::ProfileCommand;
use crate::session::{CliResult, Session};
use crate::sync_cmd::SyncCommand;
use crate::vitals::VitalsCommand;
use crate::{checkup, demo, emergency_box, meds, profiles, start_over, status, sync_cmd, vitals};
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "techo",
    version,
    about = "Kenko Techo (健康手帳) — vitals, the medication notebook, 命の宝箱 and checkups from the terminal"
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Manage the people whose records this device keeps
    #[command(subcommand)]
    Profile(ProfileCommand),
    /// Record and review vital signs
    #[command(subcommand)]
    Vitals(VitalsCommand),
    /// The medication notebook: import pharmacy data (JAHIS files, receipt QR codes), list,
    /// search, export
    #[command(subcommand)]
    Meds(MedsCommand),
    /// 命の宝箱, the emergency information sheet: fields, photos of the paper form, versions
    #[command(subcommand, name = "box")]
    Box(BoxCommand),
    /// 健診結果, health checkup results: photos of the paper result, items judged, trends
    #[command(subcommand)]
    Checkup(CheckupCommand),
    /// Where data is kept, which profile is active, what waits to sync
    Status,
    /// Create a demo profile with a month of readings and show what the app makes of them
    Demo,
    /// First use of an HM card: set your password with the one-time activation code
    Activate {
        hm_code: String,
        #[arg(long)]
        code: String,
        /// Read the new password from standard input instead of prompting
        #[arg(long)]
        password_stdin: bool,
    },
    /// Sign this device in to the sync server
    Login {
        hm_code: String,
        /// Name for the local profile if this device does not have one for this HM code yet
        #[arg(long)]
        name: Option<String>,
        /// Read the password from standard input instead of prompting
        #[arg(long)]
        password_stdin: bool,
    },
    /// Sign this device out (unsent changes stay on the device)
    Logout,
    /// When the database cannot be opened (its key is lost or changed, or the file is damaged):
    /// set it aside (kept, never deleted), carry over what can still be read, start a fresh one
    StartOver {
        /// Go ahead (without it, only explains what would happen)
        #[arg(long)]
        yes: bool,
    },
    /// Send local changes and fetch new ones; `sync status` shows what is waiting
    Sync {
        #[command(subcommand)]
        what: Option<SyncCommand>,
        /// Keep running: sync every --every seconds, sooner after a failure, until Ctrl-C
        #[arg(long)]
        watch: bool,
        #[arg(long, default_value_t = 300, requires = "watch")]
        every: u64,
    },
}

pub fn run(cli: Cli) -> CliResult {
    if let Command::StartOver { yes } = cli.command {
        // Before opening: this is for when opening fails.
        return start_over::run(&cli.global, yes);
    }
    let session = Session::open(&cli.global)?;
    match cli.command {
        Command::Profile(cmd) => profiles::run(&session, cmd),
        Command::Vitals(cmd) => vitals::run(&session, cmd),
        Command::Meds(cmd) => meds::run(&session, cmd),
        Command::Box(cmd) => emergency_box::run(&session, cmd),
        Command::Checkup(cmd) => checkup::run(&session, cmd),
        Command::Status => status::run(&session),
        Command::Demo => demo::run(&session),
        Command::Activate { hm_code, code, password_stdin } => {
            sync_cmd::activate(&session, &hm_code, &code, password_stdin)
        }
        Command::Login { hm_code, name, password_stdin } => {
            sync_cmd::login(&session, &hm_code, name.as_deref(), password_stdin)
        }
        Command::Logout => sync_cmd::logout(&session),
        Command::Sync { what, watch: false, .. } => sync_cmd::sync(&session, what),
        Command::Sync { watch: true, every, .. } => sync_cmd::watch(&session, every),
        Command::StartOver { .. } => unreachable!("handled before the store is opened"),
    }
}
