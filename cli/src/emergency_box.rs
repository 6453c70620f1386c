//! `techo box …`: 命の宝箱, the emergency information sheet. Type its fields, add photos of the
//! filled-in paper form, see every version, and settle a field two devices saved differently.
//! Photos go through the core's photo pipeline; `sync` uploads them (with a progress line).

use crate::session::{CliResult, Session, print_json, usage};
use chrono::Local;
use clap::{Subcommand, ValueEnum};
use serde::Serialize;
use std::path::PathBuf;
use techo_core::domain::emergency_sheet::{CATALOGUE, FieldGroup, catalogue_field};
use techo_core::photo::PhotoSettings;
use techo_core::store::{EmergencySheet, PhotoPage, SheetVersion};

#[derive(Clone, Copy, ValueEnum)]
pub enum Keep {
    /// The value saved on this device
    Mine,
    /// The value the sheet shows now (saved elsewhere first)
    Theirs,
}

#[derive(Subcommand)]
pub enum BoxCommand {
    /// The sheet: fields by group, photo pages, when it was last updated
    Show,
    /// The fields the sheet has, with their keys (for `box edit`)
    Fields,
    /// Set fields, e.g. `box edit medical.blood_type=A "care.doctor=田中 一郎"`; `KEY=` clears one
    Edit {
        #[arg(value_name = "KEY=VALUE", required = true)]
        assignments: Vec<String>,
    },
    /// Add a photo (JPEG or PNG) of the filled-in paper sheet as a page
    AddPhoto { file: PathBuf },
    /// Remove page N (as `box show` numbers them; older versions keep it), or discard a page
    /// waiting for room
    RemovePhoto { page: usize },
    /// Write page N to FILE (downloading it from the server if this device does not have it)
    Photo {
        page: usize,
        #[arg(long = "out", value_name = "FILE")]
        out: PathBuf,
        /// The small preview instead of the page
        #[arg(long)]
        thumbnail: bool,
    },
    /// Every version, newest first: those this device saved or received, and (signed in) the
    /// older ones the server kept from other devices
    History,
    /// Write the sheet as an A4 page (HTML) to FILE, to print and keep in the fridge door
    /// pocket; a blank form to fill in by hand when nothing is written yet
    Print {
        #[arg(long = "out", value_name = "FILE")]
        out: PathBuf,
    },
    /// Settle a field saved differently on two devices
    Resolve {
        key: String,
        #[arg(long)]
        keep: Keep,
    },
}

pub fn run(s: &Session, cmd: BoxCommand) -> CliResult {
    let profile = s.profile()?;
    match cmd {
        BoxCommand::Show => match s.store.emergency_sheet(&profile)? {
            Some(sheet) => show(s, &sheet)?,
            None if s.json => print_json(&serde_json::Value::Null)?,
            None => println!("No 命の宝箱 yet: `techo box edit KEY=VALUE` or `techo box add-photo FILE` starts it."),
        },
        BoxCommand::Fields => {
            for group in FieldGroup::ALL {
                println!("{} ({})", group.label_ja(), group.label_en());
                for f in CATALOGUE.iter().filter(|f| f.group == group) {
                    println!("  {:<28} {}", f.key, f.label_ja);
                }
            }
        }
        BoxCommand::Edit { assignments } => {
            let mut edits = Vec::new();
            for a in assignments {
                let (key, value) = a.split_once('=').ok_or_else(|| usage("write each field as KEY=VALUE"))?;
                if catalogue_field(key).is_none() {
                    return Err(usage(format!("no field `{key}` (`techo box fields` lists them)")));
                }
                edits.push((key.to_owned(), value.to_owned()));
            }
            let sheet = s.store.save_emergency_fields(&profile, &edits)?;
            saved(s, &sheet)?;
        }
        BoxCommand::AddPhoto { file } => {
            let sheet = s.store.add_emergency_page(&profile, &file, &PhotoSettings::default())?;
            saved(s, &sheet)?;
        }
        BoxCommand::RemovePhoto { page } => {
            let sheet = s.store.emergency_sheet(&profile)?.ok_or_else(|| usage("no 命の宝箱 yet"))?;
            let image = &page_of(&sheet, page)?.image.sha256;
            let sheet = s.store.remove_emergency_page(&profile, image)?;
            saved(s, &sheet)?;
        }
        BoxCommand::Photo { page, out, thumbnail } => {
            let sheet = s.store.emergency_sheet(&profile)?.ok_or_else(|| usage("no 命の宝箱 yet"))?;
            let p = page_of(&sheet, page)?;
            let blob = if thumbnail { &p.thumbnail } else { &p.image };
            let bytes = match s.store.blob_bytes(&profile, &blob.sha256)? {
                Some(bytes) => bytes,
                None => {
                    let client = crate::sync_cmd::client(s)?;
                    crate::sync_cmd::runtime()?.block_on(client.fetch_blob(&profile, blob))?
                }
            };
            std::fs::write(&out, bytes).map_err(techo_core::Error::from)?;
            if !s.json {
                println!("Page {page} written to {}.", out.display());
            }
        }
        BoxCommand::History => {
            let mut only_here = false;
            if s.store.account()?.is_some() {
                let client = crate::sync_cmd::client(s)?;
                let id = techo_core::domain::emergency_sheet::sheet_id(&profile.hm_code).to_string();
                let entity = techo_core::store::Entity::EmergencySheet;
                match crate::sync_cmd::runtime()?.block_on(client.fetch_versions(&profile, &entity, &id)) {
                    Ok(versions) => {
                        s.store.keep_sheet_versions(&profile, &versions)?;
                    }
                    // Never written on the server: there is nothing more.
                    Err(techo_core::Error::NotFound { .. }) => {}
                    Err(techo_core::Error::Network { .. } | techo_core::Error::Auth { .. }) => only_here = true,
                    Err(e) => return Err(e.into()),
                }
            }
            let history = s.store.emergency_sheet_history(&profile)?;
            if only_here && !s.json {
                eprintln!("The server could not be reached: versions saved on other devices may be missing.");
            }
            if s.json {
                return print_json(&history.iter().map(VersionOut::of).collect::<Vec<_>>());
            }
            if history.is_empty() {
                println!("No versions yet.");
            }
            for v in &history {
                let out = VersionOut::of(v);
                let fields: Vec<&str> =
                    v.changed_fields.iter().map(|k| catalogue_field(k).map_or(k.as_str(), |f| f.label_ja)).collect();
                println!(
                    "{:>3}  {}  {:<10}  {} page(s)  {}",
                    v.number,
                    out.saved_at,
                    out.by,
                    v.pages,
                    if fields.is_empty() { "(photos only)".to_owned() } else { fields.join("、") }
                );
            }
        }
        BoxCommand::Print { out } => {
            let html = s.store.emergency_sheet_print(&profile, *Local::now().offset())?;
            std::fs::write(&out, html).map_err(techo_core::Error::from)?;
            if !s.json {
                println!("Written to {}: open it in a browser and print it on A4.", out.display());
            }
        }
        BoxCommand::Resolve { key, keep } => {
            let sheet = s.store.resolve_emergency_conflict(&profile, &key, matches!(keep, Keep::Mine))?;
            saved(s, &sheet)?;
        }
    }
    Ok(())
}

