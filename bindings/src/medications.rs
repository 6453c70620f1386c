//! The medication notebook: importing what pharmacies give (a receipt's QR codes, a JAHIS file),
//! the history, what is being taken now, search, a dispensing in full, hiding a wrong entry, and
//! export for another app or a pharmacy.
//!
//! Scanning is an object (`MedicationScanner`) the scan screen holds: it takes each QR symbol as
//! bytes — never as a decoded string — in any order, says "1 of 2", and imports a receipt only
//! once all of its symbols are there. Texts (drug names, how to take them) are the pharmacy's
//! own; the enums are for the shells to word.

use crate::error::{ApiError, ImportProblem, import_problem};
use crate::facade::TechoCore;
use crate::ids::parse_id;
use crate::time::CalendarDay;
use std::sync::{Arc, Mutex};
use techo_core::domain::medication_view::{self as view, EntryKind};
use techo_core::medication_scan::{MedicationScan, ScanStep};
use techo_core::store::{ArrivedBy as CoreArrivedBy, MedicationImport, MedicationQuery, StoredMedication};
use techo_jahis::{Added, GroupKind, Issue, IssueCode, Level, StructuredAppend};

pub use techo_jahis::{DosageForm, DoseMeaning, QuantityUnit};

// ---- remote mirrors ------------------------------------------------------------------------------

#[uniffi::remote(Enum)]
pub enum DoseMeaning {
    Daily,
    PerDose,
    Total,
}

#[uniffi::remote(Enum)]
pub enum QuantityUnit {
    Days,
    Times,
    Once,
}

#[uniffi::remote(Enum)]
pub enum DosageForm {
    Internal,
    InternalDrops,
    AsNeeded,
    Injection,
    External,
    Decoction,
    Kampo,
    Material,
    Other,
}

// ---- records -------------------------------------------------------------------------------------

/// Which part of the notebook an entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum MedicationKind {
    Dispensing,
    Otc,
    PatientNote,
    Memo,
    Pharmacist,
    PatientInfo,
}

impl From<EntryKind> for MedicationKind {
    fn from(k: EntryKind) -> Self {
        match k {
            EntryKind::Dispensing => Self::Dispensing,
            EntryKind::Otc => Self::Otc,
            EntryKind::PatientNote => Self::PatientNote,
            EntryKind::Memo => Self::Memo,
            EntryKind::Pharmacist => Self::Pharmacist,
            EntryKind::PatientInfo => Self::PatientInfo,
        }
    }
}

impl From<MedicationKind> for EntryKind {
    fn from(k: MedicationKind) -> Self {
        match k {
            MedicationKind::Dispensing => Self::Dispensing,
            MedicationKind::Otc => Self::Otc,
            MedicationKind::PatientNote => Self::PatientNote,
            MedicationKind::Memo => Self::Memo,
            MedicationKind::Pharmacist => Self::Pharmacist,
            MedicationKind::PatientInfo => Self::PatientInfo,
        }
    }
}

/// How an entry first reached this device: provenance the person can see.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum MedicationArrival {
    /// Scanned from a receipt's QR codes.
    Scanned,
    /// A JAHIS file shared to the app.
    File,
    /// From the network: the pharmacy sent it, or another device imported it.
    Synced,
}

impl From<CoreArrivedBy> for MedicationArrival {
    fn from(a: CoreArrivedBy) -> Self {
        match a {
            CoreArrivedBy::Qr => Self::Scanned,
            CoreArrivedBy::File => Self::File,
            CoreArrivedBy::Sync => Self::Synced,
        }
    }
}

/// One line of the history.
#[derive(Clone, uniffi::Record)]
pub struct MedicationSummary {
    pub id: String,
    pub kind: MedicationKind,
    /// Dispensing, start or entry date.
    pub day: Option<CalendarDay>,
    /// The first day it is no longer taken (dispensings, OTC medicines).
    pub until: Option<CalendarDay>,
    /// The pharmacy (dispensings), the medicine (OTC), or the note's text.
    pub title: String,
    /// Drug names of a dispensing, ingredients of an OTC medicine.
    pub names: Vec<String>,
    pub arrival: MedicationArrival,
    pub hidden: bool,
}

