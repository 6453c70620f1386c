//! 健診結果 for the apps: the item code list (for the item picker: names, units, value kinds,
//! the two judgement values), the person's checkups, one checkup with every item judged against
//! 保健指導判定値 and 受診勧奨判定値, saves (a new checkup with photos and items, a page from a
//! file path, items set or removed, corrected details, a settled conflict, a delete), an item's
//! trend across checkups, and a page's image as a file for the screen to show.
//!
//! Judgements cross as an enum, never as words: the shells word them in the person's language.

use crate::error::ApiError;
use crate::facade::TechoCore;
use crate::ids::parse_id;
use crate::runtime::on_runtime;
use crate::time::CalendarDay;
use crate::validation::{Field, ValidationProblem};
use chrono::NaiveDate;
use std::path::PathBuf;
use std::time::SystemTime;
use techo_core::domain::Profile;
use techo_core::domain::checkup::{
    CodeList, Cut, Direction, ItemDef, ItemValue, Judgement, ORDINAL_LABELS, SeriesPoint, Sex, Threshold, Unjudged,
    ValueKind, parse_value,
};
use techo_core::photo::PhotoSettings;
use techo_core::store::{
    CheckupConflict as CoreConflict, CheckupKind as CoreKind, CheckupSummary, CheckupView as CoreView, JudgedItem,
    NewCheckup, PhotoPage, check_typed_item,
};

/// Which programme a checkup belonged to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum CheckupKind {
    /// 特定健診 (by the health insurer, ages 40–74).
    Tokutei,
    /// 定期健康診断 (by the employer).
    Teiki,
    Other,
    /// A kind a newer app recorded: shown as "other", kept as it is by edits that leave the kind.
    /// Not accepted for a save (`Validation { CheckupKind }`).
    Newer,
}

impl From<&CoreKind> for CheckupKind {
    fn from(k: &CoreKind) -> Self {
        match k {
            CoreKind::Tokutei => Self::Tokutei,
            CoreKind::Teiki => Self::Teiki,
            CoreKind::Other => Self::Other,
            CoreKind::Unknown(_) => Self::Newer,
        }
    }
}

impl TryFrom<CheckupKind> for CoreKind {
    type Error = ApiError;
    fn try_from(k: CheckupKind) -> Result<Self, ApiError> {
        match k {
            CheckupKind::Tokutei => Ok(Self::Tokutei),
            CheckupKind::Teiki => Ok(Self::Teiki),
            CheckupKind::Other => Ok(Self::Other),
            // The newer app's name is not known here, so there is nothing to save.
            CheckupKind::Newer => Err(ApiError::Validation {
                field: Field::CheckupKind,
                problem: ValidationProblem::InvalidFormat { expected: "tokutei, teiki or other".into() },
                reason: "expected tokutei, teiki or other".into(),
            }),
        }
    }
}

/// Where a value stands against its item's two judgement values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum CheckupJudgement {
    Normal,
    /// At or beyond the 保健指導判定値 (but not the 受診勧奨判定値).
    Guidance,
    /// At or beyond the 受診勧奨判定値: please see a doctor.
    SeeDoctor,
    /// The programme sets no judgement value for this item (身長, 尿糖…).
    NoThresholds,
    /// The values differ by sex and 命の宝箱 has no 性別: the screen can ask for it.
    SexNeeded,
    /// An item this version does not know (a newer app's), or a value that does not fit it.
    UnknownItem,
}

impl From<Judgement> for CheckupJudgement {
    fn from(j: Judgement) -> Self {
        match j {
            Judgement::Normal => Self::Normal,
            Judgement::Guidance => Self::Guidance,
            Judgement::SeeDoctor => Self::SeeDoctor,
            Judgement::Unknown(Unjudged::NoThresholds) => Self::NoThresholds,
            Judgement::Unknown(Unjudged::SexNeeded) => Self::SexNeeded,
            Judgement::Unknown(Unjudged::UnknownItem) => Self::UnknownItem,
        }
    }
}

/// The sex items were judged for (命の宝箱's 性別).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum CheckupSex {
    Male,
    Female,
}

impl From<Sex> for CheckupSex {
    fn from(s: Sex) -> Self {
        match s {
            Sex::Male => Self::Male,
            Sex::Female => Self::Female,
        }
    }
}

