//! The checkup family: a health checkup's result as photographed pages plus the items typed
//! from them, checked against the 特定健診 code list (domain.md §5) and judged against its two
//! thresholds, 保健指導判定値 and 受診勧奨判定値.
//!
//! The code list is data (`data/checkup_items.tsv`), read once: adding a method variant or
//! correcting a threshold is a change to that table, not to this file. An item whose code is
//! well-formed but not in the table (a newer list on another device) is kept with its value as
//! text and simply not judged, so an older build never refuses or loses it.

use crate::error::{DomainError, Result, ValidationReason};
use crate::family::FamilySpec;
use crate::validation::{Field, NOTE_MAX_CHARS, check_text};
use crate::{HmCode, Milli};
use chrono::{DateTime, NaiveDate};
use std::collections::HashSet;
use std::sync::LazyLock;
use techo_protocol::records::PhotoPage;
use techo_protocol::records::checkup::{Checkup as WireCheckup, CheckupItem as WireItem, CheckupKind};
use techo_protocol::uploads::{BLOB_MIME_TYPES, MAX_BLOB_BYTES, is_sha256_hex};
use techo_protocol::{Entity, Op};
use uuid::Uuid;

/// A paper result is rarely more than a few pages; this bounds a record's blob references.
pub const MAX_PAGES: usize = 20;
/// 特定健診 has about 60 numeric items and a 人間ドック report a little over 100.
pub const MAX_ITEMS: usize = 200;
pub const INSTITUTION_MAX_CHARS: usize = 100;
pub const ITEM_UNIT_MAX_CHARS: usize = 32;
/// Long enough for the longest method the code list's method table names.
pub const ITEM_METHOD_MAX_CHARS: usize = 64;
/// The value of an item this build does not know, kept as text.
pub const UNKNOWN_VALUE_MAX_CHARS: usize = 32;
/// 特定健診項目コード are 17 characters.
pub const CODE_LEN: usize = 17;
const KIND_MAX_BYTES: usize = 32;
/// Labels of the ordinal scale (urn:oid:1.2.392.200119.6.2102) by code 1 to 5.
pub const ORDINAL_LABELS: [&str; 5] = ["−", "±", "+", "++", "+++"];

// ---------------------------------------------------------------------------------------------
// The code list

/// Which side of a cut-off counts as crossing it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// `≥`: high values are the concern (blood pressure, HbA1c…).
    AtLeast,
    /// `<`: low values are the concern (HDL, eGFR).
    Below,
    /// `≤`: as `Below`, where the programme writes its cut-off inclusively (血色素量).
    AtMost,
}

/// One cut-off: a value crosses it or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cut {
    pub direction: Direction,
    pub value: Milli,
}

impl Cut {
    pub fn crossed_by(self, v: Milli) -> bool {
        match self.direction {
            Direction::AtLeast => v >= self.value,
            Direction::Below => v < self.value,
            Direction::AtMost => v <= self.value,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sex {
    Male,
    Female,
}

/// A judgement value, the same for everyone or different by sex (腹囲, 血色素量).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Threshold {
    Any(Cut),
    BySex { male: Cut, female: Cut },
}

impl Threshold {
    pub fn for_sex(self, sex: Sex) -> Cut {
        match (self, sex) {
            (Self::Any(c), _) => c,
            (Self::BySex { male, .. }, Sex::Male) => male,
            (Self::BySex { female, .. }, Sex::Female) => female,
        }
    }
}

/// What a value of an item looks like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    /// An exact decimal with at most `max_decimals` places, refused outside `min..=max` (a
    /// mistyped value, not an unusual one).
    Decimal { max_decimals: u8, min: Milli, max: Milli },
    /// A code 1 to 5, labelled by [`ORDINAL_LABELS`].
    Ordinal,
}

/// One line of the code list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemDef {
    /// 特定健診項目コード.
    pub code: String,
    /// Items with the same series are one line on a chart (measurement or method variants).
    pub series: String,
    /// 身体計測, 血圧, 脂質…
    pub group: String,
    /// The name as a result sheet prints it.
    pub name: String,
    /// A name an elderly reader understands (「上の血圧」).
    pub plain_name: String,
    /// Which variant of the series this code is (「1回目」, 「酵素法」).
    pub variant: Option<String>,
    /// UCUM, as the JAMI examples write it; `None` for ordinal items.
    pub ucum: Option<String>,
    /// The unit as the screens print it.
    pub unit: Option<String>,
    pub kind: ValueKind,
    /// 保健指導判定値.
    pub guidance: Option<Threshold>,
    /// 受診勧奨判定値.
    pub see_doctor: Option<Threshold>,
}

