//! `techo checkup …`: 健診結果, health checkup results. Record a checkup with photos of the
//! paper result and the items typed from it, see each item judged against 保健指導判定値 and
//! 受診勧奨判定値, and an item's trend across years. Photos go through the core's photo
//! pipeline; `sync` uploads them (with a progress line) before the checkup.

use crate::format::short_id;
use crate::session::{CliResult, Session, print_json, usage};
use clap::{Subcommand, ValueEnum};
use serde::Serialize;
use std::path::PathBuf;
use techo_core::domain::Profile;
use techo_core::domain::checkup::{CodeList, ItemValue, Judgement, ORDINAL_LABELS, Sex, Unjudged};
use techo_core::photo::PhotoSettings;
use techo_core::store::{CheckupKind, CheckupView, NewCheckup};

#[derive(Clone, Copy, ValueEnum)]
pub enum Kind {
    /// 特定健診 (by the health insurer, ages 40–74)
    Tokutei,
    /// 定期健康診断 (by the employer)
    Teiki,
    Other,
}

#[derive(Subcommand)]
pub enum CheckupCommand {
    /// Record a checkup: `checkup add --date 2026-06-12 --photo p1.jpg --item 9A751000000000001=128`
    Add {
        /// The day of the checkup, YYYY-MM-DD
        #[arg(long)]
        date: String,
        #[arg(long, default_value = "")]
        institution: String,
        #[arg(long, value_enum, default_value_t = Kind::Tokutei)]
        kind: Kind,
        /// A photo (JPEG or PNG) of a page of the result; repeat for more pages
        #[arg(long = "photo", value_name = "FILE")]
        photos: Vec<PathBuf>,
        /// An item as CODE=VALUE (the 17-character 特定健診 item code); repeat for more
        #[arg(long = "item", value_name = "CODE=VALUE")]
        items: Vec<String>,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Checkups, newest first
    List,
    /// One checkup: items with their unit and judgement, photo pages
    Show { id: String },
    /// Set items of a checkup, e.g. `checkup set ID 3D046000001906202=5.8`
    Set {
        id: String,
        #[arg(value_name = "CODE=VALUE", required = true)]
        items: Vec<String>,
    },
    /// Remove items of a checkup by code
    Unset {
        id: String,
        #[arg(value_name = "CODE", required = true)]
        codes: Vec<String>,
    },
    /// One item across every checkup: date, value and judgement per year
    Trend { code: String },
    /// Add a photo (JPEG or PNG) of a page of the result to a checkup
    AddPhoto { id: String, file: PathBuf },
    /// Remove page N of a checkup (as `checkup show` numbers them), or discard a page waiting
    /// for room
    RemovePhoto { id: String, page: usize },
    /// Settle a value saved differently on two devices (an item code, or date, institution,
    /// kind, note)
    Resolve {
        id: String,
        field: String,
        #[arg(long)]
        keep: crate::emergency_box::Keep,
    },
    /// Delete a checkup on every device
    Delete { id: String },
    /// The item codes this version knows, with their names and units
    Codes,
}

fn kind(k: Kind) -> CheckupKind {
    match k {
        Kind::Tokutei => CheckupKind::Tokutei,
        Kind::Teiki => CheckupKind::Teiki,
        Kind::Other => CheckupKind::Other,
    }
}

fn assignments(items: &[String]) -> CliResult<Vec<(String, String)>> {
    items
        .iter()
        .map(|a| {
            a.split_once('=')
                .map(|(c, v)| (c.trim().to_owned(), v.trim().to_owned()))
                .ok_or_else(|| usage("write each item as CODE=VALUE (`techo checkup codes` lists the codes)"))
        })
        .collect()
}

pub fn run(s: &Session, cmd: CheckupCommand) -> CliResult {
    let profile = s.profile()?;
    let id = |prefix: &str| s.store.resolve_checkup_id(&profile, prefix);
    match cmd {
        CheckupCommand::Add { date, institution, kind: k, photos, items, note } => {
            let new = NewCheckup { date, institution, kind: kind(k), note, photos, items: assignments(&items)? };
            let view = s.store.add_checkup(&profile, &new, &PhotoSettings::default())?;
            saved(s, &profile, &view)?;
        }
        CheckupCommand::List => {
            let list = s.store.checkups(&profile)?;
            if s.json {
                return print_json(&list.iter().map(SummaryOut::of).collect::<Vec<_>>());
            }
            if list.is_empty() {
                println!("No checkups yet: `techo checkup add --date YYYY-MM-DD --photo FILE` records one.");
            }
            let ids: Vec<&str> = list.iter().map(|c| c.id.as_str()).collect();
            for c in &list {
                println!(
                    "{}  {}  {:<8} {:<20} {} item(s), {} page(s){}{}{}",
                    short_id(&c.id, &ids),
                    c.date,
                    kind_words(&c.kind),
                    c.institution,
                    c.items,
                    c.pages,
                    match c.worst {
                        Some(Judgement::SeeDoctor) => "  — an item at the see-a-doctor level",
                        Some(Judgement::Guidance) => "  — an item at the health guidance level",
                        Some(_) => "  — all within the standard range",
                        None => "",
                    },
                    if c.unsent { "  (not sent yet)" } else { "" },
                    if c.conflicts > 0 { "  (saved differently on two devices)" } else { "" },
                );
            }
        }
        CheckupCommand::Show { id: prefix } => {
            let view = s.store.checkup(&profile, &id(&prefix)?)?.ok_or_else(|| usage("no such checkup"))?;
            show(s, &profile, &view)?;
        }
        CheckupCommand::Set { id: prefix, items } => {
            let view = s.store.set_checkup_items(&profile, &id(&prefix)?, &assignments(&items)?)?;
            saved(s, &profile, &view)?;
        }
        CheckupCommand::Unset { id: prefix, codes } => {
            let view = s.store.remove_checkup_items(&profile, &id(&prefix)?, &codes)?;
            saved(s, &profile, &view)?;
        }
        CheckupCommand::Trend { code } => trend(s, &profile, &code)?,
        CheckupCommand::AddPhoto { id: prefix, file } => {
            let view = s.store.add_checkup_page(&profile, &id(&prefix)?, &file, &PhotoSettings::default())?;
            saved(s, &profile, &view)?;
        }
        CheckupCommand::RemovePhoto { id: prefix, page } => {
            let id = id(&prefix)?;
            let view = s.store.checkup(&profile, &id)?.ok_or_else(|| usage("no such checkup"))?;
            let image = &crate::format::page_numbered(&view.pages, &view.waiting_pages, page)?.image.sha256;
            let view = s.store.remove_checkup_page(&profile, &id, image)?;
            saved(s, &profile, &view)?;
        }
        CheckupCommand::Resolve { id: prefix, field, keep } => {
            let keep_ours = matches!(keep, crate::emergency_box::Keep::Mine);
            let view = s.store.resolve_checkup_conflict(&profile, &id(&prefix)?, &field, keep_ours)?;
            saved(s, &profile, &view)?;
        }
        CheckupCommand::Delete { id: prefix } => {
            s.store.delete_checkup(&profile, &id(&prefix)?)?;
            if !s.json {
                println!("Deleted. `techo sync` removes it from your other devices.");
            }
        }
        CheckupCommand::Codes => {
            for d in CodeList::builtin().items() {
                let variant = d.variant.as_deref().map(|v| format!(" ({v})")).unwrap_or_default();
                println!("{}  {}{}  {}", d.code, d.plain_name, variant, d.unit.as_deref().unwrap_or(""));
            }
        }
    }
    Ok(())
}

fn kind_words(k: &CheckupKind) -> &str {
    match k {
        CheckupKind::Tokutei => "特定健診",
        CheckupKind::Teiki => "定期健診",
        CheckupKind::Other => "その他",
        CheckupKind::Unknown(name) => name,
    }
}

fn judgement_words(j: Judgement) -> &'static str {
    match j {
        Judgement::Normal => "within the standard range",
        Judgement::Guidance => "health guidance level (保健指導判定値): worth talking over with a nurse or doctor",
        Judgement::SeeDoctor => "please see a doctor (受診勧奨判定値)",
        Judgement::Unknown(Unjudged::NoThresholds) => "no standard range for this item",
        Judgement::Unknown(Unjudged::SexNeeded) => {
            "depends on sex: set 性別 with `techo box edit identity.sex=female` (or male)"
        }
        Judgement::Unknown(Unjudged::UnknownItem) => "not judged (an item this version does not know)",
    }
}