/// How an item's value is typed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum CheckupValueKind {
    /// A number with at most `max_decimals` places, between `min` and `max`.
    Decimal,
    /// One of `value_labels` (−, ±, +, ++, +++), saved as its code "1" to "5".
    Ordinal,
}

/// Which side of a judgement value counts as crossing it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum CutDirection {
    /// `≥`: high values are the concern.
    AtLeast,
    /// `<`: low values are the concern (HDL).
    Below,
    /// `≤`: as `Below`, where the programme writes it inclusively.
    AtMost,
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct CheckupCut {
    pub direction: CutDirection,
    /// In the item's unit, exact (`"5.6"`).
    pub value: String,
}

impl From<Cut> for CheckupCut {
    fn from(c: Cut) -> Self {
        let direction = match c.direction {
            Direction::AtLeast => CutDirection::AtLeast,
            Direction::Below => CutDirection::Below,
            Direction::AtMost => CutDirection::AtMost,
        };
        Self { direction, value: c.value.to_string() }
    }
}

/// A judgement value; `male` and `female` are the same unless `by_sex` (腹囲, 血色素量).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct CheckupThreshold {
    pub by_sex: bool,
    pub male: CheckupCut,
    pub female: CheckupCut,
    /// As a result sheet prints it: `≥130`, `<40`, or `男性 ≥85／女性 ≥90`.
    pub shown: String,
}

fn shown_cut(c: Cut) -> String {
    let sign = match c.direction {
        Direction::AtLeast => "≥",
        Direction::Below => "<",
        Direction::AtMost => "≤",
    };
    format!("{sign}{}", c.value)
}

impl From<Threshold> for CheckupThreshold {
    fn from(t: Threshold) -> Self {
        match t {
            Threshold::Any(c) => Self { by_sex: false, male: c.into(), female: c.into(), shown: shown_cut(c) },
            Threshold::BySex { male, female } => Self {
                by_sex: true,
                male: male.into(),
                female: female.into(),
                shown: format!("男性 {}／女性 {}", shown_cut(male), shown_cut(female)),
            },
        }
    }
}

/// One item of the code list, for the item picker.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct CheckupItemInfo {
    /// The 17-character 特定健診項目コード a save names the item by.
    pub code: String,
    /// Items with the same series are one line of a trend (method or measurement variants).
    pub series: String,
    /// 身体計測, 血圧, 脂質…
    pub group: String,
    /// As a result sheet prints it (収縮期血圧).
    pub name: String,
    /// As an elderly reader understands it (上の血圧).
    pub plain_name: String,
    /// Which variant of the series (1回目, 酵素法).
    pub variant: Option<String>,
    /// As the screens print it; none for ordinal items.
    pub unit: Option<String>,
    pub value_kind: CheckupValueKind,
    /// Decimal items: the places a value may have, and the range outside which it is refused
    /// as mistyped (not as unusual).
    pub max_decimals: u8,
    pub min: Option<String>,
    pub max: Option<String>,
    /// Ordinal items: the labels of codes 1 to 5.
    pub value_labels: Vec<String>,
    /// 保健指導判定値.
    pub guidance: Option<CheckupThreshold>,
    /// 受診勧奨判定値.
    pub see_doctor: Option<CheckupThreshold>,
}

impl From<&ItemDef> for CheckupItemInfo {
    fn from(d: &ItemDef) -> Self {
        let (value_kind, max_decimals, min, max, value_labels) = match d.kind {
            ValueKind::Decimal { max_decimals, min, max } => {
                (CheckupValueKind::Decimal, max_decimals, Some(min.to_string()), Some(max.to_string()), vec![])
            }
            ValueKind::Ordinal => {
                (CheckupValueKind::Ordinal, 0, None, None, ORDINAL_LABELS.iter().map(|l| (*l).to_owned()).collect())
            }
        };
        Self {
            code: d.code.clone(),
            series: d.series.clone(),
            group: d.group.clone(),
            name: d.name.clone(),
            plain_name: d.plain_name.clone(),
            variant: d.variant.clone(),
            unit: d.unit.clone(),
            value_kind,
            max_decimals,
            min,
            max,
            value_labels,
            guidance: d.guidance.map(Into::into),
            see_doctor: d.see_doctor.map(Into::into),
        }
    }
}

/// An item as a save takes it: its code and the value as printed (ordinals as "1" to "5").
#[derive(Clone, PartialEq, Eq, uniffi::Record)]
pub struct CheckupItemValue {
    pub code: String,
    pub value: String,
}

