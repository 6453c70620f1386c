//! 命の宝箱 (the emergency information sheet): its field catalogue (domain design §3: the fields
//! municipal kits and Hiroshima's sheet ask for), the rules a saved sheet passes, the one id per
//! person, and the per-field three-way merge of two devices' offline saves.
//!
//! The catalogue is data — one row per field with its group, kind, limit and labels in both
//! languages — so the apps, the CLI and the printed sheet list the same fields in the same
//! order and say them the same way.

use crate::error::{DomainError, Result, ValidationReason};
use crate::family::FamilySpec;
use crate::profile::HmCode;
use std::collections::{BTreeMap, BTreeSet};
use techo_protocol::records::PhotoPage;
use techo_protocol::records::emergency_sheet::EmergencySheetRecord;
use techo_protocol::{Entity, Op};
use uuid::Uuid;

/// The most pages a sheet keeps (the A4 form front and back, an insurance card, a medicine list…).
pub const MAX_PAGES: usize = 12;
/// Fields a newer app may add: kept, but bounded.
pub const MAX_FIELDS: usize = 120;
const MAX_KEY_BYTES: usize = 64;

/// How a field is typed in and checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// One line of text.
    Line,
    /// Several lines (conditions, wishes).
    Text,
    /// `YYYY-MM-DD`.
    Date,
    /// Digits, spaces, `-`, `+`, `(`, `)`.
    Phone,
    /// One of a few values (`choices`).
    Choice(&'static [&'static str]),
}

/// The groups of the sheet, in the order it is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldGroup {
    Identity,
    Contacts,
    Medical,
    CareProviders,
    Insurance,
    Wishes,
    Notes,
}

impl FieldGroup {
    pub const ALL: [FieldGroup; 7] = [
        Self::Identity,
        Self::Contacts,
        Self::Medical,
        Self::CareProviders,
        Self::Insurance,
        Self::Wishes,
        Self::Notes,
    ];

    pub const fn key(self) -> &'static str {
        match self {
            Self::Identity => "identity",
            Self::Contacts => "contacts",
            Self::Medical => "medical",
            Self::CareProviders => "care",
            Self::Insurance => "insurance",
            Self::Wishes => "wishes",
            Self::Notes => "notes",
        }
    }

    pub const fn label_ja(self) -> &'static str {
        match self {
            Self::Identity => "ご本人",
            Self::Contacts => "緊急連絡先",
            Self::Medical => "病気・アレルギー・お薬",
            Self::CareProviders => "かかりつけ・介護",
            Self::Insurance => "保険証",
            Self::Wishes => "ご希望",
            Self::Notes => "その他",
        }
    }

    pub const fn label_en(self) -> &'static str {
        match self {
            Self::Identity => "About the person",
            Self::Contacts => "Emergency contacts",
            Self::Medical => "Illnesses, allergies and medicines",
            Self::CareProviders => "Doctor, pharmacy and care",
            Self::Insurance => "Insurance",
            Self::Wishes => "Wishes",
            Self::Notes => "Other notes",
        }
    }
}

/// One field of the sheet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SheetField {
    pub key: &'static str,
    pub group: FieldGroup,
    pub kind: FieldKind,
    pub max_chars: usize,
    pub label_ja: &'static str,
    pub label_en: &'static str,
}

pub const BLOOD_TYPES: &[&str] = &["A", "B", "O", "AB", "unknown"];
pub const RH_TYPES: &[&str] = &["+", "-", "unknown"];
pub const SEXES: &[&str] = &["female", "male", "other"];

const fn field(
    key: &'static str,
    group: FieldGroup,
    kind: FieldKind,
    max_chars: usize,
    label_ja: &'static str,
    label_en: &'static str,
) -> SheetField {
    SheetField { key, group, kind, max_chars, label_ja, label_en }
}

use FieldGroup as G;
use FieldKind as K;

