//! `techo meds …`: the medication notebook. Import what pharmacies give (a JAHIS file, the QR codes
//! of a receipt as data), list it by date or pharmacy, what is being taken now, search, details,
//! hide a wrong entry, export everything as one JAHIS file for another app or a pharmacy.

use crate::session::{CliResult, Session, print_json, usage};
use base64::Engine;
use chrono::{Local, NaiveDate};
use clap::{Subcommand, ValueEnum};
use serde::Serialize;
use std::path::PathBuf;
use techo_core::domain::medication_view::{DispensingView, EntryKind, dispensing_view, medication_line};
use techo_core::medication_scan::{MedicationScan, ScanStep};
use techo_core::store::{MedicationImport, MedicationQuery, StoredMedication};
use techo_jahis::{DosageForm, DoseMeaning, GroupKind, Level, QuantityUnit, StructuredAppend};

#[derive(Clone, Copy, ValueEnum)]
pub enum KindArg {
    Dispensing,
    Otc,
    Note,
    Memo,
    Pharmacist,
    Patient,
}

impl KindArg {
    fn kind(self) -> EntryKind {
        match self {
            Self::Dispensing => EntryKind::Dispensing,
            Self::Otc => EntryKind::Otc,
            Self::Note => EntryKind::PatientNote,
            Self::Memo => EntryKind::Memo,
            Self::Pharmacist => EntryKind::Pharmacist,
            Self::Patient => EntryKind::PatientInfo,
        }
    }
}

#[derive(Subcommand)]
pub enum MedsCommand {
    /// Import JAHIS files (e-お薬手帳 data), photos of a receipt's QR codes, or the codes given as
    /// data. The QR codes of one receipt may come in any order; nothing is imported until every
    /// one is there.
    Import {
        /// JAHIS TC files (Shift_JIS/CP932, as pharmacies and other apps write them), or JPEG/PNG
        /// photos of receipt QR codes
        files: Vec<PathBuf>,
        /// A QR symbol's data codewords after error correction, as `VERSION:HEX` (or base64
        /// after the colon); repeat for each symbol
        #[arg(long = "codewords", value_name = "VERSION:DATA")]
        codewords: Vec<String>,
        /// A QR symbol's data bytes with its Structured Append header, as
        /// `POSITION/TOTAL/PARITY:HEX` (position from 0, parity in hex); repeat for each symbol
        #[arg(long = "symbol", value_name = "P/T/PARITY:DATA")]
        symbols: Vec<String>,
    },
    /// The notebook, newest first
    List {
        /// Only what is being taken today
        #[arg(long)]
        current: bool,
        #[arg(long = "type", value_name = "TYPE")]
        kind: Option<KindArg>,
        /// Only dispensings of this pharmacy or clinic (its code, as `meds pharmacies` shows)
        #[arg(long)]
        pharmacy: Option<String>,
        #[arg(long, default_value_t = 20)]
        limit: u32,
        #[arg(long)]
        cursor: Option<String>,
    },
    /// The pharmacies and clinics that dispensed, most recent first
    Pharmacies,
    /// One entry in full (a unique id prefix is enough)
    Show { id: String },
    /// Entries whose medicine, ingredient, pharmacy or note contains TEXT (カナ/かな, width ignored)
    Search { text: String },
    /// Hide a wrongly imported entry on every device (kept in history)
    Delete { id: String },
    /// Write the whole notebook as one JAHIS file (for another e-お薬手帳 app or a pharmacy)
    Export {
        #[arg(long = "jahis", value_name = "FILE")]
        file: PathBuf,
    },
}