/// A checkup in the list.
#[derive(Clone, PartialEq, Eq, uniffi::Record)]
pub struct CheckupEntry {
    pub id: String,
    /// `None` only for a date a newer app wrote in a form this one cannot read: show `date_text`.
    pub date: Option<CalendarDay>,
    pub date_text: String,
    pub institution: String,
    pub kind: CheckupKind,
    pub page_count: u32,
    pub item_count: u32,
    /// The most serious judgement among its items (`Normal`, `Guidance` or `SeeDoctor`); `None`
    /// when no item was judged.
    pub worst_judgement: Option<CheckupJudgement>,
    pub conflict_count: u32,
    /// Saved here and not on the server yet.
    pub unsent: bool,
}

/// One result line.
#[derive(Clone, PartialEq, Eq, uniffi::Record)]
pub struct CheckupItem {
    pub code: String,
    /// `None` for an item this version does not know (show the code).
    pub name: Option<String>,
    pub plain_name: Option<String>,
    pub variant: Option<String>,
    /// The value as recorded (what `set_checkup_items` takes back).
    pub value: String,
    /// As a result sheet prints it: ordinal codes as −, ±, +…
    pub shown_value: String,
    pub unit: Option<String>,
    pub judgement: CheckupJudgement,
}

/// A photographed page of the result.
#[derive(Clone, PartialEq, Eq, uniffi::Record)]
pub struct CheckupPage {
    /// 1-based, in the order they were added.
    pub number: u32,
    /// What `checkup_page_file` takes.
    pub image_sha256: String,
    pub thumbnail_sha256: String,
    pub width: u32,
    pub height: u32,
    pub bytes: u64,
    pub added_at: Option<SystemTime>,
    /// The preview is on this device; otherwise `checkup_page_file` downloads it (online only).
    pub preview_on_device: bool,
}

/// What a conflict is about, so a screen names it without reading `field`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum CheckupConflictField {
    Date,
    Institution,
    Kind,
    Note,
    /// A test item: `CheckupConflict::item_name` names it (the code when this version does not
    /// know it).
    Item,
}

/// One side of a conflict, typed so a screen words it as it words the checkup itself.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum CheckupConflictValue {
    /// Removed (or never set) on that side.
    Blank,
    /// Institution, note, or a date a newer app wrote in a form this one cannot read.
    Text {
        text: String,
    },
    Day {
        day: CalendarDay,
    },
    Kind {
        kind: CheckupKind,
    },
    /// As a result sheet prints it (ordinal codes as −, ±, +…), with the item's unit.
    Item {
        shown_value: String,
        unit: Option<String>,
    },
}

/// A value saved differently on two devices: the checkup shows `theirs`; the person chooses.
#[derive(Clone, PartialEq, Eq, uniffi::Record)]
pub struct CheckupConflict {
    /// An item's code, or `date`, `institution`, `kind`, `note`: what `resolve_checkup_conflict`
    /// takes.
    pub field: String,
    pub which: CheckupConflictField,
    /// For an item: its plain name, or its code when this version does not know it.
    pub item_name: Option<String>,
    /// This device's value as stored (empty: removed here).
    pub ours: String,
    /// The value shown, as stored (empty: removed there).
    pub theirs: String,
    pub ours_value: CheckupConflictValue,
    pub theirs_value: CheckupConflictValue,
}

/// One checkup as its screen shows it.
#[derive(Clone, PartialEq, Eq, uniffi::Record)]
pub struct CheckupDetail {
    pub id: String,
    pub date: Option<CalendarDay>,
    pub date_text: String,
    pub institution: String,
    pub kind: CheckupKind,
    pub note: String,
    /// In the order a result sheet lists them (items a newer app added last).
    pub items: Vec<CheckupItem>,
    pub pages: Vec<CheckupPage>,
    /// Photos added here that did not fit beside another phone's (20 at most): the next page
    /// removed makes room for the first; `remove_checkup_page` discards one.
    pub waiting_pages: Vec<CheckupPage>,
    pub conflicts: Vec<CheckupConflict>,
    pub unsent: bool,
    /// The sex items were judged for; `None` until 命の宝箱 has 性別 (`SexNeeded` items say so).
    pub judged_for: Option<CheckupSex>,
    /// The most serious judgement among its items, as the list entry has it.
    pub worst_judgement: Option<CheckupJudgement>,
}