/// Every field, in the order the sheet shows and prints them.
pub const CATALOGUE: &[SheetField] = &[
    field("identity.name", G::Identity, K::Line, 60, "お名前", "Name"),
    field("identity.kana", G::Identity, K::Line, 60, "ふりがな", "Name reading (kana)"),
    field("identity.birth_date", G::Identity, K::Date, 10, "生年月日", "Date of birth"),
    field("identity.sex", G::Identity, K::Choice(SEXES), 10, "性別", "Sex"),
    field("identity.address", G::Identity, K::Text, 200, "住所", "Address"),
    field("identity.phone", G::Identity, K::Phone, 20, "自宅の電話", "Home phone"),
    field("contacts.1.name", G::Contacts, K::Line, 60, "連絡先1 お名前", "Contact 1: name"),
    field("contacts.1.relation", G::Contacts, K::Line, 30, "連絡先1 続柄", "Contact 1: relationship"),
    field("contacts.1.phone", G::Contacts, K::Phone, 20, "連絡先1 電話", "Contact 1: phone"),
    field("contacts.2.name", G::Contacts, K::Line, 60, "連絡先2 お名前", "Contact 2: name"),
    field("contacts.2.relation", G::Contacts, K::Line, 30, "連絡先2 続柄", "Contact 2: relationship"),
    field("contacts.2.phone", G::Contacts, K::Phone, 20, "連絡先2 電話", "Contact 2: phone"),
    field("contacts.neighbour", G::Contacts, K::Text, 200, "近所の協力者", "Neighbour who helps"),
    field("medical.conditions", G::Medical, K::Text, 500, "治療中の病気", "Illnesses being treated"),
    field("medical.history", G::Medical, K::Text, 500, "これまでの病気・手術", "Past illnesses and operations"),
    field("medical.allergy_drug", G::Medical, K::Text, 300, "薬のアレルギー", "Medicine allergies"),
    field("medical.allergy_food", G::Medical, K::Text, 300, "食べ物のアレルギー", "Food allergies"),
    field("medical.medicines", G::Medical, K::Text, 1000, "飲んでいるお薬", "Medicines taken"),
    field("medical.blood_type", G::Medical, K::Choice(BLOOD_TYPES), 10, "血液型", "Blood type"),
    field("medical.blood_rh", G::Medical, K::Choice(RH_TYPES), 10, "Rh", "Rh"),
    field(
        "medical.devices",
        G::Medical,
        K::Text,
        200,
        "医療機器（ペースメーカー・透析・在宅酸素など）",
        "Medical devices (pacemaker, dialysis, home oxygen…)",
    ),
    field("medical.disability", G::Medical, K::Text, 200, "障害の状況", "Disabilities"),
    field("care.clinic", G::CareProviders, K::Line, 100, "かかりつけの病院・医院", "Family clinic"),
    field("care.doctor", G::CareProviders, K::Line, 60, "主治医", "Doctor"),
    field("care.clinic_phone", G::CareProviders, K::Phone, 20, "病院の電話", "Clinic phone"),
    field("care.pharmacy", G::CareProviders, K::Line, 100, "かかりつけ薬局", "Pharmacy"),
    field("care.pharmacy_phone", G::CareProviders, K::Phone, 20, "薬局の電話", "Pharmacy phone"),
    field("care.care_manager", G::CareProviders, K::Line, 100, "ケアマネジャー・事業所", "Care manager and agency"),
    field("care.care_manager_phone", G::CareProviders, K::Phone, 20, "ケアマネジャーの電話", "Care manager phone"),
    field("care.care_level", G::CareProviders, K::Line, 30, "要介護度", "Care level"),
    field("insurance.note", G::Insurance, K::Text, 200, "保険証・診察券について", "Insurance and clinic cards"),
    field(
        "wishes.treatment",
        G::Wishes,
        K::Text,
        1000,
        "延命治療や救急のときの希望",
        "Wishes about life-sustaining treatment and emergencies",
    ),
    field("wishes.organ_donation", G::Wishes, K::Line, 100, "臓器提供について", "Organ donation"),
    field(
        "notes.daily",
        G::Notes,
        K::Text,
        500,
        "日常生活の注意（飲み込み・認知症など）",
        "Daily care (swallowing, dementia…)",
    ),
    field("notes.language", G::Notes, K::Line, 60, "話せる言葉", "Languages spoken"),
    field("notes.pets_keys", G::Notes, K::Text, 200, "ペット・鍵の置き場所", "Pets and where the keys are"),
    field("notes.other", G::Notes, K::Text, 1000, "その他", "Other"),
];