pub fn run(s: &Session, cmd: MedsCommand) -> CliResult {
    match cmd {
        MedsCommand::Import { files, codewords, symbols } => import(s, files, codewords, symbols)?,
        MedsCommand::List { current, kind, pharmacy, limit, cursor } => {
            let profile = s.profile()?;
            let (items, next_cursor) = if current {
                (s.store.current_medications(profile.id, Local::now().date_naive())?, None)
            } else {
                let q = MedicationQuery { kind: kind.map(KindArg::kind), institution_code: pharmacy, limit, cursor };
                let page = s.store.list_medications(profile.id, &q)?;
                (page.items, page.next_cursor)
            };
            if s.json {
                #[derive(Serialize)]
                struct Out {
                    items: Vec<Line>,
                    next_cursor: Option<String>,
                }
                return print_json(&Out { items: items.iter().map(Line::of).collect(), next_cursor });
            }
            if items.is_empty() {
                println!("{}", if current { "Nothing is being taken today." } else { "No medication entries yet." });
            }
            items.iter().for_each(|m| println!("{}", Line::of(m)));
            if let Some(c) = next_cursor {
                println!("more: techo meds list --cursor {c}");
            }
        }
        MedsCommand::Pharmacies => {
            let list = s.store.medication_institutions(s.profile()?.id)?;
            if s.json {
                #[derive(Serialize)]
                struct Row {
                    name: String,
                    code: String,
                    dispensings: u32,
                    latest: Option<NaiveDate>,
                }
                let rows: Vec<_> = list
                    .into_iter()
                    .map(|i| Row { name: i.name, code: i.code, dispensings: i.dispensings, latest: i.latest })
                    .collect();
                return print_json(&rows);
            }
            for i in list {
                let latest = i.latest.map(|d| d.to_string()).unwrap_or_default();
                println!("{:<9} {:<28} {:>3} dispensings, latest {latest}", i.code, i.name, i.dispensings);
            }
        }
        MedsCommand::Show { id } => {
            let profile = s.profile()?;
            let m = s.store.get_medication(s.store.resolve_medication_id(profile.id, &id)?)?;
            show(s, &m)?;
        }
        MedsCommand::Search { text } => {
            let hits = s.store.search_medications(s.profile()?.id, &text, 100)?;
            if s.json {
                return print_json(&hits.iter().map(Line::of).collect::<Vec<_>>());
            }
            if hits.is_empty() {
                println!("Nothing found.");
            }
            hits.iter().for_each(|m| println!("{}", Line::of(m)));
        }
        MedsCommand::Delete { id } => {
            let profile = s.profile()?;
            let id = s.store.resolve_medication_id(profile.id, &id)?;
            s.store.delete_medication(id)?;
            println!("Hidden; it leaves the other devices at their next sync.");
        }
        MedsCommand::Export { file } => {
            let written = s.store.export_medications(s.profile()?.id)?;
            std::fs::write(&file, &written.bytes).map_err(|e| usage(format!("writing the export: {e}")))?;
            let warnings = written.issues.len();
            println!("Wrote {} bytes (JAHIS TC, direction 2) to {}", written.bytes.len(), file.display());
            if warnings > 0 {
                println!(
                    "warning: {warnings} field(s) do not meet the format's rules (kept as the pharmacy wrote them)"
                );
            }
        }
    }
    Ok(())
}

fn decode_data(text: &str) -> CliResult<Vec<u8>> {
    let t = text.trim();
    if t.len().is_multiple_of(2) && t.bytes().all(|b| b.is_ascii_hexdigit()) {
        return hex::decode(t).map_err(|_| usage("data: not hex"));
    }
    base64::engine::general_purpose::STANDARD.decode(t).map_err(|_| usage("data: neither hex nor base64"))
}

