//! The normalized document: records grouped the way §2.3 nests them, with typed readings.
//!
//! Every item keeps its [`Record`] (so writing back loses nothing); the accessors read fields by
//! the spec's positions, and the typed ones (`sex()`, `dose_meaning()`, `quantity()`…) turn codes
//! into enums. An accessor returns `None` when the field is empty or not a known code.

use crate::date::CalendarDate;
use crate::record::Record;
use crate::spec::record_spec;

/// 出力区分.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// `1`: 医療機関・薬局 → 患者等 (receipt QR codes, pharmacy systems).
    PharmacyToPatient,
    /// `2`: 患者等 → 医療機関・薬局 (what the app exports).
    PatientToPharmacy,
}

impl Direction {
    pub fn code(self) -> u8 {
        match self {
            Self::PharmacyToPatient => 1,
            Self::PatientToPharmacy => 2,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// The two digits of `JAHISTC<nn>`.
    pub version: u8,
    pub direction: Direction,
    /// Record 1.
    pub patient: Option<Patient>,
    /// Records 2.
    pub patient_notes: Vec<PatientNote>,
    /// Records 3, each with the 31 ingredients that name its 通番.
    pub otc: Vec<Otc>,
    /// Records 4.
    pub memos: Vec<Memo>,
    /// One per record 5, in document order (newest first by the spec, not enforced).
    pub dispensings: Vec<Dispensing>,
    /// Records 701.
    pub pharmacists: Vec<Pharmacist>,
    /// Records 911 of an unmerged split part.
    pub split_control: Vec<Record>,
    /// Known records with no valid place (a 201 before any 5, a second record 1, a 31 naming no
    /// record 3, …); each has an issue. Written back before the 調剤 blocks.
    pub unplaced: Vec<Record>,
    /// Records with a number this crate does not know; written back after the 701s.
    pub unknown_records: Vec<Record>,
}

impl Document {
    /// An empty document the app fills to export (version 08, the current spec's header).
    pub fn new(direction: Direction) -> Self {
        Self {
            version: 8,
            direction,
            patient: None,
            patient_notes: Vec::new(),
            otc: Vec::new(),
            memos: Vec::new(),
            dispensings: Vec::new(),
            pharmacists: Vec::new(),
            split_control: Vec::new(),
            unplaced: Vec::new(),
            unknown_records: Vec::new(),
        }
    }
}

/// Reads the named fields of a view's `record`.
macro_rules! fields {
    ($ty:ident { $($name:ident = $pos:literal),* $(,)? }) => {
        impl $ty {
            $(
                pub fn $name(&self) -> &str {
                    self.record.field($pos)
                }
            )*
            /// 作成者, wherever the spec puts it for this record.
            pub fn author(&self) -> Option<Author> {
                author_of(&self.record)
            }
        }
    };
}

macro_rules! view {
    ($(#[$m:meta])* $ty:ident { $($name:ident = $pos:literal),* $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $ty {
            pub record: Record,
        }
        fields!($ty { $($name = $pos),* });
    };
}

fn author_of(record: &Record) -> Option<Author> {
    let spec = record_spec(record.no()?)?;
    let pos = spec.fields.iter().position(|f| f.name == "作成者")? + 1;
    Author::from_code(record.field(pos))
}

/// 作成者.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Author {
    MedicalProfessional,
    Patient,
    Other,
    Unknown,
}

impl Author {
    fn from_code(s: &str) -> Option<Self> {
        Some(match s {
            "1" => Self::MedicalProfessional,
            "2" => Self::Patient,
            "8" => Self::Other,
            "9" => Self::Unknown,
            _ => return None,
        })
    }
}

view!(
    /// Record 1 患者情報.
    Patient { name = 1, sex_code = 2, birth_date_raw = 3, postal_code = 4, address = 5, phone = 6,
        emergency_contact = 7, blood_type = 8, weight_kg = 9, name_kana = 10 }
);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sex {
    Male,
    Female,
}

impl Patient {
    pub fn sex(&self) -> Option<Sex> {
        match self.sex_code() {
            "1" => Some(Sex::Male),
            "2" => Some(Sex::Female),
            _ => None,
        }
    }
    pub fn birth_date(&self) -> Option<CalendarDate> {
        CalendarDate::parse_jahis(self.birth_date_raw())
    }
}

view!(
    /// Record 2 患者特記.
    PatientNote { kind_code = 1, text = 2 }
);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NoteKind {
    Allergy,
    SideEffect,
    MedicalHistory,
    Other,
}

impl PatientNote {
    pub fn kind(&self) -> Option<NoteKind> {
        Some(match self.kind_code() {
            "1" => NoteKind::Allergy,
            "2" => NoteKind::SideEffect,
            "3" => NoteKind::MedicalHistory,
            "9" => NoteKind::Other,
            _ => return None,
        })
    }
}

/// Record 3 (要指導医薬品・一般用医薬品) with its 31 ingredients.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Otc {
    pub record: Record,
    pub ingredients: Vec<OtcIngredient>,
}
fields!(Otc { name = 1, start_date_raw = 2, end_date_raw = 3, serial = 5, jan = 6 });