/// One point of an item's trend.
#[derive(Clone, PartialEq, uniffi::Record)]
pub struct CheckupTrendPoint {
    pub date: CalendarDay,
    /// Which variant was measured (a chart may mark 1回目 and 2回目 apart).
    pub code: String,
    /// The item's plain name (上の血圧), `None` for an item this version does not know.
    pub plain_name: Option<String>,
    pub variant: Option<String>,
    /// As the screens print it; none for ordinal items.
    pub unit: Option<String>,
    pub value: String,
    pub shown_value: String,
    /// For the chart: the number, or the ordinal code 1 to 5; `None` for text of an unknown item.
    pub number: Option<f64>,
    pub judgement: CheckupJudgement,
}

fn day(text: &str) -> Option<CalendarDay> {
    techo_core::domain::parse_iso_date(text).map(Into::into)
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// A value as a result sheet prints it.
fn shown_value(value: &ItemValue) -> String {
    match value {
        ItemValue::Ordinal(n) => {
            ORDINAL_LABELS.get(usize::from(*n).wrapping_sub(1)).map_or_else(|| n.to_string(), |l| (*l).to_owned())
        }
        other => other.to_wire(),
    }
}

fn number(value: &ItemValue) -> Option<f64> {
    match value {
        ItemValue::Decimal(m) => Some(m.as_f64()),
        ItemValue::Ordinal(n) => Some(f64::from(*n)),
        ItemValue::Text(_) => None,
    }
}

fn item_def(code: &str) -> Option<&'static ItemDef> {
    CodeList::builtin().get(code)
}

impl From<JudgedItem> for CheckupItem {
    fn from(i: JudgedItem) -> Self {
        let def = i.item.as_ref().and_then(|it| it.def);
        Self {
            name: def.map(|d| d.name.clone()),
            plain_name: def.map(|d| d.plain_name.clone()),
            variant: def.and_then(|d| d.variant.clone()),
            unit: def.and_then(|d| d.unit.clone()),
            shown_value: i.item.as_ref().map_or_else(|| i.value.clone(), |it| shown_value(&it.value)),
            judgement: i.judgement.into(),
            code: i.code,
            value: i.value,
        }
    }
}

impl From<CoreConflict> for CheckupConflict {
    fn from(c: CoreConflict) -> Self {
        let which = match c.field.as_str() {
            "date" => CheckupConflictField::Date,
            "institution" => CheckupConflictField::Institution,
            "kind" => CheckupConflictField::Kind,
            "note" => CheckupConflictField::Note,
            _ => CheckupConflictField::Item,
        };
        let def = item_def(&c.field);
        let typed = |stored: &str| -> CheckupConflictValue {
            if stored.is_empty() {
                return CheckupConflictValue::Blank;
            }
            let text = || CheckupConflictValue::Text { text: stored.to_owned() };
            match which {
                CheckupConflictField::Date => day(stored).map_or_else(text, |day| CheckupConflictValue::Day { day }),
                CheckupConflictField::Kind => CheckupConflictValue::Kind { kind: (&CoreKind::parse(stored)).into() },
                CheckupConflictField::Institution | CheckupConflictField::Note => text(),
                CheckupConflictField::Item => match parse_value(def, stored) {
                    Ok(value) => CheckupConflictValue::Item {
                        shown_value: shown_value(&value),
                        unit: def.and_then(|d| d.unit.clone()),
                    },
                    Err(_) => text(),
                },
            }
        };
        Self {
            which,
            item_name: match which {
                CheckupConflictField::Item => Some(def.map_or_else(|| c.field.clone(), |d| d.plain_name.clone())),
                _ => None,
            },
            ours_value: typed(&c.ours),
            theirs_value: typed(&c.theirs),
            field: c.field,
            ours: c.ours,
            theirs: c.theirs,
        }
    }
}

impl From<SeriesPoint> for CheckupTrendPoint {
    fn from(p: SeriesPoint) -> Self {
        let def = item_def(&p.code);
        Self {
            date: p.date.into(),
            plain_name: def.map(|d| d.plain_name.clone()),
            variant: def.and_then(|d| d.variant.clone()),
            unit: def.and_then(|d| d.unit.clone()),
            value: p.value.to_wire(),
            shown_value: shown_value(&p.value),
            number: number(&p.value),
            judgement: p.judgement.into(),
            code: p.code,
        }
    }
}