fn judgement_key(j: Judgement) -> &'static str {
    match j {
        Judgement::Normal => "normal",
        Judgement::Guidance => "guidance",
        Judgement::SeeDoctor => "see_doctor",
        Judgement::Unknown(Unjudged::NoThresholds) => "no_thresholds",
        Judgement::Unknown(Unjudged::SexNeeded) => "sex_needed",
        Judgement::Unknown(Unjudged::UnknownItem) => "unknown_item",
    }
}

/// A value as the result sheet prints it: ordinal codes as −, ±, +…
fn value_words(value: &ItemValue) -> String {
    match value {
        ItemValue::Ordinal(n) => ORDINAL_LABELS.get(usize::from(*n).wrapping_sub(1)).copied().unwrap_or("?").to_owned(),
        other => other.to_wire(),
    }
}

/// How the person's checkup `id` is named to them: long enough to tell it from their others.
fn id_shown(s: &Session, profile: &Profile, id: &str) -> CliResult<String> {
    let list = s.store.checkups(profile)?;
    Ok(short_id(id, &list.iter().map(|c| c.id.as_str()).collect::<Vec<_>>()).to_owned())
}

fn saved(s: &Session, profile: &Profile, view: &CheckupView) -> CliResult {
    if s.json {
        return print_json(&ViewOut::of(view));
    }
    println!(
        "Saved checkup {}. `techo sync` sends it{}.",
        id_shown(s, profile, &view.id)?,
        if view.pages.is_empty() { "" } else { " with its photos" }
    );
    Ok(())
}