impl From<&StoredMedication> for MedicationSummary {
    fn from(m: &StoredMedication) -> Self {
        let line = view::medication_line(m);
        Self {
            id: m.entry.id.to_string(),
            kind: m.entry.kind.into(),
            day: m.day.map(Into::into),
            until: m.until.map(Into::into),
            title: line.title,
            names: line.names,
            arrival: m.arrived_by.into(),
            hidden: m.deleted_at.is_some(),
        }
    }
}

#[derive(Clone, uniffi::Record)]
pub struct MedicationPage {
    pub items: Vec<MedicationSummary>,
    /// Pass back in `MedicationFilter.cursor` for the next page; none on the last.
    pub next_cursor: Option<String>,
}

#[derive(Clone, Default, uniffi::Record)]
pub struct MedicationFilter {
    #[uniffi(default = None)]
    pub kind: Option<MedicationKind>,
    /// Only this pharmacy's or clinic's dispensings (its code from `medication_pharmacies`).
    #[uniffi(default = None)]
    pub pharmacy_code: Option<String>,
    /// 0 = 50; at most 500.
    #[uniffi(default = 0)]
    pub limit: u32,
    #[uniffi(default = None)]
    pub cursor: Option<String>,
}

#[derive(Clone, uniffi::Record)]
pub struct PharmacyCount {
    pub name: String,
    pub code: String,
    pub dispensings: u32,
    pub latest: Option<CalendarDay>,
}

#[derive(Clone, uniffi::Record)]
pub struct InstitutionInfo {
    pub name: String,
    pub code: String,
    pub address: String,
    pub phone: String,
}

impl From<view::InstitutionView> for InstitutionInfo {
    fn from(i: view::InstitutionView) -> Self {
        Self { name: i.name, code: i.code, address: i.address, phone: i.phone }
    }
}

#[derive(Clone, uniffi::Record)]
pub struct DrugInfo {
    pub name: String,
    pub generic_name: Option<String>,
    /// The amount as written (`1`, `0.5`), with its unit (`錠`).
    pub dose_amount: Option<String>,
    pub dose_unit: String,
    /// What the amount means for this dosage form (a day's, one dose's, the whole lot).
    pub dose_meaning: Option<DoseMeaning>,
    /// e.g. uneven doses 「朝：３Ｃ、昼：２Ｃ」.
    pub supplements: Vec<String>,
    pub cautions: Vec<String>,
}

#[derive(Clone, uniffi::Record)]
pub struct RpInfo {
    pub number: u16,
    pub doctor: Option<String>,
    pub drugs: Vec<DrugInfo>,
    /// How to take it, as the pharmacy wrote it (`【１日２回 朝夕食後】`).
    pub usage: Option<String>,
    pub dosage_form: Option<DosageForm>,
    pub quantity: Option<u16>,
    pub quantity_unit: Option<QuantityUnit>,
    pub usage_notes: Vec<String>,
    pub cautions: Vec<String>,
}

#[derive(Clone, uniffi::Record)]
pub struct DispensingInfo {
    pub pharmacy: Option<InstitutionInfo>,
    pub pharmacist: Option<String>,
    pub prescriber: Option<InstitutionInfo>,
    pub rps: Vec<RpInfo>,
    /// Cautions for the whole dispensing.
    pub cautions: Vec<String>,
    /// Information from the pharmacy, leftover checks, remarks, the patient's own notes.
    pub notes: Vec<String>,
}

