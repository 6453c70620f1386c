//! The medication family: a notebook's JAHIS TC content cut into entries that sync one by one,
//! the rules a pushed entry passes, and the readings both sides need (what is being taken now,
//! text search that ignores how a name was typed).
//!
//! An entry is one 調剤 block, one OTC medicine, one patient note, memo, family pharmacist or the
//! patient details, carried as its JAHIS records in canonical form (see
//! `techo_protocol::records::medication`). Canonical form is what makes de-duplication work
//! without a fuzzy match: two producers that write the same dispensing differ only in the header
//! and in trailing empty fields, and both are dropped, so the same content gives the same id.

use crate::error::{DomainError, Result};
use crate::family::FamilySpec;
use crate::profile::HmCode;
use chrono::NaiveDate;
use sha2::{Digest, Sha256};
use techo_jahis::{
    CalendarDate, Direction, Dispensing, Document, Otc, Parsed, QuantityUnit, Record, parse_str, to_text,
};
use techo_protocol::records::medication::MedicationRecord;
use techo_protocol::{Entity, Op};
use uuid::Uuid;

/// The largest entry (its JAHIS text): a block with dozens of RPs is a few kilobytes, and the
/// record must stay under the sync's payload limit (`family::MAX_RECORD_BYTES`) once in JSON.
pub const ENTRY_MAX_BYTES: usize = 24 * 1024;

/// Medicines dispensed as needed (屯服) or as one lot (外用, 注射, …) carry no number of days;
/// they count as current for this long after the dispensing.
pub const UNDATED_CURRENT_DAYS: i64 = 30;

/// The header canonical entries are read with. Direction 2 requires only what a pharmacy
/// always writes, so an entry is never refused for an optional field a producer left out.
const CANONICAL_HEADER: &str = "JAHISTC08,2\r\n";

/// Which part of a notebook an entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntryKind {
    /// A 調剤 block: record 5 and everything up to the next.
    Dispensing,
    /// Record 3 with its 31 ingredients.
    Otc,
    /// Record 2: allergy, side effect, history.
    PatientNote,
    /// Record 4.
    Memo,
    /// Record 701.
    Pharmacist,
    /// Record 1.
    PatientInfo,
}