/// Why the code list could not be read: which line, and what was wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeListError {
    pub line: usize,
    pub what: &'static str,
}

/// The items this build knows, in the order a result sheet lists them.
#[derive(Debug, Clone)]
pub struct CodeList {
    items: Vec<ItemDef>,
}

const COLUMNS: [&str; 14] = [
    "code",
    "series",
    "group",
    "name",
    "plain",
    "variant",
    "ucum",
    "unit",
    "kind",
    "decimals",
    "min",
    "max",
    "guidance",
    "see_doctor",
];

static BUILTIN: LazyLock<CodeList> = LazyLock::new(|| {
    // The table ships inside the binary and a test parses it, so this cannot fail at run time.
    CodeList::parse(include_str!("../data/checkup_items.tsv")).expect("the shipped checkup code list parses")
});

impl CodeList {
    /// The list shipped with this build.
    pub fn builtin() -> &'static CodeList {
        &BUILTIN
    }

    pub fn items(&self) -> &[ItemDef] {
        &self.items
    }

    pub fn get(&self, code: &str) -> Option<&ItemDef> {
        self.items.iter().find(|d| d.code == code)
    }

    /// Where `code` stands in the list, to order variants the way a sheet prints them.
    pub fn position(&self, code: &str) -> Option<usize> {
        self.items.iter().position(|d| d.code == code)
    }

    /// Reads the tab-separated table (its header comment says what each column holds).
    pub fn parse(text: &str) -> std::result::Result<Self, CodeListError> {
        let mut items = Vec::new();
        let mut header_seen = false;
        let mut codes = HashSet::new();
        for (i, line) in text.lines().enumerate() {
            let err = |what| CodeListError { line: i + 1, what };
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let cols: Vec<&str> = line.split('\t').collect();
            if !header_seen {
                if cols != COLUMNS {
                    return Err(err("the header does not name the expected columns"));
                }
                header_seen = true;
                continue;
            }
            let [code, series, group, name, plain, variant, ucum, unit, kind, decimals, min, max, guidance, see_doctor] =
                cols[..]
            else {
                return Err(err("wrong number of columns"));
            };
            if !well_formed_code(code) {
                return Err(err("a code is not 17 letters and digits"));
            }
            if !codes.insert(code) {
                return Err(err("a code appears twice"));
            }
            if [series, group, name, plain].iter().any(|c| c.is_empty() || *c == "-") {
                return Err(err("series, group and names must be given"));
            }
            let opt = |c: &str| (c != "-" && !c.is_empty()).then(|| c.to_owned());
            let kind = match kind {
                "decimal" => {
                    let max_decimals =
                        decimals.parse::<u8>().ok().filter(|d| *d <= 3).ok_or(err("decimals: 0 to 3"))?;
                    let min = Milli::parse(min).map_err(|_| err("min is not a decimal"))?;
                    let max = Milli::parse(max).map_err(|_| err("max is not a decimal"))?;
                    if min > max {
                        return Err(err("min is above max"));
                    }
                    ValueKind::Decimal { max_decimals, min, max }
                }
                "ordinal" if [decimals, min, max] == ["-"; 3] => ValueKind::Ordinal,
                _ => return Err(err("kind: decimal, or ordinal with no decimals, min or max")),
            };
            items.push(ItemDef {
                code: code.to_owned(),
                series: series.to_owned(),
                group: group.to_owned(),
                name: name.to_owned(),
                plain_name: plain.to_owned(),
                variant: opt(variant),
                ucum: opt(ucum),
                unit: opt(unit),
                kind,
                guidance: parse_threshold(guidance).ok_or(err("guidance threshold"))?,
                see_doctor: parse_threshold(see_doctor).ok_or(err("see_doctor threshold"))?,
            });
        }
        if items.is_empty() {
            return Err(CodeListError { line: 0, what: "no items" });
        }
        Ok(Self { items })
    }
}