impl From<view::DispensingView> for DispensingInfo {
    fn from(d: view::DispensingView) -> Self {
        Self {
            pharmacy: d.pharmacy.map(Into::into),
            pharmacist: d.pharmacist,
            prescriber: d.prescriber.map(Into::into),
            rps: d
                .rps
                .into_iter()
                .map(|rp| RpInfo {
                    number: rp.number,
                    doctor: rp.doctor,
                    drugs: rp
                        .drugs
                        .into_iter()
                        .map(|x| DrugInfo {
                            name: x.name,
                            generic_name: x.generic_name,
                            dose_amount: x.dose.as_ref().map(|d| d.amount.clone()),
                            dose_unit: x.dose.as_ref().map(|d| d.unit.clone()).unwrap_or_default(),
                            dose_meaning: x.dose.and_then(|d| d.meaning),
                            supplements: x.supplements,
                            cautions: x.cautions,
                        })
                        .collect(),
                    usage: rp.usage,
                    dosage_form: rp.dosage_form,
                    quantity: rp.quantity.map(|q| q.0),
                    quantity_unit: rp.quantity.map(|q| q.1),
                    usage_notes: rp.usage_notes,
                    cautions: rp.cautions,
                })
                .collect(),
            cautions: d.cautions,
            notes: d.notes,
        }
    }
}

/// An entry in full.
#[derive(Clone, uniffi::Record)]
pub struct MedicationDetail {
    pub summary: MedicationSummary,
    /// For dispensings.
    pub dispensing: Option<DispensingInfo>,
}

/// Where a problem in imported data is (never what it says).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ImportIssueKind {
    /// Something the format requires is missing or wrong: that dispensing was left out.
    Error,
    /// Kept as written, but not as the format says.
    Warning,
}

#[derive(Clone, uniffi::Record)]
pub struct ImportIssue {
    pub kind: ImportIssueKind,
    pub line: u32,
    pub record: Option<u16>,
    pub field: Option<u16>,
    /// English, for logs and support (names the problem and position, never a value).
    pub reason: String,
}

impl From<&Issue> for ImportIssue {
    fn from(i: &Issue) -> Self {
        Self {
            kind: match i.level {
                Level::Error => ImportIssueKind::Error,
                Level::Warning => ImportIssueKind::Warning,
            },
            line: i.line,
            record: i.record_no,
            field: i.field,
            reason: issue_reason(i.code).into(),
        }
    }
}

fn issue_reason(code: IssueCode) -> &'static str {
    use IssueCode::*;
    match code {
        RequiredFieldMissing => "a required field is missing",
        ConditionalFieldMissing => "a field required by another field is missing",
        FieldTooLong => "a field is longer than the format allows",
        NotNumeric => "a numeric field holds something else",
        NotAlphanumeric => "a code field holds unexpected characters",
        InvalidDate => "a date is not a real day",
        UnknownCode => "a code is not in its list",
        ExtraFields => "a record has more fields than defined",
        InvalidEncoding => "bytes that are not Shift_JIS",
        UnknownRecord => "an unknown record (kept)",
        DuplicateRecord => "a record that may occur once occurs again",
        RecordBeforeDispensingDate => "dispensing records before the dispensing date",
        RecordOutOfOrder => "a record out of order",
        SupplementWithoutDrug => "a drug note without its drug",
        RpNumberMismatch => "a note names another RP than its drug",
        UsageSupplementWithoutUsage => "a usage note without its usage",
        UsageWithoutDrug => "a usage without drugs",
        RpWithoutUsage => "drugs without a usage",
        MissingInstitution => "a dispensing without its pharmacy",
        OtcIngredientWithoutOtc => "an ingredient without its OTC medicine",
        SplitControl => "a part of split data",
        UnencodableCharacter => "a character Shift_JIS cannot hold",
    }
}

/// What one import did.
#[derive(Clone, uniffi::Record)]
pub struct MedicationImportResult {
    pub added: u32,
    /// Already in the notebook (scanned before, or the pharmacy's copy came first).
    pub already_present: u32,
    /// Dispensings left out whole because their data has errors.
    pub skipped_dispensings: u32,
    pub issues: Vec<ImportIssue>,
}

impl From<&MedicationImport> for MedicationImportResult {
    fn from(i: &MedicationImport) -> Self {
        Self {
            added: i.added.len() as u32,
            already_present: i.already_present,
            skipped_dispensings: i.skipped_blocks,
            issues: i.issues.iter().map(Into::into).collect(),
        }
    }
}

/// What a scanned symbol did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ScanOutcome {
    /// Read before; nothing changed.
    Duplicate,
    /// Kept; the receipt still misses codes.
    Waiting,
    /// A receipt became complete and was imported.
    Completed,
}