fn import(s: &Session, files: Vec<PathBuf>, codewords: Vec<String>, symbols: Vec<String>) -> CliResult {
    if files.is_empty() && codewords.is_empty() && symbols.is_empty() {
        return Err(usage("give JAHIS files, --codewords or --symbol"));
    }
    let profile = s.profile()?;
    let mut scan = MedicationScan::new();
    let mut steps: Vec<ScanStep> = Vec::new();
    for file in &files {
        let bytes = std::fs::read(file).map_err(|e| usage(format!("reading {}: {e}", file.display())))?;
        let is_image = bytes.starts_with(b"\x89PNG") || bytes.starts_with(&[0xFF, 0xD8, 0xFF]);
        steps.push(if is_image {
            scan.add_photo(&s.store, profile.id, file)?
        } else {
            scan.add_file(&s.store, profile.id, &bytes)?
        });
    }
    for c in &codewords {
        let (version, data) = c.split_once(':').ok_or_else(|| usage("--codewords: VERSION:DATA"))?;
        let version: u8 = version.parse().map_err(|_| usage("--codewords: the version is a number from 1 to 40"))?;
        steps.push(scan.add_codewords(&s.store, profile.id, &decode_data(data)?, version)?);
    }
    for sym in &symbols {
        let (header, data) = sym.split_once(':').ok_or_else(|| usage("--symbol: POSITION/TOTAL/PARITY:DATA"))?;
        let parts: Vec<&str> = header.split('/').collect();
        let [position, total, parity] = parts.as_slice() else {
            return Err(usage("--symbol: POSITION/TOTAL/PARITY:DATA"));
        };
        let sa = StructuredAppend {
            position: position.parse().map_err(|_| usage("--symbol: position"))?,
            total: total.parse().map_err(|_| usage("--symbol: total"))?,
            parity: u8::from_str_radix(parity, 16).map_err(|_| usage("--symbol: parity (hex)"))?,
        };
        steps.push(scan.add_symbol(&s.store, profile.id, &decode_data(data)?, Some(sa))?);
    }
    let imports: Vec<&MedicationImport> = steps.iter().flat_map(|st| &st.imports).collect();
    let refused: Vec<String> = steps.iter().flat_map(|st| &st.refused).map(|e| e.to_string()).collect();
    let pending = scan.progress().pending;
    if s.json {
        #[derive(Serialize)]
        struct Out {
            added: usize,
            already_present: u32,
            skipped_blocks: u32,
            issues: Vec<String>,
            refused: Vec<String>,
            incomplete: Vec<String>,
        }
        return print_json(&Out {
            added: imports.iter().map(|i| i.added.len()).sum(),
            already_present: imports.iter().map(|i| i.already_present).sum(),
            skipped_blocks: imports.iter().map(|i| i.skipped_blocks).sum(),
            issues: imports.iter().flat_map(|i| &i.issues).map(|i| i.to_string()).collect(),
            refused,
            incomplete: pending.iter().map(|g| format!("{} of {}", g.have, g.total)).collect(),
        });
    }
    for i in &imports {
        println!("Imported {} new entries ({} already in the notebook).", i.added.len(), i.already_present);
        if i.skipped_blocks > 0 {
            println!("warning: {} dispensing(s) left out because their data has errors:", i.skipped_blocks);
        }
        for issue in i.issues.iter().filter(|x| x.level == Level::Error) {
            println!("  {issue}");
        }
    }
    if imports.is_empty() && pending.is_empty() && !refused.is_empty() {
        return Err(usage(format!("not imported: {}", refused.join("; "))));
    }
    for r in &refused {
        println!("not imported: {r}");
    }
    for g in &pending {
        let what = match g.kind {
            GroupKind::StructuredAppend => "QR codes",
            GroupKind::Split => "parts",
        };
        // A command holds its scans only while it runs: the rest must come with these.
        println!(
            "waiting: {} of {} {what} read; nothing imported: give all of them in one command (any order)",
            g.have, g.total
        );
    }
    if imports.is_empty() && !pending.is_empty() {
        return Err(crate::session::CliError::Unfinished("nothing imported yet".into()));
    }
    Ok(())
}

/// One entry as a list line and as JSON.
#[derive(Serialize)]
struct Line {
    id: String,
    kind: &'static str,
    day: Option<NaiveDate>,
    until: Option<NaiveDate>,
    title: String,
    names: Vec<String>,
    arrived_by: &'static str,
}

