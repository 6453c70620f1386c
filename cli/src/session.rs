//! What every command shares: the error type and its exit codes, and the opened store with what
//! the command line said about whose data to act on and how to print.

use crate::args::GlobalArgs;
use serde::Serialize;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use techo_core::domain::Profile;
use techo_core::keys::DATABASE_KEY;
use techo_core::keys::desktop::{DesktopKeyStore, KeyLocation};
use techo_core::{Error as CoreError, Store};

/// Everything that can stop a command.
pub enum CliError {
    Core(CoreError),
    Usage(String),
    /// A sync that could not finish (offline, signed out); nothing is lost.
    Unfinished(String),
}

impl CliError {
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Usage(_) | Self::Core(CoreError::Validation { .. } | CoreError::BatchItem { .. }) => 2,
            Self::Unfinished(_) | Self::Core(CoreError::Network { .. } | CoreError::Auth { .. }) => 3,
            Self::Core(_) => 1,
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Core(e @ (CoreError::KeyUnavailable | CoreError::KeyChanged | CoreError::WrongKeyOrCorrupt)) => {
                write!(f, "{e}; if the key cannot be brought back, `techo start-over` explains how to start afresh")
            }
            Self::Core(e) => write!(f, "{e}"),
            Self::Usage(s) | Self::Unfinished(s) => f.write_str(s),
        }
    }
}

impl From<CoreError> for CliError {
    fn from(e: CoreError) -> Self {
        Self::Core(e)
    }
}

pub type CliResult<T = ()> = Result<T, CliError>;

pub fn usage(msg: impl Into<String>) -> CliError {
    CliError::Usage(msg.into())
}

/// Pretty JSON on stdout, for `--json`.
pub fn print_json(value: &impl Serialize) -> CliResult {
    let text = serde_json::to_string_pretty(value).map_err(|_| usage("could not encode output"))?;
    println!("{text}");
    Ok(())
}

/// The database's name inside the data directory.
pub const DATABASE_FILE: &str = "techo.db";

/// The opened store plus what the command line said about whose data to act on.
pub struct Session {
    pub store: Arc<Store>,
    pub keys: Arc<DesktopKeyStore>,
    pub data_dir: PathBuf,
    profile_override: Option<String>,
    pub json: bool,
    pub server: Option<String>,
}

/// Where this device's data lives, and its key store.
pub fn locate(args: &GlobalArgs) -> CliResult<(PathBuf, Arc<DesktopKeyStore>)> {
    let data_dir = match &args.data_dir {
        Some(d) => d.clone(),
        None => dirs::data_dir()
            .map(|d| d.join("kenko-techo"))
            .ok_or_else(|| usage("no platform data directory; pass --data-dir or set TECHO_DATA_DIR"))?,
    };
    let keys = Arc::new(DesktopKeyStore::for_data_dir(&data_dir));
    Ok((data_dir, keys))
}

impl Session {
    pub fn open(args: &GlobalArgs) -> CliResult<Self> {
        let (data_dir, keys) = locate(args)?;
        let db = data_dir.join(DATABASE_FILE);
        let fresh = !db.exists();
        let store = Arc::new(Store::open(&db, keys.as_ref())?);
        if fresh && let KeyLocation::File(path) = keys.location(DATABASE_KEY) {
            eprintln!(
                "note: no OS keyring reachable ({}); the database key is kept in {} (mode 0600). Keep it private: without it the database cannot be opened.",
                keys.keyring_problem().unwrap_or("unknown reason"),
                path.display()
            );
        }
        Ok(Self {
            store,
            keys,
            data_dir,
            profile_override: args.profile.clone(),
            json: args.json,
            server: args.server.clone(),
        })
    }

    pub fn profile(&self) -> CliResult<Profile> {
        Ok(match &self.profile_override {
            Some(code) => self.store.profile_by_hm_code(code)?,
            None => self.store.active_profile()?,
        })
    }
}