/// "n of N" of a receipt being read.
#[derive(Clone, uniffi::Record)]
pub struct ScanGroup {
    pub have: u16,
    pub total: u16,
    /// True for QR codes joined by Structured Append, false for parts of split data.
    pub qr_codes: bool,
}

#[derive(Clone, uniffi::Record)]
pub struct ScanProgress {
    pub outcome: ScanOutcome,
    pub waiting: Vec<ScanGroup>,
    pub imports: Vec<MedicationImportResult>,
    /// Why complete data was not imported (one per refused code), e.g. a prescription's QR code.
    pub refused: Vec<ImportProblem>,
}

fn progress_of(step: ScanStep) -> ScanProgress {
    ScanProgress {
        outcome: match step.added {
            Added::Duplicate => ScanOutcome::Duplicate,
            Added::Pending => ScanOutcome::Waiting,
            Added::Completed => ScanOutcome::Completed,
        },
        waiting: step
            .progress
            .pending
            .iter()
            .map(|g| ScanGroup { have: g.have, total: g.total, qr_codes: g.kind == GroupKind::StructuredAppend })
            .collect(),
        imports: step.imports.iter().map(Into::into).collect(),
        refused: step.refused.iter().map(import_problem).collect(),
    }
}

/// A symbol's Structured Append header, as scanners that keep it report it.
#[derive(Clone, Copy, uniffi::Record)]
pub struct StructuredAppendHeader {
    /// 0-based.
    pub position: u8,
    pub total: u8,
    pub parity: u8,
}

/// The notebook as one JAHIS file, for sharing.
#[derive(Clone, uniffi::Record)]
pub struct MedicationExport {
    pub data: Vec<u8>,
    /// Suggested file name.
    pub file_name: String,
    /// Fields kept as the pharmacy wrote them that do not meet the format's rules.
    pub warnings: u32,
}

// ---- the scanner ---------------------------------------------------------------------------------

/// One receipt-scanning session for one person.
#[derive(uniffi::Object)]
pub struct MedicationScanner {
    core: Arc<TechoCore>,
    profile: uuid::Uuid,
    scan: Mutex<MedicationScan>,
}

impl MedicationScanner {
    fn step(
        &self,
        f: impl FnOnce(&mut MedicationScan) -> techo_core::Result<ScanStep>,
    ) -> Result<ScanProgress, ApiError> {
        let mut scan = self.scan.lock().unwrap_or_else(|p| p.into_inner());
        let step = f(&mut scan)?;
        if !step.imports.is_empty() {
            self.core.changed_locally();
        }
        Ok(progress_of(step))
    }
}

#[uniffi::export]
impl MedicationScanner {
    /// A symbol's data codewords after error correction and its version (iOS:
    /// `CIQRCodeDescriptor.errorCorrectedPayload` and `symbolVersion`).
    pub fn add_codewords(&self, codewords: Vec<u8>, version: u8) -> Result<ScanProgress, ApiError> {
        self.step(|s| s.add_codewords(&self.core.store, self.profile, &codewords, version))
    }

    /// A symbol's data bytes and its Structured Append header when it has one (Android scanners
    /// that report byte segments and the metadata).
    pub fn add_symbol(&self, data: Vec<u8>, header: Option<StructuredAppendHeader>) -> Result<ScanProgress, ApiError> {
        let sa = header.map(|h| StructuredAppend { position: h.position, total: h.total, parity: h.parity });
        self.step(|s| s.add_symbol(&self.core.store, self.profile, &data, sa))
    }

    /// Every QR code in a photo of the receipt (a JPEG or PNG file the app saved; HEIC must be
    /// converted first). Throws `Photo` when the image is unusable or holds no readable code.
    pub fn add_photo(&self, path: String) -> Result<ScanProgress, ApiError> {
        self.step(|s| s.add_photo(&self.core.store, self.profile, std::path::Path::new(&path)))
    }

    /// Forgets the codes of a receipt not yet complete (start the receipt again).
    pub fn reset(&self) {
        self.scan.lock().unwrap_or_else(|p| p.into_inner()).reset();
    }
}