/// `-` (none), `>=130`, `<40`, `<=13.0`, or `M>=85,F>=90`; `None` when malformed.
fn parse_threshold(text: &str) -> Option<Option<Threshold>> {
    if text == "-" {
        return Some(None);
    }
    if let Some((m, f)) = text.split_once(',') {
        let male = parse_cut(m.strip_prefix('M')?)?;
        let female = parse_cut(f.strip_prefix('F')?)?;
        return Some(Some(Threshold::BySex { male, female }));
    }
    Some(Some(Threshold::Any(parse_cut(text)?)))
}

fn parse_cut(text: &str) -> Option<Cut> {
    let (direction, number) = if let Some(n) = text.strip_prefix(">=") {
        (Direction::AtLeast, n)
    } else if let Some(n) = text.strip_prefix("<=") {
        (Direction::AtMost, n)
    } else {
        (Direction::Below, text.strip_prefix('<')?)
    };
    Some(Cut { direction, value: Milli::parse(number).ok()? })
}

/// 17 ASCII capitals and digits: the shape of every 特定健診項目コード, known or not.
pub fn well_formed_code(code: &str) -> bool {
    code.len() == CODE_LEN && code.bytes().all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
}

// ---------------------------------------------------------------------------------------------
// Judging

/// Where a value stands against the item's two thresholds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Judgement {
    Normal,
    /// At or beyond the 保健指導判定値 (but not the 受診勧奨判定値).
    Guidance,
    /// At or beyond the 受診勧奨判定値.
    SeeDoctor,
    Unknown(Unjudged),
}

impl Judgement {
    /// The most serious of `judgements` among those judged (a checkup's headline); `None` if
    /// none was.
    pub fn worst(judgements: impl IntoIterator<Item = Judgement>) -> Option<Judgement> {
        let severity = |j: &Judgement| match j {
            Judgement::Normal => Some(0),
            Judgement::Guidance => Some(1),
            Judgement::SeeDoctor => Some(2),
            Judgement::Unknown(_) => None,
        };
        judgements.into_iter().filter(|j| severity(j).is_some()).max_by_key(severity)
    }
}

/// Why a value was not judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unjudged {
    /// The programme sets no threshold for this item (身長, 尿糖, クレアチニン…).
    NoThresholds,
    /// The thresholds differ by sex, the person's sex is not known, and the value is judged
    /// differently for men and women.
    SexNeeded,
    /// The item is not in this build's code list, or its value does not have the item's kind.
    UnknownItem,
}

/// Judges `value` of item `def`.
///
/// With the sex unknown, a sex-specific item is judged only when both sexes give the same
/// answer (腹囲 95 cm is over both cut-offs); otherwise it is `Unknown(SexNeeded)`: the app asks
/// rather than guesses, because the stricter answer would tell some women their normal value is
/// a concern.
pub fn judge(def: &ItemDef, value: &ItemValue, sex: Option<Sex>) -> Judgement {
    let v = match (def.kind, value) {
        (ValueKind::Decimal { .. }, ItemValue::Decimal(v)) => *v,
        (ValueKind::Ordinal, ItemValue::Ordinal(n)) => Milli::from_units(u32::from(*n)),
        _ => return Judgement::Unknown(Unjudged::UnknownItem),
    };
    if def.guidance.is_none() && def.see_doctor.is_none() {
        return Judgement::Unknown(Unjudged::NoThresholds);
    }
    let level = |sex: Sex| {
        if def.see_doctor.is_some_and(|t| t.for_sex(sex).crossed_by(v)) {
            Judgement::SeeDoctor
        } else if def.guidance.is_some_and(|t| t.for_sex(sex).crossed_by(v)) {
            Judgement::Guidance
        } else {
            Judgement::Normal
        }
    };
    match sex {
        Some(sex) => level(sex),
        None if level(Sex::Male) == level(Sex::Female) => level(Sex::Male),
        None => Judgement::Unknown(Unjudged::SexNeeded),
    }
}