impl Otc {
    pub fn start_date(&self) -> Option<CalendarDate> {
        CalendarDate::parse_jahis(self.start_date_raw())
    }
    pub fn end_date(&self) -> Option<CalendarDate> {
        CalendarDate::parse_jahis(self.end_date_raw())
    }
}

view!(
    /// Record 31 OTC 成分.
    OtcIngredient { serial = 1, name = 2, code_type = 3, code = 4 }
);

view!(
    /// Record 4 手帳メモ.
    Memo { text = 1, entry_date_raw = 2 }
);

view!(
    /// Record 701 かかりつけ薬剤師.
    Pharmacist { name = 1, pharmacy_name = 2, contact = 3, start_date_raw = 4, end_date_raw = 5 }
);

view!(
    /// Record 11 (調剤した医療機関・薬局) or 51 (処方した医療機関); same first four fields.
    Institution { name = 1, prefecture = 2, score_table_code = 3, code = 4 }
);

/// 点数表: which fee schedule the institution code belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScoreTable {
    Medical,
    Dental,
    Pharmacy,
}

impl Institution {
    pub fn score_table(&self) -> Option<ScoreTable> {
        Some(match self.score_table_code() {
            "1" => ScoreTable::Medical,
            "3" => ScoreTable::Dental,
            "4" => ScoreTable::Pharmacy,
            _ => return None,
        })
    }
    /// 郵便番号, 住所, 電話番号: record 11 only.
    pub fn address(&self) -> &str {
        if self.record.no() == Some(11) { self.record.field(6) } else { "" }
    }
}

view!(
    /// Record 15 (調剤した医師・薬剤師) or 55 (処方した医師).
    Person { name = 1, detail = 2 }
);

view!(
    /// Records 401, 411, 421, 501, 601: one text per record.
    Note { text = 1 }
);

/// One 調剤 block: everything from a record 5 to the next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dispensing {
    /// Record 5.
    pub date: Record,
    /// Record 11.
    pub institution: Option<Institution>,
    /// Record 15.
    pub staff: Option<Person>,
    /// Record 51 (an outside prescription).
    pub prescriber_institution: Option<Institution>,
    /// Records 55, in order; [`Rp::doctor`] indexes this.
    pub doctors: Vec<Person>,
    /// RPs in order of first appearance, keyed by RP number within the block.
    pub rps: Vec<Rp>,
    /// 401 服用注意.
    pub cautions: Vec<Note>,
    /// 411 医療機関等提供情報.
    pub provided_info: Vec<Note>,
    /// 421 残薬確認.
    pub leftover_checks: Vec<Note>,
    /// 501 備考.
    pub remarks: Vec<Note>,
    /// 601 患者等記入.
    pub patient_entries: Vec<Note>,
}