impl Line {
    fn of(m: &StoredMedication) -> Self {
        let line = medication_line(m);
        Self {
            id: m.entry.id.to_string(),
            kind: m.entry.kind.as_str(),
            day: m.day,
            until: m.until,
            title: line.title,
            names: line.names,
            arrived_by: m.arrived_by.as_str(),
        }
    }
}

impl std::fmt::Display for Line {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let day = self.day.map(|d| d.to_string()).unwrap_or_else(|| "          ".into());
        write!(f, "{}  {day}  {:<12} {}", &self.id[..8], self.kind, self.title)?;
        if !self.names.is_empty() {
            write!(f, ": {}", self.names.join("、"))?;
        }
        Ok(())
    }
}

fn dose_meaning(m: DoseMeaning) -> &'static str {
    match m {
        DoseMeaning::Daily => "1日量",
        DoseMeaning::PerDose => "1回量",
        DoseMeaning::Total => "全量",
    }
}

fn quantity(amount: u16, unit: QuantityUnit) -> String {
    match unit {
        QuantityUnit::Days => format!("{amount}日分"),
        QuantityUnit::Times => format!("{amount}回分"),
        QuantityUnit::Once => "1調剤".into(),
    }
}

fn form(f: DosageForm) -> &'static str {
    match f {
        DosageForm::Internal => "内服",
        DosageForm::InternalDrops => "内滴",
        DosageForm::AsNeeded => "頓服",
        DosageForm::Injection => "注射",
        DosageForm::External => "外用",
        DosageForm::Decoction => "浸煎",
        DosageForm::Kampo => "湯",
        DosageForm::Material => "材料",
        DosageForm::Other => "その他",
    }
}

fn show(s: &Session, m: &StoredMedication) -> CliResult {
    let line = Line::of(m);
    let detail = m.entry.dispensing().map(dispensing_view);
    if s.json {
        #[derive(Serialize)]
        struct Out<'a> {
            #[serde(flatten)]
            line: &'a Line,
            jahis: &'a str,
            deleted: bool,
        }
        return print_json(&Out { line: &line, jahis: &m.entry.text, deleted: m.deleted_at.is_some() });
    }
    println!("{line}");
    if m.deleted_at.is_some() {
        println!("(hidden)");
    }
    if let Some(d) = detail {
        print_dispensing(&d);
    }
    Ok(())
}

fn print_dispensing(d: &DispensingView) {
    if let Some(p) = &d.pharmacy {
        println!("調剤: {} [{}] {} {}", p.name, p.code, p.address, p.phone);
    }
    if let Some(p) = &d.pharmacist {
        println!("薬剤師: {p}");
    }
    if let Some(p) = &d.prescriber {
        println!("処方: {} [{}]", p.name, p.code);
    }
    for rp in &d.rps {
        let doctor = rp.doctor.as_deref().map(|x| format!("  ({x})")).unwrap_or_default();
        println!("RP{}{doctor}", rp.number);
        for drug in &rp.drugs {
            let dose = drug
                .dose
                .as_ref()
                .map(|d| {
                    let meaning = d.meaning.map(dose_meaning).map(|m| format!("{m} ")).unwrap_or_default();
                    format!("  {meaning}{}{}", d.amount, d.unit)
                })
                .unwrap_or_default();
            println!("  {}{dose}", drug.name);
            drug.supplements.iter().chain(&drug.cautions).for_each(|t| println!("    ※ {t}"));
        }
        let how =
            [rp.usage.clone(), rp.dosage_form.map(|f| form(f).to_owned()), rp.quantity.map(|(a, u)| quantity(a, u))];
        println!("  {}", how.into_iter().flatten().collect::<Vec<_>>().join("  "));
        rp.usage_notes.iter().chain(&rp.cautions).for_each(|t| println!("    ※ {t}"));
    }
    d.cautions.iter().chain(&d.notes).for_each(|t| println!("※ {t}"));
}