// ---------------------------------------------------------------------------------------------
// The typed record

/// An item's value, typed by its code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ItemValue {
    Decimal(Milli),
    /// 1 (−) to 5 (+++).
    Ordinal(u8),
    /// The value of an item this build does not know, as written.
    Text(String),
}

impl ItemValue {
    /// The wire form: shortest exact decimal, the ordinal code, or the text.
    pub fn to_wire(&self) -> String {
        match self {
            Self::Decimal(m) => m.to_string(),
            Self::Ordinal(n) => n.to_string(),
            Self::Text(t) => t.clone(),
        }
    }
}

/// One result line, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub code: String,
    /// `None` for a well-formed code this build does not know.
    pub def: Option<&'static ItemDef>,
    pub value: ItemValue,
    pub unit: Option<String>,
    pub method: Option<String>,
    /// Fields a newer app wrote, kept so an edit here does not drop them.
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl Item {
    pub fn judgement(&self, sex: Option<Sex>) -> Judgement {
        self.def.map_or(Judgement::Unknown(Unjudged::UnknownItem), |d| judge(d, &self.value, sex))
    }
}

/// A checkup, checked: what the screens and the store work with.
#[derive(Debug, Clone, PartialEq)]
pub struct Checkup {
    pub id: Uuid,
    pub patient: HmCode,
    pub date: NaiveDate,
    pub institution: String,
    pub kind: CheckupKind,
    pub pages: Vec<PhotoPage>,
    pub items: Vec<Item>,
    pub note: String,
    /// Fields a newer app wrote, kept so an edit here does not drop them.
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl Checkup {
    /// The outbox form. Values are written in their canonical form (`"86"` for `"86.0"`).
    pub fn to_wire(&self) -> WireCheckup {
        WireCheckup {
            id: self.id.to_string(),
            patient: self.patient.to_string(),
            // `Display` writes YYYY-MM-DD for years 0–9999, which `parse_date` guarantees.
            date: self.date.to_string(),
            institution: self.institution.clone(),
            kind: self.kind.clone(),
            pages: self.pages.clone(),
            items: self
                .items
                .iter()
                .map(|i| WireItem {
                    code: i.code.clone(),
                    value: i.value.to_wire(),
                    unit: i.unit.clone(),
                    method: i.method.clone(),
                    extra: i.extra.clone(),
                })
                .collect(),
            note: self.note.clone(),
            extra: self.extra.clone(),
        }
    }
}

fn invalid(field: Field, reason: ValidationReason) -> DomainError {
    DomainError::Validation { field, reason }
}

fn bad(what: &'static str) -> DomainError {
    DomainError::InvalidPayload { what }
}

/// Checks one item as typed or as synced: the code's shape, then the value against the code's
/// kind and hard range. The entry form calls this per line so it can point at the line.
pub fn parse_item(item: &WireItem) -> Result<Item> {
    if !well_formed_code(&item.code) {
        return Err(invalid(Field::ItemCode, ValidationReason::InvalidFormat { expected: "a 17-character item code" }));
    }
    let def = CodeList::builtin().get(&item.code);
    let value = parse_value(def, &item.value)?;
    check_text(item.unit.as_deref(), Field::ItemUnit, ITEM_UNIT_MAX_CHARS)?;
    check_text(item.method.as_deref(), Field::ItemMethod, ITEM_METHOD_MAX_CHARS)?;
    Ok(Item {
        code: item.code.clone(),
        def,
        value,
        unit: item.unit.clone(),
        method: item.method.clone(),
        extra: item.extra.clone(),
    })
}

/// Reads `text` as a value of item `def` (`None`: an item this build does not know).
pub fn parse_value(def: Option<&'static ItemDef>, text: &str) -> Result<ItemValue> {
    let text = text.trim();
    if text.is_empty() {
        return Err(invalid(Field::ItemValue, ValidationReason::Empty));
    }
    let Some(def) = def else {
        check_text(Some(text), Field::ItemValue, UNKNOWN_VALUE_MAX_CHARS)?;
        return Ok(ItemValue::Text(text.to_owned()));
    };
    match def.kind {
        ValueKind::Decimal { max_decimals, min, max } => {
            let v = Milli::parse(text).map_err(|e| match e {
                crate::DecimalError::NotANumber => invalid(Field::ItemValue, ValidationReason::NotANumber),
                crate::DecimalError::TooManyDecimals => {
                    invalid(Field::ItemValue, ValidationReason::TooManyDecimals { max: max_decimals })
                }
            })?;
            // By value, not by digits: "86.0" is a whole number of centimetres.
            if v.thousandths() % 10_i64.pow(3 - u32::from(max_decimals)) != 0 {
                return Err(invalid(Field::ItemValue, ValidationReason::TooManyDecimals { max: max_decimals }));
            }
            if v < min || v > max {
                let unit = def.unit.as_deref().unwrap_or("");
                return Err(invalid(
                    Field::ItemValue,
                    ValidationReason::OutOfRange { min: min.to_string(), max: max.to_string(), unit },
                ));
            }
            Ok(ItemValue::Decimal(v))
        }
        ValueKind::Ordinal => match text.parse::<u8>() {
            Ok(n @ 1..=5) => Ok(ItemValue::Ordinal(n)),
            Ok(_) => Err(invalid(
                Field::ItemValue,
                ValidationReason::OutOfRange { min: "1".into(), max: "5".into(), unit: "" },
            )),
            Err(_) => Err(invalid(Field::ItemValue, ValidationReason::NotANumber)),
        },
    }
}

fn parse_date(text: &str) -> Result<NaiveDate> {
    let date = crate::validation::parse_iso_date(text)
        .ok_or(invalid(Field::CheckupDate, ValidationReason::InvalidFormat { expected: "YYYY-MM-DD" }))?;
    if date < NaiveDate::from_ymd_opt(1900, 1, 1).expect("1900-01-01 is a date") {
        return Err(invalid(Field::CheckupDate, ValidationReason::TooFarInThePast));
    }
    Ok(date)
}

fn check_kind(kind: &CheckupKind) -> Result<()> {
    // A newer app's kind is kept, but it is still a name, not free text.
    if let CheckupKind::Unknown(name) = kind
        && (name.is_empty()
            || name.len() > KIND_MAX_BYTES
            || !name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'))
    {
        return Err(invalid(
            Field::CheckupKind,
            ValidationReason::InvalidFormat { expected: "lower-case letters, digits and _" },
        ));
    }
    Ok(())
}

fn check_page(p: &PhotoPage) -> Result<()> {
    for blob in [&p.image, &p.thumbnail] {
        if blob.id.is_empty() || blob.id.len() > 64 || !is_sha256_hex(&blob.sha256) {
            return Err(bad("page: blob id and sha256"));
        }
        if blob.size == 0 || blob.size > MAX_BLOB_BYTES || !BLOB_MIME_TYPES.contains(&blob.mime.as_str()) {
            return Err(bad("page: blob size and type"));
        }
    }
    if p.width == 0 || p.height == 0 {
        return Err(bad("page: width and height"));
    }
    DateTime::parse_from_rfc3339(&p.added_at).map_err(|_| bad("page: added_at"))?;
    Ok(())
}

/// Checks a checkup's shape and content, as the server does for any device's record: no
/// comparison with the checker's clock (see [`validate_checkup`]).
pub fn decode_checkup(rec: &WireCheckup) -> Result<Checkup> {
    let id = Uuid::parse_str(&rec.id).map_err(|_| bad("id"))?;
    let patient = HmCode::parse(&rec.patient).map_err(|_| bad("patient"))?;
    let date = parse_date(&rec.date)?;
    check_kind(&rec.kind)?;
    check_text(Some(&rec.institution), Field::Institution, INSTITUTION_MAX_CHARS)?;
    check_text(Some(&rec.note), Field::Note, NOTE_MAX_CHARS)?;
    if rec.pages.len() > MAX_PAGES {
        return Err(invalid(Field::Pages, ValidationReason::TooMany { max: MAX_PAGES }));
    }
    rec.pages.iter().try_for_each(check_page)?;
    if rec.items.len() > MAX_ITEMS {
        return Err(invalid(Field::Items, ValidationReason::TooMany { max: MAX_ITEMS }));
    }
    let mut seen = HashSet::new();
    let mut items = Vec::with_capacity(rec.items.len());
    for item in &rec.items {
        let item = parse_item(item)?;
        if !seen.insert(item.code.clone()) {
            return Err(invalid(Field::ItemCode, ValidationReason::Duplicate));
        }
        items.push(item);
    }
    Ok(Checkup {
        id,
        patient,
        date,
        institution: rec.institution.clone(),
        kind: rec.kind.clone(),
        pages: rec.pages.clone(),
        items,
        note: rec.note.clone(),
        extra: rec.extra.clone(),
    })
}

/// Checks a checkup being saved on a device whose local date is `today`: everything
/// [`decode_checkup`] checks, and that the checkup did not happen after today.
pub fn validate_checkup(rec: &WireCheckup, today: NaiveDate) -> Result<Checkup> {
    let c = decode_checkup(rec)?;
    if c.date > today {
        return Err(invalid(Field::CheckupDate, ValidationReason::InTheFuture));
    }
    Ok(c)
}

// ---------------------------------------------------------------------------------------------
// Series

/// One point of an item's history.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesPoint {
    pub date: NaiveDate,
    /// Which variant was measured (the chart may mark 1回目 and 2回目 apart).
    pub code: String,
    pub value: ItemValue,
    pub judgement: Judgement,
}

/// The history of the item `code` across `checkups`, oldest first: every variant of the same
/// series (収縮期 1回目, 2回目 and その他; HbA1c by any method), but not a different
/// measurement (空腹時 and 随時 中性脂肪 have different thresholds and stay apart). An unknown
/// code has a series of itself. Variants on the same day come in the code list's order.
pub fn series(checkups: &[Checkup], code: &str, sex: Option<Sex>) -> Vec<SeriesPoint> {
    let list = CodeList::builtin();
    let series = list.get(code).map(|d| d.series.as_str());
    let belongs = |c: &str| match series {
        Some(s) => list.get(c).is_some_and(|d| d.series == s),
        None => c == code,
    };
    let mut points: Vec<(NaiveDate, usize, SeriesPoint)> = checkups
        .iter()
        .flat_map(|c| c.items.iter().map(move |i| (c.date, i)))
        .filter(|(_, i)| belongs(&i.code))
        .map(|(date, i)| {
            let order = list.position(&i.code).unwrap_or(usize::MAX);
            let point = SeriesPoint { date, code: i.code.clone(), value: i.value.clone(), judgement: i.judgement(sex) };
            (date, order, point)
        })
        .collect();
    points.sort_by_key(|(date, order, _)| (*date, *order));
    points.into_iter().map(|(_, _, p)| p).collect()
}

// ---------------------------------------------------------------------------------------------
// The family on the wire

/// Checkups are edited documents: items are typed in after the photo, so they are updated.
pub struct CheckupSpec;

impl FamilySpec for CheckupSpec {
    fn entity(&self) -> Entity {
        Entity::Checkup
    }

    fn accepts(&self, op: Op) -> bool {
        matches!(op, Op::Create | Op::Update | Op::Delete)
    }

    fn check_record(&self, entity_id: &str, payload: &serde_json::Value) -> Result<HmCode> {
        let rec: WireCheckup = serde_json::from_value(payload.clone()).map_err(|_| bad("checkup record"))?;
        // The device's date may be ahead of ours (Japan is UTC+9): check content, not recency.
        let c = decode_checkup(&rec)?;
        if c.id.to_string() != entity_id {
            return Err(bad("id differs from the entity id"));
        }
        Ok(c.patient)
    }
    /// Each page's photo and thumbnail.
    fn blobs(&self, payload: &serde_json::Value) -> Vec<String> {
        crate::family::page_blobs(payload)
    }
}

#[cfg(test)]
mod tests;