impl EntryKind {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Dispensing => "dispensing",
            Self::Otc => "otc",
            Self::PatientNote => "patient_note",
            Self::Memo => "memo",
            Self::Pharmacist => "pharmacist",
            Self::PatientInfo => "patient_info",
        }
    }

    pub fn from_str_opt(s: &str) -> Option<Self> {
        [Self::Dispensing, Self::Otc, Self::PatientNote, Self::Memo, Self::Pharmacist, Self::PatientInfo]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// One synced entry, parsed.
#[derive(Debug, Clone)]
pub struct MedicationEntry {
    pub id: Uuid,
    pub patient: HmCode,
    pub kind: EntryKind,
    /// Canonical JAHIS text without header (what travels).
    pub text: String,
    /// The entry read back as a one-entry document.
    pub document: Document,
}

impl MedicationEntry {
    /// Builds the entry holding `one` (a document with a single item) for `patient`.
    fn from_single(patient: &HmCode, kind: EntryKind, one: &Document) -> Result<Self> {
        let text = canonical_text(one);
        if text.len() > ENTRY_MAX_BYTES {
            return Err(bad("jahis: too long"));
        }
        let document = read_canonical(&text)?;
        Ok(Self { id: entry_id(patient, &text), patient: patient.clone(), kind, text, document })
    }

    /// The dispensing of a `Dispensing` entry.
    pub fn dispensing(&self) -> Option<&Dispensing> {
        self.document.dispensings.first()
    }

    pub fn to_wire(&self) -> MedicationRecord {
        MedicationRecord {
            id: self.id.to_string(),
            patient: self.patient.to_string(),
            jahis: self.text.clone(),
            extra: Default::default(),
        }
    }
}

/// What a document comes to as entries.
#[derive(Debug, Clone, Default)]
pub struct Split {
    pub entries: Vec<MedicationEntry>,
    /// 調剤 blocks left out because they have errors (never half-imported).
    pub skipped_blocks: u32,
    /// Records the parser had no place for, or does not know; they stay in the raw import.
    pub unplaced_records: u32,
}

/// Cuts a parsed document into entries for `patient`: every block without errors, and every
/// patient-level item. A document-level error (a bad record 1, a 31 naming no 3) does not stop
/// the blocks, which stand on their own; the item in error is checked again as an entry.
pub fn split(parsed: &Parsed, patient: &HmCode) -> Split {
    let doc = &parsed.document;
    let mut out = Split {
        skipped_blocks: u32::try_from(parsed.blocks_with_errors().len()).unwrap_or(u32::MAX),
        unplaced_records: u32::try_from(doc.unplaced.len() + doc.unknown_records.len()).unwrap_or(u32::MAX),
        ..Split::default()
    };
    let blank = || Document { version: doc.version, ..Document::new(doc.direction) };
    let mut push = |kind: EntryKind, one: Document| match MedicationEntry::from_single(patient, kind, &one) {
        Ok(e) if !out.entries.iter().any(|x| x.id == e.id) => out.entries.push(e),
        Ok(_) => {}
        Err(_) if kind == EntryKind::Dispensing => out.skipped_blocks += 1,
        Err(_) => out.unplaced_records += 1,
    };
    if let Some(p) = &doc.patient {
        push(EntryKind::PatientInfo, Document { patient: Some(p.clone()), ..blank() });
    }
    for n in &doc.patient_notes {
        push(EntryKind::PatientNote, Document { patient_notes: vec![n.clone()], ..blank() });
    }
    for o in &doc.otc {
        push(EntryKind::Otc, Document { otc: vec![o.clone()], ..blank() });
    }
    for m in &doc.memos {
        push(EntryKind::Memo, Document { memos: vec![m.clone()], ..blank() });
    }
    for (_, d) in parsed.importable_dispensings() {
        push(EntryKind::Dispensing, Document { dispensings: vec![d.clone()], ..blank() });
    }
    for p in &doc.pharmacists {
        push(EntryKind::Pharmacist, Document { pharmacists: vec![p.clone()], ..blank() });
    }
    out
}

/// The entry a synced record holds, checked: canonical text of exactly one item, whose id is
/// the one derived from it. Anything else is refused, so an id always means one content.
pub fn decode_entry(record: &MedicationRecord) -> Result<MedicationEntry> {
    let patient = HmCode::parse(&record.patient).map_err(|_| bad("patient"))?;
    if record.jahis.len() > ENTRY_MAX_BYTES {
        return Err(bad("jahis: too long"));
    }
    let document = read_canonical(&record.jahis)?;
    let kind = single_kind(&document).ok_or_else(|| bad("jahis: not exactly one entry"))?;
    if canonical_text(&document) != record.jahis {
        return Err(bad("jahis: not in canonical form"));
    }
    let id = entry_id(&patient, &record.jahis);
    if record.id != id.to_string() {
        return Err(bad("id differs from the content"));
    }
    Ok(MedicationEntry { id, patient, kind, text: record.jahis.clone(), document })
}

fn read_canonical(text: &str) -> Result<Document> {
    let parsed = parse_str(&format!("{CANONICAL_HEADER}{text}")).map_err(|_| bad("jahis"))?;
    if parsed.has_errors() {
        return Err(bad("jahis: records in error"));
    }
    Ok(parsed.document)
}

fn single_kind(d: &Document) -> Option<EntryKind> {
    let counts = [
        (EntryKind::PatientInfo, usize::from(d.patient.is_some())),
        (EntryKind::PatientNote, d.patient_notes.len()),
        (EntryKind::Otc, d.otc.len()),
        (EntryKind::Memo, d.memos.len()),
        (EntryKind::Dispensing, d.dispensings.len()),
        (EntryKind::Pharmacist, d.pharmacists.len()),
    ];
    let extra = d.unplaced.len() + d.unknown_records.len() + d.split_control.len();
    let mut present = counts.iter().filter(|(_, n)| *n > 0);
    match (present.next(), present.next(), extra) {
        (Some((kind, 1)), None, 0) => Some(*kind),
        _ => None,
    }
}

/// The entry's records as the writer orders them, without header, each line without trailing
/// empty fields, CRLF after every line.
fn canonical_text(one: &Document) -> String {
    let text = to_text(one, Direction::PatientToPharmacy);
    let mut out = String::with_capacity(text.len());
    for line in text.split("\r\n").skip(1).filter(|l| !l.is_empty()) {
        out.push_str(line.trim_end_matches(','));
        out.push_str("\r\n");
    }
    out
}

/// A UUID (version 8, "custom") from sha256 of the patient and the canonical text.
pub fn entry_id(patient: &HmCode, canonical: &str) -> Uuid {
    let mut h = Sha256::new();
    h.update(b"kenko-techo/medication/1\0");
    h.update(patient.as_str().as_bytes());
    h.update(b"\0");
    h.update(canonical.as_bytes());
    let digest = h.finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_custom_bytes(bytes).into_uuid()
}

fn bad(what: &'static str) -> DomainError {
    DomainError::InvalidPayload { what }
}

/// Medication entries are append-only: a wrong import is hidden with a tombstone.
pub struct MedicationSpec;

impl FamilySpec for MedicationSpec {
    fn entity(&self) -> Entity {
        Entity::Medication
    }

    fn accepts(&self, op: Op) -> bool {
        matches!(op, Op::Create | Op::Delete)
    }

    fn check_record(&self, entity_id: &str, payload: &serde_json::Value) -> Result<HmCode> {
        let rec: MedicationRecord = serde_json::from_value(payload.clone()).map_err(|_| bad("medication record"))?;
        let entry = decode_entry(&rec)?;
        if entry.id.to_string() != entity_id {
            return Err(bad("id differs from the entity id"));
        }
        Ok(entry.patient)
    }
}

/// A JAHIS date as a calendar day.
pub fn naive_date(d: CalendarDate) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(i32::from(d.year), u32::from(d.month), u32::from(d.day))
}