#[derive(Serialize)]
struct SummaryOut<'a> {
    id: &'a str,
    date: &'a str,
    institution: &'a str,
    kind: &'a str,
    items: usize,
    pages: usize,
    unsent: bool,
    conflicts: usize,
    /// `normal`, `guidance` or `see_doctor`; absent when no item was judged.
    #[serde(skip_serializing_if = "Option::is_none")]
    worst: Option<&'static str>,
}

impl<'a> SummaryOut<'a> {
    fn of(c: &'a techo_core::store::CheckupSummary) -> Self {
        Self {
            id: &c.id,
            date: &c.date,
            institution: &c.institution,
            kind: c.kind.as_str(),
            items: c.items,
            pages: c.pages,
            unsent: c.unsent,
            conflicts: c.conflicts,
            worst: c.worst.map(judgement_key),
        }
    }
}

#[derive(Serialize)]
struct ItemOut {
    code: String,
    name: String,
    value: String,
    unit: String,
    judgement: &'static str,
    judgement_words: &'static str,
}

#[derive(Serialize)]
struct ConflictOut<'a> {
    field: &'a str,
    mine: &'a str,
    shown: &'a str,
}

#[derive(Serialize)]
struct ViewOut<'a> {
    id: &'a str,
    date: &'a str,
    institution: &'a str,
    kind: &'a str,
    note: &'a str,
    sex: Option<&'static str>,
    items: Vec<ItemOut>,
    pages: Vec<crate::format::PageOut>,
    conflicts: Vec<ConflictOut<'a>>,
    unsent: bool,
}

impl<'a> ViewOut<'a> {
    fn of(v: &'a CheckupView) -> Self {
        Self {
            id: &v.id,
            date: &v.date,
            institution: &v.institution,
            kind: v.kind.as_str(),
            note: &v.note,
            sex: v.sex.map(|s| match s {
                Sex::Male => "male",
                Sex::Female => "female",
            }),
            items: v
                .items
                .iter()
                .map(|i| {
                    let def = i.item.as_ref().and_then(|it| it.def);
                    ItemOut {
                        code: i.code.clone(),
                        name: def.map_or_else(
                            || "(an item this version does not know)".to_owned(),
                            |d| match &d.variant {
                                Some(variant) => format!("{} ({variant})", d.plain_name),
                                None => d.plain_name.clone(),
                            },
                        ),
                        value: i.item.as_ref().map_or_else(|| i.value.clone(), |it| value_words(&it.value)),
                        unit: def.and_then(|d| d.unit.clone()).unwrap_or_default(),
                        judgement: judgement_key(i.judgement),
                        judgement_words: judgement_words(i.judgement),
                    }
                })
                .collect(),
            pages: crate::format::pages_out(&v.pages, &v.waiting_pages),
            conflicts: v
                .conflicts
                .iter()
                .map(|c| ConflictOut { field: &c.field, mine: &c.ours, shown: &c.theirs })
                .collect(),
            unsent: v.unsent,
        }
    }
}

fn show(s: &Session, profile: &Profile, view: &CheckupView) -> CliResult {
    let out = ViewOut::of(view);
    if s.json {
        return print_json(&out);
    }
    let id = id_shown(s, profile, &view.id)?;
    println!(
        "{} {} {}{}",
        view.date,
        kind_words(&view.kind),
        view.institution,
        if view.unsent { " (not sent yet)" } else { "" }
    );
    if !view.note.is_empty() {
        println!("Note: {}", view.note);
    }
    if out.items.is_empty() {
        println!("\nNo items typed in yet (`techo checkup set {id} CODE=VALUE`).");
    } else {
        println!("\nItems");
        for i in &out.items {
            let value = if i.unit.is_empty() { i.value.clone() } else { format!("{} {}", i.value, i.unit) };
            println!("  {}: {} — {}", i.name, value, i.judgement_words);
        }
    }
    crate::format::print_pages(&out.pages);
    for c in &out.conflicts {
        println!(
            "\nSaved differently on two devices — {}: shown 「{}」, this device had 「{}」 \
             (`techo checkup resolve {} {} --keep mine|theirs`)",
            c.field, c.shown, c.mine, id, c.field
        );
    }
    Ok(())
}

#[derive(Serialize)]
struct PointOut {
    date: String,
    code: String,
    value: String,
    judgement: &'static str,
}

fn trend(s: &Session, profile: &techo_core::domain::Profile, code: &str) -> CliResult {
    let points = s.store.checkup_series(profile, code)?;
    let out: Vec<PointOut> = points
        .iter()
        .map(|p| PointOut {
            date: p.date.to_string(),
            code: p.code.clone(),
            value: value_words(&p.value),
            judgement: judgement_key(p.judgement),
        })
        .collect();
    if s.json {
        return print_json(&out);
    }
    let def = CodeList::builtin().get(&code.trim().to_ascii_uppercase());
    let unit = def.and_then(|d| d.unit.as_deref()).unwrap_or("");
    println!("{}", def.map_or(code, |d| d.plain_name.as_str()));
    if points.is_empty() {
        println!("  No values recorded yet.");
    }
    for (p, o) in points.iter().zip(&out) {
        println!("  {}  {} {}  {}", o.date, o.value, unit, judgement_words(p.judgement));
    }
    Ok(())
}