fn page(core: &TechoCore, profile: &Profile, number: usize, p: &PhotoPage) -> Result<CheckupPage, ApiError> {
    Ok(CheckupPage {
        number: count(number),
        image_sha256: p.image.sha256.clone(),
        thumbnail_sha256: p.thumbnail.sha256.clone(),
        width: p.width,
        height: p.height,
        bytes: p.image.size,
        added_at: crate::photos::page_added_at(p),
        preview_on_device: core.preview_on_device(profile, p)?,
    })
}

fn detail(core: &TechoCore, profile: &Profile, v: CoreView) -> Result<CheckupDetail, ApiError> {
    let pages_of = |pages: &[PhotoPage]| -> Result<Vec<CheckupPage>, ApiError> {
        pages.iter().enumerate().map(|(i, p)| page(core, profile, i + 1, p)).collect()
    };
    let (pages, waiting_pages) = (pages_of(&v.pages)?, pages_of(&v.waiting_pages)?);
    let worst = Judgement::worst(v.items.iter().map(|i| i.judgement));
    Ok(CheckupDetail {
        worst_judgement: worst.map(Into::into),
        date: day(&v.date),
        date_text: v.date,
        kind: (&v.kind).into(),
        id: v.id,
        institution: v.institution,
        note: v.note,
        items: v.items.into_iter().map(Into::into).collect(),
        pages,
        waiting_pages,
        conflicts: v.conflicts.into_iter().map(Into::into).collect(),
        unsent: v.unsent,
        judged_for: v.sex.map(Into::into),
    })
}

fn entry(s: CheckupSummary) -> CheckupEntry {
    CheckupEntry {
        date: day(&s.date),
        date_text: s.date,
        kind: (&s.kind).into(),
        id: s.id,
        institution: s.institution,
        page_count: count(s.pages),
        item_count: count(s.items),
        worst_judgement: s.worst.map(Into::into),
        conflict_count: count(s.conflicts),
        unsent: s.unsent,
    }
}

fn items(values: Vec<CheckupItemValue>) -> Vec<(String, String)> {
    values.into_iter().map(|i| (i.code, i.value)).collect()
}

/// The date a save takes: the core checks the day itself (not before 1900, not after today).
fn date_text(d: CalendarDay) -> Result<String, ApiError> {
    // `NaiveDate`'s Display is YYYY-MM-DD; chrono's `format` would bring its strftime parser.
    Ok(NaiveDate::try_from(d)?.to_string())
}

/// Checks one item line of an entry form (its code and the value as typed) as a save would, so
/// the form can show a problem beside that line: `Validation { ItemCode | ItemValue }`. A save
/// refuses the same problems but stops at the first and names only the field.
#[uniffi::export]
pub fn check_checkup_item(code: String, value: String) -> Result<(), ApiError> {
    Ok(check_typed_item(&code, &value)?)
}

/// Every item of the code list, in the order a result sheet lists them.
#[uniffi::export]
pub fn checkup_item_codes() -> Vec<CheckupItemInfo> {
    CodeList::builtin().items().iter().map(Into::into).collect()
}

impl TechoCore {
    /// Checkup ids are UUID text; anything else names nothing.
    fn checkup_id(checkup_id: &str) -> Result<String, ApiError> {
        Ok(parse_id("checkup", checkup_id)?.to_string())
    }

    fn checkup_saved(&self, profile: &Profile, view: CoreView) -> Result<CheckupDetail, ApiError> {
        self.changed_locally();
        detail(self, profile, view)
    }

    /// The newest checkup of `profile`, for the home screen.
    pub(crate) fn latest_checkup(&self, profile: &Profile) -> Result<Option<CheckupEntry>, ApiError> {
        Ok(self.store.checkups(profile)?.into_iter().next().map(entry))
    }
}

#[uniffi::export]
impl TechoCore {
    /// The person's checkups, newest first.
    pub fn checkups(&self, profile_id: String) -> Result<Vec<CheckupEntry>, ApiError> {
        let profile = self.profile_of(&profile_id)?;
        Ok(self.store.checkups(&profile)?.into_iter().map(entry).collect())
    }

    /// One checkup, each item judged for the person's sex on 命の宝箱.
    pub fn checkup(&self, profile_id: String, checkup_id: String) -> Result<CheckupDetail, ApiError> {
        let profile = self.profile_of(&profile_id)?;
        let view = self
            .store
            .checkup(&profile, &Self::checkup_id(&checkup_id)?)?
            .ok_or(ApiError::NotFound { entity: "checkup".into() })?;
        detail(self, &profile, view)
    }