// ---- exports -------------------------------------------------------------------------------------

#[uniffi::export]
impl TechoCore {
    /// Starts scanning a receipt for `profile_id`.
    pub fn start_medication_scan(self: Arc<Self>, profile_id: String) -> Result<Arc<MedicationScanner>, ApiError> {
        let profile = parse_id("profile", &profile_id)?;
        if !self.store.profiles()?.iter().any(|p| p.id == profile) {
            return Err(ApiError::NotFound { entity: "profile".into() });
        }
        Ok(Arc::new(MedicationScanner { core: self, profile, scan: Mutex::new(MedicationScan::new()) }))
    }

    /// Imports a JAHIS file (e.g. shared from another e-お薬手帳 app), as its bytes.
    pub fn import_medication_file(
        &self,
        profile_id: String,
        data: Vec<u8>,
    ) -> Result<MedicationImportResult, ApiError> {
        let profile = parse_id("profile", &profile_id)?;
        let import = self.store.import_medications(profile, &data, techo_core::store::ImportSource::File)?;
        self.changed_locally();
        Ok((&import).into())
    }

    /// The notebook, newest first, a page at a time.
    pub fn list_medications(&self, profile_id: String, filter: MedicationFilter) -> Result<MedicationPage, ApiError> {
        let profile = parse_id("profile", &profile_id)?;
        let q = MedicationQuery {
            kind: filter.kind.map(Into::into),
            institution_code: filter.pharmacy_code,
            limit: filter.limit,
            cursor: filter.cursor,
        };
        let page = self.store.list_medications(profile, &q)?;
        Ok(MedicationPage { items: page.items.iter().map(Into::into).collect(), next_cursor: page.next_cursor })
    }

    /// What the person is taking on `today`: dispensings within their days supplied, OTC
    /// medicines within their dates.
    pub fn current_medications(
        &self,
        profile_id: String,
        today: CalendarDay,
    ) -> Result<Vec<MedicationSummary>, ApiError> {
        let profile = parse_id("profile", &profile_id)?;
        Ok(self.store.current_medications(profile, today.try_into()?)?.iter().map(Into::into).collect())
    }

    /// Entries whose medicine, ingredient, pharmacy or note contains `text`, however it was typed.
    pub fn search_medications(&self, profile_id: String, text: String) -> Result<Vec<MedicationSummary>, ApiError> {
        let profile = parse_id("profile", &profile_id)?;
        Ok(self.store.search_medications(profile, &text, 200)?.iter().map(Into::into).collect())
    }

    /// The pharmacies and clinics that dispensed, most recent first.
    pub fn medication_pharmacies(&self, profile_id: String) -> Result<Vec<PharmacyCount>, ApiError> {
        let profile = parse_id("profile", &profile_id)?;
        Ok(self
            .store
            .medication_institutions(profile)?
            .into_iter()
            .map(|i| PharmacyCount {
                name: i.name,
                code: i.code,
                dispensings: i.dispensings,
                latest: i.latest.map(Into::into),
            })
            .collect())
    }

    pub fn get_medication(&self, medication_id: String) -> Result<MedicationDetail, ApiError> {
        let m = self.store.get_medication(parse_id("medication entry", &medication_id)?)?;
        Ok(MedicationDetail {
            summary: (&m).into(),
            dispensing: m.entry.dispensing().map(|d| view::dispensing_view(d).into()),
        })
    }

    /// Hides a wrongly imported entry on every device (it stays in history).
    pub fn delete_medication(&self, medication_id: String) -> Result<(), ApiError> {
        self.store.delete_medication(parse_id("medication entry", &medication_id)?)?;
        self.changed_locally();
        Ok(())
    }

    /// The whole notebook as one JAHIS file (direction 2) to share.
    pub fn export_medications(&self, profile_id: String) -> Result<MedicationExport, ApiError> {
        let profile = parse_id("profile", &profile_id)?;
        let written = self.store.export_medications(profile)?;
        Ok(MedicationExport {
            data: written.bytes,
            file_name: "okusuri-techo.jahis".into(),
            warnings: written.issues.len() as u32,
        })
    }
}