/// The first day a dispensing's medicines are no longer being taken: the dispensing date plus
/// the longest 日分 among its RPs, or [`UNDATED_CURRENT_DAYS`] when none counts days.
pub fn supply_ends(d: &Dispensing) -> Option<NaiveDate> {
    let start = naive_date(d.dispensed_on()?)?;
    let days = d
        .rps
        .iter()
        .filter_map(|rp| rp.quantity())
        .filter(|q| q.unit == QuantityUnit::Days)
        .map(|q| i64::from(q.amount))
        .max()
        .unwrap_or(UNDATED_CURRENT_DAYS);
    start.checked_add_signed(chrono::Duration::days(days))
}

/// An OTC medicine is current from its start date (or always, without one) until its end date.
pub fn otc_current_on(o: &Otc, day: NaiveDate) -> bool {
    let started = o.start_date().and_then(naive_date).is_none_or(|s| s <= day);
    let ended = o.end_date().and_then(naive_date).is_some_and(|e| e < day);
    started && !ended
}

/// Text folded for search: full-width letters and digits to ASCII, half-width katakana (with
/// their voicing marks) to full-width, hiragana to katakana, letters to lower case, and spaces
/// of either width dropped. `ｱﾑﾛｼﾞﾋﾟﾝ`, `アムロジピン` and `あむろじぴん` fold alike.
pub fn search_key(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let c = match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3041}'..='\u{3096}' => char::from_u32(c as u32 + 0x60).unwrap_or(c),
            '\u{FF61}'..='\u{FF9F}' => {
                match c {
                    // Voicing marks join the kana before them.
                    '\u{FF9E}' | '\u{FF9F}' => {
                        if let Some(prev) = out.pop() {
                            out.push(voiced(prev, c == '\u{FF9F}'));
                        }
                        continue;
                    }
                    _ => halfwidth_kana(c),
                }
            }
            c => c,
        };
        if c.is_whitespace() || c == '\u{3000}' {
            continue;
        }
        out.extend(c.to_lowercase());
    }
    out
}

/// Half-width katakana and punctuation U+FF61–U+FF9D to their full-width forms.
fn halfwidth_kana(c: char) -> char {
    const TABLE: &str = "。「」、・ヲァィゥェォャュョッーアイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワン";
    let i = c as usize - 0xFF61;
    TABLE.chars().nth(i).unwrap_or(c)
}