/// The catalogue entry for `key`, if this build knows it.
pub fn catalogue_field(key: &str) -> Option<&'static SheetField> {
    CATALOGUE.iter().find(|f| f.key == key)
}

/// The person's one sheet id: the same on every device, so sheets started on two phones offline
/// are one record whose saves merge.
/// (A UUID version 8 from sha256 of the family's name and the patient, as medication ids are.)
pub fn sheet_id(patient: &HmCode) -> Uuid {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(b"kenko-techo/emergency_sheet/1\0");
    h.update(patient.as_str().as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&h.finalize()[..16]);
    uuid::Builder::from_custom_bytes(bytes).into_uuid()
}

fn key_well_formed(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= MAX_KEY_BYTES
        && key.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'.')
}

fn field_error(key: &str, reason: ValidationReason) -> DomainError {
    let key = if key_well_formed(key) { key.to_owned() } else { "?".to_owned() };
    DomainError::DocumentField { key, reason }
}

/// Checks one typed-in value for `key` (already trimmed; empty means cleared).
pub fn check_field(key: &str, value: &str) -> Result<()> {
    if !key_well_formed(key) {
        return Err(field_error(key, ValidationReason::InvalidFormat { expected: "a field name" }));
    }
    let Some(f) = catalogue_field(key) else {
        // A field of a newer app: kept as written, within the bound every field has.
        return if value.chars().count() > 1000 {
            Err(field_error(key, ValidationReason::TooLong { max_chars: 1000 }))
        } else {
            Ok(())
        };
    };
    if value.chars().count() > f.max_chars {
        return Err(field_error(key, ValidationReason::TooLong { max_chars: f.max_chars }));
    }
    if value.is_empty() {
        return Ok(());
    }
    let (ok, expected) = match f.kind {
        K::Line => (!value.contains(['\n', '\r']), "one line"),
        K::Text => (true, ""),
        K::Date => (crate::validation::parse_iso_date(value).is_some(), "YYYY-MM-DD"),
        K::Phone => (value.chars().all(|c| c.is_ascii_digit() || " -+()".contains(c)), "a phone number"),
        K::Choice(choices) => (choices.contains(&value), "one of the listed choices"),
    };
    if ok { Ok(()) } else { Err(field_error(key, ValidationReason::InvalidFormat { expected })) }
}

/// Checks a whole sheet as it travels.
pub fn check_sheet(entity_id: &str, sheet: &EmergencySheetRecord) -> Result<HmCode> {
    let patient = HmCode::parse(&sheet.patient).map_err(|_| DomainError::payload("patient"))?;
    if sheet.id != entity_id || sheet.id != sheet_id(&patient).to_string() {
        return Err(DomainError::payload("id: the sheet's id is derived from the patient"));
    }
    chrono::DateTime::parse_from_rfc3339(&sheet.saved_at).map_err(|_| DomainError::payload("saved_at"))?;
    if sheet.fields.len() > MAX_FIELDS {
        return Err(DomainError::payload("fields: too many"));
    }
    for (key, value) in &sheet.fields {
        check_field(key, value)?;
    }
    if sheet.pages.len() > MAX_PAGES {
        return Err(DomainError::payload("pages: too many"));
    }
    for page in &sheet.pages {
        check_page(page)?;
    }
    Ok(patient)
}

pub fn check_page(page: &PhotoPage) -> Result<()> {
    for blob in [&page.image, &page.thumbnail] {
        let named = techo_protocol::uploads::is_sha256_hex(&blob.sha256) && blob.id == blob.sha256;
        let sized = blob.size > 0 && blob.size <= techo_protocol::uploads::MAX_BLOB_BYTES;
        if !named || !sized || !techo_protocol::uploads::BLOB_MIME_TYPES.contains(&blob.mime.as_str()) {
            return Err(DomainError::payload("pages: photo reference"));
        }
    }
    chrono::DateTime::parse_from_rfc3339(&page.added_at).map_err(|_| DomainError::payload("pages: added_at"))?;
    Ok(())
}

