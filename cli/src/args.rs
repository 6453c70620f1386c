//! Command-line grammar.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Parser)]
#[command(name = "techo", version, about = "Kenko Techo (健康手帳) — record and review vitals from the terminal")]
pub struct Cli {
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

#[derive(Subcommand)]
pub enum SyncCommand {
    /// Account, last sync and changes waiting or refused
    Status,
}

#[derive(Subcommand)]
pub enum ProfileCommand {
    /// Add a profile keyed by the patient's HM code
    Add {
        hm_code: String,
        /// Name shown on screen
        #[arg(long)]
        name: String,
        /// A family member you manage (default: yourself)
        #[arg(long)]
        family: bool,
    },
    /// List profiles on this device
    List,
    /// Make a profile the active one
    Use { hm_code: String },
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum KindArg {
    #[value(alias = "blood-pressure")]
    Bp,
    Weight,
    #[value(alias = "temperature")]
    Temp,
    Glucose,
    Steps,
}

#[derive(Subcommand)]
pub enum VitalsCommand {
    /// Record a reading: `add bp 128/82 --pulse 70`, `add weight 61.2`, `add temp 36.6`,
    /// `add glucose 104 --fasting` (or `6.1mmol`), `add steps 8000`
    Add {
        kind: KindArg,
        value: String,
        #[command(flatten)]
        details: Details,
    },
    /// List current readings, newest first
    List {
        #[arg(long = "type", value_name = "TYPE")]
        kind: Option<KindArg>,
        /// Only the last N days
        #[arg(long)]
        days: Option<u32>,
        /// Page size
        #[arg(long, default_value_t = 20)]
        limit: u32,
        /// Continue from a previous page's cursor
        #[arg(long)]
        cursor: Option<String>,
    },
    /// The most recent reading of each type
    Latest,
    /// Correct a reading: saves a new version that replaces it (the old one stays in history)
    Amend {
        /// Reading id (a unique prefix is enough)
        id: String,
        /// The corrected value, in the same form as for `add`
        value: String,
        #[command(flatten)]
        details: Details,
    },
    /// Delete a reading (kept in history as deleted)
    Delete { id: String },
    /// Every version of a reading
    History { id: String },
    /// Chart a type over time in the terminal
    Chart {
        #[arg(long = "type", value_name = "TYPE", default_value = "bp")]
        kind: KindArg,
        #[arg(long, default_value_t = 30)]
        days: u32,
        /// Bucket size
        #[arg(long, value_enum, default_value = "day")]
        by: BucketArg,
    },
    /// Home blood-pressure summary of the last 7 days (JSH 2019 home-BP rules)
    BpSummary,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum BucketArg {
    Day,
    Week,
    Month,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SourceArg {
    #[value(name = "self")]
    Myself,
    Device,
    Proxy,
}

/// Optional details of a reading, shared by `add` and `amend`.
#[derive(Args, Default)]
pub struct Details {
    /// When it was measured: "2026-11-25 07:10", "07:10" (today), or RFC 3339 [default: now]
    #[arg(long)]
    pub at: Option<String>,
    /// Pulse for a blood-pressure reading (/min)
    #[arg(long)]
    pub pulse: Option<String>,
    /// Blood pressure measured in the morning (JSH: within an hour of waking)
    #[arg(long, group = "bp_ctx")]
    pub morning: bool,
    /// Blood pressure measured in the evening (JSH: before bed)
    #[arg(long, group = "bp_ctx")]
    pub evening: bool,
    /// Blood pressure measured at another time
    #[arg(long, group = "bp_ctx")]
    pub other: bool,
    #[arg(long, group = "glucose_timing")]
    pub fasting: bool,
    #[arg(long, group = "glucose_timing")]
    pub before_meal: bool,
    #[arg(long = "after-meal-1h", group = "glucose_timing")]
    pub after_meal_1h: bool,
    #[arg(long = "after-meal-2h", group = "glucose_timing")]
    pub after_meal_2h: bool,
    #[arg(long, group = "glucose_timing")]
    pub bedtime: bool,
    /// Glucose measured at a random time (default when no timing is given)
    #[arg(long, group = "glucose_timing")]
    pub random: bool,
    /// A note to keep with the reading
    #[arg(long)]
    pub note: Option<String>,
    /// Who produced the value
    #[arg(long, value_enum)]
    pub source: Option<SourceArg>,
    /// The measuring device's name
    #[arg(long)]
    pub device: Option<String>,
}