    /// Records a checkup: photos (JPEG or PNG at `photo_paths`; iOS converts HEIC first) made
    /// upright, stripped of metadata, resized and kept encrypted, and the items typed from them.
    /// Everything is checked first (`Validation` names the field, `Photo` the photo problem);
    /// nothing is saved if anything is refused. The files are not needed afterwards.
    #[allow(clippy::too_many_arguments)] // one per field of the form, as the shells fill it
    pub fn add_checkup(
        &self,
        profile_id: String,
        date: CalendarDay,
        kind: CheckupKind,
        institution: String,
        note: String,
        photo_paths: Vec<String>,
        items: Vec<CheckupItemValue>,
    ) -> Result<CheckupDetail, ApiError> {
        let profile = self.profile_of(&profile_id)?;
        let new = NewCheckup {
            date: date_text(date)?,
            institution,
            kind: kind.try_into()?,
            note,
            photos: photo_paths.into_iter().map(PathBuf::from).collect(),
            items: self::items(items),
        };
        let view = self.store.add_checkup(&profile, &new, &PhotoSettings::default())?;
        self.checkup_saved(&profile, view)
    }

    /// Adds a photographed page (JPEG or PNG at `path`) to a checkup.
    pub fn add_checkup_page(
        &self,
        profile_id: String,
        checkup_id: String,
        path: String,
    ) -> Result<CheckupDetail, ApiError> {
        let profile = self.profile_of(&profile_id)?;
        let id = Self::checkup_id(&checkup_id)?;
        let view = self.store.add_checkup_page(&profile, &id, &PathBuf::from(path), &PhotoSettings::default())?;
        self.checkup_saved(&profile, view)
    }

    /// Removes a page (a waiting page takes its place), or discards a waiting page.
    pub fn remove_checkup_page(
        &self,
        profile_id: String,
        checkup_id: String,
        image_sha256: String,
    ) -> Result<CheckupDetail, ApiError> {
        let profile = self.profile_of(&profile_id)?;
        let view = self.store.remove_checkup_page(&profile, &Self::checkup_id(&checkup_id)?, &image_sha256)?;
        self.checkup_saved(&profile, view)
    }

    /// Sets items, replacing a code's earlier value (typing a value settles a conflict on that
    /// item). Every value is checked; nothing is saved if one is refused.
    pub fn set_checkup_items(
        &self,
        profile_id: String,
        checkup_id: String,
        items: Vec<CheckupItemValue>,
    ) -> Result<CheckupDetail, ApiError> {
        let profile = self.profile_of(&profile_id)?;
        let view = self.store.set_checkup_items(&profile, &Self::checkup_id(&checkup_id)?, &self::items(items))?;
        self.checkup_saved(&profile, view)
    }

    /// Removes the items with these codes (`NotFound { item }` if one is not there).
    pub fn remove_checkup_items(
        &self,
        profile_id: String,
        checkup_id: String,
        codes: Vec<String>,
    ) -> Result<CheckupDetail, ApiError> {
        let profile = self.profile_of(&profile_id)?;
        let view = self.store.remove_checkup_items(&profile, &Self::checkup_id(&checkup_id)?, &codes)?;
        self.checkup_saved(&profile, view)
    }

    /// Corrects the date, kind, institution or note (`None` leaves one as it is).
    pub fn edit_checkup(
        &self,
        profile_id: String,
        checkup_id: String,
        date: Option<CalendarDay>,
        kind: Option<CheckupKind>,
        institution: Option<String>,
        note: Option<String>,
    ) -> Result<CheckupDetail, ApiError> {
        let profile = self.profile_of(&profile_id)?;
        let date = date.map(date_text).transpose()?;
        let kind = kind.map(CoreKind::try_from).transpose()?;
        let view = self.store.edit_checkup(
            &profile,
            &Self::checkup_id(&checkup_id)?,
            date.as_deref(),
            institution.as_deref(),
            kind,
            note.as_deref(),
        )?;
        self.checkup_saved(&profile, view)
    }