impl Dispensing {
    pub fn new(date: Record) -> Self {
        Self {
            date,
            institution: None,
            staff: None,
            prescriber_institution: None,
            doctors: Vec::new(),
            rps: Vec::new(),
            cautions: Vec::new(),
            provided_info: Vec::new(),
            leftover_checks: Vec::new(),
            remarks: Vec::new(),
            patient_entries: Vec::new(),
        }
    }
    pub fn date_raw(&self) -> &str {
        self.date.field(1)
    }
    pub fn dispensed_on(&self) -> Option<CalendarDate> {
        CalendarDate::parse_jahis(self.date_raw())
    }
    /// The 55 the RP is attributed to.
    pub fn doctor_of(&self, rp: &Rp) -> Option<&Person> {
        rp.doctor.and_then(|i| self.doctors.get(i))
    }
    pub fn rp(&self, number: u16) -> Option<&Rp> {
        self.rps.iter().find(|r| r.number == number)
    }
}

impl Note {
    /// 411's 種別 (30 入院中副作用, 31 退院後服薬情報, 99 その他); 601's 入力日 is [`Note::entry_date`].
    pub fn provided_info_kind(&self) -> &str {
        if self.record.no() == Some(411) { self.record.field(2) } else { "" }
    }
    pub fn entry_date(&self) -> Option<CalendarDate> {
        if self.record.no() == Some(601) { CalendarDate::parse_jahis(self.record.field(2)) } else { None }
    }
}

/// A prescription unit: drugs taken the same way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rp {
    pub number: u16,
    /// Index into [`Dispensing::doctors`]: the last 55 before the RP's first record.
    pub doctor: Option<usize>,
    pub drugs: Vec<Drug>,
    pub usage: Option<Usage>,
}

/// 剤形.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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

impl DosageForm {
    pub fn from_code(code: &str) -> Option<Self> {
        Some(match code {
            "1" => Self::Internal,
            "2" => Self::InternalDrops,
            "3" => Self::AsNeeded,
            "4" => Self::Injection,
            "5" => Self::External,
            "6" => Self::Decoction,
            "7" => Self::Kampo,
            "9" => Self::Material,
            "10" => Self::Other,
            _ => return None,
        })
    }

    /// What a 201 用量 means for this form (§2.5).
    pub fn dose_meaning(self) -> DoseMeaning {
        match self {
            Self::Internal | Self::Decoction | Self::Kampo => DoseMeaning::Daily,
            Self::AsNeeded => DoseMeaning::PerDose,
            Self::InternalDrops | Self::Injection | Self::External | Self::Material | Self::Other => DoseMeaning::Total,
        }
    }

