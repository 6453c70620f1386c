//! `techo profile …`: the people whose records this device keeps, and which one is active.

use crate::session::{CliResult, Session, print_json};
use clap::Subcommand;
use serde::Serialize;
use techo_core::domain::{Profile, Relationship};

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
    /// Change the name shown for a profile
    Rename {
        hm_code: String,
        #[arg(long)]
        name: String,
    },
    /// Remove a profile and its records from this device (the server keeps its copy)
    Remove {
        hm_code: String,
        /// Also when it has changes not sent yet: they are lost
        #[arg(long)]
        discard_unsent: bool,
        /// Sync first, then remove only if none of its changes is left unsent
        #[arg(long, conflicts_with = "discard_unsent")]
        send_first: bool,
    },
}

pub fn run(s: &Session, cmd: ProfileCommand) -> CliResult {
    match cmd {
        ProfileCommand::Add { hm_code, name, family } => {
            let rel = if family { Relationship::Family } else { Relationship::Myself };
            let p = s.store.add_profile(&hm_code, &name, rel)?;
            let active = s.store.active_profile()?.id == p.id;
            println!("Added profile {} (HM {}){}", p.display_name, p.hm_code, if active { ", now active" } else { "" });
        }
        ProfileCommand::List => {
            let profiles = s.store.profiles()?;
            let active = s.store.active_profile().ok().map(|p| p.id);
            if s.json {
                #[derive(Serialize)]
                struct Row<'a> {
                    #[serde(flatten)]
                    profile: &'a Profile,
                    active: bool,
                }
                let rows: Vec<_> = profiles.iter().map(|p| Row { profile: p, active: Some(p.id) == active }).collect();
                return print_json(&rows);
            }
            if profiles.is_empty() {
                println!("No profiles yet. Add one: techo profile add <HM_CODE> --name <NAME>");
            }
            for p in profiles {
                let mark = if Some(p.id) == active { "*" } else { " " };
                println!("{mark} {:<20} {:<24} {}", p.hm_code, p.display_name, p.relationship.as_str());
            }
        }
        ProfileCommand::Use { hm_code } => {
            let p = s.store.profile_by_hm_code(&hm_code)?;
            s.store.set_active_profile(p.id)?;
            println!("Active profile: {} (HM {})", p.display_name, p.hm_code);
        }
        ProfileCommand::Rename { hm_code, name } => {
            let p = s.store.profile_by_hm_code(&hm_code)?;
            let p = s.store.rename_profile(p.id, &name)?;
            println!("Renamed: {} (HM {})", p.display_name, p.hm_code);
        }
        ProfileCommand::Remove { hm_code, discard_unsent, send_first } => {
            let p = s.store.profile_by_hm_code(&hm_code)?;
            if send_first {
                // What the run could not send stays queued, and the removal below refuses.
                crate::sync_cmd::runtime()?.block_on(crate::sync_cmd::client(s)?.sync_now(None))?;
            }
            let removed = s.store.remove_profile(p.id, discard_unsent)?;
            if s.json {
                return print_json(&serde_json::json!({ "removed_records": removed }));
            }
            println!("Removed HM {} and {removed} record(s) from this device; the server keeps its copy.", p.hm_code);
        }
    }
    Ok(())
}
