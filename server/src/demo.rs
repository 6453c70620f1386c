//! `--demo`: residents a newcomer can log in as at once, one with a fortnight of readings.

use crate::state::now_ms;
use crate::storage::{Storage, StorageError, sha256_hex};
use crate::sync_service;
use chrono::{Duration, FixedOffset, NaiveTime, Utc};
use techo_domain::vitals_wire::encode_vital;
use techo_domain::{BpContext, FamilySpecs, HmCode, Source, Vital, VitalValue};
use techo_protocol::sync::{Mutation, MutationStatus};
use techo_protocol::{Entity, Op};
use uuid::Uuid;

pub struct DemoLogin {
    pub hm_code: &'static str,
    pub password: &'static str,
    pub name: &'static str,
}

pub const LOGINS: &[DemoLogin] = &[
    DemoLogin { hm_code: "DEMO0001", password: "kenko-demo-1", name: "デモ 花子" },
    DemoLogin { hm_code: "DEMO0002", password: "kenko-demo-2", name: "デモ 一郎" },
];

/// The demo pharmacy that can post dispensings (`POST /v1/pharmacy/medications`).
pub const PHARMACY_CODE: &str = "3441234567";
pub const PHARMACY_NAME: &str = "デモ薬局 紙屋町店";

/// What a demo start has to tell the person, for things it created just now.
#[derive(Debug, Default)]
pub struct Seeded {
    /// The one-time code of DEMO0003, not yet activated.
    pub activation_code: Option<String>,
    /// The demo pharmacy's credential (shown once).
    pub pharmacy_credential: Option<String>,
}

/// Seeds the demo residents and pharmacy if they are missing.
pub fn seed(storage: &dyn Storage) -> Result<Seeded, String> {
    let pharmacy_credential = match storage.institution_by_code(PHARMACY_CODE).map_err(|e| e.to_string())? {
        Some(_) => None,
        None => Some(crate::pharmacy::add_institution(storage, PHARMACY_CODE, PHARMACY_NAME)?),
    };
    Ok(Seeded { activation_code: seed_residents(storage)?, pharmacy_credential })
}

/// Seeds the demo residents if they are missing; returns an activation code for a third,
/// not yet activated resident (DEMO0003) when it was just created.
fn seed_residents(storage: &dyn Storage) -> Result<Option<String>, String> {
    let err = |e: StorageError| e.to_string();
    for (i, login) in LOGINS.iter().enumerate() {
        if storage.resident_by_hm_code(login.hm_code).map_err(err)?.is_some() {
            continue;
        }
        let issued = crate::add_resident(
            storage,
            login.hm_code,
            login.name,
            "1950-04-01",
            std::time::Duration::from_secs(3600),
        )?;
        let phc = crate::auth::hash_password(login.password)?;
        let code_hash = sha256_hex(crate::auth::normalise_activation_code(&issued.activation_code).as_bytes());
        storage.activate(login.hm_code, &code_hash, &phc, now_ms()).map_err(err)?;
        if i == 0 {
            seed_readings(storage, login.hm_code)?;
        }
    }
    if storage.resident_by_hm_code("DEMO0003").map_err(err)?.is_some() {
        return Ok(None);
    }
    let issued = crate::add_resident(
        storage,
        "DEMO0003",
        "デモ 未登録",
        "1948-09-15",
        std::time::Duration::from_secs(30 * 86400),
    )?;
    Ok(Some(issued.activation_code))
}

/// The source the demo readings are ingested as (and their `origin_device`).
pub const SOURCE: &str = "demo-seed";

/// A fortnight of morning and evening blood pressure, written as the server writes for a
/// patient: through ingest, like a pharmacy's records, not as a make-believe device.
fn seed_readings(storage: &dyn Storage, hm_code: &str) -> Result<(), String> {
    let jst = FixedOffset::east_opt(9 * 3600).expect("JST is a valid offset");
    let today = Utc::now().with_timezone(&jst).date_naive();
    let patient = HmCode::parse(hm_code).map_err(|e| e.to_string())?;
    let mut batch = Vec::new();
    for back in 1..=14i64 {
        let day = today - Duration::days(back);
        for (h, sys, dia, ctx) in
            [(7, 131 + back % 5, 84 - back % 3, BpContext::Morning), (21, 124 + back % 4, 78, BpContext::Evening)]
        {
            let at = day
                .and_time(NaiveTime::from_hms_opt(h, 0, 0).expect("valid time"))
                .and_local_timezone(jst)
                .single()
                .expect("fixed offsets have no gaps");
            let v = Vital {
                id: Uuid::now_v7(),
                profile_id: Uuid::nil(),
                value: VitalValue::BloodPressure {
                    systolic: sys as u32,
                    diastolic: dia as u32,
                    pulse: Some(70),
                    context: ctx,
                },
                measured_at: at,
                source: Source::Device,
                device_name: Some("demo monitor".into()),
                note: None,
                amends: None,
                superseded_by: None,
                deleted_at: None,
                recorded_at: at.with_timezone(&Utc),
                entered_by: None,
                origin_device: SOURCE.into(),
                server_version: None,
            };
            let payload = serde_json::to_value(encode_vital(&v, &patient)).map_err(|e| e.to_string())?;
            batch.push(Mutation {
                // The reading's own id is a key that is unique for ever.
                mutation_id: v.id.to_string(),
                entity: Entity::Vital,
                entity_id: v.id.to_string(),
                op: Op::Create,
                base_version: None,
                payload,
                client_time: None,
            });
        }
    }
    let results = sync_service::ingest(storage, &FamilySpecs::builtin(), SOURCE, batch).map_err(|e| e.to_string())?;
    match results.iter().find(|r| r.status != MutationStatus::Applied) {
        Some(r) => Err(format!("a demo reading was refused: {}", r.error.map_or("conflict", |c| c.as_str()))),
        None => Ok(()),
    }
}