/// A katakana with 濁点 (or 半濁点 when `semi`), when it has one.
fn voiced(c: char, semi: bool) -> char {
    let code = c as u32;
    let next = match (c, semi) {
        ('ウ', false) => Some('ヴ'),
        ('カ'..='ト', false) | ('ハ'..='ホ', false) if has_voiced(c) => char::from_u32(code + 1),
        ('ハ'..='ホ', true) if (code - 'ハ' as u32).is_multiple_of(3) => char::from_u32(code + 2),
        _ => None,
    };
    next.unwrap_or(c)
}

/// Whether the full-width katakana `c` (カ…ト, ハ…ホ) has a voiced form one code point on.
fn has_voiced(c: char) -> bool {
    match c {
        'カ'..='ヂ' => (c as u32 - 'カ' as u32).is_multiple_of(2),
        // ッ sits before ツ, so ツ テ ト are on odd offsets from カ.
        'ツ' | 'テ' | 'ト' => true,
        'ハ'..='ホ' => (c as u32 - 'ハ' as u32).is_multiple_of(3),
        _ => false,
    }
}

/// The records of an entry's document in writing order (for showing them raw).
pub fn records_of(d: &Document) -> Vec<Record> {
    to_text(d, Direction::PatientToPharmacy)
        .split("\r\n")
        .skip(1)
        .filter(|l| !l.is_empty())
        .map(Record::parse_line)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hm() -> HmCode {
        HmCode::parse("34001234").unwrap()
    }

    const V1: &str = "JAHISTC08,1\r\n\
1,広島 花子,2,19450720,730-0011,広島県広島市中区基町１－１,082-000-0000,090-0000-0000,O+,48.5,ヒロシマ ハナコ\r\n\
2,1,ペニシリン系で発疹,1\r\n\
5,20250414,1\r\n\
11,テスト薬局 本通店,34,4,0123456,730-0035,広島県広島市中区本通１－１,082-111-1111,1\r\n\
15,薬剤 一郎,082-111-1111,1\r\n\
51,テスト内科クリニック,34,1,7654321,1\r\n\
55,医師 二郎,内科,1\r\n\
201,1,アムロジピン錠５ｍｇ「テスト」,1,錠,2,999000001,1\r\n\
201,1,ﾒﾄﾎﾙﾐﾝ塩酸塩錠250mg,2,錠,2,999000002,1\r\n\
281,1,朝１錠、夕１錠,1\r\n\
301,1,【１日２回 朝夕食後】,28,日分,1,1,,1\r\n\
201,2,ロキソプロフェンＮａ錠６０ｍｇ,1,錠,2,999000003,1\r\n\
301,2,【疼痛時】,10,回分,3,1,,1\r\n\
391,2,１日３回まで,1\r\n\
401,めまいが出たら相談してください。,1\r\n";

    #[test]
    fn a_document_splits_into_entries_that_decode_back() {
        let parsed = parse_str(V1).unwrap();
        let split = split(&parsed, &hm());
        let kinds: Vec<_> = split.entries.iter().map(|e| e.kind).collect();
        assert_eq!(kinds, [EntryKind::PatientInfo, EntryKind::PatientNote, EntryKind::Dispensing]);
        assert_eq!(split.skipped_blocks, 0);
        let d = &split.entries[2];
        assert!(d.text.starts_with("5,20250414,1\r\n11,テスト薬局 本通店"), "{}", d.text);
        assert!(d.text.ends_with("401,めまいが出たら相談してください。,1\r\n"));
        for e in &split.entries {
            let back = decode_entry(&e.to_wire()).unwrap();
            assert_eq!(back.id, e.id);
            assert_eq!(back.kind, e.kind);
        }
        let disp = d.dispensing().unwrap();
        assert_eq!(disp.rps.len(), 2);
        assert_eq!(supply_ends(disp), NaiveDate::from_ymd_opt(2025, 5, 12));
    }

    #[test]
    fn the_same_dispensing_from_two_producers_has_one_id() {
        // Another printer: an older header, LF line ends, trailing empty fields written out.
        let other = V1.replace("JAHISTC08,1", "JAHISTC05,1").replace("\r\n", "\n").replace(",1\n", ",1,\n");
        let a = split(&parse_str(V1).unwrap(), &hm());
        let b = split(&parse_str(&other).unwrap(), &hm());
        let ids = |s: &Split| s.entries.iter().map(|e| e.id).collect::<Vec<_>>();
        assert_eq!(ids(&a), ids(&b));
        let c = split(&parse_str(V1).unwrap(), &HmCode::parse("34005678").unwrap());
        assert_ne!(ids(&a), ids(&c), "another patient's copy is another record");
    }

    #[test]
    fn a_block_with_errors_is_left_out_whole() {
        let broken =
            V1.replace("201,2,ロキソプロフェンＮａ錠６０ｍｇ,1,錠,2,999000003,1", "201,2,ロキソプロフェン,1,錠,2,,1");
        let parsed = parse_str(&broken).unwrap();
        let split = split(&parsed, &hm());
        assert_eq!(split.skipped_blocks, 1);
        assert!(split.entries.iter().all(|e| e.kind != EntryKind::Dispensing));
    }

    #[test]
    fn forged_or_altered_records_are_refused() {
        let entry = split(&parse_str(V1).unwrap(), &hm()).entries.remove(2);
        let mut wire = entry.to_wire();
        wire.jahis = wire.jahis.replace("28,日分", "90,日分");
        assert!(decode_entry(&wire).is_err(), "content changed under the same id");
        let mut two = entry.to_wire();
        two.jahis = format!("{}{}", two.jahis, "4,メモ,20250101,2\r\n");
        assert!(decode_entry(&two).is_err(), "two entries in one record");
        let mut trailing = entry.to_wire();
        trailing.jahis = trailing.jahis.replace(",1\r\n", ",1,\r\n");
        assert!(decode_entry(&trailing).is_err(), "not canonical");
        let spec = MedicationSpec;
        let payload = serde_json::to_value(entry.to_wire()).unwrap();
        assert_eq!(spec.check_record(&entry.id.to_string(), &payload).unwrap(), hm());
        assert!(spec.check_record(&Uuid::nil().to_string(), &payload).is_err());
    }

    #[test]
    fn an_entry_too_large_to_sync_is_left_out_not_queued() {
        let mut huge = String::from("JAHISTC08,1\r\n5,20250414,1\r\n11,テスト薬局,34,4,0123456,,,,1\r\n");
        for rp in 1..=200 {
            huge += &format!(
                "201,{rp},とても長い名前の薬品{rp}（テスト用の長い名前）,1,錠,1,,1\r\n301,{rp},【１日１回 朝食後】,28,日分,1,1,,1\r\n"
            );
        }
        let split = split(&parse_str(&huge).unwrap(), &hm());
        assert_eq!((split.entries.len(), split.skipped_blocks), (0, 1));
        let small = split_of_v1();
        let json = serde_json::to_string(&small.entries[2].to_wire()).unwrap();
        assert!(json.len() < crate::family::MAX_RECORD_BYTES);
    }

    fn split_of_v1() -> Split {
        split(&parse_str(V1).unwrap(), &hm())
    }

    #[test]
    fn search_folds_width_script_and_case() {
        let key = search_key("ｱﾑﾛｼﾞﾋﾟﾝ錠５ｍｇ");
        assert_eq!(key, "アムロジピン錠5mg");
        assert_eq!(search_key("あむろじぴん"), "アムロジピン");
        assert_eq!(search_key("ﾛｷｿﾌﾟﾛﾌｪﾝ Na"), "ロキソプロフェンna");
        assert_eq!(search_key("ｶﾞｷﾞｸﾞｹﾞｺﾞ ﾀﾞﾁﾞﾂﾞﾃﾞﾄﾞ ﾊﾞﾊﾟﾎﾞﾎﾟ ｳﾞ"), "ガギグゲゴダヂヅデドバパボポヴ");
        assert_eq!(search_key("ﾏﾞ"), "マ", "a mark on a kana without a voiced form is dropped");
    }

    #[test]
    fn otc_current_by_its_dates() {
        let parsed = parse_str("JAHISTC08,2\r\n3,かぜ薬,20250401,20250410,2\r\n3,胃薬,,,2\r\n").unwrap();
        let day = |m, d| NaiveDate::from_ymd_opt(2025, m, d).unwrap();
        let [cold, stomach] = [&parsed.document.otc[0], &parsed.document.otc[1]];
        assert!(!otc_current_on(cold, day(3, 31)));
        assert!(otc_current_on(cold, day(4, 10)));
        assert!(!otc_current_on(cold, day(4, 11)));
        assert!(otc_current_on(stomach, day(1, 1)));
    }
}