fn page_of(sheet: &EmergencySheet, n: usize) -> CliResult<&PhotoPage> {
    crate::format::page_numbered(&sheet.pages, &sheet.waiting_pages, n)
}

fn saved(s: &Session, sheet: &EmergencySheet) -> CliResult {
    if s.json {
        return print_json(&SheetOut::of(sheet));
    }
    println!("Saved. `techo sync` sends it{}.", if sheet.pages.is_empty() { "" } else { " with its photos" });
    Ok(())
}

#[derive(Serialize)]
struct FieldOut<'a> {
    key: &'a str,
    label: &'a str,
    value: &'a str,
}

#[derive(Serialize)]
struct ConflictOut<'a> {
    key: &'a str,
    mine: &'a str,
    shown: &'a str,
}

#[derive(Serialize)]
struct SheetOut<'a> {
    fields: Vec<FieldOut<'a>>,
    pages: Vec<crate::format::PageOut>,
    saved_at: String,
    conflicts: Vec<ConflictOut<'a>>,
    unsent: bool,
    review_due: bool,
}

impl<'a> SheetOut<'a> {
    fn of(sheet: &'a EmergencySheet) -> Self {
        Self {
            fields: sheet
                .fields
                .iter()
                .map(|(k, v)| FieldOut {
                    key: k,
                    label: catalogue_field(k).map_or(k.as_str(), |f| f.label_ja),
                    value: v,
                })
                .collect(),
            pages: crate::format::pages_out(&sheet.pages, &sheet.waiting_pages),
            saved_at: sheet.saved_at.with_timezone(&Local).format("%Y-%m-%d %H:%M").to_string(),
            conflicts: sheet
                .conflicts
                .iter()
                .map(|c| ConflictOut { key: &c.key, mine: &c.ours, shown: &c.theirs })
                .collect(),
            unsent: sheet.unsent,
            review_due: sheet.review_due,
        }
    }
}

#[derive(Serialize)]
struct VersionOut {
    number: i64,
    saved_at: String,
    by: String,
    saved_here: bool,
    changed_fields: Vec<String>,
    pages: usize,
}

impl VersionOut {
    fn of(v: &SheetVersion) -> Self {
        Self {
            number: v.number,
            saved_at: v.saved_at.with_timezone(&Local).format("%Y-%m-%d %H:%M").to_string(),
            by: match (&v.saved_by.account, v.saved_here) {
                (Some(account), _) => format!("HM {account}"),
                (None, true) => "this device".into(),
                (None, false) => "another device".into(),
            },
            saved_here: v.saved_here,
            changed_fields: v.changed_fields.clone(),
            pages: v.pages,
        }
    }
}

fn show(s: &Session, sheet: &EmergencySheet) -> CliResult {
    if s.json {
        return print_json(&SheetOut::of(sheet));
    }
    let out = SheetOut::of(sheet);
    println!("命の宝箱 — last updated {}{}", out.saved_at, if sheet.unsent { " (not sent yet)" } else { "" });
    if sheet.review_due {
        println!("It has not been updated for a year: please look it over.");
    }
    for group in FieldGroup::ALL {
        let fields: Vec<_> =
            out.fields.iter().filter(|f| catalogue_field(f.key).is_some_and(|c| c.group == group)).collect();
        if fields.is_empty() {
            continue;
        }
        println!("\n{}", group.label_ja());
        for f in fields {
            println!("  {}: {}", f.label, f.value.replace('\n', "\n    "));
        }
    }
    crate::format::print_pages(&out.pages);
    for c in &out.conflicts {
        let label = catalogue_field(c.key).map_or(c.key, |f| f.label_ja);
        println!(
            "\nSaved differently on two devices — {label}: shown 「{}」, this device had 「{}」 \
             (`techo box resolve {} --keep mine|theirs`)",
            c.shown, c.mine, c.key
        );
    }
    Ok(())
}