    /// Settles a value saved differently on two devices (`field` as the conflict names it):
    /// this device's value (`keep_ours`, saved as a new version) or the one the checkup shows.
    pub fn resolve_checkup_conflict(
        &self,
        profile_id: String,
        checkup_id: String,
        field: String,
        keep_ours: bool,
    ) -> Result<CheckupDetail, ApiError> {
        let profile = self.profile_of(&profile_id)?;
        let view = self.store.resolve_checkup_conflict(&profile, &Self::checkup_id(&checkup_id)?, &field, keep_ours)?;
        self.checkup_saved(&profile, view)
    }

    /// Deletes a checkup on every device (at the next sync).
    pub fn delete_checkup(&self, profile_id: String, checkup_id: String) -> Result<(), ApiError> {
        let profile = self.profile_of(&profile_id)?;
        self.store.delete_checkup(&profile, &Self::checkup_id(&checkup_id)?)?;
        self.changed_locally();
        Ok(())
    }

    /// Item `code` across every checkup, oldest first, with its variants of the same series
    /// (収縮期血圧 1回目 and 2回目; HbA1c by any method), each judged.
    pub fn checkup_series(&self, profile_id: String, code: String) -> Result<Vec<CheckupTrendPoint>, ApiError> {
        let profile = self.profile_of(&profile_id)?;
        Ok(self.store.checkup_series(&profile, &code)?.into_iter().map(Into::into).collect())
    }

    /// A page (or its preview) as a JPEG file the screen can show, in the app's private cache
    /// (`clear_photo_cache` empties it). A page added on another device is downloaded first,
    /// checked against the checkup, and kept encrypted.
    pub async fn checkup_page_file(
        &self,
        profile_id: String,
        checkup_id: String,
        image_sha256: String,
        thumbnail: bool,
    ) -> Result<String, ApiError> {
        let profile = self.profile_of(&profile_id)?;
        let view = self
            .store
            .checkup(&profile, &Self::checkup_id(&checkup_id)?)?
            .ok_or(ApiError::NotFound { entity: "checkup".into() })?;
        let page = view
            .pages
            .into_iter()
            .chain(view.waiting_pages)
            .find(|p| p.image.sha256 == image_sha256)
            .ok_or(ApiError::NotFound { entity: "page".into() })?;
        on_runtime(self.page_file_work(profile, page, thumbnail)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conflict(field: &str, ours: &str, theirs: &str) -> CheckupConflict {
        CoreConflict { field: field.into(), ours: ours.into(), theirs: theirs.into() }.into()
    }

    /// Each side of a conflict comes typed, so the screens word it as they word the checkup.
    #[test]
    fn conflict_values_are_typed_for_the_screens() {
        let kind = conflict("kind", "tokutei", "teiki");
        assert_eq!((kind.which, kind.item_name.as_deref()), (CheckupConflictField::Kind, None));
        assert_eq!(kind.ours_value, CheckupConflictValue::Kind { kind: CheckupKind::Tokutei });
        assert_eq!(kind.theirs_value, CheckupConflictValue::Kind { kind: CheckupKind::Teiki });

        let date = conflict("date", "2026-06-12", "十二日");
        assert_eq!(date.ours_value, CheckupConflictValue::Day { day: CalendarDay { year: 2026, month: 6, day: 12 } });
        assert_eq!(date.theirs_value, CheckupConflictValue::Text { text: "十二日".into() }, "unreadable stays text");

        // 尿糖 is ordinal: the code 3 is printed as +.
        let urine = conflict("1A020000000191111", "3", "");
        assert_eq!(urine.which, CheckupConflictField::Item);
        assert_eq!(urine.item_name.as_deref(), Some("尿の糖"));
        assert_eq!(urine.ours_value, CheckupConflictValue::Item { shown_value: "+".into(), unit: None });
        assert_eq!(urine.theirs_value, CheckupConflictValue::Blank, "removed there");

        let sbp = conflict("9A751000000000001", "128", "130");
        assert_eq!(sbp.ours_value, CheckupConflictValue::Item { shown_value: "128".into(), unit: Some("mmHg".into()) });
        assert_eq!((sbp.field.as_str(), sbp.ours.as_str()), ("9A751000000000001", "128"), "as stored, for resolving");

        let unknown = conflict("ZZ999000000000001", "陽性", "陰性");
        assert_eq!(unknown.item_name.as_deref(), Some("ZZ999000000000001"), "named by its code");
        assert_eq!(unknown.ours_value, CheckupConflictValue::Item { shown_value: "陽性".into(), unit: None });
        assert_eq!(conflict("note", "空腹で", "").ours_value, CheckupConflictValue::Text { text: "空腹で".into() });
    }
}
