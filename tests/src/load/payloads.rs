//! What a simulated device writes, for every family the server has, built with the same wire
//! types and encoders the phone uses: readings of every kind through `encode_vital`, medication
//! entries cut from a receipt's JAHIS text by `techo_domain::medication::split` (so their ids are
//! the content-derived ones), checkups and the 命の宝箱 sheet with photographed pages, and
//! tombstones. Values vary with a counter so no two records are alike.

use chrono::{DateTime, Duration, FixedOffset, Utc};
use rand::RngExt;
use rand::rngs::StdRng;
use std::collections::BTreeMap;
use techo_core::domain::{BpContext, GlucoseTiming, GlucoseUnit, HmCode, Milli, Source, Vital, VitalValue};
use techo_domain::vitals_wire::encode_vital;
use techo_protocol::records::checkup::{Checkup, CheckupItem, CheckupKind};
use techo_protocol::records::emergency_sheet::{Author, EmergencySheetRecord};
use techo_protocol::records::{BlobRef, PhotoPage, Tombstone};
use techo_protocol::sync::Mutation;
use techo_protocol::{Entity, Op};
use uuid::Uuid;

/// 特定健診 items the checkups carry: 収縮期血圧 (1回目) and HbA1c (NGSP).
const SYSTOLIC: &str = "9A751000000000001";
const HBA1C: &str = "3D046000001906202";

pub fn jst() -> FixedOffset {
    FixedOffset::east_opt(9 * 3600).expect("UTC+9")
}

pub fn now_rfc3339() -> String {
    Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, false)
}

fn mutation(
    entity: Entity,
    entity_id: String,
    op: Op,
    base_version: Option<u64>,
    payload: serde_json::Value,
) -> Mutation {
    Mutation {
        mutation_id: Uuid::now_v7().to_string(),
        entity,
        entity_id,
        op,
        base_version,
        payload,
        client_time: Some(now_rfc3339()),
    }
}

/// A reading of a kind chosen at random, `k` minutes before `base`, as the phone encodes it.
pub fn vital(rng: &mut StdRng, patient: &HmCode, device_id: &str, base: DateTime<FixedOffset>, k: u32) -> Mutation {
    let value = match rng.random_range(0..10u32) {
        0..=3 => VitalValue::BloodPressure {
            systolic: 100 + k % 70,
            diastolic: 60 + k % 25,
            pulse: Some(55 + k % 40),
            context: BpContext::Morning,
        },
        4..=5 => VitalValue::Weight { kg: Milli::from_thousandths(45_000 + i64::from(k % 400) * 100) },
        6 => VitalValue::Temperature { celsius: Milli::from_thousandths(35_800 + i64::from(k % 20) * 100) },
        7..=8 => VitalValue::Glucose {
            value: Milli::from_units(80 + k % 100),
            unit: GlucoseUnit::MgPerDl,
            timing: GlucoseTiming::ALL[(k as usize) % GlucoseTiming::ALL.len()],
        },
        _ => VitalValue::Steps { count: 1000 + (k * 37) % 15_000 },
    };
    let v = Vital {
        id: Uuid::now_v7(),
        profile_id: Uuid::nil(),
        value,
        measured_at: base - Duration::minutes(i64::from(k)),
        source: Source::SelfEntered,
        device_name: None,
        note: None,
        amends: None,
        superseded_by: None,
        deleted_at: None,
        recorded_at: Utc::now(),
        entered_by: None,
        origin_device: device_id.to_owned(),
        server_version: None,
    };
    let payload = serde_json::to_value(encode_vital(&v, patient)).unwrap_or_default();
    mutation(Entity::Vital, v.id.to_string(), Op::Create, None, payload)
}

/// A deletion, the same for every family.
pub fn tombstone(entity: Entity, id: &str, patient: &HmCode) -> Mutation {
    let t = Tombstone {
        id: id.to_owned(),
        patient: patient.to_string(),
        deleted_at: now_rfc3339(),
        extra: Default::default(),
    };
    mutation(entity, id.to_owned(), Op::Delete, None, serde_json::to_value(t).unwrap_or_default())
}

/// A receipt as a pharmacy prints it (JAHIS TC, output direction 1): one dispensing, made
/// unique by `k` (its date and days), from pharmacy `code` with drug `drug`.
pub fn receipt_text(k: u32, code: &str, drug: &str) -> String {
    let day = chrono::NaiveDate::from_ymd_opt(2020, 1, 1).expect("date") + Duration::days(i64::from(k % 2500));
    format!(
        "JAHISTC08,1\r\n5,{},1\r\n11,ロード薬局,34,4,{code},,,,1\r\n201,1,{drug},1,錠,2,999000001,1\r\n\
         301,1,【１日１回 朝食後】,{},日分,1,1,,1\r\n",
        day.to_string().replace('-', ""),
        1 + k % 90
    )
}

