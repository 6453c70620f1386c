//! What a screen shows of a medication entry, read once here for every shell: the list line, and
//! a dispensing's detail (drugs with their dose read by dosage form, how to take them, for how
//! many days, the pharmacy and the cautions). Shells word the enums; texts are the pharmacy's own.

use crate::store::StoredMedication;
pub use techo_domain::medication::EntryKind;
use techo_jahis::{Dispensing, Document, DosageForm, DoseMeaning, Institution, Person, QuantityUnit, Record};

/// One line of the history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MedicationLine {
    pub kind: EntryKind,
    /// The pharmacy or clinic (dispensings), the medicine (OTC), the note, memo or pharmacist.
    pub title: String,
    /// Drug names of a dispensing, in order; the ingredients of an OTC medicine.
    pub names: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstitutionView {
    pub name: String,
    /// 医療機関等コード, leading zeros kept.
    pub code: String,
    pub address: String,
    pub phone: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DoseView {
    /// As written (`1`, `0.5`).
    pub amount: String,
    pub unit: String,
    /// What the amount means for this dosage form; `None` when the RP has no usage record.
    pub meaning: Option<DoseMeaning>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DrugView {
    pub name: String,
    pub generic_name: Option<String>,
    pub dose: Option<DoseView>,
    /// 281 薬品補足 (e.g. uneven doses).
    pub supplements: Vec<String>,
    /// 291 薬品服用注意.
    pub cautions: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RpView {
    pub number: u16,
    /// The prescribing doctor and department, when the block names them.
    pub doctor: Option<String>,
    pub drugs: Vec<DrugView>,
    /// 用法名称 as the pharmacy wrote it (`【１日２回 朝夕食後】`).
    pub usage: Option<String>,
    pub dosage_form: Option<DosageForm>,
    /// 調剤数量 and what it counts (days, times, one lot).
    pub quantity: Option<(u16, QuantityUnit)>,
    /// 311 用法補足.
    pub usage_notes: Vec<String>,
    /// 391 処方服用注意.
    pub cautions: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DispensingView {
    pub pharmacy: Option<InstitutionView>,
    pub pharmacist: Option<String>,
    pub prescriber: Option<InstitutionView>,
    pub rps: Vec<RpView>,
    /// 401 服用注意 for the whole dispensing.
    pub cautions: Vec<String>,
    /// 411, 421, 501 and 601 texts.
    pub notes: Vec<String>,
}

fn text(r: &Record, i: usize) -> String {
    r.field(i).to_owned()
}

fn non_empty(s: &str) -> Option<String> {
    Some(s.trim().to_owned()).filter(|s| !s.is_empty())
}

fn institution(i: &Institution) -> InstitutionView {
    let is_pharmacy = i.record.no() == Some(11);
    InstitutionView {
        name: i.name().to_owned(),
        code: i.code().to_owned(),
        address: i.address().to_owned(),
        phone: if is_pharmacy { text(&i.record, 7) } else { String::new() },
    }
}

fn person(p: &Person) -> String {
    match non_empty(p.detail()).filter(|_| p.record.no() == Some(55)) {
        Some(dept) => format!("{}（{dept}）", p.name()),
        None => p.name().to_owned(),
    }
}

/// The detail of a dispensing.
pub fn dispensing_view(d: &Dispensing) -> DispensingView {
    let rps = d
        .rps
        .iter()
        .map(|rp| {
            let usage = rp.usage.as_ref();
            RpView {
                number: rp.number,
                doctor: d.doctor_of(rp).map(person),
                drugs: rp
                    .drugs
                    .iter()
                    .map(|drug| DrugView {
                        name: drug.name().to_owned(),
                        generic_name: non_empty(drug.generic_name()),
                        dose: non_empty(drug.dose_raw()).map(|amount| DoseView {
                            amount,
                            unit: drug.unit().to_owned(),
                            meaning: rp.dose_meaning(),
                        }),
                        supplements: drug.supplements().map(|r| text(r, 2)).collect(),
                        cautions: drug.cautions().map(|r| text(r, 2)).collect(),
                    })
                    .collect(),
                usage: usage.and_then(|u| non_empty(u.name())),
                dosage_form: rp.dosage_form(),
                quantity: rp.quantity().map(|q| (q.amount, q.unit)),
                usage_notes: usage.map(|u| u.supplements().map(|r| text(r, 2)).collect()).unwrap_or_default(),
                cautions: usage.map(|u| u.cautions().map(|r| text(r, 2)).collect()).unwrap_or_default(),
            }
        })
        .collect();
    let notes = d
        .provided_info
        .iter()
        .chain(&d.leftover_checks)
        .chain(&d.remarks)
        .chain(&d.patient_entries)
        .map(|n| n.text().to_owned())
        .collect();
    DispensingView {
        pharmacy: d.institution.as_ref().map(institution),
        pharmacist: d.staff.as_ref().map(|p| p.name().to_owned()),
        prescriber: d.prescriber_institution.as_ref().map(institution),
        rps,
        cautions: d.cautions.iter().map(|n| n.text().to_owned()).collect(),
        notes,
    }
}

/// The list line of an entry.
pub fn medication_line(m: &StoredMedication) -> MedicationLine {
    let d: &Document = &m.entry.document;
    let (title, names) = match m.entry.kind {
        EntryKind::Dispensing => match d.dispensings.first() {
            Some(disp) => (
                disp.institution.as_ref().map(|i| i.name().to_owned()).unwrap_or_default(),
                disp.rps.iter().flat_map(|rp| rp.drugs.iter().map(|x| x.name().to_owned())).collect(),
            ),
            None => (String::new(), Vec::new()),
        },
        EntryKind::Otc => match d.otc.first() {
            Some(o) => (o.name().to_owned(), o.ingredients.iter().map(|i| i.name().to_owned()).collect()),
            None => (String::new(), Vec::new()),
        },
        EntryKind::PatientNote => {
            (d.patient_notes.first().map(|n| n.text().to_owned()).unwrap_or_default(), Vec::new())
        }
        EntryKind::Memo => (d.memos.first().map(|n| n.text().to_owned()).unwrap_or_default(), Vec::new()),
        EntryKind::Pharmacist => match d.pharmacists.first() {
            Some(p) => (format!("{}（{}）", p.name(), p.pharmacy_name()), Vec::new()),
            None => (String::new(), Vec::new()),
        },
        EntryKind::PatientInfo => (d.patient.as_ref().map(|p| p.name().to_owned()).unwrap_or_default(), Vec::new()),
    };
    MedicationLine { kind: m.entry.kind, title, names }
}