/// A field both sides changed to different values: the other side's value is kept in the
/// sheet, ours is kept here until the person chooses.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FieldConflict {
    pub key: String,
    /// Ours (empty: we cleared it).
    pub ours: String,
    /// What the sheet holds now (empty: they cleared it).
    pub theirs: String,
}

/// The result of merging our save with one made elsewhere.
#[derive(Debug, Clone, PartialEq)]
pub struct Merged {
    pub fields: BTreeMap<String, String>,
    pub pages: Vec<PhotoPage>,
    /// Pages only we added that did not fit ([`crate::photo_pages`]).
    pub waiting: Vec<PhotoPage>,
    pub conflicts: Vec<FieldConflict>,
}

/// Three-way merge against the version both started from (`base`; `None` when both sides
/// started the sheet independently): a field only one side changed takes that change; a field
/// both changed to different values keeps theirs and reports ours as a conflict. Pages merge as
/// [`crate::photo_pages::merge`] does.
pub fn merge(
    base: Option<(&BTreeMap<String, String>, &[PhotoPage])>,
    ours: (&BTreeMap<String, String>, &[PhotoPage]),
    theirs: (&BTreeMap<String, String>, &[PhotoPage]),
) -> Merged {
    let empty_fields = BTreeMap::new();
    let base_fields = base.map_or(&empty_fields, |b| b.0);
    let keys: BTreeSet<&String> = base_fields.keys().chain(ours.0.keys()).chain(theirs.0.keys()).collect();
    let mut fields = BTreeMap::new();
    let mut conflicts = Vec::new();
    for key in keys {
        let b = base_fields.get(key).map_or("", String::as_str);
        let o = ours.0.get(key).map_or("", String::as_str);
        let t = theirs.0.get(key).map_or("", String::as_str);
        let value = if o == b || o == t {
            t
        } else if t == b {
            o
        } else {
            conflicts.push(FieldConflict { key: key.clone(), ours: o.to_owned(), theirs: t.to_owned() });
            t
        };
        if !value.is_empty() {
            fields.insert(key.clone(), value.to_owned());
        }
    }
    let pages = crate::photo_pages::merge(base.map(|b| b.1), ours.1, theirs.1, MAX_PAGES);
    Merged { fields, pages: pages.pages, waiting: pages.waiting, conflicts }
}

/// The sheet's rules on the wire: created and saved (updated) as a whole; deleted only with the
/// person.
pub struct EmergencySheetSpec;

impl FamilySpec for EmergencySheetSpec {
    fn entity(&self) -> Entity {
        Entity::EmergencySheet
    }

    fn accepts(&self, op: Op) -> bool {
        matches!(op, Op::Create | Op::Update | Op::Delete)
    }