/// The entries a phone makes when it scans `receipt` (creates with content-derived ids).
pub fn medication_import(patient: &HmCode, receipt: &str) -> Vec<Mutation> {
    let Ok(parsed) = techo_jahis::parse_str(receipt) else { return Vec::new() };
    techo_domain::medication::split(&parsed, patient)
        .entries
        .iter()
        .map(|e| {
            let payload = serde_json::to_value(e.to_wire()).unwrap_or_default();
            mutation(Entity::Medication, e.id.to_string(), Op::Create, None, payload)
        })
        .collect()
}

/// A small photo of a page: a few KiB of JPEG whose pixels depend on `seed`, so every photo has
/// its own sha256.
pub fn jpeg(seed: u64, w: u16, h: u16) -> Vec<u8> {
    let mut pixels = Vec::with_capacity(usize::from(w) * usize::from(h) * 3);
    let mut x = seed | 1;
    for _ in 0..usize::from(w) * usize::from(h) {
        // xorshift: cheap noise, which JPEG cannot compress away.
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        pixels.extend_from_slice(&[(x & 0xff) as u8, ((x >> 8) & 0xff) as u8, ((x >> 16) & 0xff) as u8]);
    }
    let mut out = Vec::new();
    let encoded = jpeg_encoder::Encoder::new(&mut out, 80).encode(&pixels, w, h, jpeg_encoder::ColorType::Rgb);
    if encoded.is_err() {
        return Vec::new();
    }
    out
}

pub fn blob_ref(bytes: &[u8]) -> BlobRef {
    let sha = techo_server::storage::sha256_hex(bytes);
    BlobRef {
        id: sha.clone(),
        sha256: sha,
        size: bytes.len() as u64,
        mime: "image/jpeg".into(),
        extra: Default::default(),
    }
}

pub fn page(image: &[u8], thumbnail: &[u8], w: u32, h: u32) -> PhotoPage {
    PhotoPage {
        image: blob_ref(image),
        thumbnail: blob_ref(thumbnail),
        width: w,
        height: h,
        added_at: now_rfc3339(),
        extra: Default::default(),
    }
}

/// A checkup as first saved: its photographed page, no items yet.
pub fn checkup(patient: &HmCode, k: u32, pages: Vec<PhotoPage>) -> Checkup {
    let date = chrono::NaiveDate::from_ymd_opt(2015, 4, 1).expect("date") + Duration::days(i64::from(k % 3000));
    Checkup {
        id: Uuid::now_v7().to_string(),
        patient: patient.to_string(),
        date: date.to_string(),
        institution: "ロード健診センター".into(),
        kind: CheckupKind::Tokutei,
        pages,
        items: Vec::new(),
        note: String::new(),
        extra: Default::default(),
    }
}

/// The next edit of a checkup: its items typed in (or retyped) from the page.
pub fn edit_checkup(c: &mut Checkup, k: u32) {
    c.items = vec![
        CheckupItem {
            code: SYSTOLIC.into(),
            value: (100 + k % 80).to_string(),
            unit: None,
            method: None,
            extra: Default::default(),
        },
        CheckupItem {
            code: HBA1C.into(),
            value: format!("{}.{}", 5 + k % 3, k % 10),
            unit: None,
            method: None,
            extra: Default::default(),
        },
    ];
}

pub fn checkup_mutation(c: &Checkup, op: Op, base_version: Option<u64>) -> Mutation {
    mutation(Entity::Checkup, c.id.clone(), op, base_version, serde_json::to_value(c).unwrap_or_default())
}

/// A save of the patient's one 命の宝箱 sheet by `device_id`, with `k` in its free-text field.
pub fn sheet(patient: &HmCode, device_id: &str, k: u32, pages: Vec<PhotoPage>) -> EmergencySheetRecord {
    let mut fields = BTreeMap::new();
    fields.insert("medical.blood_type".to_owned(), ["A", "B", "O", "AB"][(k % 4) as usize].to_owned());
    fields.insert("care.doctor".to_owned(), "田中 一郎".to_owned());
    fields.insert("notes.other".to_owned(), format!("負荷試験の保存 {k}"));
    EmergencySheetRecord {
        id: techo_domain::emergency_sheet::sheet_id(patient).to_string(),
        patient: patient.to_string(),
        fields,
        pages,
        saved_at: now_rfc3339(),
        saved_by: Author {
            account: Some(patient.to_string()),
            device: device_id.to_owned(),
            extra: Default::default(),
        },
        extra: Default::default(),
    }
}

pub fn sheet_mutation(s: &EmergencySheetRecord, op: Op, base_version: Option<u64>) -> Mutation {
    mutation(Entity::EmergencySheet, s.id.clone(), op, base_version, serde_json::to_value(s).unwrap_or_default())
}

/// The same change again under a new mutation id (a device re-sending its merge after a conflict).
pub fn rebased(m: &Mutation, op: Op, base_version: Option<u64>) -> Mutation {
    mutation(m.entity.clone(), m.entity_id.clone(), op, base_version, m.payload.clone())
}