    /// What a 301 調剤数量 counts for this form (§2.5).
    pub fn quantity_unit(self) -> QuantityUnit {
        match self {
            Self::Internal | Self::Decoction | Self::Kampo => QuantityUnit::Days,
            Self::AsNeeded => QuantityUnit::Times,
            Self::InternalDrops | Self::Injection | Self::External | Self::Material | Self::Other => QuantityUnit::Once,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DoseMeaning {
    /// 1日量.
    Daily,
    /// 1回量.
    PerDose,
    /// 全量.
    Total,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QuantityUnit {
    /// 日分.
    Days,
    /// 回分.
    Times,
    /// `1 調剤`: one dispensing of the whole amount.
    Once,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Quantity {
    pub amount: u16,
    pub unit: QuantityUnit,
}

/// A drug's 用量 read with its RP's 剤形.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Dose {
    /// The amount in thousandths of the unit (`0.5` → 500): exact, no floats.
    pub thousandths: u64,
    pub meaning: DoseMeaning,
}

impl Rp {
    pub fn dosage_form(&self) -> Option<DosageForm> {
        self.usage.as_ref().and_then(Usage::dosage_form)
    }
    pub fn dose_meaning(&self) -> Option<DoseMeaning> {
        self.dosage_form().map(DosageForm::dose_meaning)
    }
    /// 調剤数量 with what it counts; `None` without a 301, a number or a 剤形.
    pub fn quantity(&self) -> Option<Quantity> {
        let usage = self.usage.as_ref()?;
        let amount = usage.quantity_raw().parse().ok()?;
        Some(Quantity { amount, unit: usage.dosage_form()?.quantity_unit() })
    }
    pub fn dose_of(&self, drug: &Drug) -> Option<Dose> {
        Some(Dose { thousandths: drug.dose_thousandths()?, meaning: self.dose_meaning()? })
    }
}

/// Record 201 with the 281 supplements and 291 cautions that follow it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Drug {
    pub record: Record,
    /// The 281s and 291s in the order they came (so writing keeps it); read them through
    /// [`Drug::supplements`] and [`Drug::cautions`].
    pub attached: Vec<Record>,
}
fields!(Drug { rp_raw = 1, name = 2, dose_raw = 3, unit = 4, code_type_code = 5, code = 6,
    generic_name = 8, generic_code_type_code = 9, generic_code = 10 });

/// 薬品コード種別.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DrugCodeType {
    None,
    ReceiptComputer,
    Mhlw,
    Yj,
    Hot,
}

impl Drug {
    pub fn new(record: Record) -> Self {
        Self { record, attached: Vec::new() }
    }
    /// 281 薬品補足 (e.g. uneven doses `朝：３Ｃ、昼：２Ｃ`).
    pub fn supplements(&self) -> impl Iterator<Item = &Record> {
        self.attached.iter().filter(|r| r.no() == Some(281))
    }
    /// 291 薬品服用注意.
    pub fn cautions(&self) -> impl Iterator<Item = &Record> {
        self.attached.iter().filter(|r| r.no() == Some(291))
    }
    pub fn code_type(&self) -> Option<DrugCodeType> {
        Some(match self.code_type_code() {
            "1" => DrugCodeType::None,
            "2" => DrugCodeType::ReceiptComputer,
            "3" => DrugCodeType::Mhlw,
            "4" => DrugCodeType::Yj,
            "6" => DrugCodeType::Hot,
            _ => return None,
        })
    }
    /// 用量 in thousandths; `None` when it is not a decimal with at most three places.
    pub fn dose_thousandths(&self) -> Option<u64> {
        parse_thousandths(self.dose_raw())
    }
}

fn parse_thousandths(s: &str) -> Option<u64> {
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    if int.is_empty() || int.len() > 12 || frac.len() > 3 {
        return None;
    }
    if !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut value: u64 = int.parse().ok()?;
    for i in 0..3 {
        let digit = frac.as_bytes().get(i).map_or(0, |d| u64::from(d - b'0'));
        value = value.checked_mul(10)?.checked_add(digit)?;
    }
    Some(value)
}

/// Record 301 with its 311 supplements and 391 cautions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Usage {
    pub record: Record,
    /// The 311s and 391s in the order they came.
    pub attached: Vec<Record>,
}
fields!(Usage { rp_raw = 1, name = 2, quantity_raw = 3, quantity_unit_name = 4, dosage_form_code = 5,
    usage_code_type = 6, usage_code = 7 });

impl Usage {
    pub fn new(record: Record) -> Self {
        Self { record, attached: Vec::new() }
    }
    /// 311 用法補足.
    pub fn supplements(&self) -> impl Iterator<Item = &Record> {
        self.attached.iter().filter(|r| r.no() == Some(311))
    }
    /// 391 処方服用注意.
    pub fn cautions(&self) -> impl Iterator<Item = &Record> {
        self.attached.iter().filter(|r| r.no() == Some(391))
    }
    pub fn dosage_form(&self) -> Option<DosageForm> {
        DosageForm::from_code(self.dosage_form_code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousandths() {
        assert_eq!(parse_thousandths("1"), Some(1000));
        assert_eq!(parse_thousandths("0.5"), Some(500));
        assert_eq!(parse_thousandths("12.125"), Some(12125));
        for bad in ["", ".5", "1.2345", "1,5", "a", "-1", "99999999999999"] {
            assert_eq!(parse_thousandths(bad), None, "{bad}");
        }
    }

    #[test]
    fn dosage_forms_cover_the_code_list() {
        for code in crate::spec::DOSAGE_FORMS {
            assert!(DosageForm::from_code(code).is_some());
        }
        assert_eq!(DosageForm::from_code("8"), None);
    }
}