    fn check_record(&self, entity_id: &str, payload: &serde_json::Value) -> Result<HmCode> {
        let sheet: EmergencySheetRecord =
            serde_json::from_value(payload.clone()).map_err(|_| DomainError::payload("emergency sheet"))?;
        check_sheet(entity_id, &sheet)
    }
    /// Each page's photo and thumbnail.
    fn blobs(&self, payload: &serde_json::Value) -> Vec<String> {
        crate::family::page_blobs(payload)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use techo_protocol::records::BlobRef;

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    fn page(n: u8) -> PhotoPage {
        let blob = |c: u8| {
            let sha = format!("{:02x}", c).repeat(32);
            BlobRef { id: sha.clone(), sha256: sha, size: 10, mime: "image/jpeg".into(), extra: Default::default() }
        };
        PhotoPage {
            image: blob(n),
            thumbnail: blob(n + 100),
            width: 10,
            height: 10,
            added_at: "2026-12-04T09:00:00+09:00".into(),
            extra: Default::default(),
        }
    }

    #[test]
    fn the_catalogue_is_well_formed_and_in_group_order() {
        let mut keys = BTreeSet::new();
        let mut last_group = 0;
        for f in CATALOGUE {
            assert!(key_well_formed(f.key) && keys.insert(f.key), "{}", f.key);
            assert!(f.key.starts_with(f.group.key()), "{}", f.key);
            let g = FieldGroup::ALL.iter().position(|g| *g == f.group).unwrap();
            assert!(g >= last_group, "{} out of group order", f.key);
            last_group = g;
            assert!(!f.label_ja.is_empty() && !f.label_en.is_empty());
        }
    }

    #[test]
    fn values_are_checked_by_their_kind() {
        assert!(check_field("identity.birth_date", "1941-03-09").is_ok());
        assert!(check_field("identity.birth_date", "1941-3-9").is_err());
        assert!(check_field("contacts.1.phone", "082-123-4567").is_ok());
        assert!(check_field("contacts.1.phone", "082 いち").is_err());
        assert!(check_field("medical.blood_type", "AB").is_ok());
        assert!(check_field("medical.blood_type", "C").is_err());
        assert!(check_field("identity.name", "広島\n花子").is_err());
        assert!(check_field("medical.conditions", "高血圧\n糖尿病").is_ok());
        assert!(check_field("medical.blood_type", "").is_ok(), "cleared");
        assert!(check_field("future.field", "kept").is_ok(), "a newer app's field");
        let err = check_field("Bad Key!", "x").unwrap_err();
        assert!(!err.to_string().contains("Bad Key"), "a made-up key is not echoed");
        assert!(matches!(
            check_field("care.care_level", &"あ".repeat(31)),
            Err(DomainError::DocumentField { reason: ValidationReason::TooLong { max_chars: 30 }, .. })
        ));
    }

    #[test]
    fn one_id_per_person() {
        let a = HmCode::parse("34001234").unwrap();
        let b = HmCode::parse("34005678").unwrap();
        assert_eq!(sheet_id(&a), sheet_id(&a));
        assert_ne!(sheet_id(&a), sheet_id(&b));
    }

    #[test]
    fn fields_merge_one_by_one_and_true_conflicts_keep_both() {
        let base = map(&[("identity.name", "広島花子"), ("medical.blood_type", "A"), ("notes.other", "x")]);
        let ours = map(&[("identity.name", "広島花子"), ("medical.blood_type", "AB"), ("care.doctor", "山田")]);
        let theirs = map(&[("identity.name", "廣島花子"), ("medical.blood_type", "O"), ("notes.other", "x")]);
        let m = merge(Some((&base, &[])), (&ours, &[]), (&theirs, &[]));
        assert_eq!(m.fields.get("identity.name").unwrap(), "廣島花子", "only they changed it");
        assert_eq!(m.fields.get("care.doctor").unwrap(), "山田", "only we added it");
        assert!(!m.fields.contains_key("notes.other"), "we cleared it, they did not touch it");
        assert_eq!(m.fields.get("medical.blood_type").unwrap(), "O");
        assert_eq!(
            m.conflicts,
            vec![FieldConflict { key: "medical.blood_type".into(), ours: "AB".into(), theirs: "O".into() }]
        );
    }

    #[test]
    fn two_sheets_started_apart_merge_without_a_base() {
        let ours = map(&[("identity.name", "広島花子"), ("medical.blood_type", "A")]);
        let theirs = map(&[("identity.name", "広島花子"), ("care.doctor", "山田")]);
        let m = merge(None, (&ours, &[page(1)]), (&theirs, &[page(2)]));
        assert_eq!(m.fields.len(), 3);
        assert!(m.conflicts.is_empty());
        let shas: Vec<_> = m.pages.iter().map(|p| p.image.sha256[..2].to_owned()).collect();
        assert_eq!(shas, ["02", "01"]);
    }

    #[test]
    fn pages_removed_on_either_side_stay_removed() {
        let base = [page(1), page(2)];
        let m = merge(
            Some((&BTreeMap::new(), &base)),
            (&BTreeMap::new(), &[page(2), page(3)]),
            (&BTreeMap::new(), &[page(1), page(2), page(4)]),
        );
        let shas: Vec<_> = m.pages.iter().map(|p| p.image.sha256[..2].to_owned()).collect();
        assert_eq!(shas, ["02", "04", "03"]);
    }
}
