//! `techo status`: where this device keeps its data and key, whose data it holds, and how many
//! changes wait to be sent (`sync status` has the sync side).

use crate::session::{CliResult, Session, print_json};
use serde::Serialize;
use techo_core::domain::Profile;
use techo_core::keys::DATABASE_KEY;
use techo_core::keys::desktop::KeyLocation;

pub fn run(s: &Session) -> CliResult {
    let profiles = s.store.profiles()?;
    let active = s.store.active_profile().ok();
    let key = match s.keys.location(DATABASE_KEY) {
        KeyLocation::OsKeyring => "OS keyring".to_owned(),
        KeyLocation::File(p) => {
            format!("key file {} (0600; {})", p.display(), s.keys.keyring_problem().unwrap_or("keyring not used"))
        }
    };
    let counts = s.store.outbox_counts()?;
    if s.json {
        #[derive(Serialize)]
        struct Status<'a> {
            data_dir: String,
            key_location: String,
            schema_version: i64,
            profiles: usize,
            active_profile: Option<&'a Profile>,
            pending_changes: u64,
            refused_changes: u64,
        }
        return print_json(&Status {
            data_dir: s.data_dir.display().to_string(),
            key_location: key,
            schema_version: s.store.schema_version()?,
            profiles: profiles.len(),
            active_profile: active.as_ref(),
            pending_changes: counts.pending,
            refused_changes: counts.wedged,
        });
    }
    println!("Data directory:   {}", s.data_dir.display());
    println!("Database key:     {key}");
    println!("Schema version:   {}", s.store.schema_version()?);
    match &active {
        Some(p) => println!("Profiles:         {} (active: {}, HM {})", profiles.len(), p.display_name, p.hm_code),
        None => println!("Profiles:         {}", profiles.len()),
    }
    println!("Waiting to sync:  {} change(s)", counts.pending);
    println!("Refused:          {} change(s) (`sync status` lists them)", counts.wedged);
    Ok(())
}

/// What signing out leaves behind, for its message: refused changes are unsent too.
pub fn unsent_note(pending: u64, refused: u64) -> String {
    match (pending, refused) {
        (0, 0) => String::new(),
        (p, 0) => format!(" {p} unsent change(s) stay on this device."),
        (p, r) => format!(" {} unsent change(s), {r} of them refused by the server, stay on this device.", p + r),
    }
}
